"""The command line, run as a real subprocess against its own SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from consortium.cli import serve_settings
from consortium.settings import Settings
from tests.resilience.server import CONSORTIUM, free_port, server_env


def _run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "PICCOLO_CONF": "consortium.piccolo_conf",
    }
    return subprocess.run(
        [sys.executable, "-m", "consortium", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_create_network_then_demo_then_figures(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    made = _run(
        tmp_path,
        "create-network",
        "--name",
        "Northern Network",
        "--convenor-email",
        "jo@example.org",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert made.returncode == 0, made.stderr
    assert "Created network 1" in made.stdout
    short = _run(
        tmp_path, "create-user", "--email", "x@example.org", "--name", "X", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    skipped = _run(tmp_path, "demo")
    assert "already has a network" in skipped.stdout
    loaded = _run(tmp_path, "demo", "--force")
    assert loaded.returncode == 0, loaded.stderr
    assert "convenor@example.org" in loaded.stdout
    totals = _run(tmp_path, "totals", "1")
    assert totals.returncode == 0, totals.stderr
    figures = json.loads(totals.stdout)
    assert (
        figures["pledged_pence"] > 0
        and sum(r["amount_pence"] for r in figures["by_region"]) == figures["pledged_pence"]
    )
    verdict = json.loads(_run(tmp_path, "eligibility", "1").stdout)
    assert verdict["eligible"] is False and verdict["rules"]
    assert verdict["eligible_pence"] == figures["eligible_pence"]
    # What if: the largest member pledged nothing, as the API's ?organisation=&pledged_pence= asks it.
    largest = max(figures["members"], key=lambda member: member["pledged_pence"])
    asked = ["--organisation", str(largest["organisation_id"]), "--pledged-pence", "0"]
    what_if = json.loads(_run(tmp_path, "totals", "1", *asked).stdout)
    assert what_if["pledged_pence"] == figures["pledged_pence"] - largest["pledged_pence"]
    assert what_if["what_if"]["organisation_id"] == largest["organisation_id"]
    without = json.loads(_run(tmp_path, "eligibility", "1", "--without", str(largest["organisation_id"])).stdout)
    assert without["without_organisation_id"] == largest["organisation_id"]
    assert without["eligible_pence"] == figures["eligible_pence"] - largest["eligible_pence"]
    missing = _run(tmp_path, "totals", "999")
    assert missing.returncode == 1 and "no bid 999" in missing.stderr


def test_a_command_on_a_database_never_migrated_says_to_migrate_first(tmp_path: Path) -> None:
    """A fresh SQLite file (no tables): every command that needs the tables says what to do, in one line, exit 1."""
    for args in (
        ["reset-link", "--email", "jo@example.org"],
        ["totals", "1"],
        ["eligibility", "1", "--without", "2"],
        ["create-user", "--email", "jo@example.org", "--name", "Jo", "--password-stdin"],
    ):
        done = _run(tmp_path, *args, stdin="a long enough password\n")
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert done.stderr == "Error: The database is not set up yet: run `consortium migrate` first.\n", args
    assert _run(tmp_path, "migrate").returncode == 0
    after = _run(tmp_path, "reset-link", "--email", "jo@example.org")
    assert after.returncode == 1 and "Traceback" not in after.stderr and "not set up" not in after.stderr


def test_serve_listens_where_it_is_told_and_its_links_follow(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(f"sqlite:///{tmp_path / 'served.sqlite3'}", 0)
    env = {k: v for k, v in env.items() if k not in {"CONSORTIUM_PORT", "CONSORTIUM_BASE_URL"}}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CONSORTIUM, "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            env=env | {"PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    # The demo's links are made for the address served, not the default one.
    assert f"The demo bid is http://127.0.0.1:{port}/bids/1" in log.read_text()
    refused = _run(tmp_path, "serve", "--port", "99999")
    assert refused.returncode == 2 and "the port must be a whole number from 1 to 65535" in refused.stderr


def test_serve_settings_put_the_flags_first_and_keep_a_base_url_that_was_set() -> None:
    settings = Settings()
    assert serve_settings(settings, None, None, {}) == settings  # 127.0.0.1:8000, as before
    moved = serve_settings(settings, "0.0.0.0", 8080, {})  # noqa: S104 - not bound: what the flags give
    assert (moved.host, moved.port, moved.base_url) == ("0.0.0.0", 8080, "http://127.0.0.1:8080")  # noqa: S104
    assert serve_settings(settings, "::1", 9000, {}).base_url == "http://[::1]:9000"
    public = settings.with_changes(base_url="https://bids.example.org")
    kept = serve_settings(public, None, 9000, {"CONSORTIUM_BASE_URL": "https://bids.example.org"})
    assert (kept.port, kept.base_url) == (9000, "https://bids.example.org")


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _wait_for_health(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def test_serve_runs_as_many_web_processes_as_asked(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CONSORTIUM, "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env(f"sqlite:///{tmp_path / 'served.sqlite3'}", 0) | {"PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_health(process, port, log)
        answers = [httpx.get(f"http://127.0.0.1:{port}/health", timeout=5) for _ in range(10)]
        assert all(answer.json()["status"] == "ok" for answer in answers)
        web_processes = [
            child for child in _children(process.pid) if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
        ]
        assert len(web_processes) == 2, log.read_text()
    finally:
        process.terminate()
        code = process.wait(timeout=60)
    assert code == 0, log.read_text()
    refused = _run(tmp_path, "serve", "--workers", "0")
    assert refused.returncode == 2 and "whole number from 1 to 64" in refused.stderr


def test_worker_runs_a_queued_job_and_stops_on_sigterm(tmp_path: Path) -> None:
    import asyncio
    import signal

    from saq.job import Job

    from consortium.jobs.queue import build_queue

    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    migrated = subprocess.run(
        [CONSORTIUM, "migrate"], env=server_env(url, 0), capture_output=True, text=True, timeout=120, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    queue = build_queue(Settings(database_url=url))

    async def queue_a_sweep() -> None:
        await queue.connect()
        try:
            # The render sweep, as its schedule would queue it: it needs no data beyond the migrated tables.
            await queue.enqueue(Job(function="documents.sweep_renders", key="cli-test", timeout=60))
        finally:
            await queue.disconnect()

    async def status() -> str | None:
        await queue.connect()
        try:
            job = await queue.job("cli-test")
        finally:
            await queue.disconnect()
        return job.status.value if job else None

    asyncio.run(queue_a_sweep())
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([CONSORTIUM, "worker"], env=server_env(url, 0), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while asyncio.run(status()) != "complete":
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
    assert code == 0, log.read_text()
    assert "Worker stopped." in log.read_text()


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_mail_server_address_that_could_never_work_stops_the_start_with_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("CONSORTIUM_SMTP_URL", "http://mail.example.org")
    done = _run(tmp_path, command, "--port", str(free_port())) if command == "serve" else _run(tmp_path, command)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: CONSORTIUM_SMTP_URL must start with smtp:// or smtps://, not http://. Write it like "
        "smtp://mail.example.org:25, smtp://user:password@host:587?starttls=true or smtps://host."
    ]
