// The study runner (see study.hpp): a pool of threads takes runs from one shared counter (dynamic assignment), each
// run is independent and deterministic, so the records do not depend on the number of threads (only their order
// in runs.jsonl and the wall times do; the report orders runs by the plan). A record is one line written with a
// single write(2) on a file opened with O_APPEND, so lines never interleave and a finished run is in the file
// (the kernel's page cache) the moment write returns: kill -9 of the study cannot lose it.
#include "blobflow/studies/study.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>

#include "blobflow/builtin_configs.hpp"
#include "blobflow/reports/study_report.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/report_densities.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study_spec.hpp"

namespace blobflow {
namespace {

/// Seconds between two progress redraws (a redraw also happens whenever a run finishes).
constexpr double kProgressInterval = 0.5;

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(path.string() + ": cannot write the file");
}

/// Cuts a torn last line (a study killed while writing it) so that appended records start on a fresh line.
void drop_torn_tail(const std::filesystem::path& jsonl) {
  std::ifstream in(jsonl, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (keep != text.size()) std::filesystem::resize_file(jsonl, keep);
}

std::string clock_text(double seconds) {
  const long s = std::lround(seconds);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02ld:%02ld", s / 60, s % 60);
  return buffer;
}

/// Executes one planned run and returns its record. Never throws: an exception is a record with status "error".
nlohmann::json execute(const StudySpec& spec, const PlannedRun& run, const std::filesystem::path& out_dir) {
  nlohmann::json record = {{"id", run.id},         {"index", run.index},
                           {"sweep", run.sweep},   {"coords", run.coords},
                           {"reference", run.reference}, {"config_hash", run.config_hash}};
  try {
    const RunConfig config = parse_run_config(spec.config_text, spec.config_name, run.overrides);
    const RunResult result = run_simulation(config, out_dir / "runs" / run.id);
    record["status"] = std::string(to_string(result.status));
    record["message"] = result.message;
    record["summary"] = result.summary;
  } catch (const std::exception& e) {
    record["status"] = "error";
    record["message"] = e.what();
    record["summary"] = nullptr;
  }
  return record;
}

void print_fits(const reports::StudyReport& report, const std::filesystem::path& dir, std::ostream& out) {
  for (const reports::ReportFit& f : report.fits) out << f.fit << " [" << f.group << "]: " << f.line << "\n";
  out << "report: " << (dir / "index.html").string() << " and " << (dir / "report.md").string() << " ("
      << report.figures.size() << " figures";
  std::size_t rendered = 0;
  for (const auto& fig : report.figures) rendered += fig.rendered;
  if (rendered < report.figures.size()) out << ", " << report.figures.size() - rendered << " not rendered: gnuplot?";
  out << ")\n";
}

}  // namespace

std::string builtin_config(const std::string& name) {
  for (const auto& [key, text] : builtin::kConfigs)
    if (key == name) return std::string(text);
  throw ConfigError({"configuration \"" + name + "\": no such built-in configuration"});
}

StudyOutcome run_study(const StudyOptions& options, std::ostream& out) {
  const StudySpec spec = load_study(options.study);
  const std::vector<PlannedRun> runs = expand_study(spec, options.overrides);
  StudyOutcome outcome;
  outcome.n_planned = runs.size();
  outcome.out_dir = options.out_dir.empty() ? std::filesystem::path("out") / ("study-" + spec.name) : options.out_dir;
  const std::filesystem::path& dir = outcome.out_dir;
  std::filesystem::create_directories(dir);
  const std::filesystem::path jsonl = dir / "runs.jsonl";

  // Runs recorded before with the same configuration are finished: skip them (whatever their status).
  std::set<std::string> finished;
  if (options.resume && std::filesystem::exists(jsonl)) {
    drop_torn_tail(jsonl);
    std::set<std::pair<std::string, std::string>> recorded;
    for (const auto& r : reports::read_run_records(jsonl))
      recorded.emplace(r["id"].get<std::string>(), r.value("config_hash", ""));
    for (const PlannedRun& run : runs)
      if (recorded.count({run.id, run.config_hash})) finished.insert(run.id);
  } else {
    std::filesystem::remove(jsonl);
  }
  outcome.n_skipped = finished.size();

  nlohmann::json study = to_json(spec, runs);
  study["overrides"] = options.overrides;
  study["manifest"] = manifest_base();
  write_text(dir / "study.toml", spec.source_text);
  write_text(dir / "config.toml", spec.config_text);
  write_text(dir / "study.json", study.dump(2) + "\n");

  std::vector<const PlannedRun*> todo;
  for (const PlannedRun& run : runs)
    if (!finished.count(run.id)) todo.push_back(&run);
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const auto n_threads = static_cast<unsigned>(
      std::min<std::size_t>(options.threads ? options.threads : hardware, std::max<std::size_t>(1, todo.size())));
  out << "study " << spec.name << ": " << runs.size() << " runs";
  if (outcome.n_skipped) out << ", " << outcome.n_skipped << " finished before (skipped)";
  out << ", running " << todo.size() << " on " << n_threads << " thread" << (n_threads == 1 ? "" : "s") << " -> "
      << dir.string() << "\n"
      << std::flush;

  const int fd = ::open(jsonl.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(jsonl.string() + ": cannot open for appending");
  const bool show_progress = options.progress && ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // guards the file writes, the counters and the progress line
  std::size_t done = 0, failed_now = 0;
  std::string write_error;
  double last_draw = -kProgressInterval;
  auto draw = [&](bool force) {  // called with the mutex held
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!show_progress || (!force && elapsed - last_draw < kProgressInterval)) return;
    last_draw = elapsed;
    std::string eta = "--:--";
    if (done > 0) eta = clock_text(elapsed / double(done) * double(todo.size() - done));
    std::fprintf(stderr, "\r  %zu/%zu runs done, %s elapsed, ETA %s ", done, todo.size(), clock_text(elapsed).c_str(),
                 eta.c_str());
    std::fflush(stderr);
  };
  auto worker = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < todo.size();) {
      const nlohmann::json record = execute(spec, *todo[k], dir);
      const std::string line = record.dump() + "\n";
      std::lock_guard lock(mutex);
      const ssize_t written = ::write(fd, line.data(), line.size());
      if (written != static_cast<ssize_t>(line.size()) && write_error.empty())
        write_error = jsonl.string() + ": cannot append the record of run " + todo[k]->id;
      ++done;
      failed_now += record["status"] != "ok";
      draw(true);
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < n_threads; ++t) pool.emplace_back(worker);
  }
  ::close(fd);
  if (show_progress) std::fprintf(stderr, "\n");
  if (!write_error.empty()) throw std::runtime_error(write_error);
  outcome.n_run = done;

  const reports::StudyReport report = reports::build_study_report(dir, {options.render, false, run_densities});
  outcome.n_failed = report.n_failed;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << "ran " << done << " runs (" << failed_now << " failed) in " << reports::format_fixed(elapsed, 1) << " s; "
      << report.n_recorded << " of " << report.n_planned << " runs recorded, " << report.n_failed << " failed\n";
  print_fits(report, dir, out);
  return outcome;
}

void report_study(const std::filesystem::path& dir, std::ostream& out, bool render) {
  if (!std::filesystem::exists(dir / "study.json"))
    throw std::runtime_error(dir.string() + ": no study.json (not the output directory of blobflow study)");
  const reports::StudyReport report = reports::build_study_report(dir, {render, false, run_densities});
  out << report.n_recorded << " of " << report.n_planned << " runs recorded, " << report.n_failed << " failed\n";
  print_fits(report, dir, out);
}

}  // namespace blobflow
