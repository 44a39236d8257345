"""The application factory: everything the service needs, wired from one Settings value."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from piccolo.engine.postgres import PostgresEngine

from consortium import __version__
from consortium.accounts.controllers import AuthController
from consortium.bids.access import access_memo_middleware
from consortium.bids.controllers import BidController, InvitationController, RuleKindController
from consortium.bids.services import lock_expired_bids
from consortium.bids.tracker_controllers import TrackerController
from consortium.db import engine, prepare_database
from consortium.documents.controllers import (
    BidDocumentController,
    DocumentController,
    DocumentFileController,
    SharedController,
    SharedFileController,
    ShareLinkController,
)
from consortium.documents.version_controllers import SharedCheckController, VersionsController
from consortium.mail.controllers import DevMailPages
from consortium.networks.controllers import NetworkController, SignUpController
from consortium.organisations.controllers import OrganisationController
from consortium.pledges.controllers import BidPledgeController, PledgeController, PledgeExportController
from consortium.reference.controllers import ReferenceController
from consortium.reminders.controllers import ChaseController, ChasePages, ReminderStopPages
from consortium.settings import Settings
from consortium.signoffs.controllers import SignOffController
from consortium.teams.controllers import NetworkTeamController, OrganisationTeamController, TeamInvitationController
from consortium.web.crosssite import refuse_cross_site_api_writes
from consortium.web.errors import EXCEPTION_HANDLERS
from consortium.web.headers import SECURITY_HEADERS, add_missing_security_headers
from consortium.web.identity import provide_principal, provide_settings, provide_user
from consortium.web.inputs import reject_control_characters
from consortium.web.openapi import declare_error_responses
from consortium.web.pages.routes import page_handlers, template_config

API_CONTROLLERS = [
    AuthController,
    SignUpController,
    NetworkController,
    BidController,
    TrackerController,
    RuleKindController,
    InvitationController,
    OrganisationController,
    BidPledgeController,
    PledgeController,
    PledgeExportController,
    ReferenceController,
    BidDocumentController,
    DocumentController,
    ShareLinkController,
    SharedController,
    VersionsController,  # versions compared and re-rendered (issue 12)
    SharedCheckController,
    # A document version's files, at one address per audience that the API and the pages both link to.
    DocumentFileController,
    SharedFileController,
    # Teams: a network's convenors, an organisation's people, invitations to a person.
    NetworkTeamController,
    OrganisationTeamController,
    TeamInvitationController,
    ChaseController,
    SignOffController,
]
declare_error_responses(API_CONTROLLERS)
# The largest body an API call needs is a pledge or a profile with its 20,000-character texts (about 250 KB even
# with every character escaped); anything much larger is refused (413) before it is read, let alone decoded. Pages
# keep the application's limit (settings.max_upload_bytes), which also bounds the uploads they take.
API_MAX_BODY_BYTES = 1_000_000
# Each step of shutting down (the worker in this process, the job queue, the database pool) gets this long.
SHUTDOWN_WAIT_S = 20.0
logger = logging.getLogger("consortium")


@get("/health", tags=["Service"], summary="Is the service up?")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


async def check_every_request(request: Request[Any, Any, Any]) -> None:
    """Before any handler: API writes from other websites are refused, then control characters in any input."""
    await refuse_cross_site_api_writes(request)
    await reject_control_characters(request)


@asynccontextmanager
async def database_lifespan(app: Litestar) -> AsyncIterator[None]:
    db = engine()
    pooled = isinstance(db, PostgresEngine)
    if pooled:
        await db.start_connection_pool()
    await prepare_database()
    await lock_expired_bids()
    try:
        async with job_queue(app.state.settings):
            yield
    finally:
        if isinstance(db, PostgresEngine):
            await _close_pool(db)


async def _close_pool(db: PostgresEngine) -> None:
    """asyncpg waits, without limit, for every connection to come back before closing: a shutdown must not hang on
    one still held (a job cancelled mid-query), so after SHUTDOWN_WAIT_S the rest are closed as they are."""
    try:
        await asyncio.wait_for(db.close_connection_pool(), SHUTDOWN_WAIT_S)
    except TimeoutError:
        logger.warning("Database connections still in use %s s into shutdown: closing them", SHUTDOWN_WAIT_S)
        if db.pool is not None:
            db.pool.terminate()
            db.pool = None


@asynccontextmanager
async def job_queue(settings: Settings) -> AsyncIterator[None]:
    """The queue this process enqueues on and, when ``settings.runs_jobs_in_web``, a worker in this process that
    runs jobs from it (stopped on shutdown after a short wait for jobs in flight, which are otherwise retried)."""
    import consortium.jobs.tasks  # noqa: F401 - every domain's tasks register, so that this process can queue them
    from consortium.jobs.enqueue import use_queue
    from consortium.jobs.queue import build_queue
    from consortium.jobs.worker import start_in_web
    from consortium.mail.transport import check_mail_settings

    check_mail_settings(settings)  # a mail server address that could never work stops the start, not the first send
    queue = build_queue(settings)
    await queue.connect()
    use_queue(queue)
    worker = await start_in_web(settings, queue) if settings.runs_jobs_in_web else None
    try:
        yield
    finally:
        try:
            if worker is not None:
                await asyncio.wait_for(worker.stop(), SHUTDOWN_WAIT_S)
        except TimeoutError:
            logger.warning(
                "The web process's worker did not stop within %s s; its jobs will be retried", SHUTDOWN_WAIT_S
            )
        finally:
            use_queue(None)
            try:
                await asyncio.wait_for(queue.disconnect(), SHUTDOWN_WAIT_S)
            except TimeoutError:
                logger.warning("The job queue did not disconnect within %s s", SHUTDOWN_WAIT_S)


def app_from_env() -> Litestar:
    """The application as each web process of ``consortium serve --workers N`` builds it (uvicorn's factory)."""
    return create_app(Settings.from_env())


def create_app(settings: Settings, *, extra_handlers: list[Any] | None = None) -> Litestar:
    return Litestar(
        route_handlers=[
            health,
            Router("/", route_handlers=API_CONTROLLERS, request_max_body_size=API_MAX_BODY_BYTES),
            *page_handlers(),
            ReminderStopPages,
            ChasePages,
            DevMailPages,  # /dev/mail: only without an SMTP URL and outside production
            *(extra_handlers or []),
        ],
        state=State({"settings": settings}),
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "principal": Provide(provide_principal),
            "user": Provide(provide_user),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        response_headers=SECURITY_HEADERS,
        before_send=[add_missing_security_headers],
        before_request=check_every_request,
        middleware=[access_memo_middleware],  # one bid access check per request
        template_config=template_config(),
        lifespan=[database_lifespan],
        openapi_config=OpenAPIConfig(
            title="Consortium API",
            version=__version__,
            description=(
                "Pool match funding across a network of organisations and submit one bid. Amounts are integer "
                "pence in fields named *_pence. Sign in with POST /api/v1/auth/sign-in, then create a bearer token "
                "with POST /api/v1/auth/tokens for scripts."
            ),
            path="/schema",
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")},
            ),
            security=[{"BearerToken": []}],
        ),
        request_max_body_size=settings.max_upload_bytes,
        debug=False,
    )
