// RadialPowerLaw (law_nd.hpp): rho = K (1 - |x - c|^2/R^2)_+^p, the Barenblatt and uniform-ball laws of semi-discrete
// optimal transport (docs/math.md §6.1). K = Gamma(p + 1 + d/2) / (pi^(d/2) Gamma(p + 1) R^d) from the beta integral
// int_{|u|<R} (1 - |u|^2/R^2)^p du = pi^(d/2) R^d Gamma(p + 1) / Gamma(p + 1 + d/2). A cell is integrated by
//   - 1D: Gauss-Legendre on the interval cut to [-R, R] and split at c (exact for integer p with p + 2 points); for
//     other p a piece reaching the front, or closer to it than its own length, goes through the Gauss-Jacobi rule of
//     weight (R - |s|)^p (int_a^b = int_a^R - int_b^R), which leaves an analytic factor singular only at the far end;
//   - a cell inside the closed ball, p an integer: the fan of simplices and the collapsed Gauss rule of degree
//     2p + 3 (exact), facets with the rule of degree 2p + 1;
//   - otherwise: the divergence theorem (radial_front.cpp).
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "blobflow/analysis/law_nd.hpp"
#include "cell_quadrature.hpp"
#include "describe.hpp"
#include "radial_front.hpp"

namespace blobflow::analysis {

struct RadialPowerLaw::Data {
  detail::RadialProfile profile;
};

namespace {

using detail::describe;

/// Accumulates the moments about y of point values in 1D.
struct LineSums {
  double y;
  double mass = 0.0, first = 0.0, second = 0.0;
  void add(double x, double weighted_density) {
    const double d = x - y;
    mass += weighted_density;
    first += weighted_density * d;
    second += weighted_density * d * d;
  }
};

double profile_power(const detail::RadialProfile& profile, double rest) {
  return profile.polynomial ? detail::integer_power(rest, profile.integer_exponent) : std::pow(rest, profile.exponent);
}

/// Adds sign * int_a^R g(c + mirror s) K (1 - s^2/R^2)^p ds for 0 <= a < R by the Gauss-Jacobi rule; mirror = +-1.
void add_jacobi_tail(const detail::RadialProfile& profile, double a, double mirror, double sign, LineSums& sums) {
  const double R = profile.radius;
  const double p = profile.exponent;
  const double rest = R - a;
  const double lead = sign * profile.normalization * rest * std::pow(rest / R, p);
  const detail::ExtendedRule1D& rule = profile.jacobi;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double s = a + rest * static_cast<double>(rule.nodes[i]);
    sums.add(profile.centre[0] + mirror * s, lead * static_cast<double>(rule.weights[i]) * std::pow((R + s) / R, p));
  }
}

/// Adds int over [a, b] (0 <= a < b <= R, in the mirrored coordinate s, x = c + mirror s).
void add_half_interval(const detail::RadialProfile& profile, double a, double b, double mirror, LineSums& sums) {
  const double R = profile.radius;
  const auto legendre = [&](int points) {
    const detail::Rule1D& rule = detail::gauss_legendre(points);
    for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
      const double s = a + (b - a) * rule.nodes[i];
      const double rest = (R - s) * (R + s) / (R * R);
      sums.add(profile.centre[0] + mirror * s,
               (b - a) * rule.weights[i] * profile.normalization * profile_power(profile, rest));
    }
  };
  if (profile.polynomial) {
    legendre(profile.integer_exponent + 2);
  } else if (b >= R) {
    add_jacobi_tail(profile, a, mirror, 1.0, sums);
  } else if (R - b < b - a) {
    add_jacobi_tail(profile, a, mirror, 1.0, sums);
    add_jacobi_tail(profile, b, mirror, -1.0, sums);
  } else {
    legendre(detail::kRadialInnerPoints);  // the front is at least one length away: Bernstein parameter >= 5.8
  }
}

void integrate_1d(const RadialPowerLaw& law, const detail::RadialProfile& profile, const ConvexCell& cell,
                  const Point3& y, CellIntegrals& out) {
  for (std::size_t f = 0; f < cell.facets.size(); ++f)
    out.facet_mass[f] = law.density(cell.vertices[static_cast<std::size_t>(cell.facets[f].vertices[0])]);
  const double c = profile.centre[0];
  const double R = profile.radius;
  const double x0 = cell.vertices[static_cast<std::size_t>(cell.facets[0].vertices[0])][0];
  const double x1 = cell.vertices[static_cast<std::size_t>(cell.facets[1].vertices[0])][0];
  const double a = std::max(std::min(x0, x1) - c, -R);
  const double b = std::min(std::max(x0, x1) - c, R);
  LineSums sums{y[0]};
  if (b > a) {
    if (b > 0.0) add_half_interval(profile, std::max(a, 0.0), b, 1.0, sums);
    if (a < 0.0) add_half_interval(profile, std::max(-b, 0.0), -a, -1.0, sums);
  }
  out.mass = sums.mass;
  out.first = {sums.first, 0.0, 0.0};
  out.second = sums.second;
}

void integrate_polynomial(const detail::RadialProfile& profile, const ConvexCell& cell, const Point3& y,
                          CellIntegrals& out) {
  const int p = profile.integer_exponent;
  const double inv_r2 = 1.0 / (profile.radius * profile.radius);
  const Point3& c = profile.centre;
  const double K = profile.normalization;
  const auto density = [&](const Point3& x) {
    const Point3 u = detail::sub3(x, c);
    return K * detail::integer_power(1.0 - detail::dot3(u, u) * inv_r2, p);
  };
  const detail::SimplexRule& rule = detail::simplex_rule(cell.dimension, p + 2);
  detail::MomentSums sums;
  detail::for_each_simplex(cell, [&](const detail::Simplex& s) {
    detail::add_simplex_moments(s, rule, y, [&](const Point3& x, const Point3&) { return density(x); }, sums);
  });
  detail::store_moments(sums, out);
  const detail::SimplexRule& facet_rule = detail::simplex_rule(cell.dimension - 1, p + 1);
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    double sum = 0.0;
    detail::for_each_facet_simplex(cell, cell.facets[f],
                                   [&](const detail::Simplex& s) { sum += detail::simplex_integral(s, facet_rule, density); });
    out.facet_mass[f] = sum;
  }
}

}  // namespace

RadialPowerLaw::RadialPowerLaw(int dimension, const Point3& centre, double radius, double exponent)
    : d_(dimension), centre_{}, radius_(radius), p_(exponent), normalization_(0.0) {
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument(describe("RadialPowerLaw", "dimension", dimension, "must be 1, 2 or 3"));
  for (int k = 0; k < dimension; ++k) {
    if (!std::isfinite(centre[k]))
      throw std::invalid_argument(describe("RadialPowerLaw", "centre[" + std::to_string(k) + "]", centre[k], "must be finite"));
    centre_[k] = centre[k];
  }
  if (!(radius > 0.0) || !std::isfinite(radius))
    throw std::invalid_argument(describe("RadialPowerLaw", "radius", radius, "must be finite and > 0"));
  if (!(exponent >= 0.0) || !std::isfinite(exponent))
    throw std::invalid_argument(describe("RadialPowerLaw", "exponent", exponent, "must be finite and >= 0"));
  // An exponent within kExponentSnap (relative) of an integer or half-integer is that number: 1/(m-1) for m = 4/3
  // is 3 + 7e-16, and the density changes by less than round-off.
  const double doubled = std::round(2.0 * exponent);
  if (std::abs(2.0 * exponent - doubled) <= kExponentSnap * std::max(1.0, exponent)) p_ = exponent = 0.5 * doubled;
  const double half_d = 0.5 * dimension;
  normalization_ = 1.0 / (std::pow(std::numbers::pi, half_d) * std::pow(radius, dimension) *
                          boost::math::tgamma_delta_ratio(exponent + 1.0, half_d));
  data_ = std::make_unique<Data>();
  detail::RadialProfile& profile = data_->profile;
  profile.dimension = dimension;
  profile.centre = centre_;
  profile.radius = radius;
  profile.exponent = exponent;
  profile.normalization = normalization_;
  profile.polynomial = exponent == std::floor(exponent) && exponent <= kPolynomialMaxExponent;
  profile.integer_exponent = profile.polynomial ? static_cast<int>(exponent) : 0;
  profile.analytic_in_angle = 2.0 * exponent == std::floor(2.0 * exponent);
  profile.half_integer = profile.analytic_in_angle && exponent != std::floor(exponent);
  if (!profile.polynomial) {
    profile.jacobi = detail::gauss_jacobi_extended(detail::kRadialInnerPoints, exponent);
    profile.jacobi_double = detail::gauss_jacobi(detail::kRadialInnerPoints, exponent);
  }
  for (std::size_t q = 0; q < 2; ++q)
    profile.f2_total[q] = 0.5 * boost::math::beta(1.5, exponent + 1.0 + static_cast<double>(q));
}

RadialPowerLaw::~RadialPowerLaw() = default;
RadialPowerLaw::RadialPowerLaw(const RadialPowerLaw& other)
    : LawND(other),
      d_(other.d_),
      centre_(other.centre_),
      radius_(other.radius_),
      p_(other.p_),
      normalization_(other.normalization_),
      data_(std::make_unique<Data>(*other.data_)) {}
RadialPowerLaw& RadialPowerLaw::operator=(const RadialPowerLaw& other) {
  if (this != &other) {
    d_ = other.d_;
    centre_ = other.centre_;
    radius_ = other.radius_;
    p_ = other.p_;
    normalization_ = other.normalization_;
    data_ = std::make_unique<Data>(*other.data_);
  }
  return *this;
}

Box RadialPowerLaw::support_box() const {
  Box box{d_, {}, {}};
  for (int k = 0; k < d_; ++k) {
    box.lo[k] = centre_[k] - radius_;
    box.hi[k] = centre_[k] + radius_;
  }
  return box;
}

double RadialPowerLaw::density(const Point3& x) const {
  double r2 = 0.0;
  for (int k = 0; k < d_; ++k) r2 += (x[k] - centre_[k]) * (x[k] - centre_[k]);
  const double r = std::sqrt(r2);
  if (!(r < radius_)) return 0.0;
  const double rest = (radius_ - r) * (radius_ + r) / (radius_ * radius_);
  return normalization_ * profile_power(data_->profile, rest);
}

bool RadialPowerLaw::interior(const Point3& x) const {
  double r2 = 0.0;
  for (int k = 0; k < d_; ++k) r2 += (x[k] - centre_[k]) * (x[k] - centre_[k]);
  return r2 < radius_ * radius_;
}

double RadialPowerLaw::second_moment() const {
  const double d = static_cast<double>(d_);
  return d * radius_ * radius_ / (d + 2.0 * p_ + 2.0);
}

void RadialPowerLaw::integrate(const ConvexCell& cell, const Point3& seed, CellIntegrals& out) const {
  detail::check_cell_dimension("RadialPowerLaw::integrate", cell, d_);
  const Point3 y = detail::used_coordinates(seed, d_);
  out.facet_mass.assign(cell.facets.size(), 0.0);
  out.mass = out.second = 0.0;
  out.first = {};
  if (cell.empty()) return;
  const detail::RadialProfile& profile = data_->profile;
  if (d_ == 1) {
    integrate_1d(*this, profile, cell, y, out);
    return;
  }
  for (const auto& facet : cell.facets)
    if (detail::dot3(facet.normal, centre_) - facet.offset >= radius_) return;  // the cell lies outside the ball
  double r2_max = 0.0;
  for (const Point3& v : cell.vertices) {
    const Point3 u = detail::sub3(v, centre_);
    r2_max = std::max(r2_max, detail::dot3(u, u));
  }
  if (profile.polynomial && r2_max <= radius_ * radius_) {
    integrate_polynomial(profile, cell, y, out);
    return;
  }
  detail::radial_divergence_integrate(profile, cell, y, out);
}

RadialPowerLaw barenblatt_law(const Barenblatt& profile, double t) {
  if (profile.dimension() > 3)
    throw std::invalid_argument(describe("barenblatt_law", "profile.dimension()", profile.dimension(), "must be <= 3"));
  return RadialPowerLaw(profile.dimension(), Point3{}, profile.support_radius(t), 1.0 / (profile.m() - 1.0));
}

RadialPowerLaw confined_porous_medium_law(const ConfinedPorousMedium& solution, double t) {
  if (solution.dimension() > 3)
    throw std::invalid_argument(
        describe("confined_porous_medium_law", "solution.dimension()", solution.dimension(), "must be <= 3"));
  return RadialPowerLaw(solution.dimension(), Point3{}, solution.support_radius(t), 1.0 / (solution.m() - 1.0));
}

RadialPowerLaw uniform_ball_law(int dimension, const Point3& centre, double radius) {
  return RadialPowerLaw(dimension, centre, radius, 0.0);
}

}  // namespace blobflow::analysis
