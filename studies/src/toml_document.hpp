// Internal to studies/src: TOML text parsed the one way run configurations and study files both need.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "blobflow/studies/config.hpp"

namespace blobflow::detail {

/// The table of `text`. \throws ConfigError "SOURCE:LINE:COLUMN: what is wrong" for text that is not TOML.
inline toml::table parse_toml_document(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream s;
    s << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    throw ConfigError({s.str()});
  }
}

}  // namespace blobflow::detail
