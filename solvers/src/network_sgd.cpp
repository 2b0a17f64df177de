// Stochastic gradient descent on a network of radial-bump neurons (network_sgd.hpp, docs/math.md §10.4).
#include "blobflow/solvers/network_sgd.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace blobflow {

DataSampler::DataSampler(const TargetSpec& data, int dimension) : dim_(dimension) {
  const std::shared_ptr<const Target> nu = make_network_data(data, dimension);  // validates the spec
  const auto d = static_cast<std::size_t>(dimension);
  if (const PiecewiseInverse* p = nu->piecewise_inverse()) {
    boxes_ = p->boxes;
    double total = 0.0;
    for (const InverseDensityBox& b : boxes_) {
      double volume = 1.0;
      for (std::size_t l = 0; l < d; ++l) volume *= b.hi[l] - b.lo[l];
      total += b.inverse * volume;
      cumulative_.push_back(total);
    }
    for (double& c : cumulative_) c /= total;
    mass_ = total;
    return;
  }
  if (data.kind != "gaussian")
    throw std::invalid_argument("target.kind = \"" + data.kind + "\": SGD samples uniform, piecewise or gaussian data");
  mean_ = data.mean;
  cholesky_.assign(d * d, 0.0);  // covariance = L L^T (positive definite: make_target checked it)
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      double s = data.covariance[i * d + j];
      for (std::size_t k = 0; k < j; ++k) s -= cholesky_[i * d + k] * cholesky_[j * d + k];
      cholesky_[i * d + j] = i == j ? std::sqrt(s) : s / cholesky_[j * d + j];
    }
}

void DataSampler::draw(std::mt19937_64& rng, std::span<double> y) const {
  const auto d = static_cast<std::size_t>(dim_);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  if (!boxes_.empty()) {
    const double r = u(rng);
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), r);
    const InverseDensityBox& b = boxes_[std::min<std::size_t>(it - cumulative_.begin(), boxes_.size() - 1)];
    for (std::size_t l = 0; l < d; ++l) y[l] = b.lo[l] + (b.hi[l] - b.lo[l]) * u(rng);
    return;
  }
  std::normal_distribution<double> g(0.0, 1.0);
  double z[3];
  for (std::size_t l = 0; l < d; ++l) z[l] = g(rng);
  for (std::size_t i = 0; i < d; ++i) {
    y[i] = mean_[i];
    for (std::size_t k = 0; k <= i; ++k) y[i] += cholesky_[i * d + k] * z[k];
  }
}

void network_sgd(std::vector<double>& x, int dimension, double eps, const NetworkFunction& f,
                 const DataSampler& data, const SgdSpec& spec, std::int64_t steps, std::mt19937_64& rng,
                 std::span<const double> masses) {
  if (spec.batch < 1)
    throw std::invalid_argument("network.batch = " + std::to_string(spec.batch) + ": must be >= 1");
  if (!(spec.step > 0.0) || !std::isfinite(spec.step))
    throw std::invalid_argument("network.step = " + std::to_string(spec.step) + ": must be a finite number > 0");
  if (!(eps > 0.0) || !std::isfinite(eps))
    throw std::invalid_argument("discretization.epsilon = " + std::to_string(eps) + ": must be a finite number > 0");
  const auto d = static_cast<std::size_t>(dimension);
  const std::size_t n = x.size() / d;
  if (!masses.empty() && masses.size() != n) throw std::invalid_argument("network_sgd: one mass per neuron");
  const double var = eps * eps;
  const double norm = std::pow(2.0 * std::numbers::pi * var, -0.5 * static_cast<double>(d));
  const auto b_count = static_cast<std::size_t>(spec.batch);
  std::vector<double> y(b_count * d), e(b_count), g(x.size());
  for (std::int64_t s = 0; s < steps; ++s) {
    for (std::size_t b = 0; b < b_count; ++b) {
      const std::span<double> yb(&y[b * d], d);
      data.draw(rng, yb);
      double fn = 0.0;  // f_N(y_b) = sum_j m_j zeta_eps(y_b - X_j), m_j = 1/N by default
      for (std::size_t j = 0; j < n; ++j) {
        double r2 = 0.0;
        for (std::size_t l = 0; l < d; ++l) r2 += (yb[l] - x[j * d + l]) * (yb[l] - x[j * d + l]);
        fn += (masses.empty() ? 1.0 / static_cast<double>(n) : masses[j]) * norm * std::exp(-0.5 * r2 / var);
      }
      e[b] = fn - f(yb);
    }
    // grad zeta_eps(X_i - y) = -(X_i - y) / eps^2 zeta_eps(X_i - y)
    std::fill(g.begin(), g.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t b = 0; b < b_count; ++b) {
        double r2 = 0.0;
        for (std::size_t l = 0; l < d; ++l) r2 += (x[i * d + l] - y[b * d + l]) * (x[i * d + l] - y[b * d + l]);
        const double c = -e[b] * norm * std::exp(-0.5 * r2 / var) / var;
        for (std::size_t l = 0; l < d; ++l) g[i * d + l] += c * (x[i * d + l] - y[b * d + l]);
      }
    const double scale = spec.step * data.mass() / static_cast<double>(b_count);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] -= scale * g[k];
  }
}

void SgdStepper::do_step(const VelocityFunction&, State& x, double, double h) {
  SgdSpec one = spec_;
  one.step = h;
  network_sgd(x, dim_, eps_, f_, data_, one, 1, rng_, masses_);
}

}  // namespace blobflow
