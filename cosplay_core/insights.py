"""What the viewers show about a run, computed from its snapshots: pure functions, no drawing, no Streamlit.

The app, the notebooks and `viz.py` read these instead of computing anything themselves:
- `cell_category`: one of `OUTCOME_CATEGORIES` for an execution-matrix cell (the matrix colours);
- `sorted_order`: rows and columns of the matrix by pass counts;
- `step_changes`: which codes and UTs a step changed, and why (for highlighting);
- `round_ends` / `snapshot_rounds`: the snapshot that ends each self-play round;
- `snapshot_couplings` / `coupling_timeline`: spurious Code-UT couplings, when they appeared and were broken;
- `explain_selection`: a plain-language account of the final choice;
- `round_table`: one row per round of a run's summary;
- `cell_info`: everything about one cell (the code, the UT, the outcome) for a details view.

Ground truth (`Snapshot.gt`) is only ever read here for display and scoring, never fed back to the algorithm.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from cosplay_core.stages.steps import stage_steps
from cosplay_core.state import Cell, Code, Snapshot, UnitTest

OUTCOME_CATEGORIES = ("pass", "wrong answer", "error", "timeout", "limit")
"""Execution-matrix cell categories, in legend order."""

_STATUS_CATEGORY = {"ok": "wrong answer", "error": "error", "timeout": "timeout", "memory_limit": "limit",
                    "output_limit": "limit"}

# Stage-2 step names in the order a round runs them (steps can be switched off; the order never changes).
ROUND_STEP_ORDER = tuple(step.name for step in stage_steps(2))

_TEST_CHANGE_WORDS = {"test_rederived": "expected output re-derived", "test_regenerated": "regenerated",
                      "test_replaced": "replaced"}
_CODE_CHANGE_WORDS = {"code_replaced": "replaced", "code_repaired": "repaired", "code_resampled": "resampled"}


# -- cells ---------------------------------------------------------------------------------------------------------

def cell_category(cell: Cell) -> str:
    """The cell's category: "pass", "wrong answer" (ran fine, output differs), "error", "timeout" or "limit"
    (memory or output limit). An unknown status counts as an error."""
    return outcome_category(cell.status, cell.passed)


def outcome_category(status: str, passed: bool) -> str:
    """The category (one of `OUTCOME_CATEGORIES`) of an outcome's status and verdict, as for a cell."""
    if passed:
        return "pass"
    return _STATUS_CATEGORY.get(status, "error")


BUG_NOTE = "# bug:"
"""How a sample problem's wrong program names its bug, in its first lines: ground truth, for scoring only."""


def source_for_display(source: str, show_gt: bool) -> str:
    """A program as a viewer shows it: with ground truth hidden, the leading `# bug: ...` note of a sample problem's
    wrong program (and its `#` continuation lines) is left out, since it tells right from wrong."""
    if show_gt or not source.lstrip().startswith(BUG_NOTE):
        return source
    lines = source.lstrip().splitlines(keepends=True)
    rest = 1
    while rest < len(lines) and lines[rest].startswith("#") and not lines[rest].startswith("#!"):
        rest += 1
    return "".join(lines[rest:])


def preview(value: Any, limit: int = 60) -> str:
    """A one-line preview of an input or output value: whitespace collapsed, cut to `limit` characters."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def cell_info(snapshot: Snapshot, code_id: int, test_id: int) -> dict:
    """Everything a details view shows for one cell: the code, the UT and the outcome.

    Raises KeyError when the snapshot has no such code or UT.
    """
    rows = {c.id: i for i, c in enumerate(snapshot.codes)}
    cols = {t.id: j for j, t in enumerate(snapshot.tests)}
    if code_id not in rows or test_id not in cols:
        raise KeyError(f"no cell (code {code_id}, UT {test_id}) at step {snapshot.step}")
    i, j = rows[code_id], cols[test_id]
    code, test, cell = snapshot.codes[i], snapshot.tests[j], snapshot.cells[i][j]
    info = {"code_id": code.id, "code_version": code.version, "code_origin": code.origin, "source": code.source,
            "test_id": test.id, "test_version": test.version, "test_kind": test.kind, "attack": test.attack,
            "input": test.input, "expected": test.expected, "votes": list(test.votes), "agreement": test.agreement,
            "status": cell.status, "category": cell_category(cell), "passed": cell.passed, "output": cell.output,
            "stderr": cell.stderr, "time_s": cell.time_s, "code_gt_correct": None, "test_gt_correct": None}
    gt = gt_marks(snapshot)
    if gt is not None:
        info["code_gt_correct"] = bool(gt[0][i])
        info["test_gt_correct"] = None if gt[1] is None else bool(gt[1][j])
    return info


# -- order and changes ---------------------------------------------------------------------------------------------

def sorted_order(snapshot: Snapshot) -> tuple[list[int], list[int]]:
    """Row and column positions (indices into `snapshot.codes` / `snapshot.tests`) sorted for display:
    codes by pCode descending then id, UTs by pUT descending then id."""
    code_counts = snapshot.code_pass_counts
    test_counts = snapshot.test_pass_counts
    rows = sorted(range(len(snapshot.codes)), key=lambda i: (-int(code_counts[i]), snapshot.codes[i].id))
    cols = sorted(range(len(snapshot.tests)), key=lambda j: (-int(test_counts[j]), snapshot.tests[j].id))
    return rows, cols


def step_changes(snapshot: Snapshot) -> dict:
    """What the step changed, for highlighting:

    - "codes", "tests": sets of ids whose row or column the step changed (a rejected repair or a re-derivation that
      confirmed the old output changes nothing and is not in them);
    - "by_kind": change kind -> set of ids (every change, those that changed nothing included);
    - "reasons": ("code" | "test", id) -> list of plain-language reasons (every change).
    """
    codes: set[int] = set()
    tests: set[int] = set()
    by_kind: dict[str, set[int]] = {}
    reasons: dict[tuple[str, int], list[str]] = {}
    for change in snapshot.changes:
        by_kind.setdefault(change.kind, set()).add(change.id)
        reasons.setdefault((change.target, change.id), []).append(change.reason)
        if change.counts:
            (codes if change.target == "code" else tests).add(change.id)
    return {"codes": codes, "tests": tests, "by_kind": by_kind, "reasons": reasons}


# -- rounds --------------------------------------------------------------------------------------------------------

def snapshot_rounds(snapshots: Sequence[Snapshot]) -> list[int]:
    """The self-play round each snapshot belongs to: 0 for stage 1, 1.. for stage 2, the last round for stage 3.

    Rounds are told from the order of the stage-2 steps (a round runs clean, coupling, fix, trivial, each only when
    switched on): a step that does not come after the previous one in that order opens a new round. This does not
    depend on `Snapshot.round`, which is 1 too high on the step that closes a round when another round follows
    (only a list that starts in the middle of stage 2 uses it, for its first round).
    """
    rounds: list[int] = []
    current = 0
    previous: int | None = None
    for snapshot in snapshots:
        if snapshot.stage == 1:
            rounds.append(0)
            continue
        if snapshot.stage == 2:
            position = ROUND_STEP_ORDER.index(snapshot.name) if snapshot.name in ROUND_STEP_ORDER else 0
            if previous is None:  # the first round seen: round 1 in a whole history, else as labelled
                current = 1 if rounds else max(1, snapshot.round)
            elif position <= previous:
                current += 1
            previous = position
        rounds.append(current)
    return rounds


def round_ends(snapshots: Sequence[Snapshot]) -> list[tuple[str, Snapshot]]:
    """("initial", the stage-1 snapshot with the first full matrix), then ("round r", the snapshot that ends round
    r) for every self-play round present, in order. Snapshots with an empty matrix are left out."""
    ends: list[tuple[str, Snapshot]] = []
    initial = [s for s in snapshots if s.stage == 1 and s.passes.size]
    if initial:
        ends.append(("initial", initial[-1]))
    last_of_round: dict[int, Snapshot] = {}
    for snapshot, number in zip(snapshots, snapshot_rounds(snapshots)):
        if snapshot.stage == 2 and snapshot.passes.size:
            last_of_round[number] = snapshot
    ends.extend((f"round {number}", last_of_round[number]) for number in sorted(last_of_round))
    return ends


def round_table(summary: dict) -> list[dict]:
    """One row per self-play round of a run's summary: pass-count statistics, the number of changes, and the GT
    metrics when the run had ground truth (None in rounds without them)."""
    records = summary.get("rounds") or []
    metric_keys: list[str] = []
    for record in records:
        for key in (record.get("metrics") or {}):
            if key not in metric_keys:
                metric_keys.append(key)
    rows = []
    for record in records:
        codes = [int(v) for v in record.get("code_pass_counts", [])]
        tests = [int(v) for v in record.get("ut_pass_counts", [])]
        top = max(codes) if codes else None
        row = {
            "round": record.get("round"),
            "codes": len(codes),
            "uts": len(tests),
            "changes": record.get("changes"),
            "pcode_min": min(codes) if codes else None,
            "pcode_median": float(statistics.median(codes)) if codes else None,
            "pcode_max": top,
            "codes_at_top": sum(1 for v in codes if v == top) if codes else 0,
            "codes_passing_none": sum(1 for v in codes if v == 0),
            "put_min": min(tests) if tests else None,
            "put_median": float(statistics.median(tests)) if tests else None,
            "put_max": max(tests) if tests else None,
            "trivial_uts": sum(1 for v in tests if v == 0 or v == len(codes)),
        }
        metrics = record.get("metrics") or {}
        for key in metric_keys:
            row[key] = metrics.get(key)
        rows.append(row)
    return rows


# -- ground truth and couplings ------------------------------------------------------------------------------------

def gt_marks(snapshot: Snapshot) -> tuple[list[bool], list[bool] | None] | None:
    """(codes, tests) GT marks aligned with the snapshot's rows and columns; None when the snapshot has none."""
    gt = snapshot.gt
    if not gt or gt.get("codes") is None or len(gt["codes"]) != len(snapshot.codes):
        return None
    tests = gt.get("tests")
    if tests is not None and len(tests) != len(snapshot.tests):
        tests = None
    return [bool(v) for v in gt["codes"]], (None if tests is None else [bool(v) for v in tests])


def snapshot_couplings(snapshot: Snapshot) -> dict[int, tuple[int, ...]]:
    """The spurious couplings of one snapshot: wrong-UT id -> the ids of the wrong codes that pass it, for every
    GT-wrong UT passed by at least one GT-wrong code and by no GT-correct code. Empty without GT marks for the
    UTs."""
    marks = gt_marks(snapshot)
    if marks is None or marks[1] is None or not snapshot.passes.size:
        return {}
    codes_ok, tests_ok = np.array(marks[0], dtype=bool), marks[1]
    found = {}
    for j, test in enumerate(snapshot.tests):
        if tests_ok[j]:
            continue
        column = np.asarray(snapshot.passes[:, j], dtype=bool)
        if column[codes_ok].any():
            continue
        wrong = tuple(snapshot.codes[i].id for i in np.flatnonzero(column & ~codes_ok))
        if wrong:
            found[test.id] = wrong
    return found


@dataclass(frozen=True)
class CouplingRecord:
    """One spurious coupling over its life: a GT-wrong UT (`test_id` at `test_version`) and the GT-wrong codes that
    pass it while no GT-correct code does.

    `code_ids` are the coupled codes when it appeared, `last_code_ids` those at the last step it was seen (a repair
    can take one code out of a coupling without breaking it). `output` is the shared wrong output: the UT's expected
    output, which the coupled codes produce. `broken_step` is None when the coupling survives to the last snapshot;
    `broken_by` then says what broke it in plain words.
    """

    test_id: int
    test_version: int
    code_ids: tuple[int, ...]
    last_code_ids: tuple[int, ...]
    input: Any
    output: Any
    appeared_step: int
    appeared_round: int
    broken_step: int | None = None
    broken_round: int | None = None
    broken_by: str | None = None
    code_versions: tuple[int, ...] = ()  # the coupled codes' versions when it appeared, aligned with `code_ids`

    @property
    def label(self) -> str:
        """The coupling's UT and codes with their versions: "UT 3.1 ⟷ codes 2.0, 5.1"."""
        versions = self.code_versions or (0,) * len(self.code_ids)
        codes = ", ".join(f"{c}.{v}" for c, v in zip(self.code_ids, versions))
        return f"UT {self.test_id}.{self.test_version} ⟷ code{'s' if len(self.code_ids) > 1 else ''} {codes}"

    @property
    def key(self) -> tuple[int, int]:
        return (self.test_id, self.test_version)

    @property
    def open(self) -> bool:
        return self.broken_step is None

    def to_dict(self) -> dict:
        return {"test_id": self.test_id, "test_version": self.test_version, "code_ids": list(self.code_ids),
                "last_code_ids": list(self.last_code_ids), "input": self.input, "output": self.output,
                "appeared_step": self.appeared_step, "appeared_round": self.appeared_round,
                "broken_step": self.broken_step, "broken_round": self.broken_round, "broken_by": self.broken_by,
                "code_versions": list(self.code_versions)}


def _ids_text(word: str, ids: Sequence[int]) -> str:
    ids = sorted(ids)
    return f"{word}{'s' if len(ids) > 1 else ''} " + ", ".join(str(i) for i in ids)


def _why_broken(record: dict, snapshot: Snapshot) -> str:
    """Plain words for what ended a coupling at `snapshot`."""
    test_id = record["test_id"]
    current = next((t for t in snapshot.tests if t.id == test_id), None)
    for change in snapshot.changes:
        if change.target == "test" and change.id == test_id and change.counts:
            return f"UT {test_id} {_TEST_CHANGE_WORDS.get(change.kind, 'changed')}"
    if current is None:
        return f"UT {test_id} left the pool"
    if current.version != record["test_version"]:
        return f"UT {test_id} changed"
    coupled = set(record["last_code_ids"])
    by_verb: dict[str, list[int]] = {}
    for change in snapshot.changes:
        if change.target == "code" and change.id in coupled and change.counts:
            by_verb.setdefault(_CODE_CHANGE_WORDS.get(change.kind, "changed"), []).append(change.id)
    if by_verb:
        return "; ".join(f"{_ids_text('code', ids)} {verb}" for verb, ids in sorted(by_verb.items()))
    return "no GT-wrong code passes it alone any more"


def coupling_timeline(snapshots: Sequence[Snapshot]) -> list[CouplingRecord]:
    """Every spurious coupling of a run, in order of appearance, with the step and round it appeared and was broken.

    A coupling is identified by its UT's (id, version): a refreshed or replaced UT starts a new record. A coupling
    is broken at the first later snapshot that no longer shows it (its UT refreshed or replaced, its coupled codes
    replaced or repaired, or a GT-correct code passing it). Snapshots without GT marks for the UTs are skipped:
    they neither open nor break a coupling.
    """
    rounds = snapshot_rounds(snapshots)
    open_records: dict[tuple[int, int], dict] = {}
    finished: list[dict] = []
    for snapshot, number in zip(snapshots, rounds):
        marks = gt_marks(snapshot)
        if marks is None or marks[1] is None or not snapshot.passes.size:
            continue
        versions = {t.id: t for t in snapshot.tests}
        present = {}
        for test_id, code_ids in snapshot_couplings(snapshot).items():
            present[(test_id, versions[test_id].version)] = (versions[test_id], code_ids)
        for key in list(open_records):
            if key not in present:
                record = open_records.pop(key)
                record.update(broken_step=snapshot.step, broken_round=number,
                              broken_by=_why_broken(record, snapshot))
                finished.append(record)
        for key, (test, code_ids) in present.items():
            if key in open_records:
                open_records[key]["last_code_ids"] = code_ids
            else:
                code_versions = {c.id: c.version for c in snapshot.codes}
                open_records[key] = {"test_id": test.id, "test_version": test.version, "code_ids": code_ids,
                                     "last_code_ids": code_ids, "input": test.input, "output": test.expected,
                                     "appeared_step": snapshot.step, "appeared_round": number,
                                     "code_versions": tuple(code_versions[c] for c in code_ids)}
    records = [CouplingRecord(**r) for r in finished + list(open_records.values())]
    return sorted(records, key=lambda r: (r.appeared_step, r.test_id))


def code_label(code: Code) -> str:
    """A code with its version, so that a slot's history stays readable: "code 3.2" is slot 3 after two
    replacements or repairs."""
    return f"code {code.id}.{code.version}"


def test_label(test: UnitTest) -> str:
    """A UT with its version: "UT 5.1" is slot 5 after one refresh or replacement."""
    return f"UT {test.id}.{test.version}"


def failed_by_all(snapshot: Snapshot) -> list[int]:
    """The ids of the UTs that no code passes (pUT = 0): at the end of a run, either the UT is wrong or every code
    is."""
    if not snapshot.passes.size:
        return []
    return [t.id for t, n in zip(snapshot.tests, snapshot.test_pass_counts) if int(n) == 0]


# -- selection -----------------------------------------------------------------------------------------------------

def bon_choice(snapshot: Snapshot) -> int | None:
    """The code id plain best-of-N picks on this snapshot: the most passed UTs, ties to the first row (CURE)."""
    if not snapshot.codes or not snapshot.passes.size:
        return None
    return snapshot.codes[int(np.argmax(snapshot.code_pass_counts))].id


def explain_selection(snapshot: Snapshot, ground_truth: bool = True) -> list[str]:
    """Why the final code was chosen, as plain sentences: the selection's own reasons, how plain best-of-N compares,
    and, when ground truth exists and `ground_truth` is on, whether the chosen code (and BoN's) is GT-correct."""
    selection = snapshot.selection
    if selection is None:
        lines = ["No code has been chosen yet: the choice is made at the end of stage 3 (output-consensus selection)."]
        if snapshot.stopped:
            lines.append(f"The run stopped early ({snapshot.stopped}).")
        return lines
    lines = list(selection.reasons)
    chosen = selection.code_id
    if snapshot.stopped:
        lines.append(f"The run stopped early ({snapshot.stopped}); the choice was made from the pools it had then.")
    counts = {c.id: int(n) for c, n in zip(snapshot.codes, snapshot.code_pass_counts)} if snapshot.passes.size else {}
    bon = bon_choice(snapshot)
    if bon is not None:
        if bon == chosen:
            lines.append(f"Plain best-of-N (the most passed UTs, ties to the lowest id) picks the same code, {chosen}.")
        else:
            cluster_of = {c: cluster for cluster in selection.clusters for c in cluster}
            where = ""
            if bon in cluster_of and chosen in cluster_of and cluster_of[bon] != cluster_of[chosen]:
                where = (f"; it sits in a cluster of {len(cluster_of[bon])} code"
                         f"{'s' if len(cluster_of[bon]) != 1 else ''} against {len(cluster_of[chosen])} for the "
                         "chosen one")
            lines.append(f"Plain best-of-N (the most passed UTs, ties to the lowest id) would pick code {bon} "
                         f"({counts.get(bon, 0)} passed UTs) instead{where}.")
    marks = gt_marks(snapshot)
    if marks is not None and not ground_truth:
        lines.append("Whether the chosen code is correct is ground truth, hidden now (the header's toggle shows it).")
    elif marks is not None:
        correct = dict(zip((c.id for c in snapshot.codes), marks[0]))
        if chosen in correct:
            verdict = ("GT-correct: it passes every hidden test" if correct[chosen]
                       else "GT-wrong: it fails some hidden test")
            lines.append(f"Ground truth (used only to score, never by the algorithm): code {chosen} is {verdict}; "
                         f"{sum(marks[0])} of {len(marks[0])} codes in the final pool are GT-correct.")
        if bon is not None and bon != chosen and bon in correct:
            lines.append(f"Best-of-N's pick, code {bon}, is {'GT-correct' if correct[bon] else 'GT-wrong'}.")
    return lines


# -- explanations --------------------------------------------------------------------------------------------------

GLOSSARY = {
    "N_c": "N_c: how many candidate programs (codes) the pool holds; N_t: how many unit tests (UTs).",
    "pCode": "pCode: how many UTs a code passes (its row sum in the execution matrix). The top pCode is what "
             "best-of-N picks.",
    "pUT": "pUT: how many codes pass a UT (its column sum): the UT's support.",
    "non-trivial UT": "A non-trivial UT is passed by some codes but not all (0 < pUT < N_c): only such a UT "
                      "separates codes. One passed by none or by all carries no signal.",
    "spurious coupling": "A spurious coupling is a wrong UT passed by at least one wrong code and by no correct "
                         "code: the wrong code and the wrong UT agree on the same wrong output, so each makes the "
                         "other look right. Only ground truth can show it.",
    "votes": "Votes (k): a UT's expected output is predicted k times independently; it is kept when at least "
             "ceil(3k/4) predictions agree (self-consistency), otherwise the input is regenerated.",
    "unused UT": "An unused UT: its votes never reached ceil(3k/4) agreement, even after the bounded "
                 "regenerations, so self-consistency leaves it out: it is never executed, in no pCode or pUT and "
                 "in no stage-2 decision; it stays in the record with its votes.",
    "resample": "A resample: a backbone that cannot repair a program (pool replay, your own candidates) answers "
                "stage 2's repair request with a fresh draw from its pool; it is kept only if it passes the "
                "trusted UT, like a repair, but it is not a repair of the failing code.",
    "signature": "A code's signature: its outputs on stage 3's random inputs, ERR where it fails or times out.",
    "ERR-compatible": "Two signatures are ERR-compatible when they agree on every input where neither is ERR; "
                      "compatible codes form a cluster, and the largest cluster wins.",
    "skills": "sim's skills: code skill, the chance a new program is the reference; test skill, the chance a "
              "predicted output is right (a wrong one is a wrong program's output, so wrong UTs share bugs with "
              "wrong codes); repair skill, the chance a repair succeeds.",
    "round": "A self-play round runs clean, coupling, fix and trivial (each can be switched off); rounds repeat "
             "up to T_max times and stop early after a round that changes nothing.",
}
"""Plain definitions of the terms the app uses, for tooltips and the "How CoSPlay works" page."""

_CHANGE_WORDS = {"code_replaced": ("code replaced", "codes replaced"),
                 "code_repaired": ("code repaired", "codes repaired"),
                 "code_resampled": ("code resampled (a fresh draw, not a repair)",
                                    "codes resampled (fresh draws, not repairs)"),
                 "test_rederived": ("UT's expected output re-derived", "UTs' expected outputs re-derived"),
                 "test_regenerated": ("UT regenerated", "UTs regenerated"),
                 "test_replaced": ("UT replaced", "UTs replaced")}
_STAGE1_DONE = {"hints": "distinct solution approaches", "plans": "plans, each built on a subset of the hints",
                "attacks": "attack ideas (edge cases that could break the plans)"}


def votes_needed(config: dict) -> int:
    """How many of a UT's k votes must agree for its expected output to be kept (ceil(3k/4); 1 without
    self-consistency), from a run's settings (`RunConfig.to_dict()`)."""
    from cosplay_core.config import Policies, RunConfig

    policies = Policies(**{k: v for k, v in ((config or {}).get("policies") or {}).items() if k in Policies.names()})
    return RunConfig(votes=int((config or {}).get("votes", 4)), policies=policies).agreement_needed


def vote_summary(test: UnitTest) -> str:
    """How a UT's votes went, in a few words: "4 of 4 agree", "3 of 4 agree (1 other)", or why it was kept anyway."""
    if not test.agreement:
        return "no agreement after the regenerations: unused (never run, in no count)"
    others = len(test.votes) - test.agreement
    return f"{test.agreement} of {len(test.votes)} votes agree" + (f" ({others} other)" if others else "")


def _round_steps(config: dict) -> list[str]:
    policies = (config or {}).get("policies") or {}
    return [step.name for step in stage_steps(2) if step.policy is None or policies.get(step.policy, True)]


def _quiet_reason(name: str, before: Snapshot, config: dict) -> str:
    """Why a stage-2 step changed nothing, from the matrix it decided on and the run's settings."""
    n = len(before.codes)
    codes, tests = before.code_pass_counts, before.test_pass_counts
    nontrivial = [int(v) for v in tests if 0 < v < n]
    if name == "clean":
        return (f"Every code passes at least one UT (the lowest pCode is {int(codes.min()) if len(codes) else 0}), so "
                "no code is replaced.")
    if name in ("coupling", "fix"):
        if not nontrivial:
            return ("No UT has non-trivial support (each is passed by no code or by all of them), so there is no "
                    + ("weakest UT to refresh." if name == "coupling" else "UT to trust for repairs."))
        if name == "fix":
            share = config.get("trusted_min_support")
            needed = max(1, math.ceil(share * n - 1e-9)) if isinstance(share, (int, float)) else 1
            if max(nontrivial) < needed:
                return (f"The most-supported non-trivial UT is passed by {max(nontrivial)} of {n} codes, fewer than "
                        f"the {needed} a trusted UT needs (trusted_min_support {share:g} of the pool), so no UT is "
                        "trusted and no code is repaired.")
            return "The model returned no usable repair for the codes failing the trusted UT, so no code changed."
        return "The weakest UT's refresh produced nothing usable, so it stays as it was."
    if name == "trivial":
        return "Every UT is passed by some codes but not all, so none is replaced."
    return "Nothing to do at this step."


def explain_step(snapshots: Sequence[Snapshot], index: int, config: dict | None = None,
                 ground_truth: bool = True) -> list[str]:
    """What step `index` of a run did and why, as plain sentences: what it produced (stage 1), what it changed or
    why it changed nothing (stage 2, from the matrix it decided on), when self-play stopped and why (early after a
    quiet round, or at T_max), and what stage 3 did. `config` is the run's settings (`RunConfig.to_dict()`);
    `ground_truth` off leaves out the chosen code's ground-truth verdict."""
    snapshot = snapshots[index]
    before = snapshots[index - 1] if index > 0 else None
    config = config or {}
    name = snapshot.name
    lines: list[str] = []
    if snapshot.stage == 1:
        if name in _STAGE1_DONE:
            count = {"hints": len(snapshot.hints), "plans": len(snapshot.plans),
                     "attacks": sum(len(a) for a in snapshot.attacks)}[name]
            lines.append(f"{count} {_STAGE1_DONE[name]}.")
        elif name == "codes":
            lines.append(f"{len(snapshot.codes)} codes, one per plan (code i is written from plan i + 1).")
        elif name == "tests":
            written = snapshot.tests + snapshot.unused_tests
            attack = sum(1 for t in written if t.kind == "attack")
            lines.append(f"{len(written)} UTs ({attack} target attack ideas, the rest are random valid inputs); "
                         f"{len(snapshot.tests)} reached agreement among their votes. Every code ran on every "
                         "used UT: the execution matrix below.")
            if snapshot.unused_tests:
                ids = ", ".join(str(t.id) for t in snapshot.unused_tests)
                lines.append(f"{len(snapshot.unused_tests)} UT(s) left unused by self-consistency (UT {ids}): "
                             "their votes never agreed, even after the regenerations, so they are never run and "
                             "count nowhere.")
        return lines
    if snapshot.stage == 2:
        counted = [c for c in snapshot.changes if c.counts]
        confirmed = [c for c in snapshot.changes if c.kind == "test_confirmed"]
        rejected = [c for c in snapshot.changes if c.kind in ("repair_rejected", "resample_rejected")]
        if counted:
            kinds: dict[str, int] = {}
            for change in counted:
                kinds[change.kind] = kinds.get(change.kind, 0) + 1
            lines.append("Changed: " + ", ".join(f"{n} {_CHANGE_WORDS.get(k, (k, k))[n != 1]}"
                                                 for k, n in kinds.items()) + ".")
        if confirmed:
            lines.append("“Re-derived, unchanged (value)”: the UT's expected output was predicted again by fresh "
                         "votes, which agreed on the same value (in brackets) as before; the UT keeps it, so "
                         "nothing in the matrix changes.")
        if rejected:
            word = "resample" if any(c.kind == "resample_rejected" for c in rejected) else "repair"
            lines.append(f"{len(rejected)} {word}(s) still failed the trusted UT, so those codes were kept as they "
                         f"were: a {word} is accepted only if it passes the UT it was asked to pass.")
        if not counted and before is not None and not confirmed and not rejected:
            lines.append("Nothing changed. " + _quiet_reason(name, before, config))
        steps = _round_steps(config)
        if steps and name == steps[-1]:
            number = snapshot_rounds(snapshots[:index + 1])[-1]
            start = index
            while start > 0 and snapshots[start - 1].stage == 2 and \
                    snapshot_rounds(snapshots[:start])[-1] == number:
                start -= 1
            total = sum(1 for s in snapshots[start:index + 1] for c in s.changes if c.counts)
            limit = config.get("rounds")
            stops = ((config.get("policies") or {}).get("stop_when_quiet", True))
            if total == 0 and stops and (limit is None or number < limit):
                lines.append(f"Round {number} changed nothing, so self-play stops early (up to {limit} rounds were "
                             "allowed): another round would see the same matrix and do the same. Next: stage 3.")
            elif limit is not None and number >= limit:
                lines.append(f"Round {number} was the last one allowed (T_max = {limit}). Next: stage 3.")
            else:
                lines.append(f"Round {number} made {total} change{'s' if total != 1 else ''}: another round follows.")
        return lines
    if name == "inputs":
        lines.append(f"Up to {config.get('inputs', 'R')} random valid inputs for stage 3: if several codes tie at "
                     "the top pCode, their outputs on these inputs (their signatures) tell them apart.")
    elif name == "select":
        lines.extend(explain_selection(snapshot, ground_truth))
    if snapshot.stopped:
        lines.append(f"The run stopped before the end: {snapshot.stopped}.")
    return lines
