// Unit tests of the observed-order fits (rate_fit.hpp) on data with known answers: exact power laws, a hand-worked
// least-squares example with its Student-t interval, noisy data around a known exponent, and invalid data that must
// be reported, never fitted.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include "blobflow/analysis/rate_fit.hpp"

namespace blobflow::analysis {
namespace {

/// Exact data fitted in log space: logs of O(10) carry ~1e-15 absolute error, the slope a few times that.
constexpr double kExactFitTolerance = 1e-12;
/// Fixed seed of the noisy-data test (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261128;

TEST(FitPowerLaw, ExactPowerLawsRecoverTheExponent) {
  for (const double exponent : {-2.0, 0.5, 1.0, 1.7, 4.0}) {
    std::vector<double> x;
    std::vector<double> y;
    for (int k = 0; k < 6; ++k) {
      x.push_back(0.1 * std::pow(0.5, k));
      y.push_back(3.2 * std::pow(x.back(), exponent));
    }
    const PowerLawFit fit = fit_power_law(x, y);
    ASSERT_TRUE(fit.ok) << fit.message;
    EXPECT_EQ(fit.n_points, 6U);
    EXPECT_NEAR(fit.exponent, exponent, kExactFitTolerance);
    EXPECT_NEAR(fit.intercept, std::log(3.2), kExactFitTolerance);
    EXPECT_LE(fit.std_error, kExactFitTolerance);
    EXPECT_LE(fit.ci95_low, fit.exponent);
    EXPECT_GE(fit.ci95_high, fit.exponent);
    EXPECT_NEAR(fit.ci95_high - fit.ci95_low, 0.0, kExactFitTolerance);
  }
}

TEST(FitPowerLaw, HandWorkedExampleGivesSlopeStandardErrorAndStudentInterval) {
  // In log2 units X = 0, 1, 2, 3 and Y = 0, 1, 1, 3: Sxx = 5, Sxy = 4.5, slope 0.9, intercept -0.1 (times ln 2),
  // residuals 0.1, 0.2, -0.7, 0.4, SSR = 0.7, std_error = sqrt(0.7/2/5) = sqrt(0.07) (units cancel in the slope).
  // Student's t with 2 degrees of freedom has the closed-form quantile t_q = (2q - 1)/sqrt(2 q (1 - q)).
  constexpr double kLevel = 0.975;
  const double t_quantile = (2.0 * kLevel - 1.0) / std::sqrt(2.0 * kLevel * (1.0 - kLevel));
  const std::vector<double> x = {1.0, 2.0, 4.0, 8.0};
  const std::vector<double> y = {1.0, 2.0, 2.0, 8.0};
  const PowerLawFit fit = fit_power_law(x, y);
  ASSERT_TRUE(fit.ok) << fit.message;
  EXPECT_NEAR(fit.exponent, 0.9, kExactFitTolerance);
  EXPECT_NEAR(fit.intercept, -0.1 * std::log(2.0), kExactFitTolerance);
  EXPECT_NEAR(fit.std_error, std::sqrt(0.07), kExactFitTolerance);
  EXPECT_NEAR(fit.ci95_low, 0.9 - t_quantile * std::sqrt(0.07), kExactFitTolerance);
  EXPECT_NEAR(fit.ci95_high, 0.9 + t_quantile * std::sqrt(0.07), kExactFitTolerance);
}

TEST(FitPowerLaw, NoisyDataConfidenceIntervalContainsTheTrueExponent) {
  // y = 2 x^2 exp(0.05 Z), 8 points: the 95% interval must hold 2 for this fixed seed, have the width
  // 2 t_{0.975, 6} std_error, and the slope must lie within a few standard errors of 2.
  constexpr double kTrueExponent = 2.0;
  constexpr double kNoise = 0.05;
  constexpr double kStudentQuantile6 = 2.4469118511449693;  // t_{0.975, 6}, checked with mpmath (40 digits)
  constexpr double kSlopeTolerance = 0.05;  // ~3 standard errors: noise 0.05 over a log x spread sqrt(Sxx) ~ 3.2
  std::mt19937_64 rng(kSeed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x;
  std::vector<double> y;
  for (int k = 0; k < 8; ++k) {
    x.push_back(std::pow(2.0, -k));
    y.push_back(2.0 * std::pow(x.back(), kTrueExponent) * std::exp(kNoise * normal(rng)));
  }
  const PowerLawFit fit = fit_power_law(x, y);
  ASSERT_TRUE(fit.ok) << fit.message;
  EXPECT_GT(fit.std_error, 0.0);
  EXPECT_LT(fit.ci95_low, kTrueExponent);
  EXPECT_GT(fit.ci95_high, kTrueExponent);
  EXPECT_NEAR(fit.ci95_high - fit.ci95_low, 2.0 * kStudentQuantile6 * fit.std_error, kExactFitTolerance);
  EXPECT_NEAR(fit.exponent, kTrueExponent, kSlopeTolerance);
}

TEST(FitPowerLaw, TwoPointsGiveTheExactLineWithZeroError) {
  const std::vector<double> x = {0.1, 0.05};
  const std::vector<double> y = {4e-3, 1e-3};
  const PowerLawFit fit = fit_power_law(x, y);
  ASSERT_TRUE(fit.ok) << fit.message;
  EXPECT_NEAR(fit.exponent, 2.0, kExactFitTolerance);
  EXPECT_EQ(fit.std_error, 0.0);
  EXPECT_EQ(fit.ci95_low, fit.exponent);
  EXPECT_EQ(fit.ci95_high, fit.exponent);
}

TEST(FitPowerLaw, InvalidDataIsReportedNotFitted) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    std::vector<double> x, y;
    const char* fragment;
  };
  const std::vector<Case> cases = {
      {{}, {}, "0 points: need at least 2"},
      {{1.0}, {1.0}, "1 points: need at least 2"},
      {{1.0, 2.0}, {1.0}, "but y has 1"},
      {{1.0, nan, 3.0}, {1.0, 2.0, 3.0}, "x[1] = nan"},
      {{1.0, 2.0, 3.0}, {1.0, -2.0, 3.0}, "y[1] = -2"},
      {{1.0, 2.0, 3.0}, {1.0, 2.0, 0.0}, "y[2] = 0"},
      {{0.0, 2.0, 3.0}, {1.0, 2.0, 3.0}, "x[0] = 0"},
      {{1.0, 2.0, inf}, {1.0, 2.0, 3.0}, "x[2] = inf"},
      {{0.3, 0.3, 0.3}, {1.0, 2.0, 3.0}, "all x are equal"},
  };
  for (const Case& c : cases) {
    const PowerLawFit fit = fit_power_law(c.x, c.y);
    EXPECT_FALSE(fit.ok) << c.fragment;
    EXPECT_NE(fit.message.find(c.fragment), std::string::npos) << fit.message;
  }
}

TEST(FitLine, ExactLinesRecoverSlopeAndInterceptWhateverTheirSign) {
  // y = 37.7 - 75.4 t (a second moment falling to 0 at t = 0.5): exact data, so no residual and a zero-width
  // interval; a rising line through negative values too (fit_power_law would refuse both).
  for (const auto& [intercept, slope] : {std::pair{37.7, -75.4}, std::pair{-3.0, 2.5}}) {
    std::vector<double> t, y;
    for (int k = 0; k <= 4; ++k) {
      t.push_back(0.25 + 0.0625 * k);
      y.push_back(intercept + slope * t.back());
    }
    const LineFit fit = fit_line(t, y);
    ASSERT_TRUE(fit.ok) << fit.message;
    EXPECT_EQ(fit.n_points, 5U);
    EXPECT_NEAR(fit.slope, slope, kExactFitTolerance * std::abs(slope));
    EXPECT_NEAR(fit.intercept, intercept, kExactFitTolerance * std::abs(intercept));
    EXPECT_NEAR(fit.ci95_high - fit.ci95_low, 0.0, kExactFitTolerance * std::abs(slope));
  }
}

TEST(FitLine, HandWorkedExampleGivesSlopeStandardErrorAndStudentInterval) {
  // x = 0, 1, 2, 3 and y = 0, 1, 1, 3: Sxx = 5, Sxy = 4.5, slope 0.9, intercept -0.1, residuals 0.1, 0.2, -0.7, 0.4,
  // SSR = 0.7, std_error = sqrt(0.7/2/5); Student's t with 2 degrees of freedom: t_q = (2q - 1)/sqrt(2 q (1 - q)).
  constexpr double kLevel = 0.975;
  const double t_quantile = (2.0 * kLevel - 1.0) / std::sqrt(2.0 * kLevel * (1.0 - kLevel));
  const LineFit fit = fit_line(std::vector<double>{0.0, 1.0, 2.0, 3.0}, std::vector<double>{0.0, 1.0, 1.0, 3.0});
  ASSERT_TRUE(fit.ok) << fit.message;
  EXPECT_NEAR(fit.slope, 0.9, kExactFitTolerance);
  EXPECT_NEAR(fit.intercept, -0.1, kExactFitTolerance);
  EXPECT_NEAR(fit.std_error, std::sqrt(0.07), kExactFitTolerance);
  EXPECT_NEAR(fit.ci95_low, 0.9 - t_quantile * std::sqrt(0.07), kExactFitTolerance);
  EXPECT_NEAR(fit.ci95_high, 0.9 + t_quantile * std::sqrt(0.07), kExactFitTolerance);
}

TEST(FitLine, InvalidDataIsReportedNotFitted) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    std::vector<double> x, y;
    const char* fragment;
  };
  const std::vector<Case> cases = {
      {{1.0}, {1.0}, "fit_line: 1 points: need at least 2"},
      {{1.0, 2.0}, {1.0}, "but y has 1"},
      {{1.0, 2.0, 3.0}, {1.0, nan, 3.0}, "y[1] = nan: must be finite"},
      {{0.3, 0.3}, {1.0, 2.0}, "all x are equal (0.3): the slope is undefined"},
  };
  for (const Case& c : cases) {
    const LineFit fit = fit_line(c.x, c.y);
    EXPECT_FALSE(fit.ok) << c.fragment;
    EXPECT_NE(fit.message.find(c.fragment), std::string::npos) << fit.message;
  }
}

TEST(PairwiseRates, KnownDataGiveKnownRatesAndNanWhereUndefined) {
  const std::vector<double> x = {1.0, 0.5, 0.25, 0.125, 0.125, 0.0625};
  const std::vector<double> y = {1.0, 0.25, 0.0625, 0.03125, 0.01, 0.0};
  const std::vector<double> rates = pairwise_rates(x, y);
  ASSERT_EQ(rates.size(), 5U);
  EXPECT_NEAR(rates[0], 2.0, kExactFitTolerance);
  EXPECT_NEAR(rates[1], 2.0, kExactFitTolerance);
  EXPECT_NEAR(rates[2], 1.0, kExactFitTolerance);
  EXPECT_TRUE(std::isnan(rates[3]));  // equal x
  EXPECT_TRUE(std::isnan(rates[4]));  // y = 0
  EXPECT_TRUE(pairwise_rates(std::vector<double>{1.0}, std::vector<double>{1.0}).empty());
  EXPECT_THROW(pairwise_rates(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0}), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow::analysis
