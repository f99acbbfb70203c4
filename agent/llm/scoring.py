"""Likelihood scoring on the llama.cpp runtime: how classification is done with a base model.

Split from ``local.py`` (one job per module): the prompt is evaluated once, each option decodes only its
own tokens on top of the prompt's KV cache, and the cache is rolled back after.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from memory.errors import InvalidInputError

if TYPE_CHECKING:
    from llama_cpp import Llama


def log_softmax_at(logits: np.ndarray, token: int) -> float:
    """``log p(token)`` from one row of raw logits, without normalising the whole row in Python."""
    peak = float(logits.max())
    return float(logits[token]) - peak - float(np.log(np.exp(logits - peak).sum()))


class LikelihoodScoring:
    """Mixin of ``LocalModel``: ``score`` and the KV-cache steps under it."""

    n_ctx: int
    _lock: threading.Lock

    if TYPE_CHECKING:  # provided by LocalModel

        def load(self) -> Llama: ...
        def tokenize(self, text: str, *, bos: bool = True) -> list[int]: ...
        def _fit(self, tokens: list[int], room: int) -> list[int]: ...
        def _pick_threads(self) -> int: ...

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        """Sum of the log-probabilities of each option's tokens as the continuation of ``prompt``.

        The prompt is evaluated once (reusing any cached prefix from the previous call); each option
        then decodes only its own tokens on top of the prompt's KV cache, which is rolled back after.
        Options are appended verbatim, so include the leading space a word would have (" Paris").
        An empty option scores 0.0 (log 1).
        """
        if not options:
            return []
        with self._lock:
            llama = self.load()
            encoded = [self.tokenize(option, bos=False) if option else [] for option in options]
            longest = max(len(tokens) for tokens in encoded)
            if longest > self.n_ctx // 2:
                raise InvalidInputError("options", f"an option of {longest} tokens is too long to score", "shorten it")
            prompt_tokens = self._fit(self.tokenize(prompt), longest)
            self._pick_threads()
            first = self._eval_prompt(prompt_tokens)
            n_prompt = len(prompt_tokens)
            scores: list[float] = []
            try:
                for tokens in encoded:
                    total = log_softmax_at(first, tokens[0]) if tokens else 0.0
                    if len(tokens) > 1:
                        rows = self._decode_all_logits(tokens[:-1], n_past=n_prompt)
                        total += sum(log_softmax_at(rows[i], tokens[i + 1]) for i in range(len(tokens) - 1))
                    scores.append(total)
            finally:
                # Leave the cache holding exactly the prompt; the live logits belong to an option, so
                # the next generate() must re-evaluate the last prompt token before sampling.
                llama._ctx.kv_cache_seq_rm(-1, n_prompt, -1)
                llama.n_tokens = n_prompt
                llama._requires_eval = True
            return scores

    def _eval_prompt(self, tokens: list[int]) -> np.ndarray:
        """Evaluate ``tokens`` (reusing the cached common prefix); logits of the next token, copied."""
        llama = self.load()
        cached = llama.input_ids[: llama.n_tokens]
        common = 0
        for a, b in zip(cached, tokens, strict=False):
            if a != b:
                break
            common += 1
        keep = min(common, len(tokens) - 1)  # re-evaluate at least one token to get fresh logits
        if keep == 0 or not llama._ctx.kv_cache_seq_rm(-1, keep, -1):
            llama.reset()
            keep = 0
        llama.n_tokens = keep
        llama.eval(tokens[keep:])
        vocab = llama.n_vocab()
        return np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(vocab,)).copy()

    def _decode_all_logits(self, tokens: list[int], n_past: int) -> np.ndarray:
        """Decode ``tokens`` after position ``n_past`` asking logits for every one; rows are views."""
        llama = self.load()
        llama._ctx.kv_cache_seq_rm(-1, n_past, -1)
        llama._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
        llama._ctx.decode(llama._batch)
        vocab = llama.n_vocab()
        return np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(len(tokens), vocab))
