// Barenblatt (ZKB) self-similar solutions of the porous-medium equation, docs/math.md §4.1, with the
// time-rescaled variants of §4.4 [D]: u(x, t) = U_m(x, D t) solves d/dt u = D Lap(u^m).
//
//   U_m(x, t) = t^-alpha (C - k |x|^2 t^(-2 beta))_+^(1/(m-1)),
//   alpha = d/(d(m-1)+2), beta = alpha/d, k = (m-1) beta/(2m), C = C(M) fixed by the mass M.
//
// The weighted PME with rhobar == c (d/dt rho = div(rho grad(rho/c)) = 1/(2c) Lap rho^2) is solved by
// U_2(x, t/(2c)), i.e. D = 1/(2c); the plain PME has D = 1.
#pragma once

#include <span>

namespace blobflow::analysis {

/// The Barenblatt solution u(x, t) = U_m(x, D t) of d/dt u = D Lap(u^m) in R^d with total mass M.
class Barenblatt {
 public:
  /// \param dimension d >= 1; \param m exponent > 1; \param mass M > 0; \param diffusion_coefficient D > 0.
  /// \throws std::invalid_argument when a parameter is outside its range (the message names it).
  Barenblatt(int dimension, double m, double mass = 1.0, double diffusion_coefficient = 1.0);

  int dimension() const { return d_; }
  double m() const { return m_; }
  double mass() const { return mass_; }
  double diffusion_coefficient() const { return diffusion_; }
  /// Exponents and constants of U_m (docs/math.md §4.1) for this mass.
  double alpha() const { return alpha_; }
  double beta() const { return beta_; }
  double k() const { return k_; }
  double C() const { return C_; }

  /// u(x, t) for a point x of length d and t > 0.
  double density(std::span<const double> x, double t) const;
  /// u at distance r from the origin.
  double density_radial(double r, double t) const;
  /// Radius R(t) of the support ball.
  double support_radius(double t) const;
  /// int |x|^2 u(x, t) dx (not divided by the mass).
  double second_moment(double t) const;
  /// int u(x, t)^q dx for q > 0: q = 1 gives the mass, q = m the PME energy integral, q = 2 the wpme one.
  double power_integral(double q, double t) const;

  /// 1D only (\throws std::logic_error otherwise): the cumulative distribution int_{-inf}^x u dy / M.
  double cdf(double x, double t) const;
  /// 1D only: the quantile Q(u) with cdf(Q(u)) = u for u in [0, 1]; closed form for m = 2 (docs/math.md §4.2),
  /// the inverse regularized incomplete beta function otherwise. \throws std::invalid_argument for u outside [0, 1].
  double quantile(double u, double t) const;

 private:
  double scaled_time(double t) const;  // D t, checked > 0

  int d_;
  double m_, mass_, diffusion_;
  double alpha_, beta_, k_, C_, p_;  // p = 1/(m-1)
};

}  // namespace blobflow::analysis
