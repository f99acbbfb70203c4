"""Prompt templates, one ``.txt`` file per prompt, loaded by name.

Why files: prompts are product text that gets tuned; keeping them out of code makes them reviewable
and lets evals swap them without touching logic. Templates use ``$name`` placeholders
(``string.Template``) so JSON braces in prompts need no escaping.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from string import Template

from memory.errors import InvalidInputError


@cache
def load(name: str) -> str:
    """Return the text of ``prompts/<name>.txt``."""
    resource = files(__name__).joinpath(f"{name}.txt")
    if not resource.is_file():
        raise InvalidInputError("prompt", f"no template named {name!r}", "add prompts/<name>.txt")
    return resource.read_text(encoding="utf-8")


def render(name: str, **values: object) -> str:
    """Fill a template's ``$placeholders``; a missing value is an error, not a silent blank."""
    try:
        return Template(load(name)).substitute({key: str(value) for key, value in values.items()})
    except KeyError as missing:
        raise InvalidInputError("prompt", f"template {name!r} needs a value for {missing}") from None
