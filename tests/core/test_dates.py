"""Time expressions of news text resolved against the article's date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.dates import WEEKDAYS, parse_iso, resolve_date

SEED_DATE = "2025-10-23"  # a Thursday: the seed article's date


@pytest.mark.parametrize(("expression", "expected"), [
    ("Wednesday", "2025-10-22"),          # the seed: leaders meeting in Doha Wednesday
    ("late Tuesday", "2025-10-21"),       # the seed: Kalin and Fidan met Hamas late Tuesday
    ("on Tuesday", "2025-10-21"),
    ("Tuesday night", "2025-10-21"),
    ("early Wednesday", "2025-10-22"),
    ("Thursday", "2025-10-23"),           # the article's own weekday is that day
    ("Friday", "2025-10-17"),             # a bare weekday looks back
    ("last Thursday", "2025-10-16"),
    ("next Monday", "2025-10-27"),
    ("next Thursday", "2025-10-30"),
    ("this coming Friday", "2025-10-24"),
    ("Wed.", "2025-10-22"),
    ("yesterday", "2025-10-22"),
    ("today", "2025-10-23"),
    ("tomorrow", "2025-10-24"),
    ("Oct. 3", "2025-10-03"),
    ("October 30", "2025-10-30"),         # a week ahead is still this year's
    ("3 October", "2025-10-03"),
    ("December 28", "2024-12-28"),        # far ahead: last year's
    ("January 5", "2025-01-05"),
    ("Sept 9, 2024", "2024-09-09"),
    ("2025-10-01", "2025-10-01"),
    ("last week", None),
    ("recently", None),
    ("February 30", None),
])
def test_expressions_in_the_seed_article(expression: str, expected: str | None) -> None:
    assert resolve_date(expression, SEED_DATE) == expected


def test_future_hint_turns_a_weekday_forward() -> None:
    assert resolve_date("Friday", SEED_DATE, future=True) == "2025-10-24"
    assert resolve_date("Thursday", SEED_DATE, future=True) == "2025-10-23"
    assert resolve_date("last Friday", SEED_DATE, future=True) == "2025-10-17"
    assert resolve_date("December 28", SEED_DATE, future=True) == "2025-12-28"


def test_without_an_article_date_only_explicit_dates_resolve() -> None:
    assert resolve_date("Wednesday", None) is None
    assert resolve_date("2025-10-01", None) == "2025-10-01"
    assert resolve_date("Wednesday", "not a date") is None


def test_parse_iso() -> None:
    assert parse_iso("2025-10-23") == date(2025, 10, 23)
    assert parse_iso(" 2025-10-23 ") == date(2025, 10, 23)
    assert parse_iso("2025-13-01") is None
    assert parse_iso("23 Oct 2025") is None


@given(anchor=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
       day=st.sampled_from(WEEKDAYS), future=st.booleans())
def test_a_weekday_is_within_the_week_on_the_right_side(anchor: date, day: str,
                                                        future: bool) -> None:
    resolved = resolve_date(day.capitalize(), anchor, future=future)
    assert resolved is not None
    found = date.fromisoformat(resolved)
    assert found.weekday() == WEEKDAYS.index(day)
    if future:
        assert anchor <= found < anchor + timedelta(days=7)
    else:
        assert anchor - timedelta(days=7) < found <= anchor
