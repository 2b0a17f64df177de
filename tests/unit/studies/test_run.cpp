// The run driver end to end in-process: files, metrics, lattice sizes and numerical failure as data
// (studies/run.hpp; docs/architecture.md "Files a run writes").
#include "blobflow/studies/run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/run_files.hpp"

#include "test_files.hpp"

namespace blobflow {
namespace {

// Sums of N <= 2000 masses of size 1/N: a few hundred ulps at most.
constexpr double kMassRoundOff = 1e-12;

RunConfig config_with(const std::vector<std::string>& overrides) {
  return parse_run_config("", "test.toml", overrides);
}

using test::read;

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("blobflow-test-run-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(Run, OneDimensionalBarenblattRunWritesItsFilesAndMetrics) {
  const auto dir = fresh_dir("1d");
  const RunResult r = run_simulation(
      config_with({"discretization.particles=50", "output.times=[0.5]", "integrator.rtol=1e-8"}), dir);
  ASSERT_EQ(r.status, RunStatus::ok);
  ASSERT_EQ(r.outputs.size(), 3u);  // t0, 0.5, t_final
  EXPECT_EQ(r.outputs.front().t, 0.25);
  EXPECT_EQ(r.outputs.back().t, 1.0);
  for (const OutputMetrics& m : r.outputs) {
    ASSERT_TRUE(m.get("w1") && m.get("w2") && m.get("winf"));
    EXPECT_LE(*m.get("w1"), *m.get("w2"));
    EXPECT_LE(*m.get("w2"), *m.get("winf"));
    EXPECT_NEAR(m.get("mass").value(), 1.0, kMassRoundOff);
  }
  // h is the support length of U_2(x, t0/2) divided by N (docs/architecture.md "Configuration").
  const analysis::Barenblatt exact(1, 2.0, 1.0, 0.5);
  EXPECT_DOUBLE_EQ(r.h, 2.0 * exact.support_radius(0.25) / 50.0);
  EXPECT_DOUBLE_EQ(r.epsilon, 4.0 * std::pow(r.h, 0.99));

  const std::string particles = read(dir / "particles.csv");
  EXPECT_EQ(particles.substr(0, particles.find('\n')), "t,i,x1,mass");
  EXPECT_EQ(std::count(particles.begin(), particles.end(), '\n'), 1 + 3 * 50);
  EXPECT_EQ(read(dir / "diagnostics.csv").substr(0, 14), "t,step,energy\n");
  const auto summary = nlohmann::json::parse(read(dir / "summary.json"));
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["metrics"]["outputs"].size(), 3u);
  EXPECT_EQ(summary["metrics"]["steps_accepted"], r.stats.steps_accepted);
  EXPECT_EQ(summary["config"]["discretization"]["particles"], 50);
  EXPECT_TRUE(summary["manifest"].contains("git_revision"));
}

TEST(Run, AutoIntegratorTakesTheStiffMethodOnceTheStabilityLimitWouldCostOver1000Steps) {
  // The default empty configuration is 1D Barenblatt with eps = 4 h^0.99: rho grows like 1/eps^2, so the
  // stability-bound dopri5 steps rho (T - t0) / 3.3 grow about 4x per doubling of N (docs/performance.md §11).
  const auto chosen = [](int n) {
    const RunResult r = run_simulation(config_with({"discretization.particles=" + std::to_string(n),
                                                    "output.times=[]", "output.diagnostics_every=0"}));
    EXPECT_EQ(r.status, RunStatus::ok) << r.message;
    return std::make_pair(r.summary["resolved"]["integrator"]["method"].get<std::string>(), r);
  };
  const auto [small, small_run] = chosen(200);
  EXPECT_EQ(small, "dopri5") << small_run.summary["resolved"]["integrator"].dump();
  const auto [large, large_run] = chosen(1600);
  EXPECT_EQ(large, "rosenbrock34") << large_run.summary["resolved"]["integrator"].dump();
  EXPECT_NE(large_run.summary["resolved"]["integrator"]["chosen_by"].get<std::string>().find("> 1000"),
            std::string::npos);
  // "auto" only names the method: the run is the one that names it, bit for bit.
  const RunResult named = run_simulation(config_with({"discretization.particles=1600", "output.times=[]",
                                                      "output.diagnostics_every=0", "integrator.method=rosenbrock34"}));
  EXPECT_EQ(named.snapshots.back().x, large_run.snapshots.back().x);
  EXPECT_EQ(named.stats.steps_accepted, large_run.stats.steps_accepted);
  EXPECT_EQ(named.summary["config"]["integrator"]["method"], "rosenbrock34");
  EXPECT_EQ(large_run.summary["config"]["integrator"]["method"], "auto");
}

TEST(Run, TheResultHoldsWhatParticlesAndDiagnosticsCsvHold) {
  const auto dir = fresh_dir("in-memory");
  const RunResult r = run_simulation(config_with({"discretization.particles=30", "output.times=[0.5]"}), dir);
  ASSERT_EQ(r.status, RunStatus::ok);
  ASSERT_EQ(r.snapshots.size(), 3u);  // t0, 0.5, t_final
  EXPECT_EQ(r.snapshots[1].t, 0.5);
  ASSERT_EQ(r.masses.size(), 30u);
  EXPECT_EQ(read(dir / "particles.csv"), particles_csv(r.snapshots, r.masses, 1));
  EXPECT_EQ(read(dir / "diagnostics.csv"), diagnostics_csv(r.diagnostics));
  EXPECT_EQ(r.diagnostics.back().step, r.stats.steps_accepted);
}

TEST(Run, FieldSpecOfIsTheFieldTheRunIntegrates) {
  // One explicit Euler step of dt from t0: x1 = x0 + dt v(x0) with the run's field, so make_velocity_field of
  // field_spec_of gives the step's velocity up to the rounding of x1 (2^-53 |x1| / dt relative to |v| ~ 1, about
  // 1e-13 at dt = 1e-3).
  constexpr double kDt = 1e-3, kStepRoundOff = 1e-11;
  const RunConfig config = config_with({"discretization.particles=40", "integrator.method=euler",
                                        "integrator.dt=0.001", "output.times=[]", "problem.t_final=0.251"});
  const RunResult r = run_simulation(config);
  ASSERT_EQ(r.status, RunStatus::ok);
  ASSERT_EQ(r.stats.steps_accepted, 1u);
  const PreparedProblem problem = prepare_problem(config);
  const auto field = make_velocity_field(field_spec_of(config, problem), problem.particles.mass);
  std::vector<double> v(problem.particles.x.size());
  field->velocity(problem.particles.x, v);
  double largest = 0.0;
  for (const double c : v) largest = std::max(largest, std::abs(c));
  for (std::size_t i = 0; i < v.size(); ++i)
    EXPECT_NEAR((r.snapshots[1].x[i] - r.snapshots[0].x[i]) / kDt, v[i], kStepRoundOff * largest) << i;
}

TEST(Run, RegularizedEnergyDecreasesAlongTheDiagnostics) {
  const auto dir = fresh_dir("energy");
  ASSERT_EQ(run_simulation(config_with({"discretization.particles=40"}), dir).status, RunStatus::ok);
  std::istringstream rows(read(dir / "diagnostics.csv"));
  std::string line;
  std::getline(rows, line);
  double previous = INFINITY;
  int n_rows = 0;
  while (std::getline(rows, line)) {
    const double energy = std::stod(line.substr(line.rfind(',') + 1));
    EXPECT_LT(energy, previous) << line;
    previous = energy;
    ++n_rows;
  }
  EXPECT_GT(n_rows, 2);
}

TEST(Run, TwoDimensionalLatticeHasAboutNParticlesAndTheExactMass) {
  const RunResult r = run_simulation(config_with({"problem.dimension=2", "discretization.particles=400",
                                                  "problem.t_final=0.3", "integrator.rtol=1e-6"}));
  ASSERT_EQ(r.status, RunStatus::ok);
  // The lattice size is the nearest one whose disc holds about N cell centres: within 10% of N.
  EXPECT_NEAR(static_cast<double>(r.n_particles), 400.0, 40.0);
  EXPECT_NEAR(r.outputs.back().get("mass").value(), 1.0, kMassRoundOff);
  // W2 to the exact solution in 2D comes from semi-discrete transport, with its residual; W1 and W-inf stay 1D.
  EXPECT_TRUE(r.outputs.back().get("w2").has_value());
  EXPECT_TRUE(r.outputs.back().get("w2_residual").has_value());
  EXPECT_FALSE(r.outputs.back().get("w1").has_value());
  EXPECT_TRUE(r.outputs.back().get("second_moment_exact").has_value());
}

TEST(Run, NonFiniteStateIsAStatusAndTheFilesAreStillWritten) {
  // eps = 1e-200: eps^2 underflows to 0, so the kernel normalization is infinite and the first velocity is NaN.
  const auto dir = fresh_dir("nonfinite");
  const RunResult r = run_simulation(config_with({"discretization.particles=20", "discretization.epsilon=1e-200"}), dir);
  EXPECT_EQ(r.status, RunStatus::non_finite_state);
  EXPECT_LT(r.stats.t_reached, 1.0);
  const auto summary = nlohmann::json::parse(read(dir / "summary.json"));
  EXPECT_EQ(summary["status"], "non_finite_state");
  EXPECT_TRUE(std::filesystem::exists(dir / "particles.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "diagnostics.csv"));
}

TEST(Run, EveryRegisteredMollifierRunsTheBarenblattProblemToAFiniteError) {
  // A smoke test of the whole chain per kernel: each run must finish, keep its mass and give a W2 error at T of the
  // order of the blob width (a wrong kernel or a sign error would blow up or stall the particles).
  for (const ComponentInfo& m : mollifier_registry()) {
    const RunResult r = run_simulation(config_with(
        {"discretization.particles=60", "discretization.mollifier=" + std::string(m.name), "integrator.rtol=1e-7"}));
    ASSERT_EQ(r.status, RunStatus::ok) << m.name;
    ASSERT_TRUE(r.outputs.back().get("w2").has_value());
    EXPECT_LT(*r.outputs.back().get("w2"), r.epsilon) << m.name;
    EXPECT_NEAR(r.outputs.back().get("mass").value(), 1.0, kMassRoundOff) << m.name;
  }
}

TEST(Run, EpsLawThatIsNotPositiveIsAConfigurationError) {
  EXPECT_THROW(run_simulation(config_with({"discretization.epsilon=h - 1"})), ConfigError);
}

}  // namespace
}  // namespace blobflow
