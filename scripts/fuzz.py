"""Fuzz the API from its own OpenAPI schema with Schemathesis, signed in as a convenor and as a member.

    .venv/bin/python scripts/fuzz.py                 # the long run (make fuzz)
    .venv/bin/python scripts/fuzz.py --examples 4    # the quick run tests/security/test_schemathesis.py makes

Every operation in /schema/openapi.json gets generated requests (derandomized, so the same ones each run) and
each response is checked: no server error, a status code the schema declares, and a body that matches the
schema declared for that status. The run uses a fresh SQLite database of its own in a temporary directory:
Schemathesis' ASGI client starts the app in its own event loop for each request, so it cannot share the test
suite's database connections; a separate process with its own database keeps the two apart.

Exit status: 0 when nothing failed, 1 otherwise; a summary line gives operations, examples and failures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Operations a fuzzer must not call with its own credentials: it would sign itself out of the rest of the run.
SKIP = {("DELETE", "/api/v1/auth/tokens/{token_id}"), ("POST", "/api/v1/auth/sign-out-everywhere")}


def _quiet_logs() -> None:
    import logging

    for name in ("httpx", "weasyprint", "weasyprint.progress", "piccolo", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _prepare_environment(directory: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'fuzz.sqlite3'}"
    os.environ.setdefault("PICCOLO_CONF", "consortium.piccolo_conf")
    sys.path.insert(0, str(ROOT))


async def _scenario(app: Any) -> dict[str, dict[str, str]]:
    """A network, an open bid with two members and their pledges, and a ready bid document."""
    import httpx

    from consortium.app import database_lifespan
    from consortium.cli import migrate
    from consortium.documents.services import wait_for_renders
    from tests.factories import convenor, join, open_bid, organisation, pledge

    await migrate()
    async with database_lifespan(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            network_id, conv = await convenor()
            bid = await open_bid(client, conv, network_id, rules=[{"key": "min_members", "count": 2}])
            _, member = await join(client, conv, bid["id"], organisation("Ashbrook Homes"))
            _, other = await join(client, conv, bid["id"], organisation("Brightwater Housing"))
            await pledge(client, member, bid["id"], 40_000_00, areas=[{"district_code": "E08000003"}])
            await pledge(client, other, bid["id"], 25_000_00, submit=False)
            created = await client.post(f"/api/v1/bids/{bid['id']}/documents", json={}, headers=conv)
            assert created.status_code == 202, created.text
            await wait_for_renders()
            other_network, other_conv = await convenor("Another Network")
            await open_bid(client, other_conv, other_network)
    return {"convenor": conv, "member": member}


def _fuzz_one(operation: Any, headers: dict[str, str], examples: int, checks: list[Any]) -> int:
    from hypothesis import HealthCheck, given, settings

    seen: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        seen.append(1)
        case.call_and_validate(headers=headers, checks=checks)

    check()
    return len(seen)


def run(examples: int, roles: list[str], operation_filter: str | None, verbose: bool) -> int:
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    from consortium.app import create_app
    from consortium.settings import Settings

    app_settings = Settings.from_env().with_changes(environment="test", base_url="http://testserver.local")
    app = create_app(app_settings)
    _quiet_logs()
    identities = asyncio.run(_scenario(app))
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]

    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    # Every operation the schema describes: the API under /api/v1, /health, and a document version's files, which
    # live beside the pages (/bids/{id}/documents/{version}/{file}, /shared/{token}/{file}) and answer scripts in JSON.
    if operation_filter:
        operations = [op for op in operations if operation_filter in f"{op.method.upper()} {op.path}"]
    failures: list[str] = []
    sent = 0
    started = time.monotonic()
    for role in roles:
        headers = identities[role]
        for operation in operations:
            if (operation.method.upper(), operation.path) in SKIP:
                continue
            label = f"{operation.method.upper()} {operation.path} as {role}"
            try:
                sent += _fuzz_one(operation, headers, examples, checks)
            except (Exception, BaseExceptionGroup) as error:  # each failure is reported and the run goes on
                failures.append(f"{label}: {str(error).strip()[:1500]}")
            if verbose:
                print(label, flush=True)
    elapsed = time.monotonic() - started
    summary = {
        "operations": len(operations),
        "roles": roles,
        "examples_per_operation": examples,
        "requests": sent,
        "failures": len(failures),
        "seconds": round(elapsed, 1),
    }
    for failure in failures:
        print(f"FAILED {failure}\n", flush=True)
    print("SUMMARY " + json.dumps(summary), flush=True)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=60, help="examples per operation and role (default 60)")
    parser.add_argument("--role", action="append", choices=["convenor", "member"], help="default: both")
    parser.add_argument("--only", help="run only operations whose 'METHOD /path' contains this text")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="consortium-fuzz-") as directory:
        _prepare_environment(Path(directory))
        return run(args.examples, args.role or ["convenor", "member"], args.only, args.verbose)


if __name__ == "__main__":
    raise SystemExit(main())
