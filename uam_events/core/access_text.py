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
    lines = []
    for entry in spoke.lists:
        parts = [
            f"{grant.level.label} {item} ({', '.join(describe(c) for c in grant.because)})"
            for (hub_list, item), grant in grants.items()
            if hub_list == entry.hub
        ]
        lines.append(f"{entry.name}: {'; '.join(parts) if parts else 'none'}")
    return "\n".join(lines)


def describe(cause: Cause) -> str:
    """Return a cause in words."""
    if isinstance(cause, RuleCause):
        text = f"rule {cause.rule}"
    elif isinstance(cause, DefaultCause):
        return "spoke default" if cause.default == "default_role" else "inactive: no access"
    else:
        text = f"set by {cause.actor} in {cause.command_id}"
    return f"{text} via {cause.item}" if cause.item else text
