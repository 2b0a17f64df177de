# The example python/examples/convergence.py runs its study, fits the order and writes its figure.
import importlib.util
import pathlib

import blobflow

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "python" / "examples" / "convergence.py"


def test_the_example_writes_its_figure(tmp_path):
    spec = importlib.util.spec_from_file_location("convergence_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    fit = example.main(tmp_path / "study")
    assert (tmp_path / "study" / "convergence.png").stat().st_size > 10000
    # W2 of the Gaussian blob method decreases like N^-1 here: the interval lies on the decreasing side.
    assert fit["ok"] and fit["ci95"][1] < -0.5
    runs, _ = blobflow.load_study(tmp_path / "study")
    assert len(runs) == 12
