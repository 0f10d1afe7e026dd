"""Issue 12: the year as an accessible static website. Every page parses, every link resolves, every
figure is the one `stats` and the letter state, and the same inputs give the same bytes."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import openpyxl
import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.publish.letter_html import letter_as_html

from .conftest import ROOT, ROWS, as_text, write_csv

ADUR_PAGE = "councils/adur-district-council.html"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Letters (Word only: PDFs are tested with LibreOffice elsewhere) for three councils, then the site."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("site")
    runner = CliRunner()
    write_csv(folder / "d.csv", as_text(ROWS))
    common = ["--decisions", str(folder / "d.csv"), "--year", "2020"]
    result = runner.invoke(cli, ["letters", *common, "--out", str(folder / "letters"), "--letter-date", "2020-07-22",
                                 "--authority", "Adur", "--authority", "Bassetlaw", "--authority", "Hammersmith and Fulham"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["site", *common, "--letters", str(folder / "letters"), "--out", str(folder / "site"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    stats = runner.invoke(cli, ["stats", *common, "--format", "json"])
    return folder, json.loads(result.stdout), json.loads(stats.stdout)


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_parses_as_html_and_has_one_h1_in_british_english(built):
    site = built[0] / "site"
    assert len(pages(site)) > 300  # every council of the year, and the home, data, about and accessibility pages
    for page in pages(site):
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        document = parser.parse(page.read_bytes())
        assert document.get("lang") == "en-GB", page
        assert len(document.findall(".//h1")) == 1, page
        assert document.find(".//main[@id='main']") is not None and document.find(".//a[@href='#main']") is not None
        levels = [int(e.tag[1]) for e in document.iter() if isinstance(e.tag, str) and re.fullmatch(r"h[1-6]", e.tag)]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (page, levels)  # headings in order
        for table in document.iter("table"):
            assert table.find("caption") is not None, page
            assert all(th.get("scope") in ("col", "row") for th in table.iter("th")), page


def test_every_internal_link_and_file_reference_resolves_and_nothing_comes_from_another_site(built):
    site = built[0] / "site"
    for page in pages(site):
        html = page.read_text()
        for reference in re.findall(r'(?:href|src)="([^"]+)"', html):
            parts = urlsplit(reference)
            if parts.scheme in ("http", "https"):
                assert "href" in html.split(reference)[0][-10:], f"{page}: {reference} is loaded from another site"
                continue
            if reference.startswith("#"):
                assert f'id="{reference[1:]}"' in html, (page, reference)
                continue
            if parts.scheme == "mailto":  # the accessibility statement's contact
                assert re.fullmatch(r"[^@\s]+@[^@\s]+", parts.path), (page, reference)
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), (page, reference)
            assert site.resolve() in target.parents, (page, reference)
    assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="https?:', "".join(p.read_text() for p in pages(site)))


def test_the_home_page_lists_every_council_with_the_figures_of_stats(built):
    folder, _, stats = built
    home = (folder / "site" / "index.html").read_text()
    councils = [a for a in stats["authorities"] if a["authority_type"]]
    assert f"{len(councils)} councils in England, 2019/20" in home
    rows = re.findall(r'<tr data-group="[^"]+">(.*?)</tr>', home, re.S)
    assert len(rows) == len(councils)
    names = [re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1).replace("&amp;", "&") for row in rows]
    assert names == sorted(names)  # without script: in order of name
    bassetlaw = next(row for row in rows if "Bassetlaw" in row)
    # 2019/20: Bassetlaw 2 of 3 upheld (67%), 0 of 1 complied, 1 of 2 remedied; fewer than 10: starred.
    assert ">67%* <span class=\"of\">of 3</span>" in bassetlaw and ">0%* <span class=\"of\">of 1</span>" in bassetlaw
    assert ">50%* <span class=\"of\">of 2</span>" in bassetlaw
    assert f'data-value="{2 / 3:.6f}"' in bassetlaw  # what the script sorts by: the exact rate
    assert 'aria-sort="ascending"' in home and '<form class="filters" id="filters" hidden>' in home


def test_a_council_page_states_the_figures_of_its_letter_and_has_the_letter(built):
    folder = built[0]
    page = (folder / "site" / "councils" / "bassetlaw-district-council.html").read_text()
    letter = letter_as_html(folder / "letters" / "bassetlaw-district-council.docx")
    own, folded = page.split('<details class="letter-details">')
    # The letter's figures (its own words, the 2020 letter's), and the page's, in the page's words.
    for words in ("67% of complaints we investigated were upheld", "This compares to an average of 27% in similar authorities",
                  "In 0% of cases we were satisfied", "In 50% of upheld cases"):
        assert words in letter
    for words in ("67% of complaints we investigated were upheld", "We upheld 2 of the 3 complaints we investigated.",
                  "This compares to an average of 27% in similar councils",
                  "The council did not comply with our recommendations in the one case we recorded.",
                  "The council had put things right before the complaint reached us in 1 of the 2 upheld cases."):
        assert words in own
    # Issue 33: the figures once, then the letter, folded behind a summary that says what it is.
    assert letter in folded and letter not in own
    assert "<summary>Read the letter to Bassetlaw District Council on this page</summary>" in folded
    assert "<svg" in own and '<title id="rates-chart-title">' in own and '<desc id="rates-chart-description">' in own
    assert "Complaints upheld: Bassetlaw District Council 67%; similar councils 27%." in own
    assert "your authority" not in own.lower() and "similar authorities" not in own.lower()
    assert 'href="../letters/bassetlaw-district-council.docx"' in page and ">Word document, " in page
    assert "based on a small number of cases" in page


def test_the_letter_as_html_keeps_its_tables_accessible(built):
    folder = built[0]
    letter = letter_as_html(folder / "letters" / "adur-district-council.docx")  # the 2020 letter: no tables
    assert "<h3>Annual Review letter 2020</h3>" in letter and "<h1>" not in letter and "<h2>" not in letter
    generic = folder / "generic.docx"
    from datetime import date

    from ombudsman_cli.data.validation import load_decisions
    from ombudsman_cli.letters.context import letter_context
    from ombudsman_cli.letters.rendering import DocumentProperties, LetterRenderer
    from ombudsman_cli.stats import compute_statistics
    from ombudsman_cli.years import BusinessYear

    from .conftest import ADUR, ROOT

    register = __import__("ombudsman_cli.data.register", fromlist=["load_register"]).load_register()
    records = load_decisions(folder / "d.csv", register).records
    entry = compute_statistics(records, register, BusinessYear(2020)).find(ADUR)
    generic.write_bytes(LetterRenderer(ROOT / "letter_templates" / "annual-review-letter.docx",
                                       DocumentProperties("Annual Review letter 2020", date(2020, 7, 22))).render(
        letter_context(entry, date(2020, 7, 22))))
    html = letter_as_html(generic)
    assert '<caption class="visually-hidden">Decisions by outcome</caption>' in html
    assert '<th scope="col"><p><strong>Outcome</strong></p></th>' in html and '<th scope="row"><p>Upheld</p></th>' in html
    assert letter_as_html(generic) == letter_as_html(generic, fast=False)  # ElementTree in place of minidom: the same
    # Issue 19: mammoth drops the Word chart; the page's chart takes its place, just above the words about it.
    chart = '<svg role="img"><title>Your authority beside similar authorities</title></svg>'
    with_chart = letter_as_html(generic, chart)
    assert with_chart == letter_as_html(generic, chart, fast=False)
    key = "Solid bars: your authority"
    assert f'<figure class="figure">{chart}</figure><p>{key}' in with_chart
    assert "ombudsman-chart" not in html and "ombudsman-chart" not in with_chart


def test_the_fast_reader_gives_mammoths_own_html_for_whatever_a_template_holds(tmp_path):
    """A team's own template may hold what ours do not: lists, highlights, breaks, links, comments, entities,
    alternate content. The fast reader (ElementTree, remembered styles) must give mammoth's own HTML."""
    import io
    import zipfile

    import docx
    from docx.enum.text import WD_BREAK, WD_COLOR_INDEX

    document = docx.Document()
    document.add_heading("Annual review", 1)
    document.add_heading("Our findings", 3)
    for style in ("List Bullet", "List Bullet 2", "List Number", "List Number", "Quote", "Intense Quote"):
        document.add_paragraph(f"An item in {style}", style=style)
    paragraph = document.add_paragraph()
    for text, attribute in (("bold", "bold"), ("italic", "italic"), ("underlined", "underline"), ("struck", "strike"),
                            ("small capitals", "small_caps"), ("capitals", "all_caps")):
        run = paragraph.add_run(f"{text} ")
        setattr(run.font, attribute, True)
    paragraph.add_run("highlighted").font.highlight_color = WD_COLOR_INDEX.YELLOW
    paragraph.add_run("strong").style = "Strong"
    paragraph.add_run().add_break(WD_BREAK.LINE)
    paragraph.add_run("after a break")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 1).text = "Upheld", "67%"
    source = io.BytesIO()
    document.save(source)
    # Paragraphs of one style in two lists, one bulleted and one numbered: the same style, different numbering.
    nested = "".join(f'<w:p><w:pPr><w:pStyle w:val="ListBullet"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="{number}"/>'
                     f'</w:numPr></w:pPr><w:r><w:t>{kind}</w:t></w:r></w:p>' for number, kind in ((1, "bulleted"), (9, "numbered")))
    extra = nested + ('<!-- a comment --><?an-instruction here?><w:p><w:r><w:t xml:space="preserve"> R&amp;D &lt;tag&gt; '
             '&#8364;5 </w:t></w:r></w:p><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/'
             'markup-compatibility/2006"><mc:Choice Requires="w14"><w:p><w:r><w:t>choice</w:t></w:r></w:p></mc:Choice>'
             '<mc:Fallback><w:p><w:r><w:t>fallback</w:t></w:r></w:p></mc:Fallback></mc:AlternateContent>')
    path = tmp_path / "own.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as target:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:sectPr", extra.encode() + b"<w:sectPr", 1)
            target.writestr(info, data)
    html = letter_as_html(path)
    assert html == letter_as_html(path, fast=False) == letter_as_html(path)  # read again: its parts remembered
    for expected in ("<ul><li>An item in List Bullet", "<ol><li>An item in List Number", "<strong>bold </strong>",
                     "<em>italic </em>", "<s>struck </s>", "R&amp;D &lt;tag&gt; €5", "fallback", "<table>",
                     "<ul><li>bulleted</li></ul><ol><li>numbered</li></ol>"):
        assert expected in html
    assert "choice" not in html and "a comment" not in html


def test_a_council_without_a_letter_gets_its_page_with_a_note(built):
    page = (built[0] / "site" / "councils" / "ashfield-district-council.html").read_text()
    assert "The letter to this council is not published yet." in page and "<article" not in page
    assert "there is no uphold rate to report" in page  # Ashfield: nothing investigated


def test_the_data_is_the_export_four_ways(built, runner, tmp_path):
    folder = built[0]
    data = folder / "site" / "data"
    export = runner.invoke(cli, ["export", "--decisions", str(folder / "d.csv"), "--year", "2020", "--format", "json"])
    assert json.loads((data / "ombudsman-2020.json").read_text()) == json.loads(export.stdout)
    exported = runner.invoke(cli, ["export", "--decisions", str(folder / "d.csv"), "--year", "2020"])
    assert (data / "ombudsman-2020.csv").read_text() == exported.stdout
    with sqlite3.connect(data / "ombudsman-2020.db") as database:
        row = database.execute("select upheld, investigated, uphold_rate from authorities where code = 'E07000171'").fetchone()
        groups = [r[0] for r in database.execute("select [group] from groups order by rowid")]
    assert row == (2, 3, 2 / 3) and groups[-1] == "England" and "District Council" in groups
    workbook = openpyxl.load_workbook(data / "ombudsman-2020.xlsx")
    sheet = workbook["Authorities"]
    header = [c.value for c in sheet[1]]
    bassetlaw = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "E07000171")
    assert bassetlaw[header.index("uphold_rate")] == 2 / 3
    page = (folder / "site" / "data.html").read_text()
    assert "ombudsman-2020.db" in page and "(SQLite database, " in page and "datasette ombudsman-2020.db" in page


def test_the_manifest_lists_every_file_with_its_sha256(built):
    site = built[0] / "site"
    with (site / "manifest.csv").open(newline="") as handle:
        rows = {r["file"]: r for r in csv.DictReader(handle)}
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {"manifest.csv"}
    assert set(rows) == files
    for name, row in rows.items():
        content = (site / name).read_bytes()
        assert row["sha256"] == hashlib.sha256(content).hexdigest() and int(row["bytes"]) == len(content)
    assert built[1]["files"] == len(files)


def test_the_same_inputs_give_the_same_bytes(built, runner):
    folder = built[0]
    result = runner.invoke(cli, ["site", "--decisions", str(folder / "d.csv"), "--year", "2020", "--letters",
                                 str(folder / "letters"), "--out", str(folder / "again")])
    assert result.exit_code == 0, result.output
    assert (folder / "again" / "manifest.csv").read_bytes() == (folder / "site" / "manifest.csv").read_bytes()


def test_a_folder_that_is_not_a_site_is_never_replaced(runner, tmp_path):
    write_csv(tmp_path / "d.csv", as_text(ROWS))
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.txt").write_text("years of work")
    result = runner.invoke(cli, ["site", "--decisions", str(tmp_path / "d.csv"), "--year", "2020",
                                 "--out", str(tmp_path / "precious"), "--letters", str(tmp_path / "none")])
    assert result.exit_code == 1 and "holds no site made by ombudsman" in result.output
    assert (tmp_path / "precious" / "thesis.txt").read_text() == "years of work"


def test_a_template_error_names_the_template(runner, tmp_path):
    from .conftest import ROOT

    write_csv(tmp_path / "d.csv", as_text(ROWS))
    templates = tmp_path / "templates"
    import shutil

    shutil.copytree(ROOT / "letter_templates" / "site", templates)
    (templates / "council.html").write_text((templates / "council.html").read_text().replace(
        "{{ council.name }}</h1>", "{{ council.nmae }}</h1>"))
    result = runner.invoke(cli, ["site", "--decisions", str(tmp_path / "d.csv"), "--year", "2020", "--out",
                                 str(tmp_path / "out"), "--templates", str(templates), "--letters", str(tmp_path / "none")])
    assert result.exit_code == 1 and "site template council.html cannot be used" in result.output
    assert "nmae" in result.output and not (tmp_path / "out").exists()


def test_serve_serves_the_site_on_localhost(built):
    folder = built[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "ombudsman_cli", "site", "--decisions", str(folder / "d.csv"), "--year", "2020",
         "--letters", str(folder / "letters"), "--out", str(folder / "served"), "--serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address = None
        deadline = time.monotonic() + 60
        while address is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/index\.html)", line)
            address = found.group(1) if found else None
        assert address, "no address printed"
        with urllib.request.urlopen(address, timeout=10) as response:
            assert "Your council's performance: 2019/20" in response.read().decode()
        with urllib.request.urlopen(address.replace("index.html", ADUR_PAGE), timeout=10) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_the_preview_server_collects_its_garbage(built, runner, monkeypatch):
    """A command pauses the cycle collector (it is one batch); serving lasts until Ctrl-C, so the collector
    runs while it serves, and the command's pause ends with it."""
    import gc
    import http.server

    seen = []
    monkeypatch.setattr(http.server.ThreadingHTTPServer, "serve_forever", lambda self: seen.append(gc.isenabled()))
    folder = built[0]
    result = runner.invoke(cli, ["site", "--decisions", str(folder / "d.csv"), "--year", "2020", "--letters",
                                 str(folder / "letters"), "--out", str(folder / "served-gc"), "--serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert seen == [True] and gc.isenabled()


def test_a_rate_per_residents_on_few_upheld_decisions_is_marked_wherever_rates_are_compared(built):
    """Issue 19: Bassetlaw's rate per 100,000 residents rests on 2 upheld decisions: starred in the table of
    councils, cautioned on its page, which also states the year's total decisions beside the rates."""
    from lxml import html as lxml_html

    record = next(a for a in built[2]["authorities"] if a["code"] == "E07000171")
    assert record["upheld"] == 2 and "upheld_per_100k" in record["small_numbers"]
    home = lxml_html.fromstring((built[0] / "site" / "index.html").read_text())
    row = next(r for r in home.iter("tr") if r.findtext("th/a") == "Bassetlaw District Council")
    assert row.findall("td")[-1].text_content().strip() == f"{record['upheld_per_100k']:.1f}*"
    page = " ".join(lxml_html.fromstring((built[0] / "site" / "councils" / "bassetlaw-district-council.html")
                                         .read_text()).text_content().split())
    figures = page[page.index("Upheld decisions per 100,000 residents"):page.index("Based on a population")]
    assert "This figure is based on a small number of cases and should be read with care." in figures
    assert f"In all, we made {record['decisions']} decisions about Bassetlaw District Council in the year." in page


def test_the_trend_leaves_out_a_year_without_figures_and_downloads_say_what_they_are(built):
    """Issue 19: the export has Bassetlaw in 2018/19 but no year before: no column of dashes for 2017/18.
    The download links read "Word document, 14 KB", their accessible names naming the council."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring((built[0] / "site" / "councils" / "bassetlaw-district-council.html").read_text())
    trend = next(t for t in page.iter("table") if t.findtext("caption").startswith("Bassetlaw District Council: each"))
    assert [" ".join(th.text_content().split()) for th in trend.find("thead").iter("th")] == [
        "Statistic", "2019/20", "2018/19"]
    assert all(len(row.findall("td")) == 2 for row in trend.find("tbody").iter("tr"))
    links = page.xpath("//ul[@class='downloads']//a")
    assert links and links[0].text == "Word document, " + links[0].text.split(", ")[1]
    assert links[0].text.endswith(" KB") and "(" not in links[0].text_content()
    assert links[0].text_content().endswith(": the letter to Bassetlaw District Council")


def statement_of(tmp_path, config: str, epoch: int) -> str:
    from click.testing import CliRunner
    from lxml import html as lxml_html

    write_csv(tmp_path / "d.csv", as_text(ROWS))
    (tmp_path / "ombudsman.toml").write_text(f'[files]\ndecisions = "d.csv"\n{config}')
    result = CliRunner().invoke(cli, ["site", "--config", str(tmp_path / "ombudsman.toml"), "--year", "2020",
                                      "--out", str(tmp_path / "site")], env={"SOURCE_DATE_EPOCH": str(epoch)})
    assert result.exit_code == 0, result.output
    return " ".join(lxml_html.fromstring((tmp_path / "site" / "accessibility.html").read_text()).text_content().split())


def test_the_accessibility_statement_follows_the_gov_uk_model_dated_by_the_build(tmp_path):
    """Issue 19: contact email and response time from [site], known limits, how it was tested, the EASS,
    dated by the build ($SOURCE_DATE_EPOCH), and no WCAG version the date could not have known."""
    text = statement_of(tmp_path, '[site]\ncontact_email = "access@lgo.example.org"\nresponse_days = 5\n', 1609459200)
    assert "email access@lgo.example.org" in text and "get back to you in 5 working days" in text
    assert "Equality Advisory and Support Service (EASS)" in text and "Enforcement procedure" in text
    assert "This statement was prepared on 1 January 2021" in text  # the build's date, not the letters'
    assert "version 2.1 AA" in text and "2.2" not in text  # WCAG 2.2 was published on 5 October 2023
    assert "the charts are pictures with a description" in text and "axe-core 4.14" in text
    assert "fully compliant" not in text.replace("aim to be fully compliant", "")  # no claim beyond what is known


def test_the_statement_says_the_tested_axe_core_version_and_takes_the_letters_address_by_default(tmp_path):
    pinned = json.loads((ROOT / "tests" / "browser" / "package.json").read_text())["devDependencies"]["axe-core"]
    template = (ROOT / "letter_templates" / "site" / "accessibility.html").read_text()
    assert f"axe-core {'.'.join(pinned.split('.')[:2])}," in template
    text = statement_of(tmp_path, '[email]\nreply_to = "annual.reviews@lgo.example.org"\n', 1764374400)
    assert "email annual.reviews@lgo.example.org" in text and "version 2.2 AA" in text
    assert "10 working days" in text  # the default


def test_the_statement_says_when_the_pages_were_last_tested_not_when_they_were_built(tmp_path):
    """Issue 31: the GOV.UK model's "This website was last tested on [date]": the date of the test, from the
    templates' record (tested.toml) or the publisher's own ([site] last_tested, tested_by), never the build's."""
    import tomllib

    record = tomllib.loads((ROOT / "letter_templates" / "site" / "tested.toml").read_text(encoding="utf-8"))
    tested = f"{record['date'].day} {record['date']:%B %Y}"
    (tmp_path / "bundled").mkdir()
    (tmp_path / "own").mkdir()
    text = statement_of(tmp_path / "bundled", "", 1609459200)
    assert f"These pages were last tested on {tested}. The test was carried out by {record['by']}." in text
    assert "This statement was prepared on 1 January 2021" in text and tested != "1 January 2021"
    own = statement_of(tmp_path / "own", '[site]\nlast_tested = 2027-06-30\ntested_by = "Access Audits Ltd"\n',
                       1609459200)
    assert "These pages were last tested on 30 June 2027. The test was carried out by Access Audits Ltd." in own
    assert tested not in own


def test_the_templates_record_of_their_test_is_no_older_than_their_last_change():
    """tested.toml's date vouches for the templates as they are: a change to them (committed, or in the
    working tree) after that date needs the browser tests run again and the date moved."""
    import subprocess
    import tomllib
    from datetime import date

    site = ROOT / "letter_templates" / "site"
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: the templates' history is not here")
    tested = tomllib.loads((site / "tested.toml").read_text(encoding="utf-8"))["date"]
    others = [str(site), f":(exclude){site / 'tested.toml'}"]
    changed = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", *others],
                             capture_output=True, text=True, check=True).stdout.strip()
    committed = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%cs", "--", *others],
                               capture_output=True, text=True, check=True).stdout.strip()
    last_change = date.today() if changed else date.fromisoformat(committed) if committed else None
    assert last_change is None or tested >= last_change, (
        f"the site templates changed on {last_change}, after their last recorded accessibility test ({tested}): "
        "run the browser tests (-m browser) and move the date in letter_templates/site/tested.toml")


def test_pages_from_templates_with_no_record_of_a_test_say_so(tmp_path, runner):
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "letter_templates" / "site", templates)
    (templates / "tested.toml").unlink()
    write_csv(tmp_path / "d.csv", as_text(ROWS))
    result = runner.invoke(cli, ["site", "--decisions", str(tmp_path / "d.csv"), "--year", "2020", "--out",
                                 str(tmp_path / "site"), "--templates", str(templates)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "site" / "accessibility.html").read_text(encoding="utf-8")
    assert "have not been tested for accessibility since the templates they are made from last changed" in text
    assert "last tested on" not in text
    (templates / "tested.toml").write_text("date = 'soon'\n")
    result = runner.invoke(cli, ["site", "--decisions", str(tmp_path / "d.csv"), "--year", "2020", "--out",
                                 str(tmp_path / "site"), "--templates", str(templates)])
    assert result.exit_code == 1 and "tested.toml must give the date of the last accessibility test" in result.output


def test_a_test_without_its_date_is_refused(tmp_path, runner):
    (tmp_path / "ombudsman.toml").write_text('[site]\ntested_by = "someone"\n')
    result = runner.invoke(cli, ["site", "--config", str(tmp_path / "ombudsman.toml"), "--year", "2020"])
    assert result.exit_code == 2 and "[site] tested_by needs last_tested" in result.output
    (tmp_path / "ombudsman.toml").write_text('[site]\nlast_tested = "last week"\n')
    result = runner.invoke(cli, ["site", "--config", str(tmp_path / "ombudsman.toml"), "--year", "2020"])
    assert result.exit_code == 2 and "[site] last_tested must be the date of the test" in result.output


def test_a_bad_site_setting_is_refused_by_name(tmp_path, runner):
    (tmp_path / "ombudsman.toml").write_text("[site]\nresponse_days = 0\n")
    result = runner.invoke(cli, ["site", "--config", str(tmp_path / "ombudsman.toml"), "--year", "2020"])
    assert result.exit_code == 2 and "[site] response_days must be a whole number of at least 1" in result.output


def test_the_data_names_its_licence_publisher_build_and_source_and_describes_every_column(built):
    """Issue 19: the data page and every download say what they are: licence (OGL v3 by default), publisher,
    the build's date, the export they were made from with its SHA-256, and every column's meaning."""
    import hashlib
    import sqlite3

    from lxml import html as lxml_html

    from ombudsman_cli.publish.columns import AUTHORITY_COLUMNS
    from ombudsman_cli.stats import EXPORT_FIELDS

    site = built[0] / "site"
    source = built[0] / "d.csv"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    page = " ".join(" ".join(lxml_html.fromstring((site / "data.html").read_text()).itertext()).split())
    assert "Licence Open Government Licence v3.0" in page and "Publisher Local Government and Social Care Ombudsman" in page
    assert f"Made from d.csv (SHA-256 {digest}" in page
    assert "open-government-licence/version/3/" in (site / "data.html").read_text()
    assert [c.name for c in AUTHORITY_COLUMNS] == list(EXPORT_FIELDS)
    for column in AUTHORITY_COLUMNS:
        assert column.name in page and column.description in page and column.datatype in ("string", "integer", "decimal")
    # The database says the same, for Datasette and for anyone opening the file.
    database = sqlite3.connect(site / "data" / "ombudsman-2020.db")
    described = {(t, c): d for t, c, d in database.execute("select table_name, column_name, description from columns")}
    tables = {t: [r[1] for r in database.execute(f"pragma table_info({t})")] for t in ("authorities", "groups")}
    assert all((t, c) in described for t, names in tables.items() for c in names)
    metadata = json.loads((site / "data" / "metadata.json").read_text())
    assert metadata["license"] == "Open Government Licence v3.0" and digest in metadata["source"]
    tables_metadata = metadata["databases"]["ombudsman-2020"]["tables"]
    assert set(tables_metadata["authorities"]["columns"]) == set(tables["authorities"])


def test_the_csv_on_the_web_metadata_validates_the_csv_with_the_csvw_package(built, tmp_path):
    """W3C CSVW metadata beside the CSV: titles, datatypes, primary key, licence; the csvw package reads the
    CSV against it, and a cell of the wrong type is caught (so the check checks)."""
    import shutil

    from csvw import CSVW

    data = built[0] / "site" / "data"
    metadata = json.loads((data / "ombudsman-2020.csv-metadata.json").read_text())
    assert metadata["url"] == "ombudsman-2020.csv" and metadata["tableSchema"]["primaryKey"] == "code"
    assert metadata["dc:license"] == {"@id": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
    table = CSVW(str(data / "ombudsman-2020.csv-metadata.json"), validate=True)
    assert table.is_valid, [str(w.message) for w in table.warnings]
    rows = list(table.tables[0].iterdicts())
    assert {row["code"] for row in rows} >= {"E07000171", "E07000223"}
    assert all(isinstance(row["decisions"], int) for row in rows)
    for name in ("ombudsman-2020.csv", "ombudsman-2020.csv-metadata.json"):
        shutil.copy(data / name, tmp_path / name)
    lines = (tmp_path / "ombudsman-2020.csv").read_text(encoding="utf-8").split("\n")
    cells = lines[1].split(",")
    cells[5] = "many"  # decisions: an integer column
    lines[1] = ",".join(cells)
    (tmp_path / "ombudsman-2020.csv").write_text("\n".join(lines), encoding="utf-8")
    assert not CSVW(str(tmp_path / "ombudsman-2020.csv-metadata.json"), validate=True).is_valid


def test_a_council_with_no_rate_gets_no_chart_on_its_page_as_in_its_letter(built):
    """Ashfield had decisions but no detailed investigation and no compliance outcome: no chart of the averages
    alone; the averages are still in a table."""
    page = (built[0] / "site" / "councils" / "ashfield-district-council.html").read_text()
    assert "<svg" not in page and "Ashfield District Council beside the average of similar councils" in page
    assert "<svg" in (built[0] / "site" / "councils" / "bassetlaw-district-council.html").read_text()


@pytest.fixture(scope="module")
def nine_letters(tmp_path_factory):
    """Letters for nine councils: enough for the site to convert them in worker processes."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("nine")
    write_csv(folder / "d.csv", as_text(ROWS))
    names = ["Adur", "Ashfield", "Babergh", "Bassetlaw", "Hammersmith and Fulham", "Isles of Scilly", "Leeds",
             "Cornwall", "Barnet"]
    result = CliRunner().invoke(cli, ["letters", "--decisions", str(folder / "d.csv"), "--year", "2020", "--out",
                                      str(folder / "letters"), "--letter-date", "2020-07-22",
                                      *[a for name in names for a in ("--authority", name)]])
    assert result.exit_code == 0, result.output
    assert len(list((folder / "letters").glob("*.docx"))) == 9
    return folder


def test_letters_converted_by_worker_processes_give_the_same_site_as_one_process(nine_letters, runner):
    folder = nine_letters
    for jobs in ("1", "2"):
        result = runner.invoke(cli, ["site", "--decisions", str(folder / "d.csv"), "--year", "2020", "--letters",
                                     str(folder / "letters"), "--out", str(folder / f"site-{jobs}"), "--jobs", jobs])
        assert result.exit_code == 0, result.output
    assert (folder / "site-2" / "manifest.csv").read_bytes() == (folder / "site-1" / "manifest.csv").read_bytes()
    page = (folder / "site-2" / "councils" / "council-of-the-isles-of-scilly.html").read_text()
    assert "<article" in page and "Isles of Scilly" in page


def test_a_letter_that_is_not_a_word_document_is_named_and_no_site_is_written(nine_letters, runner, tmp_path):
    import shutil

    from ombudsman_cli.letters.manifest import file_sha256

    letters = tmp_path / "letters"
    shutil.copytree(nine_letters / "letters", letters)
    broken = letters / "leeds-city-council.docx"
    broken.write_bytes(b"not a zip at all")
    manifest = (letters / "manifest.csv").read_text(encoding="utf-8")
    row = next(line for line in manifest.splitlines() if "leeds-city-council.docx" in line)
    sha256 = next(field for field in row.split(",") if re.fullmatch(r"[0-9a-f]{64}", field))
    # As if the file had been made so: the manifest vouches for it, so only reading it can find the fault.
    (letters / "manifest.csv").write_text(manifest.replace(sha256, file_sha256(broken) or ""), encoding="utf-8")
    for jobs in ("1", "2"):
        result = runner.invoke(cli, ["site", "--decisions", str(nine_letters / "d.csv"), "--year", "2020",
                                     "--letters", str(letters), "--out", str(tmp_path / "site"), "--jobs", jobs])
        assert result.exit_code == 1, result.output
        assert "leeds-city-council.docx cannot be read as a Word document" in result.output
        assert "a bug" not in result.output and not (tmp_path / "site").exists()


def test_a_letter_file_changed_since_it_was_made_is_left_off_its_page_with_a_note(runner, letters_folder):
    """Issue 31: a changed PDF is said as a changed Word letter is, not left off in silence."""
    with (letters_folder / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pdf_changed, word_changed = rows[0], rows[1]
    with (letters_folder / pdf_changed["pdf"]).open("ab") as handle:
        handle.write(b"% edited after it was made\n")
    with (letters_folder / word_changed["file"]).open("ab") as handle:
        handle.write(b"edited")
    result = runner.invoke(cli, ["site", "--year", "2020", "--out", "site"])
    assert result.exit_code == 0, result.output
    assert (f"Note: {pdf_changed['pdf']} is missing or changed since it was made (its SHA-256 is not the manifest's): "
            "its page offers the Word letter only") in result.stderr
    assert f"Note: {word_changed['file']} is missing or changed since it was made" in result.stderr
    page = (Path("site") / "councils" / pdf_changed["file"].replace(".docx", ".html")).read_text(encoding="utf-8")
    assert f'href="../letters/{pdf_changed["file"]}"' in page and pdf_changed["pdf"] not in page
    assert not (Path("site") / "letters" / pdf_changed["pdf"]).exists()
    (letters_folder / pdf_changed["pdf"]).unlink()  # gone is said the same way
    result = runner.invoke(cli, ["site", "--year", "2020", "--out", "site", "--format", "json"])
    assert result.exit_code == 0 and any(note.startswith(f"{pdf_changed['pdf']} is missing or changed")
                                         for note in json.loads(result.stdout)["notes"])


@pytest.mark.parametrize("narrow", [False, True])
def test_the_pages_chart_has_a_scale_its_bars_are_measured_against(narrow):
    """Issue 33: the chart gets an axis, on the page as in the letter: 0% to 100% in quarters, each bar as long
    as its rate along it, and the remedy's label (with its note, the longest) on two lines beside the bars."""
    import re

    from ombudsman_cli.letters.chart import chart_svg

    rows = [{"label": "Complaints upheld", "yours": "40%", "average": "over 99%", "yours_percent": 40, "average_percent": 100},
            {"label": "Compliance with recommendations", "yours": "75%", "average": "50%", "yours_percent": 75,
             "average_percent": 50},
            {"label": "Satisfactory remedy provided by the authority", "yours": "no rate", "average": "15%",
             "yours_percent": None, "average_percent": 15}]
    chart = {"rows": rows, "title": "t", "description": "d", "public_title": "t", "public_description": "d"}
    wide, phone = re.findall(r"<svg .*?</svg>", chart_svg(chart, public=True), re.S)
    svg = phone if narrow else wide
    ticks = {text: float(x) for x, text in re.findall(r'<text x="([\d.]+)"[^>]*class="chart__scale">([^<]+)</text>', svg)}
    assert list(ticks) == ["0%", "25%", "50%", "75%", "100%"]
    zero, full = ticks["0%"], ticks["100%"]
    assert [ticks[t] for t in ("25%", "50%", "75%")] == pytest.approx([zero + (full - zero) * q / 4 for q in (1, 2, 3)],
                                                                     abs=0.5)
    bars = [(float(x), float(w)) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="19"', svg)]
    # By hand: 40% and 100%, 75% and 50%, then only the average's 15% (no bar for no rate).
    assert [(x, round(w / (full - zero) * 100)) for x, w in bars] == [(zero, 40), (zero, 100), (zero, 75), (zero, 50),
                                                                      (zero, 15)]
    if not narrow:
        remedy = re.findall(r"<tspan[^>]*>([^<]+)</tspan>", svg)[-2:]
        assert " ".join(remedy) == "Satisfactory remedy provided by the council (no rate for this council)"
