"""The agent: one LangGraph graph, checkpointed per thread.

recall -> read -> plan -> (act -> plan)* -> respond -> remember

- recall: the user's profile summary and the memories closest to the message (hybrid search), once
  the user's previous turn is written.
- read: the message read once into a ``Reading`` (``memory.reading``): its social moves, its
  statements with their slots, and what it asks. Every later step uses it; none reads the message.
- plan: a tool-calling model picks tools itself; any other model goes through the deterministic
  intent planner. ``max_steps`` bounds the plan/act loop.
- act: runs the planned tools with the user's scope; an error becomes the tool's result, so the
  model sees it instead of the turn failing.
- respond: the reply, streamed token by token to ``stream_mode="custom"`` listeners. A tool-calling model
  writes it; any other model goes through the grounded reply (``agent.reply``), whose facts about the
  user come from current memories only.
- remember: hands the turn and the Reading's statements to the background memory writer; the reply
  does not wait for it.
"""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

from agent import planner
from agent.llm.base import ChatModel, Message, ToolCall
from agent.model_reader import ModelReader
from agent.prompting import respond_messages
from agent.reply import GroundedReplier, ReplyInputs
from agent.writer import MemoryWriter
from memory import Memory, MemoryStore
from memory.errors import RapportError
from memory.extraction import MAX_STATEMENT_CHARS, Candidate
from memory.profile import ProfileBuilder
from memory.reading import Reading
from tools.context import ToolContext
from tools.registry import TOOLS

logger = logging.getLogger(__name__)


class AgentState(TypedDict, total=False):
    user_id: str
    thread_id: str
    message: str
    history: Annotated[list[dict[str, str]], operator.add]  # the conversation, kept across turns
    recalled: list[dict[str, Any]]  # per turn, like the fields below
    reading: dict[str, Any]  # memory.reading.Reading, JSON-shaped for the checkpoint
    profile: str
    pending: list[dict[str, Any]]
    tool_log: list[dict[str, Any]]
    steps: int
    reply: str
    timings: dict[str, float]


@dataclass
class AgentDeps:
    store: MemoryStore
    model: ChatModel
    profiles: ProfileBuilder
    writer: MemoryWriter
    reader: ModelReader  # the capable model's own reading, or the embedded reader's
    recommender: Any | None = None
    recall_k: int = 6
    max_steps: int = 4
    history_messages: int = 8
    max_reply_tokens: int = 200


def turn_input(user_id: str, thread_id: str, message: str) -> AgentState:
    """The state a new turn starts from; per-turn fields are reset, the history carries on."""
    return AgentState(
        user_id=user_id,
        thread_id=thread_id,
        message=message,
        recalled=[],
        reading={},
        profile="",
        pending=[],
        tool_log=[],
        steps=0,
        reply="",
        timings={},
    )


def build_graph(deps: AgentDeps, checkpointer: Any) -> Any:
    def timed(name: str, node: Callable[[AgentState], dict[str, Any]]) -> Callable[[AgentState], dict[str, Any]]:
        def run(state: AgentState) -> dict[str, Any]:
            start = time.perf_counter()
            update = node(state)
            timings = dict(update.pop("timings", None) or state.get("timings") or {})
            timings[f"{name}_s"] = timings.get(f"{name}_s", 0.0) + time.perf_counter() - start
            return {**update, "timings": timings}

        return run

    def recall(state: AgentState) -> dict[str, Any]:
        user_id = state["user_id"]
        deps.writer.wait_for(user_id)  # the previous turn's memories count (usually written already)
        hits = deps.store.search(user_id, state["message"], k=deps.recall_k, mode="hybrid")
        current = deps.profiles.current(user_id)  # less anything resting on a replaced or deleted memory
        profile = current.summary if current else ""
        recalled = [hit.memory.model_dump(mode="json") for hit in hits]
        get_stream_writer()({"recalled": recalled})
        return {"recalled": recalled, "profile": profile}

    def read(state: AgentState) -> dict[str, Any]:
        return {"reading": deps.reader.read(state["message"]).model_dump(mode="json")}

    def plan(state: AgentState) -> dict[str, Any]:
        steps = state.get("steps", 0)
        if steps >= deps.max_steps:
            return {"pending": []}
        if getattr(deps.model, "supports_tools", False):
            calls = _model_plan(deps, state)
        else:  # the deterministic planner proposes once; its tools' results then go to respond
            calls = planner.plan(_reading(state), _available_tools(deps)) if steps == 0 else []
        return {"pending": [call.model_dump() for call in calls], "steps": steps + 1}

    def act(state: AgentState) -> dict[str, Any]:
        context = ToolContext(
            user_id=state["user_id"], store=deps.store, model=deps.model, recommender=deps.recommender
        )
        log = list(state.get("tool_log", []))
        emit = get_stream_writer()
        for call in state.get("pending", []):
            entry: dict[str, Any] = {"id": call["id"], "name": call["name"], "arguments": call["arguments"]}
            tool = TOOLS.get(call["name"])
            try:
                if tool is None:
                    raise RapportError(f"no tool named {call['name']!r}")
                entry["result"] = _plain(tool.call(context, call["arguments"]))
            except RapportError as error:
                entry["error"] = str(error)
            log.append(entry)
            emit({"tool": entry})
        return {"tool_log": log, "pending": []}

    replier = GroundedReplier(deps.store, deps.model, deps.reader)
    grounded = not getattr(deps.model, "supports_tools", False)

    def grounded_reply(state: AgentState) -> Iterator[str]:
        return replier.reply(
            ReplyInputs(
                user_id=state["user_id"],
                reading=_reading(state),
                recalled=[Memory.model_validate(m) for m in state.get("recalled", [])],
                tool_log=state.get("tool_log", []),
                history=state.get("history", [])[-deps.history_messages :],
            )
        )

    def respond(state: AgentState) -> dict[str, Any]:
        """Stream the reply; a model that fails or says nothing before its first token gets the grounded one."""
        emit = get_stream_writer()
        pieces: list[str] = []
        source = (
            grounded_reply(state)
            if grounded
            else deps.model.stream(_turn_messages(deps, state), max_tokens=deps.max_reply_tokens)
        )
        try:
            for piece in source:
                pieces.append(piece)
                emit({"token": piece})
        except RapportError:
            if "".join(pieces).strip() or grounded:
                raise
            logger.warning("the chat model failed; answering from memory instead", exc_info=True)
        if not "".join(pieces).strip() and not grounded:
            pieces = []
            for piece in grounded_reply(state):
                pieces.append(piece)
                emit({"token": piece})
        reply = "".join(pieces).strip()
        if not reply:
            raise RapportError("the reply came out empty; try again or use another model")
        turn = [{"role": "user", "content": state["message"]}, {"role": "assistant", "content": reply}]
        return {"reply": reply, "history": turn}

    def remember(state: AgentState) -> dict[str, Any]:
        source = f"{state['thread_id']}:{len(state.get('history', [])) // 2}"
        told = [Candidate(text=s.text[:MAX_STATEMENT_CHARS], kind=s.kind) for s in _reading(state).statements]
        deps.writer.submit(state["user_id"], state["message"], state.get("reply", ""), source, told=told)
        return {}

    def after_plan(state: AgentState) -> str:
        return "act" if state.get("pending") else "respond"

    graph = StateGraph(AgentState)
    for name, node in (
        ("recall", recall),
        ("read", read),
        ("plan", plan),
        ("act", act),
        ("respond", respond),
        ("remember", remember),
    ):
        graph.add_node(name, timed(name, node))
    graph.add_edge(START, "recall")
    graph.add_edge("recall", "read")
    graph.add_edge("read", "plan")
    graph.add_conditional_edges("plan", after_plan, {"act": "act", "respond": "respond"})
    graph.add_edge("act", "plan")
    graph.add_edge("respond", "remember")
    graph.add_edge("remember", END)
    return graph.compile(checkpointer=checkpointer)


CATALOG_TOOLS = frozenset({"recommend", "search_catalog", "record_interaction"})


def _available_tools(deps: AgentDeps) -> list[str]:
    """Every registered tool, less the catalog ones while no catalog is loaded."""
    has_catalog = deps.recommender is not None and deps.recommender.catalog.count() > 0
    return [name for name in TOOLS if has_catalog or name not in CATALOG_TOOLS]


def _turn_messages(deps: AgentDeps, state: AgentState) -> list[Message]:
    """What the model sees for this turn: system text with the user's data, recent history, the message."""
    return respond_messages(
        message=state["message"],
        history=state.get("history", [])[-deps.history_messages :],
        recalled=[Memory.model_validate(m) for m in state.get("recalled", [])],
        profile=state.get("profile", ""),
        tool_log=state.get("tool_log", []),
    )


def _reading(state: AgentState) -> Reading:
    return Reading.model_validate(state["reading"])


def _model_plan(deps: AgentDeps, state: AgentState) -> list[ToolCall]:
    schemas = [TOOLS[name].schema() for name in _available_tools(deps)]
    _, calls = deps.model.complete_with_tools(_turn_messages(deps, state), schemas)  # type: ignore[attr-defined]
    return calls


def _plain(value: Any) -> Any:
    """Tool results are checkpointed: keep them JSON-shaped."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
