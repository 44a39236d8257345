"""Every bid template renders from a real context with StrictUndefined, and escapes everything it is given."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import ModuleType

import jinja2
import pytest

from consortium.documents.context import BidContext, build_context
from consortium.documents.render import TEMPLATES_DIR, render_html, template_environment
from consortium.documents.snapshot import Snapshot

TEMPLATES = sorted(p.name for p in (TEMPLATES_DIR / "bid").glob("*.html"))
PARTIALS = (
    "cover",
    "contents",
    "changes",
    "summary",
    "match",
    "eligibility",
    "coverage",
    "themes",
    "partners",
    "appendix",
    "declarations",
)


@pytest.fixture(scope="module")
def ctx(demo_snapshot: Snapshot) -> BidContext:
    return build_context(demo_snapshot)


def test_all_partials_exist() -> None:
    assert set(TEMPLATES) == {"document.html", *(f"{p}.html" for p in PARTIALS)}


def test_environment_is_strict_and_escapes() -> None:
    env = template_environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.autoescape is True
    assert Path(TEMPLATES_DIR).is_dir()


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_renders_from_a_real_context(ctx: BidContext, name: str) -> None:
    html = render_html(ctx, f"bid/{name}")
    assert html.strip()
    assert "Undefined" not in html


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_fails_on_a_missing_variable(name: str) -> None:
    """StrictUndefined: a template asking for something the context does not have is an error, not a blank."""
    with pytest.raises(jinja2.UndefinedError):
        template_environment().get_template(f"bid/{name}").render(document={"title": "only a title"})


def test_document_includes_every_section(ctx: BidContext) -> None:
    html = render_html(ctx)
    for anchor in ("cover", "contents", "summary", "match", "eligibility", "coverage", "themes", "partners"):
        assert f'id="{anchor}"' in html
    assert 'id="appendix"' in html and 'id="declarations"' in html
    assert '<html lang="en-GB">' in html
    assert html.count('<h3 class="profile"') == len(ctx.appendix.profiles)


def test_user_text_is_escaped(factories: ModuleType) -> None:
    hostile = '<script>alert(1)</script><img src="http://127.0.0.1:9/x">'
    snapshot = factories.make_snapshot(
        3,
        title=hostile,
        network_name=hostile,
        overrides={0: {"name": hostile, "description": hostile, "website": hostile, "contact_name": hostile}},
    )
    ctx = build_context(snapshot)
    html = render_html(ctx)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Markup built by our code (the charts) is the only thing passed through unescaped.
    unsafe = dataclasses.replace(ctx, cover=dataclasses.replace(ctx.cover, title="<b>bold</b>"))
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_html(unsafe, "bid/cover.html")
