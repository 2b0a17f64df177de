// Reading a study's runs.jsonl (reports/study_report.hpp read_run_records) and building a report from records
// that are incomplete or mistyped: a clear error naming the file, the line, the key, its value and the rule, or a
// report that treats what is missing as missing, never undefined behaviour.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "blobflow/reports/study_report.hpp"

namespace blobflow::reports {
namespace {

using nlohmann::json;

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("blobflow-run-records-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_error(const std::string& jsonl) {
  const auto dir = fresh_dir("read");
  std::ofstream(dir / "runs.jsonl") << jsonl;
  try {
    read_run_records(dir / "runs.jsonl");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(RunRecords, MistypedMembersAreNamedWithTheirLineAndRule) {
  const std::string good = R"({"id": "a", "status": "ok"})";
  std::string e = read_error(good + "\n" + R"({"id": 5})" + "\n");
  EXPECT_NE(e.find("runs.jsonl line 2: id = 5: must be a string"), std::string::npos) << e;
  e = read_error(R"({"id": "a", "status": ["ok"]})" "\n");
  EXPECT_NE(e.find("status = [\"ok\"]: must be a string"), std::string::npos) << e;
  e = read_error(R"({"id": "a", "status": "ok", "summary": {"metrics": {"outputs": [{"w2": 1}]}}})" "\n");
  EXPECT_NE(e.find("summary.metrics.outputs[0].t = null: must be a number"), std::string::npos) << e;
  e = read_error(R"({"id": "a"})" "\n");
  EXPECT_NE(e.find("status = null: must be a string"), std::string::npos) << e;
  e = read_error(R"({"id": "a", "status": "ok", "summary": 3})" "\n");
  EXPECT_NE(e.find("summary = 3: must be an object or null"), std::string::npos) << e;
  // A failed run's message is printed in the report's table of failed runs; null there made the report throw.
  e = read_error(R"({"id": "a", "status": "error", "message": null})" "\n");
  EXPECT_NE(e.find("message = null: must be a string"), std::string::npos) << e;
  e = read_error(R"({"id": "a", "status": "ok", "reference": 1})" "\n");
  EXPECT_NE(e.find("reference = 1: must be true or false"), std::string::npos) << e;
}

TEST(RunRecords, TornAndForeignLinesAreSkipped) {
  const auto dir = fresh_dir("torn");
  std::ofstream(dir / "runs.jsonl") << "{\"id\": \"a\", \"status\": \"ok\"}\n[1, 2]\n\n{\"id\": \"b\", \"sta";
  EXPECT_EQ(read_run_records(dir / "runs.jsonl").size(), 1u);
}

TEST(RunRecords, AReportOfIncompleteRecordsTreatsWhatIsMissingAsMissing) {
  // Records without a summary's config, resolved values, wall time or metrics: the report is built, each run
  // listed, and nothing is read from a key that is not there.
  const auto dir = fresh_dir("incomplete");
  const json runs = json::array({{{"id", "a"}, {"config_hash", "ha"}}, {{"id", "b"}, {"config_hash", "hb"}},
                                 {{"id", "c"}, {"config_hash", "hc"}}});
  std::ofstream(dir / "study.json") << json{{"name", "fixture"}, {"runs", runs}, {"fits", json::array()}}.dump();
  std::ofstream(dir / "runs.jsonl")
      << R"({"id": "a", "config_hash": "ha", "status": "ok", "sweep": "s", "summary": {"metrics": {}}})" "\n"
      << R"({"id": "b", "config_hash": "hb", "status": "error", "sweep": "s", "summary": null})" "\n"
      << R"({"id": "c", "config_hash": "hc", "status": "ok", "summary": {"metrics": {"outputs": [{"t": 1}]}}})" "\n";
  const StudyReport report = build_study_report(dir, {false, false});
  EXPECT_EQ(report.n_recorded, 3u);
  EXPECT_EQ(report.n_failed, 1u);
}

TEST(RunRecords, ARecordWithoutASweepBelongsToNoFit) {
  // A fit over sweep "s" walks every record: one without a sweep is skipped, not converted to a string (the
  // fuzzer's finding: type_error.302 from a null sweep). A sweep of the wrong type is refused by the reader.
  const auto dir = fresh_dir("no-sweep");
  const json runs = json::array({{{"id", "a"}, {"config_hash", "ha"}}, {{"id", "b"}, {"config_hash", "hb"}}});
  const json fit = {{"name", "f"}, {"sweep", "s"}, {"metric", "w2"}, {"against", "discretization.particles"}};
  std::ofstream(dir / "study.json") << json{{"name", "fixture"}, {"runs", runs}, {"fits", {fit}}}.dump();
  std::ofstream(dir / "runs.jsonl")
      << R"({"id": "a", "config_hash": "ha", "status": "ok", "wweep": "s", "summary": {"metrics": {}}})" "\n"
      << R"({"id": "b", "config_hash": "hb", "status": "ok", "sweep": "s", "summary": {"metrics": {}}})" "\n";
  const StudyReport report = build_study_report(dir, {false, false});
  EXPECT_EQ(report.n_recorded, 2u);
}

}  // namespace
}  // namespace blobflow::reports
