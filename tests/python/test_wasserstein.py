# blobflow.wasserstein against POT (Python Optimal Transport) on random measures, against the exact W2 of a lattice
# to the uniform law, and against the W2 a run reports (the same semi-discrete solver).
import math

import numpy as np
import ot
import pytest

import blobflow

# Two exact algorithms in double precision (sorted cumulative weights here, POT's network simplex or quantile
# integration there): they agree to the rounding of sums of ~100 terms, 1e-12 relative leaves a wide margin.
EXACT_1D = 1e-12


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_1d_distances_between_random_measures_equal_pot(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=37), rng.uniform(-1, 2, size=53)
    a, b = rng.uniform(0.1, 1.0, size=37), rng.uniform(0.1, 1.0, size=53)
    an, bn = a / a.sum(), b / b.sum()
    for p in (1, 2):
        ours = blobflow.wasserstein(x, a, y, p=p, y_masses=b)
        by_quantiles = ot.wasserstein_1d(x, y, an, bn, p=p) ** (1 / p)
        by_simplex = ot.emd2(an, bn, np.abs(x[:, None] - y[None, :]) ** p) ** (1 / p)
        assert ours == pytest.approx(by_quantiles, rel=EXACT_1D)
        assert ours == pytest.approx(by_simplex, rel=EXACT_1D)
    # W-inf: the largest displacement of the monotone coupling, at least W2 and at most the spread of the points.
    winf = blobflow.wasserstein(x, a, y, p=math.inf, y_masses=b)
    assert blobflow.wasserstein(x, a, y, p=2, y_masses=b) <= winf <= max(x.max(), y.max()) - min(x.min(), y.min())


@pytest.mark.parametrize("dimension", [2, 3])
def test_w2_between_random_point_sets_equals_pot(dimension):
    rng = np.random.default_rng(11 + dimension)
    x, y = rng.normal(size=(40, dimension)), rng.uniform(-1, 1, size=(60, dimension))
    a, b = rng.uniform(0.1, 1.0, size=40), rng.uniform(0.1, 1.0, size=60)
    cost = ot.dist(x, y)  # squared Euclidean
    expected = ot.emd2(a / a.sum(), b / b.sum(), cost)
    ours = blobflow.wasserstein(x, a, y, y_masses=b)
    # blobflow's simplex rounds the weights to integers out of 2^50: W2^2 is off by at most (N + M) 2^-50 max cost
    # (analysis/wasserstein2d.hpp).
    assert abs(ours ** 2 - expected) <= (40 + 60) * 2.0 ** -50 * cost.max()


@pytest.mark.parametrize("dimension, cells", [(2, 12), (3, 5)])
def test_a_lattice_against_the_uniform_law_has_w2_of_its_cells(dimension, cells):
    # The cell centres of a k^d lattice of [0, 1]^d with equal masses: each cell carries its centre's mass, so W2^2
    # is the second moment of a cube of side h = 1/k about its centre, d h^2 / 12.
    h = 1.0 / cells
    axes = [(np.arange(cells) + 0.5) * h] * dimension
    x = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dimension)
    law = blobflow.uniform(0.0, 1.0, d=dimension)
    exact = math.sqrt(dimension * h * h / 12.0)
    assert blobflow.wasserstein(x, None, law) == pytest.approx(exact, rel=1e-12)
    solved = blobflow.semidiscrete_w2(x, None, law)
    assert solved["status"] == "converged" and solved["residual"] <= 1e-12
    assert solved["lower_bound"] <= solved["w2"] * (1 + 1e-12)


def test_the_distance_a_run_reports_is_the_one_of_its_particles(configs):
    # wpme with rhobar == 1 is d/dt rho = 1/2 Lap rho^2: its exact solution is U_2(x, t/2), the spec's D = 0.5.
    for config, overrides in (("barenblatt-1d.toml", []), ("barenblatt-2d.toml", ["discretization.particles=100"])):
        r = blobflow.run(configs / config, set=overrides)
        d = r.particles.shape[2]
        for k, t in enumerate(r.times):
            law = blobflow.barenblatt(d, 2.0, t, D=0.5)
            assert blobflow.wasserstein(r.particles[k], r.masses, law) == pytest.approx(r.metrics["w2"][k], rel=1e-12)
            assert blobflow.wasserstein(r.particles[k], r.masses, law.spec) == pytest.approx(r.metrics["w2"][k],
                                                                                             rel=1e-12)


def test_bad_arguments_are_value_errors():
    x = np.linspace(0, 1, 5)
    with pytest.raises(ValueError, match="p = 3"):
        blobflow.wasserstein(x, None, blobflow.uniform(0, 1), p=3)
    with pytest.raises(ValueError, match="masses"):
        blobflow.wasserstein(x, np.ones(4), blobflow.uniform(0, 1))
    with pytest.raises(ValueError, match="unknown law"):
        blobflow.wasserstein(x, None, "uniformly:0,1")
    with pytest.raises(ValueError, match="only W2"):
        blobflow.wasserstein(np.zeros((4, 2)), None, blobflow.gaussian(1.0, d=2), p=1)
