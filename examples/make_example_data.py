"""Make the example decisions export in this folder: ``python examples/make_example_data.py``.

Deterministic (a fixed seed): every authority in the bundled register that is active in the business
years ending 2019, 2020 and 2021 (each with at least one decision), about 17,000 decisions a year, with
outcomes, satisfactory remedies and compliance near the ombudsman's published figures (61% of detailed
investigations upheld nationally and 45% for District Councils, a satisfactory remedy in 13% of upheld
cases, compliance around 99%). Cases are spread by population, so the combined authorities and the
smallest districts have very few.

The figures are invented; the councils are real. The benchmark reuses :func:`make_decisions`.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ombudsman_cli.data.register import Authority, Register, load_register  # noqa: E402
from ombudsman_cli.years import BusinessYear  # noqa: E402

HEADERS = [
    "Reference",
    "Authority",
    "Authority type",
    "Category",
    "Received date",
    "Decision date",
    "Outcome",
    "Satisfactory remedy",
    "Compliance",
    "Compliance date",
]
# Share of all decisions, roughly as the ombudsman's annual review reports them.
OUTCOME_WEIGHTS = {
    "Upheld": 0.14,
    "Not upheld": 0.09,
    "Closed after initial enquiries": 0.33,
    "Incomplete/Invalid": 0.08,
    "Advice given": 0.07,
    "Referred back for local resolution": 0.29,
}
# Of detailed investigations, the share upheld: District Councils' 45% as reported for 2019/20, the
# others higher, so that about 61% are upheld nationally.
UPHELD_SHARE = {"District Council": 0.45, "": 0.65}
CATEGORIES = {
    "Adult care services": 0.17,
    "Benefits and tax": 0.08,
    "Corporate and other services": 0.07,
    "Education and children's services": 0.17,
    "Environmental services and public protection": 0.10,
    "Highways and transport": 0.10,
    "Housing": 0.12,
    "Planning and development": 0.15,
    "Other": 0.04,
}
SMALL_POPULATION = 40_000  # combined authorities and the GLA: complaints about them are rare
TYPICAL_COUNCIL = 100_000  # a council that had gone by mid-2020 has no population in the register


def _weight(authority: Authority, rng: random.Random) -> float:
    if authority.population:
        return authority.population
    return TYPICAL_COUNCIL if authority.group else rng.randint(2_000, SMALL_POPULATION)


def make_decisions(
    register: Register, years: list[int], per_year: int, seed: int = 2020
) -> list[list[object]]:
    """Rows (without the header) of a realistic export for ``years``, ``per_year`` decisions each."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    serial = 0
    for end_year in years:
        year = BusinessYear(end_year)
        active = register.active_in(year)
        weights = [_weight(a, rng) * rng.uniform(0.6, 1.4) for a in active]
        # Every active authority has at least one decision; the rest go by population.
        chosen = active + rng.choices(active, weights=weights, k=per_year - len(active))
        for authority in chosen:
            serial += 1
            # Within the year and within the authority's life, so the example has no warnings but few-cases ones.
            first = max(year.start, authority.start or year.start)
            last = min(year.end, authority.last_day or year.end)
            decided = first + timedelta(days=rng.randint(0, (last - first).days))
            received = decided - timedelta(days=rng.randint(5, 240))
            reference = f"{received.year % 100:02d} {serial // 1000 % 1000:03d} {serial % 1000:03d}"
            outcome = rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()))[0]
            if outcome in ("Upheld", "Not upheld"):
                upheld_share = UPHELD_SHARE.get(authority.group or "", UPHELD_SHARE[""])
                outcome = "Upheld" if rng.random() < upheld_share else "Not upheld"
            remedy = "no"
            compliance = ""
            compliance_date: date | None = None
            if outcome == "Upheld":
                remedy = "yes" if rng.random() < 0.13 else "no"
                if remedy == "no" and rng.random() < 0.85:
                    compliance = "complied" if rng.random() < 0.993 else "not complied"
                    compliance_date = decided + timedelta(days=rng.randint(20, 150))
                    if rng.random() < 0.04:
                        compliance, compliance_date = "", None  # not yet known
            category = rng.choices(list(CATEGORIES), weights=list(CATEGORIES.values()))[0]
            name = authority.code if rng.random() < 0.05 else authority.name
            decided_cell: object = datetime.combine(decided, datetime.min.time())
            if rng.random() < 0.01:
                decided_cell += timedelta(hours=rng.randint(8, 17), minutes=rng.randint(0, 59))
            rows.append(
                [
                    reference,
                    name,
                    authority.group or "",
                    category,
                    datetime.combine(received, datetime.min.time()),
                    decided_cell,
                    outcome,
                    remedy,
                    compliance,
                    datetime.combine(compliance_date, datetime.min.time()) if compliance_date else None,
                ]
            )
    rows.sort(key=lambda row: (row[5], row[0]))
    return rows


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Decisions") -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    workbook.properties.creator = "ombudsman examples"
    workbook.properties.created = workbook.properties.modified = datetime(2021, 4, 1)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(HEADERS)
    for row in rows:
        worksheet.append(row)
    workbook.save(path)


def write_csv(path: Path, rows: list[list[object]]) -> None:
    import csv

    def text(value: object) -> str:
        if isinstance(value, datetime):
            return value.strftime("%d/%m/%Y") if value.time() == datetime.min.time() else value.strftime("%d/%m/%Y %H:%M")
        return "" if value is None else str(value)

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows([[text(v) for v in row] for row in rows])


def write_contacts(path: Path, register: Register, years: list[int]) -> int:
    """Who each council's letter goes to: the chief executive, copied to the link officer (and, for
    every third council, the monitoring officer too). Invented addresses at ``<council>.example.org``, a
    domain reserved for examples; Bassetlaw's chief executive is the Mr Taylor of the 2020 letter."""
    import csv
    import re

    councils = sorted({a.code: a for year in years for a in register.active_in(BusinessYear(year)) if a.group}.values(),
                      key=lambda a: a.name)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["authority", "title", "forename", "surname", "job_title", "email", "link_officer_email"])
        for number, authority in enumerate(councils):
            domain = re.sub(r"[^a-z0-9]+", "-", (authority.nice_name or authority.name).lower()).strip("-") + ".example.org"
            copies = [f"link.officer@{domain}"] + ([f"monitoring.officer@{domain}"] if number % 3 == 0 else [])
            person = ("Mr", "", "Taylor") if authority.code == "E07000171" else ("", "", "")
            writer.writerow([authority.name, *person, "Chief Executive", f"chief.executive@{domain}", "; ".join(copies)])
    return len(councils)


def main() -> None:
    register = load_register()
    rows = make_decisions(register, [2019, 2020, 2021], per_year=17_000)
    write_xlsx(HERE / "decisions-2018-2021.xlsx", rows)
    print(f"wrote {len(rows)} decisions to {HERE / 'decisions-2018-2021.xlsx'}")
    councils = write_contacts(HERE / "contacts.csv", register, [2019, 2020, 2021])
    print(f"wrote contacts for {councils} councils to {HERE / 'contacts.csv'}")


if __name__ == "__main__":
    main()
