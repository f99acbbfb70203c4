"""Small real catalogs and MovieLens-format folders for the recsys tests, written to tmp folders."""

from __future__ import annotations

import csv
import random
from pathlib import Path

THEMES = {
    "space": (
        "Sci-Fi|Space Opera",
        ["Star Voyage", "Galaxy Rangers", "Mars Colony", "Orbit of Fear", "Nebula Drift", "Astronaut's Return"],
    ),
    "romance": (
        "Romance|Drama",
        ["Love in Paris", "Wedding Season", "Letters to Anna", "Summer Kiss", "The Proposal Again", "Heartstrings"],
    ),
    "horror": (
        "Horror|Thriller",
        ["The Haunting Hour", "Blood Manor", "Zombie Night", "Scream Cabin", "The Possessed", "Slasher Lake"],
    ),
    "kids": (
        "Animation|Children",
        ["Talking Toys", "Puppy Adventure", "The Dragon Cub", "Bubble Fish", "Robot Friends", "Magic Treehouse"],
    ),
}
# odd, sparse ids: nothing may assume 1..N
ODD_IDS = [100003, 7, 9000001, 42, 555, 31337]


def movies() -> list[tuple[str, str, str]]:
    """(movieId, title, genres) for 24 movies, 6 per theme, years 1980-2015."""
    rows = []
    for t, (genres, titles) in enumerate(THEMES.values()):
        for n, title in enumerate(titles):
            rows.append((str(ODD_IDS[n] * 10 + t), f"{title} ({1980 + 7 * n + t})", genres))
    return rows


def theme_of(movie_id: str) -> str:
    return list(THEMES)[int(movie_id) % 10]


def write_movielens(folder: Path, *, users: int = 40, seed: int = 1, tags: bool = False) -> Path:
    """A MovieLens-format folder: each user loves one theme (rates it 4-5 over time) and rates a few others low."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    catalog = movies()
    with (folder / "movies.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["movieId", "title", "genres"])
        writer.writerows(catalog)
    by_theme: dict[str, list[str]] = {}
    for movie_id, _, _ in catalog:
        by_theme.setdefault(theme_of(movie_id), []).append(movie_id)
    with (folder / "ratings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["userId", "movieId", "rating", "timestamp"])
        for user in range(users):
            theme = list(THEMES)[user % len(THEMES)]
            loved = rng.sample(by_theme[theme], 5)
            others = [m for t, ids in by_theme.items() if t != theme for m in ids]
            disliked = rng.sample(others, 2)
            time = 1_000_000_000 + user * 10_000
            for step, movie_id in enumerate(disliked + loved):
                rating = rng.choice([1.0, 2.0]) if movie_id in disliked else rng.choice([4.0, 4.5, 5.0])
                writer.writerow([f"u{user + 1000}", movie_id, rating, time + step * 60])
    if tags:
        with (folder / "tags.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["userId", "movieId", "tag", "timestamp"])
            writer.writerow(["u1000", catalog[0][0], "Spaceships", 1])
            writer.writerow(["u1001", catalog[0][0], "spaceships", 2])
    return folder
