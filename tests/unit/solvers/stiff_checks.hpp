// Test helpers shared by the stiff integrators' tests (test_rosenbrock.cpp, test_discrete_gradient.cpp): a field
// with its Hessian hidden, and a 1D blob cloud whose explicit step limit falls like h^2.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "blobflow/solvers/point_set.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow::stiff_checks {

/// A field that hides the Hessian of another: the stiff integrators must go matrix-free.
class WithoutHessian final : public VelocityField {
 public:
  explicit WithoutHessian(const VelocityField& inner) : inner_(&inner) {}
  int dimension() const override { return inner_->dimension(); }
  std::span<const double> masses() const override { return inner_->masses(); }
  void velocity(std::span<const double> x, std::span<double> v) const override { inner_->velocity(x, v); }
  double energy(std::span<const double> x) const override { return inner_->energy(x); }
  std::string describe() const override { return "test field without a Hessian"; }

 private:
  const VelocityField* inner_;
};

struct Cloud {
  State x;
  std::vector<double> masses;
  double eps;
};

/// N equal masses 1/N at the quantile midpoints of the density 3/4 (1 - x^2)_+ (the shape of the m = 2 Barenblatt
/// profile), with eps = 4 h, h = 2 / N: the explicit step limit falls like eps^2 ~ h^2 as N grows.
inline Cloud barenblatt_cloud(std::size_t n) {
  Cloud c;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    double lo = -1.0, hi = 1.0;  // bisection on the distribution function 1/2 + 3/4 (x - x^3 / 3)
    for (int k = 0; k < 60; ++k) {
      const double mid = 0.5 * (lo + hi);
      (0.5 + 0.75 * (mid - mid * mid * mid / 3.0) < u ? lo : hi) = mid;
    }
    c.x.push_back(0.5 * (lo + hi));
  }
  c.masses.assign(n, 1.0 / static_cast<double>(n));
  c.eps = 4.0 * 2.0 / static_cast<double>(n);
  return c;
}

}  // namespace blobflow::stiff_checks
