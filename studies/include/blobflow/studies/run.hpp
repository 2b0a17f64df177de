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
  std::string placement;         ///< "quantile", "lattice" or "random"
  std::optional<LatticeInfo> lattice;
  std::shared_ptr<const ExactSolution> exact;  ///< the exact solution u(x, t), where the problem has one
  std::shared_ptr<const analysis::Law1D> initial_law;  ///< 1D: the law of the initial data (the reference solver's)
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
  /// wpme with a target: KL(rho_eps | rhobar) and chi^2(rho_eps | rhobar) of the blob density zeta_eps * rho^N on the
  /// target's box (both normalized there; MATH.md §6), with their quadrature errors.
  std::optional<double> kl, chi2, kl_quadrature_error, chi2_quadrature_error;
  /// 1D wpme with a target: W1 and W2 of the particles to the steady state rhobar / int rhobar (MATH.md §2.2), exact
  /// for piecewise-constant targets (on their support), within a cell of kSteadyStateCells for Gaussian and mixtures.
  std::optional<double> w1_steady, w2_steady;
};

/// Cells of the 1D reference solution used as the truth where no exact solution exists (analysis::ReferenceSolver1D):
/// its W2 error on the 1D Barenblatt problem is 1.0e-4 at 200 cells (measured, test_reference_convergence.cpp),
/// ten times below the particle errors at N <= 800 (>= 1.6e-3), and it falls as K^-1.8.
inline constexpr std::size_t kReferenceCells = 200;

/// Cells of the piecewise-constant approximation of a smooth target's steady state (its divergence box, 12 standard
/// deviations): W-inf to the exact law <= one cell, 6e-4 sd, far below particle errors at N <= 1e3 (>= 0.29/N sd).
inline constexpr std::size_t kSteadyStateCells = 20'000;

/// Cell width of the finite-volume reference solution (analysis::FiniteVolumeSolver1D) of wpme towards a
/// piecewise-constant 1D target: on the targets-1d piecewise example its W2 error is about 1.7e-4 at t = 3 for width
/// 0.002 (first order: twice the measured difference 8.7e-5 to width 0.001), 17 times below the quantization floor
/// 0.29/N = 2.9e-3 of N = 100 particles (MATH.md §2.5).
inline constexpr double kFiniteVolumeCellWidth = 0.002;
/// The finite-volume domain: the hull of the target's pieces and the initial support widened by this many hull
/// widths on each side. The leak into the floor moves like a porous-medium front (finite_volume1d.hpp): on the
/// targets-1d example it reaches |x| = 3.44 at t = 3, inside the 4.5 this gives.
inline constexpr double kFiniteVolumeMargin = 4.0;
/// How often the margin is doubled when the leak reaches the domain's ends (end cells holding more than
/// kFiniteVolumeBoundaryMass of the mass), and the largest grid tried: beyond it the reference is reported as failed.
inline constexpr int kFiniteVolumeDoublings = 2;
inline constexpr std::size_t kFiniteVolumeMaxCells = 40'000;
/// Mass fraction in the two end cells below which the domain did not truncate the solution: implicit steps spread
/// underflowing amounts ahead of a front (measured <= 6e-17), a front that arrives brings >= floor * cell width.
inline constexpr double kFiniteVolumeBoundaryMass = 1e-12;

/// Midpoint cells per axis of the grid on which KL and chi^2 of the blob density are computed (1D, 2D, 3D): the blob
/// density is resolved when the cell is below eps; the stated quadrature error (against half as many cells) says
/// whether it was.
inline constexpr int kDivergenceCells[] = {0, 2048, 256, 48};

/// Everything a run produced.
struct RunResult {
  RunStatus status = RunStatus::ok;
  std::string message;
  std::size_t n_particles = 0;
  double h = 0.0, epsilon = 0.0;
  std::vector<OutputMetrics> outputs;  ///< t0 first, then each output time reached
  IntegrationStats stats;
  double wall_seconds = 0.0;
  /// W2 of N equal-weight particles at the quantile midpoints of the steady state against it (MATH.md §2.5), where
  /// w2_steady is defined: the least w2_steady that N equal weights can reach.
  std::optional<double> quantization_floor_w2;
  nlohmann::json summary;              ///< the content of summary.json
};

/// Runs one simulation. When `out_dir` is not empty, writes summary.json, particles.csv and diagnostics.csv there
/// (also after a numerical failure, with everything computed up to it). \throws ConfigError for configurations
/// that cannot be discretized; std::runtime_error when the files cannot be written.
RunResult run_simulation(const RunConfig& config, const std::filesystem::path& out_dir = {});

/// Build and host facts recorded in every summary (version, git revision, compiler, flags, host, times).
nlohmann::json manifest_base();

}  // namespace blobflow
