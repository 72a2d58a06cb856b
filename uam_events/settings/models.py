"""The configuration's sections and the `Settings` root (DESIGN section 6).

Every check that can be made from the file alone is made here, so that `uam config check`
finds it before a worker starts: unique spoke ids, one mapping per hub list, schedules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from uam_events.contract.problems import problem
from uam_events.core.spokes import Spoke, SpokeList
from uam_events.settings.anaplan import AnaplanSettings
from uam_events.settings.base import (
    FilePath,
    Section,
    SpokeId,
    Text,
    TopicPrefix,
    read_secret,
    reject_repeats,
    require_secret,
)
from uam_events.settings.schedule import CronExpression, Duration


class KafkaSettings(Section):
    """The broker, its security, and how topic names are spelt."""

    bootstrap_servers: Text
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] | None = None
    sasl_username: Text | None = None
    sasl_password: SecretStr | None = None
    topic_prefix: TopicPrefix = "uam."
    partitions: Annotated[int, Field(ge=1)] = 6

    @model_validator(mode="after")
    def _sasl_needs_mechanism(self) -> KafkaSettings:
        """Reject a SASL protocol without a mechanism: the client would fail at connect."""
        if self.security_protocol.startswith("SASL") and self.sasl_mechanism is None:
            fix = "name the SASL mechanism, e.g. SCRAM-SHA-512"
            raise problem("is missing", fix, field="sasl_mechanism")
        return self

    def require_sasl_password(self) -> SecretStr:
        """Return the SASL password; raise ConfigError naming its variable when unset."""
        return require_secret(self.sasl_password, "kafka.sasl_password")


class GuardSettings(Section):
    """The accidental-deletion guard: hold a push that revokes more users than this."""

    max_revoked_fraction: Annotated[float, Field(gt=0, le=1)] = 0.10
    min_revoked_users: Annotated[int, Field(ge=0)] = 20


class SinkSettings(Section):
    """The sink: how many runs a rejected row is retried before it is quarantined."""

    quarantine_after_runs: Annotated[int, Field(ge=1)] = Field(
        default=5, description="runs that reject a row before it is quarantined"
    )


class ScimSettings(Section):
    """SCIM Events tokens: with a key, unsigned or badly signed tokens are rejected."""

    verification_key_file: FilePath | None = None


class ListColumns(Section):
    """Headers of the users import's selective-access columns for one list."""

    read: Text
    write: Text
    none: Text


class SpokeListSettings(Section):
    """A hub list a spoke uses, its name in the spoke, and optionally its import headers."""

    hub: Text
    name: Text
    columns: ListColumns | None = Field(default=None, description="default: '<name> Read' ...")

    def import_columns(self) -> ListColumns:
        """Return the import headers, by default `<name> Read`, `<name> Write`, `<name> None`."""
        return self.columns or ListColumns(
            read=f"{self.name} Read", write=f"{self.name} Write", none=f"{self.name} None"
        )


class Schedule(Section):
    """When a spoke's pushes run: `{every: 10m}`, or `{cron: "0 1-5 * * *", stagger: 7m}`."""

    every: Duration | None = None
    cron: CronExpression | None = None
    stagger: Duration | None = Field(default=None, description="spreads spokes' runs apart")

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        """Require exactly one of `every` and `cron`; `stagger` goes with `cron` only."""
        if (self.every is None) == (self.cron is None):
            what = "has both every and cron" if self.every else "needs every or cron"
            raise problem(what, 'write {every: "10m"} or {cron: "0 1-5 * * *", stagger: "7m"}')
        if self.every is not None and self.every <= timedelta(0):
            raise problem("is zero", "write a positive duration such as 10m", field="every")
        if self.every is not None and self.stagger is not None:
            raise problem("applies to cron schedules only", "remove it", field="stagger")
        return self


class SpokeSettings(Section):
    """One Anaplan model that receives access."""

    id: SpokeId
    workspace_id: Text
    model_id: Text
    default_role: Text
    no_access_role: Text
    users_import_id: Text
    access_text_import_id: Text
    refresh_process_id: Text | None = None
    users_export_id: Text | None = Field(
        default=None, description="the Users export `uam reconcile` reads back (116...)"
    )
    schedule: Schedule
    lists: list[SpokeListSettings]

    @field_validator("lists")
    @classmethod
    def _unique_lists(cls, lists: list[SpokeListSettings]) -> list[SpokeListSettings]:
        """Reject a hub list, or a spoke list name, mapped twice in one spoke."""
        reject_repeats([entry.hub for entry in lists], "hub")
        reject_repeats([entry.name for entry in lists], "name")
        return lists

    def core(self) -> Spoke:
        """Return the spoke as the core sees it."""
        lists = tuple(SpokeList(entry.hub, entry.name) for entry in self.lists)
        return Spoke(self.id, self.workspace_id, lists, self.default_role, self.no_access_role)


class Settings(BaseSettings):
    """The whole configuration; build it with `load_settings`, which merges the environment."""

    model_config = SettingsConfigDict(
        env_prefix="UAM_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    kafka: KafkaSettings
    anaplan: AnaplanSettings
    guard: GuardSettings = GuardSettings()
    scim: ScimSettings = ScimSettings()
    sink: SinkSettings = SinkSettings()
    spokes: Annotated[list[SpokeSettings], Field(min_length=1)]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read only what `load_settings` passes: it merges the environment it is given."""
        return (init_settings,)

    @field_validator("spokes")
    @classmethod
    def _unique_ids(cls, spokes: list[SpokeSettings]) -> list[SpokeSettings]:
        """Reject two spokes with one id: their topics and pushes would collide."""
        reject_repeats([spoke.id for spoke in spokes], "id")
        return spokes

    def topic(self, name: str) -> str:
        """Return a topic's full name: `topic("access.finance")` -> `uam.access.finance`."""
        return f"{self.kafka.topic_prefix}{name}"

    def core_spokes(self) -> tuple[Spoke, ...]:
        """Return the spokes as the core sees them, in configured order."""
        return tuple(spoke.core() for spoke in self.spokes)

    def verification_key(self) -> str | None:
        """Return the SCIM Events verification key (PEM or JWKS text), if one is configured."""
        key = read_secret(self.scim.verification_key_file, "scim.verification_key_file")
        return None if key is None else key.get_secret_value()
