"""``rapport serve``: the OpenAI-compatible API over the assistant (FastAPI, uvicorn)."""

from __future__ import annotations

import argparse

from .model_commands import add_model_argument, settings_for


def register(*, commands: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve an OpenAI-compatible API (/v1/chat/completions) plus memories and profiles",
        description=(
            "Any OpenAI client or chat UI can talk to the personalized assistant: the request's `user` field "
            "(or the X-Rapport-User header) picks the user, X-Rapport-Thread the thread. A host other than "
            "loopback needs RAPPORT_ADMIN_KEY, which clients then send as a bearer key; `rapport keys create "
            "--user ID` makes a key that acts only as that user."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000)")
    add_model_argument(serve)
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from agent.server.run import serve

    serve(args.host, args.port, settings=settings_for(args))
    return 0
