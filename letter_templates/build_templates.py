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
    "our statistics, please visit our [[website]]."
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
    address.text = f"{ADDRESS} · {WEBSITE}"  # one line at 8 points
    pages = footer.add_paragraph(style="Footer")
    pages.add_run("Page ")
    _field(pages, "PAGE", "1")
    pages.add_run(" of ")
    _field(pages, "NUMPAGES", "1")


def _new_document() -> docx.Document:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.footer_distance = Cm(1.0)
    styles = document.styles
    normal = styles["Normal"]
    _set_font(normal, 11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Heading 1", 14), ("Heading 2", 12)):
        heading = styles[name]
        _set_font(heading, size, bold=True, colour=RGBColor(0, 0, 0))
        heading.paragraph_format.space_before = Pt(12)
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
    _set_font(footer, 8)
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


def _rate_section(document: docx.Document, heading: str, variable: str, lines: dict[str, str]) -> None:
    document.add_paragraph(heading, style="Heading 2")
    _tag(document, f"if {variable}.defined")
    document.add_paragraph(lines["rate"])
    _tag(document, f"if {variable}.has_average")
    document.add_paragraph(f"This compares to an average of {{{{ {variable}.average }}}} in similar authorities.")
    _tag(document, "endif")
    _tag(document, f"if {variable}.small")
    document.add_paragraph("This figure is based on a small number of cases and should be read with care.")
    _tag(document, "endif")
    _tag(document, "else")
    document.add_paragraph(lines["undefined"])
    _tag(document, "endif")
    if "count" in lines:
        document.add_paragraph(lines["count"])
    document.add_paragraph(
        f"Statistics are based on a total of {{{{ {variable}.based_on }}}} for the period between {{{{ period }}}}"
    )
    for extra in lines.get("after", []):
        document.add_paragraph(extra)


def _statistics_page(document: docx.Document, new_page: bool) -> None:
    heading = document.add_paragraph("{{ authority }}", style="Heading 1")
    heading.paragraph_format.page_break_before = new_page
    document.add_paragraph("For the period ending: {{ period_ending }}")
    _rate_section(document, "Complaints upheld", "upheld", {
        "rate": "{{ upheld.percent }} of complaints we investigated were upheld.",
        "undefined": "We did not complete a detailed investigation of any complaint about your authority in "
                     "this period, so there is no uphold rate to report.",
        "count": "{{ upheld.decisions }}",
    })
    _rate_section(document, "Compliance with Ombudsman recommendations", "compliance", {
        "rate": "In {{ compliance.percent }} of cases we were satisfied the authority had successfully "
                "implemented our recommendations.",
        "undefined": "We recorded no compliance outcome for your authority in this period, so there is no "
                     "compliance rate to report.",
        "after": ["Failure to comply with our recommendations is rare. An authority with a compliance rate "
                  "below 100% should scrutinise those complaints where it failed to comply and identify any "
                  "learning."],
    })
    _rate_section(document, "Satisfactory remedy provided by the authority", "remedy", {
        "rate": "In {{ remedy.percent }} of upheld cases we found the authority had provided a satisfactory "
                "remedy before the complaint reached the Ombudsman.",
        "undefined": "We did not uphold any complaint about your authority in this period, so there is no "
                     "satisfactory remedy rate to report.",
        "count": "{{ remedy.decisions }}",
    })


def _cell_paragraph(cell: object, text: str, bold: bool = False, right: bool = False, keep: bool = True) -> None:
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.text = ""
    run = paragraph.add_run(text)
    run.bold = bold
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
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
           loop: str, widths: list[float], figures: set[int]) -> None:
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
        _cell_paragraph(table.cell(2, column), text, right=column in figures)
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
        margin.set(qn("w:w"), "40")
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
    _order_table_properties(properties)


# CT_TblPr's sequence, which Word checks: an element out of place makes the file "unreadable".
_TABLE_PROPERTY_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                         "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
                         "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"]


def _order_table_properties(properties: object) -> None:
    children = list(properties)  # type: ignore[call-overload]
    children.sort(key=lambda e: _TABLE_PROPERTY_ORDER.index(e.tag.split("}")[1]))
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

    sample = {"rows": [{"label": label, "yours_percent": 50, "average_percent": 45} for label in
                       ("Complaints upheld", "Compliance with recommendations",
                        "Satisfactory remedy provided by the authority")]}
    part = Part(PackURI("/word/charts/chart1.xml"), CONTENT_TYPE, chart_xml(sample), document.part.package)
    relationship = document.part.relate_to(part, RELATIONSHIP)
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    width, height = int(TEXT_WIDTH), int(Cm(6.2))
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
    """What councils ask for beyond the 2020 letter: rate per residents, a chart, trend, breakdowns."""
    document.add_paragraph("Upheld decisions per 100,000 residents", style="Heading 2")
    _tag(document, "if per_100k.defined")
    _tag(document, "if per_100k.upheld")
    document.add_paragraph("We upheld {{ per_100k.complaints }} about your authority: {{ per_100k.value }} for every "
                           "100,000 residents.")
    _tag(document, "else")
    document.add_paragraph("We did not uphold any complaint about your authority in this period, so there were no "
                           "upheld decisions per 100,000 residents.")
    _tag(document, "endif")
    _tag(document, "if per_100k.has_average")
    document.add_paragraph("This compares to an average of {{ per_100k.average }} in similar authorities.")
    _tag(document, "endif")
    document.add_paragraph("Based on a population of {{ per_100k.population }}.")
    _tag(document, "else")
    document.add_paragraph("A rate per 100,000 residents is not available: we have no population for your "
                           "authority.")
    _tag(document, "endif")
    _tag(document, "if chart.shown")
    document.add_paragraph("Your authority beside similar authorities", style="Heading 2")
    _chart(document)
    _table(document, "Your authority beside similar authorities",
           "The three rates for your authority and the average of similar authorities, as in the chart above.",
           ["Statistic", "Your authority", "Similar authorities"],
           ["{{ row.label }}", "{{ row.yours }}", "{{ row.average }}"],
           "for row in chart.rows", [8.0, 4.0, 4.0], figures={1, 2})
    document.add_paragraph("In the chart, solid bars are your authority and hatched bars the average of similar "
                           "authorities.", style="Caption")
    _tag(document, "endif")
    _tag(document, "if trend.shown")
    document.add_paragraph("Your figures over three years", style="Heading 2")
    _table(document, "Your figures over three years",
           "Each statistic for this year and the two years before; a dash where there was no figure.",
           ["Statistic", "This year ({{ trend.this_year }})", "Last year ({{ trend.last_year }})",
            "The year before ({{ trend.year_before }})"],
           ["{{ row.label }}", "{{ row.this_year }}", "{{ row.last_year }}", "{{ row.year_before }}"],
           "for row in trend.rows", [7.0, 3.0, 3.0, 3.0], figures={1, 2, 3})
    _tag(document, "endif")
    document.add_paragraph("Decisions by outcome", style="Heading 2")
    _table(document, "Decisions by outcome", "The number of decisions we made about your authority, by outcome.",
           ["Outcome", "Decisions"], ["{{ row.outcome }}", "{{ row.decisions }}"],
           "for row in outcomes", [12.0, 4.0], figures={1})
    document.add_paragraph("In all, {{ decisions }} for the period between {{ period }}.")
    _tag(document, "if categories.shown")
    document.add_paragraph("Decisions by service area", style="Heading 2")
    _table(document, "Decisions by service area",
           "The number of decisions we made about your authority, by the service complained about.",
           ["Service area", "Decisions"], ["{{ row.category }}", "{{ row.decisions }}"],
           "for row in categories.rows", [12.0, 4.0], figures={1})
    _tag(document, "endif")


def build(year_specific: bool) -> docx.Document:
    document = _new_document()
    letterhead = document.add_paragraph(style="Title")
    letterhead.add_run("Local Government & Social Care ")
    letterhead.add_run("OMBUDSMAN").bold = True
    date_line = document.add_paragraph("{{ letter_date }}")
    date_line.alignment = WD_ALIGN_PARAGRAPH.LEFT
    document.add_paragraph("By email")
    _tag(document, "if addressee_name")
    document.add_paragraph("{{ addressee_name }}", style="Address")
    _tag(document, "endif")
    document.add_paragraph("{{ job_title }}", style="Address")
    document.add_paragraph("{{ authority }}")
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
        document.add_paragraph("{{ signatory }}", style="Address").paragraph_format.keep_with_next = True
        _tag(document, "endif")
        _tag(document, "for title in signatory_titles")
        document.add_paragraph("{{ title }}", style="Address")
        _tag(document, "endfor")
    _statistics_page(document, new_page=year_specific)
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


def main() -> None:
    for name, year_specific in (("annual-review-letter-2020.docx", True), ("annual-review-letter.docx", False)):
        build(year_specific).save(HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
