#!/usr/bin/env python3
"""Two builds of bench_engines side by side: runs them alternately (ROUNDS times each, so that machine load hits
both alike) with the same benchmark filter, and prints per benchmark the median over rounds of each build's rate and
their ratio NEW / OLD, by wall time and by CPU time of the whole process (pairs per CPU-second, less sensitive to a
shared machine). Benchmark names are matched after dropping a SIMD target from BM_TileCeiling<d>/TARGET/..., so a
build with per-target tile ceilings compares with one without. Environment variables given as NAME=VALUE after the
filter apply to the NEW build only (e.g. BLOBFLOW_SIMD_TARGET=AVX3 to measure that target).
Usage: alternate-builds.py OLD_BINARY NEW_BINARY ROUNDS FILTER [NAME=VALUE ...] [--json-prefix PREFIX]
  e.g. bench/alternate-builds.py /tmp/old/bench_engines build/bench/bench_engines 3 \\
       'BM_Pairs<(SimdOneSided|SimdSum|TruncatedSimdSum), [12]>/10000/|TileCeiling<.>/(AVX3_DL/)?[01]/.*threads:1'
"""
import json
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict


def run(binary, benchmark_filter, env, out):
    subprocess.run([binary, f"--benchmark_filter={benchmark_filter}", f"--benchmark_out={out}",
                    "--benchmark_out_format=json"], check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    result = json.load(open(out))
    rates = {}
    for b in result["benchmarks"]:
        name = re.sub(r"^(BM_TileCeiling<\d>)/[A-Z][A-Z0-9_]*/", r"\1/", b["name"])
        if "pairs/s" in b:
            # pairs/s is per wall second; the CPU-time rate scales it by wall / CPU (process time for BM_Pairs).
            wall = b["pairs/s"]
            cpu = wall * b["real_time"] / b["cpu_time"] if b["cpu_time"] > 0 else float("nan")
            rates[name] = (wall, cpu)
    return rates, result.get("context", {}).get("simd_target", "(intrinsics build)")


def main():
    args = sys.argv[1:]
    prefix = None
    if "--json-prefix" in args:
        k = args.index("--json-prefix")
        prefix = args[k + 1]
        del args[k:k + 2]
    old, new, rounds, benchmark_filter = args[0], args[1], int(args[2]), args[3]
    new_env = dict(os.environ)
    for assignment in args[4:]:
        key, value = assignment.split("=", 1)
        new_env[key] = value
    samples = defaultdict(lambda: {"old": [], "new": []})
    target = None
    for r in range(rounds):
        for label, binary, env in (("old", old, dict(os.environ)), ("new", new, new_env)):
            out = f"{prefix}-{label}-{r + 1}.json" if prefix else f"/tmp/alternate-{os.getpid()}-{label}.json"
            rates, run_target = run(binary, benchmark_filter, env, out)
            if label == "new":
                target = run_target
            for name, rate in rates.items():
                samples[name][label].append(rate)
    print(f"{rounds} alternating rounds; NEW runs on {target}; rates in 1e9 pairs/s (median of rounds), "
          "ratio NEW / OLD by wall time and by CPU time")
    for name in sorted(samples):
        s = samples[name]
        if not s["old"] or not s["new"]:
            continue
        ow, oc = (statistics.median(x[i] for x in s["old"]) for i in (0, 1))
        nw, nc = (statistics.median(x[i] for x in s["new"]) for i in (0, 1))
        print(f"  {name}: old {ow / 1e9:.3f} [{oc / 1e9:.3f}], new {nw / 1e9:.3f} [{nc / 1e9:.3f}], "
              f"ratio {nw / ow:.2f} [{nc / oc:.2f}]")


if __name__ == "__main__":
    main()
