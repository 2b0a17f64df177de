// Two-layer networks with radial-bump neurons in the mean-field scaling (docs/math.md §10): the neurons zeta_eps with
// trainable centres X_i and output weights m_i (1/N for the mean-field network) give the network
//   f_N(y) = sum_j m_j zeta_eps(y - X_j) = (zeta_eps * rho^N)(y),
// fitted to a target function f* under a data density nu with the risk
//   R(X) = 1/2 int (f_N(y) - f*(y))^2 nu(y) dy.
// The mean-field training flow dX_i/dt = -(1/m_i) grad_(X_i) R = -grad[zeta_eps * ((zeta_eps * rho^N - f*) nu)](X_i)
// is the wpme velocity with 1/rhobar = nu (wpme_targets.hpp) plus the external potential V_eps = -zeta_eps * (f* nu).
// This header holds what a configuration says about f* (NetworkFunctionSpec), f* itself, the data density as the
// target of that wpme field (1/rhobar = nu, with nu = 0 off its support), and the constant 1/2 int f*^2 nu that
// turns the wpme energy plus the potential into the risk. The field itself is built by make_velocity_field for
// equation "network" (velocity_field.cpp): WpmeQuadratureTarget with the offset f* on its lattice.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "blobflow/solvers/registry.hpp"
#include "blobflow/solvers/targets.hpp"

namespace blobflow {

/// The name of the network equation (EquationRegistry, equations.hpp).
inline constexpr std::string_view kNetworkEquationName = "network";

/// The target function f* of a network run (config section [network]).
struct NetworkFunctionSpec {
  /// "zero" (f* = 0: the network flow is the wpme flow with rhobar = 1/nu), "quadratic" or "mixture".
  std::string kind = "zero";
  /// quadratic: f*(y) = height - curvature/2 |y - center|^2 (concave for curvature >= 0).
  double height = 1.0;
  double curvature = 1.0;
  std::vector<double> center;  ///< quadratic: empty (the origin), or d entries
  /// mixture: f*(y) = sum_k weights_k G_k(y), G_k the normalized isotropic Gaussian of mean means[k d .. k d + d)
  /// and standard deviation widths_k; the weights may have either sign (non-zero, finite).
  std::vector<double> weights;
  std::vector<double> means;
  std::vector<double> widths;
};

/// The f* kinds, in the order a listing prints them.
std::span<const ComponentInfo> network_function_registry();

/// f* as a function of a point of R^d (d coordinates).
using NetworkFunction = std::function<double(std::span<const double>)>;

/// Builds f* of `spec` in `dimension` dimensions.
/// \throws std::invalid_argument naming the key ("network.weights = ...: rule") for a bad kind or parameter,
/// a non-finite parameter included.
NetworkFunction make_network_function(const NetworkFunctionSpec& spec, int dimension);

/// The data density nu of a network run as the target of the wpme field with 1/rhobar = nu: its
/// inverse_density(y) is nu(y), its density(y) 1/nu(y) (+infinity off the support), and for a uniform box or
/// piecewise data its piecewise_inverse holds nu's boxes with 0 outside (so cell_inverse_density is the exact cell
/// mean of nu). `data` is a target spec of kind uniform (with a box), piecewise, gaussian or mixture; its floor is
/// ignored (nu = 0 off a bounded support).
/// \throws std::invalid_argument naming the target key for another kind, a bad parameter, or a data density without
/// mass.
std::shared_ptr<const Target> make_network_data(const TargetSpec& data, int dimension);

/// 1/2 int f*^2 nu: the constant that makes the energy of the wpme field with offset f* (WpmeQuadratureTarget::
/// set_offset) the risk R. Piecewise-constant nu: box by box by Gauss-Legendre panels of width about dy (exact for a
/// quadratic f*); smooth nu: the lattice sum 1/2 dy^d sum_k nu(y_k) f*(y_k)^2 over the data's box widened by its
/// width on each side (spectrally accurate, as the field's quadrature).
double network_risk_constant(const Target& data, const NetworkFunction& f, double dy);

}  // namespace blobflow
