// agentwatch replay: the offline path. Reads JSON Lines from files or stdin in large chunks,
// decodes them in batches, derives missing action classes, judges every event against the
// registry and the rules (when a registry or rules are given), writes alerts and dead letters,
// and prints a summary on stderr. Deterministic: the same input gives the same alerts
// (detected_at aside, or pinned with --detected-at).
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "ingest/dead_letter_writer.h"
#include "ingest/format.h"
#include "ingest/formats/source_mapping.h"
#include "ingest/line_reader.h"
#include "ingest/timestamp.h"
#include "rules/rule_set.h"
#include "tools/command.h"
#include "tools/decode_stage.h"
#include "tools/metrics_feed.h"
#include "tools/pipeline.h"

namespace aw::tools {
namespace {

struct ReplayOptions {
  std::vector<std::string> inputs;
  std::string format;  // empty: the mapping's format, else native
  std::string assume_time;
  std::string mapping;
  std::string dlq_out;
  std::string action_classes;
  size_t max_record_bytes = 1 << 20;
  std::string registry;
  std::vector<std::string> rule_paths;
  std::string alerts_out;
  std::string alert_format = "native";
  std::string detected_at;
  std::string store;
  uint32_t retention_days = 0;
  int metrics_port = -1;  // -1: no /metrics endpoint
};

int cannot_run(const std::string& message) {
  std::fprintf(stderr, "agentwatch replay: %s\n", message.c_str());
  return kExitCannotRun;
}

std::string dead_letter_summary(const PipelineCounters& counters) {
  std::string line = std::to_string(counters.dead_letters()) + " dead-lettered";
  if (counters.dead_letters() == 0) return line;
  line += " (";
  bool first = true;
  for (int i = 1; i < ingest::kDecodeErrorCount; ++i) {
    if (counters.dead_by_reason[i] == 0) continue;
    if (!first) line += ", ";
    first = false;
    line += std::string(ingest::decode_error_name(static_cast<ingest::DecodeError>(i))) + " " +
            std::to_string(counters.dead_by_reason[i]);
  }
  return line + ")";
}

void print_summary(const PipelineCounters& counters, uint64_t bytes, size_t input_count,
                   double seconds, const detect::Engine* engine, const rules::RuleSet* rules) {
  std::string line =
      "replay: " + std::to_string(input_count) + (input_count == 1 ? " input, " : " inputs, ") +
      std::to_string(counters.records) + " records, " + std::to_string(counters.events) +
      " events, " + std::to_string(counters.registry_updates) + " registry updates, " +
      dead_letter_summary(counters);
  char timing[128];
  std::snprintf(timing, sizeof(timing), " in %.3f s, %.0f events/s, %.1f MB/s", seconds,
                seconds > 0 ? counters.events / seconds : 0.0,
                seconds > 0 ? bytes / seconds / 1e6 : 0.0);
  std::fprintf(stderr, "%s%s\n", line.c_str(), timing);
  if (engine == nullptr) {
    std::fprintf(stderr, "replay: detection off (give --registry or --rules to judge events)\n");
    return;
  }
  const detect::EngineCounters& c = engine->counters();
  std::string alerts = "replay: " + std::to_string(c.alerts) + " alerts";
  bool first = true;
  for (size_t i = 0; i < c.alerts_by_rule.size(); ++i) {
    if (c.alerts_by_rule[i] == 0) continue;
    alerts += first ? " (" : ", ";
    first = false;
    alerts += rules->rules()[i].id + " " + std::to_string(c.alerts_by_rule[i]);
  }
  if (!first) alerts += ")";
  alerts += ", " + std::to_string(c.duplicates) + " duplicates judged once";
  if (c.rejected_updates > 0) {
    alerts += ", " + std::to_string(c.rejected_updates) + " registry updates refused";
  }
  std::fprintf(stderr, "%s\n", alerts.c_str());
  if (counters.retro_alerts > 0) {
    std::fprintf(stderr,
                 "replay: %llu retro alerts from re-judging stored events after late "
                 "registry updates\n",
                 static_cast<unsigned long long>(counters.retro_alerts));
  }
  if (!engine->rechecks().empty()) {
    std::fprintf(stderr,
                 "replay: %zu registry updates took effect before events already judged; "
                 "re-judging those needs the evidence store (--store)\n",
                 engine->rechecks().size());
  }
}

int run_replay(const ReplayOptions& options) {
  // The input format and what the log does not say (ingest/format.h): checked before anything
  // is opened.
  std::optional<ingest::SourceMapping> mapping;
  if (!options.mapping.empty()) {
    auto loaded = ingest::SourceMapping::load_file(options.mapping);
    if (!loaded.ok()) return cannot_run(loaded.status().message());
    mapping.emplace(std::move(loaded.value()));
  }
  ingest::Format input_format = ingest::Format::kNative;
  if (!options.format.empty()) {
    auto parsed = ingest::parse_format(options.format);
    if (!parsed.ok()) return cannot_run(parsed.status().message());
    input_format = *parsed;
  } else if (mapping && mapping->format()) {
    input_format = *mapping->format();
  }
  ingest::FormatOptions format_options;
  if (!options.assume_time.empty() &&
      !ingest::parse_rfc3339(options.assume_time, &format_options.assume_ts_us)) {
    return cannot_run("--assume-time '" + options.assume_time + "' is not an RFC 3339 time");
  }
  if (options.alert_format != "native" && options.alert_format != "ocsf") {
    return cannot_run("unknown --alert-format '" + options.alert_format +
                      "' (supported: native, ocsf)");
  }
  PipelineOptions pipeline_options;
  if (!options.detected_at.empty() &&
      !ingest::parse_rfc3339(options.detected_at, &pipeline_options.detected_at_us)) {
    return cannot_run("--detected-at '" + options.detected_at + "' is not an RFC 3339 time");
  }
  pipeline_options.registry = options.registry;
  pipeline_options.rule_paths = options.rule_paths;
  pipeline_options.action_classes = options.action_classes;
  pipeline_options.alerts_out = options.alerts_out;
  pipeline_options.alert_format =
      options.alert_format == "ocsf" ? detect::AlertFormat::kOcsf : detect::AlertFormat::kNative;
  pipeline_options.store = options.store;
  pipeline_options.retention_days = options.retention_days;
  auto pipeline = Pipeline::open(pipeline_options);
  if (!pipeline.ok()) return cannot_run(pipeline.status().message());
  // --metrics-port: /metrics and /healthz while the replay runs (tools/metrics_feed.h).
  std::unique_ptr<PipelineMetricsServer> metrics;
  if (options.metrics_port >= 0) {
    auto started = PipelineMetricsServer::start(**pipeline, options.metrics_port);
    if (!started.ok()) return cannot_run(started.status().message());
    metrics = std::move(started.value());
    std::fprintf(stderr, "replay: metrics on http://127.0.0.1:%d/metrics\n", metrics->port());
  }

  ingest::DecoderOptions decoder_options;
  decoder_options.max_record_bytes = options.max_record_bytes;
  auto decoder = ingest::make_decoder(input_format, decoder_options, mapping ? &*mapping : nullptr,
                                      format_options);
  if (!decoder.ok()) return cannot_run(decoder.status().message());
  if (format_options.assume_ts_us != ingest::kNoDefaultTime) {
    std::fprintf(stderr, "replay: records without a time of their own take %s (--assume-time)\n",
                 ingest::format_rfc3339(format_options.assume_ts_us).c_str());
  }
  std::optional<ingest::DeadLetterWriter> dlq;
  if (!options.dlq_out.empty()) {
    auto opened = ingest::DeadLetterWriter::open(options.dlq_out);
    if (!opened.ok()) return cannot_run(opened.status().message());
    dlq.emplace(std::move(opened.value()));
  }
  // Open every input first: a missing file is a reason not to start at all.
  ingest::LineReaderOptions reader_options;
  reader_options.max_record_bytes = options.max_record_bytes;
  std::vector<ingest::LineReader> readers;
  for (const std::string& input : options.inputs) {
    auto reader = input == "-" ? ingest::LineReader::open_fd(0, "<stdin>", reader_options)
                               : ingest::LineReader::open_file(input, reader_options);
    if (!reader.ok()) return cannot_run(reader.status().message());
    readers.push_back(std::move(reader.value()));
  }

  uint64_t bytes = 0;
  auto start = std::chrono::steady_clock::now();
  {
    // Decoding runs on a thread of its own, one chunk ahead of judging (tools/decode_stage.h).
    DecodeStage stage(readers, **decoder, (*pipeline)->action_classes(), options.max_record_bytes);
    while (DecodedBatch* decoded = stage.next()) {
      ingest::EventBatch& batch = decoded->batch;
      ingest::LineReader& reader = *decoded->reader;
      store::PositionRecord position{reader.name(), decoded->consumed};
      if (metrics) metrics->batch_started();
      Status processed =
          (*pipeline)->process(batch, decoded->records, reader.name(), std::span(&position, 1));
      if (!processed.ok()) return cannot_run(processed.message());
      if (metrics) metrics->after_batch();
      if (dlq && !batch.dead_letters.empty()) {
        Status written = dlq->write(reader.name(), batch.dead_letters);
        if (!written.ok()) return cannot_run(written.message());
      }
      stage.release(decoded);
    }
    Status read = stage.error();
    if (!read.ok()) return cannot_run(read.message());
  }
  for (const ingest::LineReader& reader : readers) bytes += reader.bytes_read();
  if (dlq) {
    Status flushed = dlq->flush();
    if (!flushed.ok()) return cannot_run(flushed.message());
  }
  Status finished = (*pipeline)->finish();
  if (!finished.ok()) return cannot_run(finished.message());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary((*pipeline)->counters(), bytes, readers.size(), seconds, (*pipeline)->engine(),
                (*pipeline)->rules());
  return kExitOk;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* command =
      app.add_subcommand("replay", "Decode and judge JSON Lines offline (files or - for stdin)");
  command->add_option("inputs", options->inputs, "Input files, or - for stdin")->required();
  command->add_option("--registry", options->registry, "The registry (YAML) to judge against");
  command->add_option("--rules", options->rule_paths,
                      "Extra rule directories or files, loaded beside the built-in pack");
  command->add_option("--alerts-out", options->alerts_out,
                      "Write every alert here as JSON lines (- for stdout)");
  command->add_option("--alert-format", options->alert_format, "Alert format: native or ocsf")
      ->capture_default_str();
  command->add_option("--detected-at", options->detected_at,
                      "Pin every alert's detected_at (RFC 3339) for byte-identical output");
  command->add_option("--store", options->store,
                      "Keep every event, alert and registry change in this evidence store; "
                      "re-judge stored events after late registry updates");
  command
      ->add_option("--retention-days", options->retention_days,
                   "With --store: remove events older than this many days (0: keep all)")
      ->capture_default_str();
  command->add_option("--format", options->format,
                      "Input format: native, auto, cloudtrail, k8s-audit, otel-genai, "
                      "claude-hooks, mcp, github-audit, vault-audit, pgaudit (default: the "
                      "mapping's format, else native)");
  command->add_option("--assume-time", options->assume_time,
                      "The time (RFC 3339) of records that carry none (hook payloads, MCP, "
                      "pgaudit without a log prefix)");
  command->add_option("--mapping", options->mapping,
                      "Source mapping (YAML): env tables, identity to actor, credential ids, "
                      "action-class overrides");
  command->add_option("--dlq-out", options->dlq_out,
                      "Write rejected records here as JSON lines (- for stdout)");
  command->add_option("--action-classes", options->action_classes,
                      "Use this action-class table instead of the shipped one");
  command
      ->add_option("--max-record-bytes", options->max_record_bytes,
                   "Records longer than this are dead-lettered as too_large")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--metrics-port", options->metrics_port,
                   "Serve /metrics and /healthz on 127.0.0.1:N while replaying (0: a free port)")
      ->check(CLI::Range(0, 65535));
  command->callback([options, &exit_code] { exit_code = run_replay(*options); });
}

}  // namespace aw::tools
