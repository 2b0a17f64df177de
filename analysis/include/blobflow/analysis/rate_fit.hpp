// Least-squares fits of observed orders of convergence: error ~ c * x^p, fitted as a straight line in
// log-log coordinates, with the 95% confidence interval of the exponent from Student's t distribution; optional
// weights; an automatic, documented choice of the asymptotic window; and convergence tables (text, Markdown, LaTeX)
// in the manner of deal.II's ConvergenceTable.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace blobflow::analysis {

/// The fitted power law y ~ exp(intercept) * x^exponent.
struct PowerLawFit {
  bool ok = false;          ///< false when the data cannot be fitted; `message` says why
  std::string message;
  double exponent = 0.0;    ///< fitted slope of log y against log x
  double intercept = 0.0;   ///< fitted log y at log x = 0
  double std_error = 0.0;   ///< standard error of the exponent (0 with two points)
  double ci95_low = 0.0;    ///< 95% confidence interval of the exponent (equal to it with two points)
  double ci95_high = 0.0;
  std::size_t n_points = 0;
};

/// The fitted straight line y ~ intercept + slope * x.
struct LineFit {
  bool ok = false;          ///< false when the data cannot be fitted; `message` says why
  std::string message;
  double slope = 0.0;
  double intercept = 0.0;   ///< fitted y at x = 0
  double std_error = 0.0;   ///< standard error of the slope (0 with two points)
  double ci95_low = 0.0;    ///< 95% confidence interval of the slope, slope +- t_{0.975, n-2} std_error (Student's t;
  double ci95_high = 0.0;   ///< equal to it with two points)
  std::size_t n_points = 0;
};

/// Fits y = intercept + slope * x by ordinary least squares, with the slope's standard error
/// sqrt(SSR / (n - 2) / Sxx) and 95% interval. Needs at least two finite points with distinct x; otherwise
/// ok == false with a message naming the bad point (never a silent number). fit_power_law is this line in log-log
/// coordinates.
LineFit fit_line(std::span<const double> x, std::span<const double> y);

/// Fits log y = intercept + exponent * log x by ordinary least squares. Needs at least two points with
/// distinct x; every x and y must be finite and positive, otherwise ok == false (never a silent number).
PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y);

/// Pairwise rates log(y_(k+1)/y_k) / log(x_(k+1)/x_k), one fewer than the points (NaN where undefined).
std::vector<double> pairwise_rates(std::span<const double> x, std::span<const double> y);

/// Weighted least squares of log y = intercept + exponent * log x. `weights` (empty: all equal, then the result is
/// exactly fit_power_law(x, y)) are relative inverse variances of log y: the residual variance is estimated as
/// sum_i w_i r_i^2 / (n - 2), so multiplying every weight by a constant changes nothing, and
/// std_error = sqrt(that / sum_i w_i (log x_i - mean)^2) with the weighted mean; the interval is
/// exponent +- t_{0.975, n-2} std_error. Every weight must be finite and > 0; otherwise, or for data that
/// fit_power_law rejects, ok == false with a message.
PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y, std::span<const double> weights);

/// Why a point of a convergence study was or was not used by fit_convergence_rate.
enum class RatePointStatus {
  used,            ///< inside the asymptotic window, fitted
  pre_asymptotic,  ///< leading point whose rate to the next point is not yet the asymptotic one
  at_floor,        ///< error <= floor_margin * floor (or a later point than one that is)
  stagnated,       ///< trailing point where the rate collapsed (error stopped decreasing at the expected rate)
  not_finite,      ///< x or error is NaN or infinite (excluded only when exclude_invalid, else the fit fails)
  non_positive,    ///< x or error is <= 0 (excluded only when exclude_invalid, else the fit fails)
  not_fitted,      ///< the fit failed (see fit.message); no other rule excluded the point
};

/// "used", "pre-asymptotic", "at floor", "stagnated", "not finite", "non-positive", "not fitted".
std::string_view to_string(RatePointStatus status);

/// Settings of fit_convergence_rate. The defaults suit refinement sequences with factors 2 to 4 and ~5% noise.
struct RateWindowOptions {
  /// Known error floor (quantization floor, round-off, reference accuracy): empty for none, one value for all points
  /// or one per point. Every value must be finite and >= 0.
  std::vector<double> floor;
  /// A point with error <= floor_margin * floor is at the floor (at 2x the floor the floor is half the error).
  double floor_margin = 2.0;
  /// Expected log-log slope (for example 2 for O(h^2) against h, -1 for O(1/N) against N); NaN: estimated as the
  /// median pairwise rate (see fit_convergence_rate). Used only to choose the window, never imposed on the fit.
  double expected_slope = std::numeric_limits<double>::quiet_NaN();
  /// A pairwise rate r is asymptotic when |r / reference - 1| <= rate_tolerance.
  double rate_tolerance = 0.25;
  /// Fewest points in the window (>= 2); fewer gives a failed fit.
  std::size_t min_points = 3;
  /// false: any NaN/Inf or non-positive x or error fails the fit. true: such points are excluded (and reported).
  bool exclude_invalid = false;
  /// Relative weights for the least squares (empty: equal), one per point, as in the weighted fit_power_law.
  std::vector<double> weights;
};

/// One row of a convergence study.
struct RatePoint {
  double x = 0.0;
  double error = 0.0;
  double rate = 0.0;       ///< pairwise rate to the previous row, as pairwise_rates (NaN for row 0 or undefined)
  RatePointStatus status = RatePointStatus::used;
  std::string reason;      ///< why the point is excluded (empty when used), e.g. "error 1e-08 <= 2 * floor 1e-08"
};

/// The result of fit_convergence_rate: the fit on the window and the fate of every point.
struct RateFit {
  PowerLawFit fit;               ///< on the used points; fit.ok == false with fit.message when no fit is possible
  std::vector<RatePoint> points; ///< one per input point, in input order
  double reference_slope = std::numeric_limits<double>::quiet_NaN();  ///< slope the window was judged against
  std::size_t first_used = 0;    ///< window [first_used, last_used] in input indices (valid when n_used > 0)
  std::size_t last_used = 0;
  std::size_t n_used = 0;
  std::string summary;           ///< one line: the window and how many points each rule excluded, or the failure
};

/// Fits the observed order of a convergence study (x_k, error_k), k = 0..n-1 in refinement order (x strictly
/// monotone: h decreasing or N increasing), on an automatically chosen asymptotic window. The rule, exactly:
///  1. Validation. Sizes must agree (weights: 0 or n; floor: 0, 1 or n values), options must be sane, and every
///     x and error must be finite and > 0 -- otherwise the fit fails with a message naming the point, unless
///     exclude_invalid, when such points get status not_finite / non_positive and the rest ("candidates") go on.
///     The candidates' x must be strictly monotone, else the fit fails.
///  2. Floor by value. The first candidate with error <= floor_margin * floor and every later point are at_floor.
///  3. Reference slope s. expected_slope if given; else s_0 = median of the pairwise rates between consecutive
///     remaining candidates, then repeated: choose the window with s_i (steps 4-5), s_(i+1) = median pairwise rate
///     inside that window, until the window repeats (at most 8 rounds). s must make the error decrease along the
///     refinement (s * direction of x < 0); otherwise the fit fails ("the error does not decrease").
///  4. Trailing trim. While the window has >= 2 points and the rate r between its last two points has
///     r / s < 1 - rate_tolerance (slower, flat or growing error), the last point is stagnated.
///  5. Leading trim. While the window has >= 2 points and the rate r between its first two points has
///     |r / s - 1| > rate_tolerance, the first point is pre_asymptotic.
///  6. The window must hold >= min_points points, else the fit fails ("only k points in the asymptotic window");
///     the statuses are filled either way. Then the weighted fit_power_law on the window (its CI uses n_used - 2
///     degrees of freedom and does not account for the choice of the window).
/// Rates (rows of the table) are pairwise_rates(x, error) of consecutive input rows; the rule uses consecutive
/// candidates. Never throws for bad data: every problem is a failed fit with a message.
RateFit fit_convergence_rate(std::span<const double> x, std::span<const double> error,
                             const RateWindowOptions& options = {});

/// Column names and number formats of the convergence tables.
struct ConvergenceTableOptions {
  std::string x_name = "x";
  std::string error_name = "error";
  int error_digits = 3;  ///< significant digits after the point of the errors (scientific: 1.234e-05)
  int rate_digits = 2;   ///< digits after the point of rates and of the fitted order
};

/// `s` as LaTeX text (not math): \ { } $ & # ^ _ % ~ and | < > (absent from LaTeX's default text fonts) written as
/// commands, and the Greek letters and symbols of the report's labels (ε, Δ, ρ, ρ̄, χ, ∞, ², −, ≈, ≠, ‖) as
/// \ensuremath{...}, so that pdflatex needs no package for them; other characters pass through.
std::string latex_text(std::string_view s);

/// deal.II ConvergenceTable-style table: one row per point with x, error, the pairwise order ("-" where undefined)
/// and the point's status, then the line "fitted order p (95% CI [lo, hi]) from rows a-b (k points)" or
/// "fitted order: not available (message)". Plain text with aligned columns.
std::string convergence_table_text(const RateFit& result, const ConvergenceTableOptions& options = {});
/// The same as a GitHub Markdown table followed by the fit line.
std::string convergence_table_markdown(const RateFit& result, const ConvergenceTableOptions& options = {});
/// The same as a LaTeX tabular (booktabs rules: \usepackage{booktabs}) followed by the fit line; names are escaped.
std::string convergence_table_latex(const RateFit& result, const ConvergenceTableOptions& options = {});

}  // namespace blobflow::analysis
