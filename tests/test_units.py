import math

import numpy as np
import pytest
import torch

from gsdiff.units import db_to_linear, dbm_to_w, linear_to_db, w_to_dbm


@pytest.mark.parametrize(
    ("dbm", "watts"), [(10.0, 0.01), (30.0, 1.0), (0.0, 1e-3), (-30.0, 1e-6), (40.0, 10.0)]
)
def test_dbm_to_w_hand_values(dbm, watts):
    assert dbm_to_w(dbm) == pytest.approx(watts, rel=1e-12)
    assert w_to_dbm(watts) == pytest.approx(dbm, abs=1e-12)


@pytest.mark.parametrize(
    ("db", "ratio"), [(0.0, 1.0), (10.0, 10.0), (20.0, 100.0), (-10.0, 0.1), (3.0, 1.9952623)]
)
def test_db_to_linear_hand_values(db, ratio):
    assert db_to_linear(db) == pytest.approx(ratio, rel=1e-7)
    assert linear_to_db(ratio) == pytest.approx(db, abs=1e-6)


def test_tensor_versions_match_numpy(rng):
    db = rng.uniform(-150, 50, size=(4, 5))
    t = torch.tensor(db, dtype=torch.float64)
    np.testing.assert_allclose(db_to_linear(t).numpy(), 10 ** (db / 10), rtol=1e-12)
    np.testing.assert_allclose(linear_to_db(db_to_linear(t)).numpy(), db, atol=1e-10)
    np.testing.assert_allclose(dbm_to_w(t).numpy(), 10 ** ((db - 30) / 10), rtol=1e-12)
    np.testing.assert_allclose(w_to_dbm(dbm_to_w(t)).numpy(), db, atol=1e-10)


def test_scalar_returns_python_float():
    assert isinstance(db_to_linear(3.0), float)
    assert isinstance(linear_to_db(2.0), float)
    assert linear_to_db(2.0) == pytest.approx(10 * math.log10(2.0))
