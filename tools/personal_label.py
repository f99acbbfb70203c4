"""The best LaMP strategy (``cfrag``) as an agent tool: the label this user would give an item.

Evidence is the user's own labelled memories and, under the sharing rule of
``tools.collaborative`` (other users' interactions only, never their private memories), the
labelled interactions of users with similar profiles, ranked for this item and this user. A model
that scores options (the embedded one) then reads the top items and scores each candidate label,
calibrated against a content-free input, and its distribution is multiplied by the retrieved
items' label shares; a model that cannot score, or none, leaves the shares alone. On LaMP-2N this is
the strategy that scores best (see ``evals/lamp/report.md``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

import prompts
from agent.llm.errors import ModelUnavailableError
from memory.errors import InvalidInputError

from .calibrate import calibrate
from .collaborative import (
    LabelledItem,
    RetrieverWeights,
    Scored,
    as_items,
    label_shares,
    nearest_users,
    profile_vector,
    retrieve,
    shareable_items,
    unit,
)
from .context import ToolContext
from .registry import tool

log = logging.getLogger(__name__)

# Tuned for cfrag on the LaMP-2N dev file's tuning half (evals/lamp/tuned/LaMP_2N.json):
SMOOTHING = 0.1
VOTE_WEIGHT = 3.0  # the weight of the retrieved items' label shares against the model
CALIBRATION_STRENGTH = 0.75  # how much of the content-free prompt's label prior is divided out
PROMPT_ITEMS = 6
MAX_ITEM_CHARS = 300


class PersonalLabelArgs(BaseModel):
    query: str = Field(min_length=1, description="The item to label, e.g. an article's text or a movie.")
    labels: list[str] | None = Field(
        default=None, description="The labels to choose from; default: the labels the evidence carries."
    )
    label_key: str = Field(default="label", min_length=1, description="Memory metadata key that holds the label.")
    k: int = Field(default=RetrieverWeights().k, ge=1, le=100, description="How many retrieved items vote.")
    neighbours: int = Field(
        default=RetrieverWeights().neighbours, ge=0, le=100, description="Similar users whose shareable items count."
    )


def collaborative_evidence(context: ToolContext, args: PersonalLabelArgs) -> tuple[list[Scored], int]:
    """The user's own labelled items and neighbours' shareable ones, ranked for ``args.query``."""
    own_records = [m for m in context.store.list(context.user_id, limit=10**6) if args.label_key in m.metadata]
    if not own_records:
        raise InvalidInputError(
            "label_key",
            f"none of this user's memories carries a {args.label_key!r} label",
            f"record labelled items first (metadata {{{args.label_key!r}: ...}}) or pass another label_key",
        )
    own = as_items(context.store, own_records, args.label_key)
    others: dict[str, list[LabelledItem]] = {}
    if args.neighbours:
        for user, records in shareable_items(context.store, context.user_id, args.label_key).items():
            others[user] = as_items(context.store, records, args.label_key)
    vectors = {user: profile_vector(items) for user, items in others.items()}
    neighbours = nearest_users(profile_vector(own), vectors, args.neighbours)
    query = unit(np.asarray(context.store.embedder.encode([args.query]), dtype=float))[0]
    weights = RetrieverWeights(neighbours=args.neighbours, k=args.k)
    ranked = retrieve(query, own, [(others[user], similarity) for user, similarity in neighbours], weights)
    return ranked, len(neighbours)


def model_logprobs(
    context: ToolContext, query: str, ranked: Sequence[Scored], labels: Sequence[str]
) -> np.ndarray | None:
    """The model's calibrated label distribution after reading the top items; None if it cannot score."""
    if context.model is None:
        return None
    items = "\n".join(
        f'- "{" ".join(entry.item.text.split())[:MAX_ITEM_CHARS]}" -> {entry.item.label}'
        for entry in ranked[:PROMPT_ITEMS]
    )
    options = [" " + label for label in labels]
    asked = " ".join(query.split())[:MAX_ITEM_CHARS]
    try:
        real = context.model.score(prompts.render("personal_label", items=items, query=asked), options)
        free = context.model.score(prompts.render("personal_label", items=items, query="N/A"), options)
    except (NotImplementedError, ModelUnavailableError, AttributeError) as error:
        log.info("personal_label without the model (%s)", error)
        return None
    return calibrate(real, free, CALIBRATION_STRENGTH)


@tool(
    "personal_label",
    "Guess the label (category, tag or rating) the user would give an item, from their own labelled items "
    "and similar users' shared interactions, read by the model.",
    PersonalLabelArgs,
)
def personal_label(context: ToolContext, args: PersonalLabelArgs) -> dict[str, object]:
    ranked, neighbours = collaborative_evidence(context, args)
    labels = list(dict.fromkeys(args.labels or [entry.item.label for entry in ranked]))
    shares = np.asarray(label_shares(ranked, labels, SMOOTHING))
    logprobs = model_logprobs(context, args.query, ranked, labels)
    combined = np.log(shares) if logprobs is None else logprobs + VOTE_WEIGHT * np.log(shares)
    probabilities = np.exp(combined - np.logaddexp.reduce(combined))
    order = np.argsort(-probabilities, kind="stable")
    return {
        "label": labels[int(order[0])],
        "scores": {labels[i]: round(float(probabilities[i]), 4) for i in order},
        "used_model": logprobs is not None,
        "neighbours": neighbours,
        "evidence": [
            {"text": entry.item.text, "label": entry.item.label, "from": "you" if entry.own else "a similar user"}
            for entry in ranked[:PROMPT_ITEMS]
        ],
    }


LABEL_NOUNS = r"(category|categories|label|tag|genre|topic|section|rating|score|stars?)"
LABEL_VERBS = r"(label|tag|categori[sz]e|classify|file|rate|score|sort|put)"
CLASSIFY_REQUEST = re.compile(
    rf"^\s*(?:(?:which|what)\s+{LABEL_NOUNS}\s+(?:would|do|should|will)\s+i\s+(?:give|put|assign|use|file|choose)"
    rf"(?:\s+(?:to|for|it|this|that|under|in))*"
    rf"|how\s+(?:would|do|should|will)\s+i\s+{LABEL_VERBS}(?:\s+(?:this|that|it))?"
    rf"|(?:please\s+)?{LABEL_VERBS}\s+(?:this|that|it)\s+(?:for\s+me|as\s+i\s+would))"
    r"(?:\s+(?:this|that|the)?\s*(?:article|item|movie|film|book|story|post|product|review|headline|one)\s*(?=[:-]))?"
    r"\s*[:,-]?\s*(?P<item>.+?)\s*\??\s*$",
    re.IGNORECASE | re.DOTALL,
)


def classification_request(message: str) -> str | None:
    """The item of a personalized classification asked in chat ("Which category would I give: <item>?"), else None.

    The deterministic planner routes such a message to ``personal_label``; a tool-calling model finds
    the tool by its description.
    """
    match = CLASSIFY_REQUEST.match(message)
    if not match:
        return None
    item = match["item"].strip().strip("\"'“”").strip()
    return item if len(item) >= 3 else None


def answer_line(entry: dict[str, Any]) -> str:
    """The reply to a personalized classification, from the tool's logged call (its result or its error)."""
    if entry.get("error"):
        return f"I couldn't tell how you would label that: {entry['error']}."
    result = entry.get("result") or {}
    label, scores = result.get("label"), result.get("scores") or {}
    if not label:
        return "I couldn't tell how you would label that."
    evidence = result.get("evidence") or []
    yours = sum(1 for e in evidence if e.get("from") == "you")
    theirs = len(evidence) - yours
    basis = f"{yours} of your own labelled items" + (f" and {theirs} of similar users'" if theirs else "")
    runner_up = next((name for name in scores if name != label), None)
    close = f"; next most likely: {runner_up}" if runner_up else ""
    return f'You would most likely label it "{label}" ({round(100 * scores.get(label, 0))}%, from {basis}){close}.'
