"""Run: choose a problem and a backbone and set the run up; the controls at the top of every page drive it."""

from __future__ import annotations

import streamlit as st

from cosplay_core.config import Policies
from cosplay_core.insights import GLOSSARY, explain_step
from cosplay_core.players.sim import SIM_NOTICE
from cosplay_core.stages.steps import policy_labels
from pages import settings as kept
from pages.common import (backbone_refusal, cost_line, ground_truth_shown, header, heavy_imports, sandbox_warnings,
                          shown, snapshot_label)

BACKBONES = {"sim": "sim (offline simulation)", "candidates": "Your own candidates (offline, no model)", "anthropic": "Anthropic (Claude)", "openai": "OpenAI (GPT)",
             "compatible": "OpenAI-compatible server (vLLM, Ollama, llama.cpp)", "pool": "Recorded pool (pool:)"}
POLICY_LABELS = {"attack_tests": "UTs targeting attack ideas", "self_consistency": "self-consistency votes",
                 **policy_labels(), "cluster_ties": "stage 3: cluster tied codes",
                 "cluster_all_codes": "stage 3: cluster every code",
                 "stop_when_quiet": "stop early after a quiet round", "verify_repairs": "keep only repairs that pass",
                 "votes_cast": "votes: a missing prediction abstains"}

header()
st.title("CoSPlay Studio")
st.caption("Candidate programs and unit tests written by a model improve each other through an execution matrix; "
           "no ground-truth tests are used.")
sandbox_warnings()
if st.session_state.get("url_ignored"):
    st.warning("The link held settings this version does not know or cannot use, left at their defaults: "
               + ", ".join(st.session_state.pop("url_ignored")))


def problem_fields() -> None:
    source = st.radio("Problem", kept.SOURCES, horizontal=True, key="problem_source")
    if source == "Sample problem":
        st.selectbox("Sample", kept.sample_names(), key="sample")
    elif source == "Paste a statement":
        st.text_area("Statement (what the model sees)", height=200, key="statement")
        left, right = st.columns(2)
        io = left.radio("I/O", ["stdin", "function"], horizontal=True, key="paste_io")
        if io == "function":
            right.text_input("Entry point (function mode)", placeholder="solve or Solution().method",
                             key="paste_entry")
        left.number_input("Time limit (s)", 0.1, 60.0, key="paste_limit")
        right.selectbox("Compare outputs", kept.COMPARES, key="paste_compare")
        st.text_area("Examples with answers (optional, scoring only): blocks of `Input:` then `Output:`",
                     height=100, key="paste_examples")
        if st.session_state["paste_examples"].strip():
            pairs, problems = kept.io_blocks(st.session_state["paste_examples"])
            st.caption(f"{len(pairs)} example{'s' if len(pairs) != 1 else ''} parsed: they score the run (ground "
                       "truth) and are never shown to the model." + (" Malformed: " + "; ".join(problems) + "."
                                                                    if problems else ""))
    else:
        st.text_input("Benchmark file (JSONL: HumanEval, or APPS stdin records) and record id", key="record_path",
                      placeholder="../shared/data/HumanEval.jsonl.gz#HumanEval/0")


def backbone_fields() -> None:
    kind = st.selectbox("Backbone", kept.BACKBONE_KINDS, format_func=BACKBONES.get, key="backbone_kind")
    if kind == "sim":
        st.caption(SIM_NOTICE)
        c1, c2, c3 = st.columns(3)
        c1.slider("code skill", 0.0, 1.0, key="skill_code", help=GLOSSARY["skills"])
        c2.slider("test skill", 0.0, 1.0, key="skill_test", help=GLOSSARY["skills"])
        c3.slider("repair skill", 0.0, 1.0, key="skill_repair", help=GLOSSARY["skills"])
    elif kind == "candidates":
        candidate_fields()
    elif kind == "pool":
        st.text_input("Recorded samples folder", placeholder="../shared/data/humaneval_codegen16b", key="pool_folder")
    else:
        st.text_input("Model", key=f"model_{kind}")
        if kind == "compatible":
            st.text_input("Base URL", key="base_url")
        variable = "ANTHROPIC_API_KEY" if kind == "anthropic" else "OPENAI_API_KEY"
        label = f"API key (empty: ${variable} from the environment)" if kept.server_keys() else \
            "API key (this app serves other machines: the server's own keys are not used)"
        st.text_input(label, type="password", key=f"key_{kind}",
                      help="Held in memory for this session only; never written anywhere, never in the URL.")


def add_uploaded_candidates() -> None:
    """Appends uploaded .py files to the pasted candidates (a file upload does not outlive the page)."""
    files = st.session_state.get("cand_files") or []
    texts = [f.getvalue().decode("utf-8", "replace") for f in files]
    current = st.session_state.get("cand_codes", "").strip()
    joined = "\n# ---\n".join(t.strip("\n") for t in texts if t.strip())
    st.session_state["cand_codes"] = (current + "\n# ---\n" + joined) if current and joined else (current or joined)


def candidate_fields() -> None:
    st.caption("No model is called: your candidate programs are replayed (as a recorded pool is), and self-play "
               "resamples from them. Expected outputs come from your UTs, or, for other inputs, from what most "
               "candidates output (the trace says which).")
    st.text_area("Candidate programs, one after the other, separated by a line `# ---`", height=220,
                 key="cand_codes")
    st.file_uploader("…or add .py files", type=["py"], accept_multiple_files=True, key="cand_files",
                     on_change=add_uploaded_candidates)
    st.text_area("Unit tests (optional): blocks of `Input:` then `Output:`; without them, the statement's example "
                 "inputs are used", height=120, key="cand_tests")
    codes = kept.split_candidates(st.session_state["cand_codes"])
    pairs, problems = kept.io_blocks(st.session_state["cand_tests"])
    st.caption(f"{len(codes)} candidate{'s' if len(codes) != 1 else ''}, {len(pairs)} unit test"
               f"{'s' if len(pairs) != 1 else ''} parsed." + (" Malformed: " + "; ".join(problems) + "."
                                                              if problems else ""))


TRUSTED_HELP = (
    "Stage 2 step 3 repairs the codes that fail the *trusted* UT: the most-supported non-trivial UT (the one most "
    "codes pass, short of all). It is trusted only when at least this share of the code pool passes it, rounded "
    "up to whole codes (0.375 of 16 codes = 6); below that, no code is repaired in that round and the step says "
    "so. Lower: repairs against UTs few codes agree with, which may be wrong and pull right codes towards their "
    "error; higher: fewer repairs. 0 trusts any UT one code passes (the paper's rule as written). The default, "
    "0.375, is the largest share that gave up no successful repair on the HumanEval dev split (docs/deviations.md).")


def settings_fields() -> None:
    with st.expander("Settings", expanded=False):
        c1, c2, c3, c4 = st.columns(4)
        c1.number_input("codes N_c", 1, 64, key="codes", help=GLOSSARY["N_c"])
        c2.number_input("UTs N_t", 1, 64, key="tests", help=GLOSSARY["N_c"])
        c3.number_input("rounds T_max", 0, 20, key="rounds", help=GLOSSARY["round"])
        c4.number_input("random inputs R", 1, 64, key="inputs", help=GLOSSARY["signature"])
        c1.number_input("votes k", 1, 8, key="votes", help=GLOSSARY["votes"])
        c2.number_input("seed", 0, 10 ** 6, key="seed")
        c3.number_input("concurrent calls", 1, 32, key="concurrency")
        c4.number_input("budget: model calls (0 = none)", 0, 100000, key="max_calls",
                        help="The run stops cleanly once this many calls are made, and chooses from what it has. It "
                             "applies to language models and to sim (its simulated calls); pool replay and your own "
                             "candidates call no model, so no budget applies to them. Answers from the response cache are not counted.")
        c1.number_input("relative time limit (x pool median; 0 = full limits)", 0.0, 1000.0,
                        key="relative_time_limit")
        c2.number_input("trusted UT: minimum support (share of codes)", 0.0, 1.0, step=0.0625, format="%.4f",
                        key="trusted_min_support", help=TRUSTED_HELP)
        st.markdown("**Policies** (switch off for ablations)")
        columns = st.columns(4)
        for i, name in enumerate(Policies.names()):
            columns[i % 4].checkbox(POLICY_LABELS.get(name, name.replace("_", " ")), key=f"policy_{name}")


def show_problems(settings: dict) -> None:
    """What stops the settings from making a run, said now rather than after ▶ Run."""
    problem, _, why = kept.build_problem(settings)
    if problem is None:
        if why:
            st.error(why)
        elif settings["problem_source"] == "Paste a statement":
            st.info("Paste a statement to start.")
        return
    backbone, why = kept.build_backbone(settings)
    if backbone is None:
        if why:
            st.warning(why)
        return
    refusal = backbone_refusal(backbone.model, problem)
    if refusal:
        st.error(refusal)
    config, why = kept.build_config(settings)
    if config is None:
        st.error(why)


with st.container(horizontal=True, vertical_alignment="center"):
    st.markdown("**Tour presets:**")
    for name, (what, _) in kept.PRESETS.items():
        st.button(name, key=f"preset_{name}", help=what, on_click=kept.apply_preset, args=(name,))
problem_fields()
backbone_fields()
settings_fields()
show_problems(st.session_state["settings"])

current = shown()
if current is not None and current.source == "live":
    latest = current.latest
    if latest is not None:
        st.write(f"**Step {snapshot_label(latest)}** · {latest.title}")
        st.caption(cost_line(latest, current.backbone.get("simulation", False)))
        for line in explain_step(current.snapshots, len(current.snapshots) - 1, current.config,
                                 ground_truth_shown()):
            st.markdown(f"- {line}")
        for change in latest.changes[:8]:
            st.markdown(f"- {change.reason}")
        if latest.selection is not None:
            st.success(f"Selected code {latest.selection.code_id} (why: above; Stage 3 · clusters shows the "
                       "signatures and clusters).")
        if latest.tests:
            heavy_imports()
            from cosplay_core import viz

            st.plotly_chart(viz.matrix_figure(latest, show_gt=False), key="live_matrix", width="content")
    elif current.state == "running":
        st.write("Starting…")
