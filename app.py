"""CoSPlay Studio: the Streamlit app. Pages only draw what `cosplay_core` produces."""

import sys
from pathlib import Path

import pandas  # noqa: F401  (imported once, here: plotly imports it lazily, and two threads importing it at once
import plotly.graph_objects  # noqa: F401  can see a half-initialised module; the polling fragment runs on its own)
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `pages.common` for the pages

st.set_page_config(page_title="CoSPlay Studio", page_icon="🎭", layout="wide")

from pages.safety import refused_client  # noqa: E402  (after sys.path)

refusal = refused_client(st.get_option("server.address"), st.context.ip_address)
if refusal:  # a client from another machine while the app was not set to serve others
    st.error(refusal)
    st.stop()

navigation = st.navigation({
    "CoSPlay": [
        st.Page("pages/run.py", title="Run", icon="▶️", default=True),
        st.Page("pages/howto.py", title="How CoSPlay works", icon="🧭"),
        st.Page("pages/ideas.py", title="Stage 1 · ideas", icon="💡"),
        st.Page("pages/selfplay.py", title="Stage 2 · self-play", icon="🔁"),
        st.Page("pages/coupling.py", title="Ground truth & coupling", icon="🔗"),
        st.Page("pages/clusters.py", title="Stage 3 · clusters", icon="🧩"),
    ],
    "Library": [
        st.Page("pages/runs.py", title="Runs", icon="🗂️"),
        st.Page("pages/calls.py", title="Model calls", icon="💬"),
        st.Page("pages/problems.py", title="Problems", icon="📚"),
    ],
})
navigation.run()  # every page starts with `pages.common.header()`: the settings kept, the run's header
