// Unit tests of the laws on R^d (law_nd.hpp), the continuous side of semi-discrete optimal transport (docs/math.md
// §6.1): exact values of the uniform law on a triangle, a tetrahedron and an interval; the closed-form mass and
// moments of every law over its whole support; additivity when a cell is cut in two; facet integrals against the
// derivative of the cell mass with respect to a facet's offset and against direct quadrature on the facet; radial laws
// on cells cut by the sphere against independent brute-force quadrature (2D: nested tanh-sinh in polar coordinates,
// tests/unit/analysis/law_references.hpp; 3D: tanh-sinh over z of the slices' 2D integrals); 2D Gaussian cells, which
// are integrated along their edges, against the same polar brute force (tails to 9 standard deviations in relative
// terms, cells holding the mean, slivers, edges through the mean) and a strongly correlated law against a Cartesian
// brute force in x; the 1D radial law against BarenblattLaw1D; the factories against the profiles they come from;
// mixtures as weighted sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/math/special_functions/beta.hpp>

#include "blobflow/analysis/exact_solutions.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/law_nd.hpp"
#include "law_references.hpp"

namespace blobflow::analysis {
namespace {

using testing::Moments;

/// Exact integrations (closed forms, polynomial Gauss rules, sums of a few hundred O(1) terms): round-off.
constexpr double kRoundOff = 1e-13;
/// Radial cells against the 2D polar brute force (tanh-sinh, itself ~1e-14): cells of size >= R/10 have round-off
/// growth (distance from the centre / size)^3 <= 10^3, so the second moment keeps 1e-12 relative.
constexpr double kReference = 1e-12;
/// Finite differences of the mass in a facet's offset, central with step 1e-5 of the cell size: truncation
/// O(step^2) relative ~1e-10 plus round-off 1e-16/1e-5 relative; 1e-7 leaves room for the density's curvature.
constexpr double kFiniteDifference = 1e-7;
/// Fixed seed of the random cells (docs/architecture.md "Conventions": fixed seeds).
constexpr unsigned kSeed = 20261205;

Point3 unit(Point3 n) {
  const double length = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  for (double& x : n) x /= length;
  return n;
}

double dot(const Point3& a, const Point3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/// A random convex cell about z: the box z +- 2 size cut by `cuts` random planes at distances size * [0.5, 1.5].
ConvexCell random_cell(int d, const Point3& z, double size, std::mt19937& rng, int cuts = 7) {
  Box box{d, {}, {}};
  for (int k = 0; k < d; ++k) {
    box.lo[k] = z[k] - 2.0 * size;
    box.hi[k] = z[k] + 2.0 * size;
  }
  ConvexCell cell = box_cell(box);
  std::normal_distribution<double> gauss;
  std::uniform_real_distribution<double> distance(0.5, 1.5);
  for (int i = 0; i < cuts; ++i) {
    Point3 n{};
    for (int k = 0; k < d; ++k) n[k] = gauss(rng);
    n = unit(n);
    clip(cell, n, dot(n, z) + size * distance(rng), i, 0.0);
  }
  return cell;
}

/// The 2D cell bounded by a counter-clockwise polygon: a box around it cut by its edges' half-planes.
ConvexCell cell_of(const testing::Polygon& polygon) {
  Box box{2, {1e300, 1e300}, {-1e300, -1e300}};
  for (const auto& q : polygon)
    for (int k = 0; k < 2; ++k) {
      box.lo[k] = std::min(box.lo[k], q[static_cast<std::size_t>(k)] - 1.0);
      box.hi[k] = std::max(box.hi[k], q[static_cast<std::size_t>(k)] + 1.0);
    }
  ConvexCell flat = box_cell(box);
  for (std::size_t k = 0; k < polygon.size(); ++k) {
    const auto& a = polygon[k];
    const auto& b = polygon[(k + 1) % polygon.size()];
    const Point3 n2 = unit({b[1] - a[1], a[0] - b[0], 0.0});
    clip(flat, n2, n2[0] * a[0] + n2[1] * a[1], 0, 0.0);
  }
  return flat;
}

/// The counter-clockwise vertex loop of a 2D cell.
testing::Polygon polygon_of(const ConvexCell& cell) {
  testing::Polygon polygon;
  int v = cell.facets[0].vertices[0];
  for (std::size_t k = 0; k < cell.facets.size(); ++k) {
    for (const auto& f : cell.facets) {
      if (f.vertices[0] != v) continue;
      polygon.push_back({cell.vertices[static_cast<std::size_t>(v)][0], cell.vertices[static_cast<std::size_t>(v)][1]});
      v = f.vertices[1];
      break;
    }
  }
  return polygon;
}

CellIntegrals integrate(const LawND& law, const ConvexCell& cell, const Point3& y) {
  CellIntegrals out;
  law.integrate(cell, y, out);
  return out;
}

/// Expects the integrals to match a reference: mass relative to itself, first relative to sqrt(mass * second) (its
/// natural scale), second relative to itself; with mass_scale > mass (K |P| for a cell at a steep front, where the
/// facet sums cancel down to the small local density) the mass is compared with mass_scale instead, and the moments
/// in proportion.
void expect_moments(const CellIntegrals& out, const Moments& ref, double tolerance, double mass_scale = 0.0) {
  const double factor = std::max(1.0, mass_scale / ref.mass);
  EXPECT_NEAR(out.mass, ref.mass, tolerance * ref.mass * factor);
  const double first_scale = std::sqrt(ref.mass * ref.second) * factor;
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(out.first[k], ref.first[k], tolerance * first_scale) << "k = " << k;
  EXPECT_NEAR(out.second, ref.second, tolerance * ref.second * factor);
}

// ---------------------------------------------------------------------------------------------------------------------
// Uniform law on a box

TEST(UniformBoxLaw, TriangleHasExactMoments) {
  const UniformBoxLaw law(Box{2, {0.0, 0.0}, {2.0, 1.0}});
  ConvexCell cell = box_cell(Box{2, {0.0, 0.0}, {1.0, 1.0}});
  clip(cell, {1.0, 1.0}, 1.0, 3, 0.0);  // the triangle (0,0), (1,0), (0,1)
  const Point3 y{0.3, 0.2, 0.0};
  const CellIntegrals out = integrate(law, cell, y);
  // int_T 1 = 1/2, int_T x = int_T y = 1/6, int_T x^2 = int_T y^2 = 1/12; rho = 1/2.
  const double rho = 0.5;
  EXPECT_NEAR(out.mass, rho * 0.5, kRoundOff);
  EXPECT_NEAR(out.first[0], rho * (1.0 / 6.0 - 0.3 * 0.5), kRoundOff);
  EXPECT_NEAR(out.first[1], rho * (1.0 / 6.0 - 0.2 * 0.5), kRoundOff);
  EXPECT_NEAR(out.second, rho * (2.0 / 12.0 - 2.0 * (0.3 + 0.2) / 6.0 + (0.09 + 0.04) * 0.5), kRoundOff);
  ASSERT_EQ(out.facet_mass.size(), cell.facets.size());
  for (std::size_t f = 0; f < cell.facets.size(); ++f)
    EXPECT_NEAR(out.facet_mass[f], rho * facet_measure(cell, cell.facets[f]), kRoundOff);
  EXPECT_NEAR(out.facet_mass.back(), rho * std::sqrt(2.0), kRoundOff);  // the hypotenuse
}

TEST(UniformBoxLaw, TetrahedronHasExactMoments) {
  const UniformBoxLaw law(Box{3, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}});
  ConvexCell cell = box_cell(Box{3, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0}});
  clip(cell, {1.0, 1.0, 1.0}, 1.0, 3, 0.0);  // x + y + z <= 1
  const Point3 y{0.25, -0.5, 2.0};
  const CellIntegrals out = integrate(law, cell, y);
  // |T| = 1/6, int_T x = 1/24, int_T x^2 = 1/60.
  EXPECT_NEAR(out.mass, 1.0 / 6.0, kRoundOff);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(out.first[k], 1.0 / 24.0 - y[k] / 6.0, kRoundOff);
  EXPECT_NEAR(out.second, 3.0 / 60.0 - 2.0 * (y[0] + y[1] + y[2]) / 24.0 + dot(y, y) / 6.0, kRoundOff);
  EXPECT_NEAR(out.facet_mass.back(), std::sqrt(3.0) / 2.0, kRoundOff);  // the slanted face
}

TEST(UniformBoxLaw, IntervalHasExactMomentsAndEndPointDensities) {
  const UniformBoxLaw law(Box{1, {-1.0}, {3.0}});
  const ConvexCell cell = box_cell(Box{1, {0.0}, {1.0}});
  const CellIntegrals out = integrate(law, cell, {0.25, 0.0, 0.0});
  EXPECT_NEAR(out.mass, 0.25, kRoundOff);
  EXPECT_NEAR(out.first[0], 0.25 * 0.25, kRoundOff);
  EXPECT_NEAR(out.second, 0.25 * (std::pow(0.75, 3) + std::pow(0.25, 3)) / 3.0, kRoundOff);
  EXPECT_EQ(out.facet_mass, (std::vector<double>{0.25, 0.25}));
}

TEST(UniformBoxLaw, CellReachingOutsideIsCutToTheBox) {
  for (int d = 1; d <= 3; ++d) {
    const Box inner{d, {0.0, 0.0, 0.0}, {1.0, 2.0, 0.5}};
    const UniformBoxLaw law(inner);
    const ConvexCell cell = box_cell(Box{d, {-1.0, -1.0, -1.0}, {0.5, 3.0, 3.0}});  // holds half the box in x
    const Point3 y{0.1, 0.2, 0.3};
    const CellIntegrals out = integrate(law, cell, y);
    EXPECT_NEAR(out.mass, 0.5, kRoundOff) << d;
    // the cut part is the box [0, 0.5] x [0, 2] x [0, 0.5]: mean (0.25, 1, 0.25)
    const Point3 mean{0.25, 1.0, 0.25};
    for (int k = 0; k < d; ++k) EXPECT_NEAR(out.first[k], 0.5 * (mean[k] - y[k]), kRoundOff) << d;
    // facets: only x = 0.5 (index 1 in box_cell's order) meets the box, over 2 x 0.5 of its area
    const double rho = 1.0 / (d == 1 ? 1.0 : d == 2 ? 2.0 : 1.0);
    const double measure = d == 1 ? 1.0 : d == 2 ? 2.0 : 1.0;
    for (std::size_t f = 0; f < out.facet_mass.size(); ++f)
      EXPECT_NEAR(out.facet_mass[f], f == 1 ? rho * measure : 0.0, kRoundOff) << "d = " << d << " facet " << f;
  }
}

TEST(UniformBoxLaw, RejectsBadBoxesAndCells) {
  EXPECT_THROW(UniformBoxLaw(Box{4, {}, {}}), std::invalid_argument);
  EXPECT_THROW(UniformBoxLaw(Box{2, {0.0, 1.0}, {1.0, 1.0}}), std::invalid_argument);
  const UniformBoxLaw law(Box{2, {0.0, 0.0}, {1.0, 1.0}});
  CellIntegrals out;
  EXPECT_THROW(law.integrate(box_cell(Box{3, {}, {1.0, 1.0, 1.0}}), {}, out), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------------------
// Radial laws

/// Exponents of the tests: the uniform ball, m = 2 and m = 1.5 (polynomials), m = 3 (2p an integer), m = 4 and a
/// generic value (graded front quadrature).
const std::vector<double> kExponents{0.0, 1.0, 2.0, 0.5, 1.0 / 3.0, 2.7};

TEST(RadialPowerLaw, WholeSupportHasUnitMassAndClosedFormMoments) {
  for (int d = 1; d <= 3; ++d)
    for (const double p : kExponents) {
      const Point3 c{0.1, -0.2, 0.3};
      const RadialPowerLaw law(d, c, 1.3, p);
      const ConvexCell cell = box_cell(law.support_box());
      const Point3 y{0.4, 0.5, -0.6};
      const CellIntegrals out = integrate(law, cell, y);
      Point3 shift{};
      for (int k = 0; k < d; ++k) shift[k] = c[k] - y[k];
      EXPECT_NEAR(out.mass, 1.0, kRoundOff) << "d = " << d << " p = " << p;
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(out.first[k], shift[k], kRoundOff) << "d = " << d << " p = " << p;
      EXPECT_NEAR(out.second, law.second_moment() + dot(shift, shift), kRoundOff) << "d = " << d << " p = " << p;
      // The box touches the sphere only at points: its facets carry no mass. The facets' planes, formed from rounded
      // vertices, may cut the sphere by an ulp: in 1D the density there is K (2 ulp/R)^p ~ 1e-8 for p = 1/2, and a
      // uniform disc (p = 0) has a chord of length 2 sqrt(2 R ulp) ~ 1e-8 on such an edge.
      const double touching = (d == 1 || p == 0.0) ? 1e-7 : kRoundOff;
      for (double m : out.facet_mass) EXPECT_NEAR(m, 0.0, touching) << "d = " << d << " p = " << p;
    }
}

TEST(RadialPowerLaw, BarenblattSecondMomentMatchesTheProfile) {
  for (int d = 1; d <= 3; ++d)
    for (double m : {2.0, 3.0, 1.5}) {
      const Barenblatt profile(d, m, 2.0, 0.5);
      const double t = 0.7;
      const RadialPowerLaw law = barenblatt_law(profile, t);
      const CellIntegrals out = integrate(law, box_cell(law.support_box()), {});
      EXPECT_NEAR(out.mass, 1.0, kRoundOff);
      EXPECT_NEAR(out.second, profile.second_moment(t) / profile.mass(), kRoundOff * profile.second_moment(t));
    }
}

TEST(RadialPowerLaw, FactoriesMatchTheirProfiles) {
  const Barenblatt profile(2, 3.0, 2.0, 0.5);
  const RadialPowerLaw bb = barenblatt_law(profile, 0.7);
  EXPECT_DOUBLE_EQ(bb.radius(), profile.support_radius(0.7));
  EXPECT_DOUBLE_EQ(bb.exponent(), 0.5);
  for (double r : {0.0, 0.3, 0.9}) {
    const double x = r * bb.radius();
    const std::array<double, 2> point{x * 0.6, -x * 0.8};
    EXPECT_NEAR(bb.density({point[0], point[1], 0.0}), profile.density(point, 0.7) / profile.mass(),
                1e-14 * profile.density(std::array<double, 2>{0.0, 0.0}, 0.7));
  }
  const ConfinedPorousMedium confined(3, 2.0, 1.5, 0.3);
  const RadialPowerLaw cp = confined_porous_medium_law(confined, 0.4);
  EXPECT_DOUBLE_EQ(cp.radius(), confined.support_radius(0.4));
  EXPECT_DOUBLE_EQ(cp.exponent(), 1.0);
  const std::array<double, 3> point{0.1, 0.2, -0.1};
  EXPECT_NEAR(cp.density({0.1, 0.2, -0.1}), confined.density(point, 0.4) / confined.mass(), 1e-13);
  const CellIntegrals out = integrate(cp, box_cell(cp.support_box()), {});
  EXPECT_NEAR(out.second, confined.second_moment(0.4) / confined.mass(), kRoundOff);
  const RadialPowerLaw ball = uniform_ball_law(2, {1.0, 2.0, 0.0}, 0.5);
  EXPECT_NEAR(ball.density({1.1, 2.1, 0.0}), 1.0 / (std::numbers::pi * 0.25), 1e-15);
  EXPECT_EQ(ball.density({1.6, 2.0, 0.0}), 0.0);
  EXPECT_TRUE(ball.interior({1.4, 2.0, 0.0}));
  EXPECT_FALSE(ball.interior({1.5, 2.0, 0.0}));
  // 1/(m-1) for m = 4/3 is 3 + 7e-16: taken as the integer 3
  EXPECT_EQ(barenblatt_law(Barenblatt(2, 4.0 / 3.0), 1.0).exponent(), 3.0);
}

TEST(RadialPowerLaw, RejectsInvalidArguments) {
  EXPECT_THROW(RadialPowerLaw(0, {}, 1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(RadialPowerLaw(4, {}, 1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(RadialPowerLaw(2, {}, 0.0, 1.0), std::invalid_argument);
  EXPECT_THROW(RadialPowerLaw(2, {}, 1.0, -0.5), std::invalid_argument);
  EXPECT_THROW(RadialPowerLaw(2, {std::nan(""), 0.0, 0.0}, 1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(barenblatt_law(Barenblatt(4, 2.0), 1.0), std::invalid_argument);
  EXPECT_THROW(barenblatt_law(Barenblatt(2, 2.0), 0.0), std::invalid_argument);
  const RadialPowerLaw law(2, {}, 1.0, 1.0);
  CellIntegrals out;
  EXPECT_THROW(law.integrate(box_cell(Box{1, {0.0}, {1.0}}), {}, out), std::invalid_argument);
}

TEST(RadialPowerLaw, EmptyAndOutsideCellsHaveNoMass) {
  const RadialPowerLaw law(3, {}, 1.0, 0.5);
  ConvexCell cell = box_cell(Box{3, {-1.0, -1.0, -1.0}, {1.0, 1.0, 1.0}});
  clip(cell, {1.0, 1.0, 1.0}, -2.0, 0, 0.0);  // x + y + z <= -2: a corner outside the ball
  const CellIntegrals outside = integrate(law, cell, {});
  EXPECT_EQ(outside.mass, 0.0);
  clip(cell, {1.0, 0.0, 0.0}, -5.0, 1, 0.0);
  ASSERT_TRUE(cell.empty());
  const CellIntegrals empty = integrate(law, cell, {});
  EXPECT_EQ(empty.mass, 0.0);
  EXPECT_TRUE(empty.facet_mass.empty());
}

/// Cells inside, across and outside the front, 2D and 3D: the two halves of a cut add up to the whole, and the new
/// facet has the same integral seen from both sides.
TEST(RadialPowerLaw, HalvesOfACutCellAddUp) {
  std::mt19937 rng(kSeed);
  std::normal_distribution<double> gauss;
  for (int d = 2; d <= 3; ++d)
    for (const double p : kExponents) {
      const Point3 c{0.1, -0.2, 0.3};
      const RadialPowerLaw law(d, c, 1.3, p);
      for (double where : {0.3, 0.9, 1.05}) {
        Point3 direction = unit({0.6, 0.8, d == 3 ? 0.5 : 0.0});
        Point3 z{};
        for (int k = 0; k < 3; ++k) z[k] = c[k] + where * 1.3 * direction[k];
        const ConvexCell whole = random_cell(d, z, 0.25, rng);
        Point3 n{};
        for (int k = 0; k < d; ++k) n[k] = gauss(rng);
        n = unit(n);
        ConvexCell left = whole, right = whole;
        clip(left, n, dot(n, z), 99, 0.0);
        clip(right, {-n[0], -n[1], -n[2]}, -dot(n, z), 99, 0.0);
        const Point3 y{z[0] + 0.05, z[1] - 0.03, z[2]};
        const CellIntegrals a = integrate(law, left, y), b = integrate(law, right, y), all = integrate(law, whole, y);
        // cells at the front: the facet sums cancel down to the local density, so compare with K |cell|
        const double scale = std::max(all.mass, law.normalization() * cell_measure(whole));
        EXPECT_NEAR(a.mass + b.mass, all.mass, kRoundOff * scale) << "d = " << d << " p = " << p << " at " << where;
        for (int k = 0; k < 3; ++k)
          EXPECT_NEAR(a.first[k] + b.first[k], all.first[k], kRoundOff * scale) << "d = " << d << " p = " << p;
        EXPECT_NEAR(a.second + b.second, all.second, kRoundOff * scale) << "d = " << d << " p = " << p;
        EXPECT_NEAR(a.facet_mass.back(), b.facet_mass.back(), kRoundOff * law.normalization());
      }
    }
}

/// A chord of the disc at distance h from c carries int (1 - (h^2 + s^2)/R^2)^p ds = (s_c/R)^(2p) s_c B(1/2, p + 1)
/// (s_c^2 = R^2 - h^2), the exact value of the facet integral of a cell cut by a line through the disc.
TEST(RadialPowerLaw, ChordFacetIsABetaIntegral) {
  for (const double p : kExponents) {
    const double R = 1.3;
    const RadialPowerLaw law(2, {}, R, p);
    ConvexCell cell = box_cell(law.support_box());
    const Point3 n = unit({0.6, 0.8, 0.0});
    const double h = 0.7;
    clip(cell, n, h, 5, 0.0);
    const CellIntegrals out = integrate(law, cell, {});
    const double s_c = std::sqrt(R * R - h * h);
    const double expected = law.normalization() * std::pow(s_c / R, 2.0 * p) * s_c * boost::math::beta(0.5, p + 1.0);
    EXPECT_NEAR(out.facet_mass.back(), expected, kRoundOff * expected) << "p = " << p;
  }
}

/// d(mass)/d(offset) of a facet is its integral: moving the plane n.x = c by delta sweeps delta * facet integral.
TEST(RadialPowerLaw, FacetIntegralIsTheDerivativeOfTheMass) {
  std::mt19937 rng(kSeed + 1);
  for (int d = 2; d <= 3; ++d)
    for (const double p : kExponents) {
      const RadialPowerLaw law(d, {}, 1.0, p);
      for (double where : {0.2, 0.85}) {
        const Point3 z{where * 0.8, where * 0.6 * (d == 3 ? 0.8 : 1.0), d == 3 ? where * 0.36 : 0.0};
        const ConvexCell base = random_cell(d, z, 0.2, rng);
        const Point3 n = unit({0.3, -0.9, d == 3 ? 0.4 : 0.0});
        const double offset = dot(n, z);
        const double step = 1e-5 * 0.2;
        const auto mass_at = [&](double c, std::vector<double>* facets) {
          ConvexCell cell = base;
          clip(cell, n, c, 42, 0.0);
          const CellIntegrals out = integrate(law, cell, z);
          if (facets) *facets = out.facet_mass;
          return out.mass;
        };
        std::vector<double> facets;
        mass_at(offset, &facets);
        const double derivative = (mass_at(offset + step, nullptr) - mass_at(offset - step, nullptr)) / (2.0 * step);
        EXPECT_NEAR(derivative, facets.back(), kFiniteDifference * std::max(facets.back(), 1e-3))
            << "d = " << d << " p = " << p << " at " << where;
      }
    }
}

/// Facets against direct quadrature: in 2D the density along the edge (tanh-sinh split where the edge crosses the
/// circle); in 3D the polygon in its plane by the polar brute force about the foot of c.
TEST(RadialPowerLaw, FacetIntegralsMatchDirectQuadrature) {
  std::mt19937 rng(kSeed + 2);
  for (int d = 2; d <= 3; ++d)
    for (const double p : d == 2 ? kExponents : std::vector<double>{1.0, 0.5, 1.0 / 3.0}) {
      const double R = 1.0;
      const RadialPowerLaw law(d, {}, R, p);
      const Point3 z = d == 2 ? Point3{0.7, 0.5, 0.0} : Point3{0.6, 0.4, 0.5};
      const ConvexCell cell = random_cell(d, z, 0.3, rng);
      const CellIntegrals out = integrate(law, cell, z);
      for (std::size_t f = 0; f < cell.facets.size(); ++f) {
        const auto& loop = cell.facets[f].vertices;
        double expected = 0.0;
        if (d == 2) {
          const Point3& a = cell.vertices[static_cast<std::size_t>(loop[0])];
          const Point3& b = cell.vertices[static_cast<std::size_t>(loop[1])];
          const double length = std::hypot(b[0] - a[0], b[1] - a[1]);
          const auto along = [&](double s) { return Point3{a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]), 0.0}; };
          // split at the crossings of |a + s (b - a)| = R
          const double qa = length * length, qb = 2.0 * (a[0] * (b[0] - a[0]) + a[1] * (b[1] - a[1]));
          const double qc = a[0] * a[0] + a[1] * a[1] - R * R;
          std::vector<double> knots{0.0, 1.0};
          const double disc = qb * qb - 4.0 * qa * qc;
          if (disc > 0.0)
            for (double sign : {-1.0, 1.0}) {
              const double s = (-qb + sign * std::sqrt(disc)) / (2.0 * qa);
              if (s > 0.0 && s < 1.0) knots.push_back(s);
            }
          std::sort(knots.begin(), knots.end());
          for (std::size_t k = 0; k + 1 < knots.size(); ++k)
            expected += length * testing::tanh_sinh([&](double s, double) { return law.density(along(s)); }, knots[k],
                                                     knots[k + 1]);
        } else {
          // the plane's frame: foot of c, two in-plane axes; the circle of radius sqrt(R^2 - h^2)
          const Point3 n = cell.facets[f].normal;
          const double h = cell.facets[f].offset;  // the plane n.x = offset lies at distance |offset| from c = 0
          const Point3 axis = std::abs(n[0]) < 0.9 ? Point3{1.0, 0.0, 0.0} : Point3{0.0, 1.0, 0.0};
          const Point3 e1 = unit({n[1] * axis[2] - n[2] * axis[1], n[2] * axis[0] - n[0] * axis[2],
                                  n[0] * axis[1] - n[1] * axis[0]});
          const Point3 e2{n[1] * e1[2] - n[2] * e1[1], n[2] * e1[0] - n[0] * e1[2], n[0] * e1[1] - n[1] * e1[0]};
          testing::Polygon polygon;
          for (int v : loop) {
            const Point3& x = cell.vertices[static_cast<std::size_t>(v)];
            polygon.push_back({dot(x, e1), dot(x, e2)});
          }
          if (std::abs(h) < R) {
            const double limit = std::sqrt(R * R - h * h);
            expected = testing::radial_polar_2d(polygon, {0.0, 0.0},
                                                testing::power_profile(limit, p, law.normalization() / std::pow(R * R, p)),
                                                Point3{}, 0.0, 0)
                           .mass;
          }
        }
        EXPECT_NEAR(out.facet_mass[f], expected, kReference * std::max(expected, 1e-3))
            << "d = " << d << " p = " << p << " facet " << f;
      }
    }
}

/// 2D cells inside, across and just inside the front against the polar brute force.
TEST(RadialPowerLaw, CellsMatchPolarBruteForce2D) {
  std::mt19937 rng(kSeed + 3);
  for (const double p : kExponents) {
    const Point3 c{0.1, -0.2, 0.0};
    const double R = 1.3;
    const RadialPowerLaw law(2, c, R, p);
    for (double where : {0.4, 0.8, 1.0}) {
      const Point3 z{c[0] + where * R * 0.6, c[1] + where * R * 0.8, 0.0};
      const ConvexCell cell = random_cell(2, z, 0.15, rng);
      const Point3 y{z[0] + 0.02, z[1] - 0.04, 0.0};
      const Moments ref = testing::radial_polar_2d(polygon_of(cell), {c[0], c[1]},
                                                   testing::power_profile(R, p, law.normalization() / std::pow(R * R, p)), y);
      SCOPED_TRACE("p = " + std::to_string(p) + " at " + std::to_string(where));
      expect_moments(integrate(law, cell, y), ref, kReference);
    }
  }
}

/// Large exponents (m close to 1): the angle quadrature takes more points as the integrands' degree 2p + 6 grows.
TEST(RadialPowerLaw, LargeExponentsMatchPolarBruteForce2D) {
  std::mt19937 rng(kSeed + 5);
  for (const double p : {3.5, 6.0, 7.3, 20.0}) {
    const Point3 c{0.1, -0.2, 0.0};
    const double R = 1.3;
    const RadialPowerLaw law(2, c, R, p);
    const Point3 z{c[0] + R * 0.6, c[1] + R * 0.8, 0.0};
    const ConvexCell cell = random_cell(2, z, 0.3, rng);
    const Point3 y{z[0] + 0.02, z[1] - 0.04, 0.0};
    const Moments ref = testing::radial_polar_2d(polygon_of(cell), {c[0], c[1]},
                                                 testing::power_profile(R, p, law.normalization() / std::pow(R * R, p)), y);
    SCOPED_TRACE("p = " + std::to_string(p));
    expect_moments(integrate(law, cell, y), ref, kReference, law.normalization() * cell_measure(cell));
  }
}

/// 3D cells against slices: int over z of the 2D integrals of each slice polygon (the 2D route, checked above against
/// the polar brute force), with the slice's circle radius sqrt(R^2 - z^2) and the 3D density's scale.
Moments sliced_reference(const RadialPowerLaw& law, const ConvexCell& cell, const Point3& y) {
  const Point3 c = law.centre();
  const double R = law.radius(), p = law.exponent();
  std::vector<double> knots;
  double lo = 1e300, hi = -1e300;
  for (const Point3& v : cell.vertices) {
    lo = std::min(lo, v[2]);
    hi = std::max(hi, v[2]);
    knots.push_back(v[2]);
  }
  lo = std::max(lo, c[2] - R);
  hi = std::min(hi, c[2] + R);
  // kinks of the slice integral: where an edge crosses the sphere, and the z-extremes of each facet plane's circle
  for (const auto& facet : cell.facets) {
    const std::size_t m = facet.vertices.size();
    for (std::size_t k = 0; k < m; ++k) {
      const Point3& a = cell.vertices[static_cast<std::size_t>(facet.vertices[k])];
      const Point3& b = cell.vertices[static_cast<std::size_t>(facet.vertices[(k + 1) % m])];
      double qa = 0.0, qb = 0.0, qc = -R * R;
      for (int j = 0; j < 3; ++j) {
        qa += (b[j] - a[j]) * (b[j] - a[j]);
        qb += 2.0 * (a[j] - c[j]) * (b[j] - a[j]);
        qc += (a[j] - c[j]) * (a[j] - c[j]);
      }
      const double disc = qb * qb - 4.0 * qa * qc;
      if (disc > 0.0)
        for (double sign : {-1.0, 1.0}) {
          const double t = (-qb + sign * std::sqrt(disc)) / (2.0 * qa);
          if (t > 0.0 && t < 1.0) knots.push_back(a[2] + t * (b[2] - a[2]));
        }
    }
    const Point3& n = facet.normal;
    const double h = dot(n, c) - facet.offset;
    if (std::abs(h) < R) {
      const double extent = std::sqrt(R * R - h * h) * std::sqrt(std::max(0.0, 1.0 - n[2] * n[2]));
      knots.push_back(c[2] - h * n[2] - extent);
      knots.push_back(c[2] - h * n[2] + extent);
    }
  }
  knots.push_back(lo);
  knots.push_back(hi);
  std::sort(knots.begin(), knots.end());
  const auto slice = [&](double z, int which) {
    const double to_pole = R - std::abs(z - c[2]);
    if (!(to_pole > 0.0)) return 0.0;
    const testing::Polygon polygon = testing::slice(cell, z);
    if (polygon.size() < 3) return 0.0;
    const double limit = std::sqrt(to_pole * (2.0 * R - to_pole));
    const RadialPowerLaw disc(2, {c[0], c[1], 0.0}, limit, p);
    // 3D density on the slice: K3 (limit/R)^(2p) (1 - r^2/limit^2)^p = that factor over K2 times the disc's density
    const double factor = law.normalization() * std::pow(limit / R, 2.0 * p) / disc.normalization();
    ConvexCell flat = cell_of(polygon);
    CellIntegrals out;
    disc.integrate(flat, {y[0], y[1], 0.0}, out);
    const double dz = z - y[2];
    switch (which) {
      case 0: return factor * out.mass;
      case 1: return factor * out.first[0];
      case 2: return factor * out.first[1];
      case 3: return factor * dz * out.mass;
      default: return factor * (out.second + dz * dz * out.mass);
    }
  };
  Moments sum;
  for (std::size_t k = 0; k + 1 < knots.size(); ++k) {
    const double a = std::max(knots[k], lo), b = std::min(knots[k + 1], hi);
    if (!(b > a)) continue;
    std::array<double, 5> part{};
    for (int which = 0; which < 5; ++which)
      part[static_cast<std::size_t>(which)] = testing::tanh_sinh([&](double z, double) { return slice(z, which); }, a, b);
    sum = sum + Moments{part[0], {part[1], part[2], part[3]}, part[4]};
  }
  return sum;
}

TEST(RadialPowerLaw, CellsMatchSlicedQuadrature3D) {
  std::mt19937 rng(kSeed + 4);
  for (const double p : kExponents) {
    const Point3 c{0.1, -0.2, 0.05};
    const double R = 1.3;
    const RadialPowerLaw law(3, c, R, p);
    for (double where : {0.4, 0.95}) {
      const Point3 direction = unit({0.6, 0.48, 0.64});
      Point3 z{};
      for (int k = 0; k < 3; ++k) z[k] = c[k] + where * R * direction[k];
      const ConvexCell cell = random_cell(3, z, 0.2, rng);
      const Point3 y{z[0] + 0.02, z[1] - 0.04, z[2] + 0.01};
      SCOPED_TRACE("p = " + std::to_string(p) + " at " + std::to_string(where));
      expect_moments(integrate(law, cell, y), sliced_reference(law, cell, y), kReference);
    }
  }
}

/// 1D intervals against BarenblattLaw1D (its own Gauss and tanh-sinh panels) over the support, near and across the
/// front, narrow and wide.
TEST(RadialPowerLaw, OneDimensionalIntervalsMatchBarenblattLaw1D) {
  for (double m : {2.0, 3.0, 1.5, 4.0, 1.3}) {
    const Barenblatt profile(1, m, 1.0, 1.0);
    const double t = 0.8;
    const BarenblattLaw1D reference(profile, t);
    const RadialPowerLaw law = barenblatt_law(profile, t);
    const double R = law.radius();
    for (const auto& [a, b] : std::vector<std::pair<double, double>>{
             {-R, R}, {-2.0 * R, 0.3 * R}, {0.2 * R, 0.5 * R}, {0.9 * R, 1.5 * R}, {0.99 * R, 0.999 * R},
             {-0.6 * R, -0.59 * R}, {-0.3 * R, 0.7 * R}, {0.999 * R, R}}) {
      const IntervalMoments expected = reference.moments(a, b);
      const Point3 y{0.5 * (a + b), 0.0, 0.0};
      const CellIntegrals out = integrate(law, box_cell(Box{1, {a}, {b}}), y);
      SCOPED_TRACE("m = " + std::to_string(m) + " on [" + std::to_string(a) + ", " + std::to_string(b) + "]");
      EXPECT_NEAR(out.mass, expected.mass, kRoundOff * expected.mass);
      if (expected.mass == 0.0) continue;
      const double width = std::min(b, R) - std::max(a, -R);
      EXPECT_NEAR(out.first[0] / out.mass, expected.mean - y[0], kRoundOff * width);
      const double variance = out.second / out.mass - std::pow(out.first[0] / out.mass, 2);
      EXPECT_NEAR(variance, expected.variance, 1e-12 * expected.variance + kRoundOff * width * width);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Gaussian laws

/// The Gaussian's quadrature bound (GaussianLawND::kQuadratureError, twice for a cell) with room for the summation of
/// a few hundred simplices: quantities computed on different fans agree to this.
constexpr double kGaussian = 1e-12;

/// Correlated covariances of the tests, row-major.
std::vector<double> test_covariance(int d) {
  if (d == 1) return {0.7};
  if (d == 2) return {0.7, 0.3, 0.3, 0.5};
  return {0.7, 0.3, 0.1, 0.3, 0.5, -0.2, 0.1, -0.2, 0.9};
}

TEST(GaussianLawND, TruncationBoxHoldsAllButTheTailAndUnitMass) {
  for (int d = 1; d <= 3; ++d) {
    const Point3 mean{0.3, -0.1, 0.2};
    const GaussianLawND law(d, mean, test_covariance(d));
    // d erfc(k / sqrt 2) = kTailMass
    EXPECT_NEAR(d * std::erfc(law.truncation() / std::sqrt(2.0)), GaussianLawND::kTailMass, 1e-3 * GaussianLawND::kTailMass);
    const Box box = law.support_box();
    for (int k = 0; k < d; ++k) EXPECT_NEAR(box.hi[k] - mean[k], law.truncation() * std::sqrt(law.covariance(k, k)), 1e-14);
    const CellIntegrals out = integrate(law, box_cell(box), mean);
    double trace = 0.0;
    for (int k = 0; k < d; ++k) trace += law.covariance(k, k);
    EXPECT_NEAR(out.mass, 1.0, kGaussian) << d;
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(out.first[k], 0.0, kGaussian) << d;
    EXPECT_NEAR(out.second, trace, kGaussian * trace) << d;
    EXPECT_TRUE(law.interior(mean));
    EXPECT_FALSE(law.interior({box.hi[0] + 1e-9, mean[1], mean[2]}));
    EXPECT_EQ(law.density({box.hi[0] + 1e-9, mean[1], mean[2]}), 0.0);
  }
}

TEST(GaussianLawND, FactoriesFollowTheExactSolutions) {
  const HeatKernel heat(2, 3.0, 0.5, 0.2);
  const GaussianLawND h = heat_kernel_law(heat, 0.7);
  EXPECT_DOUBLE_EQ(h.covariance(0, 0), heat.variance(0.7));
  EXPECT_DOUBLE_EQ(h.covariance(0, 1), 0.0);
  const std::array<double, 2> point{0.3, -0.4};
  EXPECT_NEAR(h.density({0.3, -0.4, 0.0}), heat.density(point, 0.7) / heat.mass(), 1e-15);
  const CellIntegrals out = integrate(h, box_cell(h.support_box()), {});
  EXPECT_NEAR(out.second, heat.second_moment(0.7) / heat.mass(), kGaussian);
  const std::vector<double> mu0{1.0, -2.0, 0.5};
  const LinearFokkerPlanck fp(3, 1.0, 0.3, mu0);
  const GaussianLawND f = fokker_planck_law(fp, 0.4);
  for (int k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(f.mean()[k], fp.mean(k, 0.4));
  EXPECT_DOUBLE_EQ(f.covariance(2, 2), fp.variance(0.4));
  const CellIntegrals about_origin = integrate(f, box_cell(f.support_box()), {});
  EXPECT_NEAR(about_origin.second, fp.second_moment(0.4) / fp.mass(), kGaussian * fp.second_moment(0.4));
}

TEST(GaussianLawND, RejectsInvalidArguments) {
  EXPECT_THROW(GaussianLawND(0, {}, std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(GaussianLawND(2, {}, std::vector<double>{1.0, 0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(GaussianLawND(2, {}, std::vector<double>{1.0, 0.5, 0.4, 1.0}), std::invalid_argument);  // asymmetric
  EXPECT_THROW(GaussianLawND(2, {}, std::vector<double>{1.0, 2.0, 2.0, 1.0}), std::invalid_argument);  // indefinite
  EXPECT_THROW(GaussianLawND(1, {std::nan("")}, std::vector<double>{1.0}), std::invalid_argument);
  EXPECT_THROW(isotropic_gaussian_law(2, {}, 0.0), std::invalid_argument);
  EXPECT_THROW(heat_kernel_law(HeatKernel(4), 1.0), std::invalid_argument);
}

TEST(GaussianLawND, HalvesOfACutCellAddUp) {
  std::mt19937 rng(kSeed + 6);
  std::normal_distribution<double> gauss;
  for (int d = 2; d <= 3; ++d) {
    const GaussianLawND law(d, {0.3, -0.1, 0.2}, test_covariance(d));
    for (const double size : {0.05, 0.4, 1.5}) {
      const Point3 z{1.1, 0.4, -0.5};
      const ConvexCell whole = random_cell(d, z, size, rng);
      Point3 n{};
      for (int k = 0; k < d; ++k) n[k] = gauss(rng);
      n = unit(n);
      ConvexCell left = whole, right = whole;
      clip(left, n, dot(n, z), 9, 0.0);
      clip(right, {-n[0], -n[1], -n[2]}, -dot(n, z), 9, 0.0);
      const CellIntegrals a = integrate(law, left, z), b = integrate(law, right, z), all = integrate(law, whole, z);
      SCOPED_TRACE("d = " + std::to_string(d) + " size " + std::to_string(size));
      expect_moments(all, {a.mass + b.mass, {a.first[0] + b.first[0], a.first[1] + b.first[1], a.first[2] + b.first[2]},
                           a.second + b.second},
                     kGaussian);
      EXPECT_NEAR(a.facet_mass.back(), b.facet_mass.back(), kGaussian * a.facet_mass.back());
    }
  }
}

/// An isotropic Gaussian is radial: 2D cells against the polar brute force, near and far from the mean.
TEST(GaussianLawND, CellsMatchPolarBruteForce2D) {
  std::mt19937 rng(kSeed + 7);
  const double variance = 0.6;
  const Point3 mean{0.2, 0.1, 0.0};
  const GaussianLawND law = isotropic_gaussian_law(2, mean, variance);
  for (const double distance : {0.0, 1.0, 3.0}) {
    for (const double size : {0.03, 0.3}) {
      const Point3 z{mean[0] + 0.8 * distance, mean[1] + 0.6 * distance, 0.0};
      const ConvexCell cell = random_cell(2, z, size, rng);
      const Point3 y{z[0] + 0.1 * size, z[1], 0.0};
      const Moments ref =
          testing::radial_polar_2d(polygon_of(cell), {mean[0], mean[1]}, testing::gaussian_profile(variance, 2), y);
      SCOPED_TRACE("distance " + std::to_string(distance) + " size " + std::to_string(size));
      expect_moments(integrate(law, cell, y), ref, kGaussian);
    }
  }
}

/// 3D isotropic cells against slices: the 3D density on the plane at height z is (2 pi v)^(-1/2) exp(-(z - m)^2/(2v))
/// times the 2D Gaussian, whose integral over the slice polygon the 2D law gives (checked above).
TEST(GaussianLawND, CellsMatchSlicedQuadrature3D) {
  std::mt19937 rng(kSeed + 8);
  const double variance = 0.6;
  const Point3 mean{0.2, 0.1, -0.1};
  const GaussianLawND law = isotropic_gaussian_law(3, mean, variance);
  const GaussianLawND plane = isotropic_gaussian_law(2, {mean[0], mean[1], 0.0}, variance);
  for (const double distance : {0.3, 2.0}) {
    const Point3 z{mean[0] + 0.48 * distance, mean[1] + 0.6 * distance, mean[2] + 0.64 * distance};
    const ConvexCell cell = random_cell(3, z, 0.2, rng);
    const Point3 y{z[0] + 0.01, z[1] - 0.02, z[2]};
    std::vector<double> knots;
    for (const Point3& v : cell.vertices) knots.push_back(v[2]);
    std::sort(knots.begin(), knots.end());
    const auto slice = [&](double height, int which) {
      const testing::Polygon polygon = testing::slice(cell, height);
      if (polygon.size() < 3) return 0.0;
      ConvexCell flat = cell_of(polygon);
      const CellIntegrals out = integrate(plane, flat, {y[0], y[1], 0.0});
      const double dz = height - y[2];
      const double factor = std::exp(-0.5 * (height - mean[2]) * (height - mean[2]) / variance) /
                            std::sqrt(2.0 * std::numbers::pi * variance);
      switch (which) {
        case 0: return factor * out.mass;
        case 1: return factor * out.first[0];
        case 2: return factor * out.first[1];
        case 3: return factor * dz * out.mass;
        default: return factor * (out.second + dz * dz * out.mass);
      }
    };
    Moments ref;
    for (std::size_t k = 0; k + 1 < knots.size(); ++k) {
      if (!(knots[k + 1] > knots[k])) continue;
      std::array<double, 5> part{};
      for (int which = 0; which < 5; ++which)
        part[static_cast<std::size_t>(which)] =
            testing::tanh_sinh([&](double h, double) { return slice(h, which); }, knots[k], knots[k + 1]);
      ref = ref + Moments{part[0], {part[1], part[2], part[3]}, part[4]};
    }
    SCOPED_TRACE("distance " + std::to_string(distance));
    expect_moments(integrate(law, cell, y), ref, kGaussian);
  }
}

/// Affine invariance: the law N(mu, L L^T) over a cell P has the mass of N(0, I) over L^-1 (P - mu), and first moment
/// L times the standard law's (about the mapped seed); this checks the anisotropic case against the isotropic one.
TEST(GaussianLawND, CorrelatedLawIsTheStandardLawOfTheWhitenedCell) {
  std::mt19937 rng(kSeed + 9);
  for (int d = 2; d <= 3; ++d) {
    const Point3 mean{0.3, -0.1, 0.2};
    const std::vector<double> sigma = test_covariance(d);
    const GaussianLawND law(d, mean, sigma);
    const GaussianLawND standard = isotropic_gaussian_law(d, {}, 1.0);
    // L by Cholesky, and its inverse, for the mapping
    std::array<std::array<double, 3>, 3> L{}, Li{};
    const auto n = static_cast<std::size_t>(d);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        double sum = sigma[i * n + j];
        for (std::size_t k = 0; k < j; ++k) sum -= L[i][k] * L[j][k];
        L[i][j] = i == j ? std::sqrt(sum) : sum / L[j][j];
      }
    for (std::size_t c = 0; c < n; ++c)
      for (std::size_t i = c; i < n; ++i) {
        double sum = i == c ? 1.0 : 0.0;
        for (std::size_t k = c; k < i; ++k) sum -= L[i][k] * Li[k][c];
        Li[i][c] = sum / L[i][i];
      }
    const auto whiten = [&](const Point3& x) {
      Point3 z{};
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k <= i; ++k) z[i] += Li[i][k] * (x[k] - mean[k]);
      return z;
    };
    const Point3 z0{0.9, 0.4, -0.2};
    const ConvexCell cell = random_cell(d, z0, 0.3, rng);
    ConvexCell mapped = cell;
    for (Point3& v : mapped.vertices) v = whiten(v);
    for (auto& facet : mapped.facets) {  // the plane through the mapped vertices: normal L^T n
      Point3 normal{};
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = j; i < n; ++i) normal[j] += L[i][j] * facet.normal[i];
      facet.normal = unit(normal);
      facet.offset = dot(facet.normal, mapped.vertices[static_cast<std::size_t>(facet.vertices[0])]);
    }
    const CellIntegrals a = integrate(law, cell, z0), b = integrate(standard, mapped, whiten(z0));
    EXPECT_NEAR(a.mass, b.mass, kGaussian * b.mass) << d;
    for (std::size_t i = 0; i < n; ++i) {
      double expected = 0.0;
      for (std::size_t k = 0; k <= i; ++k) expected += L[i][k] * b.first[k];
      EXPECT_NEAR(a.first[i], expected, kGaussian * b.mass) << d;
    }
  }
}

TEST(GaussianLawND, FacetIntegralIsTheDerivativeOfTheMass) {
  std::mt19937 rng(kSeed + 10);
  for (int d = 2; d <= 3; ++d) {
    const GaussianLawND law(d, {0.3, -0.1, 0.2}, test_covariance(d));
    for (const double size : {0.1, 0.8}) {
      const Point3 z{0.9, 0.2, -0.4};
      const ConvexCell base = random_cell(d, z, size, rng);
      const Point3 n = unit({0.3, -0.9, d == 3 ? 0.4 : 0.0});
      const double step = 1e-5 * size;
      const auto mass_at = [&](double c, std::vector<double>* facets) {
        ConvexCell cell = base;
        clip(cell, n, c, 42, 0.0);
        const CellIntegrals out = integrate(law, cell, z);
        if (facets) *facets = out.facet_mass;
        return out.mass;
      };
      std::vector<double> facets;
      mass_at(dot(n, z), &facets);
      const double derivative =
          (mass_at(dot(n, z) + step, nullptr) - mass_at(dot(n, z) - step, nullptr)) / (2.0 * step);
      // the difference of two masses each within kGaussian: the quadrature adds kGaussian mass / step
      EXPECT_NEAR(derivative, facets.back(), kFiniteDifference * facets.back() + 2.0 * kGaussian / step * 0.05)
          << "d = " << d << " size " << size;
    }
  }
}

/// Facets of an isotropic Gaussian against direct quadrature: 2D edges by tanh-sinh along the edge; 3D facets by the
/// polar brute force in the facet's plane, where the density is phi_1(h) times a 2D Gaussian about the foot of the mean.
TEST(GaussianLawND, FacetIntegralsMatchDirectQuadrature) {
  std::mt19937 rng(kSeed + 11);
  const double variance = 0.7;
  for (int d = 2; d <= 3; ++d) {
    const GaussianLawND law = isotropic_gaussian_law(d, {}, variance);
    const Point3 z{0.9, -0.4, d == 3 ? 0.3 : 0.0};
    const ConvexCell cell = random_cell(d, z, 0.4, rng);
    const CellIntegrals out = integrate(law, cell, z);
    for (std::size_t f = 0; f < cell.facets.size(); ++f) {
      const auto& loop = cell.facets[f].vertices;
      double expected = 0.0;
      if (d == 2) {
        const Point3& a = cell.vertices[static_cast<std::size_t>(loop[0])];
        const Point3& b = cell.vertices[static_cast<std::size_t>(loop[1])];
        const double length = std::hypot(b[0] - a[0], b[1] - a[1]);
        expected = length * testing::tanh_sinh(
                                [&](double s, double) {
                                  return law.density({a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]), 0.0});
                                },
                                0.0, 1.0);
      } else {
        const Point3 n = cell.facets[f].normal;
        const double h = cell.facets[f].offset;
        const Point3 axis = std::abs(n[0]) < 0.9 ? Point3{1.0, 0.0, 0.0} : Point3{0.0, 1.0, 0.0};
        const Point3 e1 = unit({n[1] * axis[2] - n[2] * axis[1], n[2] * axis[0] - n[0] * axis[2],
                                n[0] * axis[1] - n[1] * axis[0]});
        const Point3 e2{n[1] * e1[2] - n[2] * e1[1], n[2] * e1[0] - n[0] * e1[2], n[0] * e1[1] - n[1] * e1[0]};
        testing::Polygon polygon;
        for (int v : loop) {
          const Point3& x = cell.vertices[static_cast<std::size_t>(v)];
          polygon.push_back({dot(x, e1), dot(x, e2)});
        }
        const double along = std::exp(-0.5 * h * h / variance) / std::sqrt(2.0 * std::numbers::pi * variance);
        expected = along * testing::radial_polar_2d(polygon, {0.0, 0.0}, testing::gaussian_profile(variance, 2),
                                                    Point3{}, 0.0, 0)
                               .mass;
      }
      EXPECT_NEAR(out.facet_mass[f], expected, kGaussian * expected) << "d = " << d << " facet " << f;
    }
  }
}

// 2D cells are integrated along their edges (the divergence theorem in whitened coordinates) unless they are small,
// when the fan's rules take them (law_nd.hpp); the tests below reach both paths and the edges' special cases.

/// Relative agreement of tail cells, slivers and cells at the mean with the brute force: the edge integrals' bound
/// (GaussianLawND::kEdgeError, measured on isotropic cells) with room for the brute force (~1e-14), for cells it was
/// not measured on and for correlated laws; the fan takes the smaller cells to 2 kQuadratureError.
constexpr double kEdgePath = 10.0 * GaussianLawND::kEdgeError;

/// A counter-clockwise rectangle of the given length and width about `centre`, its long side along the unit vector e.
testing::Polygon rectangle(const std::array<double, 2>& centre, const std::array<double, 2>& e, double length,
                           double width) {
  const std::array<double, 2> n{-e[1], e[0]};
  testing::Polygon polygon;
  for (const auto& [a, b] : std::vector<std::pair<double, double>>{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}})
    polygon.push_back({centre[0] + 0.5 * (a * length * e[0] + b * width * n[0]),
                       centre[1] + 0.5 * (a * length * e[1] + b * width * n[1])});
  return polygon;
}

/// Cells 6 to 9 standard deviations out (masses 1e-9 to 1e-19 of the total), small and large, and the outer cell of a
/// sample's corner reaching to the truncation box: the integrals agree with the polar brute force relatively.
TEST(GaussianLawND, TailCellsMatchPolarBruteForceRelatively2D) {
  std::mt19937 rng(kSeed + 12);
  const double variance = 0.6, sd = std::sqrt(variance);
  const Point3 mean{0.2, 0.1, 0.0};
  const GaussianLawND law = isotropic_gaussian_law(2, mean, variance);
  const auto profile = testing::gaussian_profile(variance, 2);
  for (const double distance : {6.0, 7.5, 9.0}) {
    for (const double size : {0.05, 0.4, 1.5}) {  // standard deviations: the fan, the fan, the edges
      const double angle = 2.0 * std::numbers::pi * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
      const Point3 z{mean[0] + distance * sd * std::cos(angle), mean[1] + distance * sd * std::sin(angle), 0.0};
      const ConvexCell cell = random_cell(2, z, size * sd, rng);
      const Point3 y{z[0] + 0.1 * size * sd, z[1] - 0.05 * size * sd, 0.0};
      const Moments ref = testing::radial_polar_2d(polygon_of(cell), {mean[0], mean[1]}, profile, y);
      SCOPED_TRACE("distance " + std::to_string(distance) + " size " + std::to_string(size));
      expect_moments(integrate(law, cell, y), ref, kEdgePath);
    }
  }
  // a corner of the sample: from 6 standard deviations out to the truncation box, seed inside the sample
  const Box box = law.support_box();
  ConvexCell outer = box_cell(Box{2, {mean[0] + 6.0 * sd, mean[1] + 5.0 * sd, 0.0}, {box.hi[0], box.hi[1], 0.0}});
  clip(outer, unit({1.0, -0.4, 0.0}), dot(unit({1.0, -0.4, 0.0}), {mean[0] + 9.0 * sd, mean[1], 0.0}), 3, 0.0);
  const Point3 y{mean[0] + 5.8 * sd, mean[1] + 5.6 * sd, 0.0};
  const Moments ref = testing::radial_polar_2d(polygon_of(outer), {mean[0], mean[1]}, profile, y);
  expect_moments(integrate(law, outer, y), ref, kEdgePath);
}

/// Cells holding the mean, from a hundredth of a standard deviation to four: all edges face the mean, and the mass is a
/// sum of positive triangle masses.
TEST(GaussianLawND, CellsHoldingTheMeanMatchPolarBruteForce2D) {
  std::mt19937 rng(kSeed + 13);
  const double variance = 0.6, sd = std::sqrt(variance);
  const Point3 mean{0.2, 0.1, 0.0};
  const GaussianLawND law = isotropic_gaussian_law(2, mean, variance);
  for (const double size : {0.01, 0.3, 1.0, 4.0}) {
    const Point3 z{mean[0] + 0.1 * size * sd, mean[1] - 0.2 * size * sd, 0.0};
    const ConvexCell cell = random_cell(2, z, size * sd, rng);
    const Point3 y{mean[0] + 0.3 * size * sd, mean[1], 0.0};
    const Moments ref =
        testing::radial_polar_2d(polygon_of(cell), {mean[0], mean[1]}, testing::gaussian_profile(variance, 2), y);
    SCOPED_TRACE("size " + std::to_string(size));
    expect_moments(integrate(law, cell, y), ref, kEdgePath);
  }
}

/// Slivers along the edges: the two long edges' integrals cancel down to the width, so the relative error grows like
/// 1 / width (in standard deviations): measured 2e-15 / width against 40-digit quadrature.
constexpr double kSliverPerWidth = 1e-14;

/// Slivers three standard deviations long and 1e-2 to 1e-4 wide, through the mean, beside it and in the tail, along
/// and across the radius.
TEST(GaussianLawND, SliversMatchPolarBruteForce2D) {
  const double variance = 0.6, sd = std::sqrt(variance);
  const Point3 mean{0.2, 0.1, 0.0};
  const GaussianLawND law = isotropic_gaussian_law(2, mean, variance);
  for (const double width : {1e-2, 1e-4})
    for (const double distance : {0.0, 1.5, 6.0})
      for (const double turn : {0.0, 0.5 * std::numbers::pi}) {
        const std::array<double, 2> centre{mean[0] + distance * sd * 0.6, mean[1] + distance * sd * 0.8};
        const std::array<double, 2> e{std::cos(0.93 + turn), std::sin(0.93 + turn)};
        const testing::Polygon polygon = rectangle(centre, e, 3.0 * sd, width * sd);
        const ConvexCell cell = cell_of(polygon);
        const Point3 y{centre[0] + 0.2 * sd * e[0], centre[1] + 0.2 * sd * e[1], 0.0};
        const Moments ref = testing::radial_polar_2d(polygon_of(cell), {mean[0], mean[1]},
                                                     testing::gaussian_profile(variance, 2), y);
        SCOPED_TRACE("width " + std::to_string(width) + " distance " + std::to_string(distance) + " turn " +
                     std::to_string(turn));
        expect_moments(integrate(law, cell, y), ref, std::max(kEdgePath, kSliverPerWidth / width));
      }
}

/// Edges whose lines pass through the mean: a vertex at the mean, the mean inside an edge, an edge's line through the
/// mean beside the cell, and each of these moved by 1e-13 standard deviations (triangles of the edge integrals
/// degenerate there, or nearly).
TEST(GaussianLawND, EdgesThroughTheMeanMatchPolarBruteForce2D) {
  const double variance = 0.6, sd = std::sqrt(variance);
  const Point3 mean{0.2, 0.1, 0.0};
  const GaussianLawND law = isotropic_gaussian_law(2, mean, variance);
  for (const double size : {0.3, 2.0})  // standard deviations: the fan, the edges
    for (const double shift : {0.0, 1e-13, -1e-13}) {
      const double s = size * sd, m0 = mean[0] + shift * sd, m1 = mean[1] - shift * sd;
      const std::vector<testing::Polygon> polygons{
          {{m0, m1}, {m0 + s, m1 + 0.2 * s}, {m0 + 0.3 * s, m1 + s}},                        // vertex at the mean
          {{m0 - 0.5 * s, m1}, {m0 + s, m1}, {m0 + s, m1 + s}, {m0 - 0.5 * s, m1 + 0.7 * s}},  // mean inside an edge
          {{m0 + 0.5 * s, m1}, {m0 + 2.0 * s, m1}, {m0 + 1.5 * s, m1 + s}},                  // line through the mean
      };
      for (std::size_t k = 0; k < polygons.size(); ++k) {
        const ConvexCell cell = cell_of(polygons[k]);
        const Point3 y{m0 + 0.4 * s, m1 + 0.3 * s, 0.0};
        const Moments ref = testing::radial_polar_2d(polygon_of(cell), {mean[0], mean[1]},
                                                     testing::gaussian_profile(variance, 2), y);
        SCOPED_TRACE("size " + std::to_string(size) + " shift " + std::to_string(shift) + " polygon " +
                     std::to_string(k));
        expect_moments(integrate(law, cell, y), ref, kEdgePath);
      }
    }
}

/// A correlation of 0.995 with unequal variances, against the Cartesian brute force in x (independent of the
/// whitening): cells along the ridge, across it (where the whitened cell lies far out) and over the mean, small and
/// large; the second moment about y checks the full matrix int (z - w)(z - w)^T phi, not only its trace.
TEST(GaussianLawND, StronglyCorrelatedCellsMatchCartesianBruteForce2D) {
  std::mt19937 rng(kSeed + 14);
  const double s0 = 0.7, s1 = 1.3, rho = 0.995;
  const std::vector<double> sigma{s0 * s0, rho * s0 * s1, rho * s0 * s1, s1 * s1};
  const Point3 mean{0.2, 0.1, 0.0};
  const GaussianLawND law(2, mean, sigma);
  const double det = sigma[0] * sigma[3] - sigma[1] * sigma[2];
  const auto density = [&](double x0, double x1) {
    const double a = x0 - mean[0], b = x1 - mean[1];
    const double q = (sigma[3] * a * a - 2.0 * sigma[1] * a * b + sigma[0] * b * b) / det;
    return std::exp(-0.5 * q) / (2.0 * std::numbers::pi * std::sqrt(det));
  };
  // the conditional law of x1 given x0: mean mean1 + rho s1/s0 (x0 - mean0), standard deviation s1 sqrt(1 - rho^2)
  const double spread = s1 * std::sqrt(1.0 - rho * rho);
  const auto chord_breaks = [&](double x0) {
    const double centre = mean[1] + rho * s1 / s0 * (x0 - mean[0]);
    std::vector<double> breaks;
    for (const double k : {-8.0, -3.0, 0.0, 3.0, 8.0}) breaks.push_back(centre + k * spread);
    return breaks;
  };
  std::vector<double> x_breaks;
  for (const double k : {-8.0, -3.0, 0.0, 3.0, 8.0}) x_breaks.push_back(mean[0] + k * s0);
  // (along the ridge, across it) in units of (s0, the conditional spread)
  for (const auto& [along, across] : std::vector<std::pair<double, double>>{{0.0, 0.0}, {2.0, 1.0}, {0.5, 6.0}})
    for (const double size : {0.02, 0.3, 1.2}) {  // the fan twice, the edges (diameter > ||L||)
      const Point3 z{mean[0] + along * s0, mean[1] + rho * s1 * along + across * spread, 0.0};
      const ConvexCell cell = random_cell(2, z, size, rng);
      const Point3 y{z[0] + 0.1 * size, z[1] - 0.1 * size, 0.0};
      const Moments ref = testing::cartesian_2d(polygon_of(cell), density, y, x_breaks, chord_breaks);
      SCOPED_TRACE("along " + std::to_string(along) + " across " + std::to_string(across) + " size " +
                   std::to_string(size));
      expect_moments(integrate(law, cell, y), ref, kEdgePath);
    }
  // the whole truncation box: unit mass, the mean, the covariance's trace
  const CellIntegrals all = integrate(law, box_cell(law.support_box()), mean);
  EXPECT_NEAR(all.mass, 1.0, kGaussian);
  EXPECT_NEAR(all.first[0], 0.0, kGaussian);
  EXPECT_NEAR(all.first[1], 0.0, kGaussian);
  EXPECT_NEAR(all.second, sigma[0] + sigma[3], kGaussian * (sigma[0] + sigma[3]));
}

TEST(GaussianLawND, IntervalsMatchGaussianLaw1D) {
  const GaussianLaw1D reference(0.4, 0.8);
  const GaussianLawND law(1, {0.4}, std::vector<double>{0.64});
  for (const auto& [a, b] : std::vector<std::pair<double, double>>{{-1.0, 0.5}, {0.39, 0.41}, {2.0, 3.5}, {-4.0, 4.0}}) {
    const IntervalMoments expected = reference.moments(a, b);
    const Point3 y{0.5 * (a + b), 0.0, 0.0};
    const CellIntegrals out = integrate(law, box_cell(Box{1, {a}, {b}}), y);
    EXPECT_NEAR(out.mass, expected.mass, kGaussian * expected.mass);
    EXPECT_NEAR(out.first[0] / out.mass, expected.mean - y[0], kGaussian * (b - a));
    EXPECT_NEAR(out.second / out.mass - std::pow(out.first[0] / out.mass, 2), expected.variance,
                kGaussian * expected.variance);
    EXPECT_NEAR(out.facet_mass[0], law.density({a, 0.0, 0.0}), 1e-15);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Piecewise-constant laws

/// Background 0.5 on the hull [0, 3] x [0, 2], value 2 on [1, 2] x [0, 1] and 0.1 (below the background) on
/// [2, 3] x [1, 2]: total mass 0.5 * 6 + 1.5 * 1 - 0.4 * 1 = 4.1.
PiecewiseConstantLawND two_piece_law() {
  return PiecewiseConstantLawND(Box{2, {0.0, 0.0}, {3.0, 2.0}}, 0.5,
                                {{Box{2, {1.0, 0.0}, {2.0, 1.0}}, 2.0}, {Box{2, {2.0, 1.0}, {3.0, 2.0}}, 0.1}});
}

TEST(PiecewiseConstantLawND, EqualsTheUniformLawsOfItsConstantParts) {
  const PiecewiseConstantLawND law = two_piece_law();
  constexpr double kMass = 4.1;
  EXPECT_NEAR(law.density({1.5, 0.5, 0.0}), 2.0 / kMass, kRoundOff);
  EXPECT_NEAR(law.density({2.5, 1.5, 0.0}), 0.1 / kMass, kRoundOff);
  EXPECT_NEAR(law.density({0.5, 1.5, 0.0}), 0.5 / kMass, kRoundOff);
  EXPECT_EQ(law.density({3.5, 1.5, 0.0}), 0.0);
  EXPECT_TRUE(law.interior({0.5, 0.5, 0.0}));
  EXPECT_FALSE(law.interior({-0.5, 0.5, 0.0}));
  EXPECT_EQ(law.centre(), (Point3{1.5, 1.0, 0.0}));
  // The hull split into boxes on which the density is constant: a positive mixture of uniform laws, the same law.
  const std::vector<std::pair<Box, double>> parts = {
      {Box{2, {0.0, 0.0}, {1.0, 2.0}}, 0.5}, {Box{2, {1.0, 0.0}, {2.0, 1.0}}, 2.0}, {Box{2, {1.0, 1.0}, {2.0, 2.0}}, 0.5},
      {Box{2, {2.0, 0.0}, {3.0, 1.0}}, 0.5}, {Box{2, {2.0, 1.0}, {3.0, 2.0}}, 0.1}};
  std::vector<double> weights;
  std::vector<std::shared_ptr<const LawND>> components;
  for (const auto& [box, value] : parts) {
    weights.push_back(value * (box.hi[0] - box.lo[0]) * (box.hi[1] - box.lo[1]));
    components.push_back(std::make_shared<UniformBoxLaw>(box));
  }
  const MixtureLaw split(weights, components);
  std::mt19937 rng(kSeed);
  std::uniform_real_distribution<double> where(-0.5, 3.5);
  for (int trial = 0; trial < 50; ++trial) {
    const Point3 z{where(rng), 0.6 * where(rng), 0.0};
    const ConvexCell cell = random_cell(2, z, 0.7, rng);
    const Point3 y{z[0] + 0.1, z[1] - 0.2, 0.0};
    const CellIntegrals a = integrate(law, cell, y), b = integrate(split, cell, y);
    const Moments ref{b.mass, b.first, b.second};
    if (b.mass > 0.0) expect_moments(a, ref, kRoundOff, 1.0 / 4.1);
    for (std::size_t f = 0; f < cell.facets.size(); ++f) EXPECT_NEAR(a.facet_mass[f], b.facet_mass[f], kRoundOff);
  }
  EXPECT_NEAR(integrate(law, box_cell(law.support_box()), {}).mass, 1.0, kRoundOff);
}

TEST(PiecewiseConstantLawND, WithoutBackgroundLivesOnItsPieces) {
  const PiecewiseConstantLawND law(Box{2, {0.0, 0.0}, {4.0, 1.0}}, 0.0,
                                   {{Box{2, {0.0, 0.0}, {1.0, 1.0}}, 1.0}, {Box{2, {2.0, 0.0}, {4.0, 1.0}}, 1.0}});
  EXPECT_FALSE(law.interior({1.5, 0.5, 0.0}));
  EXPECT_EQ(law.centre(), (Point3{3.0, 0.5, 0.0}));  // the heavier piece's centre
  EXPECT_NEAR(integrate(law, box_cell(Box{2, {0.0, 0.0}, {2.0, 1.0}}), {}).mass, 1.0 / 3.0, kRoundOff);
}

TEST(PiecewiseConstantLawND, RejectsInvalidArguments) {
  const Box hull{2, {0.0, 0.0}, {2.0, 2.0}};
  const Box inside{2, {0.0, 0.0}, {1.0, 1.0}};
  EXPECT_THROW(PiecewiseConstantLawND(hull, -1.0, {}), std::invalid_argument);
  EXPECT_THROW(PiecewiseConstantLawND(hull, 0.0, {}), std::invalid_argument);  // no mass
  EXPECT_THROW(PiecewiseConstantLawND(hull, 1.0, {{inside, -1.0}}), std::invalid_argument);
  EXPECT_THROW(PiecewiseConstantLawND(hull, 1.0, {{Box{2, {1.0, 1.0}, {3.0, 2.0}}, 1.0}}), std::invalid_argument);
  EXPECT_THROW(PiecewiseConstantLawND(hull, 1.0, {{Box{3, {}, {1.0, 1.0, 1.0}}, 1.0}}), std::invalid_argument);
  try {
    PiecewiseConstantLawND(hull, 1.0, {{inside, 2.0}, {Box{2, {0.5, 0.5}, {1.5, 1.5}}, 2.0}});
    ADD_FAILURE() << "overlapping pieces accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pieces[1].box = [0.5, 1.5] x [0.5, 1.5]: overlaps pieces[0].box"),
              std::string::npos)
        << e.what();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Mixtures

TEST(MixtureLaw, IsTheWeightedSumOfItsComponents) {
  const auto ball = std::make_shared<RadialPowerLaw>(2, Point3{0.5, 0.5, 0.0}, 0.4, 1.0);
  const auto box = std::make_shared<UniformBoxLaw>(Box{2, {-1.0, 0.0}, {0.0, 2.0}});
  const MixtureLaw mixture({3.0, 1.0}, {ball, box});
  EXPECT_EQ(mixture.weights(), (std::vector<double>{0.75, 0.25}));
  const Box support = mixture.support_box();
  EXPECT_EQ(support.lo[0], -1.0);
  EXPECT_EQ(support.hi[0], 0.9);
  EXPECT_EQ(support.lo[1], 0.0);
  EXPECT_EQ(support.hi[1], 2.0);
  const CellIntegrals whole = integrate(mixture, box_cell(support), {});
  EXPECT_NEAR(whole.mass, 1.0, kRoundOff);
  ConvexCell cell = box_cell(support);
  clip(cell, unit({1.0, 1.0, 0.0}), 0.6, 1, 0.0);
  const Point3 y{0.1, 0.2, 0.0};
  const CellIntegrals a = integrate(*ball, cell, y), b = integrate(*box, cell, y), mix = integrate(mixture, cell, y);
  EXPECT_NEAR(mix.mass, 0.75 * a.mass + 0.25 * b.mass, kRoundOff);
  EXPECT_NEAR(mix.second, 0.75 * a.second + 0.25 * b.second, kRoundOff);
  for (std::size_t f = 0; f < cell.facets.size(); ++f)
    EXPECT_NEAR(mix.facet_mass[f], 0.75 * a.facet_mass[f] + 0.25 * b.facet_mass[f], kRoundOff);
  EXPECT_NEAR(mixture.density({0.5, 0.5, 0.0}), 0.75 * ball->density({0.5, 0.5, 0.0}), 1e-15);
  EXPECT_TRUE(mixture.interior({-0.5, 1.0, 0.0}));
  EXPECT_FALSE(mixture.interior({0.8, 1.5, 0.0}));
  EXPECT_EQ(mixture.centre(), ball->centre());
}

TEST(MixtureLaw, RejectsInvalidArguments) {
  const auto ball = std::make_shared<RadialPowerLaw>(2, Point3{}, 1.0, 1.0);
  const auto ball3 = std::make_shared<RadialPowerLaw>(3, Point3{}, 1.0, 1.0);
  EXPECT_THROW(MixtureLaw({}, {}), std::invalid_argument);
  EXPECT_THROW(MixtureLaw({1.0}, {ball, ball}), std::invalid_argument);
  EXPECT_THROW(MixtureLaw({1.0, -1.0}, {ball, ball}), std::invalid_argument);
  EXPECT_THROW(MixtureLaw({0.0, 0.0}, {ball, ball}), std::invalid_argument);
  EXPECT_THROW(MixtureLaw({1.0, 1.0}, {ball, nullptr}), std::invalid_argument);
  EXPECT_THROW(MixtureLaw({1.0, 1.0}, {ball, ball3}), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow::analysis
