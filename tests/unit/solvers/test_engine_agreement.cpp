// One accuracy test for every summation engine: the four sums (potential and gradient, one-sided and self) of each
// engine against DirectSum, the reference, in 1D, 2D and 3D, for the Gaussian psi, a higher-order kernel (the psi of
// the order-4 Laguerre-Gaussian, sign-changing) and a compactly supported one (the tabulated psi of Wendland C2),
// on random points with unequal weights. Engines that do not accelerate a kernel hand it to an exact engine; the
// test holds them to the same bound, so a wrong fallback fails here too. The SIMD engines and fft (whose spreading
// and interpolation use the SIMD target) run on every SIMD target this build and CPU can run (simd_targets()), each
// in turn.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/mollifiers.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/truncated_simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"
#include "unit/solvers/engine_checks.hpp"

namespace blobflow {
namespace {

using engine_checks::four_sum_errors;
using engine_checks::uniform;

/// The exact engines promise agreement with DirectSum to 1e-13 of max |sum| (round-off of a different summation
/// order and of the vector exp's <= 1e-15 relative error).
constexpr double kExactAgreement = 1e-13;
constexpr unsigned kSeed = 20261129;
/// Sources per dimension (index d): a few hundred, so that DirectSum stays quick in 3D.
constexpr std::size_t kSources[] = {0, 600, 400, 300};
/// Blob width in mean spacings N^(-1/d): a few spacings, as in blob methods (eps = 4 h in the studies).
constexpr double kWidthInSpacings = 3.0;

/// Runs `check(engine, name, bound)` for every engine; `gaussian` says whether the kernel is the Gaussian, the only
/// kernel the non-exact fft engine sums itself (within its stated accuracy; others it hands to DirectSum).
template <class Check>
void for_every_engine(bool gaussian, const Check& check) {
  check(TruncatedSum{}, "truncated", kExactAgreement);
  engine_checks::for_every_target([&](const std::string& target) {
    check(SimdSum{}, ("simd " + target).c_str(), kExactAgreement);
    check(SimdSum(0, false), ("simd one-sided " + target).c_str(), kExactAgreement);
    check(TruncatedSimdSum{}, ("truncated-simd " + target).c_str(), kExactAgreement);
    const FftSum fft;  // its B-spline weights run on the SIMD target
    check(fft, ("fft " + target).c_str(), gaussian ? fft.accuracy() : kExactAgreement);
  });
}

template <RadialKernel Kernel>
void expect_every_engine_agrees(const Kernel& kernel, bool gaussian, int dim, const std::string& kernel_name) {
  std::mt19937 rng(kSeed + static_cast<unsigned>(dim));
  const std::size_t n = kSources[dim];
  const auto d = static_cast<std::size_t>(dim);
  const std::vector<double> x = uniform(rng, n * d, 0.0, 1.0);
  const std::vector<double> y = uniform(rng, n / 2 * d, -0.1, 1.1);  // targets inside and just outside the cloud
  const std::vector<double> w = uniform(rng, n, 0.1, 2.0);
  for_every_engine(gaussian, [&](const auto& engine, const char* name, double bound) {
    const auto errors = four_sum_errors(engine, kernel, dim, y, x, w);
    const char* sums[] = {"potential", "gradient", "self potential", "self gradient"};
    for (std::size_t k = 0; k < errors.size(); ++k)
      EXPECT_LE(errors[k], bound) << name << ", " << kernel_name << ", d = " << dim << ", " << sums[k];
  });
}

double width(int dim) {
  return kWidthInSpacings * std::pow(static_cast<double>(kSources[dim]), -1.0 / static_cast<double>(dim));
}

TEST(EngineAgreement, EveryEngineSumsTheGaussianLikeDirectSum) {
  for (int dim = 1; dim <= 3; ++dim)
    expect_every_engine_agrees(GaussianMollifier(dim, width(dim)).self_convolution(), true, dim, "gaussian");
}

TEST(EngineAgreement, EveryEngineSumsTheOrderFourLaguerreGaussianLikeDirectSum) {
  for (int dim = 1; dim <= 3; ++dim)
    expect_every_engine_agrees(Laguerre4Mollifier(dim, width(dim)).self_convolution(), false, dim, "laguerre4");
}

TEST(EngineAgreement, EveryEngineSumsTheCompactWendlandKernelLikeDirectSum) {
  for (int dim = 1; dim <= 3; ++dim)
    expect_every_engine_agrees(WendlandC2Mollifier(dim, width(dim)).self_convolution(), false, dim, "wendland-c2");
}

}  // namespace
}  // namespace blobflow
