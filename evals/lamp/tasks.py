"""The LaMP tasks: what each profile item holds, how it is searched, and what an answer looks like.

One table instead of per-task branches scattered over the harness: data checking, retrieval,
prompting and scoring all read the same ``TaskSpec``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from memory.errors import InvalidInputError

Kind = Literal["classification", "rating", "generation"]

NEWS_LABELS = (
    "food & drink",
    "sports",
    "education",
    "parents",
    "religion",
    "travel",
    "business",
    "crime",
    "science & technology",
    "culture & arts",
    "entertainment",
    "politics",
    "women",
    "style & beauty",
    "healthy living",
)
MOVIE_LABELS = (
    "sci-fi",
    "based on a book",
    "comedy",
    "action",
    "twist ending",
    "dystopia",
    "dark comedy",
    "classic",
    "psychology",
    "fantasy",
    "romance",
    "thought-provoking",
    "social commentary",
    "violence",
    "true story",
)


@dataclass(frozen=True)
class TaskSpec:
    """Everything task-specific. ``official`` is the name in the outputs files (both LaMP-2s are "LaMP_2")."""

    name: str
    official: str
    kind: Kind
    fields: tuple[str, ...]  # every profile item must carry these
    corpus: tuple[str, ...]  # what retrieval matches against, joined (optional ones skipped when absent)
    label_field: str | None  # the profile field that holds an item's answer (for the vote)
    query_marker: str  # the query is the input after this marker ('"' means: the quoted strings)
    labels: tuple[str, ...] = ()
    max_tokens: int = 32  # generation tasks

    @property
    def has_labels(self) -> bool:
        return self.kind != "generation"


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("LaMP_1", "LaMP_1", "classification", ("title", "abstract"), ("title", "abstract"), None, '"',
                 ("[1]", "[2]")),
        TaskSpec("LaMP_2N", "LaMP_2", "classification", ("text", "category"), ("title", "text"), "category",
                 "article:", NEWS_LABELS),
        TaskSpec("LaMP_2M", "LaMP_2", "classification", ("description", "tag"), ("description",), "tag",
                 "description:", MOVIE_LABELS),
        TaskSpec("LaMP_3", "LaMP_3", "rating", ("text", "score"), ("text",), "score", "review:",
                 ("1", "2", "3", "4", "5")),
        TaskSpec("LaMP_4", "LaMP_4", "generation", ("text", "title"), ("title", "text"), None, "article:"),
        TaskSpec("LaMP_5", "LaMP_5", "generation", ("abstract", "title"), ("title", "abstract"), None, "paper:"),
        TaskSpec("LaMP_6", "LaMP_6", "generation", ("text", "title"), ("text",), None, ":"),
        TaskSpec("LaMP_7", "LaMP_7", "generation", ("text",), ("text",), None, ":", max_tokens=48),
    )
}  # fmt: skip


def get_task(name: str, golds: list[str] | None = None) -> TaskSpec:
    """The spec for ``name`` (``LaMP-2N`` and ``LaMP_2n`` work too).

    Plain ``LaMP_2`` is the official name of both LaMP-2 variants: with ``golds`` the variant whose
    label list holds them all is chosen (news first, as the official scorer does).
    """
    key = name.strip().replace("-", "_").lower()
    if key == "lamp_2":
        if golds is not None and not set(golds) <= set(NEWS_LABELS) and set(golds) <= set(MOVIE_LABELS):
            return TASKS["LaMP_2M"]
        return TASKS["LaMP_2N"]
    by_lower = {task.lower(): spec for task, spec in TASKS.items()}
    if key not in by_lower:
        raise InvalidInputError(
            "--task",
            f"unknown task {name!r}",
            f"use one of: {', '.join(TASKS)} (LaMP_2 means news unless the golds are movie tags)",
        )
    return by_lower[key]


def extract_query(spec: TaskSpec, text: str) -> str:
    """The part of a question's input that retrieval should match (as the official retrievers do)."""
    if spec.query_marker == '"':
        quoted = text.split('"')[1::2]
        return " ".join(quoted[1:3] or quoted) or text
    at = text.find(spec.query_marker)
    return text[at + len(spec.query_marker) :].strip() if at >= 0 else text
