"""Rendering pages: the Jinja2 environment and its filters, static files, flash messages and redirects.

Templates live in ``templates/`` at the project root (``templates/bid/`` is the PDF's and is not used here).
Handlers call ``render`` (a whole page or an HTMX fragment) or ``redirect`` (after a successful POST, with an
optional flash message shown once on the next page).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from litestar.datastructures import CacheControlHeader, Cookie
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from markupsafe import Markup

from consortium.accounts.principal import Principal
from consortium.analysis import measures
from consortium.money import format_pence
from consortium.settings import Settings
from consortium.timeutil import as_utc, utc_now
from consortium.web.identity import provide_principal
from consortium.web.pages import csrf
from consortium.words import count_text, date_text, datetime_text, short_datetime_text, status_name

TEMPLATES_DIR = (Path(__file__).resolve().parents[3] / "templates").resolve()
STATIC_DIR = (Path(__file__).resolve().parents[1] / "static").resolve()
FLASH_COOKIE = "consortium_flash"
MAX_FLASH_BYTES = 1500

STATUS_COLOURS: dict[str, str] = {  # a status tag's colour; its words are consortium.words.STATUS_NAMES
    "draft": "grey",
    "open": "green",
    "locked": "orange",
    "submitted": "blue",
    "invited": "grey",
    "joined": "blue",
    "pending": "yellow",
    "pledged": "yellow",
    "withdrawn": "red",
    "expired": "red",
    "revoked": "red",
    "rendering": "yellow",
    "ready": "green",
    "failed": "red",
    "active": "green",
}


# --- filters --------------------------------------------------------------------------------------------------------


def pounds_input(amount_pence: int | None) -> str:
    """Pence as a person would type pounds into a field: 2500000 -> "25000", 12345 -> "123.45"."""
    if amount_pence is None:
        return ""
    pounds, pence = divmod(amount_pence, 100)
    return f"{pounds}.{pence:02d}" if pence else str(pounds)


def uk_date(value: datetime | None) -> str:
    return date_text(value) if value is not None else ""


def uk_short(value: datetime | None) -> str:
    """'3 Jul 2026, 14:05' in UK time (tables)."""
    return short_datetime_text(value) if value is not None else ""


def uk_time(value: datetime | None) -> str:
    return datetime_text(value) if value is not None else ""


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago', then the date."""
    if value is None:
        return ""
    seconds = int(((now or utc_now()) - as_utc(value)).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 13:
                return uk_date(value)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return uk_date(value)  # pragma: no cover - unreachable


def time_left(deadline: datetime, now: datetime | None = None) -> str:
    """'12 days 4 hours left', '3 hours 20 minutes left', '45 minutes left', 'The deadline has passed'."""
    seconds = int((as_utc(deadline) - (now or utc_now())).total_seconds())
    if seconds <= 0:
        return "The deadline has passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(count: int, name: str) -> str:
        return f"{count} {name}{'s' if count != 1 else ''}"

    if days:
        return f"{unit(days, 'day')} {unit(hours, 'hour')} left" if hours else f"{unit(days, 'day')} left"
    if hours:
        return f"{unit(hours, 'hour')} {unit(minutes, 'minute')} left"
    return f"{unit(max(minutes, 1), 'minute')} left"


def status_label(status: str) -> str:
    return status_name(status)


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "grey")


@cache
def asset_version() -> str:
    """A short hash of the static files, so browsers fetch new CSS and JS after a release."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def static_url(name: str) -> str:
    return f"/static/{name}?v={asset_version()}"


def svg(markup: str) -> Markup:
    """Our own SVG (made by consortium.documents.charts and hexmap, which escape every text)."""
    return Markup(markup)  # noqa: S704 - generated by our code with all text escaped


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pounds=format_pence,
        pounds_input=pounds_input,
        uk_date=uk_date,
        uk_short=uk_short,
        uk_time=uk_time,
        ago=ago,
        time_left=time_left,
        status_label=status_label,
        status_colour=status_colour,
        urlquote=lambda text: quote(str(text), safe=""),
    )
    # measures: every figure's label (measures.PLEDGED.label ...), the same words as the API, document and CLI.
    env.globals.update(static=static_url, counted=count_text, reach=measures.reach, measures=measures)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))


def static_files_router() -> Router:
    return create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        name="static",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )


# --- flash messages -------------------------------------------------------------------------------------------------


def _encode_flashes(messages: Sequence[tuple[str, str]]) -> str:
    raw = json.dumps([list(m) for m in messages], separators=(",", ":")).encode()
    while len(raw) > MAX_FLASH_BYTES and messages:  # keep the cookie small: drop the oldest
        messages = messages[1:]
        raw = json.dumps([list(m) for m in messages], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def read_flashes(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode()))
        return [(str(kind), str(text)) for kind, text in items if kind in {"success", "info", "error"}]
    except (ValueError, TypeError):
        return []


def flash_cookie(settings: Settings, messages: Sequence[tuple[str, str]] | None) -> Cookie:
    return Cookie(
        key=FLASH_COOKIE,
        value=_encode_flashes(messages) if messages else "",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
        max_age=120 if messages else 0,
    )


# --- navigation -----------------------------------------------------------------------------------------------------


def navigation(principal: Principal | None, path: str) -> list[dict[str, Any]]:
    if principal is None:
        return []
    items: list[tuple[str, str]] = []
    if principal.convenor_network_ids:
        items.append(("Bids", "/bids"))
    if principal.organisation_ids:
        if not principal.convenor_network_ids:
            items.append(("Your bids", "/bids"))
        first = min(principal.organisation_ids)
        items.append(("Your organisation", f"/organisations/{first}"))
    return [
        {"label": label, "href": href, "current": path == href or path.startswith(href + "/")} for label, href in items
    ]


# --- responses ------------------------------------------------------------------------------------------------------


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    cookies: Sequence[Cookie] = (),
    fragment: bool = False,
) -> Template:
    """A page (or, with ``fragment``, a piece of one for HTMX) with what every template needs."""
    settings = _settings(request)
    principal = await provide_principal(request)
    flashes = [] if fragment else read_flashes(request)
    out_cookies = list(cookies)
    if flashes:
        out_cookies.append(flash_cookie(settings, None))
    token = csrf.token_for(request, principal)
    if principal is None or not principal.csrf_token:
        form_token, new = csrf.anonymous_token(request)
        if new:
            out_cookies.append(csrf.form_cookie(settings, form_token))
    base: dict[str, Any] = {
        "principal": principal,
        "csrf_token": token,
        "csrf_field": csrf.FORM_FIELD,
        "flashes": flashes,
        "nav": navigation(principal, request.url.path),
        "current_path": request.url.path,
        "settings": settings,
    }
    return Template(
        template_name=template,
        context={**base, **(context or {})},
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
        cookies=out_cookies,
    )


def redirect(
    request: Request[Any, Any, Any],
    path: str,
    message: str | None = None,
    *,
    kind: str = "success",
    cookies: Sequence[Cookie] = (),
) -> Response[Any]:
    """See Other (303) to ``path``, showing ``message`` once there."""
    out = list(cookies)
    if message:
        pending = [*read_flashes(request), (kind, message)]
        out.append(flash_cookie(_settings(request), pending))
    if request.headers.get("hx-request"):
        # An XHR would follow a 303 itself and swap the whole next page in: tell htmx to navigate instead.
        return Response(content=b"", status_code=204, headers={"HX-Redirect": path}, cookies=out)
    return Redirect(path, status_code=303, cookies=out)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only paths on this site (no scheme, no host, no '//' tricks) are followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target
