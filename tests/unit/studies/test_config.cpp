// Configuration parsing and validation: defaults, overrides, and one message per violated rule that names the
// key, the value and the rule (studies/config.hpp; docs/architecture.md "Configuration").
#include "blobflow/studies/config.hpp"

#include <gtest/gtest.h>

namespace blobflow {
namespace {

/// The violations reported for `toml` with `overrides`; empty when the configuration is valid.
std::vector<std::string> violations(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_run_config(toml, "test.toml", overrides);
  } catch (const ConfigError& e) {
    return e.violations();
  }
  return {};
}

/// Expects exactly one violation containing every fragment.
void expect_violation(const std::string& toml, std::initializer_list<const char*> fragments,
                      const std::vector<std::string>& overrides = {}) {
  const auto v = violations(toml, overrides);
  ASSERT_EQ(v.size(), 1u) << "for:\n" << toml;
  for (const char* f : fragments) EXPECT_NE(v[0].find(f), std::string::npos) << "'" << f << "' not in: " << v[0];
}

TEST(Config, EmptyFileGivesTheDocumentedDefaults) {
  const RunConfig c = parse_run_config("", "empty.toml");
  EXPECT_EQ(c.problem.equation, "wpme");
  EXPECT_EQ(c.problem.dimension, 1);
  EXPECT_EQ(c.problem.t0, 0.25);
  EXPECT_EQ(c.problem.t_final, 1.0);
  EXPECT_EQ(c.discretization.particles, 200);
  EXPECT_EQ(c.discretization.epsilon, "4*h^0.99");
  EXPECT_EQ(c.integrator.method, "auto");
  EXPECT_EQ(c.resolved_output_times(), std::vector<double>{1.0});
}

TEST(Config, OverridesReplaceFileValuesAndAcceptBareWords) {
  const RunConfig c = parse_run_config("[integrator]\nmethod = \"dopri5\"\n", "t.toml",
                                       {"integrator.method=rk4", "discretization.particles=400",
                                        "discretization.epsilon=0.05", "output.times=[0.5, 0.75]"});
  EXPECT_EQ(c.integrator.method, "rk4");
  EXPECT_EQ(c.discretization.particles, 400);
  EXPECT_EQ(std::stod(c.discretization.epsilon), 0.05);
  EXPECT_EQ(c.resolved_output_times(), (std::vector<double>{0.5, 0.75, 1.0}));
}

TEST(Config, RejectsOutOfRangeValuesNamingKeyValueAndRule) {
  expect_violation("[discretization]\nparticles = 1\n", {"discretization.particles", "1", ">= 2"});
  expect_violation("[discretization]\nparticles = -3\n", {"discretization.particles", "-3", ">= 2"});
  expect_violation("[discretization]\nepsilon = 0.0\n", {"discretization.epsilon", "0", "> 0"}, {});
  expect_violation("[problem]\nt_final = 0.1\n", {"problem.t_final", "0.1", "> problem.t0"});
  expect_violation("[problem]\ndimension = 4\n", {"problem.dimension", "4", "1, 2 or 3"});
  expect_violation("[integrator]\nrtol = -1e-8\n", {"integrator.rtol", "-1e-08", "> 0"});
  expect_violation("[integrator]\ndt = 0\n", {"integrator.dt", "0", "> 0"});
  expect_violation("[output]\ntimes = [2.0]\n", {"output.times", "2", "(problem.t0, problem.t_final]"});
  expect_violation("[problem]\nmass = 0\n", {"problem.mass", "0", "> 0"});
  expect_violation("[discretization]\nengine_accuracy = 1e-13\n", {"discretization.engine_accuracy", "1e-13", "5e-12"});
  expect_violation("[discretization]\nengine_accuracy = -1\n", {"discretization.engine_accuracy", "-1", "must be 0"});
  EXPECT_EQ(parse_run_config("", "t.toml", {"discretization.engine_accuracy=1e-6"}).discretization.engine_accuracy,
            1e-6);
}

TEST(Config, RejectsUnknownNamesWithTheChoicesOrASuggestion) {
  expect_violation("[integrator]\nmethod = \"dopri\"\n", {"integrator.method", "\"dopri\"", "dopri5", "did you mean"});
  expect_violation("[problem]\nequation = \"heat\"\n", {"problem.equation", "\"heat\"", "\"wpme\", \"pme\""});
  expect_violation("[discretization]\nmollifier = \"box\"\n", {"discretization.mollifier", "\"box\"", "gaussian"});
  expect_violation("[discretization]\nparticels = 100\n", {"discretization.particels", "unknown key", "particles"});
  expect_violation("[problem]\nparticles = 100\n", {"problem.particles", "unknown key", "[discretization]"});
  expect_violation("[integrater]\nmethod = \"rk4\"\n", {"[integrater]", "unknown section", "integrator"});
}

TEST(Config, RejectsWrongTypes) {
  expect_violation("[discretization]\nparticles = 200.5\n", {"discretization.particles", "200.5", "integer"});
  expect_violation("[problem]\nt0 = \"soon\"\n", {"problem.t0", "\"soon\"", "number"});
  expect_violation("[integrator]\nmethod = 4\n", {"integrator.method", "4", "string"});
  expect_violation("[output]\ntimes = 0.5\n", {"output.times", "0.5", "array"});
}

TEST(Config, TargetPotentialAndInteractionSectionsAreReadAndCheckedByTheSolverFactories) {
  const RunConfig c = parse_run_config(
      "[problem]\ntarget = \"piecewise\"\n[target]\npieces = [{lo = [-0.5], hi = [0.0], value = 0.5}, "
      "{lo = [0.0], hi = [0.5], value = 1.5}]\nfloor_fraction = 0.01\n[potential]\nkind = \"double-well\"\n"
      "well_radius = 0.5\n[interaction]\nkind = \"gaussian\"\nlength = 0.3\n",
      "sections.toml");
  EXPECT_EQ(c.target.kind, "piecewise");
  ASSERT_EQ(c.target.pieces.size(), 2U);
  EXPECT_EQ(c.target.pieces[1].value, 1.5);
  EXPECT_EQ(c.target.floor_fraction, 0.01);
  EXPECT_EQ(c.potential.kind, "double-well");
  EXPECT_EQ(c.potential.well_radius, 0.5);
  EXPECT_EQ(c.interaction.length, 0.3);
  expect_violation("[problem]\ntarget = \"gaussian\"\n[target]\nmean = [0]\ncovariance = [-1]\n",
                   {"target.covariance", "positive definite"});
  expect_violation("[problem]\ntarget = \"piecewise\"\n[target]\npieces = [{lo = [0], hi = [1]}]\n",
                   {"target.pieces[0]", "value"});
  expect_violation("[potential]\nkind = \"quadratic\"\nstrength = -1\n", {"potential.strength", "-1", "> 0"});
  expect_violation("[interaction]\nkind = \"newtonian\"\n", {"interaction", "2"});
  expect_violation("[problem]\nequation = \"pme\"\n[target]\nmean = [0]\n", {"target.mean", "wpme"});
  expect_violation("[target]\nfloor_fraction = \"low\"\n", {"target.floor_fraction", "\"auto\""});
}

TEST(Config, RejectsKeysThatDoNotApplyToTheEquation) {
  expect_violation("[problem]\nequation = \"wpme\"\nm = 3\n", {"problem.m", "3", "pme"});
  expect_violation("[problem]\nequation = \"pme\"\ntarget = \"gaussian\"\n", {"problem.target", "wpme"});
  // The defaults do not conflict, so --set problem.equation=pme works on a wpme file.
  EXPECT_TRUE(violations("[problem]\nequation = \"pme\"\ntarget = \"uniform\"\n").empty());
  EXPECT_TRUE(violations("[problem]\nequation = \"wpme\"\nm = 2\n").empty());
  expect_violation("[problem]\nequation = \"pme\"\nm = 0.5\n", {"problem.m", "0.5", ">= 1"});
  // m = 1 is the heat equation; its exact solution (the heat kernel) starts the run like a Barenblatt profile.
  EXPECT_TRUE(violations("[problem]\nequation = \"pme\"\nm = 1\ninitial = \"exact\"\n").empty());
  expect_violation("[problem]\ninitial = \"exact\"\nt0 = 0\n", {"problem.t0", "0", "> 0"});
  expect_violation("[problem]\ninitial = \"gaussian\"\n", {"problem.initial", "\"gaussian\"", "\"exact\""});
  expect_violation("[problem]\ndimension = 2\n[discretization]\nplacement = \"quantile\"\n",
                   {"discretization.placement", "\"quantile\"", "dimension = 1"});
}

TEST(Config, ParametersOfAnotherTargetKindAreRefusedUnlessALaterOverrideSwitchedTheKind) {
  const std::string gaussian = "[problem]\ntarget = \"gaussian\"\n[target]\nmean = [0.0]\ncovariance = [1.0]\n";
  const std::string pieces = "target.pieces=[{lo=[0.0],hi=[1.0],value=1.0}]";
  // In the same file, or set after the kind: the piecewise boxes would be ignored by the Gaussian.
  expect_violation(gaussian + "pieces = [{lo = [0.0], hi = [1.0], value = 1.0}]\n",
                   {"target.pieces", "problem.target = \"piecewise\" only", "\"gaussian\""});
  expect_violation(gaussian, {"target.pieces", "\"gaussian\", which would ignore it"}, {pieces});
  // An override that switches the kind makes the file's Gaussian parameters inert: no violation.
  EXPECT_TRUE(violations(gaussian, {"problem.target=piecewise", pieces}).empty());
  EXPECT_TRUE(violations(gaussian, {pieces, "problem.target=piecewise"}).empty());
  // ... but a Gaussian parameter given after the switch is refused again.
  expect_violation(gaussian, {"target.mean", "\"piecewise\", which would ignore it"},
                   {"problem.target=piecewise", pieces, "target.mean=[2.0]"});
  // The same rule for the potential's kind.
  expect_violation("[potential]\nkind = \"quadratic\"\nwell_radius = 2\n",
                   {"potential.well_radius", "\"double-well\""});
  EXPECT_TRUE(violations("[potential]\nkind = \"double-well\"\nwell_radius = 2\n", {"potential.kind=quadratic"})
                  .empty());
}

TEST(Config, SignChangingMollifiersNeedAQuadraticEnergy) {
  // docs/math.md §2.3: order >= 4 kernels change sign; only wpme and pme with m = 2 keep the energy a square.
  expect_violation("[problem]\nequation = \"pme\"\nm = 3\n[discretization]\nmollifier = \"laguerre4\"\n",
                   {"discretization.mollifier", "\"laguerre4\"", "changes sign (order 4)", "m = 2"});
  expect_violation("[problem]\nequation = \"pme\"\nm = 1.5\n[discretization]\nmollifier = \"dog6\"\n",
                   {"discretization.mollifier", "\"dog6\"", "order 6"});
  EXPECT_TRUE(violations("[problem]\nequation = \"pme\"\nm = 2\n[discretization]\nmollifier = \"laguerre8\"\n").empty());
  EXPECT_TRUE(violations("[discretization]\nmollifier = \"dog4\"\n").empty());
  EXPECT_TRUE(violations("[problem]\nequation = \"pme\"\nm = 3\n[discretization]\nmollifier = \"wendland-c4\"\n").empty());
}

TEST(Config, ReportsEveryViolationAtOnce) {
  const auto v = violations("[discretization]\nparticles = 1\n[integrator]\nrtol = 0\natol = 0\n");
  EXPECT_EQ(v.size(), 3u);
}

TEST(Config, RejectsMalformedTomlAndOverridesWithTheirLocation) {
  expect_violation("[problem\n", {"test.toml:1"});
  expect_violation("", {"--set", "section.key=value"}, {"particles=3"});
  expect_violation("", {"discretization.epsilon", "must be a number or an expression"}, {"discretization.epsilon=4*h^"});
}

}  // namespace
}  // namespace blobflow

namespace blobflow {
namespace {

TEST(Config, SchemaDefaultsAreTheDefaultsTheParserUses) {
  // Setting every key to the default the schema documents (and `blobflow run --help` prints) must change nothing.
  std::vector<std::string> overrides;
  for (const ConfigKey& k : config_schema()) {
    overrides.push_back(std::string(k.section) + "." + std::string(k.name) + "=" + std::string(k.default_value));
  }
  EXPECT_EQ(to_json(parse_run_config("", "defaults.toml", overrides)), to_json(parse_run_config("", "empty.toml")));
}

TEST(Config, SectionsAsJsonReadLikeTheTomlFile) {
  const std::string toml = "[problem]\nequation = \"pme\"\nm = 3.0\n[discretization]\nparticles = 120\n"
                           "[output]\ntimes = [0.5, 0.75]\n";
  const nlohmann::json sections = {{"problem", {{"equation", "pme"}, {"m", 3.0}}},
                                   {"discretization", {{"particles", 120}}},
                                   {"output", {{"times", {0.5, 0.75}}}}};
  EXPECT_TRUE(run_config_from_sections(sections) == parse_run_config(toml, "test.toml"));
  EXPECT_TRUE(run_config_from_sections(sections, {"discretization.particles=60"}) ==
              parse_run_config(toml, "test.toml", {"discretization.particles=60"}));
}

TEST(Config, SectionsAsJsonGetTheTomlFilesMessages) {
  const auto message = [](const auto& read) -> std::string {
    try {
      read();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  // An integer where a float is expected is read as TOML reads it; a float where an integer is expected is refused
  // with the same message as in a file.
  EXPECT_EQ(message([] { run_config_from_sections({{"discretization", {{"particles", 1.5}}}}); }),
            message([] { parse_run_config("[discretization]\nparticles = 1.5\n", "x.toml"); }));
  EXPECT_EQ(message([] { run_config_from_sections({{"discretization", {{"particles", 1}}}}); }),
            message([] { parse_run_config("[discretization]\nparticles = 1\n", "x.toml"); }));
  EXPECT_EQ(message([] { run_config_from_sections({{"problem", {{"dimenson", 2}}}}); }),
            message([] { parse_run_config("[problem]\ndimenson = 2\n", "x.toml"); }));
  // TOML has no null: the key is named.
  EXPECT_NE(message([] { run_config_from_sections({{"problem", {{"t0", nullptr}}}}); }).find("problem.t0 = null"),
            std::string::npos);
  EXPECT_NE(message([] { run_config_from_sections(nlohmann::json::array({1, 2})); }).find("object of sections"),
            std::string::npos);
}

}  // namespace
}  // namespace blobflow
