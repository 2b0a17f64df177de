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

/// The SIMD target families of the cost model: AVX-512 (AVX3, AVX3_DL), other vector targets (AVX2, and SSE4, NEON,
/// which take AVX2's figures unmeasured), and the emulated fallback (EMU128, SCALAR).
enum Family { kAvx512 = 0, kVector = 1, kEmulated = 2 };

/// The crossover of engine = "auto" per family and dimension d (index d) on a vector target: SimdSum's N^2 / 2 pairs
/// (pair symmetry) take as long as TruncatedSimdSum's cutoff sums (1D: also with pair symmetry) when N / k equals
/// this, k the particles within the cutoff. Measured side by side in one bench_engines run per target
/// (BM_SelfGradientOfPsi, medians of 3, interleaved; 2-core AMD EPYC (Zen 5) VM shared with two parallel builds,
/// load average ~5; bench/results/crossover-AVX3_DL.txt, crossover-AVX2.txt) on lattices with the Gaussian psi,
/// eps = 4 h in 1D (k ~ 100) and eps = h in 2D/3D (k ~ 490 / 8,200):
///   AVX-512, 1D: truncated-simd faster at every N from 100 (N / k = 1: 5.0 us against 8.4 us) to 1e5;
///   AVX-512, 2D: simd 1.34x faster at N = 1,024 (N / k = 2.1), truncated-simd 1.7x at N = 2,304 (N / k = 4.7):
///   equal near N / k = 3 (log-linear between them; the previous kernel on a Cascade Lake VM: 4 to 4.7);
///   AVX-512, 3D: simd 1.6x faster at N = 13,824 (N / k = 1.7), truncated-simd 1.8x at N = 27,000: equal near 2;
///   AVX2, 1D: truncated-simd faster at every N from 100 (7.3 us against 13.2 us);
///   AVX2, 2D: simd 1.7x faster at N = 576 (N / k = 1.2), truncated-simd 1.2x at N = 1,024 (2.1): equal near 2;
///   AVX2, 3D: simd 1.4x faster at N = 8,000 (N / k = 1), truncated-simd 1.3x at N = 13,824 (1.7): equal near 1.5.
/// On the emulated target SimdSum runs against TruncatedSum (TruncatedSimdSum emulated is no faster than
/// TruncatedSum's scalar loop: 2.1 s against 1.5 s at N = 1e6 in 1D, 16 s against 18 s in 2D, an earlier run), from
/// all-pairs sums at N = 1000 (1.8x in 1D, 1.6x in 2D; 3D taken as 2D).
constexpr double kSimdCrossover[3][4] = {{0.0, 1.0, 3.0, 2.0}, {0.0, 1.0, 2.0, 1.5}, {0.0, 1.8, 1.6, 1.6}};

/// The cost model behind engine = "auto" choosing "fft" (only when the accuracy allows a non-exact engine), per
/// dimension d (index d; 3D: never, not measured): seconds per particle of FftSum's self gradient at its default
/// accuracy (cheaper rows only lower it), against seconds per pair of the cutoff engine (N k pairs: TruncatedSum on
/// the emulated target, else TruncatedSimdSum) and of SimdSum with pair symmetry (N^2 effective pairs), per family.
/// fft and the AVX-512 engines from runs of the previous AVX-512 kernel on a Cascade Lake VM (bench_million and
/// BM_SelfGradientOfPsi at N = 1e6 on lattices with eps = 4h / h; bench/results/million.txt, cost-vs-n.txt; pair
/// rates at N = 1e4, bench/results/pair-rates*.txt), each figure taken the way least favourable to fft (its slowest,
/// the exact engines' fastest; the engines of this kernel measured no faster on the Zen 5 VM:
/// bench/results/crossover-AVX3_DL.txt, pair-rates-avx512.txt); AVX2 from the Zen 5 VM, which ran on about one core
/// (crossover-AVX2.txt, pair-rates-avx2.txt), TruncatedSum from an earlier run:
///   fft 0.41-0.54 s (1D) and 1.6-2.25 s (2D) at N = 1e6: 5e-7 and 2.5e-6 per particle, rounded up;
///   AVX-512: truncated-simd 0.068-0.089 s for k ~ 100 (1D) and 0.90-1.31 s for k ~ 490 (2D) at N = 1e6; simd
///   symmetric 4.6e9 (1D) and 3.2e9 (2D) effective pairs/s, the fastest seen at N = 1e4;
///   AVX2: truncated-simd 0.107 s (1D) and 1.22 s (2D) at N = 1e6; simd symmetric 1.73e9 (1D) and 1.23e9 (2D);
///   emulated: simd symmetric 0.167e9 (1D) and 0.152e9 (2D) (pair-rates-avx2.txt, "simd fallback").
constexpr double kFftSecondsPerParticle[] = {0.0, 5.0e-7, 2.5e-6, 0.0};
constexpr double kCutoffSecondsPerPair[3][4] = {
    {0.0, 6.8e-10, 1.8e-9, 0.0}, {0.0, 1.07e-9, 2.5e-9, 0.0}, {0.0, 2.2e-8, 5.0e-8, 0.0}};
constexpr double kSimdSecondsPerPair[3][4] = {
    {0.0, 2.0e-10, 3.1e-10, 0.0}, {0.0, 5.8e-10, 8.1e-10, 0.0}, {0.0, 6.0e-9, 6.6e-9, 0.0}};
/// fft is chosen only when its estimate is this many times below the exact engine's.
constexpr double kFftMargin = 2.0;

/// The family of the target the SIMD engines run on now (simd_target()).
Family family() {
  const std::string name = simd_target_name(simd_target());
  if (name == "EMU128" || name == "SCALAR") return kEmulated;
  return name.rfind("AVX3", 0) == 0 ? kAvx512 : kVector;
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
  // cutoff R ~ 8.85 sqrt(2) eps of psi), against TruncatedSimdSum's N k pairs at a similar rate on a SIMD target,
  // or against TruncatedSum's N k pairs with scalar libm exps on the emulated one.
  const int d = problem.dimension;
  const bool valid = d >= 1 && d <= 3 && problem.epsilon > 0.0 && std::isfinite(problem.epsilon);
  if (!problem.gaussian || !valid || problem.particles == 0 || !(problem.spacing > 0.0)) return TruncatedSum::kName;
  const Family f = family();
  const bool vector = f != kEmulated;
  const double crossover = kSimdCrossover[f][d];
  const GaussianKernel psi = GaussianMollifier(d, problem.epsilon).self_convolution();
  const double radius = psi.truncation_radius(TruncatedSum::kDefaultRelativeTolerance) / problem.spacing;
  const double ball[] = {0.0, 2.0 * radius, std::numbers::pi * radius * radius,
                         4.0 / 3.0 * std::numbers::pi * radius * radius * radius};  // in particles
  const auto n = static_cast<double>(problem.particles);
  const double k = std::min(n, std::max(1.0, ball[d]));
  const char* exact = n / k < crossover ? SimdSum::kName : (vector ? TruncatedSimdSum::kName : TruncatedSum::kName);
  // The non-exact fft engine only where the run allows its error and it is measured clearly faster (2D, 1D).
  if (problem.accuracy > 0.0 && kFftSecondsPerParticle[d] > 0.0) {
    const double exact_seconds = std::min(n * k * kCutoffSecondsPerPair[f][d], n * n * kSimdSecondsPerPair[f][d]);
    if (kFftMargin * n * kFftSecondsPerParticle[d] < exact_seconds) return FftSum::kName;
  }
  return exact;
}

std::string auto_engine_description() {
  std::ostringstream s;
  s << "the engine blobflow expects to be fastest at full accuracy: direct with the long-range newtonian "
       "interaction; for the Gaussian with AVX-512 simd while N / k is below "
    << per_dimension(kSimdCrossover[kAvx512]) << " (k the particles within the cutoff), on other SIMD targets below "
    << per_dimension(kSimdCrossover[kVector])
    << ", else truncated-simd; on the emulated target (no SIMD) simd while N / k is below "
    << per_dimension(kSimdCrossover[kEmulated])
    << ", else truncated; other mollifiers truncated; fft only where engine_accuracy > 0 allows its error and its "
       "estimated cost is "
    << kFftMargin << "x below the exact engine's (1D, 2D); recorded in summary.json";
  return s.str();
}

}  // namespace blobflow
