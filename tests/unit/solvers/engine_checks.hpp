// Helpers shared by the tests of the SIMD summation engines (test_simd_sum.cpp, test_truncated_simd_sum.cpp):
// random data, every SIMD target this CPU can run, and an engine's four sums compared with DirectSum, the reference.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "blobflow/solvers/direct_sum.hpp"
#include "blobflow/solvers/mollifier.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/velocity_field.hpp"

namespace blobflow::engine_checks {

/// n numbers uniform in [lo, hi).
inline std::vector<double> uniform(std::mt19937& rng, std::size_t n, double lo, double hi) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

/// Restricts the SIMD engines to one target (simd_restrict) while alive, then lifts the restriction.
class TargetScope {
 public:
  explicit TargetScope(SimdTarget target) { simd_restrict(target); }
  ~TargetScope() { simd_restrict(0); }
  TargetScope(const TargetScope&) = delete;
  TargetScope& operator=(const TargetScope&) = delete;
};

/// Runs body(name) once on each SIMD target this build and CPU can run (simd_targets(): AVX3_DL, AVX3, AVX2, SSE4,
/// ..., the portable fallback), with the engines restricted to it.
template <class Body>
void for_every_target(const Body& body) {
  for (const SimdTarget target : simd_targets()) {
    const TargetScope scope(target);
    body(simd_target_name(target));
  }
}

inline std::string scientific(double v) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(2) << v;
  return s.str();
}

/// max_i |a_i - b_i| / max_i |b_i| (0 if b vanishes and a equals it).
inline double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale > 0.0 ? diff / scale : diff;
}

/// The relative errors (relative_error against DirectSum) of `engine`'s potential and gradient (targets y, sources
/// x, weights w) and of its self potential and self gradient (on x), in that order.
template <class Engine, RadialKernel Kernel>
std::array<double, 4> four_sum_errors(const Engine& engine, const Kernel& kernel, int dim,
                                      const std::vector<double>& y, const std::vector<double>& x,
                                      const std::vector<double>& w) {
  const PointSet targets{y, dim}, sources{x, dim};
  const DirectSum direct;
  std::vector<double> a(targets.size()), b(targets.size());
  direct.potential(kernel, targets, sources, w, a);
  engine.potential(kernel, targets, sources, w, b);
  std::vector<double> ga(y.size()), gb(y.size());
  direct.gradient(kernel, targets, sources, w, ga);
  engine.gradient(kernel, targets, sources, w, gb);
  std::vector<double> sa(sources.size()), sb(sources.size());
  direct.self_potential(kernel, sources, w, sa);
  engine.self_potential(kernel, sources, w, sb);
  std::vector<double> sga(x.size()), sgb(x.size());
  direct.self_gradient(kernel, sources, w, sga);
  engine.self_gradient(kernel, sources, w, sgb);
  return {relative_error(b, a), relative_error(gb, ga), relative_error(sb, sa), relative_error(sgb, sga)};
}

/// With no sources every sum is 0 (outputs are overwritten), and with no points at all nothing fails.
template <class Engine>
void expect_sums_without_sources_are_zero(const Engine& engine) {
  const GaussianKernel kernel(2, 0.1);
  std::vector<double> none, y = {0.5, 0.5}, out = {7.0, 7.0}, p = {7.0};
  engine.gradient(kernel, PointSet{y, 2}, PointSet{none, 2}, none, out);
  engine.potential(kernel, PointSet{y, 2}, PointSet{none, 2}, none, p);
  EXPECT_EQ(out, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(p, (std::vector<double>{0.0}));
  engine.self_gradient(kernel, PointSet{none, 2}, none, none);  // nothing to do, must not fail
}

/// The self gradient and self potential of make(threads) are bitwise the same for 1, 2, 3 and 5 threads.
template <class Make>
void expect_same_bits_for_every_thread_count(const Make& make, const GaussianKernel& kernel, int dim,
                                             const std::vector<double>& x, const std::vector<double>& w,
                                             const std::string& label) {
  std::vector<double> reference_g, reference_p;
  for (const unsigned threads : {1u, 2u, 3u, 5u}) {
    std::vector<double> g(x.size()), p(w.size());
    make(threads).self_gradient(kernel, PointSet{x, dim}, w, g);
    make(threads).self_potential(kernel, PointSet{x, dim}, w, p);
    if (threads == 1) {
      reference_g = g;
      reference_p = p;
      continue;
    }
    EXPECT_EQ(g, reference_g) << label << ", d = " << dim << ", " << threads << " threads";
    EXPECT_EQ(p, reference_p) << label << ", d = " << dim << ", " << threads << " threads";
  }
}

/// wpme and pme (m = 3: two gradient sums and a potential) built by make_velocity_field with `engine` give the
/// velocity and energy of engine "direct" within `accuracy` (relative to max |v| and to |E|).
inline void expect_factory_engine_matches_direct(const std::string& engine, int dim, const std::vector<double>& x,
                                                 const std::vector<double>& masses, double eps, double accuracy) {
  for (const char* equation : {"wpme", "pme"}) {
    FieldSpec spec;
    spec.equation = equation;
    spec.m = 3.0;
    spec.dimension = dim;
    spec.epsilon = eps;
    spec.engine = "direct";
    const auto direct = make_velocity_field(spec, masses);
    spec.engine = engine;
    const auto fast = make_velocity_field(spec, masses);
    std::vector<double> va(x.size()), vb(x.size());
    direct->velocity(x, va);
    fast->velocity(x, vb);
    EXPECT_LE(relative_error(vb, va), accuracy) << engine << ", " << equation << ", d = " << dim;
    EXPECT_NEAR(fast->energy(x), direct->energy(x), accuracy * std::abs(direct->energy(x))) << equation;
    EXPECT_NE(fast->describe().find("engine " + engine), std::string::npos) << fast->describe();
  }
}

}  // namespace blobflow::engine_checks
