import math

import pytest
import torch

from gsdiff.checks import check_allocations, check_f_min, check_gains, check_int_at_least, check_positive


@pytest.mark.parametrize("value", [1, 0.5, 1e-9, 1e9])
def test_check_positive_accepts(value):
    check_positive("x", value)


@pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf, "3", None])
def test_check_positive_rejects(value):
    with pytest.raises(ValueError, match=rf"density_per_km2 must be a finite number > 0, got {value!r}"):
        check_positive("density_per_km2", value)


def test_check_int_at_least():
    check_int_at_least("num_pairs", 2, 2)
    for bad in (1, 2.0, True, "2", -5):
        with pytest.raises(ValueError, match=rf"num_pairs must be an integer >= 2, got {bad!r}"):
            check_int_at_least("num_pairs", bad, 2)


def test_check_f_min():
    check_f_min(0.0)
    check_f_min(0.6)
    check_f_min(torch.tensor([0.0, 0.5]))
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0 bits/s/Hz, got -0.1"):
        check_f_min(-0.1)
    with pytest.raises(ValueError, match=r"f_min.*got nan"):
        check_f_min(math.nan)
    with pytest.raises(ValueError, match=r"f_min.*array with min -2"):
        check_f_min(torch.tensor([0.5, -2.0]))


def test_check_gains_accepts_batches():
    check_gains(torch.rand(3, 4, 4))
    check_gains(torch.rand(2, 2, dtype=torch.float64))
    check_gains(torch.zeros(1, 2, 2))  # zero gains are valid powers


@pytest.mark.parametrize(
    ("gains", "pattern"),
    [
        (torch.ones(3, 3, dtype=torch.int64), r"gains must be a floating-point tensor.*got Tensor"),
        ([[1.0, 0.0], [0.0, 1.0]], r"gains must be a floating-point tensor.*got list"),
        (torch.rand(3, 4), r"gains must have shape \[..., N, N\] with N >= 2, got \(3, 4\)"),
        (torch.rand(1, 1), r"N >= 2, got \(1, 1\)"),
        (torch.rand(5), r"got \(5,\)"),
        (torch.zeros(0, 3, 3), r"gains must hold at least one network, got shape \(0, 3, 3\)"),
        (torch.tensor([[1.0, math.nan], [0.0, math.inf]]), r"gains must be finite, got 2 NaN/inf entries"),
        (torch.tensor([[1.0, -0.5], [0.0, 1.0]]), r"gains must be >= 0 \(powers in W\), got minimum -0.5"),
    ],
)
def test_check_gains_rejects(gains, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_gains(gains)


def test_check_gains_uses_given_name():
    with pytest.raises(ValueError, match=r"^gains in net.npz must be >= 0"):
        check_gains(-torch.ones(2, 2), name="gains in net.npz")


def test_check_allocations():
    check_allocations(torch.full((2, 3, 4), 0.01), 4, 0.01)
    check_allocations(torch.full((4,), 0.01 * (1 + 1e-7)), 4, 0.01)  # float tolerance
    check_allocations(torch.zeros(2, 4), 4, 0.01)


@pytest.mark.parametrize(
    ("power", "pattern"),
    [
        (torch.ones(2, 4, dtype=torch.int32), r"power_w must be a floating-point tensor"),
        (torch.zeros(2, 3), r"power_w must have last dimension N = 4 .*got shape \(2, 3\)"),
        (torch.zeros(2, 0, 4), r"power_w must hold at least one allocation, got shape \(2, 0, 4\)"),
        (torch.tensor([0.0, math.nan, 0.0, 0.0]), r"power_w must be finite"),
        (
            torch.tensor([0.0, 0.02, 0.0, 0.0]),
            r"power_w must lie in \[0, P_max = 0.01 W\], got values in \[0, 0.02\]",
        ),
        (torch.tensor([-0.001, 0.0, 0.0, 0.0]), r"power_w must lie in .*got values in \[-0.001, 0\]"),
    ],
)
def test_check_allocations_rejects(power, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_allocations(power, 4, 0.01)


def test_check_choice_names_the_parameter_and_the_choices():
    from gsdiff.checks import check_choice

    check_choice("fading", "iid", ("iid", "jakes"))
    with pytest.raises(ValueError, match=r"^fading must be one of 'iid', 'jakes'; got 'rician'$"):
        check_choice("fading", "rician", ("iid", "jakes"))
    with pytest.raises(ValueError, match="got True"):  # a bool is never a choice, even where 1 would be
        check_choice("levels", True, (1, 2))
