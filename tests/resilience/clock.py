"""A server clock the test sets: every module that imported consortium.timeutil.utc_now sees the same frozen time."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

from consortium import timeutil


class FrozenClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime) -> None:
        self.now = start
        original = timeutil.utc_now
        for name, module in list(sys.modules.items()):
            ours = name == "consortium" or name.startswith("consortium.")
            if ours and getattr(module, "utc_now", None) is original:
                monkeypatch.setattr(module, "utc_now", self)

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        assert when.tzinfo is not None
        self.now = when.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def freeze(monkeypatch: pytest.MonkeyPatch, start: datetime) -> FrozenClock:
    # Import every module that takes utc_now by name, so none keeps the real clock.
    import consortium.app  # noqa: F401

    return FrozenClock(monkeypatch, start)
