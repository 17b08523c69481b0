"""Checkpoints as plain ``.npz`` files: arrays only (loaded with ``allow_pickle=False``), written
atomically (a temporary file in the same folder, then ``os.replace``), so a run killed in the
middle of a write still has its previous checkpoint intact.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np


def save_npz_atomic(path: str | os.PathLike, arrays: dict[str, np.ndarray],
                    compressed: bool = False) -> Path:
    """Write ``arrays`` to ``path`` (.npz) so that readers see the old file or the new one,
    never a half-written one. ``compressed`` zips them (smaller, slower: for shipped files)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            (np.savez_compressed if compressed else np.savez)(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; give it the usual mode
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a checkpoint written by ``save_npz_atomic`` into a dict (no pickle involved)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}. Train first (python -m ddpg_numpy "
                                "train --out DIR) and pass DIR/checkpoint.npz or DIR/agent.npz.")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError) as e:
        raise ValueError(f"{path} is not a readable ddpg-numpy checkpoint ({e}). If a run was "
                         "killed while writing it, the previous checkpoint.npz is intact.") from e
