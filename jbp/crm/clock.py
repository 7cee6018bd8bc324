"""Time in the CRM: wall-clock times of the brand (China, UTC+8), day numbers and durations.

Rules count in whole days: an event belongs to the day of its time, and `now` to the day of the run.
Day numbers (days since 1970-01-01) make windows plain integer arithmetic in SQL and numpy.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

LOCAL_ZONE = timezone(timedelta(hours=8))  # times with an offset are converted to it, then kept naive
_EPOCH = date(1970, 1, 1).toordinal()
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dw])\s*$")


def day_number(moment: date) -> int:
    """Days since 1970-01-01 of a date or datetime."""
    return moment.toordinal() - _EPOCH


def day_date(day: int) -> date:
    return date.fromordinal(day + _EPOCH)




def parse_moment(text: str | date) -> datetime:
    """An ISO date or datetime as a naive local datetime; raises ValueError when it is neither."""
    if isinstance(text, datetime):
        moment = text
    elif isinstance(text, date):
        return datetime.combine(text, time())
    else:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_ZONE).replace(tzinfo=None)
    return moment


def parse_days(text: str) -> int:
    """`90d` -> 90, `2w` -> 14; raises ValueError for anything else (months and years have no fixed length)."""
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not a duration: {text!r} (write days or weeks, e.g. 90d or 2w)")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


_SPAN = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_SPAN_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_span(text: str) -> timedelta:
    """`30m`, `12h`, `3d`, `2w` as a timedelta (campaign waits); raises ValueError for anything else."""
    match = _SPAN.match(str(text))
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"not a duration: {text!r} (write minutes, hours, days or weeks: 30m, 12h, 3d, 2w)")
    return timedelta(seconds=int(match.group(1)) * _SPAN_UNITS[match.group(2)])


def parse_clock_range(text: str) -> tuple[time, time]:
    """`21:00-08:00` as (start, end) times of day; the range may wrap past midnight."""
    parts = str(text).replace("–", "-").split("-")
    if len(parts) != 2:
        raise ValueError(f"not a range of times: {text!r} (write 21:00-08:00)")
    start, end = (time.fromisoformat(p.strip()) for p in parts)
    if start == end:
        raise ValueError(f"an empty range of times: {text!r}")
    return start, end


def next_outside(moment: datetime, quiet: tuple[time, time]) -> datetime | None:
    """None when `moment` is outside the quiet range, else the first moment after it ends."""
    start, end, now = quiet[0], quiet[1], moment.time()
    inside = (start <= now < end) if start < end else (now >= start or now < end)
    if not inside:
        return None
    ending = datetime.combine(moment.date(), end)
    return ending if ending > moment else ending + timedelta(days=1)
