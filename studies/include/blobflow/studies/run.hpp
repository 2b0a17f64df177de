// One blob-method run from a resolved configuration to its metrics and files (docs/architecture.md "Files a run
// writes"): initial particles -> velocity field -> integrator with observers -> metrics (metrics.hpp) against the truth
// (truth.hpp) -> summary.json, particles.csv, diagnostics.csv (run_files.hpp).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blobflow/solvers/initial_data.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/coverage.hpp"
#include "blobflow/studies/exact.hpp"
#include "blobflow/studies/metrics.hpp"
#include "blobflow/studies/run_files.hpp"
#include "blobflow/studies/truth.hpp"

namespace blobflow {

/// The discretized problem: initial particles, the blob width and the exact solution (when there is one).
struct PreparedProblem {
  Particles particles;
  double h = 0.0;                ///< mean initial interparticle spacing (|support| / N)^(1/d)
  double epsilon = 0.0;          ///< the evaluated blob width
  std::string placement;         ///< "quantile", "lattice" or "random"
  std::optional<LatticeInfo> lattice;
  std::shared_ptr<const ExactSolution> exact;  ///< the exact solution u(x, t), where the problem has one
  std::shared_ptr<const analysis::Law1D> initial_law;  ///< 1D: the law of the initial data (the reference solver's)
};

/// Builds the initial particles, evaluates the eps law and sets up the exact solution.
/// \throws ConfigError when the configuration cannot be discretized (e.g. the eps law evaluates to <= 0).
PreparedProblem prepare_problem(const RunConfig& config);

/// The blob method's velocity field of a run: the configuration's names (equation, mollifier, engine, target,
/// potential, interaction) with the discretized problem's N, h and eps; make_velocity_field(field_spec_of(c, p),
/// p.particles.mass) is the field run_simulation integrates (sampling.sampler = "blob", no random batches).
FieldSpec field_spec_of(const RunConfig& config, const PreparedProblem& problem);

/// Everything a run produced.
struct RunResult {
  RunStatus status = RunStatus::ok;
  std::string message;
  std::size_t n_particles = 0;
  double h = 0.0, epsilon = 0.0;
  std::vector<OutputMetrics> outputs;  ///< t0 first, then each output time reached
  /// What particles.csv and diagnostics.csv hold, in memory: the particles at t0 and each output time reached (and
  /// the last finite state of a failed run, the state where a collapsed run stopped; after a drop-out a snapshot
  /// holds only the active particles, with their ids and masses), the masses m_i at t0, and the energy rows.
  std::vector<Snapshot> snapshots;
  std::vector<double> masses;
  std::vector<DiagnosticRow> diagnostics;
  /// Coverage runs (a region): each active agent's neighbour count at every diagnostics row (neighbours.csv).
  std::vector<NeighbourCounts> neighbours;
  IntegrationStats stats;
  double wall_seconds = 0.0;
  /// The cost of the samplers (docs/math.md §8): evaluations of the score grad log rhobar (one per particle and
  /// velocity evaluation of ula, mala, svgd), the particle pairs the velocity evaluations summed over (blob, svgd:
  /// N^2 or, with random batches, sum_b q_b^2 per evaluation), and mala's share of accepted proposals.
  std::size_t score_evaluations = 0;
  std::size_t pair_evaluations = 0;
  std::optional<double> acceptance_rate;
  /// W2 of N equal-weight particles at the quantile midpoints of the steady state against it (docs/math.md §2.5), where
  /// w2_steady is defined: the least w2_steady that N equal weights can reach.
  std::optional<double> quantization_floor_w2;
  /// The continuum's constant d/dt int |x|^2 rho (docs/math.md §4.7), where it has one.
  std::optional<double> second_moment_rate_exact;
  /// The drop-outs that happened (coverage.dropouts), in time order.
  std::vector<DropoutRecord> dropouts;
  nlohmann::json summary;              ///< the content of summary.json
  /// What the run did differently from what the configuration asked, or what makes its result doubtful (a fixed
  /// step capped to the output spacing, a step above the stability estimate); summary.json's `warnings`.
  std::vector<std::string> warnings;
};

/// Runs one simulation. When `out_dir` is not empty, writes summary.json, particles.csv and diagnostics.csv there
/// (also after a numerical failure, with everything computed up to it). \throws ConfigError for configurations
/// that cannot be discretized; std::runtime_error when the files cannot be written.
/// `progress`, when given, is called after every accepted step with its time (the command line draws a progress line
/// from it); it must be cheap.
using RunProgress = std::function<void(double t)>;
RunResult run_simulation(const RunConfig& config, const std::filesystem::path& out_dir = {},
                         const RunProgress& progress = {});

/// Build and host facts recorded in every summary (version, git revision, compiler, flags, host, times).
nlohmann::json manifest_base();

}  // namespace blobflow
