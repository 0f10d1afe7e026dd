"""Zip packages (``.docx``, ``.xlsx``) written the same way every time: entries in order, one timestamp,
deflated at one level, so the same content gives the same bytes. Letters compress the parts every letter
shares once (:func:`compress`, then :func:`write_zip`); a workbook is rewritten whole (:func:`repack`)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

COMPRESSION_LEVEL = 6  # zlib's default: within a few per cent of 9 on these parts, several times faster


def repack(package: bytes, day: date, change: Callable[[str, bytes], bytes] | None = None,
           unwanted: set[str] | None = None) -> bytes:
    """A zip package (``.docx``, ``.xlsx``) rewritten with ``day`` as every entry's timestamp and the same
    compression as :class:`LetterRenderer`; ``change(name, data)``, if given, may replace an entry's data,
    and the parts ``unwanted`` are left out as :func:`without_parts` leaves them."""
    entries = read_entries(package)
    if unwanted:
        entries = without_parts(entries, unwanted)
    entries = [(name, change(name, data) if change else data) for name, data in entries]
    return write_zip([n for n, _ in entries], [compress(d) for _, d in entries], (day.year, day.month, day.day, 0, 0, 0))


def read_entries(docx_bytes: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


@dataclass(frozen=True)
class Compressed:
    crc: int
    size: int
    data: bytes


# zlib's MIN_LOOKAHEAD: a match reaches back at most the window less this, so a part this much shorter than
# its window finds every match it would find in a larger one.
_LOOKAHEAD = 262


def compress(data: bytes) -> Compressed:
    """``data`` deflated (raw, as in a zip file) with a window just large enough for it: a part that fits
    its window whole compresses to the same bytes in any larger one, and setting up zlib's largest window
    cost more than compressing most parts (58 µs for a 1 KB part, 15 µs with its own window)."""
    window_bits = max(9, min(15, (len(data) + _LOOKAHEAD).bit_length()))
    compressor = zlib.compressobj(COMPRESSION_LEVEL, zlib.DEFLATED, -window_bits)
    return Compressed(zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


def write_zip(names: list[str], entries: list[Compressed], date_time: tuple[int, ...]) -> bytes:
    """A zip archive of already-compressed entries (deflate), in order, with one fixed timestamp."""
    year, month, day = date_time[:3]
    dos_time, dos_date = 0, ((year - 1980) << 9) | (month << 5) | day
    out = io.BytesIO()
    central = []
    for name, entry in zip(names, entries):
        encoded = name.encode("utf-8")
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, dos_time, dos_date,
                              entry.crc, len(entry.data), entry.size, len(encoded), 0))
        out.write(encoded)
        out.write(entry.data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, dos_time, dos_date,
                                   entry.crc, len(entry.data), entry.size, len(encoded), 0, 0, 0, 0,
                                   0o100644 << 16, offset) + encoded)
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CONTENT_TYPES = "[Content_Types].xml"


def rels_name(part: str) -> str:
    """The zip name of the relationships of ``part`` (a zip name; ``""`` for the package itself)."""
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _source_of(rels: str) -> str:
    """The part whose relationships the zip entry ``rels`` holds (``""`` for the package's own)."""
    folder, _, name = rels.rpartition("/")
    owner_folder = folder[: -len("_rels")].rstrip("/")
    owner = name[: -len(".rels")]
    return f"{owner_folder}/{owner}" if owner_folder else owner


def _target_of(source: str, target: str) -> str:
    """A relationship's internal target as a zip name, resolved against the folder of its ``source``."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in source.rpartition("/")[0].split("/") if p]
    for step in target.split("/"):
        if step == "..":
            parts = parts[:-1]
        elif step not in ("", "."):
            parts.append(step)
    return "/".join(parts)


def without_parts(entries: list[tuple[str, bytes]], unwanted: set[str]) -> list[tuple[str, bytes]]:
    """The package's entries less the parts ``unwanted`` (zip names), every part that only they lead to,
    their relationships, and every relationship and content-type override that names one of them: a part
    no longer shown (a letter's chart where the letter has none) leaves no figures behind in the file."""
    from lxml import etree

    data = dict(entries)
    targets: dict[str, dict[str, str]] = {}  # rels entry -> relationship id -> target part
    for name in data:
        if name.endswith(".rels"):
            source = _source_of(name)
            root = etree.fromstring(data[name])
            targets[name] = {rel.get("Id"): _target_of(source, rel.get("Target", ""))
                             for rel in root.iter(f"{{{_RELATIONSHIPS_NS}}}Relationship")
                             if rel.get("TargetMode") != "External"}
    led_to_by: dict[str, set[str]] = {}
    for rels, by_id in targets.items():
        for target in by_id.values():
            led_to_by.setdefault(target, set()).add(_source_of(rels))
    dropped = set(unwanted)
    while True:  # a part is dropped once everything that leads to it is
        more = {part for part, sources in led_to_by.items() if part not in dropped and sources <= dropped}
        if not more:
            break
        dropped |= more
    dropped |= {rels_name(part) for part in dropped}
    kept = []
    for name, content in entries:
        if name in dropped:
            continue
        if name in targets and any(target in dropped for target in targets[name].values()):
            root = etree.fromstring(content)
            for rel in list(root.iter(f"{{{_RELATIONSHIPS_NS}}}Relationship")):
                if targets[name].get(rel.get("Id")) in dropped:
                    root.remove(rel)
            content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        elif name == CONTENT_TYPES:
            root = etree.fromstring(content)
            for override in list(root.iter(f"{{{_CONTENT_TYPES_NS}}}Override")):
                if override.get("PartName", "").lstrip("/") in dropped:
                    root.remove(override)
            content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        kept.append((name, content))
    return kept
