"""Issue 12, in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven by Selenium
opens the built site from the disk, injects axe-core 4 (the engine's own npm package, in tests/browser)
and asks it for every violation of the WCAG 2.0, 2.1 and 2.2 A and AA rules, at a desktop and a phone
width. Then the script's sorting and filtering, which must keep the page accessible too.

`.ci/run` installs Chromium, ChromeDriver and axe-core; without them these tests are skipped.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ombudsman_cli.cli import cli

from .conftest import ROWS, as_text, write_csv

AXE = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER and AXE.is_file()),
                       reason="Chromium, chromedriver and axe-core (npm ci --prefix tests/browser) are installed by .ci/run"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("browser")
    runner = CliRunner()
    # Adur: with these, 4 of 18 upheld, a rate on enough cases, below Kent's 1 of 1.
    adur = [[f"AD{n}", "Adur District Council", "01/06/2019", "Upheld" if n < 3 else "Not upheld", "", "", ""]
            for n in range(10)]
    write_csv(folder / "d.csv", as_text(ROWS) + [["C1", "Kent County Council", "01/05/2019", "Upheld", "yes", "complied",
                                                    "01/09/2019"]] + as_text(adur))
    common = ["--decisions", str(folder / "d.csv"), "--year", "2020"]
    assert runner.invoke(cli, ["letters", *common, "--out", str(folder / "letters"), "--letter-date", "2020-07-22",
                               "--template", str(Path(__file__).resolve().parents[1] / "letter_templates" /
                                                 "annual-review-letter.docx"),
                               "--authority", "Bassetlaw", "--authority", "Kent"]).exit_code == 0
    result = runner.invoke(cli, ["site", *common, "--letters", str(folder / "letters"), "--out", str(folder / "site")])
    assert result.exit_code == 0, result.output
    return folder / "site"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--allow-file-access-from-files"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def violations(browser, url: str, width: tuple[int, int]) -> list[str]:
    browser.set_window_size(*width)
    browser.get(url)
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ', e.g. ' +"
        " v.nodes[0].target.join(' ') + ')')), e => done(['axe failed: ' + e]));", WCAG_AA)
    return list(result)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("page", ["index.html", "councils/bassetlaw-district-council.html",
                                  "councils/kent-county-council.html", "data.html", "about.html", "accessibility.html",
                                  "groups/district-council.html"])
def test_pages_pass_axe_core_wcag_2_2_aa(site, browser, page, width):
    assert violations(browser, (site / page).as_uri(), WIDTHS[width]) == []


def test_the_table_sorts_and_filters_and_says_so(site, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(*WIDTHS["desktop"])
    browser.get((site / "index.html").as_uri())
    table = browser.find_element(By.ID, "councils")
    headings = table.find_elements(By.CSS_SELECTOR, "thead th")
    assert headings[0].get_attribute("aria-sort") == "ascending"
    headings[2].find_element(By.TAG_NAME, "button").click()  # complaints upheld, highest first
    assert headings[2].get_attribute("aria-sort") == "descending" and headings[0].get_attribute("aria-sort") is None
    first = table.find_element(By.CSS_SELECTOR, "tbody tr th").text
    assert first == "Kent County Council"  # 1 of 1 upheld: 100%
    assert "in descending order of complaints upheld" in table.find_element(By.TAG_NAME, "caption").get_attribute("textContent")
    # Issue 19: rates on few cases keep their asterisk when sorted, and can be put last.
    browser.find_element(By.ID, "filter-few-last").click()
    first = table.find_element(By.CSS_SELECTOR, "tbody tr")
    assert first.find_element(By.TAG_NAME, "th").text == "Adur District Council"  # 22% of 18, before Kent's 100%*
    few = [row.find_elements(By.TAG_NAME, "td")[1].get_attribute("data-few") is not None
           for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert few == sorted(few) and True in few  # every rate on few cases after every other
    assert all(row.find_elements(By.TAG_NAME, "td")[1].text.split(" ")[0].endswith("*")
               for row, is_few in zip(table.find_elements(By.CSS_SELECTOR, "tbody tr"), few) if is_few)
    assert "rates on few cases last" in table.find_element(By.TAG_NAME, "caption").get_attribute("textContent")
    browser.find_element(By.ID, "filter-name").send_keys("bassetlaw")
    shown = [row for row in table.find_elements(By.CSS_SELECTOR, "tbody tr") if row.is_displayed()]
    assert [row.find_element(By.TAG_NAME, "th").text for row in shown] == ["Bassetlaw District Council"]
    assert "Showing 1 of" in browser.find_element(By.ID, "filter-status").text
    assert table.find_element(By.TAG_NAME, "caption").get_attribute("textContent").startswith("1 of ")  # counted
    shown_caption = browser.find_element(By.XPATH, "//div[table[@id='councils']]/preceding-sibling::p[1]")
    assert "table__caption" in shown_caption.get_attribute("class") and shown_caption.text.startswith("1 of ")
    browser.find_element(By.ID, "filter-name").send_keys("zzz")  # issue 19: say so when nothing matches
    assert browser.find_element(By.ID, "filter-status").text == "No councils match."
    # The sort arrows are decoration: the buttons' names are the headings' words alone (issue 19).
    names = [b.accessible_name for b in table.find_elements(By.CSS_SELECTOR, "thead th button")]
    assert names and not [n for n in names if re.search("[▲▼↕]", n)] and names[0].strip() == names[0]
    assert violations(browser, browser.current_url, WIDTHS["desktop"]) == []  # after: still accessible


def test_without_javascript_no_control_is_shown_that_does_nothing(site, browser):
    """The filter form needs script: its hidden attribute must win over the layout's display (issue 19)."""
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get((site / "index.html").as_uri())
        assert not browser.find_element(By.ID, "filters").is_displayed()
        assert not browser.find_elements(By.CSS_SELECTOR, "thead th button")  # plain headings, no sort buttons
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


@pytest.mark.parametrize("page", ["index.html", "councils/kent-county-council.html", "about.html"])
def test_pages_reflow_at_320_pixels_without_scrolling_sideways(site, browser, page):
    # WCAG 1.4.10: at 320 CSS pixels (400% zoom of a 1280 pixel window) nothing but a data table scrolls
    # sideways, and a table scrolls inside its own region.
    browser.set_window_size(320, 900)
    browser.get((site / page).as_uri())
    wide = browser.execute_script(
        "const width = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrapper') && e.offsetParent)"
        ".map(e => e.tagName + '.' + e.className);")
    assert wide == []
    assert browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_without_script_the_page_lists_every_council_in_order(site):
    html = (site / "index.html").read_text()
    assert '<form class="filters" id="filters" hidden>' in html  # the filters need the script: hidden without it


@pytest.mark.parametrize("width", [1280, 375, 320])
def test_the_chart_text_is_readable_at_every_width(site, browser, width):
    """Issue 19: SVG text scales with its drawing, so each chart's labels, figures and key are measured as
    shown: 12 pixels or more at desktop, phone and 320-pixel widths."""
    browser.set_window_size(width, 900)
    browser.get((site / "councils" / "bassetlaw-district-council.html").as_uri())
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.chart')).filter(s => s.getBoundingClientRect().width > 0)"
        ".flatMap(s => { const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;"
        " return Array.from(s.querySelectorAll('text')).map(t => parseFloat(getComputedStyle(t).fontSize) * scale); });")
    assert sizes and min(sizes) >= 12, sizes


@pytest.mark.parametrize("width", [375, 320])
def test_on_a_phone_the_councils_are_cards_and_captions_stay_whole(site, browser, width):
    """Issue 19: each council's figures without sideways scrolling, each figure labelled; every table's
    caption inside the width it is shown in (not cut off by its scrolling region)."""
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 900)
    browser.get((site / "index.html").as_uri())
    table = browser.find_element(By.ID, "councils")
    wrapper = table.find_element(By.XPATH, "..")
    assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth + 1;", wrapper)
    card = next(row for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
                if row.find_element(By.TAG_NAME, "th").text == "Bassetlaw District Council")
    labels = browser.execute_script(
        "return Array.from(arguments[0].querySelectorAll('td')).map(td => getComputedStyle(td, '::before').content);",
        card)
    assert all("Complaints upheld" in label or "Comparison group" in label or "Compliance" in label
               or "Satisfactory remedy" in label or "Upheld per 100,000" in label for label in labels), labels
    for page in ("index.html", "councils/bassetlaw-district-council.html"):
        browser.get((site / page).as_uri())
        # Each table's visible caption stands whole above its scrolling region, inside the page's width.
        misplaced = browser.execute_script(
            "const width = document.documentElement.clientWidth;"
            "return Array.from(document.querySelectorAll('main .table-wrapper:not(.letter *)')).filter(w => {"
            " const c = w.previousElementSibling; if (!c || !c.classList.contains('table__caption')) { return true; }"
            " const r = c.getBoundingClientRect();"
            " return r.right > width + 1 || r.left < 0 || r.bottom > w.getBoundingClientRect().top + 1; })"
            ".map(w => w.getAttribute('aria-labelledby'));")
        assert misplaced == [], (page, misplaced)
    assert violations(browser, (site / "index.html").as_uri(), (width, 900)) == []


def test_the_home_page_of_the_national_run_prints_on_a_few_pages(browser, tmp_path, monkeypatch):
    """Issue 19: the table of 343 councils printed on A4 took 29 pages; compact print styles fit it in ten."""
    import base64
    import io

    import pikepdf
    from click.testing import CliRunner

    from .conftest import ROOT

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["site", "--year", "2020", "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    browser.get((tmp_path / "site" / "index.html").as_uri())
    printed = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})
    with pikepdf.open(io.BytesIO(base64.b64decode(printed["data"]))) as pdf:
        assert len(pdf.pages) <= 10


@pytest.fixture(scope="module")
def national_site(tmp_path_factory) -> Path:
    """Every council of a national export (a seed no other test uses), without letters: funnel plots with
    councils beyond their limits."""
    from click.testing import CliRunner

    from .conftest import write_national_export

    folder = tmp_path_factory.mktemp("national-browser")
    write_national_export(folder / "d.csv")
    result = CliRunner().invoke(cli, ["site", "--decisions", str(folder / "d.csv"), "--year", "2020", "--out",
                                      str(folder / "site"), "--letters", str(folder / "no-letters")])
    assert result.exit_code == 0, result.output
    return folder / "site"


def test_the_table_sorts_by_how_each_rate_stands_against_the_average(national_site, browser):
    """Issue 20: the home table can be sorted by the funnel judgement, then the rate."""
    from selenium.webdriver.common.by import By

    browser.set_window_size(*WIDTHS["desktop"])
    browser.get((national_site / "index.html").as_uri())
    table = browser.find_element(By.ID, "councils")
    browser.find_element(By.ID, "sort-judged").click()
    headings = table.find_elements(By.CSS_SELECTOR, "thead th")
    headings[2].find_element(By.TAG_NAME, "button").click()  # complaints upheld, highest first
    cells = [row.find_elements(By.TAG_NAME, "td")[1] for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    ranks = [cell.get_attribute("data-judged") for cell in cells]
    judged = [int(r) for r in ranks if r is not None]
    assert judged == sorted(judged, reverse=True) and ranks.index(None) == len(judged) if None in ranks else True
    assert judged[0] == 2 and judged[-1] == -2  # Leeds (40 of 40 more) among the first; Cornwall among the last
    names = [row.find_element(By.TAG_NAME, "th").text for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert ranks[names.index("Leeds City Council")] == "2" and ranks[names.index("Cornwall Council")] == "-2"
    marked = [c.text for c in cells if c.get_attribute("data-judged") not in (None, "0")]
    assert marked and all(("▲" in text) or ("▼" in text) for text in marked)
    assert "standing against the average" in table.find_element(By.TAG_NAME, "caption").get_attribute("textContent")
    assert violations(browser, browser.current_url, WIDTHS["desktop"]) == []


@pytest.mark.parametrize("width", [*WIDTHS, "320"])
def test_funnel_plots_pass_axe_core_and_their_text_is_readable(national_site, browser, width):
    size = WIDTHS.get(width, (320, 900))  # issue 33: readable at 320 pixels too
    for page in ("groups/district-council.html", "councils/bassetlaw-district-council.html"):
        assert violations(browser, (national_site / page).as_uri(), size) == []
        sizes = browser.execute_script(
            "return Array.from(document.querySelectorAll('svg.funnel')).filter(s => s.getBoundingClientRect().width > 0)"
            ".flatMap(s => Array.from(s.querySelectorAll('text')).map(t => t.getBoundingClientRect().height));")
        assert sizes and min(sizes) >= 11, (page, min(sizes))


@pytest.fixture(scope="module")
def revised_site(site, tmp_path_factory) -> Path:
    """The site built again on corrected figures, against its first build's download."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("revised")
    data = site / "data" / "ombudsman-2020.json"
    first = json.loads(data.read_text())
    code, record = next(iter(first["authorities"].items()))
    record["upheld"] = (record["upheld"] or 0) + 1  # as if a decision had been corrected since
    (folder / "first.json").write_text(json.dumps(first))
    out = folder / "site"
    result = CliRunner().invoke(cli, ["site", "--decisions", str(site.parent / "d.csv"), "--year", "2020", "--out",
                                      str(out), "--letters", str(folder / "none"), "--published",
                                      str(folder / "first.json")])
    assert result.exit_code == 0, result.output
    assert f'id="{code}"' in (out / "revisions.html").read_text()
    return out


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_revisions_page_passes_axe_core(revised_site, browser, width):
    """Issue 20."""
    assert violations(browser, (revised_site / "revisions.html").as_uri(), WIDTHS[width]) == []


# Each cell of every table in view, and what it says whole: none cut off, none beyond the page's edge, none in
# a region scrolled out of sight. A heading hidden for screen readers (its card says it) is left out; its
# words are checked as each cell's label instead.
CELLS_OUT_OF_VIEW = """
const width = document.documentElement.clientWidth;
const hidden = c => { const head = c.closest('thead'); return head && getComputedStyle(head).position === 'absolute'; };
return Array.from(document.querySelectorAll('main table th, main table td'))
  .filter(c => c.offsetParent && !hidden(c))
  .filter(c => { const r = c.getBoundingClientRect();
    return r.left < -1 || r.right > width + 1 || c.scrollWidth > c.clientWidth + 1; })
  .map(c => (c.closest('table').querySelector('caption') || {}).textContent + ': ' + c.textContent.trim());
"""
# On a phone, each card's figure carries its column's heading as its label.
UNLABELLED_CELLS = """
return Array.from(document.querySelectorAll('main table')).filter(t => t.rows[0].cells.length > 2)
  .flatMap(t => { const headings = Array.from(t.tHead.rows[0].cells).map(h => h.textContent.trim());
    return Array.from(t.tBodies[0].rows).flatMap(r => Array.from(r.cells).map((c, i) => [c, headings[i]])); })
  .filter(([c, heading]) => c.tagName === 'TD' && !getComputedStyle(c, '::before').content.includes(heading))
  .map(([c, heading]) => heading + ': ' + c.textContent.trim());
"""


@pytest.mark.parametrize("width", [375, 320])
def test_on_a_phone_every_column_of_every_table_is_in_view(site, national_site, revised_site, browser, width):
    """Issue 33: at 375 pixels the group pages showed Council, Detailed investigations and Rate, the interval
    and the judgement off screen, and the home page's averages were cut at "Comp…"."""
    from selenium.webdriver.common.by import By

    pages = [national_site / page for page in ("index.html", "groups/district-council.html",
                                                "groups/county-council.html", "councils/bassetlaw-district-council.html",
                                                "data.html")]
    pages += [site / "councils" / "bassetlaw-district-council.html", site / "councils" / "kent-county-council.html",
              revised_site / "revisions.html"]
    browser.set_window_size(width, 900)
    for page in pages:
        browser.get(page.as_uri())
        for folded in browser.find_elements(By.CSS_SELECTOR, "details"):
            browser.execute_script("arguments[0].open = true;", folded)  # the letter's tables too
        assert browser.find_elements(By.CSS_SELECTOR, "main table"), page
        assert browser.execute_script(CELLS_OUT_OF_VIEW) == [], (page.name, width)
        assert browser.execute_script(UNLABELLED_CELLS) == [], (page.name, width)
        assert browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_council_page_prints_with_its_headings_kept_with_what_follows(national_site, browser, tmp_path):
    """Issue 33, looked at as PDF pages: printed, a council's page ended pages with a funnel plot's heading and
    split its table of outcomes; a heading now stays with what follows it and a council's tables stay whole."""
    import base64

    from . import page_flow

    browser.set_window_size(*WIDTHS["desktop"])
    browser.get((national_site / "councils" / "bassetlaw-district-council.html").as_uri())
    printed = tmp_path / "council.pdf"
    printed.write_bytes(base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"]))
    pages = page_flow.pages(printed)
    assert len(pages) > 1
    ending = [(page.number, page.lines[-1]) for page in pages if page.headings[-1]]
    assert ending == []
    for first, last in (("Decisions by outcome", "Referred back for local resolution"),
                        ("Over three years", "Upheld decisions per 100,000 residents")):
        on = [page.number for page in pages for line in page.lines if line.startswith((first, last))]
        assert len(set(on)) == 1, (first, on)
