"""Write the files a replay leaves behind: grants, roles, effective levels, users, state,
hierarchies and the import files of a full load. Every file is sorted and byte-deterministic.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from uam_events.anaplan.imports import TEXT_HEADER, UsersLayout, text_rows, users_rows
from uam_events.core.access import UserAccess
from uam_events.core.deltas import state_json
from uam_events.core.explain import effective_levels
from uam_events.core.rulebook import Pair
from uam_events.core.state import State
from uam_events.core.values import JsonValue


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    """Write RFC 4180 CSV with `\\n` line ends, a header row and minimal quoting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)


def write_jsonl(path: Path, records: Iterable[JsonValue]) -> None:
    """Write one JSON value per line (UTF-8, `\\n` line ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _resolved(state: State) -> Iterator[tuple[Pair, UserAccess]]:
    return iter(sorted(state.resolved()))


def write_snapshot(
    state: State,
    out: Path,
    *,
    last_at: Mapping[Pair, str],
    integration_user: str | None,
    effective: bool,
    layouts: Mapping[str, UsersLayout] | None = None,
) -> None:
    """Write every end-of-replay file of DESIGN section 7 (deltas, audit, dlq are streamed).

    `layouts` gives each spoke's users-import columns (default: `<list name> Read` ...).
    """
    grants = []
    roles = []
    for (spoke_id, user_id), access in _resolved(state):
        if access.role is not None:
            roles.append([spoke_id, user_id, access.role])
        for (hub_list, item), grant in access.grants.items():
            grants.append([spoke_id, hub_list, user_id, item, grant.level.label])
    write_csv(out / "grants.csv", ["spoke", "list", "user_id", "item", "level"], sorted(grants))
    write_csv(out / "roles.csv", ["spoke", "user_id", "role"], sorted(roles))
    if effective:
        write_csv(
            out / "effective.csv",
            ["spoke", "list", "user_id", "item", "level"],
            sorted(_effective_rows(state)),
        )
    write_jsonl(out / "users.jsonl", (state.users[u].record() for u in sorted(state.users)))
    write_jsonl(out / "state.jsonl", _state_records(state, last_at))
    write_csv(out / "hierarchy.csv", ["list", "item", "parent", "name"], _hierarchy_rows(state))
    _write_imports(state, out / "imports", integration_user, layouts or {})


def _effective_rows(state: State) -> Iterator[list[str]]:
    for (spoke_id, user_id), access in _resolved(state):
        if not access.grants:
            continue
        for hub_list in state.spokes[spoke_id].hub_lists:
            tree = state.hierarchies.get(hub_list)
            if tree is None:
                continue
            for item, level in effective_levels(access.grants, tree).items():
                yield [spoke_id, hub_list, user_id, item, level.label]


def _state_records(state: State, last_at: Mapping[Pair, str]) -> Iterator[JsonValue]:
    for (spoke_id, user_id), access in _resolved(state):
        email = state.users[user_id].email
        record = state_json(
            spoke_id,
            user_id,
            email,
            access,
            seq=state.seq_of(spoke_id, user_id),
            at=last_at.get((spoke_id, user_id)),
        )
        if record is not None:
            yield record


def _hierarchy_rows(state: State) -> list[list[str]]:
    rows = []
    for name, tree in state.hierarchies.lists.items():
        for item in tree.items.values():
            rows.append([name, item.code, item.parent or "", item.name])
    return sorted(rows)


def _write_imports(
    state: State,
    folder: Path,
    integration_user: str | None,
    layouts: Mapping[str, UsersLayout],
) -> None:
    for spoke in sorted(state.spokes.values(), key=lambda s: s.id):
        members = [
            (email, access)
            for (spoke_id, user_id), access in _resolved(state)
            if spoke_id == spoke.id and (email := state.users[user_id].email) is not None
        ]
        layout = layouts.get(spoke.id) or UsersLayout.of(spoke)
        write_csv(
            folder / spoke.id / "users.csv",
            layout.header(),
            users_rows(spoke, members, integration_user, layout),
        )
        write_csv(
            folder / spoke.id / "access_text.csv",
            list(TEXT_HEADER),
            text_rows(members, integration_user, spoke.no_access_role),
        )
