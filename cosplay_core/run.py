"""A CoSPlay run: a step-wise state machine over the three stages, emitting immutable snapshots and a trace.

    run = Run(problem, player, RunConfig(seed=1), executor, out_dir="runs/x")
    while not run.done:
        snapshot = run.step()          # exactly one step; in Jupyter: `await run.astep()`
    summary = run.summary()

Steps (one table: `stages.steps.STEPS`): stage 1 `hints`, `plans`, `attacks`, `codes`, `tests`; stage 2, per round,
`clean`, `coupling`, `fix`, `trivial` (each can be switched off); stage 3 `inputs`, `select`. The run keeps a
`RunState`; a step takes it and returns a new one, so an interrupted step leaves the state before it. After each step
the matrix is refreshed incrementally, the step is appended to the trace with the full state, and a snapshot is
returned. The matrix (and a
snapshot's `tests`) holds the used UTs; a UT whose votes never agreed is unused: it is kept in the state (the
trace's `unused_tests`, with its votes), never executed and never counted. A run killed
mid-way resumes from its last finished step (`Run.resume`), repeating no model call (the response cache) and losing
no finished step.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from cosplay_core import metrics, selectors
from cosplay_core.config import RunConfig
from cosplay_core.equal_budget import run_equal_budget
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.matrix import ExecutionMatrix, MatrixSnapshot, RecordingExecutor
from cosplay_core.players.contract import BudgetExceeded, ModelUnavailable, Player
from cosplay_core.problem import Problem, ProblemError
from cosplay_core.records import GroundTruthScores, RunSummary
from cosplay_core.sandbox import Outcome, SandboxUnavailable
from cosplay_core.sandbox.protocol import ExecutorLike
from cosplay_core.stages import consensus
from cosplay_core.stages.context import Indices, StepContext
from cosplay_core.stages.steps import DONE, STEP, Step, round_steps, stage_steps
from cosplay_core.state import Cell, Change, Code, RunState, Selection, Snapshot, UnitTest, to_jsonable
from cosplay_core.trace import TRACE_NAME, TraceWriter, read_trace

CELL_TEXT_LIMIT = 2000
# Events a player reports that the trace keeps under their own type (anything else is a model call's record);
# "fresh_draw" is the candidates: backbone's prediction from its candidates' outputs.
PLAYER_EVENTS = ("model_call", "parse_failure", "resample", "pool_exhausted", "fresh_draw")


class RunError(Exception):
    """A run that cannot start or continue (bad settings, an unusable trace); one clear line."""


class RunInterrupted(RunError):
    """A step could not finish because the model cannot answer (a rejected key, a missing model, a server that
    cannot be reached). The run is as it was before that step (its trace too) and can go on, or resume from the
    trace, once the model answers."""


class Run:
    """One CoSPlay run on one problem with one player."""

    def __init__(self, problem: Problem, player: Player, config: RunConfig, executor: ExecutorLike,
                 out_dir: str | Path | None = None, ground_truth: GroundTruth | None = None,
                 recorded: dict[str, Outcome] | None = None):
        """`ground_truth`: the scorer (by default the problem's tests); one made without an executor (a benchmark
        record's) is bound to `executor` here. `recorded`: outcomes by pair key (`recorded_outcomes` of an earlier
        trace of the same problem and settings) that answer the run's executions instead of the executor: a replay
        executes none of them."""
        self.problem = problem
        self.player = player
        self.config = config
        self.executor = executor
        self.out_dir = Path(out_dir) if out_dir else None
        self.ground_truth = (ground_truth if ground_truth is not None else GroundTruth(problem)).bind(executor)
        # the matrix, repair checks and stage 3 execute through `recorder`, which applies pool-relative limits and
        # records every final outcome for the trace (recorded ones answered from the record)
        self.recorder = RecordingExecutor(executor, config.relative_time_limit, recorded)
        self.matrix = ExecutionMatrix(self.recorder, problem.io, problem.entry_point, problem.limits(),
                                      problem.comparison)
        self.state = RunState()  # replaced, never changed, by each step
        self.step_index = 0
        self.history: list[Snapshot] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._trace = TraceWriter(self.out_dir / TRACE_NAME, fresh=True) if self.out_dir else None
        self._started_event_written = False
        self._baseline_cost = (0, 0, 0.0)  # the step's baseline executions, cache hits and time, kept apart
        self._interrupted = False  # the last step stopped because the model could not answer

    # -- the state, read-only (a step replaces `state`) ----------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.state.done

    @property
    def cursor(self) -> str:
        return self.state.cursor

    @property
    def round(self) -> int:
        return self.state.round

    @property
    def codes(self) -> dict[int, Code]:
        return self.state.codes

    @property
    def tests(self) -> dict[int, UnitTest]:
        return self.state.tests

    @property
    def indices(self) -> Indices:
        """The request indices given so far (`last`)."""
        return Indices(self.state.counter)

    @property
    def rounds(self) -> tuple[dict, ...]:
        return self.state.rounds

    @property
    def initial(self) -> dict | None:
        return self.state.initial

    @property
    def random_inputs(self) -> tuple:
        return self.state.random_inputs

    @property
    def selection(self) -> Selection | None:
        return self.state.selection

    @property
    def baselines(self) -> dict:
        return self.state.baselines

    @property
    def stopped(self) -> str | None:
        return self.state.stopped

    @property
    def executions(self) -> int:
        return self.state.executions

    @property
    def wall_s(self) -> float:
        return self.state.wall_s

    @property
    def baseline_executions(self) -> int:
        return self.state.baseline_executions

    @property
    def baseline_wall_s(self) -> float:
        return self.state.baseline_wall_s

    # -- public API ----------------------------------------------------------------------------------------------

    def step(self) -> Snapshot:
        """Advances exactly one step (synchronously; use `astep` where an event loop is running)."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self.astep())

    def run_to_end(self) -> Snapshot:
        """Steps until the run is done; returns the last snapshot."""
        while not self.done:
            self.step()
        return self._last_snapshot()

    async def arun_to_end(self) -> Snapshot:
        while not self.done:
            await self.astep()
        return self._last_snapshot()

    def _last_snapshot(self) -> Snapshot:
        if not self.history:
            raise RunError("the run has no finished step")
        return self.history[-1]

    async def astep(self) -> Snapshot:
        """Advances exactly one step and returns its snapshot. The step gets the state and gives a new one; when the
        model cannot answer, or the problem's own files fail (the sim's gen.py), the state before the step stays
        (RunInterrupted)."""
        if self.done:
            raise RunError("the run is finished")
        self._write_started()
        if self._interrupted:  # the model could not answer last time: let the player try it again
            retry = getattr(self.player, "retry_model", None)
            if retry is not None:
                retry()
            self._interrupted = False
        before = self.state
        step = STEP[before.cursor]
        started = time.perf_counter()
        executed_before, replayed_before = self._work()
        self._baseline_cost = (0, 0, 0.0)
        ctx = self._context(Indices(before.counter))
        changes: tuple[Change, ...] = ()
        try:
            result = await step.function(ctx, before)
            changes = result.changes
            state = await self._advance(replace(result.state, counter=ctx.indices.last), before, step, changes)
        except ModelUnavailable as exc:
            if before.tests or self.matrix.code_ids:
                await self._refresh(before)  # the matrix as it was: the state before the step is kept
            self._interrupted = True
            where = f"after step {self.step_index - 1}" if self.step_index else "before its first step"
            raise RunInterrupted(f"the model cannot answer ({exc}); the run is paused {where}, with every finished "
                                 "step kept: go on once the model answers") from None
        except (ProblemError, SandboxUnavailable) as exc:  # the problem's own files fail (the sim's gen.py), or the
            # sandbox cannot start here: mend them, then go on
            if before.tests or self.matrix.code_ids:
                await self._refresh(before)
            where = f"after step {self.step_index - 1}" if self.step_index else "before its first step"
            raise RunInterrupted(f"{exc}; the run is paused {where}, with every finished step kept: go on once it is "
                                 "mended") from None
        except BudgetExceeded as exc:
            state = replace(before, counter=ctx.indices.last, stopped=f"budget exhausted: {exc}")
            if self._trace:
                self._trace.write("run_stopped", reason=state.stopped, step=step.name)
            if step.name != "select":
                state = await self._finish_early(ctx, state)
        executed, replayed = self._work()
        baseline_executions, baseline_hits, baseline_wall = self._baseline_cost
        state = replace(state, executions=state.executions + executed - executed_before - baseline_executions,
                        baseline_executions=state.baseline_executions + baseline_executions,
                        baseline_wall_s=state.baseline_wall_s + baseline_wall,
                        wall_s=state.wall_s + time.perf_counter() - started - baseline_wall,
                        executions_cached=state.executions_cached + replayed - replayed_before - baseline_hits)
        if step.name == "tests" and state.initial is not None:
            state = replace(state, initial=dict(state.initial, executions=state.executions))
        self.state = state
        snapshot = self._snapshot(step, changes, before.round)
        self.state = replace(state, total_wall_s=state.total_wall_s + time.perf_counter() - started)
        self.history.append(snapshot)
        if self._trace:
            self._trace.write("step", **self._step_event(snapshot, self._trace))
            if self.done:
                self._trace.write("run_finished", summary=self.summary())
        self.step_index += 1
        return snapshot

    def record(self, event: dict) -> None:
        """Appends a player event (a model call's record, a parse failure) to the trace."""
        if self._trace:
            self._write_started()
            payload = dict(event)
            event_type = payload.pop("type", "model_call")
            self._trace.write(event_type if event_type in PLAYER_EVENTS else "model_call",
                              step=self.step_index, **payload)

    def close(self) -> None:
        if self._trace:
            self._trace.close()
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    # -- steps ---------------------------------------------------------------------------------------------------

    def _context(self, indices: Indices) -> StepContext:
        return StepContext(self.player, self.problem, self.config, self.matrix, indices, self._refresh,
                           self._score_baselines)

    async def _advance(self, state: RunState, before: RunState, step: Step, changes: tuple[Change, ...]) -> RunState:
        """After `step` turned `before` into `state`: the matrix made to hold the new pools, the round's changes
        counted, and the cursor moved past the step: through stage 1, the rounds (stopping early on a quiet round),
        stage 3."""
        if state.codes is not before.codes or state.tests is not before.tests:
            await self._refresh(state)
        if step.stage == 2:
            state = replace(state, round_changes=state.round_changes + sum(1 for c in changes if c.counts))
        stage1, stage3 = [s.name for s in stage_steps(1)], [s.name for s in stage_steps(3)]
        steps = round_steps(self.config.policies)
        name = step.name
        if name in stage3:
            following = stage3.index(name) + 1
            return replace(state, cursor=stage3[following] if following < len(stage3) else DONE)
        if name in stage1[:-1]:
            return replace(state, cursor=stage1[stage1.index(name) + 1])
        if name in steps[:-1]:
            return replace(state, cursor=steps[steps.index(name) + 1])
        if name in steps:  # the round's last step
            state = self._close_round(state)
        quiet = self.config.policies.stop_when_quiet and state.rounds and state.rounds[-1]["changes"] == 0
        if state.round < self.config.rounds and steps and not quiet:
            return replace(state, round=state.round + 1, round_changes=0, cursor=steps[0])
        return replace(state, cursor=stage3[0])

    def _close_round(self, state: RunState) -> RunState:
        snap = self.matrix.snapshot()
        record = {"round": state.round, "code_pass_counts": snap.code_pass_counts.tolist(),
                  "ut_pass_counts": snap.test_pass_counts.tolist(), "changes": state.round_changes}
        gt = self._gt_marks(snap, state)
        if gt is not None:
            record["metrics"] = metrics.round_metrics(np.array(gt["codes"], dtype=bool), snap.passes).to_dict()
        return replace(state, rounds=state.rounds + (record,))

    async def _refresh(self, state: RunState) -> MatrixSnapshot:
        await asyncio.to_thread(self._refresh_sync, state)
        return self.matrix.snapshot()

    def _refresh_sync(self, state: RunState) -> None:
        """Makes the matrix hold exactly `state`'s codes and used UTs, in slot order, and executes the cells it
        lacks (re-adding a UT costs nothing: outcomes are kept by program and input)."""
        for code_id in list(self.matrix.code_ids):
            if code_id not in state.codes:
                self.matrix.remove_code(code_id)
        used = state.used_tests
        if self.matrix.test_ids != tuple(test.id for test in used):
            for test_id in self.matrix.test_ids:
                self.matrix.remove_test(test_id)
        for code in state.codes.values():
            self.matrix.set_code(code.id, code.source)
        for test in used:
            self.matrix.set_test(test.id, test.input, test.expected)
        self.matrix.refresh()

    async def _score_baselines(self, state: RunState) -> dict:
        """Every baseline on `state`'s stage-1 pools (`_baselines`), its executions, cache hits and time counted
        apart from the algorithm's (`_baseline_cost`)."""
        started, (executed, replayed) = time.perf_counter(), self._work()
        initial_signatures: list[tuple] = []
        if state.initial and state.random_inputs:
            initial_signatures = await asyncio.to_thread(consensus.run_signatures, self.recorder, self.problem,
                                                         state.initial["codes"], state.random_inputs)
        baselines = self._baselines(state, initial_signatures)
        executions, hits, wall = self._baseline_cost
        executed_now, replayed_now = self._work()
        self._baseline_cost = (executions + executed_now - executed, hits + replayed_now - replayed,
                               wall + time.perf_counter() - started)
        return baselines

    def _work(self) -> tuple[int, int]:
        """The run's executions so far (the distinct pairs the matrix, repair checks and stage 3 executed) and the
        pairs they needed again, answered from the record (`RecordingExecutor`)."""
        return self.recorder.executed, self.recorder.replayed

    async def _finish_early(self, ctx: StepContext, state: RunState) -> RunState:
        """With no further model call possible: select now, from what `state` has (no clustering without inputs)."""
        if not state.codes or not state.tests:
            return replace(state, cursor=DONE)
        if not self.matrix.code_ids:
            await self._refresh(state)
        return replace((await consensus.select_step(ctx, state)).state, cursor=DONE)

    def _baselines(self, state: RunState, initial_signatures: list[tuple]) -> dict:
        """Every baseline of the selector table on the stage-1 pools (what one gets without self-play): each
        baseline's chosen code and the codes it ties at the top (`top`)."""
        if not state.initial:
            return {}
        passes = np.array(state.initial["passes"], dtype=bool).reshape(len(state.initial["codes"]), -1)
        evidence = selectors.Evidence(passes, signatures=initial_signatures or None, seed=self.config.seed)
        return {name: {"code_id": ranking.choice, "top": list(ranking.top), "pool": "initial"}
                for name, ranking in selectors.rank_all(evidence, "initial").items()}

    def _final_rankings(self, snap: MatrixSnapshot) -> dict[str, selectors.Ranking]:
        """CoSPlay's rows of the selector table on the final pools: stage 3's ranking as `_select` chose (its
        signatures from the selection) and BoN's; rows are positions in `snap.code_ids`."""
        rankings = {"cosplay_bon": selectors.rank_bon(selectors.Evidence(snap.passes))}
        if self.selection is not None:
            policies, clustered = self.config.policies, bool(self.selection.inputs)
            signatures = {snap.code_ids.index(c): s for c, s in self.selection.signatures.items()}
            rankings["cosplay"] = selectors.stage3_ranking(
                snap.code_pass_counts, signatures, policies.cluster_ties and clustered,
                policies.cluster_all_codes and clustered)[0]
        return rankings

    # -- snapshots, ground truth, summary ------------------------------------------------------------------------

    def _gt_marks(self, snap: MatrixSnapshot, state: RunState) -> dict | None:
        if not self.ground_truth.available or not snap.code_ids:
            return None
        codes = self.ground_truth.codes_correct([state.codes[c].source for c in snap.code_ids])
        tests = self.ground_truth.tests_correct([(state.tests[t].input, state.tests[t].expected)
                                                 for t in snap.test_ids])
        if tests is None:
            correct = metrics.ut_correctness(np.array(codes, dtype=bool), snap.passes)
            tests = None if correct is None else correct.tolist()
        return {"codes": codes, "tests": tests}

    def _cells(self, snap: MatrixSnapshot) -> tuple[tuple[Cell, ...], ...]:
        rows = []
        for i, row in enumerate(snap.outcomes):
            cells = []
            for j, outcome in enumerate(row):
                output = outcome.value if self.problem.io == "function" else outcome.stdout
                if isinstance(output, str) and len(output) > CELL_TEXT_LIMIT:
                    output = output[:CELL_TEXT_LIMIT] + "..."
                cells.append(Cell(outcome.status, bool(snap.passes[i, j]), output, outcome.stderr[-CELL_TEXT_LIMIT:],
                                  outcome.time_s))
            rows.append(tuple(cells))
        return tuple(rows)

    def _snapshot(self, step: Step, changes: tuple[Change, ...], step_round: int) -> Snapshot:
        state = self.state
        snap = self.matrix.snapshot() if state.tests else MatrixSnapshot(
            tuple(state.codes), (), (), np.zeros((len(state.codes), 0), dtype=bool))
        codes = tuple(state.codes[c] for c in snap.code_ids) if snap.code_ids else tuple(state.codes.values())
        tests = tuple(state.tests[t] for t in snap.test_ids)
        gt = self._gt_marks(snap, state) if state.tests else None
        return Snapshot(
            step=self.step_index, stage=step.stage, name=step.name, round=step_round if step.stage == 2 else 0,
            title=step.title, codes=codes, tests=tests, passes=snap.passes, cells=self._cells(snap),
            changes=changes, done=state.done, stopped=state.stopped, selection=state.selection, hints=state.hints,
            plans=state.plans, attacks=state.attacks, usage=self.player.usage.to_dict(), executions=state.executions,
            gt=gt, unused_tests=state.unused_tests)

    def _step_event(self, snapshot: Snapshot, trace: TraceWriter) -> dict:
        """A step as the trace keeps it: the snapshot's fields, the full state (`RunState.to_dict`, large values as
        blobs) and the outcomes recorded since the last step."""
        return {"step": snapshot.step, "stage": snapshot.stage, "name": snapshot.name, "round": snapshot.round,
                "title": snapshot.title, "changes": snapshot.changes, "done": snapshot.done,
                "stopped": snapshot.stopped, "state": self.state.to_dict(trace.blob),
                "matrix": {"code_ids": [c.id for c in snapshot.codes], "test_ids": [t.id for t in snapshot.tests],
                           "passes": snapshot.passes, "cells": snapshot.cells},
                "usage": snapshot.usage, "executions": snapshot.executions, "gt": snapshot.gt,
                "outcomes": {key: dict(outcome.to_dict(), stdout=trace.blob(outcome.stdout),
                                       value=trace.blob(outcome.value), stderr=trace.blob(outcome.stderr))
                             for key, outcome in self.recorder.take_new().items()}}

    def _write_started(self) -> None:
        if self._trace and not self._started_event_written:
            if self.step_index == 0:
                self._trace.write("run_started", problem=problem_card(self.problem), backbone=self.player.info,
                                  config=self.config.to_dict())
            self._started_event_written = True

    def counters(self) -> dict:
        """What depends on timing and on the executor's cache, apart from the summary (which a seed reproduces), for
        the work of this process: `executions_cached`, pairs answered without running (the algorithm's repeats
        answered from its record, and what the executor's cache, shared with earlier runs, held); `executions_run`,
        pairs the sandbox really ran for the run's matrix, repair checks, stage 3 and baselines (probes and retries
        included); `executions_retried`, pairs run again under a pool-relative limit after timing out under the
        probe limit; `total_wall_s`, every step's whole time (the algorithm, ground-truth scoring and baselines)."""
        recorder = self.recorder
        return {"executions_cached": self.state.executions_cached + recorder.sandbox_cache_hits,
                "executions_run": recorder.sandbox_executions, "executions_retried": recorder.retried,
                "total_wall_s": round(self.state.total_wall_s, 3)}

    def summary(self, equal_budget: bool = False) -> dict:
        """The run's summary (`summary.json`: a `records.RunSummary` as a dict), GT fields null without ground
        truth. With `equal_budget`, every baseline restricted to the codes and UTs the run saw too
        (`equal_budget.run_equal_budget`, which executes the pairs the run never ran)."""
        snap = self.matrix.snapshot()
        selected = None
        if self.selection is not None:
            selected = {"code_id": self.selection.code_id, "code": self.codes[self.selection.code_id].source}
        gt: dict[str, bool | float | int | None] = {}
        baselines = {name: dict(entry, gt_correct=None) for name, entry in self.baselines.items()}
        if self.ground_truth.available and snap.code_ids:
            correct = np.array(self.ground_truth.codes_correct([self.codes[c].source for c in snap.code_ids]))
            gt["codes_correct"], gt["codes_total"] = int(correct.sum()), len(correct)
            final = self._final_rankings(snap)
            gt["bon_correct"] = bool(correct[final["cosplay_bon"].choice])
            gt["bon_pass1"] = metrics.tie_shared_pass1(final["cosplay_bon"].top, correct)
            if self.selection is not None:
                gt["cosplay_correct"] = bool(correct[snap.code_ids.index(self.selection.code_id)])
                gt["cosplay_pass1"] = metrics.tie_shared_pass1(final["cosplay"].top, correct)
            gt["ut_accuracy"] = metrics.ut_accuracy(correct, snap.passes)
            if self.initial:
                initial_correct = self.ground_truth.codes_correct(self.initial["codes"])
                initial_passes = np.array(self.initial["passes"], dtype=bool).reshape(len(initial_correct), -1)
                gt["ut_accuracy_initial"] = metrics.ut_accuracy(np.array(initial_correct), initial_passes)
                for entry in baselines.values():
                    entry["gt_correct"] = bool(initial_correct[entry["code_id"]])
                    if "top" in entry:
                        entry["pass1"] = metrics.tie_shared_pass1(entry["top"], initial_correct)
                baselines["random"]["expected_accuracy"] = float(np.mean(initial_correct))
        budget = run_equal_budget(self.problem, self.recorder, self.ground_truth, self.history, self.random_inputs,
                                  self.config.seed) if equal_budget and self.done else None
        usage = self.player.usage
        return RunSummary(
            problem=self.problem.slug, model=self.player.info.name, seed=self.config.seed,
            config=to_jsonable(self.config.to_dict()), selected=selected,
            gt=GroundTruthScores(**to_jsonable(gt)), rounds=to_jsonable(self.rounds),
            baselines=to_jsonable(baselines),
            usage={"calls": usage.calls, "cached_calls": usage.cached_calls, "input_tokens": usage.input_tokens,
                   "output_tokens": usage.output_tokens, "failed_requests": usage.failed_requests},
            executions=self.executions, wall_s=round(self.wall_s, 3), equal_budget=to_jsonable(budget),
            extra=to_jsonable({
                "simulation": self.player.info.simulation, "gt_executions": self.ground_truth.executions,
                "executions_stage1": (self.initial or {}).get("executions", 0),
                "executions_baselines": self.baseline_executions, "baselines_wall_s": round(self.baseline_wall_s, 3),
                "stopped": self.stopped, "selection_reasons": list(self.selection.reasons) if self.selection else [],
                "tests_unused": sum(1 for t in self.tests.values() if not t.agreed), **self._input_supply()}),
        ).to_dict()

    def _input_supply(self) -> dict:
        """How many distinct UT inputs the backbone can ever give (a replayed pool's; None for a model, which can
        always write more) and whether they fall short of N_t, so that such problems can be reported apart."""
        available = getattr(self.player, "available_test_inputs", None)
        return {"test_inputs_available": available,
                "short_of_test_inputs": None if available is None else available < self.config.tests}

    # -- resume --------------------------------------------------------------------------------------------------

    @classmethod
    def resume(cls, problem: Problem, player: Player, config: RunConfig, executor: ExecutorLike,
               out_dir: str | Path, ground_truth: GroundTruth | None = None) -> "Run":
        """A run that continues after the last finished step recorded in `out_dir`'s trace, its executions
        answered by the outcomes the trace recorded (none is executed again).

        Raises RunError when the trace belongs to another problem or settings, or misses events or blobs.
        """
        trace = read_trace(Path(out_dir) / TRACE_NAME) if (Path(out_dir) / TRACE_NAME).exists() else None
        damage = trace.damage() if trace is not None else None
        if damage:
            raise RunError(f"{Path(out_dir) / TRACE_NAME} cannot be resumed: {damage}; start afresh (--fresh) or "
                           "choose another --out")
        run = cls(problem, player, config, executor, None, ground_truth, trace.outcomes() if trace else None)
        run.out_dir = Path(out_dir)
        started, steps = (trace.started, trace.of_type("step")) if trace is not None else (None, [])
        if started is not None and steps and (started["problem"]["slug"] != problem.slug
                                              or started["config"] != to_jsonable(config.to_dict())):
            raise RunError(f"{out_dir} holds a run of another problem or other settings: choose another --out")
        run._trace = TraceWriter(run.out_dir / TRACE_NAME, fresh=not steps)
        if trace is None or not steps:
            return run
        run.state = RunState.from_dict(steps[-1]["state"])
        for key, value in steps[-1].get("usage", {}).items():
            if hasattr(run.player.usage, key):
                setattr(run.player.usage, key, value)  # what the run had consumed before the interruption
        run.history = trace.snapshots()
        run.step_index = steps[-1]["step"] + 1
        run._started_event_written = True
        if run.state.tests:
            run._refresh_sync(run.state)
        if run.done and not trace.of_type("run_finished") and run._trace:
            run._trace.write("run_finished", summary=run.summary())
        return run


def problem_card(problem: Problem) -> dict:
    """What a trace records about a problem: never the ground truth."""
    return {"slug": problem.slug, "title": problem.title, "io": problem.io, "entry_point": problem.entry_point,
            "time_limit_s": problem.time_limit_s, "compare": str(problem.comparison), "statement": problem.statement,
            "path": str(problem.path) if problem.path else None}
