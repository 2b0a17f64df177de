// Internal helper of analysis/: what the two 1D reference solvers (reference_solver1d.cpp, finite_volume1d.cpp) share
// about their time stepping: Richardson-extrapolated backward Euler whose step is adapted from the difference of one
// step against two half steps (an O(dt^2) local error estimate), and the checks of a solve's arguments.
#pragma once

#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

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

/// The step factor for a local error `error` (in units of the tolerance).
inline double step_factor(double error) {
  return error > 0.0 ? std::min(kMaxFactor, std::max(kMinFactor, kSafety * std::pow(error, -kErrorExponent)))
                     : kMaxFactor;
}

}  // namespace blobflow::analysis::detail
