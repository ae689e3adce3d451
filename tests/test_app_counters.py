"""Issue 13, item 7: honest counters. A run's executions are its own (a second run of the same settings, answered
from the cache, says so instead of showing another run's count), sim honours the call budget, and the cost line
says which answers came from a cache."""

from __future__ import annotations

import asyncio

import pytest

from conftest import SAMPLES
from cosplay_core.config import RunConfig
from cosplay_core.models.base import BudgetExceeded
from cosplay_core.players.sim import SimPlayer
from cosplay_core.problem import load_problem
from cosplay_core.session import BackboneSettings, start_run

SMALL = RunConfig(codes=4, tests=4, rounds=1, inputs=4, seed=3)


def test_a_repeated_run_counts_its_cached_executions_as_such(executor):
    """Two identical runs on one executor: the second executes nothing new; its count is not the first one's."""
    from cosplay_core.sandbox import Executor

    with Executor(workers=2) as shared:  # with a cache, as the app's
        problem = load_problem(SAMPLES / "run_length")
        summaries = []
        for _ in range(2):
            run = start_run(problem, SMALL, shared, BackboneSettings("sim"))
            run.run_to_end()
            summaries.append({**run.summary(), **run.counters()})
            run.close()
    first, second = summaries
    assert first["executions"] == second["executions"] > 0  # the algorithm's pairs: the same for the same seed
    assert second["executions_run"] < first["executions_run"]  # what the first run executed, the cache answers now
    assert second["executions_cached"] > first["executions_cached"]
    assert second["selected"] == first["selected"]


def test_sim_honours_the_call_budget(executor):
    problem = load_problem(SAMPLES / "run_length")
    player = SimPlayer(problem, executor, seed=0, max_calls=2)
    asyncio.run(player.propose_hints(3))
    asyncio.run(player.write_plan(["a"], 1))
    with pytest.raises(BudgetExceeded, match="budget of 2 model calls"):
        asyncio.run(player.attack_ideas("plan", 2))
    assert player.usage.calls == 2


def test_a_budget_stops_a_sim_run_cleanly(executor):
    problem = load_problem(SAMPLES / "run_length")
    run = start_run(problem, SMALL, executor, BackboneSettings("sim"))
    run.player.max_calls = 30  # what the app sets from the budget field
    run.run_to_end()
    summary = run.summary()
    run.close()
    assert summary["usage"]["calls"] <= 30 and "budget exhausted" in summary["stopped"]


def test_the_cost_line_says_what_came_from_a_cache():
    import numpy as np

    from cosplay_core.state import Snapshot
    from pages.common import cost_line

    snapshot = Snapshot(step=0, stage=1, name="hints", round=0, title="Hints", codes=(), tests=(),
                        passes=np.zeros((0, 0), dtype=bool), cells=(), changes=(),
                        usage={"calls": 3, "cached_calls": 2, "input_tokens": 1200, "output_tokens": 40},
                        executions=5)
    line = cost_line(snapshot)
    assert line == ("3 model calls + 2 answered from the response cache (no call, no cost) · 1,200 in / 40 out "
                    "tokens · 5 executions by this run")
    assert cost_line(snapshot, simulated=True).startswith("3 simulated model calls")
