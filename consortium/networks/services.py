"""Networks and their first convenor: made from the command line by whoever runs the service
(``create_network``), or from the web by a person starting one (``start_network`` when signed in,
``sign_up_with_network`` with a new account), unless the operator turned that off (``Settings.open_signup``)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated

import msgspec

from consortium.accounts import services as accounts
from consortium.accounts.passwords import check_new_password
from consortium.accounts.principal import Principal
from consortium.accounts.tables import SignInAttempt, User
from consortium.audit import services as audit
from consortium.db import write_transaction
from consortium.errors import SAME_CHANGE_AT_ONCE, Conflict, NotFound, TooManyAttempts, is_unique_violation
from consortium.networks.tables import Network, NetworkConvenor
from consortium.schemas import Password, ShortText
from consortium.settings import Settings
from consortium.timeutil import utc_now
from consortium.validation import Problems, check_each
from consortium.words import count_text

SIGN_UP_TURNED_OFF = (
    "Starting a network from the web is turned off on this service. Ask whoever runs Consortium for your "
    "organisation to create the network for you."
)
ACCOUNT_EXISTS = (
    "There is already an account for that email address. Sign in, then start your network from your account page."
)
# A refused sign-up is counted as a failed sign-in from the address (``SignInAttempt``), under this stand-in for an
# email address that no account can have (it has no @), so it counts against the address and never an account.
SIGN_UP_ATTEMPT = "(sign-up)"


def name_taken(name: str) -> str:
    return (
        f"There is already a network called ‘{name}’. Choose another name, or ask that network's convenors to "
        "invite you."
    )


def require_open_signup(settings: Settings) -> None:
    """Everything that starts a network from the web answers 404 when the operator has turned it off."""
    if not settings.open_signup:
        raise NotFound(SIGN_UP_TURNED_OFF)


ShortEmail = Annotated[str, msgspec.Meta(max_length=320)]  # an Email, whose shortest is checked as an address


class _Typed(msgspec.Struct):
    """What a person types to start a network, checked field by field (``check_each``) against the limits the API
    applies, so a form, a script and the command line are told the same, in words."""

    name: ShortText = ""
    email: ShortEmail = ""
    password: Password = ""
    network_name: ShortText = ""


LABELS = {
    "name": "your name",
    "email": "your email address",
    "password": "your password",
    "network_name": "the network's name",
}


def _network_name_problems(name: str, field: str, problems: Problems) -> None:
    check_each(_Typed(network_name=name), problems, {"network_name": "the network's name"})
    problems.items = [(field if path == "network_name" else path, message) for path, message in problems.items]
    if not problems.on(field) and not name.strip():
        problems.add(field, "Enter the network's name.")


def checked_network_name(name: str, *, field: str = "name") -> str:
    """A network's name as it is stored (without the spaces around it), or ``Invalid`` (422) on ``field``."""
    problems = Problems()
    _network_name_problems(name, field, problems)
    problems.refuse()
    return name.strip()


async def _insert_network(actor: Principal | None, name: str, convenor_id: int, *, via: str) -> int:
    """Inside a transaction: the network, its first convenor, and the audit trail's record of both."""
    if await Network.exists().where(Network.name == name):
        raise Conflict(name_taken(name), field="name")
    rows = await Network.insert(Network(name=name)).returning(Network.id)
    network_id = int(rows[0]["id"])
    added_by = actor.user_id if actor is not None else None
    await NetworkConvenor.insert(NetworkConvenor(network=network_id, user=convenor_id, added_by=added_by))
    await audit.record(
        actor, "network.create", "network", network_id, after={"name": name, "convenor_id": convenor_id, "via": via}
    )
    return network_id


async def _duplicate(error: Exception, name: str, *, name_field: str = "name", email: str | None = None) -> Conflict:
    """The 409 for a unique index's refusal (two of these at once, both past the checks, on PostgreSQL): what the
    checks would have said had the other one been first."""
    if email is not None and await accounts.user_id_by_email(email) is not None:
        return Conflict(ACCOUNT_EXISTS, field="email")
    if await Network.exists().where(Network.name == name):
        return Conflict(name_taken(name), field=name_field)
    return Conflict(SAME_CHANGE_AT_ONCE)


async def create_network(name: str, convenor_email: str, convenor_name: str, password: str) -> tuple[int, int]:
    """A network with its first convenor, from the command line (an existing account is reused; a new one needs
    the password)."""
    name = checked_network_name(name)
    try:
        async with write_transaction():
            if await Network.exists().where(Network.name == name):
                raise Conflict(name_taken(name), field="name")
            user_id = await accounts.user_id_by_email(convenor_email)
            if user_id is None:
                user_id = await accounts.create_user(convenor_email, convenor_name, password)
            network_id = await _insert_network(None, name, user_id, via="command line")
    except Exception as error:
        if not is_unique_violation(error):
            raise
        raise await _duplicate(error, name) from error
    return network_id, user_id


async def start_network(principal: Principal, name: str) -> int:
    """A network started by the signed-in person, who becomes its first convenor."""
    name = checked_network_name(name)
    try:
        async with write_transaction():
            network_id = await _insert_network(principal, name, principal.user_id, via="web")
    except Exception as error:
        if not is_unique_violation(error):
            raise
        raise await _duplicate(error, name) from error
    return network_id


async def _sign_up_problems(name: str, email: str, password: str, network_name: str) -> tuple[Problems, str]:
    """Every problem with what was sent to sign up, each on its field, and the email address as accounts keep it."""
    problems = Problems()
    check_each(_Typed(name=name, email=email, password=password), problems, LABELS)
    if not problems.on("name") and not name.strip():
        problems.add("name", "Enter your name.")
    normalised = ""
    if not problems.on("email"):
        with problems.collecting("email"):
            normalised = accounts.normalise_email(email)
    if not problems.on("password"):
        with problems.collecting("password"):
            # A guesser knows whose account it is: the password must not lean on the name or the address.
            known_name = "" if problems.on("name") else name.strip()
            await check_new_password(password, email=normalised, name=known_name)
    _network_name_problems(network_name, "network_name", problems)
    return problems, normalised


async def check_sign_up(*, name: str, email: str, password: str, network_name: str) -> None:
    """Every problem ``sign_up_with_network`` would find with what was typed (``Invalid``), without signing up: for
    a form some of whose fields could not be used (two passwords that differ), so the rest are reported too."""
    (await _sign_up_problems(name, email, password, network_name))[0].refuse()


async def _refuse_if_probing(settings: Settings, address: str | None) -> None:
    """The sign-in limit per address holds for sign-up too: sign-ups refused for an existing account count with
    failed sign-ins, so sign-up cannot be used to test which addresses have accounts any faster than sign-in."""
    if address is None:
        return
    since = utc_now() - timedelta(seconds=settings.sign_in_window_seconds)
    recent = SignInAttempt.address == address[: accounts.ADDRESS_LENGTH]
    if await SignInAttempt.count().where(recent & (SignInAttempt.at >= since)) < settings.sign_in_attempts:
        return
    oldest = (
        await SignInAttempt.select(SignInAttempt.at)
        .where(recent & (SignInAttempt.at >= since))
        .order_by(SignInAttempt.at)
        .first()
    )
    retry_at = (oldest["at"] if oldest else utc_now()) + timedelta(seconds=settings.sign_in_window_seconds)
    minutes = max(1, math.ceil((retry_at - utc_now()).total_seconds() / 60))
    raise TooManyAttempts(
        f"Too many unsuccessful attempts from your connection. Try again in {count_text(minutes, 'minute')}, or "
        "sign in with the account you have.",
        extra={"retry_after_seconds": minutes * 60},
    )


async def _count_refusal(address: str | None) -> None:
    if address is not None:
        await SignInAttempt.insert(SignInAttempt(email=SIGN_UP_ATTEMPT, address=address[: accounts.ADDRESS_LENGTH]))


async def sign_up_with_network(
    settings: Settings, *, name: str, email: str, password: str, network_name: str, address: str | None = None
) -> tuple[int, int]:
    """A new account and its network, in one transaction; the person is the network's first convenor. Returns
    (user id, network id).

    Every problem with the name, email, password and network name is reported at once (``Invalid``, 422). An
    email address that already has an account is refused (409) without saying more and without touching that
    account; so is a network name already taken. ``address`` (the caller's) is limited as sign-in is."""
    user_id, network_id, _ = await _sign_up(settings, name, email, password, network_name, address, token_name=None)
    return user_id, network_id


async def sign_up_with_api_token(
    settings: Settings, *, name: str, email: str, password: str, network_name: str, address: str | None = None
) -> tuple[int, int, str]:
    """``sign_up_with_network`` for a script: (user id, network id, a new API token for the account, shown once),
    the token made in the same transaction as the account."""
    user_id, network_id, token = await _sign_up(
        settings, name, email, password, network_name, address, token_name=f"Made on signing up ({network_name})"
    )
    assert token is not None
    return user_id, network_id, token


async def _sign_up(
    settings: Settings,
    name: str,
    email: str,
    password: str,
    network_name: str,
    address: str | None,
    *,
    token_name: str | None,
) -> tuple[int, int, str | None]:
    require_open_signup(settings)
    await _refuse_if_probing(settings, address)
    problems, email = await _sign_up_problems(name, email, password, network_name)
    problems.refuse()
    name, network_name = name.strip()[:300], network_name.strip()
    if await accounts.user_id_by_email(email) is not None:
        await _count_refusal(address)
        raise Conflict(ACCOUNT_EXISTS, field="email")
    if await Network.exists().where(Network.name == network_name):
        raise Conflict(name_taken(network_name), field="network_name")
    password_hash = await accounts.hash_new_password(password)  # slow on purpose: before the write lock
    token = None
    try:
        async with write_transaction():
            if await User.exists().where(User.email == email):
                raise Conflict(ACCOUNT_EXISTS, field="email")
            rows = await User.insert(User(email=email, name=name, password_hash=password_hash)).returning(User.id)
            user_id = int(rows[0]["id"])
            principal = await accounts.load_principal(user_id)
            await audit.record(principal, "account.sign_up", "user", user_id, after={"email": email, "name": name})
            network_id = await _insert_network(principal, network_name, user_id, via="sign-up")
            if token_name is not None:
                _, token = await accounts.create_api_token(user_id, token_name[:300])
    except Conflict as error:
        if error.field == "name":  # the network's name: on this form, the field network_name
            raise Conflict(error.message, field="network_name") from error
        raise
    except Exception as error:
        if not is_unique_violation(error):
            raise
        raise await _duplicate(error, network_name, name_field="network_name", email=email) from error
    return user_id, network_id, token
