"""``rapport chat`` (a terminal conversation that remembers) and ``rapport profile``."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .model_commands import add_model_argument, settings_for

if TYPE_CHECKING:
    from rich.console import Console

    from agent import Assistant

HELP = "/memories  /profile  /forget  /new  /exit"


def register(*, commands: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    chat = commands.add_parser("chat", help="talk with the assistant in the terminal")
    chat.add_argument("--user", required=True, help="the user id")
    chat.add_argument("--thread", default="default", help="conversation thread to continue (default: default)")
    add_model_argument(chat)
    chat.set_defaults(handler=_chat)

    profile = commands.add_parser("profile", help="show what the assistant knows about a user")
    profile.add_argument("--user", required=True)
    profile.add_argument("--refresh", action="store_true", help="rebuild it now")
    profile.add_argument("--json", action="store_true")
    profile.set_defaults(handler=_profile)


def _chat(args: argparse.Namespace) -> int:
    from rich.console import Console

    from agent.access import open_assistant
    from memory.errors import RapportError

    console = Console(highlight=False)
    with open_assistant(settings_for(args)) as assistant:
        thread = args.thread
        console.print(f"[bold]Rapport[/bold] — talking with {args.user} (thread {thread}). {HELP}", style="dim")
        while True:
            try:
                line = console.input("[bold cyan]you>[/bold cyan] ").strip()
            except EOFError:
                break
            if not line:
                continue
            if line.startswith("/"):
                command = line.split()[0].lower()
                if command in ("/exit", "/quit"):
                    break
                if command == "/new":
                    thread = datetime.now(UTC).strftime("thread-%Y%m%d-%H%M%S")
                    console.print(f"new thread {thread}", style="dim")
                elif command == "/memories":
                    _show_memories(console, assistant, args.user)
                elif command == "/profile":
                    _show_profile(console, assistant, args.user)
                elif command == "/forget":
                    if console.input("forget everything about you? type yes: ").strip().lower() == "yes":
                        console.print(f"forgot {assistant.forget(args.user)} memories", style="dim")
                else:
                    console.print(f"unknown command {command}; {HELP}", style="dim")
                continue
            try:
                _turn(console, assistant, args.user, line, thread)
            except RapportError as error:
                console.print(f"error: {error}", style="red")
        console.print("saving memories…", style="dim")
    return 0


def _turn(console: Console, assistant: Assistant, user_id: str, message: str, thread: str) -> None:
    from rich.markup import escape

    speaking = False
    for event in assistant.stream(user_id, message, thread_id=thread):
        if event.type == "recalled" and event.memories:
            recalled = " · ".join(escape(m.text) for m in event.memories[:4])
            console.print(f"  recalled: {recalled}", style="dim")
        elif event.type == "tool" and event.tool:
            outcome = "error: " + event.tool["error"] if "error" in event.tool else "ok"
            console.print(f"  tool {event.tool['name']}: {escape(outcome)}", style="dim")
        elif event.type == "token":
            if not speaking:
                console.print("[bold green]rapport>[/bold green] ", end="")
                speaking = True
            console.out(event.text, end="", highlight=False)
    console.print()


def _show_memories(console: Console, assistant: Assistant, user_id: str) -> None:
    assistant.flush()
    memories = assistant.memories(user_id, k=20)
    if not memories:
        console.print("no memories yet", style="dim")
    for memory in memories:
        console.out(f"  [{memory.kind.value}] {memory.text}", style="dim", highlight=False)


def _show_profile(console: Console, assistant: Assistant, user_id: str, *, refresh: bool = False) -> None:
    from memory.errors import NotFoundError

    try:
        profile = assistant.profile(user_id, refresh=refresh)
    except NotFoundError:
        console.print(f"nothing known about {user_id} yet", style="dim")
        return
    console.out(profile.summary, highlight=False)
    for label, values in (("interests", profile.interests), ("dislikes", profile.dislikes), ("facts", profile.facts)):
        if values:
            console.out(f"  {label}: " + "; ".join(values), style="dim", highlight=False)


def _profile(args: argparse.Namespace) -> int:
    from rich.console import Console

    from agent.access import open_assistant

    with open_assistant() as assistant:
        if args.json:
            profile = assistant.profile(args.user, refresh=args.refresh)
            print(json.dumps(profile.model_dump(mode="json", exclude={"built_from"}), ensure_ascii=False))
        else:
            _show_profile(Console(highlight=False), assistant, args.user, refresh=args.refresh)
    return 0
