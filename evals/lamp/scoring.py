"""Scoring a predictions file against a golds file, as the official LaMP script does (same checks, same metrics)."""

from __future__ import annotations

from pathlib import Path

from .data import check_same_ids, check_task, load_outputs
from .metrics import score_files
from .tasks import get_task


def score_prediction_files(task: str, golds_path: Path, preds_path: Path) -> dict[str, float]:
    """The applicable metrics among accuracy, f1, mae, rmse, rouge1, rougeL."""
    golds = load_outputs(golds_path)
    preds = load_outputs(preds_path)
    spec = get_task(task, list(golds.golds.values()))
    check_task(golds, spec, golds_path)
    check_task(preds, spec, preds_path)
    check_same_ids(list(golds.golds), list(preds.golds), preds_path, golds_path)
    return score_files(spec, golds.golds, preds.golds)
