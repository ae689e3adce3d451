"""Backbone specs to players: sim, pool (a registration hook), language models; clear errors for a user's mistakes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cosplay_core.players import registry as backbone
from cosplay_core.players.registry import BackboneOptions, describe_backbones, make_player, register_player
from cosplay_core.models import ModelConfigError
from cosplay_core.players.lm_player import LMPlayer
from cosplay_core.players.sim import SimPlayer, SimSkills
from cosplay_core.players.contract import stage3_input_kinds
from cosplay_core.problem import Problem, load_problem
from fake_llm_server import FakeLLMServer

SAMPLES = Path(__file__).resolve().parent.parent / "sample_problems"
FORMS = ("sim", "pool:<folder>", "candidates:<folder>", "anthropic:<model>", "openai:<model> [--base-url URL]")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def problem():
    return load_problem(SAMPLES / "max_subarray")


def one_sentence(err: BaseException) -> str:
    message = str(err)
    assert message and "\n" not in message and "Traceback" not in message
    return message


# ---- sim ----------------------------------------------------------------------------------------------------------


def test_sim(problem, executor):
    player = make_player("sim", problem, executor, seed=5)
    assert isinstance(player, SimPlayer)
    assert player.info.simulation is True and player.info.name == "sim" and player.seed == 5
    assert player.skills == SimSkills()


def test_sim_stage3_inputs_follow_the_shared_mix(problem, executor):
    """The sim asks gen.py for the kinds every backbone is asked for: one `large` input among 16, last."""
    player = make_player("sim", problem, executor, seed=2)
    inputs = asyncio.run(player.random_inputs(16, 7))
    assert stage3_input_kinds(16).count("large") == 1 and stage3_input_kinds(16)[-1] == "large"
    assert len(inputs) == 16 and inputs == asyncio.run(player.random_inputs(16, 7))
    sizes = [int(text.split()[0]) for text in inputs]
    assert sizes[-1] == max(sizes) and sizes[-1] > 10 * sorted(sizes)[-2]  # gen.py's `large` is at the limits
    assert len(asyncio.run(player.random_inputs(7, 7))) == 7 and stage3_input_kinds(7).count("large") == 0


def test_sim_skills_as_a_dataclass_or_a_dict(problem, executor):
    assert make_player("sim", problem, executor, sim_skills=SimSkills(code=0.9)).skills.code == 0.9
    player = make_player(" sim ", problem, executor, sim_skills={"test": 0.1, "repair": 1.0})
    assert player.skills == SimSkills(test=0.1, repair=1.0)
    with pytest.raises(ModelConfigError, match="unknown sim skill speed"):
        make_player("sim", problem, executor, sim_skills={"speed": 1.0})
    with pytest.raises(ModelConfigError, match="between 0 and 1"):
        make_player("sim", problem, executor, sim_skills={"code": 2.0})


def test_sim_needs_a_problem_with_known_programs(executor):
    pasted = Problem(slug="pasted", title="Pasted", statement="Print the sum of two integers.")
    with pytest.raises(ModelConfigError) as info:
        make_player("sim", pasted, executor)
    assert "real model" in one_sentence(info.value)


@pytest.mark.parametrize("spec,options,expected", [
    ("sim:fast", {}, "takes no model name"),
    ("sim", {"base_url": "http://127.0.0.1:8000/v1"}, "base URL applies to language models"),
])
def test_sim_misuse(spec, options, expected, problem, executor):
    with pytest.raises(ModelConfigError) as info:
        make_player(spec, problem, executor, **options)
    assert expected in one_sentence(info.value)


# ---- unknown specs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["", "   ", "gpt-4o", "claude-sonnet-4-5", "foo:bar", "Anthropic:claude", "SIM"])
def test_an_unknown_spec_lists_every_backbone(spec, problem, executor):
    with pytest.raises(ModelConfigError) as info:
        make_player(spec, problem, executor)
    message = one_sentence(info.value)
    assert message.startswith("Unknown backbone")
    for form in FORMS:
        assert form in message


def test_describe_backbones():
    lines = describe_backbones()
    assert len(lines) >= 4
    for form, line in zip(FORMS, lines):
        assert line.startswith(form + ": ")
    assert "not a language model" in lines[0]


# ---- pool: a placeholder until pool replay registers itself ---------------------------------------------------------


def test_pool_without_recorded_samples_is_a_clear_error(problem, executor, tmp_path):
    with pytest.raises(ModelConfigError) as info:
        make_player(f"pool:{tmp_path / 'no-such-folder'}", problem, executor)
    assert "no-such-folder" in one_sentence(info.value)


def test_register_player_hooks_in_a_pool_factory(problem, executor, monkeypatch):
    monkeypatch.setattr(backbone, "_PLAYERS", dict(backbone._PLAYERS))  # restored after the test
    seen = {}

    def pool_factory(rest, problem_, executor_, options):
        seen.update(rest=rest, problem=problem_, executor=executor_, options=options)
        return "a pool player"

    register_player("pool", pool_factory, usage="pool:<folder>", help="replays recorded samples")
    events = []
    assert make_player("pool:data/humaneval", problem, executor, seed=3, on_event=events.append) == "a pool player"
    assert seen["rest"] == "data/humaneval" and seen["problem"] is problem and seen["executor"] is executor
    assert isinstance(seen["options"], BackboneOptions) and seen["options"].seed == 3
    assert seen["options"].on_event == events.append
    assert "pool:<folder>: replays recorded samples" in describe_backbones()
    with pytest.raises(ValueError):
        register_player("bad:prefix", pool_factory)


# ---- language models ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec,variable", [("anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
                                           ("openai:gpt-4o", "OPENAI_API_KEY")])
def test_a_missing_key_names_its_variable(spec, variable, problem, executor, tmp_path):
    with pytest.raises(ModelConfigError) as info:
        make_player(spec, problem, executor, cache_dir=tmp_path)
    assert variable in one_sentence(info.value)


def test_anthropic_with_a_base_url_still_needs_a_key(problem, executor, tmp_path):
    with pytest.raises(ModelConfigError, match="ANTHROPIC_API_KEY"):
        make_player("anthropic:claude-test", problem, executor, base_url="http://127.0.0.1:9/", cache_dir=tmp_path)


def test_a_key_from_the_environment(problem, executor, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env-key-555")
    player = make_player("anthropic:claude-test", problem, executor, cache_dir=tmp_path)
    assert isinstance(player, LMPlayer) and player.info.name == "anthropic:claude-test"
    assert "sk-ant-env-key-555" not in repr(player.info) + repr(player.client)


def test_an_openai_compatible_server_needs_no_key(problem, executor, tmp_path):
    """A local server (vLLM, Ollama, ...) given by its base URL: no key needed, and the player really talks to it."""
    events = []
    with FakeLLMServer("```python\nprint(1)\n```") as server:
        player = make_player("openai:llama3.1:8b", problem, executor, base_url=server.openai_base_url,
                             cache_dir=tmp_path / "cache", concurrency=3, max_calls=10, max_tokens=50_000,
                             on_event=events.append)
        assert isinstance(player, LMPlayer)
        assert player.info.name == "openai:llama3.1:8b" and player.info.simulation is False
        assert player.info.settings["base_url"] == server.openai_base_url
        assert player.client.concurrency == 3
        assert (player.client.budget.max_calls, player.client.budget.max_tokens) == (10, 50_000)
        assert player.client.cache is not None and player.client.cache.directory == tmp_path / "cache"

        async def go():
            try:
                return await player.write_code(None, 1)
            finally:
                await player.aclose()

        assert asyncio.run(go()) == "print(1)"
        [request] = server.requests
        assert request.headers["authorization"] == "Bearer EMPTY"
        assert request.body["model"] == "llama3.1:8b"
    [call] = [e for e in events if e["type"] == "model_call"]
    assert call["model"] == "openai:llama3.1:8b" and call["error"] is None
    assert player.usage.calls == 1


def test_an_explicit_key_never_reaches_events_or_the_cache(problem, executor, tmp_path):
    key = "sk-explicit-key-98765"
    events = []
    with FakeLLMServer("```python\nprint(2)\n```", expected_key=key) as server:
        player = make_player("openai:gpt-test", problem, executor, api_key=key, base_url=server.openai_base_url,
                             cache_dir=tmp_path / "cache", on_event=events.append)

        async def go():
            try:
                return await player.write_code(None, 1)
            finally:
                await player.aclose()

        assert asyncio.run(go()) == "print(2)"
    assert key not in json.dumps(events, default=str) and key not in repr(player.info)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes()


def test_no_cache_when_asked(problem, executor):
    player = make_player("openai:m", problem, executor, base_url="http://127.0.0.1:9/v1", cache_dir=False)
    assert player.client.cache is None


@pytest.mark.parametrize("options,expected", [({"concurrency": 0}, "concurrency"), ({"max_calls": -1}, "max_calls")])
def test_impossible_settings(options, expected, problem, executor):
    with pytest.raises(ModelConfigError, match=expected):
        make_player("openai:m", problem, executor, base_url="http://127.0.0.1:9/v1", cache_dir=False, **options)
