// densities.csv of a 1D run (README, "Files a run writes"): the blob density, the exact solution and the target on
// one grid at each output time, so that a report draws density figures from files alone. Columns t,x,blob,exact,
// target, one block of kDensityGridPoints rows per output time (t0 included) in the order of particles.csv:
//   blob    sum_i m_i zeta_eps(x - x_i) / sum_i m_i, the run's mollifier at the run's eps (a probability density);
//   exact   u(x, t) / M, the exact solution as a probability density; empty where the run has none;
//   target  rhobar(x) / int_B rhobar, the target normalized on its box B (docs/math.md §2.2, §6: KL and chi^2
//           compare probability densities); empty unless the run is wpme towards a target with a box.
// The grid spans all output times' particles +- kDensityMarginEps eps, widened to B, with kDensityGridPoints points.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "blobflow/studies/config.hpp"
#include "blobflow/studies/exact.hpp"

namespace blobflow {

/// Points of the density grid: 1000 points over a window of ~1.3 keep the spacing near 1e-3, far below eps
/// (>= 4e-3 for N <= 1000 with eps = 4 h), so the curves show the blobs' shape.
inline constexpr std::size_t kDensityGridPoints = 1000;
/// The density grid reaches this many eps beyond the outermost particles, where a Gaussian blob is below 1e-4 of
/// its peak (exp(-4.5^2 / 2) = 4e-5).
inline constexpr double kDensityMarginEps = 4.5;

/// The positions of a 1D run's particles at one output time.
struct DensitySnapshot {
  double t = 0.0;
  std::span<const double> x;
};

/// The text of densities.csv for a 1D run with the resolved `config`, the evaluated `eps`, its exact solution
/// (null: none), the particles' masses and their positions at the output times; empty for d != 1 or no snapshot.
std::string density_table_csv(const RunConfig& config, double eps, const std::shared_ptr<const ExactSolution>& exact,
                              std::span<const double> masses, const std::vector<DensitySnapshot>& snapshots);

}  // namespace blobflow
