import math

import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig, EvaluationConfig, RadioConfig
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.fading import RayleighFading
from gsdiff.wireless.time_sharing import (
    as_samples,
    asymptotic_rates,
    evaluate_time_sharing,
    play_order,
    played_rates,
    played_samples,
    resample,
)

RADIO = RadioConfig()
P = RADIO.max_power_w


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
    evaluation = EvaluationConfig(num_slots=37, window_slots=2, fading=kind)
    result = evaluate_time_sharing(gains, torch.tensor(samples), RADIO, evaluation, seed=seed, chunk_slots=10)
    assert result.cumulative_rates.shape == (37, 3, 6)
    fading = RayleighFading(gains.shape, evaluation, torch.Generator().manual_seed(seed), dtype=torch.float64)
    draws = np.concatenate([fading.draw(k).numpy() for k in (10, 10, 10, 7)])  # [37, B, N, N]
    rates = np.stack(
        [np_rates(samples[:, (t // 2) % 3], gains.numpy() * draws[t], RADIO.noise_w) for t in range(37)]
    )
    expected = np.cumsum(rates, axis=0) / np.arange(1, 38)[:, None, None]
    np.testing.assert_allclose(result.cumulative_rates.numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(result.ergodic_rates.numpy(), rates.mean(0), rtol=1e-10)


def test_running_mean_property(networks, seed):
    full = torch.full((3, 6), P, dtype=torch.float64)
    result = evaluate_time_sharing(networks.gains, full, RADIO, EvaluationConfig(num_slots=60), seed=seed)
    c = result.cumulative_rates.numpy()
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
    evaluation = EvaluationConfig(num_slots=24, window_slots=window)
    result = evaluate_time_sharing(gains, samples, RADIO, evaluation, seed=seed, chunk_slots=5)
    r = per_slot_rates(result.cumulative_rates.numpy())[:, 0]  # [T, 3]
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
    evaluation = EvaluationConfig(num_slots=4000, window_slots=5)
    curve = evaluate_time_sharing(nets.gains, samples, RADIO, evaluation, seed=seed, chunk_slots=200)
    error_100 = (curve.cumulative_rates[99] - exact).abs().mean().item()
    error_4000 = (curve.cumulative_rates[-1] - exact).abs().mean().item()
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
    evaluation = EvaluationConfig(num_slots=30, fading="jakes")
    a = evaluate_time_sharing(networks.gains, samples, RADIO, evaluation, seed=seed).cumulative_rates
    b = evaluate_time_sharing(networks.gains, samples, RADIO, evaluation, seed=seed).cumulative_rates
    c = evaluate_time_sharing(networks.gains, samples, RADIO, evaluation, seed=seed + 1).cumulative_rates
    d = evaluate_time_sharing(
        networks.gains, samples, RADIO, evaluation, generator=torch.Generator().manual_seed(seed)
    ).cumulative_rates
    assert torch.equal(a, b) and torch.equal(a, d)
    assert not torch.equal(a, c)


def test_result_curves_match_numpy(networks, seed):
    samples = torch.full((3, 6), P, dtype=torch.float64)
    result = evaluate_time_sharing(networks.gains, samples, RADIO, EvaluationConfig(num_slots=15), seed=seed)
    c = result.cumulative_rates.numpy().reshape(15, -1)
    np.testing.assert_allclose(result.mean_curve().numpy(), c.mean(1))
    np.testing.assert_allclose(
        result.percentile_curves((1.0, 5.0)).numpy(), np.percentile(c, [1, 5], axis=1).T
    )
    metrics = result.metrics(0.6)
    assert metrics["mean"] == pytest.approx(c[-1].mean())
    assert metrics["feasible_fraction"] == pytest.approx((c[-1] >= 0.6).mean())


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


def test_played_samples_follow_the_schedule():
    """500 slots held 5 each are 100 windows: of 200 samples every other one is played, of 40 each 2.5 times
    in order; evaluating the played samples exactly is the evaluator's limit of many fading draws."""
    samples = torch.arange(200.0)[None, :, None].expand(2, 200, 3)
    evaluation = EvaluationConfig(num_slots=500, window_slots=5)
    assert torch.equal(played_samples(samples, evaluation)[0, :, 0], torch.arange(0.0, 200.0, 2.0))
    assert torch.equal(played_samples(samples[:, :40], evaluation)[0, :, 0], torch.arange(100.0) % 40)
    short = EvaluationConfig(num_slots=12, window_slots=5)  # 3 windows, the last one cut short
    assert played_samples(samples, short).shape == (2, 3, 3)


def test_played_rates_are_the_limit_of_the_evaluator(seed):
    """With more samples than windows only the played ones count: 8 samples, 4000 slots in 4 windows, so the
    evaluator plays samples 0, 2, 4, 6 and its fading average approaches their exact rates, not all 8's."""
    nets = drop_networks(4, DropConfig(num_pairs=10, density_per_km2=10.1), seed=seed, dtype=torch.float64)
    samples = P * torch.rand(4, 8, 10, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    evaluation = EvaluationConfig(num_slots=4000, window_slots=1000)
    assert evaluation.num_windows == 4
    played = played_rates(nets.gains, samples, RADIO, evaluation)
    torch.testing.assert_close(played, asymptotic_rates(nets.gains, samples[:, ::2], RADIO))
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
    config = EvaluationConfig(num_slots=40, window_slots=2)
    default = evaluate_time_sharing(gains, power, RadioConfig(), config, seed=3)
    small = evaluate_time_sharing(gains, power, RadioConfig(), config, seed=3, chunk_slots=7)
    assert torch.allclose(default.cumulative_rates, small.cumulative_rates, rtol=1e-6)


def test_sample_rates_with_mean_field_interferers(generator):
    from gsdiff.wireless import sample_rates

    gains = torch.rand(2, 6, 6, generator=generator, dtype=torch.float64) * 1e-9 + torch.eye(6) * 1e-7
    power = torch.rand(2, 3, 6, generator=generator, dtype=torch.float64) * 0.01
    exact = sample_rates(gains, power, RadioConfig())
    assert torch.allclose(sample_rates(gains, power, RadioConfig(), interferers=5), exact, rtol=1e-12)


def _settling_reference(cumulative: np.ndarray, f_min: float, q: float) -> int | None:
    """The settling slot by brute force: the smallest t whose running percentiles from t on are >= f_min."""
    curve = np.percentile(cumulative.reshape(len(cumulative), -1), q, axis=1)
    for t in range(1, len(curve) + 1):
        if (curve[t - 1 :] >= f_min).all():
            return t
    return None


@pytest.mark.parametrize("f_min", [0.0, 0.3, 0.5, 0.55, 0.7, 2.0])
def test_settling_slot_matches_brute_force(rng, f_min):
    from gsdiff.wireless.time_sharing import TimeSharingResult

    # A curve that crosses 0.5 several times: noisy increments around a rising trend.
    t = np.arange(1, 41)[:, None, None]
    cumulative = 0.6 * (1 - np.exp(-t / 8)) + 0.05 * rng.standard_normal((40, 3, 4))
    result = TimeSharingResult(cumulative_rates=torch.tensor(cumulative))
    assert result.settling_slot(f_min, q=5.0) == _settling_reference(cumulative, f_min, 5.0)
    curve = np.percentile(cumulative.reshape(40, -1), 5.0, axis=1)
    first = next((t + 1 for t in range(40) if curve[t] >= f_min), None)
    assert result.settling_slot(f_min, q=5.0, for_good=False) == first


def test_settling_slot_by_hand():
    from gsdiff.wireless.time_sharing import TimeSharingResult

    # One user: its running rate is the percentile itself.
    curve = torch.tensor([0.2, 0.7, 0.4, 0.6, 0.8, 0.9], dtype=torch.float64)[:, None, None]
    result = TimeSharingResult(cumulative_rates=curve)
    assert result.settling_slot(0.5) == 4  # below at slot 3, above from slot 4 on
    assert result.settling_slot(0.1) == 1
    assert result.settling_slot(0.85) == 6
    assert result.settling_slot(0.95) is None
    assert result.settling_slot(0.5, for_good=False) == 2  # first reached at slot 2, lost at slot 3
    assert result.settling_slot(0.85, for_good=False) == 6
    assert result.settling_slot(0.95, for_good=False) is None


def test_settling_slots_are_both_settling_slots():
    from gsdiff.wireless import TimeSharingResult, settling_slots

    curve = torch.tensor([0.2, 0.7, 0.4, 0.6], dtype=torch.float64)[:, None, None]
    assert settling_slots({"a": TimeSharingResult(cumulative_rates=curve)}, 0.5) == {"a": (2, 4)}
