// The output metrics of a run (studies/metrics.hpp): OutputMetrics holds a value per key of output_keys(), a name that
// is not a key fails loudly, every key is set by the metric the key table names, and the runs write every key to
// summary.json's metrics.outputs[].
#include "blobflow/studies/metrics.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/studies/run.hpp"

namespace blobflow {
namespace {

/// The message of the std::logic_error that `f` throws, or "" where it throws none.
template <class F>
std::string logic_error_of(F f) {
  try {
    f();
  } catch (const std::logic_error& e) {
    return e.what();
  }
  return "";
}

/// A short run of the default problem (1D Barenblatt, exact truth) or of wpme towards a Gaussian target (steady state,
/// divergences, reference truth), with `overrides`.
RunResult short_run(const std::vector<std::string>& overrides) {
  std::vector<std::string> all{"discretization.particles=40", "problem.t_final=0.3"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  const RunResult r = run_simulation(parse_run_config("", "metrics.toml", all));
  EXPECT_EQ(r.status, RunStatus::ok) << r.message;
  return r;
}
const std::vector<std::string> kTargetRun{
    "problem.equation=wpme", "problem.initial=uniform", "problem.initial_support=[-0.5,0.5]", "problem.t0=0",
    "problem.t_final=0.01", "problem.target=gaussian", "target.mean=[0.0]", "target.covariance=[0.04]"};
const std::vector<std::string> kTargetRun2D{
    "problem.equation=wpme", "problem.initial=uniform", "problem.initial_support=[-0.5,0.5]", "problem.t0=0",
    "problem.t_final=0.01", "problem.dimension=2", "discretization.placement=lattice", "problem.target=uniform",
    "target.box_lo=[-0.6]", "target.box_hi=[0.6]"};

TEST(OutputMetrics, HoldsAValuePerKeyAndNothingElse) {
  OutputMetrics m;
  for (const OutputKey& key : output_keys()) EXPECT_FALSE(m.get(key.name).has_value()) << key.name;
  m.set("w2", 0.5);
  EXPECT_EQ(m.get("w2"), 0.5);
  EXPECT_EQ(m.value(output_key_index("w2")), 0.5);
  EXPECT_FALSE(m.get("w1").has_value());
}

TEST(OutputMetrics, AMisspeltKeyThrowsNamingIt) {
  OutputMetrics m;
  EXPECT_NE(logic_error_of([&] { (void)m.get("w3"); }).find("'w3'"), std::string::npos);
  EXPECT_NE(logic_error_of([&] { m.set("W2", 1.0); }).find("'W2'"), std::string::npos);
  EXPECT_NE(logic_error_of([] { (void)output_key_index("w2 "); }).find("'w2 '"), std::string::npos);
}

TEST(OutputMetrics, KeysAreUniqueAndInTheirTableOrder) {
  std::set<std::string_view> names;
  for (std::size_t k = 0; k < output_keys().size(); ++k) {
    EXPECT_TRUE(names.insert(output_keys()[k].name).second) << output_keys()[k].name;
    EXPECT_EQ(output_key_index(output_keys()[k].name), k);
  }
}

/// Sets a key the key table gives to the truth metric.
class RogueMetric final : public Metric {
 public:
  std::string_view name() const override { return "rogue"; }
  void measure(const MetricInput&, OutputMetrics& out) const override { out.set("w2", 0.0); }
};

TEST(RunMetrics, AMetricThatSetsAKeyOfAnotherThrows) {
  RunMetrics metrics;
  metrics.metrics.push_back(std::make_unique<const RogueMetric>());
  const std::string message = logic_error_of([&] { (void)metrics.measure({}); });
  EXPECT_NE(message.find("'rogue'"), std::string::npos) << message;
  EXPECT_NE(message.find("'w2'"), std::string::npos) << message;
}

TEST(RunMetrics, EveryKeyIsSetByARunAndWrittenToSummaryJson) {
  std::set<std::string> set_somewhere;
  std::vector<std::string> coverage = kTargetRun2D;  // the coverage metrics on the target's box
  coverage.insert(coverage.end(), {"coverage.region_lo=[-0.6]", "coverage.region_hi=[0.6]"});
  const std::vector<std::string> network_sgd_2d{  // R_inf, W2 to rho_inf in 2D, SGD's distance to the flow
      "problem.equation=network", "problem.initial=uniform", "problem.initial_support=[-0.5,0.5]", "problem.t0=0",
      "problem.t_final=0.02", "problem.dimension=2", "discretization.placement=lattice", "problem.target=uniform",
      "target.box_lo=[-1.0]", "target.box_hi=[1.0]", "network.function=quadratic", "network.height=1.2",
      "discretization.epsilon=0.2", "network.training=sgd", "network.batch=16", "network.step=0.01"};
  for (const RunResult& r : {short_run({}), short_run(kTargetRun),
                             short_run({"problem.dimension=2", "discretization.placement=lattice"}),
                             short_run(kTargetRun2D), short_run(coverage), short_run(network_sgd_2d)}) {
    const auto& outputs = r.summary["metrics"]["outputs"];
    ASSERT_EQ(outputs.size(), r.outputs.size());
    for (std::size_t i = 0; i < r.outputs.size(); ++i) {
      EXPECT_EQ(outputs[i]["t"].get<double>(), r.outputs[i].t);
      for (const OutputKey& key : output_keys()) {
        const std::optional<double> v = r.outputs[i].get(key.name);
        const auto& written = outputs[i][std::string(key.name)];
        EXPECT_EQ(v.has_value(), written.is_number()) << key.name;
        if (!v) continue;
        EXPECT_EQ(written.get<double>(), *v) << key.name;
        set_somewhere.emplace(key.name);
      }
    }
  }
  for (const OutputKey& key : output_keys()) EXPECT_TRUE(set_somewhere.contains(std::string(key.name))) << key.name;
}

TEST(RunMetrics, TwoDimensionalRunsMeasureW2ToTheExactSolutionAtTheLatticeRate) {
  // The lattice placement puts cell-centre particles over the Barenblatt disc: their W2 to U(t0) is a quantization
  // error of order h, so quadrupling N halves it. 0.4..0.6 brackets the ratio 1/2 with room for the disc's edge
  // cells; the semi-discrete solves must reach their tolerance.
  /// The residual the solver is asked for (semidiscrete_ot.hpp's default).
  constexpr double kResidual = 1e-12;
  std::vector<double> w2_at_t0;
  for (const int n : {400, 1600}) {
    const RunResult r = short_run({"problem.dimension=2", "discretization.placement=lattice",
                                   "discretization.particles=" + std::to_string(n), "problem.t_final=0.3"});
    for (const OutputMetrics& m : r.outputs) {
      ASSERT_TRUE(m.get("w2").has_value()) << "t = " << m.t;
      EXPECT_LE(m.get("w2_residual").value(), kResidual) << "t = " << m.t;
    }
    w2_at_t0.push_back(r.outputs.front().get("w2").value());
  }
  EXPECT_GT(w2_at_t0[1] / w2_at_t0[0], 0.4);
  EXPECT_LT(w2_at_t0[1] / w2_at_t0[0], 0.6);
}

TEST(RunMetrics, WhyUnwrittenAgreesWithTheKeysARunWrites) {
  // Exact truth (1D and 2D), no exact energy (m = 1), a reference truth with a target, and no truth at all.
  const std::vector<std::vector<std::string>> cases{
      {},
      {"problem.dimension=2", "discretization.placement=lattice", "discretization.particles=49"},
      {"problem.equation=pme", "problem.m=1"},
      kTargetRun,
      {"interaction.kind=gaussian", "interaction.amplitude=0.1"}};
  for (const auto& overrides : cases) {
    std::vector<std::string> all{"discretization.particles=40", "problem.t_final=0.3"};
    all.insert(all.end(), overrides.begin(), overrides.end());
    const RunConfig config = parse_run_config("", "metrics.toml", all);
    const RunResult r = run_simulation(config);
    ASSERT_EQ(r.status, RunStatus::ok) << r.message;
    for (const OutputKey& key : output_keys()) {
      bool written = false;
      for (const OutputMetrics& m : r.outputs) written = written || m.get(key.name).has_value();
      const std::string why = why_unwritten(config, key.name);
      EXPECT_EQ(written, why.empty()) << key.name << " with " << ::testing::PrintToString(overrides) << ": " << why;
    }
  }
}

}  // namespace
}  // namespace blobflow
