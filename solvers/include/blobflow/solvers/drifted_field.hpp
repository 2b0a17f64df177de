// DriftedField: a decorator that adds an external potential V and an interaction kernel W (potentials.hpp) to a
// diffusion velocity field (WpmeUniformTarget or CcpPorousMedium, equations.hpp). make_velocity_field builds it
// when FieldSpec::potential or FieldSpec::interaction asks for one and returns the bare diffusion field otherwise,
// so that V = W = none leaves every result unchanged bit for bit. Formulas and the self-term convention: the file
// comment of potentials.hpp (docs/math.md §1.2, §1.4, §4.5-4.7).
#pragma once

#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"
#include "blobflow/solvers/potentials.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// A diffusion velocity field plus an external potential and/or an interaction kernel (file comment):
///   E_total = E_diff + sum_i m_i V(x_i) + 1/2 sum_(i,j) m_i m_j W(x_i - x_j),
///   v_i = v_i^diff - grad V(x_i) - sum_j m_j grad W(x_i - x_j).
/// The pair sums go through `Engine` where the kernel allows it (SummationEngine), otherwise through DirectSum
/// (a kernel without a cutoff radius; make_velocity_field never pairs those with a cutoff engine).
template <class Engine>
class DriftedField final : public VelocityField {
 public:
  /// `potential` may be null (V = 0) and `interaction` std::monostate (W = 0).
  DriftedField(std::unique_ptr<VelocityField> diffusion, std::unique_ptr<Potential> potential,
               InteractionKernel interaction, Engine engine = {})
      : diffusion_(std::move(diffusion)), potential_(std::move(potential)), interaction_(std::move(interaction)),
        engine_(std::move(engine)) {}

  int dimension() const override { return diffusion_->dimension(); }
  std::span<const double> masses() const override { return diffusion_->masses(); }

  void velocity(std::span<const double> x, std::span<double> v) const override {
    diffusion_->velocity(x, v);
    const auto d = static_cast<std::size_t>(dimension());
    const std::size_t n = masses().size();
    if (potential_) {
      double g[3];
      for (std::size_t i = 0; i < n; ++i) {
        potential_->gradient(&x[i * d], g);
        for (std::size_t k = 0; k < d; ++k) v[i * d + k] -= g[k];
      }
    }
    std::visit(
        [&](const auto& kernel) {
          if constexpr (RadialKernel<std::decay_t<decltype(kernel)>>) {
            std::vector<double> g(x.size());
            sum_engine(kernel, [&](const auto& e) { e.self_gradient(kernel, PointSet{x, dimension()}, masses(), g); });
            for (std::size_t i = 0; i < x.size(); ++i) v[i] -= g[i];
          }
        },
        interaction_);
  }

  double energy(std::span<const double> x) const override {
    double e = diffusion_->energy(x);
    const auto d = static_cast<std::size_t>(dimension());
    const std::span<const double> m = masses();
    if (potential_)
      for (std::size_t i = 0; i < m.size(); ++i) e += m[i] * potential_->value(&x[i * d]);
    std::visit(
        [&](const auto& kernel) {
          if constexpr (RadialKernel<std::decay_t<decltype(kernel)>>) {
            std::vector<double> p(m.size());
            sum_engine(kernel, [&](const auto& eng) { eng.self_potential(kernel, PointSet{x, dimension()}, m, p); });
            double pair = 0.0;
            for (std::size_t i = 0; i < m.size(); ++i) pair += m[i] * p[i];
            e += 0.5 * pair;
          }
        },
        interaction_);
    return e;
  }

  std::string describe() const override {
    std::ostringstream s;
    s << diffusion_->describe();
    if (potential_) s << ", V = " << potential_->describe();
    std::visit(
        [&](const auto& k) {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, GaussianAttractionKernel>)
            s << ", W = gaussian(A = " << k.amplitude() << ", l = " << k.length() << ")";
          else if constexpr (std::is_same_v<K, RegularizedNewtonianKernel>)
            s << ", W = newtonian(chi = " << k.chi() << ", psi_eps * N, direct engine)";
        },
        interaction_);
    return s.str();
  }

 private:
  /// Calls f with engine_ when it can sum `kernel`, with DirectSum otherwise.
  template <class K, class F>
  void sum_engine(const K&, F&& f) const {
    if constexpr (SummationEngine<Engine, K>)
      f(engine_);
    else
      f(DirectSum{});
  }

  std::unique_ptr<VelocityField> diffusion_;
  std::unique_ptr<Potential> potential_;
  InteractionKernel interaction_;
  Engine engine_;
};

}  // namespace blobflow
