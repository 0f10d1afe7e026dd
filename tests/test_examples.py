"""The example export: sound, complete, and near the ombudsman's published figures for 2019/20."""

from __future__ import annotations

import pytest

from ombudsman_cli.data.validation import load_decisions
from ombudsman_cli.stats import compute_statistics
from ombudsman_cli.years import BusinessYear

from .conftest import ROOT


@pytest.fixture(scope="module")
def example(register):
    return load_decisions(ROOT / "examples" / "decisions-2018-2021.xlsx", register)


def test_example_export_is_sound_and_covers_every_active_authority(example, register):
    assert example.problems == [] and example.rows == 51_000
    for end_year in (2019, 2020, 2021):
        year = BusinessYear(end_year)
        in_year = example.records[example.records["decision_year"] == end_year]
        assert len(in_year) == 17_000
        assert {a.code for a in register.active_in(year)} <= set(in_year["code"])


def test_example_figures_are_near_the_published_ones(example, register):
    statistics = compute_statistics(example.records, register, BusinessYear(2020))
    national = statistics.national
    assert 0.58 <= national.uphold_rate <= 0.64  # 61% published
    assert 0.11 <= national.satisfactory_remedy_rate <= 0.15  # 13%
    assert national.compliance_rate >= 0.98  # typically 99% or more
    assert 0.42 <= statistics.averages["District Council"].uphold_rate <= 0.50  # 45%
    assert sum(1 for e in statistics.authorities if 0 < e.counts.decisions < 10) >= 10  # some with very few


def test_example_contacts_address_every_council_and_name_bassetlaws_chief_executive(register):
    # The example contacts feed `send`: every council of the example years has a chief executive's
    # address and at least one copy address, all checked as email addresses when they are loaded.
    from ombudsman_cli.data.contacts import load_contacts

    contacts = load_contacts(ROOT / "examples" / "contacts.csv", register)
    councils = {a.code for end_year in (2019, 2020, 2021) for a in register.active_in(BusinessYear(end_year)) if a.group}
    assert set(contacts) == councils
    assert all(c.email.endswith(".example.org") and c.link_officer_email for c in contacts.values())
    bassetlaw = contacts["E07000171"]
    assert (bassetlaw.title, bassetlaw.surname, bassetlaw.job_title) == ("Mr", "Taylor", "Chief Executive")
