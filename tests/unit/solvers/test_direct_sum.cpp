// Unit tests of the brute-force summation engine (direct_sum.hpp) against a hand-written triple loop over targets,
// sources and coordinates, on small random sets with distinct target and source sets and unequal weights, in
// d = 1, 2, 3, for the Gaussian and for a non-Gaussian radial kernel (the engine must not assume a Gaussian).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"

namespace blobflow {
namespace {

/// The reference adds the same terms in the same order, so the sums agree to a few ulps of the sum of |terms|
/// (the compiler may contract a*b+c differently in the two loops); 1e-14 is ~50 ulps.
constexpr double kSumTolerance = 1e-14;
constexpr unsigned kSeed = 20261128;  // docs/architecture.md "Conventions": fixed seeds

/// A radial kernel that is not a Gaussian: K(x) = 1/(1 + |x|^2), grad K(x) = -2 x / (1 + |x|^2)^2.
struct CauchyKernel {
  int dim;
  int dimension() const { return dim; }
  double value(double r2) const { return 1.0 / (1.0 + r2); }
  double gradient_factor(double r2) const { return -2.0 / ((1.0 + r2) * (1.0 + r2)); }
};
static_assert(RadialKernel<CauchyKernel>);

std::vector<double> random_vector(std::mt19937& rng, std::size_t n, double lo, double hi) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

struct Reference {
  std::vector<double> potential, gradient;          // the sums
  std::vector<double> potential_abs, gradient_abs;  // the sums of |terms|, the round-off scale
};

/// The triple loop, written independently of the engine: targets i, sources j, coordinates k.
template <class K>
Reference triple_loop(const K& kernel, int dim, const std::vector<double>& y, const std::vector<double>& x,
                      const std::vector<double>& w) {
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n_targets = y.size() / d, n_sources = x.size() / d;
  Reference r{std::vector<double>(n_targets, 0.0), std::vector<double>(y.size(), 0.0),
              std::vector<double>(n_targets, 0.0), std::vector<double>(y.size(), 0.0)};
  for (std::size_t i = 0; i < n_targets; ++i) {
    for (std::size_t j = 0; j < n_sources; ++j) {
      double r2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) r2 += (y[i * d + k] - x[j * d + k]) * (y[i * d + k] - x[j * d + k]);
      r.potential[i] += w[j] * kernel.value(r2);
      r.potential_abs[i] += std::abs(w[j] * kernel.value(r2));
      for (std::size_t k = 0; k < d; ++k) {
        const double term = w[j] * kernel.gradient_factor(r2) * (y[i * d + k] - x[j * d + k]);
        r.gradient[i * d + k] += term;
        r.gradient_abs[i * d + k] += std::abs(term);
      }
    }
  }
  return r;
}

template <class K>
void expect_engine_matches_triple_loop(const K& kernel, int dim, std::mt19937& rng) {
  constexpr std::size_t kTargets = 7, kSources = 9;
  const auto d = static_cast<std::size_t>(dim);
  const std::vector<double> y = random_vector(rng, kTargets * d, -1.0, 1.0);
  const std::vector<double> x = random_vector(rng, kSources * d, -1.2, 0.9);
  const std::vector<double> w = random_vector(rng, kSources, 0.2, 2.0);
  const DirectSum engine;

  const Reference ref = triple_loop(kernel, dim, y, x, w);
  std::vector<double> potential(kTargets), gradient(kTargets * d);
  engine.potential(kernel, PointSet{y, dim}, PointSet{x, dim}, w, potential);
  engine.gradient(kernel, PointSet{y, dim}, PointSet{x, dim}, w, gradient);
  for (std::size_t i = 0; i < kTargets; ++i)
    EXPECT_NEAR(potential[i], ref.potential[i], kSumTolerance * ref.potential_abs[i]) << "d = " << dim << ", i = " << i;
  for (std::size_t i = 0; i < gradient.size(); ++i)
    EXPECT_NEAR(gradient[i], ref.gradient[i], kSumTolerance * ref.gradient_abs[i]) << "d = " << dim << ", entry " << i;

  // Self sums over the sources: the j = i term is included (K(0) w_i in the potential, 0 in the gradient).
  const Reference self_ref = triple_loop(kernel, dim, x, x, w);
  std::vector<double> self_potential(kSources), self_gradient(kSources * d);
  engine.self_potential(kernel, PointSet{x, dim}, w, self_potential);
  engine.self_gradient(kernel, PointSet{x, dim}, w, self_gradient);
  for (std::size_t i = 0; i < kSources; ++i)
    EXPECT_NEAR(self_potential[i], self_ref.potential[i], kSumTolerance * self_ref.potential_abs[i])
        << "d = " << dim << ", i = " << i;
  for (std::size_t i = 0; i < self_gradient.size(); ++i)
    EXPECT_NEAR(self_gradient[i], self_ref.gradient[i], kSumTolerance * self_ref.gradient_abs[i])
        << "d = " << dim << ", entry " << i;
}

TEST(DirectSum, GaussianPotentialGradientAndSelfSumsMatchATripleLoopInOneTwoAndThreeDimensions) {
  std::mt19937 rng(kSeed);
  for (int dim = 1; dim <= 3; ++dim)
    for (const double sigma : {0.15, 0.8}) expect_engine_matches_triple_loop(GaussianKernel(dim, sigma), dim, rng);
}

TEST(DirectSum, NonGaussianKernelSumsMatchATripleLoopInOneTwoAndThreeDimensions) {
  std::mt19937 rng(kSeed + 1);
  for (int dim = 1; dim <= 3; ++dim) expect_engine_matches_triple_loop(CauchyKernel{dim}, dim, rng);
}

TEST(DirectSum, SinglePairInTwoDimensionsMatchesTheKernelByHand) {
  // One target, one source: s = w K(y - x), g = w grad K(y - x) = w g(|y - x|^2) (y - x), here with exact values.
  const CauchyKernel kernel{2};
  const std::vector<double> y = {1.0, 2.0}, x = {0.0, 0.0}, w = {3.0};
  std::vector<double> s(1), g(2);
  const DirectSum engine;
  engine.potential(kernel, PointSet{y, 2}, PointSet{x, 2}, w, s);
  engine.gradient(kernel, PointSet{y, 2}, PointSet{x, 2}, w, g);
  EXPECT_DOUBLE_EQ(s[0], 3.0 / 6.0);
  EXPECT_DOUBLE_EQ(g[0], 3.0 * (-2.0 / 36.0) * 1.0);
  EXPECT_DOUBLE_EQ(g[1], 3.0 * (-2.0 / 36.0) * 2.0);
}

}  // namespace
}  // namespace blobflow
