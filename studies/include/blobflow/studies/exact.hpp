// The exact solution a run is measured against, behind one interface: the run driver places the initial particles
// from it and compares every output with it, whatever the equation. Which solution a configuration has:
//   pme, m > 1                      Barenblatt U_m(x, t)                              (docs/math.md §4.1)
//   pme, m = 1                      heat kernel, variance 2t per coordinate           (docs/math.md §4.6)
//   wpme, rhobar == 1               Barenblatt U_2(x, t/2)                            (docs/math.md §4.4)
//   pme, m > 1, V = |x|^2/2         confined PME from U_m(., t0) at t0                (docs/math.md §4.5)
//   pme, m = 1, V = |x|^2/2         linear Fokker-Planck from the heat kernel at t0   (docs/math.md §4.6)
// The confined solutions start from the same data as the unconfined ones (the Barenblatt profile or the heat kernel
// at t0), so switching the confinement on changes the dynamics and not the initial particles.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/law_nd.hpp"

namespace blobflow {

/// A solution u(x, t) of a run's continuum equation, known in closed form.
class ExactSolution {
 public:
  virtual ~ExactSolution() = default;
  /// One line for summary.json ("Barenblatt U_2(x, t/2) ...").
  virtual std::string describe() const = 0;
  virtual int dimension() const = 0;
  /// u(x, t), x of length d.
  virtual double density(std::span<const double> x, double t) const = 0;
  /// 1D: the law u(., t) / M, input of analysis::wasserstein_1d.
  virtual std::unique_ptr<analysis::Law1D> law(double t) const = 0;
  /// The law u(., t) / M in any dimension, as semi-discrete transport integrates it (analysis/law_nd.hpp).
  virtual std::unique_ptr<analysis::LawND> law_nd(double t) const = 0;
  /// int |x|^2 u(x, t) dx.
  virtual double second_moment(double t) const = 0;
  /// The continuum energy the regularized one approximates (wpme: 1/2 int u^2; pme: int u^m/(m-1)); empty where
  /// the regularized energy has no continuum counterpart that is finite and comparable (m = 1: the entropy of a
  /// blob sum differs from int u log u by the mollifier's own entropy).
  virtual std::optional<double> energy(double t) const = 0;
  /// A cube [-R, R]^d outside which u(., t) vanishes (compact support) or holds a negligible mass (Gaussians: see
  /// kGaussianPlacementRadius); the lattice placement covers it.
  virtual double placement_radius(double t) const = 0;
  /// The volume |S| that defines the mean spacing h = (|S| / N)^(1/d) of the eps laws: the support's volume for
  /// compactly supported solutions; M / max u for Gaussians (the volume a uniform law of the same peak would fill).
  virtual double spacing_volume(double t) const = 0;
};

/// Gaussian data are placed on a lattice over [-R, R]^d with R = this many standard deviations: the mass outside
/// is below 1e-7 of the total in d <= 3 (5.5 sigma: 2 erfc(5.5/sqrt 2) ~ 3.8e-8 per coordinate).
inline constexpr double kGaussianPlacementRadius = 5.5;

/// What a configuration's exact solution depends on.
struct ExactSolutionSpec {
  /// wpme with rhobar == 1 (d/dt rho = 1/2 Lap rho^2, the m = 2 equation at half speed; an equation with a target,
  /// equation_has_target), else pme d/dt rho = Lap rho^m.
  bool weighted = true;
  int dimension = 1;
  double m = 2.0;
  double mass = 1.0;
  double t0 = 0.25;               ///< the start time: confined solutions start from the unconfined data at t0
  bool quadratic_confinement = false;  ///< V(x) = |x|^2 / 2
};

/// The exact solution of `spec`, or nullptr where blobflow knows none.
std::unique_ptr<ExactSolution> make_exact_solution(const ExactSolutionSpec& spec);

}  // namespace blobflow
