"""Automatic checks of one reply, written before the replies were tuned.

Every reply: no non-answer phrase, no first-person echo of what the user said (the assistant talking
as if it were the user). Then the scenario's own: contains any / all of, contains none of; for
"unknown" scenarios, an admission of not knowing; for recommendations, the picks the tool returned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .scenarios import Scenario

NON_ANSWERS = (
    "don't know what you mean",
    "do not know what you mean",
    "don't understand",
    "not sure what you mean",
    "could you clarify",
    "can you clarify",
    "as an ai",
    "language model",
    "i can't help with",
    "i cannot help with",
)
ADMITS_NOT_KNOWING = (
    "don't know",
    "do not know",
    "haven't told",
    "have not told",
    "didn't tell",
    "not sure",
    "no idea",
    "don't have",
    "haven't mentioned",
    "not told me",
    "don't remember",
    "no record",
    "nothing about",
)
FIRST_PERSON = {"i", "i'm", "i've", "i'd", "i'll", "my", "me", "mine", "we", "our"}
_TOKEN = re.compile(r"[a-z0-9']+")


def contains(text: str, phrase: str) -> bool:
    """Case-insensitive, not inside a longer word ("cod" is not in "code"), plurals allowed ("peanut" in "peanuts")."""
    plural = "(?:es)?" if re.search(r"(s|x|z|ch|sh|o)$", phrase.lower()) else "s?"
    pattern = rf"(?<![a-z0-9]){re.escape(phrase.lower())}{plural}(?![a-z0-9])"
    return re.search(pattern, text.lower().replace("’", "'")) is not None


def first_person_echo(reply: str, said: Sequence[str]) -> str | None:
    """A three-word phrase the user said about themselves ("i'm a vegetarian") that the reply says too."""
    words = _TOKEN.findall(reply.lower().replace("’", "'"))
    grams = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    for text in said:
        tokens = _TOKEN.findall(text.lower().replace("’", "'"))
        for i in range(len(tokens) - 2):
            phrase = " ".join(tokens[i : i + 3])
            if tokens[i] in FIRST_PERSON and phrase in grams:
                return phrase
    return None


def check(scenario: Scenario, reply: str, tool_calls: Sequence[dict[str, Any]]) -> list[str]:
    """The failed checks, each as a short reason; empty means the reply passes."""
    failures = []
    if found := [p for p in NON_ANSWERS if contains(reply, p)]:
        failures.append(f"non-answer: {found[0]!r}")
    said = [turn.text for turn in [*scenario.turns, scenario.ask] if turn.user == scenario.ask.user]
    if echo := first_person_echo(reply, said):
        failures.append(f"first-person echo: {echo!r}")
    if scenario.category == "unknown" and not any(contains(reply, p) for p in ADMITS_NOT_KNOWING):
        failures.append("does not admit not knowing")
    if scenario.contain_any and not any(contains(reply, p) for p in scenario.contain_any):
        failures.append(f"contains none of {scenario.contain_any}")
    if missing := [p for p in scenario.contain_all if not contains(reply, p)]:
        failures.append(f"misses {missing}")
    if found := [p for p in scenario.not_contain if contains(reply, p)]:
        failures.append(f"contains {found}")
    failures += _check_picks(scenario, tool_calls)
    return failures


def _check_picks(scenario: Scenario, tool_calls: Sequence[dict[str, Any]]) -> list[str]:
    if not (scenario.picks_min or scenario.picks_genres_any or scenario.picks_genres_none):
        return []
    picks = [p for call in tool_calls if call.get("name") == "recommend" for p in call.get("result") or []]
    failures = []
    if len(picks) < scenario.picks_min:
        failures.append(f"{len(picks)} picks, wanted at least {scenario.picks_min}")
    genres = [set(pick.get("genres") or []) for pick in picks]
    if scenario.picks_genres_any and picks:
        hits = sum(1 for g in genres if g & set(scenario.picks_genres_any))
        if hits * 2 < len(picks):
            failures.append(f"only {hits}/{len(picks)} picks are {scenario.picks_genres_any}")
    if scenario.picks_genres_none and (
        bad := [p["title"] for p, g in zip(picks, genres, strict=True) if g & set(scenario.picks_genres_none)]
    ):
        failures.append(f"picks {bad} are {scenario.picks_genres_none}")
    return failures
