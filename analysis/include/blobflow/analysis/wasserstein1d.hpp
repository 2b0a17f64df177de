// Exact Wasserstein distances in 1D between a weighted particle measure and a continuous law, docs/math.md §4.2, and
// between two weighted particle measures (merge of the two cumulative weight sequences). For the law:
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

/// Exact W1, W2 and W-inf between two particle measures mu = sum_i a_i delta_(x_i) and nu = sum_j b_j delta_(y_j).
/// Convention: both are probability measures (each weight vector is divided by its own sum); W_p is reported, not
/// W_p^p. Positions may be in any order; N = x.size() and M = y.size() may differ. Each measure is sorted and the two
/// cumulative weight sequences are merged (the monotone, optimal coupling): between consecutive merged levels
/// u_(k-1) < u_k the coupling moves mass u_k - u_(k-1) from the current x_i to the current y_j, so
///   W_p^p = sum_k (u_k - u_(k-1)) |x_i(k) - y_j(k)|^p,   W_inf = max_{k: u_k - u_(k-1) > kTie} |x_i(k) - y_j(k)|,
/// in O((N + M) log(N + M)). kTie = 8 machine epsilons: the cumulative levels are correctly rounded up to ~2 eps each,
/// so a merged segment that short is a rounding artefact of two equal levels (W_inf is an essential supremum over u
/// and ignores it); such segments still enter W1 and W2, where their contribution is below round-off.
/// \throws std::invalid_argument when x_weights.size() != x.size() or y_weights.size() != y.size(), a measure has no
/// particles, a weight is negative or non-finite, a measure's weights sum to zero (or overflow), or a position is not
/// finite.
WassersteinDistances wasserstein_1d(std::span<const double> x, std::span<const double> x_weights,
                                    std::span<const double> y, std::span<const double> y_weights);

}  // namespace blobflow::analysis
