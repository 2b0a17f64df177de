// The divergence-theorem route of RadialPowerLaw (radial_front.hpp, docs/math.md §6.1). With u = x - c, r = |u|,
// f_q = (1 - r^2/R^2)_+^q and F_k^q(r) = int_0^r s^k f_q(s) ds:
//   mass:   div(u G) = f_q for G = F_{d-1}^q(r) / r^d, so int_P f_q = sum_F h_F int_F G dsigma (h_F = signed distance
//           of the facet's plane from c);
//   first:  div(Psi(r) e_k) = u_k f_p for Psi = -R^2 (1 - r^2/R^2)_+^(p+1) / (2(p+1)), so int_P u f_p =
//           sum_F n_F int_F Psi dsigma;
//   second: |u|^2 f_p = R^2 (f_p - f_(p+1)), so int_P |u|^2 f_p = R^2 (int_P f_p - int_P f_(p+1));
// and the moments about y follow from a = y - c. In 2D the facets are edges and the edge integrals are 1D. In 3D a
// facet integral of a radial function g(r) over a polygon in a plane at distance h from c is again a 2D radial integral
// about the foot c + h n: int_F g = sum_e h'_e int_e Gh(rho) ds with rho the distance from the foot,
// h'_e the edge's signed distance from it and Gh(rho) = rho^-2 int_0^rho t g(sqrt(h^2 + t^2)) dt. For the profiles:
//   - 2D kernel of (1 - rho^2/A)^q (A = R^2 - h^2; also the 2D cell kernel with A = R^2, h = 0):
//     Gh = E_(q+1)(y) / (2 (q+1) y), y = rho^2/A, E_k(y) = 1 - (1-y)^k = -expm1(k log1p(-y)); beyond the circle
//     A / (2 (q+1) rho^2), whose edge integral is A/(2(q+1)) times the angle the piece subtends at the foot;
//   - 3D mass kernel g = F_2^q(r)/r^3: Gh = [H(T) - H(|h|)] / rho^2 with T = sqrt(h^2 + rho^2),
//     H = F_1 - F_2 / t, written without cancellation as
//     Gh = (A/R^2)^q E/(2(q+1)y) - avg/(T (T+|h|)) + (F_2(|h|)/|h|)/(T (T+|h|)), avg = int_|h|^T s^2 f_q / (T - |h|)
//     (a short Gauss or Gauss-Jacobi quadrature, exact for integer q: then Gh is the polynomial
//     [P(h^2 + rho^2) - P(h^2)] / rho^2, P = F_1 - F_2/t being a polynomial in t^2); beyond the sphere H(T) is
//     elementary and the
//     edge integral is closed-form: C Delta(angle) - F_2(R) J with
//     J = h' int ds / (rho^2 T) = (1/|h|) atan(|h| s / (h' T)) between the ends.
// Inside the circle the edge integrals are taken
//   - for integer p by Gauss-Legendre in s with p + 3 points, exact: every kernel is a polynomial in s;
//   - for a piece at least its own length from both crossings, by Gauss-Legendre in s with the number of points the
//     Bernstein ellipse of the nearest crossing asks for;
//   - otherwise over the angle psi of s = -s_c cos(psi) (s_c the half-chord), which makes the front factor
//     (s_c^2 - s^2)^k = (s_c sin(psi))^(2k) analytic when 2p is an integer; when it is not, pieces within half their
//     width of a crossing are graded toward it (psi = b sigma^3), so that the remaining endpoint singularity is mild.
// Half-integer p (m = 3, 5/3, ...) needs one square root per point: E_(q+1)(y)/y = (1 - a^2)/(y (1 + a)) with
// a = (1 - y)^(q+1), a^2 an integer power. Everything runs in long double except the inner integrals of the 3D mass
// kernel for non-integer p, positive sums whose double round-off the facet sums amplify only by the cell's distance
// from c over its size.
#include "radial_front.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace blobflow::analysis::detail {
namespace {

/// Everything here runs in x87 extended precision: the facet sums cancel by the ratio of the cell's distance from c
/// to its size (cubed for the second moment about y), and 11 more bits keep that cancellation below double round-off.
using Real = long double;
constexpr Real kPi = std::numbers::pi_v<long double>;
using Point = std::array<Real, 3>;

Point extend(const Point3& a) { return {a[0], a[1], a[2]}; }
Point minus(const Point& a, const Point& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Real dot(const Point& a, const Point& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Point cross(const Point& a, const Point& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
Real norm(const Point& a) { return std::sqrt(dot(a, a)); }
/// Gauss-Legendre points in psi over a chord piece of width w when the integrand is analytic (2p an integer): the
/// integrands are trigonometric polynomials of degree k <= 2p + 6 in psi (entire functions of that growth for
/// half-integer p), whose Chebyshev coefficients on the piece fall super-geometrically beyond degree k w e / 4 (Bessel
/// functions J_n(k w / 2)); n points are exact to degree 2n - 1, so n = 10 + k w e / 8 leaves a margin of about 20
/// degrees (~1e-16). Pieces needing more than kMaxRulePoints are split.
int chord_points(Real p, Real width) {
  const Real degree = 2 * p + 6;
  return 10 + static_cast<int>(std::ceil(degree * width * std::numbers::e_v<long double> / 8));
}
/// Extra points per graded half when 2p is not an integer: psi = b sigma^3 turns the endpoint behaviour psi^(2p+1)
/// into sigma^(6p+5), for which n-point Gauss-Legendre errs by O(n^-(12p+12)) <= 24^-12 ~ 3e-17.
constexpr int kGradedExtraPoints = 14;

Real power(Real x, int n) {
  Real result = 1;
  while (n > 0) {
    if (n & 1) result *= x;
    x *= x;
    n >>= 1;
  }
  return result;
}

/// The in-plane profile (1 - y)^q and its polygon kernel E_(q+1)(y) / (2 (q+1) y) for q = p, p + 1.
struct ProfileAt {
  std::array<Real, 2> power;
  std::array<Real, 2> kernel;
};

ProfileAt profile_at(const RadialProfile& profile, Real y, Real one_minus_y) {
  ProfileAt v{};
  if (profile.polynomial) {  // E_(q+1)(y) / y = sum_{i <= q} (1 - y)^i: positive terms, no division
    const int p = profile.integer_exponent;
    Real power = 1, sum = 0;
    for (int i = 0; i < p; ++i) {
      sum += power;
      power *= one_minus_y;
    }
    v.power[0] = power;  // (1 - y)^p
    sum += power;        // sum_{i <= p}
    v.power[1] = power * one_minus_y;
    v.kernel[0] = sum / (2 * static_cast<Real>(p + 1));
    v.kernel[1] = (sum + v.power[1]) / (2 * static_cast<Real>(p + 2));
    return v;
  }
  if (profile.half_integer) {
    // p = k + 1/2: (1 - y)^p = (1 - y)^k sqrt(1 - y), and with a = (1 - y)^(q+1),
    // E_(q+1)(y) / y = (1 - a^2) / (y (1 + a)) = sum_{i < 2q+2} (1 - y)^i / (1 + a): one square root, no cancellation
    const int k = static_cast<int>(profile.exponent);
    const Real root = std::sqrt(one_minus_y);
    Real power = 1;
    for (int i = 0; i < k; ++i) power *= one_minus_y;
    v.power[0] = power * root;
    v.power[1] = v.power[0] * one_minus_y;
    Real sum = 0, term = 1;
    for (int i = 0; i < 2 * k + 3; ++i) {  // sum_{i < 2p+2}, 2p + 2 = 2k + 3
      sum += term;
      term *= one_minus_y;
    }
    v.kernel[0] = sum / ((1 + v.power[1]) * (2 * profile.exponent + 2));  // a = (1 - y)^(p+1)
    sum += term + term * one_minus_y;                                      // sum_{i < 2p+4}
    v.kernel[1] = sum / ((1 + v.power[1] * one_minus_y) * (2 * profile.exponent + 4));
    return v;
  }
  const Real p = profile.exponent;
  const bool near_centre = y < 0.5L;
  const Real log_rest = near_centre ? std::log1p(-y) : std::log(one_minus_y);
  v.power[0] = p == 0 ? Real(1) : std::exp(p * log_rest);
  v.power[1] = v.power[0] * one_minus_y;
  for (std::size_t j = 0; j < 2; ++j) {
    const Real q1 = p + 1 + static_cast<Real>(j);
    const Real e = near_centre ? -std::expm1(q1 * log_rest) : 1 - v.power[j] * one_minus_y;
    v.kernel[j] = y > 0 ? e / (2 * q1 * y) : 0.5L;
  }
  return v;
}

/// Gauss-Legendre points in s for a piece of width w at distance gap >= w from the front: with t = 1 + 2 gap / w the
/// Bernstein parameter is rho = t + sqrt(t^2 - 1) >= 5.8, and 4 rho^(1-2n)/(rho - 1) <= 1e-20 (extended precision)
/// needs about 46 / (2 ln rho) + 1 points; two more for the growth of the kernels on the ellipse.
int interior_points(Real gap, Real width) {
  const double t = 1.0 + 2.0 * static_cast<double>(gap / width);
  const double rho = t + std::sqrt(t * t - 1.0);
  return std::clamp(static_cast<int>(std::ceil(46.0 / (2.0 * std::log(rho)))) + 3, 4, kMaxRulePoints);
}

/// Calls node(s, root2, weight) for a quadrature of int_{s_lo}^{s_hi} g(s) ds over a piece of the chord
/// [-s_c, s_c], with root2 = s_c^2 - s^2 formed without cancellation and the weight including ds/dpsi.
/// For an integer p every integrand is a polynomial in s of degree <= 2p + 4 (the 2D kernels are sums of powers of
/// 1 - rho^2/A; the 3D mass kernel is [P(h^2 + rho^2) - P(h^2)] / rho^2 with P = F_1 - F_2/t a polynomial in t^2), so
/// p + 3 Gauss-Legendre points in s are exact; otherwise the angle psi of s = -s_c cos(psi) is used.
template <class Node>
void chord_quadrature(const RadialProfile& profile, Real s_c, Real s_lo, Real s_hi, Node&& node) {
  if (profile.polynomial) {
    const ExtendedRule1D& rule = gauss_legendre_extended(profile.integer_exponent + 3);
    const Real width = s_hi - s_lo;
    for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
      const Real s = s_lo + width * rule.nodes[i];
      node(s, (s_c - s) * (s_c + s), width * rule.weights[i]);
    }
    return;
  }
  // A piece at least its own length away from both crossings: the integrand is analytic in s on a Bernstein ellipse
  // of parameter >= 3 + sqrt 8, and Gauss-Legendre in s (no trigonometric functions) reaches extended round-off.
  const Real gap = std::min(s_lo + s_c, s_c - s_hi);
  if (gap >= s_hi - s_lo) {
    const Real width = s_hi - s_lo;
    const ExtendedRule1D& rule = gauss_legendre_extended(interior_points(gap, width));
    for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
      const Real s = s_lo + width * rule.nodes[i];
      node(s, (s_c - s) * (s_c + s), width * rule.weights[i]);
    }
    return;
  }
  const bool analytic = profile.analytic_in_angle;
  const Real p = profile.exponent;
  const Real psi_lo = std::acos(std::clamp(-s_lo / s_c, Real(-1), Real(1)));  // s = -s_c cos(psi)
  const Real chi_hi = std::acos(std::clamp(s_hi / s_c, Real(-1), Real(1)));   // pi - psi at s_hi
  const Real psi_hi = kPi - chi_hi;
  if (!(psi_hi > psi_lo)) return;
  const auto emit = [&](Real psi, Real chi, Real w) {  // chi = pi - psi; use the smaller for accuracy
    const bool left = psi <= chi;
    const Real sine = std::sin(left ? psi : chi);
    const Real s = left ? -s_c * std::cos(psi) : s_c * std::cos(chi);
    const Real root = s_c * sine;
    node(s, root * root, w * root);
  };
  const auto plain = [&](Real from, Real to, Real chi_to) {  // Gauss-Legendre on [from, to], chi_to = pi - to
    const int needed = chord_points(p, to - from);
    const int pieces = (needed + kMaxRulePoints - 1) / kMaxRulePoints;
    const ExtendedRule1D& rule = gauss_legendre_extended((needed + pieces - 1) / pieces);
    const Real width = (to - from) / static_cast<Real>(pieces);
    for (int piece = 0; piece < pieces; ++piece) {
      const Real a = from + width * static_cast<Real>(piece);
      const Real chi_b = chi_to + width * static_cast<Real>(pieces - 1 - piece);  // pi - (a + width)
      for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
        const Real t = rule.nodes[i];
        const Real t_rest = rule.nodes[rule.nodes.size() - 1 - i];  // 1 - t (the nodes are symmetric)
        emit(a + width * t, chi_b + width * t_rest, width * rule.weights[i]);
      }
    }
  };
  if (analytic) {
    plain(psi_lo, psi_hi, chi_hi);
    return;
  }
  // Grade toward an end of the chord only when the piece comes within half its width of it; elsewhere the front is
  // far enough for the plain rule (Bernstein parameter >= 2 + sqrt 3 in psi).
  const Real width = psi_hi - psi_lo;
  const bool near_lo = psi_lo < width / 2;
  const bool near_hi = chi_hi < width / 2;
  if (!near_lo && !near_hi) {
    plain(psi_lo, psi_hi, chi_hi);
    return;
  }
  const Real half = kPi / 2;
  const auto graded_to_zero = [&](Real from, Real to) {  // psi in [from, to], psi = to sigma^3
    const ExtendedRule1D& rule = gauss_legendre_extended(std::min(kMaxRulePoints, chord_points(p, to) + kGradedExtraPoints));
    const Real sigma_min = std::cbrt(from / to);
    for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
      const Real sigma = sigma_min + (1 - sigma_min) * rule.nodes[i];
      const Real psi = to * sigma * sigma * sigma;
      emit(psi, kPi - psi, (1 - sigma_min) * rule.weights[i] * 3 * to * sigma * sigma);
    }
  };
  const auto graded_to_pi = [&](Real chi_from, Real chi_to) {  // chi = pi - psi in [chi_from, chi_to]
    const ExtendedRule1D& rule =
        gauss_legendre_extended(std::min(kMaxRulePoints, chord_points(p, chi_to) + kGradedExtraPoints));
    const Real sigma_min = std::cbrt(chi_from / chi_to);
    for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
      const Real sigma = sigma_min + (1 - sigma_min) * rule.nodes[i];
      const Real chi = chi_to * sigma * sigma * sigma;
      emit(kPi - chi, chi, (1 - sigma_min) * rule.weights[i] * 3 * chi_to * sigma * sigma);
    }
  };
  if (near_lo && near_hi) {  // the piece spans most of the chord: split at psi = pi/2
    graded_to_zero(psi_lo, std::min(psi_hi, half));
    if (psi_hi > half) graded_to_pi(chi_hi, std::min(kPi - psi_lo, half));
  } else if (near_lo) {
    graded_to_zero(psi_lo, psi_hi);
  } else {
    graded_to_pi(chi_hi, kPi - psi_lo);
  }
}

/// The angle subtended at the foot by the piece [s1, s2] of a line at signed distance h: atan(s2/h) - atan(s1/h).
Real angle(Real h, Real s1, Real s2) { return std::atan2(h * (s2 - s1), h * h + s1 * s2); }

/// J = h' int_{s1}^{s2} ds / (rho^2 T), rho^2 = h'^2 + s^2, T^2 = h^2 + rho^2.
Real inverse_cube_flux(Real h, Real hp, Real s1, Real s2) {
  const Real b2 = h * h + hp * hp;
  const Real w1 = std::sqrt(b2 + s1 * s1);
  const Real w2 = std::sqrt(b2 + s2 * s2);
  // s2 w1 - s1 w2 without cancellation when s1 and s2 have one sign: (s2^2 - s1^2) b^2 / (s2 w1 + s1 w2).
  const Real product = s1 * s2 > 0 ? (s2 - s1) * (s2 + s1) * b2 / (s2 * w1 + s1 * w2) : s2 * w1 - s1 * w2;
  const Real x = hp * product;
  const Real z = hp * hp * w1 * w2 + h * h * s1 * s2;
  const Real ah = std::abs(h);
  if (ah * std::abs(x) <= 1e-8L * std::abs(z) && z > 0) {  // atan(e)/e = 1 - e^2/3 + O(e^4), e <= 1e-8
    const Real ratio = x / z;
    return ratio * (1 - (ah * ratio) * (ah * ratio) / 3);
  }
  return std::atan2(ah * x, z) / ah;
}

/// Splits the edge piece [sa, sb] of a line at distance |hp| < rho_s from the foot into the part inside the circle of
/// radius rho_s (chord half-length s_c) and the parts outside; calls inside(s_c, lo, hi) and outside(s1, s2).
template <class Inside, class Outside>
void split_at_circle(Real rho_s, Real hp, Real sa, Real sb, Inside&& inside, Outside&& outside) {
  const Real ahp = std::abs(hp);
  if (!(ahp < rho_s)) {
    outside(sa, sb);
    return;
  }
  const Real s_c = std::sqrt((rho_s - ahp) * (rho_s + ahp));
  const Real lo = std::max(sa, -s_c);
  const Real hi = std::min(sb, s_c);
  if (hi > lo) {
    inside(s_c, lo, hi);
    if (sa < lo) outside(sa, lo);
    if (sb > hi) outside(hi, sb);
  } else {
    outside(sa, sb);
  }
}

void shift_to_seed(const RadialProfile& profile, Real mass, const Point& first_c, Real second_c, const Point3& y,
                   CellIntegrals& out) {
  Point a{};
  for (int k = 0; k < profile.dimension; ++k) a[k] = static_cast<Real>(y[k]) - profile.centre[k];
  out.mass = static_cast<double>(mass);
  for (int k = 0; k < 3; ++k) out.first[k] = static_cast<double>(first_c[k] - a[k] * mass);
  out.second = static_cast<double>(second_c - 2 * dot(a, first_c) + dot(a, a) * mass);
}

void divergence_2d(const RadialProfile& profile, const ConvexCell& cell, const Point3& y, CellIntegrals& out) {
  const Real R = profile.radius;
  const Real R2 = R * R;
  const Real p = profile.exponent;
  std::array<Real, 2> mass{};
  Point psi_flux{};
  const Point centre = extend(profile.centre);
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    const auto& loop = cell.facets[f].vertices;
    const Point a = minus(extend(cell.vertices[static_cast<std::size_t>(loop[0])]), centre);
    const Point b = minus(extend(cell.vertices[static_cast<std::size_t>(loop[1])]), centre);
    const Real length = std::hypot(b[0] - a[0], b[1] - a[1]);
    if (!(length > 0)) continue;
    const Real tx = (b[0] - a[0]) / length, ty = (b[1] - a[1]) / length;
    const Real h = ty * a[0] - tx * a[1];  // outward normal (ty, -tx) of a counter-clockwise boundary
    const Real sa = tx * a[0] + ty * a[1];
    const Real sb = tx * b[0] + ty * b[1];
    std::array<Real, 2> edge_mass{};
    std::array<Real, 2> line{};
    split_at_circle(
        R, h, sa, sb,
        [&](Real s_c, Real lo, Real hi) {
          chord_quadrature(profile, s_c, lo, hi, [&](Real s, Real root2, Real w) {
            const ProfileAt v = profile_at(profile, (h * h + s * s) / R2, root2 / R2);
            for (std::size_t j = 0; j < 2; ++j) {
              edge_mass[j] += h * w * v.kernel[j];
              line[j] += w * v.power[j];
            }
          });
        },
        [&](Real s1, Real s2) {
          const Real theta = angle(h, s1, s2);
          for (std::size_t j = 0; j < 2; ++j) edge_mass[j] += R2 / (2 * (p + 1 + static_cast<Real>(j))) * theta;
        });
    for (std::size_t j = 0; j < 2; ++j) mass[j] += edge_mass[j];
    out.facet_mass[f] = static_cast<double>(profile.normalization * line[0]);
    psi_flux[0] += ty * line[1];
    psi_flux[1] -= tx * line[1];
  }
  const Real K = profile.normalization;
  const Real m = K * mass[0];
  const Real psi_factor = -K * R2 / (2 * (p + 1));
  const Point first_c{psi_factor * psi_flux[0], psi_factor * psi_flux[1], 0};
  shift_to_seed(profile, m, first_c, R2 * K * (mass[0] - mass[1]), y, out);
}

/// The 3D constants of one face: its plane's distance from c and the radial integrals that depend only on it.
struct FaceConstants {
  Real h = 0, ah = 0;
  bool disc = false;      // the plane cuts the ball: A = R^2 - h^2 > 0
  Real A = 0, rho_s = 0;
  std::array<Real, 2> scale{};       // (A/R^2)^(p+q)
  std::array<Real, 2> f2_over_h{};   // F_2^(p+q)(|h|) / |h|
  std::array<Real, 2> f2_tail_h{};   // int_|h|^R s^2 f_(p+q) (Gauss-Jacobi route only)
  std::array<Real, 2> outside{};     // F_1(R) - F_1(|h|) + F_2(|h|)/|h|
};

/// x^p for a non-integer p: a square root times an integer power when p is a half-integer.
double fractional_power(const RadialProfile& profile, double x) {
  if (!profile.half_integer) return std::pow(x, profile.exponent);
  double result = std::sqrt(x);
  for (int i = 0; i < static_cast<int>(profile.exponent); ++i) result *= x;
  return result;
}

/// int_a^R s^2 (1 - s^2/R^2)^(p+q) ds for q = 0, 1 by the Gauss-Jacobi rule of weight (1-t)^p; rest = R - a.
/// These inner integrals (non-integer p only) are positive sums and run in double: they enter the 3D mass kernel
/// with relative error ~1e-16, against which the facet sums' cancellation, (size of the cell's distance from c over
/// its size) for the mass, is modest in 3D.
std::array<Real, 2> tail_f2(const RadialProfile& profile, Real a, Real rest) {
  const double R = static_cast<double>(profile.radius);
  const double p = profile.exponent;
  const double start = static_cast<double>(a), length = static_cast<double>(rest);
  const Rule1D& rule = profile.jacobi_double;
  double sum0 = 0, sum1 = 0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double t = rule.nodes[i];
    const double s = start + length * t;
    const double outer = (R + s) / R;
    const double base = rule.weights[i] * s * s * fractional_power(profile, outer);
    sum0 += base;
    sum1 += base * (1 - t) * outer;
  }
  const double ratio = length / R;
  const double lead = R * std::pow(ratio, p + 1);
  return {lead * sum0, lead * ratio * sum1};
}

/// (1/(b - a)) int_a^b s^2 (1 - s^2/R^2)^(p+q) ds by Gauss-Legendre with `points` points, q = 0, 1 (exact for an
/// integer p with p + 3 points; in double otherwise, see tail_f2).
std::array<Real, 2> mean_f2(const RadialProfile& profile, Real a, Real b, int points) {
  if (profile.polynomial) {
    const Real R = profile.radius;
    const ExtendedRule1D& rule = gauss_legendre_extended(points);
    Real sum0 = 0, sum1 = 0;
    for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
      const Real s = a + (b - a) * rule.nodes[i];
      const Real rest = (R - s) * (R + s) / (R * R);
      const Real base = rule.weights[i] * s * s * power(rest, profile.integer_exponent);
      sum0 += base;
      sum1 += base * rest;
    }
    return {sum0, sum1};
  }
  const double R = static_cast<double>(profile.radius);
  const double start = static_cast<double>(a), length = static_cast<double>(b - a);
  const Rule1D& rule = gauss_legendre(points);
  double sum0 = 0, sum1 = 0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double s = start + length * rule.nodes[i];
    const double rest = (R - s) * (R + s) / (R * R);
    const double base = rule.weights[i] * s * s * fractional_power(profile, rest);
    sum0 += base;
    sum1 += base * rest;
  }
  return {sum0, sum1};
}

/// Gauss-Legendre points for an inner integral over an interval of length `span` whose nearest singularity (the front)
/// lies `rest` beyond its end: the Bernstein parameter is t + sqrt(t^2 - 1), t = 1 + 2 rest/span, and 4 rho^(1-2n)/(rho-1)
/// <= 1e-17 needs about 39.1 / (2 ln rho) + 1 points.
int inner_points(Real rest, Real span) {
  const double t = 1.0 + 2.0 * static_cast<double>(rest / span);
  const double rho = t + std::sqrt(t * t - 1.0);
  const int n = static_cast<int>(std::ceil(39.1 / (2.0 * std::log(rho)))) + 1;
  return std::clamp(n, 2, kRadialInnerPoints);
}

FaceConstants face_constants(const RadialProfile& profile, Real h) {
  const Real R = profile.radius;
  const Real R2 = R * R;
  const Real p = profile.exponent;
  FaceConstants c;
  c.h = h;
  c.ah = std::abs(h);
  c.disc = c.ah < R;
  const Real R3 = R2 * R;
  if (!c.disc) {
    for (std::size_t q = 0; q < 2; ++q) {
      c.f2_over_h[q] = R3 * profile.f2_total[q] / c.ah;
      c.outside[q] = c.f2_over_h[q];
    }
    return c;
  }
  c.A = (R - c.ah) * (R + c.ah);
  c.rho_s = std::sqrt(c.A);
  const Real ratio = c.A / R2;
  const int poly_points = profile.integer_exponent + 3;  // degree 2(p+1) + 2 exactly
  std::array<Real, 2> f2_over_h{};
  if (profile.polynomial) {
    f2_over_h = mean_f2(profile, 0, c.ah, poly_points);
  } else {
    c.f2_tail_h = tail_f2(profile, c.ah, R - c.ah);
    if (R - c.ah >= c.ah) {
      f2_over_h = mean_f2(profile, 0, c.ah, inner_points(R - c.ah, c.ah));
    } else {
      for (std::size_t q = 0; q < 2; ++q) f2_over_h[q] = (R3 * profile.f2_total[q] - c.f2_tail_h[q]) / c.ah;
    }
  }
  for (std::size_t q = 0; q < 2; ++q) {
    const Real qq = p + static_cast<Real>(q);
    c.scale[q] = std::pow(ratio, qq);
    c.f2_over_h[q] = c.ah > 0 ? f2_over_h[q] : Real(0);  // mean over [0, |h|] = F_2(|h|)/|h|
    c.outside[q] = R2 / (2 * (qq + 1)) * c.scale[q] * ratio + c.f2_over_h[q];
  }
  return c;
}

/// The 3D mass kernels Gh for q = 0, 1 at an in-plane point at distance rho from the foot (rho^2 = rho2), inside the
/// circle: v is the 2D profile there, root2 = A - rho^2.
std::array<Real, 2> mass_kernel_3d(const RadialProfile& profile, const FaceConstants& c, const ProfileAt& v,
                                     Real rho2, Real root2) {
  const Real R = profile.radius;
  const Real T = std::sqrt(c.h * c.h + rho2);
  const Real rest = root2 / (R + T);  // R - T without cancellation
  const Real span = rho2 / (T + c.ah);  // T - |h|
  std::array<Real, 2> mean{};
  if (profile.polynomial) {
    mean = mean_f2(profile, c.ah, T, profile.integer_exponent + 3);
  } else if (rest >= span) {
    mean = mean_f2(profile, c.ah, T, inner_points(rest, span));
  } else {
    const std::array<Real, 2> tail = tail_f2(profile, T, rest);
    for (std::size_t q = 0; q < 2; ++q) mean[q] = (c.f2_tail_h[q] - tail[q]) / span;
  }
  const Real denominator = T * (T + c.ah);
  std::array<Real, 2> kernel{};
  for (std::size_t q = 0; q < 2; ++q) kernel[q] = c.scale[q] * v.kernel[q] + (c.f2_over_h[q] - mean[q]) / denominator;
  return kernel;
}

void divergence_3d(const RadialProfile& profile, const ConvexCell& cell, const Point3& y, CellIntegrals& out) {
  const Real R = profile.radius;
  const Real R2 = R * R;
  const Real p = profile.exponent;
  static thread_local std::vector<Point> u;
  u.resize(cell.vertices.size());
  const Point centre = extend(profile.centre);
  for (std::size_t v = 0; v < u.size(); ++v) u[v] = minus(extend(cell.vertices[v]), centre);
  const auto at = [](int v) { return static_cast<std::size_t>(v); };
  std::array<Real, 2> mass{};
  Point psi_flux{};
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    const auto& loop = cell.facets[f].vertices;
    const std::size_t m = loop.size();
    Point area{};
    for (std::size_t k = 1; k + 1 < m; ++k) {
      const Point t = cross(minus(u[at(loop[k])], u[at(loop[0])]), minus(u[at(loop[k + 1])], u[at(loop[0])]));
      for (int j = 0; j < 3; ++j) area[j] += t[j];
    }
    const Real area_norm = norm(area);
    out.facet_mass[f] = 0.0;
    if (!(area_norm > 0)) continue;
    const Point n{area[0] / area_norm, area[1] / area_norm, area[2] / area_norm};
    Real h = 0;
    for (int v : loop) h += dot(n, u[at(v)]);
    h /= static_cast<Real>(m);
    const FaceConstants c = face_constants(profile, h);
    std::array<Real, 2> plane_mass{};  // sum_e h' int Gh of the 2D profiles (1 - rho^2/A)^(p+q)
    std::array<Real, 2> cone_mass{};   // sum_e h' int Gh of the 3D mass kernels
    const bool need_mass = h != 0;
    for (std::size_t k = 0; k < m; ++k) {
      const Point& a = u[at(loop[k])];
      const Point& b = u[at(loop[(k + 1) % m])];
      const Point e = minus(b, a);
      const Real length = norm(e);
      if (!(length > 0)) continue;
      const Point t{e[0] / length, e[1] / length, e[2] / length};
      const Point nu = cross(t, n);  // in-plane outward normal of a loop counter-clockwise about n
      const Real hp = dot(nu, a);
      const Real sa = dot(t, a);
      const Real sb = dot(t, b);
      const auto outside = [&](Real s1, Real s2) {
        const Real theta = angle(hp, s1, s2);
        if (c.disc)
          for (std::size_t q = 0; q < 2; ++q) plane_mass[q] += c.A / (2 * (p + 1 + static_cast<Real>(q))) * theta;
        if (need_mass) {
          const Real flux = inverse_cube_flux(h, hp, s1, s2);
          for (std::size_t q = 0; q < 2; ++q) cone_mass[q] += c.outside[q] * theta - R2 * R * profile.f2_total[q] * flux;
        }
      };
      if (!c.disc) {
        outside(sa, sb);
        continue;
      }
      split_at_circle(
          c.rho_s, hp, sa, sb,
          [&](Real s_c, Real lo, Real hi) {
            chord_quadrature(profile, s_c, lo, hi, [&](Real s, Real root2, Real w) {
              const Real rho2 = hp * hp + s * s;
              const ProfileAt v = profile_at(profile, rho2 / c.A, root2 / c.A);
              for (std::size_t q = 0; q < 2; ++q) plane_mass[q] += hp * w * v.kernel[q];
              if (need_mass) {
                const std::array<Real, 2> kernel = mass_kernel_3d(profile, c, v, rho2, root2);
                for (std::size_t q = 0; q < 2; ++q) cone_mass[q] += hp * w * kernel[q];
              }
            });
          },
          outside);
    }
    for (std::size_t q = 0; q < 2; ++q) mass[q] += h * cone_mass[q];
    if (c.disc) {
      out.facet_mass[f] = static_cast<double>(profile.normalization * c.scale[0] * plane_mass[0]);
      const Real psi_integral = -R2 / (2 * (p + 1)) * c.scale[1] * plane_mass[1];
      for (int j = 0; j < 3; ++j) psi_flux[j] += n[j] * psi_integral;
    }
  }
  const Real K = profile.normalization;
  const Point first_c{K * psi_flux[0], K * psi_flux[1], K * psi_flux[2]};
  shift_to_seed(profile, K * mass[0], first_c, R2 * K * (mass[0] - mass[1]), y, out);
}

}  // namespace

void radial_divergence_integrate(const RadialProfile& profile, const ConvexCell& cell, const Point3& y,
                                 CellIntegrals& out) {
  if (cell.dimension == 2) {
    divergence_2d(profile, cell, y, out);
  } else {
    divergence_3d(profile, cell, y, out);
  }
}

}  // namespace blobflow::analysis::detail
