// The configuration of one run: a TOML file (toml++) with the canonical keys of DESIGN.md, overridden by
// `--set section.key=value`, validated up front. Every violation names the key, the value and the rule;
// unknown keys get a "did you mean".
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "blobflow/solvers/integrators.hpp"
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
  TargetSpec target;              ///< wpme: rhobar; target.kind mirrors problem.target ([target] holds the rest)
  PotentialSpec potential;        ///< external potential V ([potential]); kind "none" by default
  InteractionSpec interaction;    ///< interaction kernel W ([interaction]); kind "none" by default
  IntegratorSpec integrator;
  struct Output {
    std::vector<double> times;              ///< output times in (t0, t_final]; t_final is always included
    std::int64_t diagnostics_every = 1;     ///< accepted steps between energy diagnostics (0: output times only)
  } output;

  /// The output times, sorted, without duplicates, ending with t_final.
  std::vector<double> resolved_output_times() const;
};

/// One documented configuration key (the schema drives validation, "did you mean" and `blobflow run --help`).
struct ConfigKey {
  std::string_view section;
  std::string_view name;
  std::string_view default_value;
  std::string_view description;
};
std::span<const ConfigKey> config_schema();

/// Parses TOML text (`source` names it in messages), applies `overrides` ("section.key=value", the value read as
/// TOML, or as a bare string when it is not valid TOML) and validates. \throws ConfigError.
RunConfig parse_run_config(std::string_view toml_text, const std::string& source,
                           const std::vector<std::string>& overrides = {});
/// Reads and parses a TOML file. \throws ConfigError (also when the file cannot be read).
RunConfig load_run_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

/// The resolved configuration as JSON (sections and keys as in the TOML file), for summary.json; the seed only
/// with placement = "random".
nlohmann::json to_json(const RunConfig& config);

}  // namespace blobflow
