"""The memory of sampling, estimated before anything is built, and the guard that refuses a runaway.

A denoiser pass applies each graph shift to every signal of a chunk (networks x samples x N nodes); the
gated shifts of the U-GNN and the GNN hold one value per kept edge, signal and gate head, with their
compressed-row tables and gathered logits beside them. So the peak grows as O(nodes (degree + 1) heads):
linear in N on a top-k graph, quadratic on the complete graph, where one chunk of a 10,000-pair network
would need tens of GB. ``DiffusionPolicy.sample`` checks the estimate against a budget (``memory_gb``,
``SAMPLING_MEMORY_GB`` by default) and refuses, naming the flags that fit, before building a graph.
"""

from __future__ import annotations

from ..checks import check_positive
from ..config import DenoiserConfig

__all__ = ["BYTES_PER_EDGE_SIGNAL", "sampling_memory_gb", "check_sampling_memory"]

# Bytes per (node, signal, gate head, kept neighbour) of one chunk. Measured (benchmarks/sampling_memory.py,
# shipped U-GNN, 4 samples, complete graphs, peak resident memory less the process's own): 115 bytes at
# N = 400 and 1000, 69 at N = 2000; the estimate rounds up, so it stays above what was measured.
BYTES_PER_EDGE_SIGNAL = 128


def sampling_memory_gb(nodes_per_chunk: int, degree: int, denoiser: DenoiserConfig) -> float:
    """The estimated peak memory (GB) of sampling a chunk of ``nodes_per_chunk`` nodes (networks x samples x
    N) on graphs that keep ``degree`` neighbours per receiver."""
    heads = max(denoiser.gate_heads, 1)
    return BYTES_PER_EDGE_SIGNAL * nodes_per_chunk * (degree + 1) * heads / 1e9


def check_sampling_memory(
    nodes_per_chunk: int,
    num_pairs: int,
    top_k: int | None,
    denoiser: DenoiserConfig,
    *,
    memory_gb: float,
    training_pairs: int | None,
) -> None:
    """Raise ValueError when chunks of ``nodes_per_chunk`` nodes of ``num_pairs``-pair networks on graphs of
    ``top_k`` neighbours (None: all) would need more than ``memory_gb``; the message names the degree and
    chunk size that would fit and the flags that set them."""
    check_positive("memory_gb", memory_gb)
    degree = num_pairs - 1 if top_k is None else min(top_k, num_pairs - 1)
    need = sampling_memory_gb(nodes_per_chunk, degree, denoiser)
    if need <= memory_gb:
        return
    fits = max(1, int(memory_gb / need * (degree + 1)) - 1)
    trained = f"trained on {training_pairs} pairs" if training_pairs else "of unknown training size"
    raise ValueError(
        f"sampling networks of {num_pairs} pairs on graphs of {degree} neighbours per receiver needs about "
        f"{need:.1f} GB for chunks of {nodes_per_chunk} nodes, over memory_gb = {memory_gb:g}: keep fewer "
        f"neighbours (--top-k / top_k, at most about {fits} at this chunk size; the policy is {trained}), "
        "take smaller chunks (--chunk-nodes / chunk_nodes) or allow more memory (--memory-gb / memory_gb)"
    )
