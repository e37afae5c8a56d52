// Reading an evidence store a test process (the agentwatch binary) wrote: opened read-only.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "store/evidence_store.h"

namespace aw::testing {

inline std::optional<store::EvidenceStore> open_read_only(const std::string& path) {
  store::StoreOptions options;
  options.path = path;
  options.read_only = true;
  auto opened = store::EvidenceStore::open(options);
  EXPECT_TRUE(opened.ok()) << opened.status().to_string();
  if (!opened.ok()) return std::nullopt;
  return std::move(opened.value());
}

// The store's verify report (events counted, chain checked); empty when it cannot be read.
inline store::VerifyReport verify_store(const std::string& path) {
  auto opened = open_read_only(path);
  if (!opened) return {};
  auto report = opened->verify();
  EXPECT_TRUE(report.ok());
  return report.ok() ? *report : store::VerifyReport{};
}

}  // namespace aw::testing
