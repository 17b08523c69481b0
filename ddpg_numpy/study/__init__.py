"""Experiments over many runs: grids of runs (sweeps) and how their results are reported.

``spec``, ``sweep``, ``executors``: ``python -m ddpg_numpy sweep SPEC.toml --out DIR`` runs a
grid of runs (tasks × algorithms × variants × seeds) from a TOML spec, each cell an ordinary run
folder made by the ``train`` command, on local processes or on Ray (the optional extra ``ray``);
finished cells are skipped and interrupted ones resumed. ``report``: ``sweep-report DIR``, the
table and figure of a sweep (docs/sweeps.md). The lab never imports this wing.

``intervals``: per-seed window means and their mean and IQM over seeds with stratified-bootstrap
95 % intervals (rliable, Agarwal et al. 2021). rliable is an optional extra (``pip install -e
".[stats]"``); it is imported only when an interval is computed.
"""
