// The small problem the integrator tests share: five particles of unequal masses under the 1D wpme flow (Gaussian
// mollifier, eps = 0.2, direct sums), and the largest coordinate difference between two states.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "blobflow/solvers/point_set.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow::test {

inline const std::vector<double> kMasses = {0.15, 0.25, 0.2, 0.3, 0.1};
inline const State kInitial = {-0.6, -0.25, 0.05, 0.3, 0.7};

inline std::unique_ptr<VelocityField> five_particle_field() {
  FieldSpec spec;  // wpme, d = 1, Gaussian, direct
  spec.epsilon = 0.2;
  return make_velocity_field(spec, kMasses);
}

inline double max_abs_difference(const State& a, const State& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

}  // namespace blobflow::test
