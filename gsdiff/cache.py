"""Content-addressed caches: where gsdiff keeps what it computes once (expert datasets, trained policies,
tuned settings, ONNX exports), and the key that names each entry by everything that produced it.

A cache entry's name holds ``content_key(spec)``: the first 16 hex digits of the SHA-256 of ``spec`` as
canonical JSON (keys sorted), where ``spec`` lists every input that changes the entry (sizes, seeds,
configs, weights' fingerprints). Any change of an input names another entry, so a stale entry is never
read; deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

__all__ = ["default_cache_dir", "content_key"]


def default_cache_dir() -> Path:
    """``$GSDIFF_CACHE`` or ``~/.cache/gsdiff``."""
    return Path(os.environ.get("GSDIFF_CACHE", Path.home() / ".cache" / "gsdiff"))


def content_key(spec: object) -> str:
    """16 hex digits naming ``spec`` (plain JSON data: dicts, lists, strings, numbers, None)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
