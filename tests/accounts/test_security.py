"""Password hashing: argon2's recommended parameters unless the test suite asks for the cheapest ones."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters, profiles

from consortium.accounts.security import _hasher_for
from consortium.settings import Settings


def test_the_recommended_parameters_are_the_default() -> None:
    hasher = _hasher_for(Settings.from_env({}))
    assert extract_parameters(hasher.hash("correct horse battery staple")) == profiles.RFC_9106_LOW_MEMORY


def test_the_cheapest_parameters_are_refused_in_production() -> None:
    settings = Settings.from_env({"CONSORTIUM_ARGON2_PROFILE": "cheapest", "CONSORTIUM_ENV": "production"})
    with pytest.raises(ValueError, match="test suite only"):
        _hasher_for(settings)


def test_hashes_made_either_way_verify_either_way() -> None:
    cheap = _hasher_for(Settings.from_env({"CONSORTIUM_ARGON2_PROFILE": "cheapest"}))
    recommended = _hasher_for(Settings.from_env({}))
    assert recommended.verify(cheap.hash("a long passphrase"), "a long passphrase")
    assert cheap.verify(recommended.hash("a long passphrase"), "a long passphrase")
