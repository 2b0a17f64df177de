// Observed orders of convergence. fit_line fits y = intercept + slope x, and fit_power_law the same line to log y
// against log x, by ordinary least squares (one core, least_squares: centred sums, so that large x values do not
// cancel) and reports the slope's standard error
// sqrt(SSR/(n-2) / Sxx) with the two-sided 95% interval exponent +- t_{0.975, n-2} std_error (Student's t,
// boost::math::students_t). With two points the line is exact: std_error = 0 and the interval is the exponent.
// pairwise_rates gives the classical rate between consecutive refinements, log(y_(k+1)/y_k) / log(x_(k+1)/x_k).
// The weighted fit uses relative inverse-variance weights (residual variance sum w r^2/(n-2)); fit_convergence_rate
// chooses the asymptotic window by the rule documented in rate_fit.hpp; the tables follow deal.II's ConvergenceTable
// (one row per refinement with its pairwise rate), followed by the fitted order and its interval.
#include "blobflow/analysis/rate_fit.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
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

LineFit line_failure(std::size_t n_points, std::string message) {
  LineFit fit;
  fit.n_points = n_points;
  fit.message = std::move(message);
  return fit;
}

/// The (weighted: `w` not empty) least-squares line v = intercept + slope u of data the caller has validated
/// (n >= 2 finite points, u not all equal, weights finite and > 0), with the slope's standard error and 95% interval
/// (see the top of this file). Fails only when the (weighted) spread of u is not > 0: `too_close` is the message.
LineFit least_squares(std::span<const double> u, std::span<const double> v, std::span<const double> w,
                      const std::string& too_close) {
  const std::size_t n = u.size();
  const auto weight = [&](std::size_t i) { return w.empty() ? 1.0 : w[i]; };
  double total_weight = 0.0;
  double mean_u = 0.0;
  double mean_v = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    total_weight += weight(i);
    mean_u += weight(i) * u[i];
    mean_v += weight(i) * v[i];
  }
  mean_u /= total_weight;
  mean_v /= total_weight;
  double suu = 0.0;
  double suv = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double du = u[i] - mean_u;
    suu += weight(i) * du * du;
    suv += weight(i) * du * (v[i] - mean_v);
  }
  if (!(suu > 0.0) || !std::isfinite(suu)) return line_failure(n, too_close);
  LineFit fit;
  fit.ok = true;
  fit.n_points = n;
  fit.slope = suv / suu;
  fit.intercept = mean_v - fit.slope * mean_u;
  if (n == 2) {
    fit.std_error = 0.0;
    fit.ci95_low = fit.ci95_high = fit.slope;
    return fit;
  }
  double ssr = 0.0;  // (weighted) sum of squared residuals
  for (std::size_t i = 0; i < n; ++i) {
    const double residual = v[i] - (fit.intercept + fit.slope * u[i]);
    ssr += weight(i) * residual * residual;
  }
  const double degrees_of_freedom = static_cast<double>(n) - 2.0;
  fit.std_error = std::sqrt(ssr / degrees_of_freedom / suu);
  const boost::math::students_t student(degrees_of_freedom);
  const double t_quantile = boost::math::quantile(boost::math::complement(student, 0.5 * (1.0 - kConfidenceLevel)));
  fit.ci95_low = fit.slope - t_quantile * fit.std_error;
  fit.ci95_high = fit.slope + t_quantile * fit.std_error;
  return fit;
}

/// The power law of a least-squares line in log-log coordinates.
PowerLawFit power_law_of(const LineFit& line) {
  if (!line.ok) return failure(line.n_points, line.message);
  PowerLawFit fit;
  fit.ok = true;
  fit.n_points = line.n_points;
  fit.exponent = line.slope;
  fit.intercept = line.intercept;
  fit.std_error = line.std_error;
  fit.ci95_low = line.ci95_low;
  fit.ci95_high = line.ci95_high;
  return fit;
}

/// The message of the first of `x`, `y` that breaks the rules of a fit (sizes agree, n >= 2, every value finite and,
/// with `positive`, > 0; x not all equal), or "" where both are fine. `where` names the function.
std::string invalid_data(std::span<const double> x, std::span<const double> y, bool positive,
                         const std::string& where) {
  using detail::format_value;
  const std::size_t n = x.size();
  if (y.size() != n) return where + ": x has " + std::to_string(n) + " points but y has " + std::to_string(y.size());
  if (n < 2) return where + ": " + std::to_string(n) + " points: need at least 2";
  const auto valid = [&](double value) { return positive ? positive_finite(value) : std::isfinite(value); };
  const std::string rule = positive ? ": must be finite and > 0" : ": must be finite";
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid(x[i])) return where + ": x[" + std::to_string(i) + "] = " + format_value(x[i]) + rule;
    if (!valid(y[i])) return where + ": y[" + std::to_string(i) + "] = " + format_value(y[i]) + rule;
  }
  if (std::all_of(x.begin(), x.end(), [&](double v) { return v == x[0]; }))
    return where + ": all x are equal (" + format_value(x[0]) + "): the " + (positive ? "exponent" : "slope") +
           " is undefined";
  return "";
}

std::vector<double> logs(std::span<const double> values) {
  std::vector<double> out(values.size());
  std::transform(values.begin(), values.end(), out.begin(), [](double v) { return std::log(v); });
  return out;
}

}  // namespace

LineFit fit_line(std::span<const double> x, std::span<const double> y) {
  if (const std::string invalid = invalid_data(x, y, false, "fit_line"); !invalid.empty())
    return line_failure(x.size(), invalid);
  return least_squares(x, y, {}, "fit_line: the x values are too close to fit a slope");
}

PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y) {
  if (const std::string invalid = invalid_data(x, y, true, "fit_power_law"); !invalid.empty())
    return failure(x.size(), invalid);
  return power_law_of(
      least_squares(logs(x), logs(y), {}, "fit_power_law: the x values are too close to fit an exponent"));
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

PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y, std::span<const double> weights) {
  using detail::format_value;
  if (weights.empty()) return fit_power_law(x, y);
  const std::size_t n = x.size();
  if (weights.size() != n)
    return failure(n, "fit_power_law: x has " + std::to_string(n) + " points but weights has " +
                          std::to_string(weights.size()));
  for (std::size_t i = 0; i < n; ++i)
    if (!positive_finite(weights[i]))
      return failure(n, "fit_power_law: weights[" + std::to_string(i) + "] = " + format_value(weights[i]) +
                            ": must be finite and > 0");
  if (const std::string invalid = invalid_data(x, y, true, "fit_power_law"); !invalid.empty())
    return failure(n, invalid);
  return power_law_of(least_squares(logs(x), logs(y), weights,
                                    "fit_power_law: the weighted x values are too close to fit an exponent"));
}

std::string_view to_string(RatePointStatus status) {
  switch (status) {
    case RatePointStatus::used: return "used";
    case RatePointStatus::pre_asymptotic: return "pre-asymptotic";
    case RatePointStatus::at_floor: return "at floor";
    case RatePointStatus::stagnated: return "stagnated";
    case RatePointStatus::not_finite: return "not finite";
    case RatePointStatus::non_positive: return "non-positive";
    case RatePointStatus::not_fitted: return "not fitted";
  }
  return "unknown";
}

namespace {

constexpr std::size_t kMaxReferenceRounds = 8;  // rounds of the median re-estimation (rate_fit.hpp, step 3)
constexpr const char* kRateWhere = "fit_convergence_rate: ";

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// A window [lo, hi] of candidate positions (indices into the candidate list).
struct Window {
  std::size_t lo = 0;
  std::size_t hi = 0;
  bool operator==(const Window&) const = default;
};

/// Steps 4 and 5 of the rule: trailing then leading trim of the candidates [0, hi] against the slope s.
Window choose_window(const std::vector<double>& candidate_rates, std::size_t hi, double s, double tolerance) {
  Window window{0, hi};
  while (window.hi > window.lo && candidate_rates[window.hi - 1] / s < 1.0 - tolerance) --window.hi;
  while (window.hi > window.lo && std::abs(candidate_rates[window.lo] / s - 1.0) > tolerance) ++window.lo;
  return window;
}

std::string format_fixed(double value, int digits) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.*f", digits, value);
  return buffer.data();
}

std::string format_scientific(double value, int digits) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.*e", digits, value);
  return buffer.data();
}

std::string format_general(double value) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.6g", value);
  return buffer.data();
}

RateFit failed_rate_fit(RateFit result, const std::string& message) {
  result.fit = failure(result.points.size(), kRateWhere + message);
  result.n_used = 0;
  for (RatePoint& point : result.points) {
    if (point.status == RatePointStatus::used) {
      point.status = RatePointStatus::not_fitted;
      point.reason = message;
    }
  }
  result.summary = result.fit.message;
  return result;
}

/// Step 1 for the options: the message of the first one out of range, if any.
std::optional<std::string> options_violation(const RateWindowOptions& options, std::size_t n) {
  using detail::format_value;
  if (!(options.floor_margin >= 0.0) || !std::isfinite(options.floor_margin))
    return "floor_margin = " + format_value(options.floor_margin) + ": must be finite and >= 0";
  if (!positive_finite(options.rate_tolerance))
    return "rate_tolerance = " + format_value(options.rate_tolerance) + ": must be finite and > 0";
  if (options.min_points < 2) return "min_points = " + std::to_string(options.min_points) + ": must be >= 2";
  if (!std::isnan(options.expected_slope) && (!std::isfinite(options.expected_slope) || options.expected_slope == 0.0))
    return "expected_slope = " + format_value(options.expected_slope) +
           ": must be NaN (estimate it) or finite and != 0";
  if (options.floor.size() > 1 && options.floor.size() != n)
    return "floor has " + std::to_string(options.floor.size()) + " values: must have 0, 1 or " + std::to_string(n);
  for (std::size_t k = 0; k < options.floor.size(); ++k)
    if (!(options.floor[k] >= 0.0) || !std::isfinite(options.floor[k]))
      return "floor[" + std::to_string(k) + "] = " + format_value(options.floor[k]) + ": must be finite and >= 0";
  if (!options.weights.empty() && options.weights.size() != n)
    return "weights has " + std::to_string(options.weights.size()) + " values: must have 0 or " + std::to_string(n);
  for (std::size_t k = 0; k < options.weights.size(); ++k)
    if (!positive_finite(options.weights[k]))
      return "weights[" + std::to_string(k) + "] = " + format_value(options.weights[k]) + ": must be finite and > 0";
  return std::nullopt;
}

/// Step 1 for the points: the indices of the valid ones (finite, > 0) in `candidates`, the others marked in
/// `result`; the message that ends the fit (an invalid point without exclude_invalid, too few points, x not
/// monotone), if any.
std::optional<std::string> select_valid_points(std::span<const double> x, std::span<const double> error,
                                               const RateWindowOptions& options, RateFit& result,
                                               std::vector<std::size_t>& candidates, std::size_t& n_invalid) {
  using detail::format_value;
  const std::size_t n = x.size();
  for (std::size_t k = 0; k < n; ++k) {
    RatePoint& point = result.points[k];
    if (positive_finite(x[k]) && positive_finite(error[k])) {
      candidates.push_back(k);
      continue;
    }
    const bool bad_x = !positive_finite(x[k]);
    const std::string name = bad_x ? "x" : "error";
    const double value = bad_x ? x[k] : error[k];
    point.status = std::isfinite(value) ? RatePointStatus::non_positive : RatePointStatus::not_finite;
    point.reason = name + "[" + std::to_string(k) + "] = " + format_value(value) +
                   ": must be finite and > 0";
    if (!options.exclude_invalid)
      return point.reason + " (set exclude_invalid to exclude such points)";
    ++n_invalid;
  }
  if (candidates.size() < std::max<std::size_t>(options.min_points, 2))
    return std::to_string(candidates.size()) + " valid points: need at least " + std::to_string(options.min_points);
  const bool x_increasing = x[candidates[1]] > x[candidates[0]];
  for (std::size_t t = 0; t + 1 < candidates.size(); ++t) {
    const double a = x[candidates[t]];
    const double b = x[candidates[t + 1]];
    if (x_increasing ? !(b > a) : !(b < a))
      return "x[" + std::to_string(candidates[t + 1]) + "] = " + format_value(b) +
             ": x must be strictly monotone (refinement order), but x[" + std::to_string(candidates[t]) + "] = " +
             format_value(a);
  }

  return std::nullopt;
}

/// Step 2: the points from the first one within floor_margin of its floor on are marked at_floor and leave
/// `candidates`; returns how many.
std::size_t mark_floor(std::span<const double> x, std::span<const double> error, const RateWindowOptions& options,
                       RateFit& result, std::vector<std::size_t>& candidates) {
  using detail::format_value;
  std::size_t n_at_floor = 0;
  if (!options.floor.empty()) {
    const auto floor_of = [&](std::size_t k) { return options.floor.size() == 1 ? options.floor[0] : options.floor[k]; };
    std::size_t first_at_floor = candidates.size();
    for (std::size_t t = 0; t < candidates.size(); ++t) {
      const std::size_t k = candidates[t];
      if (error[k] <= options.floor_margin * floor_of(k)) {
        first_at_floor = t;
        break;
      }
    }
    for (std::size_t t = first_at_floor; t < candidates.size(); ++t) {
      const std::size_t k = candidates[t];
      RatePoint& point = result.points[k];
      point.status = RatePointStatus::at_floor;
      point.reason = t == first_at_floor
                         ? "error " + format_value(error[k]) + " <= " + format_value(options.floor_margin) +
                               " * floor " + format_value(floor_of(k))
                         : "follows x = " + format_value(x[candidates[first_at_floor]]) + ", at the floor";
      ++n_at_floor;
    }
    candidates.resize(first_at_floor);
  }
  return n_at_floor;
}

}  // namespace

RateFit fit_convergence_rate(std::span<const double> x, std::span<const double> error,
                             const RateWindowOptions& options) {
  using detail::format_value;
  RateFit result;
  const std::size_t n = x.size();
  if (error.size() != n)
    return failed_rate_fit(std::move(result), "x has " + std::to_string(n) + " points but error has " +
                                                  std::to_string(error.size()));
  // Step 1: the rows, then the options, then the points.
  const std::vector<double> rates = pairwise_rates(x, error);
  result.points.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    result.points[k].x = x[k];
    result.points[k].error = error[k];
    result.points[k].rate = k == 0 ? std::numeric_limits<double>::quiet_NaN() : rates[k - 1];
  }
  if (const std::optional<std::string> violation = options_violation(options, n))
    return failed_rate_fit(std::move(result), *violation);
  const bool expected_given = !std::isnan(options.expected_slope);
  std::vector<std::size_t> candidates;
  std::size_t n_invalid = 0;
  if (const std::optional<std::string> stop = select_valid_points(x, error, options, result, candidates, n_invalid))
    return failed_rate_fit(std::move(result), *stop);
  const bool x_increasing = x[candidates[1]] > x[candidates[0]];

  // Step 2: floor by value.
  const std::size_t n_at_floor = mark_floor(x, error, options, result, candidates);
  if (candidates.size() < 2)
    return failed_rate_fit(std::move(result), std::to_string(candidates.size()) +
                                                  " points above the floor: need at least " +
                                                  std::to_string(options.min_points));
  std::vector<double> candidate_rates(candidates.size() - 1);
  for (std::size_t t = 0; t + 1 < candidates.size(); ++t) {
    const std::size_t a = candidates[t];
    const std::size_t b = candidates[t + 1];
    candidate_rates[t] = std::log(error[b] / error[a]) / std::log(x[b] / x[a]);
  }

  // Step 3 with steps 4 and 5: the reference slope and the window.
  const double direction = x_increasing ? 1.0 : -1.0;
  const auto decreasing = [&](double s) { return std::isfinite(s) && s * direction < 0.0; };
  const auto not_decreasing = [&](double s, const char* what) {
    return std::string("the error does not decrease along the refinement (") + what + " " + format_value(s) +
           ", x " + (x_increasing ? "increasing" : "decreasing") + ")";
  };
  const std::size_t last = candidates.size() - 1;
  double s = expected_given ? options.expected_slope : median(candidate_rates);
  if (!decreasing(s))
    return failed_rate_fit(std::move(result), not_decreasing(s, expected_given ? "expected_slope" : "median rate"));
  Window window = choose_window(candidate_rates, last, s, options.rate_tolerance);
  if (!expected_given) {
    for (std::size_t round = 0; round < kMaxReferenceRounds && window.hi > window.lo; ++round) {
      const double s_next = median(std::vector<double>(candidate_rates.begin() + static_cast<std::ptrdiff_t>(window.lo),
                                                       candidate_rates.begin() + static_cast<std::ptrdiff_t>(window.hi)));
      if (!decreasing(s_next)) break;
      const Window next = choose_window(candidate_rates, last, s_next, options.rate_tolerance);
      s = s_next;
      if (next == window) break;
      window = next;
    }
  }
  result.reference_slope = s;
  const std::string tolerance = format_value(options.rate_tolerance);
  for (std::size_t t = 0; t < window.lo; ++t) {
    RatePoint& point = result.points[candidates[t]];
    point.status = RatePointStatus::pre_asymptotic;
    point.reason = "rate " + format_fixed(candidate_rates[t], 3) + " to the next point differs from " +
                   format_fixed(s, 3) + " by more than " + tolerance + " relative";
  }
  for (std::size_t t = window.hi + 1; t <= last; ++t) {
    RatePoint& point = result.points[candidates[t]];
    point.status = RatePointStatus::stagnated;
    point.reason = "rate " + format_fixed(candidate_rates[t - 1], 3) + " from the previous point is below (1 - " +
                   tolerance + ") * " + format_fixed(s, 3);
  }
  const std::size_t n_window = window.hi - window.lo + 1;
  std::string counts = std::to_string(window.lo) + " pre-asymptotic, " + std::to_string(last - window.hi) +
                       " stagnated, " + std::to_string(n_at_floor) + " at floor, " + std::to_string(n_invalid) +
                       " invalid; reference slope " + format_fixed(s, 3);
  if (n_window < options.min_points)
    return failed_rate_fit(std::move(result), "only " + std::to_string(n_window) +
                                                  " points in the asymptotic window: need at least " +
                                                  std::to_string(options.min_points) + " (" + counts + ")");

  // Step 6: the fit on the window.
  std::vector<double> window_x;
  std::vector<double> window_error;
  std::vector<double> window_weights;
  for (std::size_t t = window.lo; t <= window.hi; ++t) {
    const std::size_t k = candidates[t];
    window_x.push_back(x[k]);
    window_error.push_back(error[k]);
    if (!options.weights.empty()) window_weights.push_back(options.weights[k]);
  }
  result.fit = fit_power_law(window_x, window_error, window_weights);
  if (!result.fit.ok) return failed_rate_fit(std::move(result), result.fit.message);
  result.first_used = candidates[window.lo];
  result.last_used = candidates[window.hi];
  result.n_used = n_window;
  result.summary = "window x = " + format_value(x[result.first_used]) + " to " + format_value(x[result.last_used]) +
                   ": " + std::to_string(n_window) + " of " + std::to_string(n) + " points used; " + counts;
  return result;
}

namespace {

/// The fitted-order line shared by the three table formats; with `latex`, numbers in math mode and text escaped.
std::string fit_line(const RateFit& result, const ConvergenceTableOptions& options, bool latex) {
  const auto number = [&](const std::string& text) { return latex ? "$" + text + "$" : text; };
  if (!result.fit.ok) {
    return "fitted order: not available (" + (latex ? latex_text(result.fit.message) : result.fit.message) + ")";
  }
  const int digits = options.rate_digits;
  return "fitted order " + number(format_fixed(result.fit.exponent, digits)) + " (95" + (latex ? "\\%" : "%") +
         " CI " + number("[" + format_fixed(result.fit.ci95_low, digits) + ", " +
                         format_fixed(result.fit.ci95_high, digits) + "]") +
         ") from " + number("x = " + format_general(result.points[result.first_used].x)) + " to " +
         number(format_general(result.points[result.last_used].x)) + " (" +
         std::to_string(result.n_used) + " of " + std::to_string(result.points.size()) + " points)";
}

struct TableCells {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

TableCells table_cells(const RateFit& result, const ConvergenceTableOptions& options) {
  TableCells cells;
  cells.header = {options.x_name, options.error_name, "order", "status"};
  for (const RatePoint& point : result.points) {
    cells.rows.push_back({format_general(point.x), format_scientific(point.error, options.error_digits),
                          std::isfinite(point.rate) ? format_fixed(point.rate, options.rate_digits) : "-",
                          std::string(to_string(point.status))});
  }
  return cells;
}

/// "1.234e-05" as "1.234 \cdot 10^{-5}" (LaTeX math).
std::string latex_scientific(double value, int digits) {
  const std::string text = format_scientific(value, digits);
  const std::size_t e = text.find('e');
  if (e == std::string::npos) return text;  // nan, inf
  const int exponent = std::stoi(text.substr(e + 1));
  return text.substr(0, e) + " \\cdot 10^{" + std::to_string(exponent) + "}";
}

}  // namespace

std::string latex_text(std::string_view s) {
  // The non-ASCII characters the declared quantities and labels use, as commands pdflatex knows without packages.
  static constexpr std::pair<std::string_view, std::string_view> kUnicode[] = {
      {"ρ̄", "\\ensuremath{\\bar\\rho}"},     {"ε", "\\ensuremath{\\varepsilon}"}, {"Δ", "\\ensuremath{\\Delta}"}, {"∞", "\\ensuremath{\\infty}"},
      {"ρ", "\\ensuremath{\\rho}"},        {"χ", "\\ensuremath{\\chi}"},   {"²", "\\ensuremath{^2}"},
      {"−", "\\ensuremath{-}"},            {"≈", "\\ensuremath{\\approx}"}, {"≠", "\\ensuremath{\\ne}"},
      {"‖", "\\ensuremath{\\|}"},
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      bool known = false;
      for (const auto& [utf8, command] : kUnicode)
        if (s.substr(i, utf8.size()) == utf8) {
          out += command;
          i += utf8.size() - 1;
          known = true;
          break;
        }
      if (!known) out += c;  // passed through: LaTeX's utf8 input says which character it lacks
      continue;
    }
    switch (c) {
      case '\\': out += "\\textbackslash{}"; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '|': out += "\\textbar{}"; break;
      case '<': out += "\\textless{}"; break;
      case '>': out += "\\textgreater{}"; break;
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}


std::string convergence_table_text(const RateFit& result, const ConvergenceTableOptions& options) {
  const TableCells cells = table_cells(result, options);
  std::vector<std::size_t> widths;
  for (const std::string& name : cells.header) widths.push_back(name.size());
  for (const auto& row : cells.rows)
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  const auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(widths[c] - row[c].size(), ' ');
      const bool left = c + 1 == row.size();  // the status column is text
      out += left ? row[c] + pad : pad + row[c];
      if (c + 1 < row.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(cells.header);
  for (const auto& row : cells.rows) out += line(row);
  return out + fit_line(result, options, false) + "\n";
}

std::string convergence_table_markdown(const RateFit& result, const ConvergenceTableOptions& options) {
  const TableCells cells = table_cells(result, options);
  const auto line = [](const std::vector<std::string>& row) {
    std::string out = "|";
    for (const std::string& cell : row) {
      std::string escaped;
      for (const char c : cell) {
        if (c == '|') escaped += '\\';
        escaped += c;
      }
      out += " " + escaped + " |";
    }
    return out + "\n";
  };
  std::string out = line(cells.header) + "|---:|---:|---:|:---|\n";
  for (const auto& row : cells.rows) out += line(row);
  return out + "\n" + fit_line(result, options, false) + "\n";
}

std::string convergence_table_latex(const RateFit& result, const ConvergenceTableOptions& options) {
  // Built by appending (GCC 12 reports a false -Wrestrict for "literal" + std::string&&).
  std::string out = "\\begin{tabular}{rrrl}\n\\toprule\n";
  out += latex_text(options.x_name);
  out += " & ";
  out += latex_text(options.error_name);
  out += " & order & status \\\\\n\\midrule\n";
  for (const RatePoint& point : result.points) {
    out += "$";
    out += format_general(point.x);
    out += "$ & $";
    out += latex_scientific(point.error, options.error_digits);
    out += "$ & ";
    if (std::isfinite(point.rate)) {
      out += "$";
      out += format_fixed(point.rate, options.rate_digits);
      out += "$";
    } else {
      out += "--";
    }
    out += " & ";
    out += latex_text(to_string(point.status));
    out += " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n\n";
  out += fit_line(result, options, true);
  out += "\n";
  return out;
}

}  // namespace blobflow::analysis
