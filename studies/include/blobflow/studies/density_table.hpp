// densities.csv of a 1D or 2D run (README, "Files a run writes"): the blob density, the exact solution and the target
// on one grid at the output times, so that a report draws density figures from files alone.
//   blob    sum_i m_i zeta_eps(x - x_i) / sum_i m_i, the run's mollifier at the run's eps (a probability density);
//   exact   u(x, t) / M, the exact solution as a probability density; empty where the run has none;
//   target  rhobar(x) / int_B rhobar, the target normalized on its box B (docs/math.md §2.2, §6: KL and chi^2
//           compare probability densities); empty unless the run is wpme towards a target with a box. A network run
//           (docs/math.md §10) writes f*(x) / M there, so that blob (= f_N / M) is drawn against it.
// 1D: columns t,x,blob,exact,target, one block of kDensityGridPoints rows per output time (t0 included) in the order
// of particles.csv, every number with 17 significant digits.
// 2D: columns t,x1,x2,blob,exact,target, one block of kDensityGridPoints2D^2 rows (x1 varying fastest, then x2) at
// each of at most kDensityTimes2D output times (t0, the last one and evenly spread ones between); t with 17
// significant digits as in particles.csv, the other columns with kDensityDigits2D.
// The grid spans the written times' particles +- kDensityMarginEps eps in each coordinate, widened to B.
// 3D runs write no table.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "blobflow/studies/config.hpp"
#include "blobflow/studies/exact.hpp"

namespace blobflow {

/// Points of the 1D density grid: 1000 points over a window of ~1.3 keep the spacing near 1e-3, far below eps
/// (>= 4e-3 for N <= 1000 with eps = 4 h), so the curves show the blobs' shape.
inline constexpr std::size_t kDensityGridPoints = 1000;
/// Points per axis of the 2D grid: a lattice of 32 x 32 particles with eps = 2 h (barenblatt-nd) spans ~50 h with
/// its margin, so 120 points put ~5 grid points across each eps, enough for a heat map of the blobs; 120^2 rows of
/// ~40 bytes make ~0.6 MB a time.
inline constexpr std::size_t kDensityGridPoints2D = 120;
/// A 2D run writes its grid at this many output times at most, the number a report draws (more would multiply the
/// file with blocks no figure shows).
inline constexpr std::size_t kDensityTimes2D = 5;
/// Significant digits of the 2D table's coordinates and densities: a heat map needs 3; 7 keep a quadrature of the
/// columns exact to ~1e-6.
inline constexpr int kDensityDigits2D = 7;
/// The density grid reaches this many eps beyond the outermost particles, where a Gaussian blob is below 1e-4 of
/// its peak (exp(-4.5^2 / 2) = 4e-5).
inline constexpr double kDensityMarginEps = 4.5;

/// The positions of a run's particles at one output time.
struct DensitySnapshot {
  double t = 0.0;
  std::span<const double> x;  ///< N d coordinates, particle-major
  std::span<const double> masses = {};  ///< their N masses; empty: the run's masses (no agent stopped)
};

/// The text of densities.csv for a run with the resolved `config`, the evaluated `eps`, its exact solution (null:
/// none), the particles' masses and their positions at the output times (in the order of particles.csv); empty for
/// d = 3 or no snapshot.
std::string density_table_csv(const RunConfig& config, double eps, const std::shared_ptr<const ExactSolution>& exact,
                              std::span<const double> masses, const std::vector<DensitySnapshot>& snapshots);

}  // namespace blobflow
