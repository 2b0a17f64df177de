// The SIMD cutoff summation engine: TruncatedSum's sums (truncated_sum.hpp) for the Gaussian kernel, computed with
// SimdSum's vector kernel (simd_sum.hpp: the inlined polynomial 2^t, register blocks on the best SIMD target of the
// CPU, flush-to-zero only inside the kernel) over neighbour ranges instead of all pairs, on all cores (docs/performance.md §6: "the sorted
// cutoff sum is both exact and the fastest"; cell lists are its 2D/3D analogue).
//
// Method (rebuilt on every call; the engine holds no state but its options):
//  - 1D: sources sorted by coordinate; targets sorted and cut into blocks of consecutive ones (32 with AVX-512, 16
//    with AVX2: at most 4 vectors); a block sums the contiguous sources in [y_first - R, y_last + R] with the vector
//    tile.
//  - 2D/3D: sources sorted into a sparse grid of cubes of side >= R (cell list); targets sorted along a finer grid
//    (cells holding about one block each) and cut into blocks; a block gathers the sources of the cells that
//    meet its bounding box grown by R, keeps those within R of the box, and sums them with the vector tile.
//  - 1D self sums (targets = sources) use pair symmetry: each block sums its own targets one-sided and the sources
//    above it, up to the last one within R of the block, once for both particles of each pair (SimdSum's rotating
//    tile); row blocks go in a fixed number of contiguous chunks, each adding the source-side terms to its own array,
//    and the arrays are added in chunk order (BM_SelfGradientOfPsi at N = 1e6, eps = 4 h: 19% less time than
//    one-sided with AVX-512, 28% with AVX2);
//  - threads over blocks (or chunks); each writes its own results, so they are bitwise the same for any thread
//    count.
// Pairs farther apart than R inside a block's range are summed too, with their exact (tiny or zero) values: the
// sums equal DirectSum's to round-off plus at most TruncatedSum's neglected tail, never more.
// A separate engine rather than a fast path of TruncatedSum: that engine keeps its scalar, libm-exact, threadless
// contract (a target with no source within R gets exactly 0, tested) and stays the portable cutoff reference.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <stdexcept>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"

namespace blobflow {

/// SIMD + threaded cutoff summation, the SummationEngine of direct_sum.hpp for every TruncatableKernel.
///
/// GaussianKernel sums run on the fast path (simd_target(): the best SIMD target of the CPU, the portable EMU128
/// emulation where there is none); every other kernel is handed to TruncatedSum with the same tolerance. Accuracy against
/// DirectSum: TruncatedSum's tail bound (terms beyond R = kernel.truncation_radius(tol) are at most tol of the peak)
/// plus, per term, the exp error of SimdSum (kSimdExp2RelativeError and the rounding of t) and a different summation
/// order: tests require <= 1e-13 of max |sum| in 1D, 2D and 3D, for wide and narrow blobs and unequal weights.
/// Non-finite coordinates or weights are handed to DirectSum, so NaN/Inf propagate exactly as there.
class TruncatedSimdSum {
 public:
  static constexpr const char* kName = "truncated-simd";
  static constexpr const char* kDescription =
      "cutoff sums of truncated with simd's vector kernel: sorted target blocks against source ranges (1D) or cell "
      "lists (2D/3D), the best SIMD target of the CPU, threads; equals direct to <= 1e-13; Gaussian mollifier only, "
      "other kernels use truncated";

  /// All hardware threads, TruncatedSum's default tolerance.
  TruncatedSimdSum() : TruncatedSimdSum(0, TruncatedSum::kDefaultRelativeTolerance) {}
  /// \param n_threads           worker threads; 0 means std::thread::hardware_concurrency(). Results do not depend
  ///                            on it.
  /// \param relative_tolerance  the cutoff, as for TruncatedSum: terms below this fraction of the peak are skipped.
  /// \throws std::invalid_argument unless 0 < relative_tolerance < 1.
  TruncatedSimdSum(unsigned n_threads, double relative_tolerance);

  /// The number of worker threads (>= 1). Small sums run on fewer, with the same result.
  unsigned threads() const { return n_threads_; }
  double relative_tolerance() const { return tol_; }

  /// s_i = sum_j w_j K(y_i - x_j) over (at least) the pairs with |y_i - x_j| <= R; one entry per target.
  template <TruncatableKernel K>
  void potential(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                 std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, targets, sources, w, out, false);
    else TruncatedSum(tol_).potential(kernel, targets, sources, w, out);
  }

  /// g_i = sum_j w_j grad K(y_i - x_j) over (at least) the pairs with |y_i - x_j| <= R; d entries per target.
  template <TruncatableKernel K>
  void gradient(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, targets, sources, w, out, true);
    else TruncatedSum(tol_).gradient(kernel, targets, sources, w, out);
  }

  /// The potential with targets = sources (the j = i term included).
  template <TruncatableKernel K>
  void self_potential(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    potential(kernel, x, x, w, out);
  }

  /// The gradient with targets = sources (grad K(0) = 0, so the j = i term adds nothing).
  template <TruncatableKernel K>
  void self_gradient(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    gradient(kernel, x, x, w, out);
  }

 private:
  void gaussian(const GaussianKernel& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out, bool gradient) const;

  unsigned n_threads_ = 1;
  double tol_ = TruncatedSum::kDefaultRelativeTolerance;
};

static_assert(SummationEngine<TruncatedSimdSum, GaussianKernel>);

}  // namespace blobflow
