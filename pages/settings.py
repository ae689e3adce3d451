"""The Run page's settings, kept for the whole session and in the page's URL, and what they build.

Streamlit forgets a widget's value when a page without that widget runs. `restore()` runs at the start of every
script run: it copies the values the widgets hold into `st.session_state["settings"]` and gives every widget that
is not on screen its value back from there, so the Run page finds its settings after a visit to another page.
`sync_url()` writes the settings that differ from the defaults into `st.query_params` (never a key), and the first
run of a session reads them back, so a link reproduces a run's settings.

`build_problem`, `build_backbone` and `build_config` turn the settings into what `start_run` takes, or into one
line saying what is wrong; the Run page shows that line, and the controls of every page start a run from the same
settings.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path
from typing import Any

import streamlit as st

from cosplay_core.config import DEFAULT_TRUSTED_MIN_SUPPORT, Policies, RunConfig
from cosplay_core.players.sim import SimSkills
from cosplay_core.problem import Problem, ProblemError, load_problem, problem_from_text
from pages.safety import SERVER_KEYS_VARIABLE, checked_path, checked_record, server_keys_allowed

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_problems"
RUNS_VARIABLE = "COSPLAY_RUNS_DIR"


def runs_dir() -> Path:
    """Where the app saves runs and lists saved ones: `runs/` in the project, or COSPLAY_RUNS_DIR."""
    return Path(os.environ.get(RUNS_VARIABLE) or ROOT / "runs")

DEFAULT_SAMPLE = "weighted_jobs"

SOURCES = ("Sample problem", "Paste a statement", "Benchmark record")
BACKBONE_KINDS = ("sim", "candidates", "anthropic", "openai", "compatible", "pool")
MODEL_DEFAULTS = {"anthropic": "claude-sonnet-4-5", "openai": "gpt-4o", "compatible": "llama3.1:8b"}
COMPARES = ("tokens", "exact", "float:1e-6")

DEFAULTS: dict[str, Any] = {
    "problem_source": SOURCES[0], "sample": DEFAULT_SAMPLE,
    "statement": "", "paste_io": "stdin", "paste_entry": "", "paste_limit": 2.0, "paste_compare": "tokens",
    "paste_examples": "", "record_path": "",
    "backbone_kind": "sim", "skill_code": SimSkills().code, "skill_test": SimSkills().test,
    "skill_repair": SimSkills().repair, "pool_folder": "",
    **{f"model_{kind}": model for kind, model in MODEL_DEFAULTS.items()},
    "base_url": "http://localhost:11434/v1", "cand_codes": "", "cand_tests": "",
    "codes": 16, "tests": 16, "rounds": 5, "inputs": 16, "votes": 4, "seed": 0, "concurrency": 8, "max_calls": 0,
    "relative_time_limit": 20.0, "trusted_min_support": DEFAULT_TRUSTED_MIN_SUPPORT,
    **{f"policy_{name}": getattr(Policies(), name) for name in Policies.names()},
    "show_gt": False,
}
"""Every kept setting (its widget's key) and its default. API keys are never among them."""

CHOICES: dict[str, tuple] = {"problem_source": SOURCES, "paste_io": ("stdin", "function"),
                             "paste_compare": COMPARES, "backbone_kind": BACKBONE_KINDS}
BOUNDS: dict[str, tuple[float, float]] = {
    "paste_limit": (0.1, 60.0), "skill_code": (0.0, 1.0), "skill_test": (0.0, 1.0), "skill_repair": (0.0, 1.0),
    "codes": (1, 64), "tests": (1, 64), "rounds": (0, 20), "inputs": (1, 64), "votes": (1, 8), "seed": (0, 10 ** 6),
    "concurrency": (1, 32), "max_calls": (0, 100000), "relative_time_limit": (0.0, 1000.0),
    "trusted_min_support": (0.0, 1.0)}
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "Default tour": ("The defaults: weighted_jobs on sim, 16 codes × 16 UTs, 5 rounds.", {}),
    "Spurious coupling appears and breaks": (
        "weighted_jobs with sim's test skill at 0.3: wrong predictions are frequent and share bugs with wrong codes, "
        "so wrong UTs and wrong codes agree (spurious couplings); self-play breaks one of the two in 2 rounds, the "
        "other survives. Open Ground truth & coupling after the run.",
        {"sample": "weighted_jobs", "skill_test": 0.3, "codes": 6, "tests": 6, "rounds": 2, "inputs": 6, "seed": 1}),
}
"""Settings for a tour: a name, what it shows, and the settings that differ from the defaults."""

LONG_TEXTS = ("statement", "paste_examples", "cand_codes", "cand_tests")
URL_TEXT_LIMIT = 4000  # characters of pasted text a link carries; a longer statement stays out of the URL


def sample_names() -> list[str]:
    return sorted(p.name for p in SAMPLES.iterdir() if (p / "problem.toml").exists())


def parse(name: str, text: str) -> Any:
    """The value of setting `name` from its URL text; ValueError when it is not a valid value."""
    default = DEFAULTS[name]
    if isinstance(default, bool):
        if text not in ("1", "0", "true", "false"):
            raise ValueError(name)
        return text in ("1", "true")
    if isinstance(default, (int, float)):
        number = int(text) if isinstance(default, int) else float(text)
        low, high = BOUNDS.get(name, (-math.inf, math.inf))
        if not (math.isfinite(number) and low <= number <= high):
            raise ValueError(name)
        return number
    if name in CHOICES and text not in CHOICES[name]:
        raise ValueError(name)
    if name == "sample" and text not in sample_names():
        raise ValueError(name)
    return text


def from_query(params: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The settings a URL's query holds, and the names of the parameters it holds that are not valid settings."""
    values, ignored = {}, []
    for name, text in params.items():
        if name not in DEFAULTS:
            if name != "run":
                ignored.append(name)
            continue
        try:
            values[name] = parse(name, text)
        except ValueError:
            ignored.append(name)
    return values, ignored


def to_query(settings: dict[str, Any]) -> dict[str, str]:
    """The settings that differ from the defaults, as URL text (pasted text only when short enough)."""
    query = {}
    for name, default in DEFAULTS.items():
        value = settings.get(name, default)
        if value == default:
            continue
        if isinstance(value, bool):
            query[name] = "1" if value else "0"
        elif isinstance(value, str) and name in LONG_TEXTS and len(value) > URL_TEXT_LIMIT:
            continue
        else:
            query[name] = str(value)
    return query


def restore() -> dict[str, Any]:
    """Keeps the settings across pages (see the module docstring) and returns them. Runs first on every page."""
    state = st.session_state
    if "settings" not in state:
        values, ignored = from_query(dict(st.query_params))
        state["settings"] = dict(DEFAULTS, **values)
        if st.query_params.get("run"):
            state["run_from_url"] = st.query_params["run"]  # a saved run the link shows (see `common.header`)
        if ignored:
            state["url_ignored"] = ignored
    settings = state["settings"]
    for name in DEFAULTS:
        if name in state:
            settings[name] = state[name]
        # Assigned on every run, even unchanged: a value set through the Session State API is not deleted with
        # the widget when a page without it runs (Streamlit's documented way to keep widget values across pages).
        state[name] = settings[name]
    return settings


def apply_preset(name: str) -> None:
    """Sets every kept setting to the preset's values (the defaults elsewhere); a button's callback."""
    values = dict(DEFAULTS, **PRESETS[name][1])
    st.session_state["settings"] = values
    for key, value in values.items():
        st.session_state[key] = value


def sync_url(extra: dict[str, str] | None = None) -> None:
    """Writes the settings (and `extra`, such as the run shown) into the page's URL."""
    wanted = to_query(st.session_state.get("settings", DEFAULTS)) | (extra or {})
    st.query_params.from_dict(wanted)  # written on every run: a page switch empties the browser's URL


# -- what the settings build ---------------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=16)
def _record(reference: str):
    from cosplay_core.session import resolve_problem

    return resolve_problem(reference)


@st.cache_resource(show_spinner=False, max_entries=32)
def _sample(folder: str, version: tuple) -> Problem:
    return load_problem(Path(folder))


def sample_problem(name: str) -> Problem:
    """A sample problem, read once per version of its files (a page run asks for it several times; Problem is
    immutable, so sessions share it)."""
    folder = SAMPLES / name
    version = tuple(sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns, p.stat().st_size)
                           for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
    return _sample(str(folder), version)


def build_problem(s: dict[str, Any]) -> tuple[Problem | None, Any, str | None]:
    """(problem, its ground-truth scorer or None, None), or (None, None, why not) with an empty message when the
    settings simply name no problem yet."""
    source = s["problem_source"]
    try:
        if source == "Sample problem":
            return sample_problem(s["sample"]), None, None
        if source == "Paste a statement":
            if not s["statement"].strip():
                return None, None, ""
            examples, problems = io_blocks(s["paste_examples"])
            if problems:
                return None, None, "Examples: " + "; ".join(problems) + "."
            entry = s["paste_entry"].strip() if s["paste_io"] == "function" else None
            return problem_from_text(s["statement"], s["paste_io"], entry or None, float(s["paste_limit"]),
                                     s["paste_compare"], examples), None, None
        if not s["record_path"].strip():
            return None, None, ""
        reference, refusal = checked_record(s["record_path"])
        if refusal:
            return None, None, refusal
        problem, ground_truth = _record(reference)
        return problem, ground_truth, None
    except ProblemError as exc:
        return None, None, f"Problem: {exc}"


def server_keys() -> bool:
    return server_keys_allowed(st.get_option("server.address"))


def build_backbone(s: dict[str, Any]):
    """(BackboneSettings, None) or (None, why not); an empty reason when a field is simply not filled in yet. The key
    is read from its (never kept) field."""
    from cosplay_core.session import BackboneSettings

    kind = s["backbone_kind"]
    limits = {"concurrency": int(s["concurrency"]), "max_calls": int(s["max_calls"]) or None}
    if kind == "candidates":
        return candidates_backbone(s, limits)
    if kind == "sim":
        skills = SimSkills(code=float(s["skill_code"]), test=float(s["skill_test"]), repair=float(s["skill_repair"]))
        return BackboneSettings("sim", sim_skills=skills, **limits), None
    if kind == "pool":
        if not s["pool_folder"].strip():
            return None, ""
        path, refusal = checked_path(s["pool_folder"])
        return (None, refusal) if refusal else (BackboneSettings(f"pool:{path}", **limits), None)
    key = st.session_state.get(f"key_{kind}") or None
    if not key and not server_keys():
        if kind != "compatible":
            return None, ("Type a key: this app serves other machines, and the keys in its environment are used "
                          f"only when it is started with {SERVER_KEYS_VARIABLE}=1.")
        key = "EMPTY"  # a local server that checks no key; never the server's OPENAI_API_KEY
    prefix = "anthropic" if kind == "anthropic" else "openai"
    base_url = s["base_url"] if kind == "compatible" else None
    return BackboneSettings(f"{prefix}:{s[f'model_{kind}'].strip()}", base_url=base_url or None, api_key=key,
                            **limits), None


def build_config(s: dict[str, Any]) -> tuple[RunConfig | None, str | None]:
    switches = {name: bool(s[f"policy_{name}"]) for name in Policies.names()}
    try:
        return RunConfig(codes=int(s["codes"]), tests=int(s["tests"]), rounds=int(s["rounds"]),
                         inputs=int(s["inputs"]), votes=int(s["votes"]), seed=int(s["seed"]),
                         policies=Policies(**switches),
                         relative_time_limit=float(s["relative_time_limit"]) or None,
                         trusted_min_support=float(s["trusted_min_support"])), None
    except ValueError as exc:
        return None, f"Settings: {exc}"


# -- pasted text: examples, candidates, UTs ------------------------------------------------------------------------

CANDIDATE_SEPARATOR = re.compile(r"^#\s*-{3,}\s*$", re.MULTILINE)


def io_blocks(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The (input, output) pairs of `Input:` / `Output:` blocks, and one line per malformed block: an input with no
    output after it, or an output with no input before it, named by its line number."""
    from cosplay_core.parse import _match_label, extract_io_blocks

    problems, pending = [], None
    for number, line in enumerate(text.splitlines(), 1):
        label = _match_label(line)
        if label is None or label[0] not in ("input", "output"):
            continue
        if label[0] == "input":
            if pending is not None:
                problems.append(f"the Input at line {pending} has no Output after it")
            pending = number
        elif pending is None:
            problems.append(f"the Output at line {number} has no Input before it")
        else:
            pending = None
    if pending is not None:
        problems.append(f"the Input at line {pending} has no Output after it")
    return (extract_io_blocks(text) if text.strip() else []), problems


def split_candidates(text: str) -> list[str]:
    """Candidate programs pasted one after the other, separated by a line `# ---`."""
    return [part.strip("\n") + "\n" for part in CANDIDATE_SEPARATOR.split(text) if part.strip()]


def typed_tests(pairs: list[tuple[str, str]], io: str) -> list[tuple[Any, Any]]:
    """UT pairs as the problem's I/O takes them: text with a final newline (stdin), or JSON values (function mode);
    ValueError naming the UT when a function-mode value is not JSON."""
    import json

    if io != "function":
        return [(x if x.endswith("\n") else x + "\n", y) for x, y in pairs]
    typed = []
    for number, (x, y) in enumerate(pairs, 1):
        try:
            typed.append((json.loads(x), json.loads(y)))
        except ValueError:
            raise ValueError(f"UT {number}: in function mode, the input and output are JSON values") from None
    return typed


def candidates_backbone(s: dict[str, Any], limits: dict):
    """The candidates backbone for the pasted candidates and UTs, written once to a folder named by their hash
    (`candidates:<folder>`), or (None, why not)."""
    from cosplay_core.players.candidates import write_candidates
    from cosplay_core.session import BackboneSettings

    codes = split_candidates(s["cand_codes"])
    if not codes:
        return None, ""
    pairs, problems = io_blocks(s["cand_tests"])
    if problems:
        return None, "Unit tests: " + "; ".join(problems) + "."
    io = s["paste_io"] if s["problem_source"] == "Paste a statement" else "stdin"
    try:
        tests = typed_tests(pairs, io)
    except ValueError as exc:
        return None, f"Unit tests: {exc}."
    digest = hashlib.sha256(repr((codes, tests)).encode()).hexdigest()[:12]
    folder = runs_dir() / "candidates" / digest
    if not folder.exists():
        write_candidates(folder, codes, tests)
    return BackboneSettings(f"candidates:{folder}", **limits), None
