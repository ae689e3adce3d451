"""`codet-humaneval-codegen16b`: CodeT's recorded CodeGen-Mono-16B samples for HumanEval, from microsoft/CodeT.

Upstream (github.com/microsoft/CodeT, MIT, `CodeT/data/`, plain HTTPS at a pinned commit; CodeT's README describes
the folder, and its `src/main.py` reads the three files):
- `dataset/HumanEval_for_code_generation.jsonl`: HumanEval in CodeT's layout (`task_id`, `prompt`, `entry_point`,
  `canonical_solution`, `test`), one object a line;
- `generated_data/HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_code_solution.jsonl`: `{"prompt",
  "samples": [100 strings]}`, each sample the body that continues `prompt`;
- `generated_data/..._test_case.jsonl`: `{"prompt", "samples"}`, `prompt` ending with `assert `, each sample the
  assert statements that continue it.

Converted: the three files, unchanged, under the names `load_codet_pools` reads (`problems.jsonl`,
`code_solution.jsonl`, `test_case.jsonl`), after the pools load. The folder is what `--model pool:<folder>`
replays; its `problems.jsonl` is the HumanEval file `cosplay bench` runs. The checksums are those of the files at
the pinned commit (the same bytes as `../shared/data/humaneval_codegen16b`, decompressed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cosplay_core.datasets.cache import DataError, Say, Source

COMMIT = "35f54d60b152cc31d134b788e702878ad613d9f7"
_BASE = f"https://raw.githubusercontent.com/microsoft/CodeT/{COMMIT}/CodeT/data"
_SAMPLES = "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300"
PROBLEMS = "HumanEval_for_code_generation.jsonl"
CODES = f"{_SAMPLES}_code_solution.jsonl"
TESTS = f"{_SAMPLES}_test_case.jsonl"
SOURCES = (
    Source(PROBLEMS, f"{_BASE}/dataset/{PROBLEMS}",
           sha256="882c3d56432b2b5b9e568398d7ebdf54f2c84fdb05fef3b833a3d935ad71861c", size=188_814),
    Source(CODES, f"{_BASE}/generated_data/{CODES}",
           sha256="239b84349993c19a98bc4bf96a9a9ac47908125b3242db72788471e6c58728d5", size=3_844_578),
    Source(TESTS, f"{_BASE}/generated_data/{TESTS}",
           sha256="ac10882a8b480ab04e591f39a4c62ce8faa1c207aae1c3e4679ad9ec8215a255", size=2_760_232),
)
_LAYOUT = {PROBLEMS: "problems.jsonl", CODES: "code_solution.jsonl", TESTS: "test_case.jsonl"}


def convert(files: dict[str, Path], out: Path, options: dict, say: Say | None = None) -> dict:
    """The three files under the names `load_codet_pools` reads, once the pools load; the manifest's fields
    (`entry` is the problems file; the folder itself is the pool)."""
    from cosplay_core.benchmarks import load_codet_pools
    from cosplay_core.problem import ProblemError

    for upstream, name in _LAYOUT.items():
        shutil.copyfile(files[upstream], out / name)
    try:
        pools = load_codet_pools(out)
    except ProblemError as exc:
        raise DataError(str(exc)) from None
    samples = sum(len(pool.codes) for pool in pools.values())
    return {"entry": "problems.jsonl", "pool": ".", "problems": len(pools),
            "notes": [f"{samples:,} code samples after CodeT's truncation"]}
