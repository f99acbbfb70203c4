"""``rapport train reader`` rebuilds the shipped heads from the repo's data; ``rapport eval reading`` scores them."""

from __future__ import annotations

import json
from pathlib import Path

from agent.cli import main
from memory.reading.heads import load_heads, shipped_heads

NLU = Path(__file__).resolve().parents[2] / "shared" / "data" / "nlu"


def test_train_reader_rebuilds_every_head_from_the_labelled_data(tmp_path: Path, capsys) -> None:
    out = tmp_path / "heads.npz"
    assert main(["train", "reader", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    heads = load_heads(out)
    assert set(heads) == set(shipped_heads()) == {"act", "focus", "slot", "need", "change", "replace"}
    held_out = {row.split("|")[1].strip(): float(row.split("|")[4].split()[0]) for row in table.splitlines()[2:-1]}
    assert held_out["act"] >= 0.8 and held_out["need"] >= 0.8  # whole template families held out
    assert held_out["replace"] >= 0.75  # each pair file held out in turn
    assert heads["slot"].classes == shipped_heads()["slot"].classes


def test_eval_reading_scores_third_party_sets_and_writes_a_report(tmp_path: Path) -> None:
    assert main(["eval", "reading", "--nlu", str(NLU), "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["msc statement → tell"]["accuracy"] >= 0.9  # people's statements about themselves are told
    assert metrics["clinc150 test → act"]["n"] > 500
    assert (tmp_path / "report.md").exists() and (tmp_path / "accuracy.png").stat().st_size > 0
