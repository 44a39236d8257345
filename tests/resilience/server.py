"""A real Consortium server in a subprocess (uvicorn via `consortium serve`), for tests that a single in-process
ASGI client cannot make honest: many sockets at once, and a process killed with SIGKILL."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.factories import PASSWORD, future

BIN = Path(sys.executable).parent
CONSORTIUM = str(BIN / "consortium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSORTIUM_")}
    env |= {
        "DATABASE_URL": database_url,
        "CONSORTIUM_PORT": str(port),
        "CONSORTIUM_ENV": "test",
        "CONSORTIUM_BASE_URL": f"http://127.0.0.1:{port}",
        # One process that serves and works, on PostgreSQL too (where production runs `consortium worker` beside).
        "CONSORTIUM_JOBS_IN_WEB": "yes",
        "CONSORTIUM_MAIL_DIR": os.environ.get("CONSORTIUM_MAIL_DIR", tempfile.mkdtemp(prefix="consortium-mail-")),
        "PICCOLO_CONF": "consortium.piccolo_conf",
    }
    return env


def run_cli(database_url: str, *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [CONSORTIUM, *args],
        input=stdin,
        env=server_env(database_url, 0),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@dataclass
class Server:
    database_url: str
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [CONSORTIUM, "serve"],
                env=server_env(self.database_url, self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"The server exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"The server did not come up:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no rollback, no flush - as a power cut would leave it."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


async def bearer_for(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """Sign in (session cookie + CSRF header) and create an API token, as a script would."""
    signed = await client.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    made = await client.post(
        "/api/v1/auth/tokens", json={"name": "resilience"}, headers={"X-CSRF-Token": signed.json()["csrf_token"]}
    )
    assert made.status_code in (200, 201), made.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {made.json()['token']}"}


async def bid_with_member(client: httpx.AsyncClient, convenor_email: str) -> dict[str, Any]:
    """Over HTTP only: the convenor's token, an open bid, and a member (own user, organisation and token)."""
    convenor = await bearer_for(client, convenor_email)
    me = (await client.get("/api/v1/auth/me", headers=convenor)).json()
    network_id = me["convenor_of_networks"][0]
    body = {
        "network_id": network_id,
        "title": "Community Match Fund 2026",
        "funder_name": "Department for Communities",
        "programme": "Community Match Challenge",
        "deadline": future(),
        "match_funder_part": 1,
        "match_consortium_part": 1,
        "rules": [],
    }
    bid = (await client.post("/api/v1/bids", json=body, headers=convenor)).json()
    opened = await client.post(f"/api/v1/bids/{bid['id']}/open", headers=convenor)
    assert opened.status_code == 200, opened.text
    member_email = "member@example.org"
    invited = await client.post(
        f"/api/v1/bids/{bid['id']}/invitations", json={"emails": [member_email]}, headers=convenor
    )
    assert invited.status_code == 201, invited.text
    token = urlparse(invited.json()["invitations"][0]["accept_url"]).path.rsplit("/", 1)[-1]
    accepted = await client.post(
        f"/api/v1/invitations/{token}/accept",
        json={
            "name": "Morgan Member",
            "password": PASSWORD,
            "organisation": {"name": "Ashbrook Homes", "org_type": "housing_association", "homes": 1000},
        },
    )
    assert accepted.status_code == 201, accepted.text
    client.cookies.clear()
    member = await bearer_for(client, member_email)
    return {
        "bid_id": bid["id"],
        "convenor": convenor,
        "member": member,
        "organisation_id": accepted.json()["organisation_id"],
    }


def prepare_sqlite(directory: Path, convenor_email: str = "convenor@example.org") -> str:
    return prepare(f"sqlite:///{directory / 'server.sqlite3'}", convenor_email)


POSTGRES_URL = os.environ.get("CONSORTIUM_TEST_DATABASE_URL", "")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own on the test PostgreSQL server, for a server subprocess (the tests' own database is
    emptied under them by the `db` fixture). Skips unless the run is on PostgreSQL."""
    if not POSTGRES_URL:
        pytest.skip("runs in the PostgreSQL pass (CONSORTIUM_TEST_DATABASE_URL)")
    name = f"consortium_resilience_{os.getpid()}_{next(_databases)}"
    psql = [str(shutil.which("psql") or "psql"), POSTGRES_URL, "-v", "ON_ERROR_STOP=1", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False, capture_output=True)


_databases = itertools.count(1)


def prepare(url: str, convenor_email: str = "convenor@example.org") -> str:
    """Migrate the database and create the network and its convenor, with the command line as an operator would."""
    run_cli(url, "migrate")
    run_cli(
        url,
        "create-network",
        "--name",
        "Resilience Network",
        "--convenor-email",
        convenor_email,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return url
