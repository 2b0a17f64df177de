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
// Third part (BM_TileCeiling/TARGET): the engines' own vector tile (solvers/src/simd_kernel-inl.h, one-sided, as in
// SimdSum's 1D and 2D blocks) on each SIMD target this build and CPU can run, summing one tile of targets (64 or 32
// with AVX-512, 16 or 8 with AVX2) against 512 sources held in L1, on 1 and 2 threads and nothing else: no memory
// traffic, no threads started, no bookkeeping. Its pairs/s is what this CPU gives for the kernel's instruction
// sequence on that target, the ceiling of the all-pairs engines on the machine at hand (docs/performance.md §4
// explains where such a ceiling comes from).
//
// The engines run on simd_target(), the best target of the CPU; BLOBFLOW_SIMD_TARGET=AVX2 (or SSE4, ...) in the
// environment restricts them to a lesser one for the whole run (the "_fallback" engines always run on the portable
// fallback target, the last of simd_targets()).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/truncated_simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"
#include "simd_kernel.hpp"  // TileJob, the engines' tile functions: BM_TileCeiling

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

/// The engines under test, by name: SimdSum with pair symmetry and one-sided; SimdSum and TruncatedSimdSum on the
/// portable fallback target (what a CPU with none of the vector targets runs).
struct SimdOneSided : SimdSum {
  SimdOneSided() : SimdSum(0, false) {}
};
template <class Engine>
struct OnFallback : Engine {
  template <class K>
  void self_gradient(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    const SimdTarget before = simd_target();
    simd_restrict(simd_targets().back());
    Engine::self_gradient(kernel, x, w, out);
    simd_restrict(before);
  }
};
using SimdFallback = OnFallback<SimdSum>;
using TruncatedSimdFallback = OnFallback<TruncatedSimdSum>;
/// FftSum with its B-spline weights on the fallback target (the FFTs are FFTW's either way).
using FftFallback = OnFallback<FftSum>;

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
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdFallback, 1>)->Arg(800)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
// The grid/FFT engine (not exact; default accuracy 1e-10): its cost hardly depends on eps, so it wins where eps
// spans many particles (below: BM_Pairs at sigma = 0.1).
BENCHMARK(BM_SelfGradientOfPsi<FftSum, 1>)->Arg(800)->Arg(3000)->Arg(10000)->Arg(30000)->Arg(100000)->Arg(1000000)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<FftSum, 2>)->Arg(32)->Arg(100)->Arg(300)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<FftSum, 3>)->Arg(10)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<FftFallback, 1>)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<FftFallback, 2>)->Arg(300)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<FftFallback, 3>)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
// 2D and 3D: n_side per axis.
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 2>)->Arg(32)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 2>)->Arg(32)->Arg(100)->Arg(200)->Arg(300)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 2>)->Arg(32)->Arg(100)->Arg(200)->Arg(300)->Arg(1000)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 2>)->Arg(16)->Arg(24)->Arg(48)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdSum, 2>)->Arg(16)->Arg(24)->Arg(32)->Arg(48)->Arg(64)->Arg(100)->Arg(200)->Arg(300)
    ->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdFallback, 2>)->Arg(32)->Arg(100)->Arg(300)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 3>)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 3>)->Arg(10)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 3>)->Arg(10)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<SimdSum, 3>)->Arg(8)->Arg(12)->Arg(16)->Arg(24)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdSum, 3>)->Arg(8)->Arg(10)->Arg(12)->Arg(16)->Arg(20)->Arg(24)->Arg(30)->Arg(40)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSimdFallback, 3>)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();

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
  BENCHMARK(BM_Pairs<SimdFallback, D>)->ArgsProduct({SLOW_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();            \
  BENCHMARK(BM_Pairs<SimdOneSided, D>)->ArgsProduct({FAST_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();            \
  BENCHMARK(BM_Pairs<SimdSum, D>)->ArgsProduct({FAST_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();            \
  BENCHMARK(BM_Pairs<TruncatedSimdFallback, D>)->ArgsProduct({SLOW_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();   \
  BENCHMARK(BM_Pairs<TruncatedSimdSum, D>)->ArgsProduct({FAST_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime(); \
  BENCHMARK(BM_Pairs<FftSum, D>)->ArgsProduct({FFT_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime(); \
  BENCHMARK(BM_Pairs<FftFallback, D>)->ArgsProduct({FFT_N, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()

/// Sources of the ceiling tile: 512 points (12 KiB of coordinates and weights per axis, L1-resident).
constexpr std::size_t kTileSources = 512;

/// The one-sided gradient tile of one SIMD target (fetched while the engines were restricted to it), timed alone.
template <int D>
void BM_TileCeiling(benchmark::State& state, simd_detail::OneSidedFn tile_fn, std::size_t tile) {
  using namespace simd_detail;
  const double sigma = kSigmas[state.range(0)];
  const std::vector<double> y = uniform_points(tile, D), x = uniform_points(kTileSources, D);
  std::array<std::vector<double>, 3> ys, xs, sums;
  for (std::size_t k = 0; k < static_cast<std::size_t>(D); ++k) {
    for (std::size_t i = 0; i < tile; ++i) ys[k].push_back(y[i * D + k]);
    for (std::size_t j = 0; j < kTileSources; ++j) xs[k].push_back(x[j * D + k]);
    sums[k].assign(tile, 0.0);
  }
  const std::vector<double> lw(kTileSources, -9.0);  // w = 2^-9
  TileJob job;
  job.neg_c = minus_exp2_rate(sigma);
  for (std::size_t k = 0; k < static_cast<std::size_t>(D); ++k) {
    job.y[k] = ys[k].data();
    job.sources.x[k] = xs[k].data();
    job.out[k] = sums[k].data();
  }
  job.sources.lw = lw.data();
  job.j0 = 0;
  job.j1 = kTileSources;
  const FlushToZeroScope scope(true);
  for (auto _ : state) {
    tile_fn(job, 0);
    benchmark::DoNotOptimize(sums[0].data());
    benchmark::ClobberMemory();
  }
  // Summed over the threads, each of which timed its own iterations: kAvgThreads makes it the total rate.
  state.counters["pairs/s"] = benchmark::Counter(
      static_cast<double>(tile * kTileSources),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kAvgThreads);
}

/// BM_TileCeiling<1>/TARGET and BM_TileCeiling<2>/TARGET for every target of simd_targets() (the restriction in
/// force, if any, is restored afterwards).
void register_tile_ceilings() {
  const SimdTarget before = simd_target();
  for (const SimdTarget target : simd_targets()) {
    simd_restrict(target);
    const std::string name = simd_target_name(target);
    benchmark::RegisterBenchmark(("BM_TileCeiling<1>/" + name).c_str(), BM_TileCeiling<1>,
                                 simd_detail::one_sided_tile_of_target(1, true), simd_detail::tile_targets_of_target(1))
        ->Arg(0)->Arg(1)->Threads(1)->Threads(2)->UseRealTime();
    benchmark::RegisterBenchmark(("BM_TileCeiling<2>/" + name).c_str(), BM_TileCeiling<2>,
                                 simd_detail::one_sided_tile_of_target(2, true), simd_detail::tile_targets_of_target(2))
        ->Arg(0)->Arg(1)->Threads(1)->Threads(2)->UseRealTime();
  }
  simd_restrict(before);
}

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

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  blobflow::register_tile_ceilings();
  benchmark::AddCustomContext("simd_target", blobflow::simd_target_name(blobflow::simd_target()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
