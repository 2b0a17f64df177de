// The tidy table of a study (export.hpp): the records of runs.jsonl flattened to one row per run and output time.
#include "blobflow/studies/export.hpp"

#include <algorithm>
#include <vector>

#include "blobflow/reports/study_report.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/studies/message.hpp"

namespace blobflow {
namespace {

/// The columns of a record's resolved discretization that every run has.
constexpr const char* kResolvedColumns[] = {"particles", "h", "epsilon", "engine"};

void add_unique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

const nlohmann::json& member(const nlohmann::json& object, const std::string& key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

/// A record's scalar summary metrics (not its outputs nor its drop-out list).
bool is_scalar_metric(const std::string& key, const nlohmann::json& value) {
  return key != "outputs" && (value.is_number() || value.is_null());
}

/// Appends ",field" to a row (one append each: GCC 12 warns falsely about "," + a temporary string).
void add_field(std::string& row, const std::string& field) {
  row += ',';
  row += field;
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_value(const nlohmann::json& value) {
  if (value.is_null()) return "";
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  if (value.is_number()) return reports::format_shortest(value.get<double>());
  if (value.is_string()) return csv_field(value.get<std::string>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return csv_field(value.dump());
}

std::string study_table_csv(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir / "study.json"))
    throw UsageRefused(dir.string() + ": no study.json (not the output directory of blobflow study)");
  const std::vector<nlohmann::json> records =
      std::filesystem::exists(dir / "runs.jsonl") ? reports::read_run_records(dir / "runs.jsonl")
                                                  : std::vector<nlohmann::json>{};
  std::vector<std::string> coords, scalars, outputs;
  for (const nlohmann::json& r : records) {
    for (const auto& [key, value] : member(r, "coords").items()) add_unique(coords, key);
    const nlohmann::json& metrics = member(member(r, "summary"), "metrics");
    for (const auto& [key, value] : metrics.items())
      if (is_scalar_metric(key, value)) add_unique(scalars, key);
    for (const nlohmann::json& output : member(metrics, "outputs"))
      for (const auto& [key, value] : output.items())
        if (key != "t") add_unique(outputs, key);
  }
  std::string csv = "id,sweep,index,status,reference";
  for (const std::string& name : coords) add_field(csv, csv_field(name));
  for (const char* name : kResolvedColumns) add_field(csv, name);
  for (const std::string& name : scalars) add_field(csv, csv_field(name));
  add_field(csv, "t");
  for (const std::string& name : outputs) add_field(csv, csv_field(name));
  csv += '\n';
  for (const nlohmann::json& r : records) {
    std::string base = csv_value(member(r, "id"));
    for (const char* key : {"sweep", "index", "status", "reference"}) add_field(base, csv_value(member(r, key)));
    for (const std::string& name : coords) add_field(base, csv_value(member(member(r, "coords"), name)));
    const nlohmann::json& summary = member(r, "summary");
    for (const char* name : kResolvedColumns) add_field(base, csv_value(member(member(summary, "resolved"), name)));
    const nlohmann::json& metrics = member(summary, "metrics");
    for (const std::string& name : scalars) add_field(base, csv_value(member(metrics, name)));
    const nlohmann::json& runs_outputs = member(metrics, "outputs");
    if (!runs_outputs.is_array() || runs_outputs.empty()) {  // no output: t and the output metrics empty
      csv += base;
      csv += std::string(outputs.size() + 1, ',');
      csv += '\n';
      continue;
    }
    for (const nlohmann::json& output : runs_outputs) {
      std::string row = base;
      add_field(row, csv_value(member(output, "t")));
      for (const std::string& name : outputs) add_field(row, csv_value(member(output, name)));
      csv += row;
      csv += '\n';
    }
  }
  return csv;
}

}  // namespace blobflow
