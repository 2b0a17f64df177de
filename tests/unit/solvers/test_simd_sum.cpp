// Unit tests of the SIMD direct summation engine (simd_sum.hpp): its polynomial 2^t against the stated error bound,
// and all four sums against DirectSum, the brute-force reference, in d = 1, 2, 3, for wide and narrow blobs (most
// exps underflow), unequal weights, target sets different from the source set and sizes that are not multiples of
// the SIMD width; on the AVX-512 path (when the CPU has it) and on the forced portable path; results independent of
// the thread count; non-Gaussian kernels handed to DirectSum; non-finite input; the equations with engine "simd".
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
#include "unit/solvers/engine_test_utils.hpp"

namespace blobflow {
namespace {

using engine_test::relative_error;
using engine_test::scientific;
using engine_test::uniform;

/// The accuracy the engine promises against DirectSum, relative to max_i |sum_i| (the acceptance figure).
constexpr double kAccuracy = 1e-13;
constexpr unsigned kSeed = 20261129;

/// The paths this CPU can run: always the portable one, and AVX-512 where present.
std::vector<SimdPath> available_paths() {
  std::vector<SimdPath> paths{SimdPath::kPortable};
  if (simd_avx512_available()) paths.push_back(SimdPath::kAvx512);
  return paths;
}

std::string path_name(SimdPath p) { return p == SimdPath::kAvx512 ? "avx512" : "portable"; }

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
  for (const SimdPath path : available_paths()) {
    std::vector<double> out(t.size());
    simd_exp2(t, out, path);
    double worst = 0.0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const long double exact = std::exp2(static_cast<long double>(t[i]));  // x87 extended: 11 more bits
      worst = std::max(worst, static_cast<double>(std::abs(out[i] / exact - 1.0L)));
    }
    EXPECT_LE(worst, kSimdExp2RelativeError) << path_name(path);
    std::cout << "[ simd_exp2 ] " << path_name(path) << ": max relative error " << scientific(worst) << " on "
              << t.size() << " points in [-1022, 0]\n";
  }
}

TEST(SimdExp2, UnderflowGivesAtMostTheSmallestNormalAndMinusInfinityGivesZero) {
  std::vector<double> t = {-1022.5, -1023.0, -1050.0, -1074.0, -1075.0, -1100.0, -1e6, -1e300,
                           -std::numeric_limits<double>::infinity()};
  for (const SimdPath path : available_paths()) {
    std::vector<double> out(t.size());
    simd_exp2(t, out, path);
    for (std::size_t i = 0; i < t.size(); ++i) {
      EXPECT_GE(out[i], 0.0) << path_name(path) << " t = " << t[i];
      EXPECT_LE(out[i], DBL_MIN) << path_name(path) << " t = " << t[i];
    }
    EXPECT_EQ(out.back(), 0.0) << path_name(path);
  }
}

TEST(SimdExp2, ExactAtZeroAndRejectsMismatchedSizes) {
  std::vector<double> t = {0.0, -1.0, -2.0}, out(3);
  for (const SimdPath path : available_paths()) {
    simd_exp2(t, out, path);
    EXPECT_EQ(out[0], 1.0) << path_name(path);  // f = 0: p(0) = c0 = 1 exactly
  }
  std::vector<double> short_out(2);
  EXPECT_THROW(simd_exp2(t, short_out), std::invalid_argument);
}

/// All four sums of SimdSum on `path` against DirectSum; returns the largest relative error.
double expect_simd_matches_direct(const GaussianKernel& kernel, int dim, const std::vector<double>& y,
                                  const std::vector<double>& x, const std::vector<double>& w, SimdPath path,
                                  const std::string& what) {
  const PointSet targets{y, dim}, sources{x, dim};
  const DirectSum direct;
  double worst = 0.0;
  for (const bool symmetric : {true, false}) {
    const SimdSum simd(path, 0, symmetric);
    std::vector<double> a(targets.size()), b(targets.size());
    direct.potential(kernel, targets, sources, w, a);
    simd.potential(kernel, targets, sources, w, b);
    const double e1 = relative_error(b, a);
    std::vector<double> ga(y.size()), gb(y.size());
    direct.gradient(kernel, targets, sources, w, ga);
    simd.gradient(kernel, targets, sources, w, gb);
    const double e2 = relative_error(gb, ga);
    std::vector<double> sa(sources.size()), sb(sources.size());
    direct.self_potential(kernel, sources, w, sa);
    simd.self_potential(kernel, sources, w, sb);
    const double e3 = relative_error(sb, sa);
    std::vector<double> sga(x.size()), sgb(x.size());
    direct.self_gradient(kernel, sources, w, sga);
    simd.self_gradient(kernel, sources, w, sgb);
    const double e4 = relative_error(sgb, sga);
    const std::string label = what + ", " + path_name(path) + (symmetric ? ", symmetric" : ", one-sided");
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
  // more in 2D and 3D, the regime where library vector exps fall into slow paths (PERF-NOTES.md §1).
  std::mt19937 rng(kSeed + 1);
  const std::size_t n_sources[] = {0, 1003, 531, 301};
  const std::size_t n_targets[] = {0, 77, 45, 29};
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::vector<double> x = uniform(rng, n_sources[dim] * d, 0.0, 1.0);
    const std::vector<double> y = uniform(rng, n_targets[dim] * d, -0.1, 1.1);
    const std::vector<double> w = uniform(rng, n_sources[dim], 0.1, 3.0);
    for (const double sigma : {0.1, 0.01})
      for (const SimdPath path : available_paths()) {
        const std::string what = "d = " + std::to_string(dim) + ", sigma = " + std::to_string(sigma);
        const double e = expect_simd_matches_direct(GaussianKernel(dim, sigma), dim, y, x, w, path, what);
        std::cout << "[ simd vs direct ] " << what << ", " << path_name(path) << ": max relative error "
                  << scientific(e) << "\n";
      }
  }
}

TEST(SimdSum, MatchesDirectSumForNegativeWeightsAndOffsetCoordinates) {
  // Signed weights (the sums cancel) and a cloud far from the origin (|x| ~ 1e3 sigma): differences are taken in
  // the caller's coordinates, so the offset costs nothing beyond DirectSum's own rounding of y - x.
  std::mt19937 rng(kSeed + 2);
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = 200 + 13 * d;
    const std::vector<double> x = uniform(rng, n * d, 10.0, 11.0);
    const std::vector<double> w = uniform(rng, n, -1.0, 1.0);
    for (const SimdPath path : available_paths())
      expect_simd_matches_direct(GaussianKernel(dim, 0.05), dim, x, x, w, path, "offset, d = " + std::to_string(dim));
  }
}

TEST(SimdSum, SmallSetsOneParticleAndNoParticles) {
  std::mt19937 rng(kSeed + 3);
  for (const SimdPath path : available_paths())
    for (int dim = 1; dim <= 3; ++dim)
      for (const std::size_t n : {1u, 2u, 7u, 9u, 64u, 65u}) {
        const auto d = static_cast<std::size_t>(dim);
        const std::vector<double> x = uniform(rng, n * d, 0.0, 1.0);
        const std::vector<double> w = uniform(rng, n, 0.5, 1.5);
        expect_simd_matches_direct(GaussianKernel(dim, 0.3), dim, x, x, w, path,
                                   "n = " + std::to_string(n) + ", d = " + std::to_string(dim));
      }
  const SimdSum simd;
  const GaussianKernel kernel(2, 0.1);
  std::vector<double> none, y = {0.5, 0.5}, out = {7.0, 7.0}, p = {7.0};
  simd.gradient(kernel, PointSet{y, 2}, PointSet{none, 2}, none, out);
  simd.potential(kernel, PointSet{y, 2}, PointSet{none, 2}, none, p);
  EXPECT_EQ(out, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(p, (std::vector<double>{0.0}));
  simd.self_gradient(kernel, PointSet{none, 2}, none, none);  // nothing to do, must not fail
}

TEST(SimdSum, ResultsAreBitwiseIdenticalForEveryThreadCount) {
  // Enough pairs (4e6 in 1D) that several threads and several row partitions are really used.
  std::mt19937 rng(kSeed + 4);
  for (const SimdPath path : available_paths())
    for (int dim = 1; dim <= 2; ++dim) {
      const auto d = static_cast<std::size_t>(dim);
      const std::size_t n = dim == 1 ? 2000 : 1500;
      const std::vector<double> x = uniform(rng, n * d, 0.0, 1.0);
      const std::vector<double> w = uniform(rng, n, 0.5, 1.5);
      const GaussianKernel kernel(dim, 0.02);
      std::vector<double> reference_g, reference_p;
      for (const unsigned threads : {1u, 2u, 3u, 5u}) {
        const SimdSum simd(path, threads);
        std::vector<double> g(x.size()), p(n);
        simd.self_gradient(kernel, PointSet{x, dim}, w, g);
        simd.self_potential(kernel, PointSet{x, dim}, w, p);
        if (threads == 1) {
          reference_g = g;
          reference_p = p;
          continue;
        }
        EXPECT_EQ(g, reference_g) << path_name(path) << ", d = " << dim << ", " << threads << " threads";
        EXPECT_EQ(p, reference_p) << path_name(path) << ", d = " << dim << ", " << threads << " threads";
      }
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

TEST(SimdSum, ForcingAvx512IsRejectedExactlyWhenTheCpuLacksIt) {
  if (simd_avx512_available()) {
    EXPECT_EQ(SimdSum(SimdPath::kAvx512).path(), SimdPath::kAvx512);
    EXPECT_EQ(SimdSum().path(), SimdPath::kAvx512);
  } else {
    EXPECT_THROW(SimdSum(SimdPath::kAvx512), std::invalid_argument);
    EXPECT_EQ(SimdSum().path(), SimdPath::kPortable);
  }
  EXPECT_EQ(SimdSum(SimdPath::kPortable).path(), SimdPath::kPortable);
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
    for (const char* equation : {"wpme", "pme"}) {
      FieldSpec spec;
      spec.equation = equation;
      spec.m = 3.0;
      spec.dimension = dim;
      spec.epsilon = 0.05;
      spec.engine = "direct";
      const auto direct = make_velocity_field(spec, masses);
      spec.engine = "simd";
      const auto simd = make_velocity_field(spec, masses);
      std::vector<double> va(x.size()), vb(x.size());
      direct->velocity(x, va);
      simd->velocity(x, vb);
      EXPECT_LE(relative_error(vb, va), kAccuracy) << equation << ", d = " << dim;
      EXPECT_NEAR(simd->energy(x), direct->energy(x), kAccuracy * std::abs(direct->energy(x))) << equation;
      EXPECT_NE(simd->describe().find("engine simd"), std::string::npos) << simd->describe();
    }
  }
}

TEST(EngineRegistry, SimdIsRegisteredSoThatConfigurationsMayNameIt) {
  EXPECT_TRUE(is_registered(engine_registry(), SimdSum::kName));
}

TEST(ResolveEngine, AutoPicksSimdForSmallGaussianRunsAndTruncatedForLargeOrNonGaussianOnes) {
  // eps = 4 h in 1D: the cutoff of psi (8.85 sqrt(2) eps) holds ~100 particles, so simd's N^2 pairs win at
  // N = 50 (every pair within the cutoff) on either path, at N = 800 (a typical study) with AVX-512, and lose at
  // N = 1e6; unknown N, other mollifiers: truncated.
  FieldSpec spec;
  spec.dimension = 1;
  spec.particles = 50;
  spec.spacing = 1.0 / 50.0;
  spec.epsilon = 4.0 * spec.spacing;
  EXPECT_EQ(resolve_engine(spec), "simd");
  spec.particles = 800;
  spec.spacing = 1.0 / 800.0;
  spec.epsilon = 4.0 * spec.spacing;
  EXPECT_EQ(resolve_engine(spec), simd_avx512_available() ? "simd" : "truncated");
  spec.particles = 1'000'000;
  spec.spacing = 1e-6;
  spec.epsilon = 4e-6;
  EXPECT_EQ(resolve_engine(spec), "truncated");
  spec.particles = 0;
  EXPECT_EQ(resolve_engine(spec), "truncated");
  spec.particles = 800;
  spec.spacing = 1.0 / 800.0;
  spec.epsilon = 4.0 * spec.spacing;
  spec.mollifier = "wendland-c2";
  EXPECT_EQ(resolve_engine(spec), "truncated");
  spec.mollifier = "gaussian";
  spec.engine = "direct";
  EXPECT_EQ(resolve_engine(spec), "direct");  // an explicit choice is kept
}

}  // namespace
}  // namespace blobflow
