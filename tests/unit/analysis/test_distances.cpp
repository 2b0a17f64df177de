// Unit tests of the exact 1D Wasserstein distances between two particle measures (wasserstein1d.hpp: merge of the
// cumulative weights, docs/math.md §4.2) and of the rate-fitting additions of rate_fit.hpp (weighted least squares, the
// automatic asymptotic window, convergence tables). Known answers: translations, hand-worked two-point couplings,
// the independent formula W1 = int |F_mu - F_nu| dx, the triangle inequality against the particle-vs-law distance,
// and synthetic convergence data with known slopes, noise, floors and NaNs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/rate_fit.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"

namespace blobflow::analysis {
namespace {

/// Distances of O(1) built from O(N) rounded terms of one sign, N <= 1000: a few hundred ulps.
constexpr double kSumTolerance = 1e-13;
/// Exact data fitted in log space (as test_rate_fit.cpp): logs of O(10) carry ~1e-15 absolute error.
constexpr double kExactFitTolerance = 1e-12;
/// Fixed seed of every random test (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261128;

struct Measure {
  std::vector<double> x;
  std::vector<double> w;
};

/// n particles uniform on [-1, 2] with weights uniform on [0.1, 1.1] (unnormalized on purpose).
Measure random_measure(std::mt19937_64& rng, std::size_t n) {
  std::uniform_real_distribution<double> position(-1.0, 2.0);
  std::uniform_real_distribution<double> weight(0.1, 1.1);
  Measure m;
  for (std::size_t i = 0; i < n; ++i) {
    m.x.push_back(position(rng));
    m.w.push_back(weight(rng));
  }
  return m;
}

WassersteinDistances distances(const Measure& a, const Measure& b) { return wasserstein_1d(a.x, a.w, b.x, b.w); }

/// Independent W1 = int |F_a(t) - F_b(t)| dt over the sorted union of the atoms (no merge of quantiles).
double w1_from_cdfs(const Measure& a, const Measure& b) {
  const double total_a = std::accumulate(a.w.begin(), a.w.end(), 0.0);
  const double total_b = std::accumulate(b.w.begin(), b.w.end(), 0.0);
  std::vector<double> atoms = a.x;
  atoms.insert(atoms.end(), b.x.begin(), b.x.end());
  std::sort(atoms.begin(), atoms.end());
  const auto cdf = [](const Measure& m, double total, double t) {
    double sum = 0.0;
    for (std::size_t i = 0; i < m.x.size(); ++i)
      if (m.x[i] <= t) sum += m.w[i];
    return sum / total;
  };
  double w1 = 0.0;
  for (std::size_t k = 0; k + 1 < atoms.size(); ++k)
    w1 += std::abs(cdf(a, total_a, atoms[k]) - cdf(b, total_b, atoms[k])) * (atoms[k + 1] - atoms[k]);
  return w1;
}

// ---------------------------------------------------------------------------------------------------------------
// Particle-vs-particle Wasserstein distances.

TEST(WassersteinTwoMeasures, TranslationByAGivesAbsAForEveryP) {
  std::mt19937_64 rng(kSeed);
  for (const double shift : {-0.75, 1e-3, 2.5}) {
    const Measure mu = random_measure(rng, 200);
    Measure nu = mu;
    for (double& x : nu.x) x += shift;
    std::reverse(nu.x.begin(), nu.x.end());  // any order: the pairs (x, w) are reversed together
    std::reverse(nu.w.begin(), nu.w.end());
    for (double& w : nu.w) w *= 3.0;  // weights are normalized per measure
    const WassersteinDistances d = distances(mu, nu);
    EXPECT_NEAR(d.w1, std::abs(shift), kSumTolerance);
    EXPECT_NEAR(d.w2, std::abs(shift), kSumTolerance);
    // Winf: every merged segment longer than the tie length couples x_i with x_i + shift.
    EXPECT_NEAR(d.winf, std::abs(shift), 4e-15);
  }
}

TEST(WassersteinTwoMeasures, AMeasureAgainstItselfIsZero) {
  std::mt19937_64 rng(kSeed);
  const Measure mu = random_measure(rng, 500);
  const WassersteinDistances d = distances(mu, mu);
  EXPECT_EQ(d.w1, 0.0);
  EXPECT_EQ(d.w2, 0.0);
  EXPECT_EQ(d.winf, 0.0);
  // Rescaled weights round the cumulative levels differently: segments of a few ulps couple neighbouring atoms.
  // They are below round-off in W1, W2 and ignored by Winf (the tie rule of wasserstein1d.hpp).
  Measure scaled = mu;
  for (double& w : scaled.w) w *= 0.37;
  const WassersteinDistances s = distances(mu, scaled);
  EXPECT_LE(s.w1, 1e-14);
  EXPECT_LE(s.w2, 1e-7);  // sqrt of a few-ulp W2^2
  EXPECT_EQ(s.winf, 0.0);
}

TEST(WassersteinTwoMeasures, HandWorkedTwoPointCouplings) {
  struct Case {
    Measure a, b;
    double w1, w2, winf;
  };
  const std::vector<Case> cases = {
      // Levels 1/4, 1 against 1/2, 1: segments [0,1/4] 0-0, [1/4,1/2] 1-0, [1/2,1] 1-2.
      {{{0.0, 1.0}, {1.0, 3.0}}, {{2.0, 0.0}, {1.0, 1.0}}, 0.75, std::sqrt(0.75), 1.0},
      // One atom against two: W1 = 1/3 * 1 + 2/3 * 2, W2^2 = 1/3 + 2/3 * 4.
      {{{0.0}, {5.0}}, {{-1.0, 2.0}, {1.0, 2.0}}, 5.0 / 3.0, std::sqrt(3.0), 2.0},
      // N = 2 against M = 3 with levels 1/2, 1 and 1/3, 2/3, 1: two segments of length 1/6 at distance 1/2.
      {{{1.0, 0.0}, {1.0, 1.0}}, {{0.5, 1.0, 0.0}, {1.0, 1.0, 1.0}}, 1.0 / 6.0, std::sqrt(1.0 / 12.0), 0.5},
      // A zero weight is an atom of no mass: it never enters any distance, Winf included.
      {{{0.0, 100.0}, {1.0, 0.0}}, {{1.0}, {2.0}}, 1.0, 1.0, 1.0},
  };
  for (const Case& c : cases) {
    const WassersteinDistances d = distances(c.a, c.b);
    EXPECT_NEAR(d.w1, c.w1, kSumTolerance);
    EXPECT_NEAR(d.w2, c.w2, kSumTolerance);
    EXPECT_NEAR(d.winf, c.winf, kSumTolerance);
  }
}

TEST(WassersteinTwoMeasures, SymmetricOrderedAndEqualToTheCdfFormulaForW1) {
  std::mt19937_64 rng(kSeed);
  for (int trial = 0; trial < 20; ++trial) {
    const Measure mu = random_measure(rng, 37);
    const Measure nu = random_measure(rng, 53);
    const WassersteinDistances d = distances(mu, nu);
    const WassersteinDistances e = distances(nu, mu);
    EXPECT_DOUBLE_EQ(d.w1, e.w1);
    EXPECT_DOUBLE_EQ(d.w2, e.w2);
    EXPECT_DOUBLE_EQ(d.winf, e.winf);
    EXPECT_LE(d.w1, d.w2 * (1.0 + kSumTolerance));
    EXPECT_LE(d.w2, d.winf * (1.0 + kSumTolerance));
    EXPECT_NEAR(d.w1, w1_from_cdfs(mu, nu), kSumTolerance);
    // Order of the particles is irrelevant.
    Measure shuffled = nu;
    std::vector<std::size_t> order(nu.x.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i = 0; i < order.size(); ++i) {
      shuffled.x[i] = nu.x[order[i]];
      shuffled.w[i] = nu.w[order[i]];
    }
    const WassersteinDistances f = distances(mu, shuffled);
    EXPECT_NEAR(f.w1, d.w1, kSumTolerance);
    EXPECT_NEAR(f.w2, d.w2, kSumTolerance);
    EXPECT_EQ(f.winf, d.winf);
  }
}

/// Quantile midpoints Q((i + 1/2)/N) with equal weights: the fine quantization of a law.
Measure quantization(const Law1D& law, std::size_t n) {
  Measure m;
  for (std::size_t i = 0; i < n; ++i) {
    m.x.push_back(law.quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n)));
    m.w.push_back(1.0);
  }
  return m;
}

TEST(WassersteinTwoMeasures, FineQuantizationOfALawTendsToTheParticleVersusLawDistance) {
  // Triangle inequality: |W(mu, nu_N) - W(mu, law)| <= W(nu_N, law), and W(nu_N, law) -> 0 like 1/N
  // (docs/math.md §2.5).
  std::mt19937_64 rng(kSeed);
  const UniformLaw1D uniform(-0.5, 0.5);
  const Barenblatt profile(1, 2.0, 1.0);
  const BarenblattLaw1D barenblatt(profile, 0.5);
  for (const Law1D* law : {static_cast<const Law1D*>(&uniform), static_cast<const Law1D*>(&barenblatt)}) {
    const Measure mu = random_measure(rng, 10);
    const WassersteinDistances exact = wasserstein_1d(mu.x, mu.w, *law);
    double previous_gap = std::numeric_limits<double>::infinity();
    for (const std::size_t n : {1000U, 10000U, 100000U}) {
      const Measure nu = quantization(*law, n);
      const WassersteinDistances d = distances(mu, nu);
      const WassersteinDistances floor = wasserstein_1d(nu.x, nu.w, *law);
      EXPECT_LE(std::abs(d.w1 - exact.w1), floor.w1 + kSumTolerance);
      EXPECT_LE(std::abs(d.w2 - exact.w2), floor.w2 + kSumTolerance);
      EXPECT_LE(std::abs(d.winf - exact.winf), floor.winf + kSumTolerance);
      const double gap = std::abs(d.w2 - exact.w2);
      EXPECT_LT(gap, previous_gap);
      previous_gap = gap;
    }
    EXPECT_LT(previous_gap, 1e-5);
  }
}

TEST(WassersteinTwoMeasures, BadInputsThrowNamingTheArgument) {
  const std::vector<double> one = {1.0};
  const std::vector<double> two = {1.0, 2.0};
  const std::vector<double> none;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const auto message = [](auto&& call) {
    try {
      call();
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("no exception");
  };
  struct Case {
    std::vector<double> x, xw, y, yw;
    const char* fragment;
  };
  const std::vector<Case> cases = {
      {two, one, one, one, "x_weights.size() = 1: must equal x.size() = 2"},
      {one, one, two, one, "y_weights.size() = 1: must equal y.size() = 2"},
      {none, none, one, one, "x.size() = 0: must be >= 1"},
      {one, one, none, none, "y.size() = 0: must be >= 1"},
      {{nan}, one, one, one, "x[0] = nan: must be finite"},
      {one, one, {1.0, inf}, two, "y[1] = inf: must be finite"},
      {one, {-1.0}, one, one, "x_weights[0] = -1: must be finite and >= 0"},
      {one, one, one, {nan}, "y_weights[0] = nan: must be finite and >= 0"},
      {two, {0.0, 0.0}, one, one, "sum of x_weights = 0: must be finite and > 0"},
      {two, {1e308, 1e308}, one, one, "sum of x_weights = inf"},
  };
  for (const Case& c : cases) {
    const std::string what = message([&] { (void)wasserstein_1d(c.x, c.xw, c.y, c.yw); });
    EXPECT_NE(what.find(c.fragment), std::string::npos) << what;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Weighted least squares.

TEST(WeightedPowerLawFit, EmptyOrEqualWeightsReproduceTheUnweightedFit) {
  const std::vector<double> x = {1.0, 2.0, 4.0, 8.0};
  const std::vector<double> y = {1.0, 2.0, 2.0, 8.0};
  const PowerLawFit plain = fit_power_law(x, y);
  const PowerLawFit empty = fit_power_law(x, y, std::vector<double>{});
  const PowerLawFit equal = fit_power_law(x, y, std::vector<double>(4, 7.5));
  EXPECT_EQ(empty.exponent, plain.exponent);
  EXPECT_EQ(empty.ci95_low, plain.ci95_low);
  EXPECT_NEAR(equal.exponent, plain.exponent, kExactFitTolerance);
  EXPECT_NEAR(equal.std_error, plain.std_error, kExactFitTolerance);
  EXPECT_NEAR(equal.ci95_high, plain.ci95_high, kExactFitTolerance);
}

TEST(WeightedPowerLawFit, HandWorkedExampleWithIntegerWeights) {
  // log2 units X = 0, 1, 2, Y = 0, 1, 3, weights 1, 1, 2: weighted means 5/4 and 7/4, Sxx = 11/4, Sxy = 17/4,
  // slope 17/11, intercept -2/11, residuals 2/11, -4/11, 1/11, weighted SSR 2/11 over 1 degree of freedom,
  // std_error^2 = (2/11)/(11/4) = 8/121. t_{0.975, 1} = tan(0.475 pi) (Cauchy quantile).
  const std::vector<double> x = {1.0, 2.0, 4.0};
  const std::vector<double> y = {1.0, 2.0, 8.0};
  const std::vector<double> w = {1.0, 1.0, 2.0};
  const PowerLawFit fit = fit_power_law(x, y, w);
  ASSERT_TRUE(fit.ok) << fit.message;
  const double t_quantile = std::tan(0.475 * std::acos(-1.0));
  EXPECT_NEAR(fit.exponent, 17.0 / 11.0, kExactFitTolerance);
  EXPECT_NEAR(fit.intercept, -2.0 / 11.0 * std::log(2.0), kExactFitTolerance);
  EXPECT_NEAR(fit.std_error, std::sqrt(8.0) / 11.0, kExactFitTolerance);
  EXPECT_NEAR(fit.ci95_high - fit.exponent, t_quantile * std::sqrt(8.0) / 11.0, 1e-10);
  // An integer weight is a repeated point for the slope (not for the degrees of freedom).
  const PowerLawFit repeated = fit_power_law(std::vector<double>{1.0, 2.0, 4.0, 4.0}, std::vector<double>{1, 2, 8, 8});
  EXPECT_NEAR(fit.exponent, repeated.exponent, kExactFitTolerance);
}

TEST(WeightedPowerLawFit, BadWeightsAreReportedNotFitted) {
  const std::vector<double> x = {1.0, 2.0, 4.0};
  const std::vector<double> y = {1.0, 2.0, 8.0};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    std::vector<double> w;
    const char* fragment;
  };
  for (const Case& c : std::vector<Case>{{{1.0, 1.0}, "weights has 2"},
                                         {{1.0, 0.0, 1.0}, "weights[1] = 0: must be finite and > 0"},
                                         {{1.0, 1.0, nan}, "weights[2] = nan"}}) {
    const PowerLawFit fit = fit_power_law(x, y, c.w);
    EXPECT_FALSE(fit.ok);
    EXPECT_NE(fit.message.find(c.fragment), std::string::npos) << fit.message;
  }
  const PowerLawFit bad_y = fit_power_law(x, std::vector<double>{1.0, -1.0, 2.0}, std::vector<double>{1, 1, 1});
  EXPECT_FALSE(bad_y.ok);
  EXPECT_NE(bad_y.message.find("y[1] = -1"), std::string::npos) << bad_y.message;
}

// ---------------------------------------------------------------------------------------------------------------
// The automatic asymptotic window (fit_convergence_rate, rule in rate_fit.hpp).

std::vector<double> halvings(std::size_t n, double start) {
  std::vector<double> h;
  for (std::size_t k = 0; k < n; ++k) h.push_back(start * std::pow(0.5, static_cast<double>(k)));
  return h;
}

std::vector<RatePointStatus> statuses(const RateFit& result) {
  std::vector<RatePointStatus> out;
  for (const RatePoint& p : result.points) out.push_back(p.status);
  return out;
}

using S = RatePointStatus;

TEST(FitConvergenceRate, ExactPowerLawUsesEveryPoint) {
  for (const double slope : {1.0, 2.0, 4.0}) {
    const std::vector<double> h = halvings(6, 0.5);
    std::vector<double> e;
    for (const double hk : h) e.push_back(0.3 * std::pow(hk, slope));
    const RateFit result = fit_convergence_rate(h, e);
    ASSERT_TRUE(result.fit.ok) << result.fit.message;
    EXPECT_EQ(result.n_used, 6U);
    EXPECT_EQ(result.first_used, 0U);
    EXPECT_EQ(result.last_used, 5U);
    EXPECT_NEAR(result.fit.exponent, slope, kExactFitTolerance);
    EXPECT_NEAR(result.reference_slope, slope, kExactFitTolerance);
    EXPECT_TRUE(std::isnan(result.points[0].rate));
    EXPECT_NEAR(result.points[3].rate, slope, kExactFitTolerance);
    for (const RatePoint& p : result.points) EXPECT_EQ(p.status, S::used);
  }
}

TEST(FitConvergenceRate, DropsPreAsymptoticPointsAndAStagnatedTailWithoutAFloorValue) {
  // e = h^2 (1 + 30 h^2) + 1e-9: local order ~3.8 at h = 1, 2 once 30 h^2 << 1, and 0 once h^2 << 1e-9.
  const std::vector<double> h = halvings(16, 1.0);
  std::vector<double> e;
  for (const double hk : h) e.push_back(hk * hk * (1.0 + 30.0 * hk * hk) + 1e-9);
  const RateFit result = fit_convergence_rate(h, e);
  ASSERT_TRUE(result.fit.ok) << result.fit.message;
  // Pairwise rates 3.87, 3.56, 2.97, 2.39, ..., 1.93, 1.75, 1.29 against the median ~2: the leading trim stops at
  // the pair with 2.39 (within 25%), the trailing trim drops only the last point (1.29 < 0.75 * 2; 1.75 is kept).
  const std::vector<S> expected = {S::pre_asymptotic, S::pre_asymptotic, S::pre_asymptotic, S::used,
                                   S::used, S::used, S::used, S::used, S::used, S::used, S::used, S::used,
                                   S::used, S::used, S::used, S::stagnated};
  EXPECT_EQ(statuses(result), expected) << convergence_table_text(result);
  EXPECT_NEAR(result.fit.exponent, 2.0, 0.05);
  EXPECT_FALSE(result.points[0].reason.empty());
  EXPECT_NE(result.points[15].reason.find("below"), std::string::npos) << result.points[15].reason;
  // The plain fit over every point is far off: the window matters.
  EXPECT_GT(std::abs(fit_power_law(h, e).exponent - 2.0), 0.15);
}

TEST(FitConvergenceRate, AKnownFloorValueCutsTheTail) {
  // e = 3 h^2 + 1e-8 with the floor 1e-8 given: points with e <= 2e-8 are at the floor, later ones follow.
  const std::vector<double> h = halvings(14, 0.25);
  std::vector<double> e;
  for (const double hk : h) e.push_back(3.0 * hk * hk + 1e-8);
  RateWindowOptions options;
  options.floor = {1e-8};
  const RateFit result = fit_convergence_rate(h, e, options);
  ASSERT_TRUE(result.fit.ok) << result.fit.message;
  std::size_t first_at_floor = h.size();
  for (std::size_t k = 0; k < h.size(); ++k)
    if (e[k] <= 2e-8) first_at_floor = std::min(first_at_floor, k);
  ASSERT_LT(first_at_floor, h.size());
  for (std::size_t k = first_at_floor; k < h.size(); ++k) EXPECT_EQ(result.points[k].status, S::at_floor) << k;
  EXPECT_NE(result.points[first_at_floor].reason.find("<= 2 * floor 1e-08"), std::string::npos)
      << result.points[first_at_floor].reason;
  EXPECT_EQ(result.points[0].status, S::used);
  EXPECT_NEAR(result.fit.exponent, 2.0, 0.05) << convergence_table_text(result);
}

TEST(FitConvergenceRate, PerPointQuantizationFloorAgainstN) {
  // Against N (slope -2 expected), error = 50/N^2 + 0.25/N with the per-point quantization floor 0.25/N
  // (docs/math.md §2.5, W1 of the uniform law): the floor takes over once 50/N^2 <= 0.25/N, i.e. N >= 200.
  std::vector<double> n_values;
  std::vector<double> e;
  RateWindowOptions options;
  for (double n = 4.0; n <= 4096.0; n *= 2.0) {
    n_values.push_back(n);
    e.push_back(50.0 / (n * n) + 0.25 / n);
    options.floor.push_back(0.25 / n);
  }
  const RateFit result = fit_convergence_rate(n_values, e, options);
  ASSERT_TRUE(result.fit.ok) << result.fit.message;
  for (std::size_t k = 0; k < n_values.size(); ++k)
    EXPECT_EQ(result.points[k].status == S::at_floor, n_values[k] >= 200.0) << convergence_table_text(result);
  // An additive floor still bends the last used points (at N = 128 it is 40% of the error): the fit is -1.87,
  // closer to -2 than the fit over every point, and a larger floor_margin moves it closer still.
  EXPECT_NEAR(result.fit.exponent, -2.0, 0.15) << convergence_table_text(result);
  EXPECT_LT(std::abs(result.fit.exponent + 2.0), std::abs(fit_power_law(n_values, e).exponent + 2.0));
  options.floor_margin = 8.0;
  const RateFit strict = fit_convergence_rate(n_values, e, options);
  ASSERT_TRUE(strict.fit.ok) << strict.fit.message;
  // error <= 8 floor <=> 50/N^2 <= 1.75/N <=> N >= 28.6: the window ends at N = 16.
  EXPECT_EQ(strict.last_used, 2U) << convergence_table_text(strict);
  EXPECT_LT(std::abs(strict.fit.exponent + 2.0), std::abs(result.fit.exponent + 2.0));
  EXPECT_LT(result.reference_slope, 0.0);
}

TEST(FitConvergenceRate, NoisyDataIntervalContainsTheTrueSlope) {
  // e = 2 N^-1 exp(0.05 Z), N = 8 ... 8192, then three points stuck at 3e-5: the window must end before them.
  constexpr double kNoise = 0.05;
  std::mt19937_64 rng(kSeed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> n_values;
  std::vector<double> e;
  for (double n = 8.0; n <= 8192.0; n *= 2.0) {
    n_values.push_back(n);
    e.push_back(2.0 / n * std::exp(kNoise * normal(rng)));
  }
  for (int k = 0; k < 3; ++k) {
    n_values.push_back(n_values.back() * 2.0);
    e.push_back(3e-4 * std::exp(kNoise * normal(rng)));
  }
  const RateFit result = fit_convergence_rate(n_values, e);
  ASSERT_TRUE(result.fit.ok) << result.fit.message;
  EXPECT_EQ(result.last_used, 10U) << convergence_table_text(result);
  for (std::size_t k = 11; k < n_values.size(); ++k) EXPECT_EQ(result.points[k].status, S::stagnated);
  EXPECT_GE(result.n_used, 8U);
  EXPECT_LT(result.fit.ci95_low, -1.0);
  EXPECT_GT(result.fit.ci95_high, -1.0);
  EXPECT_GT(result.fit.std_error, 0.0);
}

TEST(FitConvergenceRate, NansFailTheFitUnlessExcludedAndThenAreReported) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> h = halvings(6, 0.5);
  std::vector<double> e;
  for (const double hk : h) e.push_back(hk * hk);
  e[5] = nan;
  e[2] = 0.0;
  const RateFit strict = fit_convergence_rate(h, e);
  EXPECT_FALSE(strict.fit.ok);
  EXPECT_NE(strict.fit.message.find("error[2] = 0: must be finite and > 0"), std::string::npos)
      << strict.fit.message;
  EXPECT_EQ(strict.n_used, 0U);
  EXPECT_EQ(strict.points[2].status, S::non_positive);
  EXPECT_EQ(strict.points[0].status, S::not_fitted);
  EXPECT_NE(convergence_table_text(strict).find("fitted order: not available"), std::string::npos);

  RateWindowOptions options;
  options.exclude_invalid = true;
  const RateFit lenient = fit_convergence_rate(h, e, options);
  ASSERT_TRUE(lenient.fit.ok) << lenient.fit.message;
  EXPECT_EQ(lenient.points[2].status, S::non_positive);
  EXPECT_EQ(lenient.points[5].status, S::not_finite);
  EXPECT_EQ(lenient.n_used, 4U);
  EXPECT_NEAR(lenient.fit.exponent, 2.0, kExactFitTolerance);
  EXPECT_NE(lenient.summary.find("2 invalid"), std::string::npos) << lenient.summary;
  EXPECT_TRUE(std::isnan(lenient.points[3].rate));  // table rates are between consecutive rows
}

TEST(FitConvergenceRate, ImpossibleFitsFailWithAMessage) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    std::vector<double> x, e;
    RateWindowOptions options;
    const char* fragment;
  };
  RateWindowOptions low_floor;
  low_floor.floor = {0.2};
  RateWindowOptions wrong_sign;
  wrong_sign.expected_slope = -2.0;
  RateWindowOptions bad_tolerance;
  bad_tolerance.rate_tolerance = nan;
  RateWindowOptions bad_floor;
  bad_floor.floor = {1.0, 2.0};
  RateWindowOptions expect_two;  // rates 4, 4, 4, 2: three leading points are pre-asymptotic
  expect_two.expected_slope = 2.0;
  RateWindowOptions four;
  four.min_points = 4;
  const std::vector<Case> cases = {
      {{1.0, 0.5}, {1.0}, {}, "x has 2 points but error has 1"},
      {{1.0, 0.5}, {1.0, 0.25}, {}, "2 valid points: need at least 3"},
      {{1.0, 0.5, 0.25}, {1.0, 0.25, 0.0625}, four, "3 valid points: need at least 4"},
      {{1.0, 0.25, 0.5}, {1.0, 0.25, 0.0625}, {}, "x must be strictly monotone"},
      {{1.0, 0.5, 0.25}, {1.0, 2.0, 4.0}, {}, "the error does not decrease"},
      {{1.0, 0.5, 0.25}, {1.0, 0.25, 0.0625}, wrong_sign, "expected_slope -2"},
      {{1.0, 0.5, 0.25, 0.125}, {1.0, 0.25, 0.0625, 0.015625}, low_floor, "1 points above the floor"},
      {{1.0, 0.5, 0.25, 0.125, 0.0625}, {1.0, 1.0 / 16, 1.0 / 256, 1.0 / 4096, 1.0 / 16384}, expect_two,
       "only 2 points in the asymptotic window: need at least 3"},
      {{1.0, 0.5, 0.25}, {1.0, 0.25, 0.0625}, bad_tolerance, "rate_tolerance = nan"},
      {{1.0, 0.5, 0.25}, {1.0, 0.25, 0.0625}, bad_floor, "floor has 2 values"},
      {{1.0, nan, 0.25}, {1.0, 0.25, 0.0625}, {}, "x[1] = nan"},
  };
  for (const Case& c : cases) {
    const RateFit result = fit_convergence_rate(c.x, c.e, c.options);
    EXPECT_FALSE(result.fit.ok) << c.fragment;
    EXPECT_NE(result.fit.message.find(c.fragment), std::string::npos) << result.fit.message;
    EXPECT_EQ(result.summary, result.fit.message);
  }
}

TEST(FitConvergenceRate, ExpectedSlopeChoosesTheWindowButIsNotImposed) {
  // Rates 1 then 2: with expected slope 2 the first point is pre-asymptotic; the fitted slope stays observed.
  const std::vector<double> h = {1.0, 0.5, 0.25, 0.125, 0.0625};
  const std::vector<double> e = {1.0, 0.5, 0.125, 0.03125 * 1.1, 0.0078125 * 1.1};
  RateWindowOptions options;
  options.expected_slope = 2.0;
  const RateFit result = fit_convergence_rate(h, e, options);
  ASSERT_TRUE(result.fit.ok) << result.fit.message;
  EXPECT_EQ(statuses(result), (std::vector<S>{S::pre_asymptotic, S::used, S::used, S::used, S::used}));
  EXPECT_EQ(result.reference_slope, 2.0);
  EXPECT_GT(std::abs(result.fit.exponent - 2.0), 1e-3);
  EXPECT_NEAR(result.fit.exponent, fit_power_law(std::vector<double>(h.begin() + 1, h.end()),
                                                  std::vector<double>(e.begin() + 1, e.end()))
                                       .exponent,
              kExactFitTolerance);
}

// ---------------------------------------------------------------------------------------------------------------
// Convergence tables (deal.II ConvergenceTable manner).

RateFit small_study() {
  const std::vector<double> h = {0.5, 0.25, 0.125, 0.0625};
  const std::vector<double> e = {1e-1, 2.5e-2, 6.25e-3, 6.0e-3};
  RateWindowOptions options;
  options.min_points = 2;
  return fit_convergence_rate(h, e, options);
}

TEST(ConvergenceTable, TextHasRowsRatesStatusesAndTheFitLine) {
  ConvergenceTableOptions options;
  options.x_name = "h";
  const std::string text = convergence_table_text(small_study(), options);
  EXPECT_EQ(text,
            "     h      error  order  status\n"
            "   0.5  1.000e-01      -  used\n"
            "  0.25  2.500e-02   2.00  used\n"
            " 0.125  6.250e-03   2.00  used\n"
            "0.0625  6.000e-03   0.06  stagnated\n"
            "fitted order 2.00 (95% CI [2.00, 2.00]) from x = 0.5 to 0.125 (3 of 4 points)\n");
}

TEST(ConvergenceTable, MarkdownAndLatexCarryTheSameContent) {
  ConvergenceTableOptions options;
  options.x_name = "h";
  options.error_name = "W_2 error";
  const RateFit study = small_study();
  const std::string markdown = convergence_table_markdown(study, options);
  EXPECT_EQ(markdown,
            "| h | W_2 error | order | status |\n"
            "|---:|---:|---:|:---|\n"
            "| 0.5 | 1.000e-01 | - | used |\n"
            "| 0.25 | 2.500e-02 | 2.00 | used |\n"
            "| 0.125 | 6.250e-03 | 2.00 | used |\n"
            "| 0.0625 | 6.000e-03 | 0.06 | stagnated |\n"
            "\n"
            "fitted order 2.00 (95% CI [2.00, 2.00]) from x = 0.5 to 0.125 (3 of 4 points)\n");
  const std::string latex = convergence_table_latex(study, options);
  EXPECT_EQ(latex,
            "\\begin{tabular}{rrrl}\n\\toprule\n"
            "h & W\\_2 error & order & status \\\\\n\\midrule\n"
            "$0.5$ & $1.000 \\cdot 10^{-1}$ & -- & used \\\\\n"
            "$0.25$ & $2.500 \\cdot 10^{-2}$ & $2.00$ & used \\\\\n"
            "$0.125$ & $6.250 \\cdot 10^{-3}$ & $2.00$ & used \\\\\n"
            "$0.0625$ & $6.000 \\cdot 10^{-3}$ & $0.06$ & stagnated \\\\\n"
            "\\bottomrule\n\\end{tabular}\n\n"
            "fitted order $2.00$ (95\\% CI $[2.00, 2.00]$) from $x = 0.5$ to $0.125$ (3 of 4 points)\n");
}

}  // namespace
}  // namespace blobflow::analysis
