// Unit tests of convex_cell.hpp: box cells and their measures, cuts with known answers (a square cut by a diagonal, a
// cube cut into a corner tetrahedron, a half, a prism, a hexagonal section), cuts through vertices and within the
// tolerance of vertices (no slivers, no duplicates), and random cuts checked by complementarity (a cell cut by a plane
// and by the opposite plane gives two cells whose measures add up to the whole) and by order independence. Every cell
// produced is checked against the invariants of cell_checks.hpp (orientation, closed boundary, divergence theorem).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "blobflow/analysis/convex_cell.hpp"
#include "cell_checks.hpp"

namespace blobflow::analysis {
namespace {

using testing::expect_valid_cell;

/// Sums of a few dozen O(1) products: round-off ~1e-15; 1e-13 is far below any error in the geometry.
constexpr double kExact = 1e-13;
/// The clip tolerance of these tests: ~1e4 ulps of unit coordinates, the scale the power diagram uses.
constexpr double kTolerance = 1e-12;
/// Fixed seed of every random test (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261201;

Box box(int d, Point3 lo, Point3 hi) { return Box{d, lo, hi}; }
Box unit_box(int d) { return box(d, {}, {1.0, d > 1 ? 1.0 : 0.0, d > 2 ? 1.0 : 0.0}); }

double facet_measure_sum(const ConvexCell& cell) {
  double sum = 0.0;
  for (const auto& f : cell.facets) sum += facet_measure(cell, f);
  return sum;
}

TEST(BoxCell, IntervalHasTwoEndPoints) {
  const ConvexCell cell = box_cell(box(1, {-1.0}, {2.0}));
  ASSERT_EQ(cell.facets.size(), 2u);
  EXPECT_DOUBLE_EQ(cell_measure(cell), 3.0);
  for (const auto& f : cell.facets) {
    EXPECT_EQ(f.neighbour, ConvexCell::kBoundary);
    EXPECT_EQ(facet_measure(cell, f), 1.0);
    EXPECT_DOUBLE_EQ(f.normal[0] * cell.vertices[static_cast<std::size_t>(f.vertices[0])][0], f.offset);
  }
  expect_valid_cell(cell, kExact, 3.0);
}

TEST(BoxCell, RectangleHasAreaAndPerimeter) {
  const ConvexCell cell = box_cell(box(2, {0.0, 1.0}, {2.0, 4.0}));
  ASSERT_EQ(cell.facets.size(), 4u);
  ASSERT_EQ(cell.vertices.size(), 4u);
  EXPECT_DOUBLE_EQ(cell_measure(cell), 6.0);
  EXPECT_DOUBLE_EQ(facet_measure_sum(cell), 10.0);
  expect_valid_cell(cell, kExact, 4.0);
}

TEST(BoxCell, CuboidHasVolumeAndSurface) {
  const ConvexCell cell = box_cell(box(3, {0.0, 0.0, -1.0}, {1.0, 2.0, 2.0}));
  ASSERT_EQ(cell.facets.size(), 6u);
  ASSERT_EQ(cell.vertices.size(), 8u);
  EXPECT_DOUBLE_EQ(cell_measure(cell), 6.0);
  EXPECT_DOUBLE_EQ(facet_measure_sum(cell), 2.0 * (2.0 + 3.0 + 6.0));
  for (const auto& f : cell.facets) EXPECT_EQ(f.vertices.size(), 4u);
  expect_valid_cell(cell, kExact, 3.0);
}

TEST(BoxCell, RejectsBadBoxes) {
  EXPECT_THROW(box_cell(box(4, {}, {1.0, 1.0, 1.0})), std::invalid_argument);
  EXPECT_THROW(box_cell(box(2, {0.0, 1.0}, {1.0, 1.0})), std::invalid_argument);
  EXPECT_THROW(box_cell(box(2, {0.0, 0.0}, {1.0, std::nan("")})), std::invalid_argument);
}

TEST(Clip, IntervalEndPointMoves) {
  ConvexCell cell = box_cell(unit_box(1));
  EXPECT_TRUE(clip(cell, {2.0}, 0.6, 5, kTolerance));  // x <= 0.3
  EXPECT_DOUBLE_EQ(cell_measure(cell), 0.3);
  EXPECT_TRUE(clip(cell, {-1.0}, -0.2, 6, kTolerance));  // x >= 0.2
  EXPECT_NEAR(cell_measure(cell), 0.1, kExact);
  ASSERT_EQ(cell.facets.size(), 2u);
  for (const auto& f : cell.facets) {
    EXPECT_EQ(f.neighbour, f.normal[0] > 0 ? 5 : 6);
    EXPECT_EQ(std::abs(f.normal[0]), 1.0);
  }
  expect_valid_cell(cell, kTolerance, 1.0);
  EXPECT_FALSE(clip(cell, {1.0}, 0.3 + 0.1 * kTolerance, 7, kTolerance));  // within the tolerance: no sliver
  EXPECT_TRUE(clip(cell, {1.0}, 0.2 + 0.1 * kTolerance, 7, kTolerance));  // leaves less than the tolerance
  EXPECT_TRUE(cell.empty());
  EXPECT_TRUE(cell.vertices.empty());
  EXPECT_EQ(cell_measure(cell), 0.0);
}

TEST(Clip, SquareCutByTheDiagonalIsAHalf) {
  ConvexCell cell = box_cell(unit_box(2));
  EXPECT_TRUE(clip(cell, {1.0, 1.0}, 1.0, 7, kTolerance));  // x + y <= 1, through two vertices
  EXPECT_NEAR(cell_measure(cell), 0.5, kExact);
  ASSERT_EQ(cell.facets.size(), 3u);
  EXPECT_EQ(cell.vertices.size(), 3u);
  const auto& cap = cell.facets.back();
  EXPECT_EQ(cap.neighbour, 7);
  EXPECT_NEAR(facet_measure(cell, cap), std::numbers::sqrt2, kExact);
  EXPECT_NEAR(cap.normal[0], std::numbers::sqrt2 / 2, kExact);
  EXPECT_NEAR(cap.offset, std::numbers::sqrt2 / 2, kExact);
  expect_valid_cell(cell, kTolerance, 1.0);
}

TEST(Clip, SquareCornerCutOff) {
  ConvexCell cell = box_cell(unit_box(2));
  EXPECT_TRUE(clip(cell, {1.0, 1.0}, 1.5, 3, kTolerance));
  EXPECT_NEAR(cell_measure(cell), 1.0 - 0.125, kExact);
  EXPECT_EQ(cell.facets.size(), 5u);
  EXPECT_EQ(cell.vertices.size(), 5u);
  EXPECT_NEAR(facet_measure_sum(cell), 3.0 + std::numbers::sqrt2 / 2, kExact);
  expect_valid_cell(cell, kTolerance, 1.0);
}

TEST(Clip, NothingRemovedAndEverythingRemoved) {
  ConvexCell cell = box_cell(unit_box(2));
  EXPECT_FALSE(clip(cell, {1.0, 1.0}, 2.0, 3, kTolerance));       // touches the corner (1, 1)
  EXPECT_FALSE(clip(cell, {0.0, -1.0}, 0.5 * kTolerance, 3, kTolerance));  // y >= -tol/2: the bottom edge, within tol
  EXPECT_EQ(cell.facets.size(), 4u);
  EXPECT_TRUE(clip(cell, {1.0, 0.0}, 0.5 * kTolerance, 3, kTolerance));  // x <= tol/2: only a sliver would remain
  EXPECT_TRUE(cell.empty());
  EXPECT_TRUE(cell.vertices.empty());
  EXPECT_FALSE(clip(cell, {1.0, 0.0}, 0.5, 3, kTolerance));  // an empty cell stays empty
}

TEST(Clip, VerticesWithinTheToleranceStayAndMakeNoDuplicates) {
  // x + y <= 1 + tol/3: the corners (1, 0) and (0, 1) count as on the plane; no new points next to them.
  ConvexCell square = box_cell(unit_box(2));
  EXPECT_TRUE(clip(square, {1.0, 1.0}, 1.0 + kTolerance / 3.0, 2, kTolerance));
  EXPECT_EQ(square.vertices.size(), 3u);
  EXPECT_NEAR(cell_measure(square), 0.5, 1e-12);
  expect_valid_cell(square, kTolerance, 1.0);
  // The same in 3D: x + y + z <= 1 - tol/3 through three corners of the unit cube.
  ConvexCell cube = box_cell(unit_box(3));
  EXPECT_TRUE(clip(cube, {1.0, 1.0, 1.0}, 1.0 - kTolerance / 3.0, 2, kTolerance));
  EXPECT_EQ(cube.vertices.size(), 4u);
  EXPECT_EQ(cube.facets.size(), 4u);
  EXPECT_NEAR(cell_measure(cube), 1.0 / 6.0, 1e-12);
  expect_valid_cell(cube, kTolerance, 1.0);
}

TEST(Clip, ACapShorterThanTheMergeDistanceMerges) {
  // The sliver triangle (0, 0), (1, 0), (1, 1e-13) (made with a finer tolerance); cutting x >= 0.05 would leave a cap
  // of length 5e-15, below the merge distance 1e-2 x 1e-12: its two ends merge into the exit point (0.05, 5e-15) and
  // the triangle keeps three edges, none from the cut.
  constexpr double kFine = 1e-15;
  ConvexCell cell = box_cell(unit_box(2));
  EXPECT_TRUE(clip(cell, {-1e-13, 1.0}, 0.0, 1, kFine));
  ASSERT_EQ(cell.facets.size(), 3u);
  EXPECT_TRUE(clip(cell, {-1.0, 0.0}, -0.05, 2, kTolerance));
  EXPECT_EQ(cell.facets.size(), 3u);
  EXPECT_EQ(cell.vertices.size(), 3u);
  for (const auto& f : cell.facets) EXPECT_NE(f.neighbour, 2);
  EXPECT_NEAR(cell_measure(cell), 0.5 * 0.95 * 1e-13, 1e-24);
  // A cap longer than the merge distance stays (5e-13, though shorter than the tolerance).
  ConvexCell wider = box_cell(unit_box(2));
  clip(wider, {-1e-11, 1.0}, 0.0, 1, kTolerance);
  EXPECT_TRUE(clip(wider, {-1.0, 0.0}, -0.05, 2, kTolerance));
  EXPECT_EQ(wider.facets.size(), 4u);
  EXPECT_EQ(wider.facets.back().neighbour, 2);
  EXPECT_NEAR(cell_measure(wider), 0.5 * (1.0 - 0.05 * 0.05) * 1e-11, 1e-24);
  expect_valid_cell(wider, kTolerance, 1.0);
}

TEST(Clip, CubeCornerTetrahedron) {
  ConvexCell cell = box_cell(unit_box(3));
  EXPECT_TRUE(clip(cell, {1.0, 1.0, 1.0}, 1.0, 9, kTolerance));
  EXPECT_NEAR(cell_measure(cell), 1.0 / 6.0, kExact);
  ASSERT_EQ(cell.facets.size(), 4u);
  EXPECT_EQ(cell.vertices.size(), 4u);
  const auto& cap = cell.facets.back();
  EXPECT_EQ(cap.neighbour, 9);
  EXPECT_NEAR(facet_measure(cell, cap), std::sqrt(3.0) / 2.0, kExact);  // equilateral, side sqrt 2
  EXPECT_NEAR(facet_measure_sum(cell), 1.5 + std::sqrt(3.0) / 2.0, kExact);
  expect_valid_cell(cell, kTolerance, 1.0);
}

TEST(Clip, CubeHalvesAndPrisms) {
  ConvexCell half = box_cell(unit_box(3));
  EXPECT_TRUE(clip(half, {1.0, 0.0, 0.0}, 0.5, 1, kTolerance));
  EXPECT_NEAR(cell_measure(half), 0.5, kExact);
  EXPECT_EQ(half.facets.size(), 6u);
  EXPECT_NEAR(facet_measure_sum(half), 4.0, kExact);
  expect_valid_cell(half, kTolerance, 1.0);
  // z <= y contains the edge {y = z = 0} and the edge {y = z = 1}: a triangular prism, 4 vertices on the plane.
  ConvexCell prism = box_cell(unit_box(3));
  EXPECT_TRUE(clip(prism, {0.0, -1.0, 1.0}, 0.0, 1, kTolerance));
  EXPECT_NEAR(cell_measure(prism), 0.5, kExact);
  EXPECT_EQ(prism.facets.size(), 5u);
  EXPECT_EQ(prism.vertices.size(), 6u);
  EXPECT_NEAR(facet_measure(prism, prism.facets.back()), std::numbers::sqrt2, kExact);
  expect_valid_cell(prism, kTolerance, 1.0);
  // x + y + z <= 3/2: the section is a regular hexagon of side sqrt(2)/2; the volume is 1/2 by symmetry.
  ConvexCell hexagonal = box_cell(unit_box(3));
  EXPECT_TRUE(clip(hexagonal, {1.0, 1.0, 1.0}, 1.5, 1, kTolerance));
  EXPECT_NEAR(cell_measure(hexagonal), 0.5, kExact);
  EXPECT_EQ(hexagonal.facets.back().vertices.size(), 6u);
  EXPECT_NEAR(facet_measure(hexagonal, hexagonal.facets.back()), 3.0 * std::sqrt(3.0) / 4.0, kExact);
  expect_valid_cell(hexagonal, kTolerance, 1.0);
  // x + y + z <= 2 cuts off the corner (1, 1, 1).
  ConvexCell corner = box_cell(unit_box(3));
  EXPECT_TRUE(clip(corner, {1.0, 1.0, 1.0}, 2.0, 1, kTolerance));
  EXPECT_NEAR(cell_measure(corner), 5.0 / 6.0, kExact);
  EXPECT_EQ(corner.facets.size(), 7u);
  expect_valid_cell(corner, kTolerance, 1.0);
}

TEST(Clip, NonUnitNormalsAreNormalized) {
  ConvexCell cell = box_cell(box(3, {-1.0, -1.0, -1.0}, {1.0, 1.0, 1.0}));
  EXPECT_TRUE(clip(cell, {0.0, 0.0, 4.0}, 2.0, 1, kTolerance));  // z <= 1/2
  EXPECT_NEAR(cell_measure(cell), 6.0, kExact);
  const auto& cap = cell.facets.back();
  EXPECT_EQ(cap.normal[2], 1.0);
  EXPECT_EQ(cap.offset, 0.5);
  EXPECT_NEAR(facet_measure(cell, cap), 4.0, kExact);
  expect_valid_cell(cell, kTolerance, 2.0);
}

TEST(Clip, RejectsNonFiniteInput) {
  ConvexCell cell = box_cell(unit_box(2));
  EXPECT_THROW(clip(cell, {std::nan(""), 1.0}, 0.5, 1, kTolerance), std::invalid_argument);
  EXPECT_THROW(clip(cell, {1.0, 1.0}, INFINITY, 1, kTolerance), std::invalid_argument);
  EXPECT_THROW(clip(cell, {1.0, 1.0}, 0.5, 1, -1.0), std::invalid_argument);
  EXPECT_EQ(cell.facets.size(), 4u);
  EXPECT_FALSE(clip(cell, {0.0, 0.0}, 1.0, 1, kTolerance));  // 0 <= 1: everything
  EXPECT_TRUE(clip(cell, {0.0, 0.0}, -1.0, 1, kTolerance));  // 0 <= -1: nothing
  EXPECT_TRUE(cell.empty());
}

/// A random plane n.x <= c through a random point of [0.1, 0.9]^d.
struct Plane {
  Point3 normal{};
  double offset = 0.0;
};
Plane random_plane(std::mt19937_64& rng, int d) {
  std::normal_distribution<double> gauss;
  std::uniform_real_distribution<double> inside(0.1, 0.9);
  Plane p;
  Point3 x{};
  for (int k = 0; k < d; ++k) {
    p.normal[k] = gauss(rng);
    x[k] = inside(rng);
  }
  p.offset = testing::dot3(p.normal, x);
  return p;
}

TEST(Clip, RandomCutsAreComplementaryAndOrderFree) {
  // A polytope P cut by n.x <= c and by -n.x <= -c gives two cells whose measures add up to |P|; cutting by the same
  // planes in reverse order gives the same cell.
  std::mt19937_64 rng(kSeed);
  for (int d = 2; d <= 3; ++d) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<Plane> planes;
      for (int k = 0; k < 4; ++k) planes.push_back(random_plane(rng, d));
      ConvexCell forward = box_cell(unit_box(d));
      for (std::size_t k = 0; k < planes.size(); ++k)
        clip(forward, planes[k].normal, planes[k].offset, static_cast<int>(k), kTolerance);
      ConvexCell backward = box_cell(unit_box(d));
      for (std::size_t k = planes.size(); k-- > 0;)
        clip(backward, planes[k].normal, planes[k].offset, static_cast<int>(k), kTolerance);
      EXPECT_NEAR(cell_measure(forward), cell_measure(backward), kExact) << "d = " << d << ", trial " << trial;
      EXPECT_EQ(forward.facets.size(), backward.facets.size()) << "d = " << d << ", trial " << trial;
      expect_valid_cell(forward, kTolerance, 1.0);
      const Plane cut = random_plane(rng, d);
      ConvexCell inner = forward;
      ConvexCell outer = forward;
      clip(inner, cut.normal, cut.offset, 10, kTolerance);
      clip(outer, {-cut.normal[0], -cut.normal[1], -cut.normal[2]}, -cut.offset, 10, kTolerance);
      EXPECT_NEAR(cell_measure(inner) + cell_measure(outer), cell_measure(forward), kExact)
          << "d = " << d << ", trial " << trial;
      expect_valid_cell(inner, kTolerance, 1.0);
      expect_valid_cell(outer, kTolerance, 1.0);
      if (HasFailure()) return;
    }
  }
}

TEST(Clip, ManyTangentPlanesApproachABall) {
  // The unit cube cut by the tangent planes of the ball of radius 1/2 at its centre along a Fibonacci sphere of
  // directions: the volume decreases towards pi/6 from above, and the surface towards pi.
  ConvexCell cell = box_cell(unit_box(3));
  constexpr int kPlanes = 2000;
  const double golden = std::numbers::pi * (3.0 - std::sqrt(5.0));
  double previous = 1.0;
  for (int k = 0; k < kPlanes; ++k) {
    const double z = 1.0 - (2.0 * k + 1.0) / kPlanes;
    const double r = std::sqrt(1.0 - z * z);
    const Point3 n{r * std::cos(golden * k), r * std::sin(golden * k), z};
    clip(cell, n, testing::dot3(n, {0.5, 0.5, 0.5}) + 0.5, k, kTolerance);
    const double volume = cell_measure(cell);
    EXPECT_LE(volume, previous + kExact);
    previous = volume;
  }
  EXPECT_GT(previous, std::numbers::pi / 6.0);
  EXPECT_NEAR(previous, std::numbers::pi / 6.0, 2e-3);
  EXPECT_NEAR(facet_measure_sum(cell), std::numbers::pi, 1e-2);
  expect_valid_cell(cell, kTolerance, 1.0);
}

}  // namespace
}  // namespace blobflow::analysis
