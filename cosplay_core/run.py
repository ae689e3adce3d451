"""A CoSPlay run: a step-wise state machine over the three stages, emitting immutable snapshots and a trace.

    run = Run(problem, player, RunConfig(seed=1), executor, out_dir="runs/x")
    while not run.done:
        snapshot = run.step()          # exactly one step; in Jupyter: `await run.astep()`
    summary = run.summary()

Steps: stage 1 `hints`, `plans`, `attacks`, `codes`, `tests`; stage 2, per round, `clean`, `coupling`, `fix`,
`trivial` (each can be switched off); stage 3 `inputs`, `select`. After each step the matrix is refreshed
incrementally, the step is appended to the trace with the full state, and a snapshot is returned. The matrix (and a
snapshot's `tests`) holds the used UTs; a UT whose votes never agreed is unused: it is kept in the state (the
trace's `unused_tests`, with its votes), never executed and never counted. A run killed
mid-way resumes from its last finished step (`Run.resume`), repeating no model call (the response cache) and losing
no finished step.
"""

from __future__ import annotations

import asyncio
import copy
import time
from pathlib import Path
from typing import Any

import numpy as np

from cosplay_core import metrics, selectors
from cosplay_core.config import RunConfig
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.matrix import ExecutionMatrix, MatrixSnapshot, RecordingExecutor
from cosplay_core.players.contract import BudgetExceeded, ModelUnavailable, Player
from cosplay_core.problem import Problem
from cosplay_core.sandbox import Executor, Outcome
from cosplay_core.stages import consensus, ideas, selfplay
from cosplay_core.state import (Cell, Change, Selection, Snapshot, code_from_dict, selection_from_dict,
                                test_from_dict, to_jsonable)
from cosplay_core.trace import TRACE_NAME, TraceWriter, read_trace

STAGE1 = ("hints", "plans", "attacks", "codes", "tests")
ROUND_STEPS = (("clean", "clean_codes"), ("coupling", "break_coupling"), ("fix", "fix_codes"),
               ("trivial", "replace_trivial_tests"))
STAGE3 = ("inputs", "select")
TITLES = {"hints": "Hints: distinct solution approaches", "plans": "Plans built on subsets of hints",
          "attacks": "Attack ideas for each plan", "codes": "Code pool: one program per plan",
          "tests": "UT pool, expected outputs by self-consistency", "clean": "Code cleaning",
          "coupling": "Breaking spurious coupling", "fix": "Code fixing", "trivial": "Replacing zero-discrimination UTs",
          "inputs": "Random valid inputs", "select": "Output-consensus selection"}
CELL_TEXT_LIMIT = 2000
# Events a player reports that the trace keeps under their own type (anything else is a model call's record);
# "fresh_draw" is the candidates: backbone's prediction from its candidates' outputs.
PLAYER_EVENTS = ("model_call", "parse_failure", "resample", "pool_exhausted", "fresh_draw")
# The run's fields a step may change (with the request counter): undoing an interrupted step puts them back.
STEP_STATE = ("codes", "tests", "hints", "plans", "attacks", "cursor", "round", "round_changes", "rounds", "initial",
              "random_inputs", "selection", "baselines")


class RunError(Exception):
    """A run that cannot start or continue (bad settings, an unusable trace); one clear line."""


class RunInterrupted(RunError):
    """A step could not finish because the model cannot answer (a rejected key, a missing model, a server that
    cannot be reached). The run is as it was before that step (its trace too) and can go on, or resume from the
    trace, once the model answers."""


class Run:
    """One CoSPlay run on one problem with one player."""

    def __init__(self, problem: Problem, player: Player, config: RunConfig, executor: Executor,
                 out_dir: str | Path | None = None, ground_truth: GroundTruth | None = None,
                 recorded: dict[str, Outcome] | None = None):
        """`recorded`: outcomes by pair key (`recorded_outcomes` of an earlier trace of the same problem and
        settings) that answer the run's executions instead of the executor: a replay executes none of them."""
        self.problem = problem
        self.player = player
        self.config = config
        self.executor = executor
        self.out_dir = Path(out_dir) if out_dir else None
        self.ground_truth = ground_truth if ground_truth is not None else GroundTruth(problem, executor)
        # the matrix, repair checks and stage 3 execute through `recorder`, which applies pool-relative limits and
        # records every final outcome for the trace (recorded ones answered from the record)
        self.recorder = RecordingExecutor(executor, config.relative_time_limit, recorded)
        self.matrix = ExecutionMatrix(self.recorder, problem.io, problem.entry_point, problem.limits(),
                                      problem.comparison)
        self.codes: dict[int, Any] = {}
        self.tests: dict[int, Any] = {}
        self.hints: list[str] = []
        self.plans: list[str] = []
        self.attacks: list[list[str]] = []
        self.indices = ideas.Indices()  # request indices, so that every request is distinct and reproducible
        self.cursor = "hints"
        self.round = 0
        self.round_changes = 0
        self.rounds: list[dict] = []
        self.initial: dict | None = None  # the stage-1 pools, for baselines
        self.random_inputs: list[Any] = []
        self.selection: Selection | None = None
        self.baselines: dict = {}
        self.baseline_executions = 0  # baselines' own work, kept out of the algorithm's cost
        self.baseline_wall_s = 0.0
        self.executions_cached = 0  # pairs the algorithm needed again, answered from its record (not executed)
        self.total_wall_s = 0.0  # every step's whole time: the algorithm, ground-truth scoring and the baselines
        self.stopped: str | None = None
        self.step_index = 0
        self.executions = 0
        self.wall_s = 0.0
        self.history: list[Snapshot] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._trace = TraceWriter(self.out_dir / TRACE_NAME, fresh=True) if self.out_dir else None
        self._started_event_written = False
        self._counted_baseline = (0, 0.0)
        self._baseline_cache_hits = 0
        self._interrupted = False  # the last step stopped because the model could not answer

    # -- public API ----------------------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.cursor == "done"

    def step(self) -> Snapshot:
        """Advances exactly one step (synchronously; use `astep` where an event loop is running)."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self.astep())

    def run_to_end(self) -> Snapshot:
        """Steps until the run is done; returns the last snapshot."""
        snapshot = self.history[-1] if self.history else None
        while not self.done:
            snapshot = self.step()
        return snapshot

    async def arun_to_end(self) -> Snapshot:
        snapshot = self.history[-1] if self.history else None
        while not self.done:
            snapshot = await self.astep()
        return snapshot

    async def astep(self) -> Snapshot:
        """Advances exactly one step and returns its snapshot."""
        if self.done:
            raise RunError("the run is finished")
        self._write_started()
        if self._interrupted:  # the model could not answer last time: let the player try it again
            retry = getattr(self.player, "retry_model", None)
            if retry is not None:
                retry()
            self._interrupted = False
        name = self.cursor
        step_round = self.round  # the round this step belongs to (finishing a round moves self.round on)
        started = time.perf_counter()
        before, hits_before = self._work()
        baseline_hits_before = self._baseline_cache_hits
        changes: list[Change] = []
        saved = self._state_before_step()
        try:
            changes = await self._do(name)
        except ModelUnavailable as exc:
            await self._undo_step(saved)
            self._interrupted = True
            where = f"after step {self.step_index - 1}" if self.step_index else "before its first step"
            raise RunInterrupted(f"the model cannot answer ({exc}); the run is paused {where}, with every finished "
                                 "step kept: go on once the model answers") from None
        except BudgetExceeded as exc:
            self.stopped = f"budget exhausted: {exc}"
            if self._trace:
                self._trace.write("run_stopped", reason=self.stopped, step=name)
            if name != "select":
                await self._finish_early()
        baseline_executions, baseline_wall = self.baseline_executions, self.baseline_wall_s
        executions, hits = self._work()
        self.executions += executions - before - (baseline_executions - self._counted_baseline[0])
        if name == "tests" and self.initial is not None:
            self.initial["executions"] = self.executions
        self.wall_s += time.perf_counter() - started - (baseline_wall - self._counted_baseline[1])
        self._counted_baseline = (baseline_executions, baseline_wall)
        self.executions_cached += hits - hits_before - (self._baseline_cache_hits - baseline_hits_before)
        snapshot = self._snapshot(name, changes, step_round)
        self.total_wall_s += time.perf_counter() - started
        self.history.append(snapshot)
        if self._trace:
            self._trace.write("step", **self._step_event(snapshot))
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

    async def _do(self, name: str) -> list[Change]:
        player, problem, config = self.player, self.problem, self.config
        if name == "hints":
            self.hints = list(await player.propose_hints(config.hints))
        elif name == "plans":
            self.plans = await ideas.write_plans(player, self.hints, config, self.indices)
        elif name == "attacks":
            self.attacks = await ideas.attack_ideas(player, self.plans, self.indices)
        elif name == "codes":
            self.codes = {c.id: c for c in await ideas.write_codes(player, self.plans, self.indices)}
        elif name == "tests":
            self.tests = {t.id: t for t in await ideas.write_tests(player, problem, self.attacks, config,
                                                                    self.indices)}
            await self._refresh()
            snap = self.matrix.snapshot()
            self.initial = {"codes": [c.source for c in self.codes.values()], "passes": snap.passes.tolist()}
        elif name in dict(ROUND_STEPS):
            return await self._round_step(name)
        elif name == "inputs":
            self.random_inputs = list(await player.random_inputs(config.inputs, self.indices()))
        elif name == "select":
            await self._select()
        self._advance(name)
        return []

    async def _round_step(self, name: str) -> list[Change]:
        snap = self.matrix.snapshot()
        player, problem, config = self.player, self.problem, self.config
        if name == "clean":
            changes = await selfplay.clean_codes(player, self.codes, snap, self.indices)
        elif name == "coupling":
            changes = await selfplay.break_coupling(player, problem, self.tests, snap, config, self.indices)
        elif name == "fix":
            changes = await selfplay.fix_codes(player, problem, self.codes, self.tests, snap, self.matrix, config,
                                               self.indices)
        else:
            changes = await selfplay.replace_trivial_tests(player, problem, self.tests, snap, config,
                                                           self.indices)
        await self._refresh()
        self.round_changes += sum(1 for c in changes if c.counts)
        self._advance(name)
        return changes

    def _enabled_round_steps(self) -> list[str]:
        return [name for name, policy in ROUND_STEPS if getattr(self.config.policies, policy)]

    def _advance(self, name: str) -> None:
        """Moves the cursor past `name`: through stage 1, the rounds (stopping early on a quiet round), stage 3."""
        steps = self._enabled_round_steps()
        if name in STAGE1[:-1]:
            self.cursor = STAGE1[STAGE1.index(name) + 1]
        elif name == "tests" or (name in steps and name == steps[-1]):
            if name != "tests":
                self._close_round()
            quiet = self.config.policies.stop_when_quiet and self.rounds and self.rounds[-1]["changes"] == 0
            more_rounds = self.round < self.config.rounds and steps and not quiet
            if more_rounds:
                self.round += 1
                self.round_changes = 0
                self.cursor = steps[0]
            else:
                self.cursor = "inputs"
        elif name in steps:
            self.cursor = steps[steps.index(name) + 1]
        elif name == "inputs":
            self.cursor = "select"
        elif name == "select":
            self.cursor = "done"

    def _close_round(self) -> None:
        snap = self.matrix.snapshot()
        record = {"round": self.round, "code_pass_counts": snap.code_pass_counts.tolist(),
                  "ut_pass_counts": snap.test_pass_counts.tolist(), "changes": self.round_changes}
        gt = self._gt_marks(snap)
        if gt is not None:
            record["metrics"] = metrics.round_metrics(np.array(gt["codes"], dtype=bool), snap.passes).to_dict()
        self.rounds.append(record)

    async def _refresh(self) -> None:
        await asyncio.to_thread(self._refresh_sync)

    def _refresh_sync(self) -> None:
        """Makes the matrix hold exactly the current codes and used UTs, in slot order, and executes the cells it
        lacks (re-adding a UT costs nothing: outcomes are kept by program and input)."""
        for code_id in list(self.matrix.code_ids):
            if code_id not in self.codes:
                self.matrix.remove_code(code_id)
        used = [test for test in self.tests.values() if test.agreed]
        if self.matrix.test_ids != tuple(test.id for test in used):
            for test_id in self.matrix.test_ids:
                self.matrix.remove_test(test_id)
        for code in self.codes.values():
            self.matrix.set_code(code.id, code.source)
        for test in used:
            self.matrix.set_test(test.id, test.input, test.expected)
        self.matrix.refresh()

    async def _select(self) -> None:
        """Stage 3 on the final pools (tied codes only), then the baselines on the stage-1 pools (timed apart)."""
        snap = self.matrix.snapshot()
        inputs = self.random_inputs
        policies = self.config.policies
        every = policies.cluster_all_codes and bool(inputs)
        tied = list(snap.code_ids) if every else consensus.tied_top(snap.code_ids, snap.code_pass_counts)
        cluster = (policies.cluster_ties or every) and bool(inputs) and len(tied) > 1
        signatures = {c: () for c in snap.code_ids}
        if cluster:
            rows = await asyncio.to_thread(consensus.run_signatures, self.recorder, self.problem,
                                           [self.codes[c].source for c in tied], inputs)
            signatures.update(zip(tied, rows))
        self.selection = consensus.select_code(snap.code_ids, snap.code_pass_counts, signatures, inputs,
                                               policies.cluster_ties and bool(inputs), every)
        started, (before, hits) = time.perf_counter(), self._work()
        initial_sigs = []
        if self.initial and inputs:
            initial_sigs = await asyncio.to_thread(consensus.run_signatures, self.recorder, self.problem,
                                                   self.initial["codes"], inputs)
        self.baselines = self._baselines(initial_sigs)
        executions, cache_hits = self._work()
        self.baseline_executions += executions - before
        self._baseline_cache_hits += cache_hits - hits
        self.baseline_wall_s += time.perf_counter() - started

    def _work(self) -> tuple[int, int]:
        """The run's executions so far (the distinct pairs the matrix, repair checks and stage 3 executed) and the
        pairs they needed again, answered from the record (`RecordingExecutor`)."""
        return self.recorder.executed, self.recorder.replayed

    def _state_before_step(self) -> dict:
        """What a step may change before it finishes (shallow copies do: pool entries are immutable)."""
        return {"counter": self.indices.last, **{name: copy.copy(getattr(self, name)) for name in STEP_STATE}}

    async def _undo_step(self, saved: dict) -> None:
        """Puts back what `_state_before_step` saved, and the matrix with it."""
        for name in STEP_STATE:
            setattr(self, name, saved[name])
        self.indices.last = saved["counter"]
        if self.tests or self.matrix.code_ids:
            await self._refresh()

    async def _finish_early(self) -> None:
        """With no further model call possible: select now, from what the run has (no clustering without inputs)."""
        if not self.codes or not self.tests:
            self.cursor = "done"
            return
        if not self.matrix.code_ids:
            await self._refresh()
        await self._select()
        self.cursor = "done"

    def _baselines(self, initial_signatures: list[tuple]) -> dict:
        """Every baseline of the selector table on the stage-1 pools (what one gets without self-play): each
        baseline's chosen code and the codes it ties at the top (`top`)."""
        if not self.initial:
            return {}
        passes = np.array(self.initial["passes"], dtype=bool).reshape(len(self.initial["codes"]), -1)
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

    def _gt_marks(self, snap: MatrixSnapshot) -> dict | None:
        if not self.ground_truth.available or not snap.code_ids:
            return None
        codes = self.ground_truth.codes_correct([self.codes[c].source for c in snap.code_ids])
        tests = self.ground_truth.tests_correct([(self.tests[t].input, self.tests[t].expected)
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

    def _snapshot(self, name: str, changes: list[Change], step_round: int) -> Snapshot:
        snap = self.matrix.snapshot() if self.tests else MatrixSnapshot(
            tuple(self.codes), (), (), np.zeros((len(self.codes), 0), dtype=bool))
        codes = tuple(self.codes[c] for c in snap.code_ids) if snap.code_ids else tuple(self.codes.values())
        tests = tuple(self.tests[t] for t in snap.test_ids)
        stage = 1 if name in STAGE1 else 3 if name in STAGE3 else 2
        gt = self._gt_marks(snap) if self.tests else None
        return Snapshot(
            step=self.step_index, stage=stage, name=name, round=step_round if stage == 2 else 0,
            title=TITLES[name], codes=codes, tests=tests, passes=snap.passes, cells=self._cells(snap),
            changes=tuple(changes), done=self.done, stopped=self.stopped, selection=self.selection,
            hints=tuple(self.hints), plans=tuple(self.plans), attacks=tuple(tuple(a) for a in self.attacks),
            usage=self.player.usage.to_dict(), executions=self.executions, gt=gt,
            unused_tests=tuple(t for t in self.tests.values() if not t.agreed))

    def _state(self) -> dict:
        """Everything needed to resume after this step (large test values as trace blobs): `tests` the used UTs (the
        matrix's columns), `unused_tests` those whose votes never agreed."""
        def test_record(t):
            return dict(to_jsonable(t), input=self._trace.blob(t.input), expected=self._trace.blob(t.expected),
                        votes=[self._trace.blob(v) for v in t.votes])

        tests = [test_record(t) for t in self.tests.values() if t.agreed]  # the matrix's order (_refresh_sync)
        unused = [test_record(t) for t in self.tests.values() if not t.agreed]
        codes = [dict(to_jsonable(c), source=self._trace.blob(c.source)) for c in self.codes.values()]
        initial = self.initial and dict(self.initial, codes=[self._trace.blob(c) for c in self.initial["codes"]])
        return {"codes": codes, "tests": tests, "unused_tests": unused, "hints": self.hints,
                "plans": self.plans, "attacks": self.attacks, "counter": self.indices.last, "cursor": self.cursor,
                "round": self.round, "round_changes": self.round_changes, "rounds": self.rounds,
                "initial": initial, "random_inputs": [self._trace.blob(x) for x in self.random_inputs],
                "selection": self._selection_record(),
                "baselines": self.baselines, "stopped": self.stopped, "executions": self.executions,
                "baseline_executions": self.baseline_executions, "baseline_wall_s": self.baseline_wall_s,
                "wall_s": self.wall_s, "executions_cached": self.executions_cached,
                "total_wall_s": self.total_wall_s}

    def _selection_record(self) -> dict | None:
        if self.selection is None:
            return None
        record = to_jsonable(self.selection)
        record["inputs"] = [self._trace.blob(x) for x in self.selection.inputs]
        return record

    def _step_event(self, snapshot: Snapshot) -> dict:
        return {"step": snapshot.step, "stage": snapshot.stage, "name": snapshot.name, "round": snapshot.round,
                "title": snapshot.title, "changes": snapshot.changes, "done": snapshot.done,
                "stopped": snapshot.stopped, "state": self._state(),
                "matrix": {"code_ids": [c.id for c in snapshot.codes], "test_ids": [t.id for t in snapshot.tests],
                           "passes": snapshot.passes, "cells": snapshot.cells},
                "usage": snapshot.usage, "executions": snapshot.executions, "gt": snapshot.gt,
                "outcomes": {key: self._outcome_record(outcome) for key, outcome in self.recorder.take_new().items()}}

    def _outcome_record(self, outcome: Outcome) -> dict:
        """An outcome as the trace keeps it (large texts and values as blobs)."""
        return dict(outcome.to_dict(), stdout=self._trace.blob(outcome.stdout), value=self._trace.blob(outcome.value),
                    stderr=self._trace.blob(outcome.stderr))

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
        return {"executions_cached": self.executions_cached + recorder.sandbox_cache_hits,
                "executions_run": recorder.sandbox_executions, "executions_retried": recorder.retried,
                "total_wall_s": round(self.total_wall_s, 3)}

    def summary(self) -> dict:
        """The run's summary (`summary.json`), GT fields null without ground truth."""
        snap = self.matrix.snapshot()
        selected = None
        if self.selection is not None:
            selected = {"code_id": self.selection.code_id, "code": self.codes[self.selection.code_id].source}
        gt = {"bon": None, "bon_cluster": None, "pass1_bon": None, "pass1_cluster": None, "ut_accuracy": None,
              "codes_correct": None, "codes_total": None, "ut_accuracy_initial": None}
        baselines = {name: dict(entry, gt_correct=None) for name, entry in self.baselines.items()}
        if self.ground_truth.available and snap.code_ids:
            correct = np.array(self.ground_truth.codes_correct([self.codes[c].source for c in snap.code_ids]))
            gt["codes_correct"], gt["codes_total"] = int(correct.sum()), len(correct)
            final = self._final_rankings(snap)
            gt["bon"] = bool(correct[final["cosplay_bon"].choice])
            gt["pass1_bon"] = metrics.tie_shared_pass1(final["cosplay_bon"].top, correct)
            if self.selection is not None:
                gt["bon_cluster"] = bool(correct[snap.code_ids.index(self.selection.code_id)])
                gt["pass1_cluster"] = metrics.tie_shared_pass1(final["cosplay"].top, correct)
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
        usage = self.player.usage
        return to_jsonable({
            "problem": self.problem.slug, "model": self.player.info.name,
            "simulation": self.player.info.simulation, "seed": self.config.seed, "config": self.config.to_dict(),
            "selected": selected, "gt": gt, "rounds": self.rounds, "baselines": baselines,
            "usage": {"calls": usage.calls, "cached_calls": usage.cached_calls, "input_tokens": usage.input_tokens,
                      "output_tokens": usage.output_tokens, "failed_requests": usage.failed_requests},
            "executions": self.executions, "gt_executions": self.ground_truth.executions,
            "executions_stage1": (self.initial or {}).get("executions", 0),
            "executions_baselines": self.baseline_executions, "baselines_wall_s": round(self.baseline_wall_s, 3),
            "wall_s": round(self.wall_s, 3), "stopped": self.stopped,
            "selection_reasons": list(self.selection.reasons) if self.selection else [],
            "tests_unused": sum(1 for t in self.tests.values() if not t.agreed), **self._input_supply(),
        })

    def _input_supply(self) -> dict:
        """How many distinct UT inputs the backbone can ever give (a replayed pool's; None for a model, which can
        always write more) and whether they fall short of N_t, so that such problems can be reported apart."""
        available = getattr(self.player, "available_test_inputs", None)
        return {"test_inputs_available": available,
                "short_of_test_inputs": None if available is None else available < self.config.tests}

    # -- resume --------------------------------------------------------------------------------------------------

    @classmethod
    def resume(cls, problem: Problem, player: Player, config: RunConfig, executor: Executor, out_dir: str | Path,
               ground_truth: GroundTruth | None = None) -> "Run":
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
        if not steps:
            return run
        state = steps[-1]["state"]
        run.codes = {c["id"]: code_from_dict(c) for c in state["codes"]}
        tests = [test_from_dict(t) for t in state["tests"] + state.get("unused_tests", [])]
        run.tests = {t.id: t for t in sorted(tests, key=lambda t: t.id)}  # slots in order, as the run held them
        run.hints, run.plans, run.attacks = state["hints"], state["plans"], state["attacks"]
        run.indices, run.cursor, run.round = ideas.Indices(state["counter"]), state["cursor"], state["round"]
        run.round_changes, run.rounds, run.initial = state["round_changes"], state["rounds"], state["initial"]
        run.random_inputs, run.baselines = state["random_inputs"], state["baselines"]
        run.selection = selection_from_dict(state["selection"])
        run.stopped, run.executions, run.wall_s = state["stopped"], state["executions"], state["wall_s"]
        run.baseline_executions = state.get("baseline_executions", 0)
        run.baseline_wall_s = state.get("baseline_wall_s", 0.0)
        run.executions_cached = state.get("executions_cached", 0)
        run.total_wall_s = state.get("total_wall_s", 0.0)
        run._counted_baseline = (run.baseline_executions, run.baseline_wall_s)
        for key, value in steps[-1].get("usage", {}).items():
            if hasattr(run.player.usage, key):
                setattr(run.player.usage, key, value)  # what the run had consumed before the interruption
        run.history = trace.snapshots()
        run.step_index = steps[-1]["step"] + 1
        run._started_event_written = True
        if run.tests:
            run._refresh_sync()
        if run.done and not trace.of_type("run_finished") and run._trace:
            run._trace.write("run_finished", summary=run.summary())
        return run

def problem_card(problem: Problem) -> dict:
    """What a trace records about a problem: never the ground truth."""
    return {"slug": problem.slug, "title": problem.title, "io": problem.io, "entry_point": problem.entry_point,
            "time_limit_s": problem.time_limit_s, "compare": str(problem.comparison), "statement": problem.statement,
            "path": str(problem.path) if problem.path else None}
