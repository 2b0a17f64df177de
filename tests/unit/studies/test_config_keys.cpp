// The configuration key table (studies/config.cpp): to_json and from_json are inverse, validate() works on a
// configuration built in code, and the README's key table lists every key with the default the code has.
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "blobflow/studies/config.hpp"

namespace blobflow {
namespace {

/// A configuration with every section set: a piecewise target with a floor, a potential, an interaction, random
/// placement with a seed, output times.
RunConfig every_section_set() {
  RunConfig c;
  c.problem.dimension = 2;
  c.problem.target = c.target.kind = "piecewise";
  c.problem.initial = "uniform";
  c.problem.mass = 2.5;
  c.problem.initial_support = {-0.25, 0.75};
  c.problem.t0 = 0.0;
  c.problem.t_final = 0.5;
  c.discretization.particles = 400;
  c.discretization.epsilon = "0.05";
  c.discretization.mollifier = "laguerre4";
  c.discretization.placement = "random";
  c.discretization.seed = 17;
  c.discretization.engine = "direct";
  c.discretization.engine_accuracy = 1e-6;
  c.target.pieces = {{{-1.0, -1.0}, {0.0, 1.0}, 0.5}, {{0.0, -1.0}, {1.0, 1.0}, 1.5}};
  c.target.floor_fraction = 0.02;
  c.target.method = "quadrature";
  c.target.quadrature_accuracy = 1e-8;
  c.target.quadrature_spacing = 0.3;
  c.potential.kind = "quadratic";
  c.potential.strength = 3.0;
  c.potential.center = {0.1, -0.2};
  c.interaction.kind = "gaussian";
  c.interaction.amplitude = 0.5;
  c.interaction.length = 0.3;
  c.integrator.method = "rk4";
  c.integrator.dt = 1e-2;
  c.integrator.rtol = 1e-6;
  c.integrator.atol = 1e-9;
  c.integrator.max_steps = 5000;
  c.collapse_radius = 2.0;
  c.output.times = {0.125, 0.25};
  c.output.diagnostics_every = 5;
  return c;
}

/// from_json(to_json(c)), directly and through the JSON text summary.json holds.
void expect_round_trip(const RunConfig& c) {
  EXPECT_TRUE(from_json(to_json(c)) == c) << to_json(from_json(to_json(c))).dump() << "\n" << to_json(c).dump();
  EXPECT_TRUE(from_json(nlohmann::json::parse(to_json(c).dump())) == c);
}

TEST(ConfigKeys, JsonRoundTripsTheDefaultsAndEverySection) {
  expect_round_trip(RunConfig{});
  const RunConfig c = every_section_set();
  EXPECT_TRUE(validate(c).empty()) << validate(c).front();
  expect_round_trip(c);
  // The collapse check is recorded where it is on (the defaults' JSON below has no such key).
  EXPECT_EQ(to_json(c)["integrator"]["collapse_radius"], 2.0);
  RunConfig automatic_floor = c;
  automatic_floor.target.floor_fraction.reset();
  expect_round_trip(automatic_floor);
  RunConfig other_potential = c;
  other_potential.potential = {"polynomial", 1.0, {}, 1.0, {0.0, 0.5, 0.25}};
  other_potential.interaction.kind = "none";
  expect_round_trip(other_potential);
  EXPECT_FALSE(from_json(to_json(c)) == RunConfig{});
}

TEST(ConfigKeys, JsonOfTheDefaultsIsTheRecordedOne) {
  // The configuration as summary.json records it (and study configuration hashes digest): no seed unless
  // placement = "random", the resolved output times.
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "discretization": {"engine": "auto", "engine_accuracy": 0.0, "epsilon": "4*h^0.99", "mollifier": "gaussian",
                       "particles": 200, "placement": "auto"},
    "integrator": {"atol": 1e-10, "dt": 0.001, "max_steps": 10000000, "method": "auto", "rtol": 1e-08},
    "interaction": {"amplitude": 1.0, "chi": 1.0, "kind": "none", "length": 1.0},
    "output": {"diagnostics_every": 1, "times": [1.0]},
    "potential": {"center": [], "coefficients": [], "kind": "none", "strength": 1.0, "well_radius": 1.0},
    "problem": {"dimension": 1, "equation": "wpme", "initial": "barenblatt", "initial_support": [-0.5, 0.5],
                "m": 2.0, "mass": 1.0, "t0": 0.25, "t_final": 1.0, "target": "uniform"},
    "target": {"box_hi": [], "box_lo": [], "covariance": [], "covariances": [], "floor_fraction": "auto",
               "grid_file": "", "mean": [], "means": [], "method": "auto", "pieces": [], "quadrature_accuracy": 1e-10,
               "quadrature_spacing": 0.0, "weights": []}})");
  EXPECT_EQ(to_json(RunConfig{}).dump(), expected.dump());
  const nlohmann::json random = to_json(every_section_set());
  EXPECT_EQ(random["discretization"]["seed"], 17);
  EXPECT_EQ(random["output"]["times"], (std::vector<double>{0.125, 0.25, 0.5}));
  EXPECT_EQ(random["target"]["pieces"][1]["value"], 1.5);
}

/// The violations from_json reports for `json`.
std::vector<std::string> json_violations(const nlohmann::json& json) {
  try {
    (void)from_json(json);
  } catch (const ConfigError& e) {
    return e.violations();
  }
  return {};
}

TEST(ConfigKeys, FromJsonNamesTheKeyOfEveryWrongValue) {
  EXPECT_EQ(json_violations({{"problem", {{"t0", "soon"}}}}),
            std::vector<std::string>{"problem.t0 = \"soon\": must be a number"});
  EXPECT_EQ(json_violations({{"discretization", {{"particles", 200.5}}}}),
            std::vector<std::string>{"discretization.particles = 200.5: must be an integer"});
  EXPECT_EQ(json_violations({{"problem", {{"particles", 3}}}}),
            std::vector<std::string>{"problem.particles: unknown key (it belongs in [discretization])"});
  EXPECT_EQ(json_violations({{"problem", {{"dimension", 4}}}, {"integrator", {{"max_steps", 0}}}}),
            (std::vector<std::string>{"problem.dimension = 4: must be 1, 2 or 3", "integrator.max_steps = 0: must be >= 1"}));
  EXPECT_EQ(json_violations({{"integrater", nlohmann::json::object()}}),
            std::vector<std::string>{"[integrater]: unknown section (did you mean \"integrator\"?)"});
  EXPECT_EQ(json_violations({{"target", {{"mean", {0.0, nullptr}}}}}),
            std::vector<std::string>{"target.mean[1] = null: must be a string, a number, an array or an object"});
  EXPECT_EQ(json_violations(nlohmann::json::array()).size(), 1U);
  // A key left out keeps its default (to_json leaves out the seed of a deterministic placement).
  EXPECT_TRUE(from_json({{"problem", {{"mass", 2}}}}).problem.mass == 2.0);
  EXPECT_TRUE(from_json(nlohmann::json::object()) == RunConfig{});
}

TEST(ConfigKeys, ValidateChecksAConfigurationBuiltInCode) {
  EXPECT_TRUE(validate(RunConfig{}).empty());
  RunConfig c;
  c.discretization.particles = 1;
  c.integrator.rtol = 0.0;
  c.output.times = {2.0};
  EXPECT_EQ(validate(c), (std::vector<std::string>{
                             "discretization.particles = 1: must be >= 2", "integrator.rtol = 0: must be > 0",
                             "output.times = 2: each time must lie in (problem.t0, problem.t_final] = (0.25, 1]"}));
  // Keys that do not apply to the equation count as given when they differ from their default.
  RunConfig wpme;
  wpme.problem.m = 3.0;
  EXPECT_EQ(validate(wpme), std::vector<std::string>{
                                "problem.m = 3: applies to equation = \"pme\" only (wpme with rhobar == 1 has m = 2)"});
  RunConfig pme;
  pme.problem.equation = "pme";
  pme.target.mean = {0.0};
  EXPECT_EQ(validate(pme), std::vector<std::string>{
                               "target.mean = (given): applies to equation = \"wpme\" only (pme has no target)"});
  pme.target.mean.clear();
  EXPECT_TRUE(validate(pme).empty());
  // A file that gives a target key for pme is refused even with the default value.
  EXPECT_EQ(validate(pme, {"target.box_lo"}).size(), 1U);
  RunConfig kind;
  kind.problem.target = "gaussian";
  EXPECT_EQ(validate(kind).front(), "target.kind = \"uniform\": must equal problem.target = \"gaussian\"");
}

/// The README's "Configuration keys" table: key -> default, both as written between backticks.
std::map<std::string, std::string> readme_key_table() {
  std::ifstream in(BLOBFLOW_README);
  std::string line;
  bool in_section = false;
  std::map<std::string, std::string> rows;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) == 0) in_section = line == "### Configuration keys";
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    const auto key_end = line.find("` | ");
    const auto default_end = line.find(" | ", key_end + 4);
    std::string value = line.substr(key_end + 4, default_end - key_end - 4);
    if (value.size() >= 2 && value.front() == '`' && value.back() == '`') value = value.substr(1, value.size() - 2);
    rows[line.substr(3, key_end - 3)] = value;
  }
  return rows;
}

TEST(ConfigKeys, ReadmeListsEveryKeyWithItsDefault) {
  std::map<std::string, std::string> rows = readme_key_table();
  ASSERT_FALSE(rows.empty()) << "no key table under ### Configuration keys in " << BLOBFLOW_README;
  for (const ConfigKey& k : config_schema()) {
    const std::string key = std::string(k.section) + "." + std::string(k.name);
    const auto row = rows.find(key);
    if (row == rows.end()) {
      ADD_FAILURE() << key << " is missing from the README's key table";
      continue;
    }
    EXPECT_EQ(row->second, k.default_value) << "the README's default of " << key;
    rows.erase(row);
  }
  for (const auto& [key, value] : rows) ADD_FAILURE() << "the README's key table lists " << key << ", not a key";
}

TEST(ConfigKeys, DefaultsAreWrittenFromTheDefaultConfiguration) {
  std::map<std::string, std::string> defaults;
  for (const ConfigKey& k : config_schema()) defaults[std::string(k.section) + "." + std::string(k.name)] = k.default_value;
  EXPECT_EQ(defaults.size(), config_schema().size());
  EXPECT_EQ(defaults["problem.equation"], "\"wpme\"");
  EXPECT_EQ(defaults["problem.dimension"], "1");
  EXPECT_EQ(defaults["problem.mass"], "1.0");
  EXPECT_EQ(defaults["problem.initial_support"], "[-0.5, 0.5]");
  EXPECT_EQ(defaults["discretization.epsilon"], "\"4*h^0.99\"");
  EXPECT_EQ(defaults["target.floor_fraction"], "\"auto\"");
  EXPECT_EQ(defaults["target.pieces"], "[]");
  EXPECT_EQ(defaults["integrator.dt"], "0.001");
  EXPECT_EQ(defaults["integrator.rtol"], "1e-8");
  EXPECT_EQ(defaults["integrator.max_steps"], "10000000");
}

}  // namespace
}  // namespace blobflow
