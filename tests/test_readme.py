"""The README checked against the code (as datasette checks its documentation): every `make` target and
`consortium` command it names exists, with the options it shows; every setting it lists is one the code reads,
with the default it gives, and every setting is listed; every address it names is a route the app serves; every
file it names is in the repository; and what it says of the PDF's variants and attachments is what the code does.

The README's "Who sees what" table has its own test (tests/security/test_visibility_matrix.py)."""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from consortium.cli import build_parser
from consortium.documents import render
from consortium.documents.files import FILE_NAMES, PDF
from consortium.settings import Settings
from tests.factories import Client, convenor, open_bid

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code() -> list[str]:
    """The README's code: every `inline span` and every line of its fenced blocks."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)
    outside = re.sub(r"```[a-z]*\n.*?```", "", README, flags=re.S)
    return re.findall(r"`([^`\n]+)`", outside) + [line for block in blocks for line in block.splitlines()]


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


# --- make ----------------------------------------------------------------------------------------------------------


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))


def readme_make_targets() -> set[str]:
    named = {m for span in code() for m in re.findall(r"(?:^|[\s(])make ([a-z][a-z-]*)", span)}
    listed = re.search(r"`make help` lists the other targets \(([^)]*)\)", README)
    assert listed, "the README no longer says which other targets `make help` lists; update this test"
    return named | set(re.findall(r"`([a-z][a-z-]*)`", listed.group(1)))


def test_every_make_target_the_readme_names_exists() -> None:
    named = readme_make_targets()
    assert {"run", "test", "help", "bench", "fuzz", "system-deps"} <= named, named  # the reader works
    assert named <= make_targets(), f"not in the Makefile: {sorted(named - make_targets())}"


# --- the command line ----------------------------------------------------------------------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def readme_commands() -> Iterator[tuple[str, list[str]]]:
    """Each `consortium <command> ...` the README shows, with the options it shows with it."""
    for span in code():
        for found in re.finditer(r"(?:^|[\s(])consortium ([a-z][a-z-]*)([^/`|]*)", span):
            yield found.group(1), re.findall(r"(--[a-z][a-z-]*)", found.group(2))


def test_every_command_the_readme_shows_exists_with_its_options() -> None:
    commands = subcommands()
    shown = list(readme_commands())
    assert {"serve", "migrate", "render"} <= {name for name, _ in shown}  # the reader works
    for name, options in shown:
        assert name in commands, f"`consortium {name}` is in the README but not in consortium/cli.py"
        unknown = [o for o in options if o not in commands[name]._option_string_actions]
        assert not unknown, f"`consortium {name}` has no option {unknown}"


def test_every_command_is_in_the_readme() -> None:
    missing = sorted(set(subcommands()) - {name for name, _ in readme_commands()})
    assert not missing, f"commands of consortium/cli.py the README does not mention: {missing}"


# --- settings ------------------------------------------------------------------------------------------------------


class _Recording(dict[str, str]):
    """An environment that remembers every variable asked for, and has none of them."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.append(key)
        return default


def variables_read() -> list[str]:
    environment = _Recording()
    Settings.from_env(environment)
    return environment.asked


def field_of(variable: str) -> str:
    """The Settings field a variable sets: the one that changes when only that variable is set."""
    changed = [
        f.name
        for f in dataclasses.fields(Settings)
        if getattr(Settings.from_env({variable: "7"}), f.name) != getattr(Settings(), f.name)
    ]
    assert len(changed) == 1, (variable, changed)
    return changed[0]


def readme_settings() -> dict[str, str]:
    """The README's table of settings: variable -> default as written."""
    rows = re.findall(r"^\| `((?:CONSORTIUM_[A-Z0-9_]+)|DATABASE_URL)` \| ([^|]+) \|", README, flags=re.M)
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_in_the_readme_with_its_default_and_no_other() -> None:
    read = variables_read()
    table = readme_settings()
    assert sorted(table) == sorted(read), (
        f"settings.py reads {sorted(set(read) - set(table))} that the README's table lacks; the table lists "
        f"{sorted(set(table) - set(read))} that settings.py does not read"
    )
    mentioned = set(re.findall(r"\b(CONSORTIUM_[A-Z0-9_]+|DATABASE_URL)\b", README))
    assert mentioned <= set(read), f"the README names settings that do not exist: {sorted(mentioned - set(read))}"
    for variable, written in table.items():
        default = getattr(Settings(), field_of(variable))
        expected = "none" if default in {(), ""} else f"`{default}`"
        assert written == expected, f"{variable}: the README says the default is {written}, settings.py {expected}"


def test_every_setting_is_used() -> None:
    """A setting nothing reads is a promise the service does not keep (like the old CONSORTIUM_RENDER_WORKERS)."""
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "consortium").rglob("*.py") if path.name != "settings.py"
    )
    unused = [f.name for f in dataclasses.fields(Settings) if not re.search(rf"\.{f.name}\b", source)]
    assert not unused, f"settings nothing in consortium/ reads: {unused}"


# --- addresses -----------------------------------------------------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def app_routes(app: Litestar) -> list[tuple[re.Pattern[str], set[str], str]]:
    routes = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            pattern = re.sub(r"\{[^}:]+:int\}", r"\\d+", re.escape(route.path).replace(r"\{", "{").replace(r"\}", "}"))
            pattern = re.sub(r"\{[^}]+\}", "[^/]+", pattern)
            routes.append((re.compile(pattern + "$"), set(route.route_handler_map), route.path))
    return routes


def readme_addresses() -> list[tuple[str | None, str]]:
    """Every (method or None, address) the README names in code, its placeholders ({id}) made a number; the end of
    one (`…/resend`, after the address it ends) keeps its ellipsis."""
    found = []
    for span in code():
        match = re.fullmatch(rf"(?:({'|'.join(METHODS)}) )?((?:…)?/[^\s`]*)", span.strip())
        if match:
            address = re.sub(r"\{[^}]+\}", "1", match.group(2).split("?", 1)[0])
            found.append((match.group(1), address))
    return found


def test_every_address_the_readme_names_is_served(app: Litestar) -> None:
    routes = app_routes(app)
    named = readme_addresses()
    assert ("POST", "/api/v1/auth/sign-in") in named and (None, "/bids/1/documents/1/1") in named  # the reader works
    missing = []
    for method, address in named:
        if address in {"/api", "/api/v1"}:  # the prefix, not a route
            assert any(path.startswith(address + "/") for _, _, path in routes)
            continue
        if address.startswith("…"):  # the end of an address named just before it
            if not any(pattern.pattern.endswith(re.escape(address[1:]) + "$") for pattern, _, _ in routes):
                missing.append(address)
            continue
        # An API call may be written without the prefix the README says everything is under.
        tried = [address] if address.startswith("/api/") or method is None else [f"/api/v1{address}"]
        served = [methods for pattern, methods, _ in routes for candidate in tried if pattern.fullmatch(candidate)]
        if not served or (method and not any(method in methods for methods in served)):
            missing.append(f"{method or ''} {address}".strip())
    assert not missing, f"addresses in the README that the app does not serve: {missing}"


def test_every_file_the_readme_names_exists() -> None:
    named = [span for span in code() if re.match(r"(consortium|tests|benchmarks|migrations|templates|scripts)/", span)]
    named += re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)  # screenshots and the gallery
    assert "consortium/settings.py" in named and len(named) > 15  # the reader works
    missing = [path for path in named if "<" not in path and not (ROOT / path).exists()]
    assert not missing, f"files the README names that are not in the repository: {missing}"


# --- the document's variants and attachments ----------------------------------------------------------------------


def readme_variants() -> list[str]:
    return list(dict.fromkeys(re.findall(r"\bpdf/[a-z]+-[0-9a-z]+\b", section("The bid document"))))


def test_the_variants_the_readme_offers_are_the_renderers() -> None:
    offered = readme_variants()
    assert set(offered) == set(render.VARIANTS), f"README: {offered}; documents/render.py: {render.VARIANTS}"
    default = re.search(r"`(pdf/[^`]+)` by default", section("The bid document"))
    assert default and default.group(1) == render.DEFAULT_VARIANT
    render_command = subcommands()["render"]._option_string_actions["--variant"]
    assert set(render_command.choices or ()) == set(render.VARIANTS), "consortium render --variant offers others"


async def test_the_api_accepts_every_variant_the_readme_offers(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from consortium.documents import services

    monkeypatch.setattr(services, "start_render", lambda document_id: None)  # accepting is the claim, not rendering
    network_id, headers = await convenor()
    bid = await open_bid(client, headers, network_id)
    for variant in readme_variants():
        made = await client.post(f"/api/v1/bids/{bid['id']}/documents", json={"variant": variant}, headers=headers)
        assert made.status_code == 202, (variant, made.text)


def test_the_attachments_the_readme_names_are_the_versions_files() -> None:
    said = re.search(r"Every variant embeds `([^`]+)` and\s+`([^`]+)`", section("The bid document"))
    assert said, "the README no longer says what the PDF embeds; update this test"
    assert set(said.groups()) == set(FILE_NAMES) - {PDF, "bid.xlsx"}  # the workbook goes beside the PDF, not in it
