// GaussianLawND (law_nd.hpp): N(mu, Sigma) in R^d, d = 1, 2, 3, truncated to the box mu_k +- k sigma_k outside which
// the union bound leaves tail mass d erfc(k / sqrt 2) <= kTailMass, the Gaussian side of semi-discrete optimal
// transport (docs/math.md §6.1).
//
// Cells are fanned into simplices, each integrated about y by the collapsed Gauss rule of cell_quadrature.hpp with n
// points per direction, chosen (and the simplex bisected at its longest edge when no n <= kMaxPoints suffices) from an
// a priori bound. In whitened coordinates z = L^-1 (x - mu) (Sigma = L L^T) the density is
// phi(z) = (2 pi)^(-d/2) |det L|^-1 exp(-|z|^2/2), entire. The collapsed rule is a tensor of Gauss rules along chords of
// the simplex, nested; applying the 1D bound one direction at a time (the others on real nodes) gives, for k directions,
//   |error of the integral of phi| <= k * 4 M rho^(1-2n) / (rho - 1) * |S|,
// the Gauss bound for a positive weight: twice the weight's integral times the Chebyshev truncation error
// 2 M rho^-(2n-1) / (rho - 1) of a function analytic and bounded by M in the Bernstein ellipse E_rho of each chord
// (Trefethen, "Approximation Theory and Approximation Practice", Thms 8.1 and 19.3). On the ellipse of a chord of length
// <= delta (the simplex's diameter in z) the points have real parts within e = (rho + 1/rho - 2) delta / 4 of the
// simplex and imaginary parts below eta = (rho - 1/rho) delta / 4, and |exp(-(a + i b)^2/2)| = exp(-(|a|^2 - |b|^2)/2),
// so M <= phi(0) exp(-(|g| - r - e)_+^2 / 2 + eta^2 / 2) with g the centroid and r the largest distance from it to a
// vertex; rho is the best of a ladder of values. The moments' weights (x - y), |x - y|^2 are polynomials of degree <= 2:
// the rule integrates them times phi's approximation of degree 2n - 3, so cells take one point more than the mass
// bound asks (facets, which need only the mass, do not).
// Allowances: each simplex of the fan may err by kQuadratureError (E_S + E |S| / |P|), E_S an estimate of its integral
// (the 3-point rule) and E their sum over the cell P; the allowances sum to 2 kQuadratureError E, and a bisected simplex
// hands each half an allowance computed the same way, so that the error budget follows the mass.
// A piece whose integral is provably below its allowance is taken with the 3-point rule: along u = g/|g| the piece spans
// [a, a + w] with a > 0, |z| >= u.z gives phi <= phi(0) e^(-a^2/2) e^(-a (t - a)), and a simplex's cross-sections are at
// most d |S| / w (it holds the double cone over its largest one), so its integral is at most
// phi(0) e^(-a^2/2) |S| min(1, d / (w a)).
// Cost: the bound follows the Gaussian's variation e^(|g| delta) across a piece, so cells reaching far into the tail
// (the outer cells of a sample, which extend to the truncation box) are bisected deeply; see bench/bench_laws.cpp.
#include <boost/math/special_functions/erf.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "blobflow/analysis/law_nd.hpp"
#include "cell_quadrature.hpp"
#include "describe.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;

/// The Bernstein parameters tried for each simplex: small rho for simplices far out (where the bound's growth factor
/// dominates), large rho for small simplices near the mean.
constexpr std::array<double, 8> kRhoLadder{2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0};
/// Most points per direction before a simplex is bisected (cells) and the bisection depth after which the largest
/// rule is accepted (a safeguard; the bound is met long before at any realistic cell).
constexpr int kMaxPoints = 10;
constexpr int kMaxDepth = 48;
/// Contributions with log sup phi below this underflow double: the simplex adds nothing.
constexpr double kLogUnderflow = -745.0;

struct Shape {
  Point3 centroid;       // g in z
  double centroid_norm;  // |g|
  double radius;         // max |z_k - g|
  double diameter;       // max |z_i - z_j|
};

/// A simplex in x and in z.
struct Piece {
  std::array<Point3, 4> x{};
  std::array<Point3, 4> z{};
  double measure = 0.0;
  double estimate = 0.0;   // a first estimate of its integral
  double allowance = 0.0;  // the error this piece may make (absolute, mass units)
};

Shape shape_of(const Piece& s, int corners) {
  Point3 g{};
  for (int k = 0; k < corners; ++k)
    for (int j = 0; j < 3; ++j) g[j] += s.z[static_cast<std::size_t>(k)][j] / corners;
  Shape shape{g, detail::norm3(g), 0.0, 0.0};
  for (int k = 0; k < corners; ++k) {
    shape.radius = std::max(shape.radius, detail::norm3(detail::sub3(s.z[static_cast<std::size_t>(k)], g)));
    for (int l = k + 1; l < corners; ++l)
      shape.diameter = std::max(shape.diameter, detail::norm3(detail::sub3(s.z[static_cast<std::size_t>(k)],
                                                                          s.z[static_cast<std::size_t>(l)])));
  }
  return shape;
}

/// A first estimate of a piece's integral, the basis of its error allowance: the Gauss rule with kEstimatePoints per
/// direction, which for a large simplex across which the Gaussian falls by orders of magnitude is still within a small
/// factor (a centroid value alone can miss by e^|g| delta).
constexpr int kEstimatePoints = 3;
double estimate(const Piece& s, int corners, double log_peak) {
  const detail::SimplexRule& rule = detail::simplex_rule(corners - 1, kEstimatePoints);
  double sum = 0.0;
  for (std::size_t i = 0; i < rule.weights.size(); ++i) {
    Point3 z{};
    for (int k = 0; k < corners; ++k)
      for (int j = 0; j < 3; ++j) z[j] += rule.barycentric[i][static_cast<std::size_t>(k)] * s.z[static_cast<std::size_t>(k)][j];
    sum += rule.weights[i] * std::exp(log_peak - 0.5 * detail::dot3(z, z));
  }
  return s.measure * sum;
}

double allowance(double estimate, double share) {
  return std::max(GaussianLawND::kQuadratureError * (estimate + share), std::numeric_limits<double>::min());
}

/// The fewest points per direction meeting the mass bound k 4 M rho^(1-2n) / (rho - 1) |S| <= allowance, or
/// kMaxPoints + 1. log_peak: log phi(0).
int points_needed(const Shape& shape, int directions, double log_peak, double measure, double allowance) {
  int best = kMaxPoints + 1;
  const double log_base = std::log(4.0 * directions * measure / allowance) + log_peak;
  for (const double rho : kRhoLadder) {
    const double e = (rho + 1.0 / rho - 2.0) * shape.diameter / 4.0;
    const double eta = (rho - 1.0 / rho) * shape.diameter / 4.0;
    const double reach = std::max(0.0, shape.centroid_norm - shape.radius - e);
    const double log_b0 = log_base - std::log(rho - 1.0) - 0.5 * reach * reach + 0.5 * eta * eta;
    const double needed = log_b0 / std::log(rho);
    best = std::min(best, std::max(1, static_cast<int>(std::ceil(0.5 * (needed + 1.0)))));
  }
  return best;
}

}  // namespace

struct GaussianLawND::Engine {
  /// Adds the n-point collapsed rule's moments of a piece about y.
  static void add_rule(const GaussianLawND& law, const Piece& s, int corners, const Point3& y, int n,
                       detail::MomentSums& sums) {
    const detail::SimplexRule& rule = detail::simplex_rule(corners - 1, n);
    std::array<Point3, 4> rel{};
    for (int k = 0; k < corners; ++k) rel[static_cast<std::size_t>(k)] = detail::sub3(s.x[static_cast<std::size_t>(k)], y);
    double mass = 0.0, second = 0.0;
    Point3 first{};
    for (std::size_t i = 0; i < rule.weights.size(); ++i) {
      const auto& lambda = rule.barycentric[i];
      Point3 z{}, d{};
      for (int k = 0; k < corners; ++k)
        for (int j = 0; j < 3; ++j) {
          z[j] += lambda[static_cast<std::size_t>(k)] * s.z[static_cast<std::size_t>(k)][j];
          d[j] += lambda[static_cast<std::size_t>(k)] * rel[static_cast<std::size_t>(k)][j];
        }
      const double wf = rule.weights[i] * std::exp(law.log_peak_ - 0.5 * detail::dot3(z, z));
      mass += wf;
      for (int j = 0; j < 3; ++j) first[j] += wf * d[j];
      second += wf * detail::dot3(d, d);
    }
    sums.mass += s.measure * mass;
    for (int j = 0; j < 3; ++j) sums.first[j] += s.measure * first[j];
    sums.second += s.measure * second;
  }

  /// Integrates one piece into sums, bisecting it at its longest edge (in z) when needed.
  /// extra: points added to the mass bound's n (1 for cells: the weight |x - y|^2 takes two degrees of the rule).
  /// density_share: the whole region's estimated integral per unit measure; a piece's allowance is
  /// kQuadratureError (its estimate + density_share |piece|), so the allowances sum to at most twice kQuadratureError
  /// times the estimate, and bisection hands each half an allowance in proportion to its own mass (halving it instead
  /// would tighten the demand on the pieces that hold the mass with every level).
  static void piece(const GaussianLawND& law, Piece s, int corners, const Point3& y, int extra, double density_share,
                    int depth, detail::MomentSums& sums) {
    const Shape shape = shape_of(s, corners);
    const double log_peak = law.log_peak_;
    const int directions = corners - 1;
    // Along u = g/|g| the piece spans [a, a + w]; where a > 0, |z| >= u.z gives phi <= peak e^(-a^2/2) e^(-a(t - a))
    // and, the cross-sections of a simplex being at most d |S| / w, its integral is at most
    // peak e^(-a^2/2) |S| min(1, d / (w a)). A piece whose integral cannot exceed its allowance needs no care.
    double a = 0.0, w = 0.0;
    if (shape.centroid_norm > 0.0) {
      double lo = 1e300, hi = -1e300;
      for (int k = 0; k < corners; ++k) {
        const double t = detail::dot3(s.z[static_cast<std::size_t>(k)], shape.centroid) / shape.centroid_norm;
        lo = std::min(lo, t);
        hi = std::max(hi, t);
      }
      a = std::max(lo, 0.0);
      w = hi - lo;
    }
    const double decay = a > 0.0 && w > 0.0 ? std::min(1.0, directions / (w * a)) : 1.0;
    const double log_bound = log_peak - 0.5 * a * a + std::log(s.measure * decay);
    if (log_bound < kLogUnderflow) return;
    if (log_bound <= std::log(s.allowance)) {
      add_rule(law, s, corners, y, kEstimatePoints, sums);
      return;
    }
    const int n = points_needed(shape, directions, log_peak, s.measure, s.allowance) + extra;
    if (n <= kMaxPoints) {
      add_rule(law, s, corners, y, n, sums);
      return;
    }
    if (depth >= kMaxDepth) {
      add_rule(law, s, corners, y, kMaxPoints, sums);
      return;
    }
    int i0 = 0, i1 = 1;
    double longest = -1.0;
    for (int i = 0; i < corners; ++i)
      for (int j = i + 1; j < corners; ++j) {
        const double len = detail::norm3(detail::sub3(s.z[static_cast<std::size_t>(i)], s.z[static_cast<std::size_t>(j)]));
        if (len > longest) {
          longest = len;
          i0 = i;
          i1 = j;
        }
      }
    Piece left = s, right = s;
    for (int j = 0; j < 3; ++j) {
      const double xm = 0.5 * (s.x[static_cast<std::size_t>(i0)][j] + s.x[static_cast<std::size_t>(i1)][j]);
      const double zm = 0.5 * (s.z[static_cast<std::size_t>(i0)][j] + s.z[static_cast<std::size_t>(i1)][j]);
      left.x[static_cast<std::size_t>(i1)][j] = right.x[static_cast<std::size_t>(i0)][j] = xm;
      left.z[static_cast<std::size_t>(i1)][j] = right.z[static_cast<std::size_t>(i0)][j] = zm;
    }
    left.measure = right.measure = 0.5 * s.measure;
    for (Piece* half : {&left, &right}) {
      half->estimate = estimate(*half, corners, log_peak);
      half->allowance = allowance(half->estimate, density_share * half->measure);
    }
    piece(law, left, corners, y, extra, density_share, depth + 1, sums);
    piece(law, right, corners, y, extra, density_share, depth + 1, sums);
  }
};

GaussianLawND::GaussianLawND(int dimension, const Point3& mean, std::span<const double> covariance)
    : d_(dimension), mean_{}, box_{dimension, {}, {}} {
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument(describe("GaussianLawND", "dimension", dimension, "must be 1, 2 or 3"));
  for (int k = 0; k < d_; ++k) {
    if (!std::isfinite(mean[k]))
      throw std::invalid_argument(describe("GaussianLawND", "mean[" + std::to_string(k) + "]", mean[k], "must be finite"));
    mean_[k] = mean[k];
  }
  const auto n = static_cast<std::size_t>(d_);
  if (covariance.size() != n * n)
    throw std::invalid_argument(describe("GaussianLawND", "covariance.size()", static_cast<double>(covariance.size()),
                                         "must be dimension^2 = " + std::to_string(n * n) + " (row-major)"));
  double largest = 0.0;
  for (double c : covariance) {
    if (!std::isfinite(c)) throw std::invalid_argument(describe("GaussianLawND", "covariance entry", c, "must be finite"));
    largest = std::max(largest, std::abs(c));
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (std::abs(covariance[i * n + j] - covariance[j * n + i]) > 1e-12 * largest)
        throw std::invalid_argument(describe("GaussianLawND", "covariance[" + std::to_string(i) + "][" + std::to_string(j) + "]",
                                             covariance[i * n + j], "must equal its transpose entry"));
  // Cholesky Sigma = L L^T
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      double sum = covariance[i * n + j];
      for (std::size_t k = 0; k < j; ++k) sum -= cholesky_[i][k] * cholesky_[j][k];
      if (i == j) {
        if (!(sum > 0.0))
          throw std::invalid_argument(describe("GaussianLawND", "covariance pivot " + std::to_string(i), sum,
                                               "must be > 0 (the covariance must be symmetric positive definite)"));
        cholesky_[i][i] = std::sqrt(sum);
      } else {
        cholesky_[i][j] = sum / cholesky_[j][j];
      }
    }
  // L^-1 (lower triangular) by forward substitution
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t i = c; i < n; ++i) {
      double sum = i == c ? 1.0 : 0.0;
      for (std::size_t k = c; k < i; ++k) sum -= cholesky_[i][k] * inverse_[k][c];
      inverse_[i][c] = sum / cholesky_[i][i];
    }
  double log_det = 0.0;
  for (std::size_t i = 0; i < n; ++i) log_det += std::log(cholesky_[i][i]);
  log_peak_ = -0.5 * d_ * std::log(2.0 * std::numbers::pi) - log_det;
  // ||L||_2 <= Frobenius norm: bounds |x - x'| by ||L|| |z - z'|
  double frobenius = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) frobenius += cholesky_[i][j] * cholesky_[i][j];
  l_norm_ = std::sqrt(frobenius);
  truncation_ = std::sqrt(2.0) * boost::math::erfc_inv(kTailMass / d_);
  for (int k = 0; k < d_; ++k) {
    const double sigma = std::sqrt(covariance[static_cast<std::size_t>(k) * n + static_cast<std::size_t>(k)]);
    box_.lo[k] = mean_[k] - truncation_ * sigma;
    box_.hi[k] = mean_[k] + truncation_ * sigma;
  }
}

Point3 GaussianLawND::whiten(const Point3& x) const {
  Point3 z{};
  for (int i = 0; i < d_; ++i) {
    double sum = 0.0;
    for (int k = 0; k <= i; ++k) sum += inverse_[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)] * (x[k] - mean_[k]);
    z[i] = sum;
  }
  return z;
}

bool GaussianLawND::interior(const Point3& x) const {
  for (int k = 0; k < d_; ++k)
    if (!(x[k] >= box_.lo[k] && x[k] <= box_.hi[k])) return false;
  return true;
}

double GaussianLawND::density(const Point3& x) const {
  if (!interior(x)) return 0.0;
  const Point3 z = whiten(x);
  return std::exp(log_peak_ - 0.5 * detail::dot3(z, z));
}

double GaussianLawND::covariance(int i, int j) const {
  double sum = 0.0;
  for (int k = 0; k < 3; ++k)
    sum += cholesky_[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)] *
           cholesky_[static_cast<std::size_t>(j)][static_cast<std::size_t>(k)];
  return sum;
}

void GaussianLawND::integrate(const ConvexCell& cell, const Point3& seed, CellIntegrals& out) const {
  detail::check_cell_dimension("GaussianLawND::integrate", cell, d_);
  const Point3 y = detail::used_coordinates(seed, d_);
  out.facet_mass.assign(cell.facets.size(), 0.0);
  out.mass = out.second = 0.0;
  out.first = {};
  if (cell.empty()) return;
  // the fan with a first estimate of each simplex's mass (centroid value times measure)
  static thread_local std::vector<Piece> pieces;
  pieces.clear();
  const int corners = d_ + 1;
  double mass_estimate = 0.0, total_measure = 0.0;
  detail::for_each_simplex(cell, [&](const detail::Simplex& s) {
    Piece piece;
    for (int k = 0; k < corners; ++k) {
      piece.x[static_cast<std::size_t>(k)] = s.vertex[static_cast<std::size_t>(k)];
      piece.z[static_cast<std::size_t>(k)] = whiten(s.vertex[static_cast<std::size_t>(k)]);
    }
    piece.measure = s.measure;
    piece.estimate = estimate(piece, corners, log_peak_);
    mass_estimate += piece.estimate;
    total_measure += piece.measure;
    pieces.push_back(piece);
  });
  const double density_share = total_measure > 0.0 ? mass_estimate / total_measure : 0.0;
  detail::MomentSums sums;
  for (Piece& piece : pieces) {
    piece.allowance = allowance(piece.estimate, density_share * piece.measure);
    Engine::piece(*this, piece, corners, y, 1, density_share, 0, sums);
  }
  detail::store_moments(sums, out);
  if (d_ == 1) {
    for (std::size_t f = 0; f < cell.facets.size(); ++f) {
      const Point3 z = whiten(cell.vertices[static_cast<std::size_t>(cell.facets[f].vertices[0])]);
      out.facet_mass[f] = std::exp(log_peak_ - 0.5 * detail::dot3(z, z));
    }
    return;
  }
  // facets: the same bound with d - 1 directions, against an estimate of the facet's own integral
  for (std::size_t f = 0; f < cell.facets.size(); ++f) {
    pieces.clear();
    double facet_estimate = 0.0, facet_measure_sum = 0.0;
    detail::for_each_facet_simplex(cell, cell.facets[f], [&](const detail::Simplex& s) {
      Piece piece;
      for (int k = 0; k < d_; ++k) {
        piece.x[static_cast<std::size_t>(k)] = s.vertex[static_cast<std::size_t>(k)];
        piece.z[static_cast<std::size_t>(k)] = whiten(s.vertex[static_cast<std::size_t>(k)]);
      }
      piece.measure = s.measure;
      piece.estimate = estimate(piece, d_, log_peak_);
      facet_estimate += piece.estimate;
      facet_measure_sum += piece.measure;
      pieces.push_back(piece);
    });
    const double facet_share = facet_measure_sum > 0.0 ? facet_estimate / facet_measure_sum : 0.0;
    detail::MomentSums facet_sums;
    for (Piece& piece : pieces) {
      piece.allowance = allowance(piece.estimate, facet_share * piece.measure);
      Engine::piece(*this, piece, d_, piece.x[0], 0, facet_share, 0, facet_sums);
    }
    out.facet_mass[f] = facet_sums.mass;
  }
}

GaussianLawND isotropic_gaussian_law(int dimension, const Point3& mean, double variance) {
  if (!(variance > 0.0) || !std::isfinite(variance))
    throw std::invalid_argument(describe("isotropic_gaussian_law", "variance", variance, "must be finite and > 0"));
  if (dimension < 1 || dimension > 3)
    throw std::invalid_argument(describe("isotropic_gaussian_law", "dimension", dimension, "must be 1, 2 or 3"));
  std::vector<double> covariance(static_cast<std::size_t>(dimension * dimension), 0.0);
  for (int k = 0; k < dimension; ++k) covariance[static_cast<std::size_t>(k * dimension + k)] = variance;
  return GaussianLawND(dimension, mean, covariance);
}

GaussianLawND heat_kernel_law(const HeatKernel& kernel, double t) {
  return isotropic_gaussian_law(kernel.dimension(), Point3{}, kernel.variance(t));
}

GaussianLawND fokker_planck_law(const LinearFokkerPlanck& solution, double t) {
  Point3 mean{};
  for (int k = 0; k < std::min(solution.dimension(), 3); ++k) mean[k] = solution.mean(k, t);
  return isotropic_gaussian_law(solution.dimension(), mean, solution.variance(t));
}

}  // namespace blobflow::analysis
