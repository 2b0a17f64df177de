// The regularized equations of blobflow as velocity fields, templated on the mollifier and the summation engine.
// Both use psi_eps = zeta_eps * zeta_eps (closed form for the Gaussian family), evaluated by the engine.
#pragma once

#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/hessian.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/registry.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// Weighted porous-medium equation d/dt rho = div(rho grad(rho/rhobar)) with rhobar == 1, i.e.
/// d/dt rho = 1/2 Lap(rho^2), in the CEHT23 regularization (docs/math.md §2.3):
///   E_eps(x) = 1/2 sum_ij m_i m_j psi_eps(x_i - x_j),    v_i = -sum_j m_j grad psi_eps(x_i - x_j).
template <Mollifier Z, class Engine = DirectSum>
class WpmeUniformTarget final : public VelocityField {
 public:
  WpmeUniformTarget(Z zeta, std::vector<double> masses, Engine engine = {})
      : zeta_(std::move(zeta)), psi_(zeta_.self_convolution()), masses_(std::move(masses)),
        engine_(std::move(engine)) {}

  int dimension() const override { return zeta_.dimension(); }
  std::span<const double> masses() const override { return masses_; }

  void velocity(std::span<const double> x, std::span<double> v) const override {
    engine_.self_gradient(psi_, PointSet{x, dimension()}, masses_, v);
    for (double& vi : v) vi = -vi;
  }

  double energy(std::span<const double> x) const override {
    std::vector<double> p(masses_.size());
    engine_.self_potential(psi_, PointSet{x, dimension()}, masses_, p);
    double e = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) e += masses_[i] * p[i];
    return 0.5 * e;
  }

  /// D^2 E_eps = the pair Hessian of m_i m_j psi_eps(x_i - x_j) (hessian.hpp), for kernels that have one.
  bool hessian(std::span<const double> x, HessianEntries& h, std::size_t max_entries) const override {
    if constexpr (HessianKernel<decltype(psi_)>) {
      h.clear();
      const double radius = psi_.truncation_radius(kHessianRelativeTolerance);
      if (hessian_state_is_finite(x, h) &&
          !close_pairs_at_most(PointSet{x, dimension()}, radius, max_entries / entries_per_pair(dimension())))
        return false;
      if (h.entries.empty())
        add_pair_energy_hessian(psi_, PointSet{x, dimension()}, [&](std::size_t i, std::size_t j) {
          return masses_[i] * masses_[j];
        }, h);
      return true;
    } else {
      return false;
    }
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "wpme (rhobar == 1, CEHT23), mollifier " << Z::kName << " eps = " << zeta_.epsilon() << ", engine "
      << Engine::kName;
    return s.str();
  }

 private:
  Z zeta_;
  decltype(std::declval<const Z&>().self_convolution()) psi_;
  std::vector<double> masses_;
  Engine engine_;
  static_assert(SummationEngine<Engine, decltype(psi_)>);
};

/// Porous-medium equation d/dt rho = Lap(rho^m), m >= 1, in the CCP19 regularization with phi_eps = psi_eps =
/// zeta_eps * zeta_eps (docs/math.md §1.3–1.4). With p_i = (phi_eps * rho^N)(x_i) = sum_k m_k phi_eps(x_i - x_k):
///   E_eps(x) = sum_i m_i p_i^(m-1) / (m-1)   (m > 1),      sum_i m_i log p_i   (m = 1),
///   v_i = -sum_j m_j grad phi_eps(x_i - x_j) (p_i^(m-2) + p_j^(m-2)),
/// which is exactly -(1/m_i) grad_(x_i) E_eps. For m = 2 this is v_i = -2 sum_j m_j grad phi_eps(x_i - x_j).
/// Needs p_i > 0, which holds for a positive mollifier (the j = i term alone is m_i phi_eps(0) > 0).
template <Mollifier Z, class Engine = DirectSum>
class CcpPorousMedium final : public VelocityField {
 public:
  CcpPorousMedium(Z zeta, std::vector<double> masses, double m, Engine engine = {})
      : zeta_(std::move(zeta)), phi_(zeta_.self_convolution()), masses_(std::move(masses)), m_(m),
        engine_(std::move(engine)) {
    if (!(m >= 1.0) || !std::isfinite(m)) throw std::invalid_argument("pme: m must be >= 1");
  }

  int dimension() const override { return zeta_.dimension(); }
  std::span<const double> masses() const override { return masses_; }

  void velocity(std::span<const double> x, std::span<double> v) const override {
    const PointSet points{x, dimension()};
    if (m_ == 2.0) {  // p^(m-2) == 1: a single gradient sum (docs/math.md §1.4, special case m = 2)
      engine_.self_gradient(phi_, points, masses_, v);
      for (double& vi : v) vi *= -2.0;
      return;
    }
    // sum_j m_j grad phi(x_i - x_j) (a_i + a_j) = a_i G[m]_i + G[m a]_i with a = p^(m-2).
    const std::size_t n = masses_.size();
    std::vector<double> a(n), weighted(n), g(x.size());
    engine_.self_potential(phi_, points, masses_, a);
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = std::pow(a[i], m_ - 2.0);
      weighted[i] = masses_[i] * a[i];
    }
    engine_.self_gradient(phi_, points, masses_, v);
    engine_.self_gradient(phi_, points, weighted, g);
    const auto d = static_cast<std::size_t>(dimension());
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) v[i * d + k] = -(a[i] * v[i * d + k] + g[i * d + k]);
  }

  double energy(std::span<const double> x) const override {
    std::vector<double> p(masses_.size());
    engine_.self_potential(phi_, PointSet{x, dimension()}, masses_, p);
    double e = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i)
      e += masses_[i] * (m_ == 1.0 ? std::log(p[i]) : std::pow(p[i], m_ - 1.0) / (m_ - 1.0));
    return e;
  }

  /// D^2 E_eps with F(p) = p^(m-1) / (m-1) (log p for m = 1): F'(p) = p^(m-2), F''(p) = (m-2) p^(m-3)
  /// (hessian.hpp, add_density_energy_hessian), for kernels that have a Hessian.
  bool hessian(std::span<const double> x, HessianEntries& h, std::size_t max_entries) const override {
    if constexpr (HessianKernel<decltype(phi_)>) {
      h.clear();
      if (!hessian_state_is_finite(x, h)) return true;
      const PointSet points{x, dimension()};
      const double radius = phi_.truncation_radius(kHessianRelativeTolerance);
      // The outer part (m != 2) reaches two radii: count those pairs against the limit too.
      const double reach = m_ == 2.0 ? radius : 2.0 * radius;
      if (!close_pairs_at_most(points, reach, max_entries / entries_per_pair(dimension()))) return false;
      const std::size_t n = masses_.size();
      std::vector<double> a(n, 1.0), b(n, 0.0);
      if (m_ != 2.0) {
        engine_.self_potential(phi_, points, masses_, a);  // p_i
        for (std::size_t i = 0; i < n; ++i) {
          b[i] = (m_ - 2.0) * std::pow(a[i], m_ - 3.0);
          a[i] = std::pow(a[i], m_ - 2.0);
        }
      }
      add_density_energy_hessian(phi_, points, masses_, a, b, h);
      return true;
    } else {
      return false;
    }
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "pme (m = " << m_ << ", CCP19), mollifier " << Z::kName << " eps = " << zeta_.epsilon() << ", engine "
      << Engine::kName;
    return s.str();
  }

 private:
  Z zeta_;
  decltype(std::declval<const Z&>().self_convolution()) phi_;
  std::vector<double> masses_;
  double m_;
  Engine engine_;
  static_assert(SummationEngine<Engine, decltype(phi_)>);
};

/// The equations a configuration can name. Each descriptor carries its name and description, whether it has a
/// target rhobar, its exponent m when the equation fixes it (the run then uses it for the initial data, the exact
/// solution and the reference solver instead of problem.m), and `make`, which builds its field for one mollifier Z and engine E (defined in
/// velocity_field.cpp, the only place that instantiates them). Adding an equation is its field class above, its
/// descriptor here, its entry in EquationRegistry and its `make`.
struct WpmeEquation {
  static constexpr const char* kName = "wpme";
  static constexpr const char* kDescription =
      "weighted porous-medium equation d/dt rho = div(rho grad(rho/rhobar)), CEHT23 blob regularization";
  /// rhobar (FieldSpec::target); rhobar == 1 on R^d gives d/dt rho = 1/2 Lap rho^2, the m = 2 equation.
  static constexpr bool kHasTarget = true;
  /// With rhobar == 1 the equation is the m = 2 porous-medium equation at half speed.
  static constexpr std::optional<double> kExponent = 2.0;
  template <Mollifier Z, class E>
  static std::unique_ptr<VelocityField> make(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                             const E& engine);
};

struct PmeEquation {
  static constexpr const char* kName = "pme";
  static constexpr const char* kDescription =
      "porous-medium equation d/dt rho = Lap(rho^m), m >= 1, CCP19 blob regularization with phi = zeta*zeta";
  static constexpr bool kHasTarget = false;
  static constexpr std::optional<double> kExponent = std::nullopt;  ///< problem.m
  template <Mollifier Z, class E>
  static std::unique_ptr<VelocityField> make(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                             const E& engine);
};

/// Mean-field training of a two-layer network with radial-bump neurons (network.hpp, docs/math.md §10): the wpme
/// field with 1/rhobar = nu (FieldSpec::target is the data density nu) and the offset f* (FieldSpec::network) on
/// the quadrature lattice; its energy is the risk R.
struct NetworkEquation {
  static constexpr const char* kName = kNetworkEquationName.data();
  static constexpr const char* kDescription =
      "two-layer network with radial-bump neurons, mean-field training dX_i/dt = -N grad_i R: the wpme field with "
      "1/rhobar = nu plus V = -zeta_eps * (f* nu); energy = the risk R";
  /// The data density nu ([target]).
  static constexpr bool kHasTarget = true;
  /// The continuum limit d/dt rho = div(rho grad((rho - f*) nu)) is quadratic in rho, as wpme.
  static constexpr std::optional<double> kExponent = 2.0;
  template <Mollifier Z, class E>
  static std::unique_ptr<VelocityField> make(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                             const E& engine);
};

/// Every equation, in the order `blobflow list equations` prints them.
using EquationRegistry = TypeRegistry<WpmeEquation, PmeEquation, NetworkEquation>;

}  // namespace blobflow
