// W2 in more than one dimension: exact discrete optimal transport between two weighted point sets (network simplex,
// LEMON), W2 between points and a continuous density on a box (exact discrete OT against a midpoint quadrature of the
// density, refined until it converges), the Barenblatt trajectory bound, and the sliced W2 with deterministic
// directions. Points in R^d are stored flat: point i is (x[i d], ..., x[i d + d - 1]), d = 1, 2 or 3.
// Convention (as in wasserstein1d.hpp): both measures are probability measures (weights divided by their sums) and
// W2 is reported, not W2^2.
#pragma once

#include <array>
#include <functional>
#include <span>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"

namespace blobflow::analysis {

/// Exact W2 between mu = sum_i a_i delta_(x_i) and nu = sum_j b_j delta_(y_j) in R^d by the network simplex method
/// on the complete bipartite graph (N M arcs, cost |x_i - y_j|^2): the transport linear program solved to optimality.
/// The simplex runs in exact integer arithmetic: the normalized weights are integers out of 2^50 (each rounded by at
/// most 2^-51) and the costs integers out of 2^62/(N + M + 2); the cost of the plan found is then evaluated with the
/// exact squared distances. W2^2 thus carries an error of at most about (N + M) 2^-50 max|x_i - y_j|^2 (about 1e-12
/// of the squared diameter for a few thousand points), relative to W2^2 small only when W2 is not tiny compared
/// with the diameter of the two sets. Zero weights are dropped; a
/// positive weight below 2^-51 of the total rounds to zero. Memory and time grow as N M: meant for up to a few
/// thousand points. \throws std::invalid_argument when dimension is not 1, 2 or 3, a size is not a multiple of the
/// dimension or does not match its weights, a measure is empty, a weight is negative or not finite, a measure's
/// weights sum to zero, or a coordinate is not finite.
double wasserstein2_discrete(int dimension, std::span<const double> x, std::span<const double> x_weights,
                             std::span<const double> y, std::span<const double> y_weights);

/// A density on an axis-aligned box [lo, hi] in R^d (only the first d entries of lo and hi are used). It need not be
/// normalized; it is divided by its quadrature mass. Mass outside the box is ignored.
struct DensityOnBox {
  int dimension = 2;
  std::array<double, 3> lo{};
  std::array<double, 3> hi{};
  std::function<double(std::span<const double>)> density;
};

/// The density of a Barenblatt profile at time t on the box [-R(t), R(t)]^d that holds its support.
DensityOnBox barenblatt_density(const Barenblatt& profile, double t);

/// Refinement of the density quadrature in wasserstein2_to_density.
struct QuadratureRefinement {
  int initial_cells_per_axis = 16;  ///< first midpoint grid, doubled at every refinement
  int max_cells_per_axis = 128;     ///< the grid is not refined beyond this
  double relative_tolerance = 1e-3;  ///< stop when two successive values differ by at most this times the last
};

/// W2 between points and a density, with its remaining uncertainty.
struct RefinedDistance {
  double w2 = 0.0;           ///< the value on the finest grid
  double uncertainty = 0.0;  ///< |difference between the last two refinements| (infinite after a single grid)
  int cells_per_axis = 0;    ///< the finest grid used
  bool converged = false;    ///< uncertainty <= relative_tolerance * w2
  std::vector<double> history;  ///< the value on every grid, coarsest first
};

/// W2 between the points sum_i a_i delta_(x_i) and a density: the density is replaced by the point masses
/// rho(c_k) |cell| at the centres c_k of an n^d midpoint grid over its box (cells where it vanishes dropped), the
/// discrete W2 to those is computed exactly (wasserstein2_discrete), and n is doubled until two successive values
/// agree to the relative tolerance or n would exceed the maximum. The uncertainty is the last difference; it is an
/// estimate, not a bound. \throws std::invalid_argument for invalid points or weights (as wasserstein2_discrete), a
/// density of another dimension or without a function, an empty or non-finite box, initial cells < 1, maximum cells
/// below the initial ones, a non-positive tolerance, or a density that is negative, not finite or zero on the grid.
RefinedDistance wasserstein2_to_density(std::span<const double> x, std::span<const double> weights,
                                        const DensityOnBox& density, const QuadratureRefinement& refinement = {});

/// The cheap a-posteriori bound for a Barenblatt run (docs/math.md §4.1, §4.4): the exact Lagrangian flow of
/// u = U_m(x, D t) is the dilation x(t) = x(t0) (t/t0)^beta (D cancels in the ratio), which maps U(t0) onto U(t) and
/// scales every W2 by s = (t/t0)^beta, so by the triangle inequality
///   W2(particles(t), U(t)) <= (sum_i w_i |x_i(t) - s x_i(t0)|^2)^(1/2) + s W2(particles(t0), U(t0)),
/// with normalized weights w_i. x_t0 and x_t hold the same particles in the same order. \throws std::invalid_argument
/// for a dimension other than the profile's, sizes that do not match, weights as in wasserstein2_discrete,
/// 0 < t0 <= t violated, or w2_t0 negative or not finite.
double barenblatt_trajectory_bound(const Barenblatt& profile, double t0, double t, std::span<const double> x_t0,
                                   std::span<const double> x_t, std::span<const double> weights, double w2_t0);

/// The deterministic unit directions used by sliced_wasserstein2: in 2D theta_k = (cos a_k, sin a_k) with
/// a_k = pi (k + 1/2)/K (equispaced over a half circle); in 3D the spherical Fibonacci points z_k = 1 - (2k + 1)/K,
/// azimuth k times the golden angle; in 1D the single direction 1. Flat, K d values.
std::vector<double> slicing_directions(int dimension, int n_directions);

/// The sliced 2-Wasserstein distance SW2 = (1/K sum_k W2^2(theta_k # mu, theta_k # nu))^(1/2) over the K directions
/// of slicing_directions, each 1D W2 exact (wasserstein1d.hpp). It is a different metric from W2, not an
/// approximation of it: SW2 <= W2 always (projection is 1-Lipschitz), with equality only in special cases. In 2D a
/// translation by v gives SW2 = |v|/sqrt(2) exactly. \throws std::invalid_argument as wasserstein2_discrete, or for
/// n_directions < 1.
double sliced_wasserstein2(int dimension, std::span<const double> x, std::span<const double> x_weights,
                           std::span<const double> y, std::span<const double> y_weights, int n_directions);

}  // namespace blobflow::analysis
