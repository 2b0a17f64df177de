# blobflow.run against the command line: the same summary.json numbers, particles and diagnostics, bit for bit; the
# command line's configuration errors as ValueError; the GIL released while a run computes.
import csv
import json
import subprocess
import threading

import numpy as np
import pytest

import blobflow

# Keys of summary.json that differ between two runs of the same configuration: when and how long it ran, and the git
# revision recorded at build time (a build of the module alone after a commit leaves the binary's older one).
VOLATILE = {("manifest", "start_time"), ("manifest", "end_time"), ("metrics", "wall_seconds"),
            ("manifest", "git_revision")}


def strip_volatile(summary):
    out = json.loads(json.dumps(summary))
    for section, key in VOLATILE:
        out[section].pop(key)
    return out


def run_cli(cli, config, out_dir, *sets):
    args = [str(cli), "run", str(config), "-o", str(out_dir), "-q"]
    for s in sets:
        args += ["--set", s]
    return subprocess.run(args, capture_output=True, text=True)


def test_run_reproduces_the_command_line_bit_for_bit(cli, configs, tmp_path):
    config = configs / "barenblatt-1d.toml"
    assert run_cli(cli, config, tmp_path).returncode == 0
    with open(tmp_path / "summary.json") as f:
        expected = json.load(f)
    result = blobflow.run(config)
    # Every number of summary.json (metrics at every output time, resolved N, h, eps, totals) is equal as a float:
    # == on the parsed JSON, no tolerance.
    assert strip_volatile(result.summary) == strip_volatile(expected)
    assert result.summary["metrics"]["outputs"] == expected["metrics"]["outputs"]
    assert result.status == expected["status"] == "ok"
    w2 = [o["w2"] for o in expected["metrics"]["outputs"]]
    assert result.metrics["w2"].tolist() == w2

    # particles.csv and diagnostics.csv hold 17 significant digits, which give back every double exactly.
    with open(tmp_path / "particles.csv") as f:
        rows = list(csv.DictReader(f))
    t, n, d = result.particles.shape
    assert (t, n, d) == (3, 200, 1)
    assert [float(r["x1"]) for r in rows] == result.particles.ravel().tolist()
    assert [float(r["mass"]) for r in rows[:n]] == result.masses.tolist()
    assert sorted({float(r["t"]) for r in rows}) == result.times.tolist() == [0.25, 0.5, 1.0]
    with open(tmp_path / "diagnostics.csv") as f:
        diagnostics = list(csv.DictReader(f))
    assert [float(r["energy"]) for r in diagnostics] == result.diagnostics["energy"].tolist()
    assert [int(r["step"]) for r in diagnostics] == result.diagnostics["step"].tolist()


def test_every_way_of_giving_a_config_is_the_same_run(configs):
    path = configs / "barenblatt-1d.toml"
    text = path.read_text()
    as_dict = blobflow.config(path).to_dict()
    runs = [blobflow.run(c, set="discretization.particles=50") for c in (path, str(path), text, as_dict)]
    for r in runs[1:]:
        assert strip_volatile(r.summary) == strip_volatile(runs[0].summary)
    assert runs[0].particles.shape == (3, 50, 1)


def test_a_2d_run_gives_particles_of_shape_t_n_2(configs):
    r = blobflow.run(configs / "barenblatt-2d.toml", set=["discretization.particles=64", "output.times=[]"])
    # d > 1 places the lattice nearest to the N asked for: the run reports the N it used.
    n = r.summary["resolved"]["particles"]
    assert r.particles.shape == (2, n, 2) and r.masses.shape == (n,)
    assert abs(n - 64) < 16
    assert r.masses.sum() == pytest.approx(1.0, rel=1e-12)


def cli_message(cli, config, tmp_path, *sets):
    done = run_cli(cli, config, tmp_path / "cli", *sets)
    assert done.returncode == 2
    assert done.stderr.startswith("blobflow: ")
    return done.stderr[len("blobflow: "):].rstrip("\n")


@pytest.mark.parametrize("assignment, key", [
    ("discretization.particles=1", "discretization.particles"),
    ("integrator.method=rk5", "integrator.method"),
    ("problem.dimenson=2", "problem.dimenson"),
    ("problem.t_final=0.1", "problem.t_final"),
])
def test_configuration_errors_are_value_errors_with_the_command_line_message(cli, configs, tmp_path, assignment,
                                                                             key):
    config = configs / "barenblatt-1d.toml"
    expected = cli_message(cli, config, tmp_path, assignment)
    with pytest.raises(ValueError) as error:
        blobflow.run(config, set=assignment)
    assert isinstance(error.value, blobflow.ConfigError)
    assert str(error.value) == expected
    assert key in str(error.value)


def test_a_dict_with_a_bad_value_names_its_key():
    with pytest.raises(ValueError, match=r"discretization\.particles = 1: must be >= 2"):
        blobflow.run({"discretization": {"particles": 1}})
    with pytest.raises(ValueError, match=r"discretization\.epsilon"):
        blobflow.run({"discretization": {"epsilon": None}})
    with pytest.raises(ValueError, match=r"problem\.dimension"):
        blobflow.run({"problem": {"dimension": "two"}})
    with pytest.raises(ValueError, match=r"discretisation"):
        blobflow.run({"discretisation": {"particles": 100}})


def test_a_missing_file_is_a_value_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match="nowhere.toml"):
        blobflow.run(str(tmp_path / "nowhere.toml"))


def test_the_gil_is_released_while_a_run_computes(configs):
    # While the run computes on another thread, this thread keeps running Python: it counts while the run lasts.
    # With the GIL held for the whole run the count could not advance past the few switches before the run starts.
    config = blobflow.config(configs / "barenblatt-1d.toml", set="discretization.particles=1500")
    done = threading.Event()
    result = {}

    def work():
        result["run"] = blobflow.run(config)
        done.set()

    thread = threading.Thread(target=work)
    thread.start()
    ticks_while_running = 0
    while not done.is_set():
        ticks_while_running += 1
        done.wait(0.001)
    thread.join()
    assert result["run"].ok
    assert ticks_while_running > 20


def test_a_run_with_drop_outs_keeps_every_particle_in_its_row(cli, configs, tmp_path):
    # coverage-2d stops a quarter of the agents at t = 2: their rows become NaN with mass 0 from the next output time
    # on, and the rows of the others are particles.csv's rows of their ids.
    config = configs / "coverage-2d.toml"
    sets = ["problem.t_final=2.2", "output.times=[1.0, 2.05]"]
    assert run_cli(cli, config, tmp_path, *sets).returncode == 0
    r = blobflow.run(config, set=sets)
    # particles.csv's times: t0, the output time 1, the drop-out time 2 (before it), then 2.05 and t_final.
    assert r.times.tolist() == [0.0, 1.0, 2.0, 2.05, 2.2]
    assert r.particles.shape == (5, 64, 2)
    stopped = np.isnan(r.particles[:, :, 0])
    assert stopped.sum(axis=1).tolist() == [0, 0, 0, 16, 16] and (stopped[3] == stopped[4]).all()
    assert (r.particle_masses[stopped] == 0).all() and (r.particle_masses[~stopped] > 0).all()
    with open(tmp_path / "particles.csv") as f:
        rows = list(csv.DictReader(f))
    for k, time in enumerate(r.times):
        at = [row for row in rows if float(row["t"]) == time]
        assert sorted(int(row["i"]) for row in at) == np.flatnonzero(~stopped[k]).tolist()
        for row in at:
            i = int(row["i"])
            assert [float(row["x1"]), float(row["x2"])] == r.particles[k, i].tolist()
            assert float(row["mass"]) == r.particle_masses[k, i]
