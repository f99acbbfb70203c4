"""Model answers for LaMP prompts, cached on disk by model and prompt so a rerun redoes nothing.

Labelled tasks (LaMP-1/2/3) are answered by likelihood: ``ChatModel.score`` gives each allowed
label's log-probability after the prompt and the best one is the answer, so every output is a
valid label and no free text is parsed. A model without ``score`` (a chat API) falls back to
generation (once it refuses, for the rest of the run); its text is then scored as the official
scorer would (not exactly a label: wrong).
Generation tasks take the first line of a greedy completion.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from agent.llm.base import ChatModel
from agent.llm.errors import ModelUnavailableError

from .prompting import label_options
from .tasks import TaskSpec

log = logging.getLogger(__name__)
T = TypeVar("T")


def model_key(model: ChatModel) -> str:
    """Identifies a model in cache keys: its class and, when it has one, its weights file or model name."""
    detail = getattr(model, "model_path_override", None) or getattr(model, "model_name", None) or "default"
    if callable(detail):  # the OpenAI-compatible provider resolves its model name through a method
        detail = detail()
    return f"{type(model).__module__}.{type(model).__qualname__}:{detail}"


class DiskCache:
    """A tiny persistent key -> JSON map (SQLite, one commit per entry: a crash loses at most one)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        # WAL: a commit per entry stays cheap, and a crashed process still loses at most the entry it was writing.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.commit()
        self._lock = threading.Lock()

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def get(self, key: str) -> object | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: object) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO cache (key, value) VALUES (?, ?)", (key, json.dumps(value)))
            self._db.commit()

    def close(self) -> None:
        self._db.close()


class CachedModelCalls:
    """Model calls for one task through the disk cache, counting the calls and seconds spent in the model."""

    def __init__(self, model: ChatModel, spec: TaskSpec, cache: DiskCache) -> None:
        self.model = model
        self.spec = spec
        self.cache = cache
        self.model_name = model_key(model)
        self.model_seconds = 0.0
        self.model_calls = 0
        self.cache_hits = 0

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """The cached value under ``key``, else ``compute()`` (timed as model time) stored under it."""
        value = self.cache.get(key)
        if value is not None:
            self.cache_hits += 1
            return value  # type: ignore[return-value]
        started = time.perf_counter()
        value = compute()
        self.model_seconds += time.perf_counter() - started
        self.model_calls += 1
        self.cache.put(key, value)
        return value


class Predictor(CachedModelCalls):
    """Answers prompts for one task with one model."""

    def __init__(self, model: ChatModel, spec: TaskSpec, cache: DiskCache) -> None:
        super().__init__(model, spec, cache)
        self.options = label_options(spec) if spec.has_labels else []
        self.full_options = [" " + label for label in spec.labels] if spec.has_labels else []
        self.can_score = True  # False after a chat-only endpoint refused to score: then generate
        self._lengths: list[int] | None = None

    def predict(self, prompt: str) -> str:
        """The answer: the likeliest label (labelled tasks) or the first generated line."""
        key = DiskCache.key("lamp-predict", self.model_name, self.spec.name, "|".join(self.options), prompt)
        return str(self.cached(key, lambda: self._answer(prompt)))

    def option_scores(self, prompt: str, form: str = "prefix") -> list[float] | None:
        """Each label's summed log-probability after ``prompt`` (``prefix``: its distinguishing words,
        ``full``: the whole label), cached; None once the model has refused to score (answer by generation)."""
        if not self.can_score:
            return None
        options = self.options if form == "prefix" else self.full_options
        key = DiskCache.key("lamp-option-scores", self.model_name, self.spec.name, "|".join(options), prompt)
        try:
            scores = self.cached(key, lambda: [float(value) for value in self.model.score(prompt, options)])
        except (NotImplementedError, ModelUnavailableError) as error:
            log.warning("the model cannot score options (%s): answering by generation instead", error)
            self.can_score = False
            return None
        return [float(value) for value in scores]

    def full_label_lengths(self) -> list[int]:
        """Tokens per full label (the model's tokenizer when it has one, else words): for per-token means."""
        if self._lengths is None:
            tokenize = getattr(self.model, "tokenize", None)
            if callable(tokenize):
                self._lengths = [len(tokenize(option, bos=False)) for option in self.full_options]
            else:
                self._lengths = [len(option.split()) for option in self.full_options]
        return self._lengths

    def _answer(self, prompt: str) -> str:
        if self.spec.has_labels:
            scores = self.option_scores(prompt)
            if scores is None:
                return self.model.generate(prompt, max_tokens=8, stop=["\n"]).strip()
            best = max(range(len(scores)), key=scores.__getitem__)
            return self.spec.labels[best]
        text = self.model.generate(prompt, max_tokens=self.spec.max_tokens, stop=["\n"])
        return text.strip().strip('"').strip()
