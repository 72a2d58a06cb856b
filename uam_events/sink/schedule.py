"""When each spoke's next run starts: `every` slots, or cron windows spread by a stagger.

Rules (docs/decisions/sink.md): times are UTC. `every: D` runs at the multiples of D since
the Unix epoch, so a restart keeps the rhythm without remembering the last run. A cron
schedule runs at each minute the expression matches, plus `i x stagger` for the spoke that is
the i-th (from 0, in configuration order) of the spokes whose cron is written the same way.
The next run is always strictly after the time asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from uam_events.errors import ConfigError
from uam_events.settings import Cron, Schedule, SpokeSettings

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HORIZON_DAYS = 8 * 366
"""How far a cron search looks ahead: `0 0 29 2 *` may wait eight years (2096 to 2104)."""


def stagger_index(spokes: Sequence[SpokeSettings], spoke_id: str) -> int:
    """Return a spoke's place among the spokes that share its cron expression (0 for `every`)."""
    mine = next(s for s in spokes if s.id == spoke_id).schedule.cron
    if mine is None:
        return 0
    sharing = [s.id for s in spokes if s.schedule.cron and s.schedule.cron.text == mine.text]
    return sharing.index(spoke_id)


def next_run(schedule: Schedule, index: int, after: datetime) -> datetime:
    """Return the first run strictly after `after` (an aware datetime), in UTC."""
    after = after.astimezone(UTC)
    if schedule.every is not None:
        every = schedule.every
        slots = (after - EPOCH) // every + 1
        return EPOCH + slots * every
    if schedule.cron is None:
        raise ConfigError(['schedule: needs every or cron; fix: write {every: "10m"}'])
    offset = (schedule.stagger or timedelta(0)) * index
    return next_match(schedule.cron, after - offset) + offset


def next_match(cron: Cron, after: datetime) -> datetime:
    """Return the first minute strictly after `after` that the cron expression matches."""
    start = (after + timedelta(minutes=1)).replace(second=0, microsecond=0)
    hours, minutes = sorted(cron.hours), sorted(cron.minutes)
    day = start.replace(hour=0, minute=0)
    for _ in range(HORIZON_DAYS):
        if cron.matches(day.replace(hour=hours[0], minute=minutes[0])):
            for hour in hours:
                for minute in minutes:
                    at = day.replace(hour=hour, minute=minute)
                    if at >= start:
                        return at
        day += timedelta(days=1)
    fix = "write a date that exists, e.g. day 28 rather than 31 in February"
    raise ConfigError(
        [f"schedule.cron: {cron.text!r} matches no minute in eight years; fix: {fix}"]
    )
