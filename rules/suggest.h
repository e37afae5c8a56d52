// "Did you mean ...?" hints for rule files: the nearest of a set of known names.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace aw::rules::detail {

// Levenshtein distance, in bytes.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a likely typo (at most a third
// of the name's length away, and at least one edit allowed), or a candidate whose last dotted
// part is `name` ("revoked" → "credential.revoked") when only one is; empty otherwise.
std::string nearest_name(std::string_view name, std::span<const std::string_view> candidates);

// The nearest rule field name, by the rule above.
std::string nearest_field(std::string_view name);

// "did you mean `x`?", or empty when `suggestion` is.
std::string did_you_mean(std::string_view suggestion);

}  // namespace aw::rules::detail
