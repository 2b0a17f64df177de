// Unit tests of the implicit Euler (minimizing-movement) integrator, minimizing_movement.hpp and the registry entry
// "implicit-euler" of integrators.hpp. What is verified and why:
//  - the energy E_eps never increases over a step, for dt from 1e-4 to 10 (the scheme's point: explicit methods lose
//    this at large dt), on wpme in 1D and 2D and on pme with m = 3 (docs/math.md §1.4, §7.1 item 6);
//  - the converged step satisfies the implicit Euler equation x^{n+1} = x^n + dt v(x^{n+1}) to the stated
//    tolerance atol + rtol L, checked with an independent velocity evaluation;
//  - the global error is first order in dt against a fine rk4 reference;
//  - on a stiff cloud, the energy is monotone at 100 times explicit Euler's stability limit 2 / rho(dv/dx), where
//    explicit Euler stops dissipating (and dissipates at half the limit);
//  - a huge step stays finite and lands where the velocity is small (|v| = |x^{n+1} - x^n| / dt);
//  - counters, and failure (non-finite field, unreachable tolerance, iteration limit) as a status, never a throw.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "blobflow/solvers/initial_data.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/minimizing_movement.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

/// One test cloud: a field and its initial positions.
struct Cloud {
  std::string name;
  std::unique_ptr<VelocityField> field;
  State x0;
};

/// 5 particles of unequal mass, wpme, d = 1, eps = 0.2 (the cloud of test_integrator_orders.cpp).
Cloud wpme_1d() {
  FieldSpec spec;
  spec.epsilon = 0.2;
  return {"wpme 1D", make_velocity_field(spec, {0.15, 0.25, 0.2, 0.3, 0.1}), {-0.6, -0.25, 0.05, 0.3, 0.7}};
}

/// A disk of lattice particles with masses ~ (1 - |x|^2), wpme, d = 2, eps = 0.3.
Cloud wpme_2d() {
  const Particles p = lattice_placement(
      2, 8, -1.0, 1.0, [](std::span<const double> x) { return std::max(0.0, 1.0 - x[0] * x[0] - x[1] * x[1]); },
      1.0);
  FieldSpec spec;
  spec.dimension = 2;
  spec.epsilon = 0.3;
  return {"wpme 2D", make_velocity_field(spec, p.mass), p.x};
}

/// 20 equal masses at the quantiles of a tent density on [-0.5, 0.5], pme with m = 3, d = 1, eps = 0.1.
Cloud pme3_1d() {
  const Particles p = quantile_placement(
      20, [](double u) { return u < 0.5 ? -0.5 + std::sqrt(u / 2.0) : 0.5 - std::sqrt((1.0 - u) / 2.0); }, 1.0);
  FieldSpec spec;
  spec.equation = "pme";
  spec.m = 3.0;
  spec.epsilon = 0.1;
  return {"pme m=3 1D", make_velocity_field(spec, p.mass), p.x};
}

IntegratorSpec implicit_spec(double dt, double rtol = 1e-8, double atol = 1e-10) {
  IntegratorSpec spec;
  spec.method = "implicit-euler";
  spec.dt = dt;
  spec.rtol = rtol;
  spec.atol = atol;
  return spec;
}

double max_abs_difference(const State& a, const State& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

/// max_i |x_i - x_old_i - dt v_i(x)| (Euclidean per particle), v evaluated here, independently of the solver.
double implicit_euler_residual(const VelocityField& field, const State& x_old, const State& x, double dt) {
  const auto d = static_cast<std::size_t>(field.dimension());
  State v(x.size());
  field.velocity(x, v);
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size() / d; ++i) {
    double r2 = 0.0;
    for (std::size_t k = 0; k < d; ++k) {
      const double r = x[i * d + k] - x_old[i * d + k] - dt * v[i * d + k];
      r2 += r * r;
    }
    worst = std::max(worst, std::sqrt(r2));
  }
  return worst;
}

/// RMS distance of the particles from their centroid (the L of the tolerance).
double rms_radius(const State& x, int dim) {
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n = x.size() / d;
  double spread2 = 0.0;
  for (std::size_t k = 0; k < d; ++k) {
    double c = 0.0;
    for (std::size_t i = 0; i < n; ++i) c += x[i * d + k];
    c /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) spread2 += (x[i * d + k] - c) * (x[i * d + k] - c);
  }
  return std::sqrt(spread2 / static_cast<double>(n));
}

double max_speed(const VelocityField& field, const State& x) {
  State v(x.size());
  field.velocity(x, v);
  double m = 0.0;
  for (double vi : v) m = std::max(m, std::abs(vi));
  return m;
}

const std::vector<double> kStepSizes = {1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0};

TEST(ImplicitEuler, EnergyNeverIncreasesOverAStepForAnyStepSize) {
  // E(x^{n+1}) <= E(x^n) exactly (computed values): the solver accepts only iterates below the energy at x^n.
  // Also the converged step satisfies the implicit Euler equation to atol + rtol L (checked independently).
  for (const auto& make : {wpme_1d, wpme_2d, pme3_1d}) {
    const Cloud c = make();
    const double e0 = c.field->energy(c.x0);
    const double tolerance = 1e-10 + 1e-8 * rms_radius(c.x0, c.field->dimension());
    for (const double dt : kStepSizes) {
      State x = c.x0;
      const IntegrationStats stats = integrate(*c.field, x, 0.0, std::vector<double>{dt}, implicit_spec(dt));
      ASSERT_EQ(stats.status, RunStatus::ok) << c.name << ", dt " << dt << ": " << stats.message;
      ASSERT_EQ(stats.steps_accepted, 1U);
      const double e1 = c.field->energy(x);
      EXPECT_LE(e1, e0) << c.name << ", dt " << dt;
      EXPECT_LE(implicit_euler_residual(*c.field, c.x0, x, dt), tolerance) << c.name << ", dt " << dt;
      std::printf("[ step     ] %-10s dt %-6g E %.6g -> %.6g (decrease %.3g), L-BFGS iterations %zu, rhs %zu\n",
                  c.name.c_str(), dt, e0, e1, e0 - e1, stats.solver_iterations, stats.rhs_evaluations);
    }
  }
}

TEST(ImplicitEuler, EnergyDecreasesMonotonicallyAlongARunWithHugeSteps) {
  // Explicit Euler at dt = 1 on this cloud overshoots; the implicit scheme dissipates at every step.
  for (const auto& make : {wpme_1d, wpme_2d, pme3_1d}) {
    const Cloud c = make();
    State x = c.x0;
    std::vector<double> energies = {c.field->energy(x)};
    const IntegrationStats stats =
        integrate(*c.field, x, 0.0, std::vector<double>{20.0}, implicit_spec(1.0), [&](double, std::span<const double> xs) {
          energies.push_back(c.field->energy(xs));
        });
    ASSERT_EQ(stats.status, RunStatus::ok) << c.name << ": " << stats.message;
    ASSERT_EQ(stats.steps_accepted, 20U);
    for (std::size_t k = 1; k < energies.size(); ++k) EXPECT_LE(energies[k], energies[k - 1]) << c.name << ", step " << k;
  }
}

TEST(ImplicitEuler, ConvergesAtFirstOrderAgainstAFineRk4Reference) {
  // Observed order p = log2(e(dt) / e(dt/2)), e the max error at T = 1; the solver error (~ tol per step, 1e-12 L
  // here) is far below the truncation error (~1e-3 dt... measured ~1e-4 at dt = 0.003), so p is the scheme's.
  constexpr double kOrderTolerance = 0.1;
  const Cloud c = wpme_1d();
  const std::vector<double> outputs = {0.5, 1.0};
  State reference = c.x0;
  IntegratorSpec rk4;
  rk4.method = "rk4";
  rk4.dt = 1e-4;
  ASSERT_EQ(integrate(*c.field, reference, 0.0, outputs, rk4).status, RunStatus::ok);
  std::vector<double> errors;
  for (const double dt : {0.02, 0.01, 0.005, 0.0025}) {
    State x = c.x0;
    ASSERT_EQ(integrate(*c.field, x, 0.0, outputs, implicit_spec(dt, 1e-12, 1e-14)).status, RunStatus::ok);
    errors.push_back(max_abs_difference(x, reference));
  }
  std::string orders;
  for (std::size_t k = 1; k < errors.size(); ++k) {
    const double p = std::log2(errors[k - 1] / errors[k]);
    EXPECT_NEAR(p, 1.0, kOrderTolerance) << "errors " << errors[k - 1] << " -> " << errors[k];
    orders += std::to_string(p) + " ";
  }
  RecordProperty("implicit_euler_observed_orders", orders);
  std::printf("[ order    ] implicit-euler errors %.3g .. %.3g, observed orders %s\n", errors.front(), errors.back(),
              orders.c_str());
}

TEST(ImplicitEuler, TheStepSolvesTheImplicitEquationToTheStatedTolerance) {
  // Directly through minimizing_movement_step: residual reported == residual recomputed, and <= atol + rtol L.
  for (const auto& make : {wpme_1d, wpme_2d, pme3_1d})
    for (const double rtol : {1e-6, 1e-10}) {
      const Cloud c = make();
      MinimizingMovementOptions options;
      options.rtol = rtol;
      options.atol = 1e-14;
      const double tolerance = options.atol + rtol * rms_radius(c.x0, c.field->dimension());
      for (const double dt : {1e-3, 0.1, 10.0}) {
        State x(c.x0.size());
        const MinimizingMovementResult r = minimizing_movement_step(*c.field, c.x0, dt, x, options);
        ASSERT_EQ(r.outcome, MinimizingMovementOutcome::converged) << c.name << ", dt " << dt << ", rtol " << rtol;
        EXPECT_NEAR(r.tolerance, tolerance, 1e-12 * tolerance);
        const double residual = implicit_euler_residual(*c.field, c.x0, x, dt);
        EXPECT_LE(residual, tolerance) << c.name << ", dt " << dt;
        EXPECT_NEAR(r.residual, residual, 1e-3 * tolerance) << c.name << ", dt " << dt;
        EXPECT_LE(r.energy_new, r.energy_old);
        EXPECT_EQ(r.velocity_evaluations, r.energy_evaluations);
        EXPECT_GE(r.velocity_evaluations, r.iterations + 1);
      }
    }
}

TEST(ImplicitEuler, AHugeStepStaysFiniteAndLandsWhereTheVelocityIsSmall) {
  // At dt = 10 the step nearly minimizes Phi: |v(x^{n+1})| = |x^{n+1} - x^n| / dt (up to tol / dt), well below the
  // initial speeds. These energies have no minimizer on the whole space (the cloud spreads for ever), so the speed
  // after one step falls like 1/dt rather than to 0. Explicit Euler at the same dt would move particles by dt |v|.
  constexpr double kHugeDt = 10.0;
  constexpr double kSpeedReduction = 0.3;  // max |v| after / before; measured 0.092 (1D), 0.21 (2D), 0.015 (pme)
  for (const auto& make : {wpme_1d, wpme_2d, pme3_1d}) {
    const Cloud c = make();
    State x = c.x0;
    ASSERT_EQ(integrate(*c.field, x, 0.0, std::vector<double>{kHugeDt}, implicit_spec(kHugeDt)).status,
              RunStatus::ok)
        << c.name;
    ASSERT_TRUE(std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); }));
    const double v0 = max_speed(*c.field, c.x0), v1 = max_speed(*c.field, x);
    EXPECT_LT(v1, kSpeedReduction * v0) << c.name;
    EXPECT_LE(v1, (max_abs_difference(x, c.x0) + 1e-6) / kHugeDt) << c.name;
    // The cloud spreads, but stays of the size the energy balance allows (no blow-up): |dx|^2 m / 2dt <= E(x^n).
    const double r0 = rms_radius(c.x0, c.field->dimension()), r1 = rms_radius(x, c.field->dimension());
    EXPECT_GT(r1, r0) << c.name;
    std::printf("[ huge dt  ] %-10s max|v| %.3g -> %.3g, RMS radius %.3g -> %.3g\n", c.name.c_str(), v0, v1, r0, r1);
  }
}

TEST(ImplicitEuler, RegistryEntryAndCounters) {
  const IntegratorInfo* info = find_integrator("implicit-euler");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->order, 1);
  EXPECT_FALSE(info->adaptive);
  EXPECT_EQ(to_string(RunStatus::solver_failure), "solver_failure");
  const Cloud c = wpme_1d();
  State x = c.x0;
  std::size_t n_observed = 0;
  const std::vector<double> outputs = {0.2, 0.5};
  std::vector<double> output_t;
  const IntegrationStats stats = integrate(
      *c.field, x, 0.0, outputs, implicit_spec(0.03), [&](double, std::span<const double>) { ++n_observed; },
      [&](std::size_t, double t, std::span<const double>) { output_t.push_back(t); });
  ASSERT_EQ(stats.status, RunStatus::ok);
  EXPECT_EQ(output_t, outputs);  // bit for bit
  EXPECT_EQ(stats.steps_accepted, 17U);  // 0.2 / 7 then 0.3 / 10
  EXPECT_EQ(n_observed, 17U);
  EXPECT_EQ(stats.steps_rejected, 0U);
  // One evaluation at each x^n, one per line-search trial (>= one per iteration); energy alongside.
  EXPECT_GE(stats.rhs_evaluations, stats.steps_accepted + stats.solver_iterations);
  EXPECT_EQ(stats.energy_evaluations, stats.rhs_evaluations);
  EXPECT_GE(stats.solver_iterations, stats.steps_accepted);
  std::printf("[ counters ] dt 0.03: %zu steps, %zu L-BFGS iterations, %zu velocity evaluations\n",
              stats.steps_accepted, stats.solver_iterations, stats.rhs_evaluations);
}

TEST(ImplicitEuler, AnUnreachableToleranceEndsWithSolverFailureAndTheLastState) {
  // A tolerance far below round-off: the line search eventually finds no decrease, or the iteration limit is hit.
  const Cloud c = wpme_1d();
  State x = c.x0;
  IntegrationStats stats;
  EXPECT_NO_THROW(stats = integrate(*c.field, x, 0.0, std::vector<double>{0.1, 0.2}, implicit_spec(0.1, 1e-300, 1e-300)));
  EXPECT_EQ(stats.status, RunStatus::solver_failure);
  EXPECT_FALSE(stats.message.empty());
  EXPECT_EQ(x, c.x0);
  EXPECT_EQ(stats.t_reached, 0.0);
  EXPECT_EQ(stats.steps_accepted, 0U);
}

TEST(ImplicitEuler, TheIterationLimitGivesNotConvergedWithAnEnergyNoHigher) {
  const Cloud c = wpme_2d();
  MinimizingMovementOptions options;
  options.max_iterations = 1;
  State x(c.x0.size());
  const MinimizingMovementResult r = minimizing_movement_step(*c.field, c.x0, 10.0, x, options);
  EXPECT_EQ(r.outcome, MinimizingMovementOutcome::not_converged);
  EXPECT_EQ(r.iterations, 1U);
  EXPECT_LE(c.field->energy(x), c.field->energy(c.x0));
  EXPECT_GT(r.residual, r.tolerance);
}

/// The five-particle wpme field with NaN velocities everywhere (NaN energy too when nan_energy).
class NanField final : public VelocityField {
 public:
  explicit NanField(bool nan_energy) : nan_energy_(nan_energy), inner_(wpme_1d().field) {}
  int dimension() const override { return 1; }
  std::span<const double> masses() const override { return inner_->masses(); }
  void velocity(std::span<const double>, std::span<double> v) const override {
    std::fill(v.begin(), v.end(), std::numeric_limits<double>::quiet_NaN());
  }
  double energy(std::span<const double> x) const override {
    return nan_energy_ ? std::numeric_limits<double>::quiet_NaN() : inner_->energy(x);
  }
  std::string describe() const override { return "test field: NaN velocity"; }

 private:
  bool nan_energy_;
  std::unique_ptr<VelocityField> inner_;
};

TEST(ImplicitEuler, ANonFiniteFieldIsAStatusWithTheInitialState) {
  for (const bool nan_energy : {false, true}) {
    const NanField field(nan_energy);
    const State x0 = wpme_1d().x0;
    State x = x0;
    IntegrationStats stats;
    EXPECT_NO_THROW(stats = integrate(field, x, 0.0, std::vector<double>{0.5}, implicit_spec(0.1)));
    EXPECT_EQ(stats.status, RunStatus::non_finite_state);
    EXPECT_FALSE(stats.message.empty());
    EXPECT_EQ(x, x0);
    EXPECT_EQ(stats.steps_accepted, 0U);
    EXPECT_EQ(stats.rhs_evaluations, 1U);  // only at x^n: nothing to iterate from
  }
}

}  // namespace
}  // namespace blobflow

namespace blobflow {
namespace {

/// The spectral radius of the velocity Jacobian dv/dx at x: power iteration on central finite differences
/// (dv/dx = -M^{-1} D^2 E is similar to a symmetric matrix, so its eigenvalues are real and the iteration converges
/// to the largest |lambda|).
double velocity_jacobian_spectral_radius(const VelocityField& field, const State& x) {
  constexpr int kPowerIterations = 300;     // the ratio of the two largest eigenvalues is far from 1 here
  constexpr double kDifferenceStep = 1e-7;  // relative to |x|: central differences of smooth v, error ~1e-10
  State w(x.size(), 1.0), xp(x.size()), xm(x.size()), vp(x.size()), vm(x.size());
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = (i % 2 == 0) ? 1.0 : -0.5;  // not orthogonal to the top mode
  double lambda = 0.0;
  for (int it = 0; it < kPowerIterations; ++it) {
    double norm = 0.0;
    for (double wi : w) norm += wi * wi;
    norm = std::sqrt(norm);
    for (double& wi : w) wi /= norm;
    for (std::size_t i = 0; i < x.size(); ++i) xp[i] = x[i] + kDifferenceStep * w[i], xm[i] = x[i] - kDifferenceStep * w[i];
    field.velocity(xp, vp);
    field.velocity(xm, vm);
    lambda = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      w[i] = (vp[i] - vm[i]) / (2.0 * kDifferenceStep);
      lambda += w[i] * w[i];
    }
    lambda = std::sqrt(lambda);
  }
  return lambda;
}

TEST(ImplicitEuler, EnergyIsMonotoneAtAHundredTimesTheExplicitStabilityLimit) {
  // 50 equal masses at the quantiles of a tent density, wpme, eps = 2h: a stiff cloud. Explicit Euler is stable
  // for dt < 2 / rho(dv/dx) (rho measured at x^0, where the cloud is most compact); at 100 times that step the
  // implicit scheme still dissipates at every step, while explicit Euler at the same step does not.
  constexpr std::size_t kParticles = 50;
  constexpr double kStabilityMultiple = 100.0;  // the acceptance criterion
  const Particles p = quantile_placement(
      kParticles, [](double u) { return u < 0.5 ? -0.5 + std::sqrt(u / 2.0) : 0.5 - std::sqrt((1.0 - u) / 2.0); },
      1.0);
  FieldSpec spec;
  spec.epsilon = 2.0 / static_cast<double>(kParticles);
  const auto field = make_velocity_field(spec, p.mass);
  const double dt_explicit = 2.0 / velocity_jacobian_spectral_radius(*field, p.x);
  const double dt = kStabilityMultiple * dt_explicit;
  const std::vector<double> outputs = {20.0 * dt};
  auto energies_along = [&](std::string_view method, double step) {
    IntegratorSpec s = implicit_spec(step);
    s.method = std::string(method);
    State x = p.x;
    std::vector<double> energies = {field->energy(x)};
    const IntegrationStats stats =
        integrate(*field, x, 0.0, outputs, s, [&](double, std::span<const double> xs) { energies.push_back(field->energy(xs)); });
    return std::pair{stats, energies};
  };
  {  // The limit is real: below it explicit Euler dissipates at every step (the energy is L-smooth with L = rho).
    constexpr double kSafelyStable = 0.5;
    const auto [stats, energies] = energies_along("euler", kSafelyStable * dt_explicit);
    ASSERT_EQ(stats.status, RunStatus::ok) << stats.message;
    for (std::size_t k = 1; k < energies.size(); ++k) ASSERT_LE(energies[k], energies[k - 1]) << "euler, step " << k;
  }
  const auto [implicit_stats, implicit_energies] = energies_along("implicit-euler", dt);
  ASSERT_EQ(implicit_stats.status, RunStatus::ok) << implicit_stats.message;
  ASSERT_EQ(implicit_energies.size(), 21U);
  for (std::size_t k = 1; k < implicit_energies.size(); ++k)
    EXPECT_LE(implicit_energies[k], implicit_energies[k - 1]) << "implicit-euler, step " << k;
  const auto [explicit_stats, explicit_energies] = energies_along("euler", dt);
  bool explicit_increased = explicit_stats.status != RunStatus::ok;
  for (std::size_t k = 1; k < explicit_energies.size(); ++k)
    explicit_increased = explicit_increased || !(explicit_energies[k] <= explicit_energies[k - 1]);
  EXPECT_TRUE(explicit_increased) << "explicit Euler at 100 times its stability limit should not dissipate";
  std::printf("[ stiff    ] explicit limit dt = %.3g; implicit at dt = %.3g: E %.6g -> %.6g in 20 steps, %zu L-BFGS "
              "iterations; explicit Euler: %s\n",
              dt_explicit, dt, implicit_energies.front(), implicit_energies.back(), implicit_stats.solver_iterations,
              explicit_stats.status == RunStatus::ok ? "energy increased" : std::string(to_string(explicit_stats.status)).c_str());
}

}  // namespace
}  // namespace blobflow
