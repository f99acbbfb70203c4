"""SASRec (Kang & McAuley 2018), the sequential baseline: a small causal transformer over each user's history.

Kept small and clear for 2 CPU cores: pre-norm blocks, learned positions over the last ``max_len``
items, and a sampled softmax (the next item against ``negatives`` uniform items plus the batch's other
targets), which trains far better than the paper's one-negative BCE at the same cost. Training windows
cover every position of every history once per epoch. The number of epochs is chosen on the
validation split (``fit`` with ``evaluate``), then the test model is trained for that many. Seeded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from tqdm import tqdm

MAX_WINDOWS = 8


class SASRecConfig(BaseModel):
    dim: int = Field(default=64, ge=8)
    blocks: int = Field(default=2, ge=1)
    heads: int = Field(default=1, ge=1)
    max_len: int = Field(default=50, ge=2, description="Most recent items the model reads.")
    dropout: float = Field(default=0.2, ge=0, lt=1)
    lr: float = Field(default=1e-3, gt=0)
    batch: int = Field(default=64, ge=1)
    negatives: int = Field(default=256, ge=1)
    epochs: int = Field(default=35, ge=1, description="Upper bound; validation picks the epoch.")
    every: int = Field(default=5, ge=1, description="Validate every this many epochs.")
    patience: int = Field(default=1, ge=1, description="Stop after this many validations without a gain.")
    seed: int = 0
    threads: int = Field(default=1, ge=1, description="1: on a shared CPU more threads thrash.")


def _torch():
    import torch

    return torch


def build_model(n_items: int, config: SASRecConfig):
    torch = _torch()
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            d = config.dim
            self.norm_attention = nn.LayerNorm(d)
            self.attention = nn.MultiheadAttention(d, config.heads, dropout=config.dropout, batch_first=True)
            self.norm_feed = nn.LayerNorm(d)
            self.feed = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Dropout(config.dropout), nn.Linear(d, d))
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, h, causal, keep):
            q = self.norm_attention(h)
            attended, _ = self.attention(q, q, q, attn_mask=causal, need_weights=False)
            h = h + self.dropout(attended)
            h = h + self.dropout(self.feed(self.norm_feed(h)))
            return h * keep

    class SASRec(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.item = nn.Embedding(n_items + 1, config.dim, padding_idx=0)  # 0 pads; item p is p + 1
            self.position = nn.Embedding(config.max_len, config.dim)
            self.blocks = nn.ModuleList(Block() for _ in range(config.blocks))
            self.norm = nn.LayerNorm(config.dim)
            self.dropout = nn.Dropout(config.dropout)
            nn.init.normal_(self.item.weight, std=0.05)
            nn.init.normal_(self.position.weight, std=0.05)

        def forward(self, sequences):
            length = sequences.shape[1]
            keep = (sequences > 0).unsqueeze(-1).float()
            h = self.dropout(self.item(sequences) + self.position(torch.arange(length))[None]) * keep
            causal = torch.triu(torch.full((length, length), float("-inf")), 1)
            for block in self.blocks:
                h = block(h, causal, keep)
            return self.norm(h)

    return SASRec()


@contextmanager
def _threads(n: int):
    torch = _torch()
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _pad(sequences: Sequence[np.ndarray], length: int):
    out = np.zeros((len(sequences), length), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        tail = sequence[-length:]
        if len(tail):
            out[row, length - len(tail) :] = tail
    return _torch().from_numpy(out)


def _windows(sequences: list[np.ndarray], max_len: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Slices of max_len + 1 items: the most recent one per user, and as many random earlier ones as the
    history has further positions (at most ``MAX_WINDOWS`` in all, so a few very long histories do not
    dominate an epoch's time)."""
    windows = []
    for sequence in sequences:
        windows.append(sequence[-(max_len + 1) :])
        for _ in range(min(math.ceil(len(sequence) / max_len), MAX_WINDOWS) - 1):
            end = int(rng.integers(max_len + 1, len(sequence) + 1))
            windows.append(sequence[end - max_len - 1 : end])
    return windows


class SASRec:
    """A trained model: ``scores`` gives every catalog item's next-item logit for a history."""

    def __init__(self, model, config: SASRecConfig, n_items: int, epochs: int) -> None:
        self.model, self.config, self.n_items, self.epochs = model, config, n_items, epochs

    @classmethod
    def fit(
        cls,
        histories: Sequence[Sequence[int]],
        n_items: int,
        config: SASRecConfig | None = None,
        *,
        epochs: int | None = None,
        evaluate: Callable[[SASRec], float] | None = None,
        desc: str = "sasrec",
    ) -> SASRec:
        """Train on catalog-position histories (oldest first). With ``evaluate`` (higher is better) it is
        called every ``config.every`` epochs and the best model is kept; else it trains ``epochs`` epochs."""
        config = config or SASRecConfig()
        torch = _torch()
        F = torch.nn.functional
        epochs = epochs or config.epochs
        with _threads(config.threads):
            torch.manual_seed(config.seed)
            rng = np.random.default_rng(config.seed)
            model = build_model(n_items, config)
            optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
            sequences = [np.asarray(h, dtype=np.int64) + 1 for h in histories if len(h) >= 2]
            best, best_epoch, best_state, stale = -math.inf, epochs, None, 0
            for epoch in tqdm(range(1, epochs + 1), desc=desc, unit="epoch"):
                model.train()
                windows = _windows(sequences, config.max_len, rng)
                order = rng.permutation(len(windows))
                for start in range(0, len(order), config.batch):
                    chunk = [windows[i] for i in order[start : start + config.batch]]
                    inputs = _pad([w[:-1] for w in chunk], config.max_len)
                    targets = _pad([w[1:] for w in chunk], config.max_len)
                    present = targets > 0
                    hidden = model(inputs)[present]
                    wanted = targets[present]
                    sampled = torch.randint(1, n_items + 1, (config.negatives,))
                    candidates = torch.cat([wanted.unique(), sampled])
                    lookup = torch.full((n_items + 1,), -1, dtype=torch.long)
                    lookup[candidates] = torch.arange(len(candidates))
                    logits = hidden @ model.item.weight[candidates].T
                    loss = F.cross_entropy(logits, lookup[wanted])
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                if evaluate is not None and (epoch % config.every == 0 or epoch == epochs):
                    value = evaluate(cls(model, config, n_items, epoch))
                    if value > best:
                        best, best_epoch, stale = value, epoch, 0
                        best_state = {k: v.clone() for k, v in model.state_dict().items()}
                    else:
                        stale += 1
                        if stale >= config.patience:
                            break
            if best_state is not None:
                model.load_state_dict(best_state)
            return cls(model, config, n_items, best_epoch if evaluate is not None else epochs)

    def scores(self, histories: Sequence[Sequence[int]], batch: int = 256) -> np.ndarray:
        """Users x items logits; a history's own items are not masked here (the caller does)."""
        torch = _torch()
        out = []
        with _threads(self.config.threads), torch.no_grad():
            self.model.eval()
            for start in range(0, len(histories), batch):
                rows = [np.asarray(h, dtype=np.int64) + 1 for h in histories[start : start + batch]]
                hidden = self.model(_pad(rows, self.config.max_len))[:, -1]
                out.append((hidden @ self.model.item.weight[1:].T).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.n_items), dtype=np.float32)

    def save(self, path: Path, fit_s: float) -> None:
        torch = _torch()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        payload = {"state": self.model.state_dict(), "config": self.config.model_dump(), "epochs": self.epochs,
                   "fit_s": fit_s}  # fmt: skip
        torch.save(payload, temporary)
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path, n_items: int) -> tuple[SASRec, float]:
        payload = _torch().load(path, weights_only=True)
        config = SASRecConfig.model_validate(payload["config"])
        model = build_model(n_items, config)
        model.load_state_dict(payload["state"])
        return cls(model, config, n_items, int(payload["epochs"])), float(payload["fit_s"])
