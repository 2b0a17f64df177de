// The grid/FFT summation engine in the style of smooth particle-mesh Ewald (SPME; Essmann et al., J. Chem. Phys. 103
// (1995) 8577): DirectSum's four sums for the Gaussian kernel (the psi of the Gaussian mollifier, docs/math.md §2.3)
// through a uniform grid, in O(N p^d + K^d log K) work instead of O(N M). docs/performance.md §6 describes the
// method and its measured accuracy; this is a fresh implementation of it:
//  - Grid: spacing h = sigma / r (r grid points per standard deviation), covering the bounding box of targets and
//    sources plus the B-spline support plus kPaddingSigmas sigma of padding, so that the periodic images the FFT
//    implies lie at least that far away (their terms are below exp(-kPaddingSigmas^2 / 2) ~ 2e-22 of the peak).
//    K per axis is the smallest 2^a 3^b 5^c at or above that length (fast FFT sizes).
//  - Spread: each source adds w_j M_p(u_j - k) (tensor products in 2D/3D) to the grid, M_p the cardinal B-spline of
//    order p (support [0, p]) and u_j = x_j / h in grid units.
//  - FFT multiply: the grid goes through a real-to-complex FFT (FFTW), is multiplied by the Fourier transform of the
//    periodized kernel, G^(xi) = exp(-sigma^2 |xi|^2 / 2) / |box| (unit-mass Gaussian), times i xi_c for the
//    gradient component c, and divided by the squared B-spline symbol |sum_k M_p(k + 1) e^(2 pi i m k / K)|^2 per
//    axis (Essmann et al. 1995, eq. 4.4-4.8), then goes back through a complex-to-real FFT.
//  - Interpolate: each target reads sum_k M_p(u_y - k) Phi(k) with the same B-spline.
// The error is controlled by (p, r) and hardly depends on N, sigma or the point positions; accuracy_table() lists the
// error measured against DirectSum for each choice (tests: test_fft_sum.cpp), and FftSum(accuracy) picks the cheapest
// row within the requested accuracy. The engine is NOT exact: it is for wide blobs (sigma spanning many particles),
// where every exact engine sums N k pairs with k large.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"

namespace blobflow {

/// The grid parameters of FftSum: B-spline order p and grid points per standard deviation r (h = sigma / r).
struct FftParameters {
  int spline_order = 12;          ///< p, even, in [kMinSplineOrder, kMaxSplineOrder]
  double points_per_sigma = 4.0;  ///< r = sigma / h, in [kMinPointsPerSigma, kMaxPointsPerSigma]
};

/// One row of FftSum's accuracy table: a grid choice and the largest error measured for it against DirectSum,
/// max_i |s_i - s_i^direct| / max_i |s_i^direct| over potential and gradient, 1D and 2D, wide and narrow blobs.
struct FftAccuracyRow {
  FftParameters parameters;
  double measured_error;  ///< the bound the tests hold this row to
};

/// Grid/FFT (smooth-PME) summation, the SummationEngine of direct_sum.hpp for any RadialKernel.
///
/// GaussianKernel sums in d = 1, 2, 3 run on the grid; every other kernel is handed to DirectSum (same results and
/// cost as "direct"). Accuracy: within the accuracy_table() row of its parameters, relative to max_i |sum_i| (tests:
/// random and lattice points, sigma from a fraction of the spacing to many spacings, unequal positive weights).
/// Self sums are the one-sided sums with targets = sources (the j = i term included, as DirectSum).
/// Fallbacks, stated: non-finite coordinates or weights go to DirectSum (NaN/Inf propagate exactly as there); a grid
/// above kMaxGridPoints points (sigma tiny against the extent of the points, where cutoff sums are cheap anyway) goes
/// to TruncatedSum (exact to round-off). Deterministic: spreading in fixed source chunks and interpolation over
/// target blocks on threads, FFTs on one (threaded FFTW plans give other bits for some grid shapes); results depend
/// on the inputs alone, not on the thread count. The B-spline weights of points run on the SIMD target of SimdSum
/// (simd_target(), BLOBFLOW_SIMD_TARGET), in vectors of points.
class FftSum {
 public:
  static constexpr const char* kName = "fft";
  static constexpr const char* kDescription =
      "grid/FFT sums (smooth-PME: B-spline spreading, FFTW, interpolation), O(N p^d + K^d log K); NOT exact: "
      "relative error <= 5e-11 (p = 12, h = sigma/4); for wide blobs; Gaussian only, others use direct";
  /// The default accuracy 1e-10: the table row p = 12, h = sigma / 4 (stated 5e-11, measured 2.2e-11 at worst).
  static constexpr double kDefaultAccuracy = 1e-10;
  /// Even orders only: for odd p the B-spline symbol vanishes at the Nyquist frequency (Essmann et al. 1995).
  static constexpr int kMinSplineOrder = 4;
  static constexpr int kMaxSplineOrder = 16;
  static constexpr double kMinPointsPerSigma = 1.0;
  static constexpr double kMaxPointsPerSigma = 16.0;
  /// Padding beyond the points, in standard deviations: periodic images weigh <= exp(-12^2 / 2) ~ 5e-32 of the peak.
  static constexpr double kPaddingSigmas = 12.0;
  /// Grids above 2^26 points (512 MiB per real grid) are not built; the sum goes to TruncatedSum.
  static constexpr std::size_t kMaxGridPoints = std::size_t{1} << 26;

  /// Spreading runs in this many fixed chunks of the sources, each into its own grid, the grids added in chunk
  /// order, so the sums do not depend on the thread count; one chunk for grids above kMaxChunkedGridPoints (each
  /// extra grid is a full copy) or below kMinSourcesPerChunk sources per chunk.
  static constexpr std::size_t kSpreadChunks = 2;
  static constexpr std::size_t kMaxChunkedGridPoints = std::size_t{1} << 24;
  static constexpr std::size_t kMinSourcesPerChunk = 512;

  /// The engine at kDefaultAccuracy, on all hardware threads.
  FftSum() : FftSum(kDefaultAccuracy) {}
  /// The cheapest accuracy_table() row whose measured error is <= accuracy.
  /// \param n_threads  threads for spreading and interpolation (the FFTs run on one); 0 means
  ///                   std::thread::hardware_concurrency(). Results do not depend on it.
  /// \throws std::invalid_argument unless min_accuracy() <= accuracy < 1 (the message names the value).
  explicit FftSum(double accuracy, unsigned n_threads = 0);
  /// Explicit grid parameters (for tests and studies of the error).
  /// \throws std::invalid_argument if p is odd or out of [kMinSplineOrder, kMaxSplineOrder], or r out of range.
  explicit FftSum(FftParameters parameters, unsigned n_threads = 0);

  /// The measured accuracy table, rows ordered by cost (cheapest first) and by error (largest first).
  static std::span<const FftAccuracyRow> accuracy_table();
  /// The smallest accuracy the table reaches (its last row's measured error).
  static double min_accuracy();

  /// The grid parameters in use.
  FftParameters parameters() const { return parameters_; }
  /// The measured error of the table row in use (NaN for explicit parameters that are not a table row).
  double accuracy() const { return accuracy_; }
  /// The number of threads for spreading and interpolation (>= 1). Small sums run on fewer, with the same result.
  unsigned threads() const { return n_threads_; }

  /// s_i = sum_j w_j K(y_i - x_j); `out` has one entry per target.
  template <RadialKernel K>
  void potential(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                 std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, targets, sources, w, out, false);
    else DirectSum{}.potential(kernel, targets, sources, w, out);
  }

  /// g_i = sum_j w_j grad K(y_i - x_j); `out` has d entries per target, particle-major.
  template <RadialKernel K>
  void gradient(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out) const {
    if constexpr (std::same_as<K, GaussianKernel>) gaussian(kernel, targets, sources, w, out, true);
    else DirectSum{}.gradient(kernel, targets, sources, w, out);
  }

  /// The potential with targets = sources (the j = i term included).
  template <RadialKernel K>
  void self_potential(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    potential(kernel, x, x, w, out);
  }

  /// The gradient with targets = sources (grad K(0) = 0).
  template <RadialKernel K>
  void self_gradient(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    gradient(kernel, x, x, w, out);
  }

 private:
  void gaussian(const GaussianKernel& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out, bool gradient) const;

  FftParameters parameters_;
  double accuracy_ = kDefaultAccuracy;
  unsigned n_threads_ = 1;
};

static_assert(SummationEngine<FftSum, GaussianKernel>);

}  // namespace blobflow
