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
import json
import logging
import os
import shutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from agent.outbox import Job
from agent.threads import delete_threads, thread_key
from memory.errors import InvalidInputError, RapportError

if TYPE_CHECKING:
    from agent.assistant import Assistant

log = logging.getLogger(__name__)

FORMAT = "rapport-backup"
VERSION = 1
RESTORE_FOLDER = "restores"
WRITABLE = "pick a file in a folder you can write to"
FILE_FOLDERS = ("recsys",)  # data-dir files that belong in a backup (the recommender's co-occurrence model)


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
        with gzip.open(temporary, "wt", encoding="utf-8") as file:
            file.write(_line({"type": "header", "format": FORMAT, "version": VERSION, "created_at": _now()}))
            with assistant.quiesced():
                for record in _records(assistant):
                    counts[record["type"]] += 1
                    file.write(_line(record))
            file.write(_line({"type": "footer", "counts": dict(counts)}))
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        temporary.replace(out)
    except OSError as error:
        raise InvalidInputError("--out", f"cannot write {out}: {error.strerror or error}", WRITABLE) from None
    finally:
        temporary.unlink(missing_ok=True)
    return summarize(read_backup(out))  # reading it back checks the file that was written


def restore_backup(assistant: Assistant, path: str | Path) -> BackupSummary:
    """Replace the backed-up users' data (and the catalog) with the backup's; journaled, so all or nothing."""
    records = read_backup(path)  # refuses a bad file before anything changes
    folder = assistant.settings.data_dir.expanduser() / RESTORE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{uuid.uuid4().hex}.backup"
    shutil.copyfile(path, copy)
    with copy.open("rb") as file:
        os.fsync(file.fileno())
    job = assistant.outbox.add("restore", None, {"file": copy.name})
    summary = _apply(assistant, records)
    assistant.outbox.done(job)
    copy.unlink(missing_ok=True)
    from agent.imports import replay_imports

    replay_imports(assistant.store, assistant.outbox)  # imports that were pending at backup time
    assistant.writer.replay()  # and turns
    return summary


def replay_restores(assistant: Assistant) -> int:
    """Finish restores a killed process journaled (called on start, before anything else runs)."""
    jobs = assistant.outbox.pending("restore")
    for job in jobs:
        copy = assistant.settings.data_dir.expanduser() / RESTORE_FOLDER / job.payload["file"]
        try:
            log.info("finishing an interrupted restore from %s", copy)
            _apply(assistant, read_backup(copy))
        except Exception as error:  # noqa: BLE001 - the job stays pending or failed; the reason is logged
            assistant.outbox.failed(job, error)
            log.error("an interrupted restore could not be finished: %s", error)
            continue
        assistant.outbox.done(job)
        copy.unlink(missing_ok=True)
    return len(jobs)


def read_backup(path: str | Path) -> list[dict[str, Any]]:
    """The records of a backup file, after checking its header and that its footer counts match."""
    path = Path(path)
    fix = "pass a file written by `rapport backup`"
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            lines = [json.loads(line) for line in file if line.strip()]
    except FileNotFoundError:
        raise InvalidInputError("FILE", f"{path} does not exist", fix) from None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise InvalidInputError("FILE", f"{path} is not a readable Rapport backup ({error})", fix) from None
    if not lines or lines[0].get("type") != "header" or lines[0].get("format") != FORMAT:
        raise InvalidInputError("FILE", f"{path} is not a Rapport backup (no header)", fix)
    if lines[0].get("version") != VERSION:
        raise InvalidInputError("FILE", f"backup version {lines[0].get('version')!r} is not {VERSION}", fix)
    footer, records = lines[-1], lines[1:-1]
    if footer.get("type") != "footer":
        raise InvalidInputError("FILE", f"{path} is incomplete (no footer): it was cut short", "take a new backup")
    if dict(Counter(record.get("type") for record in records)) != footer.get("counts"):
        raise InvalidInputError("FILE", f"{path} does not hold the records its footer counts", "take a new backup")
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
    with saver.lock:
        keys = [row[0] for row in saver.conn.execute("SELECT DISTINCT thread_id FROM checkpoints").fetchall()]
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


def _apply(assistant: Assistant, records: list[dict[str, Any]]) -> BackupSummary:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_type[record["type"]].append(record)
    users = sorted({r["user_id"] for r in records if r.get("user_id")})
    store, saver, outbox = assistant.store, assistant.checkpointer, assistant.outbox
    if by_type["catalog_item"] and assistant.recommender is None:  # checked before anything is replaced
        raise RapportError("the backup has a catalog but this assistant has none to restore it into")
    with assistant.quiesced():
        for user_id in users:  # replace, not merge: what the backup says about this user is what stays
            outbox.discard_user(user_id)
            store.forget(user_id)
            delete_threads(saver, user_id)
        memories: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in by_type["memory"]:
            memories[record["user_id"]].append(record["record"])
        for user_id, items in memories.items():
            store.import_records(user_id, items)
        for record in by_type["profile"]:
            store.save_profile(record["user_id"], record["key"], record["payload"], _summary_of(record["payload"]))
        for record in by_type["checkpoint"]:
            _put_checkpoint(saver, record)
        for record in by_type["job"]:
            outbox.put(Job.model_validate(record["job"]))
        if by_type["catalog_item"]:
            _load_catalog(assistant, by_type["catalog_item"])
        data_dir = assistant.settings.data_dir.expanduser()
        for record in by_type["file"]:
            _write_file(data_dir, record["name"], base64.b64decode(record["data"]))
    return summarize(records)


def _put_checkpoint(saver: Any, record: dict[str, Any]) -> None:
    if record["key"] != thread_key(record["user_id"], record["thread_id"]):
        raise RapportError(f"backup thread {record['thread_id']!r} is not keyed to its user; refusing to restore it")
    kind, blob = record["checkpoint"]
    checkpoint = saver.serde.loads_typed((kind, base64.b64decode(blob)))
    configurable = {"thread_id": record["key"], "checkpoint_ns": record["ns"]}
    if record["parent_id"]:
        configurable["checkpoint_id"] = record["parent_id"]
    saver.put({"configurable": configurable}, checkpoint, record["metadata"], {})
    by_task: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for task_id, channel, value_kind, value_blob in record["writes"]:
        by_task[task_id].append((channel, saver.serde.loads_typed((value_kind, base64.b64decode(value_blob)))))
    saved = {"configurable": {**configurable, "checkpoint_id": checkpoint["id"]}}
    for task_id, writes in by_task.items():
        saver.put_writes(saved, writes, task_id)


def _load_catalog(assistant: Assistant, records: list[dict[str, Any]]) -> None:
    from tools.items import Item

    assert assistant.recommender is not None
    items = [Item.model_validate(record["item"]) for record in records]
    vectors = np.stack([_unvector(record["embedding"]) for record in records])
    assistant.recommender.catalog.load(items, embeddings=vectors)


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


def _unvector(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def _now() -> str:
    return datetime.now(UTC).isoformat()
