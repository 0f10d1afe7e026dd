"""ombudsman: annual review letters, statistics and map data from the ombudsman's decisions export.

Use it from Python as well as from the command line::

    from ombudsman_cli import load_register, load_decisions, compute_statistics, parse_business_year

    register = load_register()
    decisions = load_decisions("examples/decisions-2018-2021.xlsx", register).require_valid()
    statistics = compute_statistics(decisions, register, parse_business_year("2019/20"))
    statistics.find("E07000171").uphold_rate   # Fraction, or None where nothing was investigated

The heavy parts (pandas, docxtpl) load on first use, so ``ombudsman --help`` answers at once.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "load_register": "data.register",
    "Register": "data.register",
    "Authority": "data.register",
    "load_decisions": "data.validation",
    "validate": "data.validation",
    "Decisions": "data.validation",
    "Problem": "data.validation",
    "OUTCOMES": "data.validation",
    "compute_statistics": "stats",
    "YearStatistics": "stats",
    "AuthorityStatistics": "stats",
    "percent": "stats",
    "parse_business_year": "years",
    "BusinessYear": "years",
    "load_settings": "config",
    "Settings": "config",
    "read_table": "data.reading",
    "LetterRenderer": "letters.rendering",
    "DocumentProperties": "letters.rendering",
    "find_template": "templates",
    "plan_letters": "letters.run",
    "write_letters": "letters.run",
    "load_contacts": "data.contacts",
    "convert_to_pdf": "letters.pdf",
    "plan_sending": "send.plan",
    "send_all": "send.run",
    "MailSettings": "config",
    "SiteSettings": "config",
    "EmailTemplate": "send.plan",
    "Ledger": "send.ledger",
    "find_email_template": "templates",
    "build_site": "publish.site",
    "OutboxTransport": "send.transports",
    "SmtpTransport": "send.transports",
    "Transport": "send.transports",
    "wilson_interval": "comparison",
    "compared_with_average": "comparison",
    "funnel_limits": "comparison",
    "smooth_funnel_limits": "comparison",
    "read_published": "revisions",
    "compare_published": "revisions",
    "MethodNote": "models",
    "LetterConversions": "publish.letter_html",
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
