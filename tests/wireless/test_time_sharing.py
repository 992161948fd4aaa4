import math

import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig, EvaluationConfig, RadioConfig
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.fading import RayleighFading
from gsdiff.wireless.play import as_samples, play_order, resample
from gsdiff.wireless.time_sharing import (
    TimeSharingResult,
    asymptotic_rates,
    evaluate_time_sharing,
    evaluation_picks,
    played_rates,
    sample_rates,
)

RADIO = RadioConfig()
P = RADIO.max_power_w
ORDERED = {"play": "ordered"}  # the samples in order, evenly spread: one realization


def _streams(seed: int) -> tuple[torch.Generator, torch.Generator]:
    """(picks, fading) generators as the evaluation derives them from one seed (its module docstring)."""
    fading = torch.Generator().manual_seed(seed)
    picks_seed = int(torch.randint(0, 2**62, (1,), generator=fading))
    return torch.Generator().manual_seed(picks_seed), fading


def per_slot_rates(cumulative: np.ndarray) -> np.ndarray:
    """Undo the running mean: r_t = (t + 1) c_t - t c_{t-1}."""
    t = np.arange(1, len(cumulative) + 1)[:, None, None]
    total = cumulative * t
    return np.diff(total, axis=0, prepend=0.0)


@pytest.fixture
def networks(seed):
    return drop_networks(3, DropConfig(num_pairs=6, density_per_km2=10.1), seed=seed, dtype=torch.float64)


@pytest.mark.parametrize("kind", ["iid", "jakes"])
def test_replay_matches_numpy(networks, seed, rng, np_rates, kind):
    """Replay the same fading draws (same generator, same chunks) and recompute every slot in NumPy."""
    gains = networks.gains
    samples = rng.uniform(0, P, size=(3, 3, 6))  # S = 3 samples per network
    evaluation = EvaluationConfig(num_slots=37, window_slots=2, fading=kind, **ORDERED)
    result = evaluate_time_sharing(gains, torch.tensor(samples), RADIO, evaluation, seed=seed, chunk_slots=10)
    assert result.cumulative_rates.shape == (37, 1, 3, 6)  # [T, R, B, N]: one realization in order
    fading = RayleighFading(gains.shape, evaluation, _streams(seed)[1], dtype=torch.float64)
    draws = np.concatenate([fading.draw(k).numpy() for k in (10, 10, 10, 7)])  # [37, B, N, N]
    rates = np.stack(
        [np_rates(samples[:, (t // 2) % 3], gains.numpy() * draws[t], RADIO.noise_w) for t in range(37)]
    )
    expected = np.cumsum(rates, axis=0) / np.arange(1, 38)[:, None, None]
    np.testing.assert_allclose(result.cumulative_rates[:, 0].numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(result.ergodic_rates[0].numpy(), rates.mean(0), rtol=1e-10)


def test_iid_play_matches_numpy(networks, seed, rng, np_rates):
    """Every window of every realization plays an independent uniform draw of the network's samples, under
    the same fading draws in every realization: replayed and recomputed in NumPy."""
    gains = networks.gains
    samples = rng.uniform(0, P, size=(3, 4, 6))  # S = 4 samples per network
    evaluation = EvaluationConfig(num_slots=23, window_slots=5, repeats=3)  # 5 windows, the last short
    result = evaluate_time_sharing(gains, torch.tensor(samples), RADIO, evaluation, seed=seed, chunk_slots=6)
    assert result.cumulative_rates.shape == (23, 3, 3, 6) and result.aggregate == "per_network"
    picks_gen, fading_gen = _streams(seed)
    picks = torch.randint(0, 4, (3, 3, 5), generator=picks_gen).numpy()  # [R, B, W]
    assert np.array_equal(evaluation_picks(gains, 4, evaluation, seed=seed).numpy(), picks)
    fading = RayleighFading(gains.shape, evaluation, fading_gen, dtype=torch.float64)
    draws = np.concatenate([fading.draw(k).numpy() for k in (6, 6, 6, 5)])  # [23, B, N, N]
    for r in range(3):
        played = samples[np.arange(3)[:, None], picks[r]]  # [B, W, N]
        rates = np.stack(
            [np_rates(played[:, t // 5], gains.numpy() * draws[t], RADIO.noise_w) for t in range(23)]
        )
        expected = np.cumsum(rates, axis=0) / np.arange(1, 24)[:, None, None]
        np.testing.assert_allclose(result.cumulative_rates[:, r].numpy(), expected, rtol=1e-10)
    # the exact value of the same picks: each window's sample rates, averaged over the windows
    exact = sample_rates(gains, torch.tensor(samples), RADIO).numpy()  # [B, S, N]
    by_hand = exact[np.arange(3)[None, :, None], picks].mean(2)  # [R, B, N]
    np.testing.assert_allclose(
        played_rates(gains, torch.tensor(samples), RADIO, evaluation, seed=seed), by_hand
    )


def test_iid_play_converges_to_the_expectation_of_the_draws(seed):
    """Over many windows, i.i.d. draws play every sample equally often in expectation: the exact played
    rates approach the mean of the samples' exact rates, the realizations' spread shrinking as 1 / sqrt(W)."""
    nets = drop_networks(2, DropConfig(num_pairs=8, density_per_km2=10.1), seed=seed, dtype=torch.float64)
    samples = P * torch.rand(2, 5, 8, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    expected = asymptotic_rates(nets.gains, samples, RADIO)  # [B, N]
    spreads = []
    for windows in (100, 10_000):
        evaluation = EvaluationConfig(num_slots=windows, window_slots=1, repeats=8)
        played = played_rates(nets.gains, samples, RADIO, evaluation, seed=seed)  # [R, B, N]
        spreads.append((played - expected).abs().mean().item())
    assert spreads[1] < spreads[0] / 4  # sqrt(100) = 10 in theory
    assert spreads[1] < 0.01 * expected.mean().item()
    evaluation = EvaluationConfig(num_slots=4000, window_slots=20, repeats=4)
    curve = evaluate_time_sharing(nets.gains, samples, RADIO, evaluation, seed=seed, chunk_slots=400)
    played = played_rates(nets.gains, samples, RADIO, evaluation, seed=seed)
    assert (curve.ergodic_rates - played).abs().mean().item() < 0.03 * played.mean().item()


def test_running_mean_property(networks, seed):
    full = torch.full((3, 6), P, dtype=torch.float64)
    result = evaluate_time_sharing(networks.gains, full, RADIO, EvaluationConfig(num_slots=60), seed=seed)
    assert result.cumulative_rates.shape[1] == 1  # one allocation: nothing to draw, one realization
    c = result.cumulative_rates[:, 0].numpy()
    r = per_slot_rates(c)
    assert (r > 0).all()  # every user transmits at full power: positive rate in every slot
    np.testing.assert_allclose(c[-1], r.mean(0), rtol=1e-10)
    assert not np.allclose(r[0], r[1])  # a fresh fading draw per slot


@pytest.mark.parametrize(("window", "num_samples"), [(1, 2), (3, 2), (2, 3)])
def test_window_and_sample_cycling(seed, window, num_samples):
    """Sample s gives the power to user s only; it is played in slots t with (t // window) % S == s."""
    gains = torch.tensor([[[1e-7, 1e-9, 1e-9], [1e-9, 1e-7, 1e-9], [1e-9, 1e-9, 1e-7]]], dtype=torch.float64)
    samples = torch.zeros(1, num_samples, 3, dtype=torch.float64)
    for s in range(num_samples):
        samples[0, s, s] = P
    evaluation = EvaluationConfig(num_slots=24, window_slots=window, **ORDERED)
    result = evaluate_time_sharing(gains, samples, RADIO, evaluation, seed=seed, chunk_slots=5)
    r = per_slot_rates(result.cumulative_rates[:, 0].numpy())[:, 0]  # [T, 3]
    for t in range(24):
        on = (t // window) % num_samples
        for user in range(3):
            if user == on:
                assert r[t, user] > 0.1
            else:
                assert abs(r[t, user]) < 1e-12


def test_time_sharing_converges_to_asymptotic(seed):
    nets = drop_networks(4, DropConfig(num_pairs=10, density_per_km2=10.1), seed=seed, dtype=torch.float64)
    samples = P * torch.rand(4, 2, 10, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    exact = asymptotic_rates(nets.gains, samples, RADIO)
    assert exact.shape == (4, 10)
    evaluation = EvaluationConfig(num_slots=4000, window_slots=5, **ORDERED)
    curve = evaluate_time_sharing(nets.gains, samples, RADIO, evaluation, seed=seed, chunk_slots=200)
    error_100 = (curve.cumulative_rates[99, 0] - exact).abs().mean().item()
    error_4000 = (curve.cumulative_rates[-1, 0] - exact).abs().mean().item()
    assert error_4000 < error_100 / 3  # about 1 / sqrt(40) in theory
    assert error_4000 < 0.03 * exact.mean().item()
    assert curve.ergodic_rates.mean().item() == pytest.approx(exact.mean().item(), rel=0.01)


def test_asymptotic_is_mean_over_samples_of_single_user_closed_form(single_user_rate):
    """Two isolated links (no cross gains): every sample's exact rate is the closed form."""
    snr = (50.0, 400.0)
    gains = torch.tensor(
        [[[snr[0] * RADIO.noise_w / P, 0.0], [0.0, snr[1] * RADIO.noise_w / P]]], dtype=torch.float64
    )
    samples = torch.tensor([[[P, P], [P / 2, 0.0]]], dtype=torch.float64)
    got = asymptotic_rates(gains, samples, RADIO)[0].numpy()
    expected = [
        (single_user_rate(snr[0]) + single_user_rate(snr[0] / 2)) / 2,
        (single_user_rate(snr[1]) + 0.0) / 2,
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_deterministic_allocation_accepted(networks, seed):
    full2 = torch.full((3, 6), P, dtype=torch.float64)
    full3 = full2[:, None]
    evaluation = EvaluationConfig(num_slots=20)
    a = evaluate_time_sharing(networks.gains, full2, RADIO, evaluation, seed=seed).cumulative_rates
    b = evaluate_time_sharing(networks.gains, full3, RADIO, evaluation, seed=seed).cumulative_rates
    assert torch.equal(a, b)


def test_seeded_determinism(networks, seed):
    samples = torch.full((3, 2, 6), P / 2, dtype=torch.float64)
    evaluation = EvaluationConfig(num_slots=30, fading="jakes", repeats=2)
    a = evaluate_time_sharing(networks.gains, samples, RADIO, evaluation, seed=seed).cumulative_rates
    b = evaluate_time_sharing(networks.gains, samples, RADIO, evaluation, seed=seed).cumulative_rates
    c = evaluate_time_sharing(networks.gains, samples, RADIO, evaluation, seed=seed + 1).cumulative_rates
    d = evaluate_time_sharing(
        networks.gains, samples, RADIO, evaluation, generator=torch.Generator().manual_seed(seed)
    ).cumulative_rates
    assert torch.equal(a, b) and torch.equal(a, d)
    assert not torch.equal(a, c)
    # the fading is the same whatever the play: a deterministic allocation sees the draws the pool saw
    full = torch.full((3, 6), P / 2, dtype=torch.float64)
    alone = evaluate_time_sharing(networks.gains, full, RADIO, evaluation, seed=seed).cumulative_rates
    assert torch.allclose(alone[:, 0], a[:, 0], rtol=1e-12)  # every sample of the pool is the same


def test_result_curves_match_numpy(networks, seed, rng):
    """Curves per time-sharing slot (the last fading slot of each window, the short last one included):
    percentiles over every user of every network in each realization, averaged over realizations."""
    samples = torch.tensor(rng.uniform(0, P, size=(3, 4, 6)))
    evaluation = EvaluationConfig(num_slots=17, window_slots=5, repeats=3)
    result = evaluate_time_sharing(networks.gains, samples, RADIO, evaluation, seed=seed)
    assert result.window_ends.tolist() == [4, 9, 14, 16]
    c = result.cumulative_rates.numpy()[[4, 9, 14, 16]].reshape(4, 3, -1)  # [W, R, B N]
    np.testing.assert_allclose(result.mean_curve().numpy(), c.mean((1, 2)))
    expected = np.percentile(c, [1, 5], axis=2).mean(2).T  # [W, 2]
    np.testing.assert_allclose(result.percentile_curves((1.0, 5.0)).numpy(), expected)
    assert result.percentile_curves((5.0,), per="slot").shape == (17, 1)
    final = result.cumulative_rates[-1].numpy()  # [R, B, N]
    metrics = result.metrics(0.6)  # the evaluation's aggregation: per network
    assert metrics["mean"] == pytest.approx(final.mean())
    assert metrics["p5"] == pytest.approx(np.percentile(final, 5, axis=2).mean())
    assert result.metrics(0.6, aggregate="pooled")["p5"] == pytest.approx(
        np.percentile(final.reshape(3, -1), 5, axis=1).mean()
    )
    assert metrics["feasible_fraction"] == pytest.approx((final >= 0.6).mean())
    with pytest.raises(ValueError, match="per must be 'window' or 'slot', got 'frame'"):
        result.mean_curve(per="frame")


@pytest.mark.parametrize(
    ("shape", "pattern"),
    [
        ((4, 2, 6), r"power_w must have shape \[B, S, N\] or \[B, N\] with B = 3 networks, got \(4, 2, 6\)"),
        ((3, 2, 5), r"power_w must have last dimension N = 6 .*got shape \(3, 2, 5\)"),
        ((6,), r"power_w must have shape \[B, S, N\] or \[B, N\] with B = 3 networks, got \(6,\)"),
        ((2, 3, 2, 6), r"got \(2, 3, 2, 6\)"),
        ((3, 0, 6), r"power_w must hold at least one allocation"),
    ],
)
def test_shape_errors(networks, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        evaluate_time_sharing(
            networks.gains, torch.zeros(shape, dtype=torch.float64), RADIO, EvaluationConfig()
        )


def test_gains_shape_errors():
    with pytest.raises(ValueError, match=r"gains must have shape \[B, N, N\], got \(4, 4\)"):
        as_samples(torch.zeros(4), torch.rand(4, 4), RADIO)
    with pytest.raises(ValueError, match=r"gains must be >= 0"):
        as_samples(torch.zeros(1, 2), -torch.rand(1, 2, 2), RADIO)


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        (2 * P, r"power_w must lie in \[0, P_max = 0.01 W\], got values in \[0, 0.02\] W"),
        (-1e-3, r"power_w must lie in \[0, P_max = 0.01 W\], got values in \[-0.001, 0\] W"),
        (math.nan, r"power_w must be finite"),
    ],
)
def test_bad_allocations(networks, value, pattern):
    samples = torch.zeros(3, 2, 6, dtype=torch.float64)
    samples[1, 1, 2] = value
    with pytest.raises(ValueError, match=pattern):
        evaluate_time_sharing(networks.gains, samples, RADIO, EvaluationConfig())
    with pytest.raises(ValueError, match=pattern):
        asymptotic_rates(networks.gains, samples, RADIO)


def test_play_order_spreads_when_samples_outnumber_windows():
    """With 200 samples and 100 windows every other sample is played, spanning the whole chain."""
    window = torch.arange(100)
    assert torch.equal(play_order(window, 100, 200), 2 * window)
    assert torch.equal(play_order(torch.arange(7), 7, 3), torch.tensor([0, 1, 2, 0, 1, 2, 0]))


def test_played_rates_are_the_limit_of_the_evaluator(seed):
    """With more samples than windows only the played ones count: 8 samples, 4000 slots in 4 windows, so the
    evaluator plays samples 0, 2, 4, 6 and its fading average approaches their exact rates, not all 8's."""
    nets = drop_networks(4, DropConfig(num_pairs=10, density_per_km2=10.1), seed=seed, dtype=torch.float64)
    samples = P * torch.rand(4, 8, 10, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    evaluation = EvaluationConfig(num_slots=4000, window_slots=1000, **ORDERED)
    assert evaluation.num_windows == 4
    played = played_rates(nets.gains, samples, RADIO, evaluation)
    torch.testing.assert_close(played[0], asymptotic_rates(nets.gains, samples[:, ::2], RADIO))
    curve = evaluate_time_sharing(nets.gains, samples, RADIO, evaluation, seed=seed, chunk_slots=500)
    error = (curve.ergodic_rates - played).abs().mean().item()
    assert error < 0.03 * played.mean().item()
    assert error < (curve.ergodic_rates - asymptotic_rates(nets.gains, samples, RADIO)).abs().mean().item()


def test_resample_draws_uniformly_from_each_network(generator):
    samples = torch.stack([torch.arange(4.0), 10 + torch.arange(4.0)])[:, :, None]  # [2, 4, 1]
    draws = resample(samples, 4000, generator=generator)
    assert draws.shape == (2, 4000, 1)
    assert set(draws[0, :, 0].tolist()) == {0.0, 1.0, 2.0, 3.0}
    assert set(draws[1, :, 0].tolist()) == {10.0, 11.0, 12.0, 13.0}
    counts = torch.bincount(draws[0, :, 0].long(), minlength=4).double()
    assert torch.allclose(counts / 4000, torch.full((4,), 0.25, dtype=torch.float64), atol=0.03)
    assert torch.equal(draws, resample(samples, 4000, generator=torch.Generator().manual_seed(20240607)))


def test_adaptive_slot_chunks_draw_the_same_fading(generator):
    """The default slot chunk (25, fewer for large N) plays the same fading draws as any other chunk."""
    gains = torch.rand(2, 5, 5, generator=generator) * 1e-9 + torch.eye(5) * 1e-7
    power = torch.rand(2, 3, 5, generator=generator) * 0.01
    config = EvaluationConfig(num_slots=40, window_slots=2, repeats=3)
    default = evaluate_time_sharing(gains, power, RadioConfig(), config, seed=3)
    small = evaluate_time_sharing(gains, power, RadioConfig(), config, seed=3, chunk_slots=7)
    assert torch.allclose(default.cumulative_rates, small.cumulative_rates, rtol=1e-6)


def test_sample_rates_with_mean_field_interferers(generator):
    from gsdiff.wireless import sample_rates

    gains = torch.rand(2, 6, 6, generator=generator, dtype=torch.float64) * 1e-9 + torch.eye(6) * 1e-7
    power = torch.rand(2, 3, 6, generator=generator, dtype=torch.float64) * 0.01
    exact = sample_rates(gains, power, RadioConfig())
    assert torch.allclose(sample_rates(gains, power, RadioConfig(), interferers=5), exact, rtol=1e-12)


def _settling_reference(curve: np.ndarray, f_min: float) -> int | None:
    """The settling window by brute force: the smallest w whose percentile curve from w on is >= f_min."""
    for w in range(1, len(curve) + 1):
        if (curve[w - 1 :] >= f_min).all():
            return w
    return None


@pytest.mark.parametrize("f_min", [0.0, 0.3, 0.5, 0.55, 0.7, 2.0])
def test_settling_window_matches_brute_force(rng, f_min):
    # A curve that crosses 0.5 several times: noisy increments around a rising trend; 2 realizations.
    t = np.arange(1, 41)[:, None, None, None]
    cumulative = 0.6 * (1 - np.exp(-t / 8)) + 0.05 * rng.standard_normal((40, 2, 3, 4))
    result = TimeSharingResult(cumulative_rates=torch.tensor(cumulative), window_slots=2)
    curve = np.percentile(cumulative[1::2].reshape(20, 2, -1), 5.0, axis=2).mean(1)  # per window
    assert result.settling_window(f_min, q=5.0) == _settling_reference(curve, f_min)
    first = next((w + 1 for w in range(20) if curve[w] >= f_min), None)
    assert result.settling_window(f_min, q=5.0, for_good=False) == first


def test_settling_window_by_hand():
    # One user, one realization, windows of one slot: its running rate is the percentile itself.
    curve = torch.tensor([0.2, 0.7, 0.4, 0.6, 0.8, 0.9], dtype=torch.float64)[:, None, None, None]
    result = TimeSharingResult(cumulative_rates=curve)
    assert result.settling_window(0.5) == 4  # below at window 3, above from window 4 on
    assert result.settling_window(0.1) == 1
    assert result.settling_window(0.85) == 6
    assert result.settling_window(0.95) is None
    assert result.settling_window(0.5, for_good=False) == 2  # first reached at window 2, lost at window 3
    assert result.settling_window(0.85, for_good=False) == 6
    assert result.settling_window(0.95, for_good=False) is None
    # windows of two slots: the percentile at slots 2, 4, 6 only
    assert TimeSharingResult(cumulative_rates=curve, window_slots=2).settling_window(0.5, for_good=False) == 1


def test_settling_slots_are_both_settling_windows():
    from gsdiff.wireless import settling_slots

    curve = torch.tensor([0.2, 0.7, 0.4, 0.6], dtype=torch.float64)[:, None, None, None]
    assert settling_slots({"a": TimeSharingResult(cumulative_rates=curve)}, 0.5) == {"a": (2, 4, 0.6)}
