"""The `candidates:<folder>` backbone: your own candidate programs (and, optionally, unit tests), replayed offline.

No model is called. As pool replay does for recorded samples, a `CandidatesPlayer` answers the player's requests
from a pool someone wrote or collected, so that a pasted problem can be studied without a key:

- `write_code`: the candidates in the given order, then (self-play's fresh samples) draws from a seeded shuffle of
  the whole pool, so replacing a code resamples from the given pool;
- `write_test_input`: the given UTs' inputs in order, then the inputs of the examples in the statement, then the
  given ones again; with neither, no input (the player says so when made);
- `predict_output`: a given UT's expected output for its input; for any other input, the output most of the
  candidates produce on it (run in the sandbox: execution consensus, not a prediction by a model). Every such
  answer is recorded as `{"type": "fresh_draw", "request": "predict_output"}` so that the trace says which
  expected outputs were voted by the candidates themselves;
- `repair_code`: candidates cannot be repaired: the answer is a *resample*, the next candidate (the given ones
  first, then again in a seeded order), counted in `usage.resamples` and recorded as a `resample` event, and
  named "resample" by stage 2 (`resamples_repairs`), never "repair", as for pool replay;
- `propose_hints`, `write_plan`: placeholders that say the candidates are replayed; `attack_ideas`: none;
- `random_inputs`: the given inputs, the statement's example inputs, the inputs of the given UTs, up to `count`.

A folder holds the candidates as `*.py` files (or in `codes/`), read in name order, and optionally `tests.jsonl`,
one `{"input": ..., "output": ...}` per line (strings for stdin problems, JSON values in function mode) and
`inputs.jsonl`, one `{"input": ...}` per line (stage 3's random inputs). `write_candidates` writes such a folder.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from cosplay_core.models.base import ModelConfigError
from cosplay_core.players.contract import EventSink, PlayerInfo, PlayerUsage
from cosplay_core.problem import Problem
from cosplay_core.sandbox import Executor, Job, Outcome
from cosplay_core.state import canonical

__all__ = ["CANDIDATES_DESCRIPTION", "CandidatesPlayer", "load_candidates", "write_candidates"]

CANDIDATES_DESCRIPTION = ("replays your own candidate programs and unit tests: no model is called; outputs no given "
                          "UT fixes are voted by the candidates themselves")
PLACEHOLDER_HINT = "Your own candidates are replayed: there are no solution approaches to list."
MAX_CANDIDATES = 256


def load_candidates(folder: str | Path) -> tuple[list[str], list[tuple[Any, Any]], list[Any]]:
    """(candidate sources, UTs as (input, expected), extra inputs) from a folder (see the module docstring);
    ModelConfigError (one sentence) when the folder holds no candidate or a malformed line."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ModelConfigError(f"the candidates backbone needs a folder of candidate programs: {folder} is not one")
    files = sorted((path / "codes").glob("*.py")) if (path / "codes").is_dir() else sorted(path.glob("*.py"))
    codes = [f.read_text(encoding="utf-8") for f in files[:MAX_CANDIDATES]]
    codes = [c for c in codes if c.strip()]
    if not codes:
        raise ModelConfigError(f"no candidate program in {folder} (*.py files, or codes/*.py)")

    def rows(name: str) -> list[dict]:
        found = []
        if (path / name).exists():
            for number, line in enumerate((path / name).read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    raise ModelConfigError(f"{path / name}:{number}: not a JSON object") from None
                if not isinstance(row, dict) or "input" not in row:
                    raise ModelConfigError(f"{path / name}:{number}: a line needs an \"input\"")
                found.append(row)
        return found

    tests = [(row["input"], row.get("output")) for row in rows("tests.jsonl") if "output" in row]
    inputs = [row["input"] for row in rows("inputs.jsonl")]
    return codes, tests, inputs


def write_candidates(folder: str | Path, codes: list[str], tests: Sequence[tuple[Any, Any]] = (),
                     inputs: Sequence[Any] = ()) -> Path:
    """Writes a candidates folder (`codes/candidate_NN.py`, `tests.jsonl`, `inputs.jsonl`) and returns it."""
    path = Path(folder)
    (path / "codes").mkdir(parents=True, exist_ok=True)
    for old in (path / "codes").glob("*.py"):
        old.unlink()
    for number, source in enumerate(codes, 1):
        (path / "codes" / f"candidate_{number:02d}.py").write_text(source, encoding="utf-8")
    (path / "tests.jsonl").write_text("".join(json.dumps({"input": x, "output": y}) + "\n" for x, y in tests))
    (path / "inputs.jsonl").write_text("".join(json.dumps({"input": x}) + "\n" for x in inputs))
    return path


class CandidatesPlayer:
    """Replays given candidates and UTs for one problem (see the module docstring)."""

    resamples_repairs = True  # a repair request is answered by a fresh draw, named "resample" by stage 2

    def __init__(self, problem: Problem, executor: Executor, codes: list[str], tests: Sequence[tuple[Any, Any]] = (),
                 inputs: Sequence[Any] = (), seed: int = 0, on_event: EventSink | None = None,
                 source: str | None = None):
        if not codes:
            raise ModelConfigError("the candidates backbone needs at least one candidate program")
        from cosplay_core.parse import extract_io_blocks

        examples = [x for x, _ in extract_io_blocks(problem.statement)] if problem.io == "stdin" else []
        examples = [x if x.endswith("\n") else x + "\n" for x in examples]
        if not tests and not examples and not inputs:
            raise ModelConfigError("the candidates backbone needs inputs to test with: give UTs (Input:/Output: "
                                   "blocks), or a statement whose examples show inputs")
        self.problem = problem
        self.executor = executor
        self.codes = list(codes)
        self.tests = list(tests)
        self.seed = seed
        self.on_event = on_event
        self.usage = PlayerUsage()
        self.info = PlayerInfo(f"candidates:{source or 'pasted'}", simulation=True, description=CANDIDATES_DESCRIPTION,
                               settings={"seed": seed, "candidates": len(codes), "given_tests": len(tests),
                                         "statement_examples": len(examples), "given_inputs": len(inputs)})
        self._expected = {self._key(x): y for x, y in self.tests}
        self._inputs = [x for x, _ in self.tests] + examples + list(inputs)
        self._extra = list(inputs) + examples + [x for x, _ in self.tests]
        self._lock = threading.Lock()
        self._code_cursor = 0
        self._input_cursor = 0
        self._shuffled = list(range(len(self.codes)))
        random.Random(f"candidates:{seed}").shuffle(self._shuffled)

    def _key(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True) if self.problem.io == "function" else canonical(
            value, "stdin", self.problem.comparison)

    def _emit(self, event: dict) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _draw_code(self) -> str:
        with self._lock:
            position = self._code_cursor
            self._code_cursor += 1
        if position < len(self.codes):
            return self.codes[position]
        return self.codes[self._shuffled[(position - len(self.codes)) % len(self.codes)]]

    # -- requests ----------------------------------------------------------------------------------------------

    async def propose_hints(self, count: int) -> list[str]:
        return [PLACEHOLDER_HINT] if count > 0 else []

    async def write_plan(self, hints: list[str], index: int) -> str | None:
        return "Your own candidate is used as given: there is no plan to write."

    async def attack_ideas(self, plan: str, index: int) -> list[str]:
        return []

    async def write_code(self, plan: str | None, index: int) -> str | None:
        return self._draw_code()

    async def write_test_input(self, attack: str | None, index: int) -> Any | None:
        with self._lock:
            position = self._input_cursor
            self._input_cursor += 1
        return self._inputs[position % len(self._inputs)]

    async def predict_output(self, test_input: Any, index: int) -> Any | None:
        key = self._key(test_input)
        if key in self._expected:
            return self._expected[key]
        outputs = await asyncio.to_thread(self._outputs, test_input)
        if not outputs:
            self.usage.failed_requests += 1
            return None
        self.usage.fresh_draws += 1
        self._emit({"type": "fresh_draw", "request": "predict_output"})
        votes = Counter(self._key(o) for o in outputs)
        winner = votes.most_common(1)[0][0]
        return next(o for o in outputs if self._key(o) == winner)

    def _outputs(self, test_input: Any) -> list[Any]:
        """The candidates' outputs on one input (those that run without error)."""
        jobs = [Job(self.problem.program(source), (test_input,), self.problem.limits()) for source in self.codes]
        outcomes: list[Outcome] = [row[0] for row in self.executor.run_jobs(jobs)]
        return [(o.value if self.problem.io == "function" else o.stdout) for o in outcomes if o.ok]

    async def repair_code(self, code: str, test_input: Any, expected: Any, actual: Outcome, index: int) -> str | None:
        with self._lock:
            self.usage.resamples += 1
        self._emit({"type": "resample", "request": "repair_code"})
        return self._draw_code()

    async def random_inputs(self, count: int, index: int) -> list[Any]:
        seen, chosen = set(), []
        for value in self._extra:
            key = self._key(value)
            if key not in seen:
                seen.add(key)
                chosen.append(value)
        return chosen[:max(0, count)]


def backbone_factory(rest: str, problem: Problem, executor: Executor, options: Any) -> CandidatesPlayer:
    """The backbone registry's factory (`backbone.make_player`): a `CandidatesPlayer` for
    `candidates:<folder>`;
    ModelConfigError (one sentence) when it cannot be made."""
    if getattr(options, "base_url", None):
        raise ModelConfigError("a base URL applies to language models (openai:<model>, anthropic:<model>), not to "
                               "your own candidates")
    folder = (rest or "").strip()
    if not folder:
        raise ModelConfigError("the candidates backbone needs the folder of your candidates: use candidates:<folder>")
    codes, tests, inputs = load_candidates(folder)
    return CandidatesPlayer(problem, executor, codes, tests, inputs, seed=getattr(options, "seed", 0),
                            on_event=getattr(options, "on_event", None), source=Path(folder).name)
