// A 1D reference solver for d/dt rho = (rho (dU/drho(rho, x) + V(x))_x)_x, the truth for particle errors where no
// exact solution exists (docs/math.md §1.2, §2.2). Internal energies U (docs/math.md §1.2 and §2.2):
//   pme,  m > 1:  U = rho^m/(m-1)        d/dt rho = (rho^m)_xx (+ (rho V')_x)
//   heat, m = 1:  U = rho log rho        d/dt rho = rho_xx     (+ (rho V')_x)
//   wpme:         U = rho^2/(2 rhobar(x)) d/dt rho = (rho (rho/rhobar)_x)_x (+ (rho V')_x)
//
// Method: the Lagrangian (inverse-CDF) formulation, a discrete Wasserstein gradient flow. The mass coordinate
// s in [0, M] is cut at levels s_0 < ... < s_K into cells of mass dm_k; the unknowns are the edge positions X_k(t) =
// Q(s_k/M, t), the density is constant on each cell, rho_k = dm_k/(X_(k+1) - X_k), and the semi-discrete energy is
//   E(X) = sum_k int_{X_k}^{X_(k+1)} U(rho_k, x) dx + sum_k mu_k V(X_k),
// with mu_k = (dm_(k-1) + dm_k)/2 the lumped edge masses (dm_(-1) = dm_K = 0). The edges move by the gradient flow
//   mu_k dX_k/dt = -dE/dX_k,
// the W2 gradient flow restricted to piecewise-linear quantile functions with the lumped mass matrix, so
// dE/dt = -sum_k mu_k |dX_k/dt|^2 holds exactly for the semi-discrete system. For pme this reads
// mu_k dX_k/dt = -(P_k - P_(k-1)) - mu_k V'(X_k) with P_k = rho_k^m the cell pressure: a second-order difference of
// -P_s (the Lagrangian velocity -(rho^m)_x/rho). The half masses at the two end edges make the free-boundary speed
// consistent (P vanishes linearly in s at the edge of a Barenblatt support, and the end edge sees P_(K-1) at half a
// cell); a uniform 1/dm there would halve it. For wpme the cell integral int 1/rhobar is computed exactly for
// piecewise-constant rhobar (split at its breakpoints) and by Gauss-Legendre otherwise, so E stays continuous when
// an edge crosses a jump of rhobar. dE/dX_k jumps there (a kink of E): Newton stops an edge exactly on the breakpoint,
// keeps it there while the one-sided derivatives bracket 0 (the subdifferential condition of the minimizing movement)
// and lets it leave with the derivative of the side it moves to. Each crossing is a non-smooth event that the step
// control must resolve, so such targets cost many more steps (about 30 times the smooth case at K = 100).
//
// Time stepping: the flow is stiff (dt ~ dx^2, worse at the end cells), so each step is implicit: backward Euler as a
// minimizing movement, X^(n+1) = argmin E(X) + sum_k mu_k |X_k - X^n_k|^2/(2 dt), solved by Newton's method. E couples
// neighbouring edges only, so the Hessian is tridiagonal: an LDL^T factorization costs O(K) and its pivots certify
// that the step's objective is locally convex (a non-positive pivot rejects the step). A backtracking line search keeps
// every cell width positive and decreases the objective, so each backward Euler step dissipates energy (a
// minimizing-movement step cannot increase E). Accuracy: Richardson extrapolation of one step dt against two steps
// dt/2 (second order and L-stable: the amplification 2/(1 - z/2)^2 - 1/(1 - z) vanishes as z -> -infinity); the
// difference of the two is the local error estimate that adapts dt. `TimeScheme::implicit_euler` keeps the two
// half steps instead (first order, but every accepted step is a pair of minimizing movements: energy monotone).
// Failures (Newton not converging, a cell width that would vanish, non-finite values, tiny steps) are reported as a
// status, never thrown.
//
// Initial data: a Law1D (its quantile) and a mass M. The levels s_k equidistribute a blend of mass and length,
// (1 - theta) s/M + theta (Q(s/M) - Q(u_lo))/(Q(u_hi) - Q(u_lo)), so cells stay narrow where the density is small
// (theta = 0: equal masses M/K). Laws with infinite support are truncated in the mass coordinate: the levels cover
// [tail_mass, 1 - tail_mass] of the law, the two tails are dropped (the represented mass is M (1 - 2 tail_mass)), and
// the cut edges then move as free boundaries. The dropped tails cost at most their own W2 contribution (heat and
// Fokker-Planck are W2 contractions), of order sqrt(tail_mass) times the tail scale.
//
// Output: at each requested time a snapshot whose law() is a PiecewiseConstantLaw1D (piecewise_law1d.hpp), so
// wasserstein_1d(x, w, snapshot.law()) measures particles against the reference with no extra code.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"

namespace blobflow::analysis {

/// U = rho^m/(m-1) for m > 1 (pme: d/dt rho = (rho^m)_xx), U = rho log rho for m = 1 (heat: d/dt rho = rho_xx).
struct PorousMediumEnergy1D {
  double m = 2.0;  ///< exponent, finite and >= 1
};

/// U = rho^2/(2 rhobar(x)) (wpme: d/dt rho = (rho (rho/rhobar)_x)_x), docs/math.md §2.2.
struct WeightedEnergy1D {
  /// rhobar(x) > 0 and finite wherever the solution lives (required).
  std::function<double(double)> rhobar;
  /// d rhobar/dx (optional; empty: a central difference of 1/rhobar). Enters only Newton's Hessian, never the
  /// equations solved, so an approximate derivative slows Newton at worst.
  std::function<double(double)> rhobar_derivative;
  /// Sorted points where rhobar may jump (piecewise-constant or piecewise-smooth targets): cell integrals of 1/rhobar
  /// are split there, so Gauss-Legendre only ever sees smooth pieces (exact for a piecewise-constant rhobar).
  std::vector<double> breakpoints;
};

/// The internal energy: which equation is solved.
using InternalEnergy1D = std::variant<PorousMediumEnergy1D, WeightedEnergy1D>;

/// An external potential V(x) (the drift term (rho V')_x). Empty value and derivative: no potential.
struct Potential1D {
  std::function<double(double)> value;              ///< V(x)
  std::function<double(double)> derivative;         ///< V'(x), required with value
  std::function<double(double)> second_derivative;  ///< V''(x), optional (empty: a central difference of V'); Hessian only
};

/// Time discretization of the reference solver (see the file comment).
enum class TimeScheme {
  extrapolated_euler,  ///< Richardson-extrapolated backward Euler: second order, L-stable (default)
  implicit_euler,      ///< pairs of backward Euler half steps: first order, the energy never increases
};

/// Settings of ReferenceSolver1D. Every length tolerance is relative to the current support width X_K - X_0.
struct ReferenceSolverOptions {
  std::size_t cells = 800;            ///< K >= 2 cells
  double grid_length_weight = 0.5;    ///< theta in [0, 1): 0 gives equal cell masses
  double tail_mass = 1e-12;           ///< per side, in (0, 0.25); used only for laws with an infinite end
  double rtol = 1e-7;                 ///< local error per step, relative to the support width, > 0
  double atol = 1e-12;                ///< local error per step, absolute length, >= 0
  double initial_dt = 0.0;            ///< first trial step; 0: 1e-6 of the time span
  std::size_t max_steps = 1000000;    ///< accepted + rejected steps >= 1
  TimeScheme scheme = TimeScheme::extrapolated_euler;
  bool record_energy = false;         ///< keep (t, E) after every accepted step in ReferenceSolution::energy_history
};

/// Outcome of a solve, as data (docs/architecture.md "Conventions": numerical failure is a status).
enum class ReferenceStatus {
  ok,
  step_size_underflow,  ///< the step fell below round-off of t: Newton failed or positivity could not be kept
  max_steps_exceeded,
  non_finite_state,     ///< a NaN or infinity in the energy or the state (for example rhobar returned 0)
};

/// "ok", "step_size_underflow", "max_steps_exceeded", "non_finite_state".
std::string_view to_string(ReferenceStatus status);

/// The computed solution at one time.
struct ReferenceSnapshot {
  double t = 0.0;
  std::vector<double> edges;        ///< X_0 < ... < X_K
  std::vector<double> cell_masses;  ///< dm_k (not normalized; sum = represented mass)
  double energy = 0.0;              ///< the semi-discrete energy E(X)
  /// The law rho(., t)/M as a Law1D (normalized by the represented mass).
  PiecewiseConstantLaw1D law() const { return PiecewiseConstantLaw1D(edges, cell_masses); }
};

/// Everything a solve produces. On failure, snapshots hold the output times reached and message says why.
struct ReferenceSolution {
  ReferenceStatus status = ReferenceStatus::ok;
  std::string message;
  std::vector<ReferenceSnapshot> snapshots;             ///< t0 first, then each output time reached
  std::vector<std::pair<double, double>> energy_history;  ///< (t, E) per accepted step when record_energy
  std::size_t steps_accepted = 0;
  std::size_t steps_rejected = 0;
  std::size_t newton_iterations = 0;
  double t_reached = 0.0;
  double wall_seconds = 0.0;
};

/// The 1D reference solver: d/dt rho = (rho (dU/drho + V)_x)_x on R by the Lagrangian scheme of the file comment.
class ReferenceSolver1D {
 public:
  /// \param energy which equation (pme/heat or wpme); \param potential V, V' (and optionally V''), or empty;
  /// \param options grid and tolerances.
  /// \throws std::invalid_argument naming the parameter: m < 1 or not finite, an empty rhobar, unsorted breakpoints,
  /// a potential value without derivative (or the reverse), or an option out of its range.
  ReferenceSolver1D(InternalEnergy1D energy, Potential1D potential = {}, ReferenceSolverOptions options = {});

  /// Solves from the law `initial` with mass M at t0 to each output time (strictly increasing, all > t0).
  /// \throws std::invalid_argument for mass <= 0, non-finite t0, bad output times, or initial data whose truncated
  /// quantiles are infinite or not strictly increasing on the grid. Numerical failure is a status in the result.
  ReferenceSolution solve(const Law1D& initial, double mass, double t0, std::span<const double> output_times) const;

  /// The semi-discrete energy E(X) of edges X with cell masses dm (E at a snapshot; exposed for tests).
  /// \throws std::invalid_argument for mismatched sizes.
  double energy(std::span<const double> edges, std::span<const double> cell_masses) const;

  /// Its gradient dE/dX_k (exposed so that tests can check it against finite differences).
  std::vector<double> energy_gradient(std::span<const double> edges, std::span<const double> cell_masses) const;

  const ReferenceSolverOptions& options() const { return options_; }

 private:
  InternalEnergy1D energy_;
  Potential1D potential_;
  ReferenceSolverOptions options_;
};

}  // namespace blobflow::analysis
