// The files a run writes (README, "Files a run writes"): summary.json's metrics, particles.csv and diagnostics.csv,
// each produced from what the run recorded, with no computation of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blobflow/solvers/point_set.hpp"
#include "blobflow/studies/metrics.hpp"

namespace blobflow {

/// The particles at one time.
struct Snapshot {
  double t = 0.0;
  State x;  ///< N d positions, particle-major
  /// After a drop-out (coverage.dropouts): the ids (index at t0) of the N active particles and their masses. Empty
  /// while every particle is active: ids 0..N-1 with the run's masses.
  std::vector<std::size_t> ids = {};
  std::vector<double> masses = {};
};

/// One row of diagnostics.csv: the energy after `step` accepted steps.
struct DiagnosticRow {
  double t = 0.0;
  std::size_t step = 0;
  double energy = 0.0;
};

/// One block of neighbours.csv (coverage runs): each active agent's neighbour count (NeighbourCounter,
/// coverage.hpp) after `step` accepted steps, with the agents' ids (empty: 0..N-1).
struct NeighbourCounts {
  double t = 0.0;
  std::size_t step = 0;
  std::vector<std::size_t> ids;
  std::vector<std::size_t> counts;
};

/// summary.json's metrics.outputs[]: one object per output time with `t` and every output_keys() entry (null where
/// a metric does not apply).
nlohmann::json outputs_json(std::span<const OutputMetrics> outputs);

/// particles.csv: `t,i,x1[,x2,x3],mass`, every value with 17 significant digits; i is the particle's id (its index at
/// t0), so after a drop-out the stopped particles' ids are missing from the later times.
std::string particles_csv(std::span<const Snapshot> snapshots, std::span<const double> masses, int dimension);

/// diagnostics.csv: `t,step,energy`.
std::string diagnostics_csv(std::span<const DiagnosticRow> rows);

/// neighbours.csv: `t,step,i,neighbours`, one row per active agent at each diagnostics row.
std::string neighbours_csv(std::span<const NeighbourCounts> blocks);

/// Writes `content` to `path` through a temporary file renamed into place, so that a reader never sees half a file.
/// \throws std::runtime_error when the file cannot be written.
void write_file(const std::filesystem::path& path, const std::string& content);

/// Creates `dir` (with its parents) and checks, before anything is computed, that a file can be written there and
/// that its file system has room for a run's first files (kMinFreeBytes). \throws std::runtime_error naming the
/// directory and what failed (not a directory, not writable, full), so no computation is lost to a late check.
void prepare_output_directory(const std::filesystem::path& dir);

/// The free space prepare_output_directory asks for: a summary.json and a runs.jsonl record are tens of kilobytes,
/// so 1 MiB leaves room for them with a margin; the larger particle files may still meet a full disk, which is then
/// reported with the file's name.
constexpr std::uintmax_t kMinFreeBytes = std::uintmax_t{1} << 20;

}  // namespace blobflow
