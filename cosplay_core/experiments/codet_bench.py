"""HumanEval x CodeT: CoSPlay and the baselines on CodeT's recorded CodeGen-Mono-16B samples.

    result = run_codet_benchmark("../shared/data/humaneval_codegen16b/problems.jsonl.gz",
                                 "../shared/data/humaneval_codegen16b", jobs=2, out="runs/codet")
    print(format_codet_table(result))

For each problem, with its 100 recorded programs and the UTs parsed from its 100 recorded test samples:
(a) the ground-truth verdict of every program (HumanEval's own `check`, decided outside the program's process by
    `CheckJudge`: the program's calls in one sandboxed child, `check` replayed on its values in another);
(b) the full pass matrix, every distinct program on every distinct UT input, in function mode, each program's
    inputs run one after another in one child (`Limits(isolate_inputs=False)`) under CodeT's limits: 0.1 s per
    input, and the whole batch at most 0.1 s per input;
(c) signatures of the programs on R=16 random inputs: inputs of the pool's UTs, deduplicated, R chosen with the
    seed (their outcomes are cells of the matrix: no extra execution);
(d) the selectors of the selector table (`selectors.SELECTORS`) on the full pools: pool pass@1 (a random pick), BoN
    by pass count, CodeT's dual execution agreement with the paper's score (|codes| x |tests|) and with the released
    code's (tests counted with their sampling multiplicity, times sqrt(|codes|), as `CodeT/src/agreement.py`
    computes it), MBR-exec (soft), the largest output cluster, CoSPlay stage 3 only;
(e) CoSPlay's self-play over the pools: a `Run` whose player replays the pools (`PoolPlayer`: 16 programs and 16
    UT inputs drawn, refreshed from the rest round by round, repairs answered by resamples) and whose executions
    are answered from the matrix of (b) (the same outcomes every selector sees; an input the matrix lacks runs);
(f) the equal-budget baselines: every baseline again on what (e) drew (the programs, the UTs on its inputs, and its
    stage-3 inputs for signatures): cells of the matrix, no execution.

Every selector returns ranked tie groups; two accuracies per selector: `bon`, the share of problems whose chosen
program (the first code of the first group) passes the ground truth; and `pass1`, CodeT's reading: the share of
correct programs in the first group (the expected accuracy of a uniform pick among the tied programs; for CodeT, a
problem where no program passes any UT scores the pool's pass@1, as CodeT's `evaluation.py` does), CoSPlay included.
CodeT's published 36.7 is a `pass1` of the released variant.

Steps (a) and (b) do not depend on the seed: with several seeds they run once per problem, and with a `cache`
folder they are kept by content hash and read back. Per-problem results are kept in
`out/problems/<task>.seed<k>.json`; a second call with the same `out` reads them back and executes nothing for them.
A fixed split (`metrics.split_of`: even task ids dev, odd test) selects the problems.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike

from cosplay_core import metrics, selectors
from cosplay_core.bench import claims_markdown, format_claims
from cosplay_core.benchmarks.codet_pools import TEST_CASE_LIMIT, CodetPool, load_codet_pools
from cosplay_core.benchmarks.check_replay import CheckJudge
from cosplay_core.benchmarks.humaneval import HumanEvalProblem, load_humaneval
from cosplay_core.compare import outcome_matches
from cosplay_core.config import RunConfig
from cosplay_core.equal_budget import score_baselines as score_selectors
from cosplay_core.ground_truth import GroundTruth
from cosplay_core.players.pool import PoolPlayer, input_key
from cosplay_core.problem import ProblemError
from cosplay_core.records import BenchResult, Reading, score_splits
from cosplay_core.run import Run
from cosplay_core.sandbox import Executor, Isolation, Job, Limits, Outcome, Program
from cosplay_core.sandbox.protocol import ExecutorLike
from cosplay_core.stages import consensus

__all__ = ["CODET_REFERENCE", "CodetBenchSettings", "ExecutedPools", "SELECTORS", "aggregate_codet", "aggregate_seeds", "codet_pass1",
           "claims_markdown", "cosplay_over_pools", "equal_budget", "evaluate_problem", "execute_pools", "format_claims",
           "format_codet_table", "matrix_limits", "run_codet_benchmark"]

SELECTORS = tuple(selectors.SELECTORS)  # the rows of the table, in the selector table's order
LABELS = selectors.LABELS
# CodeT's published pass@1 for CodeGen-Mono-16B on HumanEval, and its released code re-run on these files
# (../shared/data/README.md), in percent.
CODET_REFERENCE = {"codet_paper": 36.7, "codet_released_rerun": 36.76, "random_rerun": 22.12}
POOL_SIZES = ((16, 16), (16, None), (32, None), (64, None), (100, 16), (100, None))  # (codes, UT samples); None: all
POOL_SIZE_SEEDS = 5
EXECUTED_CACHE_FORMAT = 3  # bump when what `execute_pools` keeps changes (2: programs hash strings with seed 0;
# 3: `random` seeded alike in every program process)
EXECUTING_PER_WORKER = 4  # problems whose steps (a) and (b) are under way at once, per sandbox server
# The interpreter's thread switch interval during the benchmark (Python's default: 5 ms). Its sandbox servers are
# driven by threads that wait on pipes; when one wakes with a result while another thread computes (a CoSPlay run,
# the selectors), it waits for the GIL up to this long, and its server idles meanwhile.
SWITCH_INTERVAL_S = 0.0005
RECORD_VERSION = 3  # 2: ground truth decided outside the candidate's process (CheckJudge); 3: ranked tie
# groups (tie-shared pass@1 for every selector), equal-budget baselines, one record per seed


@dataclass(frozen=True)
class CodetBenchSettings:
    """What decides a per-problem result (stored with the results; `out` refuses results of other settings)."""

    truncation: str = "codet"
    seed: int = 0
    time_limit_s: float = 0.1  # per input, as CodeT's executor (per assert)
    gt_time_limit_s: float = 3.0  # all of one program's calls by HumanEval's check (and one replay of check)
    random_inputs: int = 16  # R, for the full-pool baselines' signatures
    test_limit: int = TEST_CASE_LIMIT
    run: dict = field(default_factory=lambda: _without_seed(RunConfig()))  # CoSPlay's settings; its seed: `seed`
    version: int = RECORD_VERSION

    def run_config(self) -> RunConfig:
        return RunConfig.from_dict(dict(self.run, seed=self.seed))


def _without_seed(config: RunConfig) -> dict:
    settings = config.to_dict()
    settings.pop("seed", None)
    return settings


def gt_limits(problem: HumanEvalProblem, settings: CodetBenchSettings) -> Limits:
    """The ground truth's limits: HumanEval's time limit and the sandbox's own output caps, not a run's
    (`Problem.output_cap_bytes`), as HumanEval's harness sets none (the execution cache is keyed by them too)."""
    sandbox = Limits()
    return problem.limits(time_limit_s=settings.gt_time_limit_s, output_limit_bytes=sandbox.output_limit_bytes,
                          value_limit_bytes=sandbox.value_limit_bytes)


def matrix_limits(time_limit_s: float, n_inputs: int) -> Limits:
    """Limits for one program's batch of `n_inputs` inputs: run in one child with a whole-batch budget of
    `time_limit_s` per input (CodeT's suite limit) when the sandbox has a batch mode, else each in its own child."""
    names = {f.name for f in fields(Limits)}
    if {"isolate_inputs", "batch_time_limit_s"} <= names:
        return Limits(time_limit_s=time_limit_s, isolate_inputs=False,
                      batch_time_limit_s=round(time_limit_s * max(n_inputs, 1) + 0.1, 6))
    return Limits(time_limit_s=time_limit_s)


# ---- selectors' tie-aware readings ------------------------------------------------------------------------------


def codet_pass1(gt: ArrayLike, passes: ArrayLike, counts: Sequence[int] | np.ndarray | None = None,
                variant: selectors.CodeTVariant = "released") -> float:
    """CodeT's pass@1 for one problem as CodeT's released `agreement.py` and `evaluation.py` compute it: the share of
    GT-correct codes in the top group of `selectors.rank_codet` (the pool's pass@1 when no code passes any UT)."""
    gt = np.asarray(gt, dtype=bool)
    matrix = np.asarray(passes, dtype=bool).reshape(len(gt), -1)
    ranking = selectors.rank_codet(selectors.Evidence(matrix, counts), variant)
    return metrics.tie_shared_pass1(ranking.top, gt)


def pool_size_curve(gt: ArrayLike, passes: ArrayLike, counts: Sequence[int], task_id: str, seed: int) -> dict:
    """CodeT (released score, pass@1) and the oracle (some code correct) on sub-pools, averaged over seeded draws:
    `k` of the 100 programs and `m` UT samples drawn by multiplicity (or all UTs). No execution: matrix slices."""
    gt = np.asarray(gt, dtype=bool)
    matrix = np.asarray(passes, dtype=bool).reshape(len(gt), -1)
    occurrences = [j for j, n in enumerate(counts) for _ in range(int(n))]
    curve = {}
    for k, m in POOL_SIZES:
        codet, oracle = [], []
        for draw in range(POOL_SIZE_SEEDS):
            rng = random.Random(f"poolsize:{seed}:{task_id}:{k}:{m}:{draw}")
            rows = sorted(rng.sample(range(len(gt)), min(k, len(gt))))
            if m is None or len(occurrences) <= m:
                sub_counts = np.asarray(counts, dtype=int)
            else:
                sub_counts = np.zeros(matrix.shape[1], dtype=int)
                for j in rng.sample(occurrences, m):
                    sub_counts[j] += 1
            keep = np.flatnonzero(sub_counts > 0)
            sub_matrix = matrix[np.ix_(np.asarray(rows, dtype=int), keep)]
            codet.append(codet_pass1(gt[rows], sub_matrix, sub_counts[keep], "released"))
            oracle.append(float(gt[rows].any()))
        curve[f"{k}x{'all' if m is None else m}"] = {"codet_released": statistics.mean(codet),
                                                     "oracle": statistics.mean(oracle)}
    return curve


# ---- executing ----------------------------------------------------------------------------------------------------


class _ReplayExecutor:
    """Stands in for the executor of a CoSPlay run: answers from the benchmark's matrix outcomes (the same outcomes
    every selector sees), runs what the matrix lacks through the shared executor, and counts as `executions` the
    distinct (program, input) pairs the run asked for: what a run of its own would have executed."""

    def __init__(self, outcomes: dict[tuple[str, str], Outcome], fallback: Executor):
        self._outcomes = outcomes
        self._fallback = fallback
        self._asked: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.cache_hits = 0
        self.fallback_executions = 0

    @property
    def executions(self) -> int:
        with self._lock:
            return len(self._asked)

    @property
    def isolation(self) -> Isolation:
        return self._fallback.isolation

    def run(self, program: Program, inputs: Iterable[Any], limits: Limits | None = None) -> list[Outcome]:
        return self.run_jobs([Job(program, tuple(inputs), limits or Limits())])[0]

    def iter_jobs(self, jobs: list[Job]) -> Iterator[list[Outcome]]:
        yield from self.run_jobs(jobs)

    def run_jobs(self, jobs: list[Job]) -> list[list[Outcome]]:
        rows: list[list[Outcome | None]] = []
        missing: list[tuple[int, list[int]]] = []
        with self._lock:
            for number, job in enumerate(jobs):
                row, gaps = [], []
                for position, value in enumerate(job.inputs):
                    key = (job.program.source, input_key(value))
                    self._asked.add(key)
                    found = self._outcomes.get(key)
                    if found is None:
                        gaps.append(position)
                    else:
                        self.cache_hits += 1
                    row.append(found)
                rows.append(row)
                if gaps:
                    missing.append((number, gaps))
        if missing:
            extra = [Job(jobs[n].program, tuple(jobs[n].inputs[p] for p in gaps), jobs[n].limits)
                     for n, gaps in missing]
            for (number, gaps), outcomes in zip(missing, self._fallback.run_jobs(extra)):
                with self._lock:
                    self.fallback_executions += len(gaps)
                    for position, outcome in zip(gaps, outcomes):
                        rows[number][position] = outcome
                        self._outcomes[(jobs[number].program.source, input_key(jobs[number].inputs[position]))] = \
                            outcome
        return rows  # type: ignore[return-value]


class _KnownGroundTruth(GroundTruth):
    """HumanEval's ground truth with the verdicts of the recorded programs already known (from step (a)), a code
    not among them decided by the same judge; a reference's outputs, when the problem has one, are cached by
    input."""

    def __init__(self, problem: HumanEvalProblem, executor: Executor, known: dict[str, bool], judge: CheckJudge):
        super().__init__(problem, executor, check_codes=judge.correct)
        self._code_verdicts.update(known)
        self._reference_outputs: dict[str, Outcome] = {}

    def tests_correct(self, tests: list[tuple[Any, Any]]) -> list[bool] | None:
        if not self.problem.reference:
            return None
        todo = [x for x, _ in tests if input_key(x) not in self._reference_outputs]
        if todo:
            unique = {input_key(x): x for x in todo}
            before = self.executor.executions
            outcomes = self.executor.run(self.problem.program(self.problem.reference), list(unique.values()),
                                         self.problem.limits())
            self.executions += self.executor.executions - before
            self._reference_outputs.update(zip(unique, outcomes))
        return [expected is not None and outcome_matches(expected, self._reference_outputs[input_key(x)],
                                                         self.problem.io, self.problem.comparison)
                for x, expected in tests]


def _signature_hash(entry: object) -> str | None:
    return None if entry is None else hashlib.sha1(str(entry).encode()).hexdigest()[:12]


def _bits(values: Iterable[object]) -> str:
    return "".join("1" if v else "0" for v in values)


@dataclass
class ExecutedPools:
    """Steps (a) and (b) for one problem: the programs (`codes`, 100 with duplicates; `distinct`), their ground
    truth (`verdict_of` by source, `gt` per code, decided by `judge`), the distinct UT inputs (`keys`), every
    outcome (`table`, by (source, input key)), the pass matrix (codes x UTs) and the UTs' sampling multiplicities
    (`counts`)."""

    judge: CheckJudge
    codes: list[str]
    distinct: list[str]
    verdict_of: dict[str, bool]
    gt: np.ndarray
    keys: list[str]
    table: dict[tuple[str, str], Outcome]
    passes: np.ndarray
    counts: list[int]


def _executed_key(problem: HumanEvalProblem, distinct: list[str], keys: list[str], settings: CodetBenchSettings,
                   gt_limits: Limits, matrix: Limits) -> str:
    """The content hash of everything steps (a) and (b) depend on: the problem (its check), the distinct programs,
    the UT inputs and the limits."""
    blob = json.dumps([EXECUTED_CACHE_FORMAT, problem.slug, problem.entry_point, problem.check_code,
                       problem.reference, distinct, keys, asdict(gt_limits), asdict(matrix), settings.truncation],
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _read_executed(path: Path, distinct: list[str],
                   keys: list[str]) -> tuple[dict[str, bool], dict[tuple[str, str], Outcome]] | None:
    """(verdict_of, table) from a cache file of `execute_pools`, or None when it is missing or unreadable."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            data = json.load(stream)
        verdict_of = dict(zip(distinct, data["verdicts"], strict=True))
        table = {(source, key): Outcome.from_dict(cell) for source, row in zip(distinct, data["outcomes"], strict=True)
                 for key, cell in zip(keys, row, strict=True)}
        return verdict_of, table
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None


def _write_executed(path: Path, distinct: list[str], keys: list[str], verdict_of: dict, table: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
    with gzip.open(temporary, "wt", encoding="utf-8", compresslevel=3) as stream:
        json.dump({"verdicts": [verdict_of[c] for c in distinct],
                   "outcomes": [[table[(c, k)].to_dict() for k in keys] for c in distinct]}, stream)
    temporary.replace(path)


def execute_pools(problem: HumanEvalProblem, pool: CodetPool, executor: Executor,
                  settings: CodetBenchSettings = CodetBenchSettings(), cache: Path | None = None) -> ExecutedPools:
    """(a) the ground truth of every distinct program; (b) every distinct program on every distinct UT input, one
    batch per program under `matrix_limits`. With `cache` (a folder), both are kept there by the content hash of
    what decides them and read back instead of executed: the same verdicts and outcomes, so the same results."""
    codes = list(pool.codes)
    distinct = list(dict.fromkeys(codes))
    # (a)'s limit does not change its cost: CheckJudge first gives a candidate a short budget, the whole limit only
    # when check needs it
    judge_limits = gt_limits(problem, settings)
    judge = CheckJudge(problem, judge_limits)
    inputs: dict[str, Any] = {}
    for test in pool.tests:
        inputs.setdefault(input_key(test.input), test.input)
    keys = list(inputs)
    limits = matrix_limits(settings.time_limit_s, len(keys))
    path = None if cache is None else \
        Path(cache) / f"{_executed_key(problem, distinct, keys, settings, judge_limits, limits)}.json.gz"
    found = _read_executed(path, distinct, keys) if path is not None and path.exists() else None
    table: dict[tuple[str, str], Outcome]
    if found is not None:
        verdict_of, table = found
    else:
        table = {}
        with ThreadPoolExecutor(max_workers=1) as side:  # (b) queued at once, run beside (a)'s phases
            matrix = side.submit(executor.run_jobs, [Job(problem.program(c), tuple(inputs.values()), limits)
                                                     for c in distinct] if keys else [])
            verdict_of = dict(zip(distinct, judge.correct(distinct, executor)))
            rows = matrix.result()
            for source, row in zip(distinct, rows):
                table.update(((source, key), outcome) for key, outcome in zip(keys, row))
        if path is not None:
            _write_executed(path, distinct, keys, verdict_of, table)
    gt = np.array([verdict_of[c] for c in codes], dtype=bool)
    test_keys = [input_key(t.input) for t in pool.tests]
    passes = np.array([[outcome_matches(t.output, table[(c, k)], problem.io, problem.comparison)
                        for t, k in zip(pool.tests, test_keys)] for c in codes], dtype=bool).reshape(len(codes), -1)
    counts = list(pool.test_counts) if len(pool.test_counts) == len(pool.tests) else [1] * len(pool.tests)
    return ExecutedPools(judge, codes, distinct, verdict_of, gt, keys, table, passes, counts)


def _signatures(problem: HumanEvalProblem, codes: list[str], keys: list[str], table: dict) -> list[tuple]:
    return [consensus.signature(problem, [table[(c, k)] for k in keys]) for c in codes]


def equal_budget(problem: HumanEvalProblem, executed: "ExecutedPools", tests: list, seen: dict,
                 seed: int) -> dict:
    """Every baseline restricted to what CoSPlay's run saw: the recorded samples it drew (rows, duplicates as drawn),
    the UTs on the inputs it drew (with their multiplicities) and, for signatures, the stage-3 inputs it held out.
    {name: {"code", "correct", "pass1"}}; {} when the run drew no code. No execution: cells of the matrix."""
    free: dict[str, list[int]] = {}
    for row, source in enumerate(executed.codes):
        free.setdefault(source, []).append(row)
    rows = [free[source].pop(0) for source in seen["codes"] if free.get(source)]
    if not rows:
        return {}
    drawn = set(seen["inputs"])
    columns = [j for j, t in enumerate(tests) if input_key(t.input) in drawn]
    stage3 = [k for k in seen["stage3_inputs"] if k in set(executed.keys)]
    gt = executed.gt[rows]
    passes = executed.passes[np.ix_(rows, columns)]
    counts = [executed.counts[j] for j in columns]
    signatures = _signatures(problem, [executed.codes[r] for r in rows], stage3, executed.table)
    scored = score_selectors(gt, passes, counts, signatures, len(stage3), seed)
    return {name: {k: entry[k] for k in ("code", "correct", "pass1")} for name, entry in scored.items()}


def evaluate_problem(problem: HumanEvalProblem, pool: CodetPool, executor: Executor,
                     settings: CodetBenchSettings = CodetBenchSettings(), pools_name: str = "",
                     executed: "ExecutedPools | None" = None) -> dict:
    """Steps (a)-(e) of the module docstring for one problem and `settings.seed`; a JSON-able record. `executed`:
    steps (a) and (b) already done (they do not depend on the seed: one `execute_pools` serves every seed)."""
    started = time.perf_counter()
    executed = executed or execute_pools(problem, pool, executor, settings)
    codes, distinct, verdict_of, gt = executed.codes, executed.distinct, executed.verdict_of, executed.gt
    keys, table, passes, counts = executed.keys, executed.table, executed.passes, executed.counts
    # (c) signatures on R random inputs: UT inputs chosen with the seed (cells of the matrix)
    rng = random.Random(f"inputs:{settings.seed}:{problem.slug}")
    chosen = sorted(rng.sample(range(len(keys)), min(settings.random_inputs, len(keys))))
    signature_keys = [keys[i] for i in chosen]
    signatures = _signatures(problem, codes, signature_keys, table)
    # (d) the selectors on the full pools
    chosen_by = score_selectors(gt, passes, counts, signatures, len(signature_keys), settings.seed)
    pool_ut_accuracy = metrics.ut_accuracy(gt, passes)
    weighted_ut_accuracy = None
    verdicts = metrics.ut_correctness(gt, passes)
    if verdicts is not None and verdicts.size:
        weighted_ut_accuracy = float(np.average(verdicts, weights=np.asarray(counts, dtype=float)))
    matrix_pairs = len(distinct) * len(keys)
    signature_pairs = len(distinct) * len(signature_keys)
    for name, entry in chosen_by.items():
        needs = selectors.SELECTORS[name]
        entry["ut_accuracy"] = pool_ut_accuracy if needs.needs_tests else None
        entry["executions"] = matrix_pairs if needs.needs_tests else signature_pairs if needs.needs_signatures else 0
    # (e) CoSPlay's self-play, replaying the pools, executions answered from the matrix
    cosplay = cosplay_over_pools(problem, pool, executor, settings, table, verdict_of, pools_name,
                                 judge=executed.judge)
    seen = cosplay.pop("seen")
    budget = equal_budget(problem, executed, list(pool.tests), seen, settings.seed)
    for name, entry in chosen_by.items():
        entry["equal_budget"] = budget.get(name)
    for name, correct, pass1 in (("cosplay", cosplay["correct"], cosplay["pass1"]),
                                 ("cosplay_bon", cosplay["bon"], cosplay["pass1_bon"])):
        entry = {"code": cosplay["selected"] if name == "cosplay" else None, "correct": correct, "pass1": pass1,
                 "ut_accuracy": cosplay["ut_accuracy"], "ut_accuracy_initial": cosplay["ut_accuracy_initial"],
                 "executions": cosplay["executions"]}
        entry["equal_budget"] = {"code": entry["code"], "correct": correct, "pass1": pass1}
        chosen_by[name] = entry
    chosen_by = {name: chosen_by[name] for name in SELECTORS if name in chosen_by}
    return {
        "problem": problem.slug, "version": RECORD_VERSION, "seed": settings.seed,
        "codes": len(codes), "distinct_codes": len(distinct), "tests": len(pool.tests), "inputs": len(keys),
        "test_samples": pool.raw_test_count, "dropped_tests": pool.dropped_tests, "test_counts": counts,
        "gt": _bits(gt), "passes": [_bits(row) for row in passes],
        "signature_inputs": len(signature_keys),
        "signatures": [[_signature_hash(e) for e in s] for s in signatures],
        "statuses": _status_counts(table.values()),
        "ut_accuracy_pool": pool_ut_accuracy, "ut_accuracy_pool_weighted": weighted_ut_accuracy,
        "executions": {"gt": len(distinct), "matrix": matrix_pairs, "cosplay_fallback": cosplay.pop("fallback")},
        "equal_budget": {"codes": len(seen["codes"]), "inputs": len(seen["inputs"]),
                         "stage3_inputs": len(seen["stage3_inputs"])},
        "selectors": chosen_by, "cosplay": cosplay,
        "pool_sizes": pool_size_curve(gt, passes, counts, problem.slug, settings.seed),
        "wall_s": round(time.perf_counter() - started, 3),
    }


def _status_counts(outcomes: Iterable[Outcome]) -> dict:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


def cosplay_over_pools(problem: HumanEvalProblem, pool: CodetPool, executor: Executor,
                       settings: CodetBenchSettings, table: dict, verdict_of: dict[str, bool], pools_name: str = "",
                       config: RunConfig | None = None, judge: CheckJudge | None = None) -> dict:
    """(e): CoSPlay's run replaying `pool`, its executions answered from `table`; a JSON-able record of it. Codes
    outside `verdict_of` are decided by `judge` (a new one, under the benchmark's GT limit, when not given)."""
    config = config or settings.run_config()
    player = PoolPlayer(problem, pool, seed=settings.seed, draw_codes=config.codes, draw_tests=config.tests,
                        source=pools_name or None)
    replay = _ReplayExecutor(dict(table), executor)
    judge = judge or CheckJudge(problem, gt_limits(problem, settings))
    truth = _KnownGroundTruth(problem, executor, verdict_of, judge)
    run_executor: ExecutorLike = replay  # checked: the replay is an executor as far as the run can tell
    run = Run(problem, player, config, run_executor, ground_truth=truth)  # type: ignore[arg-type]  # PoolUsage
    try:
        run.run_to_end()
        summary = run.summary()
    finally:
        run.close()
    gt = summary["gt"]
    selection = run.selection
    final_codes = [run.codes[c].source for c in sorted(run.codes)]
    final_correct = [verdict_of.get(s, False) for s in final_codes]
    tied = list(selection.tied) if selection else []
    tied_correct = [verdict_of.get(run.codes[c].source, False) for c in tied]
    if not any(final_correct):
        outcome = "no_correct_code_in_pool"
    elif gt["cosplay_correct"]:
        outcome = "correct"
    elif not any(tied_correct):
        outcome = "no_correct_code_at_top"
    else:
        outcome = "wrong_cluster"
    initial = run.initial or {}
    return {
        "selected": selection.code_id if selection else None, "correct": gt["cosplay_correct"],
        "bon": gt["bon_correct"],
        "ut_accuracy": gt["ut_accuracy"], "ut_accuracy_initial": gt["ut_accuracy_initial"],
        "codes_correct": gt["codes_correct"], "codes_total": gt["codes_total"],
        "initial_codes_correct": sum(verdict_of.get(s, False) for s in initial.get("codes", [])),
        "tied": len(tied), "tied_correct": sum(tied_correct),
        "clusters": len(selection.clusters) if selection else 0, "outcome": outcome,
        "rounds": len(summary["rounds"]), "executions": summary["executions"],
        "baselines_16": {name: entry.get("gt_correct") for name, entry in summary["baselines"].items()},
        "pass1": gt.get("cosplay_pass1"), "pass1_bon": gt.get("bon_pass1"),
        "usage": player.usage.to_dict(), "fallback": replay.fallback_executions,
        # what the run saw, for the equal-budget baselines (the replay's draws, in order; PoolPlayer keeps them)
        "seen": {"codes": player.drawn_programs(),
                 "inputs": [input_key(x) for x in player.drawn_inputs()],
                 "stage3_inputs": [input_key(x) for x in player.held_out_inputs()]},
        "round_metrics": [r.get("metrics") for r in summary["rounds"]],
    }


# ---- the benchmark ------------------------------------------------------------------------------------------------


def _record_path(out: Path, task_id: str, seed: int) -> Path:
    return out / "problems" / (task_id.replace("/", "_") + f".seed{seed}.json")


def _check_settings(out: Path, settings: dict) -> None:
    path = out / "settings.json"
    if path.exists():
        stored = json.loads(path.read_text())
        if stored != settings:
            changed = sorted(k for k in set(stored) | set(settings) if stored.get(k) != settings.get(k))
            raise ValueError(f"{out} holds results of other settings ({', '.join(changed)}): choose another --out")
    else:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings, indent=2) + "\n")


def _write_atomically(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(json.dumps(data) + "\n")
    temporary.replace(path)


def run_codet_benchmark(problems_path: str | Path, pools_folder: str | Path, *, limit: int | None = None,
                        jobs: int = 2, out: str | Path | None = None, truncation: str = "codet", seed: int = 0,
                        progress: Callable[[int, int, dict], None] | None = None,
                        executor: Executor | None = None, time_limit_s: float = 0.1,
                        config: RunConfig | None = None, seeds: list[int] | None = None,
                        split: str = "all", cache: str | Path | None = None) -> BenchResult:
    """The HumanEval x CodeT benchmark (module docstring); returns `aggregate_seeds` of the per-problem records.

    `problems_path`: HumanEval-format JSONL (its `check` is the ground truth); `pools_folder`: CodeT-format pools
    (`load_codet_pools`), matched by task id. `split`: "dev" (even task ids), "test" (odd) or "all"
    (`metrics.split_of`); `limit`: the first N problems of the split. `seeds`: one CoSPlay run (and seeded
    baselines) per seed, default `[seed]`; steps (a) and (b) run once per problem for all seeds. `jobs`: problems at
    a time (threads, one shared executor). `out`: keeps each problem's record per seed; records there are read
    back, not recomputed. `progress(done, total, record)` is called after each problem. `config`: CoSPlay's run
    settings (default RunConfig(); its seed is replaced). `time_limit_s`: per UT input (CodeT's 0.1 s). `cache`: a
    folder keeping steps (a) and (b) by content hash (`execute_pools`), shared by every --out and seed. Raises
    ProblemError for unreadable data and ValueError for bad arguments or an `out` holding other settings. The
    result is also written to `out/result.<split>.json`.
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    seeds = list(dict.fromkeys(seeds if seeds else [seed]))
    started = time.perf_counter()
    base = CodetBenchSettings(truncation=truncation, seed=seeds[0], time_limit_s=time_limit_s,
                              run=_without_seed(config or RunConfig()))
    problems = [p for p in load_humaneval(problems_path) if metrics.in_split(p.slug, split)]
    if limit is not None:
        problems = problems[:limit]
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        stored_settings = asdict(base)
        stored_settings.pop("seed")
        _check_settings(out_dir, dict(stored_settings, pools=str(pools_folder)))
    stored: dict[tuple[str, int], dict] = {}
    if out_dir is not None:
        for problem in problems:
            for k in seeds:
                path = _record_path(out_dir, problem.slug, k)
                if path.exists():
                    stored[(problem.slug, k)] = json.loads(path.read_text())
    pools: dict[str, CodetPool] = {}
    if len(stored) < len(problems) * len(seeds):
        pools = load_codet_pools(pools_folder, limit=base.test_limit, truncation=truncation)
    own_executor = executor is None
    executor = executor or Executor()
    before = executor.executions
    lock = threading.Lock()
    done = [0]

    # Steps (a) and (b) of many problems at a time (they mostly wait for the sandbox), in problem order, so that
    # the executor's servers never idle between one problem's phases; `jobs` problems are evaluated at a time.
    executing = ThreadPoolExecutor(max_workers=max(jobs, EXECUTING_PER_WORKER * getattr(executor, "workers", 1)))
    prefetched = {problem.slug: executing.submit(execute_pools, problem, pools[problem.slug], executor,
                                                 CodetBenchSettings(**asdict(base)), Path(cache) if cache else None)
                  for problem in problems if problem.slug in pools
                  and any((problem.slug, k) not in stored for k in seeds)}

    def one(problem: HumanEvalProblem) -> dict[int, dict]:
        records: dict[int, dict] = {}
        executed: ExecutedPools | None = None
        for k in seeds:
            record = stored.get((problem.slug, k))
            if record is None:
                pool = pools.get(problem.slug)
                try:
                    if pool is None:
                        raise ProblemError(f"{problem.slug}: no recorded samples in {pools_folder}")
                    settings = CodetBenchSettings(**dict(asdict(base), seed=k))
                    executed = executed or prefetched[problem.slug].result()
                    record = evaluate_problem(problem, pool, executor, settings, str(pools_folder), executed)
                    if out_dir is not None:
                        _write_atomically(_record_path(out_dir, problem.slug, k), record)
                except Exception as exc:  # one problem's failure is reported, not fatal to the benchmark
                    record = {"problem": problem.slug, "seed": k, "error": f"{type(exc).__name__}: {exc}"}
            records[k] = record
        with lock:
            done[0] += 1
            if progress is not None:
                progress(done[0], len(problems), records[seeds[0]])
        return records

    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))  # restored below, however the benchmark ends
    try:
        with ThreadPoolExecutor(max_workers=jobs) as workers:
            by_problem = list(workers.map(one, problems))
    finally:
        sys.setswitchinterval(interval)
        executing.shutdown(cancel_futures=True)
        if own_executor:
            executor.close()
    result = aggregate_seeds({k: [r[k] for r in by_problem] for k in seeds}, split)
    result = replace(result, wall_s=round(time.perf_counter() - started, 2),
                     details=dict(result.details, settings=dict(asdict(base), seeds=seeds),
                                  executed=executor.executions - before, reused=len(stored)))
    if out_dir is not None:
        _write_atomically(out_dir / f"result.{split}.json", result.to_dict())
    return result


def _reading(name: str, entry: dict) -> Reading:
    """One selector's entry of a per-problem record as the result counts it (random: its expectation)."""
    correct = entry["pass1"] if name == "random" else None if entry["correct"] is None else float(entry["correct"])
    return Reading(correct, entry.get("pass1"), (entry.get("equal_budget") or {}).get("pass1"),
                   entry.get("ut_accuracy"), int(entry.get("executions", 0)))


def aggregate_seeds(records_by_seed: dict[int, list[dict]], split: str = "all") -> BenchResult:
    """The benchmark's result (`records.BenchResult`, the format `cosplay bench` writes too): per split and selector,
    `accuracy` (chosen code GT-correct), `pass1` (tie-shared) and `equal_budget_pass1` (tie-shared, on what CoSPlay
    saw) as mean and std over seeds with a bootstrap 95% interval over problems; UT accuracy; CoSPlay's UT accuracy
    at the start and the end of self-play over the same problems. A problem counts where it has no failure in every
    seed. `details`: the first seed's analyses (`aggregate_codet`)."""
    seeds = list(records_by_seed)
    first = records_by_seed[seeds[0]]
    by_task = {k: {r["problem"]: r for r in records if "error" not in r} for k, records in records_by_seed.items()}
    scored = [r["problem"] for r in first if all(r["problem"] in by_task[k] for k in seeds)]
    readings = {t: {k: {name: _reading(name, entry) for name, entry in by_task[k][t]["selectors"].items()}
                    for k in seeds} for t in scored}
    ut_start_end = {t: {k: (by_task[k][t]["cosplay"]["ut_accuracy_initial"], by_task[k][t]["cosplay"]["ut_accuracy"])
                        for k in seeds} for t in scored}
    ok = [r for r in first if "error" not in r]
    return BenchResult(pipeline="humaneval_codet", split=split, seeds=seeds, problems=len(first), scored=len(ok),
                       failed=len(first) - len(ok), splits=score_splits(readings, seeds, split, SELECTORS, ut_start_end),
                       wall_s=round(sum(r.get("wall_s", 0.0) for r in ok), 2),
                       errors=[f"{r['problem']}: {r['error']}" for r in first if "error" in r],
                       details=aggregate_codet(first))


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.mean(present)) if present else None


def aggregate_codet(records: list[dict]) -> dict:
    """The analyses of one seed's records beside the selectors' scores: the oracle (some recorded code correct), the
    pools (UTs, inputs, UT accuracy, outcome statuses), ground-truth executions, CodeT by pool size, CoSPlay's
    self-play diagnostics and CodeT's published figures (`reference`)."""
    ok = [r for r in records if "error" not in r]
    oracle = _mean([float("1" in r["gt"]) for r in ok])
    mixed = sum(1 for r in ok if "1" in r["gt"] and "0" in r["gt"])
    sizes: dict[str, dict] = {}
    for r in ok:
        for size, values in r.get("pool_sizes", {}).items():
            slot = sizes.setdefault(size, {"codet_released": [], "oracle": []})
            for key in slot:
                slot[key].append(values[key])
    cosplay = [r["cosplay"] for r in ok if "cosplay" in r]
    outcomes: dict[str, int] = {}
    for c in cosplay:
        outcomes[c["outcome"]] = outcomes.get(c["outcome"], 0) + 1
    usage_keys = ("code_draws", "test_draws", "fresh_draws", "wrapped_code_draws", "wrapped_test_draws",
                  "predictions", "failed_requests")
    baseline_names = sorted({n for c in cosplay for n in c.get("baselines_16", {})})
    diagnostics = {
        "outcomes": outcomes,
        "final_pool_has_correct": _mean([float(c["codes_correct"] > 0) for c in cosplay if c["codes_total"]]),
        "initial_pool_has_correct": _mean([float(c["initial_codes_correct"] > 0) for c in cosplay]),
        "final_pool_pass_rate": _mean([c["codes_correct"] / c["codes_total"] for c in cosplay if c["codes_total"]]),
        "initial_pool_pass_rate": _mean([c["initial_codes_correct"] / max(1, c.get("codes_total") or 16)
                                         for c in cosplay]),
        # at the start and the end over the same problems: those where both are defined
        "ut_accuracy_initial": _mean([c["ut_accuracy_initial"] for c in cosplay
                                      if c["ut_accuracy"] is not None and c["ut_accuracy_initial"] is not None]),
        "ut_accuracy_final": _mean([c["ut_accuracy"] for c in cosplay
                                    if c["ut_accuracy"] is not None and c["ut_accuracy_initial"] is not None]),
        "ut_accuracy_problems": sum(1 for c in cosplay
                                    if c["ut_accuracy"] is not None and c["ut_accuracy_initial"] is not None),
        "tied_at_top": _mean([c["tied"] for c in cosplay]),
        "usage": {k: int(sum(c["usage"].get(k, 0) for c in cosplay)) for k in usage_keys},
        "baselines_on_initial_16x16": {n: _mean([None if c["baselines_16"].get(n) is None
                                                 else float(c["baselines_16"][n]) for c in cosplay])
                                       for n in baseline_names},
    }
    return {
        "oracle": oracle, "problems_with_correct_and_wrong": mixed,
        "pool": {"tests": int(sum(r["tests"] for r in ok)), "inputs": int(sum(r["inputs"] for r in ok)),
                 "dropped_tests": int(sum(r["dropped_tests"] for r in ok)),
                 "problems_without_tests": sum(1 for r in ok if not r["tests"]),
                 "ut_accuracy": _mean([r["ut_accuracy_pool"] for r in ok]),
                 "ut_accuracy_weighted": _mean([r["ut_accuracy_pool_weighted"] for r in ok]),
                 "statuses": _sum_dicts(r.get("statuses", {}) for r in ok)},
        "gt_executions": int(sum(r["executions"]["gt"] for r in ok)),
        "pool_sizes": {size: {k: _mean(v) for k, v in slot.items()} for size, slot in sizes.items()},
        "cosplay": diagnostics,
        "reference": dict(CODET_REFERENCE),
    }


def _sum_dicts(dicts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
    return total


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def format_codet_table(result: BenchResult) -> str:
    """The benchmark's table (`bench.format_claims`: every split, every selector over the seeds) and the comparison
    with CodeT's figures and the first seed's analyses, as text."""
    lines = format_claims(result)
    lines.append("accuracy: share of problems whose chosen code passes HumanEval's check (ties to the lowest index); "
                 "pass@1 shares ties evenly, as CodeT reports it; equal budget: every baseline on the codes and UTs "
                 "CoSPlay's run drew (signatures on its stage-3 inputs).")
    details = result.details
    reference = details.get("reference", CODET_REFERENCE)
    table = result.main.selectors
    codet = table["codet_released"].pass1.mean if "codet_released" in table else None
    random_pick = table["random"].pass1.mean if "random" in table else None
    if codet is not None:
        lines.append(f"CodeT (released score) pass@1 here {100 * codet:.2f} vs published {reference['codet_paper']} "
                     f"({100 * codet - reference['codet_paper']:+.2f}) and vs CodeT's released code re-run on these "
                     f"files {reference['codet_released_rerun']} ({100 * codet - reference['codet_released_rerun']:+.2f})")
    if random_pick is not None:
        lines.append(f"random pick here {100 * random_pick:.2f} vs CodeT's re-run {reference['random_rerun']}")
    if details.get("oracle") is not None:
        lines.append(f"seed {result.seeds[0]}: oracle (some recorded code correct): {_pct(details['oracle'])}; "
                     f"{details.get('problems_with_correct_and_wrong', '?')} problems have correct and wrong codes")
    sizes = details.get("pool_sizes") or {}
    if sizes:
        lines.append("CodeT (released) pass@1 / oracle by pool size (codes x UT samples): " + "; ".join(
            f"{size} {_pct(v['codet_released'])} / {_pct(v['oracle'])}" for size, v in sizes.items()))
    diag = details.get("cosplay") or {}
    if diag.get("outcomes"):
        lines.append("CoSPlay self-play outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(diag["outcomes"].items()))
                     + f"; UT accuracy initial {_pct(diag['ut_accuracy_initial'])} -> final "
                       f"{_pct(diag['ut_accuracy_final'])} (the same {diag.get('ut_accuracy_problems', '?')} "
                       "problems); pool pass rate initial "
                       f"{_pct(diag['initial_pool_pass_rate'])} -> final {_pct(diag['final_pool_pass_rate'])}")
        usage = diag["usage"]
        lines.append(f"CoSPlay replay: {usage['code_draws']} codes drawn ({usage['fresh_draws']} fresh draws for "
                     f"repairs, {usage['wrapped_code_draws']} after the pool ran out), {usage['test_draws']} UT inputs "
                     f"drawn ({usage['wrapped_test_draws']} after the pool ran out)")
    tail = f"{result.problems} problems ({result.failed} failed)"
    if "executed" in details:
        tail += f"; wall time {result.wall_s} s; {details['executed']} sandbox executions in this call"
        if details.get("reused"):
            tail += f" ({details['reused']} problem records read back from --out)"
    lines.append(tail)
    lines += [f"failed: {e}" for e in result.errors]
    return "\n".join(lines)
