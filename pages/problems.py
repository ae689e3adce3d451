"""Sample problems: the statement, and the known program pool (reference and wrong solutions) run on the
ground-truth tests in the real sandbox."""

from pathlib import Path

import pandas as pd
import streamlit as st

from cosplay_core.matrix import problem_matrix
from cosplay_core.problem import ProblemError, load_problem
from cosplay_core.sandbox import Executor

SAMPLES = Path(__file__).resolve().parent.parent / "sample_problems"


@st.cache_resource
def executor() -> Executor:
    return Executor()


@st.cache_data(show_spinner=False)
def pool_matrix(folder: str):
    problem = load_problem(folder)
    sources = {0: problem.reference} | {i: w.source for i, w in enumerate(problem.wrong, 1)}
    tests = {j: (t.input, t.output) for j, t in enumerate(problem.tests)}
    snapshot = problem_matrix(problem, sources, tests, executor()).snapshot()
    names = ["reference"] + [f"wrong/{w.name}" for w in problem.wrong]
    statuses = [[("pass" if passed else ("wrong" if o.status == "ok" else o.status)) for passed, o in zip(row, outs)]
                for row, outs in zip(snapshot.passes.tolist(), snapshot.outcomes)]
    return names, statuses, snapshot.code_pass_counts.tolist()


st.title("CoSPlay Studio")
st.caption("Cooperative self-play of programs and unit tests, with no ground-truth tests.")
for warning in executor().isolation.warnings:
    st.warning(f"Sandbox: {warning}")

folders = sorted(p for p in SAMPLES.iterdir() if (p / "problem.toml").exists())
if not folders:
    st.error(f"No sample problems found in {SAMPLES}.")
    st.stop()
choice = st.selectbox("Sample problem", folders, format_func=lambda p: p.name)
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
st.caption("Rows: the reference and each wrong solution; columns: ground-truth tests; run in the sandbox.")
with st.spinner("Running the pool in the sandbox..."):
    names, statuses, counts = pool_matrix(str(choice))
frame = pd.DataFrame(statuses, index=names, columns=[f"t{j}" for j in range(len(statuses[0]))])
frame.insert(0, "passed", counts)
colours = {"pass": "#2e9e5b", "wrong": "#d9534f", "error": "#8e44ad", "timeout": "#f0ad4e",
           "memory_limit": "#5bc0de", "output_limit": "#5bc0de"}
st.dataframe(frame.style.map(lambda v: f"background-color: {colours.get(v, '')}; color: white"
                             if v in colours else ""), width="stretch")
