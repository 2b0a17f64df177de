// Exact Wasserstein distances in 1D between a weighted particle measure and a continuous law, MATH.md §4.2 [D]:
// with the particles sorted and c_i the cumulative normalized weights,
//   W_p^p = sum_i int_{c_(i-1)}^{c_i} |x_i - Q(u)|^p du,   W_inf = max_i max_{u in [c_(i-1), c_i]} |x_i - Q(u)|.
// No sampling: each term is integrated exactly from the law's interval moments.
#pragma once

#include <span>

#include "blobflow/analysis/law1d.hpp"

namespace blobflow::analysis {

/// W_p for p = 1, 2, infinity (reported as W_p, not W_p^p).
struct WassersteinDistances {
  double w1 = 0.0;
  double w2 = 0.0;
  double winf = 0.0;
};

/// Exact W1, W2 and W-inf between the particle measure sum_i w_i delta_(x_i) and `law`.
/// Convention: both sides are probability measures; the weights are divided by their sum.
/// Positions may be in any order. \throws std::invalid_argument when the sizes differ, there are no particles,
/// a weight is negative or non-finite, the weights sum to zero, or a position is not finite.
WassersteinDistances wasserstein_1d(std::span<const double> x, std::span<const double> weights, const Law1D& law);

}  // namespace blobflow::analysis
