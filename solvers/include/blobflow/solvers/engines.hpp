// The summation engines a configuration can name, and the cost model behind engine = "auto". Every engine sums
// sum_j w_j K(x_i - y_j) and its gradient for a radial kernel K (the SummationEngine concept, direct_sum.hpp); they
// differ in speed and, for fft only, in accuracy. Adding an engine is its header (with kName and kDescription, and a
// constructor from nothing or from an accuracy), its entry in EngineRegistry and its test.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/registry.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/truncated_simd_sum.hpp"
#include "blobflow/solvers/truncated_sum.hpp"

namespace blobflow {

/// Every concrete engine, in the order `blobflow list engines` prints them after "auto".
using EngineRegistry = TypeRegistry<DirectSum, TruncatedSum, SimdSum, TruncatedSimdSum, FftSum>;

/// The name a configuration gives to let blobflow choose the engine.
inline constexpr std::string_view kAutoEngine = "auto";

/// What engine = "auto" looks at.
struct EngineProblem {
  int dimension = 1;
  double epsilon = 0.0;       ///< blob width
  bool gaussian = false;      ///< the mollifier is the Gaussian (the vector and grid engines serve only it)
  bool long_range = false;    ///< a kernel without a cutoff radius is summed (only the direct engine is exact)
  std::size_t particles = 0;  ///< N (0: unknown)
  double spacing = 0.0;       ///< h (0: unknown)
  double accuracy = 0.0;      ///< error the run allows to a non-exact engine (0: round-off only)
};

/// The engine expected to be fastest at full accuracy (engine_selection.cpp): "direct" for a long-range kernel;
/// for the Gaussian "simd" while N / k is below the measured crossover of the dimension and SIMD target family (k the
/// particles within the cutoff of psi), else "truncated-simd" on a SIMD target or "truncated" on the emulated one; "truncated" for other mollifiers; and
/// "fft" only where problem.accuracy > 0 allows its error and its measured cost is clearly lower.
std::string_view select_engine(const EngineProblem& problem);

/// What `blobflow list engines` prints for "auto": generated from the constants select_engine uses.
std::string auto_engine_description();

}  // namespace blobflow
