"""Stage 2: the execution matrix at any step, what each step changed and why, cell details, pass-count histograms."""

import difflib

import streamlit as st

from cosplay_core import viz
from cosplay_core.insights import GLOSSARY, explain_step, source_for_display, vote_summary
from pages.common import cost_line, ground_truth_shown, header, need_run, show_code, show_value, snapshot_label

DIFFS = {"code_repaired": "diff of code {id}: the repair", "code_replaced": "diff of code {id}: the replacement",
         "code_resampled": "diff of code {id}: the resample (a fresh draw from the pool, not a repair)",
         "repair_rejected": "diff of code {id}: the rejected repair (not kept)",
         "resample_rejected": "diff of code {id}: the rejected resample (not kept)"}

header()
st.title("Stage 2 · self-play on the execution matrix")


def cell_details(snapshot, code_id: int, test_id: int) -> None:
    code = next(c for c in snapshot.codes if c.id == code_id)
    test = next(t for t in snapshot.tests if t.id == test_id)
    row = [c.id for c in snapshot.codes].index(code_id)
    column = [t.id for t in snapshot.tests].index(test_id)
    cell = snapshot.cells[row][column]
    verdict = "passes" if cell.passed else "fails"
    st.subheader(f"Code {code_id} {verdict} UT {test_id} · {cell.status} · {cell.time_s * 1000:.1f} ms")
    left, right = st.columns(2)
    with left:
        st.markdown("**Input**")
        show_value(test.input)
        st.markdown("**Expected output** (agreed by the votes)")
        show_value(test.expected)
    with right:
        st.markdown("**Actual output**")
        show_value(cell.output if cell.output is not None else "")
        if cell.stderr:
            st.markdown("**stderr**")
            st.code(cell.stderr)
    with st.expander(f"Code {code_id} ({code.origin})"):
        show_code(code.source)


def matrix_view() -> None:
    current = need_run()
    if current is None:
        return
    snapshots = [s for s in current.snapshots if s.tests]
    if not snapshots:
        st.info("The matrix appears once the UT pool is written (step `tests`).")
        return
    labels = [snapshot_label(s) for s in snapshots]
    value = len(snapshots) - 1
    wanted = st.session_state.pop("goto_step", None)  # a link from another page (the coupling debugger)
    if wanted is not None:
        value = next((i for i, s in enumerate(snapshots) if s.step >= wanted), value)
        st.session_state.pop("timeline", None)
    chosen = st.select_slider("Timeline", options=list(range(len(snapshots))), value=value,
                              format_func=lambda i: labels[i], key="timeline")
    snapshot = snapshots[chosen]
    show_gt = ground_truth_shown()  # the header's toggle
    st.markdown(f"**{snapshot.title}** · {cost_line(snapshot, current.backbone.get('simulation', False))}")
    position = next(i for i, s in enumerate(current.snapshots) if s.step == snapshot.step)
    for line in explain_step(current.snapshots, position, current.config, ground_truth_shown()):
        st.info(line)
    if snapshot.changes:
        if any(c.kind in ("code_resampled", "resample_rejected") for c in snapshot.changes):
            st.caption(GLOSSARY["resample"])
        for change in snapshot.changes:
            st.markdown(f"- {'✏️' if change.counts else '·'} {change.reason}")
            if change.kind in DIFFS and isinstance(change.before, str):
                with st.expander(DIFFS[change.kind].format(id=change.id)):
                    before, after = (source_for_display(text or "", show_gt) for text in (change.before, change.after))
                    diff = difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                "before", "after", lineterm="")
                    st.code("\n".join(diff) or "(same text)", language="diff")
    figure = viz.matrix_figure(snapshot, show_gt=show_gt and snapshot.gt is not None)
    event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key=f"matrix_{chosen}",
                            width="content")
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", [])
    if points and points[0].get("customdata") is not None:
        code_id, test_id = points[0]["customdata"][:2]
        cell_details(snapshot, int(code_id), int(test_id))
    else:
        st.caption("Click a cell to see the code, the input, the expected and actual outputs, and stderr.")
    if snapshot.unused_tests:
        with st.expander(f"{len(snapshot.unused_tests)} UT(s) left unused by self-consistency (not in the matrix)"):
            st.caption(GLOSSARY["unused UT"])
            for test in snapshot.unused_tests:
                st.markdown(f"**UT {test.id}** · {test.kind} · {vote_summary(test)} · {test.origin}")
                show_value(test.input, height=120)
    st.markdown("**Pass counts per round**", help=GLOSSARY["pCode"] + " " + GLOSSARY["pUT"])
    st.plotly_chart(viz.pass_histograms(current.snapshots), key="histograms", width="stretch")
    if current.summary and any("metrics" in r for r in current.summary.get("rounds", [])):
        st.plotly_chart(viz.round_metrics_figure(current.summary), key="round_metrics", width="stretch")


matrix_view()
