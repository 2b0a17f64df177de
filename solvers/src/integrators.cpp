// The integrator registry over Boost.Odeint (odeint concepts: doc/concepts/system.qbk; the System functor is
// copied by odeint, so it holds pointers to the field and to the evaluation counter).
#include "blobflow/solvers/integrators.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <boost/numeric/odeint.hpp>

namespace blobflow {
namespace odeint = boost::numeric::odeint;

namespace {

constexpr IntegratorInfo kIntegrators[] = {
    {"euler", "explicit Euler, fixed step", 1, false},
    {"rk4", "classical Runge-Kutta, fixed step", 4, false},
    {"dopri5", "Dormand-Prince 5(4), adaptive, translation-invariant error norm", 5, true},
};

/// The particle ODE as an odeint System; counts right-hand-side evaluations.
struct ParticleSystem {
  const VelocityField* field;
  std::size_t* evaluations;
  void operator()(const State& x, State& dxdt, double /*t*/) const {
    ++*evaluations;
    field->velocity(x, dxdt);
  }
};

/// A time or step size for a status message, with enough digits to tell close times apart ("1e-14", not "0.000000").
std::string format_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

bool all_finite(std::span<const double> x) {
  return std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); });
}

/// The error of a step: max over particles of |local error of x_i| (Euclidean) / (atol + rtol L), where L is the
/// RMS distance of the particles from their centroid at the start of the step. Translation invariant, rotation
/// invariant and independent of the particle order; L gives rtol the meaning "relative to the cloud's size".
class ParticleErrorChecker {
 public:
  using value_type = double;
  using algebra_type = odeint::range_algebra;
  using operations_type = odeint::default_operations;

  ParticleErrorChecker(double atol, double rtol, int dim) : atol_(atol), rtol_(rtol), dim_(dim) {}

  template <class StateT, class Deriv, class Err, class Time>
  double error(algebra_type& /*algebra*/, const StateT& x_old, const Deriv& /*dxdt*/, Err& x_err,
               Time /*dt*/) const {
    const auto d = static_cast<std::size_t>(dim_);
    const std::size_t n = x_old.size() / d;
    double centre[3] = {};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) centre[k] += x_old[i * d + k];
    for (std::size_t k = 0; k < d; ++k) centre[k] /= static_cast<double>(n);
    double spread2 = 0.0, max_err2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      double e2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) {
        const double dx = x_old[i * d + k] - centre[k];
        spread2 += dx * dx;
        e2 += x_err[i * d + k] * x_err[i * d + k];
      }
      max_err2 = std::max(max_err2, e2);
      if (std::isnan(e2)) max_err2 = e2;  // keep NaN visible: the caller turns it into a status
    }
    const double scale = atol_ + rtol_ * std::sqrt(spread2 / static_cast<double>(n));
    return std::sqrt(max_err2) / scale;
  }

 private:
  double atol_, rtol_;
  int dim_;
};

struct Counters {
  IntegrationStats stats;
  std::size_t evaluations = 0;
};

/// Fixed-step integration: each output interval is split into ceil(length / dt) equal steps.
template <class Stepper>
void run_fixed(const VelocityField& field, State& x, double t0, std::span<const double> outputs,
               const IntegratorSpec& spec, const StepObserver& on_step, const OutputObserver& on_output,
               Counters& c) {
  Stepper stepper;
  ParticleSystem system{&field, &c.evaluations};
  State previous = x;
  double t = t0;
  // An interval that is an exact multiple of dt up to round-off must not get one extra tiny step.
  constexpr double kStepCountSlack = 1e-9;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const double t_start = t, length = outputs[k] - t_start;
    const auto n_steps = static_cast<std::size_t>(std::max(1.0, std::ceil(length / spec.dt - kStepCountSlack)));
    const double h = length / static_cast<double>(n_steps);
    for (std::size_t s = 1; s <= n_steps; ++s) {
      if (c.stats.steps_accepted >= spec.max_steps) {
        c.stats.status = RunStatus::max_steps_exceeded;
        c.stats.message = "more than max_steps = " + std::to_string(spec.max_steps) + " steps";
        return;
      }
      previous = x;
      stepper.do_step(system, x, t, h);
      const double t_new = (s == n_steps) ? outputs[k] : t_start + static_cast<double>(s) * h;
      if (!all_finite(x)) {  // the step is discarded, not counted
        x = previous;
        c.stats.status = RunStatus::non_finite_state;
        c.stats.message = "the state became non-finite in the step from t = " + format_number(t);
        return;
      }
      ++c.stats.steps_accepted;
      t = t_new;
      c.stats.t_reached = t;
      if (on_step) on_step(t, x);
    }
    if (on_output) on_output(k, t, x);
  }
}

/// Adaptive integration with a controlled error stepper; steps are shortened to land on each output time.
template <class ErrorStepper>
void run_adaptive(const VelocityField& field, State& x, double t0, std::span<const double> outputs,
                  const IntegratorSpec& spec, const StepObserver& on_step, const OutputObserver& on_output,
                  Counters& c) {
  using Controlled = odeint::controlled_runge_kutta<ErrorStepper, ParticleErrorChecker>;
  Controlled stepper(ParticleErrorChecker(spec.atol, spec.rtol, field.dimension()));
  ParticleSystem system{&field, &c.evaluations};
  const double min_step = kMinRelativeStep * (outputs.back() - t0);
  State previous = x;
  double t = t0, dt = spec.dt;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const double t_out = outputs[k];
    while (t < t_out) {
      if (c.stats.steps_accepted + c.stats.steps_rejected >= spec.max_steps) {
        c.stats.status = RunStatus::max_steps_exceeded;
        c.stats.message = "more than max_steps = " + std::to_string(spec.max_steps) + " steps";
        return;
      }
      // Land exactly on t_out when the step reaches it (or would leave a sliver shorter than min_step).
      const bool last = t + dt >= t_out - min_step;
      double h = last ? t_out - t : dt;
      double t_try = t;
      previous = x;
      const odeint::controlled_step_result result = stepper.try_step(system, x, t_try, h);
      if (result == odeint::success && all_finite(x) && std::isfinite(h)) {
        ++c.stats.steps_accepted;
        t = last ? t_out : t_try;
        // h is the suggestion for the next step; after a shortened last step keep the larger one.
        dt = last ? std::max(dt, h) : h;
        c.stats.t_reached = t;
        if (on_step) on_step(t, x);
        continue;
      }
      if (result == odeint::success) {  // accepted by the controller, but the state or the step is not finite
        x = previous;
        c.stats.status = RunStatus::non_finite_state;
        c.stats.message = "the state became non-finite in the step from t = " + format_number(t);
        return;
      }
      ++c.stats.steps_rejected;
      dt = h;
      if (!(dt >= min_step)) {
        c.stats.status = RunStatus::step_size_underflow;
        c.stats.message = "the step size fell below " + format_number(min_step) + " at t = " + format_number(t);
        return;
      }
    }
    if (on_output) on_output(k, t, x);
  }
}

}  // namespace

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::ok: return "ok";
    case RunStatus::non_finite_state: return "non_finite_state";
    case RunStatus::step_size_underflow: return "step_size_underflow";
    case RunStatus::max_steps_exceeded: return "max_steps_exceeded";
  }
  return "unknown";
}

std::span<const IntegratorInfo> integrator_registry() { return kIntegrators; }

const IntegratorInfo* find_integrator(std::string_view name) {
  for (const auto& info : kIntegrators)
    if (info.name == name) return &info;
  return nullptr;
}

IntegrationStats integrate(const VelocityField& field, State& x, double t0, std::span<const double> output_times,
                           const IntegratorSpec& spec, const StepObserver& on_step, const OutputObserver& on_output) {
  if (!find_integrator(spec.method)) throw std::invalid_argument("unknown integrator \"" + spec.method + "\"");
  if (!(spec.dt > 0.0) || !std::isfinite(spec.dt)) throw std::invalid_argument("integrator dt must be > 0");
  if (!(spec.rtol > 0.0) || !(spec.atol > 0.0)) throw std::invalid_argument("integrator tolerances must be > 0");
  if (output_times.empty()) throw std::invalid_argument("integrate needs at least one output time");
  double previous = t0;
  for (double t : output_times) {
    if (!(t > previous) || !std::isfinite(t))
      throw std::invalid_argument("output times must be finite, increasing and > t0");
    previous = t;
  }
  if (x.size() != field.masses().size() * static_cast<std::size_t>(field.dimension()))
    throw std::invalid_argument("state size does not match the velocity field");

  Counters c;
  c.stats.t_reached = t0;
  if (spec.method == "euler")
    run_fixed<odeint::euler<State>>(field, x, t0, output_times, spec, on_step, on_output, c);
  else if (spec.method == "rk4")
    run_fixed<odeint::runge_kutta4<State>>(field, x, t0, output_times, spec, on_step, on_output, c);
  else if (spec.method == "dopri5")
    run_adaptive<odeint::runge_kutta_dopri5<State>>(field, x, t0, output_times, spec, on_step, on_output, c);
  c.stats.rhs_evaluations = c.evaluations;
  return c.stats;
}

}  // namespace blobflow
