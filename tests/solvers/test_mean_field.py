"""The mean-field primal step: exact with every interferer kept, close with a few, and exact where its
approximations have nothing to leave out."""

import itertools

import pytest
import torch

from gsdiff.config import ExpertConfig, RadioConfig
from gsdiff.solvers import LevelLagrangian, MeanFieldLagrangian, make_lagrangian, run_expert
from gsdiff.wireless import ergodic_rates_exact

RADIO = RadioConfig()


def _gains(b, n, generator, weak=1.0):
    """Random gains; interferers beyond each receiver's 3 strongest scaled by ``weak``."""
    direct = 10 ** (-7 - torch.rand(b, n, generator=generator, dtype=torch.float64))
    cross = 10 ** (-8.5 - 1.5 * torch.rand(b, n, n, generator=generator, dtype=torch.float64))
    cross = cross * (1 - torch.eye(n, dtype=torch.float64))
    if weak != 1.0:
        strong = torch.zeros_like(cross, dtype=torch.bool).scatter_(1, cross.topk(3, dim=1).indices, True)
        cross = torch.where(strong, cross, weak * cross)
    return cross + torch.diag_embed(direct)


def test_every_interferer_kept_is_exact(generator):
    b, n, levels = 2, 6, 4
    gains = _gains(b, n, generator)
    dense = LevelLagrangian(gains, RADIO, levels, 48, coupling_db=-20.0)
    field = MeanFieldLagrangian(gains, RADIO, levels, 48, num_interferers=n - 1, coupling_db=-20.0)
    assert torch.equal(field.rest, torch.zeros_like(field.rest))
    level = torch.randint(0, levels, (b, n), generator=generator)
    weight = 1 + 5 * torch.rand(b, n, generator=generator, dtype=torch.float64)
    assert torch.allclose(field.rates(level), dense.rates(level), rtol=1e-12)
    assert torch.allclose(
        field.move_values(level, weight)[0], dense.move_values(level, weight)[0], atol=1e-12
    )
    assert torch.equal(field.strongest_interferer(level), dense.strongest_interferer(level))
    best = torch.rand(b, n, generator=generator, dtype=torch.float64)
    move = torch.rand(b, n, generator=generator) < 0.5
    assert torch.equal(field.rivals(best, move), dense.rivals(best, move))


def test_weak_interferers_by_their_mean_field(generator):
    """Interferers 30 dB below the three strongest (each about 0.4 x the noise at full power): rates within
    5e-4 bits/s/Hz and move values within 0.2% of exact (the mean field leaves out terms of second order in
    the weak interference, which matter most where a move lifts a receiver to a high SINR)."""
    b, n, levels = 2, 12, 5
    gains = _gains(b, n, generator, weak=1e-3)
    dense = LevelLagrangian(gains, RADIO, levels, 48)
    field = MeanFieldLagrangian(gains, RADIO, levels, 48, num_interferers=3)
    level = torch.randint(0, levels, (b, n), generator=generator)
    weight = 1 + 5 * torch.rand(b, n, generator=generator, dtype=torch.float64)
    exact = ergodic_rates_exact(gains, dense.levels_w[level], RADIO.noise_w, quadrature_nodes=48)
    assert (field.rates(level) - exact).abs().max() < 5e-4
    expected = dense.move_values(level, weight)[0]
    assert ((field.move_values(level, weight)[0] - expected).abs() <= 2e-3 * (1 + expected.abs())).all()


def test_mean_field_rates_are_the_deterministic_aggregate(generator):
    """The weak interferers enter as noise: the rates equal exact rates with them folded into sigma (to
    quadrature accuracy: the nodes follow sigma, not sigma + I_R)."""
    b, n, levels = 1, 8, 3
    gains = _gains(b, n, generator, weak=0.1)
    field = MeanFieldLagrangian(gains, RADIO, levels, 256, num_interferers=3)
    level = torch.randint(0, levels, (b, n), generator=generator)
    x = field.levels_w[level]
    for k in range(n):
        kept = torch.zeros(n, dtype=torch.bool)
        kept[field.neighbours[0, k]] = True
        kept[k] = True
        weak = (x[0] * gains[0, :, k])[~kept].sum()
        local = gains[0][kept][:, kept]  # receiver k and its exact interferers only
        rate = ergodic_rates_exact(local, x[0][kept], RADIO.noise_w + weak.item(), quadrature_nodes=256)
        position = int(kept[:k].sum())
        assert field.rates(level)[0, k] == pytest.approx(rate[position].item(), rel=1e-6, abs=1e-9)


def test_swap_is_exact_where_no_third_receiver_hears_both():
    """Three users: 1 drowns 0, and 0 disturbs nobody else, so 0's swap (0 on, 1 off) has no interaction
    at a third receiver: its value equals the exact one."""
    g = torch.tensor([[1e-7, 1e-9, 0.0], [5e-8, 1e-7, 1e-10], [1e-9, 1e-10, 1e-7]], dtype=torch.float64)[
        None
    ]  # [1, j, i]
    dense = LevelLagrangian(g, RADIO, 4, 48)
    field = MeanFieldLagrangian(g, RADIO, 4, 48, num_interferers=2)
    weight = torch.tensor([[3.0, 1.0, 2.0]], dtype=torch.float64)
    for levels in itertools.product(range(4), repeat=3):
        level = torch.tensor([levels])
        if int(field.strongest_interferer(level)[0, 0]) != 1 or levels[1] == 0:
            continue
        assert torch.allclose(field.swap_values(level, weight)[0, 0], dense.swap_values(level, weight)[0, 0])


def test_expert_with_few_exact_interferers(generator):
    """A 24-user expert with 6 exact interferers per receiver stays close to the exact one."""
    gains = _gains(2, 24, generator, weak=0.05)
    config = ExpertConfig(num_iterations=300, burn_in=100, num_samples=50)
    exact = run_expert(gains, 0.5, RADIO, config, seed=1)
    field = run_expert(gains, 0.5, RADIO, ExpertConfig(**{**config.__dict__, "interferers": 6}), seed=1)
    r_exact = ergodic_rates_exact(gains[:, None], exact.samples_w, RADIO.noise_w).mean(1)
    r_field = ergodic_rates_exact(gains[:, None], field.samples_w, RADIO.noise_w).mean(1)
    assert (r_field >= 0.5).double().mean() >= (r_exact >= 0.5).double().mean() - 0.05
    assert r_field.mean() == pytest.approx(r_exact.mean().item(), rel=0.05)
    assert isinstance(make_lagrangian(gains, RADIO, ExpertConfig(interferers=23)), LevelLagrangian)
    assert isinstance(make_lagrangian(gains, RADIO, ExpertConfig(interferers=6)), MeanFieldLagrangian)
