"""Checkpoints as plain ``.npz`` files: arrays only (loaded with ``allow_pickle=False``), written
atomically (a temporary file in the same folder, then ``os.replace``), so a run killed in the
middle of a write still has its previous checkpoint intact.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
import zlib
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


class MissingEntryError(KeyError):
    """A checkpoint lacks an array its reader needs; says which file and which entry."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


class Checkpoint(dict):
    """The arrays of one .npz file by name; a missing name raises ``MissingEntryError``."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray]) -> None:
        super().__init__(arrays)
        self.path = path

    def __missing__(self, key: str) -> np.ndarray:
        raise MissingEntryError(f"{self.path} has no {key!r} entry, so it is not a complete "
                                f"ddpg-numpy agent or checkpoint (made elsewhere or cut short). "
                                f"{_PASS_OURS}")


_PASS_OURS = "Pass an agent.npz or checkpoint.npz written by ddpg-numpy."
_REFUSED = "it is not loaded, because unpickling can run any code."


def load_npz(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by ``save_npz_atomic`` into a dict (no pickle involved).
    Anything else (a folder, a text file, a pickle, a truncated or damaged archive) is an error
    that says what the file is and what to pass instead."""
    path = Path(path)
    if path.is_dir():
        raise FileNotFoundError(f"{path} is a folder; pass the agent file in it, e.g. "
                                f"{path / 'agent.npz'} (or {path / 'checkpoint.npz'}).")
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}. Train first (python -m ddpg_numpy "
                                "train --out DIR) and pass DIR/checkpoint.npz or DIR/agent.npz.")
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:1] == b"\x80":  # pickle protocols 2 and up
        raise ValueError(f"{path} is a pickle, not an .npz of arrays; {_REFUSED} {_PASS_OURS}")
    if head[:2] != b"PK":  # an .npz is a zip archive of .npy files
        raise ValueError(f"{path} is not an .npz file (a zip archive of arrays; this one starts "
                         f"with {head!r}). {_PASS_OURS}")
    try:
        with np.load(path, allow_pickle=False) as data:
            return Checkpoint(path, {k: data[k] for k in data.files})
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        if "pickle" in str(e):
            raise ValueError(f"{path} holds Python objects (pickled arrays); {_REFUSED} "
                             f"{_PASS_OURS}") from e
        raise ValueError(f"{path} is truncated or damaged ({type(e).__name__}: {e}). If a run "
                         "was killed while writing it, the previous checkpoint.npz is "
                         "intact.") from e
