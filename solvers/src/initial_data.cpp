// Quantile and lattice placement of initial particles (docs/math.md §1.7 for the lattice, §2.5 for quantiles), and the
// random placements of replicates (i.i.d. samples by inversion in 1D, by rejection in any dimension).
#include "blobflow/solvers/initial_data.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

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

double unit_uniform(std::uint64_t draw) {
  constexpr int kDiscardedBits = 64 - 53;       // a double holds 53 significant bits
  constexpr double kUnit = 0x1p-53;             // 2^-53
  return (static_cast<double>(draw >> kDiscardedBits) + 0.5) * kUnit;
}

Particles random_quantile_placement(std::size_t n, const std::function<double(double)>& quantile, double total_mass,
                                    std::uint64_t seed) {
  if (n < 1) throw std::invalid_argument("random placement needs at least one particle");
  if (!(total_mass > 0.0) || !std::isfinite(total_mass))
    throw std::invalid_argument("random placement: total mass must be finite and > 0");
  std::mt19937_64 generator(seed);
  Particles p;
  p.dim = 1;
  p.x.resize(n);
  p.mass.assign(n, total_mass / static_cast<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const double u = unit_uniform(generator());
    p.x[i] = quantile(u);
    if (!std::isfinite(p.x[i]))
      throw std::invalid_argument("random placement: Q(" + std::to_string(u) + ") is not finite");
  }
  std::sort(p.x.begin(), p.x.end());
  return p;
}

Particles random_rejection_placement(int dim, std::size_t n, double lo, double hi,
                                     const std::function<double(std::span<const double>)>& density, double density_max,
                                     double total_mass, std::uint64_t seed) {
  if (dim < 1 || dim > 3) throw std::invalid_argument("random placement: dimension must be 1, 2 or 3");
  if (n < 1) throw std::invalid_argument("random placement needs at least one particle");
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument("random placement: the box needs finite lo < hi");
  if (!(density_max > 0.0) || !std::isfinite(density_max))
    throw std::invalid_argument("random placement: density_max must be finite and > 0");
  if (!(total_mass > 0.0) || !std::isfinite(total_mass))
    throw std::invalid_argument("random placement: total mass must be finite and > 0");
  const auto d = static_cast<std::size_t>(dim);
  std::mt19937_64 generator(seed);
  Particles p;
  p.dim = dim;
  p.x.reserve(n * d);
  p.mass.assign(n, total_mass / static_cast<double>(n));
  std::vector<double> proposal(d);
  const std::size_t max_proposals = n * kMaxRejectionsPerSample;
  std::size_t proposals = 0;
  while (p.x.size() < n * d) {
    if (++proposals > max_proposals)
      throw std::invalid_argument("random placement: fewer than one in " + std::to_string(kMaxRejectionsPerSample) +
                                  " proposals accepted; the density is almost zero on the box");
    for (std::size_t k = 0; k < d; ++k) proposal[k] = lo + (hi - lo) * unit_uniform(generator());
    const double v = unit_uniform(generator());
    const double value = density(proposal);
    if (value > density_max)
      throw std::invalid_argument("random placement: the density " + std::to_string(value) +
                                  " exceeds density_max = " + std::to_string(density_max));
    if (v * density_max < value) p.x.insert(p.x.end(), proposal.begin(), proposal.end());
  }
  return p;
}

}  // namespace blobflow
