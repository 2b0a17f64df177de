// Running studies (docs/architecture.md "Files a study writes"): the runs of an expanded study file are executed on a
// pool of threads, each run's record (summary, sweep coordinates, config hash, status) appended to runs.jsonl and
// flushed as soon as the run ends, so that a killed study loses no finished run and `--resume` skips them; a run that
// fails (numerically or with an exception) is recorded with its status and the study goes on. The report (rates,
// figures, index.html) is then built from the files alone (reports/study_report.hpp).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace blobflow {

/// Options of `blobflow study`.
struct StudyOptions {
  std::string study = "default";       ///< a study file, or the name of a built-in study
  std::filesystem::path out_dir;       ///< empty: out/study-<study name>
  std::vector<std::string> overrides;  ///< "section.key=value", applied to every run (not to swept keys)
  unsigned threads = 0;                ///< worker threads (per rank under MPI); 0: the hardware concurrency (1 under MPI)
  bool resume = false;                 ///< keep runs.jsonl and skip the runs recorded there
  bool progress = true;                ///< show progress on standard error when it is a terminal
  bool render = true;                  ///< render the report's figures with gnuplot
  bool paper = false;                  ///< also render the paper figures (PDF, cairolatex; reports::ReportOptions)
  bool force = false;                  ///< write into a non-empty directory (its earlier records are removed)
};

/// What a study did.
struct StudyOutcome {
  std::size_t n_planned = 0;  ///< runs in the expanded study
  std::size_t n_skipped = 0;  ///< recorded by an earlier (interrupted) invocation, not run again (--resume)
  std::size_t n_run = 0;      ///< run by this invocation
  std::size_t n_failed = 0;   ///< recorded with a status other than ok (this invocation and earlier ones)
  std::filesystem::path out_dir;
};

/// Runs a study: writes study.toml, study.json, runs.jsonl, runs/<id>/ and the report to the output directory and
/// prints a summary (and the fitted rates) to `out`. Without `resume` a non-empty output directory is refused unless
/// `force` (which removes its runs.jsonl and the run folders of the plan); with `resume` a plan in which a run
/// recorded there (study.json, runs.jsonl) has another configuration is refused, the difference shown. Under
/// mpirun with several ranks (a StudyMpiSession), this is rank 0's part: it also hands runs to the other ranks and
/// records what they send back; the records are the same as with threads only.
/// \throws ConfigError for a bad study file, name or override; UsageRefused for a directory it must not write to;
/// std::runtime_error for I/O failures.
StudyOutcome run_study(const StudyOptions& options, std::ostream& out);

/// MPI for `blobflow study` (studies/src/study_mpi.cpp): when blobflow was built with BLOBFLOW_WITH_MPI and this
/// process was started by an MPI launcher (mpirun), the constructor initializes MPI and the destructor finalizes
/// it; otherwise both do nothing and the process is rank 0 of 1. While a session with more than one rank is alive,
/// run_study on rank 0 coordinates and every other rank must call work_for_study instead.
class StudyMpiSession {
 public:
  /// \throws std::runtime_error when MPI cannot start, or lacks the thread support the worker ranks need.
  StudyMpiSession();
  ~StudyMpiSession();
  StudyMpiSession(const StudyMpiSession&) = delete;
  StudyMpiSession& operator=(const StudyMpiSession&) = delete;
  int rank() const;  ///< this process's rank (0 outside MPI)
  int size() const;  ///< the number of ranks (1 outside MPI)

 private:
  bool started_ = false;  ///< MPI was initialized here (and is finalized by the destructor)
};

/// The part of a rank other than 0 in a study under mpirun: waits for rank 0's setup, then runs the runs that rank
/// 0 hands out (dynamic assignment) on `options.threads` threads (0: one) and sends each record back, until none
/// is left. Prints nothing. Returns the exit code: 0, or rank 0's when its setup failed (2 for a bad study).
int work_for_study(const StudyOptions& options);

/// Rebuilds the report of a study directory from its files and prints the fitted rates to `out`.
/// \throws std::runtime_error when the directory holds no study.
/// With `paper` also the paper figures (reports::ReportOptions::paper).
void report_study(const std::filesystem::path& dir, std::ostream& out, bool render = true, bool paper = false);

/// The text of a built-in configuration (configs/NAME.toml compiled in). \throws ConfigError for unknown names.
std::string builtin_config(const std::string& name);

}  // namespace blobflow
