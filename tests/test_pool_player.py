"""Pool replay (`pool:<folder>`): the PoolPlayer answers the player's requests from CodeT's recorded samples."""

import asyncio
import dataclasses

import pytest

from conftest import ROOT, SHARED_DATA, require_shared
from cosplay_core.backbone import make_player
from cosplay_core.benchmarks import ground_truth_for, load_codet_pools, load_humaneval
from cosplay_core.config import RunConfig
from cosplay_core.models.base import ModelConfigError
from cosplay_core.models.pool import POOL_DESCRIPTION, PoolPlayer, input_key, make_pool_player
from cosplay_core.problem import load_problem
from cosplay_core.run import Run
from cosplay_core.sandbox import Outcome

POOLS = SHARED_DATA / "humaneval_codegen16b"


@pytest.fixture(scope="module")
def problems():
    require_shared(POOLS / "code_solution.jsonl.gz")
    return {p.slug: p for p in load_humaneval(POOLS / "problems.jsonl.gz")}


@pytest.fixture(scope="module")
def pools():
    require_shared(POOLS / "code_solution.jsonl.gz")
    return load_codet_pools(POOLS, truncation="codet")


def _ask(coroutine):
    return asyncio.run(coroutine)


def _codes(player, n):
    return [_ask(player.write_code(None, i)) for i in range(n)]


def test_draw_order_is_a_seeded_shuffle_of_the_recorded_codes(problems, pools):
    pool = pools["HumanEval/0"]
    first = PoolPlayer(problems["HumanEval/0"], pool, seed=3)
    again = PoolPlayer(problems["HumanEval/0"], pool, seed=3)
    other = PoolPlayer(problems["HumanEval/0"], pool, seed=4)
    drawn = _codes(first, 100)
    assert drawn == _codes(again, 100)
    assert drawn != _codes(other, 100)
    assert sorted(drawn) == sorted(pool.codes)  # every recorded sample once, duplicates as recorded
    assert drawn != pool.codes
    inputs = [_ask(first.write_test_input(None, i)) for i in range(5)]
    assert inputs == [_ask(again.write_test_input(None, i)) for i in range(5)]
    assert first.usage.calls == 0 and first.usage.code_draws == 100 and first.usage.test_draws == 5
    assert first.info.name == "pool:HumanEval/0" and not first.info.simulation
    assert first.info.description == POOL_DESCRIPTION


def test_expected_outputs_are_the_recorded_ones_and_votes_go_through_them_in_turn(problems, pools):
    pool = pools["HumanEval/0"]
    player = PoolPlayer(problems["HumanEval/0"], pool, seed=0)
    recorded = {}
    for test, count in zip(pool.tests, pool.test_counts):
        recorded.setdefault(input_key(test.input), []).extend([test.output] * count)
    for index in range(len(recorded)):  # every distinct recorded input once
        test_input = _ask(player.write_test_input(None, index))
        key = input_key(test_input)
        votes = [_ask(player.predict_output(test_input, 100 * index + k)) for k in range(len(recorded[key]))]
        assert sorted(map(repr, votes)) == sorted(map(repr, recorded[key]))
    assert player.usage.wrapped_test_draws == 0
    # has_close_elements([1, 2, 3, 4, 5], 1): the model asserted True twice and False three times
    key = input_key([[1, 2, 3, 4, 5], 1])
    assert sorted(recorded[key]) == [False, False, False, True, True]
    assert player.usage.predictions == sum(pool.test_counts)
    assert _ask(player.predict_output([[0.5], 0.25], 0)) is None  # no recorded UT has it: no prediction
    assert player.usage.unknown_inputs == 1 and player.usage.failed_requests == 1


def test_a_repair_is_answered_by_a_fresh_draw_counted_and_reported(problems, pools):
    events = []
    player = PoolPlayer(problems["HumanEval/2"], pools["HumanEval/2"], seed=1, on_event=events.append)
    twin = PoolPlayer(problems["HumanEval/2"], pools["HumanEval/2"], seed=1)
    first = _ask(player.write_code(None, 0))
    repaired = _ask(player.repair_code(first, [3.5], 0.5, Outcome("ok", value=3.5), 1))
    assert [first, repaired] == _codes(twin, 2)  # the next unused recorded program
    assert player.usage.fresh_draws == 1 and player.usage.code_draws == 2
    assert events == [{"type": "fresh_draw", "request": "repair_code"}]


def test_draws_wrap_around_when_the_pool_runs_out(problems, pools):
    pool = pools["HumanEval/2"]  # 100 codes, 4 distinct UT inputs
    player = PoolPlayer(problems["HumanEval/2"], pool, seed=0)
    codes = _codes(player, 101)
    assert codes[100] == codes[0] and player.usage.wrapped_code_draws == 1
    inputs = [_ask(player.write_test_input(None, i)) for i in range(6)]
    assert len({input_key(x) for x in inputs[:4]}) == 4 and inputs[4:] == inputs[:2]
    assert player.usage.wrapped_test_draws == 2


def test_random_inputs_are_recorded_inputs_not_in_use_first(problems, pools):
    player = PoolPlayer(problems["HumanEval/0"], pools["HumanEval/0"], seed=0)
    used = [input_key(_ask(player.write_test_input(None, i))) for i in range(60)]
    inputs = [input_key(x) for x in _ask(player.random_inputs(16, 0))]
    assert len(inputs) == 16 == len(set(inputs))
    assert not set(inputs[:9]) & set(used)  # 69 distinct inputs, 60 in use: the 9 others come first
    assert set(inputs[9:]) <= set(used)
    assert _ask(player.propose_hints(6)) and "replayed" in _ask(player.propose_hints(6))[0].lower()
    assert "Replayed" in _ask(player.write_plan([], 0)) and _ask(player.attack_ideas("plan", 0)) == []


def test_factory_and_backbone_spec(problems, executor):
    player = make_player(f"pool:{POOLS}", problems["HumanEval/3"], executor, seed=2)
    assert isinstance(player, PoolPlayer) and player.seed == 2 and player.info.name == f"pool:{POOLS}"
    assert make_pool_player(str(POOLS), problems["HumanEval/3"], executor, 2).pool is player.pool  # loaded once
    with pytest.raises(ModelConfigError, match="no recorded samples"):
        make_pool_player(str(POOLS), dataclasses.replace(problems["HumanEval/3"], slug="HumanEval/999"), executor, 0)
    with pytest.raises(ModelConfigError, match="no recorded samples"):
        make_player(f"pool:{POOLS}", load_problem(ROOT / "sample_problems" / "max_subarray"), executor)
    with pytest.raises(ModelConfigError, match="not a folder"):
        make_player("pool:/nonexistent/folder", problems["HumanEval/3"], executor)
    with pytest.raises(ModelConfigError, match="pool:<folder>"):
        make_player("pool:", problems["HumanEval/3"], executor)


@pytest.mark.parametrize("task_id", ["HumanEval/2", "HumanEval/4", "HumanEval/30"])
def test_a_full_run_over_the_pools_finishes_with_a_selection(task_id, problems, executor):
    problem = problems[task_id]
    player = make_player(f"pool:{POOLS}", problem, executor, seed=0)
    run = Run(problem, player, RunConfig(seed=0, rounds=2), executor, ground_truth=ground_truth_for(problem, executor))
    try:
        run.run_to_end()
        summary = run.summary()
    finally:
        run.close()
    assert run.done and summary["selected"]["code_id"] in run.codes
    assert summary["selected"]["code"] in player.pool.codes  # every program is a recorded sample
    assert summary["model"] == f"pool:{POOLS}" and summary["simulation"] is False and summary["usage"]["calls"] == 0
    assert summary["gt"]["codes_total"] == 16 and summary["gt"]["bon_cluster"] in (True, False)
    if task_id == "HumanEval/30":  # every test sample of it is junk: no UT can be drawn, and the run still ends
        assert player.usage.test_draws == 0 and player.usage.failed_requests > 0
    else:
        assert player.usage.test_draws >= 16
