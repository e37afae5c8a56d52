// FakeResolver: answers rules::Program and rules::OutputTemplate look-ups from a map, and
// records every look-up so tests can prove what evaluation fetched.
#pragma once

#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/timestamp.h"
#include "rules/field.h"

namespace aw::testing {

class FakeResolver {
 public:
  FakeResolver& set(std::string_view field, rules::FieldValue value) {
    auto id = rules::find_field(field);
    if (!id) throw std::invalid_argument("no field " + std::string(field));
    values_[*id] = value;
    return *this;
  }
  FakeResolver& set(std::string_view field, bool value) {
    return set(field, rules::FieldValue::of(value));
  }
  FakeResolver& set(std::string_view field, int64_t value) {
    return set(field, rules::FieldValue::of(value));
  }
  FakeResolver& set(std::string_view field, int value) {
    return set(field, rules::FieldValue::of(static_cast<int64_t>(value)));
  }
  // Strings are copied, so callers may pass temporaries.
  FakeResolver& set(std::string_view field, const char* value) {
    strings_.emplace_back(value);
    return set(field, rules::FieldValue::of(std::string_view(strings_.back())));
  }
  FakeResolver& set_time(std::string_view field, std::string_view rfc3339) {
    int64_t us = 0;
    if (!ingest::parse_rfc3339(rfc3339, &us)) throw std::invalid_argument("bad time");
    return set(field, rules::FieldValue::of(us));
  }

  rules::FieldValue get(rules::FieldId id) {
    fetched_.push_back(id);
    auto it = values_.find(id);
    return it == values_.end() ? rules::FieldValue::absent() : it->second;
  }

  const std::vector<rules::FieldId>& fetched() const { return fetched_; }
  bool was_fetched(std::string_view field) const {
    auto id = rules::find_field(field);
    for (rules::FieldId f : fetched_) {
      if (id && f == *id) return true;
    }
    return false;
  }

 private:
  std::map<rules::FieldId, rules::FieldValue> values_;
  std::deque<std::string> strings_;  // a deque never moves its elements, so views stay valid
  std::vector<rules::FieldId> fetched_;
};

}  // namespace aw::testing
