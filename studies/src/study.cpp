// The built-in default study (see study.hpp): a small N sweep of the 1D Barenblatt problem and its error table.
#include "blobflow/studies/study.hpp"

#include <cmath>
#include <fstream>
#include <ostream>

#include "blobflow/analysis/rate_fit.hpp"
#include "blobflow/builtin_configs.hpp"
#include "blobflow/reports/figure.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/run.hpp"

namespace blobflow {
namespace {

constexpr int kStudyParticleCounts[] = {100, 200, 400, 800};
constexpr const char* kStudyConfig = "barenblatt-1d";

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(path.string() + ": cannot write the file");
}

}  // namespace

std::vector<std::string> builtin_study_names() { return {"default"}; }

std::string builtin_config(const std::string& name) {
  for (const auto& [key, text] : builtin::kConfigs)
    if (key == name) return std::string(text);
  throw ConfigError({"configuration \"" + name + "\": no such built-in configuration"});
}

int run_study(const StudyOptions& options, std::ostream& out) {
  if (options.name != "default")
    throw ConfigError({"study \"" + options.name + "\": no such built-in study (known: \"default\")"});
  const std::string base = builtin_config(kStudyConfig);

  std::vector<double> n_values, w2_values;
  std::vector<RunResult> results;
  int exit_code = 0;
  for (int n : kStudyParticleCounts) {
    std::vector<std::string> overrides = options.overrides;
    overrides.push_back("discretization.particles=" + std::to_string(n));
    const RunConfig config = parse_run_config(base, std::string(kStudyConfig) + ".toml (built in)", overrides);
    out << "running N = " << n << " ..." << std::flush;
    std::string run_dir = "N";  // (built in two steps: GCC 12 warns falsely on "literal" + std::string&&)
    run_dir += std::to_string(n);
    RunResult r = run_simulation(config, options.out_dir / run_dir);
    out << " " << to_string(r.status) << ", " << reports::format_fixed(r.wall_seconds, 2) << " s\n";
    if (r.status != RunStatus::ok) exit_code = 1;
    results.push_back(std::move(r));
  }

  reports::Table table({"N", "h", "eps", "W1(T)", "W2(T)", "Winf(T)", "W2 ratio", "W2 order", "steps", "rhs evals",
                        "wall s"});
  for (std::size_t k = 0; k < results.size(); ++k) {
    const RunResult& r = results[k];
    const OutputMetrics& last = r.outputs.back();
    std::optional<double> ratio, order;
    if (k > 0 && last.w2 && results[k - 1].outputs.back().w2) {
      ratio = *results[k - 1].outputs.back().w2 / *last.w2;
      order = std::log(*ratio) / std::log(double(r.n_particles) / double(results[k - 1].n_particles));
    }
    if (r.status == RunStatus::ok && last.w2) {
      n_values.push_back(double(r.n_particles));
      w2_values.push_back(*last.w2);
    }
    table.add_row({std::to_string(r.n_particles), reports::format_scientific(r.h, 4),
                   reports::format_scientific(r.epsilon, 4), reports::format_scientific(last.w1),
                   reports::format_scientific(last.w2), reports::format_scientific(last.winf),
                   reports::format_fixed(ratio, 3), reports::format_fixed(order, 3),
                   std::to_string(r.stats.steps_accepted), std::to_string(r.stats.rhs_evaluations),
                   reports::format_fixed(r.wall_seconds, 2)});
  }
  const analysis::PowerLawFit fit = analysis::fit_power_law(n_values, w2_values);
  std::string fit_line;
  if (fit.ok) {
    fit_line = "fitted order of W2(T) against N: " + reports::format_fixed(-fit.exponent, 3) + "  (95% CI " +
               reports::format_fixed(-fit.ci95_high, 3) + " to " + reports::format_fixed(-fit.ci95_low, 3) + ", " +
               std::to_string(fit.n_points) + " points)";
  } else {
    fit_line = "fitted order of W2(T) against N: not available (" + fit.message + ")";
  }
  const RunConfig first = parse_run_config(base, kStudyConfig, options.overrides);
  const std::string title = "1D Barenblatt, " + first.problem.equation + ", eps = " + first.discretization.epsilon +
                            ", " + first.integrator.method + ", T = " + reports::format_fixed(first.problem.t_final, 3) +
                            ": errors at T against the exact solution";

  out << "\n" << title << "\n\n" << table.to_text() << "\n" << fit_line << "\n";
  std::filesystem::create_directories(options.out_dir);
  write_text(options.out_dir / "table.txt", title + "\n\n" + table.to_text() + "\n" + fit_line + "\n");
  write_text(options.out_dir / "table.md", "## " + title + "\n\n" + table.to_markdown() + "\n" + fit_line + "\n");
  nlohmann::json study = {{"study", options.name},
                          {"config", kStudyConfig},
                          {"overrides", options.overrides},
                          {"particles", n_values},
                          {"w2_final", w2_values},
                          {"fit",
                           {{"ok", fit.ok},
                            {"message", fit.message},
                            {"order", fit.ok ? nlohmann::json(-fit.exponent) : nlohmann::json()},
                            {"ci95", fit.ok ? nlohmann::json({-fit.ci95_high, -fit.ci95_low}) : nlohmann::json()},
                            {"points", fit.n_points}}},
                          {"manifest", manifest_base()}};
  write_text(options.out_dir / "study.json", study.dump(2) + "\n");

  // The error against N with the fitted power law and the quantization-floor slope N^-1 for reference.
  reports::LogLogFigure figure{"w2-vs-N", "1D Barenblatt, eps = " + first.discretization.epsilon + ", " +
                                               first.integrator.method + ": W2 error at T",
                               "N", "W2 at t_final", {{"W2(T)", n_values, w2_values, true}}};
  if (fit.ok) {
    std::vector<double> fitted, reference;
    for (double n : n_values) {
      fitted.push_back(std::exp(fit.intercept) * std::pow(n, fit.exponent));
      reference.push_back(w2_values.front() * n_values.front() / n);
    }
    figure.series.push_back({"fit: order " + reports::format_fixed(-fit.exponent, 2), n_values, fitted, false});
    figure.series.push_back({"slope -1", n_values, reference, false});
  }
  const bool rendered = reports::write_loglog_figure(options.out_dir, figure);
  out << "figure " << (options.out_dir / "w2-vs-N").string() << (rendered ? ".png/.svg" : ".gp (gnuplot not found)")
      << "\n";
  out << "results in " << options.out_dir.string() << "\n";
  return exit_code;
}

}  // namespace blobflow
