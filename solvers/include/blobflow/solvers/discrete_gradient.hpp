// An energy-stable implicit step of order 2 for the gradient flow dx/dt = v(x) = -M^{-1} grad E_eps(x): the
// discrete-gradient method with Gonzalez's midpoint discrete gradient (docs/math.md §7.4),
//     M (x1 - x0) / dt = -gradbar E(x0, x1),
//     gradbar E = grad E(m) + [(E(x1) - E(x0) - grad E(m) . D) / (D^T M D)] M D,   m = (x0 + x1) / 2, D = x1 - x0,
// which satisfies gradbar E . D = E(x1) - E(x0) exactly, so that E(x1) - E(x0) = -D^T M D / dt <= 0 at any dt. It is
// symmetric, hence of order 2. Each step is solved by Newton's method with the matrix I - (dt/2) J(m)
// (J = -M^{-1} D^2 E_eps, the sparse Hessian of shifted_system.hpp, or matrix-free GMRES) and a backtracking line
// search on |F|_2 (F = x1 - x0 - dt vbar), until |F_i| <= (atol + rtol L) / 100 for every particle i (L the cloud's
// RMS radius; a hundredth of implicit-euler's tolerance, discrete_gradient.cpp says why).
#pragma once

#include <cstddef>
#include <span>

#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// The most Newton iterations one step may take before it gives up (not_converged). Measured need: see the printed
/// counts of test_discrete_gradient.cpp (100 times the explicit step limit).
inline constexpr std::size_t kDiscreteGradientMaxIterations = 50;

struct DiscreteGradientOptions {
  double rtol = 1e-8;  ///< relative to the RMS radius of the cloud about its centre
  double atol = 1e-10; ///< absolute, length units
  std::size_t max_iterations = kDiscreteGradientMaxIterations;
};

enum class DiscreteGradientOutcome {
  converged,         ///< the residual meets the tolerance
  non_finite_field,  ///< velocity, energy, Hessian or a solve non-finite at x0, or at trial points of a solve that
                     ///< then failed
  not_converged,     ///< max_iterations reached, or a linear solve failed
};

struct DiscreteGradientResult {
  DiscreteGradientOutcome outcome = DiscreteGradientOutcome::not_converged;
  std::size_t iterations = 0;            ///< Newton iterations
  std::size_t velocity_evaluations = 0;  ///< calls of VelocityField::velocity (matrix-free products included)
  std::size_t energy_evaluations = 0;    ///< calls of VelocityField::energy
  std::size_t jacobian_evaluations = 0;  ///< calls of VelocityField::hessian
  std::size_t krylov_iterations = 0;     ///< GMRES iterations (fields without a Hessian)
  double residual = 0.0;                 ///< max_i |x1_i - x0_i - dt vbar_i| at the returned x1
  double tolerance = 0.0;                ///< atol + rtol L (the solve stops at a hundredth of it)
  double energy_old = 0.0;               ///< E_eps(x0)
  double energy_new = 0.0;               ///< E_eps(x1)
};

/// One discrete-gradient step of length dt > 0 from x_old to x_new (N d, particle-major). x_new is written only when
/// the step converged. Never throws for numerical trouble; the outcome says what happened.
DiscreteGradientResult discrete_gradient_step(const VelocityField& field, std::span<const double> x_old, double dt,
                                              std::span<double> x_new, const DiscreteGradientOptions& options = {});

}  // namespace blobflow
