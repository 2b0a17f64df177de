// Invariants every ConvexCell must satisfy (convex_cell.hpp), shared by the tests of convex cells and of power
// diagrams: unit normals, facet vertices on their planes and every vertex inside every facet's half-space, facet
// orientation (the vertex loop's right-hand normal is the outward normal), a closed boundary (each 3D edge walked once
// each way, each 2D vertex starting and ending one edge), simple facet loops, no duplicate or unused vertices, and the
// divergence theorem twice: sum over facets of |f| n_f = 0 and sum of |f| c_f = d |C| (the flux of the field x).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <utility>
#include <vector>

#include "blobflow/analysis/convex_cell.hpp"

namespace blobflow::analysis::testing {

inline double dot3(const Point3& a, const Point3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline Point3 minus3(const Point3& a, const Point3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
inline Point3 cross3(const Point3& a, const Point3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

/// The loop's area vector (3D: half the sum of fan cross products; its direction is the right-hand normal).
inline Point3 area_vector(const ConvexCell& cell, const ConvexCell::Facet& facet) {
  Point3 sum{};
  const auto& loop = facet.vertices;
  const Point3& p = cell.vertices[static_cast<std::size_t>(loop[0])];
  for (std::size_t k = 1; k + 1 < loop.size(); ++k) {
    const Point3 t = cross3(minus3(cell.vertices[static_cast<std::size_t>(loop[k])], p),
                            minus3(cell.vertices[static_cast<std::size_t>(loop[k + 1])], p));
    for (int j = 0; j < 3; ++j) sum[j] += 0.5 * t[j];
  }
  return sum;
}

/// Checks the invariants with `tolerance` (the clip tolerance, absolute, in length units) and `scale` (a length of the
/// cell: measures compare with scale^(d-1) or scale^d).
inline void expect_valid_cell(const ConvexCell& cell, double tolerance, double scale) {
  // A vertex within the tolerance of a cut stays where it is, and on-plane points within the tolerance of each other
  // merge, so a vertex may lie up to two tolerances off its facets' planes (plus round-off).
  const double off_plane = 2.0 * tolerance + 1e-15 * (scale + 1.0);
  const int d = cell.dimension;
  if (cell.empty()) {
    EXPECT_TRUE(cell.vertices.empty());
    return;
  }
  std::vector<int> uses(cell.vertices.size(), 0);
  Point3 flux{};
  double offset_flux = 0.0;
  std::map<std::pair<int, int>, int> edges;  // directed edge -> count
  std::vector<int> starts(cell.vertices.size(), 0);
  std::vector<int> ends(cell.vertices.size(), 0);
  for (const auto& facet : cell.facets) {
    EXPECT_NEAR(std::sqrt(dot3(facet.normal, facet.normal)), 1.0, 1e-14);
    ASSERT_EQ(facet.vertices.size() >= 3, d == 3);
    if (d < 3) {
      ASSERT_EQ(facet.vertices.size(), static_cast<std::size_t>(d == 1 ? 1 : 2));
    }
    for (int v : facet.vertices) {
      ASSERT_GE(v, 0);
      ASSERT_LT(static_cast<std::size_t>(v), cell.vertices.size());
      ++uses[static_cast<std::size_t>(v)];
      EXPECT_NEAR(dot3(facet.normal, cell.vertices[static_cast<std::size_t>(v)]), facet.offset, off_plane);
    }
    for (const Point3& x : cell.vertices) EXPECT_LE(dot3(facet.normal, x), facet.offset + off_plane);
    const double measure = facet_measure(cell, facet);
    EXPECT_GT(measure, 0.0);
    for (int j = 0; j < 3; ++j) flux[j] += measure * facet.normal[j];
    offset_flux += measure * facet.offset;
    if (d == 2) {
      const Point3 e = minus3(cell.vertices[static_cast<std::size_t>(facet.vertices[1])],
                              cell.vertices[static_cast<std::size_t>(facet.vertices[0])]);
      // The edge turned clockwise is |e| n, up to the end points' distance from the line (at most the tolerance).
      const double length = std::hypot(e[0], e[1]);
      const double slack = 2.0 * off_plane + 1e-9 * length;
      EXPECT_NEAR(e[1], length * facet.normal[0], slack) << "edge not along the counter-clockwise boundary";
      EXPECT_NEAR(-e[0], length * facet.normal[1], slack) << "edge not along the counter-clockwise boundary";
      ++starts[static_cast<std::size_t>(facet.vertices[0])];
      ++ends[static_cast<std::size_t>(facet.vertices[1])];
    }
    if (d == 3) {
      const Point3 a = area_vector(cell, facet);
      // The area vector is |f| n up to the vertices' distance from the plane (at most the tolerance) times the size.
      const double slack = 1e-9 * scale * scale + 4.0 * off_plane * scale;
      for (int j = 0; j < 3; ++j)
        EXPECT_NEAR(a[j], measure * facet.normal[j], slack) << "loop not counter-clockwise from outside";
      const auto& loop = facet.vertices;
      for (std::size_t k = 0; k < loop.size(); ++k) ++edges[{loop[k], loop[(k + 1) % loop.size()]}];
      std::vector<int> sorted = loop;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) << "a vertex twice in one loop";
    }
  }
  for (std::size_t v = 0; v < cell.vertices.size(); ++v) {
    EXPECT_GT(uses[v], 0) << "unused vertex " << v;
    if (d == 2) {
      EXPECT_EQ(starts[v], 1) << "vertex " << v;
      EXPECT_EQ(ends[v], 1) << "vertex " << v;
    }
    // A point computed twice lies within round-off of itself; distinct vertices may be closer than the tolerance
    // (a corner sticking out just beyond it is cut off by a tiny cap), but not that close.
    for (std::size_t u = 0; u < v; ++u) {
      const Point3 e = minus3(cell.vertices[u], cell.vertices[v]);
      EXPECT_GT(std::sqrt(dot3(e, e)), 1e-2 * tolerance) << "duplicate vertices " << u << " and " << v;
    }
  }
  for (const auto& [edge, count] : edges) {
    EXPECT_EQ(count, 1) << "edge " << edge.first << "->" << edge.second;
    const auto back = edges.find({edge.second, edge.first});
    EXPECT_TRUE(back != edges.end() && back->second == 1) << "edge " << edge.first << "->" << edge.second;
  }
  // Round-off, plus the facets' departure from their planes (off_plane) over the length of all edges.
  const double facet_scale = d == 1 ? 1.0 : std::pow(scale, d - 1);
  const double edge_length = d == 3 ? 2.0 * static_cast<double>(edges.size()) * scale : 1.0;
  const double flux_slack = 1e-11 * facet_scale + (d == 1 ? 0.0 : off_plane * edge_length);
  for (int j = 0; j < d; ++j) EXPECT_NEAR(flux[j], 0.0, flux_slack) << "sum |f| n_f, coordinate " << j;
  EXPECT_NEAR(offset_flux, d * cell_measure(cell), flux_slack * (scale + 1.0));
}

}  // namespace blobflow::analysis::testing
