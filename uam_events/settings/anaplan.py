"""Where Anaplan is and how the integration user signs in: basic, certificate or OAuth.

Anaplan offers no client-credentials grant, so OAuth means a refresh token obtained once by a
person (DESIGN reference notes); it comes from the environment or a file, like every secret.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from uam_events.contract.problems import problem
from uam_events.settings.base import (
    Email,
    FilePath,
    Section,
    Text,
    Url,
    read_secret,
    require_secret,
    secret_variable,
)

_METHOD_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "basic": (frozenset(), frozenset({"password"})),
    "certificate": (
        frozenset({"certificate_file", "private_key_file"}),
        frozenset({"private_key_passphrase"}),
    ),
    "oauth": (
        frozenset({"client_id"}),
        frozenset({"client_secret", "client_secret_file", "refresh_token", "refresh_token_file"}),
    ),
}
"""Per method: the fields it requires in the YAML, and the others it allows."""


class AuthSettings(Section):
    """How the integration user signs in to Anaplan."""

    method: Literal["basic", "certificate", "oauth"]
    user: Email = Field(description="the integration user's email; never pushed as a row")
    password: SecretStr | None = None
    certificate_file: FilePath | None = None
    private_key_file: FilePath | None = None
    private_key_passphrase: SecretStr | None = None
    client_id: Text | None = None
    client_secret: SecretStr | None = None
    client_secret_file: FilePath | None = None
    refresh_token: SecretStr | None = None
    refresh_token_file: FilePath | None = None

    @model_validator(mode="after")
    def _fields_fit_method(self) -> AuthSettings:
        """Require the method's own fields and reject the other methods' ones."""
        required, allowed = _METHOD_FIELDS[self.method]
        for name in sorted(required):
            if getattr(self, name) is None:
                raise problem("is missing", f"add it: method {self.method} needs it", field=name)
        others = set(type(self).model_fields) - required - allowed - {"method", "user"}
        for name in sorted(others):
            if getattr(self, name) is not None:
                fix = f"remove it, or use the method it belongs to (now: {self.method})"
                raise problem(f"does not apply to method {self.method}", fix, field=name)
        for name in ("client_secret", "refresh_token"):
            if getattr(self, name) is not None and getattr(self, f"{name}_file") is not None:
                variable = secret_variable(f"anaplan.auth.{name}")
                fix = f"set {variable} or {name}_file, not both"
                raise problem("is given twice", fix, field=name)
        return self

    def require_password(self) -> SecretStr:
        """Return the basic-auth password; raise ConfigError naming its variable when unset."""
        return require_secret(self.password, "anaplan.auth.password")

    def require_refresh_token(self) -> SecretStr:
        """Return the OAuth refresh token, from its variable or else its file."""
        token = self.refresh_token or read_secret(
            self.refresh_token_file, "anaplan.auth.refresh_token_file"
        )
        return require_secret(token, "anaplan.auth.refresh_token")

    def client_secret_value(self) -> SecretStr | None:
        """Return the OAuth client secret (auth-code clients have one, device-grant ones not)."""
        return self.client_secret or read_secret(
            self.client_secret_file, "anaplan.auth.client_secret_file"
        )


class AnaplanSettings(Section):
    """Anaplan's authentication and Integration API base URLs, and the sign-in."""

    auth_url: Url
    api_url: Url
    auth: AuthSettings

    @model_validator(mode="before")
    @classmethod
    def _password_alias(cls, data: Any) -> Any:
        """Accept `UAM_ANAPLAN__PASSWORD` for the password; `UAM_ANAPLAN__AUTH__PASSWORD` wins."""
        if isinstance(data, dict) and "password" in data:
            data = dict(data)
            password = data.pop("password")
            if isinstance(data.get("auth"), dict) and data["auth"].get("password") is None:
                data["auth"] = {**data["auth"], "password": password}
        return data

    @field_validator("auth_url", "api_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        """Drop a trailing slash so that paths can be appended as written."""
        return url.rstrip("/")
