"""``ombudsman check``: is the export sound?"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..years import BusinessYear
from .base import (
    Session,
    cli,
    describe_os_error,
    emit,
    format_option,
    input_options,
    year_option,
)


@cli.command()
@input_options
@year_option
@format_option("table", "json")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="Problems and warnings listed in the table (json lists all).")
def check(config_path: Path | None, decisions_path: Path | None, sheet: str | None,
          authorities_path: Path | None, year: BusinessYear | None, output_format: str, limit: int) -> None:
    """Check the decisions export: every problem, by row and column.

    Exits 1 if any row has a problem (an unknown authority, an outcome outside the six, a date that
    cannot be read or does not exist, a repeated reference, ...); warnings do not change the exit code.

    \b
    Examples:
      ombudsman check
      ombudsman check --decisions export.xlsx --sheet Decisions --year 2019/20
      ombudsman check --format json | jq '.problems[] | .row'
    """
    from ..data.validation import summarise
    from ..errors import MissingColumns, OmbudsmanError, UsageError
    from ..output import to_json

    try:
        session = Session(config_path, decisions_path, sheet, authorities_path)
        decisions = session.decisions
    except (OmbudsmanError, OSError) as error:
        if output_format != "json":
            raise
        # Scripts get JSON whatever went wrong: the same shape, with the error in it.
        message = str(error) if isinstance(error, OmbudsmanError) else describe_os_error(error)
        problems: list[dict[str, Any]] = [
            {"row": None, "column": None, "value": None, "message": message, "expected": None, "year": None,
             "kind": "file"}
        ]
        if isinstance(error, MissingColumns):
            problems = [{"row": error.row, "column": column, "value": None, "message": error.message,
                         "expected": "a column named " + column, "year": None, "kind": "column"}
                        for column in error.columns]
        file = getattr(error, "path", None) or (str(decisions_path) if decisions_path else None)
        emit(to_json({"file": file, "error": message, "rows": None, "problems": problems, "warnings": []}))
        sys.exit(2 if isinstance(error, UsageError) else 1)
    summary = summarise(decisions, year, session.register)
    if output_format == "json":
        summary["problems"] = [p.to_dict() for p in decisions.problems]
        summary["warnings"] = [p.to_dict() for p in decisions.warnings_in(year)]
        emit(to_json(summary))
    else:
        from .tables import print_check, terminal_console

        print_check(terminal_console(), summary, decisions.problems, decisions.warnings_in(year), limit)
    sys.exit(1 if decisions.problems else 0)
