# Writes a .cc holding the shipped incident (registry and stream) as string constants, so
# `agentwatch demo` works from any directory, installed or not.
file(READ ${REGISTRY} registry_text)
file(READ ${STREAM} stream_text)
file(WRITE ${OUT} "// Generated from examples/ by tools/demo/embed_incident.cmake.\n"
  "#include \"tools/demo/incident.h\"\n"
  "namespace aw::tools::demo {\n"
  "const char* const kIncidentRegistry = R\"AW_INCIDENT(${registry_text})AW_INCIDENT\";\n"
  "const char* const kIncidentStream = R\"AW_INCIDENT(${stream_text})AW_INCIDENT\";\n"
  "}  // namespace aw::tools::demo\n")
