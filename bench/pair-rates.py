#!/usr/bin/env python3
"""Tables of pair rates from bench_engines' JSON output (--benchmark_out=FILE --benchmark_out_format=json).

For the BM_Pairs* benchmarks (uniform data, docs/performance.md §3): per dimension, N and sigma, the median wall-time
rate N^2 / t of each engine in 1e9 pairs/s, its ratio to the plain scalar loop measured in the same run, and the rate
per CPU-second of the whole process (less sensitive to a loaded machine). For BM_SelfGradientOfPsi (lattice,
eps = 4h in 1D, h in 2D/3D): the median wall time per engine and N, i.e. how the cost grows with N. For
BM_TileCeiling/TARGET (the engines' vector tile on L1-resident data, 1 and 2 threads, per SIMD target): its
pairs/s, the ceiling of the all-pairs engines on this machine, and the share of it that simd one-sided reaches at
N = 1e4 on the target the engines ran on (the run's simd_target, which BLOBFLOW_SIMD_TARGET may restrict).
With FIGURE_PREFIX, also writes FIGURE_PREFIX.dat and FIGURE_PREFIX.gp (render: gnuplot FIGURE_PREFIX.gp, which
writes FIGURE_PREFIX.svg): the lattice times against N, log-log, one line per engine and dimension.
Usage: pair-rates.py RESULTS.json [MORE.json ...] [--figure FIGURE_PREFIX]
"""
import json
import re
import sys
from collections import defaultdict

ENGINE_NAMES = {"BM_PairsScalarLoop": "scalar loop", "DirectSum": "direct", "TruncatedSum": "truncated",
                "SimdFallback": "simd fallback", "SimdOneSided": "simd one-sided", "SimdSum": "simd symmetric",
                "TruncatedSimdSum": "truncated-simd", "TruncatedSimdFallback": "truncated-simd fallback",
                "FftSum": "fft",
                # names in runs of the previous AVX-512-only kernel (bench/results/pair-rates.json, pair-rates-2.json)
                "SimdPortable": "simd portable", "TruncatedSimdPortable": "truncated-simd portable"}
TO_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def parse(name):
    m = re.match(r"(BM_\w+)<(?:(\w+), )?(\d)>/(\d+)(?:/(\d))?", name)
    family, engine, dim, n, sigma = m.groups()
    return family, ENGINE_NAMES[engine or family], int(dim), int(n), sigma


def write_figure(prefix, lattice):
    blocks = []
    plots = []
    for index, (dim, engine) in enumerate(sorted(lattice)):
        series = lattice[(dim, engine)]
        blocks.append(f"# {dim}D {engine}\n" + "".join(f"{n} {t:.6g}\n" for n, t in sorted(series.items())))
        plots.append(f"'{prefix}.dat' index {index} with linespoints title '{dim}D {engine}'")
    with open(f"{prefix}.dat", "w") as f:
        f.write("\n\n".join(blocks))
    with open(f"{prefix}.gp", "w") as f:
        f.write(f"set terminal svg size 720,480\nset output '{prefix}.svg'\nset logscale xy\n"
                "set xlabel 'N (particles)'\nset ylabel 'seconds per velocity evaluation (wall)'\n"
                "set key left top\nset grid\n"
                "set title 'wpme velocity, Gaussian psi, lattice (eps = 4h in 1D, h in 2D/3D)'\n"
                "plot " + ", \\\n     ".join(plots) + "\n")


def main():
    args = sys.argv[1:]
    prefix = None
    if "--figure" in args:
        k = args.index("--figure")
        prefix = args[k + 1]
        del args[k:k + 2]
    benchmarks = []
    target = None
    for path in args:
        run = json.load(open(path))
        benchmarks += run["benchmarks"]
        target = run.get("context", {}).get("simd_target", target)
    target = target or "AVX-512 (previous kernel)"  # runs from before the per-target kernel name none
    print(f"SIMD target of the engines: {target}")
    data = {"benchmarks": benchmarks}
    rows = [b for b in data["benchmarks"] if b.get("aggregate_name", "median") == "median"
            and b.get("run_type") in ("aggregate", "iteration")]
    medians = {}
    for b in rows:
        if b.get("run_type") == "iteration" and any(r.get("aggregate_name") == "median" and
                                                    r["run_name"] == b["run_name"] for r in rows):
            continue
        medians[b["run_name"]] = b
    pairs = defaultdict(dict)
    lattice = defaultdict(dict)
    ceiling = {}
    for run_name, b in medians.items():
        m = re.match(r"BM_TileCeiling<(\d)>/(?:([A-Z]\w*)/)?(\d)/real_time/threads:(\d+)", run_name)
        if m:
            dim, tile_target, sigma_index, threads = m.groups()
            tile_target = tile_target or target  # runs of the previous kernel: its one (AVX-512) tile
            ceiling[(tile_target, int(dim), (0.1, 0.01)[int(sigma_index)], int(threads))] = b["pairs/s"]
            continue
        family, engine, dim, n, _ = parse(run_name)
        scale = TO_SECONDS[b["time_unit"]]
        wall, cpu = b["real_time"] * scale, b["cpu_time"] * scale
        if family.startswith("BM_Pairs"):
            n_real = b["N"]
            pairs[(dim, int(n_real), b["sigma"])][engine] = (n_real**2 / wall, n_real**2 / cpu)
        else:
            lattice[(dim, engine)][int(b["N"])] = wall
    print("Pair rates, uniform points in [0,1]^d (10^9 pairs/s, wall time; x = ratio to the scalar loop; "
          "per CPU-s in brackets)")
    for key in sorted(pairs):
        dim, n, sigma = key
        base = pairs[key].get("scalar loop")
        cells = []
        for engine in ENGINE_NAMES.values():
            if engine not in pairs[key]:
                continue
            wall_rate, cpu_rate = pairs[key][engine]
            ratio = f" {wall_rate / base[0]:.0f}x" if base and engine != "scalar loop" else ""
            cells.append(f"{engine} {wall_rate / 1e9:.3f}{ratio} [{cpu_rate / 1e9:.3f}]")
        print(f"  {dim}D N={n} sigma={sigma:g}: " + "; ".join(cells))
    print("Cost growth with N, lattice, eps = 4h (1D) or h (2D/3D): wall seconds per self gradient")
    for (dim, engine) in sorted(lattice):
        series = lattice[(dim, engine)]
        print(f"  {dim}D {engine}: " + ", ".join(f"N={n}: {t:.4g}" for n, t in sorted(series.items())))
    if ceiling:
        print("Ceiling: the engines' one-sided vector tile alone per SIMD target, sources in L1 (10^9 pairs/s; "
              f"1 / 2 threads), and on {target} simd one-sided at N = 1e4 as a share of the 2-thread ceiling")
        for (tile_target, dim, sigma, threads) in sorted(ceiling):
            if threads != 1:
                continue
            two = ceiling.get((tile_target, dim, sigma, 2))
            engine = pairs.get((dim, 10000, sigma), {}).get("simd one-sided") if tile_target == target else None
            share = f"; simd one-sided {engine[0] / 1e9:.3f} = {engine[0] / two:.0%}" if engine and two else ""
            print(f"  {tile_target} {dim}D sigma={sigma:g}: {ceiling[(tile_target, dim, sigma, 1)] / 1e9:.3f} / "
                  f"{two / 1e9 if two else float('nan'):.3f}{share}")
    if prefix:
        write_figure(prefix, lattice)


if __name__ == "__main__":
    main()
