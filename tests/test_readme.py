"""The README is the user's manual: its Python examples run as they are written (against a mail server on
this machine in place of the one they name), from a folder with the example export."""

from __future__ import annotations

import re
import shutil

from .conftest import ROOT
from .smtp_server import MailServer


def python_examples() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_readmes_python_examples_run(tmp_path, monkeypatch):
    examples = python_examples()
    assert len(examples) == 3
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    server = MailServer().start()
    try:
        code = "\n".join(examples).replace("port=8025", f"port={server.port}")
        namespace: dict[str, object] = {}
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own examples
    finally:
        server.stop()
    assert namespace["percent"](namespace["bassetlaw"].uphold_rate) == 67  # type: ignore[operator]
    assert (tmp_path / "letters" / "2020" / "bassetlaw-district-council.docx").is_file()
    report = namespace["report"]
    assert [d.outcome for _, d, _ in report.deliveries] == ["sent"]  # type: ignore[attr-defined]
    assert server.received[0].recipients == ["chief.executive@bassetlaw.example.org",
                                              "link.officer@bassetlaw.example.org",
                                              "monitoring.officer@bassetlaw.example.org"]
    assert (tmp_path / "site" / "2020" / "councils" / "bassetlaw-district-council.html").is_file()
    bassetlaw = namespace["bassetlaw"]
    assert [round(x, 2) for x in bassetlaw.interval("uphold_rate")] == [0.30, 0.90]  # type: ignore[attr-defined]
    assert bassetlaw.vs_average("uphold_rate") == "expected"  # type: ignore[attr-defined]
    assert namespace["revisions"].any is False  # type: ignore[attr-defined]
