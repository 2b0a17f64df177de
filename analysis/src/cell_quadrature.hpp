// Internal quadrature of analysis/ for the laws on R^d (law_nd.hpp), the integrals over power cells that semi-discrete
// optimal transport needs (docs/math.md §6.1):
//   - Gauss-Legendre and Gauss-Jacobi rules on [0, 1] (weight (1 - t)^alpha), nodes by Newton's method on the
//     three-term recurrence of the orthonormal polynomials started from the eigenvalues of the Jacobi matrix
//     (Golub-Welsch), weights as Christoffel numbers 1 / sum_k p_k(x)^2;
//   - collapsed (conical product, Stroud) rules on triangles and tetrahedra: the Duffy map
//     x = (1-u)[(1-v) A + v B] + u C (triangle) has Jacobian 2|T|(1-u), absorbed into a Gauss-Jacobi rule in u, so n
//     points per direction integrate every polynomial of degree <= 2n-1 exactly; the tetrahedron likewise with
//     (1-u)^2 (1-v);
//   - the fan of a convex cell into simplices from one vertex (positive orientation) and of a 3D facet into triangles.
// Every point is formed relative to the seed y (x - y = sum_k lambda_k (V_k - y)), so moments about y keep their
// digits for small cells far from the origin.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "blobflow/analysis/convex_cell.hpp"
#include "blobflow/analysis/law_nd.hpp"

namespace blobflow::analysis::detail {

/// A quadrature rule on [0, 1].
template <class Real>
struct BasicRule1D {
  std::vector<Real> nodes;
  std::vector<Real> weights;
};
using Rule1D = BasicRule1D<double>;
/// Rules in x87 extended precision (64-bit mantissa on x86-64), for sums that cancel (radial_front.cpp).
using ExtendedRule1D = BasicRule1D<long double>;

/// The largest number of points of the cached rules.
inline constexpr int kMaxRulePoints = 64;

/// Gauss-Legendre with n points on [0, 1] (weight 1), exact for degree 2n-1; cached, 1 <= n <= kMaxRulePoints.
const Rule1D& gauss_legendre(int n);

/// Gauss-Jacobi with n points on [0, 1] for the weight (1 - t)^alpha, alpha > -1: int_0^1 g(t) (1-t)^alpha dt is
/// sum_i w_i g(t_i), exact for g of degree 2n-1. Computed on each call (cache it).
Rule1D gauss_jacobi(int n, double alpha);

/// The same rules in extended precision (nodes polished by Newton's method in long double).
const ExtendedRule1D& gauss_legendre_extended(int n);
ExtendedRule1D gauss_jacobi_extended(int n, double alpha);

/// A rule on the reference simplex: barycentric coordinates of each point (first d+1 entries) and weights summing to 1
/// (multiply by the simplex's measure).
struct SimplexRule {
  int dimension = 2;
  std::vector<std::array<double, 4>> barycentric;
  std::vector<double> weights;
};

/// The collapsed rule with n points per direction on the triangle (dimension 2, n^2 points) or tetrahedron (3, n^3),
/// exact for every polynomial of degree <= 2n-1; dimension 1 gives Gauss-Legendre on a segment. Cached,
/// 1 <= n <= kMaxSimplexPoints.
inline constexpr int kMaxSimplexPoints = 16;
const SimplexRule& simplex_rule(int dimension, int n);

inline double dot3(const Point3& a, const Point3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline Point3 sub3(const Point3& a, const Point3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
inline Point3 cross3(const Point3& a, const Point3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double norm3(const Point3& a) { return std::sqrt(dot3(a, a)); }

/// A simplex of a fan: its d+1 vertices and its measure (length, area, volume), positive.
struct Simplex {
  std::array<Point3, 4> vertex{};
  double measure = 0.0;
};

/// Calls visit(const Simplex&) for every simplex of the fan of `cell` from one of its vertices (1D: the interval,
/// 2D: triangles, 3D: tetrahedra over the fanned facets). The simplices tile the cell; degenerate ones (measure 0)
/// are skipped.
template <class Visit>
void for_each_simplex(const ConvexCell& cell, Visit&& visit) {
  if (cell.empty()) return;
  const auto vertex = [&cell](int v) -> const Point3& { return cell.vertices[static_cast<std::size_t>(v)]; };
  Simplex s;
  if (cell.dimension == 1) {
    const double a = vertex(cell.facets[0].vertices[0])[0];
    const double b = vertex(cell.facets[1].vertices[0])[0];
    s.vertex[0] = {std::min(a, b), 0.0, 0.0};
    s.vertex[1] = {std::max(a, b), 0.0, 0.0};
    s.measure = std::abs(b - a);
    if (s.measure > 0.0) visit(static_cast<const Simplex&>(s));
    return;
  }
  const int apex = cell.facets[0].vertices[0];
  s.vertex[0] = vertex(apex);
  for (const auto& facet : cell.facets) {
    const auto& loop = facet.vertices;
    bool touches = false;
    for (int v : loop) touches = touches || v == apex;
    if (touches) continue;
    if (cell.dimension == 2) {
      s.vertex[1] = vertex(loop[0]);
      s.vertex[2] = vertex(loop[1]);
      const Point3 a = sub3(s.vertex[1], s.vertex[0]);
      const Point3 b = sub3(s.vertex[2], s.vertex[0]);
      s.measure = 0.5 * (a[0] * b[1] - a[1] * b[0]);
      if (s.measure > 0.0) visit(static_cast<const Simplex&>(s));
      continue;
    }
    s.vertex[1] = vertex(loop[0]);
    const Point3 to_face = sub3(s.vertex[1], s.vertex[0]);
    for (std::size_t k = 1; k + 1 < loop.size(); ++k) {
      s.vertex[2] = vertex(loop[k]);
      s.vertex[3] = vertex(loop[k + 1]);
      s.measure = dot3(to_face, cross3(sub3(s.vertex[2], s.vertex[1]), sub3(s.vertex[3], s.vertex[1]))) / 6.0;
      if (s.measure > 0.0) visit(static_cast<const Simplex&>(s));
    }
  }
}

/// Calls visit(const Simplex&) for the (d-1)-simplices of a facet of a 2D or 3D cell: the edge itself (2D) or the
/// triangles of its fan (3D), measures positive.
template <class Visit>
void for_each_facet_simplex(const ConvexCell& cell, const ConvexCell::Facet& facet, Visit&& visit) {
  const auto vertex = [&cell](int v) -> const Point3& { return cell.vertices[static_cast<std::size_t>(v)]; };
  const auto& loop = facet.vertices;
  Simplex s;
  if (cell.dimension == 2) {
    s.vertex[0] = vertex(loop[0]);
    s.vertex[1] = vertex(loop[1]);
    s.measure = norm3(sub3(s.vertex[1], s.vertex[0]));
    if (s.measure > 0.0) visit(static_cast<const Simplex&>(s));
    return;
  }
  s.vertex[0] = vertex(loop[0]);
  for (std::size_t k = 1; k + 1 < loop.size(); ++k) {
    s.vertex[1] = vertex(loop[k]);
    s.vertex[2] = vertex(loop[k + 1]);
    s.measure = 0.5 * norm3(cross3(sub3(s.vertex[1], s.vertex[0]), sub3(s.vertex[2], s.vertex[0])));
    if (s.measure > 0.0) visit(static_cast<const Simplex&>(s));
  }
}

/// Moments of a density over a region about a point y, accumulated by quadrature.
struct MomentSums {
  double mass = 0.0;
  Point3 first{};
  double second = 0.0;
};

/// Adds the rule's approximation of int_S f, int_S (x - y) f, int_S |x - y|^2 f over the k-simplex S (k = the rule's
/// dimension, S.vertex[0..k]) to `sums`; density(x, x - y) gives f at x.
template <class Density>
void add_simplex_moments(const Simplex& s, const SimplexRule& rule, const Point3& y, Density&& density,
                         MomentSums& sums) {
  const int corners = rule.dimension + 1;
  std::array<Point3, 4> rel{};
  for (int k = 0; k < corners; ++k) rel[static_cast<std::size_t>(k)] = sub3(s.vertex[static_cast<std::size_t>(k)], y);
  double mass = 0.0, second = 0.0;
  Point3 first{};
  const std::size_t count = rule.weights.size();
  for (std::size_t i = 0; i < count; ++i) {
    const auto& lambda = rule.barycentric[i];
    Point3 d{};
    for (int k = 0; k < corners; ++k)
      for (int j = 0; j < 3; ++j) d[j] += lambda[static_cast<std::size_t>(k)] * rel[static_cast<std::size_t>(k)][j];
    const Point3 x{y[0] + d[0], y[1] + d[1], y[2] + d[2]};
    const double wf = rule.weights[i] * density(x, d);
    mass += wf;
    for (int j = 0; j < 3; ++j) first[j] += wf * d[j];
    second += wf * dot3(d, d);
  }
  sums.mass += s.measure * mass;
  for (int j = 0; j < 3; ++j) sums.first[j] += s.measure * first[j];
  sums.second += s.measure * second;
}

/// The rule's approximation of int_S f over a simplex.
template <class Density>
double simplex_integral(const Simplex& s, const SimplexRule& rule, Density&& density) {
  const int corners = rule.dimension + 1;
  double sum = 0.0;
  const std::size_t count = rule.weights.size();
  for (std::size_t i = 0; i < count; ++i) {
    const auto& lambda = rule.barycentric[i];
    Point3 x{};
    for (int k = 0; k < corners; ++k)
      for (int j = 0; j < 3; ++j) x[j] += lambda[static_cast<std::size_t>(k)] * s.vertex[static_cast<std::size_t>(k)][j];
    sum += rule.weights[i] * density(x);
  }
  return s.measure * sum;
}

/// \throws std::invalid_argument (naming `where`) unless cell.dimension == dimension.
void check_cell_dimension(const char* where, const ConvexCell& cell, int dimension);

/// y with its entries beyond the first d set to 0 (Point3's unused entries), so that they add nothing to |x - y|^2.
inline Point3 used_coordinates(const Point3& y, int d) {
  Point3 z{};
  for (int k = 0; k < d; ++k) z[k] = y[k];
  return z;
}

/// x^n for a small integer n >= 0 by repeated squaring (x^0 = 1).
inline double integer_power(double x, int n) {
  double result = 1.0;
  while (n > 0) {
    if (n & 1) result *= x;
    x *= x;
    n >>= 1;
  }
  return result;
}

/// Writes sums into out (mass, first, second); out.facet_mass is left alone.
inline void store_moments(const MomentSums& sums, CellIntegrals& out) {
  out.mass = sums.mass;
  out.first = sums.first;
  out.second = sums.second;
}

}  // namespace blobflow::analysis::detail
