// Unit tests of the regularized equations (equations.hpp) and of their factory (velocity_field.hpp):
// - WpmeUniformTarget energy and velocity against the explicit formulas of docs/math.md §2.3 for N = 2 and N = 3,
//   with psi_eps = zeta_eps * zeta_eps = (4 pi eps^2)^(-d/2) exp(-|z|^2 / (4 eps^2)) (docs/math.md §5.6, second row);
// - CcpPorousMedium against docs/math.md §1.4 for N = 2, and for m = 2 exactly twice the wpme velocity
//   (docs/math.md §2.3 key reduction, §7.1 item 5: "CEHT with rhobar == 1 equals CCP m = 2 with phi = zeta*zeta at half
//   the speed");
// - make_velocity_field validation (docs/architecture.md "Conventions": a bad_inputs test per public entry point).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "blobflow/solvers/equations.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {
namespace {

/// The explicit formulas and the code add O(N) terms in possibly different orders and evaluate exp/pow once per
/// term: a few ulps of the result; 1e-13 relative is ~500 ulps.
constexpr double kFormulaTolerance = 1e-13;
constexpr unsigned kSeed = 20261128;

/// psi_eps(z) for |z|^2 = r2 (docs/math.md §5.6, second row) and its gradient factor: grad psi(z) = -psi(z) z / (2
/// eps^2).
double psi(double r2, double eps, int dim) {
  return std::pow(4.0 * std::numbers::pi * eps * eps, -0.5 * dim) * std::exp(-r2 / (4.0 * eps * eps));
}
double psi_gradient_factor(double r2, double eps, int dim) { return -psi(r2, eps, dim) / (2.0 * eps * eps); }

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

TEST(WpmeUniformTarget, TwoParticleEnergyAndVelocityMatchTheExplicitFormulaInOneDimension) {
  const double eps = 0.25, m1 = 0.3, m2 = 0.7;
  const std::vector<double> x = {-0.2, 0.35};
  const WpmeUniformTarget field(GaussianMollifier(1, eps), {m1, m2});
  const double r2 = (x[0] - x[1]) * (x[0] - x[1]);
  // E = 1/2 sum_ij m_i m_j psi(x_i - x_j) = 1/2 (m1^2 + m2^2) psi(0) + m1 m2 psi(x1 - x2).
  const double energy = 0.5 * (m1 * m1 + m2 * m2) * psi(0.0, eps, 1) + m1 * m2 * psi(r2, eps, 1);
  // v_1 = -m2 grad psi(x1 - x2) = m2 psi(r) (x1 - x2) / (2 eps^2), and v_2 likewise with the roles swapped.
  const double v1 = m2 * psi(r2, eps, 1) * (x[0] - x[1]) / (2.0 * eps * eps);
  const double v2 = m1 * psi(r2, eps, 1) * (x[1] - x[0]) / (2.0 * eps * eps);
  std::vector<double> v(2);
  field.velocity(x, v);
  EXPECT_NEAR(field.energy(x), energy, kFormulaTolerance * energy);
  EXPECT_NEAR(v[0], v1, kFormulaTolerance * std::abs(v1));
  EXPECT_NEAR(v[1], v2, kFormulaTolerance * std::abs(v2));
  EXPECT_GT(v[1], 0.0);  // the right particle moves right: the flow spreads mass
  EXPECT_EQ(field.dimension(), 1);
  EXPECT_EQ(field.masses().size(), 2U);
}

TEST(WpmeUniformTarget, ThreeParticleEnergyAndVelocityMatchTheExplicitFormulaInTwoAndThreeDimensions) {
  const double eps = 0.4;
  const std::vector<double> masses = {0.2, 0.5, 0.3};
  for (int dim = 2; dim <= 3; ++dim) {
    const auto d = static_cast<std::size_t>(dim);
    std::vector<double> x = {0.1, -0.3, 0.25, 0.6, 0.05, -0.4, -0.35, 0.2, 0.15};
    x.resize(3 * d);
    const WpmeUniformTarget field(GaussianMollifier(dim, eps), masses);
    double energy = 0.0;
    std::vector<double> expected(3 * d, 0.0);
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 3; ++j) {
        double r2 = 0.0;
        for (std::size_t k = 0; k < d; ++k) r2 += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
        energy += 0.5 * masses[i] * masses[j] * psi(r2, eps, dim);
        for (std::size_t k = 0; k < d; ++k)
          expected[i * d + k] -= masses[j] * psi_gradient_factor(r2, eps, dim) * (x[i * d + k] - x[j * d + k]);
      }
    }
    std::vector<double> v(3 * d);
    field.velocity(x, v);
    EXPECT_NEAR(field.energy(x), energy, kFormulaTolerance * energy) << "d = " << dim;
    for (std::size_t i = 0; i < v.size(); ++i)
      EXPECT_NEAR(v[i], expected[i], kFormulaTolerance * max_abs(expected)) << "d = " << dim << ", entry " << i;
  }
}

TEST(CcpPorousMedium, TwoParticleEnergyAndVelocityMatchTheExplicitFormulaForEachExponent) {
  // docs/math.md §1.4: p_i = sum_k m_k phi(x_i - x_k), E = sum_i m_i p_i^(m-1)/(m-1) (log p_i for m = 1),
  // v_1 = -m2 grad phi(x1 - x2) (p1^(m-2) + p2^(m-2)), with phi = psi_eps = zeta_eps * zeta_eps.
  const double eps = 0.3, m1 = 0.45, m2 = 0.55;
  const std::vector<double> x = {0.1, -0.05, -0.2, 0.3};  // two particles in 2D
  const double r2 = (x[0] - x[2]) * (x[0] - x[2]) + (x[1] - x[3]) * (x[1] - x[3]);
  const double p1 = m1 * psi(0.0, eps, 2) + m2 * psi(r2, eps, 2);
  const double p2 = m2 * psi(0.0, eps, 2) + m1 * psi(r2, eps, 2);
  for (const double m : {1.0, 1.5, 2.0, 3.0}) {
    const CcpPorousMedium field(GaussianMollifier(2, eps), {m1, m2}, m);
    const double energy = (m == 1.0) ? m1 * std::log(p1) + m2 * std::log(p2)
                                     : (m1 * std::pow(p1, m - 1.0) + m2 * std::pow(p2, m - 1.0)) / (m - 1.0);
    const double a = std::pow(p1, m - 2.0) + std::pow(p2, m - 2.0);
    const double g = psi_gradient_factor(r2, eps, 2);
    const std::vector<double> expected = {-m2 * g * (x[0] - x[2]) * a, -m2 * g * (x[1] - x[3]) * a,
                                          -m1 * g * (x[2] - x[0]) * a, -m1 * g * (x[3] - x[1]) * a};
    std::vector<double> v(4);
    field.velocity(x, v);
    EXPECT_NEAR(field.energy(x), energy, kFormulaTolerance * std::abs(energy)) << "m = " << m;
    for (std::size_t i = 0; i < 4; ++i)
      EXPECT_NEAR(v[i], expected[i], kFormulaTolerance * max_abs(expected)) << "m = " << m << ", entry " << i;
  }
}

TEST(CcpPorousMedium, ExponentTwoIsExactlyTwiceTheWpmeVelocityAndEnergy) {
  // docs/math.md §2.3 key reduction: CEHT velocity -grad(psi * rho), CCP m = 2 velocity -2 grad(phi * rho) with
  // phi = psi; the energies are 1/2 sum m_i p_i and sum m_i p_i. Both are one gradient sum scaled by a power of 2,
  // so the factor 2 holds bit for bit; allow 4 ulps (EXPECT_DOUBLE_EQ) in case an engine reorders.
  std::mt19937 rng(kSeed);
  std::uniform_real_distribution<double> coordinate(-1.0, 1.0), mass(0.1, 1.0);
  for (int dim = 1; dim <= 3; ++dim) {
    for (const std::size_t n : {2UL, 5UL, 11UL}) {
      std::vector<double> x(n * static_cast<std::size_t>(dim)), masses(n);
      for (double& xi : x) xi = coordinate(rng);
      for (double& mi : masses) mi = mass(rng);
      FieldSpec spec;
      spec.dimension = dim;
      spec.epsilon = 0.35;
      spec.equation = "wpme";
      const auto wpme = make_velocity_field(spec, masses);
      spec.equation = "pme";
      spec.m = 2.0;
      const auto pme = make_velocity_field(spec, masses);
      std::vector<double> v_wpme(x.size()), v_pme(x.size());
      wpme->velocity(x, v_wpme);
      pme->velocity(x, v_pme);
      for (std::size_t i = 0; i < x.size(); ++i)
        EXPECT_DOUBLE_EQ(v_pme[i], 2.0 * v_wpme[i]) << "d = " << dim << ", n = " << n << ", entry " << i;
      EXPECT_DOUBLE_EQ(pme->energy(x), 2.0 * wpme->energy(x)) << "d = " << dim << ", n = " << n;
    }
  }
}

TEST(CcpPorousMedium, ExponentTwoTrajectoryIsTheWpmeTrajectoryAtTwiceTheTime) {
  // "At half the speed" (docs/math.md §7.1 item 5): x_pme(t) = x_wpme(2 t). rk4 with step h on v_pme = 2 v_wpme
  // performs the same arithmetic as rk4 with step 2h on v_wpme up to powers of 2, so the states agree to round-off.
  constexpr double kTrajectoryTolerance = 1e-13;  // 100 rk4 steps of O(1) states, a few ulps each
  const std::vector<double> masses = {0.15, 0.25, 0.2, 0.3, 0.1};
  const State x0 = {-0.6, -0.25, 0.05, 0.3, 0.7};
  FieldSpec spec;
  spec.epsilon = 0.2;
  const auto wpme = make_velocity_field(spec, masses);
  spec.equation = "pme";
  const auto pme = make_velocity_field(spec, masses);
  IntegratorSpec rk4;
  rk4.method = "rk4";
  rk4.dt = 0.005;
  State x_pme = x0, x_wpme = x0;
  const std::vector<double> t_pme = {0.25}, t_wpme = {0.5};
  ASSERT_EQ(integrate(*pme, x_pme, 0.0, t_pme, rk4).status, RunStatus::ok);
  rk4.dt = 0.01;
  ASSERT_EQ(integrate(*wpme, x_wpme, 0.0, t_wpme, rk4).status, RunStatus::ok);
  for (std::size_t i = 0; i < x0.size(); ++i) {
    EXPECT_NEAR(x_pme[i], x_wpme[i], kTrajectoryTolerance) << "particle " << i;
    EXPECT_GT(std::abs(x_pme[i] - x0[i]), 1e-3) << "particle " << i << " should have moved";
  }
}

TEST(CcpPorousMedium, RejectsExponentBelowOne) {
  EXPECT_THROW(CcpPorousMedium(GaussianMollifier(1, 0.1), {1.0}, 0.5), std::invalid_argument);
  EXPECT_THROW(CcpPorousMedium(GaussianMollifier(1, 0.1), {1.0}, std::numeric_limits<double>::quiet_NaN()),
               std::invalid_argument);
  EXPECT_THROW(CcpPorousMedium(GaussianMollifier(1, 0.1), {1.0}, std::numeric_limits<double>::infinity()),
               std::invalid_argument);
}

TEST(MakeVelocityField, BuildsEachRegisteredEquationAndDescribesIt) {
  for (const ComponentInfo& equation : equation_registry()) {
    FieldSpec spec;
    spec.equation = std::string(equation.name);
    spec.dimension = 2;
    if (spec.equation == "network") {  // its data density nu needs finite mass: uniform on a box
      spec.target.box_lo = {-1.0};
      spec.target.box_hi = {1.0};
    }
    const auto field = make_velocity_field(spec, {0.5, 0.5});
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(field->dimension(), 2);
    EXPECT_EQ(field->masses().size(), 2U);
    EXPECT_NE(field->describe().find(equation.name), std::string::npos) << field->describe();
  }
  EXPECT_TRUE(is_registered(equation_registry(), "pme"));
  EXPECT_FALSE(is_registered(equation_registry(), "heat"));
  EXPECT_TRUE(is_registered(mollifier_registry(), "gaussian"));
  EXPECT_TRUE(is_registered(engine_registry(), "direct"));
}

TEST(EquationRegistry, EachEquationSaysWhetherItHasATargetAndWhichExponentItFixes) {
  // wpme with rhobar == 1 is d/dt rho = 1/2 Lap(rho^2): a target equation whose exponent is 2; pme takes problem.m.
  EXPECT_TRUE(equation_has_target("wpme"));
  EXPECT_EQ(equation_fixed_exponent("wpme"), std::optional<double>(2.0));
  EXPECT_FALSE(equation_has_target("pme"));
  EXPECT_FALSE(equation_fixed_exponent("pme").has_value());
  EXPECT_THROW((void)equation_fixed_exponent("wmpe"), std::invalid_argument);
}

TEST(MakeVelocityField, RejectsUnknownNamesBadWidthBadMassesBadExponentAndDimensionFour) {
  const std::vector<double> masses = {0.5, 0.5};
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  auto rejects = [&](auto&& mutate, std::vector<double> m, const char* what) {
    FieldSpec spec;
    mutate(spec);
    EXPECT_THROW(make_velocity_field(spec, std::move(m)), std::invalid_argument) << what;
  };
  rejects([](FieldSpec& s) { s.equation = "wmpe"; }, masses, "unknown equation");
  rejects([](FieldSpec& s) { s.mollifier = "laguerre-gaussian-7"; }, masses, "unknown mollifier");
  rejects([](FieldSpec& s) { s.engine = "fmm"; }, masses, "unknown engine");
  for (const double eps : {0.0, -0.1, nan, inf})
    rejects([eps](FieldSpec& s) { s.epsilon = eps; }, masses, "eps <= 0 or not finite");
  for (const int dim : {0, -1, 4})
    rejects([dim](FieldSpec& s) { s.dimension = dim; }, masses, "dimension not in {1, 2, 3}");
  rejects([](FieldSpec&) {}, {}, "no particles");
  for (const double bad : {0.0, -0.5, nan, inf}) rejects([](FieldSpec&) {}, {0.5, bad}, "bad mass");
  for (const double m : {0.0, 0.99, nan, inf})
    rejects(
        [m](FieldSpec& s) {
          s.equation = "pme";
          s.m = m;
        },
        masses, "pme exponent below 1 or not finite");
}

}  // namespace
}  // namespace blobflow

namespace blobflow {
namespace {

TEST(MakeVelocityField, RefusesSignChangingMollifiersForNonQuadraticPme) {
  // docs/math.md §2.3: (phi * rho)^(m-2) and log(phi * rho) need phi * rho > 0, which a sign-changing kernel breaks.
  FieldSpec spec;
  spec.equation = "pme";
  spec.epsilon = 0.3;
  const std::vector<double> masses = {0.5, 0.5};
  for (const ComponentInfo& m : mollifier_registry()) {
    spec.mollifier = std::string(m.name);
    const bool sign_changing = mollifier_order(m.name) > 2;
    for (double exponent : {1.0, 1.5, 3.0}) {
      spec.m = exponent;
      if (sign_changing) {
        EXPECT_THROW(make_velocity_field(spec, masses), std::invalid_argument) << m.name << " m = " << exponent;
      } else {
        EXPECT_NO_THROW(make_velocity_field(spec, masses)) << m.name << " m = " << exponent;
      }
    }
    spec.m = 2.0;
    EXPECT_NO_THROW(make_velocity_field(spec, masses)) << m.name;
  }
  EXPECT_EQ(mollifier_order("gaussian"), 2);
  EXPECT_EQ(mollifier_order("laguerre6"), 6);
  EXPECT_EQ(mollifier_order("dog4"), 4);
  EXPECT_THROW(mollifier_order("tophat"), std::invalid_argument);
}

}  // namespace
}  // namespace blobflow
