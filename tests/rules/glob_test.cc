#include "rules/glob.h"

#include <gtest/gtest.h>

#include <chrono>

namespace aw::rules {
namespace {

bool match(std::string_view pattern, std::string_view text) {
  auto glob = Glob::compile(pattern);
  EXPECT_TRUE(glob.ok()) << pattern;
  return glob.ok() && glob->matches(text);
}

TEST(Glob, LiteralMatchesOnlyItself) {
  EXPECT_TRUE(match("repo:acme/payments", "repo:acme/payments"));
  EXPECT_FALSE(match("repo:acme/payments", "repo:acme/payments2"));
  EXPECT_FALSE(match("repo:acme/payments", "repo:acme/payment"));
}

TEST(Glob, SingleStarStopsAtSlash) {
  EXPECT_TRUE(match("sql.*", "sql.execute"));
  EXPECT_TRUE(match("sql.*", "sql."));
  EXPECT_FALSE(match("sql.*", "sql.a/b"));
  EXPECT_TRUE(match("db:staging/*", "db:staging/orders"));
  EXPECT_FALSE(match("db:staging/*", "db:staging/eu/orders"));
  EXPECT_TRUE(match("*.delete", "github.delete"));
  EXPECT_FALSE(match("*.delete", "a/github.delete"));
  EXPECT_TRUE(match("k8s:*/payments/*", "k8s:prod/payments/deploy"));
}

TEST(Glob, DoubleStarCrossesSlash) {
  EXPECT_TRUE(match("db:staging/**", "db:staging/eu/orders"));
  EXPECT_TRUE(match("db:staging/**", "db:staging/"));
  EXPECT_FALSE(match("db:staging/**", "db:prod/orders"));
  EXPECT_TRUE(match("**", "anything/at/all"));
  EXPECT_TRUE(match("**", ""));
  EXPECT_TRUE(match("k8s:**/secrets/*", "k8s:prod/ns/secrets/token"));
  EXPECT_FALSE(match("k8s:**/secrets/*", "k8s:prod/ns/secrets/a/b"));
  EXPECT_TRUE(match("a/**/z", "a/b/c/z"));
}

TEST(Glob, QuestionMarkIsOneNonSlashCharacter) {
  EXPECT_TRUE(match("tok-?", "tok-1"));
  EXPECT_FALSE(match("tok-?", "tok-12"));
  EXPECT_FALSE(match("a?b", "a/b"));
}

TEST(Glob, BackslashEscapesWildcards) {
  EXPECT_TRUE(match(R"(weird\*name)", "weird*name"));
  EXPECT_FALSE(match(R"(weird\*name)", "weirdXname"));
  EXPECT_FALSE(Glob::compile(R"(dangling\)").ok());
  EXPECT_FALSE(Glob::compile("").ok());
}

TEST(Glob, ReportsLiteralPatterns) {
  auto literal = Glob::compile("repo:acme/x");
  ASSERT_TRUE(literal.ok());
  EXPECT_TRUE(literal->is_literal());
  EXPECT_EQ(literal->literal(), "repo:acme/x");
  auto wild = Glob::compile("repo:*");
  ASSERT_TRUE(wild.ok());
  EXPECT_FALSE(wild->is_literal());
}

// A pathological pattern against hostile text must not backtrack exponentially. The bound is
// generous (seconds, not microseconds): it catches exponential blow-up, not small regressions.
TEST(Glob, PathologicalPatternsStayPolynomial) {
  auto glob = Glob::compile("*a*a*a*a*a*a*a*b");
  ASSERT_TRUE(glob.ok());
  std::string text(3000, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(glob->matches(text));
  auto double_star = Glob::compile("**a**a**a**a**a**b");
  ASSERT_TRUE(double_star.ok());
  EXPECT_FALSE(double_star->matches(text));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace aw::rules
