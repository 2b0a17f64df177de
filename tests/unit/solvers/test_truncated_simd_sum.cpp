// Unit tests of the SIMD cutoff engine (truncated_simd_sum.hpp): all four sums against DirectSum, the brute-force
// reference, in d = 1, 2, 3, for wide blobs (every pair within the cutoff) and narrow ones (the cutoff skips most
// pairs; blocks sum pairs beyond it too), unequal and signed weights, target sets different from the source set,
// clustered data with a remote cluster and isolated targets, on every SIMD target this build and CPU can run;
// results bitwise independent of the thread count; other kernels handed to TruncatedSum;
// edge cases and bad input; the floating-point environment left as found; the equations with the engine by name.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/mollifiers.hpp"
#include "blobflow/solvers/truncated_simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "unit/solvers/engine_checks.hpp"

namespace blobflow {
namespace {

using namespace engine_checks;

/// SimdSum's acceptance figure, relative to max_i |sum_i|: per term the exp error (<= 1e-15 plus the rounding of
/// t, both weighted by the term) and a different summation order; the skipped tail is below 1e-17 of the peak.
constexpr double kAccuracy = 1e-13;
constexpr unsigned kSeed = 20261130;

/// Checks all four sums of TruncatedSimdSum on the current target against DirectSum; returns the largest relative
/// error.
double expect_matches_direct(const GaussianKernel& kernel, int dim, const std::vector<double>& y,
                             const std::vector<double>& x, const std::vector<double>& w, const std::string& what) {
  const auto [e1, e2, e3, e4] = four_sum_errors(TruncatedSimdSum{}, kernel, dim, y, x, w);
  const std::string label = what + ", " + simd_target_name(simd_target());
  EXPECT_LE(e1, kAccuracy) << label << ": potential";
  EXPECT_LE(e2, kAccuracy) << label << ": gradient";
  EXPECT_LE(e3, kAccuracy) << label << ": self potential";
  EXPECT_LE(e4, kAccuracy) << label << ": self gradient";
  return std::max({e1, e2, e3, e4});
}

TEST(TruncatedSimdSum, MatchesDirectSumForWideAndNarrowBlobsInOneTwoAndThreeDimensions) {
  // Points uniform in [0, 1]^d, weights in [0.1, 3], sizes not multiples of 8, 32 or 64, targets partly outside the
  // sources' box. sigma = 0.1: R = 0.885 covers nearly all pairs; sigma = 0.02 and 0.005: R = 0.18 and 0.044, so
  // most pairs lie beyond the cutoff and the cell list (2D/3D) and the block ranges are really exercised.
  std::mt19937 rng(kSeed + 1);
  const std::size_t n_sources[] = {0, 2001, 1531, 1201};
  const std::size_t n_targets[] = {0, 377, 245, 229};
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::vector<double> x = uniform(rng, n_sources[dim] * d, 0.0, 1.0);
    const std::vector<double> y = uniform(rng, n_targets[dim] * d, -0.1, 1.1);
    const std::vector<double> w = uniform(rng, n_sources[dim], 0.1, 3.0);
    for (const double sigma : {0.1, 0.02, 0.005})
      for_every_target([&](const std::string& target) {
        const std::string what = "d = " + std::to_string(dim) + ", sigma = " + std::to_string(sigma);
        const double e = expect_matches_direct(GaussianKernel(dim, sigma), dim, y, x, w, what);
        std::cout << "[ truncated-simd vs direct ] " << what << ", " << target << ": max relative error "
                  << scientific(e) << "\n";
      });
  }
}

TEST(TruncatedSimdSum, MatchesDirectSumOnLatticesWithBlobsOfAFewSpacings) {
  // The blob-method regime: lattice spacing h, the psi of eps = 4 h (1D) and eps = h (2D, 3D), i.e. sigma = sqrt(2)
  // eps; signed weights, so sums cancel and the comparison is against round-off of the largest sum.
  std::mt19937 rng(kSeed + 2);
  const std::size_t n_side[] = {0, 2500, 45, 13};
  const double eps_in_h[] = {0.0, 4.0, 1.0, 1.0};
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    std::size_t n = 1;
    for (int k = 0; k < dim; ++k) n *= n_side[dim];
    const double h = 1.0 / static_cast<double>(n_side[dim]);
    std::vector<double> x(n * d);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t k = 0, rest = j; k < d; ++k, rest /= n_side[dim])
        x[j * d + k] = (static_cast<double>(rest % n_side[dim]) + 0.5) * h;
    const std::vector<double> w = uniform(rng, n, -1.0, 1.0);
    const GaussianKernel psi = GaussianMollifier(dim, eps_in_h[dim] * h).self_convolution();
    for_every_target(
        [&](const std::string&) { expect_matches_direct(psi, dim, x, x, w, "lattice, d = " + std::to_string(dim)); });
  }
}

TEST(TruncatedSimdSum, MatchesDirectSumOnClusteredDataWithARemoteClusterAndIsolatedTargets) {
  // A dense cluster, a remote one 100 sigma away (nothing between: empty cells and empty block ranges) and targets
  // far from every source (their sums are 0 in both engines up to underflow). A few targets sit inside the dense
  // cluster, so that max |sum| is a sum the cutoff must keep: without them, in 3D the 50 scattered targets can all
  // miss the clusters, and every sum is a tail beyond the cutoff (3e-28 here), which the engine skips by contract.
  std::mt19937 rng(kSeed + 3);
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    std::vector<double> x = uniform(rng, 300 * d, 0.0, 0.1);
    const std::vector<double> far = uniform(rng, 40 * d, 1.0, 1.02);
    x.insert(x.end(), far.begin(), far.end());
    std::vector<double> y = uniform(rng, 50 * d, -0.05, 1.05);
    const std::vector<double> remote(3 * d, -7.0), inside = uniform(rng, 5 * d, 0.0, 0.1);
    y.insert(y.end(), remote.begin(), remote.end());
    y.insert(y.end(), inside.begin(), inside.end());
    const std::vector<double> w = uniform(rng, x.size() / d, 0.5, 2.0);
    for_every_target([&](const std::string&) {
      expect_matches_direct(GaussianKernel(dim, 0.008), dim, y, x, w, "clustered, d = " + std::to_string(dim));
    });
  }
}

TEST(TruncatedSimdSum, MatchesDirectSumForNegativeWeightsAndOffsetCoordinates) {
  std::mt19937 rng(kSeed + 4);
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = 400 + 13 * d;
    const std::vector<double> x = uniform(rng, n * d, 10.0, 11.0);
    const std::vector<double> w = uniform(rng, n, -1.0, 1.0);
    for_every_target([&](const std::string&) {
      expect_matches_direct(GaussianKernel(dim, 0.03), dim, x, x, w, "offset, d = " + std::to_string(dim));
    });
  }
}

TEST(TruncatedSimdSum, SmallSetsOneParticleAndNoParticles) {
  std::mt19937 rng(kSeed + 5);
  for (int dim = 1; dim <= 3; ++dim)
    for (const std::size_t n : {1u, 2u, 7u, 9u, 32u, 33u, 64u, 65u}) {
      const auto d = static_cast<std::size_t>(dim);
      const std::vector<double> x = uniform(rng, n * d, 0.0, 1.0);
      const std::vector<double> w = uniform(rng, n, 0.5, 1.5);
      for_every_target([&](const std::string&) {
        expect_matches_direct(GaussianKernel(dim, 0.1), dim, x, x, w,
                              "n = " + std::to_string(n) + ", d = " + std::to_string(dim));
      });
    }
  expect_sums_without_sources_are_zero(TruncatedSimdSum{});
}

TEST(TruncatedSimdSum, ResultsAreBitwiseIdenticalForEveryThreadCount) {
  // Enough blocks (and pairs) that several threads really share them.
  std::mt19937 rng(kSeed + 6);
  const std::size_t n_points[] = {0, 12000, 6000, 3000};
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::vector<double> x = uniform(rng, n_points[dim] * d, 0.0, 1.0);
    const std::vector<double> w = uniform(rng, n_points[dim], 0.5, 1.5);
    for_every_target([&](const std::string& target) {
      expect_same_bits_for_every_thread_count(
          [&](unsigned threads) { return TruncatedSimdSum(threads, TruncatedSum::kDefaultRelativeTolerance); },
          GaussianKernel(dim, dim == 1 ? 5e-4 : 0.02), dim, x, w, target);
    });
  }
}

TEST(TruncatedSimdSum, LeavesFlushToZeroOffInTheCallingThread) {
  // The vector kernel sets flush-to-zero while it runs (in every worker, the caller included) and must restore them:
  // afterwards a product below the smallest normal double is still subnormal, not 0.
  std::mt19937 rng(kSeed + 7);
  const std::vector<double> x = uniform(rng, 2000, 0.0, 1.0);
  const std::vector<double> w(2000, 1.0);
  std::vector<double> g(2000);
  TruncatedSimdSum().self_gradient(GaussianKernel(1, 0.01), PointSet{x, 1}, w, g);
  volatile double smallest_normal = DBL_MIN;
  volatile double half = smallest_normal / 2.0;
  EXPECT_GT(half, 0.0);
}

TEST(TruncatedSimdSum, OtherKernelsAreSummedByTruncatedSumExactly) {
  std::mt19937 rng(kSeed + 8);
  const std::vector<double> x = uniform(rng, 2 * 400, 0.0, 1.0);
  const std::vector<double> w = uniform(rng, 400, 0.5, 1.5);
  const auto check = [&](const auto& kernel, const std::string& name) {
    std::vector<double> a(x.size()), b(x.size());
    TruncatedSum{}.self_gradient(kernel, PointSet{x, 2}, w, a);
    TruncatedSimdSum{}.self_gradient(kernel, PointSet{x, 2}, w, b);
    EXPECT_EQ(a, b) << name;
  };
  check(Laguerre4Mollifier(2, 0.05).self_convolution(), "laguerre4");
  check(WendlandC2Mollifier(2, 0.1).self_convolution(), "wendland-c2");
}

TEST(TruncatedSimdSum, NonFiniteCoordinatesPropagateExactlyAsInDirectSum) {
  for (int dim = 1; dim <= 2; ++dim) {
    std::vector<double> x = {0.1, 0.2, std::numeric_limits<double>::quiet_NaN(), 0.4};
    const std::vector<double> w(x.size() / static_cast<std::size_t>(dim), 1.0);
    const GaussianKernel kernel(dim, 0.1);
    std::vector<double> a(x.size()), b(x.size());
    DirectSum{}.self_gradient(kernel, PointSet{x, dim}, w, a);
    TruncatedSimdSum{}.self_gradient(kernel, PointSet{x, dim}, w, b);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(std::isnan(a[i]), std::isnan(b[i])) << dim << " " << i;
  }
}

TEST(TruncatedSimdSum, RejectsBadTolerances) {
  EXPECT_THROW(TruncatedSimdSum(0, 0.0), std::invalid_argument);
  EXPECT_THROW(TruncatedSimdSum(0, 1.0), std::invalid_argument);
  EXPECT_THROW(TruncatedSimdSum(0, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_GE(TruncatedSimdSum().threads(), 1u);
  EXPECT_EQ(TruncatedSimdSum(1, 1e-10).relative_tolerance(), 1e-10);
}

TEST(WpmeUniformTarget, TruncatedSimdEngineFromTheFactoryGivesTheDirectVelocityAndEnergy) {
  // wpme and pme (m = 3: two gradient sums and a potential) through make_velocity_field, 1D to 3D, unequal masses.
  std::mt19937 rng(kSeed + 9);
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = 500;
    const std::vector<double> x = uniform(rng, n * d, -1.0, 1.0);
    const std::vector<double> masses = uniform(rng, n, 0.5, 1.5);
    expect_factory_engine_matches_direct(TruncatedSimdSum::kName, dim, x, masses, 0.02, kAccuracy);
  }
}

TEST(EngineRegistry, TruncatedSimdIsRegisteredSoThatConfigurationsMayNameIt) {
  EXPECT_TRUE(is_registered(engine_registry(), TruncatedSimdSum::kName));
}

}  // namespace
}  // namespace blobflow
