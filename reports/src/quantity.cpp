// The declared symbols and units of metrics and axes (see quantity.hpp). The metrics are those of summary.json's
// outputs[] (docs/architecture.md "Files a run writes"); the axes the run keys studies sweep.
#include "blobflow/reports/quantity.hpp"

#include "blobflow/analysis/rate_fit.hpp"

#include <array>

namespace blobflow::reports {
namespace {

struct Declared {
  std::string_view key;
  Quantity q;
};

/// One entry per key: plain text, gnuplot enhanced text, LaTeX math, unit.
const std::array kDeclared = {
    // Distances to the truth (the exact solution or the reference solver), docs/math.md §6.
    Declared{"w1", {"W1", "W_1", "W_1", ""}},
    Declared{"w2", {"W2", "W_2", "W_2", ""}},
    Declared{"winf", {"W∞", "W_∞", "W_\\infty", ""}},
    Declared{"w1_steady", {"W1 to ρ̄", "W_1(ρ, ρ̄)", "W_1(\\rho, \\bar\\rho)", ""}},
    Declared{"w2_steady", {"W2 to ρ̄", "W_2(ρ, ρ̄)", "W_2(\\rho, \\bar\\rho)", ""}},
    Declared{"quantization_floor_w2", {"W2 floor", "W_2 floor", "W_2^{\\mathrm{floor}}", ""}},
    // The regularized energy and the moments.
    Declared{"energy", {"E_ε", "E_ε", "E_\\varepsilon", ""}},
    Declared{"energy_exact", {"E", "E", "E", ""}},
    Declared{"energy_error", {"|E_ε − E|", "|E_ε − E|", "|E_\\varepsilon - E|", ""}},
    Declared{"mass", {"M", "M", "M", ""}},
    Declared{"second_moment", {"M2", "M_2", "M_2", ""}},
    Declared{"second_moment_exact", {"M2 exact", "M_2^{exact}", "M_2^{\\mathrm{exact}}", ""}},
    Declared{"second_moment_error", {"|M2 − M2 exact|", "|M_2 − M_2^{exact}|", "|M_2 - M_2^{\\mathrm{exact}}|", ""}},
    // Divergences against the target and the sampling and coverage metrics.
    Declared{"kl", {"KL", "KL", "\\mathrm{KL}", ""}},
    Declared{"chi2", {"χ²", "χ^2", "\\chi^2", ""}},
    Declared{"mmd", {"MMD", "MMD", "\\mathrm{MMD}", ""}},
    Declared{"mean_error", {"mean error", "mean error", "|m - \\bar m|", ""}},
    Declared{"covariance_error", {"covariance error", "covariance error", "\\|C - \\bar C\\|_F", ""}},
    Declared{"coverage_cost", {"H", "H", "H", ""}},
    Declared{"risk_excess", {"R − R∞", "R − R_∞", "R - R_\\infty", ""}},
    Declared{"w2_minimizer", {"W2 to ρ∞", "W_2(ρ^N, ρ_∞)", "W_2(\\rho^N, \\rho_\\infty)", ""}},
    Declared{"sgd_to_flow", {"|X_SGD − X_flow|", "|X_{SGD} − X_{flow}|", "|X_{\\mathrm{SGD}} - X_{\\mathrm{flow}}|", ""}},
    Declared{"min_distance", {"min distance", "min_{i≠j} |x_i − x_j|", "\\min_{i \\ne j} |x_i - x_j|", ""}},
    // Axes: the swept run keys, time and cost.
    Declared{"discretization.particles", {"N", "N", "N", ""}},
    Declared{"discretization.epsilon", {"ε", "ε", "\\varepsilon", ""}},
    Declared{"integrator.dt", {"Δt", "Δt", "\\Delta t", ""}},
    Declared{"network.batch", {"B", "B", "B", ""}},
    Declared{"network.step", {"τ", "τ", "\\tau", ""}},
    Declared{"integrator.rtol", {"rtol", "rtol", "\\mathrm{rtol}", ""}},
    Declared{"t", {"t", "t", "t", ""}},
    Declared{"x", {"x", "x", "x", ""}},
    Declared{"wall_seconds", {"wall time", "wall time", "\\mathrm{wall\\ time}", "s"}},
};

/// The typewriter form of an undeclared key in LaTeX math.
std::string texttt(std::string_view key) { return "\\texttt{" + latex_text(key) + "}"; }

}  // namespace

Quantity quantity(std::string_view key) {
  for (const Declared& d : kDeclared)
    if (d.key == key) return d.q;
  const std::string k(key);
  return {k, k, texttt(key), "", false};
}

Quantity error_quantity(std::string_view metric, bool compare_to_reference) {
  Quantity q = quantity(metric);
  if (!compare_to_reference) return q;
  return {"|" + q.plain + " − reference|", "|" + q.gnuplot + " − " + q.gnuplot + "^{ref}|",
          "|" + q.latex + " - " + q.latex + "^{\\mathrm{ref}}|", q.unit, q.declared};
}

std::string axis_label_plain(const Quantity& q) { return q.plain + (q.unit.empty() ? "" : " [" + q.unit + "]"); }
std::string axis_label_gnuplot(const Quantity& q) { return q.gnuplot + (q.unit.empty() ? "" : " [" + q.unit + "]"); }
std::string axis_label_latex(const Quantity& q) {
  return "$" + q.latex + "$" + (q.unit.empty() ? "" : " [" + latex_text(q.unit) + "]");
}

std::string latex_text(std::string_view s) { return analysis::latex_text(s); }

}  // namespace blobflow::reports
