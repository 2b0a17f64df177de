// Study files, their expansion, the threaded runner and the report (studies/study_spec.hpp, studies/study.hpp,
// reports/study_report.hpp): bad inputs named by key, deterministic expansion, results independent of the thread
// count, failed runs recorded as data, and rate fits recovered from records with a known power law.
#include "blobflow/studies/study.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "blobflow/reports/fit_spec.hpp"
#include "blobflow/reports/study_report.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/study_spec.hpp"

#include "test_files.hpp"
#include "study_violations.hpp"

namespace blobflow {
namespace {

// Fits of exact power laws: log-log least squares on a handful of points loses a few ulps per operation.
constexpr double kExactFitTolerance = 1e-10;

using test::read;

std::filesystem::path fresh_dir(const std::string& name) { return test::fresh_dir("study", name); }

std::string violations_of(const std::string& text) { return test::study_violations(text); }

const std::string kSmallStudy = R"(
[study]
name = "small"
config = "barenblatt-1d"
[[sweep]]
name = "grid"
set.problem.t_final = 0.3
set.output.times = []
set.integrator.rtol = 1e-8
axes.discretization.mollifier = ["gaussian", "laguerre4"]
axes.discretization.particles = [20, 30, 40]
reference = { discretization.particles = 50 }
[[fit]]
name = "w2"
sweep = "grid"
against = "discretization.particles"
group_by = ["discretization.mollifier"]
)";

TEST(StudySpec, BadStudyFilesNameTheKeyTheValueAndTheRule) {
  EXPECT_NE(violations_of("[study]\nname = \"a\"\nconfig = \"nope\"\n[[sweep]]\nname = \"s\"\n")
                .find("study.config = \"nope\": neither a file nor a built-in configuration"),
            std::string::npos);
  EXPECT_NE(violations_of("[study]\nname = \"a\"\nconfig = \"barenblatt-1d\"\n").find("sweep: needs at least one"),
            std::string::npos);
  EXPECT_NE(violations_of("[study]\nname = \"a\"\nconfig = \"barenblatt-1d\"\ncolour = \"red\"\n[[sweep]]\nname = "
                          "\"s\"\n")
                .find("study.colour: unknown key"),
            std::string::npos);
  EXPECT_NE(violations_of("[study]\nname = \"a\"\nconfig = \"barenblatt-1d\"\n[[sweep]]\nname = \"s\"\n"
                          "axes.discretization.particles = 100\n")
                .find("sweep[0].axes.discretization.particles: must be a non-empty array"),
            std::string::npos);
  const std::string fit = violations_of(
      "[study]\nname = \"a\"\nconfig = \"barenblatt-1d\"\n[[sweep]]\nname = \"s\"\naxes.discretization.particles = "
      "[10, 20]\n[[fit]]\nname = \"f\"\nsweep = \"s\"\nmetric = \"w7\"\nagainst = \"integrator.dt\"\n"
      "compare_to_reference = true\n");
  EXPECT_NE(fit.find("fit[0].metric = \"w7\": must be one of"), std::string::npos) << fit;
  EXPECT_NE(fit.find("fit[0].against = \"integrator.dt\": not an axis of sweep \"s\""), std::string::npos) << fit;
  EXPECT_NE(fit.find("fit[0].compare_to_reference = true: sweep \"s\" has no reference run"), std::string::npos);
  EXPECT_THROW(load_study("no-such-study"), ConfigError);
}

TEST(StudySpec, AFitOnAMetricTheRunsDoNotComputeIsAnErrorSayingWhy) {
  const StudySpec spec = parse_study(
      "[study]\nname = \"a\"\nconfig = \"barenblatt-1d\"\n[[sweep]]\nname = \"s\"\n"
      "axes.discretization.particles = [10, 20]\n[[fit]]\nname = \"f\"\nsweep = \"s\"\nmetric = \"kl\"\n"
      "against = \"discretization.particles\"\n",
      "a.toml", ".");
  std::string message;
  try {
    expand_study(spec, {});
  } catch (const ConfigError& e) {
    for (const auto& v : e.violations()) message += v + "\n";
  }
  EXPECT_EQ(message, "fit[0].metric = \"kl\": run s-0000 of sweep \"s\" does not compute it: only wpme runs with a "
                     "target (not rhobar == 1 on R^d) compare the blob density with it\n");
}

TEST(StudySpec, ExpansionIsTheProductWithTheLastAxisFastestPlusTheReference) {
  const StudySpec spec = parse_study(kSmallStudy, "small.toml", ".");
  const auto runs = expand_study(spec);
  ASSERT_EQ(runs.size(), 2u * 3u + 1u);
  EXPECT_EQ(runs[0].id, "grid-0000");
  EXPECT_EQ(runs[1].coords["discretization.particles"], 30);
  EXPECT_EQ(runs[1].coords["discretization.mollifier"], "gaussian");
  EXPECT_EQ(runs[3].coords["discretization.mollifier"], "laguerre4");
  EXPECT_EQ(runs[6].id, "grid-reference");
  EXPECT_TRUE(runs[6].reference);
  // The hash identifies the resolved configuration: equal for equal runs, different otherwise.
  EXPECT_EQ(expand_study(spec)[4].config_hash, runs[4].config_hash);
  for (std::size_t a = 0; a < runs.size(); ++a)
    for (std::size_t b = a + 1; b < runs.size(); ++b) EXPECT_NE(runs[a].config_hash, runs[b].config_hash);
  // Command-line overrides may not fight the sweep, and each run is validated up front.
  EXPECT_THROW(expand_study(spec, {"discretization.particles=10"}), ConfigError);
  try {
    expand_study(spec, {"problem.t_final=0.1"});
    ADD_FAILURE() << "t_final < t0 accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("problem.t_final"), std::string::npos) << e.what();
  }
}

TEST(StudySpec, ACaseOfAnAxisAddsItsOverridesToThatValueOnly) {
  const StudySpec spec = parse_study(
      "[study]\nname = \"a\"\nconfig = \"barenblatt-1d\"\n[[sweep]]\nname = \"s\"\n"
      "axes.problem.target = [\"uniform\", { value = \"gaussian\", set = { target.mean = [0.1], "
      "target.covariance = [0.5] } }]\naxes.discretization.particles = [10, 20]\n",
      "a.toml", ".");
  const auto runs = expand_study(spec);
  ASSERT_EQ(runs.size(), 4u);
  // The axes come in key order (discretization.particles first, varying slowest).
  EXPECT_EQ(runs[1].coords, (nlohmann::json{{"problem.target", "gaussian"}, {"discretization.particles", 10}}));
  EXPECT_EQ(runs[2].coords, (nlohmann::json{{"problem.target", "uniform"}, {"discretization.particles", 20}}));
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const bool gaussian = i % 2 == 1;
    const bool has_mean = std::any_of(runs[i].overrides.begin(), runs[i].overrides.end(),
                                      [](const std::string& o) { return o.rfind("target.mean=", 0) == 0; });
    EXPECT_EQ(has_mean, gaussian) << runs[i].id;
  }
  // Without the case the Gaussian target has no mean: the run would be invalid, so the case's overrides applied.
  const RunConfig c = parse_run_config(spec.config_text, spec.config_name, runs[3].overrides);
  EXPECT_EQ(c.target.mean, std::vector<double>{0.1});
  EXPECT_EQ(c.target.covariance, std::vector<double>{0.5});
}

TEST(StudySpec, EveryBuiltInStudyExpandsIntoValidRuns) {
  for (const std::string& name : builtin_study_names()) {
    const StudySpec spec = load_study(name);
    EXPECT_EQ(spec.name, name);
    EXPECT_GT(expand_study(spec).size(), 1u) << name;
  }
}

const std::string kTimeSlopeHead = R"(
[study]
name = "a"
config = "keller-segel-2d"
[[sweep]]
name = "s"
axes.problem.mass = [1.0, 2.0]
[[fit]]
name = "f"
sweep = "s"
metric = "second_moment"
)";

TEST(StudySpec, TimeSlopeFitsTakeTheirOwnKeysAndRefuseThoseOfRateFits) {
  const std::string good = kTimeSlopeHead + "against = \"t\"\nexpected = \"second_moment_rate_exact\"\n";
  EXPECT_EQ(violations_of(good + "t_window = [0.25, 0.5]\n"), "");
  const StudySpec spec = parse_study(good + "t_window = [0.25, 0.5]\n", "a.toml", ".");
  ASSERT_EQ(spec.fits.size(), 1u);
  EXPECT_TRUE(spec.fits[0].over_time());
  EXPECT_EQ(spec.fits[0].t_window, (std::vector<double>{0.25, 0.5}));
  EXPECT_EQ(expand_study(spec).size(), 2u);
  EXPECT_NE(violations_of(good + "group_by = [\"problem.mass\"]\n")
                .find("fit[0].group_by: not with against = \"t\" (a time-slope fit has one row per run"),
            std::string::npos);
  EXPECT_NE(violations_of(good + "t_window = [0.5, 0.25]\n")
                .find("fit[0].t_window = [0.5,0.25]: must be [lo, hi] with lo < hi"),
            std::string::npos);
  EXPECT_NE(violations_of(kTimeSlopeHead + "against = \"t\"\nexpected = \"nope\"\n")
                .find("fit[0].expected = \"nope\": must be one of quantization_floor_w2, second_moment_rate_exact"),
            std::string::npos);
  EXPECT_NE(violations_of(kTimeSlopeHead + "against = \"problem.mass\"\nexpected = \"second_moment_rate_exact\"\n")
                .find("fit[0].expected: only with against = \"t\""),
            std::string::npos);
  // An expected value the runs do not write is refused at expansion, saying why.
  const StudySpec wpme = parse_study(
      "[study]\nname = \"a\"\nconfig = \"barenblatt-1d\"\n[[sweep]]\nname = \"s\"\n"
      "axes.discretization.particles = [10, 20]\n[[fit]]\nname = \"f\"\nsweep = \"s\"\nmetric = \"second_moment\"\n"
      "against = \"t\"\nexpected = \"second_moment_rate_exact\"\n",
      "a.toml", ".");
  try {
    expand_study(wpme, {});
    ADD_FAILURE() << "an expected value no run writes was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("fit[0].expected = \"second_moment_rate_exact\": run s-0000 of sweep \"s\" "
                                         "does not compute it: the continuum d/dt int |x|^2 rho is a known constant"),
              std::string::npos)
        << e.what();
  }
}

/// The records of a study directory, keyed by id, without what legitimately differs between invocations.
std::map<std::string, nlohmann::json> comparable_records(const std::filesystem::path& dir) {
  std::map<std::string, nlohmann::json> out;
  for (nlohmann::json r : reports::read_run_records(dir / "runs.jsonl")) {
    if (r["summary"].is_object()) {
      r["summary"].erase("manifest");
      r["summary"]["metrics"].erase("wall_seconds");
    }
    out[r["id"].get<std::string>()] = r;
  }
  return out;
}

TEST(StudyRunner, ResultsDoNotDependOnTheNumberOfThreads) {
  const auto dir = fresh_dir("threads");
  std::ofstream(dir / "small.toml") << kSmallStudy;
  std::ostringstream log;
  StudyOptions one{(dir / "small.toml").string(), dir / "one", {}, 1, false, false, false};
  StudyOptions two = one;
  two.out_dir = dir / "two";
  two.threads = 2;
  EXPECT_EQ(run_study(one, log).n_run, 7u);
  EXPECT_EQ(run_study(two, log).n_run, 7u);
  const auto a = comparable_records(dir / "one"), b = comparable_records(dir / "two");
  ASSERT_EQ(a.size(), 7u);
  EXPECT_EQ(a, b);  // bit for bit: every metric, the resolved configuration and the status
  // The report fits every group: W2 decreases with N here, so a slope < 0 is found.
  const std::string rates = read(dir / "one" / "rates.csv");
  // One column per group key and per axis: the group's mollifier and N are fields, not a label to parse.
  EXPECT_EQ(rates.rfind("fit,group,discretization.mollifier,against,discretization.particles,x,error,", 0), 0u)
      << rates;
  EXPECT_NE(rates.find("w2,mollifier = gaussian,gaussian,discretization.particles,20,20,"), std::string::npos)
      << rates;
  EXPECT_TRUE(std::filesystem::exists(dir / "one" / "figures" / "w2.gp"));
  EXPECT_NE(read(dir / "one" / "index.html").find("figures/w2.svg"), std::string::npos);
}

TEST(StudyRunner, ABestEpsAtTheEdgeOfItsSweepIsWarnedAbout) {
  // eps = 0.3, 0.6, 1.2 on the 1D Barenblatt problem with N = 20, 40 (h about 0.1, 0.05): every eps is far above h,
  // so the smoothing error grows with eps and the least error lies at the smallest eps swept, the edge.
  const auto dir = fresh_dir("edge");
  std::ofstream(dir / "edge.toml") << R"(
[study]
name = "edge"
config = "barenblatt-1d"
[[sweep]]
name = "e"
axes.discretization.particles = [20, 40]
axes.discretization.epsilon = [0.3, 0.6, 1.2]
[[fit]]
name = "best"
sweep = "e"
against = "discretization.particles"
best_over = "discretization.epsilon"
)";
  std::ostringstream log;
  run_study({(dir / "edge.toml").string(), dir / "out", {}, 1, false, false, false}, log);
  EXPECT_NE(log.str().find("warning: fit best [all runs]: the least error lies at the edge of the swept epsilon "
                           "(particles = 20: epsilon = 0.3 of [0.3, 1.2], particles = 40: epsilon = 0.3 of [0.3, 1.2])"),
            std::string::npos)
      << log.str();
}

TEST(StudyRunner, FailedRunsAreRecordedWithTheirStatusAndTheStudyGoesOn) {
  const auto dir = fresh_dir("failures");
  std::ofstream(dir / "f.toml") << R"(
[study]
name = "failing"
config = "barenblatt-1d"
[[sweep]]
name = "f"
set.problem.t_final = 0.3
set.output.times = []
set.discretization.particles = 20
axes.discretization.epsilon = ["4*h", "h - 1"]
axes.integrator.max_steps = [2, 100000]
)";
  std::ostringstream log;
  const StudyOutcome outcome = run_study({(dir / "f.toml").string(), dir / "out", {}, 2, false, false, false}, log);
  EXPECT_EQ(outcome.n_run, 4u);
  EXPECT_EQ(outcome.n_failed, 3u);
  const auto records = comparable_records(dir / "out");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records.at("f-0000")["status"], "max_steps_exceeded");
  EXPECT_EQ(records.at("f-0001")["status"], "ok");
  EXPECT_EQ(records.at("f-0002")["status"], "error");  // eps = h - 1 < 0: the discretization throws
  EXPECT_NE(records.at("f-0002")["message"].get<std::string>().find("eps"), std::string::npos)
      << records.at("f-0002")["message"];
  EXPECT_NE(read(dir / "out" / "report.md").find("Failed runs"), std::string::npos);
}

/// A record as the runner writes it, with W2 at t_final = 1 and the resolved N and eps.
nlohmann::json synthetic_record(const std::string& id, double n, double eps, double w2) {
  nlohmann::json outputs = nlohmann::json::array();
  outputs.push_back({{"t", 0.25}, {"w2", 1.0}});
  outputs.push_back({{"t", 1.0}, {"w2", w2}});
  nlohmann::json summary;
  summary["config"]["problem"]["t_final"] = 1.0;
  summary["resolved"] = {{"particles", n}, {"epsilon", eps}};
  summary["metrics"] = {{"wall_seconds", 0.5}, {"outputs", outputs}};
  return {{"id", id},
          {"sweep", "s"},
          {"coords", {{"discretization.particles", n}, {"discretization.epsilon", eps}}},
          {"reference", false},
          {"config_hash", "h" + id},
          {"status", "ok"},
          {"summary", summary}};
}

TEST(StudyReport, JointSweepPicksTheBestEpsAndFitsTheKnownPowerLaw) {
  // W2(N, eps) = N^-1.5 (1 + log(eps / eps*(N))^2) with eps*(N) on the grid: the least error over eps is exactly
  // N^-1.5 at eps*(N), so the fitted slope is -1.5 and the best eps are known.
  const auto dir = fresh_dir("report");
  const std::vector<double> ns = {100, 200, 400, 800}, epss = {0.01, 0.02, 0.04, 0.08, 0.16};
  nlohmann::json runs = nlohmann::json::array();
  std::string jsonl;
  std::size_t k = 0;
  for (std::size_t i = 0; i < ns.size(); ++i)
    for (double eps : epss) {
      const double best = epss[ns.size() - i];  // 0.16, 0.08, 0.04, 0.02
      const double w2 = std::pow(ns[i], -1.5) * (1.0 + std::pow(std::log(eps / best), 2));
      const std::string id = "s-" + std::to_string(k++);
      runs.push_back({{"id", id}, {"config_hash", "h" + id}});
      jsonl += synthetic_record(id, ns[i], eps, w2).dump() + "\n";
    }
  jsonl += R"({"id": "s-torn", "status": )";  // a record torn by a kill: ignored
  const nlohmann::json fit = {{"name", "best"},           {"sweep", "s"},
                              {"metric", "w2"},           {"t", nullptr},
                              {"against", "discretization.particles"},
                              {"group_by", nlohmann::json::array()},
                              {"best_over", "discretization.epsilon"},
                              {"compare_to_reference", false},
                              {"expected_slope", nullptr},
                              {"reference_slopes", {-1.0}}};
  std::ofstream(dir / "study.json") << nlohmann::json{{"name", "synthetic"}, {"runs", runs}, {"fits", {fit}}}.dump();
  std::ofstream(dir / "runs.jsonl") << jsonl;
  const reports::StudyReport report = reports::build_study_report(dir, {false, false});
  EXPECT_EQ(report.n_recorded, 20u);
  ASSERT_EQ(report.fits.size(), 1u);
  ASSERT_TRUE(report.fits[0].ok) << report.fits[0].line;
  EXPECT_NEAR(report.fits[0].slope, -1.5, kExactFitTolerance);
  EXPECT_EQ(report.fits[0].points_used, 4u);
  ASSERT_EQ(report.figures.size(), 3u);  // error against N, the U-curves, the best eps against N
  EXPECT_EQ(report.figures[1].name, "best-u-curves-1");
  // The best eps against N is 0.16 N/100 ^ -1: its data block holds exactly those points.
  const std::string best_eps = read(dir / "figures" / "best-best-epsilon.dat");
  EXPECT_NE(best_eps.find("100 0.16\n200 0.08\n400 0.04\n800 0.02\n"), std::string::npos) << best_eps;
  EXPECT_NE(read(dir / "rates.tex").find("\\begin{tabular}"), std::string::npos);
  EXPECT_NE(read(dir / "index.html").find("best-u-curves-1.svg"), std::string::npos);
}

/// A record with second_moment = m0 + rate t at t = 0.25, 0.30, ..., 0.50, one output outside the fit window
/// (t = 0.6, an outlier that must not be fitted), and the summary metric second_moment_rate_exact = expected.
nlohmann::json time_slope_record(const std::string& id, double m0, double rate, double expected,
                                 const std::string& status) {
  nlohmann::json outputs = nlohmann::json::array();
  for (int k = 0; k <= 5; ++k) {
    const double t = 0.25 + 0.05 * k;
    outputs.push_back({{"t", t}, {"second_moment", m0 + rate * t}});
  }
  outputs.push_back({{"t", 0.6}, {"second_moment", 1e3}});
  nlohmann::json summary;
  summary["config"]["problem"]["t_final"] = 1.0;
  summary["resolved"] = {{"particles", 961}, {"epsilon", 0.17}};
  summary["metrics"] = {{"wall_seconds", 0.5}, {"outputs", outputs}, {"second_moment_rate_exact", expected}};
  return {{"id", id},         {"sweep", "s"},          {"coords", {{"problem.mass", m0}}}, {"reference", false},
          {"config_hash", "h" + id}, {"status", status}, {"summary", summary}};
}

TEST(StudyReport, TimeSlopeFitRecoversKnownSlopesAndComparesThemWithEachRunsExpectedValue) {
  // Exact lines: the fitted slopes are the lines' own (4 and -2) to round-off, the outlier outside [0.25, 0.5] is
  // left out, and the differences with the expected values 3.5 and 0 are 0.5 (relative 1/7) and -2 (no relative).
  const auto dir = fresh_dir("time-slope");
  nlohmann::json runs = nlohmann::json::array();
  for (const char* id : {"s-0", "s-1"}) runs.push_back({{"id", id}, {"config_hash", std::string("h") + id}});
  FitSpec fit;
  fit.name = "rate";
  fit.sweeps = {"s"};
  fit.metric = "second_moment";
  fit.against = kTimeAxis;
  fit.expected = "second_moment_rate_exact";
  fit.t_window = {0.25, 0.5};
  std::ofstream(dir / "study.json") << nlohmann::json{{"name", "slopes"}, {"runs", runs}, {"fits", {fit}}}.dump();
  std::ofstream(dir / "runs.jsonl") << time_slope_record("s-0", 10.0, 4.0, 3.5, "ok").dump() + "\n" +
                                           time_slope_record("s-1", 5.0, -2.0, 0.0, "collapsed").dump() + "\n";
  const reports::StudyReport report = reports::build_study_report(dir, {false, false});
  EXPECT_EQ(report.n_failed, 0u);
  ASSERT_EQ(report.fits.size(), 2u);
  for (const auto& [f, slope] : {std::pair{report.fits[0], 4.0}, std::pair{report.fits[1], -2.0}}) {
    ASSERT_TRUE(f.ok) << f.line;
    EXPECT_NEAR(f.slope, slope, kExactFitTolerance);
    EXPECT_NEAR(f.ci95_high - f.ci95_low, 0.0, kExactFitTolerance);
    EXPECT_EQ(f.points_used, 6u);
  }
  EXPECT_NE(report.fits[1].line.find("status collapsed"), std::string::npos) << report.fits[1].line;
  std::istringstream csv(read(dir / "slopes.csv"));
  std::string header, first, second;
  std::getline(csv, header), std::getline(csv, first), std::getline(csv, second);
  EXPECT_EQ(header, "fit,run,coordinates,particles,epsilon,status,points,t_first,t_last,slope,slope_ci95_low,"
                    "slope_ci95_high,expected,difference,relative_difference");
  const auto cells = [](const std::string& line) {
    std::vector<double> out;
    std::istringstream s(line.substr(line.rfind('"') + 2));
    for (std::string cell; std::getline(s, cell, ',');) out.push_back(cell.empty() ? NAN : std::atof(cell.c_str()));
    return out;
  };
  // particles, epsilon, status (0), points, t_first, t_last, slope, CI, expected, difference, relative difference
  const std::vector<double> a = cells(first), b = cells(second);
  ASSERT_EQ(a.size(), 12u);
  EXPECT_EQ(a[3], 6.0);
  EXPECT_EQ(a[4], 0.25);
  EXPECT_EQ(a[5], 0.5);
  EXPECT_NEAR(a[10], 0.5, kExactFitTolerance);
  EXPECT_NEAR(a[11], 0.5 / 3.5, kExactFitTolerance);
  ASSERT_EQ(b.size(), 11u);  // the relative difference is empty where the expected slope is 0
  EXPECT_NEAR(b[10], -2.0, kExactFitTolerance);
  EXPECT_NE(first.find(",ok,"), std::string::npos);
  EXPECT_NE(second.find(",collapsed,"), std::string::npos);
  // The figure: each run's outputs and, dashed, the line of its expected slope through its first output.
  ASSERT_EQ(report.figures.size(), 1u);
  EXPECT_EQ(report.figures[0].name, "rate");
  EXPECT_NE(read(dir / "figures" / "rate.dat").find("0.25 11\n0.6 12.225"), std::string::npos)
      << read(dir / "figures" / "rate.dat");
  EXPECT_NE(read(dir / "report.md").find("| second_moment_rate_exact | difference | relative difference |"),
            std::string::npos);
  EXPECT_NE(read(dir / "rates.md").find("## rate: d/dt second_moment per run against second_moment_rate_exact"),
            std::string::npos);
}

TEST(StudyReport, ExponentialTimeSlopeFitRecoversTheRateOfAnExponential) {
  // second_moment = 2 exp(-3 t) at t = 0.25..0.5 (and 0 at t = 0.6, which log cannot take and the fit leaves out):
  // log of it is the line log 2 - 3 t, so the fitted rate is -3 to round-off, with the expected value -2.5.
  const auto dir = fresh_dir("time-slope-exponential");
  nlohmann::json record = time_slope_record("s-0", 0.0, 0.0, -2.5, "ok");
  for (nlohmann::json& o : record["summary"]["metrics"]["outputs"])
    o["second_moment"] = o["t"].get<double>() < 0.55 ? 2.0 * std::exp(-3.0 * o["t"].get<double>()) : 0.0;
  FitSpec fit;
  fit.name = "decay";
  fit.sweeps = {"s"};
  fit.metric = "second_moment";
  fit.against = kTimeAxis;
  fit.expected = "second_moment_rate_exact";
  fit.exponential = true;
  std::ofstream(dir / "study.json")
      << nlohmann::json{{"name", "decay"}, {"runs", {{{"id", "s-0"}, {"config_hash", "hs-0"}}}}, {"fits", {fit}}}.dump();
  std::ofstream(dir / "runs.jsonl") << record.dump() + "\n";
  const reports::StudyReport report = reports::build_study_report(dir, {false, false});
  ASSERT_EQ(report.fits.size(), 1u);
  ASSERT_TRUE(report.fits[0].ok) << report.fits[0].line;
  EXPECT_NEAR(report.fits[0].slope, -3.0, kExactFitTolerance);
  EXPECT_EQ(report.fits[0].points_used, 6u);
  EXPECT_NE(report.fits[0].line.find("d/dt log second_moment"), std::string::npos) << report.fits[0].line;
  // The figure's metric axis is logarithmic.
  EXPECT_NE(read(dir / "figures" / "decay.gp").find("set logscale y"), std::string::npos);
}

}  // namespace
}  // namespace blobflow
