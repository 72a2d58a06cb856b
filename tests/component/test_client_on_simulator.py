"""The real AnaplanClient against the real simulator under uvicorn on 127.0.0.1.

Sign-in (basic, certificate), token refresh and re-authentication on the simulator's clock,
chunked gzip uploads, imports with rejected rows read from the dump, processes with nested
results, exports, and every fault the simulator injects: retried to success, or the right
error once the attempts are spent. Waits pass in simulated time (see `simulated.SimClock`).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.component.simulated import (
    Recorder,
    SimClock,
    arm,
    basic_settings,
    faults_left,
    inspect,
    load,
    make_client,
)
from tests.conftest import (
    ADMIN,
    EXPORT,
    HEADER,
    MODEL,
    PRODUCTS,
    PUSH,
    TEXT_FILE,
    TEXT_IMPORT,
    USERS_FILE,
    USERS_IMPORT,
    WORKSPACE,
    Seeder,
    make_certificate,
)
from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.model import AnaplanModel
from uam_events.anaplan.simulator import SimulatorOptions, serve_in_thread, simulator_app
from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.anaplan.tasks import PollPolicy
from uam_events.errors import AnaplanBusy, AnaplanRequestError
from uam_events.settings.anaplan import AnaplanSettings

R = TypeVar("R")
TTL = 1800.0
TASK_SECONDS = 10.0
ATTEMPTS = 3


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """Serve one simulator for the module: 30-minute tokens, 10-second tasks, 64-byte chunks."""
    options = SimulatorOptions(token_ttl=TTL, task_seconds=TASK_SECONDS, chunk_bytes=64)
    with serve_in_thread(simulator_app(options=options)) as url:
        yield url


@dataclass(slots=True)
class Session:
    """A seeded tenant, a client signed in as the integration user, and what it sent."""

    control: httpx.AsyncClient
    clock: SimClock
    recorder: Recorder
    client: AnaplanClient

    def model(self) -> AnaplanModel:
        """Return the tenant's model through the client, uploading in 64-byte chunks."""
        return AnaplanModel(self.client, WORKSPACE, MODEL, chunk_size=64, poll=PollPolicy())


Use = Callable[[Session], Awaitable[R]]


@pytest.fixture
def session(base_url: str, tenant_seed: Seeder) -> Callable[..., Any]:
    """Return a runner: seed the tenant, build a client (settings optional), run `use` on it."""

    def run(use: Use[R], settings: AnaplanSettings | None = None, seed: Any = None) -> R:
        tenant, secret = seed if seed is not None else tenant_seed()
        chosen = settings or basic_settings(base_url, ADMIN, secret)

        async def go() -> R:
            async with _session(base_url, tenant, chosen) as s:
                return await use(s)

        return asyncio.run(go())

    return run


@asynccontextmanager
async def _session(
    base_url: str, seed: SimulatorSeed, settings: AnaplanSettings
) -> AsyncIterator[Session]:
    """Open the control client and the Anaplan client on a freshly loaded seed."""
    async with httpx.AsyncClient(base_url=base_url) as control:
        await load(control, seed)
        clock, recorder = SimClock(control), Recorder()
        await clock.sync()
        async with make_client(settings, clock, recorder, ATTEMPTS) as client:
            yield Session(control, clock, recorder, client)


def _csv(*rows: list[str], header: list[str] = HEADER) -> bytes:
    """Return an import file with a header row."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


# --- sign-in and tokens ---------------------------------------------------------------------------


def test_basic_sign_in_reads_the_catalog(session: Callable[..., Any]) -> None:
    """Basic sign-in answers 201 and the token opens the model's imports and their metadata."""

    async def use(s: Session) -> tuple[list[str], list[str]]:
        imports = await s.model().imports()
        metadata = await s.model().import_metadata(USERS_IMPORT)
        assert metadata.source is not None
        return [i.id for i in imports], metadata.source.header_names

    ids, header = session(use)
    assert USERS_IMPORT in ids
    assert TEXT_IMPORT in ids
    assert header[:2] == ["Email Address", "Model Role"]


def _certificate(tmp_path: Path) -> tuple[Path, Path, str]:
    """Write a fresh RSA key and a self-signed certificate; return their paths and the PEM."""
    pem, key_pem, _ = make_certificate()
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(pem)
    key_path.write_bytes(key_pem)
    return cert_path, key_path, pem.decode()


def test_certificate_sign_in_reads_the_catalog(
    session: Callable[..., Any], base_url: str, tenant_seed: Seeder, tmp_path: Path
) -> None:
    """A certificate registered to the integration user signs in with a SHA512withRSA signature."""
    cert_path, key_path, pem = _certificate(tmp_path)
    seed, _ = tenant_seed()
    users = [
        u.model_copy(update={"certificate_pem": pem}) if u.email == ADMIN else u for u in seed.users
    ]
    seed = seed.model_copy(update={"users": users})
    settings = AnaplanSettings(
        auth_url=base_url,
        api_url=f"{base_url}/2/0",
        auth={  # type: ignore[arg-type]
            "method": "certificate",
            "user": ADMIN,
            "certificate_file": cert_path,
            "private_key_file": key_path,
        },
    )

    async def use(s: Session) -> list[tuple[str, int]]:
        await s.model().imports()
        return s.recorder.paths("POST", "/token/authenticate")

    assert session(use, settings=settings, seed=(seed, "")) == [("/token/authenticate", 201)]


def test_a_token_due_for_refresh_is_refreshed_not_replaced(session: Callable[..., Any]) -> None:
    """Past 25 of its 30 minutes the token is refreshed, and a call after its first expiry works."""

    async def use(s: Session) -> Recorder:
        await s.model().imports()
        await s.clock.advance(TTL - 200)
        await s.model().imports()
        await s.clock.advance(TTL - 200)
        await s.model().imports()
        return s.recorder

    recorder = session(use)
    assert recorder.paths("POST", "/token/authenticate") == [("/token/authenticate", 201)]
    assert recorder.paths("POST", "/token/refresh") == [("/token/refresh", 200)] * 2
    assert all(status != 401 for _, _, status in recorder.calls)


def test_a_token_expired_behind_the_clients_back_signs_in_again(
    session: Callable[..., Any],
) -> None:
    """When the simulator's clock passes the expiry unseen, the 401 brings one new sign-in."""

    async def use(s: Session) -> list[tuple[str, str, int]]:
        await s.model().imports()
        answer = await s.control.post("/_sim/clock", json={"advance": TTL + 1})
        answer.raise_for_status()
        await s.model().imports()
        return s.recorder.calls

    calls = session(use)
    imports = f"/2/0/workspaces/{WORKSPACE}/models/{MODEL}/imports"
    assert [(m, p, st) for m, p, st in calls] == [
        ("POST", "/token/authenticate", 201),
        ("GET", imports, 200),
        ("GET", imports, 401),
        ("POST", "/token/authenticate", 201),
        ("GET", imports, 200),
    ]


# --- imports, processes, exports ------------------------------------------------------------------


def test_a_chunked_gzip_upload_then_import_reports_rejected_rows(
    session: Callable[..., Any],
) -> None:
    """A file in several gzip chunks imports; rows the model rejects come back from the dump."""
    rows = [
        ["alice@example.com", "Planner", "EU", "", ""],
        ["alice@example.com", "Planner", "", "US", ""],
        ["carol@example.com", "Planner", "EU", "", ""],
        ["dave@example.com", "Viewer", "ATLANTIS", "", ""],
    ]

    async def use(s: Session) -> tuple[Any, list[tuple[str, int]], dict[str, Any]]:
        run = await s.model().push_import(USERS_FILE, USERS_IMPORT, _csv(*rows))
        chunks = s.recorder.paths("PUT", f"/files/{USERS_FILE}/chunks/")
        return run, chunks, await inspect(s.control, MODEL)

    run, chunks, held = session(use)
    assert len(chunks) >= 3
    assert all(status == 204 for _, status in chunks)
    assert run.successful
    assert (run.counts.total, run.counts.success, run.counts.failed) == (4, 2, 2)
    assert sorted((f.line, f.columns["Email Address"]) for f in run.failures) == [
        (4, "carol@example.com"),
        (5, "dave@example.com"),
    ]
    assert any("ATLANTIS" in error for f in run.failures for error in f.errors)
    assert held["access"]["alice@example.com"] == {PRODUCTS: {"EU": "Read", "US": "Write"}}


def test_a_process_reports_nested_results_and_their_dumps(session: Callable[..., Any]) -> None:
    """A process runs the users and text imports and reads each failing action's dump."""
    users = _csv(
        ["alice@example.com", "Planner", "FR", "", ""], ["carol@example.com", "Viewer", "", "", ""]
    )
    texts = _csv(["alice@example.com", "Read FR"], header=["Email Address", "Access Text"])

    async def use(s: Session) -> tuple[Any, dict[str, Any]]:
        await s.model().upload(USERS_FILE, users)
        await s.model().upload(TEXT_FILE, texts)
        return await s.model().run_process(PUSH), await inspect(s.control, MODEL)

    run, held = session(use)
    result = run.status.result
    assert result is not None
    assert [r.object_id for r in result.nested_results] == [USERS_IMPORT, TEXT_IMPORT]
    assert [r.failure_dump_available for r in result.nested_results] == [True, False]
    assert (run.counts.total, run.counts.failed) == (3, 1)
    assert [(f.line, f.columns["Email Address"]) for f in run.failures] == [
        (3, "carol@example.com")
    ]
    assert held["access_text"]["alice@example.com"] == "Read FR"


def test_an_export_is_downloaded_chunk_by_chunk(session: Callable[..., Any]) -> None:
    """The Users export is written to file id == export id and read back in 64-byte chunks."""
    users = _csv(
        ["alice@example.com", "Planner", "EU", "", ""],
        ["alice@example.com", "Planner", "", "US", ""],
    )

    async def use(s: Session) -> tuple[bytes, list[tuple[str, int]]]:
        await s.model().push_import(USERS_FILE, USERS_IMPORT, users)
        data = await s.model().export_and_download(EXPORT)
        return data, s.recorder.paths("GET", f"/files/{EXPORT}/chunks/")

    data, chunks = session(use)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    alice = {
        (r[f"{PRODUCTS} Read"], r[f"{PRODUCTS} Write"])
        for r in rows
        if r["Email Address"] == "alice@example.com"
    }
    assert alice == {("EU", ""), ("", "US")}
    assert len(chunks) == -(-len(data) // 64)


# --- injected faults ------------------------------------------------------------------------------

RETRIED = [409, 423, 429, 500, 503]
CALLS = {
    "sign-in": ("/token/authenticate", "POST"),
    "catalog": ("/imports$", "GET"),
    "chunk": ("/chunks/0$", "PUT"),
    "task start": ("/imports/112000000001/tasks$", "POST"),
    "task poll": ("/imports/112000000001/tasks/[0-9A-F]{32}$", "GET"),
}


async def _push(s: Session) -> Any:
    """Look at the catalog, then push a one-row users import."""
    await s.model().imports()
    return await s.model().push_import(
        USERS_FILE, USERS_IMPORT, _csv(["alice@example.com", "Planner", "EU", "", ""])
    )


@pytest.mark.parametrize("status", RETRIED)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_fault_short_of_the_attempts_is_retried_to_success(
    session: Callable[..., Any], status: int, call: str
) -> None:
    """A retryable status on any call, answered fewer times than the attempts, is outlived."""
    path, method = CALLS[call]

    async def use(s: Session) -> tuple[Any, list[int], int, dict[str, Any]]:
        await arm(s.control, path=path, method=method, status=status, count=ATTEMPTS - 1)
        run = await _push(s)
        faulted = sum(1 for _, _, st in s.recorder.calls if st == status)
        return run, await faults_left(s.control), faulted, await inspect(s.control, MODEL)

    run, left, faulted, held = session(use)
    assert run.successful
    assert (left, faulted) == ([], ATTEMPTS - 1)
    assert held["access"]["alice@example.com"] == {PRODUCTS: {"EU": "Read"}}


@pytest.mark.parametrize("status", RETRIED)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_fault_outlasting_the_attempts_raises_busy(
    session: Callable[..., Any], status: int, call: str
) -> None:
    """The same status on every attempt raises AnaplanBusy naming the call and the status."""
    path, method = CALLS[call]

    async def use(s: Session) -> tuple[AnaplanBusy, list[int]]:
        await arm(s.control, path=path, method=method, status=status, count=ATTEMPTS + 1)
        with pytest.raises(AnaplanBusy) as caught:
            await _push(s)
        return caught.value, await faults_left(s.control)

    error, left = session(use)
    assert (error.status, error.method) == (status, method)
    assert left == [1]
    assert error.retry_after == 2.0  # the backoff ceiling before the last retry: 0.5 * 2**2


@pytest.mark.parametrize("form", ["seconds", "date"])
def test_429_waits_as_long_as_retry_after_says(session: Callable[..., Any], form: str) -> None:
    """A 429 with `Retry-After` (seconds or an HTTP date) makes the client wait that long."""

    async def use(s: Session) -> list[float]:
        await arm(
            s.control, path="/imports$", status=429, count=1, retry_after=40, retry_after_form=form
        )
        await s.model().imports()
        return s.clock.slept

    slept = session(use)
    assert len(slept) == 1
    assert 39.0 <= slept[0] <= 40.0


def test_503_retry_after_on_the_last_attempt_is_handed_to_the_caller(
    session: Callable[..., Any],
) -> None:
    """When 503 outlasts the attempts, AnaplanBusy carries the last `Retry-After` as retry_after."""

    async def use(s: Session) -> AnaplanBusy:
        await arm(s.control, path="/imports$", status=503, count=ATTEMPTS, retry_after=7)
        with pytest.raises(AnaplanBusy) as caught:
            await s.model().imports()
        return caught.value

    error = session(use)
    assert (error.status, error.retry_after) == (503, 7.0)


def test_retry_after_beyond_max_wait_gives_up_at_once(session: Callable[..., Any]) -> None:
    """A 429 asking for longer than the client's max_wait raises at once, without waiting."""

    async def use(s: Session) -> tuple[AnaplanBusy, list[float]]:
        await arm(s.control, path="/imports$", status=429, count=1, retry_after=3600)
        with pytest.raises(AnaplanBusy) as caught:
            await s.model().imports()
        return caught.value, s.clock.slept

    error, slept = session(use)
    assert (error.status, error.retry_after, slept) == (429, 3600.0, [])


@pytest.mark.parametrize("call", sorted(CALLS))
def test_422_archived_model_is_not_retried(session: Callable[..., Any], call: str) -> None:
    """422 (archived model) raises AnaplanRequestError at the first answer, with its fix."""
    path, method = CALLS[call]

    async def use(s: Session) -> tuple[AnaplanRequestError, int]:
        await arm(s.control, path=path, method=method, status=422, count=ATTEMPTS)
        with pytest.raises(AnaplanRequestError) as caught:
            await _push(s)
        return caught.value, sum(1 for _, _, st in s.recorder.calls if st == 422)

    error, answered = session(use)
    assert (error.status, answered) == (422, 1)
    assert call == "sign-in" or "archived" in str(error)
