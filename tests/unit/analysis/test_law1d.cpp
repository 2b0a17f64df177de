// Unit tests of the 1D laws (law1d.hpp) behind the exact Wasserstein distances of docs/math.md §4.2: exact uniform
// moments, whole-support moments of the Barenblatt law against §4.1, and the accuracy of Law1D::moments on intervals
// as narrow as 1e-7 R (10^6 particles), next to and touching the edge of the support, against a 50-digit reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>
#include <vector>

#include <boost/math/special_functions/beta.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law1d.hpp"

namespace blobflow::analysis {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
/// Moments of the whole support: kGaussNodes-point sums of positive terms, a few hundred ulps.
constexpr double kSumTolerance = 1e-13;

// ------------------------------------------------------------------------------------------------------------------
TEST(UniformLaw1D, QuantileCdfAndMomentsAreExact) {
  const UniformLaw1D law(-0.5, 1.5);
  EXPECT_EQ(law.quantile(0.0), -0.5);
  EXPECT_EQ(law.quantile(1.0), 1.5);
  EXPECT_EQ(law.quantile(0.25), 0.0);
  EXPECT_EQ(law.cdf(0.5), 0.5);
  EXPECT_EQ(law.cdf(-3.0), 0.0);
  EXPECT_EQ(law.cdf(3.0), 1.0);
  const IntervalMoments inside = law.moments(0.0, 1.0);
  EXPECT_DOUBLE_EQ(inside.mass, 0.5);
  EXPECT_DOUBLE_EQ(inside.mean, 0.5);
  EXPECT_DOUBLE_EQ(inside.variance, 1.0 / 12.0);
  const IntervalMoments clipped = law.moments(1.0, 4.0);  // clipped to [1, 1.5]
  EXPECT_DOUBLE_EQ(clipped.mass, 0.25);
  EXPECT_DOUBLE_EQ(clipped.mean, 1.25);
  EXPECT_DOUBLE_EQ(clipped.variance, 0.25 / 12.0);
  const IntervalMoments outside = law.moments(2.0, 3.0);  // no mass: mean at the clipped midpoint
  EXPECT_EQ(outside.mass, 0.0);
  EXPECT_EQ(outside.mean, 1.5);
  EXPECT_EQ(outside.variance, 0.0);
}

TEST(BarenblattLaw1D, MomentsOverTheWholeSupportGiveMassOneAndTheSecondMoment) {
  for (const double m : {1.5, 1.7, 2.0, 3.0, 5.0}) {
    const Barenblatt profile(1, m, 2.0, 0.5);
    constexpr double kT = 1.3;
    const BarenblattLaw1D law(profile, kT);
    const double radius = profile.support_radius(kT);
    const IntervalMoments whole = law.moments(-2.0 * radius, 2.0 * radius);
    EXPECT_NEAR(whole.mass, 1.0, kSumTolerance) << "m = " << m;
    EXPECT_NEAR(whole.mean, 0.0, kSumTolerance * radius);
    // docs/math.md §4.1: int x^2 u / M = (m-1)/(3m-1) R^2 in 1D.
    EXPECT_NEAR(whole.variance, profile.second_moment(kT) / profile.mass(), kSumTolerance * radius * radius);
    const IntervalMoments beyond = law.moments(radius, 3.0 * radius);
    EXPECT_EQ(beyond.mass, 0.0);
    EXPECT_EQ(beyond.mean, radius);
    // Mass of a half line agrees with the CDF.
    const IntervalMoments left = law.moments(-radius, 0.3 * radius);
    EXPECT_NEAR(left.mass, law.cdf(0.3 * radius), kSumTolerance) << "m = " << m;
  }
}

// 50-digit reference for the moments of the normalized 1D Barenblatt law on [a, b], built from the incomplete beta
// function: with s = y/R and z = s^2, int_{s1}^{s2} s^k (1-s^2)^p ds = B((k+1)/2, p+1) (I_{z2} - I_{z1}) / 2 on
// 0 <= s1 <= s2; negative pieces follow by symmetry. Raw moments are differenced in 50 digits, where the
// cancellation of a 1e-7-wide interval costs 14 digits and leaves 36.
using Real = boost::multiprecision::cpp_bin_float_50;

Real raw_moment_positive(int k, const Real& p, const Real& s1, const Real& s2) {
  const Real a = Real(k + 1) / 2;
  return boost::math::beta(a, p + 1) * (boost::math::ibeta(a, p + 1, s2 * s2) - boost::math::ibeta(a, p + 1, s1 * s1)) /
         2;
}

Real raw_moment(int k, const Real& p, const Real& s1, const Real& s2) {
  if (s1 >= 0) return raw_moment_positive(k, p, s1, s2);
  const Real sign = k % 2 == 0 ? Real(1) : Real(-1);
  if (s2 <= 0) return sign * raw_moment_positive(k, p, -s2, -s1);
  return sign * raw_moment_positive(k, p, Real(0), -s1) + raw_moment_positive(k, p, Real(0), s2);
}

struct ReferenceMoments {
  Real mass, mean, variance;
};

ReferenceMoments reference_moments(double m, double radius, double a, double b) {
  const Real p = 1 / (Real(m) - 1);
  const Real r(radius);
  const Real s1 = std::max(Real(a), -r) / r;
  const Real s2 = std::min(Real(b), r) / r;
  const Real m0 = raw_moment(0, p, s1, s2);
  const Real m1 = raw_moment(1, p, s1, s2);
  const Real m2 = raw_moment(2, p, s1, s2);
  const Real total = boost::math::beta(Real(0.5), p + 1);
  const Real mean_s = m1 / m0;
  return {m0 / total, r * mean_s, r * r * (m2 / m0 - mean_s * mean_s)};
}

TEST(BarenblattLaw1D, MomentsOnNarrowIntervalsMatchFiftyDigitReference) {
  // Relative accuracy of mass and variance, and of mean - (interval midpoint) relative to the width: the
  // quadratures are exact (integer p) or converged below round-off, so a few hundred ulps remain.
  constexpr double kMassTolerance = 1e-13;
  constexpr double kVarianceTolerance = 1e-12;  // var/w^2 ~ 1/12 built from terms ~1/3: a few more ulps lost
  constexpr double kMeanWidthTolerance = 1e-12;
  double max_mass_error = 0.0;
  double max_mean_error = 0.0;
  double max_variance_error = 0.0;
  for (const double m : {2.0, 1.5, 3.0, 1.7, 5.0}) {
    const Barenblatt profile(1, m, 1.0);
    constexpr double kT = 1.0;
    const BarenblattLaw1D law(profile, kT);
    const double radius = profile.support_radius(kT);
    for (const double relative_width : {1e-7, 1e-4, 0.3}) {
      const double w = relative_width * radius;
      // Interior, straddling 0, close to (but not touching) an edge, touching each edge, sticking out of it.
      const std::vector<std::pair<double, double>> intervals = {{0.3 * radius, 0.3 * radius + w},
                                                                {-0.77 * radius - w, -0.77 * radius},
                                                                {-0.4 * w, 0.6 * w},
                                                                {0.9999 * radius - w, 0.9999 * radius},
                                                                {radius - 1.5 * w, radius - 0.5 * w},
                                                                {radius - w, radius},
                                                                {-radius, -radius + w},
                                                                {radius - 0.5 * w, radius + 0.5 * w}};
      for (const auto& [a, b] : intervals) {
        const IntervalMoments got = law.moments(a, b);
        const ReferenceMoments want = reference_moments(m, radius, a, b);
        const double lo = std::max(a, -radius);
        const double hi = std::min(b, radius);
        const double width = hi - lo;
        const double centre = lo + 0.5 * width;
        const double mass_error = std::abs(static_cast<double>((Real(got.mass) - want.mass) / want.mass));
        // The mean is returned as centre + shift: its error is eps |centre| from the final addition plus the
        // error of the shift relative to the width.
        const double mean_error =
            std::max(0.0, static_cast<double>(abs(Real(got.mean) - want.mean)) - kEpsilon * std::abs(centre)) / width;
        const double variance_error =
            std::abs(static_cast<double>((Real(got.variance) - want.variance) / want.variance));
        EXPECT_LE(mass_error, kMassTolerance) << "m = " << m << " [" << a << ", " << b << "]";
        EXPECT_LE(mean_error, kMeanWidthTolerance) << "m = " << m << " [" << a << ", " << b << "]";
        EXPECT_LE(variance_error, kVarianceTolerance) << "m = " << m << " [" << a << ", " << b << "]";
        max_mass_error = std::max(max_mass_error, mass_error);
        max_mean_error = std::max(max_mean_error, mean_error);
        max_variance_error = std::max(max_variance_error, variance_error);
      }
    }
  }
  std::printf("[ measured ] moments vs 50 digits: mass %.2e, (mean error)/width %.2e, variance %.2e (relative)\n",
              max_mass_error, max_mean_error, max_variance_error);
}

}  // namespace
}  // namespace blobflow::analysis
