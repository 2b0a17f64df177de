// The closed-form y-integral of wpme with a piecewise-constant 1/rhobar and a Gaussian mollifier
// (docs/math.md §2.4 item 1; formulas in wpme_targets.hpp).
#include "blobflow/solvers/wpme_targets.hpp"

#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace blobflow {
namespace {

/// erf(b) - erf(a) without the cancellation of erf near +-1: through erfc when a and b have the same sign.
double erf_difference(double a, double b) {
  if (a >= 0.0 && b >= 0.0) return std::erfc(a) - std::erfc(b);
  if (a <= 0.0 && b <= 0.0) return std::erfc(-b) - std::erfc(-a);
  return std::erf(b) - std::erf(a);
}

/// The one-coordinate factors for the pair (a, b) and the interval [lo, hi]: K and J of docs/math.md §2.4 item 1 with
/// the common factor exp(-(a-b)^2/(4 s^2)) / (2 pi s^2) left out (the caller multiplies it once per pair).
struct BoxFactors {
  double k = 0.0;  // I0
  double j = 0.0;  // -(1/s^2) [ (a-b)/2 I0 - I1 ]
};

BoxFactors box_factors(double a, double b, double lo, double hi, double s) {
  const double mu = 0.5 * (a + b);
  const double p = (hi - mu) / s, q = (lo - mu) / s;
  const double i0 = 0.5 * s * std::sqrt(std::numbers::pi) * erf_difference(q, p);
  const double i1 = -0.5 * s * s * (std::exp(-p * p) - std::exp(-q * q));
  return {i0, -(0.5 * (a - b) * i0 - i1) / (s * s)};
}

/// exp(-a) is 0 in double precision beyond this argument (GaussianKernel::kUnderflowArgument): such pairs add 0.
constexpr double kUnderflow = GaussianKernel::kUnderflowArgument;

}  // namespace

WpmeClosedFormTarget::WpmeClosedFormTarget(double eps, int dimension, std::vector<double> masses,
                                           std::shared_ptr<const Target> target)
    : dim_(dimension), eps_(eps), masses_(std::move(masses)), target_(std::move(target)),
      inverse_(target_ ? target_->piecewise_inverse() : nullptr) {
  if (inverse_ == nullptr)
    throw std::invalid_argument("wpme closed form: needs a piecewise-constant target (uniform on a box, piecewise)");
  if (target_->dimension() != dimension)
    throw std::invalid_argument("wpme closed form: the target's dimension must be the mollifier's");
  if (!(eps > 0.0) || !std::isfinite(eps)) throw std::invalid_argument("wpme closed form: eps must be > 0");
}

void WpmeClosedFormTarget::velocity(std::span<const double> x, std::span<double> v) const {
  const auto d = static_cast<std::size_t>(dim_);
  const std::size_t n = masses_.size();
  const double s = eps_, var = s * s;
  const GaussianKernel psi(dim_, std::numbers::sqrt2 * s);  // zeta * zeta (docs/math.md §2.3)
  const double pair_norm = 1.0 / (2.0 * std::numbers::pi * var);
  for (std::size_t i = 0; i < n; ++i) {
    std::array<double, 3> g{};
    for (std::size_t j = 0; j < n; ++j) {
      std::array<double, 3> diff{};
      double r2 = 0.0;
      for (std::size_t l = 0; l < d; ++l) {
        diff[l] = x[i * d + l] - x[j * d + l];
        r2 += diff[l] * diff[l];
      }
      if (r2 / (4.0 * var) > kUnderflow) continue;
      // Outside part: w_out grad psi(X_i - X_j).
      const double outside = inverse_->outside * psi.gradient_factor(r2);
      std::array<double, 3> term{};
      for (std::size_t l = 0; l < d; ++l) term[l] = outside * diff[l];
      // Each box: (w_k - w_out) J_l prod_(m != l) K_m, times the pair factor.
      double common = 1.0;
      for (std::size_t l = 0; l < d; ++l) common *= pair_norm * std::exp(-diff[l] * diff[l] / (4.0 * var));
      for (const InverseDensityBox& box : inverse_->boxes) {
        std::array<BoxFactors, 3> f{};
        for (std::size_t l = 0; l < d; ++l) f[l] = box_factors(x[i * d + l], x[j * d + l], box.lo[l], box.hi[l], s);
        const double weight = (box.inverse - inverse_->outside) * common;
        for (std::size_t l = 0; l < d; ++l) {
          double c = f[l].j;
          for (std::size_t m = 0; m < d; ++m)
            if (m != l) c *= f[m].k;
          term[l] += weight * c;
        }
      }
      for (std::size_t l = 0; l < d; ++l) g[l] += masses_[j] * term[l];
    }
    for (std::size_t l = 0; l < d; ++l) v[i * d + l] = -g[l];
  }
}

double WpmeClosedFormTarget::energy(std::span<const double> x) const {
  const auto d = static_cast<std::size_t>(dim_);
  const std::size_t n = masses_.size();
  const double s = eps_, var = s * s;
  const GaussianKernel psi(dim_, std::numbers::sqrt2 * s);
  const double pair_norm = 1.0 / (2.0 * std::numbers::pi * var);
  double e = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double row = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      double r2 = 0.0, common = 1.0;
      for (std::size_t l = 0; l < d; ++l) {
        const double diff = x[i * d + l] - x[j * d + l];
        r2 += diff * diff;
        common *= pair_norm * std::exp(-diff * diff / (4.0 * var));
      }
      if (!(r2 / (4.0 * var) <= kUnderflow)) {
        if (std::isnan(r2)) return std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      double term = inverse_->outside * psi.value(r2);
      for (const InverseDensityBox& box : inverse_->boxes) {
        double k = 1.0;
        for (std::size_t l = 0; l < d; ++l) k *= box_factors(x[i * d + l], x[j * d + l], box.lo[l], box.hi[l], s).k;
        term += (box.inverse - inverse_->outside) * common * k;
      }
      row += masses_[j] * term;
    }
    e += masses_[i] * row;
  }
  return 0.5 * e;
}

std::string WpmeClosedFormTarget::describe() const {
  std::ostringstream out;
  out << "wpme (target " << target_->describe() << ", closed-form y-integral), mollifier gaussian eps = " << eps_;
  return out.str();
}

}  // namespace blobflow
