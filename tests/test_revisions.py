"""Issue 20: revisions. `compare --published` lists every figure that changed since a site was published,
from its JSON or SQLite download; exit 0 when nothing changed, 1 when something did, 2 when it cannot say."""

from __future__ import annotations

import json

import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.stats import EXPORT_FIELDS

from .conftest import ROWS, as_text, write_csv


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A site built from an export, and the same export with one decision corrected (Bassetlaw's B3,
    not upheld, found upheld after all)."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("revisions")
    write_csv(folder / "before.csv", as_text(ROWS))
    corrected = [list(row) for row in ROWS]
    index = next(i for i, row in enumerate(corrected) if row[0] == "B3")
    assert corrected[index][3] == "Not upheld"
    corrected[index][3] = "Upheld"
    write_csv(folder / "after.csv", as_text(corrected))
    result = CliRunner().invoke(cli, ["site", "--decisions", str(folder / "before.csv"), "--year", "2020", "--out",
                                      str(folder / "site"), "--letters", str(folder / "none")])
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("download", ["ombudsman-2020.json", "ombudsman-2020.db"])
def test_nothing_changed_exits_0(published, runner, download):
    result = runner.invoke(cli, ["compare", "--decisions", str(published / "before.csv"), "--year", "2020",
                                 "--published", str(published / "site" / "data" / download)])
    assert result.exit_code == 0, result.output
    assert "No figure has changed" in result.output


@pytest.mark.parametrize("download", ["ombudsman-2020.json", "ombudsman-2020.db"])
def test_one_corrected_decision_lists_exactly_the_figures_it_moved(published, runner, download):
    result = runner.invoke(cli, ["compare", "--decisions", str(published / "after.csv"), "--year", "2020",
                                 "--published", str(published / "site" / "data" / download), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    before = json.loads((published / "site" / "data" / "ombudsman-2020.json").read_text())["authorities"]
    now = json.loads(runner.invoke(cli, ["export", "--decisions", str(published / "after.csv"), "--year", "2020",
                                         "--format", "json"]).output)["authorities"]
    # Independently: every field of every council whose value differs.
    expected = sorted((code, field) for code in now for field in EXPORT_FIELDS
                      if field not in ("code", "authority", "authority_type", "region", "year")
                      and before[code].get(field) != now[code].get(field))
    assert sorted((r["code"], r["statistic"]) for r in report["changed"]) == expected
    bassetlaw = {r["statistic"]: r for r in report["changed"] if r["authority"] == "Bassetlaw District Council"}
    assert (bassetlaw["upheld"]["published"], bassetlaw["upheld"]["now"]) == (2, 3)
    assert (bassetlaw["not_upheld"]["published"], bassetlaw["not_upheld"]["now"]) == (1, 0)
    assert bassetlaw["uphold_rate"]["now"] == 1.0 and "uphold_rate_low" in bassetlaw
    assert report["added"] == [] and report["removed"] == [] and report["year"] == 2020
    # The table shows a group's average once, not once per council.
    table = runner.invoke(cli, ["compare", "--decisions", str(published / "after.csv"), "--year", "2020",
                                "--published", str(published / "site" / "data" / download)], env={"COLUMNS": "160"})
    assert table.exit_code == 1 and table.output.count("average_uphold_rate") == 1
    assert "District Councils (the group's average)" in table.output


def test_a_council_gone_from_the_export_is_listed_as_removed(published, runner, tmp_path):
    data = json.loads((published / "site" / "data" / "ombudsman-2020.json").read_text())
    data["authorities"]["E99999999"] = {"code": "E99999999", "authority": "Nowhere Council", "uphold_rate": 0.5}
    (tmp_path / "published.json").write_text(json.dumps(data))
    result = runner.invoke(cli, ["compare", "--decisions", str(published / "before.csv"), "--year", "2020",
                                 "--published", str(tmp_path / "published.json"), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["removed"] == [{"code": "E99999999", "authority": "Nowhere Council"}]


def test_a_download_of_another_year_or_not_a_download_is_refused_with_exit_2(published, runner, tmp_path):
    result = runner.invoke(cli, ["compare", "--decisions", str(published / "before.csv"), "--year", "2021",
                                 "--published", str(published / "site" / "data" / "ombudsman-2020.json")])
    assert result.exit_code == 2 and "ombudsman-2020.json" in result.output and "not 2021" in result.output
    (tmp_path / "notes.json").write_text("[1, 2, 3]")
    (tmp_path / "odd.json").write_text('{"year": 2020, "authorities": {"E07000171": 3}}')
    (tmp_path / "image.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    for path in (tmp_path / "notes.json", tmp_path / "odd.json", tmp_path / "image.db", tmp_path / "missing.json"):
        result = runner.invoke(cli, ["compare", "--decisions", str(published / "before.csv"), "--year", "2020",
                                     "--published", str(path)])
        assert result.exit_code == 2, result.output
        assert path.name in result.output and "a bug" not in result.output


def test_the_site_publishes_the_revisions_and_links_them_from_each_changed_councils_page(published, runner, tmp_path):
    first = tmp_path / "first.json"
    first.write_bytes((published / "site" / "data" / "ombudsman-2020.json").read_bytes())
    out = tmp_path / "site"
    result = runner.invoke(cli, ["site", "--decisions", str(published / "after.csv"), "--year", "2020", "--out",
                                 str(out), "--letters", str(tmp_path / "none"), "--published", str(first)])
    assert result.exit_code == 0, result.output
    page = (out / "revisions.html").read_text()
    assert "first.json" in page and "Revisions to the figures for 2019/20" in page
    bassetlaw = page.split('id="E07000171"')[1].split("</table>")[0]
    assert "<th scope=\"row\">Upheld</th><td class=\"numeric\" data-label=\"Published\">2</td><td class=\"numeric\" data-label=\"Now\">3</td>" in bassetlaw
    assert "<th scope=\"row\">Uphold rate</th><td class=\"numeric\" data-label=\"Published\">66.7%</td><td class=\"numeric\" data-label=\"Now\">100.0%</td>" in bassetlaw
    assert 'id="district-council"' in page  # the group's average, once
    council = (out / "councils" / "bassetlaw-district-council.html").read_text()
    assert 'href="../revisions.html#E07000171"' in council
    adur = (out / "councils" / "adur-district-council.html").read_text()  # only its group's average changed
    assert 'href="../revisions.html#district-council"' in adur
    kent = (out / "councils" / "kent-county-council.html").read_text()
    assert "revisions.html" not in kent
    assert 'href="revisions.html"' in (out / "index.html").read_text()
    # Nothing changed: the page says so; without --published there is no page.
    result = runner.invoke(cli, ["site", "--decisions", str(published / "before.csv"), "--year", "2020", "--out",
                                 str(tmp_path / "same"), "--letters", str(tmp_path / "none"), "--published", str(first)])
    assert result.exit_code == 0 and "No figure has changed" in (tmp_path / "same" / "revisions.html").read_text()
    assert not (published / "site" / "revisions.html").exists()
    # A download of another year is refused before anything is written.
    result = runner.invoke(cli, ["site", "--decisions", str(published / "after.csv"), "--year", "2021", "--out",
                                 str(tmp_path / "wrong"), "--letters", str(tmp_path / "none"), "--published", str(first)])
    assert result.exit_code == 1 and "not 2021" in result.output and not (tmp_path / "wrong").exists()
