// Malformed and hostile inputs to the configuration layer: each is refused up front with a message naming its key,
// its value (shortened when long, studies/message.hpp) and the rule, or is bounded by a stated limit
// (docs/architecture.md "Conventions").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "blobflow/studies/config.hpp"
#include "blobflow/studies/message.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/run_files.hpp"
#include "blobflow/studies/study.hpp"
#include "study_violations.hpp"

namespace blobflow {
namespace {

/// Every violation parse_run_config reports, one per line ("" when the configuration is valid).
std::string violations(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_run_config(toml, "test.toml", overrides);
  } catch (const ConfigError& e) {
    std::string all;
    for (const auto& v : e.violations()) all += v + "\n";
    return all;
  }
  return "";
}

void expect_in(const std::string& text, std::initializer_list<const char*> fragments) {
  EXPECT_FALSE(text.empty()) << "accepted";
  for (const char* f : fragments) EXPECT_NE(text.find(f), std::string::npos) << "'" << f << "' not in:\n" << text;
}

TEST(MessageValues, LongValuesAreShortenedAndControlCharactersShown) {
  EXPECT_EQ(clip_for_message("rk4"), "rk4");
  EXPECT_EQ(clip_for_message("a\nb"), "a\\nb");
  const std::string long_value(1000000, 'x');
  const std::string clipped = clip_for_message(long_value);
  EXPECT_LE(clipped.size(), kMaxMessageValueChars + 40);
  EXPECT_NE(clipped.find("(1000000 characters)"), std::string::npos) << clipped;
}

TEST(MessageValues, Utf8IsRecognized) {
  EXPECT_TRUE(is_valid_utf8("rk4 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80"})
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
}

TEST(ConfigHardening, AValueOfAMegabyteIsQuotedShortened) {
  const std::string huge(1000000, 'q');
  const std::string v = violations("[integrator]\nmethod = \"" + huge + "\"\n");
  expect_in(v, {"integrator.method", "(1000002 characters)", "must be one of"});
  EXPECT_LT(v.size(), 2000u);
}

TEST(ConfigHardening, ASetValueWithALineBreakIsRefusedNotCutShort) {
  expect_in(violations("", {"integrator.method=\"rk4\"\nproblem.t_final = 9"}),
            {"--set", "integrator.method", "\\n", "must be one TOML value"});
  expect_in(violations("", {"discretization.particles=10\nseed = 3"}), {"must be one TOML value"});
  EXPECT_EQ(violations("", {"output.times=[\n 0.5,\n 0.75\n]"}), "");  // one value over several lines
}

TEST(ConfigHardening, DeeplyNestedEpsLawsAreRefusedAtValidation) {
  const std::string deep = std::string(20000, '(') + "h" + std::string(20000, ')');
  const std::string v = violations("", {"discretization.epsilon=\"" + deep + "\""});
  expect_in(v, {"discretization.epsilon", "nested more than", "characters)"});
  EXPECT_LT(v.size(), 2000u);
}

TEST(ConfigHardening, ParametersOfAnUnusedKindAreRefused) {
  expect_in(violations("", {"potential.strength=5"}), {"potential.strength = 5.0", "\"quadratic\"", "\"none\""});
  expect_in(violations("", {"interaction.chi=2"}), {"interaction.chi = 2.0", "\"newtonian\""});
  EXPECT_EQ(violations("", {"potential.strength=1.0"}), "");  // the default, as a complete file writes it
}

TEST(ConfigHardening, SizesBeyondMemoryAreRefusedWithTheirLimit) {
  for (const char* n : {"1099511627776", "4611686018427387904", "9223372036854775807"})
    expect_in(violations("[discretization]\nparticles = " + std::string(n) + "\n"),
              {"discretization.particles", n, "<= 10000000", "memory"});
  expect_in(violations("[problem]\ndimension = 3\n[discretization]\nparticles = 4611686018427387904\n"),
            {"discretization.particles", "<= 10000000"});
}

TEST(ConfigHardening, RunTimeRulesAreCheckedWhenTheConfigurationIsRead) {
  const std::string gaussian = "[problem]\ntarget = \"gaussian\"\n[target]\nmean = [0]\ncovariance = [0.04]\n";
  expect_in(violations(gaussian + "method = \"exact\"\n"), {"target.method", "\"exact\"", "\"closed-form\""});
  expect_in(violations(gaussian + "quadrature_accuracy = 0.5\n"), {"target.quadrature_accuracy", "0.5", "(0, 0.1]"});
  for (const char* spacing : {"-1", "nan", "inf", "1e-09"})
    expect_in(violations(gaussian + "quadrature_spacing = " + std::string(spacing) + "\n"),
              {"target.quadrature_spacing", spacing, ">= 0.001"});
  expect_in(violations(gaussian + "method = \"closed-form\"\n"),
            {"target.method", "\"closed-form\"", "piecewise-constant target", "\"gaussian\""});
  expect_in(violations("[problem]\ndimension = 2\n[interaction]\nkind = \"newtonian\"\n[discretization]\nengine "
                       "= \"truncated\"\nplacement = \"lattice\"\n"),
            {"discretization.engine", "\"truncated\"", "newtonian"});
  expect_in(violations("[problem]\nmass = 5e-324\n"), {"problem.mass", "5e-324", "[1e-100, 1e100]"});
  expect_in(violations("[problem]\ninitial = \"uniform\"\ninitial_support = [-1e308, 1e308]\n"),
            {"problem.initial_support", "-1e+308", "overflows"});
}

TEST(ConfigHardening, AGaussianTargetNarrowerThanTheBlobsIsAConfigurationError) {
  // eps = 4 h^0.99 with N = 10 on the Barenblatt support is about 0.41 > sqrt(2) 0.2: the energy diverges.
  const std::string toml = "[problem]\ntarget = \"gaussian\"\n[target]\nmean = [0]\ncovariance = [0.04]\n"
                           "[discretization]\nparticles = 10\n";
  const RunConfig config = parse_run_config(toml, "test.toml", {});
  try {
    (void)prepare_problem(config);
    FAIL() << "eps above sqrt(2) sigma was accepted";
  } catch (const ConfigError& e) {
    expect_in(e.what(), {"discretization.epsilon", "sqrt(2) sigma = 0.28", "diverges"});
  }
  RunConfig wide = config;
  wide.target.covariance = {1.0};
  EXPECT_NO_THROW((void)prepare_problem(wide));
}

TEST(RunHardening, AFixedStepCappedToTheOutputSpacingOrAboveTheStabilityEstimateIsWarnedAbout) {
  // wpme from the Barenblatt profile at t0 = 0.25 to t = 1 with N = 50: dt = 1e6 is capped to the one output
  // interval, 0.75, which is still far above explicit Euler's stability estimate at t0; dt = 1e-3 is below it.
  const std::string toml = "[discretization]\nparticles = 50\n[integrator]\nmethod = \"euler\"\n";
  const RunResult capped = run_simulation(parse_run_config(toml, "test.toml", {"integrator.dt=1e6"}), "");
  ASSERT_EQ(capped.warnings.size(), 2u);
  expect_in(capped.warnings[0], {"integrator.dt = 1e+06", "capped to the output spacing", "0.75"});
  expect_in(capped.warnings[1], {"exceeds the stability estimate 2 / rho", "of euler"});
  EXPECT_EQ(capped.summary["warnings"].size(), 2u);
  const RunResult fine = run_simulation(parse_run_config(toml, "test.toml", {"integrator.dt=1e-3"}), "");
  EXPECT_TRUE(fine.warnings.empty()) << fine.warnings.front();
  const RunResult adaptive = run_simulation(parse_run_config("[discretization]\nparticles = 50\n", "t.toml", {}), "");
  EXPECT_TRUE(adaptive.warnings.empty());
}

/// A study of the built-in 1D configuration with `sweep` as its [[sweep]] body and `extra` appended.
std::string study_text(const std::string& name, const std::string& sweep, const std::string& extra = "") {
  return "[study]\nname = \"" + name + "\"\nconfig = \"barenblatt-1d\"\n[[sweep]]\nname = \"s\"\n" + sweep + extra;
}
const std::string kAxis = "axes.discretization.particles = [10, 20]\n";

TEST(StudyHardening, AStudyNameCannotLeaveTheOutputFolder) {
  for (const char* name : {"x/../../../../elsewhere", "..", ".hidden", "a b", "a\\\\b"})
    expect_in(test::study_violations(study_text(name, kAxis)), {"study.name", "must be 1 to", "out/study-NAME"});
  EXPECT_EQ(test::study_violations(study_text("eps-n_2.1", kAxis)), "");
}

TEST(StudyHardening, APlanBeyondTheLargestIsRefusedBeforeItIsExpanded) {
  expect_in(test::study_violations(study_text("big", kAxis + "replicates = 1000000000000\n")),
            {"study plan", "more than 100000 runs", "2 x 1000000000000 replicate(s)"});
  std::string values = "[";
  for (int i = 0; i < 1000; ++i) values += (i ? ", " : "") + std::to_string(10 + i);
  values += "]";
  const std::string three_axes = "axes.discretization.particles = " + values + "\naxes.discretization.seed = " +
                                 values + "\naxes.problem.t_final = " + values + "\n";
  expect_in(test::study_violations(study_text("big", three_axes)), {"study plan", "1000 x 1000 x 1000"});
}

TEST(StudyHardening, AKeyBothSetAndSweptIsRefused) {
  expect_in(test::study_violations(study_text("s", kAxis + "set.discretization.particles = 30\n")),
            {"sweep[0].set.discretization.particles", "also an axis"});
}

TEST(StudyHardening, FitNumbersMustBeFinite) {
  const std::string fit = "[[fit]]\nname = \"f\"\nsweep = \"s\"\nmetric = \"w2\"\nagainst = "
                          "\"discretization.particles\"\n";
  expect_in(test::study_violations(study_text("s", kAxis, fit + "t = nan\n")), {"fit[0].t = nan", "finite"});
  expect_in(test::study_violations(study_text("s", kAxis, fit + "t = -1\n")), {"fit[0].t = -1", ">= 0"});
  expect_in(test::study_violations(study_text("s", kAxis, fit + "expected_slope = nan\n")),
            {"fit[0].expected_slope = nan", "finite"});
  expect_in(test::study_violations(study_text("s", kAxis, fit + "reference_slopes = [inf, nan]\n")),
            {"fit[0].reference_slopes: element inf must be a finite number", "element nan"});
}

TEST(OutputDirectory, IsCheckedBeforeAnythingIsComputed) {
  const auto dir = std::filesystem::temp_directory_path() / "blobflow-hardening-output";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "file") << "not a directory\n";
  try {
    prepare_output_directory(dir / "file" / "x");
    FAIL() << "a directory below a file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be created"), std::string::npos) << e.what();
  }
  EXPECT_THROW(prepare_output_directory("/proc/blobflow-cannot-be-here"), std::runtime_error);
  EXPECT_NO_THROW(prepare_output_directory(dir / "fresh" / "run"));
  EXPECT_TRUE(std::filesystem::is_empty(dir / "fresh" / "run")) << "the write check left its file behind";
}

TEST(RunHardening, AParticlesFileOfARunsInitialParticlesReproducesTheRun) {
  // The particles of a run at t0, written by the run itself (17 significant digits) and given back as
  // problem.initial, start the same computation: every output bit for bit, without a mass column too (the
  // quantile placement has equal masses M / N).
  const auto dir = std::filesystem::temp_directory_path() / "blobflow-test-initial-file";
  std::filesystem::remove_all(dir);
  const std::vector<std::string> base = {"discretization.particles=40"};
  const RunConfig config = parse_run_config(builtin_config("barenblatt-1d"), "barenblatt-1d", base);
  const RunResult original = run_simulation(config, dir / "original");
  std::ifstream in(dir / "original" / "particles.csv");
  std::string line, with_mass, without_mass;
  std::getline(in, line);
  with_mass = line + "\n";
  without_mass = "t,i,x1\n";
  while (std::getline(in, line) && line.rfind("0.25,", 0) == 0) {
    with_mass += line + "\n";
    without_mass += line.substr(0, line.rfind(',')) + "\n";
  }
  std::ofstream(dir / "with-mass.csv") << with_mass;
  std::ofstream(dir / "without-mass.csv") << without_mass;
  for (const char* file : {"with-mass.csv", "without-mass.csv"}) {
    std::vector<std::string> overrides = base;
    overrides.push_back("problem.initial=\"" + (dir / file).string() + "\"");
    const RunResult again = run_simulation(parse_run_config(builtin_config("barenblatt-1d"), "b", overrides));
    ASSERT_EQ(again.status, RunStatus::ok) << again.message;
    EXPECT_EQ(again.h, original.h) << file;
    EXPECT_EQ(again.epsilon, original.epsilon) << file;
    ASSERT_EQ(again.outputs.size(), original.outputs.size());
    for (std::size_t k = 0; k < again.outputs.size(); ++k)
      EXPECT_EQ(again.outputs[k].get("w2"), original.outputs[k].get("w2")) << file << " t = " << again.outputs[k].t;
    EXPECT_EQ(again.summary["resolved"]["placement"], "file");
  }
}

TEST(RunHardening, AnEpsBelowHAndParticlesThatStallAreWarnedAbout) {
  // barenblatt-1d with N = 40 has h about 0.05: eps = 0.5 h is below it; eps = 0.01 h leaves the blobs apart, so the
  // particles hardly move while the exact second moment grows by about half from t = 0.25 to 1.
  const auto run = [](const std::string& eps) {
    return run_simulation(parse_run_config(builtin_config("barenblatt-1d"), "barenblatt-1d",
                                           {"discretization.particles=40", "discretization.epsilon=" + eps}));
  };
  const RunResult below = run("\"0.5*h\"");
  ASSERT_FALSE(below.warnings.empty());
  expect_in(below.warnings.front(), {"discretization.epsilon = \"0.5*h\"", "< h ="});
  const RunResult apart = run("\"0.01*h\"");
  ASSERT_EQ(apart.warnings.size(), 2u);
  expect_in(apart.warnings[1], {"the particles stalled", "second moment", "the exact one by"});
  EXPECT_TRUE(run("\"4*h^0.99\"").warnings.empty());  // the default law: no warning
}

}  // namespace
}  // namespace blobflow
