"""Recsys outputs: metrics.json (the fixed schema), report.md and a bar chart."""

from __future__ import annotations

import json
from pathlib import Path


def markdown_table(metrics: dict, details: dict) -> str:
    k = details["k"]
    lines = [
        f"MovieLens leave-last-out: {metrics['n_users']} users, {details['n_items']} items, full ranking",
        "",
        f"| method | HR@{k} | NDCG@{k} |",
        "|---|---:|---:|",
    ]
    for method, scores in metrics["methods"].items():
        lines.append(f"| {method} | {scores[f'hr@{k}']:.4f} | {scores[f'ndcg@{k}']:.4f} |")
    if details.get("users_per_s"):
        speeds = ", ".join(f"{m} {v:g}" for m, v in details["users_per_s"].items())
        lines += ["", f"Users per second (this run): {speeds}; item-kNN fit {details['fit_itemknn_s']} s."]
    return "\n".join(lines) + "\n"


def plot(metrics: dict, k: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    methods = list(metrics["methods"])
    x = np.arange(len(methods))
    figure, axes = plt.subplots(figsize=(6, 4))
    for offset, metric in ((-0.2, f"hr@{k}"), (0.2, f"ndcg@{k}")):
        axes.bar(x + offset, [metrics["methods"][m][metric] for m in methods], width=0.4, label=metric.upper())
    axes.set_xticks(x, methods)
    axes.set_ylabel("score")
    axes.set_title(f"MovieLens leave-last-out ({metrics['n_users']} users)")
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_outputs(out: Path, metrics: dict, details: dict) -> None:
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "details.json").write_text(json.dumps(details, indent=2) + "\n", encoding="utf-8")
    table = markdown_table(metrics, details)
    (out / "report.md").write_text("# " + table, encoding="utf-8")
    plot(metrics, details["k"], out / "recsys.png")
    print(table)
