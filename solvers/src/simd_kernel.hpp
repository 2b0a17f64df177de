// Internal to solvers/src (not installed): what the SIMD engines share besides the vector code itself, which lives
// in simd_kernel-inl.h (one source for every vector target, compiled once per target by Highway). Users: SimdSum
// (simd_sum.cpp, all pairs), TruncatedSimdSum (truncated_simd_sum.cpp, cutoff), FftSum (fft_sum.cpp, the thread
// loop). docs/performance.md §2-§4 describe the method and the machine limits. Here:
//  - the coefficients of the exp's polynomial 2^f on [0, 1] and the constants of the branch-free 2^t;
//  - the kernels' form of the weights (w_j = W 2^(lw_j), exponents folded into the exp's argument);
//  - the description of one tile's work (TileJob), handed from the engines to the per-target code;
//  - flush-to-zero per architecture, and a parallel loop whose results do not depend on the thread count.
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

#if defined(__x86_64__) || defined(__i386__)
#define BLOBFLOW_FTZ_X86 1
#include <xmmintrin.h>  // _mm_getcsr, _mm_setcsr: the MXCSR control register, not vector arithmetic
#elif defined(__aarch64__) && defined(__GNUC__)
#define BLOBFLOW_FTZ_AARCH64 1
#endif

namespace blobflow::simd_detail {

/// 2^f on [0, 1], lowest order first: 1 + f r(f), r the degree-9 polynomial interpolating (2^f - 1) / f at the 10
/// Chebyshev nodes (1 + cos((2k + 1) pi / 20)) / 2, from a Vandermonde solve in 50-digit arithmetic (mpmath), rounded
/// to double; the constant term 1 makes 2^n exact at integers n. With these double coefficients its maximum relative
/// error is 6.0e-16; evaluated by Horner with FMA in double, 6.7e-16 (2e4 points, 50-digit reference;
/// kSimdExp2RelativeError). Every target evaluates the same polynomial the same way (targets without FMA, such as
/// SSE4, round the product and the sum apart: the test measures each target against the same bound).
inline constexpr std::array<double, 11> kExp2Poly = {
    1.0,                    0.6931471805599442,    0.2402265069593276,    0.055504108657345015,
    0.009618129203070183,   0.0013333551969191356, 0.00015403759532094086, 1.5247576328225964e-05,
    1.3286935541919544e-06, 9.586441203295087e-08, 9.693777298298426e-09};
/// 2^t is computed for t clamped below at this value: floor(t) = -1023 then moves 2^f's exponent field to 0, so
/// 2^-1023 (f = 0, and every t below) comes out as +0.0 and -1023 < t < -1022 as a subnormal below 2^-1022, without a
/// branch or a select.
inline constexpr double kExp2Lowest = -1023.0;
inline constexpr int kMantissaBits = 52;
/// 1.5 * 2^52: for an integer n in [-1023, 0], n + kShiftMagic is exact and holds n in its low mantissa bits (two's
/// complement), so shifted left by kMantissaBits it is n in the exponent field, added to the bits of 2^f as an
/// integer.
inline constexpr double kShiftMagic = 6755399441055744.0;
/// The exponent standing for weight 0: 2^(-2000 - r^2) is 0 in double (and below the clamp).
inline constexpr double kZeroWeightExponent = -2000.0;
/// A second thread pays off above ~2e5 pair evaluations (~50 us of work against ~20-50 us to start a thread).
inline constexpr double kMinPairsPerThread = 2e5;
/// Targets and sources of the all-pairs sums are padded to a multiple of this, the largest tile of any target
/// (8 lanes times 8 vectors on AVX-512 in 1D); every target's tile divides it.
inline constexpr std::size_t kMaxTile = 64;

/// Source arrays of a one-sided kernel call: coordinate k of source j is x[k][j], its weight 2^lw[j].
struct Sources {
  std::array<const double*, 3> x{};
  const double* lw = nullptr;
};

/// One tile's work for the per-target code (simd_kernel-inl.h). One-sided: the tile's targets y[k][i0 + i] against
/// sources [j0, j1) with weights 2^lw[j], sums written to out[a][i0 + i]. Symmetric (self sums, targets = sources):
/// additionally the target weights yw and source weights w (w_j / W), n_sources_pad sources, and the partition's
/// source-side array.
struct TileJob {
  double neg_c = 0.0;  // -log2(e) / (2 sigma^2)
  std::array<const double*, 3> y{};
  const double* yw = nullptr;
  Sources sources;
  const double* w = nullptr;
  std::size_t j0 = 0, j1 = 0, n_sources_pad = 0;
  std::array<double*, 3> out{};
};

/// The per-target tile functions the engines fetch through Highway's dispatch (simd_sum.cpp,
/// truncated_simd_sum.cpp): a one-sided tile at target offset i0, and a row block of a symmetric self sum.
using OneSidedFn = void (*)(const TileJob& job, std::size_t i0);
using RowFn = void (*)(const TileJob& job, std::size_t block, double* col, std::size_t col_offset,
                       std::size_t col_len);

/// SimdSum's one-sided tile on simd_target() (the function runs TileJob's targets [i0, i0 + tile) against its
/// sources) and its number of targets: what BM_TileCeiling (bench/bench_engines.cpp) times alone (simd_sum.cpp).
OneSidedFn one_sided_tile_of_target(int dim, bool gradient);
std::size_t tile_targets_of_target(int dim);

/// Applies BLOBFLOW_SIMD_TARGET (simd_sum.hpp) the first time it is called; the engines call it before each
/// dispatch, so the variable takes effect before the first vector kernel runs (simd_targets.cpp).
void apply_target_environment();

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

// --- flush to zero, per architecture ---------------------------------------------------------------------------

/// Flush-to-zero (results below the smallest normal double become 0) and, on x86, denormals-are-zero (such inputs
/// read as 0), set only while a kernel runs and then restored, so NaN/Inf detection elsewhere is untouched.
/// Without them every denormal operand or result can cost a microcode assist (docs/performance.md §2). x86: MXCSR
/// bits 15 (FTZ) and 6 (DAZ); AArch64: FPCR bit 24 (FZ); elsewhere nothing is changed (the kernels are correct
/// either way: 2^t below 2^-1022 is already 0, only denormal products of it would run slower).
class FlushToZeroScope {
 public:
  explicit FlushToZeroScope(bool active) : active_(active) {
    if (active_) saved_ = swap(true);
  }
  ~FlushToZeroScope() {
    if (active_) restore(saved_);
  }
  FlushToZeroScope(const FlushToZeroScope&) = delete;
  FlushToZeroScope& operator=(const FlushToZeroScope&) = delete;

 private:
#if BLOBFLOW_FTZ_X86
  static constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
  static std::uint64_t swap(bool) {
    const unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | kFlushToZero | kDenormalsAreZero);
    return saved;
  }
  static void restore(std::uint64_t saved) { _mm_setcsr(static_cast<unsigned>(saved)); }
#elif BLOBFLOW_FTZ_AARCH64
  static constexpr std::uint64_t kFlushToZero = std::uint64_t{1} << 24;
  static std::uint64_t swap(bool) {
    const std::uint64_t saved = __builtin_aarch64_get_fpcr64();
    __builtin_aarch64_set_fpcr64(saved | kFlushToZero);
    return saved;
  }
  static void restore(std::uint64_t saved) { __builtin_aarch64_set_fpcr64(saved); }
#else
  static std::uint64_t swap(bool) { return 0; }
  static void restore(std::uint64_t) {}
#endif
  bool active_;
  std::uint64_t saved_ = 0;
};

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
