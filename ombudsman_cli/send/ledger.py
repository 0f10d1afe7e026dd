"""``send-log.csv``, the ledger: what became of every message handed to the mail server, and so what each
council is still owed. What was sent is known from here alone, so a rerun never sends a letter twice.

Each message has two rows: ``sending``, written just before it is handed over, then its outcome. Rows are
appended on a line of their own, flushed to disk and read back; a line that cannot be read is kept, and
every council it names counts as possibly sent.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..data.addresses import split_addresses
from ..errors import LedgerProblem
from ..years import BusinessYear
from .reports import Finding

LEDGER_NAME = "send-log.csv"
#: The columns of a ledger written before delivery reports were read back; such a ledger is read as it is,
#: and its header is completed (the file replaced whole) the first time a row with the new columns is added.
FIRST_FIELDS = ("time", "year", "authority", "code", "file", "sha256", "attachments", "message_id", "to", "cc",
                "outcome", "reply", "refused")
#: ``subject``: the message's; ``recipient``, ``status``, ``report_date``, ``report_id``: a finding's (what
#: a delivery report said of one recipient: delivered, bounced, delayed or auto-reply; ``reply`` holds the
#: server's words or the auto-reply's).
LEDGER_FIELDS = (*FIRST_FIELDS, "subject", "recipient", "status", "report_date", "report_id")


class Outcome(StrEnum):
    """What became of a message; the ledger's ``outcome`` column holds the value."""

    #: Written just before the message is handed over; with no outcome after it, the message may have gone.
    SENDING = "sending"
    SENT = "sent"
    #: A permanent refusal (5xx): not retried.
    REFUSED = "refused"
    #: Put off (4xx) after every retry: sent again by a rerun.
    DEFERRED = "deferred"
    #: The connection failed after the whole message was handed over: it may have arrived.
    UNKNOWN = "unknown"
    #: A proof sent with --to-self: never a letter sent to the council.
    TEST = "test"
    #: The dry run: written to the outbox.
    WRITTEN = "written"
    #: Not handed over: the attachment changed between the plan and the moment of sending.
    CHANGED = "changed"


#: Outcomes that leave nothing to put right.
DONE = (Outcome.SENT, Outcome.TEST, Outcome.WRITTEN)
#: What a delivery report can say of a recipient (its own rows of the ledger).
FINDINGS = {finding.value for finding in Finding}
#: A recipient's last word: a finding, or ``sent`` (handed over, no report since).
SENT_AND_WAITING = "sent"


@dataclass
class Delivery:
    """What a transport made of one message."""

    outcome: Outcome
    reply: str = ""
    #: Recipients the server refused while it took the message for the others: address -> its reply.
    refused: dict[str, str] = field(default_factory=dict)
    #: The server stopped answering: the run stops, and sends the rest when it is run again.
    stop_run: bool = False

    @property
    def put_off(self) -> list[str]:
        """Recipients refused for now (4xx) while the others took the message: still owed it."""
        return [address for address, reply in self.refused.items() if reply.startswith("4")]


@dataclass(frozen=True)
class LedgerEntry:
    time: str
    year: str
    authority: str
    code: str
    outcome: str
    message_id: str = ""
    to: str = ""
    cc: str = ""
    reply: str = ""
    file: str = ""
    sha256: str = ""
    refused: str = ""
    subject: str = ""
    recipient: str = ""
    status: str = ""
    report_date: str = ""
    report_id: str = ""

    @property
    def is_finding(self) -> bool:
        return self.outcome in FINDINGS


_OUTCOMES = ({outcome.value for outcome in Outcome} - {Outcome.WRITTEN.value, Outcome.CHANGED.value}) | FINDINGS
_REFUSAL = re.compile(r"(?:^|;\s)([^\s;:]+@[^\s;:]+):\s(\d)\d\d")
_CODE_LIKE = re.compile(r"^[A-Z]\d{8}$")


@dataclass(frozen=True)
class DamagedLine:
    """A line of the ledger that cannot be read as a record: kept as it is, and every council it names
    treated as possibly sent."""

    line: int
    text: str
    codes: tuple[str, ...]


@dataclass
class CouncilLedger:
    """What the ledger says of one council's letter in one year."""

    #: Final entries (``sent``, ``refused``, ``unknown``, or a ``sending`` with no outcome after it).
    final: list[LedgerEntry] = field(default_factory=list)
    #: Recipients still owed the letter: put off (4xx) while the message went to the others.
    owed: list[str] = field(default_factory=list)
    #: The letters' SHA-256 as sent (``sent`` or ``unknown``).
    sent_sha256: set[str] = field(default_factory=set)
    damaged: list[DamagedLine] = field(default_factory=list)
    #: What delivery reports said, in the ledger's order.
    findings: list[LedgerEntry] = field(default_factory=list)
    #: Each recipient's last word (lower-case address -> ``sent`` or a finding), and the entry that said it.
    last_word: dict[str, tuple[str, LedgerEntry]] = field(default_factory=dict)
    #: The recipients of the last message handed over (lower case).
    last_recipients: list[str] = field(default_factory=list)

    @property
    def bounced(self) -> list[LedgerEntry]:
        """The bounces not yet answered: recipients of the last message sent whose last word is a bounce
        (a message sent since, to them or to others in their place, answers a bounce before it)."""
        return [entry for address, (word, entry) in self.last_word.items()
                if word == Finding.BOUNCED and address in self.last_recipients]

    @property
    def all_bounced(self) -> bool:
        """Every recipient of the last message sent bounced."""
        bounced = {entry.recipient.lower() for entry in self.bounced}
        return bool(self.last_recipients) and set(self.last_recipients) <= bounced

    def have(self) -> set[str]:
        """Recipients who have the letter, or may (sent with no bounce since, delivered, auto-replied, delayed)."""
        return {address for address, (word, _) in self.last_word.items() if word != Finding.BOUNCED}

    @property
    def done(self) -> bool:
        return bool(self.final or self.damaged) and not self.owed

    def settle(self, recipients: list[str]) -> None:
        """These recipients have the letter (or will never): no longer owed it."""
        settled = {r.lower() for r in recipients}
        self.owed = [o for o in self.owed if o.lower() not in settled]

    def owe(self, recipient: str) -> None:
        if recipient.lower() not in {o.lower() for o in self.owed}:
            self.owed.append(recipient)


class Ledger:
    """``send-log.csv``: what became of every message handed to the mail server.

    Before a message is handed over, a ``sending`` row is written; after, its outcome. Each row is appended
    on a line of its own (a file saved without a final newline is mended first), flushed to disk and read
    back; if that fails the run stops before the next message, so no message goes whose outcome cannot
    be recorded. A line that cannot be read is reported, kept, and counts as a message that may have gone
    to every council it names: damage never causes a second send."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LEDGER_NAME

    def read(self) -> tuple[list[tuple[int, LedgerEntry]], list[DamagedLine]]:
        """The records with their line numbers, and the lines that are not records."""
        try:
            self._require_regular_file()
            text = self.path.read_bytes().decode("utf-8-sig", errors="replace")  # a BOM from Excel is no record
        except FileNotFoundError:
            return [], []
        except OSError as error:
            raise LedgerProblem(f"{self.path} cannot be read ({error.strerror or error}): nothing was sent, since "
                                "what was sent before cannot be known. Check its permissions.") from None
        entries: list[tuple[int, LedgerEntry]] = []
        damaged: list[DamagedLine] = []
        lines = text.splitlines()
        header = next(csv.reader([lines[0]]), []) if lines else []
        known_header = header[:len(FIRST_FIELDS)] == list(FIRST_FIELDS)
        for number, line in enumerate(lines[1:] if known_header else lines, start=2 if known_header else 1):
            if not line.strip():
                continue
            try:
                values = next(csv.reader([line]), [])
            except csv.Error:
                values = []
            # A row written before the ledger had its later columns is as good as one written after.
            row = dict(zip(LEDGER_FIELDS, values)) if known_header and len(values) in (len(FIRST_FIELDS),
                                                                                       len(LEDGER_FIELDS)) else None
            if row is None or row.get("outcome") not in _OUTCOMES or not _CODE_LIKE.match(row.get("code", "")):
                codes = tuple(dict.fromkeys(v.strip() for v in (values or line.split(","))
                                            if _CODE_LIKE.match(v.strip())))
                damaged.append(DamagedLine(number, line, codes))
                continue
            entries.append((number, LedgerEntry(**{k: row.get(k) or "" for k in LedgerEntry.__dataclass_fields__})))
        return entries, damaged

    def _require_regular_file(self) -> None:
        """A ledger is a file: a device, pipe or folder in its place (``/dev/full``, say) can neither be read
        back nor trusted with a record."""
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return
        if not stat.S_ISREG(mode):
            raise LedgerProblem(f"{self.path} is not a file (a device, pipe or folder is in its place), so what was "
                                "sent cannot be recorded: nothing was sent, and no further message went. Put the "
                                "ledger back, or move that away, then run the same command again.")

    def _complete_header(self) -> None:
        """A ledger written before its later columns has its header line completed, the file replaced whole
        (written beside it, on disk, then renamed over it), so that every row reads under its header."""
        try:
            with self.path.open("rb") as handle:
                first = handle.readline()
        except FileNotFoundError:
            return
        old_header = ",".join(FIRST_FIELDS).encode()
        if first.rstrip(b"\r\n").lstrip(b"\xef\xbb\xbf") != old_header:
            return
        data = self.path.read_bytes()
        ending = first[len(first.rstrip(b"\r\n")):] or b"\n"
        replacement = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        with replacement.open("wb") as handle:
            handle.write(",".join(LEDGER_FIELDS).encode() + ending + data[len(first):])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(replacement, self.path)
        descriptor = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def councils(self, year: BusinessYear) -> tuple[dict[str, CouncilLedger], list[DamagedLine]]:
        """What the ledger says of each council's letter for ``year`` (by GSS code), and its damaged lines:
        the file read once."""
        entries, damaged = self.read()
        found: dict[str, CouncilLedger] = {}
        pending: dict[tuple[str, str], LedgerEntry] = {}
        for _, entry in entries:
            if entry.year != str(year.end_year) or entry.outcome == Outcome.TEST:
                continue
            council = found.setdefault(entry.code, CouncilLedger())
            if entry.is_finding:
                council.findings.append(entry)
                council.last_word[entry.recipient.lower()] = (entry.outcome, entry)
                continue
            key = (entry.code, entry.message_id)
            if entry.outcome == Outcome.SENDING:
                pending[key] = entry
                continue
            pending.pop(key, None)
            recipients = split_addresses(entry.to) + split_addresses(entry.cc)
            if entry.outcome in (Outcome.SENT, Outcome.UNKNOWN):
                council.final.append(entry)
                council.sent_sha256.add(entry.sha256)
                put_off = {m.group(1).lower() for m in _REFUSAL.finditer(entry.refused) if m.group(2) == "4"}
                council.settle([r for r in recipients if r.lower() not in put_off])
                for recipient in recipients:
                    if recipient.lower() in put_off:
                        council.owe(recipient)
                _handed_over(council, entry, [r for r in recipients if r.lower() not in put_off])
            elif entry.outcome == Outcome.REFUSED:
                council.final.append(entry)
                council.settle(recipients)
        for (code, _), entry in pending.items():
            council = found[code]
            council.final.append(replace(entry, outcome=Outcome.UNKNOWN,
                                         reply="the run stopped while handing this message over: it may have arrived"))
            council.sent_sha256.add(entry.sha256)
            recipients = split_addresses(entry.to) + split_addresses(entry.cc)
            council.settle(recipients)
            _handed_over(council, entry, recipients)
        for line in damaged:
            for code in line.codes:
                found.setdefault(code, CouncilLedger()).damaged.append(line)
        return found, damaged

    def append(self, row: dict[str, Any]) -> None:
        """One record, on a line of its own, on disk and read back; :class:`LedgerProblem` if not."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LEDGER_FIELDS, lineterminator="\n")
        writer.writerow({k: _one_line(row.get(k, "")) for k in LEDGER_FIELDS})
        record = buffer.getvalue().encode("utf-8")
        try:
            self._require_regular_file()
            self._complete_header()
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(descriptor).st_size
                if size == 0:
                    record = (",".join(LEDGER_FIELDS) + "\n").encode() + record
                elif not _ends_with_newline(self.path, size):
                    record = b"\n" + record  # saved without a final newline: never glue a record onto it
                written = 0
                while written < len(record):
                    written += os.write(descriptor, record[written:])
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            with self.path.open("rb") as handle:
                handle.seek(size)
                back = handle.read(len(record))
        except OSError as error:
            raise LedgerProblem(
                f"{self.path} cannot be written ({error.strerror or error}): sending stopped, and no further "
                "message went, since its outcome could not be recorded. Free the disk or fix the permissions, "
                "then run the same command again."
            ) from None
        if back != record:
            raise LedgerProblem(f"{self.path} did not read back what was written to it: sending stopped. Check the "
                                "disk, then run the same command again.")


def _handed_over(council: CouncilLedger, entry: LedgerEntry, recipients: list[str]) -> None:
    """A message went to ``recipients``: their last word is ``sent`` until a report says more."""
    council.last_recipients = [r.lower() for r in recipients]
    for recipient in council.last_recipients:
        council.last_word[recipient] = (SENT_AND_WAITING, entry)


def _ends_with_newline(path: Path, size: int) -> bool:
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) in (b"\n", b"\r")


def _one_line(value: Any) -> str:
    """A server's reply can hold line breaks; the ledger keeps one record a line."""
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


