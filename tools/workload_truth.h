// WorkloadTruth: the ground truth of the coverage report's figures (store/coverage_report.h has
// their definitions), collected by the workload generator from its own model while it writes
// the stream: who each entity is, what each credential is, and per record the facts the model
// knows (registered or not, whose credential, covered by an approval, inside a freeze, covered
// by break-glass, the labels). Written as truth.json beside labels.jsonl; report tests compare
// the report computed from a store of the same stream against it.
//
// The figures assume the report covers the whole generated span, as the tests ask for it.
// Records are fed in stream order (time order); exact re-sent duplicates are not fed, as the
// store keeps one copy.
//
// Thread-safety: one collector per generator run.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/event.h"
#include "ingest/result.h"

namespace aw::tools {

class WorkloadTruth {
 public:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::min();

  struct Identity {
    std::string id;
    std::string kind;  // agent | service | bot | human
    bool has_owner = true;
    bool prod_writer = false;  // active, with a scope over prod allowing a change class
  };
  struct CredentialFacts {
    std::string id;
    uint32_t owner = 0;  // index of the identity in add_identity() order
    std::string kind;    // jit | static | human
    int64_t issued = 0;
    int64_t expires = kNever;  // kNever: no expires_at
    int64_t revoked = kNever;
  };
  struct Record {
    int64_t ts = 0;
    std::string_view source;
    uint64_t seq = 0;
    int32_t entity = -1;  // -1: not in the registry
    std::string_view actor_id;
    int64_t credential = -1;  // index in add_credential() order, -1: none
    ingest::ActionClass action_class = ingest::ActionClass::kUnset;
    std::string_view env;
    std::string_view resource;
    ingest::Outcome outcome = ingest::Outcome::kSuccess;
    bool approved = false;     // some approval covers actor, class, resource and ts
    bool frozen = false;       // a freeze covers env and resource at ts
    bool break_glass = false;  // a break-glass approval covers actor, class, resource, ts
    uint32_t labels = 0;       // bit r: kWorkloadRuleIds[r]
  };

  WorkloadTruth(int64_t max_credential_ttl, int64_t snapshot_window)
      : max_ttl_(max_credential_ttl), snapshot_window_(snapshot_window) {}

  void add_identity(Identity identity) { identities_.push_back(std::move(identity)); }
  void add_credential(CredentialFacts credential);
  void record(const Record& r);
  // truth.json; silent periods are counted for each of `silence_minutes`.
  Status write(const std::string& path, const std::vector<int64_t>& silence_minutes) const;

 private:
  struct ActorFacts {
    int32_t entity = -1;
    uint64_t events = 0;
    int64_t first = 0, last = 0;
    int64_t first_label = kNever;
    bool used_credential = false;
    bool problem = false;  // used another's, or a human's, credential
  };
  struct CredentialUse {
    int64_t last_use = kNever;
    std::set<std::string> users;
  };
  struct SourceFacts {
    uint64_t events = 0, with_credential = 0;
    std::vector<uint64_t> seqs;
    std::set<int64_t> minutes;
  };
  struct EnvDeletes {
    uint64_t deletes = 0, approved = 0, snapshot = 0;
  };

  int64_t max_ttl_, snapshot_window_;
  std::vector<Identity> identities_;
  std::vector<CredentialFacts> credentials_;
  std::unordered_map<std::string, int64_t> credential_index_;
  std::unordered_map<int64_t, CredentialUse> credential_use_;
  std::map<std::string, ActorFacts> actors_;
  std::map<std::string, SourceFacts> sources_;
  std::unordered_map<std::string, int64_t> last_snapshot_;
  std::map<std::string, EnvDeletes> deletes_;
  uint64_t frozen_by_class_[ingest::kActionClassCount] = {};
  uint64_t break_glass_by_class_[ingest::kActionClassCount] = {};
  std::map<int64_t, uint64_t> labels_by_hour_;
  uint64_t labels_by_rule_[32] = {};
  uint64_t events_ = 0;
  int64_t first_ = 0, last_ = 0;
};

}  // namespace aw::tools
