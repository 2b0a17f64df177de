// Unit tests of the SIMD direct summation engine (simd_sum.hpp): its polynomial 2^t against the stated error bound,
// and all four sums against DirectSum, the brute-force reference, in d = 1, 2, 3, for wide and narrow blobs (most
// exps underflow), unequal weights, target sets different from the source set and sizes that are not multiples of
// the SIMD width; on every SIMD target this build and CPU can run (the engines restricted to each in turn); results
// independent of the thread count; non-Gaussian kernels handed to DirectSum; non-finite input; the equations with
// engine "simd"; the choice and restriction of SIMD targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <iomanip>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/equations.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/mollifiers.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "unit/solvers/engine_checks.hpp"

namespace blobflow {
namespace {

using namespace engine_checks;

/// The accuracy the engine promises against DirectSum, relative to max_i |sum_i| (the engine's stated accuracy).
constexpr double kAccuracy = 1e-13;
constexpr unsigned kSeed = 20261129;

TEST(SimdExp2, RelativeErrorIsWithinTheStatedBoundFromMinus1022ToZero) {
  // 2e6 random points, the integers and half-integers, and points next to them (where f = t - rint(t) is +-1/2).
  std::mt19937 rng(kSeed);
  constexpr double kLowest = -1022.0;
  std::vector<double> t = uniform(rng, 2'000'000, kLowest, 0.0);
  for (double n = kLowest; n <= 0.0; n += 0.5) {
    t.push_back(n);
    t.push_back(std::nextafter(n, 0.0));
    if (n > kLowest) t.push_back(std::nextafter(n, kLowest));
  }
  for_every_target([&](const std::string& target) {
    std::vector<double> out(t.size());
    simd_exp2(t, out);
    double worst = 0.0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const long double exact = std::exp2(static_cast<long double>(t[i]));  // x87 extended: 11 more bits
      worst = std::max(worst, static_cast<double>(std::abs(out[i] / exact - 1.0L)));
    }
    EXPECT_LE(worst, kSimdExp2RelativeError) << target;
    std::cout << "[ simd_exp2 ] " << target << ": max relative error " << scientific(worst) << " on " << t.size()
              << " points in [-1022, 0]\n";
  });
}

TEST(SimdExp2, UnderflowGivesAtMostTheSmallestNormalAndMinusInfinityGivesZero) {
  std::vector<double> t = {-1022.5, -1023.0, -1050.0, -1074.0, -1075.0, -1100.0, -1e6, -1e300,
                           -std::numeric_limits<double>::infinity()};
  for_every_target([&](const std::string& target) {
    std::vector<double> out(t.size());
    simd_exp2(t, out);
    for (std::size_t i = 0; i < t.size(); ++i) {
      EXPECT_GE(out[i], 0.0) << target << " t = " << t[i];
      EXPECT_LE(out[i], DBL_MIN) << target << " t = " << t[i];
      if (t[i] <= -1023.0) {
        EXPECT_EQ(out[i], 0.0) << target << " t = " << t[i];
      }
    }
  });
}

TEST(SimdExp2, ExactAtZeroAndRejectsMismatchedSizes) {
  std::vector<double> t = {0.0, -1.0, -2.0}, out(3);
  for_every_target([&](const std::string& target) {
    simd_exp2(t, out);
    EXPECT_EQ(out[0], 1.0) << target;  // f = 0: p(0) = c0 = 1 exactly
  });
  std::vector<double> short_out(2);
  EXPECT_THROW(simd_exp2(t, short_out), std::invalid_argument);
}

/// All four sums of SimdSum on the current target against DirectSum; returns the largest relative error.
double expect_simd_matches_direct(const GaussianKernel& kernel, int dim, const std::vector<double>& y,
                                  const std::vector<double>& x, const std::vector<double>& w,
                                  const std::string& what) {
  double worst = 0.0;
  for (const bool symmetric : {true, false}) {
    const auto [e1, e2, e3, e4] = four_sum_errors(SimdSum(0, symmetric), kernel, dim, y, x, w);
    const std::string label = what + ", " + simd_target_name(simd_target()) + (symmetric ? ", symmetric" : ", one-sided");
    EXPECT_LE(e1, kAccuracy) << label << ": potential";
    EXPECT_LE(e2, kAccuracy) << label << ": gradient";
    EXPECT_LE(e3, kAccuracy) << label << ": self potential";
    EXPECT_LE(e4, kAccuracy) << label << ": self gradient";
    worst = std::max({worst, e1, e2, e3, e4});
  }
  return worst;
}

TEST(SimdSum, MatchesDirectSumForWideAndNarrowBlobsInOneTwoAndThreeDimensions) {
  // Points uniform in [0, 1]^d, weights in [0.1, 3] (unequal masses), sizes not multiples of 8 or 64. sigma = 0.1:
  // no exp underflows; sigma = 0.01: 2^t underflows (t < -1022, |y - x| > 0.38) for ~40% of the pairs in 1D and
  // more in 2D and 3D, the regime where library vector exps fall into slow paths (docs/performance.md §1).
  std::mt19937 rng(kSeed + 1);
  const std::size_t n_sources[] = {0, 1003, 531, 301};
  const std::size_t n_targets[] = {0, 77, 45, 29};
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::vector<double> x = uniform(rng, n_sources[dim] * d, 0.0, 1.0);
    const std::vector<double> y = uniform(rng, n_targets[dim] * d, -0.1, 1.1);
    const std::vector<double> w = uniform(rng, n_sources[dim], 0.1, 3.0);
    for (const double sigma : {0.1, 0.01})
      for_every_target([&](const std::string& target) {
        const std::string what = "d = " + std::to_string(dim) + ", sigma = " + std::to_string(sigma);
        const double e = expect_simd_matches_direct(GaussianKernel(dim, sigma), dim, y, x, w, what);
        std::cout << "[ simd vs direct ] " << what << ", " << target << ": max relative error " << scientific(e)
                  << "\n";
      });
  }
}

TEST(SimdSum, MatchesDirectSumForNegativeWeightsAndOffsetCoordinates) {
  // Signed weights (the sums cancel; the engine sums the positive and negative parts apart) and clouds far from the
  // origin, as narrow blobs of a large lattice are: |x| ~ 2e2 sigma and |x| ~ 1e5 sigma (N = 1e6 on [0, 1] has
  // |x| / sigma up to 1.8e5). Differences are taken in the caller's coordinates, where y - x of nearby points is
  // exact; coordinates pre-scaled by 1 / sigma would round to ulp(|x| / sigma), 1e-11 relative at the second offset.
  std::mt19937 rng(kSeed + 2);
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = 200 + 13 * d;
    for (const double sigma : {0.05, 1e-4}) {
      const double lo = 10.0, hi = lo + 20.0 * sigma;
      const std::vector<double> x = uniform(rng, n * d, lo, hi);
      const std::vector<double> w = uniform(rng, n, -1.0, 1.0);
      for_every_target([&](const std::string&) {
        expect_simd_matches_direct(GaussianKernel(dim, sigma), dim, x, x, w,
                                   "offset " + std::to_string(lo / sigma) + " sigma, d = " + std::to_string(dim));
      });
    }
  }
}

TEST(SimdSum, MatchesDirectSumForWeightsSpanningManyDecadesTinyWeightsAndZeroWeights) {
  // One-sided tiles take w_j as the exponent lw_j = log2(w_j / W) (W a power of 2 above max w): weights from 1e-200
  // to 1 give exponents down to -664, whose rounding must stay below the sums' round-off where the terms matter;
  // all weights near 1e-250 (W is then tiny too) and exact zeros (exponent kZeroWeightExponent) must be harmless.
  std::mt19937 rng(kSeed + 5);
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = 150 + 11 * d;
    const std::vector<double> x = uniform(rng, n * d, 0.0, 1.0);
    const std::vector<double> decades = uniform(rng, n, -200.0, 0.0);
    std::vector<double> spread(n), tiny(n);
    for (std::size_t j = 0; j < n; ++j) {
      spread[j] = j % 7 == 0 ? 0.0 : std::pow(10.0, decades[j]);
      tiny[j] = 1e-250 * (1.0 + decades[j] / 400.0);
    }
    for_every_target([&](const std::string&) {
      expect_simd_matches_direct(GaussianKernel(dim, 0.2), dim, x, x, spread,
                                 "weights 1e-200..1 and zeros, d = " + std::to_string(dim));
      expect_simd_matches_direct(GaussianKernel(dim, 0.2), dim, x, x, tiny,
                                 "weights ~1e-250, d = " + std::to_string(dim));
    });
  }
}

TEST(SimdSum, SmallSetsOneParticleAndNoParticles) {
  std::mt19937 rng(kSeed + 3);
  for (int dim = 1; dim <= 3; ++dim)
    for (const std::size_t n : {1u, 2u, 7u, 9u, 64u, 65u}) {
      const auto d = static_cast<std::size_t>(dim);
      const std::vector<double> x = uniform(rng, n * d, 0.0, 1.0);
      const std::vector<double> w = uniform(rng, n, 0.5, 1.5);
      for_every_target([&](const std::string&) {
        expect_simd_matches_direct(GaussianKernel(dim, 0.3), dim, x, x, w,
                                   "n = " + std::to_string(n) + ", d = " + std::to_string(dim));
      });
    }
  expect_sums_without_sources_are_zero(SimdSum{});
}

TEST(SimdSum, ResultsAreBitwiseIdenticalForEveryThreadCount) {
  // Enough pairs (4e6 in 1D) that several threads and several row partitions are really used.
  std::mt19937 rng(kSeed + 4);
  for (int dim = 1; dim <= 2; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = dim == 1 ? 2000 : 1500;
    const std::vector<double> x = uniform(rng, n * d, 0.0, 1.0);
    const std::vector<double> w = uniform(rng, n, 0.5, 1.5);
    for_every_target([&](const std::string& target) {
      expect_same_bits_for_every_thread_count([&](unsigned threads) { return SimdSum(threads, true); },
                                              GaussianKernel(dim, 0.02), dim, x, w, target);
    });
  }
}

TEST(SimdSum, OtherKernelsAreSummedByDirectSumExactly) {
  // Not accelerated: the Laguerre-Gaussian psi (a Gaussian times a polynomial) and the tabulated Wendland psi.
  std::mt19937 rng(kSeed + 5);
  const std::vector<double> x = uniform(rng, 2 * 150, 0.0, 1.0);
  const std::vector<double> w = uniform(rng, 150, 0.5, 1.5);
  const auto check = [&](const auto& kernel, const std::string& name) {
    std::vector<double> a(x.size()), b(x.size());
    DirectSum{}.self_gradient(kernel, PointSet{x, 2}, w, a);
    SimdSum{}.self_gradient(kernel, PointSet{x, 2}, w, b);
    EXPECT_EQ(a, b) << name;
  };
  check(Laguerre4Mollifier(2, 0.1).self_convolution(), "laguerre4");
  check(WendlandC2Mollifier(2, 0.2).self_convolution(), "wendland-c2");
}

TEST(SimdSum, NonFiniteCoordinatesPropagateExactlyAsInDirectSum) {
  std::vector<double> x = {0.1, 0.2, std::numeric_limits<double>::quiet_NaN(), 0.4};
  const std::vector<double> w = {1.0, 1.0, 1.0, 1.0};
  const GaussianKernel kernel(1, 0.1);
  std::vector<double> a(4), b(4);
  DirectSum{}.self_gradient(kernel, PointSet{x, 1}, w, a);
  SimdSum{}.self_gradient(kernel, PointSet{x, 1}, w, b);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(std::isnan(a[i]), std::isnan(b[i])) << i;
  EXPECT_TRUE(std::isnan(b[0]));
}

TEST(SimdTargets, TheBestTargetRunsUnlessRestrictedAndEveryListedTargetCanBeChosenByName) {
  const std::vector<SimdTarget> targets = simd_targets();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(simd_target(), targets.front());  // no restriction in force (BLOBFLOW_SIMD_TARGET unset in tests)
  for (const SimdTarget target : targets) {
    EXPECT_EQ(simd_target_from_name(simd_target_name(target)), target);
    const TargetScope scope(target);
    EXPECT_EQ(simd_target(), target) << simd_target_name(target);
  }
  EXPECT_EQ(simd_target(), targets.front());
  std::string lower = simd_target_name(targets.back());
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(simd_target_from_name(lower), targets.back());
  EXPECT_THROW(simd_target_from_name("no-such-target"), std::invalid_argument);
  EXPECT_THROW(simd_restrict(3), std::invalid_argument);  // two bits: not one target
  EXPECT_GE(SimdSum().threads(), 1u);
}

TEST(WpmeUniformTarget, SimdEngineFromTheFactoryGivesTheDirectVelocityAndEnergy) {
  // wpme and pme (m = 3, two gradient sums and a potential) through make_velocity_field, 1D and 2D, unequal masses.
  std::mt19937 rng(kSeed + 6);
  for (int dim = 1; dim <= 2; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = dim == 1 ? 400 : 300;
    const std::vector<double> x = uniform(rng, n * d, -1.0, 1.0);
    const std::vector<double> masses = uniform(rng, n, 0.5, 1.5);
    expect_factory_engine_matches_direct("simd", dim, x, masses, 0.05, kAccuracy);
  }
}

TEST(EngineRegistry, SimdIsRegisteredSoThatConfigurationsMayNameIt) {
  EXPECT_TRUE(is_registered(engine_registry(), SimdSum::kName));
}

TEST(ResolveEngine, AutoPicksSimdForSmallGaussianRunsAndACutoffEngineForLargeOrNonGaussianOnes) {
  // eps = 4 h in 1D: the cutoff of psi (8.85 sqrt(2) eps) holds ~100 particles. On a vector target the SIMD cutoff
  // engine was measured faster than simd at every N in 1D (N / k >= 1); on the emulated one simd's N^2 pairs win at
  // N = 50 (every pair within the cutoff) and lose at N = 800 to truncated. In 2D (eps = h, k ~ 490) simd wins at
  // N = 400 on either. N = 1e6 and unknown N or other mollifiers: a cutoff engine.
  // Under every SIMD target in turn (the crossovers depend on the target family).
  for_every_target([](const std::string& target) {
    const std::string best = simd_target_name(simd_target());
    const bool vector = best != "EMU128" && best != "SCALAR";
    const std::string cutoff = vector ? "truncated-simd" : "truncated";
    FieldSpec spec;
    spec.dimension = 1;
    spec.particles = 50;
    spec.spacing = 1.0 / 50.0;
    spec.epsilon = 4.0 * spec.spacing;
    EXPECT_EQ(resolve_engine(spec), vector ? "truncated-simd" : "simd");
    spec.particles = 800;
    spec.spacing = 1.0 / 800.0;
    spec.epsilon = 4.0 * spec.spacing;
    EXPECT_EQ(resolve_engine(spec), cutoff) << target;
    spec.particles = 1'000'000;
    spec.spacing = 1e-6;
    spec.epsilon = 4e-6;
    EXPECT_EQ(resolve_engine(spec), cutoff) << target;
    spec.dimension = 2;
    spec.particles = 400;
    spec.spacing = 1.0 / 20.0;
    spec.epsilon = spec.spacing;
    EXPECT_EQ(resolve_engine(spec), "simd") << target;
    spec.particles = 1'000'000;
    spec.spacing = 1e-3;
    spec.epsilon = 1e-3;
    EXPECT_EQ(resolve_engine(spec), cutoff) << target;
    spec.particles = 0;
    EXPECT_EQ(resolve_engine(spec), "truncated");
    spec.dimension = 1;
    spec.particles = 800;
    spec.spacing = 1.0 / 800.0;
    spec.epsilon = 4.0 * spec.spacing;
    spec.mollifier = "wendland-c2";
    EXPECT_EQ(resolve_engine(spec), "truncated");
    spec.mollifier = "gaussian";
    spec.engine = "direct";
    EXPECT_EQ(resolve_engine(spec), "direct");  // an explicit choice is kept
  });
}

}  // namespace
}  // namespace blobflow
