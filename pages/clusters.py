"""Stage 3: random inputs, the signatures of the tied codes, their clusters, and why the chosen code won."""

import streamlit as st

from cosplay_core import insights, viz
from cosplay_core.selectors import LABELS
from pages.common import ground_truth_shown, header, need_run, show_code, show_value

header()
st.title("Stage 3 · output-consensus clusters")
current = need_run()
if current is not None:
    latest = current.latest
    selection = latest.selection
    if selection is None:
        st.info("Stage 3 runs at the end of the run (steps `inputs` and `select`).")
    else:
        st.subheader(f"Chosen: code {selection.code_id}")
        for line in insights.explain_selection(latest, ground_truth_shown()):
            st.markdown(f"- {line}")
        if len(selection.tied) > 1 and selection.signatures:
            left, right = st.columns([3, 1])
            left.plotly_chart(viz.signature_figure(selection), key="signatures", width="content")
            right.plotly_chart(viz.cluster_figure(selection), key="clusters", width="stretch")
        code = next(c for c in latest.codes if c.id == selection.code_id)
        with st.expander(f"Code {code.id} ({code.origin})", expanded=True):
            show_code(code.source)
        if selection.inputs:
            with st.expander(f"The {len(selection.inputs)} random inputs (numbered as in the chart: in 1, in 2, …)"):
                for number, value in enumerate(selection.inputs, 1):
                    st.markdown(f"Input {number} (in {number})")
                    show_value(value)
    if current.summary and current.summary.get("baselines"):
        st.subheader("Baselines on the stage-1 pools")
        verdict = {True: "✅ correct", False: "❌ wrong", None: "–"}
        rows = [{"selector": LABELS.get(name, name), "code": entry["code_id"],
                 "ground truth": verdict[entry.get("gt_correct")]}
                for name, entry in current.summary["baselines"].items()]
        gt = current.summary["gt"]
        rows.insert(0, {"selector": LABELS["cosplay"], "code": (current.summary.get("selected") or {}).get("code_id"),
                        "ground truth": verdict[gt.get("cosplay_correct", gt.get("bon_cluster"))]})
        if not ground_truth_shown():
            rows = [{k: v for k, v in row.items() if k != "ground truth"} for row in rows]
            st.caption("Which of these picks is correct is ground truth, hidden now (the header's toggle shows it).")
        st.dataframe(rows, hide_index=True, width="stretch")
