// The blobflow command line as a user meets it: every bad input gets a message naming the key, the value and the
// rule and exit code 2; a numerical failure is exit code 1 with its files written (docs/architecture.md "Conventions").
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

using blobflow::cli_test::Outcome;
using blobflow::cli_test::blobflow;

std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("blobflow-test-cli-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string write_config(const std::string& name, const std::string& text) {
  const auto path = temp_dir(name) / "config.toml";
  std::ofstream(path) << text;
  return path.string();
}

void expect_contains(const std::string& text, const std::string& fragment) {
  EXPECT_NE(text.find(fragment), std::string::npos) << "'" << fragment << "' not in:\n" << text;
}

const std::string kConfig1D = std::string(BLOBFLOW_CONFIGS) + "/barenblatt-1d.toml";

TEST(Cli, HelpAndVersionSucceed) {
  EXPECT_EQ(blobflow("--help").exit_code, 0);
  const Outcome version = blobflow("--version");
  EXPECT_EQ(version.exit_code, 0);
  expect_contains(version.output, "SIMD target ");
  const Outcome run_help = blobflow("run --help");
  EXPECT_EQ(run_help.exit_code, 0);
  expect_contains(run_help.output, "discretization.epsilon");
}

TEST(Cli, UsageErrorsExitWithTwo) {
  for (const char* args : {"", "frobnicate", "run", "run a.toml b.toml", "run --bogus x.toml", "list", "list colours",
                           "run x.toml --set"}) {
    const Outcome o = blobflow(args);
    EXPECT_EQ(o.exit_code, 2) << args << "\n" << o.output;
    expect_contains(o.output, "usage");
  }
}

TEST(Cli, MissingConfigFileExitsWithTwoAndNamesIt) {
  const Outcome o = blobflow("run /nonexistent/blobflow.toml");
  EXPECT_EQ(o.exit_code, 2);
  expect_contains(o.output, "/nonexistent/blobflow.toml");
}

TEST(Cli, BadConfigurationValuesExitWithTwoNamingKeyValueAndRule) {
  struct Case {
    const char* set;
    const char* fragment;
  };
  const Case cases[] = {
      {"discretization.particles=1", "discretization.particles = 1: must be >= 2"},
      {"discretization.epsilon=-0.1", "discretization.epsilon = -0.1: must be a finite number > 0"},
      {"problem.t_final=0.2", "problem.t_final = 0.2: must be > problem.t0 = 0.25"},
      {"integrator.method=leapfrog", "integrator.method = \"leapfrog\": must be one of"},
      {"problem.equation=heat", "problem.equation = \"heat\": must be one of"},
      {"discretization.mollifier=tophat", "discretization.mollifier = \"tophat\": must be one of"},
      {"discretization.particels=10", "discretization.particels: unknown key (did you mean \"particles\"?)"},
      {"discretization.particles=many", "discretization.particles = \"many\": must be an integer"},
  };
  for (const Case& c : cases) {
    const Outcome o = blobflow("run " + kConfig1D + " --set " + c.set + " -o " + temp_dir("bad").string());
    EXPECT_EQ(o.exit_code, 2) << c.set << "\n" << o.output;
    expect_contains(o.output, c.fragment);
  }
}

TEST(Cli, UnknownKeyInAFileIsRejected) {
  const std::string config = write_config("unknown", "[problem]\nequation = \"wpme\"\ndimensions = 2\n");
  const Outcome o = blobflow("run " + config);
  EXPECT_EQ(o.exit_code, 2);
  expect_contains(o.output, "problem.dimensions: unknown key (did you mean \"dimension\"?)");
}

TEST(Cli, SuccessfulRunWritesTheThreeFiles) {
  const auto out = temp_dir("ok");
  const Outcome o = blobflow("run " + kConfig1D + " --set discretization.particles=40 -q -o " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_TRUE(o.output.empty()) << o.output;
  for (const char* file : {"summary.json", "particles.csv", "diagnostics.csv"})
    EXPECT_TRUE(std::filesystem::exists(out / file)) << file;
  std::ifstream in(out / "summary.json");
  const auto summary = nlohmann::json::parse(in);
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_TRUE(summary["metrics"]["outputs"].back()["w2"].is_number());
  EXPECT_FALSE(summary["manifest"]["simd_target"].get<std::string>().empty());
}

TEST(Cli, NonFiniteRunExitsWithOneAndKeepsItsFiles) {
  const auto out = temp_dir("nonfinite");
  const Outcome o = blobflow("run " + kConfig1D + " --set discretization.particles=20 --set discretization.epsilon=1e-200 -o " +
                             out.string());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  expect_contains(o.output, "non_finite_state");
  std::ifstream in(out / "summary.json");
  ASSERT_TRUE(in.good());
  EXPECT_EQ(nlohmann::json::parse(in)["status"], "non_finite_state");
  EXPECT_TRUE(std::filesystem::exists(out / "particles.csv"));
}

TEST(Cli, ACollapsedRunIsASuccessAndSaysWhereItStopped) {
  // 2D Keller-Segel at 12 pi on a 15 x 15 lattice: the collapse check of the configuration stops it (status
  // collapsed, exit code 0); the regularized particles themselves would go on to t_final.
  const auto out = temp_dir("collapsed");
  const Outcome o = blobflow("run " + std::string(BLOBFLOW_CONFIGS) + "/keller-segel-2d.toml --set problem.mass=37.7 " +
                             "--set discretization.particles=12 -o " + out.string());
  EXPECT_EQ(o.exit_code, 0) << o.output;
  expect_contains(o.output, "status collapsed: the particles' RMS distance from their centroid");
  std::ifstream in(out / "summary.json");
  ASSERT_TRUE(in.good());
  EXPECT_EQ(nlohmann::json::parse(in)["status"], "collapsed");
}

TEST(Cli, BuiltInConfigurationsAreListedShownAndRunByName) {
  const Outcome configs = blobflow("list configs");
  ASSERT_EQ(configs.exit_code, 0) << configs.output;
  for (const char* name : {"barenblatt-1d\t", "barenblatt-2d\t", "targets-1d\t", "coverage-2d\t"})
    expect_contains(configs.output, name);
  const Outcome studies = blobflow("list studies");
  expect_contains(studies.output, "eps-n\t1D Barenblatt: W2 against eps");  // the study's title
  // show prints the text the binary holds: the file it was built from.
  const Outcome shown = blobflow("show barenblatt-1d");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  std::ifstream file(kConfig1D);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(shown.output, text);
  expect_contains(blobflow("show eps-n").output, "[study]");
  // run NAME runs the built-in configuration: the same summary as its file.
  const auto dir = temp_dir("builtin-run");
  const std::string set = " --set discretization.particles=20 -q -o ";
  ASSERT_EQ(blobflow("run barenblatt-1d" + set + (dir / "by-name").string()).exit_code, 0);
  ASSERT_EQ(blobflow("run " + kConfig1D + set + (dir / "by-file").string()).exit_code, 0);
  auto w2_of = [](const std::filesystem::path& d) {
    std::ifstream in(d / "summary.json");
    return nlohmann::json::parse(in)["metrics"]["outputs"].back()["w2"].get<double>();
  };
  EXPECT_EQ(w2_of(dir / "by-name"), w2_of(dir / "by-file"));
}

TEST(Cli, ListsTheRegisteredChoices) {
  const Outcome integrators = blobflow("list integrators");
  EXPECT_EQ(integrators.exit_code, 0);
  for (const char* name : {"euler", "rk4", "dopri5"}) expect_contains(integrators.output, name);
  const Outcome samplers = blobflow("list samplers");
  EXPECT_EQ(samplers.exit_code, 0);
  for (const char* name : {"blob", "ula", "mala", "svgd", "iid", "quantile"}) expect_contains(samplers.output, name);
  const Outcome equations = blobflow("list equations");
  expect_contains(equations.output, "wpme");
  expect_contains(equations.output, "pme");
  const Outcome mollifiers = blobflow("list mollifiers");
  for (const char* name : {"gaussian", "laguerre4", "laguerre6", "laguerre8", "dog4", "dog6", "wendland-c2",
                           "wendland-c4", "bspline3"})
    expect_contains(mollifiers.output, name);
  for (const char* name : {"midpoint", "adams-bashforth-moulton", "cash-karp54", "fehlberg78", "bulirsch-stoer"})
    expect_contains(integrators.output, name);
  expect_contains(blobflow("list engines").output, "truncated");
  expect_contains(blobflow("list studies").output, "keller-segel");
}

}  // namespace
