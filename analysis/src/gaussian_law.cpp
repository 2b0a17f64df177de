// GaussianLawND (law_nd.hpp): N(mu, Sigma) in R^d, d = 1, 2, 3, truncated to the box mu_k +- k sigma_k outside which
// the union bound leaves tail mass d erfc(k / sqrt 2) <= kTailMass, the Gaussian side of semi-discrete optimal
// transport (docs/math.md §6.1). 1D and 3D cells, and small 2D cells, are integrated by the fan of simplices (first part
// below); 2D cells otherwise along their edges (second part).
//
// ---- The fan (1D, 3D; 2D cells smaller than ||L||)
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
//
// ---- 2D: the divergence theorem in whitened coordinates
// Whitening. With z = L^-1 (x - mu), w = L^-1 (y - mu) and Q = L^-1 (P - mu) (a convex polygon, still
// counter-clockwise since det L > 0), rho(x) dx = phi(z) dz with phi(z) = e^(-|z|^2/2) / (2 pi), and x - y = L (z - w):
//   int_P rho = m,  int_P (x - y) rho = L F,  int_P |x - y|^2 rho = tr(L^T L S),
// where m = int_Q phi, F = int_Q (z - w) phi and S = int_Q (z - w)(z - w)^T phi (the whole matrix: L^T L is not a
// multiple of the identity for a correlated or anisotropic law). A facet from x_a to x_b maps to the edge z_a z_b and
// ds_x = (|x_b - x_a| / |z_b - z_a|) ds_z along it, so int_F rho ds_x = |x_b - x_a| / (|z_b - z_a| det L) int_e phi ds.
// An edge e from a to b: unit direction u = (b - a)/|b - a|, outward normal n (u turned clockwise), offset q = n.a (the
// cell lies in n.z <= q, so q > 0 when the mean is on the cell's side of the edge's line); its points are
// z(s) = q n + s u, s in [s_a, s_b], and |z(s)|^2 = q^2 + s^2, so phi = phi_1(q) phi_1(s) along it (phi_1 the 1D law).
// Mass. The triangle (0, a, b) has signed mass sign(q) tau_e, where in polar coordinates about the mean the radial
// integral of r phi is (1 - e^(-r^2/2)) / (2 pi), and along the edge d(angle) = |q| ds / r^2:
//   tau_e = (|q| / 2 pi) int_e (1 - e^(-r^2/2)) / r^2 ds >= 0,   r^2 = q^2 + s^2.
// The edge's shadow {t z : z on e, t > 1} has mass omega_e = (|q| / 2 pi) int_e e^(-r^2/2) / r^2 ds >= 0, and
// tau_e + omega_e = (angle e subtends at the mean) / 2 pi. The angles add up to 2 pi around a mean inside Q and to 0
// around one outside, so
//   m = sum_e sign(q_e) tau_e = [mean inside Q] - sum_e sign(q_e) omega_e.
// (An edge whose line passes through the mean has q = 0 and adds nothing to either sum.) Both are Owen's T functions,
// omega_e = T(|q|, s_b/|q|) - T(|q|, s_a/|q|), but these differences cancel in the tails: for an edge on the line
// q = 0.5 with s in [7, 7.5], T is 0.154 and the difference 4.3e-15, which Boost's owens_t (1.74) returns 2e-3 off;
// on the line q = 6 the same edge comes out 3e-5 off (the identity that trades T(h, a) for T(a h, 1/a) cancels when
// h is large). So the edge integrals themselves are computed, by Gauss-Legendre
// panels along the edge (below), and the sum that cancels least is kept: the triangles when the mean lies in the
// closed cell (every term >= 0), otherwise whichever of sum tau_e, sum omega_e is smaller (the shadows in the tails,
// where they cancel only by about 1 / (|z| diameter); the triangles near the mean).
// Moments. grad phi = -z phi gives int_Q (z - w) phi = -oint n phi ds - w m, and
// d_j((z - w)_i phi) = delta_ij phi - (z - w)_i z_j phi gives
//   S_ij = delta_ij m - oint (z - w)_i n_j phi ds - w_j F_i,
// so every integral is a sum over edges of int_e phi ds, int_e (z - w) phi ds and tau_e or omega_e. The reduction
// cancels where the cell is small: the boundary term carries delta_ij m against S ~ m diameter^2, so the cell's second
// moment loses about 1 / diameter^2 relative (3e-13 at 1 standard deviation, 1e-11 at 0.1, measured); an anisotropic
// L then weights S by L^T L, of largest eigenvalue ||L||^2. Cells of diameter (in x) below kFanDiameter ||L|| take the
// fan for their moments instead, which has no such cancellation and is cheap for them.
// Edge integrals. Split each edge at the foot of the perpendicular from the mean (s = 0) and mirror the piece with
// s < 0, so that sigma = |s| increases along each piece. Where r < kNearRadius the triangle density
// (1 - e^(-r^2/2)) / r^2 is integrated (entire in s: its removable singularity at r = 0 is not a pole), and beyond
// it the shadow density e^(-r^2/2) / r^2, whose poles s = +-i|q| lie at distance r >= kNearRadius from every point of
// the panel; there the other density is at least 0.32 (e^(-1.5^2/2)) of the subtended angle's density, so computing
// one and taking the other as the angle less it loses no digits. Panels: the near part in one piece (length <= 1.5),
// sigma up to kExponentStart in pieces of kCentralPanel (Bernstein ellipses with rho = 8 clear the poles), and beyond
// in the exponent t = (sigma^2 - sigma_0^2) / 2, where phi along the edge is e^-t times its value at the panel's start
// and ds = dt / sigma: the remaining factor is singular only at t <= -2 (sigma = 0, sigma = +-i|q|), so doubling panels
// [0, 1], [1, 2], [2, 4], ..., [32, 40] converge fast, each carrying at most e^-t0 of the piece; past t = 40 the piece
// has less than e^-40 = 4e-18 of its start left. With kEdgePoints = 12 points per panel every panel kind is within
// 1e-18 of its piece's integral at its worst geometry (against 40-digit quadrature; 10 points would leave 1e-15).
// Round-off. phi(z) for |z| ~ 9 costs |z|^2/2 ~ 40 ulps if exp's argument is formed from |z|^2, and the cancelling
// sums above magnify such errors. Densities are therefore evaluated as phi(c) e^(-(|z|^2 - |c|^2)/2), c the cell's point nearest
// the mean, with the exponent formed from offsets along the edge (small numbers): only phi(c), common to all terms,
// carries the large argument. Against 40-digit references the edge path keeps mass, first moment and second moment
// within 1e-13 relative for cells of diameter >= ||L|| from the mean out to 12 standard deviations.
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


// ---------------------------------------------------------------------------------------------------------------------
// 2D: integrals along the edges of the whitened polygon (derivation at the top of the file)

/// |z| below which an edge point counts as near the mean: there the triangle density (1 - e^(-r^2/2)) / r^2, entire in
/// the edge coordinate, is integrated; beyond it the shadow density e^(-r^2/2) / r^2, whose poles s = +-i|q| then lie
/// at least this far from every point of the panel.
constexpr double kNearRadius = 1.5;
/// Edge coordinate |s| from which the Gaussian along the edge is integrated in its exponent t = (s^2 - s0^2) / 2, where
/// it is e^-t times a factor whose singularities (s = 0, s = +-i|q|) lie at t <= -2.
constexpr double kExponentStart = 2.0;
/// Most length of an s-panel between the near part and kExponentStart: with the poles >= kNearRadius away, Bernstein
/// ellipses with rho = 8 fit (semi-minor axis 0.98 < 1.5).
constexpr double kCentralPanel = 0.5;
/// Ends of the panels in t. Doubling panels carry at most e^-t0 of the edge piece's integral each, which pays for their
/// slower convergence; beyond t = 40 the piece adds less than e^-40 = 4e-18 of its start.
constexpr std::array<double, 8> kExponentPanels{0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 40.0};
/// Gauss-Legendre points per panel: with the panels above every panel kind is within 1e-18 of its piece's integral at
/// its worst geometry (checked against 40-digit quadrature; 10 points leave 1e-15, 8 points 1e-12).
constexpr int kEdgePoints = 12;
constexpr double kInvTwoPi = 0.5 / std::numbers::pi;
/// Cells of diameter below kFanDiameter ||L|| (in x; ||L||_2 is the largest standard deviation, and the Frobenius norm
/// of L, at most sqrt(2) times larger, stands for it) take the fan's Gauss rules for their moments: the edge sums cancel by about 1 / diameter in the mass and
/// 1 / diameter^2 in the second moment about the seed (measured, isotropic: 3e-13 relative at diameter 1 sd, 1e-11 at
/// 0.1 sd), and an anisotropic L weights the whitened moments by L^T L, whose largest eigenvalue ||L||^2 multiplies
/// their absolute error while the cell's own second moment scales with its diameter in x. The fan is free of that
/// cancellation and cheap for such cells unless the Gaussian varies across them by more than e^kFanVariation (the
/// whitened diameter times the largest |z|): beyond, the cell lies past 10 standard deviations, where only the
/// absolute error counts.
constexpr double kFanDiameter = 1.0;
constexpr double kFanVariation = 10.0;

/// An edge of the whitened polygon: the points z(s) = q n + s u, s in [s_a, s_b], with n the outward unit normal and
/// u the unit direction from the first vertex a to the second; |z(s)|^2 = q^2 + s^2. Densities are evaluated relative
/// to the cell's point c nearest the mean, phi(z) = phi(c) e^-e(z), e(z) = (|z|^2 - |c|^2) / 2 >= 0, with e formed from
/// offsets to a, c and w rather than from |z|^2: exp's argument then carries round-off of the size of e, not of
/// |z|^2 / 2 (which would lose |z|^2 / 2 ulps of every node's density at the tails, before the cell's sums cancel).
struct EdgeFrame {
  double q = 0.0;            // signed offset: n.z <= q in the cell, so q > 0 when the mean is on the cell's side
  double h = 0.0;            // |q|, the distance from the mean to the edge's line
  double s_a = 0.0;          // the first vertex's edge coordinate
  std::array<double, 2> n{};
  std::array<double, 2> u{};
  std::array<double, 2> a_c{};  // a - c
  std::array<double, 2> a_w{};  // a - w, w the whitened seed
  std::array<double, 2> c{};
  double phi_c = 0.0;           // phi(c)
};

/// Integrals along one edge, all of positive integrands.
struct EdgeSums {
  double mass = 0.0;                 // int_e phi ds
  std::array<double, 2> first{};     // int_e (z - w) phi ds
  double triangle = 0.0;             // mass of the triangle (0, a, b)
  double shadow = 0.0;               // mass of the edge's shadow: the points r z, z on the edge, r > 1
  void add(const EdgeSums& o) {
    mass += o.mass;
    first[0] += o.first[0];
    first[1] += o.first[1];
    triangle += o.triangle;
    shadow += o.shadow;
  }
};

/// A piece of an edge on one side of the foot of the perpendicular from the mean: s = sign * sigma, sigma >= 0, with
/// its start sigma0 as anchor: z - w and e at the anchor, formed from the offset sign * sigma0 - s_a along the edge.
struct PieceAnchor {
  double sign = 1.0;
  double sigma0 = 0.0;
  std::array<double, 2> v0{};  // z(anchor) - w
  double e0 = 0.0;             // e(z(anchor))
};

PieceAnchor anchor(const EdgeFrame& f, double sign, double sigma0) {
  const double offset = sign * sigma0 - f.s_a;
  const std::array<double, 2> d{f.a_c[0] + offset * f.u[0], f.a_c[1] + offset * f.u[1]};
  return {sign, sigma0, {f.a_w[0] + offset * f.u[0], f.a_w[1] + offset * f.u[1]},
          f.c[0] * d[0] + f.c[1] * d[1] + 0.5 * (d[0] * d[0] + d[1] * d[1])};
}

/// (1 - e^(-r2/2)) / r2, the triangle density's radial factor: positive, entire in r2, 1/2 at 0.
double triangle_factor(double r2) { return r2 > 0.0 ? -std::expm1(-0.5 * r2) / r2 : 0.5; }

/// Adds the node sigma = sigma0 + step (step >= 0) of a piece, with quadrature weight `weight` (in sigma) and exponent
/// e = e0 + extra, to mass and first; returns the node's weighted density weight * phi.
double add_node(const EdgeFrame& f, const PieceAnchor& p, double step, double extra, double weight, EdgeSums& sums) {
  const double phi = weight * f.phi_c * std::exp(-(p.e0 + extra));
  const double along = p.sign * step;
  sums.mass += phi;
  sums.first[0] += phi * (p.v0[0] + along * f.u[0]);
  sums.first[1] += phi * (p.v0[1] + along * f.u[1]);
  return phi;
}

/// The Gauss rule on the panel sigma in [s0, s1] of a piece: mass, first and the triangle (near) or shadow (far)
/// density.
void add_s_panel(const EdgeFrame& f, const PieceAnchor& p, double s0, double s1, bool near, EdgeSums& sums) {
  const detail::Rule1D& rule = detail::gauss_legendre(kEdgePoints);
  const double length = s1 - s0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double sigma = s0 + length * rule.nodes[i];
    const double weight = length * rule.weights[i];
    const double step = (s0 - p.sigma0) + length * rule.nodes[i];
    const double phi = add_node(f, p, step, 0.5 * step * (p.sigma0 + sigma), weight, sums);
    const double r2 = f.h * f.h + sigma * sigma;
    if (near)
      sums.triangle += weight * kInvTwoPi * f.h * triangle_factor(r2);
    else
      sums.shadow += phi * f.h / r2;
  }
}

/// The Gauss rule on the panel t in [t0, t1] of the exponent t = (sigma^2 - sigma0^2) / 2 (ds = dt / sigma, and the
/// Gaussian along the edge is e^-t times its value at the anchor): mass, first and the shadow density.
void add_t_panel(const EdgeFrame& f, const PieceAnchor& p, double t0, double t1, EdgeSums& sums) {
  const detail::Rule1D& rule = detail::gauss_legendre(kEdgePoints);
  const double length = t1 - t0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double t = t0 + length * rule.nodes[i];
    const double sigma = std::sqrt(p.sigma0 * p.sigma0 + 2.0 * t);
    const double step = 2.0 * t / (sigma + p.sigma0);
    const double phi = add_node(f, p, step, t, length * rule.weights[i] / sigma, sums);
    sums.shadow += phi * f.h / (f.h * f.h + sigma * sigma);
  }
}

/// The angle the piece sigma in [s0, s1] (0 <= s0 <= s1) subtends at the mean, over 2 pi: the sum of its triangle
/// and shadow masses.
double sector(const EdgeFrame& f, double s0, double s1) {
  return kInvTwoPi * std::atan2(f.h * (s1 - s0), f.h * f.h + s0 * s1);
}

/// Adds the piece sigma in [s0, s1] (0 <= s0 < s1, s = sign * sigma) of an edge, on one side of the foot of the
/// perpendicular from the mean. The near part takes the triangle density and the rest the shadow density; each part's
/// other mass is its sector less the computed one, and that other mass is at least 0.32 of the sector there (the
/// shadow's share of the angle density is e^(-r^2/2) > e^(-kNearRadius^2/2) = 0.32 on the near part, the triangle's
/// 1 - e^(-r^2/2) > 0.68 beyond), so the subtraction loses at most a factor 3.
void add_piece(const EdgeFrame& f, double sign, double s0, double s1, EdgeSums& sums) {
  const double near_end = f.h < kNearRadius ? std::sqrt((kNearRadius - f.h) * (kNearRadius + f.h)) : 0.0;
  if (s0 < near_end) {
    const double end = std::min(s1, near_end);
    EdgeSums near;
    add_s_panel(f, anchor(f, sign, s0), s0, end, true, near);
    near.shadow = std::max(0.0, sector(f, s0, end) - near.triangle);
    sums.add(near);
  }
  const double far_start = std::max(s0, near_end);
  if (far_start >= s1) return;
  EdgeSums far;
  const double central_end = std::min(s1, kExponentStart);
  if (far_start < central_end) {
    const PieceAnchor p = anchor(f, sign, far_start);
    const int panels = static_cast<int>(std::ceil((central_end - far_start) / kCentralPanel));
    const double step = (central_end - far_start) / panels;
    for (int k = 0; k < panels; ++k)
      add_s_panel(f, p, far_start + k * step, k + 1 == panels ? central_end : far_start + (k + 1) * step, false, far);
  }
  const double start = std::max(far_start, kExponentStart);
  if (start < s1) {
    const PieceAnchor p = anchor(f, sign, start);
    const double t_end = 0.5 * (s1 - start) * (s1 + start);
    for (std::size_t k = 0; k + 1 < kExponentPanels.size() && kExponentPanels[k] < t_end; ++k)
      add_t_panel(f, p, kExponentPanels[k], std::min(kExponentPanels[k + 1], t_end), far);
  }
  far.triangle = std::max(0.0, sector(f, far_start, s1) - far.shadow);
  sums.add(far);
}

/// The frame of the edge from a to b (whitened, a != b) about the whitened seed w, densities relative to the point c
/// of the cell nearest the mean (phi_c = phi(c)).
EdgeFrame edge_frame(const Point3& a, const Point3& b, const Point3& w, const Point3& c, double phi_c) {
  EdgeFrame f;
  const double dx = b[0] - a[0], dy = b[1] - a[1];
  const double length = std::hypot(dx, dy);
  f.u = {dx / length, dy / length};
  f.n = {f.u[1], -f.u[0]};  // the right of a counter-clockwise boundary
  f.q = 0.5 * (f.n[0] * (a[0] + b[0]) + f.n[1] * (a[1] + b[1]));
  f.h = std::abs(f.q);
  f.s_a = f.u[0] * a[0] + f.u[1] * a[1];
  f.a_c = {a[0] - c[0], a[1] - c[1]};
  f.a_w = {a[0] - w[0], a[1] - w[1]};
  f.c = {c[0], c[1]};
  f.phi_c = phi_c;
  return f;
}

/// The integrals along an edge, its pieces on either side of the foot of the perpendicular from the mean.
EdgeSums edge_integrals(const EdgeFrame& f, double length) {
  const double s_b = f.s_a + length;
  EdgeSums sums;
  if (f.s_a < 0.0) add_piece(f, -1.0, std::max(0.0, -s_b), -f.s_a, sums);
  if (s_b > 0.0) add_piece(f, 1.0, std::max(0.0, f.s_a), s_b, sums);
  return sums;
}

/// The point of a convex polygon (whitened vertices z, counter-clockwise edges from `cell`) nearest the mean: the mean
/// itself when no edge's line separates it from the polygon, else the nearest point of the nearest edge.
Point3 nearest_point(const ConvexCell& cell, const std::vector<Point3>& z) {
  bool inside = true;
  Point3 best{};
  double best_distance = std::numeric_limits<double>::infinity();
  for (const auto& facet : cell.facets) {
    const Point3& a = z[static_cast<std::size_t>(facet.vertices[0])];
    const Point3& b = z[static_cast<std::size_t>(facet.vertices[1])];
    const double dx = b[0] - a[0], dy = b[1] - a[1];
    const double length2 = dx * dx + dy * dy;
    if (!(length2 > 0.0)) continue;
    inside = inside && dy * a[0] - dx * a[1] >= 0.0;  // |b - a| q, q the edge's offset n.a
    const double t = std::clamp(-(a[0] * dx + a[1] * dy) / length2, 0.0, 1.0);
    const Point3 p{a[0] + t * dx, a[1] + t * dy, 0.0};
    const double distance = std::hypot(p[0], p[1]);
    if (distance < best_distance) {
      best_distance = distance;
      best = p;
    }
  }
  return inside ? Point3{} : best;
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

  /// The moments of a cell by its fan of simplices, each integrated by the collapsed Gauss rules (bisected as needed).
  static void fan(const GaussianLawND& law, const ConvexCell& cell, const Point3& y, detail::MomentSums& sums) {
    // the fan with a first estimate of each simplex's mass (the 3-point rule)
    static thread_local std::vector<Piece> pieces;
    pieces.clear();
    const int corners = law.d_ + 1;
    double mass_estimate = 0.0, total_measure = 0.0;
    detail::for_each_simplex(cell, [&](const detail::Simplex& s) {
      Piece p;
      for (int k = 0; k < corners; ++k) {
        p.x[static_cast<std::size_t>(k)] = s.vertex[static_cast<std::size_t>(k)];
        p.z[static_cast<std::size_t>(k)] = law.whiten(s.vertex[static_cast<std::size_t>(k)]);
      }
      p.measure = s.measure;
      p.estimate = estimate(p, corners, law.log_peak_);
      mass_estimate += p.estimate;
      total_measure += p.measure;
      pieces.push_back(p);
    });
    const double density_share = total_measure > 0.0 ? mass_estimate / total_measure : 0.0;
    for (Piece& p : pieces) {
      p.allowance = allowance(p.estimate, density_share * p.measure);
      piece(law, p, corners, y, 1, density_share, 0, sums);
    }
  }

  /// A 2D cell: the facet integrals along every edge, and the moments either from the same edge integrals (the
  /// divergence theorem, derivation at the top) or, for a cell smaller than kFanDiameter ||L||, by the fan.
  static void plane(const GaussianLawND& law, const ConvexCell& cell, const Point3& y, CellIntegrals& out) {
    static thread_local std::vector<Point3> z;
    z.clear();
    double radius = 0.0;
    for (const Point3& v : cell.vertices) {
      z.push_back(law.whiten(v));
      radius = std::max(radius, detail::norm3(z.back()));
    }
    double diameter2 = 0.0, diameter2_x = 0.0;  // squared, in z and in x
    for (std::size_t i = 0; i < z.size(); ++i)
      for (std::size_t j = i + 1; j < z.size(); ++j) {
        const Point3 dz = detail::sub3(z[i], z[j]), dx = detail::sub3(cell.vertices[i], cell.vertices[j]);
        diameter2 = std::max(diameter2, detail::dot3(dz, dz));
        diameter2_x = std::max(diameter2_x, detail::dot3(dx, dx));
      }
    const Point3 w = law.whiten(y);
    const Point3 c = nearest_point(cell, z);
    const double phi_c = kInvTwoPi * std::exp(-0.5 * (c[0] * c[0] + c[1] * c[1]));
    const double inverse_det = 1.0 / (law.cholesky_[0][0] * law.cholesky_[1][1]);
    // the mass in both forms with the sums of their terms' sizes, oint n phi ds and oint (z - w) n^T phi ds
    double triangles = 0.0, shadows = 0.0, triangle_scale = 0.0, shadow_scale = 0.0;
    bool mean_inside = true;
    std::array<double, 2> boundary{};  // boundary[i] = sum_e n_i int_e phi ds
    std::array<std::array<double, 2>, 2> flux{};  // flux[i][j] = sum_e n_j int_e (z - w)_i phi ds
    for (std::size_t f = 0; f < cell.facets.size(); ++f) {
      const Point3& a = z[static_cast<std::size_t>(cell.facets[f].vertices[0])];
      const Point3& b = z[static_cast<std::size_t>(cell.facets[f].vertices[1])];
      const double length_z = std::hypot(b[0] - a[0], b[1] - a[1]);
      if (!(length_z > 0.0)) continue;
      const EdgeFrame frame = edge_frame(a, b, w, c, phi_c);
      const EdgeSums e = edge_integrals(frame, length_z);
      const Point3& xa = cell.vertices[static_cast<std::size_t>(cell.facets[f].vertices[0])];
      const Point3& xb = cell.vertices[static_cast<std::size_t>(cell.facets[f].vertices[1])];
      out.facet_mass[f] = e.mass * std::hypot(xb[0] - xa[0], xb[1] - xa[1]) / length_z * inverse_det;
      const double sign = frame.q > 0.0 ? 1.0 : (frame.q < 0.0 ? -1.0 : 0.0);
      mean_inside = mean_inside && frame.q >= 0.0;
      triangles += sign * e.triangle;
      shadows -= sign * e.shadow;
      triangle_scale += e.triangle;
      shadow_scale += e.shadow;
      for (int i = 0; i < 2; ++i) {
        boundary[static_cast<std::size_t>(i)] += frame.n[static_cast<std::size_t>(i)] * e.mass;
        for (int j = 0; j < 2; ++j)
          flux[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] +=
              frame.n[static_cast<std::size_t>(j)] * e.first[static_cast<std::size_t>(i)];
      }
    }
    const double fan_diameter = kFanDiameter * law.l_norm_;
    if (diameter2_x < fan_diameter * fan_diameter && diameter2 * radius * radius < kFanVariation * kFanVariation) {
      detail::MomentSums sums;
      fan(law, cell, y, sums);
      detail::store_moments(sums, out);
      return;
    }
    // the mass by the form that cancels least (the triangles when the mean is in the closed cell: all terms >= 0)
    const double mass = mean_inside || triangle_scale <= shadow_scale ? triangles : shadows;
    // int (z - w) phi = -oint n phi ds - w m;  int (z - w)_i (z - w)_j phi = delta_ij m - oint (z - w)_i n_j phi ds
    // - w_j int (z - w)_i phi
    const std::array<double, 2> first{-boundary[0] - w[0] * mass, -boundary[1] - w[1] * mass};
    std::array<std::array<double, 2>, 2> second{};
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 2; ++j) second[i][j] = (i == j ? mass : 0.0) - flux[i][j] - first[i] * w[j];
    // back to x: x - y = L (z - w)
    const auto& L = law.cholesky_;
    out.mass = mass;
    out.first = {L[0][0] * first[0], L[1][0] * first[0] + L[1][1] * first[1], 0.0};
    const double g00 = L[0][0] * L[0][0] + L[1][0] * L[1][0], g01 = L[1][0] * L[1][1], g11 = L[1][1] * L[1][1];
    out.second = g00 * second[0][0] + g01 * (second[0][1] + second[1][0]) + g11 * second[1][1];
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
  if (d_ == 2) {
    Engine::plane(*this, cell, y, out);
    return;
  }
  detail::MomentSums sums;
  Engine::fan(*this, cell, y, sums);
  detail::store_moments(sums, out);
  if (d_ == 1) {
    for (std::size_t f = 0; f < cell.facets.size(); ++f) {
      const Point3 z = whiten(cell.vertices[static_cast<std::size_t>(cell.facets[f].vertices[0])]);
      out.facet_mass[f] = std::exp(log_peak_ - 0.5 * detail::dot3(z, z));
    }
    return;
  }
  // facets: the same bound with d - 1 directions, against an estimate of the facet's own integral
  static thread_local std::vector<Piece> pieces;
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
