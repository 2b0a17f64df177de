// Study files (docs/architecture.md "Configuration"): a TOML file that names a base run configuration, declares one or
// more sweeps (each a grid, the Cartesian product of its axes over any run key, plus fixed overrides and an optional
// reference run) and the rate fits of the report ("W2 at T against N, per mollifier"). The spec is expanded into
// a deterministic list of runs; the runner and the report both work from that list.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blobflow/reports/fit_spec.hpp"  // FitSpec, shared with the report

namespace blobflow {

/// One sweep axis: a run key ("discretization.particles") and its values, kept as TOML text ("100", "\"rk4\"").
/// A value written as a case, `{ value = "gaussian", set = { target.mean = [0.0] } }`, also carries overrides that
/// apply with that value only (the parameters of a kind the axis selects); `with[i]` holds those of values[i].
struct SweepAxis {
  std::string key;
  std::vector<std::string> values;
  std::vector<std::vector<std::string>> with;  ///< "section.key=value" overrides per value (empty for a plain value)
};

/// One sweep: the grid of its axes (Cartesian product, the first axis varying slowest), fixed overrides applied to
/// each of its runs, replicates of each grid point, and optionally a reference run (the fixed overrides plus
/// `reference`, no axis applied).
struct SweepSpec {
  std::string name;
  std::vector<std::string> set;        ///< "section.key=value" overrides of every run of this sweep
  std::vector<SweepAxis> axes;
  std::vector<std::string> reference;  ///< overrides of the reference run; empty: no reference run
  /// Runs per grid point (random placement only): replicate r = 0..K-1 runs with discretization.seed = seed0 + r,
  /// seed0 the grid point's seed, and has coords.replicate = r.
  std::int64_t replicates = 1;
};

/// A parsed, validated study.
struct StudySpec {
  std::string name;
  std::string title;
  std::string description;
  std::string config_name;  ///< the base configuration as written in the file
  std::string config_text;  ///< its TOML text
  std::string source_text;  ///< the study file itself
  std::vector<SweepSpec> sweeps;
  std::vector<FitSpec> fits;
};

/// One run of an expanded study.
struct PlannedRun {
  std::string id;              ///< "<sweep>-0007", or "<sweep>-reference"; unique in the study
  std::string sweep;
  std::size_t index = 0;       ///< position in the expanded list (the order of the report)
  nlohmann::json coords;       ///< axis key -> value (JSON), empty object for a reference run
  bool reference = false;
  std::vector<std::string> overrides;  ///< everything applied to the base configuration, in order
  std::string config_hash;     ///< FNV-1a 64 of the resolved configuration (hex)
};

/// Parses and validates a study file's text. Relative base-configuration paths are resolved against `directory`;
/// a base that is not a file is looked up among the built-in configurations. \throws ConfigError naming every
/// bad key, value and rule.
StudySpec parse_study(const std::string& toml_text, const std::string& source, const std::filesystem::path& directory);

/// Loads a study: an existing file path, or the name of a built-in study. \throws ConfigError.
StudySpec load_study(const std::string& file_or_name);

/// The names of the built-in studies (studies/builtin/NAME.toml compiled in).
std::vector<std::string> builtin_study_names();

/// Expands the study into its runs, resolving and validating every configuration (the `extra` overrides, from the
/// command line, apply to every run and may not touch a swept key). \throws ConfigError.
std::vector<PlannedRun> expand_study(const StudySpec& spec, const std::vector<std::string>& extra = {});

/// The study as JSON for study.json (what `blobflow report` needs besides runs.jsonl).
nlohmann::json to_json(const StudySpec& spec, const std::vector<PlannedRun>& runs);

/// FNV-1a 64-bit hash of a text, as 16 hex digits.
std::string fnv1a_hex(const std::string& text);

}  // namespace blobflow
