"""Benchmark data sets as problems and recorded pools: HumanEval (with its `check` ground truth) and CodeT's
recorded CodeGen-16B samples for it.

    problems = load_humaneval("../shared/data/HumanEval.jsonl.gz")
    passed = gt_pass_vector(problems[0], [problems[0].reference], Executor())
    pools = load_codet_pools("../shared/data/humaneval_codegen16b")   # {task_id: CodetPool}
"""

from cosplay_core.benchmarks.codet_pools import (
    CodetPool,
    codet_truncate,
    load_codet_pools,
    parse_test_sample,
    split_test_sample,
    truncate_code_sample,
)
from cosplay_core.benchmarks.humaneval import (
    HumanEvalProblem,
    extract_io_tests,
    gt_check_outcomes,
    gt_check_program,
    gt_pass_vector,
    load_humaneval,
    load_humaneval_record,
)

__all__ = [
    "CodetPool",
    "HumanEvalProblem",
    "codet_truncate",
    "extract_io_tests",
    "gt_check_outcomes",
    "gt_check_program",
    "gt_pass_vector",
    "load_codet_pools",
    "load_humaneval",
    "load_humaneval_record",
    "parse_test_sample",
    "split_test_sample",
    "truncate_code_sample",
]
