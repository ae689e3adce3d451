"""Runs: open a saved run folder or a `cosplay bench` output, and compare runs and selectors."""

import json
from pathlib import Path

import streamlit as st

from cosplay_core import viz
from cosplay_core.bench import LABELS, format_table
from pages.common import header, RUNS, open_trace
from pages.safety import checked_path

header()
st.title("Runs")
folders = sorted((p for p in RUNS.glob("*") if (p / "trace.jsonl").exists()), key=lambda p: p.stat().st_mtime,
                 reverse=True) if RUNS.exists() else []
left, right = st.columns([3, 1])
typed = left.text_input("Run folder (holding trace.jsonl) or bench folder (holding bench.json)", key="open_path")
if right.button("Open", key="open_button") and typed.strip():
    path, refusal = checked_path(typed)
    if refusal:
        st.error(refusal)
    elif (path / "bench.json").exists():
        st.session_state["bench_path"] = str(path)
    else:
        error = open_trace(str(path))
        if error:
            st.error(error)
        else:
            st.success(f"Opened {path}: see the stage pages.")

if folders:
    st.subheader("Saved runs")
    rows = []
    for folder in folders[:200]:
        summary_file = folder / "summary.json"
        summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
        gt = summary.get("gt", {})
        rows.append({"open": False, "run": folder.name, "problem": summary.get("problem", "?"),
                     "model": summary.get("model", "?"), "finished": bool(summary),
                     "selected correct": gt.get("bon_cluster"), "BoN correct": gt.get("bon"),
                     "calls": summary.get("usage", {}).get("calls"), "executions": summary.get("executions"),
                     "seconds": summary.get("wall_s")})
    edited = st.data_editor(rows, hide_index=True, key="runs_table", disabled=[k for k in rows[0] if k != "open"],
                            width="stretch")
    wanted = [row["run"] for row in edited if row["open"]]
    if wanted and st.button(f"Show {wanted[0]}", key="show_run"):
        error = open_trace(str(RUNS / wanted[0]))
        st.error(error) if error else st.success(f"Opened {wanted[0]}: see the stage pages.")
    if st.session_state.get("opened") and st.button("Back to the live run", key="close_opened"):
        st.session_state.pop("opened")
        st.rerun()
else:
    st.info(f"No saved runs in {RUNS} yet: every run started in the app or with `cosplay run` is saved there.")

bench_path = st.session_state.get("bench_path")
if bench_path:
    result = json.loads((Path(bench_path) / "bench.json").read_text())
    st.subheader(f"Benchmark: {bench_path}")
    st.plotly_chart(viz.selectors_figure(result), key="selectors", width="stretch")
    table = [{"selector": LABELS.get(name, name), "accuracy": row["bon"], "UT accuracy": row["ut_accuracy"],
              "problems": row["problems"], "executions": row["executions"]}
             for name, row in result["selectors"].items()]
    st.dataframe(table, hide_index=True, width="stretch")
    with st.expander("As text"):
        st.code(format_table(result))
