"""ombudsman: annual review letters, statistics and map data from the ombudsman's decisions export.

Use it from Python as well as from the command line::

    from ombudsman_cli import load_register, load_decisions, compute_statistics, parse_business_year

    register = load_register()
    decisions = load_decisions("examples/decisions-2018-2021.xlsx", register).require_valid()
    statistics = compute_statistics(decisions.records, register, parse_business_year("2019/20"))
    statistics.find("E07000171").uphold_rate   # Fraction, or None where nothing was investigated

The heavy parts (pandas, docxtpl) load on first use, so ``ombudsman --help`` answers at once.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "load_register": "register",
    "Register": "register",
    "Authority": "register",
    "load_decisions": "validation",
    "validate": "validation",
    "Decisions": "validation",
    "Problem": "validation",
    "OUTCOMES": "validation",
    "compute_statistics": "stats",
    "YearStatistics": "stats",
    "AuthorityStatistics": "stats",
    "percent": "stats",
    "parse_business_year": "years",
    "BusinessYear": "years",
    "load_settings": "config",
    "Settings": "config",
    "read_table": "reading",
    "LetterRenderer": "rendering",
    "DocumentProperties": "rendering",
    "find_template": "rendering",
    "plan_letters": "letters",
    "write_letters": "letters",
    "load_contacts": "contacts",
    "convert_to_pdf": "pdf",
    "plan_sending": "sending",
    "send_all": "sending",
    "MailSettings": "config",
    "EmailTemplate": "sending",
    "Ledger": "sending",
    "find_email_template": "sending",
    "build_site": "site",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return package_version()
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'ombudsman_cli' has no attribute {name!r}")


def package_version() -> str:
    """The installed distribution's version, from its metadata (looked up only when asked for)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ombudsman")
    except PackageNotFoundError:  # imported from a checkout that was never installed
        return "0+unknown"
