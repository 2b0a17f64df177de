// Shared helpers of the reference tests against POT (Python Optimal Transport, Debian package python3-pot): finding a
// python3 that can import ot, and writing vectors as whitespace-separated rows with all 17 significant digits.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace blobflow::reference {

/// A python3 command that can `import ot`: $BLOBFLOW_PYTHON, else python3 on PATH, else /usr/bin/python3 (where
/// Debian installs python3-pot); nullopt when none can.
inline std::optional<std::string> python_with_pot() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("BLOBFLOW_PYTHON")) candidates.emplace_back(env);
  candidates.emplace_back("python3");
  candidates.emplace_back("/usr/bin/python3");
  for (const std::string& python : candidates) {
    const std::string probe = python + " -c 'import ot' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return std::nullopt;
}

/// One line of values, each printed with %.17g (round-trips exactly).
inline void write_row(std::ofstream& out, const std::vector<double>& values) {
  for (const double v : values) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g ", v);
    out << buffer;
  }
  out << "\n";
}

}  // namespace blobflow::reference
