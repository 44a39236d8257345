"""A real Consortium server for the browser tests: a fresh SQLite file, migrated, with a network and its convenor
made by the command line, served by uvicorn (``consortium serve``) on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CONVENOR_EMAIL = "convenor@example.org"
CONVENOR_PASSWORD = "convenor password 2026"
NETWORK_NAME = "Northern Homes Network"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Server:
    base_url: str
    database_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSORTIUM_") and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url,
        PICCOLO_CONF="consortium.piccolo_conf",
        CONSORTIUM_ENV="test",
        CONSORTIUM_HOST="127.0.0.1",
        CONSORTIUM_PORT=str(port),
        CONSORTIUM_BASE_URL=f"http://127.0.0.1:{port}",
    )
    return env


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> None:
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log_path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server stopped while starting:\n{log_path.read_text(errors='replace')}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(f"{base_url}/health", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"The server did not answer within {seconds} s:\n{log_path.read_text(errors='replace')}")


@contextlib.contextmanager
def running_server(workdir: Path) -> Iterator[Server]:
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{workdir / 'browser.sqlite3'}"
    port = free_port()
    env = _environment(database_url, port)
    _run([str(BIN / "consortium"), "migrate"], env)
    _run(
        [
            str(BIN / "consortium"),
            "create-network",
            "--name",
            NETWORK_NAME,
            "--convenor-email",
            CONVENOR_EMAIL,
            "--convenor-name",
            "Jo Convenor",
            "--password-stdin",
        ],
        env,
        stdin=CONVENOR_PASSWORD + "\n",
    )
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "consortium"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process, log_path)
        yield Server(base_url=base_url, database_url=database_url, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
