// The configuration of one run: a TOML file (toml++) with the keys of docs/architecture.md "Configuration", overridden
// by `--set section.key=value`, validated up front. Every violation names the key, the value and the rule;
// unknown keys get a "did you mean".
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/network.hpp"
#include "blobflow/solvers/potentials.hpp"
#include "blobflow/solvers/targets.hpp"

namespace blobflow {

/// A configuration that cannot be run; `violations` holds one line per broken rule. The CLI exits with code 2.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> violations);
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  std::vector<std::string> violations_;
};

/// One drop-out event (coverage.dropouts): at time t, after the output there, some agents stop for good. The agents
/// are named by id (their index at t0) or drawn as a share of those still active, from discretization.seed. The
/// survivors keep their masses.
struct Dropout {
  double t = 0.0;
  double fraction = 0.0;                ///< in (0, 1): round(fraction * active) agents, drawn; 0 = use `agents`
  std::vector<std::int64_t> agents;     ///< the ids of the agents that stop (when fraction is 0)
  bool operator==(const Dropout&) const = default;
};

/// The fully resolved configuration of one run (defaults filled in).
struct RunConfig {
  struct Problem {
    std::string equation = "wpme";          ///< "wpme" or "pme"
    int dimension = 1;                      ///< 1, 2 or 3
    double m = 2.0;                         ///< pme exponent (pme only)
    std::string target = "uniform";         ///< wpme target rhobar (wpme only)
    std::string initial = "barenblatt";     ///< "barenblatt" (exact solution at t0) or "uniform"
    double mass = 1.0;                      ///< total mass M
    std::vector<double> initial_support = {-0.5, 0.5};  ///< [lo, hi] per coordinate of the uniform initial density
    double t0 = 0.25;
    double t_final = 1.0;
  } problem;
  struct Discretization {
    std::int64_t particles = 200;           ///< N (in d > 1 the nearest lattice size is used and reported)
    std::string epsilon = "4*h^0.99";       ///< a number or an expression of h, N and d
    std::string mollifier = "gaussian";
    std::string placement = "auto";         ///< "auto" (quantile in 1D, lattice otherwise), "quantile", "lattice",
                                            ///< "random" (i.i.d. samples of the initial law, from `seed`)
    std::int64_t seed = 0;                  ///< random placement: seed >= 0 of its std::mt19937_64
    std::string engine = "auto";            ///< summation engine; "auto" lets blobflow choose (recorded)
    double engine_accuracy = 0.0;           ///< error allowed to a non-exact engine (fft); 0: round-off only
  } discretization;
  TargetSpec target;              ///< wpme: rhobar; target.kind must equal problem.target ([target] holds the rest)
  PotentialSpec potential;        ///< external potential V ([potential]); kind "none" by default
  InteractionSpec interaction;    ///< interaction kernel W ([interaction]); kind "none" by default
  /// [network]: the target function f* of equation "network" (docs/math.md §10); [target] is its data density nu.
  NetworkFunctionSpec network;
  /// [network]: how the network is trained (docs/math.md §10.4): "flow" (the mean-field ODE, by [integrator]) or
  /// "sgd" (stochastic gradient descent: batches of `batch` samples of nu from discretization.seed, step `step`).
  struct NetworkTraining {
    std::string training = "flow";
    std::int64_t batch = 1;  ///< sgd: B >= 1
    double step = 1e-2;      ///< sgd: tau > 0, the time one step stands for
  } network_training;
  /// integrator.method "auto" (the default): the run picks dopri5 or rosenbrock34 (run.cpp, choose_method).
  IntegratorSpec integrator{.method = "auto"};
  /// integrator.collapse_radius: the run stops with status `collapsed` once the particles' RMS distance from their
  /// centroid is below this many eps (0: never). A stopping rule of the run driver (run.cpp), not of integrate().
  double collapse_radius = 0.0;
  /// [sampling]: how the particles approximate rhobar (docs/math.md §8); the default is the blob method, the run's
  /// equation itself.
  struct Sampling {
    std::string sampler = "blob";           ///< blobflow list samplers
    std::string bandwidth = "median";       ///< svgd: a number h > 0, "median" (every evaluation) or "median-t0"
    std::int64_t batch = 0;                 ///< blob, svgd: random batches of this size, 0 = all pairs
    double mmd_length = 1.0;                ///< the width l of the MMD's Gaussian kernel exp(-|x - y|^2 / (2 l^2))
  } sampling;
  /// [coverage]: agents covering a region (docs/math.md §9): the region the coverage metrics measure, the control
  /// law, and drop-out events.
  struct Coverage {
    /// The region box: 1 entry (the same for every coordinate) or d entries each; both empty = no region.
    std::vector<double> region_lo, region_hi;
    std::string controller = "blob";         ///< "blob" (the run's wpme flow) or "lloyd" (centroidal Voronoi)
    double gain = 1.0;                       ///< lloyd: k of dp_i/dt = k (c_i - p_i)
    std::vector<Dropout> dropouts;           ///< in time order
    /// After a drop-out the run has recovered once w2_steady is back within this factor of its value at the event.
    double recovery_factor = 1.5;
  } coverage;
  struct Output {
    std::vector<double> times;              ///< output times in (t0, t_final]; t_final is always included
    std::int64_t diagnostics_every = 1;     ///< accepted steps between energy diagnostics (0: output times only)
  } output;

  /// Whether the run draws random numbers from discretization.seed: a random placement, a random sampler (ula,
  /// mala, iid), random batches or a drop-out of a random fraction.
  bool uses_seed() const;
  /// The output times, sorted, without duplicates, ending with t_final.
  std::vector<double> resolved_output_times() const;
  /// The exponent m the run's equation uses: the one the equation fixes (wpme: 2), else problem.m. The initial
  /// data, the exact solution, the reference solver and the field all take this one. \throws std::invalid_argument
  /// for an unknown equation.
  double exponent() const;
  /// Whether the particles follow the equation's flow from t0 to t_final: the blob method (no other sampler), no
  /// other controller and no drop-out. Only then is the problem's exact or reference solution their truth.
  bool follows_equation() const {
    return sampling.sampler == "blob" && coverage.controller == "blob" && coverage.dropouts.empty();
  }
  /// Whether [coverage] gives a region (the coverage metrics are measured on it).
  bool has_region() const { return !coverage.region_lo.empty(); }
};

/// Whether problem.initial names a particles file (NAME.csv) rather than initial data.
inline bool is_particles_file(std::string_view initial) { return initial.size() > 4 && initial.ends_with(".csv"); }

/// Two configurations are equal when every key holds the same value (and target.kind is the same).
bool operator==(const RunConfig& a, const RunConfig& b);

/// One configuration key as `blobflow run --help` and the README list it. Every key is declared once, in the key
/// table of config.cpp, which also drives reading, "did you mean", to_json and from_json.
struct ConfigKey {
  std::string_view section;
  std::string_view name;
  std::string default_value;  ///< the value in a default-constructed RunConfig, as TOML text
  std::string_view rule;      ///< what the value must satisfy ("" where the solver's factory states it)
  std::string_view help;      ///< what the key means
};
std::span<const ConfigKey> config_schema();

/// Every rule `config` breaks, one "key = value: rule" line each, in key order (empty: the configuration runs).
/// `given_keys` ("section.key") are the keys a file set: a key that does not apply to the equation (problem.m for
/// wpme, problem.target and [target] for pme) is refused when given with a value other than its default, and the
/// target keys when given at all.
std::vector<std::string> validate(const RunConfig& config, const std::set<std::string>& given_keys);
/// The same, the given keys being those whose value differs from the default.
std::vector<std::string> validate(const RunConfig& config);

/// Parses TOML text (`source` names it in messages), applies `overrides` ("section.key=value", the value read as
/// TOML, or as a bare string when it is not valid TOML) and validates. \throws ConfigError.
RunConfig parse_run_config(std::string_view toml_text, const std::string& source,
                           const std::vector<std::string>& overrides = {});
/// The same from the sections of a TOML file as JSON: objects are tables, arrays arrays, integers TOML integers,
/// other numbers TOML floats (what the Python module's dicts become). A value TOML cannot hold (null) is a violation
/// naming its key. \throws ConfigError.
RunConfig run_config_from_sections(const nlohmann::json& sections, const std::vector<std::string>& overrides = {});
/// Reads and parses a TOML file. \throws ConfigError (also when the file cannot be read).
RunConfig load_run_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

/// The resolved configuration as JSON (sections and keys as in the TOML file), for summary.json; the seed only
/// where the run uses it (uses_seed), the [sampling] section only where it differs from the default.
nlohmann::json to_json(const RunConfig& config);
/// The configuration to_json wrote: a key left out keeps its default, and output.times drops its last entry when
/// it equals problem.t_final, so that from_json(to_json(c)) == c when c's output times are sorted, distinct and
/// before t_final (and its seed is the default unless placement = "random"). Not validated (see validate()).
/// \throws ConfigError naming the key of every value of the wrong type, unknown key or section.
RunConfig from_json(const nlohmann::json& json);

}  // namespace blobflow
