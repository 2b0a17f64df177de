// Internal to analysis/: the 2D cell of power_diagram.cpp while it is being cut, kept as a counter-clockwise ring of
// vertices, vertex k followed by the edge from vertex k to vertex k + 1 (its line and neighbour). Cutting a ring is one
// pass over it with no bookkeeping of shared vertices, several times faster than the general ConvexCell cut, which
// matters for the Newton solver's 10^5-cell sweeps. It follows the rules of clip (convex_cell.hpp) exactly: a vertex
// within the tolerance of the line is on it, a cut with no vertex strictly outside changes nothing, one with no
// vertex strictly inside empties the cell, and a cap shorter than kClipMergeFraction * tolerance is merged away (exit
// and entry points merge into the exit point). power_diagram tests compare every cell with the general cut.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "blobflow/analysis/convex_cell.hpp"

namespace blobflow::analysis::detail {

class PolygonRing {
 public:
  /// The ring of the box [lo, hi] (2D).
  void reset(const Box& box) {
    const double x0 = box.lo[0], y0 = box.lo[1], x1 = box.hi[0], y1 = box.hi[1];
    points_.assign({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}});
    edges_.assign({{0.0, -1.0, -y0, ConvexCell::kBoundary},
                   {1.0, 0.0, x1, ConvexCell::kBoundary},
                   {0.0, 1.0, y1, ConvexCell::kBoundary},
                   {-1.0, 0.0, -x0, ConvexCell::kBoundary}});
  }

  bool empty() const { return points_.empty(); }

  /// The largest distance from y to a vertex.
  double radius(const Point3& y) const {
    double r2 = 0.0;
    for (const Point& p : points_) {
      const double dx = p.x - y[0], dy = p.y - y[1];
      r2 = std::max(r2, dx * dx + dy * dy);
    }
    return std::sqrt(r2);
  }

  /// Cuts by n.x <= c (n unit) as clip does; returns whether anything was removed.
  bool cut(const Point3& n, double c, int neighbour, double tolerance) {
    const std::size_t m = points_.size();
    distance_.resize(m);
    bool any_in = false;
    bool any_out = false;
    for (std::size_t k = 0; k < m; ++k) {
      const double s = n[0] * points_[k].x + n[1] * points_[k].y - c;
      distance_[k] = s;
      any_in = any_in || s < -tolerance;
      any_out = any_out || s > tolerance;
    }
    if (!any_out) return false;
    if (!any_in) {
      points_.clear();
      edges_.clear();
      return true;
    }
    const Edge cap{n[0], n[1], c, neighbour};
    next_points_.clear();
    next_edges_.clear();
    std::size_t exit = m;  // position in the new ring of the vertex the cap starts from
    for (std::size_t k = 0; k < m; ++k) {
      const std::size_t j = k + 1 == m ? 0 : k + 1;
      const double sk = distance_[k];
      const double sj = distance_[j];
      if (sk <= tolerance) {  // vertex k stays
        next_points_.push_back(points_[k]);
        if (sj <= tolerance) {
          next_edges_.push_back(edges_[k]);
        } else if (sk < -tolerance) {  // k -> j leaves: k keeps its edge up to the exit point
          next_edges_.push_back(edges_[k]);
          next_points_.push_back(between(k, j));
          exit = next_edges_.size();
          next_edges_.push_back(cap);
        } else {  // k on the line, j beyond: the cap starts at k
          exit = next_edges_.size();
          next_edges_.push_back(cap);
        }
      } else if (sj < -tolerance) {  // k beyond, j inside: the entry point starts k's edge
        next_points_.push_back(between(k, j));
        next_edges_.push_back(edges_[k]);
      }
    }
    merge_short_cap(exit, tolerance);
    points_.swap(next_points_);
    edges_.swap(next_edges_);
    return true;
  }

  /// Any vertex farther than the tolerance beyond n.x = c (then cut removes something).
  bool reaches_beyond(const Point3& n, double c, double tolerance) const {
    for (const Point& p : points_)
      if (n[0] * p.x + n[1] * p.y - c > tolerance) return true;
    return false;
  }

  /// Whether predicate({x, y, 0}) holds for every vertex.
  template <class Predicate>
  bool every_vertex(Predicate predicate) const {
    for (const Point& p : points_)
      if (!predicate(Point3{p.x, p.y, 0.0})) return false;
    return true;
  }

  /// Writes the ring as a ConvexCell, reusing the cell's storage.
  void export_to(ConvexCell& cell) const {
    const std::size_t m = points_.size();
    cell.dimension = 2;
    cell.vertices.resize(m);
    cell.facets.resize(m);
    for (std::size_t k = 0; k < m; ++k) {
      cell.vertices[k] = {points_[k].x, points_[k].y, 0.0};
      ConvexCell::Facet& f = cell.facets[k];
      f.vertices.assign({static_cast<int>(k), static_cast<int>(k + 1 == m ? 0 : k + 1)});
      f.normal = {edges_[k].nx, edges_[k].ny, 0.0};
      f.offset = edges_[k].c;
      f.neighbour = edges_[k].neighbour;
    }
  }

 private:
  struct Point {
    double x;
    double y;
  };
  struct Edge {
    double nx;
    double ny;
    double c;
    int neighbour;
  };

  /// Where the edge from vertex k (strictly on one side) to vertex j (strictly on the other) meets the line.
  Point between(std::size_t k, std::size_t j) const {
    const double t = distance_[k] / (distance_[k] - distance_[j]);
    return {points_[k].x + t * (points_[j].x - points_[k].x), points_[k].y + t * (points_[j].y - points_[k].y)};
  }

  /// A cap from next_points_[exit] to the following vertex shorter than the merge distance goes: the following vertex
  /// merges into the exit point, which takes over its edge.
  void merge_short_cap(std::size_t exit, double tolerance) {
    const std::size_t m = next_points_.size();
    if (exit >= m || m < 3) return;
    const std::size_t entry = exit + 1 == m ? 0 : exit + 1;
    const double dx = next_points_[entry].x - next_points_[exit].x;
    const double dy = next_points_[entry].y - next_points_[exit].y;
    const double merge = kClipMergeFraction * tolerance;
    if (dx * dx + dy * dy > merge * merge) return;
    next_edges_[exit] = next_edges_[entry];
    next_points_.erase(next_points_.begin() + static_cast<std::ptrdiff_t>(entry));
    next_edges_.erase(next_edges_.begin() + static_cast<std::ptrdiff_t>(entry));
  }

  std::vector<Point> points_, next_points_;
  std::vector<Edge> edges_, next_edges_;
  std::vector<double> distance_;
};

}  // namespace blobflow::analysis::detail
