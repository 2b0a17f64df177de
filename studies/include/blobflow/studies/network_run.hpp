// What a run of equation "network" adds to the run driver (docs/math.md §10): SGD as the run's stepper
// (network.training = "sgd"), the minimizer rho_inf of the continuum risk with R_inf (§10.3), and the metrics
// measured against them at the output times: R - R_inf, W2 of the neurons to rho_inf, and for SGD the RMS distance
// of its neurons to those of the mean-field flow from the same start.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/law_nd.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/metrics.hpp"

namespace blobflow {

/// Whether the run trains a network by SGD (equation "network", network.training = "sgd").
bool trains_by_sgd(const RunConfig& config);

/// The SGD stepper of a run: neurons of width `epsilon` and weights `masses`, batches of network.batch samples of nu
/// from the dynamics stream of discretization.seed. The run steps it with dt = network.step.
std::unique_ptr<CustomStepper> make_sgd_stepper(const RunConfig& config, double epsilon,
                                                const std::vector<double>& masses);

/// The minimizer of the continuum risk 1/2 int (rho - f*)^2 nu over densities rho >= 0 of mass M = problem.mass
/// (docs/math.md §10.3): rho_inf = (f* + lambda/nu)_+ on the support of nu, lambda < 0 fixing the mass there; where
/// int (f*)_+ <= M over the support, lambda = 0 and the mass M - int (f*)_+ lies off the support, where it costs
/// nothing. Computed for piecewise-constant nu (uniform box, piecewise) in 1D and 2D by Gauss-Legendre cells.
struct NetworkMinimizer {
  double lambda = 0.0;
  double risk = 0.0;              ///< R_inf = 1/2 int (rho_inf - f*)^2 nu
  double risk_error = 0.0;        ///< |R_inf - the same on cells twice as wide|: the quadrature error's size
  double mass_on_support = 0.0;   ///< int rho_inf over the support of nu (= M where lambda < 0)
  /// rho_inf / M as a law where all its mass lies on the support of nu: 1D where that support is one interval
  /// (the cells' masses exact to the quadrature); 2D constant on cells (W-inf to rho_inf <= one cell's diagonal).
  std::shared_ptr<const analysis::Law1D> law_1d;
  std::shared_ptr<const analysis::LawND> law_nd;
};
/// Cells per unit length of a box of nu in 1D, and per box axis in 2D, of the quadrature; the 2D law's cells per axis.
inline constexpr int kMinimizerCells1D = 4000, kMinimizerCells2D = 200, kMinimizerLawCells2D = 32;
/// The minimizer of `config`'s risk; nothing where nu is not piecewise constant or d = 3.
/// \throws std::invalid_argument (from the factories) for a bad [network] or [target].
std::optional<NetworkMinimizer> network_minimizer(const RunConfig& config, int cells_1d = kMinimizerCells1D,
                                                  int cells_2d = kMinimizerCells2D);

/// The metric "network": risk_minimum, risk_excess (the run's energy R minus R_inf), w2_minimizer and its residual.
/// Null where there is no minimizer (network_minimizer).
std::unique_ptr<const Metric> make_network_metric(const RunConfig& config);

/// The metric "network_sgd": sgd_to_flow, sqrt(sum_i m_i |X_i - Y_i|^2 / M) between the measured neurons X and the
/// neurons Y of `flow` integrated by dopri5 (rtol 1e-10) from the state the metric sees first (t0) to each output time.
std::unique_ptr<const Metric> make_sgd_flow_metric(std::unique_ptr<VelocityField> flow);

}  // namespace blobflow
