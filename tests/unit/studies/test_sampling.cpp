// The samplers at the level of a run (docs/math.md §8): the configuration rules of [sampling] with their messages,
// the exact samplers (quantile midpoints, i.i.d. draws with the target's moments), the costs a run records, and the
// sampling metrics (mmd, moment errors) against their exact values.
#include <gtest/gtest.h>

#include <cmath>

#include "blobflow/solvers/initial_data.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/sampling.hpp"

namespace blobflow {
namespace {

/// N(0, 1) from uniform data on [-3, 3], as the sampling study's 1D Gaussian.
const std::string kGaussian1D = R"(
[problem]
equation = "wpme"
target = "gaussian"
initial = "uniform"
initial_support = [-3.0, 3.0]
t0 = 0.0
t_final = 1.0
[target]
mean = [0.0]
covariance = [1.0]
[discretization]
particles = 100
epsilon = "0.5*h^0.5"
[output]
times = [0.5]
)";

const std::string kPiecewise1D = R"(
[problem]
equation = "wpme"
target = "piecewise"
initial = "uniform"
t0 = 0.0
t_final = 1.0
[target]
pieces = [{ lo = [-0.5], hi = [0.0], value = 0.5 }, { lo = [0.0], hi = [0.5], value = 1.5 }]
[discretization]
particles = 100
)";

std::string violations_of(const std::string& toml, const std::vector<std::string>& overrides) {
  try {
    parse_run_config(toml, "test.toml", overrides);
  } catch (const ConfigError& e) {
    std::string all;
    for (const std::string& v : e.violations()) all += v + "\n";
    return all;
  }
  return "";
}

TEST(SamplingConfig, RejectsBadSamplerSettingsNamingKeyValueAndRule) {
  struct Case {
    std::string toml;
    std::vector<std::string> set;
    const char* fragment;
  };
  const std::vector<Case> cases = {
      {kGaussian1D, {"sampling.sampler=langevin"}, "sampling.sampler = \"langevin\": must be one of"},
      {kGaussian1D, {"sampling.sampler=ula"}, "integrator.method = \"auto\": sampler \"ula\" takes Euler-Maruyama"},
      {kGaussian1D, {"sampling.sampler=ula", "integrator.method=euler", "integrator.dt=0"},
       "integrator.dt = 0: must be > 0"},
      {kGaussian1D, {"sampling.sampler=svgd", "sampling.bandwidth=-1"},
       "sampling.bandwidth = -1: must be a finite number > 0"},
      {kGaussian1D, {"sampling.sampler=svgd", "sampling.bandwidth=0"}, "sampling.bandwidth = 0"},
      {kGaussian1D, {"sampling.sampler=svgd", "sampling.bandwidth=wide"}, "sampling.bandwidth = \"wide\""},
      {kGaussian1D, {"sampling.bandwidth=0.5"}, "sampling.bandwidth = \"0.5\": applies to sampler = \"svgd\" only"},
      {kGaussian1D, {"sampling.batch=1", "integrator.method=euler"}, "sampling.batch = 1: must be 0 or lie in [2, "},
      {kGaussian1D, {"sampling.batch=101", "integrator.method=euler"},
       "sampling.batch = 101: must be 0 or lie in [2, discretization.particles = 100]"},
      {kGaussian1D, {"sampling.batch=10"}, "sampling.batch = 10: redraws the velocity every step"},
      {kGaussian1D, {"sampling.sampler=mala", "integrator.method=euler", "sampling.batch=10"},
       "sampling.batch = 10: applies to samplers \"blob\" and \"svgd\" only"},
      {kPiecewise1D, {"sampling.sampler=ula", "integrator.method=euler"},
       "sampling.sampler = \"ula\": follows the score grad log rhobar, which only gaussian and mixture targets have "
       "(target \"piecewise\")"},
      {kPiecewise1D, {"sampling.sampler=svgd"}, "follows the score grad log rhobar"},
      {kGaussian1D, {"sampling.sampler=quantile", "problem.dimension=2", "target.mean=[0,0]",
                     "target.covariance=[1,0,0,1]"}, "sampling.sampler = \"quantile\": is for dimension = 1 only"},
      {kGaussian1D, {"sampling.sampler=iid", "target.floor_fraction=0.01"},
       "target.floor_fraction = 0.01: sampler \"iid\" needs rhobar / int rhobar"},
      {"[problem]\nequation = \"pme\"\n", {"sampling.sampler=iid"},
       "sampling.sampler = \"iid\": samples a target: needs problem.equation = \"wpme\""},
      {kGaussian1D, {"sampling.mmd_length=0"}, "sampling.mmd_length = 0: must be > 0"},
  };
  for (const Case& c : cases) {
    const std::string v = violations_of(c.toml, c.set);
    EXPECT_NE(v.find(c.fragment), std::string::npos) << "wanted: " << c.fragment << "\ngot: " << v;
  }
  EXPECT_EQ(violations_of(kPiecewise1D, {"sampling.sampler=mala", "integrator.method=euler"}), "");
  EXPECT_EQ(violations_of(kGaussian1D, {"sampling.sampler=svgd", "sampling.bandwidth=0.4", "sampling.batch=10",
                                        "integrator.method=rk4"}), "");
}

TEST(SamplingConfig, TheSeedAndTheSectionAreRecordedOnlyWhereTheyMatter) {
  const RunConfig blob = parse_run_config(kGaussian1D, "t.toml");
  EXPECT_FALSE(to_json(blob).contains("sampling")) << "the default blob method keeps its configuration hash";
  EXPECT_FALSE(to_json(blob)["discretization"].contains("seed"));
  const RunConfig mala = parse_run_config(kGaussian1D, "t.toml", {"sampling.sampler=mala", "integrator.method=euler"});
  EXPECT_TRUE(mala.uses_seed());
  EXPECT_EQ(to_json(mala)["sampling"]["sampler"], "mala");
  EXPECT_TRUE(to_json(mala)["discretization"].contains("seed"));
  EXPECT_EQ(from_json(to_json(mala)), mala);
  EXPECT_FALSE(parse_run_config(kGaussian1D, "t.toml", {"sampling.sampler=quantile"}).uses_seed());
  EXPECT_TRUE(parse_run_config(kGaussian1D, "t.toml", {"sampling.batch=5", "integrator.method=euler"}).uses_seed());
}

TEST(ExactSamplers, QuantileSamplesAreTheQuantileMidpointsOfThePiecewiseLaw) {
  // The law: mass 1/4 uniform on [-0.5, 0), 3/4 on [0, 0.5]. Q(u) = -0.5 + 2u for u <= 1/4, (u - 1/4) * 2/3 after.
  const RunConfig c = parse_run_config(kPiecewise1D, "t.toml", {"sampling.sampler=quantile"});
  const Particles p = exact_samples(c, 8);
  ASSERT_EQ(p.x.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    const double u = (static_cast<double>(i) + 0.5) / 8.0;
    const double q = u <= 0.25 ? -0.5 + 2.0 * u : (u - 0.25) * 2.0 / 3.0;
    EXPECT_NEAR(p.x[i], q, 1e-12) << i;
    EXPECT_DOUBLE_EQ(p.mass[i], 1.0 / 8.0);
  }
}

TEST(ExactSamplers, IidDrawsIn2DHaveTheTargetsMoments) {
  // 2e4 draws of a two-component mixture: mean within 4 standard errors of the exact one; the seed reproduces them.
  constexpr double kStandardErrors = 4.0;
  const RunConfig c = parse_run_config(R"(
[problem]
equation = "wpme"
dimension = 2
target = "mixture"
initial = "uniform"
t0 = 0.0
[target]
weights = [1.0, 3.0]
means = [-1.0, 0.5, 1.5, -0.5]
covariances = [0.5, 0.2, 0.2, 0.8, 1.0, -0.3, -0.3, 0.4]
[sampling]
sampler = "iid"
)", "t.toml");
  const std::size_t n = 20'000;
  const Particles p = exact_samples(c, n);
  const double mean_x = 0.25 * -1.0 + 0.75 * 1.5, mean_y = 0.25 * 0.5 + 0.75 * -0.5;
  // Var of the first coordinate: sum w (S_11 + m_1^2) - mean^2.
  const double var_x = 0.25 * (0.5 + 1.0) + 0.75 * (1.0 + 2.25) - mean_x * mean_x;
  double sx = 0.0, sy = 0.0;
  for (std::size_t i = 0; i < n; ++i) sx += p.x[2 * i] / n, sy += p.x[2 * i + 1] / n;
  EXPECT_NEAR(sx, mean_x, kStandardErrors * std::sqrt(var_x / n));
  EXPECT_NEAR(sy, mean_y, kStandardErrors * std::sqrt(1.0 / n));  // var_y < 1
  EXPECT_EQ(exact_samples(c, 10).x, exact_samples(c, 10).x);
}

TEST(SamplingRun, RecordsCostsAndTheSamplingMetrics) {
  const RunResult blob = run_simulation(parse_run_config(kGaussian1D, "t.toml"));
  ASSERT_EQ(blob.status, RunStatus::ok);
  EXPECT_EQ(blob.pair_evaluations, blob.stats.rhs_evaluations * 100 * 100);
  EXPECT_EQ(blob.score_evaluations, 0u);
  const RunResult ula = run_simulation(parse_run_config(
      kGaussian1D, "t.toml", {"sampling.sampler=ula", "integrator.method=euler", "integrator.dt=0.01"}));
  ASSERT_EQ(ula.status, RunStatus::ok);
  EXPECT_EQ(ula.stats.rhs_evaluations, 100u);  // t in [0, 1] in steps of 0.01
  EXPECT_EQ(ula.score_evaluations, 100u * 100u);
  EXPECT_EQ(ula.pair_evaluations, 0u);
  EXPECT_FALSE(ula.acceptance_rate.has_value());
  const RunResult mala = run_simulation(parse_run_config(
      kGaussian1D, "t.toml", {"sampling.sampler=mala", "integrator.method=euler", "integrator.dt=0.01"}));
  ASSERT_TRUE(mala.acceptance_rate.has_value());
  EXPECT_GT(*mala.acceptance_rate, 0.9);
  EXPECT_EQ(mala.score_evaluations, 2u * 100u * 100u);  // the drift at x and at the proposal, every step
  EXPECT_TRUE(mala.summary["metrics"]["acceptance_rate"].is_number());
  // The quantile midpoints are symmetric: mean error 0 to round-off; they do not move.
  const RunResult quantile =
      run_simulation(parse_run_config(kGaussian1D, "t.toml", {"sampling.sampler=quantile"}));
  ASSERT_EQ(quantile.outputs.size(), 3u);  // t0, 0.5, 1
  EXPECT_LT(*quantile.outputs.back().get("mean_error"), 1e-14);
  EXPECT_EQ(quantile.outputs.front().get("w2_steady"), quantile.outputs.back().get("w2_steady"));
  EXPECT_EQ(quantile.stats.rhs_evaluations, 0u);
  for (const RunResult* r : {&blob, &ula, &mala, &quantile}) {
    EXPECT_TRUE(r->outputs.back().get("mmd").has_value());
    EXPECT_TRUE(r->outputs.back().get("covariance_error").has_value());
  }
  // The quantile points are the best equal-weight quantization in W2: every other sampler is farther from rhobar.
  for (const RunResult* r : {&blob, &ula, &mala})
    EXPECT_GT(*r->outputs.back().get("w2_steady"), *quantile.outputs.back().get("w2_steady"));
}

TEST(SamplingRun, CovarianceErrorOfQuantilePointsIsTheVarianceTheirCellsLose) {
  // The piecewise law has mass 1/4 on [-0.5, 0) and 3/4 on [0, 0.5]. Its N = 400 equal-mass cells are 100 of width
  // 1/200 and 300 of width 1/600; each midpoint loses its cell's variance w^2 / 12, weighted by 1/400, and keeps the
  // cell's mean, so the mean error is 0 and the covariance error is that lost variance.
  const RunResult r = run_simulation(parse_run_config(kPiecewise1D, "t.toml", {"sampling.sampler=quantile",
                                                                              "discretization.particles=400"}));
  const double lost = (100.0 * std::pow(1.0 / 200.0, 2) + 300.0 * std::pow(1.0 / 600.0, 2)) / 12.0 / 400.0;
  EXPECT_NEAR(*r.outputs.back().get("covariance_error"), lost, 1e-12);
  EXPECT_NEAR(*r.outputs.back().get("mean_error"), 0.0, 1e-14);
}

}  // namespace
}  // namespace blobflow
