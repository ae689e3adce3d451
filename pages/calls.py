"""Model calls: every request and raw response of the run on screen, with tokens and cost, filterable by step and
kind; tick a call to read its prompt and the model's answer as they were sent and received."""

from pathlib import Path

import pandas as pd
import streamlit as st

from cosplay_core.call_log import model_calls, other_events, request_words, totals
from cosplay_core.trace import TRACE_NAME, read_trace
from pages.common import header, shown


@st.cache_data(show_spinner=False, max_entries=8)
def load(path: str, size: int, mtime: int):
    """The calls of a trace, read again when the file grows (`size`, `mtime`)."""
    trace = read_trace(path)
    return model_calls(trace), other_events(trace)


def money(value) -> str:
    return "no price known for this model" if value is None else f"${value:.4f}"


header()
st.title("Model calls")
current = shown()
trace_file = Path(current.folder) / TRACE_NAME if current is not None and current.folder else None
if current is None or trace_file is None or not trace_file.exists():
    st.info("No run with a trace yet: start one on the **Run** page, or open a saved one on the **Runs** page.")
    st.stop()
stat = trace_file.stat()
calls, others = load(str(trace_file), stat.st_size, stat.st_mtime_ns)
if not calls:
    name = str(current.backbone.get("name", ""))
    if name.startswith(("candidates:", "pool:")):
        what = "your own candidate programs" if name.startswith("candidates:") else "a recorded pool of samples"
        st.info(f"This run's backbone replays {what}: it calls no model, so there is no request or answer to "
                "show." + (f" Expected outputs predicted from the candidates' outputs (fresh draws): "
                           f"{others['fresh_draw']}." if others.get("fresh_draw") else ""))
    elif current.backbone.get("simulation"):
        st.info("This run's backbone is a simulation, not a language model: it sends no request and receives no "
                f"text (its {(current.latest.usage if current.latest else {}).get('calls', 0)} simulated calls "
                "are counted, nothing more).")
    else:
        st.info("No model call recorded yet.")
    st.stop()

steps = sorted({(c.step, c.step_name) for c in calls})
kinds = sorted({c.kind for c in calls})
left, middle, right = st.columns([2, 2, 1])
chosen_steps = left.multiselect("Steps", steps, format_func=lambda s: f"{s[0]} · {s[1]}", key="calls_steps",
                                placeholder="every step")
chosen_kinds = middle.multiselect("What the player asked for", kinds, format_func=request_words, key="calls_kinds",
                                 placeholder="every kind of request")
only = right.radio("Show", ["all", "failed", "from the cache"], key="calls_only")
picked = [c for c in calls if (not chosen_steps or (c.step, c.step_name) in chosen_steps)
          and (not chosen_kinds or c.kind in chosen_kinds)
          and (only == "all" or (only == "failed" and c.failed) or (only == "from the cache" and c.cached))]
sums = totals(picked)
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("calls shown", f"{sums['calls']} of {len(calls)}")
c2.metric("from the cache", sums["cached"], help="Answers from the response cache: no call was made, no cost.")
c3.metric("failed", sums["failed"])
c4.metric("tokens in / out", f"{sums['input_tokens']:,} / {sums['output_tokens']:,}")
c5.metric("cost (approximate)", "n/a" if sums["cost_usd"] is None else money(sums["cost_usd"]),
          help="From the price table in cosplay_core.models.pricing; not a bill. n/a: a model the table does not "
               "know (a local server, say) has no price.")
if others.get("parse_failure"):
    st.caption(f"{others['parse_failure']} answers could not be parsed and were asked again (a new attempt).")
if not picked:
    st.info("No call matches these filters.")
    st.stop()
table = st.dataframe(pd.DataFrame([c.row() for c in picked]), hide_index=True, width="stretch", key="calls_table",
                     on_select="rerun", selection_mode="single-row")
rows = table.selection.rows if table is not None else []
if not rows:
    st.caption("Tick a call to read its request and the model's raw answer.")
    st.stop()
call = picked[rows[0]]
st.subheader(f"Call {call.number} · step {call.step} ({call.step_name}) · attempt {call.attempt}")
st.markdown(f"**Asked for:** {request_words(call.kind)} (`{call.kind}`)")
st.caption(f"{call.model} · {'answered from the cache' if call.cached else 'answered by the model'}"
           + (f" · {call.latency_s:.2f} s" if call.latency_s is not None else "")
           + f" · cost {money(call.cost_usd)}")
for message in call.messages:
    role = message.get("role", "?")
    with st.expander(f"Request · {role} message ({len(str(message.get('content', ''))):,} characters)",
                     expanded=role == "user"):
        st.code(str(message.get("content", "")), language="markdown", wrap_lines=True)
st.markdown("**Raw response**" + (f" (stop reason: {call.stop_reason})" if call.stop_reason else ""))
if call.response is not None:
    st.code(call.response, language="markdown", wrap_lines=True)
if call.error is not None:
    st.error(f"The call failed: {call.error.get('type', '?')}: {call.error.get('message', '')}")
st.json(call.usage, expanded=False)
