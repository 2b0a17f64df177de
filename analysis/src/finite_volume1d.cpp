// The finite-volume solver of finite_volume1d.hpp (the scheme and why it keeps rho >= 0 are in the header).
// Backward Euler residual of cell i for a step dt from y (docs/math.md §2.2 in flux form):
//   G_i(rho) = rho_i - y_i + (dt/dx_i) (F_(i+1/2) - F_(i-1/2)),
//   F_(i+1/2) = -(1/h) [ rho_i min(du, 0) + rho_(i+1) max(du, 0) ],   du = u_(i+1) - u_i,  h = x_(i+1) - x_i,
// (the upwind flux written without a branch on the density). On the active branch
//   dF/drho_i     =  (1/h) [ max(-du, 0) + rho_up / rhobar_i ],
//   dF/drho_(i+1) = -(1/h) [ max(du, 0)  + rho_up / rhobar_(i+1) ].
#include "blobflow/analysis/finite_volume1d.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "describe.hpp"
#include "step_control.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;
using namespace detail;

constexpr const char* kWhere = "FiniteVolumeSolver1D";
/// Newton has converged when the L1 norm of its last correction is below this fraction of the local error tolerance.
constexpr double kNewtonFraction = 1e-3;
/// Newton iterations per implicit step before the step is rejected (and dt reduced).
constexpr std::size_t kMaxNewtonIterations = 30;
/// Initial mass allowed outside [a, b] (added to the end cells): below the accuracy any reference claims.
constexpr double kMaxOutsideMass = 1e-12;

/// Work arrays of a Newton solve (sizes K).
struct Workspace {
  std::vector<double> residual, lower, diagonal, upper, step;
  explicit Workspace(std::size_t n) : residual(n), lower(n), diagonal(n), upper(n), step(n) {}
};

/// Solves the tridiagonal system (lower, diagonal, upper) step = -residual by the Thomas algorithm (no pivoting: the
/// Jacobian is an M-matrix, diagonally dominant by columns). False on a non-positive or non-finite pivot.
bool thomas(Workspace& ws) {
  const std::size_t n = ws.diagonal.size();
  auto& c = ws.upper;  // overwritten by the eliminated upper diagonal
  auto& d = ws.step;
  double pivot = ws.diagonal[0];
  if (!(pivot > 0.0) || !std::isfinite(pivot)) return false;
  c[0] /= pivot;
  d[0] = -ws.residual[0] / pivot;
  for (std::size_t i = 1; i < n; ++i) {
    pivot = ws.diagonal[i] - ws.lower[i] * c[i - 1];
    if (!(pivot > 0.0) || !std::isfinite(pivot)) return false;
    if (i + 1 < n) c[i] /= pivot;
    d[i] = (-ws.residual[i] - ws.lower[i] * d[i - 1]) / pivot;
  }
  for (std::size_t i = n - 1; i-- > 0;) d[i] -= c[i] * d[i + 1];
  return true;
}

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double z) { return std::isfinite(z); });
}

double l1_distance(std::span<const double> a, std::span<const double> b, std::span<const double> width) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += width[i] * std::abs(a[i] - b[i]);
  return sum;
}

/// The semi-discrete operator on a fixed grid.
class Operator {
 public:
  Operator(std::span<const double> width, std::span<const double> centre, std::span<const double> rhobar,
           std::span<const double> potential)
      : width_(width), centre_(centre), rhobar_(rhobar), potential_(potential) {}

  double u(std::span<const double> rho, std::size_t i) const {
    return rho[i] / rhobar_[i] + (potential_.empty() ? 0.0 : potential_[i]);
  }

  /// Residual G(rho) of a backward Euler step dt from y and (when jacobian) its tridiagonal Jacobian.
  void residual(std::span<const double> rho, std::span<const double> y, double dt, Workspace& ws,
                bool jacobian) const {
    const std::size_t n = rho.size();
    for (std::size_t i = 0; i < n; ++i) {
      ws.residual[i] = rho[i] - y[i];
      if (jacobian) ws.diagonal[i] = 1.0, ws.lower[i] = 0.0, ws.upper[i] = 0.0;
    }
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const double h = centre_[i + 1] - centre_[i];
      const double du = u(rho, i + 1) - u(rho, i);
      const bool rightward = du <= 0.0;  // flow from i to i + 1 (du == 0: no flow, either branch)
      const double rho_up = rightward ? rho[i] : rho[i + 1];
      const double flux = -rho_up * du / h;
      const double left = dt / width_[i];
      const double right = dt / width_[i + 1];
      ws.residual[i] += left * flux;
      ws.residual[i + 1] -= right * flux;
      if (jacobian) {
        const double d_left = (std::max(-du, 0.0) + rho_up / rhobar_[i]) / h;        // dF/drho_i
        const double d_right = -(std::max(du, 0.0) + rho_up / rhobar_[i + 1]) / h;   // dF/drho_(i+1)
        ws.diagonal[i] += left * d_left;
        ws.upper[i] += left * d_right;
        ws.lower[i + 1] -= right * d_left;
        ws.diagonal[i + 1] -= right * d_right;
      }
    }
  }

  double energy(std::span<const double> rho) const {
    double e = 0.0;
    for (std::size_t i = 0; i < rho.size(); ++i)
      e += width_[i] * rho[i] * (0.5 * rho[i] / rhobar_[i] + (potential_.empty() ? 0.0 : potential_[i]));
    return e;
  }

 private:
  std::span<const double> width_, centre_, rhobar_, potential_;
};

/// One backward Euler step from y by Newton's method, started at y. False (rho unspecified) when Newton fails or the
/// converged density has a negative entry (the exact step solution is non-negative: see the header).
bool backward_euler(const Operator& op, std::span<const double> y, std::span<const double> width, double dt,
                    double newton_tolerance, std::vector<double>& rho, Workspace& ws, std::size_t& iterations) {
  rho.assign(y.begin(), y.end());
  for (std::size_t it = 0; it < kMaxNewtonIterations; ++it) {
    ++iterations;
    op.residual(rho, y, dt, ws, true);
    if (!thomas(ws)) return false;
    double correction = 0.0;
    for (std::size_t i = 0; i < rho.size(); ++i) {
      rho[i] += ws.step[i];
      correction += width[i] * std::abs(ws.step[i]);
    }
    if (!std::isfinite(correction)) return false;
    if (correction <= newton_tolerance)
      return std::all_of(rho.begin(), rho.end(), [](double r) { return r >= 0.0; });
  }
  return false;
}

enum class Extrapolation { full, limited };

/// Richardson extrapolation fine <- fine + (fine - coarse), written in flux form and limited so that no cell goes
/// negative (Zalesak's flux-corrected transport limiter). Both solutions conserve mass, so the correction
/// d = fine - coarse has zero total and is the divergence of face corrections phi: phi_(1/2) = 0,
/// phi_(i+1/2) = phi_(i-1/2) - dx_i d_i, fine_i + d_i = fine_i - (phi_(i+1/2) - phi_(i-1/2))/dx_i. Each face's phi
/// is scaled by R of the cell it takes mass from, R_i = min(1, dx_i fine_i / (mass leaving i)), so a cell can lose at
/// most its mass: the result is >= 0 and conserves mass exactly, and equals 2 fine - coarse wherever that is already
/// non-negative nearby (the limiter acts only at the edge of a region of (near) zero density).
Extrapolation extrapolate(std::vector<double>& fine, std::span<const double> coarse, std::span<const double> width,
                          std::vector<double>& phi, std::vector<double>& ratio) {
  const std::size_t n = fine.size();
  phi[0] = 0.0;
  for (std::size_t i = 0; i < n; ++i) phi[i + 1] = phi[i] - width[i] * (fine[i] - coarse[i]);
  phi[n] = 0.0;  // zero up to round-off: both solutions have the same mass
  bool limited = false;
  for (std::size_t i = 0; i < n; ++i) {
    const double leaving = std::max(phi[i + 1], 0.0) + std::max(-phi[i], 0.0);
    const double available = width[i] * fine[i];
    ratio[i] = leaving > available ? available / leaving : 1.0;
    limited = limited || ratio[i] < 1.0;
  }
  for (std::size_t i = 1; i < n; ++i) phi[i] *= phi[i] > 0.0 ? ratio[i - 1] : ratio[i];
  // A cell emptied exactly by the limiter may come out a few ulps below 0: clamped (a round-off change of mass).
  for (std::size_t i = 0; i < n; ++i) fine[i] = std::max(0.0, fine[i] - (phi[i + 1] - phi[i]) / width[i]);
  return limited ? Extrapolation::limited : Extrapolation::full;
}

}  // namespace

PiecewiseConstantLaw1D FiniteVolumeSnapshot::law() const {
  // Cells without mass (density 0, or so small that density x width underflows) are trimmed at the ends and joined
  // to their left neighbour inside, since the law needs every cell mass > 0.
  const auto cell_mass = [&](std::size_t i) { return density[i] * (edges[i + 1] - edges[i]); };
  std::size_t first = 0;
  std::size_t last = density.size();
  while (first < last && !(cell_mass(first) > 0.0)) ++first;
  while (last > first && !(cell_mass(last - 1) > 0.0)) --last;
  if (first == last)
    throw std::invalid_argument(describe("FiniteVolumeSnapshot::law", "mass", 0.0, "must be > 0 (no cell has mass)"));
  std::vector<double> e{edges[first]};
  std::vector<double> m;
  for (std::size_t i = first; i < last; ++i) {
    if (cell_mass(i) > 0.0 || m.empty()) {
      e.push_back(edges[i + 1]);
      m.push_back(cell_mass(i));
    } else {
      e.back() = edges[i + 1];  // joined to the cell on its left
    }
  }
  return PiecewiseConstantLaw1D(e, m);
}

FiniteVolumeSolver1D::FiniteVolumeSolver1D(PiecewiseConstantTarget1D target, std::function<double(double)> potential,
                                           FiniteVolumeOptions options)
    : options_(options) {
  const auto& p = target.breakpoints;
  const auto& v = target.values;
  if (p.size() < 2)
    throw std::invalid_argument(describe(kWhere, "breakpoints.size()", static_cast<double>(p.size()), "must be >= 2"));
  for (std::size_t j = 0; j < p.size(); ++j)
    if (!std::isfinite(p[j]) || (j > 0 && !(p[j] > p[j - 1])))
      throw std::invalid_argument(describe(kWhere, "breakpoints[" + std::to_string(j) + "]", p[j],
                                           "must be finite and strictly increasing"));
  if (v.size() + 1 != p.size())
    throw std::invalid_argument(describe(kWhere, "values.size()", static_cast<double>(v.size()),
                                         "must equal breakpoints.size() - 1 = " + std::to_string(p.size() - 1)));
  for (std::size_t j = 0; j < v.size(); ++j)
    if (!(v[j] > 0.0) || !std::isfinite(v[j]))
      throw std::invalid_argument(describe(kWhere, "values[" + std::to_string(j) + "]", v[j], "must be finite and > 0"));
  const auto& o = options_;
  if (o.cells < v.size())
    throw std::invalid_argument(describe(kWhere, "cells", static_cast<double>(o.cells),
                                         "must be >= the number of pieces " + std::to_string(v.size())));
  detail::validate_step_options(kWhere, o);

  if (!o.resolution.empty() && o.resolution.size() != v.size())
    throw std::invalid_argument(describe(kWhere, "resolution.size()", static_cast<double>(o.resolution.size()),
                                         "must be 0 or the number of pieces " + std::to_string(v.size())));
  for (std::size_t j = 0; j < o.resolution.size(); ++j)
    if (!(o.resolution[j] > 0.0) || !std::isfinite(o.resolution[j]))
      throw std::invalid_argument(describe(kWhere, "resolution[" + std::to_string(j) + "]", o.resolution[j],
                                           "must be finite and > 0"));

  // Cells per piece in proportion to its weighted length, at least one; faces uniform within a piece.
  const auto weight = [&](std::size_t j) { return o.resolution.empty() ? 1.0 : o.resolution[j]; };
  double length = 0.0;
  for (std::size_t j = 0; j < v.size(); ++j) length += (p[j + 1] - p[j]) * weight(j);
  edges_.push_back(p.front());
  for (std::size_t j = 0; j < v.size(); ++j) {
    const double share = static_cast<double>(o.cells) * (p[j + 1] - p[j]) * weight(j) / length;
    const auto n = static_cast<std::size_t>(std::max(1.0, std::round(share)));
    for (std::size_t k = 1; k <= n; ++k)
      edges_.push_back(k == n ? p[j + 1] : p[j] + (p[j + 1] - p[j]) * static_cast<double>(k) / static_cast<double>(n));
    rhobar_.insert(rhobar_.end(), n, v[j]);
  }
  const std::size_t n_cells = rhobar_.size();
  width_.resize(n_cells);
  centre_.resize(n_cells);
  for (std::size_t i = 0; i < n_cells; ++i) {
    width_[i] = edges_[i + 1] - edges_[i];
    centre_[i] = edges_[i] + 0.5 * width_[i];
  }
  if (potential) {
    potential_.resize(n_cells);
    for (std::size_t i = 0; i < n_cells; ++i) potential_[i] = potential(centre_[i]);
    if (!all_finite(potential_))
      throw std::invalid_argument(std::string(kWhere) + ": potential: must be finite at every cell centre");
  }
}

double FiniteVolumeSolver1D::energy(std::span<const double> density) const {
  if (density.size() != rhobar_.size())
    throw std::invalid_argument(describe("FiniteVolumeSolver1D::energy", "density.size()",
                                         static_cast<double>(density.size()),
                                         "must equal the number of cells " + std::to_string(rhobar_.size())));
  return Operator(width_, centre_, rhobar_, potential_).energy(density);
}

FiniteVolumeSolution FiniteVolumeSolver1D::solve(const Law1D& initial, double mass, double t0,
                                                 std::span<const double> output_times) const {
  constexpr const char* kSolve = "FiniteVolumeSolver1D::solve";
  const auto start = std::chrono::steady_clock::now();
  detail::validate_solve_arguments(kSolve, mass, t0, output_times);
  const std::size_t n = rhobar_.size();
  const double outside = initial.cdf(edges_.front()) + (1.0 - initial.cdf(edges_.back()));
  if (!(outside <= kMaxOutsideMass))
    throw std::invalid_argument(describe(kSolve, "initial mass fraction outside [a, b]", outside,
                                         "must be <= 1e-12: widen the domain (target breakpoints)"));
  // Cell averages through the CDF; the end cells take the (negligible) tails.
  std::vector<double> rho(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double lo = i == 0 ? 0.0 : initial.cdf(edges_[i]);
    const double hi = i + 1 == n ? 1.0 : initial.cdf(edges_[i + 1]);
    rho[i] = mass * std::max(0.0, hi - lo) / width_[i];
  }
  const Operator op(width_, centre_, rhobar_, potential_);

  FiniteVolumeSolution result;
  result.t_reached = t0;
  const auto current_mass = [&](std::span<const double> r) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += width_[i] * r[i];
    return s;
  };
  const auto snapshot = [&](double t) {
    const double m = current_mass(rho);
    result.snapshots.push_back({t, edges_, rho, op.energy(rho), m});
    result.boundary_mass = std::max(result.boundary_mass, (width_.front() * rho.front() + width_.back() * rho.back()) / m);
  };
  const auto finish = [&](ReferenceStatus status, std::string message) {
    result.status = status;
    result.message = std::move(message);
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  };
  if (!all_finite(rho)) return finish(ReferenceStatus::non_finite_state, "the initial cell averages are not finite");
  snapshot(t0);
  if (options_.record_energy) result.energy_history.emplace_back(t0, op.energy(rho));

  const double tolerance = options_.atol + options_.rtol * mass;
  const double newton_tolerance = kNewtonFraction * tolerance;
  Workspace ws(n);
  std::vector<double> full, half, half2, correction(n + 1), limit(n);
  const auto attempt = [&](double h) -> StepAttempt {
    const bool solved =
        backward_euler(op, rho, width_, h, newton_tolerance, full, ws, result.newton_iterations) &&
        backward_euler(op, rho, width_, 0.5 * h, newton_tolerance, half, ws, result.newton_iterations) &&
        backward_euler(op, half, width_, 0.5 * h, newton_tolerance, half2, ws, result.newton_iterations);
    return {solved, solved ? l1_distance(half2, full, width_) / tolerance : 0.0};
  };
  const auto accept = [&](double t) {
    if (options_.scheme == TimeScheme::extrapolated_euler &&
        extrapolate(half2, full, width_, correction, limit) == Extrapolation::limited)
      ++result.limited_steps;
    rho.swap(half2);
    if (options_.record_energy) result.energy_history.emplace_back(t, op.energy(rho));
  };
  const auto at_output = [&](double t) {
    snapshot(t);
    return MarchEnd{};
  };
  const MarchEnd end = march(t0, output_times, options_.initial_dt, options_.max_steps, "Newton or positivity",
                             result, attempt, accept, at_output);
  return finish(end.status, end.message);
}

}  // namespace blobflow::analysis
