"""The password (or OAuth token) for the mail server that sends and the mailbox that takes the replies:
from an environment variable, else from the output of a command (as msmtp's ``passwordeval``); never
from the config file, never printed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from ..config import BouncesSettings, MailSettings
from ..errors import UsageError, hide_secret

PASSWORD_VARIABLE = "OMBUDSMAN_SMTP_PASSWORD"
IMAP_PASSWORD_VARIABLE = "OMBUDSMAN_IMAP_PASSWORD"


def read_secret(settings: MailSettings | BouncesSettings) -> str | None:
    """The password or token for ``settings`` (``[email]``: ``$OMBUDSMAN_SMTP_PASSWORD``; ``[bounces]``:
    ``$OMBUDSMAN_IMAP_PASSWORD``), else the output of its ``password_command``, else none."""
    variable, section = ((IMAP_PASSWORD_VARIABLE, "bounces") if isinstance(settings, BouncesSettings)
                         else (PASSWORD_VARIABLE, "email"))
    secret = os.environ.get(variable)
    if secret:
        hide_secret(secret)
        return secret
    if settings.password_command:
        returncode, output = _run_password_command(settings.password_command, section)
        if returncode != 0:
            # Its output is not shown: it may hold part of the secret.
            raise UsageError(f"[{section}] password_command failed (exit {returncode}); run it yourself to see why")
        secret = output.decode("utf-8", "replace").rstrip("\r\n")
        if not secret:
            raise UsageError(f"[{section}] password_command printed nothing")
        hide_secret(secret)
        return secret
    return None


def _run_password_command(command: str, section: str) -> tuple[int, bytes]:
    """Run ``command`` in a process group of its own, so that Ctrl-C, SIGTERM or a time-out ends it with
    everything it started (a password manager's agent, a prompt), never leaving them behind."""
    try:
        process = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
    except OSError as error:
        raise UsageError(f"[{section}] password_command could not be run ({type(error).__name__})") from None
    try:
        output, _ = process.communicate(timeout=60)
    except BaseException as error:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if isinstance(error, subprocess.TimeoutExpired):
            raise UsageError(f"[{section}] password_command did not finish in 60 seconds") from None
        raise
    return process.returncode, output
