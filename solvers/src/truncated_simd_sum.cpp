// TruncatedSimdSum (truncated_simd_sum.hpp): the Gaussian cutoff sums on SimdSum's vector kernel (simd_kernel-inl.h,
// compiled here once per Highway target and chosen at run time, as in simd_sum.cpp).
//
// Every target computes, for targets y_i and sources x_j with weights w_j = W 2^(lw_j) (W a power of 2, lw_j <= 0)
// and c = log2(e) / (2 sigma^2):
//   potential  S_i = sum_j 2^(lw_j - c |y_i - x_j|^2),     gradient  G_i = sum_j 2^(lw_j - c |y_i - x_j|^2) (y_i - x_j)
// over a superset of the sources within R of y_i, then scale by W value(0) or W gradient_factor(0) (the normalization
// and -1/sigma^2, docs/math.md §2.3), as SimdSum does. Signed weights run as two sums.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "truncated_simd_sum.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per target
#include <hwy/highway.h>

#include "simd_kernel-inl.h"

HWY_BEFORE_NAMESPACE();
namespace blobflow::simd_detail::HWY_NAMESPACE {

/// Target vectors per cutoff block: at most 4. A block sums the sources within R of its whole span, so larger blocks
/// add work: at eps = 4 h in 1D (k ~ 100 sources within R) 32 targets per block measured ~15% faster than 64 with
/// AVX-512 (0.45 s against 0.53 s at N = 1e6, medians of 10, loaded machine).
template <int D>
inline constexpr int kCutoffVectors = kTileVectors<D> < 4 ? kTileVectors<D> : 4;

/// Targets per cutoff block on this target.
std::size_t CutoffBlockTargets(int dim) {
  const std::size_t lanes = hn::Lanes(DF());
  switch (dim) {
    case 1: return lanes * static_cast<std::size_t>(kCutoffVectors<1>);
    case 2: return lanes * static_cast<std::size_t>(kCutoffVectors<2>);
    default: return lanes * static_cast<std::size_t>(kCutoffVectors<3>);
  }
}

template <int D, bool G>
void CutoffBlock(const TileJob& job, std::size_t i0) {
  OneSidedBlockOf<D, G, kCutoffVectors<D>>(job, i0);
}

OneSidedFn CutoffBlockFn(int dim, bool gradient) {
  static constexpr OneSidedFn kTable[3][2] = {{&CutoffBlock<1, false>, &CutoffBlock<1, true>},
                                              {&CutoffBlock<2, false>, &CutoffBlock<2, true>},
                                              {&CutoffBlock<3, false>, &CutoffBlock<3, true>}};
  return kTable[dim - 1][gradient ? 1 : 0];
}

/// Doubles per vector on this target (the symmetric rows step through their sources by whole vectors).
std::size_t CutoffLanes() { return hn::Lanes(DF()); }

/// The 1D self sums with pair symmetry: row blocks of cutoff size against the sources above them.
RowFn CutoffRowFn(bool gradient) {
  return gradient ? &SymmetricRowOf<1, true, kCutoffVectors<1>> : &SymmetricRowOf<1, false, kCutoffVectors<1>>;
}

}  // namespace blobflow::simd_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "blobflow/solvers/truncated_simd_sum.hpp"

namespace blobflow::simd_detail {
HWY_EXPORT(CutoffBlockTargets);
HWY_EXPORT(CutoffBlockFn);
HWY_EXPORT(CutoffRowFn);
HWY_EXPORT(CutoffLanes);
}  // namespace blobflow::simd_detail

namespace blobflow {
namespace {

using namespace simd_detail;

/// The largest cutoff block of any target (scratch arrays are sized for it).
constexpr std::size_t kMaxBlock = 32;

/// Targets in the engine's order: coordinate k of the i-th is c[k][i] (i < n), its index in the caller's set
/// index[i] (i itself when index is empty). c points into the caller's or the sorted sources' arrays when the order
/// is already theirs (1D input in increasing order: no copy), else into `owned`.
struct OrderedTargets {
  std::size_t n = 0;
  std::array<const double*, 3> c{};
  std::array<std::vector<double>, 3> owned;
  std::vector<std::size_t> index;
};

OrderedTargets order_targets(PointSet targets, std::vector<std::size_t> index) {
  OrderedTargets t;
  t.n = index.size();
  for (int k = 0; k < targets.dim; ++k) {
    auto& c = t.owned[static_cast<std::size_t>(k)];
    c.resize(t.n);
    for (std::size_t i = 0; i < t.n; ++i) c[i] = targets.point(index[i])[k];
    t.c[static_cast<std::size_t>(k)] = c.data();
  }
  t.index = std::move(index);
  return t;
}

/// What every block needs besides its targets and sources: the kernel, the threads, and where the scaled sums go.
struct Frame {
  int dim = 1;
  std::size_t n_out = 1;
  double neg_c = 0.0;  // -log2(e) / (2 sigma^2)
  OneSidedFn fn = nullptr;  // the target's cutoff block
  RowFn row = nullptr;      // its symmetric row block (1D self sums)
  std::size_t block = 1;    // its targets per block
  std::size_t lanes = 1;    // its doubles per vector
  unsigned n_threads = 1;
  bool flush_to_zero = false;
  std::span<double> out;  // zero on entry; n_out entries per target, in the caller's order
  double scale = 1.0;     // out = scale * (the kernel's sums)
};

/// The engine's common frame: threads over the blocks of `t` (the last one padded with copies of its last target),
/// each block's sources from `prepare(block, worker, job)` (false: none within R, the targets keep their 0), its
/// sums scaled and written to the caller's order by the block itself. Each block writes only its own targets.
template <class Prepare>
void run_blocks(const OrderedTargets& t, const Frame& f, double pairs, const Prepare& prepare) {
  const std::size_t b = f.block, n_blocks = (t.n + b - 1) / b;
  const unsigned threads = threads_for(pairs, n_blocks, f.n_threads);
  struct Local {
    double y[3][kMaxBlock];
    double sums[3][kMaxBlock];
  };
  std::vector<Local> local(threads);
  run_parallel(n_blocks, threads, f.flush_to_zero, [&](std::size_t block, unsigned id) {
    Local& l = local[id];
    TileJob job;
    job.neg_c = f.neg_c;
    const std::size_t i0 = block * b, m = std::min(b, t.n - i0);
    for (std::size_t k = 0; k < static_cast<std::size_t>(f.dim); ++k) {
      if (m == b) {
        job.y[k] = t.c[k] + i0;
      } else {
        for (std::size_t i = 0; i < b; ++i) l.y[k][i] = t.c[k][i0 + std::min(i, m - 1)];
        job.y[k] = l.y[k];
      }
    }
    for (std::size_t a = 0; a < f.n_out; ++a) job.out[a] = l.sums[a];
    if (!prepare(block, id, job)) return;
    f.fn(job, 0);
    for (std::size_t i = 0; i < m; ++i) {
      const std::size_t target = t.index.empty() ? i0 + i : t.index[i0 + i];
      for (std::size_t a = 0; a < f.n_out; ++a) f.out[target * f.n_out + a] = f.scale * l.sums[a][i];
    }
  });
}

// --- 1D: sorted sources, blocks of sorted targets, one contiguous source range per block -----------------------------

/// Blocks sampled to estimate the work of the 1D sum (for the thread count).
constexpr std::size_t kWorkSampleBlocks = 16;

/// Partitions of the 1D symmetric sum: row blocks in this many contiguous chunks (fewer for small N), each with a
/// private array for the source-side terms; a function of N and the block size only, never of the thread count.
constexpr std::size_t kSymmetricChunks = 16;

/// The 1D self sum with pair symmetry (xs sorted; lws, wns its weights' exponents and w_j / W in the same order;
/// order[a] the caller's index of sorted point a, empty when the same): each row block (f.block targets) sums its
/// own block one-sided and the sources above it up to the last one within R of the block once, adding each pair to
/// both particles (simd_kernel-inl.h, SymmetricRowOf). A pair (i < j) within R is summed exactly once, by i's block.
void sum_1d_symmetric(std::span<const double> xs, const double* lws, const double* wns,
                      const std::vector<std::size_t>& order, double radius, const Frame& f, double one_sided_pairs) {
  const std::size_t n = xs.size(), b = f.block, n_blocks = (n + b - 1) / b, n_pad = n_blocks * b;
  // Padded copies: the last point repeated with weight 0 (exponent kZeroWeightExponent), so vectors never run past.
  // Their memory is kept per calling thread from call to call: at N = 1e6 fresh arrays cost more in page faults
  // than the whole kernel (measured: half of a 1D evaluation on the development VM).
  thread_local std::vector<double> x_kept, lw_kept, wn_kept, sums_kept;
  thread_local std::vector<std::vector<double>> columns_kept;
  // The caller's thread's arrays, by reference: the workers must not see their own (empty) thread_local copies.
  std::vector<double> &x = x_kept, &lw = lw_kept, &wn = wn_kept, &sums = sums_kept;
  std::vector<std::vector<double>>& columns = columns_kept;
  x.resize(n_pad);
  lw.resize(n_pad);
  wn.resize(n_pad);
  sums.resize(n_pad);  // every row block writes its own targets' sums; the column arrays are added afterwards
  std::copy(xs.begin(), xs.end(), x.begin());
  std::fill(x.begin() + static_cast<std::ptrdiff_t>(n), x.end(), xs[n - 1]);
  std::copy(lws, lws + n, lw.begin());
  std::fill(lw.begin() + static_cast<std::ptrdiff_t>(n), lw.end(), kZeroWeightExponent);
  std::copy(wns, wns + n, wn.begin());
  std::fill(wn.begin() + static_cast<std::ptrdiff_t>(n), wn.end(), 0.0);
  // The end of block I's upper range: past the last source within R of its last target, rounded up to whole
  // vectors (which stay inside the padded arrays: b is a whole number of vectors), never before the block's end.
  std::vector<std::size_t> end(n_blocks);
  for (std::size_t block = 0; block < n_blocks; ++block) {
    const double last = x[std::min(n, (block + 1) * b) - 1];
    const auto j1 = static_cast<std::size_t>(std::upper_bound(xs.begin(), xs.end(), last + radius) - xs.begin());
    end[block] = std::max((block + 1) * b, (j1 + f.lanes - 1) / f.lanes * f.lanes);
  }
  const std::size_t n_chunks = std::min(n_blocks, kSymmetricChunks);
  std::vector<std::size_t> first(n_chunks + 1), offset(n_chunks), length(n_chunks);
  columns.resize(std::max(columns.size(), n_chunks));
  for (std::size_t c = 0; c <= n_chunks; ++c) first[c] = n_blocks * c / n_chunks;
  for (std::size_t c = 0; c < n_chunks; ++c) {
    offset[c] = (first[c] + 1) * b;
    std::size_t last_end = offset[c];
    for (std::size_t block = first[c]; block < first[c + 1]; ++block) last_end = std::max(last_end, end[block]);
    length[c] = last_end - offset[c];
    columns[c].assign(length[c], 0.0);
  }
  TileJob base;
  base.neg_c = f.neg_c;
  base.y[0] = x.data();
  base.yw = wn.data();
  base.sources = Sources{{x.data()}, lw.data()};
  base.w = wn.data();
  base.out[0] = sums.data();
  const unsigned threads = threads_for(0.5 * one_sided_pairs, n_chunks, f.n_threads);
  run_parallel(n_chunks, threads, f.flush_to_zero, [&](std::size_t c, unsigned) {
    TileJob job = base;
    for (std::size_t block = first[c]; block < first[c + 1]; ++block) {
      job.n_sources_pad = end[block];
      f.row(job, block, columns[c].data(), offset[c], length[c]);
    }
  });
  for (std::size_t c = 0; c < n_chunks; ++c)  // in chunk order: deterministic
    for (std::size_t j = 0; j < length[c]; ++j) sums[offset[c] + j] += columns[c][j];
  for (std::size_t a = 0; a < n; ++a) f.out[order.empty() ? a : order[a]] = f.scale * sums[a];
}

void sum_1d(PointSet targets, PointSet sources, std::span<const double> lw, std::span<const double> wn,
            double radius, const Frame& f) {
  const std::size_t n = sources.size();
  // Sources in increasing order: the caller's arrays when they already are (particles in 1D keep their order).
  const bool sorted = std::is_sorted(sources.coords.begin(), sources.coords.end());
  const bool same = targets.coords.data() == sources.coords.data() && targets.size() == n;
  std::vector<double> xs_owned, ws_owned, wn_owned;
  std::vector<std::size_t> source_order;
  if (!sorted) {
    source_order = TruncatedSum::sorted_order_1d(sources.coords);
    xs_owned.resize(n);
    ws_owned.resize(n);
    wn_owned.resize(same ? n : 0);
    for (std::size_t a = 0; a < n; ++a) {
      xs_owned[a] = sources.coords[source_order[a]];
      ws_owned[a] = lw[source_order[a]];
      if (same) wn_owned[a] = wn[source_order[a]];
    }
  }
  const std::span<const double> xs = sorted ? sources.coords : std::span<const double>(xs_owned);
  const double* ws = sorted ? lw.data() : ws_owned.data();

  OrderedTargets t;
  if (same) {
    t.n = n;
    t.c[0] = xs.data();
    t.index = std::move(source_order);
  } else if (std::is_sorted(targets.coords.begin(), targets.coords.end())) {
    t.n = targets.size();
    t.c[0] = targets.coords.data();
  } else {
    t = order_targets(targets, TruncatedSum::sorted_order_1d(targets.coords));
  }

  const std::size_t b = f.block, n_blocks = (t.n + b - 1) / b;
  const auto range = [&](std::size_t block) {
    const std::size_t first = block * b, last = std::min(first + b, t.n) - 1;
    const auto j0 = static_cast<std::size_t>(std::lower_bound(xs.begin(), xs.end(), t.c[0][first] - radius) - xs.begin());
    const auto j1 = static_cast<std::size_t>(std::upper_bound(xs.begin(), xs.end(), t.c[0][last] + radius) - xs.begin());
    return std::pair{j0, std::max(j0, j1)};
  };
  double sampled = 0.0;  // the work of a few evenly spaced blocks, scaled to all
  const std::size_t samples = std::min(n_blocks, kWorkSampleBlocks);
  for (std::size_t s = 0; s < samples; ++s) {
    const auto [j0, j1] = range(s * n_blocks / samples);
    sampled += static_cast<double>(b * (j1 - j0));
  }
  const double pairs = sampled * static_cast<double>(n_blocks) / static_cast<double>(std::max<std::size_t>(samples, 1));
  if (same) return sum_1d_symmetric(xs, ws, sorted ? wn.data() : wn_owned.data(), t.index, radius, f, pairs);
  run_blocks(t, f, pairs, [&](std::size_t block, unsigned, TileJob& job) {
    job.sources = Sources{{xs.data()}, ws};
    std::tie(job.j0, job.j1) = range(block);
    return job.j0 < job.j1;
  });
}

// --- 2D/3D: a cell list of the sources, blocks of targets sorted along a finer grid -------------------------------

template <int D>
using Key = CutoffCellKey<D>;

/// Sources sorted by (cell, index) into the cubes of `grid`; cell c holds entries [start[c], start[c + 1]).
template <int D>
struct CellList {
  CutoffCellGrid<D> grid;
  std::vector<Key<D>> cells;
  std::vector<std::size_t> start;
  std::array<std::vector<double>, 3> x;
  std::vector<double> w;  // the sources' weight exponents lw

  /// floor((p_k - origin_k) / s) for each axis k, as doubles (may lie outside the grid).
  std::array<double, D> index_of(const double* p, double s) const {
    std::array<double, D> q{};
    for (int k = 0; k < D; ++k) q[k] = std::floor((p[k] - grid.origin[k]) / s);
    return q;
  }
};

/// Per worker: the sources a block gathers (coordinates per axis, weight exponents lw).
struct Gathered {
  std::array<std::vector<double>, 3> x;
  std::vector<double> w;
};

template <int D>
bool sum_cells(PointSet targets, PointSet sources, std::span<const double> lw, double radius, const Frame& f) {
  constexpr auto kD = static_cast<std::size_t>(D);
  const std::size_t n = sources.size(), b = f.block;
  CellList<D> list;
  if (!list.grid.fit(sources, radius)) return false;  // near the overflow threshold
  const CutoffCellGrid<D>& grid = list.grid;

  std::vector<std::pair<Key<D>, std::size_t>> keyed(n);
  for (std::size_t j = 0; j < n; ++j) {
    const std::array<double, D> q = list.index_of(sources.point(j), grid.side);
    for (int k = 0; k < D; ++k) keyed[j].first[k] = static_cast<std::int64_t>(q[k]);
    keyed[j].second = j;
  }
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t k = 0; k < kD; ++k) list.x[k].resize(n);
  list.w.resize(n);
  for (std::size_t a = 0; a < n; ++a) {
    const std::size_t j = keyed[a].second;
    for (std::size_t k = 0; k < kD; ++k) list.x[k][a] = sources.point(j)[k];
    list.w[a] = lw[j];
    if (a == 0 || keyed[a].first != keyed[a - 1].first) {
      list.cells.push_back(keyed[a].first);
      list.start.push_back(a);
    }
  }
  list.start.push_back(n);

  // Targets: those more than one cell outside the grid have no source within R and keep their 0. The others are
  // sorted along a grid m times finer than the cells, m chosen so that a fine cell holds about one block on
  // average over the sources' bounding box; consecutive targets then form compact blocks.
  std::vector<std::size_t> inside;
  Key<D> unused;
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (grid.cell_of(targets.point(i), unused)) inside.push_back(i);
  double volume = 1.0;  // in cells
  for (int k = 0; k < D; ++k) volume *= (grid.upper[k] - grid.origin[k]) / grid.side + 1.0;
  const double per_cell = static_cast<double>(inside.size()) / volume;
  const double m = std::max(1.0, std::floor(std::pow(per_cell / static_cast<double>(b), 1.0 / D)));
  const double fine = grid.side / m;
  std::vector<std::pair<Key<D>, std::size_t>> target_keyed(inside.size());
  for (std::size_t a = 0; a < inside.size(); ++a) {
    const std::array<double, D> q = list.index_of(targets.point(inside[a]), fine);
    for (int k = 0; k < D; ++k) target_keyed[a].first[k] = static_cast<std::int64_t>(q[k]);
    target_keyed[a].second = inside[a];
  }
  std::sort(target_keyed.begin(), target_keyed.end());
  for (std::size_t a = 0; a < inside.size(); ++a) inside[a] = target_keyed[a].second;
  if (inside.empty()) return true;
  const OrderedTargets t = order_targets(targets, std::move(inside));

  std::vector<Gathered> scratch(std::max(1u, f.n_threads));
  const double r2_keep = radius * radius * (1.0 + CutoffCellGrid<D>::kCellSlack);
  // Work estimate for the thread count: a block gathers about 3^D cells of the `volume` in the sources' box.
  const double pairs =
      static_cast<double>(t.n) * static_cast<double>(n) * std::min(1.0, std::pow(3.0, D) / std::max(1.0, volume));
  run_blocks(t, f, pairs, [&](std::size_t block, unsigned id, TileJob& job) {
    const std::size_t first = block * b, end = std::min(first + b, t.n);
    std::array<double, D> lo{}, hi{};
    for (std::size_t k = 0; k < kD; ++k) {
      const auto [mn, mx] = std::minmax_element(t.c[k] + first, t.c[k] + end);
      lo[k] = *mn;
      hi[k] = *mx;
    }
    // Cell ranges meeting [lo - R, hi + R], clamped to the grid.
    Key<D> q_lo{}, q_hi{};
    for (std::size_t k = 0; k < kD; ++k) {
      const double a = std::max(0.0, std::floor((lo[k] - radius - grid.origin[k]) / grid.side));
      const double z = std::min(grid.max_index, std::floor((hi[k] + radius - grid.origin[k]) / grid.side));
      if (a > z) return false;
      q_lo[k] = static_cast<std::int64_t>(a);
      q_hi[k] = static_cast<std::int64_t>(z);
    }
    Gathered& g = scratch[id];
    for (std::size_t k = 0; k < kD; ++k) g.x[k].clear();
    g.w.clear();
    // Rows of cells with all but the last coordinate fixed are contiguous in the sorted list.
    Key<D> row = q_lo;
    while (true) {
      Key<D> key_lo = row, key_hi = row;
      key_lo[kD - 1] = q_lo[kD - 1];
      key_hi[kD - 1] = q_hi[kD - 1] + 1;
      const auto c0 = std::lower_bound(list.cells.begin(), list.cells.end(), key_lo) - list.cells.begin();
      const auto c1 = std::lower_bound(list.cells.begin(), list.cells.end(), key_hi) - list.cells.begin();
      for (std::size_t j = list.start[static_cast<std::size_t>(c0)]; j < list.start[static_cast<std::size_t>(c1)];
           ++j) {
        double d2 = 0.0;  // squared distance from source j to the block's box
        for (std::size_t k = 0; k < kD; ++k) {
          const double gap = std::max({0.0, lo[k] - list.x[k][j], list.x[k][j] - hi[k]});
          d2 += gap * gap;
        }
        if (d2 > r2_keep) continue;
        for (std::size_t k = 0; k < kD; ++k) g.x[k].push_back(list.x[k][j]);
        g.w.push_back(list.w[j]);
      }
      int k = D - 2;  // advance the row index, last-but-one coordinate fastest
      for (; k >= 0; --k) {
        if (row[static_cast<std::size_t>(k)] < q_hi[static_cast<std::size_t>(k)]) {
          ++row[static_cast<std::size_t>(k)];
          break;
        }
        row[static_cast<std::size_t>(k)] = q_lo[static_cast<std::size_t>(k)];
      }
      if (k < 0) break;
    }
    job.sources = Sources{{g.x[0].data(), g.x[1].data(), kD > 2 ? g.x[2].data() : nullptr}, g.w.data()};
    job.j0 = 0;
    job.j1 = g.w.size();
    return job.j1 > 0;
  });
  return true;
}

}  // namespace

TruncatedSimdSum::TruncatedSimdSum(unsigned n_threads, double relative_tolerance) : tol_(relative_tolerance) {
  if (!(relative_tolerance > 0.0 && relative_tolerance < 1.0))
    throw std::invalid_argument("TruncatedSimdSum: relative tolerance must be in (0, 1)");
  n_threads_ = n_threads > 0 ? n_threads : std::max(1u, std::thread::hardware_concurrency());
}

void TruncatedSimdSum::gaussian(const GaussianKernel& kernel, PointSet targets, PointSet sources,
                                std::span<const double> w, std::span<double> out, bool gradient) const {
  assert(targets.dim == kernel.dimension() && sources.dim == kernel.dimension());
  assert(targets.dim >= 1 && targets.dim <= 3);
  assert(w.size() == sources.size());
  assert(out.size() == (gradient ? targets.coords.size() : targets.size()));
  const auto hand_to_direct = [&] {
    if (gradient) DirectSum{}.gradient(kernel, targets, sources, w, out);
    else DirectSum{}.potential(kernel, targets, sources, w, out);
  };
  const double radius = kernel.truncation_radius(tol_);
  if (!all_finite(targets.coords.data(), targets.coords.size()) ||
      !all_finite(sources.coords.data(), sources.coords.size()) || !all_finite(w.data(), w.size()) ||
      !std::isfinite(radius))
    return hand_to_direct();
  if (has_negative(w)) {  // sum(w+) - sum(w-): the kernel takes non-negative weights
    std::vector<double> negative_part(out.size());
    gaussian(kernel, targets, sources, weight_part(w, 1.0), out, gradient);
    gaussian(kernel, targets, sources, weight_part(w, -1.0), negative_part, gradient);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] -= negative_part[i];
    return;
  }
  std::fill(out.begin(), out.end(), 0.0);
  if (targets.size() == 0 || sources.size() == 0) return;

  const int dim = targets.dim;
  const std::size_t n_out = gradient ? static_cast<std::size_t>(dim) : 1;
  // The weights' exponents: per calling thread, the memory is kept from call to call (at N = 1e6 a fresh 8 MB
  // array costs more page faults than its log2s).
  thread_local KernelWeights weights;
  weights.assign(w, dim == 1);  // w_j / W too for the 1D self sums, whose symmetric tiles multiply by it
  Frame f;
  f.dim = dim;
  f.n_out = n_out;
  f.neg_c = minus_exp2_rate(kernel.sigma());
  apply_target_environment();
  f.fn = HWY_DYNAMIC_DISPATCH(CutoffBlockFn)(dim, gradient);
  f.row = HWY_DYNAMIC_DISPATCH(CutoffRowFn)(gradient);
  f.lanes = HWY_DYNAMIC_DISPATCH(CutoffLanes)();
  f.block = HWY_DYNAMIC_DISPATCH(CutoffBlockTargets)(dim);
  assert(f.block <= kMaxBlock);
  f.n_threads = n_threads_;
  f.flush_to_zero = true;
  f.out = out;
  f.scale = weights.scale * (gradient ? kernel.gradient_factor(0.0) : kernel.value(0.0));
  bool done = true;
  switch (dim) {
    case 1: sum_1d(targets, sources, weights.lw, weights.normalized, radius, f); break;
    case 2: done = sum_cells<2>(targets, sources, weights.lw, radius, f); break;
    default: done = sum_cells<3>(targets, sources, weights.lw, radius, f); break;
  }
  if (!done) hand_to_direct();
}

}  // namespace blobflow
#endif  // HWY_ONCE
