"""The configuration: one YAML file, overridden by `UAM_...` environment variables (DESIGN 6).

`load_settings` is the entry point; `check_config` backs `uam config check`. Secrets never sit
in the file: they come from the environment or from files it names.
"""

from uam_events.settings.anaplan import AnaplanSettings, AuthSettings
from uam_events.settings.loader import SECRETS, check_config, load_settings
from uam_events.settings.models import (
    GuardSettings,
    KafkaSettings,
    ListColumns,
    Schedule,
    ScimSettings,
    Settings,
    SinkSettings,
    SpokeListSettings,
    SpokeSettings,
)
from uam_events.settings.schedule import Cron, parse_cron, parse_duration

__all__ = [
    "SECRETS",
    "AnaplanSettings",
    "AuthSettings",
    "Cron",
    "GuardSettings",
    "KafkaSettings",
    "ListColumns",
    "Schedule",
    "ScimSettings",
    "Settings",
    "SinkSettings",
    "SpokeListSettings",
    "SpokeSettings",
    "check_config",
    "load_settings",
    "parse_cron",
    "parse_duration",
]
