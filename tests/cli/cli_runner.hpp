// Runs the blobflow binary (BLOBFLOW_EXE, set by tests/cli/CMakeLists.txt) for the end-to-end CLI tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace blobflow::cli_test {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

/// A shell command line; its exit code (-1 if it did not exit normally) and everything it printed.
inline Outcome shell(const std::string& command_line) {
  const std::string command = command_line + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) output += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// `blobflow ARGS` through the shell; its exit code (-1 if it did not exit normally) and everything it printed.
inline Outcome blobflow(const std::string& args) { return shell(std::string(BLOBFLOW_EXE) + " " + args); }

}  // namespace blobflow::cli_test
