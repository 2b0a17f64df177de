// The samplers' pieces (samplers.hpp, docs/math.md §8) against exact facts: the score of the gaussian and mixture
// targets by finite differences; the stationary variance of ULA on a Gaussian, s^2 / (1 - delta / (2 s^2)); MALA's
// unbiased stationary mean and variance at the same step; SVGD with one particle is gradient ascent on log rhobar;
// the random-batch velocity (blob and SVGD) is unbiased, averaged over many draws; the batch partition's sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "blobflow/solvers/samplers.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

constexpr std::uint64_t kSeed = 20261205;

std::shared_ptr<const Target> gaussian_1d(double variance) {
  TargetSpec spec;
  spec.kind = "gaussian";
  spec.mean = {0.0};
  spec.covariance = {variance};
  return make_target(spec, 1);
}

std::shared_ptr<const Target> mixture_2d() {
  TargetSpec spec;
  spec.kind = "mixture";
  spec.weights = {1.0, 3.0};
  spec.means = {-1.0, 0.5, 1.5, -0.5};
  spec.covariances = {0.5, 0.2, 0.2, 0.8, 1.0, -0.3, -0.3, 0.4};
  return make_target(spec, 2);
}

TEST(TargetScore, MatchesCentralDifferencesOfTheLogDensity) {
  // Central differences with step 1e-5 have truncation error ~ 1e-10 |f'''| and round-off ~ 1e-16 |f| / 1e-5, both
  // far below this tolerance for log densities of order 1 with derivatives of order 1.
  constexpr double kFiniteDifferenceTolerance = 1e-7;
  const auto target = mixture_2d();
  ASSERT_TRUE(target->has_score());
  for (const auto& y : std::vector<std::array<double, 2>>{{0.0, 0.0}, {-1.2, 0.7}, {2.0, -1.0}, {4.0, 3.0}}) {
    std::array<double, 2> g{};
    target->score(y, g);
    for (std::size_t k = 0; k < 2; ++k) {
      constexpr double kStep = 1e-5;
      std::array<double, 2> up = y, down = y;
      up[k] += kStep, down[k] -= kStep;
      const double fd = (target->log_density(up) - target->log_density(down)) / (2 * kStep);
      EXPECT_NEAR(g[k], fd, kFiniteDifferenceTolerance) << "y = (" << y[0] << ", " << y[1] << "), k = " << k;
    }
    EXPECT_NEAR(target->log_density(y), std::log(target->density(y)), 1e-12);
  }
}

TEST(TargetScore, LogDensityStaysFiniteWhereTheDensityUnderflows) {
  const auto target = gaussian_1d(1.0);
  const double y = 50.0;  // exp(-1250) underflows to 0
  EXPECT_EQ(target->density(std::span<const double>(&y, 1)), 0.0);
  EXPECT_NEAR(target->log_density(std::span<const double>(&y, 1)), -1250.0 - 0.5 * std::log(2 * M_PI), 1e-9);
}

TEST(TargetScore, PiecewiseTargetsHaveNoScoreAndNoLawOutsideTheirHull) {
  TargetSpec spec;
  spec.kind = "piecewise";
  spec.pieces = {{{-0.5}, {0.0}, 0.5}, {{0.0}, {0.5}, 1.5}};
  const auto target = make_target(spec, 1);
  EXPECT_FALSE(target->has_score());
  double g = 0.0, y = 0.25;
  EXPECT_THROW(target->score(std::span<const double>(&y, 1), std::span<double>(&g, 1)), std::logic_error);
  EXPECT_DOUBLE_EQ(target->log_density(std::span<const double>(&y, 1)), std::log(1.5));
  y = 0.6;
  EXPECT_EQ(target->log_density(std::span<const double>(&y, 1)), -INFINITY);
}

/// The sample mean and variance of x, with the standard errors of both for independent draws.
struct SampleMoments {
  double mean = 0.0, variance = 0.0, mean_error = 0.0, variance_error = 0.0;
};
SampleMoments moments(const State& x) {
  const double n = static_cast<double>(x.size());
  SampleMoments m;
  m.mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double m4 = 0.0;
  for (double v : x) m.variance += (v - m.mean) * (v - m.mean) / n, m4 += std::pow(v - m.mean, 4) / n;
  m.mean_error = std::sqrt(m.variance / n);
  m.variance_error = std::sqrt((m4 - m.variance * m.variance) / n);
  return m;
}

/// Four standard errors: a correct sampler fails with probability 6e-5 (and the seed is fixed); the biases the tests
/// must see are at least 8 standard errors.
constexpr double kStandardErrors = 4.0;
constexpr std::size_t kChains = 40'000;

/// N independent chains of `stepper` on N(0, s^2) from 0 for `steps` steps of delta.
State run_chains(CustomStepper& stepper, double variance, double delta, std::size_t steps) {
  const auto target = gaussian_1d(variance);
  const auto field = make_score_field(target, std::vector<double>(kChains, 1.0 / kChains));
  State x(kChains, 0.0);
  IntegratorSpec spec;
  spec.method = "euler";
  spec.dt = delta;
  spec.max_steps = static_cast<std::int64_t>(steps) + 10;
  const std::vector<double> times = {delta * static_cast<double>(steps)};
  const IntegrationStats stats = integrate_with(stepper, *field, x, 0.0, times, spec);
  EXPECT_EQ(stats.status, RunStatus::ok);
  return x;
}

TEST(Langevin, UlaHasTheStationaryVarianceOfItsDiscreteChain) {
  // x_(k+1) = (1 - delta / s^2) x_k + sqrt(2 delta) xi: stationary variance s^2 / (1 - delta / (2 s^2)). With
  // s^2 = 1 and delta = 0.2 that is 1.1111, 0.11 (about 14 standard errors) above the target's variance; 200 steps
  // contract the start by 0.8^200.
  LangevinStepper ula(kSeed);
  const double s2 = 1.0, delta = 0.2;
  const SampleMoments m = moments(run_chains(ula, s2, delta, 200));
  const double exact = s2 / (1.0 - delta / (2.0 * s2));
  EXPECT_NEAR(m.variance, exact, kStandardErrors * m.variance_error) << "ula variance " << m.variance;
  EXPECT_GT(std::abs(m.variance - s2), 2.0 * kStandardErrors * m.variance_error) << "the O(delta) bias is visible";
  EXPECT_NEAR(m.mean, 0.0, kStandardErrors * m.mean_error);
}

TEST(Langevin, MalaIsUnbiasedAtTheSameStep) {
  MalaStepper mala(gaussian_1d(1.0), kSeed);
  const SampleMoments m = moments(run_chains(mala, 1.0, 0.2, 200));
  EXPECT_NEAR(m.variance, 1.0, kStandardErrors * m.variance_error) << "mala variance " << m.variance;
  EXPECT_NEAR(m.mean, 0.0, kStandardErrors * m.mean_error);
  EXPECT_GT(mala.counts().acceptance_rate(), 0.9);  // delta = 0.2 on N(0, 1): most proposals are accepted
  EXPECT_LT(mala.counts().acceptance_rate(), 1.0);
  EXPECT_EQ(mala.counts().proposed, 200 * kChains);
}

TEST(Langevin, TheSameSeedGivesTheSameChains) {
  LangevinStepper a(kSeed), b(kSeed), c(kSeed + 1);
  const State xa = run_chains(a, 1.0, 0.1, 5), xb = run_chains(b, 1.0, 0.1, 5), xc = run_chains(c, 1.0, 0.1, 5);
  EXPECT_EQ(xa, xb);
  EXPECT_NE(xa, xc);
}

TEST(Svgd, OneParticleIsGradientAscentOnLogRhobar) {
  const auto target = mixture_2d();
  SvgdSpec spec;
  spec.rule = SvgdBandwidth::fixed;
  spec.bandwidth = 0.7;
  spec.engine = "direct";
  const std::vector<double> x = {0.3, -0.4};
  const auto field = make_svgd_field(spec, target, {1.0}, x);
  std::array<double, 2> v{}, score{};
  field->velocity(x, v);
  target->score(x, score);
  for (std::size_t k = 0; k < 2; ++k) EXPECT_NEAR(v[k], score[k], 1e-15 * std::abs(score[k]));
}

TEST(Svgd, MatchesTheDirectFormulaOnEveryEngine) {
  // phi_i = (1/N) sum_j [k(x_i, x_j) s_j + (x_i - x_j) / h^2 k(x_i, x_j)], summed here in the plainest way.
  const auto target = mixture_2d();
  const std::size_t n = 60;
  std::vector<double> x(2 * n);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(1.7 * static_cast<double>(i)) * 2.0;
  const double h = median_bandwidth(x, 2);
  std::vector<double> expected(2 * n, 0.0), score(2 * n);
  for (std::size_t i = 0; i < n; ++i) target->score(std::span(x).subspan(2 * i, 2), std::span(score).subspan(2 * i, 2));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double r2 = std::pow(x[2 * i] - x[2 * j], 2) + std::pow(x[2 * i + 1] - x[2 * j + 1], 2);
      const double k = std::exp(-r2 / (2 * h * h));
      for (std::size_t c = 0; c < 2; ++c)
        expected[2 * i + c] += (k * score[2 * j + c] + (x[2 * i + c] - x[2 * j + c]) / (h * h) * k) / double(n);
    }
  double scale = 0.0;
  for (double e : expected) scale = std::max(scale, std::abs(e));
  for (const char* engine : {"direct", "simd", "truncated", "truncated-simd"}) {
    SvgdSpec spec;
    spec.rule = SvgdBandwidth::median;
    spec.engine = engine;
    const auto field = make_svgd_field(spec, target, std::vector<double>(n, 1.0), x);
    std::vector<double> v(2 * n);
    field->velocity(x, v);
    // The truncated engines drop kernel values below 1e-16 of the peak (engines.hpp): round-off level.
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], expected[i], 1e-12 * scale) << engine << " " << i;
  }
}

TEST(Svgd, MedianBandwidthIsTheMedianPairDistanceOverTwoLogNPlusOne) {
  // Points 0, 1, 3: pair distances 1, 2, 3, median 2: h^2 = 4 / (2 log 4).
  EXPECT_DOUBLE_EQ(median_bandwidth(std::vector<double>{0.0, 1.0, 3.0}, 1), std::sqrt(4.0 / (2.0 * std::log(4.0))));
  // Points 0, 1, 3, 7: distances 1, 2, 3, 4, 6, 7, even count: the mean of the middle two, (9 + 16) / 2.
  EXPECT_DOUBLE_EQ(median_bandwidth(std::vector<double>{0.0, 1.0, 3.0, 7.0}, 1),
                   std::sqrt(12.5 / (2.0 * std::log(5.0))));
  EXPECT_THROW(median_bandwidth(std::vector<double>{1.0, 1.0}, 1), std::invalid_argument);
}

TEST(RandomBatch, PartitionsEveryParticleOnceInBatchesOfAtLeastP) {
  for (const auto& [n, p] : std::vector<std::pair<std::size_t, std::size_t>>{{10, 3}, {12, 4}, {7, 7}, {100, 2}}) {
    BatchPartition partition(n, p, kSeed);
    std::multiset<std::size_t> seen;
    std::size_t pairs = 0;
    for (std::size_t b = 0; b < partition.size(); ++b) {
      EXPECT_GE(partition.batch(b).size(), p);
      EXPECT_LE(partition.batch(b).size(), p + p - 1);
      pairs += partition.batch(b).size() * partition.batch(b).size();
      seen.insert(partition.batch(b).begin(), partition.batch(b).end());
    }
    EXPECT_EQ(seen.size(), n);
    EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), n);
    EXPECT_EQ(pairs, batch_pairs(n, p));
  }
  EXPECT_THROW(BatchPartition(10, 1, kSeed), std::invalid_argument);
  EXPECT_THROW(BatchPartition(10, 11, kSeed), std::invalid_argument);
  EXPECT_EQ(batch_pairs(10, 0), 100u);
}

/// The mean of `draws` random-batch velocities against the full velocity, component by component: within
/// kStandardErrors standard errors of the mean (estimated from the draws).
void expect_unbiased(RandomizedField& batched, const VelocityField& full, const std::vector<double>& x, int draws) {
  std::vector<double> exact(x.size()), v(x.size()), sum(x.size(), 0.0), sum2(x.size(), 0.0);
  full.velocity(x, exact);
  for (int k = 0; k < draws; ++k) {
    batched.next_step();
    batched.velocity(x, v);
    for (std::size_t i = 0; i < x.size(); ++i) sum[i] += v[i], sum2[i] += v[i] * v[i];
  }
  int distinct = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double mean = sum[i] / draws, var = sum2[i] / draws - mean * mean;
    const double error = std::sqrt(std::max(var, 0.0) / draws);
    if (var > 0.0) ++distinct;
    EXPECT_NEAR(mean, exact[i], kStandardErrors * error + 1e-12 * std::abs(exact[i])) << "component " << i;
  }
  EXPECT_GT(distinct, 0) << "the batches change the velocity";
}

std::vector<double> spread_points(std::size_t n, int d) {
  std::vector<double> x(n * static_cast<std::size_t>(d));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.5 * std::sin(2.3 * static_cast<double>(i) + 0.4);
  return x;
}

TEST(RandomBatch, BlobVelocityIsUnbiased) {
  // wpme towards a Gaussian target (quadrature y-integral): linear in the other particles' masses.
  FieldSpec spec;
  spec.equation = "wpme";
  spec.epsilon = 0.3;
  spec.engine = "direct";
  spec.target.kind = "gaussian";
  spec.target.mean = {0.0};
  spec.target.covariance = {1.0};
  const std::size_t n = 23;
  const std::vector<double> masses(n, 1.0 / n);
  const auto full = make_velocity_field(spec, masses);
  const auto batched =
      make_random_batch_field([&](const std::vector<double>& m) { return make_velocity_field(spec, m); }, masses, 5,
                              kSeed);
  expect_unbiased(*batched, *full, spread_points(n, 1), 4000);
}

TEST(RandomBatch, SvgdVelocityIsUnbiased) {
  const auto target = mixture_2d();
  const std::size_t n = 30;
  const std::vector<double> x = spread_points(n, 2);
  SvgdSpec spec;
  spec.rule = SvgdBandwidth::fixed;
  spec.bandwidth = 0.8;
  spec.engine = "direct";
  const auto full = make_svgd_field(spec, target, std::vector<double>(n, 1.0), x);
  spec.batch = 4;
  spec.seed = kSeed;
  auto field = make_svgd_field(spec, target, std::vector<double>(n, 1.0), x);
  auto* batched = dynamic_cast<RandomizedField*>(field.get());
  ASSERT_NE(batched, nullptr);
  expect_unbiased(*batched, *full, x, 4000);
}

TEST(StreamSeed, StreamsDifferFromEachOtherAndFromTheSeed) {
  EXPECT_EQ(stream_seed(7, 0), 7u);
  EXPECT_NE(stream_seed(7, kDynamicsStream), 7u);
  EXPECT_NE(stream_seed(7, kDynamicsStream), stream_seed(7, kBatchStream));
  EXPECT_NE(stream_seed(7, kDynamicsStream), stream_seed(8, kDynamicsStream));
}

}  // namespace
}  // namespace blobflow
