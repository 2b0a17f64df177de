// Quantile and lattice placement of initial particles (MATH.md §1.7 for the lattice, §2.5 for quantiles).
#include "blobflow/solvers/initial_data.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace blobflow {

Particles quantile_placement(std::size_t n, const std::function<double(double)>& quantile, double total_mass) {
  if (n < 1) throw std::invalid_argument("quantile placement needs at least one particle");
  if (!(total_mass > 0.0) || !std::isfinite(total_mass))
    throw std::invalid_argument("quantile placement: total mass must be finite and > 0");
  Particles p;
  p.dim = 1;
  p.x.resize(n);
  p.mass.assign(n, total_mass / static_cast<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    p.x[i] = quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n));
    if (!std::isfinite(p.x[i]))
      throw std::invalid_argument("quantile placement: Q((i - 1/2)/N) is not finite for i = " + std::to_string(i + 1));
  }
  return p;
}

Particles lattice_placement(int dim, std::size_t cells_per_side, double lo, double hi,
                            const std::function<double(std::span<const double>)>& density, double total_mass,
                            LatticeInfo* info) {
  if (dim < 1 || dim > 3) throw std::invalid_argument("lattice placement: dimension must be 1, 2 or 3");
  if (cells_per_side < 1) throw std::invalid_argument("lattice placement: needs at least one cell per side");
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument("lattice placement: the box needs finite lo < hi");
  if (!(total_mass > 0.0) || !std::isfinite(total_mass))
    throw std::invalid_argument("lattice placement: total mass must be finite and > 0");

  const double h = (hi - lo) / static_cast<double>(cells_per_side);
  const double cell_volume = std::pow(h, dim);
  std::size_t n_cells = 1;
  for (int k = 0; k < dim; ++k) n_cells *= cells_per_side;

  Particles p;
  p.dim = dim;
  double point[3] = {};
  for (std::size_t c = 0; c < n_cells; ++c) {
    std::size_t rest = c;
    for (int k = 0; k < dim; ++k) {
      point[k] = lo + (static_cast<double>(rest % cells_per_side) + 0.5) * h;
      rest /= cells_per_side;
    }
    const double rho = density(std::span<const double>(point, static_cast<std::size_t>(dim)));
    if (!(rho > 0.0)) continue;
    p.x.insert(p.x.end(), point, point + dim);
    p.mass.push_back(rho * cell_volume);
  }
  if (p.mass.empty()) throw std::invalid_argument("lattice placement: the density vanishes at every cell centre");

  double quadrature_mass = 0.0;
  for (double m : p.mass) quadrature_mass += m;
  for (double& m : p.mass) m *= total_mass / quadrature_mass;
  if (info) *info = {cells_per_side, h, quadrature_mass};
  return p;
}

}  // namespace blobflow
