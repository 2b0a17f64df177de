// The closed-form MMD against Gaussian mixtures (mmd.hpp, docs/math.md §8.4) against Monte Carlo: the expectations
// E k(x, Y) and E k(Y, Y') by sampling, the MMD of a point set to a mixture with a single point (a closed form by
// hand), and i.i.d. samples whose MMD falls like N^(-1/2).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "blobflow/analysis/mmd.hpp"

namespace blobflow::analysis {
namespace {

constexpr std::uint64_t kSeed = 1205;

/// A 2D mixture of two correlated components.
std::vector<NormalTerm> mixture() {
  NormalTerm a{.weight = 1.0, .mean = {-1.0, 0.5}, .covariance = {0.5, 0.2, 0.2, 0.8}};
  NormalTerm b{.weight = 3.0, .mean = {1.5, -0.5}, .covariance = {1.0, -0.3, -0.3, 0.4}};
  return {a, b};
}

/// n samples of the mixture (Cholesky factors by hand for 2 x 2).
std::vector<double> draw(const std::vector<NormalTerm>& mix, std::size_t n, std::mt19937_64& gen) {
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  double total = 0.0;
  for (const NormalTerm& t : mix) total += t.weight;
  std::vector<double> x;
  for (std::size_t i = 0; i < n; ++i) {
    double u = uniform(gen) * total;
    std::size_t a = 0;
    while (a + 1 < mix.size() && u > mix[a].weight) u -= mix[a++].weight;
    const auto& c = mix[a].covariance;
    const double l00 = std::sqrt(c[0]), l10 = c[2] / l00, l11 = std::sqrt(c[3] - l10 * l10);
    const double z0 = normal(gen), z1 = normal(gen);
    x.push_back(mix[a].mean[0] + l00 * z0);
    x.push_back(mix[a].mean[1] + l10 * z0 + l11 * z1);
  }
  return x;
}

TEST(Mmd, OnePointAgainstOneGaussianMatchesTheClosedFormByHand) {
  // 1D, N(m, s^2), kernel width l, one point x: MMD^2 = 1 - 2 l/sqrt(s^2 + l^2) exp(-(x - m)^2 / (2 (s^2 + l^2)))
  // + l / sqrt(2 s^2 + l^2).
  const double m = 0.3, s2 = 0.5, l = 0.7, x = 1.1;
  const NormalTerm t{.weight = 1.0, .mean = {m}, .covariance = {s2}};
  const double by_hand = 1.0 - 2.0 * l / std::sqrt(s2 + l * l) * std::exp(-(x - m) * (x - m) / (2 * (s2 + l * l))) +
                         l / std::sqrt(2 * s2 + l * l);
  const std::vector<double> xs = {x}, w = {2.0};
  EXPECT_NEAR(mmd_to_normal_mixture(xs, w, 1, std::vector<NormalTerm>{t}, l), std::sqrt(by_hand), 1e-14);
}

TEST(Mmd, ClosedFormTermsAgreeWithMonteCarlo) {
  // MMD^2 of a point set P to the mixture equals E over independent draws of k(p, p') - 2 k(p, Y) + k(Y, Y'): with
  // P = 3 fixed points, the estimate from 4e5 draws of Y, Y' has a standard error below 1e-3 (k <= 1).
  constexpr double kMonteCarloTolerance = 5e-3;  // five standard errors of the estimate below
  const auto mix = mixture();
  const double l = 0.9;
  const std::vector<double> p = {0.0, 0.0, 1.0, -1.0, -2.0, 1.0}, w = {1.0, 1.0, 2.0};
  std::mt19937_64 gen(kSeed);
  const std::size_t n = 400'000;
  const std::vector<double> y = draw(mix, n, gen), y2 = draw(mix, n, gen);
  const auto k = [&](double a0, double a1, double b0, double b1) {
    return std::exp(-((a0 - b0) * (a0 - b0) + (a1 - b1) * (a1 - b1)) / (2 * l * l));
  };
  double points = 0.0, cross = 0.0, law = 0.0;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) points += w[i] * w[j] / 16.0 * k(p[2 * i], p[2 * i + 1], p[2 * j], p[2 * j + 1]);
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t i = 0; i < 3; ++i) cross += w[i] / 4.0 * k(p[2 * i], p[2 * i + 1], y[2 * s], y[2 * s + 1]) / double(n);
    law += k(y[2 * s], y[2 * s + 1], y2[2 * s], y2[2 * s + 1]) / double(n);
  }
  const double monte_carlo = points - 2.0 * cross + law;
  const double closed = mmd_to_normal_mixture(p, w, 2, mix, l);
  EXPECT_NEAR(closed * closed, monte_carlo, kMonteCarloTolerance);
}

TEST(Mmd, IidSamplesApproachTheLawAtTheMonteCarloRate) {
  // E MMD^2 of N i.i.d. samples is (E k(Y, Y) - E k(Y, Y')) / N <= 1/N: 16 times the samples, a quarter the MMD.
  const auto mix = mixture();
  std::mt19937_64 gen(kSeed);
  double small = 0.0, large = 0.0;
  constexpr int kRepeats = 8;
  for (int r = 0; r < kRepeats; ++r) {
    const auto a = draw(mix, 250, gen), b = draw(mix, 4000, gen);
    small += std::pow(mmd_to_normal_mixture(a, std::vector<double>(250, 1.0), 2, mix, 1.0), 2) / kRepeats;
    large += std::pow(mmd_to_normal_mixture(b, std::vector<double>(4000, 1.0), 2, mix, 1.0), 2) / kRepeats;
  }
  EXPECT_LT(small, 1.0 / 250);
  EXPECT_LT(large, 1.0 / 4000);
  EXPECT_NEAR(std::log(small / large) / std::log(16.0), 1.0, 0.35);  // eight repeats: about 25% scatter in each mean
}

TEST(Mmd, RejectsBadInput) {
  const auto mix = mixture();
  const std::vector<double> x = {0.0, 0.0}, w = {1.0};
  EXPECT_THROW(mmd_to_normal_mixture(x, w, 2, mix, 0.0), std::invalid_argument);
  EXPECT_THROW(mmd_to_normal_mixture(x, w, 4, mix, 1.0), std::invalid_argument);
  EXPECT_THROW(mmd_to_normal_mixture(x, std::vector<double>{1.0, 1.0}, 2, mix, 1.0), std::invalid_argument);
  EXPECT_THROW(mmd_to_normal_mixture(x, w, 2, std::vector<NormalTerm>{}, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow::analysis
