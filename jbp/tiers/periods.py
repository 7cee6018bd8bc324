"""Quarters ("2026Q3") and the ledger's period keys: the calendar a JBP is planned and reviewed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from jbp.errors import DataError, Location

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    """A calendar quarter; `str()` gives the canonical "2026Q3"."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str, location: Location | None = None) -> Quarter:
        match = _QUARTER.match(str(text))
        if not match:
            raise DataError(f"{text!r} is not a quarter; write it like 2026Q3", location)
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.next().first_day.toordinal() - 1)

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first_day, time.min)

    @property
    def ends(self) -> datetime:
        """The first instant after the quarter (an exclusive bound)."""
        return self.next().starts

    @property
    def months(self) -> list[str]:
        return [f"{self.year}-{month:02d}" for month in range(3 * self.number - 2, 3 * self.number + 1)]

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def trailing(self, count: int) -> list[Quarter]:
        """The `count` quarters ending with this one, oldest first."""
        quarters = [self]
        while len(quarters) < count:
            quarters.insert(0, quarters[0].previous())
        return quarters


def quarters_between(first: date, last: date) -> list[Quarter]:
    """The quarters that the days first..last touch, oldest first."""
    quarter, end, found = Quarter.of(first), Quarter.of(last), []
    while quarter <= end:
        found.append(quarter)
        quarter = quarter.next()
    return found


def period_key(cadence: str, moment: datetime) -> str:
    """The ledger key a use at `moment` counts against: "2026-11", "2026Q4", "2026" or "total"."""
    if cadence == "month":
        return f"{moment.year}-{moment.month:02d}"
    if cadence == "quarter":
        return str(Quarter.of(moment.date()))
    if cadence == "year":
        return str(moment.year)
    return "total"


def keys_within(cadence: str, quarter: Quarter) -> list[str]:
    """The ledger keys of `cadence` that fall in `quarter` (a yearly key is the quarter's year)."""
    if cadence == "month":
        return quarter.months
    if cadence == "quarter":
        return [str(quarter)]
    if cadence == "year":
        return [str(quarter.year)]
    return ["total"]
