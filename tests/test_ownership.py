"""One owner per data dir: a second process is refused with the owner's PID, or goes through its server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from agent import Assistant, Settings
from evals.bench.server_process import ServerProcess
from memory import MemoryStore
from memory.errors import DataDirInUseError
from memory.ownership import SERVER_FILE, claim, current_owner
from tests.recsys_data import write_movielens
from tests.scripted_model import ScriptedModel
from tools.catalog import Catalog

REPO = Path(__file__).resolve().parents[1]
HOLD = (
    "import sys, time; from memory.ownership import claim; "
    "claim(sys.argv[1]); print('held', flush=True); time.sleep(90)"
)


ACKNOWLEDGED = ["My brother Tom is a firefighter in Ohio", "I have two cats named Miso and Tofu", "I work night shifts"]


def hold(data_dir: Path) -> subprocess.Popen:
    """Another process that owns ``data_dir`` (as a `rapport chat` would) until it is killed."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(data_dir)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def rapport(data_dir: Path, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAPPORT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    env.pop("RAPPORT_CHROMA_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *argv], capture_output=True, text=True, env=env, cwd=REPO, input=stdin
    )


def test_a_second_process_is_refused_with_the_owners_pid_and_the_ways_out(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    holder = hold(data)
    try:
        for opener in (
            lambda: MemoryStore(path=data / "chroma", embedder=embedder),
            lambda: Catalog(path=data / "chroma", embedder=embedder),
            lambda: Assistant.open(Settings(data_dir=data), chat_model=ScriptedModel()),
        ):
            with pytest.raises(DataDirInUseError) as refused:
                opener()
            assert refused.value.pid == holder.pid
            message = str(refused.value)
            assert f"process {holder.pid}" in message and f"kill {holder.pid}" in message
            assert "RAPPORT_CHROMA_URL" in message and str(data.resolve()) in message
        assert current_owner(data).pid == holder.pid
    finally:
        holder.kill()
        holder.wait()
    store = MemoryStore(path=data / "chroma", embedder=embedder)  # the OS let go of the dead owner's lock
    store.add("alice", "I keep bees on my balcony")
    store.close()


def test_one_process_shares_its_claim_and_gives_it_up_when_the_last_opener_closes(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    store = MemoryStore(path=data / "chroma", embedder=embedder)
    catalog = Catalog(path=data / "chroma", embedder=embedder)
    assistant = Assistant.open(Settings(data_dir=data), chat_model=ScriptedModel(), store=store)
    probe = [sys.executable, "-c", "import sys; from memory.ownership import claim; claim(sys.argv[1]); print('mine')"]
    refused = subprocess.run([*probe, str(data)], capture_output=True, text=True, cwd=REPO)
    assert refused.returncode != 0 and "DataDirInUseError" in refused.stderr and str(os.getpid()) in refused.stderr
    assistant.close()  # closes the store too
    assert subprocess.run([*probe, str(data)], capture_output=True, text=True, cwd=REPO).returncode != 0
    catalog.close()  # the last opener in this process
    assert subprocess.run([*probe, str(data)], capture_output=True, text=True, cwd=REPO).stdout.strip() == "mine"
    again = claim(data)  # and this process can take it back
    again.release()


def test_the_cli_stops_with_one_clear_line_when_another_process_owns_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = hold(data)
    try:
        for argv in (
            ["memory", "add", "--user", "zoe", "My brother Tom is a firefighter in Ohio"],
            ["memory", "list", "--user", "zoe"],
            ["backup", "--out", str(tmp_path / "b.backup")],
            ["catalog", "search", "space films"],
        ):
            result = rapport(data, *argv)
            assert result.returncode == 2, (argv, result.stderr)
            assert result.stderr.startswith("error: the data dir") and str(holder.pid) in result.stderr
            assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_commands_go_through_the_server_that_owns_the_data_dir(tmp_path: Path) -> None:
    """Also the issue's report: three memories POSTed and acknowledged are all on disk after the server stops."""
    data = tmp_path / "data"
    loaded = rapport(data, "catalog", "load", str(write_movielens(tmp_path / "movies")))
    assert loaded.returncode == 0, loaded.stderr
    with ServerProcess(data) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert json.loads((data / SERVER_FILE).read_text())["url"] == server.url
        added = rapport(data, "memory", "add", "--user", "zoe", "My brother Tom is a firefighter in Ohio", "--json")
        assert added.returncode == 0, added.stderr
        memory_id = json.loads(added.stdout)["id"]
        seen = http.get("/v1/users/zoe/memories", params={"query": "brother"}).json()["data"]
        assert [m["text"] for m in seen] == ["My brother Tom is a firefighter in Ohio"]  # the server has it

        found = rapport(data, "memory", "search", "--user", "zoe", "what does my brother do", "--json")
        assert json.loads(found.stdout)[0]["memory"]["id"] == memory_id
        rapport(data, "memory", "add", "--user", "zoe", "I love science fiction films", "--kind", "preference")
        picked = rapport(data, "recommend", "--user", "zoe", "--k", "3", "--json")
        assert picked.returncode == 0, picked.stderr
        served = http.post("/v1/users/zoe/recommendations", json={"k": 3}).json()["data"]
        assert [p["item"]["id"] for p in json.loads(picked.stdout)] == [p["item"]["id"] for p in served]
        assert all("Sci-Fi" in p["item"]["genres"] for p in served)  # the stated taste, through the server
        stranger = rapport(data, "recommend", "--user", "nobody")
        assert stranger.returncode == 2 and "--new-user" in stranger.stderr
        assert rapport(data, "recommend", "--user", "nobody", "--new-user", "--k", "2").returncode == 0
        rapport(data, "memory", "add", "--user", "zoe", "I love hiking", "--kind", "preference")
        listed = json.loads(rapport(data, "memory", "list", "--user", "zoe", "--kind", "preference", "--json").stdout)
        assert [m["text"] for m in listed] == ["I love hiking", "I love science fiction films"]
        dump = tmp_path / "zoe.jsonl"
        assert rapport(data, "memory", "export", "--user", "zoe", "--out", str(dump)).returncode == 0
        assert len(dump.read_text().splitlines()) == 3
        assert json.loads(rapport(data, "memory", "forget", "--user", "zoe", "--yes", "--json").stdout) == {
            "forgotten": 3
        }
        assert json.loads(rapport(data, "memory", "import", "--user", "zoe", str(dump), "--json").stdout) == {
            "imported": 3
        }
        assert rapport(data, "memory", "export", "--user", "zoe").stdout == dump.read_text()
        deleted = rapport(data, "memory", "delete", "--user", "zoe", memory_id[:8])
        assert deleted.returncode == 0 and memory_id in deleted.stdout
        missing = rapport(data, "memory", "delete", "--user", "zoe", "nope")
        assert missing.returncode == 2 and "nope" in missing.stderr and "Traceback" not in missing.stderr

        talk = rapport(data, "chat", "--user", "zoe", "--thread", "cli", stdin="I play the cello on Sundays.\n")
        assert talk.returncode == 0, talk.stderr
        assert "rapport> " in talk.stdout

        refused = rapport(data, "catalog", "search", "space films")  # no HTTP route: a clear refusal instead
        assert refused.returncode == 2 and str(server.pid) in refused.stderr and server.url in refused.stderr
        for text in ACKNOWLEDGED:  # acknowledged with 201: all of them must be on disk once it stops
            assert http.post("/v1/users/yan/memories", json={"text": text}).status_code == 201
        assert server.stop() == 0
    assert not (data / SERVER_FILE).exists()
    with Assistant.open(Settings(data_dir=data), chat_model=ScriptedModel()) as assistant:
        history = assistant.history("zoe", thread_id="cli")  # the CLI's turn went into the server's thread
        assert [turn["content"] for turn in history if turn["role"] == "user"] == ["I play the cello on Sundays."]
        assert f"rapport> {history[1]['content']}" in talk.stdout  # the reply the CLI streamed is the server's
        assert "I play the cello on Sundays." in [m.text for m in assistant.store.list("zoe")]
        assert sorted(m.text for m in assistant.store.list("yan", include_superseded=True)) == sorted(ACKNOWLEDGED)


@pytest.mark.slow
def test_a_killed_servers_leftover_file_does_not_misdirect_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ServerProcess(data) as server:
        memory = {"text": "I live in Lisbon"}
        assert httpx.post(f"{server.url}/v1/users/zoe/memories", json=memory, timeout=120).status_code == 201
        server.kill()
    assert (data / SERVER_FILE).exists()  # nobody removed it: the process died
    listed = rapport(data, "memory", "list", "--user", "zoe", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [m["text"] for m in json.loads(listed.stdout)] == ["I live in Lisbon"]
