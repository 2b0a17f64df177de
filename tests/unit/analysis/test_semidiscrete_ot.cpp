// Unit tests of semidiscrete_ot.hpp against exact answers: the uniform law on the unit square (cube) with one particle
// at the centre of every lattice cell (W2^2 = 1/(6 N) in 2D, 1/(4 N^(2/3)) in 3D, docs/math.md §6.1), the 1D quantile
// formula of wasserstein1d.hpp, a single particle (W2^2 = variance + squared distance to the mean), merged duplicates,
// and particles outside the support; then the bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/law_nd.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/semidiscrete_ot.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"

namespace blobflow::analysis {
namespace {

/// Exact answers computed in a few hundred floating-point operations per cell: 1e-12 relative is round-off with a
/// margin of about 1e3.
constexpr double kExactTolerance = 1e-12;
/// The Newton tolerance the tests ask for (the solver's default): max_i |m_i - nu_i| <= 1e-12.
constexpr double kResidual = 1e-12;
/// Fixed seed of every random test (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261204;

Box unit_box(int d) {
  Box b{.dimension = d};
  for (int k = 0; k < d; ++k) b.hi[k] = 1.0;
  return b;
}

/// The centres of the n^d lattice cells of the unit cube, flat.
std::vector<double> lattice_centres(int d, int n) {
  std::vector<double> x;
  const int total = d == 2 ? n * n : n * n * n;
  for (int c = 0; c < total; ++c) {
    int rest = c;
    for (int k = 0; k < d; ++k) {
      x.push_back((rest % n + 0.5) / n);
      rest /= n;
    }
  }
  return x;
}

TEST(SemiDiscreteW2, UniformSquareWithLatticeCentresGivesOneOverSqrtSixN) {
  for (const int n : {1, 4, 16, 50}) {
    const std::vector<double> x = lattice_centres(2, n);
    const std::vector<double> masses(x.size() / 2, 1.0);
    const SemiDiscreteResult r = semidiscrete_w2(x, masses, UniformBoxLaw(unit_box(2)));
    const double expected = 1.0 / std::sqrt(6.0 * n * n);
    EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << "n = " << n;
    EXPECT_NEAR(r.w2, expected, kExactTolerance * expected) << "n = " << n;
    EXPECT_LE(r.residual, kResidual);
  }
}

TEST(SemiDiscreteW2, UniformCubeWithLatticeCentresGivesTheCellVariance) {
  // Each cell is a cube of side h = 1/n; W2^2 = 3 h^2/12.
  for (const int n : {1, 3, 10}) {
    const std::vector<double> x = lattice_centres(3, n);
    const std::vector<double> masses(x.size() / 3, 1.0);
    const SemiDiscreteResult r = semidiscrete_w2(x, masses, UniformBoxLaw(unit_box(3)));
    const double expected = std::sqrt(3.0 / 12.0) / n;
    EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << "n = " << n;
    EXPECT_NEAR(r.w2, expected, kExactTolerance * expected) << "n = " << n;
  }
}

TEST(SemiDiscreteW2, OneDimensionalSolveEqualsTheQuantileFormula) {
  // Particles jittered about n equal slots of [-0.5, 2.5] (half of them outside the support [0, 1]), so neighbours
  // are at least 0.2 slot apart: a facet between seeds at distance |y_j - y_i| moves by the round-off of the weights
  // over 2 |y_j - y_i| (the Jacobian), so seeds much closer than the mean spacing put a floor under the mass residual
  // (docs/math.md §6.1); with this spacing the floor stays below 1e-12 up to n = 1000.
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> jitter(-0.4, 0.4);
  std::uniform_real_distribution<double> mass(0.2, 1.0);
  for (const std::size_t n : {1u, 2u, 7u, 100u, 1000u}) {
    std::vector<double> x(n), m(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = -0.5 + 3.0 * (static_cast<double>(i) + 0.5 + jitter(rng)) / static_cast<double>(n);
      m[i] = mass(rng);
    }
    const SemiDiscreteResult r = semidiscrete_w2(x, m, UniformBoxLaw(unit_box(1)));
    const double exact = wasserstein_1d(x, m, UniformLaw1D(0.0, 1.0)).w2;
    EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << "n = " << n << ", residual " << r.residual;
    EXPECT_NEAR(r.w2, exact, kExactTolerance * exact) << "n = " << n;
  }
}

TEST(SemiDiscreteW2, ProductOfPiecewiseAndUniformLawsSplitsIntoItsMarginals) {
  // rho = 3 on [0, 1/2] x [0, 1] and 1 on [1/2, 1] x [0, 1] (normalized) is the product of a piecewise-constant law in
  // x and the uniform law in y; so is the tensor grid of particles at the x-marginal's quantile midpoints and the y
  // cell centres. The product of the marginals' optimal plans is optimal, so W2^2 = W2^2(x) + W2^2(y), with
  // W2^2(y) = 1 / (12 ny^2) and W2(x) from the 1D quantile formula.
  const PiecewiseConstantLawND law(unit_box(2), 1.0, {{Box{2, {0.0, 0.0}, {0.5, 1.0}}, 3.0}});
  const std::vector<double> edges{0.0, 0.5, 1.0}, cell_masses{1.5, 0.5};
  const PiecewiseConstantLaw1D marginal(edges, cell_masses);
  for (const auto& [nx, ny] : {std::pair{1, 1}, std::pair{6, 4}, std::pair{40, 25}}) {
    std::vector<double> xs(static_cast<std::size_t>(nx)), x;
    for (int i = 0; i < nx; ++i) xs[static_cast<std::size_t>(i)] = marginal.quantile((i + 0.5) / nx);
    for (int j = 0; j < ny; ++j)
      for (const double xi : xs) x.insert(x.end(), {xi, (j + 0.5) / ny});
    const std::vector<double> masses(x.size() / 2, 1.0);
    const SemiDiscreteResult r = semidiscrete_w2(x, masses, law);
    const double wx = wasserstein_1d(xs, std::vector<double>(xs.size(), 1.0), marginal).w2;
    const double expected = std::sqrt(wx * wx + 1.0 / (12.0 * ny * ny));
    EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << nx << " x " << ny;
    EXPECT_NEAR(r.w2, expected, kExactTolerance * expected) << nx << " x " << ny;
    EXPECT_LE(r.residual, kResidual);
  }
}

TEST(SemiDiscreteW2, OneDimensionalBarenblattEqualsTheQuantileFormula) {
  // The radial law's 1D integrals (Gauss-Jacobi at the front) against the closed-form quantiles, m = 2 and 3, with
  // particles spread 10% past the front.
  for (const double m : {2.0, 3.0}) {
    const Barenblatt profile(1, m);
    const double radius = profile.support_radius(1.0);
    const std::size_t n = 200;
    std::vector<double> x(n), masses(n, 1.0);
    for (std::size_t i = 0; i < n; ++i) x[i] = 1.1 * radius * (2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(n) - 1.0);
    const SemiDiscreteResult r = semidiscrete_w2(x, masses, barenblatt_law(profile, 1.0));
    const double exact = wasserstein_1d(x, masses, BarenblattLaw1D(profile, 1.0)).w2;
    EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << "m = " << m << ", residual " << r.residual;
    EXPECT_NEAR(r.w2, exact, kExactTolerance * exact) << "m = " << m;
  }
}

TEST(SemiDiscreteW2, BarenblattWithParticlesPastTheFrontConvergesToTheTolerance) {
  // Lattice particles weighted by the density, dilated by 5% so that the outer ones lie outside the support (blobs
  // spread past the front): the start must pull them in, and Newton must still reach the 1e-12 residual.
  for (const int d : {2, 3}) {
    for (const double m : {2.0, 3.0}) {
      const Barenblatt profile(d, m);
      const RadialPowerLaw law = barenblatt_law(profile, 1.0);
      const double radius = law.radius();
      const int side = d == 2 ? 40 : 12;
      std::vector<double> x, masses;
      const int total = d == 2 ? side * side : side * side * side;
      for (int p = 0; p < total; ++p) {
        Point3 y{};
        int rest = p;
        for (int k = 0; k < d; ++k, rest /= side) y[k] = radius * (2.0 * (rest % side + 0.5) / side - 1.0);
        const double rho = law.density(y);
        if (rho <= 0.0) continue;
        for (int k = 0; k < d; ++k) x.push_back(1.05 * y[k]);
        masses.push_back(rho);
      }
      const SemiDiscreteResult r = semidiscrete_w2(x, masses, law);
      EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << "d = " << d << ", m = " << m << ", residual " << r.residual;
      EXPECT_LE(r.residual, kResidual);
      EXPECT_LE(r.lower_bound, r.w2 * (1.0 + kExactTolerance));
      EXPECT_GT(r.lower_bound, r.w2 * (1.0 - 1e-9)) << "d = " << d << ", m = " << m;
    }
  }
}

TEST(SemiDiscreteW2, GaussianLatticeReachingFarIntoTheTailsConverges) {
  // Heat-kernel data about as a run places them, jittered and spread by 2%: the 140 x 140 cell centres of +- 5.5 sd
  // with masses rho(y_i), the first particle in a corner where rho ~ e^-30 of its peak. The Jacobian's entries span 30 orders of magnitude; with the
  // corner's weight held fixed every pivot of the reduced system was bounded by its tiny connections and the LDL^T
  // failed (singular_system); the solver holds the best connected cell's weight instead.
  constexpr int kSide = 140;
  constexpr double kHalfWidth = 5.5;
  constexpr double kSpread = 1.02;  // the particles spread 2% wider than their masses say, as blobs do
  const GaussianLawND law = isotropic_gaussian_law(2, Point3{}, 1.0);
  std::vector<double> x, masses;
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> jitter(-0.3, 0.3);  // of a spacing: no two particles close
  for (int j = 0; j < kSide; ++j)
    for (int i = 0; i < kSide; ++i) {
      const Point3 y{kHalfWidth * (2.0 * (i + 0.5 + jitter(rng)) / kSide - 1.0),
                     kHalfWidth * (2.0 * (j + 0.5 + jitter(rng)) / kSide - 1.0), 0.0};
      x.insert(x.end(), {kSpread * y[0], kSpread * y[1]});
      masses.push_back(law.density(y));
    }
  const SemiDiscreteResult r = semidiscrete_w2(x, masses, law);
  EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << to_string(r.status) << ", residual " << r.residual;
  EXPECT_LE(r.residual, kResidual);
}

TEST(SemiDiscreteW2, RandomParticlesConvergeAndTheDualBoundsTheValue) {
  std::mt19937_64 rng(kSeed + 1);
  std::uniform_real_distribution<double> position(0.0, 1.0);
  std::uniform_real_distribution<double> mass(0.5, 2.0);
  for (const int d : {2, 3}) {
    const std::size_t n = d == 2 ? 2000 : 500;
    std::vector<double> x(n * d), m(n);
    for (double& v : x) v = position(rng);
    for (double& v : m) v = mass(rng);
    const SemiDiscreteResult r = semidiscrete_w2(x, m, UniformBoxLaw(unit_box(d)));
    EXPECT_EQ(r.status, SemiDiscreteStatus::converged) << "d = " << d;
    EXPECT_LE(r.residual, kResidual);
    EXPECT_LE(r.lower_bound, r.w2 * (1.0 + kExactTolerance));
    // At the solution the duality gap is sum_i w_i (nu_i - m_i), at most max|w| times the residual sum.
    EXPECT_NEAR(r.lower_bound, r.w2, 1e-9 * r.w2);
  }
}

TEST(SemiDiscreteW2, SingleParticleCostsTheVarianceAndTheDistanceToTheMean) {
  const std::vector<double> y{0.3, 2.0};
  const SemiDiscreteResult r = semidiscrete_w2(y, std::vector<double>{4.0}, UniformBoxLaw(unit_box(2)));
  // Uniform on [0,1]^2: variance 1/12 per coordinate, mean (1/2, 1/2).
  const double expected = std::sqrt(2.0 / 12.0 + 0.2 * 0.2 + 1.5 * 1.5);
  EXPECT_EQ(r.status, SemiDiscreteStatus::converged);
  EXPECT_NEAR(r.w2, expected, kExactTolerance * expected);
}

TEST(SemiDiscreteW2, CoincidingParticlesAreMergedAndAllAtOnePointIsOneCell) {
  const std::vector<double> x{0.25, 0.5, 0.75, 0.5, 0.25, 0.5};
  const SemiDiscreteResult r = semidiscrete_w2(x, std::vector<double>{1.0, 2.0, 1.0}, UniformBoxLaw(unit_box(2)));
  const SemiDiscreteResult merged =
      semidiscrete_w2(std::vector<double>{0.25, 0.5, 0.75, 0.5}, std::vector<double>{2.0, 2.0}, UniformBoxLaw(unit_box(2)));
  EXPECT_EQ(r.n_merged, 1u);
  EXPECT_EQ(r.weights.size(), 2u);
  EXPECT_NEAR(r.w2, merged.w2, kExactTolerance * merged.w2);
  const std::vector<double> same{0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  const SemiDiscreteResult one = semidiscrete_w2(same, std::vector<double>{1.0, 1.0, 1.0}, UniformBoxLaw(unit_box(2)));
  EXPECT_EQ(one.n_merged, 2u);
  EXPECT_NEAR(one.w2, std::sqrt(2.0 / 12.0), kExactTolerance);
  // A particle of zero mass changes nothing.
  const SemiDiscreteResult with_zero = semidiscrete_w2(std::vector<double>{0.25, 0.5, 0.75, 0.5, 0.9, 0.9},
                                                       std::vector<double>{2.0, 2.0, 0.0}, UniformBoxLaw(unit_box(2)));
  EXPECT_NEAR(with_zero.w2, merged.w2, kExactTolerance * merged.w2);
}

TEST(SemiDiscreteW2, BadInputsAreRejectedWithTheRule) {
  const UniformBoxLaw law(unit_box(2));
  const std::vector<double> x{0.1, 0.2, 0.3, 0.4};
  const std::vector<double> m{1.0, 1.0};
  auto throws = [&](std::vector<double> xs, std::vector<double> ms, const std::string& fragment,
                    SemiDiscreteOptions options = {}) {
    try {
      semidiscrete_w2(xs, ms, law, options);
      ADD_FAILURE() << "no exception for " << fragment;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  throws({0.1, 0.2, 0.3}, m, "multiple of d");
  throws(x, {1.0}, "must match");
  throws({}, {}, "no particles");
  throws({0.1, NAN, 0.3, 0.4}, m, "particle 0 has a non-finite coordinate");
  throws(x, {1.0, -2.0}, "particle 1 has mass");
  throws(x, {0.0, 0.0}, "the masses sum to 0");
  throws(x, m, "tolerance", {.tolerance = 0.0});
  throws(x, m, "max_iterations", {.max_iterations = 0});
}

}  // namespace
}  // namespace blobflow::analysis
