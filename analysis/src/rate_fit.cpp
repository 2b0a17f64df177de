// Observed orders of convergence. fit_power_law fits log y = intercept + exponent log x by ordinary least squares
// (centred sums, so that large log x values do not cancel) and reports the slope's standard error
// sqrt(SSR/(n-2) / Sxx) with the two-sided 95% interval exponent +- t_{0.975, n-2} std_error (Student's t,
// boost::math::students_t). With two points the line is exact: std_error = 0 and the interval is the exponent.
// pairwise_rates gives the classical rate between consecutive refinements, log(y_(k+1)/y_k) / log(x_(k+1)/x_k).
#include "blobflow/analysis/rate_fit.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/math/distributions/students_t.hpp>

#include "describe.hpp"

namespace blobflow::analysis {
namespace {

constexpr double kConfidenceLevel = 0.95;  // two-sided level of the reported interval

bool positive_finite(double value) { return value > 0.0 && std::isfinite(value); }

PowerLawFit failure(std::size_t n_points, std::string message) {
  PowerLawFit fit;
  fit.n_points = n_points;
  fit.message = std::move(message);
  return fit;
}

}  // namespace

PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y) {
  using detail::format_value;
  const std::size_t n = x.size();
  if (y.size() != n)
    return failure(n, "fit_power_law: x has " + std::to_string(n) + " points but y has " + std::to_string(y.size()));
  if (n < 2) return failure(n, "fit_power_law: " + std::to_string(n) + " points: need at least 2");
  for (std::size_t i = 0; i < n; ++i) {
    if (!positive_finite(x[i]))
      return failure(
          n, "fit_power_law: x[" + std::to_string(i) + "] = " + format_value(x[i]) + ": must be finite and > 0");
    if (!positive_finite(y[i]))
      return failure(
          n, "fit_power_law: y[" + std::to_string(i) + "] = " + format_value(y[i]) + ": must be finite and > 0");
  }
  bool all_x_equal = true;
  for (std::size_t i = 1; i < n; ++i) all_x_equal = all_x_equal && x[i] == x[0];
  if (all_x_equal)
    return failure(n, "fit_power_law: all x are equal (" + format_value(x[0]) + "): the exponent is undefined");
  const double count = static_cast<double>(n);
  double mean_log_x = 0.0;
  double mean_log_y = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mean_log_x += std::log(x[i]);
    mean_log_y += std::log(y[i]);
  }
  mean_log_x /= count;
  mean_log_y /= count;
  double sxx = 0.0;
  double sxy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = std::log(x[i]) - mean_log_x;
    sxx += dx * dx;
    sxy += dx * (std::log(y[i]) - mean_log_y);
  }
  if (!(sxx > 0.0)) return failure(n, "fit_power_law: the x values are too close to fit an exponent");

  PowerLawFit fit;
  fit.ok = true;
  fit.n_points = n;
  fit.exponent = sxy / sxx;
  fit.intercept = mean_log_y - fit.exponent * mean_log_x;
  if (n == 2) {
    fit.std_error = 0.0;
    fit.ci95_low = fit.ci95_high = fit.exponent;
    return fit;
  }
  double ssr = 0.0;  // sum of squared residuals
  for (std::size_t i = 0; i < n; ++i) {
    const double residual = std::log(y[i]) - (fit.intercept + fit.exponent * std::log(x[i]));
    ssr += residual * residual;
  }
  const double degrees_of_freedom = count - 2.0;
  fit.std_error = std::sqrt(ssr / degrees_of_freedom / sxx);
  const boost::math::students_t student(degrees_of_freedom);
  const double t_quantile = boost::math::quantile(boost::math::complement(student, 0.5 * (1.0 - kConfidenceLevel)));
  fit.ci95_low = fit.exponent - t_quantile * fit.std_error;
  fit.ci95_high = fit.exponent + t_quantile * fit.std_error;
  return fit;
}

std::vector<double> pairwise_rates(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size())
    throw std::invalid_argument(detail::describe("pairwise_rates", "y.size()", static_cast<double>(y.size()),
                                                 "must equal x.size() = " + std::to_string(x.size())));
  if (x.size() < 2) return {};
  std::vector<double> rates(x.size() - 1);
  for (std::size_t k = 0; k + 1 < x.size(); ++k) {
    const bool defined = positive_finite(x[k]) && positive_finite(x[k + 1]) && positive_finite(y[k]) &&
                         positive_finite(y[k + 1]) && x[k] != x[k + 1];
    const double rate = defined ? std::log(y[k + 1] / y[k]) / std::log(x[k + 1] / x[k]) : 0.0;
    rates[k] = defined && std::isfinite(rate) ? rate : std::numeric_limits<double>::quiet_NaN();
  }
  return rates;
}

}  // namespace blobflow::analysis
