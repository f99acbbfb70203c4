"""Runtime settings, read once from the environment (prefix ``RAPPORT_``).

Kept free of heavy imports: the CLI and the memory store read it at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path("~/.local/share/rapport").expanduser()


class Settings(BaseSettings):
    """Where Rapport keeps its data and which chat model it talks to."""

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Root of all stored data.")
    chroma_url: str | None = Field(
        default=None, description="A Chroma server (http://host:port); unset means embedded Chroma on disk."
    )
    llm_provider: Literal["local", "openai"] = "local"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma database."""
        return self.data_dir.expanduser() / "chroma"
