// The study-file keys and report figures of the target experiment (study_spec.hpp: divergence_figure,
// density_figure, floor and the metrics w1_steady, w2_steady, kl, chi2; study_report.hpp: the KL / chi^2 figure,
// the density snapshots, the floor guide and column; density_table.hpp: densities.csv): bad values named by key,
// value and rule; the built-in targets and default studies expand and validate without running; the figures' data
// on hand-made records (the density blocks are probability densities, the KL series is the recorded one, the floor
// is the recorded summary metric); the columns of densities.csv in 1D and 2D.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <set>
#include <sstream>

#include "blobflow/reports/figure.hpp"
#include "blobflow/reports/study_report.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/density_table.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study.hpp"
#include "blobflow/studies/study_spec.hpp"

#include "test_files.hpp"
#include "study_violations.hpp"

namespace blobflow {
namespace {

using nlohmann::json;

// Fits of exact power laws: log-log least squares on a handful of points loses a few ulps per operation.
constexpr double kExactFitTolerance = 1e-10;
// The blob density of a density figure on its grid: the window reaches 4.5 eps beyond the outermost particles, so a
// Gaussian blob loses 2 * 3.4e-6 of its mass outside; the trapezoid rule with spacing ~ eps / 30 is exact to far
// below that for a Gaussian.
constexpr double kBlobMassTolerance = 1e-5;
// The run's densities integrated on [-L, L] with 20001 trapezoid points (smooth Gaussians: tiny error), and the
// normalized piecewise target: a jump inside a trapezoid cell costs up to cell * jump = 1e-4 * 1.5. (On the grid
// of densities.csv the piecewise target's jumps fall on grid points or mid-cell, where the trapezoid rule is exact.)
constexpr double kDensityMassTolerance = 3e-4;
// Numbers in .dat files are written with format_shortest (round-trip exact), read back with strtod.
constexpr double kRoundTrip = 0.0;

using test::read;

std::filesystem::path fresh_dir(const std::string& name) { return test::fresh_dir("figures", name); }

std::string violations_of(const std::string& text) { return test::study_violations(text); }

/// The data blocks of a figure's .dat file: label -> (x, y) columns.
std::map<std::string, std::vector<std::pair<double, double>>> dat_blocks(const std::filesystem::path& path) {
  std::map<std::string, std::vector<std::pair<double, double>>> blocks;
  std::istringstream in(read(path));
  std::string line, label;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) {
      label = line.substr(2);
      blocks[label];
    } else if (!line.empty()) {
      std::istringstream row(line);
      double x = 0.0, y = 0.0;
      row >> x >> y;
      blocks[label].emplace_back(x, y);
    }
  }
  return blocks;
}

double trapezoid(const std::vector<std::pair<double, double>>& xy) {
  double sum = 0.0;
  for (std::size_t k = 1; k < xy.size(); ++k) sum += 0.5 * (xy[k].second + xy[k - 1].second) * (xy[k].first - xy[k - 1].first);
  return sum;
}

/// densities.csv as a run writes it (density_table.hpp) for particles of equal mass at the given times: Gaussian
/// blobs of width eps on the grid of the particles' range +- kDensityMarginEps eps, the target 1 on [-0.5, 0.5] and
/// no exact solution.
std::string fixture_densities(const std::map<double, std::vector<double>>& positions, double eps) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& [t, xs] : positions)
    for (double x : xs) lo = std::min(lo, x - kDensityMarginEps * eps), hi = std::max(hi, x + kDensityMarginEps * eps);
  std::ostringstream csv;
  csv.precision(17);
  csv << "t,x,blob,exact,target\n";
  for (const auto& [t, xs] : positions)
    for (std::size_t k = 0; k < kDensityGridPoints; ++k) {
      const double y = lo + (hi - lo) * double(k) / double(kDensityGridPoints - 1);
      double blob = 0.0;
      for (double x : xs)
        blob += std::exp(-0.5 * (y - x) * (y - x) / (eps * eps)) / (std::sqrt(2.0 * std::numbers::pi) * eps);
      csv << t << "," << y << "," << blob / double(xs.size()) << ",," << (std::abs(y) <= 0.5 ? 1.0 : 0.0) << "\n";
    }
  return csv.str();
}

/// The columns of a densities.csv: name -> cells (text, empty where the run has no value).
std::map<std::string, std::vector<std::string>> csv_columns(const std::string& text) {
  std::map<std::string, std::vector<std::string>> columns;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> names;
  const auto cells = [](const std::string& l) {
    std::vector<std::string> out(1);
    for (char c : l) {
      if (c == ',') out.emplace_back();
      else out.back().push_back(c);
    }
    return out;
  };
  if (std::getline(in, line)) names = cells(line);
  while (std::getline(in, line)) {
    const auto row = cells(line);
    for (std::size_t c = 0; c < names.size() && c < row.size(); ++c) columns[names[c]].push_back(row[c]);
  }
  return columns;
}

/// (x, y) points of two columns, y read as a number.
std::vector<std::pair<double, double>> xy(const std::vector<std::string>& x, const std::vector<std::string>& y) {
  std::vector<std::pair<double, double>> out;
  for (std::size_t k = 0; k < x.size(); ++k) out.emplace_back(std::stod(x[k]), std::stod(y[k]));
  return out;
}

const std::string kFitHead = R"(
[study]
name = "s"
config = "targets-1d"
[[sweep]]
name = "n"
axes.discretization.particles = [50, 100]
[[fit]]
name = "f"
sweep = "n"
)";

TEST(StudyFigureKeys, BadValuesNameKeyValueAndRule) {
  EXPECT_NE(violations_of(kFitHead + "divergence_figure = 1\n").find("fit[0].divergence_figure: must be true or false"),
            std::string::npos);
  EXPECT_NE(violations_of(kFitHead + "density_figure = \"yes\"\n").find("fit[0].density_figure: must be true or false"),
            std::string::npos);
  const std::string floor = violations_of(kFitHead + "floor = \"quantisation\"\n");
  EXPECT_NE(floor.find("fit[0].floor = \"quantisation\": must be one of quantization_floor_w2"), std::string::npos)
      << floor;
  EXPECT_NE(violations_of(kFitHead + "floor = 2\n").find("fit[0].floor: must be a string"), std::string::npos);
  const std::string metric = violations_of(kFitHead + "metric = \"kl_divergence\"\n");
  EXPECT_NE(metric.find("fit[0].metric = \"kl_divergence\": must be one of"), std::string::npos) << metric;
  EXPECT_NE(metric.find("w2_steady"), std::string::npos) << metric;  // the rule lists the new metrics
  EXPECT_NE(violations_of(kFitHead + "divergence_figur = true\n").find("density_figure, cost_figure, time_figure, agents_figure, floor, expected, t_window, x_label, y_label, "
                                                                         "x_label_latex, y_label_latex, exponential)"),
            std::string::npos);
}

TEST(StudyFigureKeys, NewMetricsAndFiguresAreAccepted) {
  for (const char* metric : {"w1_steady", "w2_steady", "kl", "chi2"})
    EXPECT_EQ(violations_of(kFitHead + "metric = \"" + metric + "\"\n"), "") << metric;
  const StudySpec spec = parse_study(kFitHead + "metric = \"w2_steady\"\nfloor = \"quantization_floor_w2\"\n"
                                                "divergence_figure = true\ndensity_figure = true\n",
                                     "s.toml", ".");
  ASSERT_EQ(spec.fits.size(), 1u);
  EXPECT_TRUE(spec.fits[0].divergence_figure);
  EXPECT_TRUE(spec.fits[0].density_figure);
  EXPECT_EQ(spec.fits[0].floor, "quantization_floor_w2");
  const json j = to_json(spec, expand_study(spec));
  EXPECT_EQ(j["fits"][0]["floor"], "quantization_floor_w2");
  EXPECT_EQ(j["fits"][0]["density_figure"], true);
}

TEST(BuiltinStudies, TargetsStudyExpandsAndValidates) {
  const StudySpec spec = load_study("targets");
  const std::vector<PlannedRun> runs = expand_study(spec);  // resolves and validates every run's configuration
  std::size_t talk = 0, long_time = 0;
  std::set<std::string> targets;
  for (const PlannedRun& r : runs) {
    talk += r.sweep == "talk";
    long_time += r.sweep == "long-time";
    targets.insert(r.coords["problem.target"].get<std::string>());
  }
  EXPECT_EQ(talk, 3u);       // three targets at N = 100
  EXPECT_EQ(long_time, 9u);  // three targets x three N
  EXPECT_EQ(targets, (std::set<std::string>{"uniform", "gaussian", "piecewise"}));
  ASSERT_EQ(spec.fits.size(), 2u);
  EXPECT_TRUE(spec.fits[0].divergence_figure && spec.fits[0].density_figure && spec.fits[0].trajectories);
  EXPECT_EQ(spec.fits[1].metric, "w2_steady");
  EXPECT_EQ(spec.fits[1].floor, "quantization_floor_w2");
  // The talk's experiment: uniform data on [-0.5, 0.5] up to t = 3 (docs/math.md §2.5).
  for (const PlannedRun& r : runs)
    if (r.sweep == "talk") {
      const RunConfig c = parse_run_config(spec.config_text, spec.config_name, r.overrides);
      EXPECT_EQ(c.problem.t_final, 3.0);
      EXPECT_EQ(c.problem.initial, "uniform");
      EXPECT_EQ(c.discretization.particles, 100);
    }
}

TEST(BuiltinStudies, TwoDimensionalStudiesDrawDensityHeatMaps) {
  // keller-segel: the three masses at N = 441 (a 21 x 21 lattice) with a few output times, one fit with the figures.
  const StudySpec ks = load_study("keller-segel");
  std::size_t snapshots = 0;
  for (const PlannedRun& r : expand_study(ks))
    if (r.sweep == "snapshots") {
      ++snapshots;
      const RunConfig c = parse_run_config(ks.config_text, ks.config_name, r.overrides);
      EXPECT_EQ(c.problem.dimension, 2);
      EXPECT_EQ(c.output.times, (std::vector<double>{0.5, 0.75, 1.0}));
    }
  EXPECT_EQ(snapshots, 3u);
  ASSERT_EQ(ks.fits.size(), 2u);
  EXPECT_TRUE(ks.fits[1].density_figure);
  EXPECT_EQ(ks.fits[1].sweeps, std::vector<std::string>{"snapshots"});
  // barenblatt-nd: only the last fit draws, 2D wpme at N = 1024.
  const StudySpec nd = load_study("barenblatt-nd");
  ASSERT_GE(nd.fits.size(), 2u);
  for (std::size_t k = 0; k + 1 < nd.fits.size(); ++k) EXPECT_FALSE(nd.fits[k].density_figure) << nd.fits[k].name;
  EXPECT_TRUE(nd.fits.back().density_figure);
  std::size_t pictures = 0;
  for (const PlannedRun& r : expand_study(nd))
    if (nd.fits.back().takes(r.sweep)) {
      ++pictures;
      const RunConfig c = parse_run_config(nd.config_text, nd.config_name, r.overrides);
      EXPECT_EQ(c.problem.dimension, 2);
      EXPECT_EQ(c.problem.equation, "wpme");
      EXPECT_EQ(c.discretization.particles, 1024);
    }
  EXPECT_EQ(pictures, 1u);
}

TEST(BuiltinStudies, DefaultStudyHasTheTalksExperiment) {
  const StudySpec spec = load_study("default");
  const std::vector<PlannedRun> runs = expand_study(spec);
  std::set<std::string> targets;
  for (const PlannedRun& r : runs)
    if (r.coords.contains("problem.target")) targets.insert(r.coords["problem.target"].get<std::string>());
  EXPECT_TRUE(targets.count("gaussian") && targets.count("piecewise"));
  bool divergence = false, density = false;
  for (const FitSpec& f : spec.fits) divergence |= f.divergence_figure, density |= f.density_figure;
  EXPECT_TRUE(divergence && density);
}

/// A record of a 1D run as the runner writes it: outputs with KL, chi^2 and w2_steady, and summary metrics.
json record(const std::string& id, const std::string& target, double n, const json& outputs, const json& metrics_extra) {
  json summary;
  summary["config"]["problem"]["t_final"] = outputs.back()["t"];
  summary["resolved"] = {{"particles", n}, {"epsilon", 0.05}};
  summary["metrics"] = {{"wall_seconds", 0.5}, {"outputs", outputs}};
  for (const auto& [k, v] : metrics_extra.items()) summary["metrics"][k] = v;
  return {{"id", id},
          {"sweep", "s"},
          {"coords", {{"discretization.particles", n}, {"problem.target", target}}},
          {"reference", false},
          {"config_hash", "h" + id},
          {"status", "ok"},
          {"summary", summary}};
}

json fit_json(const std::string& name, const std::string& metric, bool figures, const std::string& floor) {
  return {{"name", name},
          {"sweep", "s"},
          {"metric", metric},
          {"t", nullptr},
          {"against", "discretization.particles"},
          {"group_by", {"problem.target"}},
          {"best_over", ""},
          {"compare_to_reference", false},
          {"expected_slope", nullptr},
          {"reference_slopes", json::array()},
          {"energy_figure", false},
          {"trajectories", false},
          {"divergence_figure", figures},
          {"density_figure", figures},
          {"floor", floor}};
}

TEST(StudyReportFigures, DivergenceSeriesAndDensitySnapshotsComeFromTheRunsFiles) {
  const auto dir = fresh_dir("divergence");
  // Group "gaussian": KL and chi^2 only at the output times (summary.json); group "piecewise": a diagnostics.csv
  // with kl and chi2 columns, which takes precedence.
  const json outputs = json::array({{{"t", 0.0}, {"kl", 0.3}, {"chi2", 0.9}},
                                    {{"t", 0.5}, {"kl", 0.01}, {"chi2", 0.02}},
                                    {{"t", 1.0}, {"kl", 0.004}, {"chi2", 0.006}}});
  const json summary_only = json::array({{{"t", 0.0}}, {{"t", 1.0}, {"kl", 0.007}, {"chi2", 0.01}}});
  std::string jsonl = record("g", "gaussian", 20, outputs, json::object()).dump() + "\n" +
                      record("p", "piecewise", 20, summary_only, json::object()).dump() + "\n";
  std::ofstream(dir / "runs.jsonl") << jsonl;
  const json runs = json::array({{{"id", "g"}, {"config_hash", "hg"}}, {{"id", "p"}, {"config_hash", "hp"}}});
  std::ofstream(dir / "study.json") << json{{"name", "fixture"}, {"runs", runs}, {"fits", {fit_json("f", "kl", true, "")}}}.dump();
  for (const std::string id : {"g", "p"}) std::filesystem::create_directories(dir / "runs" / id);
  std::ofstream(dir / "runs" / "p" / "diagnostics.csv") << "t,step,energy,kl,chi2\n0,0,1,0.2,0.5\n0.25,7,0.8,0.05,0.07\n";
  // 20 equal masses at the quantile midpoints of U[-0.5, 0.5] at t = 0, then squeezed by half at t = 1.
  std::ofstream particles(dir / "runs" / "g" / "particles.csv");
  particles << "t,i,x1,mass\n";
  std::map<double, std::vector<double>> positions;
  for (double t : {0.0, 1.0})
    for (int i = 0; i < 20; ++i) {
      positions[t].push_back((t == 0.0 ? 1.0 : 0.5) * ((i + 0.5) / 20 - 0.5));
      particles << t << "," << i << "," << positions[t].back() << ",0.05\n";
    }
  particles.close();
  std::filesystem::copy_file(dir / "runs" / "g" / "particles.csv", dir / "runs" / "p" / "particles.csv");

  constexpr double kEps = 0.05;  // the records' resolved eps
  std::ofstream(dir / "runs" / "g" / "densities.csv") << fixture_densities(positions, kEps);
  std::filesystem::copy_file(dir / "runs" / "g" / "densities.csv", dir / "runs" / "p" / "densities.csv");
  const reports::ReportOptions options{false, false};
  const reports::StudyReport report = reports::build_study_report(dir, options);
  std::vector<std::string> names;
  for (const auto& f : report.figures) names.push_back(f.name);
  // One value of N per group: no rate to fit and no one-point error figure, and the fit line says why.
  EXPECT_EQ(names, (std::vector<std::string>{"f-divergences", "f-density-1", "f-density-2"}));
  ASSERT_EQ(report.fits.size(), 2u);
  for (const auto& f : report.fits) {
    EXPECT_FALSE(f.ok);
    EXPECT_NE(f.line.find("one value of N (20)"), std::string::npos) << f.line;
    EXPECT_NE(f.line.find("no order to fit"), std::string::npos) << f.line;
  }
  EXPECT_NE(read(dir / "report.md").find("no order and no error figure"), std::string::npos);

  const auto div = dat_blocks(dir / "figures" / "f-divergences.dat");
  const auto& kl_g = div.at("KL, target = gaussian, N = 20");
  ASSERT_EQ(kl_g.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(kl_g[k].first, outputs[k]["t"].get<double>(), kRoundTrip);
    EXPECT_NEAR(kl_g[k].second, outputs[k]["kl"].get<double>(), kRoundTrip);
  }
  EXPECT_NEAR(div.at("chi^2, target = gaussian, N = 20")[1].second, 0.02, kRoundTrip);
  const auto& kl_p = div.at("KL, target = piecewise, N = 20");  // from diagnostics.csv
  ASSERT_EQ(kl_p.size(), 2u);
  EXPECT_NEAR(kl_p[1].first, 0.25, kRoundTrip);
  EXPECT_NEAR(kl_p[1].second, 0.05, kRoundTrip);
  EXPECT_NEAR(div.at("chi^2, target = piecewise, N = 20")[0].second, 0.5, kRoundTrip);

  const auto dens = dat_blocks(dir / "figures" / "f-density-1.dat");
  for (const std::string label : {"blob, t = 0", "blob, t = 1"}) {
    ASSERT_TRUE(dens.count(label)) << label;
    EXPECT_NEAR(trapezoid(dens.at(label)), 1.0, kBlobMassTolerance) << label;
  }
  // The squeezed particles at t = 1 have a blob density about twice as high in the middle.
  const auto peak = [](const auto& xy) {
    double m = 0.0;
    for (const auto& [x, y] : xy) m = std::max(m, y);
    return m;
  };
  EXPECT_GT(peak(dens.at("blob, t = 1")), 1.5 * peak(dens.at("blob, t = 0")));
  EXPECT_NEAR(peak(dens.at("rhobar / int rhobar")), 1.0, kRoundTrip);
  // Two snapshots: the first in the light end of the time ramp, the last in the dark end.
  const std::string gp = read(dir / "figures" / "f-density-1.gp");
  const auto first = gp.find("lc rgb '" + reports::time_ramp_colour(0, 2) + "' title 'blob, t = 0'");
  const auto last = gp.find("lc rgb '" + reports::time_ramp_colour(1, 2) + "' title 'blob, t = 1'");
  EXPECT_NE(first, std::string::npos) << gp;
  EXPECT_NE(last, std::string::npos) << gp;
}

TEST(StudyReportFigures, DensitySnapshotsFollowTheChangeOfTheDensityNotTheListOfTimes) {
  const auto dir = fresh_dir("density-settles");
  // 20 particles squeezed by equal steps from t = 0 to 0.4 (half their spread), then at rest up to t = 2: nine
  // output times. The L1 changes of the nearly uniform blob density, about 2 (1 - s_k / s_(k-1)) for spreads s = 1,
  // 0.875, 0.75, 0.625, 0.5, add up to 0.25, 0.54, 0.87, 1.27: the positions 1/4, 1/2, 3/4 of 1.27 are nearest to
  // t = 0.1, 0.2, 0.3, so the snapshots are those, t = 0 and the end; evenly along the list they would be t = 0,
  // 0.2, 0.4, 1.2, 2, three of them the end state.
  const std::vector<double> times{0.0, 0.1, 0.2, 0.3, 0.4, 0.8, 1.2, 1.6, 2.0};
  std::map<double, std::vector<double>> positions;
  json outputs = json::array();
  for (double t : times) {
    const double spread = 1.0 - 0.5 * std::min(t, 0.4) / 0.4;
    for (int i = 0; i < 20; ++i) positions[t].push_back(spread * ((i + 0.5) / 20 - 0.5));
    outputs.push_back({{"t", t}, {"kl", 0.1}});
  }
  std::ofstream(dir / "runs.jsonl") << record("g", "gaussian", 20, outputs, json::object()).dump() << "\n";
  std::ofstream(dir / "study.json") << json{{"name", "fixture"},
                                            {"runs", json::array({{{"id", "g"}, {"config_hash", "hg"}}})},
                                            {"fits", {fit_json("f", "kl", true, "")}}}.dump();
  std::filesystem::create_directories(dir / "runs" / "g");
  std::ofstream(dir / "runs" / "g" / "densities.csv") << fixture_densities(positions, 0.05);
  reports::build_study_report(dir, {false, false});
  std::vector<std::string> shown;
  for (const auto& [label, xy] : dat_blocks(dir / "figures" / "f-density-1.dat"))
    if (label.rfind("blob, t = ", 0) == 0) shown.push_back(label.substr(10));
  std::sort(shown.begin(), shown.end());
  EXPECT_EQ(shown, (std::vector<std::string>{"0", "0.1", "0.2", "0.3", "2"}));
}

TEST(StudyReportFigures, FloorIsDrawnAndTabulatedFromTheSummaryMetric) {
  const auto dir = fresh_dir("floor");
  // w2_steady = 0.3 / N, floor = 1 / (sqrt(12) N): the fitted slope is -1 and the ratio 0.3 sqrt(12) = 1.04.
  std::string jsonl;
  json runs = json::array();
  for (double n : {50.0, 100.0, 200.0, 400.0}) {
    std::string id(1, 'u');
    id += std::to_string(static_cast<int>(n));
    const json outputs = json::array({{{"t", 0.0}}, {{"t", 1.0}, {"w2_steady", 0.3 / n}}});
    jsonl += record(id, "uniform", n, outputs, {{"quantization_floor_w2", 1.0 / (std::sqrt(12.0) * n)}}).dump() + "\n";
    runs.push_back({{"id", id}, {"config_hash", "h" + id}});
  }
  std::ofstream(dir / "runs.jsonl") << jsonl;
  std::ofstream(dir / "study.json")
      << json{{"name", "fixture"}, {"runs", runs}, {"fits", {fit_json("w", "w2_steady", false, "quantization_floor_w2")}}}.dump();
  const reports::StudyReport report = reports::build_study_report(dir, {false, false});
  ASSERT_EQ(report.fits.size(), 1u);
  ASSERT_TRUE(report.fits[0].ok) << report.fits[0].line;
  EXPECT_NEAR(report.fits[0].slope, -1.0, kExactFitTolerance);
  const auto blocks = dat_blocks(dir / "figures" / "w.dat");
  const auto& guide = blocks.at("  quantization_floor_w2");
  ASSERT_EQ(guide.size(), 4u);
  EXPECT_NEAR(guide[3].first, 400.0, kRoundTrip);
  EXPECT_NEAR(guide[3].second, 1.0 / (std::sqrt(12.0) * 400.0), kRoundTrip);
  const std::string csv = read(dir / "rates.csv");
  EXPECT_NE(csv.find(",points_used,replicates,error_min,error_max,floor\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(reports::format_shortest(1.0 / (std::sqrt(12.0) * 50.0)) + "\n"), std::string::npos) << csv;
  EXPECT_NE(read(dir / "rates.md").find("| 1.04 |"), std::string::npos) << read(dir / "rates.md");
}

TEST(DensityTable, HoldsTheRunsBlobDensityTargetAndExactSolution) {
  // The piecewise target run of targets-1d, with one particle at 0: its blob density is the mollifier itself, and
  // the grid (the particle +- 4.5 eps) is widened to the target's box [-0.5, 0.5].
  const std::vector<std::string> piecewise = {
      "problem.target=\"piecewise\"",
      "target.pieces=[{lo=[-0.5],hi=[0.0],value=0.5},{lo=[0.0],hi=[0.5],value=1.5}]"};
  const StudySpec spec = load_study("targets");
  const RunConfig config = parse_run_config(spec.config_text, spec.config_name, piecewise);
  const std::vector<double> at_zero = {0.0}, mass = {1.0};
  const auto d = csv_columns(density_table_csv(config, 0.04, nullptr, mass, {{0.0, at_zero}}));
  ASSERT_EQ(d.size(), 5u);
  ASSERT_FALSE(d.at("x").empty());
  for (const std::string& cell : d.at("exact")) EXPECT_EQ(cell, "");  // no exact solution towards a target
  EXPECT_EQ(std::stod(d.at("x").front()), -0.5);
  EXPECT_EQ(std::stod(d.at("x").back()), 0.5);
  const auto blob = xy(d.at("x"), d.at("blob")), target = xy(d.at("x"), d.at("target"));
  EXPECT_NEAR(trapezoid(blob), 1.0, kDensityMassTolerance);
  EXPECT_NEAR(trapezoid(target), 1.0, kDensityMassTolerance);
  const auto nearest = [&](double x) {
    return std::min_element(target.begin(), target.end(), [&](const auto& p, const auto& q) {
             return std::abs(p.first - x) < std::abs(q.first - x);
           })->second;
  };
  EXPECT_NEAR(nearest(0.25) / nearest(-0.25), 3.0, kDensityMassTolerance);  // 1.5 / 0.5

  // The 1D Barenblatt run (wpme, rhobar == 1): no target, the exact solution U_2(x, t/2) / M; particles at +-2
  // make the grid cover [-2, 2].
  const RunConfig b = parse_run_config("[problem]\nequation = \"wpme\"\n", "b.toml");
  const std::vector<double> ends = {-2.0, 2.0}, halves = {0.5, 0.5};
  const auto e = csv_columns(density_table_csv(b, 0.04, prepare_problem(b).exact, halves, {{1.0, ends}}));
  for (const std::string& cell : e.at("target")) EXPECT_EQ(cell, "");
  ASSERT_FALSE(e.at("exact").empty());
  EXPECT_NE(e.at("exact").front(), "");
  EXPECT_NEAR(trapezoid(xy(e.at("x"), e.at("exact"))), 1.0, kDensityMassTolerance);

  RunConfig three_d = b;
  three_d.problem.dimension = 3;  // 3D: no density table
  const std::vector<double> corners = {-1.0, -1.0, -1.0, 1.0, 1.0, 1.0};
  EXPECT_EQ(density_table_csv(three_d, 0.04, nullptr, halves, {{1.0, corners}}), "");
}

// The 2D table (t, x1, x2, blob, exact, target with 7 significant digits) on its kDensityGridPoints2D^2 grid.
// The blob column against 1: the grid reaches 4.5 eps past the outermost particles, so a Gaussian blob loses at most
// Q(4.5) = 3.4e-6 of its mass past each of the grid's four sides, 1.4e-5 in all; the trapezoid rule on a Gaussian
// with spacing below eps / 3 is exact to far below that, and the 7 printed digits add 5e-7.
constexpr double kBlobMass2DTolerance = 2e-5;
// A value printed with 7 significant digits is within half a unit of the 7th digit, 5e-7 relative, of the number.
constexpr double kSevenDigits = 5e-7;

/// The 2D Barenblatt run (wpme, rhobar == 1, exact U_2(x, t/2)).
RunConfig barenblatt_2d() { return parse_run_config("[problem]\nequation = \"wpme\"\ndimension = 2\n", "b2.toml"); }

/// The product trapezoid rule on the table's grid (x1 varying fastest) for one block of rows [first, first + G^2).
double trapezoid_2d(const std::vector<std::string>& x1, const std::vector<std::string>& x2,
                    const std::vector<std::string>& v, std::size_t first) {
  const std::size_t g = kDensityGridPoints2D;
  const double h1 = (std::stod(x1[first + g - 1]) - std::stod(x1[first])) / double(g - 1);
  const double h2 = (std::stod(x2[first + g * g - 1]) - std::stod(x2[first])) / double(g - 1);
  double sum = 0.0;
  for (std::size_t k2 = 0; k2 < g; ++k2)
    for (std::size_t k1 = 0; k1 < g; ++k1) {
      const double w = (k1 == 0 || k1 == g - 1 ? 0.5 : 1.0) * (k2 == 0 || k2 == g - 1 ? 0.5 : 1.0);
      sum += w * std::stod(v[first + k2 * g + k1]);
    }
  return sum * h1 * h2;
}

/// Five particles of unequal masses (total 2, so that the table's division by the mass matters) at two times (the
/// cloud moves and spreads), particle-major.
const std::vector<double> kMasses5 = {0.2, 0.6, 0.4, 0.5, 0.3};
const std::vector<double> kAtQuarter = {0.0, 0.0, 0.3, 0.1, -0.2, 0.25, 0.1, -0.35, -0.3, -0.1};
const std::vector<double> kAtOne = {0.1, 0.0, 0.6, 0.2, -0.4, 0.5, 0.2, -0.7, -0.6, -0.2};

TEST(DensityTable, TwoDimensionalBlobColumnIsAProbabilityDensityOnItsGrid) {
  constexpr double kEps = 0.08;
  const RunConfig config = barenblatt_2d();
  const std::string csv =
      density_table_csv(config, kEps, prepare_problem(config).exact, kMasses5, {{0.25, kAtQuarter}, {1.0, kAtOne}});
  ASSERT_EQ(csv.substr(0, csv.find('\n')), "t,x1,x2,blob,exact,target");
  const auto d = csv_columns(csv);
  const std::size_t block = kDensityGridPoints2D * kDensityGridPoints2D;
  ASSERT_EQ(d.at("blob").size(), 2 * block);
  EXPECT_EQ(d.at("t").front(), "0.25");
  EXPECT_EQ(d.at("t").back(), "1");
  for (std::size_t first : {std::size_t{0}, block}) {
    EXPECT_NEAR(trapezoid_2d(d.at("x1"), d.at("x2"), d.at("blob"), first), 1.0, kBlobMass2DTolerance) << first;
  }
  for (const std::string& cell : d.at("target")) EXPECT_EQ(cell, "");  // rhobar == 1 on R^2: no target
}

TEST(DensityTable, TwoDimensionalExactColumnIsTheExactSolutionAtTheGridPoints) {
  constexpr double kEps = 0.08;
  const RunConfig config = barenblatt_2d();
  const auto exact = prepare_problem(config).exact;
  const auto d = csv_columns(density_table_csv(config, kEps, exact, kMasses5, {{0.25, kAtQuarter}, {1.0, kAtOne}}));
  // The grid as documented: both times' particles +- kDensityMarginEps eps per coordinate, x1 varying fastest.
  std::array<double, 2> lo = {INFINITY, INFINITY}, hi = {-INFINITY, -INFINITY};
  for (const auto* x : {&kAtQuarter, &kAtOne})
    for (std::size_t i = 0; i < kMasses5.size(); ++i)
      for (std::size_t c = 0; c < 2; ++c) lo[c] = std::min(lo[c], (*x)[2 * i + c]), hi[c] = std::max(hi[c], (*x)[2 * i + c]);
  const std::size_t g = kDensityGridPoints2D;
  std::size_t row = 0, inside = 0;
  for (double t : {0.25, 1.0})
    for (std::size_t k2 = 0; k2 < g; ++k2)
      for (std::size_t k1 = 0; k1 < g; ++k1, ++row) {
        std::array<double, 2> y;
        for (std::size_t c = 0; c < 2; ++c) {
          const double a = lo[c] - kDensityMarginEps * kEps, b = hi[c] + kDensityMarginEps * kEps;
          y[c] = a + (b - a) * double(c == 0 ? k1 : k2) / double(g - 1);
        }
        ASSERT_NEAR(std::stod(d.at("x1")[row]), y[0], kSevenDigits * std::abs(y[0])) << row;
        ASSERT_NEAR(std::stod(d.at("x2")[row]), y[1], kSevenDigits * std::abs(y[1])) << row;
        const double u = exact->density(y, t) / config.problem.mass;
        ASSERT_NEAR(std::stod(d.at("exact")[row]), u, kSevenDigits * u) << row;
        inside += u > 0.0;
      }
  EXPECT_GT(inside, g * g / 4);  // the support covers much of the grid: the comparison is not all zeros
}

TEST(DensityTable, TwoDimensionalTableKeepsFiveEvenlySpreadTimesAndTheNormalizedTarget) {
  // A wpme run towards the uniform target on [-0.5, 0.5]^2 with one particle at the origin, at 8 output times: the
  // table keeps t0, the last and evenly spread ones between (indices 0, 2, 4, 5, 7), on a grid widened to the box.
  const RunConfig config = parse_run_config(
      "[problem]\nequation = \"wpme\"\ndimension = 2\ntarget = \"uniform\"\n[target]\nbox_lo = [-0.5, -0.5]\n"
      "box_hi = [0.5, 0.5]\n",
      "u2.toml");
  const std::vector<double> origin = {0.0, 0.0}, one = {1.0};
  std::vector<DensitySnapshot> snapshots;
  for (int k = 0; k < 8; ++k) snapshots.push_back({0.125 * k, origin});
  const auto d = csv_columns(density_table_csv(config, 0.04, nullptr, one, snapshots));
  std::vector<std::string> times;
  for (const std::string& t : d.at("t"))
    if (times.empty() || times.back() != t) times.push_back(t);
  EXPECT_EQ(times, (std::vector<std::string>{"0", "0.25", "0.5", "0.625", "0.875"}));
  ASSERT_EQ(d.at("t").size(), kDensityTimes2D * kDensityGridPoints2D * kDensityGridPoints2D);
  EXPECT_EQ(std::stod(d.at("x1").front()), -0.5);
  EXPECT_EQ(std::stod(d.at("x2").back()), 0.5);
  for (const std::string& cell : d.at("exact")) EXPECT_EQ(cell, "");
  // rhobar / int_B rhobar = 1 inside the unit box: the midpoint rule integrates a constant exactly.
  std::size_t checked = 0;
  for (std::size_t row = 0; row < d.at("target").size(); ++row)
    if (std::abs(std::stod(d.at("x1")[row])) < 0.49 && std::abs(std::stod(d.at("x2")[row])) < 0.49) {
      ASSERT_NEAR(std::stod(d.at("target")[row]), 1.0, kSevenDigits) << row;
      ++checked;
    }
  EXPECT_GT(checked, 0u);
}

/// The blocks of a heat-map figure's .dat file: "map: <title>" or "points: <title>" -> rows of numbers.
std::map<std::string, std::vector<std::vector<double>>> heat_map_blocks(const std::filesystem::path& path) {
  std::map<std::string, std::vector<std::vector<double>>> blocks;
  std::istringstream in(read(path));
  std::string line, label;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) {
      label = line.substr(2);
      blocks[label];
    } else if (!line.empty()) {
      std::istringstream row(line);
      std::vector<double> values;
      for (double v; row >> v;) values.push_back(v);
      blocks[label].push_back(values);
    }
  }
  return blocks;
}

/// A small 2D Barenblatt study (wpme, 64 particles on a lattice, eps = 2 h) with output times 0.375 and 0.5.
const std::string kStudy2D = R"(
[study]
name = "tiny-2d"
config = "barenblatt-2d"
[[sweep]]
name = "n"
set.discretization.epsilon = "2*h"
set.problem.t_final = 0.5
set.output.times = [0.375]
axes.discretization.particles = [64]
[[fit]]
name = "f"
sweep = "n"
metric = "w2"
against = "discretization.particles"
density_figure = true
)";

TEST(StudyReportFigures, TwoDimensionalRunsGetParticleAndBlobDensityHeatMaps) {
  const auto dir = fresh_dir("density-2d");
  std::ofstream(dir / "s.toml") << kStudy2D;
  std::ostringstream log;
  const StudyOutcome outcome = run_study({(dir / "s.toml").string(), dir / "out", {}, 1, false, false, false}, log);
  ASSERT_EQ(outcome.n_failed, 0u) << log.str();
  const auto out = dir / "out";
  const reports::StudyReport report = reports::build_study_report(out, {false, false});
  std::vector<std::string> names;
  for (const auto& f : report.figures) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"f-particles-1", "f-density-1"}));  // one N: no error figure

  // Figure (a): per output time (t0, 0.375, 0.5) the exact u / M on the grid of densities.csv and every particle.
  const auto table = csv_columns(read(out / "runs" / "n-0000" / "densities.csv"));
  const std::size_t grid = kDensityGridPoints2D * kDensityGridPoints2D;
  ASSERT_EQ(table.at("exact").size(), 3 * grid);
  const auto parts = heat_map_blocks(out / "figures" / "f-particles-1.dat");
  std::size_t n = 0;
  // The columns are kept in a named map: a range-for over a member of a temporary would read freed memory.
  const auto particles = csv_columns(read(out / "runs" / "n-0000" / "particles.csv"));
  for (const std::string& row : particles.at("t")) n += row == "0.5";
  const std::vector<std::string> times = {"0.25", "0.375", "0.5"};
  for (std::size_t k = 0; k < times.size(); ++k) {
    const auto& map = parts.at("map: t = " + times[k]);
    ASSERT_EQ(map.size(), grid) << times[k];
    for (std::size_t i = 0; i < grid; i += 97) {  // a sample of the points: the heat map is the exact column
      EXPECT_EQ(map[i][0], std::stod(table.at("x1")[k * grid + i]));
      EXPECT_EQ(map[i][2], std::stod(table.at("exact")[k * grid + i]));
    }
    EXPECT_EQ(parts.at("points: t = " + times[k]).size(), n) << times[k];
  }
  // Figure (b): the blob density at the three times (a probability density on the grid), and blob - exact.
  const auto dens = heat_map_blocks(out / "figures" / "f-density-1.dat");
  EXPECT_EQ(dens.size(), 6u);
  for (const std::string& t : times) {
    const auto& blob = dens.at("map: blob, t = " + t);
    const auto& diff = dens.at("map: blob - exact, t = " + t);
    ASSERT_EQ(blob.size(), grid);
    ASSERT_EQ(diff.size(), grid);
    std::vector<std::string> x1, x2, value;
    for (const auto& row : blob) {
      x1.push_back(reports::format_shortest(row[0]));
      x2.push_back(reports::format_shortest(row[1]));
      value.push_back(reports::format_shortest(row[2]));
    }
    EXPECT_NEAR(trapezoid_2d(x1, x2, value, 0), 1.0, kBlobMass2DTolerance) << t;
    const auto& exact = parts.at("map: t = " + t);
    for (std::size_t i = 0; i < grid; i += 89)  // the difference is taken point by point, then written to 7 digits
      EXPECT_NEAR(diff[i][2], blob[i][2] - exact[i][2], kSevenDigits * std::max(blob[i][2], exact[i][2])) << t;
  }
  const std::string md = read(out / "report.md");
  EXPECT_NE(md.find("Figure f-particles-1: the particles x_i (red dots) of the run n-0000"), std::string::npos) << md;
  EXPECT_NE(md.find("over the exact solution u(x, t) / M as a heat map"), std::string::npos);
  EXPECT_NE(md.find("Figure f-density-1: the blob density zeta_eps * rho^N / M of the run n-0000"), std::string::npos);
  EXPECT_NE(md.find("at t = 0.25, 0.375, 0.5"), std::string::npos);
  EXPECT_NE(md.find("in the bottom row its difference from the exact solution"), std::string::npos);
  const std::string gp = read(out / "figures" / "f-density-1.gp");
  EXPECT_NE(gp.find("set multiplot layout 2,3"), std::string::npos) << gp;
  EXPECT_NE(gp.find("set size ratio -1"), std::string::npos);
}

}  // namespace
}  // namespace blobflow

namespace blobflow {
namespace {

TEST(StudyReportFigures, CostAndTimeFiguresReadWallTimesAndOutputsAcrossSweeps) {
  // Two sweeps in one fit, one group each ("fast": error 1/N at wall N/100 s; "slow": error 0.5/N at wall N/10 s).
  // Within 4 s the fast group reaches 1/400 (its N = 400 run), the slow one 0.5/40 only if it had an N = 40 run: it
  // has 50 (5 s), so none: "-". Within the largest budget every group reaches (the fast group's slowest run, 4 s),
  // the least error is the fast group's 2.5e-3.
  const auto dir = fresh_dir("cost");
  std::string jsonl;
  json runs = json::array();
  for (const auto& [group, sweep, error_scale, wall_scale] :
       {std::tuple{"fast", "a", 1.0, 0.01}, std::tuple{"slow", "b", 0.5, 0.1}}) {
    for (double n : {50.0, 100.0, 200.0, 400.0}) {
      const std::string id = std::string(group) + std::to_string(static_cast<int>(n));
      const json outputs = json::array({{{"t", 0.0}, {"w2_steady", 1.0}}, {{"t", 0.5}, {"w2_steady", 0.1}},
                                        {{"t", 1.0}, {"w2_steady", error_scale / n}}});
      json r = record(id, group, n, outputs, {{"wall_seconds", wall_scale * n}});
      r["sweep"] = sweep;
      jsonl += r.dump() + "\n";
      runs.push_back({{"id", id}, {"config_hash", "h" + id}});
    }
  }
  std::ofstream(dir / "runs.jsonl") << jsonl;
  json fit = fit_json("c", "w2_steady", false, "");
  fit["sweep"] = {"a", "b"};
  fit["cost_figure"] = true;
  fit["time_figure"] = true;
  std::ofstream(dir / "study.json") << json{{"name", "fixture"}, {"runs", runs}, {"fits", {fit}}}.dump();
  const reports::StudyReport report = reports::build_study_report(dir, {false, false});
  ASSERT_EQ(report.fits.size(), 2u);  // both sweeps' runs, one group each
  for (const auto& f : report.fits) EXPECT_NEAR(f.slope, -1.0, kExactFitTolerance) << f.group;
  const auto cost = dat_blocks(dir / "figures" / "c-cost.dat");
  ASSERT_EQ(cost.at("target = fast").size(), 4u);
  EXPECT_NEAR(cost.at("target = slow")[3].first, 40.0, kRoundTrip);  // wall 0.1 * 400
  EXPECT_NEAR(cost.at("target = slow")[3].second, 0.5 / 400.0, kRoundTrip);
  const auto time = dat_blocks(dir / "figures" / "c-time.dat");
  const auto& finest = time.at("target = fast, N = 400");
  ASSERT_EQ(finest.size(), 3u);
  EXPECT_NEAR(finest[2].second, 1.0 / 400.0, kRoundTrip);
  const std::string md = read(dir / "report.md");
  EXPECT_NE(md.find("Within " + reports::format_scientific(4.0) + " s, the largest budget every group reaches, the "
                    "least W2 to ρ̄ is " + reports::format_scientific(1.0 / 400.0) + " (target = fast)."),
            std::string::npos)
      << md;
}

TEST(BuiltinStudies, SamplingStudyExpandsAndValidates) {
  const StudySpec spec = load_study("sampling");
  const std::vector<PlannedRun> runs = expand_study(spec);  // resolves and validates every run's configuration
  std::map<std::string, std::set<double>> sizes;             // sampler -> N
  for (const PlannedRun& r : runs)
    sizes[r.coords["sampling.sampler"].get<std::string>()].insert(r.coords["discretization.particles"].get<double>());
  for (const char* sampler : {"blob", "ula", "mala", "svgd", "iid", "quantile"}) {
    ASSERT_TRUE(sizes.count(sampler)) << sampler;
    EXPECT_EQ(*sizes[sampler].begin(), 25.0) << sampler;
    EXPECT_EQ(*sizes[sampler].rbegin(), 3200.0) << sampler;  // blob: 3200 on the smooth targets
  }
  for (const FitSpec& f : spec.fits) {
    EXPECT_EQ(f.group_by, std::vector<std::string>{"sampling.sampler"}) << f.name;
    EXPECT_TRUE(f.cost_figure && f.time_figure) << f.name;
    EXPECT_GE(f.sweeps.size(), 3u) << f.name;
  }
  EXPECT_EQ(spec.fits.size(), 9u);  // w2 on five targets, mmd on the four Gaussian ones
}

}  // namespace
}  // namespace blobflow
