// The cost model behind engine = "auto" (engines.hpp): measured crossovers and per-pair costs, and the description
// `blobflow list engines` prints, generated from the same constants so that the two cannot disagree.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <string>

#include "blobflow/solvers/engines.hpp"
#include "blobflow/solvers/mollifier.hpp"

namespace blobflow {
namespace {

/// The crossover of engine = "auto" per dimension d (index d) on a vector target: SimdSum's N^2 / 2 pairs (pair symmetry)
/// take as long as TruncatedSimdSum's N (k + block) pairs when N / k equals this, k the particles within the cutoff.
/// Measured side by side in one bench_engines run (BM_SelfGradientOfPsi, medians of 3, interleaved; 2-core AVX-512
/// machine, load average ~1.3; bench/results/cost-vs-n.txt) on lattices with the Gaussian psi, eps = 4 h in 1D
/// (k ~ 100) and eps = h in 2D/3D (k ~ 490 / 8,200):
///   1D: truncated-simd faster at every N from 100 (N / k = 1: 8.5 us against 10.9 us) to 1e5;
///   2D: simd 2.3x faster at N = 1,024 (N / k = 2.1), truncated-simd 1.2x at N = 2,304 (N / k = 4.7) and 2.2x at
///   N = 10,000: equal near N / k = 4 (an earlier run of the same code: equal at N / k = 4.7);
///   3D: simd 1.13x faster at N = 13,824 (N / k = 1.7), truncated-simd 1.24x at N = 27,000: equal near N / k = 2.
constexpr double kSimdCrossover[] = {0.0, 1.0, 4.0, 2.0};
/// On the emulated target (EMU128, a CPU with none of the compiled vector targets): SimdSum against TruncatedSum
/// (TruncatedSimdSum emulated is no faster than TruncatedSum's scalar loop: 2.1 s against 1.5 s at N = 1e6 in 1D,
/// 16 s against 18 s in 2D), from all-pairs sums at N = 1000 (1.8x in 1D, 1.6x in 2D; 3D taken as 2D).
constexpr double kPortableCrossover[] = {0.0, 1.8, 1.6, 1.6};

/// The cost model behind engine = "auto" choosing "fft" (only when the accuracy allows a non-exact engine), per
/// dimension d (index d; 3D: never, not measured): seconds per particle of FftSum's self gradient at its default
/// accuracy (cheaper rows only lower it), against seconds per pair of TruncatedSum (N k pairs), of TruncatedSimdSum
/// (N k pairs) and of SimdSum with pair symmetry (N^2 effective pairs). fft and the AVX-512 engines from runs of
/// this code (bench_million and BM_SelfGradientOfPsi at N = 1e6 on lattices with eps = 4h / h;
/// bench/results/million.txt, cost-vs-n.txt, and earlier runs of the same engines; pair rates at N = 1e4,
/// bench/results/pair-rates*.txt), TruncatedSum from an earlier run; each figure taken the way least favourable to
/// fft (its slowest, the exact engines' fastest), so fft is picked only for a clear gain:
///   fft 0.41-0.54 s (1D) and 1.6-2.25 s (2D) at N = 1e6: 5e-7 and 2.5e-6 per particle, rounded up;
///   truncated-simd 0.068-0.089 s for k ~ 100 (1D) and 0.90-1.31 s for k ~ 490 (2D) at N = 1e6: the fastest;
///   simd symmetric 4.6e9 (1D) and 3.2e9 (2D) effective pairs/s, the fastest seen at N = 1e4.
constexpr double kFftSecondsPerParticle[] = {0.0, 5.0e-7, 2.5e-6, 0.0};
constexpr double kTruncatedSecondsPerPair[] = {0.0, 2.2e-8, 5.0e-8, 0.0};
constexpr double kSimdSecondsPerPair[] = {0.0, 2.0e-10, 3.1e-10, 0.0};
constexpr double kTruncatedSimdSecondsPerPair[] = {0.0, 6.8e-10, 1.8e-9, 0.0};
/// fft is chosen only when its estimate is this many times below the exact engine's.
constexpr double kFftMargin = 2.0;

/// Whether the SIMD engines run on a vector target (anything but the plain C++ emulation).
bool vector_target() {
  const std::string name = simd_target_name(simd_target());
  return name != "EMU128" && name != "SCALAR";
}

/// The crossovers of one table as text: "1D 1, 2D 4, 3D 2".
std::string per_dimension(const double (&table)[4]) {
  std::ostringstream s;
  for (int d = 1; d <= 3; ++d) s << (d > 1 ? ", " : "") << d << "D " << table[d];
  return s.str();
}

}  // namespace

std::string_view select_engine(const EngineProblem& problem) {
  // The Newtonian interaction is long-range (no cutoff radius), so only the direct engine sums it exactly.
  if (problem.long_range) return DirectSum::kName;
  // Every other registered kernel has a finite truncation radius, and the truncated engines equal the direct one to
  // round-off while skipping the pairs that contribute nothing. For the Gaussian, SimdSum evaluates N^2 / 2 pairs
  // (pair symmetry) at a high rate; it wins while N / k is below the measured crossover (k = particles within the
  // cutoff R ~ 8.85 sqrt(2) eps of psi), against TruncatedSimdSum's N k pairs at a similar rate with AVX-512, or
  // against TruncatedSum's N k pairs with scalar libm exps without it.
  const int d = problem.dimension;
  const bool valid = d >= 1 && d <= 3 && problem.epsilon > 0.0 && std::isfinite(problem.epsilon);
  if (!problem.gaussian || !valid || problem.particles == 0 || !(problem.spacing > 0.0)) return TruncatedSum::kName;
  const bool vector = vector_target();
  const double crossover = (vector ? kSimdCrossover : kPortableCrossover)[d];
  const GaussianKernel psi = GaussianMollifier(d, problem.epsilon).self_convolution();
  const double radius = psi.truncation_radius(TruncatedSum::kDefaultRelativeTolerance) / problem.spacing;
  const double ball[] = {0.0, 2.0 * radius, std::numbers::pi * radius * radius,
                         4.0 / 3.0 * std::numbers::pi * radius * radius * radius};  // in particles
  const auto n = static_cast<double>(problem.particles);
  const double k = std::min(n, std::max(1.0, ball[d]));
  const char* exact = n / k < crossover ? SimdSum::kName : (vector ? TruncatedSimdSum::kName : TruncatedSum::kName);
  // The non-exact fft engine only where the run allows its error and it is measured clearly faster (2D, 1D).
  if (problem.accuracy > 0.0 && kFftSecondsPerParticle[d] > 0.0) {
    const double cutoff_per_pair = (vector ? kTruncatedSimdSecondsPerPair : kTruncatedSecondsPerPair)[d];
    const double exact_seconds = std::min(n * k * cutoff_per_pair, n * n * kSimdSecondsPerPair[d]);
    if (kFftMargin * n * kFftSecondsPerParticle[d] < exact_seconds) return FftSum::kName;
  }
  return exact;
}

std::string auto_engine_description() {
  std::ostringstream s;
  s << "the engine blobflow expects to be fastest at full accuracy: direct with the long-range newtonian "
       "interaction; for the Gaussian on a SIMD target simd while N / k is below "
    << per_dimension(kSimdCrossover)
    << " (k the particles within the cutoff), else truncated-simd; on the emulated target simd while N / k is below "
    << per_dimension(kPortableCrossover)
    << ", else truncated; other mollifiers truncated; fft only where engine_accuracy > 0 allows its error and its "
       "estimated cost is "
    << kFftMargin << "x below the exact engine's (1D, 2D); recorded in summary.json";
  return s.str();
}

}  // namespace blobflow
