// Exact W2 between weighted particles and a law with a density in 1D, 2D and 3D by semi-discrete optimal transport
// (docs/math.md §6.1): the weights w of the power diagram of the particles are found by the damped Newton method of
// Kitagawa, Mérigot and Thibert (JEMS 2019) so that every Laguerre cell L_i(w) carries the particle's mass; then
// W2^2 = sum_i int_{L_i} |x - y_i|^2 rho. The cells come from power_diagram.hpp, their integrals from the law
// (law_nd.hpp). Numerical trouble is reported in the result's status, never thrown.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "blobflow/analysis/law_nd.hpp"

namespace blobflow::analysis {

/// How a semi-discrete solve ended.
enum class SemiDiscreteStatus {
  converged,           ///< max_i |m_i - nu_i| <= tolerance
  max_iterations,      ///< the iteration limit came first; w2 is that of the last weights
  line_search_failed,  ///< no damped step decreased the residual while keeping every cell's mass positive
  singular_system,     ///< the Jacobian could not be factorized (cells of zero mass, a disconnected support)
  empty_start_cell,    ///< a cell of the start carries no mass (the law's centre is not interior to it)
};
std::string_view to_string(SemiDiscreteStatus status);

struct SemiDiscreteOptions {
  /// Stop when max_i |m_i(w) - nu_i| is at most this (the masses are probabilities, summing to 1).
  double tolerance = 1e-12;
  int max_iterations = 100;
};

struct SemiDiscreteResult {
  /// (sum_i int_{L_i(w)} |x - y_i|^2 rho)^(1/2) at the last weights: the exact W2 between the law and the particles
  /// carrying the cell masses m_i(w); it differs from W2 to the given masses by at most about
  /// diam(support) (sum_i |m_i - nu_i|)^(1/2).
  double w2 = std::numeric_limits<double>::quiet_NaN();
  /// max_i |m_i(w) - nu_i| at the last weights.
  double residual = std::numeric_limits<double>::infinity();
  /// (max(Phi(w), 0))^(1/2): Phi is the Kantorovich dual functional, Phi(w) <= W2^2 for every w, a certified lower
  /// bound up to the accuracy of the law's cell integrals.
  double lower_bound = 0.0;
  int iterations = 0;
  SemiDiscreteStatus status = SemiDiscreteStatus::max_iterations;
  /// Particles that coincide are merged into one seed (their masses added); this many were merged away. Particles
  /// of zero mass are not seeds and not counted here.
  std::size_t n_merged = 0;
  /// The power weights of the distinct seeds of positive mass, in the order of their first occurrence.
  std::vector<double> weights;
};

/// W2 between the law and the particles sum_i a_i delta_(x_i) / sum_i a_i in R^d, d = law.dimension().
/// \param x N d coordinates (particle-major); \param masses N weights a_i >= 0, not all 0 (particles of zero mass are
/// left out).
/// Particles may lie outside the law's support: the start pulls them toward law.centre() so that every cell begins
/// with positive mass (docs/math.md §6.1). \throws std::invalid_argument (naming the rule, and the particle where one
/// is at fault) when the dimension is not 1, 2 or 3, sizes do not match, there is no particle, a coordinate is not
/// finite, a mass is not finite or negative, the masses sum to 0, or the options are out of range (tolerance > 0, max_iterations >= 1).
SemiDiscreteResult semidiscrete_w2(std::span<const double> x, std::span<const double> masses, const LawND& law,
                                   const SemiDiscreteOptions& options = {});

}  // namespace blobflow::analysis
