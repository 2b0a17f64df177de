// 2D Keller-Segel runs (docs/math.md §4.7): the exact rate of the second moment that a run records where the continuum
// identity makes it a constant, and the collapse check that ends a supercritical run with the status `collapsed`,
// a successful end with its files written, where without it the regularized particles never blow up.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <sstream>

#include "blobflow/reports/study_report.hpp"
#include "blobflow/studies/metrics.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study.hpp"

#include "test_files.hpp"

namespace blobflow {
namespace {

constexpr double kPi = std::numbers::pi;
/// The closed forms evaluated in another order: a few ulps of rates of size up to 1e2.
constexpr double kRateRoundOff = 1e-12;
/// Masses 12 pi (above the critical 8 pi) and 4 pi, as the built-in study writes them (17 digits).
const std::string kSupercritical = "problem.mass=37.69911184307752";
const std::string kSubcritical = "problem.mass=12.566370614359172";

RunConfig keller_segel(const std::vector<std::string>& overrides) {
  return parse_run_config(builtin_config("keller-segel-2d"), "keller-segel-2d.toml", overrides);
}

std::optional<double> rate_of(const std::vector<std::string>& overrides) {
  return second_moment_rate_exact(parse_run_config("", "rate.toml", overrides));
}

TEST(SecondMomentRate, IsTheContinuumIdentityWhereTheRateIsAConstant) {
  // Keller-Segel 4M - chi M^2 / (2 pi) at M = 4 pi: 8 pi for chi = 1, 0 at the critical chi = 2, -8 pi for chi = 3.
  EXPECT_NEAR(*second_moment_rate_exact(keller_segel({})), 8.0 * kPi, kRateRoundOff);
  EXPECT_NEAR(*second_moment_rate_exact(keller_segel({"interaction.chi=2.0"})), 0.0, kRateRoundOff);
  EXPECT_NEAR(*second_moment_rate_exact(keller_segel({"interaction.chi=3.0"})), -8.0 * kPi, kRateRoundOff);
  EXPECT_NEAR(*second_moment_rate_exact(keller_segel({kSupercritical})), -24.0 * kPi, kRateRoundOff);
  // The heat equation: 2 d M in any dimension.
  const std::vector<std::string> heat = {"problem.equation=pme", "problem.m=1.0", "problem.mass=2.0"};
  for (int d = 1; d <= 3; ++d) {
    std::vector<std::string> o = heat;
    o.push_back("problem.dimension=" + std::to_string(d));
    EXPECT_NEAR(*rate_of(o), 2.0 * d * 2.0, kRateRoundOff) << d;
  }
  // Not a constant: m != 1, a potential, the Gaussian interaction.
  EXPECT_FALSE(rate_of({}).has_value());  // wpme
  EXPECT_FALSE(rate_of({"problem.equation=pme", "problem.m=2.0"}).has_value());
  std::vector<std::string> confined = heat;
  confined.push_back("potential.kind=quadratic");
  EXPECT_FALSE(rate_of(confined).has_value());
  EXPECT_FALSE(second_moment_rate_exact(keller_segel({"interaction.kind=gaussian"})).has_value());
  const std::string why = why_unwritten(keller_segel({"interaction.kind=gaussian"}), "second_moment_rate_exact");
  EXPECT_NE(why.find("pme with m = 1"), std::string::npos) << why;
  EXPECT_EQ(why_unwritten(keller_segel({}), "second_moment_rate_exact"), "");
}

TEST(Collapse, ANegativeRadiusIsRefusedNamingKeyValueAndRule) {
  try {
    keller_segel({"integrator.collapse_radius=-1"});
    ADD_FAILURE() << "a negative collapse radius was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("integrator.collapse_radius = -1: must be >= 0"), std::string::npos)
        << e.what();
  }
}

/// The RMS distance from their centroid of the particles of the last block of a particles.csv (2D), and its time.
std::pair<double, double> last_rms_radius(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // t,i,x1,x2,mass
  std::vector<std::array<double, 4>> rows;
  while (std::getline(in, line)) {
    std::array<double, 5> v{};
    std::istringstream cells(line);
    for (double& x : v) {
      std::string cell;
      std::getline(cells, cell, ',');
      x = std::stod(cell);
    }
    if (!rows.empty() && rows.back()[0] != v[0]) rows.clear();
    rows.push_back({v[0], v[2], v[3], v[4]});
  }
  double mass = 0.0, cx = 0.0, cy = 0.0, sum = 0.0;
  for (const auto& r : rows) mass += r[3], cx += r[3] * r[1], cy += r[3] * r[2];
  cx /= mass, cy /= mass;
  for (const auto& r : rows) sum += r[3] * ((r[1] - cx) * (r[1] - cx) + (r[2] - cy) * (r[2] - cy));
  return {rows.back()[0], std::sqrt(sum / mass)};
}

TEST(Collapse, ASupercriticalRunEndsCollapsedWithItsFilesWrittenAndCountsAsASuccess) {
  // 12 pi on a 15 x 15 lattice, collapse_radius = 2 (the configuration's): the continuum blows up at
  // t0 + m2(t0) / (24 pi) = 0.75 (m2(t0) = 4 M t0); the particles, attracted more weakly, collapse later but before
  // t_final = 1.25.
  const auto dir = test::fresh_dir("keller-segel", "collapse");
  const RunResult r = run_simulation(keller_segel({kSupercritical, "discretization.particles=12"}), dir);
  ASSERT_EQ(r.status, RunStatus::collapsed) << r.message;
  EXPECT_LT(r.stats.t_reached, 1.25);
  // The regularized attraction is the weaker one (docs/math.md §4.7: Delta > 0 for Gaussian data at every eps/sd
  // when M = 12 pi), so the particles' second moment stays above the continuum's line.
  const double m2_0 = *r.outputs.front().get("second_moment");
  for (std::size_t k = 1; k < r.outputs.size(); ++k) {
    const OutputMetrics& m = r.outputs[k];
    EXPECT_GT(*m.get("second_moment"), m2_0 - 24.0 * kPi * (m.t - r.outputs.front().t)) << m.t;
  }
  EXPECT_NE(r.message.find("fell below integrator.collapse_radius * eps"), std::string::npos) << r.message;
  EXPECT_TRUE(reports::successful_status(to_string(r.status)));
  EXPECT_FALSE(reports::successful_status("max_steps_exceeded"));
  const auto summary = nlohmann::json::parse(test::read(dir / "summary.json"));
  EXPECT_EQ(summary["status"], "collapsed");
  EXPECT_EQ(summary["metrics"]["t_reached"], r.stats.t_reached);
  EXPECT_NEAR(summary["metrics"]["second_moment_rate_exact"].get<double>(), -24.0 * kPi, kRateRoundOff);
  for (const OutputMetrics& m : r.outputs) EXPECT_LT(m.t, r.stats.t_reached);
  // particles.csv ends with the state where the check stopped the run: within 2 eps of its centroid.
  const auto [t_last, radius] = last_rms_radius(test::read(dir / "particles.csv"));
  EXPECT_EQ(t_last, r.stats.t_reached);
  EXPECT_LT(radius, 2.0 * r.epsilon);
}

TEST(Collapse, WithoutTheCheckTheRegularizedParticlesNeverReachAPoint) {
  // The same run with collapse_radius = 0 goes on to t_final with status ok: the regularized attraction balances
  // the blob entropy at the blob's scale, so the second moment levels off above 0 where the continuum's is gone.
  const RunResult r =
      run_simulation(keller_segel({kSupercritical, "discretization.particles=12", "integrator.collapse_radius=0"}));
  ASSERT_EQ(r.status, RunStatus::ok) << r.message;
  EXPECT_EQ(r.stats.t_reached, 1.25);
  const double m2_final = *r.outputs.back().get("second_moment");
  EXPECT_GT(m2_final, 0.0);
  EXPECT_LT(m2_final, *r.outputs.front().get("second_moment"));
}

}  // namespace
}  // namespace blobflow
