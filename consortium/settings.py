"""All configuration, read from the environment in one place and passed around as a frozen value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///var/consortium.sqlite3"


def _switch(value: str | None, default: bool) -> bool:
    """A yes/no setting: unset or empty keeps the default; "yes", "true", "on" or "1" is on, anything else off (a
    mistyped value turns the feature off rather than on)."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"yes", "true", "on", "1"}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    environment: str = "development"  # development | test | production
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    session_hours: int = 12
    invitation_days: int = 14
    share_link_days: int = 30
    password_reset_hours: int = 24  # how long a password reset link works (once)
    demo_password: str = "consortium-demo"  # noqa: S105 - the published password of the fictional demo
    # Sign-in attempts allowed per account and per address in the window before we ask people to wait.
    sign_in_attempts: int = 10
    sign_in_window_seconds: int = 900
    max_upload_bytes: int = 2_000_000
    # argon2 parameters: "recommended" (RFC 9106, low memory); "cheapest" only for the test suite.
    argon2_profile: str = "recommended"
    # Addresses (or networks, like 10.0.0.0/8) of the reverse proxies in front of us, whose X-Forwarded-For and
    # X-Forwarded-Proto we believe. None by default: anyone can send those headers, and believing them would let a
    # client pick the address the per-address sign-in limit counts against.
    trusted_proxies: tuple[str, ...] = ()
    # Mail: smtp://host:port, smtps://user:password@host:465, or smtp://...?starttls=true. Empty: every message is
    # written as an .eml file under mail_dir instead (development and the demo) and listed at /dev/mail.
    smtp_url: str = ""
    mail_from: str = "Consortium <consortium@localhost>"
    mail_dir: str = "var/mail"
    # How long a worker holds the messages it is sending (25 at a time) before another worker may take them over:
    # longer than sending 25 messages takes, or a slow server's message could go twice; as short as you would wait
    # for the mail of a worker that died.
    mail_claim_seconds: int = 120
    # Days the outbox keeps what a message said once it has gone (sent, or given up on): then only who was written
    # to, when and about what are kept, not the text, which may hold a personal link. 0 keeps the text for ever.
    mail_keep_days: int = 30
    # Background jobs. "auto" runs a worker inside each web process on SQLite (no extra server) and none on
    # PostgreSQL, where `consortium worker` processes do the work; "yes" or "no" decide it either way.
    jobs_in_web: str = "auto"
    worker_concurrency: int = 4  # jobs one worker runs at once
    render_processes: int = 1  # OS processes that render PDFs for a worker, so renders never hold up its pages
    # Whether anyone may start a network from the web (/sign-up, /networks/new and their API). Off ("no", "false",
    # "0"): those answer 404 and networks are made only with `consortium create-network`.
    open_signup: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL", defaults.database_url),
            environment=env.get("CONSORTIUM_ENV", defaults.environment),
            base_url=env.get("CONSORTIUM_BASE_URL", defaults.base_url).rstrip("/"),
            host=env.get("CONSORTIUM_HOST", defaults.host),
            port=int(env.get("CONSORTIUM_PORT", defaults.port)),
            session_hours=int(env.get("CONSORTIUM_SESSION_HOURS", defaults.session_hours)),
            invitation_days=int(env.get("CONSORTIUM_INVITATION_DAYS", defaults.invitation_days)),
            share_link_days=int(env.get("CONSORTIUM_SHARE_LINK_DAYS", defaults.share_link_days)),
            password_reset_hours=int(env.get("CONSORTIUM_PASSWORD_RESET_HOURS", defaults.password_reset_hours)),
            demo_password=env.get("CONSORTIUM_DEMO_PASSWORD", defaults.demo_password),
            sign_in_attempts=int(env.get("CONSORTIUM_SIGN_IN_ATTEMPTS", defaults.sign_in_attempts)),
            sign_in_window_seconds=int(env.get("CONSORTIUM_SIGN_IN_WINDOW_SECONDS", defaults.sign_in_window_seconds)),
            max_upload_bytes=int(env.get("CONSORTIUM_MAX_UPLOAD_BYTES", defaults.max_upload_bytes)),
            argon2_profile=env.get("CONSORTIUM_ARGON2_PROFILE", defaults.argon2_profile),
            smtp_url=env.get("CONSORTIUM_SMTP_URL", defaults.smtp_url),
            mail_from=env.get("CONSORTIUM_MAIL_FROM", defaults.mail_from),
            mail_dir=env.get("CONSORTIUM_MAIL_DIR", defaults.mail_dir),
            mail_claim_seconds=int(env.get("CONSORTIUM_MAIL_CLAIM_SECONDS", defaults.mail_claim_seconds)),
            mail_keep_days=int(env.get("CONSORTIUM_MAIL_KEEP_DAYS", defaults.mail_keep_days)),
            jobs_in_web=env.get("CONSORTIUM_JOBS_IN_WEB", defaults.jobs_in_web),
            worker_concurrency=int(env.get("CONSORTIUM_WORKER_CONCURRENCY", defaults.worker_concurrency)),
            render_processes=int(env.get("CONSORTIUM_RENDER_PROCESSES", defaults.render_processes)),
            open_signup=_switch(env.get("CONSORTIUM_OPEN_SIGNUP"), defaults.open_signup),
            trusted_proxies=tuple(
                part.strip() for part in env.get("CONSORTIUM_TRUSTED_PROXIES", "").split(",") if part.strip()
            ),
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        """``sqlite:///var/x.sqlite3`` is relative to the working directory; ``sqlite:////abs/x`` is absolute."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def runs_jobs_in_web(self) -> bool:
        return self.jobs_in_web == "yes" or (self.jobs_in_web == "auto" and self.is_sqlite)

    @property
    def secure_cookies(self) -> bool:
        return self.environment not in {"development", "test"}
