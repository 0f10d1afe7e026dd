"""A Word letter as HTML for the web page, its words its own: converted by mammoth, a converter made for
this, then given what a web page needs (headings under the page's, tables with captions and scopes).

mammoth reads every XML part with ``xml.dom.minidom`` and turns the DOM into its own nodes, which costs
most of its time (about 50 ms a letter). :func:`letter_as_html` gives it the C ElementTree parser instead,
building exactly the same nodes (a test proves the HTML is the same either way), and only the parts it
reads, so a national site converts its 343 letters in seconds. Where mammoth's reader is not as expected,
mammoth reads as it always does.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Mammoth's map from the letters' Word styles to HTML: the letter sits under the page's own h1 and h2.
STYLE_MAP = """
p[style-name='Title'] => p.letter__letterhead:fresh
p[style-name='Heading 1'] => h3:fresh
p[style-name='Heading 2'] => h4:fresh
p[style-name='Address'] => p.letter__address:fresh
p[style-name='caption'] => p.letter__caption:fresh
p[style-name='Caption'] => p.letter__caption:fresh
"""
# What mammoth reads of a .docx; a letter's other parts (the chart, the footer, the theme) it does not.
_PARTS_READ = ("[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels",
               "word/styles.xml", "word/numbering.xml", "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml")


def letter_as_html(path: Path, chart: str = "", fast: bool = True) -> str:
    """The letter at ``path`` as an HTML fragment (``fast``: ElementTree in place of minidom, same result).

    mammoth drops a Word chart; ``chart`` (the page's SVG of the same figures) takes its place, so that the
    letter's words about its chart ("Solid dark bars show …") point at one. Without it the place is left
    empty."""
    return with_chart(converted_letter(path, fast), chart)


def converted_letter(letter: Path | bytes, fast: bool = True) -> str:
    """The letter (its path, or the bytes of the .docx) as HTML with the place of its chart marked, for
    :func:`with_chart`: the conversion, which a worker process can do while the page's chart is drawn."""
    import mammoth

    data = letter if isinstance(letter, bytes) else letter.read_bytes()
    with _parsing(fast):
        result = mammoth.convert_to_html(io.BytesIO(_prepared(data, fast)), style_map=STYLE_MAP)
    # A tab lays out a line in Word ("Our reference: AR2021/...", tab, the date at the right margin); on a
    # page each part goes on a line of its own, as a narrow screen needs.
    return accessible_tables(result.value).replace("\t", "<br>")


def with_chart(html: str, chart: str) -> str:
    """A :func:`converted_letter` with ``chart`` (an SVG, or nothing) in the place of its Word chart."""
    figure = f'<figure class="figure">{chart}</figure>' if chart else ""
    return html.replace(f"<p>{_CHART_MARK}</p>", figure)


class LetterConversions:
    """Every letter listed in a letters folder's manifest as HTML (:func:`converted_letter`), converted by
    ``jobs`` worker processes from the moment this is made: ``site`` makes it before it reads the export,
    so that the two overlap, and :func:`~ombudsman_cli.publish.site.build_site` takes each letter's HTML
    as its page needs it. With one job, or few letters, each is converted when it is asked for. Use it
    as a context manager, which stops the workers.

    :class:`WrongFolder` if ``folder`` holds something other than the letters of ``year``;
    :class:`ManifestProblem` if its manifest cannot be trusted."""

    def __init__(self, folder: Path | None, year: int, jobs: int = 1) -> None:
        from ..folders import FolderKind, expect
        from ..letters.manifest import read_manifest

        if folder is not None:
            expect(folder, FolderKind.LETTERS, year, "--letters")
        self.folder = folder
        self.rows = {row["code"]: row for row in read_manifest(folder)} if folder is not None else {}
        files = [row["file"] for row in self.rows.values()]
        self._pool: Any = None
        self._futures: dict[str, Any] = {}
        if folder is not None and jobs > 1 and len(files) >= 8:
            from concurrent.futures import ProcessPoolExecutor

            import mammoth  # noqa: F401  (imported once here, not in every worker)

            self._pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker)
            self._futures = {name: self._pool.submit(_converted_with_sha256, folder / name) for name in files}

    def html(self, file: str) -> tuple[str, str]:
        """The SHA-256 of the letter ``file`` (a name in the manifest) as it was converted, and its HTML."""
        future = self._futures.get(file)
        if future is not None:
            return future.result()  # type: ignore[no-any-return]
        assert self.folder is not None
        return _converted_with_sha256(self.folder / file)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LetterConversions:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _start_worker() -> None:
    import gc
    import os

    # What the worker inherits is moved out of the collector's way, so that it is never scanned or copied;
    # and the workers yield to the process that started them, which writes the pages waiting on them.
    gc.freeze()
    os.nice(5)


def _converted_with_sha256(path: Path) -> tuple[str, str]:
    import hashlib

    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), converted_letter(data)


# Stands where a letter has its chart, as text mammoth keeps; replaced by the page's chart.
_CHART_MARK = "ombudsman-chart-8c1f"
_CHART_DRAWING = re.compile(rb'<w:drawing>(?:(?!</w:drawing>).)*?drawingml/2006/chart"(?:(?!</w:drawing>).)*?</w:drawing>',
                            re.S)


def _prepared(data: bytes, only_parts_read: bool) -> bytes:
    """The .docx with its chart marked, rewritten once, uncompressed (mammoth reads it at once); with
    ``only_parts_read``, without the parts mammoth does not read."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = [name for name in source.namelist() if not only_parts_read or name in _PARTS_READ]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
            for name in names:
                part = source.read(name)
                if name == "word/document.xml" and b"drawingml/2006/chart" in part:
                    part = _CHART_DRAWING.sub(f"<w:t>{_CHART_MARK}</w:t>".encode(), part)
                target.writestr(name, part)
    return buffer.getvalue()


@contextmanager
def _parsing(fast: bool) -> Iterator[None]:
    """mammoth with :func:`_parse_xml` in place of its minidom reader, and its style lookup remembered per
    document (it scans its whole style map, about 45 rules, for every run and paragraph)."""
    from mammoth import conversion
    from mammoth.docx import office_xml, xmlparser

    converter = getattr(conversion, "_DocumentConverter", None)
    find_style = getattr(converter, "_find_style", None)
    if not fast or getattr(office_xml, "parse_xml", None) is not xmlparser.parse_xml or find_style is None:
        yield
        return

    def remembered_find_style(self: Any, element: Any, element_type: str) -> Any:
        # What mammoth's matchers read of an element; the same key finds the same style.
        key = (element_type, getattr(element, "style_id", None), getattr(element, "style_name", None),
               getattr(element, "numbering", None), getattr(element, "color", None), getattr(element, "break_type", None))
        found = self.__dict__.setdefault("_ombudsman_styles", {})
        if key not in found:
            found[key] = find_style(self, element, element_type)
        return found[key]

    office_xml.parse_xml = _parse_xml  # type: ignore[attr-defined]
    converter._find_style = remembered_find_style  # type: ignore[union-attr]
    try:
        yield
    finally:
        office_xml.parse_xml = xmlparser.parse_xml  # type: ignore[attr-defined]
        converter._find_style = find_style  # type: ignore[union-attr]


def _parse_xml(fileobj: Any, namespace_mapping: Any = None) -> Any:
    """mammoth's ``parse_xml``, with the C ElementTree parser (expat, as minidom; no external entities): the
    same elements, attributes and text nodes, in order; comments and processing instructions dropped, as
    mammoth drops them. A part read before is not read again: every letter from one template has the same
    styles, numbering and relationships (mammoth only reads the nodes it is given)."""
    return _parsed(fileobj.read(), tuple(namespace_mapping or ()))


@functools.lru_cache(maxsize=16)
def _parsed(data: bytes, namespace_mapping: tuple[tuple[str, str], ...]) -> Any:
    from xml.etree import ElementTree

    from mammoth.docx.xmlparser import XmlElement, XmlText

    prefixes = {uri: prefix for prefix, uri in namespace_mapping}
    names: dict[str, str] = {}

    def name_of(tag: str) -> str:
        converted = names.get(tag)
        if converted is None:
            if tag.startswith("{"):
                uri, _, local = tag[1:].partition("}")
                prefix = prefixes.get(uri)
                converted = f"{prefix}:{local}" if prefix is not None else tag
            else:
                converted = tag
            names[tag] = converted
        return converted

    def convert(element: Any) -> Any:
        children = []
        if element.text:
            children.append(XmlText(element.text))
        for child in element:
            children.append(convert(child))
            if child.tail:
                children.append(XmlText(child.tail))
        attributes = {name_of(key): value for key, value in element.attrib.items()} if element.attrib else {}
        return XmlElement(name_of(element.tag), attributes, children)

    return convert(ElementTree.fromstring(data))


def accessible_tables(html: str) -> str:
    """Each table with a caption (the heading above it, for screen readers), header cells scoped to their
    column, the first cell of each body row a header scoped to its row, in a region that scrolls; a table of
    more than two columns marked to be shown as cards on a phone, each cell labelled with its heading."""
    from lxml import html as lxml_html

    if "<table" not in html:
        return html
    fragment = lxml_html.fragment_fromstring(html, create_parent="div")
    for table in fragment.iter("table"):
        heading = table.getprevious()
        while heading is not None and heading.tag not in ("h3", "h4"):
            heading = heading.getprevious()
        caption = lxml_html.Element("caption")
        caption.text = heading.text_content().strip() if heading is not None else "Table"
        if heading is not None:
            caption.set("class", "visually-hidden")  # the heading above says it for sighted readers
        table.insert(0, caption)
        # On a narrow screen a wide table scrolls inside a region of its own, not the page with it.
        region = lxml_html.Element("div", {"class": "table-wrapper", "role": "region", "tabindex": "0",
                                           "aria-label": caption.text})
        table.addprevious(region)
        region.append(table)
        for cell in table.iter("th"):
            cell.set("scope", "col")
        for row in table.iter("tr"):
            first = row[0] if len(row) else None
            parent = row.getparent()
            if first is not None and first.tag == "td" and parent is not None and parent.tag != "thead":
                first.tag = "th"
                first.set("scope", "row")
        # On a phone a table of more than two columns is a list of cards, each figure labelled with its column's
        # heading (the site's stylesheet), as the page's own tables are.
        header = next(table.iter("thead"), None)
        headings = [cell.text_content().strip() for cell in header.iter("th", "td")] if header is not None else []
        if len(headings) > 2:
            table.set("class", "table--cards")
            for body in table.iter("tbody"):
                for row in body.iter("tr"):
                    for cell, heading in zip(row, headings):
                        if cell.tag == "td":
                            cell.set("data-label", heading)
    return "".join(lxml_html.tostring(child, encoding="unicode") for child in fragment)
