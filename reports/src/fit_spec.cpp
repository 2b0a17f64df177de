// study.json's form of a rate fit (see fit_spec.hpp).
#include "blobflow/reports/fit_spec.hpp"

#include <algorithm>

namespace blobflow {
namespace {

nlohmann::json optional_number(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

/// The key's value when present and not null.
template <typename T>
void read_key(const nlohmann::json& j, const char* key, T& out) {
  const auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

void read_optional(const nlohmann::json& j, const char* key, std::optional<double>& out) {
  const auto it = j.find(key);
  out = it != j.end() && it->is_number() ? std::optional<double>(it->get<double>()) : std::nullopt;
}

}  // namespace

bool FitSpec::takes(const std::string& sweep) const {
  return std::find(sweeps.begin(), sweeps.end(), sweep) != sweeps.end();
}

std::string FitSpec::sweep_names() const {
  std::string s;
  for (const std::string& sweep : sweeps) s += (s.empty() ? "" : ", ") + sweep;
  return s;
}

void to_json(nlohmann::json& j, const FitSpec& fit) {
  j = {{"name", fit.name},
       {"sweep", fit.sweeps.size() == 1 ? nlohmann::json(fit.sweeps.front()) : nlohmann::json(fit.sweeps)},
       {"metric", fit.metric},
       {"t", optional_number(fit.t)},
       {"against", fit.against},
       {"group_by", fit.group_by},
       {"best_over", fit.best_over},
       {"compare_to_reference", fit.compare_to_reference},
       {"expected_slope", optional_number(fit.expected_slope)},
       {"reference_slopes", fit.reference_slopes},
       {"energy_figure", fit.energy_figure},
       {"trajectories", fit.trajectories},
       {"divergence_figure", fit.divergence_figure},
       {"density_figure", fit.density_figure},
       {"cost_figure", fit.cost_figure},
       {"time_figure", fit.time_figure},
       {"agents_figure", fit.agents_figure},
       {"floor", fit.floor},
       {"expected", fit.expected},
       {"t_window", fit.t_window},
       {"exponential", fit.exponential},
       {"x_label", fit.x_label},
       {"y_label", fit.y_label},
       {"x_label_latex", fit.x_label_latex},
       {"y_label_latex", fit.y_label_latex}};
}

void from_json(const nlohmann::json& j, FitSpec& fit) {
  fit = FitSpec{};
  read_key(j, "name", fit.name);
  if (const auto it = j.find("sweep"); it != j.end() && it->is_string()) fit.sweeps = {it->get<std::string>()};
  else read_key(j, "sweep", fit.sweeps);
  read_key(j, "metric", fit.metric);
  read_optional(j, "t", fit.t);
  read_key(j, "against", fit.against);
  read_key(j, "group_by", fit.group_by);
  read_key(j, "best_over", fit.best_over);
  read_key(j, "compare_to_reference", fit.compare_to_reference);
  read_optional(j, "expected_slope", fit.expected_slope);
  read_key(j, "reference_slopes", fit.reference_slopes);
  read_key(j, "energy_figure", fit.energy_figure);
  read_key(j, "trajectories", fit.trajectories);
  read_key(j, "divergence_figure", fit.divergence_figure);
  read_key(j, "density_figure", fit.density_figure);
  read_key(j, "cost_figure", fit.cost_figure);
  read_key(j, "time_figure", fit.time_figure);
  read_key(j, "agents_figure", fit.agents_figure);
  read_key(j, "floor", fit.floor);
  read_key(j, "expected", fit.expected);
  read_key(j, "t_window", fit.t_window);
  read_key(j, "exponential", fit.exponential);
  read_key(j, "x_label", fit.x_label);
  read_key(j, "y_label", fit.y_label);
  read_key(j, "x_label_latex", fit.x_label_latex);
  read_key(j, "y_label_latex", fit.y_label_latex);
}

}  // namespace blobflow
