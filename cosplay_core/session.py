"""Starting a run from user-facing settings: resolve the problem, build the player, create or resume the Run.

The command line, the benchmark runner and the app all start runs through `start_run`, so a setting means the same
thing everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import cosplay_core.players.candidates  # noqa: F401  (registers the candidates:<folder> backbone)
from cosplay_core.config import RunConfig
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.problem import Problem, ProblemError, load_problem
from cosplay_core.run import Run
from cosplay_core.sandbox import Executor
from cosplay_core.trace import TRACE_NAME

SUMMARY_NAME = "summary.json"


@dataclass
class BackboneSettings:
    """Which backbone, and how to reach it. Keys are held in memory only."""

    model: str = "sim"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    cache_dir: str | None = None
    concurrency: int = 8
    max_calls: int | None = None
    max_tokens: int | None = None
    sim_skills: Any = None


class EventRelay:
    """Forwards player events to a target set later (the run is created after its player)."""

    def __init__(self) -> None:
        self.target: Callable[[dict], None] | None = None

    def __call__(self, event: dict) -> None:
        if self.target is not None:
            self.target(event)


def resolve_problem(reference: str) -> tuple[Problem, GroundTruth | None]:
    """A problem folder, or `FILE.jsonl[.gz]#ID` for a record of a benchmark file; with its ground-truth scorer
    when the problem's ground truth needs one of its own (None means: the problem's tests)."""
    if "#" in reference and not Path(reference).is_dir():
        path, _, record_id = reference.rpartition("#")
        from cosplay_core.benchmarks import load_record

        return load_record(path, record_id)
    return load_problem(reference), None


def start_run(problem: Problem, config: RunConfig, executor: Executor, backbone: BackboneSettings,
              out_dir: str | Path | None = None, ground_truth: GroundTruth | None = None,
              resume: bool = True) -> Run:
    """A Run ready to step: resumed from `out_dir`'s trace when it holds this run's unfinished steps."""
    from cosplay_core.players.registry import make_player

    relay = EventRelay()
    player = make_player(backbone.model, problem, executor, seed=config.seed, base_url=backbone.base_url,
                         api_key=backbone.api_key, cache_dir=backbone.cache_dir, concurrency=backbone.concurrency,
                         max_calls=backbone.max_calls, max_tokens=backbone.max_tokens, sim_skills=backbone.sim_skills,
                         on_event=relay, config=config)
    # the run binds `executor` to a scorer made without one (a benchmark record's): it shares the run's sandbox
    if out_dir is not None and resume and (Path(out_dir) / TRACE_NAME).exists():
        run = Run.resume(problem, player, config, executor, out_dir, ground_truth)
    else:
        run = Run(problem, player, config, executor, out_dir, ground_truth)
    relay.target = run.record
    return run


def write_summary(run: Run) -> dict:
    """Writes `summary.json` next to the trace (when the run has an output folder) and returns the summary, with
    the run's counters (`Run.counters`: executions answered from the cache, total time) added."""
    summary = {**run.summary(), **run.counters()}
    if run.out_dir is not None:
        run.out_dir.mkdir(parents=True, exist_ok=True)
        (run.out_dir / SUMMARY_NAME).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


__all__ = ["BackboneSettings", "ProblemError", "SUMMARY_NAME", "resolve_problem", "start_run", "write_summary"]
