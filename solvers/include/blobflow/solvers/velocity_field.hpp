// The velocity field of a blob method: dx_i/dt = v_i(x) = -(1/m_i) grad_(x_i) E_eps(x), the gradient flow of a
// regularized energy E_eps (docs/math.md §1.4 and §2.3). This is the one runtime interface between the configuration
// layer and the templated equations; everything below it is compiled per mollifier and summation engine.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "blobflow/solvers/network.hpp"
#include "blobflow/solvers/potentials.hpp"
#include "blobflow/solvers/registry.hpp"
#include "blobflow/solvers/targets.hpp"

namespace blobflow {

/// The Hessian D^2 E_eps(x) of a regularized energy in sparse form, over the N d coordinates (particle-major):
///   H = sum of `entries` (duplicates add up) + sum_r outer_weights[r] D_r D_r^T,
/// where D_r is the sparse vector of the `outer` entries whose `row` is r (its coordinate in `col`). The outer part
/// holds the terms sum_i c_i grad p_i grad p_i^T of energies that are sums of functions of a density p_i
/// (pme with m != 2); forming those products entry by entry would cost N k^2 triplets for k neighbours.
struct HessianEntries {
  struct Entry {
    int row;
    int col;
    double value;
  };
  std::vector<Entry> entries;
  std::vector<Entry> outer;
  std::vector<double> outer_weights;
  void clear() {
    entries.clear();
    outer.clear();
    outer_weights.clear();
  }
};

/// A particle velocity field together with the energy it is the gradient flow of.
class VelocityField {
 public:
  virtual ~VelocityField() = default;

  /// Spatial dimension d.
  virtual int dimension() const = 0;
  /// The particle masses m_i (fixed along the flow).
  virtual std::span<const double> masses() const = 0;
  /// v = dx/dt at positions x; x and v hold N d entries, particle-major. Non-finite x gives non-finite v
  /// (never an exception): the integrator reports it as a run status.
  virtual void velocity(std::span<const double> x, std::span<double> v) const = 0;
  /// The regularized energy E_eps(x); v_i = -(1/m_i) grad_(x_i) E_eps exactly.
  virtual double energy(std::span<const double> x) const = 0;
  /// The Hessian D^2 E_eps(x) (then dv/dx = -M^{-1} D^2 E_eps, M the diagonal of masses), where the field has it in
  /// closed form and it has at most max_entries entries: fills h and returns true. The default returns false: the
  /// stiff integrators then use finite differences of the velocity instead. Entries of pairs beyond the kernel's
  /// truncation radius at tolerance kHessianRelativeTolerance (hessian.hpp) are left out.
  virtual bool hessian(std::span<const double> /*x*/, HessianEntries& /*h*/,
                       std::size_t /*max_entries*/ = static_cast<std::size_t>(-1)) const {
    return false;
  }
  /// A one-line description (equation, mollifier, eps, engine) for logs and summaries.
  virtual std::string describe() const = 0;
};

/// The choices that define a velocity field; names are those of `blobflow list`.
struct FieldSpec {
  std::string equation = "wpme";   ///< "wpme" (target rhobar == 1), "pme" or "network" (network.hpp)
  double m = 2.0;                  ///< pme exponent, m >= 1 (unused by wpme)
  int dimension = 1;               ///< d in {1, 2, 3}
  std::string mollifier = "gaussian";
  double epsilon = 0.1;            ///< blob width: the scale of zeta_eps (for the Gaussian, its standard deviation)
  std::string engine = "auto";     ///< summation engine, or "auto" (see resolve_engine)
  double engine_accuracy = 0.0;    ///< error allowed to the non-exact engine "fft" (0: round-off; fft then 1e-10)
  PotentialSpec potential;         ///< external potential V (potentials.hpp); kind "none" by default
  InteractionSpec interaction;     ///< interaction kernel W (potentials.hpp); kind "none" by default
  TargetSpec target;               ///< wpme: rhobar (default: rhobar == 1 on R^d); pme accepts only the default
  NetworkFunctionSpec network;     ///< network: the target function f* (its data density nu is `target`)
  std::size_t particles = 0;       ///< N, read by engine = "auto" only (0: unknown)
  double spacing = 0.0;            ///< particle spacing h, read by engine = "auto" only (0: unknown)
};

/// Builds the field for `spec` and the particle masses.
/// \throws std::invalid_argument for an unknown name or a parameter out of range (the message names it).
std::unique_ptr<VelocityField> make_velocity_field(const FieldSpec& spec, std::vector<double> masses);

/// The order of the named mollifier (docs/math.md §5.1): 2 for the nonnegative kernels; 4, 6, 8 for the sign-changing
/// ones, which only the quadratic energies admit (wpme, pme with m = 2; docs/math.md §2.3).
/// \throws std::invalid_argument for an unknown name.
int mollifier_order(std::string_view name);

/// The reach of the blob velocity with mollifier `name` of width epsilon: agent i's velocity does not depend on a
/// particle farther than this. The support of psi = zeta * zeta (twice zeta's radius) for compactly supported
/// mollifiers; for the others the cutoff the truncated engines use (psi below TruncatedSum's default relative
/// tolerance of its peak beyond it), which the exact engines (direct, simd) do not apply.
double mollifier_reach(std::string_view name, int dimension, double epsilon);

/// The mollifier zeta_eps of `name` in d dimensions as a function of a point z of R^d (length d): what the blob
/// density zeta_eps * rho^N is built from. \throws std::invalid_argument for an unknown name.
std::function<double(std::span<const double>)> mollifier_function(std::string_view name, int dimension, double epsilon);

/// The concrete engine `spec.engine` stands for: itself, or for "auto" the one select_engine (engines.hpp) picks from
/// N, d, eps / h, the mollifier, the interaction and the accuracy the run allows.
std::string resolve_engine(const FieldSpec& spec);

/// The registered choices, in the order `blobflow list` prints them.
std::span<const ComponentInfo> equation_registry();
std::span<const ComponentInfo> mollifier_registry();
std::span<const ComponentInfo> engine_registry();  ///< "auto" first, then EngineRegistry

/// Whether `name` is registered in `registry`.
bool is_registered(std::span<const ComponentInfo> registry, std::string_view name);

/// Whether the named equation has a target rhobar (FieldSpec::target): wpme does, pme does not.
/// \throws std::invalid_argument for an unknown name.
bool equation_has_target(std::string_view equation);

/// The exponent m the named equation fixes (wpme: 2), or empty when it takes m from the configuration (pme).
/// \throws std::invalid_argument for an unknown name.
std::optional<double> equation_fixed_exponent(std::string_view equation);

}  // namespace blobflow
