// Coverage control (docs/math.md §9): the coverage cost against its closed forms, Lloyd's fixed point, the locality
// of the blob agents' velocity, and drop-out events at the level of a run (who stops, what the files show, the
// rules of [coverage] with their messages).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "blobflow/analysis/law_nd.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/coverage.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study.hpp"
#include "blobflow/reports/table.hpp"
#include "../../test_files.hpp"

namespace blobflow {
namespace {

/// Cell integrals of the uniform law are exact up to round-off: sums of N terms of size 1/N^3 and less.
constexpr double kRoundOff = 1e-13;

analysis::Box unit_box(int d) {
  analysis::Box box;
  box.dimension = d;
  for (int k = 0; k < d; ++k) box.hi[static_cast<std::size_t>(k)] = 1.0;
  return box;
}

std::shared_ptr<const CoverageDensity> uniform_density(int d) {
  return std::make_shared<const CoverageDensity>(std::make_shared<const analysis::UniformBoxLaw>(unit_box(d)),
                                                 unit_box(d));
}

TEST(CoverageCost, MidpointsOfTheUnitIntervalHaveTheClosedFormAndAreLloydsFixedPoint) {
  // Uniform rhobar on [0, 1]: the cells of p_i = (i - 1/2)/N are [(i-1)/N, i/N], each adding (1/N)^3 / 12.
  for (std::size_t n : {1u, 2u, 7u, 40u}) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    const CoverageDensity::Cells cells = uniform_density(1)->cells(x);
    const double nn = static_cast<double>(n);
    EXPECT_NEAR(cells.cost, 1.0 / (12.0 * nn * nn), kRoundOff / (nn * nn)) << "N = " << n;
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_NEAR(cells.centroid[i], x[i], kRoundOff) << "N = " << n << ", agent " << i;
      EXPECT_NEAR(cells.mass[i], 1.0 / nn, kRoundOff);
    }
  }
}

TEST(CoverageCost, LatticeOfCellCentresOnTheUnitSquareHasTheClosedForm) {
  // n x n cell centres on [0, 1]^2: each square cell of side a = 1/n adds a^4 / 6, so H = 1 / (6 n^2); an interior
  // agent has 4 Voronoi neighbours, an edge agent 3, a corner agent 2.
  for (std::size_t n : {1u, 3u, 8u}) {
    std::vector<double> x;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        x.insert(x.end(), {(static_cast<double>(i) + 0.5) / double(n), (static_cast<double>(j) + 0.5) / double(n)});
    const CoverageDensity::Cells cells = uniform_density(2)->cells(x);
    const double nn = static_cast<double>(n);
    EXPECT_NEAR(cells.cost, 1.0 / (6.0 * nn * nn), kRoundOff / (nn * nn)) << "n = " << n;
    std::size_t links = 0;
    for (std::size_t k : cells.neighbours) links += k;
    EXPECT_EQ(links, 4 * n * (n - 1)) << "n = " << n;  // 2 n (n - 1) shared edges, each seen from both sides
  }
}

TEST(LloydFlow, ConvergesToTheMidpointsOnTheUniformInterval) {
  // From scattered agents, Lloyd's flow on the uniform [0, 1] reaches p_i = (i - 1/2)/N with H = 1/(12 N^2).
  constexpr std::size_t kAgents = 6;
  // The flow contracts at least like exp(-t / (2 N^2)) (the slowest mode of the centroid map); t = 400 leaves
  // far less than the tolerance of the positions.
  constexpr double kTime = 200.0, kPositionTolerance = 1e-7;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  State x(kAgents);
  for (double& c : x) c = u(rng);
  std::sort(x.begin(), x.end());
  // Gain 2 runs the same path twice as fast: t = 200 here is t = 400 at gain 1.
  const auto field = make_lloyd_field(uniform_density(1), std::vector<double>(kAgents, 1.0 / kAgents), 2.0);
  const double energy_before = field->energy(x);
  IntegratorSpec spec;
  spec.rtol = 1e-10;
  const std::vector<double> times = {kTime};
  const IntegrationStats stats = integrate(*field, x, 0.0, times, spec);
  ASSERT_EQ(stats.status, RunStatus::ok) << stats.message;
  for (std::size_t i = 0; i < kAgents; ++i)
    EXPECT_NEAR(x[i], (static_cast<double>(i) + 0.5) / kAgents, kPositionTolerance) << "agent " << i;
  EXPECT_NEAR(field->energy(x), 1.0 / (12.0 * kAgents * kAgents), 1e-12);
  EXPECT_LT(field->energy(x), energy_before);
}

TEST(BlobAgents, VelocityDependsOnlyOnAgentsWithinTheReach) {
  // A compactly supported mollifier: agent 0's velocity changes when agent 1 moves from inside the reach to just
  // outside it, and not at all (bitwise) when agent 1 then moves farther away.
  FieldSpec spec;
  spec.equation = "wpme";
  spec.dimension = 2;
  spec.mollifier = "bspline3";
  spec.epsilon = 0.05;
  spec.target.kind = "mixture";
  spec.target.weights = {0.6, 0.4};
  spec.target.means = {0.3, 0.3, 0.7, 0.6};
  spec.target.covariances = {0.02, 0.0, 0.0, 0.02, 0.015, 0.0, 0.0, 0.015};
  const double reach = mollifier_reach(spec.mollifier, 2, spec.epsilon);
  EXPECT_DOUBLE_EQ(reach, 4.0 * spec.epsilon);  // psi = zeta * zeta: twice zeta's support of 2 eps
  for (const char* engine : {"direct", "truncated"}) {
    spec.engine = engine;
    State x = {0.40, 0.40, 0.45, 0.42, 0.30, 0.35, 0.0, 0.0};
    spec.particles = x.size() / 2;
    const auto field = make_velocity_field(spec, std::vector<double>(spec.particles, 0.25));
    const auto velocity_of_0 = [&](double x3) {
      x[6] = x3, x[7] = 0.40;
      std::vector<double> v(x.size());
      field->velocity(x, v);
      return std::make_pair(v[0], v[1]);
    };
    const auto inside = velocity_of_0(0.40 + 0.9 * reach);
    const auto just_outside = velocity_of_0(0.40 + 1.01 * reach);
    const auto far = velocity_of_0(0.40 + 3.0 * reach);
    EXPECT_NE(inside, just_outside) << engine;
    EXPECT_EQ(just_outside.first, far.first) << engine;
    EXPECT_EQ(just_outside.second, far.second) << engine;
  }
}

/// 1D wpme towards the uniform density on [0, 1] from uniform data on [0.2, 0.8].
const std::string kCoverage1D = R"(
[problem]
equation = "wpme"
target = "uniform"
initial = "uniform"
initial_support = [0.2, 0.8]
t0 = 0.0
t_final = 0.2
[target]
box_lo = [0.0]
box_hi = [1.0]
[discretization]
particles = 12
mollifier = "bspline3"
epsilon = "h"
[coverage]
region_lo = [0.0]
region_hi = [1.0]
[output]
times = [0.1]
)";

std::vector<std::string> ids_at(const std::filesystem::path& csv, double t) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> ids;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string time, id;
    std::getline(row, time, ',');
    std::getline(row, id, ',');
    if (std::stod(time) == t) ids.push_back(id);
  }
  return ids;
}

TEST(Dropouts, NamedAndRandomAgentsStopAndTheFilesShowWhoWasActive) {
  const std::filesystem::path dir = test::fresh_dir("coverage", "dropouts");
  const RunConfig config = parse_run_config(
      kCoverage1D, "test.toml",
      {"coverage.dropouts=[{t = 0.05, agents = [0, 3]}, {t = 0.1, fraction = 0.5}]", "discretization.seed=5"});
  const RunResult r = run_simulation(config, dir);
  ASSERT_EQ(r.status, RunStatus::ok) << r.message;
  ASSERT_EQ(r.dropouts.size(), 2u);
  EXPECT_EQ(r.dropouts[0].removed, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(r.dropouts[0].active, 10u);
  EXPECT_EQ(r.dropouts[1].removed.size(), 5u);  // round(0.5 * 10)
  EXPECT_EQ(r.dropouts[1].active, 5u);
  // The survivors keep their masses: 5 of 12 equal masses remain.
  EXPECT_NEAR(*r.outputs.back().get("mass"), 5.0 / 12.0, 1e-15);
  // An output at each drop-out time, measured before the agents stop.
  std::vector<double> times;
  for (const OutputMetrics& o : r.outputs) times.push_back(o.t);
  EXPECT_EQ(times, (std::vector<double>{0.0, 0.05, 0.1, 0.2}));
  EXPECT_EQ(ids_at(dir / "particles.csv", 0.05).size(), 12u);
  const std::vector<std::string> last = ids_at(dir / "particles.csv", 0.2);
  ASSERT_EQ(last.size(), 5u);
  for (std::size_t id : r.dropouts[1].removed) EXPECT_EQ(std::count(last.begin(), last.end(), std::to_string(id)), 0);
  EXPECT_EQ(std::count(last.begin(), last.end(), "0"), 0);
  // The draws come from the seed: the same seed stops the same agents.
  const RunResult again = run_simulation(config);
  EXPECT_EQ(again.dropouts[1].removed, r.dropouts[1].removed);
  EXPECT_EQ(r.summary["metrics"]["dropouts"][1]["removed"].size(), 5u);
  // Every agent stays in the region, and the coverage metrics are written at every output.
  for (const OutputMetrics& o : r.outputs) {
    EXPECT_EQ(*o.get("outside_distance"), 0.0);
    EXPECT_GT(*o.get("min_distance"), 0.0);
    EXPECT_TRUE(o.get("coverage_cost").has_value());
  }
}

TEST(Neighbours, EachAgentsCountAtEveryStepIsThePairsWithinTheReachOrItsVoronoiNeighbours) {
  const std::filesystem::path dir = test::fresh_dir("coverage", "neighbours");
  const RunConfig config = parse_run_config(
      kCoverage1D, "test.toml", {"coverage.dropouts=[{t = 0.05, agents = [0, 3]}]", "output.diagnostics_every=1"});
  const RunResult r = run_simulation(config, dir);
  ASSERT_EQ(r.status, RunStatus::ok) << r.message;
  // One block per diagnostics row, i.e. per accepted step (and t0), with the agents active then.
  ASSERT_EQ(r.neighbours.size(), r.diagnostics.size());
  EXPECT_EQ(r.neighbours.size(), r.stats.steps_accepted + 1);
  std::size_t rows = 0;
  for (std::size_t k = 0; k < r.neighbours.size(); ++k) {
    const NeighbourCounts& b = r.neighbours[k];
    EXPECT_EQ(b.t, r.diagnostics[k].t);
    EXPECT_EQ(b.counts.size(), b.t <= 0.05 ? 12u : 10u) << "t = " << b.t;
    EXPECT_EQ(std::count(b.ids.begin(), b.ids.end(), 3u), 0);
    rows += b.counts.size();
  }
  // At each output the counts are the pairs closer than the mollifier's reach, counted here from the snapshot.
  const double reach = mollifier_reach("bspline3", 1, r.epsilon);
  for (const Snapshot& s : r.snapshots) {
    const auto block = std::find_if(r.neighbours.begin(), r.neighbours.end(), [&](const NeighbourCounts& b) {
      return b.t == s.t && b.counts.size() == s.x.size();
    });
    ASSERT_NE(block, r.neighbours.end()) << "t = " << s.t;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      std::size_t near = 0;
      for (std::size_t j = 0; j < s.x.size(); ++j) near += j != i && std::abs(s.x[i] - s.x[j]) < reach;
      EXPECT_EQ(block->counts[i], near) << "t = " << s.t << ", agent " << i;
    }
  }
  // neighbours.csv holds one row per agent and block.
  std::ifstream csv(dir / "neighbours.csv");
  std::string line;
  std::size_t lines = 0;
  std::getline(csv, line);
  EXPECT_EQ(line, "t,step,i,neighbours");
  while (std::getline(csv, line)) ++lines;
  EXPECT_EQ(lines, rows);
  // Lloyd's agents on a line: the Voronoi neighbours of sorted distinct points, 1 at the ends and 2 inside.
  const RunResult lloyd = run_simulation(parse_run_config(kCoverage1D, "test.toml", {"coverage.controller=lloyd"}));
  ASSERT_EQ(lloyd.status, RunStatus::ok) << lloyd.message;
  for (const NeighbourCounts& b : lloyd.neighbours) {
    std::vector<std::size_t> counts = b.counts;
    std::sort(counts.begin(), counts.end());
    std::vector<std::size_t> expected(12, 2);
    expected[0] = expected[1] = 1;
    EXPECT_EQ(counts, expected) << "t = " << b.t;
  }
}

TEST(Placement, AgentsFromAParticlesFileAtT0ZeroAreGivenDataWithoutATruth) {
  // 12 agents bunched on [0.45, 0.55] (a line segment in 1D), written as particles.csv without masses.
  const std::filesystem::path dir = test::fresh_dir("coverage", "from-file");
  std::filesystem::create_directories(dir);
  {
    std::ofstream csv(dir / "agents.csv");
    csv.precision(17);
    csv << "t,i,x1\n";
    for (int i = 0; i < 12; ++i) csv << "0," << i << "," << 0.45 + 0.1 * i / 11.0 << "\n";
  }
  const RunResult r = run_simulation(parse_run_config(
      kCoverage1D, "test.toml",
      {"problem.initial=\"" + (dir / "agents.csv").string() + "\"", "discretization.epsilon=0.05", "problem.t_final=1",
       "output.times=[]"}));
  ASSERT_EQ(r.status, RunStatus::ok) << r.message;
  EXPECT_EQ(r.summary["resolved"]["placement"], "file");
  EXPECT_DOUBLE_EQ(r.h, 0.1 / 12.0);  // the largest extent over N
  EXPECT_DOUBLE_EQ(r.snapshots.front().x[3], 0.45 + 0.1 * 3 / 11.0);
  // No truth at t0 = 0 (w2 against an exact solution is absent); the agents spread towards rhobar.
  EXPECT_FALSE(r.outputs.front().get("w2").has_value());
  EXPECT_LT(*r.outputs.back().get("w2_steady"), 0.5 * *r.outputs.front().get("w2_steady"));
}

TEST(Dropouts, LloydAgentsRecoverToTheMidpointsOfTheSurvivors) {
  // Lloyd on the uniform [0, 1]: after half the agents stop, the others spread to the midpoints of N/2 cells.
  const RunConfig config = parse_run_config(
      kCoverage1D, "test.toml",
      {"coverage.controller=lloyd", "problem.t_final=800", "output.times=[200]", "integrator.rtol=1e-10",
       "coverage.dropouts=[{t = 200, agents = [0, 2, 4, 6, 8, 10]}]"});
  const RunResult r = run_simulation(config);
  ASSERT_EQ(r.status, RunStatus::ok) << r.message;
  EXPECT_NEAR(*r.outputs.back().get("coverage_cost"), 1.0 / (12.0 * 36.0), 1e-9);
  ASSERT_EQ(r.summary["metrics"]["dropouts"].size(), 1u);
  EXPECT_EQ(r.summary["metrics"]["dropouts"][0]["active"], 6);
}

TEST(CoverageStudy, ReportTabulatesTheDropOutsBesideTheSurvivorsAndDrawsTheAgents) {
  // The coverage study's configuration with few agents and a short run: a drop-out sweep, a run that starts with
  // the survivors, and the report's drop-out table and agent figures (scripts only, no gnuplot).
  const std::filesystem::path dir = test::fresh_dir("coverage", "study");
  std::ofstream(dir / "cov.toml") << R"toml(
[study]
name = "cov"
config = "coverage-2d"
[[sweep]]
name = "drop"
set.discretization.placement = "random"
set.problem.t_final = 0.3
set.output.times = [0.1, 0.15, 0.2]
axes.coverage.dropouts = [[{ t = 0.1, fraction = 0.25 }]]
axes.discretization.particles = [8, 16]
[[sweep]]
name = "survivors"
set.discretization.placement = "random"
set.discretization.epsilon = "0.5*sqrt(0.75)/sqrt(N)"
set.problem.t_final = 0.3
set.output.times = [0.1, 0.15, 0.2]
axes.coverage.dropouts = [[]]
axes.discretization.particles = [6, 12]
[[fit]]
name = "w2"
sweep = ["drop", "survivors"]
metric = "w2_steady"
group_by = ["coverage.dropouts"]
agents_figure = true
)toml";
  std::ostringstream log;
  const StudyOutcome outcome = run_study({(dir / "cov.toml").string(), dir / "out", {}, 2, false, false, false}, log);
  ASSERT_EQ(outcome.n_failed, 0u) << log.str();
  const std::string report = test::read(dir / "out" / "report.md");
  const auto table = report.find("## Drop-outs");
  ASSERT_NE(table, std::string::npos);
  // The run of 16 agents loses 4 and is set beside the run that started with 12 at the same eps (0.5/sqrt(16)): its
  // final W2 appears in the row; the run of 8 has no such run beside it (eps differs).
  const nlohmann::json survivors =
      nlohmann::json::parse(test::read(dir / "out" / "runs" / "survivors-0001" / "summary.json"));
  const double w2 = survivors["metrics"]["outputs"].back()["w2_steady"].get<double>();
  const auto row = report.find("| drop-0001 |", table);
  ASSERT_NE(row, std::string::npos);
  const std::string line = report.substr(row, report.find('\n', row) - row);
  EXPECT_NE(line.find("| 4 | 12 |"), std::string::npos) << line;
  EXPECT_NE(line.find(reports::format_scientific(w2)), std::string::npos) << line;
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "figures" / "w2-agents-1.gp"));
  EXPECT_NE(test::read(dir / "out" / "figures" / "w2-agents-animation.gp").find("gif animate"), std::string::npos);
}

TEST(CoverageConfig, RejectsBadRegionsControllersAndEventsNamingKeyValueAndRule) {
  struct Case {
    std::vector<std::string> set;
    std::string expected;
  };
  const Case cases[] = {
      {{"coverage.dropouts=[{t = 0.3, fraction = 0.5}]"}, "coverage.dropouts[0].t = 0.3: must lie in (problem.t0"},
      {{"coverage.dropouts=[{t = 0.1, fraction = 1.5}]"}, "coverage.dropouts[0].fraction = 1.5: must lie in (0, 1)"},
      {{"coverage.dropouts=[{t = 0.1, agents = [12]}]"}, "coverage.dropouts[0].agents = 12: must be distinct"},
      {{"coverage.dropouts=[{t = 0.1, agents = [1, 1]}]"}, "coverage.dropouts[0].agents = 1: must be distinct"},
      {{"coverage.dropouts=[{t = 0.15, fraction = 0.5}, {t = 0.1, fraction = 0.5}]"},
       "coverage.dropouts[1].t = 0.1: must not be before"},
      {{"coverage.region_hi=[1, 2]"}, "coverage.region_hi = [1.0, 2.0]: must hold as many numbers as region_lo"},
      {{"coverage.controller=lloyd", "coverage.region_lo=[]", "coverage.region_hi=[]"},
       "coverage.controller = \"lloyd\": moves agents within a region"},
      {{"coverage.recovery_factor=0.5"}, "coverage.recovery_factor = 0.5: must be > 1"},
      {{"coverage.gain=2"}, "coverage.gain = 2: applies to controller = \"lloyd\" only"},
      {{"coverage.controller=lloyd", "coverage.gain=0"}, "coverage.gain = 0: must be > 0"},
      {{"problem.equation=pme", "problem.target=uniform", "target.box_lo=[]", "target.box_hi=[]"},
       "coverage.region_lo = [0.0]: a region measures coverage of a target"},
  };
  for (const Case& c : cases) {
    std::string all;
    try {
      parse_run_config(kCoverage1D, "test.toml", c.set);
    } catch (const ConfigError& e) {
      all = e.what();
    }
    EXPECT_NE(all.find(c.expected), std::string::npos) << "expected: " << c.expected << "\ngot: " << all;
  }
  // Rules that need the run's agents or its target's law are checked before anything is integrated.
  const auto run_error = [](const std::vector<std::string>& set) {
    try {
      run_simulation(parse_run_config(kCoverage1D, "test.toml", set));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(run_error({"coverage.dropouts=[{t = 0.1, agents = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}]"})
                .find("at least one must remain"),
            std::string::npos);
  EXPECT_NE(run_error({"coverage.region_lo=[3]", "coverage.region_hi=[4]"}).find("of its mass there"),
            std::string::npos);
}

}  // namespace
}  // namespace blobflow
