"""Email addresses: checked for syntax (never looked up on the network) and split where a cell holds several."""

from __future__ import annotations

import re

from ..errors import BadAddress

_SEPARATORS = re.compile(r"[;,]")



# An everyday address (ASCII, dot-separated words, a registered kind of top-level domain) that
# email-validator would take as it is but for the case of its domain: checked here in microseconds.
# Anything else goes to email-validator, which says exactly what is wrong.
_PLAIN = re.compile(r"^(?=.{1,254}$)(?=[^@]{1,64}@)[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
                    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$")
_SPECIAL_USE = {"arpa", "invalid", "local", "localhost", "onion", "test"}
# getaddresses(strict=True) (Python 3.11.10, 3.12.6 and later) refuses what the lenient parser misreads.
try:
    from email.utils import getaddresses as _getaddresses

    _getaddresses(["a@b.org"], strict=True)  # type: ignore[call-arg]
    _STRICT_PARSING = True
except TypeError:
    _STRICT_PARSING = False


def check_address(address: str) -> str:
    """The address as it can go over the wire, or :class:`BadAddress` saying what is wrong: the domain in
    lower case, and in its ASCII (IDNA) form where it has other letters (``ce@mänsfield.example`` goes as
    ``ce@xn--mnsfield-0za.example``). Letters outside ASCII before the ``@`` (``jörg@...``) are refused:
    such a mailbox can be reached only through servers that all speak SMTPUTF8, which nothing here can
    promise, and an address encoded any other way never arrives."""
    if any(c in address for c in "\r\n\x00"):
        raise BadAddress(f"{address!r} is not an email address: it holds a line break")
    plain = _PLAIN.match(address)
    if plain and plain.group(1).rsplit(".", 1)[-1].lower() not in _SPECIAL_USE:
        return address[:plain.start(1)] + plain.group(1).lower()
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise BadAddress(f"{address!r} is not an email address: {error}") from None
    if valid.ascii_email is None:
        raise BadAddress(f"{address!r} has letters outside ASCII before the @, which most mail servers cannot deliver "
                         "to; give the mailbox's ASCII address (ask the council for one)")
    return str(valid.ascii_email)


def parse_mailbox(text: str) -> tuple[str, str]:
    """``"Annual Reviews <reviews@lgo.org.uk>"`` or a bare address -> (display name, checked address);
    :class:`BadAddress` for anything else (several addresses, a line break, an empty value)."""
    from email.utils import getaddresses

    if not text or not text.strip():
        raise BadAddress("no address given")
    if any(c in text for c in "\r\n\x00"):
        raise BadAddress(f"{text!r} holds a line break")
    found = getaddresses([text], strict=True) if _STRICT_PARSING else getaddresses([text])
    if len(found) != 1 or not found[0][1]:
        raise BadAddress(f"{text!r} is not one email address (as reviews@lgo.org.uk, or Name <reviews@lgo.org.uk>)")
    name, address = found[0]
    return name, check_address(address)


def format_mailbox(text: str) -> str:
    """The header form of a checked mailbox: ``Name <address>``, or the address alone."""
    from email.utils import formataddr

    name, address = parse_mailbox(text)
    return formataddr((name, address)) if name else address


def split_addresses(cell: str) -> list[str]:
    """``"a@x.org; b@x.org"`` -> both; blank parts are dropped."""
    return [part.strip() for part in _SEPARATORS.split(cell) if part.strip()]
