"""The README's list of measures is the one in consortium/analysis/measures.py: a changed label or definition is
a change in one place, and the README cannot drift from it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from consortium.analysis import measures

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    assert f"\n## {title}\n" in text, f"the README has no section {title!r}"
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_lists_every_measure_as_measures_defines_it() -> None:
    section = _section("How the figures work")
    assert measures.readme_list() in section, (
        "README.md's list in 'How the figures work' differs from consortium/analysis/measures.py; paste in the "
        "output of python -c 'from consortium.analysis.measures import readme_list; print(readme_list())'"
    )
    # Every measure is there once, with its own label and definition, and no other bold label claims a figure.
    listed = [line for line in section.splitlines() if line.startswith("- **")]
    assert listed == [f"- **{m.label}**: {m.definition}" for m in measures.MEASURES]
    assert len({m.label for m in measures.MEASURES}) == len(measures.MEASURES)  # one label, one figure


def test_a_changed_definition_shows_as_a_difference(monkeypatch: pytest.MonkeyPatch) -> None:
    # The check can fail: the list made from one changed definition is not in the README.
    changed = dataclasses.replace(measures.PLEDGED, definition="Something else entirely.")
    monkeypatch.setattr(measures, "MEASURES", (changed, *measures.MEASURES[1:]))
    assert measures.readme_list() not in _section("How the figures work")
