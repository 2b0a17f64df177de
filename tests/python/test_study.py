# blobflow.fit_rate is the report's rate fit: on a small study's records (blobflow.study, blobflow.load_study) it
# gives the slope and interval of the study's rates.csv; on an exact power law it gives the exponent.
import math
import pathlib

import numpy as np
import pandas
import pytest

import blobflow

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "python" / "examples" / "convergence.toml"


@pytest.fixture(scope="module")
def example_study(tmp_path_factory):
    directory = blobflow.study(EXAMPLE, out_dir=tmp_path_factory.mktemp("study"), threads=2)
    assert directory.n_run == 4 and directory.n_failed == 0
    return directory


def test_load_study_gives_one_row_per_run_and_output_time(example_study):
    runs, fits = blobflow.load_study(example_study)
    assert isinstance(runs, pandas.DataFrame) and isinstance(fits, pandas.DataFrame)
    assert len(runs) == 4 * 3
    assert sorted(runs["discretization.particles"].unique()) == [50, 100, 200, 400]
    assert (runs["status"] == "ok").all()
    final = runs[runs["t"] == 1.0].sort_values("particles")
    assert final["particles"].tolist() == [50, 100, 200, 400]
    assert list(fits["x"]) == [50, 100, 200, 400]


def test_fit_rate_is_the_reports_fit(example_study):
    runs, fits = blobflow.load_study(example_study)
    final = runs[runs["t"] == 1.0].sort_values("particles")
    fit = blobflow.fit_rate(final["particles"], final["w2"])
    assert fit["ok"] and fit["n_used"] == len(fits)
    # rates.csv writes the shortest text that reads back as the same double: equality, not a tolerance.
    assert fits["slope"].iloc[0] == fit["slope"]
    assert fits["slope_ci95_low"].iloc[0] == fit["ci95"][0] and fits["slope_ci95_high"].iloc[0] == fit["ci95"][1]
    assert list(fits["error"]) == final["w2"].tolist()


def test_fit_rate_recovers_an_exact_power_law_and_drops_a_pre_asymptotic_point():
    n = np.array([10.0, 20.0, 40.0, 80.0, 160.0])
    errors = 3.0 * n ** -2.0
    errors[0] = 1.0  # far above the power law: not asymptotic yet
    fit = blobflow.fit_rate(n, errors)
    assert fit["ok"] and fit["window"] == (1, 4)
    assert fit["status"][0] == "pre-asymptotic"
    assert fit["slope"] == pytest.approx(-2.0, abs=1e-12)
    assert math.exp(fit["intercept"]) == pytest.approx(3.0, rel=1e-11)
    assert fit["ci95"][0] == pytest.approx(-2.0, abs=1e-10) and fit["ci95"][1] == pytest.approx(-2.0, abs=1e-10)


def test_fit_rate_reports_what_it_cannot_fit():
    fit = blobflow.fit_rate([1.0, 2.0, 4.0], [1.0, -1.0, 0.5])
    assert not fit["ok"] and fit["message"]
