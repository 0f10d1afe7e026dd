"""Issue 4: the letters — word for word, figure for figure, whole files only, the same bytes twice."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
from datetime import date
from pathlib import Path

import docx
import pytest

from ombudsman_cli.cli import cli
from ombudsman_cli.data.validation import load_decisions
from ombudsman_cli.data.values import plural
from ombudsman_cli.letters.chart import chart_xml
from ombudsman_cli.letters.context import letter_context
from ombudsman_cli.letters.rendering import DocumentProperties, LetterRenderer, render_with_docxtpl
from ombudsman_cli.letters.run import plan_letters, write_letters
from ombudsman_cli.models import Contact
from ombudsman_cli.naming import letter_filename
from ombudsman_cli.stats import compute_statistics
from ombudsman_cli.templates import find_template
from ombudsman_cli.years import BusinessYear

from .conftest import (
    ADUR,
    ASHFIELD,
    BASSETLAW,
    HAMMERSMITH,
    ROOT,
    ROWS,
    SEED_LETTER,
    TAYLOR,
    as_text,
    heavy_modules_loaded,
    package_problems,
    paragraphs,
    sentences,
    words,
    write_csv,
)
from .fakes import logged_calls

TEMPLATE_2020 = ROOT / "letter_templates" / "annual-review-letter-2020.docx"
GENERIC = ROOT / "letter_templates" / "annual-review-letter.docx"
LETTER_DATE = date(2020, 7, 22)
PROPERTIES = DocumentProperties("Annual Review letter 2020", LETTER_DATE)


@pytest.fixture(scope="module")
def statistics(register, tmp_path_factory):
    path = write_csv(tmp_path_factory.mktemp("letters") / "d.csv", as_text(ROWS))
    return compute_statistics(load_decisions(path, register).require_valid().records, register, BusinessYear(2020))


@pytest.fixture(scope="module")
def renderer():
    return LetterRenderer(TEMPLATE_2020, PROPERTIES)


def test_bassetlaw_2020_reads_word_for_word_like_the_seed_letter(statistics, renderer):
    content = renderer.render(letter_context(statistics.find(BASSETLAW), LETTER_DATE, TAYLOR))
    text = paragraphs(content)
    heading = text.index("For the period ending: 31/03/20")
    assert words(" ".join(text[:heading + 1])) == words(SEED_LETTER.read_text(encoding="utf-8"))


def test_statistics_page_sentences_and_figures(statistics, renderer):
    text = paragraphs(renderer.render(letter_context(statistics.find(BASSETLAW), LETTER_DATE, TAYLOR)))
    page = text[text.index("For the period ending: 31/03/20") + 1:]
    period = "for the period between 1 April 2019 to 31 March 2020"
    assert page == [
        "Complaints upheld",
        "67% of complaints we investigated were upheld.",  # 2 of 3
        "This compares to an average of 27% in similar authorities.",  # 3 of 11
        "This figure is based on a small number of cases and should be read with care.",
        "2 upheld decisions",
        f"Statistics are based on a total of 3 detailed investigations {period}",
        "Compliance with Ombudsman recommendations",
        "In 0% of cases we were satisfied the authority had successfully implemented our recommendations.",
        "This compares to an average of 50% in similar authorities.",
        "This figure is based on a small number of cases and should be read with care.",
        f"Statistics are based on a total of 1 compliance outcome {period}",
        "Failure to comply with our recommendations is rare. An authority with a compliance rate below 100% should "
        "scrutinise those complaints where it failed to comply and identify any learning.",
        "Satisfactory remedy provided by the authority",
        "In 50% of upheld cases we found the authority had provided a satisfactory remedy before the complaint "
        "reached the Ombudsman.",
        "This compares to an average of 33% in similar authorities.",
        "This figure is based on a small number of cases and should be read with care.",
        "1 satisfactory remedy decision",
        f"Statistics are based on a total of 2 upheld decisions {period}",
    ]


def test_half_up_percentage_in_the_letter(statistics, renderer):
    text = paragraphs(renderer.render(letter_context(statistics.find(ADUR), LETTER_DATE)))
    assert "13% of complaints we investigated were upheld." in text  # 1 of 8 = 12.5%
    assert "1 upheld decision" in text and "Statistics are based on a total of 8 detailed investigations" in " ".join(text)


def test_council_with_no_detailed_investigation_says_so_without_a_percentage(statistics, renderer):
    text = paragraphs(renderer.render(letter_context(statistics.find(ASHFIELD), LETTER_DATE)))
    page = " ".join(text[text.index("For the period ending: 31/03/20"):])
    assert "there is no uphold rate to report" in page
    assert "there is no compliance rate to report" in page
    assert "there is no satisfactory remedy rate to report" in page
    assert "%" not in page.replace("below 100%", "")
    assert "0 upheld decisions" in page and "a total of 0 detailed investigations" in page


def test_council_without_a_contact_is_addressed_to_the_chief_executive(statistics, renderer):
    text = paragraphs(renderer.render(letter_context(statistics.find(ADUR), LETTER_DATE)))
    assert text[2:6] == ["By email", "Chief Executive", "Adur District Council", "Dear Chief Executive"]


def test_hammersmith_and_fulham_is_valid_xml_and_opens(statistics, renderer):
    content = renderer.render(letter_context(statistics.find(HAMMERSMITH), LETTER_DATE))
    text = paragraphs(content)
    assert "London Borough of Hammersmith & Fulham" in text
    assert letter_filename("London Borough of Hammersmith & Fulham") == "london-borough-of-hammersmith-fulham.docx"


def test_fast_path_gives_the_same_bytes_as_plain_docxtpl(statistics, renderer):
    for code in (BASSETLAW, ASHFIELD, HAMMERSMITH):
        context = letter_context(statistics.find(code), LETTER_DATE, TAYLOR if code == BASSETLAW else None)
        assert renderer.render(context) == render_with_docxtpl(TEMPLATE_2020, context, PROPERTIES)
    generic = LetterRenderer(GENERIC, PROPERTIES)
    context = letter_context(statistics.find(HAMMERSMITH), LETTER_DATE)
    assert generic.render(context) == render_with_docxtpl(GENERIC, context, PROPERTIES)


def test_hyperlinks_are_real(statistics, renderer, tmp_path):
    path = tmp_path / "b.docx"
    path.write_bytes(renderer.render(letter_context(statistics.find(BASSETLAW), LETTER_DATE, TAYLOR)))
    document = docx.Document(path)
    targets = {r.target_ref for r in document.part.rels.values() if r.is_external}
    assert "https://www.lgo.org.uk/training" in targets and "https://www.lgo.org.uk/your-councils-performance" in targets
    links = [h.text for p in document.paragraphs for h in p.hyperlinks]
    assert links == ["Your council's performance", "website", "Your council's performance", "www.lgo.org.uk/training"]


def test_missing_template_variable_stops_before_anything_is_written(statistics, tmp_path):
    template = tmp_path / "t.docx"
    document = docx.Document(GENERIC)
    document.add_paragraph("{{ chief_executive_mobile }}")
    document.save(template)
    renderer = LetterRenderer(template, PROPERTIES)
    planned = plan_letters(statistics, LETTER_DATE, codes=[BASSETLAW])
    with pytest.raises(Exception, match="chief_executive_mobile"):
        write_letters(planned, renderer, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_generic_template_for_a_year_without_its_own(tmp_path):
    assert find_template(2020, folders=[ROOT / "letter_templates"]) == TEMPLATE_2020
    assert find_template(2021, folders=[ROOT / "letter_templates"]) == GENERIC
    text = paragraphs(GENERIC)
    assert not any("2020" in line or "Michael King" in line for line in text)


def test_plural():
    assert plural(1, "upheld decision") == "1 upheld decision"
    assert plural(2, "upheld decision") == "2 upheld decisions"
    assert plural(0, "compliance outcome") == "0 compliance outcomes"


def run_letters(runner, tmp_path, *extra):
    path = write_csv(tmp_path / "d.csv", as_text(ROWS))
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("authority,title,forename,surname,job_title,email,link officer email\n"
                        "E07000171,Mr,,Taylor,Chief Executive,ceo@example.org,link@example.org\n")
    return runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--contacts", str(contacts),
                               "--letter-date", "2020-07-22", *extra])


def test_letters_command_writes_one_per_council_and_a_manifest(runner, tmp_path, monkeypatch, register):
    monkeypatch.chdir(tmp_path)
    result = run_letters(runner, tmp_path, "--out", "out", "--jobs", "2")
    assert result.exit_code == 0, result.output
    councils = [a for a in register.active_in(BusinessYear(2020)) if a.group]
    files = sorted(p.name for p in (tmp_path / "out").glob("*.docx"))
    assert files == sorted(letter_filename(a.name) for a in councils)
    with open(tmp_path / "out" / "manifest.csv", newline="") as handle:
        manifest = list(csv.DictReader(handle))
    assert len(manifest) == len(files)
    bassetlaw = next(r for r in manifest if r["code"] == BASSETLAW)
    assert bassetlaw["file"] == "bassetlaw-district-council.docx"
    assert (bassetlaw["uphold_percent"], bassetlaw["average_uphold_percent"], bassetlaw["upheld"], bassetlaw["investigated"]) == ("67%", "27%", "2", "3")
    assert bassetlaw["satisfactory_remedy_percent"] == "50%" and bassetlaw["compliance_percent"] == "0%"
    # For the mailing job: to the chief executive, copied to the link officer.
    assert (bassetlaw["email"], bassetlaw["link_officer_email"]) == ("ceo@example.org", "link@example.org")
    import hashlib
    assert bassetlaw["sha256"] == hashlib.sha256((tmp_path / "out" / bassetlaw["file"]).read_bytes()).hexdigest()
    text = paragraphs(tmp_path / "out" / "bassetlaw-district-council.docx")
    assert "Dear Mr Taylor" in text and "22 July 2020" in text
    assert "Template:" in result.stderr and "annual-review-letter-2020.docx" in result.stderr


def test_rerun_is_byte_identical(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in ("one", "two"):
        assert run_letters(runner, tmp_path, "--out", out, "--authority", "Bassetlaw", "--authority", "Adur").exit_code == 0
    for name in ("bassetlaw-district-council.docx", "adur-district-council.docx", "manifest.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_default_folder_is_letters_year(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_letters(runner, tmp_path, "--authority", "Bassetlaw").exit_code == 0
    assert (tmp_path / "letters" / "2020" / "bassetlaw-district-council.docx").is_file()


def test_interrupted_run_leaves_the_folder_as_it_was(statistics, tmp_path, monkeypatch):
    # Issue 9: the folder always tells the truth. A run changes it only once everything is made.
    renderer = LetterRenderer(TEMPLATE_2020, PROPERTIES)
    planned = plan_letters(statistics, LETTER_DATE)
    write_letters(planned[:5], renderer, tmp_path / "out", jobs=1)
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    real_render = renderer.render
    calls = []

    def render_then_interrupt(context):
        calls.append(context["code"])
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_render(context)

    monkeypatch.setattr(renderer, "render", render_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_letters(planned, renderer, tmp_path / "out", jobs=1)
    after = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert after == before  # the earlier run's letters and manifest, untouched; no temporary file
    with open(tmp_path / "out" / "manifest.csv", newline="") as handle:
        assert [r["file"] for r in csv.DictReader(handle)] == sorted(p.filename for p in planned[:5])
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        write_letters(planned, renderer, tmp_path / "new", jobs=1)
    assert list((tmp_path / "new").iterdir()) == []  # a first run interrupted leaves an empty folder


def test_unknown_authority_and_pdf_without_libreoffice(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_letters(runner, tmp_path, "--authority", "Nowhere Council")
    assert result.exit_code == 2 and "Nowhere Council" in result.output
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("OMBUDSMAN_SOFFICE", raising=False)
    result = run_letters(runner, tmp_path, "--authority", "Bassetlaw", "--pdf", "--out", "pdfout")
    assert result.exit_code == 1 and "apt-get install libreoffice-writer-nogui" in result.output
    assert not (tmp_path / "pdfout").exists()


@pytest.mark.libreoffice
def test_pdf_letters_carry_the_figures(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_letters(runner, tmp_path, "--out", "out", "--pdf", "--authority", "Bassetlaw",
                         "--authority", "Hammersmith and Fulham", "--authority", "Ashfield")
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", "out/bassetlaw-district-council.pdf", "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert "67% of complaints we investigated were upheld." in flat
    assert "In 50% of upheld cases" in flat and "a total of 3 detailed investigations" in flat
    hammersmith = subprocess.run(["pdftotext", "out/london-borough-of-hammersmith-fulham.pdf", "-"],
                                 capture_output=True, text=True).stdout
    assert "London Borough of Hammersmith & Fulham" in hammersmith  # LibreOffice opened it
    with open("out/manifest.csv", newline="") as handle:
        assert all(r["pdf"] and len(r["pdf_sha256"]) == 64 for r in csv.DictReader(handle))
    assert not list(Path("out").glob(".*"))  # no scratch folders or partial files left


def test_pdf_batches_are_bounded_and_a_lost_pdf_is_named(runner, tmp_path, monkeypatch, fake_soffice):
    from ombudsman_cli.letters.pdf import BATCH_SIZE

    monkeypatch.setenv("FAKE_SOFFICE_SKIP", "bassetlaw")
    monkeypatch.chdir(tmp_path)
    result = run_letters(runner, tmp_path, "--out", "out", "--pdf", "--jobs", "2")
    assert result.exit_code == 1
    assert "did not convert 1 of" in result.output and "bassetlaw-district-council.docx" in result.output
    calls = [files for files, _ in logged_calls(fake_soffice)]
    letters = len(list((tmp_path / "out").glob("*.docx")))
    assert max(calls) <= BATCH_SIZE and sum(calls) == letters + 1  # every letter once, Bassetlaw retried alone
    assert len(list((tmp_path / "out").glob("*.pdf"))) == letters - 1
    with open(tmp_path / "out" / "manifest.csv", newline="") as handle:
        rows = {r["code"]: r for r in csv.DictReader(handle)}
    assert len(rows) == letters and rows[BASSETLAW]["pdf"] == "" and rows[ADUR]["pdf"] == "adur-district-council.pdf"


def test_broken_jinja_names_the_place_in_the_template(tmp_path):
    from ombudsman_cli.errors import TemplateProblem

    template = tmp_path / "broken.docx"
    document = docx.Document(GENERIC)
    document.add_paragraph("Our reference: {{ authority ")
    document.save(template)
    with pytest.raises(TemplateProblem, match=r"(?s)broken.docx: the template's Jinja cannot be used.*Our reference: \{\{ authority"):
        LetterRenderer(template, PROPERTIES)


def test_ctrl_c_from_the_command_line_says_nothing_changed(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real_render = LetterRenderer.render
    calls = []

    def render_then_interrupt(self, context):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_render(self, context)

    monkeypatch.setattr(LetterRenderer, "render", render_then_interrupt)
    result = run_letters(runner, tmp_path, "--out", "out", "--jobs", "1")
    assert result.exit_code == 130
    assert "Interrupted: nothing in out was changed" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_letters_refuse_an_export_with_problems_and_write_nothing(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = as_text(ROWS)
    rows[2][3] = "Sort of upheld"
    path = write_csv(tmp_path / "d.csv", rows)
    result = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--out", "out"])
    assert result.exit_code == 1 and "row 4, column outcome" in result.output
    assert not (tmp_path / "out").exists()
    result = runner.invoke(cli, ["letters", "--decisions", str(path), "--year", "2020", "--out", "out",
                                 "--skip-invalid", "--authority", "Bassetlaw", "--letter-date", "2020-07-22"])
    assert result.exit_code == 0 and "Left out 1 of" in result.stderr
    text = paragraphs(tmp_path / "out" / "bassetlaw-district-council.docx")
    assert "Statistics are based on a total of 2 detailed investigations for the period between 1 April 2019 to 31 March 2020" in text


def test_text_with_a_newline_or_tab_takes_docxtpls_listing_pass_and_stays_identical(statistics, renderer):
    contact = Contact(title="Ms", surname="Line\nBreak\tTab", job_title="Chief\nExecutive")
    context = letter_context(statistics.find(BASSETLAW), LETTER_DATE, contact)
    content = renderer.render(context)
    assert content == render_with_docxtpl(TEMPLATE_2020, context, PROPERTIES)
    assert "Dear Ms Line\nBreak\tTab" in paragraphs(content)  # a line break and a tab, as docxtpl makes them


def test_a_council_with_no_rate_at_all_gets_no_chart(runner, tmp_path, monkeypatch):
    """Ashfield had decisions but no detailed investigation and no compliance outcome: a chart would show only
    the averages, with a legend entry for bars that are not there (issue 18)."""
    import zipfile

    monkeypatch.chdir(tmp_path)
    result = run_letters(runner, tmp_path, "--out", "out", "--template", str(GENERIC), "--authority", "Ashfield",
                         "--authority", "Bassetlaw")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "out" / "ashfield-district-council.docx") as letter:
        assert b"<c:chart " not in letter.read("word/document.xml")
    with zipfile.ZipFile(tmp_path / "out" / "bassetlaw-district-council.docx") as letter:
        assert b"<c:chart " in letter.read("word/document.xml")


def generic_page(statistics, code: str) -> list[str]:
    """The sentences of the generic letter's statistics pages, whose period end is a date in words."""
    text = paragraphs(LetterRenderer(GENERIC, PROPERTIES).render(letter_context(statistics.find(code), LETTER_DATE)))
    return sentences(text[text.index("For the period ending 31 March 2020") + 1:])


def test_the_generic_letter_words_its_counts_as_sentences(statistics):
    """Issue 18: no bare "2 upheld decisions" line, and the period read "between ... and ..."."""
    page = generic_page(statistics, BASSETLAW)
    between = "for the period between 1 April 2019 and 31 March 2020."
    # Issue 33: the counts in words; fewer than three cases said in words, not as a percentage first.
    assert "We upheld 2 of the 3 complaints we investigated." in page
    assert "67% of complaints we investigated were upheld." in page
    assert f"Statistics are based on a total of 3 detailed investigations {between}" in page
    assert "Your authority did not comply with our recommendations in the one case we recorded." in page
    assert not [line for line in page if line.startswith("In 0% of cases")]
    assert f"Statistics are based on a total of 1 compliance outcome {between}" in page
    assert ("Your authority had put things right before the complaint reached us in 1 of the 2 upheld cases."
            in page) and not [line for line in page if line.startswith("In 50% of upheld cases")]
    assert f"Statistics are based on a total of 2 upheld decisions {between}" in page
    assert not [line for line in page if re.fullmatch(r"\d+ (upheld|satisfactory remedy) decisions?", line)]
    assert not [line for line in page if " to 31 March" in line]


def test_the_generic_letter_says_nothing_of_a_total_of_none(statistics):
    page = " ".join(generic_page(statistics, ASHFIELD))
    assert "We did not complete a detailed investigation of any complaint" in page
    assert "We did not uphold any complaint about your authority" in page
    assert "a total of 0" not in page and "0 upheld decisions" not in page and "of 0 " not in page


def test_a_rate_per_residents_on_few_upheld_decisions_carries_the_caution(statistics):
    page = generic_page(statistics, BASSETLAW)  # 2 upheld decisions: fewer than 10
    at = next(i for i, line in enumerate(page) if line.startswith("We upheld 2 complaints about your authority:"))
    assert page[at + 1].startswith("This compares to an average of")
    assert page[at + 2] == "This figure is based on a small number of cases and should be read with care."


def test_the_generic_letters_links_say_where_they_go(statistics, tmp_path):
    """Only the 2020 letter keeps the seed's bare "website" link (issue 18)."""
    path = tmp_path / "g.docx"
    path.write_bytes(LetterRenderer(GENERIC, PROPERTIES).render(letter_context(statistics.find(BASSETLAW), LETTER_DATE)))
    links = [h.text for p in docx.Document(path).paragraphs for h in p.hyperlinks]
    assert "website" not in links and "website page on interpreting our statistics" in links


def test_every_letters_chart_has_the_same_plot_geometry(statistics):
    """A long label ("no rate for your authority") must not squeeze the plot: a 100% bar is as long in every
    letter (issue 18)."""
    layouts = set()
    for code in (BASSETLAW, ASHFIELD, ADUR):
        part = chart_xml(letter_context(statistics.find(code), LETTER_DATE)["chart"]).decode()
        found = re.findall(r"<c:plotArea><c:layout><c:manualLayout>.*?</c:manualLayout>", part)
        assert len(found) == 1 and '<c:layoutTarget val="inner"/>' in found[0]
        layouts.add(found[0])
    assert len(layouts) == 1


@pytest.mark.parametrize("arguments", [
    ["letters", "--year", "2020", "--authority", "Bassetlaw", "--out", "letters"],
    ["stats", "--year", "2020", "--format", "json"],
    ["check", "--year", "2020", "--format", "json"],
])
@pytest.mark.parametrize("export", ["xlsx", "csv"])
def test_counting_commands_never_load_pandas(arguments, export, tmp_path):
    """Letters, stats and check count with numpy (issue 21): pandas, half a second to load, is for a CSV
    export large enough that its parser pays for itself, and for library callers of ``.records``."""
    decisions = ROOT / "examples" / "decisions-2018-2021.xlsx"
    if export == "csv":
        loaded = load_decisions(decisions)
        decisions = tmp_path / "decisions.csv"
        with decisions.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["reference", "authority", "decision_date", "outcome"])
            for row in zip(*(loaded.columns[c].tolist() for c in ("reference", "code", "decision_date", "outcome"))):
                writer.writerow([row[0], row[1], f"{row[2]:%d/%m/%Y}", row[3]])
    loaded, _ = heavy_modules_loaded([*arguments, "--decisions", str(decisions)], tmp_path, ["pandas"])
    assert loaded == []


def test_the_export_read_ahead_gives_the_same_decisions_and_raises_its_problems_where_used(tmp_path):
    from ombudsman_cli.cli.base import Session
    from ombudsman_cli.errors import InputFileError

    export = ROOT / "examples" / "decisions-2018-2021.xlsx"
    ahead = Session(None, export, None, None)
    ahead.read_ahead()
    assert ahead.decisions.records.equals(Session(None, export, None, None).decisions.records)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    session = Session(None, broken, None, None)
    session.read_ahead()  # starting it raises nothing: the command may still refuse its arguments first
    with pytest.raises(InputFileError, match="broken.xlsx"):
        _ = session.decisions


def test_headers_footers_and_paragraph_spanning_tags_render_as_docxtpl_does(statistics, tmp_path):
    """The renderer does docxtpl's part rendering itself (compiled once, line breaks moved by replace):
    a template with tags in its header and footer, and a block that spans paragraphs, gives docxtpl's
    bytes for every kind of council."""
    template = tmp_path / "t.docx"
    document = docx.Document(GENERIC)
    section = document.sections[0]
    section.header.paragraphs[0].text = "Review of {{ authority }} for {{ year_label }}"
    section.footer.paragraphs[0].text = "{% if upheld.defined %}{{ upheld.percent }} upheld{% endif %}"
    document.add_paragraph("{% for row in outcomes %}")
    document.add_paragraph("{{ row.outcome }}\t{{ row.decisions }}")
    document.add_paragraph("{% endfor %}")
    document.add_paragraph("A <w:p > that is text, and {_{ braces }_} kept")
    document.save(template)
    renderer = LetterRenderer(template, PROPERTIES)
    for code in (BASSETLAW, ASHFIELD, HAMMERSMITH):
        context = letter_context(statistics.find(code), LETTER_DATE)
        content = renderer.render(context)
        assert content == render_with_docxtpl(template, context, PROPERTIES)
    header = docx.Document(io.BytesIO(content)).sections[0].header.paragraphs[0].text
    assert header == f"Review of {context['authority']} for 2019/20"


def test_namespaces_declared_again_inside_the_body_give_docxtpls_bytes(statistics, tmp_path):
    """LibreOffice declares some namespaces on the elements that use them (the chart's ``r``), and the
    document declares them too. docxtpl moves each letter's body into the document, which drops such
    declarations; a letter made from such a template is still docxtpl's, byte for byte, and so is one
    whose body declares a namespace the document does not, or one declared again inside an element that
    declares it."""
    import zipfile

    relationships = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    extra = 'xmlns:x="urn:example:extra"'
    with zipfile.ZipFile(GENERIC) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}
    document = parts["word/document.xml"].decode()
    for name, edited in (
        ("inner.docx", document.replace("<c:chart ", f"<c:chart {relationships} ", 1)),
        ("body.docx", re.sub(r"<w:body>", f"<w:body {extra}>", document, count=1)),
        ("nested.docx", document.replace("<c:chart ", '<c:chart xmlns:a="http://schemas.openxmlformats.org/'
                                                      'drawingml/2006/main" ', 1)),
    ):
        assert edited != document
        template = tmp_path / name
        with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as package:
            for part, data in parts.items():
                package.writestr(part, edited.encode() if part == "word/document.xml" else data)
        renderer = LetterRenderer(template, PROPERTIES)
        for code in (BASSETLAW, HAMMERSMITH):
            context = letter_context(statistics.find(code), LETTER_DATE)
            assert renderer.render(context) == render_with_docxtpl(template, context, PROPERTIES), name


def test_an_error_while_filling_the_template_names_the_place_and_the_letter(statistics, tmp_path):
    from ombudsman_cli.errors import TemplateProblem

    template = tmp_path / "t.docx"
    document = docx.Document(GENERIC)
    document.add_paragraph("Rate check: {{ upheld.count // (upheld.total - upheld.total) }}")
    document.save(template)
    planned = plan_letters(statistics, LETTER_DATE, codes=[BASSETLAW])
    with pytest.raises(TemplateProblem, match=r"(?s)letter to Bassetlaw.*Rate check"):
        write_letters(planned, LetterRenderer(template, PROPERTIES), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []  # nothing written, no staging folder left


def test_letters_shared_between_this_process_and_workers_are_the_same_files_and_all_counted(statistics, renderer,
                                                                                           tmp_path):
    planned = plan_letters(statistics, LETTER_DATE)
    made = {}
    for jobs in (1, 2, 3):
        advanced = []
        run = write_letters(planned, renderer, tmp_path / f"jobs{jobs}", jobs=jobs, progress=advanced.append)
        assert sum(advanced) == len(planned)  # the progress bar reaches its end, counted once per letter
        assert [w.path.name for w in run.letters] == [p.filename for p in planned]
        for written in run.letters:
            assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()
        made[jobs] = {w.path.name: w.path.read_bytes() for w in run.letters}
    assert made[1] == made[2] == made[3]


def test_each_part_is_deflated_to_the_same_bytes_as_with_zlibs_largest_window():
    """A part is deflated with a window fitted to its size (zlib's largest costs more to set up than most
    parts cost to compress): the bytes are those of the largest window, on both sides of every size where
    the fitted window changes, and they inflate back to the part."""
    import random
    import zlib

    from ombudsman_cli.packages import COMPRESSION_LEVEL, compress

    words = [w.encode() for w in "council upheld <w:t> </w:t> 12% remedy 2019/20 complaint 07:00 & ; ".split()]
    rng = random.Random(7)
    sizes = {0, 1, 100, 40_000, 100_000}
    for bits in range(9, 17):
        sizes.update(n for n in ((1 << bits) - 262 + step for step in (-2, -1, 0, 1)) if n >= 0)
    for size in sorted(sizes):
        for data in (b" ".join(rng.choice(words) for _ in range(size))[:size], rng.randbytes(size)):
            largest = zlib.compressobj(COMPRESSION_LEVEL, zlib.DEFLATED, -15)
            packed = compress(data)
            assert packed.data == largest.compress(data) + largest.flush(), size
            assert zlib.decompress(packed.data, -15) == data and packed.size == len(data)
            assert packed.crc == zlib.crc32(data)


def test_a_letter_without_its_chart_carries_none_of_the_charts_parts(statistics):
    """Issue 31: a council with no rate gets no chart, and its file holds no chart part, no embedded
    workbook and no relationship to either: no figures that are not on its page. The same bytes by
    docxtpl's own path; a letter with its chart keeps every part."""
    import zipfile

    generic = LetterRenderer(GENERIC, PROPERTIES)
    ashfield = letter_context(statistics.find(ASHFIELD), LETTER_DATE)  # nothing investigated, no compliance
    adur = letter_context(statistics.find(ADUR), LETTER_DATE, chart=False)  # rates, but no chart asked for
    bassetlaw = letter_context(statistics.find(BASSETLAW), LETTER_DATE)
    assert ashfield["chart"]["shown"] is False and bassetlaw["chart"]["shown"] is True
    for context, charted in ((ashfield, False), (adur, False), (bassetlaw, True), (ashfield, False)):
        content = generic.render(context)  # Ashfield twice: the package without the chart is made once
        assert content == render_with_docxtpl(GENERIC, context, PROPERTIES)
        assert package_problems(content) == []
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = package.namelist()
            rels = package.read("word/_rels/document.xml.rels")
            types = package.read("[Content_Types].xml")
        chart_parts = [n for n in names if n.startswith(("word/charts/", "word/embeddings/"))]
        if charted:
            assert chart_parts == ["word/charts/chart1.xml", "word/charts/_rels/chart1.xml.rels",
                                   "word/embeddings/rates-chart-1.xlsx"]
            assert b"charts/chart1.xml" in rels and b"/word/charts/chart1.xml" in types
        else:
            assert chart_parts == [] and b"chart" not in rels and b"chart" not in types, context["authority"]
        assert paragraphs(content)  # opens
