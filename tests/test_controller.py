"""RunController: commands from an interface thread, the run on its own thread, nothing lost on failure."""

import asyncio
import time

import pytest

from conftest import SAMPLES
from cosplay_core.config import RunConfig
from cosplay_core.controller import DONE, FAILED, PAUSED, RunController
from cosplay_core.models.base import ModelUnavailable
from cosplay_core.players.sim import SimPlayer
from cosplay_core.problem import load_problem
from cosplay_core.run import Run
from cosplay_core.sandbox import Executor

CONFIG = RunConfig(codes=6, tests=6, rounds=2, inputs=6, seed=2)


@pytest.fixture(scope="module")
def executor():
    with Executor(workers=2) as ex:
        yield ex


def wait_for(controller, predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = controller.view()
        if predicate(view):
            return view
        time.sleep(0.05)
    raise AssertionError(f"timed out; last state {controller.view().state}")


def make(executor, fail_at=None, slow=False):
    problem = load_problem(SAMPLES / "top_k_words")

    class Flaky(SimPlayer):
        async def attack_ideas(self, plan, index):
            if slow:
                await asyncio.sleep(0.1)  # a slow stage 1, so that a pause lands mid-run
            return await super().attack_ideas(plan, index)

        async def random_inputs(self, count, index):
            if fail_at == "inputs":
                raise RuntimeError("the model server went away")
            if fail_at == "unavailable" and not self.retried:
                raise ModelUnavailable("connection", "sim-test: connection failed: the server is down")
            return await super().random_inputs(count, index)

        def retry_model(self):
            self.retried = True

    Flaky.retried = False

    return lambda: Run(problem, Flaky(problem, executor, seed=2), CONFIG, executor)


def test_step_then_run_to_the_end(executor):
    controller = RunController(make(executor))
    controller.step()
    view = wait_for(controller, lambda v: v.state == PAUSED and len(v.snapshots) == 1)
    assert view.latest.name == "hints"
    controller.step()
    controller.step()
    view = wait_for(controller, lambda v: v.state == PAUSED and len(v.snapshots) == 3)
    controller.run()
    view = wait_for(controller, lambda v: v.state == DONE)
    assert view.latest.done and view.summary["selected"] is not None
    controller.step()  # a finished run ignores further commands
    assert controller.view().state == DONE
    controller.close()


def test_pause_stops_after_the_current_step(executor):
    controller = RunController(make(executor, slow=True))
    controller.run()
    wait_for(controller, lambda v: len(v.snapshots) >= 2)
    controller.pause()
    first = wait_for(controller, lambda v: v.state == PAUSED)
    time.sleep(0.5)
    assert len(controller.view().snapshots) == len(first.snapshots)
    controller.close()


def test_a_failing_step_keeps_the_finished_ones(executor):
    controller = RunController(make(executor, fail_at="inputs"))
    controller.run()
    view = wait_for(controller, lambda v: v.state == FAILED)
    assert "the model server went away" in view.message
    assert len(view.snapshots) >= 5 and view.snapshots[4].name == "tests"
    controller.close()


def test_a_model_that_cannot_answer_pauses_the_run_and_run_goes_on(executor):
    controller = RunController(make(executor, fail_at="unavailable"))
    controller.run()
    view = wait_for(controller, lambda v: v.state == PAUSED and v.message)
    assert "cannot answer" in view.message and "the server is down" in view.message
    assert view.latest.name != "inputs" and controller.details is None  # the failed step left nothing behind
    finished = len(view.snapshots)
    controller.run()  # the server is back
    view = wait_for(controller, lambda v: v.state == DONE)
    assert view.message is None and len(view.snapshots) > finished and view.summary["selected"] is not None
    assert [s.name for s in view.snapshots].count("inputs") == 1
    controller.close()


# -- the controls' state machine (issue 13, item 1) ------------------------------------------------------------------

from cosplay_core.controller import NO_RUN, PAUSE, RESET, RUN, RUNNING, STEP, controls  # noqa: E402


def test_controls_before_any_run():
    ctl = controls(NO_RUN, can_start=True)
    assert (ctl.run_label, ctl.run, ctl.step, ctl.pause, ctl.reset) == ("▶ Run", True, True, False, False)
    blocked = controls(NO_RUN, can_start=False)
    assert not blocked.run and not blocked.step


def test_pause_is_enabled_exactly_while_running():
    assert controls(RUNNING).pause and not controls(RUNNING).run and not controls(RUNNING).step
    pausing = controls(RUNNING, pausing=True)
    assert not pausing.pause and pausing.status == "pausing after the step in progress"
    for state in (NO_RUN, "idle", PAUSED, DONE, FAILED):
        assert not controls(state).pause


def test_a_finished_run_offers_a_new_run_and_no_step():
    for state in (DONE, FAILED):
        ctl = controls(state, can_start=True)
        assert ctl.run_label == "▶ New run" and ctl.run and not ctl.step and ctl.reset
        assert not ctl.allows(STEP) and ctl.allows(RESET)
        assert not controls(state, can_start=False).run


def test_a_paused_run_continues_or_steps():
    ctl = controls(PAUSED, can_start=False)  # going on needs no new settings
    assert ctl.run_label == "▶ Continue" and ctl.allows(RUN) and ctl.allows(STEP) and not ctl.allows(PAUSE)


def test_the_view_says_when_a_pause_is_pending(executor):
    controller = RunController(make(executor, slow=True))
    controller.run()
    wait_for(controller, lambda v: len(v.snapshots) >= 1)
    controller.pause()
    view = controller.view()
    assert view.state == PAUSED or (view.state == RUNNING and view.pausing)
    assert wait_for(controller, lambda v: v.state == PAUSED).pausing is False
    controller.close()
