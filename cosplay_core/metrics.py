"""Scoring against ground truth (GT). The algorithm never sees any of this; it only measures how well it did.

Inputs are plain arrays computed by the engine:
- `gt_correct`: bool array (n_codes,), True for codes that pass every GT test;
- `passes`: bool array (n_codes, n_tests), `passes[i, j]` True when code i passes generated unit test j;
- `pass_counts`: pCode, the number of generated unit tests each code passes.

Names and definitions follow CURE's evaluation where it defines them (BoN accuracy, UT accuracy).
"""

from __future__ import annotations

import zlib

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np
from numpy.typing import ArrayLike


def _as_correct(gt_correct: ArrayLike) -> np.ndarray:
    correct = np.asarray(gt_correct, dtype=bool)
    if correct.ndim != 1:
        raise ValueError(f"gt_correct must be a 1-D array, got shape {correct.shape}")
    return correct


def _as_problem(gt_correct: ArrayLike, passes: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    correct = _as_correct(gt_correct)
    matrix = np.asarray(passes, dtype=bool)
    if matrix.ndim != 2 or matrix.shape[0] != correct.shape[0]:
        raise ValueError(f"passes has shape {matrix.shape}, expected ({correct.shape[0]}, n_tests)")
    return correct, matrix


def ut_correctness(gt_correct: ArrayLike, passes: ArrayLike) -> Optional[np.ndarray]:
    """Bool array (n_tests,): True for each unit test that every GT-correct code passes.

    None when no code is GT-correct: a test's correctness cannot be told then.
    """
    correct, matrix = _as_problem(gt_correct, passes)
    if not correct.any():
        return None
    return matrix[correct].all(axis=0)


def ut_accuracy(gt_correct: ArrayLike, passes: ArrayLike) -> Optional[float]:
    """CURE's UT accuracy for one problem: the share of unit tests that every GT-correct code passes.

    None when no code is GT-correct (CURE leaves such problems out) or when there are no unit tests.
    """
    verdicts = ut_correctness(gt_correct, passes)
    if verdicts is None or verdicts.size == 0:
        return None
    return float(verdicts.mean())


def pool_pass_rate(gt_correct: ArrayLike) -> float:
    """Share of the code pool that is GT-correct."""
    correct = _as_correct(gt_correct)
    if correct.size == 0:
        raise ValueError("there is no code in the pool")
    return float(correct.mean())


def pass_count_auc(gt_correct: ArrayLike, pass_counts: ArrayLike) -> Optional[float]:
    """ROC AUC of pCode as a score for GT-correctness: the chance that a random correct code passes more unit
    tests than a random wrong one, ties counting half (Mann-Whitney U / (n_correct * n_wrong)).

    None when every code is correct or every code is wrong.
    """
    correct = _as_correct(gt_correct)
    scores = np.asarray(pass_counts, dtype=float)
    if scores.shape != correct.shape:
        raise ValueError(f"pass_counts has shape {scores.shape}, expected {correct.shape}")
    positives, negatives = scores[correct], scores[~correct]
    if positives.size == 0 or negatives.size == 0:
        return None
    ordered_negatives = np.sort(negatives)
    below = np.searchsorted(ordered_negatives, positives, side="left")  # wrong codes strictly lower
    not_above = np.searchsorted(ordered_negatives, positives, side="right")  # ... lower or equal
    wins = below.sum() + 0.5 * (not_above - below).sum()
    return float(wins / (positives.size * negatives.size))


def wrong_uts(gt_correct: ArrayLike, passes: ArrayLike) -> list[int]:
    """Indices of the unit tests that some GT-correct code fails; empty when no code is GT-correct
    (wrongness cannot be told then)."""
    verdicts = ut_correctness(gt_correct, passes)
    if verdicts is None:
        return []
    return [int(j) for j in np.flatnonzero(~verdicts)]


@dataclass(frozen=True)
class Coupling:
    """A spurious Code-UT coupling: wrong unit test `test`, passed by the wrong codes `wrong_codes` and by no
    GT-correct code."""

    test: int
    wrong_codes: tuple[int, ...]


def spurious_couplings(gt_correct: ArrayLike, passes: ArrayLike) -> list[Coupling]:
    """Every wrong unit test passed by at least one wrong code and by no correct code, with those wrong codes.

    Defined only when some code is GT-correct (otherwise no test can be called wrong): empty list then.
    """
    correct, matrix = _as_problem(gt_correct, passes)
    if not correct.any():
        return []
    couplings = []
    for test in range(matrix.shape[1]):
        column = matrix[:, test]
        if column[correct].any():
            continue
        wrong_passers = tuple(int(i) for i in np.flatnonzero(column & ~correct))
        if wrong_passers:
            couplings.append(Coupling(test, wrong_passers))
    return couplings


@dataclass(frozen=True)
class RoundMetrics:
    """GT measurements of one self-play round's pools. Fields that are undefined for the pool are None."""

    pool_pass_rate: float
    pass_count_auc: Optional[float]
    wrong_uts: Optional[int]
    spurious_couplings: Optional[int]
    ut_accuracy: Optional[float]

    def to_dict(self) -> dict:
        return asdict(self)


def round_metrics(gt_correct: ArrayLike, passes: ArrayLike) -> RoundMetrics:
    """Bundles the per-round GT metrics. When no code is GT-correct, test correctness is undefined: wrong UTs,
    spurious couplings and UT accuracy are None (not 0)."""
    correct, matrix = _as_problem(gt_correct, passes)
    defined = bool(correct.any())
    return RoundMetrics(
        pool_pass_rate=pool_pass_rate(correct),
        pass_count_auc=pass_count_auc(correct, matrix.sum(axis=1)),
        wrong_uts=len(wrong_uts(correct, matrix)) if defined else None,
        spurious_couplings=len(spurious_couplings(correct, matrix)) if defined else None,
        ut_accuracy=ut_accuracy(correct, matrix),
    )


def tie_shared_pass1(top: Sequence[int], gt_correct: ArrayLike) -> float:
    """CodeT's pass@1 for one problem: the share of GT-correct codes among `top`, the codes a selector ties at the
    top (its ranking's first group): the expected accuracy of a uniform pick among them."""
    correct = _as_correct(gt_correct)
    codes = [int(c) for c in top]
    if not codes:
        raise ValueError("there is no code at the top")
    if not all(0 <= c < correct.size for c in codes):
        raise ValueError(f"codes {codes} are outside a pool of {correct.size}")
    return float(correct[codes].mean())


# -- claims: a fixed dev/test split, and spread over seeds and problems ---------------------------------------------

SPLITS = ("dev", "test", "all")


def split_of(task_id: str) -> str:
    """The fixed split of a benchmark problem: "dev" when the number that ends its task id is even (HumanEval/0,
    HumanEval/2, ...), "test" when odd; an id without a trailing number by the parity of its CRC-32.
    Policies and settings are chosen on dev and reported on test."""
    digits = ""
    for ch in reversed(str(task_id)):
        if not ch.isdigit():
            break
        digits = ch + digits
    if digits:
        return "dev" if int(digits) % 2 == 0 else "test"
    return "dev" if zlib.crc32(str(task_id).encode()) % 2 == 0 else "test"


def in_split(task_id: str, split: str) -> bool:
    """Whether `task_id` belongs to `split` ("dev", "test" or "all"); ValueError for another split name."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use dev, test or all")
    return split == "all" or split_of(task_id) == split


@dataclass(frozen=True)
class Spread:
    """A figure over seeds: the mean of the per-seed means, their standard deviation (0 for one seed), and a
    bootstrap 95% interval over problems (each problem's mean over the seeds, resampled with a fixed seed)."""

    mean: Optional[float]
    std: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    seeds: int
    problems: int

    def to_dict(self) -> dict:
        return asdict(self)


def spread(per_problem: Sequence[Sequence[Optional[float]]], resamples: int = 2000, seed: int = 0) -> Spread:
    """`per_problem[i][k]`: problem i's value under seed k (None: undefined there, left out). The mean over seeds of
    each seed's mean over its defined problems, the std of those seed means (sample std, ddof=1), and the bootstrap
    95% interval of the mean over problems of each problem's mean over seeds."""
    rows = [list(r) for r in per_problem]
    n_seeds = max((len(r) for r in rows), default=0)
    seed_means = []
    for k in range(n_seeds):
        values = [x for x in (r[k] for r in rows if k < len(r)) if x is not None]
        if values:
            seed_means.append(float(np.mean(values)))
    problem_means = np.array([float(np.mean(v)) for v in ([x for x in r if x is not None] for r in rows) if v])
    if not seed_means or problem_means.size == 0:
        return Spread(None, None, None, None, n_seeds, 0)
    std = float(np.std(seed_means, ddof=1)) if len(seed_means) > 1 else 0.0
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, problem_means.size, size=(resamples, problem_means.size))
    boot = problem_means[draws].mean(axis=1)
    low, high = np.percentile(boot, [2.5, 97.5])
    return Spread(float(np.mean(seed_means)), std, float(low), float(high), len(seed_means), int(problem_means.size))


def format_spread(value: Optional[Spread], digits: int = 1) -> str:
    """'36.7% ±1.2 [31.0, 42.4]' (mean ± std over seeds, bootstrap 95% interval over problems), '-' when undefined."""
    if value is None or value.mean is None:
        return "-"
    text = f"{100 * value.mean:.{digits}f}%"
    if value.seeds > 1:
        text += f" ±{100 * (value.std or 0):.{digits}f}"
    assert value.ci_low is not None and value.ci_high is not None, "spread() gives an interval with every mean"
    return text + f" [{100 * value.ci_low:.{digits}f}, {100 * value.ci_high:.{digits}f}]"


def paired_spreads(pairs: Sequence[Sequence[tuple[Optional[float], Optional[float]]]]) -> tuple[Spread, Spread]:
    """`pairs[i][k]`: problem i's (start, end) values under seed k. The spreads of the starts and of the ends over
    the same cells: a cell counts only where both are defined, so that start and end average the same problems."""
    both = [[(a, b) if a is not None and b is not None else (None, None) for a, b in row] for row in pairs]
    return spread([[a for a, _ in row] for row in both]), spread([[b for _, b in row] for row in both])
