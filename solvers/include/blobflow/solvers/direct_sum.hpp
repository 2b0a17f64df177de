// The brute-force summation engine: every kernel sum over all (target, source) pairs, O(N M) work, written as
// plainly as possible. It is the permanent reference against which every faster engine is tested.
//
// A summation engine provides, for a RadialKernel K, points y (targets), x (sources) and weights w:
//   potential:  s_i = sum_j w_j K(y_i - x_j)
//   gradient:   g_i = sum_j w_j grad K(y_i - x_j)          (d entries per target, particle-major)
// and the self sums over one point set (targets = sources, the j = i term included; grad K(0) = 0).
#pragma once

#include <cassert>
#include <span>

#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/point_set.hpp"

namespace blobflow {

/// The summation-engine interface of blobflow, satisfied by DirectSum and by every faster engine.
template <class E, class K>
concept SummationEngine = RadialKernel<K> &&
    requires(const E e, const K k, PointSet p, std::span<const double> w, std::span<double> out) {
      e.potential(k, p, p, w, out);
      e.gradient(k, p, p, w, out);
      e.self_potential(k, p, w, out);
      e.self_gradient(k, p, w, out);
    };

/// Direct O(N M) summation in source order, one target at a time (deterministic, no threads).
class DirectSum {
 public:
  static constexpr const char* kName = "direct";
  static constexpr const char* kDescription = "brute-force O(N^2) pair sums, the reference engine";

  template <RadialKernel K>
  void potential(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                 std::span<double> out) const {
    check(kernel, targets, sources, w, out.size(), targets.size());
    switch (targets.dim) {
      case 1: return potential_impl<1>(kernel, targets, sources, w, out);
      case 2: return potential_impl<2>(kernel, targets, sources, w, out);
      default: return potential_impl<3>(kernel, targets, sources, w, out);
    }
  }

  template <RadialKernel K>
  void gradient(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                std::span<double> out) const {
    check(kernel, targets, sources, w, out.size(), targets.coords.size());
    switch (targets.dim) {
      case 1: return gradient_impl<1>(kernel, targets, sources, w, out);
      case 2: return gradient_impl<2>(kernel, targets, sources, w, out);
      default: return gradient_impl<3>(kernel, targets, sources, w, out);
    }
  }

  template <RadialKernel K>
  void self_potential(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    potential(kernel, x, x, w, out);
  }

  template <RadialKernel K>
  void self_gradient(const K& kernel, PointSet x, std::span<const double> w, std::span<double> out) const {
    gradient(kernel, x, x, w, out);
  }

 private:
  template <RadialKernel K>
  static void check([[maybe_unused]] const K& kernel, [[maybe_unused]] PointSet targets,
                    [[maybe_unused]] PointSet sources, [[maybe_unused]] std::span<const double> w,
                    [[maybe_unused]] std::size_t out_size, [[maybe_unused]] std::size_t expected) {
    assert(targets.dim == kernel.dimension() && sources.dim == kernel.dimension());
    assert(targets.dim >= 1 && targets.dim <= 3);
    assert(w.size() == sources.size());
    assert(out_size == expected);
  }

  template <int D, RadialKernel K>
  static void potential_impl(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                             std::span<double> out) {
    const std::size_t n_sources = sources.size();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const double* y = targets.point(i);
      double s = 0.0;
      for (std::size_t j = 0; j < n_sources; ++j) {
        const double* x = sources.point(j);
        double r2 = 0.0;
        for (int k = 0; k < D; ++k) r2 += (y[k] - x[k]) * (y[k] - x[k]);
        s += w[j] * kernel.value(r2);
      }
      out[i] = s;
    }
  }

  template <int D, RadialKernel K>
  static void gradient_impl(const K& kernel, PointSet targets, PointSet sources, std::span<const double> w,
                            std::span<double> out) {
    const std::size_t n_sources = sources.size();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const double* y = targets.point(i);
      double g[D] = {};
      for (std::size_t j = 0; j < n_sources; ++j) {
        const double* x = sources.point(j);
        double diff[D];
        double r2 = 0.0;
        for (int k = 0; k < D; ++k) {
          diff[k] = y[k] - x[k];
          r2 += diff[k] * diff[k];
        }
        const double f = w[j] * kernel.gradient_factor(r2);
        for (int k = 0; k < D; ++k) g[k] += f * diff[k];
      }
      for (int k = 0; k < D; ++k) out[i * D + k] = g[k];
    }
  }
};

}  // namespace blobflow
