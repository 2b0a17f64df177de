// The stiff integrator rosenbrock34 (rosenbrock.hpp) and the sparse Hessians it factorizes (hessian.hpp):
//  - VelocityField::hessian equals minus the mass-weighted Jacobian of the velocity, by central finite differences
//    (wpme and pme with m = 1, 1.5, 2, 3, in 1D, 2D and 3D), and is symmetric;
//  - the ROS34PW2 step converges at order 3 at fixed steps, with the exact Hessian and matrix-free (GMRES on
//    finite-difference products: a W-method keeps its order with an approximate Jacobian), and its embedded
//    solution at order 2;
//  - both linear-algebra paths give the same adaptive run;
//  - the step count does not grow with the stiffness: on a blob cloud whose explicit step limit falls like h^2
//    (docs/math.md §7.3) the accepted steps stay nearly flat in N while dopri5's grow about fourfold per doubling.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/rosenbrock.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "five_particles.hpp"
#include "stiff_checks.hpp"

namespace blobflow {
namespace {

using stiff_checks::barenblatt_cloud;
using stiff_checks::Cloud;
using stiff_checks::WithoutHessian;

/// The dense matrix of a HessianEntries (entries plus the weighted outer products), n x n, row-major.
std::vector<double> dense(const HessianEntries& h, std::size_t n) {
  std::vector<double> a(n * n, 0.0);
  for (const auto& e : h.entries) a[static_cast<std::size_t>(e.row) * n + static_cast<std::size_t>(e.col)] += e.value;
  for (std::size_t r = 0; r < h.outer_weights.size(); ++r) {
    std::vector<double> g(n, 0.0);
    for (const auto& e : h.outer)
      if (static_cast<std::size_t>(e.row) == r) g[static_cast<std::size_t>(e.col)] += e.value;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) a[i * n + j] += h.outer_weights[r] * g[i] * g[j];
  }
  return a;
}

/// A deterministic scattered cloud: n points in d dimensions within about +-0.5, unequal masses.
void cloud(std::size_t n, int d, State& x, std::vector<double>& masses) {
  x.resize(n * static_cast<std::size_t>(d));
  masses.resize(n);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::fmod(0.6180339887 * static_cast<double>(i * i + 3 * i), 1.0) - 0.5;
  for (std::size_t i = 0; i < n; ++i) masses[i] = (1.0 + 0.5 * std::sin(static_cast<double>(i))) / static_cast<double>(n);
}

struct HessianCase {
  std::string equation;
  double m;
  int d;
  std::string engine;
};

TEST(Hessian, EqualsMinusTheMassWeightedJacobianOfTheVelocityByFiniteDifferences) {
  // Central differences of v with step delta have error ~ delta^2 |v'''| ~ (1e-5)^2 / eps^2 relative: 1e-8 of the
  // largest entry leaves a wide margin.
  constexpr double kStepOverEps = 1e-5, kAgreement = 1e-7, kEps = 0.25;
  const std::vector<HessianCase> cases = {
      {"wpme", 2.0, 1, "direct"}, {"wpme", 2.0, 2, "truncated"}, {"wpme", 2.0, 3, "direct"},
      {"pme", 2.0, 1, "direct"},  {"pme", 3.0, 1, "truncated"},  {"pme", 1.5, 2, "direct"},
      {"pme", 1.0, 1, "direct"},  {"pme", 3.0, 3, "direct"}};
  for (const HessianCase& c : cases) {
    FieldSpec spec;
    spec.equation = c.equation;
    spec.m = c.m;
    spec.dimension = c.d;
    spec.epsilon = kEps;
    spec.engine = c.engine;
    State x;
    std::vector<double> masses;
    cloud(c.d == 1 ? 12 : 9, c.d, x, masses);
    const auto field = make_velocity_field(spec, masses);
    HessianEntries h;
    ASSERT_TRUE(field->hessian(x, h)) << c.equation;
    const std::size_t n = x.size();
    const std::vector<double> a = dense(h, n);
    double largest = 0.0, worst = 0.0, asymmetry = 0.0;
    for (double v : a) largest = std::max(largest, std::abs(v));
    const double delta = kStepOverEps * kEps;
    State xp = x, xm = x;
    std::vector<double> vp(n), vm(n);
    for (std::size_t l = 0; l < n; ++l) {
      xp[l] += delta;
      xm[l] -= delta;
      field->velocity(xp, vp);
      field->velocity(xm, vm);
      xp[l] = xm[l] = x[l];
      for (std::size_t r = 0; r < n; ++r) {  // H_rl = -m_r dv_r/dx_l
        const double fd = -masses[r / static_cast<std::size_t>(c.d)] * (vp[r] - vm[r]) / (2.0 * delta);
        worst = std::max(worst, std::abs(a[r * n + l] - fd));
        asymmetry = std::max(asymmetry, std::abs(a[r * n + l] - a[l * n + r]));
      }
    }
    EXPECT_LT(worst, kAgreement * largest) << c.equation << " m " << c.m << " d " << c.d;
    // Below its size the Hessian is refused (the integrators then go matrix-free).
    HessianEntries small;
    EXPECT_FALSE(field->hessian(x, small, h.entries.size() / 2)) << c.equation << " m " << c.m << " d " << c.d;
    EXPECT_LT(asymmetry, 1e-14 * largest) << c.equation << " m " << c.m << " d " << c.d;
    std::printf("[ hessian  ] %s m = %g d = %d: max |H - FD| / max |H| = %.2e\n", c.equation.c_str(), c.m, c.d,
                worst / largest);
  }
}

using test::five_particle_field;
using test::kInitial;
using test::kMasses;
using test::max_abs_difference;

TEST(Rosenbrock, FixedStepsConvergeAtOrderThreeAndTheEmbeddedSolutionAtOrderTwo) {
  // Observed orders log2(e(h) / e(h/2)) at T = 1 against rk4 at dt = 1e-4 (error ~1e-14). The h range is where both
  // solutions are asymptotic on this problem and their errors (>= 1e-9) stay far above the reference's.
  constexpr double kOrderTolerance = 0.15;
  const std::vector<double> steps = {0.1, 0.05, 0.025, 0.0125};
  const auto field = five_particle_field();
  const WithoutHessian matrix_free(*field);
  State reference = kInitial;
  IntegratorSpec rk4;
  rk4.method = "rk4";
  rk4.dt = 1e-4;
  ASSERT_EQ(integrate(*field, reference, 0.0, std::vector<double>{1.0}, rk4).status, RunStatus::ok);
  for (const VelocityField* f : {static_cast<const VelocityField*>(field.get()),
                                 static_cast<const VelocityField*>(&matrix_free)}) {
    std::vector<double> errors, embedded_errors;
    for (const double h : steps) {
      RosenbrockStepper stepper(*f);
      State x = kInitial, x_new(x.size()), error(x.size()), embedded(x.size());
      for (int k = 0; k < static_cast<int>(std::lround(1.0 / h)); ++k) {
        const RosenbrockStepResult result = stepper.step(x, h, x_new, error);
        ASSERT_TRUE(result.finite && result.solved);
        x = x_new;
      }
      errors.push_back(max_abs_difference(x, reference));
      // The embedded solution, stepped on its own.
      State y = kInitial;
      RosenbrockStepper embedded_stepper(*f);
      for (int k = 0; k < static_cast<int>(std::lround(1.0 / h)); ++k) {
        embedded_stepper.step(y, h, x_new, error);
        for (std::size_t i = 0; i < y.size(); ++i) embedded[i] = x_new[i] - error[i];
        y = embedded;
      }
      embedded_errors.push_back(max_abs_difference(y, reference));
    }
    std::string orders;
    for (std::size_t k = 1; k < steps.size(); ++k) {
      const double p = std::log2(errors[k - 1] / errors[k]), q = std::log2(embedded_errors[k - 1] / embedded_errors[k]);
      EXPECT_NEAR(p, RosenbrockStepper::kOrder, kOrderTolerance) << f->describe() << ", h " << steps[k];
      EXPECT_NEAR(q, RosenbrockStepper::kEmbeddedOrder, kOrderTolerance) << f->describe() << ", h " << steps[k];
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, " %.3f/%.3f", p, q);
      orders += buffer;
    }
    std::printf("[ order    ] rosenbrock34 (%s): observed order / embedded order%s\n",
                f == field.get() ? "Hessian" : "matrix-free", orders.c_str());
  }
}

TEST(Rosenbrock, TheHessianAndTheMatrixFreePathsGiveTheSameRun) {
  // Same method, two ways of solving its linear systems: the runs differ by the solves' accuracy (GMRES to 1e-10
  // relative on products accurate to ~1e-8) and the step choices that follows from it, far below the tolerance.
  constexpr double kRtol = 1e-8, kAgreement = 1e-6;
  FieldSpec spec;
  spec.epsilon = 0.1;
  State x;
  std::vector<double> masses;
  cloud(40, 1, x, masses);
  const auto field = make_velocity_field(spec, masses);
  const WithoutHessian matrix_free(*field);
  IntegratorSpec method;
  method.method = "rosenbrock34";
  method.rtol = kRtol;
  method.atol = 1e-2 * kRtol;
  State a = x, b = x;
  const IntegrationStats sa = integrate(*field, a, 0.0, std::vector<double>{0.5}, method);
  const IntegrationStats sb = integrate(matrix_free, b, 0.0, std::vector<double>{0.5}, method);
  ASSERT_EQ(sa.status, RunStatus::ok) << sa.message;
  ASSERT_EQ(sb.status, RunStatus::ok) << sb.message;
  EXPECT_LT(max_abs_difference(a, b), kAgreement);
  EXPECT_GT(sa.jacobian_evaluations, 0U);
  EXPECT_EQ(sb.jacobian_evaluations, 0U);
  EXPECT_GT(sb.solver_iterations, 0U);
  std::printf("[ paths    ] Hessian: %zu steps, %zu v; matrix-free: %zu steps, %zu v, %zu GMRES iterations; "
              "max difference %.2e\n", sa.steps_accepted, sa.rhs_evaluations, sb.steps_accepted, sb.rhs_evaluations,
              sb.solver_iterations, max_abs_difference(a, b));
}

TEST(Rosenbrock, StepsAreSetByAccuracyNotByTheStiffness) {
  // From N = 100 to 400 (eps / 4), dopri5's accepted steps grow with the stiffness (stability bound ~ eps^2) while
  // rosenbrock34's, set by the error control alone, stay nearly flat. Measured: 53 -> 56 and 13 -> 111.
  constexpr double kFlatGrowth = 1.5, kExplicitGrowth = 4.0;
  std::vector<std::size_t> stiff_steps, explicit_steps;
  for (const std::size_t n : {100UL, 400UL}) {
    const Cloud c = barenblatt_cloud(n);
    FieldSpec spec;
    spec.epsilon = c.eps;
    spec.engine = "truncated";
    const auto field = make_velocity_field(spec, c.masses);
    for (const char* name : {"rosenbrock34", "dopri5"}) {
      IntegratorSpec method;
      method.method = name;
      method.rtol = 1e-6;
      method.atol = 1e-9;
      State x = c.x;
      const IntegrationStats stats = integrate(*field, x, 0.0, std::vector<double>{0.75}, method);
      ASSERT_EQ(stats.status, RunStatus::ok) << name << ": " << stats.message;
      (std::string(name) == "dopri5" ? explicit_steps : stiff_steps).push_back(stats.steps_accepted);
      std::printf("[ stiff    ] N = %zu %-12s %zu accepted, %zu rejected, %zu v\n", n, name, stats.steps_accepted,
                  stats.steps_rejected, stats.rhs_evaluations);
    }
  }
  EXPECT_LT(static_cast<double>(stiff_steps[1]), kFlatGrowth * static_cast<double>(stiff_steps[0]));
  EXPECT_GT(static_cast<double>(explicit_steps[1]), kExplicitGrowth * static_cast<double>(explicit_steps[0]));
}

}  // namespace
}  // namespace blobflow
