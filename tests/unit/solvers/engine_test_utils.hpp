// Helpers shared by the summation-engine tests (test_*_sum.cpp): random coordinates with a fixed generator, the
// relative error against the reference engine, and the short number format of the printed measurements.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace blobflow::engine_test {

/// n numbers uniform in [lo, hi) from `rng`.
inline std::vector<double> uniform(std::mt19937& rng, std::size_t n, double lo, double hi) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

/// v in scientific notation with 3 significant digits.
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

}  // namespace blobflow::engine_test
