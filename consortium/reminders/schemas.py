"""The API's answers for "chase these members": what would be sent, and what was."""

from __future__ import annotations

import msgspec


class ChaseMessage(msgspec.Struct):
    to_address: str
    to_name: str
    members: list[str]  # the members it is about
    subject: str
    text: str  # word for word, but for the recipient's own stop link (which only they receive)


class ChasePreview(msgspec.Struct):
    bid_id: int
    members: int  # members with something left to do
    messages: list[ChaseMessage]
    stopped: list[str]  # addresses that stopped this bid's reminders: no message
    unreachable: list[str]  # members with nobody to write to


class ChaseSent(msgspec.Struct):
    bid_id: int
    members: int
    queued: int  # messages written now (each person is chased at most once a UK day)
    message: str
