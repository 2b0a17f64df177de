// densities.csv of a 1D run (see density_table.hpp).
#include "blobflow/studies/density_table.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

/// Midpoint cells of the normalization int_B rhobar: the error is O(cell) at a jump of a piecewise target, here
/// below 1e-4 relative, invisible in a figure.
constexpr int kNormalizationCells = 20000;

/// rhobar / int_B rhobar of a wpme run towards a target with a box, and that box; empty otherwise.
struct NormalizedTarget {
  std::function<double(double)> density;
  double lo = 0.0, hi = 0.0;
};

std::optional<NormalizedTarget> normalized_target(const RunConfig& config) {
  if (!equation_has_target(config.problem.equation) || is_uniform_on_whole_space(config.target)) return std::nullopt;
  std::shared_ptr<const Target> target = make_target(config.target, 1);
  const std::optional<AxisBox> box = target->box();
  if (!box) return std::nullopt;
  const double lo = box->lo[0], hi = box->hi[0];
  const double cell = (hi - lo) / kNormalizationCells;
  double mass = 0.0;
  for (int k = 0; k < kNormalizationCells; ++k) {
    const double y = lo + (k + 0.5) * cell;
    mass += target->density(std::span<const double>(&y, 1)) * cell;
  }
  return NormalizedTarget{[target, mass](double y) { return target->density(std::span<const double>(&y, 1)) / mass; },
                          lo, hi};
}

/// "%.17g" of v (round-trip exact), or nothing for an absent value.
std::string number(std::optional<double> v) {
  if (!v) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", *v);
  return buffer;
}

}  // namespace

std::string density_table_csv(const RunConfig& config, double eps, const std::shared_ptr<const ExactSolution>& exact,
                              std::span<const double> masses, const std::vector<DensitySnapshot>& snapshots) {
  if (config.problem.dimension != 1 || snapshots.empty()) return "";
  // The particles by output time (one block per distinct time, in increasing order), as particles.csv lists them.
  std::map<double, std::vector<std::pair<double, double>>> by_time;
  for (const DensitySnapshot& s : snapshots)
    for (std::size_t i = 0; i < masses.size(); ++i) by_time[s.t].emplace_back(s.x[i], masses[i]);
  const auto target = normalized_target(config);
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& [t, particles] : by_time)
    for (const auto& [x, m] : particles) lo = std::min(lo, x), hi = std::max(hi, x);
  lo -= kDensityMarginEps * eps, hi += kDensityMarginEps * eps;
  if (target) lo = std::min(lo, target->lo), hi = std::max(hi, target->hi);
  std::vector<double> grid(kDensityGridPoints);
  for (std::size_t k = 0; k < grid.size(); ++k) grid[k] = lo + (hi - lo) * double(k) / double(grid.size() - 1);

  const auto zeta = mollifier_function(config.discretization.mollifier, 1, eps);
  std::string csv = "t,x,blob,exact,target\n";
  for (const auto& [t, particles] : by_time) {
    double mass = 0.0;
    for (const auto& [x, m] : particles) mass += m;
    for (double y : grid) {
      double sum = 0.0;
      for (const auto& [x, m] : particles) {
        const double z = y - x;
        sum += m * zeta(std::span<const double>(&z, 1));
      }
      const std::optional<double> u =
          exact ? std::optional<double>(exact->density(std::span<const double>(&y, 1), t) / config.problem.mass)
                : std::nullopt;
      csv += number(t) + "," + number(y) + "," + number(sum / mass) + "," + number(u) + "," +
             number(target ? std::optional<double>(target->density(y)) : std::nullopt) + "\n";
    }
  }
  return csv;
}

}  // namespace blobflow
