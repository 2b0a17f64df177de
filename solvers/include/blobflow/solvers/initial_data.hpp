// Initial particles for a blob method. The density itself comes from the caller as a function (solvers/ does not
// know the exact solutions of analysis/): a quantile function in 1D, a density on a lattice in any dimension.
#pragma once

#include <cstddef>
#include <cstdint>
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
/// `cells_per_side`^d cells, with midpoint-rule masses rho_0(x_i) h^d (CCP19's initialization, docs/math.md §1.7)
/// rescaled by one common factor so that they sum exactly to `total_mass`. The factor is recorded in `info`.
/// \throws std::invalid_argument when no cell centre has positive density, or for bad parameters.
Particles lattice_placement(int dim, std::size_t cells_per_side, double lo, double hi,
                            const std::function<double(std::span<const double>)>& density, double total_mass,
                            LatticeInfo* info = nullptr);

/// The uniform variates of the random placements: u = (k + 1/2) 2^-53 in (0, 1), k the top 53 bits of one
/// std::mt19937_64 draw (fully specified by the C++ standard, so the samples are the same on every platform,
/// unlike std::uniform_real_distribution).
double unit_uniform(std::uint64_t draw);

/// Random placement in 1D (replicates): x_i = Q(U_i), N i.i.d. samples of the law with quantile function Q by
/// inversion, U_i = unit_uniform of std::mt19937_64(seed), equal masses M/N; returned in increasing order (the
/// measure does not depend on the order). The same seed gives the same particles.
/// \throws std::invalid_argument unless n >= 1, total_mass > 0 and every Q value is finite.
Particles random_quantile_placement(std::size_t n, const std::function<double(double)>& quantile, double total_mass,
                                    std::uint64_t seed);

/// Random placement in any dimension (replicates) by rejection: proposals X uniform on the box [lo, hi]^d (d
/// variates of unit_uniform each) are accepted when V density_max < density(X), V one more variate, until N are
/// accepted: N i.i.d. samples of the density restricted to the box, with equal masses M/N. `density_max` must bound
/// the density on the box; the expected number of proposals is N density_max |box| / (mass of the density in the box).
/// \throws std::invalid_argument for bad parameters, a density above density_max, or when fewer than one in
/// kMaxRejectionsPerSample proposals is accepted (a density that is zero almost everywhere on the box).
Particles random_rejection_placement(int dim, std::size_t n, double lo, double hi,
                                     const std::function<double(std::span<const double>)>& density, double density_max,
                                     double total_mass, std::uint64_t seed);

/// random_rejection_placement gives up after this many proposals per requested particle (Barenblatt data in a
/// cube accept about one in 4 in 3D, uniform data every one).
inline constexpr std::size_t kMaxRejectionsPerSample = 10000;

}  // namespace blobflow
