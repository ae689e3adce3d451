"""`humaneval-plus`: HumanEval+ (EvalPlus v0.1.10), HumanEval with about 80 times more tests, from GitHub.

Upstream: `HumanEvalPlus.jsonl.gz` of the `v0.1.10` release of github.com/evalplus/humanevalplus_release (the URL
and version evalplus's `evalplus/data/humaneval.py` and `data/utils.py: get_dataset_metadata` use), plain HTTPS.
The pinned SHA-256 is the one several public projects record for that asset (no copy could be read here).
Converted by `evalplus.convert_release` into `HumanEvalPlus.jsonl.gz`, HumanEval format; HumanEval/32
(`find_zero`) keeps EvalPlus's special oracle: the returned x must be a zero of the polynomial within `atol`.
"""

from __future__ import annotations

from pathlib import Path

from cosplay_core.datasets.cache import Say, Source
from cosplay_core.datasets.evalplus import Oracle, convert_release, default_line, read_release

VERSION = "v0.1.10"
FILE = f"HumanEvalPlus-{VERSION}.jsonl.gz"
OUTPUT = "HumanEvalPlus.jsonl.gz"
SOURCES = (Source(FILE, f"https://github.com/evalplus/humanevalplus_release/releases/download/{VERSION}/"
                        "HumanEvalPlus.jsonl.gz",
                  sha256="272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101"),)

_POLY = '''

def _poly(xs, x):
    return sum(coefficient * math.pow(x, power) for power, coefficient in enumerate(xs))
'''
ORACLES = {
    # evalplus/eval/_special_oracle.py `_poly`: the candidate's x must make the polynomial vanish within atol
    "find_zero": Oracle(lambda args, value, expected, atol: f"assert abs(_poly({args}, candidate({args}))) <= "
                                                            f"{atol!r}",
                        helpers="\nimport math\n" + _POLY),
}


def oracle_for(record: dict) -> Oracle:
    return ORACLES.get(record["entry_point"], Oracle(default_line))


def convert(files: dict[str, Path], out: Path, options: dict, say: Say | None = None) -> dict:
    """HumanEval+ as HumanEval-format records with every test in `check`; the manifest's fields."""
    return convert_release(read_release(files[FILE]), out, OUTPUT, f"HumanEval+ {VERSION}", oracle_for, say=say)
