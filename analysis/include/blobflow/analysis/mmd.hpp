// The maximum mean discrepancy between weighted points and a Gaussian or a mixture of Gaussians, in closed form
// (docs/math.md §8.4): with the kernel k(x, y) = exp(-|x - y|^2 / (2 l^2)) and weights w_i summing to 1,
//   MMD^2 = sum_ij w_i w_j k(x_i, x_j) - 2 sum_i w_i E k(x_i, Y) + E k(Y, Y'),   Y, Y' ~ rhobar independent,
// where for Y ~ N(m, S)  E k(x, Y) = det(I + S / l^2)^(-1/2) exp(-(x - m)^T (S + l^2 I)^(-1) (x - m) / 2), and
// E k(Y, Y') of two components a, b is the same expression at x - m = m_a - m_b with S = S_a + S_b.
#pragma once

#include <array>
#include <span>
#include <vector>

namespace blobflow::analysis {

/// One weighted component N(mean, covariance) in d <= 3 dimensions (unused entries 0; covariance d x d row-major).
struct NormalTerm {
  double weight = 1.0;
  std::array<double, 3> mean{};
  std::array<double, 9> covariance{};
};

/// MMD (not squared) between the points x (N d coordinates, particle-major) with masses m_i (normalized here) and
/// sum_a weight_a N(mean_a, covariance_a) (weights normalized here), for the kernel width `length`. The point-point
/// sum is direct, O(N^2). A squared value below 0 by round-off gives 0.
/// \throws std::invalid_argument for a dimension outside 1..3, sizes that do not match, no component, length <= 0
/// or a covariance that is not positive definite.
double mmd_to_normal_mixture(std::span<const double> x, std::span<const double> masses, int dimension,
                             std::span<const NormalTerm> mixture, double length);

}  // namespace blobflow::analysis
