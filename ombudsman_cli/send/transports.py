"""Transports: how a built message leaves. One small interface, two kinds.

- :class:`OutboxTransport` writes each message as an ``.eml`` file (the dry run): exactly what would go.
- :class:`SmtpTransport` submits it to a mail server over one reused connection (STARTTLS, SSL or plain;
  a password, or an OAuth token through ``SMTP.auth``), retries what the server defers (4xx) with
  back-off, and tells apart a message that certainly did not go from one that may have: the connection
  failing after the whole message was handed over is ``unknown``, never retried.

Each takes the message as the bytes that go over the wire and returns a
:class:`~ombudsman_cli.send.plan.Delivery`. The password is read when the transport opens
and is never printed, logged or written.
"""

from __future__ import annotations

import base64
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ..config import MailSettings
from ..errors import MailServerError, UsageError
from .ledger import Delivery, Outcome
from .plan import Outgoing
from .secrets import PASSWORD_VARIABLE


def _never() -> bool:
    return False


#: Seconds to wait before each retry of a message the server deferred (4xx).
RETRY_DELAYS = (5.0, 30.0, 120.0)



class Transport(Protocol):
    """How a built message leaves: opened once, given each message as the bytes that go over the wire, closed."""

    def open(self) -> None:
        """Make ready (connect, log in); :class:`MailServerError` if that cannot be done."""

    def deliver(self, outgoing: Outgoing, data: bytes, sender: str, recipients: Sequence[str],
                stop_waiting: Callable[[], bool] = _never) -> Delivery:
        """Hand one message over; never raises for what the server says (that is the :class:`Delivery`).
        ``stop_waiting`` tells a transport that would wait (to retry) that the run is stopping."""

    def close(self) -> None:
        """Let go of the connection (what was delivered stays delivered)."""


class OutboxTransport:
    """The dry run: each message written to ``folder/<letter>.eml``, byte for byte what would be sent."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def deliver(self, outgoing: Outgoing, data: bytes, sender: str, recipients: Sequence[str],
                stop_waiting: Callable[[], bool] = _never) -> Delivery:
        path = self.folder / f"{outgoing.stem}.eml"
        path.write_bytes(data)
        return Delivery(Outcome.WRITTEN, str(path))

    def close(self) -> None:
        pass


class _HandedOver(Exception):
    """The whole message was sent and then the connection failed: it may have arrived."""


class SmtpTransport:
    """Messages over one SMTP connection, opened once and opened again only when it drops."""

    def __init__(self, settings: MailSettings, secret: str | None, retry_delays: Sequence[float] | None = None,
                 sleep: Callable[[float], None] = time.sleep, timeout: float = 60.0) -> None:
        if not settings.host:
            raise UsageError("no mail server: set [email] host in ombudsman.toml, or pass --smtp-host")
        if settings.username and not secret:
            raise UsageError(f"[email] username is set but there is no password: set ${PASSWORD_VARIABLE}, or "
                             "[email] password_command (a command that prints it)")
        self.settings = settings
        self._secret = secret
        self.retry_delays = list(RETRY_DELAYS if retry_delays is None else retry_delays)
        self.sleep = sleep
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None
        #: Asked before each retry: True when the run is stopping (Ctrl-C), so no back-off is waited out.

    def __repr__(self) -> str:  # never the secret
        return f"SmtpTransport({self.settings.host}:{self.settings.default_port}, {self.settings.security})"

    # -- the connection -------------------------------------------------------------------------------

    def open(self) -> None:
        """Connect, secure and log in; :class:`MailServerError` (nothing sent) if any of it fails."""
        try:
            self._connection()
        except smtplib.SMTPAuthenticationError as error:
            raise MailServerError(f"{self._where()} refused the login for {self.settings.username}: "
                                  f"{error.smtp_code} {_text(error.smtp_error)}. Check the username, the password "
                                  "(or token), and that SMTP AUTH is allowed for the mailbox.") from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailServerError(f"cannot reach the mail server {self._where()}: {_reason(error)}. Check [email] "
                                  "host, port and security.") from None

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.default_port}"

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        settings = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host or "", settings.default_port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host or "", settings.default_port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                secret = self._secret or ""
                if settings.auth == "xoauth2":
                    username = settings.username

                    def xoauth2(challenge: bytes | None = None) -> str:
                        return f"user={username}\x01auth=Bearer {secret}\x01\x01"

                    smtp.auth("XOAUTH2", xoauth2)
                else:
                    _login(smtp, settings.username, secret)
        except BaseException:
            _close(smtp)
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            _close(self._smtp)
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()

    # -- one message ----------------------------------------------------------------------------------

    def deliver(self, outgoing: Outgoing, data: bytes, sender: str, recipients: Sequence[str],
                stop_waiting: Callable[[], bool] = _never) -> Delivery:
        last = Delivery(Outcome.DEFERRED, "not attempted")
        for attempt in range(len(self.retry_delays) + 1):
            try:
                last = self._attempt(sender, recipients, data)
            except _HandedOver as error:
                self._drop()
                return Delivery(Outcome.UNKNOWN, f"the connection failed after the message was handed over ({error}); it "
                                         "may have arrived: check with the recipient before sending it again")
            except smtplib.SMTPAuthenticationError as error:
                self._drop()
                return Delivery(Outcome.DEFERRED, f"login refused: {error.smtp_code} {_text(error.smtp_error)}",
                                stop_run=True)
            except (smtplib.SMTPException, OSError) as error:
                self._drop()  # the message was not handed over: safe to try again
                last = Delivery(Outcome.DEFERRED, f"connection failed: {_reason(error)}", stop_run=True)
            if last.outcome != Outcome.DEFERRED:
                return last
            if attempt < len(self.retry_delays) and not self._wait(self.retry_delays[attempt], stop_waiting):
                return Delivery(Outcome.DEFERRED, f"{last.reply}; not tried again: the run was stopped")
        return last

    def _wait(self, seconds: float, stop_waiting: Callable[[], bool]) -> bool:
        """Wait before a retry, in short steps; False if the run is stopping."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if stop_waiting():
                return False
            self.sleep(min(left, 0.2))
        return not stop_waiting()

    def _attempt(self, sender: str, recipients: Sequence[str], data: bytes) -> Delivery:
        smtp = self._connection()
        code, reply = smtp.mail(sender)
        if code != 250:
            return self._failed(smtp, code, reply)
        accepted, refused = [], {}
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code in (250, 251):
                accepted.append(recipient)
            else:
                refused[recipient] = f"{code} {_text(reply)}"
        if not accepted:
            permanent = all(text.startswith("5") for text in refused.values())
            smtp.rset()
            return Delivery(Outcome.REFUSED if permanent else Outcome.DEFERRED, "; ".join(f"{r}: {t}" for r, t in refused.items()))
        code, reply = _data(smtp, data)
        if code == 250:
            return Delivery(Outcome.SENT, f"{code} {_text(reply)}", refused)
        return self._failed(smtp, code, reply)

    @staticmethod
    def _failed(smtp: smtplib.SMTP, code: int, reply: bytes) -> Delivery:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            pass
        return Delivery(Outcome.REFUSED if 500 <= code < 600 else Outcome.DEFERRED, f"{code} {_text(reply)}")


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _data(smtp: smtplib.SMTP, data: bytes) -> tuple[int, bytes]:
    """DATA, as :meth:`smtplib.SMTP.data` does it, telling apart the moments a failure can come: before
    the server has the message (safe to retry) and after (it may have arrived)."""
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        return code, reply
    payload = _LEADING_DOT.sub(b"..", data)
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    smtp.send(payload + b".\r\n")
    try:
        return smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise _HandedOver(_reason(error)) from None


def _login(smtp: smtplib.SMTP, username: str, secret: str) -> None:
    """AUTH PLAIN (or LOGIN) with the name and password in UTF-8: smtplib's own login encodes them as
    ASCII and fails on a password such as ``ß£`` before the server has seen it."""
    smtp.ehlo_or_helo_if_needed()
    methods = smtp.esmtp_features.get("auth", "").upper().split()
    if not methods:
        raise smtplib.SMTPNotSupportedError("the server does not offer a login (no AUTH); remove [email] username")

    def b64(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    if "PLAIN" in methods or "LOGIN" not in methods:
        code, reply = smtp.docmd("AUTH", "PLAIN " + b64(f"\0{username}\0{secret}"))
    else:
        code, reply = smtp.docmd("AUTH", "LOGIN " + b64(username))
        if code == 334:
            code, reply = smtp.docmd(b64(secret))
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return str(error) or type(error).__name__
