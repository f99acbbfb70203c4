"""``rapport catalog|interactions|recommend`` end to end against a tmp data dir."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agent.cli import main
from tests.recsys_data import theme_of, write_movielens
from tools.items import load_movielens_items, meaning_text


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RAPPORT_CHROMA_URL", raising=False)
    return tmp_path / "data"


def test_load_import_recommend(tmp_path, capsys, data_dir) -> None:
    folder = write_movielens(tmp_path / "ml", users=12)
    assert main(["catalog", "load", str(folder)]) == 0
    assert "loaded 24 items" in capsys.readouterr().out
    texts = {meaning_text(item) for item in load_movielens_items(folder).items}
    with np.load(data_dir / "recsys" / "meaning_vectors.npz") as meaning:  # read once, so no chat turn waits
        assert len(meaning["keys"]) == len(texts) > 1
    assert main(["catalog", "search", "zombies", "--k", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["item"]["title"].startswith("Zombie Night")
    assert main(["interactions", "import", str(folder / "ratings.csv"), "--users", "5"]) == 0
    out = capsys.readouterr().out
    assert "imported 35 interactions of 5 users" in out and (data_dir / "recsys" / "itemknn.npz").is_file()
    assert "collaborative models refitted" in out and (data_dir / "recsys" / "ease.npz").is_file()

    assert main(["recommend", "--user", "u1000", "--k", "3", "--json"]) == 0
    picks = json.loads(capsys.readouterr().out)
    assert len(picks) == 3 and all(p["reason"] for p in picks)
    assert main(["recommend", "--user", "u1000", "--k", "3"]) == 0
    assert "recommendations for u1000" in capsys.readouterr().out
    assert main(["recommend", "--user", "stranger"]) == 2
    assert "--new-user" in capsys.readouterr().err
    assert main(["recommend", "--user", "stranger", "--new-user", "--genre", "Horror", "--json"]) == 0
    assert all(theme_of(p["item"]["id"]) == "horror" for p in json.loads(capsys.readouterr().out))
    assert main(["recommend", "--user", "u1000", "--k", "0"]) == 2


def test_bad_catalog_file_is_reported_without_traceback(tmp_path, capsys) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,title\n1,\xff\xfe\n")
    assert main(["catalog", "load", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
