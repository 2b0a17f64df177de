// The wpme steady-state metrics of a run (studies/run.hpp): w1_steady and w2_steady, the distances of the particles
// to rhobar / int rhobar (docs/math.md §2.2), and quantization_floor_w2, the W2 of N equal weights at the steady law's
// quantile midpoints (docs/math.md §2.5). Exact values: for uniform rhobar on [-0.5, 0.5] the floor is 1/(sqrt(12) N)
// and 1/(4N) in W1; for the targets-1d piecewise target (1/2 on [-0.5, 0), 3/2 on [0, 0.5], int rhobar = 1) it is
// (int_S dx/rhobar)^(1/2) / (sqrt(12) N) = (4/3)^(1/2) / (sqrt(12) N) = 1/(3N) whenever N/4 is an integer (every
// particle's quantile cell then lies in one piece, where the uniform-cell formula is exact). Gaussian targets: against
// the exact Gaussian law, to the stated quadrature error. 2D: W2 by semi-discrete transport against product targets,
// whose distance splits into 1D ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "blobflow/analysis/exact_solutions.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/studies/metrics.hpp"
#include "blobflow/studies/run.hpp"

namespace blobflow {
namespace {

/// Exact closed forms evaluated through sums of N terms and square roots: a few ulps, relative.
constexpr double kRelativeRoundoff = 1e-12;
constexpr std::size_t kParticles = 100;  // divisible by 4 (see the file comment)

RunResult short_run(const std::vector<std::string>& target) {
  std::vector<std::string> overrides{"problem.equation=wpme", "problem.initial=uniform",
                                     "problem.initial_support=[-0.5,0.5]", "problem.t0=0", "problem.t_final=0.01",
                                     "discretization.particles=" + std::to_string(kParticles)};
  overrides.insert(overrides.end(), target.begin(), target.end());
  const RunResult r = run_simulation(parse_run_config("", "steady.toml", overrides));
  EXPECT_EQ(r.status, RunStatus::ok) << r.message;
  return r;
}

TEST(SteadyState, UniformTargetFloorIsOneOverSqrt12N) {
  const RunResult r =
      short_run({"problem.target=uniform", "target.box_lo=[-0.5]", "target.box_hi=[0.5]"});
  const double n = static_cast<double>(kParticles);
  const double floor_w2 = 1.0 / (std::sqrt(12.0) * n);
  ASSERT_TRUE(r.quantization_floor_w2.has_value());
  EXPECT_NEAR(*r.quantization_floor_w2, floor_w2, kRelativeRoundoff * floor_w2);
  // The initial particles are the quantile midpoints of the uniform law on [-0.5, 0.5]: the steady law itself.
  const OutputMetrics& first = r.outputs.front();
  ASSERT_TRUE(first.get("w1_steady") && first.get("w2_steady"));
  EXPECT_NEAR(*first.get("w2_steady"), floor_w2, kRelativeRoundoff * floor_w2);
  EXPECT_NEAR(*first.get("w1_steady"), 0.25 / n, kRelativeRoundoff / n);
  for (const OutputMetrics& m : r.outputs) EXPECT_TRUE(m.get("w1_steady") && m.get("w2_steady")) << "t = " << m.t;
  // The JSON keys other tools read.
  const auto& metrics = r.summary["metrics"];
  EXPECT_DOUBLE_EQ(metrics["quantization_floor_w2"].get<double>(), *r.quantization_floor_w2);
  EXPECT_DOUBLE_EQ(metrics["outputs"][0]["w2_steady"].get<double>(), *first.get("w2_steady"));
  EXPECT_DOUBLE_EQ(metrics["outputs"][0]["w1_steady"].get<double>(), *first.get("w1_steady"));
}

TEST(SteadyState, PiecewiseTargetFloorIsOneOverThreeN) {
  const RunResult r = short_run({"problem.target=piecewise",
                                 "target.pieces=[{lo=[-0.5],hi=[0.0],value=0.5},{lo=[0.0],hi=[0.5],value=1.5}]"});
  const double floor_w2 = 1.0 / (3.0 * static_cast<double>(kParticles));
  ASSERT_TRUE(r.quantization_floor_w2.has_value());
  EXPECT_NEAR(*r.quantization_floor_w2, floor_w2, kRelativeRoundoff * floor_w2);
  // The uniform initial data are not the steady state: farther than the floor.
  EXPECT_GT(*r.outputs.front().get("w2_steady"), floor_w2);
}

TEST(SteadyState, GaussianTargetLawIsWithinOneCellOfTheExactOne) {
  // N(0, 0.2^2), the targets-1d target: the steady law is piecewise constant on kSteadyStateCells cells of
  // mean +- 6 sd, within one cell width h (W-inf) of the exact Gaussian; the floor's particles then move by <= h
  // too, so both the floor and w2_steady agree with their exact values to 2h (triangle inequality).
  constexpr double kStdDev = 0.2;
  constexpr double kBoxWidth = 12.0 * kStdDev;
  const double h = kBoxWidth / static_cast<double>(kSteadyStateCells);
  const RunResult r = short_run({"problem.target=gaussian", "target.mean=[0.0]", "target.covariance=[0.04]"});
  const analysis::GaussianLaw1D exact(0.0, kStdDev);
  const std::size_t n = kParticles;
  std::vector<double> x(n);
  const std::vector<double> w(n, 1.0 / static_cast<double>(n));
  for (std::size_t i = 0; i < n; ++i) x[i] = exact.quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n));
  const double exact_floor = analysis::wasserstein_1d(x, w, exact).w2;
  ASSERT_TRUE(r.quantization_floor_w2.has_value());
  std::printf("Gaussian target, N = %zu: floor %.6e (exact law %.6e), w2_steady(t0) %.6e\n", n,
              *r.quantization_floor_w2, exact_floor, *r.outputs.front().get("w2_steady"));
  EXPECT_NEAR(*r.quantization_floor_w2, exact_floor, 2.0 * h);
  // The initial particles: quantile midpoints of the uniform law on [-0.5, 0.5].
  std::vector<double> start(n);
  for (std::size_t i = 0; i < n; ++i) start[i] = -0.5 + (static_cast<double>(i) + 0.5) / static_cast<double>(n);
  EXPECT_NEAR(*r.outputs.front().get("w2_steady"), analysis::wasserstein_1d(start, w, exact).w2, h);
}

// 2D: the initial particles sit at the centres of an n x n lattice on [-0.5, 0.5]^2 with equal masses, a product of
// two 1D measures. Where the target is a product too (a Gaussian with a diagonal covariance, pieces that vary in x
// only), the product of the 1D optimal plans is optimal and W2^2 = W2^2(x) + W2^2(y), each by the 1D quantile formula.

/// The semi-discrete solve against the 1D formulas: the Newton residual (<= 1e-12 of the masses) and the Gaussian
/// cells' quadrature (2e-13 relative per cell) move W2 by far less than this, relative.
constexpr double kSemiDiscrete = 1e-10;
constexpr int kSide = 12;  // lattice cells per side

/// The lattice's coordinates along one axis and their equal weights.
std::vector<double> lattice_axis() {
  std::vector<double> x(kSide);
  for (int i = 0; i < kSide; ++i) x[static_cast<std::size_t>(i)] = -0.5 + (i + 0.5) / kSide;
  return x;
}

RunResult lattice_run(const std::vector<std::string>& target) {
  std::vector<std::string> overrides{"problem.dimension=2", "discretization.placement=lattice",
                                     "discretization.particles=" + std::to_string(kSide * kSide)};
  overrides.insert(overrides.end(), target.begin(), target.end());
  return short_run(overrides);
}

double w2_of_product(const analysis::Law1D& x_law, const analysis::Law1D& y_law) {
  const std::vector<double> x = lattice_axis(), w(x.size(), 1.0);
  return std::hypot(analysis::wasserstein_1d(x, w, x_law).w2, analysis::wasserstein_1d(x, w, y_law).w2);
}

TEST(SteadyState, TwoDimensionalGaussianTargetSplitsIntoItsMarginals) {
  // eps below the target's smallest sd: int zeta_eps(x - y) / rhobar(y) dy is finite only for eps < sd.
  const RunResult r = lattice_run({"problem.target=gaussian", "target.mean=[0.1,-0.05]",
                                   "target.covariance=[0.04,0.0,0.0,0.09]", "discretization.epsilon=0.1"});
  ASSERT_EQ(r.n_particles, static_cast<std::size_t>(kSide * kSide));
  const double expected = w2_of_product(analysis::GaussianLaw1D(0.1, 0.2), analysis::GaussianLaw1D(-0.05, 0.3));
  const OutputMetrics& first = r.outputs.front();
  ASSERT_TRUE(first.get("w2_steady").has_value());
  EXPECT_NEAR(*first.get("w2_steady"), expected, kSemiDiscrete * expected);
  EXPECT_LE(*first.get("w2_steady_residual"), 1e-12);
  EXPECT_FALSE(first.get("w1_steady").has_value());
  for (const OutputMetrics& m : r.outputs) EXPECT_TRUE(m.get("w2_steady").has_value()) << "t = " << m.t;
}

TEST(SteadyState, TwoDimensionalPiecewiseTargetSplitsIntoItsMarginals) {
  const RunResult r = lattice_run({"problem.target=piecewise",
                                   "target.pieces=[{lo=[-0.5,-0.5],hi=[0.0,0.5],value=0.5},"
                                   "{lo=[0.0,-0.5],hi=[0.5,0.5],value=1.5}]"});
  const std::vector<double> edges{-0.5, 0.0, 0.5}, masses{0.25, 0.75};
  const double expected =
      w2_of_product(analysis::PiecewiseConstantLaw1D(edges, masses), analysis::UniformLaw1D(-0.5, 0.5));
  ASSERT_TRUE(r.outputs.front().get("w2_steady").has_value());
  EXPECT_NEAR(*r.outputs.front().get("w2_steady"), expected, kSemiDiscrete * expected);
}

TEST(SteadyState, TwoDimensionalFlooredGaussianHasNoSteadyLawAndSaysWhy) {
  const std::vector<std::string> floored{"problem.target=gaussian", "target.mean=[0.0,0.0]",
                                         "target.covariance=[0.04,0.0,0.0,0.04]", "target.floor_fraction=1e-3"};
  const RunResult r = lattice_run(floored);
  EXPECT_FALSE(r.outputs.front().get("w2_steady").has_value());
  std::vector<std::string> overrides{"problem.equation=wpme", "problem.dimension=2"};
  overrides.insert(overrides.end(), floored.begin(), floored.end());
  const std::string why = why_unwritten(parse_run_config("", "steady.toml", overrides), "w2_steady");
  EXPECT_NE(why.find("infinite mass"), std::string::npos) << why;
}

TEST(SteadyState, AbsentWithoutATarget) {
  const RunResult r = short_run({});
  EXPECT_FALSE(r.quantization_floor_w2.has_value());
  EXPECT_FALSE(r.outputs.front().get("w2_steady").has_value());
  EXPECT_TRUE(r.summary["metrics"]["quantization_floor_w2"].is_null());
}

}  // namespace
}  // namespace blobflow
