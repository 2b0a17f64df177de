// Values quoted in error messages: a message names the key, the value and the rule (docs/architecture.md
// "Conventions"), and a value as long as a whole file would bury the other two, so long values are shortened.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace blobflow {

/// The longest value a message quotes in full: a value of a configuration fits on a line with its key and rule.
constexpr std::size_t kMaxMessageValueChars = 120;

/// `text` itself when it has at most kMaxMessageValueChars characters, else its beginning and end around
/// "... (N characters) ...", with control characters shown as \n, \t or \xHH so a message stays one line.
std::string clip_for_message(std::string_view text);

/// Whether `text` is valid UTF-8 (what TOML and JSON files hold): a value that is not cannot be written to
/// summary.json, so it is refused when it is read.
bool is_valid_utf8(std::string_view text);

/// Bad usage that is no configuration value: an output directory that must not be written to, a plan that differs
/// from the one recorded there, a file the command cannot use. The command line prints the message and exits with 2.
struct UsageRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace blobflow
