"""``ombudsman bounces``: the delivery reports in the sender's mailbox read back into the ledger; and what
became of each council's letter, which ``bounces`` and ``send --status`` print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import Settings, load_settings
from ..years import BusinessYear
from .base import cli, emit, format_option, letters_folder, letters_folder_options, with_progress

if TYPE_CHECKING:
    from ..send.delivery import CouncilDelivery, ReadBack


@cli.command()
@letters_folder_options
@click.option("--mailbox", "mailbox_path", type=click.Path(path_type=Path),
              help="An mbox file or a Maildir folder to read, instead of the [bounces] IMAP mailbox.")
@format_option("text", "json")
def bounces(config_path: Path | None, year: BusinessYear | None, letters_dir: Path | None, mailbox_path: Path | None,
            output_format: str) -> None:
    """Read the replies: who has the letter, and who does not.

    Reads the sender's mailbox (the [bounces] IMAP folder, or --mailbox FILE) without changing it: no
    message is deleted, moved or marked as read. Each delivery report about a letter of the year is
    recorded in the ledger (send-log.csv), once: delivered, bounced (a permanent failure, 5.x.x),
    delayed (4.x.x, a server still trying) or auto-reply (an out-of-office: the letter arrived). A
    report is matched by the letter's Message-ID, else by the recipient and the subject; one that fits
    no letter is listed as unmatched, never guessed. Anything else in the mailbox is left alone.

    A council whose letter bounced is owed it: correct its address in the contacts file, then
    'ombudsman send --year 2020 --send' sends it to that council only.

    \b
    Examples:
      ombudsman bounces --year 2020                           the [bounces] mailbox
      ombudsman bounces --year 2020 --mailbox Bounces.mbox    an exported folder (mbox or Maildir)
      ombudsman bounces --year 2020 --format json             for the yearly job
      ombudsman send --year 2020 --status                     the same summary, from the ledger alone

    Exit codes: 0 no letter bounced, 1 a letter bounced (or the mailbox cannot be read), 2 a usage error.
    """
    import sys

    from ..locking import folder_lock
    from ..send.delivery import read_back
    from ..send.ledger import Ledger
    from ..send.mailbox import file_messages, imap_messages
    from ..send.secrets import read_secret

    settings = load_settings(config_path)
    folder, year = letters_folder(settings, year, letters_dir)
    if mailbox_path is not None:
        messages = file_messages(mailbox_path)
        source = str(mailbox_path)
    else:
        bounces_settings = settings.bounces
        messages = imap_messages(bounces_settings, read_secret(bounces_settings) if bounces_settings.host else None)
        source = f"{bounces_settings.folder} on {bounces_settings.host}"
    ledger = Ledger(folder)
    with folder_lock(folder, "reading the replies to the letters"):
        subjects = _subjects(folder, year, settings)
        found = with_progress(output_format != "json", [("Reading the mailbox", None)],
                              lambda progress: read_back(messages, ledger, year, subjects, progress))
    if output_format == "json":
        from ..output import to_json
        from ..send.delivery import council_deliveries, delivery_totals

        deliveries = council_deliveries(ledger.councils(year)[0])
        emit(to_json({"year": year.end_year, "source": source, "ledger": str(ledger.path), **found.to_dict(),
                      "councils": [d.to_dict() for d in deliveries], "totals": delivery_totals(deliveries)}))
        sys.exit(1 if any(d.bounced for d in deliveries) else 0)
    _print_read_back(found, source, ledger.path)
    sys.exit(print_deliveries(folder, year, as_json=False))


def _subjects(folder: Path, year: BusinessYear, settings: Settings) -> dict[str, str] | None:
    """Each letter's subject from the email template, for a ledger that did not record the subjects it
    sent (one written before it did); ``None`` when every sent row has its subject."""
    from ..letters.manifest import read_manifest
    from ..send.ledger import Ledger, Outcome
    from ..send.plan import EmailTemplate, email_context
    from ..templates import find_email_template

    entries = [entry for _, entry in Ledger(folder).read()[0]]
    if all(e.subject for e in entries if e.outcome in (Outcome.SENT, Outcome.UNKNOWN)):
        return None
    template = EmailTemplate(find_email_template(settings.email.template))
    return {row["code"]: template.render(email_context(row, year))[0]
            for row in read_manifest(folder) if row.get("year") == str(year.end_year)}


def _print_read_back(found: ReadBack, source: str, ledger: Path) -> None:
    from collections import Counter

    from .tables import shown, terminal_console

    console = terminal_console()

    def say(text: str) -> None:
        console.print(text, soft_wrap=True)

    outcomes = Counter(entry.outcome for entry in found.recorded)
    said = ", ".join(f"{n:,} {outcome}" for outcome, n in outcomes.most_common()) or "nothing new"
    say(f"Read {found.messages:,} message{'s' if found.messages != 1 else ''} from {shown(source)}: "
        f"{found.reports:,} about letters. Recorded in {shown(str(ledger))}: {said}"
        + (f"; {found.already:,} recorded before" if found.already else "") + ".")
    for entry in found.recorded:
        reason = " ".join(part for part in (entry.status, entry.reply) if part)
        say(f"  {shown(entry.outcome)}: {shown(entry.authority)}: {shown(entry.recipient)}"
            + (f" ({shown(reason, 160)})" if reason else ""))
    if found.unmatched:
        say(f"[yellow]Not matched to a letter (not recorded): {len(found.unmatched)}[/]")
        for unmatched in found.unmatched[:20]:
            say(f"  {shown(unmatched.where)}: a {shown(unmatched.kind)} {shown(unmatched.why)}")
        if len(found.unmatched) > 20:
            say(f"  ... and {len(found.unmatched) - 20} more (--format json lists all)")
    for skipped in found.skipped:
        say(f"[yellow]Skipped {shown(skipped.where)}: {shown(skipped.why)}[/]")
    for where in found.truncated:
        say(f"Read the first 2 MB of {shown(where)} (its report comes first).")


def print_deliveries(folder: Path, year: BusinessYear, as_json: bool) -> int:
    """Each council's letter as the ledger tells it; the exit code: 1 while any letter bounced."""
    from ..send.delivery import council_deliveries, delivery_totals
    from ..send.ledger import Ledger

    ledger = Ledger(folder)
    councils, _ = ledger.councils(year)
    deliveries = council_deliveries(councils)
    if as_json:
        from ..output import to_json

        emit(to_json({"year": year.end_year, "ledger": str(ledger.path), "councils": [d.to_dict() for d in deliveries],
                      "totals": delivery_totals(deliveries)}))
    else:
        _print_deliveries(deliveries, year, ledger.path)
    return 1 if any(d.bounced for d in deliveries) else 0


def _print_deliveries(deliveries: list[CouncilDelivery], year: BusinessYear, ledger: Path) -> None:
    from rich.table import Table

    from ..send.delivery import bounce_reason
    from .tables import shown, terminal_console

    console = terminal_console()

    def say(text: str) -> None:
        console.print(text, soft_wrap=True)

    if not deliveries:
        say(f"No letter for {year.label} has been sent yet ({shown(str(ledger))} records none).")
        return
    for delivery in deliveries:  # the councils that have no letter at all, first
        if delivery.every_recipient_bounced:
            say(f"[bold red]No one at {shown(delivery.authority)} has the letter: every recipient bounced "
                f"({shown('; '.join(f'{e.recipient}: {bounce_reason(e)}' for e in delivery.bounced), 300)}).[/]")
    totals = {"delivered": 0, "bounced": 0, "waiting": 0}
    table = Table(title=f"What became of the letters for {year.label}", title_justify="left")
    for column in ("Council", "Sent", "Delivered", "Bounced", "Waiting"):
        table.add_column(column, justify="left" if column == "Council" else "right", overflow="fold")
    for delivery in deliveries:
        delivered = len(delivery.delivered) + len(delivery.auto_replies)
        waiting = len(delivery.waiting) + len(delivery.delayed)
        totals["delivered"] += delivered
        totals["bounced"] += len(delivery.bounced)
        totals["waiting"] += waiting
        table.add_row(shown(delivery.authority), str(delivery.messages), str(delivered),
                      f"[red]{len(delivery.bounced)}[/]" if delivery.bounced else "0", str(waiting))
    console.print(table)
    say(f"{len(deliveries):,} council{'s' if len(deliveries) != 1 else ''} sent the letter; recipients: "
        f"{totals['delivered']:,} delivered (a delivery report, a read receipt or an auto-reply), "
        f"{totals['bounced']:,} bounced, {totals['waiting']:,} waiting (no report yet, or delayed).")
    for delivery in deliveries:
        for entry in delivery.bounced:
            say(f"[red]bounced: {shown(delivery.authority)}: {shown(entry.recipient)} ({shown(bounce_reason(entry), 200)}"
                f"{', reported ' + shown(entry.report_date[:10]) if entry.report_date else ''})[/]")
        for entry in delivery.delayed:
            say(f"delayed: {shown(delivery.authority)}: {shown(entry.recipient)} ({shown(bounce_reason(entry), 200)}): "
                "a server is still trying")
        for entry in delivery.auto_replies:
            say(f"auto-reply: {shown(delivery.authority)}: {shown(entry.recipient)}: \"{shown(entry.reply, 120)}\"")
        for entry in delivery.bounced_before:
            say(f"bounced before, sent again since: {shown(delivery.authority)}: {shown(entry.recipient)} "
                f"({shown(bounce_reason(entry), 120)})")
    if totals["bounced"]:
        say(f"[red]Correct those addresses in the contacts file, then: ombudsman send --year {year.end_year} --send "
            "(it sends to those councils only).[/]")
