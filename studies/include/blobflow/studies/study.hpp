// Built-in studies: sweeps of runs with their error tables and fitted rates. For now the one built-in study is
// "default": the 1D Barenblatt problem of configs/barenblatt-1d.toml at N = 100, 200, 400, 800, with W1, W2 and
// W-inf at t_final, the ratio of successive W2 errors and the fitted order of W2 against N.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace blobflow {

/// Options of `blobflow study`.
struct StudyOptions {
  std::string name = "default";
  std::filesystem::path out_dir = "out/study-default";
  std::vector<std::string> overrides;  ///< "section.key=value", applied to every run
};

/// The names of the built-in studies.
std::vector<std::string> builtin_study_names();

/// Runs a built-in study, prints its table to `out`, and writes one directory per run plus table.md, table.txt
/// and study.json to the output directory. Returns 0 when every run succeeded and 1 otherwise.
/// \throws ConfigError for an unknown study name or bad overrides.
int run_study(const StudyOptions& options, std::ostream& out);

/// The text of a built-in configuration (configs/NAME.toml compiled in). \throws ConfigError for unknown names.
std::string builtin_config(const std::string& name);

}  // namespace blobflow
