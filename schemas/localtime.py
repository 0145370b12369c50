"""A meeting's local start time and zone, and the UTC instant they name."""

import datetime as dt
import zoneinfo
from functools import cache

from marshmallow import ValidationError

TIME_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"  # ASCII digits: `\d` takes any script's


class SkippedTime(ValueError):
    """A local time that never showed on the clocks of its zone that day: they went forward
    past it (into daylight saving time, or to another offset for good)."""


@cache
def _zones() -> frozenset[str]:
    # Not "localtime" (this machine's own zone, whatever it is) nor "Factory" (no place).
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory"}


def is_zone(name: str) -> bool:
    if name not in _zones():
        raise ValidationError(f"Unknown IANA time zone {name!r}.")
    return True


def starts_at(date, start_time: str | None, timezone: str | None) -> dt.datetime | None:
    """The UTC instant a meeting began, where its day, local time and zone are all known.

    A time the clocks showed twice, in the hour repeated when they go back, is the first of
    the two, as iCalendar reads it (RFC 5545, section 3.3.5). A time they skipped when they
    went forward is a SkippedTime; an instant outside the years 1 to 9999, an OverflowError."""
    if not (start_time and timezone and date.precision == "day"):
        return None
    hour, minute = map(int, start_time.split(":"))
    zone = zoneinfo.ZoneInfo(timezone)
    # fold=0, the default: the first of two showings (PEP 495).
    local = dt.datetime.combine(date.first_day, dt.time(hour, minute), zone)
    instant = local.astimezone(dt.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        went_from, went_to = _jump(local, zone)
        shown = "%H:%M" if went_from.date() == went_to.date() else "%Y-%m-%d %H:%M"
        raise SkippedTime(
            f"There was no {start_time} on {date.text} in {timezone}: the clocks went forward "
            f"from {went_from:{shown}} to {went_to:{shown}}."
        )
    return instant.replace(tzinfo=None)


def _jump(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The wall-clock times the clocks went from and to, around a skipped local time. Read
    with the offset after the jump (fold=1), that time names an instant before the jump, and
    the jump is the first minute from there that has that offset."""
    before, after = local.utcoffset(), local.replace(fold=1).utcoffset()
    instant = local.replace(fold=1).astimezone(dt.UTC)
    while instant.astimezone(zone).utcoffset() != after:
        instant += dt.timedelta(minutes=1)
    return instant + before, instant + after
