// Exact 1D Wasserstein distances between a weighted particle measure and a continuous law, docs/math.md §4.2.
// Sorting the particles gives the monotone (optimal) coupling: particle i is transported onto the quantile interval
// I_i = [Q(c_(i-1)), Q(c_i)] of the law, c_i the cumulative normalized weights (c_N = 1 exactly). Then
//   W2^2 = sum_i w_i ((x_i - mean_i)^2 + var_i),
//   W1   = sum_i int_{I_i} |x_i - y| dF(y)  (I_i split at x_i when x_i lies inside it),
//   Winf = max_{i: w_i > 0} max(|x_i - Q(c_(i-1))|, |x_i - Q(c_i)|),
// with mean_i, var_i the conditional moments of the law on I_i (Law1D::moments, free of cancellation).
// Convention: both measures are probability measures (weights divided by their sum); W_p is reported, not W_p^p.
// Between two particle measures the monotone coupling is the merge of the two sorted cumulative weight sequences
// (see the header); each merged segment contributes its length times |x_i - y_j|^p.
#include "blobflow/analysis/wasserstein1d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

constexpr const char* kWhere = "wasserstein_1d";

/// Neumaier-compensated running sum, so that the cumulative weights c_i are correctly rounded prefix sums even for
/// 10^6 particles (a plain running sum drifts by up to N eps, comparable to a narrow quantile interval).
class CompensatedSum {
 public:
  void add(double value) {
    const double total = sum_ + value;
    if (std::abs(sum_) >= std::abs(value)) {
      correction_ += (sum_ - total) + value;
    } else {
      correction_ += (value - total) + sum_;
    }
    sum_ = total;
  }
  double value() const { return sum_ + correction_; }

 private:
  double sum_ = 0.0;
  double correction_ = 0.0;
};

/// Mass-weighted int_{[a, b]} |x - y| dF(y) given that the particle at x carries the mass `weight` of [a, b].
double interval_w1(double x, double weight, double a, double b, const IntervalMoments& whole, const Law1D& law) {
  if (!(a < x && x < b)) return weight * std::abs(x - whole.mean);
  // Split at x: the law's mass on each side is transported to x from the left and from the right. The two pieces'
  // masses are rescaled to sum to `weight`, the mass the coupling assigns to this interval.
  const IntervalMoments left = law.moments(a, x);
  const IntervalMoments right = law.moments(x, b);
  const double total = left.mass + right.mass;
  if (!(total > 0.0)) return weight * std::abs(x - whole.mean);
  return weight * (left.mass * (x - left.mean) + right.mass * (right.mean - x)) / total;
}

}  // namespace

WassersteinDistances wasserstein_1d(std::span<const double> x, std::span<const double> weights, const Law1D& law) {
  using detail::describe;
  const std::size_t n_particles = x.size();
  if (weights.size() != n_particles)
    throw std::invalid_argument(describe(kWhere, "weights.size()", static_cast<double>(weights.size()),
                                         "must equal x.size() = " + std::to_string(n_particles)));
  if (n_particles == 0) throw std::invalid_argument(describe(kWhere, "x.size()", 0.0, "must be >= 1"));
  CompensatedSum total_weight;
  for (std::size_t i = 0; i < n_particles; ++i) {
    if (!std::isfinite(x[i]))
      throw std::invalid_argument(describe(kWhere, "x[" + std::to_string(i) + "]", x[i], "must be finite"));
    if (!(weights[i] >= 0.0) || !std::isfinite(weights[i]))
      throw std::invalid_argument(
          describe(kWhere, "weights[" + std::to_string(i) + "]", weights[i], "must be finite and >= 0"));
    total_weight.add(weights[i]);
  }
  const double total = total_weight.value();
  if (!(total > 0.0) || !std::isfinite(total))
    throw std::invalid_argument(describe(kWhere, "sum of weights", total, "must be finite and > 0"));

  std::vector<std::size_t> order(n_particles);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return x[i] < x[j]; });

  WassersteinDistances result;
  CompensatedSum prefix;  // raw weights up to the current particle
  CompensatedSum w1_sum;
  CompensatedSum w2_squared;
  double u_left = 0.0;
  double q_left = law.quantile(0.0);
  for (std::size_t k = 0; k < n_particles; ++k) {
    const std::size_t i = order[k];
    prefix.add(weights[i]);
    // Clamped to [u_left, 1] so that rounding can never reverse an interval.
    const double u_right = k + 1 == n_particles ? 1.0 : std::clamp(prefix.value() / total, u_left, 1.0);
    const double q_right = law.quantile(u_right);
    const double w = weights[i] / total;
    if (w > 0.0) {
      const double xi = x[i];
      const IntervalMoments moments = law.moments(q_left, q_right);
      const double offset = xi - moments.mean;
      w2_squared.add(w * (offset * offset + moments.variance));
      w1_sum.add(interval_w1(xi, w, q_left, q_right, moments, law));
      result.winf = std::max({result.winf, std::abs(xi - q_left), std::abs(xi - q_right)});
    }
    u_left = u_right;
    q_left = q_right;
  }
  result.w1 = w1_sum.value();
  result.w2 = std::sqrt(std::max(0.0, w2_squared.value()));
  return result;
}

namespace {

constexpr const char* kWhereTwo = "wasserstein_1d (two measures)";
/// Merged segments no longer than this are rounding artefacts of equal cumulative levels and are ignored by W_inf:
/// each level is a compensated prefix sum divided by the total, correct to ~2 eps, so two equal levels differ by
/// at most ~4 eps; 8 eps leaves a factor 2 of margin.
constexpr double kTieLength = 8.0 * std::numeric_limits<double>::epsilon();

/// A particle measure sorted by position with its cumulative normalized weights (levels.back() == 1 exactly).
struct SortedMeasure {
  std::vector<double> positions;
  std::vector<double> levels;
};

SortedMeasure sort_measure(std::span<const double> x, std::span<const double> weights, const std::string& x_name,
                           const std::string& weights_name) {
  using detail::describe;
  const std::size_t n_particles = x.size();
  if (weights.size() != n_particles)
    throw std::invalid_argument(describe(kWhereTwo, weights_name + ".size()", static_cast<double>(weights.size()),
                                         "must equal " + x_name + ".size() = " + std::to_string(n_particles)));
  if (n_particles == 0) throw std::invalid_argument(describe(kWhereTwo, x_name + ".size()", 0.0, "must be >= 1"));
  CompensatedSum total_weight;
  for (std::size_t i = 0; i < n_particles; ++i) {
    if (!std::isfinite(x[i]))
      throw std::invalid_argument(describe(kWhereTwo, x_name + "[" + std::to_string(i) + "]", x[i], "must be finite"));
    if (!(weights[i] >= 0.0) || !std::isfinite(weights[i]))
      throw std::invalid_argument(describe(kWhereTwo, weights_name + "[" + std::to_string(i) + "]", weights[i],
                                           "must be finite and >= 0"));
    total_weight.add(weights[i]);
  }
  // Weights are finite and >= 0 here, so a NaN total can only come from overflow (inf - inf in the correction).
  const double sum = total_weight.value();
  const double total = std::isnan(sum) ? std::numeric_limits<double>::infinity() : sum;
  if (!(total > 0.0) || !std::isfinite(total))
    throw std::invalid_argument(describe(kWhereTwo, "sum of " + weights_name, total, "must be finite and > 0"));

  std::vector<std::size_t> order(n_particles);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return x[i] < x[j]; });
  SortedMeasure sorted;
  sorted.positions.resize(n_particles);
  sorted.levels.resize(n_particles);
  CompensatedSum prefix;
  double level = 0.0;
  for (std::size_t k = 0; k < n_particles; ++k) {
    prefix.add(weights[order[k]]);
    // Clamped so that rounding can never make the levels decrease; the last level is 1 exactly.
    level = k + 1 == n_particles ? 1.0 : std::clamp(prefix.value() / total, level, 1.0);
    sorted.positions[k] = x[order[k]];
    sorted.levels[k] = level;
  }
  return sorted;
}

}  // namespace

WassersteinDistances wasserstein_1d(std::span<const double> x, std::span<const double> x_weights,
                                    std::span<const double> y, std::span<const double> y_weights) {
  const SortedMeasure mu = sort_measure(x, x_weights, "x", "x_weights");
  const SortedMeasure nu = sort_measure(y, y_weights, "y", "y_weights");
  const std::size_t n = mu.positions.size();
  const std::size_t m = nu.positions.size();
  CompensatedSum w1_sum;
  CompensatedSum w2_squared;
  double winf = 0.0;
  double winf_any = 0.0;  // over every segment of positive length, used only if none is longer than kTieLength
  bool any_long_segment = false;
  double u = 0.0;
  std::size_t i = 0;
  std::size_t j = 0;
  // Both level sequences end at exactly 1, so both indices reach the end together.
  while (i < n && j < m) {
    const double next = std::min(mu.levels[i], nu.levels[j]);
    const double length = next - u;
    if (length > 0.0) {
      const double distance = std::abs(mu.positions[i] - nu.positions[j]);
      w1_sum.add(length * distance);
      w2_squared.add(length * distance * distance);
      winf_any = std::max(winf_any, distance);
      if (length > kTieLength) {
        winf = std::max(winf, distance);
        any_long_segment = true;
      }
      u = next;
    }
    if (mu.levels[i] == next) ++i;
    if (nu.levels[j] == next) ++j;
  }
  WassersteinDistances result;
  result.w1 = w1_sum.value();
  result.w2 = std::sqrt(std::max(0.0, w2_squared.value()));
  result.winf = any_long_segment ? winf : winf_any;
  return result;
}

}  // namespace blobflow::analysis
