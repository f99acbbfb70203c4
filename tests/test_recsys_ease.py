"""EASE, the collaborative models' bundle, their background refit and their use by ``Recommender``."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from memory import MemoryStore
from memory.errors import InvalidInputError
from tests.recsys_data import theme_of, write_movielens
from tools.catalog import Catalog, CatalogIndex
from tools.collab import CollabConfig, CollabModel, CollabRefresher
from tools.ease import EASE
from tools.interactions import Interaction, read_ratings, record_interactions
from tools.items import load_movielens_items, make_item
from tools.pipeline import RankingConfig
from tools.recommend import Recommender
from tools.tuned import TunedConfig, save_tuned


def random_matrix(users: int = 60, items: int = 12, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    return sp.csr_matrix((rng.random((users, items)) < 0.3).astype(np.float32))


def test_ease_is_the_closed_form_with_a_zero_diagonal() -> None:
    matrix = random_matrix()
    model = EASE.fit(matrix, l2=5.0, min_count=1)
    gram = (matrix.T @ matrix).toarray().astype(float) + 5.0 * np.eye(12)
    precision = np.linalg.inv(gram)
    expected = -precision / np.diag(precision)
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(model.weights, expected, atol=1e-5)
    history, weights = [1, 4, 7], np.array([1.0, 0.5, 2.0], dtype=np.float32)
    assert np.allclose(model.scores(history, weights), weights @ expected[history], atol=1e-5)
    # what each history item adds to one target sums to that target's score
    assert model.contributions(history, weights, 3).sum() == pytest.approx(model.scores(history, weights)[3], abs=1e-5)


def test_ease_models_the_most_interacted_items_and_floors_the_rest() -> None:
    dense = np.zeros((10, 5), dtype=np.float32)
    dense[:, 0] = 1
    dense[:8, 1] = 1
    dense[:6, 2] = 1
    dense[:1, 3] = 1  # one interaction: below min_count
    matrix = sp.csr_matrix(dense)
    model = EASE.fit(matrix, l2=1.0, min_count=2, max_items=2)
    assert model.items.tolist() == [0, 1]
    scores = model.scores([0, 3])
    assert scores[2] == scores[3] == scores[4] == min(scores[0], scores[1])
    assert model.contributions([0, 3], None, 4).tolist() == [0.0, 0.0]
    with pytest.raises(InvalidInputError, match="l2"):
        EASE.fit(matrix, l2=0.0)
    with pytest.raises(InvalidInputError, match="interactions"):
        EASE.fit(matrix, min_count=50)


def test_ease_saves_and_loads_for_the_same_catalog_only(tmp_path: Path) -> None:
    model = EASE.fit(random_matrix(), l2=10.0, min_count=1)
    ids = [str(n) for n in range(12)]
    model.save(tmp_path / "ease.npz", ids)
    loaded = EASE.load(tmp_path / "ease.npz", ids)
    assert loaded is not None and np.array_equal(loaded.weights, model.weights) and loaded.l2 == 10.0
    assert EASE.load(tmp_path / "ease.npz", ids[::-1]) is None
    assert EASE.load(tmp_path / "missing.npz", ids) is None


def small_index(n: int = 6) -> CatalogIndex:
    items = [make_item(str(i), f"Film {i}") for i in range(n)]
    return CatalogIndex(items, np.eye(n, dtype=np.float32))


def test_collab_model_fits_both_models_and_round_trips(tmp_path: Path) -> None:
    index = small_index()
    by_user = {f"u{u}": [Interaction(item_id=str(i), rating=4.0) for i in range(6) if (u + i) % 3] for u in range(9)}
    models = CollabModel.fit(index, by_user, CollabConfig(l2=2.0, min_count=1))
    assert models.ease is not None and len(models.ease.items) == 6 and models.knn.counts.sum() > 0
    models.save(tmp_path, index.ids)
    loaded = CollabModel.load(tmp_path, index.ids)
    assert loaded is not None and loaded.ease is not None
    assert np.array_equal(loaded.ease.weights, models.ease.weights)
    assert CollabModel.load(tmp_path / "none", index.ids) is None


def test_refresher_refits_in_the_background_after_enough_interactions() -> None:
    index = small_index()
    by_user = {"a": [Interaction(item_id="0"), Interaction(item_id="1")], "b": [Interaction(item_id="1")]}
    installed: list[CollabModel] = []
    release = threading.Event()

    def refit() -> CollabModel:
        release.wait(5)
        return CollabModel.fit(index, by_user, CollabConfig(min_count=1))

    refresher = CollabRefresher(refit, installed.append, every=3)
    assert refresher.notify(2) is False and installed == []
    assert refresher.notify(1) is True  # the third interaction starts a refit...
    assert refresher.notify(5) is False  # ...and no second one while it runs
    assert installed == []  # requests meanwhile keep the old models
    release.set()
    refresher.wait(10)
    assert len(installed) == 1 and installed[0].ease is not None


def test_a_failed_refit_keeps_the_current_models(caplog) -> None:
    installed: list[CollabModel] = []

    def broken() -> CollabModel:
        raise RuntimeError("disk full")

    refresher = CollabRefresher(broken, installed.append, every=1)
    assert refresher.notify(1)
    refresher.wait(10)
    assert installed == [] and "refit" in caplog.text


def test_recorded_interactions_refit_everyones_models_in_the_background(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path / "data"))
    tuned = TunedConfig(collab=CollabConfig(min_count=1, refit_every=3), ranking=RankingConfig(diversity=0.0))
    save_tuned(tuned, tmp_path / "data" / "recsys" / "tuned.json")
    folder = write_movielens(tmp_path / "ml", users=12)
    store = MemoryStore(path=tmp_path / "chroma", embedder=embedder)
    catalog = Catalog(path=tmp_path / "chroma", embedder=embedder)
    catalog.load(load_movielens_items(folder).items)
    for user, interactions in read_ratings(folder).by_user.items():
        record_interactions(store, catalog.index(), user, interactions)
    models = tmp_path / "models"
    recommender = Recommender(store, catalog, knn_path=models / "itemknn.npz")
    assert recommender.ease is None and recommender.knn is None  # nothing fitted yet
    space = [item.id for item in catalog.index().items if theme_of(item.id) == "space"]
    assert recommender.record("newcomer", [Interaction(item_id=space[0], rating=5.0)]) == 1
    assert recommender._refresher is not None and recommender.ease is None  # below refit_every: no refit yet
    recommender.record("newcomer", [Interaction(item_id=i, rating=5.0) for i in space[1:3]])
    recommender._refresher.wait(60)
    assert recommender.ease is not None and (models / "ease.npz").is_file() and (models / "itemknn.npz").is_file()
    reloaded = Recommender(store, catalog, knn_path=models / "itemknn.npz")  # a new process finds them on disk
    assert reloaded.ease is not None and np.array_equal(reloaded.ease.weights, recommender.ease.weights)
    picks = reloaded.recommend("newcomer", k=2)
    assert all(theme_of(p.item.id) == "space" for p in picks)
    # EASE's weights say which liked item speaks for it
    assert all(p.reason.startswith("Because you liked") for p in picks)
