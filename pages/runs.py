"""Runs: every saved run in one table (seed, settings, status, verdicts as percentages); tick one to open it, two or
more to compare them; open a `cosplay bench` folder for its selectors and a per-problem table that opens each run."""

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from cosplay_core import saved_runs, viz
from cosplay_core.bench import claims_rows, format_table
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
    result = json.loads((folder / "bench.json").read_text())
    st.subheader(f"Benchmark: {folder.name}")
    st.plotly_chart(viz.selectors_figure(result), key="selectors", width="stretch")
    over_seeds = claims_rows(result)
    if over_seeds:
        seeds = result["claims"]["seeds"]
        st.markdown(f"**Over seeds {', '.join(map(str, seeds))}** ({result['claims']['problems']} problems, split "
                    f"{result.get('split', 'all')}): mean ± std over seeds [bootstrap 95% interval over problems]")
        st.dataframe(over_seeds, hide_index=True, width="stretch")
        st.markdown(f"**Seed {seeds[0]} alone**")

    table = saved_runs.bench_selector_rows(result)
    st.dataframe(table, hide_index=True, width="stretch")
    problems = saved_runs.bench_problems(folder)
    st.markdown(f"**Per problem** ({len(problems)}): tick one to open its run")
    if problems:
        frame = pd.DataFrame(problems)
        picked = st.dataframe(frame.drop(columns=["folder"]), hide_index=True, width="stretch", key="bench_table",
                              on_select="rerun", selection_mode="single-row")
        rows = picked.selection.rows if picked is not None else []
        opened = (st.session_state.get("opened") or {}).get("folder")
        if rows and opened != problems[rows[0]]["folder"]:
            open_run(problems[rows[0]]["folder"])
            st.rerun()  # the header names the run just opened
    with st.expander("As text"):
        st.code(format_table(result))


header()
st.title("Runs")
left, right = st.columns([3, 1], vertical_alignment="bottom")
typed = left.text_input("Run folder (holding trace.jsonl) or bench folder (holding bench.json)", key="open_path")
if right.button("Open", key="open_button") and typed.strip():
    path, refusal = checked_path(typed)
    if refusal:
        st.error(refusal)
    elif (path / "bench.json").exists():
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
