// Internal to solvers/src (not installed): the vector Gaussian kernel of the SIMD engines, written once for every
// vector target with Google Highway and compiled once per target (simd_sum.cpp and truncated_simd_sum.cpp include it
// after hwy/foreach_target.h; the include guard toggles with HWY_TARGET_TOGGLE, Highway's convention for -inl.h
// files). Nothing here names an instruction set: vector widths come from Lanes(d), and the only per-target choice is
// the register budget of the tiles. docs/performance.md §2-§4 describe the method and its limits:
//  - 2^t for t <= 0, branch-free: t clamped at kExp2Lowest, n = floor(t), f = t - n in [0, 1) (exact), 2^f by the
//    degree-10 polynomial kExp2Poly (Horner, the steps of several chains side by side), then n added to the
//    exponent field of 2^f as an integer (n + kShiftMagic holds n in its low bits; shifted left by 52). For
//    t < -1022 the result is 0 or, for -1023 < t < -1022, a subnormal below 2^-1022 (read as 0 under
//    denormals-are-zero, which the engines set on x86);
//  - one-sided sums take positive weights as exponents, w_j = 2^(lw_j): the term w_j exp(-|y - x_j|^2 / (2 sigma^2))
//    is 2^(lw_j - c |y - x_j|^2) with c = log2(e) / (2 sigma^2), one fma after |y - x_j|^2. Per vector of pairs the
//    1D gradient tile issues 20 operations: sub, mul, fma (the argument), max, floor, sub (f), 10 fma, add, shift,
//    integer add (2^f 2^n), fma (the accumulator), 14 of them on the multiply-add units (an integer add instead of
//    a multiply by 2^n measured 5% faster on the AVX-512 tile, equal on AVX2);
//  - the one-sided tile: U vectors of targets against sources broadcast one at a time; the symmetric tile (self
//    sums): a vector of sources cycled through its lane rotations against the targets, its own accumulators rotating
//    along, so that each pair's exp serves both particles.
#if defined(BLOBFLOW_SOLVERS_SIMD_KERNEL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef BLOBFLOW_SOLVERS_SIMD_KERNEL_INL_H_
#undef BLOBFLOW_SOLVERS_SIMD_KERNEL_INL_H_
#else
#define BLOBFLOW_SOLVERS_SIMD_KERNEL_INL_H_
#endif

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>

#include "simd_kernel.hpp"

HWY_BEFORE_NAMESPACE();
namespace blobflow::simd_detail::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<double>;
using VF = hn::Vec<DF>;

/// The vector registers the tiles may plan for: 16 on x86 below AVX-512 (SSE4, AVX2) and for the emulated target,
/// 32 on AVX-512 and on ARM (NEON).
#if (HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3) || HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR
inline constexpr int kVectorRegisters = 16;
#else
inline constexpr int kVectorRegisters = 32;
#endif

/// Target vectors per tile (register blocking): with 32 registers 8 in 1D and 4 in 2D/3D (on AVX-512 64 and 32
/// targets, whose coordinates and accumulators fit the register file), with 16 registers 4 (AVX2: 16 targets).
/// BM_TileCeiling, AVX2 against 4 in 1D: 2 vectors 7% slower in 1D and 2D, 8 no faster in 1D; 4 in 2D 8% faster
/// than 2.
template <int D>
inline constexpr int kTileVectors = kVectorRegisters >= 32 && D == 1 ? 8 : 4;

/// Exp chains whose Horner steps are written side by side. One chain (floor, 10 dependent fmas, scale) is ~60 cycles
/// long; left to the out-of-order core, consecutive chains did not overlap well: 4 at a time measured +25% on the
/// AVX-512 1D tile (BM_TileCeiling) against 1 at a time, and +7% against 2 at a time on the AVX2 1D tile.
inline constexpr int kInterleavedChains = 4;
template <int U>
inline constexpr int kGroupChains = kInterleavedChains < U ? kInterleavedChains : U;

/// e[q] = 2^t[q] for t[q] <= 0, Q vectors, branch-free (the file comment); below 2^-1022 the result is at most
/// 2^-1022 (0 for t <= -1023 and for -inf).
template <int Q>
HWY_INLINE void Exp2(DF d, const VF (&t)[Q], VF (&e)[Q]) {
  const hn::RebindToSigned<DF> di;
  VF n[Q], f[Q], p[Q];
#pragma GCC unroll 8
  for (int q = 0; q < Q; ++q) {
    const VF clamped = hn::Max(t[q], hn::Set(d, kExp2Lowest));
    n[q] = hn::Floor(clamped);
    f[q] = hn::Sub(clamped, n[q]);
    p[q] = hn::Set(d, kExp2Poly[10]);
  }
#pragma GCC unroll 10
  for (int k = 9; k >= 0; --k) {
    const VF c = hn::Set(d, kExp2Poly[static_cast<std::size_t>(k)]);
#pragma GCC unroll 8
    for (int q = 0; q < Q; ++q) p[q] = hn::MulAdd(p[q], f[q], c);
  }
#pragma GCC unroll 8
  for (int q = 0; q < Q; ++q) {
    const auto shift = hn::ShiftLeft<kMantissaBits>(hn::BitCast(di, hn::Add(n[q], hn::Set(d, kShiftMagic))));
    e[q] = hn::BitCast(d, hn::Add(hn::BitCast(di, p[q]), shift));
  }
}

/// For the Q targets u0..u0+Q-1 of y against one source vector x (broadcast or lane-rotated): diff[q] = y_(u0+q) - x
/// and e[q] = 2^(base + neg_c |diff[q]|^2), the Q chains interleaved.
template <int D, int U, int Q>
HWY_INLINE void GroupExps(DF d, const VF (&y)[D][U], int u0, const VF (&x)[D], VF neg_c, VF base, VF (&diff)[Q][D],
                          VF (&e)[Q]) {
  VF t[Q];
#pragma GCC unroll 8
  for (int q = 0; q < Q; ++q) {
    for (int k = 0; k < D; ++k) diff[q][k] = hn::Sub(y[k][u0 + q], x[k]);
    VF r2 = hn::Mul(diff[q][0], diff[q][0]);
    for (int k = 1; k < D; ++k) r2 = hn::MulAdd(diff[q][k], diff[q][k], r2);
    t[q] = hn::MulAdd(r2, neg_c, base);
  }
  Exp2<Q>(d, t, e);
}

/// acc[.][u] += sum over sources j0 <= j < j1 of 2^(lw_j + neg_c |y_u - x_j|^2) (y_u - x_j) (or the 2^(...) alone),
/// sources broadcast; the U exps of a source in groups of kGroupChains<U>.
template <int D, bool G, int U>
HWY_INLINE void OneSidedTile(DF d, const VF (&y)[D][U], VF (&acc)[G ? D : 1][U], const Sources& s, std::size_t j0,
                             std::size_t j1, VF neg_c) {
  constexpr int Q = kGroupChains<U>;
  static_assert(U % Q == 0, "whole groups of chains");
  for (std::size_t j = j0; j < j1; ++j) {
    VF xb[D];
    for (int k = 0; k < D; ++k) xb[k] = hn::Set(d, s.x[k][j]);
    const VF lwb = hn::Set(d, s.lw[j]);
#pragma GCC unroll 8
    for (int u0 = 0; u0 < U; u0 += Q) {
      VF diff[Q][D], e[Q];
      GroupExps<D, U, Q>(d, y, u0, xb, neg_c, lwb, diff, e);
#pragma GCC unroll 8
      for (int q = 0; q < Q; ++q) {
        if constexpr (G) {
          for (int k = 0; k < D; ++k) acc[k][u0 + q] = hn::MulAdd(e[q], diff[q][k], acc[k][u0 + q]);
        } else {
          acc[0][u0 + q] = hn::Add(e[q], acc[0][u0 + q]);
        }
      }
    }
  }
}

/// The targets of one tile: kTileVectors<D> vectors.
template <int D>
HWY_INLINE std::size_t TileTargets() {
  return static_cast<std::size_t>(kTileVectors<D>) * hn::Lanes(DF());
}

/// One-sided tile with U target vectors: targets y[k][i0 ..], sources [job.j0, job.j1), sums to out[a][i0 ..].
template <int D, bool G, int U>
HWY_INLINE void OneSidedBlockOf(const TileJob& job, std::size_t i0) {
  constexpr int A = G ? D : 1;
  const DF d;
  const std::size_t n = hn::Lanes(d);
  VF y[D][U], acc[A][U];
  for (int u = 0; u < U; ++u) {
    for (int k = 0; k < D; ++k) y[k][u] = hn::LoadU(d, job.y[k] + i0 + n * static_cast<std::size_t>(u));
    for (int a = 0; a < A; ++a) acc[a][u] = hn::Zero(d);
  }
  OneSidedTile<D, G, U>(d, y, acc, job.sources, job.j0, job.j1, hn::Set(d, job.neg_c));
  for (int u = 0; u < U; ++u)
    for (int a = 0; a < A; ++a) hn::StoreU(acc[a][u], d, job.out[a] + i0 + n * static_cast<std::size_t>(u));
}

template <int D, bool G>
void OneSidedBlock(const TileJob& job, std::size_t i0) {
  OneSidedBlockOf<D, G, kTileVectors<D>>(job, i0);
}

/// Row block `block` of a symmetric self sum (targets = sources, U vectors of targets per block): the diagonal block
/// one-sided; then each later vector of sources up to job.n_sources_pad (a multiple of Lanes(d)) is cycled through
/// its lane rotations against the block, its own accumulators rotating along, so that after Lanes(d) steps they are
/// back in place and are added to the partition's column array col (col_len entries per output, starting at source
/// col_offset).
template <int D, bool G, int U>
void SymmetricRowOf(const TileJob& job, std::size_t block, double* col, std::size_t col_offset, std::size_t col_len) {
  constexpr int A = G ? D : 1;
  constexpr int Q = kGroupChains<U>;
  const DF d;
  const hn::RebindToSigned<DF> di;
  const std::size_t n = hn::Lanes(d), b = static_cast<std::size_t>(U) * n, i0 = block * b;
  // Lane l of a rotated vector is lane (l + 1) mod n of the vector before.
  const auto next = hn::Iota(di, 1);
  const auto rotate = hn::IndicesFromVec(d, hn::IfThenElse(hn::Eq(next, hn::Set(di, static_cast<std::int64_t>(n))),
                                                           hn::Zero(di), next));
  const VF neg_c = hn::Set(d, job.neg_c), zero = hn::Zero(d);
  VF y[D][U], wt[U], acc[A][U];
  for (int u = 0; u < U; ++u) {
    const std::size_t i = i0 + n * static_cast<std::size_t>(u);
    for (int k = 0; k < D; ++k) y[k][u] = hn::LoadU(d, job.y[k] + i);
    wt[u] = hn::LoadU(d, job.yw + i);
    for (int a = 0; a < A; ++a) acc[a][u] = zero;
  }
  OneSidedTile<D, G, U>(d, y, acc, job.sources, i0, i0 + b, neg_c);
  for (std::size_t j = i0 + b; j < job.n_sources_pad; j += n) {
    VF s[D], as[A];
    VF ws = hn::LoadU(d, job.w + j);
    for (int k = 0; k < D; ++k) s[k] = hn::LoadU(d, job.sources.x[k] + j);
    for (int a = 0; a < A; ++a) as[a] = zero;
    for (std::size_t r = 0; r < n; ++r) {
#pragma GCC unroll 8
      for (int u0 = 0; u0 < U; u0 += Q) {
        VF diff[Q][D], e[Q];
        GroupExps<D, U, Q>(d, y, u0, s, neg_c, zero, diff, e);
#pragma GCC unroll 8
        for (int q = 0; q < Q; ++q) {
          const int u = u0 + q;
          if constexpr (G) {
            for (int k = 0; k < D; ++k) {
              const VF ed = hn::Mul(e[q], diff[q][k]);
              acc[k][u] = hn::MulAdd(ed, ws, acc[k][u]);
              as[k] = hn::MulAdd(ed, wt[u], as[k]);
            }
          } else {
            acc[0][u] = hn::MulAdd(e[q], ws, acc[0][u]);
            as[0] = hn::MulAdd(e[q], wt[u], as[0]);
          }
        }
      }
      for (int k = 0; k < D; ++k) s[k] = hn::TableLookupLanes(s[k], rotate);
      ws = hn::TableLookupLanes(ws, rotate);
      for (int a = 0; a < A; ++a) as[a] = hn::TableLookupLanes(as[a], rotate);
    }
    for (int a = 0; a < A; ++a) {
      double* p = col + static_cast<std::size_t>(a) * col_len + (j - col_offset);
      const VF old = hn::LoadU(d, p);
      hn::StoreU(G ? hn::Sub(old, as[a]) : hn::Add(old, as[a]), d, p);
    }
  }
  for (int u = 0; u < U; ++u)
    for (int a = 0; a < A; ++a) hn::StoreU(acc[a][u], d, job.out[a] + i0 + n * static_cast<std::size_t>(u));
}

template <int D, bool G>
void SymmetricRow(const TileJob& job, std::size_t block, double* col, std::size_t col_offset, std::size_t col_len) {
  SymmetricRowOf<D, G, kTileVectors<D>>(job, block, col, col_offset, col_len);
}

/// out[i] = 2^t[i] for i < count (t[i] <= 0), whole vectors, then the tail through a zero-padded vector.
HWY_INLINE void Exp2Array(const double* t, double* out, std::size_t count) {
  const DF d;
  const std::size_t n = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + n <= count; i += n) {
    const VF in[1] = {hn::LoadU(d, t + i)};
    VF e[1];
    Exp2<1>(d, in, e);
    hn::StoreU(e[0], d, out + i);
  }
  if (i == count) return;
  HWY_ALIGN double tail[hn::MaxLanes(DF())] = {};
  for (std::size_t k = i; k < count; ++k) tail[k - i] = t[k];
  const VF in[1] = {hn::Load(d, tail)};
  VF e[1];
  Exp2<1>(d, in, e);
  hn::Store(e[0], d, tail);
  for (std::size_t k = i; k < count; ++k) out[k] = tail[k - i];
}

}  // namespace blobflow::simd_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard toggled per target
