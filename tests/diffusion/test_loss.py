"""The diffusion loss and its per-step weights, against closed forms."""

import numpy as np
import pytest
import torch

from gsdiff.diffusion import NoiseSchedule, ddpm_loss, loss_weights

K = 500


def test_ddpm_loss_by_hand():
    eps, pred = torch.zeros(2, 3), torch.tensor([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    t = torch.tensor([0, 1])
    assert ddpm_loss(pred, eps, t).item() == pytest.approx(2.5)
    assert ddpm_loss(pred, eps, t, weights=torch.tensor([1.0, 0.0])).item() == pytest.approx(0.5)


def test_loss_weights():
    """log(1 + SNR) = -log(1 - alphabar) (a closed form), decreasing in k; v weights 1 / alphabar; mean 1."""
    schedule = NoiseSchedule.linear(K)
    weights = loss_weights(schedule, "log_snr").double()
    alphabar = np.cumprod(1 - np.linspace(1e-4, 0.02, K))
    expected = -np.log1p(-alphabar)
    np.testing.assert_allclose(weights.numpy(), expected / expected.mean(), rtol=1e-5)
    assert (weights.diff() < 0).all() and (weights > 0).all()
    v = loss_weights(schedule, "v").double().numpy()  # ||v - v_hat||^2 = ||eps - eps_hat||^2 / alphabar
    np.testing.assert_allclose(v, (1 / alphabar) / (1 / alphabar).mean(), rtol=1e-5)
    assert loss_weights(schedule, "none") is None
    with pytest.raises(ValueError, match="loss_weighting must be one of 'none', 'log_snr', 'v'; got 'snr'"):
        loss_weights(schedule, "snr")
