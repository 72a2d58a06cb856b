"""The access text: one line per list of a spoke, telling a user what they hold and why.

Invariant: the text is a pure function of the spoke's lists and the user's grants, so it
changes exactly when a grant or a cause changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from uam_events.core.access import Cause, DefaultCause, Grant, GrantKey, RuleCause
from uam_events.core.spokes import Spoke


def render_text(spoke: Spoke, grants: Mapping[GrantKey, Grant]) -> str:
    """Return the access text: `<spoke list>: write LAPTOP (rule r-1); read TOTAL (...)`."""
    parts: dict[str, list[str]] = {}
    for (hub_list, item), grant in grants.items():
        because = grant.because
        why = describe(because[0]) if len(because) == 1 else ", ".join(map(describe, because))
        parts.setdefault(hub_list, []).append(f"{grant.level.label} {item} ({why})")
    return "\n".join(
        f"{entry.name}: {'; '.join(parts[entry.hub]) if entry.hub in parts else 'none'}"
        for entry in spoke.lists
    )


def describe(cause: Cause) -> str:
    """Return a cause in words."""
    if isinstance(cause, RuleCause):
        text = f"rule {cause.rule}"
    elif isinstance(cause, DefaultCause):
        return "spoke default" if cause.default == "default_role" else "inactive: no access"
    else:
        text = f"set by {cause.actor} in {cause.command_id}"
    return f"{text} via {cause.item}" if cause.item else text
