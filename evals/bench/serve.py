"""Load on a real ``rapport serve``: concurrent loopback clients, then a check that no memory was lost.

Phases, against one server process over a fresh data dir:
0. warm-up: one turn that loads the embedding model (and the chat model), not timed;
1. baseline: one client, alone, ``turns`` turns (the numbers the concurrent run is compared with);
2. load: ``clients`` clients at once, each its own user, ``turns`` turns each (streamed and not, in
   turn), plus two clients that share one user and one thread;
3. the server is stopped (SIGINT: it drains its outbox), and the data dir is opened to compare every
   user's memories with what was said to the server: lost, duplicated, and found in the wrong user.
Every message states one new first-person fact, so each turn should add exactly one memory.

Run: ``rapport bench serve`` (embedded model) or ``python -m evals.bench.serve --model scripted``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from evals.bench.memory import percentiles
from evals.bench.server_process import ModelChoice, ServerProcess

SHARED_USER, SHARED_THREAD = "shared-user", "together"
NAMES = ["Anna", "Tomas", "Priya", "Kenji", "Lucia", "Omar", "Ingrid", "Mateo", "Zainab", "Oskar", "Mei", "Dario"]
CITIES = ["Lisbon", "Osaka", "Quito", "Tallinn", "Accra", "Hobart", "Bergen", "Cusco", "Tbilisi", "Halifax"]
TEMPLATES = [  # each names someone only this user knows ({name} carries the user's number)
    "My sister {name} lives in {city}.",
    "I have a parrot called {name}.",
    "My friend {name} loves playing {game}.",
    "My colleague {name} works as a {job} near {city}.",
    "My teacher {name} plays the {instrument}.",
    "My cousin {name} builds {thing} for a living.",
    "My aunt {name} has {count} tomato plants.",
    "My uncle {name} drives a {color} hatchback.",
    "My brother {name} runs the {city} half marathon every spring.",
    "My grandmother {name} is from {city}.",
    "My friend {name} is allergic to {allergen}.",
    "My neighbour {name} has a workshop full of {thing}.",
]
FILL = {
    "game": ["Carcassonne", "Azul", "Go", "Catan", "Hanabi", "Dixit"],
    "job": ["nurse", "welder", "librarian", "pilot", "cartographer", "baker"],
    "instrument": ["cello", "oud", "banjo", "harp", "trombone", "sitar"],
    "thing": ["canoes", "clocks", "violins", "bicycles", "looms", "kites"],
    "color": ["teal", "mustard", "crimson", "silver", "olive", "maroon"],
    "allergen": ["hazelnuts", "shellfish", "kiwi", "sesame", "penicillin", "latex"],
}


def statement(user_index: int, turn: int) -> str:
    """A fact that only this user states, on this turn; different turns use different templates."""
    template = TEMPLATES[turn % len(TEMPLATES)]
    pick = user_index * 7 + turn * 3
    values = {"name": f"{NAMES[pick % len(NAMES)]}{user_index}", "city": CITIES[(pick + turn) % len(CITIES)]}
    values["count"] = str(3 + user_index % 20)
    for key, options in FILL.items():
        values[key] = options[(user_index + turn) % len(options)]
    return template.format(**values)


@dataclass
class Client:
    user_id: str
    thread_id: str | None
    user_index: int
    turns: list[int]
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)


def talk(url: str, client: Client, progress: Any = None) -> None:
    headers = {"X-Rapport-Thread": client.thread_id} if client.thread_id else {}
    with httpx.Client(base_url=url, timeout=600) as http:
        for turn in client.turns:
            fact = statement(client.user_index, turn)
            message = f"{fact} Could you remember that for me?"
            body = {"model": "rapport", "user": client.user_id, "messages": [{"role": "user", "content": message}]}
            streamed = turn % 2 == 1
            start = time.perf_counter()
            try:
                problem = _stream(http, body, headers) if streamed else _complete(http, body, headers)
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            client.latencies_s.append(time.perf_counter() - start)
            if problem:
                client.errors.append(problem)
            else:
                client.said.append(message)
            if progress is not None:
                progress.update(1)


def _complete(http: httpx.Client, body: dict[str, Any], headers: dict[str, str]) -> str | None:
    response = http.post("/v1/chat/completions", json=body, headers=headers)
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    return None if response.json()["choices"][0]["message"]["content"] else "empty reply"


def _stream(http: httpx.Client, body: dict[str, Any], headers: dict[str, str]) -> str | None:
    text, finished = [], False
    with http.stream("POST", "/v1/chat/completions", json={**body, "stream": True}, headers=headers) as response:
        if response.status_code != 200:
            return f"HTTP {response.status_code}: {response.read()[:200]!r}"
        for line in response.iter_lines():
            if line == "data: [DONE]":
                finished = True
            elif line.startswith("data: "):
                chunk = json.loads(line[6:])
                if "error" in chunk:
                    return f"stream error: {chunk['error'].get('message')}"
                text.append(chunk["choices"][0]["delta"].get("content") or "")
    return None if finished and "".join(text) else "stream ended without a reply"


def run_clients(url: str, clients: list[Client], desc: str) -> float:
    """Run every client at once; returns the wall time."""
    with tqdm(total=sum(len(c.turns) for c in clients), desc=desc, unit="req") as progress:
        threads = [threading.Thread(target=talk, args=(url, c, progress)) for c in clients]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return time.perf_counter() - start


def _wait_for_outbox(url: str, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{url}/v1/outbox", timeout=30).json()["pending"] and time.monotonic() < deadline:
        time.sleep(0.2)


def phase_numbers(clients: list[Client], wall_s: float) -> dict[str, Any]:
    latencies = [s for c in clients for s in c.latencies_s]
    return {
        "clients": len(clients),
        "requests": len(latencies),
        "errors": sum(len(c.errors) for c in clients),
        "requests_per_s": round(len(latencies) / wall_s, 2),
        **percentiles(latencies),
        "wall_s": round(wall_s, 2),
    }


def check_memories(data_dir: Path, clients: list[Client]) -> dict[str, Any]:
    """Every user's stored memories against what that user said: lost, duplicated, wrong user, unexpected."""
    from agent import Assistant, Settings
    from agent.outbox import OUTBOX_FILE, Outbox
    from memory import MemoryStore
    from memory.embedder import Embedder
    from memory.extraction import statements

    embedder = Embedder()
    expected: dict[str, list[str]] = defaultdict(list)
    for client in clients:
        for message in client.said:
            facts = [candidate.text for candidate in statements(embedder, message)]
            if len(facts) != 1:
                raise RuntimeError(f"the benchmark message {message!r} states {len(facts)} facts, not one")
            expected[client.user_id].append(facts[0])
    owner = {text: user for user, texts in expected.items() for text in texts}
    outbox = Outbox(data_dir / OUTBOX_FILE)
    left_pending = outbox.counts()["pending"]  # read before anything could replay it
    outbox.close()
    store = MemoryStore(path=data_dir / "chroma", embedder=embedder)
    counts = Counter()
    per_user = {}
    try:
        for user_id in sorted(set(store.users()) | set(expected)):
            stored = Counter(m.text for m in store.list(user_id, include_superseded=True, limit=10**9))
            lost = [text for text in expected[user_id] if stored[text] == 0]
            duplicated = sum(n - 1 for n in stored.values() if n > 1)
            wrong = [text for text in stored if owner.get(text, user_id) != user_id]
            unexpected = [text for text in stored if text not in owner]
            counts.update(lost=len(lost), duplicated=duplicated, wrong_user=len(wrong), unexpected=len(unexpected))
            per_user[user_id] = {"said": len(expected[user_id]), "stored": sum(stored.values()), "lost": lost}
    finally:
        store.close()
    shared_turns = sum(len(c.said) for c in clients if c.user_id == SHARED_USER)
    with Assistant.open(Settings(data_dir=data_dir)) as assistant:
        history = assistant.history(SHARED_USER, thread_id=SHARED_THREAD)
    shared_said = sorted(m for c in clients if c.user_id == SHARED_USER for m in c.said)
    heard = sorted(turn["content"] for turn in history if turn["role"] == "user")
    return {
        "users": len(per_user),
        "outbox_pending_after_shutdown": left_pending,
        "memories_expected": sum(len(v) for v in expected.values()),
        "memories_stored": sum(u["stored"] for u in per_user.values()),
        **{key: counts[key] for key in ("lost", "duplicated", "wrong_user", "unexpected")},
        "shared_thread_turns": len(history) // 2,
        "shared_thread_expected": shared_turns,
        "shared_thread_intact": heard == shared_said and len(history) == 2 * shared_turns,
        "per_user": per_user,
    }


def run(clients: int = 16, turns: int = 4, model: ModelChoice = "embedded", data_dir: Path | None = None) -> dict:
    if clients < 1 or turns < 1:
        raise ValueError("clients and turns must be at least 1")
    with tempfile.TemporaryDirectory(prefix="rapport-bench-serve-") as tmp:
        folder = Path(data_dir or tmp)
        start = time.perf_counter()
        with ServerProcess(folder, model=model) as server:
            started_s = time.perf_counter() - start
            warmup = [Client("warmup-user", None, 998, [0])]  # loads the embedder (and the model): not timed
            run_clients(server.url, warmup, "warm-up")
            _wait_for_outbox(server.url)
            baseline = [Client("baseline-user", None, 999, list(range(turns)))]
            baseline_wall = run_clients(server.url, baseline, "baseline, 1 client")
            load = [Client(f"user-{i:02d}", None, i, list(range(turns))) for i in range(clients)]
            load += [
                Client(SHARED_USER, SHARED_THREAD, 500, list(range(0, 2 * turns, 2))),
                Client(SHARED_USER, SHARED_THREAD, 500, list(range(1, 2 * turns, 2))),
            ]
            load_wall = run_clients(server.url, load, f"load, {len(load)} clients")
            stop_start = time.perf_counter()
            exit_code = server.stop()
            drain_s = time.perf_counter() - stop_start
        integrity = check_memories(folder, warmup + baseline + load)
    report = {
        "model": model,
        "server_start_s": round(started_s, 2),
        "baseline": phase_numbers(baseline, baseline_wall),
        "load": phase_numbers(load, load_wall),
        "shutdown_drain_s": round(drain_s, 2),
        "server_exit_code": exit_code,
        "integrity": integrity,
        "errors_seen": [e for c in warmup + baseline + load for e in c.errors][:5],
    }
    base, busy = report["baseline"], report["load"]
    report["throughput_vs_baseline"] = round(busy["requests_per_s"] / max(base["requests_per_s"], 1e-9), 2)
    report["p50_vs_baseline"] = round(busy["p50_ms"] / max(base["p50_ms"], 1e-9), 2)
    print_report(report)
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"\nrapport serve under load ({report['model']} model), loopback")
    print("| phase | clients | requests | errors | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|")
    for name in ("baseline", "load"):
        row = report[name]
        print(
            f"| {name} | {row['clients']} | {row['requests']} | {row['errors']} | {row['requests_per_s']} "
            f"| {row['p50_ms']} | {row['p99_ms']} |"
        )
    print(f"throughput x{report['throughput_vs_baseline']} of one client alone; p50 x{report['p50_vs_baseline']}")
    check = report["integrity"]
    print("\n| memories said | stored | lost | duplicated | wrong user | unexpected | shared thread |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    shared = f"{check['shared_thread_turns']}/{check['shared_thread_expected']} turns"
    shared += ", intact" if check["shared_thread_intact"] else ", NOT intact"
    print(
        f"| {check['memories_expected']} | {check['memories_stored']} | {check['lost']} | {check['duplicated']} "
        f"| {check['wrong_user']} | {check['unexpected']} | {shared} |"
    )
    print(f"shutdown with the outbox drained: {report['shutdown_drain_s']} s, exit code {report['server_exit_code']}")
    print(json.dumps({k: v for k, v in report.items() if k != "integrity"} | {"integrity": _brief(check)}))


def _brief(check: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in check.items() if k != "per_user"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--model", choices=["embedded", "scripted"], default="embedded")
    args = parser.parse_args()
    run(clients=args.clients, turns=args.turns, model=args.model)


if __name__ == "__main__":
    main()

