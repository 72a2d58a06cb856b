"""The worker's web pages (Faust's web server on 127.0.0.1): health, metrics, explain, compare.

`/health/` says which partitions this worker holds and what waits; `/metrics/` is the
Prometheus text; `/explain/{spoke}/{user}/` and `/compare/{spoke}/{source}/{target}/` answer
for users whose partition this worker holds, and otherwise name the partition to ask for.
"""

from __future__ import annotations

from typing import Any

from streams.resolver import Resolver
from streams.runs import PartitionRun
from uam_events.core.deltas import state_json
from uam_events.core.explain import compare_access
from uam_events.metrics import WorkerMetrics
from uam_events.partition import partition_for


def add_views(app: Any, resolver: Resolver, metrics: WorkerMetrics) -> None:
    """Register the pages on the app."""

    @app.page("/health/")  # type: ignore[untyped-decorator]
    async def health(web: Any, request: Any) -> Any:
        held = {
            str(p): {
                "waiting": run.chain.held + len(run.waiting),
                "position": run.chain.last,
                "in_flight": len(run.inflight),
                "oldest_in_flight": run.inflight[0] if run.inflight else None,
            }
            for p, run in sorted(resolver.held.items())
        }
        stats = resolver.stats
        return web.json(
            {
                "status": "ok",
                "partitions": held,
                "applied": stats.applied,
                "duplicates": stats.duplicates,
                "deltas": stats.deltas,
                "dead_letters": stats.dead_letters,
                "rewinds": stats.rewinds,
                "abandoned": stats.abandoned,
            }
        )

    @app.page("/metrics/")  # type: ignore[untyped-decorator]
    async def prometheus(web: Any, request: Any) -> Any:
        return web.bytes(metrics.exposition(), content_type="text/plain; version=0.0.4")

    @app.page("/explain/{spoke}/{user}/")  # type: ignore[untyped-decorator]
    async def explain(web: Any, request: Any, spoke: str, user: str) -> Any:
        run = _owner(resolver, user)
        if run is None:
            return web.json(_elsewhere(resolver, user), status=404)
        state = run.processor.engine.state
        record = state.users.get(user)
        if spoke not in state.spokes or record is None:
            return web.json({"error": f"no user {user!r} or spoke {spoke!r} here"}, status=404)
        body = state_json(
            spoke,
            user,
            record.email,
            state.access_of(spoke, user),
            seq=state.seq_of(spoke, user),
            at=None,
        )
        return web.json(body or {"spoke": spoke, "user_id": user, "holds": "nothing"})

    @app.page("/compare/{spoke}/{source}/{target}/")  # type: ignore[untyped-decorator]
    async def compare(web: Any, request: Any, spoke: str, source: str, target: str) -> Any:
        runs = [_owner(resolver, source), _owner(resolver, target)]
        if runs[0] is None or runs[1] is None:
            missing = source if runs[0] is None else target
            return web.json(_elsewhere(resolver, missing), status=404)
        state = runs[0].processor.engine.state
        if spoke not in state.spokes:
            return web.json({"error": f"no spoke {spoke!r}"}, status=404)
        source_grants = runs[0].processor.engine.state.access_of(spoke, source).grants
        target_grants = runs[1].processor.engine.state.access_of(spoke, target).grants
        lists = []
        for hub_list in state.spokes[spoke].hub_lists:
            tree = state.hierarchies.get(hub_list)
            if tree is None:
                continue
            c = compare_access(source_grants, target_grants, tree)
            lists.append(
                {
                    "list": c.list,
                    "status": c.status,
                    "differences": [[i, a.label, b.label] for i, a, b in c.differences],
                }
            )
        return web.json(lists)


def _owner(resolver: Resolver, user: str) -> PartitionRun | None:
    return resolver.held.get(partition_for(user, resolver.partitions))


def _elsewhere(resolver: Resolver, user: str) -> dict[str, object]:
    partition = partition_for(user, resolver.partitions)
    return {
        "error": f"user {user!r} lives in partition {partition}, which this worker does not hold",
        "fix": "ask the worker that holds that partition (see its /health/ page)",
    }
