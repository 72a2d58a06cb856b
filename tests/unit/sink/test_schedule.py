"""The schedule: `every` slots since the epoch, cron windows spread by a stagger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.unit.sink.conftest import spoke_settings
from uam_events.errors import ConfigError
from uam_events.settings import Schedule
from uam_events.sink.schedule import next_run, stagger_index


def at(text: str) -> datetime:
    """Return a UTC time from `YYYY-MM-DD HH:MM`."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def schedule(**fields: object) -> Schedule:
    """Return a validated schedule."""
    return Schedule.model_validate(fields)


def test_every_runs_at_multiples_of_the_period_since_the_epoch() -> None:
    """Ten minutes after 08:03 is 08:10; exactly 08:10 gives 08:20 (strictly after)."""
    every = schedule(every="10m")
    assert next_run(every, 0, at("2026-11-20 08:03")) == at("2026-11-20 08:10")
    assert next_run(every, 0, at("2026-11-20 08:10")) == at("2026-11-20 08:20")


def test_every_is_computed_in_utc_whatever_the_zone_asked_in() -> None:
    """A time in another zone gives the same instant."""
    plus_two = at("2026-11-20 08:03").astimezone(timezone(timedelta(hours=2)))
    assert next_run(schedule(every="1h"), 0, plus_two) == at("2026-11-20 09:00")


def test_cron_runs_in_its_window_and_waits_for_the_next_one() -> None:
    """`0 1-5 * * *` runs hourly from 01:00 to 05:00, then the next night."""
    nightly = schedule(cron="0 1-5 * * *", stagger="7m")
    assert next_run(nightly, 0, at("2026-11-20 01:00")) == at("2026-11-20 02:00")
    assert next_run(nightly, 0, at("2026-11-20 05:00")) == at("2026-11-21 01:00")


def test_the_ith_spoke_sharing_a_cron_runs_i_staggers_later() -> None:
    """Spoke 2 of a shared cron runs at 01:14; at 01:10 its 01:14 run is still ahead."""
    nightly = schedule(cron="0 1-5 * * *", stagger="7m")
    assert next_run(nightly, 2, at("2026-11-20 01:10")) == at("2026-11-20 01:14")
    assert next_run(nightly, 2, at("2026-11-20 01:14")) == at("2026-11-20 02:14")


def test_cron_day_of_month_or_day_of_week_when_both_are_restricted() -> None:
    """Cron's rule: the 1st of the month or a Monday, whichever comes first."""
    cron = schedule(cron="30 6 1 * mon")
    assert next_run(cron, 0, at("2026-11-20 07:00")) == at("2026-11-23 06:30")
    assert next_run(cron, 0, at("2026-11-30 07:00")) == at("2026-12-01 06:30")


def test_a_cron_that_never_matches_is_a_configuration_error() -> None:
    """February 31st never comes: the error names the field and the fix."""
    with pytest.raises(ConfigError, match=r"schedule.cron: .* fix:"):
        next_run(schedule(cron="0 0 31 2 *"), 0, at("2026-11-20 07:00"))


def test_stagger_index_counts_spokes_sharing_the_same_cron_in_order() -> None:
    """Spokes with another cron or with `every` do not count."""
    nightly = {"cron": "0 1-5 * * *", "stagger": "7m"}
    spokes = [
        spoke_settings(id="a", schedule=nightly),
        spoke_settings(id="b", schedule={"every": "10m"}),
        spoke_settings(id="c", schedule={"cron": "0 2 * * *"}),
        spoke_settings(id="d", schedule=nightly),
    ]
    assert [stagger_index(spokes, s.id) for s in spokes] == [0, 0, 0, 1]
