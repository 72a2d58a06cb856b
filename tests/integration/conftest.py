"""The Kafka broker of the integration tests: a real one, never a fake.

`kafka_bootstrap` (session) is, in this order:
1. `KAFKA_BOOTSTRAP_SERVERS` when set (a broker someone runs; it is used as it is);
2. an `apache/kafka:$KAFKA_VERSION` container when testcontainers is installed and a Docker
   engine answers;
3. else the local broker of deploy/kafka (Maven Central jars, see deploy/kafka/README.md) on a
   free port pair with its own temporary folder, stopped after the session.
`KAFKA_VERSION` (default 3.9.2) picks the broker version of 2. and 3.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKER_PY = ROOT / "deploy" / "kafka" / "broker.py"


def _broker_module() -> ModuleType:
    """deploy/kafka/broker.py (standard library only), for its settings and readiness check."""
    name = "uam_deploy_kafka_broker"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BROKER_PY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _free_ports(count: int) -> list[int]:
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def _version() -> str:
    return os.environ.get("KAFKA_VERSION") or str(_broker_module().DEFAULT_VERSION)


def _docker_host(client_type: type[Any], error: type[Exception]) -> str | None:
    """The host of the containers' ports when a Docker engine answers, else None."""
    with warnings.catch_warnings():
        # a failed connection leaves its socket to the garbage collector: collect it here,
        # where its ResourceWarning is ignored, not in some later test
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            client = client_type()
            try:
                client.client.ping()
                return str(client.host())
            finally:
                client.client.close()
        except (error, OSError):  # no engine (requests' errors are OSErrors)
            return None
        finally:
            gc.collect()


def _docker_broker(version: str) -> Iterator[str] | None:
    """A container of the same version and settings as the local broker, or None when no
    Docker engine answers (or testcontainers is not installed)."""
    try:
        with warnings.catch_warnings():  # its imports may warn; pytest turns warnings to errors
            warnings.simplefilter("ignore")
            from docker.errors import DockerException
            from testcontainers.core.container import DockerContainer
            from testcontainers.core.docker_client import DockerClient
    except ImportError:
        return None
    host = _docker_host(DockerClient, DockerException)
    if host is None:
        return None

    def run() -> Iterator[str]:
        broker = _broker_module()
        (port,) = _free_ports(1)
        props = broker.server_properties(version, Path("/tmp/kraft-data"), 9092, 9093, {})
        props.update(
            {
                "listeners": "PLAINTEXT://:9092,CONTROLLER://:9093",
                "advertised.listeners": f"PLAINTEXT://{host}:{port}",
                "controller.quorum.voters": "1@localhost:9093",
            }
        )
        container = DockerContainer(os.environ.get("KAFKA_IMAGE", f"apache/kafka:{version}"))
        container.with_bind_ports(9092, port)
        for key, value in props.items():  # the image maps KAFKA_A_B to a.b
            container.with_env("KAFKA_" + key.upper().replace(".", "_"), value)
        container.start()
        try:
            broker.wait_ready(host, port, broker.START_TIMEOUT)
            yield f"{host}:{port}"
        finally:
            container.stop()

    return run()


def _local_broker(folder: Path) -> Iterator[str]:
    port, controller_port = _free_ports(2)
    command = [sys.executable, str(BROKER_PY)]
    where = ["--dir", str(folder), "--port", str(port), "--controller-port", str(controller_port)]
    started = subprocess.run(
        [*command, "start", *where], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        pytest.fail(
            "no Kafka broker for the integration tests: the local broker did not start.\n"
            f"{started.stdout}{started.stderr}\n"
            "Set KAFKA_BOOTSTRAP_SERVERS to use a running broker, or deselect these tests "
            "with -m 'not integration'.",
            pytrace=False,
        )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([*command, "stop", *where], capture_output=True, check=False)
        shutil.rmtree(folder / "kraft-data", ignore_errors=True)  # keep the log for a post-mortem


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`host:port` of a real Kafka broker for this test session."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    version = _version()
    brokers = _docker_broker(version)
    if brokers is None:
        brokers = _local_broker(tmp_path_factory.mktemp(f"kafka-{version}-run"))
    yield from brokers
