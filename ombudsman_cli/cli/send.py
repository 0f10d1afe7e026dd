"""``ombudsman send``: the letters by email, a dry run unless told to send, never the same letter twice."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from ..config import AUTH, SECURITY, load_settings
from ..data.values import plural
from ..errors import Terminated, UsageError
from ..years import BusinessYear

if TYPE_CHECKING:
    from ..send.run import SendReport

from .base import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    cli,
    emit,
    find_authorities,
    format_option,
    letters_folder,
    letters_folder_options,
    stderr,
    with_progress,
)


@cli.command()
@letters_folder_options
@click.option("--authority", "authority_names", multiple=True, metavar="NAME",
              help="Only this council (name, other name or GSS code); repeatable.")
@click.option("--send", "really_send", is_flag=True, help="Send for real. Without it, a dry run: nothing leaves.")
@click.option("--to-self", metavar="ADDRESS", help="Send every message to this one address only, marked as a test.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many messages.")
@click.option("--resend", "resend_names", multiple=True, metavar="NAME",
              help="Send this council's letter again although it was sent before; repeatable.")
@click.option("--attach", type=click.Choice(["pdf", "docx", "both"]), default="pdf", show_default=True,
              help="What to attach: the PDF, the Word letter or both.")
@click.option("--rate", type=click.IntRange(min=0), help="Messages a minute; 0: unpaced [default: [email] rate, else 30].")
@click.option("--smtp-host", help="Mail server [default: [email] host].")
@click.option("--smtp-port", type=click.IntRange(min=1, max=65535), help="Its port [default: [email] port, else by --security].")
@click.option("--security", type=click.Choice(SECURITY),
              help="starttls (port 587), ssl (465) or none [default: [email] security, else starttls].")
@click.option("--username", help="Login name [default: [email] username]. The password: $OMBUDSMAN_SMTP_PASSWORD "
                                 "or [email] password_command.")
@click.option("--from", "sender", metavar="ADDRESS", help="From address [default: [email] from].")
@format_option("summary", "table", "json")
@click.option("--verbose", "-v", is_flag=True, help="A row for every message (as --format table).")
@click.option("--status", is_flag=True, help="Send nothing: say what became of each council's letter (sent, delivered, "
                                             "bounced, waiting), from the ledger and the reports 'bounces' read.")
def send(config_path: Path | None, year: BusinessYear | None, letters_dir: Path | None, authority_names: tuple[str, ...],
         really_send: bool, to_self: str | None, limit: int | None, resend_names: tuple[str, ...], attach: str,
         rate: int | None, smtp_host: str | None, smtp_port: int | None, security: str | None, username: str | None,
         sender: str | None, output_format: str, verbose: bool, status: bool) -> None:
    """Email each council its letter (a dry run until --send).

    To the chief executive, copied to the addresses in the contacts file's cc column (the link officer,
    and the monitoring officer where it gives one).

    Reads the letters folder and its manifest.csv (made by 'letters'). Without --send it is a dry run:
    every message is written as an .eml file into outbox/ beside the letters, to open in a mail program,
    and nothing leaves. A ledger, send-log.csv, records every message sent; a rerun sends only what has
    not been sent (or refused, or may have arrived), so a run stopped at any point is resumed by running
    it again. --resend NAME is the only way to send a council's letter twice.

    \b
    The yearly job ends with, in this order:
      ombudsman send --year 2020                            dry run: read letters/2020/outbox/*.eml
      ombudsman send --year 2020 --send --to-self me@lgo.org.uk --limit 3   a proof to yourself
      ombudsman send --year 2020 --send                     the real thing, 30 a minute
      ombudsman bounces --year 2020                         days later: who has it (--help)
      ombudsman send --year 2020 --send                     again, after correcting the contacts

    A council whose letter bounced is owed it: 'send --send' sends it again to the council's
    addresses in the contacts file that do not have it (a corrected one), and says so.

    \b
    Examples:
      ombudsman send --year 2020 --authority Bassetlaw --attach both
      ombudsman send --year 2020 --send --resend Bassetlaw
      ombudsman send --year 2020 --status                   sent, delivered, bounced, waiting
      OMBUDSMAN_SMTP_PASSWORD=... ombudsman send --year 2020 --send --format json

    Exit codes: 0 every message sent (or, in a dry run, written), 1 anything refused, deferred, of
    unknown fate, without an address, bounced with no other address, or changed since it was made,
    2 a usage error, 130 Ctrl-C. With --status: 0 no letter bounced, 1 one did.
    """
    from ..data.register import load_register
    from ..locking import folder_lock
    from ..send.ledger import LEDGER_NAME, Ledger
    from ..send.plan import Attach, EmailTemplate, checked_mailbox, clear_outbox, outbox_folder, plan_sending
    from ..send.run import send_all
    from ..send.secrets import read_secret
    from ..send.transports import OutboxTransport, SmtpTransport, Transport
    from ..templates import find_email_template

    settings = load_settings(config_path)
    folder, year = letters_folder(settings, year, letters_dir)
    if status:
        from .delivery import print_deliveries

        sys.exit(print_deliveries(folder, year, output_format == "json"))
    register = load_register(settings.authorities)

    def codes(names: tuple[str, ...], option: str) -> list[str]:
        return [a.code for a in find_authorities(register, names, option)]

    options: dict[str, Any] = {"host": smtp_host, "port": smtp_port, "security": security, "username": username,
                               "sender": sender, "rate": rate}
    mail = replace(settings.email, **{k: v for k, v in options.items() if v is not None})
    if mail.auth not in AUTH:
        raise UsageError(f"[email] auth must be one of {', '.join(AUTH)}")
    # Every address is checked before anything else is done: a bad one is a usage error naming its option.
    checked_mailbox(mail.sender, "--from" if sender is not None else "[email] from")
    if mail.reply_to is not None:
        checked_mailbox(mail.reply_to, "[email] reply_to")
    if to_self is not None:
        checked_mailbox(to_self, "--to-self")
    template = EmailTemplate(find_email_template(mail.template))
    contacts = None
    if settings.contacts is not None:  # read only if a letter bounced: its corrected addresses
        from functools import cache

        from ..data.contacts import load_contacts

        contacts_path = settings.contacts
        contacts = cache(lambda: load_contacts(contacts_path, register))
    with folder_lock(folder, "sending letters" if really_send else "a dry run of send"):
        plan = plan_sending(folder, year, template, mail, cast(Attach, attach), codes(authority_names, "--authority"),
                            codes(resend_names, "--resend"), to_self, contacts)
        for outgoing in plan.ready:
            for entry in outgoing.before:
                stderr(f"Resending to {outgoing.authority}: {entry.outcome} on {entry.time} "
                       f"(Message-ID {entry.message_id}) to {entry.to}.")
            if outgoing.bounced:
                stderr(_sending_again(outgoing))
        if really_send:
            transport: Transport = SmtpTransport(mail, read_secret(mail))
            ledger: Ledger | None = Ledger(folder)
        else:
            clear_outbox(folder)
            transport, ledger = OutboxTransport(outbox_folder(folder)), None
        transport.open()
        try:
            report = with_progress(really_send and output_format != "json",
                                   [("Sending", len(plan.ready[:limit] if limit else plan.ready))],
                                   lambda progress: send_all(plan, transport, mail, ledger, limit,
                                                             mail.rate if really_send else 0, progress))
        except KeyboardInterrupt:
            stderr(f"Interrupted between messages: {folder / LEDGER_NAME} records every message sent so far; run the "
                   "same command again to send the rest.")
            sys.exit(EXIT_TERMINATED if isinstance(sys.exc_info()[1], Terminated) else EXIT_INTERRUPTED)
        finally:
            transport.close()
    if output_format == "json":
        from ..output import to_json

        emit(to_json(report.to_dict()))
    else:
        _print_report(report, folder, really_send, every_message=verbose or output_format == "table")
    sys.exit(0 if report.ok else 1)


def _print_report(report: SendReport, folder: Path, really_send: bool, every_message: bool) -> None:
    from rich.table import Table

    from ..send.ledger import LEDGER_NAME, Outcome
    from .tables import shown, terminal_console

    plan = report.plan
    console = terminal_console()

    def say(text: str) -> None:
        console.print(text, soft_wrap=True)  # one line, however long: easy to find, easy to copy

    from ..send.delivery import bounce_reason

    for authority, entries in plan.bounced_unanswered:
        say(f"[red]Bounced, and the contacts give no address that does not have it: {shown(authority)}: "
            + shown("; ".join(f"{e.recipient} ({bounce_reason(e)})" for e in entries))
            + ". Correct the council's address in the contacts file, then run the same command again.[/]")

    title = (f"{'Sent' if really_send else 'Dry run: nothing was sent'} for {plan.year.label}"
             + (f" (a test: every message to {plan.to_self})" if plan.to_self else ""))
    table = Table(title=title, title_justify="left")
    for column in ("Council", "To", "Cc", "Attachment", "Size", "Outcome"):
        table.add_column(column, justify="right" if column == "Size" else "left", overflow="fold")
    for outgoing, delivery, size in report.deliveries:
        outcome = "written to outbox" if delivery.outcome is Outcome.WRITTEN else str(delivery.outcome)
        if delivery.refused:
            outcome += f" (refused: {', '.join(delivery.refused)})"
        table.add_row(shown(outgoing.authority), shown(", ".join(outgoing.to)), shown(", ".join(outgoing.cc)),
                      shown(", ".join(a.name for a in outgoing.attachments)), f"{size / 1024:,.0f} KB", shown(outcome))
    if report.deliveries and every_message:
        console.print(table)  # the only thing fitted to the width
    elif report.deliveries:
        say(f"{title}. {_summary(report)} (a row for each: --format table or -v)")
    else:
        say(f"Nothing to send for {plan.year.label} from {folder}.")
    for title, items in (("Not sent: no address", plan.unaddressed),
                         ("Not sent: an address that is not an email address", [f"{a}: {p}" for a, p in plan.bad_addresses]),
                         ("Not sent: the letter changed after it was made (make it again with 'letters')", plan.changed),
                         ("Not sent: no attachment", [f"{a}: {p}" for a, p in plan.missing_attachments])):
        if items:
            say(f"[red]{title}: {len(items)}[/]")
            for item in items[:20]:
                say(f"  {shown(item)}")
            if len(items) > 20:
                say(f"  ... and {len(items) - 20} more (--format json lists all)")
    if plan.done_before:
        say(f"Already sent (or refused, or of unknown fate) before, not sent again: {len(plan.done_before)} "
                      f"(--resend NAME sends one again; see {folder / LEDGER_NAME})")
    for line in plan.damaged_lines:
        named = ", ".join(line.codes) or "no council"
        say(f"[red]{folder / LEDGER_NAME} line {line.line} cannot be read (kept as it is): {shown(line.text[:80])}; "
            f"it names {named}, counted as possibly sent (--resend NAME sends one again).[/]")
    if plan.changed_since_sent:
        say(f"[red]Sent before, and the letter in the folder has changed since ({len(plan.changed_since_sent)}): "
            f"{shown(', '.join(plan.changed_since_sent[:20]))}. Those councils hold a letter that differs from this one; "
            f"to send them the new one: ombudsman send --year {plan.year.end_year} --send "
            + " ".join(f"--resend {_quoted(a)}" for a in plan.changed_since_sent[:5]) + "[/]")
    if report.not_attempted:
        say(f"Not attempted: {report.not_attempted} (--limit, or the run stopped); run again to send them.")
    if report.stopped:
        say(f"[red]Stopped: {shown(report.stopped)}. Run the same command again to send the rest.[/]")
    for outgoing, delivery, _ in report.deliveries:
        if delivery.outcome in (Outcome.REFUSED, Outcome.DEFERRED, Outcome.UNKNOWN, Outcome.CHANGED):
            say(f"[red]{delivery.outcome}: {shown(outgoing.authority)}: {shown(delivery.reply)}[/]")
        for address, reply in delivery.refused.items():
            say(f"[red]sent to {shown(outgoing.authority)}, but refused: {shown(address)} "
                          f"({shown(reply)})[/]")
    for authority, recipients in report.waiting:
        say(f"[red]Still waiting for the letter: {shown(authority)}: {shown(', '.join(recipients))} (put off by the "
            "server). Run the same command again later: it sends to them, and only them.[/]")
    if not really_send:
        written = len(report.deliveries)
        resend = [o for o, _, _ in report.deliveries if o.before]
        if resend:
            step = (f"To send {'it' if len(resend) == 1 else 'them'} again for real: ombudsman send --year "
                    f"{plan.year.end_year} --send " + " ".join(f"--resend {_quoted(o.authority)}" for o in resend[:5]))
        else:
            step = "Then --send --to-self YOUR_ADDRESS for a proof, then --send."
        say(f"{plural(written, 'message')} written to {folder / 'outbox'}: open "
            f"{'it' if written == 1 else 'them'} in a mail program to see exactly what will go. {shown(step)}")


def _sending_again(outgoing: Any) -> str:
    """What a message sent again after a bounce answers, and where its addresses come from."""
    from ..send.delivery import bounce_reason

    now = [a.lower() for a in outgoing.to + outgoing.cc]
    bounced = "; ".join(f"{e.recipient} ({bounce_reason(e)})" for e in outgoing.bounced)
    again = [e.recipient for e in outgoing.bounced if e.recipient.lower() in now]
    text = (f"Sending again to {outgoing.authority}, whose letter bounced for {bounced}: now to "
            f"{', '.join(outgoing.to + outgoing.cc)}, from {outgoing.addresses_from}.")
    if again:
        text += (f" {', '.join(again)} {'is' if len(again) == 1 else 'are'} still there, so tried again: correct the "
                 "address there if it bounces again.")
    return text


def _summary(report: SendReport) -> str:
    """``343 messages written to outbox (41.3 MB with their attachments): 343 with the PDF, 340 with a copy``."""
    from collections import Counter

    from ..send.ledger import Outcome

    outcomes = Counter("written to outbox" if d.outcome is Outcome.WRITTEN else str(d.outcome)
                       for _, d, _ in report.deliveries)
    attached = Counter(", ".join(sorted({a.suffix.lstrip(".").upper() or a.name for a in o.attachments}))
                       for o, _, _ in report.deliveries)
    size = sum(size for _, _, size in report.deliveries)
    copied = sum(1 for o, _, _ in report.deliveries if o.cc)
    return (f"{plural(len(report.deliveries), 'message')} ({size / 1024 / 1024:,.1f} MB with their attachments): "
            + ", ".join(f"{n:,} {outcome}" for outcome, n in outcomes.most_common())
            + "; attached: " + ", ".join(f"{kind or 'nothing'} to {n:,}" for kind, n in attached.most_common())
            + f"; {copied:,} with someone copied")


def _quoted(text: str) -> str:
    import shlex

    return shlex.quote(text)
