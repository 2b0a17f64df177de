// The "did you mean" of registry lookups (registry.hpp).
#include "blobflow/solvers/registry.hpp"

#include <algorithm>

namespace blobflow {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(std::string_view given, std::span<const std::string> candidates) {
  constexpr std::size_t kMaxTypoDistance = 3;  // catches swapped, missing or doubled letters, not unrelated words
  std::string best;
  std::size_t best_distance = kMaxTypoDistance + 1;
  for (const auto& c : candidates) {
    // The edit distance is at least the difference of the lengths: a long value (a megabyte, say) is no typo of a
    // name, and is not compared letter by letter.
    const std::size_t length_difference = given.size() > c.size() ? given.size() - c.size() : c.size() - given.size();
    if (length_difference > kMaxTypoDistance) continue;
    const std::size_t dist = edit_distance(given, c);
    if (dist < best_distance) best_distance = dist, best = c;
  }
  return best.empty() ? "" : " (did you mean \"" + best + "\"?)";
}

}  // namespace blobflow
