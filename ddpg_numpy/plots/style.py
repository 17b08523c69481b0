"""The one look of every figure: colours, matplotlib settings, saving, animations, and the small
axes helpers the figure modules share.

Okabe–Ito colours that colour-blind readers can tell apart, a white background that reads in
light and dark notebook themes, titles and axis labels with units. Every plotting function takes
an optional ``ax`` or ``axes``, returns the matplotlib Figure, and never calls ``plt.show()``;
nothing here selects a backend.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import cycler
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Series use them in this order.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73",
             "orange": "#E69F00", "purple": "#CC79A7", "sky_blue": "#56B4E9",
             "yellow": "#F0E442", "black": "#000000"}
COLORS = list(OKABE_ITO.values())
VALUE_CMAP = "viridis"  # sequential, perceptually uniform, colour-blind safe
ACTION_CMAP = "RdBu_r"  # diverging around zero torque; ColorBrewer marks it colour-blind safe
REFERENCE_COLOR = "#555555"

STYLE: dict[str, Any] = {
    "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
    "figure.edgecolor": "white", "text.color": "black", "axes.labelcolor": "black",
    "axes.edgecolor": "#333333", "xtick.color": "#333333", "ytick.color": "#333333",
    "axes.prop_cycle": cycler(color=COLORS), "image.cmap": VALUE_CMAP,
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "figure.titlesize": 13,
    "legend.fontsize": 10, "xtick.labelsize": 10, "ytick.labelsize": 10,
    "axes.grid": True, "grid.color": "#cccccc", "grid.linewidth": 0.6, "grid.alpha": 0.7,
    "axes.spines.top": False, "axes.spines.right": False, "axes.titlepad": 8,
    "legend.frameon": True, "legend.framealpha": 0.9, "legend.edgecolor": "#cccccc",
    "lines.linewidth": 2.0, "figure.dpi": 100, "savefig.dpi": 120,
    "axes.unicode_minus": True,
}

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def style() -> Iterator[None]:
    """Temporarily use the package's look (``with style(): ...``); every plot function does."""
    with mpl.rc_context(STYLE):
        yield


def apply_style() -> None:
    """Use the package's look for every later figure (e.g. once at the top of a notebook)."""
    mpl.rcParams.update(STYLE)


def styled(function: F) -> F:
    """Decorator: run ``function`` inside ``style()``."""
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with style():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Save ``fig`` as PNG (or any format matplotlib knows) without version or date metadata,
    so the same figure gives the same bytes on every run."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Software": None} if path.suffix.lower() == ".png" else None
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata=metadata)
    return path


class FrameAnimation:
    """An animation: ``draw_frame(k)`` redraws ``fig`` as frame k of ``n_frames``.

    ``save_gif(path)`` writes a GIF (pillow, which comes with matplotlib), drawing each frame
    once; ``to_jshtml()`` gives matplotlib's interactive HTML player, and a notebook shows the
    animation when it is the value of a cell. The figure is not registered with pyplot, so
    notebooks do not also show it as a still image.
    """

    def __init__(self, fig: Figure, draw_frame: Callable[[int], Any], n_frames: int,
                 fps: float) -> None:
        if n_frames < 1:
            raise ValueError("an animation needs at least one frame.")
        self.fig, self.draw_frame, self.n_frames, self.fps = fig, draw_frame, n_frames, fps

    def save_gif(self, path: str | Path, dpi: int = 80, fps: float | None = None) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".gif":
            raise ValueError(f"save_gif writes a GIF; name the file *.gif, got {path}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = PillowWriter(fps=fps or self.fps)
        with writer.saving(self.fig, str(path), dpi):
            for k in range(self.n_frames):
                self.draw_frame(k)
                writer.grab_frame()
        return path

    def to_jshtml(self, dpi: int = 80) -> str:
        anim = FuncAnimation(self.fig, self.draw_frame, frames=self.n_frames,
                             interval=1000 / self.fps, blit=False)
        with mpl.rc_context({"savefig.dpi": dpi, "animation.embed_limit": 50.0}):
            return anim.to_jshtml(fps=self.fps, default_mode="once")

    def _repr_html_(self) -> str:
        return self.to_jshtml()


class HTMLAnimation(str):
    """An HTML string that Jupyter displays as the animation it contains."""

    def _repr_html_(self) -> str:
        return str(self)


def figure_and_axes(axes: Axes | Sequence[Axes] | np.ndarray | None, n: int,
                    figsize: tuple[float, float], **subplots: Any) -> tuple[Figure, list[Axes]]:
    """The caller's ``n`` axes, or a new figure with a row of ``n``."""
    if axes is None:
        fig, new = plt.subplots(1, n, figsize=figsize, layout="constrained", squeeze=False,
                                **subplots)
        return fig, list(new.ravel())
    flat = [axes] if isinstance(axes, Axes) else list(np.ravel(np.asarray(axes, dtype=object)))
    if len(flat) != n:
        raise ValueError(f"this plot draws on {n} axes, but {len(flat)} were given; pass "
                         f"{n} axes (e.g. plt.subplots(1, {n})[1]) or none for a new figure.")
    return flat[0].figure, flat


def legend_if_several(ax: Axes, **kwargs: Any) -> None:
    """A legend only when there is more than one labelled series."""
    labels = ax.get_legend_handles_labels()[1]
    if len([lab for lab in labels if not lab.startswith("_")]) > 1:
        ax.legend(**kwargs)


def signed(x: float, spec: str = ".1f") -> str:
    """A number for a label, with a true minus sign (−) instead of a hyphen."""
    return format(float(x), spec).replace("-", "\u2212")


def checked_array(x: Any, name: str, ndim: int, hint: str) -> np.ndarray:
    """``x`` as a float array, or a ValueError naming ``name`` and the expected shape ``hint``."""
    a = np.asarray(x, dtype=float)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array {hint}, got shape {a.shape}.")
    return a


__all__ = ["OKABE_ITO", "COLORS", "VALUE_CMAP", "ACTION_CMAP", "REFERENCE_COLOR", "STYLE", "F",
           "style", "apply_style", "save_figure", "FrameAnimation", "HTMLAnimation", "signed"]
