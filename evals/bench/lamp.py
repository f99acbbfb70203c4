"""``rapport bench lamp``: seconds per question of each LaMP strategy beside ``hybrid``, measured in the same run.

Why a benchmark and not the eval's own timing: the eval caches every model answer, so a rerun costs
nothing; here every strategy starts from an empty cache in a temporary folder, on the same
questions, interleaved question by question (so load from other processes hits all of them alike).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from memory.errors import InvalidInputError

BASELINE = "hybrid"


def run(*, data: Path, task: str, strategies: str, limit: int, k: int) -> dict[str, dict[str, float]]:
    """Seconds per question (all, and in the model) of each strategy, and its ratio to ``hybrid``."""
    from evals.lamp.runner import run as run_eval

    chosen = [s.strip() for s in strategies.split(",") if s.strip()]
    if BASELINE not in chosen:
        chosen.insert(0, BASELINE)
    if limit < 1:
        raise InvalidInputError("--limit", f"must be at least 1, got {limit}")
    with tempfile.TemporaryDirectory(prefix="rapport-bench-lamp-") as folder:
        metrics = run_eval(task=task, data=data, split="dev", strategies=",".join(chosen), k=k,
                           out=Path(folder) / "out", limit=limit)  # fmt: skip
    timing = metrics["timing"]
    n = metrics["n"]
    base = timing["s_per_question"][BASELINE]
    results = {}
    table = Table(title=f"{metrics['task']}: {n} questions, cold cache, ratio against {BASELINE} in this run")
    for column in ("strategy", "s/question", "model s/question", f"x {BASELINE}", "accuracy"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for strategy in chosen:
        seconds = timing["s_per_question"][strategy]
        model_s = timing["per_strategy_model_s"][strategy] / n
        ratio = seconds / base if base else float("nan")
        accuracy = metrics["strategies"][strategy].get("accuracy", float("nan"))
        results[strategy] = {"s_per_question": seconds, "model_s_per_question": round(model_s, 3),
                             "ratio": round(ratio, 2), "accuracy": accuracy}  # fmt: skip
        table.add_row(strategy, f"{seconds:.3f}", f"{model_s:.3f}", f"{ratio:.2f}", f"{accuracy:.3f}")
    Console().print(table)
    return results
