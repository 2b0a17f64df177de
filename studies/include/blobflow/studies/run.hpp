// One blob-method run from a resolved configuration to its metrics and files (DESIGN.md, "Files a run writes"):
// initial particles -> velocity field -> integrator with observers -> diagnostics against the exact solution.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blobflow/solvers/initial_data.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/exact.hpp"

namespace blobflow {

/// The discretized problem: initial particles, the blob width and the exact solution (when there is one).
struct PreparedProblem {
  Particles particles;
  double h = 0.0;                ///< mean initial interparticle spacing (|support| / N)^(1/d)
  double epsilon = 0.0;          ///< the evaluated blob width
  std::string placement;         ///< "quantile" or "lattice"
  std::optional<LatticeInfo> lattice;
  std::shared_ptr<const ExactSolution> exact;  ///< the exact solution u(x, t), present for initial = "exact"
};

/// Builds the initial particles, evaluates the eps law and sets up the exact solution.
/// \throws ConfigError when the configuration cannot be discretized (e.g. the eps law evaluates to <= 0).
PreparedProblem prepare_problem(const RunConfig& config);

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
};

/// Everything a run produced.
struct RunResult {
  RunStatus status = RunStatus::ok;
  std::string message;
  std::size_t n_particles = 0;
  double h = 0.0, epsilon = 0.0;
  std::vector<OutputMetrics> outputs;  ///< t0 first, then each output time reached
  IntegrationStats stats;
  double wall_seconds = 0.0;
  nlohmann::json summary;              ///< the content of summary.json
};

/// Runs one simulation. When `out_dir` is not empty, writes summary.json, particles.csv and diagnostics.csv there
/// (also after a numerical failure, with everything computed up to it). \throws ConfigError for configurations
/// that cannot be discretized; std::runtime_error when the files cannot be written.
RunResult run_simulation(const RunConfig& config, const std::filesystem::path& out_dir = {});

/// Build and host facts recorded in every summary (version, git revision, compiler, flags, host, times).
nlohmann::json manifest_base();

}  // namespace blobflow
