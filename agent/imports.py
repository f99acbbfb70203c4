"""Memory imports that are all or nothing, even when the process is killed half-way.

Why: a large import is written in several Chroma batches; a crash between two of them would leave
part of the file stored and no sign that anything is missing. So the whole import is committed to
the outbox first, then written, then marked done; an import still pending on the next start is
written again. Records keep their ids, so writing one twice is the same as writing it once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from agent.outbox import Job, Outbox
from memory import Memory, MemoryStore
from memory.intake import parse_record, record_items
from memory.records import check_user_id

log = logging.getLogger(__name__)


def import_records(store: MemoryStore, outbox: Outbox, user_id: str, records: str | Iterable[Any]) -> int:
    """Check every record, journal the import, write it, mark it done; returns how many records."""
    user_id = check_user_id(user_id)
    memories = [parse_record(user_id, record, line) for line, record in enumerate(record_items(records), 1)]
    job = outbox.add("import", user_id, {"records": [m.model_dump(mode="json") for m in memories]})
    return _apply(store, outbox, job)


def replay_imports(store: MemoryStore, outbox: Outbox) -> int:
    """Finish imports a previous process journaled but did not complete; returns how many."""
    jobs = outbox.pending("import")
    for job in jobs:
        log.info("finishing an interrupted import of %d records for one user", len(job.payload["records"]))
        try:
            _apply(store, outbox, job)
        except Exception as error:  # noqa: BLE001 - kept pending (or failed) in the outbox, never lost
            log.error("an interrupted import could not be finished: %s", error)
    return len(jobs)


def _apply(store: MemoryStore, outbox: Outbox, job: Job) -> int:
    assert job.user_id is not None
    memories = [Memory.model_validate(item) for item in job.payload["records"]]
    try:
        count = store.import_records(job.user_id, memories)
    except BaseException as error:
        outbox.failed(job, error)
        raise
    outbox.done(job)
    return count
