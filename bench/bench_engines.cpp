// Google Benchmark timings of the summation engines (direct_sum.hpp, truncated_sum.hpp, simd_sum.hpp,
// truncated_simd_sum.hpp) on the sum that dominates a
// blob-method step: the self gradient of psi = zeta_eps * zeta_eps for the Gaussian mollifier (the wpme velocity,
// docs/math.md §2.3), with N particles on a lattice of spacing h filling [-1, 1]^d and eps = 4 h (1D) or eps = h (2D,
// 3D). docs/performance.md §1 and §6 give the baselines; pairs/s counts N^2 pair evaluations, as there (also for the
// symmetric sums, which evaluate each pair once: "effective" pairs/s).
//
// Second part (BM_Pairs*): the all-pairs Gaussian-gradient sum of docs/performance.md §3 on N points uniform in [0,
// 1]^d, sigma = 0.1 (no exp underflows) and 0.01 (most do), for each engine and for a plain scalar loop compiled in
// this binary (AoS, std::exp, one thread: the 1x of the ratios). bench/pair-rates.py turns the JSON output into the
// ratio table. Run with --benchmark_enable_random_interleaving=true and repetitions on a loaded machine.
// Every benchmark uses wall time (UseRealTime: pairs/s = N^2 / wall time) and reports the CPU time of the whole
// process (all threads), from which pair-rates.py also gives pairs per CPU-second, a figure less sensitive to load.
//
// Third part (BM_TileCeiling): the engines' own vector tile (solvers/src/simd_kernel.hpp, one-sided, as in
// SimdSum's 1D and 2D blocks) summing 64 or 32 targets against 512 sources held in L1, on 1 and 2 threads and
// nothing else: no memory traffic, no threads started, no bookkeeping. Its pairs/s is what this CPU gives for the
// kernel's instruction sequence, the ceiling of the all-pairs engines on the machine at hand (docs/performance.md §4
// explains where such a ceiling comes from).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/truncated_simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"
#include "simd_kernel.hpp"

namespace blobflow {
namespace {

/// Blob widths in particle spacings: eps = 4 h in 1D (the studies' default scaling), h in 2D and 3D. The cutoff is
/// 8.85 sqrt(2) eps ~ 12.5 eps, so in 3D a ball of radius R already holds ~8,000 particles at eps = h.
constexpr double kEpsInSpacings[] = {0.0, 4.0, 1.0, 1.0};

/// n_side^d particles at the centres of a lattice of spacing h = 2 / n_side filling [-1, 1]^d, equal masses.
struct Lattice {
  std::vector<double> x, w;
  double h;
};

Lattice lattice(std::size_t n_side, int dim) {
  const auto d = static_cast<std::size_t>(dim);
  std::size_t n = 1;
  for (int k = 0; k < dim; ++k) n *= n_side;
  Lattice l{std::vector<double>(n * d), std::vector<double>(n, 1.0 / static_cast<double>(n)),
            2.0 / static_cast<double>(n_side)};
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = 0, rest = j; k < d; ++k, rest /= n_side)
      l.x[j * d + k] = -1.0 + (static_cast<double>(rest % n_side) + 0.5) * l.h;
  return l;
}

/// The engines under test, by name: SimdSum on the best path with pair symmetry, one-sided, and on the forced
/// portable path (what a CPU without AVX-512 runs).
struct SimdOneSided : SimdSum {
  SimdOneSided() : SimdSum(SimdPath::kAuto, 0, false) {}
};
struct SimdPortable : SimdSum {
  SimdPortable() : SimdSum(SimdPath::kPortable) {}
};
/// The SIMD cutoff engine on the forced portable path.
struct TruncatedSimdPortable : TruncatedSimdSum {
  TruncatedSimdPortable() : TruncatedSimdSum(SimdPath::kPortable) {}
};

template <class Engine, int D>
void BM_SelfGradientOfPsi(benchmark::State& state) {
  const Lattice l = lattice(static_cast<std::size_t>(state.range(0)), D);
  const GaussianKernel psi = GaussianMollifier(D, kEpsInSpacings[D] * l.h).self_convolution();
  std::vector<double> g(l.x.size());
  const Engine engine;
  for (auto _ : state) {
    engine.self_gradient(psi, PointSet{l.x, D}, l.w, g);
    benchmark::DoNotOptimize(g.data());
    benchmark::ClobberMemory();
  }
  const auto n = static_cast<double>(l.w.size());
  state.counters["N"] = n;
  state.counters["pairs/s"] = benchmark::Counter(n * n, benchmark::Counter::kIsIterationInvariantRate);
}

// 1D: N = 800 (a typical study) to 1e6; all-pairs engines only where one call takes seconds at most.
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 1>)->Arg(800)->Arg(3000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 1>)->Arg(800)->Arg(3000)->Arg(10000)->Arg(30000)->Arg(100000)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 1>)->Arg(800)->Arg(3000)->Arg(10000)->Arg(30000)->Arg(100000)
    ->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
// The crossover of engine "auto" between simd and truncated-simd: both on the same small N, side by side.
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 1>)->Arg(100)->Arg(200)->Arg(400)->Arg(1600)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdSum, 1>)->Arg(100)->Arg(200)->Arg(400)->Arg(800)->Arg(1600)->Arg(3000)->Arg(10000)
    ->Arg(30000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdPortable, 1>)->Arg(800)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
// The grid/FFT engine (not exact; default accuracy 1e-10): its cost hardly depends on eps, so it wins where eps
// spans many particles (below: BM_Pairs at sigma = 0.1).
BENCHMARK(BM_SelfGradientOfPsi<FftSum, 1>)->Arg(800)->Arg(3000)->Arg(10000)->Arg(30000)->Arg(100000)->Arg(1000000)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<FftSum, 2>)->Arg(32)->Arg(100)->Arg(300)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<FftSum, 3>)->Arg(10)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
// 2D and 3D: n_side per axis.
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 2>)->Arg(32)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 2>)->Arg(32)->Arg(100)->Arg(200)->Arg(300)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 2>)->Arg(32)->Arg(100)->Arg(200)->Arg(300)->Arg(1000)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 2>)->Arg(16)->Arg(24)->Arg(48)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdSum, 2>)->Arg(16)->Arg(24)->Arg(32)->Arg(48)->Arg(64)->Arg(100)->Arg(200)->Arg(300)
    ->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdPortable, 2>)->Arg(32)->Arg(100)->Arg(300)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 3>)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 3>)->Arg(10)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 3>)->Arg(10)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 3>)->Arg(8)->Arg(12)->Arg(16)->Arg(24)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdSum, 3>)->Arg(8)->Arg(10)->Arg(12)->Arg(16)->Arg(20)->Arg(24)->Arg(30)->Arg(40)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdPortable, 3>)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

// --- pair rates on uniform data (docs/performance.md §3) -------------------------------------------------------------

/// Blob widths on [0, 1]: wide (exp arguments >= -50 in 1D) and narrow (40-70% of the 2^t underflow).
constexpr double kSigmas[] = {0.1, 0.01};
constexpr unsigned kSeed = 20261129;

/// N points uniform in [0, 1]^d, fixed seed.
std::vector<double> uniform_points(std::size_t n, int dim) {
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> x(n * static_cast<std::size_t>(dim));
  for (double& v : x) v = u(rng);
  return x;
}

/// The plain scalar loop, as a first C++ version is written: v_i = 1/(N sigma^2) sum_j (x_i - x_j)
/// exp(-|x_i - x_j|^2 / (2 sigma^2)), AoS, std::exp, one thread (docs/performance.md §3).
template <int D>
void scalar_loop(const std::vector<double>& x, double sigma, std::vector<double>& v) {
  const std::size_t n = x.size() / D;
  const double c = 1.0 / (2.0 * sigma * sigma), scale = 1.0 / (static_cast<double>(n) * sigma * sigma);
  for (std::size_t i = 0; i < n; ++i) {
    double acc[D] = {};
    for (std::size_t j = 0; j < n; ++j) {
      double diff[D], r2 = 0.0;
      for (int k = 0; k < D; ++k) {
        diff[k] = x[i * D + k] - x[j * D + k];
        r2 += diff[k] * diff[k];
      }
      const double e = std::exp(-c * r2);
      for (int k = 0; k < D; ++k) acc[k] += diff[k] * e;
    }
    for (int k = 0; k < D; ++k) v[i * D + k] = scale * acc[k];
  }
}

void set_pair_counters(benchmark::State& state, std::size_t n, double sigma) {
  const auto nd = static_cast<double>(n);
  state.counters["N"] = nd;
  state.counters["sigma"] = sigma;
  state.counters["pairs/s"] = benchmark::Counter(nd * nd, benchmark::Counter::kIsIterationInvariantRate);
}

template <int D>
void BM_PairsScalarLoop(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const double sigma = kSigmas[state.range(1)];
  const std::vector<double> x = uniform_points(n, D);
  std::vector<double> v(x.size());
  for (auto _ : state) {
    scalar_loop<D>(x, sigma, v);
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  set_pair_counters(state, n, sigma);
}

template <class Engine, int D>
void BM_Pairs(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const double sigma = kSigmas[state.range(1)];
  const std::vector<double> x = uniform_points(n, D);
  const std::vector<double> w(n, 1.0 / static_cast<double>(n));
  const GaussianKernel kernel(D, sigma);
  std::vector<double> v(x.size());
  const Engine engine;
  for (auto _ : state) {
    engine.self_gradient(kernel, PointSet{x, D}, w, v);
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
  }
  set_pair_counters(state, n, sigma);
}

#define BLOBFLOW_PAIRS(D, SLOW_N, FAST_N, FFT_N)                                                                        \
  BENCHMARK(BM_PairsScalarLoop<D>)->ArgsProduct({SLOW_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();                \
  BENCHMARK(BM_Pairs<DirectSum, D>)->ArgsProduct({SLOW_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();               \
  BENCHMARK(BM_Pairs<TruncatedSum, D>)->ArgsProduct({SLOW_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();            \
  BENCHMARK(BM_Pairs<SimdPortable, D>)->ArgsProduct({SLOW_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();            \
  BENCHMARK(BM_Pairs<SimdOneSided, D>)->ArgsProduct({FAST_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();            \
  BENCHMARK(BM_Pairs<SimdSum, D>)->ArgsProduct({FAST_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();            \
  BENCHMARK(BM_Pairs<TruncatedSimdPortable, D>)->ArgsProduct({SLOW_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();   \
  BENCHMARK(BM_Pairs<TruncatedSimdSum, D>)->ArgsProduct({FAST_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime(); \
  BENCHMARK(BM_Pairs<FftSum, D>)->ArgsProduct({FFT_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()

#if BLOBFLOW_SIMD_X86
/// Sources of the ceiling tile: 512 points (12 KiB of coordinates and weights per axis, L1-resident).
constexpr std::size_t kTileSources = 512;

template <int D, int U>
BLOBFLOW_AVX512 void ceiling_tile(benchmark::State& state) {
  using namespace simd_detail;
  const double sigma = kSigmas[state.range(0)];
  const std::vector<double> t = uniform_points(8 * U, D), x = uniform_points(kTileSources, D);
  std::array<std::vector<double>, 3> xs;
  for (std::size_t k = 0; k < static_cast<std::size_t>(D); ++k)
    for (std::size_t j = 0; j < kTileSources; ++j) xs[k].push_back(x[j * D + k]);
  const std::vector<double> lw(kTileSources, -9.0);  // w = 2^-9
  __m512d y[D][U], acc[D][U];
  for (int u = 0; u < U; ++u)
    for (int k = 0; k < D; ++k) {
      alignas(64) double lane[8];
      for (int l = 0; l < 8; ++l) lane[l] = t[static_cast<std::size_t>((8 * u + l) * D + k)];
      y[k][u] = _mm512_load_pd(lane);
      acc[k][u] = _mm512_setzero_pd();
    }
  const Sources sources{{xs[0].data(), D > 1 ? xs[1].data() : nullptr}, lw.data()};
  const __m512d neg_c = _mm512_set1_pd(minus_exp2_rate(sigma));
  const FlushToZeroScope scope(true);
  for (auto _ : state) {
    one_sided_tile<D, true, U>(y, acc, sources, 0, kTileSources, neg_c);
    benchmark::DoNotOptimize(acc);
  }
  // Summed over the threads, each of which timed its own iterations: kAvgThreads makes it the total rate.
  state.counters["pairs/s"] = benchmark::Counter(
      static_cast<double>(8 * U * kTileSources),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kAvgThreads);
}
#endif

template <int D>
void BM_TileCeiling(benchmark::State& state) {
#if BLOBFLOW_SIMD_X86
  if (simd_avx512_available()) return ceiling_tile<D, D == 1 ? 8 : 4>(state);
#endif
  state.SkipWithError("no AVX-512: the portable path has no vector tile");
}
BENCHMARK(BM_TileCeiling<1>)->Arg(0)->Arg(1)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_TileCeiling<2>)->Arg(0)->Arg(1)->Threads(1)->Threads(2)->UseRealTime();

/// N for the engines that take seconds at N = 1e4 (scalar loop, direct, truncated at sigma = 0.1, portable path),
/// and for the AVX-512 engine (N = 4e4 as in docs/performance.md §3).
const std::vector<std::int64_t> kSlowN = {1000, 10000};
const std::vector<std::int64_t> kFastN = {1000, 10000, 40000};
/// The FFT engine also at N = 1e5 and 1e6 (pairs/s equivalent: N^2 / time); 3D only to 1e5 (grid and p^3 stencils).
const std::vector<std::int64_t> kFftN = {1000, 10000, 40000, 100000, 1000000};
const std::vector<std::int64_t> kFftN3 = {1000, 10000, 40000, 100000};
BLOBFLOW_PAIRS(1, kSlowN, kFastN, kFftN);
BLOBFLOW_PAIRS(2, kSlowN, kFastN, kFftN);
BLOBFLOW_PAIRS(3, kSlowN, kFastN, kFftN3);

}  // namespace
}  // namespace blobflow

BENCHMARK_MAIN();
