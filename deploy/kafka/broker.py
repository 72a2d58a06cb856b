#!/usr/bin/env python3
"""A local single-node Apache Kafka broker (KRaft, combined broker+controller) for development
and integration tests, run from Maven Central jars: no Docker, no tarball, no virtualenv.

    python3 deploy/kafka/broker.py start|stop|reset|status|fetch
        [--version V] [--port 19092] [--controller-port P] [--dir D] [--set KEY=VALUE]...

`fetch`  resolves kafka_2.13:<V> and its logging binding with Maven (pom.xml beside this file)
         into .cache/<V>/libs, once; later calls find it there.
`start`  fetches if needed, writes <dir>/server.properties, formats <dir>/kraft-data with a fresh
         cluster id (first start only), launches java in its own process group (log in
         <dir>/broker.log, pid in <dir>/broker.pid) and waits until the broker answers Kafka's
         ApiVersions and Metadata requests. Starting a running broker again only reports it.
`stop`   SIGTERM to the broker's process group (controlled shutdown), SIGKILL after a timeout.
`reset`  stop, then delete what `start` wrote in <dir> (data, log, properties, state).
`status` prints health; exit 0 when the broker answers, 1 otherwise.

Defaults: version $KAFKA_VERSION or 3.9.2; port 19092 (controller port + 1); dir
deploy/kafka/.data. Heap: $KAFKA_HEAP_OPTS or -Xms128m -Xmx512m; extra JVM flags: $KAFKA_OPTS.
Standard library only, so it runs before any virtualenv exists (the test fixture also imports it).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
CACHE = HERE / ".cache"
DEFAULT_DIR = HERE / ".data"
DEFAULT_VERSION = "3.9.2"
DEFAULT_PORT = 19092
HOST = "127.0.0.1"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
HEAP_OPTS = "-Xms128m -Xmx512m"
# kafka-run-class.sh's performance flags
JVM_OPTS = (
    "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 "
    "-XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"
)
# Per major version: Maven profile, log config file, the JVM property naming it, the binding jar,
# the oldest Java the broker runs on.
LINES: dict[int, tuple[str, str, str, str, int]] = {
    3: ("kafka3", "log4j.properties", "log4j.configuration", "slf4j-reload4j", 11),
    4: ("kafka4", "log4j2.properties", "log4j2.configurationFile", "log4j-slf4j-impl", 17),
}
# Jars that bind SLF4J: exactly one must be on the classpath.
SLF4J_BINDINGS = (
    "slf4j-reload4j",
    "slf4j-log4j12",
    "log4j-slf4j-impl",
    "log4j-slf4j2-impl",
    "logback-classic",
    "slf4j-simple",
    "slf4j-jdk14",
    "slf4j-nop",
)


class BrokerError(Exception):
    """A failure explained for a person; the command prints it and exits 1."""


class ProtocolError(Exception):
    """The peer did not answer like a Kafka broker."""


def say(message: str) -> None:
    print(f"broker: {message}", flush=True)


def shown(path: Path) -> str:
    """The path relative to the working directory when it is below it, else absolute."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return f"    ({path} does not exist)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


# --- versions, Java, Maven ----------------------------------------------------------------------


def major_of(version: str) -> int:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if match is None:
        raise BrokerError(f"Kafka version {version!r}: expected X.Y.Z, e.g. 3.9.2 or 4.3.1")
    major = int(match[1])
    if major not in LINES:
        raise BrokerError(f"Kafka {version}: only 3.x and 4.x are supported (3.9.2 is the default)")
    return major


def log_option(version: str) -> str:
    _, config, prop, _, _ = LINES[major_of(version)]
    path = HERE / config
    # log4j 1 takes a URL; log4j2 takes a path or a URL
    return f"-D{prop}={path.as_uri() if prop == 'log4j.configuration' else path}"


def find_java(version: str) -> str:
    need = LINES[major_of(version)][4]
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else None
    if java is None or not os.access(java, os.X_OK):
        java = shutil.which("java")
    if java is None:
        raise BrokerError(
            f"Java is not installed (no `java` on PATH, no JAVA_HOME): Kafka {version} needs "
            f"Java {need} or newer (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)"
        )
    out = subprocess.run(
        [java, "-version"], capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if match is None:
        raise BrokerError(f"cannot tell the Java version of {java}: {out.stderr.strip()[:200]}")
    found = int(match[1]) if match[1] != "1" else int(match[2] or 0)
    if found < need:
        raise BrokerError(
            f"{java} is Java {found}; Kafka {version} needs Java {need} or newer "
            "(set JAVA_HOME to a newer JDK, e.g. apt-get install openjdk-17-jre-headless)"
        )
    return java


def libs_dir(version: str) -> Path:
    return CACHE / version / "libs"


def jar_names(libs: Path) -> list[str]:
    return sorted(p.name for p in libs.glob("*.jar"))


def is_fetched(version: str) -> bool:
    return (libs_dir(version) / ".complete").is_file()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock, so that two starts (a person and a test run) never fetch at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fetch(version: str) -> Path:
    """Resolve the broker's jars into .cache/<version>/libs once; return that folder."""
    profile, _, _, binding, _ = LINES[major_of(version)]
    libs = libs_dir(version)
    if is_fetched(version):
        say(f"Kafka {version}: {len(jar_names(libs))} jars already in {shown(libs)}")
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(
            "Maven (mvn) is not on PATH: it fetches Kafka's jars from Maven Central once "
            "(Debian/Ubuntu: apt-get install maven)"
        )
    base = libs.parent
    with locked(base / ".lock"):
        if is_fetched(version):  # another process fetched it while we waited
            return libs
        partial = base / "libs.partial"
        shutil.rmtree(partial, ignore_errors=True)
        log = base / "mvn.log"
        command = [
            mvn,
            "-B",
            "--no-transfer-progress",
            "-f",
            str(POM),
            f"-P{profile}",
            f"-Dkafka.version={version}",
            f"-Dkafka.libs={partial}",
            "dependency:copy-dependencies",
        ]
        say(f"fetching Kafka {version} (kafka_2.13 + {binding}) with Maven into {shown(libs)}")
        started = time.monotonic()
        with log.open("w") as out:
            code = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False
            ).returncode
        if code != 0:
            hint = ""
            if "kafka_2.13" in log.read_text(errors="replace") and "Could not" in tail(log, 40):
                hint = f"\n    is {version} a released Kafka version on Maven Central?"
            raise BrokerError(
                f"Maven failed (exit {code}) fetching Kafka {version}; end of {shown(log)}:\n"
                f"{tail(log, 25)}{hint}"
            )
        names = jar_names(partial)
        if f"kafka_2.13-{version}.jar" not in names:
            raise BrokerError(f"Maven ran but {partial} holds no kafka_2.13-{version}.jar")
        bound = [n for n in names if any(n.startswith(b + "-") for b in SLF4J_BINDINGS)]
        if len(bound) != 1:
            raise BrokerError(f"expected exactly one SLF4J binding among the jars, found {bound}")
        size = sum(p.stat().st_size for p in partial.glob("*.jar"))
        (partial / ".complete").write_text("\n".join(names) + "\n")
        shutil.rmtree(libs, ignore_errors=True)
        partial.rename(libs)
    say(
        f"fetched {len(names)} jars ({size / 1e6:.0f} MB) in {time.monotonic() - started:.1f} s "
        f"(log: {shown(log)})"
    )
    return libs


# --- the Kafka protocol, just enough to tell that a broker serves requests ----------------------


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> int:
        try:
            (value,) = struct.unpack_from(fmt, self.data, self.pos)
        except struct.error as exc:
            raise ProtocolError(f"short response ({len(self.data)} bytes)") from exc
        self.pos += struct.calcsize(fmt)
        return int(value)

    def string(self) -> str | None:
        size = self.take(">h")
        if size < 0:
            return None
        raw = self.data[self.pos : self.pos + size]
        self.pos += size
        return raw.decode("utf-8", errors="replace")


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ProtocolError("connection closed before a full response")
        chunks += chunk
    return bytes(chunks)


def _call(
    sock: socket.socket, api_key: int, api_version: int, correlation: int, body: bytes
) -> Reader:
    """One request with header v1 (non-flexible), one response with header v0."""
    client = b"uam-events-broker-py"
    message = struct.pack(">hhih", api_key, api_version, correlation, len(client)) + client + body
    sock.sendall(struct.pack(">i", len(message)) + message)
    size = struct.unpack(">i", _recv_exact(sock, 4))[0]
    if not 4 <= size <= 16 * 1024 * 1024:
        raise ProtocolError(f"implausible response size {size}: not a Kafka broker?")
    reader = Reader(_recv_exact(sock, size))
    if reader.take(">i") != correlation:
        raise ProtocolError("response correlation id does not match the request")
    return reader


@dataclass
class Health:
    api_count: int
    metadata_version: int | None = None
    cluster_id: str | None = None
    brokers: list[tuple[int, str, int]] = field(default_factory=list)
    controller_id: int = -1

    def serves(self, port: int) -> bool:
        """True when the metadata lists a broker on `port`, i.e. the broker is registered."""
        return self.cluster_id is not None and any(p == port for _, _, p in self.brokers)

    def describe(self) -> str:
        nodes = ", ".join(f"{n}@{h}:{p}" for n, h, p in self.brokers) or "none"
        return (
            f"ApiVersions: {self.api_count} APIs; Metadata v{self.metadata_version}: "
            f"cluster {self.cluster_id}, brokers {nodes}, controller {self.controller_id}"
        )


def probe(host: str, port: int, timeout: float = 2.0) -> Health:
    """Send ApiVersions v0, then Metadata v4 for no topics; raise OSError or ProtocolError.

    ApiVersions v0 is what every client sends first, so every broker version answers it;
    Metadata v4 is served by 3.x and 4.x alike (4.0 dropped v0-v3, KIP-896).
    """
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        reader = _call(sock, 18, 0, 1, b"")
        error = reader.take(">h")
        apis: dict[int, tuple[int, int]] = {}
        for _ in range(reader.take(">i")):
            key, low, high = reader.take(">h"), reader.take(">h"), reader.take(">h")
            apis[key] = (low, high)
        if error != 0:
            raise ProtocolError(f"ApiVersions answered error code {error}")
        health = Health(api_count=len(apis))
        low, high = apis.get(3, (99, -1))
        if not low <= 4 <= high:
            return health  # a future broker without Metadata v4: ApiVersions has to do
        health.metadata_version = 4
        # topics: empty array (brokers only), allow_auto_topic_creation: false
        reader = _call(sock, 3, 4, 2, struct.pack(">ib", 0, 0))
        reader.take(">i")  # throttle_time_ms
        for _ in range(reader.take(">i")):
            node, node_host, node_port = reader.take(">i"), reader.string(), reader.take(">i")
            reader.string()  # rack
            health.brokers.append((node, node_host or "", node_port))
        health.cluster_id = reader.string()
        health.controller_id = reader.take(">i")
        return health


def wait_ready(
    host: str, port: int, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> Health:
    """Poll until the broker lists itself in Metadata; BrokerError when it dies or times out."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while True:
        if process is not None and process.poll() is not None:
            raise BrokerDied(process.returncode)
        try:
            health = probe(host, port)
        except (OSError, ProtocolError) as exc:
            last = str(exc) or type(exc).__name__
        else:
            if health.serves(port) or health.metadata_version is None:
                return health
            last = "answers, but lists no broker on its port yet"
        if time.monotonic() >= deadline:
            raise BrokerError(f"127.0.0.1:{port} not ready after {timeout:.0f} s ({last})")
        time.sleep(0.25)


class BrokerDied(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"exit code {code}")
        self.code = code


# --- the broker's folder, process and configuration ---------------------------------------------


@dataclass(frozen=True)
class Place:
    root: Path

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def data(self) -> Path:
        return self.root / "kraft-data"

    @property
    def log(self) -> Path:
        return self.root / "broker.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "broker.pid"

    @property
    def state_file(self) -> Path:
        return self.root / "broker.json"

    def state(self) -> dict[str, Any]:
        try:
            loaded = json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None


def _process(pid: int) -> tuple[str, str] | None:
    """(state letter, command line) of a live process, or None when there is none."""
    proc = Path(f"/proc/{pid}")
    if Path("/proc/self").exists():
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError):
            return None
        state = stat.rsplit(")", 1)[1].split()[0]
    else:  # macOS and friends
        out = subprocess.run(
            ["ps", "-o", "stat=,command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not out:
            return None
        state, _, cmdline = out.partition(" ")
    if not state or state.startswith("Z"):  # a zombie has exited; only its parent may reap it
        return None
    return state, cmdline


def our_broker(place: Place) -> int | None:
    """The pid in the pid file when that process is alive and is the broker of this folder."""
    pid = place.pid()
    if pid is None:
        return None
    info = _process(pid)
    if info is None or "kafka.Kafka" not in info[1] or str(place.properties) not in info[1]:
        return None
    return pid


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM does
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def new_cluster_id() -> str:
    """A random Kafka Uuid in its string form: base64url without padding, not starting with '-'."""
    while True:
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster.startswith("-"):
            return cluster


def server_properties(
    version: str, data: Path, port: int, controller_port: int, overrides: dict[str, str]
) -> dict[str, str]:
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data),
        # uam-events creates every topic explicitly with its partition count; a typo or a
        # forgotten topic must fail, not appear with 1 partition (docs/decisions/broker.md)
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        # small machine: a 128 MiB cleaner buffer and 8+3 threads are for real servers
        "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
        "num.network.threads": "2",
        "num.io.threads": "2",
    }
    if major_of(version) >= 4:
        props["share.coordinator.state.topic.replication.factor"] = "1"
        props["share.coordinator.state.topic.min.isr"] = "1"
    props.update(overrides)
    return props


def write_properties(path: Path, props: dict[str, str], version: str) -> None:
    lines = [f"# Written by deploy/kafka/broker.py for Kafka {version}; rewritten at every start."]
    lines += [f"{key}={value}" for key, value in props.items()]
    path.write_text("\n".join(lines) + "\n")


def signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:  # started by us as a process group leader
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _process(pid) is not None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def terminate(pid: int, timeout: float) -> str:
    """SIGTERM the group, SIGKILL it after `timeout` seconds; say which it took."""
    signal_group(pid, signal.SIGTERM)
    if wait_gone(pid, timeout):
        return "SIGTERM"
    signal_group(pid, signal.SIGKILL)
    wait_gone(pid, 10)
    return f"SIGKILL after {timeout:.0f} s"


# --- commands -----------------------------------------------------------------------------------


def cmd_fetch(args: argparse.Namespace) -> int:
    fetch(args.version)
    return 0


def _report_running(place: Place, pid: int, version: str, port: int, timeout: float) -> int:
    state = place.state()
    if (state.get("version"), state.get("port")) != (version, port):
        raise BrokerError(
            f"a Kafka {state.get('version')} broker from {shown(place.root)} is already "
            f"running on port {state.get('port')} (pid {pid}); you asked for {version} on "
            f"{port}: stop it first (broker.py stop --dir {shown(place.root)})"
        )
    try:
        health = wait_ready(HOST, port, timeout=timeout)
    except BrokerError as exc:
        raise BrokerError(f"already running (pid {pid}) but {exc}") from exc
    say(f"Kafka {version} already running on {HOST}:{port} (pid {pid}); {health.describe()}")
    return 0


def _check_ports(*ports: int) -> None:
    for wanted in ports:
        if port_free(wanted):
            continue
        what = ""
        with contextlib.suppress(OSError, ProtocolError):
            probe(HOST, wanted, timeout=1.0)
            what = " (a Kafka broker answers there, not one started from this --dir)"
        raise BrokerError(
            f"port {wanted} on {HOST} is taken by another process{what}; choose other ports "
            f"with --port/--controller-port, or find it with: ss -ltnp 'sport = :{wanted}'"
        )


def _format(place: Place, java: str, version: str, classpath: str) -> str:
    """Format the storage with a fresh cluster id; return the id."""
    cluster = new_cluster_id()
    command = [java, "-Xmx256m", log_option(version), "-cp", classpath, "kafka.tools.StorageTool"]
    command += ["format", "-t", cluster, "-c", str(place.properties), "--ignore-formatted"]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    (place.root / "format.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise BrokerError(
            f"formatting {shown(place.data)} failed (exit {done.returncode}):\n"
            f"{tail(place.root / 'format.log')}"
        )
    return cluster


def _cluster_id(place: Place) -> str:
    for line in (place.data / "meta.properties").read_text().splitlines():
        if line.startswith("cluster.id="):
            return line.split("=", 1)[1].strip()
    return "?"


def _launch(place: Place, java: str, version: str, classpath: str) -> subprocess.Popen[bytes]:
    if place.log.exists():
        place.log.replace(place.root / "broker.log.1")
    heap = shlex.split(os.environ.get("KAFKA_HEAP_OPTS", HEAP_OPTS))
    extra = shlex.split(os.environ.get("KAFKA_OPTS", ""))
    command = [java, *heap, *JVM_OPTS.split(), *extra, log_option(version), "-cp", classpath]
    command += ["kafka.Kafka", str(place.properties)]
    with place.log.open("ab") as out:
        return subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=place.root,
            start_new_session=True,  # its own process group: stop signals the group, nothing else
        )


def cmd_start(args: argparse.Namespace) -> int:
    place, version = Place(args.dir), args.version
    port, controller_port = args.port, args.controller_port or args.port + 1
    major_of(version)
    pid = our_broker(place)
    if pid is not None:
        return _report_running(place, pid, version, port, args.timeout)
    place.pid_file.unlink(missing_ok=True)  # stale

    java = find_java(version)
    libs = fetch(version) if not is_fetched(version) else libs_dir(version)
    _check_ports(port, controller_port)
    state = place.state()
    formatted = (place.data / "meta.properties").is_file()
    if formatted and state.get("version") not in (None, version):
        raise BrokerError(
            f"{shown(place.root)} holds the data of Kafka {state['version']}; wipe it with "
            f"`broker.py reset --dir {shown(place.root)}` or use another --dir"
        )

    place.root.mkdir(parents=True, exist_ok=True)
    overrides = dict(item.split("=", 1) for item in args.set)
    props = server_properties(version, place.data, port, controller_port, overrides)
    write_properties(place.properties, props, version)
    classpath = str(libs / "*")
    started = time.monotonic()
    cluster = (
        state.get("cluster_id", "?") if formatted else _format(place, java, version, classpath)
    )
    formatted_in = time.monotonic() - started

    process = _launch(place, java, version, classpath)
    place.pid_file.write_text(f"{process.pid}\n")
    state = {
        "version": version,
        "port": port,
        "controller_port": controller_port,
        "cluster_id": cluster,
        "pid": process.pid,
        "command": process.args,
    }
    place.state_file.write_text(json.dumps(state, indent=2) + "\n")
    try:
        health = wait_ready(HOST, port, args.timeout, process)
    except BrokerDied as died:
        place.pid_file.unlink(missing_ok=True)
        raise BrokerError(
            f"Kafka {version} exited ({died}) before it was ready; end of {shown(place.log)}:\n"
            f"{tail(place.log)}"
        ) from died
    except BaseException as exc:  # timeout or Ctrl-C: leave nothing running behind
        terminate(process.pid, 10)
        process.wait()
        place.pid_file.unlink(missing_ok=True)
        if isinstance(exc, BrokerError):
            raise BrokerError(
                f"{exc}; stopped it. End of {shown(place.log)}:\n{tail(place.log)}"
            ) from exc
        raise
    process.returncode = 0  # it runs on after we exit, on purpose: keeps Popen from warning
    say(
        f"Kafka {version} ready on {HOST}:{port} in {time.monotonic() - started:.1f} s "
        f"(format {formatted_in:.1f} s; pid {process.pid}; log {shown(place.log)})"
    )
    say(health.describe())
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    place = Place(args.dir)
    pid = place.pid()
    if pid is None:
        say(f"not running (no pid file in {shown(place.root)})")
        return 0
    if our_broker(place) is None:
        place.pid_file.unlink(missing_ok=True)
        say(f"not running (pid {pid} is gone or is not this broker; removed the stale pid file)")
        return 0
    started = time.monotonic()
    how = terminate(pid, args.stop_timeout)
    if _process(pid) is not None:
        raise BrokerError(f"pid {pid} survived SIGKILL; the pid file stays")
    place.pid_file.unlink(missing_ok=True)
    say(f"stopped pid {pid} in {time.monotonic() - started:.1f} s ({how})")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    place = Place(args.dir)
    cmd_stop(args)
    shutil.rmtree(place.data, ignore_errors=True)
    for name in ("server.properties", "broker.log", "broker.log.1", "format.log", "broker.json"):
        (place.root / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        place.root.rmdir()  # only when empty: a --dir holding other files keeps them
    say(f"wiped the broker data in {shown(place.root)}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    place = Place(args.dir)
    state = place.state()
    port = int(state.get("port", args.port))
    pid = our_broker(place)
    if pid is None:
        note = ""
        with contextlib.suppress(OSError, ProtocolError):
            probe(HOST, port, timeout=1.0)
            note = f"; but a Kafka broker not started from there answers on {HOST}:{port}"
        say(f"not running from {shown(place.root)}{note}")
        return 1
    try:
        health = probe(HOST, port)
    except (OSError, ProtocolError) as exc:
        version = state.get("version")
        say(f"Kafka {version} pid {pid} is alive but {HOST}:{port} does not answer: {exc}")
        return 1
    healthy = health.serves(port) or health.metadata_version is None
    say(
        f"Kafka {state.get('version')} {'healthy' if healthy else 'NOT ready'} on {HOST}:{port} "
        f"(controller {state.get('controller_port')}), pid {pid}, dir {shown(place.root)}"
    )
    say(health.describe())
    return 0 if healthy else 1


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="broker.py",
        description="A local single-node Kafka broker (KRaft) from Maven Central jars.",
    )
    cli.add_argument("command", choices=["start", "stop", "reset", "status", "fetch"])
    cli.add_argument(
        "--version",
        default=os.environ.get("KAFKA_VERSION") or DEFAULT_VERSION,
        help=f"Kafka version (default: $KAFKA_VERSION or {DEFAULT_VERSION})",
    )
    cli.add_argument("--port", type=int, default=DEFAULT_PORT, help="client port (PLAINTEXT)")
    cli.add_argument("--controller-port", type=int, help="KRaft controller port (default port+1)")
    cli.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="data, log, pid and config")
    cli.add_argument(
        "--timeout", type=float, default=START_TIMEOUT, help="seconds to wait for start (90)"
    )
    cli.add_argument(
        "--stop-timeout", type=float, default=STOP_TIMEOUT, help="seconds before SIGKILL (30)"
    )
    cli.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a server.properties entry (repeatable)",
    )
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.dir = args.dir.resolve()
    for item in args.set:
        if "=" not in item:
            parser().error(f"--set {item!r}: expected KEY=VALUE")
    commands = {
        "start": cmd_start,
        "stop": cmd_stop,
        "reset": cmd_reset,
        "status": cmd_status,
        "fetch": cmd_fetch,
    }
    try:
        return commands[args.command](args)
    except BrokerError as exc:
        print(f"broker: error: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
