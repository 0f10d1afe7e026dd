"""Issue 31: every decision counted once, in its group, whatever its authority's start or end date.

A small world of councils that end and begin around business year 2020/21 (1 April 2020 to 31 March
2021), with its own register. Every figure is checked twice: against numbers worked out by hand (in the
comments) and against ``independent``, a plain computation from the rows and the register written here,
which shares nothing with ``ombudsman_cli.stats``. Then the same rule on the bundled register, with
Buckinghamshire County Council (abolished 31 March 2020) still named by decisions in 2020/21.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombudsman_cli.cli import cli

from .conftest import as_text, sentences, write_csv

YEAR_START, YEAR_END = date(2020, 4, 1), date(2021, 3, 31)

# name, code, type, population, start, end
REGISTER = [
    ("Alpha County Council", "E10000901", "CTY", 100_000, None, None),
    ("Beta County Council", "E10000902", "CTY", 50_000, None, date(2020, 10, 31)),  # abolished mid-year
    ("Gamma County Council", "E10000903", "CTY", 40_000, None, date(2020, 3, 31)),  # ended the day before the year
    ("Delta County Council", "E10000904", "CTY", 60_000, date(2020, 10, 1), None),  # created mid-year
    ("Epsilon County Council", "E10000905", "CTY", 80_000, None, date(2020, 3, 31)),  # only a compliance outcome in the year
    ("Zeta County Council", "E10000906", "CTY", 70_000, None, date(2019, 3, 31)),  # nothing in the year
    ("Eta County Council", "E10000907", "CTY", 30_000, None, None),  # active, no decision in the year
    ("Oneham District Council", "E07000901", "NMD", 20_000, None, None),
    ("Twoham District Council", "E07000902", "NMD", 10_000, None, date(2021, 1, 15)),  # abolished mid-year
    ("North Combined Authority", "E47000901", "COMB", 500_000, None, None),  # in England, in no group
]
GROUPS = {"CTY": "County Council", "NMD": "District Council"}

U, N, C = "Upheld", "Not upheld", "complied"
# reference, authority, decision date, outcome, satisfactory remedy, compliance, compliance date
ROWS = [
    ["A1", "Alpha County Council", date(2020, 5, 1), U, "yes", C, ""],
    ["A2", "Alpha County Council", date(2020, 6, 1), U, "no", "not complied", ""],
    ["A3", "Alpha County Council", date(2020, 7, 1), N, "", "", ""],
    ["A4", "Alpha County Council", date(2020, 8, 1), "Advice given", "", "", ""],
    ["A5", "Alpha County Council", date(2021, 3, 31), U, "no", "", ""],  # the year's last day
    ["A6", "Alpha County Council", date(2020, 3, 31), U, "no", "", ""],  # 2019/20: not this year
    ["B1", "Beta County Council", date(2020, 4, 1), U, "yes", C, ""],  # the year's first day
    ["B2", "Beta County Council", date(2020, 9, 30), N, "", "", ""],
    ["B3", "Beta County Council", date(2020, 12, 1), U, "no", "", ""],  # after its end: warned, counted
    ["G1", "Gamma County Council", date(2020, 3, 31), U, "no", C, date(2020, 5, 1)],  # compliance in 2020/21
    ["G2", "Gamma County Council", date(2020, 6, 15), N, "", "", ""],  # after its end
    ["G3", "Gamma County Council", date(2020, 7, 15), N, "", "", ""],  # after its end
    ["D1", "Delta County Council", date(2020, 6, 1), U, "yes", "", ""],  # before its start: warned, counted
    ["D2", "Delta County Council", date(2020, 11, 1), U, "no", "not complied", ""],
    ["D3", "Delta County Council", date(2021, 1, 1), N, "", "", ""],
    ["D4", "Delta County Council", date(2021, 2, 1), "Closed after initial enquiries", "", "", ""],
    ["E1", "Epsilon County Council", date(2020, 2, 1), U, "no", C, date(2020, 4, 20)],  # compliance in 2020/21
    ["Z1", "Zeta County Council", date(2018, 6, 1), U, "no", "", ""],  # 2018/19
    ["O1", "Oneham District Council", date(2020, 5, 5), U, "no", "", ""],
    ["O2", "Oneham District Council", date(2020, 6, 6), N, "", "", ""],
    ["T1", "Twoham District Council", date(2020, 7, 7), U, "yes", C, ""],
    ["T2", "Twoham District Council", date(2021, 2, 1), U, "no", "", ""],  # after its end
    ["N1", "North Combined Authority", date(2020, 9, 9), U, "no", "", ""],
    ["N2", "North Combined Authority", date(2020, 9, 10), N, "", "", ""],
]
WARNED = {"B3", "G2", "G3", "D1", "T2"}  # dated after their authority's end or before its start

# By hand, 2020/21 (pooled):
#   County: upheld A1 A2 A5 B1 B3 D1 D2 = 7 of 12 investigated (A1-3,A5 B1-3 G2 G3 D1-3): 58.3% -> 58%
#           complied A1 B1 G1 E1 = 4 of 6 outcomes (A1 A2 B1 G1 D2 E1): 66.7% -> 67%
#           remedies A1 B1 D1 = 3 of 7 upheld: 42.9% -> 43%
#           per 100,000: 7 upheld over Alpha+Beta+Gamma+Delta+Eta = 280,000 residents = 2.5 (not Epsilon's
#           80,000: not counted, its residents are its successor's)
#           councils counted: active Alpha, Delta, Eta, and Beta, Gamma with decisions = 5 (not Epsilon, Zeta)
#   District: upheld O1 T1 T2 = 3 of 4: 75%; complied 1 of 1; remedies 1 of 3; per 100,000: 3 / 30,000 = 10
#   England: 20 decisions, 11 upheld of 18, 5 of 7 complied, 4 remedies of 11 upheld; 8 councils counted
# By hand, 2020/21 (mean of the defined rates):
#   County uphold (3/4 + 2/3 + 0 + 2/3) / 4 = 25/48; compliance (1/2 + 1 + 1 + 0 + 1) / 5 = 7/10;
#   remedy (1/3 + 1/2 + 1/2) / 3 = 4/9; per 100,000 (3 + 4 + 0 + 10/3 + 0) / 5 = 31/15
#   District uphold (1/2 + 1) / 2 = 3/4; remedy (0 + 1/2) / 2 = 1/4; per 100,000 (5 + 20) / 2 = 25/2
BY_HAND = {
    "pooled": {
        "County Council": {"authorities": 5, "decisions": 14, "investigated": 12, "upheld": 7, "compliance_outcomes": 6,
                           "complied": 4, "satisfactory_remedies": 3, "uphold_rate": Fraction(7, 12),
                           "compliance_rate": Fraction(4, 6), "satisfactory_remedy_rate": Fraction(3, 7),
                           "upheld_per_100k": Fraction(5, 2)},
        "District Council": {"authorities": 2, "decisions": 4, "investigated": 4, "upheld": 3, "compliance_outcomes": 1,
                             "complied": 1, "satisfactory_remedies": 1, "uphold_rate": Fraction(3, 4),
                             "compliance_rate": Fraction(1), "satisfactory_remedy_rate": Fraction(1, 3),
                             "upheld_per_100k": Fraction(10)},
        "England": {"authorities": 8, "decisions": 20, "investigated": 18, "upheld": 11, "compliance_outcomes": 7,
                    "complied": 5, "satisfactory_remedies": 4, "uphold_rate": Fraction(11, 18),
                    "compliance_rate": Fraction(5, 7), "satisfactory_remedy_rate": Fraction(4, 11)},
    },
    "mean": {
        "County Council": {"uphold_rate": Fraction(25, 48), "compliance_rate": Fraction(7, 10),
                           "satisfactory_remedy_rate": Fraction(4, 9), "upheld_per_100k": Fraction(31, 15)},
        "District Council": {"uphold_rate": Fraction(3, 4), "compliance_rate": Fraction(1),
                             "satisfactory_remedy_rate": Fraction(1, 4), "upheld_per_100k": Fraction(25, 2)},
    },
}
RATES = ("uphold_rate", "compliance_rate", "satisfactory_remedy_rate", "upheld_per_100k")


# -- the independent computation ------------------------------------------------------------------------

def business_year_end(day: date) -> int:
    return day.year + 1 if day.month >= 4 else day.year


def independent(register: list[tuple], rows: list[list], end_year: int) -> dict:
    """Every authority's counts for the year, and each group's and England's, straight from the rules of
    domain.md and issue 31: decisions by decision date, compliance by compliance date (else decision date),
    each in its authority's group; councils counted = active at 31 March, or with decisions in the year."""
    year_end = date(end_year, 3, 31)
    own: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, name, decided, outcome, remedy, compliance, complied_on in rows:
        counts = own[name]
        if business_year_end(decided) == end_year:
            counts["decisions"] += 1
            counts["investigated"] += outcome in (U, N)
            counts["upheld"] += outcome == U
            counts["satisfactory_remedies"] += outcome == U and remedy == "yes"
        if compliance and business_year_end(complied_on or decided) == end_year:
            counts["compliance_outcomes"] += 1
            counts["complied"] += compliance == C

    def active(entry: tuple) -> bool:
        return (entry[4] is None or entry[4] <= year_end) and (entry[5] is None or entry[5] >= year_end)

    def rates(counts: dict[str, int]) -> dict[str, Fraction | None]:
        def of(a: int, b: int) -> Fraction | None:
            return Fraction(a, b) if b else None
        return {"uphold_rate": of(counts["upheld"], counts["investigated"]),
                "compliance_rate": of(counts["complied"], counts["compliance_outcomes"]),
                "satisfactory_remedy_rate": of(counts["satisfactory_remedies"], counts["upheld"])}

    result: dict = {"authorities": {}, "groups": {}}
    for entry in register:
        counts = own.get(entry[0], {})
        if not active(entry) and not counts:
            continue
        record = {k: counts.get(k, 0) for k in ("decisions", "investigated", "upheld", "compliance_outcomes",
                                                "complied", "satisfactory_remedies")}
        record.update(rates(record))
        record["upheld_per_100k"] = Fraction(record["upheld"] * 100_000, entry[3]) if entry[3] else None
        record["counted"] = active(entry) or record["decisions"] > 0
        record["group"] = GROUPS.get(entry[2])
        result["authorities"][entry[1]] = record
    for group in [*GROUPS.values(), "England"]:
        members = [(code, r) for code, r in result["authorities"].items() if group in ("England", r["group"])]
        totals = {k: sum(r[k] for _, r in members) for k in ("decisions", "investigated", "upheld",
                                                             "compliance_outcomes", "complied", "satisfactory_remedies")}
        pooled = {**totals, **rates(totals), "authorities": sum(r["counted"] for _, r in members)}
        populations = {e[1]: e[3] for e in register}
        peopled = [(code, r) for code, r in members if populations[code] and r["counted"]]
        residents = sum(populations[c] for c, _ in peopled)
        pooled["upheld_per_100k"] = Fraction(sum(r["upheld"] for _, r in peopled) * 100_000, residents) \
            if residents else None
        mean = {}
        for name in RATES:
            defined = [r[name] for _, r in (peopled if name == "upheld_per_100k" else members) if r[name] is not None]
            mean[name] = sum(defined, Fraction(0)) / len(defined) if defined else None
        result["groups"][group] = {"pooled": pooled, "mean": mean}
    return result


def close(value: float | None, exact: Fraction | None) -> bool:
    return value is None if exact is None else value is not None and abs(value - float(exact)) < 1e-12


# -- the world on disk ------------------------------------------------------------------------------------

def register_csv(path: Path, register: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["official-name", "gss-code", "local-authority-type", "pop-2020", "start-date", "end-date"])
        for name, code, kind, population, start, end in register:
            writer.writerow([name, code, kind, population or "", start or "", end or ""])
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reorganised")
    register_csv(folder / "register.csv", REGISTER)
    write_csv(folder / "decisions.csv", as_text(ROWS))
    return folder


@pytest.fixture(autouse=True)
def away_from_the_project(monkeypatch, tmp_path):
    """Run where no ombudsman.toml names the example contacts."""
    monkeypatch.chdir(tmp_path)


def run(world: Path, *arguments: str) -> str:
    result = CliRunner().invoke(cli, [*arguments, "--decisions", str(world / "decisions.csv"),
                                      "--authorities", str(world / "register.csv")])
    assert result.exit_code == 0, result.output
    return result.stdout


def stats(world: Path, average: str = "pooled", year: str = "2021") -> dict:
    return json.loads(run(world, "stats", "--year", year, "--format", "json", "--average", average))


# -- the tests --------------------------------------------------------------------------------------------

def test_the_independent_computation_agrees_with_the_hand_worked_figures():
    """The check on the checker: its numbers are the ones worked out by hand above."""
    computed = independent(REGISTER, ROWS, 2021)["groups"]
    for group, expected in BY_HAND["pooled"].items():
        for name, value in expected.items():
            assert computed[group]["pooled"][name] == value, (group, name)
    for group, expected in BY_HAND["mean"].items():
        for name, value in expected.items():
            assert computed[group]["mean"][name] == value, (group, name)


@pytest.mark.parametrize("average", ["pooled", "mean"])
def test_every_group_average_counts_every_decision_of_the_year(world, average):
    data = stats(world, average)
    computed = independent(REGISTER, ROWS, 2021)["groups"]
    assert set(data["averages"]) == set(GROUPS.values())
    for group, figures in [*data["averages"].items(), ("England", data["national"])]:
        pooled = computed[group]["pooled"]
        expected_rates = pooled if average == "pooled" else computed[group]["mean"]
        for name in ("authorities", "decisions", "investigated", "upheld", "compliance_outcomes", "complied",
                     "satisfactory_remedies"):
            assert figures[name] == pooled[name], (group, name)  # sums whatever the average method
        for name in RATES:
            if group == "England" and name == "upheld_per_100k":
                assert figures[name] is None  # two-tier areas would count residents twice
                continue
            assert close(figures[name], expected_rates[name]), (group, name, figures[name])
    # Against the hand-worked figures too, as a letter states them.
    county = data["averages"]["County Council"]
    if average == "pooled":
        assert (round(county["uphold_rate"] * 100), round(county["compliance_rate"] * 100),
                round(county["satisfactory_remedy_rate"] * 100)) == (58, 67, 43)
        assert county["upheld_per_100k"] == 2.5
    else:
        assert close(county["uphold_rate"], Fraction(25, 48)) and close(county["upheld_per_100k"], Fraction(31, 15))


def test_the_terminal_table_counts_the_councils_by_the_rule(world):
    table = run(world, "stats", "--year", "2021")
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
            for line in table.splitlines() if line.startswith("│ ") and line.split("│")[1].strip() in
            ("County Council", "District Council", "England")}
    assert rows["County Council"] == ["5", "58% of 12", "67% of 6", "43% of 7"]
    assert rows["District Council"] == ["2", "75% of 4", "100% of 1", "33% of 3"]
    assert rows["England"] == ["8", "61% of 18", "71% of 7", "36% of 11"]  # 11/18, 5/7, 4/11


def test_the_groups_add_up_to_england_less_the_bodies_with_no_group(world):
    data = stats(world)
    no_group = [a for a in data["authorities"] if a["authority_type"] is None]
    assert [a["code"] for a in no_group] == ["E47000901"]
    for name in ("decisions", "investigated", "upheld", "compliance_outcomes", "complied", "satisfactory_remedies"):
        in_groups = sum(group[name] for group in data["averages"].values())
        assert in_groups + sum(a[name] for a in no_group) == data["national"][name], name
        # and each group's sums are its members' own figures, listed in the same output
        for group, figures in data["averages"].items():
            assert figures[name] == sum(a[name] for a in data["authorities"] if a["authority_type"] == group), (group, name)


def test_each_council_keeps_its_own_figures_and_is_listed_by_the_rule(world):
    data = stats(world)
    computed = independent(REGISTER, ROWS, 2021)["authorities"]
    listed = {a["code"]: a for a in data["authorities"]}
    # Zeta (ended 2019, nothing in the year) is not there; Epsilon (ended, a compliance outcome) is, with it.
    assert set(listed) == set(computed) and "E10000906" not in listed and "E10000905" in listed
    for code, expected in computed.items():
        for name in ("decisions", "investigated", "upheld", "compliance_outcomes", "complied", "satisfactory_remedies"):
            assert listed[code][name] == expected[name], (code, name)
        for name in RATES:
            assert close(listed[code][name], expected[name]), (code, name)
        if expected["group"]:
            assert close(listed[code]["average_uphold_rate"], Fraction(7, 12) if expected["group"] == "County Council"
                         else Fraction(3, 4))
    # Beta, abolished mid-year: 2 of 3 upheld, B3 (after its end) included.
    assert (listed["E10000902"]["upheld"], listed["E10000902"]["investigated"]) == (2, 3)
    # Delta, created mid-year: D1 (before its start) included.
    assert (listed["E10000904"]["upheld"], listed["E10000904"]["satisfactory_remedies"]) == (2, 1)


def test_the_councils_counted_the_year_before(world):
    """2019/20: Gamma and Epsilon (ended 31 March 2020) are active to the year's end, Delta not yet begun
    (its decisions come later), Zeta long gone; A6, G1 and E1 are the year's decisions."""
    data = stats(world, year="2020")
    county = data["averages"]["County Council"]
    # Alpha, Beta, Gamma, Epsilon, Eta are active at 31 March 2020.
    assert county["authorities"] == 5
    assert (county["decisions"], county["upheld"], county["investigated"]) == (3, 3, 3)  # A6, G1, E1
    computed = independent(REGISTER, ROWS, 2020)["groups"]["County Council"]["pooled"]
    assert county["authorities"] == computed["authorities"] and county["upheld"] == computed["upheld"]


def test_check_warns_at_the_rows_dated_outside_their_councils_life(world):
    result = CliRunner().invoke(cli, ["check", "--decisions", str(world / "decisions.csv"), "--authorities",
                                      str(world / "register.csv"), "--format", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    dated = {w["row"]: w["message"] for w in data["warnings"] if w["column"] == "decision_date"}
    # The spreadsheet's row: the header is row 1, so the n-th decision (from 0) is row n + 2.
    rows = {ROWS[index][0]: index + 2 for index in range(len(ROWS))}
    assert set(dated) == {rows[reference] for reference in WARNED}
    assert "after Beta County Council was abolished (its last day 31/10/2020)" in dated[rows["B3"]]
    assert "before Delta County Council existed" in dated[rows["D1"]]
    assert all("in its group's average" in message for message in dated.values())


def test_export_states_each_councils_group_average_by_the_rule(world):
    text = run(world, "export", "--year", "2021", "--format", "csv")
    records = {r["code"]: r for r in csv.DictReader(io.StringIO(text))}
    for code in ("E10000901", "E10000902", "E10000903", "E10000904", "E10000907"):
        assert close(float(records[code]["average_uphold_rate"]), Fraction(7, 12)), code
        assert close(float(records[code]["average_compliance_rate"]), Fraction(4, 6)), code
        assert close(float(records[code]["average_satisfactory_remedy_rate"]), Fraction(3, 7)), code
        assert float(records[code]["average_upheld_per_100k"]) == 2.5
    assert close(float(records["E07000901"]["average_uphold_rate"]), Fraction(3, 4))


def test_letters_go_to_the_active_councils_and_state_the_whole_groups_average(world, tmp_path):
    run(world, "letters", "--year", "2021", "--out", str(tmp_path / "letters"), "--letter-date", "2021-07-21")
    with (tmp_path / "letters" / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        written = {row["code"]: row["file"] for row in csv.DictReader(handle)}
    # Active at 31 March 2021 and in a group: not Beta, Gamma or Twoham (ended), nor the combined authority.
    assert set(written) == {"E10000901", "E10000904", "E10000907", "E07000901"}
    said = " ".join(sentences([p.text for p in docx.Document(tmp_path / "letters" / written["E10000901"]).paragraphs]))
    assert "average of 58%" in said and "average of 67%" in said and "average of 43%" in said
    assert "average of 75%" in " ".join(p.text for p in docx.Document(tmp_path / "letters" / written["E07000901"]).paragraphs)


def test_the_site_shows_every_council_counted_and_its_data_add_up(world, tmp_path):
    run(world, "letters", "--year", "2021", "--out", str(tmp_path / "letters"), "--letter-date", "2021-07-21")
    run(world, "site", "--year", "2021", "--out", str(tmp_path / "site"), "--letters", str(tmp_path / "letters"))
    site = tmp_path / "site"
    pages = sorted(p.name for p in (site / "councils").glob("*.html"))
    assert pages == sorted(["alpha-county-council.html", "beta-county-council.html", "gamma-county-council.html",
                            "delta-county-council.html", "eta-county-council.html", "oneham-district-council.html",
                            "twoham-district-council.html"])
    group_page = (site / "groups" / "county-council.html").read_text(encoding="utf-8")
    assert "against the average of the 5 county councils" in group_page
    beta = (site / "councils" / "beta-county-council.html").read_text(encoding="utf-8")
    assert "Beta County Council ended on 31 October 2020" in beta and "there is no letter to it" in beta
    with sqlite3.connect(site / "data" / "ombudsman-2021.db") as database:
        groups = {row[0]: row[1:] for row in database.execute(
            "select [group], authorities, decisions, upheld, investigated, complied, compliance_outcomes from groups")}
        authorities = database.execute("select count(*) from authorities").fetchone()[0]
    assert groups["County Council"] == (5, 14, 7, 12, 4, 6)
    assert groups["District Council"] == (2, 4, 3, 4, 1, 1)
    assert groups["England"] == (8, 20, 11, 18, 5, 7)
    assert authorities == 9  # everyone with figures, Epsilon included, as export gives them
    for index in range(1, 6):
        assert groups["County Council"][index] + groups["District Council"][index] + (2, 1, 2, 0, 0)[index - 1] \
            == groups["England"][index]


# -- the bundled register: Buckinghamshire, 2020/21 -------------------------------------------------------

BUCKS_ROWS = [
    # Buckinghamshire County Council ended 31 March 2020; these decisions are dated after.
    ["K1", "Buckinghamshire County Council", date(2020, 4, 20), U, "no", C, ""],
    ["K2", "Buckinghamshire County Council", date(2020, 5, 20), U, "no", C, ""],
    ["K3", "Buckinghamshire County Council", date(2020, 6, 20), N, "", "", ""],
    ["S1", "Surrey County Council", date(2020, 7, 1), U, "yes", C, ""],
    ["S2", "Surrey County Council", date(2020, 8, 1), U, "no", "not complied", ""],
    ["S3", "Surrey County Council", date(2020, 9, 1), N, "", "", ""],
    ["S4", "Surrey County Council", date(2020, 10, 1), N, "", "", ""],
    ["K4", "Kent County Council", date(2020, 11, 1), U, "no", C, ""],
    # Aylesbury Vale (a district, ended 31 March 2020) with a decision in the year.
    ["V1", "Aylesbury Vale District Council", date(2020, 5, 1), U, "no", "", ""],
    ["V2", "Bassetlaw District Council", date(2020, 5, 1), N, "", "", ""],
]


def test_buckinghamshire_county_councils_decisions_after_its_end_are_in_the_county_average(tmp_path, register):
    path = write_csv(tmp_path / "d.csv", as_text(BUCKS_ROWS))
    result = CliRunner().invoke(cli, ["stats", "--decisions", str(path), "--year", "2021", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    county = data["averages"]["County Council"]
    # By hand: upheld K1 K2 S1 S2 K4 = 5 of 8 investigated; complied K1 K2 S1 K4 = 4 of 5; remedies S1 = 1 of 5.
    assert (county["upheld"], county["investigated"], county["complied"], county["compliance_outcomes"]) == (5, 8, 4, 5)
    assert county["uphold_rate"] == 5 / 8 and county["compliance_rate"] == 4 / 5
    # Counted: the county councils active at 31 March 2021, and Buckinghamshire's, which has decisions.
    active = [a for a in register if a.type_code == "CTY" and (a.start is None or a.start <= YEAR_END)
              and (a.end is None or a.end >= YEAR_END)]
    assert county["authorities"] == len(active) + 1
    district = data["averages"]["District Council"]
    assert (district["upheld"], district["investigated"]) == (1, 2)  # Aylesbury Vale's and Bassetlaw's
    assert data["national"]["decisions"] == len(BUCKS_ROWS)
    surrey = next(a for a in data["authorities"] if a["authority"] == "Surrey County Council")
    assert surrey["average_uphold_rate"] == 5 / 8 and surrey["average_compliance_rate"] == 4 / 5


# -- any world: councils beginning and ending anywhere around three years -------------------------------

BOUNDARIES = [None, date(2019, 3, 31), date(2019, 4, 1), date(2019, 10, 31), date(2020, 3, 31), date(2020, 4, 1),
              date(2020, 9, 30), date(2021, 3, 31), date(2021, 4, 1)]
OUTCOMES = [U, N, "Closed after initial enquiries", "Incomplete/Invalid", "Advice given",
            "Referred back for local resolution"]


@st.composite
def worlds(draw):
    """A register of up to eight authorities in two groups and none, each beginning and ending where it
    likes, and decisions about them (a remedy and a compliance outcome only where upheld, as the contract
    allows) over three business years."""
    count = draw(st.integers(2, 8))
    register = []
    for number in range(count):
        kind = draw(st.sampled_from(["CTY", "CTY", "NMD", "NMD", "COMB"]))
        start, end = draw(st.sampled_from(BOUNDARIES)), draw(st.sampled_from(BOUNDARIES))
        if start and end and end < start:
            start, end = end, start
        population = draw(st.one_of(st.none(), st.integers(1_000, 900_000)))
        code = {"CTY": "E10", "NMD": "E07", "COMB": "E47"}[kind] + f"{900 + number:06d}"
        register.append((f"Council {number} {kind}", code, kind, population, start, end))
    rows = []
    for number in range(draw(st.integers(1, 40))):
        name = draw(st.sampled_from(register))[0]
        decided = date(2019, 4, 1) + timedelta(days=draw(st.integers(0, 3 * 365)))
        outcome = draw(st.sampled_from(OUTCOMES))
        remedy = compliance = complied_on = ""
        if outcome == U:
            remedy = draw(st.sampled_from(["yes", "no", ""]))
            compliance = draw(st.sampled_from([C, "not complied", ""]))
            if compliance and draw(st.booleans()):
                complied_on = decided + timedelta(days=draw(st.integers(0, 400)))
        rows.append([f"R{number}", name, decided, outcome, remedy, compliance, complied_on])
    return register, rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds(), end_year=st.sampled_from([2020, 2021, 2022]), average=st.sampled_from(["pooled", "mean"]))
def test_any_world_agrees_with_the_independent_computation(tmp_path_factory, world, end_year, average):
    from ombudsman_cli.data.register import load_register
    from ombudsman_cli.data.validation import load_decisions
    from ombudsman_cli.stats import compute_statistics

    register_rows, rows = world
    folder = tmp_path_factory.mktemp("world")
    register = load_register(register_csv(folder / "register.csv", register_rows))
    decisions = load_decisions(write_csv(folder / "d.csv", as_text(rows)), register, today=date(2022, 7, 1))
    assert not decisions.problems
    statistics = compute_statistics(decisions, register, end_year, average, allow_no_decisions=True)
    expected = independent(register_rows, rows, end_year)
    got = {entry.authority.code: entry for entry in statistics.authorities}
    assert set(got) == set(expected["authorities"])
    for code, figures in expected["authorities"].items():
        entry = got[code]
        assert (entry.counts.decisions, entry.counts.investigated, entry.counts.upheld, entry.counts.compliance_outcomes,
                entry.counts.complied, entry.counts.satisfactory_remedies) == tuple(
            figures[k] for k in ("decisions", "investigated", "upheld", "compliance_outcomes", "complied",
                                 "satisfactory_remedies")), code
        assert entry.counted == figures["counted"], code
        for name in RATES:
            assert entry.rate(name) == figures[name], (code, name)
    for group in [*GROUPS.values(), "England"]:
        figures = statistics.national if group == "England" else statistics.averages.get(group)
        wanted = expected["groups"][group]
        if figures is None:  # no member at all in the year
            assert not any(r["group"] == group for r in expected["authorities"].values())
            continue
        pooled = wanted["pooled"]
        assert figures.authorities == pooled["authorities"], group
        assert (figures.totals.decisions, figures.totals.upheld, figures.totals.investigated,
                figures.totals.complied, figures.totals.compliance_outcomes,
                figures.totals.satisfactory_remedies) == tuple(pooled[k] for k in (
                    "decisions", "upheld", "investigated", "complied", "compliance_outcomes",
                    "satisfactory_remedies")), group
        rates = pooled if average == "pooled" else wanted["mean"]
        for name in RATES:
            if group == "England" and name == "upheld_per_100k":
                assert figures.upheld_per_100k is None
            else:
                assert getattr(figures, name) == rates[name], (group, name)
    # and every group's sums are England's, less the bodies with no group
    for name in ("decisions", "upheld", "investigated", "complied", "compliance_outcomes"):
        no_group = sum(getattr(e.counts, name) for e in statistics.authorities if e.authority.group is None)
        assert sum(getattr(a.totals, name) for a in statistics.averages.values()) + no_group \
            == getattr(statistics.national.totals, name)
