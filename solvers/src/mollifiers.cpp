// The radial tables of psi_1 = zeta_1 * zeta_1 (eps = 1) for the compactly supported mollifiers of mollifiers.hpp
// (docs/math.md §5.5): psi_1 is computed by quadrature that exploits radial symmetry, then tabulated as a function of
// u = |x|^2 by piecewise Chebyshev interpolation (RadialTable). Built once per (profile, dimension) and shared.
//
// Quadrature for psi_1(r) = int zeta_1(y) zeta_1(x - y) dy, |x| = r, z(q) = c f(q) the profile (docs/math.md §5.5):
//   d = 1:  int z(|y|) z(|r - y|) dy, Gauss-Legendre on the intervals between the points where either factor
//           changes polynomial piece (exact: the integrand is a polynomial on each).
//   d = 2:  int_0^R s z(s) int_0^2pi z(t) dtheta ds,        t^2 = (r - s)^2 + 4 r s sin^2(theta/2),
//   d = 3:  2 pi int_0^R s^2 z(s) int_0^pi z(t) sin(theta) dtheta ds,
//           polar coordinates about the origin. The theta integral is split where t crosses a breakpoint of the
//           profile (t = 1, t = 2, the support), so each piece is analytic. The s integral is split at s = r and
//           where the circle |y| = s becomes tangent to a breakpoint circle about x (s = |r - b|, r + b); there the
//           inner integral has square-root endpoint behaviour, which the substitution s = m - h cos(phi) turns
//           into an analytic function of phi, so Gauss-Legendre in phi converges exponentially.
// Table (RadialTable): equal panels in u on [0, (2R)^2], aligned with the squares of all breakpoints of psi
// (integers in units of eps), the first one refined geometrically; Chebyshev-Lobatto interpolation of degree
// kDegree on each. Accuracy: |table - psi_1| <= 1e-12 psi_1(0) everywhere (measured: 8e-15, see kPanelsPerUnitU),
// checked by tests/unit/solvers/test_mollifiers.cpp against independent quadratures (Cartesian in d = 2, the
// (s, t) distance form in d = 3). Build time: ~0.02 s (Wendland) to ~0.3 s (B-spline, d = 3) per table.
#include "blobflow/solvers/mollifiers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <mutex>
#include <numbers>
#include <stdexcept>
#include <utility>
#include <vector>

namespace blobflow {

RadialTable::RadialTable(double u_max, int n_panels, int degree, int n_refinements,
                         const std::function<double(double)>& f)
    : u_max_(u_max), n_panels_(n_panels), degree_(degree), n_refinements_(n_refinements), inv_width_(0.0) {
  if (!(u_max > 0.0) || !std::isfinite(u_max)) throw std::invalid_argument("RadialTable: u_max must be > 0");
  if (n_panels < 1 || degree < 1 || n_refinements < 0)
    throw std::invalid_argument("RadialTable: need n_panels >= 1, degree >= 1 and n_refinements >= 0");
  const double width = u_max / n_panels;
  inv_width_ = n_panels / u_max;
  // Block edges, left to right: 0, w 4^-L, ..., w/4, w, 2w, ..., u_max.
  std::vector<double> edges{0.0};
  for (int l = n_refinements; l >= 0; --l) edges.push_back(std::ldexp(width, -2 * l));
  for (int k = 2; k < n_panels; ++k) edges.push_back(k * width);
  if (n_panels > 1) edges.push_back(u_max);
  const std::size_t n_blocks = edges.size() - 1, per_panel = static_cast<std::size_t>(degree) + 1;
  value_.assign(n_blocks * per_panel, 0.0);
  slope_.assign(n_blocks * per_panel, 0.0);

  // Chebyshev-Lobatto points t_j = cos(pi j / p) (j = 0 is the right end): u = left + (right - left)(1 + t_j)/2.
  std::vector<double> values(per_panel);
  double left_value = f(0.0);
  for (std::size_t b = 0; b < n_blocks; ++b) {
    const double left = edges[b], right = edges[b + 1], h = right - left;
    values[per_panel - 1] = left_value;
    values[0] = f(right);
    for (std::size_t j = 1; j + 1 < per_panel; ++j)
      values[j] = f(left + 0.5 * h * (1.0 + std::cos(std::numbers::pi * static_cast<double>(j) / degree)));
    left_value = values[0];
    // c_k = (2/p) sum''_j f_j cos(pi j k / p), then c_0 and c_p halved (sum'' halves the j = 0, p terms).
    double* c = value_.data() + b * per_panel;
    for (std::size_t k = 0; k < per_panel; ++k) {
      double sum = 0.0;
      for (std::size_t j = 0; j < per_panel; ++j) {
        const double weight = (j == 0 || j + 1 == per_panel) ? 0.5 : 1.0;
        sum += weight * values[j] * std::cos(std::numbers::pi * static_cast<double>(j * k) / degree);
      }
      c[k] = 2.0 * sum / degree * ((k == 0 || k + 1 == per_panel) ? 0.5 : 1.0);
    }
    // Derivative of a Chebyshev series: d_(k-1) = d_(k+1) + 2 k c_k (d_p = d_(p+1) = 0), d_0 halved; du = h/2 dt.
    double* d = slope_.data() + b * per_panel;
    double d_k = 0.0, d_k1 = 0.0;  // d_k, d_(k+1)
    for (std::size_t k = per_panel - 1; k >= 1; --k) {
      const double d_km1 = d_k1 + 2.0 * static_cast<double>(k) * c[k];
      d[k - 1] = d_km1;
      d_k1 = d_k;
      d_k = d_km1;
    }
    d[0] *= 0.5;
    for (std::size_t k = 0; k < per_panel; ++k) d[k] *= 2.0 / h;
  }
}

namespace {

/// Gauss-Legendre nodes and weights on [-1, 1] by Newton's method on P_n (converges to round-off from the
/// Chebyshev-like initial guesses for every n used here).
struct GaussLegendre {
  std::vector<double> x, w;
  explicit GaussLegendre(int n) : x(static_cast<std::size_t>(n)), w(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) {
      double z = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
      double dp = 1.0;
      for (int iteration = 0; iteration < 100; ++iteration) {
        double p0 = 1.0, p1 = z;
        for (int k = 2; k <= n; ++k) {
          const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (z * p1 - p0) / (z * z - 1.0);
        const double dz = p1 / dp;
        z -= dz;
        if (std::abs(dz) < 1e-16) break;
      }
      x[static_cast<std::size_t>(i)] = z;
      w[static_cast<std::size_t>(i)] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
  }
};

/// Points per quadrature piece. Both the exact 1D rule (degree <= 2 * 8 + 1 needs 9) and the analytic 2D/3D
/// pieces converge well before 28: the measured change from 28 to 56 points is below 1e-15 relative to psi(0).
constexpr int kQuadraturePoints = 28;
/// Ratio of successive angular pieces near a near-singularity (each piece then sees it at a fixed relative
/// distance, where Gauss-Legendre converges geometrically).
constexpr double kGrading = 4.0;

/// Panels per unit of u = |x|^2/eps^2, degree per panel, and levels of geometric refinement of the first panel.
/// psi_1 is piecewise analytic in u with breakpoints at the integers (the squares of the breakpoints 0, 1, 2, 3, 4
/// of psi in |x|) and is not analytic in u at u = 0 (odd powers |x|^7 in d = 1, 3, |x|^8 log|x| in d = 2), hence
/// the refined first panel. Measured against the quadrature at 600 radii per (kernel, d) (including 60 radii
/// 10^-6 <= r <= 1): max error 8e-15 psi(0) with 8 panels per unit and degree 14 (1.6e-14 with 16 and degree 12,
/// 1.5e-13 with 8 and degree 12, 6e-12 without the refinement).
constexpr int kPanelsPerUnitU = 8;
constexpr int kDegree = 14;
constexpr int kRefinements = 3;

/// A profile zeta_1(q) = c f(q) on q < R, 0 beyond, with its breakpoints, as the quadratures need it.
struct RadialProfile {
  double (*f)(double);
  double norm;
  double support;
  std::vector<double> breakpoints;  // interior ones, 0 < b < support

  double operator()(double q) const { return q < support ? norm * f(q) : 0.0; }
  /// Interior breakpoints and the support: the circles where zeta_1 changes polynomial piece.
  std::vector<double> circles() const {
    std::vector<double> c = breakpoints;
    c.push_back(support);
    return c;
  }
};

/// The sorted distinct points of `points` inside (lo, hi), with lo and hi.
std::vector<double> split(double lo, double hi, const std::vector<double>& points) {
  std::vector<double> s{lo, hi};
  for (double p : points)
    if (p > lo && p < hi) s.push_back(p);
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

class SelfConvolutionQuadrature {
 public:
  SelfConvolutionQuadrature(RadialProfile zeta, int dimension, int n_points)
      : zeta_(std::move(zeta)), dim_(dimension), rule_(n_points) {}

  /// psi_1(r) for r >= 0.
  double operator()(double r) const {
    if (r >= 2.0 * zeta_.support) return 0.0;
    return dim_ == 1 ? one_dimensional(r) : polar(r);
  }

 private:
  double one_dimensional(double r) const {
    const double big_r = zeta_.support;
    const double lo = std::max(-big_r, r - big_r), hi = std::min(big_r, r + big_r);
    if (!(lo < hi)) return 0.0;
    std::vector<double> points;
    for (double b : zeta_.circles()) {
      for (double p : {-b, b, r - b, r + b}) points.push_back(p);
    }
    points.push_back(0.0);
    points.push_back(r);
    const std::vector<double> pieces = split(lo, hi, points);
    double total = 0.0;
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
      const double m = 0.5 * (pieces[i] + pieces[i + 1]), h = 0.5 * (pieces[i + 1] - pieces[i]);
      double s = 0.0;
      for (std::size_t k = 0; k < rule_.x.size(); ++k) {
        const double y = m + h * rule_.x[k];
        s += rule_.w[k] * zeta_(std::abs(y)) * zeta_(std::abs(r - y));
      }
      total += h * s;
    }
    return total;
  }

  /// int over the circle |y| = s of zeta_1(|x - y|) in angle: int_0^pi z(t) dtheta (d = 2) or
  /// int_0^pi z(t) sin(theta) dtheta (d = 3), t^2 = (r - s)^2 + 4 r s sin^2(theta/2).
  double angular(double r, double s) const {
    std::vector<double> angles;
    if (r > 0.0 && s > 0.0) {
      for (double b : zeta_.circles()) {
        const double c = (r * r + s * s - b * b) / (2.0 * r * s);
        if (c > -1.0 && c < 1.0) angles.push_back(std::acos(c));
      }
      // t(theta) has complex zeros at theta ~ +-i delta, delta = |r - s| / sqrt(r s); for small delta the odd
      // powers of t in the profile are nearly singular at theta = 0, so grade the pieces there geometrically.
      const double delta = std::abs(r - s) / std::sqrt(r * s);
      if (delta > 0.0)
        for (double a = delta; a < 0.5; a *= kGrading) angles.push_back(a);
    }
    const std::vector<double> pieces = split(0.0, std::numbers::pi, angles);
    double total = 0.0;
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
      const double m = 0.5 * (pieces[i] + pieces[i + 1]), h = 0.5 * (pieces[i + 1] - pieces[i]);
      double sum = 0.0;
      for (std::size_t k = 0; k < rule_.x.size(); ++k) {
        const double theta = m + h * rule_.x[k];
        const double half_sine = std::sin(0.5 * theta);
        const double t = std::sqrt((r - s) * (r - s) + 4.0 * r * s * half_sine * half_sine);
        sum += rule_.w[k] * zeta_(t) * (dim_ == 3 ? std::sin(theta) : 1.0);
      }
      total += h * sum;
    }
    return total;
  }

  double polar(double r) const {
    const double big_r = zeta_.support;
    std::vector<double> points = zeta_.breakpoints;
    points.push_back(r);
    for (double b : zeta_.circles()) {
      points.push_back(std::abs(r - b));
      points.push_back(r + b);
    }
    const std::vector<double> pieces = split(0.0, big_r, points);
    double total = 0.0;
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) {
      // s = m - h cos(phi), phi in [0, pi] = (pi/2)(x + 1): ds = h sin(phi) (pi/2) dx.
      const double m = 0.5 * (pieces[i] + pieces[i + 1]), h = 0.5 * (pieces[i + 1] - pieces[i]);
      double sum = 0.0;
      for (std::size_t k = 0; k < rule_.x.size(); ++k) {
        const double phi = 0.5 * std::numbers::pi * (rule_.x[k] + 1.0);
        const double s = m - h * std::cos(phi);
        const double radial = dim_ == 2 ? 2.0 * s : 2.0 * std::numbers::pi * s * s;
        sum += rule_.w[k] * std::sin(phi) * radial * zeta_(s) * angular(r, s);
      }
      total += 0.5 * std::numbers::pi * h * sum;
    }
    return total;
  }

  RadialProfile zeta_;
  int dim_;
  GaussLegendre rule_;
};

template <class Profile>
RadialProfile radial_profile(int dimension) {
  return {&Profile::f, Profile::normalization(dimension), Profile::kSupport,
          std::vector<double>(Profile::kBreakpoints.begin(), Profile::kBreakpoints.end())};
}

/// Tabulates psi_1 on [0, (2R)^2] in u (file comment).
std::shared_ptr<const RadialTable> build_table(const RadialProfile& zeta, int dimension) {
  const SelfConvolutionQuadrature psi(zeta, dimension, kQuadraturePoints);
  const double u_max = 4.0 * zeta.support * zeta.support;
  const int n_panels = static_cast<int>(std::lround(u_max * kPanelsPerUnitU));
  return std::make_shared<const RadialTable>(u_max, n_panels, kDegree, kRefinements, [&](double u) {
    return u >= u_max ? 0.0 : psi(std::sqrt(u));  // psi_1 vanishes at |x| = 2R
  });
}

}  // namespace

namespace detail {

std::shared_ptr<const RadialTable> compact_self_convolution_table(CompactProfileId profile, int dimension) {
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument("compact_self_convolution_table: dimension must be 1, 2 or 3");
  static std::mutex mutex;
  static std::array<std::shared_ptr<const RadialTable>, 9> cache;
  const auto slot = static_cast<std::size_t>(3 * static_cast<int>(profile) + dimension - 1);
  const std::lock_guard lock(mutex);
  if (!cache.at(slot)) {
    switch (profile) {
      case CompactProfileId::kWendlandC2:
        cache[slot] = build_table(radial_profile<WendlandC2Profile>(dimension), dimension);
        break;
      case CompactProfileId::kWendlandC4:
        cache[slot] = build_table(radial_profile<WendlandC4Profile>(dimension), dimension);
        break;
      case CompactProfileId::kCubicBSpline:
        cache[slot] = build_table(radial_profile<CubicBSplineProfile>(dimension), dimension);
        break;
    }
  }
  return cache[slot];
}

}  // namespace detail
}  // namespace blobflow
