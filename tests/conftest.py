"""Session-wide fixtures: where the reference example lives, and simulated Anaplan tenants.

The header names the build of the core under test; with UAM_EXPECT_CORE=compiled (or pure) the
session stops before collecting when the imported core is the other build, so a compiled run
(`make test-compiled`) cannot silently test the pure sources, nor the reverse.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.core_build import BUILDS, core_build, core_file

ROOT = Path(__file__).resolve().parent.parent
VENDORED_EXAMPLE = ROOT / "tests" / "data" / "shared-example"
SHARED_EXAMPLE = ROOT.parent / "shared" / "examples"

EXPECT_CORE = "UAM_EXPECT_CORE"


def core_mismatch(expected: str | None, build: str, where: str) -> str | None:
    """Return why a session expecting `expected` must not run on this core, or None."""
    if not expected:
        return None
    if expected not in BUILDS:
        return f"{EXPECT_CORE}={expected!r}: write one of {', '.join(BUILDS)}"
    if build != expected:
        return (
            f"{EXPECT_CORE}={expected} but the core under test is {build} ({where}); "
            "fix: `make test-compiled` for the compiled build, or unset it"
        )
    return None


def pytest_report_header() -> str:
    """Name the build of the core under test and where it was imported from."""
    return f"uam_events core: {core_build()} ({core_file()})"


def pytest_configure(config: pytest.Config) -> None:
    """Stop the session at once when UAM_EXPECT_CORE names the other build of the core."""
    problem = core_mismatch(os.environ.get(EXPECT_CORE), core_build(), core_file())
    if problem:
        raise pytest.UsageError(problem)


@pytest.fixture(scope="session")
def example() -> Path:
    """Return the reference example folder (config.yaml, events.jsonl, expected/)."""
    return VENDORED_EXAMPLE


WORKSPACE = "8a81b09e5f8e7c1b015f9a1e2c3d4e5f"
MODEL = "75A40874E6B64FA3AE0743278996850F"
ADMIN = "integration@example.com"
PRODUCTS = "P3 Product"
USERS_IMPORT, TEXT_IMPORT = "112000000001", "112000000002"
USERS_FILE, TEXT_FILE = "113000000001", "113000000002"
PUSH, REFRESH, EXPORT = "118000000001", "118000000002", "116000000001"
"""The ids of `tenant_seed`'s model: imports, their files, processes, the Users export."""
HEADER = [
    "Email Address",
    "Model Role",
    f"{PRODUCTS} Read",
    f"{PRODUCTS} Write",
    f"{PRODUCTS} None",
]
"""The columns of that model's users import."""
Seeder = Callable[..., tuple[SimulatorSeed, str]]


@pytest.fixture
def password() -> Callable[[], str]:
    """Return a factory of fresh random passwords (no password is ever a literal)."""
    return lambda: secrets.token_urlsafe(16)


@pytest.fixture
def tenant_seed(password: Callable[[], str]) -> Callable[..., tuple[SimulatorSeed, str]]:
    """Return a factory of a one-model tenant seed and the integration user's password.

    The model has lists `P3 Product` (TOTAL > EU > FR, DE; TOTAL > US) with selective access
    and `Plain` without; a users import 112000000001, an access-text import 112000000002, a
    process 118000000001 running both, a refresh process 118000000002 and an export.
    Members: alice, bob (No Access) and dave (Viewer), who sign in with the integration
    password plus `-bob` / `-dave`; carol is no member.
    """

    def build(**model_fields: Any) -> tuple[SimulatorSeed, str]:
        secret = password()
        users = [
            {"email": ADMIN, "password": secret},
            {"email": "alice@example.com", "first_name": "Alice", "last_name": "A"},
            {"email": "bob@example.com", "password": secret + "-bob"},
            {"email": "carol@example.com"},
            {"email": "dave@example.com", "password": secret + "-dave"},
        ]
        workspace = {
            "id": WORKSPACE,
            "name": "Sales",
            "members": ["alice@example.com", "bob@example.com", "dave@example.com"],
            "admins": [ADMIN],
        }
        items = [
            {"code": "TOTAL", "name": "Total"},
            {"code": "EU", "name": "Europe", "parent": "TOTAL"},
            {"code": "FR", "name": "France", "parent": "EU"},
            {"code": "DE", "name": "Germany", "parent": "EU"},
            {"code": "US", "name": "United States", "parent": "TOTAL"},
        ]
        sa_columns = [
            {"header": f"{PRODUCTS} {level}", "list": PRODUCTS, "level": level}
            for level in ("Read", "Write", "None")
        ] + [{"header": "Plain Read", "list": "Plain", "level": "Read"}]
        model: dict[str, Any] = {
            "id": MODEL,
            "name": "sales-emea",
            "workspace_id": WORKSPACE,
            "roles": ["Planner", "Viewer"],
            "user_roles": {ADMIN: "Full Access", "dave@example.com": "Viewer"},
            "lists": [
                {"id": "101000000001", "name": PRODUCTS, "items": items},
                {
                    "id": "101000000002",
                    "name": "Plain",
                    "selective_access": False,
                    "items": [{"code": "X"}],
                },
            ],
            "imports": [
                {
                    "id": "112000000001",
                    "name": "Users",
                    "import_type": "USERS",
                    "file_id": "113000000001",
                    "header_names": ["Email Address", "Model Role"]
                    + [c["header"] for c in sa_columns],
                    "sa_columns": sa_columns,
                },
                {
                    "id": "112000000002",
                    "name": "Access text",
                    "import_type": "MODULE_DATA",
                    "file_id": "113000000002",
                    "header_names": ["Email Address", "Access Text"],
                },
                {
                    "id": "112900000001",
                    "name": "Refresh",
                    "import_type": "HIERARCHY_DATA",
                    "target_list": PRODUCTS,
                },
            ],
            "processes": [
                {"id": "118000000001", "name": "Push", "actions": ["112000000001", "112000000002"]},
                {"id": "118000000002", "name": "Refresh lists", "actions": ["112900000001"]},
            ],
            "exports": [{"id": "116000000001", "name": "Users with access"}],
        }
        model.update(model_fields)
        seed = SimulatorSeed.model_validate(
            {"users": users, "workspaces": [workspace], "models": [model]}
        )
        return seed, secret

    return build


def make_certificate(
    key: rsa.RSAPrivateKey | None = None, passphrase: bytes | None = None, name: str = ADMIN
) -> tuple[bytes, bytes, rsa.RSAPrivateKey]:
    """Return a self-signed certificate (PEM) valid today, its private key (PEM) and the key."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem, key
