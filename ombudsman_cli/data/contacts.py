"""The contacts file: who each council's letter is addressed to.

Columns (header case, spaces, hyphens and underscores do not matter): ``authority`` (official name,
other name or GSS code; required), ``title``, ``forename``, ``surname``, ``job_title``, ``email``, and
``link_officer_email`` (or ``cc``): one or more addresses copied in, separated by ``;``.
A council that is not in the file is addressed as "Chief Executive", "Dear Chief Executive". Every email
address is checked for syntax (not looked up on the network) and a bad one is named at its row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import InputFileError, UnknownAuthority
from ..models import Contact
from .addresses import BadAddress, check_address, split_addresses
from .reading import read_table
from .register import Register
from .values import header_key, printable, probable_column, text_at

CONTACT_COLUMNS = ("authority", "title", "forename", "surname", "job_title", "email", "link_officer_email")
#: Other names a column is read under.
_ALIASES = {"cc": "link_officer_email"}
#: Headers that mean a person's whole name, which the contacts file holds in parts.
_WHOLE_NAME = {"name", "full_name", "contact", "contact_name", "chief_executive", "addressee", "recipient"}


class Contacts(dict[str, Contact]):
    """Contacts by GSS code, with the columns of the file that were not read."""

    ignored: list[str]

    def __init__(self, contacts: dict[str, Contact], ignored: list[str]) -> None:
        super().__init__(contacts)
        self.ignored = ignored


def _map_columns(path: str | Path, headers: Sequence[str], header_row: int) -> tuple[dict[str, int], list[str]]:
    """Column -> index, and the headers not read. A column given twice (also as ``cc`` beside
    ``link_officer_email``) and a header that looks like a column the file lacks are errors, as in the
    decisions export: read in silence, they would address letters to "Dear Chief Executive" and no one."""
    where = f"row {header_row}"
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header_key(header)
        column = _ALIASES.get(key, key)
        if column not in CONTACT_COLUMNS:
            continue
        if column in columns:
            raise InputFileError(path, f"{where}: columns {printable(headers[columns[column]])!r} and "
                                       f"{printable(header)!r} both mean {column}; keep one of them.")
        columns[column] = index
    if "authority" not in columns:
        raise InputFileError(
            path,
            f"{where}: the contacts file needs an authority column; found "
            f"{', '.join(repr(printable(h, 40)) for h in headers) or 'none'}. Its columns are "
            f"{', '.join(CONTACT_COLUMNS)} (cc for link_officer_email).",
        )
    absent = [c for c in CONTACT_COLUMNS if c not in columns]
    ignored, problems = [], []
    for index, header in enumerate(headers):
        if index in columns.values() or not header.strip():
            continue
        key = header_key(header)
        meant = ("forename and surname" if key in _WHOLE_NAME and {"forename", "surname"} & set(absent)
                 else probable_column(key, absent))
        if meant:
            problems.append(f"{where}, column {printable(header)!r}: not a column ombudsman reads, and it looks like "
                            f"{meant}, which the file does not have. Rename it to {meant} (or, if it holds something "
                            "else, to a name that does not look like it)")
        else:
            ignored.append(header)
    if problems:
        raise InputFileError(path, "\n  " + "\n  ".join(problems) + f"\nThe columns read are {', '.join(CONTACT_COLUMNS)}.")
    return columns, ignored


def load_contacts(path: str | Path, register: Register) -> Contacts:
    """Contacts by GSS code. Every problem in the file is listed in one :class:`InputFileError`."""
    table = read_table(path)
    columns, ignored = _map_columns(path, table.headers, table.header_row)
    contacts: dict[str, Contact] = {}
    first_row: dict[str, int] = {}
    problems: list[str] = []
    for row_number, row in table.rows():
        def get(column: str) -> str:
            return text_at(row, columns.get(column))

        name = get("authority")
        where = f"row {row_number}, column {table.headers[columns['authority']]}"
        try:
            authority = register.find(name)
        except UnknownAuthority as error:
            problems.append(f"{where}: {name!r} {error}")
            continue
        if authority.code in first_row:
            problems.append(f"{where}: {authority.name} already has a contact on row {first_row[authority.code]}; "
                            "keep one row per council")
            continue
        first_row[authority.code] = row_number
        addresses: dict[str, list[str]] = {}
        for column, cell in (("email", get("email")), ("link_officer_email", get("link_officer_email"))):
            addresses[column] = []
            for address in split_addresses(cell):
                try:
                    addresses[column].append(check_address(address))
                except BadAddress as error:
                    problems.append(f"row {row_number}, column {table.headers[columns[column]]}: {error}")
        if len(addresses["email"]) > 1:
            problems.append(f"row {row_number}, column {table.headers[columns['email']]}: one address for the chief "
                            "executive; put the others in link_officer_email (or cc), separated by ;")
        contacts[authority.code] = Contact(
            title=get("title"), forename=get("forename"), surname=get("surname"),
            job_title=get("job_title"), email="; ".join(addresses["email"]),
            link_officer_email="; ".join(addresses["link_officer_email"]),
        )
    if problems:
        raise InputFileError(path, "\n  " + "\n  ".join(problems))
    return Contacts(contacts, ignored)
