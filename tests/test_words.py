"""Issue 33: figures with zero, one and all in words, and no rate that is not 100% (or 0%) printed as one,
in the generic letter, its chart and the site; the 2020 letter keeps the seed's words and rounding. Every
expectation here is written by hand."""

from __future__ import annotations

import csv
import zipfile
from fractions import Fraction

import docx
import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.letters.context import in_words, shown_percent

from .conftest import ROOT, write_csv


@pytest.mark.parametrize("value, shown", [
    (Fraction(1), "100%"), (Fraction(996, 1000), "over 99%"), (Fraction(995, 1000), "over 99%"),
    (Fraction(994, 1000), "99%"), (Fraction(0), "0%"), (Fraction(4, 1000), "under 1%"), (Fraction(5, 1000), "1%"),
    (Fraction(1, 8), "13%"), (None, ""),
])
def test_a_rate_is_never_shown_as_100_or_0_percent_unless_it_is(value, shown):
    assert shown_percent(value) == shown


@pytest.mark.parametrize("section, count, total, sentence", [
    ("upheld", 0, 1, "We did not uphold the one complaint we investigated."),
    ("upheld", 1, 1, "We upheld the one complaint we investigated."),
    ("upheld", 0, 2, "We did not uphold either of the 2 complaints we investigated."),
    ("upheld", 1, 2, "We upheld 1 of the 2 complaints we investigated."),
    ("upheld", 2, 2, "We upheld both of the 2 complaints we investigated."),
    ("upheld", 0, 7, "We did not uphold any of the 7 complaints we investigated."),
    ("upheld", 7, 7, "We upheld all 7 complaints we investigated."),
    ("upheld", 4, 1200, "We upheld 4 of the 1,200 complaints we investigated."),
    ("compliance", 1, 1, "The council complied with our recommendations in the one case we recorded."),
    ("compliance", 0, 1, "The council did not comply with our recommendations in the one case we recorded."),
    ("compliance", 0, 2, "The council did not comply with our recommendations in either of the 2 cases we recorded."),
    ("compliance", 6, 7, "The council complied with our recommendations in 6 of the 7 cases we recorded."),
    ("remedy", 2, 2, "The council had put things right before the complaint reached us in both of the 2 upheld cases."),
    ("remedy", 0, 3, "The council had not put things right before the complaint reached us in any of the 3 upheld "
                     "cases."),
    ("upheld", 0, 0, ""),
])
def test_counts_read_as_a_person_says_them(section, count, total, sentence):
    assert in_words(section, count, total, "the council") == sentence


def test_a_letter_and_a_page_never_say_100_percent_for_an_average_of_996_in_1000(runner, tmp_path, monkeypatch):
    """Districts comply 249 times of 250 (99.6%); Adur complies in its one case (100%) and upholds both of
    its 2 complaints. The generic letter and the page say "over 99%", the one case and both complaints in
    words; the 2020 letter keeps the seed's "100%"; the data keeps 0.996."""
    monkeypatch.chdir(tmp_path)
    rows = [["A1", "Adur District Council", "01/05/2020", "Upheld", "no", "complied", ""],
            ["A2", "Adur District Council", "02/05/2020", "Upheld", "no", "", ""]]
    for n in range(249):
        rows.append([f"B{n}", "Bassetlaw District Council", "01/06/2020", "Upheld", "no",
                     "not complied" if n == 0 else "complied", ""])
    export = write_csv(tmp_path / "d.csv", rows)
    common = ["--decisions", str(export), "--year", "2021"]
    result = runner.invoke(cli, ["letters", *common, "--out", "letters", "--letter-date", "2021-07-21",
                                 "--authority", "Adur"])
    assert result.exit_code == 0, result.output
    letter = tmp_path / "letters" / "adur-district-council.docx"
    text = " ".join(p.text for p in docx.Document(letter).paragraphs)
    assert "This compares to an average of over 99% in similar authorities." in text
    assert "We upheld both of the 2 complaints we investigated." in text
    assert "Your authority complied with our recommendations in the one case we recorded." in text
    assert "100% of complaints" not in text and "In 100% of cases" not in text
    tables = [[c.text for c in row.cells] for table in docx.Document(letter).tables for row in table.rows]
    assert ["Compliance with recommendations", "100%", "over 99%"] in tables
    with zipfile.ZipFile(letter) as package:
        chart = package.read("word/charts/chart1.xml").decode()
    assert 'formatCode="&quot;over 99%&quot;"' in chart  # the average's bar says so, not "100%"
    assert chart.count("<c:dLbl>") == 1
    # The 2020 letter: the seed's words and rounding.
    seed = runner.invoke(cli, ["letters", *common, "--out", "seed", "--letter-date", "2021-07-21", "--authority", "Adur",
                               "--template", str(ROOT / "letter_templates" / "annual-review-letter-2020.docx")])
    assert seed.exit_code == 0, seed.output
    seed_text = " ".join(p.text for p in docx.Document(tmp_path / "seed" / "adur-district-council.docx").paragraphs)
    assert "This compares to an average of 100% in similar authorities." in seed_text
    # The site, and the data downloads' full precision.
    result = runner.invoke(cli, ["site", *common, "--out", "site", "--letters", "letters"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "councils" / "adur-district-council.html").read_text(encoding="utf-8")
    assert "The council complied with our recommendations in the one case we recorded." in page
    assert "This compares to an average of over 99% in similar councils." in page
    assert "We upheld both of the 2 complaints we investigated." in page
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "over 99%" in home
    with (tmp_path / "site" / "data" / "ombudsman-2021.csv").open(newline="", encoding="utf-8") as handle:
        adur = next(r for r in csv.DictReader(handle) if r["code"] == "E07000223")
    assert float(adur["average_compliance_rate"]) == 249 / 250
