// Exact solutions beyond the Barenblatt profile (exact_solutions.hpp): the heat kernel and the Gaussian solutions of
// the linear Fokker-Planck equation (docs/math.md §4.6), and the confined porous-medium solution of docs/math.md §4.5
// obtained from the Barenblatt profile of §4.1 by the change of variables rho(x, t) = e^(d t) U_M(e^t x, tau(t)).
// The Gaussian law's interval moments follow law1d.cpp: centred integrands about the interval's midpoint, so that the
// conditional mean and variance are built from small terms only; the density is factored as
// phi(z_near) exp(-(z - z_near)(z + z_near)/2) with z_near the point of the interval nearest the mean, so that far-tail
// intervals (where phi itself underflows) keep their conditional mean and variance.
#include "blobflow/analysis/exact_solutions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;

/// Gauss-Legendre nodes per panel of the Gaussian interval moments.
constexpr unsigned kGaussNodes = 20;
/// Standardized panels of width w are at most kPanelSpread / max(1, max |z|) wide, so the log-density
/// -(z^2)/2 changes by at most about kPanelSpread over a panel. The integrand exp(-(c + h xi)^2/2), h = w/2, is entire;
/// on the Bernstein ellipse of parameter 10 it grows by at most exp(10 kPanelSpread), so the 20-node error is below
/// 10^(-40) e^20 ~ 1e-31 relative: far under round-off.
constexpr double kPanelSpread = 2.0;
/// The standardized density is dropped where it is below exp(-kLogCut) times its value at the interval's point
/// nearest the mean: e^-80 ~ 2e-35, far below round-off relative to the retained mass.
constexpr double kLogCut = 80.0;

void check_dimension(const char* where, int dimension) {
  if (dimension < 1) throw std::invalid_argument(describe(where, "dimension", dimension, "must be >= 1"));
}

void check_positive(const char* where, const char* name, double value) {
  if (!(value > 0.0) || !std::isfinite(value))
    throw std::invalid_argument(describe(where, name, value, "must be finite and > 0"));
}

void check_time(const char* where, double t) {
  if (!(t >= 0.0) || !std::isfinite(t)) throw std::invalid_argument(describe(where, "t", t, "must be finite and >= 0"));
}

double squared_norm(const char* where, std::span<const double> x, int dimension) {
  if (x.size() != static_cast<std::size_t>(dimension))
    throw std::invalid_argument(describe(where, "x.size()", static_cast<double>(x.size()),
                                         "must equal the dimension " + std::to_string(dimension)));
  double r2 = 0.0;
  for (const double xi : x) r2 += xi * xi;
  return r2;
}

/// M (2 pi v)^(-d/2) exp(-r2/(2 v)), the isotropic Gaussian density of mass M and per-coordinate variance v.
double gaussian_density(int dimension, double mass, double variance, double r2) {
  const double d = static_cast<double>(dimension);
  return mass * std::pow(2.0 * std::numbers::pi * variance, -0.5 * d) * std::exp(-0.5 * r2 / variance);
}

/// The Barenblatt profile U_M (D = 1) of a ConfinedPorousMedium, its parameters checked under that class's name.
Barenblatt confined_profile(int dimension, double m, double mass) {
  constexpr const char* kWhere = "ConfinedPorousMedium";
  check_dimension(kWhere, dimension);
  if (!(m > 1.0) || !std::isfinite(m)) throw std::invalid_argument(describe(kWhere, "m", m, "must be > 1"));
  check_positive(kWhere, "mass", mass);
  return Barenblatt(dimension, m, mass, 1.0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
GaussianLaw1D::GaussianLaw1D(double mean, double std_dev) : mean_(mean), std_dev_(std_dev) {
  if (!std::isfinite(mean)) throw std::invalid_argument(describe("GaussianLaw1D", "mean", mean, "must be finite"));
  check_positive("GaussianLaw1D", "std_dev", std_dev);
}

double GaussianLaw1D::cdf(double x) const {
  if (std::isnan(x)) return x;
  // Phi(z) = erfc(-z/sqrt 2)/2: for z < 0 erfc of a positive argument gives the small left tail to full relative
  // accuracy; for z > 0 the result is 1 - (small right tail), correctly rounded.
  const double z = (x - mean_) / std_dev_;
  return 0.5 * boost::math::erfc(-z / std::numbers::sqrt2);
}

double GaussianLaw1D::quantile(double u) const {
  if (!(u >= 0.0 && u <= 1.0))
    throw std::invalid_argument(describe("GaussianLaw1D::quantile", "u", u, "must be in [0, 1]"));
  if (u == 0.0) return -std::numeric_limits<double>::infinity();
  if (u == 1.0) return std::numeric_limits<double>::infinity();
  // The nearer tail's mass min(u, 1-u) is exact in floating point (Sterbenz); its distance from the mean in standard
  // deviations is sqrt(2) erfc_inv(2 tail) >= 0, accurate down to tails of 1e-300.
  const double tail = std::min(u, 1.0 - u);
  const double z = std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * tail);
  return u < 0.5 ? mean_ - std_dev_ * z : mean_ + std_dev_ * z;
}

IntervalMoments GaussianLaw1D::moments(double a, double b) const {
  if (!(a <= b))
    throw std::invalid_argument(
        describe("GaussianLaw1D::moments", "a", a, "must be <= b = " + detail::format_value(b)));
  if (a == b) return {0.0, a, 0.0};
  const double s = std_dev_;
  // The point of [a, b] nearest the mean, in standard units, and how far from it the density stays above
  // exp(-kLogCut) of its value there: |z_near| r + r^2/2 = kLogCut, r = 2 kLogCut/(|z_near| + sqrt(z_near^2 + 2 kLogCut)).
  const double z_near = std::clamp(0.0, (a - mean_) / s, (b - mean_) / s);
  const double near_abs = std::abs(z_near);
  const double reach = 2.0 * kLogCut / (near_abs + std::sqrt(near_abs * near_abs + 2.0 * kLogCut));
  const double lo_x = std::max(a, mean_ + s * (z_near - reach));
  const double hi_x = std::min(b, mean_ + s * (z_near + reach));
  const double width_x = hi_x - lo_x;
  const double centre_x = lo_x + 0.5 * width_x;
  if (!(width_x > 0.0)) return {0.0, centre_x, 0.0};
  const double lo_z = (lo_x - mean_) / s;
  const double hi_z = (hi_x - mean_) / s;
  const double length = width_x / s;
  const double z_max = std::max({1.0, std::abs(lo_z), std::abs(hi_z)});
  const double n_panels_real = std::max(1.0, std::ceil(length * z_max / kPanelSpread));
  const int n_panels = static_cast<int>(n_panels_real);
  const double panel_width = length / n_panels_real;
  const double h = 0.5 * panel_width;
  const bool near_lo = lo_z >= 0.0;
  const bool near_hi = !near_lo && hi_z <= 0.0;
  const double z_ref = near_lo ? lo_z : (near_hi ? hi_z : 0.0);

  using Rule = boost::math::quadrature::gauss<double, kGaussNodes>;
  const auto& abscissa = Rule::abscissa();
  const auto& weights = Rule::weights();
  // Calls f(z - c, w_j exp(-(z^2 - z_ref^2)/2)) for each node z, c the centre of [lo_z, hi_z]. The exponent is the
  // product of z - z_ref and z + z_ref, each formed from the node's distance to the nearer end without cancellation.
  const auto for_each_node = [&](auto&& f) {
    for (int j = 0; j < n_panels; ++j) {
      const double panel_centre = (static_cast<double>(j) + 0.5) * panel_width;  // from lo_z
      const double centre_offset = static_cast<double>(2 * j + 1 - n_panels) * h;
      for (std::size_t k = 0; k < abscissa.size(); ++k) {
        const int n_signs = abscissa[k] == 0.0 ? 1 : 2;  // odd rules store the centre node once
        for (int sign = 0; sign < n_signs; ++sign) {
          const double xi = sign == 0 ? abscissa[k] : -abscissa[k];
          const double from_lo = panel_centre + h * xi;
          const double to_hi = (n_panels_real - static_cast<double>(j) - 0.5) * panel_width - h * xi;
          double exponent = 0.0;
          if (near_lo) {
            exponent = from_lo * (2.0 * lo_z + from_lo);
          } else if (near_hi) {
            exponent = to_hi * (to_hi - 2.0 * hi_z);
          } else {
            const double z = from_lo <= to_hi ? lo_z + from_lo : hi_z - to_hi;
            exponent = z * z;
          }
          f(centre_offset + h * xi, weights[k] * std::exp(-0.5 * exponent));
        }
      }
    }
  };
  double zeroth = 0.0;
  double first = 0.0;
  for_each_node([&](double offset, double value) {
    zeroth += value;
    first += value * offset;
  });
  const double shift = first / zeroth;
  // Second pass about the conditional mean: no cancellation between E[(z-c)^2] and shift^2 for skewed (tail) pieces.
  double second = 0.0;
  double residual = 0.0;
  for_each_node([&](double offset, double value) {
    const double deviation = offset - shift;
    residual += value * deviation;
    second += value * deviation * deviation;
  });
  const double residual_mean = residual / zeroth;
  IntervalMoments result;
  result.mass = std::min(1.0, std::exp(-0.5 * z_ref * z_ref) / std::sqrt(2.0 * std::numbers::pi) * h * zeroth);
  result.mean = centre_x + s * shift;
  result.variance = s * s * std::max(0.0, second / zeroth - residual_mean * residual_mean);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
HeatKernel::HeatKernel(int dimension, double mass, double diffusion_coefficient, double initial_std_dev)
    : d_(dimension), mass_(mass), diffusion_(diffusion_coefficient), s0_(initial_std_dev) {
  check_dimension("HeatKernel", dimension);
  check_positive("HeatKernel", "mass", mass);
  check_positive("HeatKernel", "diffusion_coefficient", diffusion_coefficient);
  if (!(initial_std_dev >= 0.0) || !std::isfinite(initial_std_dev))
    throw std::invalid_argument(describe("HeatKernel", "initial_std_dev", initial_std_dev, "must be finite and >= 0"));
}

double HeatKernel::variance(double t) const {
  check_time("HeatKernel", t);
  // docs/math.md §4.6: the heat semigroup convolves with N(0, 2 D t) per coordinate.
  const double v = s0_ * s0_ + 2.0 * diffusion_ * t;
  if (!(v > 0.0)) throw std::invalid_argument(describe("HeatKernel", "t", t, "must be > 0 for Dirac data (s0 = 0)"));
  return v;
}

double HeatKernel::density(std::span<const double> x, double t) const {
  const double r2 = squared_norm("HeatKernel::density", x, d_);
  return gaussian_density(d_, mass_, variance(t), r2);
}

double HeatKernel::second_moment(double t) const { return static_cast<double>(d_) * mass_ * variance(t); }

GaussianLaw1D HeatKernel::law(double t) const {
  if (d_ != 1) throw std::logic_error(describe("HeatKernel::law", "dimension", d_, "the law is defined in 1D only"));
  return GaussianLaw1D(0.0, std::sqrt(variance(t)));
}

// ---------------------------------------------------------------------------------------------------------------
LinearFokkerPlanck::LinearFokkerPlanck(int dimension, double mass, double initial_std_dev,
                                       std::span<const double> initial_mean)
    : d_(dimension), mass_(mass), s0_(initial_std_dev) {
  check_dimension("LinearFokkerPlanck", dimension);
  check_positive("LinearFokkerPlanck", "mass", mass);
  if (!(initial_std_dev >= 0.0) || !std::isfinite(initial_std_dev))
    throw std::invalid_argument(
        describe("LinearFokkerPlanck", "initial_std_dev", initial_std_dev, "must be finite and >= 0"));
  if (!initial_mean.empty() && initial_mean.size() != static_cast<std::size_t>(dimension))
    throw std::invalid_argument(describe("LinearFokkerPlanck", "initial_mean.size()",
                                         static_cast<double>(initial_mean.size()),
                                         "must be 0 or the dimension " + std::to_string(dimension)));
  mu0_.assign(static_cast<std::size_t>(dimension), 0.0);
  for (std::size_t i = 0; i < initial_mean.size(); ++i) {
    if (!std::isfinite(initial_mean[i]))
      throw std::invalid_argument(
          describe("LinearFokkerPlanck", "initial_mean[" + std::to_string(i) + "]", initial_mean[i], "must be finite"));
    mu0_[i] = initial_mean[i];
  }
}

double LinearFokkerPlanck::variance(double t) const {
  check_time("LinearFokkerPlanck", t);
  // docs/math.md §4.6: s^2(t) = 1 + (s0^2 - 1) e^(-2t) = s0^2 e^(-2t) + (1 - e^(-2t)); both terms >= 0, and
  // 1 - e^(-2t) = -expm1(-2t) keeps its relative accuracy for small t.
  const double v = s0_ * s0_ * std::exp(-2.0 * t) - std::expm1(-2.0 * t);
  if (!(v > 0.0))
    throw std::invalid_argument(describe("LinearFokkerPlanck", "t", t, "must be > 0 for Dirac data (s0 = 0)"));
  return v;
}

double LinearFokkerPlanck::mean(int i, double t) const {
  if (i < 0 || i >= d_)
    throw std::out_of_range(describe("LinearFokkerPlanck::mean", "i", i, "must be in [0, dimension)"));
  check_time("LinearFokkerPlanck", t);
  return mu0_[static_cast<std::size_t>(i)] * std::exp(-t);  // docs/math.md §4.6: the mean decays as e^(-t)
}

double LinearFokkerPlanck::density(std::span<const double> x, double t) const {
  squared_norm("LinearFokkerPlanck::density", x, d_);  // size check
  const double decay = std::exp(-t);
  double r2 = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double offset = x[i] - mu0_[i] * decay;
    r2 += offset * offset;
  }
  return gaussian_density(d_, mass_, variance(t), r2);
}

double LinearFokkerPlanck::second_moment(double t) const {
  double mean_squared = 0.0;
  for (const double mu : mu0_) mean_squared += mu * mu;
  return mass_ * (static_cast<double>(d_) * variance(t) + mean_squared * std::exp(-2.0 * t));
}

GaussianLaw1D LinearFokkerPlanck::law(double t) const {
  if (d_ != 1)
    throw std::logic_error(describe("LinearFokkerPlanck::law", "dimension", d_, "the law is defined in 1D only"));
  return GaussianLaw1D(mean(0, t), std::sqrt(variance(t)));
}

// ---------------------------------------------------------------------------------------------------------------
ConfinedPorousMediumLaw1D::ConfinedPorousMediumLaw1D(const Barenblatt& profile, double tau, double scale)
    : law_(profile, tau), scale_(scale) {
  check_positive("ConfinedPorousMediumLaw1D", "scale", scale);
}

double ConfinedPorousMediumLaw1D::cdf(double x) const { return law_.cdf(x / scale_); }

double ConfinedPorousMediumLaw1D::quantile(double u) const { return scale_ * law_.quantile(u); }

IntervalMoments ConfinedPorousMediumLaw1D::moments(double a, double b) const {
  if (!(a <= b))
    throw std::invalid_argument(
        describe("ConfinedPorousMediumLaw1D::moments", "a", a, "must be <= b = " + detail::format_value(b)));
  // X = scale Y: the probability of [a, b] is that of [a/scale, b/scale] for Y; the mean scales by `scale` and the
  // variance by its square.
  const IntervalMoments inner = law_.moments(a / scale_, b / scale_);
  return {inner.mass, scale_ * inner.mean, scale_ * scale_ * inner.variance};
}

// ---------------------------------------------------------------------------------------------------------------
ConfinedPorousMedium::ConfinedPorousMedium(int dimension, double m, double mass, double tau0)
    : profile_(confined_profile(dimension, m, mass)), tau0_(tau0) {
  check_positive("ConfinedPorousMedium", "tau0", tau0);
  const double d = static_cast<double>(dimension);
  const double half_d = 0.5 * d;
  const double p = 1.0 / (m - 1.0);
  lambda_ = d * (m - 1.0) + 2.0;  // docs/math.md §4.5
  // docs/math.md §4.5: M = A^(p+d/2) ((m-1)/(2m))^(-d/2) pi^(d/2) Gamma(p+1)/Gamma(p+1+d/2), solved for A in logs;
  // tgamma_delta_ratio(p+1, d/2) = Gamma(p+1)/Gamma(p+1+d/2).
  const double log_power = std::log(mass) + half_d * std::log((m - 1.0) / (2.0 * m)) -
                           half_d * std::log(std::numbers::pi) -
                           std::log(boost::math::tgamma_delta_ratio(p + 1.0, half_d));
  stationary_a_ = std::exp(log_power / (p + half_d));
}

ConfinedPorousMedium ConfinedPorousMedium::stationary(int dimension, double m, double mass) {
  confined_profile(dimension, m, mass);  // validates before lambda is formed
  // docs/math.md §4.5: tau0 = 1/lambda makes tau(t) = e^(lambda t)/lambda and rho(., t) = rho_inf for all t.
  return ConfinedPorousMedium(dimension, m, mass, 1.0 / (static_cast<double>(dimension) * (m - 1.0) + 2.0));
}

double ConfinedPorousMedium::tau(double t) const {
  check_time("ConfinedPorousMedium", t);
  return tau0_ + std::expm1(lambda_ * t) / lambda_;
}

double ConfinedPorousMedium::density_radial(double r, double t) const {
  // docs/math.md §4.5: rho(x, t) = e^(d t) U_M(e^t x, tau(t)).
  const double d = static_cast<double>(dimension());
  return std::exp(d * t) * profile_.density_radial(std::exp(t) * r, tau(t));
}

double ConfinedPorousMedium::density(std::span<const double> x, double t) const {
  return density_radial(std::sqrt(squared_norm("ConfinedPorousMedium::density", x, dimension())), t);
}

double ConfinedPorousMedium::support_radius(double t) const {
  return std::exp(-t) * profile_.support_radius(tau(t));
}

double ConfinedPorousMedium::second_moment(double t) const {
  // int |x|^2 e^(dt) U(e^t x) dx = e^(-2t) int |y|^2 U(y) dy (y = e^t x, dy = e^(dt) dx).
  return std::exp(-2.0 * t) * profile_.second_moment(tau(t));
}

double ConfinedPorousMedium::energy_integral(double t) const {
  // int (e^(dt) U(e^t x))^m dx = e^(d m t - d t) int U(y)^m dy.
  const double d = static_cast<double>(dimension());
  return std::exp(d * (m() - 1.0) * t) * profile_.power_integral(m(), tau(t));
}

double ConfinedPorousMedium::stationary_support_radius() const {
  // (A - (m-1) r^2/(2m)) vanishes at r^2 = 2 m A/(m-1).
  return std::sqrt(2.0 * m() * stationary_a_ / (m() - 1.0));
}

double ConfinedPorousMedium::stationary_density_radial(double r) const {
  if (!(r >= 0.0))
    throw std::invalid_argument(describe("ConfinedPorousMedium::stationary_density_radial", "r", r, "must be >= 0"));
  const double radius = stationary_support_radius();
  if (r >= radius) return 0.0;
  // docs/math.md §4.5: rho_inf = (A - (m-1) r^2/(2m))^p = ((m-1)/(2m) (R - r)(R + r))^p, factored to stay accurate
  // next to the edge of the support.
  const double bracket = (m() - 1.0) / (2.0 * m()) * (radius - r) * (radius + r);
  return std::pow(bracket, 1.0 / (m() - 1.0));
}

double ConfinedPorousMedium::stationary_density(std::span<const double> x) const {
  return stationary_density_radial(
      std::sqrt(squared_norm("ConfinedPorousMedium::stationary_density", x, dimension())));
}

ConfinedPorousMediumLaw1D ConfinedPorousMedium::law(double t) const {
  if (dimension() != 1)
    throw std::logic_error(
        describe("ConfinedPorousMedium::law", "dimension", dimension(), "the law is defined in 1D only"));
  return ConfinedPorousMediumLaw1D(profile_, tau(t), std::exp(-t));
}

}  // namespace blobflow::analysis
