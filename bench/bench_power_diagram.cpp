// Google Benchmark timings of the power diagram (power_diagram.hpp), the inner loop of the semi-discrete transport
// Newton solver: every cell of N seeds uniform in the unit square or cube, built by for_each_cell and measured (the
// visit sums the cell measures and facet measures, about what the solver's integration touches), for zero weights
// (Voronoi) and for random weights of spread one squared mean spacing (typical of the Newton iterates), with the seeds
// in random order or ordered by rows (cells are built in index order, so the order decides the cache traffic), for
// weights that vary smoothly across the domain by a fraction of its squared diameter (as the transport weights do at
// the solution: a bowl, a cap, particles dilated about the centre, a bump in one corner), and the one-off construction
// of the search structure. One thread; wall time.
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

/// The smooth weight profiles of BM_SmoothWeights, each with a spread (max - min over the box) of s diam^2.
enum Profile : int {
  kBowl = 0,     // w = 4 s |y - c|^2 + noise: cells pulled towards the centre c by up to 2 s diam
  kCap = 1,      // w = -4 s |y - c|^2 + noise: cells pushed outwards, the seeds near the boundary hidden
  kDilated = 2,  // seeds in the box dilated about c, w = (1 - 1/l) |y - c|^2: cells of equal measure (s fixes l)
  kCorner = 3,   // w = s diam^2 max(0, 1 - 4 |y| / diam)^2 + noise: a bump in the corner 0 only
};

/// N seeds uniform in [0, 1]^d (dilated about the centre for kDilated), in random order, with the weights of
/// `profile` of spread `s` diam^2; the noise is uniform in [0, h^2 / 10], h = N^(-1/d) (larger noise hides many
/// seeds once the profile scales the cells down).
Problem smooth_problem(int d, std::size_t n, Profile profile, double s) {
  std::mt19937_64 rng(20261204);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Problem p;
  p.box.dimension = d;
  for (int k = 0; k < d; ++k) p.box.hi[static_cast<std::size_t>(k)] = 1.0;
  const double diameter2 = d;
  const double h2 = std::pow(static_cast<double>(n), -2.0 / d);
  // Dilation l with spread (1 - 1/l) l^2 diam^2 / 4 = s diam^2, i.e. l^2 - l = 4 s.
  const double dilation = profile == kDilated ? 0.5 + std::sqrt(0.25 + 4.0 * s) : 1.0;
  const auto dim = static_cast<std::size_t>(d);
  for (std::size_t i = 0; i < n; ++i) {
    double r2 = 0.0;  // |y - c|^2
    double o2 = 0.0;  // |y|^2
    for (std::size_t k = 0; k < dim; ++k) {
      const double y = 0.5 + dilation * (unit(rng) - 0.5);
      p.seeds.push_back(y);
      r2 += (y - 0.5) * (y - 0.5);
      o2 += y * y;
    }
    const double noise = 0.1 * h2 * unit(rng);
    const double bump = std::max(0.0, 1.0 - 4.0 * std::sqrt(o2 / diameter2));
    switch (profile) {
      case kBowl: p.weights.push_back(4.0 * s * r2 + noise); break;
      case kCap: p.weights.push_back(-4.0 * s * r2 + noise); break;
      case kDilated: p.weights.push_back((1.0 - 1.0 / dilation) * r2); break;
      case kCorner: p.weights.push_back(s * diameter2 * bump * bump + noise); break;
    }
  }
  return p;
}

template <int D>
void BM_SmoothWeights(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const double spread = 1e-3 * static_cast<double>(state.range(2));
  const Problem p = smooth_problem(D, n, static_cast<Profile>(state.range(1)), spread);
  const PowerDiagram diagram(D, p.seeds, p.box);
  std::size_t hidden = 0;
  for (auto _ : state) {
    double sum = 0.0;
    hidden = 0;
    diagram.for_each_cell(p.weights, [&](std::size_t, const ConvexCell& cell) {
      sum += cell_measure(cell);
      hidden += cell.empty() ? 1 : 0;
      for (const auto& f : cell.facets) sum += facet_measure(cell, f);
    });
    benchmark::DoNotOptimize(sum);
  }
  state.counters["cells/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
  state.counters["hidden"] = static_cast<double>(hidden);
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
// Args: N, profile (0 bowl, 1 cap, 2 dilated, 3 corner), weight spread in thousandths of diam^2.
BENCHMARK(BM_SmoothWeights<2>)->Args({10000, 0, 125})->Args({100000, 0, 10})->Args({100000, 0, 100})
    ->Args({100000, 1, 100})->Args({100000, 2, 13})->Args({100000, 2, 100})->Args({100000, 3, 100})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SmoothWeights<3>)->Args({10000, 0, 10})->Args({10000, 0, 100})->Args({10000, 1, 100})
    ->Args({10000, 2, 13})->Args({10000, 2, 100})->Args({10000, 3, 100})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Construction<2>)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Construction<3>)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace blobflow::analysis

BENCHMARK_MAIN();
