// The blobflow command line: argument parsing, usage texts, and the mapping of outcomes to exit codes.
#include "blobflow/studies/cli.hpp"

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "blobflow/build_info.hpp"
#include "blobflow/reports/study_report.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/solvers/samplers.hpp"
#include "blobflow/solvers/drifted_field.hpp"
#include "blobflow/solvers/integrators.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/distance_command.hpp"
#include "blobflow/studies/run.hpp"
#include "blobflow/studies/study.hpp"
#include "blobflow/studies/study_spec.hpp"

namespace blobflow {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(blobflow: a verified test bed for blob methods for degenerate diffusion

usage:
  blobflow run CONFIG.toml [--set section.key=value ...] [-o DIR] [-q]   one simulation
  blobflow study [STUDY.toml | NAME] [-j THREADS] [-o DIR] [--resume]    a sweep (default: the study "default")
  blobflow report DIR                                                     rebuild a study's report from its files
  blobflow distance A.csv (B.csv | --exact SPEC) [-p 1|2|inf]          Wasserstein distance (exact in 1D)
  blobflow list (equations|mollifiers|integrators|targets|samplers|potentials|interactions|engines|studies)
  blobflow --version                                                      version, git revision, SIMD target
  blobflow COMMAND --help

exit codes: 0 success, 1 run-time or numerical failure, 2 bad usage or bad configuration
)";

constexpr const char* kRunUsage = R"(usage: blobflow run CONFIG.toml [--set section.key=value ...] [-o DIR] [-q]

Runs one blob-method simulation described by a TOML file and writes summary.json, particles.csv and
diagnostics.csv to DIR (default: out/<config file name without extension>).
  --set section.key=value   override one key (repeatable); the value is read as TOML, or as a plain string
  -o, --output DIR          output directory
  -q, --quiet               print nothing but errors
Exit code 1 when the run ends with a numerical failure (status in summary.json); its files are still written.
A run stopped by its collapse check (integrator.collapse_radius) ends with status collapsed and exit code 0.

configuration keys (section.key = default: meaning):
)";

constexpr const char* kStudyUsage = R"(usage: blobflow study [STUDY.toml | NAME] [-j THREADS] [-o DIR] [--resume]
                      [--set section.key=value ...] [--no-render] [--paper]

Runs every run of a study file (or of a built-in study: blobflow list studies) on THREADS threads, appends each
finished run to DIR/runs.jsonl at once, and builds the report: rates.csv/md/tex, slopes.csv (time-slope fits),
figures/, report.md, index.html. A failed run is recorded with its status and the study goes on (exit code 1 at
the end; a run its collapse check stopped, status collapsed, is no failure). The output directory is checked
before the first run; once a record cannot be appended (a full disk) no further run starts, the study ends with
exit code 1, and --resume goes on from the records kept.
  -j, --threads THREADS     worker threads (default: all cores); results do not depend on it
  -o, --output DIR          output directory (default: out/study-NAME)
  --resume                  keep DIR/runs.jsonl and skip the runs recorded there (after a kill, say)
  --set section.key=value   override a configuration key in every run (repeatable; not a swept key)
  --no-render               write figures as .dat + .gp only (no gnuplot)
  --paper                   also render each curve figure for a paper: figures/NAME.pdf (no title, legend below)
                            and figures/NAME-latex.tex + .pdf (cairolatex: \input it, LaTeX sets the labels)

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

int command_run(const Options& o) {
  if (o.help) {
    std::cout << run_usage();
    return kExitOk;
  }
  if (o.positional.size() != 1) throw UsageError("run needs exactly one CONFIG.toml");
  const std::filesystem::path config_path = o.positional[0];
  const RunConfig config = load_run_config(config_path, o.overrides);
  const std::filesystem::path out_dir = o.out_dir.empty() ? std::filesystem::path("out") / config_path.stem()
                                                          : std::filesystem::path(o.out_dir);
  const RunResult r = run_simulation(config, out_dir);
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

/// What `blobflow list` can print: one entry per registry.
struct ListCategory {
  std::string_view name;
  void (*print)();
};
constexpr ListCategory kListCategories[] = {
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
    {"studies",
     [] {
       for (const auto& name : builtin_study_names()) std::cout << name << "\n";
     }},
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
    throw UsageError("unknown command \"" + command + "\"");
  } catch (...) {
    return exit_for_current_exception();
  }
}

}  // namespace blobflow
