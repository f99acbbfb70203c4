"""The embedded chat model: any GGUF run in process by llama.cpp (llama-cpp-python).

Two ways to prompt it, chosen by the file itself: a GGUF that carries a chat template (an instruct
model) is prompted through that template (``chat_template.py``); a base model through the few-shot
transcript (``transcript.py``). Either way the reply streams token by token, with a repeat penalty
(small models loop without one) and stops at the end of the turn.

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
from typing import TYPE_CHECKING, Any

from memory.errors import InvalidInputError

from .base import Message
from .chat_template import ChatTemplate
from .cpu import free_cores
from .errors import ModelFileError, ModelUnavailableError
from .gguf_header import GGUFHeader, read_header
from .local_json import JsonReplies
from .local_tools import LocalToolCalling
from .models import KNOWN_MODELS, ResolvedModel, resolve
from .scoring import LikelihoodScoring, log_softmax_at
from .transcript import build_chat_prompt, clean_reply, stop_sequences

if TYPE_CHECKING:
    from llama_cpp import Llama

    from agent.settings import Settings

log = logging.getLogger(__name__)


class ContextOverflowWarning(UserWarning):
    """A prompt was longer than the context window and lost its beginning."""


__all__ = ["ContextOverflowWarning", "LocalModel", "log_softmax_at"]


class LocalModel(LikelihoodScoring, LocalToolCalling, JsonReplies):
    """A GGUF in process (by default the bundled Gemma 3 270M); implements ``ChatModel``.

    ``model_path`` is a name from ``rapport model list`` or a path to a GGUF file.
    """

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        cache_dir: Path = Path("~/.cache/rapport"),
        n_threads: int | None = None,
        n_ctx: int = 2048,
        n_batch: int = 512,
        json_grammar: bool = True,
        repeat_penalty: float = 1.1,
        tools: bool = True,
    ) -> None:
        self.model_path_override = model_path
        self.cache_dir = cache_dir
        # Chat replies only; raw completion (generate, score) stays unpenalised and exact.
        self.repeat_penalty = repeat_penalty
        self.allow_tools = tools
        self.template: ChatTemplate | None = None
        self.resolved: ResolvedModel | None = None
        self._supports_tools: bool | None = None
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
            repeat_penalty=settings.llm_repeat_penalty,
            tools=settings.llm_local_tools,
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
            resolved = self.resolve()
            header = read_header(resolved.path)  # missing, not GGUF, cut short: an error naming the file
            # llama-cpp-python maps llama.cpp's warnings to its error level and prints them even with
            # verbose=False; capture them and show them only if loading fails.
            captured = io.StringIO()
            try:
                with contextlib.redirect_stderr(captured):
                    llama = self._open(Llama, resolved.path)
            except (ValueError, RuntimeError, OSError) as error:
                said = captured.getvalue().strip()[-600:]
                raise ModelFileError(
                    resolved.path,
                    f"could not be loaded by llama.cpp ({error}{'; ' + said if said else ''}); "
                    "it may be damaged or of an architecture this llama.cpp does not know: download it again",
                ) from error
            self.template = self._template(header, llama)
            self._llama = llama
            log.info("loaded %s (%s)", resolved.path, "chat template" if self.template else "transcript prompts")
        return self._llama

    def close(self) -> None:
        """Free the weights and context now: left to the interpreter's shutdown, llama.cpp can crash it."""
        with self._load_lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None

    def resolve(self) -> ResolvedModel:
        """Which GGUF this model means (name or path), without loading it."""
        if self.resolved is None:
            self.resolved = resolve(self.model_path_override, self.cache_dir)
        return self.resolved

    @staticmethod
    def _template(header: GGUFHeader, llama: Llama) -> ChatTemplate | None:
        if header.chat_template is None:
            return None
        bos, eos = llama.token_bos(), llama.token_eos()
        text = llama._model.token_get_text
        return ChatTemplate(
            header.chat_template,
            bos_token=text(bos) if bos != -1 else "",
            eos_token=text(eos) if eos != -1 else "",
            model_path=header.path,
        )

    @property
    def supports_tools(self) -> bool:  # type: ignore[override]
        """True when the GGUF's chat template renders tools (read from its header; no weights load)."""
        if self._supports_tools is None:
            self._supports_tools = self.allow_tools and self._template_renders_tools()
        return self._supports_tools

    def _template_renders_tools(self) -> bool:
        choice = self.model_path_override
        spec = KNOWN_MODELS.get(str(choice).strip().lower()) if choice else KNOWN_MODELS.get("gemma3-270m")
        if spec is not None and spec.source == "bundled":  # known: neither bundled template renders tools
            return False
        if self.template is not None:
            return self.template.supports_tools
        template = read_header(self.resolve().path).chat_template
        return template is not None and ChatTemplate(template, bos_token="", eos_token="", model_path="").supports_tools

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

    def _run(self, tokens: list[int], max_tokens: int, stop: Sequence[str], temperature: float, **extra: Any) -> str:
        """Complete ``tokens`` (already fitted) in one go, under the lock."""
        with self._lock:
            self._pick_threads()
            result = self.load().create_completion(
                tokens, max_tokens=max_tokens, stop=list(stop), temperature=max(temperature, 0.0), **extra
            )
        return result["choices"][0]["text"]  # type: ignore[index]

    def _run_stream(
        self, tokens: list[int], max_tokens: int, stop: Sequence[str], temperature: float, **extra: Any
    ) -> Iterator[str]:
        """Complete ``tokens`` piece by piece; llama.cpp holds back text that may become a stop string."""
        with self._lock:
            self._pick_threads()
            chunks = self.load().create_completion(
                tokens, max_tokens=max_tokens, stop=list(stop), temperature=max(temperature, 0.0), stream=True, **extra
            )
            for step, chunk in enumerate(chunks, start=1):
                if step % 16 == 0:  # a competing process may have started or ended meanwhile
                    self._pick_threads()
                piece = chunk["choices"][0]["text"]  # type: ignore[index]
                if piece:
                    yield piece

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
        max_tokens = self._cap(max_tokens)
        tokens = self._fit(self.tokenize(prompt), max_tokens)
        return self._run(tokens, max_tokens, stop or [], temperature, repeat_penalty=1.0, grammar=grammar)

    def stream_text(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Like ``generate`` but yields text pieces as they are decided (stop text is held back)."""
        max_tokens = self._cap(max_tokens)
        tokens = self._fit(self.tokenize(prompt), max_tokens)
        yield from self._run_stream(tokens, max_tokens, stop or [], temperature, repeat_penalty=1.0)

    # -- chat --------------------------------------------------------------------------------

    @property
    def uses_chat_template(self) -> bool:
        """True for an instruct GGUF prompted through its own template (loads the model)."""
        self.load()
        return self.template is not None

    def chat_prompt(self, messages: Sequence[Message], max_tokens: int) -> str:
        """The transcript prompt; the oldest turns go first when the conversation outgrows the context."""
        turns = list(messages)
        prompt = build_chat_prompt(turns)
        while len(self.tokenize(prompt)) > self.n_ctx - max_tokens:
            if not (turns := _drop_oldest_turn(turns)):
                break  # one huge turn: generate() cuts it from the front with a warning
            prompt = build_chat_prompt(turns)
        return prompt

    def template_tokens(
        self, messages: Sequence[Message], max_tokens: int, tools: Sequence[dict[str, Any]] | None = None
    ) -> list[int]:
        """Prompt tokens through the model's chat template, dropping the oldest turns to fit the context."""
        assert self.template is not None
        llama = self.load()

        def tokenize(text: str, special: bool) -> list[int]:
            return llama.tokenize(text.encode("utf-8"), add_bos=False, special=special)

        turns = list(messages)
        tokens = self.template.render_tokens(turns, tokenize, tools)
        while len(tokens) > self.n_ctx - max_tokens:
            if not (turns := _drop_oldest_turn(turns)):
                break
            tokens = self.template.render_tokens(turns, tokenize, tools)
        return self._fit(tokens, max_tokens)

    def _chat_request(
        self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] | None
    ) -> tuple[list[int], int, list[str]]:
        """Tokens, reply budget and stop strings of a chat turn, for either kind of model."""
        max_tokens = self._cap(max_tokens)
        self.load()
        if self.template is not None:
            stops = list(dict.fromkeys([*self.template.stops, *(s for s in stop or () if s)]))
            return self.template_tokens(messages, max_tokens), max_tokens, stops
        tokens = self._fit(self.tokenize(self.chat_prompt(messages, max_tokens)), max_tokens)
        return tokens, max_tokens, stop_sequences(stop)

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> str:
        """The assistant's next reply, ending at the end of its turn."""
        tokens, max_tokens, stops = self._chat_request(messages, max_tokens, stop)
        text = self._run(tokens, max_tokens, stops, temperature, repeat_penalty=self.repeat_penalty)
        return clean_reply(text)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """The reply token by token; joined, the pieces equal ``complete``'s text (ends stripped)."""
        tokens, max_tokens, stops = self._chat_request(messages, max_tokens, stop)
        started = False
        pending = ""
        for piece in self._run_stream(tokens, max_tokens, stops, temperature, repeat_penalty=self.repeat_penalty):
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


def _drop_oldest_turn(turns: list[Message]) -> list[Message]:
    """``turns`` without its oldest non-system turn; empty when only the last turn is left to drop."""
    droppable = [i for i, m in enumerate(turns) if m.role != "system"][:-1]
    if not droppable:
        return []
    log.info("chat longer than the context: dropped its oldest turn")
    return turns[: droppable[0]] + turns[droppable[0] + 1 :]
