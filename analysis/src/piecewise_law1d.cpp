// The piecewise-constant law of piecewise_law1d.hpp. Cumulative levels are compensated prefix sums of the normalized
// cell masses (the last set to 1 exactly), so the quantile interpolates in levels that are correctly rounded even for
// 10^5 cells. Interval moments are built cell by cell from each piece's own mass, midpoint and width^2/12 variance
// (as law1d.cpp, about the interval's midpoint), so narrow intervals keep their relative accuracy.
#include "blobflow/analysis/piecewise_law1d.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

constexpr const char* kWhere = "PiecewiseConstantLaw1D";

/// The variance of the uniform law on an interval of width w is w^2 / kUniformVarianceDivisor.
constexpr double kUniformVarianceDivisor = 12.0;

}  // namespace

PiecewiseConstantLaw1D::PiecewiseConstantLaw1D(std::span<const double> edges, std::span<const double> masses) {
  using detail::describe;
  if (masses.empty()) throw std::invalid_argument(describe(kWhere, "masses.size()", 0.0, "must be >= 1"));
  if (edges.size() != masses.size() + 1)
    throw std::invalid_argument(describe(kWhere, "edges.size()", static_cast<double>(edges.size()),
                                         "must equal masses.size() + 1 = " + std::to_string(masses.size() + 1)));
  for (std::size_t k = 0; k < edges.size(); ++k) {
    if (!std::isfinite(edges[k]))
      throw std::invalid_argument(describe(kWhere, "edges[" + std::to_string(k) + "]", edges[k], "must be finite"));
    if (k > 0 && !(edges[k] > edges[k - 1]))
      throw std::invalid_argument(describe(kWhere, "edges[" + std::to_string(k) + "]", edges[k],
                                           "must be > edges[" + std::to_string(k - 1) +
                                               "] = " + detail::format_value(edges[k - 1])));
  }
  // Neumaier-compensated total and prefix sums.
  double total = 0.0;
  double correction = 0.0;
  for (std::size_t k = 0; k < masses.size(); ++k) {
    const double mass = masses[k];
    if (!(mass > 0.0) || !std::isfinite(mass))
      throw std::invalid_argument(describe(kWhere, "masses[" + std::to_string(k) + "]", mass, "must be finite and > 0"));
    const double sum = total + mass;
    correction += std::abs(total) >= std::abs(mass) ? (total - sum) + mass : (mass - sum) + total;
    total = sum;
  }
  total += correction;
  if (!std::isfinite(total))
    throw std::invalid_argument(describe(kWhere, "sum of masses", total, "must be finite"));

  edges_.assign(edges.begin(), edges.end());
  masses_.resize(masses.size());
  density_.resize(masses.size());
  levels_.resize(edges.size());
  levels_[0] = 0.0;
  double prefix = 0.0;
  double prefix_correction = 0.0;
  for (std::size_t k = 0; k < masses.size(); ++k) {
    masses_[k] = masses[k] / total;
    density_[k] = masses_[k] / (edges_[k + 1] - edges_[k]);
    const double sum = prefix + masses[k];
    prefix_correction += std::abs(prefix) >= masses[k] ? (prefix - sum) + masses[k] : (masses[k] - sum) + prefix;
    prefix = sum;
    // Clamped so that rounding can never make the levels decrease; the last level is 1 exactly.
    levels_[k + 1] = k + 1 == masses.size() ? 1.0 : std::clamp((prefix + prefix_correction) / total, levels_[k], 1.0);
  }
}

double PiecewiseConstantLaw1D::cdf(double x) const {
  if (std::isnan(x)) return x;
  if (x <= edges_.front()) return 0.0;
  if (x >= edges_.back()) return 1.0;
  // Cell k with e_k <= x < e_(k+1).
  const auto k = static_cast<std::size_t>(std::upper_bound(edges_.begin(), edges_.end(), x) - edges_.begin()) - 1;
  return std::min(levels_[k] + masses_[k] * ((x - edges_[k]) / (edges_[k + 1] - edges_[k])), levels_[k + 1]);
}

double PiecewiseConstantLaw1D::quantile(double u) const {
  if (!(u >= 0.0 && u <= 1.0))
    throw std::invalid_argument(detail::describe("PiecewiseConstantLaw1D::quantile", "u", u, "must be in [0, 1]"));
  if (u == 0.0) return edges_.front();
  if (u == 1.0) return edges_.back();
  // Cell k with u_k <= u < u_(k+1) (every cell has positive mass, but rounded levels may tie).
  const auto upper = std::upper_bound(levels_.begin(), levels_.end(), u);
  const auto k = std::min(static_cast<std::size_t>(upper - levels_.begin()) - 1, masses_.size() - 1);
  const double span = levels_[k + 1] - levels_[k];
  const double fraction = span > 0.0 ? std::clamp((u - levels_[k]) / span, 0.0, 1.0) : 0.0;
  return edges_[k] + fraction * (edges_[k + 1] - edges_[k]);
}

IntervalMoments PiecewiseConstantLaw1D::moments(double a, double b) const {
  if (!(a <= b))
    throw std::invalid_argument(detail::describe("PiecewiseConstantLaw1D::moments", "a", a,
                                                 "must be <= b = " + detail::format_value(b)));
  const double lo = std::clamp(a, edges_.front(), edges_.back());
  const double hi = std::clamp(b, edges_.front(), edges_.back());
  const double centre = lo + 0.5 * (hi - lo);
  if (!(lo < hi)) return {0.0, centre, 0.0};
  // First cell meeting [lo, hi]: e_k <= lo < e_(k+1).
  auto k = static_cast<std::size_t>(std::upper_bound(edges_.begin(), edges_.end(), lo) - edges_.begin()) - 1;
  double mass = 0.0;
  double first = 0.0;   // sum of q (midpoint - centre)
  double second = 0.0;  // sum of q ((midpoint - centre)^2 + width^2/12)
  for (; k < masses_.size() && edges_[k] < hi; ++k) {
    const double piece_lo = std::max(lo, edges_[k]);
    const double piece_hi = std::min(hi, edges_[k + 1]);
    const double width = piece_hi - piece_lo;
    if (!(width > 0.0)) continue;
    const double q = density_[k] * width;
    const double offset = (piece_lo + 0.5 * width) - centre;
    mass += q;
    first += q * offset;
    second += q * (offset * offset + width * width / kUniformVarianceDivisor);
  }
  if (!(mass > 0.0)) return {0.0, centre, 0.0};
  const double shift = first / mass;
  return {mass, centre + shift, std::max(0.0, second / mass - shift * shift)};
}

}  // namespace blobflow::analysis
