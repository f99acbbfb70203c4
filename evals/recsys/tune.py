"""Choose every hyperparameter and blend weight on the validation split (``rapport eval recsys --tune``).

The test items never enter: validation holds out each test user's second-to-last positive from
training data that already lacks the test item. What is chosen, and how:
- ``ease`` baseline: ``l2`` on a grid, the best validation objective;
- ``sasrec`` baseline: the architecture is fixed (``SASRecConfig``), the epoch count is the best of the
  validations run every few epochs;
- ``rapport``: EASE's ``l2``, the history's half-life and rating gain, and the weights of item-kNN,
  content and popularity (EASE's weight is 1: only ratios matter), by coordinate ascent over coarse
  grids starting from plain EASE, a change kept only when it gains more than ``MIN_GAIN`` (so noise
  is not chased); then MMR
  diversity: the largest on its grid within ``DIVERSITY_COST`` of the most accurate; then the query
  weight on validation requests (the held-out item's genres).
The objective is HR@k + 2·NDCG@k on validation (the two count about equally).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from tools.catalog import CatalogIndex
from tools.ease import EASE
from tools.pipeline import RankingConfig, history_profile, history_signals, rank_items
from tools.ranking import standardize_rows, weight_rows
from tools.retrieval import ItemKNN, filter_mask, interaction_matrix, popularity_scores
from tools.tuned import TunedConfig

from .data import Split
from .methods import fit_ease, histories, positions
from .metrics import hit_and_ndcg_positions
from .sasrec import SASRec, SASRecConfig

NO_RECENCY = 1e6  # a half-life longer than any history: every interaction weighs the same
L2_GRID = (25.0, 50.0, 100.0, 200.0, 400.0, 1000.0)
GRIDS: dict[str, tuple[float, ...]] = {
    "l2": L2_GRID,
    "half_life": (2.0, 4.0, 8.0, 16.0, 32.0, NO_RECENCY),
    "like_gain": (0.0, 0.5, 1.0, 2.0),
    "cf_weight": (0.0, 0.1, 0.2, 0.4, 0.7),
    "content_weight": (0.0, 0.1, 0.2, 0.4, 0.7, 1.0),
    "popularity_weight": (0.0, 0.1, 0.2, 0.4),
}
DIVERSITY_GRID = (0.0, 0.05, 0.1, 0.2)
QUERY_GRID = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
MIN_GAIN = 0.005
CACHED_SIGNALS = 12
DIVERSITY_COST = 0.01
ROUNDS = 3


def objective(hr: float, ndcg: float) -> float:
    return hr + 2 * ndcg


class Validation:
    """Validation cases with their masks and per-signal standardized scores, cached by what they depend on."""

    def __init__(self, split: Split, index: CatalogIndex, k: int, l2_models: Callable[[float], EASE]) -> None:
        self.split, self.index, self.k = split, index, k
        self.knn = ItemKNN.fit(interaction_matrix(index, split.train_by_user))
        self.profiles = [history_profile(index, case.train)[0] for case in split.cases]
        self.masks = np.stack([filter_mask(index, None, p.positions) for p in self.profiles])
        self.held = np.array([index.position[case.held_out] for case in split.cases])
        self.l2_models = l2_models
        self._signals: dict[tuple, np.ndarray] = {}

    def signal(self, name: str, params: dict[str, float]) -> np.ndarray:
        """Cases x items z-scores of one signal over each case's unseen items, all cases in one pass."""
        keys = {"ease": ("ease", params["l2"], params["half_life"], params["like_gain"]),
                "cf": ("cf", params["half_life"], params["like_gain"]),
                "content": ("content", params["half_life"]),
                "popularity": ("popularity",)}  # fmt: skip
        if keys[name] not in self._signals:
            if name == "popularity":
                values = {name: np.broadcast_to(popularity_scores(self.knn.counts), self.masks.shape)}
            else:
                config = RankingConfig(half_life=params["half_life"], like_gain=params["like_gain"])
                values = history_signals(self.index, self.profiles, config, knn=self.knn if name == "cf" else None,
                                         ease=self.l2_models(params["l2"]) if name == "ease" else None)  # fmt: skip
                values = {key: value for key, value in values.items() if key in (name, "content")}
            for key, value in values.items():
                self._signals[keys[key]] = standardize_rows(value, self.masks).astype(np.float32)
            while len(self._signals) > CACHED_SIGNALS:  # the oldest first (25 MB each on ml-latest-small)
                self._signals.pop(next(iter(self._signals)))
        self._signals[keys[name]] = self._signals.pop(keys[name])  # most recently used last
        return self._signals[keys[name]]

    def score(self, total: np.ndarray) -> tuple[float, float]:
        """HR@k and NDCG@k of a cases x items score matrix (seen items excluded)."""
        total = np.where(self.masks, total, -np.inf)
        k = self.k
        top = np.argpartition(-total, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(total, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        return hit_and_ndcg_positions(top, self.held)

    def blend(self, params: dict[str, float], extra: np.ndarray | None = None, query_weight: float = 0.0) -> tuple:
        total = self.signal("ease", params).copy()
        for name, weight in (("cf", params["cf_weight"]), ("content", params["content_weight"]),
                             ("popularity", params["popularity_weight"])):  # fmt: skip
            if weight:
                total += weight * self.signal(name, params)
        if extra is not None and query_weight:
            total += query_weight * extra
        return self.score(total)


def tune_ease(validation: Validation, models: Callable[[float], EASE]) -> tuple[float, dict[float, tuple]]:
    binary = weight_rows(validation.profiles, [np.ones(len(p.positions)) for p in validation.profiles],
                         len(validation.index))  # fmt: skip
    results = {l2: validation.score(models(l2).score_rows(binary)) for l2 in L2_GRID}
    best = max(results, key=lambda l2: objective(*results[l2]))
    return best, results


def tune_rapport(validation: Validation, start_l2: float) -> tuple[dict[str, float], list]:
    """Coordinate ascent over ``GRIDS`` from plain EASE (no recency, no ratings, no other signal), so no
    hand-picked default steers the result; returns the chosen parameters and the trace of accepted moves."""
    params = {"l2": start_l2, "half_life": NO_RECENCY, "like_gain": 0.0, "cf_weight": 0.0, "content_weight": 0.0,
              "popularity_weight": 0.0}  # fmt: skip
    best = objective(*validation.blend(params))
    trace = [("start", dict(params), round(best, 4))]
    steps = [(name, value) for name, grid in GRIDS.items() for value in grid]
    with tqdm(total=ROUNDS * len(steps), desc="tune rapport", unit="setting") as bar:
        for _ in range(ROUNDS):
            moved = False
            for name, grid in GRIDS.items():
                scored = {}
                for value in grid:
                    bar.update(1)
                    candidate = {**params, name: value}
                    scored[value] = objective(*validation.blend(candidate))
                value = max(scored, key=scored.get)
                if value != params[name] and scored[value] > best * (1 + MIN_GAIN):
                    params[name], best, moved = value, scored[value], True
                    trace.append((name, value, round(best, 4)))
            if not moved:
                bar.update(bar.total - bar.n)
                break
    return params, trace


def tune_diversity(validation: Validation, config: RankingConfig, ease: EASE) -> tuple[float, dict[float, tuple]]:
    """The real ``rank_items`` (MMR included) on validation for each diversity."""
    index, split = validation.index, validation.split
    results = {}
    for diversity in tqdm(DIVERSITY_GRID, desc="tune diversity", unit="setting"):
        trial = config.model_copy(update={"diversity": diversity})
        tops = []
        for profile in validation.profiles:
            chosen, _, _ = rank_items(index, profile, validation.k, config=trial, knn=validation.knn,
                                      popularity=validation.knn.counts, ease=ease)  # fmt: skip
            tops.append(chosen)
        results[diversity] = hit_and_ndcg_positions(np.array(tops), validation.held)
    best = max(objective(*r) for r in results.values())
    chosen = max(d for d, r in results.items() if objective(*r) >= best * (1 - DIVERSITY_COST))
    del split
    return chosen, results


def tune_query(validation: Validation, params: dict[str, float], queries: np.ndarray) -> tuple[float, dict]:
    """Query weight on validation requests: ``queries`` holds one vector per validation case."""
    query = standardize_rows(queries @ validation.index.embeddings.T, validation.masks).astype(np.float32)
    results = {w: validation.blend(params, query, w) for w in QUERY_GRID}
    return max(results, key=lambda w: objective(*results[w])), results


def tune_sasrec(validation: Validation, config: SASRecConfig) -> tuple[int, float]:
    """Train on validation training data, validating every ``config.every`` epochs; the best epoch count."""
    index = validation.index
    cases = [positions(index, case) for case in validation.split.cases]

    def evaluate(model: SASRec) -> float:
        return objective(*validation.score(model.scores(cases)))

    model = SASRec.fit(histories(validation.split, index), len(index), config, evaluate=evaluate,
                       desc="sasrec (validation)")  # fmt: skip
    return model.epochs, evaluate(model)


def tune(
    validation_split: Split,
    index: CatalogIndex,
    *,
    k: int,
    base: TunedConfig,
    queries: np.ndarray | None,
    with_sasrec: bool = True,
    log: Callable[[str], None] = print,
) -> tuple[TunedConfig, dict]:
    """The configuration chosen on ``validation_split``, and what each candidate scored there."""
    collab = base.collab
    models: dict[float, EASE] = {}

    def ease_model(l2: float) -> EASE:
        if l2 not in models:
            models[l2], seconds = fit_ease(validation_split, index, l2, collab)
            log(f"EASE l2={l2:g} fitted on validation training data in {seconds:.1f} s")
        return models[l2]

    validation = Validation(validation_split, index, k, ease_model)
    where = f"validation split of {validation_split.dataset} ({len(validation_split.cases)} users)"
    record: dict = {}
    ease_l2, record["ease_l2"] = tune_ease(validation, ease_model)
    log(f"ease baseline: l2 {ease_l2:g}")
    params, record["rapport_trace"] = tune_rapport(validation, collab.l2)
    log(f"rapport: {params}")
    ranking = base.ranking.model_copy(update={key: value for key, value in params.items() if key != "l2"})
    ranking = ranking.model_copy(update={"ease_weight": 1.0})
    diversity, record["diversity"] = tune_diversity(validation, ranking, ease_model(params["l2"]))
    ranking = ranking.model_copy(update={"diversity": diversity})
    log(f"rapport: diversity {diversity:g}")
    chosen_on = {
        "ease baseline l2": where,
        "rapport l2, half_life, like_gain, cf/content/popularity weights": where,
        "rapport diversity": where,
    }
    if queries is not None:
        query_weight, record["query_weight"] = tune_query(validation, params, queries)
        ranking = ranking.model_copy(update={"query_weight": query_weight})
        chosen_on["rapport query_weight"] = where + ", synthetic genre requests"
        log(f"rapport: query weight {query_weight:g}")
    baselines = {**base.baselines, "ease_l2": ease_l2}
    sasrec_config = SASRecConfig.model_validate(base.baselines.get("sasrec", {}))
    baselines["sasrec"] = sasrec_config.model_dump()
    if with_sasrec:
        epochs, value = tune_sasrec(validation, sasrec_config)
        baselines["sasrec_epochs"] = epochs
        record["sasrec"] = {"epochs": epochs, "objective": round(value, 4)}
        chosen_on["sasrec epochs"] = where
        log(f"sasrec: {epochs} epochs")
    not_tuned = "not tuned (MovieLens has no stated preferences): dislike_weight, avoid_weight, cold_start_diversity"
    chosen_on["other"] = not_tuned
    tuned = TunedConfig(
        ranking=ranking,
        collab=collab.model_copy(update={"l2": params["l2"]}),
        baselines=baselines,
        chosen_on=chosen_on,
        dataset=validation_split.dataset,
    )
    return tuned, _plain(record)


def _plain(value):
    """JSON-ready: tuples to lists, numpy floats to floats, dict keys to strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float | np.floating):
        return round(float(value), 4) if math.isfinite(value) else None
    return value
