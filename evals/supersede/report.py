"""Outputs of the supersede eval: a printed table, metrics.json, report.md with the misses, and a plot."""

from __future__ import annotations

import json
from pathlib import Path


def table_rows(metrics: dict) -> list[list[str]]:
    """One row per pair set and per domain: n, precision, recall, F1, false positives, misses."""
    rows = []
    for name, scores in metrics.items():
        rows.append([name, *(_cells(scores))])
    for domain, scores in metrics["all"]["by_domain"].items():
        rows.append([f"  {domain}", *(_cells(scores))])
    return rows


HEADER = ["set / domain", "pairs", "precision", "recall", "F1", "false +", "missed"]


def _cells(scores: dict) -> list[str]:
    return [
        str(scores["n"]),
        f"{scores['precision']:.3f}",
        f"{scores['recall']:.3f}",
        f"{scores['f1']:.3f}",
        str(scores["fp"]),
        str(scores["fn"]),
    ]


def markdown(metrics: dict, rows_by_set: dict[str, list[dict]]) -> str:
    lines = [
        "# Supersede: does a new statement retire the memory it makes untrue?",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|---|" + "---:|" * (len(HEADER) - 1),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(metrics)]
    lines += ["", f"Unrelated background memories retired by mistake: {metrics['all']['collateral']}", ""]
    wrong = [r for rows in rows_by_set.values() for r in rows if r["expected"] != r["predicted"] or r["collateral"]]
    lines += ["## Mistakes", ""] if wrong else ["No mistakes."]
    for r in wrong:
        kind = "collateral" if r["expected"] == r["predicted"] else ("false +" if r["predicted"] else "missed")
        lines.append(f"- {kind} [{r['domain']}] {r['old']!r} -> {r['new']!r} (stored as {r['statements']})")
    return "\n".join(lines) + "\n"


def print_table(metrics: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Supersede precision and recall")
    for index, name in enumerate(HEADER):
        table.add_column(name, justify="left" if index == 0 else "right")
    for row in table_rows(metrics):
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(f"collateral (unrelated memories retired): {metrics['all']['collateral']}")


def plot(metrics: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    domains = list(metrics["all"]["by_domain"])
    precision = [metrics["all"]["by_domain"][d]["precision"] for d in domains]
    recall = [metrics["all"]["by_domain"][d]["recall"] for d in domains]
    figure, axes = plt.subplots(figsize=(8, 4))
    positions = range(len(domains))
    axes.bar([p - 0.2 for p in positions], precision, width=0.4, label="precision")
    axes.bar([p + 0.2 for p in positions], recall, width=0.4, label="recall")
    axes.axhline(0.9, color="grey", linestyle="--", linewidth=1)
    axes.set_xticks(list(positions), domains, rotation=30, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_title(f"Supersede by domain ({metrics['all']['n']} pairs)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_outputs(out: Path, metrics: dict, rows_by_set: dict[str, list[dict]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(metrics, rows_by_set), encoding="utf-8")
    plot(metrics, out / "supersede.png")
