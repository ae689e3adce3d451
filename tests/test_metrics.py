"""GT metrics: hand-built pools for each definition, sklearn as the reference for the AUC, seeded invariants."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from cosplay_core.metrics import (
    Coupling,
    RoundMetrics,
    pass_count_auc,
    pool_pass_rate,
    round_metrics,
    spurious_couplings,
    ut_accuracy,
    ut_correctness,
    wrong_uts,
)


def matrix(rows: list[str]) -> np.ndarray:
    return np.array([[ch == "1" for ch in row] for row in rows], dtype=bool).reshape(len(rows), -1)


# Codes 0 and 1 are GT-correct, 2 and 3 wrong. Tests:
#   t0 right (both correct codes pass);
#   t1 wrong, passed by wrong code 2 only: a spurious coupling;
#   t2 wrong, passed by correct code 0 and wrong code 3: wrong, but no coupling (a correct code passes it);
#   t3 wrong, passed by nobody: wrong, no coupling;
#   t4 wrong, passed by wrong codes 2 and 3: a spurious coupling.
GT = np.array([True, True, False, False])
PASSES = matrix([
    "10100",
    "10000",
    "11001",
    "10101",
])


def test_ut_correctness_and_accuracy():
    assert ut_correctness(GT, PASSES).tolist() == [True, False, False, False, False]
    assert ut_accuracy(GT, PASSES) == pytest.approx(0.2)
    assert ut_accuracy(np.array([True, False]), matrix(["11", "01"])) == 1.0


def test_ut_metrics_are_undefined_without_a_correct_code():
    nobody = np.zeros(4, dtype=bool)
    assert ut_correctness(nobody, PASSES) is None
    assert ut_accuracy(nobody, PASSES) is None
    assert ut_accuracy(GT, np.zeros((4, 0), dtype=bool)) is None  # no unit tests
    assert wrong_uts(nobody, PASSES) == []
    assert spurious_couplings(nobody, PASSES) == []


def test_pool_pass_rate():
    assert pool_pass_rate(GT) == 0.5
    assert pool_pass_rate([True, True, True]) == 1.0
    with pytest.raises(ValueError):
        pool_pass_rate([])


def test_wrong_uts_and_spurious_couplings():
    assert wrong_uts(GT, PASSES) == [1, 2, 3, 4]
    assert spurious_couplings(GT, PASSES) == [Coupling(1, (2,)), Coupling(4, (2, 3))]


def test_auc_hand_cases():
    assert pass_count_auc([True, False], [3, 1]) == 1.0
    assert pass_count_auc([True, False], [1, 3]) == 0.0
    assert pass_count_auc([True, False, False], [2, 2, 2]) == 0.5
    assert pass_count_auc([True, True, False, False], [4, 2, 2, 1]) == pytest.approx((1 + 1 + 0.5 + 1) / 4)
    assert pass_count_auc([True, True], [1, 2]) is None
    assert pass_count_auc([False, False], [1, 2]) is None
    with pytest.raises(ValueError):
        pass_count_auc([True, False], [1, 2, 3])


@pytest.mark.parametrize("seed", range(200))
def test_auc_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    correct = rng.random(n) < rng.uniform(0.1, 0.9)
    if correct.all() or not correct.any():
        correct[0] = not correct[0]
    scores = rng.integers(0, int(rng.integers(1, 20)), size=n)  # small ranges: many ties
    assert pass_count_auc(correct, scores) == pytest.approx(roc_auc_score(correct, scores))


def test_round_metrics_bundle():
    metrics = round_metrics(GT, PASSES)
    assert metrics == RoundMetrics(
        pool_pass_rate=0.5,
        pass_count_auc=pass_count_auc(GT, PASSES.sum(axis=1)),
        wrong_uts=4,
        spurious_couplings=2,
        ut_accuracy=pytest.approx(0.2),
    )
    # pCode = [2, 1, 3, 3]: both correct codes rank below both wrong ones
    assert metrics.pass_count_auc == 0.0
    assert metrics.to_dict() == {"pool_pass_rate": 0.5, "pass_count_auc": 0.0, "wrong_uts": 4,
                                 "spurious_couplings": 2, "ut_accuracy": pytest.approx(0.2)}


def test_round_metrics_without_a_correct_code():
    metrics = round_metrics(np.zeros(4, dtype=bool), PASSES)
    assert metrics.to_dict() == {"pool_pass_rate": 0.0, "pass_count_auc": None, "wrong_uts": None,
                                 "spurious_couplings": None, "ut_accuracy": None}


@pytest.mark.parametrize("seed", range(100))
def test_random_pools_keep_the_invariants(seed):
    rng = np.random.default_rng(seed)
    n_codes, n_tests = int(rng.integers(1, 10)), int(rng.integers(1, 10))
    correct = rng.random(n_codes) < 0.5
    passes = rng.random((n_codes, n_tests)) < 0.6
    verdicts = ut_correctness(correct, passes)
    wrong = wrong_uts(correct, passes)
    couplings = spurious_couplings(correct, passes)
    if not correct.any():
        assert verdicts is None and wrong == [] and couplings == []
        return
    assert ut_accuracy(correct, passes) == pytest.approx(1 - len(wrong) / n_tests)
    assert {c.test for c in couplings} <= set(wrong)
    for coupling in couplings:
        assert coupling.wrong_codes and not correct[list(coupling.wrong_codes)].any()
        assert not passes[correct, coupling.test].any()
        assert set(coupling.wrong_codes) == set(np.flatnonzero(passes[:, coupling.test]))
    # every correct code passes every right test
    assert passes[np.ix_(correct, verdicts)].all()


# -- claims: split and spread ---------------------------------------------------------------------------------------


def test_split_is_even_dev_odd_test_and_fixed_for_names():
    from cosplay_core.metrics import in_split, split_of

    assert [split_of(f"HumanEval/{i}") for i in range(4)] == ["dev", "test", "dev", "test"]
    assert split_of("weighted_jobs") == split_of("weighted_jobs") in ("dev", "test")
    assert in_split("HumanEval/3", "all") and in_split("HumanEval/3", "test") and not in_split("HumanEval/3", "dev")
    with pytest.raises(ValueError):
        in_split("HumanEval/3", "train")


def test_spread_mean_std_over_seeds_and_bootstrap_interval():
    from cosplay_core.metrics import format_spread, spread

    result = spread([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, None]])
    assert result.mean == pytest.approx((3 / 4 + 1 / 3) / 2)  # seed means: 3/4 and 1/3 (None left out)
    assert result.std == pytest.approx(np.std([3 / 4, 1 / 3], ddof=1))
    assert 0.0 <= result.ci_low <= result.mean <= result.ci_high <= 1.0
    assert result.seeds == 2 and result.problems == 4
    assert spread([[0.5]]).std == 0.0 and spread([[0.5]]).ci_low == 0.5
    assert spread([[None]]).mean is None and format_spread(spread([[None]])) == "-"
    assert format_spread(spread([[1.0, 0.0]])).startswith("50.0% ±70.7")
