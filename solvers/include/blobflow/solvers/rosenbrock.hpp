// A linearly implicit (Rosenbrock-W) step for the stiff particle ODE dx/dt = v(x) = -M^{-1} grad E_eps(x):
// ROS34PW2 of Rang and Angermann (BIT 45, 2005): 4 stages, order 3 with an embedded order-2 solution for the error
// estimate, L-stable and stiffly accurate, a W-method (its order holds with any approximation of the Jacobian).
// Each stage solves one linear system with the same matrix
//     I / (h gamma) - J,   J = dv/dx = -M^{-1} D^2 E_eps,
// which is solved as the symmetric system (M / (h gamma) + D^2 E_eps) u = M r: by a sparse LDL^T factorization
// (Eigen SimplicialLDLT; in 1D in the particles' sorted order, where the matrix is a band, else in AMD order) where
// the field gives its Hessian (VelocityField::hessian), else matrix-free by GMRES with Jacobian-vector products from
// finite differences of the velocity. A failed factorization (a zero pivot: H indefinite beyond M / (h gamma)) or
// GMRES short of its tolerance refuses the step, and a shorter step makes the matrix more diagonally dominant. No Newton iteration,
// so the cost of a step is fixed: 4 velocity evaluations, one Hessian and one factorization (docs/math.md §7.3).
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// What one step cost and whether it produced finite numbers.
struct RosenbrockStepResult {
  bool finite = true;                    ///< every velocity, Jacobian product and solve was finite
  bool solved = true;                    ///< every linear solve succeeded (factorization or GMRES converged)
  std::size_t velocity_evaluations = 0;  ///< calls of VelocityField::velocity (matrix-free products included)
  std::size_t jacobian_evaluations = 0;  ///< calls of VelocityField::hessian (0 or 1)
  std::size_t krylov_iterations = 0;     ///< matrix-free: GMRES iterations over the 4 stage solves
};

/// The ROS34PW2 step with its state between attempts: the velocity and Jacobian at the start point are kept, so an
/// attempt refused by the error control and retried from the same x costs 3 velocity evaluations, not 4.
class RosenbrockStepper {
 public:
  explicit RosenbrockStepper(const VelocityField& field);
  ~RosenbrockStepper();
  RosenbrockStepper(RosenbrockStepper&&) noexcept;
  RosenbrockStepper& operator=(RosenbrockStepper&&) noexcept;

  /// One step of length h > 0 from x: x_new the order-3 solution, error the difference to the embedded order-2
  /// solution (the local error estimate of the order-2 method). Never throws for numerical trouble.
  RosenbrockStepResult step(std::span<const double> x, double h, std::span<double> x_new, std::span<double> error);
  /// Forgets the velocity and Jacobian kept from the last start point.
  void reset();

  /// Order of the step and of the embedded solution.
  static constexpr int kOrder = 3;
  static constexpr int kEmbeddedOrder = 2;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace blobflow
