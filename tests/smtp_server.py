"""A real SMTP server for the tests (aiosmtpd's ``Controller`` on localhost), which can be told to misbehave.

Not a mock of ``smtplib``: the tool's SMTP dialogue meets a real server, over a real socket, with real
STARTTLS (certificates from ``trustme``) and AUTH, and the messages it receives are parsed back.
"""

from __future__ import annotations

import base64
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    def attachments(self) -> dict[str, bytes]:
        return {part.get_filename(): part.get_payload(decode=True) for part in self.message.iter_attachments()}


@dataclass
class Behaviour:
    """How the server answers: refuse some recipients, defer the first few messages, drop the line."""

    refuse: dict[str, str] = field(default_factory=dict)  # address -> reply, such as "550 5.1.1 No such user"
    defer_data: int = 0  # answer DATA with 451 this many times, then accept
    defer_always_after: int | None = None  # accept this many messages, then answer 451 to every one
    drop_after_data: set[int] = field(default_factory=set)  # message numbers (from 1) whose reply never comes


class Handler:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.received: list[Received] = []
        self.data_commands = 0
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.behaviour.refuse:
            return self.behaviour.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        behaviour = self.behaviour
        if self.data_commands <= behaviour.defer_data:
            return "451 4.3.0 Try again later"
        if behaviour.defer_always_after is not None and len(self.received) >= behaviour.defer_always_after:
            return "451 4.3.0 Mailbox busy"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        if self.data_commands in behaviour.drop_after_data:
            server.transport.close()  # the message is here; the reply never goes back
        return "250 2.0.0 Queued as test"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        response = args[1] if len(args) > 1 else ""
        text = base64.b64decode(response).decode()
        fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
        self.logins.append((fields.get("user", ""), fields.get("auth", "")))
        return AuthResult(success=fields.get("auth") == "Bearer good-token", handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    """A running server: ``port``, what it ``received``, the ``logins`` it saw."""

    def __init__(self, behaviour: Behaviour | None = None, tls: Any = None, password: str | None = None) -> None:
        self.handler = Handler(behaviour or Behaviour())
        self.port = free_port()
        options: dict[str, Any] = {}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.configure_cert(context)
            options.update(tls_context=context, require_starttls=True)
        if password is not None:
            def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
                if isinstance(data, LoginPassword):
                    self.handler.logins.append((data.login.decode(), data.password.decode()))
                    return AuthResult(success=data.password.decode() == password, handled=False)
                return AuthResult(success=False, handled=False)

            options.update(authenticator=authenticate, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, server_hostname="localhost",
                                     **options)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
