"""The contacts file: who each council's letter is addressed to.

Columns (header case, spaces, hyphens and underscores do not matter): ``authority`` (official name,
other name or GSS code; required), ``title``, ``forename``, ``surname``, ``job_title``, ``email``, and
``link_officer_email`` (or ``cc``): one or more addresses copied in, separated by ``;``.
A council that is not in the file is addressed as "Chief Executive", "Dear Chief Executive". Every email
address is checked for syntax (not looked up on the network) and a bad one is named at its row.
"""

from __future__ import annotations

from pathlib import Path

from .addresses import BadAddress, check_address, split_addresses
from .errors import InputFileError
from .reading import read_table
from .register import Register, UnknownAuthority
from .values import cell_text, header_key
from .wording import Contact

CONTACT_COLUMNS = ("authority", "title", "forename", "surname", "job_title", "email", "link_officer_email")


def load_contacts(path: str | Path, register: Register) -> dict[str, Contact]:
    """Contacts by GSS code. Every problem in the file is listed in one :class:`InputFileError`."""
    table = read_table(path)
    columns = {header_key(h): i for i, h in reversed(list(enumerate(table.headers)))}
    if "authority" not in columns:
        raise InputFileError(
            path,
            f"row 1: the contacts file needs an authority column; found {', '.join(map(repr, table.headers))}. "
            f"Its columns are {', '.join(CONTACT_COLUMNS)}.",
        )
    contacts: dict[str, Contact] = {}
    first_row: dict[str, int] = {}
    problems: list[str] = []
    for row_number, row in table.rows():
        def get(column: str) -> str:
            index = columns.get(column)
            return cell_text(row[index]) if index is not None and index < len(row) else ""

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
        for column, cell in (("email", get("email")),
                             ("link_officer_email" if get("link_officer_email") else "cc",
                              get("link_officer_email") or get("cc"))):
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
            link_officer_email="; ".join(next(v for k, v in addresses.items() if k != "email")),
        )
    if problems:
        raise InputFileError(path, "\n  " + "\n  ".join(problems))
    return contacts
