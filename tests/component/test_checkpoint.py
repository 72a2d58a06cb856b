"""A partition saved after any line of the shared example and recovered goes on identically."""

from __future__ import annotations

from pathlib import Path

import pytest

from uam_events.checkpoint import changed_entries, recover
from uam_events.errors import InputError, RecoveryError
from uam_events.partition import Origin, Processor
from uam_events.replay_lines import ReplayLine, read_line
from uam_events.settings import Settings, load_settings

EXAMPLE = Path(__file__).parent.parent / "data" / "shared-example"


def example_lines() -> list[ReplayLine]:
    """Read the example's lines that parse (the others never reach a partition)."""
    lines, clock = [], "1970-01-01T00:00:00Z"
    for number, raw in enumerate((EXAMPLE / "events.jsonl").read_bytes().splitlines(), 1):
        try:
            line = read_line(number, raw, clock)
        except InputError:
            continue
        clock = line.at
        lines.append(line)
    return lines


def run(processor: Processor, lines: list[ReplayLine], store: dict[bytes, bytes]) -> list[object]:
    """Process lines one by one, saving the checkpoint after each; return every output."""
    outputs: list[object] = []
    for line in lines:
        out = processor.process(line.record, Origin(line.record.topic, 0, line.number), line.at)
        outputs.append(([d.to_json() for d in out.deltas], out.audit, out.dead_letters))
        origins = {f"{line.record.topic}:0": line.number}
        for key, value in changed_entries(processor.engine, processor.changes, origins).items():
            if value is None:
                store.pop(key, None)
            else:
                store[key] = value
        processor.changes.clear()
    return outputs


@pytest.fixture(scope="module")
def settings() -> Settings:
    """The shared example's configuration."""
    return load_settings(EXAMPLE / "config.yaml")


def test_recovery_after_every_line_changes_nothing(settings: Settings) -> None:
    """Whatever line the worker stops after, the recovered partition emits the same outputs."""
    lines = example_lines()
    want = run(Processor(settings), lines, {})
    for cut in range(len(lines) + 1):
        store: dict[bytes, bytes] = {}
        got = run(Processor(settings), lines[:cut], store)
        recovered = recover(settings, sorted(store.items()))
        if cut:
            last = lines[cut - 1]
            assert recovered.origins[f"{last.record.topic}:0"] == last.number
        got += run(Processor(settings, recovered.engine), lines[cut:], store)
        assert got == want, f"differs after a recovery at line {cut}"


def test_an_unreadable_entry_says_how_to_rebuild(settings: Settings) -> None:
    """A corrupt user entry raises RecoveryError naming the key and the reset."""
    with pytest.raises(RecoveryError, match=r"u/alice.*--reset"):
        recover(settings, [(b"u/alice", b"not json")])


def test_the_next_offset_is_kept(settings: Settings) -> None:
    """The first unfinished change record survives a save and a recovery; absent, it is None."""
    processor = Processor(settings)
    entries = changed_entries(processor.engine, processor.changes, {}, None, 42)
    saved = sorted((k, v) for k, v in entries.items() if v is not None)
    assert recover(settings, saved).next_offset == 42
    assert recover(settings, []).next_offset is None
