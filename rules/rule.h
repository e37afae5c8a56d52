// CompiledRule: one rule of a RuleSet, compiled from YAML by the rule loader (rules/README.md
// describes the file format). Everything a rule says is checked and compiled at load; the
// detect stage only runs `condition`, counts `threshold` and renders `output`.
//
// Thread-safety: immutable once loaded; share freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/field.h"
#include "rules/output_template.h"
#include "rules/program.h"

namespace aw::rules {

enum class Severity : uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };

// "info", "low", "medium", "high", "critical".
std::string_view severity_name(Severity severity);
bool parse_severity(std::string_view text, Severity* out);

// Framework references, as ids: OWASP Top 10 for Non-Human Identities 2025 ("NHI7"), OWASP
// Top 10 for Agentic Applications 2026 ("ASI03"), NIST CSF 2.0 ("PR.AA-05").
struct References {
  std::vector<std::string> owasp_nhi;
  std::vector<std::string> owasp_agentic;
  std::vector<std::string> nist_csf;
};

// The rule fires when MORE than `count` matching events of one group (same `group_by` value)
// fall within a trailing `window_us`; the detect stage does the counting.
struct Threshold {
  uint32_t count = 0;
  int64_t window_us = 0;
  FieldId group_by = FieldId::kActorId;
};

struct CompiledRule {
  std::string id;           // kebab-case, unique within a RuleSet
  std::string name;         // defaults to the id
  std::string description;  // may be empty
  std::string origin;       // "file:line" of the definition in force
  bool builtin = false;     // defined by the built-in pack and not overridden
  Severity severity = Severity::kMedium;
  References references;
  Program condition;
  // The action classes the condition can match: bit class_bit(c) for class c.
  uint16_t class_mask = kAllClasses;
  std::optional<Threshold> threshold;
  std::vector<FieldId> facts;  // copied into the alert as its explanation, in this order
  OutputTemplate output;       // the alert's summary; the rule's name when the file gives none
  std::vector<std::string> tags;
};

}  // namespace aw::rules
