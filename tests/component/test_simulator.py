"""The Anaplan simulator over a real uvicorn server on 127.0.0.1, driven with httpx."""

from __future__ import annotations

import base64
import csv
import gzip
import io
import os
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.conftest import (
    ADMIN,
    EXPORT,
    HEADER,
    MODEL,
    PRODUCTS,
    PUSH,
    REFRESH,
    TEXT_FILE,
    TEXT_IMPORT,
    USERS_FILE,
    USERS_IMPORT,
    WORKSPACE,
    Seeder,
    make_certificate,
)
from uam_events.anaplan.simulator import SimulatorOptions, serve_in_thread, simulator_app
from uam_events.anaplan.simulator.seed import SimulatorSeed, seed_json

TASK_SECONDS = 1000.0
TTL = 1_000_000.0
M = f"/2/0/workspaces/{WORKSPACE}/models/{MODEL}"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """Serve one simulator (tasks take 1000 simulated seconds) for the module."""
    options = SimulatorOptions(token_ttl=TTL, task_seconds=TASK_SECONDS, chunk_bytes=64)
    with serve_in_thread(simulator_app(options=options)) as url:
        yield url


class Tenant:
    """An httpx client on a freshly seeded simulator, signed in as the integration user."""

    def __init__(self, client: httpx.Client, seed: SimulatorSeed, secret: str) -> None:
        self.client, self.secret = client, secret
        client.post("/_sim/seed", content=seed_json(seed)).raise_for_status()
        self.token = self.sign_in(ADMIN, secret)

    def sign_in(self, email: str, secret: str) -> str:
        """Return a token for a user."""
        response = self.client.post("/token/authenticate", headers=_basic(email, secret))
        assert response.status_code == 201, response.text
        token: str = response.json()["tokenInfo"]["tokenValue"]
        return token

    def api(self, method: str, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
        """Call the Integration API with an AnaplanAuthToken."""
        headers = {
            "Authorization": f"AnaplanAuthToken {token or self.token}",
            **kw.pop("headers", {}),
        }
        return self.client.request(method, path, headers=headers, **kw)

    def upload(self, file_id: str, content: bytes, token: str | None = None) -> None:
        """Upload a file as one chunk."""
        self.api("POST", f"{M}/files/{file_id}", token, json={"chunkCount": 1}).raise_for_status()
        self.api("PUT", f"{M}/files/{file_id}/chunks/0", token, content=content).raise_for_status()

    def start(self, kind: str, object_id: str, token: str | None = None) -> str:
        """Start a task; return its id."""
        response = self.api(
            "POST", f"{M}/{kind}/{object_id}/tasks", token, json={"localeName": "en_US"}
        )
        assert response.status_code == 200, response.text
        task_id: str = response.json()["task"]["taskId"]
        return task_id

    def finish(self, tasks: int = 1) -> None:
        """Move simulated time on until `tasks` queued tasks have run."""
        self.client.post("/_sim/clock", json={"advance": TASK_SECONDS * tasks}).raise_for_status()

    def task(
        self, kind: str, object_id: str, task_id: str, token: str | None = None
    ) -> dict[str, Any]:
        """Return a task's body."""
        response = self.api("GET", f"{M}/{kind}/{object_id}/tasks/{task_id}", token)
        response.raise_for_status()
        body: dict[str, Any] = response.json()["task"]
        return body

    def run(self, kind: str, object_id: str) -> dict[str, Any]:
        """Start a task, let it run, return its final body."""
        task_id = self.start(kind, object_id)
        self.finish()
        return self.task(kind, object_id, task_id)

    def inspect(self) -> dict[str, Any]:
        """Return what the model holds."""
        body: dict[str, Any] = self.client.get(f"/_sim/models/{MODEL}").json()
        return body


@pytest.fixture
def tenant(base_url: str, tenant_seed: Seeder) -> Iterator[Callable[..., Tenant]]:
    """Return a factory of a freshly seeded tenant (model fields override the seed's)."""
    with httpx.Client(base_url=base_url) as client:

        def build(**fields: Any) -> Tenant:
            seed, secret = tenant_seed(**fields)
            return Tenant(client, seed, secret)

        yield build


def _basic(email: str, secret: str) -> dict[str, str]:
    """Return a Basic authorization header."""
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode()}


def _users_csv(*rows: list[str]) -> bytes:
    """Return a users-import file."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue().encode()


def _values(result: dict[str, Any]) -> dict[str, str]:
    """Return the first detail's flat values as a dict."""
    values = result["details"][0]["values"]
    return dict(zip(values[::2], values[1::2], strict=True))


def test_basic_sign_in_answers_201_with_token_info(tenant: Callable[..., Tenant]) -> None:
    """A good password gets 201 and a tokenInfo whose expiry is TTL ahead, in milliseconds."""
    t = tenant()
    response = t.client.post("/token/authenticate", headers=_basic(ADMIN, t.secret))
    body = response.json()
    assert (response.status_code, body["status"], body["statusMessage"]) == (
        201,
        "SUCCESS",
        "Login successful",
    )
    assert set(body["tokenInfo"]) == {"expiresAt", "tokenId", "tokenValue", "refreshTokenId"}
    now_ms = float(t.client.post("/_sim/clock", json={"advance": 0}).json()["now"]) * 1000
    assert abs(body["tokenInfo"]["expiresAt"] - now_ms - TTL * 1000) < 60_000


@pytest.mark.parametrize(
    ("headers", "status", "failure"),
    [
        ({"Authorization": "Basic !!!"}, 400, "FAILURE_BAD_HEADER"),
        ({"Authorization": "Token abc"}, 400, "FAILURE_BAD_HEADER"),
        ({}, 400, "FAILURE_BAD_HEADER"),
        (_basic(ADMIN, "wrong"), 401, "FAILURE_BAD_CREDENTIAL"),
        (_basic("alice@example.com", ""), 401, "FAILURE_BAD_CREDENTIAL"),
        (_basic("nobody@example.com", "x"), 401, "FAILURE_BAD_CREDENTIAL"),
    ],
)
def test_bad_sign_ins_answer_400_or_401(
    tenant: Callable[..., Tenant], headers: dict[str, str], status: int, failure: str
) -> None:
    """A malformed header is 400 FAILURE_BAD_HEADER, bad credentials 401 FAILURE_BAD_CREDENTIAL."""
    response = tenant().client.post("/token/authenticate", headers=headers)
    assert (response.status_code, response.json()["status"]) == (status, failure)


def _certificate() -> tuple[rsa.RSAPrivateKey, str]:
    """Return a fresh RSA key and a self-signed certificate (PEM) for it."""
    pem, _, key = make_certificate()
    return key, pem.decode()


def test_certificate_sign_in_verifies_the_signature(base_url: str, tenant_seed: Seeder) -> None:
    """A registered certificate with a SHA512withRSA signature signs in; a bad one does not."""
    key, pem = _certificate()
    seed, _ = tenant_seed()
    users = [
        u.model_copy(update={"certificate_pem": pem}) if u.email == ADMIN else u for u in seed.users
    ]
    seed = seed.model_copy(update={"users": users})
    data = os.urandom(150)
    signature = key.sign(data, padding.PKCS1v15(), hashes.SHA512())
    header = {"Authorization": "CACertificate " + base64.b64encode(pem.encode()).decode()}
    good = {
        "encodedData": base64.b64encode(data).decode(),
        "encodedSignedData": base64.b64encode(signature).decode(),
    }
    with httpx.Client(base_url=base_url) as client:
        client.post("/_sim/seed", content=seed_json(seed)).raise_for_status()
        assert client.post("/token/authenticate", headers=header, json=good).status_code == 201
        bad = {**good, "encodedData": base64.b64encode(os.urandom(150)).decode()}
        assert client.post("/token/authenticate", headers=header, json=bad).status_code == 401
        half = {"encodedData": good["encodedData"]}
        response = client.post("/token/authenticate", headers=header, json=half)
        assert (response.status_code, response.json()["status"]) == (400, "FAILURE_BAD_HEADER")
        _, other = _certificate()
        stranger = {"Authorization": "CACertificate " + base64.b64encode(other.encode()).decode()}
        assert client.post("/token/authenticate", headers=stranger, json=good).status_code == 401


def test_refresh_validate_and_logout(tenant: Callable[..., Tenant]) -> None:
    """Refresh keeps the value with a later expiry; validate names the user; logout ends it."""
    t = tenant()
    auth = {"Authorization": f"AnaplanAuthToken {t.token}"}
    first = t.client.get("/token/validate", headers=auth).json()
    assert first["userInfo"]["userId"] == ADMIN
    assert len(first["userInfo"]["userGuid"]) == 32
    t.client.post("/_sim/clock", json={"advance": 60})
    refreshed = t.client.post("/token/refresh", headers=auth)
    info = refreshed.json()["tokenInfo"]
    assert (refreshed.status_code, refreshed.json()["statusMessage"]) == (200, "Token refreshed")
    assert info["tokenValue"] == t.token
    assert info["refreshTokenId"] == first["tokenInfo"]["refreshTokenId"]
    assert info["expiresAt"] > first["tokenInfo"]["expiresAt"]
    bearer = {"Authorization": f"Bearer {t.token}"}
    assert t.client.post("/token/refresh", headers=bearer).status_code == 400
    assert t.api("GET", "/2/0/workspaces", headers=bearer).status_code == 200
    assert t.client.post("/token/logout", headers=auth).status_code == 204
    assert t.api("GET", "/2/0/workspaces").status_code == 401
    assert t.client.post("/token/refresh", headers=auth).status_code == 401


def test_an_expired_token_answers_401_everywhere(tenant: Callable[..., Tenant]) -> None:
    """Once the TTL has passed, the API answers 401 with the error envelope."""
    t = tenant()
    assert t.api("GET", f"{M}/imports").status_code == 200
    t.client.post("/_sim/clock", json={"advance": TTL + 1})
    response = t.api("GET", f"{M}/imports")
    assert response.status_code == 401
    assert response.json()["status"] == {"code": 401, "message": "Unauthorized"}
    assert response.json()["path"] == f"{M}/imports"
    assert t.api("GET", "/2/0/models").status_code == 401


def test_gzip_chunks_out_of_order_then_the_users_import(tenant: Callable[..., Tenant]) -> None:
    """Chunks sent gzip and out of order are joined in index order and imported."""
    t = tenant()
    content = _users_csv(
        ["alice@example.com", "Planner", "EU", "", ""],
        ["bob@example.com", "Viewer", "", "US", ""],
    )
    parts = [content[:30], content[30:60], content[60:]]
    posted = t.api("POST", f"{M}/files/{USERS_FILE}", json={"chunkCount": 3})
    assert posted.json()["file"]["id"] == USERS_FILE
    for index in (2, 0, 1):
        response = t.api(
            "PUT",
            f"{M}/files/{USERS_FILE}/chunks/{index}",
            content=gzip.compress(parts[index]),
            headers={"Content-Type": "application/x-gzip"},
        )
        assert response.status_code == 204
    task = t.run("imports", USERS_IMPORT)
    assert (task["taskState"], task["result"]["successful"]) == ("COMPLETE", True)
    assert task["result"]["objectId"] == USERS_IMPORT
    assert _values(task["result"])["successRowCount"] == "2"
    view = t.inspect()
    assert {"email": "alice@example.com", "role": "Planner"} in view["users"]
    assert view["access"]["alice@example.com"] == {PRODUCTS: {"EU": "Read"}}
    assert view["access"]["bob@example.com"] == {PRODUCTS: {"US": "Write"}}
    downloaded = t.api("GET", f"{M}/files/{USERS_FILE}")
    assert downloaded.content == content


def test_an_unknown_count_needs_complete_and_unknown_ids_get_new_ones(
    tenant: Callable[..., Tenant],
) -> None:
    """Chunk count -1 completes only on /complete; a count for an unknown id makes a new file."""
    t = tenant()
    t.api("POST", f"{M}/files/{USERS_FILE}", json={"chunkCount": -1})
    t.api("PUT", f"{M}/files/{USERS_FILE}/chunks/0", content=_users_csv())
    early = t.run("imports", USERS_IMPORT)
    assert early["result"]["successful"] is False
    assert (
        "not uploaded or not marked complete" in early["result"]["details"][0]["localMessageText"]
    )
    done = t.api("POST", f"{M}/files/{USERS_FILE}/complete", json={"id": USERS_FILE})
    assert (done.status_code, done.json()["file"]["chunkCount"]) == (200, 1)
    assert t.run("imports", USERS_IMPORT)["result"]["successful"] is True
    created = t.api("POST", f"{M}/files/users.csv", json={"chunkCount": 1}).json()["file"]
    assert created["id"] != "users.csv"
    assert created["id"].startswith("113")
    assert t.api("PUT", f"{M}/files/999/chunks/0", content=b"x").status_code == 404
    assert t.api("POST", f"{M}/files/{USERS_FILE}", json={"chunks": 1}).status_code == 400


def test_tasks_on_one_model_queue_and_status_shows_the_running_one(
    tenant: Callable[..., Tenant],
) -> None:
    """A second task waits NOT_STARTED; /status names the running task; both complete."""
    t = tenant()
    t.upload(USERS_FILE, _users_csv(["alice@example.com", "Planner", "", "", ""]))
    idle = t.api("GET", f"/2/0/models/{MODEL}/status").json()
    assert idle == {"requestStatus": {"currentStep": "Open", "progress": -1.0}}
    first = t.start("imports", USERS_IMPORT)
    second = t.start("exports", EXPORT)
    assert t.task("imports", USERS_IMPORT, first)["taskState"] == "IN_PROGRESS"
    assert t.task("exports", EXPORT, second)["taskState"] == "NOT_STARTED"
    status = t.api("GET", f"/2/0/models/{MODEL}/status").json()["requestStatus"]
    assert status["taskId"] == first
    assert "Import" in status["currentStep"]
    t.finish(2)
    assert t.task("exports", EXPORT, second)["taskState"] == "COMPLETE"
    listed = t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks").json()["tasks"]
    assert [row["taskId"] for row in listed] == [first]


def test_a_cancelled_task_changes_nothing(tenant: Callable[..., Tenant]) -> None:
    """DELETE on a running task gives CANCELLING, then CANCELLED with no changes."""
    t = tenant()
    t.upload(USERS_FILE, _users_csv(["alice@example.com", "Planner", "EU", "", ""]))
    task_id = t.start("imports", USERS_IMPORT)
    cancelled = t.api("DELETE", f"{M}/imports/{USERS_IMPORT}/tasks/{task_id}")
    assert cancelled.json()["task"]["taskState"] == "CANCELLING"
    t.finish()
    body = t.task("imports", USERS_IMPORT, task_id)
    assert body["taskState"] == "CANCELLED"
    assert t.inspect()["access"] == {}


def test_dumps_belong_to_the_latest_failing_task_of_the_user(tenant: Callable[..., Tenant]) -> None:
    """A failing run keeps a dump (whole and in chunks); a newer failure or a clean run ends it."""
    t = tenant()
    bad = _users_csv(
        ["carol@example.com", "Planner", "", "", ""], ["bob@example.com", "Viewer", "", "", ""]
    )
    t.upload(USERS_FILE, bad)
    first = t.start("imports", USERS_IMPORT)
    t.finish()
    result = t.task("imports", USERS_IMPORT, first)["result"]
    assert (result["successful"], result["failureDumpAvailable"]) == (True, True)
    assert _values(result)["failedCount"] == "1"
    dump = t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks/{first}/dump")
    assert dump.headers["content-type"].startswith("text/plain")
    rows = list(csv.reader(io.StringIO(dump.text)))
    assert rows[0] == ["_Status_", *HEADER, "_Line_", "_Error_1_"]
    assert rows[1][0] == "E"
    assert rows[1][-2] == "2"
    chunks = t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks/{first}/dump/chunks").json()["chunks"]
    assert len(chunks) > 1
    assert chunks[0] == {"id": "0", "name": "Chunk 0"}
    joined = b"".join(
        t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks/{first}/dump/chunks/{c['id']}").content
        for c in chunks
    )
    assert joined == dump.content
    dave = t.sign_in("dave@example.com", t.secret + "-dave")
    assert t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks/{first}/dump", dave).status_code == 404
    second = t.start("imports", USERS_IMPORT)
    t.finish()
    assert t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks/{first}/dump").status_code == 404
    assert t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks/{second}/dump").status_code == 200
    t.upload(USERS_FILE, _users_csv(["bob@example.com", "Viewer", "", "", ""]))
    clean = t.run("imports", USERS_IMPORT)
    assert clean["result"]["failureDumpAvailable"] is False
    assert t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks/{second}/dump").status_code == 404


def test_a_process_runs_its_actions_in_order_with_nested_results(
    tenant: Callable[..., Tenant],
) -> None:
    """The push process imports users then access text; nested dumps sit under dumps/{id}."""
    t = tenant()
    t.upload(USERS_FILE, _users_csv(["alice@example.com", "Planner", "", "", ""]))
    t.upload(
        TEXT_FILE, b"Email Address,Access Text\nalice@example.com,read all\nzed@example.com,x\n"
    )
    task_id = t.start("processes", PUSH)
    t.finish()
    result = t.task("processes", PUSH, task_id)["result"]
    assert result["objectId"] == PUSH
    assert [n["objectId"] for n in result["nestedResults"]] == [USERS_IMPORT, TEXT_IMPORT]
    assert [n["failureDumpAvailable"] for n in result["nestedResults"]] == [False, True]
    assert result["failureDumpAvailable"] is True
    assert t.inspect()["access_text"] == {"alice@example.com": "read all"}
    base = f"{M}/processes/{PUSH}/tasks/{task_id}/dumps/{TEXT_IMPORT}"
    chunks = t.api("GET", f"{base}/chunks").json()["chunks"]
    text = b"".join(t.api("GET", f"{base}/chunks/{c['id']}").content for c in chunks)
    assert b"zed@example.com" in text
    assert b"not found in Users" in text
    assert (
        t.api(
            "GET", f"{M}/processes/{PUSH}/tasks/{task_id}/dumps/{USERS_IMPORT}/chunks"
        ).status_code
        == 404
    )


def test_the_refresh_process_brings_staged_items_into_the_list(
    tenant: Callable[..., Tenant],
) -> None:
    """Staged hub items enter the list when the refresh process runs; an orphan fails."""
    t = tenant()
    staged = [{"code": "IT", "name": "Italy", "parent": "EU"}, {"code": "XX", "parent": "NOPE"}]
    assert (
        t.client.post(f"/_sim/models/{MODEL}/lists/{PRODUCTS}/staged", json=staged).status_code
        == 204
    )
    result = t.run("processes", REFRESH)["result"]
    assert result["nestedResults"][0]["failureDumpAvailable"] is True
    codes = [item["code"] for item in t.inspect()["lists"][PRODUCTS]]
    assert "IT" in codes
    assert "XX" not in codes


def test_an_export_writes_the_file_with_the_export_id(tenant: Callable[..., Tenant]) -> None:
    """The export's output is file `116...` == export id, downloadable by chunks."""
    t = tenant(access={"dave@example.com": {PRODUCTS: {"EU": "Write"}}})
    assert t.run("exports", EXPORT)["result"]["successful"] is True
    chunks = t.api("GET", f"{M}/files/{EXPORT}/chunks").json()["chunks"]
    content = b"".join(t.api("GET", f"{M}/files/{EXPORT}/chunks/{c['id']}").content for c in chunks)
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0][:4] == ["Email Address", "First Name", "Last Name", "Model Role"]
    assert ["dave@example.com", "", "", "Viewer", "", "EU", "", ""] in rows
    meta = t.api("GET", f"{M}/exports/{EXPORT}").json()["exportMetadata"]
    assert meta["rowCount"] == len(rows) - 1


@pytest.mark.parametrize("status", [409, 422, 423, 500, 503])
def test_injected_faults_answer_n_times_then_stop(
    tenant: Callable[..., Tenant], status: int
) -> None:
    """A fault answers its status for `count` matching requests, then the API answers again."""
    t = tenant()
    spec = {"path": "/imports$", "status": status, "count": 2, "method": "GET"}
    assert t.client.post("/_sim/faults", json=spec).status_code == 201
    for _ in range(2):
        response = t.api("GET", f"{M}/imports")
        assert response.status_code == status
        assert response.json()["status"]["code"] == status
    assert t.api("GET", f"{M}/imports").status_code == 200
    assert t.client.get("/_sim/faults").json() == {"faults": []}


def test_a_429_carries_retry_after_in_seconds_or_as_a_date(tenant: Callable[..., Tenant]) -> None:
    """Retry-After comes as seconds or as an HTTP date that far ahead of simulated time."""
    t = tenant()
    t.client.post("/_sim/faults", json={"path": "tasks", "status": 429, "retry_after": 7})
    t.client.post(
        "/_sim/faults",
        json={"path": "tasks", "status": 429, "retry_after": 120, "retry_after_form": "date"},
    )
    start = f"{M}/imports/{USERS_IMPORT}/tasks"
    first = t.api("POST", start, json={"localeName": "en_US"})
    assert (first.status_code, first.headers["Retry-After"]) == (429, "7")
    second = t.api("POST", start, json={"localeName": "en_US"})
    now = float(t.client.post("/_sim/clock", json={"advance": 0}).json()["now"])
    when = parsedate_to_datetime(second.headers["Retry-After"]).timestamp()
    assert abs(when - now - 120) < 5
    t.client.delete("/_sim/faults")
    assert t.api("POST", start, json={"localeName": "en_US"}).status_code == 200


def test_no_access_is_masked_as_404_and_task_lists_as_empty(tenant: Callable[..., Tenant]) -> None:
    """A member with No Access sees the model but 404 on its objects and empty task lists."""
    t = tenant()
    bob = t.sign_in("bob@example.com", t.secret + "-bob")
    assert t.api("GET", f"/2/0/models/{MODEL}", bob).status_code == 200
    assert t.api("GET", f"{M}/imports", bob).status_code == 404
    start = t.api("POST", f"{M}/imports/{USERS_IMPORT}/tasks", bob, json={"localeName": "en_US"})
    assert start.status_code == 404
    listed = t.api("GET", f"{M}/imports/{USERS_IMPORT}/tasks", bob).json()
    assert "tasks" not in listed
    assert listed["meta"]["paging"]["totalSize"] == 0
    assert t.api("GET", f"{M}/imports/112999999999/tasks").status_code == 200
    assert t.api("GET", f"{M}/imports/112999999999").status_code == 404


def test_a_non_admin_users_import_completes_unsuccessfully(tenant: Callable[..., Tenant]) -> None:
    """A Viewer who is no workspace admin may start the import; its task fails."""
    t = tenant()
    dave = t.sign_in("dave@example.com", t.secret + "-dave")
    t.upload(USERS_FILE, _users_csv(["alice@example.com", "Planner", "", "", ""]), dave)
    task_id = t.start("imports", USERS_IMPORT, dave)
    t.finish()
    result = t.task("imports", USERS_IMPORT, task_id, dave)["result"]
    assert result["successful"] is False
    assert t.inspect()["users"] == [
        {"email": "dave@example.com", "role": "Viewer"},
        {"email": ADMIN, "role": "Full Access"},
    ]


def test_discovery_lists_pages_and_metadata(tenant: Callable[..., Tenant]) -> None:
    """Workspaces, models, imports (paged), import and process metadata read as documented."""
    t = tenant()
    workspaces = t.api("GET", "/2/0/workspaces?tenantDetails=true").json()
    assert [w["id"] for w in workspaces["workspaces"]] == [WORKSPACE]
    assert workspaces["status"] == {"code": 200, "message": "Success"}
    models = t.api("GET", f"/2/0/workspaces/{WORKSPACE}/models").json()["models"]
    assert models[0]["id"] == MODEL
    assert models[0]["currentWorkspaceId"] == WORKSPACE
    one = t.api("GET", f"/2/0/models/{MODEL}/imports?limit=1").json()
    assert one["meta"]["paging"]["totalSize"] == 3
    assert "next" in one["meta"]["paging"]
    assert "previous" not in one["meta"]["paging"]
    later = t.api("GET", f"/2/0/models/{MODEL}/imports?limit=1&offset=1").json()
    assert "previous" in later["meta"]["paging"]
    assert later["imports"][0]["id"] == TEXT_IMPORT
    meta = t.api("GET", f"{M}/imports/{USERS_IMPORT}").json()["importMetadata"]
    assert meta["type"] == "FILE"
    assert meta["source"]["headerNames"][0] == "Email Address"
    first = t.api("GET", f"{M}/imports").json()["imports"][0]
    assert first == {
        "id": USERS_IMPORT,
        "name": "Users",
        "importType": "USERS",
        "importDataSourceId": USERS_FILE,
    }
    process = t.api("GET", f"{M}/processes/{PUSH}").json()["processMetadata"]
    assert [a["id"] for a in process["actions"]] == [USERS_IMPORT, TEXT_IMPORT]
    assert "actions" not in t.api("GET", f"{M}/actions").json()
    files = t.api("GET", f"{M}/files").json()["files"]
    assert {f["id"] for f in files} >= {USERS_FILE, TEXT_FILE, EXPORT}


def test_starting_a_task_needs_the_locale(tenant: Callable[..., Tenant]) -> None:
    """A start without `{"localeName": "en_US"}` is 400; an unknown import is 404."""
    t = tenant()
    assert t.api("POST", f"{M}/imports/{USERS_IMPORT}/tasks", json={}).status_code == 400
    response = t.api("POST", f"{M}/imports/112999999999/tasks", json={"localeName": "en_US"})
    assert response.status_code == 404
    assert set(response.json()) == {"status", "path", "timestamp"}


def test_reset_goes_back_to_the_seed(tenant: Callable[..., Tenant]) -> None:
    """After an import, reset restores the seeded access and drops tokens."""
    t = tenant()
    t.upload(USERS_FILE, _users_csv(["alice@example.com", "Planner", "", "", ""]))
    t.run("imports", USERS_IMPORT)
    assert len(t.inspect()["users"]) == 3
    assert t.client.post("/_sim/reset").status_code == 204
    assert len(t.inspect()["users"]) == 2
    assert t.api("GET", "/2/0/workspaces").status_code == 401
    assert t.client.post("/_sim/seed", json={"models": [{"id": "x"}]}).status_code == 400
