"""The diffusion policy: a trained denoiser with its noise schedule and graph construction that draws
allocations for any network (``DiffusionPolicy``), its checkpoints (what defines the weights, checked on
loading; the sampling setting stored beside them), the shipped checkpoints, and the denoiser exported to
ONNX for runtimes without Python."""

from .checkpoints import DEFINING_CONFIGS, FORMAT, MOVED, migrate, read_checkpoint
from .diffusion_policy import DiffusionPolicy, project_to_levels
from .export import (
    MAX_EXPORT_PAIRS,
    ChannelDenoiser,
    ReverseSteps,
    cached_export,
    export_denoiser,
    pairwise_top_fraction,
)
from .memory import check_sampling_memory, sampling_memory_gb
from .pretrained import (
    checkpoint_path,
    initial_policy,
    load_distilled,
    load_pretrained,
    shipped_checkpoint,
    with_kind,
)

__all__ = [
    "DiffusionPolicy",
    "sampling_memory_gb",
    "check_sampling_memory",
    "project_to_levels",
    "FORMAT",
    "DEFINING_CONFIGS",
    "MOVED",
    "migrate",
    "read_checkpoint",
    "checkpoint_path",
    "shipped_checkpoint",
    "with_kind",
    "load_pretrained",
    "load_distilled",
    "initial_policy",
    "MAX_EXPORT_PAIRS",
    "pairwise_top_fraction",
    "ChannelDenoiser",
    "export_denoiser",
    "cached_export",
    "ReverseSteps",
]
