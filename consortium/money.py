"""Money is integer pence everywhere; pounds appear only at the edge, in text for people."""

from __future__ import annotations

import re

_FIGURES = re.compile(r"[\d,.]+")
_GROUPED_POUNDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")  # 1,000 or 12,345.67: commas in the right places


class MisplacedSeparator(ValueError):
    """A comma (or space) that does not separate thousands, as in "10,00" or "1,0000": never guessed at."""


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

    Commas (or spaces) are accepted only between thousands: "1,000" and "12,345.67", never "10,00" or "1,0000"
    (MisplacedSeparator). Raises ValueError with a message a person can act on.
    """
    typed = text.strip().replace("£", "").strip().replace(" ", ",")  # "25 000" is grouped like "25,000"
    cleaned = typed.replace(",", "")
    if not cleaned:
        raise ValueError("Enter an amount in pounds, for example 25000 or 25,000.50")
    if cleaned.startswith("-"):
        raise ValueError("Enter an amount of zero or more")
    if "," in typed and _FIGURES.fullmatch(typed) and not _GROUPED_POUNDS.fullmatch(typed):
        # "10,00" is not £1,000 (nor £10): a comma only separates thousands, so exactly 3 figures follow each one.
        raise MisplacedSeparator("Write the amount in pounds, like 1,500 or 1500.50: commas only between thousands")
    whole, dot, fraction = cleaned.partition(".")
    if not whole:
        whole = "0"
    if not whole.isdigit() or (dot and not fraction.isdigit()) or len(fraction) > 2:
        raise ValueError("Enter an amount in pounds and pence, like 25000 or 25000.50, with at most two decimals")
    return int(whole) * 100 + int(fraction.ljust(2, "0") if fraction else "0")
