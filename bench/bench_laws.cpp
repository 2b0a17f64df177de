// Google Benchmark timings of LawND::integrate (law_nd.hpp) per cell, the inner loop of semi-discrete optimal
// transport (docs/math.md §6.1): each Newton iteration integrates every power cell once. The cells are the Voronoi cells
// (power cells with zero weights) of N seeds drawn from the law itself, cut to its support box, built once by clipping
// the box with the bisectors of each seed's nearest neighbours; a benchmark iteration integrates all of them, and the
// reported time per item is the time per cell. Arguments: dimension, N, and which cells (0: all, 1: only those the
// radial laws cannot integrate as polynomials, i.e. cut by the front or of non-integer exponent).
// Budget of the solver: 2D N = 1e5 with ~15 Newton iterations in 20 s (~13 us a cell including geometry), 3D N = 1e4
// in 20 s (~130 us).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "blobflow/analysis/law_nd.hpp"

namespace blobflow::analysis {
namespace {

/// Seeds drawn from the law by rejection from its support box.
std::vector<Point3> sample(const LawND& law, std::size_t count, std::mt19937& rng) {
  const Box box = law.support_box();
  std::vector<std::uniform_real_distribution<double>> axis;
  for (int k = 0; k < box.dimension; ++k) axis.emplace_back(box.lo[k], box.hi[k]);
  // the largest density on a coarse sample, times a margin, for rejection
  double peak = 0.0;
  for (int i = 0; i < 20000; ++i) {
    Point3 x{};
    for (int k = 0; k < box.dimension; ++k) x[k] = axis[static_cast<std::size_t>(k)](rng);
    peak = std::max(peak, law.density(x));
  }
  peak = std::max(peak, law.density(law.centre())) * 1.5;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Point3> seeds;
  while (seeds.size() < count) {
    Point3 x{};
    for (int k = 0; k < box.dimension; ++k) x[k] = axis[static_cast<std::size_t>(k)](rng);
    if (unit(rng) * peak < law.density(x)) seeds.push_back(x);
  }
  return seeds;
}

/// Voronoi cells of the seeds in the law's support box, clipped by the bisectors of the nearest `neighbours` seeds.
std::vector<ConvexCell> voronoi_cells(const LawND& law, const std::vector<Point3>& seeds, std::size_t neighbours) {
  const Box box = law.support_box();
  std::vector<ConvexCell> cells;
  std::vector<std::pair<double, std::size_t>> order(seeds.size());
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    for (std::size_t j = 0; j < seeds.size(); ++j) {
      double d2 = 0.0;
      for (int k = 0; k < 3; ++k) d2 += (seeds[i][k] - seeds[j][k]) * (seeds[i][k] - seeds[j][k]);
      order[j] = {d2, j};
    }
    const std::size_t count = std::min(neighbours + 1, seeds.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end());
    ConvexCell cell = box_cell(box);
    for (std::size_t n = 1; n < count; ++n) {
      const Point3& a = seeds[i];
      const Point3& b = seeds[order[n].second];
      const Point3 normal{b[0] - a[0], b[1] - a[1], b[2] - a[2]};
      const double offset = 0.5 * ((b[0] * b[0] + b[1] * b[1] + b[2] * b[2]) - (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]));
      clip(cell, normal, offset, static_cast<int>(order[n].second), 1e-12);
    }
    cells.push_back(std::move(cell));
  }
  return cells;
}

struct Workload {
  std::vector<ConvexCell> cells;
  std::vector<Point3> seeds;
};

/// The cells of a law, optionally only those a radial law sends to its divergence route.
Workload workload(const LawND& law, std::size_t count, bool front_only) {
  std::mt19937 rng(20261205);
  const std::vector<Point3> seeds = sample(law, count, rng);
  const std::vector<ConvexCell> all = voronoi_cells(law, seeds, law.dimension() == 2 ? 24 : 60);
  Workload w;
  const auto* radial = dynamic_cast<const RadialPowerLaw*>(&law);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (front_only && radial) {
      bool outside = false;
      for (const Point3& v : all[i].vertices)
        outside = outside || !(std::hypot(v[0] - radial->centre()[0], v[1] - radial->centre()[1],
                                          v[2] - radial->centre()[2]) <= radial->radius());
      const bool polynomial = radial->exponent() == std::floor(radial->exponent());
      if (!outside && polynomial) continue;
    }
    w.cells.push_back(all[i]);
    w.seeds.push_back(seeds[i]);
  }
  return w;
}

std::unique_ptr<LawND> make_law(int which, int d) {
  const Point3 zero{};
  switch (which) {
    case 0: return std::make_unique<UniformBoxLaw>(Box{d, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}});
    case 1: return std::make_unique<RadialPowerLaw>(d, zero, 1.0, 1.0);  // Barenblatt m = 2
    case 2: return std::make_unique<RadialPowerLaw>(d, zero, 1.0, 0.5);  // Barenblatt m = 3
    case 3: return std::make_unique<RadialPowerLaw>(d, zero, 1.0, 0.0);  // uniform ball
    case 4: return std::make_unique<GaussianLawND>(isotropic_gaussian_law(d, zero, 1.0));
    default: {
      const std::vector<double> covariance = d == 2 ? std::vector<double>{1.0, 0.4, 0.4, 0.5}
                                                    : std::vector<double>{1.0, 0.4, 0.1, 0.4, 0.5, -0.2, 0.1, -0.2, 0.8};
      return std::make_unique<GaussianLawND>(d, zero, covariance);
    }
  }
}

/// Arguments: law (0 box, 1 m=2, 2 m=3, 3 ball, 4 Gaussian, 5 anisotropic Gaussian), dimension, N, front only.
void BM_Integrate(benchmark::State& state) {
  const auto law = make_law(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const Workload w = workload(*law, static_cast<std::size_t>(state.range(2)), state.range(3) != 0);
  CellIntegrals out;
  double sink = 0.0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < w.cells.size(); ++i) {
      law->integrate(w.cells[i], w.seeds[i], out);
      sink += out.mass;
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.cells.size()));
  state.counters["cells"] = static_cast<double>(w.cells.size());
}

void arguments(benchmark::internal::Benchmark* b) {
  for (int law = 0; law <= 5; ++law) {
    b->Args({law, 2, 10000, 0});
    b->Args({law, 3, 4000, 0});
    if (law >= 1 && law <= 3) {
      b->Args({law, 2, 10000, 1});
      b->Args({law, 3, 4000, 1});
    }
  }
}

BENCHMARK(BM_Integrate)->Apply(arguments)->Unit(benchmark::kMicrosecond)->MinTime(1.0);

}  // namespace
}  // namespace blobflow::analysis

BENCHMARK_MAIN();
