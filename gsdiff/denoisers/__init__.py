"""Graph denoisers eps_theta(x_k, k; graph, u): the CAMSAP GNN and the U-GNN of the extended paper."""

from .build import build_denoiser
from .gnn import GNNDenoiser
from .ugnn import UGNN, UGNNBlock

__all__ = ["GNNDenoiser", "UGNNBlock", "UGNN", "build_denoiser"]
