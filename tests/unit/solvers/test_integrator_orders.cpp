// Every integrator of the registry (integrators.hpp) against its registry facts and the common contract:
//  - fixed-step methods converge at their registered order: ONE generic test over the fixed-step entries of
//    integrator_registry(), as odeint's test/numeric/runge_kutta.cpp does over its steppers;
//  - adaptive methods get more accurate as rtol decreases, land bit for bit on every output time and take exactly
//    the same steps when the cloud is translated by 1e3 (the error norm is translation invariant);
//  - the counters follow each method's cost (rhs evaluations per step or attempt, the multistep restart);
//  - numerical failure is a status with the last finite state, never an exception.
// The test system: 5 particles of unequal mass of the wpme field in 1D (docs/math.md §2.3), Gaussian mollifier,
// eps = 0.2 (a WpmeUniformTarget<GaussianMollifier> with the direct sum, built through the factory).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "five_particles.hpp"

namespace blobflow {
namespace {

using test::five_particle_field;
using test::kInitial;
using test::kMasses;
using test::max_abs_difference;

/// A number for a test property, in full ("3.9509", "2.1e-09"; std::to_string would print 0.000000).
std::string format(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.5g", v);
  return buffer;
}

IntegratorSpec method_spec(std::string_view name, double dt, double rtol = 1e-8, double atol = 1e-10) {
  IntegratorSpec spec;
  spec.method = std::string(name);
  spec.dt = dt;
  spec.rtol = rtol;
  spec.atol = atol;
  return spec;
}

/// The solution at kOutputs.back(), from rk4 at a step where its error (~C dt^4 with C ~ 5e-5 / 0.2^4, measured)
/// is ~1e-14; checked against fehlberg78 at rtol 1e-14 in the order test.
constexpr double kReferenceDt = 1e-4;

// --- fixed-step methods -------------------------------------------------------------------------------------------

TEST(IntegratorOrders, EachFixedStepMethodConvergesAtItsRegisteredOrder) {
  // Observed order p_k = log2(e(dt_k) / e(dt_k / 2)), e the max error over particles at T = 1. The dt range is the
  // asymptotic regime of every fixed-step method on this problem: at dt = 0.05 rk4 still shows 4.2 (the h^5 term is
  // not yet negligible); at dt = 0.003125 the smallest error (rk4, ~7e-13) is still 50 times the reference error
  // (~1e-14), which moves p by at most log2(1 + 2/50) ~ 0.06. The output times divide every dt, so each interval
  // keeps its step exactly halved and a multistep method keeps its history across them.
  constexpr double kOrderTolerance = 0.2;  // the brief's criterion
  constexpr double kReferenceAgreement = 1e-13;
  const std::vector<double> outputs = {0.25, 0.5, 0.75, 1.0};
  const std::vector<double> dts = {0.025, 0.0125, 0.00625, 0.003125};
  const auto field = five_particle_field();
  State reference = kInitial;
  ASSERT_EQ(integrate(*field, reference, 0.0, outputs, method_spec("rk4", kReferenceDt)).status, RunStatus::ok);
  {  // An independent check of the reference: fehlberg78 at a tolerance near round-off.
    State x = kInitial;
    ASSERT_EQ(integrate(*field, x, 0.0, outputs, method_spec("fehlberg78", 1e-3, 1e-14, 1e-16)).status,
              RunStatus::ok);
    EXPECT_LT(max_abs_difference(x, reference), kReferenceAgreement);
  }
  std::size_t n_fixed = 0;
  for (const IntegratorInfo& info : integrator_registry()) {
    if (info.adaptive) continue;
    ++n_fixed;
    std::vector<double> errors;
    for (const double dt : dts) {
      State x = kInitial;
      ASSERT_EQ(integrate(*field, x, 0.0, outputs, method_spec(info.name, dt)).status, RunStatus::ok) << info.name;
      errors.push_back(max_abs_difference(x, reference));
    }
    std::string orders;
    for (std::size_t k = 1; k < errors.size(); ++k) {
      const double observed = std::log2(errors[k - 1] / errors[k]);
      EXPECT_NEAR(observed, info.order, kOrderTolerance)
          << info.name << ": dt " << dts[k - 1] << " -> " << dts[k] << ", errors " << errors[k - 1] << " -> "
          << errors[k] << ", observed order " << observed;
      orders += (orders.empty() ? "" : " ") + format(observed);
    }
    RecordProperty(std::string(info.name) + "_observed_orders", orders);
    std::printf("[ order    ] %-24s nominal %d, observed %s\n", std::string(info.name).c_str(), info.order,
                orders.c_str());
  }
  EXPECT_GE(n_fixed, 4U);  // euler, midpoint, rk4, adams-bashforth-moulton
}

TEST(IntegratorCounters, FixedStepMethodsCountTheirStagesAndTheMultistepStartUp) {
  // rhs per step: euler 1, midpoint 3 (modified midpoint with 2 substeps: v(x0), v(x1), v(x2)), rk4 4;
  // adams-bashforth-moulton: 4 per start-up step (rk4), 2 per predictor-corrector step. The start-up is the first
  // 3 steps after each (re)start; it restarts when an output interval changes the step. The implicit methods' cost
  // depend on their solvers, not on a stage count: test_implicit_euler.cpp and test_discrete_gradient.cpp test them.
  const auto field = five_particle_field();
  const std::vector<double> outputs = {0.2, 0.5};
  auto rhs_per_step = [](std::string_view name) -> std::size_t {
    if (name == "euler") return 1;
    if (name == "midpoint") return 3;
    if (name == "rk4") return 4;
    return 2;  // adams-bashforth-moulton, after its start-up
  };
  constexpr std::size_t kStartUpSteps = 3, kStartUpExtra = 4 - 2;  // rk4 instead of a corrector step
  // dt = 0.01: both intervals have h = 0.01 (one start-up). dt = 0.03: h = 0.2/7, then 0.3/10 (two start-ups).
  for (const auto& [dt, n_steps, n_starts] : {std::tuple{0.01, 50UL, 1UL}, std::tuple{0.03, 17UL, 2UL}})
    for (const IntegratorInfo& info : integrator_registry()) {
      if (info.adaptive || info.implicit) continue;
      State x = kInitial;
      const IntegrationStats stats = integrate(*field, x, 0.0, outputs, method_spec(info.name, dt));
      ASSERT_EQ(stats.status, RunStatus::ok) << info.name;
      EXPECT_EQ(stats.steps_accepted, n_steps) << info.name << ", dt " << dt;
      EXPECT_EQ(stats.steps_rejected, 0U) << info.name;
      std::size_t expected = rhs_per_step(info.name) * n_steps;
      if (info.name == "adams-bashforth-moulton") expected += n_starts * kStartUpSteps * kStartUpExtra;
      EXPECT_EQ(stats.rhs_evaluations, expected) << info.name << ", dt " << dt;
    }
}

TEST(IntegratorOrders, MultistepHistoryRestartIsAsAccurateAsAnUninterruptedRun) {
  // Output times at 0.3 and 0.31 change the step from 0.02 to 0.01 (one step) and then to 0.69 / 35: the history is
  // restarted twice (rk4 start-up steps) and the error at t = 1 stays the size of the uninterrupted run's (measured
  // 1.9e-7 against 2.0e-7). Reusing the old history with the new step (nodes spaced h_old taken as spaced h_new)
  // is a first-order error: measured 4.8e-6 with the restart disabled, which this test rejects.
  constexpr double kSameSizeFactor = 3.0;  // "as accurate": within a small factor, either way
  const auto field = five_particle_field();
  const std::vector<double> whole = {1.0}, split = {0.3, 0.31, 1.0};
  State reference = kInitial;
  ASSERT_EQ(integrate(*field, reference, 0.0, whole, method_spec("rk4", kReferenceDt)).status, RunStatus::ok);
  State a = kInitial, b = kInitial;
  ASSERT_EQ(integrate(*field, a, 0.0, whole, method_spec("adams-bashforth-moulton", 0.02)).status, RunStatus::ok);
  ASSERT_EQ(integrate(*field, b, 0.0, split, method_spec("adams-bashforth-moulton", 0.02)).status, RunStatus::ok);
  const double e_whole = max_abs_difference(a, reference), e_split = max_abs_difference(b, reference);
  EXPECT_LT(e_split, kSameSizeFactor * e_whole) << "uninterrupted " << e_whole << ", restarted " << e_split;
  EXPECT_GT(e_split, e_whole / kSameSizeFactor) << "uninterrupted " << e_whole << ", restarted " << e_split;
  RecordProperty("abm_error_uninterrupted", format(e_whole));
  RecordProperty("abm_error_restarted", format(e_split));
}

// --- adaptive methods ---------------------------------------------------------------------------------------------

TEST(IntegratorOrders, EachAdaptiveMethodGetsMoreAccurateAsRtolDecreasesAndLandsOnEveryOutputTime) {
  // Global error is not bounded by the local tolerance, but it must fall as the tolerance falls: strictly at each
  // step of 100 in rtol, and by at least kMinOverallGain over the four (each method gains 1e5 to 1e6, measured).
  constexpr double kMinOverallGain = 1e3;
  const std::vector<double> outputs = {0.1, 0.35, 0.6, 1.0};  // not multiples of any step the methods take
  const std::vector<double> rtols = {1e-3, 1e-5, 1e-7, 1e-9};
  constexpr double kAtolOverRtol = 1e-2;  // atol well below rtol L (L ~ 0.45): the relative part governs
  const auto field = five_particle_field();
  State reference = kInitial;
  ASSERT_EQ(integrate(*field, reference, 0.0, outputs, method_spec("rk4", kReferenceDt)).status, RunStatus::ok);
  std::size_t n_adaptive = 0;
  for (const IntegratorInfo& info : integrator_registry()) {
    if (!info.adaptive) continue;
    ++n_adaptive;
    std::vector<double> errors;
    for (const double rtol : rtols) {
      State x = kInitial;
      std::vector<double> output_t;
      std::size_t n_observed = 0;
      const IntegrationStats stats = integrate(
          *field, x, 0.0, outputs, method_spec(info.name, 1e-3, rtol, kAtolOverRtol * rtol),
          [&](double, std::span<const double>) { ++n_observed; },
          [&](std::size_t, double t, std::span<const double>) { output_t.push_back(t); });
      ASSERT_EQ(stats.status, RunStatus::ok) << info.name << ": " << stats.message;
      EXPECT_EQ(output_t, outputs) << info.name << ", rtol " << rtol;  // bit for bit
      EXPECT_EQ(stats.t_reached, outputs.back()) << info.name;
      EXPECT_EQ(n_observed, stats.steps_accepted) << info.name;
      errors.push_back(max_abs_difference(x, reference));
    }
    for (std::size_t k = 1; k < errors.size(); ++k)
      EXPECT_LT(errors[k], errors[k - 1]) << info.name << ": rtol " << rtols[k - 1] << " -> " << rtols[k];
    EXPECT_LT(errors.back() * kMinOverallGain, errors.front()) << info.name;
    std::string list;
    for (double e : errors) list += (list.empty() ? "" : " ") + format(e);
    RecordProperty(std::string(info.name) + "_errors_by_rtol", list);
  }
  EXPECT_GE(n_adaptive, 4U);  // dopri5, cash-karp54, fehlberg78, bulirsch-stoer
}

TEST(IntegratorOrders, EachAdaptiveMethodTakesTheSameStepsWhenTheCloudIsShiftedByOneThousand) {
  // The error norm measures each particle's error against the cloud's RMS radius about its centroid, so a shifted
  // cloud takes the same steps; only the absolute round-off of the coordinates (1e3 ulp ~ 1e-13) differs.
  constexpr double kShift = 1e3;
  constexpr double kShiftedAgreement = 1e-10;  // ~1e-13 per step over <= ~100 steps, with margin
  const auto field = five_particle_field();
  const std::vector<double> outputs = {0.5, 1.0};
  for (const IntegratorInfo& info : integrator_registry()) {
    if (!info.adaptive) continue;
    State x = kInitial, y = kInitial;
    for (double& yi : y) yi += kShift;
    const IntegratorSpec spec = method_spec(info.name, 1e-3);  // default tolerances
    const IntegrationStats a = integrate(*field, x, 0.0, outputs, spec);
    const IntegrationStats b = integrate(*field, y, 0.0, outputs, spec);
    ASSERT_EQ(a.status, RunStatus::ok) << info.name;
    ASSERT_EQ(b.status, RunStatus::ok) << info.name;
    EXPECT_EQ(a.steps_accepted, b.steps_accepted) << info.name;
    EXPECT_EQ(a.steps_rejected, b.steps_rejected) << info.name;
    EXPECT_EQ(a.rhs_evaluations, b.rhs_evaluations) << info.name;
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(y[i] - kShift, x[i], kShiftedAgreement) << info.name << ", particle " << i;
  }
}

TEST(IntegratorCounters, AdaptiveMethodsCountEveryAttempt) {
  // A first trial step far too large forces rejections. rhs per attempt (accepted or rejected): cash-karp54 6,
  // fehlberg78 13 (no FSAL: odeint re-evaluates v(x) at every attempt); dopri5 1 + 6 per attempt (FSAL, see
  // test_integrators.cpp). bulirsch-stoer: 1 + (2 + 4 + ... + 2(K + 1)) = 1 + (K + 1)(K + 2) for the K + 1 midpoint
  // sequences of the attempt, 1 <= K <= 8: between 7 and 91 per attempt, and rhs - attempts is even. rosenbrock34:
  // v and the Hessian at each start point (kept when an attempt from it is refused), then 3 v per attempt.
  const auto field = five_particle_field();
  const std::vector<double> outputs = {0.2, 0.5};
  for (const IntegratorInfo& info : integrator_registry()) {
    if (!info.adaptive) continue;
    State x = kInitial;
    std::size_t n_observed = 0;
    const IntegrationStats stats = integrate(*field, x, 0.0, outputs, method_spec(info.name, 0.5, 1e-10, 1e-12),
                                             [&](double, std::span<const double>) { ++n_observed; });
    ASSERT_EQ(stats.status, RunStatus::ok) << info.name;
    EXPECT_GT(stats.steps_rejected, 0U) << info.name;
    EXPECT_EQ(n_observed, stats.steps_accepted) << info.name;
    const std::size_t attempts = stats.steps_accepted + stats.steps_rejected;
    if (info.name == "dopri5") {
      EXPECT_EQ(stats.rhs_evaluations, 1 + 6 * attempts);
    } else if (info.name == "cash-karp54") {
      EXPECT_EQ(stats.rhs_evaluations, 6 * attempts);
    } else if (info.name == "fehlberg78") {
      EXPECT_EQ(stats.rhs_evaluations, 13 * attempts);
    } else if (info.name == "rosenbrock34") {  // v and the Hessian once per start point, 3 more v per attempt
      EXPECT_EQ(stats.rhs_evaluations, stats.steps_accepted + 3 * attempts);
      EXPECT_EQ(stats.jacobian_evaluations, stats.steps_accepted);
    } else {
      ASSERT_EQ(info.name, "bulirsch-stoer");
      EXPECT_GE(stats.rhs_evaluations, 7 * attempts);
      EXPECT_LE(stats.rhs_evaluations, 91 * attempts);
      EXPECT_EQ((stats.rhs_evaluations - attempts) % 2, 0U);
    }
    RecordProperty(std::string(info.name) + "_accepted_rejected_rhs",
                   std::to_string(stats.steps_accepted) + " " + std::to_string(stats.steps_rejected) + " " +
                       std::to_string(stats.rhs_evaluations));
  }
}

// --- the contract of every method ---------------------------------------------------------------------------------

/// The five-particle wpme field, but NaN for every particle once any particle is beyond |x| = reach, or everywhere
/// when reach = 0. The cloud spreads: its outermost particle, at 0.7 at t = 0, passes 1.1 near t = 0.65.
class NanOutsideReach final : public VelocityField {
 public:
  explicit NanOutsideReach(double reach) : reach_(reach), inner_(five_particle_field()) {}
  int dimension() const override { return 1; }
  std::span<const double> masses() const override { return inner_->masses(); }
  void velocity(std::span<const double> x, std::span<double> v) const override {
    inner_->velocity(x, v);
    if (std::any_of(x.begin(), x.end(), [&](double xi) { return !(std::abs(xi) < reach_); }))
      std::fill(v.begin(), v.end(), std::numeric_limits<double>::quiet_NaN());
  }
  double energy(std::span<const double> x) const override { return inner_->energy(x); }
  std::string describe() const override { return "test field: wpme, NaN outside a reach"; }

 private:
  double reach_;
  std::unique_ptr<VelocityField> inner_;
};

TEST(IntegratorContract, EachMethodStopsOnANonFiniteFieldWithStatusAndTheLastFiniteState) {
  constexpr double kReach = 1.1;
  const NanOutsideReach field(kReach);
  const std::vector<double> outputs = {0.1, 0.5, 2.0};  // the first two are reached, the last is not
  for (const IntegratorInfo& info : integrator_registry()) {
    State x = kInitial;
    State last_x = kInitial;
    double last_t = 0.0;
    std::size_t n_observed = 0, n_outputs = 0;
    IntegrationStats stats;
    EXPECT_NO_THROW(stats = integrate(
                        field, x, 0.0, outputs, method_spec(info.name, 0.01),
                        [&](double t, std::span<const double> xs) {
                          ++n_observed;
                          last_t = t;
                          last_x.assign(xs.begin(), xs.end());
                        },
                        [&](std::size_t, double, std::span<const double>) { ++n_outputs; }))
        << info.name;
    EXPECT_EQ(stats.status, RunStatus::non_finite_state) << info.name << ": " << stats.message;
    EXPECT_FALSE(stats.message.empty()) << info.name;
    EXPECT_EQ(x, last_x) << info.name << ": x must be the last state the observer saw";
    EXPECT_TRUE(std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); })) << info.name;
    EXPECT_EQ(stats.t_reached, last_t) << info.name;
    EXPECT_GE(stats.t_reached, outputs[1]) << info.name;  // a large step from t = 0.5 may already cross
    EXPECT_LT(stats.t_reached, outputs[2]) << info.name;
    EXPECT_EQ(n_observed, stats.steps_accepted) << info.name;
    EXPECT_EQ(n_outputs, 2U) << info.name;
  }
}

TEST(IntegratorContract, EachMethodGivenANonFiniteFieldFromTheStartKeepsTheInitialState) {
  const NanOutsideReach field(0.0);  // NaN everywhere
  const std::vector<double> outputs = {0.5};
  for (const IntegratorInfo& info : integrator_registry()) {
    State x = kInitial;
    std::size_t n_calls = 0;
    IntegrationStats stats;
    EXPECT_NO_THROW(stats = integrate(
                        field, x, 0.0, outputs, method_spec(info.name, 0.01),
                        [&](double, std::span<const double>) { ++n_calls; },
                        [&](std::size_t, double, std::span<const double>) { ++n_calls; }))
        << info.name;
    EXPECT_EQ(stats.status, RunStatus::non_finite_state) << info.name;
    EXPECT_EQ(x, kInitial) << info.name;
    EXPECT_EQ(stats.t_reached, 0.0) << info.name;
    EXPECT_EQ(stats.steps_accepted, 0U) << info.name;
    EXPECT_EQ(n_calls, 0U) << info.name;
  }
}

/// dx/dt = 1/(1 - x)^2 from x = 0: x(t) = 1 - (1 - 3t)^(1/3) blows up (infinite speed) at t* = 1/3.
class BlowUpAtOneThird final : public VelocityField {
 public:
  int dimension() const override { return 1; }
  std::span<const double> masses() const override { return mass_; }
  void velocity(std::span<const double> x, std::span<double> v) const override {
    v[0] = 1.0 / ((1.0 - x[0]) * (1.0 - x[0]));
  }
  double energy(std::span<const double>) const override { return 0.0; }
  std::string describe() const override { return "test field: blow-up at t = 1/3"; }

 private:
  std::vector<double> mass_ = {1.0};
};

TEST(IntegratorContract, EachAdaptiveMethodApproachingABlowUpStopsWithAStatusCloseToIt) {
  // The steps shrink towards t* until they fall below kMinRelativeStep times the time span (step_size_underflow).
  constexpr double kBlowUpTime = 1.0 / 3.0;
  constexpr double kBlowUpAgreement = 1e-6;
  const BlowUpAtOneThird field;
  const std::vector<double> outputs = {1.0};
  for (const IntegratorInfo& info : integrator_registry()) {
    if (!info.adaptive) continue;
    State x = {0.0};
    IntegrationStats stats;
    EXPECT_NO_THROW(stats = integrate(field, x, 0.0, outputs, method_spec(info.name, 1e-3))) << info.name;
    EXPECT_EQ(stats.status, RunStatus::step_size_underflow) << info.name << ": " << stats.message;
    EXPECT_NEAR(stats.t_reached, kBlowUpTime, kBlowUpAgreement) << info.name;
    EXPECT_TRUE(std::isfinite(x[0])) << info.name;
    EXPECT_LT(x[0], 1.0) << info.name;
  }
}

}  // namespace
}  // namespace blobflow
