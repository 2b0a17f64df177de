// Unit tests of the seams of integrate() (integrators.hpp): an observer that stops the run, a run integrated in
// segments with events between them (particles removed), and a stepper outside the registry (Euler-Maruyama with
// a seeded generator) run by the fixed-step driver.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

/// dx_i/dt = -x_i in 1D, E = sum_i m_i x_i^2 / 2: the particles do not interact, so removing one leaves the paths
/// of the others unchanged.
class LinearDecay final : public VelocityField {
 public:
  explicit LinearDecay(std::vector<double> masses) : masses_(std::move(masses)) {}
  int dimension() const override { return 1; }
  std::span<const double> masses() const override { return masses_; }
  void velocity(std::span<const double> x, std::span<double> v) const override {
    for (std::size_t i = 0; i < x.size(); ++i) v[i] = -x[i];
  }
  double energy(std::span<const double> x) const override {
    double e = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) e += 0.5 * masses_[i] * x[i] * x[i];
    return e;
  }
  std::string describe() const override { return "test field: dx/dt = -x"; }

 private:
  std::vector<double> masses_;
};

IntegratorSpec rk4(double dt) {
  IntegratorSpec spec;
  spec.method = "rk4";
  spec.dt = dt;
  return spec;
}

TEST(IntegrateObserver, AStepObserverThatAsksToStopEndsTheRunAtThatStepWithStatusOk) {
  const LinearDecay field({1.0});
  const std::vector<double> outputs = {0.5, 1.0};
  for (const char* method : {"euler", "rk4", "dopri5"}) {
    IntegratorSpec spec = rk4(0.1);
    spec.method = method;
    State x = {1.0}, seen;
    double seen_t = -1.0;
    std::size_t n_outputs = 0;
    const IntegrationStats stats = integrate(
        field, x, 0.0, outputs, spec,
        [&](double t, std::span<const double> xs) {
          seen.assign(xs.begin(), xs.end()), seen_t = t;
          return t >= 0.3 ? ObserverAction::stop : ObserverAction::proceed;
        },
        [&](std::size_t, double, std::span<const double>) { ++n_outputs; });
    EXPECT_EQ(stats.status, RunStatus::ok) << method;
    EXPECT_TRUE(stats.stopped) << method;
    EXPECT_GE(stats.t_reached, 0.3) << method;
    EXPECT_LT(stats.t_reached, 0.5) << method;
    EXPECT_EQ(n_outputs, 0u) << method;  // stopped before the first output time
    // The run ends on the state the observer saw when it asked to stop, at t_reached.
    EXPECT_EQ(seen_t, stats.t_reached) << method;
    EXPECT_EQ(x, seen) << method;
  }
}

TEST(IntegrateWithEvents, RemovedParticlesLeaveTheOthersOnTheirPathsAndOutputsKeepTheirIndices) {
  const std::vector<double> outputs = {0.25, 0.5, 1.0};
  const FieldFactory factory = [](const std::vector<double>& m) { return std::make_unique<LinearDecay>(m); };
  // Reference: all three particles, no event.
  State all = {1.0, -2.0, 3.0};
  const LinearDecay field({0.2, 0.3, 0.5});
  ASSERT_EQ(integrate(field, all, 0.0, outputs, rk4(0.05)).status, RunStatus::ok);

  // Particle 1 leaves at t = 0.5 (an output time): the survivors end where they end without the event, bit for bit
  // (the same steps: each segment ends on an output time the reference also stops at).
  State x = {1.0, -2.0, 3.0};
  std::vector<double> masses = {0.2, 0.3, 0.5};
  const std::vector<RunEvent> events = {{0.5, [](State& s, std::vector<double>& m) {
                                           s.erase(s.begin() + 1);
                                           m.erase(m.begin() + 1);
                                         }}};
  std::vector<std::size_t> ks;
  std::vector<std::size_t> sizes;
  const IntegrationStats stats = integrate_with_events(
      factory, x, masses, 0.0, outputs, events, rk4(0.05), {},
      [&](std::size_t k, double, std::span<const double> xs) {
        ks.push_back(k);
        sizes.push_back(xs.size());
      });
  ASSERT_EQ(stats.status, RunStatus::ok);
  EXPECT_EQ(stats.t_reached, 1.0);
  EXPECT_EQ(stats.steps_accepted, 20u);  // 5 + 5 + 10 steps of 0.05
  EXPECT_EQ(ks, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 2}));  // the event follows the output at t = 0.5
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(masses, (std::vector<double>{0.2, 0.5}));
  EXPECT_EQ(x[0], all[0]);
  EXPECT_EQ(x[1], all[2]);
}

TEST(IntegrateWithEvents, AnEventBetweenOutputTimesIsNotReportedAsAnOutput) {
  const std::vector<double> outputs = {0.5, 1.0};
  const FieldFactory factory = [](const std::vector<double>& m) { return std::make_unique<LinearDecay>(m); };
  State x = {1.0, 2.0};
  std::vector<double> masses = {0.5, 0.5};
  const std::vector<RunEvent> events = {{0.7, [](State& s, std::vector<double>& m) {
                                           s.pop_back();
                                           m.pop_back();
                                         }}};
  std::vector<double> output_t;
  const IntegrationStats stats = integrate_with_events(
      factory, x, masses, 0.0, outputs, events, rk4(0.05), {},
      [&](std::size_t, double t, std::span<const double>) { output_t.push_back(t); });
  ASSERT_EQ(stats.status, RunStatus::ok);
  EXPECT_EQ(output_t, (std::vector<double>{0.5, 1.0}));
  ASSERT_EQ(x.size(), 1u);
  // rk4 on x' = -x: the global relative error at t is t h^4 / 120 = 5.2e-8 at h = 0.05, t = 1, times x(1) = 0.37.
  constexpr double kRk4Accuracy = 1e-7;
  EXPECT_NEAR(x[0], std::exp(-1.0), kRk4Accuracy);
}

TEST(IntegrateWithEvents, BadEventsAreRefused) {
  const std::vector<double> outputs = {1.0};
  const FieldFactory factory = [](const std::vector<double>& m) { return std::make_unique<LinearDecay>(m); };
  State x = {1.0};
  std::vector<double> masses = {1.0};
  const auto noop = [](State&, std::vector<double>&) {};
  const std::vector<RunEvent> late = {{2.0, noop}}, unordered = {{0.6, noop}, {0.4, noop}};
  EXPECT_THROW(integrate_with_events(factory, x, masses, 0.0, outputs, late, rk4(0.1)), std::invalid_argument);
  EXPECT_THROW(integrate_with_events(factory, x, masses, 0.0, outputs, unordered, rk4(0.1)), std::invalid_argument);
  const std::vector<RunEvent> empties = {{0.5, [](State& s, std::vector<double>& m) { s.clear(), m.clear(); }}};
  EXPECT_THROW(integrate_with_events(factory, x, masses, 0.0, outputs, empties, rk4(0.1)), std::invalid_argument);
}

/// Euler-Maruyama for dX = v(X) dt + sigma dW, with its own generator.
class EulerMaruyama final : public CustomStepper {
 public:
  EulerMaruyama(double sigma, unsigned seed) : sigma_(sigma), generator_(seed) {}
  void do_step(const VelocityFunction& velocity, State& x, double, double h) override {
    v_.resize(x.size());
    velocity(x, v_);
    std::normal_distribution<double> normal;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += h * v_[i] + sigma_ * std::sqrt(h) * normal(generator_);
  }

 private:
  double sigma_;
  std::mt19937_64 generator_;
  State v_;
};

TEST(IntegrateWithCustomStepper, EulerMaruyamaWithoutNoiseIsTheRegisteredEulerBitForBit) {
  const LinearDecay field({0.5, 0.5});
  const std::vector<double> outputs = {0.3, 1.0};
  IntegratorSpec spec = rk4(0.04);
  spec.method = "euler";
  State a = {1.0, -0.5}, b = a;
  const IntegrationStats registered = integrate(field, a, 0.0, outputs, spec);
  EulerMaruyama noiseless(0.0, 1);
  const IntegrationStats custom = integrate_with(noiseless, field, b, 0.0, outputs, spec);
  EXPECT_EQ(a, b);
  EXPECT_EQ(registered.steps_accepted, custom.steps_accepted);
  EXPECT_EQ(registered.rhs_evaluations, custom.rhs_evaluations);
}

TEST(IntegrateWithCustomStepper, EulerMaruyamaIsReproducibleFromItsSeedAndHasTheOrnsteinUhlenbeckVariance) {
  // dX = -X dt + sqrt(2) dW from X = 0: Var X(t) = 1 - e^-2t. N independent particles (the field does not couple
  // them) sample it; Euler-Maruyama with step h has the stationary variance 1 / (1 - h/2), a relative bias ~ h/2.
  constexpr std::size_t kParticles = 20'000;
  constexpr double kStep = 0.01;
  // 6 standard errors of a sample variance (sqrt(2 / N) relative) plus the step bias h/2.
  const double tolerance = 6.0 * std::sqrt(2.0 / kParticles) + kStep / 2.0;
  const LinearDecay field(std::vector<double>(kParticles, 1.0 / kParticles));
  IntegratorSpec spec = rk4(kStep);
  const std::vector<double> outputs = {1.0};
  auto sample = [&](unsigned seed) {
    State x(kParticles, 0.0);
    EulerMaruyama stepper(std::sqrt(2.0), seed);
    EXPECT_EQ(integrate_with(stepper, field, x, 0.0, outputs, spec).status, RunStatus::ok);
    return x;
  };
  const State a = sample(7), b = sample(7), c = sample(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  double mean = 0.0, second = 0.0;
  for (double v : a) mean += v / kParticles, second += v * v / kParticles;
  const double variance = second - mean * mean, exact = 1.0 - std::exp(-2.0);
  EXPECT_NEAR(variance / exact, 1.0, tolerance) << "variance " << variance << ", exact " << exact;
}

}  // namespace
}  // namespace blobflow
