// A probability law on R with a piecewise-constant density on consecutive cells [e_k, e_(k+1)], the output of the 1D
// reference solver (reference_solver1d.hpp). Its CDF is piecewise linear through the points (e_k, u_k), u_k the
// cumulative normalized cell masses, and its quantile is the linear interpolation of the edges in u: the law of a
// Lagrangian (mass-coordinate) discretization with the density constant on each cell. As a Law1D it is measured against
// particles by wasserstein_1d (docs/math.md §4.2) with no extra code.
#pragma once

#include <span>
#include <vector>

#include "blobflow/analysis/law1d.hpp"

namespace blobflow::analysis {

/// The law with density proportional to masses[k] / (edges[k+1] - edges[k]) on each cell, normalized to mass 1.
class PiecewiseConstantLaw1D final : public Law1D {
 public:
  /// \param edges K + 1 finite, strictly increasing cell edges; \param masses K finite cell masses > 0 (any total:
  /// they are divided by their sum). \throws std::invalid_argument naming the offending entry otherwise.
  PiecewiseConstantLaw1D(std::span<const double> edges, std::span<const double> masses);

  /// The number of cells K.
  std::size_t cells() const { return masses_.size(); }
  /// The K + 1 cell edges.
  const std::vector<double>& edges() const { return edges_; }
  /// The K + 1 cumulative normalized masses u_k at the edges (u_0 = 0, u_K = 1 exactly).
  const std::vector<double>& levels() const { return levels_; }
  /// The normalized density on cell k, masses[k] / (sum of masses) / (edges[k+1] - edges[k]).
  double cell_density(std::size_t k) const { return density_[k]; }

  double cdf(double x) const override;
  /// \throws std::invalid_argument for u outside [0, 1].
  double quantile(double u) const override;
  /// Sums the exact contributions of the cells meeting [a, b], each a uniform piece about its own midpoint (no large
  /// partial moments cancel). \throws std::invalid_argument unless a <= b.
  IntervalMoments moments(double a, double b) const override;

 private:
  std::vector<double> edges_;
  std::vector<double> masses_;   // normalized
  std::vector<double> levels_;
  std::vector<double> density_;  // normalized
};

}  // namespace blobflow::analysis
