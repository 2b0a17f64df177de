// Study reports (see study_report.hpp): rate fits per group with analysis::fit_convergence_rate (the asymptotic
// window rule of rate_fit.hpp), convergence tables in CSV, Markdown and LaTeX, the figures, and report.md plus
// index.html, all from the files a study wrote.
#include "blobflow/reports/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "blobflow/analysis/rate_fit.hpp"
#include "blobflow/reports/figure.hpp"
#include "blobflow/reports/table.hpp"

namespace blobflow::reports {
namespace {

using nlohmann::json;

/// Output times are matched to a requested time up to this relative difference (they are written with 17 digits,
/// so only the rounding of t0 + sums of steps remains).
constexpr double kTimeMatch = 1e-9;
/// Largest number of particle paths drawn in a trajectory figure (more are unreadable).
constexpr std::size_t kMaxTrajectories = 24;
/// Largest number of output times drawn in a density figure (more curves overlap unreadably).
constexpr std::size_t kMaxDensitySnapshots = 5;
/// Points of the grid a density figure evaluates the densities on: 1000 points over a window of ~1.3 keep the
/// spacing near 1e-3, far below eps (>= 4e-3 for N <= 1000 with eps = 4 h), so the curves show the blobs' shape.
constexpr std::size_t kDensityGridPoints = 1000;
/// A density window reaches this many eps beyond the outermost particles, where a Gaussian blob is below 1e-4 of
/// its peak (exp(-4.5^2 / 2) = 4e-5).
constexpr double kDensityMarginEps = 4.5;

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

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

/// The last part of a run key ("discretization.mollifier" -> "mollifier").
std::string short_key(const std::string& key) { return key.substr(key.rfind('.') + 1); }

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

/// The record's metrics at time t (t_final when absent), or nothing when that output was not reached.
const json* output_at(const json& record, const json& t) {
  if (!record.contains("summary") || !record["summary"].is_object()) return nullptr;
  const json& outputs = record["summary"]["metrics"]["outputs"];
  if (!outputs.is_array() || outputs.empty()) return nullptr;
  const double target = t.is_number() ? t.get<double>()
                                      : record["summary"]["config"]["problem"]["t_final"].get<double>();
  for (const json& o : outputs)
    if (std::abs(o["t"].get<double>() - target) <= kTimeMatch * std::max(1.0, std::abs(target))) return &o;
  return nullptr;
}

std::optional<double> number(const json& v) {
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

/// A metric of a record at the fit's time: w1, w2, winf, energy, second_moment, or |value - exact| for
/// energy_error and second_moment_error.
std::optional<double> metric_of(const json& record, const std::string& metric, const json& t) {
  const json* o = output_at(record, t);
  if (!o) return std::nullopt;
  if (metric == "energy_error" || metric == "second_moment_error") {
    const std::string base = metric.substr(0, metric.size() - 6);
    const auto value = number((*o)[base]), exact = number((*o)[base + "_exact"]);
    if (!value || !exact) return std::nullopt;
    return std::abs(*value - *exact);
  }
  return number((*o)[metric]);
}

/// The numeric value of an axis for a record: the resolved N and eps where they exist (d > 1 rounds N to a
/// lattice, eps may be a law), otherwise the swept value itself.
std::optional<double> axis_value(const json& record, const std::string& key) {
  const json& resolved = record["summary"]["resolved"];
  if (key == "discretization.particles" && resolved.is_object()) return number(resolved["particles"]);
  if (key == "discretization.epsilon" && resolved.is_object()) return number(resolved["epsilon"]);
  return number(record["coords"][key]);
}

/// Refinement increases N, and decreases dt, eps or a tolerance.
bool refines_upward(const std::string& key) { return key == "discretization.particles"; }

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
};

/// Whether a point of the group averages several replicates.
bool has_replicates(const Group& g) {
  return std::any_of(g.points.begin(), g.points.end(), [](const Point& p) { return p.replicates > 1; });
}

/// The spread of the replicates of each point as a Markdown table: x, replicates, mean, min, max.
std::string spread_markdown(const Group& g, const std::string& x_name, const std::string& error_name) {
  Table table({x_name, "replicates", "mean " + error_name, "min", "max"});
  for (const Point& p : g.points)
    table.add_row({format_shortest(p.x), std::to_string(p.replicates), format_scientific(p.error),
                   format_scientific(p.error_min), format_scientific(p.error_max)});
  return "Spread over replicates (the fit uses the mean; min-max):\n\n" + table.to_markdown();
}

/// The same as a LaTeX tabular.
std::string spread_latex(const Group& g, const std::string& key) {
  std::string x_name;  // the key with its underscores escaped
  for (char c : key) x_name += c == '_' ? std::string("\\_") : std::string(1, c);
  std::string out = "% spread over replicates (the fit uses the mean; min-max)\n\\begin{tabular}{rrrrr}\n\\hline\n" +
                    x_name + " & replicates & mean & min & max \\\\\n\\hline\n";
  for (const Point& p : g.points)
    out += format_shortest(p.x) + " & " + std::to_string(p.replicates) + " & " + format_scientific(p.error) + " & " +
           format_scientific(p.error_min) + " & " + format_scientific(p.error_max) + " \\\\\n";
  return out + "\\hline\n\\end{tabular}\n";
}

std::string group_label(const json& record, const json& group_by) {
  std::string label;
  for (const json& key : group_by)
    label += (label.empty() ? "" : ", ") + short_key(key.get<std::string>()) + " = " +
             value_text(record["coords"][key.get<std::string>()]);
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

struct Builder {
  std::filesystem::path dir;
  ReportOptions options;
  StudyReport report;
  std::string markdown, html;

  void add_figure(const Plot& plot, const std::string& caption) {
    const bool rendered = write_plot(dir / "figures", plot, options.render, options.pdf);
    report.figures.push_back({plot.name, caption, rendered});
    markdown += "![" + caption + "](figures/" + plot.name + ".png)\n\n*" + caption + "* (data: `figures/" +
                plot.name + ".dat`, script: `figures/" + plot.name + ".gp`)\n\n";
    html += "<figure><img src=\"figures/" + plot.name + ".svg\" alt=\"" + html_escape(caption) +
            "\"><figcaption>" + html_escape(caption) + " (<a href=\"figures/" + plot.name +
            ".dat\">data</a>, <a href=\"figures/" + plot.name + ".gp\">gnuplot script</a>)</figcaption></figure>\n";
  }
};

std::string html_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table>\n<tr>";
  for (const auto& h : header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& c : row) out += "<td>" + html_escape(c) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  Table table(header);
  for (const auto& row : rows) table.add_row(row);
  return table.to_markdown();
}

/// The floor table of a fit with a floor: per point the error, the floor and their ratio.
std::string floor_table(const Group& g, const std::string& against, const std::string& error_name,
                        const std::string& floor_key) {
  std::vector<std::vector<std::string>> rows;
  for (const Point& p : g.points)
    rows.push_back({format_shortest(p.x), format_scientific(p.error), format_scientific(p.floor),
                    p.floor && *p.floor > 0.0 ? format_fixed(p.error / *p.floor, 2) : std::string("-")});
  return markdown_table({short_key(against), error_name, floor_key, error_name + " / " + floor_key}, rows);
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
  for (const json& o : record["summary"]["metrics"]["outputs"]) {
    const auto kl = number(o.value("kl", json())), chi2 = number(o.value("chi2", json()));
    if (!kl || !chi2) continue;
    out.t.push_back(o["t"].get<double>());
    out.kl.push_back(*kl);
    out.chi2.push_back(*chi2);
  }
  return out;
}

/// The particles of a 1D run at each of its output times, from particles.csv (t, i, x1, mass).
std::map<double, std::vector<std::pair<double, double>>> particles_by_time(const std::filesystem::path& csv) {
  std::vector<std::string> header;
  const auto rows = read_csv(csv, header);
  std::map<double, std::vector<std::pair<double, double>>> out;
  if (header.size() != 4 || header[2] != "x1") return out;  // 1D only: t, i, x1, mass
  for (const auto& row : rows)
    if (row.size() == 4) out[row[0]].emplace_back(row[2], row[3]);
  return out;
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

}  // namespace

std::vector<json> read_run_records(const std::filesystem::path& jsonl) {
  std::vector<json> records;
  if (!std::filesystem::exists(jsonl)) return records;
  const std::string text = read_text(jsonl);
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    json record = json::parse(text.begin() + static_cast<std::ptrdiff_t>(start),
                              text.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (record.is_object() && record.contains("id")) records.push_back(std::move(record));
  }
  return records;  // text after the last newline is a torn line: skipped
}

StudyReport build_study_report(const std::filesystem::path& dir, const ReportOptions& options) {
  const json study = json::parse(read_text(dir / "study.json"), nullptr, false);
  if (!study.is_object() || !study.contains("runs") || !study.contains("fits"))
    throw std::runtime_error((dir / "study.json").string() + ": not a blobflow study description");
  Builder b{dir, options, {}, {}, {}};

  // The records of the planned runs (the last one of each id with the planned configuration hash).
  std::map<std::string, json> records;
  std::map<std::string, std::string> planned_hash;
  for (const json& r : study["runs"]) planned_hash[r["id"].get<std::string>()] = r["config_hash"].get<std::string>();
  for (json& r : read_run_records(dir / "runs.jsonl")) {
    const std::string id = r["id"].get<std::string>();
    if (planned_hash.count(id) && r.value("config_hash", "") == planned_hash[id]) records[id] = std::move(r);
  }
  b.report.n_planned = planned_hash.size();
  b.report.n_recorded = records.size();
  std::vector<const json*> ordered;  // records in the planned order
  for (const json& r : study["runs"])
    if (records.count(r["id"].get<std::string>())) ordered.push_back(&records[r["id"].get<std::string>()]);
  for (const json* r : ordered) b.report.n_failed += (*r)["status"] != "ok";

  const std::string title = study.value("title", study.value("name", "study"));
  b.markdown = "# " + title + "\n\n" + study.value("description", "") + "\n\n";
  b.html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
           "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
           "td,th{border:1px solid #999;padding:2px 6px;text-align:right}img{max-width:100%}"
           "pre{background:#f4f4f4;padding:8px;overflow:auto}</style></head><body>\n<h1>" +
           html_escape(title) + "</h1>\n<p>" + html_escape(study.value("description", "")) + "</p>\n";
  const std::string counts = std::to_string(b.report.n_recorded) + " of " + std::to_string(b.report.n_planned) +
                             " planned runs recorded, " + std::to_string(b.report.n_failed) + " failed.";
  b.markdown += counts + " Tables: [rates.csv](rates.csv), [rates.md](rates.md), [rates.tex](rates.tex); " +
                "results: [runs.jsonl](runs.jsonl).\n\n";
  b.html += "<p>" + counts + " Tables: <a href=\"rates.csv\">rates.csv</a>, <a href=\"rates.md\">rates.md</a>, " +
            "<a href=\"rates.tex\">rates.tex</a>; results: <a href=\"runs.jsonl\">runs.jsonl</a>.</p>\n";

  std::string csv =
      "fit,group,x,error,pairwise_rate,status,slope,slope_ci95_low,slope_ci95_high,points_used,replicates,error_min,"
      "error_max,floor\n";
  std::string rates_md, rates_tex;
  for (const json& fit : study["fits"]) {
    const std::string name = fit["name"], metric = fit["metric"], against = fit["against"];
    const std::string best_over = fit.value("best_over", "");
    const std::string floor_key = fit.value("floor", "");
    const bool upward = refines_upward(against);
    const json& t = fit["t"];
    const std::string t_text = t.is_number() ? "t = " + format_shortest(t.get<double>()) : "t_final";
    const json* reference = nullptr;
    if (fit.value("compare_to_reference", false)) {
      const std::string ref_id = fit["sweep"].get<std::string>() + "-reference";
      if (records.count(ref_id) && records[ref_id]["status"] == "ok") reference = &records[ref_id];
    }
    const std::optional<double> ref_value = reference ? metric_of(*reference, metric, t) : std::nullopt;
    const std::string error_name =
        fit.value("compare_to_reference", false) ? "|" + metric + " - reference|" : metric;

    // Groups in planned order; points per x (the least error over best_over when given).
    std::vector<Group> groups;
    std::map<std::string, std::size_t> group_index;
    // Replicates of a grid point (runs whose coords differ only in "replicate") become one point: the mean error,
    // with its min-max spread; the fit runs on the means.
    std::vector<Replicates> samples;
    std::map<std::string, std::size_t> sample_index;
    for (const json* r : ordered) {
      if ((*r)["sweep"] != fit["sweep"] || (*r).value("reference", false) || (*r)["status"] != "ok") continue;
      const std::string label = group_label(*r, fit["group_by"]);
      if (!group_index.count(label)) {
        group_index[label] = groups.size();
        groups.push_back({label, {}, {}, {}});
      }
      const auto x = axis_value(*r, against);
      auto error = metric_of(*r, metric, t);
      if (fit.value("compare_to_reference", false))
        error = (error && ref_value) ? std::optional<double>(std::abs(*error - *ref_value)) : std::nullopt;
      if (!x || !error) continue;
      json point_coords = (*r)["coords"];
      point_coords.erase("replicate");
      const std::string key = point_coords.dump();
      if (!sample_index.count(key)) {
        sample_index[key] = samples.size();
        const std::optional<double> floor =
            floor_key.empty() ? std::nullopt : number((*r)["summary"]["metrics"].value(floor_key, json()));
        samples.push_back({r, *x, best_over.empty() ? std::nullopt : axis_value(*r, best_over), floor, {}, {}});
      }
      samples[sample_index[key]].errors.push_back(*error);
      samples[sample_index[key]].walls.push_back((*r)["summary"]["metrics"]["wall_seconds"].get<double>());
    }
    for (const Replicates& sample : samples) {
      const json* r = sample.first;
      Group& g = groups[group_index[group_label(*r, fit["group_by"])]];
      const double n = static_cast<double>(sample.errors.size());
      double error = 0.0, wall = 0.0;
      for (std::size_t k = 0; k < sample.errors.size(); ++k) {
        error += sample.errors[k] / n;
        wall += sample.walls[k] / n;
      }
      const auto [low, high] = std::minmax_element(sample.errors.begin(), sample.errors.end());
      const Point point{sample.x, error, wall, (*r)["id"], sample.best, sample.floor, sample.errors.size(), *low, *high};
      if (sample.best) g.u_curves[sample.x].emplace_back(*sample.best, error);
      auto same_x = std::find_if(g.points.begin(), g.points.end(), [&](const Point& p) { return p.x == sample.x; });
      if (same_x == g.points.end()) g.points.push_back(point);
      else if (error < same_x->error) *same_x = point;
    }
    for (Group& g : groups) {
      std::sort(g.points.begin(), g.points.end(),
                [&](const Point& p, const Point& q) { return upward ? p.x < q.x : p.x > q.x; });
      std::vector<double> xs, es;
      for (const Point& p : g.points) {
        xs.push_back(p.x);
        es.push_back(p.error);
      }
      analysis::RateWindowOptions window;
      if (fit["expected_slope"].is_number()) window.expected_slope = fit["expected_slope"].get<double>();
      g.rate = analysis::fit_convergence_rate(xs, es, window);
    }

    // Tables.
    const std::string heading = name + ": " + error_name + " at " + t_text + " against " + short_key(against) +
                                (best_over.empty() ? "" : " (least over " + short_key(best_over) + ")");
    b.markdown += "## " + heading + "\n\n";
    b.html += "<h2>" + html_escape(heading) + "</h2>\n";
    rates_md += "## " + heading + "\n\n";
    rates_tex += "% " + heading + "\n";
    const analysis::ConvergenceTableOptions table_options{short_key(against), error_name, 3, 2};
    for (const Group& g : groups) {
      const analysis::RateFit& rf = g.rate;
      for (std::size_t k = 0; k < rf.points.size(); ++k) {
        const auto& p = rf.points[k];
        csv += name + ",\"" + g.label + "\"," + format_shortest(p.x) + "," + format_shortest(p.error) + "," +
               (std::isnan(p.rate) ? std::string() : format_shortest(p.rate)) + "," +
               std::string(analysis::to_string(p.status)) + "," +
               (rf.fit.ok ? format_shortest(rf.fit.exponent) + "," + format_shortest(rf.fit.ci95_low) + "," +
                                format_shortest(rf.fit.ci95_high)
                          : std::string(",,")) +
               "," + std::to_string(rf.n_used) + "," + std::to_string(g.points[k].replicates) + "," +
               format_shortest(g.points[k].error_min) + "," + format_shortest(g.points[k].error_max) + "," +
               (g.points[k].floor ? format_shortest(*g.points[k].floor) : std::string()) + "\n";
      }
      std::string md = analysis::convergence_table_markdown(rf, table_options);
      std::string tex = analysis::convergence_table_latex(rf, table_options);
      if (has_replicates(g)) {
        md += "\n\n" + spread_markdown(g, short_key(against), error_name);
        tex += "\n" + spread_latex(g, short_key(against));
      }
      if (!floor_key.empty()) md += "\n\n" + floor_table(g, against, error_name, floor_key);
      rates_md += "### " + g.label + "\n\n" + md + "\n\n";
      rates_tex += "% " + g.label + "\n" + tex + "\n\n";
      b.markdown += "### " + g.label + "\n\n" + md + "\n\n";
      std::vector<std::vector<std::string>> rows;
      std::vector<std::string> html_header = {short_key(against), error_name, "pairwise rate", "status"};
      if (has_replicates(g)) html_header.insert(html_header.end(), {"replicates", "min", "max"});
      if (!floor_key.empty()) html_header.push_back(floor_key);
      for (std::size_t k = 0; k < rf.points.size(); ++k) {
        const auto& p = rf.points[k];
        rows.push_back({format_shortest(p.x), format_scientific(p.error),
                        std::isnan(p.rate) ? "-" : format_fixed(p.rate, 2), std::string(analysis::to_string(p.status))});
        if (has_replicates(g))
          rows.back().insert(rows.back().end(), {std::to_string(g.points[k].replicates),
                                                 format_scientific(g.points[k].error_min),
                                                 format_scientific(g.points[k].error_max)});
        if (!floor_key.empty()) rows.back().push_back(format_scientific(g.points[k].floor));
      }
      // One value of the axis (a fit that carries a sweep's other figures): no rate by design, not a failed fit.
      const std::string line =
          rf.fit.ok ? "fitted slope " + format_fixed(rf.fit.exponent, 3) + " (95% CI " +
                          format_fixed(rf.fit.ci95_low, 3) + " to " + format_fixed(rf.fit.ci95_high, 3) + ", " +
                          std::to_string(rf.n_used) + " of " + std::to_string(rf.points.size()) + " points)"
          : g.points.size() == 1
              ? "one value of " + short_key(against) + " (" + format_shortest(g.points.front().x) + "): " +
                    error_name + " " + format_scientific(g.points.front().error) + ", no rate to fit"
              : "fitted slope: not available (" + rf.fit.message + ")";
      b.html += "<h3>" + html_escape(g.label) + "</h3>\n" +
                html_table(html_header, rows) + "<p>" +
                html_escape(line) + "</p>\n";
      b.report.fits.push_back({name, g.label, line, rf.fit.ok, rf.fit.exponent, rf.fit.ci95_low, rf.fit.ci95_high,
                               rf.n_used});
    }

    // Error against x with the fitted line, the band of slopes in the 95% CI (through the centroid of the fitted
    // points, where the least-squares line passes) and reference slopes.
    Plot error_plot{name, heading, short_key(against), error_name, true, true, {}};
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
      const Group& g = groups[gi];
      const int color = static_cast<int>(gi) + 1;
      PlotSeries data{g.label, {}, {}, {}, Style::points_lines, color};
      for (const Point& p : g.points) {
        data.x.push_back(p.x);
        data.y.push_back(p.error);
      }
      error_plot.series.push_back(data);
      if (has_replicates(g)) {
        PlotSeries bars{"  min-max over replicates", data.x, {}, {}, Style::error_bars, color};
        for (const Point& p : g.points) {
          bars.y.push_back(p.error_min);
          bars.y_high.push_back(p.error_max);
        }
        error_plot.series.push_back(bars);
      }
      const analysis::RateFit& rf = g.rate;
      if (!rf.fit.ok) continue;
      double mean_lx = 0.0, mean_ly = 0.0;
      for (std::size_t k = rf.first_used; k <= rf.last_used; ++k) {
        mean_lx += std::log(g.points[k].x) / double(rf.n_used);
        mean_ly += std::log(g.points[k].error) / double(rf.n_used);
      }
      PlotSeries line{"  fit: slope " + format_fixed(rf.fit.exponent, 2), {}, {}, {}, Style::line, color};
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
      error_plot.series.push_back(band);
      error_plot.series.push_back(line);
    }
    for (std::size_t gi = 0; gi < groups.size() && !floor_key.empty(); ++gi) {
      PlotSeries guide{"  " + floor_key, {}, {}, {}, Style::dashed, static_cast<int>(gi) + 1};
      for (const Point& p : groups[gi].points)
        if (p.floor) {
          guide.x.push_back(p.x);
          guide.y.push_back(*p.floor);
        }
      if (!guide.x.empty()) error_plot.series.push_back(guide);
    }
    if (!groups.empty() && !groups.front().points.empty())
      for (const json& s : fit["reference_slopes"]) {
        const Point& first = groups.front().points.front();
        const Point& last = groups.front().points.back();
        const double slope = s.get<double>();
        error_plot.series.push_back({"slope " + format_shortest(slope),
                                     {first.x, last.x},
                                     {first.error, first.error * std::pow(last.x / first.x, slope)},
                                     {},
                                     Style::dashed});
      }
    const bool replicated = std::any_of(groups.begin(), groups.end(), has_replicates);
    const bool any_point = std::any_of(groups.begin(), groups.end(), [](const Group& g) { return !g.points.empty(); });
    const bool one_value =
        std::all_of(groups.begin(), groups.end(), [](const Group& g) { return g.points.size() <= 1; });
    if (!any_point) {  // e.g. a metric these runs do not write: say so instead of an empty, unrenderable figure
      const std::string note = "No run of fit " + name + " recorded " + error_name + " at " + t_text + ": no figure.";
      b.markdown += "*" + note + "*\n\n";
      b.html += "<p><em>" + html_escape(note) + "</em></p>\n";
    } else if (one_value) {  // one point per group: the table says it all, a one-point figure would not
      const std::string note = "Fit " + name + " has one value of " + short_key(against) +
                               " per group: no rate and no error figure (the table above gives the values).";
      b.markdown += "*" + note + "*\n\n";
      b.html += "<p><em>" + html_escape(note) + "</em></p>\n";
    } else {
      b.add_figure(error_plot, "Figure " + name + ": " + heading +
                                   (replicated ? "; markers: mean over replicates, bars: their min-max"
                                               : "; markers: measured") +
                                   ", solid: least-squares fit on the asymptotic window, shaded: "
                                   "lines with slopes in the 95% CI, dashed: reference slopes" +
                                   (floor_key.empty() ? std::string(".")
                                                      : "; coloured dashed: each group's " + floor_key +
                                                            " (summary metric of its runs), the least error N "
                                                            "equal-weight particles can have (MATH.md §2.5)."));
    }

    // The joint N x eps mode: U-curves and the best eps against N.
    if (!best_over.empty()) {
      for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        const Group& g = groups[gi];
        Plot u{name + "-u-curves-" + std::to_string(gi + 1), name + ": " + error_name + " against " +
                   short_key(best_over) + " for each " + short_key(against) + " (" + g.label + ")",
               short_key(best_over), error_name, true, true, {}};
        PlotSeries best{"least error", {}, {}, {}, Style::points};
        for (const auto& [x, curve] : g.u_curves) {
          auto sorted = curve;
          std::sort(sorted.begin(), sorted.end());
          PlotSeries s{short_key(against) + " = " + format_shortest(x), {}, {}, {}, Style::points_lines};
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
        b.add_figure(u, "Figure " + u.name + ": U-curves: " + error_name + " at " + t_text + " against " +
                            short_key(best_over) + ", one curve per " + short_key(against) + " (" + g.label +
                            "); circles: the " + short_key(best_over) + " of least error.");
      }
      Plot be{name + "-best-" + short_key(best_over), name + ": " + short_key(best_over) + " of least error against " +
                  short_key(against),
              short_key(against), "best " + short_key(best_over), true, true, {}};
      for (const Group& g : groups) {
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
      b.add_figure(be, "Figure " + be.name + ": the " + short_key(best_over) + " of least " + error_name +
                           " against " + short_key(against) + " (label: least-squares slope in log-log).");
    }

    // Integrator studies: work-precision and observed order.
    const bool integrators = against == "integrator.dt" || against == "integrator.rtol";
    if (integrators) {
      Plot wp{name + "-work-precision", name + ": " + error_name + " against wall time", "wall time [s]",
              error_name, true, true, {}};
      Plot order{name + "-observed-order", name + ": observed order (pairwise rate) against " + short_key(against),
                 short_key(against), "pairwise rate", true, false, {}};
      for (const Group& g : groups) {
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
      b.add_figure(wp, "Figure " + wp.name + ": work-precision: " + error_name + " at " + t_text +
                           " against the run's wall time, one curve per group.");
      b.add_figure(order, "Figure " + order.name + ": observed order: the pairwise rate of " + error_name +
                              " between consecutive " + short_key(against) + " values, drawn at their geometric mean.");
    }

    // Energy against time and particle paths of the finest run of each group.
    if (fit.value("energy_figure", false)) {
      Plot energy{name + "-energy", name + ": regularized energy E_eps against time (finest run of each group)", "t",
                  "E_eps", false, true, {}};
      for (const Group& g : groups) {
        if (g.points.empty()) continue;
        std::vector<std::string> header;
        const auto rows = read_csv(dir / "runs" / g.points.back().id / "diagnostics.csv", header);
        PlotSeries s{g.label + ", " + short_key(against) + " = " + format_shortest(g.points.back().x), {}, {}, {},
                     Style::line};
        for (const auto& row : rows)
          if (row.size() >= 3) {
            s.x.push_back(row[0]);
            s.y.push_back(row[2]);
          }
        energy.series.push_back(s);
      }
      if (!groups.empty() && !groups.front().points.empty()) {  // the continuum energy of the exact solution
        PlotSeries exact{"exact solution's energy", {}, {}, {}, Style::points};
        for (const json& o : records[groups.front().points.back().id]["summary"]["metrics"]["outputs"])
          if (o["energy_exact"].is_number()) {
            exact.x.push_back(o["t"].get<double>());
            exact.y.push_back(o["energy_exact"].get<double>());
          }
        if (!exact.x.empty()) energy.series.push_back(exact);
      }
      b.add_figure(energy, "Figure " + energy.name + ": the regularized energy E_eps of the particles against time "
                           "(log scale), finest run of each group, from its diagnostics.csv; circles: the continuum energy of the exact "
                           "solution at the output times, where there is one.");
    }
    if (fit.value("trajectories", false) && !groups.empty() && !groups.front().points.empty()) {
      const Point& finest = groups.front().points.back();
      std::vector<std::string> header;
      const auto rows = read_csv(dir / "runs" / finest.id / "particles.csv", header);
      std::size_t n = 0;
      for (const auto& row : rows) n = std::max(n, static_cast<std::size_t>(row[1]) + 1);
      const std::size_t stride = std::max<std::size_t>(1, n / kMaxTrajectories);
      Plot paths{name + "-trajectories", name + ": particle paths x_i(t), " + groups.front().label + ", " +
                     short_key(against) + " = " + format_shortest(finest.x),
                 "t", "x", false, false, {}};
      std::map<std::size_t, PlotSeries> by_particle;
      for (const auto& row : rows) {
        const auto i = static_cast<std::size_t>(row[1]);
        if (row.size() < 3 || i % stride != 0) continue;
        PlotSeries& s = by_particle[i];
        s.style = Style::line;
        s.x.push_back(row[0]);
        s.y.push_back(row[2]);
      }
      for (auto& [i, s] : by_particle) {
        s.label = i == 0 ? "particles i = 0, " + std::to_string(stride) + ", " + std::to_string(2 * stride) + ", ..." : "";
        paths.series.push_back(s);
      }
      b.add_figure(paths, "Figure " + paths.name + ": paths x_i(t) of the particles i = 0, " + std::to_string(stride) +
                              ", " + std::to_string(2 * stride) + ", ... (first coordinate) through the output times.");
    }

    // KL and chi^2 of the blob density against rhobar over time (MATH.md §6), finest run of each group.
    if (fit.value("divergence_figure", false)) {
      Plot div{name + "-divergences", name + ": KL and chi^2 of the blob density against rhobar (finest run of each group)",
               "t", "divergence", false, true, {}};
      std::string sources;
      for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        const Group& g = groups[gi];
        if (g.points.empty()) continue;
        const DivergenceSeries d = divergence_series(dir / "runs" / g.points.back().id, records[g.points.back().id]);
        if (d.t.empty()) continue;
        const std::string label = g.label + ", " + short_key(against) + " = " + format_shortest(g.points.back().x);
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
      if (!div.series.empty())
        b.add_figure(div, "Figure " + div.name + ": KL(blob density | rhobar) (solid, markers) and chi^2(blob density | "
                              "rhobar) (dashed, same colour) against time, log scale, for the finest run of each group; "
                              "both densities normalized to mass 1 on the target's box (MATH.md §6); values from " +
                              sources + ".");
    }

    // The 1D blob density at the output times against rhobar / int rhobar and the exact solution, per group.
    if (fit.value("density_figure", false) && options.densities) {
      for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        const Group& g = groups[gi];
        if (g.points.empty()) continue;
        const Point& finest = g.points.back();
        const std::optional<RunDensities> densities = options.densities(records[finest.id]);
        const auto snapshots = particles_by_time(dir / "runs" / finest.id / "particles.csv");
        if (!densities || !densities->mollifier || snapshots.empty()) continue;
        const double eps = number(records[finest.id]["summary"]["resolved"]["epsilon"]).value_or(0.0);
        double lo = INFINITY, hi = -INFINITY;
        for (const auto& snapshot : snapshots)
          for (const auto& [x, m] : snapshot.second) lo = std::min(lo, x), hi = std::max(hi, x);
        lo -= kDensityMarginEps * eps, hi += kDensityMarginEps * eps;
        if (densities->target) lo = std::min(lo, densities->target_lo), hi = std::max(hi, densities->target_hi);
        std::vector<double> grid(kDensityGridPoints);
        for (std::size_t k = 0; k < grid.size(); ++k) grid[k] = lo + (hi - lo) * double(k) / double(grid.size() - 1);

        Plot dens{name + "-density-" + std::to_string(gi + 1), name + ": blob density at the output times, " + g.label +
                      ", " + short_key(against) + " = " + format_shortest(finest.x),
                  "x", "density", false, false, {}};
        std::vector<double> times;
        for (const auto& snapshot : snapshots) times.push_back(snapshot.first);
        std::string shown;
        int color = 0;
        for (std::size_t idx : spread_indices(times.size(), kMaxDensitySnapshots)) {
          const double ts = times[idx];
          const auto& ps = snapshots.at(ts);
          double mass = 0.0;
          for (const auto& [x, m] : ps) mass += m;
          ++color;
          // The blob density zeta_eps * rho^N divided by the particles' mass (a probability density).
          PlotSeries blob{"blob, t = " + format_shortest(ts), grid, {}, {}, Style::line, color};
          for (double y : grid) {
            double sum = 0.0;
            for (const auto& [x, m] : ps) sum += m * densities->mollifier(y - x);
            blob.y.push_back(sum / mass);
          }
          dens.series.push_back(blob);
          if (densities->exact) {
            PlotSeries exact{"exact, t = " + format_shortest(ts), grid, {}, {}, Style::dashed, color};
            for (double y : grid) exact.y.push_back(densities->exact(y, ts));
            dens.series.push_back(exact);
          }
          shown += (shown.empty() ? "" : ", ") + format_shortest(ts);
        }
        if (densities->target) {
          PlotSeries target{"rhobar / int rhobar", grid, {}, {}, Style::dashed, 0};
          for (double y : grid) target.y.push_back(densities->target(y));
          dens.series.push_back(target);
        }
        b.add_figure(dens, "Figure " + dens.name + ": the blob density zeta_eps * rho^N / M (solid) of the run " +
                               finest.id + " (" + g.label + ", " + short_key(against) + " = " +
                               format_shortest(finest.x) + ") rebuilt from its particles.csv at t = " + shown +
                               (densities->exact ? "; dashed in the same colour: the exact solution u(x, t) / M" : "") +
                               (densities->target ? "; grey dashed: the target rhobar / int rhobar over [" +
                                                        format_shortest(densities->target_lo) + ", " +
                                                        format_shortest(densities->target_hi) + "]"
                                                  : "") +
                               ". 1D runs only.");
      }
    }
  }

  // Every run, and the failed ones with their status.
  std::vector<std::vector<std::string>> run_rows, failed_rows;
  for (const json* r : ordered) {
    std::string coords;
    for (const auto& [k, v] : (*r)["coords"].items()) coords += (coords.empty() ? "" : ", ") + short_key(k) + " = " + value_text(v);
    if ((*r).value("reference", false)) coords = "reference run";
    const json* last = output_at(*r, json());
    run_rows.push_back({(*r)["id"], coords, (*r)["status"],
                        last ? format_scientific(number((*last)["w2"])) : std::string("-"),
                        (*r)["summary"].is_object()
                            ? format_fixed((*r)["summary"]["metrics"]["wall_seconds"].get<double>(), 2)
                            : std::string("-")});
    if ((*r)["status"] != "ok") failed_rows.push_back({(*r)["id"], coords, (*r)["status"], (*r).value("message", "")});
  }
  const std::vector<std::string> run_header = {"run", "coordinates", "status", "W2(T)", "wall s"};
  const std::vector<std::string> failed_header = {"run", "coordinates", "status", "message"};
  b.markdown += "## Runs\n\n" + markdown_table(run_header, run_rows) + "\n";
  b.html += "<h2>Runs</h2>\n" + html_table(run_header, run_rows);
  if (!failed_rows.empty()) {
    b.markdown += "### Failed runs\n\n" + markdown_table(failed_header, failed_rows) + "\n";
    b.html += "<h3>Failed runs</h3>\n" + html_table(failed_header, failed_rows);
  }

  // The study file and the manifest.
  const std::string study_text = std::filesystem::exists(dir / "study.toml") ? read_text(dir / "study.toml") : "";
  std::vector<std::vector<std::string>> manifest_rows;
  if (study.contains("manifest"))
    for (const auto& [k, v] : study["manifest"].items()) manifest_rows.push_back({k, value_text(v)});
  b.markdown += "## Study file\n\n```toml\n" + study_text + "```\n\n## Manifest\n\n" +
                markdown_table({"key", "value"}, manifest_rows) + "\n";
  b.html += "<h2>Study file</h2>\n<pre>" + html_escape(study_text) + "</pre>\n<h2>Manifest</h2>\n" +
            html_table({"key", "value"}, manifest_rows) + "</body></html>\n";

  write_text(dir / "rates.csv", csv);
  write_text(dir / "rates.md", "# " + title + ": rates\n\n" + rates_md);
  write_text(dir / "rates.tex", "% " + title + ": rates (generated by blobflow)\n" + rates_tex);
  write_text(dir / "report.md", b.markdown);
  write_text(dir / "index.html", b.html);
  return b.report;
}

}  // namespace blobflow::reports
