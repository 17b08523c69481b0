"""Experiments over many runs: grids of runs (sweeps) and how their results are reported.

``intervals``: per-seed window means and their mean and IQM over seeds with stratified-bootstrap
95 % intervals (rliable, Agarwal et al. 2021). rliable is an optional extra (``pip install -e
".[stats]"``); it is imported only when an interval is computed.
"""
