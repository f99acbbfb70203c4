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


def _default_cache_dir() -> Path:
    return Path("~/.cache/rapport").expanduser()


class Settings(BaseSettings):
    """Where Rapport keeps its data and which chat model it talks to."""

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Root of all stored data.")
    chroma_url: str | None = Field(
        default=None, description="A Chroma server (http://host:port); unset means embedded Chroma on disk."
    )
    database_url: str | None = Field(
        default=None,
        description="A Postgres server (postgresql://user@host:port/db) for conversation threads, shared by every "
        "replica of `rapport serve`; unset means SQLite in the data dir.",
    )
    llm_provider: Literal["local", "openai"] = "local"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    cache_dir: Path = Field(
        default_factory=_default_cache_dir, description="Rebuildable files: the local model's weights."
    )
    llm_model_path: str | None = Field(
        default=None,
        description=(
            "The local provider's model: a name from `rapport model list` (e.g. smollm2-135m-instruct) or a path "
            "to a GGUF file; unset means the bundled gemma3-270m."
        ),
    )
    llm_repeat_penalty: float = Field(
        default=1.1, ge=1.0, le=2.0, description="Repeat penalty of the local model's chat replies (1.0 is off)."
    )
    llm_local_tools: bool = Field(
        default=True,
        description="Let a local model whose chat template renders tools choose tools itself; off: the planner does.",
    )
    llm_threads: int | None = Field(
        default=None, ge=1, description="CPU threads for the local model; unset means one per core."
    )
    llm_context: int = Field(default=2048, ge=256, description="Context window of the local model, tokens.")
    llm_batch: int = Field(default=512, ge=8, description="Prompt tokens the local model evaluates per step.")
    llm_timeout: float = Field(
        default=60.0, gt=0, description="Seconds the openai provider waits for one request before retrying."
    )
    llm_max_retries: int = Field(
        default=2, ge=0, description="Retries (with exponential backoff) of a failed openai-provider request."
    )
    admin_key: str | None = Field(
        default=None,
        description="Key that acts as any user and manages keys, backup and restore (RAPPORT_ADMIN_KEY); "
        "mandatory when `rapport serve` listens beyond loopback. User keys: `rapport keys create --user ID`.",
    )
    api_key: str | None = Field(
        default=None, description="The admin key's older name (RAPPORT_API_KEY), used when RAPPORT_ADMIN_KEY is unset."
    )

    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest JSON body `rapport serve` reads (RAPPORT_MAX_BODY_BYTES)."
    )
    max_upload_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description="Largest restore or import file `rapport serve` streams to disk (RAPPORT_MAX_UPLOAD_BYTES).",
    )

    @property
    def server_admin_key(self) -> str | None:
        """The admin key, under either of its names; None when neither is set (or both are blank)."""
        for key in (self.admin_key, self.api_key):
            if key and key.strip():
                return key.strip()
        return None

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma database."""
        return self.data_dir.expanduser() / "chroma"
