"""Parsers for the options of training runs, shared by the command line and the benchmarks:
``--seeds 0-4`` and ``--set NAME=VALUE``. (Nothing imports the command line itself.)"""

from __future__ import annotations

import argparse
import ast


def parse_seeds(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '0,3,7' -> [0, 3, 7]."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part.strip()[1:]:  # a range; a leading '-' is a negative seed
                lo, hi = part.split("-", 1)
                seeds.extend(range(int(lo), int(hi) + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds {text!r}: use a range like 0-4 or a list "
                                         "like 0,1,2") from None
    if not seeds:
        raise argparse.ArgumentTypeError("--seeds needs at least one seed")
    return seeds


def parse_override(text: str) -> tuple[str, object]:
    """'tau=0.005' -> ('tau', 0.005); values are Python literals, else strings."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--set {text!r}: write NAME=VALUE, e.g. --set tau=0.005")
    key, value = text.split("=", 1)
    try:
        return key.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key.strip(), value
