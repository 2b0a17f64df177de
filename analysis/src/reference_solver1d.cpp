// The 1D Lagrangian reference solver of reference_solver1d.hpp (the method and its justification are in the header).
// Per cell [a, b] of mass dm, width w = b - a and density rho = dm/w, the energy and its derivatives in (a, b):
//   pme/heat (docs/math.md §1.2): e = dm rho^(m-1)/(m-1) (dm log rho for m = 1); de/da = P, de/db = -P with P = rho^m
//     the pressure, and d2e/da2 = d2e/db2 = -d2e/dadb = m P/w.
//   wpme (docs/math.md §2.2): e = (dm^2/2) I/w^2 with I = int_a^b r, r = 1/rhobar; with r_a = r(a), r_b = r(b):
//     de/db = c (r_b/w^2 - 2I/w^3),  de/da = c (-r_a/w^2 + 2I/w^3),  c = dm^2/2,
//     d2e/db2 = c (r'_b/w^2 - 4 r_b/w^3 + 6I/w^4),  d2e/da2 = c (-r'_a/w^2 - 4 r_a/w^3 + 6I/w^4),
//     d2e/dadb = c (2 (r_a + r_b)/w^3 - 6I/w^4)   (for constant r these reduce to the pme formulas with m = 2, P = rho^2 r/2).
// Potential: sum_k mu_k V(X_k), gradient mu_k V'(X_k), Hessian diag mu_k V''(X_k).
#include "blobflow/analysis/reference_solver1d.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <boost/math/quadrature/gauss.hpp>

#include "describe.hpp"
#include "step_control.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;
using namespace detail;

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
/// Gauss-Legendre nodes per smooth piece of a cell integral of 1/rhobar: exact for polynomials of degree 19; on a cell
/// much narrower than the scale of rhobar the error is far below round-off.
constexpr unsigned kGaussNodes = 10;
/// Central-difference step for V'' and (1/rhobar)', relative to 1 + |x|: about the cube root of eps, which balances
/// truncation and round-off. These derivatives enter only Newton's Hessian.
constexpr double kDifferenceStep = 6e-6;
/// Newton has converged when its last correction is below this fraction of the local error tolerance: the solve error
/// is then far below what the step-size control accepts.
constexpr double kNewtonFraction = 1e-3;
/// Newton iterations per implicit step before the step is rejected (and dt reduced).
constexpr std::size_t kMaxNewtonIterations = 40;
/// A Newton step may shrink any cell by at most this fraction of its width (fraction to the boundary w = 0).
constexpr double kMaxShrink = 0.9;
/// Armijo constant of the backtracking line search on the minimizing-movement objective.
constexpr double kArmijo = 1e-4;
/// Line search gives up (the step is rejected) below this step fraction.
constexpr double kMinLineSearchStep = 1e-10;
/// One-sided values of 1/rhobar at a breakpoint b are taken at b -+ this offset times (1 + |b|): exact for a
/// piecewise-constant rhobar, an O(offset) error in a Newton gradient otherwise.
constexpr double kSideOffset = 1e-12;
/// Bisection steps for a grid level: 2^-80 of [0, 1] is below the spacing of doubles near 1.
constexpr int kBisectionSteps = 80;

/// Energy, gradient and (optionally) the tridiagonal Hessian of one cell in its edges (a, b).
struct CellTerms {
  double energy = 0.0;
  double grad_a = 0.0, grad_b = 0.0;
  double hess_aa = 0.0, hess_ab = 0.0, hess_bb = 0.0;
};

/// pme (m > 1) and heat (m = 1) cell, docs/math.md §1.2.
CellTerms porous_cell(double m, double dm, double a, double b) {
  const double w = b - a;
  const double rho = dm / w;
  CellTerms c;
  const bool heat = m == 1.0;
  c.energy = heat ? dm * std::log(rho) : dm * std::pow(rho, m - 1.0) / (m - 1.0);
  const double pressure = heat ? rho : std::pow(rho, m);
  c.grad_a = pressure;
  c.grad_b = -pressure;
  const double curvature = m * pressure / w;
  c.hess_aa = curvature;
  c.hess_bb = curvature;
  c.hess_ab = -curvature;
  return c;
}

/// 1/rhobar, its cell integrals and its derivative for a WeightedEnergy1D.
class InverseTarget {
 public:
  explicit InverseTarget(const WeightedEnergy1D& target) : target_(target) {}

  double r(double x) const { return 1.0 / target_.rhobar(x); }

  double r_derivative(double x) const {
    if (target_.rhobar_derivative) {
      const double rhobar = target_.rhobar(x);
      return -target_.rhobar_derivative(x) / (rhobar * rhobar);
    }
    const double h = kDifferenceStep * (1.0 + std::abs(x));
    // Across a jump of rhobar the derivative is a Dirac mass; the Hessian uses the a.e. value 0 there.
    const auto& breaks = target_.breakpoints;
    const auto next = std::lower_bound(breaks.begin(), breaks.end(), x - h);
    if (next != breaks.end() && *next <= x + h) return 0.0;
    return (r(x + h) - r(x - h)) / (2.0 * h);
  }

  /// int_a^b 1/rhobar, split at the breakpoints inside (a, b).
  double integral(double a, double b) const {
    using Rule = boost::math::quadrature::gauss<double, kGaussNodes>;
    const auto f = [this](double x) { return r(x); };
    const auto& breaks = target_.breakpoints;
    double sum = 0.0;
    double lo = a;
    for (auto it = std::upper_bound(breaks.begin(), breaks.end(), a); it != breaks.end() && *it < b; ++it) {
      sum += Rule::integrate(f, lo, *it);
      lo = *it;
    }
    return sum + Rule::integrate(f, lo, b);
  }

 private:
  const WeightedEnergy1D& target_;
};

/// wpme cell, docs/math.md §2.2 (formulas in the file comment).
CellTerms weighted_cell(const InverseTarget& target, double dm, double a, double b, bool hessian) {
  const double w = b - a;
  const double c = 0.5 * dm * dm;
  const double integral = target.integral(a, b);
  const double ra = target.r(a);
  const double rb = target.r(b);
  const double w2 = w * w;
  const double w3 = w2 * w;
  CellTerms t;
  t.energy = c * integral / w2;
  t.grad_b = c * (rb / w2 - 2.0 * integral / w3);
  t.grad_a = c * (-ra / w2 + 2.0 * integral / w3);
  if (hessian) {
    const double w4 = w3 * w;
    t.hess_bb = c * (target.r_derivative(b) / w2 - 4.0 * rb / w3 + 6.0 * integral / w4);
    t.hess_aa = c * (-target.r_derivative(a) / w2 - 4.0 * ra / w3 + 6.0 * integral / w4);
    t.hess_ab = c * (2.0 * (ra + rb) / w3 - 6.0 * integral / w4);
  }
  return t;
}

/// The semi-discrete energy with its derivatives; the one place where the equation is chosen.
class Model {
 public:
  Model(const InternalEnergy1D& energy, const Potential1D& potential) : energy_(energy), potential_(potential) {}

  /// E(X); when gradient is non-null fills dE/dX (size K+1); when diagonal/offdiagonal are non-null also the
  /// tridiagonal Hessian (sizes K+1 and K). Returns NaN for a non-positive width.
  double evaluate(std::span<const double> x, std::span<const double> dm, std::span<const double> mu, double* gradient,
                  double* diagonal, double* offdiagonal) const {
    const std::size_t n_cells = dm.size();
    const bool hessian = diagonal != nullptr;
    if (gradient) std::fill(gradient, gradient + n_cells + 1, 0.0);
    if (hessian) {
      std::fill(diagonal, diagonal + n_cells + 1, 0.0);
      std::fill(offdiagonal, offdiagonal + n_cells, 0.0);
    }
    double energy = 0.0;
    for (std::size_t k = 0; k < n_cells; ++k) {
      if (!(x[k + 1] > x[k])) return std::numeric_limits<double>::quiet_NaN();
      const CellTerms c = std::visit(
          [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, PorousMediumEnergy1D>) {
              return porous_cell(e.m, dm[k], x[k], x[k + 1]);
            } else {
              return weighted_cell(InverseTarget(e), dm[k], x[k], x[k + 1], hessian);
            }
          },
          energy_);
      energy += c.energy;
      if (gradient) {
        gradient[k] += c.grad_a;
        gradient[k + 1] += c.grad_b;
      }
      if (hessian) {
        diagonal[k] += c.hess_aa;
        diagonal[k + 1] += c.hess_bb;
        offdiagonal[k] += c.hess_ab;
      }
    }
    if (potential_.value) {
      for (std::size_t k = 0; k <= n_cells; ++k) {
        energy += mu[k] * potential_.value(x[k]);
        if (gradient) gradient[k] += mu[k] * potential_.derivative(x[k]);
        if (hessian) diagonal[k] += mu[k] * potential_second_derivative(x[k]);
      }
    }
    return energy;
  }

 private:
  double potential_second_derivative(double x) const {
    if (potential_.second_derivative) return potential_.second_derivative(x);
    const double h = kDifferenceStep * (1.0 + std::abs(x));
    return (potential_.derivative(x + h) - potential_.derivative(x - h)) / (2.0 * h);
  }

  const InternalEnergy1D& energy_;
  const Potential1D& potential_;

 public:
  /// The breakpoints of a wpme target (empty for pme): where dE/dX_k jumps as edge k crosses them.
  std::span<const double> breakpoints() const {
    if (const auto* wpme = std::get_if<WeightedEnergy1D>(&energy_)) return wpme->breakpoints;
    return {};
  }

  /// For an edge x_k sitting exactly on a breakpoint: the one-sided derivatives (from the left, from the right) of
  /// E in x_k, given the two-sided value `gradient` that evaluate() formed with r(x_k). Only r(x_k) jumps there, and
  /// it enters dE/dx_k as r(x_k) (rho_L^2 - rho_R^2)/2 (the cells left and right of the edge; rho = 0 outside).
  std::pair<double, double> one_sided_gradients(std::span<const double> x, std::span<const double> dm, std::size_t k,
                                                double gradient) const {
    const InverseTarget target(std::get<WeightedEnergy1D>(energy_));
    const double rho_left = k > 0 ? dm[k - 1] / (x[k] - x[k - 1]) : 0.0;
    const double rho_right = k < dm.size() ? dm[k] / (x[k + 1] - x[k]) : 0.0;
    const double weight = 0.5 * (rho_left * rho_left - rho_right * rho_right);
    const double offset = kSideOffset * (1.0 + std::abs(x[k]));
    const double used = target.r(x[k]);
    return {gradient + (target.r(x[k] - offset) - used) * weight, gradient + (target.r(x[k] + offset) - used) * weight};
  }
};

/// Indices of the edges that sit exactly on a breakpoint (edges are put there exactly by the line search).
std::vector<std::size_t> kinked_edges(std::span<const double> breaks, std::span<const double> x) {
  std::vector<std::size_t> kinked;
  if (breaks.empty()) return kinked;
  for (std::size_t k = 0; k < x.size(); ++k)
    if (std::binary_search(breaks.begin(), breaks.end(), x[k])) kinked.push_back(k);
  return kinked;
}

/// Lumped edge masses mu_k = (dm_(k-1) + dm_k)/2.
std::vector<double> edge_masses(std::span<const double> dm) {
  std::vector<double> mu(dm.size() + 1, 0.0);
  for (std::size_t k = 0; k < dm.size(); ++k) {
    mu[k] += 0.5 * dm[k];
    mu[k + 1] += 0.5 * dm[k];
  }
  return mu;
}

/// Work arrays of the Newton iteration (sizes K+1).
struct Workspace {
  std::vector<double> gradient, diagonal, offdiagonal, step, trial, lower;
  explicit Workspace(std::size_t n_edges)
      : gradient(n_edges), diagonal(n_edges), offdiagonal(n_edges - 1), step(n_edges), trial(n_edges),
        lower(n_edges) {}
};

/// Solves H p = -g for the symmetric tridiagonal H (diagonal, offdiagonal) by LDL^T; false when a pivot is not
/// positive and finite (H not positive definite: the step's objective is not locally convex).
bool solve_tridiagonal(Workspace& ws) {
  const std::size_t n = ws.diagonal.size();
  auto& d = ws.diagonal;  // overwritten by the pivots
  auto& l = ws.lower;
  auto& p = ws.step;
  p[0] = -ws.gradient[0];
  if (!(d[0] > 0.0) || !std::isfinite(d[0])) return false;
  for (std::size_t i = 1; i < n; ++i) {
    l[i] = ws.offdiagonal[i - 1] / d[i - 1];
    d[i] -= l[i] * ws.offdiagonal[i - 1];
    if (!(d[i] > 0.0) || !std::isfinite(d[i])) return false;
    p[i] = -ws.gradient[i] - l[i] * p[i - 1];
  }
  for (std::size_t i = 0; i < n; ++i) p[i] /= d[i];
  for (std::size_t i = n - 1; i-- > 0;) p[i] -= l[i + 1] * p[i + 1];
  return true;
}

/// One backward Euler step as a minimizing movement: x <- argmin E(x) + sum mu (x - y)^2/(2 dt), started at y.
/// Returns false (x unspecified) when Newton fails; counts iterations.
bool backward_euler(const Model& model, std::span<const double> y, std::span<const double> dm,
                    std::span<const double> mu, double dt, double newton_tolerance, std::vector<double>& x,
                    Workspace& ws, std::size_t& iterations) {
  const std::size_t n = y.size();
  const std::span<const double> breaks = model.breakpoints();
  x.assign(y.begin(), y.end());
  const auto objective = [&](std::span<const double> z, double energy) {
    double movement = 0.0;
    for (std::size_t k = 0; k < n; ++k) movement += mu[k] * (z[k] - y[k]) * (z[k] - y[k]);
    return energy + movement / (2.0 * dt);
  };
  for (std::size_t it = 0; it < kMaxNewtonIterations; ++it) {
    ++iterations;
    const double energy = model.evaluate(x, dm, mu, ws.gradient.data(), ws.diagonal.data(), ws.offdiagonal.data());
    if (!std::isfinite(energy)) return false;
    for (std::size_t k = 0; k < n; ++k) {
      ws.gradient[k] += mu[k] * (x[k] - y[k]) / dt;
      ws.diagonal[k] += mu[k] / dt;
    }
    // Edges on a breakpoint (a kink of E): stay there while 0 is in the subdifferential (the one-sided derivatives
    // bracket 0), else move off with the derivative of the side they leave to.
    for (const std::size_t k : kinked_edges(breaks, x)) {
      const auto [left, right] = model.one_sided_gradients(x, dm, k, ws.gradient[k] - mu[k] * (x[k] - y[k]) / dt);
      const double movement = mu[k] * (x[k] - y[k]) / dt;
      if (left + movement <= 0.0 && right + movement >= 0.0) {
        ws.gradient[k] = 0.0;  // pinned: p_k = 0
        if (k > 0) ws.offdiagonal[k - 1] = 0.0;
        if (k + 1 < n) ws.offdiagonal[k] = 0.0;
      } else {
        ws.gradient[k] = (right + movement < 0.0 ? right : left) + movement;
      }
    }
    if (!solve_tridiagonal(ws)) return false;
    double largest = 0.0;
    double slope = 0.0;
    double alpha = 1.0;
    for (std::size_t k = 0; k < n; ++k) {
      if (!std::isfinite(ws.step[k])) return false;
      largest = std::max(largest, std::abs(ws.step[k]));
      slope += ws.gradient[k] * ws.step[k];
      if (k + 1 < n) {
        const double shrink = ws.step[k] - ws.step[k + 1];  // decrease of width k
        if (shrink > 0.0) alpha = std::min(alpha, kMaxShrink * (x[k + 1] - x[k]) / shrink);
      }
    }
    // Stop at the first breakpoint an edge would cross: E is smooth up to there, and the edge lands on the kink.
    double alpha_kink = alpha;
    std::size_t kink_edge = n;
    double kink_at = 0.0;
    if (!breaks.empty()) {
      for (std::size_t k = 0; k < n; ++k) {
        if (ws.step[k] == 0.0) continue;
        const double target = x[k] + alpha * ws.step[k];
        const double lo = std::min(x[k], target);
        const double hi = std::max(x[k], target);
        const auto next = std::upper_bound(breaks.begin(), breaks.end(), lo);
        if (next == breaks.end() || !(*next < hi)) continue;
        const double beta = ws.step[k] > 0.0 ? *next : *(std::lower_bound(breaks.begin(), breaks.end(), hi) - 1);
        const double fraction = (beta - x[k]) / ws.step[k];
        if (fraction < alpha_kink) {
          alpha_kink = fraction;
          kink_edge = k;
          kink_at = beta;
        }
      }
    }
    const bool to_kink = kink_edge < n;
    alpha = alpha_kink;
    if (largest <= newton_tolerance && alpha == 1.0 && !to_kink) {
      for (std::size_t k = 0; k < n; ++k) x[k] += ws.step[k];
      return true;  // quadratic convergence: the remaining error is far below newton_tolerance
    }
    const double current = objective(x, energy);
    const double first_alpha = alpha;
    for (;;) {
      for (std::size_t k = 0; k < n; ++k) ws.trial[k] = x[k] + alpha * ws.step[k];
      if (to_kink && alpha == first_alpha) ws.trial[kink_edge] = kink_at;  // exactly on the kink
      const double trial_energy = model.evaluate(ws.trial, dm, mu, nullptr, nullptr, nullptr);
      if (std::isfinite(trial_energy) && objective(ws.trial, trial_energy) <= current + kArmijo * alpha * slope) break;
      alpha *= 0.5;
      if (alpha < kMinLineSearchStep) return false;
    }
    x.swap(ws.trial);
    if (alpha * largest <= newton_tolerance && !(to_kink && alpha == first_alpha)) return true;
  }
  return false;
}

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double z) { return std::isfinite(z); });
}

bool increasing(std::span<const double> v) {
  for (std::size_t k = 1; k < v.size(); ++k)
    if (!(v[k] > v[k - 1])) return false;
  return true;
}

void validate(const InternalEnergy1D& energy, const Potential1D& potential, const ReferenceSolverOptions& o) {
  constexpr const char* kWhere = "ReferenceSolver1D";
  if (const auto* pme = std::get_if<PorousMediumEnergy1D>(&energy)) {
    if (!(pme->m >= 1.0) || !std::isfinite(pme->m))
      throw std::invalid_argument(describe(kWhere, "m", pme->m, "must be finite and >= 1"));
  } else {
    const auto& wpme = std::get<WeightedEnergy1D>(energy);
    if (!wpme.rhobar) throw std::invalid_argument(std::string(kWhere) + ": rhobar: must be a callable (it is empty)");
    for (std::size_t k = 0; k < wpme.breakpoints.size(); ++k) {
      const double b = wpme.breakpoints[k];
      if (!std::isfinite(b) || (k > 0 && !(b > wpme.breakpoints[k - 1])))
        throw std::invalid_argument(describe(kWhere, "breakpoints[" + std::to_string(k) + "]", b,
                                             "must be finite and strictly increasing"));
    }
  }
  if (static_cast<bool>(potential.value) != static_cast<bool>(potential.derivative))
    throw std::invalid_argument(std::string(kWhere) +
                                ": potential: value and derivative must be given together (one of them is empty)");
  if (potential.second_derivative && !potential.value)
    throw std::invalid_argument(std::string(kWhere) + ": potential: second_derivative given without value");
  if (o.cells < 2) throw std::invalid_argument(describe(kWhere, "cells", static_cast<double>(o.cells), "must be >= 2"));
  if (!(o.grid_length_weight >= 0.0 && o.grid_length_weight < 1.0))
    throw std::invalid_argument(describe(kWhere, "grid_length_weight", o.grid_length_weight, "must be in [0, 1)"));
  if (!(o.tail_mass > 0.0 && o.tail_mass < 0.25))
    throw std::invalid_argument(describe(kWhere, "tail_mass", o.tail_mass, "must be in (0, 0.25)"));
  detail::validate_step_options(kWhere, o);
}

/// Levels u_0 < ... < u_K of the initial grid (see the header: equidistributed blend of mass and length).
std::vector<double> grid_levels(const Law1D& law, const ReferenceSolverOptions& o) {
  constexpr const char* kWhere = "ReferenceSolver1D::solve";
  const double u_lo = std::isfinite(law.quantile(0.0)) ? 0.0 : o.tail_mass;
  const double u_hi = std::isfinite(law.quantile(1.0)) ? 1.0 : 1.0 - o.tail_mass;
  const double q_lo = law.quantile(u_lo);
  const double q_hi = law.quantile(u_hi);
  if (!std::isfinite(q_lo) || !std::isfinite(q_hi) || !(q_hi > q_lo))
    throw std::invalid_argument(describe(kWhere, "initial quantile at the truncation level", q_hi,
                                         "must be finite and exceed Q(" + detail::format_value(u_lo) +
                                             ") = " + detail::format_value(q_lo)));
  const std::size_t n_cells = o.cells;
  const double theta = o.grid_length_weight;
  const auto blend = [&](double u) {
    return (1.0 - theta) * (u - u_lo) / (u_hi - u_lo) + theta * (law.quantile(u) - q_lo) / (q_hi - q_lo);
  };
  std::vector<double> levels(n_cells + 1);
  levels[0] = u_lo;
  levels[n_cells] = u_hi;
  for (std::size_t k = 1; k < n_cells; ++k) {
    const double target = static_cast<double>(k) / static_cast<double>(n_cells);
    if (theta == 0.0) {
      levels[k] = u_lo + target * (u_hi - u_lo);
      continue;
    }
    double lo = levels[k - 1];
    double hi = u_hi;
    for (int i = 0; i < kBisectionSteps && hi - lo > kEpsilon * hi; ++i) {
      const double mid = lo + 0.5 * (hi - lo);
      (blend(mid) < target ? lo : hi) = mid;
    }
    levels[k] = lo + 0.5 * (hi - lo);
  }
  return levels;
}

}  // namespace

std::string_view to_string(ReferenceStatus status) {
  switch (status) {
    case ReferenceStatus::ok:
      return "ok";
    case ReferenceStatus::step_size_underflow:
      return "step_size_underflow";
    case ReferenceStatus::max_steps_exceeded:
      return "max_steps_exceeded";
    case ReferenceStatus::non_finite_state:
      return "non_finite_state";
  }
  return "unknown";
}

ReferenceSolver1D::ReferenceSolver1D(InternalEnergy1D energy, Potential1D potential, ReferenceSolverOptions options)
    : energy_(std::move(energy)), potential_(std::move(potential)), options_(options) {
  validate(energy_, potential_, options_);
}

double ReferenceSolver1D::energy(std::span<const double> edges, std::span<const double> cell_masses) const {
  if (edges.size() != cell_masses.size() + 1 || cell_masses.empty())
    throw std::invalid_argument(describe("ReferenceSolver1D::energy", "edges.size()",
                                         static_cast<double>(edges.size()), "must equal cell_masses.size() + 1 >= 2"));
  const std::vector<double> mu = edge_masses(cell_masses);
  return Model(energy_, potential_).evaluate(edges, cell_masses, mu, nullptr, nullptr, nullptr);
}

std::vector<double> ReferenceSolver1D::energy_gradient(std::span<const double> edges,
                                                       std::span<const double> cell_masses) const {
  if (edges.size() != cell_masses.size() + 1 || cell_masses.empty())
    throw std::invalid_argument(describe("ReferenceSolver1D::energy_gradient", "edges.size()",
                                         static_cast<double>(edges.size()), "must equal cell_masses.size() + 1 >= 2"));
  const std::vector<double> mu = edge_masses(cell_masses);
  std::vector<double> gradient(edges.size());
  Model(energy_, potential_).evaluate(edges, cell_masses, mu, gradient.data(), nullptr, nullptr);
  return gradient;
}

ReferenceSolution ReferenceSolver1D::solve(const Law1D& initial, double mass, double t0,
                                           std::span<const double> output_times) const {
  constexpr const char* kWhere = "ReferenceSolver1D::solve";
  const auto start = std::chrono::steady_clock::now();
  detail::validate_solve_arguments(kWhere, mass, t0, output_times);

  // Initial grid: edges at the quantiles of the levels.
  const std::vector<double> levels = grid_levels(initial, options_);
  const std::size_t n_cells = options_.cells;
  std::vector<double> x(n_cells + 1);
  std::vector<double> dm(n_cells);
  for (std::size_t k = 0; k <= n_cells; ++k) x[k] = initial.quantile(levels[k]);
  for (std::size_t k = 0; k < n_cells; ++k) dm[k] = mass * (levels[k + 1] - levels[k]);
  for (std::size_t k = 0; k < n_cells; ++k) {
    if (!(dm[k] > 0.0) || !(x[k + 1] > x[k]) || !std::isfinite(x[k + 1]))
      throw std::invalid_argument(describe(kWhere, "initial edge " + std::to_string(k + 1), x[k + 1],
                                           "the initial quantile must be finite and strictly increasing on the grid "
                                           "(cells = " + std::to_string(n_cells) + " is too many for this law?)"));
  }
  const std::vector<double> mu = edge_masses(dm);
  const Model model(energy_, potential_);

  ReferenceSolution result;
  result.t_reached = t0;
  const auto snapshot = [&](double t, double energy) {
    result.snapshots.push_back({t, x, dm, energy});
  };
  const auto finish = [&](ReferenceStatus status, std::string message) {
    result.status = status;
    result.message = std::move(message);
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  };
  const double e0 = model.evaluate(x, dm, mu, nullptr, nullptr, nullptr);
  if (!std::isfinite(e0)) return finish(ReferenceStatus::non_finite_state, "the initial energy is not finite");
  snapshot(t0, e0);
  if (options_.record_energy) result.energy_history.emplace_back(t0, e0);

  Workspace ws(n_cells + 1);
  std::vector<double> full, half, half2;
  const auto attempt = [&](double h) -> StepAttempt {
    const double tolerance = options_.atol + options_.rtol * (x.back() - x.front());
    const double newton_tolerance = kNewtonFraction * tolerance;
    const bool solved =
        backward_euler(model, x, dm, mu, h, newton_tolerance, full, ws, result.newton_iterations) &&
        backward_euler(model, x, dm, mu, 0.5 * h, newton_tolerance, half, ws, result.newton_iterations) &&
        backward_euler(model, half, dm, mu, 0.5 * h, newton_tolerance, half2, ws, result.newton_iterations);
    if (!solved) return {};
    double error = 0.0;
    for (std::size_t k = 0; k <= n_cells; ++k) error = std::max(error, std::abs(half2[k] - full[k]));
    if (options_.scheme == TimeScheme::extrapolated_euler)
      for (std::size_t k = 0; k <= n_cells; ++k) half2[k] = 2.0 * half2[k] - full[k];
    return {true, error / tolerance, all_finite(half2) && increasing(half2)};
  };
  const auto accept = [&](double t) {
    x.swap(half2);
    if (options_.record_energy)
      result.energy_history.emplace_back(t, model.evaluate(x, dm, mu, nullptr, nullptr, nullptr));
  };
  const auto at_output = [&](double t) {
    const double e = model.evaluate(x, dm, mu, nullptr, nullptr, nullptr);
    if (!std::isfinite(e))
      return MarchEnd{ReferenceStatus::non_finite_state, "non-finite energy at t = " + detail::format_value(t)};
    snapshot(t, e);
    return MarchEnd{};
  };
  const MarchEnd end = march(t0, output_times, options_.initial_dt, options_.max_steps,
                             "Newton or positivity of the cell widths", result, attempt, accept, at_output);
  return finish(end.status, end.message);
}

}  // namespace blobflow::analysis
