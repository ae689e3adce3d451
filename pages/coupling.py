"""Ground truth and spurious Code-UT coupling: a wrong code and a wrong UT that agree with each other."""

import streamlit as st

from cosplay_core import insights, viz
from cosplay_core.insights import GLOSSARY
from pages.common import header, need_run, show_value

header()
st.title("Ground truth and spurious coupling")
st.caption("Ground truth only scores: the algorithm never sees it. A spurious coupling is a wrong UT passed by at "
           "least one wrong code and by no correct code: the two agree on the same wrong output.")
current = need_run()
if current is not None:
    latest = current.latest
    if latest.gt is None:
        st.info("This problem has no ground truth (no hidden tests), so codes and UTs cannot be marked right or "
                "wrong.")
    else:
        codes_ok = sum(latest.gt["codes"])
        tests = latest.gt.get("tests")
        c1, c2, c3 = st.columns(3)
        c1.metric("GT-correct codes", f"{codes_ok} / {len(latest.gt['codes'])}")
        c2.metric("GT-correct UTs", "-" if tests is None else f"{sum(tests)} / {len(tests)}")
        records = insights.coupling_timeline(current.snapshots)
        c3.metric("spurious couplings seen", len(records), help=GLOSSARY["spurious coupling"])
        st.plotly_chart(viz.matrix_figure(latest, show_gt=True), key="gt_matrix", width="content")
        if not records:
            st.success("No spurious coupling appeared in this run.")
        for record in records:
            status = f"broken at step {record.broken_step}: {record.broken_by}" if record.broken_step is not None \
                else "still there at the end"
            with st.expander(f"UT {record.test_id} ⟷ wrong codes {', '.join(map(str, record.code_ids))} · "
                             f"appeared at step {record.appeared_step} (round {record.appeared_round}) · {status}"):
                left, right = st.columns(2)
                with left:
                    st.markdown("**Input**")
                    show_value(record.input)
                with right:
                    st.markdown("**Shared wrong output** (the UT's expected output, which the coupled codes produce)")
                    show_value(record.output)
