"""Email addresses: checked for syntax (never looked up on the network) and split where a cell holds several."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[;,]")


class BadAddress(ValueError):
    """An address that is not an email address; the message says what is wrong with it."""


def check_address(address: str) -> str:
    """The address, normalised (case of the domain), or :class:`BadAddress` saying what is wrong."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise BadAddress(f"{address!r} is not an email address: {error}") from None


def split_addresses(cell: str) -> list[str]:
    """``"a@x.org; b@x.org"`` -> both; blank parts are dropped."""
    return [part.strip() for part in _SEPARATORS.split(cell) if part.strip()]
