// Unit tests of the 1D finite-volume reference solver (finite_volume1d.hpp): the grid and the discrete energy; W2
// against the exact Barenblatt solution of wpme with rhobar == 1 (docs/math.md §4.4); mass conservation, positivity
// and the energy inequality of the header's proofs on the targets-1d piecewise example; the output law; failure
// statuses; bad inputs. The orders and the long run of the example are in test_finite_volume_convergence.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/finite_volume1d.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "unit/analysis/finite_volume_cases.hpp"
#include "unit/analysis/law_distance.hpp"

namespace blobflow::analysis {
namespace {

using testing::kSupportHalfWidth;

/// Sums of O(1000) rounded O(1) terms over a few thousand steps: far below 1e-12 (measured 2e-15).
constexpr double kMassRoundoff = 1e-12;
/// Error bounds are the measured value times this margin (a lost order moves them by the refinement factor 2).
constexpr double kMargin = 1.5;

using testing::with_cells;

template <class F>
void expect_invalid(F&& f, const std::string& name) {
  try {
    f();
    ADD_FAILURE() << "no exception for " << name;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(FiniteVolumeSolver1D, GridPutsEveryBreakpointOnAFace) {
  FiniteVolumeOptions options = with_cells(40);
  options.resolution = {1.0, 4.0, 4.0, 1.0};
  const FiniteVolumeSolver1D solver(testing::piecewise_example(1.5), {}, options);
  const std::vector<double>& e = solver.edges();
  for (const double b : testing::piecewise_example(1.5).breakpoints)
    EXPECT_TRUE(std::find(e.begin(), e.end(), b) != e.end()) << "breakpoint " << b;
  ASSERT_EQ(solver.cell_rhobar().size() + 1, e.size());
  // Lengths 1, 0.5, 0.5, 1 with weights 1, 4, 4, 1: weighted total 6, so 40 cells split 7, 13, 13, 7 (rounded).
  const std::vector<std::size_t> expected{7, 13, 13, 7};
  const std::vector<double> values{testing::kFloor, testing::kLeftValue, testing::kRightValue, testing::kFloor};
  std::size_t i = 0;
  for (std::size_t j = 0; j < expected.size(); ++j)
    for (std::size_t k = 0; k < expected[j]; ++k, ++i) EXPECT_EQ(solver.cell_rhobar()[i], values[j]) << "cell " << i;
  EXPECT_EQ(i, solver.cell_rhobar().size());
}

TEST(FiniteVolumeSolver1D, EnergyIsTheCellSum) {
  // rho = 2 on every cell of [-1, 1] with rhobar 1 on [-1, 0] and 4 on [0, 1], V = x: int rho^2/(2 rhobar) + rho V
  // = (4/2 + 4/8) + 0 (V at cell centres symmetric about 0) = 2.5.
  const PiecewiseConstantTarget1D target{{-1.0, 0.0, 1.0}, {1.0, 4.0}};
  const FiniteVolumeSolver1D solver(target, [](double x) { return x; }, with_cells(10));
  const std::vector<double> rho(solver.cell_rhobar().size(), 2.0);
  constexpr double kExpected = 2.5;
  EXPECT_NEAR(solver.energy(rho), kExpected, 1e-14);
}

TEST(FiniteVolumeSolver1D, MatchesBarenblatt) {
  // rhobar == 1 on [-2, 2]: U_2(x, t/2) from t0 = 0.2 to T = 1 (support radius 1.65 at T). Measured W2 = 2.81e-3 at
  // K = 400 (first order in K: the upwind density at the degenerate front; see the convergence test).
  constexpr double kMeasured = 2.81e-3;
  const Barenblatt profile(1, 2.0, 1.0);
  const std::vector<double> times{1.0};
  const FiniteVolumeSolution solution = FiniteVolumeSolver1D({{-2.0, 2.0}, {1.0}}, {}, with_cells(400))
                                            .solve(BarenblattLaw1D(profile, 0.1), 1.0, 0.2, times);
  ASSERT_EQ(solution.status, ReferenceStatus::ok) << solution.message;
  const double error = testing::w2_between(solution.snapshots.back().law(), BarenblattLaw1D(profile, 0.5));
  std::printf("Barenblatt K = 400: W2 = %.4e (%zu steps)\n", error, solution.steps_accepted);
  EXPECT_LT(error, kMargin * kMeasured);
  EXPECT_LT(solution.boundary_mass, testing::kNegligibleMass);  // the front stays inside [-2, 2]
}

TEST(FiniteVolumeSolver1D, ConservesMassStaysPositiveAndDissipatesEnergy) {
  // The piecewise example (mass crosses the jump at 0 and leaks into the floor) with the potential V = x^2/2.
  for (const TimeScheme scheme : {TimeScheme::implicit_euler, TimeScheme::extrapolated_euler}) {
    FiniteVolumeOptions options = testing::example_options(300);
    options.scheme = scheme;
    options.record_energy = true;
    const std::vector<double> times{0.01, 0.1, 1.0};
    const FiniteVolumeSolution solution =
        FiniteVolumeSolver1D(testing::piecewise_example(3.0), [](double x) { return 0.5 * x * x; }, options)
            .solve(testing::example_initial(), 1.0, 0.0, times);
    ASSERT_EQ(solution.status, ReferenceStatus::ok) << solution.message;
    double mass_error = 0.0;
    double min_density = std::numeric_limits<double>::infinity();
    for (const FiniteVolumeSnapshot& s : solution.snapshots) {
      mass_error = std::max(mass_error, std::abs(s.mass - 1.0));
      for (const double r : s.density) min_density = std::min(min_density, r);
    }
    std::size_t increases = 0;
    const auto& h = solution.energy_history;
    ASSERT_EQ(h.size(), solution.steps_accepted + 1);
    for (std::size_t i = 1; i < h.size(); ++i)
      if (h[i].second > h[i - 1].second) ++increases;
    const bool implicit = scheme == TimeScheme::implicit_euler;
    std::printf("%s: %zu steps, mass error %.2e, min rho %.3e, energy increases %zu, limited steps %zu\n",
                implicit ? "implicit Euler" : "extrapolated", solution.steps_accepted, mass_error, min_density,
                increases, solution.limited_steps);
    EXPECT_LT(mass_error, kMassRoundoff);
    EXPECT_GE(min_density, 0.0);
    // Backward Euler of a convex energy cannot increase it (header); the extrapolation has no such proof.
    if (implicit) {
      EXPECT_EQ(increases, 0u);
    }
  }
}

TEST(FiniteVolumeSolver1D, LawLeavesOutEmptyEndCells) {
  FiniteVolumeSnapshot s;
  s.edges = {0.0, 1.0, 2.0, 3.0, 4.0, 5.0};
  s.density = {0.0, 1.0, 0.0, 3.0, 0.0};
  const PiecewiseConstantLaw1D law = s.law();
  // The empty end cells are dropped; the interior empty cell joins its left neighbour: cells [1, 3] and [3, 4].
  ASSERT_EQ(law.cells(), 2u);
  EXPECT_EQ(law.edges().front(), 1.0);
  EXPECT_EQ(law.edges()[1], 3.0);
  EXPECT_EQ(law.edges().back(), 4.0);
  EXPECT_DOUBLE_EQ(law.levels()[1], 0.25);
}

TEST(FiniteVolumeSolver1D, LawLeavesOutEndCellsWhoseMassUnderflows) {
  // A subnormal density times a cell width below 1 rounds to a cell mass of 0: such end cells are left out too.
  FiniteVolumeSnapshot s;
  s.edges = {0.0, 0.002, 0.004, 0.006};
  s.density = {std::numeric_limits<double>::denorm_min(), 1.0, std::numeric_limits<double>::denorm_min()};
  const PiecewiseConstantLaw1D law = s.law();
  ASSERT_EQ(law.cells(), 1u);
  EXPECT_EQ(law.edges().front(), 0.002);
  EXPECT_EQ(law.edges().back(), 0.004);
}

TEST(FiniteVolumeSolver1D, ReportsFailureAsStatus) {
  FiniteVolumeOptions options = with_cells(50);
  options.max_steps = 3;
  const std::vector<double> times{1.0};
  const FiniteVolumeSolution solution =
      FiniteVolumeSolver1D(testing::piecewise_example(1.5), {}, options).solve(testing::example_initial(), 1.0, 0.0, times);
  EXPECT_EQ(solution.status, ReferenceStatus::max_steps_exceeded);
  EXPECT_NE(solution.message.find("max_steps"), std::string::npos) << solution.message;
  EXPECT_EQ(solution.snapshots.size(), 1u);  // t0 only
}

TEST(FiniteVolumeSolver1D, RejectsBadInput) {
  const auto make = [](PiecewiseConstantTarget1D t, FiniteVolumeOptions o = {}) {
    return [t, o] { FiniteVolumeSolver1D(t, {}, o); };
  };
  expect_invalid(make({{0.0}, {}}), "breakpoints.size()");
  expect_invalid(make({{0.0, -1.0}, {1.0}}), "breakpoints[1]");
  expect_invalid(make({{0.0, 1.0, 2.0}, {1.0}}), "values.size()");
  expect_invalid(make({{0.0, 1.0}, {0.0}}), "values[0]");
  expect_invalid(make({{0.0, 1.0, 2.0}, {1.0, 1.0}}, with_cells(1)), "cells");
  FiniteVolumeOptions bad = with_cells(10);
  bad.rtol = 0.0;
  expect_invalid(make({{0.0, 1.0}, {1.0}}, bad), "rtol");
  bad = with_cells(10);
  bad.resolution = {1.0, 1.0};
  expect_invalid(make({{0.0, 1.0}, {1.0}}, bad), "resolution.size()");
  bad.resolution = {-1.0};
  expect_invalid(make({{0.0, 1.0}, {1.0}}, bad), "resolution[0]");
  expect_invalid([] { FiniteVolumeSolver1D({{0.0, 1.0}, {1.0}}, [](double) { return NAN; }, with_cells(4)); },
                 "potential");

  const FiniteVolumeSolver1D solver({{-1.0, 1.0}, {1.0}}, {}, with_cells(20));
  const UniformLaw1D inside(-kSupportHalfWidth, kSupportHalfWidth);
  const std::vector<double> good{1.0};
  const std::vector<double> decreasing{1.0, 0.5};
  expect_invalid([&] { (void)solver.solve(inside, 0.0, 0.0, good); }, "mass");
  expect_invalid([&] { (void)solver.solve(inside, 1.0, 0.0, decreasing); }, "output_times[1]");
  expect_invalid([&] { (void)solver.solve(inside, 1.0, 2.0, good); }, "output_times[0]");
  expect_invalid([&] { (void)solver.solve(UniformLaw1D(-2.0, 2.0), 1.0, 0.0, good); }, "outside [a, b]");
  expect_invalid([&] { (void)solver.energy(std::vector<double>(3, 1.0)); }, "density.size()");
}

}  // namespace
}  // namespace blobflow::analysis
