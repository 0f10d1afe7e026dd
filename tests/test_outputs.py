"""Outputs that never destroy, bytes that do not depend on the terminal, and a Python API that fails as
clearly as the commands (issue 22)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import ombudsman_cli
from ombudsman_cli import compute_statistics, load_decisions, load_register, parse_business_year
from ombudsman_cli.cli import cli
from ombudsman_cli.data.register import BUNDLED_REGISTER, bundled_data_files
from ombudsman_cli.errors import NoDecisions, UnknownAuthority, UsageError

from .conftest import GOOD, as_text, write_csv

BUNDLED = next(path for path in bundled_data_files() if path.name == BUNDLED_REGISTER)
ADUR = "E07000223"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "decisions.csv", as_text(GOOD))


@pytest.fixture
def accented(tmp_path: Path) -> tuple[Path, Path]:
    """A register in which Adur is spelt with a letter outside ASCII, and an export naming it."""
    register = tmp_path / "register.csv"
    register.write_text(BUNDLED.read_text(encoding="utf-8").replace("Adur District Council", "Ädur District Council"),
                        encoding="utf-8")
    rows = [*as_text(GOOD), ["19 004 600", ADUR, "01/05/2019", "Upheld", "yes", "", ""]]
    return register, write_csv(tmp_path / "accented.csv", rows)


def run(arguments: list[str], cwd: Path, **environment: str) -> subprocess.CompletedProcess[bytes]:
    """The installed command in a process of its own, with its own environment (encoding, width)."""
    env = {**os.environ, **environment}
    return subprocess.run([sys.executable, "-m", "ombudsman_cli", *arguments], cwd=cwd, env=env, capture_output=True,
                          timeout=120)


# -- 1. --output never destroys what it should not touch ---------------------------------------------------

def test_the_bundled_register_is_never_an_output(runner, export):
    before = BUNDLED.read_bytes()
    result = runner.invoke(cli, ["export", "--decisions", str(export), "--year", "2020", "--output", str(BUNDLED)])
    assert result.exit_code == 2
    assert "installed with ombudsman" in result.output and str(BUNDLED) in result.output
    assert BUNDLED.read_bytes() == before


def test_an_output_that_is_a_named_pipe_is_written_into_not_replaced(runner, export, tmp_path):
    pipe = tmp_path / "figures.csv"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    result = runner.invoke(cli, ["export", "--decisions", str(export), "--year", "2020", "--output", str(pipe)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert pipe.is_fifo()
    on_stdout = runner.invoke(cli, ["export", "--decisions", str(export), "--year", "2020"]).stdout_bytes
    assert received == [on_stdout] and b"Bassetlaw District Council" in on_stdout


def test_an_output_through_a_link_writes_the_file_it_points_to_and_keeps_the_link(runner, export, tmp_path):
    target = tmp_path / "published" / "figures.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    result = runner.invoke(cli, ["stats", "--decisions", str(export), "--year", "2020", "--format", "json",
                                 "--output", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and json.loads(target.read_text())["year"] == 2020


def test_the_table_goes_to_the_file_output_names(runner, export, tmp_path):
    path = tmp_path / "t.txt"
    result = runner.invoke(cli, ["stats", "--decisions", str(export), "--year", "2020", "--output", str(path)])
    assert result.exit_code == 0, result.output
    table = path.read_text(encoding="utf-8")
    assert "Bassetlaw District Council" in table and "Compliance" in table and "Remedy" in table
    assert "\x1b[" not in table  # no colour codes in a file
    assert "Bassetlaw District Council" not in result.stdout


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_named_with_the_file_it_could_not_write(export, tmp_path):
    to_file = run(["export", "--decisions", str(export), "--year", "2020", "--output", "/dev/full"], tmp_path)
    assert to_file.returncode == 1
    assert b"/dev/full: No space left on device" in to_file.stderr and b"a bug" not in to_file.stderr
    with open("/dev/full", "wb") as full:
        to_stdout = subprocess.run([sys.executable, "-m", "ombudsman_cli", "export", "--decisions", str(export),
                                    "--year", "2020"], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert to_stdout.returncode == 1
    assert b"standard output: No space left on device" in to_stdout.stderr


# -- 2. bytes that do not depend on the terminal -----------------------------------------------------------

@pytest.mark.parametrize("command", [["export", "--format", "csv"], ["export", "--format", "json"],
                                     ["stats", "--format", "json"], ["stats", "--format", "csv"]])
def test_data_formats_are_utf_8_whatever_the_locale(accented, tmp_path, command):
    register, decisions = accented
    arguments = [*command, "--decisions", str(decisions), "--authorities", str(register), "--year", "2020"]
    utf8 = run(arguments, tmp_path, PYTHONIOENCODING="utf-8")
    assert utf8.returncode == 0, utf8.stderr
    assert "Ädur District Council".encode() in utf8.stdout
    for encoding in ("cp1252", "latin-1", "ascii"):
        other = run(arguments, tmp_path, PYTHONIOENCODING=encoding, LC_ALL="C")
        assert other.returncode == 0, other.stderr
        assert other.stdout == utf8.stdout, encoding


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_the_table_prints_on_a_terminal_that_is_not_utf_8(accented, tmp_path, encoding):
    register, decisions = accented
    result = run(["stats", "--decisions", str(decisions), "--authorities", str(register), "--year", "2020"], tmp_path,
                 PYTHONIOENCODING=encoding, COLUMNS="120")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode(encoding)
    assert "Bassetlaw District Council" in text and "dur District Council" in text
    assert "^ higher, v lower" in text  # ASCII marks where the terminal cannot show the triangles


@pytest.mark.parametrize("width", [30, 40])
def test_a_narrow_terminal_stacks_each_councils_figures_under_its_whole_name(runner, export, width):
    result = runner.invoke(cli, ["stats", "--decisions", str(export), "--year", "2020"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert max(len(line) for line in lines) <= width
    for name in ("Bassetlaw District Council", "London Borough of Hammersmith & Fulham"):
        # Whole, wrapped on a space where it is wider than the terminal.
        start = next(n for n in range(len(lines)) if " ".join(lines[n:n + 2]).startswith(name))
        block = " ".join(lines[start:start + 9])
        assert "Upheld: " in block and "Compliance: " in block and "Remedy: " in block
    assert "…" not in result.stdout


def test_a_table_that_fits_keeps_every_column_and_folds_long_names(runner, export):
    result = runner.invoke(cli, ["stats", "--decisions", str(export), "--year", "2020"], env={"COLUMNS": "60"})
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert max(len(line) for line in lines) <= 60
    assert all(heading in lines[3] for heading in ("Authority", "Upheld", "Compliance", "Remedy"))
    assert "…" not in result.stdout
    names = " ".join(line.split("│")[1].strip() for line in lines if line.startswith("│"))
    assert "London Borough of Hammersmith & Fulham" in " ".join(names.split())


def test_a_wide_terminal_keeps_the_table(runner, export):
    result = runner.invoke(cli, ["stats", "--decisions", str(export), "--year", "2020"], env={"COLUMNS": "120"})
    assert "┃ Authority" in result.stdout and "Upheld: " not in result.stdout


# -- 3. the Python API raises what it documents --------------------------------------------------------------

@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    path = write_csv(tmp_path_factory.mktemp("api") / "d.csv", as_text(GOOD))
    return load_decisions(path).require_valid()


def test_compute_statistics_takes_a_year_as_a_number_text_or_business_year(loaded):
    register = load_register()
    by_year = [compute_statistics(loaded, register, year).find("E07000171").counts
               for year in (2020, "2019/20", "2019-20", parse_business_year("2020"))]
    assert all(counts == by_year[0] for counts in by_year) and by_year[0].decisions == 3
    assert compute_statistics(loaded.records, None, 2020).find("E07000171").counts == by_year[0]


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda d: compute_statistics([], load_register(), 2020), TypeError, "records:"),
    (lambda d: compute_statistics(d.records[["row"]], load_register(), 2020), ValueError, "records: the columns"),
    (lambda d: compute_statistics(d, 5, 2020), TypeError, "register:"),
    (lambda d: compute_statistics(d, None, 2020.0), TypeError, "year:"),
    (lambda d: compute_statistics(d, None, "2019/21"), ValueError, "year:"),
    (lambda d: compute_statistics(d, None, 2020, average_method="median"), ValueError, "average_method:"),
    (lambda d: compute_statistics(d, None, 2020).find("E99999999"), UnknownAuthority, "'E99999999' has no figures"),
    (lambda d: compute_statistics(d, None, 2023), NoDecisions, "no decisions dated in 2022/23"),
    (lambda d: load_decisions(None), TypeError, "path:"),
    (lambda d: load_decisions(str(Path(ombudsman_cli.__file__).parent / "nope.csv"), 3), TypeError, "register:"),
])
def test_the_api_names_the_argument_that_is_wrong(loaded, call, error, words):
    with pytest.raises(error, match=None) as raised:
        call(loaded)
    assert words in str(raised.value)


def test_records_loaded_with_one_register_and_computed_with_another_name_the_codes(loaded, tmp_path):
    small = tmp_path / "register.csv"
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    small.write_text("\n".join(line for line in lines if "Bassetlaw" not in line) + "\n", encoding="utf-8")
    with pytest.raises(UnknownAuthority, match="E07000171"):
        compute_statistics(loaded, str(small), 2020)


def test_a_year_without_decisions_is_refused_unless_asked_for(loaded):
    with pytest.raises(NoDecisions):
        compute_statistics(loaded, None, 2022)
    zeros = compute_statistics(loaded, None, 2022, allow_no_decisions=True)
    assert zeros.find("E07000171").counts.decisions == 0
    assert isinstance(UsageError("x"), ValueError)


def test_dev_stdout_as_the_output_is_whatever_standard_output_is(export, tmp_path):
    plain = run(["export", "--decisions", str(export), "--year", "2020"], tmp_path)
    through = run(["export", "--decisions", str(export), "--year", "2020", "--output", "/dev/stdout"], tmp_path)
    assert through.returncode == 0, through.stderr
    assert through.stdout == plain.stdout and b"Bassetlaw" in plain.stdout


def test_a_long_list_in_json_is_one_item_a_line_and_reads_back_the_same():
    """Past 1,000 items (a check of 200,000 problems) each item is written on a line of its own, by the
    compact encoder: the same JSON all the same, escapes included."""
    from ombudsman_cli.output import to_json

    items = [{"row": n + 2, "value": f"Nowhere {n} é \u202e\x7f\n\"", "year": None, "ok": n % 2 == 0}
             for n in range(1_500)]
    data = {"file": "d.csv", "problems": items, "rows": 1_500}
    text = to_json(data)
    assert json.loads(text) == data
    lines = text.splitlines()
    assert lines[3] == "    " + json.dumps(items[0], ensure_ascii=False).replace("\u202e", "\\u202e").replace(
        "\x7f", "\\u007f") + ","
    assert len(lines) == 1_500 + 6 and "\u202e" not in text and "\x7f" not in text
