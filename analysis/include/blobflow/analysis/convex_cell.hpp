// Intervals (d = 1), convex polygons (d = 2) and polyhedra (d = 3) described by their facets: the cells of a power (Laguerre) diagram
// restricted to a box, over which semi-discrete optimal transport integrates a law (docs/math.md §6.1). A cell starts
// as an axis-aligned box and is cut by half-spaces n.x <= c, one per neighbouring seed; each facet remembers which
// half-space made it, so the facet between cells i and j carries j in cell i and i in cell j.
#pragma once

#include <array>
#include <vector>

namespace blobflow::analysis {

using Point3 = std::array<double, 3>;  ///< a point of R^d in its first d entries; unused entries are 0

/// An axis-aligned box [lo, hi] in R^d (first d entries used).
struct Box {
  int dimension = 2;
  Point3 lo{};
  Point3 hi{};
};

/// An interval (dimension 1), a convex polygon (dimension 2) or a convex polyhedron (dimension 3).
///
/// Facets are end points in 1D (one vertex), edges in 2D and polygons in 3D. Each facet lists its vertices in order:
/// counter-clockwise seen from outside the cell (3D), or along the counter-clockwise boundary of the polygon (2D, two
/// vertices, first to second).
/// Its outward unit normal n and offset c satisfy n.x = c on the facet and n.x <= c in the cell.
/// `neighbour` is the index of the seed whose half-space made the facet, or kBoundary for a face of the box.
struct ConvexCell {
  static constexpr int kBoundary = -1;
  struct Facet {
    std::vector<int> vertices;
    Point3 normal{};
    double offset = 0.0;
    int neighbour = kBoundary;
  };
  int dimension = 2;
  std::vector<Point3> vertices;
  std::vector<Facet> facets;

  /// True when the cell has no interior (everything was cut away).
  bool empty() const { return facets.empty(); }
};

/// The cell equal to the box (2 end points in 1D, 4 edges in 2D, 6 quadrilaterals in 3D, all with neighbour
/// kBoundary). \throws std::invalid_argument unless box.dimension is 1, 2 or 3 and lo < hi in every used coordinate.
ConvexCell box_cell(const Box& box);

/// Points on a cutting plane closer than this fraction of the tolerance merge: far above round-off (the tolerance is
/// ~1e4 ulps), and a merge moves a boundary by so little that measures change by at most 1e-2 tolerance x length.
inline constexpr double kClipMergeFraction = 1e-2;

/// Cuts `cell` by the half-space normal.x <= offset (normal need not be unit; it is normalized) and returns whether
/// anything was removed. The new facet, if any, gets `neighbour`. Vertices within `tolerance` (absolute, in units of
/// length) of the plane count as on it, so nearly-coincident cuts give no sliver facets, and points on the plane
/// within kClipMergeFraction * tolerance of each other merge (round-off duplicates, such as the cut points of a sliver
/// facet's two long edges near its tip; a cut-off tip whose cap would be that short leaves no cap). An emptied cell
/// has no facets and no vertices. A zero normal keeps everything (offset >= 0) or nothing. Not thread-safe for one
/// cell; different cells may be cut on different threads. \throws std::invalid_argument for a cell dimension other
/// than 1, 2 or 3, a non-finite normal or offset, or a negative or non-finite tolerance.
bool clip(ConvexCell& cell, const Point3& normal, double offset, int neighbour, double tolerance);

/// Measure of the cell (length, area, volume) and of a facet (1 for an end point in 1D, length in 2D, area in 3D),
/// exact up to round-off.
double cell_measure(const ConvexCell& cell);
double facet_measure(const ConvexCell& cell, const ConvexCell::Facet& facet);

}  // namespace blobflow::analysis
