"""The letter's chart: a native Word bar chart (a DrawingML chart part) of the three rates beside the
averages of similar authorities, made from the letter's own figures.

Word and LibreOffice both draw a chart from the values cached in its part; its embedded workbook
(:func:`chart_workbook`, the same figures) is what "Edit Data" opens. Both are made per letter in well
under a millisecond. The template holds a chart of this kind where the letter should show it; the
renderer recognises it by :data:`MARKER` (the name its series formulas give a sheet) or its series'
names and puts each letter's figures in its place. Readable in black and white: the council's bars are
solid and dark, the averages white with black hatching, and every bar carries its figure; a rate that
cannot be worked out is no bar at all, and its category says so, never a bar of zero.

The chart has no legend of its own: LibreOffice lists a bar chart's series in the opposite order to its
bars, and Word in the same order, so no legend reads right in both. The template says which bars are
which in a sentence directly under the chart, in the order of the bars.
"""

from __future__ import annotations

import functools
import re
import textwrap
from html import escape, unescape  # not xml.sax.saxutils: it imports urllib.request (http, email, ssl: 40 ms)
from typing import Any

from ..packages import Compressed, compress, write_zip

#: The sheet name in the chart's series formulas, by which the renderer knows the chart is its own.
MARKER = "OmbudsmanRates"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
#: The chart's embedded workbook: its relationship from the chart part, and its content type.
WORKBOOK_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"
WORKBOOK_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YOURS_COLOUR = "1D3D6E"  # dark blue: 11:1 against white
TEXT_SIZE = 1200  # hundredths of a point: the letter's body text, not a smaller caption size
AXIS_TEXT_SIZE = 1000  # the scale's figures, as the tables' text
GRID_COLOUR = "BFBFBF"  # light grey: a guide to the eye that does not compete with the bars
# The bars' area, as fractions of the chart, the same in every letter: left to itself, the plot shrinks beside
# a long label, and a 100% bar is shorter in one letter than in the next.
PLOT_LAYOUT = ('<c:layout><c:manualLayout><c:layoutTarget val="inner"/><c:xMode val="edge"/><c:yMode val="edge"/>'
               '<c:x val="0.42"/><c:y val="0.02"/><c:w val="0.5"/><c:h val="0.8"/></c:manualLayout></c:layout>')
FONT = "Arial"
NO_RATE_NOTE = " (no rate for your authority)"

_NAMESPACES = (
    'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


def _text_properties(size: int, bold: bool = False, wrap: bool = True) -> str:
    body = "<a:bodyPr/>" if wrap else '<a:bodyPr wrap="none"/>'
    return (f'<c:txPr>{body}<a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="{int(bold)}">'
            f'<a:solidFill><a:srgbClr val="000000"/></a:solidFill><a:latin typeface="{FONT}"/><a:cs typeface="{FONT}"/>'
            '</a:defRPr></a:pPr><a:endParaRPr lang="en-GB"/></a:p></c:txPr>')


# A bar's figure stays on one line (LibreOffice would set "over 99%" on two).
_LABEL_SHOWN = ('<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>' + _text_properties(TEXT_SIZE, bold=True, wrap=False)
                + '<c:dLblPos val="outEnd"/><c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/>'
                '<c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/>')


def _series(index: int, name: str, column: str, categories: list[str], values: list[int | None], fill: str,
            texts: list[str]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{value / 100:.2f}</c:v></c:pt>'
                     for i, value in enumerate(values) if value is not None)
    labels = "".join(f'<c:pt idx="{i}"><c:v>{escape(text)}</c:v></c:pt>' for i, text in enumerate(categories))
    rows = f"$A$2:$A${len(categories) + 1}"
    # A bar whose letter says "over 99%" (or "under 1%") is labelled so: a number format of that text alone,
    # for that bar; every other bar shows its whole percentage.
    own = "".join(f'<c:dLbl><c:idx val="{i}"/><c:numFmt formatCode="&quot;{escape(text)}&quot;" sourceLinked="0"/>'
                  f'{_LABEL_SHOWN}</c:dLbl>'
                  for i, (value, text) in enumerate(zip(values, texts)) if value is not None and text != f"{value}%")
    return (
        f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/>'
        f'<c:tx><c:strRef><c:f>{MARKER}!${column}$1</c:f><c:strCache><c:ptCount val="1"/>'
        f'<c:pt idx="0"><c:v>{escape(name)}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
        f'<c:spPr>{fill}<a:ln w="9525"><a:solidFill><a:srgbClr val="000000"/></a:solidFill></a:ln></c:spPr>'
        '<c:invertIfNegative val="0"/>'
        f'<c:dLbls>{own}<c:numFmt formatCode="0%" sourceLinked="0"/>{_LABEL_SHOWN}</c:dLbls>'
        f'<c:cat><c:strRef><c:f>{MARKER}!{rows}</c:f><c:strCache><c:ptCount val="{len(categories)}"/>{labels}'
        '</c:strCache></c:strRef></c:cat>'
        f'<c:val><c:numRef><c:f>{MARKER}!${column}$2:${column}${len(categories) + 1}</c:f><c:numCache>'
        f'<c:formatCode>0%</c:formatCode><c:ptCount val="{len(values)}"/>{points}</c:numCache></c:numRef></c:val>'
        '</c:ser>'
    )


def _categories(chart: dict[str, Any]) -> list[str]:
    return [row["label"] + ("" if row["yours_percent"] is not None else NO_RATE_NOTE) for row in chart["rows"]]


def chart_xml(chart: dict[str, Any], workbook: str | None = None) -> bytes:
    """The chart part for one letter, from its ``chart`` variables (:func:`ombudsman_cli.letters.context.letter_context`);
    ``workbook`` is the relationship id of its embedded workbook, if it has one.

    Values are the letter's own whole percentages, so a figure on a bar always reads as the letter does.
    """
    rows = chart["rows"]
    categories = _categories(chart)
    solid = f'<a:solidFill><a:srgbClr val="{YOURS_COLOUR}"/></a:solidFill>'
    hatched = ('<a:pattFill prst="wdUpDiag"><a:fgClr><a:srgbClr val="000000"/></a:fgClr>'
               '<a:bgClr><a:srgbClr val="FFFFFF"/></a:bgClr></a:pattFill>')
    series = (_series(0, "Your authority", "B", categories, [r["yours_percent"] for r in rows], solid,
                      [r["yours"] for r in rows])
              + _series(1, "Similar authorities", "C", categories, [r["average_percent"] for r in rows], hatched,
                        [r["average"] for r in rows]))
    axis_line = '<c:spPr><a:ln w="9525"><a:solidFill><a:srgbClr val="000000"/></a:solidFill></a:ln></c:spPr>'
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace {_NAMESPACES}>'
        '<c:date1904 val="0"/><c:lang val="en-GB"/><c:roundedCorners val="0"/>'
        '<c:chart><c:autoTitleDeleted val="1"/><c:plotArea>' + PLOT_LAYOUT +
        '<c:barChart><c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        f'{series}<c:gapWidth val="50"/><c:axId val="501"/><c:axId val="502"/></c:barChart>'
        # Categories top to bottom in the letter's order; the values axis along the bottom, 0% to 100% in
        # quarters with light grid lines, running on past 100% (unlabelled) so that a full bar's figure has
        # room.
        '<c:catAx><c:axId val="501"/><c:scaling><c:orientation val="maxMin"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{axis_line}{_text_properties(TEXT_SIZE)}'
        '<c:crossAx val="502"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
        '<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        '<c:valAx><c:axId val="502"/><c:scaling><c:orientation val="minMax"/><c:max val="1.15"/><c:min val="0"/>'
        '</c:scaling><c:delete val="0"/><c:axPos val="b"/>'
        f'<c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="{GRID_COLOUR}"/></a:solidFill>'
        '</a:ln></c:spPr></c:majorGridlines><c:numFmt formatCode="0%" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'{axis_line}{_text_properties(AXIS_TEXT_SIZE)}'
        '<c:crossAx val="501"/><c:crosses val="max"/><c:crossBetween val="between"/><c:majorUnit val="0.25"/>'
        '</c:valAx>'
        '<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        '<c:spPr><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln><a:noFill/></a:ln></c:spPr>'
        f'{_text_properties(TEXT_SIZE)}'
        + (f'<c:externalData r:id="{escape(workbook)}"><c:autoUpdate val="0"/></c:externalData>' if workbook else "")
        + '</c:chartSpace>'
    )
    return xml.encode("utf-8")


_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_WORKBOOK_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{MARKER}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '</Relationships>'),
    # Two cell formats: the default, and whole percentages (built-in number format 9, "0%").
    "xl/styles.xml": (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Arial"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


def _cell(reference: str, value: str | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c r="{reference}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{reference}" s="1"><v>{value / 100:.2f}</v></c>'


def chart_workbook(chart: dict[str, Any]) -> bytes:
    """The chart's embedded workbook (``.xlsx``): the sheet its series formulas name, with the letter's
    figures where the formulas point (labels in A2:A4, the council in column B, the average in C), so that
    "Edit Data" in Word or LibreOffice opens the figures the chart and the letter show. The same bytes for
    the same figures."""
    rows: list[list[str | int | None]] = [[None, *SERIES_NAMES]] + [[label, row["yours_percent"], row["average_percent"]]
                                     for label, row in zip(_categories(chart), chart["rows"])]
    sheet_rows = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{column}{r}", value) for column, value in zip("ABC", values)) + "</row>"
        for r, values in enumerate(rows, start=1)
    )
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<cols><col min="1" max="1" width="48" customWidth="1"/><col min="2" max="3" width="20" customWidth="1"/>'
             f'</cols><sheetData>{sheet_rows}</sheetData></worksheet>')
    # The parts that never change are compressed once, as a letter's are (packages.write_zip).
    names = [*_WORKBOOK_PARTS, "xl/worksheets/sheet1.xml"]
    entries = [*_static_workbook_parts(), compress(_XML_DECLARATION + sheet.encode("utf-8"))]
    return write_zip(names, entries, (1980, 1, 1))


@functools.cache
def _static_workbook_parts() -> list[Compressed]:
    return [compress(_XML_DECLARATION + text.encode("utf-8")) for text in _WORKBOOK_PARTS.values()]



SERIES_NAMES = ("Your authority", "Similar authorities")
_SERIES_NAME = re.compile(rb"<c:ser>.*?<c:tx>.*?<c:v>(.*?)</c:v>.*?</c:tx>", re.S)
_VALUES = re.compile(rb"<c:val>.*?</c:val>", re.S)
_POINT = re.compile(rb'<c:pt idx="(\d+)"[^>]*>\s*<c:v>([^<]*)</c:v>')


def is_ours(part_xml: bytes) -> bool:
    """Whether a chart part in a template is the rates chart that each letter fills: by the sheet name in
    its series formulas, or, since Word and LibreOffice rewrite those formulas when they save ("label 0"),
    by what an editor keeps: its two series, named "Your authority" and "Similar authorities"."""
    if f"<c:f>{MARKER}!".encode() in part_xml:
        return True
    names = [unescape(m.decode("utf-8", "replace")).strip() for m in _SERIES_NAME.findall(part_xml)]
    return sorted(names) == sorted(SERIES_NAMES)


def series_percentages(part_xml: bytes) -> list[list[int | None]]:
    """Each series' values in a chart part, as whole percentages (``None`` where a point has no value):
    what the chart shows, to check against the letter's figures."""
    found = []
    for values in _VALUES.findall(part_xml):
        count = re.search(rb'<c:ptCount val="(\d+)"', values)
        points: list[int | None] = [None] * (int(count.group(1)) if count else 0)
        for index, value in _POINT.findall(values):
            if int(index) < len(points):
                points[int(index)] = round(float(value) * 100)
        found.append(points)
    return found


def chart_svg(chart: dict[str, Any], identifier: str = "chart", public: bool = False) -> str:
    """The same chart for a web page: inline SVG with a title and a description (every figure in words),
    solid bars for the council and hatched ones for the average, each labelled with its figure, so that
    nothing is told by colour alone. ``identifier`` keeps the ids unique on the page.

    Two drawings, of which the page's stylesheet shows one: labels beside the bars on a wide screen, and
    above them on a narrow one, drawn at the width of a phone so that their text keeps the body's size
    (SVG text scales with its drawing; a wide chart squeezed onto a phone would have 7-pixel labels).

    ``public``: in the public page's words ("This council", "Similar councils", the council's name in the
    description) rather than the letter's ("Your authority")."""
    return (_svg(chart, identifier, narrow=False, public=public)
            + _svg(chart, f"{identifier}-narrow", narrow=True, public=public))


#: The chart's words in a letter, and on the public page.
_VOICES = {False: {"yours": "Your authority", "similar": "Similar authorities", "no_rate": NO_RATE_NOTE,
                   "title": "title", "description": "description"},
           True: {"yours": "This council", "similar": "Similar councils", "no_rate": " (no rate for this council)",
                  "title": "public_title", "description": "public_description"}}


_SVG_TEXT = 16  # pixels at the drawing's own scale: the body size
_LINE = 20


def _svg(chart: dict[str, Any], identifier: str, narrow: bool, public: bool = False) -> str:
    rows = chart["rows"]
    voice = _VOICES[public]
    bar_height, gap = 22, 18
    if narrow:
        width, label_width, bar_width, wrap = 300, 0, 210, 30  # about 233 pixels wide at a 320-pixel screen: text over 12
    else:
        width, label_width, bar_width, wrap = 680, 320, 280, 36  # the longest label on two lines
    labels = [textwrap.wrap((row["label"].replace("the authority", "the council") if public else row["label"])
                            + ("" if row["yours_percent"] is not None else voice["no_rate"]), wrap)
              for row in rows]
    bars_x = 14 if narrow else label_width  # on a phone, room for the scale's "0%" centred under the bars' start
    body = []
    bar_tops = []
    y = 8
    for row, lines in zip(rows, labels):
        if narrow:  # the label on lines of its own, the bars under it, full width
            body.append('<text class="chart__label">' + "".join(
                f'<tspan x="0" y="{y + _LINE * (n + 1) - 4}">{escape(line)}</tspan>' for n, line in enumerate(lines))
                + "</text>")
            y += _LINE * len(lines) + 4
        else:  # the label to the left, centred on the pair of bars
            first = y + bar_height + 5 - (len(lines) - 1) * _LINE / 2
            body.append('<text text-anchor="end" class="chart__label">' + "".join(
                f'<tspan x="{label_width - 10}" y="{first + _LINE * n:.0f}">{escape(line)}</tspan>'
                for n, line in enumerate(lines)) + "</text>")
        bar_tops.append(y)
        for offset, (value, style, text) in enumerate((
            (row["yours_percent"], f'fill="#{YOURS_COLOUR}"', row["yours"]),
            (row["average_percent"], f'fill="url(#{identifier}-hatch)"', row["average"]),
        )):
            top = y + offset * bar_height
            length = (value or 0) * bar_width / 100
            if value is not None:
                body.append(f'<rect x="{bars_x}" y="{top}" width="{length:.1f}" height="{bar_height - 3}" '
                            f'{style} stroke="#0b0c0c" stroke-width="1"/>')
            body.append(f'<text x="{bars_x + length + 6:.1f}" y="{top + bar_height - 7}" class="chart__figure">'
                        f'{escape(text)}</text>')
        y += max(2 * bar_height, 0 if narrow else _LINE * len(lines)) + gap
    # The scale, as the letter's chart has it: 0% to 100% in quarters, light grid lines behind the bars.
    # On a phone the labels stand above the bars, so the lines run behind each pair of bars only.
    axis = y - gap + 6
    ticks = [(25 * q, f"{bars_x + bar_width * q / 4:.0f}") for q in range(5)]
    if narrow:
        spans = [(top - 4, top + 2 * bar_height + 2) for top in bar_tops]
        spans[-1] = (spans[-1][0], axis)
    else:
        spans = [(8, axis)]
    body.insert(0, "".join(
        f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="#{"0b0c0c" if percent == 0 else GRID_COLOUR}" '
        'stroke-width="1"/>' for percent, x in ticks for top, bottom in spans))
    body.append(f'<line x1="{bars_x}" y1="{axis}" x2="{bars_x + bar_width}" y2="{axis}" stroke="#0b0c0c" '
                'stroke-width="1"/>' + "".join(
                    f'<text x="{x}" y="{axis + 18}" text-anchor="middle" class="chart__scale">{percent}%</text>'
                    for percent, x in ticks))
    y = axis + 26
    legend = y + 4
    body.append(f'<rect x="{bars_x}" y="{legend}" width="16" height="16" fill="#{YOURS_COLOUR}" stroke="#0b0c0c"/>'
                f'<text x="{bars_x + 22}" y="{legend + 14}" class="chart__legend">{voice["yours"]}</text>'
                f'<rect x="{bars_x + 150}" y="{legend}" width="16" height="16" fill="url(#{identifier}-hatch)" '
                f'stroke="#0b0c0c"/><text x="{bars_x + 172}" y="{legend + 14}" class="chart__legend">'
                f'{voice["similar"]}</text>')
    height = legend + 26
    return "".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--{"narrow" if narrow else "wide"}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{identifier}-title {identifier}-description" '
        f'focusable="false" font-size="{_SVG_TEXT}">',
        f'<title id="{identifier}-title">{escape(chart[voice["title"]])}</title>',
        f'<desc id="{identifier}-description">{escape(chart[voice["description"]])}</desc>',
        f'<defs><pattern id="{identifier}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#0b0c0c" stroke-width="2"/></pattern></defs>',
        *body,
        "</svg>",
    ])
