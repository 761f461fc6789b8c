"""Resolving the time expressions of news text to calendar dates.

News reports name days relative to the day they were written: in an article
dated Thursday 2025-10-23, "Wednesday" is 2025-10-22, "late Tuesday" is
2025-10-21 and "on Oct. 3" is 2025-10-03. `resolve_date` turns such an
expression into an ISO date, given the article's date, or returns None where
the expression names no single day ("last week", "recently").

A bare weekday is taken as the most recent such day on or before the article
date (news mostly reports what happened), unless the caller says the
expression is about the future (`future=True`, e.g. "will meet on Friday"),
or the text says so itself ("next Friday", "this coming Friday").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBREVIATIONS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3,
                          "thurs": 3, "fri": 4, "sat": 5, "sun": 6}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_MONTH_NUMBER: dict[str, int] = {
    **{name: n for n, name in enumerate(MONTHS, start=1)},
    **{name[:3]: n for n, name in enumerate(MONTHS, start=1)},
    "sept": 9,
}

_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEKDAY = re.compile(
    r"\b(?:(?P<rel>last|next|this|this\s+coming|coming)\s+)?"
    r"(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b\.?",
    re.IGNORECASE)
_MONTH_DAY = re.compile(
    r"\b(?P<month>[a-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4}))?",
    re.IGNORECASE)
_DAY_MONTH = re.compile(
    r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[a-z]{3,9})\.?"
    r"(?:,?\s+(?P<year>\d{4}))?\b",
    re.IGNORECASE)
#: How far ahead a date without a year may lie and still be read as a coming one.
_SOON = timedelta(days=31)
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_RELATIVE = re.compile(r"\b(today|tonight|yesterday|tomorrow)\b", re.IGNORECASE)


def parse_iso(value: str) -> date | None:
    """`YYYY-MM-DD` as a date, or None if it is not a real date in that form."""
    match = _ISO.fullmatch(value.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _nearest_year(month: int, day: int, anchor: date, future: bool) -> date | None:
    """The date with this month and day closest to `anchor` (past unless `future`)."""
    candidates = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    if future:
        after = [c for c in candidates if c >= anchor]
        return min(after) if after else None
    # News mostly looks back; a date within the coming month is an announced one.
    soon = [c for c in candidates if anchor < c <= anchor + _SOON]
    if soon:
        return min(soon)
    past = [c for c in candidates if c <= anchor]
    return max(past) if past else None


def _weekday(day_name: str, relation: str | None, anchor: date, future: bool) -> date:
    name = day_name.lower().rstrip(".")
    target = WEEKDAYS.index(name) if name in WEEKDAYS else _WEEKDAY_ABBREVIATIONS[name]
    relation = " ".join((relation or "").lower().split())
    if relation in ("next", "coming", "this coming") or (future and relation != "last"):
        ahead = (target - anchor.weekday()) % 7
        if relation == "next" and ahead == 0:
            ahead = 7
        return anchor + timedelta(days=ahead)
    back = (anchor.weekday() - target) % 7
    if relation == "last" and back == 0:
        back = 7
    return anchor - timedelta(days=back)


def resolve_date(expression: str, article_date: date | str | None, *,
                 future: bool = False) -> str | None:
    """The ISO date `expression` names in an article written on `article_date`, or None.

    >>> resolve_date("late Tuesday", "2025-10-23")
    '2025-10-21'
    >>> resolve_date("Wednesday", "2025-10-23")
    '2025-10-22'
    """
    anchor = parse_iso(article_date) if isinstance(article_date, str) else article_date
    text = " ".join(expression.split())
    explicit = _ISO.search(text)
    if explicit is not None:
        found = parse_iso(explicit.group())
        return found.isoformat() if found else None
    if anchor is None:
        return None
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        match = pattern.search(text)
        if match is None:
            continue
        month = _MONTH_NUMBER.get(match["month"].lower())
        if month is None:
            continue
        day = int(match["day"])
        if match["year"]:
            try:
                return date(int(match["year"]), month, day).isoformat()
            except ValueError:
                return None
        found = _nearest_year(month, day, anchor, future)
        return found.isoformat() if found else None
    relative = _RELATIVE.search(text)
    if relative is not None:
        return (anchor + timedelta(days=_RELATIVE_DAYS[relative[1].lower()])).isoformat()
    weekday = _WEEKDAY.search(text)
    if weekday is not None:
        return _weekday(weekday["day"], weekday["rel"], anchor, future).isoformat()
    return None
