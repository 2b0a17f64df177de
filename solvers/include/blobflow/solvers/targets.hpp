// Targets rhobar of the weighted porous-medium equation d/dt rho = div(rho grad(rho/rhobar)) (docs/math.md §2.2–2.4):
// the description a configuration fills in (TargetSpec) and the density object the velocity fields integrate
// against (Target: rhobar(y) and 1/rhobar(y); piecewise-constant targets also expose their boxes, which the closed
// form of docs/math.md §2.4 item 1 needs).
//
// Kinds: "uniform" (rhobar == 1 on R^d, or the uniform probability density on a box), "gaussian", "mixture" (of
// Gaussians), "piecewise" (constant on axis-aligned boxes), "grid" (sampled on a regular tensor grid read from a
// CSV file, multilinear interpolation).
//
// Finiteness (docs/math.md §2.4, last item): with an everywhere-positive mollifier such as the Gaussian, the blob
// density zeta_eps * rho^N is positive everywhere, so E_eps = 1/2 int (zeta_eps * rho^N)^2 / rhobar is infinite as
// soon as rhobar vanishes on a set of positive measure. Targets with a bounded support (a uniform box, piecewise,
// grid) therefore take a positive floor value outside it: rhobar = floor_fraction * max rhobar there. The floor
// keeps E_eps finite and 1/rhobar bounded (the Lipschitz bound of docs/math.md §2.6 uses ||1/rhobar||_inf); its price
// is that rhobar then has infinite mass on R^d, so over long times particles leak out of the support at a rate that
// vanishes with the floor (floor -> 0 is the confinement limit).
#pragma once

#include <array>
#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "blobflow/solvers/registry.hpp"

namespace blobflow {

/// One box of a piecewise-constant target: rhobar = value on prod_l [lo_l, hi_l].
struct TargetBox {
  std::vector<double> lo;  ///< d lower corners
  std::vector<double> hi;  ///< d upper corners, hi_l > lo_l
  double value = 1.0;      ///< rhobar on the box, finite and > 0
};

/// What a configuration says about rhobar (the `target` member of FieldSpec). The defaults mean rhobar == 1 on
/// all of R^d, which wpme evaluates with the exact pairwise kernel psi = zeta * zeta (WpmeUniformTarget).
struct TargetSpec {
  /// "uniform", "gaussian", "mixture", "piecewise" or "grid" (target_registry()).
  std::string kind = "uniform";
  /// uniform: the support box [box_lo, box_hi] per coordinate (1 entry = the same for every coordinate, or d
  /// entries); both empty = all of R^d with rhobar == 1. With a box rhobar = 1 / volume inside (a probability
  /// density) and the floor outside.
  std::vector<double> box_lo, box_hi;
  /// gaussian: the mean (d entries) and the covariance (d * d entries, row-major, symmetric positive definite).
  std::vector<double> mean, covariance;
  /// mixture: K weights (> 0; normalized to sum 1), K * d means and K * d * d covariances, component-major.
  std::vector<double> weights, means, covariances;
  /// piecewise: the boxes with their values (pairwise disjoint interiors); the floor elsewhere.
  std::vector<TargetBox> pieces;
  /// grid: the path of a CSV file sampling rhobar on a regular tensor grid (format: targets.cpp, README).
  std::string grid_file;
  /// The floor as a fraction of the largest value of rhobar, in (0, 1): rhobar outside the support of a uniform box,
  /// piecewise or grid target (a grid target also takes it inside wherever the interpolant is lower). Unset =
  /// kDefaultFloorFraction. Gaussian and mixture targets are positive everywhere: unset means no floor, and a set
  /// value gives rhobar = max(density, floor_fraction * density at the highest component mean).
  std::optional<double> floor_fraction;
  /// "auto" (closed form where it exists, else quadrature), "closed-form" (Gaussian mollifier and a
  /// piecewise-constant target only) or "quadrature".
  std::string method = "auto";
  /// Quadrature: the relative accuracy the lattice spacing dy is chosen for (docs/math.md §2.4 item 2); in (0, 0.1].
  double quadrature_accuracy = 1e-10;
  /// Quadrature: dy / eps, overriding quadrature_accuracy when > 0; 0 = choose dy from quadrature_accuracy.
  double quadrature_spacing = 0.0;
};

/// The default floor of bounded-support targets: rhobar = 1e-3 max rhobar outside the support. Small enough that
/// the floor region holds little mass over the times of a study, large enough that 1/rhobar (and with it the
/// Lipschitz constant of the velocity, docs/math.md §2.6) grows only a thousandfold.
inline constexpr double kDefaultFloorFraction = 1e-3;

/// Whether `spec` is the default target rhobar == 1 on R^d (kind "uniform" without a box).
bool is_uniform_on_whole_space(const TargetSpec& spec);

/// An axis-aligned box on which 1/rhobar is constant (unused coordinates l >= d are [0, 0]).
struct InverseDensityBox {
  std::array<double, 3> lo{}, hi{};
  double inverse = 1.0;  ///< 1/rhobar on the box
};

/// 1/rhobar = outside + sum_k (boxes[k].inverse - outside) 1_(B_k) with disjoint boxes: the form the closed-form
/// y-integral of docs/math.md §2.4 item 1 takes.
struct PiecewiseInverse {
  double outside = 1.0;
  std::vector<InverseDensityBox> boxes;
};

/// One component weight N(mean, covariance) of a gaussian or mixture target (unused entries are 0).
struct NormalComponent {
  double weight = 1.0;
  std::array<double, 3> mean{};
  std::array<double, 9> covariance{};  ///< d x d, row-major
};

/// An axis-aligned box in d <= 3 dimensions (unused coordinates l >= d are [0, 0]).
struct AxisBox {
  std::array<double, 3> lo{}, hi{};
};

/// The box of a Gaussian or mixture target (Target::box) reaches this many standard deviations from each mean in
/// each coordinate: outside it a Gaussian holds < 2e-9 of its mass per coordinate.
inline constexpr double kGaussianBoxRadius = 6.0;

/// A target density rhobar on R^d (floor included), d in {1, 2, 3}.
class Target {
 public:
  virtual ~Target() = default;
  /// Spatial dimension d.
  virtual int dimension() const = 0;
  /// rhobar(y) > 0 (or 0 where a floorless Gaussian underflows); y holds d coordinates.
  virtual double density(std::span<const double> y) const = 0;
  /// 1/rhobar(y); +infinity where a floorless Gaussian density underflows.
  virtual double inverse_density(std::span<const double> y) const = 0;
  /// log rhobar(y) of the law the samplers draw from (docs/math.md §8): -infinity outside the hull of the pieces of a
  /// piecewise-constant target and outside the box of a grid target (their floor there has infinite mass, so only
  /// rhobar restricted to the support is a probability law: the steady state the metrics compare with); gaussian and
  /// mixture targets compute it without underflow (the Metropolis test of mala reads it far in the tails).
  virtual double log_density(std::span<const double> y) const { return std::log(density(y)); }
  /// Whether the target has a score grad log rhobar (gaussian and mixture targets: smooth, 0 on a floor). The
  /// piecewise-constant and grid targets have none: their log density is flat or only Lipschitz, so the samplers
  /// that follow the score (ula, svgd) refuse them.
  virtual bool has_score() const { return false; }
  /// The score grad log rhobar(y) into g (d entries). \throws std::logic_error when !has_score().
  virtual void score(std::span<const double> y, std::span<double> g) const;
  /// The boxes of a piecewise-constant target, or nullptr for the others.
  virtual const PiecewiseInverse* piecewise_inverse() const { return nullptr; }
  /// The components of a gaussian or mixture target without a floor, weights summing to 1: rhobar is exactly their
  /// sum, a probability density. Empty for every other target, a floored one included.
  virtual std::vector<NormalComponent> normal_components() const { return {}; }
  /// Where rhobar lives: the hull of the support of a bounded target (a uniform box, the pieces), the union of
  /// mean +- kGaussianBoxRadius standard deviations per coordinate of the components of a gaussian or mixture
  /// target; empty for grid targets. Divergences, steady states and density figures are computed on it.
  virtual std::optional<AxisBox> box() const { return std::nullopt; }
  /// The mean of 1/rhobar over the cell prod_l [y_l - dy/2, y_l + dy/2]: exact for piecewise-constant targets (the
  /// lattice quadrature then has an O(dy^2) error at jumps instead of O(dy)), the point value otherwise.
  double cell_inverse_density(std::span<const double> y, double dy) const;
  /// A one-line description naming the kind and its parameters.
  virtual std::string describe() const = 0;
};

/// The target kinds, in the order `blobflow list targets` prints them.
std::span<const ComponentInfo> target_registry();

/// Builds the target of `spec` in `dimension` dimensions.
/// \throws std::invalid_argument for a bad kind or parameter (the message names the TargetSpec field, its value and
/// the rule), including kind "uniform" without a box (that target needs no object: see is_uniform_on_whole_space);
/// std::runtime_error for a grid file that cannot be read or is malformed (the message names file, line and rule).
std::unique_ptr<Target> make_target(const TargetSpec& spec, int dimension);

}  // namespace blobflow
