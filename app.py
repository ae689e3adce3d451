"""CoSPlay Studio: the Streamlit app. Pages only draw what `cosplay_core` produces."""

import streamlit as st

st.set_page_config(page_title="CoSPlay Studio", page_icon="🎭", layout="wide")

navigation = st.navigation([
    st.Page("pages/problems.py", title="Problems", icon="📚", default=True),
])
navigation.run()
