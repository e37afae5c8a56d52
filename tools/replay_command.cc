// agentwatch replay: the offline path. Reads JSON Lines from files or stdin in large chunks,
// decodes them in batches, derives missing action classes, dead-letters bad records, and prints
// a summary on stderr. Deterministic: the same input gives the same output.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/dead_letter_writer.h"
#include "ingest/line_reader.h"
#include "ingest/native_decoder.h"
#include "rules/action_class_table.h"
#include "tools/command.h"

namespace aw::tools {
namespace {

struct ReplayOptions {
  std::vector<std::string> inputs;
  std::string format = "native";
  std::string dlq_out;
  std::string action_classes;
  size_t max_record_bytes = 1 << 20;
};

struct ReplayCounters {
  uint64_t records = 0;
  uint64_t events = 0;
  uint64_t registry_updates = 0;
  uint64_t bytes = 0;
  uint64_t dead_by_reason[ingest::kDecodeErrorCount] = {};
  uint64_t dead_letters() const {
    uint64_t total = 0;
    for (uint64_t n : dead_by_reason) total += n;
    return total;
  }
};

void print_summary(const ReplayCounters& counters, size_t input_count, double seconds) {
  std::string line =
      "replay: " + std::to_string(input_count) + (input_count == 1 ? " input, " : " inputs, ") +
      std::to_string(counters.records) + " records, " + std::to_string(counters.events) +
      " events, " + std::to_string(counters.registry_updates) + " registry updates, " +
      std::to_string(counters.dead_letters()) + " dead-lettered";
  if (counters.dead_letters() > 0) {
    line += " (";
    bool first = true;
    for (int i = 1; i < ingest::kDecodeErrorCount; ++i) {
      if (counters.dead_by_reason[i] == 0) continue;
      if (!first) line += ", ";
      first = false;
      line += std::string(ingest::decode_error_name(static_cast<ingest::DecodeError>(i))) + " " +
              std::to_string(counters.dead_by_reason[i]);
    }
    line += ")";
  }
  char timing[128];
  std::snprintf(timing, sizeof(timing), " in %.3f s, %.0f events/s, %.1f MB/s", seconds,
                seconds > 0 ? counters.events / seconds : 0.0,
                seconds > 0 ? counters.bytes / seconds / 1e6 : 0.0);
  std::fprintf(stderr, "%s%s\n", line.c_str(), timing);
}

int run_replay(const ReplayOptions& options) {
  if (options.format != "native" && options.format != "auto") {
    std::fprintf(stderr, "agentwatch replay: unknown --format '%s' (supported: native, auto)\n",
                 options.format.c_str());
    return kExitCannotRun;
  }
  const rules::ActionClassTable* table = &rules::ActionClassTable::builtin();
  std::optional<rules::ActionClassTable> user_table;
  if (!options.action_classes.empty()) {
    auto loaded = rules::ActionClassTable::load_file(options.action_classes);
    if (!loaded.ok()) {
      std::fprintf(stderr, "agentwatch replay: %s\n", loaded.status().message().c_str());
      return kExitCannotRun;
    }
    user_table.emplace(std::move(loaded.value()));
    table = &*user_table;
  }
  rules::ActionClassifier classifier(*table);

  ingest::DecoderOptions decoder_options;
  decoder_options.max_record_bytes = options.max_record_bytes;
  auto decoder = ingest::NativeDecoder::make(decoder_options);
  if (!decoder.ok()) {
    std::fprintf(stderr, "agentwatch replay: %s\n", decoder.status().message().c_str());
    return kExitCannotRun;
  }
  std::optional<ingest::DeadLetterWriter> dlq;
  if (!options.dlq_out.empty()) {
    auto opened = ingest::DeadLetterWriter::open(options.dlq_out);
    if (!opened.ok()) {
      std::fprintf(stderr, "agentwatch replay: %s\n", opened.status().message().c_str());
      return kExitCannotRun;
    }
    dlq.emplace(std::move(opened.value()));
  }
  // Open every input first: a missing file is a reason not to start at all.
  ingest::LineReaderOptions reader_options;
  reader_options.max_record_bytes = options.max_record_bytes;
  std::vector<ingest::LineReader> readers;
  for (const std::string& input : options.inputs) {
    auto reader = input == "-" ? ingest::LineReader::open_fd(0, "<stdin>", reader_options)
                               : ingest::LineReader::open_file(input, reader_options);
    if (!reader.ok()) {
      std::fprintf(stderr, "agentwatch replay: %s\n", reader.status().message().c_str());
      return kExitCannotRun;
    }
    readers.push_back(std::move(reader.value()));
  }

  ReplayCounters counters;
  ingest::EventBatch batch;
  std::vector<ingest::RecordRef> records;
  auto start = std::chrono::steady_clock::now();
  for (ingest::LineReader& reader : readers) {
    while (true) {
      auto more = reader.next(records);
      if (!more.ok()) {
        std::fprintf(stderr, "agentwatch replay: %s\n", more.status().message().c_str());
        return kExitCannotRun;
      }
      if (!*more) break;
      batch.clear();
      decoder->decode(records, batch);
      classifier.classify(batch);
      counters.records += records.size();
      counters.events += batch.events.size();
      counters.registry_updates += batch.controls.size();
      for (const ingest::DeadLetter& letter : batch.dead_letters) {
        ++counters.dead_by_reason[static_cast<int>(letter.reason)];
      }
      if (dlq && !batch.dead_letters.empty()) {
        Status written = dlq->write(reader.name(), batch.dead_letters);
        if (!written.ok()) {
          std::fprintf(stderr, "agentwatch replay: %s\n", written.message().c_str());
          return kExitCannotRun;
        }
      }
    }
    counters.bytes += reader.bytes_read();
  }
  if (dlq) {
    Status flushed = dlq->flush();
    if (!flushed.ok()) {
      std::fprintf(stderr, "agentwatch replay: %s\n", flushed.message().c_str());
      return kExitCannotRun;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary(counters, readers.size(), seconds);
  return kExitOk;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* command =
      app.add_subcommand("replay", "Decode and judge JSON Lines offline (files or - for stdin)");
  command->add_option("inputs", options->inputs, "Input files, or - for stdin")->required();
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
