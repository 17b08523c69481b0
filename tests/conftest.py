"""Shared test settings: headless rendering, one BLAS thread, float64 helpers."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("MPLBACKEND", "Agg")


import sys  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Every figure a test opens is closed after it (only where matplotlib is in use)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
