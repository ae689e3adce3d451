"""`humaneval`: OpenAI's 164 HumanEval problems, from openai/human-eval on GitHub by plain HTTPS.

Upstream: `data/HumanEval.jsonl.gz` of github.com/openai/human-eval (MIT), one JSON object a line with `task_id`,
`prompt`, `canonical_solution`, `test` (a `check(candidate)` function) and `entry_point` (human-eval's `data.py`
reads it with `read_problems`; evalplus's `get_human_eval` downloads the same file). That is already the project's
HumanEval format, so the converted file is the upstream file itself, once `load_humaneval` has read every record.
The pinned SHA-256 is that of the file at the pinned commit (the same bytes ship in the `human-eval` package).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cosplay_core.datasets.cache import DataError, Say, Source

COMMIT = "6d43fb980f9fee3c892a914eda09951f772ad10d"
FILE = "HumanEval.jsonl.gz"
SOURCES = (Source(FILE, f"https://raw.githubusercontent.com/openai/human-eval/{COMMIT}/data/{FILE}",
                  sha256="b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef", size=44_877),)


def convert(files: dict[str, Path], out: Path, options: dict, say: Say | None = None) -> dict:
    """Copies the verified upstream file into `out` after reading every record as a problem; the manifest's fields."""
    return copy_humaneval_file(files[FILE], out / FILE)


def copy_humaneval_file(source: Path, target: Path) -> dict:
    """`source` (HumanEval-format JSONL) copied to `target` once every record loads; {"entry", "problems"}."""
    from cosplay_core.benchmarks import load_humaneval
    from cosplay_core.problem import ProblemError

    try:
        problems = load_humaneval(source)
    except ProblemError as exc:
        raise DataError(str(exc)) from None
    shutil.copyfile(source, target)
    return {"entry": target.name, "problems": len(problems)}
