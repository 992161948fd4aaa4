"""Files as plain NumPy arrays, written atomically, so other tools can feed and read gsdiff."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from .checks import check_gains

if TYPE_CHECKING:  # files sit below the wireless model: only the annotation names it
    from .wireless.channel import Networks

__all__ = ["atomic_write", "save_networks", "load_gains", "save_array", "load_array"]


def atomic_write(path: str | Path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it into place.

    A crash leaves either the old file or the new one, never half of one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_networks(path: str | Path, networks: Networks, **metadata: float) -> None:
    """An ``.npz`` with ``gains`` [B, N, N] in W/W (gains[b, j, i]: tx j to rx i), positions and metadata."""
    arrays = {
        "gains": networks.gains.cpu().numpy(),
        "tx_pos_m": networks.tx_pos_m.cpu().numpy(),
        "rx_pos_m": networks.rx_pos_m.cpu().numpy(),
        "side_m": np.float64(networks.side_m),
        **{k: np.float64(v) for k, v in metadata.items()},
    }
    atomic_write(path, lambda f: np.savez(f, **arrays))


def _numpy_file(path: str | Path, what: str):
    """``np.load`` of a file that must be ``what``; what numpy cannot read raises naming the file."""
    try:
        return np.load(path)
    except (ValueError, OSError, EOFError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        detail = "not a NumPy .npy or .npz file" if "pickled" in str(error) else str(error)
        raise ValueError(f"{str(path)!r} must be {what}; numpy cannot read it ({detail})") from None


def load_gains(path: str | Path, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The ``gains`` [B, N, N] of any ``.npz`` that has that key (whoever made it), validated."""
    loaded = _numpy_file(path, "an .npz networks file with 'gains' [B, N, N]")
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"networks file {str(path)!r} must be an .npz with 'gains', got a .npy array")
    with loaded as data:
        if "gains" not in data:
            raise ValueError(
                f"networks file {str(path)!r} has no 'gains' array (keys: {sorted(data.keys())})"
            )
        gains = torch.as_tensor(np.asarray(data["gains"], dtype=np.float64)).to(dtype)
    check_gains(gains, name=f"gains in {path}")
    if gains.dim() != 3:
        raise ValueError(f"gains in {path} must have shape [B, N, N], got {tuple(gains.shape)}")
    return gains


def save_array(path: str | Path, array: torch.Tensor) -> None:
    """A tensor as a ``.npy`` file, atomically."""
    atomic_write(path, lambda f: np.save(f, array.detach().cpu().numpy()))


def load_array(path: str | Path, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A ``.npy`` file as a tensor."""
    loaded = _numpy_file(path, "a .npy array file")
    if not isinstance(loaded, np.ndarray):
        loaded.close()
        raise ValueError(f"array file {str(path)!r} must be a .npy array, got an .npz archive")
    return torch.as_tensor(np.asarray(loaded, dtype=np.float64)).to(dtype)
