// Convex cells (convex_cell.hpp): the box cell, cutting a cell by a half-space, and the measures of a cell and of its
// facets. A cut classifies every vertex as in, on or out of the half-space (on: within the tolerance of the plane),
// clips each facet that has a vertex strictly inside (a new vertex where an edge goes from strictly in to strictly out,
// shared by the facets of that edge), drops the facets that have none, merges on-plane points closer than
// kClipMergeFraction of the tolerance, and closes the cell with the cap: the segment from where the boundary leaves the
// half-space to where it comes back (2D) or the polygon whose edges are the on-plane edges of the kept facets that no
// other kept facet walks the other way, each walked backwards (3D: adjacent faces of an oriented surface traverse
// their common edge in opposite directions, so the cap is counter-clockwise around the outward normal and the
// boundary stays closed whatever the round-off). Vertices that no kept facet uses go. Scratch buffers live per
// thread, and the vertex lists of dropped facets are reused for new caps, so cutting allocates nothing once the
// buffers have grown.
#include "blobflow/analysis/convex_cell.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;

enum class Side : signed char { kIn, kOn, kOut };

double dot(const Point3& a, const Point3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Point3 minus(const Point3& a, const Point3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Point3 cross(const Point3& a, const Point3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Point3& a) { return std::sqrt(dot(a, a)); }

/// What a cut does with a facet: drops it, keeps it (all vertices strictly inside), or keeps it with vertices on the
/// plane (only those facets can hold cap edges or points to merge).
constexpr char kDropped = 0;
constexpr char kKept = 1;
constexpr char kKeptOnPlane = 2;

struct CutEdge {
  int a;
  int b;
  int point;
};

/// Per-thread buffers of clip.
struct Scratch {
  std::vector<double> distance;  // n.v - c of each vertex
  std::vector<Side> side;
  std::vector<int> remap;        // old vertex index -> new, or -1 when unused
  std::vector<int> loop;         // the clipped vertex loop of one facet
  std::vector<CutEdge> cut_edges;
  std::vector<std::pair<int, int>> cap_edges;  // (from, to) along the cap
  std::vector<int> cap;
  std::vector<char> edge_used;
  std::vector<std::pair<int, int>> merges;  // on-plane point -> the point it merges into
  double merge_distance = 0.0;          // on-plane points closer than this merge
  std::vector<std::vector<int>> spare;  // emptied vertex lists, reused for new facets
  std::size_t old_vertex_count = 0;     // vertices before the cut; those after are new, on the plane

  bool on_plane(int v) const {
    return static_cast<std::size_t>(v) >= old_vertex_count || side[static_cast<std::size_t>(v)] == Side::kOn;
  }
  std::vector<int> take_list() {
    if (spare.empty()) return {};
    std::vector<int> list = std::move(spare.back());
    spare.pop_back();
    list.clear();
    return list;
  }
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

void make_empty(ConvexCell& cell, Scratch& s) {
  for (auto& facet : cell.facets) s.spare.push_back(std::move(facet.vertices));
  cell.facets.clear();
  cell.vertices.clear();
}

/// The vertex where the edge {a, b} (one end strictly in, the other strictly out) meets the plane, made once and
/// shared by both facets of the edge. |d_a - d_b| > 2 tolerance, so the division is safe.
int cut_point(ConvexCell& cell, Scratch& s, int a, int b) {
  const int lo = std::min(a, b);
  const int hi = std::max(a, b);
  for (const CutEdge& e : s.cut_edges)
    if (e.a == lo && e.b == hi) return e.point;
  const Point3 p = cell.vertices[static_cast<std::size_t>(lo)];
  const Point3 q = cell.vertices[static_cast<std::size_t>(hi)];
  const double dp = s.distance[static_cast<std::size_t>(lo)];
  const double dq = s.distance[static_cast<std::size_t>(hi)];
  const double t = dp / (dp - dq);
  cell.vertices.push_back({p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]), p[2] + t * (q[2] - p[2])});
  const int point = static_cast<int>(cell.vertices.size() - 1);
  s.cut_edges.push_back({lo, hi, point});
  return point;
}

void add_facet(ConvexCell& cell, Scratch& s, const std::vector<int>& loop, const Point3& n, double c, int neighbour) {
  ConvexCell::Facet facet;
  facet.vertices = s.take_list();
  facet.vertices.assign(loop.begin(), loop.end());
  facet.normal = n;
  facet.offset = c;
  facet.neighbour = neighbour;
  cell.facets.push_back(std::move(facet));
}

/// Moves the kept facets to the front (their order unchanged) and keeps their lists' storage for later caps.
void compact_facets(ConvexCell& cell, Scratch& s, const std::vector<char>& keep) {
  std::size_t kept = 0;
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    if (keep[f] == kDropped) {
      s.spare.push_back(std::move(cell.facets[f].vertices));
      continue;
    }
    if (kept != f) cell.facets[kept] = std::move(cell.facets[f]);
    ++kept;
  }
  cell.facets.resize(kept);
}

/// Renumbers the vertices that some facet uses and drops the others.
void compact_vertices(ConvexCell& cell, Scratch& s) {
  s.remap.assign(cell.vertices.size(), -1);
  for (const auto& facet : cell.facets)
    for (int v : facet.vertices) s.remap[static_cast<std::size_t>(v)] = 0;
  int next = 0;
  for (std::size_t v = 0; v < cell.vertices.size(); ++v) {
    if (s.remap[v] < 0) continue;
    s.remap[v] = next;
    cell.vertices[static_cast<std::size_t>(next)] = cell.vertices[v];
    ++next;
  }
  cell.vertices.resize(static_cast<std::size_t>(next));
  for (auto& facet : cell.facets)
    for (int& v : facet.vertices) v = s.remap[static_cast<std::size_t>(v)];
}

/// 1D: the end point strictly outside moves onto the plane and its facet now belongs to `neighbour`.
void clip_1d(ConvexCell& cell, const Scratch& s, const Point3& n, double c, int neighbour) {
  for (auto& facet : cell.facets) {
    const auto v = static_cast<std::size_t>(facet.vertices[0]);
    if (s.side[v] != Side::kOut) continue;
    cell.vertices[v] = {c * n[0], 0.0, 0.0};
    facet.normal = {n[0], 0.0, 0.0};
    facet.offset = c;
    facet.neighbour = neighbour;
  }
}

/// 2D: edges a -> b along the counter-clockwise boundary. The cap runs from the exit point (the on-plane end of a kept
/// edge that starts no kept edge) to the entry point (the on-plane start that ends none); a vertex that merely touches
/// the plane both ends and starts an edge, so it is neither. Exit and entry closer than the merge distance merge.
void clip_2d(ConvexCell& cell, Scratch& s, const Point3& n, double c, int neighbour) {
  static thread_local std::vector<char> keep;
  keep.assign(cell.facets.size(), kKept);
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    auto& edge = cell.facets[f].vertices;
    const Side sa = s.side[static_cast<std::size_t>(edge[0])];
    const Side sb = s.side[static_cast<std::size_t>(edge[1])];
    if (sa != Side::kIn && sb != Side::kIn) {
      keep[f] = kDropped;
    } else if (sa == Side::kOut) {
      edge[0] = cut_point(cell, s, edge[0], edge[1]);
    } else if (sb == Side::kOut) {
      edge[1] = cut_point(cell, s, edge[0], edge[1]);
    }
  }
  compact_facets(cell, s, keep);
  int exit = -1;
  int entry = -1;
  for (const auto& facet : cell.facets) {
    const int a = facet.vertices[0];
    const int b = facet.vertices[1];
    if (s.on_plane(b) && std::none_of(cell.facets.begin(), cell.facets.end(),
                                      [b](const ConvexCell::Facet& g) { return g.vertices[0] == b; }))
      exit = b;
    if (s.on_plane(a) && std::none_of(cell.facets.begin(), cell.facets.end(),
                                      [a](const ConvexCell::Facet& g) { return g.vertices[1] == a; }))
      entry = a;
  }
  if (exit < 0 || entry < 0 || exit == entry) return;
  const Point3 gap =
      minus(cell.vertices[static_cast<std::size_t>(exit)], cell.vertices[static_cast<std::size_t>(entry)]);
  if (dot(gap, gap) > s.merge_distance * s.merge_distance) {
    s.loop.assign({exit, entry});
    add_facet(cell, s, s.loop, n, c, neighbour);
    return;
  }
  // The cap would be shorter than the merge distance (a sliver's tip cut off): the boundary closes at the exit point.
  for (auto& facet : cell.facets)
    if (facet.vertices[0] == entry) facet.vertices[0] = exit;
}

/// Removes the pairs p -> q, q -> p: an edge of two kept facets whose ends both lie on the plane (only within the
/// tolerance; exactly, its facets would not both stay) is no edge of the cap, which closes only the unmatched ones.
void drop_matched_edges(std::vector<std::pair<int, int>>& edges) {
  constexpr std::pair<int, int> kGone{-1, -1};
  for (auto& edge : edges) {
    const auto reverse = std::find(edges.begin(), edges.end(), std::pair<int, int>{edge.second, edge.first});
    if (reverse == edges.end()) continue;
    *reverse = kGone;
    edge = kGone;
  }
  edges.erase(std::remove(edges.begin(), edges.end(), kGone), edges.end());
}

/// Closes the cell: walks the cap edges (from -> to) into simple loops, each a new facet. The unmatched edges bound
/// the kept part of the surface, so every point has as many edges in as out and the walks close. Normally there is one
/// loop; when round-off pinches the section (two loops through one point) the walk is cut into simple loops at the
/// repeated point, each still counter-clockwise around n, together covering every cap edge once.
void add_caps(ConvexCell& cell, Scratch& s, const Point3& n, double c, int neighbour) {
  s.edge_used.assign(s.cap_edges.size(), 0);
  for (std::size_t first = 0; first < s.cap_edges.size(); ++first) {
    if (s.edge_used[first]) continue;
    s.cap.clear();
    std::size_t e = first;
    while (true) {
      s.edge_used[e] = 1;
      s.cap.push_back(s.cap_edges[e].first);
      const int next = s.cap_edges[e].second;
      const auto seen = std::find(s.cap.begin(), s.cap.end(), next);
      if (seen != s.cap.end()) {  // a simple loop closes at `next`
        s.loop.assign(seen, s.cap.end());
        if (s.loop.size() >= 3) add_facet(cell, s, s.loop, n, c, neighbour);
        s.cap.erase(seen, s.cap.end());
        if (s.cap.empty()) break;
      }
      std::size_t k = 0;
      while (k < s.cap_edges.size() && (s.edge_used[k] || s.cap_edges[k].first != next)) ++k;
      if (k == s.cap_edges.size()) break;  // unbalanced (not expected): drop the open path
      e = k;
    }
  }
}

/// Removes repeated vertices (a, a) and spikes (a, b, a -> a) from a closed loop, cyclically.
void clean_loop(std::vector<int>& loop) {
  bool changed = true;
  while (changed && loop.size() >= 2) {
    changed = false;
    const std::size_t m = loop.size();
    for (std::size_t k = 0; k < m && !changed; ++k) {
      if (loop[k] == loop[(k + 1) % m]) {
        loop.erase(loop.begin() + static_cast<std::ptrdiff_t>(k));
        changed = true;
      } else if (m >= 3 && loop[k] == loop[(k + 2) % m]) {
        // drop the spike's tip and one copy of its base
        const std::size_t tip = (k + 1) % m;
        const std::size_t base = (k + 2) % m;
        loop.erase(loop.begin() + static_cast<std::ptrdiff_t>(std::max(tip, base)));
        loop.erase(loop.begin() + static_cast<std::ptrdiff_t>(std::min(tip, base)));
        changed = true;
      }
    }
  }
}

/// Merges the on-plane points of the kept facets closer than the merge distance (the cut points of a sliver facet's
/// two long edges near its tip can even coincide): each maps to the lowest-numbered such point, loops
/// lose repeated vertices and spikes, and facets left with fewer than 3 vertices go.
void merge_close_points(ConvexCell& cell, Scratch& s, std::vector<char>& keep) {
  s.cap.clear();  // the on-plane points in increasing order (some may belong to no kept facet: harmless)
  for (std::size_t v = 0; v < cell.vertices.size(); ++v)
    if (s.on_plane(static_cast<int>(v))) s.cap.push_back(static_cast<int>(v));
  s.merges.clear();
  const double merge2 = s.merge_distance * s.merge_distance;
  for (std::size_t a = 1; a < s.cap.size(); ++a) {
    const Point3& x = cell.vertices[static_cast<std::size_t>(s.cap[a])];
    for (std::size_t b = 0; b < a; ++b) {
      const Point3 e = minus(x, cell.vertices[static_cast<std::size_t>(s.cap[b])]);
      if (dot(e, e) > merge2) continue;
      const bool merged = std::any_of(s.merges.begin(), s.merges.end(),
                                      [&](const std::pair<int, int>& m) { return m.first == s.cap[b]; });
      if (!merged) {
        s.merges.emplace_back(s.cap[a], s.cap[b]);
        break;
      }
    }
  }
  if (s.merges.empty()) return;
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    if (keep[f] != kKeptOnPlane) continue;
    auto& loop = cell.facets[f].vertices;
    for (int& v : loop)
      for (const auto& [from, to] : s.merges)
        if (v == from) v = to;
    clean_loop(loop);
    if (loop.size() < 3) keep[f] = kDropped;
  }
}

/// 3D: each facet with a vertex strictly inside keeps its in and on vertices and gains the cut points of its crossing
/// edges, in loop order; after merging on-plane points closer than the tolerance, its consecutive on-plane vertices
/// p -> q give the cap edge q -> p unless another kept facet walks q -> p.
void clip_3d(ConvexCell& cell, Scratch& s, const Point3& n, double c, int neighbour) {
  static thread_local std::vector<char> keep;
  keep.assign(cell.facets.size(), kKept);
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    auto& loop = cell.facets[f].vertices;
    bool any_in = false;
    bool any_out = false;
    bool any_on_plane = false;
    for (int v : loop) {
      const Side side = s.side[static_cast<std::size_t>(v)];
      any_in = any_in || side == Side::kIn;
      any_out = any_out || side == Side::kOut;
      any_on_plane = any_on_plane || side != Side::kIn;
    }
    if (!any_in) {
      keep[f] = kDropped;
      continue;
    }
    if (any_on_plane) keep[f] = kKeptOnPlane;
    if (!any_out) continue;
    s.loop.clear();
    const std::size_t m = loop.size();
    for (std::size_t k = 0; k < m; ++k) {
      const int a = loop[k];
      const int b = loop[(k + 1) % m];
      const Side sa = s.side[static_cast<std::size_t>(a)];
      const Side sb = s.side[static_cast<std::size_t>(b)];
      if (sa != Side::kOut) s.loop.push_back(a);
      if ((sa == Side::kIn && sb == Side::kOut) || (sa == Side::kOut && sb == Side::kIn))
        s.loop.push_back(cut_point(cell, s, a, b));
    }
    loop.assign(s.loop.begin(), s.loop.end());
  }
  merge_close_points(cell, s, keep);
  s.cap_edges.clear();
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    if (keep[f] != kKeptOnPlane) continue;
    const auto& loop = cell.facets[f].vertices;
    const std::size_t m = loop.size();
    for (std::size_t k = 0; k < m; ++k) {
      const int p = loop[k];
      const int q = loop[(k + 1) % m];
      if (s.on_plane(p) && s.on_plane(q)) s.cap_edges.emplace_back(q, p);
    }
  }
  compact_facets(cell, s, keep);
  drop_matched_edges(s.cap_edges);
  add_caps(cell, s, n, c, neighbour);
}

void check_box(const Box& box) {
  if (box.dimension < 1 || box.dimension > 3)
    throw std::invalid_argument(describe("box_cell", "dimension", box.dimension, "must be 1, 2 or 3"));
  for (int k = 0; k < box.dimension; ++k) {
    if (!std::isfinite(box.lo[k]) || !std::isfinite(box.hi[k]) || !(box.lo[k] < box.hi[k]))
      throw std::invalid_argument(describe("box_cell", "lo[" + std::to_string(k) + "]", box.lo[k],
                                           "must be finite and below hi[" + std::to_string(k) +
                                               "] = " + detail::format_value(box.hi[k])));
  }
}

ConvexCell::Facet box_facet(std::vector<int> vertices, int axis, bool upper, const Box& box) {
  ConvexCell::Facet facet;
  facet.vertices = std::move(vertices);
  facet.normal[axis] = upper ? 1.0 : -1.0;
  facet.offset = upper ? box.hi[axis] : -box.lo[axis];
  return facet;
}

}  // namespace

ConvexCell box_cell(const Box& box) {
  check_box(box);
  ConvexCell cell;
  cell.dimension = box.dimension;
  if (box.dimension == 1) {
    cell.vertices = {{box.lo[0], 0.0, 0.0}, {box.hi[0], 0.0, 0.0}};
    cell.facets = {box_facet({0}, 0, false, box), box_facet({1}, 0, true, box)};
  } else if (box.dimension == 2) {
    const double x0 = box.lo[0];
    const double y0 = box.lo[1];
    const double x1 = box.hi[0];
    const double y1 = box.hi[1];
    cell.vertices = {{x0, y0, 0.0}, {x1, y0, 0.0}, {x1, y1, 0.0}, {x0, y1, 0.0}};
    cell.facets = {box_facet({0, 1}, 1, false, box), box_facet({1, 2}, 0, true, box), box_facet({2, 3}, 1, true, box),
                   box_facet({3, 0}, 0, false, box)};
  } else {
    // Vertex k has coordinate a = bit a of k from hi, else lo.
    for (int k = 0; k < 8; ++k)
      cell.vertices.push_back({(k & 1) ? box.hi[0] : box.lo[0], (k & 2) ? box.hi[1] : box.lo[1],
                               (k & 4) ? box.hi[2] : box.lo[2]});
    cell.facets = {box_facet({0, 4, 6, 2}, 0, false, box), box_facet({1, 3, 7, 5}, 0, true, box),
                   box_facet({0, 1, 5, 4}, 1, false, box), box_facet({2, 6, 7, 3}, 1, true, box),
                   box_facet({0, 2, 3, 1}, 2, false, box), box_facet({4, 5, 7, 6}, 2, true, box)};
  }
  return cell;
}

bool clip(ConvexCell& cell, const Point3& normal, double offset, int neighbour, double tolerance) {
  const int d = cell.dimension;
  if (d < 1 || d > 3) throw std::invalid_argument(describe("clip", "cell.dimension", d, "must be 1, 2 or 3"));
  if (!std::isfinite(tolerance) || tolerance < 0.0)
    throw std::invalid_argument(describe("clip", "tolerance", tolerance, "must be finite and >= 0"));
  if (!std::isfinite(offset)) throw std::invalid_argument(describe("clip", "offset", offset, "must be finite"));
  Point3 n{};
  for (int k = 0; k < d; ++k) {
    if (!std::isfinite(normal[k]))
      throw std::invalid_argument(describe("clip", "normal[" + std::to_string(k) + "]", normal[k], "must be finite"));
    n[k] = normal[k];
  }
  if (cell.empty()) return false;
  Scratch& s = scratch();
  const double length = norm(n);
  if (length == 0.0) {  // 0 <= offset: everything or nothing
    if (offset >= 0.0) return false;
    make_empty(cell, s);
    return true;
  }
  for (double& x : n) x /= length;
  const double c = offset / length;

  const std::size_t count = cell.vertices.size();
  s.distance.resize(count);
  s.side.resize(count);
  bool any_in = false;
  bool any_out = false;
  for (std::size_t v = 0; v < count; ++v) {
    const double dist = dot(n, cell.vertices[v]) - c;
    s.distance[v] = dist;
    s.side[v] = dist > tolerance ? Side::kOut : (dist < -tolerance ? Side::kIn : Side::kOn);
    any_in = any_in || s.side[v] == Side::kIn;
    any_out = any_out || s.side[v] == Side::kOut;
  }
  if (!any_out) return false;
  if (!any_in) {
    make_empty(cell, s);
    return true;
  }
  if (d == 1) {
    clip_1d(cell, s, n, c, neighbour);
    return true;
  }
  s.old_vertex_count = count;
  s.merge_distance = kClipMergeFraction * tolerance;
  s.cut_edges.clear();
  if (d == 2) {
    clip_2d(cell, s, n, c, neighbour);
  } else {
    clip_3d(cell, s, n, c, neighbour);
  }
  compact_vertices(cell, s);
  return true;
}

double cell_measure(const ConvexCell& cell) {
  if (cell.empty()) return 0.0;
  const Point3& origin = cell.vertices[0];
  double sum = 0.0;
  if (cell.dimension == 1) {
    const auto [lo, hi] = std::minmax(cell.vertices[0][0], cell.vertices[1][0]);
    return hi - lo;
  }
  for (const auto& facet : cell.facets) {
    const auto& loop = facet.vertices;
    const Point3 a = minus(cell.vertices[static_cast<std::size_t>(loop[0])], origin);
    if (cell.dimension == 2) {
      const Point3 b = minus(cell.vertices[static_cast<std::size_t>(loop[1])], origin);
      sum += 0.5 * (a[0] * b[1] - a[1] * b[0]);
      continue;
    }
    for (std::size_t k = 1; k + 1 < loop.size(); ++k) {
      const Point3 b = minus(cell.vertices[static_cast<std::size_t>(loop[k])], origin);
      const Point3 e = minus(cell.vertices[static_cast<std::size_t>(loop[k + 1])], origin);
      sum += dot(a, cross(b, e)) / 6.0;
    }
  }
  return sum;
}

double facet_measure(const ConvexCell& cell, const ConvexCell::Facet& facet) {
  const auto& loop = facet.vertices;
  if (cell.dimension == 1) return 1.0;
  const Point3& p = cell.vertices[static_cast<std::size_t>(loop[0])];
  if (cell.dimension == 2) return norm(minus(cell.vertices[static_cast<std::size_t>(loop[1])], p));
  Point3 area{};
  for (std::size_t k = 1; k + 1 < loop.size(); ++k) {
    const Point3 t = cross(minus(cell.vertices[static_cast<std::size_t>(loop[k])], p),
                           minus(cell.vertices[static_cast<std::size_t>(loop[k + 1])], p));
    for (int j = 0; j < 3; ++j) area[j] += t[j];
  }
  return 0.5 * norm(area);
}

}  // namespace blobflow::analysis
