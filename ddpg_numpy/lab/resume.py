"""What a resume checks before it trusts a run folder: one function, ``check_resume``.

A resume continues the agent, buffer and loop of ``checkpoint.npz`` under the settings of
``config.json``; both were written by the run, so they agree unless a file was edited, deleted or
copied in from elsewhere. Everything they record is compared, before anything is written:

- ``config.json`` is as a run writes it (run_folder.read_saved_run: types and ranges);
- what the caller asks for (environment, seeds, stacked or solo, hyperparameters) is the run's;
- the checkpoint's own record (hyperparameters, seeds, stacked, algorithm, environment, step)
  is config.json's: an edited ``tau``, a deleted entry, seeds edited 0 -> 7, another seed's
  checkpoint copied in, each is one line naming both values and the fix;
- the checkpoint is not past the steps asked for, and progress.csv holds every row the
  checkpoint covers (a checkpoint restores its rows itself when it carries them: run_folder).

Extending a run (more steps) records the new target in config.json (``record_target``), so
the resume command printed after a later Ctrl-C continues to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.config import DDPGConfig, TD3Config
from .run_folder import (
    CHECKPOINT_FILE,
    CONFIG_FILE,
    PROGRESS_FILE,
    SavedRun,
    checkpoint_path,
    group_folder,
    has_checkpoint,
    holds_results,
    read_saved_run,
    replace_text,
)

RESTORE = (f"Restore the file as the run wrote it (or put back the run's own {CHECKPOINT_FILE}), "
           "or start a new run in another --out folder.")


def check_same_config(out: Path, saved: DDPGConfig, cfg: DDPGConfig) -> None:
    """Resuming with another config than the run's is an error that lists the differences."""
    if saved != cfg:
        diff = {k: (v, cfg.to_dict()[k]) for k, v in saved.to_dict().items()
                if cfg.to_dict().get(k) != v}
        raise ValueError(f"the run in {out} was started with another config; differences "
                         f"(saved, given): {diff}. Resume with the saved config "
                         "(the command line does this for you).")


def saved_run(out: Path) -> SavedRun:
    """The run in ``out``, or why there is none: no config.json (and, if the folder holds a
    checkpoint or rows, that its settings are lost), or one that is not as the run wrote it."""
    run = read_saved_run(out)
    if run is not None:
        return run
    if holds_results(out):
        raise FileNotFoundError(f"{out} holds a run but no {CONFIG_FILE}: its settings are lost, "
                                f"so it cannot be resumed (and is not started again over its "
                                f"results). Restore {out / CONFIG_FILE}, or start a new run in "
                                "another --out folder.")
    raise FileNotFoundError(f"no run to resume in {out} ({CONFIG_FILE} missing). Start it "
                            "without --resume.")


def check_resume(out: Path, env_id: str, cfg: DDPGConfig, seeds: list[int], stacked: bool,
                 steps: int, *, in_workers: bool = False) -> SavedRun:
    """Everything a resume of ``out`` relies on (the module's docstring); returns the run.
    ``in_workers``: ``out`` is a worker group's folder (its seeds are one group's)."""
    run = saved_run(out)
    if len(run.groups) > 1 and not in_workers:
        raise ValueError(f"the run in {out} was trained in {len(run.groups)} worker groups "
                         f"{run.groups}: resume it with workers={len(run.groups)} (the command "
                         "line does this for you).")
    asked = []
    if env_id != run.env_id:
        asked.append(f"env_id {env_id!r} (the run's: {run.env_id!r})")
    if list(seeds) != run.seeds:
        asked.append(f"seeds {list(seeds)} (the run's: {run.seeds})")
    if asked:
        raise ValueError(f"the run in {out} is not the one asked for: {'; '.join(asked)}. "
                         "Resume it with its own settings (the command line does this for you: "
                         f"train --out {out} --resume).")
    check_same_config(out, run.config, cfg)
    if has_checkpoint(out):
        facts = checkpoint_facts(out)
        _check_checkpoint(out, run, facts)
        if stacked != facts["stacked"]:
            how = f"seeds={run.seeds}" if facts["stacked"] else f"seed={run.seeds[0]}"
            raise ValueError(f"the run in {out} trains seed {run.seeds} as a "
                             f"{'stack' if facts['stacked'] else 'solo agent'}: resume it with "
                             f"{how} (the command line does this for you).")
        if steps < facts["step"]:
            raise ValueError(f"the run in {out} is already at step {facts['step']}, past the "
                             f"{steps} steps asked for: to train it further pass more steps "
                             f"(--steps above {facts['step']}), or leave --steps out")
        if not facts["carries_logs"]:
            _check_logged(out, run, facts["step"])
    else:
        missing = sorted(set(type(run.config)().to_dict()) - set(run.raw_config or {}))
        if missing:
            raise ValueError(f"{out / CONFIG_FILE} has no {missing[0]!r} entry in its config "
                             "(a run writes every hyperparameter), and no checkpoint records "
                             f"it: restore it, e.g. \"{missing[0]}\": "
                             f"{json.dumps(getattr(run.config, missing[0]))}.")
    return run


def check_resume_groups(out: Path, env_id: str, cfg: DDPGConfig, seeds: list[int],
                        groups: list[list[int]], steps: int) -> None:
    """A worker run resumes with the worker groups, seeds and config it was started with, and
    each group's folder passes ``check_resume``."""
    run = check_resume(out, env_id, cfg, seeds, True, steps, in_workers=True)
    if run.groups != groups:
        raise ValueError(f"the run in {out} was trained in worker groups {run.groups}, not "
                         f"{groups}: resume it with workers={len(run.groups)} (the command "
                         "line does this for you).")
    for group in groups:
        folder = group_folder(out, group)
        if not has_checkpoint(folder):
            continue  # started again from step 0 (parallel.py)
        written = read_saved_run(folder)
        mine, top = (written.raw_config or {}) if written else {}, run.raw_config or {}
        if written is not None and mine != top:
            names = sorted(k for k in set(mine) | set(top) if mine.get(k) != top.get(k))[:4]
            raise ValueError(f"{out / CONFIG_FILE} and {folder / CONFIG_FILE} disagree on "
                             f"{names} (the group's, which its checkpoint was trained with: "
                             f"{[mine.get(k, '(missing)') for k in names]}). {RESTORE}")
        check_resume(folder, env_id, cfg, group, True, steps, in_workers=True)


def record_target(out: Path, steps: int) -> None:
    """Write ``steps`` into config.json as the run's target (a resume asked for more or fewer)."""
    path = out / CONFIG_FILE
    run = json.loads(path.read_text())
    if run["steps"] != steps:
        replace_text(path, json.dumps({**run, "steps": steps}, indent=2))


def checkpoint_facts(out: Path) -> dict[str, Any]:
    """What checkpoint.npz records about its run (read lazily: the buffer is not loaded)."""
    path = checkpoint_path(out)
    try:
        with np.load(path, allow_pickle=False) as data:
            files = set(data.files)
            return {"step": int(json.loads(str(data["loop.state"]))["step"]),
                    "config": json.loads(str(data["config"])),
                    "seeds": [int(s) for s in np.atleast_1d(data["seeds"])],
                    "stacked": bool(data["stacked"]),
                    "algorithm": str(data["algorithm"]) if "algorithm" in files else "ddpg",
                    "env_id": str(data["env_id"]) if "env_id" in files else "",
                    "carries_logs": "loop.progress_csv" in files}
    except Exception as e:  # noqa: BLE001 (any damage: one line saying so)
        raise ValueError(f"{path} cannot be read as a checkpoint ({type(e).__name__}: "
                         f"{str(e)[:80]}): it is damaged or not this run's. Put back the run's "
                         "own checkpoint, or start a new run in another --out folder.") from None


def _check_checkpoint(out: Path, run: SavedRun, facts: dict[str, Any]) -> None:
    """config.json and checkpoint.npz describe the same run, entry by entry."""
    differences = []
    written = run.raw_config or {}
    for name in sorted(set(written) | set(facts["config"])):
        mine, theirs = written.get(name, "(missing)"), facts["config"].get(name, "(missing)")
        if mine != theirs:
            differences.append(f"{name} {json.dumps(mine)} in {CONFIG_FILE}, {json.dumps(theirs)} "
                               "in the checkpoint")
    if facts["seeds"] != run.seeds:
        differences.append(f"seeds {run.seeds} in {CONFIG_FILE}, {facts['seeds']} in the "
                           "checkpoint")
    algorithm = "td3" if isinstance(run.config, TD3Config) else "ddpg"
    if facts["algorithm"] != algorithm:
        differences.append(f"algorithm {algorithm} by {CONFIG_FILE}, {facts['algorithm']} in the "
                           "checkpoint")
    if facts["env_id"] and facts["env_id"] != run.env_id:
        differences.append(f"env_id {run.env_id} in {CONFIG_FILE}, {facts['env_id']} in the "
                           "checkpoint")
    if run.stacked is not None and run.stacked != facts["stacked"]:
        differences.append(f"stacked {json.dumps(run.stacked)} in {CONFIG_FILE}, "
                           f"{json.dumps(facts['stacked'])} in the checkpoint")
    if differences:
        raise ValueError(f"{out / CONFIG_FILE} and {CHECKPOINT_FILE} disagree: "
                         f"{'; '.join(differences[:4])}. {RESTORE}")


def _check_logged(out: Path, run: SavedRun, step: int) -> None:
    """progress.csv holds a row per seed for every evaluation up to the checkpoint's ``step``
    (checkpoints that carry their rows restore them instead: older ones cannot)."""
    path = out / PROGRESS_FILE
    lines = path.read_text().splitlines(keepends=True)[1:] if path.exists() else []
    logged = set()
    for line in lines:
        cells = line.split(",")
        if line.endswith("\n") and len(cells) > 1 and cells[0].isdigit() and cells[1].isdigit():
            logged.add((int(cells[0]), int(cells[1])))
    every = run.config.eval_every
    missing = sorted(k for k in range(every, step + 1, every)
                     if any((k, s) not in logged for s in run.seeds))
    if missing:
        raise ValueError(f"{path} has no rows for step {missing[0]}"
                         f"{f' to {missing[-1]}' if len(missing) > 1 else ''}, which "
                         f"{CHECKPOINT_FILE} (step {step}) covers: a resume would never log "
                         "them. Restore progress.csv, or start a new run in another --out "
                         "folder.")


def is_stacked(out: Path, run: SavedRun) -> bool:
    """Whether the run trains its seeds as a stack (a stack of one seed too: --seeds 5):
    config.json says so; older folders, their checkpoint; else several seeds are a stack."""
    if run.stacked is not None:
        return run.stacked
    if has_checkpoint(out):
        return bool(checkpoint_facts(out)["stacked"])
    return len(run.seeds) > 1


def resume_conflicts(saved: SavedRun, env_id: str | None, seed: int | None,
                     seeds: Sequence[int] | None, workers: int | None,
                     config: DDPGConfig | None) -> list[str]:
    """The flags given with ``--resume`` (None: not given) that disagree with the saved run,
    each as "--flag value (the run's: value)". Flags equal to the run's are no conflict."""
    conflicts = []
    if env_id is not None and env_id != saved.env_id:
        conflicts.append(f"--env {env_id} (the run's: {saved.env_id})")
    given = list(seeds) if seeds is not None else None if seed is None else [seed]
    if given is not None and given != list(saved.seeds):
        conflicts.append(f"--seed/--seeds {given} (the run's: {saved.seeds})")
    if workers is not None and workers != len(saved.groups):
        conflicts.append(f"--workers {workers} (the run's: {len(saved.groups)})")
    if config is not None:
        mine, theirs = config.to_dict(), saved.config.to_dict()
        conflicts += [f"--set {k}={mine[k]!r} (the run's: {v!r})" for k, v in theirs.items()
                      if mine[k] != v]
    return conflicts


def run_for_resume_flags(out: Path | None, env_id: str | None, seed: int | None,
                         seeds: list[int] | None, workers: int | None, algo: str | None,
                         config_for: Callable[[DDPGConfig], DDPGConfig]) -> tuple[SavedRun, bool]:
    """``train --resume``: the run in ``out`` and whether it is a stack, after checking that
    the flags given with it (None: not given; ``config_for`` applies --paper and --set to the
    run's config) are the run's own."""
    if out is None:
        raise ValueError("--resume needs --out, the run folder to continue.")
    run = saved_run(Path(out))
    conflicts = resume_conflicts(run, env_id, seed, seeds, workers, config_for(run.config))
    algorithm = "td3" if isinstance(run.config, TD3Config) else "ddpg"
    if algo is not None and algo != algorithm:
        conflicts.insert(0, f"--algo {algo} (the run's: {algorithm})")
    if conflicts:
        raise ValueError(f"--resume continues the run in {out} with its own settings, but these "
                         f"flags disagree: {'; '.join(conflicts)}. Drop them, or start a new run "
                         "in another --out folder.")
    return run, is_stacked(Path(out), run)
