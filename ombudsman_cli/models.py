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

