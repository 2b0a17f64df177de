// High-order and compactly supported mollifiers zeta_eps for the blob methods, beside the Gaussian of mollifier.hpp,
// each with its self-convolution psi_eps = zeta_eps * zeta_eps (CCP19's phi, CEHT23's kernel; docs/math.md §1.5, §2.3):
//   laguerre4/6/8  Laguerre-Gaussian kernels of order 4, 6, 8 (docs/math.md §5.2); psi in closed form.
//   dog4, dog6     differences of Gaussians of order 4, 6 (docs/math.md §5.3); psi in closed form.
//   wendland-c2, wendland-c4, bspline3
//                  compactly supported, nonnegative, order 2 (docs/math.md §5.5); psi from an accurate radial table.
// All satisfy the Mollifier concept of mollifier.hpp and, like the Gaussian, document their scaling convention
// (docs/math.md §5.6). Every kernel (zeta and psi) also reports truncation_radius(tol) for truncated summation engines.
//
// Sign: a mollifier of order >= 4 has int |x|^2 zeta = 0, which no nonnegative kernel can have, so order() >= 4
// means "changes sign"; every order-2 mollifier of blobflow is nonnegative. Sign-changing kernels are admissible
// only where the energy is a square (CEHT23 and CCP19 with m = 2, docs/math.md §2.3), never for CCP19 with m != 2,
// which needs phi * rho > 0. `changes_sign(zeta)` below states this for the configuration layer.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/registry.hpp"

namespace blobflow {

/// Whether zeta takes negative values: exactly when its order is >= 4 (a kernel with vanishing second moment
/// cannot be nonnegative; every order-2 mollifier of blobflow is nonnegative). CCP19 with m != 2 needs a
/// nonnegative zeta (docs/math.md §2.3).
template <Mollifier Z>
constexpr bool changes_sign(const Z& zeta) {
  return zeta.order() >= 4;
}

namespace detail {

/// \throws std::invalid_argument unless 0 < tolerance < 1.
inline void check_truncation_tolerance(double relative_tolerance) {
  if (!(relative_tolerance > 0.0 && relative_tolerance < 1.0))
    throw std::invalid_argument("truncation_radius: relative tolerance must lie in (0, 1)");
}

inline void check_dimension_and_width(int dimension, double eps, const char* who) {
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument(std::string(who) + ": dimension must be 1, 2 or 3");
  if (!(eps > 0.0) || !std::isfinite(eps)) throw std::invalid_argument(std::string(who) + ": eps must be > 0");
}

}  // namespace detail

/// A sum of polynomials times normalized isotropic Gaussians, the closed form of every Gaussian-family kernel here:
///   K(x) = sum_t G_{sigma_t}(x) P_t(u_t),   u_t = |x|^2 / (2 sigma_t^2),   P_t(u) = sum_j c_tj u^j,
/// with G_sigma the unit-mass Gaussian of standard deviation sigma per coordinate (mollifier.hpp). Since
/// d/d|x|^2 [exp(-u) P(u)] = exp(-u) (P' - P)(u) / (2 sigma^2), grad K(x) = g(|x|^2) x with
///   g(r2) = sum_t G_{sigma_t}(x) (P_t' - P_t)(u_t) / sigma_t^2.
/// A term with u_t > GaussianKernel::kUnderflowArgument is skipped: exp(-u_t) is 0 there in double precision.
template <int NTerms, int NCoeffs>
class GaussianPolynomialKernel {
 public:
  /// One Gaussian of standard deviation `sigma` and the coefficients c_j of its polynomial in u = |x|^2/(2 sigma^2).
  struct Term {
    double sigma = 1.0;
    std::array<double, NCoeffs> polynomial{};
  };

  /// \throws std::invalid_argument unless 1 <= dimension <= 3 and every sigma > 0 is finite.
  GaussianPolynomialKernel(int dimension, const std::array<Term, NTerms>& terms) : dim_(dimension) {
    detail::check_dimension_and_width(dimension, 1.0, "GaussianPolynomialKernel");
    for (std::size_t t = 0; t < NTerms; ++t) {
      const double sigma = terms[t].sigma;
      if (!(sigma > 0.0) || !std::isfinite(sigma))
        throw std::invalid_argument("GaussianPolynomialKernel: sigma must be > 0");
      const double norm = std::pow(2.0 * std::numbers::pi * sigma * sigma, -0.5 * dimension);
      sigma_[t] = sigma;
      inv_two_var_[t] = 1.0 / (2.0 * sigma * sigma);
      for (std::size_t j = 0; j < NCoeffs; ++j) {
        value_[t][j] = norm * terms[t].polynomial[j];
        // (P' - P)_j = (j + 1) c_(j+1) - c_j
        const double next = j + 1 < NCoeffs ? static_cast<double>(j + 1) * terms[t].polynomial[j + 1] : 0.0;
        gradient_[t][j] = norm * (next - terms[t].polynomial[j]) / (sigma * sigma);
      }
    }
  }

  int dimension() const { return dim_; }
  double support_radius() const { return std::numeric_limits<double>::infinity(); }

  double value(double r2) const { return evaluate(value_, r2); }
  double gradient_factor(double r2) const { return evaluate(gradient_, r2); }

  /// A radius R beyond which |value| <= tol max|value| and |gradient_factor| <= tol max|gradient_factor| (the
  /// TruncatableKernel contract of truncated_sum.hpp), and |x| |gradient_factor| <= tol R max|gradient_factor|.
  /// Safe: for u_t >= NCoeffs - 1/2 in every term the envelopes sum_t |G_t| sum_j |c_tj| u_t^j of |value| and of
  /// |gradient_factor| decrease, even times |x|; R is the first radius past that point where both envelopes fall
  /// below tol times a sampled lower bound of the maxima. Tight within a few percent for small tol.
  /// \throws std::invalid_argument unless 0 < relative_tolerance < 1.
  double truncation_radius(double relative_tolerance) const {
    detail::check_truncation_tolerance(relative_tolerance);
    double sigma_max = 0.0;
    for (double s : sigma_) sigma_max = std::max(sigma_max, s);
    const double r2_monotone = 2.0 * sigma_max * sigma_max * (NCoeffs - 0.5);
    constexpr int kSamples = 512;  // the kernels vary on the scale sigma; r2_monotone is a few sigma^2
    double max_value = std::abs(value(0.0)), max_gradient = std::abs(gradient_factor(0.0));
    for (int i = 1; i <= kSamples; ++i) {
      const double r2 = r2_monotone * i / kSamples;
      max_value = std::max(max_value, std::abs(value(r2)));
      max_gradient = std::max(max_gradient, std::abs(gradient_factor(r2)));
    }
    const auto below = [&](double r2) {
      return envelope(value_, r2) <= relative_tolerance * max_value &&
             envelope(gradient_, r2) <= relative_tolerance * max_gradient;
    };
    if (below(r2_monotone)) return std::sqrt(r2_monotone);
    double lo = r2_monotone, hi = std::max(r2_monotone, 2.0 * sigma_max * sigma_max);
    while (!below(hi)) {
      lo = hi;
      hi *= 2.0;
    }
    for (int i = 0; i < 100 && hi - lo > 1e-14 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (below(mid) ? hi : lo) = mid;
    }
    return std::sqrt(hi);
  }

 private:
  using Coefficients = std::array<std::array<double, NCoeffs>, NTerms>;

  double evaluate(const Coefficients& c, double r2) const {
    double s = 0.0;
    for (std::size_t t = 0; t < NTerms; ++t) {
      const double u = r2 * inv_two_var_[t];
      if (u > GaussianKernel::kUnderflowArgument) continue;
      double p = c[t][NCoeffs - 1];
      for (std::size_t j = NCoeffs - 1; j-- > 0;) p = p * u + c[t][j];
      s += std::exp(-u) * p;
    }
    return s;
  }

  double envelope(const Coefficients& c, double r2) const {
    double s = 0.0;
    for (std::size_t t = 0; t < NTerms; ++t) {
      const double u = r2 * inv_two_var_[t];
      double p = std::abs(c[t][NCoeffs - 1]);
      for (std::size_t j = NCoeffs - 1; j-- > 0;) p = p * u + std::abs(c[t][j]);
      s += std::exp(-u) * p;
    }
    return s;
  }

  int dim_;
  std::array<double, NTerms> sigma_{}, inv_two_var_{};
  Coefficients value_{}, gradient_{};
};

/// Laguerre-Gaussian mollifier of order 2k (k = Order/2; docs/math.md §5.2). docs/math.md writes it in the "Laguerre
/// base" scaling, zeta_2k(y) = pi^(-d/2) L_(k-1)^(d/2)(|y|^2) exp(-|y|^2), whose Gaussian has variance 1/2 (§5.6, last
/// row). Scaling convention here: eps is the standard deviation per coordinate of the underlying Gaussian, as for
/// GaussianMollifier and the dog kernels, i.e. zeta_eps(x) = (sqrt2 eps)^(-d) zeta_2k(x / (sqrt2 eps)):
///   zeta_eps(x) = (2 pi eps^2)^(-d/2) L_(k-1)^(d/2)(u) exp(-u),   u = |x|^2 / (2 eps^2).
/// So gaussian, laguerre4, laguerre6, laguerre8 and dog4, dog6 at one eps share the same Gaussian, and the moments
/// of docs/math.md §5.2 scale by (sqrt2 eps)^j: in d = 1, laguerre4 has m4 = -(3/4) (sqrt2 eps)^4 = -3 eps^4.
/// First nonzero moment [D, from the Fourier transform below]: m_2k = (-1)^(k+1) eps^2k d (d+2) ... (d+2k-2).
///
/// psi in closed form [D]: the transform of zeta_2k (base scaling) is exp(-s) P_k(s), P_k(s) = sum_(j<k) s^j/j!,
/// s = |xi|^2/4, and that of pi^(-d/2) L_n^(d/2-1)(|y|^2) exp(-|y|^2) is exp(-s) s^n/n!. With P_k(s)^2 =
/// sum_n a_n s^n, psi_hat = exp(-2s) P_k(s)^2 inverts term by term to
///   psi_eps(x) = (4 pi eps^2)^(-d/2) Q(w) exp(-w),   w = |x|^2/(4 eps^2),   Q(w) = sum_n a_n n! 2^(-n) L_n^(d/2-1)(w),
/// a polynomial times the Gaussian of standard deviation sqrt2 eps (k = 1 gives the Gaussian's psi).
template <int Order>
class LaguerreGaussianMollifier {
  static_assert(Order == 4 || Order == 6 || Order == 8, "Laguerre-Gaussian mollifiers of order 4, 6, 8");
  static constexpr int kK = Order / 2;

 public:
  static constexpr const char* kName = Order == 4 ? "laguerre4" : Order == 6 ? "laguerre6" : "laguerre8";
  static constexpr const char* kDescription =
      Order == 4   ? "Laguerre-Gaussian, order 4 (sign-changing), base Gaussian std eps; psi in closed form"
      : Order == 6 ? "Laguerre-Gaussian, order 6 (sign-changing), base Gaussian std eps; psi in closed form"
                   : "Laguerre-Gaussian, order 8 (sign-changing), base Gaussian std eps; psi in closed form";
  using Kernel = GaussianPolynomialKernel<1, kK>;
  using SelfConvolution = GaussianPolynomialKernel<1, 2 * kK - 1>;

  /// \throws std::invalid_argument unless 1 <= dimension <= 3 and eps > 0 is finite.
  LaguerreGaussianMollifier(int dimension, double eps)
      : eps_((detail::check_dimension_and_width(dimension, eps, kName), eps)),
        zeta_(dimension, {typename Kernel::Term{eps, laguerre<kK>(kK - 1, 0.5 * dimension)}}),
        psi_(dimension,
             {typename SelfConvolution::Term{std::numbers::sqrt2 * eps, self_convolution_polynomial(dimension)}}) {}

  int dimension() const { return zeta_.dimension(); }
  double epsilon() const { return eps_; }
  int order() const { return Order; }
  double support_radius() const { return std::numeric_limits<double>::infinity(); }
  double value(double r2) const { return zeta_.value(r2); }
  double gradient_factor(double r2) const { return zeta_.gradient_factor(r2); }
  double truncation_radius(double relative_tolerance) const { return zeta_.truncation_radius(relative_tolerance); }
  SelfConvolution self_convolution() const { return psi_; }

 private:
  /// Coefficients of the generalized Laguerre polynomial L_n^(alpha)(u) = sum_j (-1)^j binom(n+alpha, n-j) u^j / j!,
  /// padded with zeros to N entries; binom(n+alpha, n-j) = prod_(i=1..n-j) (alpha + j + i) / i.
  template <int N>
  static std::array<double, N> laguerre(int n, double alpha) {
    std::array<double, N> c{};
    double factorial = 1.0;
    for (int j = 0; j <= n; ++j) {
      if (j > 0) factorial *= j;
      double binomial = 1.0;
      for (int i = 1; i <= n - j; ++i) binomial *= (alpha + j + i) / i;
      c[static_cast<std::size_t>(j)] = (j % 2 == 0 ? 1.0 : -1.0) * binomial / factorial;
    }
    return c;
  }

  /// Q(w) = sum_(n=0..2k-2) a_n n! 2^(-n) L_n^(d/2-1)(w), a_n = sum_(i+j=n, i,j<k) 1/(i! j!) (class comment).
  static std::array<double, 2 * kK - 1> self_convolution_polynomial(int dimension) {
    std::array<double, 2 * kK - 1> q{};
    std::array<double, kK> inverse_factorial{};
    inverse_factorial[0] = 1.0;
    for (std::size_t j = 1; j < kK; ++j) inverse_factorial[j] = inverse_factorial[j - 1] / static_cast<double>(j);
    double n_factorial = 1.0;
    for (int n = 0; n <= 2 * kK - 2; ++n) {
      if (n > 0) n_factorial *= n;
      double a = 0.0;
      for (int i = std::max(0, n - kK + 1); i <= std::min(n, kK - 1); ++i)
        a += inverse_factorial[static_cast<std::size_t>(i)] * inverse_factorial[static_cast<std::size_t>(n - i)];
      const auto l = laguerre<2 * kK - 1>(n, 0.5 * dimension - 1.0);
      const double scale = a * n_factorial * std::ldexp(1.0, -n);
      for (std::size_t j = 0; j < q.size(); ++j) q[j] += scale * l[j];
    }
    return q;
  }

  double eps_;
  Kernel zeta_;
  SelfConvolution psi_;
};

using Laguerre4Mollifier = LaguerreGaussianMollifier<4>;
using Laguerre6Mollifier = LaguerreGaussianMollifier<6>;
using Laguerre8Mollifier = LaguerreGaussianMollifier<8>;

/// Difference-of-Gaussians mollifier (Beale-Majda type; docs/math.md §5.3) with the base Gaussian's standard
/// deviation s = eps per coordinate (the convention of GaussianMollifier, docs/math.md §5.6 first row):
///   order 4:  zeta_eps = 2 G_eps - G_(sqrt2 eps)
///   order 6:  zeta_eps = (8/3) G_eps - 2 G_(sqrt2 eps) + (1/3) G_(2 eps)
/// The weights are the same in every dimension. First nonzero moment [D, from zeta_hat = 1 - a (eps^2 |xi|^2/2)^k
/// + ..., a = 1 for order 4 and 4/3 for order 6]: m_2k = (-1)^(k+1) a k! eps^2k d (d+2) ... (d+2k-2).
/// psi in closed form [D]: G_a * G_b = G_sqrt(a^2+b^2), so zeta = sum_i w_i G_(s_i) gives
///   psi_eps = sum_(i<=j) (2 - [i==j]) w_i w_j G_sqrt(s_i^2 + s_j^2)
/// (order 4: 4 G_(sqrt2 eps) - 4 G_(sqrt3 eps) + G_(2 eps)).
template <int Order>
class DifferenceOfGaussiansMollifier {
  static_assert(Order == 4 || Order == 6, "difference-of-Gaussians mollifiers of order 4 and 6");
  static constexpr int kN = Order / 2;  // number of Gaussians

 public:
  static constexpr const char* kName = Order == 4 ? "dog4" : "dog6";
  static constexpr const char* kDescription =
      Order == 4 ? "difference of Gaussians 2 G_eps - G_sqrt2eps, order 4 (sign-changing); psi in closed form"
                 : "difference of Gaussians (8/3)G_eps - 2G_sqrt2eps + (1/3)G_2eps, order 6 (sign-changing); psi "
                   "closed form";
  using Kernel = GaussianPolynomialKernel<kN, 1>;
  using SelfConvolution = GaussianPolynomialKernel<kN*(kN + 1) / 2, 1>;

  /// \throws std::invalid_argument unless 1 <= dimension <= 3 and eps > 0 is finite.
  DifferenceOfGaussiansMollifier(int dimension, double eps)
      : eps_((detail::check_dimension_and_width(dimension, eps, kName), eps)),
        zeta_(dimension, zeta_terms(eps)),
        psi_(dimension, psi_terms(eps)) {}

  int dimension() const { return zeta_.dimension(); }
  double epsilon() const { return eps_; }
  int order() const { return Order; }
  double support_radius() const { return std::numeric_limits<double>::infinity(); }
  double value(double r2) const { return zeta_.value(r2); }
  double gradient_factor(double r2) const { return zeta_.gradient_factor(r2); }
  double truncation_radius(double relative_tolerance) const { return zeta_.truncation_radius(relative_tolerance); }
  SelfConvolution self_convolution() const { return psi_; }

 private:
  // docs/math.md §5.3: weights w_i and variances s_i^2 / eps^2.
  static constexpr std::array<double, kN> weights() {
    if constexpr (Order == 4) return {2.0, -1.0};
    else return {8.0 / 3.0, -2.0, 1.0 / 3.0};
  }
  static constexpr std::array<double, kN> variances() {
    if constexpr (Order == 4) return {1.0, 2.0};
    else return {1.0, 2.0, 4.0};
  }

  static std::array<typename Kernel::Term, kN> zeta_terms(double eps) {
    std::array<typename Kernel::Term, kN> terms{};
    for (std::size_t i = 0; i < kN; ++i) terms[i] = {eps * std::sqrt(variances()[i]), {weights()[i]}};
    return terms;
  }

  static std::array<typename SelfConvolution::Term, kN*(kN + 1) / 2> psi_terms(double eps) {
    std::array<typename SelfConvolution::Term, kN*(kN + 1) / 2> terms{};
    std::size_t t = 0;
    for (std::size_t i = 0; i < kN; ++i)
      for (std::size_t j = i; j < kN; ++j)
        terms[t++] = {eps * std::sqrt(variances()[i] + variances()[j]),
                      {(i == j ? 1.0 : 2.0) * weights()[i] * weights()[j]}};
    return terms;
  }

  double eps_;
  Kernel zeta_;
  SelfConvolution psi_;
};

using Dog4Mollifier = DifferenceOfGaussiansMollifier<4>;
using Dog6Mollifier = DifferenceOfGaussiansMollifier<6>;

/// A radial function of u = |x|^2 tabulated once on [0, u_max] and 0 beyond, by piecewise Chebyshev interpolation
/// through the Chebyshev-Lobatto points of each panel (neighbouring panels share their end values, so the table is
/// continuous). Panels: n_panels equal ones of width w = u_max / n_panels (an O(1) lookup, no square root), except
/// that the first, [0, w], is refined geometrically into [0, w 4^-L], [w 4^-L, w 4^(1-L)], ..., [w/4, w] with
/// L = n_refinements: radial functions that are not smooth at the origin as functions of |x| (odd powers |x|^7,
/// |x|^8 log|x|, ...) are non-analytic in u at u = 0. derivative(u) is the exact derivative of the interpolant, so
/// value and derivative are consistent to round-off.
class RadialTable {
 public:
  /// Samples f at the (n_panels + n_refinements) (degree + 1) interpolation points, each shared end point once.
  /// \throws std::invalid_argument unless u_max > 0 is finite, n_panels >= 1, 1 <= degree, 0 <= n_refinements.
  RadialTable(double u_max, int n_panels, int degree, int n_refinements, const std::function<double(double)>& f);

  double u_max() const { return u_max_; }
  int n_panels() const { return n_panels_; }
  int degree() const { return degree_; }
  int n_refinements() const { return n_refinements_; }

  /// The interpolant at u >= 0; exactly 0 for u >= u_max; NaN for NaN.
  double value(double u) const { return evaluate(value_, u); }
  /// d value / du, exactly 0 for u >= u_max.
  double derivative(double u) const { return evaluate(slope_, u); }

 private:
  double evaluate(const std::vector<double>& coefficients, double u) const {
    if (!(u < u_max_)) return u >= u_max_ ? 0.0 : std::numeric_limits<double>::quiet_NaN();
    double x = u * inv_width_, t;
    int block;
    if (x >= 1.0) {  // equal panels: block L + k holds [k w, (k + 1) w], k >= 1
      const int panel = std::min(static_cast<int>(x), n_panels_ - 1);
      t = 2.0 * (x - panel) - 1.0;
      block = n_refinements_ + panel;
    } else {  // the refined first panel: block L - l holds [w 4^(-l-1), w 4^-l], block 0 holds [0, w 4^-L]
      int level = 0;
      while (level < n_refinements_ && x < 0.25) {
        x *= 4.0;
        ++level;
      }
      if (level == n_refinements_) {
        t = 2.0 * x - 1.0;
        block = 0;
      } else {
        t = (x - 0.25) * (8.0 / 3.0) - 1.0;
        block = n_refinements_ - level;
      }
    }
    const double* c = coefficients.data() + static_cast<std::size_t>(block) * static_cast<std::size_t>(degree_ + 1);
    // Clenshaw: sum_k c_k T_k(t).
    double b1 = 0.0, b2 = 0.0;
    for (int k = degree_; k >= 1; --k) {
      const double b0 = c[k] + 2.0 * t * b1 - b2;
      b2 = b1;
      b1 = b0;
    }
    return c[0] + t * b1 - b2;
  }

  double u_max_;
  int n_panels_, degree_, n_refinements_;
  double inv_width_;
  std::vector<double> value_, slope_;
};

/// psi_eps(x) = eps^-d T(|x|^2 / eps^2) for a table T of psi_1 = zeta_1 * zeta_1 (eps = 1) in d dimensions:
/// grad psi_eps(x) = 2 eps^(-d-2) T'(|x|^2/eps^2) x. Support radius eps sqrt(T.u_max()). Copies share the table.
class TabulatedRadialKernel {
 public:
  /// \throws std::invalid_argument unless 1 <= dimension <= 3, eps > 0 is finite and the table is not null.
  TabulatedRadialKernel(int dimension, double eps, std::shared_ptr<const RadialTable> table)
      : dim_(dimension), eps_(eps), table_(std::move(table)) {
    detail::check_dimension_and_width(dimension, eps, "TabulatedRadialKernel");
    if (!table_) throw std::invalid_argument("TabulatedRadialKernel: no table");
    inv_eps2_ = 1.0 / (eps * eps);
    norm_ = std::pow(eps, -dimension);
    gradient_norm_ = 2.0 * norm_ * inv_eps2_;
  }

  int dimension() const { return dim_; }
  double epsilon() const { return eps_; }
  double support_radius() const { return eps_ * std::sqrt(table_->u_max()); }
  double value(double r2) const { return norm_ * table_->value(r2 * inv_eps2_); }
  double gradient_factor(double r2) const { return gradient_norm_ * table_->derivative(r2 * inv_eps2_); }
  /// The support radius (value and gradient are exactly 0 beyond it), for any tolerance in (0, 1).
  double truncation_radius(double relative_tolerance) const {
    detail::check_truncation_tolerance(relative_tolerance);
    return support_radius();
  }
  const RadialTable& table() const { return *table_; }

 private:
  int dim_;
  double eps_, inv_eps2_ = 1.0, norm_ = 1.0, gradient_norm_ = 1.0;
  std::shared_ptr<const RadialTable> table_;
};

/// Identifies a compact profile for the table cache of mollifiers.cpp.
enum class CompactProfileId { kWendlandC2, kWendlandC4, kCubicBSpline };

/// Compact radial profiles f(q), q = |x|/eps, with the normalization c of docs/math.md §5.5 (int c f(|x|) dx = 1).
/// Each gives f on 0 <= q < kSupport, f'(q)/q in closed form (finite at q = 0), and the interior breakpoints
/// where its polynomial pieces change (the table builder splits its quadratures there).
struct WendlandC2Profile {
  static constexpr const char* kName = "wendland-c2";
  static constexpr const char* kDescription =
      "Wendland C2, support eps, order 2, nonnegative; psi from a radial table (1e-12)";
  static constexpr CompactProfileId kId = CompactProfileId::kWendlandC2;
  static constexpr double kSupport = 1.0;
  static constexpr std::array<double, 0> kBreakpoints{};
  /// 3/2, 7/pi, 21/(2 pi) in d = 1, 2, 3.
  static double normalization(int d) {
    return d == 1 ? 1.5 : d == 2 ? 7.0 / std::numbers::pi : 21.0 / (2.0 * std::numbers::pi);
  }
  /// (1-q)^4 (4q+1)
  static double f(double q) {
    const double a = std::max(1.0 - q, 0.0), a2 = a * a;
    return a2 * a2 * (4.0 * q + 1.0);
  }
  /// f'(q) = -20 q (1-q)^3
  static double derivative_over_q(double q) {
    const double a = std::max(1.0 - q, 0.0);
    return -20.0 * a * a * a;
  }
};

struct WendlandC4Profile {
  static constexpr const char* kName = "wendland-c4";
  static constexpr const char* kDescription =
      "Wendland C4, support eps, order 2, nonnegative; psi from a radial table (1e-12)";
  static constexpr CompactProfileId kId = CompactProfileId::kWendlandC4;
  static constexpr double kSupport = 1.0;
  static constexpr std::array<double, 0> kBreakpoints{};
  /// 9/16, 3/pi, 165/(32 pi) in d = 1, 2, 3.
  static double normalization(int d) {
    return d == 1 ? 9.0 / 16.0 : d == 2 ? 3.0 / std::numbers::pi : 165.0 / (32.0 * std::numbers::pi);
  }
  /// (1-q)^6 (35 q^2 + 18 q + 3)
  static double f(double q) {
    const double a = std::max(1.0 - q, 0.0), a3 = a * a * a;
    return a3 * a3 * ((35.0 * q + 18.0) * q + 3.0);
  }
  /// f'(q) = -56 q (1-q)^5 (5q+1)
  static double derivative_over_q(double q) {
    const double a = std::max(1.0 - q, 0.0), a2 = a * a;
    return -56.0 * a2 * a2 * a * (5.0 * q + 1.0);
  }
};

/// The cubic B-spline M4 with support radius 2 (docs/math.md §5.5, last row).
struct CubicBSplineProfile {
  static constexpr const char* kName = "bspline3";
  static constexpr const char* kDescription =
      "cubic B-spline M4, support 2 eps, order 2, nonnegative; psi from a radial table (1e-12)";
  static constexpr CompactProfileId kId = CompactProfileId::kCubicBSpline;
  static constexpr double kSupport = 2.0;
  static constexpr std::array<double, 1> kBreakpoints{1.0};
  /// 2/3, 10/(7 pi), 1/pi in d = 1, 2, 3.
  static double normalization(int d) {
    return d == 1 ? 2.0 / 3.0 : d == 2 ? 10.0 / (7.0 * std::numbers::pi) : 1.0 / std::numbers::pi;
  }
  /// 1 - 1.5 q^2 + 0.75 q^3 (q < 1), 0.25 (2-q)^3 (1 <= q < 2)
  static double f(double q) {
    if (q < 1.0) return 1.0 + q * q * (0.75 * q - 1.5);
    const double a = std::max(2.0 - q, 0.0);
    return 0.25 * a * a * a;
  }
  /// f'(q)/q = -3 + 2.25 q (q < 1), -0.75 (2-q)^2 / q (1 <= q < 2)
  static double derivative_over_q(double q) {
    if (q < 1.0) return 2.25 * q - 3.0;
    const double a = std::max(2.0 - q, 0.0);
    return -0.75 * a * a / q;
  }
};

namespace detail {
/// The table of psi_1 = zeta_1 * zeta_1 (eps = 1) for a compact profile in `dimension` dimensions, built on first
/// use (thread-safe, once per process) and shared by every kernel; see mollifiers.cpp for the method and accuracy.
std::shared_ptr<const RadialTable> compact_self_convolution_table(CompactProfileId profile, int dimension);
}  // namespace detail

/// A compactly supported mollifier (docs/math.md §5.5): zeta_eps(x) = eps^-d c f(|x|/eps), support radius
/// Profile::kSupport eps (eps for Wendland, 2 eps for the cubic B-spline M4), nonnegative, order 2.
/// grad zeta_eps(x) = eps^(-d-2) c (f'(q)/q) x with q = |x|/eps. Value and gradient are exactly 0 for
/// |x| >= support_radius(). psi = zeta_eps * zeta_eps (support 2 support_radius()) has no convenient closed form in
/// d = 2 and comes from a radial table (self_convolution(); the first call per dimension builds it, 0.02-0.3 s):
/// |psi_table - psi| <= 1e-12 psi(0) (measured <= 1e-14 against independent quadratures; the unit test checks
/// 1e-12), and its gradient factor, the exact derivative of the interpolant, is within ~3e-11 of max |grad psi|.
template <class P>
class CompactMollifier {
 public:
  using Profile = P;
  static constexpr const char* kName = Profile::kName;
  static constexpr const char* kDescription = Profile::kDescription;

  /// \throws std::invalid_argument unless 1 <= dimension <= 3 and eps > 0 is finite.
  CompactMollifier(int dimension, double eps) : dim_(dimension), eps_(eps) {
    detail::check_dimension_and_width(dimension, eps, kName);
    inv_eps_ = 1.0 / eps;
    norm_ = Profile::normalization(dimension) * std::pow(eps, -dimension);
    gradient_norm_ = norm_ * inv_eps_ * inv_eps_;
    support_ = Profile::kSupport * eps;
    support2_ = support_ * support_;
  }

  int dimension() const { return dim_; }
  double epsilon() const { return eps_; }
  int order() const { return 2; }
  double support_radius() const { return support_; }

  double value(double r2) const {
    if (r2 >= support2_) return 0.0;
    return norm_ * Profile::f(std::sqrt(r2) * inv_eps_);
  }
  double gradient_factor(double r2) const {
    if (r2 >= support2_) return 0.0;
    return gradient_norm_ * Profile::derivative_over_q(std::sqrt(r2) * inv_eps_);
  }
  /// The support radius, for any tolerance in (0, 1).
  double truncation_radius(double relative_tolerance) const {
    detail::check_truncation_tolerance(relative_tolerance);
    return support_;
  }
  TabulatedRadialKernel self_convolution() const {
    return {dim_, eps_, detail::compact_self_convolution_table(Profile::kId, dim_)};
  }

 private:
  int dim_;
  double eps_, inv_eps_ = 1.0, norm_ = 1.0, gradient_norm_ = 1.0, support_ = 1.0, support2_ = 1.0;
};

using WendlandC2Mollifier = CompactMollifier<WendlandC2Profile>;
using WendlandC4Mollifier = CompactMollifier<WendlandC4Profile>;
using CubicBSplineMollifier = CompactMollifier<CubicBSplineProfile>;

static_assert(Mollifier<Laguerre4Mollifier> && Mollifier<Laguerre6Mollifier> && Mollifier<Laguerre8Mollifier>);
static_assert(Mollifier<Dog4Mollifier> && Mollifier<Dog6Mollifier>);
static_assert(Mollifier<WendlandC2Mollifier> && Mollifier<WendlandC4Mollifier> && Mollifier<CubicBSplineMollifier>);

/// Every mollifier a configuration can name, in the order `blobflow list mollifiers` prints them: adding a mollifier
/// is its class above (with kName and kDescription) and its entry here.
using MollifierRegistry =
    TypeRegistry<GaussianMollifier, Laguerre4Mollifier, Laguerre6Mollifier, Laguerre8Mollifier, Dog4Mollifier,
                 Dog6Mollifier, WendlandC2Mollifier, WendlandC4Mollifier, CubicBSplineMollifier>;

}  // namespace blobflow
