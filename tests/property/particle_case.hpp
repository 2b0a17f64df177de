// Random particle systems for the RapidCheck properties of the velocity fields, and the cancellation-free scales
// against which their round-off is measured.
//
// A case: N in [2, 12] particles in d in {1, 2, 3}, coordinates uniform on a grid of 2^21 + 1 points in [-s, s]^d
// with a log-uniform scale s in [0.01, 100], masses in [0.1, 1], blob width eps = f s with f in [0.1, 1], and one
// equation: "wpme", or "pme" with m in {1, 1.5, 2, 3}. RapidCheck has no bounded double generator (docs/architecture.md
// "Conventions"), so every real is an integer from gen::inRange (at full size) mapped affinely (shrinking moves it
// towards the lower bound).
//
// The scales are computed here from the formulas of docs/math.md §1.4 and §2.3, independently of solvers/:
// p_i = sum_k m_k psi(x_i - x_k) with psi = zeta_eps * zeta_eps = (4 pi eps^2)^(-d/2) exp(-|z|^2/(4 eps^2)).
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow::property {

inline constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();

struct ParticleCase {
  int dim = 1;
  std::string equation = "wpme";
  double m = 2.0;      ///< pme exponent (wpme: unused)
  double scale = 1.0;  ///< s: the coordinates lie in [-s, s]^d
  double eps = 0.1;
  std::vector<double> x;  ///< N d coordinates, particle-major
  std::vector<double> masses;

  std::size_t size() const { return masses.size(); }
  FieldSpec spec() const {
    FieldSpec s;
    s.equation = equation;
    s.m = m;
    s.dimension = dim;
    s.epsilon = eps;
    return s;
  }
};

/// An integer uniform on [lo, hi). gen::inRange scales its range with RapidCheck's size (0..100 over a run), which
/// would crowd the early cases at `lo`; pinning the size to 100 keeps the whole range while shrinking still works.
template <class T>
rc::Gen<T> uniform_integer(T lo, T hi) {
  constexpr int kFullSize = 100;  // rc::kNominalSize: the size at which inRange covers [lo, hi)
  return rc::gen::resize(kFullSize, rc::gen::inRange<T>(lo, hi));
}

/// A real in [lo, hi] from an integer in [0, n_steps] (n_steps + 1 grid points).
inline rc::Gen<double> bounded_real(double lo, double hi, int n_steps) {
  return rc::gen::map(uniform_integer(0, n_steps + 1),
                      [lo, hi, n_steps](int k) { return lo + (hi - lo) * (static_cast<double>(k) / n_steps); });
}

/// Draws a case inside a property (uses operator* on generators).
inline ParticleCase draw_particle_case() {
  constexpr int kGrid = 1 << 20;     // coordinates on {-kGrid..kGrid} s / kGrid
  constexpr int kMassSteps = 900;    // masses 0.1, 0.101, ..., 1
  constexpr int kScaleSteps = 4000;  // log10 s in {-2, -1.999, ..., 2}
  constexpr int kEpsSteps = 900;     // eps / s in {0.1, 0.101, ..., 1}
  ParticleCase c;
  c.dim = *uniform_integer(1, 4);
  const auto n = *uniform_integer<std::size_t>(2, 13);
  const int equation = *uniform_integer(0, 5);  // wpme, pme m = 1, 1.5, 2, 3
  static constexpr double kExponents[] = {2.0, 1.0, 1.5, 2.0, 3.0};
  c.equation = equation == 0 ? "wpme" : "pme";
  c.m = kExponents[equation];
  c.scale = std::pow(10.0, *bounded_real(-2.0, 2.0, kScaleSteps));
  c.eps = c.scale * *bounded_real(0.1, 1.0, kEpsSteps);
  const auto grid =
      *rc::gen::container<std::vector<int>>(n * static_cast<std::size_t>(c.dim), uniform_integer(-kGrid, kGrid + 1));
  c.x.resize(grid.size());
  for (std::size_t i = 0; i < grid.size(); ++i) c.x[i] = c.scale * (static_cast<double>(grid[i]) / kGrid);
  c.masses = *rc::gen::container<std::vector<double>>(n, bounded_real(0.1, 1.0, kMassSteps));
  return c;
}

/// Cancellation-free magnitudes of a configuration x of case c (the round-off of a sum is relative to the sum of
/// the absolute values of its terms, not to the sum).
struct Magnitudes {
  std::vector<double> p;         ///< p_i = (psi * rho^N)(x_i)
  std::vector<double> velocity;  ///< V_i = sum_j m_j |grad psi(x_i - x_j)| (a_i + a_j) >= |v_i|
  double energy = 0.0;           ///< sum_i m_i (|f(p_i)| + p_i f'(p_i)) >= |E|, covers the rounding of p_i too
};

inline Magnitudes magnitudes(const ParticleCase& c, const std::vector<double>& x) {
  const auto d = static_cast<std::size_t>(c.dim);
  const std::size_t n = c.size();
  const double norm = std::pow(4.0 * std::numbers::pi * c.eps * c.eps, -0.5 * c.dim);
  auto r2_of = [&](std::size_t i, std::size_t j) {
    double r2 = 0.0;
    for (std::size_t k = 0; k < d; ++k) r2 += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
    return r2;
  };
  Magnitudes g;
  g.p.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) g.p[i] += c.masses[j] * norm * std::exp(-r2_of(i, j) / (4.0 * c.eps * c.eps));
  // wpme: v_i = -sum_j m_j grad psi = -sum_j m_j grad psi (1/2 + 1/2); pme: a = p^(m-2) (docs/math.md §1.4).
  std::vector<double> a(n);
  for (std::size_t i = 0; i < n; ++i) a[i] = c.equation == "wpme" ? 0.5 : std::pow(g.p[i], c.m - 2.0);
  g.velocity.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double r2 = r2_of(i, j);
      const double grad = norm * std::exp(-r2 / (4.0 * c.eps * c.eps)) * std::sqrt(r2) / (2.0 * c.eps * c.eps);
      g.velocity[i] += c.masses[j] * grad * (a[i] + a[j]);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double p = g.p[i];
    double f = 0.0, pf = 0.0;  // f(p) and p f'(p): the energy density per unit mass and its sensitivity
    if (c.equation == "wpme") {
      f = 0.5 * p;
      pf = 0.5 * p;
    } else if (c.m == 1.0) {
      f = std::log(p);
      pf = 1.0;
    } else {
      f = std::pow(p, c.m - 1.0) / (c.m - 1.0);
      pf = std::pow(p, c.m - 1.0);
    }
    g.energy += c.masses[i] * (std::abs(f) + pf);
  }
  return g;
}

inline double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

}  // namespace blobflow::property
