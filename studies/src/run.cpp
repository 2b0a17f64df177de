// The run driver: one configuration in, metrics and files out (docs/architecture.md "The data flow").
#include "blobflow/studies/run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <numbers>
#include <optional>

#include "blobflow/analysis/law1d.hpp"
#include "blobflow/build_info.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/solvers/engines.hpp"
#include "blobflow/solvers/potentials.hpp"
#include "blobflow/solvers/samplers.hpp"
#include "blobflow/solvers/targets.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/coverage.hpp"
#include "blobflow/studies/density_table.hpp"
#include "blobflow/studies/distance_command.hpp"
#include "blobflow/studies/expression.hpp"
#include "blobflow/studies/network_run.hpp"
#include "blobflow/studies/message.hpp"
#include "blobflow/studies/run_files.hpp"
#include "blobflow/studies/sampling.hpp"

namespace blobflow {
namespace {

/// Random placement in d > 1 bounds the data by their value at the origin times (1 + this): a bound only needs to
/// hold, and the margin covers rounding in the density's evaluation away from the origin.
constexpr double kDensityBoundMargin = 1e-12;

/// The smallest eigenvalue of a symmetric d x d matrix (row-major), d <= 3, in closed form: the 2 x 2 formula, and
/// for 3 x 3 the trigonometric solution of the characteristic cubic (Smith, CACM 4(4) 1961).
double smallest_eigenvalue(const std::vector<double>& a, int d) {
  if (d == 1) return a[0];
  if (d == 2) return 0.5 * (a[0] + a[3]) - std::hypot(0.5 * (a[0] - a[3]), a[1]);
  const double p1 = a[1] * a[1] + a[2] * a[2] + a[5] * a[5];
  const double q = (a[0] + a[4] + a[8]) / 3.0;
  if (p1 == 0.0) return std::min({a[0], a[4], a[8]});
  const double p2 = (a[0] - q) * (a[0] - q) + (a[4] - q) * (a[4] - q) + (a[8] - q) * (a[8] - q) + 2.0 * p1;
  const double p = std::sqrt(p2 / 6.0);
  double b[9];
  for (int k = 0; k < 9; ++k) b[k] = (a[k] - (k % 4 == 0 ? q : 0.0)) / p;
  const double det = b[0] * (b[4] * b[8] - b[5] * b[7]) - b[1] * (b[3] * b[8] - b[5] * b[6]) +
                     b[2] * (b[3] * b[7] - b[4] * b[6]);
  const double phi = std::acos(std::clamp(det / 2.0, -1.0, 1.0)) / 3.0;
  return q + 2.0 * p * std::cos(phi + 2.0 * std::numbers::pi / 3.0);
}

/// Directions sampled (half circle in 2D, Fibonacci half sphere in 3D) for a mixture's tail width below.
constexpr int kTailDirections = 4096;

/// u^T A^-1 u for a symmetric positive definite d x d matrix A (row-major), d <= 3: u^T adj(A) u / det(A).
double inverse_form(const double* a, int d, const double* u) {
  if (d == 1) return u[0] * u[0] / a[0];
  if (d == 2) return (a[3] * u[0] * u[0] - 2.0 * a[1] * u[0] * u[1] + a[0] * u[1] * u[1]) / (a[0] * a[3] - a[1] * a[2]);
  double adj[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {  // adj[i][j] = cofactor of a[j][i]
      const int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
      adj[3 * i + j] = a[3 * r0 + c0] * a[3 * r1 + c1] - a[3 * r0 + c1] * a[3 * r1 + c0];
    }
  const double det = a[0] * adj[0] + a[1] * adj[3] + a[2] * adj[6];
  double q = 0.0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) q += u[i] * adj[3 * i + j] * u[j];
  return q / det;
}

/// The squared width sigma^2 of a Gaussian or mixture target's tail in its narrowest direction: along a unit vector
/// u component k decays as exp(-r^2 u^T Sigma_k^-1 u / 2), the mixture as its slowest component, so 1/rhobar grows
/// at the rate min_k u^T Sigma_k^-1 u / 2 and fastest where that is largest: 1/sigma^2 = max_u min_k u^T Sigma_k^-1 u.
/// One component: the smallest eigenvalue. A mixture in 2D or 3D: the maximum over kTailDirections directions,
/// which is <= the true maximum, so sigma comes out >= the true one and a refusal based on it is always right.
double tail_variance(const TargetSpec& t, int d) {
  if (t.kind == "gaussian") return smallest_eigenvalue(t.covariance, d);
  const std::size_t n = static_cast<std::size_t>(d) * static_cast<std::size_t>(d);
  double fastest = 0.0;  // max over u of min over k of u^T Sigma_k^-1 u
  for (int j = 0; j < (d == 1 ? 1 : kTailDirections); ++j) {
    double u[3] = {1.0, 0.0, 0.0};
    if (d == 2) {
      const double theta = std::numbers::pi * j / kTailDirections;
      u[0] = std::cos(theta), u[1] = std::sin(theta);
    } else if (d == 3) {
      const double z = (j + 0.5) / kTailDirections, r = std::sqrt(1.0 - z * z);  // the upper half sphere
      const double phi = j * std::numbers::pi * (3.0 - std::sqrt(5.0));
      u[0] = r * std::cos(phi), u[1] = r * std::sin(phi), u[2] = z;
    }
    double slowest = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < t.weights.size(); ++c)
      slowest = std::min(slowest, inverse_form(t.covariances.data() + c * n, d, u));
    fastest = std::max(fastest, slowest);
  }
  return 1.0 / fastest;
}

/// A Gaussian or mixture target without a floor: 1/rhobar grows as exp(|y|^2 / (2 sigma^2)) along the narrowest
/// direction of its tail (tail_variance), and (zeta_eps * rho)^2 decays no faster than exp(-|y|^2 / eps^2), so the
/// regularized energy int (zeta_eps * rho)^2 / rhobar diverges once eps >= sqrt(2) sigma (docs/math.md §2.3).
/// \throws ConfigError naming eps, sigma and the rule.
void check_target_tail_width(const RunConfig& config, double epsilon) {
  const TargetSpec& t = config.target;
  const int d = config.problem.dimension;
  if (!equation_has_target(config.problem.equation) || t.floor_fraction) return;
  if (config.problem.equation == kNetworkEquationName) return;  // nu = 1/rhobar is bounded: no divergence
  const std::size_t n = static_cast<std::size_t>(d * d);
  const bool gaussian = t.kind == "gaussian" && t.covariance.size() == n;
  const bool mixture = t.kind == "mixture" && !t.weights.empty() && t.covariances.size() == t.weights.size() * n;
  if (!gaussian && !mixture) return;  // another kind, or a malformed one that validation reports
  const double sigma = std::sqrt(std::max(0.0, tail_variance(t, d)));
  if (epsilon < std::sqrt(2.0) * sigma) return;
  throw ConfigError({"discretization.epsilon = \"" + config.discretization.epsilon + "\": evaluates to eps = " +
                     reports::format_shortest(epsilon) + ", which must be < sqrt(2) sigma = " +
                     reports::format_shortest(std::sqrt(2.0) * sigma) + " for the " + t.kind + " target (sigma = " +
                     reports::format_shortest(sigma) +
                     (gaussian ? ", its narrowest standard deviation"
                              : ", the width of its tail in the direction where it decays fastest") +
                     "): the regularized energy diverges otherwise; use more particles, a smaller eps or "
                     "target.floor_fraction"});
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

/// The initial data a configuration can name (problem.initial).
enum class InitialData { exact, barenblatt, uniform };
/// How the particles sample them (discretization.placement; "auto" is resolved by dimension).
enum class Placement { automatic, quantile, lattice, random };

constexpr NamedChoice<InitialData> kInitialData[] = {
    {"exact", "the problem's exact solution at t0", InitialData::exact},
    {"barenblatt", "the Barenblatt profile (the heat kernel for m = 1) at t0", InitialData::barenblatt},
    {"uniform", "uniform on problem.initial_support", InitialData::uniform},
};
constexpr NamedChoice<Placement> kPlacements[] = {
    {"auto", "quantile in 1D, lattice otherwise", Placement::automatic},
    {"quantile", "the quantiles of the initial law (1D)", Placement::quantile},
    {"lattice", "a lattice with masses from the initial density", Placement::lattice},
    {"random", "i.i.d. samples of the initial law from discretization.seed", Placement::random},
};

/// The particles of a problem with an exact solution's data: the unconfined problem's solution at t0 (Barenblatt
/// or heat kernel). Returns |S|, the volume that defines h.
double place_from_exact_data(const RunConfig& config, Placement placement, PreparedProblem& out) {
  const auto& p = config.problem;
  const int d = p.dimension;
  const auto n_requested = static_cast<std::size_t>(config.discretization.particles);
  const auto seed = static_cast<std::uint64_t>(config.discretization.seed);
  ExactSolutionSpec data_spec;
  data_spec.weighted = equation_has_target(p.equation);
  data_spec.dimension = d;
  data_spec.m = config.exponent();
  data_spec.mass = p.mass;
  data_spec.t0 = p.t0;
  const std::shared_ptr<const ExactSolution> data = make_exact_solution(data_spec);
  const ExactSolution& u = *data;
  if (d == 1) out.initial_law = u.law(p.t0);
  if (placement == Placement::quantile) {
    const auto law = u.law(p.t0);
    out.particles = quantile_placement(n_requested, [&](double q) { return law->quantile(q); }, p.mass);
  } else if (placement == Placement::random && d == 1) {
    const auto law = u.law(p.t0);
    out.particles = random_quantile_placement(n_requested, [&](double q) { return law->quantile(q); }, p.mass, seed);
  } else if (placement == Placement::random) {
    // The data (Barenblatt profile, heat kernel) are radially decreasing: their largest value is at the origin.
    const double radius = u.placement_radius(p.t0);
    const std::vector<double> origin(static_cast<std::size_t>(d), 0.0);
    out.particles = random_rejection_placement(
        d, n_requested, -radius, radius, [&](std::span<const double> x) { return u.density(x, p.t0); },
        u.density(origin, p.t0) * (1.0 + kDensityBoundMargin), p.mass, seed);
  } else {
    // Cells per side so that about N cell centres fall where u is not negligible (a ball of volume |S|).
    const double radius = u.placement_radius(p.t0);
    const double side = std::pow(static_cast<double>(n_requested) * std::pow(2.0 * radius, d) /
                                     u.spacing_volume(p.t0), 1.0 / d);
    const auto cells = static_cast<std::size_t>(std::max(1.0, std::round(side)));
    LatticeInfo info;
    out.particles = lattice_placement(d, cells, -radius, radius,
                                      [&](std::span<const double> x) { return u.density(x, p.t0); }, p.mass, &info);
    out.lattice = info;
  }
  return u.spacing_volume(p.t0);
}

/// problem.initial = "NAME.csv": the particles of that file's last time, their masses from its mass column (which must
/// sum to problem.mass) or problem.mass / N each. \throws ConfigError naming the key, the file and the rule.
Particles particles_from_file(const RunConfig& config) {
  const auto& p = config.problem;
  const std::string key = "problem.initial = \"" + clip_for_message(p.initial) + "\"";
  ParticleSnapshot s;
  try {
    s = read_particles_csv(p.initial, std::numeric_limits<double>::quiet_NaN());
  } catch (const std::invalid_argument& e) {
    throw ConfigError({key + ": " + e.what()});
  }
  const std::size_t n = s.masses.size();
  if (s.dimension != p.dimension)
    throw ConfigError({key + ": the file holds " + std::to_string(s.dimension) + "D particles: must match "
                       "problem.dimension = " + std::to_string(p.dimension)});
  if (n < 2) throw ConfigError({key + ": the file holds " + std::to_string(n) + " particle(s) at t = " +
                                reports::format_shortest(s.t) + ": need >= 2"});
  // Masses written with 17 digits sum to the total up to rounding, about N x 1e-16 of it.
  constexpr double kMassSumTolerance = 1e-9;
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s.has_mass && !(s.masses[i] > 0.0))
      throw ConfigError({key + ": particle " + std::to_string(i) + " has mass " +
                         reports::format_shortest(s.masses[i]) + ": must be > 0"});
    total += s.masses[i];
  }
  if (s.has_mass && std::abs(total - p.mass) > kMassSumTolerance * p.mass)
    throw ConfigError({key + ": the masses sum to " + reports::format_shortest(total) + ": must equal problem.mass = " +
                       reports::format_shortest(p.mass) + " (to 1e-9 relative)"});
  Particles out;
  out.dim = p.dimension;
  out.x = s.x;
  out.mass = s.has_mass ? s.masses : std::vector<double>(n, p.mass / static_cast<double>(n));
  return out;
}

/// The particles of uniform data on the box [lo, hi]^d. Returns its volume.
double place_uniform_data(const RunConfig& config, Placement placement, PreparedProblem& out) {
  const auto& p = config.problem;
  const int d = p.dimension;
  const auto n_requested = static_cast<std::size_t>(config.discretization.particles);
  const double lo = p.initial_support[0], hi = p.initial_support[1];
  if (d == 1) out.initial_law = std::make_shared<analysis::UniformLaw1D>(lo, hi);
  if (placement == Placement::quantile) {
    out.particles = quantile_placement(n_requested, [&](double q) { return lo + q * (hi - lo); }, p.mass);
  } else if (placement == Placement::random) {  // every proposal on the box is accepted: uniform samples
    out.particles = random_rejection_placement(d, n_requested, lo, hi, [](std::span<const double>) { return 1.0; }, 1.0,
                                               p.mass, static_cast<std::uint64_t>(config.discretization.seed));
  } else {
    const auto cells =
        static_cast<std::size_t>(std::max(1.0, std::round(std::pow(static_cast<double>(n_requested), 1.0 / d))));
    LatticeInfo info;
    out.particles = lattice_placement(d, cells, lo, hi, [&](std::span<const double>) { return 1.0; }, p.mass, &info);
    out.lattice = info;
  }
  return std::pow(hi - lo, d);
}


/// How the particles of a run move (docs/math.md §8): the blob method's field, or a sampler's field with its
/// stepper, its per-step redraw, or no motion at all.
struct Motion {
  std::unique_ptr<VelocityField> field;     ///< null for the exact samplers
  RandomizedField* randomized = nullptr;    ///< the field, when its velocity is redrawn every step
  std::unique_ptr<CustomStepper> stepper;   ///< ula, mala: their steps replace integrator.method
  const MalaStepper* mala = nullptr;
  std::shared_ptr<const Target> target;     ///< the samplers' target (null for the blob method)
  std::string sampler = "blob";             ///< sampling.sampler
  std::size_t pairs_per_evaluation = 0;     ///< blob, svgd
  bool scores_per_evaluation = false;       ///< svgd, ula, mala: N score evaluations per velocity evaluation
  FieldFactory factory;                     ///< the field for other masses (after a drop-out): blob, lloyd
};

SvgdSpec svgd_spec(const RunConfig& config) {
  SvgdSpec svgd;
  const std::string& h = config.sampling.bandwidth;
  svgd.rule = h == "median" ? SvgdBandwidth::median : h == "median-t0" ? SvgdBandwidth::median_t0 : SvgdBandwidth::fixed;
  if (svgd.rule == SvgdBandwidth::fixed) svgd.bandwidth = std::stod(h);
  svgd.engine = config.discretization.engine;
  svgd.batch = static_cast<std::size_t>(config.sampling.batch);
  svgd.seed = stream_seed(static_cast<std::uint64_t>(config.discretization.seed), kBatchStream);
  return svgd;
}

Motion make_motion(const RunConfig& config, const PreparedProblem& problem, const FieldSpec& spec) {
  const SamplerInfo& sampler = *find_sampler(config.sampling.sampler);
  const std::vector<double>& masses = problem.particles.mass;
  const auto batch = static_cast<std::size_t>(config.sampling.batch);
  const auto seed = static_cast<std::uint64_t>(config.discretization.seed);
  Motion m;
  m.sampler = sampler.name;
  m.pairs_per_evaluation = batch_pairs(masses.size(), batch);
  if (config.coverage.controller == "lloyd") {
    m.factory = [density = make_coverage_density(config), gain = config.coverage.gain](const std::vector<double>& active) {
      return make_lloyd_field(density, active, gain);
    };
    m.field = m.factory(masses);
    m.pairs_per_evaluation = 0;
    return m;
  }
  if (trains_by_sgd(config)) {  // the flow's field gives the risk R at the diagnostics; the SGD stepper moves
    m.field = make_velocity_field(spec, masses);
    m.stepper = make_sgd_stepper(config, problem.epsilon, masses);
    return m;
  }
  if (sampler.name == "blob" && batch == 0) {
    m.factory = [spec](const std::vector<double>& active) {
      FieldSpec s = spec;
      s.particles = active.size();
      return make_velocity_field(s, active);
    };
    m.field = m.factory(masses);
    return m;
  }
  if (sampler.name == "blob") {
    const FieldFactory factory = [spec](const std::vector<double>& batch_masses) {
      FieldSpec s = spec;
      s.particles = batch_masses.size();
      return make_velocity_field(s, batch_masses);
    };
    std::unique_ptr<RandomizedField> field =
        make_random_batch_field(factory, masses, batch, stream_seed(seed, kBatchStream));
    m.randomized = field.get();
    m.field = std::move(field);
    return m;
  }
  m.target = make_target(config.target, config.problem.dimension);
  m.pairs_per_evaluation = 0;
  if (sampler.kind == SamplerKind::exact) return m;
  m.scores_per_evaluation = true;
  if (sampler.name == "svgd") {
    m.pairs_per_evaluation = batch_pairs(masses.size(), batch);
    m.field = make_svgd_field(svgd_spec(config), m.target, masses, problem.particles.x);
    m.randomized = dynamic_cast<RandomizedField*>(m.field.get());
    return m;
  }
  m.scores_per_evaluation = m.target->has_score();
  m.field = make_score_field(m.target, masses, sampler.name == "mala");
  if (sampler.name == "ula") {
    m.stepper = std::make_unique<LangevinStepper>(stream_seed(seed, kDynamicsStream));
  } else {
    auto mala = std::make_unique<MalaStepper>(m.target, stream_seed(seed, kDynamicsStream));
    m.mala = mala.get();
    m.stepper = std::move(mala);
  }
  return m;
}

/// What the observers of a run keep: the diagnostics rows, the snapshots at the output times and their metrics.
struct Recording {
  std::optional<NeighbourCounter> neighbour_counter;  ///< coverage runs: fills `neighbours` at each diagnostics row
  std::vector<DiagnosticRow> diagnostics;
  std::vector<NeighbourCounts> neighbours;
  std::vector<Snapshot> snapshots;
  std::vector<OutputMetrics> outputs;
  std::vector<DropoutRecord> dropouts;
};

/// The RMS distance of the particles from their centroid, sqrt(sum_i m_i |x_i - c|^2 / M) with c = sum_i m_i x_i / M.
double rms_radius(std::span<const double> x, std::span<const double> masses, std::size_t d) {
  double mass = 0.0, centroid[3] = {0.0, 0.0, 0.0};
  for (std::size_t i = 0; i < masses.size(); ++i) {
    mass += masses[i];
    for (std::size_t k = 0; k < d; ++k) centroid[k] += masses[i] * x[i * d + k];
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < masses.size(); ++i)
    for (std::size_t k = 0; k < d; ++k) {
      const double offset = x[i * d + k] - centroid[k] / mass;
      sum += masses[i] * offset * offset;
    }
  return std::sqrt(sum / mass);
}

/// Integrates the run, recording energies every `output.diagnostics_every` steps and the metrics at t0 and every
/// output time. `x` ends at the last finite state. With `collapse_below` > 0 the run stops, with status collapsed,
/// after the first accepted step whose particles have an RMS radius (rms_radius) below it.
IntegrationStats integrate_and_record(const RunConfig& config, Motion& motion, const RunMetrics& metrics,
                                      double collapse_below, State& x, Recording& rec, const RunProgress& progress) {
  const double t0 = config.problem.t0;
  // The field and masses of the current segment: drop-outs (coverage.dropouts) change both.
  const VelocityField* field = motion.field.get();
  std::vector<double> masses(field->masses().begin(), field->masses().end());
  const std::size_t n0 = masses.size();
  std::vector<std::size_t> ids;
  const std::vector<RunEvent> events = dropout_events(config, n0, ids, rec.dropouts);
  const auto snapshot = [&](double t, std::span<const double> xs) {
    Snapshot s{t, State(xs.begin(), xs.end())};
    if (masses.size() != n0) s.ids = ids, s.masses = masses;
    rec.snapshots.push_back(std::move(s));
  };
  // A diagnostics row: the energy, and in a coverage run each agent's neighbour count.
  const auto diagnose = [&](double t, std::size_t at_step, std::span<const double> xs) {
    rec.diagnostics.push_back({t, at_step, field->energy(xs)});
    if (!rec.neighbour_counter) return;
    std::vector<std::size_t> counts = (*rec.neighbour_counter)(xs);
    if (!counts.empty()) rec.neighbours.push_back({t, at_step, masses.size() != n0 ? ids : std::vector<std::size_t>{},
                                                   std::move(counts)});
  };
  diagnose(t0, 0, x);
  const double e0 = rec.diagnostics.back().energy;
  snapshot(t0, x);
  rec.outputs.push_back(metrics.measure({t0, x, masses, e0}));

  std::size_t step = 0;
  const auto every = static_cast<std::size_t>(config.output.diagnostics_every);
  const auto d = static_cast<std::size_t>(config.problem.dimension);
  std::optional<double> collapsed_radius;  // the RMS radius that stopped the run
  const StepObserver on_step = [&](double t, std::span<const double> xs) {
    ++step;
    if (progress) progress(t);
    if (motion.randomized) motion.randomized->next_step();
    if (every > 0 && step % every == 0) diagnose(t, step, xs);
    if (collapse_below <= 0.0) return ObserverAction::proceed;
    const double radius = rms_radius(xs, masses, d);
    if (radius >= collapse_below) return ObserverAction::proceed;
    collapsed_radius = radius;
    return ObserverAction::stop;
  };
  const OutputObserver on_output = [&](std::size_t, double t, std::span<const double> xs) {
    if (rec.diagnostics.back().step != step) diagnose(t, step, xs);
    snapshot(t, xs);
    rec.outputs.push_back(metrics.measure({t, xs, masses, rec.diagnostics.back().energy}));
  };
  std::vector<double> output_times = config.resolved_output_times();
  IntegrationStats stats;
  if (!events.empty()) {
    // An output at every drop-out time, so that the state just before it is measured (recovery_after).
    for (const Dropout& e : config.coverage.dropouts) output_times.push_back(e.t);
    std::sort(output_times.begin(), output_times.end());
    output_times.erase(std::unique(output_times.begin(), output_times.end()), output_times.end());
    const FieldFactory current = [&](const std::vector<double>& active) {
      std::unique_ptr<VelocityField> f = motion.factory(active);
      field = f.get();
      return f;
    };
    stats = integrate_with_events(current, x, masses, t0, output_times, events, config.integrator, on_step, on_output);
  } else if (motion.stepper) {
    stats = integrate_with(*motion.stepper, *field, x, t0, output_times, config.integrator, on_step, on_output);
  } else {
    stats = integrate(*field, x, t0, output_times, config.integrator, on_step, on_output);
  }
  if (stats.stopped && collapsed_radius) {
    stats.status = RunStatus::collapsed;
    stats.message = "the particles' RMS distance from their centroid, " +
                    reports::format_scientific(*collapsed_radius) + ", fell below integrator.collapse_radius * eps = " +
                    reports::format_scientific(collapse_below) + " at t = " + reports::format_shortest(stats.t_reached);
  }
  if (stats.status != RunStatus::ok && rec.snapshots.back().t != stats.t_reached)
    snapshot(stats.t_reached, x);  // the last finite state
  return stats;
}

/// The exact samplers' record: the particles do not move, so every output time shows the state of t0, with the
/// energy -sum_i m_i log rhobar(x_i).
IntegrationStats record_still(const RunConfig& config, const Target& target, const RunMetrics& metrics,
                              std::span<const double> masses, const State& x, Recording& rec) {
  const double energy = log_density_energy(target, masses, x);
  std::vector<double> times = config.resolved_output_times();
  times.insert(times.begin(), config.problem.t0);
  for (double t : times) {
    rec.diagnostics.push_back({t, 0, energy});
    rec.snapshots.push_back({t, x});
    rec.outputs.push_back(metrics.measure({t, x, masses, energy}));
  }
  IntegrationStats stats;
  stats.t_reached = times.back();
  return stats;
}

/// The real-axis stability limits rho dt <= c of the explicit fixed-step methods it is known for (rho the spectral
/// radius of the velocity's Jacobian): explicit Euler's region is the disc |1 + z| <= 1, so c = 2; classical rk4's
/// meets the negative real axis at z = -2.785 (Hairer & Wanner, Solving ODEs II, §IV.2).
constexpr std::pair<std::string_view, double> kStabilityLimits[] = {{"euler", 2.0}, {"rk4", 2.785}};
/// Power iterations of the stability estimate: the velocity Jacobian of a gradient flow has real eigenvalues, and
/// 20 products (21 velocity evaluations, a few steps' worth) bring the estimate within a few percent of rho.
constexpr int kPowerIterations = 20;
/// The finite-difference step of a Jacobian product J u ~ (v(x + delta u) - v(x)) / delta, relative to the RMS
/// radius of the cloud: the square root of the double round-off (1e-16), the usual balance of truncation and
/// cancellation.
constexpr double kJacobianStep = 1e-8;

/// rho, the spectral radius of the velocity's Jacobian at `x`, by power iteration on finite-difference products.
double jacobian_spectral_radius(const VelocityField& field, const State& x, std::size_t d) {
  const double scale = std::max(rms_radius(x, field.masses(), d), 1e-300);
  State v0(x.size()), v1(x.size()), shifted(x.size());
  field.velocity(x, v0);
  State u(x.size());
  for (std::size_t k = 0; k < u.size(); ++k) u[k] = 1.0 + 0.5 * std::sin(double(k) + 1.0);  // not an eigenvector
  double rho = 0.0;
  for (int iteration = 0; iteration < kPowerIterations; ++iteration) {
    double norm = 0.0;
    for (const double c : u) norm += c * c;
    norm = std::sqrt(norm);
    if (!(norm > 0.0) || !std::isfinite(norm)) return rho;
    const double delta = kJacobianStep * scale;
    for (std::size_t k = 0; k < u.size(); ++k) shifted[k] = x[k] + delta * u[k] / norm;
    field.velocity(shifted, v1);
    double image = 0.0;
    for (std::size_t k = 0; k < u.size(); ++k) {
      u[k] = (v1[k] - v0[k]) / delta;
      image += u[k] * u[k];
    }
    rho = std::sqrt(image);
  }
  return rho;
}

/// dopri5's stability interval on the negative real axis: steps up to about 3.3 / rho stay stable.
constexpr double kDopri5StabilityLimit = 3.3;
/// The stability-bound dopri5 steps above which integrator.method = "auto" takes rosenbrock34: on the 1D Barenblatt
/// problem (docs/performance.md §11) the two cost the same at N = 800, where this estimate gives 474 steps, and
/// rosenbrock34 is 2.9x faster at N = 1,600, where it gives 1,846.
constexpr double kStiffStepThreshold = 1000.0;

/// integrator.method = "auto": rosenbrock34 where dopri5 would need more than kStiffStepThreshold steps for
/// stability alone, rho (t_final - t0) / kDopri5StabilityLimit with rho the spectral radius of the velocity's
/// Jacobian at t0, and the field has its Hessian in closed form and sparse (the stiff method then solves with it;
/// without it, matrix-free, it does not pay: docs/performance.md §11, 2D); dopri5 otherwise. Returns the method and
/// the reason, for summary.json.
std::pair<std::string, std::string> choose_method(const RunConfig& config, const VelocityField& field,
                                                  const State& x0) {
  const double rho = jacobian_spectral_radius(field, x0, static_cast<std::size_t>(config.problem.dimension));
  const double steps = rho * (config.problem.t_final - config.problem.t0) / kDopri5StabilityLimit;
  const std::string estimate = "rho (t_final - t0) / " + reports::format_shortest(kDopri5StabilityLimit) + " = " +
                               reports::format_fixed(steps, 0) + " dopri5 steps for stability (rho = " +
                               reports::format_scientific(rho) + " at t0)";
  if (!(steps > kStiffStepThreshold)) return {"dopri5", estimate + " <= " + reports::format_shortest(kStiffStepThreshold)};
  if (!has_sparse_hessian(field, x0))
    return {"dopri5", estimate + " > " + reports::format_shortest(kStiffStepThreshold) +
                          ", but no sparse closed-form Hessian for rosenbrock34"};
  return {"rosenbrock34", estimate + " > " + reports::format_shortest(kStiffStepThreshold) + ", sparse Hessian"};
}

/// The warnings of a fixed-step run: its step capped to the output spacing, and a step above the stability
/// estimate kStabilityLimits / rho at t0.
std::vector<std::string> fixed_step_warnings(const RunConfig& config, const VelocityField& field, const State& x0) {
  std::vector<std::string> warnings;
  const IntegratorInfo* method = find_integrator(config.integrator.method);
  if (!method || method->adaptive || method->implicit) return warnings;
  const double dt = config.integrator.dt;
  // The steps integrate() takes: each output interval split into ceil(length / dt) equal steps.
  double largest = 0.0, t = config.problem.t0;
  for (const double t_out : config.resolved_output_times()) {
    const double length = t_out - t;
    largest = std::max(largest, length / std::max(1.0, std::ceil(length / dt - 1e-9)));
    t = t_out;
  }
  if (largest < dt * (1.0 - 1e-9))
    warnings.push_back("integrator.dt = " + reports::format_shortest(dt) + " is longer than every output interval: "
                       "the steps were capped to the output spacing, the longest step taken is " +
                       reports::format_shortest(largest));
  for (const auto& [name, limit] : kStabilityLimits) {
    if (name != method->name) continue;
    const double rho = jacobian_spectral_radius(field, x0, static_cast<std::size_t>(config.problem.dimension));
    if (rho > 0.0 && std::isfinite(rho) && largest > limit / rho)
      warnings.push_back("integrator.dt: the step " + reports::format_shortest(largest) + " exceeds the stability "
                         "estimate " + reports::format_shortest(limit) + " / rho = " +
                         reports::format_shortest(limit / rho) + " of " + std::string(name) + " (rho = " +
                         reports::format_shortest(rho) + ", the spectral radius of the velocity's Jacobian at t0): the "
                         "result may be unstable; use integrator.dt <= " + reports::format_shortest(limit / rho));
  }
  return warnings;
}

/// summary.json's `resolved`: what the run actually used.
nlohmann::json resolved_json(const PreparedProblem& problem, const FieldSpec& spec, const Motion& motion,
                             const std::string& truth, const std::optional<AxisBox>& target_box) {
  nlohmann::json resolved = {{"particles", problem.particles.mass.size()},
                             {"h", problem.h},
                             {"epsilon", problem.epsilon},
                             {"placement", problem.placement},
                             {"sampler", motion.sampler},
                             // The blob method's engine; a sampler's field names its own (svgd) or has none.
                             {"engine", motion.target ? nlohmann::json() : nlohmann::json(resolve_engine(spec))},
                             {"field", motion.field ? motion.field->describe() : "none: exact samples of the target"},
                             {"distance_convention", "W_p between the measures divided by their masses"},
                             {"exact_solution", truth.empty() ? nlohmann::json() : nlohmann::json(truth)}};
  if (target_box) {
    const auto d = static_cast<std::ptrdiff_t>(spec.dimension);
    resolved["target_box"] = {{"lo", std::vector<double>(target_box->lo.begin(), target_box->lo.begin() + d)},
                              {"hi", std::vector<double>(target_box->hi.begin(), target_box->hi.begin() + d)}};
  }
  if (problem.lattice) {
    resolved["lattice_cells_per_side"] = problem.lattice->cells_per_side;
    resolved["lattice_spacing"] = problem.lattice->spacing;
    resolved["lattice_quadrature_mass"] = problem.lattice->quadrature_mass;
  }
  return resolved;
}

/// summary.json's metrics.dropouts: per drop-out, who stopped, how many remained and how the run recovered.
nlohmann::json dropouts_json(const RunConfig& config, const RunResult& result) {
  nlohmann::json events = nlohmann::json::array();
  for (const DropoutRecord& d : result.dropouts) {
    const Recovery r = recovery_after(d.t, result.outputs, config.coverage.recovery_factor);
    events.push_back({{"t", d.t},
                      {"removed", d.removed},
                      {"active", d.active},
                      {"w2_at_event", optional_json(r.w2_at_event)},
                      {"w2_after", optional_json(r.w2_after)},
                      {"recovery_time", optional_json(r.time)},
                      {"w2_final", optional_json(r.w2_final)}});
  }
  return events;
}

/// summary.json: status, resolved config, manifest, metrics (README, "Files a run writes").
nlohmann::json summary_json(const RunConfig& config, const RunResult& result, nlohmann::json resolved,
                            const std::string& started) {
  nlohmann::json manifest = manifest_base();
  manifest["start_time"] = started;
  manifest["end_time"] = utc_now();
  return {{"status", to_string(result.status)},
          {"message", result.message},
          {"warnings", result.warnings},
          {"config", to_json(config)},
          {"resolved", std::move(resolved)},
          {"manifest", manifest},
          {"metrics",
           {{"outputs", outputs_json(result.outputs)},
            {"t_reached", result.stats.t_reached},
            {"steps_accepted", result.stats.steps_accepted},
            {"steps_rejected", result.stats.steps_rejected},
            {"rhs_evaluations", result.stats.rhs_evaluations},
            {"energy_evaluations", result.stats.energy_evaluations},
            {"solver_iterations", result.stats.solver_iterations},
            {"jacobian_evaluations", result.stats.jacobian_evaluations},
            {"wall_seconds", result.wall_seconds},
            {"score_evaluations", result.score_evaluations},
            {"pair_evaluations", result.pair_evaluations},
            {"acceptance_rate", optional_json(result.acceptance_rate)},
            {"quantization_floor_w2", optional_json(result.quantization_floor_w2)},
            {"second_moment_rate_exact", optional_json(result.second_moment_rate_exact)},
            {"dropouts", dropouts_json(config, result)}}}};
}

}  // namespace

nlohmann::json manifest_base() {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  return {{"blobflow_version", build_info::kVersion}, {"git_revision", build_info::kGitRevision},
          {"compiler", build_info::kCompilerId},      {"build_type", build_info::kBuildType},
          {"cxx_flags", build_info::kCxxFlags},       {"host", host},
          {"threads", 1},                             {"simd_target", simd_target_name(simd_target())}};
}

FieldSpec field_spec_of(const RunConfig& config, const PreparedProblem& problem) {
  FieldSpec spec;
  spec.equation = config.problem.equation;
  spec.m = config.exponent();
  spec.dimension = config.problem.dimension;
  spec.mollifier = config.discretization.mollifier;
  spec.epsilon = problem.epsilon;
  spec.engine = config.discretization.engine;
  spec.engine_accuracy = config.discretization.engine_accuracy;
  spec.target = config.target;
  spec.potential = config.potential;
  spec.interaction = config.interaction;
  spec.network = config.network;
  spec.particles = problem.particles.mass.size();
  spec.spacing = problem.h;
  return spec;
}

/// The largest extent of the particles' bounding box over the coordinates.
double largest_extent(const Particles& particles) {
  const auto d = static_cast<std::size_t>(particles.dim);
  double extent = 0.0;
  for (std::size_t k = 0; k < d; ++k) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t i = k; i < particles.x.size(); i += d) lo = std::min(lo, particles.x[i]), hi = std::max(hi, particles.x[i]);
    extent = std::max(extent, hi - lo);
  }
  return extent;
}

PreparedProblem prepare_problem(const RunConfig& config) {
  const auto& p = config.problem;
  const int d = p.dimension;
  PreparedProblem out;
  Placement placement = choice_of(kPlacements, config.discretization.placement, {"discretization.placement"});
  if (placement == Placement::automatic) placement = d == 1 ? Placement::quantile : Placement::lattice;
  out.placement = std::string(kPlacements[static_cast<std::size_t>(placement)].name);
  // A particles file at t0 > 0 holds particles of the "barenblatt" data: the same truth, h from their support and
  // the file's N. At t0 = 0 (no Barenblatt profile exists there) it is given data without a truth: agents placed on a
  // line, a peer code's nodes; h is then the spacing of N particles over a cube whose side is the particles' largest
  // extent.
  const bool from_file = is_particles_file(p.initial);
  const bool given_data = from_file && p.t0 == 0.0;
  const InitialData initial =
      from_file ? InitialData::barenblatt : choice_of(kInitialData, p.initial, {"problem.initial"});

  double support_volume = 0.0;
  if (given_data) {
    out.particles = particles_from_file(config);
    out.placement = "file";
    support_volume = std::pow(largest_extent(out.particles), d);
  } else if (initial == InitialData::uniform) {
    support_volume = place_uniform_data(config, placement, out);
  } else {
    out.exact = exact_solution_of(config);
    if (initial == InitialData::exact && !out.exact)
      throw ConfigError({"problem.initial = \"exact\": this problem (target, potential, interaction) has no exact "
                         "solution in blobflow; use initial = \"barenblatt\" for the same data without one"});
    support_volume = place_from_exact_data(config, placement, out);
  }
  if (from_file && !given_data) {
    out.particles = particles_from_file(config);
    out.placement = "file";
    out.lattice.reset();
  }

  const double n = static_cast<double>(out.particles.size());
  if (n < 2) {
    throw ConfigError({"discretization.particles = " + std::to_string(config.discretization.particles) +
                       ": the lattice holds " + std::to_string(out.particles.size()) + " particle(s); need >= 2"});
  }
  if (find_sampler(config.sampling.sampler)->kind == SamplerKind::exact)
    out.particles = exact_samples(config, out.particles.size());  // as many as the placement gave the others
  out.h = std::pow(support_volume / n, 1.0 / d);
  out.epsilon = evaluate_expression(config.discretization.epsilon, {{"h", out.h}, {"N", n}, {"d", double(d)}});
  if (!(out.epsilon > 0.0) || !std::isfinite(out.epsilon)) {
    throw ConfigError({"discretization.epsilon = \"" + config.discretization.epsilon + "\": evaluates to " +
                       std::to_string(out.epsilon) + " at h = " + std::to_string(out.h) + ", N = " +
                       std::to_string(out.particles.size()) + "; must be a finite number > 0"});
  }
  check_target_tail_width(config, out.epsilon);
  // The coverage rules that need the agents and the target's law, before anything is computed.
  check_dropouts(config, out.particles.size());
  if (config.has_region()) (void)make_coverage_density(config);
  return out;
}

/// Warnings about the resolution (summary.json's warnings): a blob width below the particle spacing, and particles
/// that stalled where the exact solution moves. Only for runs of the blob flow that ended well.
void add_resolution_warnings(const RunConfig& config, RunResult& result) {
  if (!config.follows_equation()) return;
  if (result.epsilon < result.h)
    result.warnings.push_back("discretization.epsilon = \"" + config.discretization.epsilon + "\" gives eps = " +
                              reports::format_scientific(result.epsilon) + " < h = " +
                              reports::format_scientific(result.h) +
                              ", the particle spacing: neighbouring blobs barely overlap and the particles may stall "
                              "(the blob method's convergence takes eps large against h)");
  if (result.status != RunStatus::ok || result.outputs.size() < 2) return;
  const auto first = result.outputs.front(), last = result.outputs.back();
  const auto m0 = first.get("second_moment"), m1 = last.get("second_moment");
  const auto e0 = first.get("second_moment_exact"), e1 = last.get("second_moment_exact");
  if (!m0 || !m1 || !e0 || !e1) return;
  // A run that converges follows the exact second moment to within its error: moving a tenth of the exact change
  // or less is no convergence; an exact change below 1e-6 of the moment is none to follow.
  constexpr double kStalledShare = 0.1, kNoChange = 1e-6;
  const double exact_change = std::abs(*e1 - *e0), change = std::abs(*m1 - *m0);
  if (exact_change > kNoChange * std::abs(*e0) && change < kStalledShare * exact_change)
    result.warnings.push_back("the particles stalled: their second moment changed by " +
                              reports::format_scientific(change) + " from t = " + reports::format_shortest(first.t) +
                              " to " + reports::format_shortest(last.t) + ", the exact one by " +
                              reports::format_scientific(exact_change) +
                              " (eps = " + reports::format_scientific(result.epsilon) + ", h = " +
                              reports::format_scientific(result.h) + ")");
}

RunResult run_simulation(const RunConfig& config, const std::filesystem::path& out_dir, const RunProgress& progress) {
  const auto wall_start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  PreparedProblem problem = prepare_problem(config);
  if (!out_dir.empty()) prepare_output_directory(out_dir);  // before the computation, not after it
  const FieldSpec spec = field_spec_of(config, problem);
  Motion motion = make_motion(config, problem, spec);
  const std::vector<double>& masses = problem.particles.mass;
  const TruthChoice truth = make_truth(config, problem.exact, problem.initial_law.get());
  RunMetrics metrics = make_metrics(config, truth.truth.get(), problem.epsilon, masses.size());
  if (trains_by_sgd(config)) metrics.metrics.push_back(make_sgd_flow_metric(make_velocity_field(spec, masses)));

  RunResult result;
  result.n_particles = masses.size();
  result.h = problem.h;
  result.epsilon = problem.epsilon;
  result.quantization_floor_w2 = metrics.quantization_floor_w2;
  result.second_moment_rate_exact = metrics.second_moment_rate_exact;
  Recording rec;
  if (config.has_region()) rec.neighbour_counter = NeighbourCounter::of(config, problem.epsilon);
  State x = problem.particles.x;
  const bool deterministic = motion.field && !motion.stepper && !motion.randomized;
  RunConfig run_config = config;  // integrator.method "auto" resolved
  std::string method_reason = "integrator.method";
  if (config.integrator.method == "auto") {
    std::tie(run_config.integrator.method, method_reason) =
        deterministic ? choose_method(config, *motion.field, x)
                      : std::pair<std::string, std::string>{"dopri5", "auto: nothing to integrate by it"};
    method_reason = "auto: " + method_reason;
  }
  if (trains_by_sgd(config)) {  // SGD's steps replace the integrator's
    run_config.integrator.dt = config.network_training.step;
    method_reason = "network.training = \"sgd\": SGD steps of length network.step replace integrator.method";
  }
  if (deterministic) result.warnings = fixed_step_warnings(run_config, *motion.field, x);  // fixed-step checks
  result.stats = motion.field ? integrate_and_record(run_config, motion, metrics,
                                                     config.collapse_radius * problem.epsilon, x, rec, progress)
                              : record_still(config, *motion.target, metrics, masses, x, rec);
  if (motion.scores_per_evaluation) result.score_evaluations = result.stats.rhs_evaluations * masses.size();
  result.pair_evaluations = result.stats.rhs_evaluations * motion.pairs_per_evaluation;
  if (motion.mala) result.acceptance_rate = motion.mala->counts().acceptance_rate();
  result.status = result.stats.status;
  result.message = result.stats.message;
  result.outputs = std::move(rec.outputs);
  result.dropouts = std::move(rec.dropouts);
  add_resolution_warnings(config, result);
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  nlohmann::json resolved = resolved_json(problem, spec, motion, truth.description, metrics.target_box);
  resolved["integrator"] = {{"method", run_config.integrator.method}, {"chosen_by", method_reason}};
  result.summary = summary_json(config, result, std::move(resolved), started);

  result.snapshots = std::move(rec.snapshots);
  result.masses = masses;
  result.diagnostics = std::move(rec.diagnostics);
  result.neighbours = std::move(rec.neighbours);

  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    const int d = config.problem.dimension;
    write_file(out_dir / "particles.csv", particles_csv(result.snapshots, masses, d));
    if (d <= 2) {  // the densities a report draws, on its grid (density_table.hpp; none in 3D)
      std::vector<DensitySnapshot> at_outputs;
      for (const Snapshot& s : result.snapshots) at_outputs.push_back({s.t, s.x, s.masses});
      write_file(out_dir / "densities.csv",
                 density_table_csv(config, problem.epsilon, problem.exact, masses, at_outputs));
    }
    write_file(out_dir / "diagnostics.csv", diagnostics_csv(result.diagnostics));
    if (!result.neighbours.empty()) write_file(out_dir / "neighbours.csv", neighbours_csv(result.neighbours));
    write_file(out_dir / "summary.json", result.summary.dump(2) + "\n");
  }
  return result;
}

}  // namespace blobflow
