// File helpers shared by the tests that write output directories and read the files back.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace blobflow::test {

/// The whole content of a file ("" when it cannot be read).
inline std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// An empty directory blobflow-test-<prefix>-<name> under the system's temporary directory (emptied if it exists).
inline std::filesystem::path fresh_dir(const std::string& prefix, const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("blobflow-test-" + prefix + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace blobflow::test
