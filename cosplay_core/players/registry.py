"""Backbone specs to players: `make_player("anthropic:claude-sonnet-4-5", problem, executor)`.

- `sim`: the offline simulation (`SimPlayer`), not a language model;
- `pool:<folder>`: replay of recorded samples (`players.pool`); `candidates:<folder>`: replay of your own candidate
  programs and UTs (`players.candidates`); both registered below, their modules imported when first used;
- anything else is a language-model spec for `cosplay_core.models.create_model` (`anthropic:<model>`,
  `openai:<model>` with an optional base URL for OpenAI-compatible servers), wrapped in a `ModelClient` (bounded
  concurrency, retries, a budget, the response cache) and an `LMPlayer`.

Every error a user can cause (an unknown spec, a missing key, settings that do not apply) is a ModelConfigError
whose message is one sentence.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from cosplay_core.models.base import ModelConfigError
from cosplay_core.models.cache import ResponseCache
from cosplay_core.models.client import Budget, ModelClient
from cosplay_core.models.registry import create_model, providers
from cosplay_core.players.contract import EventSink, Player
from cosplay_core.problem import Problem
from cosplay_core.sandbox import Executor

__all__ = ["BackboneOptions", "describe_backbones", "make_player", "register_player", "registered_players"]


@dataclass(frozen=True)
class BackboneOptions:
    """What `make_player` was given besides the spec, handed to a registered player factory as one record.

    `max_calls` / `max_tokens` are the run's budget (calls and tokens), not the length of one completion.
    `cache_dir` None means the default cache folder; False means no response cache. `config`: the run's settings
    (a RunConfig) when known, for a backbone that sizes its answers by them (pool replay: N_c, N_t and R).
    """

    seed: int = 0
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never in a repr, a log or a trace
    cache_dir: str | os.PathLike[str] | None | bool = None
    concurrency: int = 8
    max_calls: int | None = None
    max_tokens: int | None = None
    sim_skills: Any = None
    on_event: EventSink | None = None
    config: Any = None


# factory(rest_of_spec, problem, executor, options) -> Player; `rest_of_spec` is what follows "prefix:" ("" if none)
PlayerFactory = Callable[[str, Problem, Executor, BackboneOptions], Player]

_PLAYERS: dict[str, tuple[PlayerFactory, str, str]] = {}

_MODEL_HELP = {
    "anthropic": ("anthropic:<model>", "Claude through the Anthropic Messages API (key: ANTHROPIC_API_KEY)"),
    "openai": ("openai:<model> [--base-url URL]",
               "OpenAI Chat Completions (key: OPENAI_API_KEY), or any OpenAI-compatible server given its base URL "
               "(vLLM, Ollama, llama.cpp server, LM Studio)"),
}


def register_player(prefix: str, factory: PlayerFactory, *, usage: str | None = None, help: str = "") -> None:
    """Make `make_player` answer "prefix" and "prefix:<rest>" with `factory(rest, problem, executor, options)`.

    Registering a prefix again replaces it. `usage` is the
    form shown to users (default "prefix:<...>"), `help` one line about it.
    """
    if not prefix or ":" in prefix or prefix != prefix.strip():
        raise ValueError(f"a backbone prefix is a non-empty word without ':', not {prefix!r}")
    _PLAYERS[prefix] = (factory, usage or f"{prefix}:<...>", help)


def registered_players() -> list[str]:
    """The prefixes answered by a registered player factory (not by a language model)."""
    return list(_PLAYERS)


def _model_prefixes() -> list[str]:
    return [usage.split(":", 1)[0].split()[0] for usage in providers()]


def _forms() -> list[str]:
    forms = [usage for _, usage, _ in _PLAYERS.values()]
    for prefix in _model_prefixes():
        forms.append(_MODEL_HELP.get(prefix, (f"{prefix}:<model>", ""))[0])
    return forms


def describe_backbones() -> list[str]:
    """One line per backbone form, for help texts: "form: what it is"."""
    lines = [f"{usage}: {help}" if help else usage for _, usage, help in _PLAYERS.values()]
    for prefix in _model_prefixes():
        form, help = _MODEL_HELP.get(prefix, (f"{prefix}:<model>", "a language model"))
        lines.append(f"{form}: {help}")
    return lines


def _unknown(spec: str) -> ModelConfigError:
    forms = _forms()
    listed = ", ".join(forms[:-1]) + f" or {forms[-1]}" if len(forms) > 1 else forms[0]
    return ModelConfigError(f"Unknown backbone '{spec}': use {listed}")


def make_player(spec: str, problem: Problem, executor: Executor, *, seed: int = 0, base_url: str | None = None,
                api_key: str | None = None, cache_dir: str | os.PathLike[str] | None | bool = None,
                concurrency: int = 8, max_calls: int | None = None, max_tokens: int | None = None,
                sim_skills: Any = None, on_event: EventSink | None = None, config: Any = None) -> Player:
    """The player a backbone spec names, bound to `problem`; ModelConfigError (one sentence) when it cannot be made.

    For a language model: `api_key` or the provider's environment variable, `base_url` for another endpoint,
    `cache_dir` for the response cache (None: the default folder; False: no cache), `concurrency` calls in flight,
    `max_calls` / `max_tokens` the run's budget, `on_event` receives every model call (`{"type": "model_call",
    ...}`, never a key) and the player's failures. For `sim`: `seed` and `sim_skills` (a SimSkills or a dict).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise _unknown(str(spec or ""))
    spec = spec.strip()
    base_url = base_url or None  # an empty field in a form is no URL
    api_key = api_key or None
    options = BackboneOptions(seed=seed, base_url=base_url, api_key=api_key, cache_dir=cache_dir,
                              concurrency=concurrency, max_calls=max_calls, max_tokens=max_tokens,
                              sim_skills=sim_skills, on_event=on_event, config=config)
    prefix, _, rest = spec.partition(":")
    if prefix in _PLAYERS:
        factory = _PLAYERS[prefix][0]
        return factory(rest, problem, executor, options)
    if prefix not in _model_prefixes():
        raise _unknown(spec)
    return _language_model_player(spec, problem, executor, options)


def _language_model_player(spec: str, problem: Problem, executor: Executor, options: BackboneOptions) -> Player:
    from cosplay_core.players.lm_player import LMPlayer

    if options.concurrency < 1:
        raise ModelConfigError(f"concurrency must be at least 1, not {options.concurrency}")
    for name in ("max_calls", "max_tokens"):
        value = getattr(options, name)
        if value is not None and value < 0:
            raise ModelConfigError(f"{name} must be a non-negative number, not {value}")
    model = create_model(spec, api_key=options.api_key, base_url=options.base_url)
    cache = None
    cache_dir = options.cache_dir
    if cache_dir is not False:
        cache = ResponseCache(None if cache_dir is None or cache_dir is True else Path(cache_dir))
    on_event = options.on_event
    on_call = (lambda record: on_event({"type": "model_call", **record})) if on_event is not None else None
    client = ModelClient(model, concurrency=options.concurrency, budget=Budget(options.max_calls, options.max_tokens),
                         cache=cache, on_call=on_call)
    return LMPlayer(problem, client, executor, seed=options.seed, on_event=on_event)


# ---- the built-in non-model backbones ------------------------------------------------------------------------------


def _no_extras(kind: str, options: BackboneOptions) -> None:
    if options.base_url:
        raise ModelConfigError(f"a base URL applies to language models (openai:<model>, anthropic:<model>), not to "
                               f"{kind}")


def _sim_player(rest: str, problem: Problem, executor: Executor, options: BackboneOptions) -> Player:
    from cosplay_core.players.sim import SimPlayer, SimSkills

    if rest:
        raise ModelConfigError(f"the sim backbone takes no model name: use 'sim', not 'sim:{rest}'")
    _no_extras("sim", options)
    skills = options.sim_skills
    if skills is None:
        skills = SimSkills()
    elif isinstance(skills, dict):
        unknown = sorted(set(skills) - {"code", "test", "repair"})
        if unknown:
            raise ModelConfigError(f"unknown sim skill {', '.join(unknown)}: the skills are code, test and repair")
        try:
            skills = SimSkills(**skills)
        except (TypeError, ValueError) as err:
            raise ModelConfigError(str(err)) from None
    return SimPlayer(problem, executor, seed=options.seed, skills=skills, max_calls=options.max_calls)


def _factory_in(module: str) -> PlayerFactory:
    """The `backbone_factory` of `module`, imported when a player is first asked for (listing the backbones imports
    none of them); the player modules never import this one, so the registry is the only way in."""
    def factory(rest: str, problem: Problem, executor: Executor, options: BackboneOptions) -> Player:
        return importlib.import_module(module).backbone_factory(rest, problem, executor, options)
    return factory


register_player("sim", _sim_player, usage="sim",
                help="an offline simulation, not a language model: it samples the problem's known programs with set "
                     "skills (sample problems only)")
register_player("pool", _factory_in("cosplay_core.players.pool"), usage="pool:<folder>",
                help="replays recorded samples (CodeGen-16B for HumanEval): no model is called")
register_player("candidates", _factory_in("cosplay_core.players.candidates"), usage="candidates:<folder>",
                help="replays your own candidate programs and unit tests: no model is called")
