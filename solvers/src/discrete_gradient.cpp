// The discrete-gradient step (discrete_gradient.hpp). Newton on F(x1) = D - dt vbar(x0, x1) = 0, with
// vbar = -M^{-1} gradbar E = v(m) - kappa D, kappa = (E(x1) - E(x0) + (M v(m)) . D) / (D^T M D), and the Newton
// matrix I - (dt/2) J(m): the derivative of F without the kappa term, which is O(|D|^2) (the midpoint rule's error
// in E(x1) - E(x0)), so the iteration converges fast while the steps stay short of the solution's curvature.
#include "blobflow/solvers/discrete_gradient.hpp"

#include <algorithm>
#include <cmath>

#include "shifted_system.hpp"

namespace blobflow {
namespace {

/// The Newton iteration stops at a hundredth of the step tolerance atol + rtol L: every step's residual adds to the
/// global error, and a second-order method takes many steps where its own error is small (at rtol = 1e-8 and 320
/// steps the residuals at the tolerance itself would add ~1e-6, the size of the truncation error at dt = 0.003).
constexpr double kSolveSafety = 1e-2;

/// max over particles of the Euclidean norm of the particle's d entries of r.
double particle_max_norm(const stiff::Vector& r, std::size_t d) {
  double worst = 0.0;
  for (Eigen::Index i = 0; i < r.size(); i += static_cast<Eigen::Index>(d)) {
    double s = 0.0;
    for (std::size_t k = 0; k < d; ++k) s += r(i + static_cast<Eigen::Index>(k)) * r(i + static_cast<Eigen::Index>(k));
    if (std::isnan(s)) return s;
    worst = std::max(worst, s);
  }
  return std::sqrt(worst);
}

/// The residual F(x1) = D - dt vbar(x0, x1) and E(x1), for one candidate x1.
struct Candidate {
  stiff::Vector x1, f, vm;  // vm = v(m)
  double energy = 0.0;
  double kappa = 0.0;
  double dmd = 0.0;   // D^T M D
  double norm = 0.0;  // ||F||_2, what the line search decreases
};

/// Evaluates F and E at c.x1 (one velocity at the midpoint, one energy unless x1 = x0); false when non-finite.
bool evaluate(const VelocityField& field, const stiff::Vector& x0, double e0, const stiff::Vector& mass, double dt,
              Candidate& c, DiscreteGradientResult& result) {
  const stiff::Vector delta = c.x1 - x0, m = 0.5 * (x0 + c.x1);
  c.vm.resize(m.size());
  field.velocity(std::span<const double>(m.data(), static_cast<std::size_t>(m.size())),
                 std::span<double>(c.vm.data(), static_cast<std::size_t>(c.vm.size())));
  ++result.velocity_evaluations;
  c.dmd = delta.dot(mass.cwiseProduct(delta));
  c.kappa = 0.0;
  c.energy = e0;
  if (c.dmd > 0.0) {
    c.energy = field.energy(std::span<const double>(c.x1.data(), static_cast<std::size_t>(c.x1.size())));
    ++result.energy_evaluations;
    c.kappa = (c.energy - e0 + mass.cwiseProduct(c.vm).dot(delta)) / c.dmd;
  }
  c.f = delta - dt * (c.vm - c.kappa * delta);
  c.norm = c.f.norm();
  return std::isfinite(c.norm) && std::isfinite(c.energy);
}

/// The smallest 1 + dt kappa the Newton matrix uses: kappa < 0 (E convex along D) could make it singular.
constexpr double kMinShiftFactor = 0.1;

/// The Newton step at `now`: the derivative of F is (1 + dt kappa) I - (dt/2) J(m) + dt D grad(kappa)^T, with
///   grad(kappa) = (grad E(x1) + M v(m) - (1/2) D^2 E(m) D - 2 kappa M D) / D^T M D
///              ~ (M (v(m) - (v(x0) + v(x1)) / 2) - 2 kappa M D) / D^T M D,
/// using D^2 E(m) D ~ -M (v(x1) - v(x0)) (exact to O(|D|^3)). The rank-one term is solved by Sherman-Morrison with
/// two solves of (c I - J(m)), c = 2 (1 + dt kappa) / dt. `system` is at m. False when a solve failed.
bool newton_step(stiff::ShiftedSystem& system, const stiff::Vector& x0, const stiff::Vector& v0, double dt,
                 const Candidate& now, stiff::Vector& step, stiff::LinearCounters& counters) {
  const double factor = std::max(1.0 + dt * now.kappa, kMinShiftFactor), c = 2.0 * factor / dt;
  stiff::Vector y;
  if (!system.prepare(c, counters) || !system.solve(c, -now.f, y, counters)) return false;
  y *= 2.0 / dt;  // B^-1 (-F), B = (dt/2) (c I - J)
  step = y;
  if (!(now.dmd > 0.0)) return true;
  const stiff::Vector delta = now.x1 - x0;
  stiff::Vector v1, z;
  system.velocity(now.x1, v1, counters);
  if (!stiff::finite(v1)) {
    counters.finite = false;
    return false;
  }
  const stiff::Vector grad_kappa =
      (system.mass.cwiseProduct(now.vm - 0.5 * (v0 + v1)) - 2.0 * now.kappa * system.mass.cwiseProduct(delta)) /
      now.dmd;
  if (!system.solve(c, delta, z, counters)) return false;
  z *= 2.0;  // B^-1 (dt D)
  const double denominator = 1.0 + grad_kappa.dot(z);
  if (std::abs(denominator) > 1e-12) step -= z * (grad_kappa.dot(y) / denominator);
  return stiff::finite(step);
}

/// The line search: halve the Newton step at most this often, accepting the first candidate whose ||F||_2 falls by
/// at least kSufficientDecrease times the step fraction (Armijo on ||F||, a descent direction for it).
constexpr int kMaxHalvings = 30;
constexpr double kSufficientDecrease = 1e-4;

}  // namespace

DiscreteGradientResult discrete_gradient_step(const VelocityField& field, std::span<const double> x_old, double dt,
                                              std::span<double> x_new, const DiscreteGradientOptions& options) {
  DiscreteGradientResult result;
  const auto n = static_cast<Eigen::Index>(x_old.size());
  const auto d = static_cast<std::size_t>(field.dimension());
  const Eigen::Map<const stiff::Vector> x0(x_old.data(), n);
  stiff::ShiftedSystem system(field);
  stiff::LinearCounters counters;
  const auto finish = [&](DiscreteGradientOutcome outcome) {
    result.outcome = outcome;
    result.velocity_evaluations += counters.velocity_evaluations;
    result.jacobian_evaluations = counters.jacobian_evaluations;
    result.krylov_iterations = counters.krylov_iterations;
    return result;
  };
  result.energy_old = field.energy(x_old);
  ++result.energy_evaluations;
  result.tolerance = options.atol + options.rtol * stiff::cloud_spread(x0, d);
  const double e0 = result.energy_old;
  Candidate now, trial;
  now.x1 = x0;
  if (!std::isfinite(e0) || !evaluate(field, x0, e0, system.mass, dt, now, result))
    return finish(DiscreteGradientOutcome::non_finite_field);
  const stiff::Vector v0 = now.vm;  // x1 = x0: the midpoint is x0
  stiff::Vector step;
  bool saw_non_finite = false;
  for (std::size_t it = 0;; ++it) {
    result.residual = particle_max_norm(now.f, d);
    result.energy_new = now.energy;
    if (result.residual <= kSolveSafety * result.tolerance) {
      std::copy(now.x1.data(), now.x1.data() + n, x_new.data());
      return finish(DiscreteGradientOutcome::converged);
    }
    if (it >= options.max_iterations)
      return finish(saw_non_finite ? DiscreteGradientOutcome::non_finite_field : DiscreteGradientOutcome::not_converged);
    if (!system.set_point(0.5 * (x0 + now.x1), counters)) return finish(DiscreteGradientOutcome::non_finite_field);
    if (!newton_step(system, x0, v0, dt, now, step, counters))
      return finish(counters.finite ? DiscreteGradientOutcome::not_converged : DiscreteGradientOutcome::non_finite_field);
    ++result.iterations;
    double alpha = 1.0;
    bool accepted = false;
    for (int k = 0; k <= kMaxHalvings && !accepted; ++k, alpha *= 0.5) {
      trial.x1 = now.x1 + alpha * step;
      const bool finite = evaluate(field, x0, e0, system.mass, dt, trial, result);
      saw_non_finite = saw_non_finite || !finite;
      accepted = finite && trial.norm < (1.0 - kSufficientDecrease * alpha) * now.norm;
    }
    if (!accepted)  // as implicit-euler: a failed solve that met non-finite values reports them
      return finish(saw_non_finite ? DiscreteGradientOutcome::non_finite_field : DiscreteGradientOutcome::not_converged);
    std::swap(now, trial);
  }
}

}  // namespace blobflow
