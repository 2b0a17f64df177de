// Sparse Hessians of the regularized energies (docs/math.md §7.3): what the stiff integrators factorize. A radial
// kernel K(z) = k(|z|^2) with grad K(z) = g(|z|^2) z has the Hessian
//   D^2 K(z) = g(|z|^2) I + 2 g'(|z|^2) z z^T,
// and a pair energy w_ij K(x_i - x_j) puts +w_ij D^2 K(x_i - x_j) on the diagonal blocks (i, i), (j, j) and
// -w_ij D^2 K on (i, j), (j, i). Only pairs within the kernel's truncation radius enter (the truncated engines'
// rule), found by a sweep over the points sorted by their first coordinate: O(N log N + N k) in 1D for k neighbours
// within the radius; in 2D and 3D the sweep also visits the points of the slab |x_1 - y_1| <= R.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include "blobflow/solvers/point_set.hpp"
#include "blobflow/solvers/truncated_sum.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow {

/// A truncatable radial kernel that also gives d gradient_factor / d r2, hence its Hessian.
template <class K>
concept HessianKernel = TruncatableKernel<K> && requires(const K k, double r2) {
  { k.gradient_factor_derivative(r2) } -> std::convertible_to<double>;
};

/// The kernel tolerance of the Hessian's cutoff: entries below 1e-10 of the largest are left out (R = 6.8 sigma for a
/// Gaussian, against 8.85 sigma for the engines' round-off cutoff: a band 23% narrower and a factorization 40%
/// cheaper). The stiff integrator is a W-method, whose order holds with any Jacobian; a relative change of 1e-10
/// in it moves the stage solutions by about as much, far below every error tolerance.
inline constexpr double kHessianRelativeTolerance = 1e-10;

/// Calls f(i, j, z, r2) once for every pair i != j with r2 = |z|^2 <= radius^2, z = x_i - x_j. Needs finite points.
template <class F>
void for_each_close_pair(PointSet points, double radius, F&& f) {
  const std::size_t n = points.size();
  const auto d = static_cast<std::size_t>(points.dim);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return points.point(a)[0] < points.point(b)[0] || (points.point(a)[0] == points.point(b)[0] && a < b);
  });
  const double r2_max = radius * radius;
  std::array<double, 3> z{};
  for (std::size_t a = 0; a < n; ++a) {
    const double* xi = points.point(order[a]);
    for (std::size_t b = a + 1; b < n; ++b) {
      const double* xj = points.point(order[b]);
      if (xj[0] - xi[0] > radius) break;
      double r2 = 0.0;
      for (std::size_t k = 0; k < d; ++k) {
        z[k] = xi[k] - xj[k];
        r2 += z[k] * z[k];
      }
      if (r2 <= r2_max) f(order[a], order[b], z.data(), r2);
    }
  }
}

/// Whether the points have at most max_pairs pairs within radius (the sweep of for_each_close_pair, stopped early).
inline bool close_pairs_at_most(PointSet points, double radius, std::size_t max_pairs) {
  std::size_t count = 0;
  bool within = true;
  // for_each_close_pair has no early exit; counting is cheap next to the assembly it saves (no kernel values).
  const std::size_t n = points.size();
  std::vector<double> first(n);
  for (std::size_t i = 0; i < n; ++i) first[i] = points.point(i)[0];
  std::sort(first.begin(), first.end());
  for (std::size_t a = 0; a < n && within; ++a) {  // pairs within radius in the first coordinate: an upper bound
    const auto end = std::upper_bound(first.begin() + static_cast<std::ptrdiff_t>(a) + 1, first.end(), first[a] + radius);
    count += static_cast<std::size_t>(end - first.begin()) - a - 1;
    within = count <= max_pairs;
  }
  if (within || points.dim == 1) return within;
  count = 0;  // 2D, 3D: count the pairs within the full distance
  for_each_close_pair(points, radius, [&](std::size_t, std::size_t, const double*, double) { ++count; });
  return count <= max_pairs;
}

/// The entries one pair adds in d dimensions (four d x d blocks).
inline std::size_t entries_per_pair(int d) { return 4 * static_cast<std::size_t>(d * d); }

/// Whether every coordinate is finite; a Hessian at a non-finite state is reported as NaN on the diagonal.
inline bool hessian_state_is_finite(std::span<const double> x, HessianEntries& h) {
  if (std::all_of(x.begin(), x.end(), [](double v) { return std::isfinite(v); })) return true;
  for (std::size_t r = 0; r < x.size(); ++r)
    h.entries.push_back({static_cast<int>(r), static_cast<int>(r), std::numeric_limits<double>::quiet_NaN()});
  return false;
}

/// Adds w D^2 K(z) at blocks (i, i), (j, j) and -w D^2 K(z) at (i, j), (j, i).
template <class K>
void add_pair_hessian(const K& kernel, std::size_t i, std::size_t j, const double* z, double r2, double w,
                      int d, HessianEntries& h) {
  const double g = w * kernel.gradient_factor(r2), g2 = 2.0 * w * kernel.gradient_factor_derivative(r2);
  const int bi = static_cast<int>(i) * d, bj = static_cast<int>(j) * d;
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b) {
      const double v = g2 * z[a] * z[b] + (a == b ? g : 0.0);
      h.entries.push_back({bi + a, bi + b, v});
      h.entries.push_back({bj + a, bj + b, v});
      h.entries.push_back({bi + a, bj + b, -v});
      h.entries.push_back({bj + a, bi + b, -v});
    }
}

/// The Hessian of the pair energy 1/2 sum_(i != j) w(i, j) K(x_i - x_j), w symmetric: each unordered pair once.
template <HessianKernel K, class W>
void add_pair_energy_hessian(const K& kernel, PointSet points, W&& weight, HessianEntries& h) {
  const double radius = kernel.truncation_radius(kHessianRelativeTolerance);
  for_each_close_pair(points, radius, [&](std::size_t i, std::size_t j, const double* z, double r2) {
    add_pair_hessian(kernel, i, j, z, r2, weight(i, j), points.dim, h);
  });
}

/// The Hessian of E = sum_i m_i F(p_i), p_i = sum_k m_k phi(x_i - x_k), given a_i = F'(p_i), b_i = F''(p_i):
///   D^2 E = sum over pairs of m_i m_k (a_i + a_k) D^2 phi(x_i - x_k) (as add_pair_hessian)
///         + sum_i m_i b_i grad p_i grad p_i^T,
/// grad p_i having the block sum_k m_k grad phi(x_i - x_k) at particle i and -m_k grad phi(x_i - x_k) at each k.
/// The second sum goes to the outer part of h (skipped where all b_i = 0).
template <HessianKernel K>
void add_density_energy_hessian(const K& phi, PointSet points, std::span<const double> masses,
                                std::span<const double> a, std::span<const double> b, HessianEntries& h) {
  const int d = points.dim;
  const std::size_t n = points.size();
  const bool outer = std::any_of(b.begin(), b.end(), [](double v) { return v != 0.0; });
  std::vector<double> own(outer ? n * static_cast<std::size_t>(d) : 0, 0.0);  // the block of grad p_i at i
  const double radius = phi.truncation_radius(kHessianRelativeTolerance);
  for_each_close_pair(points, radius, [&](std::size_t i, std::size_t j, const double* z, double r2) {
    add_pair_hessian(phi, i, j, z, r2, masses[i] * masses[j] * (a[i] + a[j]), d, h);
    if (!outer) return;
    const double g = phi.gradient_factor(r2);  // grad phi(x_i - x_j) = g z, grad phi(x_j - x_i) = -g z
    for (int c = 0; c < d; ++c) {
      own[i * d + c] += masses[j] * g * z[c];
      own[j * d + c] -= masses[i] * g * z[c];
      h.outer.push_back({static_cast<int>(i), static_cast<int>(j) * d + c, -masses[j] * g * z[c]});
      h.outer.push_back({static_cast<int>(j), static_cast<int>(i) * d + c, masses[i] * g * z[c]});
    }
  });
  if (!outer) return;
  for (std::size_t i = 0; i < n; ++i)
    for (int c = 0; c < d; ++c) h.outer.push_back({static_cast<int>(i), static_cast<int>(i) * d + c, own[i * d + c]});
  h.outer_weights.resize(n);
  for (std::size_t i = 0; i < n; ++i) h.outer_weights[i] = masses[i] * b[i];
}

}  // namespace blobflow
