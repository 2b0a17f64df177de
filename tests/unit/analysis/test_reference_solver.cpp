// Unit tests of the 1D reference solver (reference_solver1d.hpp) and of its output law (piecewise_law1d.hpp):
// the law's quantile/CDF/moments against closed forms; the energy gradient against finite differences; W2 at the final
// time against the exact Barenblatt (docs/math.md §4.1-4.2), heat-kernel, linear Fokker-Planck and confined PME
// solutions (docs/math.md §4.5-4.6), the last two with the quadratic potential V = x^2/2; particles measured against
// the reference through wasserstein_1d (the triangle inequality with the exact law); the wpme long-time limit (W2 to
// rhobar/int rhobar decreases, docs/math.md §2.2); energy dissipation along the computed solution; failure statuses;
// bad inputs. The bounds are the measured errors (printed) times a stated margin.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/exact_solutions.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/reference_solver1d.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "unit/analysis/law_distance.hpp"
#include "unit/analysis/reference_cases.hpp"

namespace blobflow::analysis {
namespace {

using testing::w2_between;

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
/// Sums of O(100) rounded O(1) terms: a few hundred ulps.
constexpr double kRoundoff = 1e-13;
/// Error bounds are the measured error times this margin (compiler and library changes move the last digits only;
/// a factor 2 would catch a lost order of accuracy at the next doubling of K).
constexpr double kMargin = 1.5;
/// Central-difference step for the gradient check, relative to the smallest cell width; the truncation error
/// (h^2/6) E''' is then ~1e-6 relative, round-off ~eps E/h ~1e-10 relative.
constexpr double kGradientStepFraction = 1e-3;
/// Relative agreement required of the analytic gradient with the central difference (the truncation bound above
/// with a factor 10 of margin).
constexpr double kGradientTolerance = 1e-5;
/// Gaussian-target wpme: unnormalized rhobar = exp(-x^2/2), so rhobar/int rhobar = N(0, 1).
constexpr double kSteadyMean = 0.0;
constexpr double kSteadyStdDev = 1.0;

// ---------------------------------------------------------------------------------------------------------------
// PiecewiseConstantLaw1D

TEST(PiecewiseConstantLaw1D, QuantileAndCdfAreLinearOnEachCell) {
  const std::vector<double> edges{-1.0, 0.0, 0.5, 2.0};
  const std::vector<double> masses{1.0, 2.0, 1.0};  // total 4: levels 0, 1/4, 3/4, 1
  const PiecewiseConstantLaw1D law(edges, masses);
  EXPECT_DOUBLE_EQ(law.quantile(0.0), -1.0);
  EXPECT_DOUBLE_EQ(law.quantile(0.125), -0.5);
  EXPECT_DOUBLE_EQ(law.quantile(0.5), 0.25);
  EXPECT_DOUBLE_EQ(law.quantile(0.875), 1.25);
  EXPECT_DOUBLE_EQ(law.quantile(1.0), 2.0);
  EXPECT_DOUBLE_EQ(law.cdf(-2.0), 0.0);
  EXPECT_DOUBLE_EQ(law.cdf(0.25), 0.5);
  EXPECT_DOUBLE_EQ(law.cdf(3.0), 1.0);
  for (double u = 0.01; u < 1.0; u += 0.07) EXPECT_NEAR(law.cdf(law.quantile(u)), u, kRoundoff);
  EXPECT_DOUBLE_EQ(law.cell_density(1), 0.5 / 0.5);
}

TEST(PiecewiseConstantLaw1D, IntervalMomentsMatchClosedForm) {
  // Density 1/4 on [-1, 0], 1 on [0, 0.5], 1/6 on [0.5, 2]. On [-0.5, 1]: pieces [-0.5, 0] (mass 1/8, mean -1/4),
  // [0, 0.5] (1/2, 1/4), [0.5, 1] (1/12, 3/4).
  const std::vector<double> edges{-1.0, 0.0, 0.5, 2.0};
  const std::vector<double> masses{1.0, 2.0, 1.0};
  const PiecewiseConstantLaw1D law(edges, masses);
  const IntervalMoments m = law.moments(-0.5, 1.0);
  const double mass = 1.0 / 8 + 1.0 / 2 + 1.0 / 12;
  const double mean = (1.0 / 8 * -0.25 + 1.0 / 2 * 0.25 + 1.0 / 12 * 0.75) / mass;
  // E[x^2] of each uniform piece: mean^2 + width^2/12.
  const double second = (1.0 / 8 * (0.0625 + 0.25 / 12) + 1.0 / 2 * (0.0625 + 0.25 / 12) +
                         1.0 / 12 * (0.5625 + 0.25 / 12)) / mass;
  EXPECT_NEAR(m.mass, mass, kRoundoff);
  EXPECT_NEAR(m.mean, mean, kRoundoff);
  EXPECT_NEAR(m.variance, second - mean * mean, kRoundoff);
  const IntervalMoments outside = law.moments(3.0, 4.0);
  EXPECT_EQ(outside.mass, 0.0);
}

TEST(PiecewiseConstantLaw1D, RejectsBadInput) {
  const std::vector<double> edges{0.0, 1.0, 1.0};
  const std::vector<double> masses{1.0, 1.0};
  EXPECT_THROW(PiecewiseConstantLaw1D(edges, masses), std::invalid_argument);
  const std::vector<double> good_edges{0.0, 1.0, 2.0};
  const std::vector<double> zero_mass{1.0, 0.0};
  EXPECT_THROW(PiecewiseConstantLaw1D(good_edges, zero_mass), std::invalid_argument);
  const std::vector<double> short_masses{1.0};
  EXPECT_THROW(PiecewiseConstantLaw1D(good_edges, short_masses), std::invalid_argument);
  const PiecewiseConstantLaw1D law(good_edges, std::vector<double>{1.0, 1.0});
  EXPECT_THROW(static_cast<void>(law.quantile(1.5)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(law.moments(1.0, 0.0)), std::invalid_argument);
  try {
    PiecewiseConstantLaw1D(good_edges, zero_mass);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("masses[1]"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The semi-discrete energy

/// Irregular edges on [-0.9, 1.1] avoiding the plateau target's jumps at +-0.25, and unequal masses.
struct Grid {
  std::vector<double> edges{-0.9, -0.6, -0.45, -0.1, 0.05, 0.2, 0.4, 0.7, 1.1};
  std::vector<double> masses{0.05, 0.1, 0.2, 0.15, 0.2, 0.15, 0.1, 0.05};
};

void expect_gradient_matches(const ReferenceSolver1D& solver, const char* name) {
  const Grid grid;
  const std::vector<double> gradient = solver.energy_gradient(grid.edges, grid.masses);
  double min_width = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k + 1 < grid.edges.size(); ++k)
    min_width = std::min(min_width, grid.edges[k + 1] - grid.edges[k]);
  const double h = kGradientStepFraction * min_width;
  double scale = 0.0;
  for (const double g : gradient) scale = std::max(scale, std::abs(g));
  for (std::size_t k = 0; k < grid.edges.size(); ++k) {
    std::vector<double> plus = grid.edges;
    std::vector<double> minus = grid.edges;
    plus[k] += h;
    minus[k] -= h;
    const double fd = (solver.energy(plus, grid.masses) - solver.energy(minus, grid.masses)) / (2.0 * h);
    EXPECT_NEAR(gradient[k], fd, kGradientTolerance * scale) << name << ", edge " << k;
  }
}

TEST(ReferenceSolver1D, EnergyGradientMatchesFiniteDifferences) {
  expect_gradient_matches(ReferenceSolver1D(PorousMediumEnergy1D{2.0}), "pme m = 2");
  expect_gradient_matches(ReferenceSolver1D(PorousMediumEnergy1D{3.0}), "pme m = 3");
  expect_gradient_matches(ReferenceSolver1D(PorousMediumEnergy1D{1.0}, testing::quadratic_potential()), "heat + x^2/2");
  expect_gradient_matches(ReferenceSolver1D(testing::gaussian_target(), testing::double_well()),
                          "wpme Gaussian + double well");
  expect_gradient_matches(ReferenceSolver1D(testing::plateau_target()), "wpme plateau");
}

TEST(ReferenceSolver1D, EnergyOfUniformCellsIsTheContinuumEnergy) {
  // One cell of mass M on [a, b]: pme int rho^m/(m-1) = M^m w^(1-m)/(m-1); wpme with rhobar == 1: M^2/(2w).
  const std::vector<double> edges{-0.5, 1.5};
  const std::vector<double> mass{3.0};
  EXPECT_NEAR(ReferenceSolver1D(PorousMediumEnergy1D{2.0}).energy(edges, mass), 9.0 / 2.0, kRoundoff);
  EXPECT_NEAR(ReferenceSolver1D(PorousMediumEnergy1D{1.0}).energy(edges, mass), 3.0 * std::log(1.5), kRoundoff);
  WeightedEnergy1D flat;
  flat.rhobar = [](double) { return 1.0; };
  EXPECT_NEAR(ReferenceSolver1D(flat).energy(edges, mass), 9.0 / 4.0, kRoundoff);
}

// ---------------------------------------------------------------------------------------------------------------
// Against exact solutions

ReferenceSolution solve_to(const ReferenceSolver1D& solver, const Law1D& initial, double t0, double t) {
  const std::vector<double> times{t};
  ReferenceSolution solution = solver.solve(initial, 1.0, t0, times);
  EXPECT_EQ(solution.status, ReferenceStatus::ok) << solution.message;
  return solution;
}

ReferenceSolverOptions with_cells(std::size_t cells) {
  ReferenceSolverOptions options;
  options.cells = cells;
  return options;
}

TEST(ReferenceSolver1D, MatchesBarenblattAtDefaultResolution) {
  // Default options (K = 800): measured W2 = 7.9e-6 (m = 2) and 6.0e-6 (m = 3) at T = 1 from t0 = 0.25.
  constexpr double kMeasuredM2 = 7.9e-6;
  constexpr double kMeasuredM3 = 6.0e-6;
  for (const auto& [m, measured] : {std::pair{2.0, kMeasuredM2}, std::pair{3.0, kMeasuredM3}}) {
    const Barenblatt profile(1, m, 1.0);
    const ReferenceSolution solution =
        solve_to(ReferenceSolver1D(PorousMediumEnergy1D{m}), BarenblattLaw1D(profile, 0.25), 0.25, 1.0);
    const double error = w2_between(solution.snapshots.back().law(), BarenblattLaw1D(profile, 1.0));
    std::printf("Barenblatt m = %.0f, K = 800: W2(T = 1) = %.3e, %zu steps, %.2f s\n", m, error,
                solution.steps_accepted, solution.wall_seconds);
    EXPECT_LT(error, kMargin * measured);
  }
}

/// W2 at T = 1 for K = 200 and K = 400 and the pairwise order.
struct Pair {
  double coarse = 0.0;
  double fine = 0.0;
  double order() const { return std::log2(coarse / fine); }
};

template <class Exact>
Pair errors_against(const InternalEnergy1D& energy, const Potential1D& potential, const Exact& exact, const char* name) {
  Pair pair;
  for (const std::size_t k : {200, 400}) {
    const ReferenceSolution solution =
        solve_to(ReferenceSolver1D(energy, potential, with_cells(k)), exact.law(0.0), 0.0, 1.0);
    const double error = w2_between(solution.snapshots.back().law(), exact.law(1.0));
    (k == 200 ? pair.coarse : pair.fine) = error;
    std::printf("%s, K = %zu: W2(T = 1) = %.3e, %zu steps, %.2f s\n", name, k, error, solution.steps_accepted,
                solution.wall_seconds);
  }
  std::printf("%s: order %.2f\n", name, pair.order());
  return pair;
}

/// Pairwise orders measured between K = 200 and 400 are 1.99 (heat), 1.99 (Fokker-Planck), 1.77 (confined PME);
/// a first-order scheme would give 1.
constexpr double kMinPairOrder = 1.6;

TEST(ReferenceSolver1D, MatchesHeatKernel) {
  // Gaussian data of variance 1 at t = 0; truncated at tail mass 1e-12 per side. Measured W2(K = 400) = 2.23e-4.
  constexpr double kMeasured = 2.23e-4;
  const Pair pair = errors_against(PorousMediumEnergy1D{1.0}, {}, HeatKernel(1, 1.0, 1.0, 1.0), "heat");
  EXPECT_LT(pair.fine, kMargin * kMeasured);
  EXPECT_GT(pair.order(), kMinPairOrder);
}

TEST(ReferenceSolver1D, MatchesLinearFokkerPlanckWithQuadraticPotential) {
  // N(1, 1/4) at t = 0 relaxing towards N(0, 1) under V = x^2/2. Measured W2(K = 400) = 1.39e-4.
  constexpr double kMeasured = 1.39e-4;
  const std::vector<double> mean{1.0};
  const Pair pair = errors_against(PorousMediumEnergy1D{1.0}, testing::quadratic_potential(),
                                   LinearFokkerPlanck(1, 1.0, 0.5, mean), "linear Fokker-Planck");
  EXPECT_LT(pair.fine, kMargin * kMeasured);
  EXPECT_GT(pair.order(), kMinPairOrder);
}

TEST(ReferenceSolver1D, MatchesConfinedPorousMediumWithQuadraticPotential) {
  // m = 2, tau0 = 0.1 (support 0.97 at t = 0, relaxing to the stationary profile). Measured W2(K = 400) = 2.06e-5.
  constexpr double kMeasured = 2.06e-5;
  const Pair pair = errors_against(PorousMediumEnergy1D{2.0}, testing::quadratic_potential(),
                                   ConfinedPorousMedium(1, 2.0, 1.0, 0.1), "confined PME");
  EXPECT_LT(pair.fine, kMargin * kMeasured);
  EXPECT_GT(pair.order(), kMinPairOrder);
}

TEST(ReferenceSolver1D, IsALawForWasserstein1d) {
  // Particles at the exact Barenblatt quantile midpoints: the triangle inequality bounds their distance to the
  // reference by their exact distance plus the reference's own error.
  constexpr std::size_t kParticles = 400;
  const Barenblatt profile(1, 2.0, 1.0);
  const BarenblattLaw1D exact(profile, 1.0);
  const ReferenceSolution solution =
      solve_to(ReferenceSolver1D(PorousMediumEnergy1D{2.0}, {}, with_cells(400)), BarenblattLaw1D(profile, 0.25), 0.25,
               1.0);
  const PiecewiseConstantLaw1D reference = solution.snapshots.back().law();
  std::vector<double> x(kParticles);
  const std::vector<double> w(kParticles, 1.0 / kParticles);
  for (std::size_t i = 0; i < kParticles; ++i)
    x[i] = exact.quantile((static_cast<double>(i) + 0.5) / kParticles);
  const double to_reference = wasserstein_1d(x, w, reference).w2;
  const double to_exact = wasserstein_1d(x, w, exact).w2;
  const double gap = w2_between(reference, exact);
  std::printf("particles N = %zu: W2 to exact %.4e, to reference %.4e, reference error %.3e\n", kParticles, to_exact,
              to_reference, gap);
  EXPECT_LE(to_reference, to_exact + gap + kRoundoff);
  EXPECT_GE(to_reference, to_exact - gap - kRoundoff);
}

// ---------------------------------------------------------------------------------------------------------------
// wpme long time, energy, statuses

TEST(ReferenceSolver1D, WeightedFlowApproachesNormalizedTarget) {
  // rhobar = exp(-x^2/2): the steady state rhobar/int rhobar is N(0, 1) (docs/math.md §2.2).
  const std::vector<double> times{0.5, 1.0, 2.0, 4.0, 8.0};
  const BarenblattLaw1D initial(Barenblatt(1, 2.0, 1.0), 0.1);
  const ReferenceSolution solution =
      ReferenceSolver1D(testing::gaussian_target(), {}, with_cells(200)).solve(initial, 1.0, 0.0, times);
  ASSERT_EQ(solution.status, ReferenceStatus::ok) << solution.message;
  const GaussianLaw1D steady(kSteadyMean, kSteadyStdDev);
  double previous = std::numeric_limits<double>::infinity();
  for (const ReferenceSnapshot& s : solution.snapshots) {
    const double distance = w2_between(s.law(), steady);
    std::printf("wpme Gaussian target: t = %5.2f  W2 to N(0, 1) = %.4e  E = %.6f\n", s.t, distance, s.energy);
    EXPECT_LT(distance, previous) << "t = " << s.t;
    previous = distance;
  }
  // The energy tends to that of the steady state, E = 1/2 int N(0,1)^2/rhobar = 1/(2 sqrt(2 pi)) (docs/math.md §2.2).
  // Measured |E(8) - E_inf| = 1.5e-4 (K = 200: discretization of the Gaussian tails by the compactly supported cells).
  constexpr double kMeasuredEnergyGap = 1.5e-4;
  const double steady_energy = 0.5 / std::sqrt(2.0 * std::numbers::pi);
  EXPECT_LT(std::abs(solution.snapshots.back().energy - steady_energy), kMargin * kMeasuredEnergyGap);
}

void expect_energy_non_increasing(const InternalEnergy1D& energy, const Potential1D& potential, TimeScheme scheme,
                                  std::size_t cells, const char* name) {
  ReferenceSolverOptions options = with_cells(cells);
  options.scheme = scheme;
  options.record_energy = true;
  const std::vector<double> times{1.0};
  const BarenblattLaw1D initial(Barenblatt(1, 2.0, 1.0), 0.1);
  const ReferenceSolution solution = ReferenceSolver1D(energy, potential, options).solve(initial, 1.0, 0.0, times);
  ASSERT_EQ(solution.status, ReferenceStatus::ok) << solution.message;
  const auto& history = solution.energy_history;
  ASSERT_EQ(history.size(), solution.steps_accepted + 1);
  std::size_t increases = 0;
  for (std::size_t i = 1; i < history.size(); ++i) {
    // Round-off of a sum of K terms of the size of E.
    const double slack = kRoundoff * std::abs(history[i - 1].second);
    if (history[i].second > history[i - 1].second + slack) ++increases;
  }
  const char* scheme_name = scheme == TimeScheme::implicit_euler ? "implicit Euler" : "extrapolated Euler";
  std::printf("%s (%s): E %.6f -> %.6f over %zu steps\n", name, scheme_name, history.front().second,
              history.back().second, history.size() - 1);
  EXPECT_EQ(increases, 0u) << name;
  EXPECT_LT(history.back().second, history.front().second) << name;
}

TEST(ReferenceSolver1D, EnergyNeverIncreases) {
  for (const TimeScheme scheme : {TimeScheme::implicit_euler, TimeScheme::extrapolated_euler}) {
    // K = 50 for the plateau target: every edge crossing a jump of rhobar is a kink that the steps must resolve.
    expect_energy_non_increasing(PorousMediumEnergy1D{2.0}, testing::double_well(), scheme, 200,
                                 "pme m = 2, double well");
    expect_energy_non_increasing(testing::plateau_target(), {}, scheme, 50, "wpme plateau");
    expect_energy_non_increasing(testing::gaussian_target(), {}, scheme, 200, "wpme Gaussian");
  }
}

TEST(ReferenceSolver1D, ReportsFailureAsStatus) {
  ReferenceSolverOptions options = with_cells(50);
  options.max_steps = 3;
  const std::vector<double> times{0.5, 1.0};
  const BarenblattLaw1D initial(Barenblatt(1, 2.0, 1.0), 0.25);
  const ReferenceSolution capped = ReferenceSolver1D(PorousMediumEnergy1D{2.0}, {}, options).solve(initial, 1.0, 0.25,
                                                                                                 times);
  EXPECT_EQ(capped.status, ReferenceStatus::max_steps_exceeded);
  EXPECT_EQ(capped.snapshots.size(), 1u);  // t0 only
  EXPECT_FALSE(capped.message.empty());

  // rhobar vanishing everywhere: the energy is infinite from the start.
  WeightedEnergy1D vanishing;
  vanishing.rhobar = [](double) { return 0.0; };
  const ReferenceSolution infinite = ReferenceSolver1D(vanishing, {}, with_cells(50)).solve(initial, 1.0, 0.25, times);
  EXPECT_EQ(infinite.status, ReferenceStatus::non_finite_state);
  EXPECT_EQ(to_string(infinite.status), "non_finite_state");
}

TEST(ReferenceSolver1D, RejectsBadInput) {
  EXPECT_THROW(ReferenceSolver1D(PorousMediumEnergy1D{0.5}), std::invalid_argument);
  EXPECT_THROW(ReferenceSolver1D(WeightedEnergy1D{}), std::invalid_argument);
  WeightedEnergy1D unsorted = testing::plateau_target();
  unsorted.breakpoints = {0.25, -0.25};
  EXPECT_THROW(ReferenceSolver1D(unsorted, Potential1D{}), std::invalid_argument);
  Potential1D half{[](double x) { return x; }, {}, {}};
  EXPECT_THROW(ReferenceSolver1D(PorousMediumEnergy1D{2.0}, half), std::invalid_argument);
  ReferenceSolverOptions options;
  options.cells = 1;
  EXPECT_THROW(ReferenceSolver1D(PorousMediumEnergy1D{2.0}, {}, options), std::invalid_argument);
  options = {};
  options.grid_length_weight = 1.0;
  EXPECT_THROW(ReferenceSolver1D(PorousMediumEnergy1D{2.0}, {}, options), std::invalid_argument);
  options = {};
  options.rtol = 0.0;
  EXPECT_THROW(ReferenceSolver1D(PorousMediumEnergy1D{2.0}, {}, options), std::invalid_argument);

  const ReferenceSolver1D solver(PorousMediumEnergy1D{2.0}, {}, with_cells(20));
  const BarenblattLaw1D initial(Barenblatt(1, 2.0, 1.0), 0.25);
  const std::vector<double> backwards{1.0, 0.5};
  const std::vector<double> before_t0{0.1};
  const std::vector<double> good{1.0};
  EXPECT_THROW(static_cast<void>(solver.solve(initial, 1.0, 0.25, backwards)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(solver.solve(initial, 1.0, 0.25, before_t0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(solver.solve(initial, 0.0, 0.25, good)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(solver.solve(initial, 1.0, 0.25, {})), std::invalid_argument);
  try {
    static_cast<void>(solver.solve(initial, 1.0, 0.25, before_t0));
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("output_times[0]"), std::string::npos) << e.what();
  }
  EXPECT_LT(kEpsilon, kRoundoff);
}

}  // namespace
}  // namespace blobflow::analysis
