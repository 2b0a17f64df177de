#!/usr/bin/env bash
# Times whole blobflow processes: runs the given command REPEATS times and prints each wall time and the median.
# Usage: bench/time-run.sh REPEATS COMMAND [ARGS...]
#   e.g. bench/time-run.sh 5 ./build/release/blobflow run studies/configs/barenblatt-1d.toml \
#          --set discretization.particles=800 -q -o out/bench-n800
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 REPEATS COMMAND [ARGS...]" >&2
  exit 2
fi
repeats=$1
shift
times=()
for ((k = 1; k <= repeats; k++)); do
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  t=$(awk -v ns=$((end - start)) 'BEGIN {printf "%.3f", ns / 1e9}')
  times+=("$t")
  echo "run $k: $t s"
done
printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "median of %d runs: %.3f s\n", NR, m}'
