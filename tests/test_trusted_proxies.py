"""X-Forwarded-For is believed only from configured proxies. uvicorn on its own trusts it from any local client, so
anyone on the host (or behind a proxy that passes the header through) could give every failed sign-in a new
address and never meet the per-address limit. The real server (``consortium serve`` in a subprocess) is asked."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from consortium.cli import uvicorn_options
from consortium.settings import Settings
from tests.resilience.server import CONSORTIUM, free_port, server_env

ATTEMPTS = 3


def test_no_proxy_is_trusted_unless_configured() -> None:
    assert Settings.from_env({}).trusted_proxies == ()
    assert uvicorn_options(Settings()) | {"host": "-", "port": 0} == {
        "host": "-",
        "port": 0,
        "log_level": "info",
        "proxy_headers": False,
        "forwarded_allow_ips": None,
    }
    configured = Settings.from_env({"CONSORTIUM_TRUSTED_PROXIES": " 10.0.0.5, 192.168.0.0/16 ,"})
    assert configured.trusted_proxies == ("10.0.0.5", "192.168.0.0/16")
    options = uvicorn_options(configured)
    assert options["proxy_headers"] is True and options["forwarded_allow_ips"] == ["10.0.0.5", "192.168.0.0/16"]


def _serve(tmp_path: Path, name: str, **extra: str) -> Iterator[str]:
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / (name + '.sqlite3')}", port) | {
        "CONSORTIUM_SIGN_IN_ATTEMPTS": str(ATTEMPTS),
        **extra,
    }
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen([CONSORTIUM, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _failed_sign_ins_from_forged_addresses(base: str) -> list[int]:
    """Wrong passwords for different accounts, each claiming another client address; the per-account limit never
    applies, so only the per-address limit can stop them."""
    statuses = []
    with httpx.Client(base_url=base) as http:
        for n in range(ATTEMPTS + 2):
            answer = http.post(
                "/api/v1/auth/sign-in",
                json={"email": f"nobody{n}@example.org", "password": "wrong password here"},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            )
            statuses.append(answer.status_code)
    return statuses


@pytest.fixture
def untrusting_server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path, "untrusting")


@pytest.fixture
def trusting_server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path, "trusting", CONSORTIUM_TRUSTED_PROXIES="127.0.0.1")


def test_a_forged_forwarded_address_does_not_escape_the_sign_in_limit(untrusting_server: str) -> None:
    statuses = _failed_sign_ins_from_forged_addresses(untrusting_server)
    assert statuses == [401] * ATTEMPTS + [429, 429], statuses


def test_a_configured_proxy_s_forwarded_address_is_the_one_counted(trusting_server: str) -> None:
    """The same requests through a trusted proxy (here: ourselves, on 127.0.0.1) are different clients each."""
    statuses = _failed_sign_ins_from_forged_addresses(trusting_server)
    assert statuses == [401] * (ATTEMPTS + 2), statuses
