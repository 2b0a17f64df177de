// The truncated (cutoff) summation engine: the kernel sums of direct_sum.hpp restricted to the (target, source) pairs
// closer than a cutoff radius R, beyond which the kernel is below a relative tolerance of its peak. When the blob
// width is a few particle spacings almost every pair contributes nothing, and skipping those pairs is both exact to
// round-off and faster than any all-pairs or FFT method (docs/performance.md §1 "Do not sum pairs that contribute
// nothing" and §6, sorted cutoff sums in 1D, cell lists in 2D/3D).
//
// Data structures (rebuilt on every call; the engine holds no state but its tolerance):
//  - 1D: sources sorted by coordinate with their weights attached; targets visited in sorted order, each summing the
//    sources in the window [y - R, y + R] found by two monotone (sliding) pointers.
//  - 2D/3D: a sparse cell list: cubes of side >= R keyed by integer cell coordinates, sources sorted by key; each
//    target visits the 3^d cells around its own (found by binary search) and skips pairs with |y - x| > R.
// Work O((N + M) log N + M k) for N sources, M targets and k sources within R of a target. Deterministic: no
// threads; each target adds its sources in an order fixed by the inputs alone (by coordinate, or by cell, then by
// source index), so results differ from DirectSum's source-order sums by round-off only.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"

namespace blobflow {

/// A radial kernel with a cutoff: `truncation_radius(tol)` is a radius R such that for |x| >= R
///   |value(|x|^2)| <= tol max|value|,   |gradient_factor(|x|^2)| <= tol max|gradient_factor|.
/// The full gradient |grad K(x)| = |x| |gradient_factor| need not be monotone; kernels that decay like a Gaussian
/// beyond R also have |x| |gradient_factor(|x|^2)| <= tol R max|gradient_factor| there (GaussianKernel documents it).
template <class K>
concept TruncatableKernel = RadialKernel<K> && requires(const K k, double relative_tolerance) {
  { k.truncation_radius(relative_tolerance) } -> std::convertible_to<double>;
};

template <int D>
using CutoffCellKey = std::array<std::int64_t, D>;

/// The cube grid of a cell list for a cutoff radius R (TruncatedSum, TruncatedSimdSum): cell index
/// q_k = floor((p_k - origin_k) / side); the points it was fitted to have 0 <= q_k <= max_index.
template <int D>
struct CutoffCellGrid {
  /// Cells are cubes of side max(R, extent * kMinCellFraction) (1 + kCellSlack), extent the largest side of the
  /// points' bounding box. The fraction caps cell indices at 2^30, so a computed index (p - origin) / side is off by
  /// at most a few ulps of 2^30, ~1e-6 of a cell; the slack 2^-16 ~ 1.5e-5 then keeps two points at distance <= R
  /// within one cell of each other, so no pair within R is ever missed.
  static constexpr double kMinCellFraction = 0x1p-30;
  static constexpr double kCellSlack = 0x1p-16;

  std::array<double, D> origin{}, upper{};  // the corners of the points' bounding box
  double side = 0.0;
  double max_index = 0.0;

  /// Fits the grid to the (non-empty) points for cutoff `radius`; false if the box or the side overflows (points
  /// near the overflow threshold), and then the grid is unusable.
  bool fit(PointSet points, double radius) {
    assert(points.size() > 0 && points.dim == D);
    for (int k = 0; k < D; ++k) origin[k] = upper[k] = points.point(0)[k];
    for (std::size_t j = 1; j < points.size(); ++j)
      for (int k = 0; k < D; ++k) {
        origin[k] = std::min(origin[k], points.point(j)[k]);
        upper[k] = std::max(upper[k], points.point(j)[k]);
      }
    double extent = 0.0;
    for (int k = 0; k < D; ++k) extent = std::max(extent, upper[k] - origin[k]);
    side = std::max(radius, extent * kMinCellFraction) * (1.0 + kCellSlack);
    if (!std::isfinite(extent) || !std::isfinite(side)) return false;
    max_index = std::floor(extent / side);
    return true;
  }

  /// The cell of p, or false if p lies more than one cell outside the grid (then no point of the grid is within R).
  bool cell_of(const double* p, CutoffCellKey<D>& key) const {
    for (int k = 0; k < D; ++k) {
      const double q = std::floor((p[k] - origin[k]) / side);
      if (!(q >= -1.0 && q <= max_index + 1.0)) return false;
      key[k] = static_cast<std::int64_t>(q);
    }
    return true;
  }
};

/// Cutoff summation: DirectSum's four sums over the pairs with |y - x| <= R, R = kernel.truncation_radius(tol).
///
/// What is neglected: every skipped pair has |y - x| > R (up to one rounding of y +- R or of |y - x|^2), so by the
/// TruncatableKernel contract each skipped term is at most
///   potential:  |w_j| tol max|K|,      gradient (each coordinate):  |w_j| tol |y - x| max|g|,
/// the latter at most |w_j| tol R max|g| for a Gaussian (|x| g(|x|^2) decreases beyond R >= sigma).
/// With the default tol = 1e-17 < u / 10 (u = 2^-53 the unit round-off) the sums equal DirectSum's to round-off of
/// the sum of |terms| for every target with a source within a few sigma (tests: <= 5e-15). A target deep in the tail
/// of every source (an isolated particle, sigma < spacing) has a sum far below the peak; there the skipped terms,
/// tiny in absolute size, may be a large part of it, and a target with no source within R gets exactly 0.
///
/// Cost: one exp per pair within R (plus distance checks over the 3^d cells in 2D/3D); scalar libm exp dominates.
///
/// Non-finite coordinates or weights: the call is handed to DirectSum, so NaN/Inf propagate exactly as there (the
/// integrators report non-finite states as a run status).
class TruncatedSum {
 public:
  static constexpr const char* kName = "truncated";
  static constexpr const char* kDescription =
      "cutoff sums: skips pairs where the kernel is below 1e-17 of its peak (R ~ 8.85 sigma for a Gaussian); sorted "
      "window in 1D, cell lists in 2D/3D; equals direct to round-off, O(N k)";

  /// exp(-R^2 / (2 sigma^2)) = 1e-17 gives R = sigma sqrt(2 ln 1e17) ~ 8.85 sigma for a Gaussian; 1e-17 < u / 10 with
  /// u = 2^-53 the unit round-off, so each neglected term is below round-off of the peak term.
  static constexpr double kDefaultRelativeTolerance = 1e-17;

  TruncatedSum() = default;
  /// \throws std::invalid_argument unless 0 < relative_tolerance < 1.
  explicit TruncatedSum(double relative_tolerance) : tol_(relative_tolerance) {
    if (!(relative_tolerance > 0.0 && relative_tolerance < 1.0))
      throw std::invalid_argument("TruncatedSum: relative tolerance must be in (0, 1)");
  }

  double relative_tolerance() const { return tol_; }
  /// The cutoff radius this engine uses for `kernel` (same length unit as the coordinates).
  template <TruncatableKernel K>
  double cutoff_radius(const K& kernel) const { return kernel.truncation_radius(tol_); }

  /// s_i = sum_j w_j K(y_i - x_j) over |y_i - x_j| <= R; `out` has one entry per target.
  template <TruncatableKernel K>
  void potential(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                 std::span<double> out) const {
    check(kernel, targets, sources, w, out.size(), targets.size());
    sum<false>(kernel, targets, sources, w, out);
  }

  /// g_i = sum_j w_j grad K(y_i - x_j) over |y_i - x_j| <= R; `out` has d entries per target, particle-major.
  template <TruncatableKernel K>
  void gradient(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out) const {
    check(kernel, targets, sources, w, out.size(), targets.coords.size());
    sum<true>(kernel, targets, sources, w, out);
  }

  /// The potential with targets = sources (the j = i term included); the source ordering is built once.
  template <TruncatableKernel K>
  void self_potential(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    potential(kernel, x, x, w, out);
  }

  /// The gradient with targets = sources (grad K(0) = 0, so the j = i term adds nothing).
  template <TruncatableKernel K>
  void self_gradient(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    gradient(kernel, x, x, w, out);
  }

  /// Indices 0..n-1 of 1D coordinates sorted by (coordinate, index): a total, input-determined order. 1D blob
  /// particles keep their order under the flow, so the input is often sorted already: that is checked first, in O(n).
  static std::vector<std::size_t> sorted_order_1d(std::span<const double> c) {
    std::vector<std::size_t> order(c.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto before = [&](std::size_t a, std::size_t b) { return c[a] < c[b] || (c[a] == c[b] && a < b); };
    if (!std::is_sorted(order.begin(), order.end(), before)) std::sort(order.begin(), order.end(), before);
    return order;
  }

 private:
  double tol_ = kDefaultRelativeTolerance;

  template <TruncatableKernel K>
  static void check([[maybe_unused]] const K& kernel, [[maybe_unused]] PointSet targets,
                    [[maybe_unused]] PointSet sources, [[maybe_unused]] std::span<const double> w,
                    [[maybe_unused]] std::size_t out_size, [[maybe_unused]] std::size_t expected) {
    assert(targets.dim == kernel.dimension() && sources.dim == kernel.dimension());
    assert(targets.dim >= 1 && targets.dim <= 3);
    assert(w.size() == sources.size());
    assert(out_size == expected);
  }

  static bool all_finite(std::span<const double> v) {
    return std::all_of(v.begin(), v.end(), [](double a) { return std::isfinite(a); });
  }

  template <bool kGradient, TruncatableKernel K>
  void sum(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
           std::span<double> out) const {
    const double radius = kernel.truncation_radius(tol_);
    if (!all_finite(targets.coords) || !all_finite(sources.coords) || !all_finite(w) || !std::isfinite(radius)) {
      const DirectSum direct;
      if constexpr (kGradient) direct.gradient(kernel, targets, sources, w, out);
      else direct.potential(kernel, targets, sources, w, out);
      return;
    }
    std::fill(out.begin(), out.end(), 0.0);
    if (sources.size() == 0 || targets.size() == 0) return;
    switch (targets.dim) {
      case 1: return sum_sorted_1d<kGradient>(kernel, radius, targets, sources, w, out);
      case 2: return sum_cells<2, kGradient>(kernel, radius, targets, sources, w, out);
      default: return sum_cells<3, kGradient>(kernel, radius, targets, sources, w, out);
    }
  }

  /// Whether targets and sources are the same array (the self sums): then one ordering serves both.
  static bool same_points(PointSet targets, PointSet sources) {
    return targets.coords.data() == sources.coords.data() && targets.coords.size() == sources.coords.size();
  }


  // 1D: sorted sources, targets in sorted order, window [y - R, y + R] by two pointers that only move right.
  template <bool kGradient, TruncatableKernel K>
  static void sum_sorted_1d(const K& kernel, double radius, PointSet targets, PointSet sources,
                            std::span<const double> w, std::span<double> out) {
    const std::size_t n = sources.size();
    const std::vector<std::size_t> source_order = sorted_order_1d(sources.coords);
    std::vector<double> xs(n), ws(n);
    for (std::size_t a = 0; a < n; ++a) {
      xs[a] = sources.coords[source_order[a]];
      ws[a] = w[source_order[a]];
    }
    std::vector<std::size_t> own_target_order;
    if (!same_points(targets, sources)) own_target_order = sorted_order_1d(targets.coords);
    const std::span<const std::size_t> target_order =
        same_points(targets, sources) ? std::span<const std::size_t>(source_order) : own_target_order;

    std::size_t lo = 0, hi = 0;  // the window [lo, hi) of xs; y - R and y + R never decrease
    for (const std::size_t t : target_order) {
      const double y = targets.coords[t];
      const double left = y - radius, right = y + radius;
      while (lo < n && xs[lo] < left) ++lo;
      hi = std::max(hi, lo);
      while (hi < n && xs[hi] <= right) ++hi;
      double s = 0.0;
      for (std::size_t j = lo; j < hi; ++j) {
        const double diff = y - xs[j];
        if constexpr (kGradient) s += ws[j] * kernel.gradient_factor(diff * diff) * diff;
        else s += ws[j] * kernel.value(diff * diff);
      }
      out[t] = s;
    }
  }

  template <int D>
  using CellKey = CutoffCellKey<D>;
  template <int D>
  using CellGrid = CutoffCellGrid<D>;

  /// Source cells sorted by key; the sources of cells[c] are entries [start[c], start[c + 1]) of xs and ws.
  template <int D>
  struct CellList {
    std::vector<CellKey<D>> cells;
    std::vector<std::size_t> start;
    std::vector<double> xs, ws;  // sources in cell order (then by index), particle-major, weights attached
  };

  // 2D/3D: a sparse cell list of the sources; targets grouped by cell share the search for their 3^d neighbours.
  template <int D, bool kGradient, TruncatableKernel K>
  static void sum_cells(const K& kernel, double radius, PointSet targets, PointSet sources,
                        std::span<const double> w, std::span<double> out) {
    constexpr auto kD = static_cast<std::size_t>(D);
    const std::size_t n = sources.size();

    CellGrid<D> grid;
    if (!grid.fit(sources, radius)) {  // coordinates near the overflow threshold
      DirectSum direct;
      if constexpr (kGradient) direct.gradient(kernel, targets, sources, w, out);
      else direct.potential(kernel, targets, sources, w, out);
      return;
    }

    // Sources sorted by (cell, index).
    std::vector<std::pair<CellKey<D>, std::size_t>> keyed(n);
    for (std::size_t j = 0; j < n; ++j) {
      [[maybe_unused]] const bool inside = grid.cell_of(sources.point(j), keyed[j].first);
      assert(inside);
      keyed[j].second = j;
    }
    std::sort(keyed.begin(), keyed.end());
    CellList<D> list;
    list.xs.resize(n * kD);
    list.ws.resize(n);
    for (std::size_t a = 0; a < n; ++a) {
      const std::size_t j = keyed[a].second;
      for (std::size_t k = 0; k < kD; ++k) list.xs[a * kD + k] = sources.point(j)[k];
      list.ws[a] = w[j];
      if (a == 0 || keyed[a].first != keyed[a - 1].first) {
        list.cells.push_back(keyed[a].first);
        list.start.push_back(a);
      }
    }
    list.start.push_back(n);

    // Targets sorted by (cell, index); those far outside the grid keep their 0.
    std::vector<std::pair<CellKey<D>, std::size_t>> target_keyed;
    if (same_points(targets, sources)) {
      target_keyed = std::move(keyed);
    } else {
      target_keyed.reserve(targets.size());
      CellKey<D> key;
      for (std::size_t t = 0; t < targets.size(); ++t)
        if (grid.cell_of(targets.point(t), key)) target_keyed.emplace_back(key, t);
      std::sort(target_keyed.begin(), target_keyed.end());
    }

    const double r2_cut = radius * radius;
    std::vector<std::pair<std::size_t, std::size_t>> ranges;  // source ranges of the neighbour cells
    for (std::size_t a = 0; a < target_keyed.size();) {
      const CellKey<D>& key = target_keyed[a].first;
      neighbour_ranges<D>(list, key, ranges);
      std::size_t b = a;
      for (; b < target_keyed.size() && target_keyed[b].first == key; ++b) {
        const std::size_t t = target_keyed[b].second;
        const double* y = targets.point(t);
        double s = 0.0;
        double g[D] = {};
        for (const auto& [begin, end] : ranges)
          for (std::size_t j = begin; j < end; ++j) {
            const double* x = &list.xs[j * kD];
            double diff[D];
            double r2 = 0.0;
            for (int k = 0; k < D; ++k) {
              diff[k] = y[k] - x[k];
              r2 += diff[k] * diff[k];
            }
            if (r2 > r2_cut) continue;
            if constexpr (kGradient) {
              const double f = list.ws[j] * kernel.gradient_factor(r2);
              for (int k = 0; k < D; ++k) g[k] += f * diff[k];
            } else {
              s += list.ws[j] * kernel.value(r2);
            }
          }
        if constexpr (kGradient) {
          for (std::size_t k = 0; k < kD; ++k) out[t * kD + k] = g[k];
        } else {
          out[t] = s;
        }
      }
      a = b;
    }
  }

  /// The source ranges of the existing cells among the 3^D cells around `key`, in key order (offsets with the first
  /// coordinate slowest), adjacent ranges merged.
  template <int D>
  static void neighbour_ranges(const CellList<D>& list, const CellKey<D>& key,
                               std::vector<std::pair<std::size_t, std::size_t>>& ranges) {
    ranges.clear();
    int n_offsets = 1;
    for (int k = 0; k < D; ++k) n_offsets *= 3;
    for (int o = 0; o < n_offsets; ++o) {
      CellKey<D> neighbour = key;
      for (int k = D - 1, rest = o; k >= 0; --k, rest /= 3) neighbour[k] += rest % 3 - 1;
      const auto it = std::lower_bound(list.cells.begin(), list.cells.end(), neighbour);
      if (it == list.cells.end() || *it != neighbour) continue;
      const auto c = static_cast<std::size_t>(it - list.cells.begin());
      if (!ranges.empty() && ranges.back().second == list.start[c]) ranges.back().second = list.start[c + 1];
      else ranges.emplace_back(list.start[c], list.start[c + 1]);
    }
  }
};

static_assert(SummationEngine<TruncatedSum, GaussianKernel>);

}  // namespace blobflow
