"""PrefEval recall outputs: metrics.json, retrievals per mode, a markdown table and a recall plot."""

from __future__ import annotations

import json
from pathlib import Path

from evals.locomo.report import plot_recall


def markdown_table(metrics: dict) -> str:
    ks = metrics["k"]
    columns = [f"recall@{k}" for k in ks]
    lines = [
        f"PrefEval recall: {metrics['n_questions']} questions over {metrics['n_memories']} stored preferences",
        "",
        "| mode | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for mode, scores in metrics["modes"].items():
        lines.append(f"| {mode} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + " |")
    last = f"recall@{ks[-1]}"
    modes = list(metrics["modes"])
    topics = sorted({t for scores in metrics["modes"].values() for t in scores["by_topic"]})
    lines += ["", f"{last} by topic", "", "| topic | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
    for topic in topics:
        cells = [f"{metrics['modes'][m]['by_topic'].get(topic, {}).get(last, 0.0):.3f}" for m in modes]
        lines.append(f"| {topic} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, metrics: dict, rows_by_mode: dict[str, list[dict]]) -> None:
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    for mode, rows in rows_by_mode.items():
        with (out / f"retrievals_{mode}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    table = markdown_table(metrics)
    (out / "report.md").write_text("# " + table, encoding="utf-8")
    plot_recall(metrics, out / "recall.png", title="PrefEval recall", ylabel="recall of the question's preference")
    print(table)
