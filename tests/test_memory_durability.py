"""Crash safety and concurrency, with real processes and threads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter

import pytest

from memory import MemoryStore

BATCH = 2000
WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from memory import MemoryStore

    store = MemoryStore(path=sys.argv[1])
    start = int(sys.argv[2])
    rng = np.random.default_rng(start)
    for batch in range(start, start + 1000):
        vectors = rng.standard_normal((BATCH, 384)).astype("float32")
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        items = [{"text": f"batch {batch} item {i}", "metadata": {"batch": batch}} for i in range(BATCH)]
        print("writing", batch, flush=True)
        store.add_many("writer", items, embeddings=vectors)
        print("committed", batch, flush=True)
    """
).replace("BATCH", str(BATCH))


def batch_sizes(store: MemoryStore) -> Counter[int]:
    return Counter(m.metadata["batch"] for m in store.list("writer", limit=10**9))


@pytest.mark.slow
def test_sigkill_during_add_many_leaves_whole_batches(tmp_path, embedder) -> None:
    path = tmp_path / "chroma"
    committed: set[int] = set()
    next_batch = 0
    for round_number in range(3):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(next_batch)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        for line in writer.stdout:  # wait until a write is under way, then kill at a varying moment
            event, batch = line.split()
            if event == "committed":
                committed.add(int(batch))
            elif event == "writing" and int(batch) >= next_batch + 1:
                time.sleep(0.05 + 0.15 * round_number)
                break
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        committed.update(int(line.split()[1]) for line in writer.stdout.read().splitlines() if "committed" in line)

        check = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, json, collections; from memory import MemoryStore; "
                "s = MemoryStore(path=sys.argv[1]); "
                "print(json.dumps(collections.Counter(m.metadata['batch'] for m in s.list('writer', limit=10**9))))",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        sizes = {int(k): v for k, v in __import__("json").loads(check.stdout).items()}
        assert all(size == BATCH for size in sizes.values()), sizes
        assert committed <= set(sizes), (committed, sizes)
        next_batch = max(sizes) + 1 if sizes else next_batch + 1
    store = MemoryStore(path=path, embedder=embedder)
    assert store.search("writer", "batch 0 item 7", mode="bm25", k=1)[0].memory.text == "batch 0 item 7"


def test_eight_threads_adding_at_once_lose_nothing(store: MemoryStore, embedder) -> None:
    per_thread = 40
    texts = [[f"thread {t} remembers item number {i}" for i in range(per_thread)] for t in range(8)]
    embedder.encode([text for batch in texts for text in batch])
    errors: list[BaseException] = []

    def work(batch: list[str]) -> None:
        try:
            for index, text in enumerate(batch):
                if index % 2:
                    store.add("shared", text)
                else:
                    store.add_many("shared", [text])
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(batch,)) for batch in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = {m.text for m in store.list("shared", limit=1000)}
    assert stored == {text for batch in texts for text in batch}
    assert store.count("shared") == 8 * per_thread


def test_searching_while_other_threads_write_never_fails(tmp_path, embedder) -> None:
    store = MemoryStore(path=tmp_path / "chroma", embedder=embedder)
    texts = [f"note {i} about hiking, jazz and the sea" for i in range(120)]
    embedder.encode(texts + ["hiking and jazz"])
    store.add_many("shared", texts[:20])
    errors: list[BaseException] = []
    done = threading.Event()

    def write(chunk: list[str]) -> None:
        try:
            for text in chunk:
                memory = store.add("shared", text)
                if text.endswith("0 about hiking, jazz and the sea"):
                    store.delete("shared", memory.id)
        except BaseException as error:
            errors.append(error)

    def search() -> None:
        try:
            while not done.is_set():
                for mode in ("hybrid", "bm25", "recency"):
                    store.search("shared", "hiking and jazz", k=10, mode=mode)
                store.list("shared", limit=50)
        except BaseException as error:
            errors.append(error)

    writers = [threading.Thread(target=write, args=(texts[20 + 25 * i : 45 + 25 * i],)) for i in range(4)]
    readers = [threading.Thread(target=search) for _ in range(2)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert store.count("shared") == 120 - 10
