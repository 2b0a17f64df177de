// Coverage control (coverage.hpp, docs/math.md §9): the Voronoi cells of the agents in the region, Lloyd's flow, the
// coverage metrics, the drop-out events and the recovery after them.
#include "blobflow/studies/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include "blobflow/analysis/power_diagram.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/solvers/samplers.hpp"

namespace blobflow {
namespace {

std::string format(double v) { return reports::format_shortest(v); }

/// The integrals of the law over the region: its mass there.
double mass_in(const analysis::LawND& law, const analysis::Box& region) {
  analysis::CellIntegrals integrals;
  analysis::Point3 centre{};
  for (int k = 0; k < region.dimension; ++k) centre[static_cast<std::size_t>(k)] = 0.5 * (region.lo[k] + region.hi[k]);
  law.integrate(analysis::box_cell(region), centre, integrals);
  return integrals.mass;
}

std::string region_text(const analysis::Box& region) {
  std::string lo = "[", hi = "[";
  for (int k = 0; k < region.dimension; ++k) {
    if (k > 0) lo += ", ", hi += ", ";
    lo += format(region.lo[static_cast<std::size_t>(k)]);
    hi += format(region.hi[static_cast<std::size_t>(k)]);
  }
  return lo + "] to " + hi + "]";
}

class LloydField final : public VelocityField {
 public:
  LloydField(std::shared_ptr<const CoverageDensity> density, std::vector<double> masses, double gain)
      : density_(std::move(density)), masses_(std::move(masses)), gain_(gain) {}
  int dimension() const override { return density_->dimension(); }
  std::span<const double> masses() const override { return masses_; }
  void velocity(std::span<const double> x, std::span<double> v) const override {
    try {
      const CoverageDensity::Cells cells = density_->cells(x);
      for (std::size_t c = 0; c < x.size(); ++c) v[c] = gain_ * (cells.centroid[c] - x[c]);
    } catch (const std::invalid_argument&) {  // coinciding agents or a non-finite state: no Voronoi diagram
      std::fill(v.begin(), v.end(), std::numeric_limits<double>::quiet_NaN());
    }
  }
  double energy(std::span<const double> x) const override {
    try {
      return density_->cells(x).cost;
    } catch (const std::invalid_argument&) {
      return std::numeric_limits<double>::quiet_NaN();
    }
  }
  std::string describe() const override {
    return "Lloyd's flow dp_i/dt = " + format(gain_) + " (c_i - p_i) to the rhobar-centroids of the Voronoi cells in " +
           region_text(density_->region()) + " (energy: the coverage cost H)";
  }

 private:
  std::shared_ptr<const CoverageDensity> density_;
  std::vector<double> masses_;
  double gain_;
};

/// |x_i - x_j|^2 for agents i, j of an N d state.
double squared_distance(std::span<const double> x, std::size_t d, std::size_t i, std::size_t j) {
  double r2 = 0.0;
  for (std::size_t k = 0; k < d; ++k) r2 += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
  return r2;
}

class CoverageMetric final : public Metric {
 public:
  explicit CoverageMetric(NeighbourCounter neighbours) : neighbours_(std::move(neighbours)) {}
  std::string_view name() const override { return "coverage"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    if (!std::all_of(in.x.begin(), in.x.end(), [](double c) { return std::isfinite(c); })) return;
    const CoverageDensity& density = *neighbours_.density();
    const auto d = static_cast<std::size_t>(density.dimension());
    const std::size_t n = in.x.size() / d;
    double closest = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) closest = std::min(closest, squared_distance(in.x, d, i, j));
    out.set("min_distance", std::sqrt(closest));
    out.set("outside_distance", density.outside_distance(in.x));
    std::optional<CoverageDensity::Cells> cells;
    try {
      cells = density.cells(in.x);
      out.set("coverage_cost", cells->cost);
    } catch (const std::invalid_argument&) {  // coinciding agents: no Voronoi diagram, no H
    }
    // Voronoi neighbours (reach 0) come with the cells just computed; reach neighbours need a pass of their own.
    const std::vector<std::size_t> near =
        neighbours_.reach() > 0.0 ? neighbours_(in.x) : (cells ? cells->neighbours : std::vector<std::size_t>{});
    if (near.empty()) return;
    double sum = 0.0;
    for (std::size_t k : near) sum += static_cast<double>(k);
    out.set("neighbours_mean", sum / static_cast<double>(n));
    out.set("neighbours_max", static_cast<double>(*std::max_element(near.begin(), near.end())));
  }

 private:
  NeighbourCounter neighbours_;
};

}  // namespace

CoverageDensity::CoverageDensity(std::shared_ptr<const analysis::LawND> law, const analysis::Box& region)
    : law_(std::move(law)), region_(region) {
  region_mass_ = mass_in(*law_, region_);
  if (!(region_mass_ >= kMinRegionMass))
    throw ConfigError({"coverage.region_lo, region_hi = " + region_text(region_) + ": the target has " +
                       format(region_mass_) + " of its mass there; must be >= " + format(kMinRegionMass)});
}

CoverageDensity::Cells CoverageDensity::cells(std::span<const double> x) const {
  const auto d = static_cast<std::size_t>(region_.dimension);
  const std::size_t n = x.size() / d;
  const analysis::PowerDiagram diagram(region_.dimension, x, region_);
  const std::vector<double> zero(n, 0.0);  // a Voronoi diagram is the power diagram with equal weights
  Cells out;
  out.mass.assign(n, 0.0);
  out.centroid.assign(x.begin(), x.end());
  out.neighbours.assign(n, 0);
  analysis::CellIntegrals integrals;
  diagram.for_each_cell(zero, [&](std::size_t i, const analysis::ConvexCell& cell) {
    analysis::Point3 p{};
    for (std::size_t k = 0; k < d; ++k) p[k] = x[i * d + k];
    law_->integrate(cell, p, integrals);
    out.mass[i] = integrals.mass / region_mass_;
    out.cost += integrals.second / region_mass_;
    if (integrals.mass > 0.0)
      for (std::size_t k = 0; k < d; ++k) out.centroid[i * d + k] += integrals.first[k] / integrals.mass;
    std::set<int> seen;
    for (const auto& f : cell.facets)
      if (f.neighbour != analysis::ConvexCell::kBoundary) seen.insert(f.neighbour);
    out.neighbours[i] = seen.size();
  });
  return out;
}

double CoverageDensity::outside_distance(std::span<const double> x) const {
  const auto d = static_cast<std::size_t>(region_.dimension);
  double farthest = 0.0;
  for (std::size_t i = 0; i < x.size() / d; ++i) {
    double r2 = 0.0;
    for (std::size_t k = 0; k < d; ++k) {
      const double below = region_.lo[k] - x[i * d + k], above = x[i * d + k] - region_.hi[k];
      const double out = std::max({below, above, 0.0});
      r2 += out * out;
    }
    farthest = std::max(farthest, std::sqrt(r2));
  }
  return farthest;
}

analysis::Box coverage_region(const RunConfig& config) {
  const auto& c = config.coverage;
  analysis::Box box;
  box.dimension = config.problem.dimension;
  for (std::size_t k = 0; k < static_cast<std::size_t>(box.dimension); ++k) {
    box.lo[k] = c.region_lo.size() == 1 ? c.region_lo[0] : c.region_lo[k];
    box.hi[k] = c.region_hi.size() == 1 ? c.region_hi[0] : c.region_hi[k];
  }
  return box;
}

std::shared_ptr<const CoverageDensity> make_coverage_density(const RunConfig& config) {
  const std::shared_ptr<const Target> target = make_target(config.target, config.problem.dimension);
  std::shared_ptr<const analysis::LawND> law = target_law(*target);
  if (!law)
    throw ConfigError({"coverage.region_lo = " + format(config.coverage.region_lo.front()) +
                       ": the coverage metrics integrate rhobar / int rhobar over Voronoi cells, which blobflow does "
                       "for uniform-box, piecewise and floorless gaussian and mixture targets only (target " +
                       target->describe() + ")"});
  return std::make_shared<const CoverageDensity>(std::move(law), coverage_region(config));
}

std::unique_ptr<VelocityField> make_lloyd_field(std::shared_ptr<const CoverageDensity> density,
                                                std::vector<double> masses, double gain) {
  return std::make_unique<LloydField>(std::move(density), std::move(masses), gain);
}

NeighbourCounter NeighbourCounter::of(const RunConfig& config, double epsilon) {
  const bool lloyd = config.coverage.controller == "lloyd";
  return NeighbourCounter(make_coverage_density(config),
                          lloyd ? 0.0 : mollifier_reach(config.discretization.mollifier, config.problem.dimension,
                                                        epsilon));
}

std::vector<std::size_t> NeighbourCounter::operator()(std::span<const double> x) const {
  if (!std::all_of(x.begin(), x.end(), [](double c) { return std::isfinite(c); })) return {};
  const auto d = static_cast<std::size_t>(density_->dimension());
  const std::size_t n = x.size() / d;
  if (reach_ == 0.0) {
    try {
      return density_->cells(x).neighbours;
    } catch (const std::invalid_argument&) {  // coinciding agents: no Voronoi diagram
      return {};
    }
  }
  std::vector<std::size_t> near(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (squared_distance(x, d, i, j) < reach_ * reach_) ++near[i], ++near[j];
  return near;
}

std::unique_ptr<const Metric> make_coverage_metric(const NeighbourCounter& neighbours) {
  return std::make_unique<const CoverageMetric>(neighbours);
}

void check_dropouts(const RunConfig& config, std::size_t n) {
  std::size_t count = n;
  for (std::size_t k = 0; k < config.coverage.dropouts.size(); ++k) {
    const Dropout& e = config.coverage.dropouts[k];
    const std::string key = "coverage.dropouts[" + std::to_string(k) + "]";
    std::size_t removed = 0;
    if (e.agents.empty()) {
      removed = static_cast<std::size_t>(std::llround(e.fraction * static_cast<double>(count)));
      if (removed == 0)
        throw ConfigError({key + ".fraction = " + format(e.fraction) + ": stops round(fraction * " +
                           std::to_string(count) + " active agents) = 0 agents; must stop at least one"});
    } else {
      for (std::int64_t id : e.agents)
        if (static_cast<std::size_t>(id) >= n)
          throw ConfigError({key + ".agents = " + std::to_string(id) + ": the run has " + std::to_string(n) +
                             " agents (ids 0 to " + std::to_string(n - 1) + ")"});
      removed = e.agents.size();
    }
    if (removed >= count)
      throw ConfigError({key + ": stops " + std::to_string(removed) + " of the " + std::to_string(count) +
                         " active agents; at least one must remain"});
    count -= removed;
  }
  // An agent named twice would stop twice. (An id that an earlier random drop-out drew has stopped already: it is
  // skipped, and the record lists the agents that did stop.)
  std::set<std::int64_t> named;
  for (std::size_t k = 0; k < config.coverage.dropouts.size(); ++k)
    for (std::int64_t id : config.coverage.dropouts[k].agents)
      if (!named.insert(id).second)
        throw ConfigError({"coverage.dropouts[" + std::to_string(k) + "].agents = " + std::to_string(id) +
                           ": that agent already stopped at an earlier drop-out"});
}

std::vector<RunEvent> dropout_events(const RunConfig& config, std::size_t n, std::vector<std::size_t>& ids,
                                     std::vector<DropoutRecord>& records) {
  const auto d = static_cast<std::size_t>(config.problem.dimension);
  ids.resize(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = i;
  check_dropouts(config, n);
  auto rng = std::make_shared<std::mt19937_64>(
      stream_seed(static_cast<std::uint64_t>(config.discretization.seed), kDropoutStream));
  std::vector<RunEvent> events;
  for (const Dropout& e : config.coverage.dropouts) {
    events.push_back({e.t, [&ids, &records, rng, e, d](State& x, std::vector<double>& masses) {
      std::vector<std::size_t> positions;  // in the state
      if (e.agents.empty()) {
        // round(fraction * active) positions without replacement: a partial Fisher-Yates shuffle on the raw 64-bit
        // draws (the modulo bias is below 2^-50 for any run size), the same on every platform.
        std::vector<std::size_t> order(ids.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        const auto take = static_cast<std::size_t>(std::llround(e.fraction * static_cast<double>(ids.size())));
        for (std::size_t i = 0; i < take; ++i) std::swap(order[i], order[i + (*rng)() % (order.size() - i)]);
        positions.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(take));
      } else {
        for (std::int64_t id : e.agents) {
          const auto at = std::find(ids.begin(), ids.end(), static_cast<std::size_t>(id));
          if (at != ids.end()) positions.push_back(static_cast<std::size_t>(at - ids.begin()));
        }
      }
      std::sort(positions.begin(), positions.end());
      DropoutRecord record{e.t, {}, 0};
      std::size_t kept = 0;
      for (std::size_t i = 0, next = 0; i < ids.size(); ++i) {
        if (next < positions.size() && positions[next] == i) {
          record.removed.push_back(ids[i]);
          ++next;
          continue;
        }
        for (std::size_t k = 0; k < d; ++k) x[kept * d + k] = x[i * d + k];
        masses[kept] = masses[i];
        ids[kept] = ids[i];
        ++kept;
      }
      x.resize(kept * d);
      masses.resize(kept);
      ids.resize(kept);
      std::sort(record.removed.begin(), record.removed.end());
      record.active = kept;
      records.push_back(std::move(record));
    }});
  }
  return events;
}

Recovery recovery_after(double t, std::span<const OutputMetrics> outputs, double factor) {
  Recovery r;
  r.t = t;
  std::size_t at = outputs.size();
  for (std::size_t k = 0; k < outputs.size(); ++k)
    if (outputs[k].t == t) at = k;
  if (at == outputs.size()) return r;
  r.w2_at_event = outputs[at].get("w2_steady");
  if (at + 1 < outputs.size()) r.w2_after = outputs[at + 1].get("w2_steady");
  r.w2_final = outputs.back().get("w2_steady");
  if (!r.w2_at_event) return r;
  for (std::size_t k = at + 1; k < outputs.size(); ++k) {
    const std::optional<double> w2 = outputs[k].get("w2_steady");
    if (w2 && *w2 <= factor * *r.w2_at_event) {
      r.time = outputs[k].t - t;
      break;
    }
  }
  return r;
}

}  // namespace blobflow
