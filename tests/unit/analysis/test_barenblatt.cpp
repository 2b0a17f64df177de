// Unit tests of the Barenblatt profiles, docs/math.md §4.1, §4.2, §4.4 and the EXACT numbers of §7.1 items 1-3: the
// mass constant against independent quadrature, the PDE residual by finite differences, the tabulated constants,
// the 1D CDF/quantile pair, second moments and power integrals, the time-rescaled variant and bad inputs.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/quadrature/tanh_sinh.hpp>

#include "blobflow/analysis/barenblatt.hpp"

namespace blobflow::analysis {
namespace {

/// Relative accuracy of the reference tanh-sinh quadratures (double exponential convergence, endpoint singularity
/// (R - r)^p handled): a few hundred ulps.
constexpr double kQuadratureTolerance = 1e-12;
/// Values of docs/math.md §4.1's table are printed to 15 significant digits.
constexpr double kTableTolerance = 5e-14;
/// Values of docs/math.md §7.1 item 1 are printed to 13 significant digits.
constexpr double kSection71Tolerance = 1e-12;
/// Closed forms that differ from the implementation only by the order of a few floating point operations.
constexpr double kRoundOffTolerance = 1e-13;

const std::vector<double> kExponents = {1.5, 1.7, 2.0, 3.0, 5.0};

/// Surface area of the unit sphere in R^d for d = 1, 2, 3 (2, 2 pi, 4 pi).
double sphere_area(int d) {
  constexpr std::array<double, 3> kAreas = {2.0, 2.0 * std::numbers::pi, 4.0 * std::numbers::pi};
  return kAreas.at(static_cast<std::size_t>(d - 1));
}

/// int_{R^d} g(|x|) dx = |S^(d-1)| int_0^R g(r) r^(d-1) dr by tanh-sinh.
template <class Radial>
double radial_integral(int d, double radius, const Radial& g) {
  static boost::math::quadrature::tanh_sinh<double> integrator;  // integrate() is non-const in Boost 1.74
  // The two-argument form (r, distance to the nearer end) avoids a debug assertion of the one-argument form.
  return sphere_area(d) * integrator.integrate([&](double r, double) { return g(r) * std::pow(r, d - 1); }, 0.0, radius,
                                               kQuadratureTolerance);
}

TEST(Barenblatt, MassByQuadratureEqualsM) {
  for (int d = 1; d <= 3; ++d) {
    for (const double m : {1.5, 2.0, 3.0}) {
      for (const double diffusion : {1.0, 0.5}) {
        for (const double mass : {1.0, 2.5}) {
          const Barenblatt profile(d, m, mass, diffusion);
          for (const double t : {0.3, 1.0, 4.0}) {
            const double integral =
                radial_integral(d, profile.support_radius(t), [&](double r) { return profile.density_radial(r, t); });
            EXPECT_NEAR(integral / mass, 1.0, kQuadratureTolerance)
                << "d = " << d << ", m = " << m << ", D = " << diffusion;
          }
        }
      }
    }
  }
}

TEST(Barenblatt, InteriorPdeResidualVanishesByCentralDifferences) {
  // d/dt u = D Lap(u^m) at interior points. Central differences with step h (relative to R and t) have truncation
  // error ~ (h/dist)^2 times derivative ratios, dist >= 0.35 R the distance to the edge, and round-off
  // ~ eps (R/h)^2 ~ 2e-8; h = 1e-4 R is near the optimum eps^(1/4). Measured worst case (m = 5, |x| = 0.65 R):
  // 3e-7 of the size of the terms, while a wrong constant (k, alpha, D) leaves a residual of order 1.
  constexpr double kRelativeStep = 1e-4;
  constexpr double kResidualTolerance = 2e-6;  // relative to |u_t| + D |Lap u^m|
  for (int d = 1; d <= 3; ++d) {
    for (const double m : kExponents) {
      for (const double diffusion : {1.0, 0.5}) {
        const Barenblatt profile(d, m, 1.3, diffusion);
        for (const double t : {0.5, 2.0}) {
          const double radius = profile.support_radius(t);
          const double h = kRelativeStep * radius;
          const double dt = kRelativeStep * t;
          for (const double fraction : {0.0, 0.2, 0.45, 0.65}) {
            // A point at distance fraction * R along the diagonal direction (1, 1, ..., 1)/sqrt(d).
            std::vector<double> x(static_cast<std::size_t>(d), fraction * radius / std::sqrt(static_cast<double>(d)));
            const auto v = [&](const std::vector<double>& y) { return std::pow(profile.density(y, t), m); };
            const double u_t = (profile.density(x, t + dt) - profile.density(x, t - dt)) / (2.0 * dt);
            double laplacian = 0.0;
            for (std::size_t j = 0; j < x.size(); ++j) {
              std::vector<double> plus = x;
              std::vector<double> minus = x;
              plus[j] += h;
              minus[j] -= h;
              laplacian += (v(plus) - 2.0 * v(x) + v(minus)) / (h * h);
            }
            const double scale = std::abs(u_t) + diffusion * std::abs(laplacian);
            EXPECT_LE(std::abs(u_t - diffusion * laplacian), kResidualTolerance * scale)
                << "d = " << d << ", m = " << m << ", D = " << diffusion << ", t = " << t << ", |x|/R = " << fraction;
          }
        }
      }
    }
  }
}

TEST(Barenblatt, ConstantsMatchTableOfMathSection41) {
  struct Row {
    int d;
    double m, alpha, beta, k, c, radius;
  };
  // docs/math.md §4.1 table: exponents, k, C(M = 1) and R(t = 1) = sqrt(C/k).
  const std::vector<Row> rows = {
      {1, 1.5, 2.0 / 5, 2.0 / 5, 1.0 / 15, 0.566983288816514, 2.91629033744031},
      {1, 2.0, 1.0 / 3, 1.0 / 3, 1.0 / 12, 0.360562392576852, 2.08008382305190},
      {1, 3.0, 1.0 / 4, 1.0 / 4, 1.0 / 12, 0.183776298473931, 1.48503049857138},
      {2, 1.5, 2.0 / 3, 1.0 / 3, 1.0 / 18, 0.375750550595609, 2.60067489523796},
      {2, 2.0, 1.0 / 2, 1.0 / 4, 1.0 / 16, 0.199471140200716, 1.78648768347600},
      {2, 3.0, 1.0 / 3, 1.0 / 6, 1.0 / 18, 0.0889431666294068, 1.26529719802477},
      {3, 1.5, 6.0 / 7, 2.0 / 7, 1.0 / 21, 0.274619627123816, 2.40146042432519},
      {3, 2.0, 3.0 / 5, 1.0 / 5, 1.0 / 20, 0.134810140819359, 1.64201181980739},
      {3, 3.0, 3.0 / 8, 1.0 / 8, 1.0 / 24, 0.0587112993169114, 1.18704304201906},
  };
  for (const Row& row : rows) {
    const Barenblatt profile(row.d, row.m);
    EXPECT_NEAR(profile.alpha(), row.alpha, kRoundOffTolerance * row.alpha);
    EXPECT_NEAR(profile.beta(), row.beta, kRoundOffTolerance * row.beta);
    EXPECT_NEAR(profile.k(), row.k, kRoundOffTolerance * row.k);
    EXPECT_NEAR(profile.C(), row.c, kTableTolerance * row.c) << "d = " << row.d << ", m = " << row.m;
    EXPECT_NEAR(profile.support_radius(1.0), row.radius, kTableTolerance * row.radius);
  }
  // Closed forms quoted in the table: 1D m = 2 C = (3/64)^(1/3), R = 9^(1/3); 2D m = 2 C = 1/sqrt(8 pi).
  EXPECT_NEAR(Barenblatt(1, 2.0).C(), std::cbrt(3.0 / 64.0), kRoundOffTolerance);
  EXPECT_NEAR(Barenblatt(1, 2.0).support_radius(1.0), std::cbrt(9.0), kRoundOffTolerance);
  EXPECT_NEAR(Barenblatt(2, 2.0).C(), 1.0 / std::sqrt(8.0 * std::numbers::pi), kRoundOffTolerance);
  // Mass scaling: C ~ M^(2(m-1) beta), R ~ M^((m-1) beta).
  const Barenblatt heavy(2, 3.0, 7.0);
  EXPECT_NEAR(heavy.C() / Barenblatt(2, 3.0).C(), std::pow(7.0, 2.0 * 2.0 / 6.0), kRoundOffTolerance);
}

TEST(Barenblatt, OneDimensionalQuadraticCaseMatchesMathSection71) {
  // docs/math.md §7.1 item 1 (EXACT): M = 1, m = 2 in 1D.
  constexpr double kRadiusAtOne = 2.0800838230519;
  constexpr double kPeakAtOne = 0.3605623925768;
  constexpr double kSquareIntegralAtOne = 0.2884499140615;
  const Barenblatt profile(1, 2.0);
  for (const double t : {1.0, 0.125, 2.7}) {
    const double scale = std::cbrt(t);
    EXPECT_NEAR(profile.support_radius(t), kRadiusAtOne * scale, kSection71Tolerance * kRadiusAtOne * scale);
    const std::array<double, 1> origin = {0.0};
    EXPECT_NEAR(profile.density(origin, t), kPeakAtOne / scale, kSection71Tolerance * kPeakAtOne / scale);
    EXPECT_NEAR(profile.power_integral(2.0, t), kSquareIntegralAtOne / scale,
                kSection71Tolerance * kSquareIntegralAtOne / scale);
    const double radius = profile.support_radius(t);
    EXPECT_NEAR(profile.second_moment(t), radius * radius / 5.0, kRoundOffTolerance * radius * radius);
    // docs/math.md §4.2: U = (R^2 - x^2)_+/(12 t).
    for (const double x : {-0.9, -0.3, 0.0, 0.55, 0.99}) {
      const std::array<double, 1> point = {x * radius};
      const double expected = radius * radius * (1.0 - x * x) / (12.0 * t);
      EXPECT_NEAR(profile.density(point, t), expected, kRoundOffTolerance * expected);
    }
  }
}

TEST(Barenblatt, QuadraticCdfAndQuantileMatchClosedFormsOfMathSection42) {
  const Barenblatt profile(1, 2.0, 1.0);
  constexpr double kT = 1.7;
  const double radius = profile.support_radius(kT);
  for (int i = -10; i <= 10; ++i) {
    const double s = 0.1 * i;
    EXPECT_NEAR(profile.cdf(s * radius, kT), (2.0 + 3.0 * s - s * s * s) / 4.0, kRoundOffTolerance);
  }
  for (int i = 0; i <= 100; ++i) {
    const double u = 0.01 * i;
    const double expected = 2.0 * radius * std::sin(std::asin(2.0 * u - 1.0) / 3.0);
    EXPECT_NEAR(profile.quantile(u, kT), expected, kRoundOffTolerance * radius);
  }
  EXPECT_EQ(profile.quantile(0.0, kT), -radius);
  EXPECT_EQ(profile.quantile(1.0, kT), radius);
  EXPECT_EQ(profile.cdf(-2.0 * radius, kT), 0.0);
  EXPECT_EQ(profile.cdf(2.0 * radius, kT), 1.0);
}

TEST(Barenblatt, CdfEqualsIntegralOfDensity) {
  static boost::math::quadrature::tanh_sinh<double> integrator;  // integrate() is non-const in Boost 1.74
  for (const double m : kExponents) {
    for (const double diffusion : {1.0, 0.5}) {
      const Barenblatt profile(1, m, 2.0, diffusion);
      constexpr double kT = 0.8;
      const double radius = profile.support_radius(kT);
      for (const double s : {-0.999, -0.9, -0.5, -0.1, 0.3, 0.7, 0.95}) {
        // The mass beyond |x| (on one side, by symmetry), integrated directly so that the tails keep their accuracy.
        const double tail = integrator.integrate([&](double r, double) { return profile.density_radial(r, kT); },
                                                 std::abs(s) * radius, radius, kQuadratureTolerance) /
                            profile.mass();
        const double cdf = profile.cdf(s * radius, kT);
        if (s < 0.0) {
          EXPECT_NEAR(cdf / tail, 1.0, kQuadratureTolerance) << "m = " << m << ", s = " << s;
        } else {
          EXPECT_NEAR(cdf, 1.0 - tail, kQuadratureTolerance) << "m = " << m << ", s = " << s;
        }
      }
      EXPECT_EQ(profile.cdf(0.0, kT), 0.5);
    }
  }
}

TEST(Barenblatt, QuantileInvertsCdf) {
  // The quantile goes through ibeta_inv (or the m = 2 closed form); cdf(Q(u)) = u to a few ulps of u, plus the
  // round-off of Q amplified by the density (|F'(x)| |x| eps <= ~10 eps here).
  constexpr double kInversionTolerance = 1e-14;
  // In a far tail, x = Q(u) = -R + z is stored with absolute error ~eps R, so cdf(Q(u))/u is only accurate to
  // (p+1) eps R/z (F ~ z^(p+1)); this slack covers the few roundings on top of that condition number.
  constexpr double kTailConditionSlack = 8.0;
  constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
  for (const double m : {1.5, 1.7, 2.0, 3.0, 5.0, 1.05}) {
    const Barenblatt profile(1, m, 0.7, 0.5);
    constexpr double kT = 3.0;
    const double radius = profile.support_radius(kT);
    const double p = 1.0 / (m - 1.0);
    for (int i = 1; i <= 999; ++i) {
      const double u = 0.001 * i;
      EXPECT_NEAR(profile.cdf(profile.quantile(u, kT), kT), u, kInversionTolerance) << "m = " << m << ", u = " << u;
    }
    for (const double u : {1e-12, 1e-8, 1e-5, 0.01}) {
      const double x = profile.quantile(u, kT);
      const double condition = (p + 1.0) * kEpsilon * radius / (x + radius);
      EXPECT_NEAR(profile.cdf(x, kT) / u, 1.0, kTailConditionSlack * condition) << "m = " << m << ", u = " << u;
    }
    // Symmetry: Q(1 - u) = -Q(u) for dyadic u (1 - u exact).
    for (int i = 1; i < 512; i += 7) {
      const double u = i / 1024.0;
      EXPECT_NEAR(profile.quantile(1.0 - u, kT), -profile.quantile(u, kT), kRoundOffTolerance * radius);
    }
  }
}

TEST(Barenblatt, SecondMomentAndPowerIntegralMatchQuadrature) {
  for (int d = 1; d <= 3; ++d) {
    for (const double m : {1.5, 1.7, 2.0, 3.0}) {
      const Barenblatt profile(d, m, 1.9, 0.5);
      constexpr double kT = 1.4;
      const double radius = profile.support_radius(kT);
      const double second = radial_integral(d, radius, [&](double r) { return r * r * profile.density_radial(r, kT); });
      EXPECT_NEAR(profile.second_moment(kT) / second, 1.0, kQuadratureTolerance) << "d = " << d << ", m = " << m;
      for (const double q : {0.5, 1.0, 2.0, 3.5, m}) {
        const double integral =
            radial_integral(d, radius, [&](double r) { return std::pow(profile.density_radial(r, kT), q); });
        EXPECT_NEAR(profile.power_integral(q, kT) / integral, 1.0, kQuadratureTolerance)
            << "d = " << d << ", m = " << m << ", q = " << q;
      }
      EXPECT_NEAR(profile.power_integral(1.0, kT), profile.mass(), kRoundOffTolerance * profile.mass());
    }
  }
}

TEST(Barenblatt, MomentIdentityHoldsForTheDiffusionCoefficient) {
  // docs/math.md §4.1: d/dt int |x|^2 u = 2 d D int u^m for u(x, t) = U_m(x, D t). The central difference in t of
  // the t^(2 beta) law has relative error ~ (dt/t)^2 = 1e-8.
  constexpr double kRelativeStep = 1e-4;
  constexpr double kIdentityTolerance = 1e-7;
  for (int d = 1; d <= 3; ++d) {
    for (const double m : kExponents) {
      const Barenblatt profile(d, m, 1.2, 0.25);
      constexpr double kT = 2.0;
      const double dt = kRelativeStep * kT;
      const double derivative = (profile.second_moment(kT + dt) - profile.second_moment(kT - dt)) / (2.0 * dt);
      const double expected = 2.0 * d * profile.diffusion_coefficient() * profile.power_integral(m, kT);
      EXPECT_NEAR(derivative / expected, 1.0, kIdentityTolerance) << "d = " << d << ", m = " << m;
    }
  }
}

TEST(Barenblatt, TimeRescaledQuadraticProfileMatchesExplicitFormulaOfMathSection44) {
  // docs/math.md §4.4: d/dt rho = div(rho grad rho) = (1/2) Lap rho^2 is solved by U_2(x, t/2), explicitly
  // rho = (R^2 - x^2)_+ / (6t) with R = (9 M t/2)^(1/3).
  for (const double mass : {1.0, 3.0}) {
    const Barenblatt profile(1, 2.0, mass, 0.5);
    for (const double t : {0.5, 2.0}) {
      const double radius = std::cbrt(4.5 * mass * t);
      EXPECT_NEAR(profile.support_radius(t), radius, kRoundOffTolerance * radius);
      for (const double s : {-1.2, -0.8, 0.0, 0.25, 0.999, 1.0}) {
        const std::array<double, 1> x = {s * radius};
        const double expected = std::max(0.0, radius * radius - x[0] * x[0]) / (6.0 * t);
        EXPECT_NEAR(profile.density(x, t), expected, kRoundOffTolerance * radius * radius / t);
      }
    }
  }
}

TEST(Barenblatt, DensityVanishesOutsideSupportAndIsRadial) {
  const Barenblatt profile(3, 1.7, 2.0);
  constexpr double kT = 0.6;
  const double radius = profile.support_radius(kT);
  const std::array<double, 3> outside = {radius, 0.1, 0.0};
  EXPECT_EQ(profile.density(outside, kT), 0.0);
  const std::array<double, 3> a = {0.3, -0.2, 0.1};
  const std::array<double, 3> b = {-0.1, 0.3, -0.2};
  EXPECT_NEAR(profile.density(a, kT), profile.density(b, kT), kRoundOffTolerance * profile.density(a, kT));
  EXPECT_NEAR(profile.density(a, kT), profile.density_radial(std::sqrt(0.14), kT),
              kRoundOffTolerance * profile.density(a, kT));
}

/// Expects `call` to throw E with a message containing `fragment`.
template <class E, class Call>
void expect_throw_with(const Call& call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning \"" << fragment << "\"";
  } catch (const E& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST(Barenblatt, BadInputsThrow) {
  using E = std::invalid_argument;
  expect_throw_with<E>([] { Barenblatt(0, 2.0); }, "dimension = 0: must be >= 1");
  expect_throw_with<E>([] { Barenblatt(1, 0.5); }, "m = 0.5: must be > 1");
  expect_throw_with<E>([] { Barenblatt(1, 1.0); }, "m = 1: must be > 1");
  expect_throw_with<E>([] { Barenblatt(1, std::nan("")); }, "m = nan");
  expect_throw_with<E>([] { Barenblatt(1, 2.0, 0.0); }, "mass = 0: must be");
  expect_throw_with<E>([] { Barenblatt(1, 2.0, -1.0); }, "mass = -1");
  expect_throw_with<E>([] { Barenblatt(1, 2.0, INFINITY); }, "mass = inf");
  expect_throw_with<E>([] { Barenblatt(1, 2.0, 1.0, 0.0); }, "diffusion_coefficient = 0");
  expect_throw_with<E>([] { Barenblatt(1, 2.0, 1.0, -2.0); }, "diffusion_coefficient = -2");
  const Barenblatt profile(1, 3.0);
  expect_throw_with<E>([&] { (void)profile.support_radius(0.0); }, "t = 0: must be finite and > 0");
  expect_throw_with<E>([&] { (void)profile.density_radial(0.1, -1.0); }, "t = -1");
  expect_throw_with<E>([&] { (void)profile.second_moment(std::nan("")); }, "t = nan");
  expect_throw_with<E>([&] { (void)profile.density_radial(-0.1, 1.0); }, "r = -0.1");
  expect_throw_with<E>([&] { (void)profile.power_integral(0.0, 1.0); }, "q = 0");
  expect_throw_with<E>([&] { (void)profile.quantile(1.5, 1.0); }, "u = 1.5: must be in [0, 1]");
  expect_throw_with<E>([&] { (void)profile.quantile(-0.1, 1.0); }, "u = -0.1");
  expect_throw_with<E>([&] { (void)profile.quantile(std::nan(""), 1.0); }, "u = nan");
  const std::array<double, 2> wrong_size = {0.0, 0.0};
  expect_throw_with<E>([&] { (void)profile.density(wrong_size, 1.0); }, "x.size() = 2");
  const Barenblatt planar(2, 2.0);
  expect_throw_with<std::logic_error>([&] { (void)planar.cdf(0.0, 1.0); }, "dimension = 2");
  expect_throw_with<std::logic_error>([&] { (void)planar.quantile(0.5, 1.0); }, "dimension = 2");
}

}  // namespace
}  // namespace blobflow::analysis
