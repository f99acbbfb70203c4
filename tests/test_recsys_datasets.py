"""Every layout ``rapport eval recsys`` reads gives the same users, items and interactions; bad input is clear."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evals.recsys.data import leave_last_out, validation_split
from evals.recsys.datasets import ML100K_GENRES, load_dataset
from memory.errors import InvalidInputError
from tests.recsys_data import write_movielens


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_dat(source: Path, target: Path) -> Path:
    """ml-1m layout: ``::``-separated, Latin-1."""
    target.mkdir()
    movies = read_csv(source / "movies.csv")
    (target / "movies.dat").write_bytes(
        "".join(f"{m['movieId']}::{m['title']}::{m['genres']}\n" for m in movies).encode("latin-1")
    )
    ratings = read_csv(source / "ratings.csv")
    (target / "ratings.dat").write_text(
        "".join(f"{r['userId']}::{r['movieId']}::{r['rating']}::{r['timestamp']}\n" for r in ratings)
    )
    return target


def as_100k(source: Path, target: Path) -> Path:
    """ml-100k layout: pipe-separated items with 19 genre flags, tab-separated ratings."""
    target.mkdir()
    lines = []
    for m in read_csv(source / "movies.csv"):
        genres = set(m["genres"].split("|"))
        flags = ["1" if g in genres else "0" for g in ML100K_GENRES]
        lines.append("|".join([m["movieId"], m["title"], "01-Jan-1995", "", "http://x"] + flags))
    (target / "u.item").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    ratings = read_csv(source / "ratings.csv")
    (target / "u.data").write_text(
        "".join(f"{r['userId']}\t{r['movieId']}\t{r['rating']}\t{r['timestamp']}\n" for r in ratings)
    )
    return target


def as_pair(source: Path, target: Path, *, ratings: bool = True) -> Path:
    """items.jsonl + interactions.csv with our own column names."""
    target.mkdir()
    with (target / "items.jsonl").open("w", encoding="utf-8") as handle:
        for m in read_csv(source / "movies.csv"):
            handle.write(json.dumps({"id": m["movieId"], "title": m["title"], "genres": m["genres"]}) + "\n")
    with (target / "interactions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "item_id", "rating", "timestamp"] if ratings else ["user_id", "item_id"])
        for r in read_csv(source / "ratings.csv"):
            row = [r["userId"], r["movieId"]] + ([r["rating"], r["timestamp"]] if ratings else [])
            writer.writerow(row)
    return target


def signature(folder: Path | None = None, genres: tuple[str, ...] | None = None, **files: Path) -> tuple:
    dataset = load_dataset(folder, **files)
    split = leave_last_out(dataset)
    known = set(genres) if genres else None
    items = sorted((i.id, tuple(sorted(g for g in i.genres if known is None or g in known)))
                   for i in dataset.catalog.items)  # fmt: skip
    return items, sorted((c.user, c.held_out, len(c.train)) for c in split.cases)


def test_every_layout_reads_the_same_data(tmp_path: Path) -> None:
    source = write_movielens(tmp_path / "csv", users=16)
    expected = signature(source)
    assert len(expected[1]) == 16
    assert signature(as_dat(source, tmp_path / "dat")) == expected
    # ml-100k has a fixed genre list: the synthetic "Space Opera" is not one of them
    assert signature(as_100k(source, tmp_path / "100k")) == signature(source, genres=ML100K_GENRES)
    pair = as_pair(source, tmp_path / "pair")
    assert signature(pair) == expected
    assert signature(items=pair / "items.jsonl", interactions=pair / "interactions.csv") == expected
    assert load_dataset(as_dat(source, tmp_path / "dat2")).layout == "MovieLens .dat"
    assert load_dataset(source).name == "csv"


def test_interactions_without_ratings_or_times_are_liked_in_file_order(tmp_path: Path) -> None:
    source = write_movielens(tmp_path / "csv", users=8)
    dataset = load_dataset(as_pair(source, tmp_path / "pair", ratings=False))
    split = leave_last_out(dataset)
    last = {}
    for row in read_csv(source / "ratings.csv"):
        last[row["userId"]] = row["movieId"]
    assert all(case.held_out == last[case.user] for case in split.cases)  # every row is a positive
    validation = validation_split(split)
    assert all(case.held_out != last[case.user] for case in validation.cases)


def test_bad_datasets_name_the_argument(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidInputError, match="no known layout"):
        load_dataset(empty)
    with pytest.raises(InvalidInputError, match="--data"):
        load_dataset(tmp_path / "missing")
    with pytest.raises(InvalidInputError, match="--items/--interactions"):
        load_dataset(items=tmp_path / "items.jsonl")
    pair = as_pair(write_movielens(tmp_path / "csv", users=4), tmp_path / "pair")
    (pair / "interactions.csv").write_text("who,what\n1,2\n")
    with pytest.raises(InvalidInputError, match="user and an item column"):
        load_dataset(pair)
