"""How a letter's PDF falls into pages, read from the PDF itself with poppler's ``pdftotext -bbox-layout``:
which lines each page holds and how far down its text reaches. The page-flow rules of issue 18 are
checked on this: the annex starts a page, no page ends with a heading, each statistic's block is on one
page, no page is nearly empty.

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

#: The headings of both templates. A heading is a line of its own, so a line equal to one is that heading.
STATISTIC_HEADINGS = ("Complaints upheld", "Compliance with Ombudsman recommendations",
                      "Satisfactory remedy provided by the authority", "Upheld decisions per 100,000 residents")
HEADINGS = (*STATISTIC_HEADINGS, "Complaint statistics", "Resources to help you get it right",
            "Your figures over three years", "Your authority beside similar authorities", "Decisions by outcome",
            "Decisions by service area")
_FOOTER = re.compile(r"^(Local Government and Social Care Ombudsman, PO Box|Page \d+ of \d+$)")
# The text area of the templates' A4 pages: 2 cm margins top and bottom, in points.
_TOP, _BOTTOM = 2.0 / 2.54 * 72, (29.7 - 2.0) / 2.54 * 72
#: A page whose text reaches less than this share of the text area down is nearly empty.
NEARLY_EMPTY = 0.25


@dataclass
class Page:
    number: int
    lines: list[str]
    fill: float  # how far down the text area the page's text reaches, 0 to 1


def pages(pdf: Path) -> list[Page]:
    """Each page's lines of text (the footer left out), top to bottom, with how full the page is."""
    xhtml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    root = ElementTree.fromstring(re.sub(r'\sxmlns="[^"]+"', "", xhtml, count=1))
    found = []
    for number, page in enumerate(root.iter("page"), start=1):
        lines: list[tuple[float, float, str]] = []
        for line in page.iter("line"):
            text = " ".join(word.text or "" for word in line.iter("word")).strip()
            if text and not _FOOTER.match(text):
                lines.append((float(line.get("yMin", 0)), float(line.get("yMax", 0)), text))
        lines.sort()
        bottom = max((y for _, y, _ in lines), default=_TOP)
        found.append(Page(number, [text for _, _, text in lines], (bottom - _TOP) / (_BOTTOM - _TOP)))
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
        if page.lines and page.lines[-1] in HEADINGS:
            said.append(f"page {page.number} ends with the heading {page.lines[-1]!r}")
        if page.fill < NEARLY_EMPTY:
            said.append(f"page {page.number} is nearly empty ({page.fill:.0%} of its text area)")
    flow = [(page.number, line) for page in found for line in page.lines]
    for at, (number, line) in enumerate(flow):
        if line not in STATISTIC_HEADINGS or (annex and number < annex.number):
            continue
        block = []
        for later_number, later in flow[at + 1:]:
            if later in HEADINGS:
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
