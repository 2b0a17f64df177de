// Unit tests of the initial particle placements (initial_data.hpp): quantile placement of the uniform law gives the
// cell midpoints with equal masses (docs/math.md §7.1 item 8), and lattice placement gives the cell centres of positive
// density with midpoint-rule masses rescaled to the total mass (docs/math.md §1.7), with the right count and spacing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include "blobflow/solvers/initial_data.hpp"

namespace blobflow {
namespace {

/// Positions a + (i + 1/2) h and masses M/N are each one or two roundings away from exact: 4 ulps.
constexpr double kPlacementTolerance = 4.0 * std::numeric_limits<double>::epsilon();

TEST(QuantilePlacement, UniformQuantileGivesCellMidpointsAndEqualMasses) {
  // Uniform on [-0.5, 0.5]: Q(u) = u - 1/2, so x_i = (i - 1/2)/N - 1/2 for i = 1..N.
  for (const std::size_t n : {1UL, 2UL, 7UL, 100UL}) {
    const double total_mass = 2.5;
    const Particles p = quantile_placement(
        n, [](double u) { return u - 0.5; }, total_mass);
    ASSERT_EQ(p.size(), n);
    ASSERT_EQ(p.x.size(), n);
    EXPECT_EQ(p.dim, 1);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double midpoint = -0.5 + (static_cast<double>(i) + 0.5) / static_cast<double>(n);
      EXPECT_NEAR(p.x[i], midpoint, kPlacementTolerance) << "n = " << n << ", i = " << i;
      EXPECT_EQ(p.mass[i], total_mass / static_cast<double>(n));
      sum += p.mass[i];
    }
    EXPECT_NEAR(sum, total_mass, static_cast<double>(n) * kPlacementTolerance * total_mass);
  }
}

TEST(QuantilePlacement, RejectsNoParticlesBadMassAndNonFiniteQuantiles) {
  const auto q = [](double u) { return u; };
  EXPECT_THROW(quantile_placement(0, q, 1.0), std::invalid_argument);
  EXPECT_THROW(quantile_placement(3, q, 0.0), std::invalid_argument);
  EXPECT_THROW(quantile_placement(3, q, -1.0), std::invalid_argument);
  EXPECT_THROW(quantile_placement(3, q, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(quantile_placement(
                   3, [](double u) { return std::log(u - 0.5); }, 1.0),
               std::invalid_argument);
}

TEST(LatticePlacement, KeepsCellCentresOfPositiveDensityWithMassesSummingToTheTotalInTwoDimensions) {
  // rho_0 = (1 + x^2) on the disk of radius 0.6, zero outside, on [-1, 1]^2 with 20 cells per side (h = 0.1).
  constexpr std::size_t kCells = 20;
  const double lo = -1.0, hi = 1.0, total_mass = 3.0;
  const auto density = [](std::span<const double> x) {
    return x[0] * x[0] + x[1] * x[1] < 0.36 ? 1.0 + x[0] * x[0] : 0.0;
  };
  LatticeInfo info;
  const Particles p = lattice_placement(2, kCells, lo, hi, density, total_mass, &info);
  EXPECT_EQ(p.dim, 2);
  EXPECT_EQ(info.cells_per_side, kCells);
  EXPECT_NEAR(info.spacing, 0.1, kPlacementTolerance);

  // The expected centres, first coordinate fastest, and their unnormalized masses.
  std::vector<double> centres, raw;
  double quadrature_mass = 0.0;
  for (std::size_t j = 0; j < kCells; ++j) {
    for (std::size_t i = 0; i < kCells; ++i) {
      const double c[2] = {lo + (static_cast<double>(i) + 0.5) * 0.1, lo + (static_cast<double>(j) + 0.5) * 0.1};
      const double rho = density(c);
      if (rho == 0.0) continue;
      centres.insert(centres.end(), c, c + 2);
      raw.push_back(rho * 0.01);
      quadrature_mass += rho * 0.01;
    }
  }
  ASSERT_EQ(p.size(), raw.size());
  ASSERT_EQ(p.x.size(), centres.size());
  // pi 0.6^2 / 0.01 = 113 cells of area h^2 lie (roughly) inside the disk; the exact count comes from the loop.
  EXPECT_GT(p.size(), 100U);
  EXPECT_LT(p.size(), 130U);
  for (std::size_t i = 0; i < centres.size(); ++i) EXPECT_NEAR(p.x[i], centres[i], kPlacementTolerance) << i;
  EXPECT_NEAR(info.quadrature_mass, quadrature_mass, 1e3 * kPlacementTolerance * quadrature_mass);

  double sum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    sum += p.mass[i];
    EXPECT_GT(p.mass[i], 0.0);
    // masses proportional to rho_0 at the centre: m_i = rho_0(x_i) h^2 M / quadrature_mass
    EXPECT_NEAR(p.mass[i], raw[i] * total_mass / quadrature_mass, 1e3 * kPlacementTolerance * p.mass[i]) << i;
    const double r2 = p.x[2 * i] * p.x[2 * i] + p.x[2 * i + 1] * p.x[2 * i + 1];
    EXPECT_LT(r2, 0.36) << "a zero-density cell was kept";
  }
  // Summing N masses adds at most N/2 ulps of relative error.
  EXPECT_NEAR(sum, total_mass, static_cast<double>(p.size()) * kPlacementTolerance * total_mass);

  // Neighbouring centres on one row are exactly one spacing apart.
  EXPECT_NEAR(p.x[2] - p.x[0], 0.1, 1e2 * kPlacementTolerance);
}

TEST(LatticePlacement, FullBoxInOneAndThreeDimensionsHasCellsPerSideToTheDPowerParticles) {
  const auto one = [](std::span<const double>) { return 1.0; };
  const Particles p1 = lattice_placement(1, 8, 0.0, 2.0, one, 1.0);
  ASSERT_EQ(p1.size(), 8U);
  EXPECT_NEAR(p1.x.front(), 0.125, kPlacementTolerance);
  EXPECT_NEAR(p1.x.back(), 1.875, 2 * kPlacementTolerance);
  for (double m : p1.mass) EXPECT_NEAR(m, 0.125, kPlacementTolerance);
  const Particles p3 = lattice_placement(3, 5, -1.0, 1.0, one, 2.0);
  EXPECT_EQ(p3.size(), 125U);
  EXPECT_EQ(p3.x.size(), 375U);
  for (double m : p3.mass) EXPECT_NEAR(m, 2.0 / 125.0, 4 * kPlacementTolerance);
}

TEST(LatticePlacement, RejectsBadDimensionCellsBoxMassAndAnEverywhereZeroDensity) {
  const auto one = [](std::span<const double>) { return 1.0; };
  const auto zero = [](std::span<const double>) { return 0.0; };
  EXPECT_THROW(lattice_placement(0, 4, 0.0, 1.0, one, 1.0), std::invalid_argument);
  EXPECT_THROW(lattice_placement(4, 4, 0.0, 1.0, one, 1.0), std::invalid_argument);
  EXPECT_THROW(lattice_placement(2, 0, 0.0, 1.0, one, 1.0), std::invalid_argument);
  EXPECT_THROW(lattice_placement(2, 4, 1.0, 1.0, one, 1.0), std::invalid_argument);
  EXPECT_THROW(lattice_placement(2, 4, 1.0, 0.0, one, 1.0), std::invalid_argument);
  EXPECT_THROW(lattice_placement(2, 4, 0.0, std::numeric_limits<double>::infinity(), one, 1.0), std::invalid_argument);
  EXPECT_THROW(lattice_placement(2, 4, 0.0, 1.0, one, 0.0), std::invalid_argument);
  EXPECT_THROW(lattice_placement(2, 4, 0.0, 1.0, zero, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow
