// What a run measures at its output times: a list of Metric objects, each filling its fields of OutputMetrics from
// the particles, the run's truth (truth.hpp) and its target. The keys of summary.json's `metrics.outputs[]` are
// declared once, in output_keys(), with what each means.
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

/// Metrics at one output time (t0 included). Distances are between the probability measures obtained by dividing
/// each measure by its mass; they are absent where no exact 1D distance is available (d > 1, no exact solution).
struct OutputMetrics {
  double t = 0.0;
  std::optional<double> w1, w2, winf;
  double energy = 0.0;                        ///< regularized energy E_eps of the particles
  std::optional<double> energy_exact;         ///< the continuum energy of the exact solution (wpme: 1/2 int u^2)
  double mass = 0.0;                          ///< sum_i m_i
  double second_moment = 0.0;                 ///< sum_i m_i |x_i|^2
  std::optional<double> second_moment_exact;  ///< int |x|^2 u(x, t) dx
  /// wpme with a target: KL(rho_eps | rhobar) and chi^2(rho_eps | rhobar) of the blob density zeta_eps * rho^N on the
  /// target's box (both normalized there; docs/math.md §6), with their quadrature errors.
  std::optional<double> kl, chi2, kl_quadrature_error, chi2_quadrature_error;
  /// 1D wpme with a target: W1 and W2 of the particles to the steady state rhobar / int rhobar (docs/math.md §2.2),
  /// exact for piecewise-constant targets (on their support), within a cell of kSteadyStateCells for Gaussian and
  /// mixtures.
  std::optional<double> w1_steady, w2_steady;
};

/// One key of summary.json's outputs[] (besides `t`): its name, its meaning, and where OutputMetrics holds it.
struct OutputKey {
  std::string_view name;
  std::string_view description;
  std::optional<double> (*get)(const OutputMetrics&);
};
/// Every key, in the order summary.json lists them.
std::span<const OutputKey> output_keys();

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

/// One measurement made at every output time.
class Metric {
 public:
  virtual ~Metric() = default;
  virtual void measure(const MetricInput& in, OutputMetrics& out) const = 0;
};

/// The metrics of a run and its summary values.
struct RunMetrics {
  std::vector<std::unique_ptr<const Metric>> metrics;
  /// W2 of N equal-weight particles at the quantile midpoints of the steady state against it (docs/math.md §2.5), where
  /// w2_steady is defined: the least w2_steady that N equal weights can reach.
  std::optional<double> quantization_floor_w2;
  /// The box of the run's target (Target::box), where KL and chi^2 are computed; recorded in summary.json.
  std::optional<AxisBox> target_box;

  /// Every metric at one time.
  OutputMetrics measure(const MetricInput& in) const;
};

/// The metrics of `config`: mass and second moment always; distances, energy and second moment against `truth`
/// (may be null); for wpme with a target, the distances to its steady state (1D) and the divergences of the blob
/// density of width `epsilon` against it. `n_particles` sets the quantization floor.
RunMetrics make_metrics(const RunConfig& config, const Truth* truth, double epsilon, std::size_t n_particles);

}  // namespace blobflow
