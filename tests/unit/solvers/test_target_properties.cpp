// Property tests of wpme with a general target (wpme_targets.hpp): for random particle systems, targets, mollifiers
// and both y-integral paths, the velocity is exactly -(1/m_i) grad_(X_i) E of the discrete energy (docs/math.md §2.3),
// checked by central differences with a stated relative criterion (docs/architecture.md "Conventions"), as
// tests/property does for rhobar == 1.
//
// A case: d in {1, 2, 3}, N in [2, 6] particles uniform on a grid in [-s, s]^d with a log-uniform scale s in
// [0.1, 10] (3 random coordinates checked per case), masses in [0.1, 1], eps = f s with f in [0.2, 0.6], any
// registered mollifier (the Gaussian a third of the time), and a target scaled with s: uniform on a box, gaussian, a two-component mixture, or piecewise (two boxes). Piecewise-constant targets
// with the Gaussian mollifier take the closed form or the quadrature at random; the quadrature takes the default
// spacing or dy / eps in [0.5, 1] (the identity is exact for every lattice).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

template <class T>
rc::Gen<T> uniform_integer(T lo, T hi) {
  constexpr int kFullSize = 100;  // rc::kNominalSize: the size at which inRange covers [lo, hi)
  return rc::gen::resize(kFullSize, rc::gen::inRange<T>(lo, hi));
}

/// A real in [lo, hi] on a grid of n_steps + 1 points (RapidCheck has no bounded double generator, docs/architecture.md
/// "Conventions").
rc::Gen<double> bounded_real(double lo, double hi, int n_steps) {
  return rc::gen::map(uniform_integer(0, n_steps + 1),
                      [lo, hi, n_steps](int k) { return lo + (hi - lo) * (static_cast<double>(k) / n_steps); });
}

constexpr int kSteps = 1000;

struct TargetCase {
  FieldSpec spec;
  std::vector<double> x, masses;
  double scale = 1.0;
  /// Piecewise-constant targets: w_out + sum_k |w_k - w_out| >= the coefficients of 1/rhobar, whose closed form
  /// cancels between them (0 for gaussian and mixture targets).
  double inverse_bound = 0.0;
};

TargetCase draw_target_case() {
  TargetCase c;
  FieldSpec& s = c.spec;
  s.equation = "wpme";
  s.dimension = *uniform_integer(1, 4);
  const auto d = static_cast<std::size_t>(s.dimension);
  const auto n = *uniform_integer<std::size_t>(2, 7);
  c.scale = std::pow(10.0, *bounded_real(-1.0, 1.0, kSteps));
  s.epsilon = c.scale * *bounded_real(0.2, 0.6, kSteps);
  const auto& mollifiers = mollifier_registry();
  // The Gaussian a third of the time (it alone has the closed form), any registered kernel otherwise.
  s.mollifier = *uniform_integer(0, 3) == 0
                    ? std::string("gaussian")
                    : std::string(mollifiers[*uniform_integer<std::size_t>(0, mollifiers.size())].name);
  c.x.resize(n * d);
  for (double& v : c.x) v = c.scale * *bounded_real(-1.0, 1.0, kSteps);
  c.masses.resize(n);
  for (double& m : c.masses) m = *bounded_real(0.1, 1.0, kSteps);

  TargetSpec& t = s.target;
  const double floor = *bounded_real(0.01, 0.5, kSteps);
  switch (*uniform_integer(0, 4)) {
    case 0: {  // uniform on a box: 1/rhobar = volume inside, volume / floor outside
      t.box_lo = {-c.scale * *bounded_real(0.2, 1.5, kSteps)};
      t.box_hi = {c.scale * *bounded_real(0.2, 1.5, kSteps)};
      t.floor_fraction = floor;
      const double volume = std::pow(t.box_hi[0] - t.box_lo[0], s.dimension);
      c.inverse_bound = 2.0 * volume / floor + volume;
      break;
    }
    case 1:
    case 2: {  // gaussian or a two-component mixture, wide against the cloud
      t.kind = *uniform_integer(0, 2) == 0 ? "gaussian" : "mixture";
      const std::size_t components = t.kind == "gaussian" ? 1 : 2;
      for (std::size_t q = 0; q < components; ++q) {
        std::vector<double> mean(d), sigma(d), cov(d * d);
        for (double& m : mean) m = c.scale * *bounded_real(-0.5, 0.5, kSteps);
        for (double& sg : sigma) sg = c.scale * *bounded_real(2.0, 4.0, kSteps);
        // Equal correlations rho in [-0.4, 0.4]: eigenvalues 1 - rho and 1 + (d - 1) rho >= 0.2 (positive definite).
        const double rho = *bounded_real(-0.4, 0.4, kSteps);
        for (std::size_t a = 0; a < d; ++a)
          for (std::size_t b = 0; b < d; ++b) cov[a * d + b] = (a == b ? 1.0 : rho) * sigma[a] * sigma[b];
        if (t.kind == "gaussian") {
          t.mean = mean;
          t.covariance = cov;
        } else {
          t.weights.push_back(*bounded_real(0.2, 1.0, kSteps));
          t.means.insert(t.means.end(), mean.begin(), mean.end());
          t.covariances.insert(t.covariances.end(), cov.begin(), cov.end());
        }
      }
      c.inverse_bound = 0.0;  // always the quadrature, whose energy terms w_k u_k^2 are all >= 0
      break;
    }
    default: {  // piecewise: two boxes split along the first axis
      t.kind = "piecewise";
      const double cut = c.scale * *bounded_real(-0.8, 0.8, kSteps);
      std::vector<double> lo(d, -1.2 * c.scale), hi(d, 1.2 * c.scale);
      std::vector<double> mid_hi = hi, mid_lo = lo;
      mid_hi[0] = cut;
      mid_lo[0] = cut;
      const double a = *bounded_real(0.2, 2.0, kSteps), b = *bounded_real(0.2, 2.0, kSteps);
      t.pieces = {{lo, mid_hi, a}, {mid_lo, hi, b}};
      t.floor_fraction = floor;
      const double peak = std::max(a, b), low = std::min(a, b);
      c.inverse_bound = 3.0 / (floor * peak) + 2.0 / low;
      break;
    }
  }
  const bool closed_form_exists = s.mollifier == "gaussian" && t.kind != "gaussian" && t.kind != "mixture";
  if (!closed_form_exists || *uniform_integer(0, 2) == 0) {
    t.method = "quadrature";
    // In 3D always a coarse lattice, which keeps a case cheap (the identity holds for every lattice).
    if (s.dimension == 3 || *uniform_integer(0, 2) == 0) t.quadrature_spacing = *bounded_real(0.5, 1.0, kSteps);
  }
  return c;
}

/// Central differences with h = 1e-4 eps: truncation h^2/6 |d^3 E| ~ 1e-8 of the velocity scale (third derivatives
/// are a few V / eps^2), round-off u |E| / h ~ 1e-12 of the velocity scale.
constexpr double kFdStepInEps = 1e-4;
/// Criterion: |v_fd - v| <= kFdRelative (max_j |v_j| + Emag / (eps m_i)), where Emag bounds the sum of |terms| of E:
/// Emag = A (|E| + B |E_1|), E_1 the same mollifier's rhobar == 1 energy, B = TargetCase::inverse_bound and A the
/// amplification of a sign-changing kernel (rounding relative to sum_j m_j |zeta| instead of the sum, squared).
/// Emag / (eps m_i) is about N times the velocity scale; a wrong gradient misses by O(1), and 1e-6 leaves two decades
/// above truncation and round-off.
constexpr double kFdRelative = 1e-6;
/// (||zeta||_1)^2 <= 25 for every registered kernel (dog6: 8/3 + 2 + 1/3 = 5 is the largest L1 norm of the weights).
constexpr double kSignChangingAmplification = 25.0;
/// Coordinates checked per case: a wrong gradient is wrong in most coordinates, and 1000 cases x 3 checks keep the
/// property under a minute.
constexpr int kCoordinatesPerCase = 3;

RC_GTEST_PROP(WpmeTargetProperties, VelocityIsMinusTheEnergyGradientOverMass, ()) {
  const TargetCase c = draw_target_case();
  const auto field = make_velocity_field(c.spec, c.masses);
  FieldSpec uniform = c.spec;
  uniform.target = {};
  const double e_one = std::abs(make_velocity_field(uniform, c.masses)->energy(c.x));
  const double amplification = mollifier_order(c.spec.mollifier) > 2 ? kSignChangingAmplification : 1.0;
  const double e_mag = amplification * (std::abs(field->energy(c.x)) + c.inverse_bound * e_one);
  std::vector<double> v(c.x.size());
  field->velocity(c.x, v);
  double v_max = 0.0;
  for (double vi : v) v_max = std::max(v_max, std::abs(vi));
  RC_ASSERT(std::isfinite(v_max));
  const auto d = static_cast<std::size_t>(c.spec.dimension);
  const double h = kFdStepInEps * c.spec.epsilon;
  double worst = 0.0;
  // kCoordinatesPerCase random coordinates (particle, axis) per case: each costs two energy evaluations.
  for (int draw = 0; draw < kCoordinatesPerCase; ++draw) {
    const auto i = *uniform_integer<std::size_t>(0, c.masses.size());
    const auto k = *uniform_integer<std::size_t>(0, d);
    std::vector<double> xp = c.x, xm = c.x;
    xp[i * d + k] += h;
    xm[i * d + k] -= h;
    const double step = xp[i * d + k] - xm[i * d + k];  // the step actually taken (x +- h is rounded)
    const double fd = -(field->energy(xp) - field->energy(xm)) / step / c.masses[i];
    const double allowed = kFdRelative * (v_max + e_mag / (c.spec.epsilon * c.masses[i]));
    worst = std::max(worst, std::abs(fd - v[i * d + k]) / allowed);
  }
  RC_TAG(c.spec.target.kind + " " + c.spec.target.method);
  RC_ASSERT(worst <= 1.0);
}

}  // namespace
}  // namespace blobflow
