from datetime import date, datetime

import pytest

from ombudsman_cli.data.values import cell_text, header_key, name_key, parse_date


@pytest.mark.parametrize("text, expected", [
    ("2020-03-31", date(2020, 3, 31)),
    ("31/03/2020", date(2020, 3, 31)),
    ("01/04/2019", date(2019, 4, 1)),  # day first: 1 April, never 4 January
    ("1/4/2019", date(2019, 4, 1)),
    ("31-03-2020", date(2020, 3, 31)),
    ("31/03/2020 23:59", date(2020, 3, 31)),  # a time of day belongs to its day
    ("2020-03-31T23:59:59", date(2020, 3, 31)),
    ("2020-03-31 08:00:00", date(2020, 3, 31)),
    (" 31 March 2020 ", date(2020, 3, 31)),
    ("31-Mar-2020", date(2020, 3, 31)),
    ("2020/03/31", date(2020, 3, 31)),
    (datetime(2020, 3, 31, 18, 30), date(2020, 3, 31)),
    (date(2019, 4, 1), date(2019, 4, 1)),
])
def test_dates_as_the_contract_defines_them(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, words", [
    ("31/02/2020", "not a day that exists"),
    ("2019-02-29", "not a day that exists"),
    ("yesterday", "cannot be read as a date"),
    ("03/31/2020", r"not a day that exists \(dates are read day first\)"),  # American order
    (43921.0, "is a number, not a date"),
])
def test_bad_dates_say_what_is_wrong(text, words):
    with pytest.raises(ValueError, match=words):
        parse_date(text)


@pytest.mark.parametrize("header", ["Decision date", "decision_date", " DECISION-DATE ", "decision  date"])
def test_header_matching_ignores_case_spaces_hyphens_underscores(header):
    assert header_key(header) == "decision_date"


def test_names_match_without_case_spacing_or_ampersand():
    assert name_key("London Borough of Hammersmith & Fulham") == name_key("london borough of hammersmith and  fulham")


def test_cell_text_treats_reader_types_alike():
    assert cell_text(19004512.0) == cell_text(19004512) == "19004512"
    assert cell_text(None) == cell_text("") == cell_text(float("nan")) == ""
