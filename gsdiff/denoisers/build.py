"""The denoiser a ``DenoiserConfig`` names."""

from __future__ import annotations

from torch import nn

from ..config import DenoiserConfig
from .gnn import GNNDenoiser
from .ugnn import UGNN

__all__ = ["build_denoiser"]


def build_denoiser(config: DenoiserConfig) -> nn.Module:
    """The U-GNN or the CAMSAP GNN, as ``config.kind`` says."""
    return UGNN(config) if config.kind == "ugnn" else GNNDenoiser(config)
