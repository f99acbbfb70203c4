"""A backup's records checked as data, every one, before a restore changes anything.

Why: a backup is a file from anywhere. A restore that parses as it writes can delete a user's data
and then stop at a bad record half-way, and a checkpoint blob decoded by a lenient deserializer can
name any Python callable. So ``plan_restore`` turns every record into the typed value the restore
writes (memories, profiles, checkpoints decoded by the strict serializer, jobs, catalog items and
vectors, recommender files), checks whose each one is, and refuses the file with one line naming
the first bad record. Only a complete plan is applied.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from agent.outbox import Job
from agent.threads import strict_serializer, thread_key
from memory.errors import InvalidInputError
from memory.intake import parse_record
from memory.records import Memory, check_identifier, check_unicode, check_user_id

FILE_FOLDERS = ("recsys",)  # data-dir files that belong in a backup (the recommender's co-occurrence model)
RESTORABLE_JOBS = ("turn", "import")
FIX = "take a new backup with `rapport backup`"


@dataclass(frozen=True)
class Checkpoint:
    """One thread checkpoint, decoded, with its pending writes: what ``saver.put`` takes back."""

    key: str
    ns: str
    parent_id: str | None
    checkpoint: dict[str, Any]
    metadata: dict[str, Any]
    writes: dict[str, list[tuple[str, Any]]]


@dataclass
class RestorePlan:
    """Everything a restore writes, already checked; applying it parses nothing."""

    users: list[str] = field(default_factory=list)
    memories: dict[str, list[Memory]] = field(default_factory=lambda: defaultdict(list))
    profiles: list[tuple[str, str, str]] = field(default_factory=list)  # user, key, payload
    checkpoints: list[Checkpoint] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    catalog: list[tuple[Any, np.ndarray]] = field(default_factory=list)  # (tools.items.Item, vector)
    files: list[tuple[str, bytes]] = field(default_factory=list)


def plan_restore(records: list[dict[str, Any]], label: str = "FILE") -> RestorePlan:
    """Check every record and build the plan; ``InvalidInputError`` naming the first bad record otherwise.

    ``label`` is what errors call the file: its path for the CLI, ``body`` for an upload.
    """
    plan = RestorePlan()
    serde = strict_serializer()
    for number, record in enumerate(records, start=2):  # line 1 is the header
        kind = record.get("type") if isinstance(record, dict) else None
        reader = _READERS.get(kind) if isinstance(kind, str) else None
        if reader is None:
            raise _bad(label, number, kind, "is of no type a backup holds")
        try:
            reader(plan, record, serde)
        except InvalidInputError as error:
            raise _bad(label, number, kind, error.problem if error.field == "record" else str(error)) from None
        except (KeyError, TypeError, ValueError, AttributeError, ValidationError, binascii.Error) as error:
            raise _bad(label, number, kind, _first_line(error)) from None
    plan.users = sorted({*plan.memories, *(p[0] for p in plan.profiles), *_checkpoint_users(records)})
    foreign = sorted({job.user_id for job in plan.jobs if job.user_id not in plan.users})
    if foreign:
        raise InvalidInputError(label, f"the backup has jobs of users it holds nothing else of ({foreign[0]!r})", FIX)
    dims = {vector.shape[0] for _, vector in plan.catalog}
    if len(dims) > 1:
        raise InvalidInputError(label, f"the backup's catalog vectors differ in length ({sorted(dims)})", FIX)
    return plan


def _memory(plan: RestorePlan, record: dict[str, Any], _: Any) -> None:
    user_id = check_user_id(record["user_id"])
    raw = record["record"]
    if not isinstance(raw, dict) or raw.get("user_id") != user_id:
        raise InvalidInputError("record", f"is not a memory of {user_id!r}")
    try:
        plan.memories[user_id].append(parse_record(user_id, raw, 1))
    except InvalidInputError as error:  # its field names a line of an export, not of this file
        raise InvalidInputError("record", error.problem) from None


def _profile(plan: RestorePlan, record: dict[str, Any], _: Any) -> None:
    user_id = check_user_id(record["user_id"])
    key, payload = _text(record["key"], "key"), _text(record["payload"], "payload")
    plan.profiles.append((user_id, key, payload))


def _checkpoint(plan: RestorePlan, record: dict[str, Any], serde: Any) -> None:
    user_id = check_user_id(record["user_id"])
    thread_id = check_identifier(record["thread_id"], "thread_id")
    if record["key"] != thread_key(user_id, thread_id):
        raise InvalidInputError("record", f"thread {thread_id!r} is not keyed to its user {user_id!r}")
    checkpoint = _decode(serde, record["checkpoint"])
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("id"), str):
        raise InvalidInputError("record", "the checkpoint is not a checkpoint (no id)")
    owner = checkpoint.get("channel_values", {}).get("user_id")
    if owner is not None and owner != user_id:
        raise InvalidInputError("record", f"the checkpoint's state belongs to {owner!r}, not {user_id!r}")
    metadata, parent = record["metadata"], record["parent_id"]
    if not isinstance(metadata, dict) or not (parent is None or isinstance(parent, str)):
        raise InvalidInputError("record", "metadata must be an object and parent_id a string or null")
    writes: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for task_id, channel, value_kind, value_blob in record["writes"]:
        writes[_text(task_id, "task id")].append((_text(channel, "channel"), _decode(serde, [value_kind, value_blob])))
    ns = _text(record["ns"], "ns", empty=True)
    plan.checkpoints.append(Checkpoint(record["key"], ns, parent, checkpoint, metadata, dict(writes)))


def _job(plan: RestorePlan, record: dict[str, Any], _: Any) -> None:
    job = Job.model_validate(record["job"])
    if job.kind not in RESTORABLE_JOBS or job.state != "pending" or job.user_id is None:
        raise InvalidInputError("record", f"a {job.state} {job.kind!r} job is not one a backup carries")
    if job.user_id != check_user_id(record["user_id"]):
        raise InvalidInputError("record", "the job belongs to another user than its record says")
    plan.jobs.append(job)


def _catalog_item(plan: RestorePlan, record: dict[str, Any], _: Any) -> None:
    from tools.items import Item

    item = Item.model_validate(record["item"])
    vector = np.frombuffer(_bytes(record["embedding"]), dtype="<f4")
    if vector.size == 0 or not all(math.isfinite(float(x)) for x in vector):
        raise InvalidInputError("record", f"item {item.id!r} has an empty or non-finite vector")
    plan.catalog.append((item, vector))


def _file(plan: RestorePlan, record: dict[str, Any], _: Any) -> None:
    name = _text(record["name"], "name")
    folder, _, file_name = name.partition("/")
    if folder not in FILE_FOLDERS or not file_name or "/" in file_name or file_name in (".", ".."):
        raise InvalidInputError("record", f"file name {name!r} is not one of the data dir's backed-up files")
    plan.files.append((name, _bytes(record["data"])))


_READERS = {
    "memory": _memory,
    "profile": _profile,
    "checkpoint": _checkpoint,
    "job": _job,
    "catalog_item": _catalog_item,
    "file": _file,
}


def _decode(serde: Any, typed: Any) -> Any:
    """A serialized value through the strict serializer: only the types the product writes come back."""
    kind, blob = typed
    try:
        return serde.loads_typed((_text(kind, "serializer"), _bytes(blob)))
    except InvalidInputError as error:
        raise InvalidInputError("record", error.problem) from None


def _bytes(text: Any) -> bytes:
    if not isinstance(text, str):
        raise InvalidInputError("record", "binary data must be base64 text")
    return base64.b64decode(text, validate=True)


def _text(value: Any, name: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or not (empty or value):
        raise InvalidInputError("record", f"{name} must be {'a' if empty else 'a non-empty'} string")
    return check_unicode(value, name)


def _checkpoint_users(records: list[dict[str, Any]]) -> set[str]:
    return {record["user_id"] for record in records if record.get("type") == "checkpoint"}


def _bad(label: str, number: int, kind: Any, problem: str) -> InvalidInputError:
    return InvalidInputError(label, f"line {number} ({kind or 'no type'}): {problem}", FIX)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
