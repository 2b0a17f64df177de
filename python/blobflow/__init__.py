"""blobflow: blob methods for the porous-medium equation and the weighted PME, from Python.

A thin layer over blobflow's C++ libraries (the module ``blobflow._core``); every number comes from the same code
the ``blobflow`` command line runs (docs/python.md):

- ``run(config)``: one simulation, as ``blobflow run`` does it; a ``Result`` with the summary, the particles at every
  output time as a NumPy array (T, N, d), the masses and the energy diagnostics.
- ``config(config)``: a validated configuration (a dict of sections, TOML text or a path).
- ``VelocityField``: the regularized velocity field and its energy on NumPy arrays.
- ``law(spec)``, ``barenblatt``, ``uniform``, ``ball``, ``gaussian``, ``mixture``: exact laws (density; cdf and
  quantile in 1D).
- ``wasserstein(x, masses, law_or_points, p=2)``: exact 1D W1, W2, W-inf; W2 in 2D/3D by semi-discrete transport
  against a law and by network simplex between point sets. ``semidiscrete_w2``: the solver's full result.
- ``fit_rate(x, errors)``: the observed order with its 95% CI on the asymptotic window, as the reports fit it.
- ``study(name_or_file)`` and ``load_study(dir)``: run a study; its records (and fits) as pandas DataFrames.

Bad configurations raise ``ConfigError`` (a ``ValueError``) with the command line's message, which names the key,
the value and the rule.
"""

import math as _math
import os as _os

import numpy as _np

from . import _core

__all__ = [
    "ConfigError", "Config", "Result", "VelocityField", "Law", "config", "builtin_config", "run", "study",
    "load_study", "law", "barenblatt", "uniform", "ball", "gaussian", "mixture", "wasserstein", "semidiscrete_w2",
    "fit_rate", "simd_target", "exact_law_help",
]

ConfigError = _core.ConfigError
Config = _core.Config
Law = _core.Law
simd_target = _core.simd_target
exact_law_help = _core.exact_law_help


def _overrides(set):
    return [] if set is None else [set] if isinstance(set, str) else list(set)


def config(config, set=None):
    """A validated ``Config`` from a dict of sections ({"problem": {"equation": "pme", ...}, ...}), TOML text, a path
    (a ``pathlib.Path``, or a one-line string naming a file or ending in ``.toml``) or a ``Config``. ``set`` holds
    ``"section.key=value"`` overrides, as ``blobflow run --set`` takes them.

    Raises ``ConfigError`` (a ``ValueError``) with the command line's message: one line per broken rule, each naming
    the key, its value and the rule."""
    return _core.config(config, _overrides(set))


def builtin_config(name):
    """The TOML text of a built-in configuration (``studies/configs/NAME.toml``, e.g. ``"barenblatt-1d"``)."""
    return _core.builtin_config(name)


class Result:
    """What ``run`` returns: one run's result.

    Attributes:
        status, message: the run status ("ok", "collapsed", or the numerical failure) and its message.
        warnings: summary.json's warnings.
        summary: summary.json as a dict (the same numbers, bit for bit).
        times: (T,) the times of ``particles``: t0, each output time reached (and where a failed run stopped).
        particles: (T, N, d) the positions at those times (N the particles at t0; NaN for a particle a drop-out,
            coverage.dropouts, has stopped).
        masses: (N,) the particle masses at t0.
        particle_masses: (T, N) the masses at each time (0 for a stopped particle).
        diagnostics: dict of (K,) arrays ``t``, ``step`` and ``energy`` (diagnostics.csv).
        metrics: dict of (T',) arrays, one per key of summary.json's metrics outputs (t, w1, w2, energy, ...; NaN
            where a metric is null).
    """

    def __init__(self, data):
        self.status = data["status"]
        self.message = data["message"]
        self.warnings = list(data["warnings"])
        self.summary = data["summary"]
        self.times = data["times"]
        self.particles = data["particles"]
        self.masses = data["masses"]
        self.particle_masses = data["particle_masses"]
        self.diagnostics = data["diagnostics"]
        outputs = self.summary["metrics"]["outputs"]
        keys = list(outputs[0]) if outputs else []
        self.metrics = {
            k: _np.array([_math.nan if o.get(k) is None else o[k] for o in outputs], dtype=float) for k in keys
        }

    @property
    def ok(self):
        """Whether the run ended successfully (status "ok" or "collapsed")."""
        return self.status in ("ok", "collapsed")

    def __repr__(self):
        t, n, d = self.particles.shape
        return f"blobflow.Result(status={self.status!r}, N={n}, d={d}, times={t})"


def run(config, set=None, out_dir=None):
    """Runs one simulation, as ``blobflow run CONFIG --set ... -o OUT_DIR`` does, and returns a ``Result``.

    ``config``: a dict of sections, TOML text, a path or a ``Config`` (see ``blobflow.config``); ``set``: overrides
    ``"section.key=value"``; ``out_dir``: when given, the run's files (summary.json, particles.csv, ...) are written
    there too. The GIL is released while the run computes, so runs on Python threads proceed in parallel.

    Raises ``ConfigError`` (a ``ValueError``) for a configuration the command line refuses, with its message. A
    numerical failure is not an exception: it is the result's ``status`` and ``message``."""
    return Result(_core.run(config, _overrides(set), "" if out_dir is None else _os.fspath(out_dir)))


class VelocityField:
    """The velocity field v_i(x) = -(1/m_i) grad_(x_i) E_eps(x) of a blob method and its regularized energy E_eps.

    ``VelocityField(equation="wpme", dimension=1, epsilon=..., masses=..., m=2.0, mollifier="gaussian",
    engine="auto", engine_accuracy=0.0)`` builds the field from the names ``blobflow list`` prints (wpme with
    rhobar == 1, or pme with exponent m); ``VelocityField.from_config(config, set=None)`` builds the field a run of
    that configuration integrates (target, potential and interaction included), with its initial particles ``x0``.

    ``velocity(x)`` and ``energy(x)`` take positions of shape (N, d) (or (N,) in 1D); a C-contiguous float64 array is
    read in place, anything else is converted once."""

    def __init__(self, equation="wpme", dimension=1, epsilon=0.1, masses=None, m=2.0, mollifier="gaussian",
                 engine="auto", engine_accuracy=0.0, _field=None):
        if _field is not None:
            self._field = _field
            return
        if masses is None:
            raise ValueError("masses: the particle masses (N,) are needed")
        self._field = _core.VelocityField(equation, dimension, epsilon, _np.ascontiguousarray(masses, dtype=float),
                                          m, mollifier, engine, engine_accuracy)

    @classmethod
    def from_config(cls, config, set=None):
        """The field of the run ``config`` (dict, TOML text, path or Config; ``set``: overrides) at its N, h and eps,
        the initial positions in ``x0``. Only the blob method with all pairs (no random batches) has such a field."""
        return cls(_field=_core.VelocityField.from_config(config, _overrides(set)))

    def velocity(self, x):
        """dx/dt at positions x, an array of the shape of x: -(1/m_i) grad_(x_i) E_eps(x)."""
        return self._field.velocity(x)

    def energy(self, x):
        """The regularized energy E_eps(x) (a float)."""
        return self._field.energy(x)

    dimension = property(lambda self: self._field.dimension, doc="d")
    masses = property(lambda self: self._field.masses, doc="(N,) the particle masses")
    epsilon = property(lambda self: self._field.epsilon, doc="the blob width eps")
    engine = property(lambda self: self._field.engine, doc="the summation engine used")
    h = property(lambda self: self._field.h, doc="the run's spacing h (from_config; else 0)")
    x0 = property(lambda self: self._field.x0, doc="(N, d) the run's initial positions (from_config; else None)")

    def __repr__(self):
        return repr(self._field)


def law(spec, d=1):
    """An exact law from a ``blobflow distance --exact`` SPEC, e.g. ``"barenblatt:t=1,m=2"``,
    ``"gaussian:cov=0.5,mean=0 1"``; ``d`` is its dimension unless the spec sets d. ``print(exact_law_help())`` lists
    the SPECs."""
    return _core.Law(spec, d)


def _numbers(values):
    return " ".join(repr(float(v)) for v in _np.atleast_1d(_np.asarray(values, dtype=float)).ravel())


def barenblatt(d, m, t, mass=1.0, D=1.0):
    """The Barenblatt profile U_m(x, D t) in R^d divided by its mass (wpme with rhobar == 1 is D = 0.5)."""
    return law(f"barenblatt:t={_numbers(t)},m={_numbers(m)},mass={_numbers(mass)},D={_numbers(D)},d={int(d)}", d)


def uniform(lo, hi, d=1):
    """The uniform law on [lo, hi]^d (lo and hi: one number, or d numbers for a box)."""
    return law(f"uniform:lo={_numbers(lo)},hi={_numbers(hi)},d={int(d)}", d)


def ball(radius, centre=None, d=1):
    """The uniform law on the ball of the given radius (and centre, d numbers; the origin by default)."""
    spec = f"ball:radius={_numbers(radius)},d={int(d)}" + ("" if centre is None else f",centre={_numbers(centre)}")
    return law(spec, d)


def gaussian(cov, mean=None, d=1):
    """N(mean, cov): cov one number (times the identity) or d^2 (row-major); mean d numbers (0 by default)."""
    spec = f"gaussian:cov={_numbers(cov)},d={int(d)}" + ("" if mean is None else f",mean={_numbers(mean)}")
    return law(spec, d)


def mixture(weights, means, cov, d=1):
    """A mixture of Gaussians sharing one covariance: k weights, k x d means, cov one number or d^2."""
    return law(f"mixture:weights={_numbers(weights)},means={_numbers(means)},cov={_numbers(cov)},d={int(d)}", d)


def wasserstein(x, masses, law_or_points, p=2, y_masses=None):
    """W_p between the particles sum_i m_i delta_(x_i) and a law or another particle set, both divided by their
    masses (``masses`` or ``y_masses`` None: equal weights).

    x: (N, d) or (N,); law_or_points: a ``Law``, a SPEC string (see ``law``) or points (M, d). In 1D, p = 1, 2 or
    inf, exact (quantile or monotone coupling). In 2D and 3D, p = 2: against a law by semi-discrete optimal transport
    (RuntimeError if it does not converge; ``semidiscrete_w2`` returns the iterate), between point sets by network
    simplex (exact; up to a few thousand points)."""
    return _core.wasserstein(x, masses, law_or_points, y_masses, p)


def semidiscrete_w2(x, masses, law, tolerance=1e-12, max_iterations=100):
    """The semi-discrete W2 solver's result as a dict: w2, residual (max_i |m_i - nu_i|), lower_bound (the dual's),
    iterations, status ("converged", ...), merged (coinciding particles merged)."""
    return _core.semidiscrete_w2(x, masses, law, tolerance, max_iterations)


def fit_rate(x, errors, expected_slope=None):
    """The observed order error ~ c x^p of a convergence study, as the study reports fit it: least squares in log-log
    coordinates on the automatically chosen asymptotic window, with the 95% confidence interval.

    x: refinement order (N increasing or h decreasing); expected_slope: used only to choose the window. Returns a
    dict: ok, message, slope, intercept, std_error, ci95 (low, high), window (first, last used index, or None), n_used,
    reference_slope, rates (pairwise), status and reasons (per point), summary, table (the text table)."""
    return _core.fit_rate(_np.asarray(x, dtype=float), _np.asarray(errors, dtype=float), expected_slope)


def study(name_or_file="default", out_dir=None, threads=0, set=None, render=False, resume=False, force=False):
    """Runs a study (a built-in name or a study file), as ``blobflow study`` does, and returns its directory.
    threads = 0: all cores; render: draw the report's figures with gnuplot; resume, force: as ``--resume`` and
    ``--force`` (a non-empty out_dir is refused without one of them). The printed summary (fitted orders) is in the
    returned object's ``text``."""
    directory, text, n_run, n_failed = _core.run_study(
        _os.fspath(name_or_file), "" if out_dir is None else _os.fspath(out_dir), threads, _overrides(set), render,
        resume, force)
    return _StudyDir(directory, text, n_run, n_failed)


class _StudyDir(str):
    """A study's directory (a str), with the summary the study printed in ``text``."""

    def __new__(cls, directory, text, n_run, n_failed):
        obj = super().__new__(cls, directory)
        obj.text, obj.n_run, obj.n_failed = text, n_run, n_failed
        return obj


def _record_rows(record):
    base = {"id": record["id"], "sweep": record.get("sweep"), "index": record.get("index"),
            "status": record["status"]}
    base.update(record.get("coords") or {})
    summary = record.get("summary")
    if not summary:
        return [base]
    resolved = summary.get("resolved", {})
    for key in ("particles", "h", "epsilon", "engine"):
        base[key] = resolved.get(key)
    base["wall_seconds"] = summary["metrics"].get("wall_seconds")
    return [{**base, "t": output["t"], **output} for output in summary["metrics"]["outputs"]]


def load_study(directory):
    """A study's records: (runs, fits). runs holds one row per run and output time (id, sweep, index, status, the
    swept keys, particles, h, epsilon, engine, wall_seconds, then t and every metric of summary.json's outputs); fits
    is the report's rates.csv (one row per fitted point, with the fitted slope and CI), or None before a report.
    Both are pandas DataFrames when pandas is importable, else lists of dicts."""
    rows = [row for record in _core.read_run_records(_os.path.join(directory, "runs.jsonl"))
            for row in _record_rows(record)]
    rates = _os.path.join(directory, "rates.csv")
    try:
        import pandas
    except ImportError:
        fits = None
        if _os.path.exists(rates):
            import csv
            with open(rates, newline="") as f:
                fits = list(csv.DictReader(f))
        return rows, fits
    return pandas.DataFrame(rows), pandas.read_csv(rates, float_precision="round_trip") if _os.path.exists(rates) else None
