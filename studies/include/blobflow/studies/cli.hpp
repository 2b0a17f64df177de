// The blobflow command-line tool (docs/architecture.md "The command line"). Exit codes: 0 success, 1 run-time failure
// (including a numerical failure of a run), 2 bad usage or bad configuration.
#pragma once

namespace blobflow {

/// Runs the blobflow command line with the given arguments (argv[0] is the program name).
int cli_main(int argc, char** argv);

}  // namespace blobflow
