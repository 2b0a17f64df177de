// Time integration of the particle ODE dx/dt = v(x) with Boost.Odeint steppers chosen by name from one registry.
// Fixed-step methods land exactly on every output time (the step is shortened to divide each interval evenly; a
// multistep method restarts its history when that changes its step); adaptive methods use a translation-invariant
// error norm (odeint's default weighs the error by |x_i|, so the tolerance would depend on where the particle cloud
// sits). The implicit method (implicit-euler, a minimizing-movement step, minimizing_movement.hpp) is fixed-step too:
// it solves an optimization problem per step, to the tolerance given by rtol and atol. Numerical failure is a status,
// never an exception.
#pragma once

#include <cstddef>
#include <concepts>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "blobflow/solvers/point_set.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// How a run ended. `ok` (t_final reached) and `collapsed` (stopped where the run asked to be stopped) are its
/// successful ends; the others are numerical failures.
enum class RunStatus {
  ok,
  non_finite_state,      ///< a position became NaN or infinite
  step_size_underflow,   ///< the adaptive step fell below kMinRelativeStep times the time span
  max_steps_exceeded,    ///< more than IntegratorSpec::max_steps steps (accepted plus rejected)
  solver_failure,        ///< implicit-euler, discrete-gradient: a step's solve did not converge within its iteration limit
  /// Set by the run driver (studies/run.cpp), never by integrate(): the particles' RMS distance from their centroid
  /// fell below integrator.collapse_radius times eps (the blob method's picture of blow-up, docs/math.md §4.7).
  collapsed,
};

/// The name written to summary.json ("ok", "non_finite_state", ...).
std::string_view to_string(RunStatus status);

/// The integrator choice and its parameters (config section [integrator]).
struct IntegratorSpec {
  std::string method = "dopri5";
  double dt = 1e-3;          ///< fixed-step methods: the largest step; adaptive methods: the first trial step
  /// Adaptive methods accept a step when, for every particle i, |e_i| <= atol + rtol L, with e_i the method's
  /// estimate of the local error of x_i (Euclidean, in length units) and L the RMS distance of the particles from
  /// their centroid at the start of the step. The same norm for every adaptive method, bulirsch-stoer included.
  /// implicit-euler solves each step until, for every particle i, |x_i - x_i^n - dt v_i(x)| <= atol + rtol L (the
  /// implicit Euler residual, with L as above at x^n).
  double rtol = 1e-8;        ///< adaptive and implicit: relative to the cloud's RMS radius about its centre
  double atol = 1e-10;       ///< adaptive and implicit: absolute, in length units
  std::size_t max_steps = 10'000'000;
};

/// Registry facts about one integrator.
struct IntegratorInfo {
  std::string_view name;
  std::string_view description;
  int order;                 ///< classical order of accuracy; for the variable-order bulirsch-stoer, the highest it uses
  bool adaptive;
  /// Solves a nonlinear system per step (implicit-euler, discrete-gradient): its cost depends on the solver, and
  /// rtol and atol set the solve's tolerance.
  bool implicit = false;
};

/// The registered integrators, in the order `blobflow list integrators` prints them.
std::span<const IntegratorInfo> integrator_registry();
/// The entry for `name`, or nullptr.
const IntegratorInfo* find_integrator(std::string_view name);

/// Counters and outcome of one integration.
struct IntegrationStats {
  RunStatus status = RunStatus::ok;
  std::string message;             ///< what went wrong, empty when ok
  std::size_t steps_accepted = 0;  ///< steps the run went on from (the StepObserver saw each one)
  std::size_t steps_rejected = 0;  ///< adaptive: attempts the error control refused (fixed-step methods: 0)
  std::size_t rhs_evaluations = 0; ///< calls of VelocityField::velocity, including those of refused attempts
                                   ///< (implicit-euler: every point its minimizer evaluates, line-search trials too)
  std::size_t energy_evaluations = 0;  ///< implicit-euler, discrete-gradient: calls of VelocityField::energy
                                       ///< (others: 0)
  std::size_t solver_iterations = 0;   ///< implicit-euler: L-BFGS iterations over all steps; discrete-gradient:
                                       ///< Newton iterations; rosenbrock34: GMRES iterations where the field has
                                       ///< no Hessian (others: 0)
  std::size_t jacobian_evaluations = 0;  ///< rosenbrock34, discrete-gradient: calls of VelocityField::hessian
  double t_reached = 0.0;          ///< time of the last finite state
  bool stopped = false;            ///< an observer asked to stop (status stays ok; t_reached says when)
};

/// What an observer asks of the integration after it has looked at the state.
enum class ObserverAction { proceed, stop };

/// A callable f(args...) returning ObserverAction, or returning nothing (then the integration always proceeds).
template <class... Args>
class Observer {
 public:
  Observer() = default;
  template <class F>
    requires(std::invocable<F&, Args...> && !std::same_as<std::decay_t<F>, Observer>)
  Observer(F f) {  // NOLINT(google-explicit-constructor): lambdas convert, as they did to std::function
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Args...>>)
      fn_ = [f = std::move(f)](Args... args) mutable {
        f(args...);
        return ObserverAction::proceed;
      };
    else
      fn_ = std::move(f);
  }
  explicit operator bool() const { return static_cast<bool>(fn_); }
  ObserverAction operator()(Args... args) const { return fn_(args...); }

 private:
  std::function<ObserverAction(Args...)> fn_;
};

/// Called after every accepted step with the new time and state.
using StepObserver = Observer<double, std::span<const double>>;
/// Called when output time number k (0-based) is reached.
using OutputObserver = Observer<std::size_t, double, std::span<const double>>;

/// The smallest adaptive step, relative to the whole time span, before a run stops with step_size_underflow.
inline constexpr double kMinRelativeStep = 1e-14;

/// Whether the stiff integrators get `field`'s Hessian at x in closed form within their size limit (entries per
/// coordinate, as rosenbrock34 and discrete-gradient assemble it); false: they would work matrix-free.
bool has_sparse_hessian(const VelocityField& field, std::span<const double> x);

/// Integrates from t0 through each of `output_times` (strictly increasing, all > t0), updating x in place.
/// On failure x holds the last finite state (at stats.t_reached) and the observers are not called again.
/// \throws std::invalid_argument for an unknown method, dt <= 0, tolerances <= 0, bad output times, a state whose
/// size does not match the field, or a field dimension outside 1..3.
IntegrationStats integrate(const VelocityField& field, State& x, double t0, std::span<const double> output_times,
                           const IntegratorSpec& spec, const StepObserver& on_step = {},
                           const OutputObserver& on_output = {});

/// The field's velocity at a state, as a stepper sees it (every call counts as one rhs evaluation).
using VelocityFunction = std::function<void(std::span<const double> x, std::span<double> v)>;

/// A one-step method outside the registry, run by the same fixed-step driver as the registered ones (steps of at
/// most spec.dt that land on every output time, the same counters and statuses): a stochastic method such as
/// Euler-Maruyama implements it with its own seeded generator.
class CustomStepper {
 public:
  virtual ~CustomStepper() = default;
  /// Advances x from t to t + h; a non-finite result ends the run as non_finite_state.
  virtual void do_step(const VelocityFunction& velocity, State& x, double t, double h) = 0;
};

/// integrate() with `stepper` in place of spec.method (spec.dt and spec.max_steps apply).
IntegrationStats integrate_with(CustomStepper& stepper, const VelocityField& field, State& x, double t0,
                                std::span<const double> output_times, const IntegratorSpec& spec,
                                const StepObserver& on_step = {}, const OutputObserver& on_output = {});

/// Something done to the particles between two segments of a run: remove some, change their masses.
struct RunEvent {
  double t = 0.0;  ///< when: after the output at t, if there is one
  /// Changes the state and the masses together (removing particle i removes its d coordinates and its mass).
  std::function<void(State& x, std::vector<double>& masses)> apply;
};

/// Builds the velocity field for given masses: at the start and after every event.
using FieldFactory = std::function<std::unique_ptr<VelocityField>(const std::vector<double>& masses)>;

/// Integrates through `output_times` as integrate() does, in segments that end at the event times: at each event
/// the state and masses change and the field is rebuilt from the new masses, and the next segment starts afresh
/// (an adaptive or multistep method restarts). Output indices k count over all of output_times; events at the same
/// time apply in the order given. Counters add up over the segments; the run ends at the first failure or stop.
/// \throws std::invalid_argument as integrate(), for event times outside (t0, last output time] or not
/// non-decreasing, and for an event that leaves x and masses of different sizes or no particle.
IntegrationStats integrate_with_events(const FieldFactory& make_field, State& x, std::vector<double>& masses,
                                       double t0, std::span<const double> output_times,
                                       std::span<const RunEvent> events, const IntegratorSpec& spec,
                                       const StepObserver& on_step = {}, const OutputObserver& on_output = {});

}  // namespace blobflow
