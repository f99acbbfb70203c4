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
from collections.abc import Sequence

import prompts

from .predict import CachedModelCalls, DiskCache
from .prompting import render_item

MAX_ITEMS = 12  # the most recent items summarised: a summary prompt must fit a small context
SUMMARY_TOKENS = 32

# (what the summary is about, how it starts): the start steers a base model to the useful part.
WHAT = {
    "LaMP_1": ("the research topics this person writes about", "This person writes papers about"),
    "LaMP_2N": ("the news this person writes and its categories", "This person mostly writes news articles about"),
    "LaMP_2M": ("the movies this person tags and the tags they use", "This person mostly tags movies as"),
    "LaMP_3": ("how this person reviews products and the scores they give", "This person usually gives scores of"),
    "LaMP_4": ("the topics and headline style of this person's articles", "This person writes headlines about"),
    "LaMP_5": ("the research topics and title style of this person's papers", "This person writes papers about"),
    "LaMP_6": ("the topics and subject-line style of this person's emails", "This person writes emails about"),
    "LaMP_7": ("the topics and writing style of this person's tweets", "This person tweets about"),
}


class Summarizer(CachedModelCalls):
    """Summaries for one task and model."""

    def prompt(self, profile: Sequence[dict[str, str]]) -> str:
        items = "\n".join(f"- {render_item(self.spec, item).strip()}" for item in list(profile)[-MAX_ITEMS:])
        what, start = WHAT[self.spec.name]
        return prompts.render("lamp/summary", what=what, items=items, start=start)

    def summarize(self, profile: Sequence[dict[str, str]]) -> str:
        """One sentence about the user, starting with the task's lead ("This person mostly writes ...")."""
        prompt = self.prompt(profile)
        profile_hash = DiskCache.key(json.dumps(list(profile), sort_keys=True, ensure_ascii=False))
        key = DiskCache.key("lamp-summary", self.model_name, self.spec.name, profile_hash, prompt, str(SUMMARY_TOKENS))

        def write() -> str:
            text = self.model.generate(prompt, max_tokens=SUMMARY_TOKENS, stop=["\n"])
            return WHAT[self.spec.name][1] + " " + " ".join(text.split())

        return str(self.cached(key, write))
