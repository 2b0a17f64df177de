// Unit tests of the exact 1D Wasserstein distances of docs/math.md §4.2 and §7.1 item 8 (EXACT quantization floor):
// closed forms for the uniform law, invariances, W1 <= W2 <= Winf, 10^6 particles, and an independent brute-force
// quantile integral for Barenblatt laws.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/quadrature/gauss.hpp>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"

namespace blobflow::analysis {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
/// Distances assembled from O(N) rounded terms of one sign: a few hundred ulps for N <= 1000.
constexpr double kSumTolerance = 1e-13;
/// Fixed seed of every random test (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261128;

std::vector<double> equal_weights(std::size_t n) { return std::vector<double>(n, 1.0 / static_cast<double>(n)); }

/// Quantile midpoints Q((i + 1/2)/N) of a law.
std::vector<double> quantile_midpoints(const Law1D& law, std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = law.quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n));
  return x;
}

void expect_distances_near(const WassersteinDistances& a, const WassersteinDistances& b, double relative) {
  EXPECT_NEAR(a.w1, b.w1, relative * b.w1);
  EXPECT_NEAR(a.w2, b.w2, relative * b.w2);
  EXPECT_NEAR(a.winf, b.winf, relative * b.winf);
}

// ------------------------------------------------------------------------------------------------------------------
TEST(Wasserstein1D, UniformQuantileMidpointsGiveTheQuantizationFloor) {
  // docs/math.md §7.1 item 8 (EXACT): N equal masses at the quantile midpoints of uniform[-1/2, 1/2]:
  // W1 = 1/(4N), W2 = 1/(sqrt(12) N), Winf = 1/(2N).
  // Positions and quantiles carry an absolute rounding of eps/2, i.e. N eps/2 relative to distances ~ 1/(2N); Winf,
  // a single difference, sees it undamped.
  constexpr double kPositionRoundOffUlps = 4.0;
  const UniformLaw1D law(-0.5, 0.5);
  for (const std::size_t n : {1U, 7U, 100U, 1000U}) {
    const std::vector<double> x = quantile_midpoints(law, n);
    const WassersteinDistances got = wasserstein_1d(x, equal_weights(n), law);
    const double count = static_cast<double>(n);
    const double tolerance = kSumTolerance + kPositionRoundOffUlps * kEpsilon * count;
    expect_distances_near(got, {0.25 / count, 1.0 / (std::sqrt(12.0) * count), 0.5 / count}, tolerance);
  }
}

TEST(Wasserstein1D, MillionParticlesKeepTheQuantizationFloorAccurate) {
  // With 10^6 particles each quantile interval is 1e-6 wide: a running sum of weights drifting by N eps, or a variance
  // computed as E[y^2] - E[y]^2, would show up here. Positions carry eps/2 absolute rounding, i.e. 1e-10 of an
  // interval width, which bounds the attainable relative accuracy.
  constexpr double kMillionTolerance = 1e-9;
  constexpr std::size_t kCount = 1000000;
  const UniformLaw1D law(-0.5, 0.5);
  const WassersteinDistances got = wasserstein_1d(quantile_midpoints(law, kCount), equal_weights(kCount), law);
  const double count = static_cast<double>(kCount);
  const double w2_error = std::abs(got.w2 * std::sqrt(12.0) * count - 1.0);
  EXPECT_LE(w2_error, kMillionTolerance);
  EXPECT_NEAR(got.w1 * 4.0 * count, 1.0, kMillionTolerance);
  EXPECT_NEAR(got.winf * 2.0 * count, 1.0, kMillionTolerance);
  std::printf("[ measured ] uniform N = 1e6: |W2 sqrt(12) N - 1| = %.2e\n", w2_error);
}

TEST(Wasserstein1D, SingleParticleAgainstUniformMatchesClosedForm) {
  constexpr double kLo = -1.0;
  constexpr double kHi = 2.0;
  const UniformLaw1D law(kLo, kHi);
  const double length = kHi - kLo;
  const double mean = 0.5 * (kLo + kHi);
  for (const double x0 : {-3.0, -1.0, 0.1, 0.5, 1.9, 7.5}) {
    const std::vector<double> x = {x0};
    const std::vector<double> weight = {2.5};  // any positive weight: normalized to 1
    const WassersteinDistances got = wasserstein_1d(x, weight, law);
    // E|x0 - U| = ((x0-lo)^2 + (hi-x0)^2)/(2L) inside, |x0 - mean| outside; E(x0-U)^2 = (x0-mean)^2 + L^2/12.
    const bool inside = kLo <= x0 && x0 <= kHi;
    const double w1 =
        inside ? ((x0 - kLo) * (x0 - kLo) + (kHi - x0) * (kHi - x0)) / (2.0 * length) : std::abs(x0 - mean);
    const double w2 = std::sqrt((x0 - mean) * (x0 - mean) + length * length / 12.0);
    const double winf = std::max(std::abs(x0 - kLo), std::abs(x0 - kHi));
    expect_distances_near(got, {w1, w2, winf}, kSumTolerance);
  }
}

TEST(Wasserstein1D, DistancesAreOrderedOnRandomData) {
  // W1 <= W2 <= Winf for probability measures (Jensen), checked on random clouds with zero weights and ties.
  constexpr double kOrderSlack = 1e-14;  // relative: the three are computed along different rounding paths
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const Barenblatt profile(1, 3.0, 1.0);
  const BarenblattLaw1D barenblatt(profile, 0.7);
  const UniformLaw1D box(-0.3, 0.8);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 1 + static_cast<std::size_t>(uniform(rng) * 60.0);
    std::vector<double> x(n);
    std::vector<double> w(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = 3.0 * uniform(rng) - 1.5;
      w[i] = uniform(rng) < 0.1 ? 0.0 : uniform(rng);
      if (i > 0 && uniform(rng) < 0.1) x[i] = x[i - 1];  // ties
    }
    w[0] = 1.0;  // at least one positive weight
    for (const Law1D* law : {static_cast<const Law1D*>(&barenblatt), static_cast<const Law1D*>(&box)}) {
      const WassersteinDistances d = wasserstein_1d(x, w, *law);
      EXPECT_LE(d.w1, d.w2 * (1.0 + kOrderSlack)) << "trial " << trial;
      EXPECT_LE(d.w2, d.winf * (1.0 + kOrderSlack)) << "trial " << trial;
      EXPECT_GT(d.w1, 0.0);
    }
  }
}

TEST(Wasserstein1D, InvariantUnderPermutationOfParticles) {
  std::mt19937_64 rng(kSeed);
  std::normal_distribution<double> normal(0.0, 0.6);
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  const Barenblatt profile(1, 1.7, 3.0, 0.5);
  const BarenblattLaw1D law(profile, 2.0);
  std::vector<double> x(300);
  std::vector<double> w(300);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = normal(rng);
    w[i] = uniform(rng);
  }
  const WassersteinDistances reference = wasserstein_1d(x, w, law);
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (int shuffle = 0; shuffle < 3; ++shuffle) {
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<double> xs(x.size());
    std::vector<double> ws(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      xs[i] = x[order[i]];
      ws[i] = w[order[i]];
    }
    const WassersteinDistances permuted = wasserstein_1d(xs, ws, law);
    EXPECT_EQ(permuted.w1, reference.w1);  // same sorted order, same arithmetic
    EXPECT_EQ(permuted.w2, reference.w2);
    EXPECT_EQ(permuted.winf, reference.winf);
  }
}

TEST(Wasserstein1D, TranslatingParticlesAndUniformLawLeavesDistancesUnchanged) {
  // Shifting by a rounds positions by eps |a|, relative to W ~ 1/N: the tolerance scales with |a| N eps.
  constexpr std::size_t kCount = 40;
  constexpr double kShiftRoundOffUlps = 64.0;
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> x(kCount);
  std::vector<double> w(kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    x[i] = 1.4 * uniform(rng) - 0.2;
    w[i] = 0.2 + uniform(rng);
  }
  const WassersteinDistances reference = wasserstein_1d(x, w, UniformLaw1D(0.0, 1.0));
  for (const double a : {0.37, -5.0, 100.0}) {
    std::vector<double> shifted(kCount);
    for (std::size_t i = 0; i < kCount; ++i) shifted[i] = x[i] + a;
    const WassersteinDistances got = wasserstein_1d(shifted, w, UniformLaw1D(a, 1.0 + a));
    const double tolerance = kShiftRoundOffUlps * kEpsilon * (1.0 + std::abs(a)) / reference.w1;
    expect_distances_near(got, reference, tolerance);
  }
}

TEST(Wasserstein1D, ReflectingParticlesLeavesBarenblattDistancesUnchanged) {
  // The Barenblatt law is symmetric: x -> -x maps the optimal coupling onto itself.
  constexpr double kReflectionTolerance = 1e-12;  // different quadrature node sets on mirrored intervals
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (const double m : {2.0, 3.0}) {
    const Barenblatt profile(1, m);
    const BarenblattLaw1D law(profile, 1.0);
    std::vector<double> x(60);
    for (double& xi : x) xi = 1.6 * uniform(rng);
    std::vector<double> mirrored(x.size());
    std::transform(x.begin(), x.end(), mirrored.begin(), [](double xi) { return -xi; });
    const std::vector<double> w = equal_weights(x.size());
    expect_distances_near(wasserstein_1d(mirrored, w, law), wasserstein_1d(x, w, law), kReflectionTolerance);
  }
}

// Brute force, independent of Law1D::moments: W_p^p = sum_i int_{c_(i-1)}^{c_i} |x_i - Q(u)|^p du by composite
// Gauss-Legendre in u. Q is analytic inside (0, 1); near u = 0 the Barenblatt quantile behaves like u^(1/(p+1)), so
// the end intervals substitute u = v^r (resp. 1 - u = v^r) with r the numerator of p + 1, making Q(v^r) analytic in
// v. W1's integrand has a kink where Q(u) = x_i, i.e. at u = F(x_i), which becomes a panel boundary.
struct BruteForce {
  double w1 = 0.0;
  double w2 = 0.0;
};

template <class Quantile>
BruteForce brute_force_distances(std::vector<double> x, std::vector<double> w, const Quantile& quantile,
                                 const Law1D& law, int r) {
  using Rule = boost::math::quadrature::gauss<double, 30>;
  constexpr int kPanels = 8;
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return x[i] < x[j]; });
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  long double w1 = 0.0L;
  long double w2 = 0.0L;
  double c_left = 0.0;
  double running = 0.0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const double xi = x[order[k]];
    running += w[order[k]];
    const double c_right = k + 1 == order.size() ? 1.0 : running / total;
    // Integrates g(u) over [u0, u1] through u = map(v), v in [v0, v1], with Jacobian.
    const auto integrate = [&](auto g, double v0, double v1, auto map, auto jacobian) {
      long double sum = 0.0L;
      const double h = (v1 - v0) / kPanels;
      for (int panel = 0; panel < kPanels; ++panel) {
        sum += Rule::integrate([&](double v) { return g(map(v)) * jacobian(v); }, v0 + panel * h, v0 + (panel + 1) * h);
      }
      return sum;
    };
    const auto add_piece = [&](double u0, double u1) {
      const auto abs_diff = [&](double u) { return std::abs(xi - quantile(u)); };
      const auto square_diff = [&](double u) { return (xi - quantile(u)) * (xi - quantile(u)); };
      if (u0 == 0.0) {  // u = v^r
        const auto map = [r](double v) { return std::pow(v, r); };
        const auto jacobian = [r](double v) { return r * std::pow(v, r - 1); };
        const double v1 = std::pow(u1, 1.0 / r);
        w1 += integrate(abs_diff, 0.0, v1, map, jacobian);
        w2 += integrate(square_diff, 0.0, v1, map, jacobian);
      } else if (u1 == 1.0) {  // 1 - u = v^r
        const auto map = [r](double v) { return 1.0 - std::pow(v, r); };
        const auto jacobian = [r](double v) { return r * std::pow(v, r - 1); };
        const double v0 = std::pow(1.0 - u0, 1.0 / r);
        w1 += integrate(abs_diff, 0.0, v0, map, jacobian);
        w2 += integrate(square_diff, 0.0, v0, map, jacobian);
      } else {
        const auto identity = [](double u) { return u; };
        const auto one = [](double) { return 1.0; };
        w1 += integrate(abs_diff, u0, u1, identity, one);
        w2 += integrate(square_diff, u0, u1, identity, one);
      }
    };
    if (c_right > c_left) {
      const double kink = law.cdf(xi);
      if (c_left < kink && kink < c_right) {
        add_piece(c_left, kink);
        add_piece(kink, c_right);
      } else {
        add_piece(c_left, c_right);
      }
    }
    c_left = c_right;
  }
  return {static_cast<double>(w1), std::sqrt(static_cast<double>(w2))};
}

TEST(Wasserstein1D, BarenblattMatchesBruteForceQuantileIntegral) {
  // The brute force is converged to ~1e-15; the exact evaluation to round-off. Interval ends Q(c_i) enter both.
  constexpr double kBruteForceTolerance = 1e-12;
  constexpr std::size_t kCount = 50;
  struct Case {
    double m;
    int r;  // numerator of p + 1 = m/(m-1)
  };
  double max_w1_error = 0.0;
  double max_w2_error = 0.0;
  for (const Case c : {Case{2.0, 2}, Case{3.0, 3}, Case{1.5, 3}}) {
    const Barenblatt profile(1, c.m, 1.7, 0.5);
    constexpr double kT = 1.9;
    const BarenblattLaw1D law(profile, kT);
    const double radius = profile.support_radius(kT);
    std::mt19937_64 rng(kSeed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<double> x = quantile_midpoints(law, kCount);
    std::vector<double> w(kCount);
    for (std::size_t i = 0; i < kCount; ++i) {
      x[i] += (uniform(rng) - 0.5) * 2.0 * radius / kCount;  // perturbed by up to ~1 interval width
      w[i] = 0.5 + uniform(rng);
    }
    x[3] = -1.2 * radius;  // outliers beyond the support
    x[40] = 1.1 * radius;
    std::shuffle(x.begin(), x.end(), rng);
    // For m = 2 the brute force uses the docs/math.md §4.2 form of Q in long double, independent of the library's.
    const auto quantile = [&](double u) {
      if (c.m == 2.0) {
        const long double r3 = radius;
        return static_cast<double>(2.0L * r3 * std::sin(std::asin(2.0L * u - 1.0L) / 3.0L));
      }
      return law.quantile(u);
    };
    const BruteForce want = brute_force_distances(x, w, quantile, law, c.r);
    const WassersteinDistances got = wasserstein_1d(x, w, law);
    const double w1_error = std::abs(got.w1 / want.w1 - 1.0);
    const double w2_error = std::abs(got.w2 / want.w2 - 1.0);
    EXPECT_LE(w1_error, kBruteForceTolerance) << "m = " << c.m;
    EXPECT_LE(w2_error, kBruteForceTolerance) << "m = " << c.m;
    max_w1_error = std::max(max_w1_error, w1_error);
    max_w2_error = std::max(max_w2_error, w2_error);
  }
  std::printf("[ measured ] N = 50 vs brute force: max relative error W1 %.2e, W2 %.2e\n", max_w1_error, max_w2_error);
}

/// Expects `call` to throw std::invalid_argument with a message containing `fragment`.
template <class Call>
void expect_invalid(const Call& call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning \"" << fragment << "\"";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST(Wasserstein1D, BadInputsThrow) {
  const UniformLaw1D law(0.0, 1.0);
  const std::vector<double> two = {0.2, 0.4};
  const std::vector<double> one = {1.0};
  const std::vector<double> empty;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expect_invalid([&] { wasserstein_1d(two, one, law); }, "weights.size() = 1");
  expect_invalid([&] { wasserstein_1d(empty, empty, law); }, "x.size() = 0");
  expect_invalid([&] { wasserstein_1d(two, std::vector<double>{1.0, -1.0}, law); }, "weights[1] = -1");
  expect_invalid([&] { wasserstein_1d(two, std::vector<double>{nan, 1.0}, law); }, "weights[0] = nan");
  expect_invalid([&] { wasserstein_1d(two, std::vector<double>{inf, 1.0}, law); }, "weights[0] = inf");
  expect_invalid([&] { wasserstein_1d(two, std::vector<double>{0.0, 0.0}, law); }, "sum of weights = 0");
  expect_invalid([&] { wasserstein_1d(std::vector<double>{0.1, nan}, two, law); }, "x[1] = nan");
  expect_invalid([&] { wasserstein_1d(std::vector<double>{-inf, 0.1}, two, law); }, "x[0] = -inf");
  expect_invalid([] { UniformLaw1D(1.0, 1.0); }, "lo = 1: must be < hi = 1");
  expect_invalid([] { UniformLaw1D(0.0, std::numeric_limits<double>::infinity()); }, "hi = inf");
  expect_invalid([&] { (void)law.quantile(1.1); }, "u = 1.1");
  expect_invalid([&] { (void)law.moments(0.5, 0.2); }, "a = 0.5: must be <= b = 0.2");
  const Barenblatt planar(2, 2.0);
  expect_invalid([&] { BarenblattLaw1D(planar, 1.0); }, "profile.dimension() = 2");
  const Barenblatt line(1, 2.0);
  expect_invalid([&] { BarenblattLaw1D(line, 0.0); }, "t = 0");
  const BarenblattLaw1D barenblatt(line, 1.0);
  expect_invalid([&] { (void)barenblatt.moments(0.1, -0.1); }, "a = 0.1");
  expect_invalid([&] { (void)barenblatt.moments(nan, 0.1); }, "a = nan");
}

}  // namespace
}  // namespace blobflow::analysis
