// Blob density on a grid and its distances and divergences (divergences.hpp; docs/math.md §6 for KL and chi^2).
// Each integral is evaluated by the midpoint rule twice, on the n^d grid and on the (n/2)^d grid, and the difference
// of the two is reported as the quadrature error of the value on the n^d grid.
#include "blobflow/analysis/divergences.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

using detail::describe;

void check_grid(const char* where, const BoxGrid& grid) {
  if (grid.dimension < 1 || grid.dimension > 3)
    throw std::invalid_argument(describe(where, "dimension", grid.dimension, "must be 1, 2 or 3"));
  for (int k = 0; k < grid.dimension; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    if (!std::isfinite(grid.lo[kk]) || !std::isfinite(grid.hi[kk]) || !(grid.lo[kk] < grid.hi[kk]))
      throw std::invalid_argument(describe(where, "hi[" + std::to_string(k) + "]", grid.hi[kk],
                                           "must be finite and > lo = " + detail::format_value(grid.lo[kk])));
  }
  if (grid.cells_per_axis < 2 || grid.cells_per_axis % 2 != 0)
    throw std::invalid_argument(
        describe(where, "cells_per_axis", grid.cells_per_axis, "must be even and >= 2 (it is halved for the error)"));
}

std::size_t check_particles(const char* where, int dimension, std::span<const double> x,
                            std::span<const double> masses) {
  const auto d = static_cast<std::size_t>(dimension);
  if (x.size() % d != 0 || x.size() / d != masses.size())
    throw std::invalid_argument(describe(where, "x.size()", static_cast<double>(x.size()),
                                         "must be dimension times masses.size() = " + std::to_string(masses.size())));
  for (std::size_t k = 0; k < x.size(); ++k)
    if (!std::isfinite(x[k]))
      throw std::invalid_argument(describe(where, "x[" + std::to_string(k) + "]", x[k], "must be finite"));
  for (std::size_t j = 0; j < masses.size(); ++j)
    if (!(masses[j] >= 0.0) || !std::isfinite(masses[j]))
      throw std::invalid_argument(
          describe(where, "masses[" + std::to_string(j) + "]", masses[j], "must be finite and >= 0"));
  return masses.size();
}

std::size_t cell_count(const BoxGrid& grid) {
  std::size_t n = 1;
  for (int k = 0; k < grid.dimension; ++k) n *= static_cast<std::size_t>(grid.cells_per_axis);
  return n;
}

double cell_volume(const BoxGrid& grid) {
  double v = 1.0;
  for (int k = 0; k < grid.dimension; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    v *= (grid.hi[kk] - grid.lo[kk]) / grid.cells_per_axis;
  }
  return v;
}

/// Centre of cell `c` (last axis fastest).
std::array<double, 3> cell_centre(const BoxGrid& grid, std::size_t c) {
  std::array<double, 3> centre{};
  const auto n = static_cast<std::size_t>(grid.cells_per_axis);
  for (int k = grid.dimension - 1; k >= 0; --k) {
    const auto kk = static_cast<std::size_t>(k);
    const double h = (grid.hi[kk] - grid.lo[kk]) / grid.cells_per_axis;
    centre[kk] = grid.lo[kk] + (static_cast<double>(c % n) + 0.5) * h;
    c /= n;
  }
  return centre;
}

std::vector<double> sample(const char* where, const char* name, const BoxGrid& grid, const PointFunction& f) {
  std::vector<double> values(cell_count(grid));
  for (std::size_t c = 0; c < values.size(); ++c) {
    const std::array<double, 3> centre = cell_centre(grid, c);
    values[c] = f(std::span<const double>(centre.data(), static_cast<std::size_t>(grid.dimension)));
    if (!std::isfinite(values[c]))
      throw std::invalid_argument(describe(where, std::string(name) + " at a cell centre", values[c], "must be finite"));
  }
  return values;
}

GridValues blob_on(const char* where, const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
                   const PointFunction& mollifier) {
  if (!mollifier) throw std::invalid_argument(describe(where, "mollifier", 0.0, "must be set"));
  const auto d = static_cast<std::size_t>(grid.dimension);
  GridValues g;
  g.grid = grid;
  g.cell_volume = cell_volume(grid);
  g.values.assign(cell_count(grid), 0.0);
  std::array<double, 3> z{};
  for (std::size_t c = 0; c < g.values.size(); ++c) {
    const std::array<double, 3> centre = cell_centre(grid, c);
    double sum = 0.0;
    for (std::size_t j = 0; j < masses.size(); ++j) {
      if (masses[j] == 0.0) continue;
      for (std::size_t k = 0; k < d; ++k) z[k] = centre[k] - x[j * d + k];
      sum += masses[j] * mollifier(std::span<const double>(z.data(), d));
    }
    g.values[c] = sum;
  }
  return g;
}

BoxGrid halved(const BoxGrid& grid) {
  BoxGrid coarse = grid;
  coarse.cells_per_axis = grid.cells_per_axis / 2;
  return coarse;
}

QuadratureValue with_error(double fine, double coarse) { return {fine, std::abs(fine - coarse)}; }

struct Norms {
  double l1 = 0.0, l2 = 0.0, linf = 0.0, mass = 0.0;
};

Norms norms(const char* where, const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
            const PointFunction& mollifier, const PointFunction& exact) {
  const GridValues blob = blob_on(where, grid, x, masses, mollifier);
  const std::vector<double> reference = sample(where, "exact density", grid, exact);
  Norms n;
  double l2_squared = 0.0;
  for (std::size_t c = 0; c < reference.size(); ++c) {
    const double diff = std::abs(blob.values[c] - reference[c]);
    n.l1 += diff;
    l2_squared += diff * diff;
    n.linf = std::max(n.linf, diff);
    n.mass += blob.values[c];
  }
  n.l1 *= blob.cell_volume;
  n.l2 = std::sqrt(l2_squared * blob.cell_volume);
  n.mass *= blob.cell_volume;
  return n;
}

struct DivergenceValues {
  bool finite = true;
  double kl = 0.0, chi2 = 0.0, mass = 0.0;
};

DivergenceValues divergences(const char* where, const BoxGrid& grid, std::span<const double> x,
                             std::span<const double> masses, const PointFunction& mollifier,
                             const PointFunction& rhobar) {
  const GridValues blob = blob_on(where, grid, x, masses, mollifier);
  const std::vector<double> target = sample(where, "rhobar", grid, rhobar);
  double blob_mass = 0.0;
  double target_mass = 0.0;
  for (std::size_t c = 0; c < target.size(); ++c) {
    if (!(target[c] >= 0.0))
      throw std::invalid_argument(describe(where, "rhobar at a cell centre", target[c], "must be >= 0"));
    blob_mass += blob.values[c];
    target_mass += target[c];
  }
  blob_mass *= blob.cell_volume;
  target_mass *= blob.cell_volume;
  if (!(target_mass > 0.0))
    throw std::invalid_argument(describe(where, "mass of rhobar on the grid", target_mass, "must be > 0"));
  if (!(blob_mass > 0.0))
    throw std::invalid_argument(describe(where, "mass of the blob density on the box", blob_mass, "must be > 0"));
  DivergenceValues v;
  v.mass = blob_mass;
  double kl = 0.0;
  double ratio_moment = 0.0;  // int rho^2 / rhobar
  for (std::size_t c = 0; c < target.size(); ++c) {
    // A sign-changing (high-order) mollifier can give a slightly negative blob density; it is clipped to 0 here.
    const double rho = std::max(0.0, blob.values[c]) / blob_mass;
    if (rho == 0.0) continue;
    const double bar = target[c] / target_mass;
    if (bar == 0.0) {
      v.finite = false;
      continue;
    }
    kl += rho * std::log(rho / bar);
    ratio_moment += rho * rho / bar;
  }
  v.kl = kl * blob.cell_volume;
  v.chi2 = ratio_moment * blob.cell_volume - 1.0;
  return v;
}

}  // namespace

GridValues blob_density_on_grid(const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
                                const PointFunction& mollifier) {
  constexpr const char* kWhere = "blob_density_on_grid";
  check_grid(kWhere, grid);
  check_particles(kWhere, grid.dimension, x, masses);
  return blob_on(kWhere, grid, x, masses, mollifier);
}

DensityErrors blob_density_errors(const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
                                  const PointFunction& mollifier, const PointFunction& exact) {
  constexpr const char* kWhere = "blob_density_errors";
  check_grid(kWhere, grid);
  check_particles(kWhere, grid.dimension, x, masses);
  if (!exact) throw std::invalid_argument(describe(kWhere, "exact", 0.0, "must be set"));
  const Norms fine = norms(kWhere, grid, x, masses, mollifier, exact);
  const Norms coarse = norms(kWhere, halved(grid), x, masses, mollifier, exact);
  return {with_error(fine.l1, coarse.l1), with_error(fine.l2, coarse.l2), with_error(fine.linf, coarse.linf),
          with_error(fine.mass, coarse.mass)};
}

Divergences blob_divergences(const BoxGrid& grid, std::span<const double> x, std::span<const double> masses,
                             const PointFunction& mollifier, const PointFunction& rhobar) {
  constexpr const char* kWhere = "blob_divergences";
  check_grid(kWhere, grid);
  check_particles(kWhere, grid.dimension, x, masses);
  if (!rhobar) throw std::invalid_argument(describe(kWhere, "rhobar", 0.0, "must be set"));
  const DivergenceValues fine = divergences(kWhere, grid, x, masses, mollifier, rhobar);
  const DivergenceValues coarse = divergences(kWhere, halved(grid), x, masses, mollifier, rhobar);
  Divergences d;
  d.blob_mass = with_error(fine.mass, coarse.mass);
  if (!fine.finite || !coarse.finite) {
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    d.status = DivergenceStatus::not_absolutely_continuous;
    d.kl = {kInfinity, kInfinity};
    d.chi2 = {kInfinity, kInfinity};
    return d;
  }
  d.kl = with_error(fine.kl, coarse.kl);
  d.chi2 = with_error(fine.chi2, coarse.chi2);
  return d;
}

}  // namespace blobflow::analysis
