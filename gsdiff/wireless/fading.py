"""Small-scale Rayleigh fading: power gains |h|^2 ~ Exp(1), i.i.d. per slot or time-correlated."""

from __future__ import annotations

import math

import torch

from ..config import EvaluationConfig

__all__ = ["jakes_correlation", "RayleighFading"]


def jakes_correlation(doppler_hz: float, slot_s: float) -> float:
    """Lag-one correlation of the complex gain under Jakes' spectrum: rho = J0(2 pi f_D T_slot)."""
    return float(
        torch.special.bessel_j0(torch.tensor(2 * math.pi * doppler_hz * slot_s, dtype=torch.float64))
    )


class RayleighFading:
    """Draws fading power gains for a fixed channel shape, slot after slot.

    ``kind="iid"``: a new |h|^2 ~ Exp(1) every slot. ``kind="jakes"``: the complex gain follows the AR(1)
    (Gauss-Markov) model h(t) = rho h(t-1) + sqrt(1 - rho^2) w(t), w ~ CN(0, 1), the first-order fit of
    Jakes' model with rho = J0(2 pi f_D T_slot); each |h(t)|^2 is still Exp(1).

    Args:
        shape: the channel shape, e.g. [B, N, N].
        evaluation: picks the kind, Doppler and slot length.
        generator: the randomness.
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        evaluation: EvaluationConfig,
        generator: torch.Generator,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.shape, self.kind, self.generator = tuple(shape), evaluation.fading, generator
        self.device, self.dtype = torch.device(device), dtype
        self.rho = (
            jakes_correlation(evaluation.doppler_hz, evaluation.slot_s) if self.kind == "jakes" else 0.0
        )
        self._h: torch.Tensor | None = None  # last complex gain (jakes only), as [..., 2] real/imag

    def _complex_normal(self, shape: tuple[int, ...]) -> torch.Tensor:
        # CN(0, 1): real and imaginary parts N(0, 1/2).
        return torch.randn(
            *shape, 2, generator=self.generator, device=self.device, dtype=self.dtype
        ) / math.sqrt(2)

    def draw(self, num_slots: int) -> torch.Tensor:
        """The next ``num_slots`` slots of power gains, [T, *shape]."""
        shape = (num_slots, *self.shape)
        if self.kind == "iid":
            return torch.empty(shape, device=self.device, dtype=self.dtype).exponential_(
                generator=self.generator
            )
        innovations = self._complex_normal(shape)  # [T, *shape, 2]
        scale = math.sqrt(1 - self.rho**2)
        h, out = self._h, []
        for t in range(num_slots):  # a recursion in time, vectorized over every link
            h = innovations[t] if h is None else self.rho * h + scale * innovations[t]
            out.append(h)
        self._h = h
        return torch.stack(out).square().sum(-1)
