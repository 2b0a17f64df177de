// Internal to solvers/src (not installed): the vector Gaussian kernel shared by the SIMD engines, SimdSum
// (simd_sum.cpp, all pairs) and TruncatedSimdSum (truncated_simd_sum.cpp, cutoff). PERF-NOTES.md §2-§3, written anew:
//  - 2^t for t <= 0 by a branch-free polynomial: t clamped at -1100, n = rint(t), f = t - n in [-1/2, 1/2] (exact),
//    2^f by a degree-10 polynomial, scaled by 2^n (vscalefpd on AVX-512, which underflows to 0 without a branch);
//  - the one-sided tile: U zmm registers of 8 targets each against a range of sources broadcast one at a time,
//    accumulating w_j 2^(-c |y - x_j|^2) (y - x_j) (gradient) or w_j 2^(-c |y - x_j|^2) (potential); the portable
//    scalar loop computes the same sums with the same polynomial;
//  - flush-to-zero/denormals-are-zero only while a kernel runs, and a thread-count independent parallel loop.
// Everything here is inline and has internal linkage in spirit (namespace blobflow::simd_detail); only the .cpp files
// of the engines include it.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define BLOBFLOW_SIMD_X86 1
#include <immintrin.h>
#else
#define BLOBFLOW_SIMD_X86 0
#endif

namespace blobflow::simd_detail {

/// 2^f on [-1/2, 1/2], lowest order first: the degree-10 polynomial interpolating 2^f at the 11 Chebyshev nodes
/// cos((2k + 1) pi / 22) / 2, from a Vandermonde solve in 50-digit arithmetic (mpmath), rounded to double. Its
/// maximum relative error is 3.1e-16; evaluated by Horner in double, 4.3e-16 (kSimdExp2RelativeError).
inline constexpr std::array<double, 11> kExp2Poly = {
    1.0,                    0.69314718055995,       0.24022650695910097,   0.05550410866444772,
    0.009618129107606888,   0.0013333558230164974,  0.0001540353044173605, 1.5252657260200837e-05,
    1.321544258792169e-06,  1.0208690299958306e-07, 7.072585949269223e-09};
/// t is clamped here: 2^t is 0 in double below -1075 anyway, and n = rint(t) stays a small exact integer.
inline constexpr double kExp2Clamp = -1100.0;
/// (t + 1.5 2^52) - 1.5 2^52 is rint(t) in round-to-nearest for |t| < 2^51 (no -ffast-math: not folded away).
inline constexpr double kRoundMagic = 0x1.8p52;
/// The smallest exponent of a normal double; 2^n with n below it is flushed to 0.
inline constexpr std::int64_t kMinNormalExponent = -1022;
inline constexpr std::int64_t kExponentBias = 1023;
inline constexpr int kMantissaBits = 52;
/// A second thread pays off above ~2e5 pair evaluations (~50 us of work against ~20-50 us to start a thread).
inline constexpr double kMinPairsPerThread = 2e5;

/// Source arrays of a kernel call: coordinate k of source j is x[k][j], its weight w[j].
struct Sources {
  std::array<const double*, 3> x{};
  const double* w = nullptr;
};

// --- the portable path --------------------------------------------------------------------------------------------

/// 2^t for t <= 0 (kSimdExp2RelativeError for t >= -1022, else 0): the same polynomial as the AVX-512 path.
inline double exp2_portable(double t) {
  t = t > kExp2Clamp ? t : kExp2Clamp;
  const double n = (t + kRoundMagic) - kRoundMagic;
  const double f = t - n;  // exact: |f| <= 1/2 and t, n within a factor 2 (Sterbenz) or n = 0
  double p = kExp2Poly[10];
  for (int k = 9; k >= 0; --k) p = p * f + kExp2Poly[static_cast<std::size_t>(k)];
  const auto e = static_cast<std::int64_t>(n);
  const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(e + kExponentBias) << kMantissaBits);
  return e < kMinNormalExponent ? 0.0 : p * scale;
}

/// acc[.] += sum over sources j0 <= j < j1 of w_j 2^(neg_c |y - x_j|^2) (y - x_j) (G) or w_j 2^(neg_c |y - x_j|^2),
/// for one target y (D coordinates); the scalar twin of one_sided_tile.
template <int D, bool G>
inline void portable_target_sum(const double (&y)[D], double (&acc)[G ? D : 1], const Sources& s, std::size_t j0,
                                std::size_t j1, double neg_c) {
  for (std::size_t j = j0; j < j1; ++j) {
    double diff[D], r2 = 0.0;
    for (int k = 0; k < D; ++k) {
      diff[k] = y[k] - s.x[k][j];
      r2 += diff[k] * diff[k];
    }
    const double we = exp2_portable(r2 * neg_c) * s.w[j];
    if constexpr (G) {
      for (int k = 0; k < D; ++k) acc[k] += we * diff[k];
    } else {
      acc[0] += we;
    }
  }
}

// --- the AVX-512 path ---------------------------------------------------------------------------------------------
#if BLOBFLOW_SIMD_X86
// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized on its own _mm512_undefined_* placeholders (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define BLOBFLOW_AVX512 __attribute__((target("avx512f")))
#define BLOBFLOW_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) inline

/// MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6): without them every underflowing 2^t costs a
/// microcode assist (PERF-NOTES.md §2, a 10x slowdown); set only while a kernel runs, then restored.
inline constexpr unsigned kMxcsrFlushToZero = 0x8000;
inline constexpr unsigned kMxcsrDenormalsAreZero = 0x0040;

class FlushToZeroScope {
 public:
  explicit FlushToZeroScope(bool active) : active_(active), saved_(active ? _mm_getcsr() : 0u) {
    if (active_) _mm_setcsr(saved_ | kMxcsrFlushToZero | kMxcsrDenormalsAreZero);
  }
  ~FlushToZeroScope() {
    if (active_) _mm_setcsr(saved_);
  }
  FlushToZeroScope(const FlushToZeroScope&) = delete;
  FlushToZeroScope& operator=(const FlushToZeroScope&) = delete;

 private:
  bool active_;
  unsigned saved_;
};

/// 2^t, 8 lanes, branch-free: clamp, n = rint(t), f = t - n, Horner, then p 2^n by vscalefpd (0 on underflow).
BLOBFLOW_AVX512_INLINE __m512d exp2_avx512(__m512d t) {
  t = _mm512_max_pd(t, _mm512_set1_pd(kExp2Clamp));
  const __m512d magic = _mm512_set1_pd(kRoundMagic);
  const __m512d n = _mm512_sub_pd(_mm512_add_pd(t, magic), magic);
  const __m512d f = _mm512_sub_pd(t, n);
  __m512d p = _mm512_set1_pd(kExp2Poly[10]);
#pragma GCC unroll 10
  for (int k = 9; k >= 0; --k) p = _mm512_fmadd_pd(p, f, _mm512_set1_pd(kExp2Poly[static_cast<std::size_t>(k)]));
  return _mm512_scalef_pd(p, n);
}

/// acc[.][u] += sum over sources j0 <= j < j1 of w_j 2^(-c r^2) (y_u - x_j) (or w_j 2^(-c r^2)), sources broadcast.
template <int D, bool G, int U>
BLOBFLOW_AVX512_INLINE void one_sided_tile(const __m512d (&y)[D][U], __m512d (&acc)[G ? D : 1][U], const Sources& s,
                                           std::size_t j0, std::size_t j1, __m512d neg_c) {
  for (std::size_t j = j0; j < j1; ++j) {
    __m512d xb[D];
    for (int k = 0; k < D; ++k) xb[k] = _mm512_set1_pd(s.x[k][j]);
    const __m512d wb = _mm512_set1_pd(s.w[j]);
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) {
      __m512d diff[D];
      for (int k = 0; k < D; ++k) diff[k] = _mm512_sub_pd(y[k][u], xb[k]);
      __m512d r2 = _mm512_mul_pd(diff[0], diff[0]);
      for (int k = 1; k < D; ++k) r2 = _mm512_fmadd_pd(diff[k], diff[k], r2);
      const __m512d e = exp2_avx512(_mm512_mul_pd(r2, neg_c));
      if constexpr (G) {
        const __m512d we = _mm512_mul_pd(e, wb);
        for (int k = 0; k < D; ++k) acc[k][u] = _mm512_fmadd_pd(we, diff[k], acc[k][u]);
      } else {
        acc[0][u] = _mm512_fmadd_pd(e, wb, acc[0][u]);
      }
    }
  }
}
#pragma GCC diagnostic pop
#else
class FlushToZeroScope {
 public:
  explicit FlushToZeroScope(bool) {}
};
#endif

/// Whether this CPU can run the AVX-512 path (AVX512F, checked at run time).
inline bool avx512_supported() {
#if BLOBFLOW_SIMD_X86
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

/// Runs work(item, worker) for item = 0..n_items-1 on n_threads threads (the caller is worker 0), items taken in
/// order from a shared counter. Each item must write its own outputs only (scratch space may be per worker), so the
/// result does not depend on who ran it.
template <class F>
void run_parallel(std::size_t n_items, unsigned n_threads, bool flush_to_zero, const F& work) {
  std::atomic<std::size_t> next{0};
  const auto worker = [&](unsigned id) {
    const FlushToZeroScope scope(flush_to_zero);
    for (std::size_t item = next.fetch_add(1); item < n_items; item = next.fetch_add(1)) work(item, id);
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < n_threads; ++t) pool.emplace_back(worker, t);
  worker(0);
}

/// The threads worth starting for `pairs` pair evaluations split into n_items items, at most n_threads.
inline unsigned threads_for(double pairs, std::size_t n_items, unsigned n_threads) {
  const double useful = std::max(1.0, std::floor(pairs / kMinPairsPerThread));
  return static_cast<unsigned>(std::min({static_cast<double>(n_threads), useful, static_cast<double>(n_items)}));
}

inline bool all_finite(const double* v, std::size_t n) {
  return std::all_of(v, v + n, [](double a) { return std::isfinite(a); });
}

}  // namespace blobflow::simd_detail
