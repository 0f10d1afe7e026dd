"""Filling a docxtpl Word template, fast, with the same bytes as docxtpl's own path.

docxtpl's plain path (load the template, render, save, for each letter) re-reads the template,
recompiles its Jinja source and re-serialises every part of the package for every letter.
:class:`LetterRenderer` does each of those once per run: it compiles the template once, renders only
the parts that hold Jinja tags (the body, headers and footers) through docxtpl's own functions, and
copies every other part already compressed. :func:`render_with_docxtpl` is the plain path; a test
proves both give the same bytes.

Output is reproducible: zip entries carry the letter date as their timestamp, and the document
properties come from the letter date, never from the clock.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from docx.opc.oxml import serialize_part_xml
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateProblem, UsageError
from ..packages import Compressed, compress, read_entries, repack, without_parts, write_zip
from ..templates import describe_failure, sample_of, sandboxed_environment, unknown_names
from ..years import BusinessYear
from . import chart

CORE_PART = "docProps/core.xml"
# Stands in the template's properties for each letter's own title, which replaces it.
_TITLE_PLACEHOLDER = "ombudsman-letter-title-8c1f"
_SUBJECT_PLACEHOLDER = "ombudsman-letter-subject-8c1f"
DOCUMENT_PART = "word/document.xml"
_JINJA_TAG = re.compile(r"\{[{%#]")


# What docxtpl's listing pass turns into Word's tabs, line and page breaks. Looked for one by one: four
# substring searches take a hundredth of a regular expression's character class over a letter (75 µs).
_LISTING_CHARACTERS = ("\t", "\a", "\n", "\f")


class _Template(DocxTemplate):
    """docxtpl's template, rendering a part as docxtpl does, with less work per letter: each part's
    Jinja compiled once (docxtpl prepares and looks up the source again for every letter), the passes
    that only move line breaks done by ``str.replace`` (docxtpl uses a regular expression with a
    template for each of a letter's paragraphs), and the tab/newline/page-break pass skipped when no text
    holds those characters (it rewrites every paragraph with regular expressions, and is then a no-op).
    A test proves the bytes are docxtpl's own."""

    def __init__(self, template: Any) -> None:
        super().__init__(template)
        self._compiled: dict[str, Any] = {}  # a part's source -> its compiled Jinja

    def render_xml_part(self, src_xml: str, part: Any, context: dict[str, Any], jinja_env: Any = None) -> str:
        if jinja_env is None:
            return str(super().render_xml_part(src_xml, part, context))
        template = self._compiled.get(src_xml)
        if template is None:
            template = self._compiled[src_xml] = jinja_env.from_string(_render_ready(src_xml))
        self.current_rendering_part = part
        try:
            xml = template.render(context)
        except TemplateError as error:
            if getattr(error, "lineno", None) is not None:  # docxtpl's own note of where, for the message
                first = max(error.lineno - 4, 0)  # type: ignore[attr-defined]
                lines = _render_ready(src_xml).splitlines()[first:first + 7]
                error.docx_context = [re.sub(r"<[^>]+>", "", line) for line in lines]  # type: ignore[attr-defined]
            raise
        # docxtpl's re.sub(r"\n<w:p([ >])", r"<w:p\1"): the two endings cannot make each other's match.
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.resolve_listing(xml)

    def resolve_listing(self, xml: str) -> str:
        if not any(character in xml for character in _LISTING_CHARACTERS):
            return xml
        return str(super().resolve_listing(xml))


_PARAGRAPH_START = re.compile(r"<w:p([ >])")


def _render_ready(source: str) -> str:
    """A part's source as docxtpl's render_xml_part prepares it: each paragraph on a line of its own."""
    return _PARAGRAPH_START.sub(r"\n<w:p\1", source)


def jinja_environment() -> SandboxedEnvironment:
    """The sandbox, strict about names, autoescaping so that "Hammersmith & Fulham" stays valid XML."""
    return sandboxed_environment(autoescape=True)


#: A zip file's timestamps hold the years 1980 to 2107; a letter's date becomes its files' timestamps.
FIRST_LETTER_YEAR, LAST_LETTER_YEAR = 1980, 2107


def resolve_letter_date(year: BusinessYear, given: date | None, configured: dict[int, date],
                        today: date | None = None) -> tuple[date, list[str]]:
    """The date the year's letters carry: ``given`` (``--letter-date``), else the config's date for the
    year, else today; with what a person should hear about it (today's date, a date before the year
    ended). :class:`UsageError` for a date a Word file cannot hold."""
    notes = []
    day = given or configured.get(year.end_year)
    if day is None:
        day = today or date.today()
        notes.append(f"Letters dated today ({day.isoformat()}): set --letter-date or [letters] dates in ombudsman.toml.")
    check_letter_date(day)
    if day <= year.end:
        notes.append(f"Warning: the letters are dated {day:%d %B %Y}, before the year they review ({year.label}) "
                     "has ended; is --letter-date (or [letters] dates) right?")
    return day, notes


def check_letter_date(day: date) -> None:
    """Refuse a letter date that a ``.docx`` (a zip file) cannot carry."""
    if not FIRST_LETTER_YEAR <= day.year <= LAST_LETTER_YEAR:
        raise UsageError(
            f"a letter dated {day.isoformat()} cannot be written: a Word file (a zip archive) holds dates from "
            f"{FIRST_LETTER_YEAR} to {LAST_LETTER_YEAR}. Give the date the letters go out, such as 2020-07-22."
        )


@dataclass(frozen=True)
class DocumentProperties:
    """What File > Properties shows; fixed per run so reruns give the same bytes.

    Each letter's title is the run's ``title`` and the council's name ("Annual Review letter 2020:
    Bassetlaw District Council"); the metadata names the ombudsman and nothing else, in British English.
    """

    title: str
    created: date
    author: str = "Local Government and Social Care Ombudsman"
    language: str = "en-GB"

    def letter_title(self, context: dict[str, Any]) -> str:
        return f"{self.title}: {context['authority']}" if context.get("authority") else self.title

    def letter_subject(self, context: dict[str, Any]) -> str:
        if not context.get("authority") or not context.get("period"):
            return ""
        return f"The {self.author}'s decisions about {context['authority']}, {context['period']}"

    def apply(self, document: Any, title: str | None = None, subject: str = "") -> None:
        core = document.core_properties
        moment = datetime(self.created.year, self.created.month, self.created.day)
        core.title = self.title if title is None else title
        core.subject = subject
        core.author = self.author
        core.last_modified_by = self.author
        core.created = core.modified = moment
        core.revision = 1
        core.language = self.language
        core.comments = ""  # python-docx's own template says "generated by python-docx" here
        element = core._element
        for child in list(element):
            if not child.text and not len(child):
                element.remove(child)  # empty description, subject, keywords: nothing but the ombudsman


_FIX = "Correct the tag in Word or LibreOffice (the README lists the variables)."


def _template_error(error: BaseException, path: Path, source: str | None = None) -> TemplateProblem:
    """The Jinja error with the paragraphs of the template around it, as text, so it can be found in Word."""
    return describe_failure(f"{path}: the template's Jinja cannot be used", error, source, _FIX,
                            list(getattr(error, "docx_context", []) or []))


_CORE_RELATIONSHIP = b"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
# Older LibreOffice writes the core properties' relationship under this type, which python-docx does not
# know: it would add a second docProps/core.xml to every letter.
_OTHER_CORE_RELATIONSHIP = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/metadata/core-properties"


def template_package(path: Path) -> io.BytesIO:
    """The template's package as python-docx should read it: one entry per name (the last, as zip readers
    take it), and the core properties under their standard relationship type, whatever saved it."""
    try:
        entries = dict(read_entries(path.read_bytes()))
    except (OSError, zipfile.BadZipFile) as error:
        raise TemplateProblem(f"{path} cannot be opened as a Word document ({error})") from None
    rels = entries.get("_rels/.rels")
    if rels is not None:
        entries["_rels/.rels"] = rels.replace(_OTHER_CORE_RELATIONSHIP, _CORE_RELATIONSHIP)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


@contextmanager
def _no_warnings(path: Path) -> Iterator[None]:
    """A library's warning while reading or saving the template (a duplicate part, say) is the template's
    problem, named, never printed raw."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    if caught:
        raise TemplateProblem(f"{path} cannot be used as it is: {caught[0].message}. Save it again in Word, or "
                              "restore the template it was made from.")


_DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_PICTURE_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


_BODY = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}body"
_NAMESPACE_DECLARATION = re.compile(r'\s+xmlns(?::[\w.-]+)?="[^"]*"')


def _around_body(document: Any, body_source: str) -> tuple[str, str, str] | None:
    """The document part's XML before and after its body, and the body's source as it stands inside the
    document, so that a letter's document part is the text ``start + body + end``, parsed once.

    docxtpl parses a letter's body alone and moves it into the document, and lxml then drops every
    namespace declaration that an enclosing element already makes: on the body (its source, written out
    alone, declares the document's namespaces again), and on elements inside it (LibreOffice declares the
    relationships' namespace again where it is used). The first are dropped here as well. A declaration
    inside the body that could be such a repeat (of the document's or the body's, or one made twice) gives
    ``None``: that template's letters are made the way docxtpl makes them."""
    from lxml import etree

    tag_end = body_source.index(">")
    body = document.find(_BODY)
    marker = etree.Comment("ombudsman-body-8c1f")
    document.replace(body, marker)
    try:
        text = etree.tostring(document, encoding="unicode")
    finally:
        document.replace(marker, body)
    start, end = text.split("<!--ombudsman-body-8c1f-->")
    declared = {d.strip() for d in _NAMESPACE_DECLARATION.findall(start[:start.index(">")])}
    kept = [d for d in _NAMESPACE_DECLARATION.findall(body_source[:tag_end]) if d.strip() not in declared]
    inner = [d.strip() for d in _NAMESPACE_DECLARATION.findall(body_source, tag_end)]
    if (body_source.count("xmlns", tag_end) != len(inner) or len(set(inner)) != len(inner)
            or declared.union(d.strip() for d in kept).intersection(inner)):
        return None
    tag = _NAMESPACE_DECLARATION.sub(lambda d: "" if d.group().strip() in declared else d.group(), body_source[:tag_end])
    return start, tag + body_source[tag_end:], end


def _drawings(root: Any) -> Iterator[Any]:
    for tag in ("inline", "anchor"):
        yield from root.iter(f"{{{_DRAWING_NS}}}{tag}")


def describe_charts(root: Any, chart_ids: set[str], context: dict[str, Any]) -> set[str]:
    """Give each drawing of the rates chart in ``root`` (a document's XML) the letter's own title and
    description, whatever the template's say (an editor may drop them): its alternative text, which the
    PDF's figure carries. Returns the relationship ids of the charts drawn (the others are not shown)."""
    found = set()
    for drawing in _drawings(root):
        graphic = next(drawing.iter(f"{{{_CHART_NS}}}chart"), None)
        properties = drawing.find(f"{{{_DRAWING_NS}}}docPr")
        if graphic is None or properties is None or graphic.get(_RELATIONSHIP_ID) not in chart_ids:
            continue
        properties.set("descr", context["chart"]["description"])
        properties.set("title", context["chart"]["title"])
        found.add(graphic.get(_RELATIONSHIP_ID))
    return found


def images_without_description(root: Any) -> list[str]:
    """The names of the pictures in ``root`` that have no alternative text."""
    return [
        (properties.get("name") or f"picture {properties.get('id')}")
        for drawing in _drawings(root)
        if next(drawing.iter(f"{{{_PICTURE_NS}}}pic"), None) is not None
        and (properties := drawing.find(f"{{{_DRAWING_NS}}}docPr")) is not None
        and not (properties.get("descr") or "").strip()
    ]


class LetterRenderer:
    """One template, compiled once, filled for many letters."""

    def __init__(self, template: Path, properties: DocumentProperties) -> None:
        check_letter_date(properties.created)
        self.path = Path(template)
        self.environment = jinja_environment()
        try:
            with _no_warnings(self.path):
                self._template = _Template(template_package(self.path))
                self._template.init_docx()
        except TemplateProblem:
            raise
        except Exception as error:  # python-docx raises several types for a file that is not a .docx
            raise TemplateProblem(f"{self.path} cannot be opened as a Word document ({error})") from None
        document = self._template.docx
        #: Pictures the template shows without alternative text: its letters cannot claim PDF/UA.
        self.images_without_description = images_without_description(document.element.body)
        self.plain_only = self._needs_plain_path(document)
        # As docxtpl's render does (it rewrites empty properties), so both paths give the same bytes.
        self._template.render_properties({}, self.environment)
        self._date_time = (properties.created.year, properties.created.month, properties.created.day, 0, 0, 0)
        self._body_source = self._template.patch_xml(self._template.get_xml())
        # Headers and footers with tags: partname -> (part, patched source, encoding).
        self._part_sources: dict[str, tuple[Any, str, str]] = {}
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in self._template.get_headers_footers(uri):
                xml = self._template.get_part_xml(part)
                if _JINJA_TAG.search(xml):
                    encoding = self._template.get_headers_footers_encoding(xml)
                    self._part_sources[part.partname.lstrip("/")] = (part, self._template.patch_xml(xml), encoding)
        # Parts made for each letter: the properties (the title names the council) and the rates chart.
        properties.apply(document, title=_TITLE_PLACEHOLDER, subject=_SUBJECT_PLACEHOLDER)
        charts = _charts(document)
        strange = [rel.target_part.partname for rel in charts.values() if not chart.is_ours(rel.target_part.blob)]
        if strange:
            raise TemplateProblem(
                f"{self.path} has a chart that ombudsman cannot fill ({', '.join(strange)}): a letter would show the "
                f"template's own bars, not the council's figures. ombudsman fills the chart whose two series are "
                f"named {' and '.join(map(repr, chart.SERIES_NAMES))}: restore that chart (or its series names), or "
                "delete the chart from the template."
            )
        self._chart_ids = set(charts)
        self._chart_parts = {rel_id: rel.target_part.partname.lstrip("/") for rel_id, rel in charts.items()}
        self._charts = embed_workbooks(charts.values())
        buffer = io.BytesIO()
        with _no_warnings(self.path):
            document.save(buffer)
        app = _plain_app_properties(properties)
        self._entries = [(name, app if name == APP_PART else data) for name, data in read_entries(buffer.getvalue())]
        self._core = dict(self._entries)[CORE_PART]
        per_letter = {DOCUMENT_PART, CORE_PART, *self._part_sources, *self._charts,
                      *(workbook for _, workbook in self._charts.values())}
        self._static = {name: compress(data) for name, data in self._entries if name not in per_letter}
        # The package's entries for a letter that leaves charts out (relationship ids): made on first need.
        self._packages: dict[frozenset[str], tuple[list[str], dict[str, Compressed]]] = {
            frozenset(): ([name for name, _ in self._entries], self._static)}
        self.properties = properties
        around = _around_body(document.element, self._body_source)
        #: The document part's XML before and after its body: each letter's document is that text with the
        #: letter's body between, parsed once (``None``: made as docxtpl makes it, from ``_body_source``).
        self._document_around = None if around is None else (around[0], around[2])
        self._body_to_render = self._body_source if around is None else around[1]
        try:
            self.environment.from_string(_render_ready(self._body_source))
        except TemplateError as error:
            raise _template_error(error, self.path, _render_ready(self._body_source)) from None
        try:
            # What docxtpl's get_undeclared_template_variables finds (the body, then the headers' and
            # footers' sources, parsed as one), from the sources read above rather than the file again.
            self.variables = meta.find_undeclared_variables(self.environment.parse(
                self._body_source + "".join(source for _, source, _ in self._part_sources.values())))
        except TemplateError as error:
            raise _template_error(error, self.path) from None

    def _needs_plain_path(self, document: Any) -> bool:
        """Tags in footnotes or document properties: rare; docxtpl's own path renders those correctly."""
        core = document.core_properties
        texts = [core.author, core.comments, core.identifier, core.language, core.subject, core.title]
        if any(text and _JINJA_TAG.search(text) for text in texts):
            return True
        return any(
            part.content_type.endswith("footnotes+xml") and _JINJA_TAG.search(part.blob.decode("utf-8", "replace"))
            for part in document.part.package.parts
        )

    def missing_variables(self, context: dict[str, Any]) -> list[str]:
        """Template variables that ``context`` does not provide."""
        return sorted(set(self.variables) - set(context))

    def check(self, contexts: dict[str, Any] | list[dict[str, Any]]) -> None:
        """Refuse, before anything is written, a template that uses a variable, or an attribute of one
        (``upheld.percnt``), that the letters in ``contexts`` do not have."""
        sample = sample_of([contexts] if isinstance(contexts, dict) else contexts)
        missing = self.missing_variables(sample)
        unknown = [] if missing else [
            name for source in (self._body_source, *(s for _, s, _ in self._part_sources.values()))
            for name in unknown_names(self.environment, _render_ready(source), sample)
        ]
        if missing or unknown:
            raise TemplateProblem(
                f"{self.path} uses {', '.join(missing or unknown)}, which ombudsman does not provide. "
                "Correct the tag in the template (the README lists the variables)."
            )

    def render(self, context: dict[str, Any]) -> bytes:
        """The finished ``.docx`` for one letter.

        Any error while filling the template (a filter given the wrong value, a division by zero in a
        tag) is a :class:`TemplateProblem` naming the tag, never a traceback.
        """
        if self.plain_only:
            return render_with_docxtpl(self.path, context, self.properties)
        template = self._template
        source = self._body_to_render
        try:
            xml = template.render_xml_part(source, template.docx._part, context, self.environment)
            rendered: dict[str, bytes] = {}
            for name, (part, source, encoding) in self._part_sources.items():
                part_xml = template.render_xml_part(source, part, context, self.environment)
                rendered[name] = serialize_part_xml(parse_xml(part_xml.encode(encoding)))
        except Exception as error:  # a template is code the team writes: whatever it raises is theirs to fix
            raise _template_error(error, self.path, _render_ready(source)) from None
        if self._document_around is not None:
            # The whole document parsed at once, the letter's body in its place: moving a body parsed alone
            # into the document, as docxtpl does, costs more than the parse (lxml re-homes every element's
            # namespaces: 0.9 ms a generic letter). The same bytes (tested).
            start, end = self._document_around
            root = template.fix_tables(start + xml + end)
            body = root.find(_BODY)
        else:
            body = template.fix_tables(xml)
            root = template.docx._element
            root.replace(root.body, body)
        if "docPr" in xml:  # docxtpl renumbers the pictures' ids; a letter without a picture has none
            template.docx_ids_index = 1000
            template.fix_docpr_ids(body)
        names, static = self._package(self._chart_ids - describe_charts(body, self._chart_ids, context))
        rendered[DOCUMENT_PART] = serialize_part_xml(root)
        rendered[CORE_PART] = self._core.replace(
            _TITLE_PLACEHOLDER.encode(), _xml_text(self.properties.letter_title(context))
        ).replace(_SUBJECT_PLACEHOLDER.encode(), _xml_text(self.properties.letter_subject(context)))
        for name, (workbook_id, workbook) in self._charts.items():
            if name not in names:  # a chart the letter does not show is not in its file
                continue
            rendered[name] = chart.chart_xml(context["chart"], workbook_id)
            rendered[workbook] = chart.chart_workbook(context["chart"])
            check_chart(rendered[name], rendered[DOCUMENT_PART], context, self.path)
        entries = [static[name] if name in static else compress(rendered[name]) for name in names]
        return write_zip(names, entries, self._date_time)

    def _package(self, hidden_charts: set[str]) -> tuple[list[str], dict[str, Compressed]]:
        """The entries' names, and the compressed entries every such letter shares, for a letter that
        leaves out the charts ``hidden_charts`` (relationship ids): their parts out of the package."""
        key = frozenset(hidden_charts)
        if key not in self._packages:
            entries = without_parts(self._entries, {self._chart_parts[rel_id] for rel_id in key})
            before = dict(self._entries)
            changed = {name for name, data in entries if data is not before[name]}
            self._packages[key] = ([name for name, _ in entries], {
                name: compress(data) if name in changed else self._static[name]
                for name, data in entries if name in self._static or name in changed})
        return self._packages[key]


def render_with_docxtpl(template: Path, context: dict[str, Any], properties: DocumentProperties) -> bytes:
    """docxtpl's plain path (load, render, save), packed as :class:`LetterRenderer` packs its letters."""
    template = Path(template)
    with _no_warnings(template):
        document = DocxTemplate(template_package(template))
        try:
            document.render(context, jinja_env=jinja_environment(), autoescape=True)
        except Exception as error:  # as LetterRenderer.render: the template's fault, named, never a traceback
            raise _template_error(error, template) from None
        charts = {rel_id: rel for rel_id, rel in _charts(document.docx).items() if chart.is_ours(rel.target_part.blob)}
        hidden = {charts[rel_id].target_part.partname.lstrip("/")
                  for rel_id in set(charts) - describe_charts(document.docx.element.body, set(charts), context)}
        workbooks = embed_workbooks(charts.values())
        workbook_parts = {workbook for _, workbook in workbooks.values()}
        properties.apply(document.docx, title=properties.letter_title(context),
                         subject=properties.letter_subject(context))
        buffer = io.BytesIO()
        document.save(buffer)
    app = _plain_app_properties(properties)
    rendered = dict(read_entries(buffer.getvalue()))

    def per_letter(name: str, data: bytes) -> bytes:
        if name == APP_PART:
            return app
        if name in workbooks:
            data = chart.chart_xml(context["chart"], workbooks[name][0])
            check_chart(data, rendered[DOCUMENT_PART], context, template)
        elif name in workbook_parts:
            data = chart.chart_workbook(context["chart"])
        return data

    return repack(buffer.getvalue(), properties.created, per_letter, hidden)


def _charts(document: Any) -> dict[str, Any]:
    """The document's chart relationships by id (the charts in its body)."""
    return {rel.rId: rel for rel in document.part.rels.values()
            if rel.reltype == chart.RELATIONSHIP and not rel.is_external}


def embed_workbooks(charts: Any) -> dict[str, tuple[str, str]]:
    """Each rates chart's embedded workbook, which "Edit Data" opens: ``{chart part name: (its relationship
    id, the workbook's part name)}``. A chart without one (a template from before workbooks, or edited so)
    is given one; a workbook the template carries is kept in its place, and each letter fills it."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    found = {}
    for relationship in charts:
        part = relationship.target_part
        embedded = next((rel for rel in part.rels.values()
                         if rel.reltype == chart.WORKBOOK_RELATIONSHIP and not rel.is_external), None)
        if embedded is None:
            taken = {str(p.partname) for p in part.package.iter_parts()}
            names = (f"/word/embeddings/rates-chart-{n}.xlsx" for n in range(1, len(taken) + 2))
            name = next(name for name in names if name not in taken)
            workbook = Part(PackURI(name), chart.WORKBOOK_CONTENT_TYPE, b"", part.package)
            rel_id = part.relate_to(workbook, chart.WORKBOOK_RELATIONSHIP)
        else:
            rel_id, workbook = embedded.rId, embedded.target_part
        found[part.partname.lstrip("/")] = (rel_id, workbook.partname.lstrip("/"))
    return found


def check_chart(part: bytes, document: bytes, context: dict[str, Any], template: Path) -> None:
    """The letter's chart shows the council's figures and its description is the letter's: checked on
    every letter, so that no template, however edited, puts other figures in a chart."""
    rows = context["chart"]["rows"]
    expected = [[row["yours_percent"] for row in rows], [row["average_percent"] for row in rows]]
    description = _xml_text(context["chart"]["description"]).replace(b'"', b"&quot;")
    shown = b"<c:chart " in document  # a drawing of the chart (none where the template leaves it out)
    if chart.series_percentages(part) != expected or (shown and b'descr="' + description + b'"' not in document):
        raise TemplateProblem(f"{template}: the chart in the letter to {context.get('authority')} would not show its "
                              "figures and description; nothing was written. Restore the template's chart.")


APP_PART = "docProps/app.xml"


def _plain_app_properties(properties: DocumentProperties) -> bytes:
    """The extended properties naming the ombudsman and nothing else, whatever the template's say (a
    template made by python-docx claims "Microsoft Macintosh Word" 14)."""
    return (b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            + b"<Company>" + _xml_text(properties.author) + b"</Company></Properties>")


def _xml_text(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")
