"""``ombudsman.toml``: where the yearly job finds its files and how it computes and writes.

Command-line options win over the file; the file wins over the built-in defaults. Paths in the file
are relative to the file itself, so the job runs the same from any folder.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from .errors import UsageError
from .models import MethodNote

CONFIG_NAME = "ombudsman.toml"

# Section -> key -> Settings field.
_KEYS: dict[str, dict[str, str]] = {
    "files": {
        "decisions": "decisions",
        "sheet": "sheet",
        "authorities": "authorities",
        "contacts": "contacts",
        "letters": "letters_dir",
        "template": "template",
        "site": "site_dir",
    },
    "statistics": {"average": "average", "few_cases": "few_cases"},
    "letters": {"dates": "letter_dates", "other_bodies": "other_bodies", "jobs": "jobs", "chart": "chart",
                "signatory": "signatory", "signatory_titles": "signatory_titles"},
    # [email] fills Settings.email, a MailSettings, and [site] Settings.site, a SiteSettings: "section.field".
    "email": {"host": "email.host", "port": "email.port", "security": "email.security", "username": "email.username",
              "from": "email.sender", "reply_to": "email.reply_to", "rate": "email.rate", "auth": "email.auth",
              "password_command": "email.password_command", "template": "email.template"},
    "site": {"contact_email": "site.contact_email", "response_days": "site.response_days", "licence": "site.licence",
             "licence_url": "site.licence_url", "publisher": "site.publisher", "last_tested": "site.last_tested",
             "tested_by": "site.tested_by"},
    # [bounces]: the mailbox the delivery reports come back to (Settings.bounces, a BouncesSettings).
    "bounces": {"host": "bounces.host", "port": "bounces.port", "security": "bounces.security", "user": "bounces.user",
                "auth": "bounces.auth", "password_command": "bounces.password_command", "folder": "bounces.folder"},
}
_PATHS = {"decisions", "authorities", "contacts", "letters_dir", "template", "site_dir", "email.template"}
SECURITY = ("starttls", "ssl", "none")
IMAP_SECURITY = ("ssl", "starttls")
AUTH = ("password", "xoauth2")


@dataclass(frozen=True)
class MailSettings:
    """Where and as whom ``send`` sends: the ``[email]`` section (the command line's options go over it).

    The password is never here: it comes from ``$OMBUDSMAN_SMTP_PASSWORD`` or from the output of
    ``password_command``.
    """

    host: str | None = None
    port: int | None = None
    security: str = "starttls"
    username: str | None = None
    sender: str | None = None
    reply_to: str | None = None
    #: Messages a minute (Microsoft 365 accepts 30 a minute for SMTP submission); 0: as fast as it goes.
    rate: int = 30
    auth: str = "password"
    password_command: str | None = None
    #: The email template [default: letter_templates/annual-review-email.txt].
    template: Path | None = None

    @property
    def default_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587}.get(self.security, 25)


@dataclass(frozen=True)
class BouncesSettings:
    """The mailbox where delivery reports and auto-replies arrive: the ``[bounces]`` section. IMAP over TLS;
    the password, as for sending, never here: ``$OMBUDSMAN_IMAP_PASSWORD`` or ``password_command``."""

    host: str | None = None
    port: int | None = None
    #: ``ssl`` (port 993) or ``starttls`` (143).
    security: str = "ssl"
    user: str | None = None
    auth: str = "password"
    password_command: str | None = None
    folder: str = "INBOX"

    @property
    def default_port(self) -> int:
        return self.port or (143 if self.security == "starttls" else 993)


@dataclass(frozen=True)
class SiteSettings:
    """What the published site says of its publisher: the ``[site]`` section."""

    #: Where readers report an accessibility problem [default: the [email] reply_to, else its from].
    contact_email: str | None = None
    #: Working days within which the publisher answers a report.
    response_days: int = 10
    publisher: str = "Local Government and Social Care Ombudsman"
    licence: str = "Open Government Licence v3.0"
    licence_url: str = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    #: When the published pages were last tested for accessibility, and by whom (the statement says so)
    #: [default: the page templates' own record, tested.toml beside them].
    last_tested: date | None = None
    tested_by: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything the file can set, with the built-in defaults."""

    source: Path | None = None
    decisions: Path | None = None
    sheet: str | None = None
    authorities: Path | None = None
    contacts: Path | None = None
    #: Where letters go; ``{year}`` becomes the business year's end year.
    letters_dir: Path = Path("letters/{year}")
    template: Path | None = None
    average: str = "pooled"
    few_cases: int = 10
    letter_dates: dict[int, date] = field(default_factory=dict)
    #: Also write letters to bodies outside the comparison groups (combined authorities, the GLA).
    other_bodies: bool = False
    jobs: int | None = None
    chart: bool = True
    #: Who signs the letters (the generic template prints the name, then the job titles).
    signatory: str = ""
    signatory_titles: tuple[str, ...] = ("Local Government and Social Care Ombudsman",
                                         "Chair, Commission for Local Administration in England")
    #: Where the published site goes; ``{year}`` as for letters.
    site_dir: Path = Path("site/{year}")
    #: Changes of method or definition (``[[notes]]``), in the order of the file.
    notes: tuple[MethodNote, ...] = ()
    email: MailSettings = field(default_factory=MailSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    bounces: BouncesSettings = field(default_factory=BouncesSettings)

    def letters_folder(self, year: int) -> Path:
        return Path(str(self.letters_dir).replace("{year}", str(year)))

    def site_folder(self, year: int) -> Path:
        return Path(str(self.site_dir).replace("{year}", str(year)))


def find_config(path: str | Path | None) -> Path | None:
    """``path`` if given (it must exist), else ``ombudsman.toml`` in the current folder if there is one."""
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"config file {path} does not exist")
        return path
    default = Path(CONFIG_NAME)
    return default if default.is_file() else None


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from ``path`` (or ``./ombudsman.toml``), or the defaults when there is no file."""
    found = find_config(path)
    if found is None:
        return Settings()
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8-sig"))  # Notepad saves a byte-order mark
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{found}: not valid TOML ({error})") from None
    return settings_from_dict(data, found)


def settings_from_dict(data: dict[str, Any], source: Path) -> Settings:
    values: dict[str, Any] = {"source": source}
    sections: dict[str, dict[str, Any]] = {"email": {}, "site": {}, "bounces": {}}
    base = source.parent
    for section, body in data.items():
        if section == "notes":
            values["notes"] = _notes(source, body)
            continue
        if section not in _KEYS or not isinstance(body, dict):
            raise UsageError(f"{source}: unknown section [{section}]; expected {', '.join(f'[{s}]' for s in _KEYS)} "
                             "or [[notes]]")
        for key, value in body.items():
            name = _KEYS[section].get(key)
            if section in ("email", "bounces") and key == "password":
                variable = "OMBUDSMAN_SMTP_PASSWORD" if section == "email" else "OMBUDSMAN_IMAP_PASSWORD"
                raise UsageError(f"{source}: [{section}] password: a password never lives in the config file. Set "
                                 f"${variable}, or password_command = a command that prints it")
            if name is None:
                raise UsageError(
                    f"{source}: unknown setting {key!r} in [{section}]; expected {', '.join(_KEYS[section])}"
                )
            converted = _convert(source, section, key, name, value, base)
            group, _, setting = name.partition(".")
            if setting:
                sections[group][setting] = converted
            else:
                values[name] = converted
    if "tested_by" in sections["site"] and "last_tested" not in sections["site"]:
        raise UsageError(f"{source}: [site] tested_by needs last_tested, the date of that test (last_tested = "
                         "2026-07-01)")
    known = {f.name for f in fields(Settings)}
    assert set(values) <= known
    return replace(Settings(), **values, email=MailSettings(**sections["email"]), site=SiteSettings(**sections["site"]),
                   bounces=BouncesSettings(**sections["bounces"]))


# The statistics a method note may name (those of stats.RATE_NAMES; stats itself is not imported here).
NOTE_STATISTICS = ("uphold_rate", "compliance_rate", "satisfactory_remedy_rate", "upheld_per_100k")


def _notes(source: Path, body: Any) -> tuple[MethodNote, ...]:
    """``[[notes]]``: each a ``year`` (2023, or "2022/23"), a ``text`` and an optional ``statistic``."""
    from .years import parse_business_year

    example = '[[notes]] year = 2023, text = "From 2022/23 we ...", statistic = "uphold_rate" (optional)'
    if not isinstance(body, list):
        raise UsageError(f"{source}: notes must be written [[notes]], one table per note: {example}")
    notes = []
    for number, note in enumerate(body, start=1):
        where = f"{source}: note {number} in [[notes]]"
        if not isinstance(note, dict):
            raise UsageError(f"{where} must be a table: {example}")
        unknown = set(note) - {"year", "text", "statistic"}
        if unknown:
            raise UsageError(f"{where}: unknown setting {sorted(unknown)[0]!r}; expected year, text, statistic")
        year, text, statistic = note.get("year"), note.get("text"), note.get("statistic")
        if isinstance(year, bool) or not isinstance(year, (int, str)):
            raise UsageError(f"{where} needs a year, such as 2023 or \"2022/23\"")
        try:
            end_year = parse_business_year(str(year)).end_year
        except UsageError as error:
            raise UsageError(f"{where}: {error}") from None
        if not isinstance(text, str) or not text.strip():
            raise UsageError(f"{where} needs a text in quotes saying what changed")
        if statistic is not None and statistic not in NOTE_STATISTICS:
            raise UsageError(f"{where}: statistic {statistic!r} is not one of {', '.join(NOTE_STATISTICS)}")
        notes.append(MethodNote(end_year, text.strip(), statistic))
    return tuple(notes)


def _convert(source: Path, section: str, key: str, name: str, value: Any, base: Path) -> Any:
    where = f"{source}: [{section}] {key}"
    if name in _PATHS:
        if not isinstance(value, str) or not value:
            raise UsageError(f"{where} must be a path in quotes")
        path = Path(value)
        return path if path.is_absolute() else base / path
    if name == "letter_dates":
        if not isinstance(value, dict):
            raise UsageError(f'{where} must be a table such as {{ "2020" = 2020-07-22 }}')
        dates = {}
        for year, day in value.items():
            try:
                dates[int(year)] = day if isinstance(day, date) else date.fromisoformat(str(day))
            except ValueError:
                raise UsageError(f"{where}: {year} = {day!r} is not a year and an ISO date (2020-07-22)") from None
        return dates
    if name == "site.last_tested":
        try:
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise UsageError(f"{where} must be the date of the test, such as 2026-07-01") from None
    if name in ("few_cases", "jobs", "email.port", "site.response_days", "bounces.port"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise UsageError(f"{where} must be a whole number of at least 1")
        return value
    if name == "email.rate":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise UsageError(f"{where} must be a whole number of messages a minute (0: no pacing)")
        return value
    if name == "email.security" and value not in SECURITY:
        raise UsageError(f"{where} must be one of {', '.join(map(repr, SECURITY))}")
    if name == "bounces.security" and value not in IMAP_SECURITY:
        raise UsageError(f"{where} must be one of {', '.join(map(repr, IMAP_SECURITY))} (IMAP is read over TLS)")
    if name in ("email.auth", "bounces.auth") and value not in AUTH:
        raise UsageError(f"{where} must be one of {', '.join(map(repr, AUTH))}")
    if name == "signatory_titles":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f'{where} must be a list of job titles, such as ["Local Government and Social Care '
                             'Ombudsman"]')
        return tuple(value)
    if name in ("other_bodies", "chart"):
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be true or false")
        return value
    if name == "average" and value not in ("pooled", "mean"):
        raise UsageError(f"{where} must be \"pooled\" or \"mean\"")
    if not isinstance(value, str):
        raise UsageError(f"{where} must be text in quotes")
    return value


def default_jobs() -> int:
    """Worker processes when neither --jobs nor [letters] jobs says: one per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))

