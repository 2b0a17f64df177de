// `blobflow study` as a user meets it: a study killed with SIGKILL halfway loses no finished run, and `--resume`
// recomputes none of them (docs/architecture.md "Files a study writes"); `blobflow report` rebuilds the report; bad
// usage exits with 2.
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

// The study below has this many runs; the kill comes after kKillAfter of them are recorded.
constexpr std::size_t kRuns = 12;
constexpr std::size_t kKillAfter = 4;
// Longest wait for the first kKillAfter records (each run takes well under a second on one core).
constexpr auto kKillDeadline = std::chrono::seconds(120);

using blobflow::cli_test::Outcome;
using blobflow::cli_test::blobflow;

/// The complete lines of a file (a torn last line is not counted).
std::vector<std::string> complete_lines(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  return lines;
}

std::filesystem::path study_file(const std::filesystem::path& dir) {
  std::ostringstream particles;
  for (std::size_t k = 0; k < kRuns; ++k) particles << (k ? ", " : "") << 100 + 20 * k;
  const auto path = dir / "kill.toml";
  std::ofstream(path) << "[study]\nname = \"kill\"\nconfig = \"" << BLOBFLOW_CONFIGS << "/barenblatt-1d.toml\"\n"
                      << "[[sweep]]\nname = \"n\"\naxes.discretization.particles = [" << particles.str() << "]\n"
                      << "[[fit]]\nname = \"w2\"\nsweep = \"n\"\nagainst = \"discretization.particles\"\n";
  return path;
}

TEST(CliStudy, KilledStudyLosesNoFinishedRunAndResumeRecomputesNone) {
  const auto dir = std::filesystem::temp_directory_path() / "blobflow-test-cli-study-kill";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string study = study_file(dir).string(), out = (dir / "out").string();
  const auto jsonl = dir / "out" / "runs.jsonl";

  // Start the study on one thread and kill it with SIGKILL once kKillAfter runs are recorded.
  std::vector<std::string> args = {BLOBFLOW_EXE, "study", study, "-j", "1", "-o", out, "--no-render"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, BLOBFLOW_EXE, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  const auto deadline = std::chrono::steady_clock::now() + kKillDeadline;
  while (complete_lines(jsonl).size() < kKillAfter && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the study ended before it was killed";

  const std::vector<std::string> before = complete_lines(jsonl);
  ASSERT_GE(before.size(), kKillAfter);
  ASSERT_LT(before.size(), kRuns) << "the kill came too late to test anything";

  // Resume on two threads: every recorded run is skipped, every other run is run once.
  const Outcome resumed = blobflow("study " + study + " -j 2 -o " + out + " --resume --no-render");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const std::string skipped = std::to_string(before.size()) + " finished before (skipped), running " +
                              std::to_string(kRuns - before.size());
  EXPECT_NE(resumed.output.find(skipped), std::string::npos) << resumed.output;

  const std::vector<std::string> after = complete_lines(jsonl);
  std::map<std::string, int> times_recorded;
  for (const std::string& line : after) ++times_recorded[nlohmann::json::parse(line)["id"].get<std::string>()];
  std::size_t recomputed = 0;
  for (const std::string& line : before) recomputed += times_recorded[nlohmann::json::parse(line)["id"]] - 1;
  const std::size_t lost = kRuns - times_recorded.size();
  std::cout << "kill -9 after " << before.size() << " of " << kRuns << " runs recorded; resume ran "
            << after.size() - before.size() << "; finished runs recomputed: " << recomputed << ", lost: " << lost
            << "\n";
  EXPECT_EQ(recomputed, 0u);
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(after.size(), kRuns);
  for (std::size_t k = 0; k < before.size(); ++k) EXPECT_EQ(after[k], before[k]);  // appended, never rewritten

  // The report can be rebuilt from the files alone, and it fits the W2 order of all kRuns runs.
  const Outcome report = blobflow("report " + out + " --no-render");
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_NE(report.output.find(std::to_string(kRuns) + " of " + std::to_string(kRuns) + " runs recorded"),
            std::string::npos)
      << report.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "index.html"));
}

TEST(CliStudy, ResumeRefusesAnotherPlanAndForceStartsOverWithUniqueIds) {
  const auto dir = std::filesystem::temp_directory_path() / "blobflow-test-cli-study-plan";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "plan.toml";
  std::ofstream(path) << "[study]\nname = \"plan\"\nconfig = \"barenblatt-1d\"\n[[sweep]]\nname = \"n\"\n"
                      << "axes.discretization.particles = [20, 30]\n";
  const std::string study = path.string(), out = (dir / "out").string();
  const auto jsonl = dir / "out" / "runs.jsonl";
  const std::string set = " --set discretization.mollifier=bspline3";
  ASSERT_EQ(blobflow("study " + study + " -j 1 --no-render -o " + out + set).exit_code, 0);
  const std::vector<std::string> first = complete_lines(jsonl);
  ASSERT_EQ(first.size(), 2u);

  // The --set forgotten: refused with the difference, nothing written.
  const Outcome forgot = blobflow("study " + study + " -j 1 --no-render --resume -o " + out);
  EXPECT_EQ(forgot.exit_code, 2) << forgot.output;
  for (const char* fragment : {"another plan", "n-0000, n-0001", "--set recorded: --set discretization.mollifier=bspline3",
                               "--set now:      none", "discretization.mollifier: \"bspline3\" recorded, "
                               "\"gaussian\" now"})
    EXPECT_NE(forgot.output.find(fragment), std::string::npos) << fragment << "\n" << forgot.output;
  EXPECT_EQ(complete_lines(jsonl), first);
  // Without --resume the directory is not empty: refused too.
  EXPECT_EQ(blobflow("study " + study + " -j 1 --no-render -o " + out).exit_code, 2);
  // The same --set resumes: nothing to run.
  const Outcome same = blobflow("study " + study + " -j 1 --no-render --resume -o " + out + set);
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("2 finished before (skipped), running 0"), std::string::npos) << same.output;
  // --force starts over: the records of the new plan only, each id once.
  ASSERT_EQ(blobflow("study " + study + " -j 1 --no-render --force -o " + out).exit_code, 0);
  std::map<std::string, int> ids;
  for (const std::string& line : complete_lines(jsonl)) {
    const nlohmann::json r = nlohmann::json::parse(line);
    ++ids[r["id"].get<std::string>()];
    EXPECT_EQ(r["summary"]["config"]["discretization"]["mollifier"], "gaussian");
  }
  EXPECT_EQ(ids, (std::map<std::string, int>{{"n-0000", 1}, {"n-0001", 1}}));

  // export: one row per run and output time (t0, 0.5, 1 in barenblatt-1d), the sweep coordinate and the metrics as
  // columns, the values those of runs.jsonl.
  ASSERT_EQ(blobflow("export " + out).exit_code, 0);
  std::ifstream csv(dir / "out" / "results.csv");
  std::string header;
  std::getline(csv, header);
  std::vector<std::string> columns;
  for (std::stringstream cells(header); std::getline(cells, header, ',');) columns.push_back(header);
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) - columns.begin());
  };
  ASSERT_LT(column("discretization.particles"), columns.size());
  ASSERT_LT(column("w2"), columns.size());
  ASSERT_LT(column("t"), columns.size());
  std::map<std::string, nlohmann::json> records;
  for (const std::string& line : complete_lines(jsonl)) {
    const nlohmann::json r = nlohmann::json::parse(line);
    records[r["id"].get<std::string>()] = r;
  }
  std::size_t rows = 0;
  for (std::string line; std::getline(csv, line); ++rows) {
    std::vector<std::string> cells;
    for (std::stringstream row(line); std::getline(row, line, ',');) cells.push_back(line);
    const nlohmann::json& r = records.at(cells[0]);
    EXPECT_EQ(std::stod(cells[column("discretization.particles")]), r["coords"]["discretization.particles"]);
    const nlohmann::json& outputs = r["summary"]["metrics"]["outputs"];
    const auto at = std::find_if(outputs.begin(), outputs.end(),
                                 [&](const nlohmann::json& o) { return o["t"] == std::stod(cells[column("t")]); });
    ASSERT_NE(at, outputs.end()) << line;
    EXPECT_EQ(std::stod(cells[column("w2")]), (*at)["w2"].get<double>());  // shortest round-trip text: exact
  }
  EXPECT_EQ(rows, 2u * 3u);
}

TEST(CliStudy, BadUsageExitsWithTwoAndNamesTheProblem) {
  for (const char* args : {"study -j 0", "study -j x", "study a.toml b.toml", "report", "study no-such-study"}) {
    const Outcome o = blobflow(args);
    EXPECT_EQ(o.exit_code, 2) << args << "\n" << o.output;
  }
  const Outcome missing = blobflow("report /nonexistent/dir");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("/nonexistent/dir"), std::string::npos) << missing.output;
}

}  // namespace
