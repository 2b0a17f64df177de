// The one runtime switch of the solvers: names from a configuration are mapped once, through the registries, to a
// closed std::variant of mollifiers and engines, and the templated equation is instantiated for the chosen pair.
#include "blobflow/solvers/velocity_field.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "blobflow/solvers/drifted_field.hpp"
#include "blobflow/solvers/engines.hpp"
#include "blobflow/solvers/equations.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/mollifiers.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/wpme_targets.hpp"

namespace blobflow {
namespace {

using MollifierChoice = MollifierRegistry::Variant;
using EngineChoice = EngineRegistry::Variant;

MollifierChoice make_mollifier(std::string_view name, int d, double eps) {
  return MollifierRegistry::dispatch(name, {"mollifier", "mollifier"}, [&]<class Z>() -> MollifierChoice { return Z(d, eps); });
}

EngineChoice make_engine(const FieldSpec& spec) {
  return EngineRegistry::dispatch(resolve_engine(spec), {"engine", "summation engine"}, [&]<class E>() -> EngineChoice {
    // An engine with an accuracy parameter (fft) takes the one the run allows; 0 keeps its default.
    if constexpr (std::is_constructible_v<E, double>)
      if (spec.engine_accuracy > 0.0) return E(spec.engine_accuracy);
    return E{};
  });
}

/// How the y-integral of a wpme target is evaluated (TargetSpec::method).
enum class YIntegral { automatic, closed_form, quadrature };
constexpr NamedChoice<YIntegral> kYIntegrals[] = {
    {"auto", "the closed form where it exists, else the quadrature", YIntegral::automatic},
    {"closed-form", "closed form: Gaussian mollifier and a piecewise-constant target", YIntegral::closed_form},
    {"quadrature", "lattice quadrature with a stated accuracy", YIntegral::quadrature},
};

/// wpme with a general target (wpme_targets.hpp): the closed form where it exists and is allowed, else the
/// lattice quadrature. Validates the TargetSpec fields the target itself does not use.
template <Mollifier Z, class E>
std::unique_ptr<VelocityField> make_wpme_target_field(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                                      const E& engine) {
  const TargetSpec& t = spec.target;
  const auto* entry = Registry<NamedChoice<YIntegral>>(kYIntegrals).find(t.method);
  if (!entry)
    throw std::invalid_argument("target.method = \"" + t.method + "\": must be auto, closed-form or quadrature");
  const YIntegral method = entry->value;
  if (!(t.quadrature_accuracy > 0.0 && t.quadrature_accuracy <= kMaxQuadratureAccuracy))
    throw std::invalid_argument("target.quadrature_accuracy = " + std::to_string(t.quadrature_accuracy) +
                                ": must lie in (0, 0.1]");
  if (!(t.quadrature_spacing >= 0.0) || !std::isfinite(t.quadrature_spacing))
    throw std::invalid_argument("target.quadrature_spacing = " + std::to_string(t.quadrature_spacing) +
                                ": must be 0 (from the accuracy) or a finite dy / eps > 0");
  if (is_uniform_on_whole_space(t)) {
    if (method == YIntegral::quadrature)
      throw std::invalid_argument("target.method = \"quadrature\": rhobar == 1 on R^d is evaluated exactly "
                                  "(psi = zeta*zeta); give target \"uniform\" a box to use the quadrature");
    return nullptr;  // the caller builds WpmeUniformTarget
  }
  std::shared_ptr<const Target> target = make_target(t, spec.dimension);
  const bool closed_form_exists = std::is_same_v<Z, GaussianMollifier> && target->piecewise_inverse() != nullptr;
  if (method == YIntegral::closed_form && !closed_form_exists)
    throw std::invalid_argument("target.method = \"closed-form\": needs mollifier \"gaussian\" and a piecewise-constant "
                                "target (uniform with a box, piecewise); got mollifier \"" + spec.mollifier +
                                "\", target \"" + t.kind + "\"");
  if (closed_form_exists && method != YIntegral::quadrature)
    return std::make_unique<WpmeClosedFormTarget>(zeta.epsilon(), spec.dimension, std::move(masses), target);
  const double dy = quadrature_lattice_spacing(zeta, t.quadrature_accuracy, t.quadrature_spacing);
  if constexpr (std::is_same_v<Z, GaussianMollifier>)  // the run's engine sums the lattice integral
    return std::make_unique<WpmeQuadratureTarget<Z, E>>(zeta, std::move(masses), target, dy, engine);
  else
    return std::make_unique<WpmeQuadratureTarget<Z>>(zeta, std::move(masses), target, dy);
}

/// The registry entries of `blobflow list engines`: "auto" (described from the cost model's constants) first.
std::vector<ComponentInfo> engine_entries() {
  static const std::string auto_description = auto_engine_description();
  std::vector<ComponentInfo> entries{{kAutoEngine, auto_description}};
  entries.insert(entries.end(), EngineRegistry::kInfo.begin(), EngineRegistry::kInfo.end());
  return entries;
}

}  // namespace

template <Mollifier Z, class E>
std::unique_ptr<VelocityField> WpmeEquation::make(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                                  const E& engine) {
  std::unique_ptr<VelocityField> field = make_wpme_target_field(zeta, spec, masses, engine);
  if (!field) field = std::make_unique<WpmeUniformTarget<Z, E>>(zeta, std::move(masses), engine);
  return field;
}

template <Mollifier Z, class E>
std::unique_ptr<VelocityField> PmeEquation::make(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                                 const E& engine) {
  if (!is_uniform_on_whole_space(spec.target))
    throw std::invalid_argument("target.kind = \"" + spec.target.kind +
                                "\": pme has no target rhobar (only the default uniform on R^d is accepted)");
  if (spec.m != 2.0 && zeta.order() > 2)
    throw std::invalid_argument("mollifier \"" + spec.mollifier + "\" changes sign (order " +
                                std::to_string(zeta.order()) +
                                "): pme needs m = 2 with it, where the energy stays a square (docs/math.md §2.3)");
  return std::make_unique<CcpPorousMedium<Z, E>>(zeta, std::move(masses), spec.m, engine);
}

template <Mollifier Z, class E>
std::unique_ptr<VelocityField> NetworkEquation::make(const Z& zeta, const FieldSpec& spec, std::vector<double> masses,
                                                     const E& engine) {
  const TargetSpec& t = spec.target;
  if (t.method == "closed-form")
    throw std::invalid_argument("target.method = \"closed-form\": equation \"network\" integrates the risk by the "
                                "lattice quadrature; use \"auto\" or \"quadrature\"");
  if (!(t.quadrature_accuracy > 0.0 && t.quadrature_accuracy <= kMaxQuadratureAccuracy))
    throw std::invalid_argument("target.quadrature_accuracy = " + std::to_string(t.quadrature_accuracy) +
                                ": must lie in (0, 0.1]");
  std::shared_ptr<const Target> data = make_network_data(t, spec.dimension);
  NetworkFunction f = make_network_function(spec.network, spec.dimension);
  const double dy = quadrature_lattice_spacing(zeta, t.quadrature_accuracy, t.quadrature_spacing);
  const double constant = network_risk_constant(*data, f, dy);
  auto attach = [&](auto field) -> std::unique_ptr<VelocityField> {
    field->set_offset(std::move(f), constant);
    return field;
  };
  if constexpr (std::is_same_v<Z, GaussianMollifier>)  // the run's engine sums the lattice integral
    return attach(std::make_unique<WpmeQuadratureTarget<Z, E>>(zeta, std::move(masses), data, dy, engine));
  else
    return attach(std::make_unique<WpmeQuadratureTarget<Z>>(zeta, std::move(masses), data, dy));
}

int mollifier_order(std::string_view name) {
  constexpr double kAnyWidth = 1.0;  // the order does not depend on the width or the dimension
  const MollifierChoice zeta = make_mollifier(name, 1, kAnyWidth);
  return std::visit([](const auto& z) { return z.order(); }, zeta);
}

std::function<double(std::span<const double>)> mollifier_function(std::string_view name, int dimension,
                                                                  double epsilon) {
  const MollifierChoice zeta = make_mollifier(name, dimension, epsilon);
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

double mollifier_reach(std::string_view name, int dimension, double epsilon) {
  const MollifierChoice zeta = make_mollifier(name, dimension, epsilon);
  return std::visit(
      [](const auto& z) { return z.self_convolution().truncation_radius(TruncatedSum::kDefaultRelativeTolerance); },
      zeta);
}

std::string resolve_engine(const FieldSpec& spec) {
  if (spec.engine != kAutoEngine) return spec.engine;
  EngineProblem problem;
  problem.dimension = spec.dimension;
  problem.epsilon = spec.epsilon;
  problem.gaussian = MollifierRegistry::registry().contains(spec.mollifier) &&
                     MollifierRegistry::dispatch(spec.mollifier, {"mollifier"}, []<class Z>() {
                       return std::is_same_v<Z, GaussianMollifier>;
                     });
  problem.long_range = interaction_is_long_range(spec.interaction);
  problem.particles = spec.particles;
  problem.spacing = spec.spacing;
  problem.accuracy = spec.engine_accuracy;
  return std::string(select_engine(problem));
}

std::span<const ComponentInfo> equation_registry() { return EquationRegistry::kInfo; }
std::span<const ComponentInfo> mollifier_registry() { return MollifierRegistry::kInfo; }
std::span<const ComponentInfo> engine_registry() {
  static const std::vector<ComponentInfo> entries = engine_entries();
  return entries;
}

bool is_registered(std::span<const ComponentInfo> registry, std::string_view name) {
  return Registry<ComponentInfo>(registry).contains(name);
}

bool equation_has_target(std::string_view equation) {
  return EquationRegistry::dispatch(equation, {"equation", "equation"}, []<class Eq>() { return Eq::kHasTarget; });
}

std::optional<double> equation_fixed_exponent(std::string_view equation) {
  return EquationRegistry::dispatch(equation, {"equation", "equation"},
                                    []<class Eq>() -> std::optional<double> { return Eq::kExponent; });
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
  if (interaction_is_long_range(spec.interaction) && resolve_engine(spec) != DirectSum::kName)
    throw std::invalid_argument("engine = \"" + spec.engine + "\" with interaction.kind = \"newtonian\": the "
                                "Newtonian kernel is long-range and has no cutoff; use engine = \"direct\" or \"auto\"");
  std::unique_ptr<Potential> potential = make_potential(spec.potential, spec.dimension);
  return EquationRegistry::dispatch(spec.equation, {"equation", "equation"}, [&]<class Eq>() {
    return std::visit(
        [&](const auto& zeta, const auto& eng) -> std::unique_ptr<VelocityField> {
          using E = std::decay_t<decltype(eng)>;
          std::unique_ptr<VelocityField> diffusion = Eq::make(zeta, spec, std::move(masses), eng);
          if (!potential && std::holds_alternative<std::monostate>(interaction)) return diffusion;
          return std::make_unique<DriftedField<E>>(std::move(diffusion), std::move(potential),
                                                   std::move(interaction), eng);
        },
        mollifier, engine);
  });
}

}  // namespace blobflow
