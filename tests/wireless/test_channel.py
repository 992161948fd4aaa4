import math

import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig
from gsdiff.wireless.channel import drop_networks, path_loss_db


def np_path_loss(d: np.ndarray) -> np.ndarray:
    d = np.maximum(d, 1.0)
    return np.where(d <= 100, 39 + 20 * np.log10(d), 79 + 40 * np.log10(d / 100))


def np_distances(tx: np.ndarray, rx: np.ndarray) -> np.ndarray:
    """[B, N, N] (j, i): |tx_j - rx_i| by explicit loops."""
    b, n, _ = tx.shape
    out = np.zeros((b, n, n))
    for k in range(b):
        for j in range(n):
            for i in range(n):
                out[k, j, i] = math.hypot(*(tx[k, j] - rx[k, i]))
    return out


@pytest.mark.parametrize(
    ("d", "pl"),
    [
        (1.0, 39.0),
        (10.0, 59.0),
        (20.0, 39 + 20 * math.log10(20)),  # 65.02
        (50.0, 72.9794),
        (100.0, 79.0),
        (200.0, 79 + 40 * math.log10(2)),  # 91.04
        (1000.0, 119.0),
        (5800.0, 79 + 40 * math.log10(58)),
        (0.5, 39.0),  # clamped to 1 m
        (0.0, 39.0),
    ],
)
def test_path_loss_hand_values(d, pl):
    assert path_loss_db(torch.tensor(d, dtype=torch.float64)).item() == pytest.approx(pl, abs=1e-4)


def test_path_loss_continuous_and_monotone():
    eps = 1e-9
    below = path_loss_db(torch.tensor(100 - eps, dtype=torch.float64)).item()
    above = path_loss_db(torch.tensor(100 + eps, dtype=torch.float64)).item()
    assert abs(above - below) < 1e-6
    d = torch.logspace(0, 4, 1000, dtype=torch.float64)
    pl = path_loss_db(d)
    assert bool((pl.diff() > 0).all())
    np.testing.assert_allclose(pl.numpy(), np_path_loss(d.numpy()), atol=1e-10)


def test_drop_shapes_and_square(seed):
    config = DropConfig(num_pairs=15, density_per_km2=10.1)
    nets = drop_networks(3, config, seed=seed)
    assert nets.tx_pos_m.shape == nets.rx_pos_m.shape == (3, 15, 2)
    assert nets.distance_m.shape == nets.gains.shape == (3, 15, 15)
    assert nets.gains.dtype == torch.float32
    assert nets.num_networks == 3 and nets.num_pairs == 15
    assert nets.side_m == pytest.approx(math.sqrt(15 / 10.1) * 1000)
    for pos in (nets.tx_pos_m, nets.rx_pos_m):
        assert bool((pos >= 0).all()) and bool((pos <= nets.side_m).all())
    assert bool((nets.gains > 0).all()) and bool(torch.isfinite(nets.gains).all())


def test_min_tx_spacing(seed):
    config = DropConfig(num_pairs=30, density_per_km2=60.0)  # dense: many redraws needed
    tx = drop_networks(4, config, seed=seed, dtype=torch.float64).tx_pos_m.numpy()
    d = np.linalg.norm(tx[:, :, None] - tx[:, None], axis=-1)
    d[:, np.arange(30), np.arange(30)] = np.inf
    assert d.min() >= 50.0


def test_receiver_link_distance(seed):
    # A sparse drop (a big square), so that few receivers are clipped; clipping can only shorten a link.
    config = DropConfig(num_pairs=20, density_per_km2=1.0)
    nets = drop_networks(60, config, seed=seed, dtype=torch.float64)
    tx, rx = nets.tx_pos_m.numpy(), nets.rx_pos_m.numpy()
    link = np.linalg.norm(rx - tx, axis=-1)
    assert link.max() <= 100.0 + 1e-9
    inside = ((rx > 0) & (rx < nets.side_m)).all(-1)
    assert inside.mean() > 0.9
    assert link[inside].min() >= 20.0 - 1e-9
    # d^2 ~ U(20^2, 100^2): mean 5200, std 9600 / sqrt(12).
    d2 = link[inside] ** 2
    assert abs(d2.mean() - 5200) < 5 * 9600 / math.sqrt(12) / math.sqrt(d2.size)
    np.testing.assert_allclose(np.quantile(d2, [0.25, 0.5, 0.75]), [2800, 5200, 7600], atol=400)


def test_distance_and_gains_follow_the_convention(seed):
    """gains[b, j, i] is tx j -> rx i: checked against distances computed here from the positions."""
    config = DropConfig(num_pairs=8, density_per_km2=10.1, shadowing_std_db=0.0)
    nets = drop_networks(2, config, seed=seed, dtype=torch.float64)
    d = np_distances(nets.tx_pos_m.numpy(), nets.rx_pos_m.numpy())
    np.testing.assert_allclose(nets.distance_m.numpy(), d, rtol=1e-12, atol=1e-9)
    assert not np.allclose(d, d.transpose(0, 2, 1))  # not symmetric: the direction matters
    np.testing.assert_allclose(nets.gains.numpy(), 10 ** (-np_path_loss(d) / 10), rtol=1e-10)
    # The direct links (diagonal) are the rx-to-own-tx distances.
    np.testing.assert_allclose(
        np.diagonal(d, axis1=1, axis2=2),
        np.linalg.norm(nets.rx_pos_m.numpy() - nets.tx_pos_m.numpy(), axis=-1),
    )


def test_float32_distances_accurate(seed):
    config = DropConfig(num_pairs=10, density_per_km2=6.6)
    nets = drop_networks(2, config, seed=seed)
    d = np_distances(nets.tx_pos_m.double().numpy(), nets.rx_pos_m.double().numpy())
    np.testing.assert_allclose(nets.distance_m.numpy(), d, atol=2e-3)


def test_shadowing_statistics(seed):
    config = DropConfig(num_pairs=30, density_per_km2=10.1)
    nets = drop_networks(10, config, seed=seed, dtype=torch.float64)
    shadow = 10 * np.log10(1 / nets.gains.numpy()) - np_path_loss(nets.distance_m.numpy())
    n = shadow.size  # 9000 links
    assert abs(shadow.mean()) < 4 * 7 / math.sqrt(n)
    assert shadow.std() == pytest.approx(7.0, rel=0.04)
    # Independent across links: direct and reverse links are uncorrelated.
    s_ji, s_ij = shadow, shadow.transpose(0, 2, 1)
    off = ~np.eye(30, dtype=bool)[None].repeat(10, 0)
    assert abs(np.corrcoef(s_ji[off], s_ij[off])[0, 1]) < 0.1


def test_seeded_determinism(seed):
    config = DropConfig(num_pairs=10, density_per_km2=10.1)
    a = drop_networks(2, config, seed=seed)
    b = drop_networks(2, config, seed=seed)
    c = drop_networks(2, config, seed=seed + 1)
    d = drop_networks(2, config, generator=torch.Generator().manual_seed(seed))
    for name in ("tx_pos_m", "rx_pos_m", "distance_m", "gains"):
        assert torch.equal(getattr(a, name), getattr(b, name))
        assert torch.equal(getattr(a, name), getattr(d, name))
        assert not torch.equal(getattr(a, name), getattr(c, name))


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_bad_num_networks(bad):
    with pytest.raises(ValueError, match=rf"num_networks must be an integer >= 1, got {bad!r}"):
        drop_networks(bad, DropConfig(num_pairs=4))


def test_drop_at_densities_is_one_seeded_drop_per_density():
    from gsdiff.wireless import drop_at_densities

    gains = drop_at_densities(2, 5, (8.2, 11.9), seed=3)
    assert gains.shape == (4, 5, 5)
    for k, density in enumerate((8.2, 11.9)):  # density k's seed: 1000 x 3 + 500 + k
        alone = drop_networks(2, DropConfig(num_pairs=5, density_per_km2=density), seed=3500 + k).gains
        assert torch.equal(gains[2 * k : 2 * k + 2], alone)
    # each density has its own layouts, not the same ones rescaled
    same = drop_at_densities(1, 5, (8.2, 8.2), seed=3)
    assert not torch.allclose(same[0], same[1])


def _sequential_greedy(gains: np.ndarray) -> list[int]:
    """The greedy matching by its definition: the strongest remaining link of free ends, one at a time."""
    n = gains.shape[0]
    served, tx_done, rx_done = [-1] * n, set(), set()
    for k in np.argsort(-gains, axis=None):
        j, i = divmod(int(k), n)
        if j not in tx_done and i not in rx_done:
            served[j] = i
            tx_done.add(j)
            rx_done.add(i)
    return served


@pytest.mark.parametrize("n", [2, 7, 40])
def test_strongest_pairing_is_the_sequential_greedy_matching(n):
    from gsdiff.wireless.channel import strongest_pairing

    gains = torch.rand(5, n, n, generator=torch.Generator().manual_seed(n), dtype=torch.float64)
    served = strongest_pairing(gains)
    assert sorted(served[0].tolist()) == list(range(n))  # a permutation
    for b in range(5):
        assert served[b].tolist() == _sequential_greedy(gains[b].numpy())


def test_strongest_pairing_re_pairs_receivers_and_keeps_the_drop():
    from gsdiff.wireless.channel import stronger_interferer_share, strongest_pairing

    dropped = drop_networks(6, DropConfig(num_pairs=30, density_per_km2=10.1), seed=4)
    paired = drop_networks(6, DropConfig(num_pairs=30, density_per_km2=10.1, pairing="strongest"), seed=4)
    served = strongest_pairing(dropped.gains)
    rows = torch.arange(6)[:, None]
    assert torch.equal(paired.tx_pos_m, dropped.tx_pos_m)
    assert torch.equal(paired.rx_pos_m, dropped.rx_pos_m[rows, served])  # receiver served[j] is pair j's now
    assert torch.equal(
        paired.gains, dropped.gains[rows[:, :, None], torch.arange(30)[None, :, None], served[:, None]]
    )
    assert torch.equal(paired.distance_m, dropped.distance_m.gather(2, served[:, None, :].expand(-1, 30, -1)))
    assert stronger_interferer_share(paired.gains) < stronger_interferer_share(dropped.gains)
    by_hand = torch.tensor([[[1.0, 3.0], [2.0, 0.5]]])  # receiver 0 hears tx 1 best, receiver 1 tx 0
    assert stronger_interferer_share(by_hand) == 1.0
    with pytest.raises(ValueError, match="pairing must be one of 'as_dropped', 'strongest'; got 'best'"):
        DropConfig(pairing="best")
