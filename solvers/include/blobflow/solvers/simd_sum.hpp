// The SIMD direct summation engine: DirectSum's four all-pairs sums for the Gaussian kernel (the psi of the Gaussian
// mollifier, used by wpme and pme; docs/math.md §2.3), vectorized with AVX-512 and threaded, at full double accuracy.
// docs/performance.md §2-§4 describe the method and the limits of this machine kind; this is a fresh implementation of
// it:
//  - exp(-|y - x|^2 / (2 sigma^2)) = 2^t with t = -c |y - x|^2, c = log2(e) / (2 sigma^2); differences are taken in
//    the caller's coordinates (not pre-scaled ones, whose rounding would cost ~|x| / sigma ulps in t);
//  - 2^t by an inlined, branch-free polynomial: t clamped at -1100, n = rint(t), f = t - n in [-1/2, 1/2] (exact),
//    2^f by a degree-10 polynomial, then scaled by 2^n (vscalefpd, which underflows to 0 without a branch);
//  - register blocking: 64 targets (1D) or 32 (2D, 3D) held in zmm registers, sources broadcast one at a time;
//  - the self sums use pair (anti)symmetry, grad K(x_i - x_j) = -grad K(x_j - x_i): 8 sources are cycled through
//    their 8 lane rotations against a target block, so each off-diagonal pair costs one exp;
//  - threads over target blocks (one-sided) or over a fixed partition of the target rows (self sums), with
//    per-partition source-side arrays added in partition order: the result is bitwise the same for any thread count;
//  - flush-to-zero/denormals-are-zero set in each worker only while the kernel runs, and restored.
// The AVX-512 code is chosen at run time (__builtin_cpu_supports); elsewhere a portable scalar path with the same
// polynomial and the same (thread-count independent) work partition runs. Kernels other than GaussianKernel are
// summed by DirectSum's reference loops (stated: this engine accelerates the Gaussian only).
#pragma once

#include <concepts>
#include <cstddef>
#include <span>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"

namespace blobflow {

/// Which code path SimdSum runs: the best the CPU supports, or one forced (for tests and benchmarks).
enum class SimdPath { kAuto, kAvx512, kPortable };

/// Whether this CPU can run the AVX-512 path (AVX512F and AVX512DQ, checked at run time).
bool simd_avx512_available();

/// The engine's 2^t for t <= 0 (t must not be NaN), elementwise, on the given path (kAuto: the best available).
/// Error bound (tests: simd_sum test): |result / 2^t - 1| <= kSimdExp2RelativeError for -1022 <= t <= 0; for
/// t < -1022 the result lies in [0, 2^-1022] (results below the smallest normal double are flushed to 0).
/// \throws std::invalid_argument if t and out differ in size, or kAvx512 is forced on a CPU without AVX-512.
void simd_exp2(std::span<const double> t, std::span<double> out, SimdPath path = SimdPath::kAuto);

/// The stated bound of simd_exp2 for -1022 <= t <= 0: the degree-10 polynomial for 2^f on [0, 1] is within 6.0e-16
/// of 2^f, its Horner evaluation in double adds ~0.7e-16 (measured total 6.7e-16 on 2e4 points in 50-digit
/// arithmetic); f = t - floor(t) and the scaling by 2^floor(t) are exact. 1e-15 leaves room for rounding without
/// FMA (the portable path).
inline constexpr double kSimdExp2RelativeError = 1e-15;

/// SIMD + threaded all-pairs summation, the SummationEngine of direct_sum.hpp for any RadialKernel.
///
/// GaussianKernel sums (the psi of the Gaussian mollifier) run on the fast path; every other kernel is handed to
/// DirectSum (same results, same cost as "direct"). Accuracy against DirectSum: each term's exp carries a relative
/// error below kSimdExp2RelativeError plus the rounding of t (|t| ulps, weighted by 2^t), and the terms are added in
/// a different order: tests require <= 1e-13 of max |sum| in 1D, 2D and 3D, for wide and narrow blobs and unequal
/// weights. Results are deterministic and independent of the number of threads. Non-finite coordinates or weights
/// are handed to DirectSum, so NaN/Inf propagate exactly as there.
class SimdSum {
 public:
  static constexpr const char* kName = "simd";
  static constexpr const char* kDescription =
      "all pairs with AVX-512 (portable fallback), a polynomial exp (error <= 1e-15), pair symmetry and threads; "
      "equals direct to <= 1e-13; Gaussian mollifier only, other kernels use the direct loops";

  /// The best path, all hardware threads, pair symmetry in the self sums.
  SimdSum() : SimdSum(SimdPath::kAuto) {}
  /// \param path        kAuto (best available), or a forced path.
  /// \param n_threads   worker threads; 0 means std::thread::hardware_concurrency(). Results do not depend on it.
  /// \param symmetric   use pair (anti)symmetry in self_potential/self_gradient (halves the exps).
  /// \throws std::invalid_argument if kAvx512 is forced on a CPU without AVX-512.
  explicit SimdSum(SimdPath path, unsigned n_threads = 0, bool symmetric = true);

  /// The path this engine runs (kAvx512 or kPortable, never kAuto).
  SimdPath path() const { return path_; }
  /// The number of worker threads (>= 1). Small sums run on fewer, with the same result.
  unsigned threads() const { return n_threads_; }
  /// Whether the self sums use pair symmetry.
  bool symmetric() const { return symmetric_; }

  /// s_i = sum_j w_j K(y_i - x_j); `out` has one entry per target.
  template <RadialKernel K>
  void potential(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                 std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, targets, sources, w, out, false, false);
    else DirectSum{}.potential(kernel, targets, sources, w, out);
  }

  /// g_i = sum_j w_j grad K(y_i - x_j); `out` has d entries per target, particle-major.
  template <RadialKernel K>
  void gradient(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, targets, sources, w, out, true, false);
    else DirectSum{}.gradient(kernel, targets, sources, w, out);
  }

  /// The potential with targets = sources (the j = i term included), using K(x_i - x_j) = K(x_j - x_i).
  template <RadialKernel K>
  void self_potential(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, x, x, w, out, false, symmetric_);
    else DirectSum{}.self_potential(kernel, x, w, out);
  }

  /// The gradient with targets = sources, using grad K(x_i - x_j) = -grad K(x_j - x_i).
  template <RadialKernel K>
  void self_gradient(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, x, x, w, out, true, symmetric_);
    else DirectSum{}.self_gradient(kernel, x, w, out);
  }

 private:
  void gaussian(const GaussianKernel& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out, bool gradient, bool self_symmetric) const;

  SimdPath path_ = SimdPath::kPortable;
  unsigned n_threads_ = 1;
  bool symmetric_ = true;
};

static_assert(SummationEngine<SimdSum, GaussianKernel>);

}  // namespace blobflow
