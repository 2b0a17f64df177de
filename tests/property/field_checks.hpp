// The checks behind the velocity-field properties. Each returns the worst ratio (observed discrepancy) /
// (allowed discrepancy) over all particles and components, so that a property asserts ratio <= 1 and a measurement
// can report how close the code comes to each bound. The tolerances are named and derived here.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "particle_case.hpp"

namespace blobflow::property {

// ---- v_i = -(1/m_i) grad_i E by central differences (docs/architecture.md "Conventions": stated relative criterion,
// Ceres gradient_checker).
/// Step h = 1e-5 eps: for a Gaussian energy the truncation error is (h/eps)^2 ~ 1e-10 times the velocity scale and
/// the round-off eps_mach E / h is ~1e-11 of it, the balance point of a central difference ((eps_mach)^(1/3)).
inline constexpr double kFdStepInEps = 1e-5;
/// Criterion: |v_fd - v| <= kFdRelative max_j |v_j| + floor, floor = truncation + round-off below.
inline constexpr double kFdRelative = 1e-6;
/// Truncation h^2/6 |d^3 E|/m_i <= kFdTruncation (h/eps)^2 max_j V_j: third derivatives of Gaussian sums are a few
/// times V/eps^2 (and the pow/log of pme adds factors of m); 100 is generous and still only 1e-8 V.
inline constexpr double kFdTruncation = 100.0;
/// Round-off: E is a sum of about N terms each rounded a few times, |dE| <= kEnergyUlps N eps_mach Emag, and
/// the difference quotient divides twice that by 2h m_i.
inline constexpr double kEnergyUlps = 8.0;

inline double fd_gradient_ratio(const ParticleCase& c, const VelocityField& field) {
  const auto d = static_cast<std::size_t>(c.dim);
  const auto n = static_cast<double>(c.size());
  std::vector<double> v(c.x.size());
  field.velocity(c.x, v);
  const Magnitudes mag = magnitudes(c, c.x);
  const double v_max = max_abs(v), v_scale = max_abs(mag.velocity);
  const double h = kFdStepInEps * c.eps;
  double worst = 0.0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    for (std::size_t k = 0; k < d; ++k) {
      std::vector<double> xp = c.x, xm = c.x;
      xp[i * d + k] += h;
      xm[i * d + k] -= h;
      const double step = xp[i * d + k] - xm[i * d + k];  // the step actually taken (x +- h is rounded)
      const double fd = -(field.energy(xp) - field.energy(xm)) / step / c.masses[i];
      const double allowed = kFdRelative * v_max + kFdTruncation * (h / c.eps) * (h / c.eps) * v_scale +
                             2.0 * kEnergyUlps * n * kMachineEpsilon * mag.energy / (step * c.masses[i]);
      worst = std::max(worst, std::abs(fd - v[i * d + k]) / allowed);
    }
  }
  return worst;
}

// ---- Permutation equivariance: v(P x)_q = v(x)_(P q).
/// Reordering changes only the order of the O(N) additions in each sum: a few N ulps of the cancellation-free
/// magnitude V_i of that particle's velocity.
inline constexpr double kReorderUlps = 8.0;

/// `order[q]` is the old index of the particle placed at new index q.
inline double permutation_ratio(const ParticleCase& c, const std::vector<std::size_t>& order) {
  const auto d = static_cast<std::size_t>(c.dim);
  const auto n = static_cast<double>(c.size());
  ParticleCase p = c;
  for (std::size_t q = 0; q < c.size(); ++q) {
    p.masses[q] = c.masses[order[q]];
    for (std::size_t k = 0; k < d; ++k) p.x[q * d + k] = c.x[order[q] * d + k];
  }
  const auto field = make_velocity_field(c.spec(), c.masses);
  const auto permuted = make_velocity_field(p.spec(), p.masses);
  std::vector<double> v(c.x.size()), w(c.x.size());
  field->velocity(c.x, v);
  permuted->velocity(p.x, w);
  const Magnitudes mag = magnitudes(c, c.x);
  double worst = 0.0;
  for (std::size_t q = 0; q < c.size(); ++q) {
    const std::size_t i = order[q];
    const double allowed = kReorderUlps * n * kMachineEpsilon * mag.velocity[i] + std::numeric_limits<double>::min();
    for (std::size_t k = 0; k < d; ++k) worst = std::max(worst, std::abs(w[q * d + k] - v[i * d + k]) / allowed);
  }
  return worst;
}

// ---- Translation invariance: v(x + c) = v(x).
/// Shifts are bounded by kMaxShiftInScales s per coordinate: x + c then carries an absolute rounding error
/// <= (kMaxShiftInScales + 1) s eps_mach / 2 ~ 1.2e-15 s, so each difference x_i - x_j moves by <= 2.4e-15 s
/// <= 2.4e-14 eps (eps >= 0.1 s). The velocity is smooth on the scale eps, so the relative change is ~1e-13:
/// kTranslationRelative = 1e-10 relative to max |v| leaves three decades for the Lipschitz constant.
inline constexpr double kMaxShiftInScales = 10.0;
inline constexpr double kTranslationRelative = 1e-10;

inline double translation_ratio(const ParticleCase& c, const std::vector<double>& shift) {
  const auto d = static_cast<std::size_t>(c.dim);
  std::vector<double> y = c.x;
  for (std::size_t i = 0; i < c.size(); ++i)
    for (std::size_t k = 0; k < d; ++k) y[i * d + k] += shift[k];
  const auto field = make_velocity_field(c.spec(), c.masses);
  std::vector<double> v(c.x.size()), w(c.x.size());
  field->velocity(c.x, v);
  field->velocity(y, w);
  const double allowed = kTranslationRelative * max_abs(v) + std::numeric_limits<double>::min();
  double worst = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) worst = std::max(worst, std::abs(w[i] - v[i]) / allowed);
  return worst;
}

// ---- Zero total momentum: sum_i m_i v_i = 0 (the pair terms are antisymmetric, docs/math.md §1.4).
/// Each pair term is added twice with opposite signs, each rounded a few times: kMomentumUlps N eps_mach times
/// sum_i m_i |v_i|.
inline constexpr double kMomentumUlps = 8.0;

inline double momentum_ratio(const ParticleCase& c) {
  const auto d = static_cast<std::size_t>(c.dim);
  const auto n = static_cast<double>(c.size());
  const auto field = make_velocity_field(c.spec(), c.masses);
  std::vector<double> v(c.x.size());
  field->velocity(c.x, v);
  double scale = 0.0;
  std::vector<double> momentum(d, 0.0);
  for (std::size_t i = 0; i < c.size(); ++i) {
    double speed2 = 0.0;
    for (std::size_t k = 0; k < d; ++k) {
      momentum[k] += c.masses[i] * v[i * d + k];
      speed2 += v[i * d + k] * v[i * d + k];
    }
    scale += c.masses[i] * std::sqrt(speed2);
  }
  double norm2 = 0.0;
  for (double p : momentum) norm2 += p * p;
  const double allowed = kMomentumUlps * n * kMachineEpsilon * scale + std::numeric_limits<double>::min();
  return std::sqrt(norm2) / allowed;
}

// ---- Energy does not increase over any accepted dopri5 step (dE/dt = -sum m_i |v_i|^2, docs/math.md §7.1 item 6).
/// The time span moves the fastest particle about kTravelInEps eps: long enough for many steps, short enough to
/// stay cheap. Tolerances rtol 1e-8 (relative to the cloud radius) and atol 1e-10 s.
inline constexpr double kTravelInEps = 0.5;
/// Slack per step: the two energies are each computed to kEnergyUlps N eps_mach Emag.
inline constexpr double kEnergySlackUlps = 2.0 * kEnergyUlps;

struct DissipationResult {
  RunStatus status = RunStatus::ok;
  std::size_t steps = 0;
  double worst_ratio = 0.0;    ///< max over steps of max(0, E_(n+1) - E_n) / slack_n
  double relative_drop = 0.0;  ///< (E_0 - E_T) / Emag_0
};

inline DissipationResult energy_dissipation(const ParticleCase& c) {
  const auto field = make_velocity_field(c.spec(), c.masses);
  const auto n = static_cast<double>(c.size());
  std::vector<double> v(c.x.size());
  field->velocity(c.x, v);
  const double v_max = max_abs(v);
  const double t_final = v_max > 0.0 ? kTravelInEps * c.eps / v_max : 1.0;
  IntegratorSpec spec;
  spec.method = "dopri5";
  spec.rtol = 1e-8;
  spec.atol = 1e-10 * c.scale;
  spec.dt = 1e-3 * t_final;
  const std::vector<double> outputs = {t_final};
  std::vector<double> energies = {field->energy(c.x)};
  std::vector<double> slacks = {kEnergySlackUlps * n * kMachineEpsilon * magnitudes(c, c.x).energy};
  const double e_mag0 = magnitudes(c, c.x).energy;
  State x = c.x;
  const IntegrationStats stats = integrate(*field, x, 0.0, outputs, spec, [&](double, std::span<const double> xs) {
    energies.push_back(field->energy(xs));
    slacks.push_back(kEnergySlackUlps * n * kMachineEpsilon *
                     magnitudes(c, std::vector<double>(xs.begin(), xs.end())).energy);
  });
  DissipationResult r;
  r.status = stats.status;
  r.steps = stats.steps_accepted;
  for (std::size_t s = 1; s < energies.size(); ++s)
    r.worst_ratio = std::max(r.worst_ratio, (energies[s] - energies[s - 1]) / std::max(slacks[s], slacks[s - 1]));
  r.relative_drop = (energies.front() - energies.back()) / e_mag0;
  return r;
}

}  // namespace blobflow::property
