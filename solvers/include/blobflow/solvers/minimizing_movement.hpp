// One step of the minimizing-movement (JKO-type, Euclidean) scheme for the particle gradient flow
// dx_i/dt = v_i(x) = -(1/m_i) grad_(x_i) E_eps(x) (docs/math.md §1.4): the implicit Euler step
//     x^{n+1} = argmin_x  Phi(x),   Phi(x) = sum_i m_i |x_i - x_i^n|^2 / (2 dt) + E_eps(x).
// Its first-order condition m_i (x_i - x_i^n)/dt - m_i v_i(x) = 0 is the implicit Euler equation
// x^{n+1} = x^n + dt v(x^{n+1}); since the minimizer beats x^n, E_eps(x^{n+1}) <= Phi(x^{n+1}) <= Phi(x^n) = E_eps(x^n)
// at every dt (the discrete form of docs/math.md §7.1 item 6). Only VelocityField::velocity and ::energy are used: no
// Jacobian (odeint's implicit steppers need a dense uBLAS one, docs/architecture.md "Conventions"). The minimization is
// L-BFGS in the mass-weighted variables z_i = sqrt(m_i) x_i with a backtracking Armijo line search on Phi.
#pragma once

#include <cstddef>
#include <span>

#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// The most L-BFGS iterations one step may take before it gives up (not_converged). Measured need: 3-12 per step
/// at dt <= 0.1 and up to a few hundred at dt = 10 on the unit-test clouds (test_implicit_euler.cpp).
inline constexpr std::size_t kMinimizingMovementMaxIterations = 2000;

/// When the solve of one step counts as converged: for every particle i,
///     |x_i - x_i^n - dt v_i(x)| <= atol + rtol L,
/// the implicit Euler residual (Euclidean, length units), with L the RMS distance of the particles of x^n from their
/// centroid: the same norm as the adaptive methods' local error (integrators.hpp, IntegratorSpec).
struct MinimizingMovementOptions {
  double rtol = 1e-8;  ///< relative to the RMS radius of the cloud about its centre
  double atol = 1e-10; ///< absolute, length units
  std::size_t max_iterations = kMinimizingMovementMaxIterations;
};

enum class MinimizingMovementOutcome {
  converged,         ///< the residual meets the tolerance
  non_finite_field,  ///< velocity or energy non-finite at x^n, or at trial points when the solve then failed
  not_converged,     ///< max_iterations reached, or no line search could decrease Phi further
};

struct MinimizingMovementResult {
  MinimizingMovementOutcome outcome = MinimizingMovementOutcome::not_converged;
  std::size_t iterations = 0;            ///< accepted L-BFGS iterations
  std::size_t velocity_evaluations = 0;  ///< calls of VelocityField::velocity (x^n and every line-search trial)
  std::size_t energy_evaluations = 0;    ///< calls of VelocityField::energy (the same points)
  double residual = 0.0;                 ///< max_i |x_i - x_i^n - dt v_i(x)| at the returned x
  double tolerance = 0.0;                ///< atol + rtol L
  double energy_old = 0.0;               ///< E_eps(x^n)
  double energy_new = 0.0;               ///< E_eps at the returned x; <= energy_old whenever it is finite
};

/// One implicit Euler step of length dt > 0 (time units) from x_old to x_new (both N d, particle-major).
/// x_new always receives an iterate whose computed energy and objective do not exceed those at x_old (x_old itself
/// if no better one was found): E_eps(x_new) <= E_eps(x_old) holds in floating point, whatever the outcome.
/// Never throws for numerical trouble; the outcome says what happened. Preconditions (assert): sizes match the field.
MinimizingMovementResult minimizing_movement_step(const VelocityField& field, std::span<const double> x_old,
                                                  double dt, std::span<double> x_new,
                                                  const MinimizingMovementOptions& options = {});

}  // namespace blobflow
