// RapidCheck properties of the velocity fields built by make_velocity_field, over random particle systems
// (particle_case.hpp: N 2..12, d 1..3, masses in [0.1, 1], eps in [0.1, 1] times the cloud's half-width, "wpme" and
// "pme" with m in {1, 1.5, 2, 3}). The criteria and their tolerances are derived in field_checks.hpp; each check
// returns (observed discrepancy) / (allowed discrepancy), and the properties assert it is at most 1.
// Properties (docs/math.md §1.4, §2.3, §7.1 item 6):
//   - v_i = -(1/m_i) grad_(x_i) E_eps, by central differences;
//   - E_eps does not increase over any accepted dopri5 step;
//   - permuting the particles (with their masses) permutes the velocities;
//   - translating the cloud leaves the velocities unchanged;
//   - the total momentum sum_i m_i v_i vanishes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "field_checks.hpp"
#include "particle_case.hpp"

namespace blobflow::property {
namespace {

RC_GTEST_PROP(VelocityFieldProperty, VelocityIsMinusInverseMassTimesEnergyGradientByCentralDifferences, ()) {
  const ParticleCase c = draw_particle_case();
  const auto field = make_velocity_field(c.spec(), c.masses);
  const double ratio = fd_gradient_ratio(c, *field);
  RC_LOG() << "worst |v_fd - v| / allowed = " << ratio << "\n";
  RC_ASSERT(ratio <= 1.0);
}

RC_GTEST_PROP(VelocityFieldProperty, EnergyDoesNotIncreaseOverAnyAcceptedDopri5Step, ()) {
  const ParticleCase c = draw_particle_case();
  const DissipationResult r = energy_dissipation(c);
  RC_LOG() << "steps " << r.steps << ", worst increase / slack = " << r.worst_ratio << "\n";
  RC_ASSERT(r.status == RunStatus::ok);
  RC_ASSERT(r.steps >= 1U);
  RC_ASSERT(r.worst_ratio <= 1.0);
}

RC_GTEST_PROP(VelocityFieldProperty, PermutingParticlesPermutesVelocities, ()) {
  const ParticleCase c = draw_particle_case();
  // A random permutation as the stable argsort of random keys: deterministic and shrinkable.
  const auto keys = *rc::gen::container<std::vector<int>>(c.size(), uniform_integer(0, 1000));
  std::vector<std::size_t> order(c.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  const double ratio = permutation_ratio(c, order);
  RC_LOG() << "worst |v(Px) - Pv(x)| / allowed = " << ratio << "\n";
  RC_ASSERT(ratio <= 1.0);
}

RC_GTEST_PROP(VelocityFieldProperty, TranslatingTheCloudLeavesVelocitiesUnchanged, ()) {
  const ParticleCase c = draw_particle_case();
  const double bound = kMaxShiftInScales * c.scale;
  const auto shift =
      *rc::gen::container<std::vector<double>>(static_cast<std::size_t>(c.dim), bounded_real(-bound, bound, 1 << 20));
  const double ratio = translation_ratio(c, shift);
  RC_LOG() << "worst |v(x + c) - v(x)| / allowed = " << ratio << "\n";
  RC_ASSERT(ratio <= 1.0);
}

RC_GTEST_PROP(VelocityFieldProperty, TotalMomentumVanishes, ()) {
  const ParticleCase c = draw_particle_case();
  const double ratio = momentum_ratio(c);
  RC_LOG() << "|sum m_i v_i| / allowed = " << ratio << "\n";
  RC_ASSERT(ratio <= 1.0);
}

}  // namespace
}  // namespace blobflow::property
