// `blobflow export DIR`: a study's results as one tidy table (one row per run and output time, every sweep coordinate
// and every metric a column), read from DIR/study.json and DIR/runs.jsonl alone, for pandas, R or a spreadsheet.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace blobflow {

/// The tidy CSV of a study directory's records: the columns id, sweep, index, status, reference, then every sweep
/// coordinate (the keys of the records' coords, in the order first met), particles, h, epsilon, engine, the scalar
/// metrics of summary.json (wall_seconds, steps_accepted, ...), then t and every output metric; one row per run and
/// output time (a run without outputs, one that failed before its first output, has one row with empty metrics). An
/// undefined value is an empty field; numbers are written in the shortest text that reads back as the same double.
/// \throws UsageRefused when the directory holds no study.json; std::runtime_error for malformed records.
std::string study_table_csv(const std::filesystem::path& dir);

/// One CSV field: `text` itself, or quoted ("" for a quote) when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

/// A JSON value as a CSV field: numbers shortest, strings as they are, booleans true/false, null empty, anything
/// else its JSON text.
std::string csv_value(const nlohmann::json& value);

}  // namespace blobflow
