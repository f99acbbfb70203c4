"""Writes memories after a reply, off the user's wait: one background worker, fair between users.

Every turn goes through the durable outbox (``agent.outbox``): ``submit`` commits the turn before it
returns, so the reply is only acknowledged once the turn would survive a crash. The worker then
extracts candidates (saved with the job, so a replay never re-extracts differently), reconciles
them one by one (each step committed as done), refreshes the profile, and marks the turn done.
``replay`` re-queues what a previous process left pending; a replay resumes after the last
committed step, and the one step that may have been in flight is skipped if its text is already
stored, so a turn replayed any number of times adds its memories once.

Jobs wait in one queue per user and the worker takes the users in turn (``_next``): a user's turn
waits for at most one turn of each user ahead of it, however many turns they queued, and a turn's
work is bounded (``memory.extraction.MAX_CANDIDATES_PER_TURN``). One user's turns run in order.

Failures are logged and kept in ``errors`` (``Assistant.flush`` re-raises the first one); the turn
stays pending in the outbox and is retried on the next start.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from agent.llm.base import ChatModel
from agent.outbox import Job, Outbox
from memory import MemoryStore
from memory.extraction import MAX_CANDIDATES_PER_TURN, Candidate, Outcome, extract, reconcile
from memory.profile import ProfileBuilder

log = logging.getLogger(__name__)


class MemoryWriter:
    def __init__(
        self, store: MemoryStore, model: ChatModel, profiles: ProfileBuilder, outbox: Outbox | None = None
    ) -> None:
        self.store = store
        self.model = model
        self.profiles = profiles
        self.outbox = outbox if outbox is not None else Outbox(None)
        self.errors: list[BaseException] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rapport-remember")
        self._pending: dict[Future, str] = {}  # future -> user id
        self._queues: dict[str, deque[tuple[Job, Future]]] = {}  # user id -> their queued jobs, oldest first
        self._turns: deque[str] = deque()  # users with queued jobs, whose job runs next first
        self._lock = threading.Lock()
        self._job_lock = threading.Lock()  # held while one job writes; ``paused`` takes it

    def submit(
        self, user_id: str, message: str, reply: str, source: str, told: Sequence[Candidate] | None = None
    ) -> Future:
        """Commit the turn to the outbox (durable when this returns), then write it in the background.

        ``told`` is what the turn's Reading found the user said (read by the capable model itself, or
        by the embedded reader): the writer does not read the message again.
        """
        payload = {"message": message, "reply": reply, "source": source}
        if told is not None:
            payload["told"] = [candidate.model_dump() for candidate in told]
        job = self.outbox.add("turn", user_id, payload)
        return self._enqueue(job)

    def replay(self) -> int:
        """Queue the turns a previous process acknowledged but did not finish; returns how many."""
        jobs = self.outbox.pending("turn")
        for job in jobs:
            self._enqueue(job)
        if jobs:
            log.info("replaying %d unfinished turns from the outbox", len(jobs))
        return len(jobs)

    def wait_for(self, user_id: str, timeout: float | None = 5.0) -> None:
        """Let this user's earlier turns finish writing; other users' writes and errors are not waited on.

        Errors stay for ``flush``: one user's failure is never reported to another user's request.
        """
        with self._lock:
            pending = [future for future, owner in self._pending.items() if owner == user_id]
        wait(pending, timeout=timeout)

    def write_turn(self, user_id: str, message: str, reply: str, source: str, job: Job | None = None) -> list[Outcome]:
        """Reconcile what the user said (the Reading's statements, or the model's extraction); refresh the profile.

        With ``job``, each step is recorded in the outbox and a resumed job skips what was written.
        """
        job = job or Job(id="direct", kind="turn", user_id=user_id, payload={}, created_at=0.0)
        resumed = "candidates" in job.progress
        if not resumed:
            told = job.payload.get("told")  # the turn's Reading; a turn queued before readings is extracted
            found = (
                told
                if told is not None
                else [c.model_dump() for c in extract(self.model, self.store.embedder, message, reply)]
            )
            self._save(job, candidates=found, applied=0, changed=False)
        saved = job.progress["candidates"][:MAX_CANDIDATES_PER_TURN]  # a job saved before the cap is bounded too
        candidates = [Candidate.model_validate(item) for item in saved]
        first, changed = int(job.progress["applied"]), bool(job.progress["changed"])
        outcomes = []
        for index in range(first, len(candidates)):
            candidate = candidates[index]
            if resumed and index == first and self._stored(user_id, candidate):
                outcome = Outcome(action="ignore")  # written just before the last process stopped
                changed = True  # it did change something then; the profile may not know yet
            else:
                outcome = reconcile(self.store, user_id, candidate, model=self.model, source=source)
                changed = changed or outcome.action != "ignore"
            self._save(job, applied=index + 1, changed=changed)
            outcomes.append(outcome)
        if changed:
            self.profiles.refresh_if_stale(user_id)  # idempotent: rebuilds only what is stale
        return outcomes

    def flush(self, timeout: float | None = None) -> None:
        """Wait for pending writes; raise the first error any of them hit."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)
        with self._lock:
            errors, self.errors = self.errors, []
        if errors:
            raise errors[0]

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No job writes inside the block (the one in progress finishes first): a consistent snapshot."""
        with self._job_lock:
            yield

    def close(self) -> None:
        """Finish every queued write, then close the outbox."""
        self._executor.shutdown(wait=True)
        self.outbox.close()

    def _enqueue(self, job: Job) -> Future:
        assert job.user_id is not None
        future: Future = Future()
        with self._lock:  # registered before it can run, so ``wait_for`` always sees it
            self._executor.submit(self._next)  # one run per job, taking whichever job is next in turn
            self._pending[future] = job.user_id
            if job.user_id not in self._queues:
                self._queues[job.user_id] = deque()
                self._turns.append(job.user_id)
            self._queues[job.user_id].append((job, future))
        future.add_done_callback(self._finished)
        return future

    def _next(self) -> None:
        """Run the oldest job of the user whose turn it is; that user goes to the back of the line.

        The job is picked once the worker may write (``paused`` ended), from the users queued by then.
        """
        with self._job_lock:
            with self._lock:
                user_id = self._turns.popleft()
                queue = self._queues[user_id]
                job, future = queue.popleft()
                if queue:
                    self._turns.append(user_id)
                else:
                    del self._queues[user_id]
            if not future.set_running_or_notify_cancel():
                return
            try:
                outcomes = self._run(job)
            except BaseException as error:
                log.error("writing memories failed: %s", error)
                with self._lock:  # kept before the future completes: a ``flush`` woken by it must see it
                    self.errors.append(error)
                future.set_exception(error)
            else:
                future.set_result(outcomes)

    def _run(self, queued: Job) -> list[Outcome]:
        job = self.outbox.get(queued.id)  # as committed now: queued twice, or forgotten since, is a no-op
        if job is None or job.state != "pending":
            return []
        payload = job.payload
        try:
            outcomes = self.write_turn(job.user_id, payload["message"], payload["reply"], payload["source"], job)
        except BaseException as error:
            self.outbox.failed(job, error)
            raise
        self.outbox.done(job)
        return outcomes

    def _save(self, job: Job, **progress: object) -> None:
        if job.id == "direct":
            job.progress.update(progress)
        else:
            self.outbox.save_progress(job, **progress)

    def _stored(self, user_id: str, candidate: Candidate) -> bool:
        return any(memory.text == candidate.text for memory in self.store.list(user_id, limit=10**9))

    def _finished(self, future: Future) -> None:
        with self._lock:
            self._pending.pop(future, None)
