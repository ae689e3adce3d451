"""CoSPlay Studio: the Streamlit app. Pages only draw what `cosplay_core` produces."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `pages.common` for the pages

# Material icons, not emoji: an emoji icon makes Streamlit load its emoji table (about 0.3 s of the first paint).
st.set_page_config(page_title="CoSPlay Studio", page_icon=":material/theater_comedy:", layout="wide")

from pages.common import LIGHT_PAGES, heavy_imports, warm_up  # noqa: E402  (after sys.path)
from pages.safety import refused_client  # noqa: E402

refusal = refused_client(st.get_option("server.address"), st.context.ip_address)
if refusal:  # a client from another machine while the app was not set to serve others
    st.error(refusal)
    st.stop()

navigation = st.navigation({
    "CoSPlay": [
        st.Page("pages/run.py", title="Run", icon=":material/play_arrow:", default=True),
        st.Page("pages/howto.py", title="How CoSPlay works", icon=":material/explore:"),
        st.Page("pages/ideas.py", title="Stage 1 · ideas", icon=":material/lightbulb:"),
        st.Page("pages/selfplay.py", title="Stage 2 · self-play", icon=":material/autorenew:"),
        st.Page("pages/coupling.py", title="Ground truth & coupling", icon=":material/link:"),
        st.Page("pages/clusters.py", title="Stage 3 · clusters", icon=":material/hub:"),
    ],
    "Library": [
        st.Page("pages/runs.py", title="Runs", icon=":material/folder_open:"),
        st.Page("pages/calls.py", title="Model calls", icon=":material/chat:"),
        st.Page("pages/problems.py", title="Problems", icon=":material/menu_book:"),
    ],
})
if navigation.url_path not in LIGHT_PAGES:
    heavy_imports()  # pandas and plotly, imported by one thread at a time (waits for the warm-up when under way)
navigation.run()  # every page starts with `pages.common.header()`: the settings kept, the run's header
warm_up()  # after the first page is drawn, the libraries other pages need are imported in the background
