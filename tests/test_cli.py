"""The command line, run as a real subprocess against its own SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


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
    missing = _run(tmp_path, "totals", "999")
    assert missing.returncode == 1 and "no bid 999" in missing.stderr
