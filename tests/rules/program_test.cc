#include "rules/program.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/rules/fake_resolver.h"

namespace aw::rules {
namespace {

using testing::FakeResolver;
using ::testing::HasSubstr;

Program compile_ok(std::string_view condition) {
  auto program = Program::compile(condition);
  EXPECT_TRUE(program.ok()) << condition << "\n" << program.status().message();
  return program.ok() ? std::move(program.value()) : Program();
}

bool eval(std::string_view condition, FakeResolver& resolver) {
  return compile_ok(condition).matches(resolver);
}

std::string compile_error(std::string_view condition) {
  auto program = Program::compile(condition);
  EXPECT_FALSE(program.ok()) << condition << " compiled:\n"
                             << (program.ok() ? program->disassemble() : "");
  return program.ok() ? std::string() : program.status().message();
}

// ---- booleans, and/or/not ----

TEST(Program, BareBoolFieldIsTrueWhenTrue) {
  FakeResolver resolver;
  resolver.set("credential.revoked", true);
  EXPECT_TRUE(eval("credential.revoked", resolver));
}

TEST(Program, BareBoolFieldIsFalseWhenFalse) {
  FakeResolver resolver;
  resolver.set("credential.revoked", false);
  EXPECT_FALSE(eval("credential.revoked", resolver));
}

TEST(Program, BareBoolFieldIsFalseWhenAbsent) {
  FakeResolver resolver;
  EXPECT_FALSE(eval("credential.revoked", resolver));
}

TEST(Program, NotOfAbsentBoolIsTrue) {
  FakeResolver resolver;
  EXPECT_TRUE(eval("not agent.registered", resolver));
}

TEST(Program, DoubleNotIsIdentity) {
  FakeResolver resolver;
  resolver.set("agent.registered", true);
  EXPECT_TRUE(eval("not not agent.registered", resolver));
  EXPECT_FALSE(eval("not not not agent.registered", resolver));
}

TEST(Program, AndNeedsBothSides) {
  FakeResolver resolver;
  resolver.set("agent.registered", true).set("scope.covered", false);
  EXPECT_FALSE(eval("agent.registered and scope.covered", resolver));
  EXPECT_TRUE(eval("agent.registered and not scope.covered", resolver));
}

TEST(Program, OrNeedsEitherSide) {
  FakeResolver resolver;
  resolver.set("credential.revoked", false).set("credential.expired", true);
  EXPECT_TRUE(eval("credential.revoked or credential.expired", resolver));
  EXPECT_FALSE(eval("credential.revoked or not credential.expired", resolver));
}

TEST(Program, FalseAndDoesNotFetchTheRightSide) {
  FakeResolver resolver;
  resolver.set("agent.registered", false).set("scope.covered", true);
  EXPECT_FALSE(eval("agent.registered and scope.covered", resolver));
  EXPECT_TRUE(resolver.was_fetched("agent.registered"));
  EXPECT_FALSE(resolver.was_fetched("scope.covered"));
}

TEST(Program, TrueOrDoesNotFetchTheRightSide) {
  FakeResolver resolver;
  resolver.set("credential.revoked", true);
  EXPECT_TRUE(eval("credential.revoked or agent.status in [\"suspended\"]", resolver));
  EXPECT_EQ(resolver.fetched().size(), 1u);
  EXPECT_FALSE(resolver.was_fetched("agent.status"));
}

TEST(Program, FailedConjunctionInsideOrSkipsOnlyItsRest) {
  // (a and b) or c: a false skips b but must still evaluate c.
  FakeResolver resolver;
  resolver.set("freeze.active", false).set("credential.expired", true);
  EXPECT_TRUE(eval("(freeze.active and approval.covers) or credential.expired", resolver));
  EXPECT_FALSE(resolver.was_fetched("approval.covers"));
  EXPECT_TRUE(resolver.was_fetched("credential.expired"));
}

TEST(Program, AndBindsTighterThanOr) {
  // true or (false and false) is true; (true or false) and false would be false.
  FakeResolver resolver;
  resolver.set("credential.revoked", true).set("freeze.active", false);
  EXPECT_TRUE(eval("credential.revoked or freeze.active and freeze.active", resolver));
}

TEST(Program, NotBindsTighterThanAnd) {
  // (not false) and true is true; not (false and true) would be true too, so use and-false.
  FakeResolver resolver;
  resolver.set("freeze.active", false).set("approval.covers", false);
  EXPECT_FALSE(eval("not freeze.active and approval.covers", resolver));
  EXPECT_TRUE(eval("not (freeze.active and approval.covers)", resolver));
}

TEST(Program, ParenthesesOverridePrecedence) {
  FakeResolver resolver;
  resolver.set("credential.revoked", true).set("freeze.active", false);
  EXPECT_FALSE(eval("(credential.revoked or freeze.active) and freeze.active", resolver));
}

TEST(Program, JumpsAreThreadedPastJumpsTheyCannotTake) {
  // (a or b) and c: a true jumps straight to c, not to the jump-if-false before it.
  Program program = compile_ok("(freeze.active or approval.covers) and credential.revoked");
  EXPECT_EQ(program.disassemble(),
            "0 bool freeze.active\n"
            "1 jump_if_true 4\n"
            "2 bool approval.covers\n"
            "3 jump_if_false 5\n"
            "4 bool credential.revoked\n");
}

TEST(Program, ListsTheFieldsItReadsOnce) {
  Program program = compile_ok("freeze.active and (freeze.active or credential.revoked)");
  EXPECT_EQ(program.fields(),
            (std::vector<FieldId>{FieldId::kFreezeActive, FieldId::kCredentialRevoked}));
}

// ---- comparisons ----

TEST(Program, StringEquality) {
  FakeResolver resolver;
  resolver.set("env", "prod");
  EXPECT_TRUE(eval("env == \"prod\"", resolver));
  EXPECT_FALSE(eval("env == \"staging\"", resolver));
  EXPECT_TRUE(eval("env != \"staging\"", resolver));
  EXPECT_FALSE(eval("env != \"prod\"", resolver));
}

TEST(Program, SingleQuotedStringsWork) {
  FakeResolver resolver;
  resolver.set("env", "prod");
  EXPECT_TRUE(eval("env == 'prod'", resolver));
}

TEST(Program, StringEscapes) {
  FakeResolver resolver;
  resolver.set("resource.name", "a\"b\\c");
  EXPECT_TRUE(eval(R"(resource.name == "a\"b\\c")", resolver));
}

TEST(Program, BoolEqualityWithConstants) {
  FakeResolver resolver;
  resolver.set("credential.revoked", false);
  EXPECT_TRUE(eval("credential.revoked == false", resolver));
  EXPECT_FALSE(eval("credential.revoked == true", resolver));
  EXPECT_TRUE(eval("credential.revoked != true", resolver));
}

TEST(Program, IntComparisons) {
  FakeResolver resolver;
  resolver.set("seq", 10);
  EXPECT_TRUE(eval("seq == 10", resolver));
  EXPECT_TRUE(eval("seq != 11", resolver));
  EXPECT_TRUE(eval("seq < 11", resolver));
  EXPECT_FALSE(eval("seq < 10", resolver));
  EXPECT_TRUE(eval("seq <= 10", resolver));
  EXPECT_TRUE(eval("seq > 9", resolver));
  EXPECT_FALSE(eval("seq > 10", resolver));
  EXPECT_TRUE(eval("seq >= 10", resolver));
}

TEST(Program, NegativeIntegerConstants) {
  FakeResolver resolver;
  resolver.set("seq", -3);
  EXPECT_TRUE(eval("seq == -3", resolver));
  EXPECT_TRUE(eval("seq > -4", resolver));
}

TEST(Program, InListOfStrings) {
  FakeResolver resolver;
  resolver.set("agent.status", "suspended");
  EXPECT_TRUE(eval(R"(agent.status in ["decommissioned", "suspended", "zzz"])", resolver));
  EXPECT_FALSE(eval(R"(agent.status in ["active", "decommissioned"])", resolver));
}

TEST(Program, InListWithDuplicatesAndOneElement) {
  FakeResolver resolver;
  resolver.set("env", "prod");
  EXPECT_TRUE(eval(R"(env in ["prod", "prod"])", resolver));
  EXPECT_TRUE(eval(R"(env in ["prod"])", resolver));
}

TEST(Program, InListOfIntegers) {
  FakeResolver resolver;
  resolver.set("seq", 7);
  EXPECT_TRUE(eval("seq in [9, 7, 1]", resolver));
  EXPECT_FALSE(eval("seq in [9, 8, 1]", resolver));
}

TEST(Program, DurationConstantsCompareWithDurationFields) {
  FakeResolver resolver;
  resolver.set("credential.lifetime", int64_t{90} * 60 * 1000000);  // 90 minutes
  EXPECT_TRUE(eval("credential.lifetime > 1h", resolver));
  EXPECT_TRUE(eval("credential.lifetime == 1h30m", resolver));
  EXPECT_TRUE(eval("credential.lifetime == 5400s", resolver));
  EXPECT_TRUE(eval("credential.lifetime < 7d", resolver));
  EXPECT_TRUE(eval("credential.lifetime > 250ms", resolver));
  EXPECT_FALSE(eval("credential.lifetime >= 15m and credential.lifetime < 60s", resolver));
}

TEST(Program, TimeConstantsCompareWithTimeFields) {
  FakeResolver resolver;
  resolver.set_time("ts", "2026-11-20T10:15:30Z");
  EXPECT_TRUE(eval(R"(ts >= "2026-11-20T10:00:00Z")", resolver));
  EXPECT_FALSE(eval(R"(ts < "2026-11-20T10:00:00Z")", resolver));
  // The same instant written with an offset.
  EXPECT_TRUE(eval(R"(ts == "2026-11-20T11:15:30+01:00")", resolver));
}

TEST(Program, TimeInList) {
  FakeResolver resolver;
  resolver.set_time("credential.revoked_at", "2026-11-20T09:30:00Z");
  EXPECT_TRUE(eval(R"(credential.revoked_at in ["2026-11-20T09:30:00Z", "2026-01-01T00:00:00Z"])",
                   resolver));
}

TEST(Program, GlobMatchesStringFields) {
  FakeResolver resolver;
  resolver.set("resource.name", "db:prod/eu/orders").set("action.tool", "sql.execute");
  EXPECT_TRUE(eval(R"(resource.name glob "db:prod/**")", resolver));
  EXPECT_FALSE(eval(R"(resource.name glob "db:prod/*")", resolver));  // * stops at '/'
  EXPECT_TRUE(eval(R"(action.tool glob "sql.*")", resolver));
}

TEST(Program, MatchesSearchesUnanchored) {
  FakeResolver resolver;
  resolver.set("action.verb", "DROP TABLE orders");
  EXPECT_TRUE(eval(R"(action.verb matches "TABLE")", resolver));
  EXPECT_FALSE(eval(R"(action.verb matches "^TABLE")", resolver));
  EXPECT_TRUE(eval(R"(action.verb matches "(?i)^drop\s+table")", resolver));
}

TEST(Program, RegexBackslashEscapesSurviveTheString) {
  FakeResolver resolver;
  resolver.set("resource.name", "backup.sql");
  EXPECT_TRUE(eval(R"(resource.name matches "\.sql$")", resolver));
  resolver.set("resource.name", "backupxsql");
  EXPECT_FALSE(eval(R"(resource.name matches "\.sql$")", resolver));
}

TEST(Program, ExistsIsTrueForAnyPresentValue) {
  FakeResolver resolver;
  resolver.set("credential.id", "tok-1").set("freeze.active", false);
  EXPECT_TRUE(eval("exists(credential.id)", resolver));
  EXPECT_TRUE(eval("exists(freeze.active)", resolver));
  EXPECT_FALSE(eval("exists(approval)", resolver));
  EXPECT_TRUE(eval("not exists(approval)", resolver));
}

TEST(Program, EveryTestOfAnAbsentFieldIsFalse) {
  FakeResolver resolver;
  for (const char* condition :
       {R"(credential.id == "x")", R"(credential.id != "x")", R"(credential.id in ["x", "y"])",
        R"(credential.id glob "*")", R"(credential.id matches "")", "seq == 1", "seq != 1",
        "seq < 1", "seq >= 1", "seq in [1, 2]", "credential.lifetime > 0s",
        R"(credential.revoked_at < "2030-01-01T00:00:00Z")", "credential.revoked == false",
        "credential.revoked != true"}) {
    EXPECT_FALSE(eval(condition, resolver)) << condition;
  }
}

TEST(Program, NotOfATestOfAnAbsentFieldIsTrue) {
  FakeResolver resolver;
  EXPECT_TRUE(eval(R"(not credential.kind != "static")", resolver));
}

TEST(Program, AValueOfTheWrongKindTestsFalse) {
  // A resolver bug must not crash the data path or match by accident.
  FakeResolver resolver;
  resolver.set("env", rules::FieldValue::of(int64_t{5}));
  resolver.set("seq", rules::FieldValue::of(std::string_view("5")));
  EXPECT_FALSE(eval(R"(env == "5")", resolver));
  EXPECT_FALSE(eval("seq == 5", resolver));
  EXPECT_FALSE(eval(R"(env glob "*")", resolver));
}

TEST(Program, DefaultProgramNeverMatches) {
  FakeResolver resolver;
  EXPECT_FALSE(Program().matches(resolver));
}

TEST(Program, LongNotChainsCompileWithoutRecursion) {
  std::string condition;
  for (int i = 0; i < 3001; ++i) condition += "not ";
  condition += "agent.registered";
  FakeResolver resolver;
  EXPECT_TRUE(eval(condition, resolver));
}

// ---- compile errors ----

TEST(ProgramErrors, GlobOnAnIntFieldIsATypeError) {
  EXPECT_THAT(compile_error(R"(seq glob "x")"), HasSubstr("column 5: `glob` needs a string field"));
}

TEST(ProgramErrors, OrderingABoolIsATypeError) {
  EXPECT_THAT(compile_error("credential.revoked > 5"),
              HasSubstr("`>` orders ints, times and durations; `credential.revoked` is a bool"));
}

TEST(ProgramErrors, OrderingAStringIsATypeError) {
  EXPECT_THAT(compile_error(R"(env < "prod")"), HasSubstr("`env` is a string field"));
}

TEST(ProgramErrors, BoolFieldComparedWithAnIntegerIsATypeError) {
  EXPECT_THAT(compile_error("credential.revoked == 1"), HasSubstr("compare it with true or false"));
}

TEST(ProgramErrors, StringFieldComparedWithAnIntegerIsATypeError) {
  EXPECT_THAT(compile_error("env == 5"), HasSubstr("`env` is a string field"));
}

TEST(ProgramErrors, IntFieldComparedWithAStringIsATypeError) {
  EXPECT_THAT(compile_error(R"(seq == "5")"), HasSubstr("`seq` is an int field"));
}

TEST(ProgramErrors, BareNonBoolFieldSuggestsExists) {
  std::string error = compile_error("credential.id");
  EXPECT_THAT(error, HasSubstr("`credential.id` is a string field, not a condition"));
  EXPECT_THAT(error, HasSubstr("exists(credential.id)"));
}

TEST(ProgramErrors, DurationFieldNeedsAUnit) {
  EXPECT_THAT(compile_error("credential.lifetime > 3600"),
              HasSubstr("compare it with a duration such as 60s"));
}

TEST(ProgramErrors, QuotedDurationIsRefusedWithAHint) {
  EXPECT_THAT(compile_error(R"(credential.lifetime > "1h")"), HasSubstr("write 1h"));
}

TEST(ProgramErrors, UnknownDurationUnit) {
  EXPECT_THAT(compile_error("credential.lifetime > 5y"), HasSubstr("`5y` is not a duration"));
}

TEST(ProgramErrors, NegativeDuration) {
  EXPECT_THAT(compile_error("credential.lifetime > -5m"),
              HasSubstr("a duration cannot be negative"));
}

TEST(ProgramErrors, TimeFieldRejectsANonRfc3339String) {
  EXPECT_THAT(compile_error(R"(ts > "yesterday")"),
              HasSubstr("\"yesterday\" is not an RFC 3339 time"));
}

TEST(ProgramErrors, TimeFieldRejectsAnInteger) {
  EXPECT_THAT(compile_error("ts > 1700000000"), HasSubstr("`ts` is a time field"));
}

TEST(ProgramErrors, IntegerOutOfRange) {
  EXPECT_THAT(compile_error("seq > 99999999999999999999"), HasSubstr("out of range"));
}

TEST(ProgramErrors, UnknownFieldSuggestsTheNearestName) {
  EXPECT_EQ(compile_error("credential.revoke"),
            "column 1: unknown field `credential.revoke`; did you mean `credential.revoked`?");
}

TEST(ProgramErrors, UnknownFieldThatIsALastPartSuggestsTheFullName) {
  EXPECT_THAT(compile_error("revoked"), HasSubstr("did you mean `credential.revoked`?"));
}

TEST(ProgramErrors, FarFromAnyFieldGetsNoHint) {
  EXPECT_EQ(compile_error("zzzzzzzzzz"), "column 1: unknown field `zzzzzzzzzz`");
}

TEST(ProgramErrors, UnknownActionClassValueSuggestsTheNearest) {
  std::string error = compile_error(R"(action.class == "delet")");
  EXPECT_THAT(error, HasSubstr("\"delet\" is not a value of `action.class`"));
  EXPECT_THAT(error, HasSubstr("did you mean `delete`?"));
}

TEST(ProgramErrors, UnknownOutcomeValue) {
  EXPECT_THAT(compile_error(R"(outcome in ["denied", "refused"])"),
              HasSubstr("\"refused\" is not a value of `outcome`"));
}

TEST(ProgramErrors, EveryTypeErrorIsReportedWithItsColumn) {
  std::string error = compile_error(R"(seq glob "x" and credential.revoked > 5 or nope)");
  EXPECT_THAT(error, HasSubstr("column 5: `glob` needs a string field"));
  EXPECT_THAT(error, HasSubstr("column 37: `>` orders"));
  EXPECT_THAT(error, HasSubstr("column 44: unknown field `nope`"));
}

TEST(ProgramErrors, EmptyCondition) {
  EXPECT_THAT(compile_error("   "), HasSubstr("the condition is empty"));
}

TEST(ProgramErrors, SingleEqualsSuggestsDoubleEquals) {
  EXPECT_THAT(compile_error(R"(env = "prod")"), HasSubstr("did you mean `==`?"));
}

TEST(ProgramErrors, CStyleOperatorsSuggestWords) {
  EXPECT_THAT(compile_error("freeze.active && approval.covers"), HasSubstr("did you mean `and`?"));
  EXPECT_THAT(compile_error("!freeze.active"), HasSubstr("did you mean `not`?"));
}

TEST(ProgramErrors, UnclosedParenthesis) {
  EXPECT_THAT(compile_error("(freeze.active and approval.covers"),
              HasSubstr("expected `)` to close the `(` at column 1"));
}

TEST(ProgramErrors, UnmatchedClosingParenthesis) {
  EXPECT_THAT(compile_error("freeze.active)"), HasSubstr("column 14: unmatched `)`"));
}

TEST(ProgramErrors, TwoTestsWithoutAnOperator) {
  EXPECT_THAT(compile_error("freeze.active approval.covers"),
              HasSubstr("expected `and`, `or` or the end"));
}

TEST(ProgramErrors, UnterminatedString) {
  EXPECT_THAT(compile_error(R"(env == "prod)"), HasSubstr("column 8: unterminated string"));
}

TEST(ProgramErrors, EmptyList) {
  EXPECT_THAT(compile_error("env in []"), HasSubstr("an empty list never matches"));
}

TEST(ProgramErrors, ComparingTwoFields) {
  EXPECT_THAT(compile_error("credential.owner == actor.id"), HasSubstr("not with another field"));
}

TEST(ProgramErrors, NotAfterTheFieldSuggestsNotBefore) {
  EXPECT_THAT(compile_error(R"(env not in ["prod"])"), HasSubstr("write `not env in [...]`"));
}

TEST(ProgramErrors, BoolFieldInAList) {
  EXPECT_THAT(compile_error("freeze.active in [true]"), HasSubstr("`in` needs a string"));
}

TEST(ProgramErrors, BadGlob) {
  EXPECT_THAT(compile_error(R"(env glob "")"), HasSubstr("bad glob"));
}

TEST(ProgramErrors, BadRegex) {
  EXPECT_THAT(compile_error(R"(env matches "(unclosed")"), HasSubstr("bad regular expression"));
}

TEST(ProgramErrors, DeepParenthesesAreAnErrorNotAStackOverflow) {
  std::string condition(1000, '(');
  EXPECT_THAT(compile_error(condition), HasSubstr("nested deeper than 32 levels"));
}

TEST(ProgramErrors, ParenthesesAtTheLimitCompile) {
  std::string condition = std::string(32, '(') + "freeze.active" + std::string(32, ')');
  FakeResolver resolver;
  resolver.set("freeze.active", true);
  EXPECT_TRUE(eval(condition, resolver));
}

TEST(ProgramErrors, OverlongCondition) {
  std::string condition = "freeze.active";
  while (condition.size() <= 16384) condition += " and freeze.active";
  EXPECT_THAT(compile_error(condition), HasSubstr("longer than 16384 bytes"));
}

TEST(ProgramErrors, ContradictoryClassTestsCanNeverBeTrue) {
  EXPECT_THAT(compile_error(R"(action.class == "read" and action.class == "write")"),
              HasSubstr("can never be true"));
}

// ---- the action-class mask ----

uint16_t bits(std::initializer_list<ingest::ActionClass> classes) {
  uint16_t mask = 0;
  for (ingest::ActionClass c : classes) mask |= class_bit(c);
  return mask;
}

using ingest::ActionClass;

TEST(ProgramClassMask, UnconstrainedConditionHasEveryClass) {
  EXPECT_EQ(compile_ok("freeze.active").class_mask(), kAllClasses);
}

TEST(ProgramClassMask, EqualityKeepsOneClass) {
  EXPECT_EQ(compile_ok(R"(action.class == "delete" and agent.is_agent)").class_mask(),
            bits({ActionClass::kDelete}));
}

TEST(ProgramClassMask, InListKeepsItsClasses) {
  EXPECT_EQ(
      compile_ok(R"(action.class in ["publish", "sign"] and history.code_written)").class_mask(),
      bits({ActionClass::kPublish, ActionClass::kSign}));
}

TEST(ProgramClassMask, AndIntersects) {
  EXPECT_EQ(
      compile_ok(R"(action.class in ["write", "delete"] and action.class != "write")").class_mask(),
      bits({ActionClass::kDelete}));
}

TEST(ProgramClassMask, OrUnites) {
  EXPECT_EQ(compile_ok(R"((action.class == "delete" and freeze.active) or action.class == "admin")")
                .class_mask(),
            bits({ActionClass::kDelete, ActionClass::kAdmin}));
}

TEST(ProgramClassMask, OrWithAnUnconstrainedSideHasEveryClass) {
  EXPECT_EQ(compile_ok(R"(action.class == "delete" or freeze.active)").class_mask(), kAllClasses);
}

TEST(ProgramClassMask, NotOfAClassTestKeepsTheOthersAndTheUnsetClass) {
  EXPECT_EQ(compile_ok(R"(not action.class in ["read", "write"])").class_mask(),
            static_cast<uint16_t>(kAllClasses & ~bits({ActionClass::kRead, ActionClass::kWrite})));
}

TEST(ProgramClassMask, NotOfACompoundTestHasEveryClass) {
  EXPECT_EQ(compile_ok(R"(not (action.class == "read" and freeze.active))").class_mask(),
            kAllClasses);
}

TEST(ProgramClassMask, UnknownMeansTheUnsetClass) {
  EXPECT_EQ(compile_ok(R"(action.class == "unknown")").class_mask(), bits({ActionClass::kUnset}));
}

TEST(ProgramClassMask, GlobOnTheClassDoesNotConstrain) {
  EXPECT_EQ(compile_ok(R"(action.class glob "d*")").class_mask(), kAllClasses);
}

}  // namespace
}  // namespace aw::rules
