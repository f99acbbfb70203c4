"""Request eval outputs: metrics.json, details.json, report.md and a plot (precision per kind, both methods)."""

from __future__ import annotations

import json
from pathlib import Path


def markdown(metrics: dict, details: dict) -> str:
    k = metrics["k"]
    methods = metrics["methods"]
    users = metrics.get("users", {})
    lines = [
        f"Recommendation requests: {details['n_requests']} requests, each for a user with no history and for "
        f"{len(users.get('history', []))} users with different tastes ({', '.join(users.get('history', []))}); "
        f"top {k}. Catalog mean rating (mean over rated items): {metrics['catalog_mean_rating']}.",
        "",
        f"| method | facet precision@{k} | cold | with history | title-word echo | mean rating of picks "
        "| Jaccard between users | Jaccard cold vs history |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in methods.items():
        lines.append(
            f"| {name} | {m[f'facet_precision@{k}']:.3f} | {m[f'facet_precision@{k}_cold']:.3f} | "
            f"{m[f'facet_precision@{k}_history']:.3f} | {m['title_echo']:.3f} | {m['mean_rating']:.3f} | "
            f"{m['jaccard_between_users']:.3f} | {m['jaccard_cold_vs_history']:.3f} |"
        )
    kinds = sorted({kind for m in methods.values() for kind in m["by_kind"]})
    lines += ["", f"Facet precision@{k} by kind:", "", "| kind | " + " | ".join(methods) + " |",
              "|---|" + "---:|" * len(methods)]  # fmt: skip
    for kind in kinds:
        lines.append(f"| {kind} | " + " | ".join(f"{m['by_kind'].get(kind, 0):.3f}" for m in methods.values()) + " |")
    lines += ["", "## Examples", ""]
    for example in details.get("examples", []):
        lines.append(f"**{example['text']}** ({example['user']})")
        for n, title in enumerate(example["rapport"]):
            reasons = example["reasons"][n] if n < len(example["reasons"]) else []
            lines.append(f"- {title}" + (f": {'; '.join(reasons)}" if reasons else ""))
        lines.append(f"- query-embedding baseline: {', '.join(example['query-embedding'])}")
        lines.append("")
    failures = details.get("failures", [])
    lines += [f"## Picks that failed a check ({len(failures)})", ""]
    for failure in failures[:60]:
        lines.append(f"- {failure['id']} / {failure['user']}: {failure['title']} ({', '.join(failure['genres'])}; "
                     f"{failure['year']}) failed {', '.join(failure['failed'])}")  # fmt: skip
    return "\n".join(lines) + "\n"


def plot(metrics: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    k = metrics["k"]
    methods = metrics["methods"]
    kinds = sorted({kind for m in methods.values() for kind in m["by_kind"]})
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    x = np.arange(len(kinds))
    width = 0.8 / len(methods)
    for n, (name, m) in enumerate(methods.items()):
        left.bar(x + (n - (len(methods) - 1) / 2) * width, [m["by_kind"].get(kind, 0) for kind in kinds], width,
                 label=name)  # fmt: skip
    left.set_xticks(x, kinds, rotation=30, ha="right")
    left.set_ylim(0, 1.05)
    left.set_ylabel(f"facet precision@{k}")
    left.axhline(0.95, color="grey", linestyle="--", linewidth=0.8)
    left.legend(loc="lower left")
    left.set_title("Picks that satisfy the request, by kind")
    names = ["title_echo", "jaccard_between_users"]
    x2 = np.arange(len(names) + 1)
    for n, (name, m) in enumerate(methods.items()):
        values = [m[key] for key in names] + [m["mean_rating"] / 5]
        right.bar(x2 + (n - (len(methods) - 1) / 2) * width, values, width, label=name)
    right.set_xticks(x2, ["title-word echo", "Jaccard between users", "mean rating / 5"])
    right.set_ylim(0, 1.05)
    right.set_title("Echo, overlap between users, quality")
    for axes in (left, right):
        axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_outputs(out: Path, metrics: dict, details: dict) -> None:
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "details.json").write_text(json.dumps(details, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    text = markdown(metrics, details)
    (out / "report.md").write_text("# " + text, encoding="utf-8")
    plot(metrics, out / "requests.png")
    print(text.split("## Examples")[0])
