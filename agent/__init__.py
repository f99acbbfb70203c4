"""Rapport's assistant: ``from agent import Assistant``.

Names are imported on first use so that ``agent.settings`` and the CLI start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.assistant import Assistant
    from agent.settings import Settings
    from agent.types import Reply, StreamEvent

__all__ = ["Assistant", "Reply", "Settings", "StreamEvent"]

_HOMES = {
    "Assistant": "agent.assistant",
    "Settings": "agent.settings",
    "Reply": "agent.types",
    "StreamEvent": "agent.types",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")
