"""A diffusion policy for a runtime with no Python: its denoiser as one ONNX graph (x_t, t, gains, f_min) ->
eps, and the coefficients of its sampler's steps (what ``gsdiff.viz.browser_sampler`` runs in a web page).

The graph starts from the raw large-scale gains: the channel-graph construction (``DiffusionPolicy.graphs``:
node conditions u and the dense normalized shift S) is traced with the denoiser, so a caller needs nothing
but the gains. Shapes are static in the network size N (the dense shift, N <= 128) and dynamic in the
number of networks B and of signals per network M.

torch.onnx has no translation of the stable sort with which the U-GNN's top-k pooling ranks the nodes
(``gsdiff.denoisers.ugnn._top_fraction``: argsort, then a scatter of the positions). While tracing, and only
then, the same ranks come from pairwise comparisons: the position of active node i in a stable descending
sort of the active nodes' scores s is

    rank_i = #{j active : s_j > s_i, or s_j = s_i and j < i},

which costs O(N^2 M) comparisons instead of a sort, nothing at the sizes of a dense graph. Inactive nodes
sort after every active one in the library's ranking too (their score is -inf), and neither ranking keeps
them, so both select the same nodes (``tests/policy/test_export.py`` checks it, ties included). The library
keeps its sort.

The sampler side is plain numbers: the inference timesteps t, alphabar at t and each step's ``LinearStep``
coefficients, so that another runtime runs the DDPM, DDIM or DPM-Solver++ loop of ``gsdiff.diffusion``
without any schedule maths (``ReverseSteps``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import torch
from torch import nn

from ..cache import content_key, default_cache_dir
from ..checks import check_int_at_least
from ..config import SamplingSetting
from ..denoisers import ugnn
from ..diffusion import LinearStep
from ..files import atomic_write
from ..graph import DENSE_MAX_NODES
from .diffusion_policy import DiffusionPolicy

__all__ = [
    "MAX_EXPORT_PAIRS",
    "pairwise_top_fraction",
    "ChannelDenoiser",
    "export_denoiser",
    "cached_export",
    "ReverseSteps",
]

MAX_EXPORT_PAIRS = DENSE_MAX_NODES  # the export holds S as dense blocks (torch.onnx cannot trace the table)


def pairwise_top_fraction(score: torch.Tensor, mask: torch.Tensor, factor: int) -> torch.Tensor:
    """The nodes ``gsdiff.denoisers.ugnn._top_fraction`` keeps (score and mask [B, N, M], result [B, N, M]
    bool), ranked by pairwise comparisons instead of a sort (see the module docstring)."""
    keep_count = torch.ceil(mask.sum(1, keepdim=True) / factor)  # [B, 1, M]
    index = torch.arange(score.shape[1], device=score.device)
    lower = (index[None, :] < index[:, None])[None, :, :, None]  # [1, i, j, 1]: j < i
    s_i, s_j = score[:, :, None], score[:, None, :]  # [B, i, 1, M], [B, 1, j, M]
    ahead = ((s_j > s_i) | ((s_j == s_i) & lower)) & mask[:, None]  # [B, i, j, M]: active j sorts before i
    rank = ahead.sum(2)  # [B, N, M]
    return (rank < keep_count) & mask


class ChannelDenoiser(nn.Module):
    """eps_theta(x_t, t; gains, f_min): a policy's channel-graph construction and denoiser as one module.

    Args:
        policy: the diffusion policy (its configs and weights; not copied).
        top_k: build graphs with each receiver's k strongest interferers (None: the policy's graph config).
    """

    def __init__(self, policy: DiffusionPolicy, top_k: int | None = None) -> None:
        super().__init__()
        self.policy, self.top_k = policy, top_k

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, gains: torch.Tensor, f_min: torch.Tensor
    ) -> torch.Tensor:
        """Noisy signals x [B, N, M], integer steps t [B, M], gains [B, N, N] (j -> i), the f_min each
        network's graph is built at [B] (bits/s/Hz, margin included) -> predicted noise [B, N, M]."""
        # dense blocks, which torch.onnx traces; no value checks, which a trace cannot hold
        graph = self.policy.graphs(gains, f_min, top_k=self.top_k, layout="dense", check=False)
        return self.policy.denoiser(x, t, graph)


def export_denoiser(
    policy: DiffusionPolicy, path: str | Path, num_pairs: int, *, top_k: int | None = None
) -> Path:
    """Write ``ChannelDenoiser(policy, top_k)`` for networks of ``num_pairs`` pairs as one ONNX file.

    Inputs ``x`` float32 [B, N, M], ``t`` int64 [B, M], ``gains`` float32 [B, N, N], ``f_min`` float32 [B];
    output ``eps`` float32 [B, N, M]; B and M dynamic, N = ``num_pairs`` static, weights inside the file
    (written atomically). Returns ``path``.
    """
    check_int_at_least("num_pairs", num_pairs, 2)
    if num_pairs > MAX_EXPORT_PAIRS:
        raise ValueError(
            f"num_pairs must be at most {MAX_EXPORT_PAIRS} (the dense channel graph), got {num_pairs}"
        )
    model = ChannelDenoiser(policy, top_k).eval()
    example = _example_inputs(num_pairs, next(policy.parameters()).device)
    networks, signals = torch.export.Dim("B", min=1, max=1024), torch.export.Dim("M", min=1, max=1 << 16)
    shapes = {"x": {0: networks, 2: signals}, "t": {0: networks, 1: signals}, "gains": {0: networks}}
    with mock.patch.object(ugnn, "_top_fraction", pairwise_top_fraction), torch.no_grad():
        program = torch.onnx.export(
            model,
            example,
            input_names=["x", "t", "gains", "f_min"],
            output_names=["eps"],
            dynamic_shapes=shapes | {"f_min": {0: networks}},
            dynamo=True,
            verbose=False,
        )
    data = program.model_proto.SerializeToString()
    atomic_write(path, lambda f: f.write(data))
    return Path(path)


def cached_export(
    policy: DiffusionPolicy,
    num_pairs: int,
    *,
    top_k: int | None = None,
    cache_dir: str | Path | None = None,
) -> Path:
    """``export_denoiser``'s file for this policy (configs and weights), N and top_k, exported on the first
    call into the cache folder (``onnx-<key>.onnx``) and read from there afterwards: tracing takes tens of
    seconds on a small CPU, a book rebuild none."""
    spec = {"policy": policy.fingerprint(), "pairs": num_pairs, "top_k": top_k, "torch": torch.__version__}
    path = Path(cache_dir or default_cache_dir()) / f"onnx-{content_key(spec)}.onnx"
    return path if path.is_file() else export_denoiser(policy, path, num_pairs, top_k=top_k)


def _example_inputs(n: int, device: torch.device) -> tuple[torch.Tensor, ...]:
    """Inputs to trace with (two networks of two signals: sizes 1 would be specialized away)."""
    generator = torch.Generator().manual_seed(0)
    gains = torch.rand(2, n, n, generator=generator) * 1e-10 + torch.eye(n) * 1e-8
    x = torch.randn(2, n, 2, generator=generator)
    t = torch.zeros(2, 2, dtype=torch.int64)
    return tuple(v.to(device) for v in (x, t, gains, torch.full((2,), 0.6)))


@dataclass(frozen=True)
class ReverseSteps:
    """The numbers of a policy's reverse process, inference step by step (noisiest first), for a runtime with
    no schedule maths. Step k, with a = ``alphas_cumprod[k]``, the ``LinearStep`` coefficients of
    ``gsdiff.diffusion`` and z ~ N(0, I):

        x0 = clip((x - sqrt(1 - a) eps) / sqrt(a)),
        x' = x_scale x + x0_scale x0 + previous_x0_scale x0_prev + noise_scale z,

    x0_prev the x0 of step k - 1 (its scale is 0 at the first step). DDPM, DDIM and DPM-Solver++(2M) take this
    form; UniPC's corrector does not (``Sampler.coefficients`` refuses it).
    """

    sampler: str  # the SamplingSetting's sampler, for the record
    timesteps: tuple[int, ...]  # the training steps t the denoiser is asked at
    alphas_cumprod: tuple[float, ...]  # alphabar_t
    x_scale: tuple[float, ...]
    x0_scale: tuple[float, ...]
    previous_x0_scale: tuple[float, ...]
    noise_scale: tuple[float, ...]
    clip_range: float | None  # x0 is clipped to [-clip_range, clip_range] (None: not clipped)

    @classmethod
    def of(cls, policy: DiffusionPolicy, setting: SamplingSetting | None = None) -> ReverseSteps:
        """The steps ``policy.sample(..., setting)`` takes (default: the policy's setting)."""
        setting = setting or policy.sampling
        sampler = policy.sampler(setting)
        timesteps = sampler.timesteps.tolist()
        steps = [sampler.coefficients(t) for t in timesteps]  # refuses a sampler of another form
        return cls(
            setting.sampler,
            tuple(timesteps),
            tuple(sampler.alphabars(t)[0] for t in timesteps),
            *(tuple(getattr(c, name) for c in steps) for name in LinearStep._fields),
            sampler.clip_range,
        )
