"""Issue 3: every figure of a small hand-made export, worked out by hand in the test."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.data.validation import load_decisions
from ombudsman_cli.stats import compute_statistics, percent
from ombudsman_cli.years import BusinessYear, parse_business_year

from .conftest import ADUR, ASHFIELD, BABERGH, BASSETLAW, HAMMERSMITH, ROWS, as_text, write_csv, write_xlsx


@pytest.fixture(scope="module")
def records(register, tmp_path_factory):
    path = write_csv(tmp_path_factory.mktemp("stats") / "d.csv", as_text(ROWS))
    return load_decisions(path, register).require_valid().records


@pytest.fixture(scope="module")
def pooled(records, register):
    return compute_statistics(records, register, BusinessYear(2020))


def test_bassetlaw_by_hand(pooled):
    b = pooled.find(BASSETLAW)
    # In 2019/20: B1, B2, B3, B4 (B5 is 31 March 2019, B6 is 1 April 2020).
    assert b.counts.decisions == 4
    assert (b.counts.upheld, b.counts.not_upheld, b.counts.investigated) == (2, 1, 3)
    assert b.uphold_rate == Fraction(2, 3) and percent(b.uphold_rate) == 67
    # Compliance recorded in 2019/20: only B5's (not complied, 1 June 2019); B2's was recorded in 2020/21.
    assert (b.counts.complied, b.counts.compliance_outcomes) == (0, 1)
    assert b.compliance_rate == 0
    # Satisfactory remedy: B1 of the two upheld.
    assert b.counts.satisfactory_remedies == 1 and b.satisfactory_remedy_rate == Fraction(1, 2)
    assert b.counts.outcomes["Closed after initial enquiries"] == 1


def test_boundaries_put_decisions_in_the_right_year(records, register):
    later = compute_statistics(records, register, BusinessYear(2021)).find(BASSETLAW)
    earlier = compute_statistics(records, register, BusinessYear(2019)).find(BASSETLAW)
    assert (later.counts.decisions, later.counts.not_upheld) == (1, 1)  # B6, 1 April 2020
    assert (later.counts.complied, later.counts.compliance_outcomes) == (1, 1)  # B2's compliance, May 2020
    assert (earlier.counts.decisions, earlier.counts.upheld) == (1, 1)  # B5, 31 March 2019
    assert earlier.counts.compliance_outcomes == 0  # its compliance was recorded in June 2019


def test_council_with_decisions_but_no_investigation_has_undefined_rates(pooled):
    a = pooled.find(ASHFIELD)
    assert a.counts.decisions == 2 and a.counts.investigated == 0
    assert a.uphold_rate is None and a.satisfactory_remedy_rate is None and a.compliance_rate is None


def test_council_with_no_decisions_at_all_still_appears(pooled):
    babergh = pooled.find(BABERGH)
    assert babergh.counts.decisions == 0 and babergh.uphold_rate is None
    record = babergh.to_dict()
    assert record["uphold_rate"] is None and record["compliance_rate"] is None and record["satisfactory_remedy_rate"] is None
    assert record["average_uphold_rate"] == pytest.approx(3 / 11)


def test_half_up_rounding(pooled):
    adur = pooled.find(ADUR)
    assert adur.uphold_rate == Fraction(1, 8)  # 12.5%
    assert percent(adur.uphold_rate) == 13
    assert percent(Fraction(29, 200)) == 15  # 14.5%, which a float would round down
    assert percent(Fraction(1, 200)) == 1 and percent(Fraction(0)) == 0 and percent(None) is None


def test_whole_number_rounding_is_the_fraction_rule_for_every_small_fraction():
    """percent and one_decimal round in whole numbers; the definition is floor(value * scale + 1/2)."""
    import math

    from ombudsman_cli.stats import half_up, scaled_half_up

    for denominator in range(1, 161):
        for numerator in range(-denominator - 3, 2 * denominator + 3):
            value = Fraction(numerator, denominator)
            for scale in (1, 10, 100):
                assert scaled_half_up(value, scale) == math.floor(value * scale + Fraction(1, 2)), (value, scale)
            assert half_up(value) == math.floor(value + Fraction(1, 2))


def test_pooled_group_average_by_hand(pooled):
    district = pooled.averages["District Council"]
    # Upheld: Bassetlaw 2 + Adur 1 = 3, of 3 + 8 = 11 investigated (Ashfield 0).
    assert district.uphold_rate == Fraction(3, 11) and percent(district.uphold_rate) == 27
    # Compliance: Bassetlaw 0 of 1, Adur 1 of 1.
    assert district.compliance_rate == Fraction(1, 2)
    # Satisfactory remedy: Bassetlaw 1 of 2 upheld, Adur 0 of 1.
    assert district.satisfactory_remedy_rate == Fraction(1, 3)
    assert pooled.find(BASSETLAW).average("uphold_rate") == Fraction(3, 11)
    london = pooled.averages["London Borough"]
    assert london.uphold_rate == 1 and london.satisfactory_remedy_rate == 1 and london.compliance_rate is None


def test_mean_group_average_differs_by_hand(records, register):
    mean = compute_statistics(records, register, BusinessYear(2020), average_method="mean")
    district = mean.averages["District Council"]
    # Defined uphold rates: Bassetlaw 2/3, Adur 1/8 -> (16/24 + 3/24) / 2 = 19/48 (40%, pooled gives 27%).
    assert district.uphold_rate == Fraction(19, 48) and percent(district.uphold_rate) == 40
    assert district.compliance_rate == Fraction(1, 2)  # (0 + 1) / 2
    assert district.satisfactory_remedy_rate == Fraction(1, 4)  # (1/2 + 0) / 2


def test_national_figures_by_hand(pooled):
    national = pooled.national
    # 2019/20 decisions: Bassetlaw 4 + Ashfield 2 + Adur 8 + Hammersmith 1.
    assert national.totals.decisions == 15
    assert national.uphold_rate == Fraction(4, 12)  # 2 + 1 + 1 upheld of 3 + 8 + 1
    assert national.satisfactory_remedy_rate == Fraction(2, 4)  # B1 and H1
    assert national.compliance_rate == Fraction(1, 2)


def test_every_active_authority_appears(pooled, register):
    codes = {e.authority.code for e in pooled.authorities}
    assert {a.code for a in register.active_in(BusinessYear(2020))} <= codes


@pytest.mark.parametrize("text", ["2020", "2019/20", "2019-20", "2019/2020"])
def test_year_spellings(text):
    assert parse_business_year(text) == BusinessYear(2020)


def test_json_output_matches_hand_figures(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "d.csv", as_text(ROWS))
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2019/20", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["year"] == 2020 and data["period"] == {"start": "2019-04-01", "end": "2020-03-31"}
    assert data["average_method"] == "pooled"
    b = next(a for a in data["authorities"] if a["code"] == BASSETLAW)
    assert b["authority"] == "Bassetlaw District Council" and b["authority_type"] == "District Council"
    assert (b["decisions"], b["investigated"], b["upheld"], b["not_upheld"]) == (4, 3, 2, 1)
    assert b["uphold_rate"] == 2 / 3 and b["compliance_rate"] == 0.0 and b["satisfactory_remedy_rate"] == 0.5
    assert (b["compliance_outcomes"], b["complied"], b["satisfactory_remedies"]) == (1, 0, 1)
    assert b["average_uphold_rate"] == 3 / 11 and b["average_compliance_rate"] == 0.5
    assert b["average_satisfactory_remedy_rate"] == 1 / 3
    assert b["outcomes"]["Upheld"] == 2 and sum(b["outcomes"].values()) == 4
    assert data["averages"]["District Council"]["uphold_rate"] == 3 / 11
    assert data["national"]["uphold_rate"] == 1 / 3
    ashfield = next(a for a in data["authorities"] if a["code"] == ASHFIELD)
    assert ashfield["uphold_rate"] is None


def test_xlsx_and_csv_give_identical_json(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outputs = []
    for path in (write_csv(tmp_path / "d.csv", as_text(ROWS)), write_xlsx(tmp_path / "d.xlsx", ROWS)):
        result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--format", "json"])
        assert result.exit_code == 0
        outputs.append(result.output)
    assert outputs[0] == outputs[1]


def test_csv_output_and_formula_neutralising(runner, tmp_path, monkeypatch, register):
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "d.csv", as_text(ROWS) + [["=HYPERLINK(1)", "Adur District Council", "01/09/2019", "Upheld", "", "", ""]],
                     header=["reference", "authority", "decision_date", "outcome", "satisfactory_remedy", "compliance", "compliance_date"])
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--format", "csv", "--authority", "Bassetlaw"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("authority,code,authority_type,year,decisions,outcome_upheld,")
    assert len(lines) == 2 and lines[1].startswith("Bassetlaw District Council,E07000171,District Council,2020,4,2,1,")
    from ombudsman_cli.output import neutralise
    assert neutralise("=1+1") == "'=1+1" and neutralise("-2") == "'-2" and neutralise("@x") == "'@x" and neutralise(3) == 3


def test_filters_and_sort(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "d.csv", as_text(ROWS))
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--format", "json",
                                 "--type", "district council", "--sort", "uphold_rate"])
    names = [a["code"] for a in json.loads(result.output)["authorities"]]
    assert names[:2] == [BASSETLAW, ADUR]  # 67% then 13%; undefined rates last
    assert HAMMERSMITH not in names
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--authority", "Basetlaw"])
    assert result.exit_code == 2 and "did you mean Bassetlaw District Council?" in result.output


def test_table_fits_80_columns(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    path = write_csv(tmp_path / "d.csv", as_text(ROWS))
    result = runner.invoke(cli, ["stats", "--decisions", str(path), "--year", "2020", "--authority", "Bassetlaw",
                                 "--authority", "Adur"])
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 80
    # Both rest on fewer than 10 cases: marked, and the caption says to read them with care. Neither is
    # further from the average of 27% than chance goes (issue 20): no arrow.
    assert "67%* of 3 " in result.output and "13%* of 8 " in result.output and "avg 27%" in result.output
    assert "▲" not in result.output.split("\n\n")[0].split("┃")[-1] and "of 3 ▲" not in result.output
    assert "* fewer than 10 cases: read with care" in " ".join(result.output.split())
    assert "last yr 100%" in result.output  # Bassetlaw's 2018/19: B5, 1 upheld of 1
