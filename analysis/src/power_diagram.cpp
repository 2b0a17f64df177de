// Power diagrams (power_diagram.hpp): the cell of seed i is the box cut by the half-spaces of the other seeds, visited
// on a uniform grid of buckets in square (cubic) rings around i's bucket, nearest ring first, each ring's seeds sorted
// by the distance of their bisector from y_i, until no unvisited seed can reach the cell (the stopping rule below).
// The grid, the seeds in bucket order and the box cell are built once; a call to for_each_cell reuses one cell and
// its buffers for every seed (2D cells are cut as a ring, polygon_ring.hpp, and written out once), so building a cell
// allocates nothing in 2D once the buffers have grown, and in 3D only the few facet lists that resetting the cell to
// the box drops.
//
// Half-space of seed j in the cell of seed i. With z = x - y_i, d = y_j - y_i and w_ij = w_j - w_i,
//   |x - y_i|^2 - w_i <= |x - y_j|^2 - w_j  <=>  2 z.d <= |d|^2 - w_ij  <=>  n.z <= h_ij,
//   n = d / |d|,  h_ij = (|d|^2 - w_ij) / (2 |d|),
// the signed distance from y_i of the bisector (n.x <= n.y_i + h_ij in absolute coordinates). Working relative to y_i
// avoids the cancellation in |y_j|^2 - |y_i|^2 when the seeds are far from the origin.
//
// The grid G covers the domain and the seeds, but reaches at most one domain width beyond the domain on each side, so
// that a few far seeds cannot make the buckets coarse; a seed outside G is filed under its projection P(y) onto G
// (coordinates clamped). Projection onto a box is non-expansive and fixes the points of G, so distances between
// projections, and from points of G (such as the cell's vertices) to projections, are lower bounds of true distances.
//
// Stopping rule. A half-space cuts part of the (convex) cell off only if it cuts off a vertex v, and seed j cuts v only
// if |v - y_j|^2 - w_j < |v - y_i|^2 - w_i, so only if |v - y_j|^2 < |v - y_i|^2 + Delta_i with Delta_i = w_max - w_i.
// After the rings 0..r around the home bucket (the bucket of P(y_i)), every unvisited seed is filed in a bucket beyond
// one of the faces of the box Q_r of visited buckets that still have buckets beyond them, so for v in the domain
// |v - y_j| >= |v - P(y_j)| >= reach_r(v), the distance from v to the nearest such face (0 if v lies beyond it).
// No unvisited seed can cut the cell once, for every vertex v,
//   reach_r(v)^2 >= |v - y_i|^2 + Delta_i,
// and the search stops there (at once if no face has buckets beyond it: all were visited). Inside a ring, a bucket
// is skipped by the weaker ball test: with R_i the largest distance from y_i to a vertex, the cell lies in B(y_i, R_i)
// and seed j cuts nothing if h_ij >= R_i; h_ij >= g(|d|) := (|d|^2 - Delta_i) / (2 |d|), increasing in |d|, and
// g(|d|) >= R_i once |d| >= R_i + sqrt(R_i^2 + Delta_i), so a bucket at least that far from P(y_i) holds no seed that
// cuts. The test h_ij >= R_i skips a single seed before it is clipped. R_i only shrinks as cuts are made, so a skip
// stays valid. (With Delta_i = 0 these are the Voronoi security radii.)
#include "blobflow/analysis/power_diagram.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "describe.hpp"
#include "polygon_ring.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;

/// The clip tolerance in units of the problem's length scale (the larger of the domain's diameter and its largest
/// coordinate): ~1e4 ulps, far above the round-off of a vertex made by a few dozen cuts, far below any cell resolved.
constexpr double kRelativeTolerance = 1e-12;
/// In 1D a cut moves one end point and makes no vertices to merge, so the tolerance only has to absorb the round-off
/// of the end point itself (a few ulps): 1e-12 would move cell ends, and so cell masses, by 1e-12 of the domain,
/// above the 1e-12 mass residual the semi-discrete solver asks for.
constexpr double kRelativeTolerance1D = 1e-15;
/// Target number of seeds per bucket: small enough that the rings stay fine near the stopping radius (~2 cell
/// diameters), large enough that few buckets are empty (measured best by bench_power_diagram).
constexpr double kSeedsPerBucket = 2.0;
/// How far (in domain widths per side) the grid may reach beyond the domain to hold seeds there; seeds farther out are
/// filed at the grid's edge. Seeds near the domain get buckets of their own; a far outlier costs at most a factor
/// (1 + 2 kGridMargin)^d in bucket size.
constexpr double kGridMargin = 1.0;

double squared_distance(const Point3& a, const Point3& b) {
  const double x = a[0] - b[0];
  const double y = a[1] - b[1];
  const double z = a[2] - b[2];
  return x * x + y * y + z * z;
}

struct Candidate {
  double h;           // distance of the bisector from y_i
  std::size_t index;  // position in bucket order
};

/// A seed and its weight side by side, in bucket order: the search reads one cache line per two seeds.
struct WeightedPoint {
  Point3 x;
  double w;
};

/// The cell being cut, in 1D and 3D: a ConvexCell cut by clip.
class GeneralCell {
 public:
  GeneralCell(ConvexCell& cell, const ConvexCell& box) : cell_(cell), box_(box) {}
  void reset() { cell_ = box_; }
  bool empty() const { return cell_.empty(); }
  double radius(const Point3& y) const {
    double r2 = 0.0;
    for (const Point3& v : cell_.vertices) r2 = std::max(r2, squared_distance(v, y));
    return std::sqrt(r2);
  }
  bool reaches_beyond(const Point3& n, double c, double tolerance) const {
    return std::any_of(cell_.vertices.begin(), cell_.vertices.end(), [&](const Point3& v) {
      return n[0] * v[0] + n[1] * v[1] + n[2] * v[2] - c > tolerance;
    });
  }
  bool cut(const Point3& n, double c, int neighbour, double tolerance) {
    return clip(cell_, n, c, neighbour, tolerance);
  }
  template <class Predicate>
  bool every_vertex(Predicate predicate) const {
    return std::all_of(cell_.vertices.begin(), cell_.vertices.end(), predicate);
  }
  void finish() {}

 private:
  ConvexCell& cell_;
  const ConvexCell& box_;
};

/// The cell being cut, in 2D: a PolygonRing, written to the ConvexCell when done.
class RingCell {
 public:
  RingCell(detail::PolygonRing& ring, ConvexCell& cell, const Box& box) : ring_(ring), cell_(cell), box_(box) {}
  void reset() { ring_.reset(box_); }
  bool empty() const { return ring_.empty(); }
  double radius(const Point3& y) const { return ring_.radius(y); }
  bool reaches_beyond(const Point3& n, double c, double tolerance) const {
    return ring_.reaches_beyond(n, c, tolerance);
  }
  bool cut(const Point3& n, double c, int neighbour, double tolerance) { return ring_.cut(n, c, neighbour, tolerance); }
  template <class Predicate>
  bool every_vertex(Predicate predicate) const {
    return ring_.every_vertex(predicate);
  }
  void finish() { ring_.export_to(cell_); }

 private:
  detail::PolygonRing& ring_;
  ConvexCell& cell_;
  const Box& box_;
};

}  // namespace

struct PowerDiagram::Impl {
  int dimension_ = 2;
  Box domain_;
  double tolerance_ = 0.0;
  std::vector<Point3> seeds_;
  // The grid G of buckets over the domain and the seeds, at most kGridMargin domain widths beyond the domain.
  Point3 grid_lo_{};
  Point3 grid_hi_{};
  Point3 step_{1.0, 1.0, 1.0};
  std::array<int, 3> cells_{1, 1, 1};
  std::vector<std::size_t> bucket_start_;  // bucket b holds positions bucket_start_[b] .. bucket_start_[b + 1] - 1
  std::vector<std::size_t> sorted_ids_;    // the seeds' indices in bucket order
  std::vector<std::size_t> slot_;          // slot_[i]: the position of seed i in bucket order
  ConvexCell box_;
  // Reused by for_each_cell.
  mutable ConvexCell cell_;
  mutable detail::PolygonRing ring_;
  mutable std::vector<WeightedPoint> sorted_;  // the seeds and the current weights in bucket order
  mutable std::vector<Candidate> candidates_;

  Impl(int d, std::span<const double> coordinates, const Box& box_domain);
  void check_distinct() const;
  void build_grid();
  std::array<int, 3> bucket_of(const Point3& x) const;
  std::size_t bucket_index(int bx, int by, int bz) const {
    return (static_cast<std::size_t>(bz) * static_cast<std::size_t>(cells_[1]) + static_cast<std::size_t>(by)) *
               static_cast<std::size_t>(cells_[0]) +
           static_cast<std::size_t>(bx);
  }
  template <class Cell>
  void build_cell(Cell& cut, std::size_t i, std::span<const double> weights, double w_max) const;
  void gather_ring(std::size_t i, const std::array<int, 3>& home, int r, double wi, double radius, double reach) const;
  template <class Cell>
  bool cut_by_candidates(Cell& cut, std::size_t i, double& radius) const;
  template <class Cell>
  bool rings_suffice(const Cell& cut, const Point3& y, const std::array<int, 3>& home, int r, double spread) const;
  /// P(x): x with its coordinates clamped to the grid.
  Point3 project(const Point3& x) const {
    Point3 p = x;
    for (int k = 0; k < dimension_; ++k) p[k] = std::clamp(x[k], grid_lo_[k], grid_hi_[k]);
    return p;
  }
};

PowerDiagram::Impl::Impl(int d, std::span<const double> coordinates, const Box& box_domain)
    : dimension_(d), domain_(box_domain) {
  if (d < 1 || d > 3) throw std::invalid_argument(describe("PowerDiagram", "dimension", d, "must be 1, 2 or 3"));
  if (box_domain.dimension != d)
    throw std::invalid_argument(describe("PowerDiagram", "domain.dimension", box_domain.dimension,
                                         "must equal the dimension " + std::to_string(d)));
  box_ = box_cell(box_domain);
  cell_ = box_;
  if (coordinates.empty() || coordinates.size() % static_cast<std::size_t>(d) != 0)
    throw std::invalid_argument(describe("PowerDiagram", "seeds.size()", static_cast<double>(coordinates.size()),
                                         "must be a positive multiple of the dimension"));
  const std::size_t n = coordinates.size() / static_cast<std::size_t>(d);
  seeds_.assign(n, Point3{});
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) {
      const double x = coordinates[i * static_cast<std::size_t>(d) + static_cast<std::size_t>(k)];
      if (!std::isfinite(x))
        throw std::invalid_argument(describe("PowerDiagram", "coordinate " + std::to_string(k) + " of seed " +
                                                                 std::to_string(i),
                                             x, "must be finite"));
      seeds_[i][static_cast<std::size_t>(k)] = x;
    }
  }
  check_distinct();
  double length = 0.0;
  double diameter2 = 0.0;
  for (int k = 0; k < d; ++k) {
    length = std::max({length, std::abs(domain_.lo[k]), std::abs(domain_.hi[k])});
    diameter2 += (domain_.hi[k] - domain_.lo[k]) * (domain_.hi[k] - domain_.lo[k]);
  }
  tolerance_ = (d == 1 ? kRelativeTolerance1D : kRelativeTolerance) * std::max(length, std::sqrt(diameter2));
  build_grid();
}

void PowerDiagram::Impl::check_distinct() const {
  std::vector<std::size_t> order(seeds_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) { return seeds_[a] < seeds_[b]; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (seeds_[order[k]] != seeds_[order[k - 1]]) continue;
    const std::size_t first = std::min(order[k], order[k - 1]);
    const std::size_t second = std::max(order[k], order[k - 1]);
    throw std::invalid_argument(describe("PowerDiagram", "seed", static_cast<double>(second),
                                         "coincides with seed " + std::to_string(first) +
                                             ": seeds must be pairwise distinct (merge duplicates first)"));
  }
}

void PowerDiagram::Impl::build_grid() {
  const std::size_t n = seeds_.size();
  double volume = 1.0;
  for (int k = 0; k < dimension_; ++k) {
    const double margin = kGridMargin * (domain_.hi[k] - domain_.lo[k]);
    grid_lo_[k] = domain_.lo[k];
    grid_hi_[k] = domain_.hi[k];
    for (const Point3& y : seeds_) {
      grid_lo_[k] = std::min(grid_lo_[k], std::max(y[k], domain_.lo[k] - margin));
      grid_hi_[k] = std::max(grid_hi_[k], std::min(y[k], domain_.hi[k] + margin));
    }
    volume *= grid_hi_[k] - grid_lo_[k];
  }
  const double buckets = std::max(1.0, static_cast<double>(n) / kSeedsPerBucket);
  const double side = std::pow(volume / buckets, 1.0 / dimension_);
  for (int k = 0; k < dimension_; ++k) {
    const double extent = grid_hi_[k] - grid_lo_[k];
    cells_[static_cast<std::size_t>(k)] =
        static_cast<int>(std::clamp(std::ceil(extent / side), 1.0, std::min(buckets, double{1 << 20})));
    step_[k] = extent / cells_[static_cast<std::size_t>(k)];
  }
  const std::size_t count = static_cast<std::size_t>(cells_[0]) * static_cast<std::size_t>(cells_[1]) *
                            static_cast<std::size_t>(cells_[2]);
  std::vector<std::size_t> home(n);
  bucket_start_.assign(count + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = bucket_of(seeds_[i]);
    home[i] = bucket_index(b[0], b[1], b[2]);
    ++bucket_start_[home[i] + 1];
  }
  std::partial_sum(bucket_start_.begin(), bucket_start_.end(), bucket_start_.begin());
  std::vector<std::size_t> fill(bucket_start_.begin(), bucket_start_.end() - 1);
  sorted_.resize(n);
  sorted_ids_.resize(n);
  slot_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t position = fill[home[i]]++;
    sorted_[position] = {seeds_[i], 0.0};
    sorted_ids_[position] = i;
    slot_[i] = position;
  }
}

std::array<int, 3> PowerDiagram::Impl::bucket_of(const Point3& x) const {
  std::array<int, 3> b{0, 0, 0};
  for (int k = 0; k < dimension_; ++k) {
    const double t = std::floor((x[k] - grid_lo_[k]) / step_[k]);
    b[static_cast<std::size_t>(k)] =
        static_cast<int>(std::clamp(t, 0.0, static_cast<double>(cells_[static_cast<std::size_t>(k)] - 1)));
  }
  return b;
}

/// Collects the seeds of the buckets at Chebyshev distance exactly r from `home` whose bisector lies closer to y_i
/// than `radius`, skipping whole buckets farther from P(y_i) than `reach` = R_i + sqrt(R_i^2 + Delta_i).
void PowerDiagram::Impl::gather_ring(std::size_t i, const std::array<int, 3>& home, int r, double wi, double radius,
                                     double reach) const {
  candidates_.clear();
  const Point3& y = seeds_[i];
  const Point3 projected = project(y);
  const double reach2 = reach * reach;
  const double four_r2 = 4.0 * radius * radius;
  const auto gap = [&](int axis, int b) {  // distance from P(y_i) to the bucket's slab along the axis
    const double lo = grid_lo_[axis] + b * step_[axis];
    return std::max({0.0, lo - projected[axis], projected[axis] - lo - step_[axis]});
  };
  const std::size_t self = slot_[i];
  const auto visit_bucket = [&](int bx, int by, int bz, double gap2_xy) {
    const double gz = gap(2, bz);
    if (gap2_xy + gz * gz >= reach2) return;
    const std::size_t b = bucket_index(bx, by, bz);
    for (std::size_t p = bucket_start_[b]; p < bucket_start_[b + 1]; ++p) {
      // h = a / (2 |d|) < R with a = |d|^2 - w_ij, tested without a square root first.
      const double d2 = squared_distance(sorted_[p].x, y);
      const double a = d2 - (sorted_[p].w - wi);
      if ((a > 0.0 && a * a >= four_r2 * d2) || p == self) continue;
      candidates_.push_back({a / (2.0 * std::sqrt(d2)), p});
    }
  };
  const int x0 = std::max(0, home[0] - r), x1 = std::min(cells_[0] - 1, home[0] + r);
  const int y0 = std::max(0, home[1] - r), y1 = std::min(cells_[1] - 1, home[1] + r);
  const int z0 = std::max(0, home[2] - r), z1 = std::min(cells_[2] - 1, home[2] + r);
  for (int bx = x0; bx <= x1; ++bx) {
    const double gx = gap(0, bx);
    for (int by = y0; by <= y1; ++by) {
      const double gy = gap(1, by);
      const double gap2 = gx * gx + gy * gy;
      if (gap2 >= reach2) continue;
      if (std::max(std::abs(bx - home[0]), std::abs(by - home[1])) == r) {
        for (int bz = z0; bz <= z1; ++bz) visit_bucket(bx, by, bz, gap2);
        continue;
      }
      if (home[2] - r >= 0) visit_bucket(bx, by, home[2] - r, gap2);  // r > 0 here
      if (home[2] + r < cells_[2]) visit_bucket(bx, by, home[2] + r, gap2);
    }
  }
  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) { return a.h < b.h; });
}

/// Cuts the cell by the gathered candidates, nearest bisector first; false once the cell is empty.
template <class Cell>
bool PowerDiagram::Impl::cut_by_candidates(Cell& cut, std::size_t i, double& radius) const {
  const Point3& y = seeds_[i];
  for (const Candidate& candidate : candidates_) {
    if (candidate.h >= radius) break;
    const Point3& yj = sorted_[candidate.index].x;
    const double length = std::sqrt(squared_distance(yj, y));
    const Point3 n{(yj[0] - y[0]) / length, (yj[1] - y[1]) / length, (yj[2] - y[2]) / length};
    const double offset = n[0] * y[0] + n[1] * y[1] + n[2] * y[2] + candidate.h;
    // Most bisectors with h < R_i still miss the cell; find out without the bookkeeping of a cut.
    if (!cut.reaches_beyond(n, offset, tolerance_)) continue;
    if (!cut.cut(n, offset, static_cast<int>(sorted_ids_[candidate.index]), tolerance_)) continue;
    if (cut.empty()) return false;
    radius = cut.radius(y);
  }
  return true;
}

/// The stopping rule (top of the file): whether no seed filed beyond the rings 0..r around `home` can cut the cell.
template <class Cell>
bool PowerDiagram::Impl::rings_suffice(const Cell& cut, const Point3& y, const std::array<int, 3>& home, int r,
                                       double spread) const {
  std::array<double, 6> face{};  // the faces of Q_r with buckets beyond them, as signed offsets along their axes
  std::array<int, 6> axis{};
  std::array<double, 6> sign{};
  int faces = 0;
  for (int k = 0; k < dimension_; ++k) {
    const auto u = static_cast<std::size_t>(k);
    if (home[u] - r - 1 >= 0) {
      face[static_cast<std::size_t>(faces)] = -(grid_lo_[k] + (home[u] - r) * step_[k]);
      axis[static_cast<std::size_t>(faces)] = k;
      sign[static_cast<std::size_t>(faces++)] = -1.0;
    }
    if (home[u] + r + 1 < cells_[u]) {
      face[static_cast<std::size_t>(faces)] = grid_lo_[k] + (home[u] + r + 1) * step_[k];
      axis[static_cast<std::size_t>(faces)] = k;
      sign[static_cast<std::size_t>(faces++)] = 1.0;
    }
  }
  if (faces == 0) return true;
  return cut.every_vertex([&](const Point3& v) {
    double reach = std::numeric_limits<double>::infinity();
    for (std::size_t f = 0; f < static_cast<std::size_t>(faces); ++f)
      reach = std::min(reach, face[f] - sign[f] * v[static_cast<std::size_t>(axis[f])]);
    return reach > 0.0 && reach * reach >= squared_distance(v, y) + spread;
  });
}

/// Builds the cell of seed i in `cut` (reset to the box first).
template <class Cell>
void PowerDiagram::Impl::build_cell(Cell& cut, std::size_t i, std::span<const double> weights, double w_max) const {
  cut.reset();
  const Point3& y = seeds_[i];
  const double wi = weights[i];
  const double spread = w_max - wi;
  const auto home = bucket_of(y);
  double radius = cut.radius(y);
  for (int r = 0;; ++r) {
    gather_ring(i, home, r, wi, radius, radius + std::sqrt(radius * radius + spread));
    if (!cut_by_candidates(cut, i, radius)) return;
    if (rings_suffice(cut, y, home, r, spread)) return;
  }
}

PowerDiagram::PowerDiagram(int dimension, std::span<const double> seeds, const Box& domain)
    : impl_(std::make_unique<Impl>(dimension, seeds, domain)) {}

PowerDiagram::~PowerDiagram() = default;
PowerDiagram::PowerDiagram(PowerDiagram&&) noexcept = default;
PowerDiagram& PowerDiagram::operator=(PowerDiagram&&) noexcept = default;

int PowerDiagram::dimension() const { return impl_->dimension_; }
std::size_t PowerDiagram::size() const { return impl_->seeds_.size(); }
const Point3& PowerDiagram::seed(std::size_t i) const { return impl_->seeds_.at(i); }
const Box& PowerDiagram::domain() const { return impl_->domain_; }
double PowerDiagram::clip_tolerance() const { return impl_->tolerance_; }

void PowerDiagram::for_each_cell(std::span<const double> weights,
                                 const std::function<void(std::size_t, const ConvexCell&)>& visit) const {
  const Impl& m = *impl_;
  const std::size_t n = m.seeds_.size();
  if (weights.size() != n)
    throw std::invalid_argument(describe("PowerDiagram::for_each_cell", "weights.size()",
                                         static_cast<double>(weights.size()),
                                         "must equal the number of seeds " + std::to_string(n)));
  double w_max = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(weights[i]))
      throw std::invalid_argument(
          describe("PowerDiagram::for_each_cell", "weights[" + std::to_string(i) + "]", weights[i], "must be finite"));
    w_max = std::max(w_max, weights[i]);
  }
  for (std::size_t p = 0; p < n; ++p) m.sorted_[p].w = weights[m.sorted_ids_[p]];
  const auto sweep = [&](auto& cut) {
    for (std::size_t i = 0; i < n; ++i) {
      m.build_cell(cut, i, weights, w_max);
      cut.finish();
      visit(i, m.cell_);
    }
  };
  if (m.dimension_ == 2) {
    RingCell cut(m.ring_, m.cell_, m.domain_);
    sweep(cut);
  } else {
    GeneralCell cut(m.cell_, m.box_);
    sweep(cut);
  }
}

}  // namespace blobflow::analysis
