"""Third-party utterances with the label each reader decision should give, read from ``../shared/data``.

Each set is a list of (text, expected) pairs for one decision. Sets that carry a licence against
training (Dialogue NLI, MSC, DailyDialog, PrefEval) only ever measure.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from memory.reading.labels import Act, Slot
from memory.reading.training import CLINC_ACTS
from memory.textfile import read_utf8

SEED = 7
PER_SET = 1500  # sampled rows per set: enough for a tight accuracy, quick on two cores

# Dialogue NLI relations that are one of our slots; the rest (physical_attribute, has_ability, ...) are left out.
DNLI_SLOTS: dict[str, Slot] = {
    **dict.fromkeys(
        [
            "like_activity",
            "like_food",
            "like_general",
            "like_animal",
            "like_watching",
            "favorite_music_artist",
            "like_read",
            "like_drink",
            "favorite_color",
            "like_color",
            "favorite_season",
            "favorite_drink",
            "favorite_movie",
            "favorite_place",
            "favorite_show",
            "favorite_book",
            "favorite_animal",
            "favorite_hobby",
            "favorite_sport",
        ],
        Slot.LIKE,
    ),
    **dict.fromkeys(
        ["dislike", "dislike_food", "dislike_activity", "dislike_sport", "dislike_animal", "dislike_color"],
        Slot.DISLIKE,
    ),
    **dict.fromkeys(["employed_by_general", "employed_by_company", "job_status"], Slot.JOB),
    **dict.fromkeys(["live_in_citystatecountry", "live_in_general"], Slot.HOME),
    **dict.fromkeys(
        ["have_chidren", "have_children", "have_family", "have_sibling", "have_no_children", "have_no_sibling"],
        Slot.FAMILY,
    ),
    **dict.fromkeys(["attend_school", "school_status", "has_degree"], Slot.EDUCATION),
    **dict.fromkeys(["own", "have_vehicle"], Slot.POSSESSION),
    "have_pet": Slot.PET,
    "marital_status": Slot.PARTNER,
    "diet": Slot.DIET,
    "name": Slot.NAME,
    "health_status": Slot.HEALTH,
}
QUESTION = "question"
INFORM = "inform"
ADVICE = "request or recommend"


def _sample(rows: list, n: int = PER_SET) -> list:
    rng = random.Random(SEED)
    return rng.sample(rows, n) if len(rows) > n else rows


def dnli_slots(nlu: Path) -> list[tuple[str, str]]:
    rows = []
    for line in read_utf8(nlu / "dnli_relations.tsv", fix="pass the nlu folder").splitlines()[1:]:
        sentence, _subject, relation, _object = (line.split("\t") + ["", "", "", ""])[:4]
        if relation in DNLI_SLOTS:
            rows.append((sentence, DNLI_SLOTS[relation].value))
    return _sample(rows)


def msc_statements(nlu: Path) -> list[tuple[str, str]]:
    data = json.loads(read_utf8(nlu / "msc_personas_all.json", fix="pass the nlu folder"))
    texts = sorted(
        {
            t
            for split in data.values()
            for pair in split
            for said in pair.values()
            if isinstance(said, list)
            for t in said
        }
    )
    return [(text, Act.TELL.value) for text in _sample(texts)]


def dailydialog_questions(nlu: Path) -> list[tuple[str, str]]:
    """Questions (act 2) must not be stored as statements; informs (act 1) not read as questions about the user."""
    dialogues = read_utf8(nlu / "dailydialog_dialogues.txt", fix="pass the nlu folder").splitlines()
    acts = read_utf8(nlu / "dailydialog_acts.txt", fix="pass the nlu folder").splitlines()
    rows = []
    for dialogue, labels in zip(dialogues, acts, strict=False):
        turns = [t.strip() for t in dialogue.split("__eou__") if t.strip()]
        for turn, act in zip(turns, labels.split(), strict=False):
            if act in ("1", "2"):
                rows.append(
                    (turn.replace(" ,", ",").replace(" .", ".").replace(" ?", "?"), QUESTION if act == "2" else INFORM)
                )
    return _sample(rows)


def clinc_acts(nlu: Path) -> list[tuple[str, str]]:
    data = json.loads(read_utf8(nlu / "clinc150_data_full.json", fix="pass the nlu folder"))
    return [(text, CLINC_ACTS[intent].value) for text, intent in data["test"] if intent in CLINC_ACTS]


def memorybank_questions(nlu: Path) -> list[tuple[str, str]]:
    rows = []
    for line in read_utf8(nlu / "memorybank_probing_questions.jsonl", fix="pass the nlu folder").splitlines():
        if line.strip():
            for questions in json.loads(line).values():
                rows += [(q, "about the user") for q in questions]
    return rows


def prefeval_sets(prefeval: Path) -> dict[str, list[tuple[str, str]]]:
    from evals.prefeval.data import load_topics

    items = [item for items in load_topics(prefeval).values() for item in items]
    preferences = sorted({item.preference for item in items})
    return {
        "prefeval preference → tell": [(p, Act.TELL.value) for p in preferences],
        "prefeval preference → need": [(p, "true") for p in preferences],
        "prefeval question → request or recommend": [(item.question, ADVICE) for item in items],
    }


def dialogue_act(act: str, expected: str) -> str:
    """Right when a question is not taken as a statement, and an inform not as a question about the user."""
    if expected == QUESTION:
        return QUESTION if Act(act) is not Act.TELL else "stored as a statement"
    return INFORM if Act(act) not in (Act.RECALL, Act.ABOUT_ME, Act.FORGET) else f"read as {act}"
