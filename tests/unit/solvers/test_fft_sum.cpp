// Unit tests of the grid/FFT (smooth-PME) summation engine (fft_sum.hpp) against DirectSum, the brute-force
// reference: every row of the accuracy table within its stated error in 1D and 2D (3D for the default row), for
// random and lattice points, wide blobs (sigma spanning many particles) and narrow ones (sigma below the spacing),
// unequal weights, targets different from the sources and the self sums, potential and gradient; the error falls
// as h = sigma / r shrinks (observed order ~p at fixed p) and as the spline order p grows; the accuracy -> (p, r)
// choice; bad input; non-Gaussian kernels, non-finite input and oversized grids handed to the exact engines; the
// equations with engine "fft".
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/mollifiers.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "unit/solvers/engine_checks.hpp"

namespace blobflow {
namespace {

using engine_checks::relative_error;
using engine_checks::scientific;
using engine_checks::uniform;

constexpr unsigned kSeed = 20261129;

/// A test configuration: sources with weights, separate targets, a kernel, and DirectSum's four sums on it.
struct Case {
  std::string name;
  int dim;
  std::vector<double> x, y, w;
  double sigma;
  std::vector<double> potential, gradient, self_potential, self_gradient;  // DirectSum
};

/// n points of a lattice of spacing `spacing` filling [0, 1]^d (cell centres).
std::vector<double> lattice(int dim, std::size_t n_side) {
  const auto d = static_cast<std::size_t>(dim);
  std::size_t n = 1;
  for (int k = 0; k < dim; ++k) n *= n_side;
  std::vector<double> x(n * d);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = 0, rest = j; k < d; ++k, rest /= n_side)
      x[j * d + k] = (static_cast<double>(rest % n_side) + 0.5) / static_cast<double>(n_side);
  return x;
}

/// The cases of the accuracy table in d dimensions: random and lattice sources in [0, 1]^d with weights in
/// [0.2, 3] / N, targets random in [-0.1, 1.1]^d; sigma wide (0.1, many particles per sigma) and narrow (0.4 of the
/// spacing, most pairs negligible). Built once per dimension, with DirectSum's sums.
const std::vector<Case>& table_cases(int dim) {
  static std::vector<Case> built[4];
  if (!built[dim].empty()) return built[dim];
  std::mt19937 rng(kSeed + static_cast<unsigned>(dim));
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n_side = dim == 1 ? 1500 : dim == 2 ? 36 : 11;
  std::size_t n = 1;
  for (int k = 0; k < dim; ++k) n *= n_side;
  const double spacing = 1.0 / static_cast<double>(n_side);
  const std::size_t n_targets = dim == 1 ? 300 : 150;
  std::vector<Case> cases;
  for (const bool random : {true, false})
    for (const double sigma : {0.1, 0.4 * spacing}) {
      Case c;
      c.dim = dim;
      c.sigma = sigma;
      c.x = random ? uniform(rng, n * d, 0.0, 1.0) : lattice(dim, n_side);
      c.y = uniform(rng, n_targets * d, -0.1, 1.1);
      c.w = uniform(rng, n, 0.2 / static_cast<double>(n), 3.0 / static_cast<double>(n));
      c.name = std::string(random ? "random" : "lattice") + ", d = " + std::to_string(dim) +
               ", sigma = " + scientific(sigma);
      const GaussianKernel kernel(dim, sigma);
      const PointSet targets{c.y, dim}, sources{c.x, dim};
      const DirectSum direct;
      c.potential.resize(targets.size());
      direct.potential(kernel, targets, sources, c.w, c.potential);
      c.gradient.resize(c.y.size());
      direct.gradient(kernel, targets, sources, c.w, c.gradient);
      c.self_potential.resize(sources.size());
      direct.self_potential(kernel, sources, c.w, c.self_potential);
      c.self_gradient.resize(c.x.size());
      direct.self_gradient(kernel, sources, c.w, c.self_gradient);
      cases.push_back(std::move(c));
    }
  built[dim] = std::move(cases);
  return built[dim];
}

/// The largest relative error of the four sums of `fft` against DirectSum on one case.
struct CaseErrors {
  double potential = 0.0, gradient = 0.0, self_potential = 0.0, self_gradient = 0.0;
  double max() const { return std::max({potential, gradient, self_potential, self_gradient}); }
};

CaseErrors errors(const FftSum& fft, const Case& c) {
  const GaussianKernel kernel(c.dim, c.sigma);
  const PointSet targets{c.y, c.dim}, sources{c.x, c.dim};
  CaseErrors e;
  std::vector<double> b(targets.size());
  fft.potential(kernel, targets, sources, c.w, b);
  e.potential = relative_error(b, c.potential);
  std::vector<double> gb(c.y.size());
  fft.gradient(kernel, targets, sources, c.w, gb);
  e.gradient = relative_error(gb, c.gradient);
  std::vector<double> sb(sources.size());
  fft.self_potential(kernel, sources, c.w, sb);
  e.self_potential = relative_error(sb, c.self_potential);
  std::vector<double> sgb(c.x.size());
  fft.self_gradient(kernel, sources, c.w, sgb);
  e.self_gradient = relative_error(sgb, c.self_gradient);
  return e;
}

TEST(FftSum, EveryTableRowIsWithinItsMeasuredErrorInOneAndTwoDimensions) {
  for (int dim = 1; dim <= 2; ++dim) {
    const std::vector<Case>& cases = table_cases(dim);
    for (const FftAccuracyRow& row : FftSum::accuracy_table()) {
      const FftSum fft(row.parameters);
      double worst = 0.0;
      for (const Case& c : cases) {
        const CaseErrors e = errors(fft, c);
        const std::string label = c.name + ", p = " + std::to_string(row.parameters.spline_order) +
                                  ", h = sigma/" + std::to_string(row.parameters.points_per_sigma);
        EXPECT_LE(e.potential, row.measured_error) << label << ": potential";
        EXPECT_LE(e.gradient, row.measured_error) << label << ": gradient";
        EXPECT_LE(e.self_potential, row.measured_error) << label << ": self potential";
        EXPECT_LE(e.self_gradient, row.measured_error) << label << ": self gradient";
        worst = std::max(worst, e.max());
        std::cout << "[ fft vs direct ] " << label << ": potential " << scientific(e.potential) << ", gradient "
                  << scientific(e.gradient) << ", self " << scientific(e.self_potential) << " / "
                  << scientific(e.self_gradient) << "\n";
      }
      std::cout << "[ fft table ] d = " << dim << ", p = " << row.parameters.spline_order << ", h = sigma/"
                << row.parameters.points_per_sigma << ": worst " << scientific(worst) << " (stated "
                << scientific(row.measured_error) << ")\n";
    }
  }
}

/// The largest of the four relative errors over the wide-blob cases (random and lattice) in d dimensions.
double wide_blob_error(int dim, FftParameters par) {
  double worst = 0.0;
  for (const Case& c : table_cases(dim))
    if (c.sigma == 0.1) worst = std::max(worst, errors(FftSum(par), c).max());
  return worst;
}

TEST(FftSum, ErrorFallsLikeHToThePowerPAtFixedSplineOrder) {
  // Essmann et al. 1995: the B-spline interpolation of exp(2 pi i m u / K) errs by O((m / K)^p), so at fixed p the
  // error falls like h^p. Observed orders log2(e(2h) / e(h)) between p - kOrderSlack and p + kOrderSlack.
  constexpr double kOrderSlack = 1.0;  // the pre-asymptotic range at r = 2..4 (measured orders within ~0.5 of p)
  for (int dim = 1; dim <= 2; ++dim)
    for (const int p : {4, 6}) {
      const double coarse = wide_blob_error(dim, {p, 2.0}), fine = wide_blob_error(dim, {p, 4.0});
      const double order = std::log2(coarse / fine);
      std::cout << "[ fft order ] d = " << dim << ", p = " << p << ": error " << scientific(coarse) << " (h = sigma/2), "
                << scientific(fine) << " (h = sigma/4): observed order " << order << "\n";
      EXPECT_GT(order, p - kOrderSlack) << "d = " << dim << ", p = " << p;
      EXPECT_LT(order, p + kOrderSlack) << "d = " << dim << ", p = " << p;
    }
}

TEST(FftSum, ErrorFallsAsTheSplineOrderGrowsAtFixedSpacing) {
  // At h = sigma / 4 each step p -> p + 2 must gain at least kMinGainPerStep until the round-off floor.
  constexpr double kMinGainPerStep = 10.0;  // measured gains 30-100 per step of 2 (table rows)
  for (int dim = 1; dim <= 2; ++dim) {
    double previous = wide_blob_error(dim, {4, 4.0});
    for (const int p : {6, 8, 10, 12}) {
      const double e = wide_blob_error(dim, {p, 4.0});
      std::cout << "[ fft order ] d = " << dim << ", h = sigma/4, p = " << p << ": " << scientific(e) << " (gain "
                << previous / e << ")\n";
      EXPECT_GT(previous / e, kMinGainPerStep) << "d = " << dim << ", p = " << p;
      previous = e;
    }
  }
}

TEST(FftSum, DefaultRowHoldsInThreeDimensions) {
  // 3D runs the same code; the default row (p = 12, h = sigma / 4) on 1331 random and lattice sources, wide blobs
  // (the narrow ones need a 216^3 grid: measured 1.6e-11 and 2.9e-11, left out for time).
  const FftSum fft;
  for (const Case& c : table_cases(3)) {
    if (c.sigma != 0.1) continue;
    const CaseErrors e = errors(fft, c);
    std::cout << "[ fft vs direct ] " << c.name << ", default row: " << scientific(e.max()) << "\n";
    EXPECT_LE(e.max(), fft.accuracy()) << c.name;
  }
}

TEST(FftSum, ResultsAreBitwiseIdenticalForEveryThreadCount) {
  // Enough sources for FftSum::kSpreadChunks chunks and several interpolation blocks, and enough stencil work
  // (N p^d above 2 kMinPairsPerThread) that two threads really run: the chunks are fixed by the input, so 1, 2, 3 and
  // 5 threads give the same bits.
  std::mt19937 rng(kSeed + 9);
  for (int dim = 1; dim <= 2; ++dim) {
    const std::size_t n = dim == 1 ? 40000 : 3000;
    const std::vector<double> x = uniform(rng, n * static_cast<std::size_t>(dim), 0.0, 1.0);
    const std::vector<double> w = uniform(rng, n, 0.5, 1.5);
    engine_checks::expect_same_bits_for_every_thread_count(
        [](unsigned threads) { return FftSum(FftSum::kDefaultAccuracy, threads); }, GaussianKernel(dim, 0.05), dim,
        x, w, "fft");
  }
}

TEST(FftSum, AccuracyPicksTheCheapestRowWithinIt) {
  EXPECT_EQ(FftSum(1e-6).parameters().spline_order, 8);
  EXPECT_EQ(FftSum(1e-6).parameters().points_per_sigma, 4.0);
  EXPECT_EQ(FftSum(1e-10).parameters().spline_order, 12);
  EXPECT_EQ(FftSum(1e-10).parameters().points_per_sigma, 4.0);
  EXPECT_EQ(FftSum().parameters().spline_order, FftSum(FftSum::kDefaultAccuracy).parameters().spline_order);
  for (const double accuracy : {0.5, 1e-3, 1e-5, 1e-8, 1e-9, 1e-11, FftSum::min_accuracy()}) {
    const FftSum fft(accuracy);
    EXPECT_LE(fft.accuracy(), accuracy);
    // No cheaper row (earlier in the table) would do.
    for (const FftAccuracyRow& row : FftSum::accuracy_table()) {
      if (row.parameters.spline_order == fft.parameters().spline_order &&
          row.parameters.points_per_sigma == fft.parameters().points_per_sigma)
        break;
      EXPECT_GT(row.measured_error, accuracy);
    }
  }
  EXPECT_TRUE(std::isnan(FftSum(FftParameters{14, 5.0}).accuracy()));  // not a table row
}

TEST(FftSum, BadInputsAreRejectedWithTheirName) {
  const auto message = [](auto&& make) {
    try {
      make();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(no exception)");
  };
  for (const double bad : {0.0, -1.0, 1.0, 2.0, 1e-13, std::numeric_limits<double>::quiet_NaN()})
    EXPECT_NE(message([&] { FftSum f(bad); }).find("accuracy"), std::string::npos) << bad;
  EXPECT_NE(message([] { FftSum f(FftParameters{7, 4.0}); }).find("spline_order = 7"), std::string::npos);
  EXPECT_NE(message([] { FftSum f(FftParameters{2, 4.0}); }).find("spline_order"), std::string::npos);
  EXPECT_NE(message([] { FftSum f(FftParameters{18, 4.0}); }).find("spline_order"), std::string::npos);
  EXPECT_NE(message([] { FftSum f(FftParameters{8, 0.5}); }).find("points_per_sigma"), std::string::npos);
}

TEST(FftSum, OtherKernelsNonFiniteInputAndHugeGridsUseTheExactEngines) {
  std::mt19937 rng(kSeed + 7);
  const std::vector<double> x = uniform(rng, 200, 0.0, 1.0), w = uniform(rng, 200, 0.5, 1.5);
  const PointSet p{x, 1};
  const FftSum fft;
  // A non-Gaussian kernel: DirectSum's loops, bit for bit.
  const auto dog = Dog4Mollifier(1, 0.05).self_convolution();
  std::vector<double> a(200), b(200);
  DirectSum{}.self_gradient(dog, p, w, a);
  fft.self_gradient(dog, p, w, b);
  EXPECT_EQ(a, b);
  // NaN in a coordinate propagates as in DirectSum.
  std::vector<double> xn = x;
  xn[5] = std::numeric_limits<double>::quiet_NaN();
  const GaussianKernel kernel(1, 0.05);
  DirectSum{}.self_potential(kernel, PointSet{xn, 1}, w, a);
  fft.self_potential(kernel, PointSet{xn, 1}, w, b);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(std::isnan(a[i]), std::isnan(b[i])) << i;
  // sigma = 1e-9 over [0, 1]: ~4e9 grid cells > kMaxGridPoints, so TruncatedSum (exact to round-off) runs.
  constexpr double kRoundOff = 1e-14;  // TruncatedSum's agreement with DirectSum (truncated_sum.hpp)
  const GaussianKernel tiny(1, 1e-9);
  DirectSum{}.self_potential(tiny, p, w, a);
  fft.self_potential(tiny, p, w, b);
  EXPECT_LE(relative_error(b, a), kRoundOff);
  // No sources: zeros.
  std::vector<double> none, y = {0.5}, out = {7.0};
  fft.potential(kernel, PointSet{y, 1}, PointSet{none, 1}, none, out);
  EXPECT_EQ(out[0], 0.0);
}

TEST(FftSum, EquationWithEngineFftMatchesDirectWithinTheDefaultAccuracy) {
  // The wpme velocity (rhobar == 1) on a wide-blob lattice: engine "fft" against engine "direct".
  const std::size_t n = 400;
  std::vector<double> x = lattice(1, n), masses(n, 1.0 / static_cast<double>(n));
  FieldSpec spec;
  spec.epsilon = 0.05;  // 20 spacings
  spec.engine = "direct";
  const auto direct = make_velocity_field(spec, masses);
  spec.engine = "fft";
  const auto fft = make_velocity_field(spec, masses);
  EXPECT_NE(fft->describe().find("fft"), std::string::npos) << fft->describe();
  std::vector<double> va(n), vb(n);
  direct->velocity(x, va);
  fft->velocity(x, vb);
  EXPECT_LE(relative_error(vb, va), FftSum::kDefaultAccuracy);
  EXPECT_NEAR(fft->energy(x), direct->energy(x), FftSum::kDefaultAccuracy * std::abs(direct->energy(x)));
}

TEST(FftSum, AutoPicksFftOnlyWhenTheRunAllowsItsErrorAndItIsMeasuredFaster) {
  FieldSpec spec;
  spec.engine = "auto";
  spec.particles = 1'000'000;
  spec.spacing = 1e-6;
  spec.epsilon = 0.1;  // wide blobs: ~2.5e5 particles within the cutoff
  EXPECT_NE(resolve_engine(spec), "fft");  // engine_accuracy = 0: round-off requested, never the non-exact engine
  spec.engine_accuracy = 1e-6;
  EXPECT_EQ(resolve_engine(spec), "fft");
  spec.dimension = 2;
  spec.particles = 250'000;
  spec.spacing = 2e-3;
  EXPECT_EQ(resolve_engine(spec), "fft");
  spec.dimension = 3;  // not measured in 3D: the exact engines
  EXPECT_NE(resolve_engine(spec), "fft");
  spec.dimension = 1;
  spec.particles = 800;  // a typical 1D study: N = 800, eps = 4h; simd's N^2 / 2 pairs are cheaper
  spec.spacing = 1.0 / 800;
  spec.epsilon = 4.0 * spec.spacing;
  EXPECT_NE(resolve_engine(spec), "fft");
  spec.particles = 1'000'000;
  spec.spacing = 1e-6;
  spec.epsilon = 0.1;
  spec.mollifier = "laguerre4";  // fft accelerates the Gaussian only
  EXPECT_NE(resolve_engine(spec), "fft");
  spec.mollifier = "gaussian";
  spec.interaction.kind = "newtonian";
  EXPECT_EQ(resolve_engine(spec), "direct");
}

TEST(FftSum, FieldRejectsAnEngineAccuracyOutsideTheTable) {
  FieldSpec spec;
  spec.engine = "fft";
  for (const double bad : {-1.0, 1e-13, 1.0}) {
    spec.engine_accuracy = bad;
    try {
      (void)make_velocity_field(spec, std::vector<double>(10, 0.1));
      ADD_FAILURE() << "engine_accuracy = " << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("engine_accuracy"), std::string::npos) << e.what();
    }
  }
  spec.engine_accuracy = 1e-6;
  EXPECT_NO_THROW((void)make_velocity_field(spec, std::vector<double>(10, 0.1)));
}

}  // namespace
}  // namespace blobflow
