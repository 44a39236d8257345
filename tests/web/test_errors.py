"""Errors from the request decoder reach people as sentences that say what to send instead."""

from __future__ import annotations

import pytest

from consortium.web.errors import plain_decoder_message
from tests.factories import Client, convenor


@pytest.mark.parametrize(
    ("key", "message", "plain"),
    [
        ("amount_pence", "Expected `int` >= 1", "amount_pence must be a whole number of at least 1"),
        ("amount_pence", "Expected `int`, got `str`", "amount_pence must be a whole number"),
        ("homes", "Expected `int | null`, got `str`", "homes must be a whole number, or null"),
        ("title", "Expected `str` of length >= 1", "title must not be empty"),
        ("title", "Expected `str` of length <= 300", "title must be at most 300 characters long"),
        ("emails", "Expected `array` of length <= 500", "emails may list at most 500 items"),
        ("data", "Object missing required field `title`", "title is missing; add it"),
        ("data", "Expected `object`, got `array`", "the body must be a JSON object"),
        ("deadline", "Invalid RFC3339 encoded datetime", "deadline must be a date and time like 2026-12-01T17:00:00Z"),
        ("board_approved", "Expected `bool`, got `int`", "board_approved must be true or false"),
        ("status", "Something new from the decoder", "status: Something new from the decoder"),
    ],
)
def test_decoder_messages_become_plain_sentences(key: str, message: str, plain: str) -> None:
    assert plain_decoder_message(key, message) == plain


async def test_bodies_that_are_not_json_say_what_to_fix(client: Client) -> None:
    _, headers = await convenor()
    json_headers = headers | {"Content-Type": "application/json"}
    cases = {
        b"": "This request needs a JSON body; none was sent.",
        b'{"title": "Warm homes"': "What was sent is not complete JSON: it ends too early,",
        b'{"title": "\\ud800"}': "What was sent is not complete JSON: it ends too early, or holds a broken character",
        b'{"network_id": ' + b"9" * 5000 + b"}": "A number in what was sent is far too large to be a real figure.",
        b"{'title': 'Warm homes'}": "What was sent is not valid JSON",
        b"[]": "Some of what was sent is not in the right form: the body must be a JSON object.",
    }
    for body, start in cases.items():
        answer = await client.post("/api/v1/bids", content=body, headers=json_headers)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["message"].startswith(start), (body, answer.json())
    missing = await client.post("/api/v1/bids", json={"title": "Warm homes"}, headers=headers)
    assert missing.status_code == 400
    assert "network_id is missing; add it" in missing.json()["message"]


async def test_a_field_the_decoder_refuses_is_named_in_fields_as_a_services_problems_are(client: Client) -> None:
    """Scripts read ``fields`` for every refusal: the decoder's (400, the wrong form) and the services' (422)."""
    _, headers = await convenor()
    answer = await client.post(
        "/api/v1/bids", json={"network_id": 1, "title": "x" * 301, "funder_name": "A funder"}, headers=headers
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["fields"] == {"title": ["title must be at most 300 characters long"]}
