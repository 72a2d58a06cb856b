"""The headers the router and the resolvers put on change-topic records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

ORIGIN = "uam-origin"
"""`topic:partition:offset` of the input record this change carries."""
AT = "uam-at"
"""The event time the change applies at (from `uam produce`, else the record's timestamp)."""
PATH = "uam-path"
"""The partitions a command visited before this one, as `3>1`; empty from the router."""
FACTS = "uam-facts"
"""What the partitions visited know of the command's actor and source (JSON)."""
LINK = "uam-link"
"""A `uam produce` record's place in its run (see `uam_events.chain`)."""
FACTS_FOR = "uam-facts-for"
"""On a facts record: `run:seq` of the linked command these facts answer for."""
OURS = frozenset({ORIGIN, AT, PATH, FACTS, LINK, FACTS_FOR})

Headers = dict[str, bytes]


def read_headers(raw: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None) -> Headers:
    """Return a record's headers as a dict, whatever shape the client delivered them in."""
    if raw is None:
        return {}
    pairs = raw.items() if isinstance(raw, Mapping) else raw
    return {str(k): bytes(v) if v is not None else b"" for k, v in pairs}


def input_headers(headers: Headers) -> Headers | None:
    """Return the input record's own headers (CloudEvents binary `ce_*` among them)."""
    own = {k: v for k, v in headers.items() if k not in OURS}
    return own or None


def event_time(timestamp: float | None) -> str:
    """Return a Kafka record timestamp (seconds) as an ISO 8601 UTC time with milliseconds."""
    moment = datetime.fromtimestamp(timestamp or 0.0, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
