"""Email addresses: checked for syntax (never looked up on the network) and split where a cell holds several."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[;,]")


class BadAddress(ValueError):
    """An address that is not an email address; the message says what is wrong with it."""


# An everyday address (ASCII, dot-separated words, a registered kind of top-level domain) that
# email-validator would take as it is but for the case of its domain: checked here in microseconds.
# Anything else goes to email-validator, which says exactly what is wrong.
_PLAIN = re.compile(r"^(?=.{1,254}$)(?=[^@]{1,64}@)[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
                    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$")
_SPECIAL_USE = {"arpa", "invalid", "local", "localhost", "onion", "test"}


def check_address(address: str) -> str:
    """The address, normalised (case of the domain), or :class:`BadAddress` saying what is wrong."""
    plain = _PLAIN.match(address)
    if plain and plain.group(1).rsplit(".", 1)[-1].lower() not in _SPECIAL_USE:
        return address[:plain.start(1)] + plain.group(1).lower()
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise BadAddress(f"{address!r} is not an email address: {error}") from None


def split_addresses(cell: str) -> list[str]:
    """``"a@x.org; b@x.org"`` -> both; blank parts are dropped."""
    return [part.strip() for part in _SEPARATORS.split(cell) if part.strip()]
