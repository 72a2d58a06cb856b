"""The configuration: the reference file passes, each error names its path and fix, env wins."""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, SecretStr

from uam_events.core.spokes import Spoke, SpokeList
from uam_events.errors import ConfigError
from uam_events.settings import (
    SECRETS,
    Settings,
    check_config,
    load_settings,
    parse_cron,
    parse_duration,
)

Mutate = Callable[[dict[str, Any]], None]
WriteConfig = Callable[..., Path]
SECRET = "s3cr3t-Pa55word!"


@pytest.fixture
def reference(example: Path) -> dict[str, Any]:
    """Return the reference configuration as a plain dict, to mutate per test."""
    data: dict[str, Any] = yaml.safe_load((example / "config.yaml").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def write_config(tmp_path: Path, reference: dict[str, Any]) -> WriteConfig:
    """Return a factory writing the reference configuration, changed by `mutate`, to a file."""

    def write(mutate: Mutate | None = None, text: str | None = None) -> Path:
        path = tmp_path / "config.yaml"
        if text is None:
            data = copy.deepcopy(reference)
            if mutate is not None:
                mutate(data)
            text = yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def problems_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    """Return the problems of a configuration, with an empty environment by default."""
    return check_config(path, {} if environ is None else environ)


# --- the reference --------------------------------------------------------------------------


def test_reference_config_passes(example: Path) -> None:
    """The shared example configuration is valid as it is, with no environment at all."""
    assert check_config(example / "config.yaml", {}) == []


def test_reference_config_reads_as_written(example: Path) -> None:
    """The example's values arrive as written, with the documented defaults."""
    settings = load_settings(example / "config.yaml", {})
    assert settings.kafka.security_protocol == "PLAINTEXT"
    assert settings.kafka.partitions == 6
    assert settings.anaplan.auth.method == "basic"
    assert settings.anaplan.auth.user == "integration@example.com"
    assert settings.guard.max_revoked_fraction == pytest.approx(0.10)
    assert settings.guard.min_revoked_users == 20
    assert settings.scim.verification_key_file is None
    assert settings.verification_key() is None
    assert settings.sink.quarantine_after_runs == 5
    sales, finance = settings.spokes
    assert sales.refresh_process_id == "118000000001"
    assert finance.refresh_process_id is None
    assert sales.schedule.every == timedelta(minutes=10)
    assert finance.schedule.cron is not None
    assert finance.schedule.cron.hours == frozenset({1, 2, 3, 4, 5})
    assert finance.schedule.stagger == timedelta(minutes=7)


def test_topic_prefixes_names(example: Path) -> None:
    """`topic` puts the configured prefix in front of a topic name."""
    settings = load_settings(example / "config.yaml", {})
    assert settings.topic("access.finance") == "uam.access.finance"


def test_core_spokes_mirror_config(example: Path) -> None:
    """`core_spokes` gives the core's frozen Spoke values in configured order."""
    spokes = load_settings(example / "config.yaml", {}).core_spokes()
    assert spokes[1] == Spoke(
        "finance",
        "8a81b09e5f8e7c1b015f9a1e2c3d4e60",
        (SpokeList("Geography", "G2 Country"),),
        "Viewer",
        "No Access",
    )
    assert spokes[0].hub_lists == ("Products", "Geography")


def test_import_columns_default_to_list_name(example: Path) -> None:
    """Without `columns`, a list's import headers are `<name> Read`, `Write` and `None`."""
    columns = load_settings(example / "config.yaml", {}).spokes[0].lists[0].import_columns()
    assert (columns.read, columns.write, columns.none) == (
        "P3 Product Read",
        "P3 Product Write",
        "P3 Product None",
    )


# --- environment overrides ------------------------------------------------------------------


def test_environment_overrides_yaml(example: Path) -> None:
    """`UAM_...` variables with `__` nesting win over the file, case-insensitively."""
    environ = {
        "UAM_KAFKA__PARTITIONS": "12",
        "uam_kafka__topic_prefix": "acme.",
        "UAM_GUARD__MIN_REVOKED_USERS": "5",
        "UAM_SPOKES__1__SCHEDULE__STAGGER": "1h",
        "OTHER": "ignored",
    }
    settings = load_settings(example / "config.yaml", environ)
    assert settings.kafka.partitions == 12
    assert settings.topic("dlq") == "acme.dlq"
    assert settings.guard.min_revoked_users == 5
    assert settings.spokes[1].schedule.stagger == timedelta(hours=1)
    assert settings.spokes[0].id == "sales-emea"


def test_given_environ_replaces_process_environment(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit `environ` is the whole environment; without one, os.environ is used."""
    monkeypatch.setenv("UAM_KAFKA__PARTITIONS", "9")
    assert load_settings(example / "config.yaml", {}).kafka.partitions == 6
    assert load_settings(example / "config.yaml").kafka.partitions == 9


def test_environment_errors_name_the_path(example: Path) -> None:
    """A bad value from the environment is reported at the setting's path."""
    assert problems_of(example / "config.yaml", {"UAM_KAFKA__PARTITIONS": "many"}) == [
        "kafka.partitions: 'many' is not a whole number; fix: write a whole number"
    ]


def test_environment_list_index_must_exist(example: Path) -> None:
    """A list index in a variable that names no entry is an error, not a silent no-op."""
    problems = problems_of(example / "config.yaml", {"UAM_SPOKES__7__ID": "x"})
    assert problems == [
        "environment: UAM_SPOKES__7__...: names no entry 7; "
        "fix: use an index from 0 to 1, or set the whole list as JSON"
    ]


def test_password_comes_from_auth_variable(example: Path) -> None:
    """`UAM_ANAPLAN__AUTH__PASSWORD` sets the basic-auth password."""
    settings = load_settings(example / "config.yaml", {"UAM_ANAPLAN__AUTH__PASSWORD": SECRET})
    assert settings.anaplan.auth.require_password().get_secret_value() == SECRET


def test_password_accepts_short_variable(example: Path) -> None:
    """`UAM_ANAPLAN__PASSWORD`, as the example's comment says, sets it too."""
    settings = load_settings(example / "config.yaml", {"UAM_ANAPLAN__PASSWORD": SECRET})
    assert settings.anaplan.auth.require_password().get_secret_value() == SECRET


def test_auth_password_variable_wins(example: Path) -> None:
    """With both variables set, the one that spells the full path wins."""
    environ = {"UAM_ANAPLAN__PASSWORD": "short", "UAM_ANAPLAN__AUTH__PASSWORD": SECRET}
    settings = load_settings(example / "config.yaml", environ)
    assert settings.anaplan.auth.require_password().get_secret_value() == SECRET


def test_missing_password_names_variable(example: Path) -> None:
    """Asking for an unset password raises ConfigError naming the variable to set."""
    settings = load_settings(example / "config.yaml", {})
    with pytest.raises(ConfigError) as caught:
        settings.anaplan.auth.require_password()
    assert caught.value.problems == [
        "anaplan.auth.password: not set; fix: set the environment variable "
        "UAM_ANAPLAN__AUTH__PASSWORD"
    ]


# --- secrets --------------------------------------------------------------------------------


def test_secrets_never_in_repr_str_or_dump(example: Path) -> None:
    """A loaded secret shows as asterisks in repr, str and JSON dumps."""
    settings = load_settings(example / "config.yaml", {"UAM_ANAPLAN__AUTH__PASSWORD": SECRET})
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert SECRET not in text
    assert "**********" in repr(settings.anaplan.auth)


@pytest.mark.parametrize(
    ("path", "variable"),
    [
        (("anaplan", "auth", "password"), "UAM_ANAPLAN__AUTH__PASSWORD"),
        (("anaplan", "password"), "UAM_ANAPLAN__PASSWORD"),
        (("kafka", "sasl_password"), "UAM_KAFKA__SASL_PASSWORD"),
    ],
)
def test_secret_in_yaml_says_move_it(
    write_config: WriteConfig, path: tuple[str, ...], variable: str
) -> None:
    """A secret written in the YAML is an error that names the variable to move it to."""

    def put_secret(data: dict[str, Any]) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = SECRET

    problems = problems_of(write_config(put_secret))
    assert problems == [
        f"{'.'.join(path)}: a secret must not be written in the configuration file; "
        f"fix: remove it and set the environment variable {variable}"
    ]


def test_oauth_secret_in_yaml_offers_file(write_config: WriteConfig) -> None:
    """An OAuth refresh token in the YAML is reported with both the variable and the file."""

    def oauth(data: dict[str, Any]) -> None:
        data["anaplan"]["auth"].update(method="oauth", client_id="cid", refresh_token=SECRET)

    assert problems_of(write_config(oauth)) == [
        "anaplan.auth.refresh_token: a secret must not be written in the configuration file; "
        "fix: remove it and set the environment variable UAM_ANAPLAN__AUTH__REFRESH_TOKEN, "
        "or write the path of a file holding it in refresh_token_file"
    ]


def test_secrets_never_in_errors(write_config: WriteConfig) -> None:
    """Neither messages nor tracebacks of a ConfigError quote a secret, however it was typed."""

    def leak(data: dict[str, Any]) -> None:
        data["anaplan"]["auth"].update(password=SECRET, pasword=SECRET, method="saml")
        data["kafka"]["sasl_password"] = 12345

    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(leak), {"UAM_ANAPLAN__AUTH__PASSWROD": SECRET})
    text = "".join(traceback.format_exception(caught.value))
    assert SECRET not in text
    assert "12345" not in text
    assert any(p.startswith("anaplan.auth.pasword: unknown field") for p in caught.value.problems)


def test_every_secret_field_is_listed() -> None:
    """Each SecretStr setting is in SECRETS, so writing it in the YAML is caught."""
    found: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            kinds = [info.annotation, *getattr(info.annotation, "__args__", ())]
            if SecretStr in kinds:
                found.add(prefix + name)
            for kind in kinds:
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    walk(kind, f"{prefix}{name}.")

    walk(Settings, "")
    assert found <= SECRETS
    assert "anaplan.auth.password" in found


# --- errors: each names its path and the fix --------------------------------------------------


def _set(path: tuple[str | int, ...], value: object) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _drop(path: tuple[str | int, ...]) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _copy_spoke(data: dict[str, Any]) -> None:
    data["spokes"].append(copy.deepcopy(data["spokes"][0]))


def _repeat_hub(data: dict[str, Any]) -> None:
    data["spokes"][0]["lists"][1]["hub"] = "Products"


def _certificate(data: dict[str, Any]) -> None:
    data["anaplan"]["auth"]["method"] = "certificate"


def _basic_with_client_id(data: dict[str, Any]) -> None:
    data["anaplan"]["auth"]["client_id"] = "cid"


def _sasl(data: dict[str, Any]) -> None:
    data["kafka"]["security_protocol"] = "SASL_SSL"


DURATION_FIX = "fix: write a number followed by s, m, h or d"
CRON_FIX = (
    "fix: write five fields (minute hour day-of-month month day-of-week) of '*', numbers, "
    "ranges a-b, lists a,b and steps /n, e.g. '0 1-5 * * *'"
)
SCHEDULE_FIX = 'fix: write {every: "10m"} or {cron: "0 1-5 * * *", stagger: "7m"}'

ERRORS: list[tuple[str, Mutate, str]] = [
    (
        "bad duration",
        _set(("spokes", 1, "schedule"), {"every": "10x"}),
        f"spokes[1].schedule.every: '10x' is not a duration; {DURATION_FIX}",
    ),
    (
        "number as duration",
        _set(("spokes", 0, "schedule", "every"), 600),
        f"spokes[0].schedule.every: 600 is not a duration; {DURATION_FIX}",
    ),
    (
        "zero interval",
        _set(("spokes", 0, "schedule", "every"), "0m"),
        "spokes[0].schedule.every: is zero; fix: write a positive duration such as 10m",
    ),
    (
        "cron hour out of range",
        _set(("spokes", 1, "schedule", "cron"), "0 25 * * *"),
        "spokes[1].schedule.cron: '0 25 * * *' is not a cron expression: "
        f"hour '25' is not a number from 0 to 23; {CRON_FIX}",
    ),
    (
        "cron field count",
        _set(("spokes", 1, "schedule", "cron"), "0 1 * *"),
        "spokes[1].schedule.cron: '0 1 * *' is not a cron expression: "
        f"it has 4 fields, not 5; {CRON_FIX}",
    ),
    (
        "cron zero step",
        _set(("spokes", 1, "schedule", "cron"), "*/0 * * * *"),
        "spokes[1].schedule.cron: '*/0 * * * *' is not a cron expression: "
        f"minute step '0' is not a positive number; {CRON_FIX}",
    ),
    (
        "cron backwards range",
        _set(("spokes", 1, "schedule", "cron"), "0 5-1 * * *"),
        "spokes[1].schedule.cron: '0 5-1 * * *' is not a cron expression: "
        f"hour range '5-1' runs backwards; {CRON_FIX}",
    ),
    (
        "cron unknown name",
        _set(("spokes", 1, "schedule", "cron"), "0 1 * * funday"),
        "spokes[1].schedule.cron: '0 1 * * funday' is not a cron expression: "
        f"day of week 'funday' is not a number from 0 to 7; {CRON_FIX}",
    ),
    (
        "neither every nor cron",
        _set(("spokes", 0, "schedule"), {"stagger": "1m"}),
        f"spokes[0].schedule: needs every or cron; {SCHEDULE_FIX}",
    ),
    (
        "both every and cron",
        _set(("spokes", 0, "schedule", "cron"), "0 * * * *"),
        f"spokes[0].schedule: has both every and cron; {SCHEDULE_FIX}",
    ),
    (
        "stagger with every",
        _set(("spokes", 0, "schedule", "stagger"), "1m"),
        "spokes[0].schedule.stagger: applies to cron schedules only; fix: remove it",
    ),
    (
        "duplicate spoke id",
        _copy_spoke,
        "spokes[2].id: 'sales-emea' is also used by entry [0]; "
        "fix: give each entry its own id, or merge the two",
    ),
    (
        "duplicate hub in a spoke",
        _repeat_hub,
        "spokes[0].lists[1].hub: 'Products' is also used by entry [0]; "
        "fix: give each entry its own hub, or merge the two",
    ),
    (
        "empty id",
        _set(("spokes", 0, "workspace_id"), ""),
        "spokes[0].workspace_id: '' is empty; fix: write a non-empty value",
    ),
    (
        "spoke id unfit for a topic",
        _set(("spokes", 0, "id"), "sales emea"),
        "spokes[0].id: 'sales emea' is not a usable spoke id; "
        "fix: use only letters, digits, '.', '_' and '-'",
    ),
    (
        "unquoted number as id",
        _set(("spokes", 0, "model_id"), 75),
        "spokes[0].model_id: 75 is not a string; fix: write a string (in quotes)",
    ),
    (
        "missing field",
        _drop(("spokes", 1, "users_import_id")),
        "spokes[1].users_import_id: missing; fix: add it",
    ),
    (
        "no spokes",
        _set(("spokes",), []),
        "spokes: has too few entries; fix: add at least 1",
    ),
    (
        "unknown key",
        _set(("guard", "max_revoked"), 0.2),
        "guard.max_revoked: unknown field; fix: remove it or correct its spelling "
        "(known: max_revoked_fraction, min_revoked_users)",
    ),
    (
        "wrong enum",
        _set(("anaplan", "auth", "method"), "saml"),
        "anaplan.auth.method: 'saml' is not one of 'basic', 'certificate' or 'oauth'; "
        "fix: use one of 'basic', 'certificate' or 'oauth'",
    ),
    (
        "fraction above one",
        _set(("guard", "max_revoked_fraction"), 1.5),
        "guard.max_revoked_fraction: 1.5 is too large; fix: write a number of at most 1.0",
    ),
    (
        "not an email",
        _set(("anaplan", "auth", "user"), "integration"),
        "anaplan.auth.user: 'integration' is not an email address; fix: write name@domain",
    ),
    (
        "not a url",
        _set(("anaplan", "api_url"), "api.anaplan.com"),
        "anaplan.api_url: 'api.anaplan.com' is not an http(s) URL; "
        "fix: write e.g. https://host/path",
    ),
    (
        "certificate without files",
        _certificate,
        "anaplan.auth.certificate_file: is missing; fix: add it: method certificate needs it",
    ),
    (
        "field of another method",
        _basic_with_client_id,
        "anaplan.auth.client_id: does not apply to method basic; "
        "fix: remove it, or use the method it belongs to (now: basic)",
    ),
    (
        "quarantine after zero runs",
        _set(("sink",), {"quarantine_after_runs": 0}),
        "sink.quarantine_after_runs: 0 is too small; fix: write a number of at least 1",
    ),
    (
        "sasl without mechanism",
        _sasl,
        "kafka.sasl_mechanism: is missing; fix: name the SASL mechanism, e.g. SCRAM-SHA-512",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_error_names_path_and_fix(write_config: WriteConfig, mutate: Mutate, expected: str) -> None:
    """Each kind of mistake is reported once, as `path: problem; fix: what to write`."""
    assert problems_of(write_config(mutate)) == [expected]


def test_every_error_is_reported(write_config: WriteConfig) -> None:
    """Independent mistakes in one file are all reported in one go."""

    def many(data: dict[str, Any]) -> None:
        data["kafka"]["partitions"] = 0
        data["spokes"][0]["schedule"] = {"every": "soon"}
        data["spokes"][1]["default_role"] = ""

    problems = problems_of(write_config(many))
    assert [p.split(":")[0] for p in problems] == [
        "kafka.partitions",
        "spokes[0].schedule.every",
        "spokes[1].default_role",
    ]


def test_load_raises_config_error_with_problems(write_config: WriteConfig) -> None:
    """`load_settings` raises ConfigError whose message lists each problem."""
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(_set(("kafka", "partitions"), 0)), {})
    assert "kafka.partitions: 0 is too small; fix: write a number of at least 1" in str(
        caught.value
    )


def test_yaml_syntax_error_has_line(write_config: WriteConfig) -> None:
    """A YAML syntax error becomes a ConfigError with the line and column."""
    path = write_config(text="kafka:\n  bootstrap_servers: [a\nspokes: x\n")
    [found] = problems_of(path)
    assert found.startswith(f"{path} line 3, column 7: ")
    assert "; fix: correct the YAML there" in found


def test_yaml_duplicate_key_has_line(write_config: WriteConfig) -> None:
    """A key written twice (which YAML would silently drop) is reported with its line."""
    path = write_config(text="kafka:\n  partitions: 1\n  partitions: 2\n")
    assert problems_of(path) == [
        f"{path} line 3, column 3: the key 'partitions' is written twice; "
        "fix: keep one of the two entries"
    ]


def test_yaml_top_level_must_be_mapping(write_config: WriteConfig) -> None:
    """A file whose top level is not a mapping is reported as such."""
    path = write_config(text="- kafka\n")
    assert problems_of(path) == [
        f"{path}: the top level is not a mapping; "
        "fix: write a mapping with kafka, anaplan, guard, scim and spokes"
    ]


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    """An unreadable configuration file is a ConfigError, not an OSError."""
    path = tmp_path / "absent.yaml"
    assert problems_of(path) == [
        f"{path}: cannot be read (No such file or directory); fix: check the path"
    ]


# --- files named in the configuration ---------------------------------------------------------


def test_verification_key_read_relative_to_config(write_config: WriteConfig) -> None:
    """A relative `verification_key_file` is read from beside the configuration file."""
    path = write_config(_set(("scim",), {"verification_key_file": "keys/scim.pem"}))
    (path.parent / "keys").mkdir()
    (path.parent / "keys" / "scim.pem").write_text("PEM\n", encoding="utf-8")
    assert load_settings(path, {}).verification_key() == "PEM"


def test_unreadable_verification_key_is_config_error(write_config: WriteConfig) -> None:
    """A configured key file that is missing raises ConfigError when it is read."""
    settings = load_settings(write_config(_set(("scim",), {"verification_key_file": "k"})), {})
    with pytest.raises(ConfigError, match=r"scim\.verification_key_file: cannot read"):
        settings.verification_key()


def test_refresh_token_from_file(write_config: WriteConfig) -> None:
    """An OAuth refresh token may come from a file; its trailing newline is dropped."""

    def oauth(data: dict[str, Any]) -> None:
        data["anaplan"]["auth"].update(
            method="oauth", client_id="cid", refresh_token_file="token.txt"
        )

    path = write_config(oauth)
    (path.parent / "token.txt").write_text(SECRET + "\n", encoding="utf-8")
    auth = load_settings(path, {}).anaplan.auth
    assert auth.require_refresh_token().get_secret_value() == SECRET
    assert auth.client_secret_value() is None


def test_secret_and_its_file_conflict(write_config: WriteConfig) -> None:
    """Giving a secret both as a variable and as a file is an error, not a silent choice."""

    def oauth(data: dict[str, Any]) -> None:
        data["anaplan"]["auth"].update(method="oauth", client_id="c", refresh_token_file="t")

    problems = problems_of(write_config(oauth), {"UAM_ANAPLAN__AUTH__REFRESH_TOKEN": SECRET})
    assert problems == [
        "anaplan.auth.refresh_token: is given twice; "
        "fix: set UAM_ANAPLAN__AUTH__REFRESH_TOKEN or refresh_token_file, not both"
    ]


# --- schedules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600), ("1d", 86400)]
)
def test_durations(text: str, seconds: int) -> None:
    """Durations are a number and one of s, m, h, d."""
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_cron_lists_steps_and_names() -> None:
    """Cron fields accept lists, steps, ranges with steps and month and weekday names."""
    cron = parse_cron("*/15 8-18/2 1,15 jan-mar MON-FRI")
    assert cron.minutes == frozenset({0, 15, 30, 45})
    assert cron.hours == frozenset({8, 10, 12, 14, 16, 18})
    assert cron.days == frozenset({1, 15})
    assert cron.months == frozenset({1, 2, 3})
    assert cron.weekdays == frozenset({1, 2, 3, 4, 5})
    assert repr(cron) == "Cron(text='*/15 8-18/2 1,15 jan-mar MON-FRI')"


def test_cron_matches_minutes_of_window() -> None:
    """The reference's nightly window runs on the hour from 01:00 to 05:00."""
    cron = parse_cron("0 1-5 * * *")
    assert cron.matches(datetime(2026, 11, 20, 3, 0))
    assert not cron.matches(datetime(2026, 11, 20, 3, 1))
    assert not cron.matches(datetime(2026, 11, 20, 6, 0))


def test_cron_day_fields_combine_with_or() -> None:
    """With both day fields restricted, either matching day runs (cron's rule); 7 is Sunday."""
    cron = parse_cron("0 0 1 * 7")
    assert cron.matches(datetime(2026, 11, 1, 0, 0))  # the 1st, a Sunday
    assert cron.matches(datetime(2026, 11, 8, 0, 0))  # a Sunday
    assert cron.matches(datetime(2026, 12, 1, 0, 0))  # the 1st, a Tuesday
    assert not cron.matches(datetime(2026, 11, 3, 0, 0))  # neither
