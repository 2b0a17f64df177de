// The cost of one velocity evaluation of the samplers' pair sums (docs/math.md §8.3): SVGD (direct engine, fixed
// bandwidth) towards N(0, 1) and the blob method towards the talk's piecewise-constant target (closed-form
// y-integral, a pair sum), each with all pairs (P = 0) and with random batches of P particles. With batches the
// work is sum_b q_b^2 ~ N P pairs instead of N^2: the `pairs` counter is that count, and pairs_per_s (pairs over
// CPU time) should stay flat across N and P while the time itself grows like N P.
// Usage: bench_samplers [--benchmark_filter=...]   (Release build with -DBLOBFLOW_BUILD_BENCHMARKS=ON)
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <vector>

#include "blobflow/solvers/samplers.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace {

using namespace blobflow;

/// N points spread over [-3, 3] without order (a golden-ratio sequence), as random batches see them.
std::vector<double> points(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = -3.0 + 6.0 * std::fmod(0.6180339887498949 * static_cast<double>(i), 1.0);
  return x;
}

void record(benchmark::State& state, const VelocityField& field, RandomizedField* batched, std::size_t n,
            std::size_t batch) {
  const std::vector<double> x = points(n);
  std::vector<double> v(n);
  for (auto _ : state) {
    if (batched) batched->next_step();
    field.velocity(x, v);
    benchmark::DoNotOptimize(v.data());
  }
  const double pairs = static_cast<double>(batch_pairs(n, batch));
  state.counters["pairs"] = pairs;
  state.counters["pairs_per_s"] =
      benchmark::Counter(pairs * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_SvgdVelocity(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), batch = static_cast<std::size_t>(state.range(1));
  TargetSpec target;
  target.kind = "gaussian";
  target.mean = {0.0};
  target.covariance = {1.0};
  SvgdSpec spec;
  spec.rule = SvgdBandwidth::fixed;
  spec.bandwidth = 0.3;
  spec.engine = "direct";
  spec.batch = batch;
  const auto field = make_svgd_field(spec, make_target(target, 1), std::vector<double>(n, 1.0), points(n));
  record(state, *field, dynamic_cast<RandomizedField*>(field.get()), n, batch);
}

void BM_BlobVelocity(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), batch = static_cast<std::size_t>(state.range(1));
  FieldSpec spec;
  spec.equation = "wpme";
  spec.epsilon = 0.05;
  spec.engine = "direct";
  spec.target.kind = "piecewise";
  spec.target.pieces = {{{-0.5}, {0.0}, 0.5}, {{0.0}, {0.5}, 1.5}};
  spec.target.method = "closed-form";
  const std::vector<double> masses(n, 1.0 / static_cast<double>(n));
  if (batch == 0) return record(state, *make_velocity_field(spec, masses), nullptr, n, 0);
  const auto field = make_random_batch_field(
      [&](const std::vector<double>& m) { return make_velocity_field(spec, m); }, masses, batch, 1);
  record(state, *field, field.get(), n, batch);
}

void sizes(benchmark::internal::Benchmark* b) {
  for (const int n : {1000, 2000, 4000})
    for (const int p : {0, 8, 32, 128}) b->Args({n, p});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_SvgdVelocity)->Apply(sizes);
BENCHMARK(BM_BlobVelocity)->Apply(sizes);

}  // namespace

BENCHMARK_MAIN();
