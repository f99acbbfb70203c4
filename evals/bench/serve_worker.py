"""``rapport serve`` with the scripted test model: the server that ``rapport bench serve --model scripted``
and the fault tests start as a real subprocess.

The scripted model (from tests/) stands in for the LLM only; the server, store, outbox and HTTP
are the product's own. ``--token-delay`` slows the streamed reply so a test can kill the server
in the middle of one.

Run: ``python -m evals.bench.serve_worker --port 8123`` (data dir from ``RAPPORT_DATA_DIR``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from typing import Any


def scripted_model(token_delay_s: float = 0.0, *, supports_tools: bool = False) -> Any:
    """The scripted model; ``supports_tools`` makes the server stream its replies straight from it."""
    from tests.scripted_model import ScriptedModel

    class PacedModel(ScriptedModel):
        """Streams its reply a word at a time, ``token_delay_s`` apart."""

        def stream(self, messages: Any, **kwargs: Any) -> Iterator[str]:
            for piece in super().stream(messages, **kwargs):
                time.sleep(token_delay_s)
                yield piece

    return PacedModel(reply_fn=_reply, supports_tools=supports_tools)


def _reply(messages: Any) -> str:
    said = [m.content for m in messages if m.role == "user"][-1]
    words = said.split()
    return f"Thanks, I will keep that in mind: {' '.join(words[:12])}. Is there anything else on your mind today?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-delay", type=float, default=0.0, help="seconds between streamed words")
    parser.add_argument("--tools", action="store_true", help="present the model as tool-capable")
    args = parser.parse_args()

    from agent.server.run import serve

    serve(args.host, args.port, chat_model=scripted_model(args.token_delay, supports_tools=args.tools))


if __name__ == "__main__":
    main()
