"""Several processes, one job: data-parallel training and a shared expert-dataset build under ``torchrun``.

``torchrun --nproc-per-node K -m gsdiff train ...`` starts K copies of the same command with ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK`` and a rendezvous address in their environment; ``init_from_environment`` joins
them into one process group (NCCL on CUDA, gloo on the CPU) and ``current_workers`` tells every part of the
library which of the K it is. Outside torchrun both say "one process", so the same code runs alone.

How the work is divided keeps the result independent of K:

- **Training** draws the *global* mini-batch (problems, expert samples, diffusion steps and noise) from one
  generator that every rank holds in the same state, and each rank computes the loss on its own contiguous
  shard of it, scaled by ``shard / global * K`` so that DistributedDataParallel's gradient average is the
  gradient of the global batch mean. K processes therefore follow the single-process trajectory to
  floating-point round-off, and a checkpoint (written by rank 0 only) resumes under any K.
- **The expert dataset** is a set of independent, content-addressed cells: rank r builds the missing cells
  r, r + K, r + 2K, ... and all ranks meet at a barrier before reading them back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["Workers", "current_workers", "init_from_environment"]


@dataclass(frozen=True)
class Workers:
    """Which process of how many this is (rank 0 of 1 outside torchrun)."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that validates, writes checkpoints and shows progress."""
        return self.rank == 0

    def shard(self, size: int) -> slice:
        """This rank's contiguous share of ``size`` items (sizes differ by at most one between ranks)."""
        if size < self.world_size:
            raise ValueError(f"cannot share {size} items among {self.world_size} processes: need >= 1 each")
        return slice(self.rank * size // self.world_size, (self.rank + 1) * size // self.world_size)

    def mine(self, index: int) -> bool:
        """Whether item ``index`` of a round-robin division of work is this rank's."""
        return index % self.world_size == self.rank

    def barrier(self) -> None:
        """Wait for every rank (nothing to wait for alone)."""
        if self.world_size > 1:
            dist.barrier()

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """The mean over ranks of a tensor every rank holds (a copy; the tensor itself alone)."""
        if self.world_size == 1:
            return value
        total = value.detach().clone()
        dist.all_reduce(total)
        return total / self.world_size


def current_workers() -> Workers:
    """This process's place in the initialized process group (rank 0 of 1 when there is none)."""
    if dist.is_available() and dist.is_initialized():
        return Workers(dist.get_rank(), dist.get_world_size())
    return Workers()


def init_from_environment(device: torch.device) -> tuple[Workers, torch.device]:
    """Join the process group that ``torchrun`` describes in the environment (if any, and not joined yet).

    Returns the workers and the device this rank computes on: for CUDA, the GPU of its ``LOCAL_RANK``.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size > 1 and not dist.is_initialized():
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return current_workers(), device
