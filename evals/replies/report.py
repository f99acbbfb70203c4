"""Reply-eval outputs: metrics.json, report.md (per category, per model, with every failure) and a plot."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median
from typing import Any

from .scenarios import CATEGORIES


def metrics_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_category = {}
    for category in CATEGORIES:
        subset = [r for r in rows if r["category"] == category]
        if subset:
            passed = sum(r["passed"] for r in subset)
            by_category[category] = {"n": len(subset), "passed": passed, "rate": round(passed / len(subset), 4)}
    firsts = sorted(r["first_token_s"] for r in rows)
    totals = sorted(r["total_s"] for r in rows)
    return {
        "n": len(rows),
        "passed": sum(r["passed"] for r in rows),
        "rate": round(sum(r["passed"] for r in rows) / len(rows), 4) if rows else 0.0,
        "by_category": by_category,
        "first_token_s": {"p50": round(median(firsts), 4), "p99": round(_p99(firsts), 4)} if rows else {},
        "turn_s": {"p50": round(median(totals), 4), "p99": round(_p99(totals), 4)} if rows else {},
    }


def write_report(out: Path, rows_by_model: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    metrics = {"models": {label: metrics_of(rows) for label, rows in rows_by_model.items()}}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    table = markdown_table(metrics)
    failures = failure_lines(rows_by_model)
    (out / "report.md").write_text(f"# Reply quality\n\n{table}\n{failures}", encoding="utf-8")
    plot(metrics, out / "replies.png")
    print(table)
    return metrics


def markdown_table(metrics: dict[str, Any]) -> str:
    models = list(metrics["models"])
    lines = ["| category | " + " | ".join(models) + " |", "|---|" + "---:|" * len(models)]
    categories = [c for c in CATEGORIES if any(c in m["by_category"] for m in metrics["models"].values())]
    for category in categories:
        cells = []
        for label in models:
            cell = metrics["models"][label]["by_category"].get(category)
            cells.append(f"{cell['passed']}/{cell['n']} ({cell['rate']:.0%})" if cell else "-")
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    lines.append(
        "| **all** | "
        + " | ".join(f"**{m['passed']}/{m['n']} ({m['rate']:.0%})**" for m in metrics["models"].values())
        + " |"
    )
    lines.append(
        "| first token p50 / p99 (s) | "
        + " | ".join(
            f"{m['first_token_s'].get('p50', 0):.2f} / {m['first_token_s'].get('p99', 0):.2f}"
            for m in metrics["models"].values()
        )
        + " |"
    )
    lines.append(
        "| whole turn p50 / p99 (s) | "
        + " | ".join(
            f"{m['turn_s'].get('p50', 0):.2f} / {m['turn_s'].get('p99', 0):.2f}" for m in metrics["models"].values()
        )
        + " |"
    )
    return "\n".join(lines) + "\n"


def failure_lines(rows_by_model: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["## Failures", ""]
    for label, rows in rows_by_model.items():
        for row in rows:
            if not row["passed"]:
                reply = row["reply"].replace("\n", " / ")
                lines.append(f"- **{label}** `{row['id']}` — {row['ask']} → “{reply}” ({'; '.join(row['failures'])})")
    return "\n".join(lines) + "\n" if len(lines) > 2 else "## Failures\n\nNone.\n"


def plot(metrics: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(metrics["models"])
    categories = [c for c in CATEGORIES if any(c in m["by_category"] for m in metrics["models"].values())]
    width = 0.8 / max(len(models), 1)
    figure, axes = plt.subplots(figsize=(max(6, 1.1 * len(categories)), 4))
    for index, label in enumerate(models):
        rates = [metrics["models"][label]["by_category"].get(c, {}).get("rate", 0.0) for c in categories]
        axes.bar([i + index * width for i in range(len(categories))], rates, width, label=label)
    axes.set_xticks([i + width * (len(models) - 1) / 2 for i in range(len(categories))], categories, rotation=20)
    axes.set_ylim(0, 1)
    axes.set_ylabel("scenarios passed")
    axes.axhline(0.8, color="grey", linewidth=0.8, linestyle="--")
    axes.set_title("Reply quality by category")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]
