"""LaMP outputs beside the predictions: metrics.json, report.md (with published numbers) and a bar chart."""

from __future__ import annotations

import json
from pathlib import Path

# FlanT5-XXL, k=4, time-based split, test set (ROPG and PPlug papers): other models, other splits.
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {
    "LaMP_1": {
        "none": {"accuracy": 0.502},
        "BM25": {"accuracy": 0.626},
        "Contriever": {"accuracy": 0.636},
        "RSPG-Post": {"accuracy": 0.672},
        "PPlug": {"accuracy": 0.700},
    },
    "LaMP_2M": {
        "none": {"accuracy": 0.359, "f1": 0.276},
        "BM25": {"accuracy": 0.387, "f1": 0.306},
        "RSPG-Post": {"accuracy": 0.430, "f1": 0.339},
        "PPlug": {"accuracy": 0.559, "f1": 0.495},
    },
    "LaMP_3": {
        "none": {"mae": 0.308, "rmse": 0.611},
        "BM25": {"mae": 0.298, "rmse": 0.611},
        "RSPG-Post": {"mae": 0.264, "rmse": 0.568},
        "PPlug": {"mae": 0.242, "rmse": 0.557},
    },
    "LaMP_4": {
        "none": {"rouge1": 0.176, "rougeL": 0.160},
        "BM25": {"rouge1": 0.186, "rougeL": 0.171},
        "PPlug": {"rouge1": 0.211, "rougeL": 0.193},
    },
    "LaMP_5": {"none": {"rouge1": 0.478, "rougeL": 0.428}, "PPlug": {"rouge1": 0.487, "rougeL": 0.439}},
    "LaMP_7": {"none": {"rouge1": 0.449, "rougeL": 0.396}, "PPlug": {"rouge1": 0.537, "rougeL": 0.484}},
}
# LaMP-2 news has no published numbers in that setting; the closest are the movie-tagging ones.
PUBLISHED_FOR = {"LaMP_2N": "LaMP_2M"}
LOWER_IS_BETTER = {"mae", "rmse"}


def _columns(metrics: dict) -> list[str]:
    return list(next(iter(metrics["strategies"].values())).keys())


def markdown(metrics: dict) -> str:
    columns = _columns(metrics)
    timing = metrics["timing"]
    lines = [
        f"# {metrics['task']} ({metrics['split']}, {metrics['n']} questions, k={metrics['k']})",
        "",
        f"Model: `{metrics['model']}`. Ours: this run, this data.",
        "",
        "| strategy | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for strategy, scores in metrics["strategies"].items():
        lines.append(f"| {strategy} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + " |")
    lines += _subsets(metrics, columns)
    lines += _ceiling(metrics)
    lines += [
        "",
        f"Tuned on: {metrics.get('tuned_on', 'nothing')}.",
        "",
        f"Time: {timing['wall_s']} s in all ({timing['setup_s']} s loading the embedder, embedding the "
        f"profiles and tuning the retriever), then {timing['s_per_example']} s per question, "
        f"{timing['s_per_example_per_strategy']} s per question and strategy; the model took "
        f"{100 * timing['model_share']:.0f}% of it ({timing['model_calls']} model calls, "
        f"{timing['cache_hits']} answers from the cache: cached answers cost almost nothing, so compare "
        "seconds only between runs that started with an empty cache).",
        "",
        "| strategy | s/question | model s/question |",
        "|---|---:|---:|",
    ]
    for strategy, seconds in timing.get("s_per_question", {}).items():
        model_s = timing["per_strategy_model_s"][strategy] / metrics["n"]
        lines.append(f"| {strategy} | {seconds:.3f} | {model_s:.3f} |")
    lines += _ablation(metrics)
    published_task = PUBLISHED_FOR.get(metrics["task"], metrics["task"])
    published = PUBLISHED.get(published_task)
    if published:
        shown = [c for c in columns if any(c in row for row in published.values())]
        lines += [
            "",
            f"## Published numbers for {published_task} (NOT comparable: other models, other splits)",
            "",
            "FlanT5-XXL, k=4, time-based split, test set; from the ROPG and PPlug papers."
            + (" Movie tagging: a different dataset." if published_task != metrics["task"] else ""),
            "",
            "| method | " + " | ".join(shown) + " |",
            "|---|" + "---:|" * len(shown),
        ]
        for method, scores in published.items():
            lines.append(f"| {method} | " + " | ".join(f"{scores[c]:.3f}" if c in scores else "" for c in shown) + " |")
    return "\n".join(lines) + "\n"


def _subsets(metrics: dict, columns: list[str]) -> list[str]:
    """Scores on the held-out and tuning halves, when the run tuned on one of them."""
    subsets = metrics.get("subsets") or {}
    if not subsets:
        return []
    names = list(subsets)
    header = [f"{name} {column} (n={subsets[name]['n']})" for name in names for column in columns]
    lines = ["", "By half (tuning used only the `tune` half; `held` is the honest number):", "",
             "| strategy | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]  # fmt: skip
    for strategy in metrics["strategies"]:
        values = [subsets[name]["strategies"][strategy][column] for name in names for column in columns]
        lines.append(f"| {strategy} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    return lines


def _ceiling(metrics: dict) -> list[str]:
    ceiling = {name: value for name, value in (metrics.get("own_label_ceiling") or {}).items() if value is not None}
    if not ceiling:
        return []
    parts = ", ".join(f"{value:.3f} ({name})" for name, value in ceiling.items())
    return [
        "",
        f"The gold label is one of the user's own profile labels for {parts} of the questions: no method "
        "that picks among the user's own labels can score above that.",
    ]


def _ablation(metrics: dict) -> list[str]:
    rows = metrics.get("ablation") or []
    if not rows:
        return []
    sets = [key for key in rows[0] if key not in ("method", "change")]
    lines = ["", "## Ablation (one change at a time, from the same cached model scores)", "",
             "| method | change | " + " | ".join(sets) + " |", "|---|---|" + "---:|" * len(sets)]  # fmt: skip
    for row in rows:
        lines.append(f"| {row['method']} | {row['change']} | " + " | ".join(f"{row[s]:.3f}" for s in sets) + " |")
    return lines


def plot(metrics: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = _columns(metrics)
    strategies = list(metrics["strategies"])
    figure, axes = plt.subplots(1, len(columns), figsize=(4 + 2.5 * len(columns), 4), squeeze=False)
    for axis, column in zip(axes[0], columns, strict=True):
        values = [metrics["strategies"][s][column] for s in strategies]
        axis.bar(strategies, values, color="tab:blue")
        axis.set_title(column + (" (lower is better)" if column in LOWER_IS_BETTER else ""))
        axis.tick_params(axis="x", rotation=45)
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle(f"{metrics['task']}: {metrics['n']} questions, k={metrics['k']}")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(out: Path, metrics: dict) -> None:
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    text = markdown(metrics)
    (out / "report.md").write_text(text, encoding="utf-8")
    plot(metrics, out / "strategies.png")
    print(text)
