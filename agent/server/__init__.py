"""The OpenAI-compatible HTTP server (``rapport serve``). Importing it loads FastAPI, nothing heavier."""

from .app import AssistantAPI, create_app
from .auth import check_bind, is_loopback
from .run import serve

__all__ = ["AssistantAPI", "check_bind", "create_app", "is_loopback", "serve"]
