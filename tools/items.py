"""Catalog items and the loaders that read them from files (MovieLens folders, JSON Lines, CSV).

Loaders never half-load silently: a file that cannot be trusted as a whole (missing columns,
bytes that are not UTF-8) raises ``InvalidInputError``; a single bad row (empty title, duplicate
id, wrong field count) is skipped and counted in the ``LoadReport`` that the caller shows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from memory.errors import InvalidInputError
from memory.textfile import read_utf8

YEAR_IN_TITLE = re.compile(r"\((\d{4})(?:[-–]\d{0,4})?\)\s*$")
NO_GENRES = {"(no genres listed)", ""}
MAX_TAGS_PER_ITEM = 10
RESERVED_COLUMNS = {"id", "title", "description", "genres", "year"}


class Item(BaseModel):
    """One thing that can be recommended."""

    id: str
    title: str
    text: str = Field(description="What is embedded: title, genres, tags, description.")
    genres: list[str] = Field(default_factory=list)
    year: int | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)


class LoadReport(BaseModel):
    """What a loader read and what it skipped (reason -> count); shown to the user."""

    source: str
    items: list[Item]
    skipped: dict[str, int] = Field(default_factory=dict)

    def summary(self) -> str:
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
        return f"{len(self.items)} items from {self.source}" + (f"; skipped {skipped}" if skipped else "")


def item_text(title: str, genres: list[str], tags: list[str], description: str | None) -> str:
    """The text that represents an item in embedding space."""
    parts = [title.strip()]
    if genres:
        parts.append("Genres: " + ", ".join(genres))
    if tags:
        parts.append("Tags: " + ", ".join(tags))
    if description:
        parts.append(description.strip())
    return ". ".join(parts)


def meaning_text(item: Item) -> str:
    """What an item is about, without its title: genres, tags and description.

    Requests are matched on this, so "a scary movie" finds horror films rather than "Scary Movie 3";
    a title counts only when the request names one (``tools.request_parser``). Empty when the item has
    nothing but a title.
    """
    parts = []
    if item.genres:
        parts.append("Genres: " + ", ".join(item.genres))
    if item.tags:
        parts.append("Tags: " + ", ".join(item.tags))
    if item.description:
        parts.append(item.description.strip())
    return ". ".join(parts)


def make_item(
    item_id: str,
    title: str,
    *,
    genres: list[str] | None = None,
    year: int | None = None,
    description: str | None = None,
    tags: list[str] | None = None,
    attributes: dict[str, Any] | None = None,
) -> Item:
    """Build an item with its embedding text; the year is read from a trailing "(1995)" when not given."""
    genres = [g for g in (genres or []) if g not in NO_GENRES]
    if year is None:
        match = YEAR_IN_TITLE.search(title)
        year = int(match.group(1)) if match else None
    return Item(
        id=item_id,
        title=title.strip(),
        text=item_text(title, genres, tags or [], description),
        genres=genres,
        year=year,
        description=description or None,
        tags=list(tags or []),
        attributes=attributes or {},
    )


def read_csv_rows(path: Path, required: set[str]) -> tuple[list[dict[str, str]], int]:
    """Rows of a CSV file with a header; returns (rows, malformed row count). Missing columns raise."""
    reader = csv.reader(io.StringIO(read_utf8(path), newline=""))
    header = next(reader, None)
    if header is None:
        raise InvalidInputError(str(path), "is empty", "give a CSV file with a header row")
    header = [name.strip() for name in header]
    missing = sorted(required - set(header))
    if missing:
        raise InvalidInputError(
            str(path), f"has no column {', '.join(missing)} (found: {', '.join(header)})", "add the missing columns"
        )
    rows, malformed = [], 0
    for fields in reader:
        if not fields:
            continue
        if len(fields) != len(header):
            malformed += 1
            continue
        rows.append(dict(zip(header, fields, strict=True)))
    return rows, malformed


def load_movielens_items(folder: Path) -> LoadReport:
    """Items of a MovieLens folder: movies.csv (required), tags aggregated from tags.csv and links when present.

    Works for any release in the ml-latest CSV layout: genre names and id ranges are read, not assumed.
    ``ratings.csv`` adds each item's rating count (``popularity``) and mean rating (``rating_mean``).
    """
    folder = Path(folder)
    movies_path = folder / "movies.csv"
    if not movies_path.is_file():
        raise InvalidInputError(
            "path", f"{folder} has no movies.csv", "pass a MovieLens folder (movies.csv, ratings.csv)"
        )
    rows, malformed = read_csv_rows(movies_path, {"movieId", "title", "genres"})
    tags = _movielens_tags(folder / "tags.csv")
    links = _movielens_links(folder / "links.csv")
    popularity, rating_means = _movielens_ratings(folder / "ratings.csv")
    skipped: Counter[str] = Counter()
    if malformed:
        skipped["malformed rows"] = malformed
    items: dict[str, Item] = {}
    for row in rows:
        item_id, title = row["movieId"].strip(), row["title"].strip()
        if not item_id or not title:
            skipped["rows with an empty id or title"] += 1
            continue
        if item_id in items:
            skipped["duplicate ids"] += 1
            continue
        attributes: dict[str, Any] = {"popularity": popularity.get(item_id, 0), **links.get(item_id, {})}
        if item_id in rating_means:
            attributes["rating_mean"] = rating_means[item_id]
        genres = [g.strip() for g in row["genres"].split("|")]
        items[item_id] = make_item(item_id, title, genres=genres, tags=tags.get(item_id), attributes=attributes)
    if not items:
        raise InvalidInputError(str(movies_path), "has no usable rows", "check the file's contents")
    return LoadReport(source=str(folder), items=list(items.values()), skipped=dict(skipped))


def _movielens_tags(path: Path) -> dict[str, list[str]]:
    """The most frequent tags of each item (case-folded), when tags.csv exists."""
    if not path.is_file():
        return {}
    rows, _ = read_csv_rows(path, {"movieId", "tag"})
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        tag = row["tag"].strip().lower()
        if tag:
            counts[row["movieId"].strip()][tag] += 1
    return {item: [tag for tag, _ in counter.most_common(MAX_TAGS_PER_ITEM)] for item, counter in counts.items()}


def _movielens_links(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    rows, _ = read_csv_rows(path, {"movieId"})
    return {
        row["movieId"].strip(): {key: value.strip() for key, value in row.items() if key != "movieId" and value.strip()}
        for row in rows
    }


def _movielens_ratings(path: Path) -> tuple[Counter[str], dict[str, float]]:
    """Each item's rating count and mean rating (rounded to 3 places)."""
    if not path.is_file():
        return Counter(), {}
    rows, _ = read_csv_rows(path, {"userId", "movieId"})
    counts: Counter[str] = Counter()
    sums: dict[str, float] = defaultdict(float)
    for row in rows:
        item = row["movieId"].strip()
        counts[item] += 1
        try:
            sums[item] += float(row.get("rating", ""))
        except ValueError:
            sums[item] = float("nan")  # a bad rating: no mean for this item
    means = {item: round(total / counts[item], 3) for item, total in sums.items() if total == total}
    return counts, means


def load_item_file(path: Path) -> LoadReport:
    """A catalog of your own: JSON Lines or CSV with ``id``, ``title``, optional ``description``,
    ``genres`` (list, or "a|b" in CSV), ``year``, and any other columns kept as attributes."""
    path = Path(path)
    suffix = path.suffix.lower()
    skipped: Counter[str] = Counter()
    if suffix in (".jsonl", ".ndjson", ".json"):
        records = _jsonl_records(path, skipped)
    elif suffix in (".csv", ".tsv"):
        rows, malformed = read_csv_rows(path, {"id", "title"})
        if malformed:
            skipped["malformed rows"] = malformed
        records = rows
    else:
        raise InvalidInputError(
            "path", f"{path.name}: unknown catalog format", "use .jsonl or .csv, or a MovieLens folder"
        )
    items: dict[str, Item] = {}
    for record in records:
        item = _record_item(record, skipped)
        if item is None:
            continue
        if item.id in items:
            skipped["duplicate ids"] += 1
            continue
        items[item.id] = item
    if not items:
        raise InvalidInputError(str(path), "has no usable items", "each item needs a non-empty id and title")
    return LoadReport(source=str(path), items=list(items.values()), skipped=dict(skipped))


def _jsonl_records(path: Path, skipped: Counter[str]) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidInputError(
                str(path), f"line {number} is not JSON: {error.msg}", "one object per line"
            ) from None
        if not isinstance(record, dict):
            skipped["lines that are not objects"] += 1
            continue
        records.append(record)
    if records and not any("id" in r and "title" in r for r in records):
        raise InvalidInputError(str(path), "no record has both `id` and `title`", "add the missing fields")
    return records


def _record_item(record: dict[str, Any], skipped: Counter[str]) -> Item | None:
    item_id = str(record.get("id") or "").strip()
    title = str(record.get("title") or "").strip()
    if not item_id or not title:
        skipped["rows with an empty id or title"] += 1
        return None
    genres = record.get("genres") or []
    if isinstance(genres, str):
        genres = [g.strip() for g in re.split(r"[|;]", genres)]
    year = record.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    description = str(record.get("description") or "").strip() or None
    attributes = {k: v for k, v in record.items() if k not in RESERVED_COLUMNS and v not in (None, "")}
    return make_item(item_id, title, genres=[str(g) for g in genres], year=year, description=description,
                     attributes=attributes)  # fmt: skip
