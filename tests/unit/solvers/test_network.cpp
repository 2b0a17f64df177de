// The network field (network.hpp, docs/math.md §10) against the wpme field and against an independent quadrature
// of the risk:
//   - with f* = 0 and nu = 1/rhobar the network velocity and energy are the wpme ones, with the same lattice
//     quadrature (Gaussian and Wendland C2 mollifiers), and the Gaussian case matches the closed-form y-integral to
//     the quadrature's accuracy;
//   - with a concave quadratic f* and a two-bump f*, uniform and Gaussian data, the risk equals 1/2 int (f_N - f*)^2 nu
//     computed independently by Gauss-Legendre panels, and the velocity equals -N grad R of that independent risk by
//     central differences;
//   - the kinds of f* and of nu refuse bad parameters with the key, the value and the rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "blobflow/solvers/network.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/solvers/wpme_targets.hpp"

namespace blobflow {
namespace {

/// The two fields sum the same lattice terms, only 1/(1/nu) against nu differs in the last bit, and the engines
/// may group sums differently: agreement to 1e-13 relative to the largest velocity (and energy).
constexpr double kIdentityRelative = 1e-13;
/// The lattice quadrature is chosen for relative accuracy 1e-10 (wpme_targets.hpp) where nu is smooth within the
/// kernels' reach (a jump within reach adds O(dy^2)): against the closed form, 1e-9.
constexpr double kClosedFormRelative = 1e-9;

std::vector<double> cloud(std::size_t n, int d, unsigned seed, double half_width) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-half_width, half_width);
  std::vector<double> x(n * static_cast<std::size_t>(d));
  for (double& c : x) c = u(rng);
  return x;
}

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double c : v) m = std::max(m, std::abs(c));
  return m;
}

/// Three boxes tiling [-3, 3]^d along the first coordinate: nu = 0.2, 1.5, 0.4 (1D) on [-3, -0.3], [-0.3, 0.4],
/// [0.4, 3]; the particles lie in [-0.5, 0.5]^d, so every lattice point within a kernel's reach is inside the tiling.
std::vector<TargetBox> tiling(int d, bool inverse, std::vector<double> cuts = {-3.0, -0.3, 0.4, 3.0}) {
  const std::vector<double> nu = {0.2, 1.5, 0.4};
  std::vector<TargetBox> boxes;
  for (std::size_t k = 0; k < nu.size(); ++k) {
    TargetBox b;
    b.lo.assign(static_cast<std::size_t>(d), -3.0);
    b.hi.assign(static_cast<std::size_t>(d), 3.0);
    b.lo[0] = cuts[k];
    b.hi[0] = cuts[k + 1];
    b.value = inverse ? 1.0 / nu[k] : nu[k];
    boxes.push_back(b);
  }
  return boxes;
}

struct Pair {
  std::unique_ptr<VelocityField> network, wpme;
};

Pair network_and_wpme(const std::string& mollifier, int d, std::size_t n) {
  FieldSpec net;
  net.equation = "network";
  net.dimension = d;
  net.mollifier = mollifier;
  net.epsilon = 0.15;
  net.target.kind = "piecewise";
  net.target.pieces = tiling(d, false);
  FieldSpec w = net;
  w.equation = "wpme";
  w.target.pieces = tiling(d, true);  // rhobar = 1/nu
  w.target.method = "quadrature";
  // The wpme target's floor lies outside the tiling, where no lattice point within reach of a particle falls; a
  // floor of the size of 1/rhobar inside avoids the cancellation of a thousandfold floor in the cell means.
  w.target.floor_fraction = 0.99;
  const std::vector<double> masses(n, 1.0 / static_cast<double>(n));
  return {make_velocity_field(net, masses), make_velocity_field(w, masses)};
}

void expect_identical(const Pair& p, const std::vector<double>& x) {
  std::vector<double> vn(x.size()), vw(x.size());
  p.network->velocity(x, vn);
  p.wpme->velocity(x, vw);
  double worst = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) worst = std::max(worst, std::abs(vn[k] - vw[k]));
  EXPECT_LE(worst, kIdentityRelative * max_abs(vw)) << "max |v_network - v_wpme| = " << worst;
  const double en = p.network->energy(x), ew = p.wpme->energy(x);
  EXPECT_LE(std::abs(en - ew), kIdentityRelative * std::abs(ew)) << en << " vs " << ew;
}

TEST(NetworkField, ZeroTargetFunctionIsTheWpmeFieldWithRhobarOneOverNuGaussian) {
  for (int d : {1, 2}) {
    const Pair p = network_and_wpme("gaussian", d, 30);
    expect_identical(p, cloud(30, d, 7U + static_cast<unsigned>(d), 0.5));
  }
}

TEST(NetworkField, ZeroTargetFunctionIsTheWpmeFieldWithRhobarOneOverNuWendland) {
  for (int d : {1, 2}) {
    const Pair p = network_and_wpme("wendland-c2", d, 30);
    expect_identical(p, cloud(30, d, 11U + static_cast<unsigned>(d), 0.5));
  }
}

TEST(NetworkField, ZeroTargetFunctionMatchesTheClosedFormYIntegral) {
  // nu jumps at -2 and 2.2, 10 eps and more from the particles in [-0.5, 0.5]: the quadrature is at its smooth-case
  // accuracy there, and the closed form's boxes still matter (the kernels reach them at 1e-22 of their peak).
  const std::size_t n = 30;
  const std::vector<double> cuts = {-3.0, -2.0, 2.2, 3.0};
  const std::vector<double> x = cloud(n, 1, 3U, 0.5);
  FieldSpec net;
  net.equation = "network";
  net.epsilon = 0.15;
  net.target.kind = "piecewise";
  net.target.pieces = tiling(1, false, cuts);
  Pair p;
  p.network = make_velocity_field(net, std::vector<double>(n, 1.0 / n));
  TargetSpec rhobar;
  rhobar.kind = "piecewise";
  rhobar.pieces = tiling(1, true, cuts);
  rhobar.floor_fraction = 0.99;
  const WpmeClosedFormTarget exact(0.15, 1, std::vector<double>(n, 1.0 / n), make_target(rhobar, 1));
  std::vector<double> vn(n), ve(n);
  p.network->velocity(x, vn);
  exact.velocity(x, ve);
  for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(vn[i], ve[i], kClosedFormRelative * max_abs(ve)) << i;
  EXPECT_NEAR(p.network->energy(x), exact.energy(x), kClosedFormRelative * exact.energy(x));
}

// ---- The risk by an independent quadrature.

/// Gauss-Legendre nodes and weights on [-1, 1], 8 points (exact to degree 15).
constexpr double kGlNodes[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
constexpr double kGlWeights[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};

/// sum_p w_p g(y_p) over [lo, hi] split into panels of width <= panel (8-point Gauss-Legendre on each).
template <class G>
void gauss_panels(double lo, double hi, double panel, G&& g) {
  const int count = static_cast<int>(std::ceil((hi - lo) / panel));
  const double h = (hi - lo) / count;
  for (int p = 0; p < count; ++p) {
    const double mid = lo + (p + 0.5) * h;
    for (int k = 0; k < 4; ++k)
      for (double s : {-1.0, 1.0}) g(mid + s * 0.5 * h * kGlNodes[k], 0.5 * h * kGlWeights[k]);
  }
}

/// 1/2 int (f_N - f*)^2 nu over [lo, hi]^d (d = 1, 2), Gaussian neurons of standard deviation eps, masses 1/N.
template <class F, class Nu>
double independent_risk(const std::vector<double>& x, int d, double eps, double lo, double hi, F&& f, Nu&& nu) {
  const std::size_t n = x.size() / static_cast<std::size_t>(d);
  const double norm = std::pow(2.0 * std::numbers::pi * eps * eps, -0.5 * d) / static_cast<double>(n);
  auto integrand = [&](const double* y) {
    double fn = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      double r2 = 0.0;
      for (int l = 0; l < d; ++l) r2 += (y[l] - x[j * d + l]) * (y[l] - x[j * d + l]);
      fn += norm * std::exp(-0.5 * r2 / (eps * eps));
    }
    const double e = fn - f(y);
    return 0.5 * e * e * nu(y);
  };
  const double panel = eps;  // 8 Gauss-Legendre points per standard deviation of the narrowest factor
  double r = 0.0;
  gauss_panels(lo, hi, panel, [&](double y0, double w0) {
    if (d == 1) {
      r += w0 * integrand(&y0);
      return;
    }
    gauss_panels(lo, hi, panel, [&](double y1, double w1) {
      const double y[2] = {y0, y1};
      r += w0 * w1 * integrand(y);
    });
  });
  return r;
}

/// The risk from the field and from independent_risk, and the velocity against -N grad of the independent risk by
/// central differences with step h = 1e-4 eps: truncation (h/eps)^2 ~ 1e-8 and round-off 1e-16 R / h ~ 1e-12 of the
/// velocity scale R/eps; the field's own quadrature is chosen for 1e-10. Criterion: 1e-7 of max |v| and 1e-10 of R
/// (measured, printed by the test: 1.6e-9 and 4e-14).
constexpr double kFdStepInEps = 1e-4;
constexpr double kFdRelative = 1e-7;
constexpr double kRiskRelative = 1e-10;

struct Case {
  std::string data;  // "uniform" on [-1, 1]^d or "gaussian" N(0, 0.4^2 I)
  std::string function;
};

/// Uniform data on [-1, 1]^d: nu jumps at the box's faces, where the lattice's cell means leave an O(dy^2) error,
/// so the neurons stay in [-0.4, 0.4]^d, 8.6 eps = 0.6 from the faces (the kernels are below 1e-16 there); Gaussian
/// data are smooth.
void check_against_independent_risk(const Case& c, int d) {
  const double eps = 0.07;
  const std::size_t n = 12;
  FieldSpec spec;
  spec.equation = "network";
  spec.dimension = d;
  spec.epsilon = eps;
  spec.engine = "direct";
  const double sigma = d == 1 ? 0.4 : 0.3;
  if (c.data == "uniform") {
    spec.target.kind = "uniform";
    spec.target.box_lo = {-1.0};
    spec.target.box_hi = {1.0};
  } else {
    spec.target.kind = "gaussian";
    spec.target.mean.assign(static_cast<std::size_t>(d), 0.0);
    spec.target.covariance = d == 1 ? std::vector<double>{sigma * sigma}
                                    : std::vector<double>{sigma * sigma, 0.0, 0.0, sigma * sigma};
  }
  spec.network.kind = c.function;
  spec.network.height = 1.2;
  spec.network.curvature = 2.0;
  spec.network.weights = {0.6, 0.4};
  spec.network.means = d == 1 ? std::vector<double>{-0.4, 0.45} : std::vector<double>{-0.4, 0.0, 0.45, 0.1};
  spec.network.widths = {0.15, 0.2};
  const auto field = make_velocity_field(spec, std::vector<double>(n, 1.0 / n));
  const NetworkFunction f = make_network_function(spec.network, d);
  const std::shared_ptr<const Target> data = make_network_data(spec.target, d);
  // Gaussian data: +-9 sigma in 1D; in 2D (mixture f*, below 1e-20 beyond 1.5) +-6 sigma keeps the test fast.
  const double lo = c.data == "uniform" ? -1.0 : -(d == 1 ? 9.0 : 6.0) * sigma, hi = -lo;
  std::cout << c.data << " " << c.function << " d = " << d << ": R = " << field->energy(cloud(n, d, 5U, 0.4));
  auto risk = [&](const std::vector<double>& x) {
    return independent_risk(
        x, d, eps, lo, hi, [&](const double* y) { return f(std::span<const double>(y, static_cast<std::size_t>(d))); },
        [&](const double* y) { return data->inverse_density(std::span<const double>(y, static_cast<std::size_t>(d))); });
  };
  std::vector<double> x = cloud(n, d, 5U, 0.4);
  const double r = risk(x);
  std::cout << ", independent R = " << r << ", relative difference " << std::abs(field->energy(x) - r) / r;
  EXPECT_NEAR(field->energy(x), r, kRiskRelative * r) << c.data << " " << c.function << " d = " << d;
  std::vector<double> v(x.size());
  field->velocity(x, v);
  const double h = kFdStepInEps * eps;
  double worst = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    std::vector<double> xp = x, xm = x;
    xp[k] += h;
    xm[k] -= h;
    const double fd = -static_cast<double>(n) * (risk(xp) - risk(xm)) / (2.0 * h);
    worst = std::max(worst, std::abs(v[k] - fd));
    EXPECT_NEAR(v[k], fd, kFdRelative * max_abs(v)) << c.data << " " << c.function << " d = " << d << " k = " << k;
  }
  std::cout << ", max |v - v_fd| / max |v| = " << worst / max_abs(v) << "\n";
}

TEST(NetworkField, RiskAndVelocityMatchAnIndependentQuadratureIn1D) {
  for (const Case& c : {Case{"uniform", "quadratic"}, Case{"uniform", "mixture"}, Case{"gaussian", "quadratic"},
                        Case{"gaussian", "mixture"}})
    check_against_independent_risk(c, 1);
}

TEST(NetworkField, RiskAndVelocityMatchAnIndependentQuadratureIn2D) {
  check_against_independent_risk({"uniform", "quadratic"}, 2);
  check_against_independent_risk({"gaussian", "mixture"}, 2);
}

// ---- Bad parameters.

TEST(NetworkFunction, RefusesBadParametersNamingTheKey) {
  const double inf = std::numeric_limits<double>::infinity();
  auto message = [](const NetworkFunctionSpec& s) {
    try {
      (void)make_network_function(s, 1);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  NetworkFunctionSpec s;
  s.kind = "quadratik";
  EXPECT_NE(message(s).find("network.function = \"quadratik\""), std::string::npos) << message(s);
  s.kind = "quadratic";
  s.height = inf;
  EXPECT_NE(message(s).find("network.height = inf: must be finite"), std::string::npos) << message(s);
  s = {};
  s.kind = "mixture";
  s.weights = {1.0};
  s.means = {std::nan("")};
  s.widths = {0.1};
  EXPECT_NE(message(s).find("network.means"), std::string::npos) << message(s);
  s.means = {0.0};
  s.widths = {0.0};
  EXPECT_NE(message(s).find("network.widths = [0]: must be > 0"), std::string::npos) << message(s);
}

TEST(NetworkData, RefusesADensityWithoutBoxOrWithAFloor) {
  TargetSpec t;
  EXPECT_THROW((void)make_network_data(t, 1), std::invalid_argument);  // uniform on R^d: no finite mass
  t.box_lo = {0.0};
  t.box_hi = {1.0};
  t.floor_fraction = 0.1;
  EXPECT_THROW((void)make_network_data(t, 1), std::invalid_argument);
  t.floor_fraction.reset();
  const auto nu = make_network_data(t, 1);
  const double inside = 0.5, outside = 1.5;
  EXPECT_EQ(nu->inverse_density(std::span<const double>(&inside, 1)), 1.0);
  EXPECT_EQ(nu->inverse_density(std::span<const double>(&outside, 1)), 0.0);
}

}  // namespace
}  // namespace blobflow
