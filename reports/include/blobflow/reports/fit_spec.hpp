// The rate fits of a study (docs/architecture.md "Configuration"): what studies/ parses from a study file's [[fit]]
// tables and writes to study.json, and what the report reads back from there. Declared here, in reports/, because
// studies/ depends on reports/ and both need the one type and its one JSON form.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace blobflow {

/// The `against` of a time-slope fit: the metric against time within each run.
inline constexpr const char* kTimeAxis = "t";

/// One fit of the report. A rate fit: `metric` at time `t` against the sweep axis `against`, one fit per group of runs
/// that agree on the `group_by` axes. With `best_over`, the error at each x is the least over that axis (the joint
/// N x eps mode); with `compare_to_reference`, the error is |metric - metric of the sweep's reference run|.
/// A time-slope fit (against = kTimeAxis): per run, the least-squares slope of `metric` against t over its output
/// times in `t_window`, beside the run's summary metric `expected`.
struct FitSpec {
  std::string name;
  /// The sweeps whose runs the fit takes: one, or several whose runs differ in settings no single sweep can vary
  /// together (e.g. each sampler with its own integrator); a study file gives a name or an array of names.
  std::vector<std::string> sweeps;
  /// any key of summary.json's outputs[] (w1, w2, winf, energy, second_moment, w1_steady, w2_steady, kl, chi2, ...)
  /// or energy_error, second_moment_error (|value - exact|); a run without it gives no point
  std::string metric = "w2";
  std::optional<double> t;              ///< output time; empty: t_final
  std::string against = "discretization.particles";
  std::vector<std::string> group_by;
  std::string best_over;                ///< empty: none
  bool compare_to_reference = false;
  std::optional<double> expected_slope;
  std::vector<double> reference_slopes;  ///< slopes drawn as guides in the error figure
  bool energy_figure = false;            ///< energy against time of the finest run of each group
  bool trajectories = false;             ///< particle paths of the finest run of the first group
  bool divergence_figure = false;        ///< KL and chi^2 against rhobar over time, finest run of each group
  bool density_figure = false;           ///< blob density at the output times (1D: curves; 2D: heat maps)
  bool cost_figure = false;              ///< the metric against each run's wall time per group (work-precision)
  bool time_figure = false;              ///< the metric against t, finest run of each group
  /// 2D runs with drop-outs: the agents over rhobar before and after each drop-out and at the end, finest run of
  /// each group, and an animation (GIF) of the finest run of the first group
  bool agents_figure = false;
  std::string floor;                     ///< a summary metric drawn against the axis as a guide ("quantization_floor_w2")
  std::string expected;                  ///< time-slope: the summary metric each run's slope is compared with
  std::vector<double> t_window;          ///< time-slope: [lo, hi], the output times fitted; empty: all of them
  /// time-slope: fit log(metric) against t (outputs where the metric is > 0), so the slope is the exponential rate r
  /// of metric ~ C exp(r t); the figure's metric axis is logarithmic
  bool exponential = false;
  /// The axis labels of the fit's error figure and the heads of its tables instead of the declared symbols of
  /// `against` and `metric` (quantity.hpp): text for the report's images, Markdown and HTML (x_label, y_label),
  /// LaTeX math without dollars for the paper figures and rates.tex (x_label_latex, y_label_latex); empty: declared
  std::string x_label, y_label, x_label_latex, y_label_latex;

  bool over_time() const { return against == kTimeAxis; }
  /// Whether the fit takes the runs of the named sweep.
  bool takes(const std::string& sweep) const;
  /// The sweeps as a study file writes them: "a" or "a, b".
  std::string sweep_names() const;
};

/// The fit as an object of study.json's "fits": every field, an absent t or expected_slope as null.
void to_json(nlohmann::json& j, const FitSpec& fit);
/// The fit from an object of study.json's "fits"; absent keys (files of an older blobflow) keep their defaults.
/// \throws nlohmann::json::exception when a present key has the wrong type.
void from_json(const nlohmann::json& j, FitSpec& fit);

}  // namespace blobflow
