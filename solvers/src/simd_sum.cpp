// SimdSum (simd_sum.hpp): the Gaussian all-pairs sums with an inlined polynomial 2^t, AVX-512 register blocking,
// pair symmetry for the self sums and a thread-count independent work partition (docs/performance.md §2-§4, written
// anew).
//
// Both paths compute, for targets y_i and sources x_j with weights w_j = W 2^(lw_j) (W a power of 2, lw_j <= 0) and
// c = log2(e) / (2 sigma^2):
//   potential  S_i = sum_j 2^(lw_j - c |y_i - x_j|^2),     gradient  G_i = sum_j 2^(lw_j - c |y_i - x_j|^2) (y_i - x_j)
// (the symmetric tiles multiply by w_j / W instead of adding lw_j), then scale by W value(0) or W gradient_factor(0)
// (GaussianKernel's normalization and -1/sigma^2, docs/math.md §2.3), so that S and G are DirectSum's sums up to the
// exp error (kSimdExp2RelativeError, the rounding of the exponent) and summation order. Signed weights run as two sums.
#include "blobflow/solvers/simd_sum.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <thread>
#include <vector>

#include "simd_kernel.hpp"

namespace blobflow {
namespace {

using namespace simd_detail;

/// Targets and sources are padded to a multiple of this (the largest block), with weight 0.
constexpr std::size_t kPad = 64;
/// At most this many rows partitions in the symmetric sums (each has a private source-side array).
constexpr std::size_t kMaxRowChunks = 16;
/// Budget for the partitions' source-side arrays: 2^23 doubles (64 MiB); larger N uses fewer partitions.
constexpr std::size_t kColumnBudget = std::size_t{1} << 23;

/// Register block: 8 lanes times 8 zmm of targets in 1D, 8 times 4 in 2D and 3D (their coordinates and
/// accumulators then fit the 32 zmm registers).
constexpr std::size_t block_size(int dim) { return dim == 1 ? 64 : 32; }

// --- the portable path --------------------------------------------------------------------------------------------

/// Structure-of-arrays copy of a point set, padded with copies of the last point carrying weight 0.
struct Soa {
  std::size_t n = 0, n_pad = 0;
  std::array<std::vector<double>, 3> c;
  std::vector<double> w, lw;  // weights w_j / W and their log2 (KernelWeights); empty for targets
};

Soa make_soa(PointSet p, const KernelWeights* weights) {
  Soa s;
  s.n = p.size();
  s.n_pad = (s.n + kPad - 1) / kPad * kPad;
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

/// One sum: targets y (weights yw, used by the symmetric sums), sources x with weights w (lw as exponents); out
/// holds per target the unscaled sums (d arrays for the gradient, one for the potential). Weights divided by W.
struct Job {
  double neg_c = 0.0;  // -log2(e) / (2 sigma^2)
  std::array<const double*, 3> y{};
  const double* yw = nullptr;
  std::size_t n_targets_pad = 0;
  std::array<const double*, 3> x{};
  const double* w = nullptr;
  const double* lw = nullptr;
  std::size_t n_sources = 0, n_sources_pad = 0;
  std::array<double*, 3> out{};
};

template <int D, bool G>
void portable_one_sided_block(const Job& job, std::size_t block) {
  constexpr int A = G ? D : 1;
  const std::size_t b = block_size(D), i0 = block * b;
  const Sources sources{job.x, job.lw};
  for (std::size_t i = i0; i < i0 + b; ++i) {
    double y[D], acc[A] = {};
    for (int k = 0; k < D; ++k) y[k] = job.y[k][i];
    portable_target_sum<D, G>(y, acc, sources, 0, job.n_sources, job.neg_c);
    for (int a = 0; a < A; ++a) job.out[a][i] = acc[a];
  }
}

/// Row block `block` of a symmetric self sum: the diagonal block one-sided, then every later source j once, adding
/// w_j e (y_i - x_j) to target i and -w_i e (y_i - x_j) (potential: +w_i e) to the partition's column array.
template <int D, bool G>
void portable_symmetric_row(const Job& job, std::size_t block, double* col, std::size_t col_offset,
                            std::size_t col_len) {
  constexpr int A = G ? D : 1;
  const std::size_t b = block_size(D), i0 = block * b;
  for (std::size_t i = i0; i < i0 + b; ++i) {
    double acc[A] = {};
    for (std::size_t j = i0; j < job.n_sources_pad; ++j) {
      double diff[D], r2 = 0.0;
      for (int k = 0; k < D; ++k) {
        diff[k] = job.y[k][i] - job.x[k][j];
        r2 += diff[k] * diff[k];
      }
      const double e = exp2_portable(r2 * job.neg_c);
      const double ws = e * job.w[j];
      if constexpr (G) {
        for (int k = 0; k < D; ++k) acc[k] += ws * diff[k];
      } else {
        acc[0] += ws;
      }
      if (j < i0 + b) continue;  // the diagonal block is summed one-sided, by each of its targets
      const double wt = e * job.yw[i];
      if constexpr (G) {
        for (int k = 0; k < D; ++k) col[static_cast<std::size_t>(k) * col_len + j - col_offset] -= wt * diff[k];
      } else {
        col[j - col_offset] += wt;
      }
    }
    for (int a = 0; a < A; ++a) job.out[a][i] = acc[a];
  }
}

// --- the AVX-512 path ---------------------------------------------------------------------------------------------
#if BLOBFLOW_SIMD_X86
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC PR 105593, as in simd_kernel.hpp

/// Lane l of the result is lane (l + 1) mod 8 of v.
BLOBFLOW_AVX512_INLINE __m512d rotate_lanes(__m512d v) {
  const __m512i bits = _mm512_castpd_si512(v);
  return _mm512_castsi512_pd(_mm512_alignr_epi64(bits, bits, 1));
}

template <int D, bool G>
BLOBFLOW_AVX512 void avx512_one_sided_block(const Job& job, std::size_t block) {
  constexpr int U = static_cast<int>(block_size(D) / 8);
  constexpr int A = G ? D : 1;
  const std::size_t i0 = block * block_size(D);
  __m512d y[D][U], acc[A][U];
  for (int u = 0; u < U; ++u) {
    for (int k = 0; k < D; ++k) y[k][u] = _mm512_loadu_pd(job.y[k] + i0 + 8 * static_cast<std::size_t>(u));
    for (int a = 0; a < A; ++a) acc[a][u] = _mm512_setzero_pd();
  }
  one_sided_tile<D, G, U>(y, acc, Sources{job.x, job.lw}, 0, job.n_sources, _mm512_set1_pd(job.neg_c));
  for (int u = 0; u < U; ++u)
    for (int a = 0; a < A; ++a) _mm512_storeu_pd(job.out[a] + i0 + 8 * static_cast<std::size_t>(u), acc[a][u]);
}

/// Row block of a symmetric self sum: the diagonal block one-sided; then each later group of 8 sources is cycled
/// through its 8 lane rotations against the block, its own accumulators rotating along, so that after 8 steps they
/// are back in place and are added to the partition's column array.
template <int D, bool G>
BLOBFLOW_AVX512 void avx512_symmetric_row(const Job& job, std::size_t block, double* col, std::size_t col_offset,
                                          std::size_t col_len) {
  constexpr int U = static_cast<int>(block_size(D) / 8);
  constexpr int A = G ? D : 1;
  constexpr int kLanes = 8;
  constexpr int Q = kGroupChains<U>;
  const std::size_t i0 = block * block_size(D);
  const __m512d neg_c = _mm512_set1_pd(job.neg_c), zero = _mm512_setzero_pd();
  __m512d y[D][U], wt[U], acc[A][U];
  for (int u = 0; u < U; ++u) {
    const std::size_t i = i0 + 8 * static_cast<std::size_t>(u);
    for (int k = 0; k < D; ++k) y[k][u] = _mm512_loadu_pd(job.y[k] + i);
    wt[u] = _mm512_loadu_pd(job.yw + i);
    for (int a = 0; a < A; ++a) acc[a][u] = _mm512_setzero_pd();
  }
  one_sided_tile<D, G, U>(y, acc, Sources{job.x, job.lw}, i0, i0 + block_size(D), neg_c);
  for (std::size_t j = i0 + block_size(D); j < job.n_sources_pad; j += kLanes) {
    __m512d s[D], ws = _mm512_loadu_pd(job.w + j), as[A];
    for (int k = 0; k < D; ++k) s[k] = _mm512_loadu_pd(job.x[k] + j);
    for (int a = 0; a < A; ++a) as[a] = _mm512_setzero_pd();
    for (int r = 0; r < kLanes; ++r) {
#pragma GCC unroll 8
      for (int u0 = 0; u0 < U; u0 += Q) {
        __m512d diff[Q][D], e[Q];
        group_exps<D, U, Q>(y, u0, s, neg_c, zero, diff, e);
#pragma GCC unroll 8
        for (int q = 0; q < Q; ++q) {
          const int u = u0 + q;
          if constexpr (G) {
            for (int k = 0; k < D; ++k) {
              const __m512d ed = _mm512_mul_pd(e[q], diff[q][k]);
              acc[k][u] = _mm512_fmadd_pd(ed, ws, acc[k][u]);
              as[k] = _mm512_fmadd_pd(ed, wt[u], as[k]);
            }
          } else {
            acc[0][u] = _mm512_fmadd_pd(e[q], ws, acc[0][u]);
            as[0] = _mm512_fmadd_pd(e[q], wt[u], as[0]);
          }
        }
      }
      for (int k = 0; k < D; ++k) s[k] = rotate_lanes(s[k]);
      ws = rotate_lanes(ws);
      for (int a = 0; a < A; ++a) as[a] = rotate_lanes(as[a]);
    }
    for (int a = 0; a < A; ++a) {
      double* p = col + static_cast<std::size_t>(a) * col_len + (j - col_offset);
      const __m512d old = _mm512_loadu_pd(p);
      _mm512_storeu_pd(p, G ? _mm512_sub_pd(old, as[a]) : _mm512_add_pd(old, as[a]));
    }
  }
  for (int u = 0; u < U; ++u)
    for (int a = 0; a < A; ++a) _mm512_storeu_pd(job.out[a] + i0 + 8 * static_cast<std::size_t>(u), acc[a][u]);
}

BLOBFLOW_AVX512 void avx512_exp2(std::span<const double> t, std::span<double> out) {
  constexpr std::size_t kLanes = 8;
  for (std::size_t i = 0; i < t.size(); i += kLanes) {
    const std::size_t left = std::min(kLanes, t.size() - i);
    const auto mask = static_cast<__mmask8>((1u << left) - 1u);
    const __m512d in[1] = {_mm512_maskz_loadu_pd(mask, t.data() + i)};
    __m512d e[1];
    exp2_avx512<1>(in, e);
    _mm512_mask_storeu_pd(out.data() + i, mask, e[0]);
  }
}
#pragma GCC diagnostic pop
#endif

using BlockFn = void (*)(const Job&, std::size_t);
using RowFn = void (*)(const Job&, std::size_t, double*, std::size_t, std::size_t);

template <int D, bool G>
BlockFn block_fn(SimdPath path) {
#if BLOBFLOW_SIMD_X86
  if (path == SimdPath::kAvx512) return &avx512_one_sided_block<D, G>;
#endif
  (void)path;
  return &portable_one_sided_block<D, G>;
}

template <int D, bool G>
RowFn row_fn(SimdPath path) {
#if BLOBFLOW_SIMD_X86
  if (path == SimdPath::kAvx512) return &avx512_symmetric_row<D, G>;
#endif
  (void)path;
  return &portable_symmetric_row<D, G>;
}

template <class Fn>
Fn pick(int dim, bool gradient, SimdPath path, Fn (*const table[3][2])(SimdPath)) {
  return table[dim - 1][gradient ? 1 : 0](path);
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

}  // namespace

bool simd_avx512_available() { return avx512_supported(); }

void simd_exp2(std::span<const double> t, std::span<double> out, SimdPath path) {
  if (t.size() != out.size()) throw std::invalid_argument("simd_exp2: t and out must have the same size");
  if (path == SimdPath::kAvx512 && !avx512_supported())
    throw std::invalid_argument("simd_exp2: path kAvx512 forced, but this CPU lacks AVX-512F or AVX-512DQ");
  if (path == SimdPath::kAuto) path = avx512_supported() ? SimdPath::kAvx512 : SimdPath::kPortable;
#if BLOBFLOW_SIMD_X86
  if (path == SimdPath::kAvx512) {
    const FlushToZeroScope scope(true);
    avx512_exp2(t, out);
    return;
  }
#endif
  for (std::size_t i = 0; i < t.size(); ++i) out[i] = exp2_portable(t[i]);
}

SimdSum::SimdSum(SimdPath path, unsigned n_threads, bool symmetric) : symmetric_(symmetric) {
  if (path == SimdPath::kAvx512 && !avx512_supported())
    throw std::invalid_argument("SimdSum: path kAvx512 forced, but this CPU lacks AVX-512F or AVX-512DQ");
  path_ = path == SimdPath::kAuto ? (avx512_supported() ? SimdPath::kAvx512 : SimdPath::kPortable) : path;
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

  Job job;
  job.neg_c = minus_exp2_rate(kernel.sigma());
  for (std::size_t k = 0; k < d; ++k) {
    job.y[k] = tgt.c[k].data();
    job.x[k] = src.c[k].data();
  }
  job.yw = src.w.data();
  job.w = src.w.data();
  job.lw = src.lw.data();
  job.n_targets_pad = tgt.n_pad;
  job.n_sources = src.n;
  job.n_sources_pad = src.n_pad;
  std::vector<double> sums(n_out * tgt.n_pad);
  for (std::size_t a = 0; a < n_out; ++a) job.out[a] = sums.data() + a * tgt.n_pad;

  const bool ftz = path_ == SimdPath::kAvx512;
  const std::size_t b = block_size(dim), n_blocks = tgt.n_pad / b;
  if (!self_symmetric) {
    static constexpr BlockFn (*const kTable[3][2])(SimdPath) = {{&block_fn<1, false>, &block_fn<1, true>},
                                                                 {&block_fn<2, false>, &block_fn<2, true>},
                                                                 {&block_fn<3, false>, &block_fn<3, true>}};
    const BlockFn fn = pick<BlockFn>(dim, gradient, path_, kTable);
    const double pairs = static_cast<double>(tgt.n) * static_cast<double>(src.n);
    run_parallel(n_blocks, threads_for(pairs, n_blocks, n_threads_), ftz,
                 [&](std::size_t block, unsigned) { fn(job, block); });
  } else {
    static constexpr RowFn (*const kTable[3][2])(SimdPath) = {{&row_fn<1, false>, &row_fn<1, true>},
                                                               {&row_fn<2, false>, &row_fn<2, true>},
                                                               {&row_fn<3, false>, &row_fn<3, true>}};
    const RowFn fn = pick<RowFn>(dim, gradient, path_, kTable);
    const std::size_t n_chunks =
        std::clamp<std::size_t>(kColumnBudget / (tgt.n_pad * n_out), std::size_t{2}, kMaxRowChunks);
    const std::vector<std::size_t> bounds = row_chunks(n_blocks, n_chunks);
    const std::size_t n_parts = bounds.size() - 1;
    // Partition c owns rows [bounds[c], bounds[c + 1]) and adds source-side terms for indices >= its first row + b.
    std::vector<std::size_t> offset(n_parts);
    std::vector<std::vector<double>> columns(n_parts);
    for (std::size_t c = 0; c < n_parts; ++c) {
      offset[c] = std::min(tgt.n_pad, (bounds[c] + 1) * b);
      columns[c].assign((tgt.n_pad - offset[c]) * n_out, 0.0);
    }
    const double pairs = 0.5 * static_cast<double>(tgt.n) * static_cast<double>(tgt.n);
    run_parallel(n_parts, threads_for(pairs, n_parts, n_threads_), ftz, [&](std::size_t c, unsigned) {
      const std::size_t len = tgt.n_pad - offset[c];
      for (std::size_t block = bounds[c]; block < bounds[c + 1]; ++block)
        fn(job, block, columns[c].data(), offset[c], len);
    });
    for (std::size_t c = 0; c < n_parts; ++c) {  // in partition order: deterministic
      const std::size_t len = tgt.n_pad - offset[c];
      for (std::size_t a = 0; a < n_out; ++a)
        for (std::size_t i = offset[c]; i < tgt.n_pad; ++i) job.out[a][i] += columns[c][a * len + i - offset[c]];
    }
  }

  const double scale = weights.scale * (gradient ? kernel.gradient_factor(0.0) : kernel.value(0.0));
  for (std::size_t i = 0; i < targets.size(); ++i)
    for (std::size_t a = 0; a < n_out; ++a) out[i * n_out + a] = scale * job.out[a][i];
}

}  // namespace blobflow
