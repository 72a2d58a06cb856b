"""Turn pydantic validation errors into problems that name a path and the fix.

Both the wire payloads and the configuration report errors as `path: problem; fix: fix`, with
paths written like JSON paths (`when.region`, `spokes[1].schedule.every`). Validators raise
`problem(...)` so their message and fix survive; pydantic's own error types get a fix here.
Inputs are echoed only when they are scalars and the caller allows it, so secrets stay out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

CUSTOM = "uam_problem"
_ECHO_LIMIT = 60


@dataclass(frozen=True, slots=True)
class Problem:
    """One error: where it is, what is wrong, what to send or write instead."""

    path: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}; fix: {self.fix}"


def problem(
    text: str, fix: str, field: str | tuple[int | str, ...] | None = None
) -> PydanticCustomError:
    """Return an error for a validator to raise; `field` extends the path below its location."""
    context: dict[str, Any] = {"problem": text, "fix": fix}
    if field is not None:
        context["field"] = (field,) if isinstance(field, str) else field
    return PydanticCustomError(CUSTOM, "{problem}", context)


def path_of(loc: Sequence[int | str]) -> str:
    """Return a location as a path: `('spokes', 1, 'id')` -> `spokes[1].id`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def describe(
    exc: ValidationError,
    *,
    skip: int = 0,
    echo: Callable[[str], bool] = lambda _path: True,
    default_fix: str = "see DESIGN.md section 4",
    known: Callable[[Sequence[int | str]], Sequence[str]] | None = None,
) -> list[Problem]:
    """Return one problem per error, in pydantic's order.

    `skip` drops leading location parts (the tag of a discriminated union); `echo` says whether
    the input at a path may be quoted in the message (never for secrets); `known` names the
    keys allowed beside an unknown one.
    """
    return [_describe_one(err, skip, echo, default_fix, known) for err in exc.errors()]


def _describe_one(
    err: ErrorDetails,
    skip: int,
    echo: Callable[[str], bool],
    default_fix: str,
    known: Callable[[Sequence[int | str]], Sequence[str]] | None,
) -> Problem:
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    loc = list(err["loc"])[skip:] if kind not in _TAG_ERRORS else []
    if kind == CUSTOM:
        path = path_of([*loc, *ctx.get("field", ())])
        return Problem(path or "value", str(ctx["problem"]), str(ctx["fix"]))
    if kind in _TAG_ERRORS:
        name = str(ctx.get("discriminator", "")).strip("'")
        return Problem(name, *_tag_problem(kind, ctx))
    path = path_of(loc) or "value"
    quoted = _quote(err.get("input")) if echo(path) and kind not in _NO_ECHO else None
    if kind in _TEMPLATES:
        text, fix = (part.format(**ctx) for part in _TEMPLATES[kind])
    else:
        text, fix = err["msg"][0].lower() + err["msg"][1:], default_fix
    if kind == "extra_forbidden" and known is not None and (names := known(loc[:-1])):
        fix += f" (known: {', '.join(names)})"
    return Problem(path, f"{quoted} {text}" if quoted else text, fix)


def _tag_problem(kind: str, ctx: dict[str, Any]) -> tuple[str, str]:
    if kind == "union_tag_not_found":
        return "missing", "add it"
    expected = ctx.get("expected_tags", "")
    return f"{ctx.get('tag')!r} is not one of {expected}", f"use one of {expected}"


def _quote(value: object) -> str | None:
    if isinstance(value, bool | int | float | str):
        text = repr(value)
        return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 4] + "...'"
    return None


_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})
_NO_ECHO = frozenset({"missing", "extra_forbidden"})
_NUMBER = ("is not a number", "write a number")
_WHOLE = ("is not a whole number", "write a whole number")
_BOOL = ("is not true or false", "write true or false")
_STRING = ("is not a string", "write a string (in quotes)")
_DATETIME = ("is not a date-time", "write an RFC 3339 timestamp such as 2026-11-20T08:00:00Z")
_TEMPLATES: dict[str, tuple[str, str]] = {
    "missing": ("missing", "add it"),
    "extra_forbidden": ("unknown field", "remove it or correct its spelling"),
    "literal_error": ("is not one of {expected}", "use one of {expected}"),
    "string_type": _STRING,
    "string_too_short": ("is empty", "write a non-empty value"),
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "bool_type": _BOOL,
    "bool_parsing": _BOOL,
    "greater_than": ("is too small", "write a number greater than {gt}"),
    "greater_than_equal": ("is too small", "write a number of at least {ge}"),
    "less_than": ("is too large", "write a number less than {lt}"),
    "less_than_equal": ("is too large", "write a number of at most {le}"),
    "list_type": ("is not a list", "write a list"),
    "too_short": ("has too few entries", "add at least {min_length}"),
    "dict_type": ("is not an object", "write an object of named fields"),
    "model_type": ("is not an object", "write an object of named fields"),
    "model_attributes_type": ("is not an object", "write an object of named fields"),
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
}
