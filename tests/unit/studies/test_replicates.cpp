// Random placement and replicates (solvers/initial_data.hpp, studies/study_spec.hpp, reports/study_report.hpp): the
// uniform variates, determinism from the seed, the law of the samples (Kolmogorov-Smirnov distance within the
// Dvoretzky-Kiefer-Wolfowitz bound, 1D and the radial law in 2D), the keys' validation, the expansion of
// `replicates = K` into seeds seed0 + r, and the report's fit on the mean error of the replicates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "blobflow/reports/study_report.hpp"
#include "blobflow/solvers/initial_data.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study.hpp"
#include "blobflow/studies/study_spec.hpp"

#include "test_files.hpp"

namespace blobflow {
namespace {

// DKW: P(sup |F_N - F| > e) <= 2 exp(-2 N e^2). At this level a correct sampler fails a KS test with probability
// below 1e-9, so the test is a real check (seeds are fixed, so it is also deterministic).
constexpr double kKsLevel = 1e-9;
// Samples for the law tests: the DKW bound is then about 0.05 (1D, 4000) and 0.07 (2D, 2000).
constexpr std::int64_t kSamples1D = 4000;
constexpr std::int64_t kSamples2D = 2000;
// Seeds tried for each law test.
constexpr int kSeeds = 5;
// Fits of exact power laws: log-log least squares on a handful of points loses a few ulps per operation.
constexpr double kExactFitTolerance = 1e-10;
// A mean of three errors, each (1 +- a)/N rounded once, is a few roundings from exact (relative).
constexpr double kMeanRoundOff = 1e-15;

double dkw_bound(std::size_t n) { return std::sqrt(std::log(2.0 / kKsLevel) / (2.0 * static_cast<double>(n))); }

/// sup |F_N - F| of the samples against the CDF F (the samples are sorted here).
double ks_distance(std::vector<double> samples, const std::function<double(double)>& cdf) {
  std::sort(samples.begin(), samples.end());
  const double n = static_cast<double>(samples.size());
  double d = 0.0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double f = cdf(samples[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

RunConfig config_with(const std::vector<std::string>& overrides) { return parse_run_config("", "test.toml", overrides); }

std::string violations_of(const std::vector<std::string>& overrides) {
  try {
    config_with(overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::filesystem::path fresh_dir(const std::string& name) { return test::fresh_dir("replicates", name); }

using test::read;

TEST(RandomPlacement, UnitUniformMapsTheExtremeDrawsStrictlyInsideTheUnitInterval) {
  EXPECT_EQ(unit_uniform(0), 0x1p-54);                                       // (0 + 1/2) 2^-53
  EXPECT_EQ(unit_uniform(std::numeric_limits<std::uint64_t>::max()), 1.0 - 0x1p-54);  // (2^53 - 1/2) 2^-53
  EXPECT_EQ(unit_uniform(std::uint64_t{1} << 63), 0.5 + 0x1p-54);
}

TEST(RandomPlacement, TheSameSeedGivesTheSameParticlesAndAnotherSeedOthers) {
  for (const std::string dimension : {"1", "2"}) {
    const std::vector<std::string> base = {"problem.dimension=" + dimension, "discretization.placement=random",
                                           "discretization.particles=300"};
    auto with_seed = [&](int seed) {
      auto overrides = base;
      overrides.push_back("discretization.seed=" + std::to_string(seed));
      return prepare_problem(config_with(overrides));
    };
    const PreparedProblem a = with_seed(7), b = with_seed(7), c = with_seed(8);
    EXPECT_EQ(a.placement, "random");
    ASSERT_EQ(a.particles.size(), 300u) << "random placement keeps N exactly, also in d > 1";
    EXPECT_EQ(a.particles.x, b.particles.x) << "d = " << dimension;  // bit for bit
    EXPECT_NE(a.particles.x, c.particles.x) << "d = " << dimension;
    for (double m : a.particles.mass) EXPECT_EQ(m, 1.0 / 300.0);  // equal masses M/N, M = 1
  }
}

TEST(RandomPlacement, OneDimensionalSamplesFollowTheBarenblattLawWithinTheDkwBound) {
  const double bound = dkw_bound(kSamples1D);
  for (int seed = 0; seed < kSeeds; ++seed) {
    const PreparedProblem p = prepare_problem(config_with({"discretization.placement=random",
                                                           "discretization.particles=" + std::to_string(kSamples1D),
                                                           "discretization.seed=" + std::to_string(seed)}));
    ASSERT_TRUE(p.initial_law);
    EXPECT_TRUE(std::is_sorted(p.particles.x.begin(), p.particles.x.end()));
    const double d = ks_distance(p.particles.x, [&](double x) { return p.initial_law->cdf(x); });
    std::cout << "1D Barenblatt, N = " << kSamples1D << ", seed " << seed << ": KS distance " << d
              << " (DKW bound " << bound << ")\n";
    EXPECT_LT(d, bound);
    // The test can fail: the same samples against the law at a later time (wider support) are far off.
    const PreparedProblem later = prepare_problem(config_with({"problem.t0=1", "problem.t_final=2"}));
    EXPECT_GT(ks_distance(p.particles.x, [&](double x) { return later.initial_law->cdf(x); }), bound);
  }
}

TEST(RandomPlacement, TwoDimensionalSamplesFollowTheBarenblattRadialLawWithinTheDkwBound) {
  // wpme data in 2D: U_2 = (C - k r^2)_+, support radius R. The mass inside radius r is proportional to
  // int_0^r (R^2 - s^2) s ds = R^2 r^2 / 2 - r^4 / 4, so the radius has the CDF F(r) = 2 (r/R)^2 - (r/R)^4 [D].
  const double bound = dkw_bound(kSamples2D);
  for (int seed = 0; seed < kSeeds; ++seed) {
    const PreparedProblem p = prepare_problem(config_with(
        {"problem.dimension=2", "discretization.placement=random",
         "discretization.particles=" + std::to_string(kSamples2D), "discretization.seed=" + std::to_string(seed)}));
    ASSERT_TRUE(p.exact);
    const double radius = p.exact->placement_radius(config_with({}).problem.t0);
    std::vector<double> r;
    for (std::size_t i = 0; i < p.particles.size(); ++i)
      r.push_back(std::hypot(p.particles.x[2 * i], p.particles.x[2 * i + 1]));
    EXPECT_LE(*std::max_element(r.begin(), r.end()), radius);
    auto radial_cdf = [&](double rr) {
      const double s = std::min(1.0, rr / radius);
      return 2.0 * s * s - s * s * s * s;
    };
    const double d = ks_distance(r, radial_cdf);
    std::cout << "2D Barenblatt radius, N = " << kSamples2D << ", seed " << seed << ": KS distance " << d
              << " (DKW bound " << bound << ")\n";
    EXPECT_LT(d, bound);
    // Uniform on the disc (F = (r/R)^2) is another law: the test tells them apart.
    EXPECT_GT(ks_distance(r, [&](double rr) { return std::pow(std::min(1.0, rr / radius), 2); }), bound);
  }
}

TEST(RandomPlacement, RejectionSamplingRejectsBadInputsAndADensityAboveItsBound) {
  const auto one = [](std::span<const double>) { return 1.0; };
  EXPECT_THROW(random_rejection_placement(0, 10, 0.0, 1.0, one, 1.0, 1.0, 0), std::invalid_argument);
  EXPECT_THROW(random_rejection_placement(2, 0, 0.0, 1.0, one, 1.0, 1.0, 0), std::invalid_argument);
  EXPECT_THROW(random_rejection_placement(2, 10, 1.0, 1.0, one, 1.0, 1.0, 0), std::invalid_argument);
  EXPECT_THROW(random_rejection_placement(2, 10, 0.0, 1.0, one, 0.0, 1.0, 0), std::invalid_argument);
  EXPECT_THROW(random_rejection_placement(2, 10, 0.0, 1.0, one, 1.0, -1.0, 0), std::invalid_argument);
  EXPECT_THROW(random_rejection_placement(2, 10, 0.0, 1.0, one, 0.5, 1.0, 0), std::invalid_argument);  // 1 > 0.5
  EXPECT_THROW(random_rejection_placement(2, 10, 0.0, 1.0, [](std::span<const double>) { return 0.0; }, 1.0, 1.0, 0),
               std::invalid_argument);  // nothing is ever accepted
  EXPECT_THROW(random_quantile_placement(3, [](double u) { return std::log(u - 0.5); }, 1.0, 0),
               std::invalid_argument);
}

TEST(RandomPlacement, ConfigurationNamesTheKeyTheValueAndTheRule) {
  EXPECT_EQ(violations_of({"discretization.placement=random", "discretization.seed=12"}), "");
  EXPECT_EQ(violations_of({"problem.dimension=3", "discretization.placement=random"}), "");
  EXPECT_NE(violations_of({"discretization.seed=-1"}).find("discretization.seed = -1: must be >= 0"),
            std::string::npos);
  EXPECT_NE(violations_of({"discretization.seed=1.5"}).find("discretization.seed"), std::string::npos);
  EXPECT_NE(violations_of({"discretization.placement=randm"}).find("\"random\""), std::string::npos);
  // The seed enters the configuration (and its hash) only where a random placement uses it.
  EXPECT_EQ(to_json(config_with({"discretization.seed=3"})), to_json(config_with({})));
  EXPECT_NE(to_json(config_with({"discretization.placement=random", "discretization.seed=3"})),
            to_json(config_with({"discretization.placement=random"})));
}

const std::string kReplicatedStudy = R"(
[study]
name = "rep"
config = "barenblatt-1d"
[[sweep]]
name = "s"
set.discretization.placement = "random"
set.discretization.seed = 40
set.problem.t_final = 0.3
set.output.times = []
replicates = 3
axes.discretization.particles = [20, 30]
[[fit]]
name = "w2"
sweep = "s"
against = "discretization.particles"
)";

std::int64_t seed_of(const StudySpec& spec, const PlannedRun& run) {
  return parse_run_config(spec.config_text, spec.config_name, run.overrides).discretization.seed;
}

TEST(Replicates, ExpandEachGridPointIntoSeedsSeed0PlusRWithUniqueIds) {
  const StudySpec spec = parse_study(kReplicatedStudy, "rep.toml", ".");
  const auto runs = expand_study(spec);
  ASSERT_EQ(runs.size(), 6u);
  for (std::size_t k = 0; k < runs.size(); ++k) {
    EXPECT_EQ(runs[k].id, "s-000" + std::to_string(k));
    EXPECT_EQ(runs[k].coords["replicate"], k % 3);
    EXPECT_EQ(runs[k].coords["discretization.particles"], k < 3 ? 20 : 30);
    EXPECT_EQ(seed_of(spec, runs[k]), 40 + static_cast<std::int64_t>(k % 3));
    for (std::size_t j = 0; j < k; ++j) EXPECT_NE(runs[j].config_hash, runs[k].config_hash);
  }
  // A seed from the command line is seed0 of every grid point.
  const auto overridden = expand_study(spec, {"discretization.seed=7"});
  for (std::size_t k = 0; k < overridden.size(); ++k)
    EXPECT_EQ(seed_of(spec, overridden[k]), 7 + static_cast<std::int64_t>(k % 3));
  // One replicate (the default) leaves runs as they were: no replicate coordinate, the seed as set.
  std::string single = kReplicatedStudy;
  single.replace(single.find("replicates = 3"), 14, "replicates = 1");
  const auto one = expand_study(parse_study(single, "one.toml", "."));
  ASSERT_EQ(one.size(), 2u);
  EXPECT_FALSE(one[0].coords.contains("replicate"));
  EXPECT_EQ(seed_of(spec, one[1]), 40);
}

std::string study_violations(const std::string& text, const std::vector<std::string>& extra = {}) {
  try {
    expand_study(parse_study(text, "bad.toml", "."), extra);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Replicates, NeedARandomRunAndAPositiveCountAndNoSeedAxis) {
  std::string deterministic = kReplicatedStudy;
  deterministic.replace(deterministic.find("\"random\""), 8, "\"quantile\"");
  const std::string v = study_violations(deterministic);
  EXPECT_NE(v.find("replicates = 3 needs a run that draws random numbers"), std::string::npos) << v;
  EXPECT_EQ(v.find("replicates = 3", v.find("replicates = 3") + 1), std::string::npos) << "reported once: " << v;
  EXPECT_NE(study_violations(kReplicatedStudy, {"discretization.placement=lattice"}).find("draws random numbers"),
            std::string::npos);
  for (const char* count : {"0", "-2", "1.5", "\"3\""}) {
    std::string bad = kReplicatedStudy;
    bad.replace(bad.find("replicates = 3"), 14, std::string("replicates = ") + count);
    const std::string message = study_violations(bad);
    EXPECT_NE(message.find("replicates = "), std::string::npos) << count << ": " << message;
    EXPECT_NE(message.find(": must be an integer >= 1"), std::string::npos) << count << ": " << message;
  }
  std::string seed_axis = kReplicatedStudy;
  seed_axis.replace(seed_axis.find("set.discretization.seed = 40"), 28, "axes.discretization.seed = [1, 2]");
  EXPECT_NE(study_violations(seed_axis).find("discretization.seed, which is also an axis"), std::string::npos);
}

/// A record as the runner writes it: W2 at t_final = 1, N and the replicate as coordinates.
nlohmann::json record(const std::string& id, double n, int replicate, double w2) {
  nlohmann::json summary;
  summary["config"]["problem"]["t_final"] = 1.0;
  summary["resolved"] = {{"particles", n}};
  summary["metrics"] = {{"wall_seconds", 0.5}, {"outputs", {{{"t", 1.0}, {"w2", w2}}}}};
  return {{"id", id},
          {"sweep", "s"},
          {"coords", {{"discretization.particles", n}, {"replicate", replicate}}},
          {"reference", false},
          {"config_hash", "h" + id},
          {"status", "ok"},
          {"summary", summary}};
}

TEST(Replicates, TheReportFitsTheMeanErrorAndShowsTheMinMaxSpread) {
  // Replicate r of N has W2 = N^-1 (1 + a_N (r - 1)), r = 0, 1, 2: the mean is exactly N^-1 (slope -1), while the
  // least and largest errors follow no power law (a_N differs with N), so only a fit on the means gives -1.
  const auto dir = fresh_dir("report");
  const std::vector<double> ns = {100, 200, 400, 800}, spread = {0.5, 0.2, 0.7, 0.1};
  nlohmann::json runs = nlohmann::json::array();
  std::string jsonl;
  for (std::size_t i = 0; i < ns.size(); ++i)
    for (int r = 0; r < 3; ++r) {
      const std::string id = "s-" + std::to_string(3 * i + static_cast<std::size_t>(r));
      runs.push_back({{"id", id}, {"config_hash", "h" + id}});
      jsonl += record(id, ns[i], r, (1.0 + spread[i] * (r - 1)) / ns[i]).dump() + "\n";
    }
  const nlohmann::json fit = {{"name", "w2"},         {"sweep", "s"},
                              {"metric", "w2"},       {"t", nullptr},
                              {"against", "discretization.particles"},
                              {"group_by", nlohmann::json::array()},
                              {"best_over", ""},      {"compare_to_reference", false},
                              {"expected_slope", -1.0}, {"reference_slopes", nlohmann::json::array()}};
  std::ofstream(dir / "study.json") << nlohmann::json{{"name", "replicated"}, {"runs", runs}, {"fits", {fit}}}.dump();
  std::ofstream(dir / "runs.jsonl") << jsonl;
  const reports::StudyReport report = reports::build_study_report(dir, {false, false});
  ASSERT_EQ(report.fits.size(), 1u);
  ASSERT_TRUE(report.fits[0].ok) << report.fits[0].line;
  EXPECT_NEAR(report.fits[0].slope, -1.0, kExactFitTolerance);
  EXPECT_EQ(report.fits[0].points_used, 4u);
  // rates.csv: one row per N with the mean, 3 replicates and the min-max spread.
  const std::string csv = read(dir / "rates.csv");
  EXPECT_NE(csv.find(",replicates,error_min,error_max,floor\n"), std::string::npos) << csv;
  std::size_t rows = 0;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);  // the header
  for (std::size_t i = 0; std::getline(lines, line); ++i, ++rows) {
    std::vector<std::string> cells;
    for (std::stringstream cell(line); std::getline(cell, line, ',');) cells.push_back(line);
    // fit, group, against, discretization.particles, x, error, ...: no group keys, one axis.
    ASSERT_EQ(cells.size(), 15u) << line;
    ASSERT_LT(i, ns.size());
    EXPECT_EQ(cells[2], "discretization.particles");
    EXPECT_EQ(std::stod(cells[3]), ns[i]);
    EXPECT_EQ(std::stod(cells[4]), ns[i]);
    EXPECT_NEAR(std::stod(cells[5]), 1.0 / ns[i], kMeanRoundOff / ns[i]);
    EXPECT_EQ(cells[12], "3");
    EXPECT_NEAR(std::stod(cells[13]), (1.0 - spread[i]) / ns[i], kMeanRoundOff / ns[i]);
    EXPECT_NEAR(std::stod(cells[14]), (1.0 + spread[i]) / ns[i], kMeanRoundOff / ns[i]);
  }
  EXPECT_EQ(rows, ns.size());
  EXPECT_NE(read(dir / "rates.md").find("| 400 | 3 | 2.500e-03 | 7.500e-04 | 4.250e-03 |"), std::string::npos);
  EXPECT_NE(read(dir / "rates.tex").find("400 & 3 & 2.50\\cdot 10^{-3} & 7.50\\cdot 10^{-4} & 4.25\\cdot 10^{-3} \\\\\n"), std::string::npos);
  // The error figure draws the spread as bars from min to max: a data block of x, min, max.
  EXPECT_NE(read(dir / "figures" / "w2.gp").find("with yerrorbars"), std::string::npos);
  EXPECT_NE(read(dir / "figures" / "w2.dat").find("# " "  min-max over replicates\n100 0.005 0.015\n"),
            std::string::npos);
}

TEST(Replicates, AReplicatedStudyRunsEveryReplicateAndReportsThreePerPoint) {
  const auto dir = fresh_dir("study");
  std::ofstream(dir / "rep.toml") << kReplicatedStudy;
  std::ostringstream log;
  const StudyOutcome outcome = run_study({(dir / "rep.toml").string(), dir / "out", {}, 2, false, false, false}, log);
  EXPECT_EQ(outcome.n_run, 6u);
  EXPECT_EQ(outcome.n_failed, 0u);
  const auto records = reports::read_run_records(dir / "out" / "runs.jsonl");
  ASSERT_EQ(records.size(), 6u);
  for (const auto& r : records)
    EXPECT_EQ(r["summary"]["config"]["discretization"]["seed"], 40 + r["coords"]["replicate"].get<int>());
  const std::string csv = read(dir / "out" / "rates.csv");
  EXPECT_NE(csv.find("w2,all runs,discretization.particles,20,20,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",3,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace blobflow
