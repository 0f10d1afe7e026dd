"""Issue 9: the letters folder always tells the truth, a misbehaving LibreOffice fails fast, templates stay
in their sandbox, and no option ends in a traceback."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.locking import folder_lock
from ombudsman_cli.naming import letter_filename

from .conftest import ROOT, ROWS, as_text, write_csv
from .fakes import logged_calls

GENERIC = ROOT / "letter_templates" / "annual-review-letter.docx"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def export(tmp_path) -> Path:
    return write_csv(tmp_path / "d.csv", as_text(ROWS))


def letters(runner, export, *extra):
    return runner.invoke(cli, ["letters", "--decisions", str(export), "--year", "2020", "--letter-date", "2020-07-22",
                               *extra])


def manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "manifest.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def assert_folder_tells_the_truth(folder: Path, running: bool = False) -> None:
    """Every letter in the folder is in the manifest with its true SHA-256 (and its PDF's), and nothing
    else is there: no PDF without its letter, and (once no run is ``running``: it works in a hidden lock
    file and staging folder) no hidden file at all."""
    rows = manifest(folder)
    for row in rows:
        assert hashlib.sha256((folder / row["file"]).read_bytes()).hexdigest() == row["sha256"], row["file"]
        if row["pdf"]:
            assert hashlib.sha256((folder / row["pdf"]).read_bytes()).hexdigest() == row["pdf_sha256"]
    assert sorted(p.name for p in folder.glob("*.docx")) == sorted(r["file"] for r in rows)
    assert sorted(p.name for p in folder.glob("*.pdf")) == sorted(r["pdf"] for r in rows if r["pdf"])
    hidden = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    if running:
        hidden = [h for h in hidden if h != ".ombudsman.lock" and not h.startswith(".ombudsman-run-")]
    assert not hidden


# -- file names -----------------------------------------------------------------------------------

def own_register(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "register.csv"
    path.write_text("official-name,gss-code,local-authority-type,population\n" + "\n".join(rows) + "\n")
    return path


def test_names_that_come_to_the_same_file_name_never_overwrite_each_other(runner, tmp_path):
    register = own_register(tmp_path, "St Helens Council,E08000013,MD,180000", "St. Helens Council,E08000999,MD,1000",
                            "St-Helens Council,E08000998,MD,1000", "Ελληνικό Συμβούλιο,E08000997,MD,1000",
                            "中文,E08000996,MD,1000", ".Hidden Council,E08000995,MD,1000", "-Dash Council,E08000994,MD,1000")
    export = write_csv(tmp_path / "d.csv", [["1", "St Helens Council", "01/05/2019", "Upheld", "", "", ""]])
    result = runner.invoke(cli, ["letters", "--decisions", str(export), "--authorities", str(register),
                                 "--year", "2020", "--out", "out", "--letter-date", "2020-07-22"])
    assert result.exit_code == 0, result.output
    files = sorted(r["file"] for r in manifest(tmp_path / "out"))
    assert len(files) == 7 == len(set(files)) == len(list((tmp_path / "out").glob("*.docx")))
    assert "st-helens-council.docx" in files and "st-helens-council-e08000999.docx" in files
    assert "e08000997.docx" in files and "e08000996.docx" in files and "hidden-council.docx" in files
    assert not any(f.startswith((".", "-")) for f in files)
    by_code = {r["code"]: r["file"] for r in manifest(tmp_path / "out")}
    assert "St. Helens Council" in " ".join(p.text for p in docx.Document(tmp_path / "out" / by_code["E08000999"]).paragraphs)
    assert_folder_tells_the_truth(tmp_path / "out")


def test_a_very_long_name_gives_a_file_name_a_file_system_takes(tmp_path):
    assert len(letter_filename("The " + "Very " * 200 + "Long Council")) <= 105
    assert letter_filename("Ynys Môn") == "ynys-mon.docx"


# -- one run at a time, and signals ---------------------------------------------------------------

def test_a_second_run_on_the_same_folder_is_refused(runner, export, tmp_path):
    with folder_lock(tmp_path / "out", "a test holding the folder"):
        result = letters(runner, export, "--out", "out")
    assert result.exit_code == 1 and "is in use by another ombudsman run" in result.output
    assert "a test holding the folder" in result.output
    assert not (tmp_path / "out" / "manifest.csv").exists()
    assert letters(runner, export, "--out", "out", "--authority", "Adur").exit_code == 0  # free again
    assert not (tmp_path / "out" / ".ombudsman.lock").exists()


def _start(export: Path, folder: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ombudsman_cli", "letters", "--decisions", str(export), "--year", "2020",
         "--letter-date", "2020-07-22", "--out", folder, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )


def _wait_for_calls(log: Path, count: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(logged_calls(log)) < count:
        assert time.monotonic() < deadline, "the converter was never started"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:  # a zombie is not alive
        return handle.read().split()[2] != "Z"


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_rerun_leaves_the_earlier_letters_true(runner, export, tmp_path, fake_soffice, signum, code):
    assert letters(runner, export, "--out", "out", "--pdf").exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    calls = len(logged_calls(fake_soffice))
    process = _start(export, "out", "--pdf", "--jobs", "2", "--letter-date", "2020-07-23",
                     env={"FAKE_SOFFICE_MODE": "slow"})
    _wait_for_calls(fake_soffice, calls + 1)  # this run is converting
    assert_folder_tells_the_truth(tmp_path / "out", running=True)
    sent = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=20)
    assert time.monotonic() - sent < 5, "stopping took too long"
    assert process.returncode == code, err
    assert "nothing in out was changed" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before
    assert_folder_tells_the_truth(tmp_path / "out")
    assert not any(_alive(pid) for _, pid in logged_calls(fake_soffice))  # no LibreOffice left running


def test_ctrl_c_while_rendering_with_workers_stops_promptly(export, tmp_path):
    """Ctrl-C while the workers render (the staging folder already holds letters): the run stops in
    seconds with 130, and the folder holds nothing it did not hold before."""
    process = _start(export, "out", "--jobs", "2")  # the bundled register: a letter for each of 340-odd councils
    deadline = time.monotonic() + 60
    while not list((tmp_path / "out").glob(".ombudsman-run-*/*.docx")):
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no letter was ever rendered"
        time.sleep(0.01)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 10, "stopping took too long"
    assert process.returncode == 130, err
    assert "Traceback" not in err and "nothing in out was changed" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


# -- earlier runs ----------------------------------------------------------------------------------

def test_a_full_rerun_removes_letters_it_did_not_write_and_names_them(runner, export, tmp_path):
    register = own_register(tmp_path, "Northshire County Council,E10000999,CTY,200000",
                            "Southby District Council,E07000999,NMD,50000")
    assert letters(runner, export, "--out", "out").exit_code == 0  # the bundled register: 340-odd letters
    removed = len(manifest(tmp_path / "out"))
    (tmp_path / "out" / "notes.docx").write_bytes(b"someone's own file")
    result = runner.invoke(cli, ["letters", "--decisions", str(write_csv(tmp_path / "s.csv", [
        ["1", "Southby District Council", "01/05/2019", "Upheld", "", "", ""]])), "--authorities", str(register),
        "--year", "2020", "--out", "out", "--letter-date", "2020-07-22"])
    assert result.exit_code == 0, result.output
    assert f"Removed {removed} letters of an earlier run" in result.stderr and "adur-district-council.docx" in result.stderr
    assert "Not in the manifest: notes.docx" in result.stderr
    assert sorted(r["file"] for r in manifest(tmp_path / "out")) == [
        "northshire-county-council.docx", "southby-district-council.docx"]
    assert (tmp_path / "out" / "notes.docx").exists()  # not ours: reported, never removed


def test_a_run_for_some_councils_keeps_the_others_and_says_so(runner, export, tmp_path):
    assert letters(runner, export, "--out", "out").exit_code == 0
    everyone = manifest(tmp_path / "out")
    result = letters(runner, export, "--out", "out", "--authority", "Bassetlaw", "--letter-date", "2020-07-30")
    assert result.exit_code == 0
    assert f"Kept {len(everyone) - 1} letters of an earlier run" in result.stderr
    rows = {r["file"]: r for r in manifest(tmp_path / "out")}
    assert len(rows) == len(everyone)
    assert_folder_tells_the_truth(tmp_path / "out")
    assert "30 July 2020" in [p.text for p in docx.Document(tmp_path / "out" / "bassetlaw-district-council.docx").paragraphs]


def test_a_changed_letter_is_not_listed_or_removed(runner, export, tmp_path):
    assert letters(runner, export, "--out", "out", "--authority", "Adur", "--authority", "Bassetlaw").exit_code == 0
    (tmp_path / "out" / "adur-district-council.docx").write_bytes(b"edited by hand")
    result = letters(runner, export, "--out", "out", "--authority", "Bassetlaw")
    assert result.exit_code == 0
    assert "Not in the manifest: adur-district-council.docx" in result.stderr
    assert [r["file"] for r in manifest(tmp_path / "out")] == ["bassetlaw-district-council.docx"]
    assert (tmp_path / "out" / "adur-district-council.docx").read_bytes() == b"edited by hand"


# -- PDFs belong to their letter -------------------------------------------------------------------

def test_a_failed_conversion_never_leaves_an_earlier_pdf_beside_a_new_letter(runner, export, tmp_path, fake_soffice,
                                                                             monkeypatch):
    assert letters(runner, export, "--out", "out", "--pdf", "--authority", "Bassetlaw", "--authority", "Adur").exit_code == 0
    assert (tmp_path / "out" / "bassetlaw-district-council.pdf").exists()
    monkeypatch.setenv("FAKE_SOFFICE_SKIP", "bassetlaw")
    result = letters(runner, export, "--out", "out", "--pdf", "--authority", "Bassetlaw", "--authority", "Adur",
                     "--letter-date", "2020-07-30")  # new letters: the old PDFs no longer belong to them
    assert result.exit_code == 1 and "bassetlaw-district-council.docx" in result.output
    assert not (tmp_path / "out" / "bassetlaw-district-council.pdf").exists()
    rows = {r["code"]: r for r in manifest(tmp_path / "out")}
    assert rows["E07000171"]["pdf"] == "" and rows["E07000223"]["pdf"] == "adur-district-council.pdf"
    assert_folder_tells_the_truth(tmp_path / "out")


def test_an_unchanged_letter_keeps_its_pdf_when_rerun_without_pdf(runner, export, tmp_path, fake_soffice):
    assert letters(runner, export, "--out", "out", "--pdf", "--authority", "Adur").exit_code == 0
    assert letters(runner, export, "--out", "out", "--authority", "Adur").exit_code == 0  # same bytes
    assert manifest(tmp_path / "out")[0]["pdf"] == "adur-district-council.pdf"
    assert letters(runner, export, "--out", "out", "--authority", "Adur", "--letter-date", "2020-08-01").exit_code == 0
    assert manifest(tmp_path / "out")[0]["pdf"] == "" and not (tmp_path / "out" / "adur-district-council.pdf").exists()


def test_converter_output_that_is_not_a_pdf_is_detected(runner, export, tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "garbage")
    result = letters(runner, export, "--out", "out", "--pdf", "--authority", "Adur")
    assert result.exit_code == 1 and "did not convert 1 of 1 letters to PDF: adur-district-council.docx" in result.output
    assert not list((tmp_path / "out").glob("*.pdf"))
    assert_folder_tells_the_truth(tmp_path / "out")


# -- LibreOffice misbehaving ----------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["hang", "hang-after-one"])
def test_a_hung_converter_is_stopped_and_the_run_fails_fast(runner, export, tmp_path, fake_soffice, monkeypatch, mode):
    monkeypatch.setenv("FAKE_SOFFICE_MODE", mode)
    monkeypatch.setenv("OMBUDSMAN_PDF_TIMEOUT", "1")
    started = time.monotonic()
    result = letters(runner, export, "--out", "out", "--pdf", "--jobs", "2", "--authority", "Adur",
                     "--authority", "Bassetlaw", "--authority", "Ashfield", "--authority", "Babergh")
    assert time.monotonic() - started < 20
    assert result.exit_code == 1
    if mode == "hang":
        assert "wrote no PDF in 1 seconds and was stopped: it seems to hang" in result.output
    else:
        assert "did not convert" in result.output
    calls = logged_calls(fake_soffice)
    assert len(calls) <= 4  # bounded: a batch each, one more try at most
    assert not any(_alive(pid) for _, pid in calls)
    assert len(manifest(tmp_path / "out")) == 4  # the letters themselves went in
    assert_folder_tells_the_truth(tmp_path / "out")


@pytest.mark.parametrize("setting, words", [("missing", "which does not exist"), ("not executable", "which is not a program that can be run"),
                                            ("folder", "which is not a program that can be run")])
def test_a_bad_soffice_setting_is_named_and_leaves_nothing(runner, export, tmp_path, monkeypatch, setting, words):
    program = tmp_path / "soffice"
    if setting == "not executable":
        program.write_text("#!/bin/sh\n")
    elif setting == "folder":
        program.mkdir()
    monkeypatch.setenv("OMBUDSMAN_SOFFICE", str(program))
    result = letters(runner, export, "--out", "out", "--pdf", "--authority", "Adur")
    assert result.exit_code == 1 and f"OMBUDSMAN_SOFFICE is set to {program}, {words}" in result.output
    assert not (tmp_path / "out").exists()


# -- templates --------------------------------------------------------------------------------------

def _template_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.docx"
    document = docx.Document(GENERIC)
    document.add_paragraph(text)
    document.save(path)
    return path


@pytest.mark.parametrize("tag, words", [
    ("{{ upheld.percnt }}", "upheld.percnt (upheld has: average, average_shown, based_on"),
    ("{% for row in chart.rows %}{{ row.lable }}{% endfor %}",
     "row.lable (row has: average, average_percent, label, yours, yours_percent)"),
    ("{{ trend.rows[0].lastyear }}", "trend.rows[0].lastyear"),
    ("{{ per_100k['populaton'] }}", "per_100k['populaton']"),
])
def test_a_misspelt_attribute_stops_the_run_before_a_file_is_written(runner, export, tmp_path, tag, words):
    result = letters(runner, export, "--out", "out", "--template", str(_template_with(tmp_path, tag)))
    assert result.exit_code == 1 and words in result.output and "does not provide" in result.output
    assert not (tmp_path / "out").exists()


def test_an_error_while_rendering_names_the_letter_and_the_tag(runner, export, tmp_path):
    assert letters(runner, export, "--out", "out", "--authority", "Bassetlaw").exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    template = _template_with(tmp_path, "Share: {{ upheld.count / upheld.total }}")
    result = letters(runner, export, "--out", "out", "--template", str(template), "--authority", "Adur",
                     "--authority", "Ashfield", "--authority", "Bassetlaw")  # Ashfield investigated nothing
    assert result.exit_code == 1
    assert "the letter to Ashfield District Council (ashfield-district-council.docx) could not be made" in result.output
    assert "ZeroDivisionError" in result.output and "Share: {{ upheld.count / upheld.total }}" in result.output
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before


@pytest.mark.parametrize("tag", ["{{ ''.__class__.__mro__ }}", "{{ cycler.__init__.__globals__.os.system('id') }}",
                                 "{{ authority.__class__.__base__.__subclasses__() }}",
                                 "{{ self._TemplateReference__context }}"])
def test_templates_run_in_the_sandbox(runner, export, tmp_path, tag):
    result = letters(runner, export, "--out", "out", "--authority", "Adur", "--template", str(_template_with(tmp_path, tag)))
    assert result.exit_code == 1 and "unsafe" in result.output
    assert not list((tmp_path / "out").glob("*.docx")) if (tmp_path / "out").exists() else True


def test_a_template_given_is_named_as_given(runner, export, tmp_path):
    template = _template_with(tmp_path, "")
    result = letters(runner, export, "--out", "out", "--authority", "Adur", "--template", "t.docx")
    assert result.exit_code == 0 and "Template: t.docx (given with --template)" in result.stderr
    assert template.exists()


def test_the_template_inside_the_letters_folder_is_never_overwritten(runner, export, tmp_path):
    (tmp_path / "out").mkdir()
    template = _template_with(tmp_path, "")
    template.rename(tmp_path / "out" / "adur-district-council.docx")
    result = letters(runner, export, "--out", "out", "--authority", "Adur", "--template", "out/adur-district-council.docx")
    assert result.exit_code == 2 and "one of this run's inputs" in result.output


# -- never a traceback -------------------------------------------------------------------------------

@pytest.mark.parametrize("day", ["1970-01-01", "1979-12-31", "2108-01-01", "9999-12-31"])
def test_a_letter_date_a_word_file_cannot_hold_is_a_usage_error(runner, export, day):
    result = letters(runner, export, "--out", "out", "--letter-date", day)
    assert result.exit_code == 2 and "holds dates from 1980 to 2107" in result.output


def test_a_letter_date_in_the_config_that_a_word_file_cannot_hold(runner, export, tmp_path):
    (tmp_path / "ombudsman.toml").write_text('[letters]\ndates = { "2020" = 1901-07-22 }\n')
    result = runner.invoke(cli, ["letters", "--decisions", str(export), "--year", "2020", "--out", "out"])
    assert result.exit_code == 2 and "holds dates from 1980 to 2107" in result.output


def test_a_letter_dated_before_its_year_has_ended_draws_a_warning(runner, export):
    result = letters(runner, export, "--out", "out", "--authority", "Adur", "--letter-date", "2020-03-01")
    assert result.exit_code == 0 and "before the year they review (2019/20) has ended" in result.stderr


def test_a_writing_error_names_the_folder_given(runner, export, tmp_path):
    (tmp_path / "afile").write_text("")
    result = letters(runner, export, "--out", "afile/letters", "--authority", "Adur")
    assert result.exit_code == 1 and "afile/letters" in result.output and ".part" not in result.output


def test_an_unforeseen_error_is_one_message_not_a_traceback(runner, export, monkeypatch):
    from ombudsman_cli import stats

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody planned for")

    monkeypatch.setattr(stats, "compute_statistics", broken)
    result = runner.invoke(cli, ["stats", "--decisions", str(export), "--year", "2020"])
    assert result.exit_code == 1 and "unexpected error (RuntimeError: something nobody planned for)" in result.output
    assert "OMBUDSMAN_DEBUG" in result.output and isinstance(result.exception, SystemExit)
