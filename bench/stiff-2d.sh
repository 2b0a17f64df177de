#!/usr/bin/env bash
# 2D Barenblatt (studies/configs/barenblatt-2d.toml: wpme, Gaussian, eps = 4 h^0.99, lattice, t0 = 0.25 to T = 1):
# rosenbrock34 at rtol 1e-6 against dopri5 at rtol 1e-8, one after the other, at N = 4096 and 16384. Prints the wall
# time of each whole run (W2 by semi-discrete transport at the three output times included), its counters and W2.
# Usage: bench/stiff-2d.sh BLOBFLOW OUTDIR [N ...]
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BLOBFLOW OUTDIR [N ...]" >&2
  exit 2
fi
blobflow=$1 outdir=$2
shift 2
ns=("$@")
[ ${#ns[@]} -gt 0 ] || ns=(4096 16384)
for n in "${ns[@]}"; do
  for spec in "rosenbrock34 1e-6 1e-10" "dopri5 1e-8 1e-10"; do
    read -r method rtol atol <<<"$spec"
    out="$outdir/$method-$n"
    start=$(date +%s%N)
    "$blobflow" run studies/configs/barenblatt-2d.toml -q -o "$out" --set discretization.particles="$n" \
      --set integrator.method="$method" --set integrator.rtol="$rtol" --set integrator.atol="$atol" >/dev/null
    end=$(date +%s%N)
    python3 - "$out/summary.json" "$n" "$method" "$rtol" "$(( (end - start) / 1000000 ))" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); m = s["metrics"]
print(f"N {sys.argv[2]} {sys.argv[3]} rtol {sys.argv[4]}: wall {int(sys.argv[5]) / 1000:.2f} s, status {s['status']}, "
      f"steps {m['steps_accepted']}/{m['steps_rejected']}, v {m['rhs_evaluations']}, "
      f"Hessians {m.get('jacobian_evaluations')}, GMRES {m['solver_iterations']}, W2 {m['outputs'][-1]['w2']}")
PY
  done
done
