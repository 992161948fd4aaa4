"""Tests for gsdiff.viz.network: what the network maps, the path-loss figure and the channel graph show."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig, GraphConfig, RadioConfig
from gsdiff.graph import edge_weights, node_conditions
from gsdiff.viz import (
    allocation_map_figure,
    channel_graph_figure,
    network_map,
    path_loss_figure,
    ugnn_levels_figure,
)
from gsdiff.wireless import drop_networks, path_loss_db


def _nets(n: int = 6, b: int = 2, density: float = 10.0):
    return drop_networks(b, DropConfig(num_pairs=n, density_per_km2=density), seed=0)


def _points(trace) -> np.ndarray:
    """The (x, y) points of a trace [K, 2], without the None breaks between segments."""
    xy = [(x, y) for x, y in zip(trace.x, trace.y, strict=True) if x is not None]
    return np.array(xy, dtype=np.float64).reshape(-1, 2)


def _index_of(point: np.ndarray, positions: np.ndarray) -> int:
    """The row of ``positions`` [N, 2] at ``point`` (exactly one)."""
    hits = np.nonzero(np.isclose(positions, point, rtol=0, atol=1e-6).all(1))[0]
    assert len(hits) == 1, point
    return int(hits[0])


def _link_pairs(trace, tx: np.ndarray, rx: np.ndarray) -> list[tuple[int, int]]:
    """The (tx j, rx i) pair of every segment of a links trace (segments are x0, x1, None)."""
    assert len(trace.x) % 3 == 0 and all(v is None for v in trace.x[2::3])
    pts = _points(trace)
    return [(_index_of(pts[k], tx), _index_of(pts[k + 1], rx)) for k in range(0, len(pts), 2)]


def _visible(fig, step) -> list:
    return [t for t, shown in zip(fig.data, step["args"][0]["visible"], strict=True) if shown]


def _mask(step) -> list[bool]:
    return list(step["args"][0]["visible"])


# network_map


@pytest.fixture(scope="module")
def two_densities():
    return {"sparse": _nets(density=6.6), "dense": _nets(density=11.9)}


def test_network_map_each_button_shows_exactly_its_network(two_densities) -> None:
    fig = network_map(two_densities)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["sparse", "dense"]
    nets = list(two_densities.values())
    for button, net in zip(buttons, nets, strict=True):
        tx, rx = net.tx_pos_m[0].double().numpy(), net.rx_pos_m[0].double().numpy()
        own = np.concatenate([tx, rx, (tx + rx) / 2])
        mask = _mask(button)
        assert len(mask) == len(fig.data)
        for trace, shown in zip(fig.data, mask, strict=True):
            pts = _points(trace)
            mine = [np.isclose(own, p, rtol=0, atol=1e-3).all(1).any() for p in pts]
            assert all(mine) if shown else not any(mine)  # every point of a shown trace is this network's
        shown = _visible(fig, button)
        (transmitters,) = [t for t in shown if t.name == "transmitter"]
        (receivers,) = [t for t in shown if t.name == "receiver"]
        np.testing.assert_allclose(np.c_[transmitters.x, transmitters.y], tx, atol=1e-6)
        np.testing.assert_allclose(np.c_[receivers.x, receivers.y], rx, atol=1e-6)
        assert button.args[1] == {"xaxis.range": [0, net.side_m], "yaxis.range": [0, net.side_m]}
        assert sum(mask) == len(fig.data) // len(nets)  # the same layers for every network
    assert nets[0].side_m != nets[1].side_m
    assert [t.visible for t in fig.data] == _mask(buttons[0])  # starts on the first network
    assert list(fig.layout.xaxis.range) == [0, nets[0].side_m] == list(fig.layout.yaxis.range)


def test_network_map_draws_the_chosen_network_of_the_batch(two_densities) -> None:
    net = two_densities["dense"]
    fig = network_map({"dense": net}, index=1)
    (transmitters,) = [t for t in fig.data if t.name == "transmitter"]
    np.testing.assert_allclose(np.c_[transmitters.x, transmitters.y], net.tx_pos_m[1].numpy(), atol=1e-6)
    assert not np.allclose(net.tx_pos_m[0].numpy(), net.tx_pos_m[1].numpy())


def test_network_map_links_direct_gains_and_strongest_interferers() -> None:
    net = _nets(n=7, b=1)
    num_interferers = 2
    fig = network_map({"one": net}, num_interferers=num_interferers)
    tx, rx = net.tx_pos_m[0].double().numpy(), net.rx_pos_m[0].double().numpy()
    g = net.gains[0].double().numpy()  # (j, i)
    n = len(tx)

    (interference,) = [t for t in fig.data if t.name == f"{num_interferers} strongest interferers per rx"]
    expected = set()
    for i in range(n):
        others = sorted((j for j in range(n) if j != i), key=lambda j: -g[j, i])
        expected |= {(j, i) for j in others[:num_interferers]}
    pairs = _link_pairs(interference, tx, rx)
    assert len(pairs) == n * num_interferers and set(pairs) == expected

    # the direct links, binned by gain (thick unnamed traces): every pair exactly once, bins by rising gain
    bins = [t for t in fig.data if t.name is None and t.line.width == 3]
    per_bin = [[j for j, i in _link_pairs(t, tx, rx) if j == i] for t in bins]
    assert [len(_link_pairs(t, tx, rx)) for t in bins] == [len(p) for p in per_bin]  # only direct links
    assert sorted(sum(per_bin, [])) == list(range(n))
    direct_db = 10 * np.log10(np.diag(g))
    filled = [direct_db[p] for p in per_bin if p]
    assert all(a.max() < b.min() for a, b in zip(filled, filled[1:], strict=False))

    (markers,) = [t for t in fig.data if t.name == "direct link gain"]
    np.testing.assert_allclose(np.c_[markers.x, markers.y], (tx + rx) / 2, atol=1e-3)
    np.testing.assert_allclose(markers.marker.color, direct_db, atol=1e-4)
    assert markers.text[3] == f"pair 3: {direct_db[3]:.1f} dB"


# path_loss_figure


def test_path_loss_figure_curve_band_and_drawn_links() -> None:
    net = _nets(n=5, b=2)
    fig = path_loss_figure(net, shadowing_std_db=6.0)
    links, band, curve = fig.data
    d = np.asarray(curve.x)
    assert curve.name == "path loss PL(d)" and len(d) == 400
    assert d[0] == pytest.approx(1.0) and d[-1] == pytest.approx(5000.0)
    pl = path_loss_db(torch.tensor(d, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(curve.y, pl)
    by_hand = np.where(d <= 100, 39 + 20 * np.log10(d), 79 + 40 * np.log10(d / 100))
    np.testing.assert_allclose(curve.y, by_hand, atol=1e-9)
    # the band: PL + sigma out, PL - sigma back
    np.testing.assert_allclose(band.x, np.r_[d, d[::-1]])
    np.testing.assert_allclose(band.y, np.r_[pl + 6.0, (pl - 6.0)[::-1]])
    assert band.fill == "toself" and band.name == "±6 dB shadowing (1σ)"
    # every link of the drop (fewer than the 3000 subsampled), as (distance, loss in dB)
    expected = np.c_[net.distance_m.flatten().double(), -10 * torch.log10(net.gains.flatten().double())]
    drawn = np.c_[links.x, links.y]
    assert len(drawn) == 2 * 5 * 5 and links.name == "drawn links"
    order = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_allclose(order(drawn), order(expected), rtol=1e-5)
    (breakpoint_line,) = fig.layout.shapes
    assert breakpoint_line.x0 == breakpoint_line.x1 == 100


def test_path_loss_figure_without_networks() -> None:
    fig = path_loss_figure()
    assert [t.name for t in fig.data] == ["±7 dB shadowing (1σ)", "path loss PL(d)"]


# channel_graph_figure


@pytest.mark.parametrize("edge_weight", ["coupling", "log_snr"])
def test_channel_graph_shows_the_configured_edge_weights(radio, edge_weight) -> None:
    # regression: the figure used to draw log-SNR weights whatever graph.edge_weight said
    gains = _nets(n=5, b=1).gains[0]
    graph = GraphConfig(edge_weight=edge_weight, snr_scale_db=50.0)
    fig = channel_graph_figure(gains, 0.6, radio, graph)
    adjacency, signal = fig.data
    z = np.asarray(adjacency.z)
    np.testing.assert_allclose(
        z, edge_weights(gains.double(), radio, graph).numpy().T
    )  # rows rx i, cols tx j
    g = gains.double().numpy()
    j, i = 0, 3
    if edge_weight == "coupling":
        by_hand = math.log10(1 + 10 * g[j, i] / g[i, i])
        np.testing.assert_allclose(np.diag(z), math.log10(11))
    else:
        by_hand = math.log10(1 + radio.max_power_w * g[j, i] / radio.noise_w) / 5.0
    assert z[i, j] == pytest.approx(by_hand)
    u = np.asarray(signal.z)
    np.testing.assert_allclose(u, node_conditions(gains[None].double(), 0.6, radio, graph)[0].numpy())
    snr = lambda p: np.log10(1 + radio.max_power_w * p / radio.noise_w) / 5.0  # noqa: E731
    np.testing.assert_allclose(u[:, 0], snr(np.diag(g)))
    np.testing.assert_allclose(u[:, 1], snr(g.sum(0) - np.diag(g)))
    np.testing.assert_allclose(u[:, 2], 0.6)
    assert list(signal.x) == ["direct", "interference", "f_min"]
    assert adjacency.xaxis == "x" and signal.xaxis == "x2"


def test_channel_graph_defaults_to_coupling_weights(radio) -> None:
    gains = _nets(n=5, b=1).gains[0]
    z = np.asarray(channel_graph_figure(gains, 0.6, RadioConfig(), GraphConfig()).data[0].z)
    coupling = edge_weights(gains.double(), radio, GraphConfig()).numpy().T
    log_snr = edge_weights(gains.double(), radio, GraphConfig(edge_weight="log_snr")).numpy().T
    np.testing.assert_allclose(z, coupling)
    assert not np.allclose(z, log_snr)


# allocation_map_figure


def test_allocation_map_steps_show_base_layer_and_one_signal() -> None:
    net = _nets(n=6, b=2)
    values = np.linspace(-1, 1, 18).reshape(3, 6)
    labels = ["noise", "a", "b"]
    fig = allocation_map_figure(net, 1, values, labels)
    tx, rx = net.tx_pos_m[1].double().numpy(), net.rx_pos_m[1].double().numpy()
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == labels and len(fig.data) == 2 + 3
    links, receivers = fig.data[:2]
    assert _link_pairs(links, tx, rx) == [(i, i) for i in range(6)]
    np.testing.assert_allclose(np.c_[receivers.x, receivers.y], rx, atol=1e-6)
    for k, step in enumerate(steps):
        assert _mask(step) == [True, True] + [j == k for j in range(3)]  # base layer always
        (transmitters,) = [t for t in _visible(fig, step) if t.name == "transmitters"]
        np.testing.assert_allclose(np.c_[transmitters.x, transmitters.y], tx, atol=1e-6)
        np.testing.assert_allclose(transmitters.marker.color, values[k])
        np.testing.assert_allclose(transmitters.marker.size, 9 + 9 * np.clip(values[k] + 0.5, 0, 1))
        assert transmitters.marker.cmin == -0.5 and transmitters.marker.cmax == 0.5
    assert [t.visible for t in fig.data] == _mask(steps[0])
    assert fig.data[2].text[0] == "pair 0: x = -1.00 (power 0% of P_max)"
    assert fig.data[3].text[3] == f"pair 3: x = {values[1, 3]:+.2f} (power {values[1, 3] + 0.5:.0%} of P_max)"
    assert fig.data[4].text[5] == "pair 5: x = +1.00 (power 100% of P_max)"


# ugnn_levels_figure


def test_ugnn_levels_mark_each_pair_at_its_deepest_level() -> None:
    net = _nets(n=6, b=1)
    rx = net.rx_pos_m[0].double().numpy()
    masks = [
        torch.ones(6, dtype=torch.bool),
        torch.tensor([1, 0, 1, 0, 1, 0], dtype=torch.bool),
        torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.bool),
    ]
    fig = ugnn_levels_figure(net, 0, masks)
    deepest = {0: [1, 3, 5], 1: [2], 2: [0, 4]}  # by hand: the last mask that keeps each pair
    assert len(fig.data) == 1 + 3
    for level, pairs in deepest.items():
        trace = fig.data[1 + level]
        assert trace.name == f"kept down to level {level}"
        np.testing.assert_allclose(np.c_[trace.x, trace.y], rx[pairs], atol=1e-6)
        assert list(trace.text) == [f"pair {i}" for i in pairs]
    assert fig.data[1].marker.size < fig.data[2].marker.size < fig.data[3].marker.size
    two = ugnn_levels_figure(net, 0, masks[:2])
    assert [len(t.x) for t in two.data[1:]] == [3, 3]  # three pairs stop at level 0, three reach level 1
