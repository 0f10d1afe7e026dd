"""The year's figures as open data: CSV (with its CSV on the Web metadata), JSON, a spreadsheet and an SQLite
database (with a ``columns`` table and Datasette's ``metadata.json``), each saying what it is: publisher,
licence, the build's date and the export it was made from."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import SiteSettings
from ..output import neutralise, to_csv, to_json
from ..stats import EXPORT_FIELDS, YearStatistics
from .columns import AUTHORITY_COLUMNS, Column, columns


@dataclass(frozen=True)
class DataDescription:
    """What the downloads say of themselves: publisher and licence, the build's date, the export they
    were made from."""

    settings: SiteSettings
    built: date
    source: str | None = None
    source_sha256: str | None = None


def write_data(statistics: YearStatistics, folder: Path, about: DataDescription) -> list[dict[str, str]]:
    """The figures as ``export`` gives them (every authority with figures, keyed by GSS code), four ways,
    each described: CSV on the Web metadata beside the CSV, a ``columns`` table in the database and
    Datasette's ``metadata.json`` beside it, into ``folder``. Returns the downloads for the data page."""
    folder.mkdir(parents=True)
    year = statistics.year
    stem = f"ombudsman-{year.end_year}"
    records = statistics.export_records()
    (folder / f"{stem}.csv").write_text(to_csv(records, EXPORT_FIELDS), encoding="utf-8")
    (folder / f"{stem}.csv-metadata.json").write_text(to_json(_csvw(f"{stem}.csv", year.label, about)), encoding="utf-8")
    (folder / f"{stem}.json").write_text(to_json(statistics.export_dict()), encoding="utf-8")
    groups = [{"group": name, **{k: v for k, v in averages.to_dict().items()}}
              for name, averages in [*statistics.averages.items(), ("England", statistics.national)]]
    (folder / f"{stem}.xlsx").write_bytes(_workbook(records, groups, year.end))
    group_columns = columns(list(groups[0]))
    _database(folder / f"{stem}.db", records, groups, group_columns)
    (folder / "metadata.json").write_text(to_json(_datasette_metadata(stem, year.label, about, group_columns)),
                                          encoding="utf-8")
    kinds = {".csv": "CSV", ".csv-metadata.json": "CSV on the Web metadata (JSON)", ".json": "JSON",
             ".xlsx": "Excel spreadsheet", ".db": "SQLite database"}
    return [{"href": f"data/{stem}{suffix}", "name": f"{stem}{suffix}", "kind": kind, "size": size_text(folder / f"{stem}{suffix}")}
            for suffix, kind in kinds.items()]


def _source_text(about: DataDescription) -> str:
    return f"{about.source} (SHA-256 {about.source_sha256})" if about.source else ""


def _csvw(csv_name: str, year_label: str, about: DataDescription) -> dict[str, Any]:
    """W3C CSV on the Web metadata for the CSV: every column's title, datatype and meaning, the primary key,
    the licence, the publisher, the build's date and the export it was made from."""
    settings = about.settings
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": csv_name,
        "dc:title": f"Decisions about each council, {year_label}",
        "dc:publisher": settings.publisher,
        "dc:license": {"@id": settings.licence_url},
        "dc:issued": {"@value": about.built.isoformat(), "@type": "xsd:date"},
        **({"dc:source": _source_text(about)} if about.source else {}),
        "dialect": {"header": True, "encoding": "utf-8"},
        "tableSchema": {
            "columns": [{"name": c.name, "titles": c.title, "datatype": c.datatype, "dc:description":
                         c.description + (f" ({c.unit})" if c.unit else ""), "required": c.name == "code"}
                        for c in AUTHORITY_COLUMNS],
            "primaryKey": "code",
        },
    }


def _datasette_metadata(stem: str, year_label: str, about: DataDescription, group_columns: list[Column]) -> dict[str, Any]:
    """Datasette's ``metadata.json`` (``datasette ombudsman-2020.db -m metadata.json``): the licence, the source
    and every column's meaning, shown beside the tables."""
    settings = about.settings
    described = {"authorities": ("Each council's figures for the year", AUTHORITY_COLUMNS),
                 "groups": ("Each comparison group's figures and England's", group_columns),
                 "columns": ("What each column of the other tables means", ())}
    return {
        "title": f"Your council's performance {year_label}",
        "license": settings.licence, "license_url": settings.licence_url,
        "source": _source_text(about) or settings.publisher,
        "databases": {stem: {"tables": {
            table: {"description": description, "columns": {c.name: c.description for c in table_columns}}
            for table, (description, table_columns) in described.items()}}},
    }


def _workbook(records: list[dict[str, Any]], groups: list[dict[str, Any]], day: date) -> bytes:
    """The figures as an .xlsx: a sheet of authorities and one of groups; the same bytes every time."""
    import openpyxl

    from ..packages import repack

    workbook = openpyxl.Workbook()
    sheets = [("Authorities", list(EXPORT_FIELDS), records), ("Groups", list(groups[0]) if groups else [], groups)]
    for number, (title, fields, rows) in enumerate(sheets):
        sheet = workbook.active if number == 0 else workbook.create_sheet()
        sheet.title = title
        sheet.append(fields)
        for row in rows:
            sheet.append([neutralise(row.get(f)) for f in fields])
        sheet.freeze_panes = "A2"
    moment = datetime(day.year, day.month, day.day)
    workbook.properties.created = workbook.properties.modified = moment
    workbook.properties.creator = workbook.properties.lastModifiedBy = "Local Government and Social Care Ombudsman"
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = f"{day.isoformat()}T00:00:00Z".encode()

    def fixed_moment(name: str, data: bytes) -> bytes:
        # openpyxl stamps the moment of saving as "modified"; the year's end instead, for the same bytes.
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data) if name == "docProps/core.xml" else data

    return repack(buffer.getvalue(), day, fixed_moment)


def _database(path: Path, records: list[dict[str, Any]], groups: list[dict[str, Any]],
              group_columns: list[Column]) -> None:
    """An SQLite file of the same tables, made with sqlite-utils, which Datasette serves as it is, with a
    ``columns`` table saying what each column means."""
    import sqlite_utils

    database = sqlite_utils.Database(path)
    # Column types said, not guessed from the first rows: a rate that is undefined (null) in the first
    # rows would otherwise make a text column of every rate.
    database.table("authorities").insert_all(records, pk="code", column_order=list(EXPORT_FIELDS),
                                             columns={c.name: c.sql_type for c in AUTHORITY_COLUMNS})
    database.table("groups").insert_all(groups, pk="group", columns={c.name: c.sql_type for c in group_columns})
    database.table("columns").insert_all(
        [{"table_name": table, "column_name": c.name, "title": c.title, "description": c.description,
          "datatype": c.datatype, "unit": c.unit}
         for table, table_columns in (("authorities", AUTHORITY_COLUMNS), ("groups", group_columns)) for c in table_columns],
        pk=("table_name", "column_name"))
    database.conn.execute("VACUUM")
    database.close()


def size_text(path: Path) -> str:
    """``130 KB``, as a download link says it."""
    size = path.stat().st_size
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, (size + 512) // 1024)} KB"
