// Coverage control with agents (docs/math.md §9): the agents are the particles of a run, spreading over a region
// Omega with density rhobar. This file holds what the blob flow does not: the coverage cost of Cortés, Martínez,
// Karataş and Bullo (IEEE Trans. Robot. Autom. 2004),
//   H(p) = sum_i int_(V_i ∩ Omega) |x - p_i|^2 rhobar(x) dx / int_Omega rhobar,
// over the Voronoi cells V_i of the agents; Lloyd's gradient flow dp_i/dt = c_i - p_i towards the rhobar-centroids c_i
// of the cells, as a velocity field any integrator takes (the baseline the blob agents are compared with); the
// coverage metrics; the drop-out events that stop agents during a run; and the recovery after a drop-out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "blobflow/analysis/law_nd.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/metrics.hpp"

namespace blobflow {

/// The region of a coverage run and rhobar on it, as a law that integrates over convex cells exactly (target_law).
class CoverageDensity {
 public:
  /// The integrals of rhobar / int_Omega rhobar over the Voronoi cells of the agents, restricted to the region.
  struct Cells {
    std::vector<double> mass;                ///< per agent: the share of rhobar's region mass in its cell
    std::vector<double> centroid;            ///< N d: the rhobar-centroid of the cell (the agent where mass is 0)
    std::vector<std::size_t> neighbours;     ///< per agent: its Voronoi neighbours (cells sharing a facet)
    double cost = 0.0;                       ///< H
  };

  /// \param law rhobar / int rhobar; \param region the box Omega (law's dimension). \throws ConfigError naming
  /// coverage.region_lo/region_hi when the law has less than kMinRegionMass of its mass in the region.
  CoverageDensity(std::shared_ptr<const analysis::LawND> law, const analysis::Box& region);

  int dimension() const { return region_.dimension; }
  const analysis::Box& region() const { return region_; }
  /// int_Omega rhobar / int rhobar: how much of the target the region holds.
  double region_mass() const { return region_mass_; }
  /// The cells of agents at x (N d coordinates, pairwise distinct). \throws std::invalid_argument for coinciding
  /// agents or a non-finite coordinate.
  Cells cells(std::span<const double> x) const;
  /// The largest Euclidean distance of an agent from the region (0 when every agent is inside).
  double outside_distance(std::span<const double> x) const;

 private:
  std::shared_ptr<const analysis::LawND> law_;
  analysis::Box region_;
  double region_mass_ = 0.0;
};

/// The least share of the target's mass a region must hold: below it the normalized density on the region is
/// dominated by the round-off of the cell integrals (about 1e-16 of the law's mass each).
inline constexpr double kMinRegionMass = 1e-12;

/// The region of `config` (coverage.region_lo/hi, 1 entry = the same for every coordinate) as a box.
analysis::Box coverage_region(const RunConfig& config);

/// The coverage density of a configuration with a region: its target's law on the region. \throws ConfigError when
/// the target has no such law (grid, floored gaussian or mixture) or the region holds none of its mass.
std::shared_ptr<const CoverageDensity> make_coverage_density(const RunConfig& config);

/// Lloyd's flow (Cortés et al. 2004) with gain k > 0: v_i = k (c_i - p_i), c_i the rhobar-centroid of agent i's
/// Voronoi cell in the region (0 for a cell without mass); its energy is H. A state with coinciding agents has no
/// Voronoi diagram: its velocity is NaN, which ends the run as non_finite_state.
std::unique_ptr<VelocityField> make_lloyd_field(std::shared_ptr<const CoverageDensity> density,
                                                std::vector<double> masses, double gain = 1.0);

/// Who an agent needs to know. With reach > 0 a neighbour is another agent closer than reach (the blob agents: the
/// distance beyond which an agent's velocity does not depend on another, mollifier_reach); with reach = 0 it is a
/// Voronoi neighbour in the region (Lloyd's agents exchange positions with those).
class NeighbourCounter {
 public:
  NeighbourCounter(std::shared_ptr<const CoverageDensity> density, double reach)
      : density_(std::move(density)), reach_(reach) {}
  /// The counter of a coverage run (a configuration with a region) at this eps: Voronoi for coverage.controller =
  /// "lloyd", else the reach of the run's mollifier.
  static NeighbourCounter of(const RunConfig& config, double epsilon);
  /// Per agent at x (N d coordinates), its neighbour count; empty when there is none to give (a non-finite
  /// coordinate, or coinciding agents without a Voronoi diagram).
  std::vector<std::size_t> operator()(std::span<const double> x) const;
  const std::shared_ptr<const CoverageDensity>& density() const { return density_; }
  double reach() const { return reach_; }

 private:
  std::shared_ptr<const CoverageDensity> density_;
  double reach_;
};

/// The coverage metric: coverage_cost (H), min_distance, outside_distance and the agents' neighbours (mean and
/// largest count, NeighbourCounter).
std::unique_ptr<const Metric> make_coverage_metric(const NeighbourCounter& neighbours);

/// What one drop-out did: when, which agents (ids: their index at t0) stopped, and how many were left.
struct DropoutRecord {
  double t = 0.0;
  std::vector<std::size_t> removed;
  std::size_t active = 0;
};

/// Checks coverage.dropouts against a run of n agents before it starts (the counts do not depend on the draws).
/// \throws ConfigError for an event that names an agent id >= n or one that stopped at an earlier event, stops no
/// agent (a fraction that rounds to 0) or would leave none.
void check_dropouts(const RunConfig& config, std::size_t n);

/// The events of coverage.dropouts for a run of n agents. Each removes its agents from the state and the masses
/// (the survivors keep theirs), keeps `ids` (the ids of the active agents, in state order; start: 0..n-1) in step
/// and appends to `records`. A fraction draws round(fraction * active) agents without replacement from
/// discretization.seed (stream kDropoutStream). \throws ConfigError as check_dropouts.
std::vector<RunEvent> dropout_events(const RunConfig& config, std::size_t n, std::vector<std::size_t>& ids,
                                     std::vector<DropoutRecord>& records);

/// The random-number stream of the drop-out draws (stream_seed).
inline constexpr std::uint64_t kDropoutStream = 3;

/// How a run came back after one drop-out, read from w2_steady at the output times.
struct Recovery {
  double t = 0.0;                           ///< the drop-out's time
  std::optional<double> w2_at_event;        ///< w2_steady at the output at t, before the agents stopped
  std::optional<double> w2_after;           ///< at the first output after the drop-out
  std::optional<double> time;               ///< recovery time: first output time with w2 <= factor w2_at_event, less t
  std::optional<double> w2_final;           ///< at the last output (the level reached)
};

/// The recovery after a drop-out at t: the drop-out needs an output at t (the run driver makes one).
Recovery recovery_after(double t, std::span<const OutputMetrics> outputs, double factor);

}  // namespace blobflow
