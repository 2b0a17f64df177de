// The one runtime switch of the solvers: names from a configuration are mapped once to a closed std::variant of
// mollifiers and engines, and the templated equation is instantiated for the chosen pair.
#include "blobflow/solvers/velocity_field.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/drifted_field.hpp"
#include "blobflow/solvers/equations.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/mollifiers.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/truncated_simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"
#include "blobflow/solvers/wpme_targets.hpp"

namespace blobflow {
namespace {

constexpr ComponentInfo kEquations[] = {
    {"wpme", "weighted porous-medium equation d/dt rho = div(rho grad(rho/rhobar)), CEHT23 blob regularization"},
    {"pme", "porous-medium equation d/dt rho = Lap(rho^m), m >= 1, CCP19 blob regularization with phi = zeta*zeta"},
};
constexpr ComponentInfo kMollifiers[] = {
    {"gaussian", "Gaussian, standard deviation eps per coordinate, order 2; psi = zeta*zeta in closed form"},
    {"laguerre4", "Laguerre-Gaussian, order 4 (sign-changing), base Gaussian std eps; psi in closed form"},
    {"laguerre6", "Laguerre-Gaussian, order 6 (sign-changing), base Gaussian std eps; psi in closed form"},
    {"laguerre8", "Laguerre-Gaussian, order 8 (sign-changing), base Gaussian std eps; psi in closed form"},
    {"dog4", "difference of Gaussians 2 G_eps - G_sqrt2eps, order 4 (sign-changing); psi in closed form"},
    {"dog6", "difference of Gaussians (8/3)G_eps - 2G_sqrt2eps + (1/3)G_2eps, order 6 (sign-changing); psi closed form"},
    {"wendland-c2", "Wendland C2, support eps, order 2, nonnegative; psi from a radial table (1e-12)"},
    {"wendland-c4", "Wendland C4, support eps, order 2, nonnegative; psi from a radial table (1e-12)"},
    {"bspline3", "cubic B-spline M4, support 2 eps, order 2, nonnegative; psi from a radial table (1e-12)"},
};
constexpr ComponentInfo kEngines[] = {
    {"auto", "the engine blobflow expects to be fastest at full accuracy: direct with the long-range newtonian "
             "interaction; for the Gaussian with AVX-512 simd when N is below 2 (2D) or 1.6 (3D) times the particles "
             "within the cutoff, else truncated-simd (always in 1D); without AVX-512 simd below 1.6-1.8 times, else "
             "truncated; other mollifiers truncated; fft only where engine_accuracy > 0 allows its error and it is "
             "measured 2x faster (1D, 2D); recorded in summary.json"},
    {"direct", "brute-force O(N^2) pair sums, the reference engine"},
    {"truncated", "cutoff sums: skips pairs where the kernel is below 1e-17 of its peak (R ~ 8.85 sigma for a "
                  "Gaussian); sorted window in 1D, cell lists in 2D/3D; equals direct to round-off, O(N k)"},
    {"simd", "all pairs with AVX-512 (portable fallback), a polynomial exp (error <= 1e-15), pair symmetry and "
             "threads; equals direct to <= 1e-13; Gaussian mollifier only, other kernels use the direct loops"},
    {"truncated-simd", "cutoff sums of truncated with simd's vector kernel: sorted target blocks against source ranges "
                       "(1D) or cell lists (2D/3D), AVX-512 (portable fallback), threads; equals direct to <= 1e-13; "
                       "Gaussian mollifier only, other kernels use truncated"},
    {"fft", "grid/FFT sums (smooth-PME: B-spline spreading, FFTW, interpolation), O(N p^d + K^d log K); NOT exact: "
            "relative error <= 5e-11 (p = 12, h = sigma/4); for wide blobs; Gaussian only, others use direct"},
};
constexpr ComponentInfo kTargets[] = {
    {"uniform", "rhobar == 1 on all of R^d (then wpme is d/dt rho = 1/2 Lap rho^2); with a box [lo, hi]: the uniform "
                "probability density there, floor outside"},
    {"gaussian", "Gaussian density with a mean and a covariance matrix (d = 1, 2, 3), positive everywhere"},
    {"mixture", "weighted sum of Gaussians (weights, means, covariances); not log-concave in general"},
    {"piecewise", "constant on disjoint intervals (1D) or axis-aligned boxes (2D, 3D), floor elsewhere"},
    {"grid", "sampled on a regular tensor grid read from a CSV file (x[,y[,z]],rhobar), multilinear, floor outside"},
};

/// The crossover of engine = "auto" per dimension d (index d) with AVX-512: SimdSum's N^2 / 2 pairs (pair symmetry)
/// take as long as TruncatedSimdSum's N (k + block) pairs when N / k equals this, k the particles within the cutoff.
/// Measured side by side in one bench_engines run (BM_SelfGradientOfPsi, medians of 3, interleaved; 2-core AVX-512
/// machine, load average ~1.3; bench/results/cost-vs-n.txt) on lattices with the Gaussian psi, eps = 4 h in 1D
/// (k ~ 100) and eps = h in 2D/3D (k ~ 490 / 8,200):
///   1D: truncated-simd faster at every N from 100 (N / k = 1: 8.5 us against 10.9 us) to 1e5;
///   2D: simd 2.3x faster at N = 1,024 (N / k = 2.1), truncated-simd 1.2x at N = 2,304 (N / k = 4.7) and 2.2x at
///   N = 10,000: equal near N / k = 4 (an earlier run of the same code: equal at N / k = 4.7);
///   3D: simd 1.13x faster at N = 13,824 (N / k = 1.7), truncated-simd 1.24x at N = 27,000: equal near N / k = 2.
constexpr double kSimdCrossover[] = {0.0, 1.0, 4.0, 2.0};
/// Without AVX-512: SimdSum's portable path against TruncatedSum (its portable path is no faster than
/// TruncatedSum's scalar loop: 2.1 s against 1.5 s at N = 1e6 in 1D, 16 s against 18 s in 2D), from all-pairs sums
/// at N = 1000 (1.8x in 1D, 1.6x in 2D; 3D taken as 2D).
constexpr double kPortableCrossover[] = {0.0, 1.8, 1.6, 1.6};

/// The cost model behind engine = "auto" choosing "fft" (only when engine_accuracy > 0 allows a non-exact engine),
/// per dimension d (index d; 3D: never, not measured): seconds per particle of FftSum's self gradient at its
/// default accuracy (cheaper rows only lower it), against seconds per pair of TruncatedSum (N k pairs), of
/// TruncatedSimdSum (N k pairs) and of SimdSum with pair symmetry (N^2 effective pairs). fft and the AVX-512 engines
/// from runs of this code (bench_million and BM_SelfGradientOfPsi at N = 1e6 on lattices with eps = 4h / h;
/// bench/results/million.txt, cost-vs-n.txt, and earlier runs of the same engines; pair rates at N = 1e4,
/// bench/results/pair-rates*.txt), TruncatedSum from an earlier run; each figure taken the way least favourable to
/// fft (its slowest, the exact engines' fastest), so fft is picked only for a clear gain:
///   fft 0.41-0.54 s (1D) and 1.6-2.25 s (2D) at N = 1e6: 5e-7 and 2.5e-6 per particle, rounded up;
///   truncated-simd 0.068-0.089 s for k ~ 100 (1D) and 0.90-1.31 s for k ~ 490 (2D) at N = 1e6: the fastest;
///   simd symmetric 4.6e9 (1D) and 3.2e9 (2D) effective pairs/s, the fastest seen at N = 1e4.
constexpr double kFftSecondsPerParticle[] = {0.0, 5.0e-7, 2.5e-6, 0.0};
constexpr double kTruncatedSecondsPerPair[] = {0.0, 2.2e-8, 5.0e-8, 0.0};
constexpr double kSimdSecondsPerPair[] = {0.0, 2.0e-10, 3.1e-10, 0.0};
constexpr double kTruncatedSimdSecondsPerPair[] = {0.0, 6.8e-10, 1.8e-9, 0.0};
constexpr double kFftMargin = 2.0;

using MollifierChoice = std::variant<GaussianMollifier, Laguerre4Mollifier, Laguerre6Mollifier, Laguerre8Mollifier,
                                     Dog4Mollifier, Dog6Mollifier, WendlandC2Mollifier, WendlandC4Mollifier,
                                     CubicBSplineMollifier>;
using EngineChoice = std::variant<DirectSum, TruncatedSum, SimdSum, TruncatedSimdSum, FftSum>;

MollifierChoice make_mollifier(const std::string& name, int d, double eps) {
  if (name == GaussianMollifier::kName) return GaussianMollifier(d, eps);
  if (name == Laguerre4Mollifier::kName) return Laguerre4Mollifier(d, eps);
  if (name == Laguerre6Mollifier::kName) return Laguerre6Mollifier(d, eps);
  if (name == Laguerre8Mollifier::kName) return Laguerre8Mollifier(d, eps);
  if (name == Dog4Mollifier::kName) return Dog4Mollifier(d, eps);
  if (name == Dog6Mollifier::kName) return Dog6Mollifier(d, eps);
  if (name == WendlandC2Mollifier::kName) return WendlandC2Mollifier(d, eps);
  if (name == WendlandC4Mollifier::kName) return WendlandC4Mollifier(d, eps);
  if (name == CubicBSplineMollifier::kName) return CubicBSplineMollifier(d, eps);
  throw std::invalid_argument("unknown mollifier \"" + name + "\"");
}

EngineChoice make_engine(const FieldSpec& spec) {
  const std::string name = resolve_engine(spec);
  if (name == DirectSum::kName) return DirectSum{};
  if (name == TruncatedSum::kName) return TruncatedSum{};
  if (name == SimdSum::kName) return SimdSum{};
  if (name == TruncatedSimdSum::kName) return TruncatedSimdSum{};
  if (name == FftSum::kName) return spec.engine_accuracy > 0.0 ? FftSum(spec.engine_accuracy) : FftSum{};
  throw std::invalid_argument("unknown summation engine \"" + spec.engine + "\"");
}

/// wpme with a general target (wpme_targets.hpp): the closed form where it exists and is allowed, else the
/// lattice quadrature. Validates the TargetSpec fields the target itself does not use.
template <Mollifier Z, class E>
std::unique_ptr<VelocityField> make_wpme_target_field(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                                      const E& engine) {
  const TargetSpec& t = spec.target;
  if (t.method != "auto" && t.method != "closed-form" && t.method != "quadrature")
    throw std::invalid_argument("target.method = \"" + t.method + "\": must be auto, closed-form or quadrature");
  if (!(t.quadrature_accuracy > 0.0 && t.quadrature_accuracy <= kMaxQuadratureAccuracy))
    throw std::invalid_argument("target.quadrature_accuracy = " + std::to_string(t.quadrature_accuracy) +
                                ": must lie in (0, 0.1]");
  if (!(t.quadrature_spacing >= 0.0) || !std::isfinite(t.quadrature_spacing))
    throw std::invalid_argument("target.quadrature_spacing = " + std::to_string(t.quadrature_spacing) +
                                ": must be 0 (from the accuracy) or a finite dy / eps > 0");
  if (is_uniform_on_whole_space(t)) {
    if (t.method == "quadrature")
      throw std::invalid_argument("target.method = \"quadrature\": rhobar == 1 on R^d is evaluated exactly "
                                  "(psi = zeta*zeta); give target \"uniform\" a box to use the quadrature");
    return nullptr;  // the caller builds WpmeUniformTarget
  }
  std::shared_ptr<const Target> target = make_target(t, spec.dimension);
  const bool closed_form_exists = std::is_same_v<Z, GaussianMollifier> && target->piecewise_inverse() != nullptr;
  if (t.method == "closed-form" && !closed_form_exists)
    throw std::invalid_argument("target.method = \"closed-form\": needs mollifier \"gaussian\" and a piecewise-constant "
                                "target (uniform with a box, piecewise); got mollifier \"" + spec.mollifier +
                                "\", target \"" + t.kind + "\"");
  if (closed_form_exists && t.method != "quadrature")
    return std::make_unique<WpmeClosedFormTarget>(zeta.epsilon(), spec.dimension, std::move(masses), target);
  const double dy = quadrature_lattice_spacing(zeta, t.quadrature_accuracy, t.quadrature_spacing);
  if constexpr (std::is_same_v<Z, GaussianMollifier>)  // the run's engine sums the lattice integral
    return std::make_unique<WpmeQuadratureTarget<Z, E>>(zeta, std::move(masses), target, dy, engine);
  else
    return std::make_unique<WpmeQuadratureTarget<Z>>(zeta, std::move(masses), target, dy);
}

}  // namespace

int mollifier_order(std::string_view name) {
  constexpr double kAnyWidth = 1.0;  // the order does not depend on the width or the dimension
  const MollifierChoice zeta = make_mollifier(std::string(name), 1, kAnyWidth);
  return std::visit([](const auto& z) { return z.order(); }, zeta);
}

std::function<double(std::span<const double>)> mollifier_function(std::string_view name, int dimension,
                                                                  double epsilon) {
  const MollifierChoice zeta = make_mollifier(std::string(name), dimension, epsilon);
  return std::visit(
      [](const auto& z) -> std::function<double(std::span<const double>)> {
        return [z](std::span<const double> point) {
          double r2 = 0.0;
          for (double c : point) r2 += c * c;
          return z.value(r2);
        };
      },
      zeta);
}

std::string resolve_engine(const FieldSpec& spec) {
  if (spec.engine != "auto") return spec.engine;
  // The Newtonian interaction is long-range (no cutoff radius), so only the direct engine sums it exactly.
  if (spec.interaction.kind == "newtonian") return DirectSum::kName;
  // Every other registered kernel has a finite truncation radius, and the truncated engines equal the direct one to
  // round-off while skipping the pairs that contribute nothing. For the Gaussian, SimdSum evaluates N^2 / 2 pairs
  // (pair symmetry) at a high rate; it wins while N / k is below the measured crossover (k = particles within the
  // cutoff R ~ 8.85 sqrt(2) eps of psi), against TruncatedSimdSum's N k pairs at a similar rate with AVX-512, or
  // against TruncatedSum's N k pairs with scalar libm exps without it.
  const bool valid = spec.dimension >= 1 && spec.dimension <= 3 && spec.epsilon > 0.0 && std::isfinite(spec.epsilon);
  if (spec.mollifier != GaussianMollifier::kName || !valid || spec.particles == 0 || !(spec.spacing > 0.0))
    return TruncatedSum::kName;
  const bool avx512 = simd_avx512_available();
  const double crossover = (avx512 ? kSimdCrossover : kPortableCrossover)[spec.dimension];
  const GaussianKernel psi = GaussianMollifier(spec.dimension, spec.epsilon).self_convolution();
  const double radius = psi.truncation_radius(TruncatedSum::kDefaultRelativeTolerance) / spec.spacing;
  const double ball[] = {0.0, 2.0 * radius, std::numbers::pi * radius * radius,
                         4.0 / 3.0 * std::numbers::pi * radius * radius * radius};  // in particles
  const auto n = static_cast<double>(spec.particles);
  const double k = std::min(n, std::max(1.0, ball[spec.dimension]));
  const char* exact = n / k < crossover ? SimdSum::kName : (avx512 ? TruncatedSimdSum::kName : TruncatedSum::kName);
  // The non-exact fft engine only where the run allows its error and it is measured clearly faster (2D, 1D).
  const int d = spec.dimension;
  if (spec.engine_accuracy > 0.0 && kFftSecondsPerParticle[d] > 0.0) {
    const double cutoff_per_pair = (avx512 ? kTruncatedSimdSecondsPerPair : kTruncatedSecondsPerPair)[d];
    const double exact_seconds = std::min(n * k * cutoff_per_pair, n * n * kSimdSecondsPerPair[d]);
    if (kFftMargin * n * kFftSecondsPerParticle[d] < exact_seconds) return FftSum::kName;
  }
  return exact;
}

std::span<const ComponentInfo> equation_registry() { return kEquations; }
std::span<const ComponentInfo> mollifier_registry() { return kMollifiers; }
std::span<const ComponentInfo> engine_registry() { return kEngines; }
std::span<const ComponentInfo> target_registry() { return kTargets; }

bool is_registered(std::span<const ComponentInfo> registry, std::string_view name) {
  return std::any_of(registry.begin(), registry.end(), [&](const ComponentInfo& c) { return c.name == name; });
}

std::unique_ptr<VelocityField> make_velocity_field(const FieldSpec& spec, std::vector<double> masses) {
  if (spec.dimension < 1 || spec.dimension > 3)
    throw std::invalid_argument("dimension = " + std::to_string(spec.dimension) + ": must be 1, 2 or 3");
  if (!(spec.epsilon > 0.0) || !std::isfinite(spec.epsilon))
    throw std::invalid_argument("epsilon = " + std::to_string(spec.epsilon) + ": must be a finite number > 0");
  if (masses.empty()) throw std::invalid_argument("a velocity field needs at least one particle");
  for (double m : masses)
    if (!(m > 0.0) || !std::isfinite(m)) throw std::invalid_argument("particle masses must be finite and > 0");

  const MollifierChoice mollifier = make_mollifier(spec.mollifier, spec.dimension, spec.epsilon);
  if (spec.equation == "pme" && spec.m != 2.0 && mollifier_order(spec.mollifier) > 2)
    throw std::invalid_argument("mollifier \"" + spec.mollifier + "\" changes sign (order " +
                                std::to_string(mollifier_order(spec.mollifier)) +
                                "): pme needs m = 2 with it, where the energy stays a square (MATH.md §2.3)");
  if (spec.engine_accuracy != 0.0 && !(spec.engine_accuracy >= FftSum::min_accuracy() && spec.engine_accuracy < 1.0))
  {
    std::ostringstream s;
    s << "engine_accuracy = " << spec.engine_accuracy << ": must be 0 (round-off) or lie in the fft engine's measured "
      << "range [" << FftSum::min_accuracy() << ", 1)";
    throw std::invalid_argument(s.str());
  }
  const EngineChoice engine = make_engine(spec);
  // V and W (potentials.hpp): validated before the diffusion field is built; "none" for both keeps the bare field.
  InteractionKernel interaction =
      make_interaction_kernel(spec.interaction, spec.dimension, spec.mollifier, spec.epsilon);
  if (std::holds_alternative<RegularizedNewtonianKernel>(interaction) && resolve_engine(spec) != DirectSum::kName)
    throw std::invalid_argument("engine = \"" + spec.engine + "\" with interaction.kind = \"newtonian\": the "
                                "Newtonian kernel is long-range and has no cutoff; use engine = \"direct\" or \"auto\"");
  std::unique_ptr<ExternalPotential> potential;
  if (spec.potential.kind != "none") potential = std::make_unique<ExternalPotential>(spec.potential, spec.dimension);
  return std::visit(
      [&](const auto& zeta, const auto& eng) -> std::unique_ptr<VelocityField> {
        using Z = std::decay_t<decltype(zeta)>;
        using E = std::decay_t<decltype(eng)>;
        std::unique_ptr<VelocityField> diffusion;
        if (spec.equation == "wpme") {
          diffusion = make_wpme_target_field(zeta, spec, masses, eng);
          if (!diffusion) diffusion = std::make_unique<WpmeUniformTarget<Z, E>>(zeta, std::move(masses), eng);
        } else if (spec.equation == "pme") {
          if (!is_uniform_on_whole_space(spec.target))
            throw std::invalid_argument("target.kind = \"" + spec.target.kind +
                                        "\": pme has no target rhobar (only the default uniform on R^d is accepted)");
          diffusion = std::make_unique<CcpPorousMedium<Z, E>>(zeta, std::move(masses), spec.m, eng);
        } else {
          throw std::invalid_argument("unknown equation \"" + spec.equation + "\"");
        }
        if (!potential && std::holds_alternative<std::monostate>(interaction)) return diffusion;
        return std::make_unique<DriftedField<E>>(std::move(diffusion), std::move(potential), std::move(interaction),
                                                 eng);
      },
      mollifier, engine);
}

}  // namespace blobflow
