// Networks at the level of a run (docs/math.md §10.3, §10.4): the minimizer rho_inf = (f* + lambda/nu)_+ and R_inf
// against closed forms (full support, a support cut by the positive part, mass off the data's support, 2D), W2 of
// the neurons to rho_inf where it is known exactly, and SGD run from a configuration beside the flow.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "blobflow/studies/config.hpp"
#include "blobflow/studies/metrics.hpp"
#include "blobflow/studies/network_run.hpp"
#include "blobflow/studies/run.hpp"

namespace blobflow {
namespace {

/// 3-point Gauss-Legendre on 4000 cells per unit length is exact for the polynomial pieces; the kink of rho_inf at
/// the edge of its support leaves an error of about (cell width)^3 f*'' in R_inf: 1e-9 covers it.
constexpr double kRiskTolerance = 1e-9;
/// lambda by bisection to 1e-15 relative; the mass it solves for carries the kink's quadrature error, O(h^2 times the
/// jump of the slope of rho_inf) at each end of its support: a r h^2 ~ 5e-7 in the cut case, over dm/dlambda = 2r/c.
constexpr double kLambdaTolerance = 1e-8;

RunConfig network_1d(double height, double curvature, double box = 1.0) {
  const std::string b = std::to_string(box);
  return parse_run_config("[problem]\nequation = \"network\"\ntarget = \"uniform\"\ninitial = \"uniform\"\n"
                          "initial_support = [-0.5, 0.5]\nt0 = 0.0\nt_final = 0.1\n[target]\nbox_lo = [-" + b +
                              "]\nbox_hi = [" + b + "]\n[network]\nfunction = \"quadratic\"\nheight = " +
                              std::to_string(height) + "\ncurvature = " + std::to_string(curvature) +
                              "\n[discretization]\nparticles = 20\nepsilon = 0.1\n[output]\ntimes = []\n",
                          "test.toml");
}

TEST(NetworkMinimizer, FullSupportMatchesTheClosedFormOfTheExample) {
  // f* = 1.2 - y^2/2, nu = 1/2 on [-1, 1], M = 1: rho_inf = f* + 2 lambda with lambda = -4/15, R_inf = 1/2 (8/15)^2.
  const auto m = network_minimizer(network_1d(1.2, 1.0));
  ASSERT_TRUE(m);
  EXPECT_NEAR(m->lambda, -4.0 / 15.0, kLambdaTolerance);
  EXPECT_NEAR(m->risk, 32.0 / 225.0, kRiskTolerance);
  EXPECT_NEAR(m->mass_on_support, 1.0, kLambdaTolerance);
  EXPECT_LT(m->risk_error, kRiskTolerance);
  EXPECT_TRUE(m->law_1d);
}

TEST(NetworkMinimizer, SupportCutByThePositivePartMatchesTheClosedForm) {
  // f* = h - a y^2/2, nu = c = 1/2 on [-1, 1]: rho_inf = (k - a y^2/2)_+ with k = h + lambda/c, support |y| < r =
  // sqrt(2k/a) and mass (4/3) k r = 1; with a = 8, k^(3/2)/2 = 3/4. R_inf = 1/2 [2 r c (k - h)^2 + 2 c int_r^1 f*^2].
  const double h = 2.0, a = 8.0, c = 0.5;
  const double k = std::pow(1.5, 2.0 / 3.0), r = std::sqrt(2.0 * k / a);
  const auto primitive = [&](double y) { return h * h * y - h * a * y * y * y / 3.0 + a * a * std::pow(y, 5) / 20.0; };
  const double risk = 0.5 * (2.0 * r * c * (k - h) * (k - h) + 2.0 * c * (primitive(1.0) - primitive(r)));
  const auto m = network_minimizer(network_1d(h, a));
  ASSERT_TRUE(m);
  EXPECT_NEAR(m->lambda, (k - h) * c, kLambdaTolerance);
  EXPECT_NEAR(m->risk, risk, kRiskTolerance);
  std::printf("cut support: R_inf = %.15g, closed form %.15g, halved-cell change %.2e\n", m->risk, risk,
              m->risk_error);
  ASSERT_TRUE(m->law_1d);
  EXPECT_NEAR(m->law_1d->quantile(0.0), -r, 1.0 / kMinimizerCells1D);  // the support ends within a cell
  EXPECT_NEAR(m->law_1d->quantile(1.0), r, 1.0 / kMinimizerCells1D);
}

TEST(NetworkMinimizer, TooLittleTargetMassLeavesTheRestOffTheSupport) {
  // f* = 0.3 on [-1, 1] has mass 0.6 < 1: lambda = 0, rho_inf = f* there, R_inf = 0, and no law on the support.
  const auto m = network_minimizer(network_1d(0.3, 0.0));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->lambda, 0.0);
  EXPECT_NEAR(m->risk, 0.0, kRiskTolerance);
  EXPECT_NEAR(m->mass_on_support, 0.6, kLambdaTolerance);
  EXPECT_FALSE(m->law_1d);
}

TEST(NetworkMinimizer, TwoDimensionalFullSupportMatchesTheClosedForm) {
  // nu = 1/4 on [-1, 1]^2, f* = h - a/2 |y|^2: mass 4h - 4a/3 + 16 lambda = 1, R_inf = 1/2 int (4 lambda)^2 / 4 =
  // 8 lambda^2 (rho_inf > 0 everywhere for h = 0.5, a = 0.2).
  RunConfig c = network_1d(0.5, 0.2);
  c.problem.dimension = 2;
  c.target.box_lo = {-1.0, -1.0};
  c.target.box_hi = {1.0, 1.0};
  // 50 x 50 cells per box: Gauss-Legendre is exact for the quadratic rho_inf, which is positive everywhere.
  const auto m = network_minimizer(c, kMinimizerCells1D, 50);
  ASSERT_TRUE(m);
  const double lambda = (1.0 - 2.0 + 0.8 / 3.0) / 16.0;
  EXPECT_NEAR(m->lambda, lambda, kLambdaTolerance);
  EXPECT_NEAR(m->risk, 8.0 * lambda * lambda, kRiskTolerance);
  EXPECT_TRUE(m->law_nd);
}

TEST(NetworkMetric, W2ToAUniformMinimizerAtCellCentresIsTheQuantizationValue) {
  // f* = 1 on [-1, 1], nu = 1/2: rho_inf = 1/2 (lambda = -1/4). N points at the centres of N equal cells are each
  // a cell's mass: W2^2 = (2/N)^2 / 12, so W2 = 1 / (sqrt(3) N).
  const RunConfig c = network_1d(1.0, 0.0);
  const auto metric = make_network_metric(c);
  ASSERT_TRUE(metric);
  const std::size_t n = 25;
  std::vector<double> x(n), m(n, 1.0 / n);
  for (std::size_t i = 0; i < n; ++i) x[i] = -1.0 + 2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
  OutputMetrics out;
  metric->measure({0.0, x, m, 0.5}, out);
  ASSERT_TRUE(out.get("w2_minimizer"));
  EXPECT_NEAR(*out.get("w2_minimizer"), 1.0 / (std::sqrt(3.0) * n), 1e-12);
  EXPECT_NEAR(*out.get("risk_minimum"), 0.5 * 0.25, kRiskTolerance);  // 1/2 int (1/2 - 1)^2 / 2 over [-1, 1]
  EXPECT_NEAR(*out.get("risk_excess"), 0.5 - 0.125, kRiskTolerance);
}

TEST(NetworkMetric, W2ToAUniformMinimizerIn2DAtALatticeIsTheQuantizationValue) {
  // f* = 1 on [-1, 1]^2, nu = 1/4: rho_inf uniform. n x n cell centres: W2^2 = 2 (2/n)^2 / 12.
  RunConfig c = network_1d(1.0, 0.0);
  c.problem.dimension = 2;
  c.target.box_lo = {-1.0, -1.0};
  c.target.box_hi = {1.0, 1.0};
  const auto metric = make_network_metric(c);
  ASSERT_TRUE(metric);
  const std::size_t n = 6;
  std::vector<double> x, m(n * n, 1.0 / (n * n));
  const auto centre = [&](std::size_t i) {
    return -1.0 + 2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
  };
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) x.insert(x.end(), {centre(i), centre(j)});
  OutputMetrics out;
  metric->measure({0.0, x, m, 1.0}, out);
  ASSERT_TRUE(out.get("w2_minimizer"));
  // The semi-discrete solve stops at a mass residual of 1e-12; the law's cells hold the exact uniform density.
  EXPECT_NEAR(*out.get("w2_minimizer"), 2.0 / n / std::sqrt(6.0), 1e-6);
}

TEST(NetworkSgdRun, LargeBatchesAndSmallStepsFollowTheFlow) {
  // SGD from a configuration: the distance to the flow at t = 0.2 falls as B grows (noise ~ B^(-1/2)), and the run
  // is reproducible from its seed.
  RunConfig c = network_1d(1.2, 1.0);
  c.problem.t_final = 0.2;
  c.discretization.particles = 12;
  c.network_training.training = "sgd";
  c.network_training.step = 0.01;
  const auto distance = [&](std::int64_t batch) {
    c.network_training.batch = batch;
    const RunResult r = run_simulation(c);
    EXPECT_EQ(r.status, RunStatus::ok) << r.message;
    EXPECT_EQ(r.outputs.front().get("sgd_to_flow").value_or(-1.0), 0.0);
    return r.outputs.back().get("sgd_to_flow").value_or(-1.0);
  };
  const double small = distance(4), large = distance(1024);
  std::printf("SGD to flow at t = 0.2: B = 4: %.3e, B = 1024: %.3e\n", small, large);
  EXPECT_GT(large, 0.0);
  EXPECT_LT(large, small / 4.0);  // 16 times the batch: 4 times less noise, less a margin for the O(tau) bias
  EXPECT_EQ(distance(1024), large);
}

}  // namespace
}  // namespace blobflow
