"""How a letter's PDF falls into pages, read from the PDF itself with poppler's ``pdftotext -bbox-layout``:
which lines each page holds and how far down its text reaches. The page-flow rules of issue 18 are
checked on this: the annex starts a page, no page ends with a heading, each block of the annex (a heading
and what follows it to the next) is on one page, no page is nearly empty; and issue 33's: in the annex no page is left while the block that starts
the next would have fitted in what remained of it (the statistics on as few pages as they need).

``python -m tests.page_flow FOLDER`` prints what breaks the rules in every PDF of a folder (the national
run, say), and how many pages the letters have.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

_FOOTER = re.compile(r"^(Local Government and Social Care Ombudsman, PO Box|Page \d+ of \d+$)")
# The text area of the templates' A4 pages: 2 cm margins top and bottom, in points.
_TOP, _BOTTOM = 2.0 / 2.54 * 72, (29.7 - 2.0) / 2.54 * 72
#: The blocks the generic template keeps with the block after them, by their headings.
KEPT_WITH_NEXT = ("Decisions by outcome",)
#: A page whose text reaches less than this share of the text area down is nearly empty.
NEARLY_EMPTY = 0.25
#: A heading's space above it (12 points, dropped at the top of a page) and the difference between a line's
#: box and its glyphs' box, as shares of the text area: a block this much smaller than the room left on a
#: page would still not have fitted there.
_SLACK = 24 / (_BOTTOM - _TOP)


@dataclass
class Page:
    number: int
    lines: list[str]
    fill: float  # how far down the text area the page's text reaches, 0 to 1
    tops: list[float]  # each line's top and bottom, as shares of the text area from its top
    bottoms: list[float]
    headings: list[bool]  # whether each line is a heading: bold and larger than the page's body text

    def first_block_height(self) -> float:
        """The height of the block the page starts with: from its heading to the line before the next (or,
        for a heading the template keeps with the next block, the one after)."""
        starts = [i for i, heading in enumerate(self.headings) if heading][1:] + [len(self.lines)]
        end = starts[1 if self.lines[0] in KEPT_WITH_NEXT and len(starts) > 1 else 0]
        return self.bottoms[end - 1] - self.tops[0]


def pages(pdf: Path) -> list[Page]:
    """Each page's lines of text (the footer left out), top to bottom, with how full the page is and which
    lines are headings. Read with poppler's ``pdftohtml -xml``, which gives each line its font: a heading is
    told from a chart's label or a table's row of the same words by its size and weight."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-q", "-stdout", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    root = ElementTree.fromstring(xml)
    sizes = {spec.get("id"): float(spec.get("size", 0)) for spec in root.iter("fontspec")}
    found = []
    for page in root.iter("page"):
        scale = float(page.get("height", 0)) / (29.7 / 2.54 * 72)  # pdftohtml's pixels per point
        lines: list[tuple[float, float, str, float, bool]] = []
        for line in page.iter("text"):
            text = " ".join("".join(line.itertext()).split())
            if text and not _FOOTER.match(text):
                top = float(line.get("top", 0)) / scale
                lines.append((top, top + float(line.get("height", 0)) / scale, text, sizes.get(line.get("font"), 0),
                              line.find("b") is not None))
        lines.sort(key=lambda line: (line[0], line[2]))
        body = Counter(size for *_, size, _ in lines).most_common(1)[0][0] if lines else 0
        bottom = max((low for _, low, *_ in lines), default=_TOP)
        share = _BOTTOM - _TOP
        found.append(Page(int(page.get("number", 0)), [text for _, _, text, *_ in lines], (bottom - _TOP) / share,
                          [(top - _TOP) / share for top, *_ in lines], [(low - _TOP) / share for _, low, *_ in lines],
                          [bold and size > body for *_, size, bold in lines]))
    return found


def problems(pdf: Path, authority: str) -> list[str]:
    """What breaks the page-flow rules in one letter, in words; empty when nothing does."""
    found = pages(pdf)
    said = []
    name = " ".join(authority.split())  # as the PDF's text has it: one space between words
    annex = next((page for page in found if name in page.lines[:1]), None)
    if annex is None:
        said.append(f"the annex ({authority}) does not start a page")
    for page in found:
        if page.lines and page.headings[-1]:
            said.append(f"page {page.number} ends with the heading {page.lines[-1]!r}")
        if page.fill < NEARLY_EMPTY:
            said.append(f"page {page.number} is nearly empty ({page.fill:.0%} of its text area)")
    for page, following in zip(found, found[1:]):
        if annex is None or page.number < annex.number or not following.lines or not following.headings[0]:
            continue
        room, needed = 1 - page.fill, following.first_block_height()
        if needed + _SLACK < room:
            said.append(f"page {page.number} is left with {room:.0%} of its text area free, while "
                        f"{following.lines[0]!r}, which starts page {following.number}, needs {needed:.0%}")
    flow = [(page.number, line, heading) for page in found for line, heading in zip(page.lines, page.headings)]
    for at, (number, line, heading) in enumerate(flow):
        if not heading or annex is None or number < annex.number or line == name:
            continue
        block = []
        for later_number, _, later_heading in flow[at + 1:]:
            if later_heading:
                break
            block.append(later_number)
        if any(n != number for n in block):
            said.append(f"the block {line!r} runs from page {number} to page {max(block)}")
    return said


def main(folder: str) -> None:
    with open(Path(folder) / "manifest.csv", encoding="utf-8-sig") as manifest:
        letters = {row["pdf"]: row["authority"] for row in csv.DictReader(manifest) if row.get("pdf")}
    counts: Counter[int] = Counter()
    failing = 0
    for name, authority in sorted(letters.items()):
        pdf = Path(folder) / name
        counts[len(pages(pdf))] += 1
        said = problems(pdf, authority)
        failing += bool(said)
        for problem in said:
            print(f"{name}: {problem}")
    print(f"{len(letters)} letters; pages: {dict(sorted(counts.items()))}; {failing} break a rule")


if __name__ == "__main__":
    main(sys.argv[1])
