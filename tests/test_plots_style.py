"""plots.style: the look of every figure, saving without metadata, signed numbers.

Every function runs on small inputs, returns its figure, writes a non-empty file, draws
the numbers it claims to draw, and rejects wrongly shaped input with a clear error."""

import matplotlib
import matplotlib.pyplot as plt
from PIL import Image
from plots_helpers import assert_written

from ddpg_numpy import plots as P


def test_style_is_temporary_and_apply_style_is_global():
    before = dict(matplotlib.rcParams)
    with P.style():
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == P.COLORS[0]
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]
    with matplotlib.rc_context():  # restores the settings afterwards
        P.apply_style()
        assert matplotlib.rcParams["figure.facecolor"] == "white"
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == P.COLORS


def test_okabe_ito_colours_are_distinct():
    assert len(set(P.COLORS)) == len(P.COLORS) == 8


def test_save_figure_writes_png_without_software_metadata(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path = P.save_figure(fig, tmp_path / "sub" / "line.png")
    assert_written(path)
    assert "Software" not in Image.open(path).info


def test_signed_uses_a_true_minus_sign():
    assert P.signed(-3.14159, ".2f") == "\u22123.14"
    assert P.signed(2, "+.1f") == "+2.0"
