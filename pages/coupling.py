"""Ground truth and spurious Code-UT coupling: a wrong code and a wrong UT that agree with each other. Each coupling
with its versioned ids, the steps where it appeared and broke (one click away on Stage 2), both sources, the shared
wrong output and the ground-truth answer."""

import streamlit as st

from cosplay_core import insights, viz
from cosplay_core.insights import GLOSSARY
from pages.common import executor, header, need_run, problem_object, show_value
from cosplay_core.insights import source_for_display

header()
st.title("Ground truth and spurious coupling")
st.caption("Ground truth only scores: the algorithm never sees it. " + GLOSSARY["spurious coupling"])


def goto(step: int, key: str) -> None:
    """A button that opens Stage 2's timeline at `step`."""
    if st.button(f"See step {step} on Stage 2", key=key):
        st.session_state["goto_step"] = step
        st.switch_page("pages/selfplay.py")


def reference_answers(current, inputs: list) -> list | None:
    """The reference's outputs on the coupled UTs' inputs (ground truth), kept for the session; None without one."""
    from cosplay_core.reference import reference_outputs

    problem = problem_object(current)
    if problem is None:
        return None
    cache = st.session_state.setdefault("reference_answers", {})
    key = (current.folder, problem.slug, len(inputs), repr(inputs)[:10000])
    if key not in cache:
        cache[key] = reference_outputs(problem, inputs, executor())
    return cache[key]


current = need_run()
if current is not None:
    latest = current.latest
    if latest.gt is None:
        st.info("This problem has no ground truth (no hidden tests), so codes and UTs cannot be marked right or "
                "wrong.")
    else:
        codes_ok = sum(latest.gt["codes"])
        tests = latest.gt.get("tests")
        records = insights.coupling_timeline(current.snapshots)
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("GT-correct codes", f"{codes_ok} / {len(latest.gt['codes'])}")
        c2.metric("GT-correct UTs", "-" if tests is None else f"{sum(tests)} / {len(tests)}")
        c3.metric("spurious couplings seen", len(records), help=GLOSSARY["spurious coupling"])
        c4.metric("broken by self-play", sum(not r.open for r in records))
        st.plotly_chart(viz.matrix_figure(latest, show_gt=True), key="gt_matrix", width="content")
        unpassed = insights.failed_by_all(latest)
        if unpassed:
            marks = dict(zip((t.id for t in latest.tests), tests or [None] * len(latest.tests)))
            said = ", ".join(f"{insights.test_label(t)}"
                             + {True: " (GT-correct: every code is wrong on it)", False: " (GT-wrong)"}.get(
                                 marks.get(t.id), "") for t in latest.tests if t.id in unpassed)
            st.warning(f"Passed by no code at the end: {said}. Either such a UT is wrong, or every code is.")
        if not records:
            st.success("No spurious coupling appeared in this run. The preset “spurious coupling appears and "
                       "breaks” on the Run page shows some.")
        answers = reference_answers(current, [r.input for r in records]) if records else None
        by_step = {s.step: s for s in current.snapshots}
        for number, record in enumerate(records):
            status = (f"broken at step {record.broken_step} (round {record.broken_round}): {record.broken_by}"
                      if not record.open else "still there at the end")
            with st.expander(f"{record.label} · appeared at step {record.appeared_step} (round "
                             f"{record.appeared_round}) · {status}", expanded=number == 0):
                left, right = st.columns(2)
                with left:
                    goto(record.appeared_step, f"goto_appeared_{number}")
                if not record.open:
                    with right:
                        goto(record.broken_step, f"goto_broken_{number}")
                c1, c2, c3 = st.columns(3)
                with c1:
                    st.markdown("**Input**")
                    show_value(record.input, height=240)
                with c2:
                    st.markdown("**Shared wrong output** (the UT's expected output; the coupled codes print it)")
                    show_value(record.output, height=240)
                with c3:
                    st.markdown("**Ground-truth answer** (the reference solution's output)")
                    if answers is None:
                        st.caption("Not known: this problem has no reference solution here.")
                    else:
                        show_value(answers[number] if answers[number] is not None else "(the reference failed)",
                                   height=240)
                appeared = by_step.get(record.appeared_step)
                test = next((t for t in appeared.tests if t.id == record.test_id), None) if appeared else None
                if test is not None:
                    st.markdown(f"**Source of {insights.test_label(test)}**: {test.kind} input"
                                + (f" aimed at “{test.attack}”" if test.attack else "")
                                + f", {insights.vote_summary(test)}, {test.origin}")
                for code_id, version in zip(record.code_ids, record.code_versions or (0,) * len(record.code_ids)):
                    code = next((c for c in appeared.codes if c.id == code_id), None) if appeared else None
                    if code is not None:
                        st.markdown(f"**Source of code {code_id}.{version}** ({code.origin})")
                        st.code(source_for_display(code.source, True), language="python")
