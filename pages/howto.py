"""How CoSPlay works: the algorithm as a figure that shows where the run on screen is, and a glossary."""

import streamlit as st

from cosplay_core import viz
from cosplay_core.insights import GLOSSARY, explain_step, snapshot_rounds
from pages.common import ground_truth_shown, header, shown

header()
st.title("How CoSPlay works")
st.markdown(
    "A model writes candidate programs (**codes**) *and* unit tests (**UTs**) for a problem, with no ground-truth "
    "tests. Every code runs on every UT: the **execution matrix** (a row per code, a column per UT, a cell says "
    "whether the code's output matches the UT's expected output). The two pools then improve each other through "
    "the matrix, and a final vote on outputs picks one program.")
current = shown()
latest = current.latest if current is not None else None
round_number = snapshot_rounds(current.snapshots)[-1] if latest is not None and latest.stage == 2 else None
st.plotly_chart(viz.algorithm_figure(latest.name if latest else None, round_number), key="algorithm",
                width="stretch")
if latest is not None:
    st.markdown(f"**Where the run is:** step {latest.step}, {latest.title.lower()}.")
    for line in explain_step(current.snapshots, len(current.snapshots) - 1, current.config,
                                 ground_truth_shown()):
        st.markdown(f"- {line}")
else:
    st.caption("Start a run (or open a saved one) and the step it is at is filled in the figure.")

st.subheader("The three stages")
st.markdown(
    "1. **Exploration-attack ideas.** The model lists distinct approaches (hints), writes N_c plans on subsets of "
    "them, lists for each plan the edge cases that could break it (attack ideas), writes one code per plan, and "
    "writes N_t UTs: half on random valid inputs, half aimed at the attack ideas. Each UT's expected output is "
    "predicted k times; it is kept when enough predictions agree.\n"
    "2. **Self-play on the matrix**, round after round: codes that pass no UT are replaced; the weakest "
    "non-trivial UT gets its expected output predicted again; codes failing the most trusted UT are repaired "
    "against it; UTs that separate nothing are replaced. A round that changes nothing ends self-play early.\n"
    "3. **Output-consensus selection.** When several codes tie at the top pass count, they run on random inputs; "
    "codes whose outputs agree form clusters, the largest cluster wins, and within it the code with the most passed "
    "UTs.\n\n"
    "Ground truth (a sample problem's hidden tests) only scores the run: the algorithm never sees it.")
st.subheader("Glossary")
for term, text in GLOSSARY.items():
    st.markdown(f"**{term}** · {text}")
