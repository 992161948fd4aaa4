"""The transient of the online expert against a policy: running averages against a loop, the first slot
from which the tail holds by hand, and ``transient`` against a direct computation on its own draws."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gsdiff.config import EXPERT_CHAIN, EXPERT_ONLINE, ExpertConfig, RadioConfig, policy_candidate
from gsdiff.evaluation import online_expert_config, running_rates, transient
from gsdiff.evaluation.transient import _first_slot_from_which
from gsdiff.solvers import run_expert
from gsdiff.wireless.time_sharing import sample_rates


def test_running_rates_are_the_averages_of_the_slots_so_far(generator):
    slot_rates = torch.rand(2, 7, 3, generator=generator, dtype=torch.float64)
    by_loop = np.stack([slot_rates[:, : s + 1].numpy().mean(1) for s in range(7)], axis=1)
    np.testing.assert_allclose(running_rates(slot_rates).numpy(), by_loop, rtol=1e-12)


@pytest.mark.parametrize(
    ("ok", "slot"),
    [([1, 1, 1], 1), ([0, 0, 1, 1], 3), ([1, 0, 1], 3), ([1, 1, 0], None), ([0], None)],
)
def test_first_slot_from_which_the_tail_holds(ok, slot):
    assert _first_slot_from_which(torch.tensor(ok, dtype=torch.bool)) == slot


def test_the_online_expert_has_no_burn_in_and_sees_fading_rates():
    config = online_expert_config(ExpertConfig(), 50)
    assert (config.num_iterations, config.burn_in, config.num_samples, config.dual_rates) == (
        50,
        0,
        50,
        "fading",
    )
    assert torch.equal(config.sample_iterations, torch.arange(50))  # every iterate is played, in order
    with pytest.raises(ValueError, match="num_slots must be an integer >= 1, got 0"):
        online_expert_config(ExpertConfig(), 0)


def test_transient_against_a_direct_computation(small_policy):
    torch.manual_seed(0)
    policy, radio = small_policy(), RadioConfig()
    gains = torch.rand(2, 5, 5, generator=torch.Generator().manual_seed(1)) * 1e-9 + torch.eye(5) * 1e-7
    expert = ExpertConfig(num_iterations=40, burn_in=10, num_samples=8)
    ugnn = policy_candidate("ugnn")
    result = transient(gains, 0.3, {ugnn: policy}, radio, expert, num_slots=12, seed=4)
    online = run_expert(gains, 0.3, radio, online_expert_config(expert, 12), seed=4).samples_w
    chain = run_expert(gains, 0.3, radio, replace(expert, num_samples=12), seed=4).samples_w
    drawn = policy.sample(gains, 0.3, 12, generator=torch.Generator().manual_seed(4))
    assert list(result.running_p5) == [EXPERT_ONLINE, EXPERT_CHAIN, ugnn]
    for candidate, samples in ((EXPERT_ONLINE, online), (EXPERT_CHAIN, chain), (ugnn, drawn)):
        rates = sample_rates(gains, samples.to(gains.dtype), radio).numpy()  # [B, S, N]
        rbar = np.cumsum(rates, axis=1) / np.arange(1, 13)[None, :, None]
        p5 = np.quantile(rbar, 0.05, axis=-1).mean(0)
        np.testing.assert_allclose(result.running_p5[candidate].numpy(), p5, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(result.running_mean[candidate].numpy(), rbar.mean((0, 2)), rtol=1e-5)
        assert result.tail_deficit[candidate] == pytest.approx(np.clip(0.3 - p5, 0, None).sum(), abs=1e-5)
        holds = [s + 1 for s in range(12) if (p5[s:] >= 0.3).all()]
        assert result.slots_to_f_min[candidate] == (holds[0] if holds else None)
    assert (result.num_pairs, result.num_networks, result.f_min) == (5, 2, 0.3)
