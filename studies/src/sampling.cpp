// The exact samplers iid and quantile (sampling.hpp; docs/math.md §8.1).
#include "blobflow/studies/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "blobflow/solvers/samplers.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/studies/metrics.hpp"

namespace blobflow {
namespace {

/// Lower Cholesky factor of a d x d row-major covariance (positive definite: the target validated it).
std::array<double, 9> cholesky(const std::array<double, 9>& s, std::size_t d) {
  std::array<double, 9> l{};
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      double v = s[i * d + j];
      for (std::size_t k = 0; k < j; ++k) v -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i == j ? std::sqrt(v) : v / l[j * d + j];
    }
  return l;
}

/// N draws of sum_a w_a N(m_a, S_a): the component by inversion of the cumulative weights, then m + L z.
std::vector<double> normal_mixture_samples(const std::vector<NormalComponent>& parts, std::size_t d, std::size_t n,
                                           std::mt19937_64& generator) {
  std::vector<std::array<double, 9>> factors;
  std::vector<double> cumulative;
  double total = 0.0;
  for (const NormalComponent& c : parts) {
    factors.push_back(cholesky(c.covariance, d));
    cumulative.push_back(total += c.weight);
  }
  std::vector<double> x(n * d), z(d);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = unit_uniform(generator()) * total;
    const auto a = static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end() - 1, u) -
                                            cumulative.begin());
    for (std::size_t k = 0; k < d; ++k) z[k] = standard_normal(generator);
    for (std::size_t r = 0; r < d; ++r) {
      double v = parts[a].mean[r];
      for (std::size_t k = 0; k <= r; ++k) v += factors[a][r * d + k] * z[k];
      x[i * d + r] = v;
    }
  }
  return x;
}

/// N draws of rhobar restricted to the hull of a piecewise-constant target, by rejection with the largest value.
std::vector<double> piecewise_samples(const Target& target, const PiecewiseInverse& pieces, std::size_t d,
                                      std::size_t n, std::mt19937_64& generator) {
  const AxisBox hull = *target.box();
  double largest = 1.0 / pieces.outside;
  for (const InverseDensityBox& b : pieces.boxes) largest = std::max(largest, 1.0 / b.inverse);
  std::vector<double> x, y(d);
  x.reserve(n * d);
  while (x.size() < n * d) {
    for (std::size_t k = 0; k < d; ++k) y[k] = hull.lo[k] + (hull.hi[k] - hull.lo[k]) * unit_uniform(generator());
    if (unit_uniform(generator()) * largest < target.density(y)) x.insert(x.end(), y.begin(), y.end());
  }
  return x;
}

}  // namespace

Particles exact_samples(const RunConfig& config, std::size_t n) {
  const int dim = config.problem.dimension;
  const auto d = static_cast<std::size_t>(dim);
  const std::unique_ptr<Target> target = make_target(config.target, dim);
  const auto seed = static_cast<std::uint64_t>(config.discretization.seed);
  const std::string& sampler = config.sampling.sampler;
  const double mass = config.problem.mass;
  if (dim == 1) {
    const std::shared_ptr<const analysis::Law1D> law = steady_state_law_of(*target);
    if (!law) throw ConfigError({"sampling.sampler = \"" + sampler + "\": the target " + target->describe() +
                                 " has no law to sample (no box)"});
    const auto quantile = [&](double u) { return law->quantile(u); };
    return sampler == "quantile" ? quantile_placement(n, quantile, mass)
                                 : random_quantile_placement(n, quantile, mass, seed);
  }
  std::mt19937_64 generator(seed);
  Particles p;
  p.dim = dim;
  p.mass.assign(n, mass / static_cast<double>(n));
  if (const std::vector<NormalComponent> parts = target->normal_components(); !parts.empty())
    p.x = normal_mixture_samples(parts, d, n, generator);
  else if (const PiecewiseInverse* pieces = target->piecewise_inverse())
    p.x = piecewise_samples(*target, *pieces, d, n, generator);
  else
    throw ConfigError({"sampling.sampler = \"" + sampler + "\": the target " + target->describe() +
                       " has no law blobflow samples exactly in " + std::to_string(dim) +
                       "D (gaussian and mixture targets without a floor, uniform box and piecewise targets do)"});
  return p;
}

}  // namespace blobflow
