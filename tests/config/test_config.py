import dataclasses
import math
from dataclasses import replace

import pytest

from gsdiff.config import (
    DENSITIES_PER_KM2,
    MEAN_FIELD_INTERFERERS,
    PROFILES,
    DenoiserConfig,
    DiffusionConfig,
    DropConfig,
    EvaluationConfig,
    ExpertConfig,
    GraphConfig,
    Profile,
    RadioConfig,
    SamplingSetting,
    TrainConfig,
    TuningConfig,
    get_profile,
)


def test_radio_defaults_hand_computed():
    radio = RadioConfig()
    assert radio.max_power_w == pytest.approx(0.01, rel=1e-12)  # 10 dBm
    noise_dbm = -174 + 10 * math.log10(20e6)  # about -101 dBm
    assert noise_dbm == pytest.approx(-100.99, abs=0.01)
    assert radio.noise_w == pytest.approx(10 ** ((noise_dbm - 30) / 10), rel=1e-12)


@pytest.mark.parametrize(
    ("num_pairs", "density", "side"),
    [(400, 6.6, 7785.0), (400, 8.2, 6984.0), (400, 10.1, 6293.0), (400, 11.9, 5798.0)],
)
def test_side_matches_paper(num_pairs, density, side):
    # The paper's sides for N = 400 are 7800, 7000, 6300, 5800 m (rounded).
    config = DropConfig(num_pairs=num_pairs, density_per_km2=density)
    assert config.side_m == pytest.approx(side, abs=1.0)
    assert num_pairs / (config.side_m / 1000) ** 2 == pytest.approx(density)


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DropConfig().num_pairs = 3


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"num_pairs": 1}, r"num_pairs must be an integer >= 2, got 1"),
        ({"num_pairs": 2.5}, r"num_pairs must be an integer >= 2, got 2.5"),
        ({"density_per_km2": 0.0}, r"density_per_km2 must be a finite number > 0, got 0.0"),
        ({"density_per_km2": -3.0}, r"density_per_km2 must be a finite number > 0, got -3.0"),
        ({"min_tx_distance_m": -1.0}, r"min_tx_distance_m must be finite and >= 0, got -1.0"),
        ({"min_link_distance_m": 0.0}, r"min_link_distance_m must be a finite number > 0, got 0.0"),
        (
            {"max_link_distance_m": 10.0},
            r"max_link_distance_m \(10.0\) must be >= min_link_distance_m \(20.0\)",
        ),
        ({"shadowing_std_db": -1.0}, r"shadowing_std_db must be finite and >= 0, got -1.0"),
        ({"density_per_km2": 200.0}, r"density_per_km2 = 200.0 is too high for min_tx_distance_m = 50.0"),
    ],
)
def test_drop_config_errors(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        DropConfig(**kwargs)


def test_packing_limit_hand_computed():
    # Exclusion disks cover N pi (d/2)^2 / R^2 = density * pi * 625 m^2: 35% at about 178 pairs/km^2.
    limit = 0.35 / (math.pi * 625) * 1e6
    DropConfig(num_pairs=100, density_per_km2=limit * 0.99)
    with pytest.raises(ValueError, match="too high"):
        DropConfig(num_pairs=100, density_per_km2=limit * 1.01)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"num_slots": 0}, r"num_slots must be an integer >= 1, got 0"),
        ({"window_slots": 0}, r"window_slots must be an integer >= 1, got 0"),
        ({"fading": "rician"}, r"fading must be one of 'iid', 'jakes'; got 'rician'"),
        ({"doppler_hz": 0.0}, r"doppler_hz must be a finite number > 0, got 0.0"),
        ({"slot_s": -0.01}, r"slot_s must be a finite number > 0, got -0.01"),
    ],
)
def test_evaluation_config_errors(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        EvaluationConfig(**kwargs)


def test_graph_config_errors():
    GraphConfig(top_k=1)
    with pytest.raises(ValueError, match=r"top_k must be an integer >= 1, got 0"):
        GraphConfig(top_k=0)
    with pytest.raises(ValueError, match=r"snr_scale_db must be a finite number > 0, got -60.0"):
        GraphConfig(snr_scale_db=-60.0)


def test_radio_config_errors():
    with pytest.raises(ValueError, match=r"bandwidth_hz must be a finite number > 0, got 0.0"):
        RadioConfig(bandwidth_hz=0.0)
    with pytest.raises(ValueError, match=r"max_power_dbm and noise_psd_dbm_per_hz must be finite, got nan"):
        RadioConfig(max_power_dbm=math.nan)


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: DenoiserConfig(kind="mlp"), r"kind must be one of 'ugnn', 'gnn'; got 'mlp'"),
        (lambda: DenoiserConfig(directions="out"), r"directions must be one of 'in', 'both'; got 'out'"),
        (lambda: DenoiserConfig(pooling="max"), r"pooling must be one of 'topk', 'stride'; got 'max'"),
        (lambda: DenoiserConfig(hidden=7), r"hidden must be even"),
        (lambda: DenoiserConfig(pool_factor=1), r"pool_factor must be an integer >= 2, got 1"),
        (
            lambda: DiffusionConfig(loss_weighting="snr"),
            r"loss_weighting must be one of 'none', 'log_snr', 'v'; got 'snr'",
        ),
        (
            lambda: SamplingSetting(sampler="euler"),
            r"sampler must be one of 'ddim', 'ddpm', 'dpmsolver\+\+', 'unipc'; got 'euler'",
        ),
        (lambda: SamplingSetting(steps=0), r"steps must be an integer >= 1, got 0"),
        (
            lambda: SamplingSetting(timestep_spacing="linspace"),
            r"timestep_spacing must be one of 'leading', 'trailing'; got 'linspace'",
        ),
        (
            lambda: TuningConfig(samplers=(("unipc", 2),)),
            r"samplers entries are \(sampler, steps, timestep_spacing\), got \('unipc', 2\)",
        ),
        (
            lambda: TuningConfig(samplers=(("heun", 2, "trailing"),)),
            r"sampler must be one of 'ddim', 'ddpm', 'dpmsolver\+\+', 'unipc'; got 'heun'",
        ),
        (lambda: TuningConfig(step_tolerance=1.0), r"step_tolerance must be in \[0, 1\), got 1.0"),
        (lambda: SamplingSetting(steps=2.5), r"steps must be an integer >= 1, got 2.5"),
        (lambda: SamplingSetting(eta=-0.1), r"eta must be finite and >= 0, got -0.1"),
        (lambda: SamplingSetting(eta=math.nan), r"eta must be finite and >= 0, got nan"),
        (
            lambda: SamplingSetting(sampler="ddpm", eta=0.5),
            r"eta applies to the DDIM sampler only; got eta = 0.5 with 'ddpm'",
        ),
        (
            lambda: SamplingSetting(initial_noise="halton"),
            r"initial_noise must be one of 'sobol', 'gaussian'; got 'halton'",
        ),
        (lambda: SamplingSetting(margin=math.inf), r"margin must be a finite number of bits/s/Hz, got inf"),
        (lambda: SamplingSetting(power_levels=1), r"power_levels must be an integer >= 2, got 1"),
        (lambda: SamplingSetting(top_k=0), r"top_k must be an integer >= 1, got 0"),
        (lambda: TrainConfig(ema_decay=1.0), r"ema_decay must lie in \[0, 1\), got 1.0"),
        (
            lambda: TrainConfig(select_by="mean"),
            r"select_by must be one of 'loss', 'balanced', 'p5'; got 'mean'",
        ),
    ],
)
def test_denoiser_diffusion_and_sampling_config_errors(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_sampling_setting_defaults():
    """SETUP.md's sampler (DDIM, 20 deterministic steps) from Sobol noise; no margin, projection or top-k."""
    s = SamplingSetting()
    assert (s.sampler, s.steps, s.eta, s.initial_noise) == ("ddim", 20, 0.0, "sobol")
    assert (s.margin, s.power_levels, s.top_k) == (0.0, None, None)
    assert SamplingSetting(sampler="ddpm").eta == 0.0  # eta = 0 is allowed with DDPM (it ignores it)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.steps = 10
    for name in PROFILES:
        profile = get_profile(name)
        assert isinstance(profile.sampling, SamplingSetting) and isinstance(profile.tuning, TuningConfig)
        assert 1 <= profile.sampling.steps <= profile.diffusion.num_train_steps


def test_profile_errors():
    with pytest.raises(ValueError, match=r"num_pairs must be an integer >= 2, got 1"):
        Profile(name="x", num_pairs=1)
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0 bits/s/Hz, got -0.5"):
        Profile(name="x", num_pairs=10, f_min=-0.5)
    with pytest.raises(ValueError, match="densities_per_km2 must name at least one density"):
        Profile(name="x", num_pairs=10, densities_per_km2=())
    with pytest.raises(ValueError, match=r"density_per_km2 = 500.0 is too high"):
        Profile(name="x", num_pairs=10, densities_per_km2=(10.0, 500.0))
    with pytest.raises(ValueError, match=r"num_test_networks_per_density must be an integer >= 1, got 0"):
        Profile(name="x", num_pairs=10, num_test_networks_per_density=0)
    # The sampler takes a subsequence of the K training steps: at most K inference steps.
    Profile(name="x", num_pairs=10, sampling=SamplingSetting(steps=500))
    with pytest.raises(
        ValueError, match=r"sampling.steps \(501\) must be at most diffusion.num_train_steps \(500\)"
    ):
        Profile(name="x", num_pairs=10, sampling=SamplingSetting(steps=501))
    with pytest.raises(
        ValueError, match=r"sampling.steps \(20\) must be at most diffusion.num_train_steps \(10\)"
    ):
        Profile(name="x", num_pairs=10, diffusion=DiffusionConfig(num_train_steps=10))


def test_profiles_exist():
    assert set(PROFILES) == {"ci", "book", "paper"}
    for name in ("ci", "book", "paper"):
        profile = get_profile(name)
        assert profile.name == name
        assert profile.densities_per_km2 == DENSITIES_PER_KM2 == (6.6, 8.2, 10.1, 11.9)
        assert profile.f_min == 0.6
        drop = profile.drop(11.9)
        assert drop.num_pairs == profile.num_pairs and drop.density_per_km2 == 11.9
    assert get_profile("ci").num_pairs < get_profile("book").num_pairs < get_profile("paper").num_pairs
    assert get_profile("paper").num_pairs == 400


def test_profile_at_another_size():
    """sized: as many users per density (at least 8 networks), the expert by size, nothing else changed."""
    book = get_profile("book")
    assert book.sized(100).num_networks_per_density == round(128 * 20 / 100) == 26
    assert book.sized(50).num_networks_per_density == 51 and book.sized(1000).num_networks_per_density == 8
    assert book.sized(50).expert.interferers is None  # exact up to EXACT_MAX_PAIRS
    assert book.sized(100).expert.interferers == MEAN_FIELD_INTERFERERS
    assert book.sized(100).train_pairs == () and book.sized(100).train == book.train
    back = dict(num_pairs=20, num_networks_per_density=128, expert=book.expert, train_pairs=book.train_pairs)
    assert replace(book.sized(100), **back) == book
    with pytest.raises(ValueError, match=r"train_pairs must be an integer >= 21, got 20"):
        replace(book, train_pairs=(20,))


def test_get_profile_error():
    with pytest.raises(ValueError, match=r"profile must be one of 'ci', 'book', 'paper'; got 'huge'"):
        get_profile("huge")


def test_expert_with_more_samples_runs_longer():
    expert = ExpertConfig(num_iterations=300, burn_in=100, num_samples=50)
    assert expert.with_samples(150) == replace(expert, num_samples=150)
    longer = expert.with_samples(300)
    assert (longer.num_iterations, longer.burn_in, longer.num_samples) == (400, 100, 300)
    assert len(set(longer.sample_iterations.tolist())) == 300
