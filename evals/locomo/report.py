"""LoCoMo outputs: metrics.json, retrievals per mode, a markdown table and a recall plot."""

from __future__ import annotations

import json
from pathlib import Path

CATEGORY_NAMES = {"1": "multi-hop", "2": "temporal", "3": "open-domain", "4": "single-hop"}


def mode_table(heading: str, metrics: dict, columns: list[str]) -> list[str]:
    """A heading, then a markdown row per search mode with its score in each column (shared by the retrieval evals)."""
    lines = [heading, "", "| mode | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for mode, scores in metrics["modes"].items():
        lines.append(f"| {mode} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + " |")
    return lines


def markdown_table(metrics: dict) -> str:
    ks = metrics["k"]
    columns = [f"recall@{k}" for k in ks] + [f"hit@{ks[-1]}"]
    heading = f"LoCoMo retrieval: {metrics['n_questions']} questions over {metrics['n_memories']} memories"
    lines = mode_table(heading, metrics, columns)
    last = f"recall@{ks[-1]}"
    categories = sorted({c for scores in metrics["modes"].values() for c in scores["by_category"]})
    lines += ["", f"{last} by question category", ""]
    lines.append("| mode | " + " | ".join(f"{CATEGORY_NAMES.get(c, c)} ({c})" for c in categories) + " |")
    lines.append("|---|" + "---:|" * len(categories))
    for mode, scores in metrics["modes"].items():
        cells = [f"{scores['by_category'].get(c, {}).get(last, 0.0):.3f}" for c in categories]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_recall(
    metrics: dict, path: Path, title: str = "LoCoMo retrieval", ylabel: str = "recall of evidence turns"
) -> None:
    """recall@k against k, one line per search mode (shared by the retrieval evals)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = metrics["k"]
    figure, axes = plt.subplots(figsize=(6, 4))
    for mode, scores in metrics["modes"].items():
        axes.plot(ks, [scores[f"recall@{k}"] for k in ks], marker="o", label=mode)
    axes.set_xlabel("k (memories retrieved)")
    axes.set_ylabel(ylabel)
    axes.set_title(f"{title} ({metrics['n_questions']} questions)")
    axes.set_ylim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_outputs(out: Path, metrics: dict, rows_by_mode: dict[str, list[dict]]) -> None:
    table = write_recall_outputs(out, metrics, rows_by_mode, markdown_table(metrics))
    plot_recall(metrics, out / "recall.png")
    print(table)


def write_recall_outputs(out: Path, metrics: dict, rows_by_mode: dict[str, list[dict]], table: str) -> str:
    """metrics.json, retrievals_<mode>.jsonl and report.md (shared by the retrieval evals); returns ``table``."""
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    for mode, rows in rows_by_mode.items():
        with (out / f"retrievals_{mode}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "report.md").write_text("# " + table, encoding="utf-8")
    return table
