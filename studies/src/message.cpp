// Shortening of long values quoted in error messages (message.hpp).
#include "blobflow/studies/message.hpp"

#include <cstdio>

namespace blobflow {
namespace {

/// Characters kept from the beginning and the end of a long value: its start says what it is, its end where it
/// stopped; together with the elision note they stay within kMaxMessageValueChars.
constexpr std::size_t kHeadChars = 80;
constexpr std::size_t kTailChars = 20;

std::string printable(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '\n') out += "\\n";
    else if (ch == '\t') out += "\\t";
    else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(byte));
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

std::string clip_for_message(std::string_view text) {
  if (text.size() <= kMaxMessageValueChars) return printable(text);
  return printable(text.substr(0, kHeadChars)) + "... (" + std::to_string(text.size()) + " characters) ..." +
         printable(text.substr(text.size() - kTailChars));
}

}  // namespace blobflow
