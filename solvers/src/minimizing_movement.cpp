// The minimizing-movement (implicit Euler) step of minimizing_movement.hpp: L-BFGS (Nocedal & Wright, Numerical
// Optimization, 2nd ed., Alg. 7.4 two-loop recursion and Alg. 7.5) on
//     f(x) = dt Phi(x) = sum_i m_i |x_i - x_i^n|^2 / 2 + dt E_eps(x)
// in the variables z_i = sqrt(m_i) x_i. In z the gradient is sqrt(m_i) r_i with r_i = x_i - x_i^n - dt v_i(x) (the
// implicit Euler residual, since grad_(x_i) E_eps = -m_i v_i, docs/math.md §1.4), and the Hessian is I + dt M^{-1/2}
// D^2E M^{-1/2}: the identity for small dt, so H_0 = I makes the first direction from x^n exactly the explicit Euler
// step dt v(x^n). Every accepted iterate has f <= f(x^n) = dt E_eps(x^n) and E_eps <= E_eps(x^n) (computed values),
// so the energy never increases, at any dt.
#include "blobflow/solvers/minimizing_movement.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <vector>

#include <Eigen/Core>

namespace blobflow {
namespace {

/// L-BFGS memory: the usual 5-20 (Nocedal & Wright §7.2); 8 pairs cost 16 N d doubles.
constexpr std::size_t kMemory = 8;
/// Armijo sufficient-decrease constant c_1 (Nocedal & Wright §3.1 recommend 1e-4).
constexpr double kArmijo = 1e-4;
/// Backtracking trials per line search: 60 halvings take the step below 1e-18 of the first, below round-off.
constexpr std::size_t kMaxBacktracks = 60;
/// The safeguarded quadratic-interpolation step stays in [kShrinkMin, kShrinkMax] times the rejected one.
constexpr double kShrinkMin = 0.1, kShrinkMax = 0.5;
/// Near the minimizer the decrease of f falls below its round-off (a few ulp of |f|, |f| >= dt E): there a step is
/// accepted if f did not rise by more than kRoundOffF |f| and the gradient norm fell, so the residual can still be
/// driven below the tolerance (an approximate Armijo condition, as Hager & Zhang's approximate Wolfe condition).
constexpr double kRoundOffF = 64.0 * std::numeric_limits<double>::epsilon();
/// A curvature pair (s, y) is stored only if s.y > kMinCurvature |s| |y|: keeps the inverse Hessian approximation
/// positive definite where E_eps is locally concave (s.y <= 0 would make it indefinite).
constexpr double kMinCurvature = 1e-10;

using Vector = Eigen::VectorXd;

/// f, E and the z-gradient at one point, with the residual norm of the stopping test.
struct Point {
  Vector x;             // positions (N d)
  Vector g;             // gradient of f in z: sqrt(m) r
  double f = 0.0;       // dt Phi
  double energy = 0.0;  // E_eps
  double residual = 0.0;
  bool finite = false;
};

class Problem {
 public:
  Problem(const VelocityField& field, std::span<const double> x_old, double dt, MinimizingMovementResult& result)
      : field_(field), dt_(dt), d_(static_cast<std::size_t>(field.dimension())), result_(result) {
    x_old_ = Eigen::Map<const Vector>(x_old.data(), static_cast<Eigen::Index>(x_old.size()));
    const auto masses = field.masses();
    mass_.resize(x_old_.size());
    for (std::size_t i = 0; i < masses.size(); ++i)
      for (std::size_t k = 0; k < d_; ++k) mass_[static_cast<Eigen::Index>(i * d_ + k)] = masses[i];
    sqrt_mass_ = mass_.cwiseSqrt();
    v_.resize(x_old.size());
  }

  /// RMS distance of the particles of x^n from their centroid.
  double rms_radius() const {
    const std::size_t n = mass_.size() / d_;
    double centre[3] = {}, spread2 = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d_; ++k) centre[k] += x_old_[static_cast<Eigen::Index>(i * d_ + k)];
    for (std::size_t k = 0; k < d_; ++k) centre[k] /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d_; ++k) {
        const double dx = x_old_[static_cast<Eigen::Index>(i * d_ + k)] - centre[k];
        spread2 += dx * dx;
      }
    return std::sqrt(spread2 / static_cast<double>(n));
  }

  const Vector& x_old() const { return x_old_; }
  const Vector& sqrt_mass() const { return sqrt_mass_; }

  /// Evaluates energy and velocity at p.x (one call each) and fills the rest of p.
  void evaluate(Point& p) {
    const std::span<const double> xs(p.x.data(), static_cast<std::size_t>(p.x.size()));
    p.energy = field_.energy(xs);
    ++result_.energy_evaluations;
    field_.velocity(xs, v_);
    ++result_.velocity_evaluations;
    const Vector vv = Eigen::Map<const Vector>(v_.data(), p.x.size());
    const Vector dx = p.x - x_old_;
    const Vector r = dx - dt_ * vv;
    p.g = sqrt_mass_.cwiseProduct(r);
    p.f = 0.5 * dx.cwiseProduct(dx).dot(mass_) + dt_ * p.energy;
    p.finite = std::isfinite(p.f) && p.g.allFinite();
    p.residual = 0.0;
    const std::size_t n = mass_.size() / d_;
    for (std::size_t i = 0; i < n; ++i) {
      const double ri = r.segment(static_cast<Eigen::Index>(i * d_), static_cast<Eigen::Index>(d_)).norm();
      p.residual = std::max(p.residual, ri);
      if (std::isnan(ri)) p.residual = ri;
    }
    if (!p.finite) saw_non_finite_ = true;
  }

  bool saw_non_finite() const { return saw_non_finite_; }

 private:
  const VelocityField& field_;
  double dt_;
  std::size_t d_;
  MinimizingMovementResult& result_;
  Vector x_old_, mass_, sqrt_mass_;
  std::vector<double> v_;
  bool saw_non_finite_ = false;
};

/// The L-BFGS direction -H g in z (two-loop recursion), H_0 = gamma I with gamma = s.y / y.y of the newest pair.
Vector lbfgs_direction(const Vector& g, const std::deque<Vector>& s, const std::deque<Vector>& y) {
  Vector q = g;
  std::vector<double> alpha(s.size()), rho(s.size());
  for (std::size_t j = s.size(); j-- > 0;) {
    rho[j] = 1.0 / s[j].dot(y[j]);
    alpha[j] = rho[j] * s[j].dot(q);
    q -= alpha[j] * y[j];
  }
  if (!s.empty()) q *= s.back().dot(y.back()) / y.back().squaredNorm();
  for (std::size_t j = 0; j < s.size(); ++j) {
    const double beta = rho[j] * y[j].dot(q);
    q += (alpha[j] - beta) * s[j];
  }
  return -q;
}

}  // namespace

MinimizingMovementResult minimizing_movement_step(const VelocityField& field, std::span<const double> x_old,
                                                  double dt, std::span<double> x_new,
                                                  const MinimizingMovementOptions& options) {
  assert(x_old.size() == x_new.size());
  assert(x_old.size() == field.masses().size() * static_cast<std::size_t>(field.dimension()));
  MinimizingMovementResult result;
  Problem problem(field, x_old, dt, result);
  result.tolerance = options.atol + options.rtol * problem.rms_radius();

  Point current;
  current.x = problem.x_old();
  problem.evaluate(current);
  result.energy_old = current.energy;
  auto finish = [&](MinimizingMovementOutcome outcome) {
    result.outcome = outcome;
    result.residual = current.residual;
    result.energy_new = current.energy;
    std::copy(current.x.begin(), current.x.end(), x_new.begin());
    return result;
  };
  if (!current.finite) return finish(MinimizingMovementOutcome::non_finite_field);
  // Admissible iterates never exceed the objective and the energy at x^n (computed values).
  const double f_start = current.f, energy_start = current.energy;

  std::deque<Vector> s_pairs, y_pairs;
  Point trial;
  while (!(current.residual <= result.tolerance)) {  // NaN residual: not converged
    if (result.iterations >= options.max_iterations)
      return finish(problem.saw_non_finite() ? MinimizingMovementOutcome::non_finite_field
                                             : MinimizingMovementOutcome::not_converged);
    bool accepted = false;
    for (int attempt = 0; attempt < 2 && !accepted; ++attempt) {  // L-BFGS, then steepest descent with memory reset
      Vector direction = lbfgs_direction(current.g, s_pairs, y_pairs);
      double slope = current.g.dot(direction);
      if (!(slope < 0.0)) {
        s_pairs.clear();
        y_pairs.clear();
        direction = -current.g;
        slope = -current.g.squaredNorm();
      }
      const Vector dx = direction.cwiseQuotient(problem.sqrt_mass());
      double step = 1.0;
      for (std::size_t k = 0; k < kMaxBacktracks; ++k) {
        trial.x = current.x + step * dx;
        problem.evaluate(trial);
        const bool admissible = trial.finite && trial.f <= f_start && trial.energy <= energy_start;
        const bool armijo = trial.f <= current.f + kArmijo * step * slope;
        const bool round_off_level = trial.f <= current.f + kRoundOffF * std::abs(current.f) &&
                                     trial.g.squaredNorm() < current.g.squaredNorm();
        if (admissible && (armijo || round_off_level)) {
          accepted = true;
          break;
        }
        // Minimizer of the quadratic through f(0), f'(0), f(step), safeguarded; plain halving at a non-finite trial.
        double shrink = kShrinkMax;
        if (trial.finite) {
          const double curvature = trial.f - current.f - slope * step;
          if (curvature > 0.0) shrink = std::clamp(-slope * step / (2.0 * curvature), kShrinkMin, kShrinkMax);
        }
        step *= shrink;
      }
      if (accepted) {
        Vector s = step * direction;
        Vector y = trial.g - current.g;
        if (s.dot(y) > kMinCurvature * s.norm() * y.norm()) {
          s_pairs.push_back(std::move(s));
          y_pairs.push_back(std::move(y));
          if (s_pairs.size() > kMemory) {
            s_pairs.pop_front();
            y_pairs.pop_front();
          }
        }
        std::swap(current, trial);
        ++result.iterations;
      } else if (s_pairs.empty()) {
        break;  // steepest descent found no admissible decrease either
      } else {
        s_pairs.clear();
        y_pairs.clear();
      }
    }
    if (!accepted)
      return finish(problem.saw_non_finite() ? MinimizingMovementOutcome::non_finite_field
                                             : MinimizingMovementOutcome::not_converged);
  }
  return finish(MinimizingMovementOutcome::converged);
}

}  // namespace blobflow
