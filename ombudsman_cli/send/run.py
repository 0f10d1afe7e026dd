"""Sending: each planned message handed to a transport in turn, paced, its outcome in the ledger before the
next one goes, so that a run stopped at any point is resumed by running it again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..config import MailSettings
from ..errors import AttachmentChanged
from ..locking import deferred_signals
from ..years import BusinessYear
from .ledger import DONE, Delivery, Ledger, Outcome
from .plan import SMTP_POLICY, Outgoing, SendPlan, build_message, envelope_sender, read_attachments
from .transports import Transport


@dataclass
class SendReport:
    plan: SendPlan
    dry_run: bool
    deliveries: list[tuple[Outgoing, Delivery, int]] = field(default_factory=list)
    #: Messages not attempted because of ``--limit`` (or an interruption).
    not_attempted: int = 0
    interrupted: bool = False
    #: Why the run stopped before the end (the server stopped answering), if it did.
    stopped: str | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for _, delivery, _ in self.deliveries if delivery.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.plan.problems == 0 and all(d.outcome in DONE for _, d, _ in self.deliveries) \
            and not self.interrupted and not self.stopped and not any(d.refused for _, d, _ in self.deliveries)

    @property
    def waiting(self) -> list[tuple[str, list[str]]]:
        """(council, recipients) still owed the letter after this run: put off (4xx), alone or as a whole
        message; a rerun sends to them, and only them."""
        owed = []
        for outgoing, delivery, _ in self.deliveries:
            if delivery.outcome == Outcome.DEFERRED:
                owed.append((outgoing.authority, outgoing.to + outgoing.cc))
            elif delivery.outcome == Outcome.SENT:
                if delivery.put_off:
                    owed.append((outgoing.authority, delivery.put_off))
        return owed

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "year": plan.year.end_year,
            "folder": str(plan.folder),
            "dry_run": self.dry_run,
            "messages": [
                {"authority": o.authority, "code": o.code, "to": o.to, "cc": o.cc,
                 "attachments": [a.name for a in o.attachments], "bytes": size, "message_id": o.message_id,
                 "outcome": d.outcome, "reply": d.reply, "refused": d.refused,
                 "answers_bounces": [{"recipient": e.recipient, "status": e.status, "reason": e.reply} for e in o.bounced]}
                for o, d, size in self.deliveries
            ],
            "counts": {k: self.count(k) for k in (Outcome.SENT, Outcome.REFUSED, Outcome.DEFERRED, Outcome.UNKNOWN, Outcome.TEST, Outcome.WRITTEN)},
            "not_attempted": self.not_attempted,
            "unaddressed": plan.unaddressed,
            "bad_addresses": [{"authority": a, "problem": p} for a, p in plan.bad_addresses],
            "changed": plan.changed,
            "missing_attachments": [{"authority": a, "problem": p} for a, p in plan.missing_attachments],
            "sent_before": [{"authority": a, "outcome": e.outcome, "time": e.time, "message_id": e.message_id}
                            for a, e in plan.done_before],
            "waiting": [{"authority": a, "recipients": r} for a, r in self.waiting],
            "changed_since_sent": plan.changed_since_sent,
            "bounced_unanswered": [{"authority": a, "bounces": [{"recipient": e.recipient, "status": e.status,
                                                                  "reason": e.reply} for e in entries]}
                                   for a, entries in plan.bounced_unanswered],
            "damaged_ledger_lines": [{"line": d.line, "text": d.text, "codes": list(d.codes)} for d in plan.damaged_lines],
            "interrupted": self.interrupted,
            "stopped": self.stopped,
        }


def send_all(
    plan: SendPlan,
    transport: Transport,
    settings: MailSettings,
    ledger: Ledger | None,
    limit: int | None = None,
    rate: int | None = None,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Hand each planned message to ``transport`` in turn, paced to ``rate`` a minute (0: unpaced),
    recording each outcome in ``ledger`` (none for a dry run) as it happens. Ctrl-C stops between
    messages: the ledger is complete up to that point, and :class:`KeyboardInterrupt` goes on up."""
    report = SendReport(plan, dry_run=ledger is None)
    messages = plan.ready[:limit] if limit is not None else plan.ready
    report.not_attempted = len(plan.ready) - len(messages)
    interval = 60 / rate if rate else 0.0
    sender = envelope_sender(settings)
    next_start = clock()
    try:
        for number, outgoing in enumerate(messages):
            if number and interval:
                wait = next_start - clock()
                if wait > 0:
                    sleep(wait)
            next_start = clock() + interval
            try:
                contents = read_attachments(outgoing)
            except AttachmentChanged as error:  # changed during the run: refused here, never sent
                plan.changed.append(outgoing.authority)
                report.deliveries.append((outgoing, Delivery(Outcome.CHANGED, str(error)), 0))
                continue
            # Serialised once, as it goes over the wire (CRLF line ends): what the outbox holds is what is sent.
            data = build_message(outgoing, settings, contents=contents).as_bytes(policy=SMTP_POLICY)
            # From handing the message over to recording what became of it, Ctrl-C and SIGTERM wait: a
            # message the server took is always in the ledger, so a rerun never sends it again.
            with deferred_signals() as arrived:
                if ledger is not None:  # written first: a message goes only if the ledger can take its record
                    ledger.append(_ledger_row(plan.year, outgoing, Delivery(Outcome.TEST if plan.to_self else Outcome.SENDING)))
                # No retry waits out a Ctrl-C: the transport asks whether one has arrived.
                delivery = transport.deliver(outgoing, data, sender, outgoing.to + outgoing.cc,
                                             stop_waiting=lambda: bool(arrived))
                report.deliveries.append((outgoing, delivery, len(data)))
                if ledger is not None:
                    recorded = delivery
                    if plan.to_self:  # a proof copy is never a letter sent to the council
                        recorded = Delivery(Outcome.TEST, f"{delivery.outcome}: {delivery.reply}".strip(": "), delivery.refused)
                    ledger.append(_ledger_row(plan.year, outgoing, recorded))
            if progress:
                progress(1)
            if delivery.stop_run:
                report.stopped = delivery.reply
                report.not_attempted += len(messages) - len(report.deliveries)
                break
    except KeyboardInterrupt:
        report.interrupted = True
        report.not_attempted = len(messages) - len(report.deliveries) + report.not_attempted
        raise
    return report


def _ledger_row(year: BusinessYear, outgoing: Outgoing, delivery: Delivery) -> dict[str, Any]:
    return {
        "time": datetime.now().astimezone().isoformat(timespec="seconds"),
        "year": year.end_year,
        "authority": outgoing.authority,
        "code": outgoing.code,
        "file": outgoing.row["file"],
        "sha256": outgoing.row["sha256"],
        "attachments": "; ".join(a.name for a in outgoing.attachments),
        "message_id": outgoing.message_id,
        "to": "; ".join(outgoing.to),
        "cc": "; ".join(outgoing.cc),
        "outcome": delivery.outcome,
        "reply": delivery.reply,
        "refused": "; ".join(f"{address}: {reply}" for address, reply in delivery.refused.items()),
        "subject": outgoing.subject,
    }


