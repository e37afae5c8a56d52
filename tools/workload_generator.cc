// The workload generator. Three stages, all driven by separate PRNG streams of one seed:
//
//   1. Model: entities (agents, services, bots, humans) with owners, scopes and consecutive JIT
//      credentials, freezes and approvals, written as registry.yaml.
//   2. Plan: the injected violations, the near-misses that must not fire and the approved
//      maintenance deletes, each a short list of events with exact timestamps. Every planned
//      event is then re-judged by validate_plan() against the rule semantics below; a mismatch is
//      a bug of ours and fails the run instead of writing a wrong label.
//   3. Stream: background traffic in time order with the planned events merged in, written
//      through one large buffer; audit gaps and producer retries are applied on the way.
//
// The rule semantics the labels follow (all intervals half-open, [from, until)):
//   unregistered-actor      actor.id not in the registry (such events carry no credential)
//   out-of-scope            no scope of the actor matches tool, class, resource, env and time
//   post-revocation         credential revoked_at <= ts, or the actor suspended/decommissioned
//   expired-credential      credential expires_at <= ts and not revoked
//   freeze-violation        write/delete/admin/escalate inside a freeze covering env and resource,
//                           without a break-glass approval covering actor, class, resource, ts
//   destructive-w/o-approval delete in prod (approval_required_envs) with no covering approval
//   destructive-w/o-snapshot delete in prod (snapshot_required_envs) with no successful snapshot
//                           of the same resource in [ts - snapshot_window, ts]
//   long-lived-credential   a kind-agent actor uses a static credential or one whose lifetime
//                           exceeds max_credential_ttl
//   shared-credential       the credential belongs to another entity, or is a human's credential
//                           used by an agent
//   env-crossing            the credential's env differs from the event's env
//   release-sep.-of-duties  a publish/sign by an actor that earlier wrote code (class write on a
//                           repo resource) in the same task or session
//   privilege-escalation    class escalate by a kind-agent actor
//   destructive-burst       the delete that makes one actor's count in (ts - 60 s, ts] exceed 20,
//                           re-armed once the count is back to <= 20
//   denied-burst            the same for outcome denied, threshold 10
//   audit-gap               a record whose seq exceeds its source's previous seq + 1
// Background traffic is built so that none of these fires; see stream_background().
#include "tools/workload_generator.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ingest/event.h"
#include "ingest/timestamp.h"
#include "rules/action_class_table.h"
#include "rules/glob.h"
#include "tools/workload_truth.h"

namespace aw::tools {
namespace {

using ingest::ActionClass;
using ingest::Outcome;

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// Policy written to the registry. Injections are built against these values, so they are
// constants rather than options.
constexpr int64_t kMaxCredentialTtl = kHour;
constexpr int64_t kSnapshotWindow = 15 * kMinute;
constexpr int64_t kBurstWindow = 60 * kSecond;
constexpr int kDeleteBurstThreshold = 20;
constexpr int kDeniedBurstThreshold = 10;
// Background traffic stays well below the burst thresholds, so that single injected deletes
// next to busy background can never complete a burst by accident.
constexpr int kBackgroundDeleteCap = 15;
constexpr int kBackgroundDeniedCap = 5;
// Margin around every injection of one entity: no other injection of that entity, and around
// bursts no background delete or denial, comes closer. Longer than the burst window, so an
// injected burst alone decides where the threshold is crossed.
constexpr int64_t kClaimMargin = kBurstWindow + kSecond;
// Lifetime of the over-long credential of long-lived-credential injections.
constexpr int64_t kLongLivedTtl = 4 * kHour;

constexpr int64_t floor_second(int64_t t) {
  return t >= 0 ? t - t % kSecond : t - ((t % kSecond) + kSecond) % kSecond;
}

enum Rule : int {
  kUnregisteredActor = 0,
  kOutOfScope,
  kPostRevocation,
  kExpiredCredential,
  kFreezeViolation,
  kDestructiveWithoutApproval,
  kDestructiveWithoutSnapshot,
  kLongLivedCredential,
  kSharedCredential,
  kEnvCrossing,
  kReleaseSeparation,
  kPrivilegeEscalation,
  kDestructiveBurst,
  kDeniedBurst,
  kAuditGap,
};
constexpr uint32_t rule_bit(Rule rule) { return 1u << rule; }

constexpr uint32_t class_bit(ActionClass action_class) {
  return 1u << static_cast<unsigned>(action_class);
}
constexpr uint32_t kFreezeClasses =
    class_bit(ActionClass::kWrite) | class_bit(ActionClass::kDelete) |
    class_bit(ActionClass::kAdmin) | class_bit(ActionClass::kEscalate);

// ---------------------------------------------------------------------------------------------
// Random numbers. xoshiro256** seeded by splitmix64, and bounded draws by multiply-shift: the
// std:: distributions differ between standard libraries and would break byte-identical output.

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Bijective (murmur3's finalizer), so distinct counters give distinct event and credential ids.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = splitmix64(seed);
  }
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0.
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi); hi > lo.
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo)));
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool percent(uint32_t p) { return below(100) < p; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

// A stream of its own per stage, so that e.g. more injections do not reshuffle the registry.
Rng make_rng(uint64_t seed, uint64_t stage) { return Rng(mix64(seed ^ mix64(stage + 1))); }

// ---------------------------------------------------------------------------------------------
// Vocabulary: environments, teams, tool families, the action catalog and resource names.

enum Env : uint8_t { kDev = 0, kStaging, kProd };
constexpr int kEnvCount = 3;
constexpr std::string_view kEnvNames[kEnvCount] = {"dev", "staging", "prod"};
constexpr uint32_t env_bit(Env env) { return 1u << env; }

constexpr std::string_view kTeams[] = {"payments", "platform", "search",   "identity",
                                       "data",     "growth",   "mobile",   "infra",
                                       "billing",  "ml",       "security", "support"};
constexpr uint32_t kTeamCount = std::size(kTeams);

enum class Family : uint8_t { kCoding, kGithub, kSql, kK8s, kS3, kTerraform, kIam, kRelease };
constexpr int kFamilyCount = 8;
constexpr std::string_view kResourceTypes[kFamilyCount] = {
    "file",     "repo",    "db.table", "k8s.deployment", "s3.object", "terraform.workspace",
    "iam.role", "artifact"};

struct ActionDef {
  Family family;
  std::string_view tool;
  std::string_view verb;  // empty: the record has no verb
  ActionClass action_class;
  uint16_t weight;  // relative frequency within its family in background traffic
};

constexpr ActionDef kActions[] = {
    // Coding-agent hook tools, on files of a repository.
    {Family::kCoding, "Read", "", ActionClass::kRead, 30},
    {Family::kCoding, "Grep", "", ActionClass::kRead, 10},
    {Family::kCoding, "Glob", "", ActionClass::kRead, 5},
    {Family::kCoding, "Edit", "", ActionClass::kWrite, 15},
    {Family::kCoding, "Write", "", ActionClass::kWrite, 4},
    {Family::kCoding, "Bash", "", ActionClass::kExec, 12},
    // GitHub MCP server, on repositories.
    {Family::kGithub, "github.get_file_contents", "", ActionClass::kRead, 8},
    {Family::kGithub, "github.list_pull_requests", "", ActionClass::kRead, 4},
    {Family::kGithub, "github.create_pull_request", "", ActionClass::kWrite, 3},
    {Family::kGithub, "github.push_files", "", ActionClass::kWrite, 2},
    // SQL MCP server.
    {Family::kSql, "sql.execute", "SELECT", ActionClass::kRead, 45},
    {Family::kSql, "sql.query", "", ActionClass::kRead, 10},
    {Family::kSql, "sql.execute", "INSERT", ActionClass::kWrite, 10},
    {Family::kSql, "sql.execute", "UPDATE", ActionClass::kWrite, 8},
    {Family::kSql, "sql.execute", "DELETE", ActionClass::kDelete, 2},
    {Family::kSql, "sql.execute", "DROP TABLE", ActionClass::kDelete, 1},
    {Family::kSql, "sql.execute", "TRUNCATE", ActionClass::kDelete, 1},
    {Family::kSql, "sql.snapshot", "", ActionClass::kSnapshot, 1},
    {Family::kSql, "sql.execute", "pg_dump", ActionClass::kSnapshot, 1},
    // Kubernetes.
    {Family::kK8s, "k8s.get", "get", ActionClass::kRead, 30},
    {Family::kK8s, "k8s.list", "list", ActionClass::kRead, 20},
    {Family::kK8s, "k8s.apply", "apply", ActionClass::kWrite, 8},
    {Family::kK8s, "k8s.patch", "patch", ActionClass::kWrite, 5},
    {Family::kK8s, "k8s.scale", "scale", ActionClass::kAdmin, 3},
    {Family::kK8s, "k8s.rollout", "rollout restart", ActionClass::kAdmin, 2},
    {Family::kK8s, "k8s.exec", "exec", ActionClass::kExec, 3},
    {Family::kK8s, "k8s.delete", "delete", ActionClass::kDelete, 2},
    // Object storage.
    {Family::kS3, "s3.get_object", "", ActionClass::kRead, 40},
    {Family::kS3, "s3.list_objects", "", ActionClass::kRead, 15},
    {Family::kS3, "s3.put_object", "", ActionClass::kWrite, 10},
    {Family::kS3, "s3.delete_object", "", ActionClass::kDelete, 3},
    // Terraform. plan/import/force-unlock are in no class table: their records always name the
    // class, which tests that a record's own class wins.
    {Family::kTerraform, "terraform.plan", "plan", ActionClass::kRead, 20},
    {Family::kTerraform, "terraform.show", "show", ActionClass::kRead, 10},
    {Family::kTerraform, "terraform.apply", "apply", ActionClass::kWrite, 6},
    {Family::kTerraform, "terraform.import", "import", ActionClass::kWrite, 2},
    {Family::kTerraform, "terraform.force_unlock", "force-unlock", ActionClass::kAdmin, 1},
    {Family::kTerraform, "terraform.destroy", "destroy", ActionClass::kDelete, 1},
    // Cloud IAM. The table classes every iam.* tool as escalate, so get_role names its class.
    {Family::kIam, "iam.get_role", "GetRole", ActionClass::kRead, 10},
    {Family::kIam, "iam.attach_role_policy", "AttachRolePolicy", ActionClass::kEscalate, 3},
    {Family::kIam, "iam.create_access_key", "CreateAccessKey", ActionClass::kEscalate, 2},
    {Family::kIam, "iam.put_role_policy", "PutRolePolicy", ActionClass::kEscalate, 2},
    // Releases.
    {Family::kRelease, "npm.view", "view", ActionClass::kRead, 6},
    {Family::kRelease, "npm.publish", "npm publish", ActionClass::kPublish, 5},
    {Family::kRelease, "docker.push", "docker push", ActionClass::kPublish, 3},
    {Family::kRelease, "cosign.sign", "sign", ActionClass::kSign, 4},
};
constexpr size_t kActionCount = std::size(kActions);

constexpr uint16_t action_index(std::string_view tool, std::string_view verb) {
  for (size_t i = 0; i < kActionCount; ++i) {
    if (kActions[i].tool == tool && kActions[i].verb == verb) return static_cast<uint16_t>(i);
  }
  return std::numeric_limits<uint16_t>::max();
}
constexpr uint16_t kActEdit = action_index("Edit", "");
constexpr uint16_t kActSqlSelect = action_index("sql.execute", "SELECT");
constexpr uint16_t kActSqlDropTable = action_index("sql.execute", "DROP TABLE");
constexpr uint16_t kActSqlTruncate = action_index("sql.execute", "TRUNCATE");
constexpr uint16_t kActSqlSnapshot = action_index("sql.snapshot", "");
constexpr uint16_t kActPgDump = action_index("sql.execute", "pg_dump");
constexpr uint16_t kActTerraformShow = action_index("terraform.show", "show");
constexpr uint16_t kActNpmPublish = action_index("npm.publish", "npm publish");
constexpr uint16_t kActCosignSign = action_index("cosign.sign", "sign");
static_assert(kActEdit < kActionCount && kActSqlSelect < kActionCount &&
              kActSqlDropTable < kActionCount && kActSqlTruncate < kActionCount &&
              kActSqlSnapshot < kActionCount && kActPgDump < kActionCount &&
              kActTerraformShow < kActionCount && kActNpmPublish < kActionCount &&
              kActCosignSign < kActionCount);
// The read action of each family: what background traffic does instead of a write that a
// freeze, or a delete that the burst cap, forbids.
constexpr uint16_t kFamilyRead[kFamilyCount] = {action_index("Read", ""),
                                                action_index("github.get_file_contents", ""),
                                                kActSqlSelect,
                                                action_index("k8s.get", "get"),
                                                action_index("s3.get_object", ""),
                                                kActTerraformShow,
                                                action_index("iam.get_role", "GetRole"),
                                                action_index("npm.view", "view")};

constexpr std::string_view kTables[] = {"orders",    "customers", "invoices",      "ledger",
                                        "payouts",   "sessions",  "users",         "events",
                                        "audit_log", "refunds",   "subscriptions", "inventory"};
constexpr std::string_view kServices[] = {"api",   "worker", "gateway",  "scheduler",
                                          "cache", "web",    "consumer", "cron"};
constexpr std::string_view kRepoFiles[] = {
    "src/main.go",       "src/handler.go", "src/store/db.go",          "internal/auth/token.go",
    "README.md",         "Makefile",       ".github/workflows/ci.yml", "web/src/App.tsx",
    "tests/test_api.py", "docs/runbook.md"};
constexpr std::string_view kModules[] = {"network", "database", "cluster",
                                         "dns",     "storage",  "monitoring"};
constexpr std::string_view kRoles[] = {"deployer", "reader", "ci-runner", "oncall", "admin"};
constexpr std::string_view kApprovers[] = {"alice", "bob",   "carol", "dave",
                                           "erin",  "frank", "grace", "heidi"};

// Sources: the coding-agent hooks, GitHub and Kubernetes audit logs carry their own families;
// every other tool call goes through the MCP gateway of its entity's region.
enum Source : uint8_t { kGatewayEu, kGatewayUs, kGatewayAp, kHooks, kGithubAudit, kK8sAudit };
constexpr int kSourceCount = 6;
constexpr int kGatewayCount = 3;
constexpr std::string_view kSourceNames[kSourceCount] = {"mcp-gateway-eu1", "mcp-gateway-us1",
                                                         "mcp-gateway-ap1", "claude-code-hooks",
                                                         "github-audit",    "k8s-audit"};

Source source_for(Family family, uint8_t gateway) {
  switch (family) {
    case Family::kCoding:
      return kHooks;
    case Family::kGithub:
      return kGithubAudit;
    case Family::kK8s:
      return kK8sAudit;
    default:
      return static_cast<Source>(gateway);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing text without iostreams: a cursor over a buffer that the caller sized.

inline char* put(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}
inline char* put_u64(char* p, uint64_t value) { return std::to_chars(p, p + 20, value).ptr; }
inline char* put_padded(char* p, uint64_t value, int width) {
  char digits[20] = {};  // initialized: g++ 12 -O2 reports a false maybe-uninitialized
  char* end = std::to_chars(digits, digits + 20, value).ptr;
  for (int pad = width - static_cast<int>(end - digits); pad > 0; --pad) *p++ = '0';
  return put(p, std::string_view(digits, end - digits));
}
inline char* put_hex(char* p, uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = kHex[value & 15];
    value >>= 4;
  }
  return p + digits;
}
inline char* put_time(char* p, int64_t us) { return p + ingest::format_rfc3339(us, p); }

std::string hex_string(uint64_t value, int digits) {
  char buffer[16];
  return std::string(buffer, put_hex(buffer, value, digits));
}

// Resource names of a family. `r` picks the table, file or object; `foreign` gives a name in a
// bucket no scope covers (object storage scopes cover whole buckets, not teams).
size_t format_resource(Family family, Env env, uint32_t team, uint64_t r, char* out,
                       bool foreign = false) {
  char* p = out;
  std::string_view env_name = kEnvNames[env];
  std::string_view team_name = kTeams[team];
  switch (family) {
    case Family::kCoding:
      p = put(put(put(p, "repo:acme/"), team_name), "/");
      p = put(p, kRepoFiles[r % std::size(kRepoFiles)]);
      break;
    case Family::kGithub:
      p = put(put(p, "repo:acme/"), team_name);
      break;
    case Family::kSql:
      p = put(put(put(put(put(p, "db:"), env_name), "/"), team_name), "/");
      p = put(p, kTables[r % std::size(kTables)]);
      break;
    case Family::kK8s:
      p = put(put(put(put(put(p, "k8s:"), env_name), "/"), team_name), "/deployments/");
      p = put(p, kServices[r % std::size(kServices)]);
      break;
    case Family::kS3:
      p = put(put(put(p, "s3:"), env_name), foreign ? "-audit/" : "-logs/");
      p = put(put(p, team_name), "/app/part-");
      p = put(put_padded(p, (r >> 8) % 100000, 5), ".gz");
      break;
    case Family::kTerraform:
      p = put(put(put(put(put(p, "tf:"), env_name), "/"), team_name), "/");
      p = put(p, kModules[r % std::size(kModules)]);
      break;
    case Family::kIam:
      p = put(put(put(put(put(p, "iam:"), env_name), "/"), team_name), "/roles/");
      p = put(p, kRoles[r % std::size(kRoles)]);
      break;
    case Family::kRelease:
      if (r & 1) {
        p = put(put(p, "pkg:npm/@acme/"), team_name);
      } else {
        p = put(put(put(p, "oci:registry.acme.dev/"), team_name), "/");
        p = put(p, kServices[(r >> 1) % std::size(kServices)]);
      }
      break;
  }
  return static_cast<size_t>(p - out);
}

std::string resource_string(Family family, Env env, uint32_t team, uint64_t r,
                            bool foreign = false) {
  char buffer[256];
  return std::string(buffer, format_resource(family, env, team, r, buffer, foreign));
}

// ---------------------------------------------------------------------------------------------
// The model: what registry.yaml says, plus the predicates the plan is checked with.

enum class Kind : uint8_t { kAgent, kService, kBot, kHuman };
enum class Standing : uint8_t { kActive, kSuspended, kDecommissioned };
// kServiceStatic: credential 0 is static (services may hold one; only agents are flagged).
// kLongLived: credential 0 static and credential 1 with a 4 h lifetime, for injections only.
enum class CredStyle : uint8_t { kJit, kHuman, kServiceStatic, kLongLived };
enum class Profile : uint8_t { kCoder, kData, kOps, kStorage, kInfra, kRelease, kDeps, kIam };

// The tool families of a profile's primary scope: coders have two.
constexpr bool profile_uses(Profile profile, Family family) {
  switch (profile) {
    case Profile::kCoder:
      return family == Family::kCoding || family == Family::kGithub;
    case Profile::kData:
      return family == Family::kSql;
    case Profile::kOps:
      return family == Family::kK8s;
    case Profile::kStorage:
      return family == Family::kS3;
    case Profile::kInfra:
      return family == Family::kTerraform;
    case Profile::kRelease:
      return family == Family::kRelease;
    case Profile::kDeps:
      return family == Family::kGithub;
    case Profile::kIam:
      return family == Family::kIam;
  }
  return false;
}

constexpr std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kAgent:
      return "agent";
    case Kind::kService:
      return "service";
    case Kind::kBot:
      return "bot";
    case Kind::kHuman:
      return "human";
  }
  return "agent";
}

struct Interval {
  int64_t from;
  int64_t until;
};

struct Scope {
  std::vector<std::string> tools;
  uint32_t classes = 0;
  std::vector<std::string> resources;
  uint32_t envs = 0;
  int64_t from = kNoTime;
  int64_t until = kNoTime;
  std::vector<rules::Glob> tool_globs;
  std::vector<rules::Glob> resource_globs;
};

struct Entity {
  std::string id;
  Kind kind = Kind::kAgent;
  Standing standing = Standing::kActive;
  Profile profile = Profile::kCoder;
  CredStyle cred_style = CredStyle::kJit;
  Env env = kDev;  // the env it works in and its credentials are issued for
  Env other_env = kDev;
  uint32_t team = 0;
  uint8_t gateway = 0;
  bool has_owner = true;
  bool in_pool = false;  // does background traffic
  bool dual_env = false;
  bool can_delete = false;
  bool has_iam = false;
  bool has_publish = false;
  bool has_temp = false;
  bool wide_interval = false;
  bool from_only = false;
  int64_t temp_from = 0;
  int64_t temp_until = 0;
  int64_t window_start = 0;  // credential i covers [window_start + i*period, ... + period)
  std::vector<Scope> scopes;
  // Times taken by injections (no other injection of this entity within kClaimMargin).
  std::vector<Interval> claims;
  // Background traffic of this entity skips these (a revoked credential's remaining life).
  std::vector<Interval> blackouts;
  // Background traffic of this entity neither deletes nor is denied in these (around bursts).
  std::vector<Interval> quiet;
};

struct Freeze {
  std::string id;
  uint32_t envs = 0;
  std::vector<std::string> resources;
  std::vector<rules::Glob> globs;
  int64_t from = 0;
  int64_t until = 0;
  std::string reason;
};

struct Approval {
  std::string id;
  uint32_t entity = 0;
  uint32_t classes = 0;
  std::vector<std::string> resources;
  std::vector<rules::Glob> globs;
  int64_t from = 0;
  int64_t until = 0;
  uint32_t approvers = 0;  // index of the first of two approvers
  bool break_glass = false;
};

struct CredentialView {
  uint32_t owner = 0;
  std::string_view kind;  // jit | static | human
  Env env = kDev;
  int64_t issued = 0;
  int64_t expires = kNoTime;  // kNoTime: never
  int64_t revoked = kNoTime;  // kNoTime: not revoked
};

Status compile_globs(const std::vector<std::string>& patterns, std::vector<rules::Glob>* out) {
  out->clear();
  for (const std::string& pattern : patterns) {
    auto glob = rules::Glob::compile(pattern);
    if (!glob.ok()) return Status::internal("workload generator: " + glob.status().message());
    out->push_back(std::move(glob.value()));
  }
  return Status();
}

bool any_glob(const std::vector<rules::Glob>& globs, std::string_view text) {
  for (const rules::Glob& glob : globs) {
    if (glob.matches(text)) return true;
  }
  return false;
}

class Model {
 public:
  explicit Model(const WorkloadOptions& options) : options_(options) {}

  Status build(Rng& rng);

  // Time layout. With fewer credentials than hours every entity works a shift of
  // credentials_per_agent hours; otherwise all work the whole span with shorter credentials.
  int64_t start() const { return options_.start_us; }
  int64_t span_end() const { return options_.start_us + span_; }
  int64_t background_end() const { return options_.start_us + background_span_; }
  int64_t period() const { return period_; }
  uint32_t creds_per_entity() const { return options_.credentials_per_agent; }
  int64_t window_end(const Entity& e) const { return e.window_start + window_len_; }
  bool in_window(const Entity& e, int64_t t) const {
    return t >= e.window_start && t < window_end(e) && t >= start() && t < span_end();
  }
  // The credential background traffic of `e` uses at `t`, or -1 outside its window.
  int64_t cred_at(uint32_t entity, int64_t t) const {
    const Entity& e = entities_[entity];
    if (t < e.window_start || t >= window_end(e)) return -1;
    uint64_t base = static_cast<uint64_t>(entity) * creds_per_entity();
    if (e.cred_style == CredStyle::kServiceStatic) return static_cast<int64_t>(base);
    return static_cast<int64_t>(base + static_cast<uint64_t>((t - e.window_start) / period_));
  }
  CredentialView credential(uint64_t index) const;
  // Credential i of entity: issued at window_start + i*period, for one period.
  int64_t slot_issued(const Entity& e, uint32_t slot) const {
    return e.window_start + static_cast<int64_t>(slot) * period_;
  }

  // Background activity picks an active pool entity by a Zipf law over pool positions.
  uint32_t pick_background(Rng& rng, int64_t t) const;
  bool usable_in_background(const Entity& e, int64_t t) const {
    if (!in_window(e, t)) return false;
    for (const Interval& b : e.blackouts) {
      if (t >= b.from && t < b.until) return false;
    }
    return true;
  }

  bool scope_covers(const Scope& s, std::string_view tool, ActionClass action_class,
                    std::string_view resource, Env env, int64_t t) const;
  bool covers(const Entity& e, std::string_view tool, ActionClass action_class,
              std::string_view resource, Env env, int64_t t) const {
    for (const Scope& s : e.scopes) {
      if (scope_covers(s, tool, action_class, resource, env, t)) return true;
    }
    return false;
  }
  bool frozen(Env env, std::string_view resource, int64_t t) const;
  // An approval of `entity` covering class, resource and t; break-glass ones only if asked.
  bool approved(uint32_t entity, ActionClass action_class, std::string_view resource, int64_t t,
                bool break_glass_only) const;

  std::string cred_id(uint64_t index) const { return "tok-" + hex_string(cred_hash(index), 16); }
  uint64_t cred_hash(uint64_t index) const { return mix64(index ^ cred_salt_); }
  uint64_t event_hash(uint64_t number) const { return mix64(number ^ event_salt_); }
  uint64_t session_salt() const { return session_salt_; }

  bool omittable(uint16_t action) const { return omittable_[action]; }

  std::vector<Entity>& entities() { return entities_; }
  const std::vector<Entity>& entities() const { return entities_; }
  const std::vector<uint32_t>& pool() const { return pool_; }
  const std::vector<Freeze>& freezes() const { return freezes_; }
  std::vector<Approval>& approvals() { return approvals_; }
  const std::vector<Approval>& approvals() const { return approvals_; }
  void revoke(uint64_t cred, int64_t at) { revoked_[cred] = at; }
  const WorkloadOptions& options() const { return options_; }
  Status add_approval(Approval approval);

 private:
  Status build_entities(Rng& rng);
  Status build_scopes(Entity& e, Rng& rng);
  Status build_freezes();

  const WorkloadOptions& options_;
  int64_t span_ = 0;
  int64_t period_ = 0;
  int64_t window_len_ = 0;
  int64_t background_span_ = 0;
  uint32_t shifts_ = 1;
  uint64_t cred_salt_ = 0;
  uint64_t event_salt_ = 0;
  uint64_t session_salt_ = 0;
  std::vector<Entity> entities_;
  std::vector<uint32_t> pool_;    // background entities, in Zipf rank order
  std::vector<double> zipf_cdf_;  // cumulative weights 1/(rank+2) over pool positions
  std::vector<Freeze> freezes_;
  std::vector<Approval> approvals_;
  std::unordered_map<uint64_t, int64_t> revoked_;
  bool omittable_[kActionCount] = {};
};

Status Model::build(Rng& rng) {
  const uint32_t k = options_.credentials_per_agent;
  span_ = static_cast<int64_t>(options_.hours) * kHour;
  if (k < options_.hours) {
    period_ = kHour;
    shifts_ = options_.hours - k + 1;
  } else {
    // Whole seconds keep registry times readable.
    period_ = std::min<int64_t>(kHour, floor_second(span_ / k));
    shifts_ = 1;
  }
  window_len_ = period_ * k;
  background_span_ = shifts_ == 1 ? window_len_ : span_;
  cred_salt_ = rng.next();
  event_salt_ = rng.next();
  session_salt_ = rng.next();

  // A record may leave out its class only where the shipped table derives the same one (verb
  // first, then tool): checked here, never assumed.
  const rules::ActionClassTable& table = rules::ActionClassTable::builtin();
  for (size_t i = 0; i < kActionCount; ++i) {
    ActionClass derived = ActionClass::kUnset;
    if (!kActions[i].verb.empty()) derived = table.classify_verb(kActions[i].verb);
    if (derived == ActionClass::kUnset) derived = table.classify_tool(kActions[i].tool);
    omittable_[i] = derived == kActions[i].action_class;
  }

  AW_RETURN_IF_ERROR(build_entities(rng));
  AW_RETURN_IF_ERROR(build_freezes());
  for (Entity& e : entities_) AW_RETURN_IF_ERROR(build_scopes(e, rng));

  zipf_cdf_.resize(pool_.size());
  double sum = 0;
  for (size_t r = 0; r < pool_.size(); ++r) {
    sum += 1.0 / static_cast<double>(r + 2);
    zipf_cdf_[r] = sum;
  }
  return Status();
}

Status Model::build_entities(Rng& rng) {
  const uint32_t n = options_.agents;
  const uint32_t humans = std::max<uint32_t>(2, n / 100);
  const uint32_t bots = std::max<uint32_t>(2, n / 25);
  const uint32_t release_bots = std::max<uint32_t>(1, bots / 10);
  const uint32_t services = std::max<uint32_t>(3, n / 12);
  const uint32_t iam_services = std::max<uint32_t>(1, services / 10);
  const uint32_t agents = n - humans - bots - services;
  const uint32_t suspended = std::max<uint32_t>(1, agents / 400);
  const uint32_t decommissioned = std::max<uint32_t>(1, agents / 400);
  const uint32_t dormant = std::max<uint32_t>(2, agents / 500);
  int width = 5;
  for (uint32_t limit = 100000; limit <= n; limit *= 10) ++width;

  auto pick_team = [&rng]() {
    // Larger teams run more agents: weights 12, 11, ..., 1.
    uint32_t r = static_cast<uint32_t>(rng.below(kTeamCount * (kTeamCount + 1) / 2));
    uint32_t team = 0;
    for (uint32_t w = kTeamCount; r >= w; --w, ++team) r -= w;
    return team;
  };
  auto pick_env = [&rng]() {
    uint64_t r = rng.below(100);
    return r < 45 ? kDev : r < 75 ? kStaging : kProd;
  };
  auto make_id = [width](std::string_view prefix, uint32_t number) {
    char buffer[64];
    char* p = put(buffer, prefix);
    p = put_padded(p, number, width);
    return std::string(buffer, p);
  };

  entities_.reserve(n);
  // The first agents get fixed traits, so that every injection finds a candidate even in small
  // registries; the rest are drawn at random.
  struct Forced {
    Profile profile;
    Env env;
    bool can_delete, dual, iam, publish, temp;
  };
  static constexpr Forced kForced[] = {
      {Profile::kData, kProd, true, false, false, false, false},
      {Profile::kData, kProd, true, false, false, false, false},
      {Profile::kData, kProd, true, false, false, false, false},
      {Profile::kData, kProd, true, false, false, false, false},
      {Profile::kData, kDev, true, false, false, false, false},
      {Profile::kStorage, kDev, true, false, false, false, false},
      {Profile::kOps, kDev, false, false, true, false, false},
      {Profile::kOps, kStaging, false, false, true, false, false},
      {Profile::kCoder, kDev, false, false, false, true, false},
      {Profile::kCoder, kDev, false, false, false, true, false},
      {Profile::kData, kStaging, false, true, false, false, false},
      {Profile::kOps, kProd, false, true, false, false, false},
      {Profile::kData, kDev, false, false, false, false, true},
      {Profile::kStorage, kStaging, false, false, false, false, true},
      {Profile::kInfra, kDev, false, false, false, false, false},
      {Profile::kOps, kStaging, false, false, false, false, false},
      {Profile::kOps, kProd, false, false, false, false, false},
  };
  for (uint32_t j = 0; j < agents; ++j) {
    Entity e;
    e.id = make_id("agent-", j + 1);
    e.kind = Kind::kAgent;
    e.team = pick_team();
    e.gateway = static_cast<uint8_t>(rng.below(kGatewayCount));
    e.has_owner = !rng.percent(1);  // a few unowned agents, as in real inventories
    if (j < std::size(kForced)) {
      const Forced& f = kForced[j];
      e.profile = f.profile;
      e.env = f.env;
      e.can_delete = f.can_delete;
      e.dual_env = f.dual;
      e.has_iam = f.iam;
      e.has_publish = f.publish;
      e.has_temp = f.temp;
    } else {
      uint64_t r = rng.below(100);
      e.profile = r < 35   ? Profile::kCoder
                  : r < 60 ? Profile::kData
                  : r < 80 ? Profile::kOps
                  : r < 90 ? Profile::kStorage
                           : Profile::kInfra;
      e.env = e.profile == Profile::kCoder ? kDev : pick_env();
      if (e.profile != Profile::kCoder) {
        e.dual_env = rng.percent(30);
        if (e.env != kProd) {
          e.can_delete = rng.percent(e.profile == Profile::kInfra ? 30 : 50);
        } else {
          e.can_delete = e.profile == Profile::kData && rng.percent(35);  // DBAs
        }
      }
      e.has_iam = e.profile == Profile::kOps && rng.percent(20);
      e.has_publish = e.profile == Profile::kCoder && rng.percent(15);
      e.has_temp = rng.percent(6);
    }
    e.other_env = e.env == kStaging ? kDev : kStaging;
    e.wide_interval = rng.percent(10);
    e.from_only = !e.wide_interval && rng.percent(5);
    // Agents at the end of the list are out of background traffic: suspended, decommissioned,
    // and the dormant ones holding over-long credentials.
    uint32_t from_end = agents - j;
    if (from_end <= suspended) {
      e.standing = Standing::kSuspended;
    } else if (from_end <= suspended + decommissioned) {
      e.standing = Standing::kDecommissioned;
    } else if (from_end <= suspended + decommissioned + dormant) {
      e.cred_style = CredStyle::kLongLived;
    } else {
      e.in_pool = true;
    }
    entities_.push_back(std::move(e));
  }
  for (uint32_t j = 0; j < services; ++j) {
    Entity e;
    e.kind = Kind::kService;
    e.team = pick_team();
    e.gateway = static_cast<uint8_t>(rng.below(kGatewayCount));
    e.cred_style = CredStyle::kServiceStatic;
    e.in_pool = true;
    if (j < iam_services) {
      e.profile = Profile::kIam;
      e.env = rng.percent(50) ? kDev : kStaging;  // never frozen, so it may escalate freely
      e.id = make_id("svc-iam-", j + 1);
    } else {
      e.profile = rng.percent(70) ? Profile::kData : Profile::kStorage;
      e.env = rng.percent(60) ? kStaging : kProd;
      e.id = make_id(e.profile == Profile::kData ? "svc-etl-" : "svc-logship-", j + 1);
    }
    entities_.push_back(std::move(e));
  }
  for (uint32_t j = 0; j < bots; ++j) {
    Entity e;
    e.kind = Kind::kBot;
    e.team = pick_team();
    e.gateway = static_cast<uint8_t>(rng.below(kGatewayCount));
    e.in_pool = true;
    if (j < release_bots) {
      e.profile = Profile::kRelease;
      e.env = kProd;
      e.id = make_id("bot-release-", j + 1);
    } else {
      e.profile = Profile::kDeps;
      e.env = kDev;
      e.id = make_id("bot-deps-", j + 1);
    }
    entities_.push_back(std::move(e));
  }
  for (uint32_t j = 0; j < humans; ++j) {
    Entity e;
    e.kind = Kind::kHuman;
    e.team = pick_team();
    e.gateway = static_cast<uint8_t>(rng.below(kGatewayCount));
    e.cred_style = CredStyle::kHuman;
    e.in_pool = true;
    e.profile = rng.percent(50) ? Profile::kCoder : Profile::kData;
    e.env = e.profile == Profile::kCoder ? kDev : (rng.percent(50) ? kDev : kStaging);
    e.id = make_id("user-", j + 1);
    entities_.push_back(std::move(e));
  }

  // Zipf ranks are pool positions: shuffle, so busy entities are of every kind and profile.
  for (uint32_t i = 0; i < entities_.size(); ++i) {
    if (entities_[i].in_pool) pool_.push_back(i);
  }
  for (size_t i = pool_.size(); i > 1; --i) std::swap(pool_[i - 1], pool_[rng.below(i)]);
  for (size_t p = 0; p < pool_.size(); ++p) {
    entities_[pool_[p]].window_start = start() + static_cast<int64_t>(p % shifts_) * kHour;
  }
  for (uint32_t i = 0; i < entities_.size(); ++i) {
    if (!entities_[i].in_pool) {
      entities_[i].window_start = start() + static_cast<int64_t>(i % shifts_) * kHour;
    }
  }
  return Status();
}

Status Model::build_scopes(Entity& e, Rng& rng) {
  const std::string env = std::string(kEnvNames[e.env]);
  const std::string other = std::string(kEnvNames[e.other_env]);
  const std::string team = std::string(kTeams[e.team]);
  Scope primary;
  primary.envs = env_bit(e.env);
  auto cls = [](std::initializer_list<ActionClass> list) {
    uint32_t bits = 0;
    for (ActionClass c : list) bits |= class_bit(c);
    return bits;
  };
  auto with_other = [&](const std::string& pattern_env, const std::string& pattern_other) {
    primary.resources.push_back(pattern_env);
    if (e.dual_env) {
      primary.resources.push_back(pattern_other);
      primary.envs |= env_bit(e.other_env);
    }
  };
  switch (e.profile) {
    case Profile::kCoder:
      primary.tools = {"Read", "Grep", "Glob", "Edit", "Write", "Bash", "github.*"};
      primary.classes = cls({ActionClass::kRead, ActionClass::kWrite, ActionClass::kExec});
      primary.resources = {"repo:acme/" + team, "repo:acme/" + team + "/**"};
      break;
    case Profile::kData:
      primary.tools = {"sql.*"};
      primary.classes = cls({ActionClass::kRead, ActionClass::kWrite, ActionClass::kSnapshot});
      with_other("db:" + env + "/" + team + "/**", "db:" + other + "/" + team + "/**");
      break;
    case Profile::kOps:
      primary.tools = {"k8s.*"};
      primary.classes =
          cls({ActionClass::kRead, ActionClass::kWrite, ActionClass::kAdmin, ActionClass::kExec});
      with_other("k8s:" + env + "/" + team + "/**", "k8s:" + other + "/" + team + "/**");
      break;
    case Profile::kStorage:
      primary.tools = {"s3.*"};
      primary.classes = cls({ActionClass::kRead, ActionClass::kWrite});
      with_other("s3:" + env + "-logs/**", "s3:" + other + "-logs/**");
      break;
    case Profile::kInfra:
      // A single '*': modules are one path segment, and nested paths are out of scope.
      primary.tools = {"terraform.*"};
      primary.classes = cls({ActionClass::kRead, ActionClass::kWrite, ActionClass::kAdmin});
      with_other("tf:" + env + "/" + team + "/*", "tf:" + other + "/" + team + "/*");
      break;
    case Profile::kRelease:
      primary.tools = {"npm.*", "docker.*", "cosign.*"};
      primary.classes = cls({ActionClass::kRead, ActionClass::kPublish, ActionClass::kSign});
      primary.resources = {"pkg:npm/@acme/**", "oci:registry.acme.dev/**"};
      break;
    case Profile::kDeps:
      primary.tools = {"github.*"};
      primary.classes = cls({ActionClass::kRead, ActionClass::kWrite});
      primary.resources = {"repo:acme/**"};
      break;
    case Profile::kIam:
      primary.tools = {"iam.*"};
      primary.classes = cls({ActionClass::kRead, ActionClass::kEscalate});
      primary.resources = {"iam:" + env + "/**"};
      break;
  }
  if (e.can_delete) primary.classes |= class_bit(ActionClass::kDelete);
  if (e.wide_interval) {
    primary.from = floor_second(start() - 30 * kDay);
    primary.until = floor_second(span_end() + 30 * kDay);
  } else if (e.from_only) {
    primary.from = floor_second(start() - 90 * kDay);
  }
  e.scopes.push_back(std::move(primary));

  if (e.has_iam) {
    Scope iam;
    iam.tools = {"iam.*"};
    iam.classes = class_bit(ActionClass::kEscalate);
    iam.resources = {"iam:" + env + "/" + team + "/**"};
    iam.envs = env_bit(e.env);
    e.scopes.push_back(std::move(iam));
  }
  if (e.has_publish) {
    Scope publish;
    publish.tools = {"npm.*", "cosign.*"};
    publish.classes = class_bit(ActionClass::kPublish) | class_bit(ActionClass::kSign);
    publish.resources = {"pkg:npm/@acme/" + team, "oci:registry.acme.dev/" + team + "/**"};
    publish.envs = env_bit(e.env);
    e.scopes.push_back(std::move(publish));
  }
  if (e.has_temp) {
    // Temporary read access to a shared database, inside the entity's working window.
    int64_t length = window_len_;
    e.temp_from = floor_second(e.window_start + length * rng.range(20, 36) / 100);
    e.temp_until = floor_second(e.temp_from + length * rng.range(20, 36) / 100);
    Scope temp;
    temp.tools = {"sql.execute"};
    temp.classes = class_bit(ActionClass::kRead);
    temp.resources = {"db:" + env + "/shared/**"};
    temp.envs = env_bit(e.env);
    temp.from = e.temp_from;
    temp.until = e.temp_until;
    e.scopes.push_back(std::move(temp));
  }
  for (Scope& s : e.scopes) {
    AW_RETURN_IF_ERROR(compile_globs(s.tools, &s.tool_globs));
    AW_RETURN_IF_ERROR(compile_globs(s.resources, &s.resource_globs));
  }
  return Status();
}

Status Model::build_freezes() {
  auto at = [this](int permille) { return floor_second(start() + span_ * permille / 1000); };
  freezes_.push_back({"FRZ-PREVIOUS-RELEASE",
                      env_bit(kProd),
                      {"**"},
                      {},
                      floor_second(start() - 10 * kDay),
                      floor_second(start() - 9 * kDay),
                      "previous release freeze"});
  freezes_.push_back({"FRZ-STAGING-LOADTEST",
                      env_bit(kStaging),
                      {"k8s:staging/**"},
                      {},
                      at(200),
                      at(240),
                      "load test on staging clusters"});
  freezes_.push_back({"FRZ-PROD-PEAK",
                      env_bit(kProd),
                      {"**"},
                      {},
                      at(400),
                      at(550),
                      "prod change freeze during peak traffic"});
  freezes_.push_back({"FRZ-PAYMENTS-CLOSE",
                      env_bit(kProd),
                      {"db:prod/payments/**", "k8s:prod/payments/**"},
                      {},
                      at(700),
                      at(820),
                      "quarter-end close: payments databases and services"});
  for (Freeze& f : freezes_) AW_RETURN_IF_ERROR(compile_globs(f.resources, &f.globs));
  return Status();
}

Status Model::add_approval(Approval approval) {
  AW_RETURN_IF_ERROR(compile_globs(approval.resources, &approval.globs));
  approvals_.push_back(std::move(approval));
  return Status();
}

CredentialView Model::credential(uint64_t index) const {
  const uint32_t k = creds_per_entity();
  CredentialView view;
  view.owner = static_cast<uint32_t>(index / k);
  const uint32_t slot = static_cast<uint32_t>(index % k);
  const Entity& e = entities_[view.owner];
  view.env = e.env;
  view.kind = e.cred_style == CredStyle::kHuman ? "human" : "jit";
  view.issued = slot_issued(e, slot);
  view.expires = view.issued + period_;
  if (slot == 0 &&
      (e.cred_style == CredStyle::kServiceStatic || e.cred_style == CredStyle::kLongLived)) {
    view.kind = "static";
    view.issued =
        floor_second(start() - (e.cred_style == CredStyle::kServiceStatic ? 180 : 90) * kDay);
    view.expires = kNoTime;
  } else if (slot == 1 && e.cred_style == CredStyle::kLongLived) {
    view.expires = view.issued + kLongLivedTtl;
  }
  if (auto it = revoked_.find(index); it != revoked_.end()) view.revoked = it->second;
  return view;
}

uint32_t Model::pick_background(Rng& rng, int64_t t) const {
  // Pool position p works shift p % shifts_; at hour h the shifts [h-K+1, h] are on duty, a
  // contiguous range of residues, so the r-th active position is computed, not searched.
  const uint64_t positions = pool_.size();
  uint64_t lo = 0;
  uint64_t width = 1;
  uint64_t count = positions;
  if (shifts_ > 1) {
    int64_t hour = (t - start()) / kHour;
    int64_t k = creds_per_entity();
    lo = static_cast<uint64_t>(std::max<int64_t>(0, hour - k + 1));
    uint64_t hi = static_cast<uint64_t>(std::min<int64_t>(hour, shifts_ - 1));
    width = hi - lo + 1;
    uint64_t full = positions / shifts_;
    uint64_t rest = positions % shifts_;
    count = full * width + (rest > lo ? std::min(rest - lo, width) : 0);
  }
  // Zipf: a few entities are very busy, most are a long tail.
  double target = rng.unit() * zipf_cdf_[count - 1];
  uint64_t rank = static_cast<uint64_t>(
      std::upper_bound(zipf_cdf_.begin(), zipf_cdf_.begin() + static_cast<int64_t>(count), target) -
      zipf_cdf_.begin());
  if (rank >= count) rank = count - 1;
  uint64_t position = shifts_ > 1 ? (rank / width) * shifts_ + lo + rank % width : rank;
  return pool_[position];
}

bool Model::scope_covers(const Scope& s, std::string_view tool, ActionClass action_class,
                         std::string_view resource, Env env, int64_t t) const {
  if (!s.tools.empty() && !any_glob(s.tool_globs, tool)) return false;
  if (s.classes != 0 && (s.classes & class_bit(action_class)) == 0) return false;
  if (!s.resources.empty() && !any_glob(s.resource_globs, resource)) return false;
  if (s.envs != 0 && (s.envs & env_bit(env)) == 0) return false;
  if (s.from != kNoTime && t < s.from) return false;
  if (s.until != kNoTime && t >= s.until) return false;
  return true;
}

bool Model::frozen(Env env, std::string_view resource, int64_t t) const {
  for (const Freeze& f : freezes_) {
    if ((f.envs & env_bit(env)) && t >= f.from && t < f.until && any_glob(f.globs, resource)) {
      return true;
    }
  }
  return false;
}

bool Model::approved(uint32_t entity, ActionClass action_class, std::string_view resource,
                     int64_t t, bool break_glass_only) const {
  for (const Approval& a : approvals_) {
    if (a.entity != entity || (break_glass_only && !a.break_glass)) continue;
    if ((a.classes & class_bit(action_class)) == 0 || t < a.from || t >= a.until) continue;
    if (any_glob(a.globs, resource)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The plan: injected violations, near-misses and approved maintenance, as timed events.

struct Planned {
  int64_t ts = 0;
  uint32_t order = 0;   // creation order; breaks ties between equal timestamps
  int32_t entity = -1;  // -1: an actor missing from the registry
  std::string actor_id;
  uint8_t source = 0;  // for unregistered actors (others take their entity's source)
  int64_t cred = -1;   // global credential index, -1: none
  uint16_t action = 0;
  Env env = kDev;
  std::string resource;
  Outcome outcome = Outcome::kSuccess;
  std::string approval;
  std::string session;  // empty: the entity's background session at ts
  std::string task;     // empty: likewise
  uint32_t labels = 0;  // rule bits
  bool negative = false;
};

class Planner {
 public:
  Planner(Model& model, Rng& rng) : model_(model), rng_(rng) {}

  Status plan(uint32_t violations);
  std::vector<Planned>& planned() { return planned_; }

 private:
  // Candidate lists, by what an injection needs of its entity.
  void collect_candidates();
  // A random candidate for which `accept` holds (it may draw times), or -1.
  template <typename Accept>
  int32_t pick(const std::vector<uint32_t>& candidates, Accept accept);
  // A time in e's window with `lead` before and `tail` after it free of other injections.
  bool pick_time(uint32_t entity, int64_t lead, int64_t tail, int64_t* t);
  bool pick_time_in(uint32_t entity, int64_t lo, int64_t hi, int64_t lead, int64_t tail,
                    int64_t* t);
  bool free_at(const Entity& e, int64_t from, int64_t until) const;
  void claim(uint32_t entity, int64_t from, int64_t until) {
    model_.entities()[entity].claims.push_back({from, until});
  }
  // An action of e's primary family (or families) with a class in `classes`, in scope.
  bool choose_action(const Entity& e, uint32_t classes, uint16_t* action);
  Planned& add(int32_t entity, int64_t ts, uint16_t action, Env env, std::string resource,
               uint32_t labels);
  std::string own_resource(const Entity& e, uint16_t action) {
    return resource_string(kActions[action].family, e.env, e.team, rng_.next());
  }
  // A prod table no background traffic touches, so only planned snapshots can cover it. The
  // suffix is random, not a hint at the labels.
  std::string unique_table(const Entity& e) {
    static constexpr std::string_view kSuffixes[] = {"archive", "tmp", "old", "legacy", "v1"};
    return "db:prod/" + std::string(kTeams[e.team]) + "/" +
           std::string(kTables[rng_.below(std::size(kTables))]) + "_" +
           std::string(kSuffixes[rng_.below(std::size(kSuffixes))]) + "_" +
           hex_string(rng_.next(), 8);
  }
  std::string next_approval_id() {
    char buffer[32];
    char* p = put_padded(put(buffer, "APR-"), model_.approvals().size() + 1, 5);
    return std::string(buffer, p);
  }
  Status approve(uint32_t entity, const std::string& resource, int64_t from, int64_t until,
                 bool break_glass, std::string* id);
  std::string unique_task() { return "CHG-" + std::to_string(9000000 + unique_counter_++); }
  std::string unique_session() {
    // 'r' is not a hex digit: these never collide with background session ids.
    return "sess-r" + hex_string(mix64(unique_counter_++ ^ 0x5e55), 11);
  }
  Status exhausted(std::string_view what) const {
    return Status::invalid_argument(
        "no registry entity left for " + std::string(what) +
        " injections; use more --agents or fewer --violations-per-rule");
  }

  Status plan_maintenance();
  Status plan_unregistered(uint32_t count);
  Status plan_out_of_scope(uint32_t count);
  Status plan_post_revocation(uint32_t count);
  Status plan_expired(uint32_t count);
  Status plan_freeze(uint32_t count);
  // A prod delete by a DBA with the given protections; labels as given.
  Status plan_prod_delete(bool approval, bool expired_approval, bool wrong_approval,
                          int snapshot_kind, bool want_frozen, uint32_t labels, bool negative);
  Status plan_without_approval(uint32_t count);
  Status plan_without_snapshot(uint32_t count);
  Status plan_long_lived(uint32_t count);
  Status plan_shared(uint32_t count);
  Status plan_env_crossing(uint32_t count);
  Status plan_separation(uint32_t count);
  Status plan_escalation(uint32_t count);
  Status plan_burst(uint32_t count, bool denied);

  Model& model_;
  Rng& rng_;
  std::vector<Planned> planned_;
  uint32_t violations_ = 0;
  uint32_t negatives_ = 0;  // near-misses per kind
  uint64_t unique_counter_ = 0;
  std::vector<uint32_t> agents_, dbas_, dev_deleters_, iam_ops_, publishers_, duals_, temps_,
      infras_, prod_writers_, staging_ops_, suspended_, decommissioned_, dormant_, humans_,
      iam_services_;
};

void Planner::collect_candidates() {
  const std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < entities.size(); ++i) {
    const Entity& e = entities[i];
    if (e.kind == Kind::kAgent && e.standing == Standing::kSuspended) suspended_.push_back(i);
    if (e.kind == Kind::kAgent && e.standing == Standing::kDecommissioned) {
      decommissioned_.push_back(i);
    }
    if (e.kind == Kind::kAgent && e.cred_style == CredStyle::kLongLived) dormant_.push_back(i);
    if (e.kind == Kind::kHuman) humans_.push_back(i);
    if (e.kind == Kind::kService && e.profile == Profile::kIam) iam_services_.push_back(i);
    if (e.kind != Kind::kAgent || !e.in_pool) continue;
    agents_.push_back(i);
    if (e.profile == Profile::kData && e.env == kProd && e.can_delete) dbas_.push_back(i);
    if (e.env == kDev && e.can_delete &&
        (e.profile == Profile::kData || e.profile == Profile::kOps ||
         e.profile == Profile::kStorage)) {
      dev_deleters_.push_back(i);
    }
    if (e.has_iam) iam_ops_.push_back(i);
    if (e.has_publish) publishers_.push_back(i);
    if (e.dual_env) duals_.push_back(i);
    if (e.has_temp) temps_.push_back(i);
    if (e.profile == Profile::kInfra) infras_.push_back(i);
    if (e.env == kProd && e.profile != Profile::kCoder) prod_writers_.push_back(i);
    if (e.env == kStaging && e.profile == Profile::kOps) staging_ops_.push_back(i);
  }
}

template <typename Accept>
int32_t Planner::pick(const std::vector<uint32_t>& candidates, Accept accept) {
  if (candidates.empty()) return -1;
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint32_t c = candidates[rng_.below(candidates.size())];
    if (accept(c)) return static_cast<int32_t>(c);
  }
  size_t offset = rng_.below(candidates.size());
  for (size_t k = 0; k < candidates.size(); ++k) {
    uint32_t c = candidates[(offset + k) % candidates.size()];
    if (accept(c)) return static_cast<int32_t>(c);
  }
  return -1;
}

bool Planner::free_at(const Entity& e, int64_t from, int64_t until) const {
  for (const Interval& c : e.claims) {
    if (from - kClaimMargin <= c.until && c.from <= until + kClaimMargin) return false;
  }
  return true;
}

bool Planner::pick_time_in(uint32_t entity, int64_t lo, int64_t hi, int64_t lead, int64_t tail,
                           int64_t* t) {
  // `lead` and `tail` must fit inside the entity's window and the span (credentials valid
  // there) and be free of other injections; [lo, hi) only bounds t itself.
  const Entity& e = model_.entities()[entity];
  lo = std::max({lo, e.window_start + lead, model_.start() + lead});
  hi = std::min({hi, model_.window_end(e) - tail, model_.span_end() - tail});
  if (lo >= hi) return false;
  for (int attempt = 0; attempt < 8; ++attempt) {
    int64_t candidate = rng_.range(lo, hi);
    if (free_at(e, candidate - lead, candidate + tail)) {
      *t = candidate;
      return true;
    }
  }
  return false;
}

bool Planner::pick_time(uint32_t entity, int64_t lead, int64_t tail, int64_t* t) {
  return pick_time_in(entity, model_.start(), model_.span_end(), lead, tail, t);
}

bool Planner::choose_action(const Entity& e, uint32_t classes, uint16_t* action) {
  uint16_t options[kActionCount];
  int count = 0;
  for (size_t i = 0; i < kActionCount; ++i) {
    const ActionDef& a = kActions[i];
    if (profile_uses(e.profile, a.family) && (classes & class_bit(a.action_class)) &&
        (e.scopes[0].classes & class_bit(a.action_class))) {
      options[count++] = static_cast<uint16_t>(i);
    }
  }
  if (count == 0) return false;
  *action = options[rng_.below(static_cast<uint64_t>(count))];
  return true;
}

Planned& Planner::add(int32_t entity, int64_t ts, uint16_t action, Env env, std::string resource,
                      uint32_t labels) {
  Planned p;
  p.ts = ts;
  p.order = static_cast<uint32_t>(planned_.size());
  p.entity = entity;
  p.action = action;
  p.env = env;
  p.resource = std::move(resource);
  p.labels = labels;
  if (entity >= 0) p.cred = model_.cred_at(static_cast<uint32_t>(entity), ts);
  planned_.push_back(std::move(p));
  return planned_.back();
}

Status Planner::approve(uint32_t entity, const std::string& resource, int64_t from, int64_t until,
                        bool break_glass, std::string* id) {
  Approval a;
  a.id = next_approval_id();
  a.entity = entity;
  a.classes = class_bit(ActionClass::kDelete);
  a.resources = {resource};
  a.from = from;
  a.until = until;
  a.approvers = static_cast<uint32_t>(rng_.below(std::size(kApprovers)));
  a.break_glass = break_glass;
  if (id) *id = a.id;
  return model_.add_approval(std::move(a));
}

Status Planner::plan(uint32_t violations) {
  violations_ = violations;
  negatives_ = violations == 0 ? 0 : std::max<uint32_t>(1, violations / 4);
  collect_candidates();
  // Claims first by the injections that change background traffic (revocations, bursts), so
  // the stateless ones that follow avoid them.
  AW_RETURN_IF_ERROR(plan_post_revocation(violations));
  AW_RETURN_IF_ERROR(plan_burst(violations, /*denied=*/false));
  AW_RETURN_IF_ERROR(plan_burst(violations, /*denied=*/true));
  AW_RETURN_IF_ERROR(plan_maintenance());
  AW_RETURN_IF_ERROR(plan_unregistered(violations));
  AW_RETURN_IF_ERROR(plan_out_of_scope(violations));
  AW_RETURN_IF_ERROR(plan_expired(violations));
  AW_RETURN_IF_ERROR(plan_freeze(violations));
  AW_RETURN_IF_ERROR(plan_without_approval(violations));
  AW_RETURN_IF_ERROR(plan_without_snapshot(violations));
  AW_RETURN_IF_ERROR(plan_long_lived(violations));
  AW_RETURN_IF_ERROR(plan_shared(violations));
  AW_RETURN_IF_ERROR(plan_env_crossing(violations));
  AW_RETURN_IF_ERROR(plan_separation(violations));
  AW_RETURN_IF_ERROR(plan_escalation(violations));
  // A few approvals for admin work in prod that no rule consults (freezes need break-glass,
  // destructive rules need delete): realistic noise the engine must not be confused by.
  for (uint32_t i = 0; i < 3 && !prod_writers_.empty(); ++i) {
    uint32_t entity = prod_writers_[rng_.below(prod_writers_.size())];
    const Entity& e = model_.entities()[entity];
    Approval a;
    a.id = next_approval_id();
    a.entity = entity;
    a.classes = class_bit(ActionClass::kAdmin);
    a.resources = {"k8s:prod/" + std::string(kTeams[e.team]) + "/**"};
    a.from = floor_second(rng_.range(model_.start(), model_.span_end()));
    a.until = a.from + 2 * kHour;
    a.approvers = static_cast<uint32_t>(rng_.below(std::size(kApprovers)));
    AW_RETURN_IF_ERROR(model_.add_approval(std::move(a)));
  }
  std::sort(planned_.begin(), planned_.end(), [](const Planned& a, const Planned& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.order < b.order;
  });
  return Status();
}

Status Planner::plan_maintenance() {
  // Approved, snapshotted prod deletes by DBAs: background work the destructive rules must
  // accept. A quarter fall inside the prod freeze, with a break-glass approval.
  uint32_t count = std::max<uint32_t>(2, static_cast<uint32_t>(model_.options().events / 25000));
  for (uint32_t i = 0; i < count; ++i) {
    AW_RETURN_IF_ERROR(plan_prod_delete(true, false, false, /*snapshot=*/1,
                                        /*want_frozen=*/i % 4 == 0, 0, false));
  }
  return Status();
}

Status Planner::plan_unregistered(uint32_t count) {
  static constexpr Family kFamilies[] = {Family::kSql, Family::kK8s, Family::kS3, Family::kGithub};
  for (uint32_t i = 0; i < count; ++i) {
    Family family = kFamilies[rng_.below(std::size(kFamilies))];
    Env env = static_cast<Env>(rng_.below(kEnvCount));
    uint32_t team = static_cast<uint32_t>(rng_.below(kTeamCount));
    int64_t t = rng_.range(model_.start(), model_.span_end());
    Planned& p = add(-1, t, kFamilyRead[static_cast<int>(family)], env,
                     resource_string(family, env, team, rng_.next()), rule_bit(kUnregisteredActor));
    // Registry ids are digits after the prefix; an 'x' keeps these out of it.
    p.actor_id = "agent-x" + hex_string(rng_.next(), 6);
    p.source = static_cast<uint8_t>(rng_.below(kGatewayCount));
  }
  return Status();
}

Status Planner::plan_out_of_scope(uint32_t count) {
  const std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < count; ++i) {
    int variant = static_cast<int>(i % 5);
    int64_t t = 0;
    if (variant == 3 || variant == 4) {
      // The edges of a temporary scope: its `until` is outside, its `from` inside.
      int32_t entity = pick(temps_, [&](uint32_t c) {
        const Entity& e = entities[c];
        return free_at(e, e.temp_from - kSecond, e.temp_until + kSecond) &&
               model_.in_window(e, e.temp_from - 1) && model_.in_window(e, e.temp_until);
      });
      if (entity >= 0) {
        const Entity& e = entities[entity];
        claim(entity, e.temp_from - 1, e.temp_until);
        std::string shared = "db:" + std::string(kEnvNames[e.env]) + "/shared/" +
                             std::string(kTables[rng_.below(std::size(kTables))]);
        int64_t outside = variant == 3 ? e.temp_until : e.temp_from - 1;
        int64_t inside = variant == 3 ? e.temp_until - 1 : e.temp_from;
        add(entity, outside, kActSqlSelect, e.env, shared, rule_bit(kOutOfScope));
        add(entity, inside, kActSqlSelect, e.env, shared, 0).negative = true;
        continue;
      }
      variant = 0;
    }
    if (variant == 2) {
      // '*' does not cross '/': a nested module is outside "tf:<env>/<team>/*".
      int32_t entity = pick(infras_, [&](uint32_t c) { return pick_time(c, 0, 0, &t); });
      if (entity >= 0) {
        const Entity& e = entities[entity];
        claim(entity, t, t);
        add(entity, t, kActTerraformShow, e.env,
            "tf:" + std::string(kEnvNames[e.env]) + "/" + std::string(kTeams[e.team]) +
                "/network/vpc",
            rule_bit(kOutOfScope));
        continue;
      }
      variant = 0;
    }
    // Variant 1: another team's resource (for object storage, a bucket no scope names).
    // Variant 0: a tool family none of its scopes names.
    uint16_t action = 0;
    std::string resource;
    int32_t entity = pick(agents_, [&](uint32_t c) {
      const Entity& e = entities[c];
      if (!pick_time(c, 0, 0, &t)) return false;
      Family family;
      uint32_t team = e.team;
      bool foreign = false;
      if (variant == 1) {
        if (!choose_action(e, class_bit(ActionClass::kRead), &action)) return false;
        family = kActions[action].family;
        if (family == Family::kGithub) family = Family::kCoding;
        foreign = family == Family::kS3;
        if (!foreign) {
          team = (e.team + 1 + static_cast<uint32_t>(rng_.below(kTeamCount - 1))) % kTeamCount;
        }
      } else {
        static constexpr Family kFamilies[] = {Family::kSql, Family::kK8s, Family::kS3,
                                               Family::kCoding};
        family = kFamilies[rng_.below(std::size(kFamilies))];
      }
      action = kFamilyRead[static_cast<int>(family)];
      resource = resource_string(family, e.env, team, rng_.next(), foreign);
      return !model_.covers(e, kActions[action].tool, ActionClass::kRead, resource, e.env, t);
    });
    if (entity < 0) return exhausted("out-of-scope");
    claim(entity, t, t);
    add(entity, t, action, entities[entity].env, resource, rule_bit(kOutOfScope));
  }
  return Status();
}

Status Planner::plan_post_revocation(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  uint32_t made = 0;
  for (uint32_t i = 0; made < count; ++i) {
    int variant = static_cast<int>(i % 4);
    if (variant <= 1) {
      // A credential revoked in the middle of its life: used at exactly revoked_at and once
      // more before it would have expired. Background traffic of the agent pauses until its
      // next credential.
      uint32_t slot = 0;
      int64_t issued = 0;
      int32_t entity = pick(agents_, [&](uint32_t c) {
        const Entity& e = entities[c];
        slot = static_cast<uint32_t>(rng_.below(model_.creds_per_entity()));
        issued = model_.slot_issued(e, slot);
        int64_t expires = issued + model_.period();
        return issued >= model_.start() && expires <= model_.span_end() &&
               free_at(e, issued, expires);
      });
      if (entity < 0) return exhausted("post-revocation");
      Entity& e = entities[entity];
      int64_t expires = issued + model_.period();
      int64_t revoked = floor_second(issued + model_.period() / 2);
      uint64_t cred = static_cast<uint64_t>(entity) * model_.creds_per_entity() + slot;
      model_.revoke(cred, revoked);
      claim(entity, issued, expires);
      e.blackouts.push_back({revoked, expires});
      uint16_t action = 0;
      if (!choose_action(e, class_bit(ActionClass::kRead), &action)) return exhausted("read");
      add(entity, revoked, action, e.env, own_resource(e, action), rule_bit(kPostRevocation));
      ++made;
      if (made < count) {
        int64_t later = rng_.range(revoked + 1, expires);
        add(entity, later, action, e.env, own_resource(e, action), rule_bit(kPostRevocation));
        ++made;
      }
      if (i % 8 == 0) {
        // Just before the revocation the credential is still good.
        add(entity, revoked - 1, action, e.env, own_resource(e, action), 0).negative = true;
      }
      continue;
    }
    // Suspended or decommissioned for the whole span, still holding valid credentials.
    const std::vector<uint32_t>& list = variant == 2 ? suspended_ : decommissioned_;
    int64_t t = 0;
    int32_t entity = pick(list, [&](uint32_t c) { return pick_time(c, 0, 0, &t); });
    if (entity < 0) return exhausted("post-revocation");
    const Entity& e = entities[entity];
    claim(entity, t, t);
    uint16_t action = 0;
    if (!choose_action(e, class_bit(ActionClass::kRead), &action)) return exhausted("read");
    add(entity, t, action, e.env, own_resource(e, action), rule_bit(kPostRevocation));
    ++made;
  }
  return Status();
}

Status Planner::plan_expired(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < count + negatives_; ++i) {
    bool negative = i >= count;
    uint32_t slot = 0;
    int64_t t = 0;
    int32_t entity = pick(agents_, [&](uint32_t c) {
      const Entity& e = entities[c];
      slot = static_cast<uint32_t>(rng_.below(model_.creds_per_entity()));
      int64_t expires = model_.slot_issued(e, slot) + model_.period();
      if (negative) {
        t = expires - 1;  // the last instant of its life: still valid
      } else if (i % 2 == 0) {
        t = expires;  // exactly at expires_at: expired
      } else {
        t = expires + rng_.range(kSecond, std::min<int64_t>(model_.period(), 20 * kMinute));
      }
      return model_.slot_issued(e, slot) >= model_.start() && t < model_.span_end() &&
             free_at(e, t, t);
    });
    if (entity < 0) return exhausted("expired-credential");
    const Entity& e = entities[entity];
    claim(entity, t, t);
    uint16_t action = 0;
    if (!choose_action(e, class_bit(ActionClass::kRead), &action)) return exhausted("read");
    Planned& p = add(entity, t, action, e.env, own_resource(e, action),
                     negative ? 0 : rule_bit(kExpiredCredential));
    p.cred = static_cast<int64_t>(static_cast<uint64_t>(entity) * model_.creds_per_entity() + slot);
    p.negative = negative;
  }
  return Status();
}

Status Planner::plan_freeze(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  const std::vector<Freeze>& freezes = model_.freezes();
  for (uint32_t i = 0; i < count; ++i) {
    int variant = static_cast<int>(i % 4);
    if (variant == 2) {
      // A delete with an ordinary (not break-glass) approval and a snapshot: only the freeze
      // is violated.
      AW_RETURN_IF_ERROR(
          plan_prod_delete(true, false, false, 1, true, rule_bit(kFreezeViolation), false));
      continue;
    }
    const std::vector<uint32_t>& list =
        variant == 3 && !staging_ops_.empty() ? staging_ops_ : prod_writers_;
    uint32_t classes =
        variant == 1 ? class_bit(ActionClass::kAdmin) : class_bit(ActionClass::kWrite);
    int64_t t = 0;
    uint16_t action = 0;
    std::string resource;
    int32_t entity = pick(list, [&](uint32_t c) {
      const Entity& e = entities[c];
      if (!choose_action(e, classes, &action) &&
          !choose_action(e, class_bit(ActionClass::kWrite), &action)) {
        return false;
      }
      const Freeze& f = freezes[rng_.below(freezes.size())];
      if ((f.envs & env_bit(e.env)) == 0) return false;
      if (!pick_time_in(c, f.from, f.until, 0, 0, &t)) return false;
      resource = own_resource(e, action);
      return model_.frozen(e.env, resource, t) &&
             model_.covers(e, kActions[action].tool, kActions[action].action_class, resource, e.env,
                           t) &&
             !model_.approved(c, kActions[action].action_class, resource, t, true);
    });
    if (entity < 0) return exhausted("freeze-violation");
    claim(entity, t, t);
    add(entity, t, action, entities[entity].env, resource, rule_bit(kFreezeViolation));
  }
  return Status();
}

// snapshot_kind: 0 none, 1 a successful snapshot shortly before, 2 one just older than the
// snapshot window, 3 a failed one shortly before, 4 one exactly at the window's edge.
Status Planner::plan_prod_delete(bool approval, bool expired_approval, bool wrong_approval,
                                 int snapshot_kind, bool want_frozen, uint32_t labels,
                                 bool negative) {
  std::vector<Entity>& entities = model_.entities();
  const Freeze* peak = nullptr;
  for (const Freeze& f : model_.freezes()) {
    if (f.id == "FRZ-PROD-PEAK") peak = &f;
  }
  const int64_t lo = want_frozen ? peak->from : model_.start();
  const int64_t hi = want_frozen ? peak->until : model_.span_end();
  const int64_t lead = kSnapshotWindow + kSecond;
  int64_t t = 0;
  std::string resource;
  int32_t entity = pick(dbas_, [&](uint32_t c) {
    // The snapshot, up to `lead` before, needs a valid credential too.
    const Entity& e = entities[c];
    if (!pick_time_in(c, std::max(lo, e.window_start + lead), hi, 0, 0, &t) ||
        !free_at(e, t - lead, t)) {
      return false;
    }
    resource = unique_table(entities[c]);
    return model_.frozen(kProd, resource, t) == want_frozen;
  });
  if (entity < 0) return exhausted("destructive");
  const Entity& e = entities[entity];
  std::string approval_id;
  if (approval || expired_approval) {
    // Approvals name the exact resource; a break-glass one where the delete falls in a freeze,
    // unless the freeze violation is the point.
    bool break_glass = want_frozen && !(labels & rule_bit(kFreezeViolation));
    int64_t from = floor_second(t - 40 * kMinute);
    int64_t until = expired_approval ? t : floor_second(t + 20 * kMinute);
    AW_RETURN_IF_ERROR(
        approve(static_cast<uint32_t>(entity), resource, from, until, break_glass, &approval_id));
  } else if (wrong_approval) {
    AW_RETURN_IF_ERROR(approve(static_cast<uint32_t>(entity), unique_table(e),
                               floor_second(t - 40 * kMinute), floor_second(t + 20 * kMinute),
                               false, &approval_id));
  }
  int64_t first = t;
  if (snapshot_kind != 0) {
    int64_t at = snapshot_kind == 2   ? t - kSnapshotWindow - 1
                 : snapshot_kind == 4 ? t - kSnapshotWindow
                                      : t - rng_.range(10 * kSecond, 5 * kMinute);
    Planned& s =
        add(entity, at, rng_.percent(50) ? kActSqlSnapshot : kActPgDump, kProd, resource, 0);
    if (snapshot_kind == 3) s.outcome = Outcome::kFailure;
    s.negative = negative;
    first = at;
  }
  claim(entity, first, t);
  Planned& d = add(entity, t, rng_.percent(70) ? kActSqlDropTable : kActSqlTruncate, kProd,
                   resource, labels);
  d.approval = approval_id;
  d.negative = negative;
  return Status();
}

Status Planner::plan_without_approval(uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    int variant = static_cast<int>(i % 3);
    AW_RETURN_IF_ERROR(plan_prod_delete(false, variant == 1, variant == 2, 1, false,
                                        rule_bit(kDestructiveWithoutApproval), false));
  }
  // During a freeze with neither approval nor snapshot, all three rules fire.
  uint32_t triples = violations_ == 0 ? 0 : std::max<uint32_t>(1, violations_ / 5);
  for (uint32_t i = 0; i < triples; ++i) {
    AW_RETURN_IF_ERROR(plan_prod_delete(false, false, false, 0, true,
                                        rule_bit(kFreezeViolation) |
                                            rule_bit(kDestructiveWithoutApproval) |
                                            rule_bit(kDestructiveWithoutSnapshot),
                                        false));
  }
  return Status();
}

Status Planner::plan_without_snapshot(uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    static constexpr int kSnapshotKinds[] = {0, 2, 3};
    AW_RETURN_IF_ERROR(plan_prod_delete(true, false, false, kSnapshotKinds[i % 3], false,
                                        rule_bit(kDestructiveWithoutSnapshot), false));
  }
  for (uint32_t i = 0; i < negatives_; ++i) {
    // A snapshot exactly snapshot_window before the delete still counts.
    AW_RETURN_IF_ERROR(plan_prod_delete(true, false, false, 4, false, 0, true));
  }
  return Status();
}

Status Planner::plan_long_lived(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < count; ++i) {
    bool static_cred = i % 2 == 0 || model_.creds_per_entity() == 1;
    int64_t t = 0;
    int32_t entity = pick(dormant_, [&](uint32_t c) {
      const Entity& e = entities[c];
      if (static_cred) return pick_time(c, 0, 0, &t);
      int64_t issued = model_.slot_issued(e, 1);
      return pick_time_in(c, issued, issued + kLongLivedTtl, 0, 0, &t) ||
             pick_time(c, 0, 0, &t);  // no room for the 4 h one: fall back to the static one
    });
    if (entity < 0) return exhausted("long-lived-credential");
    const Entity& e = entities[entity];
    claim(entity, t, t);
    uint16_t action = 0;
    if (!choose_action(e, class_bit(ActionClass::kRead), &action)) return exhausted("read");
    Planned& p =
        add(entity, t, action, e.env, own_resource(e, action), rule_bit(kLongLivedCredential));
    uint64_t base = static_cast<uint64_t>(entity) * model_.creds_per_entity();
    int64_t issued = model_.slot_issued(e, 1);
    bool long_one = !static_cred && t >= issued && t < issued + kLongLivedTtl;
    p.cred = static_cast<int64_t>(base + (long_one ? 1 : 0));
  }
  return Status();
}

Status Planner::plan_shared(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < count; ++i) {
    bool human = i % 2 == 1 && !humans_.empty();
    int64_t t = 0;
    int32_t owner = -1;
    int32_t entity = pick(agents_, [&](uint32_t c) {
      const Entity& e = entities[c];
      if (!pick_time(c, 0, 0, &t)) return false;
      // Another entity working the same env, whose credential is good at t.
      owner = pick(human ? humans_ : agents_, [&](uint32_t o) {
        const Entity& other = entities[o];
        return o != c && other.env == e.env && model_.in_window(other, t) && free_at(other, t, t);
      });
      return owner >= 0;
    });
    if (entity < 0) return exhausted("shared-credential");
    const Entity& e = entities[entity];
    claim(entity, t, t);
    claim(owner, t, t);
    uint16_t action = 0;
    if (!choose_action(e, class_bit(ActionClass::kRead), &action)) return exhausted("read");
    Planned& p =
        add(entity, t, action, e.env, own_resource(e, action), rule_bit(kSharedCredential));
    p.cred = model_.cred_at(static_cast<uint32_t>(owner), t);
  }
  return Status();
}

Status Planner::plan_env_crossing(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < count; ++i) {
    int64_t t = 0;
    int32_t entity = pick(duals_, [&](uint32_t c) { return pick_time(c, 0, 0, &t); });
    if (entity < 0) return exhausted("env-crossing");
    const Entity& e = entities[entity];
    claim(entity, t, t);
    uint16_t action = 0;
    if (!choose_action(e, class_bit(ActionClass::kRead), &action)) return exhausted("read");
    // Its scope covers the other env too; its credential was issued for its own.
    add(entity, t, action, e.other_env,
        resource_string(kActions[action].family, e.other_env, e.team, rng_.next()),
        rule_bit(kEnvCrossing));
  }
  return Status();
}

Status Planner::plan_separation(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < count + negatives_; ++i) {
    bool negative = i >= count;
    bool sign = i % 2 == 1;
    int64_t t = 0;
    int32_t entity =
        pick(publishers_, [&](uint32_t c) { return pick_time(c, 0, 15 * kMinute, &t); });
    if (entity < 0) return exhausted("release-separation-of-duties");
    const Entity& e = entities[entity];
    int64_t later = t + rng_.range(30 * kSecond, 10 * kMinute);
    claim(entity, t, later);
    std::string task = unique_task();
    std::string session = unique_session();
    if (!negative) {
      Planned& w = add(entity, t, kActEdit, e.env,
                       resource_string(Family::kCoding, e.env, e.team, rng_.next()), 0);
      w.task = task;
      w.session = session;
    }
    // Publish in the same task (another session), or sign in the same session (another task);
    // a near-miss publishes in a task and session where it wrote nothing.
    Planned& r = add(entity, later, sign ? kActCosignSign : kActNpmPublish, e.env,
                     resource_string(Family::kRelease, e.env, e.team, sign ? 0 : 1),
                     negative ? 0 : rule_bit(kReleaseSeparation));
    r.task = negative || sign ? unique_task() : task;
    r.session = negative || !sign ? unique_session() : session;
    r.negative = negative;
  }
  return Status();
}

Status Planner::plan_escalation(uint32_t count) {
  std::vector<Entity>& entities = model_.entities();
  for (uint32_t i = 0; i < count + negatives_; ++i) {
    // Near-misses: an IAM service (not an agent) escalating.
    bool negative = i >= count && !iam_services_.empty();
    int64_t t = 0;
    uint16_t action = 0;
    std::string resource;
    int32_t entity = pick(negative ? iam_services_ : iam_ops_, [&](uint32_t c) {
      const Entity& e = entities[c];
      if (!pick_time(c, 0, 0, &t)) return false;
      do {
        action = static_cast<uint16_t>(rng_.below(kActionCount));
      } while (kActions[action].action_class != ActionClass::kEscalate);
      resource = resource_string(Family::kIam, e.env, e.team, rng_.next());
      return !model_.frozen(e.env, resource, t);
    });
    if (entity < 0) return exhausted("privilege-escalation");
    claim(entity, t, t);
    Planned& p = add(entity, t, action, entities[entity].env, resource,
                     negative ? 0 : rule_bit(kPrivilegeEscalation));
    p.negative = negative;
  }
  return Status();
}

Status Planner::plan_burst(uint32_t count, bool denied) {
  std::vector<Entity>& entities = model_.entities();
  const int threshold = denied ? kDeniedBurstThreshold : kDeleteBurstThreshold;
  for (uint32_t i = 0; i < count + negatives_; ++i) {
    bool negative = i >= count;
    // Bursts cross the threshold inside 30 s; near-misses reach it exactly within 50 s.
    int n = negative ? threshold : static_cast<int>(rng_.range(threshold + 1, threshold + 6));
    int64_t duration = negative ? 50 * kSecond : 30 * kSecond;
    int64_t t = 0;
    int32_t entity = pick(denied ? agents_ : dev_deleters_,
                          [&](uint32_t c) { return pick_time(c, 0, duration, &t); });
    if (entity < 0) return exhausted(denied ? "denied-burst" : "destructive-burst");
    Entity& e = entities[entity];
    int64_t step = duration / n;
    int64_t last = t;
    for (int j = 0; j < n; ++j) {
      int64_t at = t + j * step + rng_.range(0, step / 2);
      uint16_t action = 0;
      if (!choose_action(e, class_bit(denied ? ActionClass::kRead : ActionClass::kDelete),
                         &action)) {
        return exhausted("burst");
      }
      Planned& p = add(
          entity, at, action, e.env, own_resource(e, action),
          j == threshold && !negative ? rule_bit(denied ? kDeniedBurst : kDestructiveBurst) : 0);
      if (denied) p.outcome = Outcome::kDenied;
      p.negative = negative;
      last = at;
    }
    claim(entity, t, last);
    e.quiet.push_back({t - kClaimMargin, last + kClaimMargin});
  }
  return Status();
}

// ---------------------------------------------------------------------------------------------
// validate_plan: the plan re-judged by the rule semantics at the top of this file. Background
// traffic is left out: it is built to fire nothing, and where it could interact (bursts,
// revoked credentials, snapshots) the plan keeps it away.

std::string describe(const Model& model, const Planned& p) {
  std::string text = ingest::format_rfc3339(p.ts) + " ";
  text += p.entity >= 0 ? model.entities()[p.entity].id : p.actor_id;
  text += " " + std::string(kActions[p.action].tool) + " " + std::string(kActions[p.action].verb) +
          " " + p.resource + " " + std::string(kEnvNames[p.env]);
  return text;
}

std::string rule_list(uint32_t bits) {
  std::string text;
  for (int r = 0; r < kWorkloadRuleCount; ++r) {
    if (bits & (1u << r)) text += (text.empty() ? "" : ",") + std::string(kWorkloadRuleIds[r]);
  }
  return text.empty() ? "none" : text;
}

Status validate_plan(const Model& model, const std::vector<Planned>& planned) {
  const std::vector<Entity>& entities = model.entities();
  std::map<std::string, std::vector<int64_t>> snapshots;
  for (const Planned& p : planned) {
    if (kActions[p.action].action_class == ActionClass::kSnapshot &&
        p.outcome == Outcome::kSuccess) {
      snapshots[p.resource].push_back(p.ts);
    }
  }
  std::map<int32_t, std::set<std::string>> written_tasks, written_sessions;
  std::map<int32_t, std::vector<int64_t>> deletes, denials;
  std::map<int32_t, bool> delete_fired, denied_fired;
  for (const Planned& p : planned) {
    const ActionDef& a = kActions[p.action];
    uint32_t fired = 0;
    if (p.entity < 0) {
      fired = rule_bit(kUnregisteredActor);
    } else {
      const Entity& e = entities[p.entity];
      if (!model.covers(e, a.tool, a.action_class, p.resource, p.env, p.ts)) {
        fired |= rule_bit(kOutOfScope);
      }
      if (p.cred < 0)
        return Status::internal("planned event without credential: " + describe(model, p));
      CredentialView c = model.credential(static_cast<uint64_t>(p.cred));
      bool revoked = c.revoked != kNoTime && c.revoked <= p.ts;
      if (revoked || e.standing != Standing::kActive) fired |= rule_bit(kPostRevocation);
      if (c.expires != kNoTime && c.expires <= p.ts && !revoked) {
        fired |= rule_bit(kExpiredCredential);
      }
      if ((kFreezeClasses & class_bit(a.action_class)) && model.frozen(p.env, p.resource, p.ts) &&
          !model.approved(static_cast<uint32_t>(p.entity), a.action_class, p.resource, p.ts,
                          true)) {
        fired |= rule_bit(kFreezeViolation);
      }
      if (a.action_class == ActionClass::kDelete && p.env == kProd) {
        if (!model.approved(static_cast<uint32_t>(p.entity), a.action_class, p.resource, p.ts,
                            false)) {
          fired |= rule_bit(kDestructiveWithoutApproval);
        }
        bool snapshot = false;
        for (int64_t s : snapshots[p.resource]) {
          snapshot |= s >= p.ts - kSnapshotWindow && s <= p.ts;
        }
        if (!snapshot) fired |= rule_bit(kDestructiveWithoutSnapshot);
      }
      if (e.kind == Kind::kAgent &&
          (c.kind == "static" ||
           (c.expires != kNoTime && c.expires - c.issued > kMaxCredentialTtl))) {
        fired |= rule_bit(kLongLivedCredential);
      }
      if (c.owner != static_cast<uint32_t>(p.entity) ||
          (c.kind == "human" && e.kind == Kind::kAgent)) {
        fired |= rule_bit(kSharedCredential);
      }
      if (c.env != p.env) fired |= rule_bit(kEnvCrossing);
      if (a.action_class == ActionClass::kEscalate && e.kind == Kind::kAgent) {
        fired |= rule_bit(kPrivilegeEscalation);
      }
      if (a.action_class == ActionClass::kPublish || a.action_class == ActionClass::kSign) {
        if (written_tasks[p.entity].count(p.task) || written_sessions[p.entity].count(p.session)) {
          fired |= rule_bit(kReleaseSeparation);
        }
      }
      if (a.action_class == ActionClass::kWrite && p.resource.rfind("repo:", 0) == 0) {
        // Planned code writes always name their task and session.
        if (!p.task.empty()) written_tasks[p.entity].insert(p.task);
        if (!p.session.empty()) written_sessions[p.entity].insert(p.session);
      }
      auto burst = [&](std::vector<int64_t>& times, bool& was_above, int threshold, Rule rule) {
        while (!times.empty() && times.front() <= p.ts - kBurstWindow) times.erase(times.begin());
        if (static_cast<int>(times.size()) <= threshold) was_above = false;
        times.push_back(p.ts);
        if (static_cast<int>(times.size()) > threshold && !was_above) {
          fired |= rule_bit(rule);
          was_above = true;
        }
      };
      if (a.action_class == ActionClass::kDelete) {
        burst(deletes[p.entity], delete_fired[p.entity], kDeleteBurstThreshold, kDestructiveBurst);
      }
      if (p.outcome == Outcome::kDenied) {
        burst(denials[p.entity], denied_fired[p.entity], kDeniedBurstThreshold, kDeniedBurst);
      }
    }
    if (fired != p.labels) {
      return Status::internal("planned event " + describe(model, p) + " is labelled " +
                              rule_list(p.labels) + " but fires " + rule_list(fired));
    }
  }
  return Status();
}

// ---------------------------------------------------------------------------------------------
// Output files.

class OutputFile {
 public:
  // Performance note: 8 MiB batches make fwrite cost a few syscalls per 20k events.
  static constexpr size_t kCapacity = 8 << 20;
  // Room reserved before writing one line; lines are far shorter.
  static constexpr size_t kMaxLine = 4096;

  ~OutputFile() {
    if (file_) std::fclose(file_);
  }
  Status open(const std::string& path) {
    path_ = path;
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) return Status::io_error("cannot write " + path + ": " + std::strerror(errno));
    buffer_ = std::make_unique<char[]>(kCapacity);
    return Status();
  }
  // A cursor with at least kMaxLine bytes of room.
  char* reserve() {
    if (kCapacity - used_ < kMaxLine) flush();
    return buffer_.get() + used_;
  }
  void commit(char* end) {
    size_t length = static_cast<size_t>(end - (buffer_.get() + used_));
    used_ += length;
    bytes_ += length;
  }
  void write(std::string_view text) {
    while (!text.empty()) {
      char* p = reserve();
      size_t n = std::min(text.size(), kCapacity - used_);
      commit(put(p, text.substr(0, n)));
      text.remove_prefix(n);
    }
  }
  Status close() {
    flush();
    int closed = std::fclose(file_);
    file_ = nullptr;
    if (failed_ || closed != 0) return Status::io_error("cannot write " + path_);
    return Status();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  void flush() {
    if (used_ > 0 && std::fwrite(buffer_.get(), 1, used_, file_) != used_) failed_ = true;
    used_ = 0;
  }
  std::string path_;
  FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  size_t used_ = 0;
  uint64_t bytes_ = 0;
  bool failed_ = false;
};

// Able to change prod: active, not human, with a scope over prod that allows a change class.
// Scopes are valid over the whole generated span (temporary grants are read-only).
bool prod_writer(const Entity& e) {
  if (e.kind == Kind::kHuman || e.standing != Standing::kActive) return false;
  for (const Scope& s : e.scopes) {
    if ((s.envs == 0 || (s.envs & env_bit(kProd))) &&
        (s.classes == 0 || (s.classes & kFreezeClasses))) {
      return true;
    }
  }
  return false;
}

std::string yaml_time(int64_t us) {
  std::string text = ingest::format_rfc3339(us);
  if (us % kSecond == 0) text.erase(19), text.push_back('Z');  // no ".000000"
  return text;
}

void yaml_list(std::string& out, const std::vector<std::string>& items, bool quoted) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    if (quoted) out += '"';
    out += items[i];
    if (quoted) out += '"';
  }
  out += ']';
}

void yaml_classes(std::string& out, uint32_t classes) {
  std::vector<std::string> names;
  for (int c = 1; c < ingest::kActionClassCount; ++c) {
    if (classes & (1u << c)) {
      names.emplace_back(ingest::action_class_name(static_cast<ActionClass>(c)));
    }
  }
  yaml_list(out, names, false);
}

void yaml_envs(std::string& out, uint32_t envs) {
  std::vector<std::string> names;
  for (int env = 0; env < kEnvCount; ++env) {
    if (envs & (1u << env)) names.emplace_back(kEnvNames[env]);
  }
  yaml_list(out, names, false);
}

Status write_registry(const Model& model, const std::string& path, WorkloadSummary* summary,
                      WorkloadTruth* truth) {
  OutputFile file;
  AW_RETURN_IF_ERROR(file.open(path));
  const WorkloadOptions& o = model.options();
  std::string out;
  out.reserve(1 << 20);
  out += "# agentwatch gen --seed " + std::to_string(o.seed) + " --events " +
         std::to_string(o.events) + " --agents " + std::to_string(o.agents) +
         " --credentials-per-agent " + std::to_string(o.credentials_per_agent) + " --start " +
         yaml_time(o.start_us) + " --hours " + std::to_string(o.hours) + " --violations-per-rule " +
         std::to_string(o.violations_per_rule) +
         "\n# Synthetic registry; labels.jsonl lists the violations injected into events.jsonl.\n";
  out +=
      "policy:\n  max_credential_ttl: 1h\n  snapshot_window: 15m\n"
      "  snapshot_required_envs: [prod]\n  approval_required_envs: [prod]\n";
  static constexpr std::string_view kStanding[] = {"active", "suspended", "decommissioned"};
  out += "agents:\n";
  for (const Entity& e : model.entities()) {
    truth->add_identity({e.id, std::string(kind_name(e.kind)), e.has_owner, prod_writer(e)});
    out += "  - id: " + e.id + "\n";
    if (e.has_owner) out += "    owner: team-" + std::string(kTeams[e.team]) + "\n";
    out += "    kind: " + std::string(kind_name(e.kind)) + "\n";
    out += "    status: " + std::string(kStanding[static_cast<int>(e.standing)]) + "\n";
    out += "    scopes:\n";
    for (const Scope& s : e.scopes) {
      out += "      - tools: ";
      yaml_list(out, s.tools, true);
      out += "\n        classes: ";
      yaml_classes(out, s.classes);
      out += "\n        resources: ";
      yaml_list(out, s.resources, true);
      out += "\n        envs: ";
      yaml_envs(out, s.envs);
      out += "\n";
      if (s.from != kNoTime) out += "        from: " + yaml_time(s.from) + "\n";
      if (s.until != kNoTime) out += "        until: " + yaml_time(s.until) + "\n";
    }
    if (out.size() > (1 << 20)) file.write(out), out.clear();
  }
  out += "credentials:\n";
  const uint64_t total = model.entities().size() * static_cast<uint64_t>(model.creds_per_entity());
  for (uint64_t i = 0; i < total; ++i) {
    CredentialView c = model.credential(i);
    truth->add_credential(
        {model.cred_id(i), c.owner, std::string(c.kind), c.issued, c.expires, c.revoked});
    out += "  - {id: " + model.cred_id(i) + ", agent: " + model.entities()[c.owner].id +
           ", kind: " + std::string(c.kind) + ", env: " + std::string(kEnvNames[c.env]) +
           ", issued_at: " + yaml_time(c.issued);
    if (c.expires != kNoTime) out += ", expires_at: " + yaml_time(c.expires);
    if (c.revoked != kNoTime) out += ", revoked_at: " + yaml_time(c.revoked);
    out += "}\n";
    if (out.size() > (1 << 20)) file.write(out), out.clear();
  }
  out += "freezes:\n";
  for (const Freeze& f : model.freezes()) {
    out += "  - id: " + f.id + "\n    envs: ";
    yaml_envs(out, f.envs);
    out += "\n    resources: ";
    yaml_list(out, f.resources, true);
    out += "\n    from: " + yaml_time(f.from) + "\n    until: " + yaml_time(f.until) +
           "\n    reason: \"" + f.reason + "\"\n";
  }
  out += "approvals:\n";
  for (const Approval& a : model.approvals()) {
    out += "  - id: " + a.id + "\n    agent: " + model.entities()[a.entity].id + "\n    classes: ";
    yaml_classes(out, a.classes);
    out += "\n    resources: ";
    yaml_list(out, a.resources, true);
    out += "\n    from: " + yaml_time(a.from) + "\n    until: " + yaml_time(a.until) +
           "\n    approvers: [" + std::string(kApprovers[a.approvers]) + ", " +
           std::string(kApprovers[(a.approvers + 1) % std::size(kApprovers)]) +
           "]\n    break_glass: " + (a.break_glass ? "true" : "false") + "\n";
  }
  file.write(out);
  summary->agents = model.entities().size();
  summary->credentials = total;
  summary->freezes = model.freezes().size();
  summary->approvals = model.approvals().size();
  return file.close();
}

// ---------------------------------------------------------------------------------------------
// The event stream.

class Streamer {
 public:
  Streamer(const Model& model, std::vector<Planned>& planned, Rng& rng, OutputFile& events,
           OutputFile& labels, WorkloadSummary* summary, WorkloadTruth* truth)
      : model_(model),
        planned_(planned),
        rng_(rng),
        events_(events),
        labels_(labels),
        summary_(summary),
        truth_(truth),
        delete_ring_(model.entities().size() * kBackgroundDeleteCap, kNoTime),
        denied_ring_(model.entities().size() * kBackgroundDeniedCap, kNoTime),
        delete_head_(model.entities().size(), 0),
        denied_head_(model.entities().size(), 0) {
    build_tables();
  }

  void run(uint64_t background, uint64_t duplicates, uint32_t gaps);
  bool failed() const { return failed_; }

 private:
  struct Fields {
    int64_t ts = 0;
    uint64_t id = 0;  // hashed into the event id
    Source source = kGatewayEu;
    int32_t entity = -1;
    std::string_view actor_id;
    int64_t cred = -1;
    uint16_t action = 0;
    Env env = kDev;
    std::string_view resource;
    Outcome outcome = Outcome::kSuccess;
    std::string_view approval;
    std::string_view session;  // empty: derived from entity and ts
    std::string_view task;
    uint32_t labels = 0;
    bool gap = false;
  };

  // Background tools of an entity: its primary families, classes its scope allows, never a
  // prod delete, an escalation by an agent, or a publish/sign outside release bots.
  struct ActionTable {
    uint16_t actions[kActionCount];
    uint32_t cumulative[kActionCount];
    uint32_t count = 0;
  };
  void build_tables();
  uint16_t background_action(uint32_t entity) {
    const ActionTable& table = tables_[entity_table_[entity]];
    uint32_t r = static_cast<uint32_t>(rng_.below(table.cumulative[table.count - 1]));
    uint32_t i = 0;
    while (table.cumulative[i] <= r) ++i;
    return table.actions[i];
  }
  void emit_background(uint64_t index, int64_t t);
  void emit_planned(const Planned& p);
  // Writes one record (and a pending retry before it when due), its labels, and keeps a copy
  // of the line when it is to be re-sent.
  void write(const Fields& f, bool keep_for_duplicate);
  void record_truth(const Fields& f, uint64_t seq);
  void track(const Fields& f);
  bool may_delete(uint32_t entity, int64_t t) const;
  bool may_deny(uint32_t entity, int64_t t) const;
  static bool quiet(const Entity& e, int64_t t) {
    for (const Interval& q : e.quiet) {
      if (t >= q.from && t <= q.until) return true;
    }
    return false;
  }
  void flush_duplicate();

  const Model& model_;
  std::vector<Planned>& planned_;
  Rng& rng_;
  OutputFile& events_;
  OutputFile& labels_;
  WorkloadSummary* summary_;
  WorkloadTruth* truth_;
  uint64_t next_id_ = 0;
  bool failed_ = false;
  uint64_t seq_[kSourceCount] = {};
  bool started_[kSourceCount] = {};
  // The last deletes and denials of each entity (ring buffers), for the background caps.
  std::vector<int64_t> delete_ring_;
  std::vector<int64_t> denied_ring_;
  std::vector<uint8_t> delete_head_;
  std::vector<uint8_t> denied_head_;
  // Dup and gap positions are background indices; each applies to the first fitting record.
  std::vector<uint64_t> dup_at_;
  std::vector<uint64_t> gap_at_;
  size_t next_dup_ = 0;
  size_t next_gap_ = 0;
  // A producer retry waiting to be re-sent: at most a few records later, and always before the
  // next record of its own source, so its seq never sits between two others of that source.
  std::string pending_;
  Source pending_source_ = kGatewayEu;
  int pending_countdown_ = -1;
  std::vector<ActionTable> tables_;
  std::vector<uint32_t> entity_table_;
  char resource_buffer_[256];
};

void Streamer::run(uint64_t background, uint64_t duplicates, uint32_t gaps) {
  for (int s = 0; s < kSourceCount; ++s) seq_[s] = 1 + rng_.below(1000000);
  auto positions = [&](uint64_t count) {
    // Spread over the middle of the stream, where every source has started.
    std::vector<uint64_t> out;
    if (background < 100) return out;
    for (uint64_t i = 0; i < count; ++i) {
      out.push_back(background / 20 + rng_.below(background * 9 / 10 - background / 20));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  dup_at_ = positions(duplicates);
  gap_at_ = positions(gaps);

  const int64_t start = model_.start();
  const int64_t length = model_.background_end() - start;
  size_t next_planned = 0;
  for (uint64_t i = 0; i < background; ++i) {
    // Evenly spaced slots with a random instant in each: strictly time-ordered.
    int64_t base =
        start + static_cast<int64_t>(static_cast<unsigned __int128>(i) * length / background);
    int64_t next =
        start + static_cast<int64_t>(static_cast<unsigned __int128>(i + 1) * length / background);
    int64_t t = next > base ? base + static_cast<int64_t>(rng_.below(next - base)) : base;
    while (next_planned < planned_.size() && planned_[next_planned].ts <= t) {
      emit_planned(planned_[next_planned++]);
    }
    emit_background(i, t);
  }
  while (next_planned < planned_.size()) emit_planned(planned_[next_planned++]);
  flush_duplicate();
}

bool Streamer::may_delete(uint32_t entity, int64_t t) const {
  // The oldest of the last kBackgroundDeleteCap deletes must have left the 60 s window.
  int64_t oldest = delete_ring_[entity * kBackgroundDeleteCap + delete_head_[entity]];
  return (oldest == kNoTime || oldest <= t - kBurstWindow) && !quiet(model_.entities()[entity], t);
}

bool Streamer::may_deny(uint32_t entity, int64_t t) const {
  int64_t oldest = denied_ring_[entity * kBackgroundDeniedCap + denied_head_[entity]];
  return (oldest == kNoTime || oldest <= t - kBurstWindow) && !quiet(model_.entities()[entity], t);
}

void Streamer::track(const Fields& f) {
  if (f.entity < 0) return;
  uint32_t e = static_cast<uint32_t>(f.entity);
  if (kActions[f.action].action_class == ActionClass::kDelete) {
    delete_ring_[e * kBackgroundDeleteCap + delete_head_[e]] = f.ts;
    delete_head_[e] = static_cast<uint8_t>((delete_head_[e] + 1) % kBackgroundDeleteCap);
  }
  if (f.outcome == Outcome::kDenied) {
    denied_ring_[e * kBackgroundDeniedCap + denied_head_[e]] = f.ts;
    denied_head_[e] = static_cast<uint8_t>((denied_head_[e] + 1) % kBackgroundDeniedCap);
  }
}

void Streamer::emit_background(uint64_t index, int64_t t) {
  uint32_t entity = model_.pick_background(rng_, t);
  const std::vector<Entity>& entities = model_.entities();
  for (int attempt = 0; !model_.usable_in_background(entities[entity], t); ++attempt) {
    if (attempt < 32) {
      entity = model_.pick_background(rng_, t);
      continue;
    }
    // Rare: scan the pool from a random place for an entity on duty.
    const std::vector<uint32_t>& pool = model_.pool();
    size_t offset = rng_.below(pool.size());
    bool found = false;
    for (size_t k = 0; k < pool.size() && !found; ++k) {
      entity = pool[(offset + k) % pool.size()];
      found = model_.usable_in_background(entities[entity], t);
    }
    if (!found) failed_ = true;  // nobody on duty: cannot happen with checked options
    break;
  }
  const Entity& e = entities[entity];
  Fields f;
  f.ts = t;
  f.entity = static_cast<int32_t>(entity);
  f.actor_id = e.id;
  f.env = e.env;
  f.cred = model_.cred_at(entity, t);

  // The action: mostly from the entity's primary scope, sometimes its temporary grant.
  uint32_t team = e.team;
  bool shared = e.has_temp && t >= e.temp_from && t < e.temp_until && rng_.percent(10);
  if (shared) {
    f.action = kActSqlSelect;
  } else {
    f.action = background_action(entity);
  }
  Family family = kActions[f.action].family;
  size_t length;
  if (shared) {
    char* p = put(put(put(resource_buffer_, "db:"), kEnvNames[e.env]), "/shared/");
    p = put(p, kTables[rng_.below(std::size(kTables))]);
    length = static_cast<size_t>(p - resource_buffer_);
  } else {
    length = format_resource(family, e.env, team, rng_.next(), resource_buffer_);
  }
  f.resource = std::string_view(resource_buffer_, length);
  ActionClass action_class = kActions[f.action].action_class;
  // Background never writes into a freeze and never completes a burst: it reads instead.
  if (((kFreezeClasses & class_bit(action_class)) && model_.frozen(e.env, f.resource, t)) ||
      (action_class == ActionClass::kDelete && !may_delete(entity, t))) {
    f.action = kFamilyRead[static_cast<int>(family)];
  }
  uint64_t roll = rng_.below(1000);
  f.outcome = roll < 25                          ? Outcome::kFailure
              : roll < 28 && may_deny(entity, t) ? Outcome::kDenied
                                                 : Outcome::kSuccess;
  f.source = source_for(kActions[f.action].family, e.gateway);
  f.id = next_id_++;
  if (next_gap_ < gap_at_.size() && index >= gap_at_[next_gap_] && started_[f.source]) {
    f.gap = true;
    f.labels = rule_bit(kAuditGap);
    ++next_gap_;
  }
  bool duplicate = false;
  if (!f.gap && next_dup_ < dup_at_.size() && index >= dup_at_[next_dup_] &&
      kActions[f.action].action_class != ActionClass::kDelete && f.outcome != Outcome::kDenied) {
    duplicate = true;
    ++next_dup_;
  }
  write(f, duplicate);
}

void Streamer::emit_planned(const Planned& p) {
  Fields f;
  f.ts = p.ts;
  f.entity = p.entity;
  f.cred = p.cred;
  f.action = p.action;
  f.env = p.env;
  f.resource = p.resource;
  f.outcome = p.outcome;
  f.approval = p.approval;
  f.session = p.session;
  f.task = p.task;
  f.labels = p.labels;
  f.id = next_id_++;
  if (p.entity >= 0) {
    const Entity& e = model_.entities()[p.entity];
    f.actor_id = e.id;
    f.source = source_for(kActions[p.action].family, e.gateway);
  } else {
    f.actor_id = p.actor_id;
    f.source = static_cast<Source>(p.source);
  }
  ++summary_->injected_events;
  if (p.negative) ++summary_->negative_events;
  write(f, false);
}

void Streamer::build_tables() {
  std::map<uint64_t, uint32_t> index;
  const std::vector<Entity>& entities = model_.entities();
  entity_table_.assign(entities.size(), 0);
  for (uint32_t i = 0; i < entities.size(); ++i) {
    const Entity& e = entities[i];
    if (!e.in_pool) continue;
    const uint32_t classes = e.scopes[0].classes;
    const uint64_t key = (static_cast<uint64_t>(classes) << 16) |
                         (static_cast<uint64_t>(e.profile) << 8) |
                         (static_cast<uint64_t>(e.kind) << 4) | e.env;
    auto [it, inserted] = index.emplace(key, static_cast<uint32_t>(tables_.size()));
    entity_table_[i] = it->second;
    if (!inserted) continue;
    ActionTable table;
    uint32_t total = 0;
    for (size_t a = 0; a < kActionCount; ++a) {
      const ActionDef& def = kActions[a];
      bool family = profile_uses(e.profile, def.family);
      ActionClass c = def.action_class;
      if (!family || (classes & class_bit(c)) == 0) continue;
      if (c == ActionClass::kDelete && e.env == kProd) continue;
      if (c == ActionClass::kEscalate && e.kind == Kind::kAgent) continue;
      if ((c == ActionClass::kPublish || c == ActionClass::kSign) &&
          e.profile != Profile::kRelease) {
        continue;
      }
      total += def.weight;
      table.actions[table.count] = static_cast<uint16_t>(a);
      table.cumulative[table.count] = total;
      ++table.count;
    }
    tables_.push_back(table);
  }
}

void Streamer::flush_duplicate() {
  if (pending_countdown_ < 0) return;
  events_.write(pending_);
  ++summary_->duplicates;
  ++summary_->events;
  pending_countdown_ = -1;
}

void Streamer::write(const Fields& f, bool keep_for_duplicate) {
  if (pending_countdown_ == 0 || (pending_countdown_ > 0 && pending_source_ == f.source)) {
    flush_duplicate();
  } else if (pending_countdown_ > 0) {
    --pending_countdown_;
  }
  uint64_t& seq = seq_[f.source];
  seq += f.gap ? 2 + rng_.below(50) : 1;  // a gap skips 1 to 50 numbers
  started_[f.source] = true;
  const ActionDef& action = kActions[f.action];
  const Entity* e = f.entity >= 0 ? &model_.entities()[f.entity] : nullptr;

  char* line = events_.reserve();
  char* p = put(line, "{\"ts\":\"");
  p = put_time(p, f.ts);
  p = put(p, "\",\"id\":\"evt-");
  char event_id[20];  // a copy: flushing the buffer may overwrite the line
  put_hex(put(event_id, "evt-"), model_.event_hash(f.id), 16);
  p = put_hex(p, model_.event_hash(f.id), 16);
  p = put(p, "\",\"source\":\"");
  p = put(p, kSourceNames[f.source]);
  p = put(p, "\",\"seq\":");
  p = put_u64(p, seq);
  p = put(p, ",\"actor\":{\"id\":\"");
  p = put(p, f.actor_id);
  p = put(p, "\",\"type\":\"");
  p = put(p, e ? kind_name(e->kind) : "agent");
  p = put(p, "\"}");
  if (f.cred >= 0) {
    p = put(p, ",\"credential\":{\"id\":\"tok-");
    p = put_hex(p, model_.cred_hash(static_cast<uint64_t>(f.cred)), 16);
    p = put(p, "\"}");
  }
  // Sessions last about 30 minutes and tasks about 10, staggered per entity.
  const uint64_t salt = model_.session_salt();
  const uint64_t key = static_cast<uint64_t>(f.entity >= 0 ? f.entity : 0xffffffff) << 32;
  const int64_t since = f.ts - model_.start();
  const int64_t phase = static_cast<int64_t>(mix64(key ^ salt) % (30 * kMinute));
  p = put(p, ",\"session\":\"");
  if (!f.session.empty()) {
    p = put(p, f.session);
  } else {
    uint64_t bucket = e ? static_cast<uint64_t>((since + phase) / (30 * kMinute)) : f.id;
    p = put_hex(put(p, "sess-"), mix64(key ^ bucket ^ salt), 12);
  }
  p = put(p, "\"");
  if (!f.task.empty() || e) {
    static constexpr std::string_view kTaskPrefix[] = {"CHG-", "DATA-", "OPS-",  "S3-",
                                                       "TF-",  "REL-",  "DEPS-", "IAM-"};
    p = put(p, ",\"task\":\"");
    if (!f.task.empty()) {
      p = put(p, f.task);
    } else {
      uint64_t bucket = static_cast<uint64_t>((since + phase) / (10 * kMinute));
      p = put(p, kTaskPrefix[static_cast<int>(e->profile)]);
      p = put_u64(p, 100000 + mix64(key ^ bucket ^ ~salt) % 900000);
    }
    p = put(p, "\"");
  }
  p = put(p, ",\"action\":{\"tool\":\"");
  p = put(p, action.tool);
  p = put(p, "\"");
  if (!action.verb.empty()) p = put(put(put(p, ",\"verb\":\""), action.verb), "\"");
  if (!model_.omittable(f.action) || !rng_.percent(15)) {
    p = put(put(put(p, ",\"class\":\""), ingest::action_class_name(action.action_class)), "\"");
  }
  p = put(p, "},\"resource\":{\"type\":\"");
  p = put(p, kResourceTypes[static_cast<int>(action.family)]);
  p = put(p, "\",\"name\":\"");
  p = put(p, f.resource);
  p = put(p, "\"},\"env\":\"");
  p = put(p, kEnvNames[f.env]);
  p = put(p, "\",\"outcome\":\"");
  p = put(p, ingest::outcome_name(f.outcome));
  p = put(p, "\"");
  if (!f.approval.empty()) p = put(put(put(p, ",\"approval\":\""), f.approval), "\"");
  p = put(p, ",\"src_ip\":\"");
  if (e) {
    uint32_t n = static_cast<uint32_t>(f.entity);
    p = put(p, "10.");
    p = put_u64(put(put_u64(put(put_u64(p, 16 + (n >> 16) % 200), "."), (n >> 8) & 255), "."),
                n & 255);
  } else {
    p = put_u64(put(p, "203.0.113."), 1 + f.id % 250);
  }
  p = put(p, "\",\"attrs\":{");
  switch (action.family) {
    case Family::kCoding:
      p = put(p, "\"model\":\"claude-sonnet-4-5\",");
      break;
    case Family::kSql:
      p = put(put_u64(put(p, "\"rows\":"), rng_.below(5000)), ",");
      break;
    case Family::kK8s:
      p = put(p, "\"user_agent\":\"kubectl/1.31.2\",");
      break;
    default:
      break;
  }
  p = put(put_u64(put(p, "\"latency_ms\":"), 1 + rng_.below(2000)), "}}\n");
  events_.commit(p);
  ++summary_->events;

  if (keep_for_duplicate) {
    // Copy before re-sending an older retry, whose write may flush and reuse the buffer.
    std::string copy(line, p);
    flush_duplicate();
    pending_.swap(copy);
    pending_source_ = f.source;
    pending_countdown_ = static_cast<int>(rng_.below(4));
  }
  for (int r = 0; r < kWorkloadRuleCount; ++r) {
    if ((f.labels & (1u << r)) == 0) continue;
    char* q = labels_.reserve();
    q = put(put(put(q, "{\"rule\":\""), kWorkloadRuleIds[r]), "\",\"event_id\":\"");
    labels_.commit(put(put(q, std::string_view(event_id, 20)), "\"}\n"));
    ++summary_->labels;
    ++summary_->labels_per_rule[r];
  }
  record_truth(f, seq);
  track(f);
}

void Streamer::record_truth(const Fields& f, uint64_t seq) {
  const ActionDef& action = kActions[f.action];
  WorkloadTruth::Record r;
  r.ts = f.ts;
  r.source = kSourceNames[f.source];
  r.seq = seq;
  r.entity = f.entity;
  r.actor_id = f.actor_id;
  r.credential = f.cred;
  r.action_class = action.action_class;
  r.env = kEnvNames[f.env];
  r.resource = f.resource;
  r.outcome = f.outcome;
  r.labels = f.labels;
  r.frozen = model_.frozen(f.env, f.resource, f.ts);
  if (f.entity >= 0) {
    const uint32_t entity = static_cast<uint32_t>(f.entity);
    if (action.action_class == ActionClass::kDelete) {
      r.approved = model_.approved(entity, action.action_class, f.resource, f.ts, false);
    }
    if (r.frozen) {
      r.break_glass = model_.approved(entity, action.action_class, f.resource, f.ts, true);
    }
  }
  truth_->record(r);
}

Status check_options(const WorkloadOptions& o) {
  if (o.agents < 100 || o.agents > 1000000) {
    return Status::invalid_argument("--agents must be between 100 and 1000000");
  }
  if (o.hours < 1 || o.hours > 24 * 366) {
    return Status::invalid_argument("--hours must be between 1 and 8784");
  }
  if (o.credentials_per_agent < 1 || o.credentials_per_agent > 60 * o.hours) {
    return Status::invalid_argument(
        "--credentials-per-agent must be between 1 and 60 per hour (credentials live at least "
        "a minute)");
  }
  if (o.credentials_per_agent < o.hours && o.hours - o.credentials_per_agent + 1 > o.agents / 50) {
    // Entities work shifts of credentials_per_agent hours; each shift needs enough of them.
    return Status::invalid_argument(
        "--hours exceeds --credentials-per-agent by too much for --agents (at most agents/50 "
        "shifts)");
  }
  if (static_cast<uint64_t>(o.agents) * o.credentials_per_agent > 20000000) {
    return Status::invalid_argument("--agents times --credentials-per-agent must be at most 20M");
  }
  if (o.events < 1 || o.events > 10000000000ULL) {
    return Status::invalid_argument("--events must be between 1 and 10000000000");
  }
  if (o.violations_per_rule > 100000) {
    return Status::invalid_argument("--violations-per-rule must be at most 100000");
  }
  if (o.start_us < 0 || o.start_us > ingest::kMaxTimeUs - 400LL * kDay - o.hours * kHour) {
    return Status::invalid_argument("--start must lie between 1970 and 9998");
  }
  return Status();
}

}  // namespace

Status generate_workload(const WorkloadOptions& options, const std::string& out_dir,
                         WorkloadSummary* summary) {
  AW_RETURN_IF_ERROR(check_options(options));
  *summary = WorkloadSummary();
  Model model(options);
  Rng model_rng = make_rng(options.seed, 1);
  AW_RETURN_IF_ERROR(model.build(model_rng));
  Rng plan_rng = make_rng(options.seed, 2);
  Planner planner(model, plan_rng);
  AW_RETURN_IF_ERROR(planner.plan(options.violations_per_rule));
  std::vector<Planned>& planned = planner.planned();
  AW_RETURN_IF_ERROR(validate_plan(model, planned));

  // A few producer retries per 10,000 records; the rest is background traffic.
  const uint64_t duplicates = std::max<uint64_t>(3, options.events / 10000);
  const uint64_t needed = planned.size() + duplicates + 1000;
  if (options.events < needed) {
    return Status::invalid_argument(
        "--events " + std::to_string(options.events) + " is too small for --violations-per-rule " +
        std::to_string(options.violations_per_rule) + ": use at least " + std::to_string(needed));
  }
  const uint64_t background = options.events - planned.size() - duplicates;

  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error || !std::filesystem::is_directory(out_dir, error)) {
    return Status::io_error("cannot create directory " + out_dir +
                            (error ? ": " + error.message() : ""));
  }
  const std::filesystem::path dir(out_dir);
  WorkloadTruth truth(kMaxCredentialTtl, kSnapshotWindow);
  AW_RETURN_IF_ERROR(write_registry(model, (dir / "registry.yaml").string(), summary, &truth));
  OutputFile events;
  OutputFile labels;
  AW_RETURN_IF_ERROR(events.open((dir / "events.jsonl").string()));
  AW_RETURN_IF_ERROR(labels.open((dir / "labels.jsonl").string()));
  Rng stream_rng = make_rng(options.seed, 3);
  Streamer streamer(model, planned, stream_rng, events, labels, summary, &truth);
  streamer.run(background, duplicates, options.violations_per_rule);
  if (streamer.failed()) return Status::internal("an instant with no entity on duty");
  summary->event_bytes = events.bytes();
  AW_RETURN_IF_ERROR(events.close());
  AW_RETURN_IF_ERROR(labels.close());
  AW_RETURN_IF_ERROR(truth.write((dir / "truth.json").string(), {1, 2, 5}));
  if (summary->events != options.events) {
    return Status::internal("wrote " + std::to_string(summary->events) + " events instead of " +
                            std::to_string(options.events));
  }
  return Status();
}

}  // namespace aw::tools
