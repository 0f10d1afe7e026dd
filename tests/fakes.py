"""A stand-in for LibreOffice's ``soffice``, to test how the tool copes when the converter misbehaves.

The real LibreOffice is tested too (the tests marked ``libreoffice``); this one can be told to lose a
file, hang, write something that is not a PDF, or be slow, which the real one does only sometimes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FAKE_SOFFICE = r'''#!/usr/bin/env python3
# Behaviour from the environment: FAKE_SOFFICE_LOG (a line per call: how many files), FAKE_SOFFICE_SKIP
# (names containing it are not converted), FAKE_SOFFICE_MODE (convert, hang, hang-after-one, garbage, slow).
import os, sys, time

def minimal_pdf():
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return out

args = sys.argv[1:]
out = args[args.index("--outdir") + 1]
files = [a for a in args if a.endswith(".docx")]
mode = os.environ.get("FAKE_SOFFICE_MODE", "convert")
skip = os.environ.get("FAKE_SOFFICE_SKIP", "\0")
with open(os.environ.get("FAKE_SOFFICE_LOG", os.devnull), "a") as log:
    log.write(f"{len(files)} {os.getpid()}\n")
if mode == "hang":
    time.sleep(3600)
for number, name in enumerate(files):
    if mode == "hang-after-one" and number == 1:
        time.sleep(3600)
    if mode == "slow":
        time.sleep(0.5)
    if skip in os.path.basename(name):
        continue
    with open(os.path.join(out, os.path.basename(name)[:-5] + ".pdf"), "wb") as pdf:
        pdf.write(b"<html>not a pdf</html>" if mode == "garbage" else minimal_pdf())
'''


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$OMBUDSMAN_SOFFICE`` pointing at the stand-in; returns the file its calls are logged to."""
    program = tmp_path / "fake-soffice"
    program.write_text(FAKE_SOFFICE)
    program.chmod(0o755)
    log = tmp_path / "soffice-calls.log"
    monkeypatch.setenv("OMBUDSMAN_SOFFICE", str(program))
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(log))
    return log


def logged_calls(log: Path) -> list[tuple[int, int]]:
    """(files, process id) for each call the stand-in logged."""
    if not log.exists():
        return []
    return [(int(files), int(pid)) for files, pid in (line.split() for line in log.read_text().splitlines())]
