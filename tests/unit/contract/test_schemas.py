"""The generated schemas: fresh, deterministic, and matched by both the inputs and the outputs."""

from __future__ import annotations

import base64
import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from uam_events.contract.schemas import ASYNCAPI_FILE, CHANNELS, PAYLOADS, render
from uam_events.core.access import DefaultCause, ExplicitCause, Grant, RuleCause, UserAccess
from uam_events.core.commands import Decision, Skipped
from uam_events.core.deltas import Delta, diff_access, state_json
from uam_events.core.levels import Level
from uam_events.deadletter import dead_letter
from uam_events.settings import GuardSettings, SpokeSettings
from uam_events.sink.guard import OPEN, release, review
from uam_events.sink.outcome import Outcome, Rejection, acknowledge, audit_records
from uam_events.sink.planner import plan
from uam_events.sink.state import Tracked, UserState

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
INPUT_SCHEMAS = {
    "identity.attributes": "identity-attributes",
    "hub.hierarchies": "hub-change",
    "policies": "policy",
    "commands": "command",
}
AT = "2026-11-20T08:00:00Z"


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """Return a validator for one generated schema, with sibling files resolvable."""
    files = render()
    resources = [
        (f"./{file}", Resource.from_contents(json.loads(text)))
        for file, text in files.items()
        if file.endswith(".json")
    ]
    return Draft202012Validator(
        json.loads(files[f"{name}.json"]), registry=Registry().with_resources(resources)
    )


def errors(name: str, value: object) -> list[str]:
    """Return the schema errors of a value, as readable text."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(value)]


# --- freshness ------------------------------------------------------------------------------


def test_committed_schemas_are_fresh() -> None:
    """`schemas/` equals a fresh generation; run `make schemas` when this fails."""
    fresh = render()
    committed = {path.name: path.read_text(encoding="utf-8") for path in SCHEMAS.iterdir()}
    assert sorted(committed) == sorted(fresh)
    for name, text in fresh.items():
        assert committed[name] == text, f"schemas/{name} is stale: run make schemas"


def test_generation_is_deterministic() -> None:
    """Two generations are byte-identical, and each JSON file ends with one newline."""
    first, second = render(), render()
    assert first == second
    for name, text in first.items():
        assert text.endswith("\n"), name
        assert not text.endswith("\n\n"), name


def test_schemas_are_valid_json_schema() -> None:
    """Every generated schema is itself a valid draft 2020-12 schema."""
    for payload in PAYLOADS:
        Draft202012Validator.check_schema(payload.schema())


# --- inputs ---------------------------------------------------------------------------------


def example_lines(example: Path) -> list[dict[str, Any]]:
    """Return the example's replay lines."""
    text = (example / "events.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_example_payloads_match_their_schemas(example: Path) -> None:
    """Every JSON value of the example on a topic with a schema validates against it."""
    checked = 0
    for line in example_lines(example):
        name = INPUT_SCHEMAS.get(line["topic"])
        if name is not None and "value" in line:
            assert errors(name, line["value"]) == [], line
            checked += 1
    assert checked == 27


def test_example_lines_match_replay_line_schema(example: Path) -> None:
    """Every line of the example events file is a valid replay line."""
    for line in example_lines(example):
        assert errors("replay-line", line) == [], line


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (
            "policy",
            {"kind": "role_rule", "id": "r", "spoke": "s", "when": {"a": ["x"]}, "role": "V"},
        ),
        ("policy", {"kind": "role_rule", "id": "r", "spoke": "s", "when": {}, "role": "V", "x": 1}),
        ("command", {"command_id": "c", "type": "set_access", "level": "admin"}),
        ("hub-change", {"op": "move", "item": "X"}),
        ("identity-attributes", {"user_id": "u", "attributes": {"a": {"b": 1}}}),
    ],
)
def test_schemas_reject_what_decode_rejects(name: str, value: dict[str, Any]) -> None:
    """List predicates, unknown fields, bad levels or ops and object attributes fail the schema."""
    assert errors(name, value)


# --- outputs --------------------------------------------------------------------------------


def test_expected_replay_outputs_match(example: Path) -> None:
    """The example's expected audit and users files match their schemas."""
    expected = example / "expected"
    for file, name in (("audit.jsonl", "audit-command"), ("users.jsonl", "replay-user")):
        for text in (expected / file).read_text(encoding="utf-8").splitlines():
            assert errors(name, json.loads(text)) == [], text


def test_core_deltas_match_delta_schema() -> None:
    """Each kind of delta the core emits, with every kind of cause, matches the schema."""
    old = UserAccess()
    new = UserAccess(
        member=True,
        role="Planner",
        role_because=(DefaultCause("default_role"),),
        grants={
            ("Geo", "EMEA"): Grant(Level.WRITE, (RuleCause("r-1"), ExplicitCause("u-a", "c-1"))),
            ("Geo", "DE"): Grant(Level.READ, (RuleCause("r-2", item="EMEA"),)),
        },
        text="Geo: write EMEA",
    )
    changes = diff_access(old, new) + diff_access(new, old)
    assert {kind for kind, _ in changes} == {"membership", "role", "grant", "text"}
    for seq, (kind, body) in enumerate(changes, 1):
        delta = Delta("s", "u-1", None, kind, body, AT, seq).to_json()
        assert errors("delta", delta) == [], delta


def test_core_state_matches_state_schema() -> None:
    """The state record the core writes matches the schema."""
    access = UserAccess(
        member=True,
        role="Viewer",
        role_because=(RuleCause("role-1"),),
        grants={("Geo", "DE"): Grant(Level.READ, (ExplicitCause("u-a", "c-1", item="EMEA"),))},
    )
    record = state_json("s", "u-1", "u1@example.com", access, seq=2, at=AT)
    assert errors("state", record) == []


def test_core_decision_matches_audit_schema() -> None:
    """Command decisions, with skipped grants, match the audit schema."""
    decision = Decision("c-4", True, None, (Skipped("Products", "TOTAL", Level.READ, "outside"),))
    assert errors("audit-command", decision.to_json()) == []
    assert errors("audit-command", Decision("c-5", False, "unknown target").to_json()) == []


def test_dead_letters_match_schema() -> None:
    """Dead letters of broker records and of topic-less replay lines match the schema."""
    broker = dead_letter(
        topic="uam.commands", partition=3, offset=17, key="u-1", value=b"{", error="e", at=AT
    )
    line = dead_letter(topic=None, partition=None, offset=9, key=None, value=None, error="e", at=AT)
    assert base64.b64decode(str(broker["value_b64"])) == b"{"
    assert errors("dead-letter", broker) == []
    assert errors("dead-letter", line) == []


def test_sink_audit_records_match_their_schemas() -> None:
    """A held, a released and a settled push, and a quarantined row, match their schemas."""
    when = datetime(2026, 11, 20, 8, tzinfo=UTC)
    spoke = SpokeSettings.model_validate(
        {"id": "s1", "workspace_id": "ws1", "model_id": "M", "default_role": "Planner",
         "no_access_role": "No Access", "users_import_id": "112", "access_text_import_id": "113",
         "schedule": {"every": "10m"}, "lists": [{"hub": "P", "name": "P Prod"}]}
    )  # fmt: skip
    desired = UserState("u1@example.com", True, "Planner", {("P", "A"): Level.READ}, "t", 3)
    held = UserState("u1@example.com", True, "Planner", {("P", "B"): Level.WRITE}, "t", 2)
    push = plan(spoke, [("u1", Tracked(desired, held))], None)
    outcome = Outcome(frozenset({"users", "text"}), (Rejection("users", 3, "item not found"),))
    settled = acknowledge(
        push, outcome, lambda _: Tracked(desired, held), no_access_role="No Access",
        quarantine_after=1,
    )  # fmt: skip
    records = audit_records(push, settled, when)
    assert [type(r).__name__ for r in records] == ["PushOutcome", "QuarantinedRow"]
    names = {"PushOutcome": "audit-push", "QuarantinedRow": "audit-row-quarantined"}
    guard = GuardSettings(min_revoked_users=0, max_revoked_fraction=0.01)
    review_ = review(push, guard, OPEN, when)
    assert review_.record is not None
    _, released = release("s1", review_.state, review_.record.push_id, "ops", when)
    for record, name in [
        *((r, names[type(r).__name__]) for r in records),
        (review_.record, "audit-push-held"),
        (released, "audit-push-released"),
    ]:
        assert errors(name, record.model_dump(mode="json", by_alias=True)) == []


# --- the AsyncAPI document ------------------------------------------------------------------


def test_asyncapi_names_every_topic() -> None:
    """The AsyncAPI document has every topic of DESIGN sections 4 and 5."""
    document = yaml.safe_load(render()[ASYNCAPI_FILE])
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {
        "uam.scim.users",
        "uam.identity.attributes",
        "uam.hub.hierarchies",
        "uam.policies",
        "uam.commands",
        "uam.access.{spoke}",
        "uam.state.{spoke}",
        "uam.audit",
        "uam.dlq",
    }


def test_asyncapi_references_generated_files() -> None:
    """Every payload the AsyncAPI document references is a generated schema file."""
    files = render()
    for channel in CHANNELS:
        for payload in (channel.payload, *channel.also):
            if payload is not None:
                assert f"{payload}.json" in files
    text = files[ASYNCAPI_FILE]
    for channel in CHANNELS:
        assert f"#/components/messages/{channel.id}" in text
