"""Finishing LibreOffice's tagged PDF/A-2b: what it gets wrong for PDF/UA, put right, and the same bytes
on every run.

LibreOffice 7.4 writes a tagged PDF that claims PDF/A-2b and PDF/UA-1, with a few faults that checkers
(veraPDF, PAC) report and that break reproducibility:

- the pages' tab order ``/Tabs`` is the string ``(S)``, not the name ``/S``, and missing on pages
  without links;
- a chart becomes a ``Figure`` without ``/Alt`` (the Word drawing's description is not carried over);
- the XMP metadata escapes ``&`` twice ("Hammersmith &amp;amp; Fulham"), so it no longer agrees with
  the document information dictionary, which PDF/A requires;
- the creation date, the ICC profile's date, ``/DocChecksum`` and ``/ID`` change on every run.

Everything needed is in the Word letter the PDF was made from: its title, subject and language (the
core properties), its date, and each drawing's description, in order.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

from lxml import etree

from ..errors import ConversionError
from ..files import atomic_writer

_CORE = "{http://purl.org/dc/elements/1.1/}"
_TERMS = "{http://purl.org/dc/terms/}"
_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


@dataclass(frozen=True)
class LetterFacts:
    """What the PDF must say about itself, read from the Word letter."""

    title: str
    subject: str
    language: str
    created: date
    #: The description of each drawing in the letter, in reading order (the figures' alternative text).
    descriptions: tuple[str, ...]
    #: The first half of the PDF's ``/ID`` (its permanent identifier): from the letter's own bytes.
    identifier: bytes = b""

    @property
    def every_figure_described(self) -> bool:
        """Whether every drawing has alternative text: without it, the PDF may not claim PDF/UA."""
        return all(text.strip() for text in self.descriptions)


def facts_of(document: Path) -> LetterFacts:
    with zipfile.ZipFile(document) as package:
        core = etree.fromstring(package.read("docProps/core.xml"))
        body = etree.fromstring(package.read("word/document.xml"))
    created_text = core.findtext(f"{_TERMS}created") or ""
    try:
        created = datetime.fromisoformat(created_text.replace("Z", "+00:00")).date()
    except ValueError:
        created = date(1980, 1, 1)
    return LetterFacts(
        title=core.findtext(f"{_CORE}title") or "",
        subject=core.findtext(f"{_CORE}subject") or "",
        language=core.findtext(f"{_CORE}language") or "en-GB",
        created=created,
        descriptions=tuple(e.get("descr") or e.get("title") or "" for e in body.iter(f"{_DRAWING}docPr")),
        identifier=hashlib.md5(document.read_bytes(), usedforsecurity=False).digest(),
    )


def finish_pdf(document: Path, produced: Path, target: Path) -> None:
    """Write ``target``: the PDF LibreOffice ``produced`` from ``document``, put right (see above).

    Raises :class:`ConversionError` when ``produced`` is not a PDF that can be read.
    """
    import pikepdf

    facts = facts_of(document)
    try:
        with pikepdf.open(produced) as pdf:
            _put_right(pdf, facts)
            with atomic_writer(target, "wb") as stream:
                pdf.save(cast(BinaryIO, stream), deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    except pikepdf.PdfError as error:
        raise ConversionError(f"{produced.name} is not a PDF that can be read ({error})") from None


def _put_right(pdf: object, facts: LetterFacts) -> None:
    import pikepdf

    assert isinstance(pdf, pikepdf.Pdf)
    root = pdf.Root
    root.Lang = pikepdf.String(facts.language)
    root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    for page in pdf.pages:
        page.obj.Tabs = pikepdf.Name.S  # reading order follows the structure
    _describe_figures(root, facts.descriptions)
    _figures_own_their_content(root)
    _tag_row_headers(root)
    moment = datetime(facts.created.year, facts.created.month, facts.created.day)
    pdf_date = moment.strftime("D:%Y%m%d%H%M%S+00'00'")
    xmp_date = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    info = pdf.docinfo
    info.Title = pikepdf.String(facts.title)
    if facts.subject:
        info.Subject = pikepdf.String(facts.subject)
    elif "/Subject" in info:
        del info.Subject
    info.CreationDate = info.ModDate = pikepdf.String(pdf_date)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
        metadata["dc:title"] = facts.title
        if facts.subject:
            metadata["dc:description"] = facts.subject
        elif "dc:description" in metadata:
            del metadata["dc:description"]
        metadata["xmp:CreateDate"] = xmp_date
        metadata["xmp:ModifyDate"] = xmp_date
        if not facts.every_figure_described and "pdfuaid:part" in metadata:
            del metadata["pdfuaid:part"]  # a picture without alternative text: not PDF/UA, so not claimed
    if facts.every_figure_described:
        _declare_pdfua_schema(pdf)
    # The permanent identifier from the letter; qpdf works out the changing half from the content.
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(facts.identifier), pikepdf.String(facts.identifier)])
    if "/DocChecksum" in pdf.trailer:
        del pdf.trailer.DocChecksum  # LibreOffice's own checksum, different on every run
    _date_colour_profiles(root, facts.created)


def _describe_figures(root: object, descriptions: tuple[str, ...]) -> None:
    """``/Alt`` on every Figure: the drawings' descriptions in reading order, where LibreOffice left none."""
    import pikepdf

    figures: list[pikepdf.Dictionary] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == pikepdf.Name.Figure:
                figures.append(node)
            if "/K" in node and node.get("/Type") != pikepdf.Name.MCR:
                walk(node.K)

    tree = root.get("/StructTreeRoot")  # type: ignore[attr-defined]
    if tree is not None and "/K" in tree:
        walk(tree.K)
    for index, figure in enumerate(figures):
        if "/Alt" not in figure or not str(figure.Alt).strip():
            text = descriptions[index] if index < len(descriptions) and descriptions[index] else "Figure"
            figure.Alt = pikepdf.String(text)


def _elements(node: object) -> Iterator[Any]:
    """Every structure element under ``node`` (itself included), depth first, in reading order."""
    import pikepdf

    if isinstance(node, pikepdf.Array):
        for child in node:
            yield from _elements(child)
    elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
        yield node
        if "/K" in node:
            yield from _elements(node.K)


def _kids(element: object) -> list[object]:
    import pikepdf

    kids = element.get("/K")  # type: ignore[attr-defined]
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _figures_own_their_content(root: object) -> None:
    """A chart's Figure as one element: LibreOffice tags its axis labels as paragraphs inside it, which a
    screen reader reads after the figure's ``/Alt`` (and PDF/UA forbids). The marked content of those
    paragraphs becomes the Figure's own, so that the ``/Alt`` alone stands for it, and the parent tree
    (which says whose each piece of content is) follows."""
    import pikepdf

    tree = root.get("/StructTreeRoot")  # type: ignore[attr-defined]
    if tree is None or "/K" not in tree:
        return
    absorbed: dict[tuple[int, int], Any] = {}
    for figure in [e for e in _elements(tree.K) if e.get("/S") == pikepdf.Name.Figure]:  # type: ignore[attr-defined]
        content: list[object] = []

        def collect(kid: object, page: object) -> None:
            if isinstance(kid, int):  # a marked-content id on the element's page
                content.append(pikepdf.Dictionary(Type=pikepdf.Name.MCR, MCID=kid, Pg=page) if page is not None else kid)
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                absorbed[kid.objgen] = figure
                for inner in _kids(kid):
                    collect(inner, kid.get("/Pg", page))
            else:
                content.append(kid)  # a marked-content or object reference: the figure's already

        for kid in _kids(figure):
            collect(kid, figure.get("/Pg"))
        figure.K = pikepdf.Array(content)
    if absorbed and "/ParentTree" in tree:
        _reparent(tree.ParentTree, absorbed)


def _reparent(node: object, absorbed: dict[tuple[int, int], Any]) -> None:
    """In the parent tree (a number tree), point the content of each absorbed element at its figure."""
    import pikepdf

    assert isinstance(node, pikepdf.Dictionary)
    for kid in node.get("/Kids", []):
        _reparent(kid, absorbed)
    numbers = node.get("/Nums")
    if numbers is None:
        return
    for index in range(1, len(numbers), 2):
        value = numbers[index]
        if isinstance(value, pikepdf.Array):
            for position, parent in enumerate(value):
                if isinstance(parent, pikepdf.Dictionary) and parent.objgen in absorbed:
                    value[position] = absorbed[parent.objgen]
        elif isinstance(value, pikepdf.Dictionary) and value.objgen in absorbed:
            numbers[index] = absorbed[value.objgen]


def _tag_row_headers(root: object) -> None:
    """Each table's first column as row headers (``TH`` with ``/Scope /Row``) and its header row's cells
    with ``/Scope /Column``, so that a screen reader says "Complaints upheld" with "67%": every table of a
    letter has its labels in the first column."""
    import pikepdf

    tree = root.get("/StructTreeRoot")  # type: ignore[attr-defined]
    if tree is None or "/K" not in tree:
        return
    for row in [e for e in _elements(tree.K) if e.get("/S") == pikepdf.Name.TR]:  # type: ignore[attr-defined]
        cells = [c for c in _kids(row) if isinstance(c, pikepdf.Dictionary) and c.get("/S") in (pikepdf.Name.TH,
                                                                                                  pikepdf.Name.TD)]
        if not cells:
            continue
        if all(c.S == pikepdf.Name.TH for c in cells):
            for cell in cells:
                _set_scope(cell, pikepdf.Name.Column)
            continue
        cells[0].S = pikepdf.Name.TH
        _set_scope(cells[0], pikepdf.Name.Row)


def _set_scope(cell: object, scope: object) -> None:
    import pikepdf

    assert isinstance(cell, pikepdf.Dictionary)
    existing = cell.get("/A")
    attributes = list(existing) if isinstance(existing, pikepdf.Array) else [] if existing is None else [existing]
    for owner in attributes:
        if isinstance(owner, pikepdf.Dictionary) and owner.get("/O") == pikepdf.Name.Table:
            owner.Scope = scope  # LibreOffice's own table attributes, put right
            return
    table_attributes = pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=scope)
    cell.A = pikepdf.Array([*attributes, table_attributes]) if attributes else table_attributes


# PDF/A-2 allows a property outside its predefined schemas only with an extension schema that describes it.
_PDFUA_EXTENSION = b"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><pdfaExtension:schemas><rdf:Bag>
<rdf:li rdf:parseType="Resource"><pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates which part of ISO 14289 (PDF/UA) the document conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"""
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


def _declare_pdfua_schema(pdf: object) -> None:
    """The XMP's ``pdfuaid:part``, described by a PDF/A extension schema (once)."""
    import pikepdf

    assert isinstance(pdf, pikepdf.Pdf)
    metadata = pdf.Root.get("/Metadata")
    if not isinstance(metadata, pikepdf.Stream):
        return
    data = metadata.read_bytes()
    if b"http://www.aiim.org/pdfua/ns/id/" not in data or b"pdfaExtension:schemas" in data:
        return
    document = etree.fromstring(data, etree.XMLParser(remove_blank_text=False))
    description = document.find(f".//{_RDF}RDF")
    if description is None:
        return
    description.append(etree.fromstring(_PDFUA_EXTENSION))
    metadata.write(etree.tostring(document.getroottree(), encoding="utf-8", xml_declaration=False))


def _date_colour_profiles(root: object, day: date) -> None:
    """The ICC profile of the PDF/A output intent carries the moment LibreOffice made it (bytes 24-35
    of its header); the letter's date instead, so that two runs give the same file."""
    import pikepdf

    for intent in root.get("/OutputIntents", []):  # type: ignore[attr-defined]
        profile = intent.get("/DestOutputProfile")
        if not isinstance(profile, pikepdf.Stream):
            continue
        data = bytearray(profile.read_bytes())
        if len(data) >= 36:
            data[24:36] = struct.pack(">6H", day.year, day.month, day.day, 0, 0, 0)
            profile.write(bytes(data))  # compressed again when the file is saved
