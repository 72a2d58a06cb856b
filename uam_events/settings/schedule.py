"""Values of a spoke's push schedule: durations (`30s`, `10m`, `1h`, `1d`) and cron expressions.

Cron expressions have five fields (minute, hour, day of month, month, day of week) built from
`*`, numbers, names (`jan`, `mon`), ranges `a-b`, lists `a,b` and steps `/n`. They are checked
here by hand so that a typo fails at start-up naming its field, not at the first night's run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator

from uam_events.contract.problems import problem

_DURATION = re.compile(r"([0-9]{1,9})([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_FIX = "write a number followed by s, m, h or d"
CRON_FIX = (
    "write five fields (minute hour day-of-month month day-of-week) of '*', numbers, "
    "ranges a-b, lists a,b and steps /n, e.g. '0 1-5 * * *'"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True, slots=True)
class CronField:
    """How one of the five fields is spelt: its name, value range and names (1-based or not)."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    first_name: int = 0


_FIELDS = (
    CronField("minute", 0, 59),
    CronField("hour", 0, 23),
    CronField("day of month", 1, 31),
    CronField("month", 1, 12, _MONTHS, 1),
    CronField("day of week", 0, 7, _WEEKDAYS, 0),
)


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed cron expression; `matches` follows cron: day of month OR day of week if both
    are restricted, AND otherwise."""

    text: str
    minutes: frozenset[int] = field(repr=False)
    hours: frozenset[int] = field(repr=False)
    days: frozenset[int] = field(repr=False)
    months: frozenset[int] = field(repr=False)
    weekdays: frozenset[int] = field(repr=False)
    any_day: bool = field(repr=False)
    any_weekday: bool = field(repr=False)

    def matches(self, at: datetime) -> bool:
        """Return whether a run starts in the minute `at` (in the schedule's time zone)."""
        if at.minute not in self.minutes or at.hour not in self.hours:
            return False
        if at.month not in self.months:
            return False
        day = at.day in self.days
        weekday = at.isoweekday() % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return day and weekday
        return day or weekday


def parse_duration(value: object) -> timedelta:
    """Return the duration `value` spells (`10m`); raise a config problem otherwise."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise problem(f"{value!r} is not a duration", DURATION_FIX)
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


def parse_cron(text: str) -> Cron:
    """Return the cron expression `text` spells; raise ValueError naming the bad field."""
    parts = text.split()
    if len(parts) != len(_FIELDS):
        raise ValueError(f"it has {len(parts)} fields, not 5")
    sets = [_parse_field(part, spec) for part, spec in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(0 if day == 7 else day for day in sets[4])
    return Cron(
        text, sets[0], sets[1], sets[2], sets[3], weekdays,
        any_day=parts[2].startswith("*"), any_weekday=parts[4].startswith("*"),
    )  # fmt: skip


def _parse_field(text: str, spec: CronField) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{spec.name} step {step_text!r} is not a positive number")
            step = int(step_text)
        if body == "*":
            start, end = spec.low, spec.high
        elif "-" in body:
            low_text, _, high_text = body.partition("-")
            start, end = _value(low_text, spec), _value(high_text, spec)
            if start > end:
                raise ValueError(f"{spec.name} range {body!r} runs backwards")
        else:
            start = _value(body, spec)
            end = spec.high if slash else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(token: str, spec: CronField) -> int:
    if token.isdigit() and spec.low <= int(token) <= spec.high:
        return int(token)
    if token.lower() in spec.names:
        return spec.names.index(token.lower()) + spec.first_name
    raise ValueError(f"{spec.name} {token!r} is not a number from {spec.low} to {spec.high}")


def _cron(value: object) -> Cron:
    if isinstance(value, Cron):
        return value
    if not isinstance(value, str):
        raise problem(f"{value!r} is not a cron expression", CRON_FIX)
    try:
        return parse_cron(value)
    except ValueError as exc:
        raise problem(f"{value!r} is not a cron expression: {exc}", CRON_FIX) from None


def duration_text(value: timedelta) -> str:
    """Return a duration as written in the configuration, in its largest whole unit."""
    seconds = int(value.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    timedelta, PlainValidator(parse_duration), PlainSerializer(duration_text, return_type=str)
]
CronExpression = Annotated[
    Cron, PlainValidator(_cron), PlainSerializer(lambda cron: cron.text, return_type=str)
]
