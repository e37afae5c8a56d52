// Tests of the workload generator behind `agentwatch gen`. The central one re-judges every
// generated event with a reference evaluator written here from the rule contract, independently
// of the generator's own bookkeeping, and requires its verdicts to equal labels.jsonl exactly:
// background traffic fires nothing, and every injected event is labelled with every rule it
// fires.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ingest/line_reader.h"
#include "ingest/native_decoder.h"
#include "ingest/timestamp.h"
#include "rules/action_class_table.h"
#include "rules/glob.h"
#include "tools/workload_generator.h"

namespace aw::tools {
namespace {

using ingest::ActionClass;
using ingest::Outcome;

constexpr int64_t kSecond = 1000000;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aw_gen_test_XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

WorkloadOptions small_options(uint64_t events, uint32_t agents) {
  WorkloadOptions options;
  options.events = events;
  options.agents = agents;
  return options;
}

// ---------------------------------------------------------------------------------------------
// The registry, read back with yaml-cpp.

struct RefScope {
  std::vector<rules::Glob> tools;  // empty: any
  std::set<ActionClass> classes;   // empty: any
  std::vector<rules::Glob> resources;
  std::set<std::string> envs;
  std::optional<int64_t> from, until;
};
struct RefAgent {
  std::string kind, status;
  std::vector<RefScope> scopes;
};
struct RefCredential {
  std::string agent, kind, env;
  int64_t issued = 0;
  std::optional<int64_t> expires, revoked;
};
struct RefFreeze {
  std::set<std::string> envs;
  std::vector<rules::Glob> resources;
  int64_t from = 0, until = 0;
};
struct RefApproval {
  std::string agent;
  std::set<ActionClass> classes;
  std::vector<rules::Glob> resources;
  int64_t from = 0, until = 0;
  bool break_glass = false;
};
struct RefRegistry {
  int64_t max_ttl = 0, snapshot_window = 0;
  std::set<std::string> snapshot_envs, approval_envs;
  std::unordered_map<std::string, RefAgent> agents;
  std::unordered_map<std::string, RefCredential> credentials;
  size_t agent_entries = 0, credential_entries = 0;
  std::vector<RefFreeze> freezes;
  std::vector<RefApproval> approvals;
};

int64_t time_of(const YAML::Node& node) {
  int64_t us = 0;
  EXPECT_TRUE(ingest::parse_rfc3339(node.as<std::string>(), &us)) << node.as<std::string>();
  return us;
}
int64_t duration_of(const YAML::Node& node) {
  std::string text = node.as<std::string>();
  int64_t n = std::stoll(text.substr(0, text.size() - 1));
  switch (text.back()) {
    case 'h':
      return n * 3600 * kSecond;
    case 'm':
      return n * 60 * kSecond;
    case 's':
      return n * kSecond;
  }
  ADD_FAILURE() << "duration " << text;
  return 0;
}
std::vector<rules::Glob> globs_of(const YAML::Node& node) {
  std::vector<rules::Glob> out;
  if (!node) return out;
  for (const YAML::Node& item : node) {
    auto glob = rules::Glob::compile(item.as<std::string>());
    EXPECT_TRUE(glob.ok());
    if (glob.ok()) out.push_back(std::move(glob.value()));
  }
  return out;
}
std::set<std::string> strings_of(const YAML::Node& node) {
  std::set<std::string> out;
  if (node) {
    for (const YAML::Node& item : node) out.insert(item.as<std::string>());
  }
  return out;
}
std::set<ActionClass> classes_of(const YAML::Node& node) {
  std::set<ActionClass> out;
  if (node) {
    for (const YAML::Node& item : node) {
      ActionClass c;
      EXPECT_TRUE(ingest::parse_action_class(item.as<std::string>(), &c));
      out.insert(c);
    }
  }
  return out;
}

RefRegistry load_registry(const std::string& path) {
  RefRegistry r;
  YAML::Node root = YAML::LoadFile(path);
  r.max_ttl = duration_of(root["policy"]["max_credential_ttl"]);
  r.snapshot_window = duration_of(root["policy"]["snapshot_window"]);
  r.snapshot_envs = strings_of(root["policy"]["snapshot_required_envs"]);
  r.approval_envs = strings_of(root["policy"]["approval_required_envs"]);
  for (const YAML::Node& a : root["agents"]) {
    RefAgent agent;
    agent.kind = a["kind"].as<std::string>();
    agent.status = a["status"].as<std::string>();
    for (const YAML::Node& s : a["scopes"]) {
      RefScope scope;
      scope.tools = globs_of(s["tools"]);
      scope.classes = classes_of(s["classes"]);
      scope.resources = globs_of(s["resources"]);
      scope.envs = strings_of(s["envs"]);
      if (s["from"]) scope.from = time_of(s["from"]);
      if (s["until"]) scope.until = time_of(s["until"]);
      agent.scopes.push_back(std::move(scope));
    }
    EXPECT_TRUE(r.agents.emplace(a["id"].as<std::string>(), std::move(agent)).second);
    ++r.agent_entries;
  }
  for (const YAML::Node& c : root["credentials"]) {
    RefCredential cred;
    cred.agent = c["agent"].as<std::string>();
    cred.kind = c["kind"].as<std::string>();
    cred.env = c["env"] ? c["env"].as<std::string>() : "";
    cred.issued = time_of(c["issued_at"]);
    if (c["expires_at"]) cred.expires = time_of(c["expires_at"]);
    if (c["revoked_at"]) cred.revoked = time_of(c["revoked_at"]);
    EXPECT_TRUE(r.credentials.emplace(c["id"].as<std::string>(), std::move(cred)).second);
    ++r.credential_entries;
  }
  for (const YAML::Node& f : root["freezes"]) {
    RefFreeze freeze;
    freeze.envs = strings_of(f["envs"]);
    freeze.resources = globs_of(f["resources"]);
    freeze.from = time_of(f["from"]);
    freeze.until = time_of(f["until"]);
    EXPECT_FALSE(f["reason"].as<std::string>().empty());
    r.freezes.push_back(std::move(freeze));
  }
  for (const YAML::Node& a : root["approvals"]) {
    RefApproval approval;
    approval.agent = a["agent"].as<std::string>();
    approval.classes = classes_of(a["classes"]);
    approval.resources = globs_of(a["resources"]);
    approval.from = time_of(a["from"]);
    approval.until = time_of(a["until"]);
    approval.break_glass = a["break_glass"] && a["break_glass"].as<bool>();
    r.approvals.push_back(std::move(approval));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// The events, decoded by the project's own native decoder and class table.

struct RefEvent {
  std::string raw, id, source, actor, credential, session, task, tool, resource_type, resource, env;
  uint64_t seq = 0;
  bool has_seq = false;
  int64_t ts = 0;
  ActionClass action_class = ActionClass::kUnset;
  bool class_from_record = false;
  Outcome outcome = Outcome::kUnset;
};

std::vector<RefEvent> load_events(const std::string& path) {
  std::vector<RefEvent> out;
  auto reader = ingest::LineReader::open_file(path, {});
  EXPECT_TRUE(reader.ok());
  auto decoder = ingest::NativeDecoder::make({});
  EXPECT_TRUE(decoder.ok());
  if (!reader.ok() || !decoder.ok()) return out;
  rules::ActionClassifier classifier(rules::ActionClassTable::builtin());
  std::vector<ingest::RecordRef> records;
  ingest::EventBatch batch;
  while (true) {
    auto more = reader->next(records);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    batch.clear();
    decoder->decode(records, batch);
    EXPECT_TRUE(batch.dead_letters.empty()) << "generated records must all decode";
    classifier.classify(batch);
    for (const ingest::Event& e : batch.events) {
      RefEvent r;
      r.raw = e.raw;
      r.id = e.id;
      r.source = e.source;
      r.seq = e.seq;
      r.has_seq = e.has_seq;
      r.ts = e.ts_us;
      r.actor = e.actor_id;
      r.credential = e.credential_id;
      r.session = e.session;
      r.task = e.task;
      r.tool = e.tool;
      r.action_class = e.action_class;
      r.class_from_record = e.class_from_record;
      r.resource_type = e.resource_type;
      r.resource = e.resource_name;
      r.env = e.env;
      r.outcome = e.outcome;
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::map<std::string, uint32_t> load_labels(const std::string& path, size_t* lines) {
  std::map<std::string, uint32_t> out;
  std::ifstream in(path);
  std::string line;
  *lines = 0;
  while (std::getline(in, line)) {
    ++*lines;
    // {"rule":"<id>","event_id":"evt-..."}
    const std::string rule_key = "{\"rule\":\"";
    const std::string id_key = "\",\"event_id\":\"";
    size_t id_at = line.find(id_key);
    EXPECT_EQ(line.rfind(rule_key, 0), 0u) << line;
    EXPECT_NE(id_at, std::string::npos) << line;
    EXPECT_EQ(line.substr(line.size() - 2), "\"}") << line;
    if (id_at == std::string::npos) continue;
    std::string rule = line.substr(rule_key.size(), id_at - rule_key.size());
    std::string id = line.substr(id_at + id_key.size(), line.size() - 2 - (id_at + id_key.size()));
    int index = -1;
    for (int r = 0; r < kWorkloadRuleCount; ++r) {
      if (kWorkloadRuleIds[r] == rule) index = r;
    }
    EXPECT_GE(index, 0) << "unknown rule " << rule;
    if (index < 0) continue;
    EXPECT_FALSE(out[id] & (1u << index)) << "label given twice: " << line;
    out[id] |= 1u << index;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The reference evaluator: the rule contract of the generator's brief, one rule at a time.

bool any_match(const std::vector<rules::Glob>& globs, const std::string& text) {
  for (const rules::Glob& g : globs) {
    if (g.matches(text)) return true;
  }
  return false;
}

bool scope_matches(const RefScope& s, const RefEvent& e) {
  return (s.tools.empty() || any_match(s.tools, e.tool)) &&
         (s.classes.empty() || s.classes.count(e.action_class)) &&
         (s.resources.empty() || any_match(s.resources, e.resource)) &&
         (s.envs.empty() || s.envs.count(e.env)) && (!s.from || e.ts >= *s.from) &&
         (!s.until || e.ts < *s.until);
}

bool approval_covers(const RefRegistry& reg, const RefEvent& e, bool break_glass_only) {
  for (const RefApproval& a : reg.approvals) {
    if (break_glass_only && !a.break_glass) continue;
    if (a.agent == e.actor && a.classes.count(e.action_class) && e.ts >= a.from && e.ts < a.until &&
        any_match(a.resources, e.resource)) {
      return true;
    }
  }
  return false;
}

enum : int {
  kUnregistered,
  kOutOfScope,
  kPostRevocation,
  kExpired,
  kFreeze,
  kNoApproval,
  kNoSnapshot,
  kLongLived,
  kShared,
  kEnvCrossing,
  kSeparation,
  kEscalation,
  kDeleteBurst,
  kDeniedBurst,
  kAuditGap,
};

// A sliding-window threshold that fires on the event taking the count in (ts - 60 s, ts] above
// `threshold`, and re-arms once the count is back to `threshold` or less.
struct Burst {
  std::deque<int64_t> times;
  bool above = false;
  bool add(int64_t ts, size_t threshold) {
    while (!times.empty() && times.front() <= ts - 60 * kSecond) times.pop_front();
    if (times.size() <= threshold) above = false;
    times.push_back(ts);
    if (times.size() > threshold && !above) {
      above = true;
      return true;
    }
    return false;
  }
};

std::map<std::string, uint32_t> evaluate(const RefRegistry& reg,
                                         const std::vector<RefEvent>& events) {
  std::map<std::string, uint32_t> fired;
  std::set<std::pair<std::string, std::string>> seen;
  std::unordered_map<std::string, std::vector<int64_t>> snapshots;
  for (const RefEvent& e : events) {
    if (e.action_class == ActionClass::kSnapshot && e.outcome == Outcome::kSuccess) {
      snapshots[e.resource].push_back(e.ts);
    }
  }
  std::unordered_map<std::string, std::unordered_set<std::string>> code_tasks, code_sessions;
  std::unordered_map<std::string, Burst> deletes, denials;
  std::unordered_map<std::string, uint64_t> last_seq;
  for (const RefEvent& e : events) {
    if (!seen.insert({e.source, e.id}).second) continue;  // a producer retry: one event
    uint32_t bits = 0;
    auto fire = [&bits](int rule) { bits |= 1u << rule; };
    if (e.has_seq) {
      auto it = last_seq.find(e.source);
      if (it != last_seq.end() && e.seq > it->second + 1) fire(kAuditGap);
      last_seq[e.source] = e.seq;
    }
    if (e.action_class == ActionClass::kDelete && deletes[e.actor].add(e.ts, 20)) {
      fire(kDeleteBurst);
    }
    if (e.outcome == Outcome::kDenied && denials[e.actor].add(e.ts, 10)) fire(kDeniedBurst);
    auto agent_it = reg.agents.find(e.actor);
    if (agent_it == reg.agents.end()) {
      fire(kUnregistered);
      EXPECT_TRUE(e.credential.empty()) << e.raw;
    } else {
      const RefAgent& agent = agent_it->second;
      bool is_agent = agent.kind == "agent";
      bool covered = false;
      for (const RefScope& s : agent.scopes) covered |= scope_matches(s, e);
      if (!covered) fire(kOutOfScope);
      auto cred_it = reg.credentials.find(e.credential);
      EXPECT_NE(cred_it, reg.credentials.end()) << "unknown credential in " << e.raw;
      const RefCredential* cred = cred_it == reg.credentials.end() ? nullptr : &cred_it->second;
      bool revoked = cred && cred->revoked && *cred->revoked <= e.ts;
      if (revoked || agent.status == "suspended" || agent.status == "decommissioned") {
        fire(kPostRevocation);
      }
      if (cred && cred->expires && *cred->expires <= e.ts && !revoked) fire(kExpired);
      bool destructive = e.action_class == ActionClass::kDelete;
      bool freeze_class = e.action_class == ActionClass::kWrite || destructive ||
                          e.action_class == ActionClass::kAdmin ||
                          e.action_class == ActionClass::kEscalate;
      if (freeze_class) {
        bool frozen = false;
        for (const RefFreeze& f : reg.freezes) {
          frozen |= (f.envs.empty() || f.envs.count(e.env)) && e.ts >= f.from && e.ts < f.until &&
                    any_match(f.resources, e.resource);
        }
        if (frozen && !approval_covers(reg, e, true)) fire(kFreeze);
      }
      if (destructive && reg.approval_envs.count(e.env) && !approval_covers(reg, e, false)) {
        fire(kNoApproval);
      }
      if (destructive && reg.snapshot_envs.count(e.env)) {
        bool snapshot = false;
        for (int64_t s : snapshots[e.resource]) {
          snapshot |= s >= e.ts - reg.snapshot_window && s <= e.ts;
        }
        if (!snapshot) fire(kNoSnapshot);
      }
      if (cred && is_agent &&
          (cred->kind == "static" ||
           (cred->expires && *cred->expires - cred->issued > reg.max_ttl))) {
        fire(kLongLived);
      }
      if (cred && (cred->agent != e.actor || (cred->kind == "human" && is_agent))) fire(kShared);
      if (cred && !cred->env.empty() && cred->env != e.env) fire(kEnvCrossing);
      if (e.action_class == ActionClass::kPublish || e.action_class == ActionClass::kSign) {
        if ((!e.task.empty() && code_tasks[e.actor].count(e.task)) ||
            (!e.session.empty() && code_sessions[e.actor].count(e.session))) {
          fire(kSeparation);
        }
      }
      if (e.action_class == ActionClass::kWrite &&
          (e.resource_type == "repo" || e.resource.rfind("repo:", 0) == 0)) {
        if (!e.task.empty()) code_tasks[e.actor].insert(e.task);
        if (!e.session.empty()) code_sessions[e.actor].insert(e.session);
      }
      if (e.action_class == ActionClass::kEscalate && is_agent) fire(kEscalation);
    }
    if (bits) fired[e.id] = bits;
  }
  return fired;
}

std::string rule_names(uint32_t bits) {
  std::string text;
  for (int r = 0; r < kWorkloadRuleCount; ++r) {
    if (bits & (1u << r)) text += (text.empty() ? "" : ",") + std::string(kWorkloadRuleIds[r]);
  }
  return text.empty() ? "none" : text;
}

// Generates into `dir` and checks the labels against the reference evaluator.
void expect_labels_exact(const WorkloadOptions& options, const TempDir& dir) {
  WorkloadSummary summary;
  Status status = generate_workload(options, dir.path(), &summary);
  ASSERT_TRUE(status.ok()) << status.to_string();
  RefRegistry registry = load_registry(dir.file("registry.yaml"));
  std::vector<RefEvent> events = load_events(dir.file("events.jsonl"));
  ASSERT_EQ(events.size(), options.events);
  size_t label_lines = 0;
  std::map<std::string, uint32_t> labels = load_labels(dir.file("labels.jsonl"), &label_lines);
  EXPECT_EQ(label_lines, summary.labels);
  std::map<std::string, uint32_t> fired = evaluate(registry, events);

  int mismatches = 0;
  std::unordered_map<std::string, const RefEvent*> by_id;
  for (const RefEvent& e : events) by_id.emplace(e.id, &e);
  for (const auto& [id, bits] : labels) {
    ASSERT_TRUE(by_id.count(id)) << "label for a missing event " << id;
  }
  std::set<std::string> ids;
  for (const auto& [id, bits] : labels) ids.insert(id);
  for (const auto& [id, bits] : fired) ids.insert(id);
  for (const std::string& id : ids) {
    uint32_t want = labels.count(id) ? labels.at(id) : 0;
    uint32_t got = fired.count(id) ? fired.at(id) : 0;
    if (want != got && ++mismatches <= 20) {
      ADD_FAILURE() << "labelled " << rule_names(want) << " but the reference fires "
                    << rule_names(got) << ":\n"
                    << by_id.at(id)->raw;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// ---------------------------------------------------------------------------------------------

TEST(Gen, LabelsEqualReferenceVerdictsAndCoverEveryRule) {
  TempDir dir;
  WorkloadOptions options = small_options(100000, 2000);
  expect_labels_exact(options, dir);
  size_t lines = 0;
  std::map<std::string, uint32_t> labels = load_labels(dir.file("labels.jsonl"), &lines);
  std::array<int, kWorkloadRuleCount> per_rule{};
  for (const auto& [id, bits] : labels) {
    for (int r = 0; r < kWorkloadRuleCount; ++r) per_rule[r] += (bits >> r) & 1;
  }
  for (int r = 0; r < kWorkloadRuleCount; ++r) {
    EXPECT_GE(per_rule[r], static_cast<int>(options.violations_per_rule)) << kWorkloadRuleIds[r];
  }
}

TEST(Gen, LabelsExactWithShiftsOfFewerCredentialsThanHours) {
  // 16 h with 8 credentials each: entities work 8 h shifts.
  TempDir dir;
  WorkloadOptions options = small_options(40000, 1000);
  options.hours = 16;
  options.credentials_per_agent = 8;
  options.seed = 7;
  expect_labels_exact(options, dir);
}

TEST(Gen, LabelsExactWithCredentialsShorterThanAnHour) {
  // 2 h with 10 credentials each: 12-minute credentials.
  TempDir dir;
  WorkloadOptions options = small_options(40000, 500);
  options.hours = 2;
  options.seed = 9;
  options.violations_per_rule = 8;
  expect_labels_exact(options, dir);
}

TEST(Gen, LabelsExactWhenFewAgentsAreVeryBusy) {
  // ~30 events/s for the busiest entities: the background caps on deletes and denials per
  // minute, and the quiet time around injected bursts, are hit all the time.
  TempDir dir;
  WorkloadOptions options = small_options(100000, 120);
  options.hours = 1;
  options.seed = 11;
  options.violations_per_rule = 5;
  expect_labels_exact(options, dir);
}

// The benchmark shape; too slow for every run (about 20 s). Run it with
// --gtest_also_run_disabled_tests after changing the generator.
TEST(Gen, DISABLED_LabelsExactOnTheDefaultMillionEvents) {
  TempDir dir;
  expect_labels_exact(WorkloadOptions(), dir);
}

TEST(Gen, SameSeedGivesIdenticalFiles) {
  TempDir a, b;
  WorkloadOptions options = small_options(30000, 500);
  WorkloadSummary summary;
  ASSERT_TRUE(generate_workload(options, a.path(), &summary).ok());
  ASSERT_TRUE(generate_workload(options, b.path(), &summary).ok());
  for (const char* name : {"registry.yaml", "events.jsonl", "labels.jsonl"}) {
    std::string first = read_file(a.file(name));
    EXPECT_FALSE(first.empty()) << name;
    EXPECT_TRUE(first == read_file(b.file(name))) << name << " differs";
  }
}

TEST(Gen, DifferentSeedGivesDifferentFiles) {
  TempDir a, b;
  WorkloadOptions options = small_options(30000, 500);
  WorkloadSummary summary;
  ASSERT_TRUE(generate_workload(options, a.path(), &summary).ok());
  options.seed = 43;
  ASSERT_TRUE(generate_workload(options, b.path(), &summary).ok());
  for (const char* name : {"registry.yaml", "events.jsonl", "labels.jsonl"}) {
    EXPECT_FALSE(read_file(a.file(name)) == read_file(b.file(name))) << name << " is the same";
  }
}

TEST(Gen, RegistryHasRequestedCounts) {
  TempDir dir;
  WorkloadOptions options = small_options(20000, 700);
  options.credentials_per_agent = 6;
  options.hours = 6;
  WorkloadSummary summary;
  ASSERT_TRUE(generate_workload(options, dir.path(), &summary).ok());
  RefRegistry registry = load_registry(dir.file("registry.yaml"));
  EXPECT_EQ(registry.agent_entries, 700u);
  EXPECT_EQ(registry.agents.size(), 700u);
  EXPECT_EQ(registry.credential_entries, 700u * 6);
  EXPECT_EQ(registry.credentials.size(), 700u * 6);
  EXPECT_EQ(summary.agents, 700u);
  EXPECT_EQ(summary.credentials, 700u * 6);
  EXPECT_FALSE(registry.freezes.empty());
  EXPECT_FALSE(registry.approvals.empty());
  size_t agents = 0, services = 0, bots = 0, jit_ttl_ok = 0, jit = 0;
  for (const auto& [id, agent] : registry.agents) {
    agents += agent.kind == "agent";
    services += agent.kind == "service";
    bots += agent.kind == "bot";
  }
  for (const auto& [id, cred] : registry.credentials) {
    if (cred.kind != "jit") continue;
    ++jit;
    jit_ttl_ok += cred.expires && *cred.expires - cred.issued <= registry.max_ttl;
  }
  EXPECT_GT(agents, services);
  EXPECT_GT(services, 0u);
  EXPECT_GT(bots, 0u);
  // Only the two dormant agents' 4 h credentials (long-lived-credential injections) exceed it.
  EXPECT_EQ(jit_ttl_ok + 2, jit);
}

TEST(Gen, SeqAdvancesByOneExceptAtGapsAndRetries) {
  TempDir dir;
  WorkloadOptions options = small_options(50000, 1000);
  WorkloadSummary summary;
  ASSERT_TRUE(generate_workload(options, dir.path(), &summary).ok());
  std::vector<RefEvent> events = load_events(dir.file("events.jsonl"));
  size_t lines = 0;
  std::map<std::string, uint32_t> labels = load_labels(dir.file("labels.jsonl"), &lines);
  std::map<std::string, uint64_t> last;
  std::map<std::pair<std::string, std::string>, const RefEvent*> first;
  size_t duplicates = 0, gaps = 0;
  int64_t previous_ts = 0;
  for (const RefEvent& e : events) {
    ASSERT_TRUE(e.has_seq);
    auto [it, inserted] = first.emplace(std::make_pair(e.source, e.id), &e);
    if (!inserted) {
      // A retry: byte-identical to its original, and the next record of its source.
      ++duplicates;
      EXPECT_EQ(e.raw, it->second->raw);
      EXPECT_EQ(e.seq, last[e.source]);
      EXPECT_FALSE(labels.count(e.id));
      continue;
    }
    bool gap_label = labels.count(e.id) && (labels.at(e.id) & (1u << kAuditGap));
    if (last.count(e.source)) {
      if (gap_label) {
        ++gaps;
        EXPECT_GT(e.seq, last[e.source] + 1);
      } else {
        EXPECT_EQ(e.seq, last[e.source] + 1) << e.raw;
      }
    } else {
      EXPECT_FALSE(gap_label);
    }
    last[e.source] = e.seq;
    // Retries may arrive a few records late; every original is in time order.
    EXPECT_GE(e.ts, previous_ts) << e.raw;
    previous_ts = e.ts;
  }
  EXPECT_EQ(duplicates, summary.duplicates);
  EXPECT_GE(duplicates, 3u);
  EXPECT_EQ(gaps, options.violations_per_rule);
}

TEST(Gen, SomeClassesAreLeftForTheTableToDerive) {
  TempDir dir;
  WorkloadOptions options = small_options(20000, 500);
  WorkloadSummary summary;
  ASSERT_TRUE(generate_workload(options, dir.path(), &summary).ok());
  std::vector<RefEvent> events = load_events(dir.file("events.jsonl"));
  size_t derived = 0;
  for (const RefEvent& e : events) {
    derived += !e.class_from_record;
    EXPECT_NE(e.action_class, ActionClass::kUnset) << e.raw;
  }
  EXPECT_GT(derived, events.size() / 20);
  EXPECT_LT(derived, events.size() / 4);
}

TEST(Gen, RejectsOptionsItCannotHonour) {
  TempDir dir;
  WorkloadSummary summary;
  WorkloadOptions options = small_options(10000, 50);
  EXPECT_EQ(generate_workload(options, dir.path(), &summary).code(), StatusCode::kInvalidArgument);
  options = small_options(500, 500);  // fewer events than the injections need
  EXPECT_EQ(generate_workload(options, dir.path(), &summary).code(), StatusCode::kInvalidArgument);
  options = small_options(10000, 500);
  options.credentials_per_agent = 0;
  EXPECT_EQ(generate_workload(options, dir.path(), &summary).code(), StatusCode::kInvalidArgument);
}

TEST(Gen, FailsOnAnUnwritableDirectory) {
  TempDir dir;
  std::ofstream(dir.file("file")) << "x";
  WorkloadSummary summary;
  Status status = generate_workload(small_options(10000, 500), dir.file("file") + "/sub", &summary);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
}

int run_binary(const std::string& arguments) {
  std::string command = std::string(AW_BINARY) + " " + arguments + " 2>/dev/null";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(GenCommand, ExitsTwoOnBadFlagsAndUnwritableDirectories) {
  TempDir dir;
  std::ofstream(dir.file("file")) << "x";
  EXPECT_EQ(run_binary("gen"), 2);  // --out is required
  EXPECT_EQ(run_binary("gen --out " + dir.file("a") + " --events lots"), 2);
  EXPECT_EQ(run_binary("gen --out " + dir.file("a") + " --start yesterday"), 2);
  EXPECT_EQ(run_binary("gen --out " + dir.file("a") + " --agents 10"), 2);
  EXPECT_EQ(run_binary("gen --out " + dir.file("file") + "/x --events 5000 --agents 200"), 2);
  EXPECT_EQ(run_binary("gen --out " + dir.file("ok") + " --events 5000 --agents 200"), 0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("ok") + "/labels.jsonl"));
}

}  // namespace
}  // namespace aw::tools
