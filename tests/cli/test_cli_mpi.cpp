// `blobflow study` under mpirun (built with BLOBFLOW_WITH_MPI): two ranks give the same records as one thread,
// record by record (status, coordinates, configuration hash and every number of the summary bit for bit; wall
// times and the manifest excepted), also when a study is resumed under mpirun; a bad study ends every rank with a
// non-zero exit code and its message printed once.
#include <gtest/gtest.h>

#include "cli_runner.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using blobflow::cli_test::Outcome;

// Runs in the test study (a 1D Barenblatt sweep over N and two mollifiers: tens of milliseconds each).
constexpr int kParticleValues = 6;
constexpr int kFirstParticles = 100;
constexpr int kParticleStep = 40;
// Records kept in runs.jsonl before the resumed study (the rest is run again under mpirun).
constexpr std::size_t kKeptBeforeResume = 5;

/// mpirun with two ranks. OpenMPI refuses to start as root (CI containers) unless both OMPI_ALLOW_RUN_AS_ROOT
/// variables are set, which change nothing else; --oversubscribe allows two ranks on one core; the shared-memory
/// transport (self, vader) needs no network.
std::string mpirun_2() {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  return std::string(BLOBFLOW_MPIEXEC) + " -n 2 --oversubscribe --mca btl self,vader " + BLOBFLOW_EXE;
}

std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("blobflow-test-cli-mpi-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string study_file(const std::filesystem::path& dir) {
  std::ostringstream particles;
  for (int k = 0; k < kParticleValues; ++k) particles << (k ? ", " : "") << kFirstParticles + kParticleStep * k;
  const auto path = dir / "mpi.toml";
  std::ofstream(path) << "[study]\nname = \"mpi\"\nconfig = \"" << BLOBFLOW_CONFIGS << "/barenblatt-1d.toml\"\n"
                      << "[[sweep]]\nname = \"n\"\naxes.discretization.mollifier = [\"gaussian\", \"laguerre4\"]\n"
                      << "axes.discretization.particles = [" << particles.str() << "]\n"
                      << "[[fit]]\nname = \"w2\"\nsweep = \"n\"\nagainst = \"discretization.particles\"\n"
                      << "group_by = [\"discretization.mollifier\"]\n";
  return path.string();
}

/// The records of a runs.jsonl by run id.
std::map<std::string, nlohmann::json> records(const std::filesystem::path& jsonl) {
  std::ifstream in(jsonl);
  std::map<std::string, nlohmann::json> by_id;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json r = nlohmann::json::parse(line);
    by_id[r["id"].get<std::string>()] = r;
  }
  return by_id;
}

/// A record without what legitimately differs between two invocations: the manifest (host, times, threads), the
/// wall time, the rank that ran it and the position in the file.
nlohmann::json comparable(nlohmann::json record) {
  record.erase("mpi_rank");
  if (record["summary"].is_object()) {
    record["summary"].erase("manifest");
    record["summary"]["metrics"].erase("wall_seconds");
  }
  return record;
}

/// Numbers in a JSON value (each compared bit for bit by json ==).
std::size_t count_numbers(const nlohmann::json& j) {
  if (j.is_number()) return 1;
  std::size_t n = 0;
  if (j.is_structured())
    for (const auto& item : j) n += count_numbers(item);
  return n;
}

/// Compares two record sets run by run; returns the numbers compared.
std::size_t expect_same_records(const std::map<std::string, nlohmann::json>& expected,
                                const std::map<std::string, nlohmann::json>& actual) {
  EXPECT_EQ(actual.size(), expected.size());
  std::size_t numbers = 0;
  for (const auto& [id, record] : expected) {
    const auto it = actual.find(id);
    if (it == actual.end()) {
      ADD_FAILURE() << "run " << id << " missing";
      continue;
    }
    EXPECT_EQ(it->second["status"], record["status"]) << id;
    EXPECT_EQ(it->second["coords"], record["coords"]) << id;
    EXPECT_EQ(it->second["config_hash"], record["config_hash"]) << id;
    EXPECT_EQ(comparable(it->second), comparable(record)) << id;
    numbers += count_numbers(comparable(record)["summary"]);
  }
  return numbers;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(CliMpi, TwoRanksGiveTheRecordsOfOneThread) {
  const auto dir = scratch("same");
  const std::string study = study_file(dir);
  auto start = std::chrono::steady_clock::now();
  const Outcome one = blobflow::cli_test::blobflow("study " + study + " -j 1 --no-render -o " + (dir / "j1").string());
  const double one_seconds = seconds_since(start);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  start = std::chrono::steady_clock::now();
  const Outcome two = blobflow::cli_test::shell(mpirun_2() + " study " + study + " --no-render -o " +
                                                (dir / "n2").string());
  const double two_seconds = seconds_since(start);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("on 2 MPI ranks"), std::string::npos) << two.output;

  const auto expected = records(dir / "j1" / "runs.jsonl");
  const auto actual = records(dir / "n2" / "runs.jsonl");
  ASSERT_EQ(expected.size(), std::size_t(2 * kParticleValues));
  const std::size_t numbers = expect_same_records(expected, actual);
  std::map<int, int> per_rank;
  for (const auto& [id, record] : actual) ++per_rank[record.value("mpi_rank", -1)];
  std::cout << "compared " << actual.size() << " records (" << numbers << " summary numbers) of -j 1 and mpirun -n 2; "
            << "rank 0 ran " << per_rank[0] << ", rank 1 ran " << per_rank[1] << "; wall -j 1 " << one_seconds
            << " s, mpirun -n 2 " << two_seconds << " s (process start included)\n";
  EXPECT_GT(per_rank[1], 0) << "the worker rank ran nothing: the comparison tests only rank 0";
  EXPECT_EQ(per_rank[0] + per_rank[1], static_cast<int>(actual.size()));
  EXPECT_TRUE(std::filesystem::exists(dir / "n2" / "index.html"));  // the report, written by rank 0
}

TEST(CliMpi, ResumeUnderMpirunRunsOnlyTheMissingRuns) {
  const auto dir = scratch("resume");
  const std::string study = study_file(dir);
  const Outcome one = blobflow::cli_test::blobflow("study " + study + " -j 1 --no-render -o " + (dir / "j1").string());
  ASSERT_EQ(one.exit_code, 0) << one.output;
  // A study interrupted after kKeptBeforeResume records: runs.jsonl keeps only those.
  std::filesystem::create_directories(dir / "resumed");
  {
    std::ifstream in(dir / "j1" / "runs.jsonl");
    std::ofstream kept(dir / "resumed" / "runs.jsonl");
    std::string line;
    for (std::size_t k = 0; k < kKeptBeforeResume && std::getline(in, line); ++k) kept << line << "\n";
  }
  const Outcome resumed = blobflow::cli_test::shell(mpirun_2() + " study " + study + " --resume --no-render -o " +
                                                    (dir / "resumed").string());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const std::string skipped = std::to_string(kKeptBeforeResume) + " finished before (skipped), running " +
                              std::to_string(2 * kParticleValues - kKeptBeforeResume);
  EXPECT_NE(resumed.output.find(skipped), std::string::npos) << resumed.output;
  expect_same_records(records(dir / "j1" / "runs.jsonl"), records(dir / "resumed" / "runs.jsonl"));
}

TEST(CliMpi, BadStudyEndsEveryRankNonZeroWithTheMessageOnce) {
  const Outcome o = blobflow::cli_test::shell(mpirun_2() + " study no-such-study --no-render -o " +
                                              scratch("bad").string());
  EXPECT_NE(o.exit_code, 0) << o.output;
  const std::string message = "\"no-such-study\": neither a file nor a built-in study";
  const std::size_t first = o.output.find(message);
  ASSERT_NE(first, std::string::npos) << o.output;
  EXPECT_EQ(o.output.find(message, first + 1), std::string::npos) << "printed more than once:\n" << o.output;
}

}  // namespace
