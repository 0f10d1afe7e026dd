"""What every command shares: the group, its options, the session of settings and data, and error handling.

Exit codes: 0 done, 1 the data or a file has a problem (the message says which and how to fix it),
2 a usage error (a bad option or setting).
"""

from __future__ import annotations

import errno
import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from ..config import Settings, load_settings
from ..data.reading import bulk_allocation
from ..data.values import printable
from ..errors import NoDecisions, OmbudsmanError, Terminated, UsageError, redact
from ..years import BusinessYear, parse_business_year

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..data.register import Authority, Register
    from ..data.validation import Decisions
    from ..stats import AverageMethod, YearStatistics

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them


class OmbudsmanGroup(click.Group):
    """Turns the library's exceptions into click's: usage problems exit 2, everything else 1; Ctrl-C
    130 and SIGTERM 143. Never a traceback: anything unforeseen is named as a bug, in one message."""

    def invoke(self, ctx: click.Context) -> Any:
        with terminate_as_interrupt(), bulk_allocation():  # a command is one batch of long-lived objects
            try:
                return super().invoke(ctx)
            except UsageError as error:
                raise click.UsageError(printable(redact(str(error)), multiline=True)) from None
            except OmbudsmanError as error:
                raise click.ClickException(printable(redact(str(error)), multiline=True)) from None
            except OSError as error:  # a folder that cannot be written, a disk that is full
                raise click.ClickException(printable(redact(describe_os_error(error)), multiline=True)) from None
            except Terminated:
                stderr("Stopped (SIGTERM).")
                ctx.exit(EXIT_TERMINATED)
            except KeyboardInterrupt:
                stderr("Interrupted.")
                ctx.exit(EXIT_INTERRUPTED)
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except Exception as error:
                if os.environ.get("OMBUDSMAN_DEBUG"):
                    raise
                raise click.ClickException(printable(redact(
                    f"unexpected error ({type(error).__name__}: {error}). This is a bug in ombudsman: please report "
                    "it with the command you ran (set OMBUDSMAN_DEBUG=1 to see where it happened)."), multiline=True
                )) from None


def describe_os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}{error.strerror}. Make room on that disk (or write elsewhere) and run again."
    return f"{where}{error.strerror or error}. Check the path and its permissions."


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (what timeout, cron and systemd send) handled like Ctrl-C: the same clean stop."""
    def stop(signum: int, frame: Any) -> None:
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (a library caller's worker): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class BusinessYearType(click.ParamType):
    name = "YEAR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> BusinessYear:
        if isinstance(value, BusinessYear):
            return value
        try:
            return parse_business_year(value)
        except UsageError as error:
            self.fail(str(error), param, ctx)


def _options(*decorators: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Callable[..., Any]:
    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


input_options = _options(
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                 envvar="OMBUDSMAN_CONFIG", help="Settings file [default: ./ombudsman.toml if present]."),
    click.option("--decisions", "decisions_path", type=click.Path(path_type=Path),
                 help="The decisions export (.xlsx, .ods or UTF-8 .csv) [default: from the config file]."),
    click.option("--sheet", help="Sheet of a workbook to read [default: the first]."),
    click.option("--authorities", "authorities_path", type=click.Path(path_type=Path),
                 help="Your own register of authorities instead of the bundled one (see README)."),
)
#: What the commands that work on a letters folder (send, bounces) are told: the config, the year, the folder.
letters_folder_options = _options(
    click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                 envvar="OMBUDSMAN_CONFIG", help="Settings file [default: ./ombudsman.toml if present]."),
    click.option("--year", type=BusinessYearType(), help="Business year of the letters: 2020, 2019/20 or 2019-20."),
    click.option("--letters", "letters_dir", type=click.Path(file_okay=False, path_type=Path),
                 help="The letters folder, with its manifest.csv and send-log.csv [default: [files] letters in the "
                      "config, for the year]."),
)
year_option = click.option("--year", type=BusinessYearType(),
                           help="Business year: 2020, 2019/20 or 2019-20 all mean 1 April 2019 to 31 March 2020.")
skip_invalid_option = click.option(
    "--skip-invalid", is_flag=True,
    help="Leave out rows with problems instead of stopping (says how many and why).",
)
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1),
                           help="Worker processes [default: [letters] jobs in the config, else the number of cores].")
average_option = click.option(
    "--average", type=click.Choice(["pooled", "mean"]),
    help="Averages of similar authorities: pooled (their cases together) or mean (of their rates) "
    "[default: pooled, or the config file].",
)


_FORMAT_HELP = {"table": "a table for people", "text": "a summary for people", "json": "JSON for scripts",
                "summary": "what happened, counted, for people (every message: table, or -v)",
                "csv": "CSV for scripts and spreadsheets"}


def format_option(*choices: str) -> Callable[..., Any]:
    """``--format`` with this command's own choices, the first the default, each said in its help."""
    said = "; ".join(f"{choice}: {_FORMAT_HELP[choice]}" for choice in choices)
    return click.option("--format", "output_format", type=click.Choice(choices), default=choices[0],
                        show_default=True, help=f"Output ({said}).")


def output_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
                        help="Write json/csv to this file instead of the terminal ('-': the terminal).")(function)


def stderr(message: str) -> None:
    """A message for the person at the terminal; text from files shown escaped, never raw."""
    click.echo(printable(message, multiline=True), err=True)


class Session:
    """What every command starts from: settings, the register and the validated export."""

    def __init__(self, config_path: Path | None, decisions_path: Path | None, sheet: str | None,
                 authorities_path: Path | None) -> None:
        self.settings: Settings = load_settings(config_path)
        self.decisions_path = decisions_path or self.settings.decisions
        if self.decisions_path is None:
            raise UsageError("no decisions export given: pass --decisions FILE or set [files] decisions "
                             "in ombudsman.toml")
        self.sheet = sheet or self.settings.sheet
        self.authorities_path = authorities_path or self.settings.authorities
        self._reading: Future[Decisions] | None = None

    def read_ahead(self) -> None:
        """Start reading and checking the export on threads of their own while the command loads what it
        writes with: the workbook reader works outside Python's lock, so the two overlap. Its problems
        are raised where the command first uses the decisions, as without reading ahead."""
        if self._reading is not None or "decisions" in self.__dict__:
            return
        from ..background import in_background
        from ..data.reading import read_export

        # The reading first (the longest step), then the register and validation's imports beside it.
        table = in_background(read_export, self._export_path(), self.sheet)
        register = self.register  # loaded here, once: the thread and the command share it
        from ..data.validation import validate  # imported here, not on two threads at once

        few_cases = self.settings.few_cases
        self._reading = in_background(lambda: validate(table.result(), register, few_cases=few_cases))

    @functools.cached_property
    def register(self) -> Register:
        from ..data.register import load_register

        return load_register(self.authorities_path)

    @functools.cached_property
    def decisions(self) -> Decisions:
        if self._reading is not None:
            load = self._reading.result
        else:
            from ..data.validation import load_decisions

            path = self._export_path()
            load = functools.partial(load_decisions, path, self.register, sheet=self.sheet,
                                     few_cases=self.settings.few_cases)
        if not sys.stderr.isatty():
            return load()
        from rich.console import Console

        with Console(stderr=True).status(f"Reading {self.decisions_path} ..."):
            return load()

    def _export_path(self) -> Path:
        path = self.decisions_path
        assert path is not None  # __init__ refuses a session without one
        if self.sheet and path.suffix.lower() == ".csv":
            stderr(f"Note: {path} is a CSV file, which has no sheets; --sheet {self.sheet!r} does not apply.")
        return path

    def valid_decisions(self, skip_invalid: bool) -> Decisions:
        from ..data.validation import describe_skipped

        decisions = self.decisions.require_valid(skip_invalid)
        if decisions.problems:
            stderr(describe_skipped(decisions))
        return decisions

    def decisions_for_year(self, year: BusinessYear | None, skip_invalid: bool) -> tuple[Decisions, BusinessYear]:
        """The usable decisions and the year to report (the latest in the export when not given).

        No decisions in that year is a data problem, not a year of zeros: nothing is computed or written.
        """
        decisions = self.valid_decisions(skip_invalid)
        years_with_data = decisions.years()
        left_out = " after leaving out the rows with problems" if decisions.problems else ""
        if not years_with_data:
            raise NoDecisions(f"{self.decisions_path} has no usable decisions{left_out}, so there is nothing to "
                              "report; check the export with 'ombudsman check'.")
        if year is None:
            year = BusinessYear(years_with_data[-1])
            stderr(f"Year {year.label}: the latest in the export (choose another with --year).")
        elif year.end_year not in years_with_data:
            years = ", ".join(BusinessYear(y).label for y in years_with_data)
            raise NoDecisions(
                f"{self.decisions_path} has no decisions dated in {year.label}{left_out} (it covers {years}), so "
                "there is nothing to report for it: choose one of those years with --year, or export that "
                "year's decisions."
            )
        return decisions, year

    def statistics(self, year: BusinessYear | None, skip_invalid: bool, average: str | None) -> YearStatistics:
        """The year's statistics from the command's options, as every command computes them (``--year``,
        ``--skip-invalid``, ``--average``, and ``few_cases`` from the config)."""
        from ..stats import compute_statistics

        decisions, year = self.decisions_for_year(year, skip_invalid)
        return compute_statistics(decisions, self.register, year,
                                  cast("AverageMethod", average or self.settings.average),
                                  few_cases=self.settings.few_cases, notes=self.settings.notes)

    def inputs(self) -> list[Path]:
        """Every file this run reads, so that no output overwrites one."""
        from ..data.register import bundled_data_files

        files = [self.decisions_path, self.authorities_path, self.settings.source, self.settings.contacts,
                 self.settings.template, *bundled_data_files()]
        return [Path(f) for f in files if f is not None]

    def find_authorities(self, names: tuple[str, ...]) -> list[Authority]:
        return find_authorities(self.register, names)


def find_authorities(register: Register, names: tuple[str, ...], option: str = "--authority") -> list[Authority]:
    """The authorities named on the command line; an unknown name is a usage error, with suggestions."""
    from ..errors import UnknownAuthority

    found = []
    for name in names:
        try:
            found.append(register.find(name))
        except UnknownAuthority as error:
            raise click.BadParameter(f"{name!r} {error}", param_hint=f"'{option}'") from None
    return found


def refuse_overwriting(outputs: Path | list[Path] | None, inputs: list[Path], option: str = "--output") -> None:
    """An output that is one of the run's inputs would destroy it: a usage error, before any work."""
    from ..data.register import bundled_data_files
    from ..files import overwritten_inputs

    if outputs is None:
        return
    wanted = [o for o in (outputs if isinstance(outputs, list) else [outputs]) if str(o) != "-"]
    for output, source in overwritten_inputs(wanted, inputs)[:1]:
        what = ("a data file installed with ombudsman (every run reads it)" if source in bundled_data_files()
                else "one of this run's inputs")
        raise UsageError(f"{option} {output} is {source}, {what}; writing there would overwrite it. Choose another "
                         "file.")


def emit(text: str, output: Path | None = None) -> None:
    """``text`` to standard output (no ``--output``, or ``--output -``), else written whole to the file.

    Always UTF-8: the same command gives the same bytes under any locale (a yearly job under cron often
    has a C or Latin-1 one)."""
    from ..files import write_text

    if output is None or str(output) == "-":
        sys.stdout.flush()  # anything printed before goes first
        # The bytes under the text stream, as click.get_binary_stream (deprecated in Click 8.5) gave them; a
        # host program's own text stream with no bytes under it takes the text.
        buffer = getattr(sys.stdout, "buffer", None)
        try:
            if buffer is None:
                sys.stdout.write(text)
                sys.stdout.flush()
            else:
                buffer.write(text.encode("utf-8"))
                buffer.flush()
        except OSError as error:
            error.filename = "standard output"
            raise
    else:
        write_text(output, text)
        stderr(f"Wrote {output}")


def show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--version``: the version in the installed package's metadata (so a wheel and its code agree)."""
    if not value or ctx.resilient_parsing:
        return
    from .. import package_version

    click.echo(f"ombudsman, version {package_version()}")
    ctx.exit()


@click.group(cls=OmbudsmanGroup, context_settings=CONTEXT_SETTINGS)
@click.option("--version", "-V", is_flag=True, expose_value=False, is_eager=True, callback=show_version,
              help="Show the installed version and exit.")
def cli() -> None:
    """Annual review letters from the ombudsman's decisions export.

    \b
    The yearly job, in the order the performance team runs it:
      ombudsman check                    is the export sound?
      ombudsman stats --year 2020        the figures, in the terminal
      ombudsman letters --year 2020      one Word letter per council (--pdf for PDFs too)
      ombudsman export --year 2020       the figures for the public map (CSV or JSON)
      ombudsman send --year 2020         email the letters (a dry run until --send)
      ombudsman site --year 2020         publish the figures and letters as a website
      ombudsman compare --year 2020 --published site/2020/data/ombudsman-2020.json
                                         what changed since the year was published

    \b
    Files come from ./ombudsman.toml (or --config FILE); options on the command line win.
    Exit codes: 0 done, 1 a problem with the data or a file, 2 a usage error.
    """


def with_progress(show: bool, tasks: Sequence[tuple[str, int | None]], work: Callable[..., Any]) -> Any:
    """``work`` given one callback a task (``advance(n)``): rich progress bars on a terminal; in a scheduled
    job's log (standard error not a terminal), a line now and then, as tools under cron write them; with
    ``show`` off (JSON for a script), nothing, and each callback is ``None``."""
    if not show:
        return work(*[None] * len(tasks))
    if not sys.stderr.isatty():
        return work(*[_ProgressLines(label, total) for label, total in tasks])
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        ids = [bar.add_task(label, total=total) for label, total in tasks]
        return work(*[lambda n, task=task: bar.advance(task, n) for task in ids])


class _ProgressLines:
    """Progress for a log: a line for each batch (``advance`` by more than one; batches a second apart at
    most), at the end, and every :attr:`EVERY` seconds of a long task ("PDF: 200 of 343 (24 s)")."""

    EVERY = 10.0

    def __init__(self, label: str, total: int | None) -> None:
        import time

        self.label, self.total, self.done = label, total, 0
        self.clock = time.monotonic
        self.started = self.said = self.clock()

    def __call__(self, n: int) -> None:
        self.done += n
        now = self.clock()
        finished = self.total is not None and self.done >= self.total
        if finished or now - self.said >= (1.0 if n > 1 else self.EVERY):
            self.said = now
            of = f" of {self.total:,}" if self.total is not None else ""
            click.echo(f"{self.label}: {self.done:,}{of} ({now - self.started:,.0f} s)", err=True)


def letters_folder(settings: Settings, year: BusinessYear | None, letters_dir: Path | None) -> tuple[Path, BusinessYear]:
    """The letters folder (``--letters``, else the config's for ``--year``) and its year (``--year``, else
    the one its manifest holds)."""
    from ..letters.manifest import read_manifest

    if letters_dir is not None:
        folder = letters_dir
    elif year is not None:
        folder = settings.letters_folder(year.end_year)
    else:
        raise UsageError("which letters? Pass --year (the letters folder comes from the config) or --letters DIR")
    if year is None:
        years = {row["year"] for row in read_manifest(folder)}
        if len(years) != 1:
            raise UsageError(f"{folder}: pass --year (its manifest has {'no year' if not years else 'several years'})")
        year = BusinessYear(int(years.pop()))
    return folder, year
