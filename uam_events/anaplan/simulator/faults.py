"""Injected faults: "the next N requests whose path matches X answer S".

Invariants: a fault answers at most `count` requests, then disappears; faults are tried in
the order they were set; a 429 or 503 may carry `Retry-After` in seconds or as an HTTP date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FaultSpec(BaseModel):
    """A fault to inject (the `/_sim/faults` body)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="a regular expression searched in the request path")
    status: Literal[409, 422, 423, 429, 500, 503]
    count: int = Field(default=1, ge=1)
    method: str | None = Field(default=None, description="only this HTTP method, e.g. PUT")
    retry_after: int | None = Field(default=None, ge=0, description="seconds")
    retry_after_form: Literal["seconds", "date"] = "seconds"

    @field_validator("path")
    @classmethod
    def _compiles(cls, path: str) -> str:
        """Reject a pattern that is not a regular expression."""
        try:
            re.compile(path)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc}); escape ( and [") from None
        return path

    def retry_header(self, now: float) -> dict[str, str]:
        """Return the `Retry-After` header, if the fault sets one."""
        if self.retry_after is None:
            return {}
        if self.retry_after_form == "date":
            return {"Retry-After": formatdate(now + self.retry_after, usegmt=True)}
        return {"Retry-After": str(self.retry_after)}


@dataclass(slots=True)
class _Armed:
    spec: FaultSpec
    left: int


@dataclass(slots=True)
class FaultBook:
    """The faults still armed."""

    armed: list[_Armed] = field(default_factory=list)

    def add(self, spec: FaultSpec) -> None:
        """Arm a fault for its next `count` matching requests."""
        self.armed.append(_Armed(spec, spec.count))

    def clear(self) -> None:
        """Disarm every fault."""
        self.armed.clear()

    def take(self, method: str, path: str) -> FaultSpec | None:
        """Return the first fault matching a request and use one of its answers."""
        for entry in self.armed:
            wanted = entry.spec.method
            if wanted is not None and wanted.upper() != method.upper():
                continue
            if re.search(entry.spec.path, path):
                entry.left -= 1
                if entry.left == 0:
                    self.armed.remove(entry)
                return entry.spec
        return None

    def listing(self) -> list[dict[str, object]]:
        """Return the armed faults with their answers left."""
        return [{**entry.spec.model_dump(), "left": entry.left} for entry in self.armed]
