"""Profile summaries for the ``summary`` strategy: the product's summarizer (``memory.profile``), several prompts.

As in "Integrating Summarization and Retrieval for Enhanced Personalization via LLMs", a short
summary of the profile goes before the retrieved items. As in LettinGo, which summary prompt to use
is decided by what the summary helps: each task has candidate prompts (the product's own, one about
the task's topics, one about the labels the user gives), ``--tune half`` compares them by the
``summary`` strategy's accuracy on the tuning half, and the best is kept per task
(``evals/lamp/tuned/<task>.json``). Summaries are cached on disk per profile, prompt and model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from memory.profile import DEFAULT_SUMMARY_PROMPT, SummaryPrompt, write_summary

from .predict import CachedModelCalls, DiskCache
from .prompting import render_item
from .tasks import TaskSpec

MAX_ITEMS = 12  # the most recent items summarised: a summary prompt must fit a small context
SUMMARY_TOKENS = 16  # a topic line ("...about health, and culture.") fits; a longer budget only rambles
LINE = ("\n",)

# (what the summary is about, how a topic summary starts, how a label summary starts)
WHAT = {
    "LaMP_1": ("the research topics this person writes about", "This person writes papers about", None),
    "LaMP_2N": (
        "the news this person writes and its categories",
        "This person mostly writes news articles about",
        "The categories this person gives most are",
    ),
    "LaMP_2M": (
        "the movies this person tags and the tags they use",
        "This person mostly tags movies about",
        "The tags this person gives most are",
    ),
    "LaMP_3": (
        "how this person reviews products and the scores they give",
        "This person reviews",
        "The scores this person usually gives are",
    ),
    "LaMP_4": ("the topics and headline style of this person's articles", "This person writes headlines about", None),
    "LaMP_5": ("the research topics and title style of this person's papers", "This person writes papers about", None),
    "LaMP_6": ("the topics and subject-line style of this person's emails", "This person writes emails about", None),
    "LaMP_7": ("the topics and writing style of this person's tweets", "This person tweets about", None),
}


def candidates(spec: TaskSpec) -> dict[str, SummaryPrompt]:
    """The task's candidate summary prompts, by name; the first is the default when nothing was tuned."""
    what, topic_lead, label_lead = WHAT[spec.name]
    found = {
        "topics": SummaryPrompt(
            "topics", "lamp/summary", topic_lead, SUMMARY_TOKENS, LINE, (("what", what),)
        ),
        "product": SummaryPrompt(
            "product", DEFAULT_SUMMARY_PROMPT.template, "", SUMMARY_TOKENS + 16, DEFAULT_SUMMARY_PROMPT.stop
        ),
    }
    if label_lead:
        found["labels"] = SummaryPrompt("labels", "lamp/summary", label_lead, SUMMARY_TOKENS, LINE, (("what", what),))
    return found


class Summarizer(CachedModelCalls):
    """Summaries for one task and model, written by ``memory.profile.write_summary``."""

    def notes(self, profile: Sequence[dict[str, str]]) -> list[str]:
        return [render_item(self.spec, item).strip() for item in list(profile)[-MAX_ITEMS:]]

    def summarize(self, profile: Sequence[dict[str, str]], prompt: SummaryPrompt) -> str:
        """One summary of this profile with this prompt (cached)."""
        notes = self.notes(profile)
        profile_hash = DiskCache.key(json.dumps(notes, ensure_ascii=False))
        key = DiskCache.key("lamp-summary", self.model_name, self.spec.name, profile_hash, repr(prompt), "supported")
        task = WHAT[self.spec.name][0]

        def write() -> str:  # no fallback to the notes: they are the very items the prompt already shows
            return write_summary(self.model, notes, task=task, prompt=prompt, fall_back_to_notes=False)

        return str(self.cached(key, write))
