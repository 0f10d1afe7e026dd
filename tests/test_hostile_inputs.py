"""Issue 9: hostile and messy exports. No figure moves without a word; every message points at the fix."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.data.register import load_register
from ombudsman_cli.data.validation import load_decisions
from ombudsman_cli.errors import ExportHasProblems, InputFileError

from .conftest import GOOD, HEADER, as_text, write_csv, write_xlsx


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def check(runner, path: Path, *extra: str):
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--format", "json", *extra])
    return result, json.loads(result.stdout)


def problems_at(runner, path: Path) -> list[tuple[int | None, str | None, str]]:
    _, data = check(runner, path)
    return [(p["row"], p["column"], p["message"]) for p in data["problems"]]


# -- enumerations ---------------------------------------------------------------------------------

@pytest.mark.parametrize("column, value", [
    ("outcome", "Upheld?"), ("outcome", "Upheld."), ("outcome", "Up-held!"), ("outcome", "'Upheld"),
    ("outcome", "Not upheld (partly)"), ("outcome", "Upheld\u200bx"), ("outcome", "Notupheld"),
    ("compliance", "Complied?"), ("compliance", "complied*"), ("compliance", "not-complied."),
    ("satisfactory_remedy", "yes!"), ("satisfactory_remedy", "Y."), ("satisfactory_remedy", "(no)"),
])
def test_punctuation_in_an_enumeration_is_a_problem_not_a_match(runner, tmp_path, column, value):
    rows = as_text(GOOD)
    rows[2][HEADER.index(column)] = value  # spreadsheet row 4, an upheld decision
    [(row, where, message)] = problems_at(runner, write_csv(tmp_path / "d.csv", rows))
    assert (row, where) == (4, column)


@pytest.mark.parametrize("column, value, counted", [
    ("outcome", "  NOT-UPHELD ", "Not upheld"), ("outcome", "not_upheld", "Not upheld"),
    ("outcome", "Incomplete / Invalid", "Incomplete/Invalid"), ("outcome", "incomplete-invalid", "Incomplete/Invalid"),
    ("outcome", "closed_after_initial_enquiries", "Closed after initial enquiries"),
    ("outcome", "Referred back for local\u00a0resolution", "Referred back for local resolution"),
    ("outcome", "upheld\u200b", "Upheld"),
])
def test_case_spaces_and_the_four_separators_are_tolerated(runner, tmp_path, column, value, counted):
    rows = as_text(GOOD)
    rows[3][HEADER.index(column)] = value  # the decision with "Advice given", no remedy or compliance
    result, data = check(runner, write_csv(tmp_path / "d.csv", rows))
    assert result.exit_code == 0, data["problems"]
    assert data["outcomes"][counted] >= 1


def test_compliance_variants_with_separators(register, tmp_path):
    rows = as_text(GOOD)
    rows[2][5] = "Complied_On-Time"
    records = load_decisions(write_csv(tmp_path / "d.csv", rows), register).require_valid().records
    assert list(records["compliance"])[2] == "complied"


# -- columns under another name -------------------------------------------------------------------

@pytest.mark.parametrize("header, meant", [
    ("Satisfactory remedy provided", "satisfactory_remedy"),
    ("Compliance outcome", "compliance"),
    ("Remedy", "satisfactory_remedy"),
    ("satisfactry remedy", "satisfactory_remedy"),
    ("Received", "received_date"),
    ("Service area category", "category"),
])
def test_an_optional_column_under_another_name_is_reported_not_ignored(runner, tmp_path, header, meant):
    head = list(HEADER)
    index = HEADER.index(meant) if meant in HEADER else None
    rows = as_text(GOOD)
    if index is not None:
        head[index] = header
    else:
        head.append(header)
        rows = [[*row, "x" if meant == "category" else "01/01/2019"] for row in rows]
    path = write_csv(tmp_path / "d.csv", rows, head)
    result, data = check(runner, path)
    assert result.exit_code == 1
    [problem] = [p for p in data["problems"] if p["column"] == header]
    assert problem["row"] == 1 and problem["kind"] == "column" and problem["expected"] == meant
    assert f"looks like {meant}" in problem["message"] and "Rename the header" in problem["message"]
    assert header in data["ignored_columns"]
    # Leaving rows out cannot mend a column: --skip-invalid refuses too.
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--skip-invalid"])
    assert result.exit_code == 1 and "cannot mend" in result.output


def test_columns_that_are_not_read_are_listed(runner, tmp_path):
    rows = [[*row, "note", ""] for row in as_text(GOOD)]
    path = write_csv(tmp_path / "d.csv", rows, [*HEADER, "Case officer", "Notes"])
    result, data = check(runner, path)
    assert result.exit_code == 0 and data["ignored_columns"] == ["Case officer", "Notes"]
    table = runner.invoke(cli, ["check", "--decisions", str(path)])
    assert "columns not read: 'Case officer', 'Notes'" in table.output


# -- spreadsheet errors and formulas --------------------------------------------------------------

def _with_cached_errors(path: Path, errors: dict[str, str]) -> Path:
    """Rewrite cells of an openpyxl workbook as Excel saves a failed formula: ``t="e"`` and the error."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for reference, error in errors.items():
        sheet, n = re.subn(rf'<c r="{reference}"[^>]*?(/>|>.*?</c>)', f'<c r="{reference}" t="e"><f>X()</f><v>{error}</v></c>', sheet)
        assert n == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


@pytest.mark.parametrize("reference, column, error", [
    ("D4", "outcome", "#N/A"), ("E2", "satisfactory_remedy", "#VALUE!"), ("F4", "compliance", "#REF!"),
    ("C3", "decision_date", "#DIV/0!"), ("B5", "authority", "#NAME?"), ("A2", "reference", "#N/A"),
])
def test_error_cells_are_reported_as_errors_never_read_as_blank(runner, tmp_path, reference, column, error):
    path = _with_cached_errors(write_xlsx(tmp_path / "d.xlsx", GOOD), {reference: error})
    result, data = check(runner, path)
    assert result.exit_code == 1
    [problem] = data["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (int(reference[1:]), column, error)
    assert f"is a spreadsheet error ({error})" in problem["message"]


def test_a_formula_without_a_calculated_value_is_reported(runner, tmp_path):
    rows = [list(r) for r in GOOD]
    rows[0][4] = '=IF(TRUE,"yes","no")'  # openpyxl stores the formula and no value, as an uncalculated file has
    rows[2][5] = "=VLOOKUP(A4,Other!A:B,2,FALSE)"
    path = write_xlsx(tmp_path / "d.xlsx", rows)
    result, data = check(runner, path)
    assert result.exit_code == 1
    assert [(p["row"], p["column"]) for p in data["problems"]] == [(2, "satisfactory_remedy"), (4, "compliance")]
    assert all("formula with no calculated value" in p["message"] for p in data["problems"])
    assert data["problems"][1]["value"].startswith("=VLOOKUP")


def test_error_text_in_a_csv_is_an_error_too(runner, tmp_path):
    rows = as_text(GOOD)
    rows[0][4] = "#N/A"
    [(row, column, message)] = problems_at(runner, write_csv(tmp_path / "d.csv", rows))
    assert (row, column) == (2, "satisfactory_remedy") and "spreadsheet error (#N/A)" in message


def test_errors_in_columns_that_are_not_read_do_not_matter(runner, tmp_path):
    rows = [[*row, "#REF!"] for row in as_text(GOOD)]
    result, _ = check(runner, write_csv(tmp_path / "d.csv", rows, [*HEADER, "Lookup"]))
    assert result.exit_code == 0


# -- references ------------------------------------------------------------------------------------

@pytest.mark.parametrize("twin", ["19\u00a0004\u00a0512", "19004512", "19\u200b004 512", "19\t004 512",
                                  " 19 004 512\u2009", "\uff11\uff19 004 512"])
def test_references_that_look_the_same_are_duplicates(runner, tmp_path, twin):
    rows = as_text(GOOD)
    rows[3][0] = twin
    [(row, column, message)] = problems_at(runner, write_csv(tmp_path / "d.csv", rows))
    assert (row, column) == (5, "reference") and "also the reference on row 2" in message


# -- dates -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, value, words", [
    ("decision_date", "01/05/1999", "before 2000"),
    ("decision_date", "1899-12-31", "before 2000"),
    ("decision_date", "01/05/99", "before 2000"),  # two digits: 1999
    ("decision_date", "15/05/45", "before 2000"),  # 1945
    ("compliance_date", "01/09/1919", "before 2000"),
    ("decision_date", "0000-01-01", "not a day that exists"),
    ("decision_date", "01/05/2999", "more than a year after today"),
    ("compliance_date", "31/12/9999", "more than a year after today"),
])
def test_implausible_dates_are_problems(runner, tmp_path, column, value, words):
    rows = as_text(GOOD)
    rows[2][HEADER.index(column)] = value
    [(row, where, message)] = problems_at(runner, write_csv(tmp_path / "d.csv", rows))
    assert (row, where) == (4, column) and words in message


def test_two_digit_years_below_30_are_this_century(register, tmp_path):
    rows = as_text(GOOD)
    rows[0][2] = "31/03/20"
    records = load_decisions(write_csv(tmp_path / "d.csv", rows), register).require_valid().records
    assert records["decision_date"].iloc[0] == date(2020, 3, 31)


def test_a_date_a_year_ahead_is_the_limit(register, tmp_path):
    rows = as_text(GOOD)
    today = date(2020, 3, 1)
    rows[0][2] = f"{today + timedelta(days=365):%d/%m/%Y}"
    rows[1][2] = f"{today + timedelta(days=366):%d/%m/%Y}"
    decisions = load_decisions(write_csv(tmp_path / "d.csv", rows), register, today=today)
    assert [p.row for p in decisions.problems] == [3]


def test_real_date_cells_before_2000_in_a_workbook(runner, tmp_path):
    rows = [list(r) for r in GOOD]
    rows[1][2] = date(1900, 1, 1)
    [(row, column, message)] = problems_at(runner, write_xlsx(tmp_path / "d.xlsx", rows))
    assert (row, column) == (3, "decision_date") and "before 2000" in message


def test_a_month_first_column_is_one_problem_and_blocks_skipping(runner, tmp_path):
    rows = as_text(GOOD)
    rows[0][2] = "03/31/2020"  # only month first
    rows[1][2] = "04/01/2019"  # both ways: read day first, 4 January, the wrong month
    rows[2][2] = "06/30/2019"
    rows[3][2] = "07/01/2019"
    path = write_csv(tmp_path / "d.csv", rows)
    result, data = check(runner, path)
    assert result.exit_code == 1
    [problem] = data["problems"]
    assert problem["column"] == "decision_date" and problem["kind"] == "column" and problem["row"] == 2
    assert "month first" in problem["message"] and "1 other rows" in problem["message"]
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--skip-invalid"])
    assert result.exit_code == 1 and "month first" in result.output and "cannot mend" in result.output


def test_a_day_first_column_with_one_american_slip_is_a_row_problem(runner, tmp_path):
    rows = as_text(GOOD)
    rows[0][2] = "31/03/2020"  # needs day first: the column is day first
    rows[1][2] = "04/13/2019"  # a slip on one row
    [(row, column, message)] = problems_at(runner, write_csv(tmp_path / "d.csv", rows))
    assert (row, column) == (3, "decision_date") and "dates are read day first" in message


def test_an_iso_date_with_month_13_gets_no_day_first_hint(runner, tmp_path):
    rows = as_text(GOOD)
    rows[0][2] = "2020-13-01"
    [(row, column, message)] = problems_at(runner, write_csv(tmp_path / "d.csv", rows))
    assert "not a day that exists" in message and "dates are read day first" not in message


# -- what a person cannot see ------------------------------------------------------------------------

def test_hidden_rows_are_named_in_a_warning(runner, tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", GOOD)
    workbook = openpyxl.load_workbook(path)
    workbook.active.row_dimensions[3].hidden = True
    workbook.active.row_dimensions[5].hidden = True
    workbook.save(path)
    result, data = check(runner, path)
    assert result.exit_code == 0 and data["rows"] == 4  # counted, and said
    [warning] = [w for w in data["warnings"] if "hidden" in w["message"]]
    assert "2 rows are hidden in the workbook (rows 3, 5)" in warning["message"]


def test_other_sheets_with_the_same_columns_are_named(runner, tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", GOOD, sheet="2019-20")
    workbook = openpyxl.load_workbook(path)
    other = workbook.create_sheet("2020-21")
    other.append(HEADER)
    other.append(["20 000 001", "Adur District Council", date(2020, 5, 1), "Upheld", "", "", ""])
    workbook.create_sheet("Notes").append(["Read me"])
    workbook.save(path)
    result, data = check(runner, path)
    assert result.exit_code == 0
    [warning] = [w for w in data["warnings"] if "sheet" in w["message"]]
    assert "only sheet '2019-20' was read" in warning["message"] and "'2020-21'" in warning["message"]
    assert "--sheet" in warning["message"] and "Notes" not in warning["message"]
    _, chosen = check(runner, path, "--sheet", "2020-21")
    assert chosen["rows"] == 1 and "'2019-20'" in [w for w in chosen["warnings"] if "sheet" in w["message"]][0]["message"]


def test_columns_on_another_sheet_name_the_sheet_and_the_option(runner, tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", [["Exported 2020-04-02"]], header=["Summary"], sheet="Summary")
    workbook = openpyxl.load_workbook(path)
    data = workbook.create_sheet("Decisions")
    data.append(HEADER)
    data.append(["1", "Adur District Council", "01/05/2019", "Upheld", "", "", ""])
    workbook.save(path)
    result = runner.invoke(cli, ["check", "--decisions", str(path)])
    assert result.exit_code == 1
    assert "Sheet 'Summary' was read" in result.output and "--sheet 'Decisions'" in result.output


# -- no decisions ------------------------------------------------------------------------------------

def test_an_export_with_a_header_and_no_rows_is_a_data_problem(runner, tmp_path):
    path = write_csv(tmp_path / "d.csv", [])
    result, data = check(runner, path)
    assert result.exit_code == 1 and data["problems"][0]["kind"] == "file"
    assert "no decisions" in data["problems"][0]["message"]
    for command in ("stats", "export", "letters"):
        result = runner.invoke(cli, [command, "--decisions", str(path)])
        assert result.exit_code == 1, (command, result.output)


def test_skip_invalid_that_leaves_nothing_writes_nothing(runner, tmp_path):
    rows = [[*row[:3], "Sort of upheld", *row[4:]] for row in as_text(GOOD)]
    path = write_csv(tmp_path / "d.csv", rows)
    for command, extra in (("letters", ["--out", "out"]), ("export", ["--output", "map.csv"]), ("stats", [])):
        result = runner.invoke(cli, [command, "--decisions", str(path), "--year", "2020", "--skip-invalid", *extra])
        assert result.exit_code == 1 and "no usable decisions after leaving out the rows" in result.output
    assert not Path("out").exists() and not Path("map.csv").exists()


# -- your own register --------------------------------------------------------------------------------

@pytest.mark.parametrize("row, words", [
    ("Southby District Council,E07000999,NMD,-5,,", "'-5' is not a number of residents"),
    ("Southby District Council,E07000999,NMD,0,,", "'0' is not a number of residents"),
    ("Southby District Council,E07000999,NMD,12.5,,", "'12.5' is not a number of residents"),
    ("Southby District Council,E07000999,NMD,lots,,", "'lots' is not a number of residents"),
    ("Southby District Council,E07000999,NMD,5000,2020-04-01,2019-04-01", "is before the start date (01/04/2020)"),
    ("Northshire County Council,E07000999,NMD,5000,,", "also the official name on row 2"),
])
def test_your_own_register_is_checked_like_the_export(tmp_path, row, words):
    path = tmp_path / "register.csv"
    path.write_text("official-name,gss-code,local-authority-type,population,start-date,end-date\n"
                    "Northshire County Council,E10000999,CTY,\"200,000\",,\n" + row + "\n")
    with pytest.raises(InputFileError, match=re.escape(words)) as raised:
        load_register(path)
    assert "row 3, column" in str(raised.value)


def test_every_register_problem_is_listed_at_once(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("official-name,gss-code,local-authority-type,population\n"
                    "A Council,E1,NMD,-1\nB Council,E2,Parish,10\nA Council,E3,NMD,10\n")
    with pytest.raises(InputFileError) as raised:
        load_register(path)
    message = str(raised.value)
    assert "3 problems" in message and "row 2" in message and "row 3" in message and "row 4" in message


def test_populations_written_as_spreadsheets_write_them_are_whole(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("official-name,gss-code,local-authority-type,population\nA Council,E1,NMD,\"64,187\"\n"
                    "B Council,E2,NMD,64187.0\nC Council,E3,NMD,\n")
    assert [a.population for a in load_register(path)] == [64187, 64187, None]


# -- councils outside England ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, nation", [
    ("Cardiff Council", "Wales"), ("Cyngor Gwynedd", "Wales"), ("W06000015", "Wales"),
    ("City of Edinburgh Council", "Scotland"), ("Glasgow City Council", "Scotland"), ("S12000036", "Scotland"),
    ("Belfast City Council", "Northern Ireland"), ("N09000003", "Northern Ireland"),
])
def test_a_council_outside_england_is_said_to_be(runner, tmp_path, name, nation):
    rows = as_text(GOOD)
    rows[0][1] = name
    [(row, column, message)] = problems_at(runner, write_csv(tmp_path / "d.csv", rows))
    assert (row, column) == (2, "authority") and f"in {nation}, outside England" in message
    assert "did you mean" not in message


# -- messages that point at the fix --------------------------------------------------------------------

def test_a_very_long_cell_in_an_ignored_column_is_read(runner, tmp_path):
    rows = [[*row, "x" * 300_000] for row in as_text(GOOD)]
    result, data = check(runner, write_csv(tmp_path / "d.csv", rows, [*HEADER, "Notes"]))
    assert result.exit_code == 0 and data["rows"] == 4


def test_semicolon_csv_with_title_rows(runner, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("Decisions export\nproduced 2 April 2020\n\n"
                    "reference;authority;decision_date;outcome\n1;Bassetlaw District Council;01/05/2019;Upheld\n"
                    "2;Adur District Council;02/05/2019;Not upheld\n")
    result, data = check(runner, path)
    assert result.exit_code == 0 and data["rows"] == 2 and data["outcomes"]["Not upheld"] == 1


def test_a_workbook_saved_with_a_csv_name_is_called_a_workbook(runner, tmp_path):
    write_xlsx(tmp_path / "d.xlsx", GOOD).rename(tmp_path / "d.csv")
    result = runner.invoke(cli, ["check", "--decisions", "d.csv"])
    assert result.exit_code == 1 and "is an Excel or LibreOffice workbook saved with a .csv name" in result.output
    write_csv(tmp_path / "t.csv", as_text(GOOD)).rename(tmp_path / "t.xlsx")
    result = runner.invoke(cli, ["check", "--decisions", "t.xlsx"])
    assert result.exit_code == 1 and "it looks like text" in result.output and "rename it to .csv" in result.output


def test_a_duplicate_header_is_reported_at_its_real_row(runner, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("Export,,,,\n,,,,\nreference,authority,decision_date,outcome,Outcome\n"
                    "1,Bassetlaw District Council,01/05/2019,Upheld,Upheld\n")
    result = runner.invoke(cli, ["check", "--decisions", str(path)])
    assert result.exit_code == 1 and "row 3: columns 'outcome' and 'Outcome' both mean outcome" in result.output


@pytest.mark.parametrize("make", ["missing", "not utf-8", "folder", "no columns", "no such sheet"])
def test_check_json_is_always_json(runner, tmp_path, make):
    path = tmp_path / "d.csv"
    extra: list[str] = []
    if make == "not utf-8":
        path.write_bytes(b"reference,authority\n\xa3,x\n")
    elif make == "folder":
        path.mkdir()
    elif make == "no columns":
        path.write_text("a,b\n1,2\n")
    elif make == "no such sheet":
        path = write_xlsx(tmp_path / "d.xlsx", GOOD)
        extra = ["--sheet", "Nope"]
    result = runner.invoke(cli, ["check", "--decisions", str(path), "--format", "json", *extra])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["error"] and data["problems"] and data["file"].endswith(path.name)


def test_toml_with_a_byte_order_mark_is_read(runner, tmp_path):
    write_csv(tmp_path / "d.csv", as_text(GOOD))
    (tmp_path / "ombudsman.toml").write_bytes('\ufeff[files]\ndecisions = "d.csv"\n'.encode())
    result = runner.invoke(cli, ["check", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["rows"] == 4


def test_output_dash_is_standard_output(runner, tmp_path):
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    result = runner.invoke(cli, ["export", "--decisions", str(path), "--year", "2020", "--output", "-"])
    assert result.exit_code == 0 and result.stdout.startswith("code,authority,") and not Path("-").exists()


@pytest.mark.parametrize("command", [["export", "--output"], ["stats", "--format", "csv", "--output"]])
def test_an_output_that_is_an_input_is_refused(runner, tmp_path, command):
    path = write_csv(tmp_path / "d.csv", as_text(GOOD))
    before = path.read_bytes()
    result = runner.invoke(cli, [*command[:1], "--decisions", str(path), "--year", "2020", *command[1:], "./d.csv"])
    assert result.exit_code == 2 and "one of this run's inputs" in result.output
    assert path.read_bytes() == before


def test_thousands_of_unknown_names_are_checked_fast(register, tmp_path):
    # Suggestions are worked out once per distinct name, from a small index: fast enough to be no
    # trouble (the benchmark times 200,000 rows); here only that each name gets its own message.
    rows = [[f"R{n}", f"Nowhere Council {n % 3000}", "01/05/2019", "Upheld", "", "", ""] for n in range(9000)]
    decisions = load_decisions(write_csv(tmp_path / "d.csv", rows), register)
    assert len(decisions.problems) == 9000 and decisions.records.empty


def test_control_characters_from_the_export_never_reach_the_terminal_raw(runner, tmp_path):
    rows = as_text(GOOD)
    rows[0][1] = "Evil\x1b[2J\x1b]0;pwned\x07 Council"
    rows[1][3] = "Upheld\u202e"
    path = write_csv(tmp_path / "d.csv", rows)
    for args in (["check"], ["check", "--format", "json"], ["stats", "--year", "2020"],
                 ["stats", "--year", "2020", "--skip-invalid"], ["stats", "--year", "2020", "--skip-invalid", "--format", "csv"]):
        result = runner.invoke(cli, [args[0], "--decisions", str(path), *args[1:]])
        assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output, args
    table = runner.invoke(cli, ["check", "--decisions", str(path)]).output
    assert "\\x1b[2J" in table


def test_problems_keep_the_row_numbers_when_everything_else_is_wrong(register, tmp_path):
    rows = as_text(GOOD)
    rows[0][3] = "Upheld?"
    decisions = load_decisions(write_csv(tmp_path / "d.csv", rows), register)
    with pytest.raises(ExportHasProblems, match="row 2, column outcome"):
        decisions.require_valid()
    assert decisions.require_valid(skip_invalid=True).records["row"].tolist() == [3, 4, 5]
