#!/usr/bin/env bash
# CI, second part: the preset sanitize (clang 14, Debug, AddressSanitizer + UndefinedBehaviorSanitizer with
# -fno-sanitize-recover, so a finding aborts) on a subset chosen to fit the CI budget on two cores, then each
# libFuzzer harness for BLOBFLOW_FUZZ_SECONDS (default 30) on its committed seed corpus.
# The subset: the unit tests of the input layer (configuration, expressions, study files, run records, reports,
# distances: test_hardening, test_studies' Expression and Config tests, test_run_records, test_study_figures,
# test_reports, test_distances_nd) and the bad-input corpus against the sanitized binary (the command line end to
# end); the numerical suites (solvers, property, convergence, the cli studies) run in the Release suite only: under
# the sanitizers test_studies alone takes over 3 minutes, and all of them several times the CI budget.
set -euo pipefail
cd "$(dirname "$0")/.."
# A sanitizer finding exits with 86, which no blobflow outcome uses (0, 1, 2), so the corpus reports it as a crash.
export ASAN_OPTIONS="exitcode=86:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="exitcode=86:print_stacktrace=1"
export RC_PARAMS="seed=20261128 max_success=100"
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize
# test_studies: its configuration and expression tests (its run tests integrate, which is the slow part).
for t in tests/unit/studies/test_hardening "tests/unit/studies/test_studies --gtest_filter=Expression*:Config*" \
         tests/unit/reports/test_run_records tests/unit/reports/test_study_figures tests/unit/reports/test_reports \
         tests/unit/analysis/test_distances_nd; do
  echo "sanitize: $t"
  read -r exe args <<<"$t"
  (cd "build/sanitize/$(dirname "$exe")" && "./$(basename "$exe")" --gtest_brief=1 $args)
done
python3 tests/bad_inputs/bad_inputs.py build/sanitize/blobflow
cmake --build --preset fuzz
cmake -DBLOBFLOW_FUZZ_SECONDS="${BLOBFLOW_FUZZ_SECONDS:-30}" build/sanitize >/dev/null
cmake --build build/sanitize --target fuzz_smoke
