// The blob density zeta_eps * rho^N = sum_j m_j zeta_eps(x - x_j) on a midpoint grid, its L1, L2 and L-infinity
// distances to an exact density, and the KL and chi^2 divergences against a target rhobar (docs/math.md §6). The
// mollifier is any callable of the displacement z (analysis/ does not depend on solvers/). Every integral is a
// midpoint rule on an n^d grid over a box, and its quadrature error is stated: the difference between the values on
// the n^d grid and on the (n/2)^d grid, an estimate (not a bound) of the error of the coarser one, so for a smooth
// integrand it overestimates the midpoint error of the finer grid by about a factor 3.
#pragma once

#include <array>
#include <functional>
#include <span>
#include <vector>

namespace blobflow::analysis {

/// A function of a point of R^d (a density, a mollifier of the displacement, a target).
using PointFunction = std::function<double(std::span<const double>)>;

/// A midpoint grid of cells_per_axis^d cells over the box [lo, hi] (first d entries used), d = 1, 2 or 3.
struct BoxGrid {
  int dimension = 1;
  std::array<double, 3> lo{};
  std::array<double, 3> hi{};
  int cells_per_axis = 64;
};

/// Values at the cell centres of a grid, the last axis varying fastest.
struct GridValues {
  BoxGrid grid;
  double cell_volume = 0.0;
  std::vector<double> values;
};

/// The blob density sum_j m_j zeta_eps(c - x_j) at every cell centre c; x holds N points of R^d flat (point j is
/// x[j d .. j d + d - 1]) and masses their masses (not normalized). \throws std::invalid_argument for a dimension
/// other than 1, 2 or 3, an empty or non-finite box, cells_per_axis < 2 or odd, sizes that do not match, a mass
/// that is negative or not finite, a coordinate that is not finite, or a mollifier without a function.
GridValues blob_density_on_grid(const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
                                const PointFunction& mollifier);

/// A quadrature value and its stated error |Q_n - Q_(n/2)|.
struct QuadratureValue {
  double value = 0.0;
  double quadrature_error = 0.0;
};

/// ||rho_blob - rho||_p over the box for p = 1, 2, infinity (L-inf over the grid points).
struct DensityErrors {
  QuadratureValue l1;
  QuadratureValue l2;
  QuadratureValue linf;
  QuadratureValue blob_mass;  ///< int_box rho_blob: sum m_j minus what lies outside the box
};

/// L1, L2 and L-inf distances between the blob density and `exact`, neither normalized, on the grid and on the
/// grid with half as many cells per axis. \throws std::invalid_argument as blob_density_on_grid, or for an exact
/// density without a function or with a non-finite value.
DensityErrors blob_density_errors(const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
                                  const PointFunction& mollifier, const PointFunction& exact);

/// Whether the divergences are finite.
enum class DivergenceStatus {
  ok,              ///< finite values
  not_absolutely_continuous,  ///< rhobar vanishes at a grid point where the blob density is positive: KL and chi^2
                              ///< are +infinity
};

/// KL(rho | rhobar) = int rho log(rho/rhobar) and chi^2(rho | rhobar) = int rho^2/rhobar - 1 (docs/math.md §6), with
/// rho the blob density and rhobar the target, each restricted to the box and divided by its quadrature mass there (so
/// both are probability densities on the box; the blob mass outside the box is reported, not transported).
struct Divergences {
  DivergenceStatus status = DivergenceStatus::ok;
  QuadratureValue kl;
  QuadratureValue chi2;
  QuadratureValue blob_mass;  ///< int_box rho_blob before normalization
};

/// KL and chi^2 of the blob density against rhobar on the box. \throws std::invalid_argument as
/// blob_density_on_grid, or for a rhobar without a function, negative or not finite at a grid point, or of zero
/// mass on the grid, or a blob density of zero mass on the box.
Divergences blob_divergences(const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
                             const PointFunction& mollifier, const PointFunction& rhobar);

}  // namespace blobflow::analysis
