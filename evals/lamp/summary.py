"""Profile summaries for the ``summary`` strategy, written by the chat model and cached per user and model.

As in "Integrating Summarization and Retrieval for Enhanced Personalization via LLMs": a short
summary of the whole profile goes before the retrieved items, so the model sees what the user is
like overall and not only the k nearest items. Written with ``ChatModel.generate`` (a completion
pattern suits base models) from ``prompts/lamp/summary.txt``; cached on disk keyed by a hash of the
profile, the task and the model, so each user's summary is written once.

To be replaced by ``memory.profile``'s task-aware summaries once they land.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import prompts
from agent.llm.base import ChatModel

from .predict import DiskCache, model_key
from .prompting import render_item
from .tasks import TaskSpec

MAX_ITEMS = 12  # the most recent items summarised: a summary prompt must fit a small context
SUMMARY_TOKENS = 40

WHAT = {
    "LaMP_1": "the research topics this person writes about",
    "LaMP_2N": "the kinds of news articles this person writes and how they categorise them",
    "LaMP_2M": "the kinds of movies this person tags and the tags they use",
    "LaMP_3": "how this person reviews products and the scores they give",
    "LaMP_4": "the topics and the headline style of this person's articles",
    "LaMP_5": "the research topics and the title style of this person's papers",
    "LaMP_6": "the topics and the subject-line style of this person's emails",
    "LaMP_7": "the topics and the writing style of this person's tweets",
}


class Summarizer:
    """Summaries for one task and model; counts the seconds spent in the model."""

    def __init__(self, model: ChatModel, spec: TaskSpec, cache: DiskCache) -> None:
        self.model = model
        self.spec = spec
        self.cache = cache
        self.model_name = model_key(model)
        self.model_seconds = 0.0
        self.model_calls = 0

    def prompt(self, profile: Sequence[dict[str, str]]) -> str:
        items = "\n".join(f"- {render_item(self.spec, item).strip()}" for item in list(profile)[-MAX_ITEMS:])
        return prompts.render("lamp/summary", what=WHAT[self.spec.name], items=items)

    def summarize(self, profile: Sequence[dict[str, str]]) -> str:
        """One sentence about the user, starting "This person ..."."""
        profile_hash = DiskCache.key(json.dumps(list(profile), sort_keys=True, ensure_ascii=False))
        key = DiskCache.key("lamp-summary", self.model_name, self.spec.name, profile_hash)
        cached = self.cache.get(key)
        if cached is not None:
            return str(cached)
        started = time.perf_counter()
        text = self.model.generate(self.prompt(profile), max_tokens=SUMMARY_TOKENS, stop=["\n"])
        self.model_seconds += time.perf_counter() - started
        self.model_calls += 1
        summary = "This person " + " ".join(text.split())
        self.cache.put(key, summary)
        return summary
