"""Business years: 1 April to 31 March, named by the calendar year they end in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import UsageError

_YEAR_PATTERN = re.compile(r"^\s*(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?\s*$")


@dataclass(frozen=True, order=True)
class BusinessYear:
    """The ombudsman's business year ending on 31 March of ``end_year``."""

    end_year: int

    @property
    def start(self) -> date:
        return date(self.end_year - 1, 4, 1)

    @property
    def end(self) -> date:
        return date(self.end_year, 3, 31)

    @property
    def label(self) -> str:
        """``2019/20``, as the ombudsman writes it."""
        return f"{self.end_year - 1}/{self.end_year % 100:02d}"

    @property
    def period_text(self) -> str:
        """``1 April 2019 to 31 March 2020``, as the statistics page words it."""
        return f"1 April {self.end_year - 1} to 31 March {self.end_year}"

    @property
    def between_text(self) -> str:
        """``1 April 2019 and 31 March 2020``: the period after "between", as a sentence words it."""
        return f"1 April {self.end_year - 1} and 31 March {self.end_year}"

    @property
    def ending_text(self) -> str:
        """``31/03/20``, as the statistics page heading prints it."""
        return f"31/03/{self.end_year % 100:02d}"

    def previous(self, count: int = 1) -> BusinessYear:
        return BusinessYear(self.end_year - count)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def business_year_of(day: date) -> int:
    """The end year of the business year that ``day`` falls in (31 March 2020 -> 2020, 1 April 2020 -> 2021)."""
    return day.year + 1 if day.month >= 4 else day.year


def parse_business_year(text: str | int) -> BusinessYear:
    """Read ``2020``, ``2019/20``, ``2019-20`` or ``2019/2020`` as the year ending 31 March 2020."""
    match = _YEAR_PATTERN.match(str(text))
    if not match:
        raise UsageError(
            f"{text!r} is not a business year. Give the year it ends in (2020) "
            "or both years (2019/20 or 2019-20)."
        )
    first = int(match.group(1))
    second = match.group(2)
    if second is None:
        end_year = first
    else:
        end_year = int(second) if len(second) == 4 else (first + 1) // 100 * 100 + int(second)
        if end_year != first + 1:
            raise UsageError(
                f"{text!r} is not a business year: {first} is not followed by {second}. "
                f"Did you mean {first}/{(first + 1) % 100:02d}?"
            )
    if not 1900 < end_year < 2200:
        raise UsageError(f"{text!r} is not a plausible business year.")
    return BusinessYear(end_year)


def long_date(day: date) -> str:
    """``22 July 2020``, as letters are dated."""
    return f"{day.day} {day:%B %Y}"
