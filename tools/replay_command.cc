// agentwatch replay: the offline path. Reads JSON Lines from files or stdin in large chunks,
// decodes them in batches, derives missing action classes, judges every event against the
// registry and the rules (when a registry or rules are given), writes alerts and dead letters,
// and prints a summary on stderr. Deterministic: the same input gives the same alerts
// (detected_at aside, or pinned with --detected-at).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "detect/alert_writer.h"
#include "detect/engine.h"
#include "detect/registry_loader.h"
#include "ingest/dead_letter_writer.h"
#include "ingest/line_reader.h"
#include "ingest/native_decoder.h"
#include "ingest/timestamp.h"
#include "rules/action_class_table.h"
#include "rules/rule_set.h"
#include "store/alert_records.h"
#include "store/evidence_store.h"
#include "tools/command.h"
#include "tools/decode_stage.h"

namespace aw::tools {
namespace {

struct ReplayOptions {
  std::vector<std::string> inputs;
  std::string format = "native";
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
};

struct ReplayCounters {
  uint64_t records = 0;
  uint64_t events = 0;
  uint64_t registry_updates = 0;
  uint64_t retro_alerts = 0;
  uint64_t bytes = 0;
  uint64_t dead_by_reason[ingest::kDecodeErrorCount] = {};
  uint64_t dead_letters() const {
    uint64_t total = 0;
    for (uint64_t n : dead_by_reason) total += n;
    return total;
  }
};

int cannot_run(const std::string& message) {
  std::fprintf(stderr, "agentwatch replay: %s\n", message.c_str());
  return kExitCannotRun;
}

std::string dead_letter_summary(const ReplayCounters& counters) {
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

void print_summary(const ReplayCounters& counters, size_t input_count, double seconds,
                   const detect::Engine* engine, const rules::RuleSet* rules) {
  std::string line =
      "replay: " + std::to_string(input_count) + (input_count == 1 ? " input, " : " inputs, ") +
      std::to_string(counters.records) + " records, " + std::to_string(counters.events) +
      " events, " + std::to_string(counters.registry_updates) + " registry updates, " +
      dead_letter_summary(counters);
  char timing[128];
  std::snprintf(timing, sizeof(timing), " in %.3f s, %.0f events/s, %.1f MB/s", seconds,
                seconds > 0 ? counters.events / seconds : 0.0,
                seconds > 0 ? counters.bytes / seconds / 1e6 : 0.0);
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

// The evidence store side of replay: writes each batch (events, alerts, applied registry updates,
// the input position) and re-judges stored events after late registry updates.
class StoreWriter {
 public:
  StoreWriter(store::EvidenceStore& store, const rules::RuleSet* rules)
      : store_(store), rules_(rules) {}

  // Remembers the registry changes the store already holds, so a second replay of the same
  // input adds none (the registry history is keyed by arrival, not content).
  Status load_history() {
    auto history = store_.registry_history();
    if (!history.ok()) return history.status();
    for (const auto& change : *history)
      known_changes_.insert(
          change_key(change.op, change.kind, change.id, change.at_us, change.text));
    return Status();
  }

  void record_registry_file(const std::string& path, const std::string& text) {
    pending_changes_.push_back(Change{"load", "registry", path, ingest::kMinTimeUs, text});
  }

  Status write_batch(const ingest::EventBatch& batch, std::string_view origin, uint64_t position,
                     const detect::AlertBuffer* alerts, detect::Engine* engine) {
    if (engine != nullptr) {
      for (const detect::AppliedRecord& applied : engine->applied_updates()) {
        pending_changes_.push_back(Change{applied.update.op, applied.update.kind, applied.update.id,
                                          applied.update.at, std::string(applied.record.raw)});
      }
      engine->clear_applied_updates();
    }
    std::vector<store::RegistryChangeRecord> changes;
    for (const Change& c : pending_changes_) {
      if (!known_changes_.insert(change_key(c.op, c.kind, c.id, c.at, c.text)).second) continue;
      changes.push_back(store::RegistryChangeRecord{c.op, c.kind, c.id, c.at, c.text});
    }
    store::PositionRecord position_record{origin, position};
    store::WriteInput input;
    input.events = batch.events;
    input.origin = origin;
    if (alerts != nullptr && rules_ != nullptr) {
      input.alerts = builder_.build(*alerts, *rules_, batch.events);
    }
    input.registry_changes = changes;
    input.positions = std::span(&position_record, 1);
    Status written = store_.write(input);
    pending_changes_.clear();
    return written;
  }

  // Re-judges the stored events each late update asks for; new alerts are stored (and
  // written to `alert_writer`) marked retro. Returns the number of retro alerts raised.
  Result<uint64_t> rejudge(detect::Engine& engine, detect::AlertWriter* alert_writer) {
    if (engine.rechecks().empty()) return uint64_t{0};
    // Make this batch's own events visible to the scan.
    AW_RETURN_IF_ERROR(store_.flush());
    uint64_t raised = 0;
    std::vector<ingest::Event> events;
    detect::AlertBuffer retro;
    for (const detect::RecheckRequest& request : engine.rechecks()) {
      store::TimelineQuery query;
      query.kind = request.kind == "agent"        ? store::TimelineKind::kAgent
                   : request.kind == "credential" ? store::TimelineKind::kCredential
                                                  : store::TimelineKind::kAll;
      query.value = request.id;
      query.from_us = request.from_us;
      auto cursor = store_.scan(query);
      if (!cursor.ok()) return cursor.status();
      while (true) {
        auto more = cursor->next(&events);
        if (!more.ok()) return more.status();
        if (!*more) break;
        retro.clear();
        for (size_t i = 0; i < events.size(); ++i) {
          size_t before = retro.alerts.size();
          engine.rejudge(events[i], static_cast<uint32_t>(i), retro);
          if (retro.alerts.size() == before) continue;
          // Keep only what is new: the event's earlier alerts have the same ids.
          key_.clear();
          detect::append_event_key(events[i], &key_);
          auto stored = store_.event(key_);
          if (!stored.ok()) continue;
          auto known = [&](const detect::Alert& alert) {
            std::string_view id(alert.id.data(), alert.id.size());
            for (const auto& a : stored->alerts) {
              if (a.id == id) return true;
            }
            return false;
          };
          retro.alerts.erase(std::remove_if(retro.alerts.begin() + static_cast<long>(before),
                                            retro.alerts.end(), known),
                             retro.alerts.end());
        }
        if (retro.alerts.empty()) continue;
        store::WriteInput input;
        input.alerts = builder_.build(retro, *rules_, events);
        AW_RETURN_IF_ERROR(store_.write(input));
        if (alert_writer != nullptr)
          AW_RETURN_IF_ERROR(alert_writer->write(retro, *rules_, events));
        raised += retro.alerts.size();
      }
    }
    engine.clear_rechecks();
    AW_RETURN_IF_ERROR(store_.flush());
    return raised;
  }

 private:
  struct Change {
    std::string op, kind, id;
    int64_t at;
    std::string text;
  };
  static std::string change_key(std::string_view op, std::string_view kind, std::string_view id,
                                int64_t at, std::string_view text) {
    std::string key;
    for (std::string_view part : {op, kind, id, text}) {
      key += std::to_string(part.size());
      key += ':';
      key += part;
    }
    return key + std::to_string(at);
  }

  store::EvidenceStore& store_;
  const rules::RuleSet* rules_;
  store::AlertRecordBuilder builder_;
  std::vector<Change> pending_changes_;
  std::set<std::string> known_changes_;
  std::string key_;
};

int run_replay(const ReplayOptions& options) {
  if (options.format != "native" && options.format != "auto") {
    return cannot_run("unknown --format '" + options.format + "' (supported: native, auto)");
  }
  if (options.alert_format != "native" && options.alert_format != "ocsf") {
    return cannot_run("unknown --alert-format '" + options.alert_format +
                      "' (supported: native, ocsf)");
  }
  detect::EngineOptions engine_options;
  if (!options.detected_at.empty() &&
      !ingest::parse_rfc3339(options.detected_at, &engine_options.detected_at_us)) {
    return cannot_run("--detected-at '" + options.detected_at + "' is not an RFC 3339 time");
  }
  const rules::ActionClassTable* table = &rules::ActionClassTable::builtin();
  std::optional<rules::ActionClassTable> user_table;
  if (!options.action_classes.empty()) {
    auto loaded = rules::ActionClassTable::load_file(options.action_classes);
    if (!loaded.ok()) return cannot_run(loaded.status().message());
    user_table.emplace(std::move(loaded.value()));
    table = &*user_table;
  }

  // Detection runs when there is something to judge against.
  const bool detect = !options.registry.empty() || !options.rule_paths.empty();
  std::optional<rules::RuleSet> rule_set;
  std::optional<detect::Registry> registry;
  std::optional<detect::Engine> engine;
  if (detect) {
    rules::RuleSetOptions rule_options;
    rule_options.paths = options.rule_paths;
    auto loaded_rules = rules::RuleSet::load(rule_options);
    if (!loaded_rules.ok()) return cannot_run(loaded_rules.status().message());
    rule_set.emplace(std::move(loaded_rules.value()));
    if (!options.registry.empty()) {
      auto loaded = detect::load_registry_file(options.registry);
      if (!loaded.ok()) return cannot_run(loaded.status().message());
      registry.emplace(std::move(loaded.value()));
    } else {
      registry.emplace();  // no registry: every actor is unknown, and says so
    }
    engine.emplace(*rule_set, *registry, engine_options);
  }

  ingest::DecoderOptions decoder_options;
  decoder_options.max_record_bytes = options.max_record_bytes;
  auto decoder = ingest::NativeDecoder::make(decoder_options);
  if (!decoder.ok()) return cannot_run(decoder.status().message());
  std::optional<ingest::DeadLetterWriter> dlq;
  if (!options.dlq_out.empty()) {
    auto opened = ingest::DeadLetterWriter::open(options.dlq_out);
    if (!opened.ok()) return cannot_run(opened.status().message());
    dlq.emplace(std::move(opened.value()));
  }
  std::optional<detect::AlertWriter> alert_writer;
  if (!options.alerts_out.empty()) {
    auto format =
        options.alert_format == "ocsf" ? detect::AlertFormat::kOcsf : detect::AlertFormat::kNative;
    auto opened = detect::AlertWriter::open(options.alerts_out, format);
    if (!opened.ok()) return cannot_run(opened.status().message());
    alert_writer.emplace(std::move(opened.value()));
  }
  std::optional<store::EvidenceStore> evidence;
  std::optional<StoreWriter> store_writer;
  if (!options.store.empty()) {
    store::StoreOptions store_options;
    store_options.path = options.store;
    store_options.retention_days = options.retention_days;
    auto opened = store::EvidenceStore::open(store_options);
    if (!opened.ok()) return cannot_run(opened.status().message());
    evidence.emplace(std::move(opened.value()));
    store_writer.emplace(*evidence, rule_set ? &*rule_set : nullptr);
    Status history = store_writer->load_history();
    if (!history.ok()) return cannot_run(history.message());
    if (!options.registry.empty()) {
      std::ifstream in(options.registry);
      std::stringstream text;
      text << in.rdbuf();
      store_writer->record_registry_file(options.registry, text.str());
    }
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

  ReplayCounters counters;
  detect::AlertBuffer alerts;
  auto start = std::chrono::steady_clock::now();
  {
    // Decoding runs on a thread of its own, one chunk ahead of judging (tools/decode_stage.h).
    DecodeStage stage(readers, *decoder, *table);
    while (DecodedBatch* decoded = stage.next()) {
      ingest::EventBatch& batch = decoded->batch;
      ingest::LineReader& reader = *decoded->reader;
      counters.records += decoded->records;
      counters.events += batch.events.size();
      counters.registry_updates += batch.controls.size();
      if (engine) {
        alerts.clear();
        engine->process(batch, reader.name(), alerts);
        if (alert_writer) {
          Status written = alert_writer->write(alerts, *rule_set, batch.events);
          if (!written.ok()) return cannot_run(written.message());
        }
        // Refused registry updates are bad records too: dead-letter them with the reason.
        for (const detect::RejectedUpdate& rejected : engine->rejected_updates()) {
          batch.dead_letters.push_back(ingest::DeadLetter{
              ingest::DecodeError::kInvalidRegistryUpdate, "registry_update", rejected.record.raw,
              rejected.record.raw.size(), rejected.record.position, rejected.message});
          --counters.registry_updates;
        }
      }
      if (store_writer) {
        Status written =
            store_writer->write_batch(batch, reader.name(), decoded->consumed,
                                      engine ? &alerts : nullptr, engine ? &*engine : nullptr);
        if (!written.ok()) return cannot_run(written.message());
        if (engine) {
          auto retro = store_writer->rejudge(*engine, alert_writer ? &*alert_writer : nullptr);
          if (!retro.ok()) return cannot_run(retro.status().message());
          counters.retro_alerts += *retro;
        }
      } else if (engine) {
        engine->clear_applied_updates();
      }
      for (const ingest::DeadLetter& letter : batch.dead_letters) {
        ++counters.dead_by_reason[static_cast<int>(letter.reason)];
      }
      if (dlq && !batch.dead_letters.empty()) {
        Status written = dlq->write(reader.name(), batch.dead_letters);
        if (!written.ok()) return cannot_run(written.message());
      }
      if (engine) engine->clear_rejected_updates();
      stage.release(decoded);
    }
    Status read = stage.error();
    if (!read.ok()) return cannot_run(read.message());
  }
  for (const ingest::LineReader& reader : readers) counters.bytes += reader.bytes_read();
  if (dlq) {
    Status flushed = dlq->flush();
    if (!flushed.ok()) return cannot_run(flushed.message());
  }
  if (alert_writer) {
    Status flushed = alert_writer->flush();
    if (!flushed.ok()) return cannot_run(flushed.message());
  }
  if (evidence) {
    if (options.retention_days > 0) {
      auto pruned =
          evidence->apply_retention(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
      if (!pruned.ok()) return cannot_run(pruned.status().message());
    }
    Status closed = evidence->close();
    if (!closed.ok()) return cannot_run(closed.message());
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary(counters, readers.size(), seconds, engine ? &*engine : nullptr,
                rule_set ? &*rule_set : nullptr);
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
  command->add_option("--format", options->format, "Input format: native or auto")
      ->capture_default_str();
  command->add_option("--dlq-out", options->dlq_out,
                      "Write rejected records here as JSON lines (- for stdout)");
  command->add_option("--action-classes", options->action_classes,
                      "Use this action-class table instead of the shipped one");
  command
      ->add_option("--max-record-bytes", options->max_record_bytes,
                   "Records longer than this are dead-lettered as too_large")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->callback([options, &exit_code] { exit_code = run_replay(*options); });
}

}  // namespace aw::tools
