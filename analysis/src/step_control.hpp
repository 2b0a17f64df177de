// Internal helper of analysis/: what the two 1D reference solvers (reference_solver1d.cpp, finite_volume1d.cpp) share
// about their time stepping: Richardson-extrapolated backward Euler whose step is adapted from the difference of one
// step against two half steps (an O(dt^2) local error estimate), and the checks of a solve's arguments.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

#include "blobflow/analysis/reference_solver1d.hpp"
#include "describe.hpp"

namespace blobflow::analysis::detail {

/// Step-size control: safety factor and the bounds of one change; the exponent is 1/2 because the error estimate
/// (one backward Euler step against two halves) is O(dt^2).
constexpr double kSafety = 0.9;
constexpr double kMinFactor = 0.2;
constexpr double kMaxFactor = 4.0;
constexpr double kErrorExponent = 0.5;
/// dt is cut by this factor when an implicit solve fails.
constexpr double kFailureFactor = 0.25;
/// The first trial step when options.initial_dt == 0, as a fraction of the time span.
constexpr double kInitialStepFraction = 1e-6;
/// A step shorter than this many ulps of the current time (or of the span) is step-size underflow.
constexpr double kUnderflowUlps = 64.0;
/// A step may be stretched by this factor to land exactly on an output time (no sliver steps).
constexpr double kStretch = 1.01;

/// \throws std::invalid_argument (naming `where` and the argument) unless mass is finite and > 0, t0 is finite and
/// the output times are non-empty, finite and strictly increasing after t0.
inline void validate_solve_arguments(const char* where, double mass, double t0, std::span<const double> output_times) {
  if (!(mass > 0.0) || !std::isfinite(mass))
    throw std::invalid_argument(describe(where, "mass", mass, "must be finite and > 0"));
  if (!std::isfinite(t0)) throw std::invalid_argument(describe(where, "t0", t0, "must be finite"));
  if (output_times.empty()) throw std::invalid_argument(describe(where, "output_times.size()", 0.0, "must be >= 1"));
  for (std::size_t i = 0; i < output_times.size(); ++i) {
    const double previous = i == 0 ? t0 : output_times[i - 1];
    if (!std::isfinite(output_times[i]) || !(output_times[i] > previous))
      throw std::invalid_argument(describe(where, "output_times[" + std::to_string(i) + "]", output_times[i],
                                           "must be finite and > " + format_value(previous) +
                                               " (increasing, after t0)"));
  }
}

/// \throws std::invalid_argument (naming `where` and the field) unless the step options of a solver (its rtol,
/// atol, initial_dt and max_steps) are usable: rtol finite and > 0, atol and initial_dt finite and >= 0, max_steps >= 1.
template <class Options>
void validate_step_options(const char* where, const Options& o) {
  if (!(o.rtol > 0.0) || !std::isfinite(o.rtol))
    throw std::invalid_argument(describe(where, "rtol", o.rtol, "must be finite and > 0"));
  if (!(o.atol >= 0.0) || !std::isfinite(o.atol))
    throw std::invalid_argument(describe(where, "atol", o.atol, "must be finite and >= 0"));
  if (!(o.initial_dt >= 0.0) || !std::isfinite(o.initial_dt))
    throw std::invalid_argument(describe(where, "initial_dt", o.initial_dt, "must be finite and >= 0"));
  if (o.max_steps < 1)
    throw std::invalid_argument(describe(where, "max_steps", static_cast<double>(o.max_steps), "must be >= 1"));
}

/// The step factor for a local error `error` (in units of the tolerance).
inline double step_factor(double error) {
  return error > 0.0 ? std::min(kMaxFactor, std::max(kMinFactor, kSafety * std::pow(error, -kErrorExponent)))
                     : kMaxFactor;
}

/// One attempt at a step of length h: whether the implicit solves succeeded, the local error in units of the
/// tolerance (one step against two half steps), and whether the proposed state is admissible.
struct StepAttempt {
  bool solved = false;
  double error = 0.0;
  bool valid = true;
};

/// How a march ended: ok, or the failure that stopped it.
struct MarchEnd {
  ReferenceStatus status = ReferenceStatus::ok;
  std::string message;
};

/// The adaptive march of both 1D reference solvers, from t0 through every output time: each step of length h is
/// `attempt(h)`; a failed solve cuts dt by kFailureFactor, an error above 1 (or an inadmissible state) rejects the
/// step, otherwise `accept(t)` commits the caller's proposed state at the new time t. The step grows by step_factor,
/// but not right after a rejection (Hairer-Wanner's rule: the error is not smooth in dt there, e.g. an edge crossing
/// a breakpoint of rhobar or a start-up layer, and growing at once invites another rejection). Steps stretch by up
/// to kStretch to land on an output time, where `at_output(t)` runs (it may end the march with a failure).
/// `counts` has steps_accepted, steps_rejected and t_reached; `failure_hint` says what makes an implicit solve fail.
template <class Counts, class Attempt, class Accept, class AtOutput>
MarchEnd march(double t0, std::span<const double> output_times, double initial_dt, std::size_t max_steps,
               const std::string& failure_hint, Counts& counts, Attempt attempt, Accept accept, AtOutput at_output) {
  constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
  const double span = output_times.back() - t0;
  double dt = initial_dt > 0.0 ? initial_dt : kInitialStepFraction * span;
  double t = t0;
  bool just_rejected = false;
  for (const double t_out : output_times) {
    while (t < t_out) {
      if (counts.steps_accepted + counts.steps_rejected >= max_steps)
        return {ReferenceStatus::max_steps_exceeded,
                "max_steps = " + std::to_string(max_steps) + " reached at t = " + format_value(t)};
      const bool last = t_out - t <= kStretch * dt;
      const double h = last ? t_out - t : dt;
      if (h < kUnderflowUlps * kEpsilon * std::max(std::abs(t), span))
        return {ReferenceStatus::step_size_underflow, "step " + format_value(h) + " at t = " + format_value(t) +
                                                          ": the implicit solve keeps failing (" + failure_hint + ")"};
      const StepAttempt step = attempt(h);
      if (!step.solved) {
        ++counts.steps_rejected;
        just_rejected = true;
        dt = kFailureFactor * h;
        continue;
      }
      if (!std::isfinite(step.error)) return {ReferenceStatus::non_finite_state, "non-finite local error estimate"};
      const double factor = step_factor(step.error);
      if (step.error > 1.0 || !step.valid) {
        ++counts.steps_rejected;
        just_rejected = true;
        dt = h * (step.valid ? factor : kFailureFactor);
        continue;
      }
      ++counts.steps_accepted;
      t = last ? t_out : t + h;
      counts.t_reached = t;
      accept(t);
      dt = h * (just_rejected ? std::min(factor, 1.0) : factor);
      just_rejected = false;
    }
    if (MarchEnd end = at_output(t); end.status != ReferenceStatus::ok) return end;
  }
  return {};
}

}  // namespace blobflow::analysis::detail
