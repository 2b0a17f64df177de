// Unit tests of integrate() and its registry (integrators.hpp): output times are hit bit for bit, the fixed-step
// methods show their classical order (one generic test over the registry, as odeint's test/numeric/runge_kutta.cpp),
// the dopri5 counters obey the FSAL count, the adaptive step count is translation invariant (docs/architecture.md
// "Conventions": odeint's default error check is not), numerical failure is a status with the last finite state, and
// bad arguments throw. The test system: 5 particles of unequal mass of the wpme field in 1D (docs/math.md §2.3),
// eps = 0.2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
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

IntegratorSpec method_spec(std::string_view name, double dt) {
  IntegratorSpec spec;
  spec.method = std::string(name);
  spec.dt = dt;
  return spec;
}

TEST(Integrate, EachRegisteredMethodReachesEveryOutputTimeExactly) {
  const auto field = five_particle_field();
  // Output intervals that are not multiples of dt, one shorter than dt, and times that are not binary fractions,
  // starting from t0 = 0 and from t0 away from 0 (where t0 + k h rounds differently).
  for (const double t0 : {0.0, -2.5, 1000.0})
    for (const IntegratorInfo& info : integrator_registry()) {
      std::vector<double> outputs;
      for (const double offset : {0.1, 0.25, 0.26, 0.7, 1.3}) outputs.push_back(t0 + offset);
      State x = kInitial;
      std::vector<std::size_t> ks;
      std::vector<double> output_t, step_t;
      const IntegrationStats stats = integrate(
          *field, x, t0, outputs, method_spec(info.name, 0.03),
          [&](double t, std::span<const double>) { step_t.push_back(t); },
          [&](std::size_t k, double t, std::span<const double>) {
            ks.push_back(k);
            output_t.push_back(t);
          });
      ASSERT_EQ(stats.status, RunStatus::ok) << info.name << ": " << stats.message;
      ASSERT_EQ(output_t.size(), outputs.size()) << info.name;
      for (std::size_t k = 0; k < outputs.size(); ++k) {
        EXPECT_EQ(ks[k], k) << info.name;
        EXPECT_EQ(output_t[k], outputs[k]) << info.name << ", output " << k;  // bit for bit
      }
      EXPECT_EQ(stats.t_reached, outputs.back()) << info.name;
      ASSERT_FALSE(step_t.empty());
      EXPECT_EQ(step_t.back(), outputs.back()) << info.name;
      // strictly increasing: is_sorted with <= as the order rejects any step_t[i + 1] <= step_t[i]
      EXPECT_TRUE(std::is_sorted(step_t.begin(), step_t.end(), std::less_equal<>())) << info.name;
      EXPECT_EQ(step_t.size(), stats.steps_accepted) << info.name;
      for (double t : outputs)  // every output time is also the time of an accepted step
        EXPECT_NE(std::find(step_t.begin(), step_t.end(), t), step_t.end()) << info.name << ", t = " << t;
      EXPECT_TRUE(stats.message.empty()) << info.name;
    }
}

TEST(Integrate, FixedStepMethodsShowTheirClassicalOrderWhenTheStepIsHalved) {
  // Observed order p = log2(e(dt) / e(dt/2)) with e the max error at T; the asymptotic regime is reached when the
  // next error term is small: within 0.2 of nominal (the brief's criterion) for these step sizes.
  constexpr double kOrderTolerance = 0.2;
  constexpr double kFinalTime = 0.5;
  constexpr double kReferenceDt = 1e-4;  // rk4 error ~ C dt^4 ~ 1e-16: round-off level
  const auto field = five_particle_field();
  const std::vector<double> outputs = {kFinalTime};
  State reference = kInitial;
  ASSERT_EQ(integrate(*field, reference, 0.0, outputs, method_spec("rk4", kReferenceDt)).status, RunStatus::ok);
  {  // An independent check of the reference: dopri5 at tight tolerance agrees to ~1e-12.
    constexpr double kReferenceAgreement = 1e-11;
    State x = kInitial;
    IntegratorSpec tight = method_spec("dopri5", 1e-3);
    tight.rtol = 1e-13;
    tight.atol = 1e-14;
    ASSERT_EQ(integrate(*field, x, 0.0, outputs, tight).status, RunStatus::ok);
    EXPECT_LT(max_abs_difference(x, reference), kReferenceAgreement);
  }
  std::size_t n_fixed = 0;
  for (const IntegratorInfo& info : integrator_registry()) {
    if (info.adaptive) continue;
    ++n_fixed;
    std::vector<double> errors;
    for (const double dt : {0.02, 0.01, 0.005}) {
      State x = kInitial;
      ASSERT_EQ(integrate(*field, x, 0.0, outputs, method_spec(info.name, dt)).status, RunStatus::ok);
      errors.push_back(max_abs_difference(x, reference));
    }
    for (std::size_t k = 1; k < errors.size(); ++k) {
      const double observed = std::log2(errors[k - 1] / errors[k]);
      EXPECT_NEAR(observed, info.order, kOrderTolerance)
          << info.name << ": errors " << errors[k - 1] << " -> " << errors[k] << ", observed order " << observed;
      RecordProperty(std::string(info.name) + "_observed_order_" + std::to_string(k), std::to_string(observed));
    }
  }
  EXPECT_GE(n_fixed, 2U);  // euler and rk4 at least
}

TEST(Integrate, RightHandSideEvaluationsFollowTheStageCountOfEachMethod) {
  // euler: 1 evaluation per step; rk4: 4. dopri5 is FSAL: odeint's controlled stepper evaluates v(x0) once, then
  // every attempt (accepted or rejected) costs 6 evaluations (stages 2..7; stage 7 is v at the new point, reused as
  // stage 1 of the next step; a rejected attempt keeps the old derivative). So rhs = 1 + 6 (accepted + rejected).
  const auto field = five_particle_field();
  const std::vector<double> outputs = {0.2, 0.5};
  for (const auto& [name, per_step] : {std::pair{"euler", 1UL}, std::pair{"rk4", 4UL}}) {
    State x = kInitial;
    const IntegrationStats stats = integrate(*field, x, 0.0, outputs, method_spec(name, 0.01));
    ASSERT_EQ(stats.status, RunStatus::ok);
    EXPECT_EQ(stats.steps_accepted, 50U) << name;
    EXPECT_EQ(stats.steps_rejected, 0U) << name;
    EXPECT_EQ(stats.rhs_evaluations, per_step * stats.steps_accepted) << name;
  }
  State x = kInitial;
  IntegratorSpec dopri = method_spec("dopri5", 0.5);  // a first trial step far too large: forces rejections
  dopri.rtol = 1e-10;
  const IntegrationStats stats = integrate(*field, x, 0.0, outputs, dopri);
  ASSERT_EQ(stats.status, RunStatus::ok);
  EXPECT_GT(stats.steps_rejected, 0U);
  EXPECT_GT(stats.steps_accepted, 0U);
  EXPECT_EQ(stats.rhs_evaluations, 1 + 6 * (stats.steps_accepted + stats.steps_rejected))
      << "accepted " << stats.steps_accepted << ", rejected " << stats.steps_rejected;
  RecordProperty("dopri5_accepted", std::to_string(stats.steps_accepted));
  RecordProperty("dopri5_rejected", std::to_string(stats.steps_rejected));
}

TEST(Integrate, Dopri5StepCountIsUnchangedWhenTheCloudIsShiftedByOneThousand) {
  // The error norm is measured relative to the cloud's RMS radius about its centroid, so a translated cloud takes
  // the same steps; only the absolute round-off of the coordinates (1e3 ulp ~ 1e-13) differs.
  constexpr double kShift = 1e3;
  constexpr double kShiftedAgreement = 1e-10;  // ~1e-13 per step over ~100 steps, with margin
  const auto field = five_particle_field();
  const std::vector<double> outputs = {0.5, 1.0};
  State x = kInitial, y = kInitial;
  for (double& yi : y) yi += kShift;
  const IntegratorSpec spec = method_spec("dopri5", 1e-3);
  const IntegrationStats a = integrate(*field, x, 0.0, outputs, spec);
  const IntegrationStats b = integrate(*field, y, 0.0, outputs, spec);
  ASSERT_EQ(a.status, RunStatus::ok);
  ASSERT_EQ(b.status, RunStatus::ok);
  EXPECT_EQ(a.steps_accepted, b.steps_accepted);
  EXPECT_EQ(a.steps_rejected, b.steps_rejected);
  EXPECT_EQ(a.rhs_evaluations, b.rhs_evaluations);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i] - kShift, x[i], kShiftedAgreement) << "particle " << i;
  RecordProperty("dopri5_steps_accepted", std::to_string(a.steps_accepted));
}

/// A field that moves one particle at unit speed and returns NaN once it has passed x = 0.47.
class NanBeyondThreshold final : public VelocityField {
 public:
  static constexpr double kThreshold = 0.47;
  int dimension() const override { return 1; }
  std::span<const double> masses() const override { return mass_; }
  void velocity(std::span<const double> x, std::span<double> v) const override {
    v[0] = x[0] < kThreshold ? 1.0 : std::numeric_limits<double>::quiet_NaN();
  }
  double energy(std::span<const double> x) const override { return -x[0]; }
  std::string describe() const override { return "test field: NaN beyond x = 0.47"; }

 private:
  std::vector<double> mass_ = {1.0};
};

TEST(Integrate, NonFiniteVelocityStopsTheRunWithStatusAndTheLastFiniteState) {
  const NanBeyondThreshold field;
  const std::vector<double> outputs = {0.2, 1.0};
  for (const IntegratorInfo& info : integrator_registry()) {
    State x = {0.0};
    double last_t = -1.0;
    State last_x;
    std::size_t n_steps_observed = 0, n_outputs = 0;
    IntegrationStats stats;
    EXPECT_NO_THROW(stats = integrate(
                        field, x, 0.0, outputs, method_spec(info.name, 0.1),
                        [&](double t, std::span<const double> xs) {
                          ++n_steps_observed;
                          last_t = t;
                          last_x.assign(xs.begin(), xs.end());
                        },
                        [&](std::size_t, double, std::span<const double>) { ++n_outputs; }))
        << info.name;
    EXPECT_EQ(stats.status, RunStatus::non_finite_state) << info.name;
    EXPECT_EQ(to_string(stats.status), "non_finite_state");
    EXPECT_FALSE(stats.message.empty()) << info.name;
    ASSERT_TRUE(std::isfinite(x[0])) << info.name;
    ASSERT_FALSE(last_x.empty()) << info.name;
    EXPECT_EQ(x, last_x) << info.name << ": x must be the last state the observer saw";
    EXPECT_EQ(stats.t_reached, last_t) << info.name;
    EXPECT_LT(stats.t_reached, outputs.back()) << info.name;
    EXPECT_EQ(n_outputs, 1U) << info.name << ": only t = 0.2 was reached";
  }
}

TEST(Integrate, DiscardedNonFiniteStepIsNotCountedAsAccepted) {
  // StepObserver is "called after every accepted step", so steps_accepted must equal the number of observer calls;
  // the step whose result was non-finite and thrown away is not one of them.
  const NanBeyondThreshold field;
  const std::vector<double> outputs = {1.0};
  for (const IntegratorInfo& info : integrator_registry()) {
    State x = {0.0};
    std::size_t n_steps_observed = 0;
    const IntegrationStats stats = integrate(field, x, 0.0, outputs, method_spec(info.name, 0.1),
                                             [&](double, std::span<const double>) { ++n_steps_observed; });
    ASSERT_EQ(stats.status, RunStatus::non_finite_state) << info.name;
    EXPECT_EQ(stats.steps_accepted, n_steps_observed) << info.name;
  }
}

/// Unit speed, except that the velocity call number `kNanCall` returns NaN: the last stage of dopri5's first
/// attempt (one call at the start, five inner stages, then the FSAL stage at the new state).
class NanOnOneCall final : public VelocityField {
 public:
  static constexpr int kNanCall = 7;
  int dimension() const override { return 1; }
  std::span<const double> masses() const override { return mass_; }
  void velocity(std::span<const double>, std::span<double> v) const override {
    v[0] = ++calls_ == kNanCall ? std::numeric_limits<double>::quiet_NaN() : 1.0;
  }
  double energy(std::span<const double> x) const override { return -x[0]; }
  std::string describe() const override { return "test field: unit speed, NaN at call 7"; }

 private:
  std::vector<double> mass_ = {1.0};
  mutable int calls_ = 0;
};

TEST(Integrate, DormandPrinceAcceptsNoStepWhoseLastStageMetANan) {
  // dopri5 evaluates the velocity at the new state within the attempt (its FSAL stage), and that stage enters only
  // the error estimate: a NaN there makes the error NaN, which odeint's controller does not refuse, while the new
  // state itself is finite. Such an attempt must be refused like any attempt that met a NaN (in a blob run it had
  // thrown a particle where 1/rhobar overflows).
  const NanOnOneCall field;
  const std::vector<double> outputs = {1.0};
  State x = {0.0};
  constexpr double kFirstTrial = 0.1, kRetry = 0.01;  // the refused attempt's retry is a decade shorter
  std::vector<double> accepted;
  const IntegrationStats stats = integrate(field, x, 0.0, outputs, method_spec("dopri5", kFirstTrial),
                                           [&](double t, std::span<const double>) { accepted.push_back(t); });
  ASSERT_EQ(stats.status, RunStatus::ok) << stats.message;
  ASSERT_FALSE(accepted.empty());
  EXPECT_DOUBLE_EQ(accepted.front(), kRetry) << "the attempt to t = 0.1 met a NaN and must not be accepted";
  EXPECT_NEAR(x[0], 1.0, 1e-12);
}

/// dx/dt = -x, but NaN once |x| > 2 (as a field whose 1 / rhobar overflows far out): from x = 1 a first trial step
/// of dt = 10 throws the stages to x ~ -9, although the solution e^-t never leaves [0, 1].
class DecayNanFarOut final : public VelocityField {
 public:
  static constexpr double kReach = 2.0;
  int dimension() const override { return 1; }
  std::span<const double> masses() const override { return mass_; }
  void velocity(std::span<const double> x, std::span<double> v) const override {
    v[0] = std::abs(x[0]) <= kReach ? -x[0] : std::numeric_limits<double>::quiet_NaN();
  }
  double energy(std::span<const double> x) const override { return 0.5 * x[0] * x[0]; }
  std::string describe() const override { return "test field: x' = -x, NaN beyond |x| = 2"; }

 private:
  std::vector<double> mass_ = {1.0};
};

TEST(Integrate, AdaptiveMethodsRefuseANonFiniteTrialStepAndShrinkIt) {
  // A non-finite attempt is a refused step, not the end of the run: every adaptive method reaches t = 1 and agrees
  // with e^-1 to its tolerance, having refused at least the first attempt.
  constexpr double kTooLongFirstStep = 10.0;
  constexpr double kAgreement = 1e-7;  // rtol 1e-8 (method_spec) over a unit-length run, with margin
  const DecayNanFarOut field;
  const std::vector<double> outputs = {1.0};
  for (const IntegratorInfo& info : integrator_registry()) {
    if (!info.adaptive) continue;
    State x = {1.0};
    const IntegrationStats stats = integrate(field, x, 0.0, outputs, method_spec(info.name, kTooLongFirstStep));
    EXPECT_EQ(stats.status, RunStatus::ok) << info.name << ": " << stats.message;
    EXPECT_NEAR(x[0], std::exp(-1.0), kAgreement) << info.name;
    EXPECT_GE(stats.steps_rejected, 1U) << info.name;
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

TEST(Integrate, Dopri5ApproachingAFiniteTimeBlowUpEndsWithStepSizeUnderflow) {
  constexpr double kBlowUpTime = 1.0 / 3.0;
  constexpr double kBlowUpAgreement = 1e-6;  // the steps shrink geometrically towards t*; the run stops very close
  const BlowUpAtOneThird field;
  const std::vector<double> outputs = {1.0};
  State x = {0.0};
  IntegrationStats stats;
  EXPECT_NO_THROW(stats = integrate(field, x, 0.0, outputs, method_spec("dopri5", 1e-3)));
  EXPECT_EQ(stats.status, RunStatus::step_size_underflow) << stats.message;
  EXPECT_NEAR(stats.t_reached, kBlowUpTime, kBlowUpAgreement);
  EXPECT_TRUE(std::isfinite(x[0]));
  EXPECT_LT(x[0], 1.0);
  EXPECT_GT(stats.steps_rejected, 0U);
}

TEST(Integrate, StepSizeUnderflowMessageShowsTheNonzeroMinimumStep) {
  // docs/architecture.md "Conventions": a message names the value and the rule. The minimum step here is 1e-14
  // (kMinRelativeStep times a unit time span); a fixed-point rendering would print it as 0.000000.
  const BlowUpAtOneThird field;
  const std::vector<double> outputs = {1.0};
  State x = {0.0};
  const IntegrationStats stats = integrate(field, x, 0.0, outputs, method_spec("dopri5", 1e-3));
  ASSERT_EQ(stats.status, RunStatus::step_size_underflow);
  EXPECT_EQ(stats.message.find("below 0.000000 "), std::string::npos) << stats.message;
}

TEST(Integrate, MaxStepsStopsTheRunWithStatusMaxStepsExceeded) {
  const auto field = five_particle_field();
  const std::vector<double> outputs = {0.5, 1.0};
  for (const IntegratorInfo& info : integrator_registry()) {
    IntegratorSpec spec = method_spec(info.name, 0.05);
    State x = kInitial;
    const IntegrationStats full = integrate(*field, x, 0.0, outputs, spec);
    ASSERT_EQ(full.status, RunStatus::ok);
    const std::size_t needed = full.steps_accepted + full.steps_rejected;
    spec.max_steps = needed;  // exactly enough: "more than max_steps" is the failure
    x = kInitial;
    EXPECT_EQ(integrate(*field, x, 0.0, outputs, spec).status, RunStatus::ok) << info.name;
    spec.max_steps = needed - 1;
    x = kInitial;
    State last_x;
    const IntegrationStats cut = integrate(*field, x, 0.0, outputs, spec, [&](double, std::span<const double> xs) {
      last_x.assign(xs.begin(), xs.end());
    });
    EXPECT_EQ(cut.status, RunStatus::max_steps_exceeded) << info.name;
    EXPECT_EQ(to_string(cut.status), "max_steps_exceeded");
    EXPECT_LT(cut.t_reached, outputs.back()) << info.name;
    EXPECT_EQ(x, last_x) << info.name;
    EXPECT_EQ(cut.steps_accepted + cut.steps_rejected, needed - 1) << info.name;
  }
}

TEST(Integrate, RejectsUnknownMethodBadStepBadTolerancesBadOutputTimesAndWrongStateSize) {
  const auto field = five_particle_field();
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const std::vector<double> good = {0.5};
  auto rejects = [&](const IntegratorSpec& spec, std::vector<double> outputs, State x, const char* what) {
    EXPECT_THROW(integrate(*field, x, 0.0, outputs, spec), std::invalid_argument) << what;
  };
  rejects(method_spec("rk5", 0.01), good, kInitial, "unknown method");
  rejects(method_spec("", 0.01), good, kInitial, "empty method");
  for (const IntegratorInfo& info : integrator_registry())
    for (const double dt : {0.0, -0.01, nan, inf}) rejects(method_spec(info.name, dt), good, kInitial, "dt <= 0");
  IntegratorSpec spec = method_spec("dopri5", 0.01);
  spec.rtol = 0.0;
  rejects(spec, good, kInitial, "rtol = 0");
  spec.rtol = 1e-8;
  spec.atol = -1.0;
  rejects(spec, good, kInitial, "atol < 0");
  const IntegratorSpec ok = method_spec("rk4", 0.01);
  rejects(ok, {}, kInitial, "no output times");
  rejects(ok, {0.0}, kInitial, "output time equal to t0");
  rejects(ok, {-0.5}, kInitial, "output time before t0");
  rejects(ok, {0.5, 0.3}, kInitial, "decreasing output times");
  rejects(ok, {0.3, 0.3}, kInitial, "repeated output time");
  rejects(ok, {0.3, nan}, kInitial, "NaN output time");
  rejects(ok, {0.3, inf}, kInitial, "infinite output time");
  rejects(ok, good, State(4, 0.0), "state of the wrong size");
}

TEST(IntegratorRegistry, ListsEulerRk4AndDopri5WithTheirOrders) {
  ASSERT_NE(find_integrator("euler"), nullptr);
  ASSERT_NE(find_integrator("rk4"), nullptr);
  ASSERT_NE(find_integrator("dopri5"), nullptr);
  EXPECT_EQ(find_integrator("euler")->order, 1);
  EXPECT_EQ(find_integrator("rk4")->order, 4);
  EXPECT_TRUE(find_integrator("dopri5")->adaptive);
  EXPECT_FALSE(find_integrator("rk4")->adaptive);
  EXPECT_EQ(find_integrator("leapfrog"), nullptr);
  EXPECT_EQ(to_string(RunStatus::ok), "ok");
  EXPECT_EQ(to_string(RunStatus::step_size_underflow), "step_size_underflow");
}

}  // namespace
}  // namespace blobflow
