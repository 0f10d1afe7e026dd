"""Issue 10: letters fit to publish. Word files that are accessible and valid, a native chart, and PDFs
that are tagged, claim PDF/A-2b and PDF/UA-1, say their language and title, and are the same bytes twice.

The PDF checks read the files LibreOffice wrote (after the tool has put them right), never the options
the tool passed: a misspelt option is ignored by LibreOffice without a word.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import docx
import pikepdf
import pytest
from lxml import etree

from ombudsman_cli.cli import cli
from ombudsman_cli.data.validation import load_decisions
from ombudsman_cli.letters.context import letter_context
from ombudsman_cli.letters.rendering import DocumentProperties, LetterRenderer
from ombudsman_cli.models import Signatory
from ombudsman_cli.stats import compute_statistics
from ombudsman_cli.years import BusinessYear

from . import page_flow
from .conftest import ADUR, BASSETLAW, HAMMERSMITH, ROOT, ROWS, as_text, sentences, write_csv

GENERIC = ROOT / "letter_templates" / "annual-review-letter.docx"
TEMPLATE_2020 = ROOT / "letter_templates" / "annual-review-letter-2020.docx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def statistics(register, tmp_path_factory):
    path = write_csv(tmp_path_factory.mktemp("publishable") / "d.csv", as_text(ROWS))
    return compute_statistics(load_decisions(path, register).require_valid().records, register, BusinessYear(2020))


def render(statistics, code: str, template: Path = GENERIC, **options) -> bytes:
    renderer = LetterRenderer(template, DocumentProperties("Annual Review letter 2020", date(2020, 7, 22)))
    return renderer.render(letter_context(statistics.find(code), date(2020, 7, 22), **options))


def parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return {name: package.read(name) for name in package.namelist()}


# -- the Word files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("template", [GENERIC, TEMPLATE_2020])
def test_word_letters_are_british_english_in_one_typeface_with_widow_control(statistics, template):
    package = parts(render(statistics, HAMMERSMITH, template))
    styles = etree.fromstring(package["word/styles.xml"])
    language = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert language.get(f"{W}val") == "en-GB"
    fonts = {value for element in styles.iter(f"{W}rFonts") for name, value in element.attrib.items()}
    assert fonts == {"Arial"}  # no theme fonts, no other typeface, in any style
    assert styles.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr/{W}widowControl") is not None
    theme = package["word/theme/theme1.xml"].decode()
    assert set(re.findall(r'<a:latin typeface="([^"]*)"', theme)) == {"Arial"}
    settings = etree.fromstring(package["word/settings.xml"])
    assert settings.find(f"{W}zoom").get(f"{W}percent") == "100"  # the schema requires it


@pytest.mark.parametrize("template", [GENERIC, TEMPLATE_2020])
def test_metadata_names_the_ombudsman_and_each_letter_has_its_own_title(statistics, template):
    package = parts(render(statistics, HAMMERSMITH, template))
    document = docx.Document(io.BytesIO(render(statistics, HAMMERSMITH, template)))
    core = document.core_properties
    assert core.title == "Annual Review letter 2020: London Borough of Hammersmith & Fulham"
    assert core.author == core.last_modified_by == "Local Government and Social Care Ombudsman"
    assert core.language == "en-GB" and core.comments == "" and core.keywords == ""
    assert "London Borough of Hammersmith & Fulham" in core.subject
    everything = b"".join(package.values())
    assert b"python-docx" not in everything and b"Macintosh" not in everything
    app = package["docProps/app.xml"].decode()
    assert "<Application>" not in app and "<Company>Local Government and Social Care Ombudsman</Company>" in app
    other = docx.Document(io.BytesIO(render(statistics, BASSETLAW, template)))
    assert other.core_properties.title == "Annual Review letter 2020: Bassetlaw District Council"


def test_every_table_has_named_headers_a_caption_and_a_description(statistics):
    body = etree.fromstring(parts(render(statistics, BASSETLAW))["word/document.xml"])
    tables = body.findall(f".//{W}tbl")
    assert len(tables) == 3  # chart figures, trend, outcomes (no categories in this export)
    for table in tables:
        properties = table.find(f"{W}tblPr")
        assert properties.find(f"{W}tblCaption").get(f"{W}val")
        assert properties.find(f"{W}tblDescription").get(f"{W}val")
        assert properties.find(f"{W}tblW").get(f"{W}type") == "pct"  # the full text width
        assert properties.find(f"{W}tblLook").get(f"{W}firstColumn") == "1"  # row labels in the first column
        header = table.find(f"{W}tr")
        assert header.find(f"{W}trPr/{W}tblHeader") is not None
        cells = ["".join(t.text or "" for t in cell.iter(f"{W}t")) for cell in header.findall(f"{W}tc")]
        assert all(cells), cells
        assert all(cell.find(f"{W}tcPr/{W}shd") is not None for cell in header.findall(f"{W}tc"))


def test_figures_are_right_aligned_and_tables_keep_with_their_heading(statistics):
    document = docx.Document(io.BytesIO(render(statistics, BASSETLAW)))
    trend = next(table for table in document.tables if table.rows[0].cells[1].text == "2019/20")
    for row in trend.rows:
        assert [c.paragraphs[0].alignment for c in row.cells[1:]] == [2, 2, 2]  # WD_ALIGN_PARAGRAPH.RIGHT
        assert row.cells[0].paragraphs[0].paragraph_format.keep_with_next
    heading = next(p for p in document.paragraphs if p.text == "Your figures over three years")
    assert heading.style.paragraph_format.keep_with_next


def test_the_letter_has_the_chart_part_and_a_drawing_that_states_every_figure(statistics):
    package = parts(render(statistics, BASSETLAW))
    assert "word/charts/chart1.xml" in package
    content_types = package["[Content_Types].xml"].decode()
    assert 'PartName="/word/charts/chart1.xml" ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"' in content_types
    chart = etree.fromstring(package["word/charts/chart1.xml"])
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    assert chart.find(f".//{c}barChart/{c}barDir").get("val") == "bar"  # horizontal
    assert [s.findtext(f"{c}tx//{c}v") for s in chart.iter(f"{c}ser")] == ["Your authority", "Similar authorities"]
    assert chart.find(f".//{c}ser/{c}dLbls/{c}showVal").get("val") == "1"  # figures on the bars
    assert chart.find(f".//{c}ser[2]/{c}spPr/{{http://schemas.openxmlformats.org/drawingml/2006/main}}pattFill") is not None
    body = package["word/document.xml"].decode()
    description = re.search(r'<wp:docPr [^>]*descr="([^"]*)"', body).group(1)
    # Bassetlaw 2019/20: 2 of 3 upheld (67%), districts 3 of 11 (27%); 0 of 1 complied (0%), districts
    # 1 of 2 (50%); 1 of 2 remedied (50%), districts 1 of 3 (33%).
    for figure in ("Complaints upheld: your authority 67%; similar authorities 27%",
                   "Compliance with recommendations: your authority 0%; similar authorities 50%",
                   "Satisfactory remedy provided by the authority: your authority 50%; similar authorities 33%"):
        assert figure in description


def test_the_chart_has_no_legend_and_its_key_is_directly_under_it_in_the_order_of_the_bars(statistics):
    """LibreOffice lists a bar chart's series in the opposite order to the bars, so the key is a sentence
    under the chart at the body size (issue 18), never a 9 pt caption after the table."""
    content = render(statistics, BASSETLAW)
    assert b"<c:legend>" not in parts(content)["word/charts/chart1.xml"]
    body = docx.Document(io.BytesIO(content)).element.body
    blocks = [child for child in body if child.tag in (f"{W}p", f"{W}tbl")]
    chart = ".//{http://schemas.openxmlformats.org/drawingml/2006/chart}chart"
    at = next(i for i, block in enumerate(blocks) if block.find(chart) is not None)
    key = "".join(t.text for t in blocks[at + 1].iter(f"{W}t"))
    assert key == "Solid bars: your authority; hatched bars: similar authorities' average."
    assert key.index("your authority") < key.index("similar authorities")  # the bars' order: the council first
    # The same figures as a table, between the heading and the chart (issue 33: the block then ends on the
    # key, a paragraph, which LibreOffice keeps whole with the heading).
    assert blocks[at - 1].tag == f"{W}tbl"
    assert "".join(t.text for t in blocks[at - 2].iter(f"{W}t")) == "Your authority beside similar authorities"
    assert blocks[at + 1].find(f"{W}pPr/{W}pStyle") is None  # body text, not a caption


def test_the_charts_embedded_workbook_holds_the_letters_figures(statistics):
    """ "Edit Data" in Word or LibreOffice opens the workbook in the chart part: the council's figures."""
    from .test_promises import workbook_figures

    with zipfile.ZipFile(io.BytesIO(render(statistics, BASSETLAW))) as package:
        assert workbook_figures(package, "word/charts/chart1.xml") == [[67, 0, 50], [27, 50, 33]]
        content_types = package.read("[Content_Types].xml").decode()
        assert 'Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"' in content_types
    # The same bytes for the same figures: a rerun writes the same letter.
    assert render(statistics, BASSETLAW) == render(statistics, BASSETLAW)


@pytest.mark.parametrize("template", [GENERIC, TEMPLATE_2020])
def test_body_text_is_12_points_the_footer_9_and_headings_step_down(template):
    """RNIB Clear Print: body text at 12 points at least; the footer no smaller than 9 (issue 18)."""
    styles = docx.Document(template).styles
    assert styles["Normal"].font.size.pt == 12
    assert styles["Footer"].font.size.pt >= 9
    assert styles["Heading 1"].font.size.pt > styles["Heading 2"].font.size.pt > styles["Normal"].font.size.pt
    chart = (ROOT / "ombudsman_cli" / "letters" / "chart.py").read_text()
    assert "TEXT_SIZE = 1200" in chart  # the chart's labels at the body size, in hundredths of a point


def test_the_generic_letterhead_is_drawn_in_text_with_the_sender_and_a_reference(statistics):
    """A mark, a rule, the sender's address and contact details, then the reference and the date on one line
    (issue 18): text and a paragraph border in the template, no picture."""
    content = render(statistics, BASSETLAW)
    document = docx.Document(io.BytesIO(content))
    text = [p.text for p in document.paragraphs]
    mark = document.paragraphs[0]
    assert mark.text == "Local Government & Social Care\nOMBUDSMAN"
    assert mark._p.find(f"{W}pPr/{W}pBdr/{W}bottom") is not None  # the rule under the mark
    assert text[1:5] == ["PO Box 4771", "Coventry CV4 0EH", "Telephone 0300 061 0614", "www.lgo.org.uk"]
    assert all(p.alignment == 2 for p in document.paragraphs[1:5])  # the sender's block on the right
    assert "Our reference: AR2020/E07000171\t22 July 2020" in text
    assert text.index("Bassetlaw District Council") < text.index("Our reference: AR2020/E07000171\t22 July 2020") < \
        text.index("Dear Chief Executive")
    assert not [n for n in parts(content) if n.startswith("word/media/")]
    # The 2020 letter keeps the seed's heading and date lines.
    seed = [p.text for p in docx.Document(io.BytesIO(render(statistics, BASSETLAW, TEMPLATE_2020))).paragraphs]
    assert seed[:2] == ["Local Government & Social Care OMBUDSMAN", "22 July 2020"]


def test_the_generic_letter_gives_the_compliance_advice_only_below_100_percent(statistics):
    advice = "An authority with a compliance rate below 100% should scrutinise"
    below = " ".join(p.text for p in docx.Document(io.BytesIO(render(statistics, BASSETLAW))).paragraphs)
    assert advice in below.split("For the period ending", 1)[1]  # Bassetlaw complied with 0 of 1


def test_signatory_from_the_settings_signs_the_generic_letter(statistics):
    text = [p.text for p in docx.Document(io.BytesIO(render(
        statistics, ADUR, signatory=Signatory("Amerdeep Somal", ("Local Government and Social Care Ombudsman",))))).paragraphs]
    at = text.index("Yours sincerely,")
    assert text[at + 1:at + 3] == ["Amerdeep Somal", "Local Government and Social Care Ombudsman"]
    unsigned = [p.text for p in docx.Document(io.BytesIO(render(statistics, ADUR))).paragraphs]
    at = unsigned.index("Yours sincerely,")
    assert unsigned[at + 1:at + 3] == ["Local Government and Social Care Ombudsman",
                                       "Chair, Commission for Local Administration in England"]


def test_signatory_in_the_config_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "d.csv", as_text(ROWS))
    (tmp_path / "ombudsman.toml").write_text(
        '[letters]\nsignatory = "A. N. Ombudsman"\nsignatory_titles = ["Ombudsman", "Chair"]\n')
    result = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--out", "out", "--authority",
                                 "Adur", "--template", str(GENERIC), "--letter-date", "2020-07-22"])
    assert result.exit_code == 0, result.output
    text = [p.text for p in docx.Document(tmp_path / "out" / "adur-district-council.docx").paragraphs]
    at = text.index("Yours sincerely,")
    assert text[at + 1:at + 4] == ["A. N. Ombudsman", "Ombudsman", "Chair"]
    (tmp_path / "ombudsman.toml").write_text('[letters]\nsignatory_titles = "Ombudsman"\n')
    result = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--out", "out"])
    assert result.exit_code == 2 and "must be a list of job titles" in result.output


def test_the_footer_gives_the_address_and_page_n_of_n(statistics):
    package = parts(render(statistics, ADUR))
    footer = package["word/footer1.xml"].decode()
    assert "PO Box 4771, Coventry CV4 0EH" in footer and "www.lgo.org.uk" in footer
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer


def test_the_2020_letter_keeps_the_seed_words_and_gains_the_footer(statistics):
    from .conftest import SEED_LETTER, TAYLOR, paragraphs, words

    content = LetterRenderer(TEMPLATE_2020, DocumentProperties("Annual Review letter 2020", date(2020, 7, 22))).render(
        letter_context(statistics.find(BASSETLAW), date(2020, 7, 22), TAYLOR))
    text = paragraphs(content)
    heading = text.index("For the period ending: 31/03/20")
    assert words(" ".join(text[:heading + 1])) == words(SEED_LETTER.read_text(encoding="utf-8"))
    assert "PO Box 4771" in parts(content)["word/footer1.xml"].decode()


@pytest.mark.parametrize("upheld, words", [
    (0, "We did not uphold any complaint about your authority in this period, so there were no upheld decisions "
        "per 100,000 residents."),
    (1, "We upheld 1 complaint about your authority: 1.6 for every 100,000 residents."),
    (2, "We upheld 2 complaints about your authority: 3.1 for every 100,000 residents."),
])
def test_the_rate_per_residents_reads_naturally_for_none_one_and_more(register, tmp_path, upheld, words):
    rows = [[f"U{n}", "Adur District Council", "01/05/2019", "Upheld", "", "", ""] for n in range(upheld)]
    rows.append(["N1", "Adur District Council", "01/06/2019", "Not upheld", "", "", ""])
    records = load_decisions(write_csv(tmp_path / "d.csv", as_text(rows)), register).require_valid().records
    statistics = compute_statistics(records, register, BusinessYear(2020))
    text = sentences([p.text for p in docx.Document(io.BytesIO(render(statistics, ADUR))).paragraphs])
    assert words in text  # Adur: 64,187 residents
    assert not any("0.0 decisions" in line for line in text)


# -- the PDFs (LibreOffice) ------------------------------------------------------------------------

def structure(pdf: pikepdf.Pdf) -> tuple[Counter[str], list[str]]:
    """Every structure element's type (through the role map) and every Figure's /Alt."""
    role_map = {str(k): str(v) for k, v in pdf.Root.StructTreeRoot.get("/RoleMap", {}).items()}
    kinds: Counter[str] = Counter()
    alternatives: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            kind = role_map.get(str(node.S), str(node.S))
            kinds[kind] += 1
            if kind == "/Figure":
                alternatives.append(str(node.get("/Alt", "")))
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return kinds, alternatives


@pytest.fixture(scope="module")
def pdf_letters(tmp_path_factory):
    """The example data's 2021 letters (the generic template, with the chart) for three councils, twice."""
    from click.testing import CliRunner

    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is installed by .ci/run")
    folders = []
    for run in ("one", "two"):
        folder = tmp_path_factory.mktemp(run)
        result = CliRunner().invoke(cli, [
            "letters", "--config", str(ROOT / "ombudsman.toml"), "--year", "2021", "--pdf", "--out", str(folder),
            "--authority", "Bassetlaw", "--authority", "Hammersmith and Fulham", "--authority", "Kent",
            "--authority", "City of London", "--authority", "Ashfield", "--jobs", "2"])
        assert result.exit_code == 0, result.output
        folders.append(folder)
    return folders


@pytest.mark.parametrize("name, authority", [
    ("bassetlaw-district-council", "Bassetlaw District Council"),
    ("london-borough-of-hammersmith-fulham", "London Borough of Hammersmith & Fulham"),
    ("kent-county-council", "Kent County Council"),
])
@pytest.mark.libreoffice
def test_pdfs_are_tagged_archival_and_say_their_language_and_title(pdf_letters, name, authority):
    path = pdf_letters[0] / f"{name}.pdf"
    with pikepdf.open(path) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en-GB"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        title = f"Annual Review letter 2021: {authority}"
        assert str(pdf.docinfo.Title) == title
        with pdf.open_metadata() as metadata:
            assert metadata["pdfaid:part"] == "2" and metadata["pdfaid:conformance"] == "B"
            assert metadata["pdfuaid:part"] == "1"
            assert metadata["dc:title"] == title  # the same as the document information, "&" and all
            assert metadata["dc:description"] == str(pdf.docinfo.Subject)
            assert metadata["xmp:CreateDate"].startswith("2021-07-21")  # the letter's date, not the clock
        assert str(pdf.docinfo.CreationDate).startswith("D:20210721")
        assert all(page.obj.Tabs == pikepdf.Name.S for page in pdf.pages)
        assert "/DocChecksum" not in pdf.trailer
        kinds, alternatives = structure(pdf)
        assert kinds["/H1"] >= 2 and kinds["/H2"] >= 5
        assert kinds["/Table"] >= 3 and kinds["/TR"] >= 10 and kinds["/TH"] >= 9 and kinds["/TD"] >= 20
        assert len(alternatives) == 1 and alternatives[0].startswith("Bar chart comparing your authority with")
        assert len(pdf.pages) <= 5
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Tagged:\s+yes", info)


def elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            found.append(node)
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def kids(element: pikepdf.Dictionary) -> list[object]:
    k = element.get("/K")
    return [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]


def table_scope(cell: pikepdf.Dictionary) -> str | None:
    attributes = cell.get("/A")
    owners = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
    scopes = [str(a.Scope) for a in owners if isinstance(a, pikepdf.Dictionary) and a.get("/O") == "/Table"
              and "/Scope" in a]
    assert len(scopes) <= 1, scopes
    return scopes[0] if scopes else None


@pytest.mark.parametrize("name", ["bassetlaw-district-council", "london-borough-of-hammersmith-fulham",
                                  "kent-county-council"])
@pytest.mark.libreoffice
def test_pdfs_meet_the_pdfua_rules_a_validator_checks(pdf_letters, name):
    """Issue 18's PDF rules, read from the PDF itself: pdfuaid described by a PDF/A extension schema; each
    table's first column tagged as row headers (TH, /Scope /Row), its header row /Scope /Column; the chart's
    Figure one element with its /Alt and no paragraphs inside; every piece of content's parent in the tree."""
    with pikepdf.open(pdf_letters[0] / f"{name}.pdf") as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>" in xmp
        assert "<pdfaProperty:name>part</pdfaProperty:name>" in xmp and xmp.count("pdfaExtension:schemas>") == 2
        with pdf.open_metadata() as metadata:
            assert metadata["pdfuaid:part"] == "1"
        found = elements(pdf)
        rows = [e for e in found if e.S == "/TR"]
        assert len(rows) >= 10
        for row in rows:
            cells = [c for c in kids(row) if isinstance(c, pikepdf.Dictionary) and "/S" in c]
            if all(c.S == "/TH" for c in cells) and table_scope(cells[0]) == "/Column":
                assert all(table_scope(c) == "/Column" for c in cells)
                continue
            assert cells[0].S == "/TH" and table_scope(cells[0]) == "/Row"
            assert all(c.S == "/TD" for c in cells[1:])
        figures = [e for e in found if e.S == "/Figure"]
        assert len(figures) == 1 and str(figures[0].Alt).startswith("Bar chart comparing")
        assert kids(figures[0]) and not [k for k in kids(figures[0]) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
        in_tree = {e.objgen for e in found}

        def parents(node: pikepdf.Dictionary) -> list[object]:
            values = [value for kid in node.get("/Kids", []) for value in parents(kid)]
            numbers = node.get("/Nums", [])
            return values + [numbers[i] for i in range(1, len(numbers), 2)]

        for value in parents(pdf.Root.StructTreeRoot.ParentTree):
            for parent in (list(value) if isinstance(value, pikepdf.Array) else [value]):
                assert not isinstance(parent, pikepdf.Dictionary) or parent.objgen in in_tree


@pytest.mark.libreoffice
def test_pdfs_are_the_same_bytes_on_every_run(pdf_letters):
    one, two = pdf_letters
    for pdf in sorted(one.glob("*.pdf")):
        assert pdf.read_bytes() == (two / pdf.name).read_bytes(), pdf.name
    with (one / "manifest.csv").open(newline="") as first, (two / "manifest.csv").open(newline="") as second:
        assert list(csv.DictReader(first)) == list(csv.DictReader(second))


@pytest.mark.libreoffice
def chart_lines(pdf: Path) -> list[str]:
    """The lines of text LibreOffice drew for the chart: between the key's heading's table and the key."""
    from xml.etree import ElementTree

    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-q", "-stdout", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    lines = [" ".join("".join(e.itertext()).split()) for e in ElementTree.fromstring(xml).iter("text")]
    heading = lines.index("Your authority beside similar authorities")
    key = next(i for i in range(heading, len(lines)) if lines[i].startswith("Solid bars: your authority"))
    table_end = max(i for i in range(heading, key) if lines[i] == "Satisfactory remedy provided by the authority")
    return lines[table_end + 3:key]  # after the table's last row: its label, the council's figure, the average


@pytest.mark.libreoffice
def test_the_chart_has_a_scale_and_its_labels_and_figures_each_on_as_few_lines_as_they_need(pdf_letters):
    """Issue 33: the chart gets an axis (0% to 100% in quarters); a bar's figure ("over 99%") is never set on
    two lines; the remedy's label (with its note, the longest) takes two lines, not three."""
    for name in ("bassetlaw-district-council", "kent-county-council", "ashfield-district-council"):
        lines = chart_lines(pdf_letters[0] / f"{name}.pdf")
        assert "|0%|25%|50%|75%|100%|" in "|" + "|".join(lines) + "|", (name, lines)  # the scale, in order
        assert "over" not in lines and "under" not in lines, lines  # "over 99%" whole, if there
        remedy = [line for line in lines if not re.fullmatch(r"(over |under )?\d+%|no rate", line)
                  and not line.startswith(("Complaints upheld", "Compliance with"))]
        assert " ".join(remedy).startswith("Satisfactory remedy provided by the") and len(remedy) <= 2, (name, remedy)
    # Bassetlaw 2020/21: the district average of compliance is 99.6%, said "over 99%" on its bar.
    assert "over 99%" in chart_lines(pdf_letters[0] / "bassetlaw-district-council.pdf")


def test_the_chart_part_draws_its_scale(statistics):
    chart = etree.fromstring(parts(render(statistics, BASSETLAW))["word/charts/chart1.xml"])
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    axis = chart.find(f".//{c}valAx")
    assert axis.find(f"{c}delete").get("val") == "0" and axis.find(f"{c}axPos").get("val") == "b"
    assert axis.find(f"{c}majorUnit").get("val") == "0.25" and axis.find(f"{c}majorGridlines") is not None
    assert axis.find(f"{c}numFmt").get("formatCode") == "0%"
    assert axis.find(f"{c}scaling/{c}min").get("val") == "0"


def test_the_chart_is_vector_graphics_with_its_figures_in_the_pdf(pdf_letters):
    path = pdf_letters[0] / "bassetlaw-district-council.pdf"
    lines = chart_lines(path)
    assert "41%" in lines and "100%" in lines  # the bars' figures are text: Bassetlaw 0% (41%), 100% (over 99%)
    with pikepdf.open(path) as pdf:
        images = [name for page in pdf.pages for name in page.get_images()]
    assert images == []  # drawn with lines and fills, not a picture


@pytest.mark.libreoffice
def test_the_word_files_open_in_libreoffice_and_keep_their_chart(pdf_letters, tmp_path):
    source = pdf_letters[0] / "kent-county-council.docx"
    result = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                             "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "round"), str(source)],
                            capture_output=True, text=True, timeout=120)
    round_trip = tmp_path / "round" / source.name
    assert round_trip.is_file(), result.stderr
    document = docx.Document(round_trip)
    text = [p.text for p in document.paragraphs]
    assert "Kent County Council" in text and "Your authority beside similar authorities" in text
    assert any(name.startswith("word/charts/chart") for name in zipfile.ZipFile(round_trip).namelist())


@pytest.mark.libreoffice
def test_a_council_with_many_service_areas_still_fits_in_five_pages_with_nothing_split(register, tmp_path, runner, monkeypatch):
    monkeypatch.chdir(tmp_path)
    areas = ["Adult care services", "Benefits and tax", "Corporate and other services", "Education and children's services",
             "Environmental services and public protection", "Highways and transport", "Housing", "Other",
             "Planning and development", "Transport and highways (parking)", "Children's social care", "Leisure and culture",
             "Waste and recycling", "Council tax and business rates"]
    rows = [[f"R{n}", "Kent County Council", f"{(n % 28) + 1:02d}/0{(n % 9) + 1}/2019", outcome, "", "", "", area]
            for n, (area, outcome) in enumerate((a, o) for a in areas for o in ("Upheld", "Not upheld", "Advice given"))]
    rows += [[f"P{n}", "Kent County Council", f"01/05/{2017 + n}", "Upheld", "", "", "", "Housing"] for n in range(2)]
    header = ["reference", "authority", "decision_date", "outcome", "satisfactory_remedy", "compliance",
              "compliance_date", "category"]
    path = write_csv(tmp_path / "d.csv", rows, header)
    result = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--authority", "Kent",
                                 "--template", str(GENERIC), "--pdf", "--out", "out", "--letter-date", "2020-07-22"])
    assert result.exit_code == 0, result.output
    with pikepdf.open(tmp_path / "out" / "kent-county-council.pdf") as pdf:
        assert len(pdf.pages) <= 5
    assert page_flow.problems(tmp_path / "out" / "kent-county-council.pdf", "Kent County Council") == []


@pytest.mark.libreoffice
def test_the_generic_letters_statistics_take_as_few_pages_as_they_need(pdf_letters):
    """Issue 33: Bassetlaw's 2021 letter (16 decisions) ran to five pages, two of its three statistics pages
    half empty: the statistics now fill two pages, and page_flow finds no page left while the next block
    would have fitted on it."""
    with pikepdf.open(pdf_letters[0] / "bassetlaw-district-council.pdf") as pdf:
        assert len(pdf.pages) == 4
    found = page_flow.pages(pdf_letters[0] / "bassetlaw-district-council.pdf")
    assert found[2].lines[0] == "Bassetlaw District Council" and found[3].fill > 0.5


@pytest.mark.libreoffice
def test_page_flow_finds_a_page_left_while_the_next_block_would_have_fitted(tmp_path, runner, monkeypatch):
    """The rule checks what it says: the template with a page break before the three-year table, as the old
    one had before its chart (Bassetlaw's statistics page then ends a third of a page early), breaks it."""
    monkeypatch.chdir(ROOT)
    with zipfile.ZipFile(GENERIC) as source:
        members = {name: source.read(name) for name in source.namelist()}
    body = members["word/document.xml"].decode()
    heading = body.index(">Your figures over three years<")
    start = body.rindex("<w:pPr>", 0, heading) + len("<w:pPr>")
    style_end = body.index("/>", start) + 2  # the paragraph's style comes first, then its page break
    members["word/document.xml"] = (body[:style_end] + "<w:pageBreakBefore/>" + body[style_end:]).encode()
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    result = runner.invoke(cli, ["letters", "--year", "2021", "--authority", "Bassetlaw", "--template", str(broken),
                                 "--pdf", "--out", str(tmp_path / "out"), "--letter-date", "2021-07-21"])
    assert result.exit_code == 0, result.output
    said = page_flow.problems(tmp_path / "out" / "bassetlaw-district-council.pdf", "Bassetlaw District Council")
    assert any(problem.startswith("page 3 is left with") and "'Your figures over three years'" in problem
               for problem in said), said


@pytest.mark.parametrize("name, authority", [
    ("bassetlaw-district-council", "Bassetlaw District Council"),
    ("london-borough-of-hammersmith-fulham", "London Borough of Hammersmith & Fulham"),
    ("kent-county-council", "Kent County Council"),
    ("city-of-london-corporation", "City of London Corporation"),
    ("ashfield-district-council", "Ashfield District Council"),
])
@pytest.mark.libreoffice
def test_the_pages_fall_as_a_publisher_would_have_them(pdf_letters, name, authority):
    """Read from the PDF (issue 18): the annex starts a page; no page ends with a heading; each statistic's
    block is on one page; no page is nearly empty."""
    assert page_flow.problems(pdf_letters[0] / f"{name}.pdf", authority) == []


@pytest.mark.libreoffice
def test_the_2020_letter_starts_its_statistics_page_on_a_page_of_its_own(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, ["letters", "--year", "2020", "--pdf", "--out", str(tmp_path), "--authority", "Bassetlaw",
                                 "--authority", "Kent"])
    assert result.exit_code == 0, result.output
    for name, authority in (("bassetlaw-district-council", "Bassetlaw District Council"),
                            ("kent-county-council", "Kent County Council")):
        assert page_flow.problems(tmp_path / f"{name}.pdf", authority) == []


def test_a_template_made_elsewhere_still_gives_plain_metadata(statistics, tmp_path):
    template = tmp_path / "plain.docx"
    document = docx.Document()  # python-docx's own package: "generated by python-docx", a Macintosh Word
    document.add_paragraph("Dear {{ salutation }}")
    document.save(template)
    package = parts(render(statistics, ADUR, template))
    assert b"python-docx" not in package["docProps/core.xml"] and b"Macintosh" not in package["docProps/app.xml"]
    assert docx.Document(io.BytesIO(render(statistics, ADUR, template))).core_properties.title == \
        "Annual Review letter 2020: Adur District Council"
