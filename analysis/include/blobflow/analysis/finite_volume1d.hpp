// A 1D Eulerian finite-volume reference solver for wpme with a piecewise-constant target and an optional potential,
//   d/dt rho = ( rho ( rho/rhobar + V )_x )_x   on [a, b], no flux through a and b,
// the gradient flow of E = int rho^2/(2 rhobar) + rho V (docs/math.md §2.2). It is the truth for the problems that the
// Lagrangian solver (reference_solver1d.hpp) cannot finish: mass crossing an interior jump of rhobar, where every
// Lagrangian edge meets a kink of the energy, costs nothing here because the grid does not move.
//
// Grid: rhobar is given by breakpoints a = p_0 < ... < p_P = b and values; each piece [p_j, p_(j+1)] is cut into
// equal cells, their number in proportion to its length (times an optional resolution weight; at least one), so every
// breakpoint is a cell face and rhobar is constant in each cell. Unknowns: the cell averages rho_i; the potential u_i = rho_i/rhobar_i + V(x_i) at the cell
// centres x_i; the face flux
//   F_(i+1/2) = - rho_up (u_(i+1) - u_i) / (x_(i+1) - x_i),   rho_up = rho_i if u_i > u_(i+1), else rho_(i+1),
// the upwind density: the cell on the side the flow comes from; F = 0 at a and b. Why upwind: writing
// F_(i+1/2) = alpha rho_i - beta rho_(i+1) with alpha = (u_i - u_(i+1))_+ / h >= 0, beta = (u_(i+1) - u_i)_+ / h >= 0,
// every cell only loses mass in proportion to its own density, so the backward Euler system
// rho^(n+1) + dt D F(rho^(n+1)) = rho^n, frozen at its solution, is (I + dt A) rho^(n+1) = rho^n with A having a
// non-negative diagonal, non-positive off-diagonal entries and zero column sums (weighted by dx): an M-matrix, whose
// inverse is non-negative. So rho^n >= 0 gives rho^(n+1) >= 0 for every dt (a centred rho_face has no such
// property). The price is first order in space (the flux's density is one cell off).
// Properties (each tested): mass sum_i dx_i rho_i is conserved exactly by every Newton iterate (the fluxes
// telescope); the semi-discrete energy E_h = sum_i dx_i (rho_i^2/(2 rhobar_i) + rho_i V_i) satisfies
// dE_h/dt = -sum_faces rho_up (u_(i+1) - u_i)^2 / h <= 0, and because E_h is convex one backward Euler step cannot
// increase it: E_h(rho^(n+1)) - E_h(rho^n) <= grad E_h(rho^(n+1)) . (rho^(n+1) - rho^n) = -dt (dissipation) <= 0.
//
// Time stepping (as ReferenceSolver1D): backward Euler solved by Newton's method (tridiagonal Jacobian, Thomas
// algorithm; the upwind switch makes the flux piecewise smooth, and Newton uses the derivative of the active branch),
// Richardson extrapolation of one step dt against two steps dt/2 for second order, and their difference, measured in
// L1 (mass units), as the local error estimate that adapts dt. The extrapolation 2 rho_fine - rho_coarse conserves mass
// but can go negative at the edge of a region of zero density; it is applied in flux form through Zalesak's
// flux-corrected-transport limiter, which keeps every cell >= 0 and the mass exact and changes nothing elsewhere
// (steps where it acts are counted in FiniteVolumeSolution::limited_steps). `TimeScheme::implicit_euler` keeps the
// two half steps (first order, energy monotone). Failures (Newton not converging, a negative density, non-finite values, tiny steps) are a status.
//
// Truncation: mass cannot leave [a, b], whereas on R it leaks into the floor region outside a target's support (where
// rhobar = floor f, u = rho/f, and d/dt u = (u u_x)_x: a porous-medium front that moves at a speed independent of f,
// carrying a mass proportional to f). Measured for the targets-1d piecewise example (f = 1.5e-3, support [-0.5, 0.5]):
// at t = 3 the front is at |x| = 3.44 with 4.7e-3 of the mass outside the support, and truncating at +-1.5 moves the
// solution by W2 = 5.2e-2, at +-3 by 2.0e-3, at +-5 by 4e-14. Choose [a, b] wide enough that the front does not reach
// it: FiniteVolumeSolution::boundary_mass (the largest mass fraction in the two end cells at the output times) is then
// 0 up to underflow, and a too narrow domain is visible.
//
// Output: at each requested time a snapshot whose law() is a PiecewiseConstantLaw1D (piecewise_law1d.hpp), so
// wasserstein_1d(x, w, snapshot.law()) measures particles against it.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/reference_solver1d.hpp"

namespace blobflow::analysis {

/// A piecewise-constant target rhobar on the domain [breakpoints.front(), breakpoints.back()].
struct PiecewiseConstantTarget1D {
  std::vector<double> breakpoints;  ///< P + 1 >= 2 finite, strictly increasing points
  std::vector<double> values;       ///< P finite values > 0: rhobar on [breakpoints[j], breakpoints[j + 1]]
};

/// Settings of FiniteVolumeSolver1D.
struct FiniteVolumeOptions {
  std::size_t cells = 2000;          ///< K >= number of pieces (the actual count may differ by rounding: see edges())
  /// Relative cell density per piece (empty: the same everywhere); piece j gets cells in proportion to
  /// length_j * resolution[j], at least one. Lets a wide floor region take coarser cells than the support.
  std::vector<double> resolution;
  double rtol = 1e-7;                ///< local L1 error per step relative to the mass, > 0
  double atol = 1e-14;               ///< local L1 error per step in mass units, >= 0
  double initial_dt = 0.0;           ///< first trial step; 0: 1e-6 of the time span
  std::size_t max_steps = 1000000;   ///< accepted + rejected steps >= 1
  TimeScheme scheme = TimeScheme::extrapolated_euler;
  bool record_energy = false;        ///< keep (t, E_h) after every accepted step in energy_history
};

/// The computed solution at one time.
struct FiniteVolumeSnapshot {
  double t = 0.0;
  std::vector<double> edges;    ///< the K + 1 cell faces (the solver's grid)
  std::vector<double> density;  ///< the K cell averages rho_i >= 0
  double energy = 0.0;          ///< E_h = sum_i dx_i (rho_i^2/(2 rhobar_i) + rho_i V(x_i))
  double mass = 0.0;            ///< sum_i dx_i rho_i
  /// rho(., t)/mass as a law. Cells of zero mass at the two ends are left out; an interior cell whose density
  /// underflowed to 0 (far from the support, never inside a connected one) is joined to its left neighbour.
  PiecewiseConstantLaw1D law() const;
};

/// Everything a solve produces. On failure, snapshots hold the output times reached and message says why.
struct FiniteVolumeSolution {
  ReferenceStatus status = ReferenceStatus::ok;
  std::string message;
  std::vector<FiniteVolumeSnapshot> snapshots;             ///< t0 first, then each output time reached
  std::vector<std::pair<double, double>> energy_history;   ///< (t, E_h) per accepted step when record_energy
  std::size_t steps_accepted = 0;
  std::size_t steps_rejected = 0;
  std::size_t newton_iterations = 0;
  std::size_t limited_steps = 0;  ///< accepted steps where the positivity limiter scaled the extrapolation
  double boundary_mass = 0.0;            ///< largest fraction of the mass in the two end cells at the output times
  double t_reached = 0.0;
  double wall_seconds = 0.0;
};

/// The finite-volume solver of the file comment.
class FiniteVolumeSolver1D {
 public:
  /// \param target rhobar and the domain; \param potential V(x) at the cell centres, or empty for V = 0;
  /// \param options grid and tolerances.
  /// \throws std::invalid_argument naming the parameter: fewer than 2 breakpoints, breakpoints not finite and strictly
  /// increasing, values.size() != breakpoints.size() - 1, a value not finite and > 0, options.resolution neither empty
/// nor one finite weight > 0 per piece, or another option out of its range.
  FiniteVolumeSolver1D(PiecewiseConstantTarget1D target, std::function<double(double)> potential = {},
                       FiniteVolumeOptions options = {});

  /// Solves from the law `initial` (its cell averages, exact through its CDF) with mass M at t0 to each output time
  /// (strictly increasing, all > t0). \throws std::invalid_argument for mass <= 0, non-finite t0, bad output times,
  /// or an initial law with more than 1e-12 of its mass outside [a, b] (that mass is added to the end cells).
  /// Numerical failure is a status in the result.
  FiniteVolumeSolution solve(const Law1D& initial, double mass, double t0, std::span<const double> output_times) const;

  /// The cell faces a = e_0 < ... < e_K = b.
  const std::vector<double>& edges() const { return edges_; }
  /// rhobar on each cell.
  const std::vector<double>& cell_rhobar() const { return rhobar_; }
  /// The discrete energy E_h of cell averages `density` (size K). \throws std::invalid_argument for a wrong size.
  double energy(std::span<const double> density) const;
  const FiniteVolumeOptions& options() const { return options_; }

 private:
  FiniteVolumeOptions options_;
  std::vector<double> edges_, width_, centre_, rhobar_, potential_;
};

}  // namespace blobflow::analysis
