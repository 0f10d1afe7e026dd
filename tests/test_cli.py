"""The command line as a whole: help, version, configuration, and readers a user may hand it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.config import load_settings
from ombudsman_cli.errors import UsageError

from .conftest import GOOD, ROOT, as_text, write_csv


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_examples(runner, command):
    result = runner.invoke(cli, [command, "-h"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"ombudsman {command}" in result.output


def test_group_help_reads_like_a_manual_and_version(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("check", "stats", "letters", "export"):
        assert f"ombudsman {command}" in result.output
    assert "Exit codes" in result.output
    assert runner.invoke(cli, ["--version"]).output.startswith("ombudsman, version ")


def test_python_dash_m_works(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ombudsman_cli", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "Usage: ombudsman" in result.stdout


def test_config_file_then_command_line(runner, tmp_path):
    write_csv(tmp_path / "from-config.csv", as_text(GOOD))
    rows = as_text(GOOD)[:1]
    write_csv(tmp_path / "from-option.csv", rows)
    (tmp_path / "ombudsman.toml").write_text('[files]\ndecisions = "from-config.csv"\n')
    result = runner.invoke(cli, ["check", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["rows"] == 4  # the file wins over no default
    result = runner.invoke(cli, ["check", "--format", "json", "--decisions", "from-option.csv"])
    assert json.loads(result.output)["rows"] == 1  # the option wins over the file


def test_config_paths_are_relative_to_the_file(runner, tmp_path):
    (tmp_path / "job").mkdir()
    write_csv(tmp_path / "job" / "d.csv", as_text(GOOD))
    (tmp_path / "job" / "yearly.toml").write_text(
        '[files]\ndecisions = "d.csv"\nletters = "out/{year}"\n[letters]\ndates = { "2020" = 2020-07-22 }\n'
        '[statistics]\naverage = "mean"\n')
    settings = load_settings(tmp_path / "job" / "yearly.toml")
    assert settings.decisions == tmp_path / "job" / "d.csv"
    assert settings.letters_folder(2020) == tmp_path / "job" / "out" / "2020"
    assert settings.letter_dates == {2020: date(2020, 7, 22)} and settings.average == "mean"
    result = runner.invoke(cli, ["letters", "--config", "job/yearly.toml", "--year", "2020", "--authority", "Bassetlaw"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "job" / "out" / "2020" / "bassetlaw-district-council.docx").is_file()


@pytest.mark.parametrize("text, words", [
    ('[files]\ndecision = "d.csv"\n', "unknown setting 'decision' in [files]"),
    ('[statistics]\naverage = "median"\n', 'must be "pooled" or "mean"'),
    ("[files\n", "not valid TOML"),
])
def test_bad_config_is_a_usage_error(runner, tmp_path, text, words):
    (tmp_path / "ombudsman.toml").write_text(text)
    with pytest.raises(UsageError, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_settings()
    assert runner.invoke(cli, ["check"]).exit_code == 2


def test_title_rows_above_the_header_keep_row_numbers(runner, tmp_path):
    path = tmp_path / "d.csv"
    lines = ["Decisions export,,,,,,", "produced 2020-04-02,,,,,,", ",,,,,,",
             "reference,authority,decision_date,outcome,satisfactory_remedy,compliance,compliance_date",
             "1,Bassetlaw District Council,01/05/2019,Upheld,,,", "2,Nowhere,01/05/2019,Upheld,,,"]
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--format", "json"])
    data = json.loads(result.output)
    assert result.exit_code == 1 and [p["row"] for p in data["problems"]] == [6]


def test_semicolon_csv_from_a_european_excel(runner, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("reference;authority;decision_date;outcome\n1;Bassetlaw District Council;01/05/2019;Upheld\n")
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["outcomes"]["Upheld"] == 1


def test_ods_export(runner, tmp_path):
    # tests/fixtures/two-decisions.ods: Bassetlaw, 1 May 2019 Upheld; E07000171, 31 March 2020 Not upheld.
    from .conftest import FIXTURES

    result = runner.invoke(cli, ["stats", "--decisions", str(FIXTURES / "two-decisions.ods"), "--year", "2020",
                                 "--format", "json", "--authority", "Bassetlaw"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["authorities"][0]["uphold_rate"] == 0.5


def test_missing_columns_in_json_for_scripts(runner, tmp_path):
    path = write_csv(tmp_path / "d.csv", [["1", "Bassetlaw"]], ["reference", "council"])
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [p["column"] for p in data["problems"]] == ["authority", "decision_date", "outcome"]
    assert all(p["row"] == 1 for p in data["problems"])


@pytest.mark.parametrize("command", ["stats", "export", "letters"])
def test_year_without_decisions_is_refused_and_nothing_is_written(runner, tmp_path, command):
    # Issue 9: a year of zeros is not a report; letters of zeros must never go out.
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    extra = {"stats": ["--format", "json"], "export": ["--output", "out.csv"], "letters": ["--out", "out"]}[command]
    result = runner.invoke(cli, [command, "--decisions", str(path), "--year", "2024", *extra])
    assert result.exit_code == 1
    assert "no decisions dated in 2023/24" in result.output and "(it covers 2019/20)" in result.output
    assert result.stdout == "" and not (tmp_path / "out").exists() and not (tmp_path / "out.csv").exists()
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--format", "json"])
    assert "Year 2019/20: the latest in the export" in result.stderr and json.loads(result.stdout)["year"] == 2020


def test_own_register_replaces_the_bundled_one(runner, tmp_path):
    (tmp_path / "register.csv").write_text(
        "Official name,GSS code,Type,Population,End date\n"
        "Northshire County Council,E10000999,CTY,200000,\n"
        "Southby District Council,E07000999,District Council,50000,\n"
        "Old Town Council,E07000998,NMD,,2019-03-31\n")
    decisions = write_csv(tmp_path / "d.csv", [
        ["1", "Southby District Council", "01/05/2019", "Upheld", "", "", ""],
        ["2", "southby district council", "01/06/2019", "Not upheld", "", "", ""],
        ["3", "E10000999", "01/07/2019", "Upheld", "", "", ""],
    ])
    result = runner.invoke(cli, ["stats", "--decisions", str(decisions), "--authorities", "register.csv",
                                 "--year", "2020", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [a["code"] for a in data["authorities"]] == ["E10000999", "E07000999"]  # Old Town ended in 2018/19
    southby = data["authorities"][1]
    assert southby["authority_type"] == "District Council" and southby["uphold_rate"] == 0.5
    assert southby["upheld_per_100k"] == 1 * 100_000 / 50_000
    result = runner.invoke(cli, ["check", "--decisions", str(decisions), "--authorities", "register.csv"])
    assert result.exit_code == 0
    bassetlaw = write_csv(tmp_path / "b.csv", [["1", "Bassetlaw District Council", "01/05/2019", "Upheld", "", "", ""]])
    result = runner.invoke(cli, ["check", "--decisions", str(bassetlaw), "--authorities", "register.csv",
                                 "--format", "json"])
    assert result.exit_code == 1
    assert "is not in the register (register.csv)" in json.loads(result.output)["problems"][0]["message"]


def test_bad_register_row_is_named(runner, tmp_path):
    (tmp_path / "register.csv").write_text("official-name,gss-code,local-authority-type\nX Council,E1,Parish\n")
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--authorities", "register.csv"])
    assert result.exit_code == 1
    assert "register.csv: row 2, column local-authority-type: 'Parish' is not an authority type" in result.output


def test_mean_average_from_the_command_line(runner, tmp_path):
    from .conftest import ROWS

    path = write_csv(tmp_path / "d.csv", as_text(ROWS))
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--average", "mean",
                                 "--format", "json", "--authority", "Bassetlaw"])
    data = json.loads(result.output)
    assert data["average_method"] == "mean"
    assert data["authorities"][0]["average_uphold_rate"] == 19 / 48  # (2/3 + 1/8) / 2, worked in test_stats


def test_letters_json_summary(runner, tmp_path):
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    result = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--authority", "Bassetlaw",
                                 "--out", "out", "--format", "json", "--letter-date", "2020-07-22"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["letters"] == 1 and data["letter_date"] == "2020-07-22"
    assert data["files"][0]["file"] == "bassetlaw-district-council.docx" and data["files"][0]["uphold_percent"] == "67%"


def test_unwritable_output_is_a_clear_error_not_a_traceback(runner, tmp_path):
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    (tmp_path / "afile").write_text("")
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--format", "json",
                                 "--output", "afile/stats.json"])
    assert result.exit_code == 1 and "afile" in result.output and "Check the path" in result.output
    assert isinstance(result.exception, SystemExit)  # handled, not an OSError traceback


# -- issue 33: the command line reads right ----------------------------------------------------------------

def test_the_top_level_help_gives_each_command_a_whole_sentence(runner):
    result = runner.invoke(cli, ["--help"], terminal_width=80)
    commands = result.output.split("Commands:\n", 1)[1].splitlines()
    assert len(commands) == 8
    for line in commands:
        assert line.rstrip().endswith(".") and "..." not in line, line
        assert len(line) <= 80


def test_option_help_shows_formats_and_defaults_as_a_person_reads_them(runner):
    letters = runner.invoke(cli, ["letters", "--help"]).output
    assert "--letter-date YYYY-MM-DD" in letters and "%Y" not in letters
    send = " ".join(runner.invoke(cli, ["send", "--help"], terminal_width=200).output.split())
    assert "--security [starttls|ssl|none] starttls (port 587), ssl (465) or none [default: [email] security, else " \
           "starttls]." in send
    assert "copied to the link officer." not in send and "the monitoring officer" in send


def test_check_lists_the_councils_with_few_decisions_with_their_counts(runner, tmp_path):
    rows = [[f"A{n}", "Adur District Council", "01/06/2019", "Upheld", "", "", ""] for n in range(3)] + \
           [["B1", "Bassetlaw District Council", "01/06/2019", "Upheld", "", "", ""]]
    path = write_csv(tmp_path / "d.csv", rows)
    result = runner.invoke(cli, ["check", "--decisions", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("Councils with few decisions in a year (their rates rest on few cases): 2")
    assert lines[start + 1:start + 3] == ["  Adur District Council: 3 decisions in 2019/20",
                                          "  Bassetlaw District Council: 1 decision in 2019/20"]
    assert "Warnings in" not in result.output  # no grid with an empty Row column
    data = json.loads(runner.invoke(cli, ["check", "--decisions", str(path), "--format", "json"]).stdout)
    adur = next(w for w in data["warnings"] if w["value"] == "Adur District Council")
    assert (adur["kind"], adur["expected"], adur["row"], adur["year"]) == ("council", "3", None, 2020)


def test_letters_with_pdfs_say_how_far_they_are_in_a_log(runner, tmp_path, fake_soffice):
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    result = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--out", str(tmp_path / "out"),
                                 "--letter-date", "2020-07-22", "--pdf", "--authority", "Bassetlaw",
                                 "--authority", "Adur"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()  # standard error is not a terminal here, as in a scheduled job
    assert any(line.startswith("Letters: 2 of 2 (") for line in lines)
    assert any(line.startswith("PDF: 2 of 2 (") and line.endswith(" s)") for line in lines)
    quiet = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--out", str(tmp_path / "o2"),
                                "--letter-date", "2020-07-22", "--format", "json", "--authority", "Adur"])
    assert "Letters:" not in quiet.stderr  # JSON for a script: no progress lines
