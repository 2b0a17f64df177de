// Initial particles for a blob method. The density itself comes from the caller as a function (solvers/ does not
// know the exact solutions of analysis/): a quantile function in 1D, a density on a lattice in any dimension.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "blobflow/solvers/point_set.hpp"

namespace blobflow {

/// Quantile placement in 1D (equal masses): x_i = Q((i - 1/2)/N), m_i = M/N, i = 1..N. The particles are the
/// midpoints in probability of N equal-mass cells, the optimal 1D quantization of the law.
/// \throws std::invalid_argument unless n >= 1, total_mass > 0 and every Q value is finite.
Particles quantile_placement(std::size_t n, const std::function<double(double)>& quantile, double total_mass);

/// Where the lattice placement put its particles.
struct LatticeInfo {
  std::size_t cells_per_side = 0;   ///< lattice cells along each axis of the box
  double spacing = 0.0;             ///< h, the cell width
  double quadrature_mass = 0.0;     ///< sum_i rho_0(x_i) h^d before the rescaling to the total mass
};

/// Lattice placement on the box [lo, hi]^d: the cell centres x with rho_0(x) > 0 of a lattice of
/// `cells_per_side`^d cells, with midpoint-rule masses rho_0(x_i) h^d (CCP19's initialization, MATH.md §1.7)
/// rescaled by one common factor so that they sum exactly to `total_mass`. The factor is recorded in `info`.
/// \throws std::invalid_argument when no cell centre has positive density, or for bad parameters.
Particles lattice_placement(int dim, std::size_t cells_per_side, double lo, double hi,
                            const std::function<double(std::span<const double>)>& density, double total_mass,
                            LatticeInfo* info = nullptr);

}  // namespace blobflow
