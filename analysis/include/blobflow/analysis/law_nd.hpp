// Probability laws on R^d (d = 1, 2, 3) that integrate their density over convex cells (convex_cell.hpp): the
// continuous side of semi-discrete optimal transport (docs/math.md §6.1). For a cell P and a point y a law returns
// int_P rho, int_P (x - y) rho, int_P |x - y|^2 rho and int_F rho dsigma on every facet F of P, either exactly (up to
// round-off) or with a quadrature whose error each law states and its tests check. Integrals are taken about y (the
// cell's seed) so that small cells far from the origin lose no digits to cancellation.
#pragma once

#include <memory>
#include <vector>

#include "blobflow/analysis/convex_cell.hpp"

namespace blobflow::analysis {

/// The integrals of a law over one cell, about a point y.
struct CellIntegrals {
  double mass = 0.0;               ///< int_P rho
  Point3 first{};                  ///< int_P (x - y) rho
  double second = 0.0;             ///< int_P |x - y|^2 rho
  std::vector<double> facet_mass;  ///< int_F rho dsigma for each facet of P, in the cell's order
};

/// A probability law with a density on R^d.
class LawND {
 public:
  virtual ~LawND() = default;
  virtual int dimension() const = 0;
  /// A box outside which the law has no mass, or (unbounded support) less than the tail mass the law states.
  virtual Box support_box() const = 0;
  /// The density at x (first d entries).
  virtual double density(const Point3& x) const = 0;
  /// Whether the density is positive at x: a seed there has a cell of positive mass whatever its neighbours.
  virtual bool interior(const Point3& x) const = 0;
  /// A point of the interior toward which seeds outside the support can be pulled (the start of the solver).
  virtual Point3 centre() const = 0;
  /// The integrals over `cell` about y; out.facet_mass is resized to the number of facets.
  virtual void integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const = 0;
};

}  // namespace blobflow::analysis
