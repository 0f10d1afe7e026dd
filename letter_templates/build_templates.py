"""Build the letter templates in this folder: ``python letter_templates/build_templates.py``.

This script made the first versions of the templates. The committed ``.docx`` files are the source of
truth from then on: the performance team edits them in Word or LibreOffice, and running this script
again overwrites their edits.

- ``annual-review-letter-2020.docx``: the 2020 letter, word for word as the ombudsman sent it.
- ``annual-review-letter.docx``: the generic letter for a year without its own template; it states
  no fact that belongs to one year.

Both are docxtpl templates (Jinja tags in the text; ``{%p ... %}`` tags on paragraphs of their own).
The variables are listed in the README. Unused styles are pruned, which halves rendering and PDF time.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
FONT = "Arial"
LINK_COLOUR = RGBColor(0x1F, 0x4E, 0x9A)
LINKS = {
    "Your council's performance": "https://www.lgo.org.uk/your-councils-performance",
    "website": "https://www.lgo.org.uk/information-centre/reports/annual-review-reports/interpreting-the-statistics",
    "www.lgo.org.uk/training": "https://www.lgo.org.uk/training",
}
LINKS["website page on interpreting our statistics"] = LINKS["website"]
_LINK_PATTERN = re.compile(r"\[\[(.+?)\]\]")

INTRO_2020 = (
    "I write to you with our annual summary of statistics on the decisions made by the Local Government "
    "and Social Care Ombudsman about your authority for the year ending {{ year_end }}. Given the exceptional "
    "pressures under which local authorities have been working over recent months, I thought carefully about "
    "whether it was still appropriate to send you this annual update. However, now, more than ever, I believe "
    "that it is essential that the public experience of local services is at the heart of our thinking. So, I "
    "hope that this feedback, which provides unique insight into the lived experience of your Council's "
    "services, will be useful as you continue to deal with the current situation and plan for the future."
)
INTRO_GENERIC = (
    "I write to you with our annual summary of statistics on the decisions made by the Local Government "
    "and Social Care Ombudsman about your authority for the year ending {{ year_end }}. I hope that this "
    "feedback, which provides unique insight into the lived experience of your Council's services, will be "
    "useful as you plan for the future."
)
STATISTICS_INTRO = (
    "This year, we continue to place our focus on the outcomes of complaints and what can be learned from "
    "them. We want to provide you with the most insightful information we can and have made several changes "
    "over recent years to improve the data we capture and report. We focus our statistics on these three key "
    "areas:"
)
KEY_AREAS = [
    ("Complaints upheld", " - We uphold complaints when we find some form of fault in an authority's actions, "
     "including where the authority accepted fault before we investigated. A focus on how often things go "
     "wrong, rather than simple volumes of complaints provides a clearer indicator of performance."),
    ("Compliance with recommendations", " - We recommend ways for authorities to put things right when faults "
     "have caused injustice. Our recommendations try to put people back in the position they were before the "
     "fault and we monitor authorities to ensure they comply with our recommendations. Failure to comply with "
     "our recommendations is rare. An authority with a compliance rate below 100% should scrutinise those "
     "complaints where it failed to comply and identify any learning."),
    ("Satisfactory remedies provided by the authority", " - We want to encourage the early resolution of "
     "complaints and to credit authorities that have a positive and open approach to resolving complaints. We "
     "recognise cases where an authority has taken steps to put things right before the complaint came to us. "
     "The authority upheld the complaint and we agreed with how it offered to put things right."),
]
COMPARISON = (
    "Finally, we compare the three key annual statistics for your authority with similar types of authorities "
    "to work out an average level of performance. We do this for County Councils, District Councils, "
    "Metropolitan Boroughs, Unitary Councils, and London Boroughs."
)
MAP_2020 = (
    "This data will be uploaded to our interactive map, [[Your council's performance]], along with a copy of "
    "this letter on 29 July 2020, and our Review of Local Government Complaints. For further information on "
    "how to interpret our statistics, please visit our [[website]]."
)
MAP_GENERIC = (
    "This data will be uploaded to our interactive map, [[Your council's performance]], along with a copy of "
    "this letter, and our Review of Local Government Complaints. For further information on how to interpret "
    "our statistics, please visit our [[website page on interpreting our statistics]]."
)
RESOURCES_2020 = [
    "There are a range of resources available that can support you to place the learning from complaints, "
    "about your authority and others, at the heart of your system of corporate governance. [[Your council's "
    "performance]] launched last year and puts our data and information about councils in one place. Again, "
    "the emphasis is on learning, not numbers. You can find the decisions we have made, public reports we have "
    "issued, and the service improvements your Council has agreed to make as a result of our investigations, "
    "as well as previous annual review letters.",
    "I would encourage you to share the tool with colleagues and elected members; the information can provide "
    "valuable insights into service areas, early warning signs of problems and is a key source of information "
    "for governance, audit, risk and scrutiny functions.",
    "Earlier this year, we held our link officer seminars in London, Bristol, Leeds and Birmingham. Attended by "
    "178 delegates from 143 local authorities, we focused on maximising the impact of complaints, making sure "
    "the right person is involved with complaints at the right time, and how to overcome common challenges.",
    "We have a well-established and successful training programme supporting local authorities and independent "
    "care providers to help improve local complaint handling. During the year, we delivered 118 courses, "
    "training more than 1,400 people. This is 47 more courses than we delivered last year and included more "
    "training to adult social care providers than ever before. To find out more visit "
    "[[www.lgo.org.uk/training]].",
]
RESOURCES_GENERIC = [
    "There are a range of resources available that can support you to place the learning from complaints, "
    "about your authority and others, at the heart of your system of corporate governance. [[Your council's "
    "performance]] puts our data and information about councils in one place. The emphasis is on learning, not "
    "numbers. You can find the decisions we have made, public reports we have issued, and the service "
    "improvements your Council has agreed to make as a result of our investigations, as well as previous "
    "annual review letters.",
    "I would encourage you to share the tool with colleagues and elected members; the information can provide "
    "valuable insights into service areas, early warning signs of problems and is a key source of information "
    "for governance, audit, risk and scrutiny functions.",
    "We have a well-established and successful training programme supporting local authorities and independent "
    "care providers to help improve local complaint handling. To find out more visit "
    "[[www.lgo.org.uk/training]].",
]
SIGNATURE_2020 = ["Michael King", "Local Government and Social Care Ombudsman",
                  "Chair, Commission for Local Administration in England"]


ORGANISATION = "Local Government and Social Care Ombudsman"
ADDRESS = "Local Government and Social Care Ombudsman, PO Box 4771, Coventry CV4 0EH"
WEBSITE = "www.lgo.org.uk"
LANGUAGE = "en-GB"
TEXT_WIDTH = Cm(16.0)  # A4 less two margins of 2.5 cm
BODY_SIZE = 12
MARK_COLOUR = RGBColor(0x1D, 0x3D, 0x6E)  # the chart's dark blue: 11:1 against white
SENDER = ["PO Box 4771", "Coventry CV4 0EH", "Telephone 0300 061 0614", WEBSITE]
HEADER_SHADING = "E7E6E6"  # a light grey behind black text: 13:1
RULE_COLOUR = "A6A6A6"
_THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _set_font(style: object, size: float, bold: bool = False, colour: RGBColor | None = None) -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = FONT
    font.size = Pt(size)
    font.bold = bold
    if colour is not None:
        font.color.rgb = colour
    # East Asian and complex-script fonts too, so Word does not substitute another font.
    fonts = style.element.rPr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _one_typeface(document: docx.Document) -> None:
    """Arial everywhere: every style, the document defaults and the theme (whose Calibri and Cambria
    headings would otherwise fall back to another typeface), in British English, widow control on."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = run_defaults.find(qn("w:lang"))
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), LANGUAGE)
    for fonts in styles.iter(qn("w:rFonts")):
        for attribute in _THEME_ATTRIBUTES:
            fonts.attrib.pop(qn(attribute), None)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), FONT)
    defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).get_or_add_widowControl()
    document.styles["Normal"].paragraph_format.widow_control = True
    for part in document.part.package.parts:
        if part.partname.endswith("/theme1.xml"):
            part._blob = re.sub(rb'<a:latin typeface="[^"]*"', f'<a:latin typeface="{FONT}"'.encode(), part.blob)


def _settings(document: docx.Document) -> None:
    settings = document.settings.element
    settings.find(qn("w:zoom")).set(qn("w:percent"), "100")  # the schema requires it
    for element in settings.findall(qn("w:rsids")) + settings.findall(qn("w:savePreviewPicture")):
        settings.remove(element)
    theme_language = settings.find(qn("w:themeFontLang"))
    if theme_language is not None:
        theme_language.set(qn("w:val"), LANGUAGE)


def _properties(document: docx.Document) -> None:
    """Metadata that names the ombudsman and nothing else (no "generated by", no other application)."""
    core = document.core_properties
    core.author = ORGANISATION
    core.title = "Annual Review letter"
    core.created = core.modified = datetime(2020, 7, 1)
    core.last_modified_by = ORGANISATION
    core.revision = 1
    core.language = LANGUAGE
    core.comments = ""
    element = document.part.package.part_related_by(RT.CORE_PROPERTIES)._element
    for child in list(element):
        if child.text in (None, "") and not len(child):
            element.remove(child)  # empty subject, keywords, description, category
    app = document.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    app._blob = (
        b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        + f"<Company>{ORGANISATION}</Company>".encode() + b"</Properties>"
    )


def _field(paragraph: object, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice keep up to date."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)  # type: ignore[attr-defined]


def _footer(document: docx.Document) -> None:
    footer = document.sections[0].footer
    address = footer.paragraphs[0]
    address.style = document.styles["Footer"]
    address.text = f"{ADDRESS} · {WEBSITE}"  # one line at 9 points
    pages = footer.add_paragraph(style="Footer")
    pages.add_run("Page ")
    _field(pages, "PAGE", "1")
    pages.add_run(" of ")
    _field(pages, "NUMPAGES", "1")


def _new_document(year_specific: bool) -> docx.Document:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.footer_distance = Cm(1.0)
    styles = document.styles
    normal = styles["Normal"]
    _set_font(normal, BODY_SIZE)  # RNIB Clear Print: 12 points at least
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Heading 1", 16), ("Heading 2", 13)):
        heading = styles[name]
        _set_font(heading, size, bold=True, colour=RGBColor(0, 0, 0))
        # The generic letter's statistics fit as few pages as they can: a little less space above a heading.
        heading.paragraph_format.space_before = Pt(12 if year_specific else 10)
        heading.paragraph_format.space_after = Pt(4)
        heading.paragraph_format.keep_with_next = True
    title = styles["Title"]
    _set_font(title, 16, bold=False, colour=RGBColor(0, 0, 0))
    title.paragraph_format.space_after = Pt(18)
    title_ppr = title.element.pPr
    for border in title_ppr.findall(qn("w:pBdr")):
        title_ppr.remove(border)
    address = styles.add_style("Address", WD_STYLE_TYPE.PARAGRAPH)
    address.base_style = normal
    address.paragraph_format.space_after = Pt(0)
    footer = styles["Footer"]
    _set_font(footer, 9)
    footer.paragraph_format.space_after = Pt(0)
    footer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = styles["Caption"]
    _set_font(caption, 9, colour=RGBColor(0, 0, 0))
    caption.font.italic = False
    caption.paragraph_format.space_after = Pt(10)
    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.underline = True
    link.font.color.rgb = LINK_COLOUR
    _one_typeface(document)
    _settings(document)
    _properties(document)
    _footer(document)
    return document


def _paragraph(document: docx.Document, text: str, style: str | None = None, bold_prefix: str = "") -> object:
    paragraph = document.add_paragraph(style=style)
    if bold_prefix:
        paragraph.add_run(bold_prefix).bold = True
    position = 0
    for match in _LINK_PATTERN.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position:match.start()])
        _hyperlink(paragraph, match.group(1), LINKS[match.group(1)])
        position = match.end()
    if position < len(text):
        paragraph.add_run(text[position:])
    return paragraph


def _hyperlink(paragraph: object, text: str, url: str) -> None:
    part = paragraph.part  # type: ignore[attr-defined]
    relationship = part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    properties.append(style)
    run.append(properties)
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)  # type: ignore[attr-defined]


def _tag(document: docx.Document, tag: str) -> None:
    """A paragraph holding only a ``{%p ... %}`` tag; docxtpl removes it when rendering."""
    document.add_paragraph(f"{{%p {tag} %}}")


def _kept(paragraph: object, last: bool = False) -> object:
    """A line of a statistic's block: never split, and on the page of the next line unless it is the
    block's last (a chain from block to block would be longer than a page, which LibreOffice then breaks
    anywhere)."""
    paragraph.paragraph_format.keep_together = True  # type: ignore[attr-defined]
    paragraph.paragraph_format.keep_with_next = not last  # type: ignore[attr-defined]
    return paragraph


def _rate_section(document: docx.Document, heading: str, variable: str, lines: dict[str, str], generic: bool) -> None:
    """One statistic: its heading, its rate (or why there is none), the comparison, the caution on a few
    cases, and what it rests on, kept on one page. The generic letter says the rate, the comparison and
    the caution in one paragraph and the counts in sentences inside the branch that has them; the 2020
    letter keeps the seed's lines."""
    document.add_paragraph(heading, style="Heading 2")
    _tag(document, f"if {variable}.defined")
    average = f"This compares to an average of {{{{ {variable}.average }}}} in similar authorities."
    caution = "This figure is based on a small number of cases and should be read with care."
    basis = f"Statistics are based on a total of {{{{ {variable}.based_on }}}} for the period between "
    followed = bool(lines.get("after")) and not generic
    if generic:
        # The rate first, then its counts in words ("We upheld 4 of the 6 complaints we investigated."); on
        # fewer than three cases the words alone ("We did not uphold either of the 2 ..."), no percentage.
        # A rate that is not exactly 100% (or 0%) reads "over 99%" ("under 1%").
        average = average.replace(f"{variable}.average", f"{variable}.average_shown")
        rate = lines["rate"].replace(f"{variable}.percent", f"{variable}.percent_shown")
        _kept(document.add_paragraph(f"{{% if {variable}.few %}}{{{{ {variable}.in_words }}}}{{% else %}}{rate}"
                                     f"{{% endif %}}{{% if {variable}.has_average %}} {average}{{% endif %}}"
                                     f"{_expected_range(variable)}"
                                     f"{{% if {variable}.small %}} {caution}{{% endif %}}{lines.get('inline', '')}"))
        count = f"{{% if not {variable}.few %}}{{{{ {variable}.in_words }}}} {{% endif %}}"
        _kept(document.add_paragraph(f"{count}{basis}{{{{ period_between }}}}."), last=not followed)
        _tag(document, "else")
        _kept(document.add_paragraph(lines["undefined"]), last=not followed)
        _tag(document, "endif")
    else:
        _kept(document.add_paragraph(lines["rate"]))
        _tag(document, f"if {variable}.has_average")
        _kept(document.add_paragraph(average))
        _tag(document, "endif")
        _tag(document, f"if {variable}.small")
        _kept(document.add_paragraph(caution))
        _tag(document, "endif")
        _tag(document, "else")
        _kept(document.add_paragraph(lines["undefined"]))
        _tag(document, "endif")
        if "count" in lines:
            _kept(document.add_paragraph(lines["count"]))
        _kept(document.add_paragraph(f"{basis}{{{{ period }}}}"), last=not followed)
    for extra in lines.get("after", []) if not generic else []:
        _kept(document.add_paragraph(extra), last=extra == lines["after"][-1])


def _expected_range(variable: str) -> str:
    """Whether the rate is within the range chance gives an authority with as many cases at its group's
    average (the funnel limits): the letter's own words for each judgement."""
    judged = f"{variable}.vs_average"
    cases = "for an authority with this number of cases"
    return (f'{{% if {judged} == "expected" %}} That is within the range we would expect by chance {cases}.'
            f'{{% elif {judged} in ("higher", "much_higher") %}} That is {{% if {judged} == "much_higher" %}}well '
            f'{{% endif %}}above the range we would expect by chance {cases}.'
            f'{{% elif {judged} in ("lower", "much_lower") %}} That is {{% if {judged} == "much_lower" %}}well '
            f'{{% endif %}}below the range we would expect by chance {cases}.{{% endif %}}')


def _statistics_page(document: docx.Document, generic: bool) -> None:
    """The annex, from a page of its own as in the seed letter: the council, the period, each statistic."""
    heading = document.add_paragraph("{{ authority }}", style="Heading 1")
    heading.paragraph_format.page_break_before = True
    heading.paragraph_format.space_before = Pt(0)
    document.add_paragraph("For the period ending {{ year_end }}" if generic
                           else "For the period ending: {{ period_ending }}")
    _rate_section(document, "Complaints upheld", "upheld", {
        "rate": "{{ upheld.percent }} of complaints we investigated were upheld.",
        "undefined": "We did not complete a detailed investigation of any complaint about your authority in "
                     "this period, so there is no uphold rate to report.",
        "count": "{{ upheld.decisions }}",  # the 2020 letter's line; the generic letter says upheld.in_words
    }, generic)
    _rate_section(document, "Compliance with Ombudsman recommendations", "compliance", {
        "rate": "In {{ compliance.percent }} of cases we were satisfied the authority had successfully "
                "implemented our recommendations.",
        "undefined": "We recorded no compliance outcome for your authority in this period, so there is no "
                     "compliance rate to report.",
        "after": ["Failure to comply with our recommendations is rare. An authority with a compliance rate "
                  "below 100% should scrutinise those complaints where it failed to comply and identify any "
                  "learning."],
        # The generic letter gives the advice where it applies, in the rate's paragraph.
        "inline": "{% if compliance.count < compliance.total %} Failure to comply with our recommendations is rare. "
                  "An authority with a compliance rate below 100% should scrutinise those complaints where it "
                  "failed to comply and identify any learning.{% endif %}",
    }, generic)
    _rate_section(document, "Satisfactory remedy provided by the authority", "remedy", {
        "rate": "In {{ remedy.percent }} of upheld cases we found the authority had provided a satisfactory "
                "remedy before the complaint reached the Ombudsman.",
        "undefined": "We did not uphold any complaint about your authority in this period, so there is no "
                     "satisfactory remedy rate to report.",
        "count": "{{ remedy.decisions }}",
    }, generic)


# CT_PPrBase's sequence (the part before the run properties), which Word checks.
_PARAGRAPH_PROPERTY_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
                             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku",
                             "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi",
                             "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
                             "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
                             "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"]


def _cell_paragraph(cell: object, text: str, bold: bool = False, right: bool = False, keep: bool = True) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.text = ""
    run = paragraph.add_run(text)
    run.bold = bold
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    paragraph.paragraph_format.keep_with_next = keep  # the table stays with its heading, on one page
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _border(name: str, colour: str = RULE_COLOUR, size: int = 4) -> object:
    element = OxmlElement(f"w:{name}")
    element.set(qn("w:val"), "single" if size else "nil")
    if size:
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), colour)
    return element


def _table(document: docx.Document, caption: str, description: str, header: list[str], cells: list[str],
           loop: str, widths: list[float], figures: set[int], last: bool = False) -> None:
    """A table the full text width whose body rows repeat with docxtpl's ``{%tr for ... %}``: a named
    header row (shaded, repeated on a new page), row labels in the first column, light rules, figures on
    the right, kept on one page with its heading, with a title and description for screen readers."""
    assert all(header), "every header cell is named"
    table = document.add_table(rows=4, cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    scale = TEXT_WIDTH / Cm(sum(widths))
    for column, width in zip(table.columns, widths):
        column.width = int(Cm(width) * scale)  # the grid, which LibreOffice follows
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = int(Cm(width) * scale)  # each cell, which Word follows
    for column, text in enumerate(header):
        _cell_paragraph(table.cell(0, column), text, bold=True, right=column in figures)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), HEADER_SHADING)
        table.cell(0, column)._tc.get_or_add_tcPr().append(shading)
    _cell_paragraph(table.cell(1, 0), f"{{%tr {loop} %}}")
    for column, text in enumerate(cells):
        _cell_paragraph(table.cell(2, column), text, right=column in figures, keep=not last)
    _cell_paragraph(table.cell(3, 0), "{%tr endfor %}")
    properties = table._tbl.tblPr
    width = properties.find(qn("w:tblW"))
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")
    borders = OxmlElement("w:tblBorders")
    for name in ("top", "left", "bottom", "right", "insideH", "insideV"):  # the schema's order
        borders.append(_border(name, size=0 if name in ("left", "right", "insideV") else 4))
    properties.append(borders)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "bottom"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "20")  # a point above and below each row's text: the tables stay compact
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.append(margins)
    look = properties.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        properties.append(look)
    for attribute, value in (("w:val", "04A0"), ("w:firstRow", "1"), ("w:lastRow", "0"), ("w:firstColumn", "1"),
                             ("w:lastColumn", "0"), ("w:noHBand", "1"), ("w:noVBand", "1")):
        look.set(qn(attribute), value)
    title = OxmlElement("w:tblCaption")
    title.set(qn("w:val"), caption)
    properties.append(title)
    summary = OxmlElement("w:tblDescription")
    summary.set(qn("w:val"), description)
    properties.append(summary)
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeated on a new page
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    _in_schema_order(properties, _TABLE_PROPERTY_ORDER)


# CT_TblPr's sequence, which Word checks: an element out of place makes the file "unreadable".
_TABLE_PROPERTY_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                         "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
                         "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"]


def _in_schema_order(properties: object, order: list[str]) -> None:
    """Properties in the order the schema's sequence gives them: an element out of place makes Word call
    the file "unreadable"."""
    children = list(properties)  # type: ignore[call-overload]
    children.sort(key=lambda e: order.index(e.tag.split("}")[1]))
    for child in children:
        properties.remove(child)  # type: ignore[attr-defined]
        properties.append(child)  # type: ignore[attr-defined]


def _chart(document: docx.Document) -> None:
    """The native bar chart: a DrawingML chart part (the renderer puts each letter's figures in it) in
    an inline drawing whose description, the chart's text alternative, states every figure."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    sys.path.insert(0, str(HERE.parent))
    from ombudsman_cli.letters.chart import CONTENT_TYPE, RELATIONSHIP, chart_xml

    sample = {"rows": [{"label": label, "yours_percent": 50, "average_percent": 45, "yours": "50%", "average": "45%"}
                       for label in
                       ("Complaints upheld", "Compliance with recommendations",
                        "Satisfactory remedy provided by the authority")]}
    part = Part(PackURI("/word/charts/chart1.xml"), CONTENT_TYPE, chart_xml(sample), document.part.package)
    relationship = document.part.relate_to(part, RELATIONSHIP)
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    width, height = int(TEXT_WIDTH), int(Cm(4.2))
    drawing = parse_xml(
        f'<w:r {nsdecls("w", "wp", "a", "r")}><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{width}" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        '<wp:docPr id="1" name="Rates chart" descr="{{ chart.description }}" title="{{ chart.title }}"/>'
        '<wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        f'<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" r:id="{relationship}"/>'
        '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>'
    )
    paragraph._p.append(drawing)


def _more_statistics(document: docx.Document) -> None:
    """What councils ask for beyond the 2020 letter: rate per residents, a chart, trend, breakdowns.

    Laid out in kept blocks, each on one page, that follow one another on as few pages as they need (a page
    is left only when the next block does not fit in what remains of it): the three-year table, which most
    often fits under the statistics; the chart with its heading, table and key; the decisions by outcome
    with their total and the decisions by service area, kept together (on the last page, a short table of
    service areas alone would leave it nearly empty). No longer chain is kept together, since LibreOffice
    breaks a chain longer than a page anywhere, and a block that ends on a table it may split."""
    document.add_paragraph("Upheld decisions per 100,000 residents", style="Heading 2")
    _tag(document, "if per_100k.defined")
    _kept(document.add_paragraph(
        "{% if per_100k.upheld %}We upheld {{ per_100k.complaints }} about your authority: {{ per_100k.value }} for "
        "every 100,000 residents.{% else %}We did not uphold any complaint about your authority in this period, so "
        "there were no upheld decisions per 100,000 residents.{% endif %}{% if per_100k.has_average %} This compares "
        "to an average of {{ per_100k.average }} in similar authorities.{% endif %}{% if per_100k.small %} This figure "
        "is based on a small number of cases and should be read with care.{% endif %}"))
    _kept(document.add_paragraph("Based on a population of {{ per_100k.population }}."), last=True)
    _tag(document, "else")
    _kept(document.add_paragraph("A rate per 100,000 residents is not available: we have no population for your "
                                 "authority."), last=True)
    _tag(document, "endif")
    _tag(document, "if trend.shown")
    document.add_paragraph("Your figures over three years", style="Heading 2")
    _table(document, "Your figures over three years",
           "Each statistic for this year and the two years before; a dash where there was no figure.",
           ["Statistic", "{{ trend.this_year }}", "{{ trend.last_year }}", "{{ trend.year_before }}"],
           ["{{ row.label }}", "{{ row.this_year }}", "{{ row.last_year }}", "{{ row.year_before }}"],
           "for row in trend.rows", [9.4, 2.2, 2.2, 2.2], figures={1, 2, 3})
    # Under the table, any change of method within its years ([[notes]] in the config).
    dash = _kept(document.add_paragraph("A dash means there was no figure for that year.{% for note in trend.notes %} "
                                        "{{ note }}{% endfor %}"), last=True)
    dash.paragraph_format.space_before = Pt(4)  # type: ignore[attr-defined]
    _tag(document, "endif")
    # The chart's figures, then the chart, then its key: a kept block that ends on a paragraph, so that
    # LibreOffice keeps it whole (a block ending on a table it may split between rows) and then lets the next
    # block follow on the same page.
    _tag(document, "if chart.shown")
    document.add_paragraph("Your authority beside similar authorities", style="Heading 2")
    _table(document, "Your authority beside similar authorities",
           "The three rates for your authority and the average of similar authorities, as in the chart below.",
           ["Statistic", "Your authority", "Similar authorities"],
           ["{{ row.label }}", "{{ row.yours }}", "{{ row.average }}"],
           "for row in chart.rows", [9.4, 3.0, 3.6], figures={1, 2})
    _chart(document)
    # The chart's key, directly under it, in the order of its bars (the chart itself has no legend).
    _kept(document.add_paragraph("Solid bars: your authority; hatched bars: similar authorities' average."),
          last=True)
    _tag(document, "endif")
    document.add_paragraph("Decisions by outcome", style="Heading 2")
    _table(document, "Decisions by outcome", "The number of decisions we made about your authority, by outcome.",
           ["Outcome", "Decisions"], ["{{ row.outcome }}", "{{ row.decisions }}"],
           "for row in outcomes", [12.0, 4.0], figures={1})
    # Kept with the decisions by service area after it: one block, so that the last page never holds a short
    # table of service areas alone.
    total = _kept(document.add_paragraph("In all, {{ decisions }} for the period between {{ period_between }}."))
    total.paragraph_format.space_before = Pt(4)  # type: ignore[attr-defined]
    _tag(document, "if categories.shown")
    document.add_paragraph("Decisions by service area", style="Heading 2")
    _table(document, "Decisions by service area",
           "The number of decisions we made about your authority, by the service complained about.",
           ["Service area", "Decisions"], ["{{ row.category }}", "{{ row.decisions }}"],
           "for row in categories.rows", [12.0, 4.0], figures={1})
    _tag(document, "endif")


def _letterhead(document: docx.Document) -> None:
    """The ombudsman's mark (its name, set large in two weights) over a rule, then the sender's address and
    contact details on the right: text and a paragraph border, all editable, no picture."""
    mark = document.add_paragraph(style="Title")
    mark.paragraph_format.space_after = Pt(6)
    mark.paragraph_format.line_spacing = 1.0
    rule = OxmlElement("w:pBdr")
    rule.append(_border("bottom", colour=str(MARK_COLOUR), size=18))  # a 2¼-point rule under the mark
    rule[0].set(qn("w:space"), "6")
    mark._p.get_or_add_pPr().append(rule)
    _in_schema_order(mark._p.pPr, _PARAGRAPH_PROPERTY_ORDER)
    mark.add_run("Local Government & Social Care").font.color.rgb = MARK_COLOUR
    mark.add_run().add_break()
    name = mark.add_run("OMBUDSMAN")
    name.bold = True
    name.font.color.rgb = MARK_COLOUR
    name.font.size = Pt(26)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), "40")  # letter-spaced by 2 points
    name._r.get_or_add_rPr().append(spacing)
    for line in SENDER:
        sender = document.add_paragraph(line, style="Address")
        sender.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sender.paragraph_format.space_after = Pt(12)


def _reference_and_date(document: docx.Document) -> None:
    """Our reference on the left and the date on the right, on one line, as a formal letter sets them."""
    line = document.add_paragraph("Our reference: AR{{ year }}/{{ code }}\t{{ letter_date }}")
    stops = line.paragraph_format.tab_stops
    stops.add_tab_stop(TEXT_WIDTH, alignment=2)  # WD_TAB_ALIGNMENT.RIGHT
    line.paragraph_format.space_before = Pt(12)
    line.paragraph_format.space_after = Pt(12)


def build(year_specific: bool) -> docx.Document:
    document = _new_document(year_specific)
    if year_specific:
        letterhead = document.add_paragraph(style="Title")
        letterhead.add_run("Local Government & Social Care ")
        letterhead.add_run("OMBUDSMAN").bold = True
        date_line = document.add_paragraph("{{ letter_date }}")
        date_line.alignment = WD_ALIGN_PARAGRAPH.LEFT
    else:
        _letterhead(document)
    document.add_paragraph("By email")
    _tag(document, "if addressee_name")
    document.add_paragraph("{{ addressee_name }}", style="Address")
    _tag(document, "endif")
    document.add_paragraph("{{ job_title }}", style="Address")
    document.add_paragraph("{{ authority }}", style=None if year_specific else "Address")
    if not year_specific:
        _reference_and_date(document)
    document.add_paragraph("Dear {{ salutation }}")
    document.add_paragraph("Annual Review letter {{ year }}", style="Heading 1")
    _paragraph(document, INTRO_2020 if year_specific else INTRO_GENERIC)
    document.add_paragraph("Complaint statistics", style="Heading 2")
    _paragraph(document, STATISTICS_INTRO)
    for name, text in KEY_AREAS:
        _paragraph(document, text, bold_prefix=name)
    _paragraph(document, COMPARISON)
    _paragraph(document, MAP_2020 if year_specific else MAP_GENERIC)
    document.add_paragraph("Resources to help you get it right", style="Heading 2")
    for text in RESOURCES_2020 if year_specific else RESOURCES_GENERIC:
        _paragraph(document, text)
    closing = document.add_paragraph("Yours sincerely,")
    closing.paragraph_format.keep_with_next = True
    if year_specific:
        for line in SIGNATURE_2020:
            document.add_paragraph(line, style="Address").paragraph_format.keep_with_next = True
    else:
        _tag(document, "if signatory")
        signed = document.add_paragraph("{{ signatory }}", style="Address")
        signed.paragraph_format.keep_with_next = True
        signed.paragraph_format.space_before = Pt(30)  # room to sign
        signed.runs[0].bold = True
        _tag(document, "endif")
        _tag(document, "for title in signatory_titles")
        document.add_paragraph("{{ title }}", style="Address")
        _tag(document, "endfor")
    _statistics_page(document, generic=not year_specific)
    if not year_specific:
        _more_statistics(document)
    _prune(document)
    return document


def _prune(document: docx.Document) -> None:
    """Drop what the default template carries and no letter uses: ~0.9 MB of style XML, a thumbnail."""
    parts = [document.element.body, *(section.footer._element for section in document.sections)]
    used = {e.get(qn("w:val")) for part in parts for e in part.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))}
    styles = document.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    keep = {i for i, s in by_id.items() if s.get(qn("w:default")) == "1"} | (used & set(by_id))
    pending = list(keep)
    while pending:
        style = by_id[pending.pop()]
        for reference in ("w:basedOn", "w:link", "w:next"):
            element = style.find(qn(reference))
            if element is not None and element.get(qn("w:val")) in by_id and element.get(qn("w:val")) not in keep:
                keep.add(element.get(qn("w:val")))
                pending.append(element.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in keep:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    part = document.part
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects") or rel.reltype.endswith("/customXml"):
            part.drop_rel(rel_id)
    package_rels = part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(rel_id)


TEMPLATES = {"annual-review-letter-2020.docx": True, "annual-review-letter.docx": False}


def main(names: list[str]) -> None:
    """Build the templates named (all of them by default)."""
    for name in names or TEMPLATES:
        build(TEMPLATES[name]).save(HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
