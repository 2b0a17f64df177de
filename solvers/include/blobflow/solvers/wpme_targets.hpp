// wpme with a general target rhobar (docs/math.md §2.3–2.4): the CEHT23 regularized energy and velocity
//   E_eps(x) = 1/2 int (zeta_eps * rho^N)(y)^2 / rhobar(y) dy,
//   v_i = -sum_j m_j int grad zeta_eps(X_i - y) zeta_eps(y - X_j) / rhobar(y) dy = -(1/m_i) grad_(X_i) E_eps,
// with the y-integral evaluated two ways:
//   WpmeClosedFormTarget   exactly, for the Gaussian mollifier and a piecewise-constant 1/rhobar (§2.4 item 1);
//   WpmeQuadratureTarget   by a tensor trapezoid rule on a fixed lattice y = k dy (§2.4 item 2), any mollifier.
// rhobar == 1 on R^d is WpmeUniformTarget of equations.hpp (the exact pairwise kernel psi = zeta * zeta).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// wpme, Gaussian zeta_eps (standard deviation s = eps per coordinate) and 1/rhobar = w_out + sum_k (w_k - w_out)
/// 1_(B_k) on disjoint axis-aligned boxes (uniform-on-a-box and piecewise targets). The y-integral in closed form
/// (docs/math.md §2.4 item 1): the w_out part is the full convolution, int grad zeta(a - y) zeta(y - b) dy =
/// grad psi(a - b) with psi = zeta * zeta (as WpmeUniformTarget); each box adds (w_k - w_out) times
///   component l:  J(a_l, b_l; B_k) prod_(m != l) K(a_m, b_m; B_k),
///   K(a, b; lo, hi) = exp(-(a-b)^2/(4 s^2)) / (2 pi s^2) I0,
///   J(a, b; lo, hi) = -(1/s^2) exp(-(a-b)^2/(4 s^2)) / (2 pi s^2) [ (a-b)/2 I0 - I1 ],
///   I0 = s sqrt(pi)/2 [erf((hi-mu)/s) - erf((lo-mu)/s)],  I1 = -(s^2/2) [exp(-(hi-mu)^2/s^2) - exp(-(lo-mu)^2/s^2)],
/// mu = (a+b)/2. The energy is 1/2 sum_ij m_i m_j [w_out psi(X_i - X_j) + sum_k (w_k - w_out) prod_l K]. Both are
/// exact up to round-off, which is relative to w_out + sum_k |w_k - w_out| (the floor's 1/rhobar cancels inside
/// a box). Cost O(N^2 (1 + K) d) for K boxes: every pair, no truncation.
class WpmeClosedFormTarget final : public VelocityField {
 public:
  /// \throws std::invalid_argument unless the target is piecewise constant with the mollifier's dimension.
  WpmeClosedFormTarget(double eps, int dimension, std::vector<double> masses, std::shared_ptr<const Target> target);

  int dimension() const override { return dim_; }
  std::span<const double> masses() const override { return masses_; }
  void velocity(std::span<const double> x, std::span<double> v) const override;
  double energy(std::span<const double> x) const override;
  std::string describe() const override;

 private:
  int dim_;
  double eps_;
  std::vector<double> masses_;
  std::shared_ptr<const Target> target_;
  const PiecewiseInverse* inverse_;
};

/// The trapezoid error model of docs/math.md §2.4 item 2: on an infinite lattice of spacing dy the rule integrates a
/// Gaussian of standard deviation sigma with relative error about 2 exp(-2 pi^2 sigma^2 / dy^2) per coordinate. The
/// y-integrands zeta_eps(a - y) zeta_eps(y - b) of the Gaussian-family kernels are (polynomials times) Gaussians of
/// sigma = eps / sqrt2 at the narrowest, so dy = pi eps / sqrt(ln(2 d kAliasingMargin / accuracy)) meets a relative
/// accuracy `accuracy`; kAliasingMargin covers the polynomial factors (the velocity's (y - mu), the Laguerre
/// polynomials), which raise the aliased Fourier coefficients by powers of pi eps / dy ~ 5. At accuracy 1e-10 this
/// is dy = 0.55 eps.
inline constexpr double kAliasingMargin = 1e4;
/// Compactly supported kernels (Wendland, B-spline: C^2, with jumps in a third derivative) are integrated with an
/// algebraic error O(dy^4): dy = support_radius accuracy^(1/4), at most support_radius / kCompactMinNodes and no
/// finer than support_radius / kCompactMaxNodes, which caps the cost (the accuracy is then not reached; describe()
/// reports dy). Tests rely only on the exact gradient identity for these kernels.
inline constexpr double kCompactMinNodes = 4.0;
inline constexpr double kCompactMaxNodes = 32.0;
/// The kernel cutoff of the lattice sums: terms below 1e-17 of the kernel's peak are dropped (as TruncatedSum does),
/// below the unit round-off, so the discrete energy is smooth to round-off in the positions.
inline constexpr double kLatticeTruncation = 1e-17;
/// A lattice larger than this many points (particles spread over a huge box in 2D/3D) is a numerical failure:
/// velocity and energy are NaN, which the integrators report as non_finite_state.
inline constexpr double kMaxLatticePoints = 1 << 25;

/// The coarsest relative accuracy accepted: the error model above describes small aliasing errors only.
inline constexpr double kMaxQuadratureAccuracy = 0.1;

/// The lattice spacing dy for mollifier `zeta`: `spacing * eps` when spacing > 0, else from `accuracy` (above).
template <Mollifier Z>
double quadrature_lattice_spacing(const Z& zeta, double accuracy, double spacing) {
  if (spacing > 0.0) return spacing * zeta.epsilon();
  const double support = zeta.support_radius();
  if (std::isfinite(support)) {
    const double dy = support * std::pow(accuracy, 0.25);
    return std::clamp(dy, support / kCompactMaxNodes, support / kCompactMinNodes);
  }
  return std::numbers::pi * zeta.epsilon() / std::sqrt(std::log(2.0 * zeta.dimension() * kAliasingMargin / accuracy));
}

/// The radius beyond which zeta_eps (value and gradient) is below kLatticeTruncation of its peak.
template <Mollifier Z>
double lattice_cutoff(const Z& zeta) {
  if constexpr (requires { zeta.truncation_radius(kLatticeTruncation); })
    return zeta.truncation_radius(kLatticeTruncation);
  else
    return GaussianKernel(zeta.dimension(), zeta.epsilon()).truncation_radius(kLatticeTruncation);
}

/// wpme with any target and any mollifier, the y-integral by the trapezoid rule on the fixed lattice y = k dy
/// (anchored at the origin, k in Z^d; docs/math.md §2.4 item 2). With u_k = sum_j m_j zeta_eps(y_k - X_j) and the
/// lattice weight w_k (the mean of 1/rhobar over the cell of y_k: Target::cell_inverse_density),
///   E = 1/2 dy^d sum_k w_k u_k^2,     v_i = -dy^d sum_k w_k u_k grad zeta_eps(X_i - y_k),
/// so v_i = -(1/m_i) grad_(X_i) E holds exactly for this discrete energy (the lattice does not move with the
/// particles). The sums run over the lattice points within the kernel cutoff R (lattice_cutoff) of the particles'
/// bounding box: particles to lattice, then lattice to particles, each O(N (2R/dy)^d), plus O(Q) target
/// evaluations for Q lattice points. Accuracy against the exact integral: relative `accuracy` for smooth rhobar
/// and Gaussian-family kernels; at a jump of 1/rhobar the cell-averaged weights leave an O(dy^2) error.
/// Non-finite positions, or a lattice beyond kMaxLatticePoints, give NaN velocity and energy.
/// With a summation engine E (direct_sum.hpp) and the Gaussian mollifier, both sums are the engine's (potential:
/// particles to lattice points, gradient: lattice points to particles, with zeta_eps as the GaussianKernel of
/// standard deviation eps), so the run's engine (simd, truncated-simd, fft, ...) serves them; with E = void, or any
/// other mollifier, they run the cutoff loops of this class.
template <Mollifier Z, class E = void>
class WpmeQuadratureTarget final : public VelocityField {
  static constexpr bool kOnEngine = !std::is_void_v<E> && std::is_same_v<Z, GaussianMollifier>;
  struct NoEngine {};
  using EngineHolder = std::conditional_t<std::is_void_v<E>, NoEngine, E>;

 public:
  WpmeQuadratureTarget(Z zeta, std::vector<double> masses, std::shared_ptr<const Target> target, double dy)
    requires std::is_void_v<E>
      : WpmeQuadratureTarget(std::move(zeta), std::move(masses), std::move(target), dy, EngineHolder{}) {}

  WpmeQuadratureTarget(Z zeta, std::vector<double> masses, std::shared_ptr<const Target> target, double dy,
                       EngineHolder engine)
      : zeta_(std::move(zeta)), masses_(std::move(masses)), target_(std::move(target)), dy_(dy),
        cutoff_(lattice_cutoff(zeta_)), engine_(std::move(engine)) {
    if (target_ == nullptr || target_->dimension() != zeta_.dimension())
      throw std::invalid_argument("wpme quadrature: the target's dimension must be the mollifier's");
    if (!(dy > 0.0) || !std::isfinite(dy)) throw std::invalid_argument("wpme quadrature: dy must be finite and > 0");
  }

  int dimension() const override { return zeta_.dimension(); }
  std::span<const double> masses() const override { return masses_; }
  double spacing() const { return dy_; }

  /// Subtracts `offset` (a function g of R^d) from the blob density inside the integral: the energy becomes
  ///   E = 1/2 dy^d sum_k w_k (u_k^2 - 2 u_k g(y_k)) + constant,    v_i = -dy^d sum_k w_k (u_k - g(y_k)) grad zeta(X_i - y_k),
  /// still v_i = -(1/m_i) grad_(X_i) E exactly. With w = nu, g = f* and constant = 1/2 dy^d sum_k w_k g(y_k)^2 this
  /// is the lattice quadrature of the network risk 1/2 int (zeta_eps * rho^N - f*)^2 nu (network.hpp). Call before
  /// the first evaluation.
  void set_offset(std::function<double(std::span<const double>)> offset, double constant) {
    const std::lock_guard<std::mutex> lock(weights_mutex_);
    offset_ = std::move(offset);
    offset_constant_ = constant;
    weights_.clear();
    offsets_.clear();
  }

  void velocity(std::span<const double> x, std::span<double> v) const override {
    Lattice lattice;
    std::vector<double> f;
    if (!weighted_density(x, lattice, f)) {
      std::fill(v.begin(), v.end(), std::numeric_limits<double>::quiet_NaN());
      return;
    }
    const auto d = static_cast<std::size_t>(dimension());
    if constexpr (kOnEngine) {
      engine_.gradient(zeta_kernel(), PointSet{x, dimension()}, PointSet{lattice.points, dimension()}, f, v);
      for (double& c : v) c = -c;
      return;
    }
    for (std::size_t i = 0; i < masses_.size(); ++i) {
      std::array<double, 3> g{};
      for_each_near(lattice, x.data() + i * d, [&](std::size_t k, const std::array<double, 3>& diff, double r2) {
        if (f[k] == 0.0) return;
        const double c = zeta_.gradient_factor(r2) * f[k];
        for (std::size_t l = 0; l < d; ++l) g[l] += c * diff[l];
      });
      for (std::size_t l = 0; l < d; ++l) v[i * d + l] = -g[l];
    }
  }

  double energy(std::span<const double> x) const override {
    Lattice lattice;
    std::vector<double> u;
    if (!density(x, lattice, u)) return std::numeric_limits<double>::quiet_NaN();
    const double cell = std::pow(dy_, dimension());
    std::vector<double> g;
    const std::vector<double> w = lattice_weights(lattice, offset_ ? &g : nullptr);
    double e = 0.0;
    if (offset_) {
      for (std::size_t k = 0; k < u.size(); ++k)
        if (u[k] != 0.0) e += w[k] * u[k] * (u[k] - 2.0 * g[k]);
      return 0.5 * cell * e + offset_constant_;
    }
    for (std::size_t k = 0; k < u.size(); ++k)
      if (u[k] != 0.0) e += w[k] * u[k] * u[k];
    return 0.5 * cell * e;
  }

  std::string describe() const override {
    std::ostringstream s;
    s << (offset_ ? "network (data " : "wpme (target ") << target_->describe() << ", quadrature on the lattice dy = " << dy_ << " = "
      << dy_ / zeta_.epsilon() << " eps), mollifier " << Z::kName << " eps = " << zeta_.epsilon();
    return s.str();
  }

 private:
  /// The lattice points first_l + i_l, i_l < count_l (unused coordinates l >= d: one point at 0).
  struct Lattice {
    std::array<double, 3> first{};  // integer-valued lattice indices of the first point
    std::array<std::size_t, 3> count{1, 1, 1};
    std::vector<double> points;     // their coordinates, point-major, when the engine sums the integral (kOnEngine)
    std::size_t size() const { return count[0] * count[1] * count[2]; }
  };

  bool make_lattice(std::span<const double> x, Lattice& lattice) const {
    const auto d = static_cast<std::size_t>(dimension());
    for (double c : x)
      if (!std::isfinite(c)) return false;
    double points = 1.0;
    for (std::size_t l = 0; l < d; ++l) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (std::size_t i = 0; i < masses_.size(); ++i) {
        lo = std::min(lo, x[i * d + l]);
        hi = std::max(hi, x[i * d + l]);
      }
      const double first = std::floor((lo - cutoff_) / dy_), last = std::ceil((hi + cutoff_) / dy_);
      points *= last - first + 1.0;
      if (points > kMaxLatticePoints) return false;
      lattice.first[l] = first;
      lattice.count[l] = static_cast<std::size_t>(last - first + 1.0);
    }
    if constexpr (kOnEngine) lattice.points = lattice_points(lattice);  // once per evaluation, for both sums
    return true;
  }

  /// Calls f(k, X - y_k, |X - y_k|^2) for the lattice points y_k within the cutoff of X.
  template <class F>
  void for_each_near(const Lattice& lattice, const double* xi, F&& f) const {
    const auto d = static_cast<std::size_t>(dimension());
    std::array<std::size_t, 3> lo{}, hi{};
    std::array<std::vector<double>, 3> diff;
    for (std::size_t l = 0; l < 3; ++l) {
      if (l >= d) {
        diff[l].assign(1, 0.0);
        continue;
      }
      const double a = std::max(std::ceil((xi[l] - cutoff_) / dy_) - lattice.first[l], 0.0);
      const double b = std::min(std::floor((xi[l] + cutoff_) / dy_) - lattice.first[l],
                                static_cast<double>(lattice.count[l] - 1));
      if (b < a) return;  // no lattice point within the cutoff (cannot happen for a lattice built around X)
      lo[l] = static_cast<std::size_t>(a);
      hi[l] = static_cast<std::size_t>(b);
      for (std::size_t i = lo[l]; i <= hi[l]; ++i)
        diff[l].push_back(xi[l] - (lattice.first[l] + static_cast<double>(i)) * dy_);
    }
    const double cutoff2 = cutoff_ * cutoff_;
    for (std::size_t i0 = lo[0]; i0 <= hi[0]; ++i0) {
      const double r0 = diff[0][i0 - lo[0]] * diff[0][i0 - lo[0]];
      for (std::size_t i1 = lo[1]; i1 <= hi[1]; ++i1) {
        const double r1 = r0 + diff[1][i1 - lo[1]] * diff[1][i1 - lo[1]];
        if (r1 > cutoff2) continue;
        for (std::size_t i2 = lo[2]; i2 <= hi[2]; ++i2) {
          const double r2 = r1 + diff[2][i2 - lo[2]] * diff[2][i2 - lo[2]];
          if (r2 > cutoff2) continue;
          const std::size_t k = (i0 * lattice.count[1] + i1) * lattice.count[2] + i2;
          f(k, std::array<double, 3>{diff[0][i0 - lo[0]], diff[1][i1 - lo[1]], diff[2][i2 - lo[2]]}, r2);
        }
      }
    }
  }

  /// u_k = sum_j m_j zeta_eps(y_k - X_j) on the lattice; false for non-finite x or an oversized lattice.
  bool density(std::span<const double> x, Lattice& lattice, std::vector<double>& u) const {
    if (!make_lattice(x, lattice)) return false;
    u.assign(lattice.size(), 0.0);
    const auto d = static_cast<std::size_t>(dimension());
    if constexpr (kOnEngine) {
      engine_.potential(zeta_kernel(), PointSet{lattice.points, dimension()}, PointSet{x, dimension()}, masses_, u);
      return true;
    }
    for (std::size_t j = 0; j < masses_.size(); ++j)
      for_each_near(lattice, x.data() + j * d,
                    [&](std::size_t k, const std::array<double, 3>&, double r2) { u[k] += masses_[j] * zeta_.value(r2); });
    return true;
  }

  /// f_k = dy^d w_k (u_k - g_k), the lattice values the velocity sums against grad zeta (g = 0 without offset).
  bool weighted_density(std::span<const double> x, Lattice& lattice, std::vector<double>& f) const {
    if (!density(x, lattice, f)) return false;
    const double cell = std::pow(dy_, dimension());
    std::vector<double> g;
    const std::vector<double> w = lattice_weights(lattice, offset_ ? &g : nullptr);
    if (offset_) {
      for (std::size_t k = 0; k < f.size(); ++k) f[k] = cell * w[k] * (f[k] - g[k]);
      return true;
    }
    for (std::size_t k = 0; k < f.size(); ++k)
      if (f[k] != 0.0) f[k] *= cell * w[k];
    return true;
  }

  /// zeta_eps as the engines' Gaussian kernel (standard deviation eps).
  GaussianKernel zeta_kernel() const { return GaussianKernel(dimension(), zeta_.epsilon()); }

  /// The coordinates of the points of `lattice`, point-major, in its order.
  std::vector<double> lattice_points(const Lattice& lattice) const {
    const auto d = static_cast<std::size_t>(dimension());
    std::vector<double> y(lattice.size() * d);
    std::size_t k = 0;
    for (std::size_t i0 = 0; i0 < lattice.count[0]; ++i0)
      for (std::size_t i1 = 0; i1 < lattice.count[1]; ++i1)
        for (std::size_t i2 = 0; i2 < lattice.count[2]; ++i2, ++k) {
          const std::array<std::size_t, 3> i = {i0, i1, i2};
          for (std::size_t l = 0; l < d; ++l) y[k * d + l] = (lattice.first[l] + static_cast<double>(i[l])) * dy_;
        }
    return y;
  }

  /// Whether the index box of `outer` holds every point of `inner` (coordinates l < d).
  bool covers(const Lattice& outer, const Lattice& inner) const {
    for (std::size_t l = 0; l < static_cast<std::size_t>(dimension()); ++l)
      if (inner.first[l] < outer.first[l] ||
          inner.first[l] + static_cast<double>(inner.count[l]) > outer.first[l] + static_cast<double>(outer.count[l]))
        return false;
    return true;
  }

  /// The weights w_k of the points of `lattice`, in its order. A weight depends on its point only (the lattice
  /// y = k dy is fixed), so they are kept for a box of lattice indices that grows, by kWeightBoxMargin of the request
  /// on each side, to cover each requested lattice: a run averages 1/rhobar over a cell once per point, not once per
  /// point and velocity evaluation (that was most of a run's time with a Gaussian-mixture target).
  /// With `offsets` non-null it also receives the offset g(y_k) of each point (kept the same way).
  std::vector<double> lattice_weights(const Lattice& lattice, std::vector<double>* offsets = nullptr) const {
    const std::lock_guard<std::mutex> lock(weights_mutex_);
    if (!(weights_.size() == weights_box_.size() && !weights_.empty() && covers(weights_box_, lattice))) {
      Lattice box;  // indices only: the weights need no coordinates
      box.first = lattice.first;
      box.count = lattice.count;
      double points = 1.0;
      for (std::size_t l = 0; l < static_cast<std::size_t>(dimension()); ++l) {
        const double margin = std::ceil(kWeightBoxMargin * static_cast<double>(lattice.count[l]));
        double lo = lattice.first[l] - margin, hi = lattice.first[l] + static_cast<double>(lattice.count[l]) + margin;
        if (!weights_.empty()) {
          lo = std::min(lo, weights_box_.first[l]);
          hi = std::max(hi, weights_box_.first[l] + static_cast<double>(weights_box_.count[l]));
        }
        box.first[l] = lo;
        box.count[l] = static_cast<std::size_t>(hi - lo);
        points *= hi - lo;
      }
      if (points > kMaxLatticePoints) {  // no room for a margin: exactly this lattice
        box.first = lattice.first;
        box.count = lattice.count;
      }
      weights_.resize(box.size());
      for (std::size_t k = 0; k < weights_.size(); ++k) weights_[k] = lattice_weight(box, k);
      offsets_.assign(offset_ ? box.size() : 0, 0.0);
      for (std::size_t k = 0; k < offsets_.size(); ++k) {
        const std::array<double, 3> y = lattice_point(box, k);
        offsets_[k] = offset_(std::span<const double>(y.data(), static_cast<std::size_t>(dimension())));
      }
      weights_box_ = box;
    }
    std::vector<double> w(lattice.size());
    if (offsets) offsets->resize(lattice.size());
    std::array<std::size_t, 3> offset{};
    for (std::size_t l = 0; l < 3; ++l)
      offset[l] = static_cast<std::size_t>(lattice.first[l] - weights_box_.first[l]);
    std::size_t k = 0;
    for (std::size_t i0 = 0; i0 < lattice.count[0]; ++i0)
      for (std::size_t i1 = 0; i1 < lattice.count[1]; ++i1)
        for (std::size_t i2 = 0; i2 < lattice.count[2]; ++i2, ++k) {
          const std::size_t kept =
              ((i0 + offset[0]) * weights_box_.count[1] + i1 + offset[1]) * weights_box_.count[2] + i2 + offset[2];
          w[k] = weights_[kept];
          if (offsets) (*offsets)[k] = offsets_[kept];
        }
    return w;
  }

  /// The coordinates of lattice point k (unused coordinates 0).
  std::array<double, 3> lattice_point(const Lattice& lattice, std::size_t k) const {
    std::array<double, 3> y{};
    std::size_t rest = k;
    for (std::size_t l = 3; l-- > 0;) {
      y[l] = (lattice.first[l] + static_cast<double>(rest % lattice.count[l])) * dy_;
      rest /= lattice.count[l];
    }
    return y;
  }

  /// w_k: the mean of 1/rhobar over the cell of lattice point k.
  double lattice_weight(const Lattice& lattice, std::size_t k) const {
    const std::array<double, 3> y = lattice_point(lattice, k);
    return target_->cell_inverse_density(std::span<const double>(y.data(), static_cast<std::size_t>(dimension())),
                                         dy_);
  }

  /// The share of a requested lattice's extent added on each side when the kept weights must grow.
  static constexpr double kWeightBoxMargin = 0.25;

  Z zeta_;
  std::vector<double> masses_;
  std::shared_ptr<const Target> target_;
  double dy_;
  double cutoff_;
  [[no_unique_address]] EngineHolder engine_;
  mutable std::mutex weights_mutex_;
  mutable Lattice weights_box_;            // the index box whose weights are kept (empty until the first request)
  mutable std::vector<double> weights_;    // w_k over weights_box_, in its order
  mutable std::vector<double> offsets_;    // g(y_k) over weights_box_ when an offset is set
  std::function<double(std::span<const double>)> offset_;  // g (set_offset), empty: none
  double offset_constant_ = 0.0;
};

}  // namespace blobflow
