// Test helper: W2 between two 1D laws from their quantile functions, W2^2 = int_0^1 |Q_a(u) - Q_b(u)|^2 du
// (docs/math.md §4.2), integrated panel by panel between the levels of the piecewise-constant law(s) involved, where
// each PiecewiseConstantLaw1D quantile is linear. Interior panels use Gauss-Legendre (exact when both laws are
// piecewise constant: the integrand is then a quadratic); the two end panels use tanh-sinh, which tolerates the
// integrable end singularities of exact quantiles (Barenblatt edges, Gaussian tails).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"

namespace blobflow::analysis::testing {

/// Gauss-Legendre nodes per interior panel: a quadratic needs 2; 8 also resolves a smooth exact quantile on a panel.
constexpr unsigned kPanelNodes = 8;

/// W2 between `a` and `b`, panels at the union of `levels` (sorted, from 0 to 1).
inline double w2_between(const Law1D& a, const Law1D& b, std::vector<double> levels) {
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  const auto squared = [&](double u) {
    const double d = a.quantile(u) - b.quantile(u);
    return d * d;
  };
  double sum = 0.0;
  static boost::math::quadrature::tanh_sinh<double> end_rule;
  for (std::size_t k = 0; k + 1 < levels.size(); ++k) {
    const double lo = levels[k];
    const double hi = levels[k + 1];
    if (!(hi > lo)) continue;
    if (k == 0 || k + 2 == levels.size()) {
      sum += end_rule.integrate(squared, lo, hi);
    } else {
      sum += boost::math::quadrature::gauss<double, kPanelNodes>::integrate(squared, lo, hi);
    }
  }
  return std::sqrt(std::max(0.0, sum));
}

/// W2 between a piecewise-constant law and any law.
inline double w2_between(const PiecewiseConstantLaw1D& a, const Law1D& b) { return w2_between(a, b, a.levels()); }

/// W2 between two piecewise-constant laws (exact up to round-off).
inline double w2_between(const PiecewiseConstantLaw1D& a, const PiecewiseConstantLaw1D& b) {
  std::vector<double> levels = a.levels();
  levels.insert(levels.end(), b.levels().begin(), b.levels().end());
  return w2_between(a, b, std::move(levels));
}

}  // namespace blobflow::analysis::testing
