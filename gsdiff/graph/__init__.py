"""Networks as graph signals: the channel graph (PyG ``edge_index``, edge weights, node conditions u) and the
K-hop graph filters that the denoisers and the GNN expert are built from."""

from .filters import HopFilter, gated_shift, shift_operator, shift_operators
from .signals import (
    GraphTensors,
    coupling_weight,
    edge_weights,
    graph_batch,
    graph_tensors,
    log_snr_weight,
    node_conditions,
)

__all__ = [
    "log_snr_weight",
    "coupling_weight",
    "edge_weights",
    "node_conditions",
    "GraphTensors",
    "graph_tensors",
    "graph_batch",
    "shift_operator",
    "shift_operators",
    "gated_shift",
    "HopFilter",
]
