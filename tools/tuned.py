"""The recommendation configuration chosen on validation data, which the product uses as its defaults.

``rapport eval recsys --tune`` chooses every weight and hyperparameter on a validation split (each
user's second-to-last positive; the test items are never seen) and writes them to
``<data dir>/recsys/tuned.json``; without that file the product uses ``tools/recsys_tuned.json``,
the configuration tuned on ml-latest-small that ships with Rapport. ``chosen_on`` says which split
chose which group of parameters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError

from memory.errors import InvalidInputError

from .collab import CollabConfig
from .pipeline import RankingConfig

if TYPE_CHECKING:
    from agent.settings import Settings

PACKAGED = Path(__file__).with_name("recsys_tuned.json")
TUNED_FILE = "tuned.json"
_cache: dict[Path, tuple[float, TunedConfig]] = {}


class TunedConfig(BaseModel):
    ranking: RankingConfig = Field(default_factory=RankingConfig)
    collab: CollabConfig = Field(default_factory=CollabConfig)
    baselines: dict[str, Any] = Field(default_factory=dict, description="Hyperparameters of the eval's baselines.")
    chosen_on: dict[str, str] = Field(default_factory=dict, description="Parameter group -> the split that chose it.")
    dataset: str = ""


def tuned_path(settings: Settings | None = None) -> Path:
    """Where ``--tune`` installs its choice for this data dir."""
    from agent.settings import Settings

    return (settings or Settings()).data_dir.expanduser() / "recsys" / TUNED_FILE


def load_tuned(path: Path | None = None) -> TunedConfig:
    """The data dir's tuned file when there is one, else the packaged one (re-read when it changes)."""
    if path is None:
        installed = tuned_path()
        path = installed if installed.is_file() else PACKAGED
    if not path.is_file():
        return TunedConfig()
    stamp = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        config = TunedConfig.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError) as error:
        raise InvalidInputError(str(path), f"is not a valid tuned configuration: {error}",
                                "delete it or run `rapport eval recsys --tune` again") from None  # fmt: skip
    _cache[path] = (stamp, config)
    return config


def save_tuned(config: TunedConfig, path: Path) -> Path:
    """Write whole, then rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(config.model_dump_json(indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    _cache.pop(path, None)
    return path
