// The files a run writes (run_files.hpp).
#include "blobflow/studies/run_files.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace blobflow {

nlohmann::json outputs_json(std::span<const OutputMetrics> outputs) {
  nlohmann::json out = nlohmann::json::array();
  for (const OutputMetrics& m : outputs) {
    nlohmann::json row = {{"t", m.t}};
    const std::span<const OutputKey> keys = output_keys();
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const std::optional<double> v = m.value(k);
      row[std::string(keys[k].name)] = v ? nlohmann::json(*v) : nlohmann::json();
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string particles_csv(std::span<const Snapshot> snapshots, std::span<const double> masses, int dimension) {
  const auto dim = static_cast<std::size_t>(dimension);
  std::string csv = "t,i";
  for (int k = 1; k <= dimension; ++k) csv += ",x" + std::to_string(k);
  csv += ",mass\n";
  char line[64];
  for (const Snapshot& s : snapshots) {
    const std::span<const double> ms = s.masses.empty() ? masses : std::span<const double>(s.masses);
    for (std::size_t i = 0; i < ms.size(); ++i) {
      std::snprintf(line, sizeof line, "%.17g,%zu", s.t, s.ids.empty() ? i : s.ids[i]);
      csv += line;
      for (std::size_t k = 0; k < dim; ++k) {
        std::snprintf(line, sizeof line, ",%.17g", s.x[i * dim + k]);
        csv += line;
      }
      std::snprintf(line, sizeof line, ",%.17g\n", ms[i]);
      csv += line;
    }
  }
  return csv;
}

std::string diagnostics_csv(std::span<const DiagnosticRow> rows) {
  std::string csv = "t,step,energy\n";
  char line[64];
  for (const DiagnosticRow& r : rows) {
    std::snprintf(line, sizeof line, "%.17g,%zu,%.17g\n", r.t, r.step, r.energy);
    csv += line;
  }
  return csv;
}

std::string neighbours_csv(std::span<const NeighbourCounts> blocks) {
  std::string csv = "t,step,i,neighbours\n";
  char line[96];
  for (const NeighbourCounts& b : blocks)
    for (std::size_t k = 0; k < b.counts.size(); ++k) {
      std::snprintf(line, sizeof line, "%.17g,%zu,%zu,%zu\n", b.t, b.step, b.ids.empty() ? k : b.ids[k], b.counts[k]);
      csv += line;
    }
  return csv;
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary);
    out << content;
    out.close();  // a full disk may show only when the last buffer is written
    if (!out) throw std::runtime_error(path.string() + ": cannot write the file (" + std::to_string(content.size()) +
                                       " bytes; is the disk full?)");
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw std::runtime_error(path.string() + ": cannot move the written file into place: " + error.message());
}

void prepare_output_directory(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir))
    throw std::runtime_error("output directory " + dir.string() + ": cannot be created (" +
                             (error ? error.message() : std::string("a file of that name exists")) + ")");
  const std::filesystem::path probe = dir / ".blobflow-write-check";
  {
    std::ofstream out(probe);
    out << "blobflow checks that this directory is writable\n";
    out.close();
    if (!out) {
      std::filesystem::remove(probe, error);
      throw std::runtime_error("output directory " + dir.string() + ": a file cannot be written there");
    }
  }
  std::filesystem::remove(probe, error);
  const std::filesystem::space_info space = std::filesystem::space(dir, error);
  if (!error && space.available < kMinFreeBytes)
    throw std::runtime_error("output directory " + dir.string() + ": " + std::to_string(space.available) +
                             " bytes free: must have at least " + std::to_string(kMinFreeBytes) +
                             " for the first files");
}

}  // namespace blobflow
