// densities.csv of a 1D or 2D run (see density_table.hpp).
#include "blobflow/studies/density_table.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "blobflow/solvers/network.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

/// Midpoint cells of the normalization int_B rhobar in 1D: the error is O(cell) at a jump of a piecewise target, here
/// below 1e-4 relative, invisible in a figure.
constexpr int kNormalizationCells = 20000;
/// The same per axis in 2D (10^6 cells): a jump along a line costs O(cell) = 1e-3 of the box relative, invisible in a
/// heat map.
constexpr int kNormalizationCells2D = 1000;

/// rhobar / int_B rhobar of a wpme run towards a target with a box, and that box; empty otherwise.
struct NormalizedTarget {
  std::function<double(std::span<const double>)> density;
  std::array<double, 3> lo{}, hi{};
};

/// The target of a run in d = 1 or 2 dimensions, normalized by the midpoint rule on its box.
std::optional<NormalizedTarget> normalized_target(const RunConfig& config, int d) {
  if (!equation_has_target(config.problem.equation) || is_uniform_on_whole_space(config.target)) return std::nullopt;
  if (config.problem.equation == kNetworkEquationName) {  // [target] is nu: the column holds f* / M on nu's box
    const std::optional<AxisBox> box = make_network_data(config.target, d)->box();
    if (!box) return std::nullopt;
    return NormalizedTarget{[f = make_network_function(config.network, d), m = config.problem.mass](
                                std::span<const double> y) { return f(y) / m; },
                            box->lo, box->hi};
  }
  std::shared_ptr<const Target> target = make_target(config.target, d);
  const std::optional<AxisBox> box = target->box();
  if (!box) return std::nullopt;
  const int cells = d == 1 ? kNormalizationCells : kNormalizationCells2D;
  const double dy0 = (box->hi[0] - box->lo[0]) / cells;
  const double dy1 = d == 1 ? 1.0 : (box->hi[1] - box->lo[1]) / cells;
  double mass = 0.0;
  for (int k1 = 0; k1 < (d == 1 ? 1 : cells); ++k1)
    for (int k0 = 0; k0 < cells; ++k0) {
      const std::array<double, 2> y = {box->lo[0] + (k0 + 0.5) * dy0, box->lo[1] + (k1 + 0.5) * dy1};
      mass += target->density(std::span<const double>(y.data(), static_cast<std::size_t>(d))) * dy0 * dy1;
    }
  return NormalizedTarget{[target, mass](std::span<const double> y) { return target->density(y) / mass; }, box->lo,
                          box->hi};
}

/// v with `digits` significant digits ("%.17g": round-trip exact), or nothing for an absent value.
std::string number(std::optional<double> v, int digits = 17) {
  if (!v) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, *v);
  return buffer;
}

/// `n` points from lo to hi, both included.
std::vector<double> grid_points(double lo, double hi, std::size_t n) {
  std::vector<double> grid(n);
  for (std::size_t k = 0; k < n; ++k) grid[k] = lo + (hi - lo) * double(k) / double(n - 1);
  return grid;
}

/// At most `count` of the indices 0..n-1, evenly spread and including the first and the last: the times a report
/// draws from a table of n (study_report.cpp, spread_indices).
std::vector<std::size_t> spread_indices(std::size_t n, std::size_t count) {
  std::vector<std::size_t> out;
  const std::size_t m = std::min(n, count);
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = m == 1 ? n - 1 : (k * (n - 1) + (m - 1) / 2) / (m - 1);
    if (out.empty() || out.back() != i) out.push_back(i);
  }
  return out;
}

std::string density_table_1d(const RunConfig& config, double eps, const ExactSolution* exact,
                             std::span<const double> masses, const std::vector<DensitySnapshot>& snapshots) {
  // The particles by output time (one block per distinct time, in increasing order), as particles.csv lists them.
  std::map<double, std::vector<std::pair<double, double>>> by_time;
  for (const DensitySnapshot& s : snapshots) {
    const std::span<const double> ms = s.masses.empty() ? masses : s.masses;
    by_time[s.t].clear();
    for (std::size_t i = 0; i < ms.size(); ++i) by_time[s.t].emplace_back(s.x[i], ms[i]);
  }
  const auto target = normalized_target(config, 1);
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& [t, particles] : by_time)
    for (const auto& [x, m] : particles) lo = std::min(lo, x), hi = std::max(hi, x);
  lo -= kDensityMarginEps * eps, hi += kDensityMarginEps * eps;
  if (target) lo = std::min(lo, target->lo[0]), hi = std::max(hi, target->hi[0]);
  const std::vector<double> grid = grid_points(lo, hi, kDensityGridPoints);

  const auto zeta = mollifier_function(config.discretization.mollifier, 1, eps);
  std::string csv = "t,x,blob,exact,target\n";
  for (const auto& [t, particles] : by_time) {
    double mass = 0.0;
    for (const auto& [x, m] : particles) mass += m;
    for (double y : grid) {
      const std::span<const double> at(&y, 1);
      double sum = 0.0;
      for (const auto& [x, m] : particles) {
        const double z = y - x;
        sum += m * zeta(std::span<const double>(&z, 1));
      }
      const std::optional<double> u =
          exact ? std::optional<double>(exact->density(at, t) / config.problem.mass) : std::nullopt;
      csv += number(t) + "," + number(y) + "," + number(sum / mass) + "," + number(u) + "," +
             number(target ? std::optional<double>(target->density(at)) : std::nullopt) + "\n";
    }
  }
  return csv;
}

std::string density_table_2d(const RunConfig& config, double eps, const ExactSolution* exact,
                             std::span<const double> masses, const std::vector<DensitySnapshot>& snapshots) {
  // One snapshot per distinct time in increasing order (a repeated time keeps its last), then the times written.
  std::map<double, DensitySnapshot> by_time;
  for (const DensitySnapshot& s : snapshots) {
    by_time[s.t] = s;
    if (s.masses.empty()) by_time[s.t].masses = masses;
  }
  const std::vector<std::pair<double, DensitySnapshot>> all(by_time.begin(), by_time.end());
  std::vector<DensitySnapshot> written;
  for (std::size_t k : spread_indices(all.size(), kDensityTimes2D)) written.push_back(all[k].second);

  const auto target = normalized_target(config, 2);
  std::array<double, 2> lo = {INFINITY, INFINITY}, hi = {-INFINITY, -INFINITY};
  for (const DensitySnapshot& s : written)
    for (std::size_t i = 0; i < s.masses.size(); ++i)
      for (std::size_t c = 0; c < 2; ++c)
        lo[c] = std::min(lo[c], s.x[2 * i + c]), hi[c] = std::max(hi[c], s.x[2 * i + c]);
  std::array<std::vector<double>, 2> grid;
  for (std::size_t c = 0; c < 2; ++c) {
    lo[c] -= kDensityMarginEps * eps, hi[c] += kDensityMarginEps * eps;
    if (target) lo[c] = std::min(lo[c], target->lo[c]), hi[c] = std::max(hi[c], target->hi[c]);
    grid[c] = grid_points(lo[c], hi[c], kDensityGridPoints2D);
  }
  // The target does not change with time: its column once, in the grid's order (x1 fastest).
  std::vector<std::string> target_cells(kDensityGridPoints2D * kDensityGridPoints2D);
  if (target)
    for (std::size_t k2 = 0; k2 < kDensityGridPoints2D; ++k2)
      for (std::size_t k1 = 0; k1 < kDensityGridPoints2D; ++k1) {
        const std::array<double, 2> y = {grid[0][k1], grid[1][k2]};
        target_cells[k2 * kDensityGridPoints2D + k1] = number(target->density(y), kDensityDigits2D);
      }

  const auto zeta = mollifier_function(config.discretization.mollifier, 2, eps);
  std::string csv = "t,x1,x2,blob,exact,target\n";
  for (const auto& [t, x, ms] : written) {
    double mass = 0.0;
    for (double m : ms) mass += m;
    const std::string time = number(t);
    for (std::size_t k2 = 0; k2 < kDensityGridPoints2D; ++k2)
      for (std::size_t k1 = 0; k1 < kDensityGridPoints2D; ++k1) {
        const std::array<double, 2> y = {grid[0][k1], grid[1][k2]};
        double sum = 0.0;
        for (std::size_t i = 0; i < ms.size(); ++i) {
          const std::array<double, 2> z = {y[0] - x[2 * i], y[1] - x[2 * i + 1]};
          sum += ms[i] * zeta(z);
        }
        const std::optional<double> u =
            exact ? std::optional<double>(exact->density(y, t) / config.problem.mass) : std::nullopt;
        csv += time + "," + number(y[0], kDensityDigits2D) + "," + number(y[1], kDensityDigits2D) + "," +
               number(sum / mass, kDensityDigits2D) + "," + number(u, kDensityDigits2D) + "," +
               target_cells[k2 * kDensityGridPoints2D + k1] + "\n";
      }
  }
  return csv;
}

}  // namespace

std::string density_table_csv(const RunConfig& config, double eps, const std::shared_ptr<const ExactSolution>& exact,
                              std::span<const double> masses, const std::vector<DensitySnapshot>& snapshots) {
  if (snapshots.empty()) return "";
  switch (config.problem.dimension) {
    case 1: return density_table_1d(config, eps, exact.get(), masses, snapshots);
    case 2: return density_table_2d(config, eps, exact.get(), masses, snapshots);
    default: return "";  // 3D: no table (a grid fine enough for eps would be large, and no figure draws it)
  }
}

}  // namespace blobflow
