// Brute-force references for the tests of the laws on R^d (law_nd.hpp), independent of the library's quadrature:
// nested tanh-sinh (double-exponential) integration, Boost.Math, which converges at any endpoint singularity.
//   - radial_polar_2d: int over (convex polygon) of K ((R^2 - |x - c|^2)/S^2)_+^p w(x) in polar coordinates about c;
//     the angle range is split at the directions of the polygon's vertices and of its edges' crossings with the circle,
//     so that on each piece the radial limits are smooth and only the ends are singular;
//   - cartesian_2d: int over (convex polygon) of any density f(x) w(x) in Cartesian coordinates, tanh-sinh along x
//     and along each vertical chord, both split where the caller says the density peaks (a correlated Gaussian's
//     conditional means), so that no narrow peak hides between the rule's points;
//   - slice: the polygon where a plane z = const cuts a 3D cell (for references by slices).
// Weights w: 1, the components of x - y and |x - y|^2 all at once (Moments).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <vector>

#include <boost/math/quadrature/tanh_sinh.hpp>

#include "blobflow/analysis/convex_cell.hpp"

namespace blobflow::analysis::testing {

/// int rho, int (x - y) rho, int |x - y|^2 rho.
struct Moments {
  double mass = 0.0;
  Point3 first{};
  double second = 0.0;
};

inline Moments operator+(Moments a, const Moments& b) {
  a.mass += b.mass;
  for (int k = 0; k < 3; ++k) a.first[k] += b.first[k];
  a.second += b.second;
  return a;
}

/// Tolerance passed to every tanh-sinh level: the rule's error falls double-exponentially, so the result is far more
/// accurate than the level-difference estimate that stops it.
inline constexpr double kTanhSinhTolerance = 1e-11;

inline double tanh_sinh(const std::function<double(double, double)>& f, double a, double b) {
  if (!(b > a)) return 0.0;
  static thread_local boost::math::quadrature::tanh_sinh<double> integrator(12);
  return integrator.integrate(f, a, b, kTanhSinhTolerance);
}

/// A 2D convex polygon given counter-clockwise.
using Polygon = std::vector<std::array<double, 2>>;

/// The radial profile of the references: rho at distance r from the centre, value(r, limit - r), zero beyond `limit`
/// (the support's radius: in a 3D slice sqrt(R^2 - z^2); infinite for a Gaussian).
struct Profile {
  double limit;
  std::function<double(double, double)> value;
  double at(double r, double limit_minus_r) const { return limit_minus_r > 0.0 ? value(r, limit_minus_r) : 0.0; }
};

/// scale * ((limit - r)(limit + r))^p: a Barenblatt profile (scale includes K / R^(2p)).
inline Profile power_profile(double limit, double exponent, double scale) {
  return {limit, [=](double r, double rest) { return scale * std::pow(rest * (limit + r), exponent); }};
}

/// (2 pi v)^(-d/2) exp(-r^2 / (2 v)) on the whole plane.
inline Profile gaussian_profile(double variance, int dimension) {
  const double scale = std::pow(2.0 * std::numbers::pi * variance, -0.5 * dimension);
  return {std::numeric_limits<double>::infinity(),
          [=](double r, double) { return scale * std::exp(-0.5 * r * r / variance); }};
}

/// Moments of the profile about y over polygon ∩ disc(c, limit) in the plane (x, y components 0 and 1 of Point3,
/// component 2 fixed at `z` for the weights). only = 0..4 computes just that one (mass, first x, y, z, second).
inline Moments radial_polar_2d(const Polygon& polygon, std::array<double, 2> c, const Profile& profile, const Point3& y,
                               double z = 0.0, int only = -1) {
  const std::size_t m = polygon.size();
  std::vector<std::array<double, 3>> planes;  // n_x, n_y, offset - n.c
  std::vector<double> angles;
  const double R = profile.limit;
  for (std::size_t i = 0; i < m; ++i) {
    const auto& a = polygon[i];
    const auto& b = polygon[(i + 1) % m];
    const double dx = b[0] - a[0], dy = b[1] - a[1];
    const double len = std::hypot(dx, dy);
    if (!(len > 0.0)) continue;
    const double nx = dy / len, ny = -dx / len;
    planes.push_back({nx, ny, nx * (a[0] - c[0]) + ny * (a[1] - c[1])});
    angles.push_back(std::atan2(a[1] - c[1], a[0] - c[0]));
    if (!std::isfinite(R)) continue;
    // crossings of the edge with the circle: |a - c + t (b - a)| = R
    const double ax = a[0] - c[0], ay = a[1] - c[1];
    const double qa = dx * dx + dy * dy, qb = 2.0 * (ax * dx + ay * dy), qc = ax * ax + ay * ay - R * R;
    const double disc = qb * qb - 4.0 * qa * qc;
    if (disc > 0.0) {
      for (double sign : {-1.0, 1.0}) {
        const double t = (-qb + sign * std::sqrt(disc)) / (2.0 * qa);
        if (t > 0.0 && t < 1.0) angles.push_back(std::atan2(ay + t * dy, ax + t * dx));
      }
    }
  }
  std::sort(angles.begin(), angles.end());
  angles.push_back(angles.front() + 2.0 * std::numbers::pi);
  const auto radial = [&](double theta, int which) {
    const double ex = std::cos(theta), ey = std::sin(theta);
    double lo = 0.0, hi = std::isfinite(R) ? R : std::numeric_limits<double>::max();
    for (const auto& pl : planes) {
      const double slope = pl[0] * ex + pl[1] * ey;
      if (slope > 0.0) {
        hi = std::min(hi, pl[2] / slope);
      } else if (slope < 0.0) {
        lo = std::max(lo, pl[2] / slope);
      } else if (pl[2] < 0.0) {
        return 0.0;
      }
    }
    if (!(hi > lo)) return 0.0;
    const bool to_front = hi == R;
    return tanh_sinh(
        [&](double r, double complement) {
          const double rest = (to_front && complement > 0.0) ? complement : (std::isfinite(R) ? R - r : 1.0);
          const double rho = profile.at(r, rest) * r;
          const double dx = c[0] + r * ex - y[0], dy = c[1] + r * ey - y[1], dz = z - y[2];
          switch (which) {
            case 0: return rho;
            case 1: return rho * dx;
            case 2: return rho * dy;
            case 3: return rho * dz;
            default: return rho * (dx * dx + dy * dy + dz * dz);
          }
        },
        lo, hi);
  };
  Moments sum;
  for (std::size_t k = 0; k + 1 < angles.size(); ++k) {
    const double t0 = angles[k], t1 = angles[k + 1];
    if (!(t1 > t0)) continue;
    std::array<double, 5> parts{};
    for (int which = 0; which < 5; ++which)
      if (only < 0 || only == which)
        parts[static_cast<std::size_t>(which)] = tanh_sinh([&](double t, double) { return radial(t, which); }, t0, t1);
    sum.mass += parts[0];
    sum.first[0] += parts[1];
    sum.first[1] += parts[2];
    sum.first[2] += parts[3];
    sum.second += parts[4];
  }
  return sum;
}

/// Moments about y of density(x0, x1) over a counter-clockwise convex polygon, in Cartesian coordinates: x0 runs over
/// the polygon's range split at its vertices and at x_breaks, x1 over each vertical chord split at chord_breaks(x0).
inline Moments cartesian_2d(const Polygon& polygon, const std::function<double(double, double)>& density,
                            const Point3& y, const std::vector<double>& x_breaks,
                            const std::function<std::vector<double>(double)>& chord_breaks) {
  double lo = polygon.front()[0], hi = polygon.front()[0];
  std::vector<double> xs;
  for (const auto& p : polygon) {
    lo = std::min(lo, p[0]);
    hi = std::max(hi, p[0]);
    xs.push_back(p[0]);
  }
  for (double b : x_breaks)
    if (b > lo && b < hi) xs.push_back(b);
  std::sort(xs.begin(), xs.end());
  // the chord of the polygon at abscissa x0: the highest and lowest crossing of its edges
  const auto chord = [&](double x0) {
    double bottom = std::numeric_limits<double>::infinity(), top = -bottom;
    for (std::size_t k = 0; k < polygon.size(); ++k) {
      const auto& a = polygon[k];
      const auto& b = polygon[(k + 1) % polygon.size()];
      if ((x0 - a[0]) * (x0 - b[0]) > 0.0 || a[0] == b[0]) continue;
      const double t = (x0 - a[0]) / (b[0] - a[0]);
      const double c = a[1] + t * (b[1] - a[1]);
      bottom = std::min(bottom, c);
      top = std::max(top, c);
    }
    return std::array<double, 2>{bottom, top};
  };
  const auto inner = [&](double x0, int which) {
    const auto [bottom, top] = chord(x0);
    if (!(top > bottom)) return 0.0;
    std::vector<double> cuts{bottom, top};
    for (double b : chord_breaks(x0))
      if (b > bottom && b < top) cuts.push_back(b);
    std::sort(cuts.begin(), cuts.end());
    double sum = 0.0;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k)
      sum += tanh_sinh(
          [&](double x1, double) {
            const double f = density(x0, x1), d0 = x0 - y[0], d1 = x1 - y[1];
            switch (which) {
              case 0: return f;
              case 1: return f * d0;
              case 2: return f * d1;
              default: return f * (d0 * d0 + d1 * d1);
            }
          },
          cuts[k], cuts[k + 1]);
    return sum;
  };
  Moments sum;
  for (std::size_t k = 0; k + 1 < xs.size(); ++k) {
    if (!(xs[k + 1] > xs[k])) continue;
    std::array<double, 4> parts{};
    for (int which = 0; which < 4; ++which)
      parts[static_cast<std::size_t>(which)] =
          tanh_sinh([&](double x0, double) { return inner(x0, which); }, xs[k], xs[k + 1]);
    sum = sum + Moments{parts[0], {parts[1], parts[2], 0.0}, parts[3]};
  }
  return sum;
}

/// The slice of a 3D convex cell at height z as a counter-clockwise polygon in (x, y).
inline Polygon slice(const ConvexCell& cell, double z) {
  std::vector<std::array<double, 2>> points;
  for (const auto& facet : cell.facets) {
    const std::size_t m = facet.vertices.size();
    for (std::size_t k = 0; k < m; ++k) {
      const Point3& a = cell.vertices[static_cast<std::size_t>(facet.vertices[k])];
      const Point3& b = cell.vertices[static_cast<std::size_t>(facet.vertices[(k + 1) % m])];
      if ((a[2] - z) * (b[2] - z) < 0.0) {
        const double t = (z - a[2]) / (b[2] - a[2]);
        points.push_back({a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])});
      }
    }
  }
  if (points.size() < 3) return {};
  double cx = 0.0, cy = 0.0;
  for (const auto& p : points) {
    cx += p[0];
    cy += p[1];
  }
  cx /= static_cast<double>(points.size());
  cy /= static_cast<double>(points.size());
  std::sort(points.begin(), points.end(), [&](const auto& p, const auto& q) {
    return std::atan2(p[1] - cy, p[0] - cx) < std::atan2(q[1] - cy, q[0] - cx);
  });
  Polygon polygon;
  for (const auto& p : points)
    if (polygon.empty() || std::hypot(p[0] - polygon.back()[0], p[1] - polygon.back()[1]) > 1e-14)
      polygon.push_back(p);
  return polygon;
}

}  // namespace blobflow::analysis::testing
