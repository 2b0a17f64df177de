#!/usr/bin/env bash
# Lists the functions of blobflow's libraries and tool (not tests/ or bench/) longer than LIMIT lines (default 120),
# as clang-tidy's readability-function-size counts them: the lines of the body, comments and blank lines included,
# templates in the project's headers too. Needs a configured build (compile_commands.json) and clang-tidy.
# Usage: bash .ci/function-lengths.sh [BUILD_DIR] [LIMIT]     exit 1 when a function is longer.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/test}
limit=${2:-120}
[ -f "$build/compile_commands.json" ] || { echo "no $build/compile_commands.json: configure first" >&2; exit 2; }
tidy=$(command -v clang-tidy || command -v clang-tidy-14) || { echo "clang-tidy not found" >&2; exit 2; }
sources=$(python3 -c "
import json, sys
for e in json.load(open('$build/compile_commands.json')):
    f = e['file']
    if '/tests/' not in f and '/bench/' not in f: print(f)" | sort -u)
config="{CheckOptions: [{key: readability-function-size.LineThreshold, value: $limit}]}"
# clang-tidy prints "FILE:LINE:COL: warning: function 'NAME' exceeds ..." and, at the same place, "note: N lines ...".
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
printf '%s\n' $sources | xargs -P 2 -n 4 "$tidy" -p "$build" --quiet -checks='-*,readability-function-size' \
  -config="$config" -header-filter="$(pwd)/(solvers|analysis|studies|reports)/" >"$raw" 2>/dev/null || true
# A translation unit clang-tidy cannot parse would be measured by nobody: that is an error, not a pass.
if grep -E ": error: " "$raw" >/dev/null; then
  echo "clang-tidy could not parse every translation unit:" >&2
  grep -E ": error: " "$raw" | head -n 20 >&2
  exit 2
fi
report=$(python3 -c "
import re, sys
names, lines = {}, {}
for row in sys.stdin:
    m = re.match(r\"(\S+:\d+:\d+): warning: function '([^']+)'\", row)
    if m: names[m.group(1)] = m.group(2)
    m = re.match(r'(\S+:\d+:\d+): note: (\d+) lines', row)
    if m: lines[m.group(1)] = int(m.group(2))
for where in sorted(names):
    if where in lines: print(f'{lines[where]:5d} lines  {names[where]}  {where}')" <"$raw")
if [ -n "$report" ]; then
  echo "functions longer than $limit lines:"
  echo "$report"
  exit 1
fi
echo "no function longer than $limit lines in $(printf '%s\n' $sources | wc -l) translation units"
