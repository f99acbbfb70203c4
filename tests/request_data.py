"""A small MovieLens-format catalog for request tests: genres, tags, years and ratings of different quality.

Some titles contain request words on purpose ("Scary Night" is a horror film, "Light Brigade" a war
film, "Laugh Factory" a badly rated comedy), so a test can tell matching by meaning from matching
title words, and the quality prior from popularity.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

# (id, title, genres, mean rating the users give it, tags)
MOVIES: list[tuple[str, str, str, float, tuple[str, ...]]] = [
    ("11", "Sunny Days (1995)", "Comedy", 4.5, ("feel-good", "funny")),
    ("12", "The Happy Baker (2001)", "Comedy|Romance", 4.0, ("witty",)),
    ("13", "Laugh Factory (1999)", "Comedy", 1.8, ()),
    ("14", "Toy Parade (1996)", "Adventure|Animation|Children|Comedy", 4.4, ("pixar", "funny")),
    ("15", "Puppy Island (2003)", "Animation|Children", 3.9, ("cute",)),
    ("16", "Goofy Robots (2008)", "Animation|Comedy|Sci-Fi", 3.8, ("robots",)),
    ("17", "Dragon Friend (2011)", "Adventure|Animation|Children|Fantasy", 4.2, ("heartwarming",)),
    ("18", "Office Mayhem (2007)", "Comedy", 3.6, ("satire",)),
    ("19", "Summer Camp Chaos (1986)", "Comedy|Children", 3.4, ()),
    ("21", "Scary Night (2000)", "Horror", 3.2, ("creepy",)),
    ("22", "Blood Manor (1985)", "Horror|Thriller", 3.9, ("gore", "creepy")),
    ("23", "The Cellar (2010)", "Horror", 4.1, ("ghosts",)),
    ("24", "Whispers (1992)", "Horror|Mystery", 3.7, ()),
    ("31", "Light Brigade (1990)", "Action|War", 4.3, ("violence",)),
    ("32", "Night Heist (2005)", "Action|Crime|Thriller", 4.0, ("heist",)),
    ("33", "Gun Town (1998)", "Action|Crime", 3.5, ("violence",)),
    ("34", "Steel Fist (2012)", "Action", 3.3, ("martial arts",)),
    ("35", "Trench (1970)", "Drama|War", 4.4, ()),
    ("41", "Tears of Autumn (1994)", "Drama|Romance", 4.3, ("sad", "emotional")),
    ("42", "The Last Letter (2006)", "Drama", 4.0, ("emotional",)),
    ("43", "Rain Song (1988)", "Drama|Musical", 3.6, ()),
    ("51", "Mind Maze (2010)", "Sci-Fi|Thriller", 4.4, ("twist ending", "mindfuck")),
    ("52", "Dream Layers (2014)", "Mystery|Sci-Fi", 4.1, ("surreal", "twist ending")),
    ("53", "Star Freight (1982)", "Adventure|Sci-Fi", 3.8, ("space",)),
    ("54", "Orbit (2016)", "Drama|Sci-Fi", 3.9, ("space", "robots")),
    ("61", "Paris Kiss (2004)", "Romance", 3.7, ("love story",)),
    ("62", "Wedding Bells (2002)", "Comedy|Romance", 3.5, ("wedding",)),
    ("71", "Silent Pier (1952)", "Drama|Film-Noir", 4.2, ()),
    ("72", "Cowboy Creek (1960)", "Western", 3.9, ()),
    ("73", "Ocean Life (2015)", "Documentary", 4.0, ("nature",)),
]
TASTES = {  # each user group loves one kind of film
    "comedy": ("11", "12", "18", "19", "62", "16"),
    "action": ("31", "32", "33", "34", "22", "53"),
    "drama": ("35", "41", "42", "43", "71", "54"),
}


def write_request_movielens(folder: Path, *, users_per_taste: int = 6, seed: int = 3) -> Path:
    """movies.csv, tags.csv and ratings.csv: every movie rated around its mean, fans rating their kind 5."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with (folder / "movies.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["movieId", "title", "genres"])
        writer.writerows((movie_id, title, genres) for movie_id, title, genres, _, _ in MOVIES)
    with (folder / "tags.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["userId", "movieId", "tag", "timestamp"])
        for movie_id, _, _, _, tags in MOVIES:
            for tag in tags:
                writer.writerow(["900", movie_id, tag, 1])
        writer.writerow(["901", "21", "creepy", 2])
    with (folder / "ratings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["userId", "movieId", "rating", "timestamp"])
        time = 1_100_000_000
        for n in range(12):  # raters: every movie around its mean
            for movie_id, _, _, mean, _ in MOVIES:
                rating = min(5.0, max(0.5, round((mean + rng.uniform(-0.5, 0.5)) * 2) / 2))
                writer.writerow([f"r{n}", movie_id, rating, time])
                time += 1
        for taste, loved in TASTES.items():
            for n in range(users_per_taste):
                for movie_id in rng.sample(loved, 4):
                    writer.writerow([f"{taste}{n}", movie_id, 5.0, time])
                    time += 1
    return folder
