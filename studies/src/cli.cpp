// The blobflow command line: argument parsing, usage texts, and the mapping of outcomes to exit codes.
#include "blobflow/studies/cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "blobflow/build_info.hpp"
#include "blobflow/builtin_configs.hpp"
#include "blobflow/builtin_studies.hpp"
#include "blobflow/reports/study_report.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/solvers/samplers.hpp"
#include "blobflow/solvers/drifted_field.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/distance_command.hpp"
#include "blobflow/studies/export.hpp"
#include "blobflow/studies/message.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/run_files.hpp"
#include "blobflow/studies/study.hpp"
#include "blobflow/studies/study_spec.hpp"

namespace blobflow {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(blobflow: a verified test bed for blob methods for degenerate diffusion

usage:
  blobflow run (CONFIG.toml | NAME) [--set section.key=value ...] [-o DIR] [-q]
                                              one simulation (NAME: a built-in configuration)
  blobflow study [STUDY.toml | NAME] [-j THREADS] [-o DIR] [--resume | --force] [--set section.key=value ...]
                 [--no-render] [--paper]      a sweep (default: the study "default")
  blobflow report DIR [--no-render] [--paper] rebuild a study's report from its files
  blobflow export DIR [-o FILE]               a study's results as one CSV row per run and output time
  blobflow distance A.csv (B.csv | --exact SPEC) [-p 1|2|inf] [--time T] [--json]
                    [--grid [--max-cells N] [--tolerance REL]]   Wasserstein distances (exact in 1D)
  blobflow show NAME                          print a built-in configuration or study
  blobflow list (configs|studies|equations|mollifiers|integrators|targets|samplers|potentials|interactions|engines)
  blobflow --version                          version, git revision, SIMD target
  blobflow COMMAND --help

exit codes: 0 success, 1 run-time or numerical failure, 2 bad usage or bad configuration
)";

constexpr const char* kRunUsage = R"(usage: blobflow run (CONFIG.toml | NAME) [--set section.key=value ...] [-o DIR] [-q]

Runs one blob-method simulation described by a TOML file, or by a built-in configuration NAME (blobflow list
configs; blobflow show NAME prints it), and writes summary.json, particles.csv and diagnostics.csv to DIR (default:
out/<config file name without extension>). While it runs, a progress line is drawn when standard error is a
terminal; warnings (eps below h, stalled particles, a capped step) go to standard error and summary.json.
  --set section.key=value   override one key (repeatable); the value is read as TOML, or as a plain string
  -o, --output DIR          output directory
  -q, --quiet               print nothing but errors
Exit code 1 when the run ends with a numerical failure (status in summary.json); its files are still written.
A run stopped by its collapse check (integrator.collapse_radius) ends with status collapsed and exit code 0.

configuration keys (section.key = default: meaning):
)";

constexpr const char* kStudyUsage = R"(usage: blobflow study [STUDY.toml | NAME] [-j THREADS] [-o DIR] [--resume | --force]
                      [--set section.key=value ...] [--no-render] [--paper]

Runs every run of a study file (or of a built-in study: blobflow list studies) on THREADS threads, appends each
finished run to DIR/runs.jsonl at once, and builds the report: rates.csv/md/tex, slopes.csv (time-slope fits),
figures/, report.md, index.html. A failed run is recorded with its status and the study goes on (exit code 1 at
the end; a run its collapse check stopped, status collapsed, is no failure). The output directory is checked
before the first run; once a record cannot be appended (a full disk) no further run starts, the study ends with
exit code 1, and --resume goes on from the records kept.
  -j, --threads THREADS     worker threads (default: all cores); results do not depend on it
  -o, --output DIR          output directory (default: out/study-NAME)
  --resume                  keep DIR/runs.jsonl and skip the runs recorded there (after a kill, say); refused
                            when a run recorded there has another configuration now (a forgotten --set), the
                            difference shown; runs added to the study and edited fits are fine
  --force                   write into a non-empty DIR, replacing its runs.jsonl (without --resume or --force a
                            non-empty DIR is refused)
  --set section.key=value   override a configuration key in every run (repeatable; not a swept key)
  --no-render               write figures as .dat + .gp only (no gnuplot)
  --paper                   also render each curve figure for a paper: figures/NAME.pdf (no title, legend below)
                            and figures/NAME-latex.tex + .pdf (cairolatex: \input it, LaTeX sets the labels)

A study file's [study] section holds name (the folder out/study-NAME), config (a built-in configuration or a TOML
file next to the study file), and optionally title (the report's title) and description (its first paragraph);
then [[sweep]] and [[fit]] tables (the README's "Studies"; blobflow show default prints one).

Under MPI (built with -DBLOBFLOW_WITH_MPI=ON), `mpirun -n K blobflow study ...` spreads the runs over K ranks:
rank 0 hands them out one at a time and writes runs.jsonl and the report; -j is then per rank (default 1).
)";

constexpr const char* kReportUsage = R"(usage: blobflow report DIR [--no-render] [--paper]

Rebuilds the report of a study (rates.csv/md/tex, slopes.csv, figures/, report.md, index.html) from
DIR/study.json and DIR/runs.jsonl, without running anything.
  --no-render               write figures as .dat + .gp only (no gnuplot)
  --paper                   also render each curve figure for a paper: figures/NAME.pdf (no title, legend below)
                            and figures/NAME-latex.tex + .pdf (cairolatex: \input it, LaTeX sets the labels)
)";

constexpr const char* kExportUsage = R"(usage: blobflow export DIR [-o FILE]

Writes a study's results as one tidy CSV table (default DIR/results.csv), from DIR/study.json and DIR/runs.jsonl
alone: one row per run and output time, with the columns id, sweep, index, status, reference, every sweep
coordinate (its full key, e.g. discretization.particles), particles, h, epsilon, engine, the run's scalar metrics
(wall_seconds, steps_accepted, quantization_floor_w2, ...), t, and every output metric of summary.json (w2, energy,
...); an undefined value is an empty field. In pandas: pandas.read_csv("DIR/results.csv").
)";

constexpr const char* kShowUsage = R"(usage: blobflow show NAME

Prints the TOML text of a built-in configuration (blobflow list configs) or study (blobflow list studies), to copy
and edit: blobflow show barenblatt-1d > my.toml
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Prints the message of the exception being handled (usage errors with the usage text) and returns its exit code:
/// 2 for bad usage or configuration, 1 for a run-time failure.
int exit_for_current_exception() {
  try {
    throw;
  } catch (const UsageError& e) {
    std::cerr << "blobflow: " << e.what() << "\n\n" << kUsage;
    return kExitUsage;
  } catch (const ConfigError& e) {
    std::cerr << "blobflow: " << e.what() << "\n";
    return kExitUsage;
  } catch (const UsageRefused& e) {
    std::cerr << "blobflow: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "blobflow: error: " << e.what() << "\n";
    return kExitFailure;
  }
}

/// Parsed options shared by run and study.
struct Options {
  std::vector<std::string> positional;
  std::vector<std::string> overrides;
  std::string out_dir;
  bool quiet = false;
  bool help = false;
  std::optional<std::string> threads;  ///< study: -j value (an empty value is an error, not the default)
  bool resume = false;  ///< study: --resume
  bool force = false;   ///< study: --force
  bool no_render = false;
  bool paper = false;  ///< study, report: --paper
};

Options parse_options(int argc, char** argv, int first) {
  Options o;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const std::string& flag) {
      if (i + 1 >= argc) throw UsageError(flag + " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--set") o.overrides.push_back(value(arg));
    else if (arg.rfind("--set=", 0) == 0) o.overrides.push_back(arg.substr(6));
    else if (arg == "-o" || arg == "--output") o.out_dir = value(arg);
    else if (arg == "-q" || arg == "--quiet") o.quiet = true;
    else if (arg == "-j" || arg == "--threads") o.threads = value(arg);
    else if (arg.size() > 2 && arg.rfind("-j", 0) == 0 && arg[2] != '-') o.threads = arg.substr(2);
    else if (arg == "--resume") o.resume = true;
    else if (arg == "--force") o.force = true;
    else if (arg == "--no-render") o.no_render = true;
    else if (arg == "--paper") o.paper = true;
    else if (arg == "-h" || arg == "--help") o.help = true;
    else if (arg.size() > 1 && arg[0] == '-') throw UsageError("unknown option " + arg);
    else o.positional.push_back(arg);
  }
  return o;
}

std::string run_usage() {
  std::string s = kRunUsage;
  for (const ConfigKey& k : config_schema())
    s += "  " + std::string(k.section) + "." + std::string(k.name) + " = " + k.default_value + ": " +
         std::string(k.help) + (k.rule.empty() ? "" : "; " + std::string(k.rule)) + "\n";
  return s;
}

bool is_builtin_config(const std::string& name) {
  return std::any_of(std::begin(builtin::kConfigs), std::end(builtin::kConfigs),
                     [&](const auto& entry) { return entry.first == name; });
}

/// The progress line of `blobflow run` on standard error (only when it is a terminal): the time reached, the steps
/// and the elapsed time, redrawn at most every kRedrawSeconds; the line is cleared when the run ends.
RunProgress progress_line(const RunConfig& config) {
  if (!::isatty(STDERR_FILENO)) return {};
  constexpr double kRedrawSeconds = 0.25;
  struct State {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    double last = -1.0;
    std::size_t steps = 0;
  };
  auto state = std::make_shared<State>();
  const double t0 = config.problem.t0, t1 = config.problem.t_final;
  return [state, t0, t1](double t) {
    ++state->steps;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - state->start).count();
    if (elapsed - state->last < kRedrawSeconds) return;
    state->last = elapsed;
    std::fprintf(stderr, "\r  t = %.4g of %.4g (%3.0f%%), %zu steps, %.1f s ", t, t1, 100.0 * (t - t0) / (t1 - t0),
                 state->steps, elapsed);
    std::fflush(stderr);
  };
}

int command_run(const Options& o) {
  if (o.help) {
    std::cout << run_usage();
    return kExitOk;
  }
  if (o.positional.size() != 1) throw UsageError("run needs exactly one CONFIG.toml or built-in NAME");
  const std::filesystem::path config_path = o.positional[0];
  // A file of that name first; else a built-in configuration (the name study files give in study.config).
  const bool builtin = !std::filesystem::exists(config_path) && is_builtin_config(o.positional[0]);
  if (!builtin && !std::filesystem::exists(config_path) && !config_path.has_extension()) {
    std::string known;
    for (const auto& [name, text] : builtin::kConfigs) known += (known.empty() ? "" : ", ") + std::string(name);
    throw UsageRefused("run: \"" + clip_for_message(o.positional[0]) +
                       "\" is neither a file nor a built-in configuration (known: " + known + ")");
  }
  const RunConfig config =
      builtin ? parse_run_config(builtin_config(o.positional[0]), "configuration " + o.positional[0] + " (built in)",
                                 o.overrides)
              : load_run_config(config_path, o.overrides);
  const std::filesystem::path out_dir = o.out_dir.empty() ? std::filesystem::path("out") / config_path.stem()
                                                          : std::filesystem::path(o.out_dir);
  const RunProgress progress = o.quiet ? RunProgress{} : progress_line(config);
  const RunResult r = run_simulation(config, out_dir, progress);
  if (progress) std::fputs("\r\033[K", stderr);  // clear the progress line
  for (const std::string& warning : r.warnings) std::cerr << "blobflow: warning: " << warning << "\n";
  if (!o.quiet) {
    std::cout << "status " << to_string(r.status) << (r.message.empty() ? "" : ": " + r.message) << "\n"
              << "N = " << r.n_particles << ", h = " << reports::format_scientific(r.h)
              << ", eps = " << reports::format_scientific(r.epsilon) << ", steps " << r.stats.steps_accepted
              << " accepted / " << r.stats.steps_rejected << " rejected, " << r.stats.rhs_evaluations
              << " velocity evaluations, " << reports::format_fixed(r.wall_seconds, 3) << " s\n\n";
    reports::Table table(
        {"t", "W1", "W2", "Winf", "mass", "second moment", "exact", "energy E_eps", "exact energy"});
    for (const OutputMetrics& m : r.outputs)
      table.add_row({reports::format_fixed(m.t, 4), reports::format_scientific(m.get("w1")),
                     reports::format_scientific(m.get("w2")), reports::format_scientific(m.get("winf")),
                     reports::format_scientific(m.get("mass"), 8),
                     reports::format_scientific(m.get("second_moment"), 8),
                     reports::format_scientific(m.get("second_moment_exact"), 8),
                     reports::format_scientific(m.get("energy"), 8),
                     reports::format_scientific(m.get("energy_exact"), 8)});
    std::cout << table.to_text() << "\nfiles in " << out_dir.string() << "\n";
  }
  return reports::successful_status(to_string(r.status)) ? kExitOk : kExitFailure;
}

int command_study(const Options& o) {
  if (o.help) {
    std::cout << kStudyUsage;
    return kExitOk;
  }
  if (o.positional.size() > 1) throw UsageError("study takes at most one STUDY.toml or NAME");
  StudyOptions s;
  if (!o.positional.empty()) s.study = o.positional[0];
  s.out_dir = o.out_dir;
  s.overrides = o.overrides;
  s.resume = o.resume;
  s.force = o.force;
  if (o.resume && o.force) throw UsageError("--resume and --force exclude each other (go on, or start over)");
  s.render = !o.no_render;
  s.paper = o.paper;
  if (o.threads) {
    const std::string& text = *o.threads;
    std::size_t used = 0;
    int threads = 0;
    try {
      threads = std::stoi(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || threads < 1)
      throw UsageError("-j \"" + text + "\": must be an integer >= 1");
    s.threads = static_cast<unsigned>(threads);
  }
  const StudyMpiSession mpi;  // under mpirun (built with BLOBFLOW_WITH_MPI) rank 0 coordinates, the others work
  if (mpi.rank() > 0) return work_for_study(s);
  try {
    const StudyOutcome outcome = run_study(s, std::cout);
    return outcome.n_failed == 0 ? kExitOk : kExitFailure;
  } catch (...) {
    // Printed while the MPI session is alive: once rank 0 finalizes, a worker that was told of the failure exits
    // non-zero and mpirun may end rank 0 before a message printed after that would appear.
    return exit_for_current_exception();
  }
}

int command_report(const Options& o) {
  if (o.help) {
    std::cout << kReportUsage;
    return kExitOk;
  }
  if (o.positional.size() != 1) throw UsageError("report needs exactly one study output DIR");
  report_study(o.positional[0], std::cout, !o.no_render, o.paper);
  return kExitOk;
}

void print_components(std::span<const ComponentInfo> registry) {
  for (const auto& c : registry) std::cout << c.name << "\t" << c.description << "\n";
}

/// The first comment line of a built-in configuration (what it is), without "# ".
std::string first_comment(std::string_view text) {
  const std::size_t end = text.find('\n');
  std::string_view line = text.substr(0, end);
  if (line.rfind("# ", 0) == 0) line.remove_prefix(2);
  return std::string(line);
}

/// What `blobflow list` can print: one entry per registry.
struct ListCategory {
  std::string_view name;
  void (*print)();
};
constexpr ListCategory kListCategories[] = {
    {"configs",
     [] {
       for (const auto& [name, text] : builtin::kConfigs) std::cout << name << "\t" << first_comment(text) << "\n";
     }},
    {"studies",
     [] {
       for (const auto& name : builtin_study_names()) std::cout << name << "\t" << load_study(name).title << "\n";
     }},
    {"equations", [] { print_components(equation_registry()); }},
    {"mollifiers", [] { print_components(mollifier_registry()); }},
    {"integrators",
     [] {
       for (const auto& i : integrator_registry())
         std::cout << i.name << "\torder " << i.order << (i.adaptive ? ", adaptive: " : ", fixed step: ")
                   << i.description << "\n";
     }},
    {"targets", [] { print_components(target_registry()); }},
    {"samplers",
     [] {
       for (const SamplerInfo& s : sampler_registry()) std::cout << s.name << "\t" << s.description << "\n";
     }},
    {"potentials", [] { print_components(potential_registry()); }},
    {"interactions", [] { print_components(interaction_registry()); }},
    {"engines", [] { print_components(engine_registry()); }},
};

/// "equations, mollifiers, ..." and "equations|mollifiers|..." for messages and usage.
std::string list_category_names(std::string_view separator = ", ") {
  std::string s;
  for (const ListCategory& c : kListCategories) s += (s.empty() ? "" : std::string(separator)) + std::string(c.name);
  return s;
}

int command_list(const Options& o) {
  if (o.help || o.positional.size() != 1) {
    if (!o.help) throw UsageError("list needs one of: " + list_category_names());
    std::cout << "usage: blobflow list (" << list_category_names("|") << ")\n";
    return kExitOk;
  }
  const std::string& what = o.positional[0];
  for (const ListCategory& category : kListCategories)
    if (category.name == what) {
      category.print();
      return kExitOk;
    }
  throw UsageError("list: unknown category \"" + what + "\" (known: " + list_category_names() + ")");
}

int command_export(const Options& o) {
  if (o.help) {
    std::cout << kExportUsage;
    return kExitOk;
  }
  if (o.positional.size() != 1) throw UsageError("export needs exactly one study output DIR");
  const std::filesystem::path dir = o.positional[0];
  const std::string csv = study_table_csv(dir);
  const std::filesystem::path file = o.out_dir.empty() ? dir / "results.csv" : std::filesystem::path(o.out_dir);
  write_file(file, csv);
  if (!o.quiet)
    std::cout << "wrote " << file.string() << " (" << std::count(csv.begin(), csv.end(), '\n') - 1 << " rows)\n";
  return kExitOk;
}

int command_show(const Options& o) {
  if (o.help) {
    std::cout << kShowUsage;
    return kExitOk;
  }
  if (o.positional.size() != 1) throw UsageError("show needs exactly one NAME");
  const std::string& name = o.positional[0];
  for (const auto& [key, text] : builtin::kConfigs)
    if (key == name) {
      std::cout << text;
      return kExitOk;
    }
  for (const auto& [key, text] : builtin::kStudies)
    if (key == name) {
      std::cout << text;
      return kExitOk;
    }
  std::string configs, studies;
  for (const auto& [key, text] : builtin::kConfigs) configs += (configs.empty() ? "" : ", ") + std::string(key);
  for (const auto& [key, text] : builtin::kStudies) studies += (studies.empty() ? "" : ", ") + std::string(key);
  throw UsageError("show: \"" + clip_for_message(name) + "\" is no built-in configuration (" + configs +
                   ") or study (" + studies + ")");
}

}  // namespace

int cli_main(int argc, char** argv) {
  try {
    if (argc < 2) throw UsageError("no command given");
    const std::string command = argv[1];
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (command == "--version") {
      const std::string simd = simd_target_name(simd_target());  // BLOBFLOW_SIMD_TARGET may restrict it
      std::cout << "blobflow " << build_info::kVersion << " (" << build_info::kGitRevision << "), SIMD target " << simd
                << "\n";
      return kExitOk;
    }
    if (command == "distance") return command_distance(argc, argv, std::cout, std::cerr);
    const Options options = parse_options(argc, argv, 2);
    if (command == "run") return command_run(options);
    if (command == "study") return command_study(options);
    if (command == "report") return command_report(options);
    if (command == "list") return command_list(options);
    if (command == "show") return command_show(options);
    if (command == "export") return command_export(options);
    throw UsageError("unknown command \"" + command + "\"");
  } catch (...) {
    return exit_for_current_exception();
  }
}

}  // namespace blobflow
