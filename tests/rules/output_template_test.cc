#include "rules/output_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/rules/fake_resolver.h"

namespace aw::rules {
namespace {

using testing::FakeResolver;
using ::testing::HasSubstr;

std::string render(std::string_view text, FakeResolver& resolver) {
  auto compiled = OutputTemplate::compile(text);
  EXPECT_TRUE(compiled.ok()) << compiled.status().message();
  std::string out;
  if (compiled.ok()) compiled->render(resolver, &out);
  return out;
}

std::string compile_error(std::string_view text) {
  auto compiled = OutputTemplate::compile(text);
  EXPECT_FALSE(compiled.ok());
  return compiled.ok() ? std::string() : compiled.status().message();
}

TEST(OutputTemplate, RendersLiteralsAndStringFields) {
  FakeResolver resolver;
  resolver.set("actor.id", "agent-0421").set("credential.id", "tok-9f3a");
  EXPECT_EQ(render("{actor.id} used {credential.id}.", resolver), "agent-0421 used tok-9f3a.");
}

TEST(OutputTemplate, RendersTimesAsRfc3339) {
  FakeResolver resolver;
  resolver.set_time("credential.revoked_at", "2026-11-20T09:30:00Z");
  EXPECT_EQ(render("at {credential.revoked_at}", resolver), "at 2026-11-20T09:30:00.000000Z");
}

TEST(OutputTemplate, RendersDurationsCompactly) {
  FakeResolver resolver;
  resolver.set("credential.lifetime", int64_t{5400} * 1000000);
  EXPECT_EQ(render("lifetime {credential.lifetime}", resolver), "lifetime 1h30m");
}

TEST(OutputTemplate, RendersIntsAndBools) {
  FakeResolver resolver;
  resolver.set("source.expected_seq", 184467).set("freeze.active", true);
  EXPECT_EQ(render("{source.expected_seq} {freeze.active}", resolver), "184467 true");
}

TEST(OutputTemplate, RendersAbsentFieldsAsADash) {
  FakeResolver resolver;
  EXPECT_EQ(render("revoked at {credential.revoked_at}", resolver), "revoked at -");
}

TEST(OutputTemplate, AppendsToTheCallersString) {
  FakeResolver resolver;
  resolver.set("env", "prod");
  auto compiled = OutputTemplate::compile("in {env}");
  ASSERT_TRUE(compiled.ok());
  std::string out = "summary: ";
  compiled->render(resolver, &out);
  EXPECT_EQ(out, "summary: in prod");
}

TEST(OutputTemplate, DoubledBracesAreLiteralBraces) {
  FakeResolver resolver;
  resolver.set("env", "prod");
  EXPECT_EQ(render("{{env}} is {env} }}", resolver), "{env} is prod }");
}

TEST(OutputTemplate, SpacesInsideBracesAreIgnored) {
  FakeResolver resolver;
  resolver.set("env", "prod");
  EXPECT_EQ(render("{ env }", resolver), "prod");
}

TEST(OutputTemplate, ListsItsFields) {
  auto compiled = OutputTemplate::compile("{actor.id} {env} {actor.id}");
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(compiled->fields(),
            (std::vector<FieldId>{FieldId::kActorId, FieldId::kEnv, FieldId::kActorId}));
}

TEST(OutputTemplate, UnknownFieldIsAnErrorWithAHint) {
  EXPECT_EQ(compile_error("used {credential.revoked_att}"),
            "column 7: unknown field `credential.revoked_att`; did you mean "
            "`credential.revoked_at`?");
}

TEST(OutputTemplate, UnclosedBraceIsAnError) {
  EXPECT_THAT(compile_error("used {credential.id"), HasSubstr("column 6: unclosed `{`"));
}

TEST(OutputTemplate, LoneClosingBraceIsAnError) {
  EXPECT_THAT(compile_error("used } here"), HasSubstr("column 6: unmatched `}`"));
}

TEST(OutputTemplate, EveryProblemIsReported) {
  std::string error = compile_error("{nope} and {nada} }");
  EXPECT_THAT(error, HasSubstr("column 2: unknown field `nope`"));
  EXPECT_THAT(error, HasSubstr("column 13: unknown field `nada`"));
  EXPECT_THAT(error, HasSubstr("column 19: unmatched `}`"));
}

TEST(OutputTemplate, LiteralRendersItsTextAsIs) {
  FakeResolver resolver;
  std::string out;
  OutputTemplate::literal("Change during a {freeze}").render(resolver, &out);
  EXPECT_EQ(out, "Change during a {freeze}");
  EXPECT_TRUE(resolver.fetched().empty());
}

}  // namespace
}  // namespace aw::rules
