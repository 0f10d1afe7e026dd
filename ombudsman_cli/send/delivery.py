"""Whether each letter arrived: the delivery reports of the sender's mailbox matched to the letters sent
and recorded in the ledger (each finding a row of its own, never twice), and each council's letter as
the ledger now tells it: sent, delivered, bounced (with the server's reason), waiting.

A report is matched to a letter by the letter's Message-ID, which every report of the kinds read carries
in some form; else by a recipient of the letter together with the letter's subject. A report that fits
no letter of the year, or fits several, is listed as unmatched: never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..data.addresses import split_addresses
from ..years import BusinessYear
from .ledger import CouncilLedger, Ledger, LedgerEntry, Outcome
from .reports import Finding, NotMime, RecipientFinding, Report, letter_subject, read_report

if TYPE_CHECKING:
    from .mailbox import MailboxMessage


@dataclass
class SentLetter:
    """A council's letter as the ledger says it was handed over (one Message-ID, to everyone it went to)."""

    code: str
    authority: str
    file: str
    sha256: str
    message_id: str
    recipients: list[str] = field(default_factory=list)
    subjects: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Unmatched:
    """A report that names no letter of the year (or several): listed, not recorded."""

    where: str
    kind: str
    why: str
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A message that could not be read at all."""

    where: str
    why: str


@dataclass
class ReadBack:
    """What one reading of the mailbox found and recorded."""

    messages: int = 0
    reports: int = 0
    #: The findings new to the ledger, as recorded.
    recorded: list[LedgerEntry] = field(default_factory=list)
    #: Findings the ledger had already (a second run adds nothing).
    already: int = 0
    unmatched: list[Unmatched] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: Messages larger than the part read of them (the report comes first: they are read all the same).
    truncated: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "reports": self.reports,
            "recorded": [finding_dict(entry) for entry in self.recorded],
            "already_recorded": self.already,
            "unmatched": [{"where": u.where, "kind": u.kind, "why": u.why, "recipients": list(u.recipients)}
                          for u in self.unmatched],
            "skipped": [{"where": s.where, "why": s.why} for s in self.skipped],
            "truncated": self.truncated,
        }


def letters_sent(entries: Iterable[LedgerEntry], year: BusinessYear,
                 subjects: dict[str, str] | None = None) -> dict[str, SentLetter]:
    """The letters of ``year`` handed over (``sent``, ``unknown``, or ``sending`` with no outcome after
    it; never a proof), by Message-ID. ``subjects`` (by GSS code) stands in for a subject the ledger did
    not record (a ledger written before it did)."""
    letters: dict[str, SentLetter] = {}
    for entry in entries:
        if entry.year != str(year.end_year) or entry.outcome not in (Outcome.SENT, Outcome.UNKNOWN, Outcome.SENDING):
            continue
        letter = letters.setdefault(entry.message_id, SentLetter(entry.code, entry.authority, entry.file,
                                                                 entry.sha256, entry.message_id))
        for address in split_addresses(entry.to) + split_addresses(entry.cc):
            if address.lower() not in letter.recipients:
                letter.recipients.append(address.lower())
        subject = entry.subject or (subjects or {}).get(entry.code, "")
        if subject:
            letter.subjects.add(letter_subject(subject))
    return letters


def read_back(messages: Iterable[MailboxMessage], ledger: Ledger, year: BusinessYear,
              subjects: dict[str, str] | None = None, progress: Callable[[int], None] | None = None,
              now: Callable[[], datetime] | None = None) -> ReadBack:
    """Read every message, match each report to a letter of ``year``, and append each finding the ledger
    does not have yet (keyed by the report's Message-ID, the recipient and the outcome)."""
    entries = [entry for _, entry in ledger.read()[0]]
    letters = letters_sent(entries, year, subjects)
    known = {(e.report_id, e.recipient.lower(), e.outcome) for e in entries if e.is_finding}
    result = ReadBack()
    clock = now or (lambda: datetime.now().astimezone())
    for message in messages:
        result.messages += 1
        if progress:
            progress(1)
        if message.truncated:
            result.truncated.append(f"{message.where} ({message.size / 1024 / 1024:,.1f} MB)")
        try:
            report = read_report(message.data)
        except NotMime as error:
            result.skipped.append(Skipped(message.where, str(error)))
            continue
        if report is None:
            continue  # not a report: left alone, not counted
        result.reports += 1
        letter, why = match(report, letters, year)
        if letter is None:
            result.unmatched.append(Unmatched(message.where, report.kind, why,
                                              tuple(f.recipient for f in report.findings)))
            continue
        for finding in attributed(report, letter):
            key = (report.report_id, finding.recipient, finding.outcome.value)
            if key in known:
                result.already += 1
                continue
            known.add(key)
            row = _finding_row(year, letter, report, finding, clock())
            ledger.append(row)
            result.recorded.append(LedgerEntry(**{k: str(row.get(k, "")) for k in LedgerEntry.__dataclass_fields__}))
    return result


def match(report: Report, letters: dict[str, SentLetter], year: BusinessYear) -> tuple[SentLetter | None, str]:
    """The letter ``report`` is about, or ``None`` and why not."""
    for message_id in report.about:
        if message_id in letters:
            return letters[message_id], ""
    ours = [m for m in report.about if m.startswith("<ombudsman.")]
    if any(m.startswith("<ombudsman.test.") for m in ours):
        return None, "about a proof sent with --to-self, not a letter to a council"
    if ours:
        return None, f"about a message of ombudsman's ({ours[0]}) that is no letter of {year.label} in the ledger"
    recipients = {f.recipient for f in report.findings if f.recipient}
    candidates = {letter.code: letter for letter in letters.values()
                  if recipients & set(letter.recipients) and report.subject in letter.subjects}
    if len(candidates) == 1:
        return next(iter(candidates.values())), ""
    if len(candidates) > 1:
        names = ", ".join(sorted(letter.authority for letter in candidates.values()))
        return None, f"could be the letter to any of {names} (the same recipient and subject): not guessed"
    said = ", ".join(sorted(recipients)) or "no recipient"
    return None, (f"names no letter of {year.label}: no Message-ID of one, and no letter went to {said} with the "
                  f"subject {report.subject_as_written!r}")


def attributed(report: Report, letter: SentLetter) -> list[RecipientFinding]:
    """The report's findings for the letter's recipients: a report about the letter that names another
    address (a forwarding, an alias) is that recipient's when the letter had only one; otherwise it is
    kept under the address it names. One finding a recipient and outcome."""
    findings: dict[tuple[str, str], RecipientFinding] = {}
    for finding in report.findings:
        recipient = finding.recipient
        if recipient not in letter.recipients and len(letter.recipients) == 1:
            words = f"{finding.words} (reported for {recipient})" if recipient else finding.words
            finding = RecipientFinding(finding.outcome, letter.recipients[0], finding.status, words.strip())
        findings.setdefault((finding.recipient, finding.outcome), finding)
    return list(findings.values())


def _finding_row(year: BusinessYear, letter: SentLetter, report: Report, finding: RecipientFinding,
                 when: datetime) -> dict[str, Any]:
    return {
        "time": when.isoformat(timespec="seconds"), "year": year.end_year, "authority": letter.authority,
        "code": letter.code, "file": letter.file, "sha256": letter.sha256, "message_id": letter.message_id,
        "outcome": finding.outcome.value, "reply": finding.words, "recipient": finding.recipient,
        "status": finding.status, "report_date": report.date, "report_id": report.report_id,
    }


def finding_dict(entry: LedgerEntry) -> dict[str, str]:
    return {"authority": entry.authority, "code": entry.code, "recipient": entry.recipient, "outcome": entry.outcome,
            "status": entry.status, "reason": entry.reply, "report_date": entry.report_date,
            "report_id": entry.report_id, "message_id": entry.message_id}


# -- each council's letter, as the ledger tells it -----------------------------------------------------

@dataclass
class CouncilDelivery:
    """What became of one council's letter, by recipient."""

    authority: str
    code: str
    #: Messages handed over to the mail server.
    messages: int
    delivered: list[LedgerEntry] = field(default_factory=list)
    auto_replies: list[LedgerEntry] = field(default_factory=list)
    #: Bounces not yet answered by a message sent since: the council is owed the letter.
    bounced: list[LedgerEntry] = field(default_factory=list)
    #: Bounces answered by a message sent since (to a corrected address, or the same again).
    bounced_before: list[LedgerEntry] = field(default_factory=list)
    delayed: list[LedgerEntry] = field(default_factory=list)
    #: Recipients sent to with no report since.
    waiting: list[str] = field(default_factory=list)
    every_recipient_bounced: bool = False

    def to_dict(self) -> dict[str, Any]:
        def findings(entries: list[LedgerEntry]) -> list[dict[str, str]]:
            return [{"recipient": e.recipient, "status": e.status, "reason": e.reply, "report_date": e.report_date}
                    for e in entries]

        return {"authority": self.authority, "code": self.code, "sent": self.messages,
                "delivered": [e.recipient for e in self.delivered],
                "auto_replies": [{"recipient": e.recipient, "text": e.reply} for e in self.auto_replies],
                "bounced": findings(self.bounced), "bounced_before": findings(self.bounced_before),
                "delayed": findings(self.delayed), "waiting": self.waiting,
                "every_recipient_bounced": self.every_recipient_bounced}


def council_deliveries(councils: dict[str, CouncilLedger]) -> list[CouncilDelivery]:
    """Each council whose letter was handed over, in order of name: its recipients' last words."""
    result = []
    for code, council in councils.items():
        handed_over = [e for e in council.final if e.outcome in (Outcome.SENT, Outcome.UNKNOWN)]
        if not handed_over:
            continue
        status = CouncilDelivery(handed_over[-1].authority, code, len(handed_over))
        outstanding = {id(entry) for entry in council.bounced}
        for address, (word, entry) in council.last_word.items():
            if word == Finding.DELIVERED:
                status.delivered.append(entry)
            elif word == Finding.AUTO_REPLY:
                status.auto_replies.append(entry)
            elif word == Finding.DELAYED:
                status.delayed.append(entry)
            elif word == Finding.BOUNCED and id(entry) in outstanding:
                status.bounced.append(entry)
            elif word != Finding.BOUNCED:
                status.waiting.append(address)
        # Every other bounce (its recipient's last, if not sent to since; or one a message sent since answered).
        answered = {e.recipient.lower(): e for e in council.findings
                    if e.outcome == Finding.BOUNCED and id(e) not in outstanding}
        status.bounced_before = list(answered.values())
        status.every_recipient_bounced = council.all_bounced
        result.append(status)
    return sorted(result, key=lambda s: s.authority)


def delivery_totals(deliveries: list[CouncilDelivery]) -> dict[str, int]:
    """Councils sent, and recipients delivered (or auto-replied), bounced and waiting (or delayed)."""
    return {"councils_sent": len(deliveries),
            "delivered": sum(len(d.delivered) + len(d.auto_replies) for d in deliveries),
            "bounced": sum(len(d.bounced) for d in deliveries),
            "waiting": sum(len(d.waiting) + len(d.delayed) for d in deliveries),
            "councils_bounced": sum(1 for d in deliveries if d.bounced)}


def bounce_reason(entry: LedgerEntry) -> str:
    """``5.1.1: 550 5.1.1 User unknown``: a bounce's status and the server's words."""
    return ": ".join(part for part in (entry.status, entry.reply) if part) or "no reason given"
