"""``rapport chat`` as a person uses it: typed into a real terminal (tmux), across two runs of the program."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid

import pytest

TMUX = shutil.which("tmux")


class Terminal:
    def __init__(self, command: str, env: dict[str, str]) -> None:
        assert TMUX, "tmux is missing: it ships with this machine image (apt-get install tmux)"
        self.name = f"rapport-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        subprocess.run(
            [TMUX, "new-session", "-d", "-s", self.name, "-x", "200", "-y", "60", f"env {exports} {command}"],
            check=True,
        )

    def screen(self) -> str:
        result = subprocess.run([TMUX, "capture-pane", "-p", "-J", "-S", "-200", "-t", self.name], capture_output=True)
        return result.stdout.decode("utf-8", "replace")

    def type(self, text: str) -> None:
        subprocess.run([TMUX, "send-keys", "-t", self.name, "-l", text], check=True)
        subprocess.run([TMUX, "send-keys", "-t", self.name, "Enter"], check=True)

    def wait_for(self, predicate, timeout: float = 240) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            if not self.alive():
                return screen
            time.sleep(0.5)
        raise AssertionError(f"timed out; the screen shows:\n{self.screen()}")

    def alive(self) -> bool:
        return subprocess.run([TMUX, "has-session", "-t", self.name], capture_output=True).returncode == 0

    def close(self) -> None:
        if self.alive():
            subprocess.run([TMUX, "kill-session", "-t", self.name], capture_output=True)


def prompts(screen: str) -> int:
    return screen.count("you>")


@pytest.mark.slow
def test_chat_remembers_across_two_runs(tmp_path) -> None:
    env = {"RAPPORT_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1", "PATH": os.environ["PATH"]}
    first = Terminal("rapport chat --user alice", env)
    try:
        first.wait_for(lambda s: prompts(s) >= 1)
        first.type("My sister Anna lives in Lisbon.")
        screen = first.wait_for(lambda s: prompts(s) >= 2)
        assert "rapport>" in screen
        first.type("/exit")
        first.wait_for(lambda s: "saving memories" in s and not first.alive(), timeout=60)
    finally:
        first.close()

    second = Terminal("rapport chat --user alice --thread later", env)
    try:
        second.wait_for(lambda s: prompts(s) >= 1)
        second.type("Where does my sister live?")
        screen = second.wait_for(lambda s: prompts(s) >= 2)
        recalled = [line for line in screen.splitlines() if "recalled:" in line]
        assert recalled and "My sister Anna lives in Lisbon" in recalled[0], screen
        assert "rapport>" in screen
        second.type("/memories")
        screen = second.wait_for(lambda s: prompts(s) >= 3)
        assert "[fact] My sister Anna lives in Lisbon" in screen
        second.type("/exit")
        second.wait_for(lambda s: not second.alive(), timeout=60)
    finally:
        second.close()

    other = Terminal("rapport chat --user bob", env)
    try:
        other.wait_for(lambda s: prompts(s) >= 1)
        other.type("Where does my sister live?")
        screen = other.wait_for(lambda s: prompts(s) >= 2)
        assert "Lisbon" not in screen.split("Where does my sister live?")[1].split("rapport>")[0]
        other.type("/exit")
    finally:
        other.close()
