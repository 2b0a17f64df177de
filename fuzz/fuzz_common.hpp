// Shared pieces of the libFuzzer harnesses (fuzz/README.md): the input as text, a scratch file for the readers
// that take a path, and the rule of every harness: an input may be refused with the documented exception (a
// configuration error, a bad file, a bad argument), never crash, trip a sanitizer or escape as another exception.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "blobflow/studies/config.hpp"
#include "blobflow/studies/expression.hpp"

namespace blobflow::fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// A file of this process under the temporary directory, rewritten for each input.
inline std::filesystem::path scratch_file(const std::string& name) {
  static const std::filesystem::path dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("blobflow-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir / name;
}

inline std::filesystem::path write_scratch(const std::string& name, const std::string& text) {
  const std::filesystem::path path = scratch_file(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

/// Runs `body`; the documented refusals (ConfigError, ExpressionError, std::invalid_argument, other
/// std::runtime_error) are expected outcomes, any other exception is a finding and aborts.
template <class F>
void expect_refusal_or_success(F body) {
  try {
    body();
  } catch (const ConfigError&) {
  } catch (const ExpressionError&) {
  } catch (const std::invalid_argument&) {
  } catch (const std::runtime_error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    std::abort();
  }
}

}  // namespace blobflow::fuzz
