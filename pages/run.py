"""Run: choose a problem and a backbone, set the run up, and drive it with Run, Step, Pause and Reset."""

from __future__ import annotations

import time

import streamlit as st

from cosplay_core import viz
from cosplay_core.config import Policies, RunConfig
from cosplay_core.controller import RunController
from cosplay_core.models.base import ModelConfigError
from cosplay_core.models.sim import SIM_NOTICE, SimSkills
from cosplay_core.problem import ProblemError, load_problem, problem_from_text
from cosplay_core.run import RunError, problem_card
from cosplay_core.session import BackboneSettings, resolve_problem, start_run, write_summary
from pages.safety import SERVER_KEYS_VARIABLE, checked_path, checked_record, server_keys_allowed
from pages.common import (RUNS, SAMPLES, STATE_LABELS, backbone_badge, controller, cost_line, executor, is_running,
                          sandbox_warnings, set_live, shown, snapshot_label)

BACKBONES = {"sim": "sim (offline simulation)", "anthropic": "Anthropic (Claude)", "openai": "OpenAI (GPT)",
             "compatible": "OpenAI-compatible server (vLLM, Ollama, llama.cpp)", "pool": "Recorded pool (pool:)"}
POLICY_LABELS = {"attack_tests": "UTs targeting attack ideas", "self_consistency": "self-consistency votes",
                 "clean_codes": "step 1: replace codes passing no UT", "break_coupling": "step 2: refresh weakest UT",
                 "fix_codes": "step 3: repair against trusted UT", "replace_trivial_tests":
                 "step 4: replace zero-discrimination UTs", "cluster_ties": "stage 3: cluster tied codes",
                 "cluster_all_codes": "stage 3: cluster every code"}

st.title("CoSPlay Studio")
st.caption("Candidate programs and unit tests written by a model improve each other through an execution matrix; "
           "no ground-truth tests are used.")
sandbox_warnings()


def choose_problem():
    """The problem picked or pasted on this page, or None with an error shown."""
    source = st.radio("Problem", ["Sample problem", "Paste a statement", "Benchmark record"], horizontal=True,
                      key="problem_source")
    try:
        if source == "Sample problem":
            folders = sorted(p.name for p in SAMPLES.iterdir() if (p / "problem.toml").exists())
            slug = st.selectbox("Sample", folders, index=folders.index("weighted_jobs") if "weighted_jobs" in folders
                                else 0, key="sample")
            return load_problem(SAMPLES / slug), None
        if source == "Paste a statement":
            statement = st.text_area("Statement (what the model sees)", height=200, key="statement")
            left, right = st.columns(2)
            io = left.radio("I/O", ["stdin", "function"], horizontal=True, key="paste_io")
            entry = right.text_input("Entry point (function mode)", placeholder="solve or Solution().method",
                                     key="paste_entry") if io == "function" else None
            limit = left.number_input("Time limit (s)", 0.1, 60.0, 2.0, key="paste_limit")
            compare = right.selectbox("Compare outputs", ["tokens", "exact", "float:1e-6"], key="paste_compare")
            examples_text = st.text_area("Examples with answers (optional, scoring only): blocks of `Input:` then "
                                         "`Output:`", height=100, key="paste_examples")
            if not statement.strip():
                st.info("Paste a statement to start.")
                return None, None
            from cosplay_core.parse import extract_io_blocks

            examples = extract_io_blocks(examples_text) if examples_text.strip() else []
            return problem_from_text(statement, io, entry or None, float(limit), compare, examples), None
        path = st.text_input("Benchmark file (JSONL: HumanEval, or APPS stdin records) and record id",
                             key="record_path",
                             placeholder="../shared/data/HumanEval.jsonl.gz#HumanEval/0")
        if not path.strip():
            return None, None
        reference, refusal = checked_record(path)
        if refusal:
            st.error(refusal)
            return None, None
        return resolve_problem(reference)
    except ProblemError as exc:
        st.error(f"Problem: {exc}")
        return None, None


def choose_backbone() -> BackboneSettings | None:
    kind = st.selectbox("Backbone", list(BACKBONES), format_func=BACKBONES.get, key="backbone_kind")
    if kind == "sim":
        st.caption(SIM_NOTICE)
        c1, c2, c3 = st.columns(3)
        skills = SimSkills(code=c1.slider("code skill", 0.0, 1.0, 0.3, key="skill_code"),
                           test=c2.slider("test skill", 0.0, 1.0, 0.6, key="skill_test"),
                           repair=c3.slider("repair skill", 0.0, 1.0, 0.5, key="skill_repair"))
        return BackboneSettings("sim", sim_skills=skills)
    if kind == "pool":
        folder = st.text_input("Recorded samples folder", placeholder="../shared/data/humaneval_codegen16b",
                               key="pool_folder")
        if not folder.strip():
            return None
        path, refusal = checked_path(folder)
        if refusal:
            st.error(refusal)
            return None
        return BackboneSettings(f"pool:{path}")
    defaults = {"anthropic": "claude-sonnet-4-5", "openai": "gpt-4o", "compatible": "llama3.1:8b"}
    model = st.text_input("Model", defaults[kind], key=f"model_{kind}")
    base_url = st.text_input("Base URL", "http://localhost:11434/v1", key="base_url") if kind == "compatible" else None
    variable = "ANTHROPIC_API_KEY" if kind == "anthropic" else "OPENAI_API_KEY"
    server_keys = server_keys_allowed(st.get_option("server.address"))
    label = f"API key (empty: ${variable} from the environment)" if server_keys else \
        "API key (this app serves other machines: the server's own keys are not used)"
    key = st.text_input(label, type="password", key=f"key_{kind}",
                        help="Held in memory for this session only; never written anywhere.")
    prefix = "anthropic" if kind == "anthropic" else "openai"
    if not key and not server_keys:
        if kind != "compatible":
            st.warning("Type a key: this app serves other machines, and the keys in its environment are used only "
                       f"when it is started with {SERVER_KEYS_VARIABLE}=1.")
            return None
        key = "EMPTY"  # a local server that checks no key; never the server's OPENAI_API_KEY
    return BackboneSettings(f"{prefix}:{model.strip()}", base_url=base_url or None, api_key=key or None)


def choose_settings() -> RunConfig | None:
    with st.expander("Settings", expanded=False):
        c1, c2, c3, c4 = st.columns(4)
        codes = c1.number_input("codes N_c", 1, 64, 16, key="codes")
        tests = c2.number_input("UTs N_t", 1, 64, 16, key="tests")
        rounds = c3.number_input("rounds T_max", 0, 20, 5, key="rounds")
        inputs = c4.number_input("random inputs R", 1, 64, 16, key="inputs")
        votes = c1.number_input("votes k", 1, 8, 4, key="votes")
        seed = c2.number_input("seed", 0, 10 ** 6, 0, key="seed")
        st.session_state.setdefault("concurrency", 8)
        c3.number_input("concurrent calls", 1, 32, key="concurrency")
        c4.number_input("budget: model calls (0 = none)", 0, 100000, 0, key="max_calls")
        relative = c1.number_input("relative time limit (x pool median; 0 = full limits)", 0.0, 1000.0, 20.0,
                                   key="relative_time_limit")
        st.markdown("**Policies** (switch off for ablations)")
        columns = st.columns(4)
        switches = {name: columns[i % 4].checkbox(POLICY_LABELS[name], getattr(Policies(), name),
                                                  key=f"policy_{name}")
                    for i, name in enumerate(Policies.names())}
    try:
        return RunConfig(codes=int(codes), tests=int(tests), rounds=int(rounds), inputs=int(inputs),
                         votes=int(votes), seed=int(seed), policies=Policies(**switches),
                         relative_time_limit=float(relative) or None)
    except ValueError as exc:
        st.error(f"Settings: {exc}")
        return None


def start(problem, ground_truth, config: RunConfig, backbone: BackboneSettings) -> None:
    backbone.concurrency = int(st.session_state.get("concurrency", 8))
    backbone.max_calls = int(st.session_state.get("max_calls", 0)) or None
    out = RUNS / f"app-{time.strftime('%Y%m%d-%H%M%S')}-{problem.slug.replace('/', '_')}"
    try:
        run = start_run(problem, config, executor(), backbone, out, ground_truth, resume=False)
    except (ModelConfigError, RunError, ProblemError) as exc:
        st.error(str(exc))
        return
    set_live(RunController(lambda: run, on_finish=write_summary), backbone=run.player.info.__dict__,
             problem=problem_card(problem))


problem, ground_truth = choose_problem()
backbone = choose_backbone()
config = choose_settings()

live = controller()
view = live.view() if live is not None else None
ready = problem is not None and backbone is not None and config is not None
columns = st.columns([1, 1, 1, 1, 4])
run_clicked = columns[0].button("▶ Run", type="primary", disabled=not ready and live is None, key="run_button")
step_clicked = columns[1].button("⏭ Step", disabled=not ready and live is None, key="step_button")
pause_clicked = columns[2].button("⏸ Pause", disabled=not is_running(), key="pause_button")
reset_clicked = columns[3].button("↺ Reset", disabled=live is None, key="reset_button")

if reset_clicked:
    set_live(None)
    st.rerun()
if (run_clicked or step_clicked) and (live is None or view.state in ("done", "failed")
                                      or st.session_state.get("opened") is not None):
    if ready:
        start(problem, ground_truth, config, backbone)
        live = controller()
if live is not None:
    if run_clicked:
        live.run()
    elif step_clicked:
        live.step()
    elif pause_clicked:
        live.pause()


@st.fragment(run_every=0.5 if is_running() else None)
def progress() -> None:
    current = shown()
    if current is None or current.source != "live":
        return
    backbone_badge(current.backbone)
    latest = current.latest
    state = STATE_LABELS.get(current.state, current.state)
    if latest is None:
        st.write(f"**{state}**: " + ("starting…" if current.state == "running" else "no step finished yet"))
    else:
        st.write(f"**{state}** · step {snapshot_label(latest)} · {latest.title}")
        st.caption(cost_line(latest))
    if current.message:
        (st.error if current.state == "failed" else st.warning)(current.message)
    if latest is None:
        return
    for change in latest.changes[:8]:
        st.markdown(f"- {change.reason}")
    if latest.selection is not None:
        st.success(f"Selected code {latest.selection.code_id}. " + " ".join(latest.selection.reasons))
    if latest.tests:
        st.plotly_chart(viz.matrix_figure(latest, show_gt=False), key="live_matrix", width="content")
    if current.state == "done" and st.session_state.get("_was_running"):
        st.session_state["_was_running"] = False
        st.rerun()  # the whole page once more, so the buttons show the finished state
    st.session_state["_was_running"] = current.state == "running"


progress()
