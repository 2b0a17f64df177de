// The configuration errors a study file's text raises, for the tests of study-file validation.
#pragma once

#include <string>

#include "blobflow/studies/config.hpp"
#include "blobflow/studies/study_spec.hpp"

namespace blobflow::test {

/// Every violation parse_study reports for `text`, one per line ("" when the text is valid).
inline std::string study_violations(const std::string& text) {
  try {
    parse_study(text, "s.toml", ".");
  } catch (const ConfigError& e) {
    std::string all;
    for (const auto& v : e.violations()) all += v + "\n";
    return all;
  }
  return "";
}

}  // namespace blobflow::test
