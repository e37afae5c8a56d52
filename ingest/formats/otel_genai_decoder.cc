// OpenTelemetry GenAI spans in OTLP/JSON (FORMATS.md section 3): what the Collector's Kafka and
// file exporters write. Tool calls (execute_tool spans, and MCP spans with mcp.method.name)
// become events; every other span only feeds the joins. An execute_tool span seldom names its
// agent: the agent comes from its invoke_agent ancestor, found through parentSpanId within the
// trace, in this record or remembered from earlier ones (max_remembered_spans). Spans arrive as
// they end, so children come before parents: a tool span whose ancestor is not known yet waits
// (max_pending) and is emitted when the ancestor arrives, or unjoined (attrs "join":"unjoined",
// the actor then the service) when it is evicted or flushed.
//
// Older attribute names seen in real traces are read as aliases: gen_ai.tool.args for
// gen_ai.tool.call.arguments, gen_ai.system for gen_ai.provider.name, deployment.environment for
// deployment.environment.name, and the operation call_llm for chat.
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "ingest/formats/bounded_table.h"
#include "ingest/formats/decoders.h"
#include "ingest/formats/format_decoder.h"
#include "ingest/timestamp.h"

namespace aw::ingest::formats {

namespace {

constexpr int kMaxAncestorHops = 32;

struct ResourceInfo {
  std::string_view service, instance, env, raw;
};

struct SpanInfo {
  std::string_view trace_id, span_id, parent_id, name, raw;
  int64_t start_ns = 0;
  bool has_start = false;
  bool error = false;
  std::string_view operation, agent_id, agent_name, tool_name, tool_call_id, arguments, mcp_method,
      mcp_session, mcp_resource, conversation, data_source, server_address, error_type, provider;
  size_t resource = 0;
};

struct RememberedSpan {
  uint64_t parent = 0;  // key of the parent span, 0 for a root
  std::string agent;    // set on invoke_agent spans
};

// What is known of a trace: the agent of its invoke_agent span (when exactly one agent shows),
// and whether its root span, which ends last, has arrived: no ancestor comes after it.
struct TraceState {
  std::string agent;
  bool ambiguous = false;
  bool root_seen = false;
};

struct PendingSpan {
  std::string document;  // a one-span OTLP/JSON record, followed by kRecordPadding zero bytes
  SourcePosition position;
  int64_t default_ts_us = kNoDefaultTime;
  uint64_t trace = 0;
  uint64_t parent = 0;
};

uint64_t hash_text(std::string_view text) { return std::hash<std::string_view>{}(text); }

// The join key of a span: its trace and span ids together.
uint64_t span_key(std::string_view trace_id, std::string_view span_id) {
  if (span_id.empty()) return 0;
  uint64_t key = hash_text(trace_id) * 0x9E3779B97F4A7C15ULL ^ hash_text(span_id);
  return key == 0 ? 1 : key;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_resource_attribute(std::string_view key) {
  return key == "service.name" || key == "service.instance.id" ||
         key == "deployment.environment.name" || key == "deployment.environment";
}

// The span attributes the mapping reads (FORMATS.md section 3, with the older aliases).
bool is_span_attribute(std::string_view key) {
  if (starts_with(key, "gen_ai.")) {
    std::string_view rest = key.substr(7);
    return rest == "operation.name" || rest == "agent.id" || rest == "agent.name" ||
           rest == "tool.name" || rest == "tool.call.id" || rest == "tool.call.arguments" ||
           rest == "tool.args" || rest == "conversation.id" || rest == "data_source.id" ||
           rest == "provider.name" || rest == "system";
  }
  if (starts_with(key, "mcp.")) {
    std::string_view rest = key.substr(4);
    return rest == "method.name" || rest == "session.id" || rest == "resource.uri";
  }
  return key == "error.type" || key == "server.address";
}

class OtelGenAiDecoder final : public JsonFormatDecoder<OtelGenAiDecoder> {
 public:
  OtelGenAiDecoder(const DecoderOptions& options, const SourceMapping* mapping,
                   const FormatOptions& format_options)
      : JsonFormatDecoder(Format::kOtelGenAi, options, mapping, format_options),
        remembered_(format_options.max_remembered_spans),
        traces_(format_options.max_remembered_spans),
        pending_(format_options.max_pending) {}

  void decode_payload(const Payload& payload, EventBatch& batch) {
    decode_record(payload, batch, /*force=*/false);
    // Spans released by this record (their ancestor came) or evicted by it: emit them now that
    // the parser is free.
    retry_pending();
    emit_ready(batch);
  }

  void flush_joins(EventBatch& batch) {
    pending_.drain([&](uint64_t, PendingSpan& span) { take_ready(span); });
    emit_ready(batch);
  }

 private:
  bool is_tool_span(const SpanInfo& span) const {
    if (!span.mcp_method.empty()) return true;
    if (!span.operation.empty()) return span.operation == "execute_tool";
    return starts_with(span.name, "execute_tool");
  }
  bool is_agent_span(const SpanInfo& span) const {
    if (!span.operation.empty()) {
      return span.operation == "invoke_agent" || span.operation == "create_agent";
    }
    return starts_with(span.name, "invoke_agent");
  }
  // The agent a span names itself: gen_ai.agent.id, else the service's agent name.
  std::string_view own_agent(const SpanInfo& span, StringArena& arena) const {
    if (!span.agent_id.empty()) return span.agent_id;
    if (span.agent_name.empty()) return {};
    std::string_view service = resources_[span.resource].service;
    if (service.empty() || starts_with(service, "unknown_service")) return span.agent_name;
    return DecoderContext::concat(arena, {service, "/", span.agent_name});
  }
  // The agent of the nearest invoke_agent ancestor known so far; empty when the chain breaks.
  std::string_view ancestor_agent(uint64_t parent) {
    for (int hop = 0; parent != 0 && hop < kMaxAncestorHops; ++hop) {
      RememberedSpan* remembered = remembered_.find(parent);
      if (remembered == nullptr) return {};
      if (!remembered->agent.empty()) return remembered->agent;
      parent = remembered->parent;
    }
    return {};
  }
  // A held span can go out once its agent is known or its trace has ended.
  bool resolvable(uint64_t trace, uint64_t parent) {
    if (!ancestor_agent(parent).empty()) return true;
    TraceState* state = traces_.find(trace);
    return state != nullptr && state->root_seen;
  }

  void decode_record(const Payload& payload, EventBatch& batch, bool force);
  FieldError parse(const Payload& payload, StringArena& arena);
  FieldError parse_resource(JsonReader& reader, od::value& value, ResourceInfo& resource);
  FieldError parse_span(JsonReader& reader, od::value& value, size_t resource);
  // Reads the attributes `wanted` accepts, passing each to assign(key, text).
  template <typename Wanted, typename Assign>
  FieldError parse_attributes(JsonReader& reader, od::value& value, std::string_view field,
                              Wanted&& wanted, Assign&& assign);
  void remember(const SpanInfo& span, StringArena& arena);
  // Maps one tool span; false with the reason when the span is bad.
  // `join` says how the agent was found when it was not by ancestry: "trace" (the trace's only
  // agent; the chain of parents has gaps) or "unjoined" (no agent: the service acts).
  FieldError map(const SpanInfo& span, const Payload& payload, std::string_view agent,
                 std::string_view join, EventBatch& batch, Event& event);
  void hold(const SpanInfo& span, const Payload& payload);
  void take_ready(PendingSpan& span) {
    ready_.emplace_back();
    ready_.back().document.swap(span.document);
    ready_.back().position = span.position;
    ready_.back().default_ts_us = span.default_ts_us;
  }
  void retry_pending() {
    if (pending_.size() == 0 || !released_any_) return;
    released_any_ = false;
    pending_.erase_if([&](uint64_t, PendingSpan& span) {
      if (!resolvable(span.trace, span.parent)) return false;
      take_ready(span);
      return true;
    });
  }
  void emit_ready(EventBatch& batch) {
    // Each ready span is decoded again from its own copy, now that its ancestor is known (or
    // forced out unjoined). Index loop: decoding may evict and append more.
    for (size_t i = 0; i < ready_.size(); ++i) {
      const std::string& document = ready_[i].document;
      size_t size = document.size() - kRecordPadding;
      char* copy = batch.arena.allocate(document.size());
      std::memcpy(copy, document.data(), document.size());
      Payload payload{std::string_view(copy, size), size, ready_[i].position,
                      ready_[i].default_ts_us};
      decode_record(payload, batch, /*force=*/true);
    }
    ready_.clear();
  }

  std::vector<ResourceInfo> resources_;
  std::vector<SpanInfo> spans_;
  BoundedTable<RememberedSpan> remembered_;
  BoundedTable<TraceState> traces_;
  BoundedTable<PendingSpan> pending_;
  std::vector<PendingSpan> ready_;
  bool released_any_ = false;  // an agent span arrived since the last retry
};

template <typename Wanted, typename Assign>
FieldError OtelGenAiDecoder::parse_attributes(JsonReader& reader, od::value& value,
                                              std::string_view field, Wanted&& wanted,
                                              Assign&& assign) {
  od::array array;
  bool present;
  FieldError e = reader.array(value, field, &array, &present);
  if (!e.ok() || !present) return e;
  return for_each_element(reader, array, field, [&](od::value& element) {
    od::object attribute;
    bool is_object;
    FieldError f = reader.object(element, field, &attribute, &is_object);
    if (!f.ok() || !is_object) return f;
    std::string_view key, text;
    bool key_seen = false;
    f = for_each_field(reader, attribute, field, [&](std::string_view k, od::value& v) {
      if (k == "key") {
        key_seen = true;
        return reader.string(v, field, &key);
      }
      if (k != "value") return kUnread;
      // Performance note: values of attributes we do not map (prompts, completions) are most of
      // the bytes and often escaped: skip them unread when the key came first, as OTLP writes it.
      if (key_seen && !wanted(key)) {
        // Walk the AnyValue rather than skip it whole: a scalar's depth is known without
        // scanning its (long) text; only arrayValue and kvlistValue are checked.
        od::object any;
        bool any_present;
        FieldError g = reader.object(v, field, &any, &any_present);
        if (!g.ok() || !any_present) return g;
        return for_each_field(reader, any, field,
                              [](std::string_view, od::value&) { return kUnread; });
      }
      od::object any;
      bool any_present;
      FieldError g = reader.object(v, field, &any, &any_present);
      if (!g.ok() || !any_present) return g;
      return for_each_field(reader, any, field, [&](std::string_view kind, od::value& x) {
        if (kind == "stringValue" || kind == "intValue" || kind == "boolValue" ||
            kind == "doubleValue") {
          return reader.text(x, field, &text);
        }
        return kUnread;  // arrays and kvlists are kept in the raw record only
      });
    });
    if (f.ok() && !key.empty() && wanted(key)) assign(key, text);
    return f;
  });
}

FieldError OtelGenAiDecoder::parse_resource(JsonReader& reader, od::value& value,
                                            ResourceInfo& resource) {
  od::object object;
  bool present;
  FieldError e = reader.object(value, "resource", &object, &present);
  if (!e.ok() || !present) return e;
  if (auto error = object.raw_json().get(resource.raw))
    return reader.fail_simdjson(error, "resource");
  bool rewound = false;
  if (object.reset().get(rewound)) return reader.fail(DecodeError::kNotJson, "resource");
  return for_each_field(reader, object, "resource", [&](std::string_view key, od::value& v) {
    if (key != "attributes") return kUnread;
    return parse_attributes(reader, v, "resource.attributes", is_resource_attribute,
                            [&](std::string_view k, std::string_view text) {
                              if (k == "service.name") {
                                resource.service = text;
                              } else if (k == "service.instance.id") {
                                resource.instance = text;
                              } else if (k == "deployment.environment.name" ||
                                         (k == "deployment.environment" && resource.env.empty())) {
                                resource.env = text;
                              }
                            });
  });
}

FieldError OtelGenAiDecoder::parse_span(JsonReader& reader, od::value& value, size_t resource) {
  od::object object;
  bool present;
  FieldError e = reader.object(value, "spans", &object, &present);
  if (!e.ok() || !present) return e;
  SpanInfo span;
  span.resource = resource;
  if (auto error = object.raw_json().get(span.raw)) return reader.fail_simdjson(error, "spans");
  while (!span.raw.empty() && span.raw.back() != '}') span.raw.remove_suffix(1);
  bool rewound = false;
  if (object.reset().get(rewound)) return reader.fail(DecodeError::kNotJson, "spans");
  uint64_t seen = 0;
  e = for_each_field(reader, object, "spans", [&](std::string_view key, od::value& v) {
    FieldError f;
    if (key == "traceId") {
      if (f = mark_seen(&seen, 0, "traceId"); !f.ok()) return f;
      return reader.string(v, "traceId", &span.trace_id);
    }
    if (key == "spanId") {
      if (f = mark_seen(&seen, 1, "spanId"); !f.ok()) return f;
      return reader.string(v, "spanId", &span.span_id);
    }
    if (key == "parentSpanId") {
      if (f = mark_seen(&seen, 2, "parentSpanId"); !f.ok()) return f;
      return reader.string(v, "parentSpanId", &span.parent_id);
    }
    if (key == "name") return reader.string(v, "name", &span.name);
    if (key == "startTimeUnixNano") {
      if (f = mark_seen(&seen, 3, "startTimeUnixNano"); !f.ok()) return f;
      f = reader.integer(v, "startTimeUnixNano", &span.start_ns, &span.has_start);
      if (f.reason == DecodeError::kInvalidValue) f.reason = DecodeError::kBadTimestamp;
      return f;
    }
    if (key == "status") {
      od::object status;
      bool status_present;
      f = reader.object(v, "status", &status, &status_present);
      if (!f.ok() || !status_present) return f;
      return for_each_field(reader, status, "status", [&](std::string_view k, od::value& x) {
        if (k != "code") return kUnread;
        std::string_view code;
        FieldError g = reader.text(x, "status.code", &code);
        span.error = code == "2" || code == "STATUS_CODE_ERROR";
        return g;
      });
    }
    if (key == "attributes") {
      if (f = mark_seen(&seen, 4, "attributes"); !f.ok()) return f;
      return parse_attributes(reader, v, "attributes", is_span_attribute,
                              [&](std::string_view k, std::string_view t) {
                                if (k == "gen_ai.operation.name") {
                                  span.operation = t == "call_llm" ? std::string_view("chat") : t;
                                } else if (k == "gen_ai.agent.id") {
                                  span.agent_id = t;
                                } else if (k == "gen_ai.agent.name") {
                                  span.agent_name = t;
                                } else if (k == "gen_ai.tool.name") {
                                  span.tool_name = t;
                                } else if (k == "gen_ai.tool.call.id") {
                                  span.tool_call_id = t;
                                } else if (k == "gen_ai.tool.call.arguments" ||
                                           (k == "gen_ai.tool.args" && span.arguments.empty())) {
                                  span.arguments = t;
                                } else if (k == "gen_ai.conversation.id") {
                                  span.conversation = t;
                                } else if (k == "gen_ai.data_source.id") {
                                  span.data_source = t;
                                } else if (k == "gen_ai.provider.name" ||
                                           (k == "gen_ai.system" && span.provider.empty())) {
                                  span.provider = t;
                                } else if (k == "mcp.method.name") {
                                  span.mcp_method = t;
                                } else if (k == "mcp.session.id") {
                                  span.mcp_session = t;
                                } else if (k == "mcp.resource.uri") {
                                  span.mcp_resource = t;
                                } else if (k == "error.type") {
                                  span.error_type = t;
                                } else if (k == "server.address") {
                                  span.server_address = t;
                                }
                              });
    }
    return kUnread;
  });
  if (!e.ok()) return e;
  spans_.push_back(span);
  return {};
}

FieldError OtelGenAiDecoder::parse(const Payload& payload, StringArena& arena) {
  resources_.clear();
  spans_.clear();
  od::document doc;
  FieldError error = ctx_.open(payload, &doc);
  if (!error.ok()) return error;
  JsonReader reader(payload.bytes, arena, ctx_.options().max_depth);
  od::object root;
  if (auto e = doc.get_object().get(root)) return reader.fail_simdjson(e, "");
  bool found = false;
  error = for_each_field(reader, root, "", [&](std::string_view key, od::value& value) {
    if (key != "resourceSpans") return kUnread;
    if (found) return reader.fail(DecodeError::kDuplicateKey, "resourceSpans");
    found = true;
    od::array array;
    bool present;
    FieldError e = reader.array(value, "resourceSpans", &array, &present);
    if (!e.ok() || !present) return e;
    return for_each_element(reader, array, "resourceSpans", [&](od::value& element) {
      od::object resource_spans;
      bool is_object;
      FieldError f = reader.object(element, "resourceSpans", &resource_spans, &is_object);
      if (!f.ok() || !is_object) return f;
      size_t resource = resources_.size();
      resources_.emplace_back();
      return for_each_field(
          reader, resource_spans, "resourceSpans", [&](std::string_view k, od::value& v) {
            if (k == "resource") {
              return parse_resource(reader, v, resources_[resource]);
            }
            if (k != "scopeSpans") return kUnread;
            od::array scopes;
            bool scopes_present;
            FieldError g = reader.array(v, "scopeSpans", &scopes, &scopes_present);
            if (!g.ok() || !scopes_present) return g;
            return for_each_element(reader, scopes, "scopeSpans", [&](od::value& s) {
              od::object scope;
              bool scope_present;
              FieldError h = reader.object(s, "scopeSpans", &scope, &scope_present);
              if (!h.ok() || !scope_present) return h;
              return for_each_field(
                  reader, scope, "scopeSpans", [&](std::string_view sk, od::value& sv) {
                    if (sk != "spans") return kUnread;
                    od::array spans;
                    bool spans_present;
                    FieldError i = reader.array(sv, "spans", &spans, &spans_present);
                    if (!i.ok() || !spans_present) return i;
                    return for_each_element(reader, spans, "spans", [&](od::value& span) {
                      return parse_span(reader, span, resource);
                    });
                  });
            });
          });
    });
  });
  if (!error.ok()) return error;
  const char* location = nullptr;
  if (doc.current_location().get(location) == simdjson::SUCCESS) {
    return reader.fail(DecodeError::kNotJson, "");
  }
  if (!found) return reader.fail(DecodeError::kMissingField, "resourceSpans");
  return {};
}

void OtelGenAiDecoder::remember(const SpanInfo& span, StringArena& arena) {
  uint64_t key = span_key(span.trace_id, span.span_id);
  if (key == 0) return;
  RememberedSpan& remembered = remembered_.insert(key, [](uint64_t, RememberedSpan&) {});
  remembered.parent = span_key(span.trace_id, span.parent_id);
  remembered.agent.clear();
  bool agent_span = is_agent_span(span);
  bool root = span.parent_id.empty();
  if (!agent_span && !root) return;
  std::string_view agent = agent_span ? own_agent(span, arena) : std::string_view();
  remembered.agent.assign(agent.data(), agent.size());
  TraceState& trace = traces_.insert(hash_text(span.trace_id),
                                     [](uint64_t, TraceState& old) { old = TraceState{}; });
  if (!agent.empty()) {
    if (trace.agent.empty() && !trace.ambiguous) {
      trace.agent.assign(agent.data(), agent.size());
    } else if (trace.agent != agent) {
      trace.ambiguous = true;
    }
  }
  trace.root_seen |= root;
  released_any_ = true;
}

void OtelGenAiDecoder::hold(const SpanInfo& span, const Payload& payload) {
  uint64_t key = span_key(span.trace_id, span.span_id);
  PendingSpan& pending =
      pending_.insert(key, [&](uint64_t, PendingSpan& evicted) { take_ready(evicted); });
  // A one-span OTLP record: decoded again as it is once its ancestor is known.
  std::string_view resource = resources_[span.resource].raw;
  if (resource.empty()) resource = "{}";
  pending.document.clear();
  pending.document.append(R"({"resourceSpans":[{"resource":)");
  pending.document.append(resource);
  pending.document.append(R"(,"scopeSpans":[{"spans":[)");
  pending.document.append(span.raw);
  pending.document.append("]}]}]}");
  pending.document.append(kRecordPadding, '\0');
  pending.position = payload.position;
  pending.default_ts_us = payload.default_ts_us;
  pending.trace = hash_text(span.trace_id);
  pending.parent = span_key(span.trace_id, span.parent_id);
}

FieldError OtelGenAiDecoder::map(const SpanInfo& span, const Payload& payload,
                                 std::string_view agent, std::string_view join, EventBatch& batch,
                                 Event& event) {
  if (span.span_id.empty()) return {DecodeError::kMissingField, "spanId"};
  bool has_ts = span.has_start;
  if (has_ts) {
    int64_t us = span.start_ns / 1000;
    if (span.start_ns < 0 || us > kMaxTimeUs)
      return {DecodeError::kBadTimestamp, "startTimeUnixNano"};
    event.ts_us = us;
  }
  const ResourceInfo& resource = resources_[span.resource];
  event.id = span.span_id;
  event.actor_id = !agent.empty() ? agent : resource.service;
  event.actor_type = ActorType::kAgent;
  event.session = !span.conversation.empty() ? span.conversation : span.mcp_session;
  event.task = span.trace_id;
  event.tool = !span.tool_name.empty() ? span.tool_name : span.mcp_method;
  event.verb = !span.mcp_method.empty() ? span.mcp_method : span.operation;
  if (event.verb.empty()) event.verb = "execute_tool";
  std::string_view resource_name = !span.mcp_resource.empty()     ? span.mcp_resource
                                   : !span.data_source.empty()    ? span.data_source
                                   : !span.server_address.empty() ? span.server_address
                                                                  : span.arguments;
  event.resource_name = resource_name;
  event.env = resource.env;
  event.outcome = span.error || !span.error_type.empty() ? Outcome::kFailure : Outcome::kSuccess;
  event.attrs_json = DecoderContext::attrs(batch.arena, {{"join", join},
                                                         {"service", resource.service},
                                                         {"tool_call_id", span.tool_call_id},
                                                         {"arguments", span.arguments},
                                                         {"error_type", span.error_type},
                                                         {"provider", span.provider}});
  Payload span_payload = payload;
  span_payload.bytes = span.raw;
  span_payload.record_bytes = span.raw.size();
  return ctx_.finish(event, span_payload, has_ts, event.actor_id, EnvKey::kNamespace, "");
}

void OtelGenAiDecoder::decode_record(const Payload& payload, EventBatch& batch, bool force) {
  FieldError error = parse(payload, batch.arena);
  if (!error.ok()) {
    ctx_.dead_letter(batch, payload, error);
    return;
  }
  for (const SpanInfo& span : spans_) remember(span, batch.arena);
  for (const SpanInfo& span : spans_) {
    if (!is_tool_span(span)) continue;
    std::string_view agent = own_agent(span, batch.arena);
    std::string_view join;
    if (agent.empty()) {
      agent = ancestor_agent(span_key(span.trace_id, span.parent_id));
      if (!agent.empty()) agent = batch.arena.copy(agent);  // the table may forget it
    }
    if (agent.empty()) {
      TraceState* trace = traces_.find(hash_text(span.trace_id));
      bool trace_ended = trace != nullptr && trace->root_seen;
      if (!trace_ended && !span.parent_id.empty() && !force) {
        hold(span, payload);
        continue;
      }
      // The chain of parents has gaps (spans not exported): the trace's one agent, if any.
      if (trace != nullptr && !trace->agent.empty() && !trace->ambiguous) {
        agent = batch.arena.copy(trace->agent);
        join = "trace";
      } else {
        join = "unjoined";
      }
    }
    Event& event = batch.events.emplace_back();
    FieldError mapped = map(span, payload, agent, join, batch, event);
    if (!mapped.ok()) {
      batch.events.pop_back();
      Payload span_payload = payload;
      span_payload.bytes = span.raw;
      span_payload.record_bytes = span.raw.size();
      ctx_.dead_letter(batch, span_payload, mapped);
    }
  }
}

}  // namespace

DecoderResult make_otel_genai_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                      const FormatOptions& format_options) {
  return make_initialised<OtelGenAiDecoder>(options, mapping, format_options);
}

}  // namespace aw::ingest::formats
