// The metrics of a run (metrics.hpp): the energy, moments, distances to the truth, distances to the steady state and
// divergences of the blob density against the target, and the key table, kOutputKeys, of the values they set.
#include "blobflow/studies/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numbers>
#include <stdexcept>
#include <string>

#include "blobflow/analysis/divergences.hpp"
#include "blobflow/analysis/mmd.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/semidiscrete_ot.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/coverage.hpp"
#include "blobflow/studies/network_run.hpp"

namespace blobflow {
namespace {

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double c) { return std::isfinite(c); });
}

/// The reasons a run does not write a key, each given the facts of the run.
std::string_view always(const RunFacts&) { return ""; }
std::string_view no_truth(const RunFacts& f) {
  if (f.exact || f.reference) return "";
  if (!f.blob) return "a sampler other than the blob method is measured against rhobar (w2_steady, mmd), not a flow";
  if (!f.follows_equation)
    return "Lloyd's agents and runs with drop-outs do not follow the equation's flow: they are measured against rhobar "
           "(w2_steady, coverage_cost)";
  return "the problem has no exact solution in blobflow (none with a target, an interaction or a potential other "
         "than |x|^2/2) and no reference solution (those exist in 1D, with a target or a potential)";
}
std::string_view no_truth_1d(const RunFacts& f) {
  if (f.dimension != 1) return "W1 and W-inf to the truth are computed in 1D only (W2 in every dimension)";
  return no_truth(f);
}
std::string_view no_semidiscrete_solve(const RunFacts& f) {
  if (f.dimension == 1) return "the 1D distances are exact formulas, not a Newton solve";
  return no_truth(f);
}
std::string_view no_exact(const RunFacts& f) {
  if (f.exact) return "";
  return f.reference ? "the truth is a numerical reference solution, which has no exact energy or second moment"
                     : no_truth(f);
}
std::string_view no_exact_energy(const RunFacts& f) {
  if (f.exact && !f.exact_energy)
    return "the exact solution has no continuum energy comparable with E_eps (m = 1: the blobs' own entropy)";
  return no_exact(f);
}
std::string_view no_target_box(const RunFacts& f) {
  if (f.target_box) return "";
  return f.target ? "the target has no box to compare the densities on"
                  : "only wpme runs with a target (not rhobar == 1 on R^d) compare the blob density with it";
}
std::string_view no_steady_state(const RunFacts& f) {
  if (f.steady_state || !f.target_box) return no_target_box(f);
  return "the steady state is a law blobflow integrates in 2D and 3D only for uniform-box, piecewise and floorless "
         "gaussian and mixture targets (with a floor rhobar has infinite mass on R^d)";
}
std::string_view no_steady_state_1d(const RunFacts& f) {
  if (f.dimension != 1)
    return "W1 to the steady state and its quantization floor are computed in 1D only (W2 in every dimension)";
  return no_steady_state(f);
}
std::string_view no_steady_state_solve(const RunFacts& f) {
  if (f.dimension == 1) return "the 1D distances are exact formulas, not a Newton solve";
  return no_steady_state(f);
}

std::string_view no_normal_target(const RunFacts& f) {
  if (f.normal_target) return "";
  return "the mmd has a closed form against gaussian and mixture targets without a floor only";
}
std::string_view no_target_moments(const RunFacts& f) {
  if (f.target_moments) return "";
  return "the moments of rhobar / int rhobar are known for floorless gaussian and mixture targets and for "
         "piecewise-constant ones (uniform box, piecewise) only";
}

std::string_view no_region(const RunFacts& f) {
  if (f.region) return "";
  return "the coverage metrics are measured on a region: set coverage.region_lo and region_hi";
}

std::string_view no_second_moment_rate(const RunFacts& f) {
  if (f.second_moment_rate) return "";
  return "the continuum d/dt int |x|^2 rho is a known constant only for pme with m = 1 and no potential, without an "
         "interaction or with the Newtonian one (docs/math.md §4.7)";
}

std::string_view no_network_minimizer(const RunFacts& f) {
  if (f.network_minimizer) return "";
  return "rho_inf and R_inf are computed for equation \"network\" with piecewise-constant data nu (uniform box, "
         "piecewise) in 1D and 2D (docs/math.md §10.3)";
}
std::string_view no_network_minimizer_solve(const RunFacts& f) {
  if (f.network_minimizer && f.dimension == 1) return "the 1D distance is an exact formula, not a Newton solve";
  return no_network_minimizer(f);
}
std::string_view no_sgd(const RunFacts& f) {
  if (f.sgd) return "";
  return "only network runs trained by SGD (network.training = \"sgd\") are compared with the flow";
}

/// The per-run numbers of summary.json's metrics that fits may name.
constexpr SummaryKey kSummaryKeys[] = {
    {"quantization_floor_w2", "W2 of N equal weights at the steady law's quantile midpoints (docs/math.md §2.5)",
     no_steady_state_1d},
    {"second_moment_rate_exact", "the continuum's constant d/dt int |x|^2 rho (docs/math.md §4.7)",
     no_second_moment_rate},
};

/// The keys of summary.json's outputs[], in its order: name, meaning, the name() of the metric that sets it, and
/// why a run does not.
constexpr OutputKey kOutputKeys[] = {
    {"w1", "W1 to the truth (1D)", "truth", no_truth_1d},
    {"w2", "W2 to the truth (exact in 1D; semi-discrete transport in 2D and 3D, docs/math.md §6.1)", "truth",
     no_truth},
    {"w2_residual", "2D, 3D: max_i |m_i - nu_i| of the semi-discrete solve behind w2 (the cells' masses against the "
                    "particles')", "truth", no_semidiscrete_solve},
    {"winf", "W-infinity to the truth (1D)", "truth", no_truth_1d},
    {"energy", "the regularized energy E_eps of the particles", "energy", always},
    {"energy_exact", "the continuum energy of the exact solution", "truth", no_exact_energy},
    {"mass", "sum_i m_i", "moments", always},
    {"second_moment", "sum_i m_i |x_i|^2", "moments", always},
    {"second_moment_exact", "int |x|^2 u(x, t) dx of the exact solution", "truth", no_exact},
    {"kl", "KL(blob density | rhobar) on the target's box", "divergences", no_target_box},
    {"kl_quadrature_error", "the quadrature error of kl", "divergences", no_target_box},
    {"chi2", "chi^2(blob density | rhobar) on the target's box", "divergences", no_target_box},
    {"chi2_quadrature_error", "the quadrature error of chi2", "divergences", no_target_box},
    {"w1_steady", "W1 to the steady state rhobar / int rhobar (1D)", "steady_state", no_steady_state_1d},
    {"w2_steady", "W2 to the steady state rhobar / int rhobar (exact in 1D; semi-discrete transport in 2D and 3D)",
     "steady_state", no_steady_state},
    {"w2_steady_residual", "2D, 3D: max_i |m_i - nu_i| of the semi-discrete solve behind w2_steady", "steady_state",
     no_steady_state_solve},
    {"mmd",
     "MMD to rhobar / int rhobar, Gaussian kernel of width sampling.mmd_length, closed form (docs/math.md §8.4)",
     "sampling", no_normal_target},
    {"mean_error", "|mean of the particles - mean of rhobar / int rhobar| (Euclidean)", "sampling",
     no_target_moments},
    {"covariance_error", "Frobenius norm of the particles' covariance minus that of rhobar / int rhobar", "sampling",
     no_target_moments},
    {"coverage_cost", "the coverage cost H of the agents' Voronoi cells in coverage's region (docs/math.md §9)",
     "coverage", no_region},
    {"min_distance", "the smallest distance between two agents", "coverage", no_region},
    {"outside_distance", "the largest distance of an agent from the region", "coverage", no_region},
    {"neighbours_mean", "agents within the reach of an agent's velocity (lloyd: Voronoi neighbours), mean",
     "coverage", no_region},
    {"neighbours_max", "the same, the largest count", "coverage", no_region},
    {"risk_minimum", "R_inf, the least continuum risk over densities of the neurons' mass (docs/math.md §10.3)",
     "network", no_network_minimizer},
    {"risk_excess", "R - R_inf, the run's energy R (the risk) above it", "network", no_network_minimizer},
    {"w2_minimizer", "W2 of the neurons to the minimizer rho_inf (1D exact, where rho_inf lies on one interval; 2D "
                     "semi-discrete transport); empty where part of rho_inf's mass lies off nu's support",
     "network", no_network_minimizer},
    {"w2_minimizer_residual", "2D: max_i |m_i - nu_i| of the semi-discrete solve behind w2_minimizer", "network",
     no_network_minimizer_solve},
    {"sgd_to_flow", "SGD: sqrt(sum_i m_i |X_i - Y_i|^2 / M), X the SGD neurons, Y those of the mean-field flow from "
                    "the same start at the same time", "network_sgd", no_sgd},
};

/// Mean and covariance (d x d, row-major) of a law.
struct Moments {
  std::array<double, 3> mean{};
  std::array<double, 9> covariance{};
};

/// The moments of the steady state rhobar / int rhobar where they are known exactly: mixtures of normals from
/// their components; piecewise-constant targets on the hull of their pieces (the floor there, the pieces on top),
/// each box contributing its mass, centre and per-coordinate second moment (lo^2 + lo hi + hi^2) / 3.
std::optional<Moments> target_moments(const Target& target) {
  const auto d = static_cast<std::size_t>(target.dimension());
  std::vector<std::pair<double, Moments>> parts;  // weight, moments (covariance slot holds E[x x^T] here)
  if (const std::vector<NormalComponent> normals = target.normal_components(); !normals.empty()) {
    for (const NormalComponent& c : normals) {
      Moments m{.mean = c.mean};
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j) m.covariance[i * d + j] = c.covariance[i * d + j] + c.mean[i] * c.mean[j];
      parts.emplace_back(c.weight, m);
    }
  } else if (const PiecewiseInverse* pieces = target.piecewise_inverse()) {
    const AxisBox hull = *target.box();
    const auto box_part = [&](const std::array<double, 3>& lo, const std::array<double, 3>& hi, double value) {
      Moments m;
      double volume = 1.0;
      for (std::size_t i = 0; i < d; ++i) {
        volume *= hi[i] - lo[i];
        m.mean[i] = 0.5 * (lo[i] + hi[i]);
      }
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j)
          m.covariance[i * d + j] =
              i == j ? (lo[i] * lo[i] + lo[i] * hi[i] + hi[i] * hi[i]) / 3.0 : m.mean[i] * m.mean[j];
      parts.emplace_back(value * volume, m);
    };
    box_part(hull.lo, hull.hi, 1.0 / pieces->outside);
    for (const InverseDensityBox& b : pieces->boxes) box_part(b.lo, b.hi, 1.0 / b.inverse - 1.0 / pieces->outside);
  } else {
    return std::nullopt;
  }
  double total = 0.0;
  Moments out;
  for (const auto& [w, m] : parts) {
    total += w;
    for (std::size_t i = 0; i < d; ++i) out.mean[i] += w * m.mean[i];
    for (std::size_t k = 0; k < d * d; ++k) out.covariance[k] += w * m.covariance[k];
  }
  for (std::size_t i = 0; i < d; ++i) out.mean[i] /= total;
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j)
      out.covariance[i * d + j] = out.covariance[i * d + j] / total - out.mean[i] * out.mean[j];
  return out;
}

/// The regularized energy E_eps of the particles, evaluated by the run for its diagnostics.
class EnergyMetric final : public Metric {
 public:
  std::string_view name() const override { return "energy"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override { out.set("energy", in.energy); }
};

/// Mass and second moment of the particles.
class MomentsMetric final : public Metric {
 public:
  explicit MomentsMetric(int d) : dim_(static_cast<std::size_t>(d)) {}
  std::string_view name() const override { return "moments"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    double mass = 0.0, second_moment = 0.0;
    for (std::size_t i = 0; i < in.masses.size(); ++i) {
      mass += in.masses[i];
      for (std::size_t k = 0; k < dim_; ++k) second_moment += in.masses[i] * in.x[i * dim_ + k] * in.x[i * dim_ + k];
    }
    out.set("mass", mass);
    out.set("second_moment", second_moment);
  }

 private:
  std::size_t dim_;
};

/// W1, W2, W-inf to the truth's law (1D; W2 by semi-discrete transport in 2D and 3D), between the probability measures
/// obtained by dividing each measure by its mass; the exact energy and second moment where the truth is exact.
class TruthMetric final : public Metric {
 public:
  explicit TruthMetric(const Truth& truth) : truth_(truth) {}
  std::string_view name() const override { return "truth"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    if (const ExactSolution* u = truth_.exact()) {
      out.set("second_moment_exact", u->second_moment(in.t));
      out.set("energy_exact", u->energy(in.t));
    }
    if (const auto law = truth_.law_nd(in.t); law && all_finite(in.x)) {
      const analysis::SemiDiscreteResult r = analysis::semidiscrete_w2(in.x, in.masses, *law);
      out.set("w2", r.w2);
      out.set("w2_residual", r.residual);
    }
    if (const auto law = truth_.law(in.t)) {
      const analysis::WassersteinDistances w = analysis::wasserstein_1d(in.x, in.masses, *law);
      out.set("w1", w.w1);
      out.set("w2", w.w2);
      out.set("winf", w.winf);
    }
  }

 private:
  const Truth& truth_;
};

/// The distances to the steady state rhobar / int rhobar of wpme with a target (docs/math.md §2.2): in 1D W1 and W2,
/// exact for piecewise-constant targets (on their support), within a cell of kSteadyStateCells for Gaussian and
/// mixtures (steady_state_law_of); in 2D and 3D W2 by semi-discrete transport with its residual (steady_state_law_nd).
class SteadyStateMetric final : public Metric {
 public:
  explicit SteadyStateMetric(std::shared_ptr<const analysis::Law1D> steady) : steady_1d_(std::move(steady)) {}
  explicit SteadyStateMetric(std::shared_ptr<const analysis::LawND> steady) : steady_nd_(std::move(steady)) {}
  std::string_view name() const override { return "steady_state"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    if (!all_finite(in.x)) return;
    if (steady_1d_) {
      const analysis::WassersteinDistances w = analysis::wasserstein_1d(in.x, in.masses, *steady_1d_);
      out.set("w1_steady", w.w1);
      out.set("w2_steady", w.w2);
    } else {
      const analysis::SemiDiscreteResult r = analysis::semidiscrete_w2(in.x, in.masses, *steady_nd_);
      out.set("w2_steady", r.w2);
      out.set("w2_steady_residual", r.residual);
    }
  }

 private:
  std::shared_ptr<const analysis::Law1D> steady_1d_;
  std::shared_ptr<const analysis::LawND> steady_nd_;
};

/// KL and chi^2 of the blob density zeta_eps * rho^N against rhobar on the target's box, both normalized there, with
/// their quadrature errors (docs/math.md §6).
class DivergenceMetric final : public Metric {
 public:
  DivergenceMetric(analysis::BoxGrid grid, std::shared_ptr<const Target> target, analysis::PointFunction zeta)
      : grid_(grid), target_(std::move(target)), zeta_(std::move(zeta)) {
    rhobar_ = [t = target_](std::span<const double> y) { return t->density(y); };
  }
  std::string_view name() const override { return "divergences"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    if (!all_finite(in.x)) return;
    const analysis::Divergences div = analysis::blob_divergences(grid_, in.x, in.masses, zeta_, rhobar_);
    if (div.status != analysis::DivergenceStatus::ok) return;
    out.set("kl", div.kl.value);
    out.set("chi2", div.chi2.value);
    out.set("kl_quadrature_error", div.kl.quadrature_error);
    out.set("chi2_quadrature_error", div.chi2.quadrature_error);
  }

 private:
  analysis::BoxGrid grid_;
  std::shared_ptr<const Target> target_;
  analysis::PointFunction zeta_, rhobar_;
};

/// The sampling yardsticks (docs/math.md §8.4): the MMD in closed form against floorless gaussian and mixture
/// targets, and the errors of the mean and covariance against those of rhobar / int rhobar.
class SamplingMetric final : public Metric {
 public:
  SamplingMetric(const Target& target, double length) : moments_(target_moments(target)), length_(length) {
    for (const NormalComponent& c : target.normal_components())
      mixture_.push_back({.weight = c.weight, .mean = c.mean, .covariance = c.covariance});
    dim_ = target.dimension();
  }
  std::string_view name() const override { return "sampling"; }
  void measure(const MetricInput& in, OutputMetrics& out) const override {
    if (!all_finite(in.x)) return;
    if (!mixture_.empty()) out.set("mmd", analysis::mmd_to_normal_mixture(in.x, in.masses, dim_, mixture_, length_));
    if (!moments_) return;
    const auto d = static_cast<std::size_t>(dim_);
    double mass = 0.0;
    std::array<double, 3> mean{};
    std::array<double, 9> second{};
    for (std::size_t i = 0; i < in.masses.size(); ++i) {
      mass += in.masses[i];
      for (std::size_t k = 0; k < d; ++k) mean[k] += in.masses[i] * in.x[i * d + k];
    }
    for (std::size_t k = 0; k < d; ++k) mean[k] /= mass;
    for (std::size_t i = 0; i < in.masses.size(); ++i)
      for (std::size_t k = 0; k < d; ++k)
        for (std::size_t l = 0; l < d; ++l)
          second[k * d + l] += in.masses[i] * (in.x[i * d + k] - mean[k]) * (in.x[i * d + l] - mean[l]);
    double mean_error = 0.0, covariance_error = 0.0;
    for (std::size_t k = 0; k < d; ++k) mean_error += (mean[k] - moments_->mean[k]) * (mean[k] - moments_->mean[k]);
    for (std::size_t k = 0; k < d * d; ++k) {
      const double e = second[k] / mass - moments_->covariance[k];
      covariance_error += e * e;
    }
    out.set("mean_error", std::sqrt(mean_error));
    out.set("covariance_error", std::sqrt(covariance_error));
  }

 private:
  std::optional<Moments> moments_;
  std::vector<analysis::NormalTerm> mixture_;
  double length_;
  int dim_ = 1;
};

/// Throws std::logic_error where `out` holds a key whose metric in the key table is none of `done`, the metrics
/// measured so far: the last of them set a key of another.
void check_key_owners(std::span<const std::unique_ptr<const Metric>> done, const OutputMetrics& out) {
  for (std::size_t k = 0; k < std::size(kOutputKeys); ++k) {
    if (!out.value(k)) continue;
    const auto owns = [&](const auto& metric) { return metric->name() == kOutputKeys[k].metric; };
    if (std::none_of(done.begin(), done.end(), owns))
      throw std::logic_error("metric '" + std::string(done.back()->name()) + "' set the output key '" +
                             std::string(kOutputKeys[k].name) + "', which belongs to '" +
                             std::string(kOutputKeys[k].metric) + "'");
  }
}

/// W2 of N equal-weight particles at the quantile midpoints Q((i + 1/2)/N) of `law` against it: the quantization
/// floor of docs/math.md §2.5, (int_S dx/rhobar_n)^(1/2) / (sqrt(12) N) asymptotically, computed exactly here.
double quantization_floor_w2(const analysis::Law1D& law, std::size_t n) {
  std::vector<double> x(n);
  const std::vector<double> w(n, 1.0 / static_cast<double>(n));
  for (std::size_t i = 0; i < n; ++i) x[i] = law.quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n));
  return analysis::wasserstein_1d(x, w, law).w2;
}

/// The target of a wpme run with a target other than rhobar == 1 on R^d, else null.
std::shared_ptr<const Target> run_target(const RunConfig& config, int d) {
  if (!equation_has_target(config.problem.equation) || is_uniform_on_whole_space(config.target)) return nullptr;
  if (config.problem.equation == kNetworkEquationName) return nullptr;  // [target] is nu, not rhobar
  return make_target(config.target, d);
}

}  // namespace

/// Piecewise-constant targets: exact, on the hull of their pieces (the floor outside has infinite mass on R, so the
/// support is where the steady state lives). Gaussian and mixture targets: kSteadyStateCells cells of the target's
/// box (mean +- 6 sd, outside < 2e-9 of the mass), each with its Simpson-rule mass, so the law is within one cell
/// width (W-inf) of the exact one.
std::shared_ptr<const analysis::Law1D> steady_state_law_of(const Target& target) {
  const std::optional<AxisBox> box = target.dimension() == 1 ? target.box() : std::nullopt;
  if (!box) return nullptr;
  const auto rhobar = [&target](double y) { return target.density(std::span<const double>(&y, 1)); };
  std::vector<double> edges, masses;
  if (const PiecewiseInverse* pieces = target.piecewise_inverse()) {
    for (const InverseDensityBox& b : pieces->boxes) edges.insert(edges.end(), {b.lo[0], b.hi[0]});
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    for (std::size_t j = 0; j + 1 < edges.size(); ++j)
      masses.push_back(rhobar(0.5 * (edges[j] + edges[j + 1])) * (edges[j + 1] - edges[j]));
  } else {
    const double width = (box->hi[0] - box->lo[0]) / static_cast<double>(kSteadyStateCells);
    for (std::size_t j = 0; j <= kSteadyStateCells; ++j) edges.push_back(box->lo[0] + width * static_cast<double>(j));
    for (std::size_t j = 0; j < kSteadyStateCells; ++j)
      masses.push_back(width * (rhobar(edges[j]) + 4.0 * rhobar(0.5 * (edges[j] + edges[j + 1])) + rhobar(edges[j + 1])) /
                       6.0);
  }
  return std::make_shared<const analysis::PiecewiseConstantLaw1D>(edges, masses);
}

static analysis::Box law_box(int d, const std::array<double, 3>& lo, const std::array<double, 3>& hi) {
  return analysis::Box{.dimension = d, .lo = lo, .hi = hi};
}

std::shared_ptr<const analysis::LawND> steady_state_law_nd(const Target& target) {
  return target.dimension() == 1 ? nullptr : target_law(target);
}

std::shared_ptr<const analysis::LawND> target_law(const Target& target) {
  const int d = target.dimension();
  if (const PiecewiseInverse* pieces = target.piecewise_inverse()) {
    const AxisBox hull = *target.box();
    std::vector<analysis::PiecewiseConstantLawND::Piece> parts;
    for (const InverseDensityBox& b : pieces->boxes) parts.push_back({law_box(d, b.lo, b.hi), 1.0 / b.inverse});
    return std::make_shared<const analysis::PiecewiseConstantLawND>(law_box(d, hull.lo, hull.hi),
                                                                    1.0 / pieces->outside, std::move(parts));
  }
  const std::vector<NormalComponent> normals = target.normal_components();
  if (normals.empty()) return nullptr;
  std::vector<double> weights;
  std::vector<std::shared_ptr<const analysis::LawND>> laws;
  for (const NormalComponent& c : normals) {
    weights.push_back(c.weight);
    laws.push_back(std::make_shared<const analysis::GaussianLawND>(
        d, c.mean, std::span(c.covariance).first(static_cast<std::size_t>(d * d))));
  }
  if (laws.size() == 1) return laws.front();
  return std::make_shared<const analysis::MixtureLaw>(std::move(weights), std::move(laws));
}

namespace {

}  // namespace

std::span<const OutputKey> output_keys() { return kOutputKeys; }

std::span<const SummaryKey> summary_keys() { return kSummaryKeys; }

std::optional<double> second_moment_rate_exact(const RunConfig& config) {
  const auto& p = config.problem;
  const std::string& interaction = config.interaction.kind;
  if (p.equation != "pme" || config.exponent() != 1.0 || config.potential.kind != "none" ||
      (interaction != "none" && interaction != "newtonian"))
    return std::nullopt;
  const double diffusion = 2.0 * p.dimension * p.mass;  // int |x|^2 Lap rho = 2 d M
  if (interaction == "none") return diffusion;
  // Symmetrized, the pair term is -int int rho rho (x - y) . grad W(x - y) with z . grad W(z) = chi / (2 pi).
  return diffusion - config.interaction.chi * p.mass * p.mass / (2.0 * std::numbers::pi);
}

RunFacts run_facts(const RunConfig& config) {
  RunFacts f;
  f.dimension = config.problem.dimension;
  const std::shared_ptr<const ExactSolution> exact = exact_solution_of(config);
  f.exact = exact != nullptr && config.follows_equation();
  f.exact_energy = exact && exact->energy(config.problem.t0).has_value();
  f.reference = uses_reference_solution(config, f.exact);
  f.blob = config.sampling.sampler == "blob";
  f.follows_equation = config.follows_equation();
  const std::shared_ptr<const Target> target = run_target(config, f.dimension);
  f.target = target != nullptr;
  f.target_box = target && target->box().has_value();
  f.steady_state = f.dimension == 1 ? f.target_box : target && steady_state_law_nd(*target);
  f.second_moment_rate = second_moment_rate_exact(config).has_value();
  f.normal_target = target && !target->normal_components().empty();
  f.target_moments = target && target_moments(*target).has_value();
  f.region = config.has_region();
  const std::string& nu = config.target.kind;
  f.network_minimizer = config.problem.equation == kNetworkEquationName && f.dimension <= 2 &&
                        (nu == "uniform" || nu == "piecewise");
  f.sgd = trains_by_sgd(config);
  return f;
}

std::string why_unwritten(const RunConfig& config, std::string_view key) {
  for (const SummaryKey& k : kSummaryKeys)
    if (k.name == key) return std::string(k.unwritten(run_facts(config)));
  return std::string(kOutputKeys[output_key_index(key)].unwritten(run_facts(config)));
}

std::size_t output_key_index(std::string_view name) {
  for (std::size_t k = 0; k < std::size(kOutputKeys); ++k)
    if (kOutputKeys[k].name == name) return k;
  throw std::logic_error("'" + std::string(name) + "' is not an output key (metrics.cpp, kOutputKeys)");
}

OutputMetrics::OutputMetrics() : values_(std::size(kOutputKeys)) {}

std::optional<double> OutputMetrics::get(std::string_view name) const { return values_[output_key_index(name)]; }

void OutputMetrics::set(std::string_view name, std::optional<double> value) { values_[output_key_index(name)] = value; }

OutputMetrics RunMetrics::measure(const MetricInput& in) const {
  OutputMetrics out;
  out.t = in.t;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    metrics[i]->measure(in, out);
    check_key_owners(std::span(metrics).first(i + 1), out);
  }
  return out;
}

RunMetrics make_metrics(const RunConfig& config, const Truth* truth, double epsilon, std::size_t n_particles) {
  const int d = config.problem.dimension;
  RunMetrics out;
  out.second_moment_rate_exact = second_moment_rate_exact(config);
  out.metrics.push_back(std::make_unique<const EnergyMetric>());
  out.metrics.push_back(std::make_unique<const MomentsMetric>(d));
  if (truth) out.metrics.push_back(std::make_unique<const TruthMetric>(*truth));
  const std::shared_ptr<const Target> target = run_target(config, d);
  if (const auto steady = target ? steady_state_law_of(*target) : nullptr) {
    out.quantization_floor_w2 = quantization_floor_w2(*steady, n_particles);
    out.metrics.push_back(std::make_unique<const SteadyStateMetric>(steady));
  } else if (const auto steady_nd = target ? steady_state_law_nd(*target) : nullptr) {
    out.metrics.push_back(std::make_unique<const SteadyStateMetric>(steady_nd));
  }
  if (target && (!target->normal_components().empty() || target_moments(*target)))
    out.metrics.push_back(std::make_unique<const SamplingMetric>(*target, config.sampling.mmd_length));
  if (const std::optional<AxisBox> box = target ? target->box() : std::nullopt) {
    out.target_box = box;
    analysis::BoxGrid grid;
    grid.dimension = d;
    grid.cells_per_axis = kDivergenceCells[d];
    grid.lo = box->lo, grid.hi = box->hi;
    out.metrics.push_back(std::make_unique<const DivergenceMetric>(
        grid, target, mollifier_function(config.discretization.mollifier, d, epsilon)));
  }
  if (config.has_region()) out.metrics.push_back(make_coverage_metric(NeighbourCounter::of(config, epsilon)));
  if (config.problem.equation == kNetworkEquationName)
    if (auto network = make_network_metric(config)) out.metrics.push_back(std::move(network));
  return out;
}

}  // namespace blobflow
