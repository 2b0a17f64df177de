// Google Benchmark timings of the power diagram (power_diagram.hpp), the inner loop of the semi-discrete transport
// Newton solver: every cell of N seeds uniform in the unit square or cube, built by for_each_cell and measured (the
// visit sums the cell measures and facet measures, about what the solver's integration touches), for zero weights
// (Voronoi) and for random weights of spread one squared mean spacing (typical of the Newton iterates), with the seeds
// in random order or ordered by rows (cells are built in index order, so the order decides the cache traffic), and
// the one-off construction of the bucket grid. One thread; wall time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "blobflow/analysis/convex_cell.hpp"
#include "blobflow/analysis/power_diagram.hpp"

namespace blobflow::analysis {
namespace {

struct Problem {
  std::vector<double> seeds;
  std::vector<double> weights;
  Box box;
};

/// N seeds uniform in [0, 1]^d, in random order or `ordered` by rows; weights uniform in [0, spread h^2] with
/// h = N^(-1/d) the mean spacing.
Problem problem(int d, std::size_t n, double spread, bool ordered) {
  std::mt19937_64 rng(20261203);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Problem p;
  p.box.dimension = d;
  for (int k = 0; k < d; ++k) p.box.hi[static_cast<std::size_t>(k)] = 1.0;
  for (std::size_t i = 0; i < n * static_cast<std::size_t>(d); ++i) p.seeds.push_back(unit(rng));
  const double h2 = std::pow(static_cast<double>(n), -2.0 / d);
  for (std::size_t i = 0; i < n; ++i) p.weights.push_back(spread * h2 * unit(rng));
  if (ordered) {  // rows of width h (slabs in 3D), sorted along x inside: neighbouring indices are near in space
    const auto dim = static_cast<std::size_t>(d);
    const double rows = std::pow(static_cast<double>(n), 1.0 / d);
    const auto key = [&](std::size_t i) {
      double k = 0.0;
      for (std::size_t a = dim; a-- > 1;) k = k * rows + std::floor(p.seeds[i * dim + a] * rows);
      return k + p.seeds[i * dim];
    };
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    std::vector<double> sorted;
    for (const std::size_t i : order)
      for (std::size_t a = 0; a < dim; ++a) sorted.push_back(p.seeds[i * dim + a]);
    p.seeds = std::move(sorted);
  }
  return p;
}

template <int D>
void BM_AllCells(benchmark::State& state) {
  const Problem p = problem(D, static_cast<std::size_t>(state.range(0)), static_cast<double>(state.range(1)),
                            state.range(2) != 0);
  const PowerDiagram diagram(D, p.seeds, p.box);
  for (auto _ : state) {
    double sum = 0.0;
    diagram.for_each_cell(p.weights, [&sum](std::size_t, const ConvexCell& cell) {
      sum += cell_measure(cell);
      for (const auto& f : cell.facets) sum += facet_measure(cell, f);
    });
    benchmark::DoNotOptimize(sum);
  }
  state.counters["cells/s"] = benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)),
                                                 benchmark::Counter::kIsRate);
}

template <int D>
void BM_Construction(benchmark::State& state) {
  const Problem p = problem(D, static_cast<std::size_t>(state.range(0)), 0.0, false);
  for (auto _ : state) {
    const PowerDiagram diagram(D, p.seeds, p.box);
    benchmark::DoNotOptimize(diagram.size());
  }
}

// Args: N, weight spread in squared mean spacings, seeds ordered by rows (1) or random (0).
BENCHMARK(BM_AllCells<2>)->Args({10000, 0, 0})->Args({100000, 0, 0})->Args({100000, 1, 0})->Args({100000, 1, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AllCells<3>)->Args({1000, 0, 0})->Args({10000, 0, 0})->Args({10000, 1, 0})->Args({10000, 1, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Construction<2>)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Construction<3>)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace blobflow::analysis

BENCHMARK_MAIN();
