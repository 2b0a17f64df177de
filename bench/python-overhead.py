#!/usr/bin/env python3
"""The overhead of the Python module against the command line, measured side by side on one machine.

For each N, the same configuration (studies/configs/barenblatt-1d.toml with discretization.particles = N) is run
REPEATS times in each of three ways, interleaved so that a change of the machine's load hits all three alike:
  cli        the blobflow binary as a process: `blobflow run CONFIG --set ... -q -o DIR` (files written)
  py+files   blobflow.run(CONFIG, set=..., out_dir=DIR) in this process (the same files written)
  py         blobflow.run(CONFIG, set=...) in this process (no files: arrays and the summary dict only)
and the run's own time (summary.json's metrics.wall_seconds, the C++ run driver from start to summary) is kept for
each. It prints the medians, the ratios py+files / cli and py / cli, and py minus wall_seconds: the cost of the
Python layer itself (configuration, conversion of the results to NumPy arrays and dicts). It also times the
binary's start alone (`blobflow --version`) and `import blobflow` in a fresh interpreter.

Usage: PYTHONPATH=BUILD/python python3 bench/python-overhead.py BUILD/blobflow [REPEATS] [N ...]
"""
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import blobflow

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = ROOT / "studies" / "configs" / "barenblatt-1d.toml"


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def timed(f):
    start = time.perf_counter()
    value = f()
    return time.perf_counter() - start, value


def main():
    cli = pathlib.Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    sizes = [int(a) for a in sys.argv[3:]] or [50, 200, 800]
    print(f"# {cpu_name()}, {os.cpu_count()} cores, SIMD target {blobflow.simd_target()}, load average "
          f"{os.getloadavg()[0]:.2f}; {repeats} interleaved repeats; median wall seconds")
    print(f"{'N':>6} {'cli':>9} {'py+files':>9} {'py':>9} {'run':>9} {'py+files/cli':>13} {'py/cli':>7} "
          f"{'py - run':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            setting = f"discretization.particles={n}"
            times = {"cli": [], "py+files": [], "py": [], "run": []}
            for k in range(repeats):
                out = pathlib.Path(scratch) / f"n{n}-{k}"
                t, done = timed(lambda: subprocess.run([str(cli), "run", str(CONFIG), "--set", setting, "-q", "-o",
                                                        str(out / "cli")], capture_output=True))
                assert done.returncode == 0, done.stderr
                times["cli"].append(t)
                t, r = timed(lambda: blobflow.run(CONFIG, set=setting, out_dir=out / "py"))
                times["py+files"].append(t)
                t, r = timed(lambda: blobflow.run(CONFIG, set=setting))
                times["py"].append(t)
                times["run"].append(r.summary["metrics"]["wall_seconds"])
            m = {k: statistics.median(v) for k, v in times.items()}
            print(f"{n:>6} {m['cli']:>9.4f} {m['py+files']:>9.4f} {m['py']:>9.4f} {m['run']:>9.4f} "
                  f"{m['py+files'] / m['cli']:>13.3f} {m['py'] / m['cli']:>7.3f} {m['py'] - m['run']:>9.5f}")
    starts = [timed(lambda: subprocess.run([str(cli), "--version"], capture_output=True, check=True))[0]
              for _ in range(repeats)]
    print(f"# the binary's start alone (blobflow --version): {statistics.median(starts):.4f} s")
    t, _ = timed(lambda: subprocess.run([sys.executable, "-c", "import blobflow"], check=True))
    t0, _ = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    print(f"# import blobflow in a fresh interpreter: {t - t0:.3f} s beyond the interpreter's start ({t0:.3f} s)")


if __name__ == "__main__":
    main()
