// Mollifiers zeta and the kernels built from them. A blob method replaces the density rho by zeta_eps * rho,
// where zeta_eps(x) = eps^-d zeta(x/eps) (docs/math.md §5.1, §5.6). Both regularized energies of blobflow use the
// self-convolution psi_eps = zeta_eps * zeta_eps (CEHT23, docs/math.md §2.3; CCP19's phi = zeta * zeta, §1.5).
//
// Kernels are radial: K(x) = k(|x|^2). A RadialKernel exposes the profile and the factor g with
// grad K(x) = g(|x|^2) x, so that the summation engines never differentiate anything themselves.
#pragma once

#include <cmath>
#include <concepts>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

namespace blobflow {

/// A radial kernel K(x) = value(|x|^2) in `dimension()` dimensions with grad K(x) = gradient_factor(|x|^2) x.
template <class K>
concept RadialKernel = requires(const K k, double r2) {
  { k.dimension() } -> std::convertible_to<int>;
  { k.value(r2) } -> std::convertible_to<double>;
  { k.gradient_factor(r2) } -> std::convertible_to<double>;
};

/// A mollifier zeta_eps: a radial kernel of unit mass with an order (docs/math.md §5.1), a support radius and its
/// self-convolution psi = zeta_eps * zeta_eps, itself a radial kernel.
template <class Z>
concept Mollifier = RadialKernel<Z> && requires(const Z z) {
  { z.epsilon() } -> std::convertible_to<double>;
  { z.order() } -> std::convertible_to<int>;
  { z.support_radius() } -> std::convertible_to<double>;
  { z.self_convolution() } -> RadialKernel;
};

/// An isotropic Gaussian with standard deviation `sigma` per coordinate (variance sigma^2), unit mass:
///   G(x) = (2 pi sigma^2)^(-d/2) exp(-|x|^2 / (2 sigma^2)),   grad G(x) = -G(x) x / sigma^2.
class GaussianKernel {
 public:
  /// \throws std::invalid_argument unless 1 <= dimension <= 3 and sigma > 0 is finite.
  GaussianKernel(int dimension, double sigma) : dim_(dimension), sigma_(sigma) {
    if (dimension < 1 || dimension > 3) throw std::invalid_argument("GaussianKernel: dimension must be 1, 2 or 3");
    if (!(sigma > 0.0) || !std::isfinite(sigma)) throw std::invalid_argument("GaussianKernel: sigma must be > 0");
    inv_two_var_ = 1.0 / (2.0 * sigma * sigma);
    norm_ = std::pow(2.0 * std::numbers::pi * sigma * sigma, -0.5 * dimension);
    minus_inv_var_ = -1.0 / (sigma * sigma);
  }

  int dimension() const { return dim_; }
  double sigma() const { return sigma_; }

  double value(double r2) const {
    const double a = r2 * inv_two_var_;
    return a > kUnderflowArgument ? 0.0 : norm_ * std::exp(-a);
  }
  double gradient_factor(double r2) const {
    const double a = r2 * inv_two_var_;
    return a > kUnderflowArgument ? 0.0 : minus_inv_var_ * norm_ * std::exp(-a);
  }
  /// d gradient_factor / d r2: the Hessian of G is gradient_factor I + 2 gradient_factor_derivative x x^T.
  double gradient_factor_derivative(double r2) const { return -inv_two_var_ * gradient_factor(r2); }

  /// The cutoff radius R for a truncated sum: for |x| >= R,
  ///   value(|x|^2) <= tol value(0),  |gradient_factor(|x|^2)| <= tol |gradient_factor(0)|,
  ///   |grad G(x)| = |x| |gradient_factor(|x|^2)| <= tol R |gradient_factor(0)|,   tol = relative_tolerance.
  /// The first two hold from exp(-R^2 / (2 sigma^2)) = tol, i.e. R = sigma sqrt(2 ln(1/tol)), as both are multiples
  /// of exp(-|x|^2 / (2 sigma^2)). The full gradient is not monotone (it peaks at |x| = sigma) but decreases for
  /// |x| >= sigma, so R is taken >= sigma (binding only for tol > exp(-1/2)) and the third bound follows.
  /// \throws std::invalid_argument unless 0 < relative_tolerance < 1.
  double truncation_radius(double relative_tolerance) const {
    if (!(relative_tolerance > 0.0 && relative_tolerance < 1.0))
      throw std::invalid_argument("GaussianKernel: relative tolerance must be in (0, 1)");
    const double r = std::sqrt(-2.0 * std::log(relative_tolerance));  // in units of sigma
    return sigma_ * (r > 1.0 ? r : 1.0);
  }

  /// exp(-a) is exactly 0 in double precision for a > 745.2 (the smallest subnormal is about exp(-744.4)), so
  /// skipping those pairs changes no result; it only avoids libm's slow underflow path.
  static constexpr double kUnderflowArgument = 746.0;

 private:
  int dim_;
  double sigma_, inv_two_var_, norm_, minus_inv_var_;
};

/// The Gaussian mollifier of blob width eps: zeta_eps has standard deviation eps per coordinate
/// (docs/math.md §5.6, first row). Order 2, infinite support, psi = zeta_eps * zeta_eps is the Gaussian of standard
/// deviation sqrt(2) eps (variance 2 eps^2; docs/math.md §1.5 and §2.3) in closed form.
class GaussianMollifier {
 public:
  static constexpr const char* kName = "gaussian";
  static constexpr const char* kDescription =
      "Gaussian, standard deviation eps per coordinate, order 2; psi = zeta*zeta in closed form";

  GaussianMollifier(int dimension, double eps) : zeta_(dimension, eps) {}

  int dimension() const { return zeta_.dimension(); }
  double epsilon() const { return zeta_.sigma(); }
  int order() const { return 2; }
  double support_radius() const { return std::numeric_limits<double>::infinity(); }
  double value(double r2) const { return zeta_.value(r2); }
  double gradient_factor(double r2) const { return zeta_.gradient_factor(r2); }
  GaussianKernel self_convolution() const { return {zeta_.dimension(), std::numbers::sqrt2 * zeta_.sigma()}; }

 private:
  GaussianKernel zeta_;
};

static_assert(Mollifier<GaussianMollifier>);

}  // namespace blobflow
