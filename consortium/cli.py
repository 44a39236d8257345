"""The `consortium` command: serve, migrate, load the demo, create networks and people, print figures."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import socket
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from consortium.errors import SAME_CHANGE_AT_ONCE, ServiceError, is_unique_violation
from consortium.mail.transport import MailSettingsError
from consortium.settings import Settings
from consortium.words import DEFAULT_VARIANT, VARIANTS

if TYPE_CHECKING:
    from consortium.analysis.results import WhatIf


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from consortium.db import prepare_database

    await prepare_database()
    result = await run_forwards(app_name="consortium", migration_id="all")
    if not result.success:
        raise SystemExit(f"Migrations failed: {result.message}")


NOT_SET_UP = "The database is not set up yet: run `consortium migrate` first."
OUT_OF_DATE = (
    "The database is from an older version of Consortium (it lacks {count} of the changes this version needs): "
    "run `consortium migrate` first."
)
NO_DATABASE = (
    "Could not connect to the database ({error}). Check that the database server is running and that DATABASE_URL "
    "names it."
)


def _missing_table(error: BaseException) -> bool:
    """Whether ``error`` is the database saying a table or column we use is not there: migrations not applied."""
    if isinstance(error, sqlite3.OperationalError):
        return str(error).startswith(("no such table", "no such column"))
    try:
        from asyncpg.exceptions import UndefinedColumnError, UndefinedTableError
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(error, UndefinedTableError | UndefinedColumnError)


def _unreachable(error: BaseException) -> bool:
    """Whether ``error`` is a failure to reach the database at all (server down, unknown host, no such database,
    refused credentials)."""
    if isinstance(error, ConnectionError | socket.gaierror | TimeoutError):
        return True
    try:
        from asyncpg.exceptions import InvalidAuthorizationSpecificationError, InvalidCatalogNameError
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(error, InvalidCatalogNameError | InvalidAuthorizationSpecificationError)


async def migration_state() -> tuple[list[str], list[str]]:
    """(every migration in ``migrations/``, those this database has not applied: all of them on a fresh
    database). Reads only: nothing is created."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration

    from consortium.piccolo_app import APP_CONFIG

    manager = BaseMigrationManager()
    known = manager.get_migration_ids(manager.get_migration_modules(APP_CONFIG.resolved_migrations_folder_path))
    if not await Migration.table_exists():
        return known, known
    applied = await Migration.select(Migration.name).where(Migration.app_name == APP_CONFIG.app_name)
    done = {row["name"] for row in applied}
    return known, [migration for migration in known if migration not in done]


async def _not_set_up_message() -> str:
    """What to tell an operator whose command met a missing table: a fresh database, or an older one."""
    try:
        known, pending = await _with_db(migration_state)
    except Exception:  # the database cannot even say which: the plain advice holds either way
        return NOT_SET_UP
    if pending and len(pending) < len(known):
        return OUT_OF_DATE.format(count=len(pending))
    return NOT_SET_UP


def _read_password(args: argparse.Namespace) -> str:
    if getattr(args, "password_stdin", False) or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("The two passwords do not match.")
    return first


async def _with_db(work: Callable[[], Awaitable[Any]]) -> Any:
    from piccolo.engine.postgres import PostgresEngine

    import consortium.jobs.tasks  # noqa: F401 - a command may queue work (a document's render, a message)
    from consortium.db import engine
    from consortium.jobs.enqueue import close_queue

    db = engine()
    pooled = isinstance(db, PostgresEngine)
    if pooled:
        await db.start_connection_pool()
    try:
        return await work()
    finally:
        await close_queue()  # the queue a command's enqueue connected, if any
        if pooled:
            await db.close_connection_pool()


def _print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value)).decode() + "\n")


async def _system_principal_for_bid(bid_id: int) -> Any:
    """The CLI runs as the operator: it reads a bid as one of its network's convenors."""
    from consortium.accounts.principal import Principal
    from consortium.bids.tables import Bid
    from consortium.errors import NotFound

    bid = await Bid.select(Bid.network).where(Bid.id == bid_id).first()
    if bid is None:
        raise NotFound(f"There is no bid {bid_id}.")
    return Principal(
        user_id=0,
        email="operator",
        name="Operator (command line)",
        convenor_network_ids=frozenset({int(bid["network"])}),
        organisation_ids=frozenset(),
        viewer_bid_ids=frozenset(),
    )


def _what_if(args: argparse.Namespace) -> WhatIf | None:
    """The "what if" asked with --without / --organisation and --pledged-pence, as the API's query asks it."""
    from consortium.analysis.results import WhatIf

    return WhatIf.asked(args.without, args.organisation, args.pledged_pence)


async def totals(bid_id: int, what_if: WhatIf | None = None) -> None:
    from consortium.bids import figures

    _print_json(await figures.bid_totals(await _system_principal_for_bid(bid_id), bid_id, what_if))


async def eligibility(bid_id: int, what_if: WhatIf | None = None) -> None:
    from consortium.bids import figures

    _print_json(await figures.bid_eligibility(await _system_principal_for_bid(bid_id), bid_id, what_if=what_if))


async def render(settings: Settings, bid_id: int, out: str, variant: str) -> None:
    """The same path as the API: a numbered version with its snapshot, then the PDF written to ``out``."""
    from pathlib import Path

    from consortium.documents import services as documents

    principal = await _system_principal_for_bid(bid_id)
    made = await documents.create_document(principal, bid_id, variant)
    # Rendered here and now (in a render process), not left to a worker that may not be running: the job queued
    # with it then finds the document ready and does nothing.
    await documents.render_document(settings, made.id)
    document = await documents.read_document(principal, made.id)
    if document.state != "ready":
        raise SystemExit(f"The document could not be made: {document.error}")
    pdf = (await documents.document_file(principal, bid_id, document.version, "bid.pdf")).content
    Path(out).write_bytes(pdf)
    print(f"Version {document.version}: {document.page_count} pages, sha256 {document.pdf_sha256}, written to {out}")


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How ``serve`` runs uvicorn. Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) are believed only from the
    configured proxies (CONSORTIUM_TRUSTED_PROXIES), never by default: uvicorn on its own trusts them from any
    local client, and the client address is what the per-address sign-in limit counts."""
    trusted = list(settings.trusted_proxies)
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
    }


def serve_settings(settings: Settings, host: str | None, port: int | None, environ: dict[str, str]) -> Settings:
    """The settings ``serve`` runs with: ``--host`` / ``--port`` win over CONSORTIUM_HOST / CONSORTIUM_PORT. Unless
    CONSORTIUM_BASE_URL is set, the address people use follows them (links in invitations, and the same-site check
    on browser writes, are made from it); a server listening on every interface is reached at 127.0.0.1 here."""
    changed = settings.with_changes(host=host or settings.host, port=port or settings.port)
    if "CONSORTIUM_BASE_URL" in environ:
        return changed
    shown = "127.0.0.1" if changed.host in {"0.0.0.0", "::", ""} else changed.host  # noqa: S104 - compared, not bound
    if ":" in shown:  # an IPv6 address is written in brackets in a URL
        shown = f"[{shown}]"
    return changed.with_changes(base_url=f"http://{shown}:{changed.port}")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"the port must be a whole number from 1 to 65535, not {text!r}")
    return int(text)


def serve(settings: Settings, *, with_demo: bool, workers: int = 1) -> None:
    """Migrate, then serve with ``workers`` web processes sharing the port. Each builds its application from the
    environment (``consortium.app:app_from_env``), so the settings ``serve`` chose are put there first."""
    import uvicorn

    from consortium.mail.transport import check_mail_settings

    check_mail_settings(settings)  # before anything starts: one clear line, not a web process failing its start-up
    asyncio.run(migrate())
    if with_demo:
        asyncio.run(_load_demo_if_empty(settings))
    if not settings.runs_jobs_in_web:
        print(
            f"Background jobs (mail, documents, reminders) are left to `consortium worker` processes "
            f"(CONSORTIUM_JOBS_IN_WEB={settings.jobs_in_web}, database {settings.database_url.split(':', 1)[0]})."
        )
    os.environ |= {
        "CONSORTIUM_HOST": settings.host,
        "CONSORTIUM_PORT": str(settings.port),
        "CONSORTIUM_BASE_URL": settings.base_url,
    }
    uvicorn.run("consortium.app:app_from_env", factory=True, workers=workers, **uvicorn_options(settings))


def run_worker(settings: Settings) -> None:
    """``consortium worker``: run background jobs until SIGTERM or SIGINT."""
    import logging

    from consortium.jobs.worker import run_worker as work
    from consortium.mail.transport import check_mail_settings

    check_mail_settings(settings)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(work(settings))


def _workers(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 64):
        raise argparse.ArgumentTypeError(
            f"the number of web processes must be a whole number from 1 to 64, not {text!r}"
        )
    return int(text)


async def _load_demo_if_empty(settings: Settings) -> None:
    from consortium.demo.loader import load_demo, print_logins

    loaded = await _with_db(lambda: load_demo(settings, only_if_empty=True))
    if loaded is not None:
        print_logins(settings, loaded)


def _what_if_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--without", type=int, metavar="ORG", help="What if this member organisation withdrew?")
    command.add_argument(
        "--organisation", type=int, metavar="ORG", help="What if this member's submitted total were --pledged-pence?"
    )
    command.add_argument("--pledged-pence", type=int, metavar="PENCE", help="The member's submitted total to assume")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="consortium", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve_cmd = sub.add_parser("serve", help="Apply migrations and serve the web application and API")
    serve_cmd.add_argument("--demo", action="store_true", help="Load the demo network first if the database is empty")
    serve_cmd.add_argument("--host", help="The address to listen on (default 127.0.0.1, or CONSORTIUM_HOST)")
    serve_cmd.add_argument("--port", type=_port, help="The port to listen on (default 8000, or CONSORTIUM_PORT)")
    serve_cmd.add_argument(
        "--workers", type=_workers, default=1, help="Web processes sharing the port (default 1)", metavar="N"
    )
    sub.add_parser("worker", help="Run background jobs (mail, renders, reminders) until stopped with SIGTERM")
    sub.add_parser("migrate", help="Apply database migrations")
    demo = sub.add_parser("demo", help="Load the demo network (into an empty database)")
    demo.add_argument("--force", action="store_true", help="Load even if the database already has networks")
    network = sub.add_parser("create-network", help="Create a network and its first convenor")
    network.add_argument("--name", required=True)
    network.add_argument("--convenor-email", required=True)
    network.add_argument("--convenor-name", default="Convenor")
    network.add_argument("--password-stdin", action="store_true", help="Read the password from standard input")
    user = sub.add_parser("create-user", help="Create a person's account")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--password-stdin", action="store_true")
    reset = sub.add_parser("reset-link", help="Make a one-use password reset link for a person (shown once)")
    reset.add_argument("--email", required=True, help="The address the person signs in with")
    totals_cmd = sub.add_parser("totals", help="Print a bid's live totals as JSON (or what if ...)")
    totals_cmd.add_argument("bid", type=int)
    _what_if_options(totals_cmd)
    render_cmd = sub.add_parser("render", help="Make a new version of a bid's document and save the PDF")
    render_cmd.add_argument("bid", type=int)
    render_cmd.add_argument("--out", required=True, help="Where to write the PDF")
    render_cmd.add_argument("--variant", default=DEFAULT_VARIANT, choices=VARIANTS)
    eligibility_cmd = sub.add_parser("eligibility", help="Print a bid's eligibility as JSON (or what if ...)")
    eligibility_cmd.add_argument("bid", type=int)
    _what_if_options(eligibility_cmd)
    backup_cmd = sub.add_parser("backup", help="Copy the whole database to a file (SQLite online backup or pg_dump)")
    backup_cmd.add_argument("path", help="The backup file to write")
    restore_cmd = sub.add_parser("restore", help="Replace the whole database with a backup file")
    restore_cmd.add_argument("path", help="The backup file to read")
    restore_cmd.add_argument("--yes", action="store_true", help="Really replace everything in the database")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "serve":
            serve(
                serve_settings(settings, args.host, args.port, dict(os.environ)),
                with_demo=args.demo,
                workers=args.workers,
            )
        elif args.command == "worker":
            run_worker(settings)
        elif args.command == "migrate":
            asyncio.run(migrate())
        elif args.command == "demo":
            from consortium.demo.loader import load_demo, print_logins

            asyncio.run(migrate())
            loaded = asyncio.run(_with_db(lambda: load_demo(settings, only_if_empty=not args.force)))
            if loaded is None:
                print("The database already has a network; the demo was not loaded. Use --force to load it anyway.")
            else:
                print_logins(settings, loaded)
        elif args.command == "create-network":
            from consortium.networks.services import create_network

            password = _read_password(args)
            network_id, user_id = asyncio.run(
                _with_db(lambda: create_network(args.name, args.convenor_email, args.convenor_name, password))
            )
            print(f"Created network {network_id} ({args.name}); convenor {args.convenor_email} (user {user_id}).")
        elif args.command == "create-user":
            from consortium.accounts.services import create_user

            password = _read_password(args)
            user_id = asyncio.run(_with_db(lambda: create_user(args.email, args.name, password)))
            print(f"Created user {user_id} ({args.email}).")
        elif args.command == "reset-link":
            from consortium.accounts.resets import issue_reset_link
            from consortium.timeutil import uk_time_text

            issued = asyncio.run(_with_db(lambda: issue_reset_link(settings, args.email, by=None)))
            print(f"Password reset link for {issued.name} ({issued.email}), shown only now:")
            print(issued.url)
            print(f"It works once, until {uk_time_text(issued.expires_at)}, and replaces any earlier link.")
        elif args.command == "totals":
            asyncio.run(_with_db(lambda: totals(args.bid, _what_if(args))))
        elif args.command == "render":
            asyncio.run(_with_db(lambda: render(settings, args.bid, args.out, args.variant)))
        elif args.command == "eligibility":
            asyncio.run(_with_db(lambda: eligibility(args.bid, _what_if(args))))
        elif args.command in {"backup", "restore"}:
            from consortium.ops import backup

            try:
                if args.command == "backup":
                    print(backup.backup(settings, args.path))
                else:
                    print(backup.restore(settings, args.path, yes=args.yes))
            except backup.BackupError as error:
                print(f"Error: {error}", file=sys.stderr)
                return 1
    except ServiceError as error:
        print(f"Error: {error.message}", file=sys.stderr)
        return 1
    except MailSettingsError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        # Two operators (or an operator and the web) creating the same thing at once: the unique index refused ours.
        if is_unique_violation(error):
            print(f"Error: {SAME_CHANGE_AT_ONCE}", file=sys.stderr)
        elif _missing_table(error):  # a fresh (or older) database: its tables are not there yet
            print(f"Error: {asyncio.run(_not_set_up_message())}", file=sys.stderr)
        elif _unreachable(error):
            print(f"Error: {NO_DATABASE.format(error=error)}", file=sys.stderr)
        else:
            raise
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
