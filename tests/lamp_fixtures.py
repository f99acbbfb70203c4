"""Tiny LaMP splits in the official format, one per task, written by tests into tmp folders.

Each user labels consistently (their profile's labels match the gold), so personalization visibly
helps a model that copies labels it sees in the prompt.
"""

from __future__ import annotations

import json
from pathlib import Path

NEWS_INPUT = (
    "Which category does this article relate to among the following categories? Just answer with the category "
    "name without further explanation. categories: [women, religion, politics, style & beauty, entertainment, "
    "culture & arts, sports, science & technology, travel, business, crime, education, healthy living, parents, "
    "food & drink] article: {}"
)
MOVIE_INPUT = (
    "Which tag does this movie relate to among the following tags? Just answer with the tag name without further "
    "explanation. tags: [sci-fi, based on a book, comedy, action, twist ending, dystopia, dark comedy, classic, "
    "psychology, fantasy, romance, thought-provoking, social commentary, violence, true story] description: {}"
)
CITATION_INPUT = (
    'For an author who has written the paper with the title "{}", which reference is related? Just answer with '
    '[1] or [2] without explanation. [1]: "{}" [2]: "{}"'
)
REVIEW_INPUT = (
    "What is the score of the following review on a scale of 1 to 5? just answer with 1, 2, 3, 4, or 5 without "
    "further explanation. review: {}"
)


def _news(i: int, label: str, words: str) -> dict:
    items = [
        {"id": f"{i}_{j}", "text": f"{words} story number {j} about the {label} desk", "category": label}
        for j in range(3)
    ]
    return {"id": str(i), "input": NEWS_INPUT.format(f"A new {words} report"), "profile": items}, label


def build_questions(task: str) -> tuple[list[dict], list[dict]]:
    """(questions, golds) for a task: three users each."""
    rows: list[tuple[dict, str]] = []
    if task == "LaMP_2N":
        rows = [_news(10, "politics", "senate vote"), _news(11, "sports", "football final"), _news(12, "crime", "bank")]
        rows[2][0]["profile"][0]["title"] = "Robbery downtown"  # title is optional for news items
    elif task == "LaMP_2M":
        for i, (tag, words) in enumerate([("comedy", "funny"), ("sci-fi", "spaceship"), ("true story", "real")]):
            items = [{"id": f"{i}_{j}", "description": f"A {words} film, part {j}", "tag": tag} for j in range(3)]
            question = {"id": str(20 + i), "input": MOVIE_INPUT.format(f"Another {words} film"), "profile": items}
            rows.append((question, tag))
    elif task == "LaMP_1":
        for i, (gold, topic) in enumerate([("[1]", "graph"), ("[2]", "vision"), ("[1]", "speech")]):
            items = [
                {"id": f"{i}_{j}", "title": f"{topic} methods {j}", "abstract": f"We study {topic}."} for j in range(3)
            ]
            refs = (f"{topic} survey", "tax law") if gold == "[1]" else ("tax law", f"{topic} survey")
            text = CITATION_INPUT.format(f"New {topic} work", *refs)
            rows.append(({"id": str(30 + i), "input": text, "profile": items}, gold))
    elif task == "LaMP_3":
        for i, score in enumerate(["5", "1", "3"]):
            items = [{"id": f"{i}_{j}", "text": f"Product review {j}, as always", "score": score} for j in range(3)]
            text = REVIEW_INPUT.format("Fine.")
            rows.append(({"id": str(40 + i), "input": text, "profile": items}, score))
    else:
        prompts = {
            "LaMP_4": ("Generate a headline for the following article: {}", ("text", "title")),
            "LaMP_5": ("Generate a title for the following abstract of a paper: {}", ("abstract", "title")),
            "LaMP_6": ("Generate a subject for the following email: {}", ("text", "title")),
            "LaMP_7": ("Paraphrase the following tweet without any explanation before or after it: {}", ("text",)),
        }
        template, fields = prompts[task]
        for i, topic in enumerate(["city budget", "river flood", "school lunch"]):
            items = []
            for j in range(3):
                item = {"id": f"{i}_{j}", fields[0]: f"Long text {j} on the {topic}.", "date": f"2020-01-0{j + 1}"}
                if len(fields) > 1:
                    item[fields[1]] = f"{topic} news {j}"
                items.append(item)
            rows.append(
                (
                    {"id": str(50 + i), "input": template.format(f"The {topic} story."), "profile": items},
                    f"{topic} news",
                )
            )
    return [question for question, _ in rows], [{"id": q["id"], "output": gold} for q, gold in rows]


def official_name(task: str) -> str:
    return "LaMP_2" if task.startswith("LaMP_2") else task


def write_split(folder: Path, task: str, split: str = "dev") -> Path:
    """Write ``{split}_questions.json`` and ``{split}_outputs.json`` for ``task`` under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    questions, golds = build_questions(task)
    (folder / f"{split}_questions.json").write_text(json.dumps(questions), encoding="utf-8")
    outputs = {"task": official_name(task), "golds": golds}
    (folder / f"{split}_outputs.json").write_text(json.dumps(outputs), encoding="utf-8")
    return folder


NEWS_TOPICS = (
    ("politics", ("senate vote on the budget bill", "the election campaign of the governor", "a new law in congress")),
    ("sports", ("the football cup final", "a tennis player wins the open", "the coach of the basketball team")),
    ("crime", ("police arrest a bank robber", "a murder trial in court", "a burglary downtown at night")),
    ("entertainment", ("the film premiere with a famous actor", "a pop singer's new album", "a celebrity wedding")),
    ("travel", ("cheap flights to island beaches", "a hotel review in the mountains", "the best cities to visit")),
)


def news_users(n: int) -> tuple[list[dict], list[dict]]:
    """``n`` LaMP-2N questions, one user each, in the official format.

    Each user writes about one topic (their three profile items), and most questions are about it
    too; every fourth question is about another topic, so reading the input matters. Users of the
    same topic are each other's collaborative neighbours.
    """
    questions, golds = [], []
    for i in range(n):
        label, texts = NEWS_TOPICS[i % len(NEWS_TOPICS)]
        profile = [
            {"id": f"{i}_{j}", "text": f"Report {i}.{j}: {texts[j]}", "category": label} for j in range(3)
        ]
        gold, gold_texts = NEWS_TOPICS[(i + 2) % len(NEWS_TOPICS)] if i % 4 == 3 else (label, texts)
        article = f"Today: {gold_texts[(i // 5) % 3]}, story {i}"
        questions.append({"id": str(100 + i), "input": NEWS_INPUT.format(article), "profile": profile})
        golds.append({"id": str(100 + i), "output": gold})
    return questions, golds


def write_news_users(folder: Path, n: int, split: str = "dev") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    questions, golds = news_users(n)
    (folder / f"{split}_questions.json").write_text(json.dumps(questions), encoding="utf-8")
    (folder / f"{split}_outputs.json").write_text(json.dumps({"task": "LaMP_2", "golds": golds}), encoding="utf-8")
    return folder
