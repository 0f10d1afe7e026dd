"""The failures a user can fix, one class per kind.

The command line turns each into a clear message and an exit code; library callers catch them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class DescribedProblem(Protocol):
    """A problem in an export (:class:`ombudsman_cli.data.validation.Problem`), as an error describes it."""

    @property
    def row(self) -> int | None: ...

    def describe(self) -> str: ...


class OmbudsmanError(Exception):
    """Base class: something the user can put right. The message says how."""


class UsageError(OmbudsmanError, ValueError):
    """An argument or setting that cannot be used (the command line exits 2); to a library caller, a
    ``ValueError``."""


class InputFileError(OmbudsmanError):
    """A file that cannot be read at all: missing, unreadable, wrong format, required column absent."""

    def __init__(self, path: object, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


class MissingColumns(InputFileError):
    """The header row lacks a required column; ``columns`` names them."""

    def __init__(self, path: object, columns: Sequence[str], row: int, message: str) -> None:
        super().__init__(path, message)
        self.columns = list(columns)
        self.row = row
        self.message = message


class ExportHasProblems(OmbudsmanError):
    """The export has rows that would make the figures wrong; nothing is computed or written.

    ``skippable`` is false when a problem is about a whole column or the file, which leaving rows out
    (``--skip-invalid``) cannot mend.
    """

    def __init__(self, path: object, problems: Sequence[DescribedProblem], skippable: bool = True) -> None:
        self.path = str(path)
        self.problems = list(problems)
        self.skippable = skippable
        rows = sorted({p.row for p in self.problems if p.row is not None})
        shown = "\n".join(f"  {p.describe()}" for p in self.problems[:10])
        more = f"\n  ... and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        if skippable:
            where = f" in {len(rows)} row{'s' if len(rows) != 1 else ''}"
            fix = ("Fix them in the export (run 'ombudsman check' to list them all), "
                   "or pass --skip-invalid to leave those rows out.")
        else:
            where = " with a whole column or the file"
            fix = ("Fix them in the export: --skip-invalid leaves out rows, and leaving rows out cannot mend "
                   "these (run 'ombudsman check' to list every problem).")
        super().__init__(f"{path} has {count}{where}:\n{shown}{more}\n{fix}")


class UnknownAuthority(OmbudsmanError, LookupError):
    """A name or code that names no authority in the register, or names more than one; ``suggestions``
    are the closest official names."""

    def __init__(self, message: str, suggestions: list[str], ambiguous: bool = False) -> None:
        super().__init__(message)
        self.suggestions = suggestions
        self.ambiguous = ambiguous


class NoDecisions(OmbudsmanError):
    """Nothing to report: the export has no usable decisions in the year asked for."""


class TemplateProblem(OmbudsmanError):
    """A letter template that cannot be filled: missing file, unknown variables, broken Jinja."""


class FolderBusy(OmbudsmanError):
    """Another run is writing to (or sending from) the same folder."""


class WrongFolder(OmbudsmanError):
    """A folder given for one kind of output (letters, the site) holds another kind, another year, or files
    ombudsman did not make; nothing was changed."""


class ManifestProblem(OmbudsmanError):
    """A letters folder's ``manifest.csv`` that cannot be trusted: cut short, a row twice, a file outside
    the folder."""


class LedgerProblem(OmbudsmanError):
    """``send-log.csv`` cannot be written, or what was written did not read back: sending stops before the
    next message, since a message whose outcome cannot be recorded could be sent twice."""


class NothingToSend(OmbudsmanError):
    """The letters folder has no manifest (``letters`` has not been run for it), or no letter in it."""


class AttachmentChanged(OmbudsmanError):
    """An attachment that is not, at the moment of sending, the file the manifest describes."""


class MailServerError(OmbudsmanError):
    """The mail server cannot be reached, or will not let us in; nothing was sent."""


class MailboxProblem(OmbudsmanError):
    """The mailbox the delivery reports are in cannot be read (refused login, no such folder, not a
    mailbox); nothing was recorded."""


class BadAddress(OmbudsmanError, ValueError):
    """An address that is not an email address; the message says what is wrong with it."""


class SiteProblem(OmbudsmanError):
    """The site cannot be built where it was asked to be, or from what it was given."""


class ConversionError(OmbudsmanError):
    """LibreOffice is missing, or did not produce every PDF it was asked for."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop as cleanly as after Ctrl-C (the command line exits 143)."""


#: Secrets this process holds (the SMTP password or token): never shown, whatever the message.
_SECRETS: set[str] = set()


def hide_secret(secret: str) -> None:
    """Have :func:`redact` hide ``secret`` (and its longer fragments) from every message from now on."""
    if secret:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` with every known secret, and any piece of one of 8 characters or more, replaced by ``***``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
        for start in range(len(secret) - 7):  # a piece of a long secret (a token cut short) is secret too
            piece = secret[start:start + 8]
            if piece in text:
                text = text.replace(piece, "***")
    return text
