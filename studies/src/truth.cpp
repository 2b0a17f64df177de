// The truth of a run (truth.hpp): the exact solution, or a 1D reference solution computed here, or none.
#include "blobflow/studies/truth.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <span>
#include <vector>

#include "blobflow/analysis/finite_volume1d.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/reference_solver1d.hpp"
#include "blobflow/solvers/potentials.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

/// The exact solution as the truth: its law at any time in 1D, its energy and second moment in every dimension.
class ExactTruth final : public Truth {
 public:
  explicit ExactTruth(std::shared_ptr<const ExactSolution> u) : u_(std::move(u)) {}
  std::shared_ptr<const analysis::Law1D> law(double t) const override {
    if (u_->dimension() != 1) return nullptr;
    return u_->law(t);
  }
  std::shared_ptr<const analysis::LawND> law_nd(double t) const override {
    if (u_->dimension() == 1) return nullptr;
    return u_->law_nd(t);
  }
  const ExactSolution* exact() const override { return u_.get(); }

 private:
  std::shared_ptr<const ExactSolution> u_;
};

/// A 1D reference solution as the truth: its laws at t0 and the output times it reached.
class ReferenceTruth final : public Truth {
 public:
  template <class Snapshots>
  explicit ReferenceTruth(const Snapshots& snapshots) {
    for (const auto& s : snapshots) {
      t_.push_back(s.t);
      laws_.push_back(std::make_shared<const analysis::PiecewiseConstantLaw1D>(s.law()));
    }
  }
  std::shared_ptr<const analysis::Law1D> law(double t) const override {
    for (std::size_t k = 0; k < t_.size(); ++k)
      if (t_[k] == t) return laws_[k];
    return nullptr;
  }

 private:
  std::vector<double> t_;
  std::vector<std::shared_ptr<const analysis::PiecewiseConstantLaw1D>> laws_;
};

/// V(x) of the configured potential as a function of one coordinate (empty without a potential).
std::function<double(double)> potential_1d(const PotentialSpec& spec) {
  std::shared_ptr<const Potential> v = make_potential(spec, 1);
  if (!v) return {};
  return [v](double x) { return v->value(&x); };
}

/// wpme towards a piecewise-constant 1D target (a uniform box or pieces, with their floor): the finite-volume
/// solver (analysis::FiniteVolumeSolver1D), which does not stall when mass crosses an interior jump. The domain is
/// the hull of the target's pieces and the initial support, widened by kFiniteVolumeMargin hull widths on each side
/// and doubled while the leak into the floor reaches its ends; cells of width kFiniteVolumeCellWidth.
std::unique_ptr<const Truth> finite_volume_reference(const RunConfig& config, const Target& target,
                                                     const analysis::Law1D& initial, std::string& description) {
  const auto& p = config.problem;
  std::vector<double> breaks;
  for (const InverseDensityBox& b : target.piecewise_inverse()->boxes) breaks.insert(breaks.end(), {b.lo[0], b.hi[0]});
  // The initial support, up to a mass far below any accuracy claimed (finite for every initial law blobflow has).
  constexpr double kInitialTail = 1e-14;
  const double lo = std::min(*std::min_element(breaks.begin(), breaks.end()), initial.quantile(kInitialTail));
  const double hi = std::max(*std::max_element(breaks.begin(), breaks.end()), initial.quantile(1.0 - kInitialTail));
  double margin = kFiniteVolumeMargin * (hi - lo);
  std::string failure;
  for (int attempt = 0; attempt <= kFiniteVolumeDoublings; ++attempt, margin *= 2.0) {
    analysis::PiecewiseConstantTarget1D pieces;
    pieces.breakpoints = breaks;
    pieces.breakpoints.insert(pieces.breakpoints.end(), {lo - margin, hi + margin});
    std::sort(pieces.breakpoints.begin(), pieces.breakpoints.end());
    pieces.breakpoints.erase(std::unique(pieces.breakpoints.begin(), pieces.breakpoints.end()), pieces.breakpoints.end());
    for (std::size_t j = 0; j + 1 < pieces.breakpoints.size(); ++j) {
      const double mid = 0.5 * (pieces.breakpoints[j] + pieces.breakpoints[j + 1]);
      pieces.values.push_back(target.density(std::span<const double>(&mid, 1)));  // constant on the piece
    }
    analysis::FiniteVolumeOptions options;
    options.cells = static_cast<std::size_t>(std::ceil((hi - lo + 2.0 * margin) / kFiniteVolumeCellWidth));
    if (options.cells > kFiniteVolumeMaxCells) {
      failure = "the leak into the floor outruns a domain of " + std::to_string(kFiniteVolumeMaxCells) + " cells";
      break;
    }
    const analysis::FiniteVolumeSolver1D solver(pieces, potential_1d(config.potential), options);
    const analysis::FiniteVolumeSolution solution =
        solver.solve(initial, p.mass, p.t0, config.resolved_output_times());
    char domain[96];
    std::snprintf(domain, sizeof domain, "[%.3g, %.3g]", lo - margin, hi + margin);
    description = "1D reference solution (finite volume, " + std::to_string(solver.cell_rhobar().size()) +
                  " cells on " + domain + ", " + std::to_string(solution.steps_accepted) + " steps)";
    if (solution.status != analysis::ReferenceStatus::ok) {
      failure = solution.message;
      break;
    }
    if (solution.boundary_mass > kFiniteVolumeBoundaryMass) continue;  // the domain truncated the leak: widen it
    return std::make_unique<const ReferenceTruth>(solution.snapshots);
  }
  if (failure.empty()) failure = "the leak into the floor reaches the ends of the widest domain";
  description += " failed: " + failure;
  return nullptr;
}

/// The 1D reference solution of a problem without an exact solution: wpme with any target, pme, each with an
/// optional potential; not with an interaction kernel. Piecewise-constant wpme targets use the finite-volume solver,
/// the others the Lagrangian analysis::ReferenceSolver1D (accurate for smooth targets). Empty when it does not apply
/// or the solve fails (the description then says why).
std::unique_ptr<const Truth> reference_solution(const RunConfig& config, const analysis::Law1D& initial,
                                                std::string& description) {
  const auto& p = config.problem;
  if (p.dimension != 1 || has_interaction(config.interaction)) return nullptr;
  if (p.equation == kNetworkEquationName) return nullptr;  // [target] is the data density, not rhobar
  const bool weighted_equation = equation_has_target(p.equation);
  std::shared_ptr<const Target> target;
  if (weighted_equation && !is_uniform_on_whole_space(config.target)) target = make_target(config.target, 1);
  if (target && target->piecewise_inverse()) return finite_volume_reference(config, *target, initial, description);
  analysis::InternalEnergy1D energy = analysis::PorousMediumEnergy1D{config.exponent()};
  if (weighted_equation) {
    analysis::WeightedEnergy1D weighted;
    if (!target) {
      weighted.rhobar = [](double) { return 1.0; };
    } else {
      weighted.rhobar = [target](double y) { return target->density(std::span<const double>(&y, 1)); };
    }
    energy = weighted;
  }
  analysis::Potential1D potential;
  if (has_potential(config.potential)) {
    std::shared_ptr<const Potential> v = make_potential(config.potential, 1);
    potential.value = potential_1d(config.potential);
    potential.derivative = [v](double x) {
      double g = 0.0;
      v->gradient(&x, &g);
      return g;
    };
  }
  analysis::ReferenceSolverOptions options;
  options.cells = kReferenceCells;
  // Smooth problems need ~1e3 steps at 200 cells (the Gaussian target of targets-1d: 2.7e3 steps to t = 3);
  // piecewise-constant wpme targets, whose interior jumps cost this solver 6.7e5 steps, go to the finite-volume
  // solver instead. 1e4 keeps a 3.7x margin over the smooth cases and bounds the cost of anything unexpected.
  constexpr std::size_t kReferenceMaxSteps = 10'000;
  options.max_steps = kReferenceMaxSteps;
  analysis::ReferenceSolver1D solver(energy, potential, options);
  const std::vector<double> times = config.resolved_output_times();
  analysis::ReferenceSolution solution = solver.solve(initial, p.mass, p.t0, times);
  description = "1D reference solution (Lagrangian, " + std::to_string(kReferenceCells) + " cells, " +
                std::to_string(solution.steps_accepted) + " steps)";
  if (solution.status != analysis::ReferenceStatus::ok) {
    description += " failed: " + solution.message;
    return nullptr;
  }
  return std::make_unique<const ReferenceTruth>(solution.snapshots);
}

}  // namespace

std::shared_ptr<const ExactSolution> exact_solution_of(const RunConfig& config) {
  const auto& p = config.problem;
  const PotentialSpec& v = config.potential;
  const bool unit_confinement = is_quadratic_potential(v) && v.strength == 1.0 &&
                                std::all_of(v.center.begin(), v.center.end(), [](double c) { return c == 0.0; });
  const bool extra_terms = !is_uniform_on_whole_space(config.target) || has_interaction(config.interaction) ||
                           (has_potential(v) && !unit_confinement);
  if (extra_terms) return nullptr;
  ExactSolutionSpec spec;
  spec.weighted = equation_has_target(p.equation);
  spec.dimension = p.dimension;
  spec.m = config.exponent();
  spec.mass = p.mass;
  spec.t0 = p.t0;
  spec.quadratic_confinement = is_quadratic_potential(v);
  return make_exact_solution(spec);
}

bool uses_reference_solution(const RunConfig& config, bool has_exact) {
  const bool has_extra_terms = !is_uniform_on_whole_space(config.target) || has_potential(config.potential);
  // The reference solves the wpme flow, the blob method's continuum: the other samplers, Lloyd's agents and runs with
  // drop-outs are measured against rhobar.
  return !has_exact && config.problem.dimension == 1 && has_extra_terms && config.follows_equation();
}

TruthChoice make_truth(const RunConfig& config, std::shared_ptr<const ExactSolution> exact,
                       const analysis::Law1D* initial) {
  TruthChoice out;
  if (!config.follows_equation()) return out;  // samplers, Lloyd agents, drop-outs: measured against rhobar
  if (exact) {
    out.description = exact->describe();
    out.truth = std::make_unique<const ExactTruth>(std::move(exact));
    return out;
  }
  if (initial && uses_reference_solution(config, false)) out.truth = reference_solution(config, *initial, out.description);
  return out;
}

}  // namespace blobflow
