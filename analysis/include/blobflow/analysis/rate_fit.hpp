// Least-squares fits of observed orders of convergence: error ~ c * x^p, fitted as a straight line in
// log-log coordinates, with the 95% confidence interval of the exponent from Student's t distribution.
#pragma once

#include <span>
#include <string>
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

/// Fits log y = intercept + exponent * log x by ordinary least squares. Needs at least two points with
/// distinct x; every x and y must be finite and positive, otherwise ok == false (never a silent number).
PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y);

/// Pairwise rates log(y_(k+1)/y_k) / log(x_(k+1)/x_k), one fewer than the points (NaN where undefined).
std::vector<double> pairwise_rates(std::span<const double> x, std::span<const double> y);

}  // namespace blobflow::analysis
