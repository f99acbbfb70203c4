"""PrefEval recall outputs: metrics.json, retrievals per mode, a markdown table and a recall plot."""

from __future__ import annotations

from pathlib import Path

from evals.locomo.report import mode_table, plot_recall, write_recall_outputs


def markdown_table(metrics: dict) -> str:
    ks = metrics["k"]
    columns = [f"recall@{k}" for k in ks]
    heading = f"PrefEval recall: {metrics['n_questions']} questions over {metrics['n_memories']} stored preferences"
    lines = mode_table(heading, metrics, columns)
    last = f"recall@{ks[-1]}"
    modes = list(metrics["modes"])
    topics = sorted({t for scores in metrics["modes"].values() for t in scores["by_topic"]})
    lines += ["", f"{last} by topic", "", "| topic | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
    for topic in topics:
        cells = [f"{metrics['modes'][m]['by_topic'].get(topic, {}).get(last, 0.0):.3f}" for m in modes]
        lines.append(f"| {topic} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, metrics: dict, rows_by_mode: dict[str, list[dict]]) -> None:
    table = write_recall_outputs(out, metrics, rows_by_mode, markdown_table(metrics))
    plot_recall(metrics, out / "recall.png", title="PrefEval recall", ylabel="recall of the question's preference")
    print(table)
