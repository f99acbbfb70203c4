"""Recsys outputs: metrics.json, details.json, report.md (tables: all, cold/warm, with a query) and a chart."""

from __future__ import annotations

import json
from pathlib import Path


def _row(name: str, scores: dict, k: int) -> str:
    return f"| {name} | {scores[f'hr@{k}']:.4f} | {scores[f'ndcg@{k}']:.4f} |"


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x" if baseline > 0 else "n/a"


def markdown_report(metrics: dict, details: dict) -> str:
    k = details["k"]
    methods = metrics["methods"]
    fit = details.get("fit_s", {})
    notes = details.get("notes", {})
    lines = [
        f"MovieLens-style leave-last-out on **{metrics.get('dataset', '?')}**: {details.get('dataset', '')}",
        f"{metrics['n_users']} test users, {details['n_items']} items, full ranking of unseen items, k = {k}.",
        "",
        f"Configuration: {details.get('config_source', 'defaults')}.",
        "",
        "## Test (each user's last positive, used once)",
        "",
        f"| method | HR@{k} | NDCG@{k} | fit s | rapport vs it (HR, NDCG) | notes |",
        "|---|---:|---:|---:|---|---|",
    ]
    ours = methods.get("rapport")
    for name, scores in methods.items():
        versus = ""
        if ours is not None and name != "rapport":
            versus = (f"{_ratio(ours[f'hr@{k}'], scores[f'hr@{k}'])}, "
                      f"{_ratio(ours[f'ndcg@{k}'], scores[f'ndcg@{k}'])}")  # fmt: skip
        lines.append(f"| {name} | {scores[f'hr@{k}']:.4f} | {scores[f'ndcg@{k}']:.4f} | {fit.get(name, '')} | "
                     f"{versus} | {notes.get(name, '')} |")  # fmt: skip
    cold, warm = metrics.get("cold", {}), metrics.get("warm", {})
    if cold and warm:
        below = details.get("cold_below", 20)
        lines += [
            "",
            f"## Cold (fewer than {below} training interactions, {cold['n_users']} users) and warm "
            f"({warm['n_users']} users)",
            "",
            f"| method | cold HR@{k} | cold NDCG@{k} | warm HR@{k} | warm NDCG@{k} |",
            "|---|---:|---:|---:|---:|",
        ]
        for name in methods:
            c, w = cold["methods"][name], warm["methods"][name]
            lines.append(f"| {name} | {c[f'hr@{k}']:.4f} | {c[f'ndcg@{k}']:.4f} | {w[f'hr@{k}']:.4f} | "
                         f"{w[f'ndcg@{k}']:.4f} |")  # fmt: skip
    query = metrics.get("with_query")
    if query and query.get("methods"):
        lines += [
            "",
            f"## With a request ({query['n_users']} users): the held-out item's genres as the query",
            "",
            "`rapport+query` ranks with the request; `ease+genres` is EASE kept to the request's genres; `query` is",
            "the request's cosine alone; the rest ignore the request.",
            "",
            f"| method | HR@{k} | NDCG@{k} |",
            "|---|---:|---:|",
        ]
        lines += [_row(name, scores, k) for name, scores in query["methods"].items()]
    chosen = details.get("chosen_on", {})
    if chosen:
        lines += ["", "## Which split chose what", ""]
        lines += [f"- {what}: {where}" for what, where in chosen.items()]
    if details.get("users_per_s"):
        speeds = ", ".join(f"{m} {v:g}" for m, v in details["users_per_s"].items())
        lines += ["", f"Users per second (this run, shared CPU): {speeds}."]
    return "\n".join(lines) + "\n"


def plot(metrics: dict, k: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    panels = [("all test users", metrics["methods"])]
    if metrics.get("with_query", {}).get("methods"):
        panels.append(("with a genre request", metrics["with_query"]["methods"]))
    figure, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for axis, (title, methods) in zip(axes[0], panels, strict=True):
        names = list(methods)
        x = np.arange(len(names))
        for offset, metric in ((-0.2, f"hr@{k}"), (0.2, f"ndcg@{k}")):
            axis.bar(x + offset, [methods[m][metric] for m in names], width=0.4, label=metric.upper())
        axis.set_xticks(x, names, rotation=30, ha="right")
        axis.set_ylabel("score")
        axis.set_title(f"{metrics.get('dataset', '')}: {title}")
        axis.legend()
        axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_outputs(out: Path, metrics: dict, details: dict) -> None:
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "details.json").write_text(json.dumps(details, indent=2) + "\n", encoding="utf-8")
    report = markdown_report(metrics, details)
    (out / "report.md").write_text("# Recommendations: rapport against baselines\n\n" + report, encoding="utf-8")
    plot(metrics, details["k"], out / "recsys.png")
    print(report)
