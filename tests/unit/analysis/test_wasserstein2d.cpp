// Unit tests of wasserstein2d.hpp: the exact discrete W2 (network simplex) against independent answers (the exact 1D
// merge of wasserstein1d.hpp, brute force over permutations, translations, product measures whose W2^2 is the sum of
// the 1D ones), W2 against a density under quadrature refinement (product of 1D laws, computed independently in 1D),
// the Barenblatt trajectory bound (docs/math.md §4.1) and the sliced W2 with deterministic directions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/analysis/wasserstein2d.hpp"

namespace blobflow::analysis {
namespace {

/// The simplex works on weights rounded to 2^-51 of the total: W2^2 relative error ~ (N + M) 2^-50 (diameter/W2)^2,
/// about 1e-12 for the sizes and spreads below, and W2 half of that; 1e-10 leaves a factor 100.
constexpr double kWeightRoundingTolerance = 1e-10;
/// Fixed seed of every random test (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261128;

struct Cloud {
  int d = 2;
  std::vector<double> x;  // flat
  std::vector<double> w;
};

Cloud random_cloud(std::mt19937_64& rng, int d, std::size_t n) {
  std::uniform_real_distribution<double> position(-1.0, 2.0);
  std::uniform_real_distribution<double> weight(0.1, 1.1);
  Cloud c;
  c.d = d;
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) c.x.push_back(position(rng));
    c.w.push_back(weight(rng));
  }
  return c;
}

double w2(const Cloud& a, const Cloud& b) { return wasserstein2_discrete(a.d, a.x, a.w, b.x, b.w); }

TEST(Wasserstein2Discrete, OneDimensionalDataMatchTheExactMerge) {
  std::mt19937_64 rng(kSeed);
  for (const std::size_t n : {1u, 3u, 17u, 120u}) {
    const Cloud a = random_cloud(rng, 1, n);
    const Cloud b = random_cloud(rng, 1, n + 5);
    const double merge = wasserstein_1d(a.x, a.w, b.x, b.w).w2;
    EXPECT_NEAR(w2(a, b), merge, kWeightRoundingTolerance * merge) << "n = " << n;
  }
}

TEST(Wasserstein2Discrete, EqualWeightsMatchBruteForceOverPermutations) {
  // With N = M and equal weights an optimal plan is a permutation (Birkhoff), so W2^2 = min_sigma mean |x_i - y_s(i)|^2.
  std::mt19937_64 rng(kSeed + 1);
  constexpr std::size_t kCount = 6;
  for (int trial = 0; trial < 5; ++trial) {
    Cloud a = random_cloud(rng, 2, kCount);
    Cloud b = random_cloud(rng, 2, kCount);
    std::fill(a.w.begin(), a.w.end(), 1.0);
    std::fill(b.w.begin(), b.w.end(), 1.0);
    std::vector<std::size_t> sigma(kCount);
    std::iota(sigma.begin(), sigma.end(), std::size_t{0});
    double best = std::numeric_limits<double>::infinity();
    do {
      double cost = 0.0;
      for (std::size_t i = 0; i < kCount; ++i)
        for (int k = 0; k < 2; ++k) {
          const double diff = a.x[2 * i + k] - b.x[2 * sigma[i] + k];
          cost += diff * diff;
        }
      best = std::min(best, cost / kCount);
    } while (std::next_permutation(sigma.begin(), sigma.end()));
    EXPECT_NEAR(w2(a, b), std::sqrt(best), kWeightRoundingTolerance * std::sqrt(best)) << "trial " << trial;
  }
}

TEST(Wasserstein2Discrete, TranslationByVHasDistanceNormV) {
  std::mt19937_64 rng(kSeed + 2);
  Cloud a = random_cloud(rng, 2, 40);
  Cloud b = a;
  const double v[2] = {0.3, -0.7};
  for (std::size_t i = 0; i < a.w.size(); ++i)
    for (int k = 0; k < 2; ++k) b.x[2 * i + k] += v[k];
  const double norm = std::hypot(v[0], v[1]);
  EXPECT_NEAR(w2(a, b), norm, kWeightRoundingTolerance * norm);
  EXPECT_EQ(w2(a, a), 0.0);
}

TEST(Wasserstein2Discrete, ProductMeasuresAddTheirOneDimensionalSquares) {
  // For product measures mu1 x mu2 and nu1 x nu2, W2^2 = W2^2(mu1, nu1) + W2^2(mu2, nu2): the product of the two 1D
  // optimal plans attains it, and no plan does better on either marginal.
  std::mt19937_64 rng(kSeed + 3);
  const Cloud a1 = random_cloud(rng, 1, 7), a2 = random_cloud(rng, 1, 5);
  const Cloud b1 = random_cloud(rng, 1, 6), b2 = random_cloud(rng, 1, 8);
  const auto product = [](const Cloud& p, const Cloud& q) {
    Cloud c;
    for (std::size_t i = 0; i < p.w.size(); ++i)
      for (std::size_t j = 0; j < q.w.size(); ++j) {
        c.x.push_back(p.x[i]);
        c.x.push_back(q.x[j]);
        c.w.push_back(p.w[i] * q.w[j]);
      }
    return c;
  };
  const double first = wasserstein_1d(a1.x, a1.w, b1.x, b1.w).w2;
  const double second = wasserstein_1d(a2.x, a2.w, b2.x, b2.w).w2;
  const double expected = std::hypot(first, second);
  EXPECT_NEAR(w2(product(a1, a2), product(b1, b2)), expected, kWeightRoundingTolerance * expected);
}

TEST(Wasserstein2Discrete, ThreeDimensionsAndZeroWeights) {
  std::mt19937_64 rng(kSeed + 4);
  Cloud a = random_cloud(rng, 3, 30);
  Cloud b = a;
  b.w[3] = 0.0;  // an atom of no mass is ignored: only the others must be matched
  Cloud c = b;
  c.x.erase(c.x.begin() + 9, c.x.begin() + 12);
  c.w.erase(c.w.begin() + 3);
  EXPECT_NEAR(w2(a, b), w2(a, c), kWeightRoundingTolerance * w2(a, c));
  EXPECT_GT(w2(a, b), 0.0);
}

TEST(Wasserstein2Discrete, BadInputsThrow) {
  const std::vector<double> x = {0.0, 0.0, 1.0, 1.0};
  const std::vector<double> w = {1.0, 1.0};
  const std::vector<double> odd = {0.0, 1.0, 2.0};
  const std::vector<double> nan_x = {0.0, std::nan(""), 1.0, 1.0};
  const std::vector<double> negative = {1.0, -1.0};
  const std::vector<double> zero = {0.0, 0.0};
  const std::vector<double> empty;
  EXPECT_THROW(wasserstein2_discrete(4, x, w, x, w), std::invalid_argument);
  EXPECT_THROW(wasserstein2_discrete(2, odd, w, x, w), std::invalid_argument);
  EXPECT_THROW(wasserstein2_discrete(2, x, odd, x, w), std::invalid_argument);
  EXPECT_THROW(wasserstein2_discrete(2, nan_x, w, x, w), std::invalid_argument);
  EXPECT_THROW(wasserstein2_discrete(2, x, negative, x, w), std::invalid_argument);
  EXPECT_THROW(wasserstein2_discrete(2, x, w, x, zero), std::invalid_argument);
  EXPECT_THROW(wasserstein2_discrete(2, empty, empty, x, w), std::invalid_argument);
  // A coordinate whose squared distances overflow (the network simplex then got undefined integer costs and could
  // pivot forever): refused, while 1e150 itself is still a valid coordinate.
  const std::vector<double> far = {0.0, 1e308, 1.0, 1.0};
  EXPECT_THROW(wasserstein2_discrete(2, far, w, x, w), std::invalid_argument);
  const std::vector<double> edge = {0.0, 1e150, 0.0, 0.0};
  EXPECT_NEAR(wasserstein2_discrete(2, edge, w, edge, w), 0.0, 1e-12);
  try {
    wasserstein2_discrete(2, x, negative, x, w);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("x_weights[1] = -1"), std::string::npos) << e.what();
  }
}

/// Quantile midpoints of a 1D law: x_i = Q((i - 1/2)/n), equal weights.
std::vector<double> quantile_points(const Law1D& law, int n) {
  std::vector<double> x;
  for (int i = 0; i < n; ++i) x.push_back(law.quantile((i + 0.5) / n));
  return x;
}

/// The product set {(x_i, y_j)} with equal weights, flat.
std::vector<double> product_points(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> p;
  for (const double xi : x)
    for (const double yj : y) {
      p.push_back(xi);
      p.push_back(yj);
    }
  return p;
}

/// Checks the refinement against the exact value: after the first two grids (8 and 16 cells across the support can
/// still be pre-asymptotic where the density has an infinite slope at its edge) the error shrinks with every
/// refinement, and the final value lies within the reported uncertainty of the exact one.
void expect_converges_to(const RefinedDistance& r, double exact) {
  ASSERT_GE(r.history.size(), 4u);
  for (std::size_t k = 2; k < r.history.size(); ++k)
    EXPECT_LT(std::abs(r.history[k] - exact), std::abs(r.history[k - 1] - exact)) << "refinement " << k;
  EXPECT_LE(std::abs(r.w2 - exact), r.uncertainty) << "w2 = " << r.w2 << ", exact = " << exact;
}

TEST(Wasserstein2ToDensity, UniformSquareAgainstProductLatticeConvergesToTheOneDimensionalSum) {
  // Particles at a 5 x 7 product lattice (not aligned with the quadrature grid) against the uniform density on
  // [-1, 2]^2: W2^2 = W2^2(x-marginal) + W2^2(y-marginal), each exact in 1D (wasserstein1d.hpp).
  const UniformLaw1D law(-1.0, 2.0);
  std::vector<double> xs = {-0.9, -0.2, 0.4, 1.1, 1.95};
  std::vector<double> ys = {-0.8, -0.5, 0.0, 0.3, 0.9, 1.2, 1.7};
  const std::vector<double> points = product_points(xs, ys);
  const std::vector<double> weights(points.size() / 2, 1.0);
  const double wx = wasserstein_1d(xs, std::vector<double>(xs.size(), 1.0), law).w2;
  const double wy = wasserstein_1d(ys, std::vector<double>(ys.size(), 1.0), law).w2;
  DensityOnBox box;
  box.dimension = 2;
  box.lo = {-1.0, -1.0, 0.0};
  box.hi = {2.0, 2.0, 0.0};
  box.density = [](std::span<const double>) { return 1.0; };
  QuadratureRefinement refine;
  refine.initial_cells_per_axis = 8;
  refine.max_cells_per_axis = 64;
  refine.relative_tolerance = 1e-12;  // never met: run every grid to see the convergence
  const RefinedDistance r = wasserstein2_to_density(points, weights, box, refine);
  EXPECT_EQ(r.cells_per_axis, 64);
  EXPECT_FALSE(r.converged);
  const double exact = std::hypot(wx, wy);
  std::printf("uniform square vs 5x7 lattice: exact W2 %.10f, grids", exact);
  for (const double v : r.history) std::printf(" %.10f", v);
  std::printf(", uncertainty %.3e\n", r.uncertainty);
  expect_converges_to(r, exact);
}

TEST(Wasserstein2ToDensity, BarenblattProductAgainstQuantileLatticeConvergesToTheOneDimensionalSum) {
  // The density U(x, t) U(y, t) of two 1D Barenblatt laws (m = 2 and m = 3) against the product of their quantile
  // midpoints: W2^2 is again the sum of the two exact 1D values.
  constexpr double kT = 1.0;
  const Barenblatt first(1, 2.0), second(1, 3.0);
  const BarenblattLaw1D law_x(first, kT), law_y(second, kT);
  const std::vector<double> xs = quantile_points(law_x, 6), ys = quantile_points(law_y, 5);
  const std::vector<double> points = product_points(xs, ys);
  const std::vector<double> weights(points.size() / 2, 1.0);
  const double wx = wasserstein_1d(xs, std::vector<double>(xs.size(), 1.0), law_x).w2;
  const double wy = wasserstein_1d(ys, std::vector<double>(ys.size(), 1.0), law_y).w2;
  DensityOnBox box;
  box.dimension = 2;
  box.lo = {-first.support_radius(kT), -second.support_radius(kT), 0.0};
  box.hi = {first.support_radius(kT), second.support_radius(kT), 0.0};
  box.density = [&](std::span<const double> p) {
    return first.density(p.subspan(0, 1), kT) * second.density(p.subspan(1, 1), kT);
  };
  QuadratureRefinement refine;
  refine.initial_cells_per_axis = 8;
  refine.max_cells_per_axis = 128;
  refine.relative_tolerance = 1e-12;
  const RefinedDistance r = wasserstein2_to_density(points, weights, box, refine);
  const double exact = std::hypot(wx, wy);
  std::printf("Barenblatt product vs 6x5 quantile lattice: exact W2 %.10f, grids", exact);
  for (const double v : r.history) std::printf(" %.10f", v);
  std::printf(", uncertainty %.3e\n", r.uncertainty);
  expect_converges_to(r, exact);
}

TEST(Wasserstein2ToDensity, StopsWhenTwoRefinementsAgree) {
  const Barenblatt profile(2, 2.0);
  constexpr double kT = 1.0;
  std::vector<double> points = {0.1, 0.2, -0.3, 0.4, 0.5, -0.6, -0.2, -0.2};
  const std::vector<double> weights(4, 1.0);
  QuadratureRefinement refine;
  refine.initial_cells_per_axis = 4;
  refine.max_cells_per_axis = 256;
  refine.relative_tolerance = 1e-2;
  const RefinedDistance r = wasserstein2_to_density(points, weights, barenblatt_density(profile, kT), refine);
  EXPECT_TRUE(r.converged);
  EXPECT_LE(r.uncertainty, refine.relative_tolerance * r.w2);
  EXPECT_LT(r.cells_per_axis, refine.max_cells_per_axis);
  EXPECT_EQ(r.history.size(), static_cast<std::size_t>(std::log2(r.cells_per_axis / 4)) + 1);
}

TEST(Wasserstein2ToDensity, ADensitySoSmallThatCellMassesUnderflowStillHasItsDistance) {
  // The smallest subnormal density times a cell area of 1/256 rounds to 0 in double precision; the weights are the
  // density values, so the uniform law on the unit square is still seen. Its W2 to the centre (1/2, 1/2) is
  // sqrt(2 * 1/12) = 1/sqrt(6); a midpoint grid of c cells per axis gives sqrt(2 (1 - 1/c^2) / 12).
  const std::vector<double> centre = {0.5, 0.5};
  const std::vector<double> weight = {1.0};
  DensityOnBox box;
  box.dimension = 2;
  box.lo = {0.0, 0.0, 0.0};
  box.hi = {1.0, 1.0, 0.0};
  box.density = [](std::span<const double>) { return std::numeric_limits<double>::denorm_min(); };
  QuadratureRefinement refine;
  refine.initial_cells_per_axis = 16;
  refine.max_cells_per_axis = 16;
  const RefinedDistance r = wasserstein2_to_density(centre, weight, box, refine);
  constexpr double kCells = 16.0;
  EXPECT_NEAR(r.w2, std::sqrt(2.0 * (1.0 - 1.0 / (kCells * kCells)) / 12.0), 1e-12);
}

TEST(Wasserstein2ToDensity, BadInputsThrow) {
  const std::vector<double> points = {0.0, 0.0};
  const std::vector<double> weights = {1.0};
  DensityOnBox box;
  box.dimension = 2;
  box.lo = {0.0, 0.0, 0.0};
  box.hi = {1.0, 1.0, 0.0};
  EXPECT_THROW(wasserstein2_to_density(points, weights, box), std::invalid_argument);  // no function
  box.density = [](std::span<const double>) { return -1.0; };
  EXPECT_THROW(wasserstein2_to_density(points, weights, box), std::invalid_argument);  // negative
  box.density = [](std::span<const double>) { return 0.0; };
  EXPECT_THROW(wasserstein2_to_density(points, weights, box), std::invalid_argument);  // zero mass
  box.density = [](std::span<const double>) { return 1.0; };
  DensityOnBox flat = box;
  flat.hi[1] = 0.0;
  EXPECT_THROW(wasserstein2_to_density(points, weights, flat), std::invalid_argument);
  QuadratureRefinement refine;
  refine.max_cells_per_axis = 2;
  EXPECT_THROW(wasserstein2_to_density(points, weights, box, refine), std::invalid_argument);
  refine = {};
  refine.relative_tolerance = 0.0;
  EXPECT_THROW(wasserstein2_to_density(points, weights, box, refine), std::invalid_argument);
}

TEST(BarenblattTrajectoryBound, DilatedParticlesAttainItExactlyInOneDimension) {
  // Particles that follow the exact dilation x(t) = (t/t0)^beta x(t0) are at distance (t/t0)^beta W2(t0) from U(t):
  // the bound is attained. Checked with the exact 1D distance at both times.
  constexpr double kT0 = 0.25;
  constexpr double kT = 1.0;
  constexpr double kDilationTolerance = 1e-12;  // two exact 1D distances on scaled data, O(100) terms each
  const Barenblatt profile(1, 2.0, 1.0, 0.5);     // wpme with rhobar == 1: U_2(x, t/2)
  const BarenblattLaw1D law_t0(profile, kT0), law_t(profile, kT);
  std::vector<double> x_t0 = quantile_points(law_t0, 50);
  x_t0[7] += 0.01;  // not an optimal quantization, so W2(t0) is not just the quantization floor
  const std::vector<double> w(x_t0.size(), 1.0);
  const double s = std::pow(kT / kT0, profile.beta());
  std::vector<double> x_t = x_t0;
  for (double& v : x_t) v *= s;
  const double w2_t0 = wasserstein_1d(x_t0, w, law_t0).w2;
  const double w2_t = wasserstein_1d(x_t, w, law_t).w2;
  const double bound = barenblatt_trajectory_bound(profile, kT0, kT, x_t0, x_t, w, w2_t0);
  EXPECT_NEAR(bound, w2_t, kDilationTolerance * w2_t);
  // Moving the particles away from the exact flow: the bound grows and stays above the exact distance.
  std::mt19937_64 rng(kSeed);
  std::normal_distribution<double> jitter(0.0, 0.02);
  for (double& v : x_t) v += jitter(rng);
  const double moved = barenblatt_trajectory_bound(profile, kT0, kT, x_t0, x_t, w, w2_t0);
  EXPECT_GE(moved, wasserstein_1d(x_t, w, law_t).w2);
  EXPECT_GT(moved, bound);
}

TEST(BarenblattTrajectoryBound, BadInputsThrow) {
  const Barenblatt profile(2, 2.0);
  const std::vector<double> x = {0.0, 0.0, 1.0, 1.0};
  const std::vector<double> w = {1.0, 1.0};
  EXPECT_THROW(barenblatt_trajectory_bound(profile, 1.0, 0.5, x, x, w, 0.0), std::invalid_argument);
  EXPECT_THROW(barenblatt_trajectory_bound(profile, 0.0, 1.0, x, x, w, 0.0), std::invalid_argument);
  EXPECT_THROW(barenblatt_trajectory_bound(profile, 0.5, 1.0, x, x, w, -1.0), std::invalid_argument);
  EXPECT_THROW(barenblatt_trajectory_bound(profile, 0.5, 1.0, x, std::vector<double>{0.0, 0.0}, w, 0.0),
               std::invalid_argument);
}

TEST(SlicedWasserstein2, TranslationInTwoDimensionsIsNormOverSqrtTwo) {
  // Projections of a translated measure are translated by theta.v, so SW2^2 = mean_k (theta_k.v)^2 = |v|^2/2 for
  // K >= 2 equispaced angles on a half circle (mean of cos^2 over them is exactly 1/2).
  constexpr double kProjectionTolerance = 1e-12;  // sums of K products, then an exact 1D merge
  std::mt19937_64 rng(kSeed + 5);
  Cloud a = random_cloud(rng, 2, 30);
  Cloud b = a;
  const double v[2] = {0.4, 0.25};
  for (std::size_t i = 0; i < a.w.size(); ++i)
    for (int k = 0; k < 2; ++k) b.x[2 * i + k] += v[k];
  for (const int n_directions : {2, 3, 16}) {
    const double sw2 = sliced_wasserstein2(2, a.x, a.w, b.x, b.w, n_directions);
    EXPECT_NEAR(sw2, std::hypot(v[0], v[1]) / std::sqrt(2.0), kProjectionTolerance) << n_directions;
  }
}

TEST(SlicedWasserstein2, IsAtMostW2AndEqualsW2InOneDimension) {
  std::mt19937_64 rng(kSeed + 6);
  for (const int d : {2, 3}) {
    const Cloud a = random_cloud(rng, d, 25);
    const Cloud b = random_cloud(rng, d, 30);
    EXPECT_LE(sliced_wasserstein2(d, a.x, a.w, b.x, b.w, 50), w2(a, b)) << "d = " << d;
  }
  const Cloud a = random_cloud(rng, 1, 25);
  const Cloud b = random_cloud(rng, 1, 30);
  const double exact = wasserstein_1d(a.x, a.w, b.x, b.w).w2;
  EXPECT_NEAR(sliced_wasserstein2(1, a.x, a.w, b.x, b.w, 4), exact, kWeightRoundingTolerance * exact);
}

TEST(SlicedWasserstein2, DirectionsAreUnitVectors) {
  constexpr double kUnitTolerance = 1e-15;
  for (const int d : {2, 3}) {
    const std::vector<double> theta = slicing_directions(d, 37);
    ASSERT_EQ(theta.size(), 37u * static_cast<std::size_t>(d));
    for (std::size_t k = 0; k < 37; ++k) {
      double norm2 = 0.0;
      for (int c = 0; c < d; ++c) norm2 += theta[k * d + c] * theta[k * d + c];
      EXPECT_NEAR(norm2, 1.0, kUnitTolerance);
    }
  }
  EXPECT_THROW(slicing_directions(2, 0), std::invalid_argument);
  EXPECT_THROW(slicing_directions(5, 3), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow::analysis
