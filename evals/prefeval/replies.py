"""``rapport eval prefeval --replies``: does a stated preference shape the answer to a later request?

For each item, one user states the preference in one thread and asks the question in a new one; a
cold user asks the same question having said nothing. Per user: how many replies are non-answers,
how many only restate the preference (nothing left once the sentences about it are taken out), and
how often the reply is closer (MiniLM cosine) to the option that follows the preference than to
every other option (chance: one in the number of options).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tqdm import tqdm

from agent import Assistant
from agent.settings import Settings
from evals.replies.checks import NON_ANSWERS, contains

from .data import load_topics

TOLD, COLD = "told", "cold"
RESTATES_SIMILARITY = 0.6  # a reply sentence this close to the preference says the preference again
MIN_ADVICE_WORDS = 5  # fewer words left beside the restated preference: no advice was given
_SENTENCE = re.compile(r"(?<=[.!?:])\s+")
EXTRA_NON_ANSWERS = ("not sure i can help", "tell me a bit more")


def run(data: Path, out: Path, per_topic: int = 3) -> dict:
    items = [item for items in load_topics(data, per_topic).values() for item in items if item.options]
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with Assistant.open(Settings(data_dir=out / "data")) as assistant:
        embed = assistant.store.embedder.encode
        for index, item in enumerate(tqdm(items, desc="prefeval replies", unit="item")):
            told, cold = f"told-{index}", f"cold-{index}"
            assistant.chat(told, item.preference, thread_id="preference")
            assistant.flush()
            for user, kind in ((told, TOLD), (cold, COLD)):
                reply = assistant.chat(user, item.question, thread_id="question").text
                rows.append(
                    {
                        "topic": item.topic,
                        "user": kind,
                        "question": item.question,
                        "reply": reply,
                        **_judge(embed, reply, item.preference, item.options),
                    }
                )
    metrics = {kind: _score([r for r in rows if r["user"] == kind]) for kind in (TOLD, COLD)}
    metrics["chance"] = round(sum(1 / len(i.options) for i in items) / len(items), 4)
    (out / "replies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    table = _table(metrics, len(items))
    (out / "report.md").write_text(f"# PrefEval replies\n\n{table}\n", encoding="utf-8")
    print(table)
    return metrics


def _judge(embed, reply: str, preference: str, options: list[str]) -> dict:
    lowered = reply.lower()
    non_answer = any(contains(lowered, phrase) for phrase in NON_ANSWERS) or any(
        p in lowered for p in EXTRA_NON_ANSWERS
    )
    sentences = [s for s in _SENTENCE.split(reply) if s.strip()]
    vectors = embed([preference, reply, *sentences, *options])
    pref, whole, parts, opts = vectors[0], vectors[1], vectors[2 : 2 + len(sentences)], vectors[2 + len(sentences) :]
    advice = [s for s, v in zip(sentences, parts, strict=True) if float(v @ pref) < RESTATES_SIMILARITY]
    restates = not non_answer and len(" ".join(advice).split()) < MIN_ADVICE_WORDS
    closeness = [float(whole @ option) for option in opts]
    return {"non_answer": non_answer, "restates": restates, "follows": closeness.index(max(closeness)) == 0}


def _score(rows: list[dict]) -> dict:
    n = len(rows) or 1
    return {key: round(sum(r[key] for r in rows) / n, 4) for key in ("non_answer", "restates", "follows")}


def _table(metrics: dict, n: int) -> str:
    lines = [f"| {n} items | told the preference | cold |", "|---|---:|---:|"]
    for key, name in (
        ("non_answer", "non-answers"),
        ("restates", "only restate the preference"),
        ("follows", "closest to the option that follows it"),
    ):
        lines.append(f"| {name} | {metrics[TOLD][key]:.2f} | {metrics[COLD][key]:.2f} |")
    lines.append(f"| chance of the closest option being the right one | {metrics['chance']:.2f} | |")
    return "\n".join(lines)
