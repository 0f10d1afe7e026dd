"""Issue 6: trend, rate per 100,000 residents, breakdowns, the chart and the map export, by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from fractions import Fraction

import docx
import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.data.validation import load_decisions
from ombudsman_cli.letters.context import letter_context, one_decimal
from ombudsman_cli.letters.rendering import DocumentProperties, LetterRenderer
from ombudsman_cli.stats import compute_statistics
from ombudsman_cli.years import BusinessYear

from .conftest import ADUR, BASSETLAW, ROOT, ROWS, as_text, sentences, write_csv

GENERIC = ROOT / "letter_templates" / "annual-review-letter.docx"
BASSETLAW_POPULATION = 118_280  # pop-2020 in the register
AYLESBURY_VALE = "E07000004"  # abolished 2020: no mid-2020 population


@pytest.fixture(scope="module")
def records(register, tmp_path_factory):
    rows = ROWS + [["V1", "Aylesbury Vale District Council", date(2019, 5, 1), "Upheld", "", "", ""]]
    path = write_csv(tmp_path_factory.mktemp("more") / "d.csv", as_text(rows))
    return load_decisions(path, register).require_valid().records


def district_population(register, year):
    return sum(a.population for a in register.active_in(year) if a.group == "District Council" and a.population)


def test_upheld_per_100k_residents_by_hand(records, register):
    statistics = compute_statistics(records, register, BusinessYear(2020))
    bassetlaw = statistics.find(BASSETLAW)
    assert bassetlaw.upheld_per_100k == Fraction(2 * 100_000, BASSETLAW_POPULATION)  # 1.69...
    assert one_decimal(bassetlaw.upheld_per_100k) == "1.7"
    # Pooled: the group's upheld decisions (Bassetlaw 2, Adur 1; Aylesbury Vale has no population, so its
    # upheld decision is left out) per 100,000 of the group's population.
    assert bassetlaw.average("upheld_per_100k") == Fraction(3 * 100_000, district_population(register, BusinessYear(2020)))
    aylesbury = statistics.find(AYLESBURY_VALE)
    assert aylesbury.upheld_per_100k is None and aylesbury.to_dict()["upheld_per_100k"] is None
    context = letter_context(aylesbury, date(2020, 7, 22))
    assert context["per_100k"]["value"] == "not available"


def test_trend_and_change_by_hand(records, register):
    later = compute_statistics(records, register, BusinessYear(2021)).find(BASSETLAW)
    # 2020/21: B6 not upheld (0 of 1); 2019/20: 2 of 3; 2018/19: B5 upheld (1 of 1).
    assert [e.year.end_year for e in later.previous_years] == [2020, 2019]
    assert later.uphold_rate == 0 and later.earlier(1).uphold_rate == Fraction(2, 3) and later.earlier(2).uphold_rate == 1
    assert later.change("uphold_rate") == Fraction(-2, 3)
    record = later.to_dict()
    assert record["previous_years"][0]["year"] == 2020 and record["previous_years"][0]["uphold_rate"] == 2 / 3
    assert record["previous_years"][1]["upheld"] == 1
    assert record["changes"]["uphold_rate"] == -2 / 3
    # Compliance: 2020/21 B2 complied (1 of 1); 2019/20 B5 not complied (0 of 1): change +1.
    assert later.change("compliance_rate") == 1
    assert "uphold_rate" in record["small_numbers"]


def test_no_trend_without_earlier_data(records, register):
    first = compute_statistics(records, register, BusinessYear(2019)).find(BASSETLAW)
    assert first.previous_years == []
    assert letter_context(first, date(2019, 7, 1))["trend"]["shown"] is False


def render_generic(entry, **options) -> bytes:
    renderer = LetterRenderer(GENERIC, DocumentProperties("Annual Review letter", date(2021, 7, 21)))
    return renderer.render(letter_context(entry, date(2021, 7, 21), **options))


def letter_text(entry, **options):
    document = docx.Document(io.BytesIO(render_generic(entry, **options)))
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    return sentences([p.text for p in document.paragraphs]), tables


C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def chart_of(content: bytes) -> tuple[list[str], list[dict[int, str]], str]:
    """The chart part's categories, each series' cached values by point, and the drawing's description."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(content)) as package:
        part = etree.fromstring(package.read("word/charts/chart1.xml"))
        body = package.read("word/document.xml").decode()
    series = part.findall(f".//{C}ser")
    categories = [v.text for v in series[0].find(f"{C}cat").iter(f"{C}v")]
    values = [{int(pt.get("idx")): pt.findtext(f"{C}v") for pt in s.find(f"{C}val").iter(f"{C}pt")} for s in series]
    description = etree.fromstring(body.encode()).find(".//{*}docPr").get("descr")
    return categories, values, description


def test_generic_letter_has_trend_table_breakdowns_rate_per_residents_and_chart(records, register):
    entry = compute_statistics(records, register, BusinessYear(2021)).find(BASSETLAW)
    text, tables = letter_text(entry)
    # Issue 33: the three-year table first (under the statistics), then the chart with its table of figures.
    trend, figures, outcomes = tables[0], tables[1], tables[2]
    assert trend[0] == ["Statistic", "2020/21", "2019/20", "2018/19"]
    assert trend[1] == ["Complaints upheld", "0%", "67%", "100%"]
    assert trend[2] == ["Compliance with recommendations", "100%", "0%", "–"]
    per_100k_now = one_decimal(Fraction(0))
    per_100k_last = one_decimal(Fraction(200_000, BASSETLAW_POPULATION))
    assert trend[4] == ["Upheld decisions per 100,000 residents", per_100k_now, per_100k_last, "0.8"]  # 1e5/118,280
    assert outcomes[1:] == [["Upheld", "0"], ["Not upheld", "1"], ["Closed after initial enquiries", "0"],
                            ["Incomplete/Invalid", "0"], ["Advice given", "0"], ["Referred back for local resolution", "0"]]
    # No upheld decision: said in words, not "0.0 decisions per 100,000 residents".
    assert ("We did not uphold any complaint about your authority in this period, so there were no upheld "
            "decisions per 100,000 residents.") in text
    assert "Based on a population of 118,280." in text
    # 2020/21: Bassetlaw 0 of 1 upheld, 1 of 1 complied, nothing upheld so no remedy rate; it is the only
    # district with decisions, so the averages are the same, and there is no average remedy rate either.
    assert figures == [["Statistic", "Your authority", "Similar authorities"],
                       ["Complaints upheld", "0%", "0%"],
                       ["Compliance with recommendations", "100%", "100%"],
                       ["Satisfactory remedy provided by the authority", "no rate", "no average"]]
    categories, (yours, average), description = chart_of(render_generic(entry))
    assert categories == ["Complaints upheld", "Compliance with recommendations",
                          "Satisfactory remedy provided by the authority (no rate for your authority)"]
    assert yours == {0: "0.00", 1: "1.00"} and average == {0: "0.00", 1: "1.00"}  # no bar, never a bar of 0
    assert description == (
        "Bar chart comparing your authority with similar authorities (District Councils) in 2020/21. "
        "Complaints upheld: your authority 0%; similar authorities 0%. "
        "Compliance with recommendations: your authority 100%; similar authorities 100%. "
        "Satisfactory remedy provided by the authority: no rate for your authority, because no complaint about "
        "it was upheld; no average for similar authorities.")
    assert "Decisions by service area" not in text  # the export has no category column


def test_no_chart_leaves_it_out(records, register):
    entry = compute_statistics(records, register, BusinessYear(2020)).find(ADUR)
    with_chart, tables = letter_text(entry)
    without_chart, fewer = letter_text(entry, chart=False)
    assert "Your authority beside similar authorities" in with_chart
    assert "Your authority beside similar authorities" not in without_chart and len(fewer) == len(tables) - 1
    import zipfile

    with zipfile.ZipFile(io.BytesIO(render_generic(entry, chart=False))) as package:
        assert b"<c:chart " not in package.read("word/document.xml")  # no drawing in the body
    # Adur 2019/20: 1 upheld of 8 = 12.5%, shown as 13% (half up) on its bar as in its words; the
    # districts: Bassetlaw 2 of 3, Adur 1 of 8, Aylesbury Vale 1 of 1: 4 of 12 = 33%.
    figures = next(table for table in tables if table[0] == ["Statistic", "Your authority", "Similar authorities"])
    assert figures[1] == ["Complaints upheld", "13%", "33%"]
    _, (yours, average), _ = chart_of(render_generic(entry))
    assert yours[0] == "0.13" and average[0] == "0.33"
    assert "We upheld 1 complaint about your authority: 1.6 for every 100,000 residents." in with_chart


def test_categories_breakdown(register, tmp_path):
    header = ["reference", "authority", "decision_date", "outcome", "category"]
    rows = [["1", "Adur District Council", "01/05/2019", "Upheld", "Housing"],
            ["2", "Adur District Council", "02/05/2019", "Not upheld", "Housing"],
            ["3", "Adur District Council", "03/05/2019", "Advice given", "Planning and development"],
            ["4", "Adur District Council", "04/05/2019", "Advice given", ""]]
    records = load_decisions(write_csv(tmp_path / "c.csv", rows, header), register).require_valid().records
    entry = compute_statistics(records, register, BusinessYear(2020)).find(ADUR)
    assert entry.counts.categories == {"Housing": 2, "Not recorded": 1, "Planning and development": 1}
    text, tables = letter_text(entry)
    assert "Decisions by service area" in text
    assert tables[-1][1:] == [["Housing", "2"], ["Not recorded", "1"], ["Planning and development", "1"]]


def test_export_is_keyed_by_gss_code_with_every_published_figure(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "d.csv", as_text(ROWS))
    result = runner.invoke(cli, ["export", "--decisions", str(path), "--year", "2021", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    bassetlaw = data["authorities"][BASSETLAW]
    assert bassetlaw["authority"] == "Bassetlaw District Council" and bassetlaw["year"] == 2021
    assert (bassetlaw["upheld"], bassetlaw["investigated"], bassetlaw["uphold_rate"]) == (0, 1, 0.0)
    assert bassetlaw["uphold_rate_last_year"] == 2 / 3 and bassetlaw["uphold_rate_year_before"] == 1.0
    assert bassetlaw["uphold_rate_change"] == -2 / 3
    assert bassetlaw["population"] == BASSETLAW_POPULATION and bassetlaw["upheld_per_100k"] == 0.0
    result = runner.invoke(cli, ["export", "--decisions", str(path), "--year", "2021", "--output", "map.csv"])
    assert result.exit_code == 0
    with open(tmp_path / "map.csv", newline="", encoding="utf-8") as handle:
        rows = {row["code"]: row for row in csv.DictReader(handle)}
    assert rows[BASSETLAW]["uphold_rate_last_year"] == repr(2 / 3)
    assert rows[BASSETLAW]["compliance_rate"] == "1.0"


def test_bassetlaw_2021_from_the_example_data(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, ["letters", "--year", "2021", "--authority", "Bassetlaw", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "generic template" in result.stderr
    document = docx.Document(tmp_path / "bassetlaw-district-council.docx")
    text = sentences([p.text for p in document.paragraphs])
    for heading in ("Your figures over three years", "Decisions by outcome", "Decisions by service area",
                    "Upheld decisions per 100,000 residents", "Your authority beside similar authorities"):
        assert heading in text
    assert any(line.startswith("This compares to an average of") and "similar authorities" in line
               for line in text[text.index("Upheld decisions per 100,000 residents"):])


def test_control_characters_from_a_pasted_cell_do_not_break_the_letter(register, tmp_path):
    header = ["reference", "authority", "decision_date", "outcome", "category"]
    rows = [["1", "Adur District Council", "01/05/2019", "Upheld", "Hous\x0bing & <planning>"]]
    records = load_decisions(write_csv(tmp_path / "c.csv", rows, header), register).require_valid().records
    entry = compute_statistics(records, register, BusinessYear(2020)).find(ADUR)
    text, tables = letter_text(entry)
    assert tables[-1][1] == ["Housing & <planning>", "1"]


def test_every_text_of_a_letter_is_cleaned_at_any_depth():
    from ombudsman_cli.letters.context import _xml_safe

    variables = {
        "name": "Bass\x00etlaw", "count": 3, "flag": True, "missing": None,
        "rows": [{"label": "a\x1fb", "values": ["x\ufffey", 7]}, "plain\x08"],
        "nested": {"deeper": {"text": "fine – with a dash\n", "list": [["\x0bq"]]}},
    }
    assert _xml_safe(variables) == {
        "name": "Bassetlaw", "count": 3, "flag": True, "missing": None,
        "rows": [{"label": "ab", "values": ["xy", 7]}, "plain"],
        "nested": {"deeper": {"text": "fine – with a dash\n", "list": [["q"]]}},
    }
