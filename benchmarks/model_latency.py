"""A full CoSPlay run against a model with a fixed latency: its wall time against the critical path of its dependent
model calls, and against strictly sequential calls.

    python benchmarks/model_latency.py [--problem sample_problems/max_subarray] [--latency-ms 200]
                                       [--concurrency 8] [--high-concurrency 64] [--seed 0]

What runs. The fake model server of the tests (`tests/fake_llm_server.py`, a real HTTP server on 127.0.0.1, here in
a process of its own, as a model server would be) answers every call a fixed latency L after it has read the request
(default 200 ms; the server's own per-reply `delay_s`, topped up so that the responder's work does not add to it).
The answers come from the tests' scripted competent model (`RunScript` of `tests/test_lm_player.py`), made generic
for any sample problem: its programs are the problem's reference and fast wrong solutions, its predicted outputs the
reference's, its test inputs drawn from the problem's generator (random UTs) and small known tests (attack UTs), its
hints and attack ideas the problem's, its input generator the problem's gen.py. It answers each call by the call's
identity (its sample index, sent in a header), never by arrival order, so every run gets the same answers whatever
the latency and concurrency: about one code / test-input / output / repair answer in 12 is unusable prose (a parse
failure: LMPlayer retries), and on about one input in 5 each vote is the right output or one wrong output (votes
disagree: the UT is regenerated; or agree on a wrong output: stage 2 has work). The run is a full default one
(16 codes, 16 UTs, up to 5 rounds, 16 inputs, 4 votes, seed 0) of `openai:fake-model` through the real OpenAI SDK
adapter, started with `start_run` and `BackboneSettings`, the response cache off, the real sandbox, its trace
written to a temporary folder. Ground-truth scoring is off (not part of the algorithm; as in `engine_runs.py`).

Measured, in one invocation: the same run (1) at 0 ms latency (3 times), (2) at L with the default concurrency (8
calls in flight), (3) at L with a high concurrency (default 64: the widest fan-out of a default run is 16 UTs x 4
votes = 64 calls, so at 64 the concurrency cap never binds); `--repeat N` runs (2) and (3) N times (median shown).

Definitions (seconds; a run's wall time leaves out the baselines' own work, which `Run` times apart):

- model call: one HTTP request to the model. Every attempt is a call: an LMPlayer retry after an unusable answer, a
  ModelClient retry after a transient fault. Each call is recorded (`on_event`) with its step, its request (kind and
  request index, from its sample index) and its start and end.
- cost(request) = the number of calls of the request (its attempts follow one another).
- dependency chains, from the engine's structure (`run.py` runs steps one after another; inside a step the stages
  gather independent tasks), applied to the calls the run made:
    * steps are sequential: every call of a step depends on the steps before;
    * the tasks of a step are independent: one per plan (plans, attacks), per code slot (codes: up to 3 write_code
      requests, each after the previous one failed), per UT (tests, trivial: `make_test`), per replaced or repaired
      code (clean, fix); hints, coupling and inputs are one task each;
    * inside a task, requests are sequential in the order of their request indices (a UT's votes need its input, a
      regenerated input the failed vote round, the coupling step's regeneration its failed re-derivation, the direct
      inputs fallback the generator), except the k votes of one prediction, which are parallel;
    * chain(task) = sum over its sequential groups of the largest cost in the group; chain(step) = max over the
      step's tasks; chain(run) = sum over the steps.
- non-model time T0 = the wall time of the same run at 0 ms latency (at the high concurrency; the least of 3 runs,
  the conservative choice on a busy machine): sandbox work, matrix refreshes, snapshots, the trace, and what each
  call costs on the client and on a local server. T0 counts that per-call cost as it falls in the 0 ms run; at
  latency L some of it overlaps the waiting, so a run can come in under the critical path. Also shown: T0' = the
  part of T0 with no call under way (the per-call cost left out).
- critical path = chain(run) x L + T0: the run if every call that does not depend on another were in flight at
  once, with the engine's step structure. Critical path' = chain(run) x L + T0'.
- strictly sequential = calls(run) x L + T0: one call at a time.
- bound at concurrency c = sum over steps of max(chain(step), calls(step) / c) x L + T0: no schedule with at most c
  calls in flight does better.
- span/L of a step (per-step table): from the first call's start to the last call's end, over L: above the chain when
  calls that could overlap did not (queueing or per-call cost on the client).
- target: wall <= 1.5 x critical path, for the run at the high concurrency: the critical path assumes every
  independent call in flight at once, which the default concurrency of 8 forbids (a step fans out up to 64 calls);
  the run at 8 is shown against its own bound.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import inspect
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from cosplay_core.config import RunConfig  # noqa: E402
from cosplay_core.ground_truth import GroundTruth  # noqa: E402
from cosplay_core.players.lm_player import RETRY_STRIDE  # noqa: E402
from cosplay_core.problem import Problem, decode_generated_input, generator_program, load_problem  # noqa: E402
from cosplay_core.sandbox import Executor  # noqa: E402
from cosplay_core.session import BackboneSettings, start_run  # noqa: E402
from cosplay_core.stages import ideas  # noqa: E402

import fake_llm_server  # noqa: E402
from fake_llm_server import FakeLLMServer, Reply  # noqa: E402
from test_lm_player import MARK, RunScript, request_kind  # noqa: E402

MODEL = "openai:fake-model"
API_KEY = "sk-fake-benchmark-key"
SAMPLE_HEADER = "x-cosplay-sample-index"
PROMPT_INPUT_LIMIT = 400  # characters: inputs shown in prompts stay whole (the scripted model reads them back)
RANDOM_POOL = 48  # distinct generator inputs the scripted model draws random UTs from
UNUSABLE_EVERY = 12
HARD_EVERY = 5
UNUSABLE = "I would rather describe the idea in words than write it out: it follows from the statement."
UNUSABLE_KINDS = ("code", "test_input", "predict_output", "repair")
LISTEN_BACKLOG = 256
CRITICAL_STRICT = "critical'"
SEQUENTIAL_KIND_ORDER = {"input_generator": 0, "inputs": 1}  # the fallback shares the generator's index, after it


class NoGroundTruth(GroundTruth):
    """Keeps ground-truth scoring out of the measured algorithm."""

    @property
    def available(self) -> bool:
        return False


# ---- the scripted model (built in this process, served from the server's) ------------------------------------------


def _small(value) -> bool:
    text = value if isinstance(value, str) else json.dumps(value)
    return len(text) <= PROMPT_INPUT_LIMIT


def _mix(*parts) -> int:
    """A stable pseudo-random number from the parts (the same in every run and process)."""
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def _shown(problem: Problem, value):
    """An input as RunScript.reference_output reads it back from a prompt."""
    return value if problem.io == "function" else value.rstrip("\n") + "\n"


def model_data(problem: Problem, executor: Executor, seed: int) -> dict:
    """What the scripted model knows beyond the problem: its input pools and the reference's outputs on them."""
    attack = [t.input for t in problem.tests if _small(t.input)]
    random_inputs: list = []
    if problem.generator is not None:
        seen = set()
        seeds = [[seed * 100_000 + i, "random"] for i in range(8 * RANDOM_POOL)]
        for outcome in executor.run(generator_program(problem), seeds, problem.limits()):
            value = decode_generated_input(problem, outcome.value) if outcome.ok else None
            if value is not None and _small(value) and json.dumps(value) not in seen:
                seen.add(json.dumps(value))
                random_inputs.append(value)
            if len(random_inputs) == RANDOM_POOL:
                break
    pools = {"random": random_inputs or attack, "attack": attack or random_inputs}
    known = [x for pool in pools.values() for x in pool]
    outputs = {}
    for value, outcome in zip(known, executor.run(problem.program(problem.reference), known, problem.limits())):
        if outcome.ok:
            outputs[json.dumps(_shown(problem, value))] = outcome.value if problem.io == "function" else outcome.stdout
    return {"pools": pools, "outputs": outputs}


class _LazyExecutor:
    """An executor made on first use (the server's model needs one only for an input it has not seen)."""

    def __init__(self):
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def run(self, *args, **kwargs):
        with self._lock:
            if self._executor is None:
                self._executor = Executor()
        return self._executor.run(*args, **kwargs)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()


class ProblemModel(RunScript):
    """The tests' scripted competent model (`RunScript`) for any sample problem, answering each call by its identity
    (the sample index in SAMPLE_HEADER) rather than by arrival order: see the module docstring."""

    def __init__(self, problem: Problem, data: dict, unusable_every: int, hard_every: int):
        generator = (problem.generator or "") + (
            "\n\n_problem_generate = generate\n\n\n"
            "def generate(rng, kind):\n"
            "    return _problem_generate(rng, \"random\")\n")
        super().__init__(problem, _LazyExecutor(), data["pools"],
                         f"Here is a generator:\n\n```python\n{generator.strip()}\n```\n")
        self._outputs.update(data["outputs"])  # RunScript's cache of reference outputs: no sandbox work in the server
        self.unusable_every = unusable_every
        self.hard_every = hard_every
        if problem.hints:
            self.answers["hints"] = "The approaches:\n\n```json\n" + json.dumps(list(problem.hints)) + "\n```\n"
        if problem.attacks:
            known = list(problem.attacks)

            def attacks(request, n):
                chosen = [known[(n + i) % len(known)] for i in range(min(3, len(known)))]
                return "It could fail on:\n\n" + "\n".join(f"{i + 1}. {a}" for i, a in enumerate(chosen)) + "\n"

            self.answers["attacks"] = attacks

    def __call__(self, request) -> str:
        kind = request_kind(request)
        n = _mix(kind, int(request.headers.get(SAMPLE_HEADER, "0")))
        if self.unusable_every > 0 and kind in UNUSABLE_KINDS and n % self.unusable_every == 0:
            return UNUSABLE
        prompt = request.texts()[-1]
        if kind == "predict_output" and self.hard_every > 0 and _mix(prompt) % self.hard_every == 0 and (n >> 8) % 2:
            output = self.reference_output(prompt)
            if self.problem.io == "function":
                return f"Working it out by hand.\n\n```json\n{json.dumps([output, 0])}\n```"
            return f"Tracing it by hand.\n\nFinal answer:\n\n```output\n{output.rstrip()} 0\n```"
        answer = self.answers.get(kind)
        if answer is None:
            return "I am not sure what you are asking for."
        return answer(request, n >> 16) if callable(answer) else answer


class LatencyResponder:
    """The server's responder: the scripted model's answer, delivered `latency_s` after the request arrived."""

    def __init__(self, model: ProblemModel):
        self.model = model
        self.latency_s = 0.0

    def __call__(self, request) -> Reply:
        text = self.model(request)
        left = self.latency_s - (time.monotonic() - request.received_at)
        return Reply(text, delay_s=max(0.0, left))


def serve(conn, problem_path: str, data: dict, unusable_every: int, hard_every: int, backlog: int) -> None:
    """The fake model server's process: serves until told to stop; ("latency", s) sets the latency and returns the
    previous run's peak of requests in flight."""
    # The fake server's accept queue (256 by default) must hold a burst of parallel connections: a dropped one
    # costs a client a 1 s SYN retransmission, an artefact of the fake server, not of a model API.
    fake_llm_server._Server.request_queue_size = backlog
    model = ProblemModel(load_problem(problem_path), data, unusable_every, hard_every)
    responder = LatencyResponder(model)
    try:
        with FakeLLMServer(responder) as server:
            conn.send(server.openai_base_url)
            while True:
                message = conn.recv()
                if message[0] != "latency":
                    break
                peak, server.max_in_flight = server.max_in_flight, 0
                responder.latency_s = message[1]
                conn.send(peak)
            conn.send(server.max_in_flight)
    finally:
        model.executor.close()


class ServerProcess:
    def __init__(self, problem: Problem, data: dict, unusable_every: int, hard_every: int, backlog: int):
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, str(problem.path), data, unusable_every,
                                                           hard_every, backlog), daemon=True)
        self.process.start()
        self.base_url = self._conn.recv()

    def set_latency(self, seconds: float) -> int:
        """Sets the latency of the next calls; returns the peak of requests in flight since the last call."""
        self._conn.send(("latency", seconds))
        return self._conn.recv()

    def stop(self) -> None:
        try:
            self._conn.send(("stop",))
            self._conn.recv()
        except (OSError, EOFError):
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()


def tag_requests(player) -> None:
    """Sends each call's sample index in a header (the SDK's per-request `extra_headers`), so that the fake server can
    answer by call identity. Everything else of the OpenAI adapter runs as it is."""
    model = player.client.model
    original = model._call

    async def call(client, messages, config):
        create = functools.partial(client.chat.completions.create,
                                   extra_headers={SAMPLE_HEADER: str(config.sample_index)})
        return await original(SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create))),
                              messages, config)

    model._call = call


# ---- one measured run -----------------------------------------------------------------------------------------------


@dataclass
class Call:
    kind: str
    index: int  # the request index (the sample index without the attempt and seed strides)
    start: float  # time.time() when the call was made (before waiting for a concurrency slot)
    sent: float  # when it had its slot and the adapter started the request
    end: float


@dataclass
class StepRecord:
    name: str
    round: int
    base: int  # the run's last request index before the step
    wall: float = 0.0
    calls: list[Call] = field(default_factory=list)


@dataclass
class RunResult:
    concurrency: int
    wall: float
    steps: list[StepRecord]
    summary: dict
    parse_failures: int
    server_max_in_flight: int = 0

    @property
    def calls(self) -> int:
        return sum(len(s.calls) for s in self.steps)

    @property
    def mean_call_s(self) -> float:
        durations = [c.end - c.sent for s in self.steps for c in s.calls]
        return sum(durations) / max(len(durations), 1)

    @property
    def slot_wait(self) -> float:
        return sum(c.sent - c.start for s in self.steps for c in s.calls)

    @property
    def model_busy(self) -> float:
        """Seconds during which at least one call was under way (made and not yet answered)."""
        intervals = sorted((c.start, c.end) for s in self.steps for c in s.calls)
        busy, until = 0.0, float("-inf")
        for start, end in intervals:
            if end > until:
                busy += end - max(start, until)
                until = end
        return busy


class Recorder:
    """Receives the player's events: keeps each model call with its step and timing."""

    def __init__(self):
        self.step: StepRecord | None = None
        self.parse_failures = 0

    def __call__(self, event: dict) -> None:
        if event.get("type") == "parse_failure":
            self.parse_failures += 1
        if event.get("type") != "model_call" or self.step is None:
            return
        now = time.time()
        sample = event["config"]["sample_index"]
        match = MARK.search(event["messages"][-1]["content"])
        self.step.calls.append(Call(kind=match.group(1) if match else "unknown", index=sample % RETRY_STRIDE,
                                    start=event["time"], sent=now - (event.get("latency_s") or 0.0), end=now))


def measure(problem: Problem, server: ServerProcess, executor: Executor, config: RunConfig, latency_s: float,
            concurrency: int) -> RunResult:
    server.set_latency(latency_s)
    recorder = Recorder()
    steps: list[StepRecord] = []
    with tempfile.TemporaryDirectory(prefix="cosplay-latency-") as out:
        backbone = BackboneSettings(model=MODEL, base_url=server.base_url, api_key=API_KEY, cache_dir=False,
                                    concurrency=concurrency)
        run = start_run(problem, config, executor, backbone, out_dir=out, ground_truth=NoGroundTruth(problem, executor),
                        resume=False)
        tag_requests(run.player)
        relay = run.player.on_event
        write_trace = relay.target
        relay.target = lambda event: (recorder(event), write_trace(event))

        async def drive() -> float:
            try:
                started = time.perf_counter()
                while not run.done:
                    record = StepRecord(run.cursor, run.round, run.indices.last)
                    recorder.step = record
                    t0, baselines = time.perf_counter(), run.baseline_wall_s
                    snapshot = await run.astep()
                    record.wall = time.perf_counter() - t0 - (run.baseline_wall_s - baselines)
                    record.round = snapshot.round
                    steps.append(record)
                return time.perf_counter() - started - run.baseline_wall_s
            finally:
                await run.player.aclose()

        try:
            wall = asyncio.run(drive())
            summary = run.summary()
        finally:
            run.close()
    return RunResult(concurrency, wall, steps, summary, recorder.parse_failures, server.set_latency(0.0))


# ---- dependency chains ----------------------------------------------------------------------------------------------


def task_sizes(config: RunConfig) -> dict[str, int | None]:
    """Request indices per independent task of each step, as the stages reserve them (None: one task)."""
    code_attempts = inspect.signature(ideas.write_codes).parameters["attempts"].default
    test_block = ideas.test_block_size(config)
    return {"hints": None, "plans": 1, "attacks": 1, "codes": code_attempts, "tests": test_block, "clean": 1,
            "coupling": None, "fix": 1, "trivial": test_block, "inputs": None, "select": None}


def step_chain(step: StepRecord, sizes: dict[str, int | None]) -> int:
    """The longest chain of dependent calls of a step (see the module docstring)."""
    cost: Counter = Counter((c.kind, c.index) for c in step.calls)
    size = sizes[step.name]
    tasks: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for kind, index in cost:
        tasks[0 if size is None else (index - step.base - 1) // size].append((kind, index))
    longest = 0
    for requests in tasks.values():
        requests.sort(key=lambda r: (r[1], SEQUENTIAL_KIND_ORDER.get(r[0], 0)))
        chain, votes, last_vote = 0, 0, None
        for kind, index in requests:
            if kind == "predict_output" and last_vote is not None and index == last_vote + 1:
                votes = max(votes, cost[kind, index])  # another vote of the same prediction: in parallel
            else:
                chain, votes = chain + votes, 0
                if kind == "predict_output":
                    votes = cost[kind, index]
                else:
                    chain += cost[kind, index]
            last_vote = index if kind == "predict_output" else None
        longest = max(longest, chain + votes)
    return longest


@dataclass
class Figures:
    chains: list[int]
    critical: float
    critical_strict: float
    sequential: float
    bound: float

    @property
    def chain(self) -> int:
        return sum(self.chains)


def figures(result: RunResult, zero: RunResult, sizes: dict[str, int | None], latency_s: float) -> Figures:
    chains = [step_chain(s, sizes) for s in result.steps]
    t0, t0_strict = zero.wall, zero.wall - zero.model_busy
    bound = sum(max(ch, len(s.calls) / result.concurrency) for ch, s in zip(chains, result.steps)) * latency_s + t0
    return Figures(chains, sum(chains) * latency_s + t0, sum(chains) * latency_s + t0_strict,
                   result.calls * latency_s + t0, bound)


def shape(result: RunResult) -> list[tuple]:
    return [(s.name, s.round, sorted((c.kind, c.index) for c in s.calls)) for s in result.steps]


# ---- main -----------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default=str(ROOT / "sample_problems" / "max_subarray"))
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=8, help="the default concurrency (default 8)")
    parser.add_argument("--high-concurrency", type=int, default=64, help="the high concurrency (default 64)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unusable-every", type=int, default=UNUSABLE_EVERY,
                        help=f"about one code / test input / output / repair answer in N is unusable (default "
                             f"{UNUSABLE_EVERY}; 0: none)")
    parser.add_argument("--hard-every", type=int, default=HARD_EVERY,
                        help=f"about one input in N gets split votes (default {HARD_EVERY}; 0: every vote right)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs at each concurrency at the latency, the median shown (default 1)")
    parser.add_argument("--zero-runs", type=int, default=3,
                        help="runs at 0 ms latency, T0 being the least wall time (default 3)")
    parser.add_argument("--listen-backlog", type=int, default=LISTEN_BACKLOG,
                        help=f"the fake server's accept queue (default {LISTEN_BACKLOG}; its own default is "
                             f"{fake_llm_server._Server.request_queue_size})")
    args = parser.parse_args()
    problem = load_problem(args.problem)
    config = RunConfig(seed=args.seed)
    latency = args.latency_ms / 1000
    sizes = task_sizes(config)
    print(f"{problem.slug}: {MODEL} through the OpenAI SDK adapter; fake server on 127.0.0.1 (own process), "
          f"{args.latency_ms:g} ms a call; response cache off; seed {args.seed}; default run ({config.codes} codes, "
          f"{config.tests} UTs, up to {config.rounds} rounds, {config.inputs} inputs, {config.votes} votes); "
          f"~1 in {args.unusable_every} answers unusable, ~1 in {args.hard_every} inputs with split votes")

    with Executor() as executor:
        server = ServerProcess(problem, model_data(problem, executor, args.seed), args.unusable_every,
                               args.hard_every, args.listen_backlog)
        try:
            zeros = [measure(problem, server, executor, config, 0.0, args.high_concurrency)
                     for _ in range(args.zero_runs)]
            repeats = {c: [measure(problem, server, executor, config, latency, c) for _ in range(args.repeat)]
                       for c in (args.concurrency, args.high_concurrency)}
        finally:
            server.stop()

    zero = min(zeros, key=lambda r: r.wall)
    # with --repeat, the run of median wall time stands for its concurrency
    runs = [sorted(rs, key=lambda r: r.wall)[(len(rs) - 1) // 2] for rs in repeats.values()]
    every_run = [*zeros, *(r for rs in repeats.values() for r in rs)]
    t0 = zero.wall
    t0_strict = t0 - zero.model_busy
    label = f"{args.latency_ms:g} ms"
    print(f"\nT0 = wall of the same run at 0 ms latency (concurrency {zero.concurrency}), the least of "
          f"{len(zeros)} ({', '.join(f'{r.wall:.2f}' for r in zeros)} s): {t0:.2f} s; T0' = its time with no call "
          f"under way: {t0_strict:.2f} s ({zero.calls} calls of {zero.mean_call_s * 1000:.1f} ms on average, "
          f"{len(zero.steps)} steps)")
    print(f"\n{'run':<24} {'calls':>5} {'chain':>5} {'wall s':>7} {'critical':>8} {CRITICAL_STRICT:>9} "
          f"{'bound(c)':>8} {'sequential':>10} {'wall/crit':>9} {'in flight':>9} {'slot wait s':>11} {'call ms':>7}")
    results = []
    for result in runs:
        fig = figures(result, zero, sizes, latency)
        results.append((result, fig))
        print(f"{label + ', concurrency ' + str(result.concurrency):<24} {result.calls:5d} {fig.chain:5d} "
              f"{result.wall:7.2f} {fig.critical:8.2f} {fig.critical_strict:9.2f} {fig.bound:8.2f} "
              f"{fig.sequential:10.2f} {result.wall / fig.critical:9.2f} {result.server_max_in_flight:9d} "
              f"{result.slot_wait:11.1f} {result.mean_call_s * 1000:7.1f}")
    same = all(shape(result) == shape(zero) for result in every_run)
    if args.repeat > 1:
        for concurrency, rs in repeats.items():
            print(f"walls at concurrency {concurrency}: {', '.join(f'{r.wall:.2f}' for r in rs)} s (median shown)")

    (low, low_fig), (high, high_fig) = results[0], results[-1]
    print(f"\nper step (calls and chain: the run at concurrency {high.concurrency}, the same in all runs: {same}; "
          f"bound = chain x L + the step's wall at 0 ms; span/L: see the docstring):")
    print(f"{'#':>3} {'step':<9} {'round':>5} {'calls':>5} {'chain':>5} {'0 ms s':>7} {'bound s':>7} "
          f"{'c=' + str(high.concurrency) + ' s':>8} {'span/L':>6} {'bound c=' + str(low.concurrency):>10} "
          f"{'c=' + str(low.concurrency) + ' s':>8}")
    excess = 0.0
    for i, (step, chain) in enumerate(zip(high.steps, high_fig.chains)):
        z = zero.steps[i].wall if i < len(zero.steps) and zero.steps[i].name == step.name else None
        lw = low.steps[i].wall if i < len(low.steps) and low.steps[i].name == step.name else None
        span = (max(c.end for c in step.calls) - min(c.start for c in step.calls)) / latency if step.calls else 0.0
        excess += max(0.0, span - chain) * latency
        low_bound = None if z is None else max(chain, len(step.calls) / low.concurrency) * latency + z
        print(f"{i:3d} {step.name:<9} {step.round:5d} {len(step.calls):5d} {chain:5d} "
              f"{'-' if z is None else f'{z:.2f}':>7} {'-' if z is None else f'{chain * latency + z:.2f}':>7} "
              f"{step.wall:8.2f} {span:6.1f} {'-' if low_bound is None else f'{low_bound:.2f}':>10} "
              f"{'-' if lw is None else f'{lw:.2f}':>8}")

    ratio = high.wall / high_fig.critical
    print(f"\ncritical path = chain x L + T0 = {high_fig.chain} x {latency:g} s + {t0:.2f} s = "
          f"{high_fig.critical:.2f} s (critical path' with T0' = {high_fig.critical_strict:.2f} s); strictly "
          f"sequential = calls x L + T0 = {high.calls} x {latency:g} s + {t0:.2f} s = {high_fig.sequential:.2f} s")
    print(f"concurrency {high.concurrency}: wall {high.wall:.2f} s = {ratio:.2f} x the critical path "
          f"({high.wall / high_fig.critical_strict:.2f} x critical path'), {high_fig.sequential / high.wall:.1f}x "
          f"faster than strictly sequential; calls' spans beyond their steps' chains: {excess:.2f} s in all; "
          f"TARGET (wall <= 1.5 x critical path): {'MET' if ratio <= 1.5 else 'NOT MET'}")
    print(f"concurrency {low.concurrency}: wall {low.wall:.2f} s = {low.wall / low_fig.critical:.2f} x the critical "
          f"path, {low.wall / low_fig.bound:.2f} x the bound at concurrency {low.concurrency} ({low_fig.bound:.2f} s), "
          f"{low_fig.sequential / low.wall:.1f}x faster than strictly sequential (the target is for the high "
          f"concurrency: at {low.concurrency} the cap binds)")
    # steps the engine orders but their data do not: `codes` needs only the plans (not the attack ideas, which only
    # the UTs use), `inputs` (stage 3's random inputs) needs only the problem
    walls = {s.name: s.wall for s in high.steps if s.round == 0}
    chains = {s.name: ch for s, ch in zip(high.steps, high_fig.chains) if s.round == 0}
    hidden = walls.get("codes", 0.0) if chains.get("codes", 0) <= chains.get("attacks", 0) + chains.get("tests", 0) \
        else 0.0
    hidden += walls.get("inputs", 0.0)
    print(f"ordered by the engine, not by their data: codes after attacks (codes need only the plans; chain "
          f"{chains.get('codes', 0)}, {walls.get('codes', 0.0):.2f} s at concurrency {high.concurrency}, shorter than "
          f"attacks + tests beside which they could run), inputs after the last round (they need only the problem; "
          f"chain {chains.get('inputs', 0)}, {walls.get('inputs', 0.0):.2f} s): a data-flow order would save up to "
          f"{hidden:.2f} s ({100 * hidden / high.wall:.0f}% of the wall)")
    finished = all(r.summary["stopped"] is None and r.summary["selected"] for r in every_run)
    print(f"all runs finished with a selection: {finished}; the same calls step by step: {same}; rounds "
          f"{len(high.summary['rounds'])}; parse failures {high.parse_failures} a run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
