"""The backbone layer: a `Model` protocol, providers created from specs, and `ModelClient` around them.

    model = create_model("anthropic:claude-sonnet-4-5")          # key from ANTHROPIC_API_KEY
    client = ModelClient(model, cache=ResponseCache(), budget=Budget(max_calls=500))
    completion = await client.complete([Message("user", "...")], GenerateConfig(max_tokens=2048))

Importing this package imports no provider SDK: each is imported when a model of its provider is created.
"""

from cosplay_core.models.base import (
    BudgetExceeded,
    Completion,
    GenerateConfig,
    Message,
    Model,
    ModelAttemptError,
    ModelCallError,
    ModelConfigError,
    ModelUnavailable,
    ModelError,
    Usage,
)
from cosplay_core.models.cache import ResponseCache, default_cache_dir, request_key
from cosplay_core.models.client import Budget, ClientTotals, ModelClient
from cosplay_core.models.registry import create_model, providers, register_provider

__all__ = [
    "Budget",
    "BudgetExceeded",
    "ClientTotals",
    "Completion",
    "GenerateConfig",
    "Message",
    "Model",
    "ModelAttemptError",
    "ModelCallError",
    "ModelClient",
    "ModelConfigError",
    "ModelUnavailable",
    "ModelError",
    "ResponseCache",
    "Usage",
    "create_model",
    "default_cache_dir",
    "providers",
    "register_provider",
    "request_key",
]
