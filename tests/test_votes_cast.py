"""The `votes_cast` policy: self-consistency over the predictions given, a missing prediction abstaining."""

from __future__ import annotations

import asyncio

import pytest

from cosplay_core.benchmarks import load_codet_pools, load_humaneval
from cosplay_core.config import Policies, RunConfig
from cosplay_core.players.pool import PoolPlayer
from cosplay_core.problem import problem_from_text
from cosplay_core.stages import ideas
from tests.test_pool_player import POOLS, require_shared
from tests.test_paper_rules import DOUBLE, ZERO, ScriptedPlayer, run_steps, settings


@pytest.fixture(scope="module")
def problem():
    """The doubling problem test_paper_rules' scripted players answer."""
    return problem_from_text("Return twice the integer x.", io="function", entry_point="f", time_limit_s=2.0)


def cast(**changes) -> RunConfig:
    return settings(**{"policies": Policies().including("votes_cast"), **changes})


def faithful(**changes) -> RunConfig:
    """The paper's rule: ceil(3k/4) of k, a missing prediction counting against agreement."""
    return settings(**{"policies": Policies().without("votes_cast"), **changes})


@pytest.mark.parametrize("given, needed_faithful, needed_cast", [
    (4, 3, 3), (3, 3, 3), (2, 3, 2), (1, 3, 1), (0, 3, 1), (6, 3, 3)])
def test_votes_needed_among_the_votes_given(given, needed_faithful, needed_cast):
    assert faithful().agreement_needed_of(given) == needed_faithful
    assert cast().agreement_needed_of(given) == needed_cast
    # without self-consistency one vote is asked and enough, whatever the other switch says
    assert cast(policies=Policies().without("self_consistency").including("votes_cast")).agreement_needed_of(
        given) == 1


def predicted(problem, votes, config):
    """`ideas.predict_expected` with a player whose predictions are `votes` in turn (None: none given)."""
    answers = iter(votes)
    player = ScriptedPlayer([], predict=lambda x, n: next(answers))
    return asyncio.run(ideas.predict_expected(player, problem, [1], config, ideas.Indices()))


@pytest.mark.parametrize("votes, faithful_agreement, with_cast", [
    ((6, None, None, None), 0, 1),  # one prediction given: it agrees with itself
    ((6, 6, None, None), 0, 2),  # two of two
    ((6, 7, None, None), 0, 0),  # two given that disagree: still no agreement
    ((6, 6, 7, None), 0, 0),  # 2 of 3 < ceil(9/4)
    ((6, 6, 6, 7), 3, 3),  # four given: the paper's rule either way
    ((None, None, None, None), 0, 0),  # nothing given: nothing to keep
])
def test_a_missing_prediction_abstains_only_with_the_switch(problem, votes, faithful_agreement, with_cast):
    assert predicted(problem, votes, faithful())[2] == faithful_agreement
    expected, kept_votes, agreement = predicted(problem, votes, cast())
    assert agreement == with_cast and kept_votes == votes
    if agreement:
        assert expected == 6


def test_a_run_uses_uts_whose_only_prediction_is_recorded_once(problem, executor):
    # like a replay of inputs asserted once: the first prediction of each input, then none
    def once(x, n):
        return 2 * x if n == 0 else None

    paper = run_steps(problem, ScriptedPlayer([DOUBLE, DOUBLE, ZERO, ZERO], predict=once),
                      faithful(rounds=0), executor, ["tests"])
    assert paper.tests and not any(t.agreed for t in paper.tests.values())
    assert all("unused, no 3 of 4 votes agreed" in t.origin for t in paper.tests.values())
    paper.close()
    run = run_steps(problem, ScriptedPlayer([DOUBLE, DOUBLE, ZERO, ZERO], predict=once), cast(rounds=0), executor,
                    ["tests"])
    assert all(t.agreed and t.agreement == 1 and t.votes[1:] == (None, None, None) for t in run.tests.values())
    assert run.history[-1].passes.sum(axis=1).tolist() == [4, 4, 0, 0]  # counted: DOUBLE passes, ZERO fails
    run.close()


def test_the_switch_is_a_policy_that_round_trips():
    config = cast()
    assert "votes_cast" in Policies.names() and Policies().votes_cast  # on by default: chosen on the dev split
    assert RunConfig.from_dict(config.to_dict()) == config


def test_a_replayed_input_asserted_once_gives_a_used_ut(executor):
    """Pool replay: with `votes_cast` a recorded assert is a UT when the predictions the pool holds for its input
    agree (3 of 4 when four are recorded, all when fewer); an input whose recorded asserts disagree stays unused."""
    require_shared(POOLS / "code_solution.jsonl.gz")
    problem = next(p for p in load_humaneval(POOLS / "problems.jsonl.gz") if p.slug == "HumanEval/0")
    pool = load_codet_pools(POOLS, truncation="codet")["HumanEval/0"]
    run = run_steps(problem, PoolPlayer(problem, pool, seed=0), RunConfig(seed=0, rounds=0, tests=16), executor,
                    ["tests"])
    run.close()
    for test in run.tests.values():
        given = [v for v in test.votes if v is not None]
        alike = max([given.count(v) for v in given], default=0)
        assert test.agreed == (bool(given) and alike >= -(-3 * min(len(given), 4) // 4))
    assert any(t.agreed and sum(v is not None for v in t.votes) == 1 for t in run.tests.values())
    assert set(run.matrix.test_ids) == {t.id for t in run.tests.values() if t.agreed}
