"""The diffusion space of allocations, by hand."""

import pytest
import torch

from gsdiff.diffusion import from_diffusion_space, to_diffusion_space


def test_round_trip_and_projection():
    power = torch.tensor([0.0, 0.005, 0.01])
    x = to_diffusion_space(power, 0.01)
    assert torch.allclose(x, torch.tensor([-0.5, 0.0, 0.5]))
    assert torch.allclose(from_diffusion_space(x, 0.01), power)
    assert torch.allclose(from_diffusion_space(torch.tensor([-0.9, 0.7]), 0.01), torch.tensor([0.0, 0.01]))
    with pytest.raises(ValueError, match="max_power_w"):
        to_diffusion_space(torch.zeros(1), 0.0)
