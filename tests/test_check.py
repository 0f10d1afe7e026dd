"""Issue 2: reading the export and `ombudsman check` — every kind of problem at its spreadsheet row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombudsman_cli.cli import cli
from ombudsman_cli.data.reading import read_table
from ombudsman_cli.data.validation import load_decisions, validate
from ombudsman_cli.errors import ExportHasProblems, InputFileError

from .conftest import GOOD, HEADER, as_text, write_csv, write_xlsx


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ombudsman.toml here: only what the test passes


def check_json(runner, path: Path, *extra: str):
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--format", "json", *extra])
    return result, json.loads(result.output) if result.output.startswith("{") else None


def test_sound_export_exits_0_with_a_summary(runner, tmp_path):
    result, data = check_json(runner, write_csv(tmp_path / "d.csv", as_text(GOOD)))
    assert result.exit_code == 0, result.output
    assert data["rows"] == 4 and data["problems"] == []
    assert data["years"] == {"2018/19": 0} or data["years"] == {"2019/20": 4}
    assert data["authorities"] == 2
    assert data["outcomes"]["Upheld"] == 2 and data["outcomes"]["Not upheld"] == 1 and data["outcomes"]["Advice given"] == 1


def test_table_output_names_file_and_counts(runner, tmp_path):
    result = runner.invoke(cli, ["check", "--decisions", str(write_csv(tmp_path / "d.csv", as_text(GOOD)))])
    assert result.exit_code == 0
    assert "d.csv" in result.output and "rows: 4" in result.output and "No problems found." in result.output
    # The outcomes are right-aligned counts, each line ending on its figure (no trailing space for a log).
    assert [line for line in result.output.splitlines() if line != line.rstrip()] == []
    assert any(line.startswith("    Upheld") and line.split() == ["Upheld", "2"] for line in result.output.splitlines())


def problem_for(runner, tmp_path, rows, header=HEADER):
    path = write_csv(tmp_path / "bad.csv", rows, header)
    result, data = check_json(runner, path)
    assert result.exit_code == 1, result.output
    return data["problems"]


@pytest.mark.parametrize("column, value, words", [
    ("authority", "Basetlaw District Council", "did you mean Bassetlaw District Council?"),
    ("outcome", "Partly upheld", "expected one of: Upheld, Not upheld, Closed after initial enquiries"),
    ("decision_date", "31/02/2020", "not a day that exists"),
    ("decision_date", "soon", "cannot be read as a date"),
    ("decision_date", "", "is blank"),
    ("satisfactory_remedy", "maybe", "neither yes nor no"),
    ("compliance", "sort of", "not a compliance outcome"),
])
def test_each_bad_value_is_reported_at_its_row_and_column(runner, tmp_path, column, value, words):
    rows = as_text(GOOD)
    rows[2][HEADER.index(column)] = value  # the third data row: spreadsheet row 4
    problems = problem_for(runner, tmp_path, rows)
    assert len(problems) == 1
    assert problems[0]["row"] == 4 and problems[0]["column"] == column
    assert problems[0]["value"] == value
    assert words in problems[0]["message"]


def test_duplicate_reference_names_both_rows(runner, tmp_path):
    rows = as_text(GOOD)
    rows[3][0] = "19 004 512"
    [problem] = problem_for(runner, tmp_path, rows)
    assert (problem["row"], problem["column"]) == (5, "reference")
    assert "also the reference on row 2" in problem["message"]


def test_decision_before_receipt(runner, tmp_path):
    header = [*HEADER, "received_date"]
    rows = [[*row, "01/01/2019"] for row in as_text(GOOD)]
    rows[1][-1] = "02/04/2019"  # received the day after the decision of 01/04/2019
    [problem] = problem_for(runner, tmp_path, rows, header)
    assert (problem["row"], problem["column"]) == (3, "decision_date")
    assert "before the complaint was received (02/04/2019" in problem["message"]


def test_remedy_or_compliance_on_a_decision_not_upheld(runner, tmp_path):
    rows = as_text(GOOD)
    rows[1][4] = "yes"  # Not upheld with a satisfactory remedy
    rows[3][5] = "complied"  # Advice given with a compliance outcome
    problems = problem_for(runner, tmp_path, rows)
    assert [(p["row"], p["column"]) for p in problems] == [(3, "satisfactory_remedy"), (5, "compliance")]
    assert "'Not upheld'" in problems[0]["message"]


def test_a_no_remedy_on_every_row_is_harmless(runner, tmp_path):
    rows = as_text(GOOD)
    rows[3][4] = "no"
    result, data = check_json(runner, write_csv(tmp_path / "d.csv", rows))
    assert result.exit_code == 0 and data["problems"] == []


def test_authority_type_that_disagrees_with_the_register(runner, tmp_path):
    header = [*HEADER, "Authority type"]
    rows = [[*row, ""] for row in as_text(GOOD)]
    rows[0][-1] = "District Council"
    rows[1][-1] = "NMD"
    rows[3][-1] = "County Council"  # Hammersmith & Fulham is a London Borough
    [problem] = problem_for(runner, tmp_path, rows, header)
    assert (problem["row"], problem["column"]) == (5, "Authority type")
    assert "London Borough" in problem["message"]


def test_missing_required_column_lists_the_columns_found(runner, tmp_path):
    path = write_csv(tmp_path / "d.csv", [r[:3] for r in as_text(GOOD)], HEADER[:3])
    result = runner.invoke(cli, ["check", "--decisions", str(path)])
    assert result.exit_code == 1
    assert "d.csv: row 1: required column outcome not found" in result.output
    assert "'reference', 'authority', 'decision_date'" in result.output


def test_missing_file_and_unknown_format(runner, tmp_path):
    result = runner.invoke(cli, ["check", "--decisions", "nope.csv"])
    assert result.exit_code == 1 and "nope.csv: no such file" in result.output
    (tmp_path / "d.txt").write_text("x")
    result = runner.invoke(cli, ["check", "--decisions", "d.txt"])
    assert result.exit_code == 1 and "cannot read .txt" in result.output


def test_usage_errors_exit_2(runner, tmp_path):
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    assert runner.invoke(cli, ["check", "--decisions", str(path), "--year", "20x"]).exit_code == 2
    assert runner.invoke(cli, ["check", "--decisions", str(path), "--format", "yaml"]).exit_code == 2
    assert runner.invoke(cli, ["check"]).exit_code == 2  # no export given and no config file


def test_warnings_do_not_change_the_exit_code(runner, tmp_path):
    rows = as_text(GOOD) + [["20 000 001", "Aylesbury Vale District Council", "15/05/2020", "Not upheld", "", "", ""]]
    result, data = check_json(runner, write_csv(tmp_path / "d.csv", rows))
    assert result.exit_code == 0
    abolished = [w for w in data["warnings"] if w["row"] == 6]
    assert abolished and "after Aylesbury Vale District Council was abolished" in abolished[0]["message"]
    assert any("has only 1 decision in 2020/21" in w["message"] for w in data["warnings"])


def test_planted_errors_in_an_xlsx_are_reported_at_their_rows(runner, tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][1] = "Bassetlow District Council"
    rows[1][3] = "Sort of upheld"
    rows[2][2] = "31/02/2020"
    rows[3][0] = "19 004 512"
    result, data = check_json(runner, write_xlsx(tmp_path / "d.xlsx", rows))
    assert result.exit_code == 1
    assert [(p["row"], p["column"]) for p in data["problems"]] == [
        (2, "authority"), (3, "outcome"), (4, "decision_date"), (5, "reference")]


def test_row_numbers_follow_the_sheet_with_blank_rows(tmp_path, register):
    path = write_csv(tmp_path / "d.csv", [as_text(GOOD)[0], ["", "", "", "", "", "", ""], ["x", "Nowhere", "01/05/2019", "Upheld", "", "", ""]])
    decisions = load_decisions(path, register)
    assert [p.row for p in decisions.problems] == [4]


def test_xlsx_and_csv_of_the_same_data_give_identical_records(tmp_path, register):
    from_xlsx = load_decisions(write_xlsx(tmp_path / "d.xlsx", GOOD), register)
    from_csv = load_decisions(write_csv(tmp_path / "d.csv", as_text(GOOD), bom=True), register)
    from_openpyxl = load_decisions(tmp_path / "d.xlsx", register, engine="openpyxl")
    assert from_xlsx.records.equals(from_csv.records)
    assert from_xlsx.records.equals(from_openpyxl.records)
    assert list(from_xlsx.records["decision_year"]) == [2020, 2020, 2020, 2020]


def test_sheet_option_and_unknown_sheet(runner, tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", GOOD, sheet="Decisions")
    assert runner.invoke(cli, ["check", "--decisions", str(path), "--sheet", "Decisions"]).exit_code == 0
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--sheet", "Other"])
    assert result.exit_code == 1 and "has no sheet 'Other'; its sheets are 'Decisions'" in result.output


def test_stats_refuses_an_export_with_problems_unless_told_to_skip(runner, tmp_path):
    rows = as_text(GOOD)
    rows[1][1] = "Nowhere Council"
    path = write_csv(tmp_path / "d.csv", rows)
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--format", "json"])
    assert result.exit_code == 1 and "row 3, column authority" in result.output and "--skip-invalid" in result.output
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--format", "json", "--skip-invalid"])
    assert result.exit_code == 0
    assert "Left out 1 of 4 rows" in result.stderr and "row 3" in result.stderr
    data = json.loads(result.stdout)
    bassetlaw = next(a for a in data["authorities"] if a["code"] == "E07000171")
    assert bassetlaw["decisions"] == 2  # the row naming no known council is left out, not counted


def test_require_valid_raises_with_every_problem(tmp_path, register):
    rows = as_text(GOOD)
    rows[0][3] = "nope"
    decisions = load_decisions(write_csv(tmp_path / "d.csv", rows), register)
    with pytest.raises(ExportHasProblems, match="row 2, column outcome"):
        decisions.require_valid()


def test_non_utf8_csv_gets_a_fix(tmp_path, register):
    path = tmp_path / "d.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n1,Bassetlaw District Council,01/05/2019,Upheld,\xa3,,\n")
    with pytest.raises(InputFileError, match="CSV UTF-8"):
        load_decisions(path, register)


JUNK = st.one_of(st.none(), st.text(max_size=12), st.integers(-10**6, 10**9), st.floats(allow_nan=True),
                 st.dates(), st.booleans(), st.sampled_from(["Upheld", "yes", "31/02/2020", "E07000171", "=1+1"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(JUNK, min_size=0, max_size=9), min_size=1, max_size=6))
def test_junk_in_every_column_is_reported_never_a_crash(register, rows):
    from ombudsman_cli.data.reading import Table

    header = HEADER + ["received_date", "authority_type"]
    table = Table("junk.xlsx", header, rows, list(range(2, len(rows) + 2)))
    decisions = validate(table, register)
    assert decisions.rows == len(rows)
    # Every row is either used or has a problem naming it: nothing dropped silently.
    used = set(decisions.records["row"])
    flagged = {p.row for p in decisions.problems}
    assert used | flagged == set(table.row_numbers) and not used & flagged


def test_reader_on_a_real_empty_file(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(InputFileError, match="is empty"):
        read_table(tmp_path / "e.csv")


def test_values_that_look_like_terminal_markup_are_shown_as_they_are(runner, tmp_path):
    rows = as_text(GOOD)
    rows[0][1] = "[bold]Nowhere[/]"
    rows[1][3] = "[/]"
    result = runner.invoke(cli, ["check", "--decisions", str(write_csv(tmp_path / "d.csv", rows))])
    assert result.exit_code == 1  # problems, not a crash in the table
    assert "[bold]Nowhere[/]" in result.output and "│ [/]" in result.output


def test_check_for_one_year_lists_that_years_warnings(runner, tmp_path):
    rows = as_text(GOOD) + [["20 000 001", "Adur District Council", "15/05/2020", "Not upheld", "", "", ""]]
    path = write_csv(tmp_path / "d.csv", rows)
    _, every_year = check_json(runner, path)
    _, one_year = check_json(runner, path, "--year", "2021")
    assert {w["year"] for w in every_year["warnings"]} == {2020, 2021}
    assert {w["year"] for w in one_year["warnings"]} == {2021}
    assert one_year["decisions"] == 1 and one_year["years"] == {"2020/21": 1}


def test_compliance_recorded_before_the_decision_is_a_warning(runner, tmp_path):
    rows = as_text(GOOD)
    rows[2][6] = "01/05/2019"  # decision 01/06/2019
    result, data = check_json(runner, write_csv(tmp_path / "d.csv", rows))
    assert result.exit_code == 0 and data["problems"] == []
    [warning] = [w for w in data["warnings"] if w["row"] == 4]
    assert warning["column"] == "compliance_date" and "is before the decision (01/06/2019)" in warning["message"]


def test_check_for_one_year_names_councils_without_a_decision(runner, tmp_path, register):
    from ombudsman_cli.years import BusinessYear

    _, data = check_json(runner, write_csv(tmp_path / "d.csv", as_text(GOOD)), "--year", "2020")
    councils = [a for a in register.active_in(BusinessYear(2020)) if a.group]
    silent = data["councils_without_decisions"]
    assert len(silent) == len(councils) - 2  # Bassetlaw and Hammersmith & Fulham have decisions
    assert "Adur District Council" in silent and "Bassetlaw District Council" not in silent
    _, every_year = check_json(runner, tmp_path / "d.csv")
    assert every_year["councils_without_decisions"] is None
