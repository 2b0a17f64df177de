// SimdSum (simd_sum.hpp): the Gaussian all-pairs sums with an inlined polynomial 2^t, register blocking, pair
// symmetry for the self sums and a thread-count independent work partition (docs/performance.md §2-§4, written
// anew). The vector code is simd_kernel-inl.h, compiled here once per Highway target (hwy/foreach_target.h) and
// chosen at run time (HWY_DYNAMIC_DISPATCH); this file holds the per-target entry points and the engine.
//
// Every target computes, for targets y_i and sources x_j with weights w_j = W 2^(lw_j) (W a power of 2, lw_j <= 0)
// and c = log2(e) / (2 sigma^2):
//   potential  S_i = sum_j 2^(lw_j - c |y_i - x_j|^2),     gradient  G_i = sum_j 2^(lw_j - c |y_i - x_j|^2) (y_i - x_j)
// (the symmetric tiles multiply by w_j / W instead of adding lw_j), then scale by W value(0) or W gradient_factor(0)
// (GaussianKernel's normalization and -1/sigma^2, docs/math.md §2.3), so that S and G are DirectSum's sums up to the
// exp error (kSimdExp2RelativeError, the rounding of the exponent) and summation order. Signed weights run as two sums.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd_sum.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per target
#include <hwy/highway.h>

#include "simd_kernel-inl.h"

HWY_BEFORE_NAMESPACE();
namespace blobflow::simd_detail::HWY_NAMESPACE {

/// Targets per tile of SimdSum on this target (the row blocks of the symmetric sums have the same size).
std::size_t SimdSumTile(int dim) {
  switch (dim) {
    case 1: return TileTargets<1>();
    case 2: return TileTargets<2>();
    default: return TileTargets<3>();
  }
}

OneSidedFn SimdSumOneSided(int dim, bool gradient) {
  static constexpr OneSidedFn kTable[3][2] = {{&OneSidedBlock<1, false>, &OneSidedBlock<1, true>},
                                              {&OneSidedBlock<2, false>, &OneSidedBlock<2, true>},
                                              {&OneSidedBlock<3, false>, &OneSidedBlock<3, true>}};
  return kTable[dim - 1][gradient ? 1 : 0];
}

RowFn SimdSumRow(int dim, bool gradient) {
  static constexpr RowFn kTable[3][2] = {{&SymmetricRow<1, false>, &SymmetricRow<1, true>},
                                         {&SymmetricRow<2, false>, &SymmetricRow<2, true>},
                                         {&SymmetricRow<3, false>, &SymmetricRow<3, true>}};
  return kTable[dim - 1][gradient ? 1 : 0];
}

void SimdSumExp2(const double* t, double* out, std::size_t count) { Exp2Array(t, out, count); }

}  // namespace blobflow::simd_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <cassert>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <thread>
#include <vector>

#include "blobflow/solvers/simd_sum.hpp"

namespace blobflow::simd_detail {
HWY_EXPORT(SimdSumTile);
HWY_EXPORT(SimdSumOneSided);
HWY_EXPORT(SimdSumRow);
HWY_EXPORT(SimdSumExp2);

OneSidedFn one_sided_tile_of_target(int dim, bool gradient) {
  apply_target_environment();
  return HWY_DYNAMIC_DISPATCH(SimdSumOneSided)(dim, gradient);
}

std::size_t tile_targets_of_target(int dim) {
  apply_target_environment();
  return HWY_DYNAMIC_DISPATCH(SimdSumTile)(dim);
}
}  // namespace blobflow::simd_detail

namespace blobflow {
namespace {

using namespace simd_detail;

/// At most this many rows partitions in the symmetric sums (each has a private source-side array).
constexpr std::size_t kMaxRowChunks = 16;
/// Budget for the partitions' source-side arrays: 2^23 doubles (64 MiB); larger N uses fewer partitions.
constexpr std::size_t kColumnBudget = std::size_t{1} << 23;

/// Structure-of-arrays copy of a point set, padded to a multiple of kMaxTile with copies of the last point carrying
/// weight 0.
struct Soa {
  std::size_t n = 0, n_pad = 0;
  std::array<std::vector<double>, 3> c;
  std::vector<double> w, lw;  // weights w_j / W and their log2 (KernelWeights); empty for targets
};

Soa make_soa(PointSet p, const KernelWeights* weights) {
  Soa s;
  s.n = p.size();
  s.n_pad = (s.n + kMaxTile - 1) / kMaxTile * kMaxTile;
  const auto d = static_cast<std::size_t>(p.dim);
  for (std::size_t k = 0; k < d; ++k) {
    s.c[k].resize(s.n_pad);
    for (std::size_t i = 0; i < s.n_pad; ++i) s.c[k][i] = p.point(std::min(i, s.n - 1))[k];
  }
  if (weights != nullptr) {
    s.w.assign(s.n_pad, 0.0);
    s.lw.assign(s.n_pad, kZeroWeightExponent);
    std::copy(weights->normalized.begin(), weights->normalized.end(), s.w.begin());
    std::copy(weights->lw.begin(), weights->lw.end(), s.lw.begin());
  }
  return s;
}

/// Row-block boundaries 0 = b_0 < ... < b_C = n_blocks with about equal work (row I costs n_blocks - I tiles);
/// a function of n_blocks and the chunk count only, never of the thread count.
std::vector<std::size_t> row_chunks(std::size_t n_blocks, std::size_t n_chunks) {
  const std::size_t total = n_blocks * (n_blocks + 1) / 2;
  std::vector<std::size_t> bounds{0};
  std::size_t done = 0;
  for (std::size_t b = 0; b + 1 < n_blocks; ++b) {
    done += n_blocks - b;
    if (done * n_chunks >= total * bounds.size()) bounds.push_back(b + 1);
  }
  bounds.push_back(n_blocks);
  return bounds;
}

bool all_finite(std::span<const double> v) { return simd_detail::all_finite(v.data(), v.size()); }

/// The symmetric self sum: row blocks in a fixed partition (a function of N and the tile only), each partition
/// adding its source-side terms to its own column array; the arrays are added in partition order.
void symmetric_sums(const TileJob& job, std::size_t n, std::size_t n_pad, std::size_t n_out, RowFn fn,
                    std::size_t tile, unsigned n_threads) {
  const std::size_t n_blocks = n_pad / tile;
  const std::size_t n_chunks = std::clamp<std::size_t>(kColumnBudget / (n_pad * n_out), std::size_t{2}, kMaxRowChunks);
  const std::vector<std::size_t> bounds = row_chunks(n_blocks, n_chunks);
  const std::size_t n_parts = bounds.size() - 1;
  // Partition c owns rows [bounds[c], bounds[c + 1]) and adds source-side terms for indices >= its first row + tile.
  std::vector<std::size_t> offset(n_parts);
  std::vector<std::vector<double>> columns(n_parts);
  for (std::size_t c = 0; c < n_parts; ++c) {
    offset[c] = std::min(n_pad, (bounds[c] + 1) * tile);
    columns[c].assign((n_pad - offset[c]) * n_out, 0.0);
  }
  const double pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n);
  run_parallel(n_parts, threads_for(pairs, n_parts, n_threads), true, [&](std::size_t c, unsigned) {
    const std::size_t len = n_pad - offset[c];
    for (std::size_t block = bounds[c]; block < bounds[c + 1]; ++block)
      fn(job, block, columns[c].data(), offset[c], len);
  });
  for (std::size_t c = 0; c < n_parts; ++c) {  // in partition order: deterministic
    const std::size_t len = n_pad - offset[c];
    for (std::size_t a = 0; a < n_out; ++a)
      for (std::size_t i = offset[c]; i < n_pad; ++i) job.out[a][i] += columns[c][a * len + i - offset[c]];
  }
}

}  // namespace

void simd_exp2(std::span<const double> t, std::span<double> out) {
  if (t.size() != out.size()) throw std::invalid_argument("simd_exp2: t and out must have the same size");
  apply_target_environment();
  const FlushToZeroScope scope(true);
  HWY_DYNAMIC_DISPATCH(SimdSumExp2)(t.data(), out.data(), t.size());
}

SimdSum::SimdSum(unsigned n_threads, bool symmetric) : symmetric_(symmetric) {
  n_threads_ = n_threads > 0 ? n_threads : std::max(1u, std::thread::hardware_concurrency());
}

void SimdSum::gaussian(const GaussianKernel& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                       std::span<double> out, bool gradient, bool self_symmetric) const {
  assert(targets.dim == kernel.dimension() && sources.dim == kernel.dimension());
  assert(targets.dim >= 1 && targets.dim <= 3);
  assert(w.size() == sources.size());
  assert(out.size() == (gradient ? targets.coords.size() : targets.size()));
  if (!all_finite(targets.coords) || !all_finite(sources.coords) || !all_finite(w)) {
    if (gradient) DirectSum{}.gradient(kernel, targets, sources, w, out);
    else DirectSum{}.potential(kernel, targets, sources, w, out);
    return;
  }
  if (has_negative(w)) {  // sum(w+) - sum(w-): the kernels take non-negative weights
    std::vector<double> negative_part(out.size());
    gaussian(kernel, targets, sources, weight_part(w, 1.0), out, gradient, self_symmetric);
    gaussian(kernel, targets, sources, weight_part(w, -1.0), negative_part, gradient, self_symmetric);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] -= negative_part[i];
    return;
  }
  std::fill(out.begin(), out.end(), 0.0);
  if (targets.size() == 0 || sources.size() == 0) return;

  const int dim = targets.dim;
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n_out = gradient ? d : 1;
  KernelWeights weights;
  weights.assign(w, true);
  const Soa src = make_soa(sources, &weights);
  const Soa own_targets = self_symmetric ? Soa{} : make_soa(targets, nullptr);
  const Soa& tgt = self_symmetric ? src : own_targets;

  TileJob job;
  job.neg_c = minus_exp2_rate(kernel.sigma());
  for (std::size_t k = 0; k < d; ++k) {
    job.y[k] = tgt.c[k].data();
    job.sources.x[k] = src.c[k].data();
  }
  job.yw = src.w.data();
  job.w = src.w.data();
  job.sources.lw = src.lw.data();
  job.j0 = 0;
  job.j1 = src.n;
  job.n_sources_pad = src.n_pad;
  std::vector<double> sums(n_out * tgt.n_pad);
  for (std::size_t a = 0; a < n_out; ++a) job.out[a] = sums.data() + a * tgt.n_pad;

  apply_target_environment();
  const std::size_t tile = HWY_DYNAMIC_DISPATCH(SimdSumTile)(dim);
  assert(kMaxTile % tile == 0);
  if (!self_symmetric) {
    const OneSidedFn fn = HWY_DYNAMIC_DISPATCH(SimdSumOneSided)(dim, gradient);
    const std::size_t n_blocks = tgt.n_pad / tile;
    const double pairs = static_cast<double>(tgt.n) * static_cast<double>(src.n);
    run_parallel(n_blocks, threads_for(pairs, n_blocks, n_threads_), true,
                 [&](std::size_t block, unsigned) { fn(job, block * tile); });
  } else {
    symmetric_sums(job, tgt.n, tgt.n_pad, n_out, HWY_DYNAMIC_DISPATCH(SimdSumRow)(dim, gradient), tile, n_threads_);
  }

  const double scale = weights.scale * (gradient ? kernel.gradient_factor(0.0) : kernel.value(0.0));
  for (std::size_t i = 0; i < targets.size(); ++i)
    for (std::size_t a = 0; a < n_out; ++a) out[i * n_out + a] = scale * job.out[a][i];
}

}  // namespace blobflow
#endif  // HWY_ONCE
