// Shortening of long values quoted in error messages (message.hpp).
#include "blobflow/studies/message.hpp"

#include <cstdint>
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

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    // The length of the sequence and the smallest code point it may encode (shorter forms are overlong).
    const std::size_t length =
        lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? lead : lead & (0x7fu >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c >> 6) != 0x2) return false;
      code = (code << 6) | (c & 0x3fu);
    }
    constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

}  // namespace blobflow
