// W2 in d = 1, 2, 3 dimensions (wasserstein2d.hpp). The discrete problem is the transport linear program
//   min sum_ij pi_ij |x_i - y_j|^2,  sum_j pi_ij = a_i, sum_i pi_ij = b_j, pi >= 0,
// solved exactly by LEMON's network simplex as a min-cost flow on the complete bipartite graph. The supplies are
// integers (the normalized weights times 2^50, rounded, the rounding remainder put on the largest weight), so both
// sides balance exactly and the simplex never meets a floating-point feasibility question.
// Particles against a density: the density is quantized to its midpoint-grid cell masses and the discrete problem
// is solved on finer and finer grids (the brief of issue "exact Wasserstein errors in 1D and 2D").
#include "blobflow/analysis/wasserstein2d.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include "blobflow/analysis/wasserstein1d.hpp"
#include "describe.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;

/// Total integer supply of each side: every flow and flow sum of the simplex stays below 2^51, far from the int64
/// limit 2^63, while each normalized weight is rounded by at most 2^-51.
constexpr std::int64_t kSupplyScale = std::int64_t{1} << 50;
/// Integer cost budget 2^61 = (largest cost) x (number of nodes + 2). With integer costs LEMON gives its artificial
/// arcs the cost 2^62 and node potentials move away from 0 or 2^62 by sums of costs along tree paths (at most the
/// node count times the largest cost), so every potential and reduced cost stays below 2^62 + 2^61 < 2^63.
constexpr double kCostBudget = 2305843009213693952.0;

/// The largest coordinate magnitude of a point set: squared distances up to 3 (2 kMaxCoordinate)^2 = 1.2e301 stay
/// finite, so every transport cost is a number (an infinite cost made the simplex's integer costs undefined and
/// could make it pivot forever).
constexpr double kMaxCoordinate = 1e150;

void check_dimension(const char* where, int dimension) {
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument(describe(where, "dimension", dimension, "must be 1, 2 or 3"));
}

/// Checks a flat point set and its weights; returns the number of points.
std::size_t check_points(const char* where, int dimension, std::span<const double> x, std::span<const double> w,
                         const std::string& x_name, const std::string& w_name) {
  const auto d = static_cast<std::size_t>(dimension);
  if (x.size() % d != 0)
    throw std::invalid_argument(describe(where, x_name + ".size()", static_cast<double>(x.size()),
                                         "must be a multiple of the dimension " + std::to_string(dimension)));
  const std::size_t n = x.size() / d;
  if (w.size() != n)
    throw std::invalid_argument(describe(where, w_name + ".size()", static_cast<double>(w.size()),
                                         "must equal the number of points " + std::to_string(n)));
  if (n == 0) throw std::invalid_argument(describe(where, "number of points in " + x_name, 0.0, "must be >= 1"));
  double total = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k)
    if (!(std::abs(x[k]) <= kMaxCoordinate))
      throw std::invalid_argument(describe(where, x_name + "[" + std::to_string(k) + "]", x[k],
                                           "must be finite, |x| <= 1e150 (so that squared distances are finite)"));
  for (std::size_t i = 0; i < n; ++i) {
    if (!(w[i] >= 0.0) || !std::isfinite(w[i]))
      throw std::invalid_argument(
          describe(where, w_name + "[" + std::to_string(i) + "]", w[i], "must be finite and >= 0"));
    total += w[i];
  }
  if (!(total > 0.0) || !std::isfinite(total))
    throw std::invalid_argument(describe(where, "sum of " + w_name, total, "must be finite and > 0"));
  return n;
}

/// Integer supplies summing to kSupplyScale exactly, and the indices of the points they belong to (zeros dropped).
struct IntegerMeasure {
  std::vector<std::int64_t> supply;
  std::vector<std::size_t> index;
};

IntegerMeasure to_integer(std::span<const double> w) {
  double total = 0.0;
  for (const double v : w) total += v;
  IntegerMeasure m;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const auto s = static_cast<std::int64_t>(std::llround(w[i] / total * static_cast<double>(kSupplyScale)));
    if (s <= 0) continue;
    m.supply.push_back(s);
    m.index.push_back(i);
    sum += s;
  }
  // Weights whose sum is positive and finite (check_points, quantize) always leave one supply: the largest weight is
  // at least total / n, so it rounds to at least 2^50 / n > 0.
  if (m.supply.empty())
    throw std::invalid_argument(describe("wasserstein2", "sum of weights", total, "must be finite and > 0"));
  // The remainder (a few units per point at most) goes to the largest supply, which stays positive.
  const auto largest = std::max_element(m.supply.begin(), m.supply.end());
  *largest += kSupplyScale - sum;
  return m;
}

double squared_distance(int dimension, std::span<const double> x, std::size_t i, std::span<const double> y,
                        std::size_t j) {
  double s = 0.0;
  for (int k = 0; k < dimension; ++k) {
    const double diff = x[i * static_cast<std::size_t>(dimension) + static_cast<std::size_t>(k)] -
                        y[j * static_cast<std::size_t>(dimension) + static_cast<std::size_t>(k)];
    s += diff * diff;
  }
  return s;
}

/// W2^2 of two checked measures by network simplex. The simplex runs on integer costs too: with floating-point costs
/// its reduced-cost test can take round-off for a negative reduced cost and pivot forever on degenerate problems (met
/// on symmetric product lattices). The costs are scaled so that the largest is kCostBudget / (number of nodes + 2)
/// and rounded; the plan found is optimal for the rounded costs, so its exact cost, evaluated here in double
/// precision, exceeds the optimum by at most one cost quantum max|x_i - y_j|^2 (n + m + 2) 2^-61 (below 1e-14 of
/// the largest cost for 10^4 points).
double discrete_w2_squared(int dimension, std::span<const double> x, std::span<const double> a,
                           std::span<const double> y, std::span<const double> b) {
  const IntegerMeasure mu = to_integer(a);
  const IntegerMeasure nu = to_integer(b);
  const std::size_t n = mu.supply.size();
  const std::size_t m = nu.supply.size();
  std::vector<double> exact_cost(n * m);
  double largest = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      exact_cost[i * m + j] = squared_distance(dimension, x, mu.index[i], y, nu.index[j]);
      largest = std::max(largest, exact_cost[i * m + j]);
    }
  if (largest == 0.0) return 0.0;
  const double quanta = kCostBudget / static_cast<double>(n + m + 2) / largest;

  lemon::SmartDigraph graph;
  graph.reserveNode(static_cast<int>(n + m));
  graph.reserveArc(static_cast<int>(n * m));
  std::vector<lemon::SmartDigraph::Node> sources(n), sinks(m);
  for (auto& node : sources) node = graph.addNode();
  for (auto& node : sinks) node = graph.addNode();
  lemon::SmartDigraph::ArcMap<std::int64_t> cost(graph);
  lemon::SmartDigraph::NodeMap<std::int64_t> supply(graph);
  for (std::size_t i = 0; i < n; ++i) supply[sources[i]] = mu.supply[i];
  for (std::size_t j = 0; j < m; ++j) supply[sinks[j]] = -nu.supply[j];
  std::vector<lemon::SmartDigraph::Arc> arcs(n * m);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) {
      arcs[i * m + j] = graph.addArc(sources[i], sinks[j]);
      cost[arcs[i * m + j]] = std::llround(exact_cost[i * m + j] * quanta);
    }
  using Simplex = lemon::NetworkSimplex<lemon::SmartDigraph, std::int64_t, std::int64_t>;
  Simplex simplex(graph);
  simplex.costMap(cost).supplyMap(supply);
  // Balanced supplies on a complete bipartite graph with uncapacitated arcs: always feasible and bounded.
  if (simplex.run() != Simplex::OPTIMAL)
    throw std::logic_error("wasserstein2_discrete: network simplex did not reach an optimum on a feasible problem");
  double total = 0.0;
  for (std::size_t k = 0; k < arcs.size(); ++k) {
    const std::int64_t flow = simplex.flow(arcs[k]);
    if (flow != 0) total += static_cast<double>(flow) * exact_cost[k];
  }
  return total / static_cast<double>(kSupplyScale);
}

}  // namespace

double wasserstein2_discrete(int dimension, std::span<const double> x, std::span<const double> x_weights,
                             std::span<const double> y, std::span<const double> y_weights) {
  constexpr const char* kWhere = "wasserstein2_discrete";
  check_dimension(kWhere, dimension);
  check_points(kWhere, dimension, x, x_weights, "x", "x_weights");
  check_points(kWhere, dimension, y, y_weights, "y", "y_weights");
  return std::sqrt(std::max(0.0, discrete_w2_squared(dimension, x, x_weights, y, y_weights)));
}

DensityOnBox barenblatt_density(const Barenblatt& profile, double t) {
  if (!(t > 0.0) || !std::isfinite(t))
    throw std::invalid_argument(describe("barenblatt_density", "t", t, "must be finite and > 0"));
  DensityOnBox box;
  box.dimension = profile.dimension();
  if (box.dimension > 3)
    throw std::invalid_argument(describe("barenblatt_density", "dimension", box.dimension, "must be 1, 2 or 3"));
  const double radius = profile.support_radius(t);
  for (int k = 0; k < box.dimension; ++k) {
    box.lo[static_cast<std::size_t>(k)] = -radius;
    box.hi[static_cast<std::size_t>(k)] = radius;
  }
  box.density = [profile, t](std::span<const double> point) { return profile.density(point, t); };
  return box;
}

namespace {

/// Midpoint quantization of a density: cell centres (flat) and their weights (the density there), zero cells dropped.
struct Quantized {
  std::vector<double> centres;
  std::vector<double> masses;
};

Quantized quantize(const DensityOnBox& box, int cells) {
  constexpr const char* kWhere = "wasserstein2_to_density";
  const int d = box.dimension;
  std::array<double, 3> h{};
  for (int k = 0; k < d; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    h[kk] = (box.hi[kk] - box.lo[kk]) / cells;
  }
  double total = 0.0;
  std::size_t n_cells = 1;
  for (int k = 0; k < d; ++k) n_cells *= static_cast<std::size_t>(cells);
  Quantized q;
  std::array<double, 3> centre{};
  for (std::size_t c = 0; c < n_cells; ++c) {
    std::size_t rest = c;
    for (int k = d - 1; k >= 0; --k) {
      const auto kk = static_cast<std::size_t>(k);
      const auto index = rest % static_cast<std::size_t>(cells);
      rest /= static_cast<std::size_t>(cells);
      centre[kk] = box.lo[kk] + (static_cast<double>(index) + 0.5) * h[kk];
    }
    const std::span<const double> point(centre.data(), static_cast<std::size_t>(d));
    const double value = box.density(point);
    if (!(value >= 0.0) || !std::isfinite(value))
      throw std::invalid_argument(describe(kWhere, "density at a cell centre", value, "must be finite and >= 0"));
    if (value == 0.0) continue;
    q.centres.insert(q.centres.end(), point.begin(), point.end());
    // Every cell has the same volume and the weights are normalized, so the density value itself is the weight:
    // value * volume can underflow to 0 for a tiny box (a subnormal density times a small cell).
    q.masses.push_back(value);
    total += value;
  }
  if (!std::isfinite(total))
    throw std::invalid_argument(describe(kWhere, "sum of the density at the cell centres", total, "must be finite"));
  if (q.masses.empty())
    throw std::invalid_argument(describe(kWhere, "density", 0.0, "must be positive somewhere on the grid"));
  return q;
}

}  // namespace

RefinedDistance wasserstein2_to_density(std::span<const double> x, std::span<const double> weights,
                                        const DensityOnBox& density, const QuadratureRefinement& refinement) {
  constexpr const char* kWhere = "wasserstein2_to_density";
  const int d = density.dimension;
  check_dimension(kWhere, d);
  check_points(kWhere, d, x, weights, "x", "weights");
  if (!density.density) throw std::invalid_argument(describe(kWhere, "density.density", 0.0, "must be set"));
  for (int k = 0; k < d; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    if (!std::isfinite(density.lo[kk]) || !std::isfinite(density.hi[kk]) || !(density.lo[kk] < density.hi[kk]))
      throw std::invalid_argument(describe(kWhere, "box hi[" + std::to_string(k) + "]", density.hi[kk],
                                           "must be finite and > lo = " + detail::format_value(density.lo[kk])));
  }
  if (refinement.initial_cells_per_axis < 1)
    throw std::invalid_argument(
        describe(kWhere, "initial_cells_per_axis", refinement.initial_cells_per_axis, "must be >= 1"));
  if (refinement.max_cells_per_axis < refinement.initial_cells_per_axis)
    throw std::invalid_argument(describe(kWhere, "max_cells_per_axis", refinement.max_cells_per_axis,
                                         "must be >= initial_cells_per_axis = " +
                                             std::to_string(refinement.initial_cells_per_axis)));
  if (!(refinement.relative_tolerance > 0.0))
    throw std::invalid_argument(
        describe(kWhere, "relative_tolerance", refinement.relative_tolerance, "must be > 0"));

  RefinedDistance result;
  result.uncertainty = std::numeric_limits<double>::infinity();
  for (int cells = refinement.initial_cells_per_axis; cells <= refinement.max_cells_per_axis; cells *= 2) {
    const Quantized q = quantize(density, cells);
    const double w2 = std::sqrt(std::max(0.0, discrete_w2_squared(d, x, weights, q.centres, q.masses)));
    if (!result.history.empty()) result.uncertainty = std::abs(w2 - result.history.back());
    result.history.push_back(w2);
    result.w2 = w2;
    result.cells_per_axis = cells;
    result.converged = result.uncertainty <= refinement.relative_tolerance * w2;
    if (result.converged) break;
  }
  return result;
}

double barenblatt_trajectory_bound(const Barenblatt& profile, double t0, double t, std::span<const double> x_t0,
                                   std::span<const double> x_t, std::span<const double> weights, double w2_t0) {
  constexpr const char* kWhere = "barenblatt_trajectory_bound";
  const int d = profile.dimension();
  check_dimension(kWhere, d);
  const std::size_t n = check_points(kWhere, d, x_t, weights, "x_t", "weights");
  check_points(kWhere, d, x_t0, weights, "x_t0", "weights");
  if (!(t0 > 0.0) || !std::isfinite(t0)) throw std::invalid_argument(describe(kWhere, "t0", t0, "must be > 0"));
  if (!(t >= t0) || !std::isfinite(t))
    throw std::invalid_argument(describe(kWhere, "t", t, "must be finite and >= t0 = " + detail::format_value(t0)));
  if (!(w2_t0 >= 0.0) || !std::isfinite(w2_t0))
    throw std::invalid_argument(describe(kWhere, "w2_t0", w2_t0, "must be finite and >= 0"));
  // docs/math.md §4.1: U(x, tau) = tau^-alpha F(x tau^-beta), so the dilation by (tau/tau0)^beta transports U(tau0)
  // onto U(tau); with tau = D t (§4.4) the ratio is (t/t0)^beta for every D.
  const double s = std::pow(t / t0, profile.beta());
  double total = 0.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double r2 = 0.0;
    for (int k = 0; k < d; ++k) {
      const std::size_t c = i * static_cast<std::size_t>(d) + static_cast<std::size_t>(k);
      const double diff = x_t[c] - s * x_t0[c];
      r2 += diff * diff;
    }
    sum += weights[i] * r2;
    total += weights[i];
  }
  return std::sqrt(sum / total) + s * w2_t0;
}

std::vector<double> slicing_directions(int dimension, int n_directions) {
  constexpr const char* kWhere = "slicing_directions";
  check_dimension(kWhere, dimension);
  if (n_directions < 1) throw std::invalid_argument(describe(kWhere, "n_directions", n_directions, "must be >= 1"));
  std::vector<double> directions;
  if (dimension == 1) {
    directions.assign(static_cast<std::size_t>(n_directions), 1.0);
    return directions;
  }
  const double K = n_directions;
  for (int k = 0; k < n_directions; ++k) {
    if (dimension == 2) {
      const double a = std::numbers::pi * (k + 0.5) / K;
      directions.push_back(std::cos(a));
      directions.push_back(std::sin(a));
    } else {
      // Spherical Fibonacci point set; golden angle pi (3 - sqrt 5).
      const double z = 1.0 - (2.0 * k + 1.0) / K;
      const double r = std::sqrt(std::max(0.0, 1.0 - z * z));
      const double phi = k * std::numbers::pi * (3.0 - std::sqrt(5.0));
      directions.push_back(r * std::cos(phi));
      directions.push_back(r * std::sin(phi));
      directions.push_back(z);
    }
  }
  return directions;
}

double sliced_wasserstein2(int dimension, std::span<const double> x, std::span<const double> x_weights,
                           std::span<const double> y, std::span<const double> y_weights, int n_directions) {
  constexpr const char* kWhere = "sliced_wasserstein2";
  check_dimension(kWhere, dimension);
  const std::size_t n = check_points(kWhere, dimension, x, x_weights, "x", "x_weights");
  const std::size_t m = check_points(kWhere, dimension, y, y_weights, "y", "y_weights");
  const std::vector<double> directions = slicing_directions(dimension, n_directions);
  const auto d = static_cast<std::size_t>(dimension);
  std::vector<double> px(n), py(m);
  double sum = 0.0;
  for (int k = 0; k < n_directions; ++k) {
    const double* theta = directions.data() + static_cast<std::size_t>(k) * d;
    for (std::size_t i = 0; i < n; ++i) {
      px[i] = 0.0;
      for (std::size_t c = 0; c < d; ++c) px[i] += theta[c] * x[i * d + c];
    }
    for (std::size_t j = 0; j < m; ++j) {
      py[j] = 0.0;
      for (std::size_t c = 0; c < d; ++c) py[j] += theta[c] * y[j * d + c];
    }
    const double w2 = wasserstein_1d(px, x_weights, py, y_weights).w2;
    sum += w2 * w2;
  }
  return std::sqrt(sum / n_directions);
}

}  // namespace blobflow::analysis
