"""Networks as graph signals: the channel graph (PyG ``edge_index``, edge weights, node conditions u) and the
K-hop graph filters that the denoisers and the GNN expert are built from."""

from .filters import HopFilter
from .operators import Applier, DenseShift, SparseShift
from .signals import (
    DENSE_MAX_NODES,
    ChannelGraph,
    GraphTensors,
    channel_graph,
    coupling_weight,
    edge_weights,
    graph_batch,
    graph_tensors,
    log_snr_weight,
    node_conditions,
)

__all__ = [
    "DENSE_MAX_NODES",
    "log_snr_weight",
    "coupling_weight",
    "edge_weights",
    "node_conditions",
    "GraphTensors",
    "graph_tensors",
    "graph_batch",
    "ChannelGraph",
    "channel_graph",
    "Applier",
    "DenseShift",
    "SparseShift",
    "HopFilter",
]
