#!/usr/bin/env python3
"""The blob run of studies/configs/barenblatt-1d.toml written as a researcher would in NumPy/SciPy: the baseline
of bench/whole-run-vs-numpy.sh.

The same problem as blobflow's run whose output directory is given: wpme with rhobar == 1 in the CEHT23 blob
regularization (docs/math.md §2.3), Gaussian mollifier of width eps, so psi = zeta_eps * zeta_eps is the Gaussian of
standard deviation s = sqrt(2) eps and
    dx_i/dt = v_i = -sum_j m_j grad psi(x_i - x_j) = sum_j m_j psi(x_i - x_j) (x_i - x_j) / s^2.
Initial positions, masses, eps, t0, the output times and rtol/atol are read from blobflow's particles.csv and
summary.json, so both programs integrate the same ODE from the same state; SciPy's RK45 is the same Dormand-Prince
5(4) pair as blobflow's dopri5 (their error norms differ: SciPy uses an RMS norm, so step counts may differ and
are printed). At the end the positions are compared with blobflow's.

Needs Debian's python3-numpy and python3-scipy (apt-get install python3-numpy python3-scipy).
Usage: numpy_blob_run.py BLOBFLOW_OUTPUT_DIR
"""
import csv
import json
import math
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp


def read_blobflow_run(out_dir):
    with open(f"{out_dir}/summary.json") as f:
        summary = json.load(f)
    snapshots = {}
    with open(f"{out_dir}/particles.csv") as f:
        for row in csv.DictReader(f):
            snapshots.setdefault(float(row["t"]), []).append((float(row["x1"]), float(row["mass"])))
    times = sorted(snapshots)
    x0 = np.array([p[0] for p in snapshots[times[0]]])
    m = np.array([p[1] for p in snapshots[times[0]]])
    x_final = np.array([p[0] for p in snapshots[times[-1]]])
    return summary, times, x0, m, x_final


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    summary, times, x0, m, x_blobflow = read_blobflow_run(sys.argv[1])
    eps = summary["resolved"]["epsilon"]
    integrator = summary["config"]["integrator"]
    rtol, atol = integrator["rtol"], integrator["atol"]

    s2 = 2.0 * eps * eps                      # variance of psi
    norm = 1.0 / math.sqrt(2.0 * math.pi * s2)

    def velocity(t, x):
        d = x[:, None] - x[None, :]
        return (d * np.exp(-d**2 / (2.0 * s2)) * m[None, :]).sum(axis=1) * (norm / s2)

    start = time.perf_counter()
    sol = solve_ivp(velocity, (times[0], times[-1]), x0, method="RK45", rtol=rtol, atol=atol, t_eval=times[1:])
    elapsed = time.perf_counter() - start
    x_final = sol.y[:, -1]
    diff = np.max(np.abs(x_final - x_blobflow)) / np.max(np.abs(x_blobflow))
    print(f"numpy: N = {x0.size}, t = {times[0]} -> {times[-1]}, RK45 rtol = {rtol}, atol = {atol}: "
          f"{sol.nfev} velocity evaluations, {elapsed:.3f} s integrating "
          f"({elapsed / sol.nfev * 1e3:.3f} ms per evaluation); status {sol.status}")
    print(f"numpy: max |x_numpy - x_blobflow| / max |x| at t = {times[-1]}: {diff:.2e}")


if __name__ == "__main__":
    main()
