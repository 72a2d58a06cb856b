"""PATCH paths and value filters (RFC 7644 3.5.2 and 3.4.2.2, figure 1 ABNF) into core types.

A path reads `[urn:...:]attr[.sub]` or `[urn:...:]attr[filter][.sub]`; names come out in their
canonical spelling, core attributes with `schema` None, extension ones with their schema URN.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import NoReturn, cast

from uam_events.core.scim_filter import STRING_OPERATORS, Comparison, Filter, Logical, Negation
from uam_events.core.scim_user import CORE_USER_URN, ENTERPRISE_URN, AttributePath
from uam_events.core.values import JsonValue
from uam_events.errors import MalformedInput
from uam_events.scim.attributes import (
    GROUP_ONLY,
    SINGLE_VALUED,
    canonical_schema,
    canonical_sub,
    resolve,
)

ATTRIBUTE_NAME = re.compile(r"\$ref|[A-Za-z][A-Za-z0-9_-]*")
TOKEN = re.compile(
    r"""\s*(?:
        (?P<punct>[()\[\]])
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.])
      | (?P<word>[A-Za-z$][\w$:.\-]*)
    )""",
    re.VERBOSE,
)
OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
LITERALS: dict[str, JsonValue] = {"true": True, "false": False, "null": None}
MAX_DEPTH = 16
FILTER_FIX = 'write a filter as attr op value, e.g. emails[type eq "work"].value'


def parse_path(text: str, field: str) -> AttributePath:
    """Return the parsed PATCH path, or raise MalformedInput naming `field` and the fault."""
    raw = text.strip()
    if not raw:
        raise MalformedInput(field, "the path is empty", "name an attribute, e.g. displayName")
    head, value_filter, tail = raw, None, None
    bracket = raw.find("[")
    if bracket >= 0:
        head = raw[:bracket]
        value_filter, end = parse_filter(raw, bracket + 1, field)
        tail = _sub_after_filter(raw, end, field)
    schema, attribute, sub = _split_head(head, field)
    if value_filter is not None:
        if sub is not None:
            raise MalformedInput(
                field, "a sub-attribute comes after the filter", 'write emails[type eq "x"].value'
            )
        _check_filterable(schema, attribute, field)
        sub = tail
    return AttributePath(
        attribute=attribute,
        schema=schema,
        value_filter=value_filter,
        sub_attribute=canonical_sub(sub) if sub is not None else None,
    )


def parse_filter(text: str, start: int, field: str) -> tuple[Filter, int]:
    """Return the filter that starts at `start` and ends at its `]`, and the index after it."""
    tokens = _tokens(text, start, field)
    parser = _Parser(tokens, field)
    parsed = parser.expression(0)
    closing = parser.take()
    if closing is None:
        raise MalformedInput(field, "the filter does not close with ]", FILTER_FIX)
    if closing.text != "]":
        parser.fail(closing, f"unexpected {closing.text!r}; expected and, or or ]")
    return parsed, closing.at + 1


def _sub_after_filter(raw: str, end: int, field: str) -> str | None:
    """Return the `.sub` that may follow `]`, or None."""
    rest = raw[end:].strip()
    if not rest:
        return None
    if not rest.startswith(".") or not ATTRIBUTE_NAME.fullmatch(rest[1:]):
        raise MalformedInput(
            field, f"unexpected {rest!r} after the filter", "follow ] with .subAttribute or nothing"
        )
    return rest[1:]


def split_name(name: str, schema: str | None = None) -> tuple[str | None, str, str | None] | None:
    """Return (schema, canonical attribute, sub-attribute) of a path without filter, else None.

    A whole extension (`urn:...:enterprise:2.0:User`) comes back as the attribute, with schema
    None, since the resource stores it under that key. `schema` qualifies a bare name.
    """
    names = name.strip()
    if names.lower().startswith("urn:"):
        whole = canonical_schema(names)
        if whole is not None:
            return None, whole, None
        colon = names.rfind(":")
        schema = canonical_schema(names[:colon]) or names[:colon]
        names = names[colon + 1 :]
    parts = names.split(".")
    if len(parts) > 2 or not all(ATTRIBUTE_NAME.fullmatch(part) for part in parts):
        return None
    schema, attribute = resolve(parts[0], schema)
    return schema, attribute, canonical_sub(parts[1]) if len(parts) == 2 else None


def refuse_group_attribute(attribute: str, field: str) -> None:
    """Refuse `members`: only a Group has it, and Groups are not consumed."""
    if attribute.lower() in GROUP_ONLY:
        raise MalformedInput(
            field,
            f"{attribute} is a Group attribute and a Group is not consumed",
            "map groups to attributes on the identity topic",
        )


def _split_head(head: str, field: str) -> tuple[str | None, str, str | None]:
    """Return (schema, canonical attribute, sub-attribute) of the part before any filter."""
    parts = split_name(head)
    if parts is None:
        raise MalformedInput(
            field,
            f"{head!r} is not an attribute path",
            "use attr, attr.sub or urn:...:attr, e.g. name.givenName",
        )
    if parts[1] == CORE_USER_URN:
        raise MalformedInput(
            field, "the path names the core schema, not an attribute", "name an attribute"
        )
    refuse_group_attribute(parts[1], field)
    return parts


def _check_filterable(schema: str | None, attribute: str, field: str) -> None:
    """Refuse a filter on a known single-valued attribute (`name[...]`)."""
    if schema in (None, ENTERPRISE_URN) and attribute.lower() in SINGLE_VALUED:
        raise MalformedInput(
            field,
            f"{attribute} is single-valued, so a filter cannot select from it",
            "drop the [filter], or filter a multi-valued attribute such as emails",
        )


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    at: int


def _tokens(text: str, start: int, field: str) -> list[_Token]:
    """Split a filter into tokens, up to and including the first `]` outside a string."""
    tokens: list[_Token] = []
    position = start
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            if not text[position:].strip():
                break
            raise MalformedInput(
                field,
                f"unexpected {text[position:].strip()[:1]!r} at character {position + 1}",
                FILTER_FIX,
            )
        kind = match.lastgroup
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
        if tokens[-1].text == "]" and kind == "punct":
            break
    return tokens


class _Parser:
    """Recursive descent over filter tokens: `or` binds loosest, then `and`, then `not`."""

    def __init__(self, tokens: list[_Token], field: str) -> None:
        self.tokens = tokens
        self.index = 0
        self.field = field

    def peek(self) -> _Token | None:
        """Return the next token without taking it."""
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token | None:
        """Return the next token and move past it."""
        token = self.peek()
        self.index += token is not None
        return token

    def keyword(self, *words: str) -> str | None:
        """Take the next token if it is one of `words` (any case); return it in lower case."""
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() in words:
            self.index += 1
            return token.text.lower()
        return None

    def expression(self, depth: int) -> Filter:
        """Parse `conjunction ("or" conjunction)*`."""
        if depth > MAX_DEPTH:
            raise MalformedInput(self.field, "the filter nests too deeply", FILTER_FIX)
        left = self.conjunction(depth)
        while self.keyword("or"):
            left = Logical("or", left, self.conjunction(depth))
        return left

    def conjunction(self, depth: int) -> Filter:
        """Parse `factor ("and" factor)*`."""
        left = self.factor(depth)
        while self.keyword("and"):
            left = Logical("and", left, self.factor(depth))
        return left

    def factor(self, depth: int) -> Filter:
        """Parse `"not" "(" expression ")"`, `"(" expression ")"` or a comparison."""
        if self.keyword("not"):
            self.expect("(", "not must be followed by (")
            inner = self.expression(depth + 1)
            self.expect(")", "a ( is not closed")
            return Negation(inner)
        token = self.peek()
        if token is not None and token.text == "(" and token.kind == "punct":
            self.index += 1
            inner = self.expression(depth + 1)
            self.expect(")", "a ( is not closed")
            return inner
        return self.comparison()

    def comparison(self) -> Filter:
        """Parse `attrPath "pr"` or `attrPath compareOp compValue`."""
        attribute = self.take()
        if attribute is None or attribute.kind != "word":
            self.fail(attribute, "expected an attribute name")
        name = _filter_attribute(attribute.text)
        operator = self.keyword("pr", *OPERATORS)
        if operator is None:
            self.fail(self.peek(), f"expected an operator (eq, ne, co, ...) after {name}")
        if operator == "pr":
            return Comparison(name, "pr")
        return Comparison(name, operator, self.literal(operator))

    def literal(self, operator: str) -> JsonValue:
        """Parse a compValue and check that `operator` can compare it."""
        token = self.take()
        if token is None or token.kind == "punct":
            self.fail(token, "expected a value (a string, number, true, false or null)")
        if token.kind in ("string", "number"):
            value = self.json(token)
        elif token.text.lower() in LITERALS:
            value = LITERALS[token.text.lower()]
        else:
            self.fail(token, "expected a value; quote strings in double quotes")
        if operator in STRING_OPERATORS and not isinstance(value, str):
            self.fail(token, f"{operator} compares strings only")
        if operator in ("gt", "ge", "lt", "le") and (value is None or isinstance(value, bool)):
            self.fail(token, f"{operator} cannot compare a boolean or null")
        return value

    def json(self, token: _Token) -> JsonValue:
        """Return a string or number token as its JSON value."""
        try:
            value = json.loads(token.text)
        except ValueError:
            self.fail(token, f"{token.text} is not a JSON string or number")
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(token, f"{token.text} is out of range")
        return cast(JsonValue, value)

    def expect(self, text: str, problem: str) -> None:
        """Take the punctuation `text`, or fail with `problem`."""
        token = self.take()
        if token is None or token.text != text or token.kind != "punct":
            self.fail(token, problem)

    def fail(self, token: _Token | None, problem: str) -> NoReturn:
        """Raise MalformedInput at `token` (None: at the end of the filter)."""
        where = f"at character {token.at + 1}" if token is not None else "at the end"
        raise MalformedInput(self.field, f"bad filter: {problem} ({where})", FILTER_FIX)


def _filter_attribute(text: str) -> str:
    """Return a filter's attribute in canonical spelling (`Type` -> `type`)."""
    if ":" in text:
        return text
    return ".".join(canonical_sub(part) for part in text.split("."))
