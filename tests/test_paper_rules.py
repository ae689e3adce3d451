"""The paper's rules (DESIGN 2) and the switches of the deviations that remain (docs/deviations.md), each against a
scripted player whose every answer the test chooses, on the real sandbox."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from cosplay_core.config import DEFAULT_TRUSTED_MIN_SUPPORT, Policies, RunConfig
from cosplay_core.matrix import MatrixSnapshot
from cosplay_core.players.contract import PlayerInfo, PlayerUsage
from cosplay_core.problem import problem_from_text
from cosplay_core.run import Run
from cosplay_core.sandbox import Outcome
from cosplay_core.stages import ideas, selfplay
from cosplay_core.trace import read_trace

DOUBLE = "def f(x):\n    return 2 * x\n"  # the intended program: f(x) = 2x
PLUS_TWO = "def f(x):\n    return x + 2\n"  # agrees with DOUBLE on x = 2 only
THOUSAND = "def f(x):\n    return 1000 * x\n"  # what the first of `disputed`'s votes says
ZERO = "def f(x):\n    return 0\n"
ONE = "def f(x):\n    return 1\n"


@pytest.fixture(scope="module")
def problem():
    return problem_from_text("Return twice the integer x.", io="function", entry_point="f", time_limit_s=2.0)


class ScriptedPlayer:
    """A player whose answers are scripted: `codes` in turn (None once spent); inputs `[1]`, `[2]`, ... in turn;
    `predict(x, n)` the n-th prediction (from 0) asked for input x (default: 2x, every vote alike); `repair(code)`
    the answer to a repair (default: DOUBLE). Every request is logged in `asked`."""

    def __init__(self, codes, predict=None, repair=None, attacks=None, resamples_repairs=False):
        self.info = PlayerInfo("scripted", simulation=True, description="a test's scripted player")
        self.usage = PlayerUsage()
        self.codes = list(codes)
        self.predict = predict or (lambda x, n: 2 * x)
        self.repair = repair or (lambda code: DOUBLE)
        self.attacks = attacks
        self.resamples_repairs = resamples_repairs
        self.next_input = 0
        self.predictions: Counter = Counter()
        self.asked: list[tuple] = []

    async def propose_hints(self, count):
        return [f"hint {i}" for i in range(count)]

    async def write_plan(self, hints, index):
        return "plan on " + ", ".join(hints)

    async def attack_ideas(self, plan, index):
        self.asked.append(("attack_ideas", plan))
        if self.attacks is None:
            return []
        return list(self.attacks[sum(1 for a in self.asked if a[0] == "attack_ideas") - 1])

    async def write_code(self, plan, index):
        self.asked.append(("write_code", plan))
        return self.codes.pop(0) if self.codes else None

    async def write_test_input(self, attack, index):
        self.next_input += 1
        self.asked.append(("write_test_input", attack, self.next_input))
        return [self.next_input]

    async def predict_output(self, test_input, index):
        x = test_input[0]
        n = self.predictions[x]
        self.predictions[x] += 1
        return self.predict(x, n)

    async def repair_code(self, code, test_input, expected, actual, index):
        self.asked.append(("repair_code", code, test_input[0], expected))
        return self.repair(code)

    async def random_inputs(self, count, index):
        return [[100 + i] for i in range(count)]


def disputed(x, n):
    """Four votes that never agree: no UT on such an input can be used."""
    return 1000 * x + n


def settings(**changes) -> RunConfig:
    base = dict(codes=4, tests=4, rounds=1, inputs=2, hints=2, seed=0)
    return RunConfig(**{**base, **changes})


def run_steps(problem, player, config, executor, names, out_dir=None) -> Run:
    """A run stepped until every step in `names` has run."""
    run = Run(problem, player, config, executor, out_dir)
    seen = []
    while not run.done and not set(names) <= set(seen):
        seen.append(run.step().name)
    return run


def only_steps(*steps: str) -> Policies:
    """Policies with only the named stage-2 steps on (clean_codes, break_coupling, fix_codes, replace_trivial_tests)."""
    all_steps = ("clean_codes", "break_coupling", "fix_codes", "replace_trivial_tests")
    return Policies().without(*(s for s in all_steps if s not in steps))


# ---- stage 1: attack ideas spread evenly over every plan ------------------------------------------------------


def ideas_of(plans: int, per_plan: int) -> list[list[str]]:
    return [[f"p{p}i{i}" for i in range(per_plan)] for p in range(plans)]


def plan_of(idea: str) -> int:
    return int(idea[1:].split("i")[0])


def test_attack_uts_draw_on_plans_evenly_not_on_the_first_two():
    targets = ideas.test_attacks(ideas_of(16, 5), RunConfig(tests=16))
    assert targets[:8] == [None] * 8  # half random
    assert targets[8:] == [f"p{p}i0" for p in range(0, 16, 2)]  # 8 UTs over 16 plans: every other plan
    # before: the first 8 of the flattened list, the ideas of plans 0 and 1 only
    wide = ideas.test_attacks(ideas_of(16, 5), RunConfig(tests=32))[16:]
    assert sorted(map(plan_of, wide)) == list(range(16))  # as many UTs as plans: every plan once
    more = ideas.test_attacks(ideas_of(16, 5), RunConfig(tests=80))[40:]
    per_plan = Counter(map(plan_of, more))
    assert set(per_plan) == set(range(16)) and max(per_plan.values()) - min(per_plan.values()) <= 1
    assert len(set(more)) == 40  # a plan's second UT takes its next idea, not the same one again


def test_plans_without_ideas_are_skipped_and_the_switch_makes_every_ut_random():
    uneven = [["a0"], [], ["c0", "c1", "c2"], []]
    assert ideas.test_attacks(uneven, RunConfig(tests=12))[6:] == ["a0", "c0", "a0", "c1", "a0", "c2"]
    assert ideas.test_attacks([[], []], RunConfig(tests=4)) == [None] * 4
    off = RunConfig(tests=8, policies=Policies().without("attack_tests"))
    assert ideas.test_attacks(ideas_of(4, 2), off) == [None] * 8


def test_a_run_asks_for_attack_inputs_from_every_plan(problem, executor):
    plans_ideas = [[f"plan {p}: idea {i}" for i in range(3)] for p in range(4)]
    player = ScriptedPlayer([DOUBLE] * 4, attacks=plans_ideas)
    run = run_steps(problem, player, settings(tests=8, rounds=0), executor, ["tests"])
    asked = [a[1] for a in player.asked if a[0] == "write_test_input" and a[1]]
    assert sorted(asked) == [f"plan {p}: idea 0" for p in range(4)]
    assert sorted(t.attack for t in run.tests.values() if t.kind == "attack") == sorted(asked)


# ---- stage 1: a UT whose votes never agree is not used -------------------------------------------------------


def test_a_ut_without_agreement_after_the_regenerations_is_unused(problem, executor, tmp_path):
    # inputs 1, 2, 3, ... in turn; inputs divisible by 3 get agreeing votes, the others never do
    player = ScriptedPlayer([THOUSAND, DOUBLE, DOUBLE, ZERO],
                            predict=lambda x, n: 2 * x if x % 3 == 0 else disputed(x, n))
    config = settings(rounds=0, regenerations=2)
    run = run_steps(problem, player, config, executor, ["tests"], out_dir=tmp_path)
    snapshot = run.history[-1]
    unused = [t for t in run.tests.values() if not t.agreed]
    used = [t for t in run.tests.values() if t.agreed]
    assert unused and used
    for test in unused:
        assert len(test.votes) == 4 and max(Counter(test.votes).values()) < 3  # the votes are kept
        assert "unused" in test.origin and "3 attempts" in test.origin
    inputs_asked = [a for a in player.asked if a[0] == "write_test_input"]
    assert len(inputs_asked) <= config.tests * (config.regenerations + 1)  # bounded regenerations
    # not used: never in the matrix, so it counts in no pCode and no pUT
    assert snapshot.passes.shape == (4, len(used))
    assert [t.id for t in snapshot.tests] == [t.id for t in used]
    assert run.matrix.test_ids == tuple(t.id for t in used)
    # THOUSAND outputs what every unused UT expects (its most common vote, the first of four distinct ones), and
    # passes none of the used ones: counted, it would pass some; unused, they count for nothing
    assert all(t.expected == 1000 * t.input[0] for t in unused)
    assert snapshot.code_pass_counts.tolist() == [0, len(used), len(used), 0]
    # visible in the trace with its votes, and a resumed run holds it again
    run.close()
    trace = read_trace(tmp_path)
    rebuilt = trace.snapshots()[-1]  # what a viewer reads back: the used UTs, in the matrix's columns
    assert rebuilt.tests == snapshot.tests and np.array_equal(rebuilt.passes, snapshot.passes)
    state = trace.of_type("step")[-1]["state"]
    assert [t["id"] for t in state["unused_tests"]] == [t.id for t in unused]
    assert [t["votes"] for t in state["unused_tests"]] == [list(t.votes) for t in unused]
    resumed = Run.resume(problem, ScriptedPlayer([]), config, executor, tmp_path)
    assert resumed.tests == run.tests and resumed.matrix.test_ids == run.matrix.test_ids
    resumed.close()
    assert run.summary()["tests_unused"] == len(unused)


def test_without_self_consistency_one_vote_is_enough(problem, executor):
    player = ScriptedPlayer([DOUBLE] * 4, predict=disputed)
    config = settings(rounds=0, policies=Policies().without("self_consistency"))
    run = run_steps(problem, player, config, executor, ["tests"])
    assert all(t.agreed and len(t.votes) == 1 for t in run.tests.values())


def test_a_coupling_refresh_that_never_agrees_leaves_the_ut_unused(problem, executor):
    # input 1's first four votes agree (stage 1); asked again, they never do, nor do later inputs' votes
    player = ScriptedPlayer([DOUBLE, DOUBLE, PLUS_TWO, ZERO],
                            predict=lambda x, n: 2 * x if x <= 4 and n < 4 else disputed(x, n))
    config = settings(policies=only_steps("break_coupling"))
    run = run_steps(problem, player, config, executor, ["coupling"])
    change = run.history[-1].changes[0]
    assert change.kind == "test_regenerated" and "UT not used" in change.reason
    assert not run.tests[change.id].agreed and change.id not in run.matrix.test_ids


# ---- stage 2: code cleaning needs a UT to judge by ------------------------------------------------------------


def test_cleaning_with_no_used_ut_replaces_nothing(problem, executor):
    player = ScriptedPlayer([ZERO, ONE, ZERO, ONE, DOUBLE, DOUBLE, DOUBLE, DOUBLE], predict=disputed)
    run = run_steps(problem, player, settings(policies=only_steps("clean_codes")), executor, ["clean"])
    assert run.matrix.test_ids == () and run.history[-1].changes == ()
    assert [c.source for c in run.codes.values()] == [ZERO, ONE, ZERO, ONE]


def test_cleaning_replaces_codes_that_pass_no_used_ut(problem, executor):
    player = ScriptedPlayer([ZERO, DOUBLE, ZERO, DOUBLE, DOUBLE, DOUBLE])
    run = run_steps(problem, player, settings(policies=only_steps("clean_codes")), executor, ["clean"])
    assert [c.kind for c in run.history[-1].changes] == ["code_replaced", "code_replaced"]
    assert all(c.source == DOUBLE for c in run.codes.values())


# ---- stage 2: the trusted UT needs a minimum support ----------------------------------------------------------


def snapshot_of(passes) -> MatrixSnapshot:
    passes = np.array(passes, dtype=bool)
    outcomes = tuple(tuple(Outcome("ok") for _ in row) for row in passes)
    return MatrixSnapshot(tuple(range(passes.shape[0])), tuple(range(passes.shape[1])), outcomes, passes)


def test_the_trusted_ut_must_reach_the_minimum_support():
    # 8 codes; UT 0 passed by 1 code, UT 1 by 2, UT 2 by 3
    passes = np.zeros((8, 3), dtype=bool)
    passes[:1, 0] = passes[:2, 1] = passes[:3, 2] = True
    snap = snapshot_of(passes)
    assert selfplay.trusted_test(snap) == 2
    assert selfplay.trusted_test(snap, min_passes=3) == 2
    assert selfplay.trusted_test(snap, min_passes=4) is None  # no UT is trusted: no repair this round
    lone = snapshot_of(passes[:, :1])
    assert selfplay.trusted_test(lone) == 0 and selfplay.trusted_test(lone, min_passes=2) is None


@pytest.mark.parametrize("share, pool, needed", [(0.25, 16, 4), (0.2, 16, 4), (0.25, 12, 3), (0.0, 16, 1),
                                                 (1.0, 16, 16), (0.5, 3, 2)])
def test_minimum_support_in_codes(share, pool, needed):
    assert RunConfig(trusted_min_support=share).trusted_min_passes(pool) == needed


@pytest.mark.parametrize("value", [math.nan, math.inf, -0.1, 1.5, True, "0.3"])
def test_minimum_support_refuses_what_is_not_a_share(value):
    with pytest.raises(ValueError, match="trusted_min_support must be a number from 0 to 1"):
        RunConfig(trusted_min_support=value)


def test_the_default_minimum_support_round_trips_through_settings():
    config = RunConfig()
    assert config.trusted_min_support == DEFAULT_TRUSTED_MIN_SUPPORT
    assert RunConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("share, repaired", [(0.75, False), (0.5, True), (0.0, True)])
def test_repairs_happen_only_against_a_ut_with_enough_support(problem, executor, share, repaired):
    # one UT, f(1) == 2: DOUBLE and DOUBLE pass it (2 of 4 codes)
    player = ScriptedPlayer([DOUBLE, DOUBLE, PLUS_TWO, ZERO])
    config = settings(tests=1, trusted_min_support=share, policies=only_steps("fix_codes"))
    run = run_steps(problem, player, config, executor, ["fix"])
    repairs = [a for a in player.asked if a[0] == "repair_code"]
    if repaired:
        assert [(a[1], a[3]) for a in repairs] == [(PLUS_TWO, 2), (ZERO, 2)]
        assert [c.kind for c in run.history[-1].changes] == ["code_repaired", "code_repaired"]
    else:
        assert repairs == [] and run.history[-1].changes == ()


# ---- stage 2: repairs verified (switch: verify_repairs) ------------------------------------------------------


@pytest.mark.parametrize("verify", [True, False])
def test_a_repair_that_still_fails_is_rejected_only_when_verified(problem, executor, verify):
    player = ScriptedPlayer([DOUBLE, DOUBLE, PLUS_TWO, ZERO], repair=lambda code: ONE)
    policies = only_steps("fix_codes")
    config = settings(tests=1, policies=policies if verify else policies.without("verify_repairs"))
    run = run_steps(problem, player, config, executor, ["fix"])
    kinds = [c.kind for c in run.history[-1].changes]
    if verify:
        assert kinds == ["repair_rejected", "repair_rejected"] and run.codes[2].source == PLUS_TWO
        assert run.state.round_changes == 0
    else:
        assert kinds == ["code_repaired", "code_repaired"] and run.codes[2].source == ONE
        assert "not checked" in run.history[-1].changes[0].reason


# ---- stage 2: a backbone that cannot repair resamples, and says so ---------------------------------------------


def test_a_fresh_draw_standing_in_for_a_repair_is_named_resample(problem, executor):
    drafts = iter([DOUBLE, ONE])
    player = ScriptedPlayer([DOUBLE, DOUBLE, PLUS_TWO, ZERO], repair=lambda code: next(drafts),
                            resamples_repairs=True)
    run = run_steps(problem, player, settings(tests=1, policies=only_steps("fix_codes")), executor, ["fix"])
    changes = run.history[-1].changes
    assert [c.kind for c in changes] == ["code_resampled", "resample_rejected"]
    assert "resample" in changes[0].reason and "resample still fails" in changes[1].reason
    assert run.codes[2].origin == "resampled against UT 0" and run.codes[3].source == ZERO


# ---- stage 2: stopping on a quiet round (switch: stop_when_quiet) ----------------------------------------------


@pytest.mark.parametrize("stop", [True, False])
def test_a_quiet_round_ends_self_play_only_with_the_switch_on(problem, executor, stop):
    # one UT passed by 2 of 4 codes: nothing is trivial, so replacing zero-discrimination UTs changes nothing
    player = ScriptedPlayer([DOUBLE, DOUBLE, PLUS_TWO, ZERO])
    policies = only_steps("replace_trivial_tests")
    config = settings(tests=1, rounds=3, policies=policies if stop else policies.without("stop_when_quiet"))
    run = Run(problem, player, config, executor)
    run.run_to_end()
    assert [r["changes"] for r in run.rounds] == ([0] if stop else [0, 0, 0])
    assert run.selection is not None
