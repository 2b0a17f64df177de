// External potentials V and interaction kernels W, added to either equation of blobflow (CCP19's class of PDEs,
// docs/math.md §1.2 and §1.4):
//   d/dt rho = (diffusion) + div(rho grad V) + div(rho grad(W * rho)),
// as the gradient flow of
//   E_total(x) = E_eps(x) + sum_i m_i V(x_i) + 1/2 sum_(i,j) m_i m_j W_eps(x_i - x_j),
//   v_i = v_i^diff - grad V(x_i) - sum_j m_j grad W_eps(x_i - x_j)  =  -(1/m_i) grad_(x_i) E_total   exactly.
// Self term: the double sum includes i = j. Both kernels below are even and smooth at 0, so W_eps(0) is finite (the
// i = j terms add the constant 1/2 sum_i m_i^2 W_eps(0) to the energy) and grad W_eps(0) = 0 (no self force).
//
// This header holds the specs (members of FieldSpec), V and the kernels; drifted_field.hpp adds them to a field.
//
// V kinds (PotentialSpec::kind):
//   quadratic    V(x) = (c/2) |x - x0|^2, c > 0. c = 1, x0 = 0 gives the confined PME d/dt rho = Lap(rho^m)
//                + div(rho x) (docs/math.md §4.5) and, for m = 1, the linear Fokker-Planck equation (§4.6).
//   double-well  V(x) = a (|x|^2 - b^2)^2 / 4, a, b > 0: minima on the sphere |x| = b, a local maximum a b^4 / 4
//                at 0; grad V(x) = a (|x|^2 - b^2) x.
//   polynomial   V(x) = sum_(k=1..d) P(x_k), P(y) = c_0 + c_1 y + ... + c_K y^K: the same 1D polynomial in each
//                coordinate (in 1D simply V = P); grad V(x)_k = P'(x_k).
// W kinds (InteractionSpec::kind):
//   gaussian     W(z) = -A exp(-|z|^2 / (2 l^2)), A, l > 0, attractive. W is smooth (W(0) = -A, grad W(0) = 0),
//                so it is used as it is, without regularization: W_eps = W.
//   newtonian    2D only, the Keller-Segel kernel of docs/math.md §4.7: d/dt rho = Lap rho - div(rho grad c),
//                c = -(chi/(2 pi)) log|.| * rho, i.e. W = chi N with N(z) = (1/(2 pi)) log|z| (attractive for
//                chi > 0; chi = 1 is §4.7's equation, critical mass 8 pi / chi for m = 1). Regularized by the same
//                mollifier as the diffusion: W_eps = psi_eps * W with psi_eps = zeta_eps * zeta_eps, the kernel
//                blobflow uses for phi_eps in both energies (docs/math.md §1.5, §2.3), so that the interaction energy
//                is 1/2 int (zeta_eps * rho) W (zeta_eps * rho). Whether CCP19 convolve N with phi_eps or with zeta_eps
//                is [R] in docs/math.md §1.2-1.4 (unverified); this is a stated choice. Only the Gaussian zeta is
//                implemented (closed form below); other mollifiers are refused.
//
// Closed form of psi_eps * N for the Gaussian zeta [D, derived here]: psi_eps is the 2D Gaussian G_s of standard
// deviation s = sqrt(2) eps per coordinate. u = G_s * N is radial with Lap u = G_s, so (r u')' = r G_s(r) and
//   u'(r) = (1/r) int_0^r rho G_s(rho) d rho = (1 - exp(-r^2 / (2 s^2))) / (2 pi r),
//   u(r)  = (1/(2 pi)) (log r + E1(a) / 2) = (1/(4 pi)) (log(2 s^2) - gamma + Ein(a)),    a = r^2 / (2 s^2),
// with E1 the exponential integral, gamma Euler's constant and Ein(a) = int_0^a (1 - e^-t)/t dt = E1(a) + gamma +
// log a the entire function (the constant: u - N -> 0 as r -> infinity because E1 -> 0). The Ein form has no
// cancellation at r -> 0: u(0) = (log(2 s^2) - gamma) / (4 pi), and grad u(z) = g(|z|^2) z with
// g(r^2) = (1 - e^-a) / (2 pi r^2) = (-expm1(-a) / a) / (4 pi s^2) -> 1 / (4 pi s^2) at r = 0.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/registry.hpp"

namespace blobflow {

/// The external potential V of a velocity field (config section [potential] once wired; names of the kinds are
/// those of potential_registry()).
struct PotentialSpec {
  std::string kind = "none";        ///< "none", "quadratic", "double-well" or "polynomial"
  double strength = 1.0;            ///< quadratic: c > 0; double-well: a > 0
  std::vector<double> center;       ///< quadratic: x0, empty for the origin or of length d
  double well_radius = 1.0;         ///< double-well: b > 0, the radius of the minima |x| = b
  std::vector<double> coefficients; ///< polynomial: c_0, c_1, ..., c_K (at least one entry, all finite)
};

/// The interaction kernel W of a velocity field (names of the kinds are those of interaction_registry()).
struct InteractionSpec {
  std::string kind = "none";  ///< "none", "gaussian" or "newtonian"
  double amplitude = 1.0;     ///< gaussian: A > 0, the depth of the well W(0) = -A
  double length = 1.0;        ///< gaussian: l > 0, its standard deviation
  double chi = 1.0;           ///< newtonian: the chemotactic sensitivity chi > 0 (W = chi N)
};

/// The registered V and W kinds ("none" first), in the order a listing prints them.
std::span<const ComponentInfo> potential_registry();
std::span<const ComponentInfo> interaction_registry();

/// Whether the spec asks for a potential V (a kind other than "none"), resp. an interaction kernel W.
/// \throws std::invalid_argument naming potential.kind / interaction.kind for an unknown kind.
bool has_potential(const PotentialSpec& spec);
bool has_interaction(const InteractionSpec& spec);
/// Whether the spec is V = (c/2)|x - x0|^2 (any c, x0).
bool is_quadratic_potential(const PotentialSpec& spec);
/// Whether the interaction kernel has no cutoff radius (the Newtonian kernel), so that only the direct engine sums
/// it exactly. \throws std::invalid_argument for an unknown kind.
bool interaction_is_long_range(const InteractionSpec& spec);

/// An external potential V on R^d, evaluated per particle: the configured kinds (ExternalPotential) or any callable
/// with its gradient (CallablePotential).
class Potential {
 public:
  virtual ~Potential() = default;
  virtual int dimension() const = 0;
  /// V(x) for one point x of `dimension()` coordinates.
  virtual double value(const double* x) const = 0;
  /// grad V(x) into g (`dimension()` entries).
  virtual void gradient(const double* x, double* g) const = 0;
  /// A short description with the parameters, e.g. "quadratic(c = 1, x0 = 0)".
  virtual std::string describe() const = 0;
};

/// V from two callables: its value and its gradient (which the caller keeps consistent; the property tests of a
/// field check -grad E against finite differences).
class CallablePotential final : public Potential {
 public:
  using Value = std::function<double(std::span<const double> x)>;
  using Gradient = std::function<void(std::span<const double> x, std::span<double> g)>;
  /// \throws std::invalid_argument unless 1 <= dimension <= 3 and both callables are set.
  CallablePotential(int dimension, Value value, Gradient gradient, std::string description);

  int dimension() const override { return dim_; }
  double value(const double* x) const override { return value_({x, static_cast<std::size_t>(dim_)}); }
  void gradient(const double* x, double* g) const override {
    gradient_({x, static_cast<std::size_t>(dim_)}, {g, static_cast<std::size_t>(dim_)});
  }
  std::string describe() const override { return description_; }

 private:
  int dim_;
  Value value_;
  Gradient gradient_;
  std::string description_;
};

/// One of the configured kinds of the file comment.
class ExternalPotential final : public Potential {
 public:
  /// \throws std::invalid_argument naming the key (potential.kind, potential.strength, ...) and the rule for an
  /// unknown kind, kind "none", a parameter out of range, or a centre of the wrong length.
  ExternalPotential(const PotentialSpec& spec, int dimension);

  int dimension() const override { return dim_; }
  double value(const double* x) const override;
  void gradient(const double* x, double* g) const override;
  std::string describe() const override;

  /// The kinds (potential_registry() lists their names).
  enum class Kind { kNone, kQuadratic, kDoubleWell, kPolynomial };

 private:
  Kind kind_ = Kind::kQuadratic;
  int dim_ = 1;
  double strength_ = 1.0, well_radius_ = 1.0;
  std::vector<double> center_, coefficients_;
};

/// The Gaussian attraction W(z) = -A exp(-|z|^2 / (2 l^2)) in d dimensions, a radial kernel with
/// grad W(z) = (A / l^2) exp(-|z|^2 / (2 l^2)) z. Smooth, so used without regularization. Written as
/// -A (2 pi l^2)^(d/2) G_l with G_l the unit-mass Gaussian of mollifier.hpp, whose cutoff radius it shares.
class GaussianAttractionKernel {
 public:
  /// \throws std::invalid_argument unless 1 <= dimension <= 3 and A, l > 0 are finite.
  GaussianAttractionKernel(int dimension, double amplitude, double length);

  int dimension() const { return gaussian_.dimension(); }
  double amplitude() const { return amplitude_; }
  double length() const { return gaussian_.sigma(); }
  double value(double r2) const { return scale_ * gaussian_.value(r2); }
  double gradient_factor(double r2) const { return scale_ * gaussian_.gradient_factor(r2); }
  /// The Gaussian's cutoff radius (GaussianKernel::truncation_radius): W and its gradient factor are multiples of
  /// the same Gaussian, so the relative bounds carry over.
  double truncation_radius(double relative_tolerance) const { return gaussian_.truncation_radius(relative_tolerance); }

 private:
  GaussianKernel gaussian_;
  double amplitude_, scale_;  // scale_ = -A (2 pi l^2)^(d/2)
};

/// Ein(a) = int_0^a (1 - e^-t)/t dt = sum_(k>=1) (-1)^(k+1) a^k / (k k!), the entire exponential integral, for
/// a >= 0: the series for a <= 1 (decreasing alternating terms, no cancellation: Ein(a) >= 3a/4), and
/// E1(a) + gamma + log a above, with E1 from its continued fraction (all three terms positive).
/// \throws std::invalid_argument for a < 0 or NaN.
double entire_exponential_integral(double a);

/// The exponential integral E1(a) = int_a^inf e^-t / t dt for a > 0 (continued fraction for a > 1, Ein series
/// otherwise). \throws std::invalid_argument unless a > 0.
double exponential_integral_e1(double a);

/// The 2D Keller-Segel kernel regularized by the Gaussian mollifier: W_eps = chi psi_eps * N, N = log|.| / (2 pi),
/// psi_eps the Gaussian of standard deviation s = sqrt(2) eps (closed form and derivation in the file comment):
///   W_eps(z) = chi (log(2 s^2) - gamma + Ein(a)) / (4 pi),   grad W_eps(z) = chi (1 - e^-a) / (2 pi |z|^2) z,
/// a = |z|^2 / (2 s^2). Long-range: it has no cutoff radius, so only the direct engine sums it.
class RegularizedNewtonianKernel {
 public:
  /// \throws std::invalid_argument unless chi and eps are finite and > 0.
  RegularizedNewtonianKernel(double chi, double eps);

  int dimension() const { return 2; }
  double chi() const { return chi_; }
  /// s = sqrt(2) eps, the standard deviation of psi_eps = zeta_eps * zeta_eps.
  double sigma() const { return sigma_; }
  double value(double r2) const {
    return chi_ * (log_two_var_minus_gamma_ + entire_exponential_integral(r2 * inv_two_var_)) /
           (4.0 * std::numbers::pi);
  }
  double gradient_factor(double r2) const {
    const double a = r2 * inv_two_var_;
    const double ratio = a > 0.0 ? -std::expm1(-a) / a : 1.0;  // (1 - e^-a)/a, accurate for every a >= 0
    return chi_ * ratio * inv_two_var_ / (2.0 * std::numbers::pi);
  }

 private:
  double chi_, sigma_, inv_two_var_, log_two_var_minus_gamma_;
};

static_assert(RadialKernel<GaussianAttractionKernel> && RadialKernel<RegularizedNewtonianKernel>);

/// The interaction kernel of a DriftedField: none, or one of the kinds above.
using InteractionKernel = std::variant<std::monostate, GaussianAttractionKernel, RegularizedNewtonianKernel>;

/// The potential of `spec` in `dimension` dimensions, or nullptr for kind "none".
/// \throws std::invalid_argument as ExternalPotential's constructor.
std::unique_ptr<Potential> make_potential(const PotentialSpec& spec, int dimension);

/// Builds the kernel for `spec` in `dimension`, for a diffusion regularized by `mollifier` with width `eps`.
/// \throws std::invalid_argument naming the key and rule: an unknown kind, a parameter out of range, newtonian in
/// d != 2 or with a mollifier other than "gaussian".
InteractionKernel make_interaction_kernel(const InteractionSpec& spec, int dimension, std::string_view mollifier,
                                          double eps);

}  // namespace blobflow
