// Study reports (see study_report.hpp): rate fits per group with analysis::fit_convergence_rate (the asymptotic
// window rule of rate_fit.hpp), convergence tables in CSV, Markdown and LaTeX, the figures, and report.md plus
// index.html, both rendered from one Document (document.hpp), all from the files a study wrote.
#include "blobflow/reports/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "blobflow/analysis/rate_fit.hpp"
#include "blobflow/reports/document.hpp"
#include "blobflow/reports/figure.hpp"
#include "blobflow/reports/fit_spec.hpp"
#include "blobflow/reports/quantity.hpp"
#include "blobflow/reports/table.hpp"

namespace blobflow::reports {
namespace {

using nlohmann::json;

/// Output times are matched to a requested time up to this relative difference (they are written with 17 digits,
/// so only the rounding of t0 + sums of steps remains).
constexpr double kTimeMatch = 1e-9;
/// The longest JSON value a message about a bad record quotes: enough to recognize it, short enough for one line.
constexpr std::size_t kMaxQuotedJson = 120;
/// Largest number of particle paths drawn in a trajectory figure (more are unreadable).
constexpr std::size_t kMaxTrajectories = 24;
/// Largest number of output times drawn in a density figure (more curves overlap unreadably; in 2D, more panels side
/// by side get too small to read). A 2D run writes its table at this many times (density_table.hpp).
constexpr std::size_t kMaxDensitySnapshots = 5;
/// Largest number of particles drawn over a heat map: beyond ~4000 dots a panel of a few hundred pixels is covered
/// and the map underneath hidden; more are thinned to every k-th.
constexpr std::size_t kMaxParticlesDrawn = 4096;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(path.string() + ": cannot write the file");
}

/// A number as captions and labels show it: at most 6 significant digits (no "1.2000000000000002").
std::string shown(double v) { return format_significant(v, 6); }

/// The last part of a run key ("discretization.mollifier" -> "mollifier").
std::string short_key(const std::string& key) { return key.substr(key.rfind('.') + 1); }

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::optional<double> number(const json& v) {
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

/// The member `key` of `j`, or null when `j` is no object or lacks it: records and summaries are read from files
/// that may be incomplete, and nlohmann's const operator[] has undefined behaviour on a missing key.
const json& child(const json& j, std::string_view key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// Typed accessors of a run record (one line of runs.jsonl).
std::string record_id(const json& record) { return child(record, "id").get<std::string>(); }
/// The record's sweep, or "" where it has none (a record the reader let through without one belongs to no fit).
std::string record_sweep(const json& record) {
  const json& sweep = child(record, "sweep");
  return sweep.is_string() ? sweep.get<std::string>() : std::string();
}
bool record_ok(const json& record) {
  return child(record, "status").is_string() && successful_status(child(record, "status").get<std::string>());
}
bool has_summary(const json& record) { return record.contains("summary") && child(record, "summary").is_object(); }
const json& record_metrics(const json& record) { return child(child(record, "summary"), "metrics"); }
const json& record_outputs(const json& record) { return child(record_metrics(record), "outputs"); }
double wall_seconds(const json& record) {
  return number(child(record_metrics(record), "wall_seconds")).value_or(std::numeric_limits<double>::quiet_NaN());
}

/// The record's metrics at time t (t_final when absent), or nothing when that output was not reached.
const json* output_at(const json& record, std::optional<double> t) {
  if (!has_summary(record)) return nullptr;
  const json& outputs = record_outputs(record);
  if (!outputs.is_array() || outputs.empty()) return nullptr;
  const json& problem = child(child(child(record, "summary"), "config"), "problem");
  const std::optional<double> t_final = number(child(problem, "t_final"));
  if (!t && !t_final) return nullptr;
  const double target = t ? *t : *t_final;
  for (const json& o : outputs)
    if (std::abs(child(o, "t").get<double>() - target) <= kTimeMatch * std::max(1.0, std::abs(target))) return &o;
  return nullptr;
}

/// A metric in one output of a record: w1, w2, winf, energy, second_moment, ..., or |value - exact| for
/// energy_error and second_moment_error.
std::optional<double> metric_in(const json& output, const std::string& metric) {
  if (metric == "energy_error" || metric == "second_moment_error") {
    const std::string base = metric.substr(0, metric.size() - 6);
    const auto value = number(output.value(base, json())), exact = number(output.value(base + "_exact", json()));
    if (!value || !exact) return std::nullopt;
    return std::abs(*value - *exact);
  }
  return number(output.value(metric, json()));
}

/// A metric of a record at the fit's time (metric_in), or nothing where that output was not reached.
std::optional<double> metric_of(const json& record, const std::string& metric, std::optional<double> t) {
  const json* o = output_at(record, t);
  return o ? metric_in(*o, metric) : std::nullopt;
}

/// The numeric value of an axis for a record: the resolved N and eps where they exist (d > 1 rounds N to a
/// lattice, eps may be a law), otherwise the swept value itself.
std::optional<double> axis_value(const json& record, const std::string& key) {
  const json& resolved = child(child(record, "summary"), "resolved");
  if (key == "discretization.particles" && resolved.is_object()) return number(child(resolved, "particles"));
  if (key == "discretization.epsilon" && resolved.is_object()) return number(child(resolved, "epsilon"));
  return number(child(child(record, "coords"), key));
}

/// Refinement increases N or SGD's batch B, and decreases dt, eps, SGD's step or a tolerance.
bool refines_upward(const std::string& key) { return key == "discretization.particles" || key == "network.batch"; }

struct Point {
  double x = 0.0, error = 0.0, wall = 0.0;
  std::string id;
  std::optional<double> best;   ///< the best_over value where the least error was found
  std::optional<double> floor;  ///< the fit's floor metric of that run (summary metrics.<floor>)
  std::size_t replicates = 1;  ///< runs averaged into this point (random placement replicates)
  double error_min = 0.0, error_max = 0.0;  ///< the spread of their errors (min-max); error is their mean
};

/// The runs of one grid point: its replicates (coords that differ only in "replicate"), or one run.
struct Replicates {
  const json* first = nullptr;  ///< the first replicate's record (id, coords, group)
  double x = 0.0;
  std::optional<double> best;
  std::optional<double> floor;  ///< the first replicate's floor metric (it depends on N, not on the seed)
  std::vector<double> errors, walls;
};

struct Group {
  std::string label;
  std::vector<Point> points;                              // in refinement order
  std::map<double, std::vector<std::pair<double, double>>> u_curves;  // x -> (best_over value, error)
  analysis::RateFit rate;
  json keys = json::object();  ///< the group's values of the fit's group_by keys (rates.csv's group columns)
};

/// Whether a point of the group averages several replicates.
bool has_replicates(const Group& g) {
  return std::any_of(g.points.begin(), g.points.end(), [](const Point& p) { return p.replicates > 1; });
}

/// The spread of the replicates of each point as a Markdown table: x, replicates, mean, min, max.
std::string spread_markdown(const Group& g, const std::string& x_name, const std::string& error_name) {
  Table table({x_name, "replicates", "mean " + error_name, "min", "max"});
  for (const Point& p : g.points)
    table.add_row({shown(p.x), std::to_string(p.replicates), format_scientific(p.error),
                   format_scientific(p.error_min), format_scientific(p.error_max)});
  return "Spread over replicates (the fit uses the mean; min-max):\n\n" + table.to_markdown();
}

std::string group_label(const json& record, const std::vector<std::string>& group_by) {
  std::string label;
  for (const std::string& key : group_by)
    label += (label.empty() ? "" : ", ") + short_key(key) + " = " + value_text(child(child(record, "coords"), key));
  return label.empty() ? "all runs" : label;
}

/// Reads a CSV file of numbers with a header line (the header's names into `header`).
std::vector<std::vector<double>> read_csv(const std::filesystem::path& path, std::vector<std::string>& header) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  if (!std::getline(in, line)) return rows;
  header.clear();
  for (std::stringstream s(line); std::getline(s, line, ',');) header.push_back(line);
  while (std::getline(in, line)) {
    std::vector<double> row;
    for (std::stringstream s(line); std::getline(s, line, ',');) row.push_back(std::strtod(line.c_str(), nullptr));
    rows.push_back(std::move(row));
  }
  return rows;
}

/// The floor table of a fit with a floor (rates.md): per point the error, the floor and their ratio.
std::string floor_table(const Group& g, const std::string& against, const std::string& error_name,
                        const std::string& floor_key) {
  Table table({short_key(against), error_name, floor_key, error_name + " / " + floor_key});
  for (const Point& p : g.points)
    table.add_row({shown(p.x), format_scientific(p.error), format_scientific(p.floor),
                   p.floor && *p.floor > 0.0 ? format_fixed(p.error / *p.floor, 2) : std::string("-")});
  return table.to_markdown();
}

/// KL and chi^2 of a run against time: the `kl` and `chi2` columns of its diagnostics.csv when it has them, else
/// the outputs of its summary (where they are numbers). `source` says which.
struct DivergenceSeries {
  std::vector<double> t, kl, chi2;
  std::string source;
};

DivergenceSeries divergence_series(const std::filesystem::path& run_dir, const json& record) {
  DivergenceSeries out;
  std::vector<std::string> header;
  const auto rows = read_csv(run_dir / "diagnostics.csv", header);
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t ct = column("t"), ckl = column("kl"), cchi2 = column("chi2");
  if (ckl < header.size() && cchi2 < header.size() && ct < header.size()) {
    out.source = "diagnostics.csv";
    for (const auto& row : rows)
      if (row.size() == header.size() && std::isfinite(row[ckl]) && std::isfinite(row[cchi2])) {
        out.t.push_back(row[ct]);
        out.kl.push_back(row[ckl]);
        out.chi2.push_back(row[cchi2]);
      }
    return out;
  }
  out.source = "the output times of summary.json";
  for (const json& o : record_outputs(record)) {
    const auto kl = number(o.value("kl", json())), chi2 = number(o.value("chi2", json()));
    if (!kl || !chi2) continue;
    out.t.push_back(child(o, "t").get<double>());
    out.kl.push_back(*kl);
    out.chi2.push_back(*chi2);
  }
  return out;
}

/// One output time of a run's densities.csv (studies/density_table.hpp): the grid and the densities on it; exact
/// and target are empty where the run has none. 1D: the grid x; 2D: the points (x[k], x2[k]), x1 varying fastest.
struct DensityBlock {
  double t = 0.0;
  std::vector<double> x, x2, blob, exact, target;
};

/// The cells of a CSV line, empty ones included.
std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return cells;
    start = comma + 1;
  }
}

/// The blocks of a densities.csv in file order (1D: t,x,blob,exact,target; 2D: t,x1,x2,blob,exact,target); none
/// when the file is missing or has another header.
std::vector<DensityBlock> read_density_table(const std::filesystem::path& csv) {
  std::ifstream in(csv);
  std::vector<DensityBlock> blocks;
  std::string line;
  if (!std::getline(in, line) || (line != "t,x,blob,exact,target" && line != "t,x1,x2,blob,exact,target"))
    return blocks;
  const std::size_t d = line == "t,x,blob,exact,target" ? 1 : 2;  // the densities' columns follow the coordinates
  const auto value = [](const std::string& cell) { return std::strtod(cell.c_str(), nullptr); };
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = csv_cells(line);
    if (cells.size() != 4 + d) continue;
    const double t = value(cells[0]);
    if (blocks.empty() || blocks.back().t != t) blocks.push_back({t, {}, {}, {}, {}, {}});
    DensityBlock& b = blocks.back();
    b.x.push_back(value(cells[1]));
    if (d == 2) b.x2.push_back(value(cells[2]));
    b.blob.push_back(value(cells[d + 1]));
    if (!cells[d + 2].empty()) b.exact.push_back(value(cells[d + 2]));
    if (!cells[d + 3].empty()) b.target.push_back(value(cells[d + 3]));
  }
  return blocks;
}

/// The first number of an array (a 1D coordinate), if any.
std::optional<double> first_number(const json& array) {
  return array.is_array() && !array.empty() ? number(array[0]) : std::nullopt;
}

/// The box B of a 1D run's target as the run recorded it (summary.resolved.target_box), if any.
std::optional<std::pair<double, double>> target_box(const json& record) {
  const json& box = child(child(child(record, "summary"), "resolved"), "target_box");
  const auto lo = first_number(child(box, "lo")), hi = first_number(child(box, "hi"));
  if (!lo || !hi) return std::nullopt;
  return std::pair{*lo, *hi};
}

/// At most `count` indices of 0..n-1, evenly spread and including the first and the last.
std::vector<std::size_t> spread_indices(std::size_t n, std::size_t count) {
  std::vector<std::size_t> out;
  if (n == 0) return out;
  const std::size_t m = std::min(n, count);
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = m == 1 ? n - 1 : (k * (n - 1) + (m - 1) / 2) / (m - 1);
    if (out.empty() || out.back() != i) out.push_back(i);
  }
  return out;
}

/// At most `count` of the 1D density blocks, spread evenly along the change of the blob density rather than along
/// the list of times: block k sits at the summed L1 distance int |blob_j - blob_(j-1)| dx of blocks 1..k (trapezoid
/// rule), and the blocks nearest to `count` evenly spaced positions are shown, the first and the last always. A
/// density that settles early then shows its transition, not several copies of its end state. Blocks on different
/// grids, or a density that does not change, fall back to spread_indices.
std::vector<std::size_t> spread_along_change(const std::vector<DensityBlock>& blocks, std::size_t count) {
  const std::size_t n = blocks.size();
  if (n <= count || count < 2) return spread_indices(n, count);
  std::vector<double> travelled(n, 0.0);
  for (std::size_t k = 1; k < n; ++k) {
    const DensityBlock &a = blocks[k - 1], &b = blocks[k];
    if (a.x != b.x || a.blob.size() != a.x.size() || b.blob.size() != b.x.size()) return spread_indices(n, count);
    double change = 0.0;
    for (std::size_t i = 1; i < b.x.size(); ++i)
      change += 0.5 * (std::abs(b.blob[i] - a.blob[i]) + std::abs(b.blob[i - 1] - a.blob[i - 1])) *
                (b.x[i] - b.x[i - 1]);
    travelled[k] = travelled[k - 1] + change;
  }
  if (!(travelled.back() > 0.0) || !std::isfinite(travelled.back())) return spread_indices(n, count);
  std::vector<std::size_t> out{0};
  for (std::size_t m = 1; m + 1 < count; ++m) {
    const double level = travelled.back() * double(m) / double(count - 1);
    // After the block chosen last, leaving one block for each later position (the last block included).
    std::size_t best = out.back() + 1;
    for (std::size_t k = best; k + (count - 1 - m) < n; ++k)
      if (std::abs(travelled[k] - level) < std::abs(travelled[best] - level)) best = k;
    out.push_back(best);
  }
  out.push_back(n - 1);
  return out;
}

/// The records of a study's planned runs: the last one of each id with the planned configuration hash.
struct Runs {
  std::map<std::string, json> records;
  std::vector<const json*> ordered;  ///< the records in the planned order
  std::size_t n_planned = 0;
};

Runs load_runs(const std::filesystem::path& dir, const json& study) {
  Runs runs;
  std::map<std::string, std::string> planned_hash;
  for (const json& r : child(study, "runs")) planned_hash[record_id(r)] = child(r, "config_hash").get<std::string>();
  for (json& r : read_run_records(dir / "runs.jsonl")) {
    const std::string id = record_id(r);
    if (planned_hash.count(id) && r.value("config_hash", "") == planned_hash[id]) runs.records[id] = std::move(r);
  }
  runs.n_planned = planned_hash.size();
  for (const json& r : child(study, "runs"))
    if (runs.records.count(record_id(r))) runs.ordered.push_back(&runs.records[record_id(r)]);
  return runs;
}

/// What a report accumulates: the study's runs, the document, the rate tables and the summary it returns.
struct Builder {
  std::filesystem::path dir;
  ReportOptions options;
  Runs runs;
  StudyReport report;
  Document document;
  std::string csv, rates_md, rates_tex;  ///< rates.csv from its header line on, rates.md and rates.tex
  std::string slopes_csv;                ///< slopes.csv (time-slope fits) from its header line on; empty: none
  std::vector<std::string> group_keys;   ///< rates.csv's group columns: every fit's group_by keys, first met first
  std::vector<std::string> axis_keys;    ///< rates.csv's axis columns: every fit's `against` key

  const json& record(const std::string& id) { return runs.records[id]; }

  void add_figure(const Plot& plot, const std::string& caption) {
    const bool rendered = write_plot(dir / "figures", plot, options.render, options.paper);
    report.figures.push_back({plot.name, caption, rendered});
    const std::string stem = "figures/" + plot.name;
    document.add(FigureBlock{caption, stem + ".png", stem + ".svg", stem + ".dat", stem + ".gp"});
  }

  void add_figure(const HeatMapFigure& figure, const std::string& caption) {
    const bool rendered = write_heat_maps(dir / "figures", figure, options.render, options.paper);
    report.figures.push_back({figure.name, caption, rendered});
    const std::string stem = "figures/" + figure.name;
    const std::string image = figure.animation ? stem + ".gif" : "";  // an animation is its one image
    document.add(FigureBlock{caption, figure.animation ? image : stem + ".png", figure.animation ? image : stem + ".svg",
                             stem + ".dat", stem + ".gp"});
  }

  void add_note(const std::string& text) { document.add(Paragraph{{emphasis(text)}}); }
};

/// A quantity that is a word or two, not a symbol ("density"): upright in LaTeX.
Quantity words(const std::string& s) { return {s, s, "\\mbox{" + latex_text(s) + "}", "", true}; }

/// A Plot whose axes are labelled with the quantities x and y (gnuplot's and LaTeX's forms).
Plot labelled_plot(std::string name, std::string title, const Quantity& x, const Quantity& y, bool log_x, bool log_y) {
  Plot p;
  p.name = std::move(name), p.title = std::move(title), p.log_x = log_x, p.log_y = log_y;
  p.x_label = axis_label_gnuplot(x), p.x_label_latex = axis_label_latex(x);
  p.y_label = axis_label_gnuplot(y), p.y_label_latex = axis_label_latex(y);
  return p;
}

/// One fit with what its sections share: the spec, the names they show and the groups of points.
struct FitView {
  FitSpec spec;
  std::string error_name, t_text, heading;
  std::vector<Group> groups;
  Quantity x_q, error_q;    ///< the declared symbols of the axis and the error, with the fit's own labels
  std::string description;  ///< the heading without the fit's name: "W2 at t_final against N"

  std::string axis() const { return x_q.plain; }
  /// "<group>, <axis> = <x of its finest point>"
  std::string finest_label(const Group& g) const { return g.label + ", " + axis() + " = " + shown(g.points.back().x); }
};

/// The axis and error quantities of a fit: declared (quantity.hpp), replaced by the fit's labels where given.
std::pair<Quantity, Quantity> fit_quantities(const FitSpec& fit) {
  Quantity x = quantity(fit.against), e = error_quantity(fit.metric, fit.compare_to_reference);
  if (!fit.x_label.empty()) x.plain = x.gnuplot = fit.x_label;
  if (!fit.y_label.empty()) e.plain = e.gnuplot = fit.y_label;
  if (!fit.x_label_latex.empty()) x.latex = fit.x_label_latex;
  if (!fit.y_label_latex.empty()) e.latex = fit.y_label_latex;
  return {x, e};
}

/// The sign convention of the order, in words: "error ≈ C N^p; p < 0: the error falls as N grows".
std::string order_convention(const FitView& f) {
  const bool upward = refines_upward(f.spec.against);
  return "order p: the exponent of " + f.error_name + " ≈ C " + f.axis() + "^p (the slope in log-log); " +
         (upward ? "p < 0: the error falls as " + f.axis() + " grows" : "p > 0: the error falls as " + f.axis() +
                                                                            " decreases");
}

/// The error of a run for the fit: its metric, or |metric - the reference's| with compare_to_reference.
std::optional<double> fit_error(const FitSpec& fit, const json& record, std::optional<double> reference_value) {
  const auto error = metric_of(record, fit.metric, fit.t);
  if (!fit.compare_to_reference) return error;
  return error && reference_value ? std::optional<double>(std::abs(*error - *reference_value)) : std::nullopt;
}

/// The grid points of the fit's runs in planned order, each with its replicates' errors and wall times; creates
/// the groups (in planned order) as their first run appears.
std::vector<Replicates> collect_samples(Builder& b, const FitSpec& fit, std::vector<Group>& groups) {
  const json* reference = nullptr;
  if (fit.compare_to_reference) {
    const std::string ref_id = fit.sweeps.front() + "-reference";
    if (b.runs.records.count(ref_id) && record_ok(b.record(ref_id))) reference = &b.record(ref_id);
  }
  const std::optional<double> ref_value = reference ? metric_of(*reference, fit.metric, fit.t) : std::nullopt;
  std::map<std::string, std::size_t> group_index, sample_index;
  std::vector<Replicates> samples;
  for (const json* r : b.runs.ordered) {
    if (!fit.takes(record_sweep(*r)) || (*r).value("reference", false) || !record_ok(*r)) continue;
    const std::string label = group_label(*r, fit.group_by);
    if (!group_index.count(label)) {
      group_index[label] = groups.size();
      Group group;
      group.label = label;
      for (const std::string& key : fit.group_by) group.keys[key] = child(child(*r, "coords"), key);
      groups.push_back(std::move(group));
    }
    const auto x = axis_value(*r, fit.against);
    const auto error = fit_error(fit, *r, ref_value);
    if (!x || !error) continue;
    // Replicates of a grid point (runs whose coords differ only in "replicate") become one point: the mean error,
    // with its min-max spread; the fit runs on the means.
    json point_coords = child(*r, "coords");
    if (point_coords.is_object()) point_coords.erase("replicate");  // a record without coords is one point
    const std::string key = point_coords.dump();
    if (!sample_index.count(key)) {
      sample_index[key] = samples.size();
      const std::optional<double> floor =
          fit.floor.empty() ? std::nullopt : number(record_metrics(*r).value(fit.floor, json()));
      samples.push_back({r, *x, fit.best_over.empty() ? std::nullopt : axis_value(*r, fit.best_over), floor, {}, {}});
    }
    samples[sample_index[key]].errors.push_back(*error);
    samples[sample_index[key]].walls.push_back(wall_seconds(*r));
  }
  return samples;
}

/// The groups of a fit: one point per x (the mean over replicates; the least error over best_over when given) in
/// refinement order, and the rate fitted on them.
std::vector<Group> fit_groups(Builder& b, const FitSpec& fit) {
  std::vector<Group> groups;
  for (const Replicates& sample : collect_samples(b, fit, groups)) {
    const json* r = sample.first;
    const std::string label = group_label(*r, fit.group_by);
    Group& g = *std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.label == label; });
    const double n = static_cast<double>(sample.errors.size());
    double error = 0.0, wall = 0.0;
    for (std::size_t k = 0; k < sample.errors.size(); ++k) {
      error += sample.errors[k] / n;
      wall += sample.walls[k] / n;
    }
    const auto [low, high] = std::minmax_element(sample.errors.begin(), sample.errors.end());
    const Point point{sample.x, error, wall, record_id(*r), sample.best, sample.floor,
                      sample.errors.size(), *low, *high};
    if (sample.best) g.u_curves[sample.x].emplace_back(*sample.best, error);
    auto same_x = std::find_if(g.points.begin(), g.points.end(), [&](const Point& p) { return p.x == sample.x; });
    if (same_x == g.points.end()) g.points.push_back(point);
    else if (error < same_x->error) *same_x = point;
  }
  const bool upward = refines_upward(fit.against);
  for (Group& g : groups) {
    std::sort(g.points.begin(), g.points.end(),
              [&](const Point& p, const Point& q) { return upward ? p.x < q.x : p.x > q.x; });
    std::vector<double> xs, es;
    for (const Point& p : g.points) {
      xs.push_back(p.x);
      es.push_back(p.error);
    }
    analysis::RateWindowOptions window;
    if (fit.expected_slope) window.expected_slope = *fit.expected_slope;
    g.rate = analysis::fit_convergence_rate(xs, es, window);
  }
  return groups;
}

/// A sweep coordinate as a CSV field: a number in its shortest form, a string as it is (quoted when it needs it).
std::string csv_cell(const json& value) {
  if (value.is_null()) return "";
  if (value.is_number()) return format_shortest(value.get<double>());
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

/// The leading fields of a row of rates.csv: fit, group label, one field per group key (empty where the fit does not
/// group by it), the fit's axis key and one field per axis key (x under the fit's own axis).
std::string csv_lead(const Builder& b, const FitView& f, const Group& g, double x) {
  std::string lead = f.spec.name;
  lead += ',';
  lead += csv_cell(g.label);
  for (const std::string& key : b.group_keys) {
    lead += ',';
    lead += csv_cell(g.keys.value(key, json()));
  }
  lead += ',';
  lead += f.spec.against;
  for (const std::string& key : b.axis_keys) {
    lead += ',';
    if (key == f.spec.against) lead += format_shortest(x);
  }
  return lead;
}

/// The rows of rates.csv of one group.
std::string csv_rows(const Builder& b, const FitView& f, const Group& g) {
  const analysis::RateFit& rf = g.rate;
  std::string csv;
  for (std::size_t k = 0; k < rf.points.size(); ++k) {
    const auto& p = rf.points[k];
    csv += csv_lead(b, f, g, p.x) + "," + format_shortest(p.x) + "," + format_shortest(p.error) + "," +
           (std::isnan(p.rate) ? std::string() : format_shortest(p.rate)) + "," +
           std::string(analysis::to_string(p.status)) + "," +
           (rf.fit.ok ? format_shortest(rf.fit.exponent) + "," + format_shortest(rf.fit.ci95_low) + "," +
                            format_shortest(rf.fit.ci95_high)
                      : std::string(",,")) +
           "," + std::to_string(rf.n_used) + "," + std::to_string(g.points[k].replicates) + "," +
           format_shortest(g.points[k].error_min) + "," + format_shortest(g.points[k].error_max) + "," +
           (g.points[k].floor ? format_shortest(*g.points[k].floor) : std::string()) + "\n";
  }
  return csv;
}

/// The report's table of one group: x, error, pairwise order, status, the replicates' spread and the floor.
TableBlock group_table(const FitView& f, const Group& g) {
  const analysis::RateFit& rf = g.rate;
  TableBlock table{{f.axis(), f.error_name, "order", "status"}, {}, {}};
  if (has_replicates(g)) table.header.insert(table.header.end(), {"replicates", "min", "max"});
  if (!f.spec.floor.empty()) table.header.push_back(f.spec.floor);
  for (std::size_t k = 0; k < rf.points.size(); ++k) {
    const auto& p = rf.points[k];
    std::vector<std::string> row = {shown(p.x), format_scientific(p.error),
                                    std::isnan(p.rate) ? "-" : format_fixed(p.rate, 2),
                                    std::string(analysis::to_string(p.status))};
    if (has_replicates(g))
      row.insert(row.end(), {std::to_string(g.points[k].replicates), format_scientific(g.points[k].error_min),
                             format_scientific(g.points[k].error_max)});
    if (!f.spec.floor.empty()) row.push_back(format_scientific(g.points[k].floor));
    table.rows.push_back(std::move(row));
  }
  return table;
}

/// "fitted order ... (95% CI ...)", or why there is none.
std::string fit_line(const FitView& f, const Group& g) {
  const analysis::RateFit& rf = g.rate;
  if (rf.fit.ok)
    return "fitted order " + format_fixed(rf.fit.exponent, 3) + " (" + f.error_name + " ≈ C " + f.axis() + "^" +
           format_fixed(rf.fit.exponent, 2) + "; 95% CI " + format_fixed(rf.fit.ci95_low, 3) + " to " +
           format_fixed(rf.fit.ci95_high, 3) + ", " + std::to_string(rf.n_used) + " of " +
           std::to_string(rf.points.size()) + " points)";
  // One value of the axis (a fit that carries a sweep's other figures): no rate by design, not a failed fit.
  if (g.points.size() == 1)
    return "one value of " + f.axis() + " (" + shown(g.points.front().x) + "): " + f.error_name + " " +
           format_scientific(g.points.front().error) + ", no order to fit";
  return "fitted order: not available (" + rf.fit.message + ")";
}

/// The x values of a fit's groups, each once, in refinement order (a group may lack some).
std::vector<double> all_x(const FitView& f) {
  std::vector<double> xs;
  for (const Group& g : f.groups)
    for (const Point& p : g.points)
      if (std::find(xs.begin(), xs.end(), p.x) == xs.end()) xs.push_back(p.x);
  const bool upward = refines_upward(f.spec.against);
  std::sort(xs.begin(), xs.end(), [&](double a, double b) { return upward ? a < b : a > b; });
  return xs;
}

/// The index of the group's point at x, or none.
std::optional<std::size_t> point_at(const Group& g, double x) {
  for (std::size_t k = 0; k < g.points.size(); ++k)
    if (g.points[k].x == x) return k;
  return std::nullopt;
}

/// Significant digits of the errors in the paper table (1.23e-04): the runs' errors rarely carry more.
constexpr int kTableErrorDigits = 3;
/// Digits after the point of orders in the tables.
constexpr int kOrderDecimals = 2;

/// "1.23e-04" as "1.23\cdot 10^{-4}" for a dcolumn cell (aligned on the point); nan and inf as text.
std::string latex_scientific(double v) {
  const std::string text = format_scientific(v, kTableErrorDigits);
  const std::size_t e = text.find('e');
  if (e == std::string::npos) return "\\multicolumn{1}{c}{" + text + "}";
  return text.substr(0, e) + "\\cdot 10^{" + std::to_string(std::stoi(text.substr(e + 1))) + "}";
}

/// A LaTeX label of the fit's name: letters, digits and - : . kept, anything else a -.
std::string latex_label(const std::string& name) {
  std::string out = "tab:";
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '.' ? c : '-';
  return out;
}

/// The fit's one table for a paper (rates.tex): booktabs rules, the swept axis, then per group its error and pairwise
/// order, the fitted order with its 95% CI below; numbers aligned on the decimal point (dcolumn); points outside the
/// fitted window marked *. Needs \usepackage{booktabs,dcolumn}.
std::string combined_latex(const FitView& f) {
  const std::size_t n = f.groups.size();
  const bool labelled = !(n == 1 && f.groups.front().label == "all runs");
  std::string cols = "D{.}{.}{-1}";
  for (std::size_t gi = 0; gi < n; ++gi) cols += " D{.}{.}{-1} D{.}{.}{2}";
  const std::string t = f.spec.t ? "$t = " + shown(*f.spec.t) + "$" : "$t = t_{\\mathrm{final}}$";
  std::string out = "\\begin{table}[htbp]\n\\centering\n\\caption{$" + f.error_q.latex + "$ at " + t + " against $" +
                    f.x_q.latex + "$" + (labelled ? ", one pair of columns per group" : "") +
                    ". Order: the pairwise order $\\log(e_k/e_{k-1})/\\log(x_k/x_{k-1})$ of consecutive rows, and "
                    "the fitted order $p$ of $e \\approx C\\,x^{p}$ (least squares in log-log on the asymptotic "
                    "window, 95\\% confidence interval); " +
                    (refines_upward(f.spec.against) ? "$p < 0$: the error falls as $" + f.x_q.latex + "$ grows. "
                                                    : "$p > 0$: the error falls as $" + f.x_q.latex + "$ decreases. ") +
                    "$^{*}$: outside the fitted window. Fit \\texttt{" + latex_text(f.spec.name) + "}.}\n\\label{" +
                    latex_label(f.spec.name) + "}\n\\begin{tabular}{" + cols + "}\n\\toprule\n";
  if (labelled) {
    std::string rules;
    for (std::size_t gi = 0; gi < n; ++gi) {
      out += " & \\multicolumn{2}{c}{" + latex_text(f.groups[gi].label) + "}";
      rules += "\\cmidrule(lr){" + std::to_string(2 * gi + 2) + "-" + std::to_string(2 * gi + 3) + "}";
    }
    out += " \\\\\n" + rules + "\n";
  }
  out += "\\multicolumn{1}{c}{$" + f.x_q.latex + "$}";
  for (std::size_t gi = 0; gi < n; ++gi)
    out += " & \\multicolumn{1}{c}{$" + f.error_q.latex + "$} & \\multicolumn{1}{c}{order}";
  out += " \\\\\n\\midrule\n";
  for (const double x : all_x(f)) {
    out += shown(x);
    for (const Group& g : f.groups) {
      const auto k = point_at(g, x);
      if (!k) {
        out += " & & ";
        continue;
      }
      const analysis::RatePoint& p = g.rate.points[*k];
      const bool used = p.status == analysis::RatePointStatus::used || g.rate.n_used == 0;  // no window: no mark
      out += " & " + latex_scientific(p.error) + (used ? "" : "{}^{*}") + " & " +
             (std::isfinite(p.rate) ? format_fixed(p.rate, kOrderDecimals) : std::string("\\multicolumn{1}{c}{--}"));
    }
    out += " \\\\\n";
  }
  out += "\\midrule\n\\multicolumn{1}{l}{fitted order}";
  for (const Group& g : f.groups) {
    const analysis::PowerLawFit& fit = g.rate.fit;
    out += " & \\multicolumn{2}{c}{" +
           (fit.ok ? "$" + format_fixed(fit.exponent, kOrderDecimals) + "$ $[" + format_fixed(fit.ci95_low, kOrderDecimals) +
                         ", " + format_fixed(fit.ci95_high, kOrderDecimals) + "]$"
                   : std::string("--")) +
           "}";
  }
  return out + " \\\\\n\\bottomrule\n\\end{tabular}\n\\end{table}\n";
}

/// The same table in Markdown (rates.md): the axis, then per group its error and pairwise order, and a last row with
/// the fitted orders.
std::string combined_markdown(const FitView& f) {
  std::vector<std::string> header = {f.axis()};
  for (const Group& g : f.groups)
    header.insert(header.end(), {f.error_name + " (" + g.label + ")", "order (" + g.label + ")"});
  Table table(header);
  for (const double x : all_x(f)) {
    std::vector<std::string> row = {shown(x)};
    for (const Group& g : f.groups) {
      const auto k = point_at(g, x);
      const analysis::RatePoint* p = k ? &g.rate.points[*k] : nullptr;
      row.push_back(p ? format_scientific(p->error, kTableErrorDigits) +
                            (p->status == analysis::RatePointStatus::used || g.rate.n_used == 0 ? "" : "*")
                      : "");
      row.push_back(p && std::isfinite(p->rate) ? format_fixed(p->rate, kOrderDecimals) : "-");
    }
    table.add_row(std::move(row));
  }
  std::vector<std::string> fitted = {"fitted order"};
  for (const Group& g : f.groups) {
    const analysis::PowerLawFit& fit = g.rate.fit;
    fitted.push_back(fit.ok ? format_fixed(fit.exponent, kOrderDecimals) : "-");
    fitted.push_back(fit.ok ? "[" + format_fixed(fit.ci95_low, kOrderDecimals) + ", " +
                                  format_fixed(fit.ci95_high, kOrderDecimals) + "]"
                            : "");
  }
  table.add_row(std::move(fitted));
  return table.to_markdown() + "\n" + order_convention(f) +
         "; the order column: the pairwise order between consecutive rows; *: outside the fitted window (the "
         "tables below give each point's status).\n";
}

/// The spread of the replicates of each point of a group as a LaTeX table (rates.tex): x, replicates, mean, min and
/// max of the error.
std::string spread_latex(const FitView& f, const Group& g) {
  std::string out = "\\begin{table}[htbp]\n\\centering\n\\caption{Spread over replicates of $" + f.error_q.latex +
                    "$, " + latex_text(g.label) + " (fit \\texttt{" + latex_text(f.spec.name) +
                    "}; the fit uses the mean).}\n\\begin{tabular}{D{.}{.}{-1} r D{.}{.}{-1} D{.}{.}{-1} D{.}{.}{-1}}\n"
                    "\\toprule\n\\multicolumn{1}{c}{$" + f.x_q.latex + "$} & replicates & \\multicolumn{1}{c}{mean} & "
                    "\\multicolumn{1}{c}{min} & \\multicolumn{1}{c}{max} \\\\\n\\midrule\n";
  for (const Point& p : g.points)
    out += shown(p.x) + " & " + std::to_string(p.replicates) + " & " + latex_scientific(p.error) + " & " +
           latex_scientific(p.error_min) + " & " + latex_scientific(p.error_max) + " \\\\\n";
  return out + "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
}

/// The fit's heading, its combined tables in rates.md and rates.tex, and per group its rows of rates.csv, its
/// detailed table in rates.md, and its table and fit line in the report.
void add_fit_tables(Builder& b, const FitView& f) {
  b.document.add(Heading{2, f.heading, ""});
  b.document.add(Paragraph{{text(order_convention(f) + ".")}});
  b.rates_md += "## " + f.heading + "\n\n" + combined_markdown(f) + "\n";
  b.rates_tex += "% " + f.heading + "\n" + combined_latex(f) + "\n";
  const analysis::ConvergenceTableOptions table_options{f.axis(), f.error_name, 3, 2};
  for (const Group& g : f.groups) {
    b.csv += csv_rows(b, f, g);
    std::string md = analysis::convergence_table_markdown(g.rate, table_options);
    if (has_replicates(g)) {
      md += "\n\n" + spread_markdown(g, f.axis(), f.error_name);
      b.rates_tex += spread_latex(f, g) + "\n";
    }
    if (!f.spec.floor.empty()) md += "\n\n" + floor_table(g, f.axis(), f.error_name, f.spec.floor);
    b.rates_md += "### " + g.label + "\n\n" + md + "\n\n";
    const std::string line = fit_line(f, g);
    b.document.add(Heading{3, g.label, ""});
    b.document.add(group_table(f, g));
    b.document.add(Paragraph{{text(line)}});
    const analysis::RateFit& rf = g.rate;
    b.report.fits.push_back(
        {f.spec.name, g.label, line, rf.fit.ok, rf.fit.exponent, rf.fit.ci95_low, rf.fit.ci95_high, rf.n_used});
  }
}

/// The fitted line of a group and the band of lines with slopes in the 95% CI (through the centroid of the fitted
/// points, where the least-squares line passes), drawn over the fit's window.
void add_fit_curves(Plot& plot, const Group& g, int color) {
  const analysis::RateFit& rf = g.rate;
  double mean_lx = 0.0, mean_ly = 0.0;
  for (std::size_t k = rf.first_used; k <= rf.last_used; ++k) {
    mean_lx += std::log(g.points[k].x) / double(rf.n_used);
    mean_ly += std::log(g.points[k].error) / double(rf.n_used);
  }
  PlotSeries line{"  fit: order " + format_fixed(rf.fit.exponent, 2), {}, {}, {}, Style::line, color};
  PlotSeries band{"  95% CI [" + format_fixed(rf.fit.ci95_low, 2) + ", " + format_fixed(rf.fit.ci95_high, 2) + "]",
                  {}, {}, {}, Style::band, color};
  for (std::size_t k = rf.first_used; k <= rf.last_used; ++k) {
    const double x = g.points[k].x, dl = std::log(x) - mean_lx;
    line.x.push_back(x);
    line.y.push_back(std::exp(rf.fit.intercept + rf.fit.exponent * std::log(x)));
    const double a = std::exp(mean_ly + rf.fit.ci95_low * dl), c = std::exp(mean_ly + rf.fit.ci95_high * dl);
    band.x.push_back(x);
    band.y.push_back(std::min(a, c));
    band.y_high.push_back(std::max(a, c));
  }
  plot.series.push_back(band);
  plot.series.push_back(line);
}

/// A fitted line sits this factor above its slope triangle: close enough to read against, clear of the markers.
constexpr double kTriangleBelow = 0.5;

/// The reference slope nearest a group's fitted order, if the group has a fit over two points or more.
std::optional<double> nearest_slope(const Group& g, const std::vector<double>& slopes) {
  const analysis::RateFit& rf = g.rate;
  if (slopes.empty() || !rf.fit.ok || rf.n_used < 2) return std::nullopt;
  return *std::min_element(slopes.begin(), slopes.end(), [&](double a, double b) {
    return std::abs(a - rf.fit.exponent) < std::abs(b - rf.fit.exponent);
  });
}

/// The slope triangle of a group for the reference slope `slope`: a right triangle whose hypotenuse has that slope,
/// under the fitted line (kTriangleBelow) over the last two points of the fitted window, in the group's colour.
PlotSeries slope_triangle(const Group& g, double slope, int color) {
  const analysis::RateFit& rf = g.rate;
  const double x0 = g.points[rf.last_used - 1].x, x1 = g.points[rf.last_used].x;
  const auto line = [&](double x) { return kTriangleBelow * std::exp(rf.fit.intercept + rf.fit.exponent * std::log(x)); };
  // The hypotenuse lies under kTriangleBelow times the fitted line at both ends; the right angle at (x0, y1) is below
  // it, so the whole triangle stays under the data.
  const double y0 = std::min(line(x0), line(x1) * std::pow(x0 / x1, slope));
  const double y1 = y0 * std::pow(x1 / x0, slope);
  return PlotSeries{"  reference order " + shown(slope), {x0, x1, x0, x0}, {y0, y1, y1, y0}, {}, Style::dashed, color};
}

/// Error against x per group with the spread of replicates, the fitted line and its band, each group's floor and
/// its slope triangle.
Plot error_plot(const FitView& f) {
  Plot plot = labelled_plot(f.spec.name, f.description, f.x_q, f.error_q, true, true);
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    const int color = static_cast<int>(gi) + 1;
    PlotSeries data{g.label, {}, {}, {}, Style::points_lines, color};
    for (const Point& p : g.points) {
      data.x.push_back(p.x);
      data.y.push_back(p.error);
    }
    plot.series.push_back(data);
    if (has_replicates(g)) {
      PlotSeries bars{"  min-max over replicates", data.x, {}, {}, Style::error_bars, color};
      for (const Point& p : g.points) {
        bars.y.push_back(p.error_min);
        bars.y_high.push_back(p.error_max);
      }
      plot.series.push_back(bars);
    }
    if (g.rate.fit.ok) add_fit_curves(plot, g, color);
  }
  for (std::size_t gi = 0; gi < f.groups.size() && !f.spec.floor.empty(); ++gi) {
    PlotSeries guide{"  " + f.spec.floor, {}, {}, {}, Style::dashed, static_cast<int>(gi) + 1};
    for (const Point& p : f.groups[gi].points)
      if (p.floor) {
        guide.x.push_back(p.x);
        guide.y.push_back(*p.floor);
      }
    if (!guide.x.empty()) plot.series.push_back(guide);
  }
  // Each reference slope once, under the group whose fitted order is nearest to it (groups of one order would draw
  // the same triangle over each other).
  std::map<double, std::size_t> anchor;  // slope -> group
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const std::optional<double> slope = nearest_slope(f.groups[gi], f.spec.reference_slopes);
    const auto distance = [&](std::size_t g) { return std::abs(f.groups[g].rate.fit.exponent - *slope); };
    if (slope && (!anchor.count(*slope) || distance(gi) < distance(anchor[*slope]))) anchor[*slope] = gi;
  }
  for (const auto& [slope, gi] : anchor)
    plot.series.push_back(slope_triangle(f.groups[gi], slope, static_cast<int>(gi) + 1));
  return plot;
}

/// The error figure, or a note where there is nothing to draw.
void add_error_figure(Builder& b, const FitView& f) {
  const auto& groups = f.groups;
  const bool replicated = std::any_of(groups.begin(), groups.end(), has_replicates);
  const bool any_point = std::any_of(groups.begin(), groups.end(), [](const Group& g) { return !g.points.empty(); });
  const bool one_value = std::all_of(groups.begin(), groups.end(), [](const Group& g) { return g.points.size() <= 1; });
  if (!any_point) {  // e.g. a metric these runs do not write: say so instead of an empty, unrenderable figure
    b.add_note("No run of fit " + f.spec.name + " recorded " + f.error_name + " at " + f.t_text + ": no figure.");
  } else if (one_value) {  // one point per group: the table says it all, a one-point figure would not
    b.add_note("Fit " + f.spec.name + " has one value of " + f.axis() +
               " per group: no order and no error figure (the table above gives the values).");
  } else {
    b.add_figure(error_plot(f), "Figure " + f.spec.name + ": " + f.description +
                                    (replicated ? "; markers: mean over replicates, bars: their min-max"
                                                : "; markers: measured") +
                                    ", solid: least-squares fit on the asymptotic window, shaded: "
                                    "lines with orders in the 95% CI" +
                                    (f.spec.reference_slopes.empty()
                                         ? std::string()
                                         : ", dashed triangles: each reference order (a slope in log-log) under "
                                           "the fitted line of the group whose fitted order is nearest to it") +
                                    (f.spec.floor.empty() ? std::string(".")
                                                          : "; coloured dashed: each group's " + f.spec.floor +
                                                                " (summary metric of its runs), the least error N "
                                                                "equal-weight particles can have "
                                                                "(docs/math.md §2.5)."));
  }
}

/// The joint N x eps mode: the U-curves of each group and the best best_over value against the axis.
void add_best_over_figures(Builder& b, const FitView& f) {
  const std::string over = quantity(f.spec.best_over).plain;
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    Plot u = labelled_plot(f.spec.name + "-u-curves-" + std::to_string(gi + 1),
                           f.error_name + " against " + over + " for each " + f.axis() + " (" + g.label + ")",
                           quantity(f.spec.best_over), f.error_q, true, true);
    PlotSeries best{"least error", {}, {}, {}, Style::points};
    for (const auto& [x, curve] : g.u_curves) {
      auto sorted = curve;
      std::sort(sorted.begin(), sorted.end());
      PlotSeries s{f.axis() + " = " + shown(x), {}, {}, {}, Style::points_lines};
      for (const auto& [e, err] : sorted) {
        s.x.push_back(e);
        s.y.push_back(err);
      }
      u.series.push_back(s);
      const auto least = std::min_element(sorted.begin(), sorted.end(),
                                          [](const auto& p, const auto& q) { return p.second < q.second; });
      best.x.push_back(least->first);
      best.y.push_back(least->second);
    }
    u.series.push_back(best);
    b.add_figure(u, "Figure " + u.name + ": U-curves: " + f.error_name + " at " + f.t_text + " against " + over +
                        ", one curve per " + f.axis() + " (" + g.label + "); circles: the " + over +
                        " of least error.");
  }
  Quantity best_q = quantity(f.spec.best_over);
  best_q.plain = "best " + best_q.plain, best_q.gnuplot = "best " + best_q.gnuplot;
  best_q.latex = best_q.latex + "^{\\ast}";
  Plot be = labelled_plot(f.spec.name + "-best-" + short_key(f.spec.best_over),
                          over + " of least error against " + f.axis(), f.x_q, best_q, true, true);
  for (const Group& g : f.groups) {
    PlotSeries s{g.label, {}, {}, {}, Style::points_lines};
    for (const Point& p : g.points)
      if (p.best) {
        s.x.push_back(p.x);
        s.y.push_back(*p.best);
      }
    const analysis::PowerLawFit law = analysis::fit_power_law(s.x, s.y);
    if (law.ok) s.label += ": slope " + format_fixed(law.exponent, 2);
    be.series.push_back(s);
  }
  b.add_figure(be, "Figure " + be.name + ": the " + over + " of least " + f.error_name + " against " + f.axis() +
                       " (label: least-squares slope in log-log).");
}

/// Integrator studies: work-precision and observed order.
void add_integrator_figures(Builder& b, const FitView& f) {
  const std::string& name = f.spec.name;
  Plot wp = labelled_plot(name + "-work-precision", f.error_name + " against wall time", quantity("wall_seconds"),
                          f.error_q, true, true);
  Plot order = labelled_plot(name + "-observed-order", "observed order (pairwise) against " + f.axis(), f.x_q,
                             words("pairwise order"), true, false);
  for (const Group& g : f.groups) {
    PlotSeries s{g.label, {}, {}, {}, Style::points_lines}, o{g.label, {}, {}, {}, Style::points_lines};
    for (std::size_t k = 0; k < g.points.size(); ++k) {
      s.x.push_back(g.points[k].wall);
      s.y.push_back(g.points[k].error);
      if (k > 0 && !std::isnan(g.rate.points[k].rate)) {
        o.x.push_back(std::sqrt(g.points[k].x * g.points[k - 1].x));  // between the two steps (geometric mean)
        o.y.push_back(g.rate.points[k].rate);
      }
    }
    wp.series.push_back(s);
    order.series.push_back(o);
  }
  b.add_figure(wp, "Figure " + wp.name + ": work-precision: " + f.error_name + " at " + f.t_text +
                       " against the run's wall time, one curve per group.");
  b.add_figure(order, "Figure " + order.name + ": observed order: the pairwise order of " + f.error_name +
                          " between consecutive " + f.axis() + " values, drawn at their geometric mean.");
}

/// |E_eps - E| at the output times of the finest run of each group (summary.json outputs energy and energy_exact),
/// or nothing where one of them lacks the exact energy.
std::optional<Plot> energy_error_plot(Builder& b, const FitView& f) {
  Plot plot = labelled_plot(f.spec.name + "-energy", "energy error against time (finest run of each group)",
                            quantity("t"), quantity("energy_error"), false, true);
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    if (g.points.empty()) continue;
    PlotSeries s{f.finest_label(g), {}, {}, {}, Style::points_lines, static_cast<int>(gi) + 1};
    for (const json& o : record_outputs(b.record(g.points.back().id)))
      if (const auto e = metric_in(o, "energy_error"); e && *e > 0.0) {
        s.x.push_back(child(o, "t").get<double>());
        s.y.push_back(*e);
      }
    if (s.x.empty()) return std::nullopt;
    plot.series.push_back(std::move(s));
  }
  if (plot.series.empty()) return std::nullopt;
  return plot;
}

/// The energy of the finest run of each group against time. Where every such run has the exact solution's energy,
/// its error |E_eps - E| at the output times: the energies themselves differ by less than a line's width on a log
/// axis. Otherwise E_eps from each run's diagnostics.csv.
void add_energy_figure(Builder& b, const FitView& f) {
  if (std::optional<Plot> error = energy_error_plot(b, f))
    return b.add_figure(*error, "Figure " + error->name + ": the error |E_ε − E| of the regularized energy E_ε of the "
                                "particles against the continuum energy E of the exact solution, at the output times "
                                "of the finest run of each group (summary.json outputs energy and energy_exact).");
  const std::string& name = f.spec.name;
  Plot energy = labelled_plot(name + "-energy", "regularized energy against time (finest run of each group)",
                              quantity("t"), quantity("energy"), false, true);
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    if (g.points.empty()) continue;
    std::vector<std::string> header;
    const auto rows = read_csv(b.dir / "runs" / g.points.back().id / "diagnostics.csv", header);
    PlotSeries s{f.finest_label(g), {}, {}, {}, Style::line, static_cast<int>(gi) + 1};
    for (const auto& row : rows)
      if (row.size() >= 3) {
        s.x.push_back(row[0]);
        s.y.push_back(row[2]);
      }
    energy.series.push_back(s);
  }
  b.add_figure(energy, "Figure " + energy.name + ": the regularized energy E_ε of the particles against time "
                       "(log scale), finest run of each group, from its diagnostics.csv (no exact energy to compare "
                       "with).");
}

/// Particle paths of the finest run of the first group, at most kMaxTrajectories of them.
void add_trajectories_figure(Builder& b, const FitView& f) {
  if (f.groups.empty() || f.groups.front().points.empty()) return;
  const Point& finest = f.groups.front().points.back();
  std::vector<std::string> header;
  const auto rows = read_csv(b.dir / "runs" / finest.id / "particles.csv", header);
  std::size_t n = 0;
  for (const auto& row : rows) n = std::max(n, static_cast<std::size_t>(row[1]) + 1);
  const std::size_t stride = std::max<std::size_t>(1, n / kMaxTrajectories);
  Plot paths = labelled_plot(f.spec.name + "-trajectories", "particle paths, " + f.finest_label(f.groups.front()),
                             quantity("t"), quantity("x"), false, false);
  std::map<std::size_t, PlotSeries> by_particle;
  for (const auto& row : rows) {
    const auto i = static_cast<std::size_t>(row[1]);
    if (row.size() < 3 || i % stride != 0) continue;
    PlotSeries& s = by_particle[i];
    s.style = Style::line;
    s.color = 1;  // one colour for all paths: they are one series (one legend entry), not a group each
    s.x.push_back(row[0]);
    s.y.push_back(row[2]);
  }
  const std::string which = "i = 0, " + std::to_string(stride) + ", " + std::to_string(2 * stride) + ", ...";
  for (auto& [i, s] : by_particle) {
    s.label = i == 0 ? "particles " + which : "";
    paths.series.push_back(s);
  }
  b.add_figure(paths, "Figure " + paths.name + ": paths x_i(t) of the particles " + which +
                          " (first coordinate) through the output times.");
}

/// KL and chi^2 of the blob density against rhobar over time (docs/math.md §6), finest run of each group.
void add_divergence_figure(Builder& b, const FitView& f) {
  Plot div = labelled_plot(f.spec.name + "-divergences",
                           "KL and chi^2 of the blob density against rhobar (finest run of each group)", quantity("t"),
                           words("divergence"), false, true);
  std::string sources;
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    if (g.points.empty()) continue;
    const DivergenceSeries d = divergence_series(b.dir / "runs" / g.points.back().id, b.record(g.points.back().id));
    if (d.t.empty()) continue;
    const std::string label = f.finest_label(g);
    // Log scale: only positive values can be drawn (the divergences are >= 0; 0 only for a perfect match).
    PlotSeries kl{"KL, " + label, {}, {}, {}, Style::points_lines, static_cast<int>(gi) + 1};
    PlotSeries chi2{"chi^2, " + label, {}, {}, {}, Style::dashed, static_cast<int>(gi) + 1};
    for (std::size_t k = 0; k < d.t.size(); ++k) {
      if (d.kl[k] > 0.0) kl.x.push_back(d.t[k]), kl.y.push_back(d.kl[k]);
      if (d.chi2[k] > 0.0) chi2.x.push_back(d.t[k]), chi2.y.push_back(d.chi2[k]);
    }
    div.series.push_back(kl);
    div.series.push_back(chi2);
    if (sources.find(d.source) == std::string::npos) sources += (sources.empty() ? "" : " and ") + d.source;
  }
  if (div.series.empty()) return;
  b.add_figure(div, "Figure " + div.name + ": KL(blob density | rhobar) (solid, markers) and chi^2(blob density | "
                        "rhobar) (dashed, same colour) against time, log scale, for the finest run of each group; "
                        "both densities normalized to mass 1 on the target's box (docs/math.md §6); values from " +
                        sources + ".");
}

/// The particles of a 2D run's particles.csv (columns t,i,x1,x2,mass) at the given times, every `stride`-th of the
/// n of them so that at most kMaxParticlesDrawn are drawn; empty where the file is missing or not 2D.
struct ParticlesAt {
  std::vector<std::vector<double>> x1, x2;  ///< per time
  std::size_t n = 0, stride = 1;
};

ParticlesAt particles_at(const std::filesystem::path& csv, const std::vector<double>& times) {
  std::vector<std::string> header;
  const auto rows = read_csv(csv, header);
  ParticlesAt out;
  out.x1.resize(times.size());
  out.x2.resize(times.size());
  if (header.size() != 5 || header[2] != "x1" || header[3] != "x2") return out;
  for (const auto& row : rows)
    if (row.size() == 5) out.n = std::max(out.n, static_cast<std::size_t>(row[1]) + 1);
  out.stride = (out.n + kMaxParticlesDrawn - 1) / kMaxParticlesDrawn;
  out.stride = std::max<std::size_t>(out.stride, 1);
  for (const auto& row : rows) {
    if (row.size() != 5 || static_cast<std::size_t>(row[1]) % out.stride != 0) continue;
    for (std::size_t k = 0; k < times.size(); ++k)
      if (std::abs(row[0] - times[k]) <= kTimeMatch * std::max(1.0, std::abs(times[k]))) {
        out.x1[k].push_back(row[2]);
        out.x2[k].push_back(row[3]);
      }
  }
  return out;
}

/// The colour scales the 2D density figures share across times: [0, high] for densities, [-diff, diff] for
/// blob - exact; and the least blob value (below 0 only for sign-changing mollifiers).
struct DensityScales {
  double high = 0.0, diff = 0.0, blob_min = 0.0;
};

DensityScales density_scales(const std::vector<const DensityBlock*>& shown, bool exact, bool target) {
  DensityScales s;
  for (const DensityBlock* d : shown)
    for (std::size_t k = 0; k < d->blob.size(); ++k) {
      s.high = std::max(s.high, d->blob[k]);
      s.blob_min = std::min(s.blob_min, d->blob[k]);
      if (exact) s.high = std::max(s.high, d->exact[k]), s.diff = std::max(s.diff, std::abs(d->blob[k] - d->exact[k]));
      else if (target) s.high = std::max(s.high, d->target[k]);
    }
  // A colour range must not be empty: a density that is 0 everywhere, a blob that equals the exact solution.
  if (!(s.high > 0.0)) s.high = 1.0;
  if (!(s.diff > 0.0)) s.diff = std::numeric_limits<double>::min();
  return s;
}

/// The 2D figures of the finest run of group gi from its densities.csv and particles.csv, at the times `snapshots`:
/// <fit>-particles-<gi> (the particles over the exact solution, else over the target, as a heat map) and
/// <fit>-density-<gi> (the blob density, and below it blob - exact where there is an exact solution).
void add_density_maps(Builder& b, const FitView& f, std::size_t gi,
                      const std::vector<const DensityBlock*>& snapshots) {
  const Group& g = f.groups[gi];
  const Point& finest = g.points.back();
  const bool exact =
      std::all_of(snapshots.begin(), snapshots.end(), [](auto* d) { return d->exact.size() == d->x.size(); });
  const bool target =
      std::all_of(snapshots.begin(), snapshots.end(), [](auto* d) { return d->target.size() == d->x.size(); });
  const DensityScales scale = density_scales(snapshots, exact, target);
  std::vector<double> times;
  for (const DensityBlock* d : snapshots) times.push_back(d->t);
  const ParticlesAt particles = particles_at(b.dir / "runs" / finest.id / "particles.csv", times);
  const std::string suffix = "-" + std::to_string(gi + 1), label = f.finest_label(g);
  HeatMapFigure parts{f.spec.name + "-particles" + suffix,
                      f.spec.name + ": particles" +
                          (exact ? " over the exact density u / M" : target ? " over rhobar / int rhobar" : "") + ", " +
                          label,
                      "x1", "x2", snapshots.size(), {}};
  HeatMapFigure dens{f.spec.name + "-density" + suffix,
                     f.spec.name + ": blob density" + (exact ? " (top) and blob - exact (bottom)" : "") + ", " + label,
                     "x1", "x2", snapshots.size(), {}};
  std::string at;
  for (std::size_t k = 0; k < snapshots.size(); ++k) {
    const DensityBlock& d = *snapshots[k];
    const std::string t = "t = " + shown(d.t);
    at += (at.empty() ? "" : ", ") + shown(d.t);
    const std::vector<double>* background = exact ? &d.exact : target ? &d.target : nullptr;
    HeatMapPanel p{t, {}, {}, {}, particles.x1[k], particles.x2[k], Palette::sequential, 0.0, scale.high};
    if (background) p.x1 = d.x, p.x2 = d.x2, p.value = *background;
    parts.panels.push_back(std::move(p));
    dens.panels.push_back({"blob, " + t, d.x, d.x2, d.blob, {}, {}, Palette::sequential, 0.0, scale.high});
  }
  for (std::size_t k = 0; exact && k < snapshots.size(); ++k) {
    const DensityBlock& d = *snapshots[k];
    HeatMapPanel p{"blob - exact, t = " + shown(d.t), d.x, d.x2, d.blob, {}, {}, Palette::diverging,
                   -scale.diff, scale.diff};
    for (std::size_t i = 0; i < p.value.size(); ++i) p.value[i] -= d.exact[i];
    dens.panels.push_back(std::move(p));
  }
  const std::string run = " of the run " + finest.id + " (" + label + ") at t = " + at;
  const std::string thinned =
      particles.stride > 1 ? "; one in " + std::to_string(particles.stride) + " of the " + std::to_string(particles.n) +
                                 " particles"
                           : "";
  const std::string beneath = exact    ? "over the exact solution u(x, t) / M as a heat map from its densities.csv"
                              : target ? "over the target rhobar / int rhobar on its box as a heat map from its "
                                         "densities.csv"
                                       : "(the run has no exact solution or target to draw beneath them)";
  const std::string shared = exact || target ? " (one colour scale for all times, shared with figure " + dens.name + ")"
                                             : "";
  b.add_figure(parts, "Figure " + parts.name + ": the particles x_i (red dots" + thinned + ")" + run +
                          " from its particles.csv, " + beneath + shared + "; equal scales on both axes.");
  const std::string grid = std::to_string(std::lround(std::sqrt(double(snapshots.front()->x.size()))));
  const std::string below_zero = scale.blob_min < 0.0 ? "; its dips below 0 (down to " +
                                                            format_scientific(scale.blob_min) + ") are drawn white"
                                                      : "";
  b.add_figure(dens, "Figure " + dens.name + ": the blob density zeta_eps * rho^N / M" + run +
                         " from its densities.csv (" + grid + " x " + grid + " grid points)" +
                         (exact ? " in the top row, and in the bottom row its difference from the exact solution, "
                                  "blob - u(x, t) / M (red above, blue below; a symmetric scale up to the largest "
                                  "|difference|, " + format_scientific(scale.diff) + ")"
                                : "") +
                         "; one colour scale for the blob density at all times" +
                         (exact || target ? ", shared with figure " + parts.name : "") + below_zero +
                         "; equal scales on both axes.");
}

/// The blob density of the finest run of group gi at up to kMaxDensitySnapshots output times, from its densities.csv:
/// in 1D against the exact solution and rhobar / int rhobar; in 2D as heat maps (add_density_maps); nothing where the
/// run wrote none (3D).
void add_density_figure(Builder& b, const FitView& f, std::size_t gi) {
  const Group& g = f.groups[gi];
  if (g.points.empty()) return;
  const Point& finest = g.points.back();
  const std::vector<DensityBlock> blocks = read_density_table(b.dir / "runs" / finest.id / "densities.csv");
  if (blocks.empty()) return;
  if (!blocks.front().x2.empty()) {
    std::vector<const DensityBlock*> shown;
    for (std::size_t idx : spread_indices(blocks.size(), kMaxDensitySnapshots)) shown.push_back(&blocks[idx]);
    return add_density_maps(b, f, gi, shown);
  }
  const bool exact = !blocks.front().exact.empty(), target = !blocks.front().target.empty();
  // A network run's target column is its target function f* / M (density_table.hpp).
  const json& record = b.record(finest.id);
  const bool network = child(child(child(child(record, "summary"), "config"), "problem"), "equation") == "network";
  const std::string target_name = network ? "f* / M" : "rhobar / int rhobar";
  Plot dens = labelled_plot(f.spec.name + "-density-" + std::to_string(gi + 1),
                            "blob density at the output times, " + f.finest_label(g), quantity("x"), words("density"),
                            false, false);
  std::string times;
  const std::vector<std::size_t> snapshots = spread_along_change(blocks, kMaxDensitySnapshots);
  // The target first, beneath the snapshots; then one shade of the time ramp per snapshot (light: early, dark: late),
  // so that curves which overlap as the density settles stay ordered in time.
  if (target)
    dens.series.push_back({target_name, blocks.front().x, blocks.front().target, {}, Style::dashed, 0});
  for (std::size_t k = 0; k < snapshots.size(); ++k) {
    const DensityBlock& block = blocks[snapshots[k]];
    const std::string at = "t = " + shown(block.t), shade = time_ramp_colour(k, snapshots.size());
    // The blob density zeta_eps * rho^N divided by the particles' mass (a probability density).
    dens.series.push_back({"blob, " + at, block.x, block.blob, {}, Style::line, 0, shade});
    // The exact solution is a detail of its snapshot: the page's legend lists it, the paper's leaves it to the caption.
    if (exact && block.exact.size() == block.x.size())
      dens.series.push_back({"  exact, " + at, block.x, block.exact, {}, Style::dashed, 0, shade});
    times += (times.empty() ? "" : ", ") + shown(block.t);
  }
  const auto box = target_box(record);
  const std::string over =
      box ? " over [" + shown(box->first) + ", " + shown(box->second) + "]" : "";
  b.add_figure(dens, "Figure " + dens.name + ": the blob density zeta_eps * rho^N / M (solid) of the run " + finest.id +
                         " (" + f.finest_label(g) + ") from its densities.csv at t = " + times +
                         " (times chosen evenly along the change of the blob density), shaded from light (the first "
                         "time) to dark (the last)" +
                         (exact ? "; dashed in the same shade: the exact solution u(x, t) / M" : "") +
                         (target ? (network ? "; grey dashed: the target function f* / M (the network is the blob "
                                              "density)"
                                            : "; grey dashed: the target rhobar / int rhobar" + over)
                                 : "") +
                         ".");
}

/// gnuplot's point size for agents: a few hundred at most, each worth seeing.
constexpr double kAgentPointSize = 0.8;

/// The agents of a 2D run over rhobar / int rhobar (from its densities.csv) at the given times, one panel each.
HeatMapFigure agents_over_target(Builder& b, const std::string& run, const std::vector<double>& times,
                                 const std::string& name, const std::string& title) {
  HeatMapFigure figure{name, title, "x1", "x2", times.size(), {}, kAgentPointSize, false};
  const std::vector<DensityBlock> blocks = read_density_table(b.dir / "runs" / run / "densities.csv");
  if (blocks.empty() || blocks.front().x2.empty() || blocks.front().target.size() != blocks.front().x.size())
    return figure;
  const DensityBlock& map = blocks.front();  // rhobar does not change with time
  const double high = *std::max_element(map.target.begin(), map.target.end());
  const ParticlesAt agents = particles_at(b.dir / "runs" / run / "particles.csv", times);
  for (std::size_t k = 0; k < times.size(); ++k)
    figure.panels.push_back({"t = " + shown(times[k]) + ", " + std::to_string(agents.x1[k].size()) +
                                 " agents" + (agents.stride > 1 ? " drawn" : ""),
                             map.x, map.x2, map.target, agents.x1[k], agents.x2[k], Palette::sequential, 0.0,
                             high > 0.0 ? high : 1.0});
  return figure;
}

/// The agents of the finest run of each group with drop-outs before and after each drop-out and at the end, and
/// an animation of the first such run over all its output times.
void add_agents_figures(Builder& b, const FitView& f) {
  bool animated = false;
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    if (g.points.empty()) continue;
    const std::string run = g.points.back().id;
    const json& record = b.record(run);
    const json& events = child(record_metrics(record), "dropouts");
    const json& outputs = record_outputs(record);
    if (!events.is_array() || events.empty() || !outputs.is_array() || outputs.empty()) continue;
    std::vector<double> times;
    for (const json& e : events) {
      if (!child(e, "t").is_number()) continue;  // not a drop-out blobflow wrote
      const double t = child(e, "t").get<double>();
      times.push_back(t);
      for (const json& o : outputs)
        if (const double to = child(o, "t").get<double>(); to > t) {
          times.push_back(to);
          break;
        }
    }
    times.push_back(child(outputs.back(), "t").get<double>());
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    const std::string label = f.finest_label(g), suffix = "-" + std::to_string(gi + 1);
    const HeatMapFigure panels = agents_over_target(b, run, times, f.spec.name + "-agents" + suffix,
                                                    f.spec.name + ": agents over rhobar / int rhobar, " + label);
    if (panels.panels.empty()) continue;
    std::string at;
    for (double t : times) at += (at.empty() ? "" : ", ") + shown(t);
    b.add_figure(panels, "Figure " + panels.name + ": the agents (red dots) of the run " + run + " (" + label +
                             ") at t = " + at + " (each drop-out's time, before the agents stop; the next output; "
                             "the end) from its particles.csv, over rhobar / int rhobar from its densities.csv; one "
                             "colour scale; equal scales on both axes.");
    if (animated) continue;
    animated = true;
    std::vector<double> all;
    for (const json& o : outputs) all.push_back(child(o, "t").get<double>());
    HeatMapFigure movie = agents_over_target(b, run, all, f.spec.name + "-agents-animation",
                                             f.spec.name + ": agents over time, " + label);
    movie.animation = true;
    movie.columns = 1;
    b.add_figure(movie, "Figure " + movie.name + ": the agents of the run " + run + " (" + label + ") at every "
                            "output time, one frame each, as an animated GIF (gnuplot's gif terminal).");
  }
}

/// The least error among a group's points whose (mean) wall time is within `budget`, or none.
std::optional<double> least_error_within(const Group& g, double budget) {
  std::optional<double> best;
  for (const Point& p : g.points)
    if (p.wall <= budget && (!best || p.error < *best)) best = p.error;
  return best;
}

/// Work-precision (docs/math.md §8.5): the metric against each run's wall time per group, and a table of the least
/// error each group reaches within a few wall-time budgets, with the winner at each: a comparison at equal cost
/// that reads measured runs only (no interpolation).
void add_cost_figure(Builder& b, const FitView& f) {
  Plot plot = labelled_plot(f.spec.name + "-cost", f.error_name + " against wall time", quantity("wall_seconds"),
                            f.error_q, true, true);
  double lowest = INFINITY, highest = 0.0, common = INFINITY;  // common: the largest budget every group reaches
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    std::vector<Point> by_wall = g.points;
    std::sort(by_wall.begin(), by_wall.end(), [](const Point& p, const Point& q) { return p.wall < q.wall; });
    PlotSeries s{g.label, {}, {}, {}, Style::points_lines, static_cast<int>(gi) + 1};
    for (const Point& p : by_wall) {
      if (!(p.wall > 0.0)) continue;
      s.x.push_back(p.wall), s.y.push_back(p.error);
      lowest = std::min(lowest, p.wall), highest = std::max(highest, p.wall);
    }
    if (!s.x.empty()) common = std::min(common, s.x.back());
    plot.series.push_back(s);
  }
  if (!(highest > 0.0)) return b.add_note("No run of fit " + f.spec.name + " recorded a wall time: no cost figure.");
  b.add_figure(plot, "Figure " + plot.name + ": " + f.error_name + " at " + f.t_text + " against the run's wall time "
                         "(summary.json metrics.wall_seconds; the mean over replicates), one curve per group, each "
                         "point one value of " + f.axis() + ".");
  // Budgets: a geometric grid from the fastest run to the slowest, and the largest budget every group reaches.
  std::vector<double> budgets;
  constexpr int kBudgets = 4;
  for (int k = 0; k < kBudgets; ++k)
    budgets.push_back(lowest * std::pow(highest / lowest, double(k + 1) / kBudgets));
  if (std::isfinite(common)) budgets.push_back(common);
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  TableBlock table{{"wall time <= (s)"}, {}, {}};
  for (const Group& g : f.groups) table.header.push_back(g.label);
  table.header.push_back("least " + f.error_name);
  std::string verdict;
  for (const double budget : budgets) {
    std::vector<std::string> row = {format_scientific(budget)};
    std::optional<double> best;
    std::string winner;
    for (const Group& g : f.groups) {
      const std::optional<double> e = least_error_within(g, budget);
      row.push_back(e ? format_scientific(*e) : "-");
      if (e && (!best || *e < *best)) best = e, winner = g.label;
    }
    row.push_back(best ? winner : "-");
    table.rows.push_back(std::move(row));
    if (budget == common && best)
      verdict = "Within " + format_scientific(budget) + " s, the largest budget every group reaches, the least " +
                f.error_name + " is " + format_scientific(*best) + " (" + winner + ").";
  }
  b.document.add(Paragraph{{text("The least " + f.error_name + " each group reaches within a wall-time budget "
                                 "(its runs that took at most that long):")}});
  b.document.add(table);
  if (!verdict.empty()) b.document.add(Paragraph{{text(verdict)}});
}

/// The metric against t from each group's finest run (its summary's outputs).
void add_time_figure(Builder& b, const FitView& f) {
  Plot plot = labelled_plot(f.spec.name + "-time", f.error_name + " against time (finest run of each group)",
                            quantity("t"), f.error_q, false, true);
  std::set<double> drop_times;
  for (std::size_t gi = 0; gi < f.groups.size(); ++gi) {
    const Group& g = f.groups[gi];
    if (g.points.empty()) continue;
    PlotSeries s{f.finest_label(g), {}, {}, {}, Style::points_lines, static_cast<int>(gi) + 1};
    const json& record = b.record(g.points.back().id);
    for (const json& o : record_outputs(record))
      if (const auto v = metric_in(o, f.spec.metric); v && *v > 0.0) s.x.push_back(child(o, "t").get<double>()), s.y.push_back(*v);
    if (s.x.empty()) continue;
    plot.series.push_back(s);
    const json& events = child(record_metrics(record), "dropouts");
    if (events.is_array())
      for (const json& e : events)
        if (child(e, "t").is_number()) drop_times.insert(child(e, "t").get<double>());
  }
  if (plot.series.empty()) return;
  // The drop-out times (coverage.dropouts) as vertical grey guides over the whole range of the curves.
  double low = INFINITY, high = -INFINITY;
  for (const PlotSeries& s : plot.series)
    for (double y : s.y) low = std::min(low, y), high = std::max(high, y);
  for (double t : drop_times)
    plot.series.push_back({drop_times.size() == 1 ? "drop-out" : "drop-out, t = " + shown(t), {t, t},
                           {low, high}, {}, Style::dashed, 0});
  b.add_figure(plot, "Figure " + plot.name + ": " + f.error_name + " at the output times of the finest run of each "
                         "group (log scale), from its summary.json" +
                         (drop_times.empty() ? "" : "; grey dashed: the drop-out times (coverage.dropouts)") + ".");
}

/// The figures a fit asks for besides its error figure, in the report's order.
void add_fit_figures(Builder& b, const FitView& f) {
  add_error_figure(b, f);
  if (!f.spec.best_over.empty()) add_best_over_figures(b, f);
  if (f.spec.against == "integrator.dt" || f.spec.against == "integrator.rtol") add_integrator_figures(b, f);
  if (f.spec.energy_figure) add_energy_figure(b, f);
  if (f.spec.trajectories) add_trajectories_figure(b, f);
  if (f.spec.divergence_figure) add_divergence_figure(b, f);
  if (f.spec.time_figure) add_time_figure(b, f);
  if (f.spec.cost_figure) add_cost_figure(b, f);
  if (f.spec.agents_figure) add_agents_figures(b, f);
  if (f.spec.density_figure)
    for (std::size_t gi = 0; gi < f.groups.size(); ++gi) add_density_figure(b, f, gi);
}

/// A table of the report as a Markdown table (rates.md).
std::string markdown_of(const TableBlock& block) {
  Table table(block.header);
  for (const auto& row : block.rows) table.add_row(row);
  return table.to_markdown();
}

/// What a time-slope fit shows of one run: the metric at every output time that has it, the least-squares line on
/// those in the fit's window, and the run's expected slope (the summary metric the fit names).
struct TimeSlope {
  const json* record = nullptr;
  std::vector<double> t, value;
  analysis::LineFit line;
  std::optional<double> t_first, t_last;  ///< the first and last fitted output times (none: no output fitted)
  std::optional<double> expected;

  std::optional<double> difference() const {
    return line.ok && expected ? std::optional(line.slope - *expected) : std::nullopt;
  }
  /// difference / |expected|; nothing where the expected slope is 0.
  std::optional<double> relative_difference() const {
    return difference() && *expected != 0.0 ? std::optional(*difference() / std::abs(*expected)) : std::nullopt;
  }
};

TimeSlope time_slope(const FitSpec& fit, const json& record) {
  TimeSlope s;
  s.record = &record;
  if (!has_summary(record)) {
    s.line.message = "the run recorded no outputs";
    return s;
  }
  const auto inside = [&](double t) {
    const double slack = kTimeMatch * std::max(1.0, std::abs(t));
    return fit.t_window.empty() || (t >= fit.t_window[0] - slack && t <= fit.t_window[1] + slack);
  };
  std::vector<double> fitted_t, fitted_value;
  for (const json& o : record_outputs(record)) {
    const auto value = metric_in(o, fit.metric);
    if (!value || (fit.exponential && !(*value > 0.0))) continue;  // log(metric) needs metric > 0
    s.t.push_back(child(o, "t").get<double>());
    s.value.push_back(*value);
    if (inside(s.t.back())) fitted_t.push_back(s.t.back()), fitted_value.push_back(fit.exponential ? std::log(*value) : *value);
  }
  s.line = analysis::fit_line(fitted_t, fitted_value);
  if (!fitted_t.empty()) s.t_first = fitted_t.front(), s.t_last = fitted_t.back();
  if (!fit.expected.empty()) s.expected = number(record_metrics(record).value(fit.expected, json()));
  return s;
}

/// "particles = 961, mass = 37.699": a run's coordinates, numbers to 5 significant digits, N and eps as the run
/// resolved them; "reference run" for a sweep's reference.
std::string run_label(const json& record) {
  std::string coords;
  for (const auto& [key, value] : child(record, "coords").items()) {
    const auto resolved = has_summary(record) ? axis_value(record, key) : number(value);
    coords += (coords.empty() ? "" : ", ") + short_key(key) + " = " +
              (resolved ? format_significant(*resolved) : value_text(value));
  }
  return coords.empty() ? "reference run" : coords;
}

/// What a time-slope fit's slope is the rate of: "d/dt metric", or "d/dt log metric" for an exponential fit.
std::string slope_name(const FitSpec& fit) { return (fit.exponential ? "d/dt log " : "d/dt ") + fit.metric; }

/// The table of a time-slope fit (one row per run) and its rows of slopes.csv.
TableBlock time_slope_table(Builder& b, const FitSpec& fit, const std::vector<TimeSlope>& slopes) {
  TableBlock table{
      {"run", "coordinates", "N", "eps", "status", "points", "t first", "t last", slope_name(fit), "95% CI"},
      {},
      {}};
  if (!fit.expected.empty())
    table.header.insert(table.header.end(), {fit.expected, "difference", "relative difference"});
  for (const TimeSlope& s : slopes) {
    const json& r = *s.record;
    const auto resolved = [&](const char* key) { return has_summary(r) ? axis_value(r, key) : std::nullopt; };
    const auto fitted = [&](double v) { return s.line.ok ? std::optional(v) : std::nullopt; };
    std::vector<std::string> row = {
        record_id(r), run_label(r), format_significant(resolved("discretization.particles")),
        format_scientific(resolved("discretization.epsilon")), child(r, "status").get<std::string>(),
        std::to_string(s.line.n_points), s.t_first ? shown(*s.t_first) : "-",
        s.t_last ? shown(*s.t_last) : "-",
        format_scientific(fitted(s.line.slope)),
        s.line.ok ? format_scientific(s.line.ci95_low) + " to " + format_scientific(s.line.ci95_high) : s.line.message};
    if (!fit.expected.empty())
      row.insert(row.end(), {format_scientific(s.expected), format_scientific(s.difference()),
                             format_scientific(s.relative_difference())});
    table.rows.push_back(row);
    const auto cell = [](std::optional<double> v) { return v ? format_shortest(*v) : std::string(); };
    b.slopes_csv += fit.name + "," + record_id(r) + ",\"" + run_label(r) + "\"," +
                    cell(resolved("discretization.particles")) + "," + cell(resolved("discretization.epsilon")) + "," +
                    child(r, "status").get<std::string>() + "," + std::to_string(s.line.n_points) + "," +
                    cell(s.t_first) + "," + cell(s.t_last) + "," + cell(fitted(s.line.slope)) + "," +
                    cell(fitted(s.line.ci95_low)) + "," + cell(fitted(s.line.ci95_high)) + "," + cell(s.expected) +
                    "," + cell(s.difference()) + "," + cell(s.relative_difference()) + "\n";
  }
  return table;
}

/// The metric against t of every run of a time-slope fit, each with the line of its expected slope through its first
/// output.
void add_time_slope_figure(Builder& b, const FitSpec& fit, const std::vector<TimeSlope>& slopes) {
  Plot plot = labelled_plot(fit.name, quantity(fit.metric).plain + " against t", quantity("t"), quantity(fit.metric),
                            false, fit.exponential);
  for (std::size_t k = 0; k < slopes.size(); ++k) {
    const TimeSlope& s = slopes[k];
    if (s.t.empty()) continue;
    const int color = static_cast<int>(k) + 1;
    // Runs of several sweeps may share their coordinates: the sweep names them apart.
    const std::string sweep = fit.sweeps.size() > 1 ? record_sweep(*s.record) + ": " : "";
    plot.series.push_back({sweep + run_label(*s.record), s.t, s.value, {}, Style::points_lines, color});
    if (s.expected)
      plot.series.push_back({"", {s.t.front(), s.t.back()},
                             {s.value.front(), fit.exponential
                                                   ? s.value.front() * std::exp(*s.expected * (s.t.back() - s.t.front()))
                                                   : s.value.front() + *s.expected * (s.t.back() - s.t.front())},
                             {},
                             Style::dashed, color});
  }
  if (plot.series.empty()) return b.add_note("No run of fit " + fit.name + " recorded " + fit.metric + ": no figure.");
  b.add_figure(plot, "Figure " + plot.name + ": " + fit.metric + " at the output times of each run (markers)" +
                         (fit.expected.empty() ? std::string(".")
                                               : "; dashed in the same colour: the line through the run's first "
                                                 "output with the slope " + fit.expected + " of that run."));
}

/// A time-slope fit: per run, the least-squares slope of the metric against t beside its expected slope, a table, the
/// lines printed with the fits and the figure.
void add_time_slope_fit(Builder& b, const FitSpec& fit) {
  if (b.slopes_csv.empty())
    b.slopes_csv = "fit,run,coordinates,particles,epsilon,status,points,t_first,t_last,slope,slope_ci95_low,"
                   "slope_ci95_high,expected,difference,relative_difference\n";
  std::vector<TimeSlope> slopes;
  for (const json* r : b.runs.ordered)
    if (fit.takes(record_sweep(*r))) slopes.push_back(time_slope(fit, *r));
  const std::string window = fit.t_window.empty() ? "all its output times"
                                                  : "its output times in [" + shown(fit.t_window[0]) + ", " +
                                                        shown(fit.t_window[1]) + "]";
  const std::string heading =
      fit.name + ": " + slope_name(fit) + " per run" + (fit.expected.empty() ? "" : " against " + fit.expected);
  b.document.add(Heading{2, heading, ""});
  TableBlock table = time_slope_table(b, fit, slopes);
  b.rates_md += "## " + heading + "\n\n" + markdown_of(table) + "\n\n";
  b.document.add(std::move(table));
  b.document.add(Paragraph{{text(
      slope_name(fit) + ": the least-squares slope of " + (fit.exponential ? "log " : "") + fit.metric +
      " against t over " + window +
      " that the run reached, with its 95% confidence interval (Student's t, points - 2 degrees of freedom)" +
      (fit.expected.empty() ? "." : "; " + fit.expected + ": the run's summary metric; difference = slope - " +
                                        fit.expected + "; relative difference = difference / |" + fit.expected +
                                        "| (none where it is 0)."))}});
  for (const TimeSlope& s : slopes) {
    std::string line = s.line.ok ? slope_name(fit) + " = " + format_scientific(s.line.slope) + " over " +
                                       std::to_string(s.line.n_points) + " outputs"
                                 : slope_name(fit) + ": not available (" + s.line.message + ")";
    if (s.difference())
      line += ", " + fit.expected + " " + format_scientific(s.expected) + ", difference " +
              format_scientific(s.difference());
    const std::string status = child(*s.record, "status").get<std::string>();
    b.report.fits.push_back({fit.name, record_id(*s.record) + ", " + run_label(*s.record), line + "; status " + status,
                             s.line.ok, s.line.slope, s.line.ci95_low, s.line.ci95_high, s.line.n_points});
  }
  add_time_slope_figure(b, fit, slopes);
}

/// A least error over best_over found at the smallest or largest value swept may not be the least of the U-curve:
/// a warning per group, naming the points where that happened (a sweep of fewer than 3 values has no interior).
void warn_best_at_edge(Builder& b, const FitView& f) {
  constexpr std::size_t kLeastValues = 3;
  for (const Group& g : f.groups) {
    std::string where;
    for (const Point& p : g.points) {
      const auto curve = g.u_curves.find(p.x);
      if (!p.best || curve == g.u_curves.end() || curve->second.size() < kLeastValues) continue;
      const auto [lo, hi] = std::minmax_element(curve->second.begin(), curve->second.end());
      if (*p.best == lo->first || *p.best == hi->first)
        where += (where.empty() ? "" : ", ") + short_key(f.spec.against) + " = " + format_shortest(p.x) + ": " +
                 short_key(f.spec.best_over) + " = " + format_shortest(*p.best) + " of [" +
                 format_shortest(lo->first) + ", " + format_shortest(hi->first) + "]";
    }
    if (!where.empty())
      b.report.warnings.push_back("fit " + f.spec.name + (g.label.empty() ? "" : " [" + g.label + "]") +
                                  ": the least error lies at the edge of the swept " + short_key(f.spec.best_over) +
                                  " (" + where + "); sweep beyond it to see the minimum");
  }
}

/// One fit: its groups, tables and figures.
void add_fit(Builder& b, const FitSpec& fit) {
  if (fit.over_time()) return add_time_slope_fit(b, fit);
  FitView f{fit, "", fit.t ? "t = " + shown(*fit.t) : "t_final", "", {}, {}, {}, ""};
  std::tie(f.x_q, f.error_q) = fit_quantities(fit);
  f.error_name = f.error_q.plain;
  f.description = f.error_name + " at " + f.t_text + " against " + f.axis() +
                  (fit.best_over.empty() ? "" : " (least over " + quantity(fit.best_over).plain + ")");
  f.heading = fit.name + ": " + f.description;
  f.groups = fit_groups(b, fit);
  warn_best_at_edge(b, f);
  add_fit_tables(b, f);
  add_fit_figures(b, f);
}

/// A run's sweep coordinates as "key = value, ..." (short keys), leaving out the key `skip`.
std::string coordinates_text(const json& record, std::string_view skip = {}) {
  std::string coords;
  for (const auto& [k, v] : child(record, "coords").items())
    if (k != skip) coords += (coords.empty() ? "" : ", ") + short_key(k) + " = " + value_text(v);
  return coords;
}

/// The configuration of a run less the keys in which a run with drop-outs and one that started with its survivors
/// may differ: the drop-outs, the number of particles, how they were placed and drawn, and how eps is written (the
/// value of eps must agree: survivors_w2).
json config_beside_survivors(const json& record) {
  json config = child(child(record, "summary"), "config");
  if (!config.is_object()) return json();
  if (config.contains("coverage") && config["coverage"].is_object()) config["coverage"].erase("dropouts");
  if (config.contains("discretization") && config["discretization"].is_object())
    for (const char* key : {"particles", "seed", "placement", "epsilon"}) config["discretization"].erase(key);
  return config;
}

/// Two values of eps written by different expressions agree when they differ by round-off of the expression.
constexpr double kSameEpsilon = 1e-12;

/// W2 at t_final of a successful run without drop-outs that started with `agents` particles, with the same eps and
/// otherwise the configuration `beside` (config_beside_survivors), if the study has one.
std::optional<double> survivors_w2(const Builder& b, const json& beside, double epsilon, std::size_t agents) {
  for (const json* r : b.runs.ordered) {
    if (!record_ok(*r) || !has_summary(*r) || !child(record_metrics(*r), "dropouts").empty()) continue;
    const json& resolved = child(child(*r, "summary"), "resolved");
    const std::optional<double> eps = number(child(resolved, "epsilon"));
    const bool uses_eps = child(child(beside, "coverage"), "controller") != json("lloyd");  // Lloyd has no blobs
    if (child(resolved, "particles") != json(agents) || !eps ||
        (uses_eps && std::abs(*eps - epsilon) > kSameEpsilon * epsilon) || config_beside_survivors(*r) != beside)
      continue;
    if (const json* last = output_at(*r, std::nullopt)) return number(child(*last, "w2_steady"));
  }
  return std::nullopt;
}

/// The runs with drop-outs (coverage.dropouts): per event, who stopped, how the run recovered, and the level it
/// reached beside that of a run that started with the surviving number of agents.
void add_dropouts_table(Builder& b) {
  TableBlock table{{"run", "coordinates", "t", "stopped", "active", "W2 at t", "W2 next", "recovery time", "W2 final",
                    "W2 final, survivors from t0"},
                   {},
                   {}};
  for (const json* r : b.runs.ordered) {
    if (!has_summary(*r)) continue;
    const json& events = child(record_metrics(*r), "dropouts");
    if (!events.is_array()) continue;
    const std::string coords = coordinates_text(*r, "coverage.dropouts");  // the table shows what stopped
    const double epsilon = number(child(child(child(*r, "summary"), "resolved"), "epsilon")).value_or(0.0);
    for (const json& e : events) {
      if (!child(e, "t").is_number() || !child(e, "active").is_number_unsigned() || !child(e, "removed").is_array())
        continue;  // not a drop-out blobflow wrote
      const auto active = child(e, "active").get<std::size_t>();
      table.rows.push_back({record_id(*r), coords, shown(child(e, "t").get<double>()),
                            std::to_string(child(e, "removed").size()), std::to_string(active),
                            format_scientific(number(child(e, "w2_at_event"))),
                            format_scientific(number(child(e, "w2_after"))),
                            number(child(e, "recovery_time")) ? format_scientific(number(child(e, "recovery_time")), 3)
                                                                : std::string("not recovered"),
                            format_scientific(number(child(e, "w2_final"))),
                            format_scientific(survivors_w2(b, config_beside_survivors(*r), epsilon, active))});
    }
  }
  if (table.rows.empty()) return;
  b.document.add(Heading{2, "Drop-outs", ""});
  b.document.add(Paragraph{{text(
      "Per drop-out event: the agents that stopped and those left; w2_steady (W2 of the active agents, normalized, to "
      "rhobar / int rhobar) at the event, at the next output and at the end; the recovery time (until w2_steady is "
      "back within coverage.recovery_factor of its value at the event); and, where the study has one, the final "
      "w2_steady of a run without drop-outs that started with as many agents as survived, with the same eps and "
      "otherwise the same configuration (its placement may differ). From each run's summary.json "
      "(metrics.dropouts).")}});
  b.document.add(std::move(table));
}

/// Every run, and the failed ones with their status.
void add_runs_tables(Builder& b) {
  TableBlock runs{{"run", "coordinates", "status", "W2(T)", "wall s"}, {}, {}};
  TableBlock failed{{"run", "coordinates", "status", "message"}, {}, {}};
  for (const json* r : b.runs.ordered) {
    const std::string coords = (*r).value("reference", false) ? "reference run" : coordinates_text(*r);
    const json* last = output_at(*r, std::nullopt);
    const std::string status = child(*r, "status");
    runs.rows.push_back({record_id(*r), coords, status,
                         last ? format_scientific(number(child(*last, "w2"))) : std::string("-"),
                         has_summary(*r) ? format_fixed(wall_seconds(*r), 2) : std::string("-")});
    if (!record_ok(*r)) failed.rows.push_back({record_id(*r), coords, status, (*r).value("message", "")});
  }
  b.document.add(Heading{2, "Runs", ""});
  b.document.add(std::move(runs));
  if (!failed.rows.empty()) {
    b.document.add(Heading{3, "Failed runs", ""});
    b.document.add(std::move(failed));
  }
}

/// The study file as written and the manifest of the study.
void add_study_file(Builder& b, const json& study) {
  const std::string study_text = std::filesystem::exists(b.dir / "study.toml") ? read_text(b.dir / "study.toml") : "";
  TableBlock manifest{{"key", "value"}, {}, {}};
  if (study.contains("manifest"))
    for (const auto& [k, v] : child(study, "manifest").items()) manifest.rows.push_back({k, value_text(v)});
  b.document.add(Heading{2, "Study file", ""});
  b.document.add(Preformatted{study_text, "toml"});
  b.document.add(Heading{2, "Manifest", ""});
  b.document.add(std::move(manifest));
}

/// The title, the description and the counts of runs with links to the tables.
void add_introduction(Builder& b, const json& study) {
  const std::string title = study.value("title", study.value("name", "study"));
  b.document.title = title;
  b.document.add(Heading{1, title, ""});
  b.document.add(Paragraph{{text(study.value("description", ""))}});
  const std::string counts = std::to_string(b.report.n_recorded) + " of " + std::to_string(b.report.n_planned) +
                             " planned runs recorded, " + std::to_string(b.report.n_failed) + " failed.";
  Paragraph links{{text(counts + " Tables: "), link("rates.csv", "rates.csv"), text(", "), link("rates.md", "rates.md"),
                   text(", "), link("rates.tex", "rates.tex")}};
  const auto fits = child(study, "fits").get<std::vector<FitSpec>>();
  if (std::any_of(fits.begin(), fits.end(), [](const FitSpec& f) { return f.over_time(); }))
    links.spans.insert(links.spans.end(), {text(", "), link("slopes.csv", "slopes.csv")});
  links.spans.insert(links.spans.end(), {text("; results: "), link("runs.jsonl", "runs.jsonl"), text(".")});
  b.document.add(std::move(links));
}

}  // namespace

bool successful_status(std::string_view status) { return status == "ok" || status == "collapsed"; }

namespace {

/// Checks the members of a record that the report and --resume rely on: id and status, and the types of the others
/// where they are present (a missing one reads as null); throws std::runtime_error naming the file, the line, the
/// key, its value and the rule.
void check_record(const json& record, const std::string& where) {
  auto fail = [&](const std::string& key, const json& value, const std::string& rule) {
    std::string text = value.dump();
    if (text.size() > kMaxQuotedJson) text = text.substr(0, kMaxQuotedJson) + "...";
    throw std::runtime_error(where + ": " + key + " = " + text + ": " + rule);
  };
  for (const char* key : {"id", "status", "config_hash", "sweep", "message"})
    if (record.contains(key) && !record[key].is_string()) fail(key, record[key], "must be a string");
  if (record.contains("reference") && !record["reference"].is_boolean())
    fail("reference", record["reference"], "must be true or false");
  if (!record.contains("status")) fail("status", json(), "must be a string (every record has its run's status)");
  if (record.contains("coords") && !record["coords"].is_object()) fail("coords", record["coords"], "must be an object");
  if (!record.contains("summary") || record["summary"].is_null()) return;
  if (!record["summary"].is_object()) fail("summary", record["summary"], "must be an object or null");
  const json& outputs = record_outputs(record);
  if (outputs.is_null()) return;
  if (!outputs.is_array()) fail("summary.metrics.outputs", outputs, "must be an array");
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (!child(outputs[i], "t").is_number())
      fail("summary.metrics.outputs[" + std::to_string(i) + "].t", child(outputs[i], "t"), "must be a number");
}

}  // namespace

std::vector<json> read_run_records(const std::filesystem::path& jsonl) {
  std::vector<json> records;
  if (!std::filesystem::exists(jsonl)) return records;
  const std::string text = read_text(jsonl);
  std::size_t start = 0, line = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    json record = json::parse(text.begin() + static_cast<std::ptrdiff_t>(start),
                              text.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    ++line;
    if (!record.is_object() || !record.contains("id")) continue;
    check_record(record, jsonl.string() + " line " + std::to_string(line));
    records.push_back(std::move(record));
  }
  return records;  // text after the last newline is a torn line: skipped
}

StudyReport build_study_report(const std::filesystem::path& dir, const ReportOptions& options) {
  const json study = json::parse(read_text(dir / "study.json"), nullptr, false);
  if (!study.is_object() || !study.contains("runs") || !study.contains("fits"))
    throw std::runtime_error((dir / "study.json").string() + ": not a blobflow study description");
  // rates.csv: one column per group key and per axis of the study's fits (a tidy table: no label to parse).
  std::vector<std::string> group_keys, axis_keys;
  for (const FitSpec& fit : child(study, "fits").get<std::vector<FitSpec>>()) {
    if (fit.over_time()) continue;
    for (const std::string& key : fit.group_by)
      if (std::find(group_keys.begin(), group_keys.end(), key) == group_keys.end()) group_keys.push_back(key);
    if (std::find(axis_keys.begin(), axis_keys.end(), fit.against) == axis_keys.end())
      axis_keys.push_back(fit.against);
  }
  std::string csv_header = "fit,group";
  for (const std::string& key : group_keys) csv_header += "," + csv_cell(key);
  csv_header += ",against";
  for (const std::string& key : axis_keys) csv_header += "," + csv_cell(key);
  csv_header +=
      ",x,error,pairwise_rate,status,slope,slope_ci95_low,slope_ci95_high,points_used,replicates,error_min,"
      "error_max,floor\n";
  Builder b{dir, options, load_runs(dir, study), {}, {}, csv_header, {}, {}, {}, group_keys, axis_keys};
  b.report.n_planned = b.runs.n_planned;
  b.report.n_recorded = b.runs.records.size();
  for (const json* r : b.runs.ordered) b.report.n_failed += !record_ok(*r);
  add_introduction(b, study);
  for (const FitSpec& fit : child(study, "fits").get<std::vector<FitSpec>>()) add_fit(b, fit);
  add_dropouts_table(b);
  add_runs_tables(b);
  add_study_file(b, study);

  const std::string title = b.document.title;
  write_text(dir / "rates.csv", b.csv);
  write_text(dir / "rates.md", "# " + title + ": rates\n\n" + b.rates_md);
  write_text(dir / "rates.tex", "% " + title + ": rates (generated by blobflow)\n" + b.rates_tex);
  if (!b.slopes_csv.empty()) write_text(dir / "slopes.csv", b.slopes_csv);
  write_text(dir / "report.md", render_markdown(b.document));
  write_text(dir / "index.html", render_html(b.document));
  return b.report;
}

}  // namespace blobflow::reports
