"""Schemathesis against the app's own OpenAPI schema (/schema/openapi.json), signed in as a convenor and as a
member: no server errors, only declared status codes, and every body matching its declared schema.

The fuzzer runs in a child process (scripts/fuzz.py) with a fresh SQLite database of its own: Schemathesis' ASGI
client runs the app in a new event loop for each request, which cannot share pytest-asyncio's loop or the test
database's connections. Examples are derandomized (the same every run) and few, to keep this under a minute;
`make fuzz` runs the same script with many more."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 6


def test_schema_fuzzing_finds_no_server_errors_or_schema_mismatches() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fuzz.py"), "--examples", str(EXAMPLES)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        check=False,
    )
    lines = result.stdout.splitlines()
    summaries = [line.removeprefix("SUMMARY ") for line in lines if line.startswith("SUMMARY ")]
    assert summaries, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(summaries[-1])
    print(f"schemathesis: {summary}")
    failures = "\n".join(line for line in lines if line.startswith("FAILED"))
    assert result.returncode == 0, result.stdout[-6000:]
    assert not failures
    assert summary["operations"] >= 50, summary
    assert summary["requests"] >= summary["operations"] * 2, summary
