// The truth of a run: what its particles are measured against over time. One of
//   - the exact solution of the configured problem (exact.hpp), at every time and in every dimension;
//   - a 1D reference solution where no exact one exists (a target, a potential): the finite-volume solver for
//     piecewise-constant wpme targets, the Lagrangian solver otherwise (analysis/), at t0 and the output times;
//   - none (d > 1 without an exact solution, an interaction kernel), or a reference solve that failed: the
//     description then says why.
// The steady state of wpme, rhobar / int rhobar, is a second yardstick of runs with a target (metrics.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/exact.hpp"

namespace blobflow {

/// Cells of the 1D reference solution used as the truth where no exact solution exists (analysis::ReferenceSolver1D):
/// its W2 error on the 1D Barenblatt problem is 1.0e-4 at 200 cells (measured, test_reference_convergence.cpp),
/// ten times below the particle errors at N <= 800 (>= 1.6e-3), and it falls as K^-1.8.
inline constexpr std::size_t kReferenceCells = 200;

/// Cell width of the finite-volume reference solution (analysis::FiniteVolumeSolver1D) of wpme towards a
/// piecewise-constant 1D target: on the targets-1d piecewise example its W2 error is about 1.7e-4 at t = 3 for width
/// 0.002 (first order: twice the measured difference 8.7e-5 to width 0.001), 17 times below the quantization floor
/// 0.29/N = 2.9e-3 of N = 100 particles (docs/math.md §2.5).
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

/// What a run is measured against.
class Truth {
 public:
  virtual ~Truth() = default;
  /// The law u(., t) / M in 1D, or null where the truth has none at t (d > 1, a time the reference did not reach).
  virtual std::shared_ptr<const analysis::Law1D> law(double t) const = 0;
  /// The law u(., t) / M in 2D and 3D, where the truth is an exact solution (semi-discrete W2), else null.
  virtual std::shared_ptr<const analysis::LawND> law_nd(double) const { return nullptr; }
  /// The exact solution, where the truth is one (its energy and second moment are compared too), else null.
  virtual const ExactSolution* exact() const { return nullptr; }
};

/// The configured problem's exact solution from the data at t0, where blobflow knows one (exact.hpp): none with a
/// target, an interaction or a potential other than |x|^2 / 2.
std::shared_ptr<const ExactSolution> exact_solution_of(const RunConfig& config);

/// Whether runs of `config` are measured against a 1D reference solution: no exact solution, d = 1, and a target or
/// a potential (an interaction kernel alone has none).
bool uses_reference_solution(const RunConfig& config, bool has_exact);

/// The truth of `config` and its description for summary.json ("" when there is none; a failed reference solve
/// says why). `exact` is the problem's exact solution (PreparedProblem::exact, may be null), `initial` the law of
/// the 1D initial data (may be null).
struct TruthChoice {
  std::unique_ptr<const Truth> truth;  ///< null: nothing to measure against
  std::string description;
};
TruthChoice make_truth(const RunConfig& config, std::shared_ptr<const ExactSolution> exact,
                       const analysis::Law1D* initial);

}  // namespace blobflow
