// The SIMD direct summation engine: DirectSum's four all-pairs sums for the Gaussian kernel (the psi of the Gaussian
// mollifier, used by wpme and pme; docs/math.md §2.3), vectorized and threaded, at full double accuracy.
// docs/performance.md §2-§4 describe the method and the limits of the machine; this is a fresh implementation of it:
//  - exp(-|y - x|^2 / (2 sigma^2)) = 2^t with t = -c |y - x|^2, c = log2(e) / (2 sigma^2); differences are taken in
//    the caller's coordinates (not pre-scaled ones, whose rounding would cost ~|x| / sigma ulps in t);
//  - 2^t by an inlined, branch-free polynomial: n = floor(t), f = t - n in [0, 1) (exact), 2^f by a degree-10
//    polynomial, then n added to its exponent bits (at most 2^-1022 below 2^-1022, no slow path);
//  - register blocking: blocks of targets held in vector registers (64 in 1D and 32 in 2D/3D with AVX-512, 16 and 8
//    with AVX2), sources broadcast one at a time;
//  - the self sums use pair (anti)symmetry, grad K(x_i - x_j) = -grad K(x_j - x_i): a vector of sources is cycled
//    through its lane rotations against a target block, so each off-diagonal pair costs one exp;
//  - threads over target blocks (one-sided) or over a fixed partition of the target rows (self sums), with
//    per-partition source-side arrays added in partition order: the result is bitwise the same for any thread count;
//  - flush-to-zero set in each worker only while the kernel runs, and restored.
// One source (solvers/src/simd_kernel-inl.h, Google Highway) serves every vector instruction set: it is compiled
// for each target of simd_targets() and the best one this CPU supports is chosen at run time (simd_target()), with
// a plain C++ emulation (EMU128) as the fallback everywhere. Kernels other than GaussianKernel are summed by
// DirectSum's reference loops (stated: this engine accelerates the Gaussian only).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"

namespace blobflow {

/// A vector instruction set the SIMD engines can run on: Highway's bit for it (HWY_AVX3_DL, HWY_AVX3 (AVX-512),
/// HWY_AVX2, HWY_SSE4, HWY_NEON, ..., HWY_EMU128 for the plain C++ emulation).
using SimdTarget = std::int64_t;

/// The targets compiled into blobflow that this CPU can run, best first; the last is always the portable EMU128.
/// Not affected by simd_restrict.
std::vector<SimdTarget> simd_targets();

/// A target's name as Highway spells it: "AVX3_DL", "AVX3", "AVX2", "SSE4", "EMU128", "NEON", ...
std::string simd_target_name(SimdTarget target);

/// The target named `name` (case-insensitive), one of simd_targets().
/// \throws std::invalid_argument if no target of simd_targets() has that name; the message lists them.
SimdTarget simd_target_from_name(std::string_view name);

/// The target the SIMD engines run on now: the best of simd_targets() that simd_restrict allows.
SimdTarget simd_target();

/// Restricts the SIMD engines, process-wide, to `target` and the targets below it (so that simd_target() ==
/// target), until called again; 0 lifts the restriction. The environment variable BLOBFLOW_SIMD_TARGET=NAME (e.g.
/// AVX2) does the same before the first sum, which lets whole runs and benchmarks measure a lesser target.
/// Not to be called while a sum runs on another thread.
/// \throws std::invalid_argument if target is neither 0 nor one of simd_targets().
void simd_restrict(SimdTarget target);

/// The engines' 2^t for t <= 0 (t must not be NaN), elementwise, on simd_target().
/// Error bound (tests: simd_sum test, every target): |result / 2^t - 1| <= kSimdExp2RelativeError for
/// -1022 <= t <= 0; for t < -1022 the result lies in [0, 2^-1022] (0 for t <= -1023 and t = -inf).
/// \throws std::invalid_argument if t and out differ in size.
void simd_exp2(std::span<const double> t, std::span<double> out);

/// The stated bound of simd_exp2 for -1022 <= t <= 0: the degree-10 polynomial for 2^f on [0, 1] is within 6.0e-16
/// of 2^f, its Horner evaluation in double adds ~0.7e-16 (measured total 6.7e-16 on 2e4 points in 50-digit
/// arithmetic); f = t - floor(t) and the scaling by 2^floor(t) are exact. 1e-15 leaves room for rounding without
/// FMA (SSE4 and the EMU128 emulation evaluate Horner with separate multiplies and adds).
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
      "all pairs with the best SIMD target of the CPU (AVX-512, AVX2, SSE4, NEON, ...), a polynomial exp "
      "(error <= 1e-15), pair symmetry and threads; "
      "equals direct to <= 1e-13; Gaussian mollifier only, other kernels use the direct loops";

  /// All hardware threads, pair symmetry in the self sums.
  SimdSum() : SimdSum(0, true) {}
  /// \param n_threads   worker threads; 0 means std::thread::hardware_concurrency(). Results do not depend on it.
  /// \param symmetric   use pair (anti)symmetry in self_potential/self_gradient (halves the exps).
  SimdSum(unsigned n_threads, bool symmetric);

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

  unsigned n_threads_ = 1;
  bool symmetric_ = true;
};

static_assert(SummationEngine<SimdSum, GaussianKernel>);

}  // namespace blobflow
