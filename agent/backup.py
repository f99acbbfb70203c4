"""Backups of a whole data dir, consistent while the assistant keeps serving, and restores of them.

What a backup holds: every user's memories (superseded ones too, ids kept), profiles and thread
checkpoints, the turns still waiting in the outbox, the item catalog with its vectors, and the
recommender's files. It is read while no turn runs and no memory is written (``Assistant.quiesced``),
so a turn in a thread's history has its memories either in the backup or as a pending outbox job
that the restored assistant finishes. The file is gzip'd JSON Lines with a header and a footer
that counts every record, so a truncated or foreign file is refused before anything changes.

A restore replaces, for each user in the backup, everything stored about them (users not in it are
left alone) and the catalog if the backup has one. It is journaled like an import: a copy of the
file goes into the data dir and an outbox job points at it, so a restore killed half-way is
finished on the next start. Memory vectors are recomputed on restore (the embedding model is part
of the install); catalog vectors are kept, since the catalog is large and its vectors are cached.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import os
import shutil
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from agent.backup_plan import FILE_FOLDERS, Checkpoint, RestorePlan, plan_restore
from agent.threads import delete_threads, thread_key, thread_keys
from memory.errors import InvalidInputError, RapportError

if TYPE_CHECKING:
    from agent.assistant import Assistant

log = logging.getLogger(__name__)

FORMAT = "rapport-backup"
VERSION = 2  # 2: the footer holds the SHA-256 of the records; 1 (no checksum) is still read
READABLE_VERSIONS = (1, 2)
RESTORE_FOLDER = "restores"
WRITABLE = "pick a file in a folder you can write to"


class BackupSummary(BaseModel):
    """What a backup holds (or what a restore wrote)."""

    users: int = 0
    memories: int = 0
    profiles: int = 0
    threads: int = 0
    checkpoints: int = 0
    jobs: int = 0
    catalog_items: int = 0
    files: int = 0


def write_backup(assistant: Assistant, out: str | Path) -> BackupSummary:
    """Write a consistent backup of everything ``assistant`` holds to ``out`` (whole, then renamed)."""
    out = Path(out)
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
    counts: Counter[str] = Counter()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with gzip.open(temporary, "wt", encoding="utf-8") as file:
            file.write(_line({"type": "header", "format": FORMAT, "version": VERSION, "created_at": _now()}))
            with assistant.quiesced():
                for record in _records(assistant):
                    counts[record["type"]] += 1
                    line = _line(record)
                    digest.update(line.encode("utf-8"))
                    file.write(line)
            file.write(_line({"type": "footer", "counts": dict(counts), "sha256": digest.hexdigest()}))
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        temporary.replace(out)
    except OSError as error:
        raise InvalidInputError("--out", f"cannot write {out}: {error.strerror or error}", WRITABLE) from None
    finally:
        temporary.unlink(missing_ok=True)
    return summarize(read_backup(out))  # reading it back checks the file that was written


def restore_backup(assistant: Assistant, path: str | Path, *, label: str = "FILE") -> BackupSummary:
    """Replace the backed-up users' data (and the catalog) with the backup's; all or nothing.

    The whole file is read and every record checked first (``plan_restore``): a bad file changes
    nothing and leaves nothing to replay. Only then is the restore journaled and applied.
    """
    records = read_backup(path, label=label)
    plan = plan_restore(records, label)
    if plan.catalog and assistant.recommender is None:
        raise InvalidInputError(label, "the backup has a catalog but this assistant has none to restore it into")
    folder = assistant.settings.data_dir.expanduser() / RESTORE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{uuid.uuid4().hex}.backup"
    shutil.copyfile(path, copy)
    with copy.open("rb") as file:
        os.fsync(file.fileno())
    job = assistant.outbox.add("restore", None, {"file": copy.name})
    _apply(assistant, plan)  # an I/O failure here leaves the job pending: the next start finishes it
    assistant.outbox.done(job)
    copy.unlink(missing_ok=True)
    from agent.imports import replay_imports

    replay_imports(assistant.store, assistant.outbox)  # imports that were pending at backup time
    assistant.writer.replay()  # and turns
    return summarize(records)


def replay_restores(assistant: Assistant) -> int:
    """Finish restores a killed process journaled (called on start, before anything else runs).

    A journaled file was checked before it was journaled; one that no longer checks out is set aside
    (failed), never retried on every start.
    """
    jobs = assistant.outbox.pending("restore")
    for job in jobs:
        copy = assistant.settings.data_dir.expanduser() / RESTORE_FOLDER / str(job.payload.get("file", ""))
        try:
            log.info("finishing an interrupted restore from %s", copy.name)
            plan = plan_restore(read_backup(copy))
        except RapportError as error:
            assistant.outbox.failed(job, error)
            log.error("an interrupted restore was set aside: %s", error)
            continue
        _apply(assistant, plan)
        assistant.outbox.done(job)
        copy.unlink(missing_ok=True)
    return len(jobs)


def read_backup(path: str | Path, *, label: str = "FILE") -> list[dict[str, Any]]:
    """The records of a backup file, after checking its header, its footer's counts and checksum.

    Errors call the file ``label`` (its path for the CLI, ``body`` for an upload), never where a server
    keeps an upload.
    """
    path = Path(path)
    fix = "pass a file written by `rapport backup`"
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            raw = [line for line in file if line.strip()]
        lines = [json.loads(line) for line in raw]
    except FileNotFoundError:
        raise InvalidInputError(label, "does not exist", fix) from None
    except (OSError, EOFError, UnicodeError, ValueError, zlib.error) as error:
        raise InvalidInputError(label, f"is not a readable Rapport backup ({type(error).__name__})", fix) from None
    if not lines or not isinstance(lines[0], dict) or lines[0].get("type") != "header":
        raise InvalidInputError(label, "is not a Rapport backup (no header)", fix)
    if lines[0].get("format") != FORMAT:
        raise InvalidInputError(label, "is not a Rapport backup (no header)", fix)
    version = lines[0].get("version")
    if version not in READABLE_VERSIONS:
        raise InvalidInputError(label, f"backup version {version!r} is not one of {READABLE_VERSIONS}", fix)
    footer, records = lines[-1], lines[1:-1]
    if not isinstance(footer, dict) or footer.get("type") != "footer":
        raise InvalidInputError(label, "is incomplete (no footer): it was cut short", "take a new backup")
    if not all(isinstance(record, dict) for record in records):
        raise InvalidInputError(label, "holds a line that is not a record", "take a new backup")
    if dict(Counter(record.get("type") for record in records)) != footer.get("counts"):
        raise InvalidInputError(label, "does not hold the records its footer counts", "take a new backup")
    if version >= 2 and footer.get("sha256") != _checksum(raw[1:-1]):
        raise InvalidInputError(label, "does not match its checksum: it was changed or damaged", "take a new backup")
    return records


# --- reading ------------------------------------------------------------------------------------


def _records(assistant: Assistant) -> Iterator[dict[str, Any]]:
    store, saver = assistant.store, assistant.checkpointer
    threads = _thread_owners(saver)
    jobs = [job for job in assistant.outbox.pending() if job.kind != "restore"]
    users = sorted(set(store.users()) | {user for user, _ in threads.values()} | {j.user_id for j in jobs if j.user_id})
    for user_id in users:
        for line in store.export(user_id).splitlines():
            yield {"type": "memory", "user_id": user_id, "record": json.loads(line)}
        for key, payload in sorted(store.profile_payloads(user_id).items()):
            yield {"type": "profile", "user_id": user_id, "key": key, "payload": payload}
    for key, (user_id, thread_id) in sorted(threads.items()):
        tuples = list(saver.list({"configurable": {"thread_id": key}}))
        for saved in reversed(tuples):  # oldest first, so a restore writes parents before children
            yield _checkpoint_record(saver, user_id, thread_id, key, saved)
    for job in jobs:
        yield {"type": "job", "user_id": job.user_id, "job": job.model_dump(mode="json")}
    catalog = assistant.recommender.catalog if assistant.recommender is not None else None
    if catalog is not None and catalog.count() > 0:
        index = catalog.index()
        for item, vector in zip(index.items, index.embeddings, strict=True):
            yield {"type": "catalog_item", "item": item.model_dump(mode="json"), "embedding": _vector(vector)}
    data_dir = assistant.settings.data_dir.expanduser()
    for folder in FILE_FOLDERS:
        for file in sorted((data_dir / folder).glob("*")) if (data_dir / folder).is_dir() else []:
            if file.is_file():
                data = base64.b64encode(file.read_bytes()).decode("ascii")
                yield {"type": "file", "name": f"{folder}/{file.name}", "data": data}


def _thread_owners(saver: Any) -> dict[str, tuple[str, str]]:
    """Every thread's checkpoint key -> (user id, thread name), checked against the key's user hash."""
    keys = thread_keys(saver)
    owners = {}
    for key in keys:
        latest = saver.get_tuple({"configurable": {"thread_id": key}})
        values = latest.checkpoint.get("channel_values", {}) if latest else {}
        user_id, thread_id = values.get("user_id"), values.get("thread_id")
        if not user_id or not thread_id or thread_key(user_id, thread_id) != key:
            log.warning("thread %s does not say whose it is; left out of the backup", key)
            continue
        owners[key] = (user_id, thread_id)
    return owners


def _checkpoint_record(saver: Any, user_id: str, thread_id: str, key: str, saved: Any) -> dict[str, Any]:
    kind, blob = saver.serde.dumps_typed(saved.checkpoint)
    writes = []
    for task_id, channel, value in saved.pending_writes or []:
        value_kind, value_blob = saver.serde.dumps_typed(value)
        writes.append([task_id, channel, value_kind, _b64(value_blob)])
    parent = saved.parent_config["configurable"].get("checkpoint_id") if saved.parent_config else None
    return {
        "type": "checkpoint",
        "user_id": user_id,
        "thread_id": thread_id,
        "key": key,
        "ns": saved.config["configurable"].get("checkpoint_ns", ""),
        "parent_id": parent,
        "checkpoint": [kind, _b64(blob)],
        "metadata": saved.metadata,
        "writes": writes,
    }


# --- writing ------------------------------------------------------------------------------------


def _apply(assistant: Assistant, plan: RestorePlan) -> None:
    store, saver, outbox = assistant.store, assistant.checkpointer, assistant.outbox
    with assistant.quiesced():
        for user_id in plan.users:  # replace, not merge: what the backup says about this user is what stays
            outbox.discard_user(user_id)
            store.forget(user_id)
            delete_threads(saver, user_id)
        for user_id, memories in plan.memories.items():
            store.import_records(user_id, memories)
        for user_id, key, payload in plan.profiles:
            store.save_profile(user_id, key, payload, _summary_of(payload))
        for checkpoint in plan.checkpoints:
            _put_checkpoint(saver, checkpoint)
        for job in plan.jobs:
            outbox.put(job)
        if plan.catalog:
            _load_catalog(assistant, plan.catalog)
        data_dir = assistant.settings.data_dir.expanduser()
        for name, data in plan.files:
            _write_file(data_dir, name, data)


def _put_checkpoint(saver: Any, saved: Checkpoint) -> None:
    configurable = {"thread_id": saved.key, "checkpoint_ns": saved.ns}
    if saved.parent_id:
        configurable["checkpoint_id"] = saved.parent_id
    saver.put({"configurable": configurable}, saved.checkpoint, saved.metadata, {})
    written = {"configurable": {**configurable, "checkpoint_id": saved.checkpoint["id"]}}
    for task_id, writes in saved.writes.items():
        saver.put_writes(written, writes, task_id)


def _load_catalog(assistant: Assistant, catalog: list[tuple[Any, np.ndarray]]) -> None:
    assert assistant.recommender is not None
    items = [item for item, _ in catalog]
    assistant.recommender.catalog.load(items, embeddings=np.stack([vector for _, vector in catalog]))


def _write_file(data_dir: Path, name: str, data: bytes) -> None:
    target = (data_dir / name).resolve()
    if data_dir.resolve() not in target.parents or name.split("/")[0] not in FILE_FOLDERS:
        raise RapportError(f"backup file name {name!r} points outside the data dir; refusing to restore it")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    temporary.write_bytes(data)
    temporary.replace(target)


# --- helpers ------------------------------------------------------------------------------------


def _summary_of(payload: str) -> str:
    """What a profile's embedding is computed from: its summary, or the payload itself."""
    try:
        summary = json.loads(payload).get("summary")
    except (ValueError, AttributeError):
        summary = None
    return summary if isinstance(summary, str) and summary.strip() else payload


def summarize(records: list[dict[str, Any]]) -> BackupSummary:
    """Counts of what a backup's records hold."""
    counts = Counter(record["type"] for record in records)
    return BackupSummary(
        users=len({record["user_id"] for record in records if record.get("user_id")}),
        memories=counts["memory"],
        profiles=counts["profile"],
        threads=len({record["key"] for record in records if record["type"] == "checkpoint"}),
        checkpoints=counts["checkpoint"],
        jobs=counts["job"],
        catalog_items=counts["catalog_item"],
        files=counts["file"],
    )


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _vector(vector: np.ndarray) -> str:
    return _b64(np.asarray(vector, dtype="<f4").tobytes())


def _checksum(lines: list[str]) -> str:
    """SHA-256 of the record lines as written (the footer's ``sha256``)."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()
