"""Fixtures for the bid document tests: realistic snapshots and one rendered PDF shared by the whole session."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pypdf import PdfReader

from consortium.documents.render import RenderedDocument, render_pdf
from consortium.documents.snapshot import Snapshot


def _load_factories() -> ModuleType:
    """tests/documents/factories.py under a name of its own (tests are not a package; --import-mode=importlib)."""
    name = "consortium_document_factories"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("factories.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def factories() -> ModuleType:
    return _load_factories()


@pytest.fixture(scope="session")
def demo_snapshot(factories: ModuleType) -> Snapshot:
    """39 members, some of them failing a membership rule, one invited and one withdrawn."""
    snapshot: Snapshot = factories.make_snapshot(39)
    return snapshot


@pytest.fixture(scope="session")
def demo_rendered(demo_snapshot: Snapshot) -> RenderedDocument:
    return render_pdf(demo_snapshot)


@pytest.fixture(scope="session")
def demo_reader(demo_rendered: RenderedDocument) -> PdfReader:
    return PdfReader(io.BytesIO(demo_rendered.pdf))


def flat(text: str) -> str:
    """Extracted PDF text with all whitespace (line and cell breaks) as single spaces."""
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="session")
def demo_text(demo_reader: PdfReader) -> str:
    return flat(" ".join(page.extract_text() for page in demo_reader.pages))
