// Barenblatt (ZKB) solutions of d/dt u = D Lap(u^m) in R^d: docs/math.md §4.1 for the profile, its mass constant C(M),
// support radius, second moment and power integrals; §4.2 [D] for the closed-form 1D m = 2 CDF and quantile; §4.4 [D]
// for the time rescaling u(x, t) = U_m(x, D t). Gamma-function ratios go through boost::math::tgamma_delta_ratio so
// that they stay accurate when p = 1/(m-1) is large (m close to 1), where tgamma alone would overflow.
#include "blobflow/analysis/barenblatt.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

// Switch between the centre-side and edge-side incomplete beta forms of the 1D CDF and quantile: below it s^2 (or
// twice the tail mass) is computed accurately, above it 1 - s^2 is.
constexpr double kCentralSquareThreshold = 0.5;

}  // namespace

Barenblatt::Barenblatt(int dimension, double m, double mass, double diffusion_coefficient)
    : d_(dimension), m_(m), mass_(mass), diffusion_(diffusion_coefficient) {
  using detail::describe;
  if (dimension < 1) throw std::invalid_argument(describe("Barenblatt", "dimension", dimension, "must be >= 1"));
  if (!(m > 1.0) || !std::isfinite(m)) throw std::invalid_argument(describe("Barenblatt", "m", m, "must be > 1"));
  if (!(mass > 0.0) || !std::isfinite(mass))
    throw std::invalid_argument(describe("Barenblatt", "mass", mass, "must be finite and > 0"));
  if (!(diffusion_coefficient > 0.0) || !std::isfinite(diffusion_coefficient))
    throw std::invalid_argument(
        describe("Barenblatt", "diffusion_coefficient", diffusion_coefficient, "must be finite and > 0"));

  // docs/math.md §4.1: alpha = d/(d(m-1)+2), beta = alpha/d, k = (m-1) beta/(2m), p = 1/(m-1).
  const double d = static_cast<double>(d_);
  const double half_d = 0.5 * d;
  beta_ = 1.0 / (d * (m_ - 1.0) + 2.0);
  alpha_ = d * beta_;
  k_ = (m_ - 1.0) * beta_ / (2.0 * m_);
  p_ = 1.0 / (m_ - 1.0);
  // C(M) = [M k^(d/2) Gamma(p+1+d/2) / (pi^(d/2) Gamma(p+1))]^(2(m-1) beta), docs/math.md §4.1;
  // tgamma_delta_ratio(p+1, d/2) = Gamma(p+1)/Gamma(p+1+d/2).
  const double log_bracket = std::log(mass_) + half_d * std::log(k_) - half_d * std::log(std::numbers::pi) -
                             std::log(boost::math::tgamma_delta_ratio(p_ + 1.0, half_d));
  C_ = std::exp(2.0 * (m_ - 1.0) * beta_ * log_bracket);
}

double Barenblatt::scaled_time(double t) const {
  if (!(t > 0.0) || !std::isfinite(t))
    throw std::invalid_argument(detail::describe("Barenblatt", "t", t, "must be finite and > 0"));
  return diffusion_ * t;
}

double Barenblatt::support_radius(double t) const {
  // R(t) = sqrt(C/k) (D t)^beta, docs/math.md §4.1.
  return std::sqrt(C_ / k_) * std::pow(scaled_time(t), beta_);
}

double Barenblatt::density_radial(double r, double t) const {
  if (!(r >= 0.0)) throw std::invalid_argument(detail::describe("Barenblatt::density_radial", "r", r, "must be >= 0"));
  const double s = scaled_time(t);
  const double radius = support_radius(t);
  if (r >= radius) return 0.0;
  // U = s^-alpha (C - k r^2 s^(-2 beta))^p = s^-alpha C^p (1 - (r/R)^2)^p, the bracket factored to stay accurate
  // near the edge of the support.
  const double bracket = (radius - r) * (radius + r) / (radius * radius);
  return std::pow(s, -alpha_) * std::pow(C_, p_) * std::pow(bracket, p_);
}

double Barenblatt::density(std::span<const double> x, double t) const {
  if (x.size() != static_cast<std::size_t>(d_))
    throw std::invalid_argument(detail::describe("Barenblatt::density", "x.size()", static_cast<double>(x.size()),
                                                 "must equal the dimension " + std::to_string(d_)));
  double r2 = 0.0;
  for (const double xi : x) r2 += xi * xi;
  return density_radial(std::sqrt(r2), t);
}

double Barenblatt::second_moment(double t) const {
  // int |x|^2 U = M d(m-1)/(2m + d(m-1)) R(t)^2, docs/math.md §4.1.
  const double d = static_cast<double>(d_);
  const double radius = support_radius(t);
  return mass_ * d * (m_ - 1.0) / (2.0 * m_ + d * (m_ - 1.0)) * radius * radius;
}

double Barenblatt::power_integral(double q, double t) const {
  if (!(q > 0.0) || !std::isfinite(q))
    throw std::invalid_argument(detail::describe("Barenblatt::power_integral", "q", q, "must be finite and > 0"));
  // int U^q = s^(-alpha q) C^(p q) int_{|x|<R} (1 - |x|^2/R^2)^(p q) dx
  //         = s^(-alpha q) C^(p q) R^d pi^(d/2) Gamma(pq+1)/Gamma(pq+1+d/2)
  // (polar coordinates and the beta integral; q = 1 is the mass formula of docs/math.md §4.1, q = m its energy
  // integral).
  const double s = scaled_time(t);
  const double d = static_cast<double>(d_);
  const double pq = p_ * q;
  const double log_value = -alpha_ * q * std::log(s) + pq * std::log(C_) + d * std::log(support_radius(t)) +
                           0.5 * d * std::log(std::numbers::pi) +
                           std::log(boost::math::tgamma_delta_ratio(pq + 1.0, 0.5 * d));
  return std::exp(log_value);
}

double Barenblatt::cdf(double x, double t) const {
  if (d_ != 1)
    throw std::logic_error(detail::describe("Barenblatt::cdf", "dimension", d_, "the CDF is defined in 1D only"));
  const double radius = support_radius(t);
  if (std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x <= -radius) return 0.0;
  if (x >= radius) return 1.0;
  const double s = x / radius;
  // 1 - |s| and 1 + |s| from R -+ |x| (exact subtraction near the edge), so that the tails keep relative accuracy.
  const double inner = (radius - std::abs(x)) / radius;
  const double outer = (radius + std::abs(x)) / radius;
  if (m_ == 2.0) {
    // docs/math.md §4.2: F = (2 + 3s - s^3)/4 = (1+s)^2 (2-s)/4 = 1 - (1-s)^2 (2+s)/4; the factored tail mass
    // (1-|s|)^2 (2+|s|)/4 has no cancellation.
    const double tail = inner * inner * (1.0 + outer) / 4.0;
    return s < 0.0 ? tail : 1.0 - tail;
  }
  // With f proportional to (1 - s^2)^p on [-1, 1] and z = s^2: int_0^|s| f = B(1/2, p+1) I_{s^2}(1/2, p+1) / 2, so
  // F = 1/2 + sign(s) I_{s^2}(1/2, p+1)/2 and the tail mass beyond |s| is (1 - I_{s^2}(1/2, p+1))/2, which is also
  // I_{1-s^2}(p+1, 1/2)/2. Boost's ibetac gives 1 - I without cancellation while s^2 is accurate; next to the edge
  // the second form with 1 - s^2 = (1-|s|)(1+|s|) is the accurate one.
  double tail = 0.0;
  if (s * s < kCentralSquareThreshold) {
    if (s >= 0.0) return 0.5 + 0.5 * boost::math::ibeta(0.5, p_ + 1.0, s * s);
    tail = 0.5 * boost::math::ibetac(0.5, p_ + 1.0, s * s);
  } else {
    tail = 0.5 * boost::math::ibeta(p_ + 1.0, 0.5, inner * outer);
  }
  return s < 0.0 ? tail : 1.0 - tail;
}

double Barenblatt::quantile(double u, double t) const {
  if (d_ != 1)
    throw std::logic_error(
        detail::describe("Barenblatt::quantile", "dimension", d_, "the quantile is defined in 1D only"));
  if (!(u >= 0.0 && u <= 1.0))
    throw std::invalid_argument(detail::describe("Barenblatt::quantile", "u", u, "must be in [0, 1]"));
  const double radius = support_radius(t);
  if (u == 0.0) return -radius;
  if (u == 1.0) return radius;
  // The nearer tail's mass min(u, 1-u) is exact in floating point; Q(1-u) = -Q(u) by symmetry.
  const double tail_mass = std::min(u, 1.0 - u);
  const double sign = u < 0.5 ? -1.0 : 1.0;
  if (m_ == 2.0) {
    // docs/math.md §4.2: Q(u) = 2 R sin(arcsin(2u - 1)/3). With arcsin(2u - 1) = 2 arcsin(sqrt(u)) - pi/2 (u <= 1/2)
    // this is -2 R sin(pi/6 - (2/3) arcsin(sqrt(u))), which keeps the relative accuracy of small u.
    return sign * 2.0 * radius * std::sin(std::numbers::pi / 6.0 - 2.0 * std::asin(std::sqrt(tail_mass)) / 3.0);
  }
  double s2 = 0.0;  // s^2 with s = Q(u)/R
  if (2.0 * tail_mass <= kCentralSquareThreshold) {
    // Tail: I_{1-s^2}(p+1, 1/2) = 2 min(u, 1-u); ibeta_inv returns 1 - (1 - s^2) = s^2 accurately through `py`.
    boost::math::ibeta_inv(p_ + 1.0, 0.5, 2.0 * tail_mass, &s2);
  } else {
    // Centre: I_{s^2}(1/2, p+1) = |2u - 1| = 1 - 2 min(u, 1-u) (exact here).
    s2 = boost::math::ibeta_inv(0.5, p_ + 1.0, 1.0 - 2.0 * tail_mass);
  }
  return sign * radius * std::sqrt(std::clamp(s2, 0.0, 1.0));
}

}  // namespace blobflow::analysis
