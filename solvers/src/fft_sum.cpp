// FftSum (fft_sum.hpp): smooth-PME sums of the Gaussian kernel through a B-spline grid and FFTW
// (docs/performance.md §6, Essmann et al. 1995), written anew.
//
// Derivation. With L_c = K_c h the period of the grid on axis c, the periodized kernel is the Fourier series
//   G_per(z) = sum_n G(z + n L) = (1 / |box|) sum_m G^(xi_m) exp(i xi_m . z),   xi_m = 2 pi m / L (per axis),
// |box| = prod_c L_c and G^(xi) = exp(-sigma^2 |xi|^2 / 2) for the unit-mass Gaussian. Because the grid is padded by
// kPaddingSigmas sigma, G_per equals G on every (target, source) difference up to exp(-kPaddingSigmas^2 / 2).
// In grid units u = x / h, Essmann's Euler exponential spline (their eq. 4.4) approximates on each axis
//   exp(2 pi i m u / K) ~ b(m) sum_k M_p(u - k) exp(2 pi i m k / K),
//   |b(m)|^2 = 1 / |sum_{k=0}^{p-2} M_p(k + 1) exp(2 pi i m k / K)|^2,
// so with Q(k) = sum_j w_j prod_c M_p(u_jc - k_c) (spreading) and F[Q] its forward DFT,
//   s(y) ~ sum_k prod_c M_p(u_yc - k_c) Phi(k),   Phi = c2r( F[Q] prod_c |b_c|^2 G^(xi) / |box| ),
// and the gradient replaces G^(xi) by i xi_c G^(xi) (one c2r per component). The phases of b cancel in |b|^2, and so
// does the common shift of the origin of u.
//
// Spreading and interpolation compute the B-spline weights of batches of points in vectors, one point per lane, with
// the same Highway dispatch as the SIMD engines (simd_sum.cpp): this file is compiled once per target
// (hwy/foreach_target.h) and SplineBatchFn is chosen at run time; BLOBFLOW_SIMD_TARGET and simd_restrict apply.
#ifndef BLOBFLOW_SOLVERS_FFT_SPLINE_BATCH_
#define BLOBFLOW_SOLVERS_FFT_SPLINE_BATCH_
#include <cstddef>

namespace blobflow::simd_detail {
/// A SplineBatchFn takes the grid coordinates u[count] of count <= kSplineBatch points (count a multiple of the lane
/// count; kSplineBatch is one of every target's) and fills their cells cell[count] and B-spline weights
/// weight[q * kSplineBatch + i], q < p.
inline constexpr std::size_t kSplineBatch = 64;
using SplineBatchFn = void (*)(const double* u, std::size_t count, double* cell, double* weight);
}  // namespace blobflow::simd_detail
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fft_sum.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per target
#include <hwy/highway.h>

#include <cstddef>

#include "simd_kernel.hpp"

HWY_BEFORE_NAMESPACE();
namespace blobflow::simd_detail::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

/// For the points u[0..count) in grid units (count a multiple of the lane count): cell[i] = floor(u[i]) and
/// weight[q * kSplineBatch + i] = M_P(t_i + P - 1 - q), t_i = u[i] - cell[i], the weight of grid cell
/// cell[i] - P + 1 + q. M_P by the recursion of bspline_weights below without its divisions,
/// N_n(x) = x N_(n-1)(x) + (n - x) N_(n-1)(x - 1) with N_n = (n - 1)! M_n, then one multiplication by 1 / (P - 1)!:
/// three vector operations per step, a point per lane.
template <int P>
void SplineBatchOf(const double* u, std::size_t count, double* cell, double* weight) {
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  static_assert(kSplineBatch % hn::MaxLanes(hn::ScalableTag<double>()) == 0);
  double inverse_factorial = 1.0;
  for (int n = 2; n < P; ++n) inverse_factorial /= n;
  const V one = hn::Set(d, 1.0), scale = hn::Set(d, inverse_factorial);
  for (std::size_t i = 0; i < count; i += hn::Lanes(d)) {
    const V x = hn::LoadU(d, u + i);
    const V k0 = hn::Floor(x);
    const V t = hn::Sub(x, k0);
    hn::StoreU(k0, d, cell + i);
    V m[P];
    m[0] = t;
    m[1] = hn::Sub(one, t);
    for (int n = 3; n <= P; ++n) {
      m[n - 1] = hn::Mul(hn::Sub(one, t), m[n - 2]);  // j = n - 1: (n - t - j) N(t + j - 1), N(t + n - 1) = 0
      for (int j = n - 2; j >= 1; --j)
        m[j] = hn::MulAdd(hn::Add(t, hn::Set(d, j)), m[j], hn::Mul(hn::Sub(hn::Set(d, n - j), t), m[j - 1]));
      m[0] = hn::Mul(t, m[0]);  // j = 0: N(t - 1) = 0
    }
    for (int q = 0; q < P; ++q) hn::StoreU(hn::Mul(m[P - 1 - q], scale), d, weight + q * kSplineBatch + i);
  }
}

SplineBatchFn SplineBatchFor(int order) {
  switch (order) {
    case 4: return &SplineBatchOf<4>;
    case 6: return &SplineBatchOf<6>;
    case 8: return &SplineBatchOf<8>;
    case 10: return &SplineBatchOf<10>;
    case 12: return &SplineBatchOf<12>;
    case 14: return &SplineBatchOf<14>;
    default: return &SplineBatchOf<16>;
  }
}

}  // namespace blobflow::simd_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "blobflow/solvers/fft_sum.hpp"

#include <fftw3.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <new>
#include <mutex>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "blobflow/solvers/truncated_sum.hpp"
#include "simd_kernel.hpp"  // run_parallel, threads_for: the engines' deterministic thread loop

namespace blobflow::simd_detail {
HWY_EXPORT(SplineBatchFor);
}  // namespace blobflow::simd_detail

namespace blobflow {
namespace {

/// The measured accuracy table (rows cheapest first). Each error is the largest max_i |s_i - s_i^direct| /
/// max_i |s_i^direct| that test_fft_sum.cpp measured for the row over its cases (potential and gradient, 1D and 2D,
/// random and lattice points, wide and narrow blobs, unequal weights; the worst case in the comment), rounded up by
/// a factor 1.5-2.5 to a 1, 2, 5 step; the tests hold every row to it. The tested extents are up to 4e3 sigma (1D)
/// and 90 sigma (2D); the FFT's round-off grows slowly with the grid size (bench_million measures N = 1e6).
constexpr FftAccuracyRow kAccuracyTable[] = {
    {{4, 2.0}, 1e-2},    // measured 5.1e-3 (2D narrow potential)
    {{4, 4.0}, 5e-4},    // 2.6e-4
    {{6, 4.0}, 5e-6},    // 2.9e-6
    {{8, 4.0}, 1e-7},    // 4.1e-8
    {{10, 4.0}, 2e-9},   // 7.7e-10
    {{12, 4.0}, 5e-11},  // 2.2e-11
    {{12, 6.0}, 5e-12},  // 1.8e-12: FFT round-off on the 1D narrow-blob grid (K ~ 5e4); p = 16 does not lower it
};
/// FFTW's planner is not thread-safe (FFTW manual §5.4 "Thread safety"): plan creation and destruction are
/// serialized; fftw_execute on distinct plans runs concurrently.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};
using RealBuffer = std::unique_ptr<double[], FftwFree>;
using ComplexBuffer = std::unique_ptr<fftw_complex[], FftwFree>;

/// An FFTW plan, created and destroyed under the planner mutex.
class Plan {
 public:
  template <class Make>
  explicit Plan(Make&& make) {
    const std::lock_guard lock(planner_mutex());
    plan_ = make();
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {
    const std::lock_guard lock(planner_mutex());
    fftw_destroy_plan(plan_);
  }
  void execute() const { fftw_execute(plan_); }
  fftw_plan get() const { return plan_; }

 private:
  fftw_plan plan_ = nullptr;
};

/// The smallest n >= target of the form 2^a 3^b 5^c (FFTW's fastest sizes).
std::size_t fft_size(std::size_t target) {
  for (std::size_t n = std::max<std::size_t>(target, 1);; ++n) {
    std::size_t m = n;
    for (const std::size_t f : {2, 3, 5})
      while (m % f == 0) m /= f;
    if (m == 1) return n;
  }
}

/// M_p(t + j) for j = 0..p-1 and t in [0, 1): the cardinal B-spline of order p (support [0, p]) at the p points where
/// it is nonzero, by the recursion M_n(x) = (x M_(n-1)(x) + (n - x) M_(n-1)(x - 1)) / (n - 1) from
/// M_2(x) = 1 - |x - 1| (Essmann et al. 1995, eq. 4.1-4.3). O(p^2) operations; exact partition of unity.
/// Used for the B-spline symbol (M_p at the integers); spreading and interpolation take the weights of points from
/// SplineBatchOf, the same recursion on vectors.
template <int P>
void bspline_weights(double t, double* m) {
  m[0] = t;
  m[1] = 1.0 - t;
  for (int n = 3; n <= P; ++n) {
    const double inv = 1.0 / (n - 1);
    m[n - 1] = (1.0 - t) * m[n - 2] * inv;  // j = n - 1: M_(n-1)(t + n - 1) = 0
    for (int j = n - 2; j >= 1; --j) m[j] = ((t + j) * m[j] + (n - t - j) * m[j - 1]) * inv;
    m[0] = t * m[0] * inv;                  // j = 0: M_(n-1)(t - 1) = 0
  }
}

/// The grid cells one point touches on each axis: first index and the p B-spline weights of indices first..first+p-1.
template <int D, int P>
struct Stencil {
  std::array<std::size_t, D> first;
  std::array<std::array<double, P>, D> weight;
};

/// The grid geometry of one call: origin, spacing, sizes, and the grid coordinates of points.
template <int D, int P>
struct Geometry {
  static constexpr int p = P;
  std::array<double, D> origin{};
  double h = 0.0;
  std::array<std::size_t, D> size{};

  /// u = (x - origin) / h lies in [p, size - p - 1] for every point of the bounding box, so the p grid cells
  /// floor(u) - p + 1 .. floor(u) never wrap.
  double grid_coordinate(const double* x, int c) const { return (x[c] - origin[c]) / h; }
};

/// The stencils of up to kSplineBatch consecutive points, their B-spline weights computed together by the SIMD
/// target's SplineBatchFn (one point per lane).
template <int D, int P>
class StencilBatch {
 public:
  static constexpr std::size_t kSize = simd_detail::kSplineBatch;

  /// Points [i0, i0 + count) of `points`, 0 < count <= kSize (the rest of the batch repeats the last point).
  void compute(const Geometry<D, P>& g, PointSet points, std::size_t i0, std::size_t count,
               simd_detail::SplineBatchFn fn) {
    for (int c = 0; c < D; ++c) {
      for (std::size_t i = 0; i < kSize; ++i) u_[i] = g.grid_coordinate(points.point(i0 + std::min(i, count - 1)), c);
      fn(u_.data(), kSize, cell_[c].data(), weight_[c].data());
    }
  }

  /// The stencil of point i0 + i.
  Stencil<D, P> operator[](std::size_t i) const {
    Stencil<D, P> s;
    for (int c = 0; c < D; ++c) {
      s.first[c] = static_cast<std::size_t>(cell_[c][i]) - static_cast<std::size_t>(P - 1);
      for (int q = 0; q < P; ++q) s.weight[c][q] = weight_[c][static_cast<std::size_t>(q) * kSize + i];
    }
    return s;
  }

 private:
  std::array<double, kSize> u_;
  std::array<std::array<double, kSize>, D> cell_;
  std::array<std::array<double, P * kSize>, D> weight_;
};

/// visit(i, stencil of point i) for the points [i0, i1), in batches of StencilBatch::kSize.
template <int D, int P, class Visit>
void for_each_stencil(const Geometry<D, P>& g, PointSet points, std::size_t i0, std::size_t i1,
                      simd_detail::SplineBatchFn fn, const Visit& visit) {
  StencilBatch<D, P> batch;
  for (std::size_t b = i0; b < i1; b += StencilBatch<D, P>::kSize) {
    const std::size_t count = std::min(StencilBatch<D, P>::kSize, i1 - b);
    batch.compute(g, points, b, count, fn);
    for (std::size_t i = 0; i < count; ++i) visit(b + i, batch[i]);
  }
}

/// grid(k) += a prod_c weight_c(k_c) over the stencil (row-major grid, last axis fastest).
template <int D, int P>
void spread(const Geometry<D, P>& g, const Stencil<D, P>& s, double a, double* grid) {
  constexpr int p = P;
  if constexpr (D == 1) {
    double* row = grid + s.first[0];
    for (int q = 0; q < p; ++q) row[q] += a * s.weight[0][q];
  } else if constexpr (D == 2) {
    for (int q0 = 0; q0 < p; ++q0) {
      const double a0 = a * s.weight[0][q0];
      double* row = grid + (s.first[0] + q0) * g.size[1] + s.first[1];
      for (int q1 = 0; q1 < p; ++q1) row[q1] += a0 * s.weight[1][q1];
    }
  } else {
    for (int q0 = 0; q0 < p; ++q0)
      for (int q1 = 0; q1 < p; ++q1) {
        const double a01 = a * s.weight[0][q0] * s.weight[1][q1];
        double* row = grid + ((s.first[0] + q0) * g.size[1] + s.first[1] + q1) * g.size[2] + s.first[2];
        for (int q2 = 0; q2 < p; ++q2) row[q2] += a01 * s.weight[2][q2];
      }
  }
}

/// sum_k prod_c weight_c(k_c) grid(k) over the stencil.
template <int D, int P>
double interpolate(const Geometry<D, P>& g, const Stencil<D, P>& s, const double* grid) {
  constexpr int p = P;
  double sum = 0.0;
  if constexpr (D == 1) {
    const double* row = grid + s.first[0];
    for (int q = 0; q < p; ++q) sum += s.weight[0][q] * row[q];
  } else if constexpr (D == 2) {
    for (int q0 = 0; q0 < p; ++q0) {
      const double* row = grid + (s.first[0] + q0) * g.size[1] + s.first[1];
      double r = 0.0;
      for (int q1 = 0; q1 < p; ++q1) r += s.weight[1][q1] * row[q1];
      sum += s.weight[0][q0] * r;
    }
  } else {
    for (int q0 = 0; q0 < p; ++q0)
      for (int q1 = 0; q1 < p; ++q1) {
        const double* row = grid + ((s.first[0] + q0) * g.size[1] + s.first[1] + q1) * g.size[2] + s.first[2];
        double r = 0.0;
        for (int q2 = 0; q2 < p; ++q2) r += s.weight[2][q2] * row[q2];
        sum += s.weight[0][q0] * s.weight[1][q1] * r;
      }
  }
  return sum;
}

/// |b(m)|^2 = 1 / |sum_{k=0}^{p-2} M_p(k + 1) exp(2 pi i m k / K)|^2 for m = 0..count-1 (Essmann et al. 1995, eq. 4.8).
/// The roots of unity exp(2 pi i j / K) come from a table of K entries (m k mod K indexes it).
template <int P>
std::vector<double> squared_symbol(std::size_t k_size, std::size_t count) {
  double m_int[P];
  bspline_weights<P>(0.0, m_int);  // m_int[j] = M_p(j)
  std::vector<std::complex<double>> root(k_size);
  for (std::size_t j = 0; j < k_size; ++j)
    root[j] = std::polar(1.0, 2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(k_size));
  std::vector<double> b2(count);
  for (std::size_t m = 0; m < count; ++m) {
    std::complex<double> s = 0.0;
    for (int k = 0; k <= P - 2; ++k) s += m_int[k + 1] * root[(m * static_cast<std::size_t>(k)) % k_size];
    b2[m] = 1.0 / std::norm(s);
  }
  return b2;
}

/// v in the shortest readable form for messages (5e-12, not std::to_string's 0.000000).
std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

/// Whether every entry is finite.
bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double a) { return std::isfinite(a); });
}

/// Multiplies the spectrum (n_complex modes, the last axis halved by r2c to n_last) by prod_c |b_c(m_c)|^2
/// G^(xi_c) / L_c, the Gaussian's transform factors over the axes. Returns each mode's index per axis; xi receives
/// the angular frequency of each index per axis (0 for the unsigned Nyquist mode), for the gradient.
template <int D, int P>
std::vector<std::array<std::size_t, D>> apply_gaussian_symbol(const Geometry<D, P>& g, double sigma,
                                                              std::size_t n_last, std::size_t n_complex,
                                                              fftw_complex* spectrum,
                                                              std::array<std::vector<double>, D>& xi) {
  std::array<std::vector<double>, D> factor;
  for (int c = 0; c < D; ++c) {
    const std::size_t k = g.size[c];
    const std::size_t count = c == D - 1 ? n_last : k;
    const std::vector<double> b2 = squared_symbol<P>(k, count);
    const double length = static_cast<double>(k) * g.h;
    factor[c].resize(count);
    xi[c].resize(count);
    for (std::size_t m = 0; m < count; ++m) {
      const double signed_m = m <= k / 2 ? static_cast<double>(m) : static_cast<double>(m) - static_cast<double>(k);
      const double x = 2.0 * std::numbers::pi * signed_m / length;
      factor[c][m] = b2[m] * std::exp(-0.5 * sigma * sigma * x * x) / length;
      // The Nyquist mode of an even K has no sign: its derivative is dropped (its weight is below exp(-pi^2 r^2/2)).
      xi[c][m] = (k % 2 == 0 && m == k / 2) ? 0.0 : x;
    }
  }
  std::vector<std::array<std::size_t, D>> index(n_complex);
  for (std::size_t f = 0; f < n_complex; ++f) {
    std::size_t rest = f;
    index[f][D - 1] = rest % n_last;
    rest /= n_last;
    for (int c = D - 2; c >= 0; --c) {
      index[f][c] = rest % g.size[c];
      rest /= g.size[c];
    }
    double a = 1.0;
    for (int c = 0; c < D; ++c) a *= factor[c][index[f][c]];
    spectrum[f][0] *= a;
    spectrum[f][1] *= a;
  }

  return index;
}

/// The sums of FftSum on the grid; false (nothing written) if the grid would exceed FftSum::kMaxGridPoints.
template <int D, int P>
bool gaussian_sum(const GaussianKernel& kernel, FftParameters par, PointSet targets, PointSet sources,
                  std::span<const double> w, std::span<double> out, bool gradient, unsigned n_threads) {
  const double sigma = kernel.sigma();
  Geometry<D, P> g;
  g.h = sigma / par.points_per_sigma;
  // Grid length per axis in cells: the bounding box, p cells before it and p + 1 after it (stencils never wrap),
  // then the padding (periodic images at least kPaddingSigmas sigma away from every stencil).
  const auto padding = static_cast<std::size_t>(std::ceil(FftSum::kPaddingSigmas * par.points_per_sigma));
  const auto max_points = static_cast<double>(FftSum::kMaxGridPoints);
  double total_estimate = 1.0;
  for (int c = 0; c < D; ++c) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const PointSet set : {targets, sources})
      for (std::size_t i = 0; i < set.size(); ++i) {
        lo = std::min(lo, set.point(i)[c]);
        hi = std::max(hi, set.point(i)[c]);
      }
    const double cells = std::ceil((hi - lo) / g.h) + 2.0 * g.p + 2.0 + static_cast<double>(padding);
    total_estimate *= cells;
    if (!(total_estimate <= max_points)) return false;
    g.origin[c] = lo - g.p * g.h;
    g.size[c] = fft_size(static_cast<std::size_t>(cells));
  }
  std::size_t n_real = 1;
  for (int c = 0; c < D; ++c) n_real *= g.size[c];
  if (n_real > FftSum::kMaxGridPoints) return false;
  const std::size_t n_last = g.size[D - 1] / 2 + 1;  // r2c keeps m = 0..K/2 on the last axis
  const std::size_t n_complex = n_real / g.size[D - 1] * n_last;
  const int n_out = gradient ? D : 1;

  RealBuffer grid(fftw_alloc_real(n_real));
  std::array<RealBuffer, D> phi;
  for (int c = 0; c < n_out; ++c) phi[c].reset(fftw_alloc_real(n_real));
  ComplexBuffer spectrum(fftw_alloc_complex(n_complex)), work(fftw_alloc_complex(n_complex));
  if (!grid || !spectrum || !work || !phi[n_out - 1]) throw std::bad_alloc();
  std::array<int, D> n;
  for (int c = 0; c < D; ++c) n[c] = static_cast<int>(g.size[c]);
  const Plan forward([&] { return fftw_plan_dft_r2c(D, n.data(), grid.get(), spectrum.get(), FFTW_ESTIMATE); });
  const Plan backward([&] { return fftw_plan_dft_c2r(D, n.data(), work.get(), phi[0].get(), FFTW_ESTIMATE); });

  simd_detail::apply_target_environment();
  const simd_detail::SplineBatchFn spline = HWY_DYNAMIC_DISPATCH(simd_detail::SplineBatchFor)(P);

  // Spread: fixed chunks of the sources, each into its own grid, added in chunk order (FftSum::kSpreadChunks).
  const double stencil = std::pow(static_cast<double>(P), D);  // grid points one source or target touches
  const std::size_t chunks = n_real <= FftSum::kMaxChunkedGridPoints &&
                                     sources.size() >= FftSum::kSpreadChunks * FftSum::kMinSourcesPerChunk
                                 ? FftSum::kSpreadChunks
                                 : 1;
  std::vector<RealBuffer> extra_grid(chunks - 1);  // chunk c > 0 spreads into extra_grid[c - 1], chunk 0 into grid
  for (RealBuffer& extra : extra_grid) {
    extra.reset(fftw_alloc_real(n_real));
    if (!extra) throw std::bad_alloc();
  }
  const double spread_work = static_cast<double>(sources.size()) * stencil;
  simd_detail::run_parallel(chunks, simd_detail::threads_for(spread_work, chunks, n_threads), false,
                            [&](std::size_t c, unsigned) {
                              double* to = c == 0 ? grid.get() : extra_grid[c - 1].get();
                              std::fill(to, to + n_real, 0.0);
                              for_each_stencil(g, sources, sources.size() * c / chunks,
                                               sources.size() * (c + 1) / chunks, spline,
                                               [&](std::size_t j, const Stencil<D, P>& s) { spread(g, s, w[j], to); });
                            });
  for (const RealBuffer& extra : extra_grid)
    for (std::size_t k = 0; k < n_real; ++k) grid[k] += extra[k];
  forward.execute();

  std::array<std::vector<double>, D> xi;
  const std::vector<std::array<std::size_t, D>> index =
      apply_gaussian_symbol<D, P>(g, sigma, n_last, n_complex, spectrum.get(), xi);

  // Back to the grid: Phi for the potential, Phi_c = c2r(i xi_c X) for the gradient (c2r overwrites its input).
  for (int c = 0; c < n_out; ++c) {
    for (std::size_t f = 0; f < n_complex; ++f) {
      if (gradient) {
        const double x = xi[c][index[f][c]];
        work[f][0] = -x * spectrum[f][1];
        work[f][1] = x * spectrum[f][0];
      } else {
        work[f][0] = spectrum[f][0];
        work[f][1] = spectrum[f][1];
      }
    }
    fftw_execute_dft_c2r(backward.get(), work.get(), phi[c].get());
  }

  // Interpolate: blocks of targets on the threads, each writing its own outputs.
  constexpr std::size_t kTargetsPerBlock = 1024;
  const std::size_t blocks = (targets.size() + kTargetsPerBlock - 1) / kTargetsPerBlock;
  const double interpolation_work = static_cast<double>(targets.size()) * stencil * n_out;
  simd_detail::run_parallel(blocks, simd_detail::threads_for(interpolation_work, blocks, n_threads), false,
                            [&](std::size_t b, unsigned) {
                              const std::size_t i1 = std::min(targets.size(), (b + 1) * kTargetsPerBlock);
                              for_each_stencil(g, targets, b * kTargetsPerBlock, i1, spline,
                                               [&](std::size_t i, const Stencil<D, P>& s) {
                                                 for (int c = 0; c < n_out; ++c)
                                                   out[i * static_cast<std::size_t>(n_out) +
                                                       static_cast<std::size_t>(c)] = interpolate(g, s, phi[c].get());
                                               });
                            });
  return true;
}

/// gaussian_sum for the run-time dimension and (even) spline order.
template <int D>
bool gaussian_sum_in(const GaussianKernel& kernel, FftParameters par, PointSet targets, PointSet sources,
                     std::span<const double> w, std::span<double> out, bool gradient, unsigned n_threads) {
  switch (par.spline_order) {
    case 4: return gaussian_sum<D, 4>(kernel, par, targets, sources, w, out, gradient, n_threads);
    case 6: return gaussian_sum<D, 6>(kernel, par, targets, sources, w, out, gradient, n_threads);
    case 8: return gaussian_sum<D, 8>(kernel, par, targets, sources, w, out, gradient, n_threads);
    case 10: return gaussian_sum<D, 10>(kernel, par, targets, sources, w, out, gradient, n_threads);
    case 12: return gaussian_sum<D, 12>(kernel, par, targets, sources, w, out, gradient, n_threads);
    case 14: return gaussian_sum<D, 14>(kernel, par, targets, sources, w, out, gradient, n_threads);
    default:
      return gaussian_sum<D, FftSum::kMaxSplineOrder>(kernel, par, targets, sources, w, out, gradient, n_threads);
  }
}

bool gaussian_sum_for_order(const GaussianKernel& kernel, FftParameters par, PointSet targets, PointSet sources,
                            std::span<const double> w, std::span<double> out, bool gradient, unsigned n_threads) {
  switch (kernel.dimension()) {
    case 1: return gaussian_sum_in<1>(kernel, par, targets, sources, w, out, gradient, n_threads);
    case 2: return gaussian_sum_in<2>(kernel, par, targets, sources, w, out, gradient, n_threads);
    default: return gaussian_sum_in<3>(kernel, par, targets, sources, w, out, gradient, n_threads);
  }
}

}  // namespace

FftSum::FftSum(double accuracy, unsigned n_threads)
    : n_threads_(n_threads > 0 ? n_threads : std::max(1u, std::thread::hardware_concurrency())) {
  if (!(accuracy >= min_accuracy() && accuracy < 1.0))
    throw std::invalid_argument("fft engine: accuracy = " + number(accuracy) + ": must lie in [" +
                                number(min_accuracy()) + ", 1) (the measured accuracy table of FftSum)");
  for (const FftAccuracyRow& row : kAccuracyTable)
    if (row.measured_error <= accuracy) {
      parameters_ = row.parameters;
      accuracy_ = row.measured_error;
      return;
    }
}

FftSum::FftSum(FftParameters parameters, unsigned n_threads)
    : parameters_(parameters),
      n_threads_(n_threads > 0 ? n_threads : std::max(1u, std::thread::hardware_concurrency())) {
  const int p = parameters.spline_order;
  if (p < kMinSplineOrder || p > kMaxSplineOrder || p % 2 != 0)
    throw std::invalid_argument("fft engine: spline_order = " + std::to_string(p) + ": must be even, in [" +
                                std::to_string(kMinSplineOrder) + ", " + std::to_string(kMaxSplineOrder) + "]");
  const double r = parameters.points_per_sigma;
  if (!(r >= kMinPointsPerSigma && r <= kMaxPointsPerSigma))
    throw std::invalid_argument("fft engine: points_per_sigma = " + number(r) + ": must lie in [" +
                                number(kMinPointsPerSigma) + ", " + number(kMaxPointsPerSigma) + "]");
  accuracy_ = std::numeric_limits<double>::quiet_NaN();
  for (const FftAccuracyRow& row : kAccuracyTable)
    if (row.parameters.spline_order == p && row.parameters.points_per_sigma == r) accuracy_ = row.measured_error;
}

std::span<const FftAccuracyRow> FftSum::accuracy_table() { return kAccuracyTable; }

void FftSum::gaussian(const GaussianKernel& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                      std::span<double> out, bool gradient) const {
  assert(targets.dim == kernel.dimension() && sources.dim == kernel.dimension());
  assert(w.size() == sources.size());
  assert(out.size() == (gradient ? targets.coords.size() : targets.size()));
  const bool finite = all_finite(targets.coords) && all_finite(sources.coords) && all_finite(w);
  if (!finite || targets.size() == 0 || sources.size() == 0) {
    if (gradient) DirectSum{}.gradient(kernel, targets, sources, w, out);
    else DirectSum{}.potential(kernel, targets, sources, w, out);
    return;
  }
  const bool done = gaussian_sum_for_order(kernel, parameters_, targets, sources, w, out, gradient, n_threads_);
  if (done) return;
  if (gradient) TruncatedSum{}.gradient(kernel, targets, sources, w, out);
  else TruncatedSum{}.potential(kernel, targets, sources, w, out);
}

double FftSum::min_accuracy() { return std::end(kAccuracyTable)[-1].measured_error; }

}  // namespace blobflow
#endif  // HWY_ONCE
