// Power diagrams (power_diagram.hpp): the cell of seed i is the box cut by the half-spaces of the other seeds, found in
// two stages. The first visits a uniform grid of buckets in square (cubic) rings around the bucket of y_i, nearest ring
// first, and stops as soon as the global rule below shows that no seed beyond can cut the cell, which for nearly equal
// weights (Voronoi diagrams, and spreads of a few squared spacings) happens within a ring or two. When the weights vary
// more, the global rule needs far rings; after kTreeRings rings the second stage takes over: a search of a k-d tree
// over the seeds whose nodes bound the weights of their seeds by a quadratic fitted to them, so that it rules out whole
// subtrees by the weights where their seeds are (the pruning rule below), and stays near-linear for weights that vary
// across the domain by a large fraction of its squared diameter. The grid, the tree, the seeds in bucket and in tree
// order and the box cell are built once; a call to for_each_cell fits the nodes' bounds to the weights (O(N log N)),
// then reuses one cell and its buffers for every seed (2D cells are cut as a ring, polygon_ring.hpp, and written out
// once), so building a cell allocates nothing in 2D once the buffers have grown, and in 3D only the few facet lists
// that resetting the cell to the box drops.
//
// Half-space of seed j in the cell of seed i. With z = x - y_i, d = y_j - y_i and w_ij = w_j - w_i,
//   |x - y_i|^2 - w_i <= |x - y_j|^2 - w_j  <=>  2 z.d <= |d|^2 - w_ij  <=>  n.z <= h_ij,
//   n = d / |d|,  h_ij = (|d|^2 - w_ij) / (2 |d|),
// the signed distance from y_i of the bisector (n.x <= n.y_i + h_ij in absolute coordinates). Working relative to y_i
// avoids the cancellation in |y_j|^2 - |y_i|^2 when the seeds are far from the origin. The bisector lies at distance
// h_ij - n.(c - y_i) = (|d|^2 - w_ij - 2 d.(c - y_i)) / (2 |d|) from a point c; if that is at least the largest
// distance from c to a vertex of the cell, the half-space holds the whole cell and the seed cuts nothing.
//
// The grid G covers the domain and the seeds, but reaches at most one domain width beyond the domain on each side, so
// that a few far seeds cannot make the buckets coarse; a seed outside G is filed under its projection P(y) onto G
// (coordinates clamped). Projection onto a box is non-expansive and fixes the points of G, so distances between
// projections, and from points of G (such as the cell's vertices) to projections, are lower bounds of true distances. A
// ring's seeds are cut by in order of their bisector's distance from c_i = y_i - grad w(y_i) / 2, where the cell of y_i
// lies when the weights vary smoothly (y_i for equal weights; the gradient is that of the fitted bound of the smallest
// tree node around y_i that fits its own curvature), while that distance is below the cell's radius about c_i.
//
// Global rule (first stage). A half-space cuts part of the (convex) cell off only if it cuts off a vertex v, and seed j
// cuts v only if |v - y_j|^2 - w_j < |v - y_i|^2 - w_i, so only if |v - y_j|^2 < |v - y_i|^2 + Delta_i with Delta_i =
// w_max - w_i. After the rings 0..r around the home bucket (the bucket of P(y_i)), every unvisited seed is filed in a
// bucket beyond one of the faces of the box Q_r of visited buckets that still have buckets beyond them, so for v in the
// domain |v - y_j| >= |v - P(y_j)| >= reach_r(v), the distance from v to the nearest such face (0 if v lies beyond it).
// No unvisited seed can cut the cell once, for every vertex v,
//   reach_r(v)^2 >= |v - y_i|^2 + Delta_i,
// and the search stops there (at once if no face has buckets beyond it: all were visited). Inside a ring, a bucket is
// skipped by the weaker ball test: with R_i the largest distance from y_i to a vertex, the cell lies in B(y_i, R_i) and
// seed j cuts nothing if h_ij >= R_i; h_ij >= g(|d|) := (|d|^2 - Delta_i) / (2 |d|), increasing in |d|, and g(|d|) >=
// R_i once |d| >= R_i + sqrt(R_i^2 + Delta_i), so a bucket at least that far from P(y_i) holds no seed that cuts. (With
// Delta_i = 0 these are the Voronoi security radii.) The cell only shrinks as it is cut, so every skip, in either
// stage, stays valid for the rest of the search.
//
// Pruning rule (second stage). Let pi_j(x) = |x - y_j|^2 - w_j; seed j cuts the cell only if pi_j(v) < pi_i(v) at a
// vertex v. A node of the tree holds its seeds in their bounding box B, with centroid o. For the current weights it
// stores a curvature k in [kMinCurvature, kMaxCurvature], a slope g (least squares: w ~ w_0 + g.u + k |u|^2 with
// u = y - o) and a level A = max_j (w_j - g.u_j - k |u_j|^2), so that for each of its seeds
//   w_j <= A + g.u_j + k |u_j|^2.
// With lambda = 1 - k > 0 and m(v) = (2 (v - o) + g) / (2 lambda), completing the square in u_j gives, for every seed
// j of the node in a set P,
//   pi_j(v) >= lambda |u_j - m(v)|^2 - lambda |m(v)|^2 + |v - o|^2 - A >= L(v),
//   L(v) = lambda dist(o + m(v), P)^2 - lambda |m(v)|^2 + |v - o|^2 - A.
// P is B, or, when B meets the box of the first stage's rings, the union of the parts of B beyond the faces of that
// box with buckets beyond them: the seeds the first stage did not cut by lie there (by the projection argument above;
// the faces move out by kFaceMargin against rounding), and seed i does not. The node is skipped when
//   F(v) = L(v) - pi_i(v) > 0 at every vertex v of the cell.
// That suffices: pi_j - pi_i is affine, so pi_j(v) - pi_i(v) >= F(v) > 0 at every vertex gives pi_j > pi_i on the
// whole cell, the convex hull of the vertices, for every seed j of the node in P, and none of them cuts. With k = 0
// and g = 0 the bound is dist(v, P)^2 - max_j w_j, by the node's largest weight; the fit keeps it sharp where the
// weights vary (the cell of y_j lies near y_j - grad w / 2, up to a fraction of the domain away; for
// w = a |y - c|^2 + b with a <= 3/4 the fit is exact, and o + m(v) is where the seed whose cell holds v lies).
// Before the vertices, a node is tested on a ball B(c, t) about the centre c of the cell's box, one box of P at a time
// (F is the least of the F of its boxes). For a box P, F + |v|^2 / lambda is convex (its dist^2 term is, the rest is
// affine), and dist(o + m(c + u), P) >= D - |u| / lambda with D = dist(o + m(c), P), so for |u| <= t
//   F(c + u) >= F(c) - |grad F(c)| t - t^2 / lambda,
//   F(c + u) >= F(c) - 2 t (D + |y_i - o - m(c)|)  if t <= lambda D.
// The largest t for which either is positive (for each box of P) is the node's key, a lower bound of the distance from
// c of the bisector of every seed of the node in P; a node whose key is at least the cell's radius about c is skipped.
// The search is depth first, nearer child first; the seeds of the leaves left are cut by when their bisector passes
// closer to c than that radius, and c moves to the centre of the cell's box whenever the cell's radius about it drops
// below kRecentre times its radius about c. Every test demands a margin of kPruneSlack times the magnitudes of its
// terms (A is raised and w_i lowered likewise), far above the rounding of its few operations, so rounding never skips
// what the exact test keeps.
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
/// Most rings the first stage visits before the tree takes over while the cell is still wider than the rings (a gap
/// among the seeds): a ring or two more close such cells, and the tree's keys are sharp only for a closed cell.
constexpr int kMaxRings = 3;
/// Fewest rings the first stage visits before the tree takes over: the seeds left are then at least two buckets (about
/// three cell radii) from y_i, far enough for the tree's bounds to rule most of them out at once.
constexpr int kTreeRings = 2;
/// Most seeds in a leaf of the tree: small enough that a leaf's box bounds its seeds closely, large enough that the
/// tree stays shallow (measured best by bench_power_diagram).
constexpr std::size_t kLeafSize = 6;
/// Relative margin of the pruning tests (~450 ulps): above the rounding of their dozen operations (~20 ulps of the
/// terms' magnitudes), and far below any margin that matters (a node is kept a little longer than necessary).
constexpr double kPruneSlack = 1e-13;
/// Ridge added to the normal matrices of the nodes' weight fits, relative to their diagonal: keeps a fit finite for
/// collinear seeds and moves the fit of well-spread seeds by about a millionth (any fit gives a valid bound).
constexpr double kRidge = 1e-6;
/// The second stage moves its centre to the cell's once the cell's radius about its own centre is below this fraction
/// of its radius about the centre: the keys have grown loose by that factor, and each move at least halves the radius.
constexpr double kRecentre = 0.5;
/// How far (relative to the grid's coordinates) the faces of the first stage's rings move out for the second stage:
/// ~1e4 ulps, far above the rounding of a seed's bucket, far below a bucket.
constexpr double kFaceMargin = 1e-12;
/// Largest curvature k of the nodes' weight bounds: keeps lambda = 1 - k >= 1/4, as the bound needs lambda > 0 and its
/// ball tests loosen as 1 / lambda (any k in range gives a valid bound).
constexpr double kMaxCurvature = 0.75;
/// Smallest curvature k of the nodes' weight bounds: covers concave weights as steep as the seeds' own |y|^2 term.
constexpr double kMinCurvature = -1.0;
/// Fewest seeds of a node that fits its own curvature: a few per unknown of the fit (w_0, g, k), so that the fit is
/// determined; smaller nodes take their parent's.
constexpr std::size_t kCurvatureSeeds = 16;

double squared_distance(const Point3& a, const Point3& b) {
  const double x = a[0] - b[0];
  const double y = a[1] - b[1];
  const double z = a[2] - b[2];
  return x * x + y * y + z * z;
}

double square(double x) { return x * x; }

/// A seed of the first stage's rings that may cut.
struct Candidate {
  double h;           // distance of its bisector from the centre c of the search
  std::size_t index;  // position in bucket order
};

/// A seed and its weight side by side, in tree order: the search reads one cache line per two seeds.
struct WeightedPoint {
  Point3 x;
  double w;
};

/// A seed and its index, as the tree is built.
struct Labelled {
  Point3 x;
  std::size_t id;
};

/// A node of the k-d tree: its seeds are the positions begin .. end - 1 in tree order; its first child (if any) is the
/// next node, its second child `second` (0 for a leaf).
struct Node {
  Point3 lo{};      // the bounding box B of its seeds
  Point3 hi{};
  Point3 centre{};  // o, the centroid of its seeds
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t second = 0;
};

/// What a node's weight fit needs besides the Node, with u_j = y_j - o: (S + ridge I)^-1 for the scatter S of its
/// seeds (entries xx, xy, xz, yy, yz, zz), the third moment sum_j |u_j|^2 u_j, the largest |u_j| per axis, and (for
/// nodes of at least kCurvatureSeeds seeds) the row of the regularized inverse normal matrix of the least-squares fit
/// w ~ w_0 + g.u + k |u|^2 that gives k from the moments sum_j w_j (1, u_j, |u_j|^2).
struct NodeFit {
  std::array<double, 6> inverse{};
  Point3 third{};
  Point3 extent{};
  bool curved = false;
  std::array<double, 5> curvature_row{};
};

/// The moments of a node's seeds about their centroid o, u_j = y_j - o: their count, scatter sum_j u_j u_j^T (entries
/// xx, xy, xz, yy, yz, zz), third moment sum_j |u_j|^2 u_j and fourth moment sum_j |u_j|^4 (sum_j u_j = 0).
struct Shape {
  double count = 0.0;
  std::array<double, 6> scatter{};
  Point3 third{};
  double fourth = 0.0;

  /// Adds the moments of n points u + s, given the moments m2, m3, m4 of the u about their centroid.
  void add(const Point3& s, double n, const std::array<double, 6>& m2, double m4, const Point3& m3) {
    const double ss = s[0] * s[0] + s[1] * s[1] + s[2] * s[2];
    const double trace = m2[0] + m2[3] + m2[5];
    const Point3 ms{m2[0] * s[0] + m2[1] * s[1] + m2[2] * s[2], m2[1] * s[0] + m2[3] * s[1] + m2[4] * s[2],
                    m2[2] * s[0] + m2[4] * s[1] + m2[5] * s[2]};  // (sum u u^T) s
    count += n;
    const std::array<double, 6> outer{s[0] * s[0], s[0] * s[1], s[0] * s[2], s[1] * s[1], s[1] * s[2], s[2] * s[2]};
    for (std::size_t e = 0; e < 6; ++e) scatter[e] += m2[e] + n * outer[e];
    for (std::size_t a = 0; a < 3; ++a) third[a] += m3[a] + 2.0 * ms[a] + (trace + n * ss) * s[a];
    fourth += m4 + 4.0 * (m3[0] * s[0] + m3[1] * s[1] + m3[2] * s[2]) +
              4.0 * (ms[0] * s[0] + ms[1] * s[1] + ms[2] * s[2]) + 2.0 * ss * trace + n * ss * ss;
  }
};

/// A node's bound on its seeds' weights for the current call: w_j <= A + g.u_j + k |u_j|^2 (pruning rule).
struct WeightBound {
  Point3 slope{};       // g
  double lambda = 1.0;  // 1 - k
  double level = 0.0;   // A, raised by the rounding margin
};

/// Seed i as the search of its cell needs it.
struct Query {
  std::size_t gridded_self;  // its position in bucket order
  Point3 y;
  double wi;
  double low_wi;               // w_i lowered by its rounding margin
  std::array<int, 3> home{};   // the bucket of P(y_i)
  int rings = 0;               // the first stage cut by the seeds of the buckets within `rings` of home
  Point3 below{};              // a seed of a bucket beyond those rings has y_k <= below[k] or y_k >= above[k]
  Point3 above{};              // for some axis k (+-infinity where the grid has no bucket beyond)
  Point3 centre{};             // c, the centre of the balls of the tests and keys
};

/// An axis-aligned box [lo, hi]: a node's box, or the part of it on one side of the first stage's rings.
struct Piece {
  Point3 lo;
  Point3 hi;
};

/// The squared distance from x to a piece.
double piece_distance2(const Piece& piece, const Point3& x) {
  double d2 = 0.0;
  for (std::size_t k = 0; k < 3; ++k) d2 += square(std::max({0.0, piece.lo[k] - x[k], x[k] - piece.hi[k]}));
  return d2;
}

/// The squared distance from x to the box of a node.
double box_distance2(const Node& node, const Point3& x) {
  double d2 = 0.0;
  for (std::size_t k = 0; k < 3; ++k) d2 += square(std::max({0.0, node.lo[k] - x[k], x[k] - node.hi[k]}));
  return d2;
}

/// The inverse of the symmetric matrix (xx, xy, xz, yy, yz, zz) plus ridge times the identity, or zero for a zero
/// matrix (one seed: the slope is zero).
std::array<double, 6> ridge_inverse(const std::array<double, 6>& s, int dimension) {
  const double trace = s[0] + s[3] + s[5];
  if (!(trace > 0.0)) return {};
  const double ridge = kRidge * trace / dimension;
  const double a = s[0] + ridge, b = s[1], c = s[2], d = s[3] + ridge, e = s[4], f = s[5] + ridge;
  const double xx = d * f - e * e, xy = c * e - b * f, xz = b * e - c * d;
  const double det = a * xx + b * xy + c * xz;
  return {xx / det, xy / det, xz / det, (a * f - c * c) / det, (b * c - a * e) / det, (a * d - b * b) / det};
}

/// The last row of the inverse of the symmetric 5 x 5 matrix a with each diagonal entry raised by kRidge times itself
/// (a zero one set to 1: an unused axis), by Gauss-Jordan elimination with partial pivoting; zero if it is singular.
std::array<double, 5> last_inverse_row(std::array<std::array<double, 5>, 5> a) {
  std::array<std::array<double, 5>, 5> inverse{};
  for (std::size_t r = 0; r < 5; ++r) {
    a[r][r] = a[r][r] > 0.0 ? a[r][r] * (1.0 + kRidge) : 1.0;
    inverse[r][r] = 1.0;
  }
  for (std::size_t c = 0; c < 5; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < 5; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    if (!(std::abs(a[pivot][c]) > 0.0)) return {};
    std::swap(a[c], a[pivot]);
    std::swap(inverse[c], inverse[pivot]);
    const double scale = 1.0 / a[c][c];
    for (std::size_t k = 0; k < 5; ++k) {
      a[c][k] *= scale;
      inverse[c][k] *= scale;
    }
    for (std::size_t r = 0; r < 5; ++r) {
      if (r == c || a[r][c] == 0.0) continue;
      const double f = a[r][c];
      for (std::size_t k = 0; k < 5; ++k) {
        a[r][k] -= f * a[c][k];
        inverse[r][k] -= f * inverse[c][k];
      }
    }
  }
  return inverse[4];
}

/// The largest distances from y_i and from the centre c to a vertex of the cell.
struct Radii {
  double about_y;
  double about_c;
};

/// The radii of a cell about y and c, in one pass over its vertices.
template <class Cell>
Radii radii_of(const Cell& cell, const Point3& y, const Point3& c) {
  double y2 = 0.0;
  double c2 = 0.0;
  cell.every_vertex([&](const Point3& v) {
    y2 = std::max(y2, squared_distance(v, y));
    c2 = std::max(c2, squared_distance(v, c));
    return true;
  });
  return {std::sqrt(y2), std::sqrt(c2)};
}

/// The centre of the bounding box of a cell's vertices (within a factor sqrt(d) of the smallest radius about a point).
template <class Cell>
Point3 box_centre(const Cell& cell) {
  Point3 lo{}, hi{};
  bool first = true;
  cell.every_vertex([&](const Point3& v) {
    for (std::size_t a = 0; a < 3; ++a) {
      lo[a] = first ? v[a] : std::min(lo[a], v[a]);
      hi[a] = first ? v[a] : std::max(hi[a], v[a]);
    }
    first = false;
    return true;
  });
  return {0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), 0.5 * (lo[2] + hi[2])};
}

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
  Point3 centre() const { return box_centre(*this); }
  Radii radii(const Point3& y, const Point3& c) const { return radii_of(*this, y, c); }
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
  Point3 centre() const { return box_centre(*this); }
  Radii radii(const Point3& y, const Point3& c) const { return radii_of(*this, y, c); }
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
  double scale_ = 0.0;  // the largest |x| over the domain: the coordinates' magnitude in the pruning margins
  std::vector<Point3> seeds_;
  // The k-d tree, in depth-first order (the root first), over the seeds in tree order.
  std::vector<Node> nodes_;
  std::vector<NodeFit> fits_;            // per node
  std::vector<std::size_t> sorted_ids_;  // the seeds' indices in tree order
  std::vector<std::size_t> guides_;      // per position, the smallest node holding it that fits its own curvature
  // The grid G of buckets over the domain and the seeds, at most kGridMargin domain widths beyond the domain.
  Point3 grid_lo_{};
  Point3 grid_hi_{};
  Point3 step_{1.0, 1.0, 1.0};
  double min_step_ = 1.0;  // the smallest step over the used axes
  std::array<int, 3> cells_{1, 1, 1};
  std::vector<std::size_t> bucket_start_;  // bucket b holds the positions bucket_start_[b] .. bucket_start_[b + 1] - 1
  std::vector<std::size_t> gridded_ids_;   // in bucket order, the seeds' indices
  std::vector<std::size_t> gridded_slot_;  // gridded_slot_[i]: the position of seed i in bucket order
  std::vector<std::array<int, 3>> bucket_at_;  // per position in tree order, the grid coordinates of its bucket
  ConvexCell box_;
  // Reused by for_each_cell.
  mutable ConvexCell cell_;
  mutable detail::PolygonRing ring_;
  mutable std::vector<WeightedPoint> sorted_;   // the seeds and the current weights in tree order
  mutable std::vector<WeightedPoint> gridded_;  // the same in bucket order
  mutable std::vector<WeightBound> bounds_;    // per node, for the current weights
  mutable std::vector<double> sums_;        // per node, 5 moments of the weights (add_moments)
  mutable std::vector<double> curvatures_;  // per node, the curvature its parent passes on
  mutable std::vector<Point3> expected_;    // per seed, where its cell should lie (fit_bounds)
  mutable std::vector<Candidate> candidates_;
  mutable std::vector<std::size_t> stack_;

  Impl(int d, std::span<const double> coordinates, const Box& box_domain);
  void check_distinct() const;
  void build_tree();
  std::size_t build_node(std::vector<Labelled>& order, std::size_t begin, std::size_t end);
  void add_shape(std::size_t k, std::vector<Shape>& shapes);
  void fit_node(std::size_t k, const Shape& shape);
  void build_grid();
  std::array<int, 3> bucket_of(const Point3& x) const;
  std::size_t bucket_index(int bx, int by, int bz) const {
    return (static_cast<std::size_t>(bz) * static_cast<std::size_t>(cells_[1]) + static_cast<std::size_t>(by)) *
               static_cast<std::size_t>(cells_[0]) +
           static_cast<std::size_t>(bx);
  }
  /// P(x): x with its coordinates clamped to the grid.
  Point3 project(const Point3& x) const {
    Point3 p = x;
    for (int k = 0; k < dimension_; ++k) p[k] = std::clamp(x[k], grid_lo_[k], grid_hi_[k]);
    return p;
  }
  void fit_bounds(std::span<const double> weights) const;
  void add_moments(std::size_t k, double reference) const;
  void fit_bound(std::size_t k) const;
  template <class Cell>
  void build_cell(Cell& cut, std::size_t i, double wi, double w_max) const;
  // The first stage: rings of buckets.
  void gather_ring(const Query& query, int r, double radius, double reach) const;
  template <class Cell>
  bool cut_by_candidates(Cell& cut, const Query& query, Radii& radii) const;
  template <class Cell>
  bool rings_suffice(const Cell& cut, const Point3& y, const std::array<int, 3>& home, int r, double spread) const;
  // The second stage: the tree.
  template <class Cell>
  void search_tree(Cell& cut, Query& query) const;
  bool in_rings(const std::array<int, 3>& b, const Query& query) const;
  void set_rings(Query& query, int r) const;
  int pieces(const Node& node, const Query& query, std::array<Piece, 6>& out) const;
  double node_key(std::size_t k, const Query& query, const std::array<Piece, 6>& piece, int count) const;
  template <class Cell>
  bool vertices_skip(const Cell& cut, std::size_t k, const Query& query, const std::array<Piece, 6>& piece,
                     int count) const;
  double seed_key(std::size_t p, const Query& query, double limit) const;
  template <class Cell>
  bool cut_by_seed(Cell& cut, const WeightedPoint& seed, std::size_t id, const Query& query) const;
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
  double scale2 = 0.0;
  for (int k = 0; k < d; ++k) {
    const double largest = std::max(std::abs(domain_.lo[k]), std::abs(domain_.hi[k]));
    length = std::max(length, largest);
    scale2 += largest * largest;
    diameter2 += (domain_.hi[k] - domain_.lo[k]) * (domain_.hi[k] - domain_.lo[k]);
  }
  tolerance_ = (d == 1 ? kRelativeTolerance1D : kRelativeTolerance) * std::max(length, std::sqrt(diameter2));
  scale_ = std::sqrt(scale2);
  build_tree();
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

void PowerDiagram::Impl::build_tree() {
  const std::size_t n = seeds_.size();
  std::vector<Labelled> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = {seeds_[i], i};
  nodes_.clear();
  nodes_.reserve(2 * n / (kLeafSize / 2) + 1);  // leaves hold at least kLeafSize / 2 seeds
  build_node(order, 0, n);
  sorted_.resize(n);
  sorted_ids_.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    sorted_[p] = {order[p].x, 0.0};
    sorted_ids_[p] = order[p].id;
  }
  std::vector<Shape> shapes(nodes_.size());
  for (std::size_t k = nodes_.size(); k-- > 0;) add_shape(k, shapes);
  fits_.resize(nodes_.size());
  for (std::size_t k = 0; k < nodes_.size(); ++k) fit_node(k, shapes[k]);
  std::vector<std::size_t> guide(nodes_.size(), 0);  // per node, the smallest curved node holding it
  guides_.resize(n);
  for (std::size_t k = 0; k < nodes_.size(); ++k) {  // parents first
    if (fits_[k].curved) guide[k] = k;
    if (nodes_[k].second != 0) {
      guide[k + 1] = guide[nodes_[k].second] = guide[k];
    } else {
      std::fill(guides_.begin() + static_cast<std::ptrdiff_t>(nodes_[k].begin),
                guides_.begin() + static_cast<std::ptrdiff_t>(nodes_[k].end), guide[k]);
    }
  }
  bounds_.resize(nodes_.size());
  sums_.resize(5 * nodes_.size());
  curvatures_.resize(nodes_.size());
  expected_.resize(n);
}

/// Appends the subtree of the seeds order[begin .. end - 1] (reordering them) and returns its root: a leaf for at most
/// kLeafSize seeds, else two halves split at the median of the axis along which the seeds spread most.
std::size_t PowerDiagram::Impl::build_node(std::vector<Labelled>& order, std::size_t begin, std::size_t end) {
  const std::size_t k = nodes_.size();
  Node node;
  node.begin = begin;
  node.end = end;
  node.lo = node.hi = order[begin].x;
  for (std::size_t p = begin + 1; p < end; ++p) {
    for (std::size_t a = 0; a < 3; ++a) {
      node.lo[a] = std::min(node.lo[a], order[p].x[a]);
      node.hi[a] = std::max(node.hi[a], order[p].x[a]);
    }
  }
  nodes_.push_back(node);
  if (end - begin <= kLeafSize) return k;
  std::size_t axis = 0;
  for (std::size_t a = 1; a < 3; ++a)
    if (node.hi[a] - node.lo[a] > node.hi[axis] - node.lo[axis]) axis = a;
  const std::size_t mid = begin + (end - begin) / 2;
  std::nth_element(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(mid),
                   order.begin() + static_cast<std::ptrdiff_t>(end),
                   [axis](const Labelled& a, const Labelled& b) { return a.x[axis] < b.x[axis]; });
  build_node(order, begin, mid);
  const std::size_t second = build_node(order, mid, end);
  nodes_[k].second = second;
  return k;
}

/// The centroid of node k's seeds and the moments of u_j = y_j - o about it: from the seeds for a leaf (sorted_ in tree
/// order), else from its children's by shifting them to o. Children first.
void PowerDiagram::Impl::add_shape(std::size_t k, std::vector<Shape>& shapes) {
  Node& node = nodes_[k];
  Shape& shape = shapes[k];
  shape = {};
  if (node.second == 0) {
    for (std::size_t p = node.begin; p < node.end; ++p)
      for (std::size_t a = 0; a < 3; ++a) node.centre[a] += sorted_[p].x[a];
    for (double& c : node.centre) c /= static_cast<double>(node.end - node.begin);
    for (std::size_t p = node.begin; p < node.end; ++p) {
      const Point3& x = sorted_[p].x;
      shape.add({x[0] - node.centre[0], x[1] - node.centre[1], x[2] - node.centre[2]}, 1.0, {}, 0.0, {});
    }
    return;
  }
  const std::size_t first = k + 1;
  const double n1 = shapes[first].count;
  const double n2 = shapes[node.second].count;
  for (std::size_t a = 0; a < 3; ++a)
    node.centre[a] = (n1 * nodes_[first].centre[a] + n2 * nodes_[node.second].centre[a]) / (n1 + n2);
  for (const std::size_t c : {first, node.second}) {
    const Shape& child = shapes[c];
    shape.add({nodes_[c].centre[0] - node.centre[0], nodes_[c].centre[1] - node.centre[1],
               nodes_[c].centre[2] - node.centre[2]},
              child.count, child.scatter, child.fourth, child.third);
  }
}

/// What fitting node k's weights needs (NodeFit), from the moments of its seeds.
void PowerDiagram::Impl::fit_node(std::size_t k, const Shape& shape) {
  const Node& node = nodes_[k];
  NodeFit& fit = fits_[k];
  fit = {ridge_inverse(shape.scatter, dimension_), shape.third, {}, false, {}};
  for (std::size_t a = 0; a < 3; ++a)
    fit.extent[a] = std::max(node.hi[a] - node.centre[a], node.centre[a] - node.lo[a]);
  if (node.end - node.begin < kCurvatureSeeds) return;
  // The normal matrix of the fit in the basis (1, u_x, u_y, u_z, |u|^2) (sum_j u_j = 0).
  const auto& s = shape.scatter;
  const double trace = s[0] + s[3] + s[5];
  const std::array<std::array<double, 5>, 5> normal{{{shape.count, 0.0, 0.0, 0.0, trace},
                                                     {0.0, s[0], s[1], s[2], shape.third[0]},
                                                     {0.0, s[1], s[3], s[4], shape.third[1]},
                                                     {0.0, s[2], s[4], s[5], shape.third[2]},
                                                     {trace, shape.third[0], shape.third[1], shape.third[2],
                                                      shape.fourth}}};
  fit.curved = true;
  fit.curvature_row = last_inverse_row(normal);
}

/// Fits every node's weight bound to the weights in sorted_: the moments children before parents, then the bounds
/// parents before children (a node too small for its own curvature takes its parent's); then where each cell should
/// lie.
void PowerDiagram::Impl::fit_bounds(std::span<const double> weights) const {
  // Moments of w - reference, so that a common offset of the weights does not swamp their variation.
  const double reference = std::accumulate(weights.begin(), weights.end(), 0.0) / static_cast<double>(weights.size());
  for (std::size_t k = nodes_.size(); k-- > 0;) add_moments(k, reference);
  curvatures_[0] = 0.0;
  for (std::size_t k = 0; k < nodes_.size(); ++k) fit_bound(k);
  // Where each cell should lie: y - grad w(y) / 2, with the gradient of the fit of the smallest node about y that fits
  // its own curvature, g + 2 k (y - o).
  for (std::size_t p = 0; p < sorted_.size(); ++p) {
    const Point3& y = sorted_[p].x;
    const WeightBound& fit = bounds_[guides_[p]];
    const Point3& o = nodes_[guides_[p]].centre;
    Point3& c = expected_[sorted_ids_[p]];
    for (std::size_t a = 0; a < 3; ++a) c[a] = y[a] - 0.5 * fit.slope[a] - (1.0 - fit.lambda) * (y[a] - o[a]);
  }
}

/// Node k's moments sum_j (w_j - reference) (1, u_j, |u_j|^2), u_j = y_j - o, from its seeds or its children's.
void PowerDiagram::Impl::add_moments(std::size_t k, double reference) const {
  const Node& node = nodes_[k];
  double* m = &sums_[5 * k];
  std::fill(m, m + 5, 0.0);
  if (node.second == 0) {
    for (std::size_t p = node.begin; p < node.end; ++p) {
      const double dw = sorted_[p].w - reference;
      const Point3 u{sorted_[p].x[0] - node.centre[0], sorted_[p].x[1] - node.centre[1],
                     sorted_[p].x[2] - node.centre[2]};
      m[0] += dw;
      for (std::size_t a = 0; a < 3; ++a) m[a + 1] += dw * u[a];
      m[4] += dw * (u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
    }
    return;
  }
  for (const std::size_t c : {k + 1, node.second}) {  // u = u_c + shift with shift = o_c - o
    const double* mc = &sums_[5 * c];
    const Point3 shift{nodes_[c].centre[0] - node.centre[0], nodes_[c].centre[1] - node.centre[1],
                       nodes_[c].centre[2] - node.centre[2]};
    m[0] += mc[0];
    for (std::size_t a = 0; a < 3; ++a) m[a + 1] += mc[a + 1] + shift[a] * mc[0];
    m[4] += mc[4] + 2.0 * (shift[0] * mc[1] + shift[1] * mc[2] + shift[2] * mc[3]) +
            (shift[0] * shift[0] + shift[1] * shift[1] + shift[2] * shift[2]) * mc[0];
  }
}

/// Node k's bound w_j <= A + g.u_j + k |u_j|^2, u_j = y_j - o: the curvature k of the least-squares fit of its weights
/// by w_0 + g.u + k |u|^2 (or its parent's, for a small node), clamped to [kMinCurvature, kMaxCurvature]; the slope g
/// the least-squares gradient of w_j - k |u_j|^2, (S + ridge I)^-1 sum_j (w_j - reference - k |u_j|^2) u_j; and A the
/// largest w_j - g.u_j - k |u_j|^2, with its rounding margin. Passes k on to its children.
void PowerDiagram::Impl::fit_bound(std::size_t k) const {
  const Node& node = nodes_[k];
  const NodeFit& fit = fits_[k];
  const double* m = &sums_[5 * k];
  double curvature = curvatures_[k];
  if (fit.curved) {
    const auto& row = fit.curvature_row;
    const double fitted = row[0] * m[0] + row[1] * m[1] + row[2] * m[2] + row[3] * m[3] + row[4] * m[4];
    curvature = std::isfinite(fitted) ? std::clamp(fitted, kMinCurvature, kMaxCurvature) : 0.0;
  }
  if (node.second != 0) curvatures_[k + 1] = curvatures_[node.second] = curvature;
  const auto& s = fit.inverse;
  const Point3 r{m[1] - curvature * fit.third[0], m[2] - curvature * fit.third[1], m[3] - curvature * fit.third[2]};
  const Point3 g{s[0] * r[0] + s[1] * r[1] + s[2] * r[2], s[1] * r[0] + s[3] * r[1] + s[4] * r[2],
                 s[2] * r[0] + s[4] * r[1] + s[5] * r[2]};
  double top = -std::numeric_limits<double>::infinity();
  double largest = 0.0;  // max_j |w_j|
  for (std::size_t p = node.begin; p < node.end; ++p) {
    const Point3& x = sorted_[p].x;
    const Point3 u{x[0] - node.centre[0], x[1] - node.centre[1], x[2] - node.centre[2]};
    const double w = sorted_[p].w;
    top = std::max(top, w - (g[0] * u[0] + g[1] * u[1] + g[2] * u[2]) - curvature * (u[0] * u[0] + u[1] * u[1] +
                                                                                      u[2] * u[2]));
    largest = std::max(largest, std::abs(w));
  }
  const Point3& e = fit.extent;
  const double tilt = std::abs(g[0]) * e[0] + std::abs(g[1]) * e[1] + std::abs(g[2]) * e[2];  // max |g.u_j|
  const double bend = std::abs(curvature) * (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);        // max |k| |u_j|^2
  const double lambda = 1.0 - curvature;
  const double norm = std::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
  const double reach = scale_ + std::sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]) + norm;
  bounds_[k] = {g, lambda, top + kPruneSlack * (std::abs(top) + largest + tilt + bend + reach * reach / lambda)};
}

/// The grid G over the domain and the seeds (seeds beyond it are filed at its edge), and the seeds' positions in tree
/// order bucket by bucket.
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
  min_step_ = std::numeric_limits<double>::infinity();
  for (int k = 0; k < dimension_; ++k) {
    const double extent = grid_hi_[k] - grid_lo_[k];
    cells_[static_cast<std::size_t>(k)] =
        static_cast<int>(std::clamp(std::ceil(extent / side), 1.0, std::min(buckets, double{1 << 20})));
    step_[k] = extent / cells_[static_cast<std::size_t>(k)];
    min_step_ = std::min(min_step_, step_[k]);
  }
  const std::size_t count = static_cast<std::size_t>(cells_[0]) * static_cast<std::size_t>(cells_[1]) *
                            static_cast<std::size_t>(cells_[2]);
  bucket_start_.assign(count + 1, 0);
  bucket_at_.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    bucket_at_[p] = bucket_of(sorted_[p].x);
    ++bucket_start_[bucket_index(bucket_at_[p][0], bucket_at_[p][1], bucket_at_[p][2]) + 1];
  }
  std::partial_sum(bucket_start_.begin(), bucket_start_.end(), bucket_start_.begin());
  std::vector<std::size_t> fill(bucket_start_.begin(), bucket_start_.end() - 1);
  gridded_.resize(n);
  gridded_ids_.resize(n);
  gridded_slot_.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    const std::size_t m = fill[bucket_index(bucket_at_[p][0], bucket_at_[p][1], bucket_at_[p][2])]++;
    gridded_[m] = sorted_[p];
    gridded_ids_[m] = sorted_ids_[p];
    gridded_slot_[sorted_ids_[p]] = m;
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

/// Collects the seeds of the buckets at Chebyshev distance exactly r from home whose bisector lies closer to the centre
/// c (query.centre) than `radius`, the cell's radius about c, skipping whole buckets farther from P(y_i) than `reach` =
/// R_i + sqrt(R_i^2 + Delta_i); sorts them by the distance of their bisector from c.
void PowerDiagram::Impl::gather_ring(const Query& query, int r, double radius, double reach) const {
  candidates_.clear();
  const Point3& y = query.y;
  const Point3 shift{2.0 * (query.centre[0] - y[0]), 2.0 * (query.centre[1] - y[1]), 2.0 * (query.centre[2] - y[2])};
  const std::array<int, 3>& home = query.home;
  const Point3 projected = project(y);
  const double reach2 = reach * reach;
  const double four_r2 = 4.0 * radius * radius;
  const auto gap = [&](int axis, int b) {  // distance from P(y_i) to the bucket's slab along the axis
    const double lo = grid_lo_[axis] + b * step_[axis];
    return std::max({0.0, lo - projected[axis], projected[axis] - lo - step_[axis]});
  };
  const auto visit_bucket = [&](int bx, int by, int bz, double gap2_xy) {
    const double gz = gap(2, bz);
    if (gap2_xy + gz * gz >= reach2) return;
    const std::size_t b = bucket_index(bx, by, bz);
    for (std::size_t m = bucket_start_[b]; m < bucket_start_[b + 1]; ++m) {
      // h_c = a / (2 |d|) < radius with a = |d|^2 - w_ij - 2 d.(c - y_i), tested without a square root first.
      const Point3& x = gridded_[m].x;
      const Point3 d{x[0] - y[0], x[1] - y[1], x[2] - y[2]};
      const double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      const double a = d2 - (gridded_[m].w - query.wi) - (d[0] * shift[0] + d[1] * shift[1] + d[2] * shift[2]);
      if ((a > 0.0 && a * a >= four_r2 * d2) || m == query.gridded_self) continue;
      candidates_.push_back({a / (2.0 * std::sqrt(d2)), m});
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

/// Cuts the cell by the gathered candidates, nearest bisector first, while their bisector lies closer to the centre c
/// than the cell's radius about c; keeps the radii up to date; false once the cell is empty.
template <class Cell>
bool PowerDiagram::Impl::cut_by_candidates(Cell& cut, const Query& query, Radii& radii) const {
  for (const Candidate& candidate : candidates_) {
    if (candidate.h >= radii.about_c) break;
    if (!cut_by_seed(cut, gridded_[candidate.index], gridded_ids_[candidate.index], query)) continue;
    if (cut.empty()) return false;
    radii = cut.radii(query.y, query.centre);
  }
  return true;
}

/// The global stopping rule (top of the file): whether no seed filed beyond the rings 0..r around `home` can cut the
/// cell, whatever its weight up to the largest.
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

/// Records that the first stage visited the rings 0..r, and the faces of their box with buckets beyond, moved out by
/// kFaceMargin steps so that a seed filed beyond them lies beyond the face even if its bucket was rounded up.
void PowerDiagram::Impl::set_rings(Query& query, int r) const {
  query.rings = r;
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  for (std::size_t a = 0; a < 3; ++a) {
    const int low = query.home[a] - r;
    const int high = query.home[a] + r + 1;
    const double margin = kFaceMargin * (std::abs(grid_lo_[a]) + std::abs(grid_hi_[a]));
    query.below[a] = low > 0 ? grid_lo_[a] + low * step_[a] + margin : -kInfinity;
    query.above[a] = high < cells_[a] ? grid_lo_[a] + high * step_[a] - margin : kInfinity;
  }
}

/// Whether the bucket b lies in the rings the first stage visited.
bool PowerDiagram::Impl::in_rings(const std::array<int, 3>& b, const Query& query) const {
  return std::abs(b[0] - query.home[0]) <= query.rings && std::abs(b[1] - query.home[1]) <= query.rings &&
         std::abs(b[2] - query.home[2]) <= query.rings;
}

/// The pieces of node k's box that hold its seeds beyond the first stage's rings: the box itself if it lies beyond
/// them, else its parts beyond each face of the rings' box (none if it lies within). Returns their number.
int PowerDiagram::Impl::pieces(const Node& node, const Query& query, std::array<Piece, 6>& out) const {
  for (std::size_t a = 0; a < 3; ++a) {
    if (node.hi[a] <= query.below[a] || node.lo[a] >= query.above[a]) {
      out[0] = {node.lo, node.hi};
      return 1;
    }
  }
  int count = 0;
  for (std::size_t a = 0; a < 3; ++a) {
    if (node.lo[a] <= query.below[a]) {
      out[static_cast<std::size_t>(count)] = {node.lo, node.hi};
      out[static_cast<std::size_t>(count++)].hi[a] = query.below[a];
    }
    if (node.hi[a] >= query.above[a]) {
      out[static_cast<std::size_t>(count)] = {node.lo, node.hi};
      out[static_cast<std::size_t>(count++)].lo[a] = query.above[a];
    }
  }
  return count;
}

/// A lower bound, over the seeds j of node k beyond the rings (in the given pieces), of the distance from the centre c
/// of the search to j's bisector: the largest t for which one of the ball tests on B(c, t) passes for every piece
/// (top of the file), or -infinity if there is none.
double PowerDiagram::Impl::node_key(std::size_t k, const Query& query, const std::array<Piece, 6>& piece,
                                    int count) const {
  const Node& node = nodes_[k];
  const WeightBound& bound = bounds_[k];
  const Point3& g = bound.slope;
  const double lambda = bound.lambda;
  const Point3& o = node.centre;
  const Point3& c = query.centre;
  const Point3& y = query.y;
  const double inverse = 0.5 / lambda;
  const Point3 m{(2.0 * (c[0] - o[0]) + g[0]) * inverse, (2.0 * (c[1] - o[1]) + g[1]) * inverse,
                 (2.0 * (c[2] - o[2]) + g[2]) * inverse};  // m(c) = (2 (c - o) + g) / (2 lambda)
  const Point3 q{o[0] + m[0], o[1] + m[1], o[2] + m[2]};
  const Point3 offcentre{y[0] - o[0] - m[0], y[1] - o[1] - m[1], y[2] - o[2] - m[2]};  // y_i - o - m(c)
  const double m2 = m[0] * m[0] + m[1] * m[1] + m[2] * m[2];
  const double co2 = squared_distance(c, o);
  const double cy2 = squared_distance(c, y);
  const double offcentre_norm =
      std::sqrt(offcentre[0] * offcentre[0] + offcentre[1] * offcentre[1] + offcentre[2] * offcentre[2]);
  const double rest = (1.0 - kPruneSlack) * co2 - (1.0 + kPruneSlack) * (lambda * m2 + cy2) -
                      (bound.level - query.low_wi);
  const double curve = 1.0 / lambda + 8.0 * kPruneSlack;
  double key = std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < static_cast<std::size_t>(count); ++s) {
    Point3 away{};  // q - (the point of the piece nearest q)
    for (std::size_t a = 0; a < 3; ++a) away[a] = q[a] - std::clamp(q[a], piece[s].lo[a], piece[s].hi[a]);
    const double d2 = away[0] * away[0] + away[1] * away[1] + away[2] * away[2];
    const double at_centre = (1.0 - kPruneSlack) * lambda * d2 + rest;  // F(c) with the margins
    if (!(at_centre > 0.0)) return -std::numeric_limits<double>::infinity();
    // Margins of the slopes: 8 s times a bound of the lengths in play.
    const double margin = 8.0 * kPruneSlack * std::sqrt(d2 + m2 + co2 + cy2) * (2.0 + lambda);
    // Taylor test: F(c + u) >= F(c) - |grad F(c)| |u| - (1 / lambda + 8 s) |u|^2, with
    // grad F(c) / 2 = (q - pi(q)) + (y_i - o - m(c)).
    const Point3 gradient{away[0] + offcentre[0], away[1] + offcentre[1], away[2] + offcentre[2]};
    const double slope =
        2.0 * std::sqrt(gradient[0] * gradient[0] + gradient[1] * gradient[1] + gradient[2] * gradient[2]) + margin;
    const double taylor = 2.0 * at_centre / (slope + std::sqrt(slope * slope + 4.0 * curve * at_centre));
    // Ball test: dist(q(c + u), piece) >= D - |u| / lambda with D = dist(q(c), piece), so for |u| <= lambda D the
    // bound is linear, F(c) - t (2 D + 2 |y_i - o - m(c)|).
    const double distance = std::sqrt(d2);
    const double ball = std::min(lambda * distance, at_centre / (2.0 * distance + 2.0 * offcentre_norm + margin));
    key = std::min(key, std::max(taylor, ball));
  }
  return key;
}

/// The pruning rule's test at the vertices (top of the file): whether no seed of node k beyond the rings (in the
/// given pieces) can cut the cell.
template <class Cell>
bool PowerDiagram::Impl::vertices_skip(const Cell& cut, std::size_t k, const Query& query,
                                       const std::array<Piece, 6>& piece, int count) const {
  const Node& node = nodes_[k];
  const WeightBound& bound = bounds_[k];
  const Point3& g = bound.slope;
  const double lambda = bound.lambda;
  const double inverse = 0.5 / lambda;
  const Point3& o = node.centre;
  const double base = bound.level - query.low_wi;  // F(v) > 0 is value(v) > base
  return cut.every_vertex([&](const Point3& v) {
    // m(v) = (2 (v - o) + g) / (2 lambda) and q = o + m(v); F(v) uses the piece nearest q.
    const Point3 m{(2.0 * (v[0] - o[0]) + g[0]) * inverse, (2.0 * (v[1] - o[1]) + g[1]) * inverse,
                   (2.0 * (v[2] - o[2]) + g[2]) * inverse};
    const Point3 q{o[0] + m[0], o[1] + m[1], o[2] + m[2]};
    double d2 = std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < static_cast<std::size_t>(count); ++s) d2 = std::min(d2, piece_distance2(piece[s], q));
    const double value = (1.0 - kPruneSlack) * (lambda * d2 + squared_distance(v, o)) -
                         (1.0 + kPruneSlack) * (lambda * (m[0] * m[0] + m[1] * m[1] + m[2] * m[2]) +
                                                squared_distance(v, query.y));
    return value > base;
  });
}

/// The distance from the centre c of the search to the bisector of seed i with the seed at position p,
/// (|d|^2 - w_ij - 2 d.(c - y_i)) / (2 |d|) with d = y_j - y_i, if it is below `limit` (else `limit`, found without a
/// square root).
double PowerDiagram::Impl::seed_key(std::size_t p, const Query& query, double limit) const {
  const Point3& x = sorted_[p].x;
  const Point3& y = query.y;
  const Point3& c = query.centre;
  const Point3 d{x[0] - y[0], x[1] - y[1], x[2] - y[2]};
  const double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  const double a =
      d2 - (sorted_[p].w - query.wi) - 2.0 * (d[0] * (c[0] - y[0]) + d[1] * (c[1] - y[1]) + d[2] * (c[2] - y[2]));
  if (a > 0.0 && a * a >= 4.0 * limit * limit * d2) return limit;
  return a / (2.0 * std::sqrt(d2));
}

/// Cuts the cell by the bisector with the seed at x (of index id); whether anything was cut off.
template <class Cell>
bool PowerDiagram::Impl::cut_by_seed(Cell& cut, const WeightedPoint& seed, std::size_t id, const Query& query) const {
  const Point3& y = query.y;
  const Point3& yj = seed.x;
  const double d2 = squared_distance(yj, y);
  const double length = std::sqrt(d2);
  const Point3 n{(yj[0] - y[0]) / length, (yj[1] - y[1]) / length, (yj[2] - y[2]) / length};
  const double offset = n[0] * y[0] + n[1] * y[1] + n[2] * y[2] + (d2 - (seed.w - query.wi)) / (2.0 * length);
  // Most bisectors near the cell still miss it; find out without the bookkeeping of a cut.
  if (!cut.reaches_beyond(n, offset, tolerance_)) return false;
  return cut.cut(n, offset, static_cast<int>(id), tolerance_);
}

/// The second stage (top of the file): depth first over the tree, nearer child first, skipping the nodes and seeds of
/// the first stage's rings and every other node whose key (a lower bound of the distance of its seeds' bisectors from
/// a centre c) is at least the cell's radius about c, or that the test at the cell's vertices rules out; the seeds
/// of the leaves left are cut by, those whose bisector passes closer to c than that radius. c is the centre of the
/// cell's box, moved there again whenever the cell's radius about its centre drops below kRecentre times its radius
/// about c.
template <class Cell>
void PowerDiagram::Impl::search_tree(Cell& cut, Query& query) const {
  query.centre = cut.centre();
  double radius = cut.radius(query.centre);
  stack_.assign(1, 0);
  while (!stack_.empty()) {
    const std::size_t k = stack_.back();
    stack_.pop_back();
    const Node& node = nodes_[k];
    std::array<Piece, 6> piece;
    const int count = pieces(node, query, piece);
    if (count == 0 || node_key(k, query, piece, count) >= radius || vertices_skip(cut, k, query, piece, count))
      continue;
    if (node.second != 0) {
      const bool second_nearer =
          box_distance2(nodes_[node.second], query.centre) < box_distance2(nodes_[k + 1], query.centre);
      stack_.push_back(second_nearer ? k + 1 : node.second);
      stack_.push_back(second_nearer ? node.second : k + 1);
      continue;
    }
    for (std::size_t p = node.begin; p < node.end; ++p) {
      if (in_rings(bucket_at_[p], query) || seed_key(p, query, radius) >= radius) continue;  // seed i in the rings
      if (!cut_by_seed(cut, sorted_[p], sorted_ids_[p], query)) continue;
      if (cut.empty()) return;
      radius = cut.radius(query.centre);
      const Point3 c = cut.centre();
      const double own_radius = cut.radius(c);
      if (own_radius < kRecentre * radius) {
        query.centre = c;
        radius = own_radius;
      }
    }
  }
}

/// Builds the cell of seed i in `cut` (reset to the box first): the first stage's rings until the global stopping rule
/// holds (then done), or until the cell is no wider than the rings, then the second stage.
template <class Cell>
void PowerDiagram::Impl::build_cell(Cell& cut, std::size_t i, double wi, double w_max) const {
  cut.reset();
  const Point3& y = seeds_[i];
  const double spread = w_max - wi;
  const double magnitude = square(scale_ + std::sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]));
  Query query{gridded_slot_[i], y, wi, wi - kPruneSlack * (std::abs(wi) + magnitude)};
  query.home = bucket_of(y);
  query.centre = expected_[i];  // cut in order of the bisectors' distance from where the cell should lie
  Radii radii = cut.radii(y, query.centre);
  for (int r = 0;; ++r) {
    gather_ring(query, r, radii.about_c, radii.about_y + std::sqrt(radii.about_y * radii.about_y + spread));
    if (!cut_by_candidates(cut, query, radii)) return;
    if (rings_suffice(cut, y, query.home, r, spread)) return;
    set_rings(query, r);
    if (r >= kMaxRings) break;
    // More rings while the global rule is about to hold or the cell is wider than the rings, and at least
    // kTreeRings, so that the tree's seeds lie a few cells away.
    const double reach = radii.about_y + std::sqrt(radii.about_y * radii.about_y + spread);
    if (r >= kTreeRings && reach > (kMaxRings + 1) * min_step_ && cut.radius(cut.centre()) <= r * min_step_) break;
  }
  search_tree(cut, query);
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
  for (std::size_t p = 0; p < n; ++p) m.gridded_[p].w = weights[m.gridded_ids_[p]];
  m.fit_bounds(weights);
  const auto sweep = [&](auto& cut) {
    for (std::size_t i = 0; i < n; ++i) {
      m.build_cell(cut, i, weights[i], w_max);
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
