// Probability laws on R for the exact 1D Wasserstein distances of docs/math.md §4.2: the uniform law and the 1D
// Barenblatt profile of §4.1 divided by its mass. `moments(a, b)` integrates the density against 1, (y-c) and
// (y-c)^2 with c the midpoint of [a, b] clipped to the support, so the conditional mean c + int (y-c) f / mass and the
// conditional variance int (y-c)^2 f / mass - (mean-c)^2 are built from small terms only: intervals as narrow as
// 1e-7 R (10^6 particles) keep their relative accuracy, which E[y^2] - E[y]^2 from global partial moments would not.
#include "blobflow/analysis/law1d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/beta.hpp>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

/// Gauss-Legendre nodes per interval: exact for polynomials of degree 2 kGaussNodes - 1 = 39, which covers
/// (y-c)^2 (1 - y^2/R^2)^p for integer p <= kGaussNodes - 2.
constexpr unsigned kGaussNodes = 20;
/// Largest integer p = 1/(m-1) integrated exactly by kGaussNodes nodes: degree 2p + 2 <= 2 kGaussNodes - 1.
constexpr double kMaxExactIntegerP = kGaussNodes - 2;
/// p counts as an integer when within this relative distance of one: m = 3/2, 4/3, ... give p a few ulps off.
constexpr double kIntegerPTolerance = 1e-12;
/// Non-integer p: Gauss-Legendre is used when the interval is at least this many widths away from both edges of the
/// support. The branch point then lies outside the Bernstein ellipse of parameter rho = 3 + sqrt(8) ~ 5.83, so the
/// kGaussNodes-point error is of order rho^(-2 kGaussNodes) ~ 1e-31, far below round-off.
constexpr double kFarFromEdgeWidths = 1.0;
/// tanh-sinh stopping tolerance (estimated relative error). Convergence is double exponential, but a branch point just
/// beyond a wide interval (1e-4 of its width away) slows it: measured against 40-digit quadrature, Boost's default
/// sqrt(eps) leaves 3e-14 there, 1e-12 leaves round-off.
constexpr double kTanhSinhTolerance = 1e-12;

/// int f, int (y-c) f and int (y-c)^2 f over [lo, hi], c = (lo + hi)/2.
struct CentredIntegrals {
  double zeroth = 0.0;
  double first = 0.0;
  double second = 0.0;
};

/// The unnormalized Barenblatt density (1 - y^2/R^2)^p = ((R - y)(R + y)/R^2)^p on an interval [lo, hi] of the
/// support, evaluated from a node's distances to the interval's ends. The distances to the support's edges are then
/// (R - hi) + (hi - y) and (R + lo) + (y - lo), sums of accurate terms: forming y first and then R - y would round y
/// by eps R, a relative error of eps R / (R - y) = 1e-9 on a 1e-7 R wide interval next to the edge.
struct EdgeDensity {
  double radius;
  double p;
  double lo, hi;
  double operator()(double from_lo, double to_hi) const {
    const double to_right_edge = (radius - hi) + to_hi;
    const double to_left_edge = (radius + lo) + from_lo;
    const double bracket = to_right_edge * to_left_edge / (radius * radius);
    return bracket > 0.0 ? std::pow(bracket, p) : 0.0;
  }
};

/// Gauss-Legendre with kGaussNodes nodes on [lo, hi] for the three centred integrands at once (all weights > 0).
CentredIntegrals gauss_centred(const EdgeDensity& f) {
  using Rule = boost::math::quadrature::gauss<double, kGaussNodes>;
  const double half_width = 0.5 * (f.hi - f.lo);
  CentredIntegrals sums;
  const auto& abscissa = Rule::abscissa();
  const auto& weights = Rule::weights();
  for (std::size_t j = 0; j < abscissa.size(); ++j) {
    const int n_signs = abscissa[j] == 0.0 ? 1 : 2;  // odd rules store the centre node once
    for (int k = 0; k < n_signs; ++k) {
      const double xi = k == 0 ? abscissa[j] : -abscissa[j];  // node at c + h xi
      const double dy = half_width * xi;
      const double value = weights[j] * f(half_width * (1.0 + xi), half_width * (1.0 - xi));
      sums.zeroth += value;
      sums.first += value * dy;
      sums.second += value * dy * dy;
    }
  }
  sums.zeroth *= half_width;
  sums.first *= half_width;
  sums.second *= half_width;
  return sums;
}

/// tanh-sinh on [lo, hi] for each centred integrand: handles the algebraic singularity (R - y)^p at an edge of the
/// support. Boost's two-argument form passes yc, the signed distance to the nearer end of [lo, hi] (lo - y <= 0 in
/// the left half, hi - y >= 0 in the right half), from which both end distances and y - c are formed without
/// rounding y. (The one-argument form also asserts in debug builds when a node rounds onto an end point.)
CentredIntegrals tanh_sinh_centred(const EdgeDensity& f) {
  // Shared and non-const: Boost 1.74 declares integrate() non-const (a misplaced qualifier), but the integrator
  // guards its lazily refined tables with a mutex, so concurrent use is safe.
  static boost::math::quadrature::tanh_sinh<double> integrator;
  const double width = f.hi - f.lo;
  const double half_width = 0.5 * width;
  // Returns (y - c, f(y)) for the node with signed end distance yc.
  const auto node = [&](double yc) {
    const double from_lo = yc < 0.0 ? -yc : width - yc;
    const double to_hi = yc < 0.0 ? width + yc : yc;
    const double offset = yc < 0.0 ? from_lo - half_width : half_width - to_hi;
    return std::pair<double, double>{offset, f(from_lo, to_hi)};
  };
  CentredIntegrals sums;
  sums.zeroth =
      integrator.integrate([&](double, double yc) { return node(yc).second; }, f.lo, f.hi, kTanhSinhTolerance);
  sums.first = integrator.integrate(
      [&](double, double yc) {
        const auto [offset, value] = node(yc);
        return offset * value;
      },
      f.lo, f.hi, kTanhSinhTolerance);
  sums.second = integrator.integrate(
      [&](double, double yc) {
        const auto [offset, value] = node(yc);
        return offset * offset * value;
      },
      f.lo, f.hi, kTanhSinhTolerance);
  return sums;
}

/// Mass, mean and variance from centred integrals of a density with normalization factor `scale`.
IntervalMoments from_centred(const CentredIntegrals& sums, double lo, double hi, double scale) {
  const double centre = lo + 0.5 * (hi - lo);
  IntervalMoments result;
  result.mass = sums.zeroth * scale;
  if (!(sums.zeroth > 0.0)) {
    result.mass = 0.0;
    result.mean = centre;
    return result;
  }
  const double shift = sums.first / sums.zeroth;
  result.mean = centre + shift;
  result.variance = std::max(0.0, sums.second / sums.zeroth - shift * shift);
  return result;
}

void check_interval(const char* where, double a, double b) {
  if (!(a <= b))
    throw std::invalid_argument(detail::describe(where, "a", a, "must be <= b = " + detail::format_value(b)));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
UniformLaw1D::UniformLaw1D(double lo, double hi) : lo_(lo), hi_(hi) {
  if (!std::isfinite(lo)) throw std::invalid_argument(detail::describe("UniformLaw1D", "lo", lo, "must be finite"));
  if (!std::isfinite(hi)) throw std::invalid_argument(detail::describe("UniformLaw1D", "hi", hi, "must be finite"));
  if (!(lo < hi))
    throw std::invalid_argument(
        detail::describe("UniformLaw1D", "lo", lo, "must be < hi = " + detail::format_value(hi)));
}

double UniformLaw1D::cdf(double x) const {
  if (std::isnan(x)) return x;
  return std::clamp((x - lo_) / (hi_ - lo_), 0.0, 1.0);
}

double UniformLaw1D::quantile(double u) const {
  if (!(u >= 0.0 && u <= 1.0))
    throw std::invalid_argument(detail::describe("UniformLaw1D::quantile", "u", u, "must be in [0, 1]"));
  // Measured from the nearer end so that Q(0) = lo and Q(1) = hi exactly.
  return u <= 0.5 ? lo_ + u * (hi_ - lo_) : hi_ - (1.0 - u) * (hi_ - lo_);
}

IntervalMoments UniformLaw1D::moments(double a, double b) const {
  check_interval("UniformLaw1D::moments", a, b);
  const double lo = std::clamp(a, lo_, hi_);
  const double hi = std::clamp(b, lo_, hi_);
  const double width = hi - lo;
  // Uniform on [lo, hi]: mean at the centre, variance width^2/12.
  return {width / (hi_ - lo_), lo + 0.5 * width, width * width / 12.0};
}

// ---------------------------------------------------------------------------------------------------------------
BarenblattLaw1D::BarenblattLaw1D(const Barenblatt& profile, double t) : profile_(profile), t_(t) {
  if (profile.dimension() != 1)
    throw std::invalid_argument(
        detail::describe("BarenblattLaw1D", "profile.dimension()", profile.dimension(), "must be 1"));
  if (!(t > 0.0) || !std::isfinite(t))
    throw std::invalid_argument(detail::describe("BarenblattLaw1D", "t", t, "must be finite and > 0"));
  radius_ = profile_.support_radius(t_);
  // docs/math.md §4.1 with d = 1: u(., t)/M = (1 - y^2/R^2)^p / (R B(1/2, p+1)) on [-R, R].
  const double p = 1.0 / (profile_.m() - 1.0);
  normalization_ = 1.0 / (radius_ * boost::math::beta(0.5, p + 1.0));
  const double nearest_integer = std::round(p);
  polynomial_ = nearest_integer <= kMaxExactIntegerP && std::abs(p - nearest_integer) <= kIntegerPTolerance * p;
}

double BarenblattLaw1D::cdf(double x) const { return profile_.cdf(x, t_); }

double BarenblattLaw1D::quantile(double u) const { return profile_.quantile(u, t_); }

IntervalMoments BarenblattLaw1D::moments(double a, double b) const {
  check_interval("BarenblattLaw1D::moments", a, b);
  const double radius = radius_;
  const double lo = std::clamp(a, -radius, radius);
  const double hi = std::clamp(b, -radius, radius);
  if (!(lo < hi)) return {0.0, lo, 0.0};
  const EdgeDensity density{radius, 1.0 / (profile_.m() - 1.0), lo, hi};
  const double width = hi - lo;
  const double edge_distance = std::min(lo + radius, radius - hi);
  const bool smooth = polynomial_ || edge_distance >= kFarFromEdgeWidths * width;
  const CentredIntegrals sums = smooth ? gauss_centred(density) : tanh_sinh_centred(density);
  return from_centred(sums, lo, hi, normalization_);
}

}  // namespace blobflow::analysis
