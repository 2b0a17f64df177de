// Test helper: the problems solved by the reference-solver tests (reference_solver1d.hpp), shared by the unit and the
// convergence tests so that both exercise the same equations: a Gaussian and a piecewise-constant wpme target, and a
// double-well and a quadratic potential.
#pragma once

#include <cmath>
#include <vector>

#include "blobflow/analysis/reference_solver1d.hpp"

namespace blobflow::analysis::testing {

/// Half-width of the central plateau of the piecewise-constant target.
constexpr double kPlateauHalfWidth = 0.25;
/// rhobar on the plateau and the positive floor elsewhere.
constexpr double kPlateauHeight = 3.0;
constexpr double kFloorHeight = 1.0;

/// wpme towards the unnormalized Gaussian rhobar(x) = exp(-x^2/2); its steady state rhobar/int rhobar is N(0, 1).
inline WeightedEnergy1D gaussian_target() {
  WeightedEnergy1D target;
  target.rhobar = [](double x) { return std::exp(-0.5 * x * x); };
  target.rhobar_derivative = [](double x) { return -x * std::exp(-0.5 * x * x); };
  return target;
}

/// wpme towards rhobar = kPlateauHeight on |x| < kPlateauHalfWidth and kFloorHeight elsewhere (no derivative given:
/// the solver's finite difference is 0 away from the jumps, and the jumps are breakpoints).
inline WeightedEnergy1D plateau_target() {
  WeightedEnergy1D target;
  target.rhobar = [](double x) { return std::abs(x) < kPlateauHalfWidth ? kPlateauHeight : kFloorHeight; };
  target.breakpoints = {-kPlateauHalfWidth, kPlateauHalfWidth};
  return target;
}

/// The double well V(x) = (x^2 - 1)^2/4, minima at x = +-1.
inline Potential1D double_well() {
  return {[](double x) { return 0.25 * (x * x - 1.0) * (x * x - 1.0); }, [](double x) { return x * x * x - x; },
          [](double x) { return 3.0 * x * x - 1.0; }};
}

/// V(x) = x^2/2 (drift div(rho x): linear Fokker-Planck for m = 1, the confined PME for m > 1), V'' left to the
/// solver's finite difference on purpose.
inline Potential1D quadratic_potential() { return {[](double x) { return 0.5 * x * x; }, [](double x) { return x; }, {}}; }

}  // namespace blobflow::analysis::testing
