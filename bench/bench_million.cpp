// One velocity evaluation at N = 1e6 (the N = 1e6 figures of docs/performance.md): the wpme velocity sum, the self gradient of
// psi = zeta_eps * zeta_eps for the Gaussian mollifier (docs/math.md §2.3), on a lattice of spacing h = 1/n_side
// filling [0, 1]^d, equal masses, eps = 4 h in 1D and eps = h in 2D (at eps = 4 h a 2D cutoff ball holds ~8,000
// particles).
//
// Per engine: the wall time of one full evaluation (median of repeats) for the cutoff engines (truncated-simd on
// simd_target(), the best SIMD target of the CPU unless BLOBFLOW_SIMD_TARGET restricts it, and on the portable
// fallback target; truncated); for the
// all-pairs engines at N = 1e6 (1e12 pairs) the time is extrapolated from a timed one-sided sum over a subsample of
// targets against all N sources (pairs/s times N^2, printed as "extrapolated"). Error: max over a subsample of
// targets of |v - v_direct| / max |v_direct|, v_direct from DirectSum on the same targets and all sources. The
// subsample holds the first and last particles (in the edge layer, where |v| is largest; inside a uniform lattice
// v cancels to round-off, and a ratio to that would measure nothing) and evenly spaced ones.
// The grid/FFT engine (fft_sum.hpp, not exact) is timed on full evaluations at two accuracies (1e-6 and its default
// 1e-10). With an explicit EPS (wide blobs, e.g. 0.1 on [0, 1]) the truncated engine, whose N k pairs then approach
// N^2, is also extrapolated from a subsample of targets when N k exceeds kMaxTruncatedPairs.
// Usage: bench_million [n_side_1d] [n_side_2d] [eps]   (defaults 1000000, 1000 and 0; 0 skips that dimension;
// eps = 0: 4 h in 1D and h in 2D)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/truncated_simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"

namespace {

using blobflow::PointSet;

/// Timed repeats of a full evaluation; the median is reported.
constexpr int kRepeats = 3;
/// Targets in the error subsample (every N / kErrorTargets-th particle) and in the timing subsample of the
/// all-pairs engines (direct is ~50x slower than simd, so it gets fewer).
constexpr std::size_t kErrorTargets = 200;
constexpr std::size_t kSimdTimingTargets = 4096;
constexpr std::size_t kDirectTimingTargets = 200;
constexpr double kEpsInSpacings[] = {0.0, 4.0, 1.0};
/// Truncated sums with more pairs than this (~40 s at its scalar rate, loaded) are extrapolated from a subsample.
constexpr double kMaxTruncatedPairs = 1e9;
/// The accuracies at which the FFT engine is timed.
constexpr double kFftAccuracies[] = {1e-6, blobflow::FftSum::kDefaultAccuracy};
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <class F>
double median_time(int repeats, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(seconds_since(start));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

/// Particles in the edge layers of the error subsample: the first and the last this many (by index).
constexpr std::size_t kEdgeTargets = 20;

/// Every stride-th particle, plus (with `edges`) the first and last kEdgeTargets (coordinates and indices).
std::vector<double> subsample(const std::vector<double>& x, int dim, std::size_t count,
                              std::vector<std::size_t>& index, bool edges = false) {
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n = x.size() / d, stride = std::max<std::size_t>(1, n / count);
  index.clear();
  for (std::size_t i = stride / 2; i < n && index.size() < count; i += stride) index.push_back(i);
  if (edges)
    for (std::size_t e = 0; e < std::min(kEdgeTargets, n); ++e) {
      index.push_back(e);
      index.push_back(n - 1 - e);
    }
  std::sort(index.begin(), index.end());
  index.erase(std::unique(index.begin(), index.end()), index.end());
  std::vector<double> y;
  for (const std::size_t i : index)
    for (std::size_t k = 0; k < d; ++k) y.push_back(x[i * d + k]);
  return y;
}

double relative_error(const std::vector<double>& v_at_sample, const std::vector<double>& reference) {
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    diff = std::max(diff, std::abs(v_at_sample[i] - reference[i]));
    scale = std::max(scale, std::abs(reference[i]));
  }
  return diff / scale;
}

void run(int dim, std::size_t n_side, double eps_wide) {
  const auto d = static_cast<std::size_t>(dim);
  std::size_t n = 1;
  for (int k = 0; k < dim; ++k) n *= n_side;
  const double h = 1.0 / static_cast<double>(n_side);
  std::vector<double> x(n * d);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = 0, rest = j; k < d; ++k, rest /= n_side)
      x[j * d + k] = (static_cast<double>(rest % n_side) + 0.5) * h;
  const std::vector<double> w(n, 1.0 / static_cast<double>(n));
  const double eps = eps_wide > 0.0 ? eps_wide : kEpsInSpacings[dim] * h;
  const blobflow::GaussianKernel psi = blobflow::GaussianMollifier(dim, eps).self_convolution();
  const PointSet all{x, dim};
  std::printf("\n%dD, N = %zu, h = %.3g, eps = %.3g = %.3g h (psi: sigma = sqrt(2) eps)\n", dim, n, h, eps, eps / h);

  std::vector<std::size_t> index;
  const std::vector<double> y_err = subsample(x, dim, kErrorTargets, index, true);
  std::vector<double> reference(y_err.size());
  blobflow::DirectSum{}.gradient(psi, PointSet{y_err, dim}, all, w, reference);
  const auto at_sample = [&](const std::vector<double>& v) {
    std::vector<double> s;
    for (const std::size_t i : index)
      for (std::size_t k = 0; k < d; ++k) s.push_back(v[i * d + k]);
    return s;
  };

  // Cutoff engines: full evaluations, unless their N k pairs (k within the cutoff, from the lattice density) are too
  // many for a benchmark run (then left out).
  std::vector<double> v(x.size());
  const double radius = blobflow::TruncatedSum{}.cutoff_radius(psi) / h;
  const double ball[] = {0.0, 2.0 * radius, 3.14159265358979 * radius * radius};
  const double cutoff_pairs = static_cast<double>(n) * std::min(static_cast<double>(n), ball[dim]);
  const auto measure = [&](const char* name, const auto& engine) {
    const double t = median_time(kRepeats, [&] { engine.self_gradient(psi, all, w, v); });
    std::printf("  %-28s %10.3f s  (measured, median of %d)   error %.2e\n", name, t, kRepeats,
                relative_error(at_sample(v), reference));
  };
  if (cutoff_pairs <= kMaxTruncatedPairs) {
    measure("truncated-simd", blobflow::TruncatedSimdSum{});
    const blobflow::SimdTarget best = blobflow::simd_target();
    blobflow::simd_restrict(blobflow::simd_targets().back());
    const std::string fallback = "truncated-simd " + blobflow::simd_target_name(blobflow::simd_target());
    measure(fallback.c_str(), blobflow::TruncatedSimdSum{});
    blobflow::simd_restrict(best);
    measure("truncated", blobflow::TruncatedSum{});
  }

  // FFT: full evaluations at each accuracy.
  for (const double accuracy : kFftAccuracies) {
    const blobflow::FftSum fft(accuracy);
    const double t_fft = median_time(kRepeats, [&] { fft.self_gradient(psi, all, w, v); });
    char name[64];
    std::snprintf(name, sizeof name, "fft (p = %d, h = sigma/%g)", fft.parameters().spline_order,
                  fft.parameters().points_per_sigma);
    std::printf("  %-28s %10.3f s  (measured, median of %d)   error %.2e (stated %.0e)\n", name, t_fft, kRepeats,
                relative_error(at_sample(v), reference), fft.accuracy());
  }

  // All-pairs engines: a subsample of targets against all sources, extrapolated to N^2 pairs.
  const auto extrapolate = [&](const char* name, const auto& engine, std::size_t n_targets) {
    std::vector<std::size_t> unused;
    const std::vector<double> y = subsample(x, dim, n_targets, unused);
    std::vector<double> g(y.size());
    const double t = median_time(1, [&] { engine.gradient(psi, PointSet{y, dim}, all, w, g); });
    const double rate = static_cast<double>(y.size() / d) * static_cast<double>(n) / t;
    std::vector<double> ge(y_err.size());
    engine.gradient(psi, PointSet{y_err, dim}, all, w, ge);
    std::printf("  %-28s %10.1f s  (extrapolated from %.2e pairs/s one-sided)   error %.2e\n", name,
                static_cast<double>(n) * static_cast<double>(n) / rate, rate, relative_error(ge, reference));
  };
  if (cutoff_pairs > kMaxTruncatedPairs) {
    extrapolate("truncated-simd", blobflow::TruncatedSimdSum{}, kSimdTimingTargets);
    extrapolate("truncated", blobflow::TruncatedSum{}, kSimdTimingTargets);
  }
  extrapolate("simd", blobflow::SimdSum{}, kSimdTimingTargets);
  extrapolate("direct", blobflow::DirectSum{}, kDirectTimingTargets);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n1 = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const std::size_t n2 = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  const double eps = argc > 3 ? std::strtod(argv[3], nullptr) : 0.0;
  std::printf("simd target: %s (BLOBFLOW_SIMD_TARGET restricts it)\n",
              blobflow::simd_target_name(blobflow::simd_target()).c_str());
  if (n1 > 0) run(1, n1, eps);
  if (n2 > 0) run(2, n2, eps);
  return 0;
}
