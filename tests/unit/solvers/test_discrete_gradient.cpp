// The energy-stable discrete-gradient integrator (discrete_gradient.hpp; its order 2 is checked with every
// fixed-step method in test_integrator_orders.cpp):
//  - at 100 times the explicit Euler stability limit 2 / lambda_max(M^-1 D^2 E_eps) (at t = 0) the energy never
//    increases over a whole run (1D, N = 1000, eps = 4 h), with the sparse Hessian and matrix-free, while explicit
//    Euler at that step does not keep the energy down;
//  - each step solves its equation to the tolerance, and the counters add up.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "blobflow/solvers/discrete_gradient.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "stiff_checks.hpp"

namespace blobflow {
namespace {

using stiff_checks::barenblatt_cloud;
using stiff_checks::Cloud;
using stiff_checks::WithoutHessian;

/// A lower bound on lambda_max of M^-1 D^2 E_eps at x: the Rayleigh quotient of power iteration on the symmetric
/// M^-1/2 H M^-1/2 (sparse products from the Hessian entries). A Rayleigh quotient never exceeds lambda_max, so
/// 2 / (the bound) is at least the explicit Euler limit, and a step of 100 times it at least 100 times the limit.
double largest_eigenvalue(const VelocityField& field, const State& x) {
  HessianEntries h;
  EXPECT_TRUE(field.hessian(x, h));
  EXPECT_TRUE(h.outer.empty());  // the clouds below: wpme and pme with m = 2
  const std::size_t n = x.size(), d = static_cast<std::size_t>(field.dimension());
  std::vector<double> s(n);
  for (std::size_t r = 0; r < n; ++r) s[r] = 1.0 / std::sqrt(field.masses()[r / d]);
  std::vector<double> u(n), w(n);
  for (std::size_t k = 0; k < n; ++k) u[k] = std::sin(1.7 * static_cast<double>(k) + 0.3);  // not an eigenvector
  double lambda = 0.0;
  constexpr int kPowerIterations = 300;
  for (int it = 0; it < kPowerIterations; ++it) {
    std::fill(w.begin(), w.end(), 0.0);
    for (const auto& e : h.entries) {
      const auto r = static_cast<std::size_t>(e.row), c = static_cast<std::size_t>(e.col);
      w[r] += s[r] * e.value * s[c] * u[c];
    }
    double uu = 0.0, uw = 0.0, ww = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      uu += u[i] * u[i];
      uw += u[i] * w[i];
      ww += w[i] * w[i];
    }
    lambda = std::max(lambda, uw / uu);
    for (std::size_t i = 0; i < n; ++i) u[i] = w[i] / std::sqrt(ww);
  }
  return lambda;
}

/// The energies after every accepted step of `method` at step dt (with the initial one first), and the stats.
std::pair<IntegrationStats, std::vector<double>> energies_along(const VelocityField& field, const State& x0,
                                                                const std::string& method, double dt, double t_end) {
  IntegratorSpec spec;
  spec.method = method;
  spec.dt = dt;
  State x = x0;
  std::vector<double> energies = {field.energy(x0)};
  const IntegrationStats stats = integrate(field, x, 0.0, std::vector<double>{t_end}, spec,
                                           [&](double, std::span<const double> xs) { energies.push_back(field.energy(xs)); });
  return {stats, energies};
}

TEST(DiscreteGradient, EnergyNeverIncreasesAtOneHundredTimesTheExplicitStepLimit) {
  constexpr double kStepOverLimit = 100.0;
  constexpr std::size_t kSteps = 40;
  FieldSpec spec1;
  const Cloud c1 = barenblatt_cloud(1000);
  spec1.epsilon = c1.eps;
  spec1.engine = "truncated";
  const auto f1 = make_velocity_field(spec1, c1.masses);
  const WithoutHessian f1_free(*f1);
  struct Case {
    const VelocityField* field;
    const VelocityField* with_hessian;  // the same field, for the stability limit
    const State* x0;
    const char* label;
  };
  for (const Case& c : {Case{f1.get(), f1.get(), &c1.x, "wpme 1D, Hessian"},
                        Case{&f1_free, f1.get(), &c1.x, "wpme 1D, matrix-free"}}) {
    const double limit = 2.0 / largest_eigenvalue(*c.with_hessian, *c.x0);
    const double dt = kStepOverLimit * limit;
    const auto [stats, energies] = energies_along(*c.field, *c.x0, "discrete-gradient", dt, kSteps * dt);
    ASSERT_EQ(stats.status, RunStatus::ok) << c.label << ": " << stats.message;
    ASSERT_EQ(energies.size(), kSteps + 1) << c.label;
    for (std::size_t k = 1; k < energies.size(); ++k)
      EXPECT_LE(energies[k], energies[k - 1]) << c.label << ", step " << k;
    EXPECT_LT(energies.back(), energies.front()) << c.label;
    // Explicit Euler at the same step: the energy does not stay down (it rises, or the run fails).
    const auto [euler_stats, euler_energies] = energies_along(*c.field, *c.x0, "euler", dt, kSteps * dt);
    bool rose = euler_stats.status != RunStatus::ok;
    for (std::size_t k = 1; k < euler_energies.size(); ++k) rose = rose || !(euler_energies[k] <= euler_energies[k - 1]);
    EXPECT_TRUE(rose) << c.label;
    std::printf("[ energy   ] %s: explicit limit %.3g, dt %.3g, %zu steps, %zu Newton iterations, %zu v, %zu Hessians,"
                " E %.6g -> %.6g\n", c.label, limit, dt, stats.steps_accepted, stats.solver_iterations,
                stats.rhs_evaluations, stats.jacobian_evaluations, energies.front(), energies.back());
  }
}

TEST(DiscreteGradient, EachStepMeetsItsToleranceAndCountsItsWork) {
  const Cloud c = barenblatt_cloud(40);
  FieldSpec spec;
  spec.epsilon = c.eps;
  const auto field = make_velocity_field(spec, c.masses);
  State x_new(c.x.size());
  DiscreteGradientOptions options;
  const DiscreteGradientResult r = discrete_gradient_step(*field, c.x, 0.05, x_new, options);
  ASSERT_EQ(r.outcome, DiscreteGradientOutcome::converged);
  EXPECT_LE(r.residual, 1e-2 * r.tolerance);
  EXPECT_GT(r.iterations, 0U);
  EXPECT_LE(r.energy_new, r.energy_old);
  EXPECT_EQ(r.energy_new, field->energy(x_new));
  // v at the midpoint of every candidate (x1 = x0 first, then one per line-search trial, each with an energy), and
  // per Newton iteration once more with the Hessian and at x1 (except the first, from x1 = x0).
  EXPECT_EQ(r.jacobian_evaluations, r.iterations);
  EXPECT_EQ(r.velocity_evaluations, r.energy_evaluations + 2 * r.iterations - 1);
  // Too few iterations allowed: not_converged, x_new untouched.
  options.max_iterations = 0;
  State untouched(c.x.size(), 7.0);
  EXPECT_EQ(discrete_gradient_step(*field, c.x, 0.05, untouched, options).outcome,
            DiscreteGradientOutcome::not_converged);
  EXPECT_EQ(untouched, State(c.x.size(), 7.0));
}

}  // namespace
}  // namespace blobflow
