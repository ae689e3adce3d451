"""The selector table: every selector returns ranked tie groups whose first code is its choice, on hand-made pools
with ties, and tie-shared pass@1 reads the first group (CodeT's definition)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cosplay_core import metrics, selectors
from cosplay_core.selectors import Evidence, Ranking, SELECTORS, rank_all, stage3_ranking

E = None  # ERR


def matrix(rows: list[str]) -> np.ndarray:
    return np.array([[ch == "1" for ch in row] for row in rows], dtype=bool).reshape(len(rows), -1)


def flat(ranking: Ranking) -> list[int]:
    return [c for group in ranking.groups for c in group]


# codes 0 and 1 pass the same two UTs; code 2 passes UT 2 (asserted 5 times); code 3 passes UT 0 alone; 4 nothing
PASSES = matrix(["110", "110", "001", "100", "000"])
COUNTS = [1, 1, 5]
SIGS = [(1, 2), (1, 2), (1, 3), (1, E), (E, E)]


def test_bon_groups_by_pass_count_and_ties_share():
    ranking = selectors.rank_bon(Evidence(PASSES))
    assert ranking.groups == ((0, 1), (2, 3), (4,)) and ranking.scores == (2.0, 1.0, 0.0)
    assert ranking.choice == 0
    assert metrics.tie_shared_pass1(ranking.top, [False, True, False, False, False]) == 0.5


def test_codet_paper_and_released_rank_as_agreement_py():
    paper = selectors.rank_codet(Evidence(PASSES, COUNTS), "paper")
    assert paper.groups == ((0, 1), (2, 3), (4,))  # 2x2=4; then {2} and {3} tie at 1x1=1, merged; nothing: 0
    released = selectors.rank_codet_released(Evidence(PASSES, COUNTS))
    assert released.groups[0] == (2,)  # 5*sqrt(1)=5 beats 2*sqrt(2)=2.83 (multiplicities count)
    assert released.groups[1:] == ((0, 1), (3,), (4,))
    weighted = np.repeat(PASSES, COUNTS, axis=1)  # a UT's multiplicity is the same as repeating it
    assert released.groups == selectors.rank_codet(Evidence(weighted), "released").groups


def test_codet_with_no_code_passing_anything_is_the_whole_pool():
    ranking = selectors.rank_codet(Evidence(np.zeros((4, 2), dtype=bool)), "released")
    assert ranking.groups == ((0, 1, 2, 3),)
    assert metrics.tie_shared_pass1(ranking.top, [True, False, False, False]) == 0.25


def test_codet_float_ties_are_exact():
    # 1 test x sqrt(8 codes) == 2 tests x sqrt(2 codes): tied exactly, merged into one group
    passes = matrix(["10"] * 8 + ["01"] * 0 + ["11"] * 2)
    ranking = selectors.rank_codet(Evidence(passes), "released")
    assert ranking.groups[0] == tuple(range(10))


def test_mbr_exec_and_largest_cluster_groups():
    mbr = selectors.rank_mbr_exec(Evidence(PASSES, signatures=SIGS))
    assert mbr.groups[0] == (0, 1) and mbr.groups[-1] == (4,)  # 0 and 1 agree most; output-less last
    largest = selectors.rank_largest_cluster(Evidence(PASSES, signatures=SIGS))
    assert largest.choice == 0
    assert largest.groups == ((0, 1), (2, 3), (4,))  # singletons of equal size share a group; no output last


def test_two_largest_clusters_of_equal_size_share_the_top():
    sigs = [(1,), (2,), (1,), (2,), (3,)]
    ranking = selectors.rank_largest_cluster(Evidence(np.zeros((5, 0), dtype=bool), signatures=sigs))
    assert ranking.top == (0, 1, 2, 3)
    assert metrics.tie_shared_pass1(ranking.top, [True, False, True, False, False]) == 0.5


def test_random_is_one_group_led_by_the_seeded_pick():
    for seed in range(5):
        ranking = selectors.rank_random(Evidence(PASSES, seed=seed))
        assert len(ranking.groups) == 1 and sorted(ranking.top) == [0, 1, 2, 3, 4]
        assert ranking.choice == selectors.select_random(5, random.Random(seed))


def test_stage3_first_group_is_the_winning_cluster_with_the_choice_first():
    counts = [3, 3, 3, 3, 1]
    sigs = {0: (1, 9), 1: (2, 8), 2: (2, 8), 3: (E, 8), 4: (5, 5)}
    ranking, choice, tied = stage3_ranking(counts, sigs)
    assert tied == [0, 1, 2, 3] and choice is not None
    assert ranking.choice == choice.code == 1 and choice.clusters[choice.chosen_cluster] == [1, 2, 3]
    assert ranking.top == (1, 2)  # code 3 joined the cluster but failed a run: the rule prefers 1 and 2 to it
    assert ranking.groups[1] == (3,) and ranking.groups[2] == (0,)
    assert ranking.groups[-1] == (4,)  # below the top pass count, by pass count
    assert sorted(flat(ranking)) == [0, 1, 2, 3, 4]


def test_stage3_clusters_tied_on_every_rule_but_the_lowest_id_share_the_top():
    ranking, choice, _ = stage3_ranking([2, 2, 2, 2], {0: (1,), 1: (2,), 2: (1,), 3: (2,)})
    assert choice.code == 0 and ranking.top == (0, 1, 2, 3)
    assert metrics.tie_shared_pass1(ranking.top, [True, False, True, False]) == 0.5


def test_stage3_without_clustering_is_the_tied_group():
    ranking, choice, tied = stage3_ranking([2, 3, 3], None)
    assert choice is None and ranking.groups == ((1, 2), (0,))
    ranking, choice, tied = stage3_ranking([2, 3, 1], {1: (1,)})
    assert choice is None and ranking.groups == ((1,), (0,), (2,))


def test_every_selector_chooses_the_first_code_of_its_first_group_on_random_pools():
    rng = np.random.default_rng(7)
    for _ in range(60):
        n, t = int(rng.integers(1, 9)), int(rng.integers(0, 5))
        passes = rng.random((n, t)) < 0.5
        sigs = [tuple(None if rng.random() < 0.2 else int(rng.integers(0, 3)) for _ in range(3)) for _ in range(n)]
        rankings = rank_all(Evidence(passes, [int(x) for x in rng.integers(1, 4, t)], sigs, seed=1))
        assert set(rankings) == {name for name, s in SELECTORS.items() if s.pool == "initial"}
        for name, ranking in rankings.items():
            assert sorted(flat(ranking)) == list(range(n)), name
            assert ranking.choice == ranking.groups[0][0]
        counts = passes.sum(axis=1)
        assert counts[rankings["bon"].choice] == counts.max()


def test_the_table_is_the_only_label_source():
    from cosplay_core import bench
    from cosplay_core.experiments import codet_bench

    assert bench.LABELS is codet_bench.LABELS is selectors.LABELS
    assert selectors.LABELS["mbr_exec"] == "MBR-exec (soft)"
    assert tuple(bench.SELECTORS) == tuple(codet_bench.SELECTORS) == tuple(SELECTORS)


def test_signature_selectors_are_left_out_without_signatures():
    assert set(rank_all(Evidence(PASSES))) == {"random", "bon", "codet", "codet_released"}
    with pytest.raises(ValueError, match="signatures"):
        selectors.rank_mbr_exec(Evidence(PASSES))


def test_tie_shared_pass1_refuses_codes_outside_the_pool():
    with pytest.raises(ValueError):
        metrics.tie_shared_pass1([], [True])
    with pytest.raises(ValueError):
        metrics.tie_shared_pass1([3], [True, False])
