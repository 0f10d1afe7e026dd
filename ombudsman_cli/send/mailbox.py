"""The sender's mailbox, read and never changed: an IMAP folder (over TLS), an mbox file or a Maildir
folder, each message as its bytes. IMAP is opened with EXAMINE and read with ``BODY.PEEK``, so no
message is marked as read, moved or deleted; files are opened for reading only.

Only the first :data:`READ_LIMIT` bytes of a message are read: a report comes before the letter it returns,
and a 20 MB message (a bounce with a large attachment, a newsletter) is not held whole.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import BouncesSettings
from ..errors import MailboxProblem

READ_LIMIT = 2 * 1024 * 1024
#: Messages fetched from an IMAP server at a time.
_BATCH = 50


@dataclass(frozen=True)
class MailboxMessage:
    """One message as the mailbox holds it."""

    #: Where it is, for a person ("INBOX, UID 345", "bounces.mbox, message 3 (line 120)").
    where: str
    #: Its bytes, at most :data:`READ_LIMIT` of them.
    data: bytes
    #: Its whole size in bytes.
    size: int

    @property
    def truncated(self) -> bool:
        return self.size > READ_LIMIT


def file_messages(path: Path) -> Iterator[MailboxMessage]:
    """The messages of an mbox file (a single ``.eml`` message too) or a Maildir folder (``cur/`` and
    ``new/``), oldest first; :class:`MailboxProblem` if ``path`` is neither."""
    if path.is_dir():
        yield from _maildir(path)
    elif path.is_file():
        yield from _mbox(path)
    else:
        raise MailboxProblem(f"{path}: no such file or folder; give an mbox file or a Maildir folder with --mailbox")


def _maildir(path: Path) -> Iterator[MailboxMessage]:
    folders = [path / name for name in ("new", "cur") if (path / name).is_dir()]
    if not folders:
        raise MailboxProblem(f"{path} is a folder but not a Maildir (it has no cur/ or new/): give the Maildir "
                             "folder itself, or an mbox file")
    files = sorted((f for folder in folders for f in folder.iterdir() if f.is_file() and not f.name.startswith(".")),
                   key=lambda f: f.name)
    for file in files:
        try:
            with file.open("rb") as handle:
                data = handle.read(READ_LIMIT)
            size = file.stat().st_size
        except OSError as error:
            raise MailboxProblem(f"{file} cannot be read ({error.strerror or error})") from None
        yield MailboxMessage(f"{file.parent.name}/{file.name}", data, size)


def _mbox(path: Path) -> Iterator[MailboxMessage]:
    """An mbox file split at its ``From `` lines (one that begins the file or follows a blank line); a file
    that does not begin with one is a single message (an ``.eml`` file)."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise MailboxProblem(f"{path} cannot be read ({error.strerror or error})") from None
    with handle:
        first = handle.readline()
        if not first.startswith(b"From "):
            rest = handle.read(READ_LIMIT)
            data = (first + rest)[:READ_LIMIT]
            yield MailboxMessage(path.name, data, path.stat().st_size)
            return
        number, start_line, line_number = 1, 1, 1
        kept: list[bytes] = []
        kept_size = size = 0
        previous_blank = False
        for line in handle:
            line_number += 1
            if line.startswith(b"From ") and previous_blank:
                yield MailboxMessage(f"{path.name}, message {number} (line {start_line})", _without_last_blank(kept), size)
                number, start_line, kept, kept_size, size = number + 1, line_number, [], 0, 0
                previous_blank = False
                continue
            previous_blank = line in (b"\n", b"\r\n")
            size += len(line)
            if kept_size < READ_LIMIT:
                kept.append(line[:READ_LIMIT - kept_size])
                kept_size += len(kept[-1])
        yield MailboxMessage(f"{path.name}, message {number} (line {start_line})", _without_last_blank(kept), size)


def _without_last_blank(lines: list[bytes]) -> bytes:
    """A message's lines without the blank line mbox puts before the next ``From `` line."""
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return re.sub(rb"(?m)^>(>*From )", rb"\1", b"".join(lines))  # mboxrd's quoted From lines


# -- IMAP -----------------------------------------------------------------------------------------------

def imap_messages(settings: BouncesSettings, secret: str | None, timeout: float = 60.0) -> Iterator[MailboxMessage]:
    """The messages of ``settings.folder`` on the IMAP server, oldest first, read without marking them read;
    :class:`MailboxProblem` for a server that cannot be reached or refuses the login, or a folder it lacks."""
    if not settings.host:
        raise MailboxProblem("no mailbox to read: set [bounces] host (an IMAP server) in ombudsman.toml, or give an "
                             "mbox file or Maildir folder with --mailbox")
    if not settings.user:
        raise MailboxProblem("[bounces] user is not set: the mailbox's login name (usually its address)")
    if not secret:
        raise MailboxProblem(f"no password for {settings.user} on {settings.host}: set $OMBUDSMAN_IMAP_PASSWORD, or "
                             "[bounces] password_command (a command that prints it, or an OAuth token)")
    where = f"{settings.host}:{settings.default_port}"
    context = ssl.create_default_context()
    try:
        if settings.security == "starttls":
            imap: imaplib.IMAP4 = imaplib.IMAP4(settings.host, settings.default_port, timeout=timeout)
            imap.starttls(ssl_context=context)
        else:
            imap = imaplib.IMAP4_SSL(settings.host, settings.default_port, ssl_context=context, timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxProblem(f"cannot reach the IMAP server {where}: {_reason(error)}. Check [bounces] host, port "
                             "and security.") from None
    try:
        _log_in(imap, settings, secret, where)
        status, answer = imap.select(_quoted(settings.folder), readonly=True)  # EXAMINE: nothing changes
        if status != "OK":
            raise MailboxProblem(f"{where} has no folder {settings.folder!r} for {settings.user} "
                                 f"({_said(answer)}); its folders: {', '.join(_folders(imap)) or 'none listed'}. "
                                 "Set [bounces] folder.")
        status, answer = imap.uid("SEARCH", "ALL")
        if status != "OK":
            raise MailboxProblem(f"{where} would not list the messages of {settings.folder} ({_said(answer)})")
        uids = answer[0].split() if answer and answer[0] else []
        for start in range(0, len(uids), _BATCH):
            batch = b",".join(uids[start:start + _BATCH]).decode()
            status, fetched = imap.uid("FETCH", batch, f"(RFC822.SIZE BODY.PEEK[]<0.{READ_LIMIT}>)")
            if status != "OK":
                raise MailboxProblem(f"{where} would not give the messages of {settings.folder} ({_said(fetched)})")
            for item in fetched:
                if not isinstance(item, tuple):
                    continue
                envelope, data = item
                uid = re.search(rb"UID (\d+)", envelope)
                size = re.search(rb"RFC822\.SIZE (\d+)", envelope)
                yield MailboxMessage(f"{settings.folder}, UID {uid.group(1).decode() if uid else '?'}", data,
                                     int(size.group(1)) if size else len(data))
    except (OSError, imaplib.IMAP4.abort) as error:
        raise MailboxProblem(f"the IMAP server {where} stopped answering: {_reason(error)}. What was read before "
                             "is recorded; run the same command again for the rest.") from None
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _log_in(imap: imaplib.IMAP4, settings: BouncesSettings, secret: str, where: str) -> None:
    try:
        if settings.auth == "xoauth2":
            token = f"user={settings.user}\x01auth=Bearer {secret}\x01\x01".encode()
            imap.authenticate("XOAUTH2", lambda _challenge: token)
        else:
            imap.login(settings.user or "", secret)
    except imaplib.IMAP4.error as error:
        raise MailboxProblem(f"{where} refused the login for {settings.user}: {_reason(error)}. Check the user, the "
                             "password (an app password where the account has two-factor sign-in) or the OAuth "
                             "token, and that IMAP is allowed for the mailbox.") from None


def _folders(imap: imaplib.IMAP4) -> list[str]:
    try:
        status, listed = imap.list()
    except (OSError, imaplib.IMAP4.error):
        return []
    names = []
    for line in listed if status == "OK" else []:
        if isinstance(line, bytes):
            found = re.search(rb'\) "[^"]*" (.+)$', line) or re.search(rb"\) NIL (.+)$", line)
            if found:
                names.append(_decoded_folder(found.group(1).strip().strip(b'"').decode("ascii", "replace")))
    return names


def _quoted(folder: str) -> str:
    """A folder name as IMAP takes it: modified UTF-7 (RFC 3501), in quotes."""
    encoded = []
    run = ""
    for character in folder + "\0":
        if character != "\0" and (ord(character) < 0x20 or ord(character) > 0x7E):
            run += character
            continue
        if run:
            import base64

            encoded.append("&" + base64.b64encode(run.encode("utf-16-be")).decode().rstrip("=").replace("/", ",") + "-")
            run = ""
        if character == "&":
            encoded.append("&-")
        elif character != "\0":
            encoded.append(character)
    text = "".join(encoded)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _decoded_folder(name: str) -> str:
    import base64

    def decode(match: re.Match[str]) -> str:
        body = match.group(1)
        if not body:
            return "&"
        padded = body.replace(",", "/") + "=" * (-len(body) % 4)
        return base64.b64decode(padded).decode("utf-16-be", "replace")

    return re.sub(r"&([^-]*)-", decode, name)


def _said(answer: object) -> str:
    if isinstance(answer, list) and answer:
        first = answer[0]
        return first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first)
    return "no answer"


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.timeout):
        return "no answer in time"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its certificate cannot be trusted ({error.verify_message})"
    text = error.args[0] if error.args else error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(getattr(error, "strerror", None) or text or type(error).__name__)
