// Test helper: the problems of the finite-volume solver tests (finite_volume1d.hpp), shared by the unit and the
// convergence tests, and the exact W2 between two of its piecewise-constant laws.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "blobflow/analysis/finite_volume1d.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"

namespace blobflow::analysis::testing {

// The targets-1d piecewise example (studies/configs/targets-1d.toml): rhobar = 0.5 on [-0.5, 0), 1.5 on [0, 0.5] and
// the default floor 1e-3 of the largest value outside (solvers/targets.hpp, kDefaultFloorFraction); uniform data on
// [-0.5, 0.5] with mass 1; t from 0 to 3.
constexpr double kLeftValue = 0.5;
constexpr double kRightValue = 1.5;
constexpr double kFloor = 1e-3 * kRightValue;
constexpr double kSupportHalfWidth = 0.5;
constexpr double kExampleFinalTime = 3.0;
/// The leak into the floor reaches |x| = 3.44 by t = 3 (finite_volume1d.hpp): +-5 holds it with room to spare.
constexpr double kWideDomain = 5.0;
/// Mass fraction in the end cells below which the domain did not truncate the solution: implicit steps spread
/// underflowing amounts ahead of a front (measured 6e-17), a front reaching the end puts >= kFloor * cell width there.
constexpr double kNegligibleMass = 1e-12;
/// Cells of the floor region per cell of the support (coarser: it holds < 1% of the mass).
constexpr double kFloorResolution = 0.25;

/// The example on [-half_width, half_width].
inline PiecewiseConstantTarget1D piecewise_example(double half_width) {
  return {{-half_width, -kSupportHalfWidth, 0.0, kSupportHalfWidth, half_width}, {kFloor, kLeftValue, kRightValue, kFloor}};
}

/// Default options with `cells` cells.
inline FiniteVolumeOptions with_cells(std::size_t cells) {
  FiniteVolumeOptions options;
  options.cells = cells;
  return options;
}

/// Options with `cells` cells, the floor pieces of piecewise_example() at kFloorResolution.
inline FiniteVolumeOptions example_options(std::size_t cells) {
  FiniteVolumeOptions options = with_cells(cells);
  options.resolution = {kFloorResolution, 1.0, 1.0, kFloorResolution};
  return options;
}

/// The uniform initial data of the example.
inline UniformLaw1D example_initial() { return UniformLaw1D(-kSupportHalfWidth, kSupportHalfWidth); }

/// Exact W2 between two piecewise-constant laws: on each panel between their levels both quantiles are linear, so
/// |Q_a - Q_b|^2 is a quadratic and 2-point Gauss-Legendre integrates it exactly.
inline double w2_piecewise(const PiecewiseConstantLaw1D& a, const PiecewiseConstantLaw1D& b) {
  std::vector<double> levels = a.levels();
  levels.insert(levels.end(), b.levels().begin(), b.levels().end());
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  const double node = 0.5 / std::sqrt(3.0);  // Gauss-Legendre nodes mid +- node * width
  double sum = 0.0;
  for (std::size_t k = 0; k + 1 < levels.size(); ++k) {
    const double width = levels[k + 1] - levels[k];
    const double mid = levels[k] + 0.5 * width;
    for (const double u : {mid - node * width, mid + node * width}) {
      const double d = a.quantile(u) - b.quantile(u);
      sum += 0.5 * width * d * d;
    }
  }
  return std::sqrt(sum);
}

}  // namespace blobflow::analysis::testing
