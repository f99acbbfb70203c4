"""A real ``rapport serve`` in a child process on a free loopback port: start, wait until it answers, stop.

Used by ``rapport bench serve`` and by the fault tests, which also kill it (SIGKILL) on purpose.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Literal

import httpx

ModelChoice = Literal["scripted", "embedded"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """One server over ``data_dir``; its output goes to a log file (read it with ``log``)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        model: ModelChoice = "scripted",
        token_delay_s: float = 0.0,
        tools: bool = False,
        start_timeout_s: float = 180.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if model == "scripted":
            command = [sys.executable, "-m", "evals.bench.serve_worker", "--port", str(self.port)]
            command += ["--token-delay", str(token_delay_s)] + (["--tools"] if tools else [])
        else:
            command = [sys.executable, "-m", "agent.cli", "serve", "--port", str(self.port)]
        own = ("RAPPORT_CHROMA_URL", "RAPPORT_API_KEY", "RAPPORT_ADMIN_KEY", "RAPPORT_DATABASE_URL")  # only via env=
        inherited = {k: v for k, v in os.environ.items() if k not in own}
        env = {**inherited, "RAPPORT_DATA_DIR": str(self.data_dir), "HF_HUB_OFFLINE": "1", **(env or {})}
        self._log = tempfile.NamedTemporaryFile(prefix="rapport-serve-", suffix=".log", delete=False)  # noqa: SIM115
        repo = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=repo)
        self._wait_ready(start_timeout_s)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def stop(self, timeout_s: float = 120.0) -> int:
        """Ask it to shut down (SIGINT, like Ctrl-C): it drains its outbox first. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"rapport serve did not stop within {timeout_s} s:\n{self.log()[-3000:]}") from None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or a power cut of the process."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code in (204, 401):  # 401: up, with a key
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"rapport serve did not start:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.kill()
        Path(self._log.name).unlink(missing_ok=True)
