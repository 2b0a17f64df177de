// What a run measures at its output times: a list of Metric objects, each setting its keys of OutputMetrics from the
// particles, the run's truth (truth.hpp) and its target. The keys of summary.json's `metrics.outputs[]` are declared
// once, in the key table of metrics.cpp (output_keys()): their order, what each means and which metric sets it. A new
// metric is its class and its rows there; readers ask OutputMetrics for a key by name.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/truth.hpp"

namespace blobflow {

/// What decides, before a run, which keys its outputs will have.
struct RunFacts {
  int dimension = 1;
  bool exact = false;         ///< the problem has an exact solution (truth.hpp, exact_solution_of)
  bool exact_energy = false;  ///< ... whose continuum energy is comparable with E_eps (ExactSolution::energy)
  bool reference = false;     ///< it is measured against a 1D reference solution (uses_reference_solution)
  bool target = false;        ///< wpme with a target other than rhobar == 1 on R^d
  bool target_box = false;    ///< ... that has a box (Target::box)
  bool steady_state = false;  ///< ... whose steady state rhobar / int rhobar is a law blobflow integrates (metrics.cpp)
  bool second_moment_rate = false;  ///< the continuum d/dt int |x|^2 rho is a known constant (second_moment_rate_exact)
  bool blob = true;            ///< the sampler is the blob method (sampling.sampler)
  bool normal_target = false;  ///< the target is a gaussian or mixture without a floor (the mmd's closed form)
  bool target_moments = false; ///< the steady state has known moments (floorless gaussian, mixture; piecewise-constant)
  bool follows_equation = true;  ///< RunConfig::follows_equation: no other sampler, controller or drop-out
  bool region = false;         ///< coverage.region_lo/hi set: the coverage metrics
  bool network_minimizer = false;  ///< equation network with piecewise-constant data in 1D or 2D: rho_inf, R_inf
  bool sgd = false;            ///< equation network trained by SGD (network.training)
};
RunFacts run_facts(const RunConfig& config);

/// One key of summary.json's outputs[] (besides `t`): its name, its meaning, the metric that sets it, and why runs
/// with the given facts do not write it ("" where they do).
struct OutputKey {
  std::string_view name;
  std::string_view description;
  std::string_view metric;  ///< the Metric::name() of the one metric that sets it
  std::string_view (*unwritten)(const RunFacts&);
};
/// Every key, in the order summary.json lists them.
std::span<const OutputKey> output_keys();
/// The position of `name` in output_keys(). Throws std::logic_error naming it where it is not a key: a misspelt key
/// is a bug of the code that asks, not a metric the run lacks.
std::size_t output_key_index(std::string_view name);

/// One number of summary.json's `metrics` that a run writes once (not per output time) and a fit may name (`floor`,
/// `expected`): its name, its meaning, and why runs with the given facts do not write it ("" where they do; null
/// is written then).
struct SummaryKey {
  std::string_view name;
  std::string_view description;
  std::string_view (*unwritten)(const RunFacts&);
};
/// Every such key: quantization_floor_w2, second_moment_rate_exact.
std::span<const SummaryKey> summary_keys();

/// Why runs of `config` do not write `key` (a key of output_keys() or summary_keys()), or "" where they do. A written
/// output key may still be empty at some time (a reference solve that failed, non-finite particles).
std::string why_unwritten(const RunConfig& config, std::string_view key);

/// d/dt int |x|^2 rho of the continuum problem where it is the same constant for every solution (docs/math.md §4.6,
/// §4.7): pme with m = 1 (the heat equation) and no potential, 2 d M, less chi M^2 / (2 pi) with the Newtonian
/// interaction (2D Keller-Segel); nothing for every other problem.
std::optional<double> second_moment_rate_exact(const RunConfig& config);

/// Metrics at one output time (t0 included): `t` and, for each key of output_keys(), its value or nothing where no
/// metric of the run defined it (distances where no exact 1D distance is available, d > 1 or no truth). What each
/// key means is its description in output_keys(). Made once per output time: one small allocation.
class OutputMetrics {
 public:
  OutputMetrics();

  double t = 0.0;

  /// The value of the key `name`, or nothing where it is undefined. Throws std::logic_error for a name that is not a
  /// key (output_key_index).
  std::optional<double> get(std::string_view name) const;
  /// The value of the key at position `index` of output_keys() (index < output_keys().size()).
  std::optional<double> value(std::size_t index) const { return values_[index]; }
  /// Sets the key `name` to `value` (nothing: undefined). Throws std::logic_error for a name that is not a key.
  void set(std::string_view name, std::optional<double> value);

 private:
  std::vector<std::optional<double>> values_;  ///< by position in output_keys()
};

/// Cells of the piecewise-constant approximation of a smooth target's steady state (its divergence box, 12 standard
/// deviations): W-inf to the exact law <= one cell, 6e-4 sd, far below particle errors at N <= 1e3 (>= 0.29/N sd).
inline constexpr std::size_t kSteadyStateCells = 20'000;

/// Midpoint cells per axis of the grid on which KL and chi^2 of the blob density are computed (1D, 2D, 3D): the blob
/// density is resolved when the cell is below eps; the stated quadrature error (against half as many cells) says
/// whether it was.
inline constexpr int kDivergenceCells[] = {0, 2048, 256, 48};

/// The state a metric looks at.
struct MetricInput {
  double t = 0.0;
  std::span<const double> x;       ///< N d positions, particle-major
  std::span<const double> masses;  ///< N masses
  double energy = 0.0;             ///< E_eps(x), evaluated once for the diagnostics
};

/// One measurement made at every output time: it sets the keys of output_keys() whose `metric` is its name().
class Metric {
 public:
  virtual ~Metric() = default;
  /// The name the key table gives as the `metric` of the keys it sets.
  virtual std::string_view name() const = 0;
  /// Sets its keys at one time (OutputMetrics::set), leaving unset those undefined there.
  virtual void measure(const MetricInput& in, OutputMetrics& out) const = 0;
};

/// The metrics of a run and its summary values.
struct RunMetrics {
  std::vector<std::unique_ptr<const Metric>> metrics;
  /// W2 of N equal-weight particles at the quantile midpoints of the steady state against it (docs/math.md §2.5), where
  /// w2_steady is defined: the least w2_steady that N equal weights can reach.
  std::optional<double> quantization_floor_w2;
  /// The continuum's constant d/dt int |x|^2 rho, where it has one (second_moment_rate_exact).
  std::optional<double> second_moment_rate_exact;
  /// The box of the run's target (Target::box), where KL and chi^2 are computed; recorded in summary.json.
  std::optional<AxisBox> target_box;

  /// Every metric at one time. Throws std::logic_error where a metric set a key the key table gives to another.
  OutputMetrics measure(const MetricInput& in) const;
};

/// The metrics of `config`: energy, mass and second moment always; distances, energy and second moment against `truth`
/// (may be null); for wpme with a target, the distances to its steady state and the divergences of the blob
/// density of width `epsilon` against it. `n_particles` sets the quantization floor.
/// The steady state rhobar / int rhobar of a 1D target as a law (docs/math.md §2.2): exact for piecewise-constant
/// targets, on the hull of their pieces; for gaussian and mixture targets kSteadyStateCells cells of the target's box
/// with Simpson-rule masses. Null for a 2D or 3D target and for targets without a box (grid).
std::shared_ptr<const analysis::Law1D> steady_state_law_of(const Target& target);
/// The steady state of a 2D or 3D target as a law semi-discrete transport integrates exactly: piecewise-constant
/// targets on the hull of their pieces, floorless gaussian and mixture targets on R^d; null for the others.
std::shared_ptr<const analysis::LawND> steady_state_law_nd(const Target& target);
/// rhobar / int rhobar as a law that integrates over convex cells exactly, in any dimension: piecewise-constant
/// targets (a uniform box, piecewise) on the hull of their pieces (the floor outside has infinite mass, so the hull is
/// where the steady state lives); gaussian and mixture targets without a floor on R^d. Null for the others: a floored
/// Gaussian has infinite mass on R^d, a grid target no box.
std::shared_ptr<const analysis::LawND> target_law(const Target& target);

RunMetrics make_metrics(const RunConfig& config, const Truth* truth, double epsilon, std::size_t n_particles);

}  // namespace blobflow
