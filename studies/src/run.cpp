// The run driver: one configuration in, metrics and files out (DESIGN.md data flow, "each run").
#include "blobflow/studies/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <fstream>

#include "blobflow/analysis/divergences.hpp"
#include "blobflow/analysis/finite_volume1d.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/piecewise_law1d.hpp"
#include "blobflow/analysis/reference_solver1d.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/build_info.hpp"
#include "blobflow/solvers/potentials.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/density_table.hpp"
#include "blobflow/studies/expression.hpp"

namespace blobflow {
namespace {

/// Random placement in d > 1 bounds the data by their value at the origin times (1 + this): a bound only needs to
/// hold, and the margin covers rounding in the density's evaluation away from the origin.
constexpr double kDensityBoundMargin = 1e-12;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

/// Writes a file atomically enough for our purposes: to a temporary name, then renamed.
void write_file(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary);
    out << content;
    if (!out) throw std::runtime_error(path.string() + ": cannot write the file");
  }
  std::filesystem::rename(temporary, path);
}

struct Snapshot {
  double t;
  State x;
};

/// V = |x|^2 / 2: the confinement of the exact confined solutions (exact.hpp).
bool is_unit_confinement(const PotentialSpec& v) {
  return v.kind == "quadratic" && v.strength == 1.0 &&
         std::all_of(v.center.begin(), v.center.end(), [](double c) { return c == 0.0; });
}

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double c) { return std::isfinite(c); });
}

/// The box on which KL and chi^2 against a target are computed: its support for bounded targets (uniform box,
/// piecewise: the union of the pieces), mean +- kGaussianBoxRadius standard deviations for gaussian and mixture
/// targets; empty for grid targets (their extent lives in the file) and the default rhobar == 1.
std::optional<analysis::BoxGrid> divergence_box(const TargetSpec& t, int d) {
  constexpr double kGaussianBoxRadius = 6.0;  // outside, a Gaussian holds < 2e-9 of its mass per coordinate
  analysis::BoxGrid g;
  g.dimension = d;
  g.cells_per_axis = kDivergenceCells[d];
  for (int k = 0; k < d; ++k) g.lo[k] = INFINITY, g.hi[k] = -INFINITY;
  auto widen = [&](int k, double lo, double hi) { g.lo[k] = std::min(g.lo[k], lo), g.hi[k] = std::max(g.hi[k], hi); };
  auto coordinate = [](const std::vector<double>& v, int k) { return v.size() == 1 ? v[0] : v[k]; };
  if (t.kind == "uniform" && !t.box_lo.empty()) {
    for (int k = 0; k < d; ++k) widen(k, coordinate(t.box_lo, k), coordinate(t.box_hi, k));
  } else if (t.kind == "piecewise") {
    for (const TargetBox& b : t.pieces)
      for (int k = 0; k < d; ++k) widen(k, b.lo[k], b.hi[k]);
  } else if (t.kind == "gaussian" || t.kind == "mixture") {
    const std::size_t components = t.kind == "gaussian" ? 1 : t.weights.size();
    for (std::size_t c = 0; c < components; ++c) {
      const std::vector<double>& mean = t.kind == "gaussian" ? t.mean : t.means;
      const std::vector<double>& cov = t.kind == "gaussian" ? t.covariance : t.covariances;
      for (int k = 0; k < d; ++k) {
        const double mu = mean[c * d + k];
        const double sd = std::sqrt(cov[c * d * d + k * d + k]);
        widen(k, mu - kGaussianBoxRadius * sd, mu + kGaussianBoxRadius * sd);
      }
    }
  } else {
    return std::nullopt;
  }
  return g;
}

/// The truth of a run without an exact solution: the laws of a 1D reference solution at t0 and each output time.
struct ReferenceLaws {
  std::vector<double> t;
  std::vector<analysis::PiecewiseConstantLaw1D> laws;
};

/// V(x) of the configured potential as a function of one coordinate (empty without a potential).
std::function<double(double)> potential_1d(const PotentialSpec& spec) {
  if (spec.kind == "none") return {};
  auto v = std::make_shared<const ExternalPotential>(spec, 1);
  return [v](double x) { return v->value(&x); };
}

/// wpme towards a piecewise-constant 1D target (a uniform box or pieces, with their floor): the finite-volume
/// solver (analysis::FiniteVolumeSolver1D), which does not stall when mass crosses an interior jump. The domain is
/// the hull of the target's pieces and the initial support, widened by kFiniteVolumeMargin hull widths on each side
/// and doubled while the leak into the floor reaches its ends; cells of width kFiniteVolumeCellWidth.
std::optional<ReferenceLaws> finite_volume_reference(const RunConfig& config, const analysis::Law1D& initial,
                                                     std::string& description) {
  const auto& p = config.problem;
  const std::shared_ptr<const Target> target = make_target(config.target, 1);
  std::vector<double> breaks;
  for (const TargetBox& b : config.target.pieces) breaks.insert(breaks.end(), {b.lo[0], b.hi[0]});
  if (config.target.kind == "uniform") breaks.insert(breaks.end(), {config.target.box_lo[0], config.target.box_hi[0]});
  // The initial support, up to a mass far below any accuracy claimed (finite for every initial law blobflow has).
  constexpr double kInitialTail = 1e-14;
  const double lo = std::min(*std::min_element(breaks.begin(), breaks.end()), initial.quantile(kInitialTail));
  const double hi = std::max(*std::max_element(breaks.begin(), breaks.end()), initial.quantile(1.0 - kInitialTail));
  double margin = kFiniteVolumeMargin * (hi - lo);
  std::string failure;
  for (int attempt = 0; attempt <= kFiniteVolumeDoublings; ++attempt, margin *= 2.0) {
    analysis::PiecewiseConstantTarget1D pieces;
    pieces.breakpoints = breaks;
    pieces.breakpoints.insert(pieces.breakpoints.end(), {lo - margin, hi + margin});
    std::sort(pieces.breakpoints.begin(), pieces.breakpoints.end());
    pieces.breakpoints.erase(std::unique(pieces.breakpoints.begin(), pieces.breakpoints.end()), pieces.breakpoints.end());
    for (std::size_t j = 0; j + 1 < pieces.breakpoints.size(); ++j) {
      const double mid = 0.5 * (pieces.breakpoints[j] + pieces.breakpoints[j + 1]);
      pieces.values.push_back(target->density(std::span<const double>(&mid, 1)));  // constant on the piece
    }
    analysis::FiniteVolumeOptions options;
    options.cells = static_cast<std::size_t>(std::ceil((hi - lo + 2.0 * margin) / kFiniteVolumeCellWidth));
    if (options.cells > kFiniteVolumeMaxCells) {
      failure = "the leak into the floor outruns a domain of " + std::to_string(kFiniteVolumeMaxCells) + " cells";
      break;
    }
    const analysis::FiniteVolumeSolver1D solver(pieces, potential_1d(config.potential), options);
    const analysis::FiniteVolumeSolution solution =
        solver.solve(initial, p.mass, p.t0, config.resolved_output_times());
    char domain[96];
    std::snprintf(domain, sizeof domain, "[%.3g, %.3g]", lo - margin, hi + margin);
    description = "1D reference solution (finite volume, " + std::to_string(solver.cell_rhobar().size()) +
                  " cells on " + domain + ", " + std::to_string(solution.steps_accepted) + " steps)";
    if (solution.status != analysis::ReferenceStatus::ok) {
      failure = solution.message;
      break;
    }
    if (solution.boundary_mass > kFiniteVolumeBoundaryMass) continue;  // the domain truncated the leak: widen it
    ReferenceLaws laws;
    for (const analysis::FiniteVolumeSnapshot& s : solution.snapshots) {
      laws.t.push_back(s.t);
      laws.laws.push_back(s.law());
    }
    return laws;
  }
  if (failure.empty()) failure = "the leak into the floor reaches the ends of the widest domain";
  description += " failed: " + failure;
  return std::nullopt;
}

/// The steady state of wpme, rhobar / int rhobar (MATH.md §2.2 [D]), as a law for 1D runs with a target (null for the
/// default rhobar == 1 on R, grid targets, other equations and d > 1). Piecewise-constant targets: exact, on the hull
/// of their pieces (the floor outside has infinite mass on R, so the support is where the steady state lives).
/// Gaussian and mixture targets: kSteadyStateCells cells of the divergence box (mean +- 6 sd, outside < 2e-9 of the
/// mass), each with its Simpson-rule mass, so the law is within one cell width (W-inf) of the exact one.
std::shared_ptr<const analysis::Law1D> steady_state_law(const RunConfig& config) {
  const TargetSpec& t = config.target;
  if (config.problem.dimension != 1 || config.problem.equation != "wpme" || is_uniform_on_whole_space(t) ||
      t.kind == "grid")
    return nullptr;
  const std::shared_ptr<const Target> target = make_target(t, 1);
  const auto rhobar = [&target](double y) { return target->density(std::span<const double>(&y, 1)); };
  std::vector<double> edges, masses;
  if (t.kind == "uniform" || t.kind == "piecewise") {
    for (const TargetBox& b : t.pieces) edges.insert(edges.end(), {b.lo[0], b.hi[0]});
    if (t.kind == "uniform") edges.insert(edges.end(), {t.box_lo[0], t.box_hi[0]});
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    for (std::size_t j = 0; j + 1 < edges.size(); ++j)
      masses.push_back(rhobar(0.5 * (edges[j] + edges[j + 1])) * (edges[j + 1] - edges[j]));
  } else {
    const std::optional<analysis::BoxGrid> box = divergence_box(t, 1);
    if (!box) return nullptr;
    const double width = (box->hi[0] - box->lo[0]) / static_cast<double>(kSteadyStateCells);
    for (std::size_t j = 0; j <= kSteadyStateCells; ++j) edges.push_back(box->lo[0] + width * static_cast<double>(j));
    for (std::size_t j = 0; j < kSteadyStateCells; ++j)
      masses.push_back(width * (rhobar(edges[j]) + 4.0 * rhobar(0.5 * (edges[j] + edges[j + 1])) + rhobar(edges[j + 1])) /
                       6.0);
  }
  return std::make_shared<const analysis::PiecewiseConstantLaw1D>(edges, masses);
}

/// W2 of N equal-weight particles at the quantile midpoints Q((i + 1/2)/N) of `law` against it: the quantization
/// floor of MATH.md §2.5, (int_S dx/rhobar_n)^(1/2) / (sqrt(12) N) asymptotically, computed exactly here.
double quantization_floor_w2(const analysis::Law1D& law, std::size_t n) {
  std::vector<double> x(n);
  const std::vector<double> w(n, 1.0 / static_cast<double>(n));
  for (std::size_t i = 0; i < n; ++i) x[i] = law.quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n));
  return analysis::wasserstein_1d(x, w, law).w2;
}

/// The 1D reference solution of a problem without an exact solution: wpme with any target, pme, each with an
/// optional potential; not with an interaction kernel. Piecewise-constant wpme targets use the finite-volume solver,
/// the others the Lagrangian analysis::ReferenceSolver1D (accurate for smooth targets). Empty when it does not apply
/// or the solve fails (the description then says why).
std::optional<ReferenceLaws> reference_solution(const RunConfig& config, const analysis::Law1D& initial,
                                                std::string& description) {
  const auto& p = config.problem;
  if (p.dimension != 1 || config.interaction.kind != "none") return std::nullopt;
  const bool piecewise_constant = config.target.kind == "piecewise" ||
                                  (config.target.kind == "uniform" && !is_uniform_on_whole_space(config.target));
  if (p.equation == "wpme" && piecewise_constant) return finite_volume_reference(config, initial, description);
  analysis::InternalEnergy1D energy = analysis::PorousMediumEnergy1D{p.m};
  if (p.equation == "wpme") {
    analysis::WeightedEnergy1D weighted;
    if (is_uniform_on_whole_space(config.target)) {
      weighted.rhobar = [](double) { return 1.0; };
    } else {
      std::shared_ptr<const Target> target = make_target(config.target, 1);
      weighted.rhobar = [target](double y) { return target->density(std::span<const double>(&y, 1)); };
    }
    energy = weighted;
  }
  analysis::Potential1D potential;
  if (config.potential.kind != "none") {
    auto v = std::make_shared<const ExternalPotential>(config.potential, 1);
    potential.value = potential_1d(config.potential);
    potential.derivative = [v](double x) {
      double g = 0.0;
      v->gradient(&x, &g);
      return g;
    };
  }
  analysis::ReferenceSolverOptions options;
  options.cells = kReferenceCells;
  // Smooth problems need ~1e3 steps at 200 cells (the Gaussian target of targets-1d: 2.7e3 steps to t = 3);
  // piecewise-constant wpme targets, whose interior jumps cost this solver 6.7e5 steps, go to the finite-volume
  // solver instead. 1e4 keeps a 3.7x margin over the smooth cases and bounds the cost of anything unexpected.
  constexpr std::size_t kReferenceMaxSteps = 10'000;
  options.max_steps = kReferenceMaxSteps;
  analysis::ReferenceSolver1D solver(energy, potential, options);
  const std::vector<double> times = config.resolved_output_times();
  analysis::ReferenceSolution solution = solver.solve(initial, p.mass, p.t0, times);
  description = "1D reference solution (Lagrangian, " + std::to_string(kReferenceCells) + " cells, " +
                std::to_string(solution.steps_accepted) + " steps)";
  if (solution.status != analysis::ReferenceStatus::ok) {
    description += " failed: " + solution.message;
    return std::nullopt;
  }
  ReferenceLaws laws;
  for (const analysis::ReferenceSnapshot& s : solution.snapshots) {
    laws.t.push_back(s.t);
    laws.laws.push_back(s.law());
  }
  return laws;
}

}  // namespace

nlohmann::json manifest_base() {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  return {{"blobflow_version", build_info::kVersion}, {"git_revision", build_info::kGitRevision},
          {"compiler", build_info::kCompilerId},      {"build_type", build_info::kBuildType},
          {"cxx_flags", build_info::kCxxFlags},       {"host", host},
          {"threads", 1}};
}

PreparedProblem prepare_problem(const RunConfig& config) {
  const auto& p = config.problem;
  const int d = p.dimension;
  PreparedProblem out;
  out.placement = config.discretization.placement == "auto" ? (d == 1 ? "quantile" : "lattice")
                                                            : config.discretization.placement;
  const auto n_requested = static_cast<std::size_t>(config.discretization.particles);
  const auto seed = static_cast<std::uint64_t>(config.discretization.seed);
  const auto dim = static_cast<std::size_t>(d);

  double support_volume = 0.0;
  if (p.initial == "exact" || p.initial == "barenblatt") {
    // The data: the unconfined problem's solution at t0 (Barenblatt or heat kernel). The truth: the configured
    // problem's exact solution from those data, where blobflow knows one (exact.hpp).
    ExactSolutionSpec data_spec;
    data_spec.equation = p.equation;
    data_spec.dimension = d;
    data_spec.m = p.m;
    data_spec.mass = p.mass;
    data_spec.t0 = p.t0;
    ExactSolutionSpec truth_spec = data_spec;
    const bool extra_terms = !is_uniform_on_whole_space(config.target) || config.interaction.kind != "none" ||
                             (config.potential.kind != "none" && !is_unit_confinement(config.potential));
    truth_spec.quadratic_confinement = config.potential.kind == "quadratic";
    if (!extra_terms) out.exact = make_exact_solution(truth_spec);
    if (p.initial == "exact" && !out.exact)
      throw ConfigError({"problem.initial = \"exact\": this problem (target, potential, interaction) has no exact "
                         "solution in blobflow; use initial = \"barenblatt\" for the same data without one"});
    const std::shared_ptr<const ExactSolution> data = make_exact_solution(data_spec);
    const ExactSolution& u = *data;
    if (d == 1) out.initial_law = u.law(p.t0);
    support_volume = u.spacing_volume(p.t0);
    if (out.placement == "quantile") {
      const auto law = u.law(p.t0);
      out.particles = quantile_placement(n_requested, [&](double q) { return law->quantile(q); }, p.mass);
    } else if (out.placement == "random" && d == 1) {
      const auto law = u.law(p.t0);
      out.particles = random_quantile_placement(n_requested, [&](double q) { return law->quantile(q); }, p.mass, seed);
    } else if (out.placement == "random") {
      // The data (Barenblatt profile, heat kernel) are radially decreasing: their largest value is at the origin.
      const double radius = u.placement_radius(p.t0);
      const std::vector<double> origin(dim, 0.0);
      out.particles = random_rejection_placement(
          d, n_requested, -radius, radius, [&](std::span<const double> x) { return u.density(x, p.t0); },
          u.density(origin, p.t0) * (1.0 + kDensityBoundMargin), p.mass, seed);
    } else {
      // Cells per side so that about N cell centres fall where u is not negligible (a ball of volume |S|).
      const double radius = u.placement_radius(p.t0);
      const double side = std::pow(static_cast<double>(n_requested) * std::pow(2.0 * radius, d) / support_volume,
                                   1.0 / d);
      const auto cells = static_cast<std::size_t>(std::max(1.0, std::round(side)));
      LatticeInfo info;
      out.particles = lattice_placement(d, cells, -radius, radius,
                                        [&](std::span<const double> x) { return u.density(x, p.t0); }, p.mass, &info);
      out.lattice = info;
    }
  } else {  // uniform on the box [lo, hi]^d
    const double lo = p.initial_support[0], hi = p.initial_support[1];
    if (d == 1) out.initial_law = std::make_shared<analysis::UniformLaw1D>(lo, hi);
    support_volume = std::pow(hi - lo, d);
    if (out.placement == "quantile") {
      out.particles = quantile_placement(n_requested, [&](double q) { return lo + q * (hi - lo); }, p.mass);
    } else if (out.placement == "random") {  // every proposal on the box is accepted: uniform samples
      out.particles = random_rejection_placement(d, n_requested, lo, hi, [](std::span<const double>) { return 1.0; },
                                                 1.0, p.mass, seed);
    } else {
      const auto cells =
          static_cast<std::size_t>(std::max(1.0, std::round(std::pow(static_cast<double>(n_requested), 1.0 / d))));
      LatticeInfo info;
      out.particles = lattice_placement(d, cells, lo, hi, [&](std::span<const double>) { return 1.0; }, p.mass, &info);
      out.lattice = info;
    }
  }

  const double n = static_cast<double>(out.particles.size());
  if (n < 2) {
    throw ConfigError({"discretization.particles = " + std::to_string(config.discretization.particles) +
                       ": the lattice holds " + std::to_string(out.particles.size()) + " particle(s); need >= 2"});
  }
  out.h = std::pow(support_volume / n, 1.0 / d);
  out.epsilon = evaluate_expression(config.discretization.epsilon, {{"h", out.h}, {"N", n}, {"d", double(d)}});
  if (!(out.epsilon > 0.0) || !std::isfinite(out.epsilon)) {
    throw ConfigError({"discretization.epsilon = \"" + config.discretization.epsilon + "\": evaluates to " +
                       std::to_string(out.epsilon) + " at h = " + std::to_string(out.h) + ", N = " +
                       std::to_string(out.particles.size()) + "; must be a finite number > 0"});
  }
  return out;
}

RunResult run_simulation(const RunConfig& config, const std::filesystem::path& out_dir) {
  const auto wall_start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  PreparedProblem problem = prepare_problem(config);
  const auto& p = config.problem;
  const int d = p.dimension;
  const auto dim = static_cast<std::size_t>(d);

  FieldSpec spec;
  spec.equation = p.equation;
  spec.m = p.m;
  spec.dimension = d;
  spec.mollifier = config.discretization.mollifier;
  spec.epsilon = problem.epsilon;
  spec.engine = config.discretization.engine;
  spec.engine_accuracy = config.discretization.engine_accuracy;
  spec.target = config.target;
  spec.potential = config.potential;
  spec.interaction = config.interaction;
  spec.particles = problem.particles.mass.size();
  spec.spacing = problem.h;
  const auto field = make_velocity_field(spec, problem.particles.mass);
  const std::vector<double>& masses = problem.particles.mass;

  RunResult result;
  result.n_particles = masses.size();
  result.h = problem.h;
  result.epsilon = problem.epsilon;

  // The truth where no exact solution exists (1D), and the divergences against a target.
  std::string truth = problem.exact ? problem.exact->describe() : "";
  std::optional<ReferenceLaws> reference;
  const bool has_extra_terms = !is_uniform_on_whole_space(config.target) || config.potential.kind != "none";
  if (!problem.exact && problem.initial_law && has_extra_terms)
    reference = reference_solution(config, *problem.initial_law, truth);
  std::optional<analysis::BoxGrid> divergence_grid;
  std::unique_ptr<Target> target;
  analysis::PointFunction zeta, rhobar;
  if (p.equation == "wpme" && !is_uniform_on_whole_space(config.target)) {
    divergence_grid = divergence_box(config.target, d);
    if (divergence_grid) {
      target = make_target(config.target, d);
      zeta = mollifier_function(spec.mollifier, d, spec.epsilon);
      rhobar = [&target](std::span<const double> y) { return target->density(y); };
    }
  }

  const std::shared_ptr<const analysis::Law1D> steady = steady_state_law(config);
  if (steady) result.quantization_floor_w2 = quantization_floor_w2(*steady, masses.size());

  // Diagnostics at one time; `energy` is E_eps(x), already evaluated for diagnostics.csv.
  auto measure = [&](double t, std::span<const double> x, double energy) {
    OutputMetrics m;
    m.t = t;
    m.energy = energy;
    for (std::size_t i = 0; i < masses.size(); ++i) {
      m.mass += masses[i];
      for (std::size_t k = 0; k < dim; ++k) m.second_moment += masses[i] * x[i * dim + k] * x[i * dim + k];
    }
    if (problem.exact) {
      const ExactSolution& u = *problem.exact;
      m.second_moment_exact = u.second_moment(t);
      m.energy_exact = u.energy(t);
      if (d == 1) {
        const analysis::WassersteinDistances w = analysis::wasserstein_1d(x, masses, *u.law(t));
        m.w1 = w.w1, m.w2 = w.w2, m.winf = w.winf;
      }
    }
    if (reference) {
      for (std::size_t k = 0; k < reference->t.size(); ++k)
        if (reference->t[k] == t) {
          const analysis::WassersteinDistances w = analysis::wasserstein_1d(x, masses, reference->laws[k]);
          m.w1 = w.w1, m.w2 = w.w2, m.winf = w.winf;
        }
    }
    if (steady && all_finite(x)) {
      const analysis::WassersteinDistances w = analysis::wasserstein_1d(x, masses, *steady);
      m.w1_steady = w.w1, m.w2_steady = w.w2;
    }
    if (divergence_grid && all_finite(x)) {
      const analysis::Divergences div = analysis::blob_divergences(*divergence_grid, x, masses, zeta, rhobar);
      if (div.status == analysis::DivergenceStatus::ok) {
        m.kl = div.kl.value, m.chi2 = div.chi2.value;
        m.kl_quadrature_error = div.kl.quadrature_error, m.chi2_quadrature_error = div.chi2.quadrature_error;
      }
    }
    return m;
  };

  struct DiagnosticRow {
    double t;
    std::size_t step;
    double energy;
  };
  std::vector<DiagnosticRow> diagnostics;
  std::vector<Snapshot> snapshots;
  State x = problem.particles.x;
  const double e0 = field->energy(x);
  diagnostics.push_back({p.t0, 0, e0});
  snapshots.push_back({p.t0, x});
  result.outputs.push_back(measure(p.t0, x, e0));

  std::size_t step = 0;
  const auto every = static_cast<std::size_t>(config.output.diagnostics_every);
  const StepObserver on_step = [&](double t, std::span<const double> xs) {
    ++step;
    if (every > 0 && step % every == 0) diagnostics.push_back({t, step, field->energy(xs)});
  };
  const OutputObserver on_output = [&](std::size_t, double t, std::span<const double> xs) {
    if (diagnostics.back().step != step) diagnostics.push_back({t, step, field->energy(xs)});
    snapshots.push_back({t, State(xs.begin(), xs.end())});
    result.outputs.push_back(measure(t, xs, diagnostics.back().energy));
  };
  const std::vector<double> output_times = config.resolved_output_times();
  result.stats = integrate(*field, x, p.t0, output_times, config.integrator, on_step, on_output);
  result.status = result.stats.status;
  result.message = result.stats.message;
  if (result.status != RunStatus::ok && snapshots.back().t != result.stats.t_reached)
    snapshots.push_back({result.stats.t_reached, x});  // the last finite state
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  // summary.json (DESIGN.md): status, resolved config, manifest, metrics.
  nlohmann::json outputs = nlohmann::json::array();
  for (const OutputMetrics& m : result.outputs) {
    outputs.push_back({{"t", m.t}, {"w1", optional_json(m.w1)}, {"w2", optional_json(m.w2)},
                       {"winf", optional_json(m.winf)}, {"energy", m.energy},
                       {"energy_exact", optional_json(m.energy_exact)}, {"mass", m.mass},
                       {"second_moment", m.second_moment},
                       {"second_moment_exact", optional_json(m.second_moment_exact)},
                       {"kl", optional_json(m.kl)}, {"kl_quadrature_error", optional_json(m.kl_quadrature_error)},
                       {"chi2", optional_json(m.chi2)},
                       {"chi2_quadrature_error", optional_json(m.chi2_quadrature_error)},
                       {"w1_steady", optional_json(m.w1_steady)}, {"w2_steady", optional_json(m.w2_steady)}});
  }
  nlohmann::json manifest = manifest_base();
  manifest["start_time"] = started;
  manifest["end_time"] = utc_now();
  nlohmann::json discretization = {{"particles", result.n_particles},
                                   {"h", problem.h},
                                   {"epsilon", problem.epsilon},
                                   {"placement", problem.placement},
                                   {"engine", resolve_engine(spec)},
                                   {"field", field->describe()},
                                   {"distance_convention", "W_p between the measures divided by their masses"},
                                   {"exact_solution", truth.empty() ? nlohmann::json() : nlohmann::json(truth)}};
  if (problem.lattice) {
    discretization["lattice_cells_per_side"] = problem.lattice->cells_per_side;
    discretization["lattice_spacing"] = problem.lattice->spacing;
    discretization["lattice_quadrature_mass"] = problem.lattice->quadrature_mass;
  }
  result.summary = {{"status", to_string(result.status)},
                    {"message", result.message},
                    {"config", to_json(config)},
                    {"resolved", discretization},
                    {"manifest", manifest},
                    {"metrics",
                     {{"outputs", outputs},
                      {"t_reached", result.stats.t_reached},
                      {"steps_accepted", result.stats.steps_accepted},
                      {"steps_rejected", result.stats.steps_rejected},
                      {"rhs_evaluations", result.stats.rhs_evaluations},
                      {"energy_evaluations", result.stats.energy_evaluations},
                      {"solver_iterations", result.stats.solver_iterations},
                      {"wall_seconds", result.wall_seconds},
                      {"quantization_floor_w2", optional_json(result.quantization_floor_w2)}}}};

  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    std::string csv = "t,i";
    for (int k = 1; k <= d; ++k) csv += ",x" + std::to_string(k);
    csv += ",mass\n";
    char line[64];
    for (const Snapshot& s : snapshots) {
      for (std::size_t i = 0; i < masses.size(); ++i) {
        std::snprintf(line, sizeof line, "%.17g,%zu", s.t, i);
        csv += line;
        for (std::size_t k = 0; k < dim; ++k) {
          std::snprintf(line, sizeof line, ",%.17g", s.x[i * dim + k]);
          csv += line;
        }
        std::snprintf(line, sizeof line, ",%.17g\n", masses[i]);
        csv += line;
      }
    }
    write_file(out_dir / "particles.csv", csv);
    if (d == 1) {  // the densities a report draws, on its grid (density_table.hpp)
      std::vector<DensitySnapshot> at_outputs;
      for (const Snapshot& s : snapshots) at_outputs.push_back({s.t, s.x});
      write_file(out_dir / "densities.csv",
                 density_table_csv(config, problem.epsilon, problem.exact, masses, at_outputs));
    }
    std::string diag = "t,step,energy\n";
    for (const DiagnosticRow& r : diagnostics) {
      std::snprintf(line, sizeof line, "%.17g,%zu,%.17g\n", r.t, r.step, r.energy);
      diag += line;
    }
    write_file(out_dir / "diagnostics.csv", diag);
    write_file(out_dir / "summary.json", result.summary.dump(2) + "\n");
  }
  return result;
}

}  // namespace blobflow
