// Unit tests of the high-order and compactly supported mollifiers (mollifiers.hpp, mollifiers.cpp), every kernel in
// d = 1, 2, 3, against quadratures written here independently of the library:
//   - unit mass, vanishing moments int |x|^j zeta = 0 for 2 <= j < order and the first nonzero moment
//     (docs/math.md §5.1; the [D] values of §5.2 and the closed forms derived in mollifiers.hpp), for zeta and for
//     psi = zeta * zeta;
//   - gradient_factor against a fourth-order central difference of value, for zeta and psi;
//   - psi = zeta * zeta against a numerical convolution at several radii: closed forms (Laguerre-Gaussian, DoG) and
//     the radial tables (Wendland C2, C4, cubic B-spline) to a relative 1e-12 of psi(0);
//   - exact compact support, the truncation radius, the docs/math.md base scaling of §5.2 and §5.3, and bad inputs.
// The reference convolutions use other coordinates than the table builder: an exact piecewise Gauss-Legendre rule
// in d = 1, Cartesian iterated integrals in d = 2, and the distance form (2 pi / r) int s z(s) int t z(t) dt ds in
// d = 3 (polynomial pieces, hence exact, for the compact kernels).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "blobflow/solvers/mollifiers.hpp"

namespace blobflow {
namespace {

/// Moments by composite Gauss-Legendre: exact for the piecewise polynomials, and for the Gaussian families the
/// pieces (eps/4 wide, 24 points) resolve exp(-|x|^2/(2 eps^2)) to round-off; the integrals of sign-changing kernels
/// cancel, so the error is measured against int |x|^j |zeta|: a few 1e-16 per piece summed over ~160 pieces.
constexpr double kMomentTolerance = 1e-12;
/// The closed forms of psi are exact and the tables are built to 1e-12 psi(0) (measured 8e-15, mollifiers.cpp);
/// the reference quadratures here agree with themselves at twice the points to ~1e-15.
constexpr double kConvolutionTolerance = 1e-12;
/// Fourth-order central difference with h = 1e-3 eps: truncation (h/eps)^4 |K^(5)| eps^5 / 30 ~ 1e-12 * 30 K(0)/eps
/// for the steepest kernel (laguerre8) and round-off 1.5 eps_mach K(0) / h ~ 2e-13 K(0)/eps, so 1e-9 K(0)/eps leaves
/// room for kernels whose derivatives are 100 times steeper than that estimate.
constexpr double kFdStepInEps = 1e-3;
constexpr double kFdTolerance = 1e-9;
/// The docs/math.md §5.2/§5.3 formulas re-evaluated in another order: a few ulps of the value at 0.
constexpr double kFormulaTolerance = 1e-14;
constexpr int kPoints = 24;  // Gauss-Legendre points per piece in every reference quadrature

/// Gauss-Legendre nodes and weights on [-1, 1] (Newton on the three-term recurrence).
struct GaussLegendre {
  std::vector<double> x, w;
  explicit GaussLegendre(int n) {
    for (int i = 0; i < n; ++i) {
      double z = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5)), dp = 1.0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1.0, p1 = z;
        for (int k = 2; k <= n; ++k) {
          const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (z * p1 - p0) / (z * z - 1.0);
        const double step = p1 / dp;
        z -= step;
        if (std::abs(step) < 1e-16) break;
      }
      x.push_back(z);
      w.push_back(2.0 / ((1.0 - z * z) * dp * dp));
    }
  }
};

const GaussLegendre& rule() {
  static const GaussLegendre gl(kPoints);
  return gl;
}

/// The sorted distinct points of {lo, hi} and of `points` inside (lo, hi), with pieces longer than max_piece split.
std::vector<double> pieces(double lo, double hi, const std::vector<double>& points, double max_piece) {
  std::vector<double> s{lo, hi};
  for (double p : points)
    if (p > lo && p < hi) s.push_back(p);
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  std::vector<double> out{s.front()};
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    const int n = std::max(1, static_cast<int>(std::ceil((s[i + 1] - s[i]) / max_piece)));
    for (int k = 1; k <= n; ++k) out.push_back(k == n ? s[i + 1] : s[i] + (s[i + 1] - s[i]) * k / n);
  }
  return out;
}

/// sum over pieces of the Gauss-Legendre rule for f.
template <class F>
double integrate(const std::vector<double>& edges, F&& f) {
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    const double m = 0.5 * (edges[i] + edges[i + 1]), h = 0.5 * (edges[i + 1] - edges[i]);
    double s = 0.0;
    for (std::size_t k = 0; k < rule().x.size(); ++k) s += rule().w[k] * f(m + h * rule().x[k]);
    total += h * s;
  }
  return total;
}

/// Like integrate, with s = m - h cos(phi) on each piece: square-root behaviour at piece ends becomes analytic.
template <class F>
double integrate_cosine(const std::vector<double>& edges, F&& f) {
  double total = 0.0;
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    const double m = 0.5 * (edges[i] + edges[i + 1]), h = 0.5 * (edges[i + 1] - edges[i]);
    double s = 0.0;
    for (std::size_t k = 0; k < rule().x.size(); ++k) {
      const double phi = 0.5 * std::numbers::pi * (rule().x[k] + 1.0);
      s += rule().w[k] * std::sin(phi) * f(m - h * std::cos(phi));
    }
    total += 0.5 * std::numbers::pi * h * s;
  }
  return total;
}

double sphere_area(int dim) { return dim == 1 ? 2.0 : dim == 2 ? 2.0 * std::numbers::pi : 4.0 * std::numbers::pi; }

/// A radial function z(rho) as the reference quadratures need it: the radii where it changes polynomial piece
/// (none for the Gaussian families), the radius beyond which it vanishes (or is negligible) and a piece length.
struct RadialProfile {
  std::function<double(double)> z;
  std::vector<double> circles;  // interior breakpoints
  double extent = 1.0;         // the convolutions integrate over |y| < extent
  double moment_extent = 1.0;  // the moments over |x| < moment_extent (the weight |x|^j needs a longer tail)
  double max_piece = 1.0;

  std::vector<double> all_circles() const {
    std::vector<double> c = circles;
    c.push_back(extent);
    return c;
  }
};

/// int_{|x| < extent} |x|^j z(|x|) dx (or of |z| when `absolute`) in d dimensions.
double radial_moment(const RadialProfile& p, int dim, int j, bool absolute = false) {
  const auto edges = pieces(0.0, p.moment_extent, p.circles, p.max_piece);
  return sphere_area(dim) * integrate(edges, [&](double r) {
           const double z = p.z(r);
           return std::pow(r, j + dim - 1) * (absolute ? std::abs(z) : z);
         });
}

/// (z * z)(x), |x| = r, in d = 1: int z(|y|) z(|r - y|) dy, exact on the polynomial pieces.
double convolution_1d(const RadialProfile& p, double r) {
  const double e = p.extent, lo = std::max(-e, r - e), hi = std::min(e, r + e);
  if (!(lo < hi)) return 0.0;
  std::vector<double> points{0.0, r};
  for (double b : p.all_circles())
    for (double q : {-b, b, r - b, r + b}) points.push_back(q);
  return integrate(pieces(lo, hi, points, p.max_piece),
                   [&](double y) { return p.z(std::abs(y)) * p.z(std::abs(r - y)); });
}

/// (z * z)(x), |x| = r, in d = 3 in distance coordinates s = |y|, t = |x - y| (dy = 2 pi s t / r ds dt):
/// (2 pi / r) int_0^E s z(s) int_|r-s|^min(r+s, E) t z(t) dt ds; 4 pi int s^2 z(s)^2 ds at r = 0.
double convolution_3d(const RadialProfile& p, double r) {
  const double e = p.extent;
  if (r == 0.0) {
    return 4.0 * std::numbers::pi *
           integrate(pieces(0.0, e, p.circles, p.max_piece), [&](double s) { return s * s * p.z(s) * p.z(s); });
  }
  std::vector<double> points{r};
  for (double b : p.all_circles()) {
    points.push_back(std::abs(r - b));
    points.push_back(r + b);
  }
  points.insert(points.end(), p.circles.begin(), p.circles.end());
  const double outer = integrate(pieces(0.0, e, points, p.max_piece), [&](double s) {
    const double lo = std::abs(r - s), hi = std::min(r + s, e);
    if (!(lo < hi)) return 0.0;
    return s * p.z(s) * integrate(pieces(lo, hi, p.circles, p.max_piece), [&](double t) { return t * p.z(t); });
  });
  return 2.0 * std::numbers::pi / r * outer;
}

/// (z * z)(x), x = (r, 0), in d = 2 by Cartesian iterated integrals: 2 int_0^E dy2 int z(|y|) z(|x - y|) dy1.
/// The inner pieces end where y crosses a breakpoint circle about 0 or x, and are graded geometrically towards
/// y1 = 0 and y1 = r, where z(sqrt(y1^2 + y2^2)) has complex singularities at distance y2 (odd powers of |y| in
/// the profiles). The outer pieces end where chords appear (y2 = b) and where two breakpoint circles intersect;
/// the cosine substitution absorbs the square-root behaviour there.
double convolution_2d(const RadialProfile& p, double r) {
  const double e = p.extent;
  const auto circles = p.all_circles();
  std::vector<double> heights = circles;
  if (r > 0.0) {
    for (double b1 : circles) {
      for (double b2 : circles) {
        const double y1 = (r * r + b1 * b1 - b2 * b2) / (2.0 * r), h2 = b1 * b1 - y1 * y1;
        if (h2 > 0.0) heights.push_back(std::sqrt(h2));
      }
    }
  }
  const double outer = integrate_cosine(pieces(0.0, e, heights, p.max_piece), [&](double y2) {
    const double chord = std::sqrt(std::max(e * e - y2 * y2, 0.0));
    const double lo = std::max(-chord, r - chord), hi = std::min(chord, r + chord);
    if (!(lo < hi)) return 0.0;
    std::vector<double> points{0.0, r};
    for (double b : circles) {
      if (b <= y2) continue;
      const double c = std::sqrt(b * b - y2 * y2);
      for (double q : {-c, c, r - c, r + c}) points.push_back(q);
    }
    for (double a = y2; a > 0.0 && a < 0.5 * e; a *= 4.0)
      for (double q : {-a, a, r - a, r + a}) points.push_back(q);
    return integrate(pieces(lo, hi, points, p.max_piece),
                     [&](double y1) { return p.z(std::hypot(y1, y2)) * p.z(std::hypot(r - y1, y2)); });
  });
  return 2.0 * outer;
}

double reference_convolution(const RadialProfile& p, int dim, double r) {
  return dim == 1 ? convolution_1d(p, r) : dim == 2 ? convolution_2d(p, r) : convolution_3d(p, r);
}

// ---- What the tests know about each mollifier ------------------------------------------------------------------

template <class Z>
constexpr bool kIsCompact = requires { typename Z::Profile; };

/// Widest Gaussian of a Gaussian-family zeta, in units of eps (docs/math.md §5.3: dog4 sqrt2 eps, dog6 2 eps).
template <class Z>
constexpr double kWidestSigma = std::is_same_v<Z, Dog4Mollifier> ? std::numbers::sqrt2
                                : std::is_same_v<Z, Dog6Mollifier> ? 2.0 : 1.0;

/// The reference description of zeta (or, with `psi`, of zeta * zeta, whose breakpoints are the sums and
/// differences of zeta's, i.e. the integers times eps up to twice the support).
template <class Z, class K>
RadialProfile profile_of(const Z& zeta, const K& kernel, bool psi) {
  const double eps = zeta.epsilon();
  RadialProfile p;
  p.z = [kernel](double rho) { return kernel.value(rho * rho); };
  if constexpr (kIsCompact<Z>) {
    const double support = Z::Profile::kSupport * (psi ? 2.0 : 1.0);
    if (psi) {
      for (int b = 1; b < support; ++b) p.circles.push_back(b * eps);
    } else {
      for (double b : Z::Profile::kBreakpoints) p.circles.push_back(b * eps);
    }
    p.extent = p.moment_extent = support * eps;
    p.max_piece = 0.5 * eps;
  } else {
    // Convolution: z(y) z(x - y) < 1e-30 z(0)^2 once |y| > 9 sigma (exp(-40.5) u^3 times a second Gaussian factor);
    // psi is sqrt2 wider: 13 sigma. Moments: r^(j+d-1) exp(-r^2/(2 sigma^2)) poly < 1e-20 beyond 14 sigma for j <= 8
    // (20 sigma for psi).
    const double sigma = kWidestSigma<Z> * eps;
    p.extent = (psi ? 13.0 : 9.0) * sigma;
    p.moment_extent = (psi ? 20.0 : 14.0) * sigma;
    p.max_piece = eps;
  }
  return p;
}

/// The first nonzero moment int |x|^order zeta dx.
template <int Order>
double first_moment(const LaguerreGaussianMollifier<Order>& zeta, int dim) {
  // mollifiers.hpp [D]: m_2k = (-1)^(k+1) eps^2k d (d+2) ... (d+2k-2); docs/math.md §5.2 at eps = 1/sqrt2.
  const int k = Order / 2;
  double m = (k % 2 == 0 ? -1.0 : 1.0) * std::pow(zeta.epsilon(), Order);
  for (int i = 0; i < k; ++i) m *= dim + 2 * i;
  return m;
}
template <int Order>
double first_moment(const DifferenceOfGaussiansMollifier<Order>& zeta, int dim) {
  // mollifiers.hpp [D]: m_2k = (-1)^(k+1) a k! eps^2k d (d+2) ... (d+2k-2), a = 1 (order 4), 4/3 (order 6).
  const int k = Order / 2;
  double m = Order == 4 ? -2.0 : 8.0;
  m *= std::pow(zeta.epsilon(), Order);
  for (int i = 0; i < k; ++i) m *= dim + 2 * i;
  return m;
}
template <class P>
double first_moment(const CompactMollifier<P>& zeta, int dim) {
  // m2 = c |S^(d-1)| int_0^R r^(d+1) f(r) dr, exact rationals from sympy (normalization of docs/math.md §5.5).
  static constexpr std::array<std::array<double, 3>, 3> kM2 = {{{1.0 / 14, 5.0 / 36, 1.0 / 5},
                                                                {3.0 / 55, 7.0 / 66, 2.0 / 13},
                                                                {1.0 / 3, 31.0 / 49, 9.0 / 10}}};
  const auto row = static_cast<std::size_t>(P::kId);
  return kM2[row][static_cast<std::size_t>(dim - 1)] * zeta.epsilon() * zeta.epsilon();
}

template <class Z>
class EveryMollifier : public ::testing::Test {};

using AllMollifiers = ::testing::Types<Laguerre4Mollifier, Laguerre6Mollifier, Laguerre8Mollifier, Dog4Mollifier,
                                       Dog6Mollifier, WendlandC2Mollifier, WendlandC4Mollifier, CubicBSplineMollifier>;

struct KernelName {
  template <class Z>
  static std::string GetName(int) {
    std::string s = Z::kName;
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
  }
};
TYPED_TEST_SUITE(EveryMollifier, AllMollifiers, KernelName);

constexpr double kEps = 0.7;  // a width that is not 1, so that a missing eps power shows

template <class K>
void expect_moments(const RadialProfile& p, int dim, int order, double expected_first, const std::string& what) {
  const double mass_scale = radial_moment(p, dim, 0, true);
  EXPECT_NEAR(radial_moment(p, dim, 0), 1.0, kMomentTolerance * mass_scale) << what << ": mass";
  for (int j = 2; j < order; j += 2) {
    EXPECT_NEAR(radial_moment(p, dim, j), 0.0, kMomentTolerance * radial_moment(p, dim, j, true))
        << what << ": moment " << j;
  }
  if (std::isfinite(expected_first)) {
    EXPECT_NEAR(radial_moment(p, dim, order), expected_first, kMomentTolerance * radial_moment(p, dim, order, true))
        << what << ": first nonzero moment " << order;
  }
  EXPECT_NE(radial_moment(p, dim, order), 0.0) << what;
}

TYPED_TEST(EveryMollifier, HasUnitMassVanishingMomentsBelowItsOrderAndTheDerivedFirstNonzeroMoment) {
  for (int dim = 1; dim <= 3; ++dim) {
    const TypeParam zeta(dim, kEps);
    EXPECT_EQ(zeta.dimension(), dim);
    EXPECT_EQ(zeta.epsilon(), kEps);
    expect_moments<TypeParam>(profile_of(zeta, zeta, false), dim, zeta.order(), first_moment(zeta, dim),
                              std::string(TypeParam::kName) + " zeta, d = " + std::to_string(dim));
  }
}

TYPED_TEST(EveryMollifier, SelfConvolutionHasUnitMassAndTheSameVanishingMoments) {
  // psi_hat = zeta_hat^2 = 1 - 2 a |xi|^order + ...: psi has the order of zeta (first moment not checked).
  for (int dim = 1; dim <= 3; ++dim) {
    const TypeParam zeta(dim, kEps);
    expect_moments<TypeParam>(profile_of(zeta, zeta.self_convolution(), true), dim, zeta.order(),
                              std::numeric_limits<double>::quiet_NaN(),
                              std::string(TypeParam::kName) + " psi, d = " + std::to_string(dim));
  }
}

TYPED_TEST(EveryMollifier, SelfConvolutionMatchesANumericalConvolutionAtSeveralRadii) {
  const std::vector<double> radii_in_eps = {0.0, 0.004, 0.05, 0.3, 0.77, 1.0, 1.41, 1.99, 2.5, 3.3, 3.97, 4.6};
  for (int dim = 1; dim <= 3; ++dim) {
    const TypeParam zeta(dim, kEps);
    const auto psi = zeta.self_convolution();
    EXPECT_EQ(psi.dimension(), dim);
    const RadialProfile p = profile_of(zeta, zeta, false);
    const double psi0 = reference_convolution(p, dim, 0.0);
    for (const double rho : radii_in_eps) {
      if constexpr (!kIsCompact<TypeParam>) {
        // fewer radii: the closed forms are entire functions
        if (rho == 0.004 || rho == 1.0 || rho == 1.99 || rho == 3.3) continue;
      }
      const double r = rho * kEps;
      EXPECT_NEAR(psi.value(r * r), reference_convolution(p, dim, r), kConvolutionTolerance * psi0)
          << TypeParam::kName << ", d = " << dim << ", r = " << rho << " eps";
    }
  }
}

/// grad K(x) = gradient_factor(|x|^2) x against a fourth-order central difference of value, per component.
template <class K>
void expect_gradient_matches_finite_difference(const K& kernel, double eps, int dim, const std::string& what) {
  const double h = kFdStepInEps * eps;
  const double scale = std::abs(kernel.value(0.0)) / eps;
  const std::vector<std::array<double, 3>> points_in_eps = {
      {0.0, 0.0, 0.0},    {0.13, -0.07, 0.05}, {0.5, 0.21, -0.33}, {-0.71, 0.62, 0.15},
      {1.1, -0.6, 0.4},   {1.4, 0.9, -1.0},    {-2.1, 1.3, 0.7},   {2.6, -1.9, 1.2}};
  const auto norm2 = [dim](const std::array<double, 3>& x) {
    double r2 = 0.0;
    for (std::size_t k = 0; k < static_cast<std::size_t>(dim); ++k) r2 += x[k] * x[k];
    return r2;
  };
  for (const auto& p : points_in_eps) {
    std::array<double, 3> x{};
    for (std::size_t k = 0; k < static_cast<std::size_t>(dim); ++k) x[k] = p[k] * eps;
    const double factor = kernel.gradient_factor(norm2(x));
    for (std::size_t k = 0; k < static_cast<std::size_t>(dim); ++k) {
      const auto shifted = [&](double m) {
        auto y = x;
        y[k] += m * h;
        return kernel.value(norm2(y));
      };
      const double fd = (shifted(-2.0) - 8.0 * shifted(-1.0) + 8.0 * shifted(1.0) - shifted(2.0)) / (12.0 * h);
      EXPECT_NEAR(factor * x[k], fd, kFdTolerance * scale)
          << what << ", d = " << dim << ", component " << k << " at (" << p[0] << ", " << p[1] << ", " << p[2]
          << ") eps";
    }
  }
}

TYPED_TEST(EveryMollifier, GradientFactorsOfZetaAndPsiMatchFiniteDifferencesOfTheirValues) {
  for (int dim = 1; dim <= 3; ++dim) {
    for (const double eps : {0.05, kEps, 3.0}) {
      const TypeParam zeta(dim, eps);
      expect_gradient_matches_finite_difference(zeta, eps, dim, std::string(TypeParam::kName) + " zeta");
      expect_gradient_matches_finite_difference(zeta.self_convolution(), eps, dim,
                                                std::string(TypeParam::kName) + " psi");
    }
  }
}

/// Beyond R = truncation_radius(tol) both |value| and |gradient_factor| stay below tol times their maxima
/// (sampled), and (unless slack = 0) R is not wasteful: the kernel still exceeds that level beyond R / slack.
template <class K>
void expect_truncation_radius_is_safe_and_tight(const K& kernel, double tol, double slack, const std::string& what) {
  const double radius = kernel.truncation_radius(tol);
  ASSERT_TRUE(std::isfinite(radius)) << what;
  constexpr int kSamples = 4000;
  double max_value = 0.0, max_gradient = 0.0;
  for (int i = 0; i <= kSamples; ++i) {
    const double r = radius * i / kSamples;
    max_value = std::max(max_value, std::abs(kernel.value(r * r)));
    max_gradient = std::max(max_gradient, std::abs(kernel.gradient_factor(r * r)));
  }
  double last_above = 0.0;
  for (int i = 0; i <= 4 * kSamples; ++i) {
    const double r = 4.0 * radius * i / (4 * kSamples);
    const bool above = std::abs(kernel.value(r * r)) > tol * max_value ||
                       std::abs(kernel.gradient_factor(r * r)) > tol * max_gradient;
    if (above) last_above = r;
  }
  EXPECT_LE(last_above, radius) << what << ", tol = " << tol;
  if (slack > 0.0) {
    EXPECT_GE(last_above * slack, radius) << what << ", tol = " << tol;
  }
}

TYPED_TEST(EveryMollifier, TruncationRadiusIsSafeAndTightForZetaAndPsi) {
  // The Gaussian families' envelope bound sum_t |G_t| sum_j |c_j| u^j exceeds the kernel by a polynomial factor,
  // most for laguerre8's psi (degree 6, cancelling coefficients): 27% in radius at tol = 1e-6, less for smaller tol;
  // 1.4 bounds it. Compact kernels return their support, where they may have fallen below tol long before: no
  // tightness check (slack 0).
  constexpr double kSlack = kIsCompact<TypeParam> ? 0.0 : 1.4;
  for (int dim = 1; dim <= 3; ++dim) {
    const TypeParam zeta(dim, kEps);
    for (const double tol : {1e-6, 1e-12, 1e-17}) {
      expect_truncation_radius_is_safe_and_tight(zeta, tol, kSlack, std::string(TypeParam::kName) + " zeta");
      expect_truncation_radius_is_safe_and_tight(zeta.self_convolution(), tol, kSlack,
                                                 std::string(TypeParam::kName) + " psi");
    }
    if constexpr (kIsCompact<TypeParam>) {
      EXPECT_EQ(zeta.truncation_radius(1e-3), zeta.support_radius());
      EXPECT_EQ(zeta.self_convolution().truncation_radius(1e-3), 2.0 * zeta.support_radius());
    } else {
      EXPECT_EQ(zeta.support_radius(), std::numeric_limits<double>::infinity());
      EXPECT_EQ(zeta.self_convolution().support_radius(), std::numeric_limits<double>::infinity());
    }
    for (const double bad : {0.0, -1e-3, 1.0, 2.0, std::numeric_limits<double>::quiet_NaN()}) {
      EXPECT_THROW((void)zeta.truncation_radius(bad), std::invalid_argument) << "tol = " << bad;
      EXPECT_THROW((void)zeta.self_convolution().truncation_radius(bad), std::invalid_argument) << "tol = " << bad;
    }
  }
}

TYPED_TEST(EveryMollifier, ChangesSignExactlyWhenItsOrderIsAtLeastFour) {
  for (int dim = 1; dim <= 3; ++dim) {
    const TypeParam zeta(dim, kEps);
    double min_value = std::numeric_limits<double>::infinity();
    for (int i = 0; i <= 2000; ++i) {
      const double r = 8.0 * kEps * i / 2000;
      min_value = std::min(min_value, zeta.value(r * r));
    }
    EXPECT_EQ(changes_sign(zeta), zeta.order() >= 4);
    EXPECT_EQ(min_value < 0.0, changes_sign(zeta)) << TypeParam::kName << ", d = " << dim;
  }
}

TYPED_TEST(EveryMollifier, RejectsBadDimensionAndWidth) {
  EXPECT_THROW(TypeParam(0, 1.0), std::invalid_argument);
  EXPECT_THROW(TypeParam(4, 1.0), std::invalid_argument);
  EXPECT_THROW(TypeParam(2, 0.0), std::invalid_argument);
  EXPECT_THROW(TypeParam(2, -0.5), std::invalid_argument);
  EXPECT_THROW(TypeParam(2, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(TypeParam(2, std::numeric_limits<double>::infinity()), std::invalid_argument);
}

// ---- Family-specific checks ----------------------------------------------------------------------------------

TEST(LaguerreGaussian, EqualsTheBaseScalingFormulasOfMathMdAtEpsOneOverSqrtTwo) {
  // docs/math.md §5.2 table: zeta_eps with eps = 1/sqrt2 is exactly the "Laguerre base" kernel.
  const double eps = 1.0 / std::numbers::sqrt2, pi = std::numbers::pi;
  for (int dim = 1; dim <= 3; ++dim) {
    const Laguerre4Mollifier z4(dim, eps);
    const Laguerre6Mollifier z6(dim, eps);
    const double norm = std::pow(pi, -0.5 * dim);
    const std::array<double, 3> a4 = {1.5, 2.0, 2.5};                  // order 4: (a - r^2)
    const std::array<std::array<double, 2>, 3> a6 = {{{15.0 / 8, 2.5},  // order 6: (a - b r^2 + r^4/2)
                                                      {3.0, 3.0},
                                                      {35.0 / 8, 3.5}}};
    const auto row = static_cast<std::size_t>(dim - 1);
    for (const double r : {0.0, 0.4, 1.0, 1.7, 2.9}) {
      const double r2 = r * r, g = norm * std::exp(-r2);
      EXPECT_NEAR(z4.value(r2), g * (a4[row] - r2), kFormulaTolerance * z4.value(0.0)) << "d = " << dim;
      EXPECT_NEAR(z6.value(r2), g * (a6[row][0] - a6[row][1] * r2 + 0.5 * r2 * r2), kFormulaTolerance * z6.value(0.0))
          << "d = " << dim;
    }
  }
  // docs/math.md §5.2: in d = 1, m4 = -3/4 (order 4), m6 = 15/8 (order 6); in d = 2, m4 = -2, m6 = 6. The derived
  // formula (used by the moment test above) reproduces them up to the rounding of eps^6 = (1/sqrt2)^6; the
  // quadrature is compared directly as well.
  EXPECT_NEAR(first_moment(Laguerre4Mollifier(1, eps), 1), -0.75, kFormulaTolerance);
  EXPECT_NEAR(first_moment(Laguerre6Mollifier(1, eps), 1), 15.0 / 8.0, kFormulaTolerance);
  EXPECT_NEAR(first_moment(Laguerre4Mollifier(2, eps), 2), -2.0, kFormulaTolerance);
  EXPECT_NEAR(first_moment(Laguerre6Mollifier(2, eps), 2), 6.0, 2.0 * kFormulaTolerance);
  const std::array<std::tuple<int, int, double>, 4> math_md = {
      {{1, 4, -0.75}, {1, 6, 15.0 / 8.0}, {2, 4, -2.0}, {2, 6, 6.0}}};
  for (const auto& [dim, order, m] : math_md) {
    const RadialProfile p = order == 4 ? profile_of(Laguerre4Mollifier(dim, eps), Laguerre4Mollifier(dim, eps), false)
                                       : profile_of(Laguerre6Mollifier(dim, eps), Laguerre6Mollifier(dim, eps), false);
    EXPECT_NEAR(radial_moment(p, dim, order), m, kMomentTolerance * radial_moment(p, dim, order, true))
        << "d = " << dim << ", order " << order;
  }
}

TEST(DifferenceOfGaussians, EqualsBealeMajdaKernelsInTwoDimensionsAtBaseVarianceOneHalf) {
  // docs/math.md §5.3: with s^2 = 1/2, zeta_4 = (1/pi)(2 e^(-r^2) - (1/2) e^(-r^2/2)),
  // zeta_6 = (1/pi)((8/3) e^(-r^2) - e^(-r^2/2) + (1/12) e^(-r^2/4)).
  const double eps = 1.0 / std::numbers::sqrt2, pi = std::numbers::pi;
  const Dog4Mollifier z4(2, eps);
  const Dog6Mollifier z6(2, eps);
  for (const double r : {0.0, 0.5, 1.2, 2.0, 3.5}) {
    const double r2 = r * r;
    EXPECT_NEAR(z4.value(r2), (2.0 * std::exp(-r2) - 0.5 * std::exp(-0.5 * r2)) / pi, kFormulaTolerance * z4.value(0));
    EXPECT_NEAR(z6.value(r2),
                (8.0 / 3.0 * std::exp(-r2) - std::exp(-0.5 * r2) + std::exp(-0.25 * r2) / 12.0) / pi,
                kFormulaTolerance * z6.value(0));
  }
}

TEST(CompactMollifiers, ValueAndGradientAreExactlyZeroFromTheSupportRadiusOnAndPositiveJustInside) {
  const auto check = [](const auto& zeta, const std::string& what) {
    const double support = zeta.support_radius();
    for (const double r : {support, std::nextafter(support, 10 * support), 1.001 * support, 3.0 * support, 1e150})
      EXPECT_TRUE(zeta.value(r * r) == 0.0 && zeta.gradient_factor(r * r) == 0.0) << what << " at r = " << r;
    EXPECT_EQ(zeta.value(std::numeric_limits<double>::infinity()), 0.0) << what;
    EXPECT_GT(zeta.value(0.999 * 0.999 * support * support), 0.0) << what;
    EXPECT_LT(zeta.gradient_factor(0.999 * 0.999 * support * support), 0.0) << what;
    const auto psi = zeta.self_convolution();
    const double s = psi.support_radius();
    EXPECT_DOUBLE_EQ(s, 2.0 * zeta.support_radius()) << what;
    for (const double r : {s, std::nextafter(s, 10 * s), 1.001 * s, 3.0 * s, 1e150})
      EXPECT_TRUE(psi.value(r * r) == 0.0 && psi.gradient_factor(r * r) == 0.0) << what << " psi at r = " << r;
    EXPECT_GT(psi.value(0.9 * 0.9 * s * s), 0.0) << what;
    EXPECT_TRUE(std::isnan(psi.value(std::numeric_limits<double>::quiet_NaN()))) << what;
    // psi = zeta * zeta >= 0; the table may dip below by its error near the edge only.
    for (int i = 0; i <= 1000; ++i) {
      const double r = s * i / 1000;
      EXPECT_GE(psi.value(r * r), -kConvolutionTolerance * psi.value(0.0)) << what << " psi at r = " << r;
    }
  };
  for (int dim = 1; dim <= 3; ++dim) {
    for (const double eps : {0.2, 1.0, 2.5}) {
      check(WendlandC2Mollifier(dim, eps), "wendland-c2, d = " + std::to_string(dim));
      check(WendlandC4Mollifier(dim, eps), "wendland-c4, d = " + std::to_string(dim));
      check(CubicBSplineMollifier(dim, eps), "bspline3, d = " + std::to_string(dim));
      EXPECT_EQ(WendlandC2Mollifier(dim, eps).support_radius(), eps);
      EXPECT_EQ(CubicBSplineMollifier(dim, eps).support_radius(), 2.0 * eps);
    }
  }
}

TEST(CompactMollifiers, ShareOneSelfConvolutionTablePerProfileAndDimension) {
  const auto a = WendlandC4Mollifier(2, 0.3).self_convolution();
  const auto b = WendlandC4Mollifier(2, 1.9).self_convolution();
  const auto c = WendlandC4Mollifier(3, 0.3).self_convolution();
  EXPECT_EQ(&a.table(), &b.table());
  EXPECT_NE(&a.table(), &c.table());
  EXPECT_THROW((void)detail::compact_self_convolution_table(CompactProfileId::kWendlandC2, 4), std::invalid_argument);
}

TEST(RadialTable, InterpolatesASmoothFunctionAndItsDerivativeAndVanishesBeyondItsEnd) {
  // f(u) = exp(-u) cos(3u) on [0, 4]: panels of width 1/4 (down to 1/64 refined) and degree 14 resolve it to
  // round-off; the derivative of the interpolant amplifies the round-off by up to degree^2 * 2 / width = 2.5e4
  // (Markov's inequality on the narrowest panel): 1e-16 * 2.5e4 = 2.5e-12, so 5e-11 (measured: 1.2e-11).
  constexpr double kValueTolerance = 1e-14, kDerivativeTolerance = 5e-11;
  const auto f = [](double u) { return std::exp(-u) * std::cos(3.0 * u); };
  const auto df = [](double u) { return -std::exp(-u) * (std::cos(3.0 * u) + 3.0 * std::sin(3.0 * u)); };
  const RadialTable table(4.0, 16, 14, 2, f);
  for (int i = 0; i < 4000; ++i) {
    const double u = 4.0 * (i + 0.37) / 4000;
    EXPECT_NEAR(table.value(u), f(u), kValueTolerance) << "u = " << u;
    EXPECT_NEAR(table.derivative(u), df(u), kDerivativeTolerance) << "u = " << u;
  }
  EXPECT_NEAR(table.value(0.0), 1.0, kValueTolerance);
  EXPECT_EQ(table.value(4.0), 0.0);
  EXPECT_EQ(table.derivative(4.5), 0.0);
  EXPECT_TRUE(std::isnan(table.value(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_THROW(RadialTable(0.0, 4, 8, 0, f), std::invalid_argument);
  EXPECT_THROW(RadialTable(1.0, 0, 8, 0, f), std::invalid_argument);
  EXPECT_THROW(RadialTable(1.0, 4, 0, 0, f), std::invalid_argument);
  EXPECT_THROW(RadialTable(1.0, 4, 8, -1, f), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow
