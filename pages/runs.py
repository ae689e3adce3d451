"""Runs: every saved run in one table (seed, settings, status, verdicts as percentages); tick one to open it, two or
more to compare them; open a benchmark folder (`cosplay bench --out`, or the HumanEval benchmark's --out) for its
selectors per split and a per-problem table that opens each run."""

from pathlib import Path

import pandas as pd
import streamlit as st

from cosplay_core import saved_runs, viz
from cosplay_core.bench import format_table
from cosplay_core.records import RecordError, load_bench_result
from pages.common import header, open_trace, runs_dir, shown
from pages.safety import checked_path


@st.cache_data(show_spinner=False, max_entries=512)
def record(folder: str, stamp: tuple) -> dict:
    """A saved run's row, read again only when its files change (`stamp`)."""
    return saved_runs.run_record(folder)


def stamp(folder: Path) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.json*")))


def open_run(folder: str) -> None:
    """Opens a saved run (a button's callback: the page, its header included, is then drawn with it open)."""
    error = open_trace(folder)
    st.session_state["runs_message"] = ("error", error) if error else \
        ("success", f"Opened {Path(folder).name}: the stage pages show it.")


def compare(records: list[dict]) -> None:
    st.subheader(f"Comparing {len(records)} runs")
    st.markdown("**Metrics side by side**")
    st.table(pd.DataFrame(saved_runs.compare_table(records)).set_index("metric"))
    diff = saved_runs.settings_diff(records)
    st.markdown("**Settings that differ**")
    if diff:
        st.dataframe(pd.DataFrame(diff).set_index("setting"), width="stretch")
    else:
        st.caption("None: the runs share their problem, backbone and settings (a repeated run, or another seed "
                   "would show here).")
    pairs = [(r["run"], r["summary"]) for r in records]
    st.plotly_chart(viz.compare_rounds_figure(pairs), key="compare_rounds", width="stretch")
    st.plotly_chart(viz.compare_histograms_figure(pairs), key="compare_histograms", width="stretch")
    unfinished = [r["run"] for r in records if not r["finished"]]
    if unfinished:
        st.caption(f"Unfinished, so left out of the figures: {', '.join(unfinished)}.")


def bench_view(folder: Path) -> None:
    """A benchmark output folder of either pipeline (`cosplay bench`'s `bench.json`, the HumanEval benchmark's
    `result.<split>.json`): its selectors per split, and a per-problem table (a row opens its run, when it has one)."""
    files = saved_runs.bench_result_files(folder)
    if not files:
        st.error(f"{folder}: no benchmark result in it (bench.json or result.<split>.json)")
        return
    path = files[0]
    if len(files) > 1:
        path = st.selectbox("Result", files, format_func=lambda p: p.name, key="bench_file")
    try:
        result = load_bench_result(path)
    except RecordError as exc:
        st.error(str(exc))
        return
    pipeline = "HumanEval x CodeT benchmark" if result.pipeline == "humaneval_codet" else "Benchmark"
    st.subheader(f"{pipeline}: {folder.name}")
    st.plotly_chart(viz.selectors_figure(result), key="selectors", width="stretch")
    seeds = ", ".join(map(str, result.seeds))
    for split, scores in result.splits.items():
        st.markdown(f"**Split {split}** ({scores.problems} problems, seeds {seeds}): mean ± std over seeds "
                    "[bootstrap 95% interval over problems]; equal budget: every baseline on the codes and UTs "
                    "CoSPlay saw")
        st.dataframe(saved_runs.bench_selector_rows(result, split), hide_index=True, width="stretch")
    problems = saved_runs.bench_problems(folder)
    openable = any(row["folder"] for row in problems)
    st.markdown(f"**Per problem** ({len(problems)})" + (": tick one to open its run" if openable else
                                                       ": its records (this benchmark keeps no run folders)"))
    if problems:
        frame = pd.DataFrame(problems).drop(columns=["folder"])
        if not openable:
            st.dataframe(frame, hide_index=True, width="stretch", key="bench_table")
        else:
            picked = st.dataframe(frame, hide_index=True, width="stretch", key="bench_table", on_select="rerun",
                                  selection_mode="single-row")
            rows = picked.selection.rows if picked is not None else []
            opened = (st.session_state.get("opened") or {}).get("folder")
            if rows and problems[rows[0]]["folder"] and opened != problems[rows[0]]["folder"]:
                open_run(problems[rows[0]]["folder"])
                st.rerun()  # the header names the run just opened
    with st.expander("As text"):
        st.code(format_table(result))


header()
st.title("Runs")
left, right = st.columns([3, 1], vertical_alignment="bottom")
typed = left.text_input("Run folder (holding trace.jsonl) or benchmark folder (holding bench.json or the HumanEval "
                        "benchmark's result.<split>.json)", key="open_path")
if right.button("Open", key="open_button") and typed.strip():
    path, refusal = checked_path(typed)
    if refusal:
        st.error(refusal)
    elif saved_runs.bench_result_files(path):
        st.session_state["bench_path"] = str(path)
    else:
        open_run(str(path))
        st.rerun()  # the header names the run just opened
kind, message = st.session_state.pop("runs_message", (None, None))
if kind == "error":
    st.error(message)
elif kind == "success":
    st.success(message)

current = shown()
if st.session_state.get("opened") is not None:
    st.info(f"On screen: the saved run `{Path(current.folder).name}`.")
    if st.button("Back to the live run", key="close_opened"):
        st.session_state.pop("opened")
        st.rerun()

folders = saved_runs.list_runs(runs_dir())
if not folders:
    st.info(f"No saved runs in {runs_dir()} yet: every run started in the app or with `cosplay run` is saved there.")
else:
    st.subheader("Saved runs")
    st.caption("Tick one run to open it; tick two or more to compare them. Seconds count everything: the "
               "algorithm, ground-truth scoring and the baselines.")
    records = [record(str(f), stamp(f)) for f in folders]
    rows = [saved_runs.table_row(r) for r in records]
    picked = st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="runs_table",
                          on_select="rerun", selection_mode="multi-row")
    chosen = [records[i] for i in (picked.selection.rows if picked is not None else [])]
    if len(chosen) == 1:
        st.button(f"Open {chosen[0]['run']}", key="show_run", on_click=open_run, args=(chosen[0]["folder"],))
    elif len(chosen) > 1:
        compare(chosen)

bench_path = st.session_state.get("bench_path")
if bench_path:
    bench_view(Path(bench_path))
