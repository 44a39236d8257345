"""Whether a new password is good enough: long enough, and not one that guessers try early.

Strength is zxcvbn's estimate (the Dropbox algorithm, maintained as the ``zxcvbn`` package, which ships its own
lists of common passwords, words, names and keyboard patterns). It also counts the person's own email address and
name as words a guesser knows. We ask for a score of 3 ("safely unguessable") and say what made a password weak.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import anyio.to_thread
from zxcvbn import zxcvbn

from consortium.accounts.security import MIN_PASSWORD_LENGTH
from consortium.errors import BadInput

MAX_PASSWORD_LENGTH = 1000
STRONG_ENOUGH = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses or more)
# zxcvbn takes longer the longer the text (and refuses more than 72 characters); the first 72 decide: a password
# whose first 72 characters are hard to guess is no easier with more after them.
SCORED_LENGTH = 72
ADVICE = (
    "Use three or four unrelated words together, like a small scene only you would picture, "
    "and not your name or email address."
)
PERSONAL = "It is built on your name or email address, which anyone trying to get into your account tries first."

# zxcvbn keeps the person's words in a module-level dictionary while it scores, so only one check runs at a time.
_scoring = threading.Lock()


def _personal_words(email: str, name: str) -> list[str]:
    """What a guesser who knows whose account it is would try: the address, its parts, the name and its parts."""
    local, _, domain = email.lower().partition("@")
    words = [email.lower(), local, *re.split(r"[^a-z0-9]+", local), name.lower(), *name.lower().split()]
    words += [part for part in domain.split(".") if part not in {"org", "com", "uk", "co", "net", "gov", "ac"}]
    return [word for word in dict.fromkeys(words) if len(word) >= 3]


def _reason(sequence: list[dict[str, Any]]) -> str:
    """Why zxcvbn found it easy, in words: the part of the password that gave most of it away."""
    longest = max(sequence, key=lambda match: len(match.get("token", "")), default={})
    pattern = longest.get("pattern")
    if pattern == "dictionary":
        dictionary = longest.get("dictionary_name")
        if dictionary == "user_inputs":
            return PERSONAL
        if dictionary == "passwords":
            return "It is one of the most commonly used passwords, so it is among the first that guessers try."
        return "It is mostly a common word or name, which guessers try early."
    if pattern == "sequence":
        return "It is a sequence like 12345 or abcde, which guessers try early."
    if pattern == "spatial":
        return "It is a pattern of neighbouring keys like qwerty, which guessers try early."
    if pattern == "repeat":
        return "It repeats the same characters or words, which makes it little harder to guess than one of them."
    if pattern in {"date", "regex"}:
        return "It is mostly a date or a year, which guessers try early."
    return "It is too easy to guess."


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """What is wrong with ``password`` as a new password for the person with this email and name, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters. {ADVICE}"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"That password is too long; use fewer than {MAX_PASSWORD_LENGTH:,} characters."
    personal = _personal_words(email, name)
    lowered = password.lower()
    if email and email.lower() in lowered:
        return f"Your password must not contain your email address. {ADVICE}"
    # Someone guessing knows whose account it is, so the name and address in a password add nothing: what is left
    # without them must be strong on its own ("caseyconvenor2026" is only "2026" to them).
    rest = lowered
    for word in sorted(personal, key=len, reverse=True):
        rest = rest.replace(word, " ")
    with _scoring:
        result = zxcvbn(password[:SCORED_LENGTH], user_inputs=personal)
        rest_score = zxcvbn(rest[:SCORED_LENGTH], user_inputs=personal)["score"] if rest != lowered else 4
    if rest_score < STRONG_ENOUGH:
        return f"That password is too easy to guess. {PERSONAL} {ADVICE}"
    if result["score"] >= STRONG_ENOUGH:
        return None
    return f"That password is too easy to guess. {_reason(result['sequence'])} {ADVICE}"


async def check_new_password(password: str, *, email: str = "", name: str = "", field: str = "password") -> None:
    """Refuse a weak new password (422, naming ``field``). Scoring takes up to about a tenth of a second
    for a long password, so it runs in a worker thread rather than holding up every other request."""
    problem = await anyio.to_thread.run_sync(lambda: password_problem(password, email=email, name=name))
    if problem:
        raise BadInput(problem, field=field)
