"""How long `cosplay data get humaneval-plus` takes to convert, and whether the converted `check` accepts every
canonical solution, on a HumanEval+-shaped release made here (the real one cannot be downloaded on this machine).

The release: 40 HumanEval problems (benchmarks/evalplus_workload.py's selection), each with the inputs its `check`
makes and more from EvalPlus's own type-aware mutator, written as EvalPlus release records (`base_input`,
`plus_input`, no outputs). It is converted by `cosplay_core.datasets.humaneval_plus.convert` (the canonical solution
run in the sandbox on every input), and every problem's canonical solution is then judged by the converted `check`
through the project's ground truth (check_replay.py).

    .venv/bin/pip install -r benchmarks/requirements-evalplus.txt
    .venv/bin/python benchmarks/data_convert.py [--per-problem 180]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import evalplus_workload as workload  # noqa: E402

from cosplay_core.benchmarks import gt_verdicts, load_humaneval  # noqa: E402
from cosplay_core.datasets import humaneval_plus  # noqa: E402
from cosplay_core.sandbox import Executor  # noqa: E402

HUMANEVAL = ROOT.parent / "shared" / "data" / "HumanEval.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-problem", type=int, default=180, help="inputs per problem to aim for (default 180)")
    args = parser.parse_args()
    started = time.perf_counter()
    tasks = workload.build_workload(HUMANEVAL, per_problem=args.per_problem, seed=0)
    records = {r["task_id"]: r for r in workload.select_records(HUMANEVAL)}
    folder = Path(tempfile.mkdtemp(prefix="data-convert-"))
    release = folder / humaneval_plus.FILE
    with gzip.open(release, "wt", encoding="utf-8") as stream:
        for task in tasks:
            record = records[task.task_id]
            stream.write(json.dumps({"task_id": task.task_id, "prompt": record["prompt"],
                                     "entry_point": record["entry_point"],
                                     "canonical_solution": record["canonical_solution"], "contract": "",
                                     "base_input": task.inputs[:task.base_inputs],
                                     "plus_input": task.inputs[task.base_inputs:], "atol": 0}) + "\n")
    inputs = sum(len(task.inputs) for task in tasks)
    print(f"release: {len(tasks)} problems, {inputs:,} inputs (built in {time.perf_counter() - started:.0f} s)")
    converted = folder / "converted"
    converted.mkdir()
    started = time.perf_counter()
    manifest = humaneval_plus.convert({humaneval_plus.FILE: release}, converted, {})
    print(f"converted in {time.perf_counter() - started:.1f} s: {manifest['notes']}")
    problems = load_humaneval(converted / manifest["entry"])
    started = time.perf_counter()
    with Executor() as executor:
        failing = [(p.slug, v.reason) for p in problems for v in gt_verdicts(p, [p.reference], executor)
                   if not v.correct]
    print(f"canonical solutions accepted by the converted check: {len(problems) - len(failing)}/{len(problems)} "
          f"(judged in {time.perf_counter() - started:.1f} s){'; failing: ' + str(failing) if failing else ''}")


if __name__ == "__main__":
    main()
