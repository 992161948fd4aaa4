"""How a stochastic policy clears the way for its users: hand-worked, and over a policy's worst users."""

import pytest
import torch

from gsdiff.config import DropConfig, policy_candidate
from gsdiff.evaluation import interferers_when_on, tail_coordination
from gsdiff.wireless import drop_networks


def test_interferers_when_on_hand_worked():
    """Three users; user 0 transmits in samples 0 and 1, its strongest interferer (user 2) in sample 1."""
    gains = torch.tensor([[[1.0, 0.01, 0.001], [0.02, 1.0, 0.0], [0.5, 0.0, 1.0]]])  # [B, j, i]
    x = torch.tensor([[[1.0, 0.0, 0.0], [0.5, 0.0, 1.0], [0.0, 1.0, 1.0]]])  # [B, S, N] fractions of P_max
    own, cleared = interferers_when_on(gains, x * 2.0, max_power_w=2.0, num_interferers=1)
    assert own[0, 0].item() == pytest.approx(0.75)  # (1 + 0.5) / 2
    assert cleared[0, 0].item() == pytest.approx(0.5)  # user 2 at 0 then 1
    # user 2 is on in samples 1 and 2; its interferer, user 0, is at 0.5 and 0 then
    assert cleared[0, 2].item() == pytest.approx(0.25)
    assert own[0, 1].item() == pytest.approx(1.0) and cleared[0, 1].item() == pytest.approx(0.0)
    never = interferers_when_on(gains, torch.zeros(1, 2, 3), 1.0)[0]
    assert torch.isnan(never).all()  # nobody transmits: undefined, not zero
    with pytest.raises(ValueError, match="disagree"):
        interferers_when_on(gains, x[:, :, :2], 1.0)


def test_tail_coordination_is_interferers_when_on_over_the_worst_users():
    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    samples = torch.rand(2, 8, 6, generator=torch.Generator().manual_seed(0)) * 0.01
    rates = torch.arange(12.0).reshape(2, 6)
    pool = policy_candidate("ugnn")
    out = tail_coordination(gains, rates, {pool: samples}, 0.01, tail=0.25)
    own, cleared = interferers_when_on(gains, samples, 0.01)
    worst = rates <= torch.quantile(rates.flatten(), 0.25)  # users 0, 1, 2 of network 0
    assert int(worst.sum()) == 3
    assert out[pool] == pytest.approx((own[worst].nanmean().item(), cleared[worst].nanmean().item()))
