#!/usr/bin/env python3
"""Whole-run cost of the stiff integrator against N: 1D Barenblatt (studies/configs/barenblatt-1d.toml, wpme,
Gaussian, eps = 4 h^0.99, t0 = 0.25 to T = 1) with rosenbrock34 at a working tolerance, a tight-tolerance
rosenbrock34 reference for W2, and dopri5 side by side where it finishes in reasonable time.

Usage: bench/stiff-cost.py BLOBFLOW OUTDIR [--ns 800,1600,...] [--dopri5-max N] [--reference-max N]
Prints a table and writes OUTDIR/stiff-cost.json and OUTDIR/stiff-cost.dat (N, wall s, v evaluations, steps). The
fitted exponent is the least-squares slope of log(wall) against log(N) over 800 <= N <= 12800.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

CONFIG = "studies/configs/barenblatt-1d.toml"
WORK_RTOL, WORK_ATOL = 1e-6, 1e-10          # rosenbrock34: what a convergence study runs at
REFERENCE_RTOL, REFERENCE_ATOL = 1e-9, 1e-13  # rosenbrock34 reference: 1000 times tighter
DOPRI5_RTOL, DOPRI5_ATOL = 1e-8, 1e-10       # dopri5 as in the measurements that motivated the stiff method


def run(blobflow, outdir, n, method, rtol, atol):
    out = os.path.join(outdir, f"{method}-{rtol:g}-{n}")
    cmd = [blobflow, "run", CONFIG, "-q", "-o", out, "--set", f"discretization.particles={n}",
           "--set", f"integrator.method={method}", "--set", f"integrator.rtol={rtol}",
           "--set", f"integrator.atol={atol}"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    m = s["metrics"]
    return {"n": n, "method": method, "rtol": rtol, "status": s["status"], "wall_s": wall,
            "steps_accepted": m["steps_accepted"], "steps_rejected": m["steps_rejected"],
            "rhs_evaluations": m["rhs_evaluations"], "jacobian_evaluations": m.get("jacobian_evaluations", 0),
            "w2": m["outputs"][-1]["w2"]}


def slope(xs, ys):
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("blobflow")
    p.add_argument("outdir")
    p.add_argument("--ns", default="800,1600,3200,6400,12800,25600,100000")
    p.add_argument("--dopri5-max", type=int, default=3200)
    p.add_argument("--reference-max", type=int, default=25600)
    a = p.parse_args()
    ns = [int(v) for v in a.ns.split(",")]
    rows = []
    for n in ns:
        row = {"work": run(a.blobflow, a.outdir, n, "rosenbrock34", WORK_RTOL, WORK_ATOL)}
        if n <= a.reference_max:
            row["reference"] = run(a.blobflow, a.outdir, n, "rosenbrock34", REFERENCE_RTOL, REFERENCE_ATOL)
        if n <= a.dopri5_max:
            row["dopri5"] = run(a.blobflow, a.outdir, n, "dopri5", DOPRI5_RTOL, DOPRI5_ATOL)
        rows.append(row)
        w = row["work"]
        line = (f"N {n:>6}  rosenbrock34 rtol {WORK_RTOL:g}: {w['wall_s']:8.2f} s, {w['steps_accepted']:>4} / "
                f"{w['steps_rejected']} steps, {w['rhs_evaluations']:>5} v, {w['jacobian_evaluations']:>4} Hessians, "
                f"W2 {w['w2']:.6e}")
        if "reference" in row:
            r = row["reference"]
            line += f"; reference {r['wall_s']:.2f} s, W2 {r['w2']:.6e}, rel. diff {abs(w['w2'] / r['w2'] - 1):.1e}"
        if "dopri5" in row:
            d = row["dopri5"]
            line += (f"; dopri5 rtol {DOPRI5_RTOL:g}: {d['wall_s']:.2f} s, {d['steps_accepted']} / "
                     f"{d['steps_rejected']} steps, {d['rhs_evaluations']} v, W2 {d['w2']:.6e}, "
                     f"wall ratio dopri5 / rosenbrock34 {d['wall_s'] / w['wall_s']:.1f}")
        print(line, flush=True)
    fit = [r["work"] for r in rows if 800 <= r["work"]["n"] <= 12800]
    result = {"rows": rows}
    if len(fit) >= 2:
        result["wall_exponent_800_12800"] = slope([r["n"] for r in fit], [r["wall_s"] for r in fit])
        result["rhs_exponent_800_12800"] = slope([r["n"] for r in fit], [r["rhs_evaluations"] for r in fit])
        print(f"fitted exponent over N = 800..12800: wall ~ N^{result['wall_exponent_800_12800']:.2f}, "
              f"v evaluations ~ N^{result['rhs_exponent_800_12800']:.2f}")
    d5 = [r["dopri5"] for r in rows if "dopri5" in r]
    if len(d5) >= 2:
        result["dopri5_wall_exponent"] = slope([r["n"] for r in d5], [r["wall_s"] for r in d5])
        print(f"dopri5: wall ~ N^{result['dopri5_wall_exponent']:.2f} over N = {d5[0]['n']}..{d5[-1]['n']}")
    with open(os.path.join(a.outdir, "stiff-cost.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(a.outdir, "stiff-cost.dat"), "w") as f:
        f.write("# N wall_s rhs_evaluations steps_accepted method\n")
        for r in rows:
            for key in ("work", "dopri5"):
                if key in r:
                    x = r[key]
                    f.write(f"{x['n']} {x['wall_s']:.4f} {x['rhs_evaluations']} {x['steps_accepted']} {x['method']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
