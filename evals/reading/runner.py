"""Score each decision of the embedded reader on third-party sets; write metrics, a report and a plot."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from memory.embedder import get_embedder
from memory.reading.labels import Act
from memory.reading.reader import EmbeddedReader

from . import data


def run(nlu: Path, prefeval: Path | None, out: Path) -> dict:
    reader = EmbeddedReader(get_embedder())
    sets: dict[str, tuple[str, list[tuple[str, str]]]] = {
        "dnli statement → slot": ("slot", data.dnli_slots(nlu)),
        "dnli statement → tell": ("act", [(t, Act.TELL.value) for t, _ in data.dnli_slots(nlu)]),
        "msc statement → tell": ("act", data.msc_statements(nlu)),
        "dailydialog question/inform kept apart": ("asks", data.dailydialog_questions(nlu)),
        "clinc150 test → act": ("act", data.clinc_acts(nlu)),
        "memorybank question → recall/about_me": ("about", data.memorybank_questions(nlu)),
    }
    if prefeval is not None:
        for name, rows in data.prefeval_sets(prefeval).items():
            sets[name] = ("need" if name.endswith("need") else "advice" if "question" in name else "act", rows)
    metrics: dict[str, dict] = {}
    for name, (decision, rows) in sets.items():
        texts = [text for text, _ in rows]
        if decision in ("act", "asks", "about", "advice"):
            predicted = [sentence.act.value for sentence in reader.acts(texts)]
        else:
            predicted = [str(getattr(s, decision)).lower() for s in reader.classify(texts)]
        if decision == "asks":
            predicted = [data.dialogue_act(p, e) for p, (_, e) in zip(predicted, rows, strict=True)]
        if decision == "advice":
            predicted = [data.ADVICE if p in (Act.REQUEST, Act.RECOMMEND) else p for p in predicted]
        if decision == "about":
            predicted = ["about the user" if p in (Act.RECALL, Act.ABOUT_ME) else p for p in predicted]
        right = sum(p == e for p, (_, e) in zip(predicted, rows, strict=True))
        confusions = Counter((e, p) for p, (_, e) in zip(predicted, rows, strict=True) if p != e).most_common(5)
        metrics[name] = {
            "n": len(rows),
            "accuracy": round(right / len(rows), 4) if rows else 0.0,
            "top_confusions": [f"{e} → {p}: {n}" for (e, p), n in confusions],
        }
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    table = "| set | n | accuracy | most common confusions |\n|---|---:|---:|---|\n" + "\n".join(
        f"| {name} | {m['n']} | {m['accuracy']:.3f} | {'; '.join(m['top_confusions'][:3])} |"
        for name, m in metrics.items()
    )
    (out / "report.md").write_text(f"# Reader on third-party utterances\n\n{table}\n", encoding="utf-8")
    _plot(metrics, out / "accuracy.png")
    print(table)
    return metrics


def _plot(metrics: dict[str, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(metrics)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1))
    ax.barh(names, [metrics[n]["accuracy"] for n in names], color="#4a7bb7")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("accuracy")
    ax.set_title("Reader decisions on third-party data (never trained on)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
