// Unit tests of the Gaussian kernel and mollifier (mollifier.hpp) against quadrature and finite differences:
// unit mass and covariance eps^2 I in d = 1, 2, 3 (docs/math.md §5.6, first row), the closed-form self-convolution
// psi = zeta * zeta against a numerical convolution (docs/math.md §1.5, §2.3: variance 2 eps^2), gradient_factor
// against a central difference of value, and the underflow cut, where the kernel must already be exactly 0.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "blobflow/solvers/mollifier.hpp"

namespace blobflow {
namespace {

/// Tensor trapezoid rule with spacing sigma/4 on [-12 sigma, 12 sigma]^d: the lattice error of a Gaussian is
/// 2 exp(-2 pi^2 sigma^2 / h^2) = 2 exp(-32 pi^2) ~ 1e-137 and the truncation exp(-72) ~ 1e-31 (docs/math.md §2.4), so
/// only round-off remains: nested partial sums of 97 terms per level, a few 1e-14 relative.
constexpr double kQuadratureTolerance = 1e-13;
constexpr int kPointsPerSigma = 4;
constexpr int kHalfWidthInSigmas = 12;

/// A central difference with step h = 1e-5 sigma has truncation error (h/sigma)^2/6 ~ 2e-11 and round-off
/// eps_mach / (h/sigma) ~ 2e-11, both relative to the gradient scale K(0)/sigma; 1e-9 leaves a wide margin.
constexpr double kFdStepInSigmas = 1e-5;
constexpr double kFdTolerance = 1e-9;

/// sum over the lattice {-n..n}^d h of f(x) h^d (x has 3 entries, those beyond d stay 0), with one partial sum per
/// lattice level so that round-off grows like d n eps, not n^d eps.
template <class F>
double lattice_sum(int dim, double h, int n, F&& f) {
  const int n1 = dim >= 2 ? n : 0, n2 = dim >= 3 ? n : 0;
  std::array<double, 3> x{};
  double total = 0.0;
  for (int i = -n; i <= n; ++i) {
    x[0] = h * i;
    double plane = 0.0;
    for (int j = -n1; j <= n1; ++j) {
      x[1] = h * j;
      double row = 0.0;
      for (int k = -n2; k <= n2; ++k) {
        x[2] = h * k;
        row += f(x);
      }
      plane += row;
    }
    total += plane;
  }
  return total * std::pow(h, dim);
}

double squared_norm(const std::array<double, 3>& x, int dim) {
  double r2 = 0.0;
  for (int k = 0; k < dim; ++k) r2 += x[static_cast<std::size_t>(k)] * x[static_cast<std::size_t>(k)];
  return r2;
}

TEST(GaussianMollifier, HasUnitMassAndCovarianceEpsSquaredTimesIdentityInOneTwoAndThreeDimensions) {
  for (int dim = 1; dim <= 3; ++dim) {
    for (const double eps : {0.3, 1.7}) {
      const GaussianMollifier zeta(dim, eps);
      const double h = eps / kPointsPerSigma;
      const int n = kHalfWidthInSigmas * kPointsPerSigma;
      const double mass = lattice_sum(dim, h, n, [&](const auto& x) { return zeta.value(squared_norm(x, dim)); });
      EXPECT_NEAR(mass, 1.0, kQuadratureTolerance) << "d = " << dim << ", eps = " << eps;
      for (int k = 0; k < dim; ++k) {
        for (int l = k; l < dim; ++l) {
          const double moment = lattice_sum(dim, h, n, [&](const auto& x) {
            return x[static_cast<std::size_t>(k)] * x[static_cast<std::size_t>(l)] * zeta.value(squared_norm(x, dim));
          });
          const double expected = (k == l) ? eps * eps : 0.0;
          EXPECT_NEAR(moment, expected, kQuadratureTolerance * eps * eps)
              << "d = " << dim << ", eps = " << eps << ", moment (" << k << ", " << l << ")";
        }
      }
    }
  }
}

TEST(GaussianMollifier, ReportsItsOrderSupportAndWidth) {
  const GaussianMollifier zeta(2, 0.25);
  EXPECT_EQ(zeta.dimension(), 2);
  EXPECT_EQ(zeta.order(), 2);
  EXPECT_EQ(zeta.epsilon(), 0.25);
  EXPECT_EQ(zeta.support_radius(), std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(zeta.self_convolution().sigma(), std::numbers::sqrt2 * 0.25);
  EXPECT_EQ(zeta.self_convolution().dimension(), 2);
}

TEST(GaussianMollifier, SelfConvolutionEqualsNumericalConvolutionInOneDimension) {
  // psi(z) = int zeta(z - y) zeta(y) dy. The integrand is a Gaussian in y of standard deviation eps/sqrt(2) centred
  // at z/2; the trapezoid rule with spacing eps/8 has lattice error 2 exp(-2 pi^2 32) and is exact to round-off.
  constexpr int kPointsPerEps = 8;
  for (const double eps : {0.2, 1.3}) {
    const GaussianMollifier zeta(1, eps);
    const GaussianKernel psi = zeta.self_convolution();
    const double h = eps / kPointsPerEps;
    const int n = kHalfWidthInSigmas * kPointsPerEps;
    for (const double z_in_eps : {0.0, 0.5, 1.3, 3.0, 6.5}) {
      const double z = z_in_eps * eps;
      double s = 0.0;
      for (int i = -n; i <= n; ++i) {
        const double y = 0.5 * z + h * i;
        s += zeta.value((z - y) * (z - y)) * zeta.value(y * y);
      }
      const double numerical = s * h;
      EXPECT_NEAR(psi.value(z * z), numerical, kQuadratureTolerance * psi.value(0.0))
          << "eps = " << eps << ", z = " << z;
    }
  }
}

TEST(GaussianMollifier, SelfConvolutionEqualsNumericalConvolutionInTwoDimensions) {
  constexpr int kPointsPerEps = 6;  // lattice error 2 exp(-2 pi^2 18) ~ 1e-154
  constexpr int kHalfWidth = 10;    // truncation exp(-200): the integrand has standard deviation eps/sqrt(2)
  const double eps = 0.7;
  const GaussianMollifier zeta(2, eps);
  const GaussianKernel psi = zeta.self_convolution();
  const double h = eps / kPointsPerEps;
  const int n = kHalfWidth * kPointsPerEps;
  const std::vector<std::array<double, 2>> points = {{0.0, 0.0}, {0.7, -1.1}, {2.0, 0.5}, {-3.1, 2.2}};
  for (const auto& zr : points) {
    const double z0 = zr[0] * eps, z1 = zr[1] * eps;
    double s = 0.0;
    for (int i = -n; i <= n; ++i) {
      double row = 0.0;
      for (int j = -n; j <= n; ++j) {
        const double y0 = 0.5 * z0 + h * i, y1 = 0.5 * z1 + h * j;
        const double a2 = (z0 - y0) * (z0 - y0) + (z1 - y1) * (z1 - y1);
        row += zeta.value(a2) * zeta.value(y0 * y0 + y1 * y1);
      }
      s += row;
    }
    const double numerical = s * h * h;
    EXPECT_NEAR(psi.value(z0 * z0 + z1 * z1), numerical, kQuadratureTolerance * psi.value(0.0))
        << "z = (" << z0 << ", " << z1 << ")";
  }
}

template <class K>
void expect_gradient_matches_central_difference(const K& kernel, double sigma, int dim) {
  const double h = kFdStepInSigmas * sigma;
  const double gradient_scale = kernel.value(0.0) / sigma;  // max |grad K| = K(0) exp(-1/2) / sigma
  const std::vector<std::array<double, 3>> points_in_sigmas = {
      {0.0, 0.0, 0.0}, {0.3, -0.2, 0.1}, {1.0, 0.5, -0.7}, {-2.2, 1.1, 0.4}, {3.5, -0.5, 2.0}};
  for (const auto& p : points_in_sigmas) {
    std::array<double, 3> x{};
    for (int k = 0; k < dim; ++k) x[static_cast<std::size_t>(k)] = p[static_cast<std::size_t>(k)] * sigma;
    const double factor = kernel.gradient_factor(squared_norm(x, dim));
    for (int k = 0; k < dim; ++k) {
      auto xp = x, xm = x;
      xp[static_cast<std::size_t>(k)] += h;
      xm[static_cast<std::size_t>(k)] -= h;
      const double step = xp[static_cast<std::size_t>(k)] - xm[static_cast<std::size_t>(k)];
      const double fd = (kernel.value(squared_norm(xp, dim)) - kernel.value(squared_norm(xm, dim))) / step;
      EXPECT_NEAR(factor * x[static_cast<std::size_t>(k)], fd, kFdTolerance * gradient_scale)
          << "d = " << dim << ", sigma = " << sigma << ", component " << k << " at (" << x[0] << ", " << x[1] << ", "
          << x[2] << ")";
    }
  }
}

TEST(GaussianMollifier, GradientFactorMatchesCentralDifferenceOfValue) {
  for (int dim = 1; dim <= 3; ++dim) {
    for (const double eps : {0.05, 1.0, 4.0}) {
      const GaussianMollifier zeta(dim, eps);
      expect_gradient_matches_central_difference(zeta, eps, dim);
      expect_gradient_matches_central_difference(zeta.self_convolution(), std::numbers::sqrt2 * eps, dim);
    }
  }
}

TEST(GaussianKernel, ValueAndGradientAreExactlyZeroBeyondTheUnderflowCutAndAlreadyZeroJustBeforeIt) {
  // The cut sits at a = r2 / (2 sigma^2) = 746; exp(-a) rounds to 0 for a > ln(2^1075) = 745.13, so the kernel is
  // continuous across the cut in double precision. Check the premise itself, then the kernel on both sides.
  const double half_subnormal_argument = 1075.0 * std::numbers::ln2;
  ASSERT_LT(half_subnormal_argument, GaussianKernel::kUnderflowArgument);
  EXPECT_EQ(std::exp(-745.2), 0.0);
  EXPECT_GT(std::exp(-745.0), 0.0);  // the smallest subnormal: the cut is not below the true underflow
  for (int dim = 1; dim <= 3; ++dim) {
    // sigma = (2 pi)^(-1/2) makes the normalization 1, so the value is exactly exp(-a): nothing rescues a subnormal.
    for (const double sigma : {1.0 / std::sqrt(2.0 * std::numbers::pi), 0.01, 3.0}) {
      const GaussianKernel kernel(dim, sigma);
      const double two_var = 2.0 * sigma * sigma;
      for (const double a : {745.2, 745.9, 745.999, 746.0, 746.001, 750.0, 1e4, 1e300}) {
        EXPECT_EQ(kernel.value(a * two_var), 0.0) << "d = " << dim << ", sigma = " << sigma << ", a = " << a;
        EXPECT_EQ(kernel.gradient_factor(a * two_var), 0.0) << "d = " << dim << ", sigma = " << sigma << ", a = " << a;
      }
      EXPECT_EQ(kernel.value(std::numeric_limits<double>::infinity()), 0.0);
      EXPECT_EQ(kernel.gradient_factor(std::numeric_limits<double>::infinity()), 0.0);
    }
  }
  const GaussianKernel unit_norm(1, 1.0 / std::sqrt(2.0 * std::numbers::pi));
  const double two_var = 1.0 / std::numbers::pi;
  EXPECT_GT(unit_norm.value(744.0 * two_var), 0.0);  // a subnormal survives below the underflow threshold
  EXPECT_TRUE(std::isnan(unit_norm.value(std::numeric_limits<double>::quiet_NaN())));
}

TEST(GaussianKernel, RejectsBadDimensionAndWidth) {
  EXPECT_THROW(GaussianKernel(0, 1.0), std::invalid_argument);
  EXPECT_THROW(GaussianKernel(4, 1.0), std::invalid_argument);
  EXPECT_THROW(GaussianKernel(1, 0.0), std::invalid_argument);
  EXPECT_THROW(GaussianKernel(1, -1.0), std::invalid_argument);
  EXPECT_THROW(GaussianKernel(1, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(GaussianKernel(1, std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW(GaussianMollifier(2, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow
