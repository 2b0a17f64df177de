// RapidCheck property of the network field (network.hpp, docs/math.md §10) over random networks: d in {1, 2},
// N in 2..12 neurons of output weight 1/N, eps in [0.1, 0.3], centres in [-0.6, 0.6]^d, data uniform on [-1, 1]^d or
// Gaussian N(0, s^2 I) with s in [0.3, 0.6], and f* a concave quadratic or two Gaussian bumps of either sign:
//   along the training flow (three RK4 steps), dR/dt = -(1/N) sum_i |dX_i/dt|^2, where dR/dt is the central difference
//   of R along the velocity.
// Criterion: |D - (-(1/N) sum |v|^2)| <= kRelative (1/N) sum |v|^2 + kRoundoffUlps eps_mach Rmag / h, with the step
// h chosen so that h max|v| = kStepInEps eps: the truncation of the central difference is (h max|v| / eps)^2 ~ 1e-8
// of the dissipation, times the size of third derivatives of Gaussian sums in units of eps (< 100); the round-off
// is that of R's lattice sums (thousands of terms) over 2h, with Rmag = 1/2 (max f_N^2 + max f*^2) mass(nu) >= the
// magnitude of the terms of R.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "blobflow/solvers/velocity_field.hpp"
#include "particle_case.hpp"

namespace blobflow::property {
namespace {

constexpr double kStepInEps = 1e-4;
constexpr double kRelative = 1e-6;
constexpr double kRoundoffUlps = 1e4;

struct Network {
  FieldSpec spec;
  std::vector<double> x;
  double f_max = 0.0;  // max |f*| over the data's support (a bound)
};

Network draw_network() {
  Network c;
  FieldSpec& s = c.spec;
  s.equation = "network";
  s.dimension = *uniform_integer(1, 3);
  s.engine = "direct";
  s.epsilon = *bounded_real(0.1, 0.3, 200);
  const auto d = static_cast<std::size_t>(s.dimension);
  const auto n = *uniform_integer<std::size_t>(2, 13);
  c.x = *rc::gen::container<std::vector<double>>(n * d, bounded_real(-0.6, 0.6, 1 << 16));
  if (*rc::gen::arbitrary<bool>()) {
    s.target.kind = "uniform";
    s.target.box_lo = {-1.0};
    s.target.box_hi = {1.0};
  } else {
    const double sd = *bounded_real(0.3, 0.6, 300);
    s.target.kind = "gaussian";
    s.target.mean.assign(d, 0.0);
    s.target.covariance.assign(d * d, 0.0);
    for (std::size_t l = 0; l < d; ++l) s.target.covariance[l * d + l] = sd * sd;
  }
  if (*rc::gen::arbitrary<bool>()) {
    s.network.kind = "quadratic";
    s.network.height = *bounded_real(0.0, 2.0, 200);
    s.network.curvature = *bounded_real(0.0, 3.0, 300);
    c.f_max = s.network.height + 0.5 * s.network.curvature * 4.0 * static_cast<double>(d) * 9.0;  // |y| <= 6 sd
  } else {
    s.network.kind = "mixture";
    s.network.weights = {*bounded_real(-1.0, 1.0, 200), *bounded_real(0.1, 1.0, 200)};
    if (s.network.weights[0] == 0.0) s.network.weights[0] = 0.5;
    s.network.means = *rc::gen::container<std::vector<double>>(2 * d, bounded_real(-0.5, 0.5, 100));
    s.network.widths = {*bounded_real(0.1, 0.4, 100), *bounded_real(0.1, 0.4, 100)};
    for (std::size_t b = 0; b < 2; ++b)
      c.f_max += std::abs(s.network.weights[b]) *
                 std::pow(2.0 * std::numbers::pi * s.network.widths[b] * s.network.widths[b], -0.5 * double(d));
  }
  return c;
}

RC_GTEST_PROP(NetworkProperty, RiskDecaysAtMinusOneOverNTimesTheSumOfSquaredSpeedsAlongRuns, ()) {
  const Network c = draw_network();
  const std::size_t n = c.x.size() / static_cast<std::size_t>(c.spec.dimension);
  const auto field = make_velocity_field(c.spec, std::vector<double>(n, 1.0 / static_cast<double>(n)));
  const double eps = c.spec.epsilon;
  const double f_n_max = std::pow(2.0 * std::numbers::pi * eps * eps, -0.5 * c.spec.dimension);
  const double r_mag = 0.5 * (f_n_max * f_n_max + c.f_max * c.f_max);
  std::vector<double> x = c.x, v(x.size()), k1(x.size()), k2(x.size()), k3(x.size()), k4(x.size()), y(x.size());
  constexpr int kSteps = 3;
  for (int step = 0; step <= kSteps; ++step) {
    field->velocity(x, v);
    double vmax = 0.0, dissipation = 0.0;
    for (double c2 : v) {
      vmax = std::max(vmax, std::abs(c2));
      dissipation += c2 * c2 / static_cast<double>(n);
    }
    RC_PRE(vmax > 0.0);
    const double h = kStepInEps * eps / vmax;
    std::vector<double> xp = x, xm = x;
    for (std::size_t k = 0; k < x.size(); ++k) {
      xp[k] += h * v[k];
      xm[k] -= h * v[k];
    }
    const double derivative = (field->energy(xp) - field->energy(xm)) / (2.0 * h);
    const double allowed =
        kRelative * dissipation + kRoundoffUlps * std::numeric_limits<double>::epsilon() * r_mag / h;
    RC_LOG() << "step " << step << ": dR/dt = " << derivative << ", -(1/N) sum |v|^2 = " << -dissipation
             << ", allowed " << allowed << "\n";
    RC_ASSERT(std::abs(derivative + dissipation) <= allowed);
    // One RK4 step moving the fastest neuron about 0.1 eps.
    const double dt = 0.1 * eps / vmax;
    k1 = v;
    for (std::size_t k = 0; k < x.size(); ++k) y[k] = x[k] + 0.5 * dt * k1[k];
    field->velocity(y, k2);
    for (std::size_t k = 0; k < x.size(); ++k) y[k] = x[k] + 0.5 * dt * k2[k];
    field->velocity(y, k3);
    for (std::size_t k = 0; k < x.size(); ++k) y[k] = x[k] + dt * k3[k];
    field->velocity(y, k4);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] += dt / 6.0 * (k1[k] + 2.0 * k2[k] + 2.0 * k3[k] + k4[k]);
  }
}

}  // namespace
}  // namespace blobflow::property
