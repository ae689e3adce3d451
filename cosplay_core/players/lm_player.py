"""`LMPlayer`: the player backed by a language model, through prompt templates and completion parsers.

Every request renders a template from `cosplay_core.prompts` after a fixed prefix (the system prompt, the problem
statement and its I/O contract: the same text for every request of a problem, so that the provider's prompt cache
applies), sends it through a `ModelClient`, and parses the completion:

- a completion that cannot be parsed (no code, no JSON list, an empty stdin input, function arguments that are not
  a JSON array, ...) is a failed attempt, reported to `on_event` as
  `{"type": "parse_failure", "request": ..., "reason": ..., ...}` and retried with a new sample index, up to
  `attempts` times; then the request gives up (`{"type": "request_failed", ...}`), counts in
  `usage.failed_requests`, and returns None (or [] for list requests);
- a `ModelCallError` (the client's retries are spent) gives up at once, the same way;
- `BudgetExceeded` and `ModelUnavailable` (a rejected key, a missing model, a server that cannot be reached)
  propagate: the run stops cleanly on them.

Sample indices: the first attempt of request `index` is sample `index` (seed 0); attempt `a` of it under seed `s`
is sample `s * SEED_STRIDE + a * RETRY_STRIDE + index`, so that retries and seeds never share a cache entry.

Nothing of the problem but its statement and I/O contract reaches a prompt: never the reference solution, the
wrong solutions, the ground-truth tests, the generator or the sim's ideas.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import json
import random
import re
from typing import Any, Callable

from cosplay_core import prompts
from cosplay_core.models.base import (
    Completion,
    GenerateConfig,
    Message,
    ModelCallError,
    ModelUnavailable,
    Usage,
)
from cosplay_core.models.client import ModelClient
from cosplay_core.models.sdk_adapter import public_url
# parse.py's fence scanner is private there; it is the one fence grammar of the project, so it is reused here
from cosplay_core.parse import fenced_blocks, normalise, extract_code, extract_list
from cosplay_core.players.contract import EventSink, PlayerInfo, PlayerUsage, stage3_input_kinds
from cosplay_core.problem import Problem, decode_generated_input
from cosplay_core.sandbox import Executor, Limits, Outcome, Program

__all__ = ["LMPlayer", "ParseFailure", "RETRY_STRIDE", "SEED_STRIDE"]

RETRY_STRIDE = 1_000_000  # request indices of a run stay below this
SEED_STRIDE = 100 * RETRY_STRIDE  # so at most 99 attempts per request

PROMPT_VALUE_LIMIT = 30_000  # characters of an input or expected output shown in a prompt
OUTCOME_TEXT_LIMIT = 4_000  # characters of a program's stdout / return value shown in a repair prompt
STDERR_TAIL = 2_000  # characters from the end of a program's stderr shown in a repair prompt
GENERATOR_LIMITS = Limits(time_limit_s=10.0, output_limit_bytes=16 << 20)
GENERATOR_ENTRY = "__cosplay_generate"
# The request being asked in this task (`_ask`): added to the model_call records its calls produce.
_REQUEST: contextvars.ContextVar[dict | None] = contextvars.ContextVar("cosplay_request", default=None)

_CODE_LANGUAGES = {"python", "py", "python3", "py3", "cpp", "c++", "c", "java", "javascript", "js", "bash", "sh",
                   "shell", "console", "pycon", "ipython", "go", "rust"}
_JSON_LANGUAGES = {"json", "jsonc", "json5"}

_COMPARISON = {
    "tokens": "The output is compared with the expected output as a sequence of whitespace-separated tokens: the "
              "amount of spaces and line breaks between tokens does not matter, every token does.",
    "exact": "The output must match the expected output exactly, character for character, line breaks included.",
    "float": "The output is compared with the expected output as a sequence of whitespace-separated tokens; numbers "
             "are accepted within an absolute or relative error of {tolerance:g}.",
}

_STATUS = {
    "ok": "it ran without error but its output differs from the expected one.",
    "error": "it raised an error (or did not compile).",
    "timeout": "it did not finish within the time limit of {time_limit:g} seconds.",
    "memory_limit": "it ran out of memory.",
    "output_limit": "it printed far too much output.",
}


class ParseFailure(Exception):
    """A completion that cannot be used; the message says why (it goes into the parse_failure event)."""


# ---- shapes of values in prompts and completions ------------------------------------------------------------------


def _fence(text: str, language: str = "") -> str:
    """`text` in a fenced block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _clip(text: str, limit: int, *, tail: bool = False) -> str:
    if len(text) <= limit:
        return text
    if tail:
        return f"[... {len(text) - limit} earlier characters cut ...]\n" + text[-limit:]
    return text[:limit] + f"\n[... {len(text) - limit} more characters cut ...]"


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _loads(text: str) -> tuple[bool, Any]:
    """(True, value) for JSON text, JSON with trailing commas, or a python literal (tuples become lists)."""
    text = text.strip()
    if not text:
        return False, None
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:
        return True, json.loads(re.sub(r",\s*([\]}])", r"\1", text))
    except (ValueError, RecursionError):
        pass
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None
    try:
        return True, json.loads(json.dumps(value))  # tuples to lists; sets and bytes are not JSON
    except (TypeError, ValueError):
        return False, None


def _blocks(text: str) -> list:
    """The fenced blocks of a completion (parse.py's scanner: any fence shape, unclosed last fence included)."""
    return fenced_blocks(normalise(text))


def _answer_block(text: str, tag: str) -> str | None:
    """The content of the answer's fenced block: the last one tagged `tag`, else the last one that is neither code
    nor JSON, else the last JSON-tagged one; None when there is no such block."""
    blocks = _blocks(text)
    for group in ([b for b in blocks if b.language == tag],
                  [b for b in blocks if b.language not in _CODE_LANGUAGES | _JSON_LANGUAGES],
                  [b for b in blocks if b.language in _JSON_LANGUAGES]):
        if group:
            return group[-1].content
    return None


def _answer_json(text: str, accept: Callable[[Any], bool]) -> tuple[bool, Any]:
    """The JSON value of the answer: the content of the last json-, output- or input-tagged block (else of the last
    block that is not code), or the whole completion when it has no fence and is JSON alone; (False, None) when that
    does not parse or is not accepted. Only the last such block counts: reasoning before it quotes inputs and
    examples, which must not pass for the answer; and JSON inside prose is never looked for."""
    blocks = _blocks(text)
    if not blocks:
        ok, value = _loads(normalise(text))
        return (True, value) if ok and accept(value) else (False, None)
    answer_tags = _JSON_LANGUAGES | {"output", "input"}
    for group in ([b for b in blocks if b.language in answer_tags],
                  [b for b in blocks if b.language not in answer_tags | _CODE_LANGUAGES]):
        if group:
            ok, value = _loads(group[-1].content)
            return (True, value) if ok and accept(value) else (False, None)
    return False, None


def _stdin_text(text: str) -> str:
    """Stdin or stdout text as a program sees it: no leading/trailing blank lines, one final newline."""
    return text.strip("\n") + "\n"


def _dedupe(items: list[Any]) -> list[Any]:
    seen, out = set(), []
    for item in items:
        key = _json_text(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# ---- what the prompts say of the problem ----------------------------------------------------------------------------


def entry_forms(problem: Problem) -> tuple[str, str, str]:
    """(what a solution defines, how it is called, the name to look for in code) in function mode."""
    entry = problem.entry_point or ""
    if "()." in entry:
        cls, method = entry.split("().", 1)
        return (f"a class `{cls}` with a method `{method}` (the harness creates `{cls}()` with no arguments)",
                entry, cls)
    return f"a function `{entry}`", entry, entry


def contract(problem: Problem) -> str:
    """The problem's I/O contract as every prompt states it (how a solution is run and judged)."""
    if problem.io == "function":
        defines, call, _ = entry_forms(problem)
        return prompts.render("contract_function", callable=defines, call=call,
                              tolerance=f"{problem.comparison.tolerance:g}",
                              time_limit=f"{problem.time_limit_s:g}")
    comparison = _COMPARISON.get(problem.comparison.kind, _COMPARISON["tokens"])
    return prompts.render("contract_stdin", time_limit=f"{problem.time_limit_s:g}",
                          comparison=comparison.format(tolerance=problem.comparison.tolerance))


def io_shapes(problem: Problem) -> dict[str, str]:
    """The shapes of what the player asks for (a code, an input, an output), in this problem's I/O mode."""
    if problem.io == "function":
        defines, call, _ = entry_forms(problem)
        return {
            "code_shape": f"the code defining {defines}, with the imports and helpers it needs, without calling "
                          "it and without reading input",
            "input_format": "You may reason first. Then give the input in one ```json fenced block holding the "
                            f"JSON array of the arguments of `{call}`, in order: for a call `f(a, b)` write "
                            "`[a, b]`; for a single list argument `xs` write `[xs]`, for example `[[1, 2, 3]]`.",
            "output_format": "a ```json block holding the return value as a JSON value (strings in double "
                             "quotes, true/false/null, arrays for lists and tuples) and nothing else.",
            "generator_returns": "It returns the JSON text of the array of arguments, for example "
                                 "`json.dumps([s])` for a single argument `s`, or `json.dumps([nums, k])` for two.",
            "item_shape": f"the JSON array of the arguments of one call of `{call}`",
        }
    return {
        "code_shape": "a complete program that reads standard input and prints the answer",
        "input_format": "You may reason first. Then give the input in one ```input fenced block holding exactly "
                        "the text of standard input, line by line, and nothing else.",
        "output_format": "an ```output block holding exactly what the program prints to standard output, and "
                         "nothing else.",
        "generator_returns": "It returns the exact text of standard input, with \"\\n\" between lines and a "
                             "final newline.",
        "item_shape": "a JSON string holding the exact text of standard input (\"\\n\" between lines)",
    }


def code_request(problem: Problem) -> str:
    """The problem and the request for a solution, in the player's words (its system prompt and the plan a code
    was written from left out)."""
    problem_text = prompts.render("problem", statement=problem.statement.strip(), contract=contract(problem))
    request = prompts.render("code", plan_section="", code_shape=io_shapes(problem)["code_shape"])
    return f"{problem_text}\n\n{request}"


# ---- the player ---------------------------------------------------------------------------------------------------


class LMPlayer:
    """A player that asks a language model (see the module docstring).

    `client` carries the model, its concurrency, retries, budget and cache; `executor` runs the input generators
    the model writes (untrusted code, so in the sandbox). `max_tokens` bounds each completion; `timeout_s` each
    attempt; `attempts` the completions tried per request; `seed` shifts every sample index (a different seed
    draws different samples, also from the cache).
    """

    def __init__(self, problem: Problem, client: ModelClient, executor: Executor, *, temperature: float | None = 0.8,
                 max_tokens: int = 4096, attempts: int = 3, seed: int = 0, timeout_s: float = 180.0,
                 on_event: EventSink | None = None):
        if not 1 <= attempts < SEED_STRIDE // RETRY_STRIDE:
            raise ValueError(f"attempts must be from 1 to {SEED_STRIDE // RETRY_STRIDE - 1}, not {attempts}")
        if seed < 0:
            raise ValueError("seed must be non-negative")
        self.problem = problem
        self.client = client
        self.executor = executor
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.attempts = attempts
        self.seed = seed
        self.timeout_s = timeout_s
        self.on_event = on_event
        if client.on_call is not None:  # each model_call record says which request of the player it answers
            record_call = client.on_call
            client.on_call = lambda record: record_call({**record, **(_REQUEST.get() or {})})
        self.usage = PlayerUsage()
        self.tokens = Usage()  # the full token record (cache reads and writes apart) of answers from the model
        model = client.model
        base_url = public_url(getattr(model, "base_url", None))
        description = f"language model {model.name}" + (f" at {base_url}" if base_url else "")
        self.info = PlayerInfo(model.name, simulation=False, description=description,
                               settings={"temperature": temperature, "max_tokens": max_tokens, "attempts": attempts,
                                         "seed": seed, "base_url": base_url})
        self.prefix = prompts.render("system") + "\n\n" + prompts.render(
            "problem", statement=problem.statement.strip(), contract=contract(problem))
        self._shapes = io_shapes(problem)

    def __repr__(self) -> str:
        return f"LMPlayer({self.client.model.name!r}, problem={self.problem.slug!r})"

    # -- prompts -------------------------------------------------------------------------------------------------

    def _input_block(self, test_input: Any) -> str:
        if self.problem.io == "function":
            _, call, _ = entry_forms(self.problem)
            return (f"The arguments, as the JSON array `args` of the call `{call}(*args)`:\n\n"
                    + _fence(_clip(_json_text(test_input), PROMPT_VALUE_LIMIT), "json"))
        return "Standard input:\n\n" + _fence(_clip(str(test_input).rstrip("\n"), PROMPT_VALUE_LIMIT), "input")

    def _output_block(self, value: Any) -> str:
        if self.problem.io == "function":
            return _fence(_clip(_json_text(value), PROMPT_VALUE_LIMIT), "json")
        return _fence(_clip(str(value).rstrip("\n"), PROMPT_VALUE_LIMIT), "output")

    def _actual_block(self, actual: Outcome) -> str:
        parts = []
        if self.problem.io == "function":
            if actual.ok:
                parts.append("Its return value:\n\n" + _fence(_clip(_json_text(actual.value), OUTCOME_TEXT_LIMIT),
                                                              "json"))
            elif actual.stdout.strip():
                parts.append("What it printed:\n\n" + _fence(_clip(actual.stdout.rstrip("\n"), OUTCOME_TEXT_LIMIT),
                                                             "text"))
        elif actual.ok or actual.stdout.strip():
            label = "Its output" if actual.ok else "What it printed before stopping"
            parts.append(f"{label}:\n\n" + _fence(_clip(actual.stdout.rstrip("\n"), OUTCOME_TEXT_LIMIT), "output"))
        if actual.stderr.strip():
            parts.append("The end of its standard error:\n\n"
                         + _fence(_clip(actual.stderr.rstrip("\n"), STDERR_TAIL, tail=True), "text"))
        elif not actual.ok:
            parts.append("(It wrote nothing to standard error.)")
        return "\n\n".join(parts)

    def messages(self, template: str, **fields: Any) -> list[Message]:
        """The conversation for one request: the fixed prefix as the system message, the request as the user's."""
        return [Message("system", self.prefix), Message("user", prompts.render(template, **fields))]

    # -- asking --------------------------------------------------------------------------------------------------

    def sample_index(self, index: int, attempt: int) -> int:
        """The sample index of attempt `attempt` (0-based) of request `index`."""
        return self.seed * SEED_STRIDE + attempt * RETRY_STRIDE + index

    def _emit(self, event: dict) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _count(self, completion: Completion) -> None:
        if completion.cached:
            self.usage.cached_calls += 1
            return
        usage = completion.usage
        self.usage.calls += 1
        self.usage.input_tokens += usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
        self.usage.output_tokens += usage.output_tokens
        self.tokens = self.tokens + usage

    async def _ask(self, request: str, template: str, fields: dict, parse: Callable[[str], Any], index: int) -> Any:
        """The parsed answer to one request, or None after `attempts` unusable completions or a failed call."""
        messages = self.messages(template, **fields)
        asking = _REQUEST.set({"request": request, "template": template, "index": index})
        try:
            return await self._attempts(request, messages, parse, index)
        finally:
            _REQUEST.reset(asking)

    async def _attempts(self, request: str, messages: list, parse: Callable[[str], Any], index: int) -> Any:
        for attempt in range(self.attempts):
            sample = self.sample_index(index, attempt)
            config = GenerateConfig(temperature=self.temperature, max_tokens=self.max_tokens, sample_index=sample,
                                    timeout_s=self.timeout_s)
            try:
                completion = await self.client.complete(messages, config)
            except ModelUnavailable:
                raise  # every further call would fail too: the run stops cleanly (and can resume later)
            except ModelCallError as err:
                self.usage.failed_requests += 1
                self._emit({"type": "request_failed", "request": request, "index": index, "fault": err.fault,
                            "reason": f"the model call failed: {err.message}"})
                return None
            self._count(completion)
            try:
                return parse(completion.text)
            except ParseFailure as failure:
                self._emit({"type": "parse_failure", "request": request, "index": index, "attempt": attempt + 1,
                            "sample_index": sample, "reason": str(failure), "excerpt": completion.text[:300]})
        self.usage.failed_requests += 1
        self._emit({"type": "request_failed", "request": request, "index": index, "fault": "unparseable",
                    "reason": f"no usable answer in {self.attempts} attempt(s)"})
        return None

    # -- parsers (each raises ParseFailure) -----------------------------------------------------------------------

    def _parse_list(self, text: str) -> list[str]:
        items = _dedupe([item for item in extract_list(text) if item.strip()])
        if not items:
            raise ParseFailure("no list of items in the completion")
        return items

    @staticmethod
    def _parse_plan(text: str) -> str:
        plan = text.strip()
        if not plan:
            raise ParseFailure("the plan is empty")
        return plan

    def _parse_code(self, text: str) -> str:
        code = extract_code(text)
        if code is None or not code.strip():
            raise ParseFailure("no Python code in the completion")
        if self.problem.io == "function":
            _, _, name = entry_forms(self.problem)
            defines = re.compile(rf"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+{re.escape(name)}\b", re.M)
            if not defines.search(code):
                # several fences (a solution, then an example): take the last python block that defines the entry
                for block in reversed(_blocks(text)):
                    if block.language in ("python", "py", "python3", "py3", "") and defines.search(block.content):
                        return block.content.strip("\n")
        return code

    def _parse_input(self, text: str) -> Any:
        if self.problem.io == "function":
            ok, value = _answer_json(text, lambda v: isinstance(v, list))
            if not ok:
                raise ParseFailure("no JSON array of arguments in the completion")
            return value
        content = _answer_block(text, "input")
        if content is None:
            raise ParseFailure("no fenced block holding the input")
        if not content.strip():
            raise ParseFailure("the input is empty")
        return _stdin_text(content)

    def _parse_output(self, text: str) -> Any:
        if self.problem.io == "function":
            ok, value = _answer_json(text, lambda v: v is not None)
            if not ok:
                raise ParseFailure("no JSON value in a fenced block")
            return value
        content = _answer_block(text, "output")
        if content is None:
            raise ParseFailure("no fenced block holding the output")
        if not content.strip():
            raise ParseFailure("the predicted output is empty")
        return _stdin_text(content)

    def _parse_inputs(self, text: str) -> list[Any]:
        ok, items = _answer_json(text, lambda v: isinstance(v, list) and len(v) > 0)
        if not ok:
            raise ParseFailure("no JSON array of inputs in the completion")
        valid: list[Any] = []
        for item in items:
            if self.problem.io == "function":
                if isinstance(item, list):
                    valid.append(item)
            elif isinstance(item, str) and item.strip():
                valid.append(_stdin_text(item))
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                valid.append(f"{item}\n")
        if not valid:
            what = "an array of arguments" if self.problem.io == "function" else "a non-empty string"
            raise ParseFailure(f"no item of the JSON array is {what}")
        return _dedupe(valid)

    # -- requests ------------------------------------------------------------------------------------------------

    async def propose_hints(self, count: int) -> list[str]:
        hints = await self._ask("hints", "hints", {"count": count}, self._parse_list, 0)
        return (hints or [])[:count]

    async def write_plan(self, hints: list[str], index: int) -> str | None:
        listed = "\n".join(f"- {hint}" for hint in hints) if hints else "- (no particular approach: choose one)"
        return await self._ask("plan", "plan", {"hints": listed}, self._parse_plan, index)

    async def attack_ideas(self, plan: str, index: int) -> list[str]:
        attacks = await self._ask("attacks", "attacks", {"plan": plan.strip(), "count": 5}, self._parse_list, index)
        return (attacks or [])[:8]

    async def write_code(self, plan: str | None, index: int) -> str | None:
        section = f"\nFollow this plan:\n\n<plan>\n{plan.strip()}\n</plan>\n" if plan and plan.strip() else ""
        return await self._ask("code", "code", {"plan_section": section, "code_shape": self._shapes["code_shape"]},
                               self._parse_code, index)

    async def write_test_input(self, attack: str | None, index: int) -> Any | None:
        fields = {"input_format": self._shapes["input_format"]}
        if attack:
            return await self._ask("test_input", "test_input_attack", {**fields, "attack": attack.strip()},
                                   self._parse_input, index)
        return await self._ask("test_input", "test_input_random", fields, self._parse_input, index)

    async def predict_output(self, test_input: Any, index: int) -> Any | None:
        fields = {"input_block": self._input_block(test_input), "output_format": self._shapes["output_format"]}
        return await self._ask("predict_output", "predict_output", fields, self._parse_output, index)

    async def repair_code(self, code: str, test_input: Any, expected: Any, actual: Outcome, index: int) -> str | None:
        status = _STATUS.get(actual.status, f"it ended with status {actual.status}.")
        fields = {"code": code.strip("\n"), "input_block": self._input_block(test_input),
                  "expected_block": self._output_block(expected),
                  "status": status.format(time_limit=self.problem.time_limit_s),
                  "actual_block": self._actual_block(actual), "code_shape": self._shapes["code_shape"]}
        return await self._ask("repair", "repair", fields, self._parse_code, index)

    async def write_input_generator(self, index: int) -> str | None:
        """The source of a `generate(rng, kind) -> str` input generator written by the model, or None."""
        return await self._ask("input_generator", "input_generator",
                               {"generator_returns": self._shapes["generator_returns"]}, self._parse_code, index)

    async def run_generator(self, source: str, kinds: list[str], index: int) -> list[Any]:
        """Distinct valid inputs from a model-written generator, one per entry of `kinds`, run in the sandbox (the
        seeds derive from `index` and the player's seed). A generator that ignores the contract and takes only
        `rng` is called with `rng` alone."""
        program = Program(source + (
            f"\n\n\ndef {GENERATOR_ENTRY}(seed, kind):\n"
            "    import inspect as _cosplay_inspect, random as _cosplay_random\n"
            "    rng = _cosplay_random.Random(seed)\n"
            "    try:\n"
            "        _cosplay_inspect.signature(generate).bind(rng, kind)\n"
            "    except (TypeError, ValueError):\n"
            "        return generate(rng)\n"
            "    return generate(rng, kind)\n"), "function", GENERATOR_ENTRY)
        rng = random.Random(f"cosplay-inputs:{self.seed}:{index}")
        seeds = [[rng.randrange(2 ** 31), kind] for kind in kinds]
        outcomes = await asyncio.to_thread(self.executor.run, program, seeds, GENERATOR_LIMITS)
        inputs, errors = [], []
        for outcome in outcomes:
            if not outcome.ok:
                last = (outcome.stderr.strip().splitlines() or [""])[-1]
                errors.append(f"{outcome.status}: {last}".rstrip(": "))
                continue
            try:
                value = decode_generated_input(self.problem, outcome.value)
            except ValueError as err:
                errors.append(f"invalid input: {err}")
                continue
            if isinstance(value, str) and not value.strip():
                errors.append("an empty input")
                continue
            inputs.append(value)
        if errors:
            self._emit({"type": "generator_errors", "request": "input_generator", "index": index,
                        "failed": len(errors), "of": len(kinds), "first": str(errors[0])[:300]})
        return _dedupe(inputs)

    async def random_inputs(self, count: int, index: int) -> list[Any]:
        """Random valid inputs from a model-written generator run in the sandbox; when it yields fewer than half of
        `count`, the model is asked for the missing inputs directly (a JSON list)."""
        if count <= 0:
            return []
        inputs: list[Any] = []
        source = await self.write_input_generator(index)
        if source is not None:
            inputs = await self.run_generator(source, stage3_input_kinds(count), index)
        if 2 * len(inputs) >= count:
            return inputs[:count]
        missing = count - len(inputs)
        self._emit({"type": "generator_fallback", "request": "input_generator", "index": index,
                    "reason": "no generator" if source is None else f"the generator gave {len(inputs)} of {count} "
                                                                  "valid inputs", "asking_for": missing})
        direct = await self._ask("inputs", "inputs", {"count": missing, "item_shape": self._shapes["item_shape"]},
                                 self._parse_inputs, index)
        return _dedupe(inputs + (direct or []))[:count]

    def retry_model(self) -> None:
        """After a run was interrupted because the model could not answer: let the next requests try it again."""
        self.client.retry_model()

    async def aclose(self) -> None:
        """Close the model's connections."""
        await self.client.aclose()
