// Study files: parsing, validation and expansion into runs (see study_spec.hpp).
#include "blobflow/studies/study_spec.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "blobflow/builtin_configs.hpp"
#include "blobflow/builtin_studies.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/message.hpp"
#include "blobflow/studies/metrics.hpp"
#include "blobflow/studies/study.hpp"
#include "toml_document.hpp"

namespace blobflow {
namespace {

/// The largest number of runs a study may plan. Each planned run is validated and written to study.json before
/// the first one starts (about a millisecond and a few hundred bytes each), so 10^5 runs take a minute or two to
/// plan and tens of megabytes; more is beyond what a study on one machine finishes, and a typo such as
/// replicates = 1000000000000 would otherwise fill the memory while it is planned.
constexpr std::size_t kMaxPlannedRuns = 100000;
/// The longest study name: it names the output folder out/study-NAME.
constexpr std::size_t kMaxStudyNameChars = 100;

/// Whether `name` can name a folder inside out/: letters, digits, '-', '_' and '.', not starting with '.' (so
/// neither "." nor ".." nor a hidden folder), and no '/' that would leave out/.
bool is_folder_word(const std::string& name) {
  if (name.empty() || name.size() > kMaxStudyNameChars || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

/// The metrics a fit may take: every key of summary.json's outputs (output_keys(), metrics.hpp) and the errors the
/// report derives from them, |energy - energy_exact| and |second_moment - second_moment_exact|.
std::vector<std::string> fit_metrics() {
  std::vector<std::string> names;
  for (const OutputKey& key : output_keys()) names.emplace_back(key.name);
  names.insert(names.end(), {"energy_error", "second_moment_error"});
  return names;
}
/// The summary metrics a fit may name as its floor or expected value (metrics.<name>, one number per run).
std::vector<std::string> summary_metrics() {
  std::vector<std::string> names;
  for (const SummaryKey& key : summary_keys()) names.emplace_back(key.name);
  return names;
}

/// "a, b, c" of a list of names.
template <class List>
std::string joined(const List& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

/// A TOML value as the text of an override ("100", "\"rk4\"", "[0.5, 1.0]").
std::string toml_text(const toml::node& node) {
  std::ostringstream s;
  if (auto v = node.as_string()) s << toml::value<std::string>(v->get());
  else if (auto i = node.as_integer()) s << i->get();
  else if (auto f = node.as_floating_point()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", f->get());
    std::string text = buffer;
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // keep it a TOML float
    s << text;
  } else if (auto b = node.as_boolean()) s << (b->get() ? "true" : "false");
  else if (auto a = node.as_array()) s << *a;
  else if (auto t = node.as_table()) s << *t;
  return s.str();
}

/// Walks a table of run keys (section tables holding keys) and calls `each(section.key, node)`.
template <class F>
void for_each_run_key(const toml::table& table, const std::string& where, std::vector<std::string>& errors, F each) {
  for (const auto& [section, node] : table) {
    const toml::table* body = node.as_table();
    if (!body) {
      errors.push_back(where + "." + std::string(section.str()) + ": must be a section of run keys (section.key)");
      continue;
    }
    for (const auto& [key, value] : *body) each(std::string(section.str()) + "." + std::string(key.str()), value);
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError({path.string() + ": cannot read the file"});
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The value of `key` ("section.key") in `coords`-free overrides, for checks: does an override list set `key`?
bool sets_key(const std::vector<std::string>& overrides, const std::string& key) {
  for (const auto& o : overrides)
    if (o.compare(0, key.size() + 1, key + "=") == 0) return true;
  return false;
}

/// A TOML value's text (as toml_text writes it) as JSON: strings, numbers, booleans, and arrays and tables of them.
nlohmann::json node_json(const toml::node& node) {
  if (auto v = node.as_string()) return v->get();
  if (auto i = node.as_integer()) return i->get();
  if (auto f = node.as_floating_point()) return f->get();
  if (auto b = node.as_boolean()) return b->get();
  if (auto t = node.as_table()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, value] : *t) object[std::string(key.str())] = node_json(value);
    return object;
  }
  nlohmann::json out = nlohmann::json::array();
  if (auto a = node.as_array())
    for (const toml::node& e : *a) out.push_back(node_json(e));
  return out;
}

nlohmann::json value_json(const std::string& text) {
  const toml::table t = toml::parse("v = " + text);
  return node_json(*t.get("v"));
}

}  // namespace

std::string fnv1a_hex(const std::string& text) {
  constexpr std::uint64_t kOffset = 14695981039346656037ull, kPrime = 1099511628211ull;  // FNV-1a 64 parameters
  std::uint64_t h = kOffset;
  for (unsigned char c : text) h = (h ^ c) * kPrime;
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

std::vector<std::string> builtin_study_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin::kStudies) names.emplace_back(name);
  return names;
}

namespace {

/// [study]: name, title, description and the base configuration (a file next to the study or a built-in one).
void read_study_section(const toml::table& table, const std::string& source, const std::filesystem::path& directory,
                        StudySpec& spec, std::vector<std::string>& errors) {
  const toml::table* study = table["study"].as_table();
  if (!study) throw ConfigError({source + ": needs a [study] section with name and config"});
  for (const auto& [key, node] : *study) {
    const std::string k(key.str());
    const auto* text = node.as_string();
    if (k != "name" && k != "title" && k != "description" && k != "config")
      errors.push_back("study." + k + ": unknown key (known: name, title, description, config)");
    else if (!text) errors.push_back("study." + k + ": must be a string");
    else if (k == "name") spec.name = text->get();
    else if (k == "title") spec.title = text->get();
    else if (k == "description") spec.description = text->get();
    else spec.config_name = text->get();
  }
  if (spec.name.empty()) errors.push_back("study.name: missing (a non-empty string)");
  else if (!is_folder_word(spec.name))
    errors.push_back("study.name = \"" + clip_for_message(spec.name) + "\": must be 1 to " +
                     std::to_string(kMaxStudyNameChars) + " letters, digits, '-', '_' or '.', not starting with '.' "
                     "(it names the folder out/study-NAME)");
  if (spec.title.empty()) spec.title = spec.name;
  if (spec.config_name.empty()) {
    errors.push_back("study.config: missing (a built-in configuration name or a TOML file)");
  } else {
    const std::filesystem::path path = directory / spec.config_name;
    bool found = false;
    if (std::filesystem::is_regular_file(path)) {
      spec.config_text = read_file(path);
      found = true;
    }
    for (const auto& [name, text] : builtin::kConfigs)
      if (!found && name == spec.config_name) {
        spec.config_text = std::string(text);
        found = true;
      }
    if (!found)
      errors.push_back("study.config = \"" + spec.config_name +
                       "\": neither a file nor a built-in configuration (blobflow list configs)");
  }

}

/// One element of an axis: a plain value, or a case `{ value = V, set = { section.key = ... } }` whose overrides
/// apply with V only.
void read_axis_value(const toml::node& element, const std::string& where, SweepAxis& axis,
                     std::vector<std::string>& errors) {
  const toml::table* table = element.as_table();
  axis.with.emplace_back();
  if (!table) {
    axis.values.push_back(toml_text(element));
    return;
  }
  const toml::node* value = table->get("value");
  axis.values.push_back(value ? toml_text(*value) : std::string("\"\""));
  if (!value) errors.push_back(where + ": a case table needs `value` (the axis value) and may have `set`");
  for (const auto& [key, node] : *table) {
    if (key.str() == "value") continue;
    const toml::table* set = key.str() == "set" ? node.as_table() : nullptr;
    if (!set) {
      errors.push_back(where + "." + std::string(key.str()) + ": a case table holds only `value` and `set` (a table "
                       "of section.key overrides applied with that value)");
      continue;
    }
    for_each_run_key(*set, where + ".set", errors, [&](const std::string& run_key, const toml::node& v) {
      if (run_key == axis.key)
        errors.push_back(where + ".set." + run_key + ": is the axis itself (give it as `value`)");
      axis.with.back().push_back(run_key + "=" + toml_text(v));
    });
  }
}

/// The [[sweep]] tables: names, fixed overrides, axes, reference runs and replicates.
void read_sweeps(const toml::table& table, StudySpec& spec, std::vector<std::string>& errors) {
  const toml::array* sweeps = table["sweep"].as_array();
  if (!sweeps || sweeps->empty()) errors.push_back("sweep: needs at least one [[sweep]] table");
  std::set<std::string> sweep_names;
  if (sweeps)
    for (const toml::node& node : *sweeps) {
      const toml::table* t = node.as_table();
      if (!t) {
        errors.push_back("sweep: every entry must be a table ([[sweep]])");
        continue;
      }
      SweepSpec s;
      const std::string where = "sweep[" + std::to_string(spec.sweeps.size()) + "]";
      for (const auto& [key, value] : *t) {
        const std::string k(key.str());
        if (k == "name") {
          if (const auto* text = value.as_string()) s.name = text->get();
          else errors.push_back(where + ".name: must be a string");
        } else if (k == "set" || k == "reference" || k == "axes") {
          const toml::table* body = value.as_table();
          if (!body) {
            errors.push_back(where + "." + k + ": must be a table of section.key entries");
            continue;
          }
          for_each_run_key(*body, where + "." + k, errors, [&](const std::string& run_key, const toml::node& v) {
            if (k == "set") s.set.push_back(run_key + "=" + toml_text(v));
            else if (k == "reference") s.reference.push_back(run_key + "=" + toml_text(v));
            else {
              const toml::array* values = v.as_array();
              if (!values || values->empty()) {
                errors.push_back(where + ".axes." + run_key + ": must be a non-empty array of values");
                return;
              }
              SweepAxis axis{run_key, {}, {}};
              for (const toml::node& element : *values)
                read_axis_value(element, where + ".axes." + run_key + "[" + std::to_string(axis.values.size()) + "]",
                                axis, errors);
              s.axes.push_back(std::move(axis));
            }
          });
        } else if (k == "replicates") {
          const auto count = value.as_integer();
          if (count && count->get() >= 1) s.replicates = count->get();
          else errors.push_back(where + ".replicates = " + toml_text(value) + ": must be an integer >= 1");
        } else {
          errors.push_back(where + "." + k + ": unknown key (known: name, set, axes, reference, replicates)");
        }
      }
      for (const SweepAxis& axis : s.axes)
        if (sets_key(s.set, axis.key))
          errors.push_back(where + ".set." + axis.key + ": also an axis of this sweep (the axis would win; give it "
                           "in one place)");
      for (const SweepAxis& axis : s.axes)
        for (const auto& with : axis.with)
          for (const std::string& o : with) {
            const std::string key = o.substr(0, o.find('='));
            const bool other_axis = std::any_of(s.axes.begin(), s.axes.end(),
                                                [&](const SweepAxis& b) { return b.key == key; });
            if (sets_key(s.set, key) || other_axis)
              errors.push_back(where + ".axes." + axis.key + ": a case sets " + key +
                               ", which this sweep also sets or sweeps (one would win; give it in one place)");
          }
      for (const SweepAxis& axis : s.axes)
        if (axis.key == "discretization.seed" && s.replicates > 1)
          errors.push_back(where + ".replicates = " + std::to_string(s.replicates) +
                           ": the replicates set discretization.seed, which is also an axis; set seed0 with "
                           "set.discretization.seed instead");
      if (s.name.empty() || s.name.find_first_of("/ \t") != std::string::npos)
        errors.push_back(where + ".name = \"" + s.name + "\": must be a non-empty word (it names run folders)");
      else if (!sweep_names.insert(s.name).second)
        errors.push_back(where + ".name = \"" + s.name + "\": used by two sweeps");
      spec.sweeps.push_back(std::move(s));
    }

}

/// The number of runs the sweeps plan (grid points x replicates, plus a reference run), checked against
/// kMaxPlannedRuns before anything is expanded; the count saturates instead of overflowing.
void check_plan_size(const StudySpec& spec, std::vector<std::string>& errors) {
  std::size_t total = 0;
  std::string sizes;
  for (const SweepSpec& sweep : spec.sweeps) {
    std::size_t runs = std::max<std::int64_t>(1, sweep.replicates) > std::int64_t(kMaxPlannedRuns)
                           ? kMaxPlannedRuns + 1
                           : static_cast<std::size_t>(std::max<std::int64_t>(1, sweep.replicates));
    std::string factors = std::to_string(sweep.replicates) + " replicate(s)";
    for (const SweepAxis& axis : sweep.axes) {
      runs = std::min(runs * std::max<std::size_t>(1, axis.values.size()), kMaxPlannedRuns + 1);
      factors = std::to_string(axis.values.size()) + " x " + factors;
    }
    runs += !sweep.reference.empty();
    total = std::min(total + runs, kMaxPlannedRuns + 1);
    sizes += (sizes.empty() ? "" : "; ") + ("sweep \"" + sweep.name + "\": " + factors);
  }
  if (total > kMaxPlannedRuns)
    errors.push_back("study plan = more than " + std::to_string(kMaxPlannedRuns) + " runs (" +
                     clip_for_message(sizes) + "): a study plans at most " + std::to_string(kMaxPlannedRuns) +
                     " runs");
}

/// One [[fit]] table as written (its keys and their types); check_fit validates it against the study.
FitSpec read_fit(const toml::table& t, const std::string& where, std::vector<std::string>& errors) {
  FitSpec f;
  for (const auto& entry : t) {
    const std::string k(entry.first.str());
    const toml::node& value = entry.second;  // a named reference: lambdas below capture it
    auto string_value = [&](std::string& out) {
      if (const auto* text = value.as_string()) out = text->get();
      else errors.push_back(where + "." + k + ": must be a string");
    };
    auto bool_value = [&](bool& out) {
      if (const auto* b = value.as_boolean()) out = b->get();
      else errors.push_back(where + "." + k + ": must be true or false");
    };
    if (k == "name") string_value(f.name);
    else if (k == "sweep" && value.as_array()) {
      for (const toml::node& e : *value.as_array()) {
        if (e.as_string()) f.sweeps.push_back(e.as_string()->get());
        else errors.push_back(where + ".sweep: element " + toml_text(e) + " must be a sweep name");
      }
      if (f.sweeps.empty()) errors.push_back(where + ".sweep = []: must name at least one sweep");
    } else if (k == "sweep") {
      f.sweeps.emplace_back();
      string_value(f.sweeps.back());
    }
    else if (k == "metric") string_value(f.metric);
    else if (k == "against") string_value(f.against);
    else if (k == "best_over") string_value(f.best_over);
    else if (k == "compare_to_reference") bool_value(f.compare_to_reference);
    else if (k == "energy_figure") bool_value(f.energy_figure);
    else if (k == "trajectories") bool_value(f.trajectories);
    else if (k == "divergence_figure") bool_value(f.divergence_figure);
    else if (k == "density_figure") bool_value(f.density_figure);
    else if (k == "cost_figure") bool_value(f.cost_figure);
    else if (k == "time_figure") bool_value(f.time_figure);
    else if (k == "agents_figure") bool_value(f.agents_figure);
    else if (k == "exponential") bool_value(f.exponential);
    else if (k == "floor") string_value(f.floor);
    else if (k == "expected") string_value(f.expected);
    else if (k == "x_label") string_value(f.x_label);
    else if (k == "y_label") string_value(f.y_label);
    else if (k == "x_label_latex") string_value(f.x_label_latex);
    else if (k == "y_label_latex") string_value(f.y_label_latex);
    else if (k == "t" || k == "expected_slope") {
      const auto number = value.value<double>();
      if (!number) errors.push_back(where + "." + k + ": must be a number");
      else if (!std::isfinite(*number) || (k == "t" && *number < 0.0))
        errors.push_back(where + "." + k + " = " + toml_text(value) + ": must be a finite number" +
                         (k == "t" ? " >= 0 (an output time)" : ""));
      else (k == "t" ? f.t : f.expected_slope) = *number;
    } else if (k == "group_by" || k == "reference_slopes" || k == "t_window") {
      const toml::array* a = value.as_array();
      if (!a) {
        errors.push_back(where + "." + k + ": must be an array");
        continue;
      }
      for (const toml::node& e : *a) {
        if (k == "group_by" && e.as_string()) f.group_by.push_back(e.as_string()->get());
        else if (k != "group_by" && e.value<double>() && !std::isfinite(*e.value<double>()))
          errors.push_back(where + "." + k + ": element " + toml_text(e) + " must be a finite number");
        else if (k == "reference_slopes" && e.value<double>()) f.reference_slopes.push_back(*e.value<double>());
        else if (k == "t_window" && e.value<double>()) f.t_window.push_back(*e.value<double>());
        else errors.push_back(where + "." + k + ": element " + toml_text(e) + " has the wrong type");
      }
    } else {
      errors.push_back(where + "." + k +
                       ": unknown key (known: name, sweep, metric, t, against, group_by, best_over, "
                       "compare_to_reference, expected_slope, reference_slopes, energy_figure, trajectories, "
                       "divergence_figure, density_figure, cost_figure, time_figure, agents_figure, floor, expected, "
                       "t_window, x_label, y_label, x_label_latex, y_label_latex, exponential)");
    }
  }
  return f;
}

/// The rules of a time-slope fit (against = "t"): none of the keys of rate fits, a window [lo, hi], a known expected
/// summary metric; and of a rate fit: none of the time-slope keys.
void check_time_slope_keys(const FitSpec& f, const std::string& where, std::vector<std::string>& errors) {
  if (!f.over_time()) {
    for (const auto& [key, given] : {std::pair{"expected", !f.expected.empty()}, {"t_window", !f.t_window.empty()},
                                     {"exponential", f.exponential}})
      if (given) errors.push_back(where + "." + key + ": only with against = \"t\" (a time-slope fit)");
    return;
  }
  const std::pair<const char*, bool> rate_keys[] = {
      {"t", f.t.has_value()}, {"group_by", !f.group_by.empty()}, {"best_over", !f.best_over.empty()},
      {"compare_to_reference", f.compare_to_reference}, {"expected_slope", f.expected_slope.has_value()},
      {"reference_slopes", !f.reference_slopes.empty()}, {"energy_figure", f.energy_figure},
      {"trajectories", f.trajectories}, {"divergence_figure", f.divergence_figure},
      {"density_figure", f.density_figure}, {"cost_figure", f.cost_figure}, {"time_figure", f.time_figure},
      {"agents_figure", f.agents_figure}, {"floor", !f.floor.empty()}};
  for (const auto& [key, given] : rate_keys)
    if (given)
      errors.push_back(where + "." + key + ": not with against = \"t\" (a time-slope fit has one row per run: the " +
                       "slope of its metric against t)");
  if (!f.t_window.empty() && (f.t_window.size() != 2 || !(f.t_window[0] < f.t_window[1])))
    errors.push_back(where + ".t_window = " + nlohmann::json(f.t_window).dump() +
                     ": must be [lo, hi] with lo < hi (the output times fitted)");
  const std::vector<std::string> known = summary_metrics();
  if (!f.expected.empty() && std::find(known.begin(), known.end(), f.expected) == known.end())
    errors.push_back(where + ".expected = \"" + f.expected + "\": must be one of " + joined(known) +
                     " (a summary metric of each run)");
}

/// The rules of a fit: a known metric and floor, and axes of its sweep.
void check_fit(const FitSpec& f, const StudySpec& spec, const std::string& where, std::vector<std::string>& errors) {
  if (f.name.empty() || f.name.find_first_of("/ \t") != std::string::npos)
    errors.push_back(where + ".name = \"" + f.name + "\": must be a non-empty word (it names figures)");
  bool metric_known = false;
  const std::vector<std::string> metrics = fit_metrics();
  for (const std::string& m : metrics) metric_known = metric_known || f.metric == m;
  if (!metric_known)
    errors.push_back(where + ".metric = \"" + f.metric + "\": must be one of " + joined(metrics));
  const std::vector<std::string> floors = summary_metrics();
  if (!f.floor.empty() && std::find(floors.begin(), floors.end(), f.floor) == floors.end())
    errors.push_back(where + ".floor = \"" + f.floor + "\": must be one of " + joined(floors) +
                     " (a summary metric drawn as a guide)");
  check_time_slope_keys(f, where, errors);
  if (!f.floor.empty() && f.compare_to_reference)
    errors.push_back(where + ".floor = \"" + f.floor + "\": not with compare_to_reference (a floor bounds an error "
                     "against the truth, not a difference of runs)");
  if (f.sweeps.empty()) errors.push_back(where + ".sweep: missing (the sweep or sweeps whose runs it fits)");
  if (f.compare_to_reference && f.sweeps.size() > 1)
    errors.push_back(where + ".compare_to_reference = true: needs one sweep (its reference run), not " +
                     std::to_string(f.sweeps.size()));
  for (const std::string& name : f.sweeps) {
    const SweepSpec* sweep = nullptr;
    for (const SweepSpec& s : spec.sweeps)
      if (s.name == name) sweep = &s;
    if (!sweep) {
      errors.push_back(where + ".sweep = \"" + name + "\": no sweep of that name");
      continue;
    }
    auto is_axis = [&](const std::string& key) {
      for (const SweepAxis& a : sweep->axes)
        if (a.key == key) return true;
      return false;
    };
    if (!is_axis(f.against) && !f.over_time())
      errors.push_back(where + ".against = \"" + f.against + "\": not an axis of sweep \"" + name +
                       "\" (nor \"t\", the slope against time within each run)");
    for (const std::string& g : f.group_by)
      if (!is_axis(g) || g == f.against)
        errors.push_back(where + ".group_by: \"" + g + "\" is not another axis of sweep \"" + name + "\"");
    if (!f.best_over.empty() && (!is_axis(f.best_over) || f.best_over == f.against))
      errors.push_back(where + ".best_over = \"" + f.best_over + "\": not another axis of sweep \"" + name + "\"");
    if (f.compare_to_reference && sweep->reference.empty())
      errors.push_back(where + ".compare_to_reference = true: sweep \"" + name + "\" has no reference run");
  }
}

}  // namespace

StudySpec parse_study(const std::string& toml_text_in, const std::string& source,
                      const std::filesystem::path& directory) {
  toml::table table = detail::parse_toml_document(toml_text_in, source);
  std::vector<std::string> errors;
  StudySpec spec;
  spec.source_text = toml_text_in;
  for (const auto& [key, node] : table)
    if (key != "study" && key != "sweep" && key != "fit")
      errors.push_back(std::string(key.str()) + ": unknown section (known: study, sweep, fit)");
  read_study_section(table, source, directory, spec, errors);
  read_sweeps(table, spec, errors);
  check_plan_size(spec, errors);
  if (const toml::node* fits_node = table.get("fit")) {
    const toml::array* fits = fits_node->as_array();
    if (!fits) errors.push_back("fit: must be an array of tables ([[fit]])");
    for (std::size_t n = 0; fits && n < fits->size(); ++n) {
      const toml::table* t = (*fits)[n].as_table();
      const std::string where = "fit[" + std::to_string(n) + "]";
      if (!t) {
        errors.push_back(where + ": must be a table");
        continue;
      }
      FitSpec f = read_fit(*t, where, errors);
      check_fit(f, spec, where, errors);
      spec.fits.push_back(std::move(f));
    }
  }
  if (!errors.empty()) throw ConfigError(errors);
  return spec;
}

StudySpec load_study(const std::string& file_or_name) {
  const std::filesystem::path path(file_or_name);
  if (std::filesystem::is_regular_file(path))
    return parse_study(read_file(path), path.string(), path.parent_path());
  for (const auto& [name, text] : builtin::kStudies)
    if (name == file_or_name) return parse_study(std::string(text), "study " + file_or_name + " (built in)", ".");
  std::string known;
  for (const auto& name : builtin_study_names()) known += (known.empty() ? "" : ", ") + name;
  throw ConfigError({"study \"" + file_or_name + "\": neither a file nor a built-in study (known: " + known + ")"});
}

namespace {

/// The output key a fit's metric is read from: the key itself, or the exact value an error is formed with.
std::string_view source_key(const std::string& metric) {
  if (metric == "energy_error") return "energy_exact";
  if (metric == "second_moment_error") return "second_moment_exact";
  return metric;
}

/// Whether `key` is a key of output_keys() or summary_keys() (a misspelt one is reported by check_fit).
bool is_run_key(std::string_view key) {
  const auto outputs = output_keys();
  const auto summaries = summary_keys();
  return std::any_of(outputs.begin(), outputs.end(), [&](const OutputKey& k) { return k.name == key; }) ||
         std::any_of(summaries.begin(), summaries.end(), [&](const SummaryKey& k) { return k.name == key; });
}

/// A fit on a metric (or a floor, an expected value) that a run of its sweep does not write would fit or show
/// nothing: an error naming the fit's key, its value and why, once per fit and key.
void check_fits_have_metric(const StudySpec& spec, const SweepSpec& sweep, const RunConfig& config,
                            const std::string& id, std::vector<std::string>& errors) {
  for (std::size_t n = 0; n < spec.fits.size(); ++n) {
    const FitSpec& f = spec.fits[n];
    if (!f.takes(sweep.name)) continue;
    const std::pair<const char*, const std::string*> named[] = {
        {"metric", &f.metric}, {"floor", &f.floor}, {"expected", &f.expected}};
    for (const auto& [fit_key, value] : named) {
      const std::string_view key = fit_key == std::string_view("metric") ? source_key(*value) : *value;
      if (key.empty() || !is_run_key(key)) continue;
      const std::string why = why_unwritten(config, key);
      if (why.empty()) continue;
      const std::string prefix = "fit[" + std::to_string(n) + "]." + fit_key + " = \"" + *value + "\"";
      const bool reported = std::any_of(errors.begin(), errors.end(),
                                        [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
      if (!reported)
        errors.push_back(prefix + ": run " + id + " of sweep \"" + sweep.name + "\" does not compute it: " + why);
    }
  }
}

}  // namespace

std::vector<PlannedRun> expand_study(const StudySpec& spec, const std::vector<std::string>& extra) {
  std::vector<PlannedRun> runs;
  std::vector<std::string> errors;
  for (const SweepSpec& sweep : spec.sweeps)
    for (const SweepAxis& axis : sweep.axes)
      if (sets_key(extra, axis.key))
        errors.push_back("--set " + axis.key + ": that key is swept by sweep \"" + sweep.name + "\"");
  if (!errors.empty()) throw ConfigError(errors);

  // A configuration error is reported once, with the runs it hits (one typo in a sweep axis hits many runs).
  std::vector<std::pair<std::string, std::vector<std::string>>> run_errors;
  // `last` follows the command line's overrides: a replicate's seed, derived from the seed they may set.
  auto add_run = [&](const SweepSpec& sweep, const std::string& id, nlohmann::json coords,
                     std::vector<std::string> overrides, bool reference, const std::string& last = {}) {
    for (const auto& o : extra) overrides.push_back(o);
    if (!last.empty()) overrides.push_back(last);
    try {
      const RunConfig config = parse_run_config(spec.config_text, spec.config_name, overrides);
      check_fits_have_metric(spec, sweep, config, id, errors);
      runs.push_back({id, sweep.name, runs.size(), std::move(coords), reference, overrides,
                      fnv1a_hex(to_json(config).dump())});
    } catch (const ConfigError& e) {
      for (const auto& v : e.violations()) {
        auto same = std::find_if(run_errors.begin(), run_errors.end(), [&](const auto& r) { return r.first == v; });
        if (same == run_errors.end()) run_errors.emplace_back(v, std::vector<std::string>{id});
        else same->second.push_back(id);
      }
    }
  };
  for (const SweepSpec& sweep : spec.sweeps) {
    std::size_t total = 1;
    for (const SweepAxis& axis : sweep.axes) total *= axis.values.size();
    for (std::size_t k = 0; k < total; ++k) {
      std::vector<std::string> overrides = sweep.set;
      nlohmann::json coords = nlohmann::json::object();
      std::size_t rest = k;
      std::vector<std::size_t> digit(sweep.axes.size());
      for (std::size_t a = sweep.axes.size(); a-- > 0;) {  // the last axis varies fastest
        digit[a] = rest % sweep.axes[a].values.size();
        rest /= sweep.axes[a].values.size();
      }
      for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
        const std::string& text = sweep.axes[a].values[digit[a]];
        overrides.push_back(sweep.axes[a].key + "=" + text);
        if (digit[a] < sweep.axes[a].with.size()) {
          const auto& with = sweep.axes[a].with[digit[a]];
          overrides.insert(overrides.end(), with.begin(), with.end());
        }
        coords[sweep.axes[a].key] = value_json(text);
      }
      const auto replicates = static_cast<std::size_t>(sweep.replicates);
      if (replicates == 1) {
        char id[32];
        std::snprintf(id, sizeof id, "-%04zu", k);
        add_run(sweep, sweep.name + id, std::move(coords), std::move(overrides), false);
        continue;
      }
      // Replicates: the same grid point with seeds seed0 + r, which only a run that draws random numbers uses.
      std::int64_t seed0 = 0;
      try {
        std::vector<std::string> all = overrides;
        for (const auto& o : extra) all.push_back(o);
        const RunConfig config = parse_run_config(spec.config_text, spec.config_name, all);
        seed0 = config.discretization.seed;
        if (!config.uses_seed()) {
          const std::string message = "sweep \"" + sweep.name + "\": replicates = " + std::to_string(replicates) +
                                      " needs a run that draws random numbers from discretization.seed: placement "
                                      "= \"random\", sampler \"ula\", \"mala\" or \"iid\", or sampling.batch > 0 "
                                      "(placement \"" + config.discretization.placement + "\", sampler \"" +
                                      config.sampling.sampler + "\": the replicates would be the same run)";
          if (std::find(errors.begin(), errors.end(), message) == errors.end()) errors.push_back(message);
          continue;
        }
        if (seed0 > std::numeric_limits<std::int64_t>::max() - sweep.replicates + 1) {
          errors.push_back("sweep \"" + sweep.name + "\": discretization.seed = " + std::to_string(seed0) +
                           ": must leave room for seed + " + std::to_string(replicates - 1));
          continue;
        }
      } catch (const ConfigError& e) {
        for (const auto& v : e.violations())
          errors.push_back("sweep \"" + sweep.name + "\" point " + std::to_string(k) + ": " + v);
        continue;
      }
      for (std::size_t r = 0; r < replicates; ++r) {
        nlohmann::json replicate_coords = coords;
        replicate_coords["replicate"] = r;
        char id[32];
        std::snprintf(id, sizeof id, "-%04zu", k * replicates + r);
        add_run(sweep, sweep.name + id, std::move(replicate_coords), overrides, false,
                "discretization.seed=" + std::to_string(seed0 + static_cast<std::int64_t>(r)));
      }
    }
    if (!sweep.reference.empty()) {
      std::vector<std::string> overrides = sweep.set;
      for (const auto& o : sweep.reference) overrides.push_back(o);
      add_run(sweep, sweep.name + "-reference", nlohmann::json::object(), std::move(overrides), true);
    }
  }
  constexpr std::size_t kIdsShown = 3;  // the ids that name the runs of one error; the rest are counted
  for (const auto& [violation, ids] : run_errors) {
    std::string which = (ids.size() == 1 ? "run " : "runs ") + ids.front();
    for (std::size_t k = 1; k < std::min(ids.size(), kIdsShown); ++k) which += ", " + ids[k];
    if (ids.size() > kIdsShown) which += " and " + std::to_string(ids.size() - kIdsShown) + " more";
    errors.push_back(which + ": " + violation);
  }
  if (!errors.empty()) throw ConfigError(errors);
  return runs;
}

nlohmann::json to_json(const StudySpec& spec, const std::vector<PlannedRun>& runs) {
  nlohmann::json sweeps = nlohmann::json::array(), fits = nlohmann::json::array(), planned = nlohmann::json::array();
  for (const SweepSpec& s : spec.sweeps) {
    nlohmann::json axes = nlohmann::json::array();
    for (const SweepAxis& a : s.axes) {
      nlohmann::json axis = {{"key", a.key}, {"values", a.values}};
      if (std::any_of(a.with.begin(), a.with.end(), [](const auto& w) { return !w.empty(); })) axis["with"] = a.with;
      axes.push_back(std::move(axis));
    }
    sweeps.push_back(
        {{"name", s.name}, {"set", s.set}, {"axes", axes}, {"reference", s.reference}, {"replicates", s.replicates}});
  }
  for (const FitSpec& f : spec.fits) fits.push_back(f);  // fit_spec.hpp: the one JSON form of a fit
  for (const PlannedRun& r : runs)
    planned.push_back({{"id", r.id},
                       {"sweep", r.sweep},
                       {"coords", r.coords},
                       {"reference", r.reference},
                       {"config_hash", r.config_hash},
                       {"overrides", r.overrides}});
  return {{"name", spec.name},     {"title", spec.title}, {"description", spec.description},
          {"config", spec.config_name}, {"sweeps", sweeps}, {"fits", fits}, {"runs", planned}};
}

}  // namespace blobflow
