"""The core's build is told apart by the file its modules come from, and agrees with the loader."""

from __future__ import annotations

import importlib.util
from importlib.machinery import ExtensionFileLoader

import pytest

from tests.conftest import core_mismatch
from uam_events.core_build import build_of, core_build, core_file


@pytest.mark.parametrize(
    ("path", "build"),
    [
        ("/x/uam_events/core/engine.py", "pure"),
        ("/x/uam_events/core/engine.cpython-311-x86_64-linux-gnu.so", "compiled"),
        ("/x/uam_events/core/engine.abi3.so", "compiled"),
        ("/x/uam_events/core/engine.so", "compiled"),
    ],
)
def test_an_extension_module_is_compiled_a_source_file_pure(path: str, build: str) -> None:
    """Only the suffixes this interpreter loads as extension modules mean compiled."""
    assert build_of(path) == build


def test_the_build_agrees_with_how_the_engine_was_loaded() -> None:
    """compiled exactly when the import system loads the engine as an extension module."""
    spec = importlib.util.find_spec("uam_events.core.engine")
    assert spec is not None
    assert spec.origin == core_file()
    extension = isinstance(spec.loader, ExtensionFileLoader)
    assert core_build() == ("compiled" if extension else "pure")


def test_a_session_expecting_the_other_build_is_refused() -> None:
    """UAM_EXPECT_CORE: unset or matching runs; the other build or a typo stops the session."""
    assert core_mismatch(None, "pure", "x") is None
    assert core_mismatch("", "compiled", "x") is None
    assert core_mismatch("compiled", "compiled", "x") is None
    problem = core_mismatch("compiled", "pure", "/src/uam_events/core/engine.py")
    assert problem is not None
    assert "core under test is pure (/src/uam_events/core/engine.py)" in problem
    assert "write one of compiled, pure" in (core_mismatch("fast", "pure", "x") or "")
