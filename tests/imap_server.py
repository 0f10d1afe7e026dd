"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd), started in a folder of the test's own
with one user, a Maildir and IMAP over TLS on localhost (a certificate from ``trustme``). Not a fake: the
tool logs in, EXAMINEs a folder and fetches from it as it would from Microsoft 365 or any server.

``.ci/run`` installs Dovecot; without it these tests are skipped, saying so.
"""

from __future__ import annotations

import getpass
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USER, PASSWORD = "reviews@lgo.example.org", "imap-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ImapServer:
    """Dovecot serving ``USER``'s Maildir at ``maildir`` on 127.0.0.1:``port`` (implicit TLS)."""

    def __init__(self, folder: Path, certificate: object) -> None:
        self.folder = folder
        self.port = free_port()
        self.maildir = folder / "home" / "reviews" / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        certificate.private_key_pem.write_to_path(str(folder / "key.pem"))  # type: ignore[attr-defined]
        certificate.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))  # type: ignore[attr-defined]
        (folder / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if os.geteuid() == 0:  # Dovecot will not run mail processes as root: the package's own users
            mail_user, login_user, internal_user = "dovecot", "dovenull", "dovecot"
            shutil.chown(folder / "home", "dovecot", "dovecot")
            for path in (folder / "home").rglob("*"):
                shutil.chown(path, "dovecot", "dovecot")
        else:
            mail_user = login_user = internal_user = getpass.getuser()
        for name in ("run", "state"):
            (folder / name).mkdir(exist_ok=True)
        self.config = folder / "dovecot.conf"
        self.config.write_text(f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {folder}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={folder}/home/%n
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
        self.mail_user = mail_user
        self._serial = 0

    def start(self) -> ImapServer:
        # Dovecot forks into the background: its children would hold a captured pipe open for ever.
        with (self.folder / "start.log").open("wb") as log:
            subprocess.run([DOVECOT, "-c", str(self.config)], check=True, stdin=subprocess.DEVNULL, stdout=log,
                           stderr=log, timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not start: {(self.folder / 'dovecot.log').read_text(errors='replace')}")

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.config), "stop"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        pid = self.folder / "run" / "master.pid"
        if pid.exists():
            try:
                os.kill(int(pid.read_text().strip()), 15)
            except (ProcessLookupError, ValueError):
                pass

    def deliver(self, message: bytes, folder: str = "") -> Path:
        """Put ``message`` in the mailbox (INBOX, or the Maildir++ folder ``folder``) as a mail server does."""
        base = self.maildir if not folder else self.maildir / f".{folder}"
        for sub in ("cur", "new", "tmp"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        self._serial += 1
        path = base / "new" / f"{time.time():.0f}.M{self._serial}P{os.getpid()}.test"
        path.write_bytes(message)
        if os.geteuid() == 0:
            for part in (base, base / "new", base / "cur", base / "tmp", path):
                shutil.chown(part, self.mail_user, self.mail_user)
        return path

    def flags(self, folder: str = "INBOX") -> list[str]:
        """Every message's flags, as a second client sees them (read-only)."""
        context = ssl.create_default_context()
        with imaplib.IMAP4_SSL("localhost", self.port, ssl_context=context) as imap:
            imap.login(USER, PASSWORD)
            status, _ = imap.select(folder, readonly=True)
            assert status == "OK"
            status, answer = imap.fetch("1:*", "(FLAGS)")
            return [line.decode() for line in answer if isinstance(line, bytes)] if status == "OK" else []
