// Internal to solvers/src (not installed): the vector Gaussian kernel shared by the SIMD engines, SimdSum
// (simd_sum.cpp, all pairs) and TruncatedSimdSum (truncated_simd_sum.cpp, cutoff). docs/performance.md §2-§4 describe
// the machine limits; this kernel needs fewer vector instructions per pair than the straightforward one:
//  - 2^t by a branch-free polynomial: f = t - floor(t) in [0, 1) (exact), 2^f by a degree-10 polynomial, then
//    p 2^floor(t). On AVX-512 both steps are one instruction each: vreducepd gives f, vscalefpd multiplies by
//    2^floor(t) itself and underflows to 0 without a branch, also for t = -inf; no clamp is needed;
//  - one-sided sums take positive weights as exponents, w_j = 2^(lw_j): the term w_j exp(-|y - x_j|^2 / (2 sigma^2))
//    is 2^(lw_j - c |y - x_j|^2) with c = log2(e) / (2 sigma^2), and the exponent costs one fma after |y - x_j|^2,
//    with no multiplication by w_j afterwards. Per 8 pairs the 1D gradient tile issues 16 vector instructions (sub,
//    mul, fma, reduce, 10 fma, scalef, fma) where a clamped exp with a separate weight multiply issues 17-18.
//    (Coordinates are not pre-scaled by sqrt(c), which would save one more: s x rounds to ulp(s |x|), an error of
//    |x| / sigma ulps in the differences, 1e-11 relative at N = 1e6 on [0, 1]; y - x of nearby points is exact.);
//  - the one-sided tile: U zmm registers of 8 targets each against a range of sources broadcast one at a time,
//    accumulating 2^(lw_j - c |y - x_j|^2) (y - x_j) (gradient) or 2^(lw_j - c |y - x_j|^2) (potential); the
//    portable scalar loop computes the same sums with the same polynomial; the Horner steps of kInterleavedChains
//    exps are written side by side;
//  - flush-to-zero/denormals-are-zero only while a kernel runs, and a thread-count independent parallel loop (also
//    used by FftSum).
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
#include <numbers>
#include <span>
#include <thread>
#include <vector>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define BLOBFLOW_SIMD_X86 1
#include <immintrin.h>
#else
#define BLOBFLOW_SIMD_X86 0
#endif

namespace blobflow::simd_detail {

/// 2^f on [0, 1], lowest order first: 1 + f r(f), r the degree-9 polynomial interpolating (2^f - 1) / f at the 10
/// Chebyshev nodes (1 + cos((2k + 1) pi / 20)) / 2, from a Vandermonde solve in 50-digit arithmetic (mpmath), rounded
/// to double; the constant term 1 makes 2^n exact at integers n. With these double coefficients its maximum relative
/// error is 6.0e-16; evaluated by Horner with FMA in double, 6.7e-16 (2e4 points, 50-digit reference;
/// kSimdExp2RelativeError).
inline constexpr std::array<double, 11> kExp2Poly = {
    1.0,                    0.6931471805599442,    0.2402265069593276,    0.055504108657345015,
    0.009618129203070183,   0.0013333551969191356, 0.00015403759532094086, 1.5247576328225964e-05,
    1.3286935541919544e-06, 9.586441203295087e-08, 9.693777298298426e-09};
/// The portable path clamps t here: 2^t is 0 in double below -1075 anyway, and floor(t) stays a small exact integer.
inline constexpr double kExp2Clamp = -1100.0;
/// The exponent standing for weight 0: 2^(-2000 - r^2) is 0 in double (and below the clamp).
inline constexpr double kZeroWeightExponent = -2000.0;
/// The smallest exponent of a normal double; 2^n with n below it is flushed to 0.
inline constexpr std::int64_t kMinNormalExponent = -1022;
inline constexpr std::int64_t kExponentBias = 1023;
inline constexpr int kMantissaBits = 52;
/// A second thread pays off above ~2e5 pair evaluations (~50 us of work against ~20-50 us to start a thread).
inline constexpr double kMinPairsPerThread = 2e5;

/// Source arrays of a one-sided kernel call: coordinate k of source j is x[k][j], its weight 2^lw[j].
struct Sources {
  std::array<const double*, 3> x{};
  const double* lw = nullptr;
};

/// -c = -log2(e) / (2 sigma^2): exp(-r^2 / (2 sigma^2)) = 2^(-c r^2).
inline double minus_exp2_rate(double sigma) { return -std::numbers::log2e / (2.0 * sigma * sigma); }

/// Weights in the kernels' form: w_j = scale 2^lw[j] with scale a power of 2 not below max w (so w_j / scale is
/// exact and lw[j] <= 0: exponents of the largest weights stay small, and so does their rounding), weight 0 as
/// kZeroWeightExponent; also normalized[j] = w_j / scale, for the kernels that multiply by weights. Needs w_j >= 0
/// (the engines split signed weights into two sums).
struct KernelWeights {
  double scale = 1.0;
  std::vector<double> lw, normalized;

  /// Sets the weights from w (normalized only when asked, else left empty), reusing the vectors' memory.
  void assign(std::span<const double> w, bool with_normalized) {
    const double largest = w.empty() ? 0.0 : *std::max_element(w.begin(), w.end());
    scale = largest > 0.0 ? std::ldexp(1.0, std::ilogb(largest) + 1) : 1.0;
    const double inverse = 1.0 / scale;  // a power of 2: w_j * inverse is w_j / scale exactly
    lw.resize(w.size());
    normalized.resize(with_normalized ? w.size() : 0);
    for (std::size_t j = 0; j < w.size(); ++j) {
      if (with_normalized) normalized[j] = w[j] * inverse;
      if (j > 0 && w[j] == w[j - 1]) lw[j] = lw[j - 1];  // equal masses: one log2 for the whole run of them
      else lw[j] = w[j] > 0.0 ? std::log2(w[j] * inverse) : kZeroWeightExponent;
    }
  }
};

/// Whether some weight is negative: such sums run as sum(w+) - sum(w-), w+- = max(+-w, 0), two sums of the kernels'
/// non-negative form.
inline bool has_negative(std::span<const double> w) {
  return std::any_of(w.begin(), w.end(), [](double a) { return a < 0.0; });
}

/// The positive (sign = +1) or negative (sign = -1) part of w: max(sign w_j, 0).
inline std::vector<double> weight_part(std::span<const double> w, double sign) {
  std::vector<double> part(w.size());
  for (std::size_t j = 0; j < w.size(); ++j) part[j] = std::max(sign * w[j], 0.0);
  return part;
}

// --- the portable path --------------------------------------------------------------------------------------------

/// 2^t for t <= 0 (kSimdExp2RelativeError for t >= -1022, else 0): the same polynomial as the AVX-512 path.
inline double exp2_portable(double t) {
  t = t > kExp2Clamp ? t : kExp2Clamp;
  const double n = std::floor(t);
  const double f = t - n;  // exact: f in [0, 1) and t, n within a factor 2 (Sterbenz) or n = 0 or t = n
  double p = kExp2Poly[10];
  for (int k = 9; k >= 0; --k) p = p * f + kExp2Poly[static_cast<std::size_t>(k)];
  const auto e = static_cast<std::int64_t>(n);
  const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(e + kExponentBias) << kMantissaBits);
  return e < kMinNormalExponent ? 0.0 : p * scale;
}

/// acc[.] += sum over sources j0 <= j < j1 of 2^(lw_j + neg_c |y - x_j|^2) (y - x_j) (G) or the 2^(...) alone, for
/// one target y (D coordinates); the scalar twin of one_sided_tile.
template <int D, bool G>
inline void portable_target_sum(const double (&y)[D], double (&acc)[G ? D : 1], const Sources& s, std::size_t j0,
                                std::size_t j1, double neg_c) {
  for (std::size_t j = j0; j < j1; ++j) {
    double diff[D], r2 = 0.0;
    for (int k = 0; k < D; ++k) {
      diff[k] = y[k] - s.x[k][j];
      r2 += diff[k] * diff[k];
    }
    const double e = exp2_portable(r2 * neg_c + s.lw[j]);
    if constexpr (G) {
      for (int k = 0; k < D; ++k) acc[k] += e * diff[k];
    } else {
      acc[0] += e;
    }
  }
}

// --- the AVX-512 path ---------------------------------------------------------------------------------------------
#if BLOBFLOW_SIMD_X86
// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized on its own _mm512_undefined_* placeholders (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define BLOBFLOW_AVX512 __attribute__((target("avx512f,avx512dq")))
#define BLOBFLOW_AVX512_INLINE __attribute__((target("avx512f,avx512dq"), always_inline)) inline

/// MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6): without them every underflowing 2^t costs a
/// microcode assist (docs/performance.md §2, a 10x slowdown); set only while a kernel runs, then restored.
inline constexpr unsigned kMxcsrFlushToZero = 0x8000;
inline constexpr unsigned kMxcsrDenormalsAreZero = 0x0040;
/// vreducepd's immediate for t - floor(t): round toward -infinity (bits 1:0 = 01), keep 0 fraction bits (7:4).
inline constexpr int kReduceFloor = 0x01;

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

/// e[q] = 2^t[q] for t <= 0, Q vectors of 8 lanes, branch-free: f = t - floor(t) (vreducepd; 0 for t = -inf or
/// |t| >= 2^52), Horner with the Q chains' steps side by side, then p 2^floor(t) (vscalefpd, which floors t itself and
/// gives 0 on underflow and for t = -inf).
template <int Q>
BLOBFLOW_AVX512_INLINE void exp2_avx512(const __m512d (&t)[Q], __m512d (&e)[Q]) {
  __m512d f[Q], p[Q];
#pragma GCC unroll 8
  for (int q = 0; q < Q; ++q) {
    f[q] = _mm512_reduce_pd(t[q], kReduceFloor);
    p[q] = _mm512_set1_pd(kExp2Poly[10]);
  }
#pragma GCC unroll 10
  for (int k = 9; k >= 0; --k) {
    const __m512d c = _mm512_set1_pd(kExp2Poly[static_cast<std::size_t>(k)]);
#pragma GCC unroll 8
    for (int q = 0; q < Q; ++q) p[q] = _mm512_fmadd_pd(p[q], f[q], c);
  }
#pragma GCC unroll 8
  for (int q = 0; q < Q; ++q) e[q] = _mm512_scalef_pd(p[q], t[q]);
}

/// neg_c |d|^2 + base over the D coordinate differences d.
template <int D>
BLOBFLOW_AVX512_INLINE __m512d scaled_squared_norm_plus(const __m512d (&d)[D], __m512d neg_c, __m512d base) {
  __m512d r2 = _mm512_mul_pd(d[0], d[0]);
  for (int k = 1; k < D; ++k) r2 = _mm512_fmadd_pd(d[k], d[k], r2);
  return _mm512_fmadd_pd(r2, neg_c, base);
}

/// Exp chains the tiles write side by side. One chain (reduce, 10 dependent fmas, scalef) is ~60 cycles long; left
/// to the out-of-order core, 8 consecutive chains did not overlap well: interleaving their Horner steps 4 at a time
/// measured +25% on the 1D tile alone (BM_TileCeiling, 1 thread, 1.6-1.8e9 against 1.2-1.4e9 pairs/s) and +10% in 2D;
/// 2 or 8 at a time were slower (8: registers spill).
inline constexpr int kInterleavedChains = 4;

/// The exps of one group of a tile, shared by the one-sided and the symmetric tiles: for the Q targets u0..u0+Q-1
/// of y against one source vector x (broadcast, or lane-rotated), diff[q] = y_(u0+q) - x and
/// e[q] = 2^(base + neg_c |diff[q]|^2), the Q chains interleaved.
template <int D, int U, int Q>
BLOBFLOW_AVX512_INLINE void group_exps(const __m512d (&y)[D][U], int u0, const __m512d (&x)[D], __m512d neg_c,
                                       __m512d base, __m512d (&diff)[Q][D], __m512d (&e)[Q]) {
  __m512d t[Q];
#pragma GCC unroll 8
  for (int q = 0; q < Q; ++q) {
    for (int k = 0; k < D; ++k) diff[q][k] = _mm512_sub_pd(y[k][u0 + q], x[k]);
    t[q] = scaled_squared_norm_plus<D>(diff[q], neg_c, base);
  }
  exp2_avx512<Q>(t, e);
}

/// The chains per group of a tile of U target vectors.
template <int U>
inline constexpr int kGroupChains = kInterleavedChains < U ? kInterleavedChains : U;

/// acc[.][u] += sum over sources j0 <= j < j1 of 2^(lw_j + neg_c |y_u - x_j|^2) (y_u - x_j) (or the 2^(...) alone),
/// sources broadcast; the U exps of a source in groups of kGroupChains<U>.
template <int D, bool G, int U>
BLOBFLOW_AVX512_INLINE void one_sided_tile(const __m512d (&y)[D][U], __m512d (&acc)[G ? D : 1][U], const Sources& s,
                                           std::size_t j0, std::size_t j1, __m512d neg_c) {
  constexpr int Q = kGroupChains<U>;
  static_assert(U % Q == 0, "whole groups of chains");
  for (std::size_t j = j0; j < j1; ++j) {
    __m512d xb[D];
    for (int k = 0; k < D; ++k) xb[k] = _mm512_set1_pd(s.x[k][j]);
    const __m512d lwb = _mm512_set1_pd(s.lw[j]);
#pragma GCC unroll 8
    for (int u0 = 0; u0 < U; u0 += Q) {
      __m512d diff[Q][D], e[Q];
      group_exps<D, U, Q>(y, u0, xb, neg_c, lwb, diff, e);
#pragma GCC unroll 8
      for (int q = 0; q < Q; ++q) {
        if constexpr (G) {
          for (int k = 0; k < D; ++k) acc[k][u0 + q] = _mm512_fmadd_pd(e[q], diff[q][k], acc[k][u0 + q]);
        } else {
          acc[0][u0 + q] = _mm512_add_pd(e[q], acc[0][u0 + q]);
        }
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

/// Whether this CPU can run the AVX-512 path (AVX512F and AVX512DQ, for vreducepd; checked at run time).
inline bool avx512_supported() {
#if BLOBFLOW_SIMD_X86
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
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
