// Unit tests of divergences.hpp: the blob density on a grid, its L1/L2/L-inf distances to an exact density and its
// KL and chi^2 against a target (docs/math.md §6), checked against closed forms for Gaussians (a single blob with a
// Gaussian mollifier is a Gaussian density): KL and chi^2 between two centred Gaussians, L1 and L2 between shifted
// ones, the entropy of a Gaussian against a uniform target. The stated quadrature error must cover the actual error.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "blobflow/analysis/divergences.hpp"

namespace blobflow::analysis {
namespace {

/// Sums of up to 128^2 positive terms of O(1): round-off ~1e-13 absolute; 1e-11 leaves a margin for the closed forms'
/// own rounding.
constexpr double kRoundOff = 1e-11;
/// Gaussian blobs on boxes of +-kHalfWidth standard deviations: the mass outside is erfc(10/sqrt 2) ~ 1.5e-23.
constexpr double kHalfWidth = 10.0;

/// The isotropic Gaussian mollifier with standard deviation s per coordinate, as a function of the displacement.
PointFunction gaussian(double s) {
  return [s](std::span<const double> z) {
    double r2 = 0.0;
    for (const double v : z) r2 += v * v;
    const double d = static_cast<double>(z.size());
    return std::exp(-r2 / (2.0 * s * s)) / std::pow(2.0 * std::numbers::pi * s * s, d / 2.0);
  };
}

BoxGrid box(int d, double half_width, int cells) {
  BoxGrid g;
  g.dimension = d;
  for (int k = 0; k < d; ++k) {
    g.lo[static_cast<std::size_t>(k)] = -half_width;
    g.hi[static_cast<std::size_t>(k)] = half_width;
  }
  g.cells_per_axis = cells;
  return g;
}

TEST(BlobDensity, SumsWeightedMollifiersAtCellCentres) {
  const BoxGrid g = box(2, 1.0, 4);
  const std::vector<double> x = {0.1, -0.2, 0.5, 0.5};
  const std::vector<double> m = {0.3, 0.7};
  const PointFunction zeta = gaussian(0.4);
  const GridValues v = blob_density_on_grid(g, x, m, zeta);
  ASSERT_EQ(v.values.size(), 16u);
  EXPECT_DOUBLE_EQ(v.cell_volume, 0.25);
  // Cell (1, 2): centre (-0.25, 0.25).
  const double z1[2] = {-0.25 - 0.1, 0.25 + 0.2};
  const double z2[2] = {-0.25 - 0.5, 0.25 - 0.5};
  EXPECT_DOUBLE_EQ(v.values[1 * 4 + 2], 0.3 * zeta(z1) + 0.7 * zeta(z2));
}

TEST(BlobDivergences, CentredGaussiansMatchClosedFormKlAndChiSquared) {
  // rho = N(0, s1^2 I), rhobar = N(0, s2^2 I) in d = 2:
  //   KL = d (log(s2/s1) + s1^2/(2 s2^2) - 1/2),  1 + chi^2 = (s2^2/(s1 sqrt(2 s2^2 - s1^2)))^d.
  constexpr double kS1 = 0.5;
  constexpr double kS2 = 0.7;
  constexpr int kD = 2;
  const double kl = kD * (std::log(kS2 / kS1) + kS1 * kS1 / (2 * kS2 * kS2) - 0.5);
  const double chi2 = std::pow(kS2 * kS2 / (kS1 * std::sqrt(2 * kS2 * kS2 - kS1 * kS1)), kD) - 1.0;
  const std::vector<double> x = {0.0, 0.0};
  const std::vector<double> m = {1.0};
  const PointFunction zeta = gaussian(kS1);
  const PointFunction target = [](std::span<const double> y) { return gaussian(kS2)(y); };
  for (const int cells : {32, 64, 128}) {
    const Divergences dv = blob_divergences(box(kD, kHalfWidth * kS2, cells), x, m, zeta, target);
    ASSERT_EQ(dv.status, DivergenceStatus::ok);
    EXPECT_LE(std::abs(dv.kl.value - kl), dv.kl.quadrature_error + kRoundOff) << cells;
    EXPECT_LE(std::abs(dv.chi2.value - chi2), dv.chi2.quadrature_error + kRoundOff) << cells;
    EXPECT_NEAR(dv.blob_mass.value, 1.0, dv.blob_mass.quadrature_error + kRoundOff);
    std::printf("Gaussian KL/chi2, %d cells per axis: KL error %.2e (stated %.2e), chi2 error %.2e (stated %.2e)\n",
                cells, std::abs(dv.kl.value - kl), dv.kl.quadrature_error, std::abs(dv.chi2.value - chi2),
                dv.chi2.quadrature_error);
  }
}

TEST(BlobDivergences, GaussianAgainstUniformTargetIsMinusEntropyPlusLogVolume) {
  // KL(N(0, s^2) | uniform on [-L, L]) = log(2L) - (1/2) log(2 pi e s^2); chi^2 = 2L/(2 s sqrt(pi)) - 1.
  constexpr double kS = 0.3;
  const double half = kHalfWidth * kS;
  const double kl = std::log(2 * half) - 0.5 * std::log(2 * std::numbers::pi * std::numbers::e * kS * kS);
  const double chi2 = 2 * half / (2 * kS * std::sqrt(std::numbers::pi)) - 1.0;
  const std::vector<double> x = {0.0};
  const std::vector<double> m = {2.0};  // unnormalized on purpose: divergences normalize both sides on the box
  const Divergences dv =
      blob_divergences(box(1, half, 256), x, m, gaussian(kS), [](std::span<const double>) { return 5.0; });
  EXPECT_LE(std::abs(dv.kl.value - kl), dv.kl.quadrature_error + kRoundOff);
  EXPECT_LE(std::abs(dv.chi2.value - chi2), dv.chi2.quadrature_error + kRoundOff);
  EXPECT_NEAR(dv.blob_mass.value, 2.0, dv.blob_mass.quadrature_error + kRoundOff);
}

TEST(BlobDivergences, TargetVanishingUnderTheBlobIsReportedAsInfinite) {
  const std::vector<double> x = {0.0};
  const std::vector<double> m = {1.0};
  const PointFunction interval = [](std::span<const double> y) { return std::abs(y[0]) <= 0.5 ? 1.0 : 0.0; };
  const Divergences dv = blob_divergences(box(1, 1.0, 16), x, m, gaussian(0.2), interval);
  EXPECT_EQ(dv.status, DivergenceStatus::not_absolutely_continuous);
  EXPECT_TRUE(std::isinf(dv.kl.value));
  EXPECT_TRUE(std::isinf(dv.chi2.value));
}

TEST(BlobDensityErrors, ShiftedGaussiansMatchClosedFormL1AndL2) {
  // 1D, p = N(0, s^2) (the blob of one particle at 0), q = N(delta, s^2):
  //   ||p - q||_1 = 2 erf(delta/(2 sqrt 2 s)),  ||p - q||_2^2 = (1 - exp(-delta^2/(4 s^2)))/(s sqrt pi).
  // |p - q| has a kink where p = q, so the midpoint rule converges only as h^2 for L1: the stated error must cover it.
  constexpr double kS = 0.4;
  constexpr double kDelta = 0.3;
  const double l1 = 2.0 * std::erf(kDelta / (2.0 * std::sqrt(2.0) * kS));
  const double l2 = std::sqrt((1.0 - std::exp(-kDelta * kDelta / (4 * kS * kS))) / (kS * std::sqrt(std::numbers::pi)));
  const PointFunction shifted = [](std::span<const double> y) {
    const double z[1] = {y[0] - kDelta};
    return gaussian(kS)(z);
  };
  const std::vector<double> x = {0.0};
  const std::vector<double> m = {1.0};
  double previous_error = std::numeric_limits<double>::infinity();
  for (const int cells : {12, 24, 48}) {
    const DensityErrors e = blob_density_errors(box(1, kHalfWidth * kS, cells), x, m, gaussian(kS), shifted);
    EXPECT_LE(std::abs(e.l1.value - l1), e.l1.quadrature_error + kRoundOff) << cells;
    EXPECT_LE(std::abs(e.l2.value - l2), e.l2.quadrature_error + kRoundOff) << cells;
    EXPECT_LT(e.l1.quadrature_error, previous_error);
    previous_error = e.l1.quadrature_error;
    std::printf("shifted Gaussians, %d cells: L1 error %.2e (stated %.2e), L2 error %.2e (stated %.2e)\n", cells,
                std::abs(e.l1.value - l1), e.l1.quadrature_error, std::abs(e.l2.value - l2), e.l2.quadrature_error);
  }
}

TEST(BlobDensityErrors, LinfAgainstZeroIsThePeakAtACellCentre) {
  // A particle at a cell centre of the fine grid: the largest grid value is the Gaussian's peak (2 pi s^2)^(-d/2).
  constexpr double kS = 0.25;
  const BoxGrid g = box(2, 2.0, 40);  // cell width 0.1: centres at +-0.05, +-0.15, ...
  const std::vector<double> x = {0.05, -0.15};
  const std::vector<double> m = {1.0};
  const DensityErrors e = blob_density_errors(g, x, m, gaussian(kS), [](std::span<const double>) { return 0.0; });
  EXPECT_NEAR(e.linf.value, 1.0 / (2 * std::numbers::pi * kS * kS), kRoundOff);
  EXPECT_GT(e.linf.quadrature_error, 0.0);  // the coarse grid misses the peak
}

TEST(BlobDensity, BadInputsThrow) {
  const std::vector<double> x = {0.0};
  const std::vector<double> m = {1.0};
  const PointFunction zeta = gaussian(0.1);
  const PointFunction one = [](std::span<const double>) { return 1.0; };
  EXPECT_THROW(blob_density_on_grid(box(4, 1.0, 8), x, m, zeta), std::invalid_argument);
  EXPECT_THROW(blob_density_on_grid(box(1, 1.0, 7), x, m, zeta), std::invalid_argument);
  EXPECT_THROW(blob_density_on_grid(box(1, 1.0, 0), x, m, zeta), std::invalid_argument);
  EXPECT_THROW(blob_density_on_grid(box(1, -1.0, 8), x, m, zeta), std::invalid_argument);
  EXPECT_THROW(blob_density_on_grid(box(2, 1.0, 8), x, m, zeta), std::invalid_argument);  // x has one coordinate
  EXPECT_THROW(blob_density_on_grid(box(1, 1.0, 8), x, std::vector<double>{-1.0}, zeta), std::invalid_argument);
  EXPECT_THROW(blob_density_on_grid(box(1, 1.0, 8), x, m, PointFunction{}), std::invalid_argument);
  EXPECT_THROW(blob_density_errors(box(1, 1.0, 8), x, m, zeta, PointFunction{}), std::invalid_argument);
  EXPECT_THROW(blob_divergences(box(1, 1.0, 8), x, m, zeta, [](std::span<const double>) { return -1.0; }),
               std::invalid_argument);
  EXPECT_THROW(blob_divergences(box(1, 1.0, 8), x, std::vector<double>{0.0}, zeta, one), std::invalid_argument);
  try {
    blob_density_on_grid(box(1, 1.0, 7), x, m, zeta);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cells_per_axis = 7"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace blobflow::analysis
