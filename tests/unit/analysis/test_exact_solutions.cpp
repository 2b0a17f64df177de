// Unit tests of the exact solutions of exact_solutions.hpp (docs/math.md §4.5-4.6): PDE residuals by central finite
// differences at interior points, mass and second moments by quadrature, the moment identities, the FP-PME stationary
// constants of docs/math.md §7.1 item 4, the stationary case tau0 = 1/lambda, quantile/CDF inversion, the Gaussian
// interval moments against a 50-digit reference, exact 1D Wasserstein distances in closed form, and bad inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <utility>
#include <vector>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "blobflow/analysis/exact_solutions.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"

namespace blobflow::analysis {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

/// Finite-difference step relative to the solution's length (and time) scale. Central differences have truncation
/// error (h^2/6) f''' and (h^2/12) f'''', i.e. about kStep^2 ~ 1e-7 times shape factors of the smooth profiles at the
/// interior sample points (measured up to ~8), and round-off about 4 eps/kStep^2 ~ 1e-8; both relative to the size of
/// the terms.
constexpr double kStep = 3e-4;
/// Relative PDE residual allowed: the kStep^2 truncation times a shape factor up to 100.
constexpr double kResidualTolerance = 1e-5;
/// Quadrature of mass and second moments (tanh-sinh to 1e-14): a few hundred ulps.
constexpr double kQuadratureTolerance = 1e-12;

using Field = std::function<double(const std::vector<double>&, double)>;

/// Central-difference terms of d/dt rho = Lap(rho^power) + drift div(rho x) at (x, t).
struct FdTerms {
  double time_derivative = 0.0;
  double laplacian = 0.0;       // Lap(rho^power)
  double drift_divergence = 0.0;  // div(rho x)
};

FdTerms fd_terms(const Field& rho, double power, const std::vector<double>& x, double t, double hx, double ht) {
  FdTerms terms;
  terms.time_derivative = (rho(x, t + ht) - rho(x, t - ht)) / (2.0 * ht);
  const double centre_power = std::pow(rho(x, t), power);
  for (std::size_t i = 0; i < x.size(); ++i) {
    std::vector<double> plus = x;
    std::vector<double> minus = x;
    plus[i] += hx;
    minus[i] -= hx;
    const double rho_plus = rho(plus, t);
    const double rho_minus = rho(minus, t);
    terms.laplacian += (std::pow(rho_plus, power) - 2.0 * centre_power + std::pow(rho_minus, power)) / (hx * hx);
    terms.drift_divergence += (plus[i] * rho_plus - minus[i] * rho_minus) / (2.0 * hx);
  }
  return terms;
}

/// |rho_t - D Lap(rho^power) - drift div(rho x)| divided by the sum of the terms' magnitudes.
double relative_residual(const FdTerms& terms, double diffusion, double drift) {
  const double residual = terms.time_derivative - diffusion * terms.laplacian - drift * terms.drift_divergence;
  const double scale =
      std::abs(terms.time_derivative) + diffusion * std::abs(terms.laplacian) + drift * std::abs(terms.drift_divergence);
  return std::abs(residual) / scale;
}

/// Interior sample directions (scaled by a length per test); the first d entries are used.
const std::vector<std::vector<double>> kDirections = {{0.31, -0.22, 0.17}, {-0.05, 0.4, -0.3}, {0.55, 0.1, 0.2}};

std::vector<double> sample_point(int d, std::size_t which, double length) {
  std::vector<double> x(kDirections[which].begin(), kDirections[which].begin() + d);
  for (double& xi : x) xi *= length;
  return x;
}

/// |S^(d-1)| = 2 pi^(d/2)/Gamma(d/2).
double sphere_area(int d) {
  const double half_d = 0.5 * static_cast<double>(d);
  return 2.0 * std::pow(std::numbers::pi, half_d) / boost::math::tgamma(half_d);
}

/// int_{|x| < r_max} |x|^k f(|x|) dx for a radial f, by tanh-sinh in r (handles the edge singularity of PME profiles).
double radial_integral(int d, int k, double r_max, const std::function<double(double)>& f) {
  boost::math::quadrature::tanh_sinh<double> integrator;
  const double value = integrator.integrate(
      [&](double r) { return std::pow(r, d - 1 + k) * f(r); }, 0.0, r_max, 1e-14);
  return sphere_area(d) * value;
}

// ------------------------------------------------------------------------------------------------------------------
TEST(HeatKernel, SatisfiesTheHeatEquationAtInteriorPoints) {
  double worst = 0.0;
  for (const int d : {1, 2, 3}) {
    for (const double s0 : {0.0, 0.6}) {
      constexpr double kDiffusion = 0.7;
      const HeatKernel heat(d, 1.3, kDiffusion, s0);
      for (const double t : {0.2, 1.5}) {
        const double sigma = std::sqrt(heat.variance(t));
        const Field rho = [&](const std::vector<double>& x, double time) { return heat.density(x, time); };
        for (std::size_t k = 0; k < kDirections.size(); ++k) {
          const FdTerms terms =
              fd_terms(rho, 1.0, sample_point(d, k, 2.0 * sigma), t, kStep * sigma, kStep * sigma * sigma / kDiffusion);
          const double residual = relative_residual(terms, kDiffusion, 0.0);
          worst = std::max(worst, residual);
          EXPECT_LT(residual, kResidualTolerance) << "d = " << d << ", s0 = " << s0 << ", t = " << t;
        }
      }
    }
  }
  std::printf("heat: worst relative FD residual %.2e\n", worst);
}

TEST(HeatKernel, ConservesMassAndGrowsTheSecondMomentBy2dMDt) {
  for (const int d : {1, 2, 3}) {
    constexpr double kMass = 1.3;
    constexpr double kDiffusion = 0.7;
    constexpr double kS0 = 0.6;
    const HeatKernel heat(d, kMass, kDiffusion, kS0);
    for (const double t : {0.0, 0.4, 2.0}) {
      const double sigma = std::sqrt(heat.variance(t));
      const auto f = [&](double r) {
        std::vector<double> x(static_cast<std::size_t>(d), 0.0);
        x[0] = r;
        return heat.density(x, t);
      };
      const double r_max = 40.0 * sigma;  // exp(-800): nothing beyond
      EXPECT_NEAR(radial_integral(d, 0, r_max, f), kMass, kQuadratureTolerance * kMass) << "d = " << d;
      const double m2 = radial_integral(d, 2, r_max, f);
      // docs/math.md §4.6: int |x|^2 rho(t) = int |x|^2 rho(0) + 2 d M D t.
      const double expected = heat.second_moment(0.0) + 2.0 * d * kMass * kDiffusion * t;
      EXPECT_NEAR(m2, expected, kQuadratureTolerance * expected) << "d = " << d << ", t = " << t;
      EXPECT_NEAR(heat.second_moment(t), expected, 4.0 * kEpsilon * expected);
    }
  }
  // Dirac data: docs/math.md §4.6's M (4 pi t)^(-d/2) exp(-|x|^2/(4t)) for D = 1.
  const HeatKernel dirac(2);
  const std::vector<double> x = {0.3, -0.8};
  const double t = 0.9;
  const double expected = std::pow(4.0 * std::numbers::pi * t, -1.0) * std::exp(-(0.09 + 0.64) / (4.0 * t));
  EXPECT_NEAR(dirac.density(x, t), expected, 4.0 * kEpsilon * expected);
}

// ------------------------------------------------------------------------------------------------------------------
TEST(LinearFokkerPlanck, SatisfiesTheEquationAtInteriorPoints) {
  double worst = 0.0;
  for (const int d : {1, 2, 3}) {
    const std::vector<double> mu0_all = {0.8, -0.5, 0.3};
    const std::vector<double> mu0(mu0_all.begin(), mu0_all.begin() + d);
    for (const double s0 : {0.0, 0.4, 2.5}) {
      const LinearFokkerPlanck fp(d, 0.9, s0, mu0);
      for (const double t : {0.3, 2.0}) {
        const double sigma = std::sqrt(fp.variance(t));
        const Field rho = [&](const std::vector<double>& x, double time) { return fp.density(x, time); };
        for (std::size_t k = 0; k < kDirections.size(); ++k) {
          std::vector<double> x = sample_point(d, k, 2.0 * sigma);
          for (int i = 0; i < d; ++i) x[static_cast<std::size_t>(i)] += fp.mean(i, t);
          // Time scale min(1, s^2): the variance relaxes at rate 2 and diffuses at rate 1/s^2.
          const FdTerms terms = fd_terms(rho, 1.0, x, t, kStep * sigma, kStep * std::min(1.0, sigma * sigma));
          const double residual = relative_residual(terms, 1.0, 1.0);
          worst = std::max(worst, residual);
          EXPECT_LT(residual, kResidualTolerance) << "d = " << d << ", s0 = " << s0 << ", t = " << t;
        }
      }
    }
  }
  std::printf("linear Fokker-Planck: worst relative FD residual %.2e\n", worst);
}

TEST(LinearFokkerPlanck, FollowsTheVarianceLawAndConservesMass) {
  constexpr double kS0 = 2.5;
  const LinearFokkerPlanck fp(1, 0.9, kS0, std::vector<double>{0.8});
  EXPECT_DOUBLE_EQ(fp.variance(0.0), kS0 * kS0);
  EXPECT_NEAR(fp.variance(40.0), 1.0, 4.0 * kEpsilon);
  for (const double t : {0.0, 0.3, 2.0}) {
    // docs/math.md §4.6: s^2(t) = 1 + (s0^2 - 1) e^(-2t), i.e. d/dt s^2 = 2 - 2 s^2; mean mu0 e^(-t).
    EXPECT_NEAR(fp.variance(t), 1.0 + (kS0 * kS0 - 1.0) * std::exp(-2.0 * t), 8.0 * kEpsilon * kS0 * kS0);
    EXPECT_DOUBLE_EQ(fp.mean(0, t), 0.8 * std::exp(-t));
    const double sigma = std::sqrt(fp.variance(t));
    const double mean = fp.mean(0, t);
    boost::math::quadrature::tanh_sinh<double> integrator;
    const auto rho = [&](double x) { return fp.density(std::vector<double>{x}, t); };
    const double lo = mean - 40.0 * sigma;
    const double hi = mean + 40.0 * sigma;
    EXPECT_NEAR(integrator.integrate(rho, lo, hi, 1e-14), 0.9, kQuadratureTolerance);
    const double m2 = integrator.integrate([&](double x) { return x * x * rho(x); }, lo, hi, 1e-14);
    EXPECT_NEAR(m2, fp.second_moment(t), kQuadratureTolerance * m2);
  }
  const double t = 0.7;
  const double ht = kStep;
  const double derivative = (fp.variance(t + ht) - fp.variance(t - ht)) / (2.0 * ht);
  EXPECT_NEAR(derivative, 2.0 - 2.0 * fp.variance(t), kResidualTolerance);
}

// ------------------------------------------------------------------------------------------------------------------
TEST(ConfinedPorousMedium, SatisfiesTheEquationAtInteriorPoints) {
  double worst = 0.0;
  for (const int d : {1, 2, 3}) {
    for (const double m : {1.5, 2.0, 3.0}) {
      const ConfinedPorousMedium fp(d, m, 1.4, 0.3);
      for (const double t : {0.2, 1.0}) {
        const double radius = fp.support_radius(t);
        const Field rho = [&](const std::vector<double>& x, double time) { return fp.density(x, time); };
        for (std::size_t k = 0; k < kDirections.size(); ++k) {
          // |x| <= 0.7 R: inside the support, away from the free boundary where rho^m is not smooth.
          const FdTerms terms = fd_terms(rho, m, sample_point(d, k, radius), t, kStep * radius, kStep / fp.lambda());
          const double residual = relative_residual(terms, 1.0, 1.0);
          worst = std::max(worst, residual);
          EXPECT_LT(residual, kResidualTolerance) << "d = " << d << ", m = " << m << ", t = " << t;
        }
      }
    }
  }
  std::printf("confined PME: worst relative FD residual %.2e\n", worst);
}

TEST(ConfinedPorousMedium, ConservesMassAndSatisfiesTheSecondMomentIdentity) {
  for (const int d : {1, 2, 3}) {
    for (const double m : {1.5, 2.0, 3.0}) {
      constexpr double kMass = 1.4;
      const ConfinedPorousMedium fp(d, m, kMass, 0.3);
      for (const double t : {0.0, 0.5, 2.0}) {
        const auto f = [&](double r) { return fp.density_radial(r, t); };
        const double radius = fp.support_radius(t);
        EXPECT_NEAR(radial_integral(d, 0, radius, f), kMass, kQuadratureTolerance * kMass) << d << " " << m;
        const double m2 = fp.second_moment(t);
        EXPECT_NEAR(radial_integral(d, 2, radius, f), m2, kQuadratureTolerance * m2) << d << " " << m;
        const double energy = radial_integral(d, 0, radius, [&](double r) { return std::pow(f(r), m); });
        EXPECT_NEAR(fp.energy_integral(t), energy, kQuadratureTolerance * energy);
      }
      // d/dt int |x|^2 rho = 2 d int rho^m - 2 int |x|^2 rho (integrate the PDE against |x|^2).
      const double t = 0.6;
      const double ht = kStep / fp.lambda();
      const double derivative = (fp.second_moment(t + ht) - fp.second_moment(t - ht)) / (2.0 * ht);
      const double expected = 2.0 * d * fp.energy_integral(t) - 2.0 * fp.second_moment(t);
      EXPECT_NEAR(derivative, expected, kResidualTolerance * std::abs(expected)) << "d = " << d << ", m = " << m;
    }
  }
}

TEST(ConfinedPorousMedium, StationaryConstantsMatchMathSection7) {
  // docs/math.md §7.1 item 4: 1D, m = 2, M = 1: rho_inf = (0.5200209558 - x^2/4)_+, support radius 1.4422495703
  // (10 decimals given); in closed form A = (3/8)^(2/3), radius 2 (3/8)^(1/3).
  constexpr double kTenDecimals = 5e-11;
  const ConfinedPorousMedium fp = ConfinedPorousMedium::stationary(1, 2.0, 1.0);
  EXPECT_NEAR(fp.stationary_constant(), 0.5200209558, kTenDecimals);
  EXPECT_NEAR(fp.stationary_support_radius(), 1.4422495703, kTenDecimals);
  EXPECT_NEAR(fp.stationary_constant(), std::pow(3.0 / 8.0, 2.0 / 3.0), 4.0 * kEpsilon);
  EXPECT_NEAR(fp.stationary_support_radius(), 2.0 * std::cbrt(3.0 / 8.0), 4.0 * kEpsilon);
  EXPECT_NEAR(fp.stationary_density(std::vector<double>{0.6}), std::pow(3.0 / 8.0, 2.0 / 3.0) - 0.09, 4.0 * kEpsilon);
  EXPECT_EQ(fp.stationary_density(std::vector<double>{1.5}), 0.0);
}

TEST(ConfinedPorousMedium, Tau0OneOverLambdaIsTheStationaryProfile) {
  // Agreement to round-off of exp/pow in two routes (a few tens of ulps at t <= 3).
  constexpr double kRoundOff = 1e-13;
  for (const int d : {1, 2, 3}) {
    for (const double m : {1.5, 2.0, 3.0, 5.0}) {
      const ConfinedPorousMedium fp = ConfinedPorousMedium::stationary(d, m, 0.8);
      // docs/math.md §4.5: A = lambda^(alpha (m-1)) C, independent of the mass formula used in the class.
      const Barenblatt& u = fp.profile();
      const double a_from_c = std::pow(fp.lambda(), u.alpha() * (m - 1.0)) * u.C();
      EXPECT_NEAR(fp.stationary_constant(), a_from_c, kRoundOff * a_from_c) << "d = " << d << ", m = " << m;
      const double radius = fp.stationary_support_radius();
      // Stationary mass by quadrature.
      EXPECT_NEAR(radial_integral(d, 0, radius, [&](double r) { return fp.stationary_density_radial(r); }), 0.8,
                  kQuadratureTolerance);
      for (const double t : {0.0, 0.5, 3.0}) {
        EXPECT_NEAR(fp.support_radius(t), radius, kRoundOff * radius);
        for (const double fraction : {0.0, 0.3, 0.8, 0.99}) {
          const double want = fp.stationary_density_radial(fraction * radius);
          EXPECT_NEAR(fp.density_radial(fraction * radius, t), want, kRoundOff * want + 1e-15)
              << "d = " << d << ", m = " << m << ", t = " << t << ", r/R = " << fraction;
        }
      }
    }
  }
}

TEST(ConfinedPorousMedium, LawQuantileInvertsCdfAndScalesTheBarenblattQuantile) {
  constexpr double kInversion = 1e-13;
  for (const double m : {2.0, 3.0, 1.5}) {
    const ConfinedPorousMedium fp(1, m, 1.0, 0.2);
    for (const double t : {0.0, 0.8}) {
      const ConfinedPorousMediumLaw1D law = fp.law(t);
      const double radius = fp.support_radius(t);
      EXPECT_NEAR(law.quantile(1.0), radius, 4.0 * kEpsilon * radius);
      for (const double u : {1e-6, 0.01, 0.2, 0.5, 0.77, 0.999}) {
        EXPECT_NEAR(law.cdf(law.quantile(u)), u, kInversion) << "m = " << m << ", u = " << u;
        EXPECT_DOUBLE_EQ(law.quantile(u), std::exp(-t) * fp.profile().quantile(u, fp.tau(t)));
      }
      const IntervalMoments whole = law.moments(-2.0 * radius, 2.0 * radius);
      EXPECT_NEAR(whole.mass, 1.0, 1e-13);
      EXPECT_NEAR(whole.variance, fp.second_moment(t) / fp.mass(), 1e-13 * radius * radius);
    }
  }
}

// ------------------------------------------------------------------------------------------------------------------
TEST(GaussianLaw1D, QuantileInvertsCdfDownToTinyTails) {
  // Relative error of the tail mass after a round trip: Q carries a few ulps, which the tail magnifies by
  // |d log Phi/d log x| ~ z^2 <= 1500 at u = 1e-300: 1500 * 4 eps ~ 1.3e-12.
  constexpr double kTailTolerance = 2e-12;
  const GaussianLaw1D law(0.3, 1.7);
  for (const double u : {1e-300, 1e-100, 1e-12, 1e-3, 0.01, 0.2, 0.4, 0.5}) {
    const double round_trip = law.cdf(law.quantile(u));
    EXPECT_NEAR(round_trip, u, kTailTolerance * u) << "u = " << u;
    // Symmetry: with v = 1 - u rounded, the upper tail 1 - v is exact and Q(v) - mean = mean - Q(1 - v).
    const double v = 1.0 - u;
    if (v < 1.0) {
      EXPECT_NEAR(law.quantile(v) - 0.3, 0.3 - law.quantile(1.0 - v), 4.0 * kEpsilon * std::abs(law.quantile(v)));
    }
  }
  EXPECT_EQ(law.quantile(0.5), 0.3);
  EXPECT_EQ(law.quantile(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(law.quantile(1.0), std::numeric_limits<double>::infinity());
  EXPECT_NEAR(law.cdf(0.3 + 1.7), 0.841344746068542948585, 2.0 * kEpsilon);
}

using Real = boost::multiprecision::cpp_bin_float_50;

struct ReferenceMoments {
  Real mass, mean, variance;
};

/// 50-digit moments of N(mu, s^2) on [a, b] from erfc and phi: with z standardized, int_za^zb z phi = phi(za) -
/// phi(zb) and int z^2 phi = mass + za phi(za) - zb phi(zb); infinite ends contribute 0.
ReferenceMoments gaussian_reference(double mu, double s, double a, double b) {
  const Real root2 = boost::multiprecision::sqrt(Real(2));
  const Real root_2pi = boost::multiprecision::sqrt(2 * boost::math::constants::pi<Real>());
  const auto tail_above = [&](const Real& z) { return boost::math::erfc(z / root2) / 2; };
  const auto phi = [&](const Real& z) { return boost::multiprecision::exp(-z * z / 2) / root_2pi; };
  const bool a_finite = std::isfinite(a);
  const bool b_finite = std::isfinite(b);
  const Real za = a_finite ? (Real(a) - mu) / s : Real(0);
  const Real zb = b_finite ? (Real(b) - mu) / s : Real(0);
  // Difference of the tails on the interval's side of the mean: no 1 - (1 - small) at 50 digits.
  const auto below = [&](bool finite, const Real& z, bool upper_end) {
    return finite ? tail_above(-z) : Real(upper_end ? 1 : 0);
  };
  const Real m0 = (b_finite && zb <= 0) ? below(b_finite, zb, true) - below(a_finite, za, false)
                                        : (a_finite ? tail_above(za) : Real(1)) - (b_finite ? tail_above(zb) : Real(0));
  const Real phi_a = a_finite ? phi(za) : Real(0);
  const Real phi_b = b_finite ? phi(zb) : Real(0);
  const Real m1 = phi_a - phi_b;
  const Real m2 = m0 + (a_finite ? za * phi_a : Real(0)) - (b_finite ? zb * phi_b : Real(0));
  const Real mean_z = m1 / m0;
  return {m0, mu + s * mean_z, Real(s) * s * (m2 / m0 - mean_z * mean_z)};
}

TEST(GaussianLaw1D, MomentsMatchFiftyDigitReferenceOnNarrowWideAndTailIntervals) {
  // Mass and variance relative; the mean's error is eps |centre| from the final addition plus a small multiple of
  // the conditional standard deviation. The mass carries phi(z_near) = exp(-z_near^2/2)/sqrt(2 pi), whose exponent is
  // rounded by eps z_near^2/2: the mass tolerance grows by eps z_near^2 in the far tail (2e-13 at z = 30).
  constexpr double kMassTolerance = 1e-13;
  constexpr double kVarianceTolerance = 1e-12;
  constexpr double kMeanTolerance = 1e-12;  // relative to the conditional standard deviation
  constexpr double kMu = -0.4;
  constexpr double kS = 1.3;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double worst_mass = 0.0;
  double worst_mean = 0.0;
  double worst_variance = 0.0;
  std::vector<std::pair<double, double>> standardized = {{-kInf, kInf}, {-kInf, 1.3}, {8.0, kInf},
                                                         {-kInf, -37.0}, {25.0, kInf}, {-3.0, 6.0}};
  for (const double w : {1e-7, 1e-3, 0.5, 3.0}) {
    for (const double z : {0.3, -2.1, 5.0, -30.0}) standardized.emplace_back(z, z + w);
    standardized.emplace_back(-0.4 * w, 0.6 * w);
  }
  const GaussianLaw1D law(kMu, kS);
  for (const auto& [za, zb] : standardized) {
    const double a = kMu + kS * za;
    const double b = kMu + kS * zb;
    const IntervalMoments got = law.moments(a, b);
    const ReferenceMoments want = gaussian_reference(kMu, kS, a, b);
    const double sd = static_cast<double>(boost::multiprecision::sqrt(want.variance));
    if (want.mass > Real(1e-300)) {
      const double mass_error = std::abs(static_cast<double>((Real(got.mass) - want.mass) / want.mass));
      worst_mass = std::max(worst_mass, mass_error);
      const double z_near = std::clamp(0.0, za, zb);
      EXPECT_LT(mass_error, kMassTolerance + kEpsilon * z_near * z_near) << "[" << za << ", " << zb << "]";
    }
    const double mean_error = std::abs(static_cast<double>(Real(got.mean) - want.mean));
    const double mean_allowed = 4.0 * kEpsilon * std::abs(got.mean) + kMeanTolerance * sd;
    worst_mean = std::max(worst_mean, (mean_error - 4.0 * kEpsilon * std::abs(got.mean)) / sd);
    EXPECT_LT(mean_error, mean_allowed) << "[" << za << ", " << zb << "]";
    const double variance_error =
        std::abs(static_cast<double>((Real(got.variance) - want.variance) / want.variance));
    worst_variance = std::max(worst_variance, variance_error);
    EXPECT_LT(variance_error, kVarianceTolerance) << "[" << za << ", " << zb << "]";
  }
  std::printf("Gaussian moments: worst relative mass %.2e, mean/sd %.2e, variance %.2e\n", worst_mass, worst_mean,
              worst_variance);
}

// ------------------------------------------------------------------------------------------------------------------
TEST(ExactWasserstein, HeatLawAgainstOneAndTwoParticlesHasClosedForms) {
  const HeatKernel heat(1, 2.0, 0.5, 0.3);
  const double t = 1.1;
  const GaussianLaw1D law = heat.law(t);
  const double s = std::sqrt(heat.variance(t));
  // One particle at the mean: W2 = s, W1 = E|X| = s sqrt(2/pi).
  const std::vector<double> one_x = {0.0};
  const std::vector<double> one_w = {1.0};
  const WassersteinDistances single = wasserstein_1d(one_x, one_w, law);
  EXPECT_NEAR(single.w2, s, 1e-14 * s);
  EXPECT_NEAR(single.w1, s * std::sqrt(2.0 / std::numbers::pi), 1e-14 * s);
  // Two particles at +-a, weights 1/2: W2^2 = E(|X| - a)^2 = s^2 - 2 a s sqrt(2/pi) + a^2.
  for (const double a : {0.2, 0.9, 3.0}) {
    const std::vector<double> x = {-a, a};
    const std::vector<double> w = {0.5, 0.5};
    const double expected = std::sqrt(s * s - 2.0 * a * s * std::sqrt(2.0 / std::numbers::pi) + a * a);
    EXPECT_NEAR(wasserstein_1d(x, w, law).w2, expected, 1e-14) << "a = " << a;
  }
}

/// N particles of weight 1/N at the quantile midpoints Q((i - 1/2)/N).
std::vector<double> quantile_midpoints(const Law1D& law, int n) {
  std::vector<double> x(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = law.quantile((i + 0.5) / n);
  return x;
}

TEST(ExactWasserstein, ConfinedPmeQuantileMidpointsConvergeLikeOneOverN) {
  // docs/math.md §7.1 item 8: midpoint quantization has N W2 -> (int_S 1/rho)^(1/2)/sqrt(12) for the normalized density
  // rho. For 1D m = 3 (p = 1/2), rho = (1 - y^2/R^2)^(1/2)/(R pi/2) and int 1/rho = pi^2 R^2/2, so
  // N W2 -> pi R/sqrt(24). The edge intervals add a relative O(N^(-1/3)) correction (width N^(-2/3) there).
  const ConfinedPorousMedium fp(1, 3.0, 1.0, 0.25);
  const double t = 0.5;
  const ConfinedPorousMediumLaw1D law = fp.law(t);
  const double limit = std::numbers::pi * fp.support_radius(t) / std::sqrt(24.0);
  double previous_gap = std::numeric_limits<double>::infinity();
  for (const int n : {100, 1000, 10000}) {
    const std::vector<double> x = quantile_midpoints(law, n);
    const std::vector<double> w(x.size(), 1.0);
    const double scaled = n * wasserstein_1d(x, w, law).w2;
    const double gap = std::abs(scaled / limit - 1.0);
    std::printf("confined PME m = 3: N = %d, N W2 = %.8f, limit %.8f, relative gap %.2e\n", n, scaled, limit, gap);
    EXPECT_LT(gap, previous_gap);
    previous_gap = gap;
  }
  EXPECT_LT(previous_gap, 0.05);
}

TEST(ExactWasserstein, GaussianQuantileMidpointsConverge) {
  // The Gaussian tail makes midpoint quantization slower than 1/N: the outermost intervals have conditional
  // variance ~ 1/z^2 with z ~ sqrt(2 log N), so W2^2 >~ 1/(N log N). Recorded, and checked to decrease.
  const LinearFokkerPlanck fp(1, 1.0, 0.5, std::vector<double>{1.0});
  const GaussianLaw1D law = fp.law(0.7);
  double previous = std::numeric_limits<double>::infinity();
  for (const int n : {100, 1000, 10000}) {
    const std::vector<double> x = quantile_midpoints(law, n);
    const std::vector<double> w(x.size(), 1.0);
    const WassersteinDistances dist = wasserstein_1d(x, w, law);
    std::printf("Gaussian: N = %d, W1 = %.3e, W2 = %.3e, W2 sqrt(N log N) = %.4f\n", n, dist.w1, dist.w2,
                dist.w2 * std::sqrt(n * std::log(n)));
    EXPECT_LT(dist.w2, previous / 2.0);
    previous = dist.w2;
  }
}

// ------------------------------------------------------------------------------------------------------------------
TEST(ExactSolutions, BadInputsThrow) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> x1 = {0.1};
  const std::vector<double> x2 = {0.1, 0.2};
  EXPECT_THROW(GaussianLaw1D(0.0, 0.0), std::invalid_argument);
  EXPECT_THROW(GaussianLaw1D(kNan, 1.0), std::invalid_argument);
  const GaussianLaw1D gauss(0.0, 1.0);
  EXPECT_THROW(static_cast<void>(gauss.quantile(1.5)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(gauss.moments(1.0, 0.0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(gauss.moments(kNan, 0.0)), std::invalid_argument);

  EXPECT_THROW(HeatKernel(0), std::invalid_argument);
  EXPECT_THROW(HeatKernel(1, -1.0), std::invalid_argument);
  EXPECT_THROW(HeatKernel(1, 1.0, 0.0), std::invalid_argument);
  EXPECT_THROW(HeatKernel(1, 1.0, 1.0, -0.1), std::invalid_argument);
  const HeatKernel dirac(1);
  EXPECT_THROW(static_cast<void>(dirac.density(x1, 0.0)), std::invalid_argument);  // Dirac data at t = 0
  EXPECT_THROW(static_cast<void>(dirac.density(x1, -1.0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(dirac.density(x2, 1.0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(HeatKernel(2).law(1.0)), std::logic_error);

  EXPECT_THROW(LinearFokkerPlanck(0), std::invalid_argument);
  EXPECT_THROW(LinearFokkerPlanck(1, 0.0), std::invalid_argument);
  EXPECT_THROW(LinearFokkerPlanck(1, 1.0, kNan), std::invalid_argument);
  EXPECT_THROW(LinearFokkerPlanck(1, 1.0, 1.0, x2), std::invalid_argument);
  EXPECT_THROW(LinearFokkerPlanck(1, 1.0, 1.0, std::vector<double>{kNan}), std::invalid_argument);
  const LinearFokkerPlanck fp(2, 1.0, 0.0);
  EXPECT_THROW(static_cast<void>(fp.variance(0.0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(fp.mean(2, 1.0)), std::out_of_range);
  EXPECT_THROW(static_cast<void>(fp.density(x1, 1.0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(fp.law(1.0)), std::logic_error);

  EXPECT_THROW(ConfinedPorousMedium(0, 2.0, 1.0, 0.3), std::invalid_argument);
  EXPECT_THROW(ConfinedPorousMedium(1, 1.0, 1.0, 0.3), std::invalid_argument);
  EXPECT_THROW(ConfinedPorousMedium(1, 2.0, 0.0, 0.3), std::invalid_argument);
  EXPECT_THROW(ConfinedPorousMedium(1, 2.0, 1.0, 0.0), std::invalid_argument);
  EXPECT_THROW(ConfinedPorousMedium::stationary(1, 0.5), std::invalid_argument);
  const ConfinedPorousMedium pme(1, 2.0, 1.0, 0.3);
  EXPECT_THROW(static_cast<void>(pme.tau(-0.1)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(pme.density(x2, 0.1)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(pme.stationary_density_radial(-1.0)), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(ConfinedPorousMedium(2, 2.0, 1.0, 0.3).law(0.0)), std::logic_error);
  EXPECT_THROW(static_cast<void>(pme.law(0.0).moments(1.0, 0.0)), std::invalid_argument);
  EXPECT_THROW(ConfinedPorousMediumLaw1D(pme.profile(), 1.0, 0.0), std::invalid_argument);
  // Messages name the parameter, its value and the rule.
  try {
    ConfinedPorousMedium(1, 2.0, 1.0, -2.0);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "ConfinedPorousMedium: tau0 = -2: must be finite and > 0");
  }
}

}  // namespace
}  // namespace blobflow::analysis
