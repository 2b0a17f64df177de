// Unit tests of the cutoff summation engine (truncated_sum.hpp) and of GaussianKernel::truncation_radius
// (mollifier.hpp). TruncatedSum must equal DirectSum, the brute-force reference, to round-off: all four sums in
// d = 1, 2, 3, unequal random weights, blob widths from 0.3 to 20 particle spacings and blobs wider than the data,
// target sets different from the source set, duplicate points, clustered data with a remote cluster, up to a few
// thousand points; plus the edge cases (every pair beyond the cutoff, one particle, no particles, non-finite input)
// and the equations of equations.hpp with either engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numbers>
#include <sstream>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/equations.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/truncated_sum.hpp"
#include "unit/solvers/engine_checks.hpp"

namespace blobflow {
namespace {

using engine_checks::uniform;

/// Both engines add at most a few thousand terms per target, in different orders: the difference is a few ulps of
/// the sum of |terms| per term in the worst case, ~1e-15 in practice; 1e-13 is ~900 ulps.
constexpr double kRoundOffTolerance = 1e-13;
/// The engine's tolerance: each skipped term is below 1e-17 of the largest possible term of its source.
constexpr double kTruncationTolerance = TruncatedSum::kDefaultRelativeTolerance;
/// Pairs within this relative distance of the cutoff may fall either side of it after rounding (of y +- R, of r^2).
constexpr double kCutoffRounding = 1e-9;
constexpr unsigned kSeed = 20261128;

/// Per target (potential) and per target coordinate (gradient): the sum of |terms| over all sources, and over the
/// sources the engine may skip (|y - x| > R up to rounding). Written independently of both engines.
struct ErrorScale {
  std::vector<double> potential, gradient;                  // sum of |terms|
  std::vector<double> potential_skipped, gradient_skipped;  // sum of |terms| beyond the cutoff
};

ErrorScale error_scale(const GaussianKernel& kernel, int dim, const std::vector<double>& y,
                       const std::vector<double>& x, const std::vector<double>& w) {
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n_targets = y.size() / d, n_sources = x.size() / d;
  const double radius = kernel.truncation_radius(kTruncationTolerance);
  const double r2_skipped = (1.0 - kCutoffRounding) * radius * radius;
  ErrorScale s{std::vector<double>(n_targets), std::vector<double>(y.size()), std::vector<double>(n_targets),
               std::vector<double>(y.size())};
  for (std::size_t i = 0; i < n_targets; ++i)
    for (std::size_t j = 0; j < n_sources; ++j) {
      double r2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) r2 += (y[i * d + k] - x[j * d + k]) * (y[i * d + k] - x[j * d + k]);
      const double p = std::abs(w[j] * kernel.value(r2));
      s.potential[i] += p;
      if (r2 > r2_skipped) s.potential_skipped[i] += p;
      for (std::size_t k = 0; k < d; ++k) {
        const double g = std::abs(w[j] * kernel.gradient_factor(r2) * (y[i * d + k] - x[j * d + k]));
        s.gradient[i * d + k] += g;
        if (r2 > r2_skipped) s.gradient_skipped[i * d + k] += g;
      }
    }
  return s;
}

/// What the comparison allows: round-off of the sum of |terms| per target, or that plus the terms beyond the
/// cutoff (which are each below 1e-17 of their source's peak, but need not be below round-off of a target's own sum
/// when the target lies in the far tail of every source, e.g. isolated points with sigma < h).
enum class Allowed { kRoundOff, kRoundOffAndSkippedTail };

/// Checks |a - b| <= kRoundOffTolerance scale (+ skipped) entrywise. Returns max_i |a_i - b_i| / scale_i over the
/// entries whose skipped tail is below the unit round-off u of scale_i (all entries when nothing is skipped).
double check_entries(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& scale,
                     const std::vector<double>& skipped, Allowed allowed, const std::string& what) {
  constexpr double kUnitRoundOff = std::numeric_limits<double>::epsilon() / 2.0;
  double e = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double error = std::abs(a[i] - b[i]);
    const double bound = kRoundOffTolerance * scale[i] + (allowed == Allowed::kRoundOff ? 0.0 : skipped[i]);
    EXPECT_LE(error, bound) << what << ", entry " << i << ": " << a[i] << " vs " << b[i];
    if (error > bound) break;  // one failure per sum is enough to read
    if (skipped[i] <= kUnitRoundOff * scale[i]) e = std::max(e, error / scale[i]);
  }
  return e;
}

/// For RecordProperty: 1.2e-15 rather than std::to_string's 0.000000.
std::string scientific(double v) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(1) << v;
  return s.str();
}

/// All four sums of TruncatedSum against DirectSum for targets y and sources x; returns the largest error relative
/// to the sum of |terms|.
double expect_truncated_matches_direct(const GaussianKernel& kernel, int dim, const std::vector<double>& y,
                                       const std::vector<double>& x, const std::vector<double>& w, Allowed allowed,
                                       const std::string& what) {
  const PointSet targets{y, dim}, sources{x, dim};
  const DirectSum direct;
  const TruncatedSum truncated;
  std::vector<double> p_direct(targets.size()), p_truncated(targets.size());
  std::vector<double> g_direct(y.size()), g_truncated(y.size());
  std::vector<double> sp_direct(sources.size()), sp_truncated(sources.size());
  std::vector<double> sg_direct(x.size()), sg_truncated(x.size());
  direct.potential(kernel, targets, sources, w, p_direct);
  truncated.potential(kernel, targets, sources, w, p_truncated);
  direct.gradient(kernel, targets, sources, w, g_direct);
  truncated.gradient(kernel, targets, sources, w, g_truncated);
  direct.self_potential(kernel, sources, w, sp_direct);
  truncated.self_potential(kernel, sources, w, sp_truncated);
  direct.self_gradient(kernel, sources, w, sg_direct);
  truncated.self_gradient(kernel, sources, w, sg_truncated);

  const ErrorScale s = error_scale(kernel, dim, y, x, w);
  const ErrorScale self = error_scale(kernel, dim, x, x, w);
  const std::string where = ", d = " + std::to_string(dim) + ", " + what;
  return std::max(
      {check_entries(p_truncated, p_direct, s.potential, s.potential_skipped, allowed, "potential" + where),
       check_entries(g_truncated, g_direct, s.gradient, s.gradient_skipped, allowed, "gradient" + where),
       check_entries(sp_truncated, sp_direct, self.potential, self.potential_skipped, allowed, "self_potential" + where),
       check_entries(sg_truncated, sg_direct, self.gradient, self.gradient_skipped, allowed, "self_gradient" + where)});
}

std::string sigma_in_spacings(double width) {
  std::ostringstream s;
  s << "sigma = " << width << " h";
  return s.str();
}

/// n_side^d points of a lattice of spacing h = 2 / n_side filling [-1, 1]^d, each moved by up to h/4 per
/// coordinate; the last n / 20 replaced by exact copies of earlier ones (duplicates).
std::vector<double> jittered_lattice_with_duplicates(std::mt19937& rng, std::size_t n_side, int dim) {
  const auto d = static_cast<std::size_t>(dim);
  const double h = 2.0 / static_cast<double>(n_side);
  std::size_t n = 1;
  for (int k = 0; k < dim; ++k) n *= n_side;
  std::uniform_real_distribution<double> jitter(-0.25 * h, 0.25 * h);
  std::vector<double> x(n * d);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = 0, rest = j; k < d; ++k, rest /= n_side)
      x[j * d + k] = -1.0 + (static_cast<double>(rest % n_side) + 0.5) * h + jitter(rng);
  const std::size_t n_copies = n / 20;
  std::uniform_int_distribution<std::size_t> pick(0, n - n_copies - 1);
  for (std::size_t i = n - n_copies; i < n; ++i) {
    const std::size_t j = pick(rng);
    for (std::size_t k = 0; k < d; ++k) x[i * d + k] = x[j * d + k];
  }
  return x;
}

/// n points uniform in [-1, 1]^d, the last n / 20 exact copies of earlier ones (duplicates).
std::vector<double> uniform_with_duplicates(std::mt19937& rng, std::size_t n, int dim) {
  const auto d = static_cast<std::size_t>(dim);
  std::vector<double> x = uniform(rng, n * d, -1.0, 1.0);
  const std::size_t n_copies = n / 20;
  std::uniform_int_distribution<std::size_t> pick(0, n - n_copies - 1);
  for (std::size_t i = n - n_copies; i < n; ++i) {
    const std::size_t j = pick(rng);
    for (std::size_t k = 0; k < d; ++k) x[i * d + k] = x[j * d + k];
  }
  return x;
}

/// n_targets targets, a set different from the sources x: a third exact copies of sources, a third sources moved by
/// up to `jitter` per coordinate, a third uniform in the sources' bounding box enlarged by `margin` of its size per
/// side (with narrow blobs or a margin, some of those lie far from every source).
std::vector<double> targets_near(std::mt19937& rng, const std::vector<double>& x, std::size_t n_targets, int dim,
                                 double jitter, double margin) {
  const auto d = static_cast<std::size_t>(dim);
  const std::size_t n_sources = x.size() / d;
  std::vector<double> lo(d, std::numeric_limits<double>::infinity()), hi(d, -lo[0]);
  for (std::size_t j = 0; j < n_sources; ++j)
    for (std::size_t k = 0; k < d; ++k) {
      lo[k] = std::min(lo[k], x[j * d + k]);
      hi[k] = std::max(hi[k], x[j * d + k]);
    }
  std::uniform_int_distribution<std::size_t> pick(0, n_sources - 1);
  std::uniform_real_distribution<double> move(-jitter, jitter), unit(-margin, 1.0 + margin);
  std::vector<double> y(n_targets * d);
  for (std::size_t i = 0; i < n_targets; ++i) {
    const std::size_t j = pick(rng);
    for (std::size_t k = 0; k < d; ++k) {
      if (i % 3 == 0) y[i * d + k] = x[j * d + k];
      else if (i % 3 == 1) y[i * d + k] = x[j * d + k] + move(rng);
      else y[i * d + k] = lo[k] + unit(rng) * (hi[k] - lo[k]);
    }
  }
  return y;
}

/// A blob wider than every data set here: all pairs lie within the cutoff.
constexpr double kWideBlob = 100.0;

TEST(TruncatedSum, MatchesDirectSumToRoundOffWhenBlobsAreAtLeastOneSpacingWide) {
  // Jittered lattices with duplicates, targets among and between the sources: every target has a source within
  // about one spacing h <= sigma, so the skipped tail (< 1e-17 of the peak per source) is far below round-off of
  // each target's own sum, and the error relative to the sum of |terms| is round-off alone.
  std::mt19937 rng(kSeed);
  const std::size_t n_sides[] = {0, 1200, 30, 9};
  for (int dim = 1; dim <= 3; ++dim) {
    const std::size_t n_side = n_sides[dim];
    const double h = 2.0 / static_cast<double>(n_side);
    const std::vector<double> x = jittered_lattice_with_duplicates(rng, n_side, dim);
    const std::vector<double> w = uniform(rng, x.size() / static_cast<std::size_t>(dim), 0.1, 2.0);
    const std::vector<double> y = targets_near(rng, x, x.size() / static_cast<std::size_t>(3 * dim), dim, 0.5 * h,
                                               0.0);
    double max_error = 0.0;
    for (const double width : {1.0, 4.0, 20.0})
      max_error = std::max(max_error, expect_truncated_matches_direct(GaussianKernel(dim, width * h), dim, y, x, w,
                                                                      Allowed::kRoundOff, sigma_in_spacings(width)));
    max_error = std::max(max_error, expect_truncated_matches_direct(GaussianKernel(dim, kWideBlob), dim, y, x, w,
                                                                    Allowed::kRoundOff, "blob wider than the data"));
    RecordProperty("max_relative_error_lattice_d" + std::to_string(dim), scientific(max_error));
  }
}

TEST(TruncatedSum, MatchesDirectSumToRoundOffForAFewThousandPointsInOneDimension) {
  std::mt19937 rng(kSeed + 1);
  const std::size_t n = 4000;
  const double h = 2.0 / static_cast<double>(n);
  const std::vector<double> x = jittered_lattice_with_duplicates(rng, n, 1);
  const std::vector<double> w = uniform(rng, n, 0.1, 2.0);
  const std::vector<double> y = targets_near(rng, x, 1000, 1, 0.5 * h, 0.0);
  // sqrt(2) 4 h: psi = zeta * zeta of a Gaussian mollifier with eps = 4 h, the blob-method scaling.
  for (const double width : {1.0, 4.0 * std::numbers::sqrt2})
    expect_truncated_matches_direct(GaussianKernel(1, width * h), 1, y, x, w, Allowed::kRoundOff,
                                    "N = 4000, " + sigma_in_spacings(width));
}

TEST(TruncatedSum, DiffersFromDirectSumOnlyByRoundOffAndTheSkippedTailOnUniformAndClusteredData) {
  // Uniform random sources (gaps of several h) and clustered ones (three Gaussian clusters of widths 0.1, 0.02 and
  // 0.002 in [-1, 1]^d and a fourth 30 away along the first axis: a sparse, mostly empty cell grid), targets up to
  // 10% outside the data, sigma from 0.3 h: some targets lie in the far tail of every source, where the skipped
  // terms are not below round-off of their own tiny sums; everywhere else the error is round-off.
  std::mt19937 rng(kSeed + 2);
  const std::size_t n_points[] = {0, 1200, 800, 600};
  const double centres[] = {-0.5, 0.3, 0.31, 30.0}, widths[] = {0.1, 0.02, 0.002, 0.05};
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n = n_points[dim];
    const double h = 2.0 / std::pow(static_cast<double>(n), 1.0 / dim);
    std::vector<double> clustered(n * d);
    for (std::size_t j = 0; j < n; ++j) {
      std::normal_distribution<double> cluster(0.0, widths[j % 4]);
      for (std::size_t k = 0; k < d; ++k)
        clustered[j * d + k] = (k == 0 ? centres[j % 4] : 0.1 * centres[j % 4]) + cluster(rng);
    }
    for (const auto& [x, name] : {std::pair{uniform_with_duplicates(rng, n, dim), "uniform"},
                                  std::pair{clustered, "clustered"}}) {
      const std::vector<double> w = uniform(rng, n, 0.1, 2.0);
      const std::vector<double> y = targets_near(rng, x, n / 3, dim, 0.5 * h, 0.05);
      double max_error = 0.0;
      for (const double width : {0.3, 1.0, 4.0, 20.0})
        max_error = std::max(max_error,
                             expect_truncated_matches_direct(GaussianKernel(dim, width * h), dim, y, x, w,
                                                             Allowed::kRoundOffAndSkippedTail,
                                                             std::string(name) + ", " + sigma_in_spacings(width)));
      max_error = std::max(max_error, expect_truncated_matches_direct(GaussianKernel(dim, kWideBlob), dim, y, x, w,
                                                                      Allowed::kRoundOff,
                                                                      std::string(name) + ", blob wider than the data"));
      RecordProperty(std::string("max_relative_error_") + name + "_d" + std::to_string(dim), scientific(max_error));
    }
  }
}

TEST(TruncatedSum, EveryPairBeyondTheCutoffGivesExactlyZeroBesidesTheSelfTerms) {
  // Sources on a lattice of spacing 3 R, targets at the centres of the lattice cells (1.5 R from every source in
  // each coordinate) and far outside: nothing is within the cutoff, so the sums are exactly 0, and the self sums
  // are exactly the j = i terms w_i K(0) and grad K(0) = 0.
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const GaussianKernel kernel(dim, 0.7);
    const TruncatedSum engine;
    const double radius = engine.cutoff_radius(kernel);
    const std::size_t n_side = 4;
    std::size_t n = 1;
    for (int k = 0; k < dim; ++k) n *= n_side;
    std::vector<double> x(n * d), y((n + 1) * d);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t k = 0, rest = j; k < d; ++k, rest /= n_side) {
        x[j * d + k] = 3.0 * radius * static_cast<double>(rest % n_side);
        y[j * d + k] = x[j * d + k] + 1.5 * radius;
      }
    for (std::size_t k = 0; k < d; ++k) y[n * d + k] = -1e6;
    std::vector<double> w(n);
    for (std::size_t j = 0; j < n; ++j) w[j] = 0.5 + static_cast<double>(j);

    const PointSet sources{x, dim}, targets{y, dim};
    std::vector<double> p(n + 1, -1.0), g((n + 1) * d, -1.0), sp(n, -1.0), sg(n * d, -1.0);
    engine.potential(kernel, targets, sources, w, p);
    engine.gradient(kernel, targets, sources, w, g);
    engine.self_potential(kernel, sources, w, sp);
    engine.self_gradient(kernel, sources, w, sg);
    for (double v : p) EXPECT_EQ(v, 0.0) << "d = " << dim;
    for (double v : g) EXPECT_EQ(v, 0.0) << "d = " << dim;
    for (std::size_t j = 0; j < n; ++j) EXPECT_EQ(sp[j], w[j] * kernel.value(0.0)) << "d = " << dim;
    for (double v : sg) EXPECT_EQ(v, 0.0) << "d = " << dim;
  }
}

TEST(TruncatedSum, SingleParticleSumsEqualDirectSum) {
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const GaussianKernel kernel(dim, 0.25);
    const std::vector<double> x(d, 0.3), w = {1.7};
    // Targets at distances 0, 0.1, 1, 2.2 (< R ~ 2.21) and 3 (> R) along the first axis.
    std::vector<double> y;
    for (const double r : {0.0, 0.1, 1.0, 2.2, 3.0})
      for (std::size_t k = 0; k < d; ++k) y.push_back(k == 0 ? 0.3 + r : 0.3);
    const PointSet sources{x, dim}, targets{y, dim};
    const TruncatedSum engine;
    const DirectSum direct;
    std::vector<double> p(5), pd(5), g(5 * d), gd(5 * d), sp(1), sg(d);
    engine.potential(kernel, targets, sources, w, p);
    direct.potential(kernel, targets, sources, w, pd);
    engine.gradient(kernel, targets, sources, w, g);
    direct.gradient(kernel, targets, sources, w, gd);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(p[i], pd[i]) << "d = " << dim << ", i = " << i;  // the same term
    for (std::size_t i = 0; i < 4 * d; ++i) EXPECT_EQ(g[i], gd[i]) << "d = " << dim << ", entry " << i;
    EXPECT_EQ(p[4], 0.0);
    EXPECT_LE(pd[4], kTruncationTolerance * w[0] * kernel.value(0.0));  // what was skipped is below the bound
    engine.self_potential(kernel, sources, w, sp);
    engine.self_gradient(kernel, sources, w, sg);
    EXPECT_EQ(sp[0], w[0] * kernel.value(0.0));
    for (double v : sg) EXPECT_EQ(v, 0.0);
  }
}

TEST(TruncatedSum, NoSourcesGiveZeroAndNoTargetsAreFine) {
  const GaussianKernel kernel(2, 0.1);
  const std::vector<double> none, y = {0.0, 0.0, 1.0, 1.0};
  std::vector<double> p(2, -1.0), g(4, -1.0), nothing;
  const TruncatedSum engine;
  engine.potential(kernel, PointSet{y, 2}, PointSet{none, 2}, none, p);
  engine.gradient(kernel, PointSet{y, 2}, PointSet{none, 2}, none, g);
  for (double v : p) EXPECT_EQ(v, 0.0);
  for (double v : g) EXPECT_EQ(v, 0.0);
  engine.self_potential(kernel, PointSet{none, 2}, none, nothing);
  engine.potential(kernel, PointSet{none, 2}, PointSet{y, 2}, std::vector<double>{1.0, 1.0}, nothing);
}

TEST(TruncatedSum, NonFiniteCoordinatesPropagateExactlyAsInDirectSum) {
  // The velocity-field contract: non-finite x gives non-finite v, never an exception or a wrong finite value.
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    std::mt19937 rng(kSeed + 3);
    const GaussianKernel kernel(dim, 0.2);
    for (const double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
      std::vector<double> x = uniform(rng, 20 * d, -1.0, 1.0);
      x[7 * d] = bad;
      const std::vector<double> w = uniform(rng, 20, 0.1, 2.0);
      std::vector<double> g(x.size()), gd(x.size()), p(20), pd(20);
      TruncatedSum().self_gradient(kernel, PointSet{x, dim}, w, g);
      DirectSum().self_gradient(kernel, PointSet{x, dim}, w, gd);
      TruncatedSum().self_potential(kernel, PointSet{x, dim}, w, p);
      DirectSum().self_potential(kernel, PointSet{x, dim}, w, pd);
      for (std::size_t i = 0; i < g.size(); ++i)
        EXPECT_TRUE(g[i] == gd[i] || (std::isnan(g[i]) && std::isnan(gd[i]))) << "d = " << dim << ", entry " << i;
      for (std::size_t i = 0; i < p.size(); ++i)
        EXPECT_TRUE(p[i] == pd[i] || (std::isnan(p[i]) && std::isnan(pd[i]))) << "d = " << dim << ", i = " << i;
      EXPECT_FALSE(std::all_of(g.begin(), g.end(), [](double v) { return std::isfinite(v); }));
    }
  }
}

TEST(TruncatedSum, RepeatedCallsGiveBitwiseIdenticalResults) {
  std::mt19937 rng(kSeed + 4);
  const GaussianKernel kernel(2, 0.05);
  const std::vector<double> x = uniform(rng, 2 * 500, -1.0, 1.0), w = uniform(rng, 500, 0.1, 2.0);
  std::vector<double> a(x.size()), b(x.size());
  const TruncatedSum engine;
  engine.self_gradient(kernel, PointSet{x, 2}, w, a);
  engine.self_gradient(kernel, PointSet{x, 2}, w, b);
  EXPECT_EQ(a, b);
}

TEST(TruncatedSum, RejectsRelativeToleranceOutsideZeroOne) {
  for (const double bad : {0.0, -1e-17, 1.0, 2.0, std::numeric_limits<double>::quiet_NaN()})
    EXPECT_THROW(TruncatedSum{bad}, std::invalid_argument) << bad;
  EXPECT_EQ(TruncatedSum{}.relative_tolerance(), TruncatedSum::kDefaultRelativeTolerance);
  EXPECT_EQ(TruncatedSum{1e-8}.relative_tolerance(), 1e-8);
}

TEST(GaussianKernel, TruncationRadiusBoundsValueGradientFactorAndFullGradient) {
  // Round-off of exp, log and sqrt near the radius: a few ulps; 1e-13 relative.
  constexpr double kFormulaTolerance = 1e-13;
  for (int dim = 1; dim <= 3; ++dim)
    for (const double sigma : {1e-3, 0.5, 7.0})
      for (const double tol : {1e-17, 1e-8, 0.01, 0.5}) {
        const GaussianKernel kernel(dim, sigma);
        const double radius = kernel.truncation_radius(tol);
        const double r2 = radius * radius;
        EXPECT_NEAR(kernel.value(r2) / kernel.value(0.0), tol, kFormulaTolerance * tol);
        EXPECT_NEAR(kernel.gradient_factor(r2) / kernel.gradient_factor(0.0), tol, kFormulaTolerance * tol);
        // Beyond R the full gradient |x| |g(|x|^2)| stays below tol R |g(0)| (it is not monotone below sigma).
        for (double r = radius; r < 3.0 * radius; r += 0.01 * radius)
          EXPECT_LE(r * std::abs(kernel.gradient_factor(r * r)),
                    (1.0 + kFormulaTolerance) * tol * radius * std::abs(kernel.gradient_factor(0.0)))
              << "r = " << r << ", sigma = " << sigma << ", tol = " << tol;
      }
  // Above exp(-1/2) the radius is held at sigma, where the full gradient peaks, so the last bound still holds.
  EXPECT_EQ(GaussianKernel(1, 2.0).truncation_radius(0.9), 2.0);
  // The default of the engine: R = sigma sqrt(2 ln 1e17) ~ 8.85 sigma.
  EXPECT_NEAR(GaussianKernel(2, 1.0).truncation_radius(TruncatedSum::kDefaultRelativeTolerance), 8.848, 1e-3);
}

TEST(GaussianKernel, TruncationRadiusRejectsToleranceOutsideZeroOne) {
  const GaussianKernel kernel(1, 1.0);
  for (const double bad : {0.0, -0.5, 1.0, 3.0, std::numeric_limits<double>::quiet_NaN()})
    EXPECT_THROW((void)kernel.truncation_radius(bad), std::invalid_argument) << bad;
}

template <class Field>
void expect_fields_agree(const Field& truncated, const VelocityField& direct, const std::vector<double>& x,
                         const std::string& what) {
  std::vector<double> v(x.size()), vd(x.size());
  truncated.velocity(x, v);
  direct.velocity(x, vd);
  double v_max = 0.0, diff = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    v_max = std::max(v_max, std::abs(vd[i]));
    diff = std::max(diff, std::abs(v[i] - vd[i]));
  }
  EXPECT_LE(diff, kRoundOffTolerance * v_max) << what;
  const double e = truncated.energy(x), ed = direct.energy(x);
  EXPECT_NEAR(e, ed, kRoundOffTolerance * std::abs(ed)) << what;
  EXPECT_NE(truncated.describe().find("engine truncated"), std::string::npos) << truncated.describe();
}

TEST(WpmeUniformTarget, TruncatedEngineGivesTheDirectVelocityAndEnergyToRoundOff) {
  // Particles on a jittered lattice over [-1, 1]^d with h = 2 / n_side, eps = 2 h, unequal masses.
  std::mt19937 rng(kSeed + 5);
  const std::size_t n_sides[] = {0, 500, 24, 9};
  for (int dim = 1; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    const std::size_t n_side = n_sides[dim];
    const double h = 2.0 / static_cast<double>(n_side);
    std::size_t n = 1;
    for (int k = 0; k < dim; ++k) n *= n_side;
    std::uniform_real_distribution<double> jitter(-0.3 * h, 0.3 * h);
    std::vector<double> x(n * d);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t k = 0, rest = j; k < d; ++k, rest /= n_side)
        x[j * d + k] = -1.0 + (static_cast<double>(rest % n_side) + 0.5) * h + jitter(rng);
    const std::vector<double> masses = uniform(rng, n, 0.5, 1.5);
    const GaussianMollifier zeta(dim, 2.0 * h);
    const WpmeUniformTarget<GaussianMollifier, TruncatedSum> truncated(zeta, masses);
    const WpmeUniformTarget<GaussianMollifier> direct(zeta, masses);
    expect_fields_agree(truncated, direct, x, "wpme, d = " + std::to_string(dim));
    const CcpPorousMedium<GaussianMollifier, TruncatedSum> pme_truncated(zeta, masses, 3.0);
    const CcpPorousMedium<GaussianMollifier> pme_direct(zeta, masses, 3.0);
    expect_fields_agree(pme_truncated, pme_direct, x, "pme m = 3, d = " + std::to_string(dim));
  }
}

}  // namespace
}  // namespace blobflow
