// Internal helper of analysis/: formats a parameter and its value for std::invalid_argument messages of the form
// "Barenblatt: m = 0.5: must be > 1" (docs/architecture.md "Conventions": name the key, its value and the rule).
#pragma once

#include <array>
#include <charconv>
#include <string>
#include <string_view>

namespace blobflow::analysis::detail {

/// The shortest decimal text that reads back as `value` ("0.5", "1e-07", "nan", "inf").
inline std::string format_value(double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

/// "<where>: <name> = <value>: <rule>", the message of every invalid_argument thrown by analysis/.
inline std::string describe(std::string_view where, std::string_view name, double value, std::string_view rule) {
  std::string message(where);
  message += ": ";
  message += name;
  message += " = ";
  message += format_value(value);
  message += ": ";
  message += rule;
  return message;
}

}  // namespace blobflow::analysis::detail
