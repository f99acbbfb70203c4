"""The embedded chat model: a GGUF base model run in process by llama.cpp (llama-cpp-python).

Why llama.cpp: it runs the 4-bit weights directly (no de-quantizing, sub-second load) and is several
times faster than transformers on 2 CPU cores. It must be built without AMX/AVX-512 paths (see
``setup.sh``); a native build crashes in ``decode`` on these machines.

Nothing loads until the first call. One llama.cpp context is not thread-safe, so every call holds a
lock; the KV cache is reused between calls when prompts share a prefix (LaMP prompts, a growing chat).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from pydantic import BaseModel

import prompts
from memory.errors import InvalidInputError

from .base import Message
from .cpu import free_cores
from .errors import LLMOutputError, ModelUnavailableError
from .jsonout import parse_reply, schema_text
from .transcript import build_chat_prompt, clean_reply, render_turn, split_system, stop_sequences
from .weights import resolve_model_path

if TYPE_CHECKING:
    from llama_cpp import Llama

    from agent.settings import Settings

log = logging.getLogger(__name__)
ModelT = TypeVar("ModelT", bound=BaseModel)
JSON_STOPS = ["\n###", "\nInput:", "\nSchema:"]


class ContextOverflowWarning(UserWarning):
    """A prompt was longer than the context window and lost its beginning."""


def log_softmax_at(logits: np.ndarray, token: int) -> float:
    """``log p(token)`` from one row of raw logits, without normalising the whole row in Python."""
    peak = float(logits.max())
    return float(logits[token]) - peak - float(np.log(np.exp(logits - peak).sum()))


class LocalModel:
    """Gemma 3 270M (or any GGUF) in process; implements ``ChatModel``."""

    supports_tools = False

    def __init__(
        self,
        *,
        model_path: Path | None = None,
        cache_dir: Path = Path("~/.cache/rapport"),
        n_threads: int | None = None,
        n_ctx: int = 2048,
        n_batch: int = 512,
        json_grammar: bool = True,
    ) -> None:
        self.model_path_override = model_path
        self.cache_dir = cache_dir
        # None: choose per call from the cores other processes leave free (see cpu.py); a number: fixed.
        self.adaptive_threads = n_threads is None
        self.n_threads = n_threads or os.cpu_count() or 1
        self._threads_now = self.n_threads
        self.n_ctx = n_ctx
        self.n_batch = min(n_batch, n_ctx)
        self.json_grammar = json_grammar
        self._llama: Llama | None = None
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalModel:
        """A model configured from ``RAPPORT_*`` settings (still unloaded)."""
        return cls(
            model_path=settings.llm_model_path,
            cache_dir=settings.cache_dir,
            n_threads=settings.llm_threads,
            n_ctx=settings.llm_context,
            n_batch=settings.llm_batch,
        )

    # -- loading -----------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def load(self) -> Llama:
        """Load the weights now (normally the first call does it); idempotent."""
        if self._llama is not None:
            return self._llama
        with self._load_lock:  # two threads' first calls must not load the weights twice
            if self._llama is not None:
                return self._llama
            try:
                from llama_cpp import Llama
            except ImportError as error:  # pragma: no cover - depends on the install
                raise ModelUnavailableError(
                    "llama-cpp-python is not installed: run `bash setup.sh`, which builds it with safe CPU flags"
                ) from error
            path = resolve_model_path(self.model_path_override, self.cache_dir)
            # llama-cpp-python maps llama.cpp's warnings to its error level and prints them even with
            # verbose=False; capture them and show them only if loading fails.
            captured = io.StringIO()
            try:
                with contextlib.redirect_stderr(captured):
                    self._llama = self._open(Llama, path)
            except (ValueError, RuntimeError, OSError) as error:
                raise ModelUnavailableError(
                    f"could not load {path}: {error}. llama.cpp said: {captured.getvalue()[-1000:]}"
                ) from error
        return self._llama

    def _open(self, llama_class: type[Llama], path: Path) -> Llama:
        return llama_class(
            model_path=str(path),
            n_ctx=self.n_ctx,
            n_batch=self.n_batch,
            n_ubatch=self.n_batch,
            n_threads=self.n_threads,
            n_threads_batch=self.n_threads,
            # A full-size sliding-window cache lets score() roll back to the prompt and try the
            # next option; the pruned default could have dropped positions still in the window.
            swa_full=True,
            verbose=False,
        )

    def _pick_threads(self) -> int:
        """Match llama.cpp's thread count to the cores free right now (adaptive mode only)."""
        if self.adaptive_threads:
            wanted = free_cores(self.n_threads)
            if wanted != self._threads_now:
                self.load()._ctx.set_n_threads(wanted, wanted)
                self._threads_now = wanted
        return self._threads_now

    # -- tokens ------------------------------------------------------------------------------

    def tokenize(self, text: str, *, bos: bool = True) -> list[int]:
        """Token ids of ``text``; special-token syntax in user text stays plain text."""
        return self.load().tokenize(text.encode("utf-8"), add_bos=bos, special=False)

    def _fit(self, tokens: list[int], room: int) -> list[int]:
        """Cut ``tokens`` from the front (keeping BOS) so ``room`` more tokens fit in the context."""
        budget = self.n_ctx - room
        if len(tokens) <= budget:
            return tokens
        bos = self.load().token_bos()
        head = [tokens[0]] if tokens and tokens[0] == bos else []
        kept = head + tokens[len(tokens) - (budget - len(head)) :]
        message = (
            f"prompt of {len(tokens)} tokens does not fit the {self.n_ctx}-token context with {room} "
            f"tokens to spare; its first {len(tokens) - len(kept)} tokens were dropped"
        )
        log.warning(message)
        warnings.warn(message, ContextOverflowWarning, stacklevel=3)
        return kept

    def _cap(self, max_tokens: int) -> int:
        """At most half the context goes to the reply, so a prompt always keeps room."""
        if max_tokens < 1:
            raise InvalidInputError("max_tokens", f"must be at least 1, got {max_tokens}")
        return min(max_tokens, self.n_ctx // 2)

    # -- raw completion ----------------------------------------------------------------------

    def _completion_args(
        self, prompt: str, max_tokens: int, stop: Sequence[str] | None, temperature: float
    ) -> dict[str, Any]:
        max_tokens = self._cap(max_tokens)
        return {
            "prompt": self._fit(self.tokenize(prompt), max_tokens),
            "max_tokens": max_tokens,
            "stop": list(stop or []),
            "temperature": max(temperature, 0.0),
            "repeat_penalty": 1.0,
        }

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
        grammar: Any = None,
    ) -> str:
        """Continue ``prompt``; greedy when ``temperature`` is 0, stopping at any ``stop`` string."""
        with self._lock:
            args = self._completion_args(prompt, max_tokens, stop, temperature)
            self._pick_threads()
            result = self.load().create_completion(**args, grammar=grammar)
        return result["choices"][0]["text"]  # type: ignore[index]

    def stream_text(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Like ``generate`` but yields text pieces as they are decided (stop text is held back)."""
        with self._lock:
            args = self._completion_args(prompt, max_tokens, stop, temperature)
            self._pick_threads()
            for step, chunk in enumerate(self.load().create_completion(**args, stream=True), start=1):
                if step % 16 == 0:  # a competing process may have started or ended meanwhile
                    self._pick_threads()
                piece = chunk["choices"][0]["text"]  # type: ignore[index]
                if piece:
                    yield piece

    # -- chat --------------------------------------------------------------------------------

    def chat_prompt(self, messages: Sequence[Message], max_tokens: int) -> str:
        """The transcript prompt; the oldest turns go first when the conversation outgrows the context."""
        turns = list(messages)
        prompt = build_chat_prompt(turns)
        while len(self.tokenize(prompt)) > self.n_ctx - max_tokens:
            droppable = [i for i, m in enumerate(turns) if m.role != "system"][:-1]
            if not droppable:
                break  # one huge turn: generate() cuts it from the front with a warning
            del turns[droppable[0]]
            log.info("chat longer than the context: dropped its oldest turn")
            prompt = build_chat_prompt(turns)
        return prompt

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> str:
        """The assistant's next reply, ending before any invented next turn."""
        max_tokens = self._cap(max_tokens)
        prompt = self.chat_prompt(messages, max_tokens)
        text = self.generate(prompt, max_tokens=max_tokens, stop=stop_sequences(stop), temperature=temperature)
        return clean_reply(text)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """The reply in pieces; the leading space of the first piece is dropped as in ``complete``."""
        max_tokens = self._cap(max_tokens)
        prompt = self.chat_prompt(messages, max_tokens)
        started = False
        pending = ""
        for piece in self.stream_text(
            prompt, max_tokens=max_tokens, stop=stop_sequences(stop), temperature=temperature
        ):
            if not started:
                piece = piece.lstrip()
                if not piece:
                    continue
                started = True
            # Hold trailing whitespace back: complete() strips it, so only yield it if text follows.
            text = pending + piece
            body = text.rstrip()
            pending = text[len(body) :]
            if body:
                yield body

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: type[ModelT],
        *,
        max_tokens: int = 256,
    ) -> ModelT:
        """A reply validated into ``schema``, asked for once more with the error when it does not fit.

        A base model follows patterns, not instructions: the prompt (``prompts/json_reply.txt``) shows
        worked schema -> JSON examples, then the conversation as the input. With ``json_grammar`` the
        sampler is constrained by a llama.cpp grammar built from the schema, so the reply is always
        syntactically JSON (it can still be cut by ``max_tokens`` or break a constraint the grammar
        does not express). Without it, the text is parsed and validated. A second failure raises
        ``LLMOutputError`` carrying the raw reply: nothing is dropped silently.
        """
        system, turns = split_system(messages, default="")
        lines = ([f"System: {system}"] if system else []) + [render_turn(m) for m in turns]
        prompt = prompts.render(
            "json_reply", schema=schema_text(schema, for_prompt=True), input="\n".join(lines)
        ).rstrip()
        grammar = self._grammar(schema) if self.json_grammar else None
        reply = self.generate(prompt, max_tokens=max_tokens, stop=JSON_STOPS, grammar=grammar)
        try:
            return parse_reply(reply, schema)
        except LLMOutputError as error:
            retry = prompts.render("json_retry", prompt=prompt, reply=reply.strip(), problem=str(error)).rstrip()
        reply = self.generate(retry, max_tokens=max_tokens, stop=JSON_STOPS, grammar=grammar)
        try:
            return parse_reply(reply, schema)
        except LLMOutputError as error:
            raise LLMOutputError(f"no valid {schema.__name__} after a retry: {error}", raw=error.raw) from None

    def _grammar(self, schema: type[BaseModel]) -> Any:
        from llama_cpp import LlamaGrammar

        return LlamaGrammar.from_json_schema(schema_text(schema), verbose=False)

    # -- likelihood scoring ------------------------------------------------------------------

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
