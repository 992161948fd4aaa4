"""The reverse process's initial noise x_K ~ N(0, I): i.i.d. draws, or randomized quasi-Monte Carlo ones.

A time-shared policy is worth the average of its samples' rates, and with S samples per network that
average is an S-point estimate. With i.i.d. samples, a user that transmits in a quarter of them gets
Binomial(S, 1/4) turns, +-17% of its airtime at S = 100: noise that lands in the lowest percentiles.
(Drawing S of the expert's own samples i.i.d. loses the same way; its consecutive iterates do not, because
the dual dynamics balance each user's turns.) DDIM with eta = 0 maps x_K to a sample deterministically, so
spreading the S initial noises evenly, as quasi-Monte Carlo does, spreads every user's turns evenly too.

``kind = "sobol"`` takes S points of an Owen-scrambled Sobol sequence in N dimensions (one point per sample,
one coordinate per node), XORs each network's points with its own random 30-bit digital shift, and maps them
through the Gaussian quantile function. Every sample's noise is then exactly N(0, I), samples of different
networks are independent, and within a network each coordinate keeps the Sobol net property: with S = 2^m,
every interval [k / S, (k + 1) / S) of every coordinate holds exactly one of the S points.
"""

from __future__ import annotations

import math

import torch

from ..checks import check_choice, check_int_at_least
from ..config import INITIAL_NOISE_KINDS

__all__ = ["initial_noise"]

_BITS = 30  # torch's Sobol points are multiples of 2^-30 (SobolEngine.MAXBIT)


def _uniform_sobol(
    b: int, s: int, n: int, generator: torch.Generator | None, device: torch.device | str
) -> torch.Tensor:
    """[B, S, N] uniform points: one scrambled Sobol set [S, N], digitally shifted per network."""
    if n > torch.quasirandom.SobolEngine.MAXDIM:
        raise ValueError(
            f"num_pairs: sobol noise supports at most {torch.quasirandom.SobolEngine.MAXDIM} pairs, got {n}; "
            "use initial_noise='gaussian'"
        )
    seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=device))
    points = torch.quasirandom.SobolEngine(n, scramble=True, seed=seed).draw(s, dtype=torch.float64)
    digits = (points * 2**_BITS).long()  # [S, N] exact 30-bit integers
    shift = torch.randint(0, 2**_BITS, (b, 1, n), generator=generator, device=device).cpu()  # [B, 1, N]
    return ((digits ^ shift).double() + 0.5) / 2**_BITS  # [B, S, N] centred in its 2^-30 cell: in (0, 1)


def initial_noise(
    num_networks: int,
    num_samples: int,
    num_pairs: int,
    kind: str,
    *,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Initial noise [B, S, N] for S reverse processes on each of B networks of N pairs (graph nodes).

    Args:
        kind: "sobol" (randomized quasi-Monte Carlo, see the module docstring) or "gaussian" (i.i.d.).
        generator: the randomness (drawn on the generator's device; the result is moved to ``device``).
    """
    check_choice("initial_noise", kind, INITIAL_NOISE_KINDS)
    for name, value in (
        ("num_networks", num_networks),
        ("num_samples", num_samples),
        ("num_pairs", num_pairs),
    ):
        check_int_at_least(name, value, 1)
    shape = (num_networks, num_samples, num_pairs)
    gen_device = generator.device if generator is not None else "cpu"  # draws happen where the generator is
    if kind == "gaussian":
        z = torch.randn(shape, generator=generator, dtype=torch.float64, device=gen_device)
    else:
        u = _uniform_sobol(*shape, generator, gen_device)
        z = math.sqrt(2) * torch.erfinv(2 * u - 1)  # Gaussian quantiles
    return z.to(device=device, dtype=dtype)
