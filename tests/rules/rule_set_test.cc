#include "rules/rule_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "tests/rules/fake_resolver.h"
#include "tests/testing/temp_dir.h"

namespace aw::rules {
namespace {

using ingest::ActionClass;
using ::testing::ElementsAre;
using testing::FakeResolver;
using ::testing::HasSubstr;

const std::set<std::string> kBuiltinIds = {"unregistered-actor",
                                           "out-of-scope",
                                           "post-revocation",
                                           "expired-credential",
                                           "freeze-violation",
                                           "destructive-without-approval",
                                           "destructive-without-snapshot",
                                           "long-lived-credential",
                                           "shared-credential",
                                           "env-crossing",
                                           "release-separation-of-duties",
                                           "privilege-escalation",
                                           "destructive-burst",
                                           "denied-burst",
                                           "audit-gap"};

RuleSet load_with(const RuleSetOptions& options) {
  auto set = RuleSet::load(options);
  EXPECT_TRUE(set.ok()) << set.status().message();
  if (!set.ok()) std::abort();  // the callers' expectations need a set
  return std::move(set.value());
}

RuleSet load_ok(std::vector<RuleSource> sources, bool include_builtin = true) {
  RuleSetOptions options;
  options.sources = std::move(sources);
  options.include_builtin = include_builtin;
  return load_with(options);
}

// The problems of loading user sources alone, as one-line strings.
std::vector<std::string> problems_of(std::vector<RuleSource> sources,
                                     bool include_builtin = false) {
  RuleSetOptions options;
  options.sources = std::move(sources);
  options.include_builtin = include_builtin;
  LoadReport report;
  auto set = RuleSet::load(options, &report);
  EXPECT_FALSE(set.ok());
  std::vector<std::string> lines;
  for (const LoadProblem& problem : report.problems) lines.push_back(problem.to_string());
  return lines;
}

std::vector<std::string> ids_of(const RuleSet& set) {
  std::vector<std::string> ids;
  for (const CompiledRule& rule : set.rules()) ids.push_back(rule.id);
  return ids;
}

std::vector<std::string> candidate_ids(const RuleSet& set, ActionClass action_class) {
  std::vector<std::string> ids;
  for (uint16_t i : set.candidates(action_class)) ids.push_back(set.rules()[i].id);
  return ids;
}

bool contains(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

constexpr char kMinimalRule[] = R"(id: my-rule
severity: low
condition: freeze.active
)";

// ---- the built-in pack ----

TEST(BuiltinPack, LoadsExactlyTheFifteenRules) {
  RuleSet set = load_with(RuleSetOptions{});
  std::vector<std::string> ids = ids_of(set);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), kBuiltinIds);
  EXPECT_EQ(ids.size(), 15u);
  EXPECT_EQ(set.summary().builtin, 15u);
  EXPECT_EQ(set.summary().enabled, 15u);
}

TEST(BuiltinPack, LoadsFromAnyCurrentDirectory) {
  aw::testing::TempDir dir;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto set = RuleSet::load(RuleSetOptions{});
  std::filesystem::current_path(previous);
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->rules().size(), 15u);
}

TEST(BuiltinPack, SeveritiesFollowTheDesign) {
  RuleSet set = load_with(RuleSetOptions{});
  for (const char* id : {"post-revocation", "freeze-violation", "destructive-without-approval"}) {
    EXPECT_EQ(set.find(id)->severity, Severity::kCritical) << id;
  }
  for (const char* id :
       {"out-of-scope", "expired-credential", "shared-credential", "privilege-escalation",
        "destructive-burst", "destructive-without-snapshot", "release-separation-of-duties"}) {
    EXPECT_EQ(set.find(id)->severity, Severity::kHigh) << id;
  }
  for (const char* id : {"unregistered-actor", "long-lived-credential", "env-crossing",
                         "denied-burst", "audit-gap"}) {
    EXPECT_EQ(set.find(id)->severity, Severity::kMedium) << id;
  }
}

TEST(BuiltinPack, EveryRuleIsDocumentedAndExplained) {
  RuleSet set = load_with(RuleSetOptions{});
  for (const CompiledRule& rule : set.rules()) {
    EXPECT_TRUE(rule.builtin) << rule.id;
    EXPECT_NE(rule.name, rule.id) << rule.id;
    EXPECT_FALSE(rule.description.empty()) << rule.id;
    EXPECT_FALSE(rule.references.nist_csf.empty()) << rule.id;
    EXPECT_FALSE(rule.output.fields().empty()) << rule.id;
    EXPECT_THAT(rule.origin, ::testing::StartsWith("rules/packs/builtin/" + rule.id + ".yaml:"))
        << rule.id;
  }
}

TEST(BuiltinPack, BurstRulesCarryTheirThresholds) {
  RuleSet set = load_with(RuleSetOptions{});
  const CompiledRule* destructive = set.find("destructive-burst");
  ASSERT_TRUE(destructive->threshold);
  EXPECT_EQ(destructive->threshold->count, 20u);
  EXPECT_EQ(destructive->threshold->window_us, int64_t{60} * 1000000);
  EXPECT_EQ(destructive->threshold->group_by, FieldId::kActorId);
  const CompiledRule* denied = set.find("denied-burst");
  ASSERT_TRUE(denied->threshold);
  EXPECT_EQ(denied->threshold->count, 10u);
  EXPECT_FALSE(set.find("freeze-violation")->threshold);
}

TEST(BuiltinPack, PostRevocationFiresForASuspendedAgent) {
  RuleSet set = load_with(RuleSetOptions{});
  FakeResolver resolver;
  resolver.set("agent.status", "suspended");
  EXPECT_TRUE(set.find("post-revocation")->condition.matches(resolver));
  resolver.set("agent.status", "active");
  EXPECT_FALSE(set.find("post-revocation")->condition.matches(resolver));
}

TEST(BuiltinPack, PostRevocationOutputRenders) {
  RuleSet set = load_with(RuleSetOptions{});
  FakeResolver resolver;
  resolver.set("actor.id", "agent-0421")
      .set("agent.status", "active")
      .set("credential.id", "tok-9f3a")
      .set_time("credential.revoked_at", "2026-11-20T09:30:00Z")
      .set("action.tool", "sql.execute")
      .set("action.class", "delete")
      .set("resource.name", "db:prod/orders");
  std::string out;
  set.find("post-revocation")->output.render(resolver, &out);
  EXPECT_EQ(out,
            "agent-0421 (status active) used tok-9f3a after its revocation at "
            "2026-11-20T09:30:00.000000Z: sql.execute delete on db:prod/orders");
}

TEST(BuiltinPack, FactsFollowTheDesign) {
  RuleSet set = load_with(RuleSetOptions{});
  EXPECT_THAT(
      set.find("post-revocation")->facts,
      ElementsAre(FieldId::kCredentialRevokedAt, FieldId::kAgentStatus, FieldId::kAgentOwner));
  EXPECT_THAT(set.find("audit-gap")->facts, ElementsAre(FieldId::kSourceExpectedSeq));
}

// ---- the class index ----

TEST(RuleIndex, ClassRestrictedRulesAreCandidatesOnlyForTheirClasses) {
  RuleSet set = load_with(RuleSetOptions{});
  EXPECT_TRUE(contains(candidate_ids(set, ActionClass::kDelete), "freeze-violation"));
  EXPECT_TRUE(contains(candidate_ids(set, ActionClass::kWrite), "freeze-violation"));
  EXPECT_FALSE(contains(candidate_ids(set, ActionClass::kRead), "freeze-violation"));
  EXPECT_FALSE(contains(candidate_ids(set, ActionClass::kUnset), "freeze-violation"));
  EXPECT_TRUE(contains(candidate_ids(set, ActionClass::kPublish), "release-separation-of-duties"));
  EXPECT_FALSE(contains(candidate_ids(set, ActionClass::kWrite), "release-separation-of-duties"));
}

TEST(RuleIndex, UnrestrictedRulesAreCandidatesForEveryClass) {
  RuleSet set = load_with(RuleSetOptions{});
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    EXPECT_TRUE(contains(candidate_ids(set, static_cast<ActionClass>(c)), "unregistered-actor"))
        << c;
  }
}

TEST(RuleIndex, ReadEventsRunOnlyTheUnrestrictedRules) {
  RuleSet set = load_with(RuleSetOptions{});
  // Six of the fifteen built-in rules test action.class; none of them accepts read.
  EXPECT_EQ(set.candidates(ActionClass::kRead).size(), 9u);
}

TEST(RuleIndex, CandidatesKeepRuleOrder) {
  RuleSet set = load_with(RuleSetOptions{});
  auto candidates = set.candidates(ActionClass::kDelete);
  EXPECT_TRUE(std::is_sorted(candidates.begin(), candidates.end()));
}

TEST(RuleIndex, MaskComesFromTheCondition) {
  RuleSet set = load_with(RuleSetOptions{});
  EXPECT_EQ(set.find("freeze-violation")->class_mask,
            class_bit(ActionClass::kWrite) | class_bit(ActionClass::kDelete) |
                class_bit(ActionClass::kAdmin) | class_bit(ActionClass::kEscalate));
}

TEST(RuleIndex, FindReturnsNullForAnUnknownId) {
  RuleSet set = load_with(RuleSetOptions{});
  EXPECT_EQ(set.find("no-such-rule"), nullptr);
  ASSERT_NE(set.find("audit-gap"), nullptr);
  EXPECT_EQ(set.find("audit-gap")->id, "audit-gap");
}

// ---- user rules, overrides, patches ----

TEST(UserRules, LoadBesideTheBuiltinPack) {
  RuleSet set = load_ok({{"user.yaml", kMinimalRule}});
  EXPECT_EQ(set.rules().size(), 16u);
  EXPECT_EQ(set.rules().back().id, "my-rule");
  EXPECT_EQ(set.rules().back().origin, "user.yaml:1");
  EXPECT_FALSE(set.rules().back().builtin);
  EXPECT_EQ(set.summary().user, 1u);
}

TEST(UserRules, NameDefaultsToTheIdAndOutputToTheName) {
  RuleSet set = load_ok({{"user.yaml", kMinimalRule}}, false);
  const CompiledRule& rule = set.rules()[0];
  EXPECT_EQ(rule.name, "my-rule");
  FakeResolver resolver;
  std::string out;
  rule.output.render(resolver, &out);
  EXPECT_EQ(out, "my-rule");
}

TEST(UserRules, RulesListHoldsSeveralRules) {
  RuleSet set = load_ok({{"user.yaml", R"(rules:
  - id: first
    severity: low
    condition: freeze.active
  - id: second
    severity: info
    condition: approval.covers
    tags: [a, b]
)"}},
                        false);
  EXPECT_THAT(ids_of(set), ElementsAre("first", "second"));
  EXPECT_THAT(set.rules()[1].tags, ElementsAre("a", "b"));
  EXPECT_EQ(set.rules()[1].severity, Severity::kInfo);
}

TEST(UserRules, DocumentsSeparatedByDashesEachHoldRules) {
  RuleSet set = load_ok({{"user.yaml", std::string(kMinimalRule) + "---\n" +
                                           "id: other\nseverity: low\ncondition: freeze.active\n"}},
                        false);
  EXPECT_THAT(ids_of(set), ElementsAre("my-rule", "other"));
}

TEST(UserRules, EmptyFileHoldsNoRules) {
  RuleSet set = load_ok({{"empty.yaml", "# nothing yet\n"}}, false);
  EXPECT_TRUE(set.rules().empty());
}

TEST(UserRules, AllFieldsCompile) {
  RuleSet set = load_ok({{"user.yaml", R"(id: full-rule
name: Full rule
severity: critical
description: every key
references: {owasp_nhi: [NHI7, NHI10], owasp_agentic: [ASI03], nist_csf: [PR.AA, PR.AA-05]}
condition: action.class == "delete" and agent.is_agent
threshold: {count: 3, window: 1h30m, group_by: resource.name}
facts: [agent.owner, credential.lifetime]
output: "{actor.id} deleted {resource.name}"
enabled: true
tags: [x]
)"}},
                        false);
  const CompiledRule& rule = set.rules()[0];
  EXPECT_EQ(rule.name, "Full rule");
  EXPECT_EQ(rule.description, "every key");
  EXPECT_EQ(rule.severity, Severity::kCritical);
  EXPECT_THAT(rule.references.owasp_nhi, ElementsAre("NHI7", "NHI10"));
  EXPECT_THAT(rule.references.nist_csf, ElementsAre("PR.AA", "PR.AA-05"));
  EXPECT_EQ(rule.class_mask, class_bit(ActionClass::kDelete));
  ASSERT_TRUE(rule.threshold);
  EXPECT_EQ(rule.threshold->count, 3u);
  EXPECT_EQ(rule.threshold->window_us, int64_t{5400} * 1000000);
  EXPECT_EQ(rule.threshold->group_by, FieldId::kResourceName);
  EXPECT_THAT(rule.facts, ElementsAre(FieldId::kAgentOwner, FieldId::kCredentialLifetime));
}

TEST(UserRules, ThresholdGroupsByActorWhenNotSaid) {
  RuleSet set = load_ok(
      {{"user.yaml", std::string(kMinimalRule) + "threshold: {count: 5, window: 10m}\n"}}, false);
  ASSERT_TRUE(set.rules()[0].threshold);
  EXPECT_EQ(set.rules()[0].threshold->group_by, FieldId::kActorId);
}

TEST(UserRules, OverrideABuiltinRuleById) {
  RuleSet set = load_ok({{"user.yaml", R"(id: freeze-violation
severity: high
condition: action.class == "delete" and freeze.active
)"}});
  EXPECT_EQ(set.rules().size(), 15u);
  const CompiledRule* rule = set.find("freeze-violation");
  EXPECT_EQ(rule->severity, Severity::kHigh);
  EXPECT_EQ(rule->origin, "user.yaml:1");
  EXPECT_FALSE(rule->builtin);
  EXPECT_EQ(rule->class_mask, class_bit(ActionClass::kDelete));
  EXPECT_EQ(set.summary().overridden, 1u);
}

TEST(UserRules, OverrideKeepsTheBuiltinRulesPlace) {
  RuleSet builtin = load_with(RuleSetOptions{});
  RuleSet set = load_ok({{"user.yaml", R"(id: freeze-violation
severity: high
condition: freeze.active
)"}});
  EXPECT_EQ(ids_of(set), ids_of(builtin));
}

TEST(UserRules, EnabledFalseDisablesABuiltinRule) {
  RuleSet set = load_ok({{"user.yaml", "{id: freeze-violation, enabled: false}\n"}});
  EXPECT_EQ(set.rules().size(), 14u);
  EXPECT_EQ(set.find("freeze-violation"), nullptr);
  EXPECT_THAT(set.disabled(), ElementsAre("freeze-violation"));
  EXPECT_EQ(set.summary().disabled, 1u);
  EXPECT_EQ(set.summary().patched, 0u);
}

TEST(UserRules, DisabledRulesAreNoCandidates) {
  RuleSet set = load_ok({{"user.yaml", "{id: freeze-violation, enabled: false}\n"}});
  for (int c = 0; c < ingest::kActionClassCount; ++c) {
    EXPECT_FALSE(contains(candidate_ids(set, static_cast<ActionClass>(c)), "freeze-violation"));
  }
}

TEST(UserRules, PatchChangesOnlyTheFieldsItNames) {
  RuleSet set = load_ok({{"user.yaml", R"(id: destructive-burst
threshold: {count: 50, window: 2m}
severity: critical
)"}});
  const CompiledRule* rule = set.find("destructive-burst");
  ASSERT_TRUE(rule->threshold);
  EXPECT_EQ(rule->threshold->count, 50u);
  EXPECT_EQ(rule->threshold->window_us, int64_t{120} * 1000000);
  EXPECT_EQ(rule->severity, Severity::kCritical);
  EXPECT_EQ(rule->condition.text(), "action.class == \"delete\" and agent.is_agent");
  EXPECT_EQ(rule->name, "Burst of destructive actions");
  EXPECT_EQ(set.summary().patched, 1u);
}

TEST(UserRules, PatchMayReenableARuleDisabledEarlier) {
  RuleSet set = load_ok({{"a.yaml", "{id: audit-gap, enabled: false}\n"},
                         {"b.yaml", "{id: audit-gap, enabled: true}\n"}});
  EXPECT_NE(set.find("audit-gap"), nullptr);
}

TEST(UserRules, PatchOfAnUnknownIdIsAnErrorWithAHint) {
  EXPECT_THAT(problems_of({{"user.yaml", "{id: freeze-violaton, enabled: false}\n"}}, true),
              ElementsAre("user.yaml:1:1: rule freeze-violaton: no rule `freeze-violaton` to "
                          "change; a new rule needs a `condition`, and an entry without one "
                          "changes a rule defined elsewhere; did you mean `freeze-violation`?"));
}

TEST(UserRules, DuplicateIdsInOneLoadAreReported) {
  EXPECT_THAT(problems_of({{"a.yaml", kMinimalRule}, {"b.yaml", kMinimalRule}}),
              ElementsAre("b.yaml:1:1: rule my-rule: duplicate id: already defined at a.yaml:1"));
}

TEST(UserRules, DuplicateIdsInOneFileAreReported) {
  EXPECT_THAT(problems_of({{"a.yaml", R"(rules:
  - {id: twice, severity: low, condition: freeze.active}
  - {id: twice, severity: low, condition: freeze.active}
)"}}),
              ElementsAre("a.yaml:3:5: rule twice: duplicate id: already defined at a.yaml:2"));
}

TEST(UserRules, TwoUserOverridesOfOneBuiltinAreDuplicates) {
  const char* kOverride = "{id: audit-gap, severity: low, condition: source.seq_gap}\n";
  EXPECT_THAT(problems_of({{"a.yaml", kOverride}, {"b.yaml", kOverride}}, true),
              ElementsAre("b.yaml:1:1: rule audit-gap: duplicate id: already defined at a.yaml:1"));
}

// ---- problems ----

TEST(LoadProblems, EveryProblemOfAFileIsReportedWithLineColumnAndRule) {
  EXPECT_THAT(
      problems_of({{"user.yaml", R"(rules:
  - id: bad-one
    severity: hgh
    condition: seq glob "x"
  - id: bad-two
    severity: high
    condition: credential.revoke and freeze.active
    facts: [freeze.idd]
)"}}),
      ElementsAre(
          "user.yaml:3:15: rule bad-one: severity `hgh` is not one of info, low, medium, high, "
          "critical; did you mean `high`?",
          "user.yaml:4:20: rule bad-one: `glob` needs a string field; `seq` is int",
          "user.yaml:7:16: rule bad-two: unknown field `credential.revoke`; did you mean "
          "`credential.revoked`?",
          "user.yaml:8:13: rule bad-two: unknown field `freeze.idd` in facts; did you mean "
          "`freeze.id`?"));
}

TEST(LoadProblems, ProblemsAcrossFilesAreAllReported) {
  std::vector<std::string> problems =
      problems_of({{"a.yaml", "{id: a-rule, severity: low, condition: nope}\n"},
                   {"b.yaml", "{id: b-rule, severity: low, condition: nada}\n"}});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("a.yaml:1:40: rule a-rule: unknown field `nope`"));
  EXPECT_THAT(problems[1], HasSubstr("b.yaml:1:40: rule b-rule: unknown field `nada`"));
}

TEST(LoadProblems, ConditionProblemInAFoldedBlockPointsIntoTheBlock) {
  EXPECT_THAT(problems_of({{"user.yaml", R"(id: block-rule
severity: low
condition: >-
  freeze.active and
  credential.revoke
)"}}),
              ElementsAre(HasSubstr("user.yaml:5:3: rule block-rule: unknown field "
                                    "`credential.revoke`")));
}

TEST(LoadProblems, ConditionProblemInAQuotedStringSkipsItsEscapes) {
  EXPECT_THAT(problems_of({{"user.yaml", R"(id: quoted-rule
severity: low
condition: "env == \"prod\" and nope"
)"}}),
              ElementsAre(HasSubstr("user.yaml:3:33: rule quoted-rule: unknown field `nope`")));
}

TEST(LoadProblems, ProblemsCarryTheSourceLine) {
  RuleSetOptions options;
  options.include_builtin = false;
  options.sources = {{"user.yaml", "id: x\nseverity: low\ncondition: nope and freeze.active\n"}};
  LoadReport report;
  ASSERT_FALSE(RuleSet::load(options, &report).ok());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].snippet, "condition: nope and freeze.active");
  EXPECT_EQ(report.problems[0].column, 12);
}

TEST(LoadProblems, StatusMessageHasOneLinePerProblem) {
  RuleSetOptions options;
  options.include_builtin = false;
  options.sources = {{"user.yaml", "{id: x, severity: bad, condition: nope}\n"}};
  auto set = RuleSet::load(options);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(set.status().message(),
            "user.yaml:1:19: rule x: severity `bad` is not one of info, low, medium, high, "
            "critical\n"
            "user.yaml:1:35: rule x: unknown field `nope`");
}

TEST(LoadProblems, BadThresholdReportsEveryField) {
  EXPECT_THAT(problems_of({{"user.yaml", R"(id: bursty
severity: low
condition: agent.is_agent
threshold: {count: 0, window: soon, group_by: actor.idd, per: x}
)"}}),
              ElementsAre(HasSubstr("4:20: rule bursty: threshold count `0` is not an integer "
                                    "from 1 to 100000"),
                          HasSubstr("4:31: rule bursty: threshold window `soon` is not a "
                                    "duration"),
                          "user.yaml:4:47: rule bursty: unknown field `actor.idd` in group_by; "
                          "did you mean `actor.id`?",
                          "user.yaml:4:58: rule bursty: unknown threshold key `per`"));
}

TEST(LoadProblems, ThresholdNeedsCountAndWindow) {
  EXPECT_THAT(
      problems_of({{"user.yaml", std::string(kMinimalRule) + "threshold: {}\n"}}),
      ElementsAre(HasSubstr("threshold needs `count`"), HasSubstr("threshold needs `window`")));
}

TEST(LoadProblems, ThresholdGroupsByStringFieldsOnly) {
  EXPECT_THAT(
      problems_of({{"user.yaml", std::string(kMinimalRule) +
                                     "threshold: {count: 1, window: 1m, group_by: seq}\n"}}),
      ElementsAre(HasSubstr("group_by needs a string field")));
}

TEST(LoadProblems, ThresholdWindowIsBounded) {
  EXPECT_THAT(problems_of({{"user.yaml",
                            std::string(kMinimalRule) + "threshold: {count: 1, window: 8d}\n"}}),
              ElementsAre(HasSubstr("threshold window `8d` is not a duration from 1us to 7d")));
}

TEST(LoadProblems, UnknownRuleKeySuggestsTheNearest) {
  EXPECT_THAT(problems_of({{"user.yaml", "id: x\nseverty: low\ncondition: freeze.active\n"}}),
              ElementsAre("user.yaml:1:1: rule x: missing `severity` (info, low, medium, high or "
                          "critical)",
                          "user.yaml:2:1: rule x: unknown key `severty`; did you mean "
                          "`severity`?"));
}

TEST(LoadProblems, MissingIdIsReportedByPlace) {
  EXPECT_THAT(problems_of({{"user.yaml", R"(rules:
  - {id: fine, severity: low, condition: freeze.active}
  - {severity: low, condition: freeze.active}
)"}}),
              ElementsAre("user.yaml:3:5: rule #2: missing `id`"));
}

TEST(LoadProblems, IdMustBeKebabCase) {
  EXPECT_THAT(problems_of({{"user.yaml",
                            "{id: Freeze_Violation2, severity: low, "
                            "condition: freeze.active}\n"}}),
              ElementsAre(HasSubstr("id `Freeze_Violation2` is not kebab-case")));
  EXPECT_THAT(problems_of({{"user.yaml",
                            "{id: Freeze_Violation2, severity: low, "
                            "condition: freeze.active}\n"}}),
              ElementsAre(HasSubstr("did you mean `freeze-violation2`?")));
}

TEST(LoadProblems, ReferenceIdsAreChecked) {
  EXPECT_THAT(problems_of({{"user.yaml", std::string(kMinimalRule) + R"(references:
  owasp_nhi: [NHI11]
  owasp_agentic: [ASI3]
  nist_csf: [PR.AA-5]
  mitre: [T1078]
)"}}),
              ElementsAre(HasSubstr("`NHI11` is not an OWASP NHI Top 10 id"),
                          HasSubstr("`ASI3` is not an OWASP Agentic Top 10 id"),
                          HasSubstr("`PR.AA-5` is not a NIST CSF 2.0"),
                          HasSubstr("unknown reference list `mitre`")));
}

TEST(LoadProblems, OutputTemplateProblemsPointIntoTheString) {
  EXPECT_THAT(problems_of({{"user.yaml", std::string(kMinimalRule) +
                                             "output: \"{actor.id} used {credential.idd}\"\n"}}),
              ElementsAre("user.yaml:4:27: rule my-rule: unknown field `credential.idd`; did you "
                          "mean `credential.id`?"));
}

TEST(LoadProblems, EnabledMustBeABool) {
  EXPECT_THAT(problems_of({{"user.yaml", std::string(kMinimalRule) + "enabled: maybe\n"}}),
              ElementsAre(HasSubstr("`enabled` is true or false")));
}

TEST(LoadProblems, KeyGivenTwiceIsReported) {
  EXPECT_THAT(problems_of({{"user.yaml", std::string(kMinimalRule) + "severity: high\n"}}),
              ElementsAre(HasSubstr("user.yaml:4:1: rule my-rule: `severity` is given twice")));
}

TEST(LoadProblems, YamlSyntaxErrorIsReportedNotThrown) {
  EXPECT_THAT(problems_of({{"user.yaml", "id: [unclosed\nseverity: low\n"}}),
              ElementsAre(HasSubstr("user.yaml:")));
}

TEST(LoadProblems, TopLevelListIsNotARuleFile) {
  EXPECT_THAT(problems_of({{"user.yaml", "- id: x\n"}}),
              ElementsAre("user.yaml:1:1: a rule file holds one rule (a map) or `rules: [...]`"));
}

TEST(LoadProblems, WrongNodeTypesAreReportedNotThrown) {
  EXPECT_THAT(
      problems_of({{"user.yaml", R"(id: x
severity: [low]
condition: {a: b}
facts: freeze.id
tags: {a: b}
)"}}),
      ElementsAre(HasSubstr("severity `` is not one of"), HasSubstr("`condition` is a string"),
                  HasSubstr("`facts` is a list of field names"),
                  HasSubstr("`tags` is a list of strings")));
}

// ---- files and directories ----

TEST(RuleFiles, DirectoryLoadsYamlFilesSortedByName) {
  aw::testing::TempDir dir;
  dir.write("b.yaml", "{id: from-b, severity: low, condition: freeze.active}\n");
  dir.write("a.yml", "{id: from-a, severity: low, condition: freeze.active}\n");
  dir.write("notes.txt", "not: [yaml\n");
  dir.write(".editor-swap.yaml", "not: [yaml\n");
  RuleSetOptions options;
  options.include_builtin = false;
  options.paths = {dir.path().string()};
  RuleSet set = load_with(options);
  EXPECT_THAT(ids_of(set), ElementsAre("from-a", "from-b"));
  EXPECT_EQ(set.rules()[0].origin, dir.file("a.yml") + ":1");
  EXPECT_EQ(set.summary().files, 2u);
}

TEST(RuleFiles, SingleFilePathLoads) {
  aw::testing::TempDir dir;
  std::string path = dir.write("rule.yaml", kMinimalRule);
  RuleSetOptions options;
  options.include_builtin = false;
  options.paths = {path};
  EXPECT_THAT(ids_of(load_with(options)), ElementsAre("my-rule"));
}

TEST(RuleFiles, MissingPathIsNotFound) {
  aw::testing::TempDir dir;
  RuleSetOptions options;
  options.paths = {dir.file("missing")};
  auto set = RuleSet::load(options);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(set.status().message(), HasSubstr("missing: no such rule directory or file"));
}

}  // namespace
}  // namespace aw::rules
