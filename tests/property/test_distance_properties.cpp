// Metric properties of the Wasserstein distances on random data (RapidCheck, RC_ASSERT only): symmetry, zero on equal
// measures, the triangle inequality, W1 <= W2 <= W-inf (1D), the scaling law W(s mu, s nu) = |s| W(mu, nu) and the
// translation law W(mu + v, nu + v) = W(mu, nu), for the exact 1D distances (wasserstein1d.hpp) and the exact
// discrete W2 in 2D (wasserstein2d.hpp). Coordinates and weights are drawn on integer grids (RapidCheck has no bounded
// real generator), so shrinking moves them towards simple values.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/analysis/wasserstein2d.hpp"

namespace blobflow::analysis {
namespace {

/// Distances of O(1) from O(100) rounded terms (1D), or from weights and costs rounded to ~2^-50 of their totals
/// (2D, see wasserstein2d.hpp): far below 1e-9 relative to the largest distance involved.
constexpr double kRelativeTolerance = 1e-9;
constexpr int kMaxPoints = 12;     // per measure: the 2D simplex stays fast for 1000 cases
constexpr int kGrid = 1000;        // coordinates in {-kGrid..kGrid} / 100
constexpr double kGridStep = 0.01;
constexpr int kMaxWeight = 100;    // weights in {1..kMaxWeight}

/// A weighted point set in R^d, coordinates flat.
struct Measure {
  int d = 1;
  std::vector<double> x;
  std::vector<double> w;
};

/// An integer uniform on [lo, hi), at RapidCheck's full size so that early cases cover the whole range.
rc::Gen<int> uniform_integer(int lo, int hi) {
  constexpr int kFullSize = 100;  // rc::kNominalSize
  return rc::gen::resize(kFullSize, rc::gen::inRange(lo, hi));
}

Measure draw_measure(int d) {
  Measure m;
  m.d = d;
  const auto n = static_cast<std::size_t>(*uniform_integer(1, kMaxPoints + 1));
  for (const int c : *rc::gen::container<std::vector<int>>(n * static_cast<std::size_t>(d),
                                                           uniform_integer(-kGrid, kGrid + 1)))
    m.x.push_back(c * kGridStep);
  for (const int w : *rc::gen::container<std::vector<int>>(n, uniform_integer(1, kMaxWeight + 1)))
    m.w.push_back(static_cast<double>(w));
  return m;
}

/// x -> scale x + shift (1, 2)[:d]: in 1D a translation by shift, in 2D by (shift, 2 shift).
Measure transformed(const Measure& m, double scale, double shift) {
  Measure t = m;
  const auto d = static_cast<std::size_t>(t.d);
  for (std::size_t k = 0; k < t.x.size(); ++k) t.x[k] = scale * t.x[k] + shift * static_cast<double>(k % d + 1);
  return t;
}

double w2_2d(const Measure& a, const Measure& b) { return wasserstein2_discrete(2, a.x, a.w, b.x, b.w); }
WassersteinDistances w_1d(const Measure& a, const Measure& b) { return wasserstein_1d(a.x, a.w, b.x, b.w); }

bool close(double a, double b, double scale) { return std::abs(a - b) <= kRelativeTolerance * std::max(1.0, scale); }

double draw_scale() { return *uniform_integer(-300, 301) / 100.0; }
double draw_shift() { return *uniform_integer(-500, 501) / 100.0; }

RC_GTEST_PROP(DistanceProperty, TwoDimensionalW2IsAMetric, ()) {
  const Measure a = draw_measure(2), b = draw_measure(2), c = draw_measure(2);
  const double ab = w2_2d(a, b), ba = w2_2d(b, a), bc = w2_2d(b, c), ac = w2_2d(a, c);
  RC_ASSERT(close(ab, ba, ab));
  RC_ASSERT(w2_2d(a, a) == 0.0);
  RC_ASSERT(ac <= ab + bc + kRelativeTolerance * std::max(1.0, ab + bc));
}

RC_GTEST_PROP(DistanceProperty, TwoDimensionalW2ScalesAndIsTranslationInvariant, ()) {
  const Measure a = draw_measure(2), b = draw_measure(2);
  const double s = draw_scale(), v = draw_shift();
  const double ab = w2_2d(a, b);
  RC_ASSERT(close(w2_2d(transformed(a, s, 0.0), transformed(b, s, 0.0)), std::abs(s) * ab, ab));
  RC_ASSERT(close(w2_2d(transformed(a, 1.0, v), transformed(b, 1.0, v)), ab, ab));
  // Translating one measure of a pair of equal measures by (v, 2v) moves it by exactly sqrt(5) |v|.
  RC_ASSERT(close(w2_2d(a, transformed(a, 1.0, v)), std::sqrt(5.0) * std::abs(v), std::abs(v)));
}

RC_GTEST_PROP(DistanceProperty, OneDimensionalDistancesAreOrderedMetrics, ()) {
  const Measure a = draw_measure(1), b = draw_measure(1), c = draw_measure(1);
  const WassersteinDistances ab = w_1d(a, b), ba = w_1d(b, a), bc = w_1d(b, c), ac = w_1d(a, c), aa = w_1d(a, a);
  RC_ASSERT(ab.w1 <= ab.w2 * (1.0 + kRelativeTolerance));
  RC_ASSERT(ab.w2 <= ab.winf * (1.0 + kRelativeTolerance));
  RC_ASSERT(close(ab.w1, ba.w1, ab.w1) && close(ab.w2, ba.w2, ab.w2) && ab.winf == ba.winf);
  RC_ASSERT(aa.w1 == 0.0 && aa.w2 == 0.0 && aa.winf == 0.0);
  RC_ASSERT(ac.w1 <= ab.w1 + bc.w1 + kRelativeTolerance * std::max(1.0, ab.w1 + bc.w1));
  RC_ASSERT(ac.w2 <= ab.w2 + bc.w2 + kRelativeTolerance * std::max(1.0, ab.w2 + bc.w2));
  RC_ASSERT(ac.winf <= ab.winf + bc.winf + kRelativeTolerance * std::max(1.0, ab.winf + bc.winf));
}

RC_GTEST_PROP(DistanceProperty, OneDimensionalDistancesScaleAndAreTranslationInvariant, ()) {
  const Measure a = draw_measure(1), b = draw_measure(1);
  const double s = draw_scale(), v = draw_shift();
  const WassersteinDistances ab = w_1d(a, b);
  const WassersteinDistances scaled = w_1d(transformed(a, s, 0.0), transformed(b, s, 0.0));
  const WassersteinDistances moved = w_1d(transformed(a, 1.0, v), transformed(b, 1.0, v));
  RC_ASSERT(close(scaled.w1, std::abs(s) * ab.w1, ab.w1) && close(scaled.w2, std::abs(s) * ab.w2, ab.w2) &&
            close(scaled.winf, std::abs(s) * ab.winf, ab.winf));
  RC_ASSERT(close(moved.w1, ab.w1, ab.w1) && close(moved.w2, ab.w2, ab.w2) && close(moved.winf, ab.winf, ab.winf));
  const WassersteinDistances shift = w_1d(a, transformed(a, 1.0, v));  // 1D: every point moves by v
  RC_ASSERT(close(shift.w1, std::abs(v), std::abs(v)) && close(shift.w2, std::abs(v), std::abs(v)) &&
            close(shift.winf, std::abs(v), std::abs(v)));
}

}  // namespace
}  // namespace blobflow::analysis
