"""The chain: a partition applies a produce run in file order, whatever order it receives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from uam_events.chain import Chain, Link, Verdict


def links_for(partition: int, seqs: list[int]) -> list[Link]:
    """Return the links `uam produce` would stamp on records reaching one partition."""
    prevs = [-1, *seqs[:-1]]
    return [Link("run", s, {partition: p}) for s, p in zip(seqs, prevs, strict=True)]


def deliver(chain: Chain[int], order: list[Link]) -> list[int]:
    """Offer links in a delivery order; return the seqs in the order they were applied."""
    applied: list[int] = []
    for link in order:
        if chain.offer(link, link.seq) is not Verdict.APPLY:
            continue
        nxt: tuple[Link, int] | None = (link, link.seq)
        while nxt is not None:
            applied.append(nxt[1])
            nxt = chain.applied(nxt[0])
    return applied


@given(
    st.lists(st.integers(0, 500), min_size=1, max_size=40, unique=True).map(sorted),
    st.randoms(use_true_random=False),
)
def test_any_delivery_order_applies_the_file_order(seqs: list[int], rnd: object) -> None:
    """Shuffled, with duplicates, a partition's records are applied once each, in seq order."""
    links = links_for(3, seqs)
    order = links + links[: len(links) // 2]
    rnd.shuffle(order)  # type: ignore[attr-defined]
    chain: Chain[int] = Chain(3)
    assert deliver(chain, order) == seqs
    assert chain.held == 0


def test_a_restart_continues_from_the_last_seq_saved() -> None:
    """A chain rebuilt with the saved position drops replays and applies what follows."""
    links = links_for(0, [0, 4, 9])
    chain: Chain[int] = Chain(0, last={"run": 4})
    assert chain.offer(links[0], 0) is Verdict.DUPLICATE
    assert chain.offer(links[1], 4) is Verdict.DUPLICATE
    assert chain.offer(links[2], 9) is Verdict.APPLY


def test_the_header_round_trips() -> None:
    """A link survives its header encoding."""
    link = Link("r1", 7, {0: 3, 2: -1})
    assert Link.from_header(link.to_header()) == link


def test_a_second_copy_of_a_held_record_is_a_duplicate() -> None:
    """A record forwarded twice while its first copy waits never replaces that copy."""
    chain: Chain[str] = Chain(0)
    early = Link("run", 5, {0: 2})
    assert chain.offer(early, "first copy") is Verdict.HOLD
    assert chain.offer(early, "second copy") is Verdict.DUPLICATE
    assert chain.offer(Link("run", 2, {0: -1}), "two") is Verdict.APPLY
    assert chain.applied(Link("run", 2, {0: -1})) == (early, "first copy")
