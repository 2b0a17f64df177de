// RapidCheck properties of the drifted velocity fields (drifted_field.hpp) over random particle systems: the cases
// of tests/property/particle_case.hpp (N 2..12, d 1..3, wpme and pme with m in {1, 1.5, 2, 3}) plus a random V
// (none, quadratic, double-well, polynomial of degree 1..5) and a random W (none, gaussian, and newtonian in 2D).
// Properties (potentials.hpp; docs/math.md §1.4):
//   - v_i = -(1/m_i) grad_(x_i) E_total by central differences, for every V and W kind;
//   - sum_i m_i v_i = -sum_i m_i grad V(x_i): the diffusion and pair terms are antisymmetric (zero when V = none).
// Tolerances: those of tests/property/field_checks.hpp, with the scales extended by the drift terms (below).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "blobflow/solvers/potentials.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "property/field_checks.hpp"
#include "property/particle_case.hpp"

namespace blobflow::property {
namespace {

struct DriftCase {
  ParticleCase base;
  PotentialSpec potential;
  InteractionSpec interaction;

  FieldSpec spec() const {
    FieldSpec s = base.spec();
    s.potential = potential;
    s.interaction = interaction;
    return s;
  }
  /// The shortest length on which the energy varies: eps, or the Gaussian attraction's l if shorter.
  double length() const {
    return interaction.kind == "gaussian" ? std::min(base.eps, interaction.length) : base.eps;
  }
};

/// Parameters are drawn relative to the cloud scale s so that every term is of comparable size: V's gradient and
/// the pair forces are O(1/s) like the diffusion velocity for O(1) factors.
DriftCase draw_drift_case() {
  constexpr int kSteps = 1000;
  DriftCase c;
  c.base = draw_particle_case();
  const double s = c.base.scale;
  const auto d = static_cast<std::size_t>(c.base.dim);
  switch (*uniform_integer(0, 4)) {
    case 1:
      c.potential.kind = "quadratic";
      c.potential.strength = *bounded_real(0.1, 10.0, kSteps) / (s * s);
      c.potential.center = *rc::gen::container<std::vector<double>>(d, bounded_real(-s, s, kSteps));
      break;
    case 2:
      c.potential.kind = "double-well";
      c.potential.strength = *bounded_real(0.1, 10.0, kSteps) / (s * s * s * s);
      c.potential.well_radius = *bounded_real(0.1, 2.0, kSteps) * s;
      break;
    case 3: {
      c.potential.kind = "polynomial";
      const auto degree = *uniform_integer<std::size_t>(1, 6);
      c.potential.coefficients = *rc::gen::container<std::vector<double>>(degree + 1, bounded_real(-1.0, 1.0, kSteps));
      for (std::size_t j = 0; j <= degree; ++j) c.potential.coefficients[j] /= std::pow(s, static_cast<double>(j));
      break;
    }
    default:
      break;  // none
  }
  switch (*uniform_integer(0, c.base.dim == 2 ? 3 : 2)) {
    case 1:
      c.interaction.kind = "gaussian";
      c.interaction.amplitude = *bounded_real(0.1, 10.0, kSteps);
      c.interaction.length = *bounded_real(0.1, 1.0, kSteps) * s;
      break;
    case 2:
      c.interaction.kind = "newtonian";
      c.interaction.chi = *bounded_real(0.1, 10.0, kSteps);
      break;
    default:
      break;  // none
  }
  return c;
}

/// Cancellation-free magnitudes of the drift terms at particle i, computed from the formulas of potentials.hpp:
/// |grad V| and |V| with every term taken in absolute value, a bound on V's third derivatives along a coordinate
/// (the central-difference truncation error is h^2/6 of it), and the pair sums of |grad W| and |W|.
struct DriftMagnitudes {
  std::vector<double> velocity;  ///< per particle: diffusion V_i + |grad V|_abs + sum_j m_j |grad W|
  std::vector<double> third;     ///< per particle: max_k |d^3 V / dx_k^3| bound
  double energy = 0.0;           ///< diffusion Emag + sum_i m_i |V|_abs + 1/2 sum_ij m_i m_j |W|
};

DriftMagnitudes drift_magnitudes(const DriftCase& c) {
  const ParticleCase& b = c.base;
  const auto d = static_cast<std::size_t>(b.dim);
  const std::size_t n = b.size();
  const Magnitudes diffusion = magnitudes(b, b.x);
  DriftMagnitudes g{diffusion.velocity, std::vector<double>(n, 0.0), diffusion.energy};
  const PotentialSpec& v = c.potential;
  for (std::size_t i = 0; i < n; ++i) {
    const double* x = &b.x[i * d];
    double r2 = 0.0, grad = 0.0, value = 0.0, third = 0.0;
    for (std::size_t k = 0; k < d; ++k) r2 += x[k] * x[k];
    if (v.kind == "quadratic") {
      for (std::size_t k = 0; k < d; ++k) {
        const double dk = std::abs(x[k]) + std::abs(v.center[k]);
        grad += v.strength * dk;
        value += 0.5 * v.strength * dk * dk;
      }
    } else if (v.kind == "double-well") {
      const double b2 = v.well_radius * v.well_radius;
      grad = v.strength * (r2 + b2) * std::sqrt(r2);
      value = 0.25 * v.strength * (r2 + b2) * (r2 + b2);
      third = 6.0 * v.strength * std::sqrt(r2);  // d^3/dx_k^3 of a (|x|^2 - b^2)^2 / 4 is 6 a x_k
    } else if (v.kind == "polynomial") {
      for (std::size_t k = 0; k < d; ++k) {
        const double y = std::abs(x[k]);
        for (std::size_t j = 0; j < v.coefficients.size(); ++j) {
          const double cj = std::abs(v.coefficients[j]), jd = static_cast<double>(j);
          value += cj * std::pow(y, jd);
          if (j >= 1) grad += jd * cj * std::pow(y, jd - 1.0);
          if (j >= 3) third = std::max(third, jd * (jd - 1.0) * (jd - 2.0) * cj * std::pow(y, jd - 3.0));
        }
      }
    }
    g.velocity[i] += grad;
    g.third[i] = third;
    g.energy += b.masses[i] * value;
  }
  // Pair terms: |W| and |grad W| from the kernel types (checked against closed forms in test_potentials.cpp).
  if (c.interaction.kind != "none") {
    const InteractionKernel kernel = make_interaction_kernel(c.interaction, b.dim, "gaussian", b.eps);
    std::visit(
        [&](const auto& k) {
          if constexpr (RadialKernel<std::decay_t<decltype(k)>>) {
            for (std::size_t i = 0; i < n; ++i)
              for (std::size_t j = 0; j < n; ++j) {
                double r2 = 0.0;
                for (std::size_t q = 0; q < d; ++q) r2 += (b.x[i * d + q] - b.x[j * d + q]) * (b.x[i * d + q] - b.x[j * d + q]);
                g.velocity[i] += b.masses[j] * std::abs(k.gradient_factor(r2)) * std::sqrt(r2);
                g.energy += 0.5 * b.masses[i] * b.masses[j] * std::abs(k.value(r2));
              }
          }
        },
        kernel);
  }
  return g;
}

/// The FD truncation error of V is h^2/6 |V'''|; twice that covers the bound being taken at x instead of at the
/// intermediate point x +- h (h ~ 1e-5 eps changes |x|^(j-3) by a relative 1e-5 at most for |x| >= eps).
constexpr double kThirdDerivativeSafety = 2.0;

double drifted_fd_ratio(const DriftCase& c) {
  const ParticleCase& b = c.base;
  const auto field = make_velocity_field(c.spec(), b.masses);
  const auto d = static_cast<std::size_t>(b.dim);
  const auto n = static_cast<double>(b.size());
  std::vector<double> v(b.x.size());
  field->velocity(b.x, v);
  const DriftMagnitudes mag = drift_magnitudes(c);
  const double v_max = max_abs(v), v_scale = max_abs(mag.velocity);
  const double length = c.length();
  const double h = kFdStepInEps * length;
  double worst = 0.0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    for (std::size_t k = 0; k < d; ++k) {
      std::vector<double> xp = b.x, xm = b.x;
      xp[i * d + k] += h;
      xm[i * d + k] -= h;
      const double step = xp[i * d + k] - xm[i * d + k];
      const double fd = -(field->energy(xp) - field->energy(xm)) / step / b.masses[i];
      const double allowed = kFdRelative * v_max + kFdTruncation * (h / length) * (h / length) * v_scale +
                             kThirdDerivativeSafety * h * h / 6.0 * mag.third[i] +
                             2.0 * kEnergyUlps * n * kMachineEpsilon * mag.energy / (step * b.masses[i]);
      worst = std::max(worst, std::abs(fd - v[i * d + k]) / allowed);
    }
  }
  return worst;
}

double drifted_momentum_ratio(const DriftCase& c) {
  const ParticleCase& b = c.base;
  const auto field = make_velocity_field(c.spec(), b.masses);
  const auto d = static_cast<std::size_t>(b.dim);
  const auto n = static_cast<double>(b.size());
  std::vector<double> v(b.x.size());
  field->velocity(b.x, v);
  std::vector<double> residual(d, 0.0);  // sum_i m_i (v_i + grad V(x_i))
  std::vector<double> grad_v(d);
  const std::unique_ptr<ExternalPotential> potential =
      c.potential.kind == "none" ? nullptr : std::make_unique<ExternalPotential>(c.potential, b.dim);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (potential) potential->gradient(&b.x[i * d], grad_v.data());
    for (std::size_t k = 0; k < d; ++k) residual[k] += b.masses[i] * (v[i * d + k] + (potential ? grad_v[k] : 0.0));
  }
  const DriftMagnitudes mag = drift_magnitudes(c);
  double scale = 0.0;
  for (std::size_t i = 0; i < b.size(); ++i) scale += b.masses[i] * mag.velocity[i];
  double norm2 = 0.0;
  for (double r : residual) norm2 += r * r;
  const double allowed = kMomentumUlps * n * kMachineEpsilon * scale + std::numeric_limits<double>::min();
  return std::sqrt(norm2) / allowed;
}

RC_GTEST_PROP(DriftedFieldProperty, VelocityIsMinusInverseMassTimesTotalEnergyGradient, ()) {
  const DriftCase c = draw_drift_case();
  const double ratio = drifted_fd_ratio(c);
  RC_LOG() << "V = " << c.potential.kind << ", W = " << c.interaction.kind << ": worst |v_fd - v| / allowed = "
           << ratio << "\n";
  RC_TAG(c.potential.kind, c.interaction.kind);
  RC_ASSERT(ratio <= 1.0);
}

RC_GTEST_PROP(DriftedFieldProperty, MomentumIsMinusTheMassWeightedSumOfGradV, ()) {
  const DriftCase c = draw_drift_case();
  const double ratio = drifted_momentum_ratio(c);
  RC_LOG() << "V = " << c.potential.kind << ", W = " << c.interaction.kind
           << ": |sum m_i (v_i + grad V_i)| / allowed = " << ratio << "\n";
  RC_ASSERT(ratio <= 1.0);
}

}  // namespace
}  // namespace blobflow::property
