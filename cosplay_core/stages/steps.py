"""The one table of CoSPlay's steps, in order: each step's name, stage, title, the policy that switches it off (the
self-play round's steps) with the words a settings page shows for it, and the function that performs it (a state in,
a new state and its changes out: `stages.context`). The run, the controller and the app's pages read it."""

from __future__ import annotations

from dataclasses import dataclass

from cosplay_core.config import Policies
from cosplay_core.stages import consensus, ideas, selfplay
from cosplay_core.stages.context import StepFunction


@dataclass(frozen=True)
class Step:
    """One step of a run. `policy` names the `Policies` switch that turns the step off (None: always on); `label`
    says in a few words what the step does, for that switch."""

    name: str
    stage: int
    title: str
    function: StepFunction
    policy: str | None = None
    label: str = ""


STEPS: tuple[Step, ...] = (
    Step("hints", 1, "Hints: distinct solution approaches", ideas.hints_step),
    Step("plans", 1, "Plans built on subsets of hints", ideas.plans_step),
    Step("attacks", 1, "Attack ideas for each plan", ideas.attacks_step),
    Step("codes", 1, "Code pool: one program per plan", ideas.codes_step),
    Step("tests", 1, "UT pool, expected outputs by self-consistency", ideas.tests_step),
    Step("clean", 2, "Code cleaning", selfplay.clean_codes, "clean_codes", "replace codes passing no UT"),
    Step("coupling", 2, "Breaking spurious coupling", selfplay.break_coupling, "break_coupling",
         "refresh weakest UT"),
    Step("fix", 2, "Code fixing", selfplay.fix_codes, "fix_codes", "repair against trusted UT"),
    Step("trivial", 2, "Replacing zero-discrimination UTs", selfplay.replace_trivial_tests, "replace_trivial_tests",
         "replace zero-discrimination UTs"),
    Step("inputs", 3, "Random valid inputs", consensus.inputs_step),
    Step("select", 3, "Output-consensus selection", consensus.select_step),
)
STEP: dict[str, Step] = {step.name: step for step in STEPS}
FIRST_STEP = STEPS[0].name
DONE = "done"  # the cursor of a finished run


def stage_steps(stage: int) -> tuple[Step, ...]:
    """The steps of one stage, in order."""
    return tuple(step for step in STEPS if step.stage == stage)


def round_steps(policies: Policies) -> list[str]:
    """The names of a self-play round's steps that `policies` leave on, in order."""
    return [step.name for step in stage_steps(2) if step.policy is None or getattr(policies, step.policy)]


def policy_labels() -> dict[str, str]:
    """The round steps' policy switches in words, numbered as the round runs them ("step 1: ...")."""
    return {step.policy: f"step {number}: {step.label}" for number, step in enumerate(stage_steps(2), 1)
            if step.policy}
