// Exact solutions beyond the plain Barenblatt profile, the references of the m = 1 and confined tests:
//   - HeatKernel: d/dt rho = D Lap rho (docs/math.md §4.6); Gaussian data of standard deviation s0 per coordinate stay
//     Gaussian with variance s0^2 + 2 D t (s0 = 0: Dirac data, the heat kernel), and int |x|^2 rho grows by 2 d M D t.
//   - LinearFokkerPlanck: d/dt rho = Lap rho + div(rho x) (docs/math.md §4.6); Gaussian data keep a Gaussian law with
//     per-coordinate variance s^2(t) = 1 + (s0^2 - 1) e^(-2t) and mean mu0 e^(-t).
//   - ConfinedPorousMedium: d/dt rho = Lap(rho^m) + div(rho x), m > 1 (docs/math.md §4.5); the stationary profile
//     rho_inf = (A - (m-1)|x|^2/(2m))_+^(1/(m-1)) and the self-similar solution rho(x, t) = e^(d t) U_M(e^t x, tau(t)),
//     tau(t) = tau0 + (e^(lambda t) - 1)/lambda, lambda = d(m-1) + 2, built on analysis::Barenblatt (§4.1).
// In 1D each solution exposes its law rho(., t)/M as a Law1D (law1d.hpp), the input of wasserstein_1d.
// Time t >= 0 is the PDE time; all second moments are int |x|^2 rho dx, not divided by the mass.
#pragma once

#include <span>
#include <vector>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law1d.hpp"

namespace blobflow::analysis {

/// The normal law N(mean, std_dev^2) on R. The CDF goes through erfc on the nearer tail and the quantile through
/// erfc_inv of the nearer tail's mass, so both keep relative accuracy in the tails; Q(0) = -inf, Q(1) = +inf.
/// moments(a, b) integrates centred moments by Gauss-Legendre panels relative to the density at the point of [a, b]
/// nearest the mean, so narrow and far-tail intervals keep their relative accuracy (no differences of CDFs).
class GaussianLaw1D final : public Law1D {
 public:
  /// \throws std::invalid_argument unless mean is finite and std_dev is finite and > 0.
  GaussianLaw1D(double mean, double std_dev);
  double mean() const { return mean_; }
  double std_dev() const { return std_dev_; }
  double cdf(double x) const override;
  /// \throws std::invalid_argument for u outside [0, 1].
  double quantile(double u) const override;
  /// \throws std::invalid_argument unless a <= b (either may be infinite). If a == b the result is {0, a, 0}. Beyond
  /// about 38 standard deviations the mass underflows to 0 while mean and variance stay the conditional ones.
  IntervalMoments moments(double a, double b) const override;

 private:
  double mean_, std_dev_;
};

/// rho(x, t) = M (2 pi v(t))^(-d/2) exp(-|x|^2/(2 v(t))), v(t) = s0^2 + 2 D t: the solution of d/dt rho = D Lap rho
/// in R^d with Gaussian data of mass M and standard deviation s0 per coordinate, centred at 0 (docs/math.md §4.6).
class HeatKernel {
 public:
  /// \param dimension d >= 1; \param mass M > 0; \param diffusion_coefficient D > 0; \param initial_std_dev s0 >= 0
  /// (0: Dirac data, then only t > 0 is allowed). \throws std::invalid_argument naming the parameter otherwise.
  HeatKernel(int dimension, double mass = 1.0, double diffusion_coefficient = 1.0, double initial_std_dev = 0.0);

  int dimension() const { return d_; }
  double mass() const { return mass_; }
  double diffusion_coefficient() const { return diffusion_; }
  double initial_std_dev() const { return s0_; }

  /// Per-coordinate variance v(t) = s0^2 + 2 D t. \throws std::invalid_argument unless t >= 0 is finite and v > 0.
  double variance(double t) const;
  /// rho(x, t) for x of length d. \throws std::invalid_argument for a wrong x.size() or a bad t (see variance).
  double density(std::span<const double> x, double t) const;
  /// int |x|^2 rho(x, t) dx = d M v(t) = int |x|^2 rho0 + 2 d M D t.
  double second_moment(double t) const;
  /// 1D only (\throws std::logic_error otherwise): the law rho(., t)/M = N(0, v(t)).
  GaussianLaw1D law(double t) const;

 private:
  int d_;
  double mass_, diffusion_, s0_;
};

/// The Gaussian solution of the linear Fokker-Planck equation d/dt rho = Lap rho + div(rho x) in R^d (docs/math.md §4.6
/// [D]): mass M, mean mu(t) = mu0 e^(-t), per-coordinate variance s^2(t) = 1 + (s0^2 - 1) e^(-2t), which tends to the
/// stationary N(0, I) law.
class LinearFokkerPlanck {
 public:
  /// \param dimension d >= 1; \param mass M > 0; \param initial_std_dev s0 >= 0 (0: Dirac data, then t > 0 only);
  /// \param initial_mean mu0, empty for the origin or of length d with finite entries.
  /// \throws std::invalid_argument naming the parameter otherwise.
  LinearFokkerPlanck(int dimension, double mass = 1.0, double initial_std_dev = 1.0,
                     std::span<const double> initial_mean = {});

  int dimension() const { return d_; }
  double mass() const { return mass_; }
  double initial_std_dev() const { return s0_; }

  /// s^2(t) = s0^2 e^(-2t) + (1 - e^(-2t)), formed without cancellation. \throws std::invalid_argument unless t >= 0
  /// is finite and s^2 > 0.
  double variance(double t) const;
  /// Coordinate i of the mean, mu0_i e^(-t). \throws std::out_of_range for i >= d.
  double mean(int i, double t) const;
  /// rho(x, t) for x of length d. \throws std::invalid_argument for a wrong x.size() or a bad t.
  double density(std::span<const double> x, double t) const;
  /// int |x|^2 rho(x, t) dx = M (d s^2(t) + |mu0|^2 e^(-2t)).
  double second_moment(double t) const;
  /// 1D only (\throws std::logic_error otherwise): the law rho(., t)/M = N(mu(t), s^2(t)).
  GaussianLaw1D law(double t) const;

 private:
  int d_;
  double mass_, s0_;
  std::vector<double> mu0_;
};

/// The law rho(., t)/M of a 1D ConfinedPorousMedium solution: X = e^(-t) Y with Y ~ U_M(., tau(t))/M, so the CDF is
/// F_U(e^t x), the quantile e^(-t) Q_U(u), and interval moments are those of BarenblattLaw1D on [e^t a, e^t b]
/// with the mean scaled by e^(-t) and the variance by e^(-2t).
class ConfinedPorousMediumLaw1D final : public Law1D {
 public:
  /// \param profile a 1D Barenblatt profile with D = 1; \param tau its time > 0; \param scale e^(-t) > 0.
  /// \throws std::invalid_argument otherwise.
  ConfinedPorousMediumLaw1D(const Barenblatt& profile, double tau, double scale);
  double cdf(double x) const override;
  double quantile(double u) const override;
  IntervalMoments moments(double a, double b) const override;

 private:
  BarenblattLaw1D law_;
  double scale_;  // e^(-t)
};

/// The porous-medium equation with quadratic confinement, d/dt rho = Lap(rho^m) + div(rho x) in R^d, m > 1
/// (docs/math.md §4.5): rho(x, t) = e^(d t) U_M(e^t x, tau(t)) with U_M the Barenblatt solution of mass M (D = 1) and
/// tau(t) = tau0 + (e^(lambda t) - 1)/lambda, lambda = d(m-1) + 2. tau0 = 1/lambda gives the stationary profile
/// rho_inf(x) = (A - (m-1)|x|^2/(2m))_+^(1/(m-1)) for all t.
class ConfinedPorousMedium {
 public:
  /// \param dimension d >= 1; \param m > 1; \param mass M > 0; \param tau0 > 0, the Barenblatt time at t = 0.
  /// \throws std::invalid_argument naming the parameter otherwise.
  ConfinedPorousMedium(int dimension, double m, double mass, double tau0);
  /// The stationary solution: tau0 = 1/lambda.
  static ConfinedPorousMedium stationary(int dimension, double m, double mass = 1.0);

  int dimension() const { return profile_.dimension(); }
  double m() const { return profile_.m(); }
  double mass() const { return profile_.mass(); }
  double tau0() const { return tau0_; }
  /// lambda = d(m-1) + 2, the exponential rate of tau(t).
  double lambda() const { return lambda_; }
  /// The Barenblatt solution U_M (D = 1) that is transported.
  const Barenblatt& profile() const { return profile_; }

  /// tau(t) = tau0 + expm1(lambda t)/lambda. \throws std::invalid_argument unless t >= 0 is finite.
  double tau(double t) const;
  /// rho(x, t) for x of length d. \throws std::invalid_argument for a wrong x.size() or a bad t.
  double density(std::span<const double> x, double t) const;
  /// rho at distance r >= 0 from the origin.
  double density_radial(double r, double t) const;
  /// Radius e^(-t) R_U(tau(t)) of the support ball.
  double support_radius(double t) const;
  /// int |x|^2 rho(x, t) dx = e^(-2t) int |y|^2 U_M(y, tau(t)) dy.
  double second_moment(double t) const;
  /// int rho(x, t)^m dx = e^(d (m-1) t) int U_M(y, tau(t))^m dy; d/dt second_moment = 2 d energy_integral - 2 m2.
  double energy_integral(double t) const;

  /// A of the stationary profile, from its mass (docs/math.md §4.5):
  /// M = A^(p+d/2) ((m-1)/(2m))^(-d/2) pi^(d/2) Gamma(p+1)/Gamma(p+1+d/2), p = 1/(m-1).
  double stationary_constant() const { return stationary_a_; }
  /// Support radius sqrt(2 m A/(m-1)) of the stationary profile.
  double stationary_support_radius() const;
  /// rho_inf(x) for x of length d. \throws std::invalid_argument for a wrong x.size().
  double stationary_density(std::span<const double> x) const;
  /// rho_inf at distance r >= 0 from the origin.
  double stationary_density_radial(double r) const;

  /// 1D only (\throws std::logic_error otherwise): the law rho(., t)/M.
  ConfinedPorousMediumLaw1D law(double t) const;

 private:
  Barenblatt profile_;
  double tau0_, lambda_, stationary_a_;
};

}  // namespace blobflow::analysis
