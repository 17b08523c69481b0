"""``sweep --ray``: the tiny grid (2 tasks × 2 seeds, 800 steps) as Ray tasks on a real local Ray
cluster of 2 CPUs gives the same run folders, byte for byte, as local processes.

Needs the optional extra ``ray`` (``pip install -e ".[ray]"``; ``make setup`` installs it); without
it the test is skipped and says so. The cluster lives in the test's own temporary folder, on the
loopback address, without dashboard or usage statistics, and stops with the sweep.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_study_sweep import ROOT, cells, logs_of, reference, write_spec  # noqa: F401

pytest.importorskip("ray", reason="the optional extra ray is not installed: pip install -e "
                    "'.[ray]' (make setup installs it)")


def test_a_ray_cluster_makes_the_same_folders_as_local_processes(reference, tmp_path):  # noqa: F811
    spec, local, _ = reference
    out = tmp_path / "ray"
    # Ray's own files (sockets, logs) in a temporary folder of the test's with a short path
    # (a socket's path has a length limit), removed afterwards: nothing is left in /tmp/ray.
    ray_tmp = Path(tempfile.mkdtemp(prefix="ray"))
    env = {**os.environ, "RAY_TMPDIR": str(ray_tmp), "RAY_USAGE_STATS_ENABLED": "0"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ddpg_numpy", "sweep", str(spec), "--out", str(out), "--ray",
             "--workers", "2"], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    if "could not start or reach a local Ray" in result.stderr and "timed out" in result.stderr:
        # Ray's own 30 s start-up limit (ray/_private/node.py), missed twice on a machine too
        # busy for it: the machine's state, not the sweep's; said, not hidden
        pytest.skip("a local Ray did not start within Ray's 30 s on this busy machine: "
                    + result.stderr.strip())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "on Ray (a local cluster of 2 CPUs)" in result.stdout
    assert [c.relative_to(out) for c in cells(out)] == [c.relative_to(local)
                                                         for c in cells(local)]
    for cell in cells(local):
        assert logs_of(out / cell.relative_to(local)) == logs_of(cell), cell
    again = subprocess.run(  # a second sweep, now on local processes: nothing left to do
        [sys.executable, "-m", "ddpg_numpy", "sweep", str(spec), "--out", str(out)], cwd=ROOT,
        capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "4 cells: 4 done, 0 to run" in again.stdout
