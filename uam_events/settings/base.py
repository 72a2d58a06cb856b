"""Field types and secret handling shared by the configuration's sections.

Secrets are SecretStr, resolved only when an adapter needs them; a missing or unreadable one is
a ConfigError that names the variable or file to fix and never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from uam_events.contract.problems import problem
from uam_events.errors import ConfigError


class Section(BaseModel):
    """A part of the configuration: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_CONFIG_FOLDER: ContextVar[Path | None] = ContextVar("config_folder", default=None)


@contextmanager
def config_folder(folder: Path) -> Iterator[None]:
    """Resolve relative paths against `folder` while validating inside this block.

    A context variable, not pydantic's validation context: BaseSettings validates through its
    own `__init__`, which does not pass a context on.
    """
    token = _CONFIG_FOLDER.set(folder)
    try:
        yield
    finally:
        _CONFIG_FOLDER.reset(token)


def _resolve(path: Path) -> Path:
    """Resolve a relative path against the configuration file's folder."""
    folder = _CONFIG_FOLDER.get()
    return path if path.is_absolute() or folder is None else folder / path


def _pattern(regex: str, what: str, fix: str) -> AfterValidator:
    compiled = re.compile(regex)

    def check(text: str) -> str:
        if not compiled.fullmatch(text):
            raise problem(f"{text!r} is not {what}", fix)
        return text

    return AfterValidator(check)


_TOPIC_CHARS = "use only letters, digits, '.', '_' and '-'"
FilePath = Annotated[Path, AfterValidator(_resolve)]
Text = Annotated[str, Field(min_length=1)]
Email = Annotated[str, _pattern(r"[^@\s]+@[^@\s]+", "an email address", "write name@domain")]
Url = Annotated[
    str, _pattern(r"https?://[^/\s]+(/\S*)?", "an http(s) URL", "write e.g. https://host/path")
]
SpokeId = Annotated[str, _pattern(r"[A-Za-z0-9._-]{1,200}", "a usable spoke id", _TOPIC_CHARS)]
TopicPrefix = Annotated[str, _pattern(r"[A-Za-z0-9._-]{0,40}", "a topic prefix", _TOPIC_CHARS)]


def secret_variable(path: str) -> str:
    """Return the environment variable of a setting: `anaplan.auth.password` -> `UAM_...`."""
    return "UAM_" + path.upper().replace(".", "__")


def require_secret(secret: SecretStr | None, path: str) -> SecretStr:
    """Return a secret, or raise ConfigError naming the variable that should hold it."""
    if secret is None or not secret.get_secret_value():
        fix = f"set the environment variable {secret_variable(path)}"
        raise ConfigError([f"{path}: not set; fix: {fix}"])
    return secret


def read_secret(path: Path | None, setting: str) -> SecretStr | None:
    """Return the stripped text of a secret file (None when no file is configured)."""
    if path is None:
        return None
    try:
        return SecretStr(path.read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        fix = "check the path and the file's permissions"
        raise ConfigError([f"{setting}: cannot read {path} ({reason}); fix: {fix}"]) from None


def reject_repeats(values: Sequence[str], attribute: str) -> None:
    """Raise a problem at the second entry of a list that repeats an `attribute` value."""
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first:
            fix = f"give each entry its own {attribute}, or merge the two"
            text = f"{value!r} is also used by entry [{first[value]}]"
            raise problem(text, fix, field=(index, attribute))
        first[value] = index
