// The hot-path promise of rules/: evaluating a compiled condition and rendering an output
// template into a reused string allocate nothing. This binary replaces the global operator new
// to count allocations inside the measured scope.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "rules/output_template.h"
#include "rules/program.h"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace aw::rules {
namespace {

// Answers from a fixed table, without recording: the test measures the rules library alone.
class TableResolver {
 public:
  TableResolver() {
    set(FieldId::kActionClass, FieldValue::of(std::string_view("delete")));
    set(FieldId::kResourceName, FieldValue::of(std::string_view("db:prod/orders")));
    set(FieldId::kActionVerb, FieldValue::of(std::string_view("DROP TABLE orders")));
    set(FieldId::kEnv, FieldValue::of(std::string_view("prod")));
    set(FieldId::kSeq, FieldValue::of(int64_t{42}));
    set(FieldId::kCredentialLifetime, FieldValue::of(int64_t{7200} * 1000000));
    set(FieldId::kCredentialRevokedAt, FieldValue::of(int64_t{1795000000} * 1000000));
    set(FieldId::kFreezeActive, FieldValue::of(true));
  }
  FieldValue get(FieldId id) const { return values_[static_cast<size_t>(id)]; }

 private:
  void set(FieldId id, FieldValue value) { values_[static_cast<size_t>(id)] = value; }
  std::array<FieldValue, kFieldCount> values_{};
};

TEST(NoAllocation, EvaluatingAConditionAllocatesNothing) {
  auto program = Program::compile(
      R"(action.class in ["delete", "admin"] and freeze.active and not approval.break_glass )"
      R"(and resource.name glob "db:prod/**" and action.verb matches "(?i)^drop\s" )"
      R"(and seq >= 10 and credential.lifetime > 1h and env != "dev")");
  ASSERT_TRUE(program.ok()) << program.status().message();
  TableResolver resolver;
  ASSERT_TRUE(program->matches(resolver));  // warms RE2's lazily built automaton
  const size_t before = g_allocations.load();
  bool all = true;
  for (int i = 0; i < 1000; ++i) all = program->matches(resolver) && all;
  EXPECT_TRUE(all);
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

TEST(NoAllocation, RenderingIntoAReusedStringAllocatesNothing) {
  auto output = OutputTemplate::compile(
      "{resource.name} in {env}: seq {seq}, lifetime {credential.lifetime}, revoked at "
      "{credential.revoked_at}, freeze {freeze.active}, approval {approval.id}");
  ASSERT_TRUE(output.ok()) << output.status().message();
  TableResolver resolver;
  std::string out;
  out.reserve(1024);
  const size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    out.clear();
    output->render(resolver, &out);
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_EQ(out,
            "db:prod/orders in prod: seq 42, lifetime 2h, revoked at 2026-11-18T11:06:40.000000Z, "
            "freeze true, approval -");
}

}  // namespace
}  // namespace aw::rules
