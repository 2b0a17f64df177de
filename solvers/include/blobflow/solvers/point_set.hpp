// Particle positions as blobflow stores them: one flat array, particle-major (x_i occupies entries
// [i d, (i + 1) d)), the layout of the ODE state handed to Boost.Odeint.
#pragma once

#include <cassert>
#include <cstddef>
#include <span>
#include <vector>

namespace blobflow {

/// The ODE state: N particles in d dimensions, particle-major.
using State = std::vector<double>;

/// A read-only view of n points in d dimensions, particle-major.
struct PointSet {
  std::span<const double> coords;
  int dim = 1;

  std::size_t size() const { return coords.size() / static_cast<std::size_t>(dim); }
  const double* point(std::size_t i) const { return coords.data() + i * static_cast<std::size_t>(dim); }
};

/// Particles with their masses: the discrete measure sum_i m_i delta_(x_i).
struct Particles {
  int dim = 1;
  State x;                      ///< N d coordinates, particle-major
  std::vector<double> mass;     ///< N masses m_i > 0

  std::size_t size() const { return mass.size(); }
  PointSet points() const { return {x, dim}; }
};

}  // namespace blobflow
