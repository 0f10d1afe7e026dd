"""Issue 20: changes of method (``[[notes]]`` in the config) stand wherever the years around them are compared:
under the three-year table of the letter and of the site, and in the JSON. And the generic letter says, per
rate, whether the council's figure is within the range chance gives."""

from __future__ import annotations

import json

import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.config import load_settings
from ombudsman_cli.errors import UsageError
from ombudsman_cli.models import MethodNote

from .conftest import ROOT, paragraphs, write_national_export

EXAMPLE = ROOT / "examples" / "decisions-2018-2021.xlsx"
GENERIC = ROOT / "letter_templates" / "annual-review-letter.docx"
NOTES = '''
[files]
decisions = "{decisions}"

[[notes]]
year = "2020/21"
statistic = "uphold_rate"
text = "From 2020/21 we investigate fewer complaints in detail."

[[notes]]
year = 2019
text = "Compliance outcomes are dated by when we recorded them."

[[notes]]
year = 2016
text = "Too early for any table of 2020/21."
'''


@pytest.fixture
def configured(tmp_path, monkeypatch):
    (tmp_path / "ombudsman.toml").write_text(NOTES.format(decisions=EXAMPLE))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_notes_are_read_from_the_config_in_order():
    settings = load_settings_from_text(NOTES.format(decisions=EXAMPLE))
    assert settings.notes == (
        MethodNote(2021, "From 2020/21 we investigate fewer complaints in detail.", "uphold_rate"),
        MethodNote(2019, "Compliance outcomes are dated by when we recorded them."),
        MethodNote(2016, "Too early for any table of 2020/21."),
    )


@pytest.mark.parametrize(("note", "message"), [
    ('year = 2021', "needs a text"),
    ('text = "x"', "needs a year"),
    ('year = "twenty"\ntext = "x"', "is not a business year"),
    ('year = 2021\ntext = "x"\nstatistic = "happiness"', "statistic 'happiness' is not one of uphold_rate"),
    ('year = 2021\ntext = "x"\nauthor = "me"', "unknown setting 'author'"),
])
def test_a_bad_note_is_refused_by_its_number_and_what_would_fix_it(note, message):
    with pytest.raises(UsageError, match=message) as error:
        load_settings_from_text(f"[[notes]]\nyear = 2020\ntext = \"fine\"\n\n[[notes]]\n{note}\n")
    assert "note 2 in [[notes]]" in str(error.value)
    with pytest.raises(UsageError, match=r"\[\[notes\]\]"):
        load_settings_from_text('notes = "not a table"\n')


def load_settings_from_text(text: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ombudsman.toml"
        path.write_text(text)
        return load_settings(path)


def test_the_json_carries_the_notes_of_the_years_its_tables_compare(configured, runner):
    for command in (["stats", "--format", "json"], ["export", "--format", "json"]):
        result = runner.invoke(cli, [*command, "--year", "2021"])
        assert result.exit_code == 0, result.output
        notes = json.loads(result.output)["notes"]
        assert notes == [{"year": 2021, "text": "From 2020/21 we investigate fewer complaints in detail.",
                          "statistic": "uphold_rate"},
                         {"year": 2019, "text": "Compliance outcomes are dated by when we recorded them.",
                          "statistic": None}]
    # 2018/19's tables compare 2016/17 to 2018/19: its own note only (2016 is 2015/16, too early).
    earlier = json.loads(runner.invoke(cli, ["stats", "--format", "json", "--year", "2019"]).output)["notes"]
    assert [n["year"] for n in earlier] == [2019]


def test_the_letter_and_the_site_put_the_notes_under_the_three_year_table(configured, runner):
    result = runner.invoke(cli, ["letters", "--year", "2021", "--authority", "Bassetlaw", "--template", str(GENERIC),
                                 "--out", "letters", "--letter-date", "2021-07-22"])
    assert result.exit_code == 0, result.output
    text = paragraphs(configured / "letters" / "bassetlaw-district-council.docx")
    under = next(p for p in text if p.startswith("A dash means there was no figure for that year."))
    assert ("Change of method in 2020/21 (complaints upheld): From 2020/21 we investigate fewer complaints in "
            "detail.") in under
    assert "Change of method in 2018/19: Compliance outcomes are dated by when we recorded them." in under
    assert "Too early" not in " ".join(text)
    result = runner.invoke(cli, ["site", "--year", "2021", "--letters", "letters", "--out", "site"])
    assert result.exit_code == 0, result.output
    page = (configured / "site" / "councils" / "bassetlaw-district-council.html").read_text()
    trend = page.split('id="trend-caption"')[1]
    assert trend.index("Change of method in 2020/21 (complaints upheld)") < trend.index("Decisions by outcome")
    data = json.loads((configured / "site" / "data" / "ombudsman-2021.json").read_text())
    assert [n["year"] for n in data["notes"]] == [2021, 2019]


def test_the_generic_letter_says_whether_each_rate_is_within_the_range_chance_gives(tmp_path, runner):
    export = write_national_export(tmp_path / "d.csv")
    data = json.loads(runner.invoke(cli, ["stats", "--decisions", str(export), "--year", "2020", "--format",
                                          "json"]).output)
    words = {"expected": "That is within the range we would expect by chance for an authority with this number of "
                         "cases.",
             "much_higher": "That is well above the range we would expect by chance for an authority with this "
                            "number of cases.",
             "much_lower": "That is well below the range we would expect by chance for an authority with this "
                           "number of cases."}
    councils = {"Leeds City Council": "much_higher", "Cornwall Council": "much_lower"}
    for name, judgement in councils.items():
        record = next(r for r in data["authorities"] if r["authority"] == name)
        assert record["uphold_rate_vs_average"] == judgement
        result = runner.invoke(cli, ["letters", "--decisions", str(export), "--year", "2020", "--authority", name,
                                     "--template", str(GENERIC), "--out", str(tmp_path / "letters"),
                                     "--letter-date", "2020-07-22"])
        assert result.exit_code == 0, result.output
        stem = "leeds-city-council" if name.startswith("Leeds") else "cornwall-council"
        text = paragraphs(tmp_path / "letters" / f"{stem}.docx")
        upheld = next(p for p in text if "of complaints we investigated were upheld" in p)
        assert words[judgement] in upheld
        compliance = next((p for p in text if "successfully implemented our recommendations" in p), "")
        if record["compliance_rate_vs_average"] == "expected":
            assert words["expected"] in compliance
    # The 2020 letter keeps the seed's words.
    result = runner.invoke(cli, ["letters", "--decisions", str(export), "--year", "2020", "--authority", "Leeds",
                                 "--out", str(tmp_path / "seed"), "--letter-date", "2020-07-22"])
    assert result.exit_code == 0, result.output
    assert "expect by chance" not in " ".join(paragraphs(tmp_path / "seed" / "leeds-city-council.docx"))
