#include "rules/suggest.h"

#include <algorithm>
#include <vector>

#include "rules/field.h"

namespace aw::rules::detail {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string nearest_name(std::string_view name, std::span<const std::string_view> candidates) {
  // Names longer than any known one are not typos; bounding them also bounds the work.
  constexpr size_t kMaxLength = 64;
  if (name.empty() || name.size() > kMaxLength) return {};
  std::string_view best;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (std::string_view candidate : candidates) {
    size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  if (!best.empty()) return std::string(best);
  std::string_view suffix_match;
  int suffix_matches = 0;
  for (std::string_view candidate : candidates) {
    if (candidate.size() > name.size() && candidate.ends_with(name) &&
        candidate[candidate.size() - name.size() - 1] == '.') {
      suffix_match = candidate;
      ++suffix_matches;
    }
  }
  return suffix_matches == 1 ? std::string(suffix_match) : std::string();
}

std::string nearest_field(std::string_view name) {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    for (int i = 0; i < kFieldCount; ++i) names.push_back(field_infos()[i].name);
    return names;
  }();
  return nearest_name(name, kNames);
}

std::string did_you_mean(std::string_view suggestion) {
  if (suggestion.empty()) return {};
  return "did you mean `" + std::string(suggestion) + "`?";
}

}  // namespace aw::rules::detail
