// Probability laws on the real line described by their quantile function, the input of the exact 1D
// Wasserstein distances (docs/math.md §4.2). Each law also integrates its density over an interval, returning
// the conditional mean and variance directly so that no large terms cancel.
#pragma once

#include "blobflow/analysis/barenblatt.hpp"

namespace blobflow::analysis {

/// The law restricted to an interval [a, b]: its probability and, conditional on [a, b], its mean and variance.
/// When mass == 0 the mean is the midpoint of [a, b] clipped to the support and the variance is 0.
struct IntervalMoments {
  double mass = 0.0;
  double mean = 0.0;
  double variance = 0.0;
};

/// A probability law on R with a continuous, strictly increasing quantile function on (0, 1).
class Law1D {
 public:
  virtual ~Law1D() = default;
  /// P(X <= x).
  virtual double cdf(double x) const = 0;
  /// Q(u) for u in [0, 1]; Q(0) and Q(1) are the ends of the support (may be infinite).
  virtual double quantile(double u) const = 0;
  /// Probability, conditional mean and conditional variance of the law on [a, b], a <= b, accurate to round-off
  /// relative to each returned quantity (no cancellation between large partial moments).
  virtual IntervalMoments moments(double a, double b) const = 0;
};

/// The uniform law on [lo, hi], lo < hi.
class UniformLaw1D final : public Law1D {
 public:
  /// \throws std::invalid_argument unless lo < hi are finite.
  UniformLaw1D(double lo, double hi);
  double cdf(double x) const override;
  double quantile(double u) const override;
  IntervalMoments moments(double a, double b) const override;

 private:
  double lo_, hi_;
};

/// The 1D Barenblatt profile u(., t) divided by its mass.
class BarenblattLaw1D final : public Law1D {
 public:
  /// \throws std::invalid_argument unless profile.dimension() == 1 and t > 0.
  BarenblattLaw1D(const Barenblatt& profile, double t);
  double cdf(double x) const override;
  double quantile(double u) const override;
  IntervalMoments moments(double a, double b) const override;

 private:
  Barenblatt profile_;
  double t_;
  double radius_;
  double normalization_;  // 1/(R B(1/2, p+1)): the density is normalization_ (1 - y^2/R^2)^p on [-R, R]
  bool polynomial_;       // p = 1/(m-1) is a small integer, so Gauss-Legendre integrates the moments exactly
};

}  // namespace blobflow::analysis
