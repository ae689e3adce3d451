"""Selectors: every rule and tie-break on hand-built pools, then seeded random pools for invariants."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from cosplay_core.selectors import (
    ConsensusChoice,
    ConsensusSet,
    codet_consensus_sets,
    compatible,
    consensus_clusters,
    consensus_select,
    Evidence,
    error_count,
    has_no_output,
    identical_output_clusters,
    mbr_exec_scores,
    rank_bon,
    rank_codet,
    rank_largest_cluster,
    rank_mbr_exec,
    select_random,
)

E = None  # ERR


def choice(rank, passes=None, signatures=None, **options) -> int:
    """What selector `rank` (a `selectors.rank_*` of the selector table) picks: the first code of its first group."""
    if passes is None:
        passes = np.zeros((len(signatures), 0), dtype=bool)
    return rank(Evidence(np.asarray(passes, dtype=bool), signatures=signatures), **options).choice


def matrix(rows: list[str]) -> np.ndarray:
    """'1'/'0' strings, one per code, to a bool pass matrix."""
    return np.array([[ch == "1" for ch in row] for row in rows], dtype=bool).reshape(len(rows), -1)


# -- a pool where the selectors disagree ----------------------------------------------------------------------------
# Tests t0..t2 are right; t3 and t4 are wrong tests that encode a bug shared by the wrong codes 0 and 1.
# Code 1 (wrong) passes the most tests, so BoN is fooled; the three correct codes 2, 3, 4 agree with each other.
FOOLED_PASSES = matrix([
    "10011",  # 0 wrong, bug B
    "11011",  # 1 wrong, bug B plus luck on t1: the top pass count
    "11100",  # 2 correct
    "11100",  # 3 correct
    "11100",  # 4 correct
    "00000",  # 5 wrong, passes nothing
])
FOOLED_GT = np.array([False, False, True, True, True, False])
FOOLED_SIGNATURES = [
    ("1", "2", "9"),
    ("1", "2", "8"),
    ("1", "2", "3"),
    ("1", "2", "3"),
    ("1", "2", "3"),
    (E, E, E),
]


def test_bon_is_fooled_where_agreement_based_selectors_are_right():
    assert choice(rank_bon, FOOLED_PASSES) == 1 and not FOOLED_GT[1]
    assert choice(rank_codet, FOOLED_PASSES, variant="paper") == 2
    assert choice(rank_codet, FOOLED_PASSES, variant="released") == 2
    assert choice(rank_largest_cluster, signatures=FOOLED_SIGNATURES) == 2
    assert choice(rank_mbr_exec, signatures=FOOLED_SIGNATURES) == 2
    assert FOOLED_GT[2]


# -- random and BoN --------------------------------------------------------------------------------------------------


def test_select_random_is_seeded_and_in_range():
    picks = [select_random(5, random.Random(seed)) for seed in range(50)]
    assert picks == [select_random(5, random.Random(seed)) for seed in range(50)]
    assert set(picks) == set(range(5))
    with pytest.raises(ValueError):
        select_random(0, random.Random(0))


def test_bon_takes_top_pass_count_ties_to_lowest_index():
    assert choice(rank_bon, matrix(["100", "110", "011", "010"])) == 1
    assert choice(rank_bon, matrix(["000", "000"])) == 0
    assert choice(rank_bon, np.zeros((3, 0), dtype=bool)) == 0
    with pytest.raises(ValueError):
        choice(rank_bon, np.zeros((0, 3), dtype=bool))


# -- CodeT ---------------------------------------------------------------------------------------------------------


def test_codet_sets_group_codes_with_identical_pass_patterns():
    sets = codet_consensus_sets(matrix(["1100", "0011", "1100", "0000", "0000"]))
    assert sets == [
        ConsensusSet(codes=(0, 2), tests=(0, 1), score=4.0),
        ConsensusSet(codes=(1,), tests=(2, 3), score=2.0),
        ConsensusSet(codes=(3, 4), tests=(), score=0.0),
    ]
    released = codet_consensus_sets(matrix(["1100", "0011", "1100", "0000", "0000"]), "released")
    assert [s.score for s in released] == [pytest.approx(2 * math.sqrt(2)), 2.0, 0.0]


def test_codet_variants_differ():
    # One code passing 3 tests vs four codes passing 1 test: paper 3*1 < 1*4, released 3*1 > 1*sqrt(4).
    passes = matrix(["1110", "0001", "0001", "0001", "0001"])
    assert choice(rank_codet, passes, variant="paper") == 1
    assert choice(rank_codet, passes, variant="released") == 0
    assert choice(rank_codet, passes) == 1  # the paper's score is the default


def test_codet_tie_goes_to_set_with_lowest_code_index():
    # paper: {1, 3} x 2 tests = 4 ties {2} x 4 tests = 4; the set holding code 1 wins; code 0 passes nothing.
    passes = matrix(["000000", "110000", "001111", "110000"])
    assert choice(rank_codet, passes, variant="paper") == 1
    # released: sqrt(8) * 1 test ties sqrt(2) * 2 tests exactly; compared without float rounding.
    eight_then_two = matrix(["001"] * 8 + ["110"] * 2)
    two_then_eight = matrix(["110"] * 2 + ["001"] * 8)
    assert choice(rank_codet, eight_then_two, variant="released") == 0
    assert choice(rank_codet, two_then_eight, variant="released") == 0
    late_pair = matrix(["001"] * 8 + ["110"] * 2)
    late_pair[[0, 9]] = late_pair[[9, 0]]  # code 0 now in the pair, code 9 in the eight
    assert choice(rank_codet, late_pair, variant="released") == 0


def test_codet_when_no_code_passes_anything_takes_code_0():
    assert choice(rank_codet, matrix(["000", "000"])) == 0
    assert choice(rank_codet, matrix(["000", "000"]), variant="released") == 0


def test_codet_rejects_unknown_variant():
    with pytest.raises(ValueError):
        choice(rank_codet, matrix(["1"]), variant="nope")


# -- MBR-exec and largest output cluster ---------------------------------------------------------------------------

NEAR_MISSES = [
    (1, 2, 3, 4),
    (1, 2, 3, 5),
    (1, 2, 3, 6),
    (9, 9, 9, 9),
    (9, 9, 9, 9),
]


def test_mbr_hard_and_soft_differ():
    assert mbr_exec_scores(NEAR_MISSES) == [0, 0, 0, 1, 1]
    assert mbr_exec_scores(NEAR_MISSES, soft=True) == [6, 6, 6, 4, 4]
    assert choice(rank_mbr_exec, signatures=NEAR_MISSES) == 0


def test_mbr_all_err_agrees_with_nothing_and_loses_ties():
    signatures = [(E, E), (E, E), ("a", "b")]
    assert mbr_exec_scores(signatures) == [0, 0, 0]
    assert mbr_exec_scores(signatures, soft=True) == [0, 0, 0]
    assert choice(rank_mbr_exec, signatures=signatures) == 2  # ties: some output before none, then by id
    assert choice(rank_mbr_exec, signatures=[(E, E), (E, E)]) == 0


def test_mbr_shared_err_position_counts_in_hard_not_in_soft():
    signatures = [(E, "x"), (E, "x"), ("y", "x")]
    assert mbr_exec_scores(signatures) == [1, 1, 0]
    assert mbr_exec_scores(signatures, soft=True) == [2, 2, 2]


def test_largest_output_cluster_rules():
    assert identical_output_clusters([("x",), ("a",), ("b",), ("a",), ("b",)]) == [[0], [1, 3], [2, 4]]
    assert choice(rank_largest_cluster, signatures=[("x",), ("a",), ("b",), ("a",), ("b",)]) == 1  # tie: lowest index
    assert choice(rank_largest_cluster, signatures=[("a",), ("b",), ("b",)]) == 1
    # all-ERR signatures are left out while any code produced an output...
    assert choice(rank_largest_cluster, signatures=[(E,), (E,), (E,), ("a",), ("b",)]) == 3
    # ... and used when none did
    assert choice(rank_largest_cluster, signatures=[(E,), (E,)]) == 0
    # partial ERR is part of the signature
    assert choice(rank_largest_cluster, signatures=[("a", E), ("a", "b"), ("a", E)]) == 0


def test_signatures_of_different_lengths_are_rejected():
    with pytest.raises(ValueError):
        choice(rank_mbr_exec, signatures=[("a",), ("a", "b")])
    with pytest.raises(ValueError):
        choice(rank_largest_cluster, signatures=[])


# -- stage 3: compatibility and clusters ---------------------------------------------------------------------------


def test_compatible_ignores_err_positions():
    assert compatible(("1", "2"), ("1", "2"))
    assert not compatible(("1", "2"), ("1", "3"))
    assert compatible(("1", E), ("1", "3"))
    assert compatible((E, E), ("1", "3"))
    assert compatible((), ())
    with pytest.raises(ValueError):
        compatible(("1",), ("1", "2"))


def test_signature_helpers():
    assert error_count(("a", E, E)) == 2
    assert has_no_output((E, E)) and has_no_output(()) and not has_no_output((E, "a"))


def test_non_transitive_compatibility_never_merges_disagreeing_codes():
    # C matches A and B, which disagree: A and B must end in different clusters.
    a, b, c = ("1", "2"), ("1", "3"), ("1", E)
    clusters = consensus_clusters([a, b, c], [0, 1, 2])
    assert clusters == [[0, 2], [1]]  # equal sizes: C joins the cluster formed first (A's: fewer ERR, lower id)
    choice = consensus_select([a, b, c], [5, 5, 5], [0, 1, 2])
    assert choice.code == 0 and choice.clusters[choice.chosen_cluster] == [0, 2]


def test_err_code_joins_the_largest_compatible_cluster():
    # First-fit would put code 3 with code 0 and create a 2-2 tie; largest-fit reinforces {1, 2}.
    signatures = [("1", "2"), ("1", "3"), ("1", "3"), ("1", E)]
    assert consensus_clusters(signatures, [0, 1, 2, 3]) == [[0], [1, 2, 3]]
    assert consensus_select(signatures, [4, 4, 4, 4], [0, 1, 2, 3]).code == 1


def test_err_free_codes_cluster_by_identity_whatever_the_order():
    signatures = [("a", "b"), ("c", "d"), ("a", "b"), ("c", "d"), ("e", "f")]
    for order in itertools.permutations(range(5)):
        assert consensus_clusters(signatures, list(order)) == [[0, 2], [1, 3], [4]]


def test_all_err_code_cannot_win_by_matching_everything():
    signatures = [(E, E), ("a", "b"), ("a", "c")]
    clusters = consensus_clusters(signatures, [0, 1, 2])
    assert clusters == [[0], [1], [2]]  # code 0 joins no cluster of others
    choice = consensus_select(signatures, [7, 7, 7], [0, 1, 2])
    assert choice.code == 1  # three singletons, equal pCode: fewer failed runs, then lowest id
    assert any("produced no output" in reason for reason in choice.reasons)


def test_many_all_err_codes_do_not_outvote_one_real_output():
    signatures = [(E, E), (E, E), (E, E), ("a", "b")]
    choice = consensus_select(signatures, [3, 3, 3, 3], [0, 1, 2, 3])
    assert choice.clusters == [[0], [1], [2], [3]]
    assert choice.code == 3


def test_all_candidates_without_output_form_one_cluster():
    signatures = [(E, E), ("a", "b"), (E, E), (E, E)]
    assert consensus_clusters(signatures, [3, 0, 2]) == [[0, 2, 3]]
    assert consensus_select(signatures, [1, 1, 1, 1], [3, 0, 2]).code == 0


def test_cluster_ties_break_on_total_pass_count():
    signatures = [("a",), ("a",), ("b",), ("b",)]
    choice = consensus_select(signatures, [5, 5, 6, 5], [0, 1, 2, 3])
    assert choice.clusters == [[0, 1], [2, 3]] and choice.chosen_cluster == 1
    assert choice.code == 2  # within the cluster: highest pCode
    assert "higher total of passed tests (11 vs 10)" in choice.reasons[-2]


def test_cluster_ties_break_on_fewer_errors_then_lowest_id():
    signatures = [("a", E), ("a", "x"), ("b", "y"), ("b", "y")]
    choice = consensus_select(signatures, [5, 5, 5, 5], [0, 1, 2, 3])
    assert choice.clusters == [[0, 1], [2, 3]]
    assert choice.code == 2 and "fewer failed runs (0 vs 1)" in choice.reasons[-2]
    even = consensus_select([("b",), ("a",), ("b",), ("a",)], [5, 5, 5, 5], [0, 1, 2, 3])
    assert even.clusters == [[0, 2], [1, 3]] and even.code == 0
    assert "lowest code id" in even.reasons[-2]


def test_within_cluster_pass_count_then_errors_then_id():
    signatures = [("a", "b"), ("a", E), ("a", "b"), ("a", "b")]
    assert consensus_select(signatures, [3, 5, 5, 4], [0, 1, 2, 3]).code == 2  # pCode tie 1/2: fewer failed runs
    assert consensus_select(signatures, [3, 6, 5, 4], [0, 1, 2, 3]).code == 1  # highest pCode beats errors
    tie = consensus_select(signatures, [5, 5, 5, 5], [3, 2, 0, 1])
    assert tie.code == 0 and "lowest id" in tie.reasons[-1]


def test_single_candidate_needs_no_clustering():
    choice = consensus_select([("a",), (E,)], [9, 3], [1])
    assert choice == ConsensusChoice([[1]], 0, 1, choice.reasons)
    assert len(choice.reasons) == 1 and "only candidate" in choice.reasons[0]


def test_reasons_read_as_a_story():
    inputs = 16
    sig_0 = tuple(str(k) for k in range(inputs))
    sig_4 = (E, E) + sig_0[2:]
    sig_7 = sig_0[:5] + ("x",) + sig_0[6:]  # disagrees with 0 and 4 on input 5
    signatures = {0: sig_0, 4: sig_4, 7: sig_7}  # a mapping by code id works as well as a list
    choice = consensus_select(signatures, {0: 14, 4: 14, 7: 14}, [7, 4, 0])
    assert choice.clusters == [[0, 4], [7]] and choice.chosen_cluster == 0 and choice.code == 0
    text = " ".join(choice.reasons)
    assert "3 codes tie at 14 passed tests: 0, 4 and 7." in text
    assert "Their outputs on 16 random inputs form 2 clusters: {0, 4} and {7}." in text
    assert "code 4 failed on 2 inputs" in text
    assert "The largest, {0, 4} (2 codes), wins." in text
    assert "code 0 has the fewest failed runs (0)" in text
    assert choice.to_dict() == {"clusters": [[0, 4], [7]], "chosen_cluster": 0, "code": 0,
                                "reasons": choice.reasons}


def test_reasons_when_candidates_do_not_tie_and_all_agree():
    choice = consensus_select([("a",), ("a",)], [3, 2], [0, 1])
    assert choice.reasons[0] == "2 candidate codes: 0 (3 passed tests) and 1 (2 passed tests)."
    assert "all agree" in choice.reasons[1]
    assert "most passed tests (3)" in choice.reasons[-1]


def test_bad_candidates_are_rejected():
    with pytest.raises(ValueError):
        consensus_select([("a",)], [1], [])
    with pytest.raises(ValueError):
        consensus_clusters([("a",), ("a",)], [0, 0])
    with pytest.raises(ValueError):
        consensus_clusters([("a",), ("a", "b")], [0, 1])


# -- invariants on seeded random pools -----------------------------------------------------------------------------


def random_pool(rng: np.random.Generator):
    n_codes, n_tests, n_inputs = rng.integers(1, 12), rng.integers(0, 8), rng.integers(0, 6)
    passes = rng.random((n_codes, n_tests)) < rng.random()
    behaviours = rng.integers(1, 4)  # few distinct programs, so clusters form
    program = rng.integers(0, behaviours, size=n_codes)
    err_rate = rng.choice([0.0, 0.2, 0.6, 1.0])
    signatures = []
    for i in range(n_codes):
        outputs = tuple(f"{program[i]}:{(k * (program[i] + 1)) % 3}" for k in range(n_inputs))
        signatures.append(tuple(E if rng.random() < err_rate else o for o in outputs))
    return passes, signatures


@pytest.mark.parametrize("seed", range(300))
def test_random_pools_keep_the_invariants(seed):
    rng = np.random.default_rng(seed)
    passes, signatures = random_pool(rng)
    n_codes = passes.shape[0]
    pass_counts = passes.sum(axis=1)

    for chosen in (choice(rank_bon, passes), choice(rank_codet, passes, variant="paper"), choice(rank_codet, passes, variant="released"),
                   choice(rank_mbr_exec, signatures=signatures),
                   choice(rank_largest_cluster, signatures=signatures), select_random(n_codes, random.Random(seed))):
        assert isinstance(chosen, int) and 0 <= chosen < n_codes

    assert pass_counts[choice(rank_bon, passes)] == pass_counts.max()

    for variant in ("paper", "released"):
        sets = codet_consensus_sets(passes, variant)
        assert sorted(c for s in sets for c in s.codes) == list(range(n_codes))
        best = max(s.score for s in sets)
        chosen_set = next(s for s in sets if choice(rank_codet, passes, variant=variant) in s.codes)
        assert chosen_set.score == pytest.approx(best)
        assert choice(rank_codet, passes, variant=variant) == chosen_set.codes[0]

    hard, soft = mbr_exec_scores(signatures), mbr_exec_scores(signatures, soft=True)
    assert all(s >= h for h, s in zip(hard, soft))

    candidates = [int(i) for i in np.flatnonzero(pass_counts == pass_counts.max())]
    decision = consensus_select(signatures, pass_counts, candidates)
    assert sorted(c for cluster in decision.clusters for c in cluster) == sorted(candidates)
    for cluster in decision.clusters:
        assert all(compatible(signatures[a], signatures[b]) for a, b in itertools.combinations(cluster, 2))
        if len(cluster) > 1 and not all(has_no_output(signatures[c]) for c in cluster):
            assert not any(has_no_output(signatures[c]) for c in cluster)
    assert decision.code in decision.clusters[decision.chosen_cluster]
    assert len(decision.clusters[decision.chosen_cluster]) == max(len(c) for c in decision.clusters)
    assert decision.reasons and all(isinstance(r, str) and r for r in decision.reasons)

    shuffled = list(candidates)
    random.Random(seed).shuffle(shuffled)
    assert consensus_select(signatures, pass_counts, shuffled) == decision
