"""Money is integer pence everywhere; pounds appear only at the edge, in text for people."""

from __future__ import annotations


def format_pence(amount_pence: int, *, always_pence: bool = False) -> str:
    """Format pence as pounds for people: 25000000 -> "£250,000", 12345 -> "£123.45".

    Whole pounds drop the ".00" unless ``always_pence`` is set (tables of exact figures).
    """
    sign = "-" if amount_pence < 0 else ""
    pounds, pence = divmod(abs(amount_pence), 100)
    if pence or always_pence:
        return f"{sign}£{pounds:,}.{pence:02d}"
    return f"{sign}£{pounds:,}"


def parse_pounds(text: str) -> int:
    """Parse what a person types as pounds ("£1,250.50", "1250.5", "1250") into pence.

    Raises ValueError with a message a person can act on.
    """
    cleaned = text.strip().replace("£", "").replace(",", "").replace(" ", "")
    if not cleaned:
        raise ValueError("Enter an amount in pounds, for example 25000 or 25,000.50")
    if cleaned.startswith("-"):
        raise ValueError("Enter an amount of zero or more")
    whole, dot, fraction = cleaned.partition(".")
    if not whole:
        whole = "0"
    if not whole.isdigit() or (dot and not fraction.isdigit()) or len(fraction) > 2:
        raise ValueError("Enter an amount in pounds and pence, like 25000 or 25000.50, with at most two decimals")
    return int(whole) * 100 + int(fraction.ljust(2, "0") if fraction else "0")
