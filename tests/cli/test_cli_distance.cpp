// `blobflow distance` end to end: particles.csv files written here with known distances (quantile midpoints of the
// uniform law, docs/math.md §7.1 item 8: W1 = 1/(4N), W2 = 1/(sqrt(12) N), W-inf = 1/(2N); translations; product
// lattices against the uniform square), snapshot selection by --time, the optional mass column, and every bad input
// answered with exit code 2 and a message naming the file, line or option and the rule.
#include <unistd.h>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

/// The command prints 13 significant digits; the known answers are exact up to the distances' own round-off.
constexpr double kPrintedTolerance = 1e-11;

using blobflow::cli_test::Outcome;
using blobflow::cli_test::blobflow;

std::filesystem::path dir() {
  static const auto d = [] {
    // One folder per process: ctest runs the cases of this file as parallel processes.
    const auto p = std::filesystem::temp_directory_path() /
                   ("blobflow-test-cli-distance-" + std::to_string(static_cast<long>(getpid())));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
  }();
  return d;
}

std::string write(const std::string& name, const std::string& text) {
  const auto path = dir() / name;
  std::ofstream(path) << text;
  return path.string();
}

/// A particles.csv text at time t: rows of coordinates (and a mass when masses is not empty).
std::string csv(double t, const std::vector<std::vector<double>>& points, const std::vector<double>& masses = {}) {
  std::string s = "t,i";
  for (std::size_t k = 0; k < points.front().size(); ++k) s += ",x" + std::to_string(k + 1);
  s += masses.empty() ? "\n" : ",mass\n";
  char buffer[64];
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%.17g,%zu", t, i);
    s += buffer;
    for (const double v : points[i]) {
      std::snprintf(buffer, sizeof buffer, ",%.17g", v);
      s += buffer;
    }
    if (!masses.empty()) {
      std::snprintf(buffer, sizeof buffer, ",%.17g", masses[i]);
      s += buffer;
    }
    s += "\n";
  }
  return s;
}

/// The number after "W<p> = " in the output (NaN when absent).
double value(const Outcome& o, const std::string& name) {
  const auto at = o.output.find(name + " = ");
  if (at == std::string::npos) return std::nan("");
  return std::stod(o.output.substr(at + name.size() + 3));
}

void expect_contains(const std::string& text, const std::string& fragment) {
  EXPECT_NE(text.find(fragment), std::string::npos) << "'" << fragment << "' not in:\n" << text;
}

std::vector<std::vector<double>> uniform_midpoints(int n, double shift = 0.0) {
  std::vector<std::vector<double>> p;
  for (int i = 0; i < n; ++i) p.push_back({-0.5 + (i + 0.5) / n + shift});
  return p;
}

TEST(CliDistance, OneDimensionalQuantileMidpointsGiveTheQuantizationFloor) {
  constexpr int kN = 10;
  const std::string a = write("mid.csv", csv(1.0, uniform_midpoints(kN)));
  const Outcome w1 = blobflow("distance " + a + " --exact uniform:-0.5,0.5 -p 1");
  const Outcome w2 = blobflow("distance " + a + " --exact uniform:-0.5,0.5");
  const Outcome winf = blobflow("distance " + a + " --exact uniform:-0.5,0.5 -p inf");
  ASSERT_EQ(w2.exit_code, 0) << w2.output;
  EXPECT_NEAR(value(w1, "W1"), 1.0 / (4 * kN), kPrintedTolerance);
  EXPECT_NEAR(value(w2, "W2"), 1.0 / (std::sqrt(12.0) * kN), kPrintedTolerance);
  EXPECT_NEAR(value(winf, "Winf"), 1.0 / (2 * kN), kPrintedTolerance);
}

TEST(CliDistance, OneDimensionalPrintsAllThreeDistancesAndTheirJson) {
  // Without -p a 1D distance prints W1, W2 and W-inf together (the same quantization floors); --json gives them as
  // numbers with the file's time and size.
  constexpr int kN = 10;
  const std::string a = write("all.csv", csv(1.0, uniform_midpoints(kN)));
  const Outcome all = blobflow("distance " + a + " --exact uniform:-0.5,0.5");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_NEAR(value(all, "W1"), 1.0 / (4 * kN), kPrintedTolerance);
  EXPECT_NEAR(value(all, "W2"), 1.0 / (std::sqrt(12.0) * kN), kPrintedTolerance);
  EXPECT_NEAR(value(all, "Winf"), 1.0 / (2 * kN), kPrintedTolerance);
  const Outcome json = blobflow("distance " + a + " --exact uniform:-0.5,0.5 --json 2>&1");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const nlohmann::json j = nlohmann::json::parse(json.output);
  EXPECT_NEAR(j["w1"].get<double>(), 1.0 / (4 * kN), kPrintedTolerance);
  EXPECT_NEAR(j["w2"].get<double>(), 1.0 / (std::sqrt(12.0) * kN), kPrintedTolerance);
  EXPECT_NEAR(j["winf"].get<double>(), 1.0 / (2 * kN), kPrintedTolerance);
  EXPECT_EQ(j["a"]["n"], kN);
  EXPECT_EQ(j["a"]["t"], 1.0);
  EXPECT_EQ(j["exact"], "uniform:-0.5,0.5");
  const Outcome one = blobflow("distance " + a + " --exact uniform:-0.5,0.5 -p 1 --json");
  EXPECT_FALSE(nlohmann::json::parse(one.output).contains("w2")) << one.output;
}

TEST(CliDistance, TwoFilesTranslatedByVAreAtDistanceV) {
  const std::string a = write("a.csv", csv(1.0, uniform_midpoints(7)));
  const std::string b = write("b.csv", csv(1.0, uniform_midpoints(7, 0.1), std::vector<double>(7, 3.0)));
  for (const char* p : {"1", "2", "inf"}) {
    const Outcome o = blobflow("distance " + a + " " + b + " -p " + p);
    ASSERT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NEAR(value(o, std::string(p) == "inf" ? "Winf" : std::string("W") + p), 0.1, kPrintedTolerance) << p;
  }
  const std::vector<std::vector<double>> square = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {0.5, 0.2}};
  std::vector<std::vector<double>> moved = square;
  for (auto& q : moved) q = {q[0] + 0.3, q[1] + 0.4};
  const Outcome o = blobflow("distance " + write("s.csv", csv(2.0, square)) + " " + write("m.csv", csv(2.0, moved)));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NEAR(value(o, "W2"), 0.5, kPrintedTolerance);
}

TEST(CliDistance, MassColumnWeightsTheParticles) {
  // Masses 3 and 1 at 0 and 1 against equal masses at 0 and 1: a quarter of the mass moves by 1, so W1 = 1/4.
  const std::string a = write("w.csv", csv(1.0, {{0.0}, {1.0}}, {3.0, 1.0}));
  const std::string b = write("e.csv", csv(1.0, {{0.0}, {1.0}}));
  EXPECT_NEAR(value(blobflow("distance " + a + " " + b + " -p 1"), "W1"), 0.25, kPrintedTolerance);
}

TEST(CliDistance, TimeOptionSelectsTheSnapshotAndTheLastTimeIsTheDefault) {
  const auto rows = [](const std::string& text) { return text.substr(text.find('\n') + 1); };  // without header
  const std::string a = write("two.csv", csv(0.5, uniform_midpoints(4, 0.2)) + rows(csv(1.0, uniform_midpoints(4))));
  const std::string b = write("ref.csv", csv(0.5, uniform_midpoints(4)) + rows(csv(1.0, uniform_midpoints(4))));
  EXPECT_NEAR(value(blobflow("distance " + a + " " + b), "W2"), 0.0, kPrintedTolerance);
  EXPECT_NEAR(value(blobflow("distance " + a + " " + b + " --time 0.5"), "W2"), 0.2, kPrintedTolerance);
}

/// The n x n lattice of cell centres of [0, 1]^2.
std::vector<std::vector<double>> square_lattice(int n) {
  std::vector<std::vector<double>> lattice;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) lattice.push_back({(i + 0.5) / n, (j + 0.5) / n});
  return lattice;
}

TEST(CliDistance, TwoDimensionalLatticeAgainstUniformSquareIsExact) {
  // A 4 x 4 lattice of cell centres against the uniform square [0, 1]^2: W2^2 = 2 x 1/(12 x 16) (two 1D floors), by
  // semi-discrete transport; the --grid cross-check agrees within the change it prints.
  const std::string file = write("lattice.csv", csv(1.0, square_lattice(4)));
  const Outcome o = blobflow("distance " + file + " --exact uniform:0,1");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NEAR(value(o, "W2"), std::sqrt(2.0 / 192.0), kPrintedTolerance) << o.output;
  expect_contains(o.output, "semi-discrete optimal transport: converged");
  const Outcome grid = blobflow("distance " + file + " --exact uniform:0,1 --grid");
  ASSERT_EQ(grid.exit_code, 0) << grid.output;
  const double uncertainty = std::stod(grid.output.substr(grid.output.find("+- ") + 3));
  EXPECT_LE(std::abs(value(grid, "W2") - std::sqrt(2.0 / 192.0)), uncertainty + kPrintedTolerance) << grid.output;
}

TEST(CliDistance, SemiDiscreteAgreesWithNetworkSimplexToAFineSampleWithinTheSampleError) {
  // A = 60 scattered particles, B = the 40 x 40 lattice of cell centres, a sample of the uniform square whose own
  // W2 to the square is 1/sqrt(6 x 1600) exactly (docs/math.md §6.1). By the triangle inequality the exact W2(A, B)
  // (network simplex) and W2(A, square) (semi-discrete) differ by at most that.
  std::vector<std::vector<double>> scattered;
  for (int i = 0; i < 60; ++i) scattered.push_back({std::fmod(0.618034 * i, 1.0), std::fmod(0.414214 * i * i, 1.0)});
  const std::string a = write("scattered.csv", csv(1.0, scattered));
  const std::string b = write("fine.csv", csv(1.0, square_lattice(40)));
  const Outcome to_sample = blobflow("distance " + a + " " + b);
  const Outcome to_law = blobflow("distance " + a + " --exact uniform:0,1");
  ASSERT_EQ(to_sample.exit_code, 0) << to_sample.output;
  ASSERT_EQ(to_law.exit_code, 0) << to_law.output;
  const double sample_error = 1.0 / std::sqrt(6.0 * 1600.0);
  EXPECT_LE(std::abs(value(to_sample, "W2") - value(to_law, "W2")), sample_error)
      << to_sample.output << to_law.output;
}

TEST(CliDistance, ThreeDimensionalBallAndGaussianSpecsAreSolved) {
  // One particle at the centre of the unit ball in 3D: W2^2 = int |x|^2 = 3/5; of N(0, 0.5 I): 3 x 0.5.
  const std::string one = write("one3d.csv", csv(1.0, {{0.0, 0.0, 0.0}}));
  EXPECT_NEAR(value(blobflow("distance " + one + " --exact ball:radius=1"), "W2"), std::sqrt(0.6), kPrintedTolerance);
  EXPECT_NEAR(value(blobflow("distance " + one + " --exact gaussian:cov=0.5"), "W2"), std::sqrt(1.5), 1e-10);
}

TEST(CliDistance, BadInputsExitWithTwoNamingTheProblem) {
  const std::string good = write("good.csv", csv(1.0, uniform_midpoints(3)));
  const std::string good2d = write("good2d.csv", csv(1.0, {{0, 0}, {1, 1}}));
  const std::string header = write("header.csv", "t,i,y1\n1,0,0.5\n");
  const std::string fields = write("fields.csv", "t,i,x1\n1,0,0.5\n1,1\n");
  const std::string number = write("number.csv", "t,i,x1,mass\n1,0,abc,1\n");
  const std::string negative = write("negative.csv", "t,i,x1,mass\n1,0,0.5,-1\n");
  struct Case {
    std::string args;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {"distance", "usage"},
      {"distance " + good, "either B.csv or --exact"},
      {"distance " + good + " " + good + " --exact uniform:0,1", "either B.csv or --exact"},
      {"distance /nonexistent/p.csv --exact uniform:0,1", "/nonexistent/p.csv: cannot open"},
      {"distance " + header + " --exact uniform:0,1", "header.csv:1: header"},
      {"distance " + fields + " --exact uniform:0,1", "fields.csv:3: expected 3 comma-separated values, found 2"},
      {"distance " + number + " --exact uniform:0,1", "number.csv:2: x1 = \"abc\": must be a finite number"},
      {"distance " + negative + " --exact uniform:0,1", "mass = \"-1\": must be a finite number >= 0"},
      {"distance " + good + " --exact uniform:0,1 -p 3", "-p 3: must be 1, 2 or inf"},
      {"distance " + good2d + " --exact uniform:0,1 -p 1", "only W2 is available"},
      {"distance " + good + " --exact gauss:1", "unknown law \"gauss\""},
      {"distance " + good + " --exact uniform:1,0", "LO < HI"},
      {"distance " + good + " --exact barenblatt:m=2", "t must be given"},
      {"distance " + good + " --exact barenblatt:t=1,q=2", "unknown key \"q\""},
      {"distance " + good + " --exact barenblatt:t=1,m=0.5", "m = 0.5"},
      {"distance " + good + " --exact barenblatt:t=1,d=2", "must equal the dimension"},
      {"distance " + good + " " + good2d, "must equal that of"},
      {"distance " + good + " --exact uniform:0,1 --time 7", "no rows at t = 7"},
      {"distance " + good + " --exact ball:radius=-1", "radius = -1"},
      {"distance " + good2d + " --exact mixture:weights=1,means=0,cov=1", "means has 1 numbers: must have 2"},
      {"distance " + good2d + " --exact gaussian:cov=1,cov=2", "cov given twice"},
      {"distance " + good2d + " --exact \"gaussian:mean=0 x,cov=1\"", "must be finite numbers separated by spaces"},
      {"distance " + good + " --exact uniform:0,1 --frobnicate", "unknown option --frobnicate"},
  };
  for (const Case& c : cases) {
    const Outcome o = blobflow(c.args);
    EXPECT_EQ(o.exit_code, 2) << c.args << "\n" << o.output;
    expect_contains(o.output, c.fragment);
  }
  EXPECT_EQ(blobflow("distance --help").exit_code, 0);
}

}  // namespace
