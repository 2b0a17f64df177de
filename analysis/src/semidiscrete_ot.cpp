// The damped Newton solve of semi-discrete optimal transport (semidiscrete_ot.hpp, docs/math.md §6.1).
//
// Unknowns: the power weights w of the distinct particle positions y_i with target masses nu_i (sum 1).
// m_i(w) = int_{L_i(w)} rho; for cells i != j sharing the facet F_ij, dm_i/dw_j = -c_ij with
// c_ij = int_{F_ij} rho dsigma / (2 |y_i - y_j|) and dm_i/dw_i = sum_j c_ij: a weighted graph Laplacian whose kernel is
// the constants, so one weight is held fixed (the best connected cell's) and the reduced system is SPD (sparse
// LDL^T). Kitagawa–Mérigot–Thibert damping: with eps0 = min(min_i m_i(w0), min_i nu_i)/2, a step alpha d is accepted
// when every cell keeps a mass >= eps0 and |m - nu| (Euclidean) falls to at most (1 - alpha/2) times its value; alpha
// starts at 1 and is halved.
#include "blobflow/analysis/semidiscrete_ot.hpp"

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "blobflow/analysis/power_diagram.hpp"

namespace blobflow::analysis {

std::string_view to_string(SemiDiscreteStatus status) {
  switch (status) {
    case SemiDiscreteStatus::converged: return "converged";
    case SemiDiscreteStatus::max_iterations: return "max_iterations";
    case SemiDiscreteStatus::line_search_failed: return "line_search_failed";
    case SemiDiscreteStatus::singular_system: return "singular_system";
    case SemiDiscreteStatus::empty_start_cell: return "empty_start_cell";
  }
  return "unknown";
}

namespace {

/// Halvings of the Newton step before the line search gives up: alpha = 2^-40 ~ 1e-12 no longer moves the weights
/// measurably.
constexpr int kMaxHalvings = 40;
/// Halvings of the shrink factor t of the start before it gives up (t = 2^-60: every seed is then within 1e-18 of
/// the centre relative to its distance, which no interior can fail to hold unless the centre is not interior).
constexpr int kMaxShrinks = 60;
/// Bisections of the shrink factor once a valid one is found: 2^-10 of it is close enough to the largest.
constexpr int kShrinkBisections = 10;

/// The distinct particle positions and their normalized masses.
struct Seeds {
  int d = 0;
  std::vector<double> y;   // n d coordinates
  std::vector<double> nu;  // n masses, sum 1
  std::size_t n_merged = 0;
  std::size_t size() const { return nu.size(); }
  Point3 point(std::size_t i) const {
    Point3 p{};
    for (int k = 0; k < d; ++k) p[k] = y[i * d + k];
    return p;
  }
};

void check_input(std::span<const double> x, std::span<const double> masses, int d,
                 const SemiDiscreteOptions& options) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("semidiscrete_w2: " + what); };
  if (d < 1 || d > 3) fail("law dimension = " + std::to_string(d) + ": must be 1, 2 or 3");
  if (x.size() % d != 0) fail("x has " + std::to_string(x.size()) + " values: must be a multiple of d = " + std::to_string(d));
  if (masses.size() != x.size() / d)
    fail(std::to_string(masses.size()) + " masses for " + std::to_string(x.size() / d) + " particles: must match");
  if (masses.empty()) fail("no particles: need at least one");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i])) fail("particle " + std::to_string(i / d) + " has a non-finite coordinate");
  double total = 0.0;
  for (std::size_t i = 0; i < masses.size(); ++i) {
    if (!std::isfinite(masses[i]) || masses[i] < 0.0)
      fail("particle " + std::to_string(i) + " has mass " + std::to_string(masses[i]) + ": must be finite and >= 0");
    total += masses[i];
  }
  if (!(total > 0.0)) fail("the masses sum to 0: at least one must be > 0");
  if (!(options.tolerance > 0.0)) fail("tolerance = " + std::to_string(options.tolerance) + ": must be > 0");
  if (options.max_iterations < 1)
    fail("max_iterations = " + std::to_string(options.max_iterations) + ": must be >= 1");
}

/// Validated, normalized particles with coinciding positions merged (first occurrence keeps its place) and those of
/// zero mass dropped.
Seeds merge_particles(std::span<const double> x, std::span<const double> masses, int d) {
  const std::size_t n = masses.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto less = [&](std::size_t a, std::size_t b) {
    for (int k = 0; k < d; ++k)
      if (x[a * d + k] != x[b * d + k]) return x[a * d + k] < x[b * d + k];
    return a < b;
  };
  std::sort(order.begin(), order.end(), less);
  std::vector<std::size_t> representative(n);
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t i = order[r];
    const bool same = r > 0 && std::equal(x.begin() + i * d, x.begin() + (i + 1) * d, x.begin() + order[r - 1] * d);
    representative[i] = same ? representative[order[r - 1]] : i;
  }
  Seeds seeds;
  seeds.d = d;
  std::vector<std::size_t> slot(n, n);
  const double total = std::accumulate(masses.begin(), masses.end(), 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    if (masses[i] == 0.0) continue;  // carries nothing: no cell
    const std::size_t rep = representative[i];
    if (slot[rep] == n) {
      slot[rep] = seeds.nu.size();
      seeds.nu.push_back(0.0);
      seeds.y.insert(seeds.y.end(), x.begin() + rep * d, x.begin() + (rep + 1) * d);
    }
    seeds.nu[slot[rep]] += masses[i] / total;
  }
  seeds.n_merged = static_cast<std::size_t>(std::count_if(masses.begin(), masses.end(), [](double m) { return m > 0.0; })) -
                   seeds.size();
  return seeds;
}

/// The cell integrals at one set of weights.
struct Evaluation {
  std::vector<double> mass;
  double cost = 0.0;  // sum_i int_{L_i} |x - y_i|^2 rho
  std::vector<Eigen::Triplet<double>> jacobian;
};

Evaluation evaluate(const PowerDiagram& diagram, const Seeds& seeds, const LawND& law, std::span<const double> w) {
  Evaluation e;
  e.mass.assign(seeds.size(), 0.0);
  CellIntegrals integrals;
  diagram.for_each_cell(w, [&](std::size_t i, const ConvexCell& cell) {
    if (cell.empty()) return;
    const Point3 yi = seeds.point(i);
    law.integrate(cell, yi, integrals);
    e.mass[i] = integrals.mass;
    e.cost += integrals.second;
    for (std::size_t f = 0; f < cell.facets.size(); ++f) {
      const int j = cell.facets[f].neighbour;
      if (j == ConvexCell::kBoundary || integrals.facet_mass[f] == 0.0) continue;
      const Point3 yj = seeds.point(static_cast<std::size_t>(j));
      double dist2 = 0.0;
      for (int k = 0; k < seeds.d; ++k) dist2 += (yj[k] - yi[k]) * (yj[k] - yi[k]);
      // Each cell adds half of its facet's coefficient to both rows, so the assembled matrix is symmetric even where
      // the two cells' facet integrals differ by round-off.
      const double c = 0.5 * integrals.facet_mass[f] / (2.0 * std::sqrt(dist2));
      const auto ii = static_cast<int>(i);
      e.jacobian.emplace_back(ii, ii, c);
      e.jacobian.emplace_back(j, j, c);
      e.jacobian.emplace_back(ii, j, -c);
      e.jacobian.emplace_back(j, ii, -c);
    }
  });
  return e;
}

/// Start weights with every cell holding its seed's pull toward the centre (docs/math.md §6.1): the Laguerre cells
/// of (y, w_i = |y_i|^2 - |z_i|^2 / t) are the Voronoi cells of z_i = c + t (y_i - c), and t is halved from 1 until
/// every z_i is interior to the law, so each cell holds a neighbourhood of a point of positive density. (For a
/// support that is star-shaped about c, every smaller t then works too.)
std::vector<double> start_weights(const Seeds& seeds, const LawND& law) {
  const std::size_t n = seeds.size();
  std::vector<double> w(n, 0.0);
  const Point3 c = law.centre();
  double t = 1.0;
  auto all_interior = [&](double shrink) {
    for (std::size_t i = 0; i < n; ++i) {
      Point3 z = c;
      const Point3 y = seeds.point(i);
      for (int k = 0; k < seeds.d; ++k) z[k] = c[k] + shrink * (y[k] - c[k]);
      if (!law.interior(z)) return false;
    }
    return true;
  };
  for (int s = 0; s < kMaxShrinks && !all_interior(t); ++s) t *= 0.5;
  if (t == 1.0) return w;
  // Then the largest such t to within kShrinkBisections halvings of the bracket [t, 2t]: the weights spread by
  // (1 - t) |y_i - c|^2, and the less they spread the fewer seeds the power diagram has to search per cell.
  double hi = std::min(1.0, 2.0 * t);
  for (int s = 0; s < kShrinkBisections; ++s) {
    const double mid = 0.5 * (t + hi);
    (all_interior(mid) ? t : hi) = mid;
  }
  // w_i = |y_i|^2 - |z_i|^2 / t with |z_i|^2 / t = |c|^2 / t + 2 c.(y_i - c) + t |y_i - c|^2; the constant |c|^2 / t
  // is left out (the same constant in every weight changes no cell), since it grows like 1/t and would swamp the
  // differences of the weights, which alone place the facets.
  for (std::size_t i = 0; i < n; ++i) {
    const Point3 y = seeds.point(i);
    double y2 = 0.0, cy = 0.0, dy2 = 0.0;
    for (int k = 0; k < seeds.d; ++k) {
      y2 += y[k] * y[k];
      cy += c[k] * (y[k] - c[k]);
      dy2 += (y[k] - c[k]) * (y[k] - c[k]);
    }
    w[i] = y2 - 2.0 * cy - t * dy2;
  }
  return w;
}

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double r = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) r = std::max(r, std::abs(a[i] - b[i]));
  return r;
}

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double r = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) r += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(r);
}

/// The Newton direction: J d = nu - m with d_0 = 0 (J's kernel is the constants). Empty on failure.
/// The Newton step with the weight of the cell of the largest Jacobian diagonal held fixed: the reduced system's
/// pivots are then bounded by a strong connection. Holding a cell far in a law's tail fixed instead (diagonal ~1e-30
/// of the bulk's) bounds every pivot by that cell's conductance, and the LDL^T loses them all to round-off.
std::vector<double> newton_direction(const Evaluation& e, const Seeds& seeds) {
  const std::size_t n = seeds.size();
  std::vector<double> diagonal(n, 0.0);
  for (const auto& t : e.jacobian)
    if (t.row() == t.col()) diagonal[static_cast<std::size_t>(t.row())] += t.value();
  const auto fixed = static_cast<Eigen::Index>(std::max_element(diagonal.begin(), diagonal.end()) - diagonal.begin());
  const auto reduced_index = [fixed](Eigen::Index i) { return i < fixed ? i : i - 1; };
  std::vector<Eigen::Triplet<double>> reduced;
  reduced.reserve(e.jacobian.size());
  for (const auto& t : e.jacobian)
    if (t.row() != fixed && t.col() != fixed)
      reduced.emplace_back(reduced_index(t.row()), reduced_index(t.col()), t.value());
  const auto m = static_cast<Eigen::Index>(n) - 1;
  Eigen::SparseMatrix<double> jac(m, m);
  jac.setFromTriplets(reduced.begin(), reduced.end());
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(jac);
  if (solver.info() != Eigen::Success) return {};
  Eigen::VectorXd rhs(m);
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n); ++i)
    if (i != fixed) rhs[reduced_index(i)] = seeds.nu[static_cast<std::size_t>(i)] - e.mass[static_cast<std::size_t>(i)];
  const Eigen::VectorXd d = solver.solve(rhs);
  if (solver.info() != Eigen::Success || !d.allFinite()) return {};
  // LDL^T of a matrix that is only semi-definite (a cell cut off from the rest) succeeds with a zero pivot and
  // returns a useless step; a zero or negative pivot is a failure here.
  if ((solver.vectorD().array() <= 0.0).any()) return {};
  std::vector<double> step(n, 0.0);
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n); ++i)
    if (i != fixed) step[static_cast<std::size_t>(i)] = d[reduced_index(i)];
  return step;
}

void finish(SemiDiscreteResult& r, const Evaluation& e, const Seeds& seeds, std::vector<double> w) {
  r.residual = max_abs_difference(e.mass, seeds.nu);
  r.w2 = std::sqrt(std::max(e.cost, 0.0));
  double dual = e.cost;
  for (std::size_t i = 0; i < w.size(); ++i) dual += w[i] * (seeds.nu[i] - e.mass[i]);
  r.lower_bound = std::sqrt(std::max(dual, 0.0));
  r.weights = std::move(w);
}

}  // namespace

SemiDiscreteResult semidiscrete_w2(std::span<const double> x, std::span<const double> masses, const LawND& law,
                                   const SemiDiscreteOptions& options) {
  const int d = law.dimension();
  check_input(x, masses, d, options);
  const Seeds seeds = merge_particles(x, masses, d);
  const PowerDiagram diagram(d, seeds.y, law.support_box());
  SemiDiscreteResult r;
  r.n_merged = seeds.n_merged;
  std::vector<double> w = start_weights(seeds, law);
  Evaluation e = evaluate(diagram, seeds, law, w);
  const double eps0 = 0.5 * std::min(*std::min_element(e.mass.begin(), e.mass.end()),
                                     *std::min_element(seeds.nu.begin(), seeds.nu.end()));
  if (!(eps0 > 0.0)) {
    r.status = SemiDiscreteStatus::empty_start_cell;
    finish(r, e, seeds, std::move(w));
    return r;
  }
  r.status = SemiDiscreteStatus::max_iterations;
  for (r.iterations = 0; r.iterations < options.max_iterations; ++r.iterations) {
    if (max_abs_difference(e.mass, seeds.nu) <= options.tolerance) {
      r.status = SemiDiscreteStatus::converged;
      break;
    }
    const std::vector<double> step = newton_direction(e, seeds);
    if (step.empty()) {
      r.status = SemiDiscreteStatus::singular_system;
      break;
    }
    const double norm = distance(e.mass, seeds.nu);
    bool accepted = false;
    std::vector<double> trial(w.size());
    double alpha = 1.0;
    for (int h = 0; h <= kMaxHalvings && !accepted; ++h, alpha *= 0.5) {
      for (std::size_t i = 0; i < w.size(); ++i) trial[i] = w[i] + alpha * step[i];
      Evaluation candidate = evaluate(diagram, seeds, law, trial);
      if (*std::min_element(candidate.mass.begin(), candidate.mass.end()) >= eps0 &&
          distance(candidate.mass, seeds.nu) <= (1.0 - alpha / 2.0) * norm) {
        w.swap(trial);
        e = std::move(candidate);
        accepted = true;
      }
    }
    if (!accepted) {
      r.status = SemiDiscreteStatus::line_search_failed;
      break;
    }
  }
  if (r.status == SemiDiscreteStatus::max_iterations && max_abs_difference(e.mass, seeds.nu) <= options.tolerance)
    r.status = SemiDiscreteStatus::converged;
  finish(r, e, seeds, std::move(w));
  return r;
}

}  // namespace blobflow::analysis
