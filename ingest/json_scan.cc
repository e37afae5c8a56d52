#include "ingest/json_scan.h"

namespace aw::ingest {

JsonScan scan_json(std::string_view text) {
  JsonScan scan;
  int64_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        ++depth;
        if (depth > static_cast<int64_t>(scan.max_depth))
          scan.max_depth = static_cast<uint32_t>(depth);
        break;
      case '}':
      case ']':
        --depth;
        break;
      default:
        break;
    }
  }
  scan.open_at_end = depth;
  scan.inside_string_at_end = in_string;
  return scan;
}

}  // namespace aw::ingest
