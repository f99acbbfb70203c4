"""The one place agent tools are registered: a typed function plus a pydantic model of its arguments.

Tools stay plain Python (callable directly); the registry adds what an LLM needs to call them: a
name, a description and a JSON schema, and validates the arguments a model sends before running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from memory.errors import InvalidInputError


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    function: Callable[..., Any]

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-tool schema."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.arguments.model_json_schema(),
            },
        }

    def call(self, context: Any, raw_arguments: dict[str, Any]) -> Any:
        """Validate arguments (as sent by a model) and run; ``context`` carries the user scope."""
        try:
            arguments = self.arguments.model_validate(raw_arguments)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or self.name
            raise InvalidInputError(f"{self.name}.{field}", first["msg"]) from None
        return self.function(context, arguments)


TOOLS: dict[str, Tool] = {}


def tool(name: str, description: str, arguments: type[BaseModel]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``function(context, arguments)`` as an agent tool under ``name``."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        if name in TOOLS:
            raise ValueError(f"tool {name!r} is registered twice")
        TOOLS[name] = Tool(name=name, description=description, arguments=arguments, function=function)
        return function

    return register
