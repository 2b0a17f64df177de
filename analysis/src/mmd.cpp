// The closed-form MMD against Gaussian mixtures (mmd.hpp, docs/math.md §8.4).
#include "blobflow/analysis/mmd.hpp"

#include <cmath>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace blobflow::analysis {
namespace {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

/// E k(x, Y) for Y ~ N(0, S) at offset r = x - mean: det(I + S / l^2)^(-1/2) exp(-r^T (S + l^2 I)^(-1) r / 2), from
/// the Cholesky factor of C = S + l^2 I (det(I + S / l^2) = det(C) / l^(2d)).
class GaussianExpectation {
 public:
  GaussianExpectation(const Matrix& covariance, double length) {
    const auto d = covariance.rows();
    const Matrix c = covariance + length * length * Matrix::Identity(d, d);
    factor_.compute(c);
    if (factor_.info() != Eigen::Success || factor_.vectorD().minCoeff() <= 0.0)
      throw std::invalid_argument("mmd: a component's covariance is not positive definite");
    const double log_det_ratio = factor_.vectorD().array().log().sum() - 2.0 * static_cast<double>(d) * std::log(length);
    scale_ = std::exp(-0.5 * log_det_ratio);
  }
  double at(const Vector& r) const { return scale_ * std::exp(-0.5 * r.dot(factor_.solve(r))); }

 private:
  Eigen::LDLT<Matrix> factor_;
  double scale_ = 1.0;
};

Matrix covariance_of(const NormalTerm& t, int d) {
  Matrix s(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) s(i, j) = t.covariance[static_cast<std::size_t>(i * d + j)];
  return s;
}

Vector mean_of(const NormalTerm& t, int d) {
  Vector m(d);
  for (int i = 0; i < d; ++i) m(i) = t.mean[static_cast<std::size_t>(i)];
  return m;
}

}  // namespace

double mmd_to_normal_mixture(std::span<const double> x, std::span<const double> masses, int dimension,
                             std::span<const NormalTerm> mixture, double length) {
  if (dimension < 1 || dimension > 3) throw std::invalid_argument("mmd: dimension must be 1, 2 or 3");
  const auto d = static_cast<std::size_t>(dimension);
  if (x.size() != masses.size() * d || masses.empty())
    throw std::invalid_argument("mmd: needs N >= 1 points of d coordinates and N masses");
  if (mixture.empty()) throw std::invalid_argument("mmd: the mixture has no component");
  if (!(length > 0.0) || !std::isfinite(length)) throw std::invalid_argument("mmd: the kernel width must be > 0");
  const std::size_t n = masses.size();
  double total_mass = 0.0, total_weight = 0.0;
  for (double m : masses) total_mass += m;
  for (const NormalTerm& t : mixture) total_weight += t.weight;

  // sum_ij w_i w_j k(x_i, x_j): the diagonal, then each pair twice.
  const double inv_two_l2 = 1.0 / (2.0 * length * length);
  double points = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double wi = masses[i] / total_mass;
    double row = 0.0;
    for (std::size_t j = i + 1; j < n; ++j) {
      double r2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) r2 += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
      row += masses[j] * std::exp(-r2 * inv_two_l2);
    }
    points += wi * (wi + 2.0 * row / total_mass);
  }

  // sum_i w_i E k(x_i, Y), and E k(Y, Y') over component pairs.
  double cross = 0.0, law = 0.0;
  Vector r(dimension);
  for (std::size_t a = 0; a < mixture.size(); ++a) {
    const double pa = mixture[a].weight / total_weight;
    const Vector ma = mean_of(mixture[a], dimension);
    const Matrix sa = covariance_of(mixture[a], dimension);
    const GaussianExpectation one(sa, length);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < d; ++k) r(static_cast<Eigen::Index>(k)) = x[i * d + k] - ma(static_cast<Eigen::Index>(k));
      cross += pa * masses[i] / total_mass * one.at(r);
    }
    for (std::size_t b = 0; b < mixture.size(); ++b) {
      const double pb = mixture[b].weight / total_weight;
      const GaussianExpectation pair(sa + covariance_of(mixture[b], dimension), length);
      law += pa * pb * pair.at(ma - mean_of(mixture[b], dimension));
    }
  }
  const double squared = points - 2.0 * cross + law;
  return squared > 0.0 ? std::sqrt(squared) : 0.0;
}

}  // namespace blobflow::analysis
