// The densities of a run for the report's density figures (see report_densities.hpp).
#include "blobflow/studies/report_densities.hpp"

#include <cmath>
#include <memory>
#include <sstream>

#include <toml++/toml.h>

#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/exact.hpp"
#include "blobflow/studies/run.hpp"

namespace blobflow {
namespace {

/// A Gaussian target's box: mean +- this many standard deviations (outside: < 2e-9 of its mass), as for the
/// divergences of run.cpp.
constexpr double kGaussianBoxRadius = 6.0;
/// Midpoint cells of the normalization int_B rhobar: the error is O(cell) at a jump of a piecewise target, here
/// below 1e-4 relative, invisible in a figure.
constexpr int kNormalizationCells = 20000;

/// A JSON value of summary.config as a TOML node (nulls are left out by the caller).
toml::table to_toml(const nlohmann::json& object);

void append(toml::array& array, const nlohmann::json& v) {
  if (v.is_object()) array.push_back(to_toml(v));
  else if (v.is_array()) {
    toml::array inner;
    for (const auto& e : v) append(inner, e);
    array.push_back(std::move(inner));
  } else if (v.is_string()) array.push_back(v.get<std::string>());
  else if (v.is_boolean()) array.push_back(v.get<bool>());
  else if (v.is_number_integer()) array.push_back(v.get<std::int64_t>());
  else if (v.is_number()) array.push_back(v.get<double>());
}

toml::table to_toml(const nlohmann::json& object) {
  toml::table t;
  for (const auto& [key, v] : object.items()) {
    if (v.is_null()) continue;
    if (v.is_object()) t.insert(key, to_toml(v));
    else if (v.is_array()) {
      toml::array a;
      for (const auto& e : v) append(a, e);
      t.insert(key, std::move(a));
    } else if (v.is_string()) t.insert(key, v.get<std::string>());
    else if (v.is_boolean()) t.insert(key, v.get<bool>());
    else if (v.is_number_integer()) t.insert(key, v.get<std::int64_t>());
    else if (v.is_number()) t.insert(key, v.get<double>());
  }
  return t;
}

/// The box [lo, hi] of a 1D target: its support (uniform box, union of pieces), mean +- kGaussianBoxRadius sd.
std::optional<std::pair<double, double>> target_box(const TargetSpec& t) {
  if (t.kind == "uniform" && !t.box_lo.empty()) return std::pair{t.box_lo[0], t.box_hi[0]};
  double lo = INFINITY, hi = -INFINITY;
  if (t.kind == "piecewise") {
    for (const TargetBox& b : t.pieces) lo = std::min(lo, b.lo[0]), hi = std::max(hi, b.hi[0]);
  } else if (t.kind == "gaussian") {
    const double sd = std::sqrt(t.covariance[0]);
    lo = t.mean[0] - kGaussianBoxRadius * sd, hi = t.mean[0] + kGaussianBoxRadius * sd;
  } else if (t.kind == "mixture") {
    for (std::size_t c = 0; c < t.weights.size(); ++c) {
      const double sd = std::sqrt(t.covariances[c]);
      lo = std::min(lo, t.means[c] - kGaussianBoxRadius * sd), hi = std::max(hi, t.means[c] + kGaussianBoxRadius * sd);
    }
  } else {
    return std::nullopt;
  }
  return std::pair{lo, hi};
}

}  // namespace

std::optional<reports::RunDensities> run_densities(const nlohmann::json& record) {
  if (!record.contains("summary") || !record["summary"].is_object()) return std::nullopt;
  const nlohmann::json& summary = record["summary"];
  const auto eps = summary["resolved"].value("epsilon", nlohmann::json());
  if (!eps.is_number() || !summary["config"].is_object()) return std::nullopt;
  std::ostringstream text;
  text << to_toml(summary["config"]);
  RunConfig config;
  try {
    config = parse_run_config(text.str(), "summary.config of run " + record.value("id", std::string("?")));
  } catch (const ConfigError&) {
    return std::nullopt;  // a record of an older blobflow: no figure rather than a wrong one
  }
  if (config.problem.dimension != 1) return std::nullopt;

  reports::RunDensities out;
  const auto zeta = mollifier_function(config.discretization.mollifier, 1, eps.get<double>());
  out.mollifier = [zeta](double z) { return zeta(std::span<const double>(&z, 1)); };
  if (config.problem.equation == "wpme" && !is_uniform_on_whole_space(config.target)) {
    if (const auto box = target_box(config.target)) {
      std::shared_ptr<const Target> target = make_target(config.target, 1);
      const auto [lo, hi] = *box;
      const double cell = (hi - lo) / kNormalizationCells;
      double mass = 0.0;
      for (int k = 0; k < kNormalizationCells; ++k) {
        const double y = lo + (k + 0.5) * cell;
        mass += target->density(std::span<const double>(&y, 1)) * cell;
      }
      out.target = [target, mass](double y) { return target->density(std::span<const double>(&y, 1)) / mass; };
      out.target_lo = lo, out.target_hi = hi;
    }
  }
  std::shared_ptr<const ExactSolution> exact;
  try {
    exact = prepare_problem(config).exact;
  } catch (const ConfigError&) {
    return std::nullopt;
  }
  if (exact) {
    const double total = config.problem.mass;
    out.exact = [exact, total](double x, double t) { return exact->density(std::span<const double>(&x, 1), t) / total; };
  }
  return out;
}

}  // namespace blobflow
