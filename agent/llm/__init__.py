"""Chat models behind one protocol; ``get_chat_model`` picks the provider from settings.

Importing this package is cheap: the llama.cpp runtime loads on a model's first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ChatModel, Message, Role
from .errors import LLMOutputError, ModelUnavailableError

if TYPE_CHECKING:
    from agent.settings import Settings

__all__ = ["ChatModel", "LLMOutputError", "Message", "ModelUnavailableError", "Role", "get_chat_model"]


def get_chat_model(settings: Settings | None = None) -> ChatModel:
    """The configured chat model (``RAPPORT_LLM_PROVIDER``), not yet loaded."""
    if settings is None:
        from agent.settings import Settings

        settings = Settings()
    if settings.llm_provider == "local":
        from .local import LocalModel

        return LocalModel.from_settings(settings)
    if settings.llm_provider == "openai":
        from .openai_provider import OpenAIModel

        return OpenAIModel.from_settings(settings)
    raise ModelUnavailableError(
        f"the {settings.llm_provider!r} chat provider is not available yet: "
        "set RAPPORT_LLM_PROVIDER=local (the embedded model)"
    )
