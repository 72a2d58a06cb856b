"""Read the YAML file, lay the `UAM_...` environment over it, and report every problem.

The environment wins over the file. A secret written in the file is reported (with the
variable to use instead) alongside any other problem, so one run of `uam config check` lists
everything to fix.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_settings import EnvSettingsSource, SettingsError
from pydantic_settings.sources.utils import parse_env_vars

from uam_events.contract.problems import describe
from uam_events.errors import ConfigError
from uam_events.settings.base import config_folder, secret_variable
from uam_events.settings.models import Settings

SECRETS: frozenset[str] = frozenset(
    {
        "kafka.sasl_password",
        "anaplan.password",
        "anaplan.auth.password",
        "anaplan.auth.private_key_passphrase",
        "anaplan.auth.client_secret",
        "anaplan.auth.refresh_token",
    }
)
"""Settings that hold secrets: read from `UAM_<PATH>` (or a `*_file`), never from the file."""
_DEFAULT_FIX = "see the reference configuration, examples/config.yaml"


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, merge (`environ`, by default os.environ, over the YAML) and validate settings.

    Raise ConfigError listing every problem: YAML syntax (with line numbers), secrets written
    in the file, and each invalid value with its path and the fix.
    """
    data = _read_yaml(path)
    problems = [_secret_problem(name) for name in sorted(SECRETS) if _written(data, name)]
    merged = _merge(data, _environment(os.environ if environ is None else environ))
    try:
        with config_folder(path.parent):
            settings = Settings.model_validate(merged)
    except ValidationError as exc:
        found = describe(exc, echo=_may_echo, default_fix=_DEFAULT_FIX, known=_known_keys)
        problems += [str(p) for p in found]
    if problems:
        raise ConfigError(problems)
    return settings


def check_config(path: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    """Return every problem of a configuration; an empty list means it is valid."""
    try:
        load_settings(path, environ)
    except ConfigError as exc:
        return exc.problems
    return []


class _Environment(EnvSettingsSource):
    """pydantic-settings' parsing of `UAM_` variables, over a given mapping."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _environment(environ: Mapping[str, str]) -> dict[str, Any]:
    try:
        return _Environment(environ)()
    except SettingsError as exc:
        fix = "write the variable's value as JSON (a list or an object)"
        raise ConfigError([f"environment: {exc}; fix: {fix}"]) from None


class _DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names a key twice."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key written twice, which YAML would silently drop."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise _DuplicateKeyError(
                    None, None, f"the key {key!r} is written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except OSError as exc:
        raise ConfigError(
            [f"{path}: cannot be read ({exc.strerror}); fix: check the path"]
        ) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: is not UTF-8 text; fix: save it as UTF-8"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        fix = "correct the YAML there (indentation, quotes, a missing ':')"
        if isinstance(exc, _DuplicateKeyError):
            fix = "keep one of the two entries"
        raise ConfigError([f"{path} {where}: {exc.problem}; fix: {fix}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        fix = "write a mapping with kafka, anaplan, guard, scim and spokes"
        raise ConfigError([f"{path}: the top level is not a mapping; fix: {fix}"])
    return data


def _secret_problem(name: str) -> str:
    fix = f"remove it and set the environment variable {secret_variable(name)}"
    field = name.rsplit(".", 1)[-1]
    if field in {"client_secret", "refresh_token"}:
        fix += f", or write the path of a file holding it in {field}_file"
    return f"{name}: a secret must not be written in the configuration file; fix: {fix}"


def _written(data: Any, name: str) -> bool:
    for part in name.split("."):
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return data not in (None, "")


def _merge(base: dict[str, Any], override: Mapping[str, Any], where: str = "UAM") -> dict[str, Any]:
    """Lay `override` over `base`; digit keys (`UAM_SPOKES__0__ID`) address list entries."""
    merged = dict(base)
    for key, value in override.items():
        current, name = merged.get(key), f"{where}_{key.upper()}"
        if isinstance(value, Mapping) and isinstance(current, dict):
            merged[key] = _merge(current, value, name + "_")
        elif isinstance(value, Mapping) and isinstance(current, list):
            merged[key] = _merge_list(current, value, name + "_")
        else:
            merged[key] = value
    return merged


def _merge_list(base: list[Any], override: Mapping[str, Any], where: str) -> list[Any]:
    merged = list(base)
    for key, value in override.items():
        if not key.isdigit() or int(key) >= len(merged):
            fix = f"use an index from 0 to {len(merged) - 1}, or set the whole list as JSON"
            problem = f"{where}_{key.upper()}__...: names no entry {key}"
            raise ConfigError([f"environment: {problem}; fix: {fix}"])
        index = int(key)
        if isinstance(value, Mapping) and isinstance(merged[index], dict):
            merged[index] = _merge(merged[index], value, f"{where}_{key}_")
        else:
            merged[index] = value
    return merged


def _may_echo(path: str) -> bool:
    return path not in SECRETS


def _known_keys(loc: Sequence[int | str]) -> list[str]:
    """Return the keys allowed at a location of the configuration, for unknown-key errors."""
    target: Any = Settings
    for part in loc:
        target = _unwrap(target)
        if isinstance(part, int) and get_origin(target) is list:
            target = get_args(target)[0]
        elif isinstance(part, str) and _is_model(target) and part in target.model_fields:
            target = target.model_fields[part].annotation
        else:
            return []
    target = _unwrap(target)
    return sorted(target.model_fields) if _is_model(target) else []


def _unwrap(annotation: Any) -> Any:
    """Return `X` for `X | None` and `Annotated[X, ...]`; anything else as it is."""
    members = [arg for arg in get_args(annotation) if arg is not type(None)]
    if get_origin(annotation) is not list and len(members) == 1:
        return _unwrap(members[0])
    return annotation


def _is_model(target: Any) -> bool:
    return isinstance(target, type) and issubclass(target, BaseModel)
