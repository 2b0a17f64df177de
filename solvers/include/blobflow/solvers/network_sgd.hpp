// Training a network of radial-bump neurons the usual way: stochastic gradient descent on samples of the data
// (docs/math.md §10.4). With samples y_1..y_B drawn from nu / |nu| (|nu| its mass) and the errors e_b = f_N(y_b) -
// f*(y_b), one step is
//   X_i <- X_i - tau |nu| (1/B) sum_b e_b grad zeta_eps(X_i - y_b),
// an unbiased estimate of tau times the mean-field velocity -(1/m_i) grad_(X_i) R of network.hpp, so that step k is
// time t = k tau of the same flow. Gaussian zeta_eps (standard deviation eps per coordinate) only; the data density
// is a target spec of kind uniform (with a box), piecewise or gaussian.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/network.hpp"
#include "blobflow/solvers/targets.hpp"

namespace blobflow {

/// Draws samples of the data density nu / |nu|.
class DataSampler {
 public:
  /// \throws std::invalid_argument (naming the target key) for a kind without a sampler here (mixture, grid) or a
  /// bad parameter.
  DataSampler(const TargetSpec& data, int dimension);
  int dimension() const { return dim_; }
  /// |nu|, the mass of the data density.
  double mass() const { return mass_; }
  /// One sample into y (d entries).
  void draw(std::mt19937_64& rng, std::span<double> y) const;

 private:
  int dim_;
  double mass_ = 1.0;
  std::vector<InverseDensityBox> boxes_;  // uniform, piecewise: the boxes (inverse = nu's value there)
  std::vector<double> cumulative_;        // their cumulative masses / |nu|
  std::vector<double> mean_, cholesky_;   // gaussian: mean and the lower Cholesky factor of the covariance
};

/// The parameters of SGD training.
struct SgdSpec {
  std::int64_t batch = 1;  ///< B >= 1 samples per step
  double step = 1e-2;      ///< tau > 0, the time one step stands for
  std::uint64_t seed = 0;  ///< the seed of the std::mt19937_64 that draws the batches
};

/// Runs `steps` SGD steps from the centres x (N d entries, updated in place; neurons of width eps and output weights
/// `masses`, N entries, or 1/N each where `masses` is empty).
/// \throws std::invalid_argument naming the key for B < 1, tau <= 0 or not finite, eps <= 0.
void network_sgd(std::vector<double>& x, int dimension, double eps, const NetworkFunction& f,
                 const DataSampler& data, const SgdSpec& spec, std::int64_t steps, std::mt19937_64& rng,
                 std::span<const double> masses = {});

/// SGD as the stepper of a run (network.training = "sgd"): each step of length h is one SGD step with tau = h and
/// B = spec.batch samples from its own std::mt19937_64 seeded with spec.seed; the velocity it is handed (the flow's)
/// is not used. The run's steps have length network.step, shortened where an output time falls within one.
class SgdStepper final : public CustomStepper {
 public:
  SgdStepper(int dimension, double eps, NetworkFunction f, DataSampler data, SgdSpec spec, std::vector<double> masses)
      : dim_(dimension), eps_(eps), f_(std::move(f)), data_(std::move(data)), spec_(spec), masses_(std::move(masses)),
        rng_(spec.seed) {}
  void do_step(const VelocityFunction& velocity, State& x, double t, double h) override;

 private:
  int dim_;
  double eps_;
  NetworkFunction f_;
  DataSampler data_;
  SgdSpec spec_;
  std::vector<double> masses_;
  std::mt19937_64 rng_;
};

}  // namespace blobflow
