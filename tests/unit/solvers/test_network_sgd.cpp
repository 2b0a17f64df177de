// SGD training of a radial-bump network (network_sgd.hpp, docs/math.md §10.4) beside the mean-field flow it
// discretizes: the data samplers' moments, the refusals of bad batch sizes and steps, and the distance of SGD's
// centres from the flow's at the same time t = k tau, which falls as the batch B grows (noise ~ (tau / B)^(1/2)) and
// as the step tau shrinks. The fitted slopes are printed; the test asserts their signs and ranges.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <numeric>
#include <random>
#include <vector>

#include "blobflow/solvers/network_sgd.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

TargetSpec gaussian_data() {
  TargetSpec t;
  t.kind = "gaussian";
  t.mean = {0.1};
  t.covariance = {0.25};
  return t;
}

TEST(DataSampler, SamplesHaveTheDataMeanAndVariance) {
  std::mt19937_64 rng(1);
  const DataSampler g(gaussian_data(), 1);
  TargetSpec u;
  u.box_lo = {-1.0};
  u.box_hi = {3.0};
  const DataSampler box(u, 1);
  EXPECT_DOUBLE_EQ(box.mass(), 1.0);
  constexpr int kSamples = 200000;  // standard error of the mean: sigma / 447
  for (const auto& [sampler, mean, variance] :
       {std::tuple{&g, 0.1, 0.25}, std::tuple{&box, 1.0, 16.0 / 12.0}}) {
    double s = 0.0, s2 = 0.0, y = 0.0;
    for (int k = 0; k < kSamples; ++k) {
      sampler->draw(rng, std::span<double>(&y, 1));
      s += y;
      s2 += y * y;
    }
    const double m = s / kSamples, v = s2 / kSamples - m * m;
    EXPECT_NEAR(m, mean, 5.0 * std::sqrt(variance / kSamples));
    EXPECT_NEAR(v, variance, 0.02 * variance);  // 5 standard errors of the variance, sqrt(2/n) ~ 0.3%
  }
}

TEST(NetworkSgd, RefusesBatchBelowOneAndStepNotPositive) {
  std::mt19937_64 rng(1);
  const DataSampler data(gaussian_data(), 1);
  const NetworkFunction f = [](std::span<const double>) { return 0.0; };
  std::vector<double> x = {0.0, 0.1};
  auto message = [&](SgdSpec s, double eps) {
    try {
      network_sgd(x, 1, eps, f, data, s, 1, rng);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({0, 0.01, 0}, 0.1).find("network.batch = 0: must be >= 1"), std::string::npos);
  EXPECT_NE(message({4, 0.0, 0}, 0.1).find("network.step = 0"), std::string::npos);
  EXPECT_NE(message({4, -1.0, 0}, 0.1).find("network.step = -1"), std::string::npos);
  EXPECT_NE(message({4, std::nan(""), 0}, 0.1).find("network.step"), std::string::npos);
  EXPECT_NE(message({4, 0.01, 0}, 0.0).find("discretization.epsilon"), std::string::npos);
}

// ---- SGD against the flow: 1D, N = 16 neurons of width eps = 0.15 from [-0.5, 0.5], data N(0.1, 0.5^2),
// f* = 1.2 - y^2 / 2, up to T = 0.4.
constexpr double kEps = 0.15;
constexpr double kT = 0.4;
constexpr std::size_t kN = 16;
constexpr int kSeeds = 6;

std::vector<double> start() {
  std::vector<double> x(kN);
  for (std::size_t i = 0; i < kN; ++i) x[i] = -0.5 + (static_cast<double>(i) + 0.5) / kN;
  return x;
}

NetworkFunctionSpec quadratic() {
  NetworkFunctionSpec f;
  f.kind = "quadratic";
  f.height = 1.2;
  f.curvature = 1.0;
  return f;
}

/// The flow's centres at kT: RK4 with dt = 1e-3 (error ~ dt^4, far below SGD's distances).
std::vector<double> flow() {
  FieldSpec spec;
  spec.equation = "network";
  spec.epsilon = kEps;
  spec.target = gaussian_data();
  spec.network = quadratic();
  const auto field = make_velocity_field(spec, std::vector<double>(kN, 1.0 / kN));
  std::vector<double> x = start(), k1(kN), k2(kN), k3(kN), k4(kN), y(kN);
  constexpr int kSteps = 400;
  const double dt = kT / kSteps;
  for (int s = 0; s < kSteps; ++s) {
    field->velocity(x, k1);
    for (std::size_t i = 0; i < kN; ++i) y[i] = x[i] + 0.5 * dt * k1[i];
    field->velocity(y, k2);
    for (std::size_t i = 0; i < kN; ++i) y[i] = x[i] + 0.5 * dt * k2[i];
    field->velocity(y, k3);
    for (std::size_t i = 0; i < kN; ++i) y[i] = x[i] + dt * k3[i];
    field->velocity(y, k4);
    for (std::size_t i = 0; i < kN; ++i) x[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
  }
  return x;
}

/// The RMS over neurons and seeds of SGD's centre i minus the flow's centre i at kT.
double sgd_distance(const std::vector<double>& reference, std::int64_t batch, double step) {
  const DataSampler data(gaussian_data(), 1);
  const NetworkFunction f = make_network_function(quadratic(), 1);
  double sum = 0.0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) + 100U);
    std::vector<double> x = start();
    network_sgd(x, 1, kEps, f, data, {batch, step, 0}, std::llround(kT / step), rng);
    for (std::size_t i = 0; i < kN; ++i) sum += (x[i] - reference[i]) * (x[i] - reference[i]);
  }
  return std::sqrt(sum / (kSeeds * kN));
}

/// The least-squares slope of log y against log x.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  double mx = 0.0, my = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    mx += std::log(x[k]) / static_cast<double>(n);
    my += std::log(y[k]) / static_cast<double>(n);
  }
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    sxy += (std::log(x[k]) - mx) * (std::log(y[k]) - my);
    sxx += (std::log(x[k]) - mx) * (std::log(x[k]) - mx);
  }
  return sxy / sxx;
}

TEST(NetworkSgd, CentresApproachTheFlowAsTheBatchGrowsAndTheStepShrinks) {
  const std::vector<double> reference = flow();
  std::vector<double> batches = {4, 16, 64, 256}, by_batch;
  for (double b : batches) by_batch.push_back(sgd_distance(reference, static_cast<std::int64_t>(b), 0.01));
  std::vector<double> steps = {0.04, 0.02, 0.01, 0.005}, by_step;
  for (double tau : steps) by_step.push_back(sgd_distance(reference, 4, tau));
  const double rate_b = slope(batches, by_batch), rate_tau = slope(steps, by_step);
  std::cout << "RMS distance to the flow at t = " << kT << ", tau = 0.01, B = 4..256:";
  for (double v : by_batch) std::cout << " " << v;
  std::cout << "; slope in B " << rate_b << "\nB = 4, tau = 0.04..0.005:";
  for (double v : by_step) std::cout << " " << v;
  std::cout << "; slope in tau " << rate_tau << "\n";
  // The noise of SGD's centres is ~ (tau / B)^(1/2): slopes -1/2 in B and +1/2 in tau (plus the O(tau) bias).
  EXPECT_GT(rate_b, -0.75);
  EXPECT_LT(rate_b, -0.3);
  EXPECT_GT(rate_tau, 0.3);
  EXPECT_LT(rate_tau, 1.1);
}

}  // namespace
}  // namespace blobflow
