"""Sample problems: the statement, and the known program pool (reference and wrong solutions) run on the
ground-truth tests in the real sandbox (on demand: it takes seconds; kept on disk once done)."""

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from cosplay_core.insights import outcome_category
from cosplay_core.matrix import problem_matrix
from cosplay_core.problem import ProblemError, load_problem
from cosplay_core.viz import OUTCOME_COLOURS, OUTCOME_SYMBOLS
from pages.common import SAMPLES, executor, header, sandbox_warnings


def tables_folder() -> Path | None:
    """Where the pool tables are kept, one JSON per problem version (the hash of its files): COSPLAY_CACHE_DIR,
    else the user's cache folder (~/.cache/cosplay), else a temporary folder; never inside the app's own folder,
    which an installed package may not be allowed to write. None when none of them can be written."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    choices = [Path(os.environ["COSPLAY_CACHE_DIR"])] if os.environ.get("COSPLAY_CACHE_DIR") else []
    choices += [Path(cache_home) / "cosplay", Path(tempfile.gettempdir()) / "cosplay-cache"]
    for folder in choices:
        try:
            (folder / "pool_tables").mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder / "pool_tables", os.W_OK):
            return folder / "pool_tables"
    return None


def version(folder: Path) -> str:
    """A hash of every file of a problem folder: the kept table is used only for this exact version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def kept_table(folder: Path) -> dict | None:
    tables = tables_folder()
    if tables is None:
        return None
    try:
        return json.loads((tables / f"{folder.name}-{version(folder)}.json").read_text())
    except (OSError, ValueError):
        return None


def pool_table(folder: Path) -> dict:
    """Runs the reference and every wrong solution on the ground-truth tests (shared executor), keeps the result."""
    problem = load_problem(folder)
    sources = {0: problem.reference} | {i: w.source for i, w in enumerate(problem.wrong, 1)}
    tests = {j: (t.input, t.output) for j, t in enumerate(problem.tests)}
    snapshot = problem_matrix(problem, sources, tests, executor()).snapshot()
    table = {"names": ["reference"] + [f"wrong/{w.name}" for w in problem.wrong],
             "categories": [[outcome_category(o.status, passed) for passed, o in zip(row, outcomes)]
                            for row, outcomes in zip(snapshot.passes.tolist(), snapshot.outcomes)],
             "passed": snapshot.code_pass_counts.tolist()}
    tables = tables_folder()
    try:
        if tables is not None:
            (tables / f"{folder.name}-{version(folder)}.json").write_text(json.dumps(table))
    except OSError:
        pass  # not kept: it is run again on the next visit
    return table


header()
st.title("Problems")
st.caption("The sample problems, with their reference, their known wrong solutions and their ground-truth tests.")
sandbox_warnings()

folders = sorted(p for p in SAMPLES.iterdir() if (p / "problem.toml").exists())
if not folders:
    st.error(f"No sample problems found in {SAMPLES}.")
    st.stop()
choice = st.selectbox("Sample problem", folders, format_func=lambda p: p.name, key="problems_sample")
try:
    problem = load_problem(choice)
except ProblemError as exc:
    st.error(str(exc))
    st.stop()

left, right = st.columns([3, 2])
with left:
    with st.container(border=True):
        st.markdown(problem.statement)
with right:
    st.markdown(f"**I/O:** `{problem.io}`" + (f" · entry point `{problem.entry_point}`" if problem.entry_point else ""))
    st.markdown(f"**Time limit:** {problem.time_limit_s:g} s · **compare:** `{problem.comparison}`")
    st.markdown(f"**Ground-truth tests:** {len(problem.tests)} · **known wrong solutions:** {len(problem.wrong)}")
    for wrong in problem.wrong:
        st.markdown(f"- `{wrong.name}`: {wrong.bug}")

st.subheader("Known pool on the ground-truth tests")
st.caption("Rows: the reference and each wrong solution; columns: ground-truth tests; run in the sandbox. "
           + " · ".join(f"{OUTCOME_SYMBOLS[c]} {c}" for c in OUTCOME_COLOURS))
table = kept_table(choice)
if table is None:
    if st.button(f"Run the {len(problem.wrong) + 1} programs on the {len(problem.tests)} tests (seconds: slow "
                 "wrong solutions run to their time limit)", key="run_pool"):
        with st.spinner("Running the pool in the sandbox..."):
            table = pool_table(choice)
if table is not None:
    cells = [[f"{OUTCOME_SYMBOLS[c]} {c}" for c in row] for row in table["categories"]]
    frame = pd.DataFrame(cells, index=table["names"], columns=[f"t{j}" for j in range(len(cells[0]))])
    frame.insert(0, "passed", table["passed"])

    def colour(value):
        category = value.split(" ", 1)[1] if isinstance(value, str) and " " in value else None
        if category not in OUTCOME_COLOURS:
            return ""
        text = "black" if category in ("wrong answer",) else "white"
        return f"background-color: {OUTCOME_COLOURS[category]}; color: {text}"

    st.dataframe(frame.style.map(colour), width="stretch")
