#!/usr/bin/env bash
# Whole-run timing of blobflow against the NumPy/SciPy version of the same blob run (bench/numpy_blob_run.py), side by
# side: the 1D Barenblatt run of studies/configs/barenblatt-1d.toml at N = 800, T = 1, dopri5 in blobflow and SciPy's
# RK45 (the same Dormand-Prince pair) with the same rtol/atol, the NumPy run starting from blobflow's initial state.
# The two programs alternate REPEATS times (so machine load hits both alike); wall times are whole processes (start,
# I/O and, for Python, interpreter start and imports included). Prints each time, the medians and their ratio.
# Usage: bench/whole-run-vs-numpy.sh [REPEATS] [BLOBFLOW_BINARY] [extra blobflow --set options...]
#   e.g. bench/whole-run-vs-numpy.sh 5 build/test/blobflow --set discretization.engine=truncated
# Needs python3-numpy and python3-scipy (Debian: apt-get install python3-numpy python3-scipy); runs Debian's
# /usr/bin/python3 where present (a python3 earlier in PATH may lack them), or $PYTHON.
set -euo pipefail
repeats=${1:-5}
blobflow=${2:-build/test/blobflow}
shift $(( $# < 2 ? $# : 2 ))
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s%N; }
blob_times=()
numpy_times=()
for ((k = 1; k <= repeats; k++)); do
  start=$(now)
  "$blobflow" run "$here/../studies/configs/barenblatt-1d.toml" --set discretization.particles=800 "$@" -q \
    -o "$out/run" >/dev/null
  mid=$(now)
  "$python" "$here/numpy_blob_run.py" "$out/run" >"$out/numpy.txt"
  end=$(now)
  tb=$(awk -v ns=$((mid - start)) 'BEGIN {printf "%.4f", ns / 1e9}')
  tn=$(awk -v ns=$((end - mid)) 'BEGIN {printf "%.4f", ns / 1e9}')
  blob_times+=("$tb")
  numpy_times+=("$tn")
  echo "repeat $k: blobflow $tb s, numpy $tn s"
done
"$python" - "$out/run/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m = s["metrics"]
print(f"blobflow: engine {s['resolved']['engine']}, {m['rhs_evaluations']} velocity evaluations, "
      f"{m['steps_accepted']} steps accepted, {m['steps_rejected']} rejected, run {m['wall_seconds']:.4f} s")
PY
cat "$out/numpy.txt"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mb=$(median "${blob_times[@]}")
mn=$(median "${numpy_times[@]}")
awk -v b="$mb" -v n="$mn" -v r="$repeats" \
  'BEGIN {printf "median of %d: blobflow %.4f s, numpy %.4f s, ratio numpy/blobflow %.1f\n", r, b, n, n / b}'
