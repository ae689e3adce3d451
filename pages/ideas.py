"""Stage 1: hints, plans, attack ideas, the code pool and the UT pool with the votes behind each expected output."""

import streamlit as st

from cosplay_core.insights import GLOSSARY, vote_summary, votes_needed
from pages.common import header, need_run, show_code, show_value

header()
st.title("Stage 1 · ideas, codes and unit tests")
current = need_run()
if current is not None:
    stage1 = [s for s in current.snapshots if s.stage == 1]
    latest = stage1[-1] if stage1 else current.latest
    hints, plans, attacks = latest.hints, latest.plans, latest.attacks
    tab_ideas, tab_codes, tab_tests = st.tabs(["Hints, plans, attacks", "Code pool", "UT pool"])
    with tab_ideas:
        st.subheader(f"{len(hints)} hints")
        for number, hint in enumerate(hints, 1):
            st.markdown(f"{number}. {hint}")
        st.subheader(f"{len(plans)} plans and their attack ideas")
        for number, plan in enumerate(plans):
            with st.expander(f"Plan {number + 1} (code {number} is written from it)"):
                st.markdown(plan)
                for attack in (attacks[number] if number < len(attacks) else ()):
                    st.markdown(f"- ⚔️ {attack}")
    with tab_codes:
        if not latest.codes:
            st.info("The code pool is written in step `codes`.")
        for code in latest.codes:
            with st.expander(f"Code {code.id} · {code.origin}"):
                show_code(code.source)
    with tab_tests:
        if not latest.tests and not latest.unused_tests:
            st.info("The UT pool is written in step `tests`.")
        else:
            needed = votes_needed(current.config)
            k = len((latest.tests or latest.unused_tests)[0].votes)
            st.markdown(f"Each UT's expected output is predicted independently by {k} votes; it is kept when at "
                        f"least {needed} agree.", help=GLOSSARY["votes"])
            if latest.unused_tests:
                st.warning(f"{len(latest.unused_tests)} of {len(latest.tests) + len(latest.unused_tests)} UTs are "
                           "unused: their votes never agreed, so self-consistency left them out of the matrix "
                           "(listed last, marked unused). " + GLOSSARY["unused UT"])
            if all(t.agreement == len(t.votes) for t in latest.tests) and current.backbone.get("simulation"):
                st.caption("Every UT's votes were unanimous: sim's wrong predictions are a wrong program's output, "
                           "which on most inputs equals the right one. Lower the test skill to see votes split.")
        for test in latest.tests + latest.unused_tests:
            label = (f"{'UT' if test.agreed else '⊘ unused UT'} {test.id} · {test.kind}"
                     + (f": {test.attack}" if test.attack else "") + f" · {vote_summary(test)}")
            with st.expander(label):
                left, right = st.columns(2)
                with left:
                    st.markdown("**Input**")
                    show_value(test.input)
                with right:
                    st.markdown("**Expected output**" if test.agreed else "**Expected output** (none agreed)")
                    show_value(test.expected)
                st.markdown("**Votes** (independent predictions)")
                for vote in test.votes:
                    show_value(vote if vote is not None else "(no answer)")
