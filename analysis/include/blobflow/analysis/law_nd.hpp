// Probability laws on R^d (d = 1, 2, 3) that integrate their density over convex cells (convex_cell.hpp): the
// continuous side of semi-discrete optimal transport (docs/math.md §6.1). For a cell P and a point y a law returns
// int_P rho, int_P (x - y) rho, int_P |x - y|^2 rho and int_F rho dsigma on every facet F of P, either exactly (up to
// round-off) or with a quadrature whose error each law states and its tests check. Integrals are taken about y (the
// cell's seed) so that small cells far from the origin lose no digits to cancellation.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/convex_cell.hpp"
#include "blobflow/analysis/exact_solutions.hpp"

namespace blobflow::analysis {

/// The integrals of a law over one cell, about a point y.
struct CellIntegrals {
  double mass = 0.0;               ///< int_P rho
  Point3 first{};                  ///< int_P (x - y) rho
  double second = 0.0;             ///< int_P |x - y|^2 rho
  std::vector<double> facet_mass;  ///< int_F rho dsigma for each facet of P, in the cell's order
};

/// A probability law with a density on R^d.
class LawND {
 public:
  virtual ~LawND() = default;
  virtual int dimension() const = 0;
  /// A box outside which the law has no mass, or (unbounded support) less than the tail mass the law states.
  virtual Box support_box() const = 0;
  /// The density at x (first d entries).
  virtual double density(const Point3& x) const = 0;
  /// Whether the density is positive at x: a seed there has a cell of positive mass whatever its neighbours.
  virtual bool interior(const Point3& x) const = 0;
  /// A point of the interior toward which seeds outside the support can be pulled (the start of the solver).
  virtual Point3 centre() const = 0;
  /// The integrals over `cell` about y; out.facet_mass is resized to the number of facets.
  virtual void integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const = 0;
};

// ---------------------------------------------------------------------------------------------------------------------
// Concrete laws. Every integrate() takes a cell of the law's dimension (ConvexCell::dimension must match; it throws
// std::invalid_argument otherwise) and returns the integrals about y; an empty cell gives zeros.

/// The uniform law on a box: rho = 1/|box| on the closed box. Integrals are exact up to round-off: each simplex of the
/// cell's fan contributes |S|/|box| times the closed forms int_S x = |S| mean(v_i) and
/// int_S (x-y)(x-y)^T = |S| [sum_i w_i w_i^T + (sum_i w_i)(sum_i w_i)^T] / ((d+1)(d+2)), w_i = v_i - y.
/// A cell reaching outside the box is cut to the box first (a mixture's cells are cut to the union of the boxes).
class UniformBoxLaw final : public LawND {
 public:
  /// \throws std::invalid_argument unless box.dimension is 1, 2 or 3 and lo < hi (finite) in every used coordinate.
  explicit UniformBoxLaw(const Box& box);
  int dimension() const override { return box_.dimension; }
  Box support_box() const override { return box_; }
  double density(const Point3& x) const override;
  bool interior(const Point3& x) const override;
  Point3 centre() const override;
  void integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const override;

 private:
  Box box_;
  double volume_;
};

/// A piecewise-constant law on a box: rho = background on the hull box, except value_k on each piece B_k (boxes inside
/// the hull with pairwise disjoint interiors), divided by the total mass. The steady state rhobar / int rhobar of a
/// piecewise-constant target on the hull of its pieces. Integrals are the signed sums of the uniform laws' exact ones,
/// background |hull| U_hull + sum_k (value_k - background) |B_k| U_k: exact up to round-off, which grows by
/// background / value_k inside a piece whose value is below the background.
class PiecewiseConstantLawND final : public LawND {
 public:
  struct Piece {
    Box box;
    double value = 1.0;
  };
  /// \throws std::invalid_argument unless the hull is a valid UniformBoxLaw box, background is finite and >= 0, every
  /// piece has the hull's dimension, lies inside the hull and has a finite value >= 0, no two pieces' interiors meet,
  /// and the total mass is > 0.
  PiecewiseConstantLawND(const Box& hull, double background, std::vector<Piece> pieces);

  int dimension() const override { return hull_.dimension(); }
  Box support_box() const override { return hull_.support_box(); }
  double density(const Point3& x) const override;
  /// The density is positive at x.
  bool interior(const Point3& x) const override { return density(x) > 0.0; }
  /// The hull's centre where the background is positive, else the centre of the heaviest piece.
  Point3 centre() const override;
  void integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const override;

 private:
  UniformBoxLaw hull_;
  double background_;                   // density on the hull outside the pieces, divided by the mass
  double hull_coefficient_;             // background |hull|, divided by the mass
  std::vector<Piece> pieces_;           // values divided by the mass
  std::vector<UniformBoxLaw> uniform_;  // the pieces' uniform laws
  std::vector<double> coefficient_;     // (value_k - background) |B_k|, divided by the mass
};

/// The radial law rho(x) = K (1 - |x - c|^2 / R^2)_+^p on the ball of radius R about c in R^d, d = 1, 2, 3, p >= 0,
/// K = Gamma(p + 1 + d/2) / (pi^(d/2) Gamma(p + 1) R^d): the Barenblatt profiles of the porous-medium equation
/// (p = 1/(m-1)), the stationary and self-similar confined profiles, and the uniform ball (p = 0).
///
/// Integration (docs/math.md §6.1):
///   - a cell inside the closed ball with p an integer (<= kPolynomialMaxExponent): the density is a polynomial of
///     degree 2p and the fan of the cell into simplices is integrated about y by collapsed Gauss rules of degree
///     2p + 3: exact up to round-off;
///   - every other cell (cut by the sphere, or p not an integer): the divergence theorem reduces the cell integrals
///     to facet integrals of radial antiderivatives about c, and (3D) each facet integral to integrals along its
///     edges in the facet's plane, with the radial antiderivatives in closed form (in 3D the incomplete beta integrals
///     int s^2 (1 - s^2/R^2)^q ds enter only over short intervals, by Gauss or Gauss-Jacobi rules, exact for integer
///     p). The edge integrals are split where the edge crosses the sphere. Inside, for integer p every kernel is a
///     polynomial in the edge coordinate s and p + 3 Gauss points are exact; otherwise a piece far from the crossings
///     takes Gauss-Legendre in s (points from the Bernstein ellipse of the nearest crossing), and a piece near one the
///     angle psi of s = -s_c cos(psi) (s_c the half-chord), which turns the front factor (s_c^2 - s^2)^k into
///     sin^(2k)(psi): analytic when 2p is an integer, with the number of Gauss points growing with p (trigonometric
///     degree 2p + 6); otherwise graded toward the front (psi ~ sigma^3), an O(n^-(12p+12)) rule. Outside the sphere
///     the antiderivatives are constant multiples of |x - c|^-d and the edge integrals are closed-form angles.
///     The quadrature error is below kQuadratureError relative to K |P|. The sums run in extended precision
///     (long double, 64-bit mantissa on x86-64): taking the moments from c to y cancels by up to (|y - c| / h)^3 for a
///     cell of size h (cubed for the second moment, squared for the first, once for the mass), and the 11 extra bits
///     keep that below double round-off for h >= |y - c| / 10^3.
/// Facet integrals come from the same reductions. 1D intervals use Gauss-Legendre, or Gauss-Jacobi with the weight
/// (R -+ x)^p at an end of the support.
class RadialPowerLaw final : public LawND {
 public:
  /// Integer exponents up to this are integrated as polynomials inside the ball.
  static constexpr int kPolynomialMaxExponent = 12;
  /// An exponent within this relative distance of an integer or half-integer is taken as that number (1/(m-1) for
  /// m = 4/3 is 3 + 7e-16; the density changes by less than round-off).
  static constexpr double kExponentSnap = 1e-12;
  /// Relative error (to K |P|) of the angle quadratures of cells cut by the sphere: below round-off when 2p is an
  /// integer (geometric convergence, see radial_front.cpp), and O(24^-12) otherwise; tests compare with brute-force
  /// quadrature to 1e-12.
  static constexpr double kQuadratureError = 1e-14;

  /// \throws std::invalid_argument unless dimension is 1, 2 or 3, the first `dimension` entries of centre are finite,
  /// radius is finite and > 0, and exponent is finite and >= 0.
  RadialPowerLaw(int dimension, const Point3& centre, double radius, double exponent);
  ~RadialPowerLaw() override;
  RadialPowerLaw(const RadialPowerLaw&);
  RadialPowerLaw& operator=(const RadialPowerLaw&);

  int dimension() const override { return d_; }
  Box support_box() const override;
  double density(const Point3& x) const override;
  /// |x - c| < R.
  bool interior(const Point3& x) const override;
  /// The centre c.
  Point3 centre() const override { return centre_; }
  void integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const override;

  double radius() const { return radius_; }
  double exponent() const { return p_; }
  /// K of the density, in units of length^-d.
  double normalization() const { return normalization_; }
  /// int |x - c|^2 rho = d R^2 / (d + 2p + 2).
  double second_moment() const;

  struct Data;  // precomputed quadrature rules and constants (radial_law.cpp)

 private:
  int d_;
  Point3 centre_;
  double radius_, p_, normalization_;
  std::unique_ptr<Data> data_;
};

/// The Barenblatt profile u(., t) / M of `profile` (radius R(t), p = 1/(m-1), centred at 0).
/// \throws std::invalid_argument unless profile.dimension() <= 3 and t > 0 is finite.
RadialPowerLaw barenblatt_law(const Barenblatt& profile, double t);

/// The law rho(., t) / M of a confined porous-medium solution (radius e^(-t) R_U(tau(t)), p = 1/(m-1), centred at 0).
/// \throws std::invalid_argument unless solution.dimension() <= 3 and t >= 0 is finite.
RadialPowerLaw confined_porous_medium_law(const ConfinedPorousMedium& solution, double t);

/// The uniform law on the ball of radius `radius` about `centre` (p = 0). \throws as RadialPowerLaw.
RadialPowerLaw uniform_ball_law(int dimension, const Point3& centre, double radius);

/// The normal law N(mu, Sigma) on R^d, d = 1, 2, 3, for any symmetric positive definite Sigma, truncated to the box
/// mu_k +- k sigma_k (sigma_k^2 = Sigma_kk) with k = sqrt(2) erfc^-1(kTailMass / d), so that the mass outside the box
/// (at most d erfc(k / sqrt 2) by the union bound) is below kTailMass: the density is the Gaussian's inside the box and
/// 0 outside, and its total mass differs from 1 by less than kTailMass, below double round-off. integrate() integrates
/// the Gaussian over the whole cell (cells are cut to the support box by the solver; a mixture's may reach beyond it,
/// where the Gaussian has less than kTailMass).
///
/// Integration (docs/math.md §6.1; derivations in gaussian_law.cpp), in whitened coordinates z = L^-1 (x - mu),
/// Sigma = L L^T, where the law is the standard normal phi:
///   - 1D, 3D: the cell's fan of simplices, each integrated about y by a collapsed Gauss rule with n <= 10 points per
///     direction, n chosen per simplex (bisecting it when needed) from the Bernstein-ellipse bound of the Gauss rules
///     for the entire function exp(-|z|^2/2), so that the mass of a cell carries a relative error below
///     2 kQuadratureError (the moments likewise, relative to the cell's mass times its mean square distance from y),
///     and each facet integral likewise (d - 1 directions). Cost grows with the Gaussian's variation across the cell:
///     in 3D the outer cells of a sample, which extend to the truncation box, are the expensive ones.
///   - 2D: the divergence theorem turns the mass (a signed sum of the masses of the triangles the edges span with the
///     mean, or of the shadows they cast away from it), the moments about y and the facet integrals into integrals
///     along the edges of the whitened cell, computed by Gauss-Legendre panels that follow the Gaussian along each
///     edge (each panel within 1e-18 of its piece): a few microseconds per cell, however far it reaches into the tail.
///     Facet integrals come from these edge integrals for every cell, with a relative error of round-off size (about
///     |z|^2 ulps from exp's argument: 2e-14 at 10 standard deviations). The moments of a cell of diameter at least
///     ||L|| (Frobenius norm; in x) come from the same sums, within kEdgeError relative; the sums cancel like
///     1 / diameter^2 in the second moment of a smaller cell, which takes the fan instead (2 kQuadratureError).
class GaussianLawND final : public LawND {
 public:
  /// Mass the truncation box leaves outside, at most.
  static constexpr double kTailMass = 1e-17;
  /// Error each simplex of the fan may make, relative to its share of the cell's mass (see above): a cell's mass is
  /// then within 2e-13 relative, inside the 1e-12 that makes a Newton residual of 1e-12 meaningful.
  static constexpr double kQuadratureError = 1e-13;
  /// 2D cells integrated along their edges: relative error of the mass, of the first moment (relative to (mass times
  /// second moment)^(1/2)) and of the second moment, as measured against 40-digit quadrature for isotropic cells from
  /// the mean out to 12 standard deviations (at most 6e-14; the tests hold strongly correlated laws to 1e-12). The
  /// panels contribute below 1e-18; the rest is round-off, which the edge sums magnify by about 1 / diameter in the
  /// mass and 1 / diameter^2 in the second moment (diameter in standard deviations, >= 1 here), and by 1 / width in
  /// a sliver (about 2e-15 / width, width in standard deviations). In probability units the mass's error is of order
  /// 1e-16.
  static constexpr double kEdgeError = 1e-13;

  /// \param covariance d x d entries, row-major. \throws std::invalid_argument unless dimension is 1, 2 or 3, the
  /// first d entries of mean are finite, covariance has d^2 finite entries, is symmetric (to 1e-12 of its largest
  /// entry) and positive definite (a Cholesky pivot <= 0 is named).
  GaussianLawND(int dimension, const Point3& mean, std::span<const double> covariance);

  int dimension() const override { return d_; }
  Box support_box() const override { return box_; }
  double density(const Point3& x) const override;
  /// Inside the truncation box.
  bool interior(const Point3& x) const override;
  /// The mean.
  Point3 centre() const override { return mean_; }
  void integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const override;

  const Point3& mean() const { return mean_; }
  /// Sigma_ij, i, j < d.
  double covariance(int i, int j) const;
  /// k: the box is mu_k +- k sigma_k.
  double truncation() const { return truncation_; }

 private:
  struct Engine;
  Point3 whiten(const Point3& x) const;

  int d_;
  Point3 mean_;
  Box box_;
  std::array<std::array<double, 3>, 3> cholesky_{};  // L, lower triangular
  std::array<std::array<double, 3>, 3> inverse_{};   // L^-1
  double log_peak_ = 0.0;                             // log((2 pi)^(-d/2) / det L)
  double l_norm_ = 0.0;                               // Frobenius norm of L, >= its spectral norm
  double truncation_ = 0.0;
};

/// N(mean, variance I). \throws std::invalid_argument unless dimension is 1, 2 or 3 and variance is finite and > 0.
GaussianLawND isotropic_gaussian_law(int dimension, const Point3& mean, double variance);

/// The heat kernel's law rho(., t) / M: N(0, v(t) I), v(t) = s0^2 + 2 D t (exact_solutions.hpp).
/// \throws std::invalid_argument for a dimension above 3 or a t the kernel refuses.
GaussianLawND heat_kernel_law(const HeatKernel& kernel, double t);

/// The linear Fokker-Planck solution's law rho(., t) / M: N(mu0 e^-t, s^2(t) I) (exact_solutions.hpp).
/// \throws std::invalid_argument for a dimension above 3 or a t the solution refuses.
GaussianLawND fokker_planck_law(const LinearFokkerPlanck& solution, double t);

/// A probability law that is a convex combination of laws of one dimension: rho = sum_k w_k rho_k / sum_k w_k.
/// Its support box is the smallest box holding the components' boxes; integrals are the weighted sums of the
/// components' integrals (each component integrates the whole cell, so a component must accept cells that reach
/// outside its own support box: all laws here do).
class MixtureLaw final : public LawND {
 public:
  /// \throws std::invalid_argument when weights and components differ in size or are empty, a weight is negative or
  /// not finite, the weights sum to 0, a component is null, or the components' dimensions differ.
  MixtureLaw(std::vector<double> weights, std::vector<std::shared_ptr<const LawND>> components);
  int dimension() const override { return components_.front()->dimension(); }
  Box support_box() const override { return box_; }
  double density(const Point3& x) const override;
  /// Some component with positive weight is positive at x.
  bool interior(const Point3& x) const override;
  /// The centre of the component with the largest weight.
  Point3 centre() const override;
  void integrate(const ConvexCell& cell, const Point3& y, CellIntegrals& out) const override;

  /// The normalized weights.
  const std::vector<double>& weights() const { return weights_; }

 private:
  std::vector<double> weights_;
  std::vector<std::shared_ptr<const LawND>> components_;
  Box box_;
};

}  // namespace blobflow::analysis
