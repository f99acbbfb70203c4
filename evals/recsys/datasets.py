"""Datasets for ``rapport eval recsys``: any MovieLens release, or a catalog file plus an interactions file.

Layouts read (the folder's files decide):
- ml-latest / ml-20m / ml-25m: ``movies.csv`` + ``ratings.csv`` (tags.csv, links.csv used when present);
- ml-1m / ml-10m: ``movies.dat`` + ``ratings.dat``, ``::``-separated;
- ml-100k: ``u.item`` + ``u.data`` (tab-separated), genres from the 19 flag columns;
- your own: ``items.jsonl`` (or .csv: ``id``, ``title``, ...) + ``interactions.csv`` with a user and an
  item column (``user_id``/``userId``, ``item_id``/``movieId``), optional ``rating`` and ``timestamp``.
  Without ratings every interaction counts as liked; without timestamps the file order is the time order.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from memory.errors import InvalidInputError
from tools.interactions import Action, Interaction, read_ratings
from tools.items import Item, LoadReport, load_item_file, load_movielens_items, make_item

ML100K_GENRES = ("unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
                 "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
                 "War", "Western")  # fmt: skip
USER_COLUMNS = ("user_id", "userId", "user")
ITEM_COLUMNS = ("item_id", "movieId", "itemId", "item")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Dataset:
    """A catalog and every user's interactions (file order within a user; the split sorts by time)."""

    name: str
    layout: str
    catalog: LoadReport
    by_user: dict[str, list[Interaction]]
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def interactions(self) -> int:
        return sum(len(rows) for rows in self.by_user.values())

    def describe(self) -> str:
        return (f"{self.name} ({self.layout}): {len(self.catalog.items):,} items, {len(self.by_user):,} users, "
                f"{self.interactions:,} interactions")  # fmt: skip


def load_dataset(data: Path | None = None, *, items: Path | None = None, interactions: Path | None = None) -> Dataset:
    """A MovieLens folder (``data``), a folder holding items.jsonl + interactions.csv, or the two files."""
    if data is not None and (items is not None or interactions is not None):
        raise InvalidInputError("--data", "give either --data or --items with --interactions, not both")
    if data is None:
        if items is None or interactions is None:
            raise InvalidInputError("--items/--interactions", "need both files", "or pass a folder with --data")
        return _pair(Path(items), Path(interactions), name=Path(items).parent.name or str(items))
    folder = Path(data)
    if not folder.is_dir():
        raise InvalidInputError("--data", f"{folder} is not a folder", "pass a MovieLens folder (movies.csv, ...)")
    if (folder / "movies.csv").is_file() and (folder / "ratings.csv").is_file():
        ratings = read_ratings(folder / "ratings.csv")
        return Dataset(folder.name, "MovieLens CSV", load_movielens_items(folder), ratings.by_user, ratings.skipped)
    if (folder / "movies.dat").is_file() and (folder / "ratings.dat").is_file():
        return _movielens_dat(folder)
    if (folder / "u.item").is_file() and (folder / "u.data").is_file():
        return _movielens_100k(folder)
    for name in ("items.jsonl", "items.csv"):
        if (folder / name).is_file() and (folder / "interactions.csv").is_file():
            return _pair(folder / name, folder / "interactions.csv", name=folder.name)
    raise InvalidInputError(
        "--data", f"{folder} has no known layout",
        "expected movies.csv + ratings.csv, movies.dat + ratings.dat, u.item + u.data, "
        "or items.jsonl + interactions.csv",
    )  # fmt: skip


def _text(path: Path) -> str:
    """Old MovieLens releases are Latin-1; newer files are UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _interaction(item: str, rating: str | None, timestamp: str | None, order: int) -> Interaction:
    """One row as an interaction; a missing timestamp keeps file order (one second per row)."""
    when = EPOCH + timedelta(seconds=int(float(timestamp))) if timestamp not in (None, "") else EPOCH + timedelta(
        seconds=order
    )
    if rating in (None, ""):
        return Interaction(item_id=item, action=Action.VIEWED, rating=None, timestamp=when)
    return Interaction(item_id=item, rating=float(rating), timestamp=when)


def _rows_by_user(rows: list[tuple[str, str, str | None, str | None]], skipped: Counter[str]) -> dict:
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for order, (user, item, rating, timestamp) in enumerate(rows):
        if not user or not item:
            skipped["rows with an empty user or item"] += 1
            continue
        try:
            by_user[user].append(_interaction(item, rating, timestamp, order))
        except (ValueError, OverflowError):
            skipped["rows with a bad rating or timestamp"] += 1
    if not by_user:
        raise InvalidInputError("interactions", "no usable rows", "check the file's contents")
    return dict(by_user)


def _movielens_dat(folder: Path) -> Dataset:
    skipped: Counter[str] = Counter()
    items: list[Item] = []
    for line in _text(folder / "movies.dat").splitlines():
        parts = line.split("::")
        if len(parts) != 3:
            skipped["malformed movie rows"] += line.strip() != ""
            continue
        items.append(make_item(parts[0].strip(), parts[1], genres=parts[2].strip().split("|")))
    rows = []
    for line in _text(folder / "ratings.dat").splitlines():
        parts = line.split("::")
        if len(parts) != 4:
            skipped["malformed rating rows"] += line.strip() != ""
            continue
        rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip(), parts[3].strip()))
    by_user = _rows_by_user(rows, skipped)
    catalog = LoadReport(source=str(folder), items=_with_popularity(items, by_user), skipped={})
    return Dataset(folder.name, "MovieLens .dat", catalog, by_user, {k: v for k, v in skipped.items() if v})


def _movielens_100k(folder: Path) -> Dataset:
    skipped: Counter[str] = Counter()
    items: list[Item] = []
    for line in _text(folder / "u.item").splitlines():
        parts = line.split("|")
        if len(parts) < 5 + len(ML100K_GENRES):
            skipped["malformed movie rows"] += line.strip() != ""
            continue
        flags = parts[5 : 5 + len(ML100K_GENRES)]
        genres = [g for g, flag in zip(ML100K_GENRES, flags, strict=True) if flag.strip() == "1" and g != "unknown"]
        items.append(make_item(parts[0].strip(), parts[1], genres=genres))
    rows = []
    for line in _text(folder / "u.data").splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            skipped["malformed rating rows"] += line.strip() != ""
            continue
        rows.append((parts[0].strip(), parts[1].strip(), parts[2].strip(), parts[3].strip()))
    by_user = _rows_by_user(rows, skipped)
    catalog = LoadReport(source=str(folder), items=_with_popularity(items, by_user), skipped={})
    return Dataset(folder.name, "MovieLens 100k", catalog, by_user, {k: v for k, v in skipped.items() if v})


def _pair(items_path: Path, interactions_path: Path, *, name: str) -> Dataset:
    if not items_path.is_file():
        raise InvalidInputError("--items", f"{items_path} is not a file", "give a .jsonl or .csv catalog")
    if not interactions_path.is_file():
        raise InvalidInputError("--interactions", f"{interactions_path} is not a file", "give an interactions.csv")
    catalog = load_item_file(items_path)
    reader = csv.reader(io.StringIO(_text(interactions_path), newline=""))
    header = [column.strip() for column in next(reader, [])]
    user_column = next((c for c in USER_COLUMNS if c in header), None)
    item_column = next((c for c in ITEM_COLUMNS if c in header), None)
    if user_column is None or item_column is None:
        raise InvalidInputError(
            str(interactions_path), f"needs a user and an item column (found: {', '.join(header) or 'nothing'})",
            "name them user_id and item_id",
        )  # fmt: skip
    where = {name: n for n, name in enumerate(header)}
    rating, timestamp = where.get("rating"), where.get("timestamp")
    skipped: Counter[str] = Counter()
    rows = []
    for fields in reader:
        if not fields:
            continue
        if len(fields) != len(header):
            skipped["malformed rows"] += 1
            continue
        rows.append((fields[where[user_column]].strip(), fields[where[item_column]].strip(),
                     fields[rating].strip() if rating is not None else None,
                     fields[timestamp].strip() if timestamp is not None else None))  # fmt: skip
    by_user = _rows_by_user(rows, skipped)
    return Dataset(name, "items + interactions", catalog, by_user, dict(skipped))


def _with_popularity(items: list[Item], by_user: dict[str, list[Interaction]]) -> list[Item]:
    """Rating counts and means as item attributes, as ``load_movielens_items`` gives for the CSV layout."""
    counts: Counter[str] = Counter()
    sums: Counter[str] = Counter()
    for interactions in by_user.values():
        for interaction in interactions:
            counts[interaction.item_id] += 1
            sums[interaction.item_id] += interaction.rating or 0.0
    for item in items:
        item.attributes["popularity"] = counts.get(item.id, 0)
        if counts.get(item.id):
            item.attributes["rating_mean"] = round(sums[item.id] / counts[item.id], 3)
    return items
