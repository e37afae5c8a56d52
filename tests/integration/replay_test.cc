// agentwatch replay, run as a process: dead letters, summary, stdin, exit codes.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <sstream>

#include "tests/testing/bad_input_corpus.h"
#include "tests/testing/run_binary.h"

namespace aw {
namespace {

struct DeadLetterLine {
  std::string reason;
  uint64_t line = 0;
  uint64_t record_bytes = 0;
  bool truncated = false;
  std::string record;
};

std::vector<DeadLetterLine> parse_dead_letters(const std::string& text) {
  std::vector<DeadLetterLine> letters;
  simdjson::dom::parser parser;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line.substr(0, 200);
    DeadLetterLine letter;
    std::string_view s;
    if (doc["reason"].get(s) == simdjson::SUCCESS) letter.reason = s;
    EXPECT_EQ(doc["line"].get(letter.line), simdjson::SUCCESS);
    EXPECT_EQ(doc["record_bytes"].get(letter.record_bytes), simdjson::SUCCESS);
    EXPECT_EQ(doc["truncated"].get(letter.truncated), simdjson::SUCCESS);
    if (doc["record"].get(s) == simdjson::SUCCESS) letter.record = s;
    letters.push_back(letter);
  }
  return letters;
}

TEST(Replay, DeadLettersEveryBadRecordWithReasonAndPosition) {
  auto corpus = testing::bad_input_corpus();
  testing::TempDir dir;
  auto input = dir.write("mixed.jsonl", testing::corpus_text(corpus));
  auto dlq = dir.file("dlq.jsonl");
  auto result = testing::run_agentwatch({"replay", "--dlq-out", dlq, input});
  ASSERT_EQ(result.exit_code, 0) << result.err;

  auto letters = parse_dead_letters(testing::read_file(dlq));
  size_t good = 0;
  size_t next = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    if (corpus[i].expected == ingest::DecodeError::kNone) {
      ++good;
      continue;
    }
    ASSERT_LT(next, letters.size());
    const DeadLetterLine& letter = letters[next++];
    EXPECT_EQ(letter.line, i + 1);
    EXPECT_EQ(letter.reason, ingest::decode_error_name(corpus[i].expected)) << "line " << i + 1;
    EXPECT_EQ(letter.record_bytes, corpus[i].bytes.size());
    if (corpus[i].expected == ingest::DecodeError::kTooLarge) {
      EXPECT_TRUE(letter.truncated);  // only a prefix of a 2 MiB line is kept
      EXPECT_EQ(corpus[i].bytes.compare(0, letter.record.size(), letter.record), 0);
    } else if (corpus[i].expected != ingest::DecodeError::kInvalidUtf8) {
      EXPECT_EQ(letter.record, corpus[i].bytes);  // the original bytes, exactly
    }
  }
  EXPECT_EQ(next, letters.size());
  EXPECT_NE(result.err.find(std::to_string(corpus.size()) + " records, " + std::to_string(good) +
                            " events"),
            std::string::npos)
      << result.err;
}

TEST(Replay, ReadsStdinAndSeveralFiles) {
  testing::TempDir dir;
  auto a = dir.write("a.jsonl", testing::good_event(1) + "\n" + testing::good_event(2) + "\n");
  auto b = dir.write("b.jsonl", testing::good_event(3) + "\n");
  auto result = testing::run_agentwatch({"replay", a, "-", b}, a);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("3 inputs, 5 records, 5 events"), std::string::npos) << result.err;
}

TEST(Replay, MissingInputIsACommandThatCannotRun) {
  auto result = testing::run_agentwatch({"replay", "/nonexistent/agentwatch.jsonl"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("/nonexistent/agentwatch.jsonl"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(Replay, ADirectoryGivenAsAConfigFileIsRefusedInOneLine) {
  // A directory reads as empty or throws when read: `--registry DIR` once judged everything
  // against an empty registry, and `run --config DIR` aborted.
  const std::string dir = std::string(AW_SOURCE_DIR) + "/examples";
  for (std::vector<std::string> args : {
           std::vector<std::string>{"replay", "--registry", dir, "/dev/null"},
           std::vector<std::string>{"replay", "--action-classes", dir, "/dev/null"},
           std::vector<std::string>{"replay", "--mapping", dir, "--format", "cloudtrail",
                                    "/dev/null"},
           std::vector<std::string>{"run", "--config", dir},
       }) {
    auto result = testing::run_agentwatch(args);
    EXPECT_EQ(result.exit_code, 2) << args[1] << ": " << result.err;
    EXPECT_NE(result.err.find("it is a directory"), std::string::npos)
        << args[1] << ": " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

TEST(Replay, BadFlagsExitTwo) {
  EXPECT_EQ(testing::run_agentwatch({"replay", "--no-such-flag", "x"}).exit_code, 2);
  EXPECT_EQ(testing::run_agentwatch({"replay", "--format", "klingon", "x"}).exit_code, 2);
  EXPECT_EQ(testing::run_agentwatch({"frobnicate"}).exit_code, 2);
}

TEST(Replay, ShippedExampleDecodes) {
  testing::TempDir dir;
  auto result = testing::run_agentwatch({"replay", "--dlq-out", dir.file("dlq"),
                                         std::string(AW_SOURCE_DIR) + "/examples/incident.jsonl"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("7 events, 1 registry updates, 3 dead-lettered"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace aw
