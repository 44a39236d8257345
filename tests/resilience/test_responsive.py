"""No request stalls the server. A real server (uvicorn in a subprocess, one event loop, as in production) is sent
the largest input each heavy endpoint allows while another client keeps asking trivial questions (GET /health, and
GET /api/v1/auth/me, which reads the database): each of those must still be answered within a second. Input over a
limit is refused (413, 422, or 400 for a body the decoder refuses) within a second too, with a plain message, and
nothing of it is done.

The bound is generous on purpose: this is about not stalling (before these limits, 24,000 invitation addresses held
the event loop for 3-4 s and a 2 MB body for about a minute), not a benchmark. The heavy requests' own times and the
slowest trivial answer are printed (pytest -s)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from consortium.reference.districts import districts
from consortium.schemas import MAX_INVITATION_ENTRIES, MAX_INVITATIONS, MAX_THEMES
from tests.resilience.server import Server, bid_with_member
from tests.web.helpers import form_token, post_form, sign_in, text_of

STALL = 1.0  # seconds: the slowest a trivial request may be answered while heavy work is under way
QUICK = 1.0  # seconds: the slowest a refusal of over-limit input may be


async def while_probing(
    server: Server, probe_headers: dict[str, str], work: Callable[[], Awaitable[httpx.Response]]
) -> tuple[httpx.Response, float, float]:
    """Run ``work`` while trivial requests are sent one after another; the work's answer, its time, and the slowest
    trivial answer seen meanwhile."""
    done = asyncio.Event()
    slowest = 0.0

    async def probe() -> None:
        nonlocal slowest
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            while not done.is_set():
                for path, headers in (("/health", {}), ("/api/v1/auth/me", probe_headers)):
                    started = time.perf_counter()
                    answer = await client.get(path, headers=headers)
                    slowest = max(slowest, time.perf_counter() - started)
                    assert answer.status_code == 200, answer.text
                await asyncio.sleep(0.02)

    async def timed_work() -> tuple[httpx.Response, float]:
        await asyncio.sleep(0.05)  # the prober is under way first
        started = time.perf_counter()
        try:
            return await work(), time.perf_counter() - started
        finally:
            done.set()

    (answer, took), _ = await asyncio.gather(timed_work(), probe())
    return answer, took, slowest


def plain_message(answer: httpx.Response) -> str:
    if answer.headers.get("content-type", "").startswith("application/json"):
        message = answer.json()["message"]
    else:
        message = answer.text
    assert isinstance(message, str) and len(message) > 15 and "Traceback" not in message, answer.text[:500]
    return message


def all_district_codes() -> list[str]:
    return sorted(districts())


async def test_largest_inputs_leave_the_server_responsive(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
        world = await bid_with_member(client, "convenor@example.org")
        bid_id, org_id = world["bid_id"], world["organisation_id"]
        convenor, member = world["convenor"], world["member"]
        codes = all_district_codes()
        longest_text = "é" * 20_000  # sent escaped: six bytes a character
        heavy: list[tuple[str, Callable[[], Awaitable[httpx.Response]], int]] = [
            (
                f"invite {MAX_INVITATIONS} addresses in {MAX_INVITATION_ENTRIES} entries",
                lambda: client.post(
                    f"/api/v1/bids/{bid_id}/invitations",
                    json={
                        "emails": [f"person{i % MAX_INVITATIONS}@example.org" for i in range(MAX_INVITATION_ENTRIES)]
                    },
                    headers=convenor,
                ),
                201,
            ),
            (
                f"coverage of all {len(codes)} districts",
                lambda: client.put(
                    f"/api/v1/organisations/{org_id}/coverage",
                    json={"districts": [{"district_code": code, "homes": 1000} for code in codes]},
                    headers=member,
                ),
                200,
            ),
            (
                "a pledge with every district, 50 themes and 20,000-character texts",
                lambda: client.post(
                    f"/api/v1/bids/{bid_id}/pledges",
                    json={
                        "amount_pence": 100_000_00,
                        "purpose": longest_text,
                        "conditions": longest_text,
                        "themes": [f"{n:03d}" + "t" * 97 for n in range(MAX_THEMES)],
                        "areas": [{"district_code": code} for code in codes],
                    },
                    headers=member,
                ),
                201,
            ),
            (
                "a profile with a 20,000-character description",
                lambda: client.patch(
                    f"/api/v1/organisations/{org_id}",
                    json={"description": longest_text, "contact_name": "x" * 300, "name": "n" * 300},
                    headers=member,
                ),
                200,
            ),
            (
                "district search, the longest query and most results",
                lambda: client.get(
                    "/api/v1/reference/districts", params={"q": "e" * 100, "limit": 400}, headers=member
                ),
                200,
            ),
        ]
        await client.get("/api/v1/auth/me", headers=member)  # its token's last use is now written: reads only after
        for what, work, status in heavy:
            answer, took, slowest = await while_probing(server, member, work)
            print(f"{what}: {answer.status_code} in {took:.2f} s; slowest trivial answer {slowest:.3f} s")
            assert answer.status_code == status, (what, answer.text[:500])
            assert slowest < STALL, f"{what}: a trivial request waited {slowest:.2f} s"


async def test_pages_largest_inputs_leave_the_server_responsive(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
        world = await bid_with_member(client, "convenor@example.org")
        bid_id, org_id = world["bid_id"], world["organisation_id"]
        reference = districts()
        pasted = "\n".join(f"{reference[code].name}, 1,200" for code in sorted(reference))
        addresses = [f"person{i % MAX_INVITATIONS}@example.org" for i in range(5_000)]
        csv = ("name,email\n" + "".join(f"Person,{a}\n" for a in addresses)).encode()[:99_000]
        csv = csv[: csv.rindex(b"\n") + 1]
        await sign_in(client, "member@example.org")
        answer, took, slowest = await while_probing(
            server,
            world["member"],
            lambda: post_form(client, f"/organisations/{org_id}/coverage", {"paste": pasted, "paste_mode": "replace"}),
        )
        print(f"coverage page, every district pasted: {answer.status_code} in {took:.2f} s; slowest {slowest:.3f} s")
        assert answer.status_code == 303, answer.text[:1000]
        assert slowest < STALL
        await sign_in(client, "convenor@example.org")
        answer, took, slowest = await while_probing(
            server,
            world["member"],
            lambda: post_form(
                client,
                f"/bids/{bid_id}/invitations",
                {"emails": ""},
                files={"csv": ("members.csv", csv, "text/csv")},
            ),
        )
        print(
            f"invitations page, a {len(csv):,}-byte CSV: {answer.status_code} in {took:.2f} s; slowest {slowest:.3f} s"
        )
        assert answer.status_code == 201, answer.text[:1000]
        assert slowest < STALL


async def refused_quickly(send: Awaitable[httpx.Response], statuses: set[int]) -> str:
    started = time.perf_counter()
    answer = await send
    took = time.perf_counter() - started
    assert answer.status_code in statuses, (answer.status_code, answer.text[:500])
    assert took < QUICK, f"refusing took {took:.2f} s"
    return plain_message(answer)


async def test_over_limit_input_is_refused_at_once_with_a_plain_message(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
        world = await bid_with_member(client, "convenor@example.org")
        bid_id, org_id = world["bid_id"], world["organisation_id"]
        convenor, member = world["convenor"], world["member"]
        invitations = f"/api/v1/bids/{bid_id}/invitations"
        invited = (await client.get(invitations, headers=convenor)).json()
        many = [f"person{i}@example.org" for i in range(24_000)]
        said = await refused_quickly(client.post(invitations, json={"emails": many}, headers=convenor), {400, 422})
        assert "2,000" in said
        distinct = [f"person{i}@example.org" for i in range(MAX_INVITATIONS + 1)]
        said = await refused_quickly(client.post(invitations, json={"emails": distinct}, headers=convenor), {422})
        assert f"at most {MAX_INVITATIONS}" in said
        two_mb = {"emails": ["a" * 1_000 + "@example.org"] * 2_000}
        said = await refused_quickly(client.post(invitations, json=two_mb, headers=convenor), {413})
        rows = [{"district_code": code} for code in all_district_codes()] * 2
        coverage = client.put(f"/api/v1/organisations/{org_id}/coverage", json={"districts": rows}, headers=member)
        await refused_quickly(coverage, {400, 422})
        rules = [{"key": "min_members", "count": 2}] * 51
        await refused_quickly(
            client.put(f"/api/v1/bids/{bid_id}/rules", json={"rules": rules}, headers=convenor), {400}
        )
        assert (await client.get(invitations, headers=convenor)).json() == invited  # nothing of it was done

        await sign_in(client, "member@example.org")
        base = f"/organisations/{org_id}/coverage"
        hostile_lines = "\n".join(("x" + ", " * 100)[:200] for _ in range(len(districts())))
        for paste, words in (
            ("\n".join(["Leeds"] * 401), "at most 400 lines"),
            (hostile_lines, "We don't recognise"),
            ("Leeds " + "1" * 500, "characters long"),
        ):
            token = await form_token(client, base)
            started = time.perf_counter()
            answer = await client.post(base, data={"paste": paste, "paste_mode": "add", "csrf_token": token})
            took = time.perf_counter() - started
            assert answer.status_code == 422 and words in text_of(answer.text), (words, answer.text[:1000])
            assert took < QUICK, f"{words}: {took:.2f} s"
        await sign_in(client, "convenor@example.org")
        page = f"/bids/{bid_id}/invitations"
        token = await form_token(client, page)
        started = time.perf_counter()
        answer = await client.post(page, data={"emails": "<" + "a@" * 150_000, "csrf_token": token})
        assert answer.status_code == 422 and "paste at most" in text_of(answer.text)
        assert time.perf_counter() - started < QUICK
        answer = await post_form(client, page, {"emails": "x" * 3_000_000})
        assert answer.status_code == 413, answer.text[:500]
        plain_message(answer)
