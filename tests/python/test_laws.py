# The exact laws: the Barenblatt profile's closed form, cdf and quantile as inverses, the Gaussian's cdf.
import math

import numpy as np
import pytest

import blobflow


def test_barenblatt_density_is_the_closed_form():
    # d = 1, m = 2: U_2(x, t) = t^-1/3 (C - k x^2 t^-2/3)_+ with alpha = beta = 1/3, k = (m - 1) beta / (2 m) = 1/12,
    # and mass 1: int (C - k y^2)_+ dy = (4/3) C^(3/2) / sqrt(k) = 1 gives C = (3 sqrt(k) / 4)^(2/3).
    k, t = 1.0 / 12.0, 0.7
    c = (3.0 * math.sqrt(k) / 4.0) ** (2.0 / 3.0)
    law = blobflow.barenblatt(1, 2.0, t)
    x = np.linspace(-3, 3, 61)
    expected = t ** (-1 / 3) * np.maximum(c - k * x ** 2 * t ** (-2 / 3), 0.0)
    np.testing.assert_allclose(law.density(x), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("law", [blobflow.barenblatt(1, 3.0, 0.5), blobflow.gaussian(0.3, mean=1.0),
                                 blobflow.uniform(-2.0, 5.0), blobflow.ball(0.5, centre=0.25)])
def test_quantile_inverts_cdf(law):
    u = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(law.cdf(law.quantile(u)), u, rtol=1e-12)


def test_gaussian_cdf_is_the_error_function():
    law = blobflow.gaussian(0.5, mean=0.2)
    x = np.linspace(-2, 2, 9)
    expected = [0.5 * (1 + math.erf((v - 0.2) / math.sqrt(2 * 0.5))) for v in x]
    # blobflow evaluates the tail by erfc, Python's math.erf here: they agree to a few units of round-off of 1.
    np.testing.assert_allclose(law.cdf(x), expected, rtol=1e-13, atol=1e-15)


def test_laws_in_2d_have_densities_but_no_quantile():
    law = blobflow.gaussian([1.0, 0.0, 0.0, 4.0], mean=[0.0, 1.0], d=2)
    assert law.dimension == 2 and not law.has_quantile
    x = np.array([[0.0, 1.0], [1.0, 1.0]])
    norm = 1.0 / (2 * math.pi * 2.0)
    np.testing.assert_allclose(law.density(x), [norm, norm * math.exp(-0.5)], rtol=1e-14)
    with pytest.raises(ValueError, match="quantile"):
        law.quantile(np.array([0.5]))
