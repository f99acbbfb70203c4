"""Catalog loaders (MovieLens folders, JSONL, CSV), bad input, and the Chroma-backed catalog."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from memory.errors import InvalidInputError, NotFoundError
from tests.recsys_data import movies, write_movielens
from tools.catalog import CATALOG_COLLECTION, Catalog
from tools.items import load_item_file, load_movielens_items


def test_movielens_folder_without_tags_odd_ids_and_own_genres(tmp_path: Path) -> None:
    report = load_movielens_items(write_movielens(tmp_path / "ml"))
    assert len(report.items) == 24 and report.skipped == {}
    by_id = {item.id: item for item in report.items}
    first_id, first_title, _ = movies()[0]
    item = by_id[first_id]
    assert item.title == first_title and item.year == 1980
    assert item.genres == ["Sci-Fi", "Space Opera"]
    assert "Space Opera" in item.text and item.tags == []
    assert item.attributes["popularity"] > 0  # counted from ratings.csv


def test_movielens_tags_are_aggregated_into_the_text(tmp_path: Path) -> None:
    report = load_movielens_items(write_movielens(tmp_path / "ml", tags=True))
    item = next(i for i in report.items if i.id == movies()[0][0])
    assert item.tags == ["spaceships"]  # case-folded, counted once per spelling
    assert "Tags: spaceships" in item.text


def test_missing_columns_are_an_error_naming_them(tmp_path: Path) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    (folder / "movies.csv").write_text("movieId,name\n1,Foo\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="title") as error:
        load_movielens_items(folder)
    assert "genres" in str(error.value)


def test_non_utf8_bytes_are_an_error_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(b"id,title\n1,Caf\xe9 Society\n2,Fine\n")
    with pytest.raises(InvalidInputError, match="not UTF-8.*line 2"):
        load_item_file(path)


def test_duplicate_ids_and_empty_titles_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text(
        "id,title,description,genres,price\n"
        "a,Alpha,first,Jazz|Live,10\n"
        "b,,no title,,3\n"
        "a,Alpha again,dup,,4\n"
        "c,Gamma,third,Rock,5\n"
        "d,Broken row\n",
        encoding="utf-8",
    )
    report = load_item_file(path)
    assert [item.id for item in report.items] == ["a", "c"]
    assert report.skipped == {"duplicate ids": 1, "rows with an empty id or title": 1, "malformed rows": 1}
    assert report.items[0].genres == ["Jazz", "Live"] and report.items[0].attributes == {"price": "10"}
    assert "skipped" in report.summary()


def test_jsonl_catalog_keeps_attributes(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    lines = [
        {"id": 1, "title": "Blue Train", "description": "Hard bop", "genres": ["jazz"], "year": 1957, "label": "BN"},
        {"id": 2, "title": "Kind of Blue", "year": "1959"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    report = load_item_file(path)
    assert [(i.id, i.year) for i in report.items] == [("1", 1957), ("2", 1959)]
    assert report.items[0].attributes == {"label": "BN"} and "Hard bop" in report.items[0].text


def test_jsonl_without_id_and_title_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"name": "x"}\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="id"):
        load_item_file(path)


def test_catalog_load_search_and_reopen(tmp_path: Path, embedder) -> None:
    items = load_movielens_items(write_movielens(tmp_path / "ml")).items
    catalog = Catalog(path=tmp_path / "chroma", embedder=embedder)
    assert catalog.load(items) == 24
    hits = catalog.search("haunted house ghosts and screams", k=3)
    assert len(hits) == 3 and all("Horror" in item.genres for item, _ in hits)
    reopened = Catalog(path=tmp_path / "chroma", embedder=embedder)
    assert reopened.count() == 24
    index = reopened.index()
    assert sorted(index.ids) == sorted(i.id for i in items)
    assert np.allclose(np.linalg.norm(index.embeddings, axis=1), 1.0, atol=1e-4)
    assert reopened.get(items[0].id).title == items[0].title
    with pytest.raises(NotFoundError):
        reopened.get("no-such-id")
    with pytest.raises(InvalidInputError):
        reopened.search("anything", k=0)
    names = [c.name for c in reopened._client.list_collections()]
    assert CATALOG_COLLECTION in names and not any(n.startswith("rapport-user-") for n in names)


def test_failed_load_keeps_the_previous_catalog(tmp_path: Path, embedder, monkeypatch) -> None:
    import tools.catalog as catalog_module

    items = load_movielens_items(write_movielens(tmp_path / "ml")).items
    catalog = Catalog(path=tmp_path / "chroma", embedder=embedder)
    catalog.load(items[:10])
    real_metadata = catalog_module._metadata

    def crash_on_item_15(item):
        if item.id == items[15].id:
            raise KeyboardInterrupt  # a load killed part-way, after two batches were written
        return real_metadata(item)

    monkeypatch.setattr(catalog_module, "WRITE_BATCH", 5)
    monkeypatch.setattr(catalog_module, "_metadata", crash_on_item_15)
    with pytest.raises(KeyboardInterrupt):
        catalog.load(items[:20])
    monkeypatch.undo()
    reopened = Catalog(path=tmp_path / "chroma", embedder=embedder)
    assert reopened.count() == 10 and len(reopened.index()) == 10
    assert sorted(reopened.index().ids) == sorted(i.id for i in items[:10])
    reopened.load(items)  # the next load clears the leftover staging collection
    assert [c.name for c in reopened._client.list_collections()] == [CATALOG_COLLECTION]


def test_catalog_rejects_duplicates_and_empty(tmp_path: Path, embedder) -> None:
    items = load_movielens_items(write_movielens(tmp_path / "ml")).items
    catalog = Catalog(path=tmp_path / "chroma", embedder=embedder)
    with pytest.raises(InvalidInputError, match="duplicate"):
        catalog.load([items[0], items[0]])
    with pytest.raises(InvalidInputError):
        catalog.load([])
    with pytest.raises(NotFoundError, match="catalog load"):
        catalog.index()
