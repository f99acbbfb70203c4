"""The ``rapport memory`` commands, run in-process against a tmp data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agent.cli import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RAPPORT_CHROMA_URL", raising=False)
    return tmp_path / "data"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_search_list_export_import_forget(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "memory", "add", "--user", "alice", "My sister lives in Lisbon", "--json")
    assert code == 0 and json.loads(out)["text"] == "My sister lives in Lisbon"
    run(capsys, "memory", "add", "--user", "alice", "I love [bold]hiking[/bold]", "--kind", "preference")

    code, out, _ = run(capsys, "memory", "search", "--user", "alice", "where does my sister live", "--json")
    hits = json.loads(out)
    assert code == 0 and hits[0]["memory"]["text"] == "My sister lives in Lisbon"

    code, out, _ = run(capsys, "memory", "search", "--user", "alice", "hiking")
    assert code == 0 and "[bold]hiking[/bold]" in out  # user text is shown, never interpreted as markup

    code, out, _ = run(capsys, "memory", "list", "--user", "alice", "--kind", "preference", "--json")
    assert [m["text"] for m in json.loads(out)] == ["I love [bold]hiking[/bold]"]

    dump = tmp_path / "alice.jsonl"
    assert run(capsys, "memory", "export", "--user", "alice", "--out", str(dump))[0] == 0
    assert len(dump.read_text().splitlines()) == 2

    code, _, err = run(capsys, "memory", "forget", "--user", "alice")
    assert code == 2 and "--yes" in err
    code, out, _ = run(capsys, "memory", "forget", "--user", "alice", "--yes", "--json")
    assert json.loads(out) == {"forgotten": 2}

    code, out, _ = run(capsys, "memory", "import", "--user", "alice", str(dump), "--json")
    assert json.loads(out) == {"imported": 2}
    code, out, _ = run(capsys, "memory", "export", "--user", "alice")
    assert out == dump.read_text()


def test_delete_accepts_the_short_id_from_tables(capsys) -> None:
    _, out, _ = run(capsys, "memory", "add", "--user", "bob", "I play chess", "--json")
    memory_id = json.loads(out)["id"]
    code, out, _ = run(capsys, "memory", "delete", "--user", "bob", memory_id[:8])
    assert code == 0 and memory_id in out
    assert json.loads(run(capsys, "memory", "list", "--user", "bob", "--json")[1]) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["memory", "add", "--user", "", "hi"], "user_id: is empty"),
        (["memory", "add", "--user", "alice", "   "], "text: is empty"),
        (["memory", "search", "--user", "alice", "x", "--k", "0"], "k: must be an integer >= 1"),
        (["memory", "delete", "--user", "alice", "nope"], "memory_id: no record 'nope'"),
        (["memory", "import", "--user", "alice", "/does/not/exist.jsonl"], "path: cannot read"),
    ],
)
def test_bad_input_prints_one_line_without_traceback(capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_console_script_runs_without_a_traceback(data_dir) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "memory", "list", "--user", "nobody"],
        capture_output=True,
        text=True,
        env={**os.environ, "RAPPORT_DATA_DIR": str(data_dir)},
    )
    assert result.returncode == 0 and "no memories" in result.stdout
