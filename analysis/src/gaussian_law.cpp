// GaussianLawND (law_nd.hpp): N(mu, Sigma) in R^d, d = 1, 2, 3, truncated to the box mu_k +- k sigma_k outside which
// the union bound leaves tail mass d erfc(k / sqrt 2) <= kTailMass, the Gaussian side of semi-discrete optimal
// transport (docs/math.md §6.1).
//
// Cells are fanned into simplices, each integrated about y by the collapsed Gauss rule of cell_quadrature.hpp with n
// points per direction, chosen (and the simplex bisected at its longest edge when no n <= kMaxPoints suffices) from an
// a priori bound. In whitened coordinates z = L^-1 (x - mu) (Sigma = L L^T) the density is
// phi(z) = (2 pi)^(-d/2) |det L|^-1 exp(-|z|^2/2), entire. The collapsed rule is a tensor of Gauss rules along chords of
// the simplex, nested; applying the 1D bound one direction at a time (the others on real nodes) gives, for k directions,
//   |error| <= k * 4 M rho^(1-2n) / (rho - 1) * |S|,
// the Gauss bound for a positive weight: twice the weight's integral times the Chebyshev truncation error
// 2 M rho^-(2n-1) / (rho - 1) of a function analytic and bounded by M in the Bernstein ellipse E_rho of each chord
// (Trefethen, "Approximation Theory and Approximation Practice", Thms 8.1 and 19.3). On the ellipse of a chord of length
// <= delta (the simplex's diameter in z) the points have real parts within e = (rho + 1/rho - 2) delta / 4 of the
// simplex and imaginary parts below eta = (rho - 1/rho) delta / 4, and |exp(-(a + i b)^2/2)| = exp(-(|a|^2 - |b|^2)/2),
// so M <= phi(0) exp(-(|g| - r - e)_+^2 / 2 + eta^2 / 2) with g the centroid and r the largest distance from it to a
// vertex. The moments' weights |x - y|^2 grow on the ellipse to at most (max_S |x - y| + ||L|| (e + eta))^2, which
// enters as a factor relative to the cell's mean square distance from y. rho is chosen among a ladder of values per
// simplex. Each simplex may err by kQuadratureError times its share of an estimate of the cell's mass (its centroid
// value times its measure, plus the cell's estimate over the number of simplices), so the cell's mass and second moment
// carry relative errors below about 2 kQuadratureError.
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
  double centroid_norm;  // |g| in z
  double radius;         // max |z_k - g|
  double diameter;       // max |z_i - z_j|
};

/// A simplex in x and in z.
struct Piece {
  std::array<Point3, 4> x{};
  std::array<Point3, 4> z{};
  double measure = 0.0;
  double allowance = 0.0;  // the error this piece may make (absolute, mass units)
};

Shape shape_of(const Piece& s, int corners) {
  Point3 g{};
  for (int k = 0; k < corners; ++k)
    for (int j = 0; j < 3; ++j) g[j] += s.z[static_cast<std::size_t>(k)][j] / corners;
  Shape shape{detail::norm3(g), 0.0, 0.0};
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
  /// Integrates one piece (bisecting as needed) into sums; returns nothing, adds to sums.
  /// extra: points added to the mass bound's n (1 for cells: the weight |x - y|^2 takes two degrees of the rule).
  static void piece(const GaussianLawND& law, Piece s, int corners, const Point3& y, int extra, int depth,
                    detail::MomentSums& sums) {
    const Shape shape = shape_of(s, corners);
    const double log_peak = law.log_peak_;
    // sup of phi over the simplex itself bounds its contribution: skip what underflows
    const double reach0 = std::max(0.0, shape.centroid_norm - shape.radius);
    if (log_peak - 0.5 * reach0 * reach0 + std::log(s.measure) < kLogUnderflow) return;
    const int directions = corners - 1;
    const int n = points_needed(shape, directions, log_peak, s.measure, s.allowance) + extra;
    if (n > kMaxPoints && depth < kMaxDepth) {
      // bisect the longest edge (in z)
      int a = 0, b = 1;
      double longest = -1.0;
      for (int i = 0; i < corners; ++i)
        for (int j = i + 1; j < corners; ++j) {
          const double len = detail::norm3(detail::sub3(s.z[static_cast<std::size_t>(i)], s.z[static_cast<std::size_t>(j)]));
          if (len > longest) {
            longest = len;
            a = i;
            b = j;
          }
        }
      Piece left = s, right = s;
      for (int j = 0; j < 3; ++j) {
        const double xm = 0.5 * (s.x[static_cast<std::size_t>(a)][j] + s.x[static_cast<std::size_t>(b)][j]);
        const double zm = 0.5 * (s.z[static_cast<std::size_t>(a)][j] + s.z[static_cast<std::size_t>(b)][j]);
        left.x[static_cast<std::size_t>(b)][j] = right.x[static_cast<std::size_t>(a)][j] = xm;
        left.z[static_cast<std::size_t>(b)][j] = right.z[static_cast<std::size_t>(a)][j] = zm;
      }
      left.measure = right.measure = 0.5 * s.measure;
      left.allowance = right.allowance = 0.5 * s.allowance;
      piece(law, left, corners, y, extra, depth + 1, sums);
      piece(law, right, corners, y, extra, depth + 1, sums);
      return;
    }
    const detail::SimplexRule& rule = detail::simplex_rule(directions, std::min(n, kMaxPoints));
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
      const double wf = rule.weights[i] * std::exp(log_peak - 0.5 * detail::dot3(z, z));
      mass += wf;
      for (int j = 0; j < 3; ++j) first[j] += wf * d[j];
      second += wf * detail::dot3(d, d);
    }
    sums.mass += s.measure * mass;
    for (int j = 0; j < 3; ++j) sums.first[j] += s.measure * first[j];
    sums.second += s.measure * second;
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
  double mass_estimate = 0.0;
  detail::for_each_simplex(cell, [&](const detail::Simplex& s) {
    Piece piece;
    for (int k = 0; k < corners; ++k) {
      piece.x[static_cast<std::size_t>(k)] = s.vertex[static_cast<std::size_t>(k)];
      piece.z[static_cast<std::size_t>(k)] = whiten(s.vertex[static_cast<std::size_t>(k)]);
    }
    piece.measure = s.measure;
    piece.allowance = estimate(piece, corners, log_peak_);
    mass_estimate += piece.allowance;
    pieces.push_back(piece);
  });
  const double floor = std::numeric_limits<double>::min();
  const double share = mass_estimate / static_cast<double>(std::max<std::size_t>(pieces.size(), 1));
  detail::MomentSums sums;
  for (Piece& piece : pieces) {
    piece.allowance = std::max(kQuadratureError * (piece.allowance + share), floor);
    Engine::piece(*this, piece, corners, y, 1, 0, sums);
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
    double facet_estimate = 0.0;
    detail::for_each_facet_simplex(cell, cell.facets[f], [&](const detail::Simplex& s) {
      Piece piece;
      for (int k = 0; k < d_; ++k) {
        piece.x[static_cast<std::size_t>(k)] = s.vertex[static_cast<std::size_t>(k)];
        piece.z[static_cast<std::size_t>(k)] = whiten(s.vertex[static_cast<std::size_t>(k)]);
      }
      piece.measure = s.measure;
      piece.allowance = estimate(piece, d_, log_peak_);
      facet_estimate += piece.allowance;
      pieces.push_back(piece);
    });
    const double facet_share = facet_estimate / static_cast<double>(std::max<std::size_t>(pieces.size(), 1));
    detail::MomentSums facet_sums;
    for (Piece& piece : pieces) {
      piece.allowance = std::max(kQuadratureError * (piece.allowance + facet_share), floor);
      Engine::piece(*this, piece, d_, piece.x[0], 0, 0, facet_sums);
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
