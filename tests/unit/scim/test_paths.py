"""PATCH paths and value filters parse into core types, in canonical spelling, or are refused."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uam_events.core.scim_filter import Comparison, Filter, Logical, Negation
from uam_events.core.scim_user import ENTERPRISE_URN, AttributePath
from uam_events.errors import MalformedInput
from uam_events.scim.paths import parse_path

FIELD = "Operations[0].path"


def path(text: str) -> AttributePath:
    """Return `text` parsed as a path of the first operation."""
    return parse_path(text, FIELD)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("displayName", AttributePath("displayName")),
        ("DISPLAYNAME", AttributePath("displayName")),
        ("name.givenName", AttributePath("name", sub_attribute="givenName")),
        ("Name.GivenName", AttributePath("name", sub_attribute="givenName")),
        ("urn:ietf:params:scim:schemas:core:2.0:User:userName", AttributePath("userName")),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            AttributePath("department", schema=ENTERPRISE_URN),
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department",
            AttributePath("department", schema=ENTERPRISE_URN),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            AttributePath("manager", schema=ENTERPRISE_URN, sub_attribute="value"),
        ),
        ("department", AttributePath("department", schema=ENTERPRISE_URN)),
        ("costcenter", AttributePath("costCenter", schema=ENTERPRISE_URN)),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            AttributePath(ENTERPRISE_URN),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badgeId",
            AttributePath("badgeId", schema="urn:ietf:params:scim:schemas:extension:acme:2.0:User"),
        ),
        ("  title  ", AttributePath("title")),
    ],
)
def test_paths_without_filter(text: str, expected: AttributePath) -> None:
    """Plain, dotted and URN-qualified paths parse to canonical names and their schema."""
    assert path(text) == expected


def test_path_with_filter_and_sub_attribute() -> None:
    """`emails[type eq "work"].value` is Entra ID's favourite path."""
    assert path('emails[type eq "work"].value') == AttributePath(
        "emails", value_filter=Comparison("type", "eq", "work"), sub_attribute="value"
    )


def test_filter_precedence_is_not_then_and_then_or() -> None:
    """`a or b and not (c)` groups as `a or (b and (not c))`."""
    parsed = path('emails[type eq "home" or value ew ".org" and not (primary eq true)]')
    assert parsed.value_filter == Logical(
        "or",
        Comparison("type", "eq", "home"),
        Logical(
            "and", Comparison("value", "ew", ".org"), Negation(Comparison("primary", "eq", True))
        ),
    )


def test_parentheses_group_and_keywords_ignore_case() -> None:
    """Parentheses override precedence; `AND`, `Eq` and `TRUE` read like their lower case."""
    parsed = path('emails[(type Eq "a" OR type eq "b") AND primary EQ TRUE]')
    assert parsed.value_filter == Logical(
        "and",
        Logical("or", Comparison("type", "eq", "a"), Comparison("type", "eq", "b")),
        Comparison("primary", "eq", True),
    )


@pytest.mark.parametrize(
    ("text", "value_filter"),
    [
        ("emails[display pr]", Comparison("display", "pr")),
        ("x509Certificates[value ne null]", Comparison("value", "ne", None)),
        ("addresses[postalCode ge 91600]", Comparison("postalCode", "ge", 91600)),
        ("addresses[weight lt -1.5e2]", Comparison("weight", "lt", -150.0)),
        ('emails[value eq "a]b \\"c\\""]', Comparison("value", "eq", 'a]b "c"')),
        ('emails[Type eq "work"]', Comparison("type", "eq", "work")),
    ],
)
def test_filter_literals_and_operators(text: str, value_filter: Filter) -> None:
    """Strings (with escapes and brackets), numbers, null and `pr` parse as JSON values."""
    assert path(text).value_filter == value_filter


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("name.givenName.first", "not an attribute path"),
        ("emails[type eq]", "expected a value"),
        ("emails[type work]", "expected an operator"),
        ('emails[type eq "work"', "does not close"),
        ('emails[type eq "work"]value', "after the filter"),
        ("emails[type eq work]", "quote strings"),
        ('emails[not type eq "x"]', "not must be followed by ("),
        ('emails[(type eq "x"]', "a ( is not closed"),
        ("emails[value co 1]", "co compares strings only"),
        ("emails[primary gt true]", "cannot compare a boolean"),
        ('emails[type eq "work" xor value pr]', "unexpected 'xor'"),
        ('emails[type eq "x"] extra', "after the filter"),
        ('name[givenName eq "x"]', "single-valued"),
        ('emails.value[type eq "x"]', "sub-attribute comes after the filter"),
        ('emails[type eq "\\q"]', "not a JSON string"),
        ("emails[type eq 007]", "not a JSON string or number"),
        ("emails[weight gt 1e400]", "out of range"),
        ("members", "Group"),
        ('members[value eq "x"]', "Group"),
        ("urn:ietf:params:scim:schemas:core:2.0:User", "core schema"),
        ('emails[type eq "x" & 1]', "unexpected '&'"),
    ],
)
def test_bad_paths_are_malformed(text: str, problem: str) -> None:
    """Each bad path names the operation's path field and says what is wrong."""
    with pytest.raises(MalformedInput) as error:
        path(text)
    assert error.value.field == FIELD
    assert problem in error.value.problem


def test_deep_nesting_is_refused_before_recursion_runs_out() -> None:
    """A hostile filter of nested parentheses is malformed, not a crash."""
    with pytest.raises(MalformedInput, match="nests too deeply"):
        path("emails[" + "(" * 500 + 'type eq "x"' + ")" * 500 + "]")


NAMES = st.sampled_from(["type", "value", "primary", "display"])
LITERALS = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=6))


@st.composite
def comparisons(draw: st.DrawFn) -> Comparison:
    """Draw a comparison that the grammar allows."""
    name = draw(NAMES)
    operator = draw(st.sampled_from(["eq", "ne", "co", "sw", "ew", "pr", "gt", "le"]))
    if operator == "pr":
        return Comparison(name, "pr")
    if operator in ("co", "sw", "ew"):
        return Comparison(name, operator, draw(st.text(max_size=6)))
    if operator in ("gt", "le"):
        return Comparison(name, operator, draw(st.integers(-9, 9) | st.text(max_size=3)))
    return Comparison(name, operator, draw(LITERALS))


FILTERS = st.recursive(
    comparisons(),
    lambda inner: (
        st.builds(Logical, st.sampled_from(["and", "or"]), inner, inner)
        | st.builds(Negation, inner)
    ),
    max_leaves=5,
)


def render(value_filter: Filter) -> str:
    """Write a filter in the RFC syntax, fully parenthesised."""
    if isinstance(value_filter, Logical):
        return f"({render(value_filter.left)} {value_filter.op} {render(value_filter.right)})"
    if isinstance(value_filter, Negation):
        return f"not ({render(value_filter.inner)})"
    if value_filter.op == "pr":
        return f"{value_filter.attribute} pr"
    return f"{value_filter.attribute} {value_filter.op} {json.dumps(value_filter.value)}"


@given(FILTERS)
def test_rendered_filters_parse_back_to_themselves(value_filter: Filter) -> None:
    """Parsing the RFC rendering of any filter gives that filter back."""
    assert path(f"emails[{render(value_filter)}].value").value_filter == value_filter


@given(st.text(max_size=40))
def test_any_text_parses_or_is_malformed(text: str) -> None:
    """No path text makes the parser fail with anything but MalformedInput."""
    with contextlib.suppress(MalformedInput):
        path(text)
