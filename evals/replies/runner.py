"""Run reply scenarios through ``Assistant`` for one or more models; resume after a crash.

Each scenario's users are its own ("<scenario>-a"), so one store serves the whole run: a reply that
shows another scenario's data fails the isolation checks as it should. Facts are told in setup
threads, written to memory (``flush``), then the question comes in a new thread.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from agent.llm.base import ChatModel
from agent.settings import Settings
from memory.errors import InvalidInputError

from .checks import check
from .report import write_report
from .scenarios import CATEGORIES, Scenario, load_scenarios

ASK_THREAD = "question"


def model_settings(spec: str, base: Settings) -> Settings:
    """``default`` (the configured model), ``openai`` (RAPPORT_LLM_* endpoint), or a GGUF path or model name."""
    if spec == "default":
        return base
    if spec == "openai":
        return base.model_copy(update={"llm_provider": "openai"})
    return base.model_copy(update={"llm_provider": "local", "llm_model_path": spec})


def run(
    out: Path,
    *,
    models: list[str],
    scenarios_path: Path | None = None,
    catalog_path: Path | None = None,
    limit: int | None = None,
    categories: list[str] | None = None,
    chat_model: ChatModel | None = None,
) -> dict[str, Any]:
    """Write ``<model>/replies.jsonl`` per model, then ``metrics.json``, ``report.md`` and ``replies.png``."""
    from agent import Assistant

    scenarios = _select(load_scenarios(scenarios_path), categories, limit)
    if any(s.catalog for s in scenarios) and catalog_path is None:
        raise InvalidInputError(
            "--catalog",
            "recommendation scenarios need an item catalog",
            "pass --catalog ../shared/data/movielens-small, or --category without recommend",
        )
    out.mkdir(parents=True, exist_ok=True)
    rows_by_model: dict[str, list[dict[str, Any]]] = {}
    for spec in models:
        label = model_label(spec)
        folder = out / label
        settings = model_settings(spec, Settings(data_dir=folder / "data"))
        results = folder / "replies.jsonl"
        done = _read_rows(results)
        todo = [s for s in scenarios if s.id not in done]
        if todo:
            with Assistant.open(settings, chat_model=chat_model) as assistant, results.open("a") as sink:
                if any(s.catalog for s in todo):
                    _ensure_catalog(assistant, catalog_path)
                for scenario in tqdm(todo, desc=f"replies {label}", unit="scenario"):
                    row = run_scenario(assistant, scenario)
                    row["model"] = label
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                    sink.flush()
                    done[scenario.id] = row
        rows_by_model[label] = [done[s.id] for s in scenarios]
    return write_report(out, rows_by_model)


def run_scenario(assistant: Any, scenario: Scenario) -> dict[str, Any]:
    """Tell, write to memory, ask in a new thread; the reply with its checks and timings."""

    def user(alias: str) -> str:
        return f"{scenario.id}-{alias}"

    for alias in {turn.user for turn in [*scenario.turns, scenario.ask]}:
        assistant.forget(user(alias))  # a clean slate, also after a crash mid-scenario
    for turn in scenario.turns:
        assistant.chat(user(turn.user), turn.text, thread_id=turn.thread)
    assistant.flush()
    start = time.perf_counter()
    first_token = None
    reply = None
    for event in assistant.stream(user(scenario.ask.user), scenario.ask.text, thread_id=ASK_THREAD):
        if event.type == "token" and first_token is None:
            first_token = time.perf_counter() - start
        elif event.type == "done":
            reply = event.reply
    assert reply is not None
    total = time.perf_counter() - start
    failures = check(scenario, reply.text, reply.tool_calls)
    return {
        "id": scenario.id,
        "category": scenario.category,
        "ask": scenario.ask.text,
        "reply": reply.text,
        "passed": not failures,
        "failures": failures,
        "recalled": [m.text for m in reply.recalled],
        "tools": [call["name"] for call in reply.tool_calls],
        "first_token_s": round(first_token if first_token is not None else total, 4),
        "total_s": round(total, 4),
    }


def model_label(spec: str) -> str:
    name = Path(spec).stem if spec.endswith(".gguf") else spec
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "model"


def _select(scenarios: list[Scenario], categories: list[str] | None, limit: int | None) -> list[Scenario]:
    if categories:
        unknown = sorted(set(categories) - set(CATEGORIES))
        if unknown:
            raise InvalidInputError("--category", f"unknown {unknown}", f"use some of {', '.join(CATEGORIES)}")
        scenarios = [s for s in scenarios if s.category in categories]
    if limit is not None:
        if limit < 1:
            raise InvalidInputError("--limit", f"must be at least 1, got {limit}")
        per_category: dict[str, int] = {}
        kept = []
        for scenario in scenarios:  # the first ``limit`` of each category, so a quick run covers them all
            per_category[scenario.category] = per_category.get(scenario.category, 0) + 1
            if per_category[scenario.category] <= limit:
                kept.append(scenario)
        scenarios = kept
    return scenarios


def _ensure_catalog(assistant: Any, path: Path | None) -> None:
    from tools.items import load_item_file, load_movielens_items

    catalog = assistant.recommender.catalog
    if catalog.count() > 0:
        return
    assert path is not None
    report = load_movielens_items(path) if path.is_dir() else load_item_file(path)
    catalog.load(report.items)
    assistant.recommender.requests()  # as `rapport catalog load` does: no scenario waits for the catalog's vectors


def _read_rows(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        return {}
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a crash is run again
        rows[row["id"]] = row
    return rows
