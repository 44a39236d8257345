"""Driving the pages as a browser would: read the CSRF token from a page, post forms, sign in as someone."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from tests.factories import PASSWORD, Client

_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def token_in(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no CSRF field"
    return unescape(found.group(1))


async def form_token(client: Client, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:500])
    return token_in(page.text)


async def post_form(
    client: Client, path: str, data: dict[str, Any], *, page: str | None = None, files: Any = None
) -> Any:
    """POST like a browser: first load ``page`` (default: ``path``) for its CSRF token."""
    token = await form_token(client, page or path)
    return await client.post(path, data={**data, "csrf_token": token}, files=files, follow_redirects=False)


async def sign_in(client: Client, email: str, password: str = PASSWORD) -> None:
    client.cookies.clear()
    answer = await post_form(client, "/sign-in", {"email": email, "password": password})
    assert answer.status_code == 303, answer.text[:1000]


def text_of(html: str) -> str:
    """The page's words, tags removed and whitespace squeezed (for 'does the page say ...' checks)."""
    without_tags = re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(without_tags).split())


def error_links(html: str) -> list[str]:
    """The field ids the error summary links to."""
    summary = html.split('class="error-summary"', 1)
    if len(summary) < 2:
        return []
    return re.findall(r'<a href="#([^"]+)"', summary[1].split("</div>", 1)[0])
