#!/usr/bin/env python3
"""A convergence study from Python: runs the study convergence.toml (W2 at T = 1 of the 1D Barenblatt problem
against N = 50..400), loads its records as pandas DataFrames, fits the observed order as the report does and draws
W2 against N with the fitted line (matplotlib, Agg backend: no display needed).

Usage: python3 python/examples/convergence.py [OUT_DIR]        (default out/python-example)
With the module from a build tree: PYTHONPATH=build/release/python python3 python/examples/convergence.py
"""
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402

import blobflow  # noqa: E402


def main(out_dir):
    study_file = pathlib.Path(__file__).with_name("convergence.toml")
    directory = blobflow.study(study_file, out_dir=out_dir)
    runs, _ = blobflow.load_study(directory)
    final = runs[runs["t"] == runs["t"].max()].sort_values("particles")
    n, w2 = final["particles"].to_numpy(float), final["w2"].to_numpy(float)

    fit = blobflow.fit_rate(n, w2)
    print(fit["table"], end="")
    low, high = fit["ci95"]
    label = f"fit: slope {fit['slope']:.3f} (95% CI {low:.3f} to {high:.3f})"

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.loglog(n, w2, "o", label="W2 at T = 1")
    ax.loglog(n, np.exp(fit["intercept"]) * n ** fit["slope"], "-", label=label)
    ax.loglog(n, w2[0] * (n / n[0]) ** -1.0, ":", color="gray", label="slope -1")
    ax.set_xlabel("N (particles)")
    ax.set_ylabel("W2 to the Barenblatt solution")
    ax.set_title("1D Barenblatt, wpme, Gaussian blobs")
    ax.legend(loc="upper right", fontsize="small")
    figure = pathlib.Path(directory) / "convergence.png"
    fig.tight_layout()
    fig.savefig(figure, dpi=120)
    print(f"figure: {figure}")
    return fit


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/python-example")
