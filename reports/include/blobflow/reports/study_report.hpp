// The report of a study (docs/architecture.md "Files a study writes"), built only from what the study wrote: study.json
// (the expanded study: sweeps, fits, planned runs with their config hashes, manifest), study.toml (the study file),
// runs.jsonl (one record per finished run) and the per-run folders runs/<id>/ (diagnostics.csv, particles.csv,
// densities.csv). It writes rates.csv, rates.md, rates.tex, figures/ (.dat + .gp, rendered PNG and SVG), and
// report.md and index.html, both rendered from one Document (document.hpp).
// Never runs a solver: `blobflow report DIR` rebuilds everything from those files.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace blobflow::reports {

/// The complete records of a runs.jsonl file in file order. A last line without its newline (a study killed while
/// writing it) and lines that are not JSON objects with an id are skipped. \throws std::runtime_error when the file
/// exists but cannot be read, or a record lacks its status or has a member of the wrong type (the message names
/// the line, the key, its value and the rule).
std::vector<nlohmann::json> read_run_records(const std::filesystem::path& jsonl);

/// Whether a recorded run status is a successful end: "ok" (t_final reached) or "collapsed" (stopped by the run's
/// collapse check, integrator.collapse_radius). Every other status (a numerical failure, "error") is a failure.
bool successful_status(std::string_view status);

/// One figure of a report: its file stem under figures/ and the caption the report shows.
struct ReportFigure {
  std::string name;
  std::string caption;
  bool rendered = false;
};

/// One fitted group of a report.
struct ReportFit {
  std::string fit, group;
  std::string line;  ///< "fitted order ... (95% CI ...)" or the reason there is none
  bool ok = false;
  double slope = 0.0, ci95_low = 0.0, ci95_high = 0.0;
  std::size_t points_used = 0;
};

/// What build_study_report produced.
struct StudyReport {
  std::vector<ReportFigure> figures;
  std::vector<ReportFit> fits;
  std::vector<std::string> warnings;  ///< what the reader should know before trusting a fit (a best eps at an edge)
  std::size_t n_planned = 0, n_recorded = 0, n_failed = 0;
};

/// Options of build_study_report.
struct ReportOptions {
  bool render = true;  ///< run gnuplot on the figures (when installed)
  /// Also the paper figures: per curve figure NAME.pdf and NAME-latex.tex + NAME-latex.pdf (figure.hpp,
  /// write_plot), and NAME.pdf of heat maps.
  bool paper = false;
};

/// Builds the report in `dir` from its study.json, study.toml, runs.jsonl and run folders. \throws
/// std::runtime_error when study.json is missing or malformed or a file cannot be written.
StudyReport build_study_report(const std::filesystem::path& dir, const ReportOptions& options = {});

}  // namespace blobflow::reports
