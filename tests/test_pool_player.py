"""Pool replay (`pool:<folder>`): the PoolPlayer answers the player's requests from CodeT's recorded samples."""

import asyncio
import dataclasses

import pytest

from conftest import ROOT, SHARED_DATA, require_shared
from cosplay_core.players.registry import make_player
from cosplay_core.benchmarks import ground_truth_for, load_codet_pools, load_humaneval
from cosplay_core.config import Policies, RunConfig
from cosplay_core.models.base import ModelConfigError
from cosplay_core.players.pool import POOL_DESCRIPTION, PoolPlayer, input_key, make_pool_player
from cosplay_core.problem import load_problem
from cosplay_core.run import Run
from cosplay_core.sandbox import Outcome
from cosplay_core.trace import read_trace

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


def test_votes_are_the_recorded_asserts_each_once_as_often_as_written(problems, pools):
    pool = pools["HumanEval/0"]
    player = PoolPlayer(problems["HumanEval/0"], pool, seed=0)
    recorded = {}
    for test, count in zip(pool.tests, pool.test_counts):
        recorded.setdefault(input_key(test.input), []).extend([test.output] * count)
    for index in range(player.available_test_inputs):  # every UT input once
        test_input = _ask(player.write_test_input(None, index))
        key = input_key(test_input)
        votes = [_ask(player.predict_output(test_input, 100 * index + k)) for k in range(len(recorded[key]))]
        assert sorted(map(repr, votes)) == sorted(map(repr, recorded[key]))  # the multiset, without replacement
        assert _ask(player.predict_output(test_input, 0)) is None  # spent: no recorded prediction is replayed twice
    assert player.usage.exhausted_predictions == player.available_test_inputs
    # has_close_elements([1, 2, 3, 4, 5], 1): the model asserted True twice and False three times
    key = input_key([[1, 2, 3, 4, 5], 1])
    assert sorted(recorded[key]) == [False, False, False, True, True]
    assert _ask(player.predict_output([[0.5], 0.25], 0)) is None  # no recorded UT has it: no prediction
    assert player.usage.unknown_inputs == 1


def test_an_input_written_once_cannot_reach_agreement(problems, pools, executor):
    """The paper's rule (`votes_cast` off): k = 4 votes need 3 alike, so an assert the samples wrote once or twice
    gives a UT that is not used."""
    problem, pool = problems["HumanEval/0"], pools["HumanEval/0"]
    player = PoolPlayer(problem, pool, seed=0)
    config = RunConfig(seed=0, rounds=0, tests=16, policies=Policies().without("votes_cast"))
    run = Run(problem, player, config, executor)
    try:
        for _ in range(5):
            run.step()
    finally:
        run.close()
    for test in run.tests.values():
        alike = max([test.votes.count(v) for v in test.votes if v is not None], default=0)
        assert test.agreed == (alike >= 3)
        assert len(test.votes) == 4
    assert any(not t.agreed for t in run.tests.values()) and any(t.agreed for t in run.tests.values())
    assert set(run.matrix.test_ids) == {t.id for t in run.tests.values() if t.agreed}


def test_a_repair_is_answered_by_a_resample_counted_and_reported(problems, pools):
    events = []
    player = PoolPlayer(problems["HumanEval/2"], pools["HumanEval/2"], seed=1, on_event=events.append)
    twin = PoolPlayer(problems["HumanEval/2"], pools["HumanEval/2"], seed=1)
    first = _ask(player.write_code(None, 0))
    repaired = _ask(player.repair_code(first, [3.5], 0.5, Outcome("ok", value=3.5), 1))
    assert [first, repaired] == _codes(twin, 2)  # the next unused recorded program
    assert player.usage.resamples == 1 and player.usage.code_draws == 2 and player.resamples_repairs
    assert events == [{"type": "resample", "request": "repair_code"}]


def test_draws_never_wrap_around_an_exhausted_pool_says_so_once(problems, pools):
    pool = pools["HumanEval/2"]  # 100 codes, 4 distinct UT inputs: 2 for UTs, 2 held out for stage 3
    events = []
    player = PoolPlayer(problems["HumanEval/2"], pool, seed=0, on_event=events.append)
    codes = _codes(player, 100)
    assert sorted(codes) == sorted(pool.codes)
    assert _ask(player.write_code(None, 100)) is None and _ask(player.repair_code("", [1.5], 0.5, None, 0)) is None
    assert player.usage.exhausted_code_requests == 2 and player.usage.code_draws == 100
    inputs = [_ask(player.write_test_input(None, i)) for i in range(4)]
    assert len({input_key(x) for x in inputs[:2]}) == 2 and inputs[2:] == [None, None]
    assert player.usage.test_draws == 2 and player.usage.exhausted_test_requests == 2
    assert [(e["type"], e["pool"]) for e in events] == [("pool_exhausted", "programs"),
                                                         ("pool_exhausted", "UT inputs")]
    assert "used up after 100 draws" in events[0]["message"]


def test_stage3_inputs_are_held_out_of_the_ut_inputs(problems, pools):
    for task_id in ("HumanEval/0", "HumanEval/2", "HumanEval/4", "HumanEval/30"):
        pool = pools[task_id]
        player = PoolPlayer(problems[task_id], pool, seed=0)
        ut_inputs = [input_key(_ask(player.write_test_input(None, i))) for i in range(player.available_test_inputs)]
        stage3 = [input_key(x) for x in _ask(player.random_inputs(16, 0))]
        distinct = {input_key(t.input) for t in pool.tests}
        assert len(set(stage3)) == len(stage3) == min(16, len(distinct) // 2)
        assert not set(stage3) & set(ut_inputs) and set(stage3) | set(ut_inputs) == distinct
        asserted = {key: 0 for key in distinct}
        for test, count in zip(pool.tests, pool.test_counts):
            asserted[input_key(test.input)] += count
        if stage3:  # held out: the inputs the samples asserted on least often
            assert max(asserted[k] for k in stage3) <= min(asserted[k] for k in ut_inputs)
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


def test_the_backbone_spec_sizes_the_replay_by_the_runs_settings(problems, executor):
    problem = problems["HumanEval/0"]
    default = make_player(f"pool:{POOLS}", problem, executor, seed=0)
    sized = make_player(f"pool:{POOLS}", problem, executor, seed=0,
                        config=RunConfig(codes=8, tests=6, inputs=2, seed=0))
    assert (sized.draw_codes, sized.draw_tests) == (8, 6) and (default.draw_codes, default.draw_tests) == (16, 16)
    held = [input_key(x) for x in _ask(sized.random_inputs(16, 0))]
    assert len(held) == 2 < len(_ask(default.random_inputs(16, 0)))  # R = 2 inputs held out for stage 3, not 16
    assert sized.available_test_inputs > default.available_test_inputs  # the rest stay UT inputs
    ut_inputs = {input_key(_ask(sized.write_test_input(None, i))) for i in range(sized.available_test_inputs)}
    assert not ut_inputs & set(held)


@pytest.mark.parametrize("task_id", ["HumanEval/2", "HumanEval/4", "HumanEval/30"])
def test_a_full_run_over_the_pools_finishes_with_a_selection(task_id, problems, executor, tmp_path):
    problem = problems[task_id]
    events = []
    player = make_player(f"pool:{POOLS}", problem, executor, seed=0, on_event=lambda e: events[0](e))
    run = Run(problem, player, RunConfig(seed=0, rounds=2), executor, tmp_path,
              ground_truth=ground_truth_for(problem, executor))
    events.append(run.record)
    try:
        run.run_to_end()
        summary = run.summary()
    finally:
        run.close()
    assert run.done and summary["selected"]["code_id"] in run.codes
    assert summary["selected"]["code"] in player.pool.codes  # every program is a recorded sample
    assert summary["model"] == f"pool:{POOLS}" and summary["simulation"] is False and summary["usage"]["calls"] == 0
    assert summary["gt"]["codes_total"] == 16 and summary["gt"]["bon_cluster"] in (True, False)
    assert summary["test_inputs_available"] == player.available_test_inputs
    assert summary["short_of_test_inputs"] is (player.available_test_inputs < 16)
    drawn = {input_key(x) for x in player.drawn_inputs()}
    assert not drawn & {input_key(x) for x in run.random_inputs}  # stage 3 never reruns a UT input
    if task_id == "HumanEval/30":  # every test sample of it is junk: no UT can be drawn, and the run still ends
        assert player.usage.test_draws == 0 and player.usage.failed_requests > 0
    else:  # every recorded UT input drawn once, then the pool is exhausted and says so
        assert player.usage.test_draws == player.available_test_inputs < 16
        assert player.usage.exhausted_test_requests > 0
    exhausted = read_trace(tmp_path).of_type("pool_exhausted")
    assert [e["pool"] for e in exhausted] == ["UT inputs"] and exhausted[0]["step"] == 4  # stage 1's `tests`
