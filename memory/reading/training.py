"""Build the reader's heads from labelled sentences: ``rapport train reader``.

Data, all written for this project or licensed for training (see ``evals/data/reading/LABELS.md``
and ``../shared/data/nlu/README.md``):
- ``turns*.jsonl``: what a sentence does (``act``), and for questions about the user their ``focus``
  (a slot, or ``everything``);
- ``statements*.jsonl``: statements with their ``slot``, ``need`` and ``change`` (each is also a ``tell``);
- CLINC150 (CC BY 3.0), when its file is given: the intents that map onto an act;
- ``tests/data/supersede_pairs*.jsonl``: the team's labelled pairs of an earlier and a later
  statement, for the judge of what replaces what (``replacement``); each file is held out in turn;
- (``answers.jsonl`` holds question–memory pairs for a judge of which memory answers; the first one,
  a linear head, was not precise enough to ship: see README.md.)
Every head is a multinomial logistic regression on MiniLM vectors. Validation holds out whole
template families (``family``), never random rows, so a score says how a new phrasing fares.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memory.errors import InvalidInputError
from memory.textfile import read_utf8

from .features import act_features, change_features
from .heads import HEADS_FILE, Head, save_heads
from .labels import Act, Change, Slot
from .reader import EVERYTHING
from .replacement import MIN_REPLACE_PROBABILITY, REPLACE_HEAD, pair_features

log = logging.getLogger(__name__)

REPO_DATA = Path(__file__).resolve().parents[2] / "evals" / "data" / "reading"
REPO_PAIRS = Path(__file__).resolve().parents[2] / "tests" / "data"  # measured_only/ below it is never trained on
VALIDATION_SHARE = 0.2
REGULARIZATION = 4.0  # sklearn's C; chosen on the family split (1, 4 and 16 tried)
SEED = 13
JUDGE_REGULARIZATION = 16.0  # the replace judge's C: few features (1, 4 and 16 tried, file by file held out)
UNRELATED_PER_PAIR = 2  # pairs of a new statement with another pair's old one, labelled "compatible"
SENTENCE_ACT_HEADS = frozenset({"act"})  # the head that sees how a sentence opens (``features``)

# CLINC150 intents that are one of our acts; the rest are commands to other products and left out.
CLINC_ACTS: dict[str, Act] = {
    "greeting": Act.GREETING,
    "goodbye": Act.FAREWELL,
    "thank_you": Act.THANKS,
    "what_is_your_name": Act.WHO_ARE_YOU,
    "who_made_you": Act.WHO_ARE_YOU,
    "are_you_a_bot": Act.WHO_ARE_YOU,
    "what_can_i_ask_you": Act.CAPABILITIES,
    "user_name": Act.RECALL,
    "travel_suggestion": Act.REQUEST,
    "restaurant_suggestion": Act.REQUEST,
    "meal_suggestion": Act.REQUEST,
    "tell_joke": Act.CHAT,
    "fun_fact": Act.CHAT,
    "meaning_of_life": Act.CHAT,
    "definition": Act.CHAT,
    "what_are_your_hobbies": Act.CHAT,
    "where_are_you_from": Act.CHAT,
    "how_old_are_you": Act.CHAT,
    "do_you_have_pets": Act.CHAT,
    "translate": Act.CHAT,
    "spelling": Act.CHAT,
    "weather": Act.CHAT,
    "time": Act.CHAT,
}
CLINC_FOCUS = {"user_name": Slot.NAME}


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    family: str


def labelled_sets(data: Path = REPO_DATA, clinc: Path | None = None) -> dict[str, list[Example]]:
    """The examples of each head, read from the labelled files."""
    turns = [row for path in sorted(data.glob("turns*.jsonl")) for row in _rows(path, ("text", "act", "family"))]
    statements = [
        row for path in sorted(data.glob("statements*.jsonl")) for row in _rows(path, ("text", "slot", "family"))
    ]
    if not turns or not statements:
        raise InvalidInputError("data", f"{data} needs turns.jsonl and statements*.jsonl", "see LABELS.md there")
    sets: dict[str, list[Example]] = {"act": [], "focus": [], "slot": [], "need": [], "change": []}
    for row in turns:
        sets["act"].append(Example(row["text"], Act(row["act"]).value, row["family"]))
        if row["act"] in (Act.RECALL, Act.ABOUT_ME):
            focus = Slot(row["focus"]).value if row.get("focus") else EVERYTHING
            sets["focus"].append(Example(row["text"], focus, row["family"]))
    for row in statements:
        sets["act"].append(Example(row["text"], Act.TELL.value, "s:" + row["family"]))
        sets["slot"].append(Example(row["text"], Slot(row["slot"]).value, "s:" + row["family"]))
        sets["need"].append(Example(row["text"], str(bool(row.get("need", False))).lower(), "s:" + row["family"]))
        sets["change"].append(Example(row["text"], Change(row.get("change", "none")).value, "s:" + row["family"]))
    if clinc is not None:
        for text, intent in json.loads(read_utf8(clinc, fix="pass CLINC150's data_full.json"))["train"]:
            if intent in CLINC_ACTS:
                sets["act"].append(Example(text, CLINC_ACTS[intent].value, f"clinc:{intent}"))
            if intent in CLINC_FOCUS:
                sets["focus"].append(Example(text, CLINC_FOCUS[intent].value, f"clinc:{intent}"))
    return sets


def train(
    data: Path = REPO_DATA,
    out: Path = HEADS_FILE,
    clinc: Path | None = None,
    embedder=None,
    pairs: Path = REPO_PAIRS,
) -> dict[str, dict[str, float]]:
    """Fit every head on a family split, report held-out accuracy, then refit on everything and save."""
    from sklearn.linear_model import LogisticRegression  # heavy; only this command needs it

    from memory.embedder import get_embedder

    embedder = embedder or get_embedder()
    sets = labelled_sets(data, clinc)
    texts = sorted({example.text for examples in sets.values() for example in examples})
    vectors = dict(zip(texts, embedder.encode(texts), strict=True))
    report: dict[str, dict[str, float]] = {}
    heads = []
    for name, examples in sets.items():
        x = np.stack([vectors[e.text] for e in examples])
        if name in SENTENCE_ACT_HEADS:
            x = act_features(embedder, [e.text for e in examples])
        elif name == "change":
            x = change_features(x, [e.text for e in examples])
        y = np.array([e.label for e in examples])
        held_out = _held_out_families(examples)
        # Most statements change nothing: reweighting the rare changes made one-off events read as
        # changes ("slept badly last night" as an end), and the reader already sums the changes' share.
        weights = None if name == "change" else "balanced"
        model = LogisticRegression(C=REGULARIZATION, max_iter=3000, class_weight=weights)
        model.fit(x[~held_out], y[~held_out])
        accuracy = float((model.predict(x[held_out]) == y[held_out]).mean()) if held_out.any() else float("nan")
        report[name] = {"examples": len(examples), "held_out": int(held_out.sum()), "accuracy": round(accuracy, 4)}
        model.fit(x, y)
        heads.append(_head(name, model))
        log.info("head %s: %d examples, held-out accuracy %.3f", name, len(examples), accuracy)
    by_name = {head.name: head for head in heads}
    judge, report[REPLACE_HEAD] = _replace_head(embedder, by_name, pairs, LogisticRegression)
    save_heads([*heads, judge], out)
    return report


def _replace_head(embedder, heads: dict[str, Head], pairs: Path, logistic) -> tuple[Head, dict[str, float]]:
    """The judge of what replaces what, validated with each pair file held out in turn."""
    files = sorted(pairs.glob("supersede_pairs*.jsonl"))
    rows = [(path.name, row) for path in files for row in _rows(path, ("old", "new"))]
    if not rows:
        raise InvalidInputError("pairs", f"{pairs} holds no supersede_pairs*.jsonl", "pass --pairs DIR")
    rows += _unrelated(rows)
    x = pair_features(embedder, heads, [r["old"] for _, r in rows], [r["new"] for _, r in rows])
    y = np.array([bool(r["supersede"]) for _, r in rows])
    names = np.array([name for name, _ in rows])
    predicted = np.zeros_like(y)
    for name in sorted(set(names)):
        held = names == name
        model = logistic(C=JUDGE_REGULARIZATION, max_iter=3000, class_weight="balanced").fit(x[~held], y[~held])
        predicted[held] = model.predict_proba(x[held])[:, 1] >= MIN_REPLACE_PROBABILITY
    true_positives = int((predicted & y).sum())
    report = {
        "examples": len(rows),
        "held_out": len(rows),
        "accuracy": round(float((predicted == y).mean()), 4),
        "recall": round(true_positives / max(int(y.sum()), 1), 4),
        "compatible_kept": round(float((~predicted[~y]).mean()), 4),
    }
    model = logistic(C=JUDGE_REGULARIZATION, max_iter=3000, class_weight="balanced").fit(x, y)
    log.info("head %s: %d pairs, held-out by file %s", REPLACE_HEAD, len(rows), report)
    return _head(REPLACE_HEAD, model, classes=("false", "true")), report


def _unrelated(rows: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Each pair's new statement beside other pairs' old ones: a memory store is mostly unrelated facts."""
    rng = np.random.default_rng(SEED)
    made = []
    for name, row in rows:
        for index in rng.choice(len(rows), size=UNRELATED_PER_PAIR, replace=False):
            other = rows[int(index)][1]
            if other["old"] != row["old"]:
                made.append((name, {"old": other["old"], "new": row["new"], "supersede": False}))
    return made


def _head(name: str, model, classes: tuple[str, ...] | None = None) -> Head:
    classes = classes or tuple(str(c) for c in model.classes_)
    if len(classes) == 2:  # sklearn keeps one vector for two classes: the logit of the second
        weights = np.stack([np.zeros_like(model.coef_[0]), model.coef_[0]], axis=1)
        bias = np.array([0.0, model.intercept_[0]])
    else:
        weights, bias = model.coef_.T, model.intercept_
    return Head(name=name, classes=classes, weights=weights, bias=bias)


def _held_out_families(examples: Sequence[Example]) -> np.ndarray:
    """A reproducible fifth of the template families, whole."""
    families = sorted({e.family for e in examples})
    rng = np.random.default_rng(SEED)
    chosen = set(rng.choice(families, size=max(1, int(len(families) * VALIDATION_SHARE)), replace=False))
    return np.array([e.family in chosen for e in examples])


def _rows(path: Path, required: Iterable[str]) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(read_utf8(path, fix="pass labelled JSON Lines").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidInputError("data", f"{path}:{number} is not JSON ({error.msg})") from None
        missing = [key for key in required if not row.get(key)]
        if missing:
            raise InvalidInputError("data", f"{path}:{number} lacks {', '.join(missing)}", "see LABELS.md")
        rows.append(row)
    return rows

