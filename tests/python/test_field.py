# blobflow.VelocityField: the field a run integrates (checked through one explicit Euler step of the C++ run
# driver), minus the finite-difference gradient of its energy divided by the masses, and its input checks.
import numpy as np
import pytest

import blobflow

# One Euler step x1 = x0 + dt v(x0) in the run driver gives back v = (x1 - x0) / dt up to the rounding of x1, which
# is about 2^-53 |x1| / dt relative to |v| ~ 1: with dt = 1e-3 and |x| < 1 about 1e-13; 1e-11 leaves a margin.
EULER_STEP = 1e-3
EULER_ROUNDOFF = 1e-11
# Central differences of E with step delta: truncation delta^2 |v''| ~ delta^2 / eps^2 (1e-12 / 2e-3 = 5e-10) and
# cancellation 1e-16 E / (delta m_i) (1e-16 * 0.3 / (1e-6 / 200) = 6e-9), relative to max |v| ~ 1: 1e-7 covers both.
FD_STEP = 1e-6
FD_TOLERANCE = 1e-7


def euler_velocity(config, overrides):
    """v(x0) as the run driver's field gives it: one explicit Euler step of length EULER_STEP."""
    sets = overrides + ["integrator.method=euler", f"integrator.dt={EULER_STEP}", "output.times=[]",
                        f"problem.t_final={0.25 + EULER_STEP}"]
    r = blobflow.run(config, set=sets)
    assert r.ok and r.summary["metrics"]["steps_accepted"] == 1
    return r.particles[0], (r.particles[1] - r.particles[0]) / EULER_STEP


@pytest.mark.parametrize("config, overrides", [
    ("barenblatt-1d.toml", ["discretization.particles=200"]),
    ("barenblatt-1d.toml", ["problem.equation=pme", "problem.m=3", "discretization.particles=100"]),
    ("barenblatt-2d.toml", ["discretization.particles=144"]),
])
def test_velocity_equals_the_field_a_run_integrates(configs, config, overrides):
    path = configs / config
    field = blobflow.VelocityField.from_config(path, set=overrides)
    x0, v_run = euler_velocity(path, overrides)
    np.testing.assert_array_equal(field.x0, x0)
    v = field.velocity(x0)
    assert v.shape == x0.shape
    assert np.max(np.abs(v - v_run)) <= EULER_ROUNDOFF * np.max(np.abs(v))


def central_gradient(field, x):
    grad = np.zeros_like(x)
    for i in range(x.shape[0]):
        for k in range(x.shape[1]):
            xp, xm = x.copy(), x.copy()
            xp[i, k] += FD_STEP
            xm[i, k] -= FD_STEP
            grad[i, k] = (field.energy(xp) - field.energy(xm)) / (2 * FD_STEP)
    return grad


@pytest.mark.parametrize("equation, m, dimension, mollifier", [
    ("wpme", 2.0, 1, "gaussian"),
    ("pme", 3.0, 1, "gaussian"),
    ("wpme", 2.0, 2, "gaussian"),
    ("wpme", 2.0, 1, "laguerre4"),
])
def test_velocity_is_minus_the_energy_gradient_over_the_masses(equation, m, dimension, mollifier):
    rng = np.random.default_rng(20261205)
    n = 40
    x = rng.uniform(-0.5, 0.5, size=(n, dimension))
    masses = rng.uniform(0.5, 1.5, size=n) / n
    field = blobflow.VelocityField(equation, dimension=dimension, epsilon=0.15, masses=masses, m=m,
                                   mollifier=mollifier)
    v = field.velocity(x)
    expected = -central_gradient(field, x) / masses[:, None]
    assert np.max(np.abs(v - expected)) <= FD_TOLERANCE * np.max(np.abs(v))


def test_every_engine_gives_the_direct_sum_to_round_off():
    rng = np.random.default_rng(7)
    n = 300
    x = rng.normal(size=(n, 2)) * 0.3
    masses = np.full(n, 1.0 / n)
    direct = blobflow.VelocityField("wpme", 2, 0.05, masses, engine="direct")
    for engine in ("simd", "truncated", "truncated-simd"):
        other = blobflow.VelocityField("wpme", 2, 0.05, masses, engine=engine)
        assert other.engine == engine
        # `blobflow list engines`: each equals direct to round-off (simd and truncated-simd to <= 1e-13, their
        # polynomial exp); 1e-12 of max |v| leaves a margin for the summation order.
        assert np.max(np.abs(other.velocity(x) - direct.velocity(x))) <= 1e-12 * np.max(np.abs(direct.velocity(x)))
        assert other.energy(x) == pytest.approx(direct.energy(x), rel=1e-12)


def test_bad_inputs_are_value_errors():
    masses = np.full(10, 0.1)
    field = blobflow.VelocityField("wpme", 1, 0.1, masses)
    with pytest.raises(ValueError, match="N = 10"):
        field.velocity(np.zeros((9, 1)))
    with pytest.raises(ValueError, match="d = 1"):
        field.velocity(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="mollifier"):
        blobflow.VelocityField("wpme", 1, 0.1, masses, mollifier="gausian")
    with pytest.raises(ValueError, match="sampling.sampler"):
        blobflow.VelocityField.from_config({"sampling": {"sampler": "svgd"}})


def test_non_contiguous_and_integer_input_is_converted():
    masses = np.full(5, 0.2)
    field = blobflow.VelocityField("wpme", 1, 0.3, masses)
    x = np.linspace(-1, 1, 10)[::2].reshape(5, 1)
    assert np.array_equal(field.velocity(x), field.velocity(np.ascontiguousarray(x)))
    assert field.velocity(x.ravel()).shape == (5,)
