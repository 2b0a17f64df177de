// The study runner (see study.hpp): a pool of threads takes runs from one shared counter (dynamic assignment), each
// run is independent and deterministic, so the records do not depend on the number of threads (only their order
// in runs.jsonl and the wall times do; the report orders runs by the plan). A record is one line written with a
// single write(2) on a file opened with O_APPEND, so lines never interleave and a finished run is in the file
// (the kernel's page cache) the moment write returns: kill -9 of the study cannot lose it. Under mpirun with several
// ranks (study_mpi.hpp) the other ranks take runs from the same counter through rank 0, which writes their records
// the same way, so the records are those of a threaded study.
#include "blobflow/studies/study.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <thread>

#include "blobflow/builtin_configs.hpp"
#include "blobflow/reports/study_report.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/message.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/run_files.hpp"
#include "blobflow/studies/study_spec.hpp"
#include "study_mpi.hpp"

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

/// Executes one planned run of the base configuration `config_text` and returns its record. Never throws: an
/// exception is a record with status "error".
nlohmann::json execute(const std::string& config_text, const std::string& config_name, const PlannedRun& run,
                       const std::filesystem::path& out_dir) {
  nlohmann::json record = {{"id", run.id},         {"index", run.index},
                           {"sweep", run.sweep},   {"coords", run.coords},
                           {"reference", run.reference}, {"config_hash", run.config_hash}};
  try {
    const RunConfig config = parse_run_config(config_text, config_name, run.overrides);
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

/// A run as a task for an MPI worker rank: everything `execute` needs, as JSON text.
std::string task_text(const StudySpec& spec, const PlannedRun& run, const std::filesystem::path& out_dir) {
  return nlohmann::json{{"config_text", spec.config_text}, {"config_name", spec.config_name},
                        {"out_dir", out_dir.string()},    {"id", run.id},
                        {"sweep", run.sweep},             {"index", run.index},
                        {"coords", run.coords},           {"reference", run.reference},
                        {"overrides", run.overrides},     {"config_hash", run.config_hash}}
      .dump();
}

/// Executes a task of task_text and returns its record line (without the newline); under MPI every record names
/// the rank that ran it (`mpi_rank`).
std::string execute_task(const std::string& text) {
  const nlohmann::json task = nlohmann::json::parse(text);
  PlannedRun run;
  run.id = task["id"].get<std::string>();
  run.sweep = task["sweep"].get<std::string>();
  run.index = task["index"].get<std::size_t>();
  run.coords = task["coords"];
  run.reference = task["reference"].get<bool>();
  run.overrides = task["overrides"].get<std::vector<std::string>>();
  run.config_hash = task["config_hash"].get<std::string>();
  nlohmann::json record = execute(task["config_text"].get<std::string>(), task["config_name"].get<std::string>(),
                                  run, task["out_dir"].get<std::string>());
  record["mpi_rank"] = study_mpi::place().rank;
  return record.dump();
}

/// The exit code of the exception being handled, as the command line maps it (2: a bad study; 1: anything else),
/// for the MPI worker ranks, which end with rank 0's code when its setup fails.
int setup_exit_code() {
  constexpr int kExitFailure = 1, kExitUsage = 2;
  try {
    throw;
  } catch (const ConfigError&) {
    return kExitUsage;
  } catch (const UsageRefused&) {
    return kExitUsage;
  } catch (...) {
    return kExitFailure;
  }
}

/// A study expanded, its directory prepared (study.toml, config.toml, study.json) and its --resume handled.
struct PreparedStudy {
  StudySpec spec;
  std::vector<PlannedRun> runs;
  std::filesystem::path dir;
  std::size_t n_skipped = 0;
};

/// The names in `dir` (none when it does not exist), sorted, for the message that refuses a non-empty directory.
std::vector<std::string> directory_entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

/// The (id, config hash) pairs of the runs a directory recorded: its study.json's plan and its runs.jsonl records.
std::vector<std::pair<std::string, std::string>> recorded_hashes(const std::filesystem::path& dir) {
  std::vector<std::pair<std::string, std::string>> ids;
  std::ifstream in(dir / "study.json");
  const nlohmann::json study = nlohmann::json::parse(in, nullptr, false);
  if (study.is_object() && study.contains("runs") && study["runs"].is_array())
    for (const auto& r : study["runs"])
      if (r.is_object() && r.value("id", nlohmann::json()).is_string())
        ids.emplace_back(r["id"].get<std::string>(), r.value("config_hash", ""));
  if (std::filesystem::exists(dir / "runs.jsonl"))
    for (const auto& r : reports::read_run_records(dir / "runs.jsonl"))
      ids.emplace_back(r["id"].get<std::string>(), r.value("config_hash", ""));
  return ids;
}

std::string joined_or_none(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) {
    if (!s.empty()) s += ' ';
    s += "--set ";
    s += item;
  }
  return s.empty() ? "none" : s;
}

/// The keys in which the configuration the directory recorded for run `id` differs from `now`, one line each
/// ("key: then ..., now ..."); empty when the recorded configuration cannot be rebuilt (an older study.json).
std::vector<std::string> configuration_difference(const std::filesystem::path& dir, const std::string& id,
                                                  const PlannedRun& now, const StudySpec& spec) {
  std::vector<std::string> lines;
  try {
    std::ifstream in(dir / "study.json");
    const nlohmann::json study = nlohmann::json::parse(in, nullptr, false);
    std::ifstream config_in(dir / "config.toml");
    const std::string config_text((std::istreambuf_iterator<char>(config_in)), std::istreambuf_iterator<char>());
    for (const auto& r : study.at("runs")) {
      if (r.value("id", "") != id || !r.contains("overrides")) continue;
      const nlohmann::json then = to_json(parse_run_config(config_text, "config.toml", r["overrides"]));
      const nlohmann::json current = to_json(parse_run_config(spec.config_text, spec.config_name, now.overrides));
      const nlohmann::json flat_then = then.flatten(), flat_now = current.flatten();
      std::set<std::string> keys;
      for (const auto& [key, value] : flat_then.items()) keys.insert(key);
      for (const auto& [key, value] : flat_now.items()) keys.insert(key);
      for (const std::string& key : keys) {
        const nlohmann::json a = flat_then.value(key, nlohmann::json()), b = flat_now.value(key, nlohmann::json());
        if (a == b) continue;
        std::string name = key.substr(1);
        std::replace(name.begin(), name.end(), '/', '.');
        lines.push_back(name + ": " + (a.is_null() ? "(default)" : a.dump()) + " recorded, " +
                        (b.is_null() ? "(default)" : b.dump()) + " now");
      }
    }
  } catch (const std::exception&) {
    lines.clear();  // the recorded plan cannot be read back: the message names the ids and the --set lists only
  }
  return lines;
}

/// --resume: refuses a plan in which a run the directory recorded (planned in study.json or in runs.jsonl) has
/// another configuration (a forgotten or added --set, an edited configuration), showing the difference. Runs
/// added to the plan are allowed, and so is every change that leaves the runs as they were (fits, figures).
void check_resumed_plan(const std::filesystem::path& dir, const StudySpec& spec, const std::vector<PlannedRun>& runs,
                        const std::vector<std::string>& overrides) {
  std::map<std::string, const PlannedRun*> planned;
  for (const PlannedRun& run : runs) planned[run.id] = &run;
  std::vector<std::string> changed;
  for (const auto& [id, hash] : recorded_hashes(dir)) {
    const auto it = planned.find(id);
    if (it != planned.end() && it->second->config_hash != hash &&
        std::find(changed.begin(), changed.end(), id) == changed.end())
      changed.push_back(id);
  }
  if (changed.empty()) return;
  std::ifstream in(dir / "study.json");
  const nlohmann::json study = nlohmann::json::parse(in, nullptr, false);
  std::vector<std::string> overrides_then;
  if (study.is_object() && study.contains("overrides") && study["overrides"].is_array())
    for (const auto& o : study["overrides"])
      if (o.is_string()) overrides_then.push_back(o.get<std::string>());
  constexpr std::size_t kIdsShown = 5;  // a plan of thousands of runs would bury the rest of the message
  std::string ids;
  for (std::size_t k = 0; k < std::min(kIdsShown, changed.size()); ++k) ids += (k ? ", " : "") + changed[k];
  if (changed.size() > kIdsShown) ids += ", ...";
  std::string message = "--resume: " + dir.string() + " recorded another plan: " + std::to_string(changed.size()) +
                        " of its runs have another configuration now (" + ids + ")\n  --set recorded: " +
                        joined_or_none(overrides_then) + "\n  --set now:      " + joined_or_none(overrides);
  const std::vector<std::string> keys = configuration_difference(dir, changed.front(), *planned[changed.front()], spec);
  if (!keys.empty()) message += "\n  run " + changed.front() + ":";
  for (const std::string& line : keys) message += "\n    " + line;
  message += "\n  give the same --set (and study file) to resume it, or --force to start over in that directory, or "
             "-o another directory";
  throw UsageRefused(message);
}

/// Without --resume a directory that holds anything is refused, unless --force: then its runs.jsonl and the run
/// folders of the plan are removed (other files are overwritten or left as they are).
void claim_directory(const std::filesystem::path& dir, const std::vector<PlannedRun>& runs,
                     const StudyOptions& options) {
  const std::vector<std::string> entries = directory_entries(dir);
  if (entries.empty() || options.resume) return;
  if (!options.force) {
    constexpr std::size_t kNamesShown = 6;
    std::string names;
    for (std::size_t k = 0; k < std::min(kNamesShown, entries.size()); ++k) names += (k ? ", " : "") + entries[k];
    if (entries.size() > kNamesShown) names += ", ...";
    throw UsageRefused("output directory " + dir.string() + " is not empty (" + names +
                       "): --resume to go on with the study recorded there, --force to replace its records, or -o "
                       "another directory");
  }
  std::filesystem::remove(dir / "runs.jsonl");
  for (const PlannedRun& run : runs) std::filesystem::remove_all(dir / "runs" / run.id);
}

PreparedStudy prepare_study(const StudyOptions& options) {
  PreparedStudy p;
  p.spec = load_study(options.study);
  p.runs = expand_study(p.spec, options.overrides);
  p.dir = options.out_dir.empty() ? std::filesystem::path("out") / ("study-" + p.spec.name) : options.out_dir;
  const std::filesystem::path jsonl = p.dir / "runs.jsonl";
  if (options.resume && std::filesystem::exists(jsonl)) drop_torn_tail(jsonl);
  if (options.resume) check_resumed_plan(p.dir, p.spec, p.runs, options.overrides);
  claim_directory(p.dir, p.runs, options);
  prepare_output_directory(p.dir);

  // Runs recorded before with the same configuration are finished: skip them (whatever their status).
  std::set<std::pair<std::string, std::string>> recorded;
  if (options.resume && std::filesystem::exists(jsonl))
    for (const auto& r : reports::read_run_records(jsonl))
      recorded.emplace(r["id"].get<std::string>(), r.value("config_hash", ""));
  for (const PlannedRun& run : p.runs) p.n_skipped += recorded.count({run.id, run.config_hash});

  nlohmann::json study = to_json(p.spec, p.runs);
  study["overrides"] = options.overrides;
  study["manifest"] = manifest_base();
  write_text(p.dir / "study.toml", p.spec.source_text);
  write_text(p.dir / "config.toml", p.spec.config_text);
  write_text(p.dir / "study.json", study.dump(2) + "\n");
  // Keep only the runs still to do; the plan's size is in study.json.
  std::erase_if(p.runs, [&](const PlannedRun& run) { return recorded.count({run.id, run.config_hash}) > 0; });
  return p;
}

void print_fits(const reports::StudyReport& report, const std::filesystem::path& dir, std::ostream& out) {
  for (const reports::ReportFit& f : report.fits) out << f.fit << " [" << f.group << "]: " << f.line << "\n";
  for (const std::string& warning : report.warnings) out << "warning: " << warning << "\n";
  out << "report: " << (dir / "index.html").string() << " and " << (dir / "report.md").string() << " ("
      << report.figures.size() << (report.figures.size() == 1 ? " figure" : " figures");
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
  const study_mpi::Place place = study_mpi::place();
  const bool distributed = place.size > 1;
  // Under MPI the worker ranks wait for this setup: tell them how it ended, then they work or end too.
  PreparedStudy prepared;
  try {
    prepared = prepare_study(options);
  } catch (...) {
    if (distributed) study_mpi::announce(setup_exit_code());
    throw;
  }
  if (distributed) study_mpi::announce(0);
  const StudySpec& spec = prepared.spec;
  const std::vector<PlannedRun>& todo = prepared.runs;
  const std::filesystem::path& dir = prepared.dir;
  const std::filesystem::path jsonl = dir / "runs.jsonl";
  StudyOutcome outcome;
  outcome.n_planned = todo.size() + prepared.n_skipped;
  outcome.n_skipped = prepared.n_skipped;
  outcome.out_dir = dir;

  // Rank 0 of an MPI job runs -j threads (default one) besides coordinating; alone, -j (default all cores).
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const auto n_threads = static_cast<unsigned>(std::min<std::size_t>(
      options.threads ? options.threads : (distributed ? 1 : hardware), std::max<std::size_t>(1, todo.size())));
  out << "study " << spec.name << ": " << outcome.n_planned << " runs";
  if (outcome.n_skipped) out << ", " << outcome.n_skipped << " finished before (skipped)";
  out << ", running " << todo.size() << " on ";
  if (distributed) out << place.size << " MPI ranks x ";
  out << n_threads << " thread" << (n_threads == 1 ? "" : "s") << " -> " << dir.string() << "\n" << std::flush;

  const int fd = ::open(jsonl.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(jsonl.string() + ": cannot open for appending");
  const bool show_progress = options.progress && ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // guards the file writes, the counters and the progress line
  std::size_t done = 0, failed_now = 0;
  std::string write_error;
  std::atomic<bool> append_failed{false};  // set under the mutex; read without it to stop taking runs
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
  // Appends one record line with a single write(2) (see the top of this file); from any thread.
  auto store = [&](const std::string& record_line, const std::string& id, bool ok) {
    const std::string line = record_line + "\n";
    std::lock_guard lock(mutex);
    ++done;
    failed_now += !ok;
    // After a failed append no record is written: one written after a torn line would start mid-line.
    if (!append_failed) {
      const ssize_t written = ::write(fd, line.data(), line.size());
      if (written != static_cast<ssize_t>(line.size())) {
        const std::string reason = written < 0 ? std::strerror(errno) : "a partial write";
        // Cut a partial line off again, so that the file ends with a whole record.
        std::string torn;
        if (written > 0) {
          const off_t end = ::lseek(fd, 0, SEEK_END);
          if (end < 0 || ::ftruncate(fd, end - written) != 0) torn = "; a torn last line remains (--resume cuts it)";
        }
        write_error = jsonl.string() + ": cannot append the record of run " + id + " (" + reason + torn +
                      "); no further run was started and runs still in progress were not recorded; the records "
                      "before it are kept, and --resume goes on from them";
        append_failed = true;
      }
    }
    draw(true);
  };
  auto worker = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < todo.size();) {
      if (append_failed.load()) break;  // no new run once a record could not be kept
      nlohmann::json record = execute(spec.config_text, spec.config_name, todo[k], dir);
      if (distributed) record["mpi_rank"] = place.rank;
      store(record.dump(), todo[k].id, reports::successful_status(record["status"].get<std::string>()));
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < n_threads; ++t) pool.emplace_back(worker);
    // The worker ranks take runs from the same counter as these threads, one at a time (dynamic assignment).
    if (distributed)
      study_mpi::coordinate(
          [&]() -> std::optional<std::string> {
            if (append_failed.load()) return std::nullopt;
            const std::size_t k = next.fetch_add(1);
            if (k >= todo.size()) return std::nullopt;
            return task_text(spec, todo[k], dir);
          },
          [&](const std::string& record_line) {
            const nlohmann::json record = nlohmann::json::parse(record_line);
            store(record_line, record["id"].get<std::string>(),
                  reports::successful_status(record["status"].get<std::string>()));
          });
  }
  ::close(fd);
  if (show_progress) std::fprintf(stderr, "\n");
  if (!write_error.empty()) throw std::runtime_error(write_error);
  outcome.n_run = done;

  const reports::StudyReport report = reports::build_study_report(dir, {options.render, options.paper});
  outcome.n_failed = report.n_failed;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << "ran " << done << " runs (" << failed_now << " failed) in " << reports::format_fixed(elapsed, 1) << " s; "
      << report.n_recorded << " of " << report.n_planned << " runs recorded, " << report.n_failed << " failed\n";
  print_fits(report, dir, out);
  return outcome;
}

int work_for_study(const StudyOptions& options) {
  if (const int exit_code = study_mpi::await_announcement(); exit_code != 0) return exit_code;
  study_mpi::work(options.threads ? options.threads : 1, execute_task);
  return 0;
}

void report_study(const std::filesystem::path& dir, std::ostream& out, bool render, bool paper) {
  if (!std::filesystem::exists(dir / "study.json"))
    throw UsageRefused(dir.string() + ": no study.json (not the output directory of blobflow study)");
  const reports::StudyReport report = reports::build_study_report(dir, {render, paper});
  out << report.n_recorded << " of " << report.n_planned << " runs recorded, " << report.n_failed << " failed\n";
  print_fits(report, dir, out);
}

}  // namespace blobflow
