// FactResolver: answers rules::FieldIds for one event, computing facts from the registry (as it
// was at the event's time) and from the correlation state only when a rule asks, and at most once
// per event. Compiled rule programs call get() through a template, so there is no virtual call
// and nothing is allocated.
//
// Lifetime: one resolver per event, on the stack; string values point into the event, the
// registry entries or static storage, and stay valid while those do.
#pragma once

#include <cstdint>

#include "detect/correlation_state.h"
#include "detect/registry.h"
#include "ingest/event.h"
#include "rules/field.h"

namespace aw::detect {

class FactResolver {
 public:
  FactResolver(const ingest::Event& event, const Registry& registry, const CorrelationState& state)
      : event_(event), registry_(registry), state_(state) {}

  rules::FieldValue get(rules::FieldId id);

  // Pieces the engine also needs when it updates state and writes alerts.
  const AgentVersion* agent();
  const Credential* credential();
  const Freeze* freeze();
  bool is_agent();

  // Hands in look-ups the engine already made for the whole batch (see Engine::process).
  void prime(const AgentVersion* agent, const Credential* credential) {
    agent_ = agent;
    credential_ = credential;
    computed_ |= kAgent | kCredential;
  }

  // Set by the engine before rules run: the sequence check has to update state, so the engine
  // does it once per event and hands the result in.
  void set_sequence(bool gap, uint64_t expected) {
    seq_gap_ = gap;
    expected_seq_ = expected;
  }

 private:
  enum Computed : uint32_t {
    kAgent = 1u << 0,
    kCredential = 1u << 1,
    kEnv = 1u << 2,
    kScope = 1u << 3,
    kFreeze = 1u << 4,
    kApproval = 1u << 5,
    kBreakGlass = 1u << 6,
    kSnapshot = 1u << 7,
    kCodeWritten = 1u << 8,
  };
  bool once(Computed what) {
    if (computed_ & what) return false;
    computed_ |= what;
    return true;
  }
  EnvMask env();
  void compute_scope();
  const Approval* approval();
  const Approval* break_glass();

  const ingest::Event& event_;
  const Registry& registry_;
  const CorrelationState& state_;
  uint32_t computed_ = 0;

  const AgentVersion* agent_ = nullptr;
  const Credential* credential_ = nullptr;
  EnvMask env_ = 0;
  bool scope_covered_ = false;
  std::string_view scope_missing_;
  const Freeze* freeze_ = nullptr;
  const Approval* approval_ = nullptr;
  const Approval* break_glass_ = nullptr;
  std::optional<int64_t> snapshot_last_;
  bool code_written_ = false;
  bool seq_gap_ = false;
  uint64_t expected_seq_ = 0;
};

}  // namespace aw::detect
