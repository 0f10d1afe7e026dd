"""The small values that cross from one stage to another: who a letter is addressed to, and who signs it."""

from __future__ import annotations

from dataclasses import dataclass

CHIEF_EXECUTIVE = "Chief Executive"


@dataclass(frozen=True)
class Contact:
    """Who a letter is addressed to."""

    title: str = ""
    forename: str = ""
    surname: str = ""
    job_title: str = ""
    email: str = ""
    #: The council's link officer, copied in when the letter is sent.
    link_officer_email: str = ""

    @property
    def name(self) -> str:
        """``Mr Taylor``; without a title, the forename and surname."""
        if self.title and self.surname:
            return f"{self.title} {self.surname}"
        return " ".join(part for part in (self.forename, self.surname) if part)


@dataclass(frozen=True)
class Signatory:
    """Who signs the letters: a name (may be empty) and the job titles under it."""

    name: str = ""
    job_titles: tuple[str, ...] = ("Local Government and Social Care Ombudsman",
                                   "Chair, Commission for Local Administration in England")



@dataclass(frozen=True)
class MethodNote:
    """A change of method or definition (``[[notes]]`` in the config): shown wherever the years around it are
    compared, so that nobody reads a break in method as a change in performance."""

    #: The business year's end year from which the method changed (2023: 2022/23).
    year: int
    text: str
    #: The statistic it concerns (``uphold_rate``, ...), or ``None`` for every one.
    statistic: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"year": self.year, "text": self.text, "statistic": self.statistic}
