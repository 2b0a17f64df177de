// Unit tests of power_diagram.hpp: Voronoi cells of lattices are the lattice's squares and cubes with the right
// neighbours; cells of random seeds and weights (seeds outside the box, weight spreads that hide seeds, weights that
// vary smoothly by a large fraction of diam^2, a few extreme weights, the weights of semi-discrete transport at its
// solution) partition the box, share each facet with the neighbour it names, and equal the box cut by every other
// seed's half-space (a brute force written from the defining inequality, independent of the search and its pruning
// rules); 1D cells equal the sorted-midpoint construction (w = 0) and the closed-form power boundaries (w != 0); input
// is validated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/convex_cell.hpp"
#include "blobflow/analysis/law_nd.hpp"
#include "blobflow/analysis/power_diagram.hpp"
#include "blobflow/analysis/semidiscrete_ot.hpp"
#include "cell_checks.hpp"

namespace blobflow::analysis {
namespace {

using testing::expect_valid_cell;

/// Sums of up to a few hundred measures of O(1) total, each exact up to round-off: ~1e-15; the brief's 1e-12.
constexpr double kMeasure = 1e-12;
/// Facet measures where bisectors pass within the clip tolerance of vertices: a vertex that close counts as on the
/// bisector and stays put, so a facet end may be off by the tolerance over the sine of a 45 or 90 degree angle.
constexpr double kNearDegenerateFacets = 10.0;  // in clip tolerances
/// Facets of a seed 1000 domain widths away: its bisectors with neighbouring seeds meet at angles ~ spacing / 1000, so
/// offsets known to ~1e-13 (weights ~1e6 rounded to 1e-10) move its cell's vertices by up to ~1e-8 along them.
constexpr double kFarFacets = 1e-6;
/// Fixed seed of every random test (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261202;

Box unit_box(int d) {
  Box b{d, {}, {}};
  for (int k = 0; k < d; ++k) b.hi[static_cast<std::size_t>(k)] = 1.0;
  return b;
}

double box_measure(const Box& b) {
  double m = 1.0;
  for (int k = 0; k < b.dimension; ++k) m *= b.hi[static_cast<std::size_t>(k)] - b.lo[static_cast<std::size_t>(k)];
  return m;
}

/// Copies of all cells (the visited cell is valid only during the call).
std::vector<ConvexCell> all_cells(const PowerDiagram& diagram, const std::vector<double>& weights) {
  std::vector<ConvexCell> cells;
  diagram.for_each_cell(weights, [&](std::size_t i, const ConvexCell& cell) {
    EXPECT_EQ(i, cells.size()) << "cells visited out of order";
    cells.push_back(cell);
  });
  return cells;
}

/// The cell of seed i cut by the half-space 2 x.(y_j - y_i) <= |y_j|^2 - |y_i|^2 - w_j + w_i of every other seed.
ConvexCell brute_force_cell(const PowerDiagram& diagram, const std::vector<double>& w, std::size_t i) {
  ConvexCell cell = box_cell(diagram.domain());
  const Point3& yi = diagram.seed(i);
  for (std::size_t j = 0; j < diagram.size(); ++j) {
    if (j == i) continue;
    const Point3& yj = diagram.seed(j);
    const Point3 normal{2.0 * (yj[0] - yi[0]), 2.0 * (yj[1] - yi[1]), 2.0 * (yj[2] - yi[2])};
    const double offset = testing::dot3(yj, yj) - testing::dot3(yi, yi) - w[j] + w[i];
    clip(cell, normal, offset, static_cast<int>(j), diagram.clip_tolerance());
  }
  return cell;
}

struct Problem {
  int d = 2;
  std::vector<double> seeds;
  std::vector<double> weights;
};

/// N seeds uniform in [lo, hi]^d and weights uniform in [0, spread].
Problem random_problem(std::mt19937_64& rng, int d, std::size_t n, double lo, double hi, double spread) {
  std::uniform_real_distribution<double> position(lo, hi);
  std::uniform_real_distribution<double> weight(0.0, spread);
  Problem p;
  p.d = d;
  for (std::size_t i = 0; i < n * static_cast<std::size_t>(d); ++i) p.seeds.push_back(position(rng));
  for (std::size_t i = 0; i < n; ++i) p.weights.push_back(weight(rng));
  return p;
}

TEST(PowerDiagram, VoronoiCellsOfASquareLatticeAreItsSquares) {
  constexpr int kN = 6;
  std::vector<double> seeds;
  for (int b = 0; b < kN; ++b)
    for (int a = 0; a < kN; ++a) {
      seeds.push_back((a + 0.5) / kN);
      seeds.push_back((b + 0.5) / kN);
    }
  const PowerDiagram diagram(2, seeds, unit_box(2));
  const std::vector<double> weights(kN * kN, 0.0);
  diagram.for_each_cell(weights, [&](std::size_t i, const ConvexCell& cell) {
    const int a = static_cast<int>(i) % kN;
    const int b = static_cast<int>(i) / kN;
    EXPECT_NEAR(cell_measure(cell), 1.0 / (kN * kN), kMeasure);
    ASSERT_EQ(cell.facets.size(), 4u) << "cell " << i;
    EXPECT_EQ(cell.vertices.size(), 4u) << "cell " << i;
    for (const auto& f : cell.facets) {
      const int da = static_cast<int>(std::lround(f.normal[0]));
      const int db = static_cast<int>(std::lround(f.normal[1]));
      const int na = a + da;
      const int nb = b + db;
      const bool outside = na < 0 || na >= kN || nb < 0 || nb >= kN;
      EXPECT_EQ(f.neighbour, outside ? ConvexCell::kBoundary : nb * kN + na) << "cell " << i;
      EXPECT_NEAR(facet_measure(cell, f), 1.0 / kN, kMeasure);
    }
    expect_valid_cell(cell, diagram.clip_tolerance(), 1.0 / kN);
  });
}

TEST(PowerDiagram, VoronoiCellsOfACubicLatticeAreItsCubes) {
  constexpr int kN = 4;
  std::vector<double> seeds;
  for (int c = 0; c < kN; ++c)
    for (int b = 0; b < kN; ++b)
      for (int a = 0; a < kN; ++a)
        for (int x : {a, b, c}) seeds.push_back((x + 0.5) / kN);
  const PowerDiagram diagram(3, seeds, unit_box(3));
  const std::vector<double> weights(kN * kN * kN, 0.0);
  diagram.for_each_cell(weights, [&](std::size_t i, const ConvexCell& cell) {
    const std::array<int, 3> at{static_cast<int>(i) % kN, static_cast<int>(i) / kN % kN, static_cast<int>(i) / kN / kN};
    EXPECT_NEAR(cell_measure(cell), 1.0 / (kN * kN * kN), kMeasure);
    ASSERT_EQ(cell.facets.size(), 6u) << "cell " << i;
    EXPECT_EQ(cell.vertices.size(), 8u) << "cell " << i;
    for (const auto& f : cell.facets) {
      std::array<int, 3> next = at;
      bool outside = false;
      for (std::size_t k = 0; k < 3; ++k) {
        next[k] += static_cast<int>(std::lround(f.normal[k]));
        outside = outside || next[k] < 0 || next[k] >= kN;
      }
      EXPECT_EQ(f.neighbour, outside ? ConvexCell::kBoundary : (next[2] * kN + next[1]) * kN + next[0]);
      EXPECT_NEAR(facet_measure(cell, f), 1.0 / (kN * kN), kMeasure);
    }
    expect_valid_cell(cell, diagram.clip_tolerance(), 1.0 / kN);
  });
}

/// Sum of measures = box measure; every facet between i and j appears in cell j with the same measure (to
/// `facet_tolerance`); every cell satisfies the invariants of cell_checks.hpp.
void expect_partition(const PowerDiagram& diagram, const std::vector<ConvexCell>& cells, const std::string& what,
                      double facet_tolerance = kMeasure) {
  double total = 0.0;
  std::map<std::pair<int, int>, double> facets;
  const double scale = std::pow(1.0 / static_cast<double>(cells.size()), 1.0 / diagram.dimension());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    total += cell_measure(cells[i]);
    for (const auto& f : cells[i].facets)
      if (f.neighbour != ConvexCell::kBoundary)
        facets[{static_cast<int>(i), f.neighbour}] += facet_measure(cells[i], f);
    SCOPED_TRACE(what + ", cell " + std::to_string(i));
    expect_valid_cell(cells[i], diagram.clip_tolerance(), scale);
  }
  EXPECT_NEAR(total, box_measure(diagram.domain()), kMeasure) << what;
  for (const auto& [pair, measure] : facets) {
    const auto other = facets.find({pair.second, pair.first});
    const double back = other == facets.end() ? 0.0 : other->second;
    EXPECT_NEAR(measure, back, facet_tolerance) << what << ": facet between " << pair.first << " and " << pair.second;
  }
}

/// Every cell (every `stride`-th for large N) equals the brute-force cell: same measure, same emptiness, same set of
/// neighbours.
void expect_brute_force(const PowerDiagram& diagram, const std::vector<double>& weights,
                        const std::vector<ConvexCell>& cells, const std::string& what, std::size_t stride = 1) {
  for (std::size_t i = 0; i < cells.size(); i += stride) {
    const ConvexCell reference = brute_force_cell(diagram, weights, i);
    EXPECT_NEAR(cell_measure(cells[i]), cell_measure(reference), kMeasure) << what << ", cell " << i;
    EXPECT_EQ(cells[i].empty(), reference.empty()) << what << ", cell " << i;
    std::vector<int> got, want;
    for (const auto& f : cells[i].facets) got.push_back(f.neighbour);
    for (const auto& f : reference.facets) want.push_back(f.neighbour);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << what << ", cell " << i;
  }
}

struct Case {
  const char* name;
  double lo;      // seeds uniform in [lo, hi]^d, the box is [0, 1]^d
  double hi;
  double spread;  // weights uniform in [0, spread], in units of the squared mean spacing
};

constexpr Case kCases[] = {
    {"Voronoi, seeds in the box", 0.0, 1.0, 0.0},
    {"moderate weights", 0.0, 1.0, 1.0},
    {"seeds outside the box", -0.5, 1.5, 1.0},
    {"large weight spread (hidden seeds)", 0.0, 1.0, 30.0},
    {"far seeds and large spread", -2.0, 3.0, 30.0},
};

TEST(PowerDiagram, RandomCellsPartitionTheBoxAndMatchBruteForce) {
  std::mt19937_64 rng(kSeed);
  const std::size_t sizes[] = {0, 60, 300, 150};
  for (int d = 1; d <= 3; ++d) {
    const std::size_t n = sizes[d];
    const double spacing2 = std::pow(1.0 / static_cast<double>(n), 2.0 / d);
    std::size_t hidden = 0;
    for (const Case& c : kCases) {
      const Problem p = random_problem(rng, d, n, c.lo, c.hi, c.spread * spacing2);
      const PowerDiagram diagram(d, p.seeds, unit_box(d));
      const auto cells = all_cells(diagram, p.weights);
      const std::string what = std::string(c.name) + ", d = " + std::to_string(d);
      expect_partition(diagram, cells, what);
      expect_brute_force(diagram, p.weights, cells, what);
      if (c.lo == 0.0)
        hidden += static_cast<std::size_t>(std::count_if(cells.begin(), cells.end(), [](const ConvexCell& cell) {
          return cell.empty();
        }));
      if (HasFailure()) return;
    }
    EXPECT_GT(hidden, 0u) << "no hidden seed inside the box: the large spreads test nothing, d = " << d;
  }
}

/// Weights that vary smoothly across the box by a fraction of its squared diameter, as the transport weights do at the
/// solution: the cells move far from their seeds (a bowl pulls them towards the centre, a cap pushes them out and hides
/// the seeds near the boundary, a corner bump hides the seeds near one corner), which the search must follow.
enum class Profile { kBowl, kCap, kDilated, kCorner };

/// N seeds uniform in [0, 1]^d (dilated by 5% about the centre for kDilated) with weights of the profile, spread
/// `spread` diam^2, plus noise uniform in [0, h^2 / 10], h the mean spacing.
Problem smooth_problem(std::mt19937_64& rng, int d, std::size_t n, Profile profile, double spread) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double dilation = profile == Profile::kDilated ? 1.05 : 1.0;
  const double h2 = std::pow(1.0 / static_cast<double>(n), 2.0 / d);
  Problem p;
  p.d = d;
  for (std::size_t i = 0; i < n; ++i) {
    double r2 = 0.0;  // |y - c|^2
    double o2 = 0.0;  // |y|^2
    for (int k = 0; k < d; ++k) {
      const double y = 0.5 + dilation * (unit(rng) - 0.5);
      p.seeds.push_back(y);
      r2 += (y - 0.5) * (y - 0.5);
      o2 += y * y;
    }
    const double noise = 0.1 * h2 * unit(rng);
    const double bump = std::max(0.0, 1.0 - 2.0 * std::sqrt(o2 / d));
    switch (profile) {
      case Profile::kBowl: p.weights.push_back(4.0 * spread * r2 + noise); break;
      case Profile::kCap: p.weights.push_back(-4.0 * spread * r2 + noise); break;
      case Profile::kDilated: p.weights.push_back((1.0 - 1.0 / dilation) * r2 + noise); break;
      case Profile::kCorner: p.weights.push_back(spread * d * bump * bump + noise); break;
    }
  }
  return p;
}

TEST(PowerDiagram, SmoothWeightSpreadsMatchBruteForce) {
  // Spreads up to a quarter of diam^2 (w = |y - c|^2 for the bowl): cells up to half their distance to the centre
  // from their seeds, far beyond the few cells around a seed that the search visits first.
  std::mt19937_64 rng(kSeed + 5);
  const std::size_t sizes[] = {0, 120, 600, 250};
  const std::pair<Profile, const char*> profiles[] = {
      {Profile::kBowl, "bowl"}, {Profile::kCap, "cap"}, {Profile::kDilated, "dilated"}, {Profile::kCorner, "corner"}};
  for (int d = 1; d <= 3; ++d) {
    std::size_t hidden = 0;
    for (const auto& [profile, name] : profiles) {
      for (const double spread : {0.01, 0.1, 0.25}) {
        const Problem p = smooth_problem(rng, d, sizes[d], profile, spread);
        const PowerDiagram diagram(d, p.seeds, unit_box(d));
        const auto cells = all_cells(diagram, p.weights);
        const std::string what = std::string(name) + ", spread " + ::testing::PrintToString(spread) + " diam^2, d = " +
                                 std::to_string(d);
        expect_partition(diagram, cells, what);
        expect_brute_force(diagram, p.weights, cells, what);
        hidden += static_cast<std::size_t>(
            std::count_if(cells.begin(), cells.end(), [](const ConvexCell& cell) { return cell.empty(); }));
        if (HasFailure()) return;
      }
    }
    EXPECT_GT(hidden, 0u) << "no seed hidden: the cap and corner profiles test nothing, d = " << d;
  }
}

TEST(PowerDiagram, ExtremeWeightsMatchBruteForce) {
  // One seed with a weight large enough to own a large part of the box hides the seeds around it; another with a
  // weight far below the rest is hidden wherever it is; a third seed far outside the box with a huge weight takes a
  // slab of it. The search must find the far seed for every cell it cuts and hide the others.
  std::mt19937_64 rng(kSeed + 6);
  const std::size_t sizes[] = {0, 80, 400, 200};
  for (int d = 1; d <= 3; ++d) {
    const std::size_t n = sizes[d];
    Problem p = random_problem(rng, d, n, 0.0, 1.0, std::pow(1.0 / static_cast<double>(n), 2.0 / d));
    const auto dim = static_cast<std::size_t>(d);
    p.weights[0] = 0.2 * d;                 // a disc of radius ~0.45 diam around seed 0
    p.weights[1] = -1.0;                    // hidden by any neighbour
    std::vector<double> far(dim, 0.5);
    far[0] = 30.0;
    p.seeds.insert(p.seeds.end(), far.begin(), far.end());
    p.weights.push_back(29.5 * 29.5 + 0.5);  // |x - far|^2 - w ~ -59 (x_0 - 0.75) + ...: the part x_0 > ~3/4
    const PowerDiagram diagram(d, p.seeds, unit_box(d));
    const auto cells = all_cells(diagram, p.weights);
    const std::string what = "extreme weights, d = " + std::to_string(d);
    expect_partition(diagram, cells, what, kFarFacets);
    expect_brute_force(diagram, p.weights, cells, what);
    EXPECT_TRUE(cells[1].empty()) << what;
    EXPECT_GT(cell_measure(cells[0]), 0.1) << what;
    EXPECT_GT(cell_measure(cells[n]), 0.1) << what;
    const auto hidden = std::count_if(cells.begin(), cells.end(), [](const ConvexCell& cell) { return cell.empty(); });
    EXPECT_GT(hidden, static_cast<std::ptrdiff_t>(n / 10)) << what << ": the large weight hides too few seeds";
    if (HasFailure()) return;
  }
}

/// Particles as bench_semidiscrete places them: a jittered side^d lattice over `box`, each point of positive density
/// kept with that density as its mass, the set dilated by 2% about the law's centre (the outer ring past the front).
Problem transport_particles(std::mt19937_64& rng, const LawND& law, const Box& box, int side,
                            std::vector<double>& mass) {
  std::uniform_real_distribution<double> jitter(-0.3, 0.3);
  const int d = law.dimension();
  const Point3 c = law.centre();
  Problem p;
  p.d = d;
  mass.clear();
  const int total = d == 2 ? side * side : side * side * side;
  for (int q = 0; q < total; ++q) {
    Point3 y{};
    for (std::size_t k = 0, rest = static_cast<std::size_t>(q); k < static_cast<std::size_t>(d);
         ++k, rest /= static_cast<std::size_t>(side)) {
      const double h = (box.hi[k] - box.lo[k]) / side;
      y[k] = box.lo[k] + h * (static_cast<double>(rest % static_cast<std::size_t>(side)) + 0.5 + jitter(rng));
    }
    const double rho = law.density(y);
    if (rho <= 0.0) continue;
    for (std::size_t k = 0; k < static_cast<std::size_t>(d); ++k) p.seeds.push_back(c[k] + 1.02 * (y[k] - c[k]));
    mass.push_back(rho);
  }
  return p;
}

TEST(PowerDiagram, TransportWeightsAtTheSolutionMatchBruteForce) {
  // The weights the semi-discrete solver ends with on the problems of bench_semidiscrete (Barenblatt profiles with the
  // particles dilated past the front, a Gaussian over +- 5.5 standard deviations in its truncation box): they spread
  // by a few thousandths of diam^2, a number of squared lattice spacings that grows as N^(1/d) (about 50 in 2D at
  // N ~ 8000, 2 in 3D at N ~ 2000), and the cells of the outer particles reach the box. The 2D problems are large
  // enough for the search of about half the cells to go past the grid's rings into the tree, so every stride-th cell
  // is compared.
  struct Transport {
    const char* name;
    std::shared_ptr<const LawND> law;
    int side;            // lattice points per axis
    double half_width;   // > 0: the lattice covers the centre +- this, else the support box
    std::size_t stride;  // every stride-th cell is compared with the brute force
    double spread;       // least max w - min w at the solution, in squared lattice spacings
  };
  const auto barenblatt = [](int d, double m) {
    return std::make_shared<RadialPowerLaw>(barenblatt_law(Barenblatt(d, m), 1.0));
  };
  const Transport problems[] = {
      {"2D Barenblatt m = 2", barenblatt(2, 2.0), 100, 0.0, 7, 40.0},
      {"2D Barenblatt m = 3", barenblatt(2, 3.0), 100, 0.0, 7, 40.0},
      {"2D Gaussian", std::make_shared<GaussianLawND>(isotropic_gaussian_law(2, Point3{}, 1.0)), 60, 5.5, 3, 10.0},
      {"3D Barenblatt m = 2", barenblatt(3, 2.0), 16, 0.0, 3, 1.5},
  };
  std::mt19937_64 rng(kSeed + 7);
  for (const Transport& t : problems) {
    const LawND& law = *t.law;
    const Box support = law.support_box();
    Box lattice = support;
    for (std::size_t k = 0; k < static_cast<std::size_t>(law.dimension()) && t.half_width > 0.0; ++k) {
      lattice.lo[k] = law.centre()[k] - t.half_width;
      lattice.hi[k] = law.centre()[k] + t.half_width;
    }
    std::vector<double> mass;
    Problem p = transport_particles(rng, law, lattice, t.side, mass);
    const SemiDiscreteResult solved = semidiscrete_w2(p.seeds, mass, law);
    ASSERT_EQ(solved.status, SemiDiscreteStatus::converged) << t.name;
    ASSERT_EQ(solved.weights.size(), mass.size()) << t.name;
    p.weights = solved.weights;
    const PowerDiagram diagram(p.d, p.seeds, support);
    const auto cells = all_cells(diagram, p.weights);
    const std::string what = std::string(t.name) + ", N = " + std::to_string(mass.size());
    expect_brute_force(diagram, p.weights, cells, what, t.stride);
    const auto [lo, hi] = std::minmax_element(p.weights.begin(), p.weights.end());
    const double spacing = (lattice.hi[0] - lattice.lo[0]) / t.side;
    EXPECT_GT(*hi - *lo, t.spread * spacing * spacing) << what << ": the weights spread less than the problem should";
    if (HasFailure()) return;
  }
}

TEST(PowerDiagram, NearlyDegenerateLatticesPartitionTheBox) {
  // Lattice seeds moved by tiny random amounts: four (2D) or eight (3D) cells meet near each lattice vertex, and the
  // bisectors pass within round-off, within the clip tolerance or just beyond it of existing vertices.
  std::mt19937_64 rng(kSeed + 3);
  for (int d = 2; d <= 3; ++d) {
    const int side = d == 2 ? 8 : 5;
    const std::size_t n = static_cast<std::size_t>(std::pow(side, d));
    for (const double jitter : {0.0, 1e-15, 1e-13, 3e-13, 1e-12, 2e-12, 5e-12, 1e-11, 1e-9}) {
      std::uniform_real_distribution<double> move(-jitter, jitter);
      std::vector<double> seeds;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0, rest = i; k < static_cast<std::size_t>(d); ++k, rest /= static_cast<std::size_t>(side))
          seeds.push_back((static_cast<double>(rest % static_cast<std::size_t>(side)) + 0.5) / side + move(rng));
      std::vector<double> weights(n);
      for (double& w : weights) w = move(rng) * 1e-2;
      const PowerDiagram diagram(d, seeds, unit_box(d));
      const auto cells = all_cells(diagram, weights);
      const std::string what = "jitter " + ::testing::PrintToString(jitter) + ", d = " + std::to_string(d);
      expect_partition(diagram, cells, what, kNearDegenerateFacets * diagram.clip_tolerance());
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_NEAR(cell_measure(cells[i]), 1.0 / static_cast<double>(n), 1e-8) << what << ", cell " << i;
        EXPECT_NEAR(cell_measure(cells[i]), cell_measure(brute_force_cell(diagram, weights, i)), kMeasure) << what;
      }
      if (HasFailure()) return;
    }
  }
}

TEST(PowerDiagram, FarOutliersAreFiledAtTheGridEdge) {
  // Seeds a thousand domain widths away. |x - y|^2 - w is about 1e6 + 2000 x_0 - w for y = (-1000, 1/2, ...), so
  // w = 1e6 + 1000 gives that seed the part x_0 < ~1/2; likewise w = 4e6 - 3000 gives (1/2, ..., 2000) the part
  // x_last > ~3/4; the seed at (1000, ..., 1000) with w = 0 is hidden.
  std::mt19937_64 rng(kSeed + 4);
  for (int d = 2; d <= 3; ++d) {
    Problem p = random_problem(rng, d, 400, 0.0, 1.0, 0.0);
    std::vector<double> west(static_cast<std::size_t>(d), 0.5), north(static_cast<std::size_t>(d), 0.5),
        corner(static_cast<std::size_t>(d), 1e3);
    west.front() = -1e3;
    north.back() = 2e3;
    for (const auto* y : {&west, &north, &corner}) p.seeds.insert(p.seeds.end(), y->begin(), y->end());
    p.weights.insert(p.weights.end(), {1e6 + 1e3, 4e6 - 3e3, 0.0});
    const PowerDiagram diagram(d, p.seeds, unit_box(d));
    const auto cells = all_cells(diagram, p.weights);
    const std::string what = "far outliers, d = " + std::to_string(d);
    expect_partition(diagram, cells, what, kFarFacets);
    expect_brute_force(diagram, p.weights, cells, what);
    EXPECT_GT(cell_measure(cells[400]), 0.1) << what;
    EXPECT_GT(cell_measure(cells[401]), 0.1) << what;
    EXPECT_TRUE(cells[402].empty()) << what;
  }
}

TEST(PowerDiagram, AddingAConstantToAllWeightsChangesNothing) {
  std::mt19937_64 rng(kSeed + 1);
  const Problem p = random_problem(rng, 2, 200, 0.0, 1.0, 0.01);
  const PowerDiagram diagram(2, p.seeds, unit_box(2));
  std::vector<double> shifted = p.weights;
  for (double& w : shifted) w += 1e3;
  const auto a = all_cells(diagram, p.weights);
  const auto b = all_cells(diagram, shifted);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(cell_measure(a[i]), cell_measure(b[i]), 1e-12);
}

TEST(PowerDiagram, OneDimensionalCellsAreIntervalsBetweenMidpoints) {
  std::mt19937_64 rng(kSeed + 2);
  const Box box{1, {-1.0}, {2.0}};
  for (const double spread : {0.0, 0.05, 0.5}) {
    const Problem p = random_problem(rng, 1, 80, -1.5, 2.5, spread);
    const PowerDiagram diagram(1, p.seeds, box);
    const auto cells = all_cells(diagram, p.weights);
    const std::size_t n = p.seeds.size();
    for (std::size_t i = 0; i < n; ++i) {
      // Cell i = [max over seeds left of i of the boundary, min over seeds right of i], where the boundary with j is
      // x = (y_j^2 - y_i^2 - w_j + w_i) / (2 (y_j - y_i)); for w = 0 the midpoints of the sorted neighbours.
      double left = box.lo[0];
      double right = box.hi[0];
      const double yi = p.seeds[i];
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const double yj = p.seeds[j];
        const double x = spread == 0.0 ? 0.5 * (yi + yj)
                                       : (yj * yj - yi * yi - p.weights[j] + p.weights[i]) / (2.0 * (yj - yi));
        if (yj < yi) left = std::max(left, x);
        if (yj > yi) right = std::min(right, x);
      }
      const double length = std::max(0.0, right - left);
      EXPECT_NEAR(cell_measure(cells[i]), length, kMeasure) << "spread " << spread << ", cell " << i;
      EXPECT_EQ(cells[i].empty(), length <= diagram.clip_tolerance()) << "spread " << spread << ", cell " << i;
      if (!cells[i].empty() && length > diagram.clip_tolerance()) {
        const auto [lo, hi] = std::minmax(cells[i].vertices[0][0], cells[i].vertices[1][0]);
        EXPECT_NEAR(lo, left, kMeasure);
        EXPECT_NEAR(hi, right, kMeasure);
      }
    }
    expect_partition(diagram, cells, "1D, spread " + std::to_string(spread));
  }
}

TEST(PowerDiagram, HiddenSeedsAndSeedsOutsideTheBox) {
  // Three seeds on a line; the middle one with a much smaller weight is hidden.
  const std::vector<double> seeds{0.2, 0.5, 0.5, 0.5, 0.8, 0.5};
  const PowerDiagram diagram(2, seeds, unit_box(2));
  const auto cells = all_cells(diagram, {0.0, -1.0, 0.0});
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_TRUE(cells[1].empty());
  EXPECT_NEAR(cell_measure(cells[0]), 0.5, kMeasure);
  EXPECT_NEAR(cell_measure(cells[2]), 0.5, kMeasure);
  // Two seeds outside the box on either side: the bisector x = 1/2 still splits it; a third farther out is hidden.
  const std::vector<double> outside{-1.0, 0.5, 2.0, 0.5, -3.0, 0.5};
  const PowerDiagram far(2, outside, unit_box(2));
  const auto split = all_cells(far, {0.0, 0.0, 0.0});
  EXPECT_NEAR(cell_measure(split[0]), 0.5, kMeasure);
  EXPECT_NEAR(cell_measure(split[1]), 0.5, kMeasure);
  EXPECT_TRUE(split[2].empty());
}

TEST(PowerDiagram, OneSeedOwnsTheBox) {
  const Box box{3, {-1.0, 0.0, 2.0}, {1.0, 0.5, 3.0}};
  const std::vector<double> seed{5.0, 5.0, 5.0};
  const PowerDiagram diagram(3, seed, box);
  const auto cells = all_cells(diagram, {0.0});
  EXPECT_NEAR(cell_measure(cells[0]), 1.0, kMeasure);
  EXPECT_EQ(cells[0].facets.size(), 6u);
}

TEST(PowerDiagram, RejectsInvalidInput) {
  const Box box = unit_box(2);
  EXPECT_THROW(PowerDiagram(4, std::vector<double>{0.0, 0.0, 0.0, 0.0}, box), std::invalid_argument);
  EXPECT_THROW(PowerDiagram(2, std::vector<double>{}, box), std::invalid_argument);
  EXPECT_THROW(PowerDiagram(2, std::vector<double>{0.1, 0.2, 0.3}, box), std::invalid_argument);
  EXPECT_THROW(PowerDiagram(3, std::vector<double>{0.1, 0.2, 0.3}, box), std::invalid_argument);
  EXPECT_THROW(PowerDiagram(2, std::vector<double>{0.1, std::nan("")}, box), std::invalid_argument);
  try {
    PowerDiagram(2, std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.3, 0.4}, box);
    ADD_FAILURE() << "duplicate seeds accepted";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("distinct"), std::string::npos) << message;
    EXPECT_NE(message.find("seed = 3"), std::string::npos) << message;
    EXPECT_NE(message.find("seed 1"), std::string::npos) << message;
  }
  const PowerDiagram diagram(2, std::vector<double>{0.1, 0.2, 0.3, 0.4}, box);
  const auto ignore = [](std::size_t, const ConvexCell&) {};
  EXPECT_THROW(diagram.for_each_cell(std::vector<double>{0.0}, ignore), std::invalid_argument);
  EXPECT_THROW(diagram.for_each_cell(std::vector<double>{0.0, INFINITY}, ignore), std::invalid_argument);
  EXPECT_THROW(diagram.seed(2), std::out_of_range);
}

}  // namespace
}  // namespace blobflow::analysis
