// Google Benchmark timings of the summation engines (direct_sum.hpp, truncated_sum.hpp) on the sum that dominates a
// blob-method step: the self gradient of psi = zeta_eps * zeta_eps for the Gaussian mollifier (the wpme velocity,
// MATH.md §2.3), with N particles on a lattice of spacing h filling [-1, 1]^d and eps = 4 h (1D) or eps = h (2D, 3D).
// PERF-NOTES.md §1 and §6 give the baselines; pairs/s counts N^2 pair evaluations, as there.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/truncated_sum.hpp"

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

// 1D: N = 800 (a typical study) to 1e5; DirectSum only where it takes seconds at most.
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 1>)->Arg(800)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 1>)->Arg(800)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
// 2D and 3D: n_side per axis.
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 2>)->Arg(32)->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 2>)->Arg(32)->Arg(100)->Arg(300)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelfGradientOfPsi<DirectSum, 3>)->Arg(10)->Arg(20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelfGradientOfPsi<TruncatedSum, 3>)->Arg(10)->Arg(20)->Arg(30)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace blobflow

BENCHMARK_MAIN();
