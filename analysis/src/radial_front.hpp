// Internal: the divergence-theorem integration of a radial law rho = K (1 - |x - c|^2/R^2)_+^p over convex polygons
// and polyhedra (radial_front.cpp), the route RadialPowerLaw (law_nd.hpp) takes for cells cut by the sphere |x - c| = R
// and for exponents p that are not integers (docs/math.md §6.1).
#pragma once

#include <array>

#include "blobflow/analysis/convex_cell.hpp"
#include "blobflow/analysis/law_nd.hpp"
#include "cell_quadrature.hpp"

namespace blobflow::analysis::detail {

/// Gauss-Jacobi points of the inner integrals int_a^R s^2 (1 - s^2/R^2)^q ds (weight (1-t)^p): the smooth factor
/// s^2 (R + s)^q has its only singularity at s = -R, at least 3 half-lengths away for a >= 0, so the Bernstein ellipse
/// parameter is >= 3 + sqrt(8) and 16 points leave a relative error below 5.8^-31 ~ 1e-24.
inline constexpr int kRadialInnerPoints = 16;

/// The constants of one radial law.
struct RadialProfile {
  int dimension = 2;
  Point3 centre{};
  double radius = 1.0;
  double exponent = 0.0;        ///< p
  double normalization = 1.0;   ///< K
  bool polynomial = false;      ///< p is an integer <= RadialPowerLaw::kPolynomialMaxExponent
  bool analytic_in_angle = false;  ///< 2p is an integer: the angle integrands are analytic up to the front
  bool half_integer = false;       ///< p = k + 1/2: powers are square roots times integer powers
  int integer_exponent = 0;     ///< p when polynomial
  ExtendedRule1D jacobi;        ///< Gauss-Jacobi, weight (1 - t)^p, kRadialInnerPoints (when not polynomial)
  Rule1D jacobi_double;         ///< the same in double, for the inner integrals of the 3D mass kernel
  std::array<double, 2> f2_total{};  ///< int_0^R s^2 (1 - s^2/R^2)^q ds for q = p, p + 1
};

/// The integrals of the law over a 2D or 3D cell about y by the divergence theorem (cells of any position relative to
/// the sphere); out.facet_mass must already have one entry per facet.
void radial_divergence_integrate(const RadialProfile& profile, const ConvexCell& cell, const Point3& y,
                                 CellIntegrals& out);

}  // namespace blobflow::analysis::detail
