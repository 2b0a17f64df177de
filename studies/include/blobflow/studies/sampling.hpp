// The samplers without dynamics (docs/math.md §8.1): N i.i.d. exact samples of rhobar / int rhobar, and in 1D its
// quantile midpoints. Both need the target's law, which the metrics already build (the steady state of wpme), so
// they live here rather than in solvers/.
#pragma once

#include <cstddef>

#include "blobflow/solvers/initial_data.hpp"
#include "blobflow/studies/config.hpp"

namespace blobflow {

/// The particles of sampler "iid" or "quantile" for the run's target, N equal masses problem.mass / N:
/// - quantile (1D): x_i = Q((i - 1/2) / N) of the steady law (steady_state_law_of);
/// - iid in 1D: Q(U_i) by inversion, U_i from std::mt19937_64(discretization.seed);
/// - iid in 2D and 3D: gaussian and mixture targets without a floor: a component drawn by its weight, then
///   mean + L z with L L^T the covariance and z standard normals; piecewise-constant targets (uniform box,
///   piecewise): rejection on the hull of the pieces, exact for their law (steady_state_law_nd).
/// \throws ConfigError for a target without such a law (a grid, a floored gaussian in 2D or 3D).
Particles exact_samples(const RunConfig& config, std::size_t n);

}  // namespace blobflow
